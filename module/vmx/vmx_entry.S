/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One trip into a VMX guest and back.
 *
 * int vmm_vmx_enter(u64 *gprs, u64 *host_rsp, bool launched)
 *
 * Called with interrupts off and the vCPU's VMCS current. VM entry loads
 * only RSP/RIP/RFLAGS and control state from the VMCS, so the other guest
 * GPRs move here. A VM exit lands on vmm_vmx_return (HOST_RIP) with the
 * stack pointer this function wrote to HOST_RSP and RFLAGS cleared; a
 * failed VMLAUNCH/VMRESUME falls through to the same place with CF (no
 * current VMCS) or ZF (error in VM_INSTRUCTION_ERROR) set.
 *
 * Returns 0 after a VM exit, 1 on VMfailInvalid, 2 on VMfailValid.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>

#define VMCS_HOST_RSP	0x6c14

#define G_RAX	(0 * 8)
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
SYM_FUNC_START(vmm_vmx_enter)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rdi			/* 0(%rsp): gprs */

	/* The exit lands with this RSP; VMWRITE only when it moved. */
	cmp	%rsp, (%rsi)
	je	1f
	mov	%rsp, (%rsi)
	mov	$VMCS_HOST_RSP, %eax
	vmwrite	%rsp, %rax
1:
	/* MOVs leave the flags alone: ZF still says "not launched". */
	test	%dl, %dl

	mov	G_RAX(%rdi), %rax
	mov	G_RCX(%rdi), %rcx
	mov	G_RDX(%rdi), %rdx
	mov	G_RBX(%rdi), %rbx
	mov	G_RBP(%rdi), %rbp
	mov	G_RSI(%rdi), %rsi
	mov	G_R8(%rdi), %r8
	mov	G_R9(%rdi), %r9
	mov	G_R10(%rdi), %r10
	mov	G_R11(%rdi), %r11
	mov	G_R12(%rdi), %r12
	mov	G_R13(%rdi), %r13
	mov	G_R14(%rdi), %r14
	mov	G_R15(%rdi), %r15
	mov	G_RDI(%rdi), %rdi

	/*
	 * MDS/TAA/RFDS: VERW clears the CPU buffers of host data as the last
	 * thing before entry (spec.c decides). It clobbers ZF, so it comes
	 * after the launched/resumed branch.
	 */
	jnz	.Lresume
	cmpb	$0, vmm_spec_verw_vmentry(%rip)
	je	3f
	verw	x86_verw_sel(%rip)
3:	vmlaunch
	jmp	vmm_vmx_return		/* VMfail: the flags tell which */
.Lresume:
	cmpb	$0, vmm_spec_verw_vmentry(%rip)
	je	4f
	verw	x86_verw_sel(%rip)
4:	vmresume

SYM_INNER_LABEL(vmm_vmx_return, SYM_L_GLOBAL)
	/* Only MOV, PUSH and POP until the flags are read. */
	push	%rax
	mov	8(%rsp), %rax
	mov	%rcx, G_RCX(%rax)
	mov	%rdx, G_RDX(%rax)
	mov	%rbx, G_RBX(%rax)
	mov	%rbp, G_RBP(%rax)
	mov	%rsi, G_RSI(%rax)
	mov	%rdi, G_RDI(%rax)
	mov	%r8, G_R8(%rax)
	mov	%r9, G_R9(%rax)
	mov	%r10, G_R10(%rax)
	mov	%r11, G_R11(%rax)
	mov	%r12, G_R12(%rax)
	mov	%r13, G_R13(%rax)
	mov	%r14, G_R14(%rax)
	mov	%r15, G_R15(%rax)
	pop	G_RAX(%rax)

	mov	$0, %ebx
	jnbe	2f			/* CF=0, ZF=0: a real VM exit */
	mov	$1, %ebx
	jc	2f			/* VMfailInvalid */
	mov	$2, %ebx		/* VMfailValid */
2:
	/* Guest-controlled return predictions must not steer the host. */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT, X86_FEATURE_RSB_VMEXIT_LITE
	/*
	 * BHI: nor may the guest's branch history steer the host's indirect
	 * branches; clear it before the first one (clobbers RAX, RCX).
	 */
	cmpb	$0, vmm_spec_bhb_vmexit(%rip)
	je	5f
	call	clear_bhb_loop
5:
	mov	%ebx, %eax

	/* Leave no guest values in caller-saved registers. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d

	add	$8, %rsp
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(vmm_vmx_enter)
