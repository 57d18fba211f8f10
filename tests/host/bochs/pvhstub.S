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
 * It also carries a multiboot2 header (address and entry tags, the same
 * layout) and entry, for GRUB: GRUB's multiboot (version 1) command on a
 * PC BIOS stops when int 10h has no VBE ("Can't get controller info",
 * our PC has no VGA), its multiboot2 command goes on without. The
 * multiboot2 entry reads the command line, module and memory map tags
 * into the same hvm_start_info.
 *
 * Built with: gcc -m32 -c; ld -m elf_i386 -Ttext=0xffe000 --oformat binary.
 * The symbols below that mkpvh.sh patches sit at fixed offsets in the
 * multiboot headers.
 */
#define MB_MAGIC	0x1badb002
#define MB_FLAGS	0x00010003	/* page-align modules, memory info, a.out kludge */
#define MB2_MAGIC	0xe85250d6
#define MB2_BOOT_MAGIC	0x36d76289
#define PVH_MAGIC	0x336ec578
#define BASE		0xffe000

	.code32
	.text
	.globl	entry
start:
	jmp	entry			/* short: entry within 127 bytes */
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

	.balign	8
mb2_header:				/* offset 0x28 */
	.long	MB2_MAGIC
	.long	0				/* i386 */
	.long	mb2_end - mb2_header
	.long	-(MB2_MAGIC + (mb2_end - mb2_header))
	.word	2, 0				/* address tag */
	.long	24
	.long	BASE + (mb2_header - start)	/* header_addr */
	.long	BASE				/* load_addr */
mb2_load_end:	.long	0			/* offset 0x48: load_end_addr, patched */
mb2_bss_end:	.long	0			/* offset 0x4c: bss_end_addr, patched */
	.word	3, 0				/* entry address tag */
	.long	12
	.long	BASE + (entry2 - start)
	.long	0				/* (tags are 8-byte aligned) */
	.word	6, 0				/* modules page-aligned */
	.long	8
	.word	0, 0				/* end */
	.long	8
mb2_end:

entry:
	cli
	cld
	cmpl	$0x2badb002, %eax
	jne	hang
	movl	%ebx, %esi			/* multiboot info */
	movl	$BASE + 0x1000, %esp		/* stack below the info page */
	call	start_info_init

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
	movl	4(%edx), %ecx			/* mod_end */
	call	set_module
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

enter_pvh:
	movl	%edi, %ebx			/* PVH: %ebx = hvm_start_info */
	jmp	*BASE + (pvh_entry - start)

/* multiboot2: %ebx = the information, tags from +8, each 8-byte aligned */
entry2:
	cli
	cld
	cmpl	$MB2_BOOT_MAGIC, %eax
	jne	hang
	movl	%ebx, %esi
	movl	$BASE + 0x1000, %esp
	call	start_info_init
	leal	8(%esi), %edx
6:	movl	0(%edx), %eax			/* type */
	testl	%eax, %eax
	jz	9f
	cmpl	$1, %eax
	je	t_cmdline
	cmpl	$3, %eax
	je	t_module
	cmpl	$6, %eax
	je	t_mmap
7:	movl	4(%edx), %eax			/* size */
	addl	$7, %eax
	andl	$~7, %eax
	jz	9f				/* a zero size: stop, not loop */
	addl	%eax, %edx
	jmp	6b
9:	cmpl	$0, 48(%edi)
	je	hang				/* PVH without a memory map: BUG() */
	jmp	enter_pvh

/* the command line: without a first word that is a path (the image) */
t_cmdline:
	leal	8(%edx), %ecx
	cmpb	$'/', (%ecx)
	jne	2f
1:	movb	(%ecx), %al
	testb	%al, %al
	jz	2f
	incl	%ecx
	cmpb	$' ', %al
	jne	1b
2:	movl	%ecx, 24(%edi)			/* cmdline_paddr */
	jmp	7b

/* the first module: the initramfs */
t_module:
	cmpl	$0, 12(%edi)
	jne	7b
	movl	8(%edx), %eax			/* mod_start */
	movl	12(%edx), %ecx			/* mod_end */
	call	set_module
	jmp	7b

/* the memory map: entries {u64 addr, len; u32 type, zero}, as PVH's */
t_mmap:
	movl	8(%edx), %ebp			/* entry_size */
	cmpl	$24, %ebp
	jb	7b
	pushl	%edx
	movl	4(%edx), %eax
	leal	(%edx, %eax), %eax		/* end */
	leal	16(%edx), %esi			/* first entry */
	movl	$BASE + 0x1080, %ebx
	xorl	%ecx, %ecx
1:	leal	24(%esi), %edx
	cmpl	%eax, %edx
	ja	2f
	cmpl	$160, %ecx
	jae	2f
	pushl	%ecx
	pushl	%edi
	movl	%ebx, %edi
	movl	$6, %ecx
	rep movsl				/* %esi += 24 */
	popl	%edi
	popl	%ecx
	movl	$0, 20(%ebx)
	subl	$24, %esi
	addl	%ebp, %esi
	addl	$24, %ebx
	incl	%ecx
	jmp	1b
2:	movl	$BASE + 0x1080, 40(%edi)	/* memmap_paddr */
	movl	%ecx, 48(%edi)			/* memmap_entries */
	popl	%edx
	jmp	7b

/* hvm_start_info at BASE+0x1000 (56 bytes), modlist at +0x1040, memmap
 * entries from +0x1080 (24 bytes each, up to 160); %edi = BASE+0x1000 */
start_info_init:
	movl	$BASE + 0x1000, %edi
	xorl	%eax, %eax
	movl	$0x80 / 4, %ecx
	rep stosl
	movl	$BASE + 0x1000, %edi
	movl	$PVH_MAGIC, 0(%edi)
	movl	$1, 4(%edi)			/* version */
	ret

/* PVH module 0 (the initramfs) from %eax (start) to %ecx (end) */
set_module:
	movl	%eax, BASE + 0x1040
	subl	%eax, %ecx
	movl	%ecx, BASE + 0x1048
	movl	$1, 12(%edi)			/* nr_modules */
	movl	$BASE + 0x1040, 16(%edi)	/* modlist_paddr */
	ret

hang:	hlt
	jmp	hang
