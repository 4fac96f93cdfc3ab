# pio-out in 64-bit long mode (page tables, GDT and EFER set up by the host).
	.code64
	.globl _start
_start:
	mov	$0xe9, %edx
	xor	%eax, %eax
1:	out	%al, (%dx)
	inc	%al
	jmp	1b
