# One userspace exit per iteration: OUT of a counter byte (0, 1, 2, ...) to port 0xe9.
	.code16
	.globl _start
_start:
	mov	$0xe9, %dx
	xor	%al, %al
1:	out	%al, (%dx)
	inc	%al
	jmp	1b
