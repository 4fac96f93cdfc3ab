# The peer VMMs' pio-out guest (QEMU, kvmtool; src/peers/): a flat 64 KiB real-mode image.
# The loop is pio-out.S's, with the same three instructions per exit (out; dec; jnz instead of
# out; inc; jmp): on hosts where KVM emulates every guest instruction (PVM, ~0.6 us each), a
# longer loop would make the peers look slower than they are.
# The host patches the exit count into `exits` (offset 4). After the loop the guest asks its VMM
# to stop: isa-debug-exit at port 0xf4 for QEMU (exit status 1), then the i8042 reset command for
# kvmtool (each port is unassigned, so harmless, under the other VMM); then HLT forever.
# Both VMMs start it in real mode with the image at offset 0 of CS: kvmtool loads a flat binary at
# 1000:0000; QEMU maps a -bios image below 4 GiB and starts at its reset vector, offset 0xfff0.
	.code16
	.globl _start
_start:
	jmp	start
	.balign	4
exits:	.long	1000
start:
	mov	%cs:exits, %ecx
	mov	$0xe9, %dx
	xor	%al, %al
1:	out	%al, (%dx)
	dec	%ecx
	jnz	1b
	mov	$0xf4, %dx
	xor	%al, %al
	out	%al, (%dx)
	mov	$0xfe, %al
	out	%al, $0x64
	cli
2:	hlt
	jmp	2b

	.org	0xfff0
reset:	jmp	_start
	.org	0x10000
