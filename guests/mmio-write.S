# One userspace exit per iteration: a one-byte write of a counter (0, 1, 2, ...) to guest-physical
# 0x8000, which no memory slot backs, so KVM hands it to userspace as MMIO.
	.code16
	.globl _start
_start:
	xor	%ax, %ax
	mov	%ax, %ds
1:	movb	%al, 0x8000
	inc	%al
	jmp	1b
