# The seed's kvmtest.c guest, byte for byte: with rax=2 and rbx=2 it writes "4\nHello\n" to the
# serial port 0x3f8 one byte per OUT, then halts.
	.code16
	.globl _start
_start:
	mov	$0x3f8, %dx
	add	%bl, %al
	add	$'0', %al
	out	%al, (%dx)
	mov	$'\n', %al
	out	%al, (%dx)
	mov	$'H', %al
	out	%al, (%dx)
	mov	$'e', %al
	out	%al, (%dx)
	mov	$'l', %al
	out	%al, (%dx)
	mov	$'l', %al
	out	%al, (%dx)
	mov	$'o', %al
	out	%al, (%dx)
	mov	$'\n', %al
	out	%al, (%dx)
	hlt
