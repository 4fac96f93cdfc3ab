# The memory sweep's guest: writes one byte (1) to the first byte of each 4 KiB page of the slot
# at ESI, ECX pages, then reports how far it got: OUT of ESI (one past the last page touched) to
# port 0xe9, then HLT. The host sets ESI and ECX per run and checks ESI = base + 4096 * ECX.
# Three instructions per page: on hosts where KVM emulates guest code (PVM) each one costs.
	.code32
	.globl _start
_start:
	jecxz	2f
1:	movb	$1, (%esi)
	add	$4096, %esi
	loop	1b
2:	mov	%esi, %eax
	mov	$0xe9, %dx
	out	%eax, (%dx)
	hlt
