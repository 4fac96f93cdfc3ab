# Never runs: the manifest gives this long mode guest a code segment with both L and D set, which
# VM entry refuses (AMD VMRUN's consistency checks and Intel's guest-state checks both forbid it),
# so KVM reports KVM_EXIT_FAIL_ENTRY before the first instruction.
	.code64
	.globl _start
_start:
	hlt
	jmp	_start
