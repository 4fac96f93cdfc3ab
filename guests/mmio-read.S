# One userspace exit per iteration: a one-byte read of guest-physical 0x8000 (MMIO). The host must
# supply rbx, rbx+1, ... (mod 256; rbx starts at 0); on a mismatch the guest writes the value it read to port 0xef and halts.
	.code16
	.globl _start
_start:
	xor	%ax, %ax
	mov	%ax, %ds
1:	movb	0x8000, %al
	cmp	%bl, %al
	jne	2f
	inc	%bl
	jmp	1b
2:	mov	$0xef, %dx
	out	%al, (%dx)
	hlt
