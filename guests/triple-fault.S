# Faults on purpose: loads an empty IDT and raises an interrupt. The #GP it causes cannot be
# delivered either, so the CPU triple-faults and KVM reports KVM_EXIT_SHUTDOWN.
	.code16
	.globl _start
_start:
	lidt	empty_idt
	int	$3
	hlt
empty_idt:
	.word	0
	.long	0
