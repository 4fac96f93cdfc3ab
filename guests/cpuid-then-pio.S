# K in-kernel exits (CPUID, handled inside KVM) between userspace exits (OUT of a counter byte to
# port 0xe9). K comes from %si, so one image serves every K; compare against pio-out to tell the
# in-kernel cost from the userspace cost.
	.code16
	.globl _start
_start:
	xor	%bp, %bp
1:	mov	%si, %di
2:	test	%di, %di
	jz	3f
	xor	%eax, %eax
	cpuid
	dec	%di
	jmp	2b
3:	mov	$0xe9, %dx
	mov	%bp, %ax
	out	%al, (%dx)
	inc	%bp
	jmp	1b
