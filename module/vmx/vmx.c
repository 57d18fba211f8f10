// SPDX-License-Identifier: GPL-2.0
/*
 * The Intel VT-x engine: per-CPU VMX operation, the VMCS and where it is
 * loaded, EPT entries, VPIDs, the host state a VM exit does not restore,
 * and the translation of VM exits into the arch-neutral struct vmm_exit
 * that the shared vCPU loop handles.
 */
#define pr_fmt(fmt) "vmm: vmx: " fmt

#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <linux/idr.h>
#include <linux/moduleparam.h>
#include <linux/list.h>
#include <linux/io.h>
#include <asm/vmx.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/cpu_entry_area.h>
#include <asm/tlbflush.h>
#include <asm/special_insns.h>
#include <asm/segment.h>
#include <asm/processor-flags.h>
#include <asm/tsc.h>

#include "../vmm.h"
#include "../spec.h"
#include "../guest_time.h"
#include "vmx_ops.h"

int vmm_vmx_enter(u64 *gprs, u64 *host_rsp, bool launched);
extern char vmm_vmx_return[];

#define VMX_ENTER_EXIT		0
#define VMX_ENTER_FAIL_INVALID	1
#define VMX_ENTER_FAIL_VALID	2

#define EXIT_REASON_GETSEC	11
#define VMX_AR_UNUSABLE		BIT(16)
#define VMX_CPUID_1_ECX_VMX	BIT(5)

#define CR_QUAL_MOV_TO		0
#define CR_QUAL_MOV_FROM	1
#define CR_QUAL_CLTS		2
#define CR_QUAL_LMSW		3

#define PAT_RESET	0x0007040600070406ULL

/*
 * Longest stretch in the guest without an exit. Host interrupts end a run
 * anyway; this bounds it where they do not (Bochs 2.7 keeps INTR masked in
 * a guest entered with IF=0 from a host with IF=0).
 */
static unsigned int vmx_watchdog_ms = 10;
module_param(vmx_watchdog_ms, uint, 0444);
MODULE_PARM_DESC(vmx_watchdog_ms,
		 "VMX-preemption-timer backstop per guest run, ms (0: none)");

/* What the probe found and chose; fixed after module init. */
struct vmx_config {
	u64 basic;
	u32 revision;
	u32 pin, proc, proc2, exit, entry;
	u64 cr0_must1, cr0_may1, cr4_must1, cr4_may1;
	u64 cr4_owned;			/* CR4 guest/host mask: ours to vet */
	u64 ept_vpid;
	int ept_levels;
	bool ept_ad, load_pat;
	u32 watchdog_ticks;		/* VMX-preemption timer, 0 if none */
	unsigned long invept_type, invvpid_type;
};

struct vmx_vcpu;

/* Host state a VM exit does not bring back, read once per batch. */
struct vmx_host_state {
	u16 ds, es, fs, gs, ldt;
	u64 fs_base, kernel_gs_base, debugctl;
	struct desc_ptr idt;
};

struct vmx_cpu {
	struct page *vmxon;		/* VMXON region */
	struct list_head loaded;	/* vCPUs whose VMCS is active here */
	struct vmx_vcpu *current_vmcs;	/* whose VMCS VMPTRLD made current */
};

struct vmx_vcpu {
	void *vmcs;
	u64 vmcs_pa;
	int cpu;			/* where the VMCS is active, -1: clear */
	int ran_cpu;			/* where it last ran, -1: never */
	struct list_head loaded;	/* on vmx_cpu.loaded of that CPU */
	bool launched;
	u16 vpid;
	u64 eptp;
	u32 entry_ctls;

	/* Host state as last written to the VMCS. */
	u64 host_rsp, host_cr3, host_cr4, host_fs_base;
	u16 host_fs_sel, host_gs_sel;
	struct vmx_host_state host;

	/* Guest state that the VMCS does not hold. */
	u64 cr2;
	u8 cr8;
	u64 kernel_gs_base;
	u64 star, lstar, cstar, sfmask;
	bool syscall_live;		/* guest EFER.SCE: STAR & co. matter */

	u64 last_rip;			/* RIP the hardware last saw */
	u32 reinject;			/* IDT-vectoring info to deliver again */
	u32 reinject_err;
	bool irq_window;		/* interrupt-window exiting on */
};

static struct vmx_config vmx;
static DEFINE_PER_CPU(struct vmx_cpu, vmx_cpu);
static void *vmx_msr_bitmap;
static DEFINE_IDA(vmx_vpid_ida);
static u64 vmx_host_star, vmx_host_lstar, vmx_host_cstar, vmx_host_sfmask;

/* A VMX instruction raised #UD: normal only once VMX is off for a reboot. */
void vmx_insn_fault(const char *insn, u64 arg)
{
	WARN_ONCE(!READ_ONCE(vmm_going_down),
		  "vmm: %s(%#llx) faulted outside VMX operation\n", insn, arg);
}

void vmx_insn_failed(const char *insn, u64 arg1, u64 arg2)
{
	pr_warn_ratelimited("%s(%#llx, %#llx) failed, VM-instruction error %llu\n",
			    insn, arg1, arg2, vmcs_read(VM_INSTRUCTION_ERROR));
}

/* ------------------------------------------------------------------ */
/* EPT entries                                                         */
/* ------------------------------------------------------------------ */

#define EPT_R		VMX_EPT_READABLE_MASK
#define EPT_W		VMX_EPT_WRITABLE_MASK
#define EPT_X		VMX_EPT_EXECUTABLE_MASK
#define EPT_WB		(6ULL << VMX_EPT_MT_EPTE_SHIFT)
#define EPT_LARGE	BIT_ULL(7)
#define EPTP_WB		6ULL
#define EPTP_AD		BIT_ULL(6)

static u64 ept_table(u64 pa)
{
	return pa | EPT_R | EPT_W | EPT_X;
}

/*
 * Leaves are write-back. The guest's PAT applies only where the CPU
 * snoops its own caches (X86_FEATURE_SELFSNOOP): elsewhere a guest UC
 * mapping of host RAM the host maps WB could read stale lines, so IPAT
 * makes the guest's PAT ignored (our guests have no DMA that would need
 * it). With A/D flags on, they start set so the CPU never writes the
 * entry back.
 */
static u64 ept_leaf(u64 pa, int level, bool writable)
{
	u64 e = pa | EPT_R | EPT_X | EPT_WB;

	if (!boot_cpu_has(X86_FEATURE_SELFSNOOP))
		e |= VMX_EPT_IPAT_BIT;

	if (writable)
		e |= EPT_W;
	if (level > 1)
		e |= EPT_LARGE;
	if (vmx.ept_ad)
		e |= VMX_EPT_ACCESS_BIT | (writable ? VMX_EPT_DIRTY_BIT : 0);
	return e;
}

static bool ept_present(u64 e)
{
	return e & (EPT_R | EPT_W | EPT_X);
}

static bool ept_large(u64 e)
{
	return e & EPT_LARGE;
}

static const struct vmm_pt_format vmx_ept_format = {
	.table = ept_table,
	.leaf = ept_leaf,
	.present = ept_present,
	.large = ept_large,
};

/* ------------------------------------------------------------------ */
/* Per-CPU VMX operation                                               */
/* ------------------------------------------------------------------ */

/* Forget a VMCS on this CPU: VMCLEAR writes it back to memory. */
static void vmx_clear_here(struct vmx_vcpu *s)
{
	struct vmx_cpu *c = this_cpu_ptr(&vmx_cpu);

	vmx_vmclear(s->vmcs_pa);
	if (c->current_vmcs == s)
		c->current_vmcs = NULL;
	list_del(&s->loaded);
	s->launched = false;
	/* Other CPUs look at s->cpu only after the VMCLEAR. */
	smp_wmb();
	WRITE_ONCE(s->cpu, -1);
}

static void vmx_clear_ipi(void *arg)
{
	struct vmx_vcpu *s = arg;

	/* hw_disable on that CPU may have got there first. */
	if (READ_ONCE(s->cpu) == smp_processor_id())
		vmx_clear_here(s);
}

static void vmx_clear_remote(struct vmx_vcpu *s)
{
	int cpu = READ_ONCE(s->cpu);

	if (cpu >= 0)
		smp_call_function_single(cpu, vmx_clear_ipi, s, 1);
}

static int vmx_check_feature_control(void)
{
	u64 fc;

	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &fc))
		return -EOPNOTSUPP;
	if (fc & FEAT_CTL_LOCKED)
		return (fc & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX) ? 0 : -EOPNOTSUPP;
	/* Unlocked: do what the firmware should have done. */
	fc |= FEAT_CTL_LOCKED | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX;
	return wrmsrl_safe(MSR_IA32_FEAT_CTL, fc) ? -EIO : 0;
}

static bool vmx_cr_ok(u64 cr, u64 must1, u64 may1)
{
	return (cr & must1) == must1 && !(cr & ~may1);
}

static int vmx_hw_enable(void)
{
	struct vmx_cpu *c = this_cpu_ptr(&vmx_cpu);
	u64 fixed0;
	int r;

	if (cr4_read_shadow() & X86_CR4_VMXE)
		return -EBUSY;		/* someone else's hypervisor */
	r = vmx_check_feature_control();
	if (r) {
		pr_err_ratelimited("CPU %d: IA32_FEATURE_CONTROL forbids VMXON\n",
				   smp_processor_id());
		return r;
	}
	/* Host CR0/CR4 must satisfy the VMX fixed bits (PE/PG included). */
	rdmsrl(MSR_IA32_VMX_CR0_FIXED0, fixed0);
	if (!vmx_cr_ok(read_cr0(), fixed0, vmx.cr0_may1) ||
	    !vmx_cr_ok(cr4_read_shadow() | X86_CR4_VMXE, vmx.cr4_must1,
		       vmx.cr4_may1)) {
		pr_err_ratelimited("CPU %d: host CR0/CR4 do not allow VMX operation\n",
				   smp_processor_id());
		return -EOPNOTSUPP;
	}

	cr4_set_bits(X86_CR4_VMXE);
	r = vmx_vmxon(page_to_phys(c->vmxon));
	if (r) {
		cr4_clear_bits(X86_CR4_VMXE);
		pr_err_ratelimited("CPU %d: VMXON failed (%d)\n",
				   smp_processor_id(), r);
		return -EIO;
	}
	c->current_vmcs = NULL;
	/* Translations cached before VMXON are not ours to trust. */
	if (vmx.ept_vpid & VMX_EPT_EXTENT_GLOBAL_BIT)
		vmx_invept(VMX_EPT_EXTENT_GLOBAL, 0);
	if (vmx.ept_vpid & ((u64)VMX_VPID_EXTENT_GLOBAL_CONTEXT_BIT << 32))
		vmx_invvpid(VMX_VPID_EXTENT_ALL_CONTEXT, 0);
	return 0;
}

static void vmx_hw_disable(void)
{
	struct vmx_cpu *c = this_cpu_ptr(&vmx_cpu);
	struct vmx_vcpu *s, *tmp;
	unsigned long flags;

	local_irq_save(flags);
	list_for_each_entry_safe(s, tmp, &c->loaded, loaded)
		vmx_clear_here(s);
	c->current_vmcs = NULL;
	if (vmx_vmxoff())
		pr_err_ratelimited("CPU %d: VMXOFF faulted\n", smp_processor_id());
	cr4_clear_bits(X86_CR4_VMXE);
	local_irq_restore(flags);
}

/* ------------------------------------------------------------------ */
/* Where the VMCS lives                                                */
/* ------------------------------------------------------------------ */

static void vmx_flush_guest_tlb(struct vmx_vcpu *s)
{
	vmx_invvpid(vmx.invvpid_type, s->vpid);
}

/* Host state that differs from CPU to CPU. */
static void vmx_write_host_percpu(int cpu)
{
	struct desc_ptr idt;
	u64 val;

	store_idt(&idt);
	vmcs_write(HOST_IDTR_BASE, idt.address);
	vmcs_write(HOST_GDTR_BASE, (unsigned long)get_cpu_gdt_ro(cpu));
	vmcs_write(HOST_TR_BASE,
		   (unsigned long)&get_cpu_entry_area(cpu)->tss.x86_tss);
	rdmsrl(MSR_GS_BASE, val);	/* the kernel's per-CPU base */
	vmcs_write(HOST_GS_BASE, val);
	rdmsrl(MSR_IA32_SYSENTER_ESP, val);
	vmcs_write(HOST_IA32_SYSENTER_ESP, val);
}

/*
 * Make the vCPU's VMCS current on this CPU, moving it from the CPU where
 * it was active before. Called with preemption off and interrupts on.
 */
static void vmx_vcpu_load(struct vmx_vcpu *s)
{
	struct vmx_cpu *c = this_cpu_ptr(&vmx_cpu);
	int cpu = smp_processor_id();
	unsigned long flags;

	if (READ_ONCE(s->cpu) == cpu) {
		if (c->current_vmcs != s) {
			vmx_vmptrld(s->vmcs_pa);
			c->current_vmcs = s;
		}
		return;
	}
	vmx_clear_remote(s);
	smp_rmb();

	local_irq_save(flags);
	vmx_vmptrld(s->vmcs_pa);
	c->current_vmcs = s;
	list_add(&s->loaded, &c->loaded);
	WRITE_ONCE(s->cpu, cpu);
	local_irq_restore(flags);

	vmx_write_host_percpu(cpu);
	/* This CPU may hold stale translations from an earlier stay. */
	vmx_invept(vmx.invept_type, s->eptp);
	vmx_flush_guest_tlb(s);
}

/* For ioctl paths: pin the task and make the VMCS current. */
static void vmx_vmcs_get(struct vmx_vcpu *s)
{
	preempt_disable();
	vmx_vcpu_load(s);
}

static void vmx_vmcs_put(void)
{
	preempt_enable();
}

/* ------------------------------------------------------------------ */
/* Guest state                                                         */
/* ------------------------------------------------------------------ */

enum { SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS, SEG_TR, SEG_LDTR, SEG_NR };

static const struct {
	u16 sel, limit, ar, base;
} vmx_seg_fields[SEG_NR] = {
	[SEG_CS] = { GUEST_CS_SELECTOR, GUEST_CS_LIMIT, GUEST_CS_AR_BYTES, GUEST_CS_BASE },
	[SEG_DS] = { GUEST_DS_SELECTOR, GUEST_DS_LIMIT, GUEST_DS_AR_BYTES, GUEST_DS_BASE },
	[SEG_ES] = { GUEST_ES_SELECTOR, GUEST_ES_LIMIT, GUEST_ES_AR_BYTES, GUEST_ES_BASE },
	[SEG_FS] = { GUEST_FS_SELECTOR, GUEST_FS_LIMIT, GUEST_FS_AR_BYTES, GUEST_FS_BASE },
	[SEG_GS] = { GUEST_GS_SELECTOR, GUEST_GS_LIMIT, GUEST_GS_AR_BYTES, GUEST_GS_BASE },
	[SEG_SS] = { GUEST_SS_SELECTOR, GUEST_SS_LIMIT, GUEST_SS_AR_BYTES, GUEST_SS_BASE },
	[SEG_TR] = { GUEST_TR_SELECTOR, GUEST_TR_LIMIT, GUEST_TR_AR_BYTES, GUEST_TR_BASE },
	[SEG_LDTR] = { GUEST_LDTR_SELECTOR, GUEST_LDTR_LIMIT, GUEST_LDTR_AR_BYTES, GUEST_LDTR_BASE },
};

/* uapi attributes hold AVL/L/DB/G in bits 8-11, VMX access rights in 12-15. */
static u32 vmx_ar_from_attr(u32 attr)
{
	return (attr & 0xff) | ((attr & 0xf00) << 4) |
	       ((attr & VMM_SEG_UNUSABLE) ? VMX_AR_UNUSABLE : 0);
}

static u32 vmx_attr_from_ar(u32 ar)
{
	return (ar & 0xff) | ((ar >> 4) & 0xf00) |
	       ((ar & VMX_AR_UNUSABLE) ? VMM_SEG_UNUSABLE : 0);
}

static void vmx_seg_set(int i, const struct vmm_segment *seg)
{
	u32 ar = vmx_ar_from_attr(seg->attr);

	/* A non-present data segment or LDT is an unusable one to VMX. */
	if (i != SEG_CS && i != SEG_TR && !(ar & VMM_SEG_P))
		ar |= VMX_AR_UNUSABLE;
	if (!(ar & VMX_AR_UNUSABLE)) {
		if (ar & VMM_SEG_S)
			ar |= 1;	/* VM entry wants "accessed" */
		else if (i == SEG_TR && ((ar & 0xf) == 1 || (ar & 0xf) == 9))
			ar |= 2;	/* and a busy TSS */
	}
	vmcs_write(vmx_seg_fields[i].sel, seg->selector);
	vmcs_write(vmx_seg_fields[i].limit, seg->limit);
	vmcs_write(vmx_seg_fields[i].ar, ar);
	vmcs_write(vmx_seg_fields[i].base, seg->base);
}

static void vmx_seg_get(int i, struct vmm_segment *seg)
{
	seg->selector = vmcs_read(vmx_seg_fields[i].sel);
	seg->limit = vmcs_read(vmx_seg_fields[i].limit);
	seg->attr = vmx_attr_from_ar(vmcs_read(vmx_seg_fields[i].ar));
	seg->base = vmcs_read(vmx_seg_fields[i].base);
}

/* CR0/CR4 as the guest sees them: host-owned bits come from the shadow. */
static u64 vmx_guest_cr0(void)
{
	return (vmcs_read(GUEST_CR0) & ~vmx.cr0_must1) |
	       (vmcs_read(CR0_READ_SHADOW) & vmx.cr0_must1);
}

static u64 vmx_guest_cr4(void)
{
	return (vmcs_read(GUEST_CR4) & ~vmx.cr4_owned) |
	       (vmcs_read(CR4_READ_SHADOW) & vmx.cr4_owned);
}

static void vmx_set_guest_cr0(u64 cr0)
{
	vmcs_write(CR0_READ_SHADOW, cr0);
	vmcs_write(GUEST_CR0, cr0 | vmx.cr0_must1);
}

static void vmx_set_guest_cr4(u64 cr4)
{
	vmcs_write(CR4_READ_SHADOW, cr4);
	vmcs_write(GUEST_CR4, cr4 | vmx.cr4_must1);
}

/* Keep "IA-32e mode guest" equal to EFER.LMA, as VM entry checks. */
static void vmx_sync_lma(struct vmx_vcpu *s, u64 efer)
{
	u32 ctl = s->entry_ctls & ~VM_ENTRY_IA32E_MODE;

	if (efer & EFER_LMA)
		ctl |= VM_ENTRY_IA32E_MODE;
	if (ctl != s->entry_ctls) {
		s->entry_ctls = ctl;
		vmcs_write(VM_ENTRY_CONTROLS, ctl);
	}
}

static void vmx_set_guest_efer(struct vmx_vcpu *s, u64 efer)
{
	vmcs_write(GUEST_IA32_EFER, efer);
	vmx_sync_lma(s, efer);
	s->syscall_live = efer & EFER_SCE;
}

/*
 * PAE paging outside long mode: VM entry loads the PDPTEs from the VMCS,
 * so whoever changes CR0/CR3/CR4 without the CPU must load them.
 */
static int vmx_load_pdptrs(struct vmm_vcpu *v, u64 cr0, u64 cr3, u64 cr4,
			   u64 efer)
{
	u64 pdpte[4];
	int i;

	if (!(cr0 & X86_CR0_PG) || !(cr4 & X86_CR4_PAE) || (efer & EFER_LMA))
		return 0;
	if (vmm_gpa_read(v->vm, cr3 & ~0x1fULL, pdpte, sizeof(pdpte)))
		return -EFAULT;
	for (i = 0; i < 4; i++)
		vmcs_write(GUEST_PDPTR0 + 2 * i, pdpte[i]);
	return 0;
}

static void vmx_write_sregs(struct vmm_vcpu *v, struct vmx_vcpu *s,
			    const struct vmm_sregs *r)
{
	const struct vmm_segment *segs[SEG_NR] = {
		&r->cs, &r->ds, &r->es, &r->fs, &r->gs, &r->ss, &r->tr, &r->ldtr,
	};
	int i;

	for (i = 0; i < SEG_NR; i++)
		vmx_seg_set(i, segs[i]);
	vmcs_write(GUEST_GDTR_BASE, r->gdt.base);
	vmcs_write(GUEST_GDTR_LIMIT, r->gdt.limit);
	vmcs_write(GUEST_IDTR_BASE, r->idt.base);
	vmcs_write(GUEST_IDTR_LIMIT, r->idt.limit);
	vmx_set_guest_cr0(r->cr0);
	vmx_set_guest_cr4(r->cr4);
	vmcs_write(GUEST_CR3, r->cr3);
	s->cr2 = r->cr2;
	vmx_set_guest_efer(s, r->efer);
	vmx_load_pdptrs(v, r->cr0, r->cr3, r->cr4, r->efer);
	vmx_flush_guest_tlb(s);
}

static void vmx_get_sregs(struct vmm_vcpu *v, struct vmm_sregs *r)
{
	struct vmx_vcpu *s = v->arch;
	struct vmm_segment *segs[SEG_NR] = {
		&r->cs, &r->ds, &r->es, &r->fs, &r->gs, &r->ss, &r->tr, &r->ldtr,
	};
	int i;

	vmx_vmcs_get(s);
	for (i = 0; i < SEG_NR; i++)
		vmx_seg_get(i, segs[i]);
	r->gdt.base = vmcs_read(GUEST_GDTR_BASE);
	r->gdt.limit = vmcs_read(GUEST_GDTR_LIMIT);
	r->idt.base = vmcs_read(GUEST_IDTR_BASE);
	r->idt.limit = vmcs_read(GUEST_IDTR_LIMIT);
	r->cr0 = vmx_guest_cr0();
	r->cr2 = s->cr2;
	r->cr3 = vmcs_read(GUEST_CR3);
	r->cr4 = vmx_guest_cr4();
	r->efer = vmcs_read(GUEST_IA32_EFER);
	vmx_vmcs_put();
}

static void vmx_set_sregs(struct vmm_vcpu *v, const struct vmm_sregs *r)
{
	struct vmx_vcpu *s = v->arch;

	vmx_vmcs_get(s);
	vmx_write_sregs(v, s, r);
	vmx_vmcs_put();
}

static void vmx_get_mode(struct vmm_vcpu *v, struct vmm_cpu_mode *m)
{
	vmx_vmcs_get(v->arch);
	m->cr0 = vmx_guest_cr0();
	m->cr3 = vmcs_read(GUEST_CR3);
	m->cr4 = vmx_guest_cr4();
	m->efer = vmcs_read(GUEST_IA32_EFER);
	m->cs_base = vmcs_read(GUEST_CS_BASE);
	m->cs_attr = vmx_attr_from_ar(vmcs_read(GUEST_CS_AR_BYTES));
	/* SS.DPL is the CPL in every mode VM entry accepts. */
	m->cpl = (vmcs_read(GUEST_SS_AR_BYTES) & VMM_SEG_DPL_MASK) >>
		 VMM_SEG_DPL_SHIFT;
	vmx_vmcs_put();
}

static bool vmx_guest_64bit(void)
{
	return (vmcs_read(GUEST_IA32_EFER) & EFER_LMA) &&
	       (vmcs_read(GUEST_CS_AR_BYTES) & (VMM_SEG_L << 4));
}

/* ------------------------------------------------------------------ */
/* The VMCS                                                            */
/* ------------------------------------------------------------------ */

static void vmx_vmcs_init_controls(struct vmx_vcpu *s)
{
	vmcs_write(VMCS_LINK_POINTER, ~0ULL);
	vmcs_write(PIN_BASED_VM_EXEC_CONTROL, vmx.pin);
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, vmx.proc);
	vmcs_write(SECONDARY_VM_EXEC_CONTROL, vmx.proc2);
	if (vmx.proc2 & SECONDARY_EXEC_PAUSE_LOOP_EXITING) {
		/*
		 * A guest that spins on PAUSE for this long (TSC cycles, KVM's
		 * defaults) exits, so that a vCPU it waits for can run.
		 */
		vmcs_write(PLE_GAP, 128);
		vmcs_write(PLE_WINDOW, 4096);
	}
	vmcs_write(VM_EXIT_CONTROLS, vmx.exit);
	s->entry_ctls = vmx.entry;
	vmcs_write(VM_ENTRY_CONTROLS, s->entry_ctls);
	/* #DB and #AC can loop in microcode; #MC is the host's. */
	vmcs_write(EXCEPTION_BITMAP, BIT(X86_EXC_DB) | BIT(X86_EXC_AC) |
				     BIT(X86_EXC_MC));
	vmcs_write(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write(CR3_TARGET_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	vmcs_write(MSR_BITMAP, __pa(vmx_msr_bitmap));
	vmcs_write(EPT_POINTER, s->eptp);
	vmcs_write(VIRTUAL_PROCESSOR_ID, s->vpid);
	vmcs_write(TSC_OFFSET, 0);
	/* Reloaded on every entry: the exit does not save the countdown. */
	if (vmx.watchdog_ticks)
		vmcs_write(VMX_PREEMPTION_TIMER_VALUE, vmx.watchdog_ticks);
	vmcs_write(CR0_GUEST_HOST_MASK, vmx.cr0_must1);
	/*
	 * Every CR4 bit outside the vetted set is ours: the guest's MOV to
	 * CR4 exits when it would change one, and reads see the shadow.
	 */
	vmcs_write(CR4_GUEST_HOST_MASK, vmx.cr4_owned);
}

/* Host state that is the same on every CPU and for every task. */
static void vmx_vmcs_init_host(struct vmx_vcpu *s)
{
	u64 val;

	vmcs_write(HOST_CR0, read_cr0());
	s->host_cr3 = __read_cr3();
	vmcs_write(HOST_CR3, s->host_cr3);
	s->host_cr4 = cr4_read_shadow();
	vmcs_write(HOST_CR4, s->host_cr4);
	vmcs_write(HOST_CS_SELECTOR, __KERNEL_CS);
	vmcs_write(HOST_SS_SELECTOR, __KERNEL_DS);
	vmcs_write(HOST_DS_SELECTOR, 0);
	vmcs_write(HOST_ES_SELECTOR, 0);
	vmcs_write(HOST_FS_SELECTOR, 0);
	vmcs_write(HOST_GS_SELECTOR, 0);
	vmcs_write(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	vmcs_write(HOST_FS_BASE, 0);
	vmcs_write(HOST_RIP, (unsigned long)vmm_vmx_return);
	rdmsrl(MSR_IA32_SYSENTER_CS, val);
	vmcs_write(HOST_IA32_SYSENTER_CS, val);
	rdmsrl(MSR_IA32_SYSENTER_EIP, val);
	vmcs_write(HOST_IA32_SYSENTER_EIP, val);
	rdmsrl(MSR_EFER, val);
	vmcs_write(HOST_IA32_EFER, val);
	if (vmx.load_pat) {
		rdmsrl(MSR_IA32_CR_PAT, val);
		vmcs_write(HOST_IA32_PAT, val);
	}
}

/* The guest state after RESET or INIT; caches enabled (CR0.CD/NW clear). */
static void vmx_vmcs_init_guest(struct vmm_vcpu *v, struct vmx_vcpu *s)
{
	vmx_write_sregs(v, s, &vmm_reset_sregs);
	vmcs_write(GUEST_DR7, X86_DR7_RESET);
	vmcs_write(GUEST_IA32_DEBUGCTL, 0);
	if (vmx.load_pat)
		vmcs_write(GUEST_IA32_PAT, PAT_RESET);
	vmcs_write(GUEST_SYSENTER_CS, 0);
	vmcs_write(GUEST_SYSENTER_ESP, 0);
	vmcs_write(GUEST_SYSENTER_EIP, 0);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write(GUEST_ACTIVITY_STATE, 0);
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_write(GUEST_RFLAGS, v->rflags);
	vmcs_write(GUEST_RIP, v->rip);
	vmcs_write(GUEST_RSP, v->gprs[4]);
	s->last_rip = v->rip;
}

static u64 vmx_make_eptp(struct vmm_vm *vm)
{
	return vmm_npt_root_pa(vm) | EPTP_WB | ((vm->npt.levels - 1) << 3) |
	       (vmx.ept_ad ? EPTP_AD : 0);
}

static int vmx_vcpu_init(struct vmm_vcpu *v)
{
	struct vmx_vcpu *s;
	struct page *p;
	int vpid;

	if (v->vm->npt.levels != vmx.ept_levels)
		return -EOPNOTSUPP;
	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return -ENOMEM;
	p = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!p)
		goto err_free;
	vpid = ida_alloc_range(&vmx_vpid_ida, 1, 0xffff, GFP_KERNEL);
	if (vpid < 0)
		goto err_page;

	s->vmcs = page_address(p);
	s->vmcs_pa = page_to_phys(p);
	*(u32 *)s->vmcs = vmx.revision;
	s->vpid = vpid;
	s->cpu = -1;
	s->ran_cpu = -1;
	INIT_LIST_HEAD(&s->loaded);
	s->eptp = vmx_make_eptp(v->vm);
	v->arch = s;

	preempt_disable();
	/* VMCLEAR first puts a new VMCS in its "clear" launch state. */
	vmx_vmclear(s->vmcs_pa);
	vmx_vcpu_load(s);
	vmx_vmcs_init_controls(s);
	vmx_vmcs_init_host(s);
	vmx_vmcs_init_guest(v, s);
	preempt_enable();
	return 0;

err_page:
	__free_page(p);
err_free:
	kfree(s);
	return -ENOMEM;
}

static void vmx_vcpu_reset(struct vmm_vcpu *v)
{
	struct vmx_vcpu *s = v->arch;

	vmx_vmcs_get(s);
	vmx_vmcs_init_guest(v, s);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	s->reinject = 0;
	s->cr8 = 0;
	vmx_vmcs_put();
}

static void vmx_vcpu_free(struct vmm_vcpu *v)
{
	struct vmx_vcpu *s = v->arch;

	if (!s)
		return;
	vmm_spec_vcpu_gone(v);
	vmx_clear_remote(s);
	free_page((unsigned long)s->vmcs);
	ida_free(&vmx_vpid_ida, s->vpid);
	kfree(s);
	v->arch = NULL;
}

/* ------------------------------------------------------------------ */
/* MSRs kept in the VMCS or in the engine                              */
/* ------------------------------------------------------------------ */

static bool vmx_pat_valid(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 t = pat >> (8 * i);

		if (t > 7 || t == 2 || t == 3)
			return false;
	}
	return true;
}

static bool vmx_canonical(u64 addr)
{
	int bits = boot_cpu_has(X86_FEATURE_LA57) ? 57 : 48;

	return ((s64)addr << (64 - bits) >> (64 - bits)) == (s64)addr;
}

static u64 *vmx_syscall_msr(struct vmx_vcpu *s, u32 index)
{
	switch (index) {
	case MSR_STAR:
		return &s->star;
	case MSR_LSTAR:
		return &s->lstar;
	case MSR_CSTAR:
		return &s->cstar;
	case MSR_SYSCALL_MASK:
		return &s->sfmask;
	default:
		return NULL;
	}
}

static int vmx_msr_read(struct vmm_vcpu *v, u32 index, u64 *val)
{
	struct vmx_vcpu *s = v->arch;
	u64 *p = vmx_syscall_msr(s, index);
	int r = 0;

	if (p) {
		*val = *p;
		return 0;
	}
	vmx_vmcs_get(s);
	switch (index) {
	case MSR_EFER:
		*val = vmcs_read(GUEST_IA32_EFER);
		break;
	case MSR_IA32_CR_PAT:
		*val = vmx.load_pat ? vmcs_read(GUEST_IA32_PAT) : PAT_RESET;
		break;
	case MSR_IA32_TSC:
		*val = rdtsc() + vmcs_read(TSC_OFFSET);
		break;
	default:
		r = -ENOENT;
		break;
	}
	vmx_vmcs_put();
	return r;
}

static int vmx_write_efer(struct vmx_vcpu *s, u64 val)
{
	u64 allowed = EFER_SCE | EFER_LME | EFER_LMA | EFER_NX;
	u64 efer = vmcs_read(GUEST_IA32_EFER);

	if (val & ~allowed)
		return -EINVAL;
	/* LME may not change while paging is on. */
	if ((vmx_guest_cr0() & X86_CR0_PG) && ((val ^ efer) & EFER_LME))
		return -EINVAL;
	vmx_set_guest_efer(s, (val & ~EFER_LMA) | (efer & EFER_LMA));
	return 0;
}

static int vmx_msr_write(struct vmm_vcpu *v, u32 index, u64 val)
{
	struct vmx_vcpu *s = v->arch;
	u64 *p = vmx_syscall_msr(s, index);
	int r = 0;

	if (p) {
		/* These go into the hardware: refuse what WRMSR would. */
		if ((index == MSR_LSTAR || index == MSR_CSTAR) &&
		    !vmx_canonical(val))
			return -EINVAL;
		if (index == MSR_SYSCALL_MASK && (val >> 32))
			return -EINVAL;
		*p = val;
		return 0;
	}
	vmx_vmcs_get(s);
	switch (index) {
	case MSR_EFER:
		r = vmx_write_efer(s, val);
		break;
	case MSR_IA32_CR_PAT:
		if (!vmx_pat_valid(val) || !vmx.load_pat)
			r = -EINVAL;
		else
			vmcs_write(GUEST_IA32_PAT, val);
		break;
	case MSR_IA32_TSC:
		vmcs_write(TSC_OFFSET, val - rdtsc());
		WRITE_ONCE(v->tsc_offset, vmcs_read(TSC_OFFSET));
		break;
	default:
		r = -ENOENT;
		break;
	}
	vmx_vmcs_put();
	return r;
}

/* ------------------------------------------------------------------ */
/* Exits the engine completes itself: MOV CR and MOV DR                */
/* ------------------------------------------------------------------ */

static int vmx_mov_to_cr0(struct vmm_vcpu *v, struct vmx_vcpu *s, u64 val)
{
	u64 old = vmx_guest_cr0(), cr4 = vmx_guest_cr4();
	u64 efer = vmcs_read(GUEST_IA32_EFER);

	if (val >> 32)
		return -EINVAL;
	if ((val & X86_CR0_PG) && !(val & X86_CR0_PE))
		return -EINVAL;
	if ((val & X86_CR0_NW) && !(val & X86_CR0_CD))
		return -EINVAL;
	if ((val & X86_CR0_PG) && !(old & X86_CR0_PG) &&
	    (efer & EFER_LME) && !(cr4 & X86_CR4_PAE))
		return -EINVAL;
	val |= X86_CR0_ET;

	/* What the CPU does to EFER.LMA on a paging change. */
	if ((val ^ old) & X86_CR0_PG) {
		if ((val & X86_CR0_PG) && (efer & EFER_LME))
			efer |= EFER_LMA;
		else
			efer &= ~EFER_LMA;
		vmx_set_guest_efer(s, efer);
	}
	if (vmx_load_pdptrs(v, val, vmcs_read(GUEST_CR3), cr4, efer))
		return -EINVAL;
	vmx_set_guest_cr0(val);
	vmx_flush_guest_tlb(s);
	return 0;
}

static int vmx_mov_to_cr4(struct vmm_vcpu *v, struct vmx_vcpu *s, u64 val)
{
	u64 efer = vmcs_read(GUEST_IA32_EFER);

	/* VMX itself is hidden; so is every bit we have not vetted. */
	if (vmm_cr4_check(vmx_guest_cr4(), val, efer) || (val & ~vmx.cr4_may1) ||
	    (val & X86_CR4_VMXE))
		return -EINVAL;
	if (vmx_load_pdptrs(v, vmx_guest_cr0(), vmcs_read(GUEST_CR3), val, efer))
		return -EINVAL;
	vmx_set_guest_cr4(val);
	vmx_flush_guest_tlb(s);
	return 0;
}

static int vmx_mov_to_cr3(struct vmm_vcpu *v, struct vmx_vcpu *s, u64 val)
{
	val &= ~BIT_ULL(63);		/* PCID "no flush" */
	if (vmx_load_pdptrs(v, vmx_guest_cr0(), val, vmx_guest_cr4(),
			    vmcs_read(GUEST_IA32_EFER)))
		return -EINVAL;
	vmcs_write(GUEST_CR3, val);
	vmx_flush_guest_tlb(s);
	return 0;
}

static int vmx_mov_to_cr(struct vmm_vcpu *v, struct vmx_vcpu *s,
			 unsigned int cr, u64 val)
{
	switch (cr) {
	case 0:
		return vmx_mov_to_cr0(v, s, val);
	case 3:
		return vmx_mov_to_cr3(v, s, val);
	case 4:
		return vmx_mov_to_cr4(v, s, val);
	case 8:
		/* No local APIC is emulated: the TPR is just remembered. */
		if (val & ~0xfULL)
			return -EINVAL;
		s->cr8 = val;
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * CR exits come from the host-owned CR0/CR4 bits (NE, VMXE), CR8 (which
 * would otherwise reach the host's TPR) and CR3 where the CPU insists.
 */
static void vmx_handle_cr(struct vmm_vcpu *v, struct vmx_vcpu *s,
			  struct vmm_exit *x)
{
	unsigned int cr = x->qual & 15, gpr = (x->qual >> 8) & 15;
	bool wide = vmx_guest_64bit();
	u64 val, cr0;
	int r = 0;

	x->stat = VMM_STAT_CR_ACCESS;
	switch ((x->qual >> 4) & 3) {
	case CR_QUAL_MOV_TO:
		val = wide ? v->gprs[gpr] : (u32)v->gprs[gpr];
		r = vmx_mov_to_cr(v, s, cr, val);
		break;
	case CR_QUAL_MOV_FROM:
		if (cr == 3)
			val = vmcs_read(GUEST_CR3);
		else if (cr == 8)
			val = s->cr8;
		else
			r = -EINVAL;
		if (!r)
			v->gprs[gpr] = wide ? val : (u32)val;
		break;
	case CR_QUAL_CLTS:
		r = vmx_mov_to_cr0(v, s, vmx_guest_cr0() & ~X86_CR0_TS);
		break;
	case CR_QUAL_LMSW:
		/* LMSW loads MP/EM/TS and can set, but not clear, PE. */
		cr0 = vmx_guest_cr0();
		val = (x->qual >> 16) & 0xf;
		r = vmx_mov_to_cr0(v, s, (cr0 & ~0xeULL) | val);
		break;
	}
	if (r) {
		vmm_inject_exception(v, X86_EXC_GP, true, 0);
		x->kind = VMM_X_NONE;
	} else {
		x->kind = VMM_X_SKIP;
	}
}

/*
 * MOV-DR exiting catches every debug register; all of them live in the
 * shared vCPU's shadow, so the guest never arms the hardware.
 */
static void vmx_handle_dr(struct vmm_exit *x)
{
	x->stat = VMM_STAT_OTHER;
	x->kind = VMM_X_DR_ACCESS;
	x->has_next_rip = false;	/* the shared code decodes */
}

/* ------------------------------------------------------------------ */
/* Exit decoding                                                       */
/* ------------------------------------------------------------------ */

static void vmx_decode_io(struct vmm_exit *x)
{
	x->kind = VMM_X_IO;
	x->stat = VMM_STAT_IO;
	x->io.size = (x->qual & 7) + 1;
	x->io.in = x->qual & BIT(3);
	x->io.string = x->qual & BIT(4);
	x->io.rep = x->qual & BIT(5);
	x->io.port = x->qual >> 16;
}

static void vmx_decode_ept_violation(struct vmm_vcpu *v, struct vmm_exit *x)
{
	x->kind = VMM_X_NPF;
	x->npf.gpa = vmcs_read(GUEST_PHYSICAL_ADDRESS);
	x->info2 = x->npf.gpa;
	x->npf.write = x->qual & EPT_VIOLATION_ACC_WRITE;
	x->npf.fetch = x->qual & EPT_VIOLATION_ACC_INSTR;
	x->npf.present = x->qual & EPT_VIOLATION_RWX_MASK;
	/* A linear address (bit 7) whose paging-structure entry faulted (bit 8 clear). */
	x->npf.gpt = (x->qual & BIT(7)) && !(x->qual & BIT(8));
	x->stat = VMM_STAT_NPF;	/* MMIO: vmm_handle_npf says */
	/* The faulting instruction is emulated: no next RIP. */
	x->has_next_rip = false;
}

static void vmx_decode_exception(struct vmm_exit *x, u32 intr_info)
{
	u8 vector = intr_info & INTR_INFO_VECTOR_MASK;

	x->stat = VMM_STAT_EXCEPTION;
	if ((intr_info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR) {
		x->kind = VMM_X_NONE;	/* re-raised for the host at exit */
		x->stat = VMM_STAT_NMI;
	} else if (vector == X86_EXC_MC) {
		x->kind = VMM_X_NONE;	/* handed to the host at exit */
	} else if (vector == X86_EXC_DB || vector == X86_EXC_AC) {
		x->kind = VMM_X_EXCEPTION;
		x->exc.vector = vector;
		x->exc.has_error = intr_info & INTR_INFO_DELIVER_CODE_MASK;
		x->exc.error = x->exc.has_error ?
			       vmcs_read(VM_EXIT_INTR_ERROR_CODE) : 0;
		/* #DB: the qualification holds DR6's B0-3, BD and BS. */
		x->exc.dr6 = vector == X86_EXC_DB ? x->qual : 0;
	} else {
		x->kind = VMM_X_UNHANDLED;
		x->info2 = intr_info;
	}
}

/* Exits caused by an instruction report its length. */
static bool vmx_insn_exit(u32 reason)
{
	switch (reason) {
	case EXIT_REASON_CPUID:
	case EXIT_REASON_HLT:
	case EXIT_REASON_INVD:
	case EXIT_REASON_VMCALL:
	case EXIT_REASON_CR_ACCESS:
	case EXIT_REASON_DR_ACCESS:
	case EXIT_REASON_IO_INSTRUCTION:
	case EXIT_REASON_MSR_READ:
	case EXIT_REASON_MSR_WRITE:
	case EXIT_REASON_WBINVD:
	case EXIT_REASON_XSETBV:
	case EXIT_REASON_PAUSE_INSTRUCTION:
		return true;
	default:
		return false;
	}
}

static void vmx_decode_reason(struct vmm_vcpu *v, struct vmx_vcpu *s,
			      u32 reason, u32 intr_info)
{
	struct vmm_exit *x = &v->exit;

	switch (reason) {
	case EXIT_REASON_EXCEPTION_NMI:
		vmx_decode_exception(x, intr_info);
		break;
	case EXIT_REASON_EXTERNAL_INTERRUPT:
		x->kind = VMM_X_NONE;	/* taken at local_irq_enable() */
		x->stat = VMM_STAT_EXTINT;
		break;
	case EXIT_REASON_INTERRUPT_WINDOW:
		x->kind = VMM_X_NONE;
		x->stat = VMM_STAT_INTR_WINDOW;
		break;
	case EXIT_REASON_PREEMPTION_TIMER:
		x->kind = VMM_X_NONE;	/* the watchdog: just look around */
		x->stat = VMM_STAT_OTHER;
		break;
	case EXIT_REASON_TRIPLE_FAULT:
		x->kind = VMM_X_SHUTDOWN;
		x->stat = VMM_STAT_SHUTDOWN;
		break;
	case EXIT_REASON_CPUID:
		x->kind = VMM_X_CPUID;
		x->stat = VMM_STAT_CPUID;
		break;
	case EXIT_REASON_HLT:
		x->kind = VMM_X_HLT;
		x->stat = VMM_STAT_HLT;
		break;
	case EXIT_REASON_PAUSE_INSTRUCTION:
		x->kind = VMM_X_PAUSE;
		x->stat = VMM_STAT_PAUSE;
		break;
	case EXIT_REASON_IO_INSTRUCTION:
		vmx_decode_io(x);
		break;
	case EXIT_REASON_MSR_READ:
		x->kind = VMM_X_MSR_READ;
		x->stat = VMM_STAT_MSR_READ;
		break;
	case EXIT_REASON_MSR_WRITE:
		x->kind = VMM_X_MSR_WRITE;
		x->stat = VMM_STAT_MSR_WRITE;
		break;
	case EXIT_REASON_EPT_VIOLATION:
		vmx_decode_ept_violation(v, x);
		break;
	case EXIT_REASON_EPT_MISCONFIG:
		/* Our own EPT entries are wrong: nothing the guest did. */
		x->kind = VMM_X_UNHANDLED;
		x->stat = VMM_STAT_OTHER;
		x->info2 = vmcs_read(GUEST_PHYSICAL_ADDRESS);
		pr_warn_ratelimited("EPT misconfiguration at GPA %#llx\n",
				    x->info2);
		break;
	case EXIT_REASON_VMCALL:
		x->kind = VMM_X_HYPERCALL;
		x->stat = VMM_STAT_HYPERCALL;
		break;
	case EXIT_REASON_VMCLEAR:
	case EXIT_REASON_VMLAUNCH:
	case EXIT_REASON_VMPTRLD:
	case EXIT_REASON_VMPTRST:
	case EXIT_REASON_VMREAD:
	case EXIT_REASON_VMRESUME:
	case EXIT_REASON_VMWRITE:
	case EXIT_REASON_VMOFF:
	case EXIT_REASON_VMON:
	case EXIT_REASON_INVEPT:
	case EXIT_REASON_INVVPID:
	case EXIT_REASON_VMFUNC:
	case EXIT_REASON_GETSEC:
	case EXIT_REASON_MONITOR_INSTRUCTION:
	case EXIT_REASON_MWAIT_INSTRUCTION:
		x->kind = VMM_X_INVALID_OP;
		x->stat = VMM_STAT_INVALID_OP;
		break;
	case EXIT_REASON_RDPMC:
		/* No PMU is offered: the guest may not read the host's. */
		x->kind = VMM_X_NONE;
		x->stat = VMM_STAT_OTHER;
		vmm_inject_exception(v, X86_EXC_GP, true, 0);
		break;
	case EXIT_REASON_XSETBV:
		/* XSAVE is hidden from the guest, so XSETBV is #UD. */
		x->kind = VMM_X_INVALID_OP;
		x->stat = VMM_STAT_XSETBV;
		break;
	case EXIT_REASON_INVD:
	case EXIT_REASON_WBINVD:
		x->kind = VMM_X_SKIP;
		x->stat = VMM_STAT_INVD;
		break;
	case EXIT_REASON_CR_ACCESS:
		vmx_handle_cr(v, s, x);
		break;
	case EXIT_REASON_DR_ACCESS:
		vmx_handle_dr(x);
		break;
	case EXIT_REASON_TASK_SWITCH:
		x->kind = VMM_X_UNHANDLED;
		x->stat = VMM_STAT_TASK_SWITCH;
		break;
	default:
		x->kind = VMM_X_UNHANDLED;
		x->stat = VMM_STAT_OTHER;
		break;
	}
}

static void vmx_decode_exit(struct vmm_vcpu *v, struct vmx_vcpu *s,
			    u32 reason, u32 intr_info)
{
	struct vmm_exit *x = &v->exit;
	u32 basic = reason & 0xffff;
	u32 idt;

	memset(x, 0, offsetof(struct vmm_exit, io));
	x->hw_reason = reason;
	x->qual = vmcs_read(EXIT_QUALIFICATION);

	if (reason & VMX_EXIT_REASONS_FAILED_VMENTRY) {
		x->kind = VMM_X_ENTRY_FAIL;
		x->stat = VMM_STAT_ENTRY_FAIL;
		pr_warn_ratelimited("VM entry failed: exit reason %#x, qualification %#llx, RIP %#llx\n",
				    reason, x->qual, v->rip);
		return;
	}
	if (vmx_insn_exit(basic)) {
		x->next_rip = v->rip + vmcs_read(VM_EXIT_INSTRUCTION_LEN);
		x->has_next_rip = true;
	}
	vmx_decode_reason(v, s, basic, intr_info);

	/*
	 * An event whose delivery was cut short goes in again, except a
	 * software interrupt or exception, which is simply executed again.
	 */
	idt = vmcs_read(IDT_VECTORING_INFO_FIELD);
	v->exit.vectoring = idt & VECTORING_INFO_VALID_MASK;
	if ((idt & VECTORING_INFO_VALID_MASK) &&
	    ((idt & VECTORING_INFO_TYPE_MASK) == INTR_TYPE_EXT_INTR ||
	     (idt & VECTORING_INFO_TYPE_MASK) == INTR_TYPE_NMI_INTR ||
	     (idt & VECTORING_INFO_TYPE_MASK) == INTR_TYPE_HARD_EXCEPTION)) {
		s->reinject = idt;
		if (idt & VECTORING_INFO_DELIVER_CODE_MASK)
			s->reinject_err = vmcs_read(IDT_VECTORING_ERROR_CODE);
	}
}

/* A VMLAUNCH/VMRESUME that did not even start the entry. */
static void vmx_decode_vmfail(struct vmm_vcpu *v, int how)
{
	struct vmm_exit *x = &v->exit;

	memset(x, 0, offsetof(struct vmm_exit, io));
	x->kind = VMM_X_ENTRY_FAIL;
	x->stat = VMM_STAT_ENTRY_FAIL;
	x->hw_reason = U32_MAX;		/* not an exit reason */
	if (how == VMX_ENTER_FAIL_VALID)
		x->info2 = vmcs_read(VM_INSTRUCTION_ERROR);
	pr_warn_ratelimited("VMLAUNCH/VMRESUME failed: %s, VM-instruction error %llu\n",
			    how == VMX_ENTER_FAIL_VALID ? "VMfailValid" :
			    "VMfailInvalid", x->info2);
}

/* ------------------------------------------------------------------ */
/* Running                                                             */
/* ------------------------------------------------------------------ */

/* Vectors whose hardware exceptions push an error code. */
static bool vmx_exc_has_error(u8 vector)
{
	return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17;
}

static void vmx_inject(struct vmm_vcpu *v, struct vmx_vcpu *s)
{
	u32 info;

	static const u32 type[] = {
		[VMM_EVENT_EXCEPTION] = INTR_TYPE_HARD_EXCEPTION,
		[VMM_EVENT_IRQ] = INTR_TYPE_EXT_INTR,
		[VMM_EVENT_NMI] = INTR_TYPE_NMI_INTR,
	};

	if (v->event.valid) {
		info = v->event.vector | type[v->event.type] |
		       INTR_INFO_VALID_MASK;
		/* Real mode (unrestricted guest) pushes no error code. */
		if (v->event.has_error && vmx_exc_has_error(v->event.vector) &&
		    (vmcs_read(GUEST_CR0) & X86_CR0_PE)) {
			info |= INTR_INFO_DELIVER_CODE_MASK;
			vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, v->event.error);
		}
		vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info);
		/* CR2 is not in the VMCS: the run loads it before entry. */
		if (v->event.set_cr2)
			s->cr2 = v->event.cr2;
		v->event.valid = false;
		/*
		 * An exception raised while delivering another replaces it
		 * (the instruction raises that one again); an acknowledged
		 * interrupt or NMI goes in at the next entry instead.
		 */
		if ((s->reinject & INTR_INFO_INTR_TYPE_MASK) !=
		    INTR_TYPE_EXT_INTR &&
		    (s->reinject & INTR_INFO_INTR_TYPE_MASK) != INTR_TYPE_NMI_INTR)
			s->reinject = 0;
	} else if (s->reinject) {
		info = s->reinject & (INTR_INFO_VECTOR_MASK |
				      INTR_INFO_INTR_TYPE_MASK |
				      INTR_INFO_DELIVER_CODE_MASK |
				      INTR_INFO_VALID_MASK);
		if (info & INTR_INFO_DELIVER_CODE_MASK)
			vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, s->reinject_err);
		vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info);
		s->reinject = 0;
	}
}

/*
 * Start of a batch of runs, preemption off until it ends: the VMCS stays
 * current on this CPU, and the task's host state that a VM exit clobbers
 * cannot change while the batch lasts, so it is read once here.
 */
static void vmx_prepare(struct vmm_vcpu *v)
{
	struct vmx_vcpu *s = v->arch;
	struct vmx_host_state *h = &s->host;
	u16 fs_sel, gs_sel;

	vmx_vcpu_load(s);
	vmm_spec_vmx_batch_start();
	store_idt(&h->idt);
	rdmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	/* VM exits load a null LDTR and clear DEBUGCTL: restore both. */
	asm volatile("sldt %0" : "=g" (h->ldt));
	rdmsrl(MSR_IA32_DEBUGCTLMSR, h->debugctl);

	/* The host fields take RPL-0 selectors only: user ones reload later. */
	savesegment(ds, h->ds);
	savesegment(es, h->es);
	savesegment(fs, h->fs);
	savesegment(gs, h->gs);
	fs_sel = (h->fs & 7) ? 0 : h->fs;
	gs_sel = (h->gs & 7) ? 0 : h->gs;
	if (fs_sel != s->host_fs_sel) {
		s->host_fs_sel = fs_sel;
		vmcs_write(HOST_FS_SELECTOR, fs_sel);
	}
	if (gs_sel != s->host_gs_sel) {
		s->host_gs_sel = gs_sel;
		vmcs_write(HOST_GS_SELECTOR, gs_sel);
	}
	rdmsrl(MSR_FS_BASE, h->fs_base);
	if (h->fs_base != s->host_fs_base) {
		s->host_fs_base = h->fs_base;
		vmcs_write(HOST_FS_BASE, h->fs_base);
	}
}

/* MSRs VM entry does not load. Interrupts are off. */
static void vmx_load_guest_msrs(struct vmx_vcpu *s)
{
	if (s->kernel_gs_base != s->host.kernel_gs_base)
		wrmsrl(MSR_KERNEL_GS_BASE, s->kernel_gs_base);
	if (s->syscall_live) {
		wrmsrl(MSR_STAR, s->star);
		wrmsrl(MSR_LSTAR, s->lstar);
		wrmsrl(MSR_CSTAR, s->cstar);
		wrmsrl(MSR_SYSCALL_MASK, s->sfmask);
	}
}

/*
 * Undo what a VM exit leaves behind: GDTR/IDTR limits of 0xffff, a TR
 * limit of 0x67, null DS/ES/FS/GS, and the guest's MSRs and CR2.
 */
static void vmx_restore_host(struct vmx_vcpu *s, int cpu)
{
	const struct vmx_host_state *h = &s->host;

	s->cr2 = native_read_cr2();
	load_fixmap_gdt(cpu);
	native_load_idt(&h->idt);
	invalidate_tss_limit();

	rdmsrl(MSR_KERNEL_GS_BASE, s->kernel_gs_base);
	if (h->ldt)
		asm volatile("lldt %0" : : "rm" (h->ldt));
	if (h->debugctl)
		wrmsrl(MSR_IA32_DEBUGCTLMSR, h->debugctl);
	if (h->ds)
		loadsegment(ds, h->ds);
	if (h->es)
		loadsegment(es, h->es);
	if (h->fs & 7) {
		loadsegment(fs, h->fs);
		wrmsrl(MSR_FS_BASE, h->fs_base);
	}
	if (h->gs & 7)
		load_gs_index(h->gs);	/* clobbers KERNEL_GS_BASE */
	if ((h->gs & 7) || s->kernel_gs_base != h->kernel_gs_base)
		wrmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	if (s->syscall_live) {
		wrmsrl(MSR_STAR, vmx_host_star);
		wrmsrl(MSR_LSTAR, vmx_host_lstar);
		wrmsrl(MSR_CSTAR, vmx_host_cstar);
		wrmsrl(MSR_SYSCALL_MASK, vmx_host_sfmask);
	}
}

static int vmx_vcpu_run(struct vmm_vcpu *v)
{
	struct vmx_vcpu *s = v->arch;
	u32 reason = 0, intr_info = 0, st;
	unsigned long cr3, cr4;
	int cpu, how;
	u64 efer;

	/* Within a batch (vmx_prepare): no preemption, the VMCS is here. */
	cpu = smp_processor_id();
	vmx_vcpu_load(s);
	vmm_spec_vcpu_load(v, s->ran_cpu >= 0 && s->ran_cpu != cpu);
	s->ran_cpu = cpu;

	local_irq_disable();
	/* Reboot or kexec switches VMX off under us: stop entering. */
	if (unlikely(READ_ONCE(vmm_going_down))) {
		local_irq_enable();
		return -EIO;
	}
	if (!vmm_vcpu_enter_guest_mode(v, cpu)) {
		local_irq_enable();
		return VMM_RUN_CANCELLED;
	}
	vmx_inject(v, s);
	if (v->rip != s->last_rip) {	/* emulated an instruction */
		st = vmcs_read(GUEST_INTERRUPTIBILITY_INFO);
		if (st & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))
			vmcs_write(GUEST_INTERRUPTIBILITY_INFO,
				   st & ~(GUEST_INTR_STATE_STI |
					  GUEST_INTR_STATE_MOV_SS));
	}
	vmcs_write(GUEST_RSP, v->gprs[4]);
	vmcs_write(GUEST_RIP, v->rip);
	vmcs_write(GUEST_RFLAGS, v->rflags);

	/*
	 * Host CR3/CR4 just before entry, IRQs off: an IPI (a TLB flush, a
	 * perf mmap's CR4.PCE update) may have changed them since the batch
	 * began, and the exit would otherwise load stale values.
	 */
	cr3 = __read_cr3();
	if (cr3 != s->host_cr3) {
		s->host_cr3 = cr3;
		vmcs_write(HOST_CR3, cr3);
	}
	cr4 = cr4_read_shadow();
	if (cr4 != s->host_cr4) {
		s->host_cr4 = cr4;
		vmcs_write(HOST_CR4, cr4);
	}
	vmx_load_guest_msrs(s);
	if (native_read_cr2() != s->cr2)
		native_write_cr2(s->cr2);

	vmm_guest_time_enter();
	vmm_spec_vmx_before_entry(v);
	how = vmm_vmx_enter(v->gprs, &s->host_rsp, s->launched);
	vmm_spec_after_exit(false);

	v->exit_tsc = rdtsc();
	WRITE_ONCE(v->guest_cpu, -1);
	vmx_restore_host(s, cpu);
	if (how == VMX_ENTER_EXIT) {
		reason = vmcs_read(VM_EXIT_REASON);
		if (!(reason & VMX_EXIT_REASONS_FAILED_VMENTRY))
			s->launched = true;
		/*
		 * NMI exiting consumed the host's NMI: raise it again. A
		 * machine check in the guest (or during entry) is the host's.
		 */
		if ((u16)reason == EXIT_REASON_EXCEPTION_NMI) {
			intr_info = vmcs_read(VM_EXIT_INTR_INFO);
			if ((intr_info & INTR_INFO_INTR_TYPE_MASK) ==
			    INTR_TYPE_NMI_INTR)
				asm volatile("int $2");
			else if ((intr_info & INTR_INFO_VECTOR_MASK) == X86_EXC_MC)
				asm volatile("int $0x12");
		} else if ((u16)reason == EXIT_REASON_MCE_DURING_VMENTRY) {
			asm volatile("int $0x12");
		}
	}
	vmm_guest_time_exit_irq_enable();
	/* VM exit leaves DR7 at its reset value. */
	if (hw_breakpoint_active())
		hw_breakpoint_restore();

	if (how != VMX_ENTER_EXIT) {
		vmx_decode_vmfail(v, how);
		return 0;
	}
	v->gprs[4] = vmcs_read(GUEST_RSP);
	v->rip = vmcs_read(GUEST_RIP);
	v->rflags = vmcs_read(GUEST_RFLAGS);
	s->last_rip = v->rip;
	/* The guest may have entered or left long mode on its own. */
	efer = vmcs_read(GUEST_IA32_EFER);
	vmx_sync_lma(s, efer);
	vmx_decode_exit(v, s, reason, intr_info);
	return 0;
}

static bool vmx_irq_allowed(struct vmm_vcpu *v)
{
	struct vmx_vcpu *s = v->arch;
	u32 st = vmcs_read(GUEST_INTERRUPTIBILITY_INFO);
	bool shadow = (st & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)) &&
		      v->rip == s->last_rip;

	return (v->rflags & X86_EFLAGS_IF) && !shadow && !s->reinject;
}

/* The CPU keeps blocking-by-NMI from delivery to the guest's IRET. */
static bool vmx_nmi_allowed(struct vmm_vcpu *v)
{
	struct vmx_vcpu *s = v->arch;
	u32 st = vmcs_read(GUEST_INTERRUPTIBILITY_INFO);

	if (v->rip != s->last_rip)
		st &= ~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS);
	return !(st & (GUEST_INTR_STATE_NMI | GUEST_INTR_STATE_STI |
		       GUEST_INTR_STATE_MOV_SS)) && !s->reinject;
}

static void vmx_irq_window(struct vmm_vcpu *v, bool on)
{
	struct vmx_vcpu *s = v->arch;

	if (s->irq_window == on)
		return;
	s->irq_window = on;
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL,
		   vmx.proc | (on ? CPU_BASED_INTR_WINDOW_EXITING : 0));
}

static bool vmx_in_shadow(struct vmm_vcpu *v)
{
	return vmcs_read(GUEST_INTERRUPTIBILITY_INFO) &
	       (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS);
}

/* No virtual interrupts without APIC virtualization: the window it is. */
static bool vmx_irq_post(struct vmm_vcpu *v, u8 vector)
{
	return false;
}

/* Within a batch: the VMCS is current on this CPU, which enters next. */
static void vmx_flush_tlb(struct vmm_vcpu *v)
{
	struct vmx_vcpu *s = v->arch;

	vmx_invept(vmx.invept_type, s->eptp);
}

const struct vmm_engine_ops vmm_vmx_ops = {
	.name = "vmx",
	.hw_enable = vmx_hw_enable,
	.hw_disable = vmx_hw_disable,
	.pt_format = &vmx_ept_format,
	.vcpu_init = vmx_vcpu_init,
	.vcpu_free = vmx_vcpu_free,
	.vcpu_reset = vmx_vcpu_reset,
	.get_sregs = vmx_get_sregs,
	.set_sregs = vmx_set_sregs,
	.get_mode = vmx_get_mode,
	.prepare = vmx_prepare,
	.run = vmx_vcpu_run,
	.msr_read = vmx_msr_read,
	.msr_write = vmx_msr_write,
	.irq_allowed = vmx_irq_allowed,
	.nmi_allowed = vmx_nmi_allowed,
	.irq_window = vmx_irq_window,
	.irq_post = vmx_irq_post,
	.in_shadow = vmx_in_shadow,
	.flush_tlb = vmx_flush_tlb,
	.overhead_per_vcpu = sizeof(struct vmx_vcpu) + PAGE_SIZE,
};

/* ------------------------------------------------------------------ */
/* Capabilities and module-wide setup                                  */
/* ------------------------------------------------------------------ */

/*
 * Fit wanted controls to a capability MSR: allowed-0 settings in the low
 * half (bits that must be 1), allowed-1 in the high half. Every bit in
 * need must survive; bits in want are taken where allowed.
 */
static int vmx_adjust(u32 msr, u32 need, u32 want, u32 *ctl)
{
	u64 cap;

	if (rdmsrl_safe(msr, &cap))
		return -EOPNOTSUPP;
	*ctl = ((need | want) & (u32)(cap >> 32)) | (u32)cap;
	if ((*ctl & need) != need) {
		pr_err("required controls %#x missing from MSR %#x (allowed-1 %#x)\n",
		       need & ~*ctl, msr, (u32)(cap >> 32));
		return -EOPNOTSUPP;
	}
	return 0;
}

static int vmx_probe_controls(void)
{
	bool true_ctls = vmx.basic & VMX_BASIC_TRUE_CTLS;
	int r;

	r = vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
				   MSR_IA32_VMX_PINBASED_CTLS,
		       PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING,
		       PIN_BASED_VMX_PREEMPTION_TIMER, &vmx.pin);
	r = r ?: vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
					MSR_IA32_VMX_PROCBASED_CTLS,
			    CPU_BASED_HLT_EXITING | CPU_BASED_USE_TSC_OFFSETTING |
			    CPU_BASED_INTR_WINDOW_EXITING |
			    CPU_BASED_CR8_LOAD_EXITING |
			    CPU_BASED_CR8_STORE_EXITING |
			    CPU_BASED_MOV_DR_EXITING |
			    CPU_BASED_RDPMC_EXITING |
			    CPU_BASED_UNCOND_IO_EXITING |
			    CPU_BASED_USE_MSR_BITMAPS |
			    CPU_BASED_ACTIVATE_SECONDARY_CONTROLS,
			    CPU_BASED_MWAIT_EXITING | CPU_BASED_MONITOR_EXITING,
			    &vmx.proc);
	/* With EPT the CPU needs no CR3 exits; we never use I/O bitmaps. */
	vmx.proc &= ~CPU_BASED_USE_IO_BITMAPS;
	/* Required, but on only while an interrupt waits for the guest. */
	vmx.proc &= ~CPU_BASED_INTR_WINDOW_EXITING;
	r = r ?: vmx_adjust(MSR_IA32_VMX_PROCBASED_CTLS2,
			    SECONDARY_EXEC_ENABLE_EPT |
			    SECONDARY_EXEC_ENABLE_VPID |
			    SECONDARY_EXEC_UNRESTRICTED_GUEST,
			    SECONDARY_EXEC_ENABLE_INVPCID |
			    SECONDARY_EXEC_WBINVD_EXITING |
			    SECONDARY_EXEC_PAUSE_LOOP_EXITING,
			    &vmx.proc2);
	r = r ?: vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
					MSR_IA32_VMX_EXIT_CTLS,
			    VM_EXIT_HOST_ADDR_SPACE_SIZE |
			    VM_EXIT_SAVE_IA32_EFER | VM_EXIT_LOAD_IA32_EFER,
			    VM_EXIT_SAVE_IA32_PAT | VM_EXIT_LOAD_IA32_PAT,
			    &vmx.exit);
	r = r ?: vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
					MSR_IA32_VMX_ENTRY_CTLS,
			    VM_ENTRY_LOAD_IA32_EFER | VM_ENTRY_LOAD_DEBUG_CONTROLS,
			    VM_ENTRY_LOAD_IA32_PAT,
			    &vmx.entry);
	if (r)
		return r;
	/* Ack-on-exit stays off: host interrupts are taken after the exit. */
	vmx.exit &= ~(VM_EXIT_ACK_INTR_ON_EXIT | VM_EXIT_SAVE_VMX_PREEMPTION_TIMER);
	vmx.entry &= ~VM_ENTRY_IA32E_MODE;
	vmx.load_pat = (vmx.entry & VM_ENTRY_LOAD_IA32_PAT) &&
		       (vmx.exit & VM_EXIT_LOAD_IA32_PAT);
	if (!vmx.load_pat) {
		vmx.entry &= ~VM_ENTRY_LOAD_IA32_PAT;
		vmx.exit &= ~(VM_EXIT_LOAD_IA32_PAT | VM_EXIT_SAVE_IA32_PAT);
	}
	return 0;
}

static int vmx_probe_ept(void)
{
	u64 c;

	if (rdmsrl_safe(MSR_IA32_VMX_EPT_VPID_CAP, &c))
		return -EOPNOTSUPP;
	vmx.ept_vpid = c;
	/* EPT follows the host's paging depth, as mmu.c builds it. */
	vmx.ept_levels = pgtable_l5_enabled() ? 5 : 4;
	if (!(c & (vmx.ept_levels == 5 ? VMX_EPT_PAGE_WALK_5_BIT :
					 VMX_EPT_PAGE_WALK_4_BIT))) {
		pr_err("EPT cannot walk %d levels (capabilities %#llx)\n",
		       vmx.ept_levels, c);
		return -EOPNOTSUPP;
	}
	if (!(c & VMX_EPTP_WB_BIT) || !(c & VMX_EPT_2MB_PAGE_BIT)) {
		pr_err("EPT lacks write-back tables or 2 MiB pages (capabilities %#llx)\n",
		       c);
		return -EOPNOTSUPP;
	}
	if (!(c & VMX_EPT_INVEPT_BIT) ||
	    !(c & (VMX_EPT_EXTENT_CONTEXT_BIT | VMX_EPT_EXTENT_GLOBAL_BIT)) ||
	    !(c & ((u64)VMX_VPID_INVVPID_BIT << 32)) ||
	    !(c & ((u64)(VMX_VPID_EXTENT_SINGLE_CONTEXT_BIT |
			 VMX_VPID_EXTENT_GLOBAL_CONTEXT_BIT) << 32))) {
		pr_err("INVEPT/INVVPID missing (capabilities %#llx)\n", c);
		return -EOPNOTSUPP;
	}
	vmx.invept_type = (c & VMX_EPT_EXTENT_CONTEXT_BIT) ?
			  VMX_EPT_EXTENT_CONTEXT : VMX_EPT_EXTENT_GLOBAL;
	vmx.invvpid_type = (c & ((u64)VMX_VPID_EXTENT_SINGLE_CONTEXT_BIT << 32)) ?
			   VMX_VPID_EXTENT_SINGLE_CONTEXT :
			   VMX_VPID_EXTENT_ALL_CONTEXT;
	vmx.ept_ad = c & VMX_EPT_AD_BIT;
	return 0;
}

/* The VMX-preemption timer counts down at the TSC rate >> IA32_VMX_MISC[4:0]. */
static void vmx_probe_watchdog(void)
{
	u64 misc, ticks;

	vmx.watchdog_ticks = 0;
	if (!vmx_watchdog_ms || !(vmx.pin & PIN_BASED_VMX_PREEMPTION_TIMER) ||
	    rdmsrl_safe(MSR_IA32_VMX_MISC, &misc)) {
		/* no backstop: a zero countdown would exit at once */
		vmx.pin &= ~PIN_BASED_VMX_PREEMPTION_TIMER;
		return;
	}
	ticks = ((u64)(tsc_khz ?: 1000000) * vmx_watchdog_ms) >>
		vmx_misc_preemption_timer_rate(misc);
	vmx.watchdog_ticks = clamp_t(u64, ticks, 1, U32_MAX);
}

int vmm_vmx_probe(void)
{
	u64 fc, fixed0, fixed1;
	int r;

	if (!(cpuid_ecx(1) & VMX_CPUID_1_ECX_VMX))
		return -EOPNOTSUPP;
	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &fc) ||
	    ((fc & FEAT_CTL_LOCKED) &&
	     !(fc & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX))) {
		pr_err("VMX is disabled by the firmware (IA32_FEATURE_CONTROL locked without VMX outside SMX)\n");
		return -EOPNOTSUPP;
	}
	if (rdmsrl_safe(MSR_IA32_VMX_BASIC, &vmx.basic))
		return -EOPNOTSUPP;
	vmx.revision = vmx.basic & GENMASK_ULL(30, 0);
	if (vmx_basic_vmcs_size(vmx.basic) > PAGE_SIZE ||
	    (vmx.basic & VMX_BASIC_64) ||
	    ((vmx.basic & VMX_BASIC_MEM_TYPE_MASK) >> VMX_BASIC_MEM_TYPE_SHIFT) !=
	    VMX_BASIC_MEM_TYPE_WB) {
		pr_err("unsupported VMCS layout (IA32_VMX_BASIC %#llx)\n",
		       vmx.basic);
		return -EOPNOTSUPP;
	}
	r = vmx_probe_controls();
	if (r)
		return r;
	r = vmx_probe_ept();
	if (r)
		return r;

	/* PE and PG may be 0 in the guest thanks to unrestricted guest. */
	rdmsrl(MSR_IA32_VMX_CR0_FIXED0, fixed0);
	rdmsrl(MSR_IA32_VMX_CR0_FIXED1, fixed1);
	vmx.cr0_must1 = fixed0 & ~(u64)(X86_CR0_PE | X86_CR0_PG);
	vmx.cr0_may1 = fixed1;
	rdmsrl(MSR_IA32_VMX_CR4_FIXED0, fixed0);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED1, fixed1);
	vmx.cr4_must1 = fixed0;
	vmx.cr4_may1 = fixed1;
	vmx.cr4_owned = ~vmm_cr4_allowed() | vmx.cr4_must1;
	vmx_probe_watchdog();
	return 0;
}

/* Let the guest use an MSR natively (the VMCS or the run switches it). */
static void vmx_msr_passthrough(u32 msr)
{
	unsigned long *bitmap = vmx_msr_bitmap;
	unsigned int base;

	if (msr <= 0x1fff)
		base = 0;
	else if (msr - 0xc0000000 <= 0x1fff)
		base = 0x400;
	else
		return;
	/* Read bitmaps at 0 and 0x400, write bitmaps 0x800 after them. */
	__clear_bit((msr & 0x1fff) + base * 8, bitmap);
	__clear_bit((msr & 0x1fff) + (base + 0x800) * 8, bitmap);
}

void vmm_vmx_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct vmx_cpu *c = per_cpu_ptr(&vmx_cpu, cpu);

		if (c->vmxon)
			__free_page(c->vmxon);
		c->vmxon = NULL;
	}
	if (vmx_msr_bitmap)
		free_page((unsigned long)vmx_msr_bitmap);
	vmx_msr_bitmap = NULL;
}

int vmm_vmx_init(void)
{
	static const u32 native_msrs[] = {
		MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE,
		MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP,
		MSR_IA32_SYSENTER_EIP,
	};
	unsigned int i;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct vmx_cpu *c = per_cpu_ptr(&vmx_cpu, cpu);

		c->vmxon = alloc_pages_node(cpu_to_node(cpu),
					    GFP_KERNEL | __GFP_ZERO, 0);
		if (!c->vmxon)
			goto nomem;
		*(u32 *)page_address(c->vmxon) = vmx.revision;
		INIT_LIST_HEAD(&c->loaded);
	}

	/* Every MSR exits unless listed. */
	vmx_msr_bitmap = (void *)__get_free_page(GFP_KERNEL);
	if (!vmx_msr_bitmap)
		goto nomem;
	memset(vmx_msr_bitmap, 0xff, PAGE_SIZE);
	for (i = 0; i < ARRAY_SIZE(native_msrs); i++)
		vmx_msr_passthrough(native_msrs[i]);

	/* The kernel's syscall MSRs are the same on every CPU. */
	rdmsrl(MSR_STAR, vmx_host_star);
	rdmsrl(MSR_LSTAR, vmx_host_lstar);
	rdmsrl(MSR_CSTAR, vmx_host_cstar);
	rdmsrl(MSR_SYSCALL_MASK, vmx_host_sfmask);

	pr_info("VMCS revision %#x, %s controls: pin %#x proc %#x proc2 %#x exit %#x entry %#x\n",
		vmx.revision,
		(vmx.basic & VMX_BASIC_TRUE_CTLS) ? "true" : "default",
		vmx.pin, vmx.proc, vmx.proc2, vmx.exit, vmx.entry);
	pr_info("EPT/VPID caps %#llx: %d-level EPT, A/D %d, INVEPT %s, INVVPID %s, PAT %d, CR0 must-1 %#llx, CR4 must-1 %#llx, watchdog %u ticks\n",
		vmx.ept_vpid, vmx.ept_levels, vmx.ept_ad,
		vmx.invept_type == VMX_EPT_EXTENT_CONTEXT ? "single" : "all",
		vmx.invvpid_type == VMX_VPID_EXTENT_SINGLE_CONTEXT ? "single" : "all",
		vmx.load_pat, vmx.cr0_must1, vmx.cr4_must1, vmx.watchdog_ticks);
	return 0;

nomem:
	vmm_vmx_exit();
	return -ENOMEM;
}
