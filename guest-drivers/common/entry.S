/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest entry stub: real mode -> 32-bit protected mode -> 64-bit long mode,
 * then 64-bit runtime setup and main(). Also the exception entry stubs and
 * g_setjmp/g_longjmp.
 *
 * Entered in real mode at linear 0x8000 (vmmctl: CS=0, IP=0x8000; the QEMU
 * test boot sector: the same), interrupts off.
 */

#define STACK16_TOP	0x7000
#define STACK64_TOP	0x180000
#define PT_BASE		0x180000	/* PML4, PDPT, 4 PDs: 6 pages */
#define PML4		(PT_BASE + 0x0000)
#define PDPT		(PT_BASE + 0x1000)
#define PD0		(PT_BASE + 0x2000)

#define SEL_CODE32	0x08
#define SEL_DATA	0x10
#define SEL_CODE64	0x18

#define BOOT_REAL	0x1
#define BOOT_PROT	0x2
#define BOOT_LONG	0x4
#define BOOT_NX		0x8

/* our GDT, CR0.PE, then a far jump to 32-bit code at target */
.macro ENTER_PM32 target
	lgdtl	gdt_desc
	movl	%cr0, %eax
	orl	$1, %eax		/* PE */
	movl	%eax, %cr0
	ljmpl	$SEL_CODE32, $\target
.endm

/* every data segment register: the flat data segment */
.macro DATA_SEGS
	movw	$SEL_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss
.endm

	.section .entry, "awx", @progbits
	.code16
	.globl _start
_start:
	cli
	cld
	ljmp	$0, $1f			/* normalise CS:IP to 0:linear */
1:	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	$STACK16_TOP, %sp

	movl	%cr0, %eax
	testb	$1, %al
	jnz	2f
	orl	$BOOT_REAL, boot_flags
2:
	ENTER_PM32 pm32

	.code32
pm32:
	DATA_SEGS
	movl	$STACK16_TOP, %esp

	movl	%cr0, %eax
	testb	$1, %al
	jz	1f
	orl	$BOOT_PROT, boot_flags
1:
	/* page tables: zero 6 pages */
	movl	$PT_BASE, %edi
	movl	$(6 * 4096 / 4), %ecx
	xorl	%eax, %eax
	rep stosl

	movl	$(PDPT | 0x3), PML4		/* P | RW */
	movl	$(PD0 + 0x0000 | 0x3), PDPT + 0
	movl	$(PD0 + 0x1000 | 0x3), PDPT + 8
	movl	$(PD0 + 0x2000 | 0x3), PDPT + 16
	movl	$(PD0 + 0x3000 | 0x3), PDPT + 24

	/* 2048 2 MiB pages: identity map 0..4 GiB; 3..4 GiB (MMIO) uncached */
	movl	$PD0, %edi
	xorl	%ecx, %ecx
2:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$0x83, %eax			/* P | RW | PS */
	cmpl	$1536, %ecx
	jb	3f
	orl	$0x18, %eax			/* PWT | PCD */
3:	movl	%eax, (%edi, %ecx, 8)
	incl	%ecx
	cmpl	$2048, %ecx
	jb	2b

	movl	%cr4, %eax
	orl	$0x20, %eax			/* PAE */
	movl	%eax, %cr4
	movl	$PML4, %eax
	movl	%eax, %cr3

	/* NX supported? (CPUID 0x80000001 EDX bit 20) */
	xorl	%esi, %esi
	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	jb	4f
	movl	$0x80000001, %eax
	cpuid
	btl	$20, %edx
	jnc	4f
	movl	$(1 << 11), %esi		/* EFER.NXE */
	orl	$BOOT_NX, boot_flags
4:
	movl	$0xc0000080, %ecx
	rdmsr
	orl	$(1 << 8), %eax			/* EFER.LME */
	orl	%esi, %eax
	wrmsr

	movl	%cr0, %eax
	orl	$0x80000000, %eax		/* PG */
	movl	%eax, %cr0
	ljmp	$SEL_CODE64, $lm64

	.code64
lm64:
	DATA_SEGS
	movq	$STACK64_TOP, %rsp
	xorl	%ebp, %ebp

	/* long mode really active? (EFER.LMA) */
	movl	$0xc0000080, %ecx
	rdmsr
	btl	$10, %eax
	jnc	1f
	orl	$BOOT_LONG, boot_flags(%rip)
1:
	/* zero .bss */
	leaq	__bss_start(%rip), %rdi
	leaq	__bss_end(%rip), %rcx
	subq	%rdi, %rcx
	xorl	%eax, %eax
	rep stosb

	call	runtime_init
	call	main
	movl	%eax, %edi
	call	exit
5:	cli
	hlt
	jmp	5b

/*
 * An application processor's way in, for payloads that start one (INIT,
 * then a SIPI whose vector page holds a far jump here, see
 * ap_trampoline() in lib.c): real mode at 0:ap_entry16, then the BSP's
 * GDT and page tables (already built), long mode, the stack the BSP
 * left in ap_stack_top, and ap_runtime() (lib.c). In .entry: real-mode
 * code must sit below 64 KiB.
 */
	.code16
	.globl ap_entry16
ap_entry16:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	ENTER_PM32 ap_pm32

	.code32
ap_pm32:
	DATA_SEGS
	movl	%cr4, %eax
	orl	$0x20, %eax			/* PAE */
	movl	%eax, %cr4
	movl	$PML4, %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx
	rdmsr
	orl	$(1 << 8), %eax			/* EFER.LME */
	testl	$BOOT_NX, boot_flags
	jz	1f
	orl	$(1 << 11), %eax		/* EFER.NXE, as on the BSP */
1:	wrmsr
	movl	%cr0, %eax
	orl	$0x80000000, %eax		/* PG */
	movl	%eax, %cr0
	ljmp	$SEL_CODE64, $ap_lm64

	.code64
ap_lm64:
	DATA_SEGS
	movq	ap_stack_top(%rip), %rsp
	xorl	%ebp, %ebp
	call	ap_runtime
6:	cli
	hlt
	jmp	6b

	.balign 8
	.globl ap_stack_top
ap_stack_top:
	.quad	0

	.balign 8
	.globl gdt
gdt:
	.quad	0			/* 0x00 null */
	.quad	0x00cf9a000000ffff	/* 0x08 32-bit code, flat */
	.quad	0x00cf92000000ffff	/* 0x10 data, flat */
	.quad	0x00af9a000000ffff	/* 0x18 64-bit code */
	.quad	0, 0			/* 0x20 64-bit TSS, filled by runtime_init */
	.quad	0, 0			/* 0x30 the AP's TSS, filled by ap_runtime */
gdt_end:
	.balign 8
	.word	0
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

	.balign 4
	.globl boot_flags
boot_flags:
	.long	0

/* ------------------------------------------------------------------ */
/* exception stubs                                                     */
/* ------------------------------------------------------------------ */
	.text
	.code64

.macro ISR_NOERR n
	.balign 16
isr\n:
	pushq	$0
	pushq	$\n
	jmp	isr_common
.endm
.macro ISR_ERR n
	.balign 16
isr\n:
	pushq	$\n
	jmp	isr_common
.endm

ISR_NOERR 0
ISR_NOERR 1
ISR_NOERR 2
ISR_NOERR 3
ISR_NOERR 4
ISR_NOERR 5
ISR_NOERR 6
ISR_NOERR 7
ISR_ERR   8
ISR_NOERR 9
ISR_ERR   10
ISR_ERR   11
ISR_ERR   12
ISR_ERR   13
ISR_ERR   14
ISR_NOERR 15
ISR_NOERR 16
ISR_ERR   17
ISR_NOERR 18
ISR_NOERR 19
ISR_NOERR 20
ISR_ERR   21
ISR_NOERR 22
ISR_NOERR 23
ISR_NOERR 24
ISR_NOERR 25
ISR_NOERR 26
ISR_NOERR 27
ISR_NOERR 28
ISR_ERR   29
ISR_ERR   30
ISR_NOERR 31

isr_common:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	pushq	%rbx
	pushq	%rbp
	pushq	%rsi
	pushq	%rdi
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	cld
	movq	%rsp, %rdi		/* struct exc_frame * (rsp 16-aligned here) */
	call	exception_dispatch
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rbp
	popq	%rbx
	popq	%rdx
	popq	%rcx
	popq	%rax
	addq	$16, %rsp		/* vector, error code */
	iretq

	.section .rodata
	.balign 8
	.globl isr_table
isr_table:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad	isr\n
	.endr

/* ------------------------------------------------------------------ */
/* setjmp / longjmp (callee-saved registers, rsp, return address)       */
/* ------------------------------------------------------------------ */
	.text
	.globl g_setjmp
	.type g_setjmp, @function
g_setjmp:
	movq	%rbx, 0(%rdi)
	movq	%rbp, 8(%rdi)
	movq	%r12, 16(%rdi)
	movq	%r13, 24(%rdi)
	movq	%r14, 32(%rdi)
	movq	%r15, 40(%rdi)
	leaq	8(%rsp), %rdx
	movq	%rdx, 48(%rdi)
	movq	(%rsp), %rdx
	movq	%rdx, 56(%rdi)
	xorl	%eax, %eax
	ret
	.size g_setjmp, . - g_setjmp

	.globl g_longjmp
	.type g_longjmp, @function
g_longjmp:
	movl	%esi, %eax
	testl	%eax, %eax
	jnz	1f
	incl	%eax
1:	movq	0(%rdi), %rbx
	movq	8(%rdi), %rbp
	movq	16(%rdi), %r12
	movq	24(%rdi), %r13
	movq	32(%rdi), %r14
	movq	40(%rdi), %r15
	movq	48(%rdi), %rsp
	jmpq	*56(%rdi)
	.size g_longjmp, . - g_longjmp

	.section .note.GNU-stack, "", @progbits
