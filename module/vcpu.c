// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU: its fd, register access with validation, and the arch-neutral
 * run loop. Engines enter the guest and describe each exit in struct
 * vmm_exit; everything that does not depend on VMX or SVM (CPUID policy,
 * MSR policy, port and MMIO dispatch, hypercalls, instruction decoding)
 * is handled here.
 */
#define pr_fmt(fmt) "vmm: " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/processor.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/pkru.h>

#include "vmm.h"
#include "spec.h"
#include "pc.h"
#include "core/cpuid.h"
#define CREATE_TRACE_POINTS
#include "trace.h"
#include "emulate.h"

#define RFLAGS_RESERVED	(GENMASK_ULL(63, 22) | BIT(15) | BIT(5) | BIT(3))

/* ------------------------------------------------------------------ */
/* Register access                                                     */
/* ------------------------------------------------------------------ */

static void vmm_get_regs(struct vmm_vcpu *v, struct vmm_regs *r)
{
	BUILD_BUG_ON(offsetof(struct vmm_regs, r15) != 15 * 8);
	memcpy(r, v->gprs, sizeof(v->gprs));
	r->rip = v->rip;
	r->rflags = v->rflags;
}

static int vmm_set_regs(struct vmm_vcpu *v, const struct vmm_regs *r)
{
	if ((r->rflags & RFLAGS_RESERVED) || !(r->rflags & X86_EFLAGS_FIXED))
		return -EINVAL;
	memcpy(v->gprs, r, sizeof(v->gprs));
	v->rip = r->rip;
	v->rflags = r->rflags;
	return 0;
}

static bool vmm_seg_valid(const struct vmm_segment *s)
{
	return !(s->attr & ~VMM_SEG_ATTR_VALID) && !s->pad && !s->pad2;
}

/* The checks a VM entry would make, done up front with a clear EINVAL. */
static int vmm_check_sregs(const struct vmm_sregs *s)
{
	const struct vmm_segment *segs[] = {
		&s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss, &s->tr, &s->ldtr,
	};
	u64 efer_ok = EFER_SCE | EFER_LME | EFER_LMA | EFER_NX;
	bool pg = s->cr0 & X86_CR0_PG;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(segs); i++)
		if (!vmm_seg_valid(segs[i]))
			return -EINVAL;
	if (s->gdt.pad[0] || s->gdt.pad[1] || s->gdt.pad[2] ||
	    s->idt.pad[0] || s->idt.pad[1] || s->idt.pad[2])
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(s->reserved); i++)
		if (s->reserved[i])
			return -EINVAL;

	if (s->cr0 >> 32)
		return -EINVAL;
	if (pg && !(s->cr0 & X86_CR0_PE))
		return -EINVAL;
	if ((s->cr0 & X86_CR0_NW) && !(s->cr0 & X86_CR0_CD))
		return -EINVAL;
	if (s->cr4 & ~vmm_cr4_allowed())
		return -EINVAL;
	if ((s->cr4 & X86_CR4_PCIDE) && !(s->efer & EFER_LMA))
		return -EINVAL;
	if (s->cr3 >> boot_cpu_data.x86_phys_bits && !(s->cr4 & X86_CR4_PCIDE))
		return -EINVAL;
	if (s->efer & ~efer_ok)
		return -EINVAL;
	/* LMA is LME && PG; long mode needs PAE; L and D may not both be 1. */
	if (!!(s->efer & EFER_LMA) != ((s->efer & EFER_LME) && pg))
		return -EINVAL;
	if ((s->efer & EFER_LMA) && !(s->cr4 & X86_CR4_PAE))
		return -EINVAL;
	if ((s->efer & EFER_LMA) && (s->cs.attr & VMM_SEG_L) &&
	    (s->cs.attr & VMM_SEG_DB))
		return -EINVAL;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Events and instruction decoding                                     */
/* ------------------------------------------------------------------ */

/*
 * The state after RESET or INIT (SDM vol. 3, 10.1.1), with caches enabled
 * (CR0.CD/NW clear): real mode at F000:FFF0, CS based at 0xffff0000.
 */
const struct vmm_sregs vmm_reset_sregs = {
	.cs = { .selector = 0xf000, .base = 0xffff0000, .limit = 0xffff,
		.attr = 0x9b },
	.ds = { .limit = 0xffff, .attr = 0x93 },
	.es = { .limit = 0xffff, .attr = 0x93 },
	.fs = { .limit = 0xffff, .attr = 0x93 },
	.gs = { .limit = 0xffff, .attr = 0x93 },
	.ss = { .limit = 0xffff, .attr = 0x93 },
	.tr = { .limit = 0xffff, .attr = 0x8b },
	.ldtr = { .limit = 0xffff, .attr = 0x82 },
	.gdt = { .limit = 0xffff },
	.idt = { .limit = 0xffff },
	.cr0 = X86_CR0_ET,
};

/* The registers the vCPU itself keeps, as after RESET or INIT. */
static void vmm_vcpu_regs_reset(struct vmm_vcpu *v)
{
	memset(v->gprs, 0, sizeof(v->gprs));
	memset(v->dr, 0, sizeof(v->dr));
	v->rflags = X86_EFLAGS_FIXED;
	v->rip = 0xfff0;
	v->dr6 = X86_DR6_RESET;
	v->dr7 = X86_DR7_RESET;
	v->event.valid = false;
	v->pending = VMM_PEND_NONE;
	v->mmio_cache.valid = false;
	WRITE_ONCE(v->nmi_pending, false);
	v->nmi_blocked = false;
	v->posted_vec = -1;
}

/* INIT: like RESET, but x87/SSE state and the MSRs stay (SDM 10.1). */
void vmm_vcpu_reset(struct vmm_vcpu *v)
{
	vmm_vcpu_regs_reset(v);
	vmm_ops->vcpu_reset(v);
	vmm_pvclock_reset(v);
}

void vmm_inject_exception(struct vmm_vcpu *v, u8 vector, bool has_error,
			  u32 error)
{
	v->event.valid = true;
	v->event.type = VMM_EVENT_EXCEPTION;
	v->event.set_cr2 = false;
	v->event.vector = vector;
	v->event.has_error = has_error;
	v->event.error = error;
}

void vmm_vm_kick_all(struct vmm_vm *vm)
{
	unsigned int i;

	for (i = 0; i < VMM_MAX_VCPUS; i++) {
		struct vmm_vcpu *v = READ_ONCE(vm->vcpus[i]);

		if (v)
			vmm_vcpu_kick(v);
	}
}

/*
 * tlb_gen is checked before each entry (vmm_vcpu_run). A locked add:
 * bumps made under different locks (PAM, BAR moves, the balloon) never
 * merge into one, and the entries' stores are ordered before it.
 */
void vmm_vm_flush_tlbs(struct vmm_vm *vm)
{
	(void)xadd(&vm->tlb_gen, 1);
	vmm_vm_kick_all(vm);
}

/*
 * A device made an interrupt (or a system event) due for v: make it look.
 * Any context; see struct vmm_vcpu for the protocol with the run loop.
 */
void vmm_vcpu_kick(struct vmm_vcpu *v)
{
	int cpu;

	WRITE_ONCE(v->kicked, true);
	smp_mb();	/* kicked before guest_cpu: pairs with the entry side */
	rcuwait_wake_up(&v->wait);
	cpu = READ_ONCE(v->guest_cpu);
	if (cpu >= 0 && cpu != raw_smp_processor_id())
		smp_send_reschedule(cpu);
}

bool vmm_vcpu_enter_guest_mode(struct vmm_vcpu *v, int cpu)
{
	WRITE_ONCE(v->guest_cpu, cpu);
	smp_mb();	/* guest_cpu before kicked: pairs with vmm_vcpu_kick */
	if (READ_ONCE(v->kicked) && v->vm->pc) {
		WRITE_ONCE(v->guest_cpu, -1);
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Exit handlers: each returns an enum vmm_next or a negative errno     */
/* ------------------------------------------------------------------ */

static void vmm_host_cpuid(u32 leaf, u32 subleaf, struct cpuid_regs *r)
{
	cpuid_count(leaf, subleaf, &r->eax, &r->ebx, &r->ecx, &r->edx);
}

/*
 * Each vCPU memoises what it answered for (leaf, subleaf): the host CPUID
 * behind the policy is slow on silicon and traps when the host is itself a
 * guest, and a guest must keep seeing the same answers even if the host
 * CPU that runs it next would answer differently (hybrid cores).
 */
static void vmm_cpuid_cached(struct vmm_vcpu *v, u32 leaf, u32 subleaf,
			     struct cpuid_regs *r)
{
	struct vmm_cpuid_entry *e;

	e = &v->cpuid_cache[(leaf ^ (leaf >> 24) ^ (subleaf * 7)) %
			    VMM_CPUID_CACHE];
	if (e->valid && e->leaf == leaf && e->subleaf == subleaf) {
		*r = e->regs;
		return;
	}
	vmm_cpuid_guest(leaf, subleaf, v->id, vmm_host_cpuid, r);
	/* A PC's local APIC has x2APIC mode and the TSC-deadline timer. */
	if (leaf == 1 && v->vm->pc)
		r->ecx |= CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DEADLINE;
	/* KVM's clock leaves, after our own (core/pvclock.h) */
	if ((leaf & ~0xffu) == PVCLOCK_CPUID_BASE && v->vm->pv_clock) {
		vmm_pvclock_cpuid(leaf, &r->eax, &r->ebx, &r->ecx, &r->edx);
		if (leaf == PVCLOCK_CPUID_FEATURES && v->vm->pv_eoi)
			r->eax |= PVCLOCK_FEAT_PV_EOI;
	}
	e->leaf = leaf;
	e->subleaf = subleaf;
	e->regs = *r;
	e->valid = true;
}

static int vmm_handle_cpuid(struct vmm_vcpu *v, struct vmm_run *run)
{
	struct cpuid_regs r;

	vmm_cpuid_cached(v, (u32)v->gprs[0], (u32)v->gprs[1], &r);
	v->gprs[0] = r.eax;
	v->gprs[3] = r.ebx;
	v->gprs[1] = r.ecx;
	v->gprs[2] = r.edx;
	return vmm_finish_insn(v, run);
}

static void vmm_set_reg_sized(u64 *reg, u8 size, u64 val)
{
	switch (size) {
	case 1:
		*reg = (*reg & ~0xffULL) | (val & 0xff);
		break;
	case 2:
		*reg = (*reg & ~0xffffULL) | (val & 0xffff);
		break;
	default:
		*reg = (u32)val;	/* 32-bit writes zero-extend */
		break;
	}
}

static int vmm_handle_io(struct vmm_vcpu *v, struct vmm_run *run)
{
	struct vmm_exit *x = &v->exit;
	u32 data = 0;

	if (x->io.string)
		return vmm_handle_string_io(v, run);
	if (x->io.rep)
		return vmm_internal_error(v, run, VMM_INTERNAL_UNSUPPORTED_IO,
					  x->io.port);

	if (!x->io.in)
		data = (u32)v->gprs[0];
	if (vmm_pio_dispatch(v->vm, x->io.port, x->io.in, x->io.size, &data)) {
		if (x->io.in)
			vmm_set_reg_sized(&v->gprs[0], x->io.size, data);
		return vmm_finish_insn(v, run);
	}

	/* Nobody in the kernel owns the port: userspace completes it. */
	if (vmm_finish_insn(v, run) == VMM_NEXT_USER)
		return VMM_NEXT_USER;		/* internal error */
	if (v->event.valid)
		return VMM_NEXT_GUEST;		/* fetching the instruction faulted */
	run->exit_reason = VMM_EXIT_IO;
	run->io.port = x->io.port;
	run->io.size = x->io.size;
	run->io.direction = x->io.in ? VMM_IO_IN : VMM_IO_OUT;
	run->io.data = x->io.in ? 0 : data & GENMASK_ULL(x->io.size * 8 - 1, 0);
	if (x->io.in) {
		v->pending = VMM_PEND_IO_IN;
		v->pending_io_size = x->io.size;
	}
	return VMM_NEXT_USER;
}

static int vmm_msr_read(struct vmm_vcpu *v, u32 index, u64 *val)
{
	int r = vmm_call(msr_read)(v, index, val);

	if (r != -ENOENT)
		return r;
	if (v->vm->pc) {
		r = vmm_pc_msr_read(v, index, val);
		if (r != -ENOENT)
			return r;
		r = vmm_pvclock_msr_read(v, index, val);
		if (r != -ENOENT)
			return r;
	}
	switch (index) {
	case MSR_IA32_APICBASE:
		*val = APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE |
		       (v->id == 0 ? MSR_IA32_APICBASE_BSP : 0);
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*val = MSR_IA32_MISC_ENABLE_FAST_STRING;
		return 0;
	case MSR_MTRRdefType:
		*val = v->mtrr_def_type;
		return 0;
	case MSR_MTRRcap:
	case MSR_AMD64_NB_CFG:		/* Linux's amd_bus reads it */
	case MSR_IA32_UCODE_REV:
	case MSR_K7_HWCR:
	case MSR_IA32_PLATFORM_ID:
	case MSR_IA32_MCG_CAP:
	case MSR_IA32_MCG_STATUS:
		*val = 0;
		return 0;
	default:
		return -EINVAL;
	}
}

static int vmm_msr_write(struct vmm_vcpu *v, u32 index, u64 val)
{
	int r = vmm_call(msr_write)(v, index, val);

	if (r != -ENOENT) {
		/* a new TSC offset moves the clock page's timestamp */
		if (!r && index == MSR_IA32_TSC)
			vmm_pvclock_update(v);
		return r;
	}
	if (v->vm->pc) {
		r = vmm_pc_msr_write(v, index, val);
		if (r != -ENOENT)
			return r;
		r = vmm_pvclock_msr_write(v, index, val);
		if (r != -ENOENT)
			return r;
	}
	switch (index) {
	case MSR_MTRRdefType:
		/*
		 * MTRRcap offers no ranges: only the default type and the
		 * enable bits are kept (guest memory is write-back anyway).
		 */
		if (val & ~0xcffULL)
			return -EINVAL;
		v->mtrr_def_type = val;
		return 0;
	case MSR_IA32_UCODE_REV:
	case MSR_IA32_MCG_STATUS:
	case MSR_AMD64_NB_CFG:		/* no northbridge to configure */
		return 0;
	default:
		return -EINVAL;
	}
}

static int vmm_handle_msr(struct vmm_vcpu *v, struct vmm_run *run, bool write)
{
	u32 index = (u32)v->gprs[1];
	u64 val;
	int r;

	if (write) {
		val = (u32)v->gprs[0] | (v->gprs[2] << 32);
		r = vmm_msr_write(v, index, val);
	} else {
		r = vmm_msr_read(v, index, &val);
		if (!r) {
			v->gprs[0] = (u32)val;
			v->gprs[2] = val >> 32;
		}
	}
	if (r) {
		vmm_inject_exception(v, X86_EXC_GP, true, 0);
		return VMM_NEXT_GUEST;
	}
	return vmm_finish_insn(v, run);
}

static int vmm_handle_hypercall(struct vmm_vcpu *v, struct vmm_run *run)
{
	switch (v->gprs[0]) {
	case VMM_HC_PING:
		v->gprs[0] = VMM_HC_PING_MAGIC;
		break;
	default:
		v->gprs[0] = (u64)-ENOSYS;
		break;
	}
	return vmm_finish_insn(v, run);
}

/*
 * MOV to/from a debug register: every one is kept in the vCPU's shadow and
 * none reaches the hardware (see struct vmm_vcpu). The CPU checks CPL
 * before the exit, so only CPL 0 gets here.
 */
static int vmm_handle_dr(struct vmm_vcpu *v, struct vmm_run *run)
{
	struct vmm_cpu_mode m;
	struct x86_insn insn;
	unsigned int dr;
	bool wide;
	u64 val;
	int r;

	r = vmm_decode_current(v, NULL, 0, &insn);
	if (r)
		return vmm_decode_failed(v, run, r);
	vmm_call(get_mode)(v, &m);
	dr = insn.modrm_reg;
	if (dr == 4 || dr == 5)
		dr = (m.cr4 & X86_CR4_DE) ? 8 : dr + 2;	/* aliases, or #UD */
	if (insn.opcode_map != X86_MAP_0F ||
	    (insn.opcode != 0x21 && insn.opcode != 0x23) || dr > 7) {
		vmm_inject_exception(v, X86_EXC_UD, false, 0);
		return VMM_NEXT_GUEST;
	}
	wide = vmm_decode_mode(&m, v->rflags) == X86_MODE_LONG64;
	if (insn.opcode == 0x21) {
		val = dr < 4 ? v->dr[dr] : dr == 6 ? v->dr6 : v->dr7;
		v->gprs[insn.modrm_rm] = wide ? val : (u32)val;
	} else {
		val = v->gprs[insn.modrm_rm];
		if (!wide)
			val = (u32)val;
		else if (dr >= 6 && (val >> 32)) {
			vmm_inject_exception(v, X86_EXC_GP, true, 0);
			return VMM_NEXT_GUEST;
		}
		if (dr < 4)
			v->dr[dr] = val;
		else if (dr == 6)
			v->dr6 = (val & X86_DR6_WRITABLE) | X86_DR6_RESET;
		else
			v->dr7 = (val & X86_DR7_WRITABLE) | X86_DR7_RESET;
	}
	v->rip += insn.len;
	return VMM_NEXT_GUEST;
}

/*
 * MOV to CR4 that the engine intercepts to vet the bits (SVM without
 * decode assists says nothing about the source): the engine refuses what
 * we do not support, and the guest gets #GP.
 */
static int vmm_handle_cr4_write(struct vmm_vcpu *v, struct vmm_run *run)
{
	struct vmm_cpu_mode m;
	struct x86_insn insn;
	u64 val;
	int r;

	r = vmm_decode_current(v, NULL, 0, &insn);
	if (r)
		return vmm_decode_failed(v, run, r);
	if (insn.opcode_map != X86_MAP_0F || insn.opcode != 0x22 ||
	    insn.modrm_reg != 4)
		return vmm_internal_error(v, run, VMM_INTERNAL_EMULATION,
					  insn.opcode);
	vmm_call(get_mode)(v, &m);
	val = v->gprs[insn.modrm_rm];
	if (vmm_decode_mode(&m, v->rflags) != X86_MODE_LONG64)
		val = (u32)val;
	if (vmm_ops->set_cr4(v, val)) {
		vmm_inject_exception(v, X86_EXC_GP, true, 0);
		return 1;
	}
	v->rip += insn.len;
	return 1;
}

/*
 * Exceptions are intercepted only where letting the CPU deliver them could
 * hurt the host (#AC and #DB can loop in microcode, CVE-2015-5307/8104):
 * hand each one straight back to the guest.
 */
static int vmm_reflect_exception(struct vmm_vcpu *v)
{
	struct vmm_exit *x = &v->exit;

	if (x->exc.vector == X86_EXC_DB)
		v->dr6 = (v->dr6 & ~X86_DR6_WRITABLE) |
			 (x->exc.dr6 & X86_DR6_WRITABLE);
	vmm_inject_exception(v, x->exc.vector, x->exc.has_error, x->exc.error);
	return VMM_NEXT_GUEST;
}


static int vmm_handle_exit(struct vmm_vcpu *v, struct vmm_run *run)
{
	struct vmm_exit *x = &v->exit;
	int r;

	switch (x->kind) {
	case VMM_X_NONE:
		return VMM_NEXT_GUEST;
	case VMM_X_CPUID:
		return vmm_handle_cpuid(v, run);
	case VMM_X_HLT:
		r = vmm_finish_insn(v, run);
		if (!r || v->event.valid)
			return r;	/* internal error, or fetching it faulted */
		/*
		 * A PC waits for an interrupt; elsewhere nothing can come.
		 * Halted in its NMI handler, the guest is not woken by
		 * another NMI (it sleeps, as on hardware, instead of spinning).
		 */
		if (v->vm->pc) {
			v->nmi_blocked = !vmm_call(nmi_allowed)(v);
			return VMM_NEXT_HALT;
		}
		run->exit_reason = VMM_EXIT_HLT;
		return VMM_NEXT_USER;
	case VMM_X_IO:
		return vmm_handle_io(v, run);
	case VMM_X_MSR_READ:
		return vmm_handle_msr(v, run, false);
	case VMM_X_MSR_WRITE:
		return vmm_handle_msr(v, run, true);
	case VMM_X_NPF:
		return vmm_handle_npf(v, run);
	case VMM_X_HYPERCALL:
		return vmm_handle_hypercall(v, run);
	case VMM_X_INVALID_OP:
		vmm_inject_exception(v, X86_EXC_UD, false, 0);
		return VMM_NEXT_GUEST;
	case VMM_X_SKIP:
		return vmm_finish_insn(v, run);
	case VMM_X_PAUSE:
		r = vmm_finish_insn(v, run);
		return r == VMM_NEXT_GUEST && READ_ONCE(v->vm->nr_vcpus) > 1 ?
		       VMM_NEXT_SPIN : r;
	case VMM_X_DR_ACCESS:
		return vmm_handle_dr(v, run);
	case VMM_X_CR4_WRITE:
		return vmm_handle_cr4_write(v, run);
	case VMM_X_EXCEPTION:
		return vmm_reflect_exception(v);
	case VMM_X_SHUTDOWN:
		v->dead = true;
		run->exit_reason = VMM_EXIT_SHUTDOWN;
		return VMM_NEXT_USER;
	case VMM_X_ENTRY_FAIL:
		v->dead = true;
		run->exit_reason = VMM_EXIT_FAIL_ENTRY;
		run->fail_entry.hw_reason = x->hw_reason;
		run->fail_entry.qualification = x->qual;
		run->fail_entry.info2 = x->info2;
		return VMM_NEXT_USER;
	case VMM_X_UNHANDLED:
	default:
		return vmm_internal_error(v, run, VMM_INTERNAL_UNHANDLED_EXIT,
					  x->info2);
	}
}

/* ------------------------------------------------------------------ */
/* The guest FPU                                                       */
/* ------------------------------------------------------------------ */

#define VMM_GUEST_XCR0	(XFEATURE_MASK_FP | XFEATURE_MASK_SSE)
static u64 vmm_host_xcr0;

void vmm_fpu_setup(void)
{
	vmm_host_xcr0 = boot_cpu_has(X86_FEATURE_XSAVE) ?
			xgetbv(XCR_XFEATURE_ENABLED_MASK) : VMM_GUEST_XCR0;
}

/*
 * Take the FPU for the guest: the task's own state is saved by
 * kernel_fpu_begin(), which also keeps preemption off and stops interrupt
 * handlers from touching FPU registers, so the guest's x87/SSE state and
 * XCR0 can stay loaded across a run of exits handled in the kernel.
 */
static void vmm_guest_fpu_load(struct vmm_vcpu *v)
{
	/* No FNINIT or LDMXCSR: FXRSTOR sets all that they would. */
	kernel_fpu_begin_mask(0);
	if (vmm_host_xcr0 != VMM_GUEST_XCR0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, VMM_GUEST_XCR0);
	asm volatile("fxrstorq %0" : : "m" (v->fpu));
}

static void vmm_guest_fpu_put(struct vmm_vcpu *v)
{
	asm volatile("fxsaveq %0" : "=m" (v->fpu));
	if (vmm_host_xcr0 != VMM_GUEST_XCR0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vmm_host_xcr0);
	kernel_fpu_end();
}

/* Hand the guest the data userspace produced for the last exit. */
static void vmm_complete_user_exit(struct vmm_vcpu *v, const struct vmm_run *run)
{
	switch (v->pending) {
	case VMM_PEND_IO_IN:
		vmm_set_reg_sized(&v->gprs[0], v->pending_io_size, run->io.data);
		break;
	case VMM_PEND_MMIO_READ:
		if (vmm_mmio_answer(v, run->mmio.data))
			break;
		/* The instruction runs again and takes this value. */
		v->mmio_cache.data = run->mmio.data;
		v->mmio_cache.valid = true;
		break;
	case VMM_PEND_NONE:
		break;
	}
	v->pending = VMM_PEND_NONE;
}

/*
 * The guest spins, most likely on a lock or for an answer that another
 * vCPU holds: if one of the VM's other vCPU threads waits for a host CPU,
 * give it this one (a directed yield, as KVM's on-spin does, without its
 * heuristics). Outside a batch.
 */
static void vmm_vcpu_on_spin(struct vmm_vcpu *v)
{
	unsigned int i;

	for (i = 1; i < VMM_MAX_VCPUS; i++) {
		struct vmm_vcpu *o = READ_ONCE(v->vm->vcpus[(v->id + i) %
							     VMM_MAX_VCPUS]);
		struct task_struct *t = NULL;
		struct pid *pid;
		int r;

		/* In guest mode it runs already (yield_to passes over sleepers). */
		if (!o || READ_ONCE(o->guest_cpu) >= 0)
			continue;
		rcu_read_lock();
		pid = rcu_dereference(o->pid);
		if (pid)
			t = get_pid_task(pid, PIDTYPE_PID);
		rcu_read_unlock();
		if (!t)
			continue;
		r = yield_to(t, true);
		put_task_struct(t);
		if (r > 0)
			return;
	}
}

/* The thread that runs v, for the other vCPUs' directed yields. */
static void vmm_vcpu_set_pid(struct vmm_vcpu *v)
{
	struct pid *old = rcu_dereference_protected(v->pid,
						    lockdep_is_held(&v->mutex));

	if (old == task_pid(current))
		return;
	rcu_assign_pointer(v->pid, get_pid(task_pid(current)));
	synchronize_rcu();
	put_pid(old);
}

/*
 * Guest RAM could not be backed (gmem.c): every vCPU stops with this exit,
 * and VMM_RUN gives it again, as the guest cannot go on without the page.
 */
static void vmm_guest_oom(struct vmm_vcpu *v, struct vmm_run *run)
{
	run->exit_reason = VMM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = VMM_INTERNAL_GUEST_OOM;
	run->internal.data[0] = 0;
	run->internal.data[1] = READ_ONCE(v->vm->oom_gpa);
	run->internal.data[2] = v->rip;
	run->internal.data[3] = 0;
}

/* PC VMs: the guest powered off or reset the PC; every vCPU reports it. */
static bool vmm_system_event(struct vmm_vcpu *v, struct vmm_run *run)
{
	run->system_event.type = vmm_pc_system_event(v->vm);
	if (!run->system_event.type)
		return false;
	run->exit_reason = VMM_EXIT_SYSTEM_EVENT;
	return true;
}

static long vmm_vcpu_run(struct vmm_vcpu *v, struct vmm_run __user *urun)
{
	struct vmm_run run;
	long r = 0;
	u64 t, exit_rip;
	u32 host_pkru;

	if (copy_from_user(&run, urun, sizeof(run)))
		return -EFAULT;
	if (run.flags || run.reserved)
		return -EINVAL;

	v->stats.runs++;
	vmm_complete_user_exit(v, &run);
	memset(&run, 0, sizeof(run));

	if (v->dead) {
		run.exit_reason = v->exit.kind == VMM_X_SHUTDOWN ?
				  VMM_EXIT_SHUTDOWN : VMM_EXIT_FAIL_ENTRY;
		goto out;
	}
	if (v->vm->pc) {
		r = vmm_pc_start(v->vm);
		if (r)
			return r;
		vmm_vcpu_set_pid(v);
	}

	/*
	 * Exits are handled with the guest FPU held and preemption off, so
	 * exit handlers must not sleep; the loop lets go whenever the
	 * scheduler or a signal wants the task, or userspace has work.
	 */
	for (;;) {
		if (signal_pending(current)) {
			run.exit_reason = VMM_EXIT_INTR;
			break;
		}
		if (unlikely(READ_ONCE(v->vm->oom))) {
			vmm_guest_oom(v, &run);
			r = 0;
			break;
		}
		cond_resched();
		if (v->vm->pc) {
			if (vmm_system_event(v, &run)) {
				r = 0;
				break;
			}
			/* INIT or SIPI came; in wait-for-SIPI, sleep. */
			if (!vmm_pc_accept_mp(v)) {
				rcuwait_wait_event(&v->wait,
						   vmm_pc_wake_ready(v),
						   TASK_INTERRUPTIBLE);
				continue;
			}
		}

		vmm_guest_fpu_load(v);
		vmm_call(prepare)(v);
		/* an unstable host TSC: the clock page is per host CPU */
		if (unlikely(v->pv_time_msr & 1) && !v->vm->pv_stable &&
		    v->pv_cpu != raw_smp_processor_id())
			vmm_pvclock_update(v);
		host_pkru = read_pkru();
		/*
		 * Userspace answered an MMIO read: finish its instruction now,
		 * with the answer, rather than enter the guest only for it to
		 * fault on the same access and be emulated again.
		 */
		if (v->mmio_cache.valid && v->mmio_cache.rip == v->rip) {
			r = vmm_emulate_answered(v, &run);
			if (r != VMM_NEXT_GUEST)
				goto batch_end;
		}
		do {
			if (v->vm->pc) {
				if (vmm_system_event(v, &run)) {
					r = VMM_NEXT_USER;
					break;
				}
				WRITE_ONCE(v->kicked, false);
				smp_mb();	/* before looking at the devices */
				/* INIT is taken outside the batch. */
				if (unlikely(READ_ONCE(v->mp_events) &
					     VMM_MP_INIT)) {
					r = VMM_NEXT_GUEST;
					break;
				}
				/*
				 * An MMIO answer waits for its instruction,
				 * unless RIP moved on without it (SET_REGS).
				 */
				if (v->mmio_cache.valid &&
				    v->mmio_cache.rip != v->rip)
					v->mmio_cache.valid = false;
				if (v->mmio_cache.valid)
					vmm_call(irq_window)(v, false);
				else
					vmm_pc_inject(v);
			}
			if (unlikely(v->tlb_gen != READ_ONCE(v->vm->tlb_gen))) {
				v->tlb_gen = READ_ONCE(v->vm->tlb_gen);
				vmm_call(flush_tlb)(v);
			}
			/*
			 * A guest can set CR4.PKE and WRPKRU behind our back;
			 * its PKRU must not stay live in the host, where it
			 * governs this task's user memory.
			 */
			write_pkru(v->pkru);
			r = vmm_call(run)(v);
			v->pkru = read_pkru();
			write_pkru(host_pkru);
			if (r == VMM_RUN_CANCELLED) {
				r = VMM_NEXT_GUEST;
				continue;	/* a kick came: look again */
			}
			if (r)
				break;
			/* A vector the guest took itself, before all else */
			if (v->posted_vec >= 0)
				vmm_pc_post_end(v);
			/* An EOI the guest made through KVM's PV flag */
			if (unlikely(v->pv_eoi_armed))
				vmm_pc_pv_eoi_sync(v, false);
			exit_rip = v->rip;
			r = vmm_handle_exit(v, &run);
			t = rdtsc();
			vmm_stats_record(&v->stats, v->exit.stat, t - v->exit_tsc);
			trace_vmm_exit(v->vm->id, v->id, v->exit.stat,
				       v->exit.hw_reason, exit_rip,
				       t - v->exit_tsc);
		} while (r == VMM_NEXT_GUEST && !need_resched() &&
			 !signal_pending(current) && !READ_ONCE(v->vm->oom));
batch_end:
		vmm_guest_fpu_put(v);
		if (r == VMM_NEXT_FAULT_IN &&
		    !vmm_find_slot(v->vm, v->fault_gpa)) {
			/* a device's register page, not RAM */
			vmm_mmio_read_fault(v->vm, v->fault_gpa);
			continue;
		}
		if (r == VMM_NEXT_FAULT_IN) {
			r = vmm_gmem_fault(v->vm, v->fault_gpa);
			/* It marked the VM out of memory: the top reports it. */
			if (r == -ENOMEM)
				r = 0;
			if (r)
				break;
			continue;
		}
		if (r == VMM_NEXT_HALT) {
			/* A signal also wakes it: the loop's top reports it. */
			rcuwait_wait_event(&v->wait, vmm_pc_wake_ready(v),
					   TASK_INTERRUPTIBLE);
			continue;
		}
		if (r == VMM_NEXT_SPIN) {
			vmm_vcpu_on_spin(v);
			continue;
		}
		if (r < 0 || r == VMM_NEXT_USER)
			break;
	}
	if (r < 0)
		return r;
	r = 0;
out:
	v->stats.user_exits++;
	trace_vmm_user_exit(v->vm->id, v->id, run.exit_reason);
	if (copy_to_user(urun, &run, sizeof(run)))
		return -EFAULT;
	return r;
}

/* ------------------------------------------------------------------ */
/* The vCPU fd                                                         */
/* ------------------------------------------------------------------ */

/*
 * The register ioctls, apart: their structs on the stack would be
 * cleared (CONFIG_INIT_STACK_ALL_ZERO) on every VMM_RUN too.
 */
static noinline long vmm_vcpu_regs_ioctl(struct vmm_vcpu *v, unsigned int cmd,
					 void __user *uarg)
{
	struct vmm_sregs sregs;
	struct vmm_regs regs;
	long r;

	switch (cmd) {
	case VMM_GET_REGS:
		vmm_get_regs(v, &regs);
		r = copy_to_user(uarg, &regs, sizeof(regs)) ? -EFAULT : 0;
		break;
	case VMM_SET_REGS:
		r = -EFAULT;
		if (copy_from_user(&regs, uarg, sizeof(regs)))
			break;
		r = vmm_set_regs(v, &regs);
		break;
	case VMM_GET_SREGS:
		memset(&sregs, 0, sizeof(sregs));
		vmm_call(get_sregs)(v, &sregs);
		r = copy_to_user(uarg, &sregs, sizeof(sregs)) ? -EFAULT : 0;
		break;
	case VMM_SET_SREGS:
		r = -EFAULT;
		if (copy_from_user(&sregs, uarg, sizeof(sregs)))
			break;
		r = vmm_check_sregs(&sregs);
		if (!r)
			vmm_call(set_sregs)(v, &sregs);
		break;
	default:
		r = -ENOTTY;
		break;
	}
	return r;
}

static long vmm_vcpu_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct vmm_vcpu *v = f->private_data;
	void __user *uarg = (void __user *)arg;
	long r;

	if (mutex_lock_killable(&v->mutex))
		return -EINTR;
	switch (cmd) {
	case VMM_RUN:
		r = vmm_vcpu_run(v, uarg);
		break;
	case VMM_GET_REGS:
	case VMM_GET_SREGS:
	case VMM_SET_REGS:
	case VMM_SET_SREGS:
		r = vmm_vcpu_regs_ioctl(v, cmd, uarg);
		break;
	default:
		r = -ENOTTY;
		break;
	}
	mutex_unlock(&v->mutex);
	return r;
}

static int vmm_vcpu_release(struct inode *inode, struct file *f)
{
	struct vmm_vcpu *v = f->private_data;

	/* The vCPU itself lives until the VM goes. */
	fput(v->vm->file);
	return 0;
}

static const struct file_operations vmm_vcpu_fops = {
	.owner = THIS_MODULE,
	.release = vmm_vcpu_release,
	.unlocked_ioctl = vmm_vcpu_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

void vmm_vcpu_destroy(struct vmm_vcpu *v)
{
	/* Last user gone: no one looks at the pid any more. */
	put_pid(rcu_dereference_protected(v->pid, 1));
	vmm_ops->vcpu_free(v);
	kvfree(v);
}

int vmm_vcpu_create(struct vmm_vm *vm, struct vmm_create_vcpu *arg)
{
	struct vmm_vcpu *v;
	struct file *file;
	int r, fd;

	if (arg->id >= VMM_MAX_VCPUS)
		return -EINVAL;

	mutex_lock(&vm->lock);
	r = -EEXIST;
	if (vm->vcpus[arg->id])
		goto out;
	r = -ENOMEM;
	v = kvzalloc(sizeof(*v), GFP_KERNEL_ACCOUNT);
	if (!v)
		goto out;
	v->vm = vm;
	v->id = arg->id;
	mutex_init(&v->mutex);
	rcuwait_init(&v->wait);
	v->guest_cpu = -1;
	vmm_vcpu_regs_reset(v);
	v->fpu.cwd = 0x37f;
	v->fpu.mxcsr = MXCSR_DEFAULT;
	r = vmm_ops->vcpu_init(v);
	if (r) {
		kvfree(v);
		goto out;
	}

	/*
	 * Nothing may fail once the vCPU's local APIC is published: other
	 * vCPUs' IPIs reach it (and v) from then on.
	 */
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		vmm_vcpu_destroy(v);
		r = fd;
		goto out;
	}
	file = anon_inode_getfile("vmm-vcpu", &vmm_vcpu_fops, v, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		vmm_vcpu_destroy(v);
		r = PTR_ERR(file);
		goto out;
	}
	get_file(vm->file);
	vmm_pc_vcpu_init(v);
	fd_install(fd, file);
	atomic_long_add(sizeof(*v) + vmm_ops->overhead_per_vcpu, &vm->overhead);
	WRITE_ONCE(vm->vcpus[arg->id], v);
	vm->nr_vcpus++;
	r = fd;
out:
	mutex_unlock(&vm->lock);
	return r;
}
