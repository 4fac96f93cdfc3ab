# Fails on purpose: an x87 load (flds) from unbacked guest-physical 0x8000. The access is MMIO, so
# KVM must emulate the instruction, and its emulator has no x87 loads: KVM_EXIT_INTERNAL_ERROR with
# suberror KVM_INTERNAL_ERROR_EMULATION and the instruction bytes in its data.
	.code16
	.globl _start
_start:
	flds	0x8000
	hlt
