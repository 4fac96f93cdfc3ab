# K one-byte OUTs of a running counter (0, 1, 2, ... mod 256) to port 0xea, then an OUT of the burst
# number to port 0xe9. K comes from %si. With an ioeventfd or a coalesced PIO zone on 0xea the K writes
# complete in the kernel and only the OUT to 0xe9 reaches userspace; without, each is an exit.
	.code16
	.globl _start
_start:
	xor	%bp, %bp		# burst number
	xor	%bl, %bl		# write counter
1:	mov	%si, %di
	mov	$0xea, %dx
2:	test	%di, %di
	jz	3f
	mov	%bl, %al
	out	%al, (%dx)
	inc	%bl
	dec	%di
	jmp	2b
3:	mov	$0xe9, %dx
	mov	%bp, %ax
	out	%al, (%dx)
	inc	%bp
	jmp	1b
