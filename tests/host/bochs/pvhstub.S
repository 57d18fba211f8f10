/*
 * Multiboot-to-PVH boot stub for the Bochs test host (see mkpvh.sh).
 *
 * Saves the VT-x test host the XZ decompression of the Debian bzImage
 * (most of its boot time under Bochs): syslinux's mboot.c32 loads one
 * multiboot "a.out kludge" image, this stub (8 KiB at 0xffe000) followed by
 * the uncompressed kernel flattened at its physical load address
 * (0x1000000), zeroes the kernel's .bss, loads the initramfs as module 0 and
 * jumps here in 32-bit protected mode, paging off. The stub turns the
 * multiboot information into a PVH hvm_start_info (version 1: command line,
 * module = initramfs, memory map from the BIOS e820) and enters the kernel
 * at its PVH entry point (XEN_ELFNOTE_PHYS32_ENTRY), the way QEMU's
 * -kernel vmlinux does.
 *
 * Built with: gcc -m32 -c; ld -m elf_i386 -Ttext=0xffe000 --oformat binary.
 * The symbols below that mkpvh.sh patches sit at fixed offsets in the
 * multiboot header.
 */
#define MB_MAGIC	0x1badb002
#define MB_FLAGS	0x00010003	/* page-align modules, memory info, a.out kludge */
#define PVH_MAGIC	0x336ec578
#define BASE		0xffe000

	.code32
	.text
	.globl	entry
start:
	jmp	entry
	.balign	4
mb_header:				/* offset 4 */
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)
	.long	BASE + (mb_header - start)	/* header_addr */
	.long	BASE				/* load_addr */
mb_load_end:	.long	0			/* load_end_addr: patched (0 = whole file) */
mb_bss_end:	.long	0			/* bss_end_addr: patched */
	.long	BASE + (entry - start)		/* entry_addr */
pvh_entry:	.long	0			/* offset 0x24: kernel's PVH entry, patched */

entry:
	cli
	cld
	cmpl	$0x2badb002, %eax
	jne	hang
	movl	%ebx, %esi			/* multiboot info */
	movl	$BASE + 0x1000, %esp		/* stack below the info page */

	/* hvm_start_info at BASE+0x1000 (56 bytes), modlist at +0x1040,
	 * memmap entries from +0x1080 (24 bytes each, up to 160). */
	movl	$BASE + 0x1000, %edi
	xorl	%eax, %eax
	movl	$0x80 / 4, %ecx
	rep stosl
	movl	$BASE + 0x1000, %edi
	movl	$PVH_MAGIC, 0(%edi)
	movl	$1, 4(%edi)			/* version */

	/* command line (flag bit 2), without its first word: the image's name */
	testl	$4, 0(%esi)
	jz	1f
	movl	16(%esi), %edx
2:	movb	(%edx), %al
	testb	%al, %al
	jz	3f
	incl	%edx
	cmpb	$' ', %al
	jne	2b
3:	movl	%edx, 24(%edi)			/* cmdline_paddr */
1:
	/* module 0 = the initramfs (flag bit 3) */
	testl	$8, 0(%esi)
	jz	1f
	cmpl	$0, 20(%esi)
	je	1f
	movl	24(%esi), %edx			/* mods_addr */
	movl	0(%edx), %eax			/* mod_start */
	movl	%eax, BASE + 0x1040
	movl	4(%edx), %ecx			/* mod_end */
	subl	%eax, %ecx
	movl	%ecx, BASE + 0x1048
	movl	$1, 12(%edi)			/* nr_modules */
	movl	$BASE + 0x1040, 16(%edi)	/* modlist_paddr */
1:
	/* memory map (flag bit 6): multiboot {u32 size; u64 addr, len; u32 type} */
	testl	$0x40, 0(%esi)
	jz	hang				/* PVH without a memory map: BUG() */
	movl	48(%esi), %edx			/* mmap_addr */
	movl	44(%esi), %ebp
	addl	%edx, %ebp			/* end */
	movl	$BASE + 0x1080, %ebx
	xorl	%ecx, %ecx
4:	cmpl	%ebp, %edx
	jae	5f
	cmpl	$160, %ecx
	jae	5f
	movl	4(%edx), %eax;	movl	%eax, 0(%ebx)	/* addr */
	movl	8(%edx), %eax;	movl	%eax, 4(%ebx)
	movl	12(%edx), %eax;	movl	%eax, 8(%ebx)	/* size */
	movl	16(%edx), %eax;	movl	%eax, 12(%ebx)
	movl	20(%edx), %eax;	movl	%eax, 16(%ebx)	/* type */
	movl	$0, 20(%ebx)
	addl	$24, %ebx
	incl	%ecx
	movl	0(%edx), %eax
	leal	4(%edx, %eax), %edx
	jmp	4b
5:	movl	$BASE + 0x1080, 40(%edi)	/* memmap_paddr */
	movl	%ecx, 48(%edi)			/* memmap_entries */

	movl	%edi, %ebx			/* PVH: %ebx = hvm_start_info */
	jmp	*BASE + (pvh_entry - start)

hang:	hlt
	jmp	hang
