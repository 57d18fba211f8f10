/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A payload as PC firmware: a 128 KiB ROM image for `vmmctl run --bios`.
 * The ROM ends at 4 GiB and its last 128 KiB also read at 0xe0000-0xfffff
 * (PAM registers at reset: reads go to the ROM). Layout:
 *
 *   0x00000  the payload's flat image (build/<name>.bin), < 0x1f000 bytes
 *   ...      zeros (0xfffff000-0xfffffeff: the hostile guest's "ROM zeros")
 *   0x1ff00  copy: the image from 0xe0000 to RAM at 0x8000, in 32 KiB
 *            blocks, then a jump to 0:8000 in real mode, as --image enters
 *   0x1fff0  the reset vector (F000:FFF0): a far jump to copy
 *
 * PAYLOAD is the image's path (a string), from the Makefile.
 */
#define ROM_SIZE	0x20000
#define ALIAS_SEG	0xe000		/* ROM offset 0 below 1 MiB */
#define LOAD_SEG	0x0800		/* 0x8000 */

	.code16
	.section .text
	.globl _start
_start:
payload:
	.incbin PAYLOAD
payload_end:
	.if payload_end - payload > 0x1f000
	.error "payload too large for the ROM wrapper"
	.endif

	.org 0x1ff00
copy:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ss
	movw	$0x7000, %sp
	movw	$ALIAS_SEG, %ax
	movw	%ax, %ds
	movw	$LOAD_SEG, %ax
	movw	%ax, %es
	movw	$((payload_end - payload + 0x7fff) >> 15), %bx
1:	xorw	%si, %si
	xorw	%di, %di
	movw	$0x8000, %cx
	rep movsb
	movw	%ds, %ax
	addw	$0x800, %ax
	movw	%ax, %ds
	movw	%es, %ax
	addw	$0x800, %ax
	movw	%ax, %es
	decw	%bx
	jnz	1b
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	ljmp	$0, $0x8000

	.org 0x1fff0
reset:
	ljmp	$0xf000, $(copy - _start - 0x10000)
	.org ROM_SIZE
