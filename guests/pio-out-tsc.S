# pio-out (real mode) with the guest's own clock: RDTSC (allowed at any privilege while CR4.TSD is
# clear) just before and just after each OUT, the cycles and the count added with 32-bit halves to the
# clock page (guestClock.address in manifest.json; layout as in pio-out-long-tsc.S: +0 u64 cycles,
# +8 u64 windows, +16 u8 skip set by the host before each batch).
	.code16
	.globl _start
	.set	CLOCK, 0x2000
_start:
	xor	%ebx, %ebx		# the counter the host checks: 0, 1, 2, ... in the OUT's byte
1:	mov	%ebx, %esi
	rdtsc
	xchg	%eax, %esi		# esi = TSC (low half) at the window's start; al = counter
	out	%al, $0xe9
	rdtsc
	sub	%esi, %eax		# cycles in the window (mod 2^32)
	cmpb	$0, CLOCK+16
	jne	2f
	addl	%eax, CLOCK
	adcl	$0, CLOCK+4
	addl	$1, CLOCK+8
	adcl	$0, CLOCK+12
	inc	%ebx
	jmp	1b
2:	movb	$0, CLOCK+16
	inc	%ebx
	jmp	1b
