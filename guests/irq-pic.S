# Interrupts from the in-kernel 8259 PIC pair (KVM_CREATE_IRQCHIP), raised through an irqfd on GSI 5.
# Sets the stack and the IVT entry of vector 0x25, programs both PICs (ICW1-4: master vectors from
# 0x20, slave from 0x28), unmasks IRQ 5 alone, says it is ready with an OUT to port 0xeb, then STI and
# HLT in a loop (with the in-kernel irqchip the vCPU sleeps in KVM_RUN until an interrupt). Each
# interrupt's handler sends the PIC its EOI, then OUTs a running counter (0, 1, 2, ... mod 256) to
# port 0xe9: one userspace exit per interrupt delivered, so the host sees every delivery.
	.code16
	.set	IRQ, 5
	.set	VECTOR, 0x20 + IRQ
	.globl	_start
_start:
	cli
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %ss
	mov	$0x1000, %sp		# below the code, above the IVT
	movw	$handler, VECTOR * 4
	movw	$0, VECTOR * 4 + 2
	mov	$0x11, %al		# ICW1: edge triggered, cascaded, ICW4 follows
	out	%al, $0x20
	out	%al, $0xa0
	mov	$0x20, %al		# ICW2: the master's vector base
	out	%al, $0x21
	mov	$0x28, %al		# and the slave's
	out	%al, $0xa1
	mov	$0x04, %al		# ICW3: the slave sits on the master's IRQ 2
	out	%al, $0x21
	mov	$0x02, %al
	out	%al, $0xa1
	mov	$0x01, %al		# ICW4: 8086 mode, normal EOI
	out	%al, $0x21
	out	%al, $0xa1
	mov	$0xff, %al		# OCW1: every slave line masked
	out	%al, $0xa1
	mov	$(0xff ^ (1 << IRQ)), %al	# every master line but IRQ masked
	out	%al, $0x21
	xor	%bl, %bl		# the handler's counter
	xor	%al, %al
	out	%al, $0xeb		# ready: from here on no edge is lost
	sti
1:	hlt
	jmp	1b

handler:
	mov	$0x20, %al		# OCW2: non-specific EOI
	out	%al, $0x20
	mov	%bl, %al
	out	%al, $0xe9
	inc	%bl
	iret
