# K one-byte writes of a running counter (0, 1, 2, ... mod 256) to unbacked guest-physical 0x8000,
# then an OUT of the burst number to port 0xe9. K comes from %si. With an ioeventfd or a coalesced MMIO
# zone on 0x8000 the K writes complete in the kernel and only the OUT reaches userspace; without, each
# is an MMIO exit.
	.code16
	.globl _start
_start:
	xor	%ax, %ax
	mov	%ax, %ds
	xor	%bp, %bp		# burst number
	xor	%bl, %bl		# write counter
1:	mov	%si, %di
2:	test	%di, %di
	jz	3f
	movb	%bl, 0x8000
	inc	%bl
	dec	%di
	jmp	2b
3:	mov	$0xe9, %dx
	mov	%bp, %ax
	out	%al, (%dx)
	inc	%bp
	jmp	1b
