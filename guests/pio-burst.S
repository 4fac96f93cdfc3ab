# K one-byte OUTs of a running counter (0, 1, 2, ... mod 256; bl the first value and bh the step, so
# bh = 0 writes one value throughout, for an ioeventfd with datamatch) to port 0xea, then an OUT of the burst
# number to port 0xe9. K comes from %si. With an ioeventfd or a coalesced PIO zone on 0xea the K writes
# complete in the kernel and only the OUT to 0xe9 reaches userspace; without, each is an exit.
# The guest times each burst of K writes with RDTSC into its clock page (guestClock in manifest.json,
# window "writes"; layout as in pio-out-tsc.S): the in-kernel cost of a write, seen from the guest.
	.code16
	.globl _start
	.set	CLOCK, 0x2000
_start:
	xor	%bp, %bp		# burst number
1:	mov	%si, %di
	rdtsc
	mov	%eax, %ecx		# TSC (low half) at the burst's start
	mov	$0xea, %dx
2:	test	%di, %di
	jz	3f
	mov	%bl, %al
	out	%al, (%dx)
	add	%bh, %bl		# the next value: bh is the step (1: a running counter, 0: one value)
	dec	%di
	jmp	2b
3:	rdtsc
	sub	%ecx, %eax		# cycles in the burst (mod 2^32)
	cmpb	$0, CLOCK+16
	jne	4f
	addl	%eax, CLOCK
	adcl	$0, CLOCK+4
	addl	$1, CLOCK+8
	adcl	$0, CLOCK+12
	jmp	5f
4:	movb	$0, CLOCK+16		# the host armed the page: leave this window out
5:	mov	$0xe9, %dx
	mov	%bp, %ax
	out	%al, (%dx)
	inc	%bp
	jmp	1b
