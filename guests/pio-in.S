# One userspace exit per iteration: IN from port 0xe9. The host must supply rbx, rbx+1, ... (mod 256;
# rbx starts at 0);
# the guest checks each value and, on a mismatch, writes the value it read to port 0xef and halts.
	.code16
	.globl _start
_start:
	mov	$0xe9, %dx
1:	in	(%dx), %al
	cmp	%bl, %al
	jne	2f
	inc	%bl
	jmp	1b
2:	mov	$0xef, %dx
	out	%al, (%dx)
	hlt
