/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TEST HARNESS ONLY (not used by vmmctl): a 512-byte boot sector for
 * running payloads under QEMU + SeaBIOS. Reads the 1024 sectors after it
 * (512 KiB) to 0x8000 with INT 13h AH=42h, then enters the payload the way
 * vmmctl does: real mode, CS=0, IP=0x8000, interrupts off, GPRs zero.
 */
	.code16
	.text
	.globl start
start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	$0x7c00, %sp
	ljmp	$0, $1f
1:	movb	%dl, drive
	sti
	movw	$16, %cx		/* 16 x 64 sectors = 512 KiB */
2:	pushw	%cx
	movw	$dap, %si
	movb	$0x42, %ah
	movb	drive, %dl
	int	$0x13
	popw	%cx
	jc	fail
	addw	$0x800, dap_seg		/* 64 * 512 bytes = 0x800 paragraphs */
	addl	$64, dap_lba
	loop	2b

	cli
	xorl	%eax, %eax
	xorl	%ebx, %ebx
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	xorl	%esi, %esi
	xorl	%edi, %edi
	xorl	%ebp, %ebp
	movl	$0x7000, %esp
	pushl	$0x2			/* EFLAGS: reserved bit only */
	popfl
	ljmp	$0, $0x8000

fail:	movw	$msg, %si
3:	lodsb
	testb	%al, %al
	jz	4f
	movw	$0x3f8, %dx
	outb	%al, %dx
	jmp	3b
4:	movw	$0xf4, %dx
	movb	$0x7e, %al
	outb	%al, %dx
5:	cli
	hlt
	jmp	5b

msg:	.asciz	"bootsect: disk read error\n"
drive:	.byte	0

	.balign 4
dap:	.byte	0x10, 0
	.word	64			/* sectors */
	.word	0			/* offset */
dap_seg:
	.word	0x0800			/* segment: linear 0x8000 */
dap_lba:
	.quad	1

	.org	510
	.byte	0x55, 0xaa
