// SPDX-License-Identifier: GPL-2.0
/*
 * Speculative-execution mitigations at VM entry and exit, decided once at
 * load from the running kernel's feature bits and mitigation state, the
 * guest CR4 bits we vet, and the debugfs view of both
 * (/sys/kernel/debug/vmm/mitigations: one line per step, whether it is on,
 * the kernel condition that decided it, and how many times it ran).
 */
#define pr_fmt(fmt) "vmm: " fmt

#include <linux/module.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/sched/smt.h>
#include <asm/cpufeature.h>
#include <asm/nospec-branch.h>
#include <asm/hardirq.h>
#include <asm/processor.h>
#include <asm/processor-flags.h>
#include <asm/msr.h>
#include <asm/vmx.h>

#include "vmm.h"
#include "spec.h"

bool vmm_spec_verw_vmentry __ro_after_init;
bool vmm_spec_bhb_vmexit __ro_after_init;
bool vmm_spec_verw_vmrun __ro_after_init;
bool vmm_spec_ibpb_vmexit __ro_after_init;
bool vmm_going_down;

/*
 * For tests on CPUs (or emulators) that report no bug: also run the steps
 * the kernel did not ask for, where they are safe on this CPU, so that
 * their code paths run and their counters can be checked.
 */
static bool spec_force;
module_param(spec_force, bool, 0444);
MODULE_PARM_DESC(spec_force,
		 "Testing: also run VERW, BHB clearing, L1D flush and IBPB steps the kernel did not ask for");

DEFINE_PER_CPU(u64, vmm_spec_count[VMM_SPEC_NR]);

/*
 * The vCPU that ran last on each CPU and its VM's id (0: none yet). VM ids
 * are reused, so a vCPU that is freed leaves its CPUs "stale": whatever
 * runs there next may be another VM under the same id.
 */
DEFINE_PER_CPU(struct vmm_spec_last, vmm_spec_last);

/*
 * VMX L1TF: what the kernel's l1tf= mode asks of a hypervisor (the same
 * reading as kvm_intel's default): never, only when the host may have
 * pulled secrets into L1D since the last entry, or on every entry.
 */
enum vmm_l1d_mode { VMM_L1D_NEVER, VMM_L1D_COND, VMM_L1D_ALWAYS };
static enum vmm_l1d_mode vmm_l1d_mode __ro_after_init;
static bool vmm_l1d_msr __ro_after_init;	/* IA32_FLUSH_CMD exists */
static void *vmm_l1d_buf;			/* software flush otherwise */
#define VMM_L1D_BUF_ORDER	4		/* 64 KiB: twice any L1D */
static DEFINE_PER_CPU(bool, vmm_l1d_dirty);

static bool vmm_is_svm;
static bool vmm_spec_on[VMM_SPEC_NR];
static const char *vmm_spec_why[VMM_SPEC_NR];
static struct dentry *vmm_debugfs;

static const char *const vmm_spec_name[VMM_SPEC_NR] = {
	[VMM_SPEC_VERW_VMENTRY] = "verw_vmentry",
	[VMM_SPEC_L1D_FLUSH] = "l1d_flush",
	[VMM_SPEC_BHB_CLEAR] = "bhb_clear_vmexit",
	[VMM_SPEC_RSB_FILL] = "rsb_fill_vmexit",
	[VMM_SPEC_VERW_VMRUN] = "verw_vmrun",
	[VMM_SPEC_IBPB_VMEXIT] = "ibpb_vmexit",
	[VMM_SPEC_UNTRAIN_RET] = "untrain_ret_vmexit",
	[VMM_SPEC_IBPB_SWITCH] = "ibpb_vcpu_switch",
	[VMM_SPEC_IBPB_TO_USER] = "ibpb_exit_to_user",
	[VMM_SPEC_TSC_AUX] = "tsc_aux_switch",
	[VMM_SPEC_CR4_REFUSED] = "cr4_refused",
};

u64 vmm_cr4_allowed(void)
{
	u64 m = X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE |
		X86_CR4_PSE | X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE |
		X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;

	/*
	 * Only bits whose state the CPU switches at entry and exit, or that
	 * touch nothing but the guest's own paging. Not here, on purpose:
	 * VMXE/SMXE (no nesting), OSXSAVE (XSAVE is hidden), PKE/PKS, CET,
	 * LAM, FRED, UINTR: each reads MSRs or registers the host owns.
	 */
	if (boot_cpu_has(X86_FEATURE_FSGSBASE))
		m |= X86_CR4_FSGSBASE;
	if (boot_cpu_has(X86_FEATURE_PCID))
		m |= X86_CR4_PCIDE;
	if (boot_cpu_has(X86_FEATURE_SMEP))
		m |= X86_CR4_SMEP;
	if (boot_cpu_has(X86_FEATURE_SMAP))
		m |= X86_CR4_SMAP;
	if (boot_cpu_has(X86_FEATURE_UMIP))
		m |= X86_CR4_UMIP;
	if (boot_cpu_has(X86_FEATURE_LA57))
		m |= X86_CR4_LA57;
	return m;
}

int vmm_cr4_check(u64 old, u64 val, u64 efer)
{
	if (val & ~vmm_cr4_allowed()) {
		vmm_spec_ran(VMM_SPEC_CR4_REFUSED);
		return -EINVAL;
	}
	if ((val & X86_CR4_PCIDE) && !(efer & EFER_LMA))
		return -EINVAL;
	if (efer & EFER_LMA) {
		/* Long mode needs PAE, and keeps its paging depth. */
		if (!(val & X86_CR4_PAE) || ((val ^ old) & X86_CR4_LA57))
			return -EINVAL;
	}
	return 0;
}

static void vmm_spec_set(enum vmm_spec_step step, bool on, const char *why)
{
	vmm_spec_on[step] = on;
	vmm_spec_why[step] = why;
}

/* The kernel's l1tf= choice, as kvm_intel reads it by default. */
static void vmm_spec_pick_l1d(void)
{
	u64 caps = 0;

	if (!boot_cpu_has_bug(X86_BUG_L1TF)) {
		vmm_l1d_mode = VMM_L1D_NEVER;
		vmm_spec_set(VMM_SPEC_L1D_FLUSH, false, "no X86_BUG_L1TF");
		return;
	}
	if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES))
		rdmsrl_safe(MSR_IA32_ARCH_CAPABILITIES, &caps);
	if (caps & ARCH_CAP_SKIP_VMENTRY_L1DFLUSH) {
		vmm_l1d_mode = VMM_L1D_NEVER;
		vmm_spec_set(VMM_SPEC_L1D_FLUSH, false,
			     "ARCH_CAPABILITIES.SKIP_VMENTRY_L1DFLUSH");
		return;
	}
	switch (l1tf_mitigation) {
	case L1TF_MITIGATION_OFF:
		vmm_l1d_mode = VMM_L1D_NEVER;
		vmm_spec_set(VMM_SPEC_L1D_FLUSH, false, "l1tf=off");
		return;
	case L1TF_MITIGATION_FULL:
	case L1TF_MITIGATION_FULL_FORCE:
		vmm_l1d_mode = VMM_L1D_ALWAYS;
		break;
	default:
		vmm_l1d_mode = VMM_L1D_COND;
		break;
	}
	vmm_l1d_msr = boot_cpu_has(X86_FEATURE_FLUSH_L1D);
	if (!vmm_l1d_msr) {
		struct page *p = alloc_pages(GFP_KERNEL | __GFP_ZERO,
					     VMM_L1D_BUF_ORDER);

		/* Without it entering would leak: vmm_spec_init fails. */
		vmm_l1d_buf = p ? page_address(p) : NULL;
	}
	vmm_spec_set(VMM_SPEC_L1D_FLUSH, true,
		     vmm_l1d_mode == VMM_L1D_ALWAYS ?
		     (vmm_l1d_msr ? "X86_BUG_L1TF, l1tf=full: every entry, L1D_FLUSH" :
				    "X86_BUG_L1TF, l1tf=full: every entry, software flush") :
		     (vmm_l1d_msr ? "X86_BUG_L1TF, l1tf=flush: conditional, L1D_FLUSH" :
				    "X86_BUG_L1TF, l1tf=flush: conditional, software flush"));
}

static void vmm_spec_debugfs(void);

static const char vmm_forced[] = "forced by spec_force=1";

static void vmm_spec_force_one(enum vmm_spec_step step, bool *asm_flag)
{
	if (vmm_spec_on[step])
		return;
	vmm_spec_set(step, true, vmm_forced);
	if (asm_flag)
		*asm_flag = true;
}

static int vmm_spec_force(void)
{
	/* VERW and the BHB loop are harmless anywhere; IBPB needs the MSR. */
	if (vmm_is_svm) {
		vmm_spec_force_one(VMM_SPEC_VERW_VMRUN, &vmm_spec_verw_vmrun);
		if (boot_cpu_has(X86_FEATURE_IBPB))
			vmm_spec_force_one(VMM_SPEC_IBPB_VMEXIT,
					   &vmm_spec_ibpb_vmexit);
	} else {
		vmm_spec_force_one(VMM_SPEC_VERW_VMENTRY, &vmm_spec_verw_vmentry);
		vmm_spec_force_one(VMM_SPEC_BHB_CLEAR, &vmm_spec_bhb_vmexit);
		if (vmm_l1d_mode == VMM_L1D_NEVER) {
			vmm_l1d_mode = VMM_L1D_ALWAYS;
			vmm_l1d_msr = boot_cpu_has(X86_FEATURE_FLUSH_L1D);
			if (!vmm_l1d_msr) {
				struct page *p = alloc_pages(GFP_KERNEL,
							     VMM_L1D_BUF_ORDER);

				if (!p)
					return -ENOMEM;
				vmm_l1d_buf = page_address(p);
			}
			vmm_spec_force_one(VMM_SPEC_L1D_FLUSH, NULL);
		}
	}
	if (boot_cpu_has(X86_FEATURE_IBPB))
		vmm_spec_force_one(VMM_SPEC_IBPB_SWITCH, NULL);
	return 0;
}

int vmm_spec_init(const char *engine)
{
	int r;

	vmm_is_svm = !strcmp(engine, "svm");

	/* VT-x. */
	if (vmm_is_svm) {
		vmm_spec_set(VMM_SPEC_VERW_VMENTRY, false, "AMD-V engine");
		vmm_spec_set(VMM_SPEC_L1D_FLUSH, false, "AMD-V engine");
		vmm_spec_set(VMM_SPEC_BHB_CLEAR, false, "AMD-V engine");
	} else {
		/*
		 * The kernel sets CLEAR_CPU_BUF for MDS, TAA, RFDS and for
		 * MMIO stale data when it mitigates with VERW. Where only the
		 * mmio_stale_data_clear key is on, KVM clears just for VMs
		 * with assigned devices; ours reach no host MMIO at all.
		 */
		vmm_spec_verw_vmentry = boot_cpu_has(X86_FEATURE_CLEAR_CPU_BUF);
		vmm_spec_set(VMM_SPEC_VERW_VMENTRY, vmm_spec_verw_vmentry,
			     vmm_spec_verw_vmentry ? "X86_FEATURE_CLEAR_CPU_BUF" :
			     static_key_enabled(&mmio_stale_data_clear) ?
			     "only mmio_stale_data_clear: no device assignment" :
			     "no X86_FEATURE_CLEAR_CPU_BUF");
		vmm_spec_pick_l1d();
		if (vmm_spec_on[VMM_SPEC_L1D_FLUSH] && !vmm_l1d_msr &&
		    !vmm_l1d_buf)
			return -ENOMEM;
		vmm_spec_bhb_vmexit =
			boot_cpu_has(X86_FEATURE_CLEAR_BHB_LOOP_ON_VMEXIT);
		vmm_spec_set(VMM_SPEC_BHB_CLEAR, vmm_spec_bhb_vmexit,
			     vmm_spec_bhb_vmexit ?
			     "X86_FEATURE_CLEAR_BHB_LOOP_ON_VMEXIT" :
			     boot_cpu_has(X86_FEATURE_CLEAR_BHB_HW) ?
			     "BHI_DIS_S set by the kernel (hardware)" :
			     "no X86_FEATURE_CLEAR_BHB_LOOP_ON_VMEXIT");
	}

	/* Both: the RSB is stuffed in the entry assembly. */
	if (vmm_is_svm)
		vmm_spec_set(VMM_SPEC_RSB_FILL,
			     boot_cpu_has(X86_FEATURE_RETPOLINE),
			     "X86_FEATURE_RETPOLINE");
	else
		vmm_spec_set(VMM_SPEC_RSB_FILL,
			     boot_cpu_has(X86_FEATURE_RSB_VMEXIT) ||
			     boot_cpu_has(X86_FEATURE_RSB_VMEXIT_LITE),
			     "X86_FEATURE_RSB_VMEXIT or _LITE");

	/* AMD-V. */
	if (vmm_is_svm) {
		vmm_spec_verw_vmrun = boot_cpu_has(X86_FEATURE_CLEAR_CPU_BUF_VM);
		vmm_spec_set(VMM_SPEC_VERW_VMRUN, vmm_spec_verw_vmrun,
			     vmm_spec_verw_vmrun ? "X86_FEATURE_CLEAR_CPU_BUF_VM (TSA)" :
			     "no X86_FEATURE_CLEAR_CPU_BUF_VM");
		vmm_spec_ibpb_vmexit = boot_cpu_has(X86_FEATURE_IBPB_ON_VMEXIT);
		vmm_spec_set(VMM_SPEC_IBPB_VMEXIT, vmm_spec_ibpb_vmexit,
			     vmm_spec_ibpb_vmexit ?
			     "X86_FEATURE_IBPB_ON_VMEXIT (SRSO ibpb-vmexit)" :
			     "no X86_FEATURE_IBPB_ON_VMEXIT");
		vmm_spec_set(VMM_SPEC_UNTRAIN_RET,
			     boot_cpu_has(X86_FEATURE_UNRET) ||
			     boot_cpu_has(X86_FEATURE_SRSO_ALIAS) ||
			     boot_cpu_has(X86_FEATURE_ENTRY_IBPB),
			     "X86_FEATURE_UNRET, _SRSO_ALIAS or _ENTRY_IBPB");
		vmm_spec_set(VMM_SPEC_TSC_AUX,
			     boot_cpu_has(X86_FEATURE_RDTSCP) ||
			     boot_cpu_has(X86_FEATURE_RDPID),
			     "RDTSCP or RDPID: guest reads TSC_AUX");
	} else {
		vmm_spec_set(VMM_SPEC_VERW_VMRUN, false, "VT-x engine");
		vmm_spec_set(VMM_SPEC_IBPB_VMEXIT, false, "VT-x engine");
		vmm_spec_set(VMM_SPEC_UNTRAIN_RET, false, "VT-x engine");
		/* RDTSCP and RDPID are #UD without "enable RDTSCP". */
		vmm_spec_set(VMM_SPEC_TSC_AUX, false,
			     "VT-x: RDTSCP/RDPID not enabled, they #UD");
	}

	/* Both. */
	vmm_spec_set(VMM_SPEC_IBPB_SWITCH, boot_cpu_has(X86_FEATURE_USE_IBPB),
		     boot_cpu_has(X86_FEATURE_USE_IBPB) ? "X86_FEATURE_USE_IBPB" :
		     "no X86_FEATURE_USE_IBPB (spectre_v2_user off or no IBPB)");
	vmm_spec_set(VMM_SPEC_IBPB_TO_USER,
		     boot_cpu_has(X86_FEATURE_IBPB_EXIT_TO_USER),
		     boot_cpu_has(X86_FEATURE_IBPB_EXIT_TO_USER) ?
		     "X86_FEATURE_IBPB_EXIT_TO_USER (VMSCAPE)" :
		     "no X86_FEATURE_IBPB_EXIT_TO_USER");
	vmm_spec_set(VMM_SPEC_CR4_REFUSED, true, "always: CR4 bits vetted");
	if (spec_force) {
		r = vmm_spec_force();
		if (r)
			return r;
	}
	vmm_spec_debugfs();
	return 0;
}

/* ------------------------------------------------------------------ */
/* Entry and exit                                                      */
/* ------------------------------------------------------------------ */

void __vmm_spec_vcpu_load(struct vmm_vcpu *v, bool moved)
{
	struct vmm_spec_last *last = this_cpu_ptr(&vmm_spec_last);

	if (last->vcpu == v && !moved)
		return;
	/*
	 * A guest may have trained the indirect predictors against another
	 * VM, or against the host threads that run this one; a vCPU that
	 * moved left what it trained behind and meets what ran here.
	 */
	if ((moved || (last->vm_id &&
		       (last->stale || last->vm_id != v->vm->id))) &&
	    vmm_spec_on[VMM_SPEC_IBPB_SWITCH]) {
		/* Not the alternative: it is patched out when forced. */
		wrmsrl(MSR_IA32_PRED_CMD, x86_pred_cmd);
		vmm_spec_ran(VMM_SPEC_IBPB_SWITCH);
	}
	last->vcpu = v;
	last->vm_id = v->vm->id;
	last->stale = false;
	/* Whatever ran before may have pulled host secrets into L1D. */
	this_cpu_write(vmm_l1d_dirty, true);
}

static void vmm_spec_forget(void *arg)
{
	struct vmm_spec_last *last = this_cpu_ptr(&vmm_spec_last);

	if (last->vcpu == arg) {
		last->vcpu = NULL;
		last->stale = true;
	}
}

void vmm_spec_vcpu_gone(struct vmm_vcpu *v)
{
	/* A new vCPU at the same address must not pass for this one. */
	on_each_cpu(vmm_spec_forget, v, 1);
}

void vmm_spec_vmx_batch_start(void)
{
	this_cpu_write(vmm_l1d_dirty, true);
}

static void vmm_l1d_flush_sw(void)
{
	const int size = PAGE_SIZE << VMM_L1D_BUF_ORDER;
	volatile u8 *buf = vmm_l1d_buf;
	int i;

	/* Fill the TLB first so that the fill loop does not walk tables. */
	for (i = 0; i < size; i += PAGE_SIZE)
		(void)buf[i];
	asm volatile("lfence" ::: "memory");
	for (i = 0; i < size; i += L1_CACHE_BYTES)
		(void)buf[i];
	asm volatile("lfence" ::: "memory");
}

/* Exits whose handling only reads the guest's state and ours. */
static bool vmm_l1d_exit_is_quiet(const struct vmm_vcpu *v)
{
	switch (v->exit.kind) {
	case VMM_X_CPUID:
	case VMM_X_MSR_READ:
	case VMM_X_MSR_WRITE:
	case VMM_X_SKIP:
	case VMM_X_PAUSE:
	case VMM_X_DR_ACCESS:
		return true;
	default:
		return false;
	}
}

void vmm_spec_vmx_before_entry(struct vmm_vcpu *v)
{
	bool flush = false;

	switch (vmm_l1d_mode) {
	case VMM_L1D_ALWAYS:
		flush = true;
		break;
	case VMM_L1D_COND:
		/*
		 * The kernel marks this CPU whenever an interrupt or softirq
		 * ran (its kvm_cpu_l1tf_flush_l1d flag); we add the start of
		 * a batch and exits whose handling ran device or emulator
		 * code over other memory.
		 */
		flush = this_cpu_read(vmm_l1d_dirty) ||
			kvm_get_cpu_l1tf_flush_l1d() ||
			!vmm_l1d_exit_is_quiet(v);
		break;
	case VMM_L1D_NEVER:
		break;
	}
	if (flush) {
		this_cpu_write(vmm_l1d_dirty, false);
		kvm_clear_cpu_l1tf_flush_l1d();
		if (vmm_l1d_msr)
			wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
		else
			vmm_l1d_flush_sw();
		vmm_spec_ran(VMM_SPEC_L1D_FLUSH);
	}
	if (vmm_spec_verw_vmentry)
		vmm_spec_ran(VMM_SPEC_VERW_VMENTRY);
}

void vmm_spec_after_exit(bool svm)
{
	if (svm) {
		if (vmm_spec_verw_vmrun)
			vmm_spec_ran(VMM_SPEC_VERW_VMRUN);
		if (vmm_spec_ibpb_vmexit)
			vmm_spec_ran(VMM_SPEC_IBPB_VMEXIT);
		if (vmm_spec_on[VMM_SPEC_UNTRAIN_RET])
			vmm_spec_ran(VMM_SPEC_UNTRAIN_RET);
	} else if (vmm_spec_bhb_vmexit) {
		vmm_spec_ran(VMM_SPEC_BHB_CLEAR);
	}
	if (vmm_spec_on[VMM_SPEC_RSB_FILL])
		vmm_spec_ran(VMM_SPEC_RSB_FILL);
	/*
	 * VMSCAPE: the guest may have trained predictors that the VMM
	 * process would follow; the kernel issues the IBPB on its way back
	 * to userspace, once, however many exits came before.
	 */
	if (vmm_spec_on[VMM_SPEC_IBPB_TO_USER]) {
		this_cpu_write(x86_ibpb_exit_to_user, true);
		vmm_spec_ran(VMM_SPEC_IBPB_TO_USER);
	}
}

/* ------------------------------------------------------------------ */
/* debugfs                                                             */
/* ------------------------------------------------------------------ */

static int vmm_spec_show(struct seq_file *m, void *unused)
{
	int i, cpu;

	seq_printf(m, "# engine %s, smt %s; step on/off count why\n",
		   vmm_is_svm ? "svm" : "vmx",
		   sched_smt_active() ? "active" : "inactive");
	for (i = 0; i < VMM_SPEC_NR; i++) {
		u64 n = 0;

		for_each_possible_cpu(cpu)
			n += per_cpu(vmm_spec_count[i], cpu);
		seq_printf(m, "%s %s %llu %s\n", vmm_spec_name[i],
			   vmm_spec_on[i] ? "on" : "off", n, vmm_spec_why[i]);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmm_spec);

static void vmm_spec_debugfs(void)
{
	vmm_debugfs = debugfs_create_dir("vmm", NULL);
	debugfs_create_file("mitigations", 0444, vmm_debugfs, NULL,
			    &vmm_spec_fops);
}

void vmm_spec_exit(void)
{
	debugfs_remove_recursive(vmm_debugfs);
	vmm_debugfs = NULL;
	if (vmm_l1d_buf)
		free_pages((unsigned long)vmm_l1d_buf, VMM_L1D_BUF_ORDER);
	vmm_l1d_buf = NULL;
}
