// SPDX-License-Identifier: GPL-2.0
/*
 * The AMD-V engine: per-CPU enabling, the VMCB, nested paging entries,
 * ASIDs, guest FPU switching, and the translation of #VMEXIT codes into the
 * arch-neutral struct vmm_exit that the shared vCPU loop handles.
 */
#define pr_fmt(fmt) "vmm: svm: " fmt

#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/percpu.h>
#include <linux/mem_encrypt.h>
#include <linux/io.h>
#include <asm/svm.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/processor-flags.h>

#include "../vmm.h"
#include "../spec.h"
#include "../guest_time.h"

void vmm_svm_vmrun(u64 vmcb_pa, u64 *gprs, u64 host_save_pa);

#define IOPM_SIZE	(3 * PAGE_SIZE)
#define IOPM_ORDER	2
#define MSRPM_SIZE	(2 * PAGE_SIZE)
#define MSRPM_ORDER	1

/* VMCB clean bits (APM vol. 2, 15.15.3). */
#define VMCB_CLEAN_INTERCEPTS	BIT(0)
#define VMCB_CLEAN_PERM_MAP	BIT(1)
#define VMCB_CLEAN_ASID		BIT(2)
#define VMCB_CLEAN_INTR		BIT(3)
#define VMCB_CLEAN_NP		BIT(4)
#define VMCB_CLEAN_CR		BIT(5)
#define VMCB_CLEAN_DR		BIT(6)
#define VMCB_CLEAN_DT		BIT(7)
#define VMCB_CLEAN_SEG		BIT(8)
#define VMCB_CLEAN_CR2		BIT(9)
#define VMCB_CLEAN_LBR		BIT(10)
#define VMCB_CLEAN_ALL		GENMASK(10, 0)

#define NPF_PRESENT	BIT_ULL(0)
#define NPF_WRITE	BIT_ULL(1)
#define NPF_FETCH	BIT_ULL(4)
#define NPF_GPT		BIT_ULL(33)	/* on a guest page-table access */

#define svm_page_pa(p)	__sme_set(page_to_phys(p))

#define PAT_RESET	0x0007040600070406ULL

struct svm_cpu {
	struct page *hsave;		/* VM_HSAVE_PA: the CPU's own format */
	struct page *host_save;		/* VMSAVE/VMLOAD of host state */
	u64 host_save_pa;
	u64 host_tsc_aux;		/* read when SVM is turned on here */
	u32 next_asid;
	u64 asid_gen;
	bool flush_pending;		/* a new generation not yet flushed */
};

struct svm_vcpu {
	struct vmcb *vmcb;
	u64 vmcb_pa;
	int cpu;
	u32 asid;
	u64 asid_gen;
	u64 last_rip;			/* RIP the hardware last saw */
	u32 reinject;			/* EXITINTINFO to deliver again */
	u32 reinject_err;
	bool irq_window;		/* V_IRQ + VINTR intercept armed */
	bool posted;			/* V_IRQ with a vector (svm_irq_post) */
	/*
	 * An injected NMI is in service until the guest's IRET completes:
	 * the IRET intercept notes where it was, and the NMI mask lifts once
	 * the guest has been seen past it.
	 */
	bool nmi_masked;
	bool iret_seen;
	u64 iret_rip;
	bool need_flush;		/* nested mappings lost rights */
	/*
	 * TSC_AUX as the guest sees it through RDTSCP/RDPID. VMRUN does
	 * not switch it; the run does, so the guest never reads the host
	 * CPU's number.
	 */
	u32 tsc_aux;
};

static DEFINE_PER_CPU(struct svm_cpu, svm_cpu);
static bool svm_tsc_aux;		/* the CPU has RDTSCP or RDPID */
static void *svm_iopm;
static void *svm_msrpm;
static u32 svm_max_asid;
static bool svm_nrips, svm_decode_assists, svm_clean_bits;

/* ------------------------------------------------------------------ */
/* Nested page table entries: the host's long-mode format.             */
/* ------------------------------------------------------------------ */

#define NPT_P	BIT_ULL(0)
#define NPT_RW	BIT_ULL(1)
#define NPT_US	BIT_ULL(2)	/* nested walks are user accesses */
#define NPT_A	BIT_ULL(5)
#define NPT_D	BIT_ULL(6)
#define NPT_PS	BIT_ULL(7)

static u64 npt_table(u64 pa)
{
	return pa | NPT_P | NPT_RW | NPT_US | NPT_A;
}

static u64 npt_leaf(u64 pa, int level, bool writable)
{
	u64 e = pa | NPT_P | NPT_US | NPT_A | NPT_D;

	if (writable)
		e |= NPT_RW;
	if (level > 1)
		e |= NPT_PS;
	return e;
}

static bool npt_present(u64 e)
{
	return e & NPT_P;
}

static bool npt_large(u64 e)
{
	return e & NPT_PS;
}

static const struct vmm_pt_format svm_npt_format = {
	.table = npt_table,
	.leaf = npt_leaf,
	.present = npt_present,
	.large = npt_large,
};

/* ------------------------------------------------------------------ */
/* Per-CPU enable                                                      */
/* ------------------------------------------------------------------ */

static int svm_hw_enable(void)
{
	struct svm_cpu *c = this_cpu_ptr(&svm_cpu);
	u64 efer, vm_cr;

	rdmsrl(MSR_VM_CR, vm_cr);
	if (vm_cr & SVM_VM_CR_SVM_DIS_MASK)
		return -EOPNOTSUPP;
	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME)
		return -EBUSY;		/* someone else's hypervisor */
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	wrmsrl(MSR_VM_HSAVE_PA, svm_page_pa(c->hsave));
	/* ASIDs used before us may still be in the TLB: start a generation. */
	c->asid_gen++;
	c->next_asid = svm_max_asid + 1;
	c->flush_pending = true;
	/* The kernel set it at this CPU's bring-up (its number, for RDPID). */
	if (svm_tsc_aux)
		rdmsrl(MSR_TSC_AUX, c->host_tsc_aux);
	return 0;
}

static void svm_hw_disable(void)
{
	u64 efer;

	wrmsrl(MSR_VM_HSAVE_PA, 0);
	rdmsrl(MSR_EFER, efer);
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
}

/* ------------------------------------------------------------------ */
/* VMCB                                                                */
/* ------------------------------------------------------------------ */

static void svm_intercept(struct vmcb *vmcb, unsigned int bit)
{
	vmcb->control.intercepts[bit / 32] |= BIT(bit % 32);
}

static void svm_seg_set(struct vmcb_seg *d, const struct vmm_segment *s)
{
	d->selector = s->selector;
	d->attrib = s->attr & 0xfff;
	/* An unusable segment is a non-present one to SVM. */
	if (s->attr & VMM_SEG_UNUSABLE)
		d->attrib &= ~VMM_SEG_P;
	d->limit = s->limit;
	d->base = s->base;
}

static void svm_seg_get(struct vmm_segment *d, const struct vmcb_seg *s)
{
	d->selector = s->selector;
	d->attr = s->attrib & 0xfff;
	d->limit = s->limit;
	d->base = s->base;
}

static void svm_reset_guest(struct vmm_vcpu *v, struct svm_vcpu *s);
static void svm_post_end(struct vmm_vcpu *v, struct svm_vcpu *s);

static void svm_vmcb_init(struct vmm_vcpu *v, struct svm_vcpu *s)
{
	struct vmcb_control_area *c = &s->vmcb->control;
	static const unsigned int intercepts[] = {
		INTERCEPT_INTR, INTERCEPT_NMI, INTERCEPT_SMI, INTERCEPT_CPUID,
		INTERCEPT_INVD, INTERCEPT_HLT, INTERCEPT_INVLPGA,
		INTERCEPT_IOIO_PROT, INTERCEPT_MSR_PROT, INTERCEPT_TASK_SWITCH,
		INTERCEPT_SHUTDOWN, INTERCEPT_VMRUN, INTERCEPT_VMMCALL,
		INTERCEPT_VMLOAD, INTERCEPT_VMSAVE, INTERCEPT_STGI,
		INTERCEPT_CLGI, INTERCEPT_SKINIT, INTERCEPT_WBINVD,
		INTERCEPT_MONITOR, INTERCEPT_MWAIT, INTERCEPT_MWAIT_COND,
		INTERCEPT_XSETBV, INTERCEPT_RDPRU,
		INTERCEPT_RDPMC, INTERCEPT_RDTSCP,
		/* Every CR4 write is vetted (vmm_cr4_check). */
		INTERCEPT_CR4_WRITE,
		/* All debug registers: the guest's live in a shadow. */
		INTERCEPT_DR0_READ, INTERCEPT_DR1_READ, INTERCEPT_DR2_READ,
		INTERCEPT_DR3_READ, INTERCEPT_DR4_READ, INTERCEPT_DR5_READ,
		INTERCEPT_DR6_READ, INTERCEPT_DR7_READ,
		INTERCEPT_DR0_WRITE, INTERCEPT_DR1_WRITE, INTERCEPT_DR2_WRITE,
		INTERCEPT_DR3_WRITE, INTERCEPT_DR4_WRITE, INTERCEPT_DR5_WRITE,
		INTERCEPT_DR6_WRITE, INTERCEPT_DR7_WRITE,
		/* #DB and #AC can loop in microcode; #MC is the host's. */
		INTERCEPT_EXCEPTION_OFFSET + X86_EXC_DB,
		INTERCEPT_EXCEPTION_OFFSET + X86_EXC_AC,
		INTERCEPT_EXCEPTION_OFFSET + X86_EXC_MC,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(intercepts); i++)
		svm_intercept(s->vmcb, intercepts[i]);
	/*
	 * A guest that spins on PAUSE (3000 of them, each within 128 cycles
	 * of the last where the threshold exists: KVM's defaults) exits, so
	 * that a vCPU it waits for can run. Without the filter PAUSE runs.
	 */
	if (boot_cpu_has(X86_FEATURE_PAUSEFILTER)) {
		svm_intercept(s->vmcb, INTERCEPT_PAUSE);
		c->pause_filter_count = 3000;
		if (boot_cpu_has(X86_FEATURE_PFTHRESHOLD))
			c->pause_filter_thresh = 128;
	}
	c->iopm_base_pa = __sme_set(__pa(svm_iopm));
	c->msrpm_base_pa = __sme_set(__pa(svm_msrpm));
	c->int_ctl = V_INTR_MASKING_MASK;
	c->nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
	c->nested_cr3 = vmm_npt_root_pa(v->vm);
	c->clean = 0;
	s->vmcb->save.g_pat = PAT_RESET;
	svm_reset_guest(v, s);
}

static int svm_vcpu_init(struct vmm_vcpu *v)
{
	struct svm_vcpu *s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	struct page *p;

	if (!s)
		return -ENOMEM;
	p = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!p) {
		kfree(s);
		return -ENOMEM;
	}
	s->vmcb = page_address(p);
	s->vmcb_pa = svm_page_pa(p);
	s->cpu = -1;
	v->arch = s;
	svm_vmcb_init(v, s);
	return 0;
}

static void svm_vcpu_free(struct vmm_vcpu *v)
{
	struct svm_vcpu *s = v->arch;

	if (!s)
		return;
	vmm_spec_vcpu_gone(v);
	free_page((unsigned long)s->vmcb);
	kfree(s);
	v->arch = NULL;
}

static void svm_get_sregs(struct vmm_vcpu *v, struct vmm_sregs *r)
{
	struct svm_vcpu *s = v->arch;
	struct vmcb_save_area *st = &s->vmcb->save;

	svm_seg_get(&r->cs, &st->cs);
	svm_seg_get(&r->ds, &st->ds);
	svm_seg_get(&r->es, &st->es);
	svm_seg_get(&r->fs, &st->fs);
	svm_seg_get(&r->gs, &st->gs);
	svm_seg_get(&r->ss, &st->ss);
	svm_seg_get(&r->tr, &st->tr);
	svm_seg_get(&r->ldtr, &st->ldtr);
	r->gdt.base = st->gdtr.base;
	r->gdt.limit = st->gdtr.limit;
	r->idt.base = st->idtr.base;
	r->idt.limit = st->idtr.limit;
	r->cr0 = st->cr0;
	r->cr2 = st->cr2;
	r->cr3 = st->cr3;
	r->cr4 = st->cr4;
	r->efer = st->efer & ~EFER_SVME;
}

static void svm_set_sregs(struct vmm_vcpu *v, const struct vmm_sregs *r)
{
	struct svm_vcpu *s = v->arch;
	struct vmcb_save_area *st = &s->vmcb->save;

	svm_seg_set(&st->cs, &r->cs);
	svm_seg_set(&st->ds, &r->ds);
	svm_seg_set(&st->es, &r->es);
	svm_seg_set(&st->fs, &r->fs);
	svm_seg_set(&st->gs, &r->gs);
	svm_seg_set(&st->ss, &r->ss);
	svm_seg_set(&st->tr, &r->tr);
	svm_seg_set(&st->ldtr, &r->ldtr);
	st->gdtr.base = r->gdt.base;
	st->gdtr.limit = r->gdt.limit;
	st->idtr.base = r->idt.base;
	st->idtr.limit = r->idt.limit;
	st->cr0 = r->cr0;
	st->cr2 = r->cr2;
	st->cr3 = r->cr3;
	st->cr4 = r->cr4;
	st->efer = r->efer | EFER_SVME;
	st->cpl = (r->cr0 & X86_CR0_PE) ?
		  (r->ss.attr & VMM_SEG_DPL_MASK) >> VMM_SEG_DPL_SHIFT : 0;
	s->vmcb->control.clean = 0;
}

/* The guest state after RESET or INIT; caches enabled (CR0.CD/NW clear). */
static void svm_reset_guest(struct vmm_vcpu *v, struct svm_vcpu *s)
{
	struct vmcb_control_area *c = &s->vmcb->control;
	struct vmcb_save_area *st = &s->vmcb->save;

	svm_set_sregs(v, &vmm_reset_sregs);
	st->dr6 = X86_DR6_RESET;
	st->dr7 = X86_DR7_RESET;
	st->rflags = v->rflags;
	st->rip = v->rip;
	s->last_rip = v->rip;
	c->int_state = 0;
	c->event_inj = 0;
	c->int_ctl &= ~(V_IRQ_INJECTION_BITS_MASK | V_TPR_MASK);	/* CR8 0 */
	c->intercepts[INTERCEPT_VINTR / 32] &= ~BIT(INTERCEPT_VINTR % 32);
	s->irq_window = false;
	s->posted = false;
	s->reinject = 0;
	s->nmi_masked = false;
	s->iret_seen = false;
	c->intercepts[INTERCEPT_IRET / 32] &= ~BIT(INTERCEPT_IRET % 32);
	c->clean = 0;
}

static void svm_vcpu_reset(struct vmm_vcpu *v)
{
	svm_reset_guest(v, v->arch);
}

static void svm_get_mode(struct vmm_vcpu *v, struct vmm_cpu_mode *m)
{
	struct svm_vcpu *s = v->arch;
	struct vmcb_save_area *st = &s->vmcb->save;

	m->cr0 = st->cr0;
	m->cr3 = st->cr3;
	m->cr4 = st->cr4;
	m->efer = st->efer;
	m->cs_base = st->cs.base;
	m->cs_attr = st->cs.attrib;
	m->cpl = st->cpl;
}

/* ------------------------------------------------------------------ */
/* MSRs kept in the VMCB                                               */
/* ------------------------------------------------------------------ */

static bool svm_pat_valid(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 t = pat >> (8 * i);

		if (t > 7 || t == 2 || t == 3)
			return false;
	}
	return true;
}

static int svm_msr_read(struct vmm_vcpu *v, u32 index, u64 *val)
{
	struct vmcb_save_area *st = &((struct svm_vcpu *)v->arch)->vmcb->save;

	switch (index) {
	case MSR_EFER:
		*val = st->efer & ~EFER_SVME;
		return 0;
	case MSR_IA32_CR_PAT:
		*val = st->g_pat;
		return 0;
	case MSR_IA32_TSC:
		*val = rdtsc() + ((struct svm_vcpu *)v->arch)->vmcb->control.tsc_offset;
		return 0;
	case MSR_TSC_AUX:
		if (!svm_tsc_aux)
			return -ENOENT;
		*val = ((struct svm_vcpu *)v->arch)->tsc_aux;
		return 0;
	default:
		return -ENOENT;
	}
}

static int svm_msr_write(struct vmm_vcpu *v, u32 index, u64 val)
{
	struct svm_vcpu *s = v->arch;
	struct vmcb_save_area *st = &s->vmcb->save;
	u64 allowed = EFER_SCE | EFER_LME | EFER_LMA | EFER_NX;

	switch (index) {
	case MSR_EFER:
		if (val & ~allowed)
			return -EINVAL;
		/* LME may not change while paging is on. */
		if ((st->cr0 & X86_CR0_PG) && ((val ^ st->efer) & EFER_LME))
			return -EINVAL;
		st->efer = (val & ~EFER_LMA) | (st->efer & EFER_LMA) | EFER_SVME;
		s->vmcb->control.clean &= ~VMCB_CLEAN_CR;
		return 0;
	case MSR_IA32_CR_PAT:
		if (!svm_pat_valid(val))
			return -EINVAL;
		st->g_pat = val;
		s->vmcb->control.clean &= ~VMCB_CLEAN_NP;
		return 0;
	case MSR_IA32_TSC:
		s->vmcb->control.tsc_offset = val - rdtsc();
		WRITE_ONCE(v->tsc_offset, s->vmcb->control.tsc_offset);
		s->vmcb->control.clean &= ~VMCB_CLEAN_INTERCEPTS;
		return 0;
	case MSR_TSC_AUX:
		if (!svm_tsc_aux)
			return -ENOENT;
		if (val >> 32)
			return -EINVAL;
		s->tsc_aux = val;
		return 0;
	default:
		return -ENOENT;
	}
}

/* ------------------------------------------------------------------ */
/* Running                                                             */
/* ------------------------------------------------------------------ */

static void svm_new_asid(struct svm_vcpu *s, struct svm_cpu *c)
{
	if (c->next_asid > svm_max_asid) {
		c->asid_gen++;
		c->next_asid = 1;
		c->flush_pending = true;
	}
	s->asid = c->next_asid++;
	s->asid_gen = c->asid_gen;
	s->vmcb->control.asid = s->asid;
	s->vmcb->control.clean &= ~VMCB_CLEAN_ASID;
}

static void svm_inject(struct vmm_vcpu *v, struct svm_vcpu *s)
{
	struct vmcb_control_area *c = &s->vmcb->control;

	static const u32 type[] = {
		[VMM_EVENT_EXCEPTION] = SVM_EVTINJ_TYPE_EXEPT,
		[VMM_EVENT_IRQ] = SVM_EVTINJ_TYPE_INTR,
		[VMM_EVENT_NMI] = SVM_EVTINJ_TYPE_NMI,
	};

	if (v->event.valid) {
		c->event_inj = v->event.vector | SVM_EVTINJ_VALID |
			       type[v->event.type] |
			       (v->event.has_error ? SVM_EVTINJ_VALID_ERR : 0);
		c->event_inj_err = v->event.error;
		if (v->event.set_cr2) {
			s->vmcb->save.cr2 = v->event.cr2;
			c->clean &= ~VMCB_CLEAN_CR2;
		}
		if (v->event.type == VMM_EVENT_NMI) {
			s->nmi_masked = true;
			s->iret_seen = false;
			c->intercepts[INTERCEPT_IRET / 32] |= BIT(INTERCEPT_IRET % 32);
			c->clean &= ~VMCB_CLEAN_INTERCEPTS;
		}
		v->event.valid = false;
		/*
		 * An exception raised while delivering another replaces it
		 * (the instruction raises that one again); an acknowledged
		 * interrupt or NMI goes in at the next entry instead.
		 */
		if ((s->reinject & SVM_EXITINTINFO_TYPE_MASK) !=
		    SVM_EXITINTINFO_TYPE_INTR &&
		    (s->reinject & SVM_EXITINTINFO_TYPE_MASK) !=
		    SVM_EXITINTINFO_TYPE_NMI)
			s->reinject = 0;
	} else if (s->reinject) {
		c->event_inj = s->reinject;
		c->event_inj_err = s->reinject_err;
		s->reinject = 0;
	}
}

static void svm_decode_exit(struct vmm_vcpu *v, struct svm_vcpu *s)
{
	struct vmcb_control_area *c = &s->vmcb->control;
	struct vmm_exit *x = &v->exit;
	u64 code = c->exit_code | ((u64)c->exit_code_hi << 32);

	memset(x, 0, offsetof(struct vmm_exit, io));
	x->hw_reason = code;
	x->qual = c->exit_info_1;
	x->info2 = c->exit_info_2;
	if (svm_nrips && c->next_rip) {
		x->next_rip = c->next_rip;
		x->has_next_rip = true;
	}

	switch (code) {
	case SVM_EXIT_INTR:
		x->kind = VMM_X_NONE;
		x->stat = VMM_STAT_EXTINT;
		break;
	case SVM_EXIT_NMI:
		x->kind = VMM_X_NONE;
		x->stat = VMM_STAT_NMI;
		break;
	case SVM_EXIT_IRET:
		x->kind = VMM_X_NONE;
		x->stat = VMM_STAT_OTHER;
		s->iret_seen = true;
		s->iret_rip = v->rip;
		c->intercepts[INTERCEPT_IRET / 32] &= ~BIT(INTERCEPT_IRET % 32);
		c->clean &= ~VMCB_CLEAN_INTERCEPTS;
		break;
	case SVM_EXIT_VINTR:
		/* The window opened: the run loop injects now. */
		x->kind = VMM_X_NONE;
		x->stat = VMM_STAT_INTR_WINDOW;
		break;
	case SVM_EXIT_SMI:
		x->kind = VMM_X_NONE;
		x->stat = VMM_STAT_OTHER;
		break;
	case SVM_EXIT_CPUID:
		x->kind = VMM_X_CPUID;
		x->stat = VMM_STAT_CPUID;
		break;
	case SVM_EXIT_HLT:
		x->kind = VMM_X_HLT;
		x->stat = VMM_STAT_HLT;
		break;
	case SVM_EXIT_PAUSE:
		x->kind = VMM_X_PAUSE;
		x->stat = VMM_STAT_PAUSE;
		break;
	case SVM_EXIT_IOIO:
		x->kind = VMM_X_IO;
		x->stat = VMM_STAT_IO;
		x->io.port = c->exit_info_1 >> 16;
		x->io.in = c->exit_info_1 & SVM_IOIO_TYPE_MASK;
		x->io.string = c->exit_info_1 & SVM_IOIO_STR_MASK;
		x->io.rep = c->exit_info_1 & SVM_IOIO_REP_MASK;
		/* One-hot SZ8/SZ16/SZ32 bits read as the size in bytes. */
		x->io.size = (c->exit_info_1 & SVM_IOIO_SIZE_MASK) >>
			     SVM_IOIO_SIZE_SHIFT;
		/* I/O intercepts always report the next RIP. */
		x->next_rip = c->exit_info_2;
		x->has_next_rip = true;
		break;
	case SVM_EXIT_MSR:
		x->kind = c->exit_info_1 ? VMM_X_MSR_WRITE : VMM_X_MSR_READ;
		x->stat = c->exit_info_1 ? VMM_STAT_MSR_WRITE : VMM_STAT_MSR_READ;
		break;
	case SVM_EXIT_NPF:
		x->kind = VMM_X_NPF;
		x->npf.gpa = c->exit_info_2;
		x->npf.present = c->exit_info_1 & NPF_PRESENT;
		x->npf.write = c->exit_info_1 & NPF_WRITE;
		x->npf.fetch = c->exit_info_1 & NPF_FETCH;
		x->npf.gpt = c->exit_info_1 & NPF_GPT;
		x->stat = VMM_STAT_NPF;	/* MMIO: vmm_handle_npf says */
		x->npf.insn_len = 0;
		if (svm_decode_assists && c->insn_len <= sizeof(x->npf.insn)) {
			x->npf.insn_len = c->insn_len;
			memcpy(x->npf.insn, c->insn_bytes, c->insn_len);
		}
		/* The faulting instruction is emulated: no next RIP. */
		x->has_next_rip = false;
		break;
	case SVM_EXIT_VMMCALL:
		x->kind = VMM_X_HYPERCALL;
		x->stat = VMM_STAT_HYPERCALL;
		break;
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA:
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
	case SVM_EXIT_MWAIT_COND:
	case SVM_EXIT_RDPRU:
	case SVM_EXIT_RDTSCP:	/* hidden: TSC_AUX is the host's */
		x->kind = VMM_X_INVALID_OP;
		x->stat = VMM_STAT_INVALID_OP;
		break;
	case SVM_EXIT_XSETBV:
		/* XSAVE is hidden from the guest, so XSETBV is #UD. */
		x->kind = VMM_X_INVALID_OP;
		x->stat = VMM_STAT_XSETBV;
		break;
	case SVM_EXIT_INVD:
	case SVM_EXIT_WBINVD:
		x->kind = VMM_X_SKIP;
		x->stat = VMM_STAT_INVD;
		break;
	case SVM_EXIT_READ_DR0 ... SVM_EXIT_READ_DR7:
	case SVM_EXIT_WRITE_DR0 ... SVM_EXIT_WRITE_DR7:
		x->kind = VMM_X_DR_ACCESS;
		x->stat = VMM_STAT_OTHER;
		break;
	case SVM_EXIT_RDPMC:
		/* No PMU is offered: the guest may not read the host's. */
		x->kind = VMM_X_NONE;
		x->stat = VMM_STAT_OTHER;
		vmm_inject_exception(v, X86_EXC_GP, true, 0);
		break;
	case SVM_EXIT_EXCP_BASE + X86_EXC_DB:
		x->kind = VMM_X_EXCEPTION;
		x->stat = VMM_STAT_EXCEPTION;
		x->exc.vector = X86_EXC_DB;
		x->exc.has_error = false;
		x->exc.dr6 = s->vmcb->save.dr6;
		s->vmcb->save.dr6 = X86_DR6_RESET;
		s->vmcb->control.clean &= ~VMCB_CLEAN_DR;
		break;
	case SVM_EXIT_EXCP_BASE + X86_EXC_AC:
		x->kind = VMM_X_EXCEPTION;
		x->stat = VMM_STAT_EXCEPTION;
		x->exc.vector = X86_EXC_AC;
		x->exc.has_error = true;
		x->exc.error = c->exit_info_1;
		break;
	case SVM_EXIT_EXCP_BASE + X86_EXC_MC:
		/* Handed to the host at the exit (svm_vcpu_run). */
		x->kind = VMM_X_NONE;
		x->stat = VMM_STAT_EXCEPTION;
		break;
	case SVM_EXIT_SHUTDOWN:
		x->kind = VMM_X_SHUTDOWN;
		x->stat = VMM_STAT_SHUTDOWN;
		break;
	case SVM_EXIT_ERR:
		x->kind = VMM_X_ENTRY_FAIL;
		x->stat = VMM_STAT_ENTRY_FAIL;
		break;
	case SVM_EXIT_WRITE_CR4:
		x->kind = VMM_X_CR4_WRITE;
		x->stat = VMM_STAT_CR_ACCESS;
		break;
	case SVM_EXIT_TASK_SWITCH:
		x->kind = VMM_X_UNHANDLED;
		x->stat = VMM_STAT_TASK_SWITCH;
		break;
	default:
		x->kind = VMM_X_UNHANDLED;
		x->stat = VMM_STAT_OTHER;
		break;
	}

	/* An event whose delivery was cut short goes in again, except a
	 * software interrupt, which is simply executed again. */
	x->vectoring = c->exit_int_info & SVM_EXITINTINFO_VALID;
	if ((c->exit_int_info & SVM_EXITINTINFO_VALID) &&
	    (c->exit_int_info & SVM_EXITINTINFO_TYPE_MASK) !=
	    SVM_EXITINTINFO_TYPE_SOFT) {
		s->reinject = c->exit_int_info;
		s->reinject_err = c->exit_int_info_err;
	}
}

/*
 * Start of a batch of runs, preemption off: what VMLOAD restores after each
 * exit (FS/GS/TR/LDTR, KernelGSBase, the syscall MSRs) cannot change until
 * the batch ends, so it is saved once here rather than on every entry.
 */
static void svm_prepare(struct vmm_vcpu *v)
{
	u64 pa = this_cpu_read(svm_cpu.host_save_pa);
	unsigned long flags;

	/* Reboot clears EFER.SVME by IPI: with interrupts off it cannot
	 * come between the look at the flag and VMSAVE. */
	local_irq_save(flags);
	if (!READ_ONCE(vmm_going_down))
		asm volatile("vmsave %%rax" : : "a" (pa) : "memory");
	local_irq_restore(flags);
}

static int svm_vcpu_run(struct vmm_vcpu *v)
{
	struct svm_vcpu *s = v->arch;
	struct vmcb *vmcb = s->vmcb;
	struct svm_cpu *c;
	int cpu;

	/* The caller holds the FPU (vmm_guest_fpu_load): no preemption. */
	cpu = smp_processor_id();
	c = this_cpu_ptr(&svm_cpu);
	if (s->cpu != cpu) {
		/* The VMCB state cached by another CPU is not ours to trust. */
		vmm_spec_vcpu_load(v, s->cpu >= 0);
		vmcb->control.clean = 0;
		s->cpu = cpu;
		svm_new_asid(s, c);
	} else if (s->asid_gen != c->asid_gen || s->need_flush) {
		/* A fresh ASID holds no translation of the old mappings. */
		svm_new_asid(s, c);
	}
	s->need_flush = false;
	vmm_spec_vcpu_load(v, false);

	local_irq_disable();
	/* Reboot or kexec cleared EFER.SVME under us: stop entering. */
	if (unlikely(READ_ONCE(vmm_going_down))) {
		local_irq_enable();
		return -EIO;
	}
	if (!vmm_vcpu_enter_guest_mode(v, cpu)) {
		local_irq_enable();
		return VMM_RUN_CANCELLED;
	}
	/*
	 * ASIDs were recycled on this CPU: flush them all on the first VMRUN
	 * that really enters a guest (a refused one flushes nothing).
	 */
	if (c->flush_pending)
		vmcb->control.tlb_ctl = TLB_CONTROL_FLUSH_ALL_ASID;
	svm_inject(v, s);
	if (v->rip != s->last_rip)	/* emulated an instruction */
		vmcb->control.int_state &= ~SVM_INTERRUPT_SHADOW_MASK;
	vmcb->save.rax = v->gprs[0];
	vmcb->save.rsp = v->gprs[4];
	vmcb->save.rip = v->rip;
	vmcb->save.rflags = v->rflags;

	vmm_guest_time_enter();
	/* Interrupts off: nothing on this CPU reads TSC_AUX until restored. */
	if (svm_tsc_aux && s->tsc_aux != c->host_tsc_aux)
		wrmsrl(MSR_TSC_AUX, s->tsc_aux);
	vmm_svm_vmrun(s->vmcb_pa, v->gprs, c->host_save_pa);
	if (svm_tsc_aux && s->tsc_aux != c->host_tsc_aux) {
		wrmsrl(MSR_TSC_AUX, c->host_tsc_aux);
		vmm_spec_ran(VMM_SPEC_TSC_AUX);
	}
	vmm_spec_after_exit(true);
	v->exit_tsc = rdtsc();
	WRITE_ONCE(v->guest_cpu, -1);
	/* A machine check that hit the guest is the host's to handle. */
	if (vmcb->control.exit_code == SVM_EXIT_EXCP_BASE + X86_EXC_MC)
		asm volatile("int $0x12");
	if (vmcb->control.exit_code != (u32)SVM_EXIT_ERR)
		c->flush_pending = false;
	vmm_guest_time_exit_irq_enable();
	/* #VMEXIT leaves DR7 at its reset value. */
	if (hw_breakpoint_active())
		hw_breakpoint_restore();

	vmcb->control.clean = svm_clean_bits ? VMCB_CLEAN_ALL : 0;
	if (s->posted)
		svm_post_end(v, s);
	vmcb->control.tlb_ctl = TLB_CONTROL_DO_NOTHING;
	vmcb->control.event_inj = 0;
	v->gprs[0] = vmcb->save.rax;
	v->gprs[4] = vmcb->save.rsp;
	v->rip = vmcb->save.rip;
	v->rflags = vmcb->save.rflags;
	s->last_rip = v->rip;
	svm_decode_exit(v, s);
	return 0;
}

static bool svm_irq_allowed(struct vmm_vcpu *v)
{
	struct svm_vcpu *s = v->arch;
	bool shadow = (s->vmcb->control.int_state & SVM_INTERRUPT_SHADOW_MASK) &&
		      v->rip == s->last_rip;

	return (v->rflags & X86_EFLAGS_IF) && !shadow && !s->reinject;
}

/*
 * A virtual interrupt request the guest takes as soon as it can, which
 * the VINTR intercept turns into an exit before it is taken.
 */
/* V_IRQ and its vector cleared: the post is over. */
static void svm_drop_post(struct svm_vcpu *s)
{
	struct vmcb_control_area *c = &s->vmcb->control;

	s->posted = false;
	c->int_ctl &= ~V_IRQ_INJECTION_BITS_MASK;
	c->clean &= ~VMCB_CLEAN_INTR;
}

static void svm_irq_window(struct vmm_vcpu *v, bool on)
{
	struct svm_vcpu *s = v->arch;
	struct vmcb_control_area *c = &s->vmcb->control;

	if (unlikely(s->posted))	/* a post that did not enter */
		svm_drop_post(s);
	if (s->irq_window == on)
		return;
	s->irq_window = on;
	if (on) {
		c->int_ctl |= V_IRQ_MASK | V_IGN_TPR_MASK |
			      (0xf << V_INTR_PRIO_SHIFT);
		c->intercepts[INTERCEPT_VINTR / 32] |= BIT(INTERCEPT_VINTR % 32);
	} else {
		c->int_ctl &= ~V_IRQ_INJECTION_BITS_MASK;
		c->intercepts[INTERCEPT_VINTR / 32] &= ~BIT(INTERCEPT_VINTR % 32);
	}
	c->clean &= ~(VMCB_CLEAN_INTERCEPTS | VMCB_CLEAN_INTR);
}

/*
 * The virtual interrupt itself, without the VINTR intercept: the guest
 * takes the vector through its IDT once EFLAGS.IF is set, no interrupt
 * shadow holds and V_TPR (its CR8) is below the vector's class, and the
 * CPU clears V_IRQ as it does. Not while an event is to be delivered
 * again: that goes in first, by EVENTINJ.
 */
static bool svm_irq_post(struct vmm_vcpu *v, u8 vector)
{
	struct svm_vcpu *s = v->arch;
	struct vmcb_control_area *c = &s->vmcb->control;

	if (s->reinject)
		return false;
	svm_irq_window(v, false);
	c->int_ctl = (c->int_ctl & ~V_IRQ_INJECTION_BITS_MASK) | V_IRQ_MASK |
		     ((u32)(vector >> 4) << V_INTR_PRIO_SHIFT);
	c->int_vector = vector;
	c->clean &= ~VMCB_CLEAN_INTR;
	s->posted = true;
	return true;
}

/*
 * After the exit: the guest took the posted vector if V_IRQ is clear, or
 * if the exit came while delivering it (EXITINTINFO names it: it goes in
 * again by EVENTINJ, svm_decode_exit). Else it is still pending and
 * dropped here; the next entry decides again.
 */
static void svm_post_end(struct vmm_vcpu *v, struct svm_vcpu *s)
{
	struct vmcb_control_area *c = &s->vmcb->control;
	u32 ii = c->exit_int_info;

	v->post_taken = !(c->int_ctl & V_IRQ_MASK) ||
			((ii & SVM_EXITINTINFO_VALID) &&
			 (ii & SVM_EXITINTINFO_TYPE_MASK) ==
			 SVM_EXITINTINFO_TYPE_INTR &&
			 (ii & SVM_EXITINTINFO_VEC_MASK) == c->int_vector);
	svm_drop_post(s);
}

static bool svm_in_shadow(struct vmm_vcpu *v)
{
	struct svm_vcpu *s = v->arch;

	return s->vmcb->control.int_state & SVM_INTERRUPT_SHADOW_MASK;
}

static bool svm_nmi_allowed(struct vmm_vcpu *v)
{
	struct svm_vcpu *s = v->arch;
	bool shadow = (s->vmcb->control.int_state & SVM_INTERRUPT_SHADOW_MASK) &&
		      v->rip == s->last_rip;

	if (s->nmi_masked && s->iret_seen && v->rip != s->iret_rip)
		s->nmi_masked = false;
	return !s->nmi_masked && !shadow && !s->reinject;
}

static void svm_flush_tlb(struct vmm_vcpu *v)
{
	struct svm_vcpu *s = v->arch;

	s->need_flush = true;
}

/* The intercepted MOV to CR4 (vcpu.c decodes it). */
static int svm_set_cr4(struct vmm_vcpu *v, u64 val)
{
	struct svm_vcpu *s = v->arch;
	struct vmcb_save_area *st = &s->vmcb->save;

	if (vmm_cr4_check(st->cr4, val, st->efer))
		return -EINVAL;
	st->cr4 = val;
	s->vmcb->control.clean &= ~VMCB_CLEAN_CR;
	/* The CPU flushes on a CR4 write; this one it did not execute. */
	s->need_flush = true;
	return 0;
}

const struct vmm_engine_ops vmm_svm_ops = {
	.name = "svm",
	.hw_enable = svm_hw_enable,
	.hw_disable = svm_hw_disable,
	.pt_format = &svm_npt_format,
	.vcpu_init = svm_vcpu_init,
	.vcpu_free = svm_vcpu_free,
	.vcpu_reset = svm_vcpu_reset,
	.get_sregs = svm_get_sregs,
	.set_sregs = svm_set_sregs,
	.get_mode = svm_get_mode,
	.prepare = svm_prepare,
	.run = svm_vcpu_run,
	.msr_read = svm_msr_read,
	.msr_write = svm_msr_write,
	.irq_allowed = svm_irq_allowed,
	.nmi_allowed = svm_nmi_allowed,
	.irq_window = svm_irq_window,
	.irq_post = svm_irq_post,
	.in_shadow = svm_in_shadow,
	.flush_tlb = svm_flush_tlb,
	.set_cr4 = svm_set_cr4,
	.overhead_per_vcpu = sizeof(struct svm_vcpu) + PAGE_SIZE,
};

/* ------------------------------------------------------------------ */
/* Module-wide setup                                                   */
/* ------------------------------------------------------------------ */

/* Let the guest use an MSR natively (the VMCB switches its state). */
static void svm_msr_passthrough(u32 msr, bool read, bool write)
{
	static const struct { u32 base; u32 offset; } ranges[] = {
		{ 0x00000000, 0x0000 },
		{ 0xc0000000, 0x0800 },
		{ 0xc0010000, 0x1000 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ranges); i++) {
		u32 n = msr - ranges[i].base;
		u8 *byte;

		if (n >= 0x2000)
			continue;
		byte = (u8 *)svm_msrpm + ranges[i].offset + n / 4;
		if (read)
			*byte &= ~BIT(2 * (n % 4));
		if (write)
			*byte &= ~BIT(2 * (n % 4) + 1);
		return;
	}
}

int vmm_svm_probe(void)
{
	u64 vm_cr;

	if (!boot_cpu_has(X86_FEATURE_SVM) || !boot_cpu_has(X86_FEATURE_NPT))
		return -EOPNOTSUPP;
	rdmsrl(MSR_VM_CR, vm_cr);
	if (vm_cr & SVM_VM_CR_SVM_DIS_MASK) {
		pr_err("SVM is disabled by the firmware\n");
		return -EOPNOTSUPP;
	}
	return 0;
}

void vmm_svm_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct svm_cpu *c = per_cpu_ptr(&svm_cpu, cpu);

		if (c->hsave)
			__free_page(c->hsave);
		if (c->host_save)
			__free_page(c->host_save);
		c->hsave = NULL;
		c->host_save = NULL;
	}
	if (svm_iopm)
		free_pages((unsigned long)svm_iopm, IOPM_ORDER);
	if (svm_msrpm)
		free_pages((unsigned long)svm_msrpm, MSRPM_ORDER);
	svm_iopm = NULL;
	svm_msrpm = NULL;
}

int vmm_svm_init(void)
{
	static const u32 native_msrs[] = {
		MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_STAR,
		MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK, MSR_IA32_SYSENTER_CS,
		MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	};
	unsigned int i;
	int cpu;

	/* ASID 0 is the host's: a guest needs at least one more. */
	if (cpuid_ebx(SVM_CPUID_FUNC) < 2)
		return -EOPNOTSUPP;
	svm_max_asid = cpuid_ebx(SVM_CPUID_FUNC) - 1;
	svm_nrips = boot_cpu_has(X86_FEATURE_NRIPS);
	svm_decode_assists = boot_cpu_has(X86_FEATURE_DECODEASSISTS);
	svm_clean_bits = boot_cpu_has(X86_FEATURE_VMCBCLEAN);
	svm_tsc_aux = boot_cpu_has(X86_FEATURE_RDTSCP) ||
		      boot_cpu_has(X86_FEATURE_RDPID);

	for_each_possible_cpu(cpu) {
		struct svm_cpu *c = per_cpu_ptr(&svm_cpu, cpu);
		int node = cpu_to_node(cpu);

		c->hsave = alloc_pages_node(node, GFP_KERNEL | __GFP_ZERO, 0);
		c->host_save = alloc_pages_node(node, GFP_KERNEL | __GFP_ZERO, 0);
		if (!c->hsave || !c->host_save)
			goto nomem;
		c->host_save_pa = svm_page_pa(c->host_save);
	}

	/* Every port and every MSR exits unless listed. */
	svm_iopm = (void *)__get_free_pages(GFP_KERNEL, IOPM_ORDER);
	svm_msrpm = (void *)__get_free_pages(GFP_KERNEL, MSRPM_ORDER);
	if (!svm_iopm || !svm_msrpm)
		goto nomem;
	memset(svm_iopm, 0xff, PAGE_SIZE << IOPM_ORDER);
	memset(svm_msrpm, 0xff, PAGE_SIZE << MSRPM_ORDER);
	for (i = 0; i < ARRAY_SIZE(native_msrs); i++)
		svm_msr_passthrough(native_msrs[i], true, true);

	pr_info("%u ASIDs, nrips %d, decode assists %d, clean bits %d, %d-level NPT\n",
		svm_max_asid, svm_nrips, svm_decode_assists, svm_clean_bits,
		pgtable_l5_enabled() ? 5 : 4);
	return 0;

nomem:
	vmm_svm_exit();
	return -ENOMEM;
}
