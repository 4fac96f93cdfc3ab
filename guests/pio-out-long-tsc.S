# pio-out-long with the guest's own clock, as kvm-unit-tests' x86/vmexit times an exit: RDTSC just
# before and just after each OUT, the cycles and the count added to the clock page in guest memory
# (guestClock.address in manifest.json; layout in src/bench/guest-clock.ts):
#   +0 u64 cycles, +8 u64 windows timed, +16 u8 skip (the host sets it before each batch: the window
#   open across the host's gap between two batches is left out, and the guest clears it).
# Only XCHG and the OUT lie between the two RDTSCs; the bookkeeping is outside the window.
	.code64
	.globl _start
	.set	CLOCK, 0xf000
_start:
	xor	%ebx, %ebx		# the counter the host checks: 0, 1, 2, ... in the OUT's byte
1:	mov	%ebx, %esi
	rdtsc
	xchg	%eax, %esi		# esi = TSC (low half) at the window's start; al = counter
	out	%al, $0xe9
	rdtsc
	sub	%esi, %eax		# cycles in the window (mod 2^32), zero-extended into rax
	cmpb	$0, CLOCK+16
	jne	2f
	add	%rax, CLOCK
	incq	CLOCK+8
	inc	%ebx
	jmp	1b
2:	movb	$0, CLOCK+16
	inc	%ebx
	jmp	1b
