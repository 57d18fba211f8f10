// SPDX-License-Identifier: GPL-2.0
/*
 * The PC platform of VMM_VM_PC VMs. The device models are the portable
 * ones of core/; this file gives them what only the kernel has: ports on
 * the VM's I/O bus, host hrtimers behind their timers, interrupt lines
 * routed PIC + IOAPIC -> local APIC -> vCPU, kicks that make a running or
 * halted vCPU look at its interrupts, PAM switching the BIOS area of the
 * nested page table between ROM and RAM, and system events (power-off,
 * reset) that end VMM_RUN.
 *
 * Lock order: a device's own lock, then the PIC or the IOAPIC, then a
 * local APIC, then a vCPU's kick. Models call out with their lock
 * held only in the directions of that order (see each core/ header).
 *
 * PREEMPT_RT: the timers below fire in hard IRQ context (a guest's timer
 * interrupt should not wait for the softirq thread), and exit handlers run
 * with preemption off. Both are fine there because every lock on those
 * paths is raw (vmm_lock_t, guest memory's, the disk file's), a kick wakes
 * through an rcuwait, and nothing on them allocates or backs guest RAM.
 */
#define pr_fmt(fmt) "vmm: " fmt

#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/io.h>
#include <asm/tsc.h>

#include "pc.h"
#include "core/acpi_pm.h"
#include "core/fw_cfg.h"
#include "core/i8042.h"
#include "core/i8254.h"
#include "core/i8259.h"
#include "core/ioapic.h"
#include "core/lapic.h"
#include "core/mc146818.h"
#include "core/sysctl_port.h"
#include "core/timebase.h"
#include "core/vpci.h"

#define VMM_PC_ROM_ALIAS	0xfff00000ULL	/* 0xe0000 + this = ROM top */
#define VMM_PC_COM1_IRQ		4
#define VMM_PC_NR_BLOBS		(FW_CFG_MAX_ITEMS + FW_CFG_MAX_FILES)

struct vmm_ktimer {
	struct hrtimer hr;
	struct vmm_timer *t;
};

struct vmm_pc {
	struct vmm_vm *vm;
	struct i8259 pic;
	struct i8254 pit;
	struct mc146818 rtc;
	struct ioapic ioapic;
	struct vpci_bus pci;
	struct vpci_i440fx i440fx;
	struct vpci_piix3 piix3;
	struct fw_cfg fw;
	struct i8042 kbc;
	struct acpi_pm pm;
	struct sysctl_port sysctl;
	struct lapic lapic[VMM_MAX_VCPUS];
	bool has_lapic[VMM_MAX_VCPUS];

	struct vmm_ktimer kt_pit, kt_rtc, kt_pm, kt_lapic[VMM_MAX_VCPUS];

	/* PCI INTx: PIRQA-D, their routes, and how many functions assert each. */
	vmm_lock_t intx_lock;
	u8 pirq_route[PIIX3_NR_PIRQS];
	unsigned int pirq_count[PIIX3_NR_PIRQS];
	u16 pci_isa_level;		/* ISA IRQs PCI drives high (8259) */

	u8 pam[I440FX_NR_PAM_REGIONS];	/* as the guest set them */
	bool started;			/* PAM mappings are live */
	bool pic_intr;			/* the PIC's INT output */
	u32 system_event;		/* VMM_SYSTEM_*, first one wins */

	void *blobs[VMM_PC_NR_BLOBS];	/* fw_cfg data copied from the user */
	unsigned int nr_blobs;
	u64 blob_bytes;
};

/* ------------------------------------------------------------------ */
/* Time                                                                */
/* ------------------------------------------------------------------ */

static u64 vmm_pc_now_ns(void *host)
{
	return ktime_get_ns();
}

static enum hrtimer_restart vmm_ktimer_fn(struct hrtimer *hr)
{
	struct vmm_ktimer *k = container_of(hr, struct vmm_ktimer, hr);

	k->t->fire(k->t->dev);
	return HRTIMER_NORESTART;
}

static void vmm_pc_timer_arm(void *host, struct vmm_timer *t, u64 deadline)
{
	struct vmm_ktimer *k = t->host_priv;

	/* Past KTIME_MAX a ktime goes negative: it would fire at once. */
	hrtimer_start(&k->hr, ns_to_ktime(min_t(u64, deadline, KTIME_MAX)),
		      HRTIMER_MODE_ABS_HARD);
}

/* Device locks are held here: never wait for a running callback. */
static void vmm_pc_timer_cancel(void *host, struct vmm_timer *t)
{
	struct vmm_ktimer *k = t->host_priv;

	hrtimer_try_to_cancel(&k->hr);
}

static const struct vmm_time_ops vmm_pc_time = {
	.now_ns = vmm_pc_now_ns,
	.timer_arm = vmm_pc_timer_arm,
	.timer_cancel = vmm_pc_timer_cancel,
};

static void vmm_ktimer_bind(struct vmm_ktimer *k, struct vmm_timer *t)
{
	hrtimer_init(&k->hr, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	k->hr.function = vmm_ktimer_fn;
	k->t = t;
	t->host_priv = k;
}

static void vmm_ktimer_stop(struct vmm_ktimer *k)
{
	if (k->t)
		hrtimer_cancel(&k->hr);
}

/* ------------------------------------------------------------------ */
/* Interrupt routing                                                   */
/* ------------------------------------------------------------------ */

static void vmm_pc_set_event(struct vmm_pc *pc, u32 type)
{
	if (!cmpxchg(&pc->system_event, 0, type))
		vmm_vm_kick_all(pc->vm);
}

u32 vmm_pc_system_event(struct vmm_vm *vm)
{
	return READ_ONCE(vm->pc->system_event);
}

/* An ISA line: to the PIC and to the IOAPIC (IRQ 0 is on pin 2). */
static void vmm_pc_irq(struct vmm_pc *pc, unsigned int irq, bool level)
{
	i8259_set_irq(&pc->pic, irq, level);
	ioapic_set_irq(&pc->ioapic, irq ? irq : 2, level);
}

static void vmm_pc_dev_irq(void *opaque, unsigned int irq, bool level)
{
	vmm_pc_irq(opaque, irq, level);
}

/* The PIC's INT reaches the boot vCPU's LINT0 (virtual wire). */
static void vmm_pc_pic_intr(void *opaque, bool intr)
{
	struct vmm_pc *pc = opaque;
	struct vmm_vcpu *v0 = READ_ONCE(pc->vm->vcpus[0]);

	WRITE_ONCE(pc->pic_intr, intr);
	if (intr && v0)
		vmm_vcpu_kick(v0);
}

static const struct i8259_ops vmm_pc_pic_ops = {
	.intr_changed = vmm_pc_pic_intr,
};

/* Send an interrupt message to every local APIC it names. */
static void vmm_pc_route(struct vmm_pc *pc, struct lapic *self, u32 dest,
			 bool logical, u8 shorthand, u8 dm, u8 vector,
			 bool level)
{
	unsigned int i;

	for (i = 0; i < VMM_MAX_VCPUS; i++) {
		struct lapic *l = &pc->lapic[i];

		if (!READ_ONCE(pc->has_lapic[i]))
			continue;
		switch (shorthand) {
		case LAPIC_SH_SELF:
			if (l != self)
				continue;
			break;
		case LAPIC_SH_OTHERS:
			if (l == self)
				continue;
			break;
		case LAPIC_SH_ALL:
			break;
		default:
			if (!lapic_match_dest(l, dest, logical))
				continue;
			break;
		}
		lapic_deliver(l, dm, vector, level);
		/* Lowest priority: one taker is enough. */
		if (dm == LAPIC_DM_LOWEST && shorthand == LAPIC_SH_NONE)
			break;
	}
}

static void vmm_pc_ioapic_deliver(void *opaque, u32 dest, bool logical,
				  u8 dm, u8 vector, bool level)
{
	vmm_pc_route(opaque, NULL, dest, logical, LAPIC_SH_NONE, dm, vector,
		     level);
}

static const struct ioapic_ops vmm_pc_ioapic_ops = {
	.deliver = vmm_pc_ioapic_deliver,
};

static void vmm_pc_lapic_ipi(void *opaque, u32 dest, u8 dest_mode,
			     u8 shorthand, u8 dm, u8 vector, bool level,
			     bool assert)
{
	struct vmm_vcpu *v = opaque;
	struct vmm_pc *pc = v->vm->pc;

	if (dm == LAPIC_DM_INIT && level && !assert)
		return;		/* INIT level de-assert */
	vmm_pc_route(pc, &pc->lapic[v->id], dest,
		     dest_mode == LAPIC_DEST_LOGICAL, shorthand, dm, vector,
		     level);
}

static void vmm_pc_lapic_eoi(void *opaque, u8 vector)
{
	struct vmm_vcpu *v = opaque;

	ioapic_eoi(&v->vm->pc->ioapic, vector);
}

static void vmm_pc_lapic_kick(void *opaque)
{
	vmm_vcpu_kick(opaque);
}

/* Called with the LAPIC lock held; the kick that follows makes v look. */
static void vmm_pc_lapic_nmi(void *opaque)
{
	struct vmm_vcpu *v = opaque;

	WRITE_ONCE(v->nmi_pending, true);
}

/* INIT and SIPI, LAPIC lock held: v's own loop takes them. */
static void vmm_pc_lapic_init_ipi(void *opaque)
{
	struct vmm_vcpu *v = opaque;

	xchg(&v->mp_events, VMM_MP_INIT);
}

static void vmm_pc_lapic_sipi(void *opaque, u8 vector)
{
	struct vmm_vcpu *v = opaque;
	u32 old = READ_ONCE(v->mp_events);

	while (!try_cmpxchg(&v->mp_events, &old,
			    (old & VMM_MP_INIT) | VMM_MP_SIPI | vector))
		;
}

static u64 vmm_pc_now_tsc(void *opaque)
{
	struct vmm_vcpu *v = opaque;

	return rdtsc() + READ_ONCE(v->tsc_offset);
}

static u64 vmm_pc_tsc_to_ns(void *opaque, u64 tsc)
{
	u64 now = ktime_get_ns(), cur = vmm_pc_now_tsc(opaque), delta;

	if (tsc <= cur || !tsc_khz)
		return now;
	/*
	 * The guest picks both its TSC and the deadline: a time that wrapped
	 * would fire now, find the deadline not yet reached and re-arm the
	 * same expiry from the hrtimer callback, for ever. Saturate instead
	 * (2^60 cycles are over 9 years at 4 GHz).
	 */
	delta = tsc - cur;
	if (delta >> 60)
		return KTIME_MAX;
	delta = mul_u64_u32_div(delta, 1000000, tsc_khz);
	return delta < KTIME_MAX - now ? now + delta : KTIME_MAX;
}

static const struct lapic_ops vmm_pc_lapic_ops = {
	.send_ipi = vmm_pc_lapic_ipi,
	.eoi_level = vmm_pc_lapic_eoi,
	.kick = vmm_pc_lapic_kick,
	.nmi = vmm_pc_lapic_nmi,
	.init = vmm_pc_lapic_init_ipi,
	.sipi = vmm_pc_lapic_sipi,
	.now_tsc = vmm_pc_now_tsc,
	.tsc_to_ns = vmm_pc_tsc_to_ns,
};

/* Does the PIC's interrupt reach v? Only the boot vCPU has the wire. */
static bool vmm_pc_extint(struct vmm_pc *pc, struct vmm_vcpu *v)
{
	return v->id == 0 && READ_ONCE(pc->pic_intr) &&
	       lapic_lint0_extint(&pc->lapic[0]);
}

/* ---- KVM's paravirtual EOI (core/pvclock.h) ---- */

/*
 * After each exit, and before an interrupt goes in: the guest cleared
 * the flag, so it made the EOI it was allowed to skip: make it. With
 * disarm, the guest must make its next EOI itself: the flag is cleared.
 * The flag's byte is read and written only while the guest is out.
 */
void vmm_pc_pv_eoi_sync(struct vmm_vcpu *v, bool disarm)
{
	struct lapic *l = &v->vm->pc->lapic[v->id];
	u64 gpa = v->pv_eoi_msr & ~3ULL;
	u8 flag = PVCLOCK_PV_EOI_BIT;

	if (!v->pv_eoi_armed)
		return;
	vmm_gpa_read(v->vm, gpa, &flag, sizeof(flag));
	if (!(flag & PVCLOCK_PV_EOI_BIT)) {
		v->pv_eoi_armed = false;
		lapic_lazy_eoi_end(l, true);
		return;
	}
	if (!disarm)
		return;
	flag &= ~PVCLOCK_PV_EOI_BIT;
	vmm_gpa_write(v->vm, gpa, &flag, sizeof(flag));
	v->pv_eoi_armed = false;
	lapic_lazy_eoi_end(l, false);
}

/* The vector just acknowledged may have its EOI skipped: tell the guest. */
static void vmm_pc_pv_eoi_arm(struct vmm_vcpu *v, struct lapic *l)
{
	u8 flag = PVCLOCK_PV_EOI_BIT;

	if (!(v->pv_eoi_msr & 1) || !lapic_lazy_eoi_arm(l))
		return;
	if (vmm_gpa_write(v->vm, v->pv_eoi_msr & ~3ULL, &flag, sizeof(flag))) {
		lapic_lazy_eoi_end(l, false);
		return;
	}
	v->pv_eoi_armed = true;
}

/* MSR_KVM_PV_EOI_EN: a 4-byte aligned flag in RAM, bit 1 reserved. */
static int vmm_pc_pv_eoi_msr(struct vmm_vcpu *v, u64 val)
{
	if ((val & 1) && ((val & 2) ||
			  !vmm_gpa_ok(v->vm, val & ~3ULL, 4, true)))
		return -EINVAL;
	vmm_pc_pv_eoi_sync(v, true);
	v->pv_eoi_msr = val;
	return 0;
}

/*
 * Posted interrupts (the engine's irq_post): a LAPIC vector the guest
 * cannot take at this entry (EFLAGS.IF clear, an interrupt shadow) goes
 * to the CPU, which delivers it once the guest can, where it used to
 * take an exit at the interrupt window and an injection. The LAPIC
 * accepts it (IRR to ISR) at the exit after the guest took it, before
 * anything else is looked at. Off: every such vector waits for the
 * window, as before (for comparison).
 */
static bool irq_post = true;
module_param(irq_post, bool, 0644);
MODULE_PARM_DESC(irq_post, "Let the CPU deliver an interrupt the guest cannot take yet, without an interrupt-window exit (AMD-V; default on)");

static bool vmm_pc_post(struct vmm_vcpu *v, struct lapic *l, u8 vec)
{
	u8 flag = PVCLOCK_PV_EOI_BIT;

	if (!READ_ONCE(irq_post) || !vmm_call(irq_post)(v, vec))
		return false;
	lapic_post_begin(l, vec);
	v->posted_vec = vec;
	v->post_taken = false;
	/*
	 * The guest's handler may make its EOI before any exit (Linux
	 * acknowledges an MSI first): PV EOI is armed now, as at an
	 * injection, for when the guest takes it.
	 */
	vmm_pc_pv_eoi_sync(v, true);
	if ((v->pv_eoi_msr & 1) && lapic_lazy_eoi_would_arm(l, vec) &&
	    !vmm_gpa_write(v->vm, v->pv_eoi_msr & ~3ULL, &flag, sizeof(flag)))
		v->pv_eoi_posted = true;
	return true;
}

/* See pc.h. */
void vmm_pc_post_end(struct vmm_vcpu *v)
{
	struct lapic *l = &v->vm->pc->lapic[v->id];
	bool pv = v->pv_eoi_posted;
	u8 flag;

	v->posted_vec = -1;
	v->pv_eoi_posted = false;
	/* accepted if taken; signalled again meanwhile: it waits again */
	lapic_post_end(l, v->post_taken);
	if (!v->post_taken) {
		/* still waiting: its flag goes, the next entry decides again */
		if (pv && !vmm_gpa_read(v->vm, v->pv_eoi_msr & ~3ULL, &flag,
					sizeof(flag))) {
			flag &= ~PVCLOCK_PV_EOI_BIT;
			vmm_gpa_write(v->vm, v->pv_eoi_msr & ~3ULL, &flag,
				      sizeof(flag));
		}
		return;
	}
	if (!pv)
		return;
	/*
	 * Armed for it: it stays armed if it may (vmm_pc_pv_eoi_sync then
	 * sees whether the guest made that EOI), else it is settled now:
	 * the EOI made if the guest took the flag, else the flag taken back.
	 */
	v->pv_eoi_armed = true;
	if (!lapic_lazy_eoi_arm(l))
		vmm_pc_pv_eoi_sync(v, true);
}

void vmm_pc_inject(struct vmm_vcpu *v)
{
	struct vmm_pc *pc = v->vm->pc;
	struct lapic *l = &pc->lapic[v->id];
	bool extint = vmm_pc_extint(pc, v);
	int vec;

	/* posted before a run that did not enter: not taken */
	if (unlikely(v->posted_vec >= 0)) {
		v->post_taken = false;
		vmm_pc_post_end(v);
	}
	vec = lapic_pending(l);

	/* An NMI goes first, when the guest is not still handling one. */
	if (READ_ONCE(v->nmi_pending) && !v->event.valid &&
	    vmm_call(nmi_allowed)(v)) {
		WRITE_ONCE(v->nmi_pending, false);
		v->event.valid = true;
		v->event.type = VMM_EVENT_NMI;
		v->event.vector = 2;
		v->event.has_error = false;
		v->event.set_cr2 = false;
	}
	if (vec < 0 && !extint) {
		vmm_call(irq_window)(v, false);
		return;
	}
	if (v->event.valid || !vmm_call(irq_allowed)(v)) {
		/* a PIC interrupt too: the window, for it to go in next */
		if (vec >= 0 && !extint && !v->event.valid &&
		    vmm_pc_post(v, l, vec))
			return;
		vmm_call(irq_window)(v, true);
		return;
	}
	vmm_call(irq_window)(v, false);
	if (vec >= 0) {
		/* The guest makes the EOI of what it handles now itself. */
		vmm_pc_pv_eoi_sync(v, true);
		lapic_ack(l, vec);
		vmm_pc_pv_eoi_arm(v, l);
	} else {
		vec = i8259_ack(&pc->pic);
	}
	v->event.valid = true;
	v->event.type = VMM_EVENT_IRQ;
	v->event.vector = vec;
	v->event.has_error = false;
	v->event.set_cr2 = false;
}

/*
 * INIT puts the vCPU, its local APIC included, back in its INIT state; an
 * application processor then waits for a SIPI, which starts it in real
 * mode at vector << 12 (SDM vol. 3, 10.4). A SIPI to a vCPU that is not
 * waiting for one is dropped. Outside a batch of runs; false: v waits.
 */
bool vmm_pc_accept_mp(struct vmm_vcpu *v)
{
	struct vmm_pc *pc = v->vm->pc;
	u32 e = xchg(&v->mp_events, 0);
	struct vmm_sregs s;

	if (e & VMM_MP_INIT) {
		lapic_reset(&pc->lapic[v->id], true);
		vmm_vcpu_reset(v);
		/* The BSP starts again at the reset vector. */
		v->wait_sipi = v->id != 0;
	}
	if (!v->wait_sipi)
		return true;
	if (!(e & VMM_MP_SIPI))
		return false;
	vmm_call(get_sregs)(v, &s);
	s.cs.selector = (e & 0xff) << 8;
	s.cs.base = (u64)(e & 0xff) << 12;
	vmm_call(set_sregs)(v, &s);
	v->rip = 0;
	v->wait_sipi = false;
	return true;
}

bool vmm_pc_wake_ready(struct vmm_vcpu *v)
{
	struct vmm_pc *pc = v->vm->pc;
	u32 mp = READ_ONCE(v->mp_events);

	/* Out of memory (gmem.c): the loop's top stops every vCPU. */
	if (READ_ONCE(pc->system_event) || (mp & VMM_MP_INIT) ||
	    signal_pending(current) || READ_ONCE(v->vm->oom))
		return true;
	if (v->wait_sipi)
		return mp & VMM_MP_SIPI;
	if (READ_ONCE(v->nmi_pending) && !v->nmi_blocked)
		return true;
	if (!(v->rflags & X86_EFLAGS_IF))
		return false;
	return lapic_pending(&pc->lapic[v->id]) >= 0 || vmm_pc_extint(pc, v);
}

/* ------------------------------------------------------------------ */
/* Port I/O                                                            */
/* ------------------------------------------------------------------ */

/* A wide access to byte registers reaches consecutive ports. */
static void vmm_pc_bytes(void *dev, u16 port, bool in, unsigned int size,
			 u32 *val, u8 (*rd)(void *dev, u16 port),
			 void (*wr)(void *dev, u16 port, u8 v))
{
	unsigned int i;

	if (in)
		*val = 0;
	for (i = 0; i < size; i++) {
		if (in)
			*val |= (u32)rd(dev, port + i) << (8 * i);
		else
			wr(dev, port + i, *val >> (8 * i));
	}
}

#define VMM_PC_BYTE_DEV(name, type, rdfn, wrfn)				\
static u8 name##_rd(void *dev, u16 port)				\
{									\
	return rdfn((type *)dev, port);					\
}									\
static void name##_wr(void *dev, u16 port, u8 v)			\
{									\
	wrfn((type *)dev, port, v);					\
}									\
static void name##_pio(void *dev, u16 port, bool in, unsigned int size,\
		       u32 *val)					\
{									\
	vmm_pc_bytes(dev, port, in, size, val, name##_rd, name##_wr);	\
}

static u8 vmm_pit_read(struct i8254 *pit, u16 port)
{
	return port == I8254_PORT_61 ? i8254_port61_read(pit) :
				       i8254_read(pit, port);
}

static void vmm_pit_write(struct i8254 *pit, u16 port, u8 v)
{
	if (port == I8254_PORT_61)
		i8254_port61_write(pit, v);
	else
		i8254_write(pit, port, v);
}

VMM_PC_BYTE_DEV(vmm_pic, struct i8259, i8259_read, i8259_write)
VMM_PC_BYTE_DEV(vmm_pit, struct i8254, vmm_pit_read, vmm_pit_write)
VMM_PC_BYTE_DEV(vmm_rtc, struct mc146818, mc146818_read, mc146818_write)
VMM_PC_BYTE_DEV(vmm_kbc, struct i8042, i8042_read, i8042_write)
VMM_PC_BYTE_DEV(vmm_sysctl, struct sysctl_port, sysctl_port_read,
		sysctl_port_write)

static void vmm_pci_pio(void *dev, u16 port, bool in, unsigned int size,
			u32 *val)
{
	if (in)
		*val = vpci_io_read(dev, port, size);
	else
		vpci_io_write(dev, port, size, *val);
}

static void vmm_pm_pio(void *dev, u16 port, bool in, unsigned int size,
		       u32 *val)
{
	if (in)
		*val = acpi_pm_io_read(dev, port, size);
	else
		acpi_pm_io_write(dev, port, size, *val);
}

static void vmm_fw_cfg_pio(void *dev, u16 port, bool in, unsigned int size,
			   u32 *val)
{
	if (in)
		*val = fw_cfg_io_read(dev, port, size);
	else
		fw_cfg_io_write(dev, port, size, *val);
}

static int vmm_pc_register_ports(struct vmm_vm *vm, struct vmm_pc *pc)
{
	const struct {
		u16 base, len;
		vmm_pio_fn fn;
		void *dev;
	} p[] = {
		{ I8259_MASTER_CMD, 2, vmm_pic_pio, &pc->pic },
		{ I8259_SLAVE_CMD, 2, vmm_pic_pio, &pc->pic },
		{ I8259_ELCR1, 2, vmm_pic_pio, &pc->pic },
		{ I8254_PORT_CH0, 4, vmm_pit_pio, &pc->pit },
		{ I8254_PORT_61, 1, vmm_pit_pio, &pc->pit },
		{ 0x70, 2, vmm_rtc_pio, &pc->rtc },
		{ I8042_DATA_PORT, 1, vmm_kbc_pio, &pc->kbc },
		{ I8042_CMD_PORT, 1, vmm_kbc_pio, &pc->kbc },
		{ SYSCTL_PORT_A, 1, vmm_sysctl_pio, &pc->sysctl },
		{ SYSCTL_PORT_RCR, 1, vmm_sysctl_pio, &pc->sysctl },
		/* 0xcf8 is a dword register; 0xcf9 alone is the RCR. */
		{ 0xcf8, 1, vmm_pci_pio, &pc->pci },
		{ 0xcfa, 6, vmm_pci_pio, &pc->pci },
		{ ACPI_PM_BASE_DEFAULT, ACPI_PM_NR_PORTS, vmm_pm_pio, &pc->pm },
		{ 0x510, 2, vmm_fw_cfg_pio, &pc->fw },
		{ 0x514, 8, vmm_fw_cfg_pio, &pc->fw },
	};
	unsigned int i;
	int r;

	for (i = 0; i < ARRAY_SIZE(p); i++) {
		r = vmm_pio_register(vm, p[i].base, p[i].len, p[i].fn, p[i].dev);
		if (r)
			return r;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Small device callbacks                                              */
/* ------------------------------------------------------------------ */

static void vmm_pc_reset_request(void *opaque)
{
	vmm_pc_set_event(opaque, VMM_SYSTEM_RESET);
}

static void vmm_pc_poweroff(void *opaque)
{
	vmm_pc_set_event(opaque, VMM_SYSTEM_POWEROFF);
}

/* A20 is always on: the gate is accepted and has no effect. */
static void vmm_pc_a20(void *opaque, bool enabled)
{
}

static const struct i8254_ops vmm_pc_pit_ops = { .set_irq = vmm_pc_dev_irq };
static const struct mc146818_ops vmm_pc_rtc_ops = { .set_irq = vmm_pc_dev_irq };
static const struct i8042_ops vmm_pc_kbc_ops = {
	.set_irq = vmm_pc_dev_irq,
	.reset_request = vmm_pc_reset_request,
	.a20_changed = vmm_pc_a20,
};
static const struct sysctl_port_ops vmm_pc_sysctl_ops = {
	.reset_request = vmm_pc_reset_request,
	.a20_changed = vmm_pc_a20,
};
static const struct acpi_pm_ops vmm_pc_pm_ops = {
	.set_irq = vmm_pc_dev_irq,
	.poweroff = vmm_pc_poweroff,
	.reset = vmm_pc_reset_request,
};

static int vmm_pc_read_gpa(void *opaque, u64 gpa, void *buf, u32 len)
{
	return vmm_gpa_read(opaque, gpa, buf, len);
}

static int vmm_pc_write_gpa(void *opaque, u64 gpa, const void *buf, u32 len)
{
	return vmm_gpa_write(opaque, gpa, buf, len);
}

static const struct fw_cfg_ops vmm_pc_fw_cfg_ops = {
	.read_gpa = vmm_pc_read_gpa,
	.write_gpa = vmm_pc_write_gpa,
};

/* ------------------------------------------------------------------ */
/* PCI interrupts                                                      */
/* ------------------------------------------------------------------ */

#define VMM_PC_PIRQ_GSI		16	/* PIRQA-D on IOAPIC pins 16-19 */

static bool vmm_pc_route_ok(u8 route)
{
	u8 irq = route & PIIX3_PIRQ_IRQ_MASK;

	return !(route & PIIX3_PIRQ_DISABLE) && irq >= 3 && irq != 8 &&
	       irq != 13;
}

/*
 * The 8259 side: an ISA IRQ is high while any PIRQ routed to it is
 * asserted (PCI lines are level, shared, wired-OR). intx_lock held.
 */
static void vmm_pc_pirq_sync(struct vmm_pc *pc)
{
	u16 want = 0, diff;
	unsigned int i;

	for (i = 0; i < PIIX3_NR_PIRQS; i++)
		if (pc->pirq_count[i] && vmm_pc_route_ok(pc->pirq_route[i]))
			want |= 1u << (pc->pirq_route[i] & PIIX3_PIRQ_IRQ_MASK);
	diff = want ^ pc->pci_isa_level;
	pc->pci_isa_level = want;
	for (i = 0; i < I8259_NR_IRQS; i++)
		if (diff & (1u << i))
			i8259_set_irq(&pc->pic, i, want & (1u << i));
}

/* Called by the PIIX3 model with the PCI lock held. */
static void vmm_pc_pirq(void *opaque, unsigned int pirq, u8 route)
{
	struct vmm_pc *pc = opaque;
	unsigned long flags;

	vmm_lock(&pc->intx_lock, flags);
	pc->pirq_route[pirq] = route;
	vmm_pc_pirq_sync(pc);
	vmm_unlock(&pc->intx_lock, flags);
}

static unsigned int vmm_pc_pirq_of(const struct vpci_dev *d)
{
	u8 pin = d->cfg[VPCI_INTERRUPT_PIN];

	return VPCI_PIRQ_SWIZZLE(VPCI_SLOT(d->devfn), pin ? pin : 1);
}

/* Bring what irq adds to its PIRQ in line with its state; intx_lock held. */
static void vmm_pc_intx_update(struct vmm_pc *pc, struct vmm_pci_irq *irq)
{
	const struct vpci_dev *d = irq->dev;
	u64 addr;
	u32 data;
	bool want = READ_ONCE(irq->level) &&
		    !(vpci_get_word(d, VPCI_COMMAND) & VPCI_COMMAND_INTX_DISABLE) &&
		    !vpci_msi_message(d, &addr, &data) && !vpci_msix_enabled(d);
	unsigned int p = vmm_pc_pirq_of(d);

	if (want == irq->asserted)
		return;
	irq->asserted = want;
	if (want)
		pc->pirq_count[p]++;
	else
		pc->pirq_count[p]--;
	/* The IOAPIC pin follows the PIRQ's wired-OR. */
	ioapic_set_irq(&pc->ioapic, VMM_PC_PIRQ_GSI + p, pc->pirq_count[p]);
	vmm_pc_pirq_sync(pc);
}

/*
 * An MSI: a write of data to addr in the 0xfeexxxxx window is an interrupt
 * message to the local APICs its destination names (SDM vol. 3, 11.11).
 */
static void vmm_pc_msi(struct vmm_pc *pc, u64 addr, u32 data)
{
	u8 dm = (data >> 8) & 7;

	if ((addr >> 20) != 0xfee)
		return;		/* not an interrupt: a write nothing decodes */
	if (dm != LAPIC_DM_FIXED && dm != LAPIC_DM_LOWEST && dm != LAPIC_DM_NMI)
		return;
	vmm_pc_route(pc, NULL, (addr >> 12) & 0xff, addr & 4, LAPIC_SH_NONE,
		     dm, data & 0xff, false);
}

void vmm_pc_pci_msi(struct vmm_vm *vm, u64 addr, u32 data)
{
	vmm_pc_msi(vm->pc, addr, data);
}

void vmm_pc_pci_irq(struct vmm_vm *vm, struct vmm_pci_irq *irq, bool level,
		    bool edge)
{
	struct vmm_pc *pc = vm->pc;
	unsigned long flags;
	u64 addr;
	u32 data;

	WRITE_ONCE(irq->level, level);
	/* An MSI is a memory write: only a bus master sends one. */
	if (edge && vpci_msi_message(irq->dev, &addr, &data) &&
	    (vpci_get_word(irq->dev, VPCI_COMMAND) & VPCI_COMMAND_MASTER))
		vmm_pc_msi(pc, addr, data);
	vmm_lock(&pc->intx_lock, flags);
	vmm_pc_intx_update(pc, irq);
	vmm_unlock(&pc->intx_lock, flags);
}

void vmm_pc_pci_cfg_written(struct vmm_vm *vm, struct vmm_pci_irq *irq,
			    u32 off, unsigned int size)
{
	struct vmm_pc *pc = vm->pc;
	unsigned long flags;

	if (off >= VPCI_COMMAND + 2 || off + size <= VPCI_COMMAND) {
		if (!vpci_msi_hit(irq->dev, off, size) &&
		    !vpci_msix_hit(irq->dev, off, size))
			return;
	}
	vmm_lock(&pc->intx_lock, flags);
	vmm_pc_intx_update(pc, irq);
	vmm_unlock(&pc->intx_lock, flags);
}

int vmm_pc_pci_add(struct vmm_vm *vm, u8 devfn, struct vpci_dev *d,
		   struct vmm_pci_irq *irq)
{
	if (!vm->pc)
		return -ENOTTY;
	irq->dev = d;
	irq->level = false;
	irq->asserted = false;
	/* What a BIOS reads to build its PIRQ table; SeaBIOS rewrites it. */
	return vpci_register(&vm->pc->pci, devfn, d);
}

/* ------------------------------------------------------------------ */
/* PAM: the BIOS area as ROM or RAM                                    */
/* ------------------------------------------------------------------ */

/*
 * The RAM or ROM page at gpa. vmm_pc_start() backed all of them for the
 * BIOS area (guest RAM is backed on first touch), so this finds them in
 * atomic context too and never allocates there.
 */
static struct page *vmm_pc_page(struct vmm_vm *vm, u64 gpa, bool *ro)
{
	struct vmm_mem_slot *s = vmm_find_slot(vm, gpa);

	if (!s)
		return NULL;
	if (ro)
		*ro = s->flags & VMM_MEM_READONLY;
	return vmm_gpa_page(vm, gpa, false);
}

/*
 * Reads go to RAM (RE) or else to the ROM, which backs 0xe0000-0xfffff
 * only (below that the bus has nothing: the page is unmapped). The page
 * is writable when writes go to RAM (WE) and reads do too; other writes
 * fault and vmm_pc_mmio() sends them to RAM or drops them.
 */
static void vmm_pc_pam_map(struct vmm_pc *pc, unsigned int region)
{
	struct vmm_vm *vm = pc->vm;
	u64 base = i440fx_pam_base(region), end = base + i440fx_pam_size(region);
	u8 attr = pc->pam[region];
	u64 gpa;

	for (gpa = base; gpa < end; gpa += PAGE_SIZE) {
		struct page *ram = vmm_pc_page(vm, gpa, NULL), *rom = NULL;
		bool ro = false;

		if (!ram)
			continue;	/* no RAM here: MMIO whatever PAM says */
		if (attr & PAM_RE) {
			vmm_npt_set_4k(vm, gpa, page_to_phys(ram), true,
				       attr & PAM_WE);
			continue;
		}
		if (gpa >= 0xe0000)
			rom = vmm_pc_page(vm, gpa + VMM_PC_ROM_ALIAS, &ro);
		if (rom && ro)
			vmm_npt_set_4k(vm, gpa, page_to_phys(rom), true, false);
		else
			vmm_npt_set_4k(vm, gpa, 0, false, false);
	}
}

static void vmm_pc_pam_changed(void *opaque, unsigned int region, u8 attr)
{
	struct vmm_pc *pc = opaque;

	WRITE_ONCE(pc->pam[region], attr);
	if (!pc->started)
		return;
	vmm_pc_pam_map(pc, region);
	/* Rights were taken away: every vCPU drops what it cached. */
	vmm_vm_flush_tlbs(pc->vm);
}

int vmm_pc_start(struct vmm_vm *vm)
{
	struct vmm_pc *pc = vm->pc;
	unsigned long flags;
	unsigned int i;
	u64 gpa;
	int r = 0;

	if (smp_load_acquire(&pc->started))
		return 0;
	mutex_lock(&vm->lock);
	if (pc->started)
		goto out;
	/*
	 * PAM retargets 4 KiB entries of the first megabyte from atomic
	 * context, where nothing can be backed or mapped: map all of it now
	 * (its 2 MiB chunk at once where it can), and back the ROM pages
	 * 0xe0000-0xfffff alias.
	 */
	for (gpa = 0; gpa < VMM_PC_SHADOW_END; gpa += PAGE_SIZE) {
		if (!vmm_find_slot(vm, gpa))
			continue;
		r = vmm_gmem_map(vm, gpa);
		if (r)
			goto out;
		if (gpa >= 0xe0000 && vmm_find_slot(vm, gpa + VMM_PC_ROM_ALIAS) &&
		    !vmm_gpa_page(vm, gpa + VMM_PC_ROM_ALIAS, true)) {
			r = -ENOMEM;
			goto out;
		}
	}
	r = vmm_npt_split(vm, 0);
	if (r)
		goto out;
	/* Under the PCI lock: the guest's PAM writes are serialised with it. */
	vmm_lock(&pc->pci.lock, flags);
	for (i = 0; i < I440FX_NR_PAM_REGIONS; i++)
		vmm_pc_pam_map(pc, i);
	smp_store_release(&pc->started, true);
	vmm_unlock(&pc->pci.lock, flags);
out:
	mutex_unlock(&vm->lock);
	return r;
}

bool vmm_pc_started(struct vmm_vm *vm)
{
	return vm->pc->started;
}

static unsigned int vmm_pc_pam_region(u64 gpa)
{
	unsigned int i;

	for (i = 0; i < I440FX_NR_PAM_REGIONS; i++)
		if (gpa >= i440fx_pam_base(i) &&
		    gpa < i440fx_pam_base(i) + i440fx_pam_size(i))
			return i;
	return 0;
}

/* An access PAM turned away from RAM (the page faulted). */
static void vmm_pc_shadow_access(struct vmm_pc *pc, u64 gpa, bool write,
				 unsigned int size, u64 *val)
{
	u8 attr = READ_ONCE(pc->pam[vmm_pc_pam_region(gpa)]);

	if (write) {
		if (attr & PAM_WE)
			vmm_gpa_write(pc->vm, gpa, val, size);
		return;		/* else to the ROM or nowhere: dropped */
	}
	*val = 0;
	if (attr & PAM_RE) {	/* PAM changed since the fault */
		if (!vmm_gpa_read(pc->vm, gpa, val, size))
			return;
	} else if (gpa >= 0xe0000 &&
		   !vmm_gpa_read(pc->vm, gpa + VMM_PC_ROM_ALIAS, val, size)) {
		return;
	}
	*val = ~0ULL;		/* nothing on the bus */
}

/* ------------------------------------------------------------------ */
/* MMIO and MSRs                                                       */
/* ------------------------------------------------------------------ */

bool vmm_pc_mmio(struct vmm_vcpu *v, u64 gpa, bool write, unsigned int size,
		 u64 *val)
{
	struct vmm_pc *pc = v->vm->pc;
	struct lapic *l = &pc->lapic[v->id];
	u64 base;

	if (gpa >= VMM_PC_SHADOW_START && gpa < VMM_PC_SHADOW_END) {
		vmm_pc_shadow_access(pc, gpa, write, size, val);
		return true;
	}
	/* Writes to the BIOS ROM are dropped. */
	if (write && gpa >= 0x100000000ULL - 0x1000000 && gpa < 0x100000000ULL) {
		bool ro = false;

		if (vmm_pc_page(v->vm, gpa, &ro) && ro)
			return true;
	}
	base = lapic_get_base(l) & LAPIC_BASE_ADDR_MASK;
	if (lapic_is_enabled(l) && !lapic_is_x2apic(l) &&
	    gpa >= base && gpa - base < LAPIC_MMIO_SIZE) {
		if (write)
			lapic_mmio_write(l, gpa - base, size, *val);
		else if (lapic_mmio_read(l, gpa - base, size, val))
			*val = 0;
		return true;
	}
	if (gpa >= IOAPIC_DEFAULT_BASE &&
	    gpa - IOAPIC_DEFAULT_BASE < IOAPIC_MMIO_SIZE) {
		if (write)
			ioapic_mmio_write(&pc->ioapic, gpa - IOAPIC_DEFAULT_BASE,
					  size, *val);
		else
			ioapic_mmio_read(&pc->ioapic, gpa - IOAPIC_DEFAULT_BASE,
					 size, val);
		return true;
	}
	return false;
}

int vmm_pc_msr_read(struct vmm_vcpu *v, u32 index, u64 *val)
{
	if (index == PVCLOCK_MSR_PV_EOI && v->vm->pv_eoi) {
		*val = v->pv_eoi_msr;
		return 0;
	}
	if (!lapic_is_msr(index))
		return -ENOENT;
	return lapic_read_msr(&v->vm->pc->lapic[v->id], index, val) ?
	       -EINVAL : 0;
}

int vmm_pc_msr_write(struct vmm_vcpu *v, u32 index, u64 val)
{
	if (index == PVCLOCK_MSR_PV_EOI && v->vm->pv_eoi)
		return vmm_pc_pv_eoi_msr(v, val);
	if (!lapic_is_msr(index))
		return -ENOENT;
	return lapic_write_msr(&v->vm->pc->lapic[v->id], index, val) ?
	       -EINVAL : 0;
}

/* ------------------------------------------------------------------ */
/* Configuration from userspace                                        */
/* ------------------------------------------------------------------ */

long vmm_pc_fw_cfg_add(struct vmm_vm *vm, struct vmm_fw_cfg_item __user *u)
{
	struct vmm_pc *pc = vm->pc;
	struct vmm_fw_cfg_item arg;
	void *data = NULL;
	long r;

	if (!pc)
		return -ENOTTY;
	if (copy_from_user(&arg, u, sizeof(arg)))
		return -EFAULT;
	if (arg.flags || arg.reserved[0] || arg.reserved[1] ||
	    arg.size > VMM_FW_CFG_MAX_SIZE ||
	    strnlen(arg.name, sizeof(arg.name)) == sizeof(arg.name) ||
	    (arg.name[0] && arg.key))
		return -EINVAL;

	mutex_lock(&vm->lock);
	r = -EBUSY;
	if (pc->started)
		goto out;
	r = -ENOSPC;
	if (pc->nr_blobs == VMM_PC_NR_BLOBS ||
	    pc->blob_bytes + arg.size > VMM_FW_CFG_MAX_TOTAL)
		goto out;
	if (arg.size) {
		data = kvmalloc(arg.size, GFP_KERNEL_ACCOUNT);
		r = -ENOMEM;
		if (!data)
			goto out;
		r = -EFAULT;
		if (copy_from_user(data, u64_to_user_ptr(arg.data), arg.size))
			goto out;
	}
	if (arg.name[0])
		r = fw_cfg_add_file(&pc->fw, arg.name, data, arg.size);
	else
		r = fw_cfg_add_bytes(&pc->fw, arg.key, data, arg.size);
	if (r < 0)
		goto out;
	r = 0;
	if (data) {
		pc->blobs[pc->nr_blobs++] = data;
		pc->blob_bytes += arg.size;
		atomic_long_add(arg.size, &vm->overhead);
		data = NULL;
	}
out:
	mutex_unlock(&vm->lock);
	kvfree(data);
	return r;
}

long vmm_pc_set_nvram(struct vmm_vm *vm, struct vmm_nvram __user *u)
{
	struct vmm_nvram arg;
	u8 buf[MC146818_NVRAM_SIZE];
	unsigned int i;

	if (!vm->pc)
		return -ENOTTY;
	if (copy_from_user(&arg, u, sizeof(arg)))
		return -EFAULT;
	if (arg.reserved || arg.offset < 0x0e || arg.offset >= sizeof(buf) ||
	    arg.len > sizeof(buf) - arg.offset)
		return -EINVAL;
	if (copy_from_user(buf, u64_to_user_ptr(arg.data), arg.len))
		return -EFAULT;
	for (i = 0; i < arg.len; i++)
		mc146818_nvram_set(&vm->pc->rtc, arg.offset + i, buf[i]);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Creation                                                            */
/* ------------------------------------------------------------------ */

int vmm_pc_vcpu_init(struct vmm_vcpu *v)
{
	struct vmm_pc *pc = v->vm->pc;

	if (!pc)
		return 0;
	lapic_init(&pc->lapic[v->id], v->id, v->id == 0, &vmm_pc_lapic_ops, v,
		   &vmm_pc_time, pc);
	vmm_ktimer_bind(&pc->kt_lapic[v->id], &pc->lapic[v->id].timer);
	/* Application processors wait for the boot processor's SIPI. */
	v->wait_sipi = v->id != 0;
	smp_store_release(&pc->has_lapic[v->id], true);
	return 0;
}

int vmm_pc_create(struct vmm_vm *vm)
{
	struct vmm_pc *pc = kvzalloc(sizeof(*pc), GFP_KERNEL_ACCOUNT);
	int r;

	if (!pc)
		return -ENOMEM;
	pc->vm = vm;
	vmm_lock_init(&pc->intx_lock);
	for (r = 0; r < PIIX3_NR_PIRQS; r++)
		pc->pirq_route[r] = PIIX3_PIRQ_DISABLE;
	i8259_init(&pc->pic, &vmm_pc_pic_ops, pc);
	i8254_init(&pc->pit, &vmm_pc_pit_ops, &vmm_pc_time, pc, pc);
	vmm_ktimer_bind(&pc->kt_pit, &pc->pit.timer);
	mc146818_init(&pc->rtc, &vmm_pc_rtc_ops, &vmm_pc_time, pc, pc,
		      ktime_get_real_seconds());
	vmm_ktimer_bind(&pc->kt_rtc, &pc->rtc.timer);
	acpi_pm_init(&pc->pm, ACPI_PM_BASE_DEFAULT, &vmm_pc_pm_ops,
		     &vmm_pc_time, pc, pc);
	vmm_ktimer_bind(&pc->kt_pm, &pc->pm.timer);
	ioapic_init(&pc->ioapic, 0, &vmm_pc_ioapic_ops, pc);
	i8042_init(&pc->kbc, &vmm_pc_kbc_ops, pc);
	sysctl_port_init(&pc->sysctl, &vmm_pc_sysctl_ops, pc);
	fw_cfg_init(&pc->fw, &vmm_pc_fw_cfg_ops, vm);

	vpci_bus_init(&pc->pci);
	vpci_i440fx_init(&pc->i440fx, vmm_pc_pam_changed, pc);
	vpci_piix3_init(&pc->piix3, vmm_pc_pirq, pc);
	/*
	 * The subsystem SeaBIOS looks for before it trusts fw_cfg and the
	 * paravirtual PC conventions (QEMU's, which ours follows).
	 */
	vpci_set_word(&pc->i440fx.dev, VPCI_SUBSYSTEM_VENDOR_ID, 0x1af4);
	vpci_set_word(&pc->i440fx.dev, VPCI_SUBSYSTEM_ID, 0x1100);
	vpci_set_word(&pc->piix3.dev, VPCI_SUBSYSTEM_VENDOR_ID, 0x1af4);
	vpci_set_word(&pc->piix3.dev, VPCI_SUBSYSTEM_ID, 0x1100);
	r = vpci_register(&pc->pci, VPCI_DEVFN(0, 0), &pc->i440fx.dev);
	r = r ?: vpci_register(&pc->pci, VPCI_DEVFN(1, 0), &pc->piix3.dev);
	r = r ?: vmm_pc_register_ports(vm, pc);
	if (r) {
		kvfree(pc);
		return r;
	}
	vm->pc = pc;
	atomic_long_add(sizeof(*pc), &vm->overhead);
	/* COM1 on ISA IRQ 4, as on every PC. */
	vmm_console_wire_irq(vm, &(struct vmm_irq_line){
		.set = vmm_pc_dev_irq, .opaque = pc, .line = VMM_PC_COM1_IRQ });
	return 0;
}

void vmm_pc_destroy(struct vmm_vm *vm)
{
	struct vmm_pc *pc = vm->pc;
	unsigned int i;

	if (!pc)
		return;
	vmm_ktimer_stop(&pc->kt_pit);
	vmm_ktimer_stop(&pc->kt_rtc);
	vmm_ktimer_stop(&pc->kt_pm);
	for (i = 0; i < VMM_MAX_VCPUS; i++)
		vmm_ktimer_stop(&pc->kt_lapic[i]);
	for (i = 0; i < pc->nr_blobs; i++)
		kvfree(pc->blobs[i]);
	kvfree(pc);
	vm->pc = NULL;
}
