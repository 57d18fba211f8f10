/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One trip into an SVM guest and back.
 *
 * void vmm_svm_vmrun(u64 vmcb_pa, u64 *gprs, u64 host_save_pa)
 *
 * Called with interrupts off. With GIF clear the host interrupt flag is
 * set, so interrupts and NMIs that arrive while the guest runs make it
 * exit (V_INTR_MASKING) and are taken by the host right after STGI and the
 * caller's local_irq_enable(). VMRUN switches only RAX/RSP/RIP/RFLAGS and
 * the control state; the other GPRs move here, and VMSAVE/VMLOAD move the
 * FS/GS/TR/LDTR and syscall MSR state.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>

#define G_RCX	(1 * 8)
#define G_RDX	(2 * 8)
#define G_RBX	(3 * 8)
#define G_RBP	(5 * 8)
#define G_RSI	(6 * 8)
#define G_RDI	(7 * 8)
#define G_R8	(8 * 8)
#define G_R9	(9 * 8)
#define G_R10	(10 * 8)
#define G_R11	(11 * 8)
#define G_R12	(12 * 8)
#define G_R13	(13 * 8)
#define G_R14	(14 * 8)
#define G_R15	(15 * 8)

	.text
SYM_FUNC_START(vmm_svm_vmrun)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rsi			/* 16(%rsp): gprs */
	push	%rdi			/*  8(%rsp): guest VMCB */
	push	%rdx			/*  0(%rsp): host save area */

	clgi
	sti

	/* The host state VMLOAD restores was saved by svm_prepare(). */
	mov	%rdi, %rax
	vmload	%rax

	mov	G_RCX(%rsi), %rcx
	mov	G_RDX(%rsi), %rdx
	mov	G_RBX(%rsi), %rbx
	mov	G_RBP(%rsi), %rbp
	mov	G_RDI(%rsi), %rdi
	mov	G_R8(%rsi), %r8
	mov	G_R9(%rsi), %r9
	mov	G_R10(%rsi), %r10
	mov	G_R11(%rsi), %r11
	mov	G_R12(%rsi), %r12
	mov	G_R13(%rsi), %r13
	mov	G_R14(%rsi), %r14
	mov	G_R15(%rsi), %r15
	mov	G_RSI(%rsi), %rsi

	/*
	 * TSA: VERW clears the CPU buffers of host data as the last thing
	 * before VMRUN, where the kernel asks for it (spec.c decides).
	 */
	cmpb	$0, vmm_spec_verw_vmrun(%rip)
	je	1f
	verw	x86_verw_sel(%rip)
1:
	vmrun	%rax

	/* Back in the host: RAX holds the guest VMCB address again. */
	push	%rsi
	mov	24(%rsp), %rsi
	mov	%rcx, G_RCX(%rsi)
	mov	%rdx, G_RDX(%rsi)
	mov	%rbx, G_RBX(%rsi)
	mov	%rbp, G_RBP(%rsi)
	mov	%rdi, G_RDI(%rsi)
	mov	%r8, G_R8(%rsi)
	mov	%r9, G_R9(%rsi)
	mov	%r10, G_R10(%rsi)
	mov	%r11, G_R11(%rsi)
	mov	%r12, G_R12(%rsi)
	mov	%r13, G_R13(%rsi)
	mov	%r14, G_R14(%rsi)
	mov	%r15, G_R15(%rsi)
	pop	G_RSI(%rsi)

	vmsave	%rax
	mov	(%rsp), %rax
	vmload	%rax

	/* Guest-controlled return predictions must not steer the host. */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RETPOLINE
	/*
	 * SRSO in ibpb-vmexit mode: the kernel leaves the flush of what the
	 * guest trained to the hypervisor, before the host's first RET.
	 * entry_ibpb clobbers RAX, RCX and RDX, all guest values or free.
	 */
	cmpb	$0, vmm_spec_ibpb_vmexit(%rip)
	je	2f
	call	entry_ibpb
2:
	/* Retbleed/SRSO: untrain returns before the host returns anywhere. */
	UNTRAIN_RET

	cli
	stgi

	/* Leave no guest values in caller-saved registers. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d

	add	$24, %rsp
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(vmm_svm_vmrun)
