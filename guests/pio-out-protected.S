# pio-out in 32-bit protected mode (flat segments set up by the host).
	.code32
	.globl _start
_start:
	mov	$0xe9, %edx
	xor	%eax, %eax
1:	out	%al, (%dx)
	inc	%al
	jmp	1b
