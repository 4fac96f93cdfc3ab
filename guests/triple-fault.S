# Faults on purpose, in 64-bit long mode: loads an IDT of limit 0, then executes ud2. The #UD cannot
# be delivered (its gate lies past the IDT limit), nor the #GP that raises, nor the #DF after it, so
# the CPU triple-faults and KVM reports KVM_EXIT_SHUTDOWN. Long mode, ud2 and a valid stack (the
# host sets rsp) make this hold on every KVM: real mode ignores the IDT limit under KVM's
# instruction emulator, and int3 there ends in an emulation failure instead.
	.code64
	.globl _start
_start:
	lidt	empty_idt(%rip)
	ud2			# the faulting instruction: 7 bytes after _start
	hlt
empty_idt:
	.word	0		# limit
	.quad	0		# base
