# One userspace exit per iteration: HLT (no in-kernel irqchip, so KVM returns KVM_EXIT_HLT).
	.code16
	.globl _start
_start:
1:	hlt
	jmp	1b
