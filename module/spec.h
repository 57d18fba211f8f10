/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the host kernel leaves to every hypervisor at VM entry and exit:
 * the speculative-execution mitigations both engines run, decided once at
 * module load from the kernel's own feature bits and mitigation state
 * (never from CPU models), with a per-CPU count of how often each ran,
 * shown in /sys/kernel/debug/vmm/mitigations.
 *
 * Steps done in the entry assembly read the vmm_spec_* flags below; the C
 * side counts them under the same flag, so a count is the number of
 * entries or exits that ran the step.
 */
#ifndef VMM_SPEC_H
#define VMM_SPEC_H

#include <linux/types.h>
#include <linux/percpu.h>

struct vmm_vcpu;

enum vmm_spec_step {
	VMM_SPEC_VERW_VMENTRY,	/* VMX: VERW before VMLAUNCH/VMRESUME */
	VMM_SPEC_L1D_FLUSH,	/* VMX: L1D flush before entry (L1TF) */
	VMM_SPEC_BHB_CLEAR,	/* VMX: branch history cleared after exit */
	VMM_SPEC_RSB_FILL,	/* both: RSB stuffed after exit */
	VMM_SPEC_VERW_VMRUN,	/* SVM: VERW before VMRUN (TSA) */
	VMM_SPEC_IBPB_VMEXIT,	/* SVM: IBPB after #VMEXIT (SRSO) */
	VMM_SPEC_UNTRAIN_RET,	/* SVM: return predictor untrained */
	VMM_SPEC_IBPB_SWITCH,	/* both: another VM's vCPU, or a vCPU moved */
	VMM_SPEC_IBPB_TO_USER,	/* both: IBPB asked before user (VMSCAPE) */
	VMM_SPEC_TSC_AUX,	/* SVM: guest TSC_AUX switched in and out */
	VMM_SPEC_CR4_REFUSED,	/* both: guest CR4 write of an unvetted bit */
	VMM_SPEC_NR
};

/* Read by svm_entry.S / vmx_entry.S; fixed after module init. */
extern bool vmm_spec_verw_vmentry;
extern bool vmm_spec_bhb_vmexit;
extern bool vmm_spec_verw_vmrun;
extern bool vmm_spec_ibpb_vmexit;

DECLARE_PER_CPU(u64, vmm_spec_count[VMM_SPEC_NR]);

/* Cheap enough for the entry path: one per-CPU increment, no atomics. */
static inline void vmm_spec_ran(enum vmm_spec_step step)
{
	this_cpu_inc(vmm_spec_count[step]);
}

/*
 * A "going down" host (reboot, kexec, panic): set before virtualization
 * is switched off under running vCPUs; their loops leave and a VMX/SVM
 * instruction that faults after it is not a bug.
 */
extern bool vmm_going_down;

int vmm_spec_init(const char *engine);
void vmm_spec_exit(void);

/* Guest CR4 bits we vet and support; every other bit is refused (#GP). */
u64 vmm_cr4_allowed(void);
/*
 * A guest MOV to CR4 from old to val with EFER as it is: 0, or -EINVAL
 * for #GP (an unvetted bit, which is counted, or what the CPU refuses).
 */
int vmm_cr4_check(u64 old, u64 val, u64 efer);

/* The vCPU that ran last on each CPU (spec.c). */
struct vmm_spec_last {
	struct vmm_vcpu *vcpu;	/* compared only, never dereferenced */
	u32 vm_id;
	bool stale;
};
DECLARE_PER_CPU(struct vmm_spec_last, vmm_spec_last);
void __vmm_spec_vcpu_load(struct vmm_vcpu *v, bool moved);

/*
 * Called by the engines with preemption off, when the vCPU is about to
 * run on this CPU: IBPB where another VM's vCPU ran here last or the vCPU
 * came from another CPU. Inline for the common case, the same vCPU
 * again: nothing to do.
 */
static __always_inline void vmm_spec_vcpu_load(struct vmm_vcpu *v, bool moved)
{
	if (likely(!moved && this_cpu_read(vmm_spec_last.vcpu) == v))
		return;
	__vmm_spec_vcpu_load(v, moved);
}
/* A vCPU is freed: forget it as any CPU's last one. */
void vmm_spec_vcpu_gone(struct vmm_vcpu *v);

/* VMX, interrupts off, right before VMLAUNCH/VMRESUME. */
void vmm_spec_vmx_before_entry(struct vmm_vcpu *v);
/* VMX: a batch of runs starts (the task ran other code before it). */
void vmm_spec_vmx_batch_start(void);
/* Both engines, interrupts off, right after the exit. */
void vmm_spec_after_exit(bool svm);
/* SVM: count what svm_entry.S did before and after VMRUN. */
void vmm_spec_svm_counted(void);

#endif /* VMM_SPEC_H */
