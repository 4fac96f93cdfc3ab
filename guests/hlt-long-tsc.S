# HLT in 64-bit long mode with the guest's own clock: RDTSC just before and just after each HLT, the
# cycles and the count added to the clock page (guestClock.address in manifest.json; same layout as
# pio-out-long-tsc.S: +0 u64 cycles, +8 u64 windows, +16 u8 skip set by the host before each batch).
	.code64
	.globl _start
	.set	CLOCK, 0xf000
_start:
1:	rdtsc
	mov	%eax, %esi		# TSC (low half) at the window's start
	hlt
	rdtsc
	sub	%esi, %eax		# cycles in the window (mod 2^32), zero-extended into rax
	cmpb	$0, CLOCK+16
	jne	2f
	add	%rax, CLOCK
	incq	CLOCK+8
	jmp	1b
2:	movb	$0, CLOCK+16
	jmp	1b
