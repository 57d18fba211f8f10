/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A local APIC model, one per vCPU: xAPIC (a 4 KiB MMIO page at the APIC
 * base) and x2APIC (MSRs 0x800-0x8ff), the IA32_APIC_BASE and
 * IA32_TSC_DEADLINE MSRs, and the APIC timer.
 *
 * Interrupts in: the host routes every interrupt message (IPI, IOAPIC,
 * MSI) to the LAPICs it targets (lapic_match_dest() answers "is this one
 * a destination") and calls lapic_deliver() on each, or lapic_accept()
 * for a fixed one. Fixed interrupts land in IRR; the vCPU loop asks
 * lapic_pending() for the vector to inject and calls lapic_ack() when the
 * vCPU takes it (IRR -> ISR). NMI, INIT, SIPI and ExtINT are not kept
 * here: they go straight to the ops callbacks.
 *
 * Interrupts out: an ICR write becomes ops->send_ipi(); an EOI of a
 * level-triggered vector becomes ops->eoi_level() so that the IOAPIC can
 * clear Remote IRR. LINT0 in ExtINT mode (the PIC's virtual wire) is
 * reported by lapic_lint0_extint(): the host then takes the vector from
 * the PIC itself.
 *
 * Timer: counts down at LAPIC_TIMER_HZ / divide; the current count is
 * derived from the host clock (time->now_ns), never ticked. Expiry is a
 * host timer armed at the exact deadline. TSC-deadline mode converts the
 * guest TSC deadline to the same clock through ops->tsc_to_ns.
 *
 * Version 0x00050014: version 0x14, max LVT entry 5 (timer, thermal,
 * perf, LINT0, LINT1, error). The CMCI LVT register exists and keeps its
 * value but nothing raises CMCI; a guest only uses it when MCG_CAP says so.
 * No EOI-broadcast suppression, no remote read, no Remote IRR for LINT
 * pins.
 *
 * Locking: one lock per LAPIC, taken inside every public function. With
 * the lock held the LAPIC calls: kick, nmi, init, sipi, extint, now_tsc,
 * tsc_to_ns and the vmm_time_ops; these must not call back into the same
 * LAPIC (record the event and return). send_ipi and eoi_level are called
 * after the lock is dropped, so they may call into any LAPIC, this one
 * included, and into the IOAPIC. The timer's fire() takes the lock: the
 * host's timer_cancel must not wait for a running fire() (it would wait on
 * a lock its caller holds); a late or stale fire() is recognised and
 * ignored.
 */
#ifndef VMM_CORE_LAPIC_H
#define VMM_CORE_LAPIC_H

#include "host.h"
#include "timebase.h"

#define LAPIC_DEFAULT_BASE	0xfee00000ULL
#define LAPIC_MMIO_SIZE		0x1000
#define LAPIC_VERSION		0x00050014
/* Timer input clock before the divider: one tick per ns at divide-by-1. */
#define LAPIC_TIMER_HZ		1000000000ULL

/* MSRs. */
#define MSR_LAPIC_APIC_BASE	0x1b
#define MSR_LAPIC_TSC_DEADLINE	0x6e0
#define MSR_LAPIC_X2APIC_FIRST	0x800
#define MSR_LAPIC_X2APIC_LAST	0x8ff

/* IA32_APIC_BASE */
#define LAPIC_BASE_BSP		(1ULL << 8)
#define LAPIC_BASE_EXTD		(1ULL << 10)	/* x2APIC mode */
#define LAPIC_BASE_EN		(1ULL << 11)	/* APIC global enable */
#define LAPIC_BASE_ADDR_MASK	0x000ffffffffff000ULL

/*
 * Register offsets in the xAPIC page; the x2APIC MSR of a register is
 * 0x800 + (offset >> 4).
 */
#define LAPIC_REG_ID		0x020
#define LAPIC_REG_VERSION	0x030
#define LAPIC_REG_TPR		0x080
#define LAPIC_REG_APR		0x090	/* xAPIC only */
#define LAPIC_REG_PPR		0x0a0
#define LAPIC_REG_EOI		0x0b0
#define LAPIC_REG_RRD		0x0c0	/* xAPIC only, reads 0 */
#define LAPIC_REG_LDR		0x0d0
#define LAPIC_REG_DFR		0x0e0	/* xAPIC only */
#define LAPIC_REG_SVR		0x0f0
#define LAPIC_REG_ISR		0x100	/* 8 registers, 0x10 apart */
#define LAPIC_REG_TMR		0x180
#define LAPIC_REG_IRR		0x200
#define LAPIC_REG_ESR		0x280
#define LAPIC_REG_LVT_CMCI	0x2f0
#define LAPIC_REG_ICR_LO	0x300
#define LAPIC_REG_ICR_HI	0x310	/* xAPIC only */
#define LAPIC_REG_LVT_TIMER	0x320
#define LAPIC_REG_LVT_THERMAL	0x330
#define LAPIC_REG_LVT_PERF	0x340
#define LAPIC_REG_LVT_LINT0	0x350
#define LAPIC_REG_LVT_LINT1	0x360
#define LAPIC_REG_LVT_ERROR	0x370
#define LAPIC_REG_TIMER_ICR	0x380	/* initial count */
#define LAPIC_REG_TIMER_CCR	0x390	/* current count */
#define LAPIC_REG_TIMER_DCR	0x3e0	/* divide configuration */
#define LAPIC_REG_SELF_IPI	0x3f0	/* x2APIC only */

#define LAPIC_MSR(reg)		(MSR_LAPIC_X2APIC_FIRST + ((reg) >> 4))

/* SVR */
#define LAPIC_SVR_VECTOR	0x0ff
#define LAPIC_SVR_ENABLE	0x100	/* APIC software enable */
#define LAPIC_SVR_FOCUS_OFF	0x200	/* focus processor checking disabled */

/* LVT entries */
#define LAPIC_LVT_VECTOR	0x000ff
#define LAPIC_LVT_DM_MASK	0x00700
#define LAPIC_LVT_DM_SHIFT	8
#define LAPIC_LVT_PENDING	0x01000	/* delivery status */
#define LAPIC_LVT_POLARITY_LOW	0x02000
#define LAPIC_LVT_REMOTE_IRR	0x04000
#define LAPIC_LVT_LEVEL		0x08000
#define LAPIC_LVT_MASKED	0x10000
#define LAPIC_LVT_TIMER_MODE	0x60000
#define LAPIC_LVT_TIMER_ONESHOT	0x00000
#define LAPIC_LVT_TIMER_PERIODIC 0x20000
#define LAPIC_LVT_TIMER_TSCDL	0x40000

/* Delivery modes (ICR, LVT, IOAPIC redirection entries, MSI) */
#define LAPIC_DM_FIXED		0
#define LAPIC_DM_LOWEST		1
#define LAPIC_DM_SMI		2
#define LAPIC_DM_NMI		4
#define LAPIC_DM_INIT		5
#define LAPIC_DM_SIPI		6
#define LAPIC_DM_EXTINT		7

/* ICR */
#define LAPIC_ICR_VECTOR	0x000ff
#define LAPIC_ICR_DM_SHIFT	8
#define LAPIC_ICR_LOGICAL	0x00800
#define LAPIC_ICR_BUSY		0x01000	/* delivery status: always idle here */
#define LAPIC_ICR_ASSERT	0x04000
#define LAPIC_ICR_LEVEL		0x08000
#define LAPIC_ICR_SH_SHIFT	18
#define LAPIC_ICR_LO_MASK	0x000ccfff	/* writable bits */

#define LAPIC_DEST_PHYSICAL	0
#define LAPIC_DEST_LOGICAL	1

/* Destination shorthands */
#define LAPIC_SH_NONE		0
#define LAPIC_SH_SELF		1
#define LAPIC_SH_ALL		2	/* all including self */
#define LAPIC_SH_OTHERS		3	/* all excluding self */

/* DFR models */
#define LAPIC_DFR_FLAT		0xffffffff
#define LAPIC_DFR_CLUSTER	0x0fffffff

/* ESR */
#define LAPIC_ESR_SEND_CS	0x01
#define LAPIC_ESR_RECV_CS	0x02
#define LAPIC_ESR_SEND_ACCEPT	0x04
#define LAPIC_ESR_RECV_ACCEPT	0x08
#define LAPIC_ESR_REDIR_IPI	0x10
#define LAPIC_ESR_SEND_ILLEGAL	0x20	/* illegal vector sent */
#define LAPIC_ESR_RECV_ILLEGAL	0x40	/* illegal vector received */
#define LAPIC_ESR_ILLEGAL_REG	0x80	/* illegal register address */

/* LVT indices in struct lapic.lvt[] */
enum {
	LAPIC_LVTI_CMCI,
	LAPIC_LVTI_TIMER,
	LAPIC_LVTI_THERMAL,
	LAPIC_LVTI_PERF,
	LAPIC_LVTI_LINT0,
	LAPIC_LVTI_LINT1,
	LAPIC_LVTI_ERROR,
	LAPIC_NR_LVT,
};

struct lapic_ops {
	/*
	 * An ICR write. dest: 8-bit xAPIC or 32-bit x2APIC destination;
	 * dest_mode LAPIC_DEST_*; shorthand LAPIC_SH_*; delivery_mode
	 * LAPIC_DM_*; level: level-triggered; assert: the ICR level bit
	 * (INIT with level && !assert is the INIT level de-assert, which a
	 * modern system ignores). Called without the lock. May be NULL.
	 */
	void (*send_ipi)(void *opaque, u32 dest, u8 dest_mode, u8 shorthand,
			 u8 delivery_mode, u8 vector, bool level, bool assert);
	/* EOI of a level-triggered vector; called without the lock. */
	void (*eoi_level)(void *opaque, u8 vector);
	/* A fixed interrupt became deliverable, or an NMI/INIT/SIPI/ExtINT came. */
	void (*kick)(void *opaque);
	/* Accepted NMI, INIT, SIPI (with its vector), ExtINT. May be NULL. */
	void (*nmi)(void *opaque);
	void (*init)(void *opaque);
	void (*sipi)(void *opaque, u8 vector);
	void (*extint)(void *opaque);
	/*
	 * Guest TSC now, and the time on the time->now_ns clock at which
	 * the guest TSC reaches tsc. Needed for TSC-deadline mode only.
	 */
	u64 (*now_tsc)(void *opaque);
	u64 (*tsc_to_ns)(void *opaque, u64 tsc);
};

struct lapic {
	vmm_lock_t lock;

	u64 apic_base;		/* IA32_APIC_BASE */
	u32 initial_id;		/* x2APIC ID; CPUID's initial APIC ID */
	u8 xapic_id;		/* xAPIC ID register bits 31:24 */
	u8 tpr;
	u32 ldr, dfr, svr;
	u32 esr;		/* value the guest reads */
	u32 esr_pending;	/* errors since the last ESR write */
	u32 icr_lo, icr_hi;
	u32 lvt[LAPIC_NR_LVT];
	u32 irr[8], isr[8], tmr[8];
	bool lint_level[2];
	bool lazy_eoi;		/* lapic_lazy_eoi_arm() */
	/*
	 * A vector posted for the guest to take itself (lapic_post_begin),
	 * -1 if none, and whether it was signalled again meanwhile.
	 */
	s16 posted;
	bool posted_again;

	/* Timer */
	u32 timer_icr, timer_dcr;
	u64 timer_start;	/* ns when the count was (notionally) loaded */
	u64 timer_deadline;	/* ns; meaningful while timer_armed */
	bool timer_armed;
	u64 tsc_deadline;
	struct vmm_timer timer;

	const struct lapic_ops *ops;
	void *opaque;
	const struct vmm_time_ops *time;
	void *host;
};

/*
 * Power-on state: xAPIC mode at LAPIC_DEFAULT_BASE, software-disabled.
 * apic_id is the initial (x2APIC) ID; its low 8 bits are the xAPIC ID.
 * time is required (the host's clock and timers); ops may be NULL.
 * Calls no callback.
 */
void lapic_init(struct lapic *l, u32 apic_id, bool bsp,
		const struct lapic_ops *ops, void *opaque,
		const struct vmm_time_ops *time, void *host);
/* Cancels the timer. */
void lapic_destroy(struct lapic *l);
/*
 * init=false: power-on/RESET state (xAPIC mode, APIC_BASE reset).
 * init=true: INIT state: APIC_BASE, the mode and the IDs are kept.
 */
void lapic_reset(struct lapic *l, bool init);

/*
 * xAPIC MMIO at offset 0..0xfff of the APIC page. Registers are 32 bits
 * at 16-byte-aligned offsets; reads of 1, 2, 4 or 8 bytes see the
 * register's bytes (bytes 4-15 read 0); writes other than 4 bytes at a
 * register's start are ignored. Returns 0, -ENODEV when the APIC is not
 * in xAPIC mode (the page is not decoded: the host treats it as
 * unassigned), or -EINVAL for an offset outside the page.
 */
int lapic_mmio_read(struct lapic *l, u64 offset, unsigned int size, u64 *val);
int lapic_mmio_write(struct lapic *l, u64 offset, unsigned int size, u64 val);

static inline bool lapic_is_msr(u32 msr)
{
	return msr == MSR_LAPIC_APIC_BASE || msr == MSR_LAPIC_TSC_DEADLINE ||
	       (msr >= MSR_LAPIC_X2APIC_FIRST && msr <= MSR_LAPIC_X2APIC_LAST);
}

/*
 * RDMSR/WRMSR of IA32_APIC_BASE, IA32_TSC_DEADLINE and the x2APIC range.
 * Returns 0, or -EINVAL where the guest gets #GP: x2APIC MSRs outside
 * x2APIC mode, absent registers, reads of write-only and writes of
 * read-only registers, non-zero upper halves (all but the ICR), non-zero
 * EOI/ESR writes, reserved SELF IPI bits, illegal APIC_BASE values.
 */
int lapic_read_msr(struct lapic *l, u32 msr, u64 *val);
int lapic_write_msr(struct lapic *l, u32 msr, u64 val);

/*
 * IA32_APIC_BASE. Returns -EINVAL (#GP) for reserved bits (0-7, 9,
 * 52-63), EXTD without EN, x2APIC -> xAPIC and disabled -> x2APIC. The
 * BSP bit is read-only. Disabling resets the register state; entering
 * x2APIC mode loads the x2APIC ID and derives LDR.
 */
int lapic_set_base(struct lapic *l, u64 val);
u64 lapic_get_base(struct lapic *l);

/* IA32_TSC_DEADLINE: reads 0 and ignores writes outside TSC-deadline mode. */
void lapic_set_tsc_deadline(struct lapic *l, u64 tsc);
u64 lapic_get_tsc_deadline(struct lapic *l);

/*
 * Deliver one interrupt message accepted by this LAPIC (the host has
 * already matched the destination): fixed and lowest-priority go to IRR,
 * NMI/INIT/SIPI/ExtINT to their callbacks followed by kick; SMI is
 * dropped. Nothing is accepted while the APIC is globally disabled.
 */
void lapic_deliver(struct lapic *l, u8 delivery_mode, u8 vector, bool level_trig);
/*
 * A fixed interrupt: sets IRR (and TMR for level-triggered, clears it for
 * edge); dropped while the APIC is disabled; vectors 0-15 are refused
 * with a receive-illegal-vector error.
 */
void lapic_accept(struct lapic *l, u8 vector, bool level_trig);
/* Highest IRR vector whose priority class is above PPR, else -1. */
int lapic_pending(struct lapic *l);
/* The vCPU took vector: IRR -> ISR. */
void lapic_ack(struct lapic *l, u8 vector);
/*
 * A vector from lapic_pending() handed to the CPU, which delivers it
 * when the guest can (pc.c, posted interrupts): the LAPIC accepts it only
 * at the exit after, lapic_post_end(taken). If it is signalled again in
 * between, the IRR bit it already has would swallow that interrupt: the
 * second one is remembered and, once the first is taken, waits in IRR.
 * Not taken: it stays in IRR as it was.
 */
void lapic_post_begin(struct lapic *l, u8 vector);
void lapic_post_end(struct lapic *l, bool taken);
/*
 * Paravirtual EOI (KVM's PV_EOI, pc.c), called right after lapic_ack():
 * may the guest skip the EOI of the vector it was just given and leave
 * it to the host? Only when that one vector is in service, none waits in
 * IRR and it is edge-triggered (the EOI of a level-triggered one must
 * reach the IOAPIC at once). While armed, an interrupt that arrives kicks
 * the vCPU whatever its priority, for the host to look whether the EOI
 * was made. lapic_lazy_eoi_end() disarms, and with eoi makes that EOI
 * as a write to the EOI register would.
 */
bool lapic_lazy_eoi_arm(struct lapic *l);
/*
 * Before vector is acknowledged (a vector posted for the guest to take
 * itself): would lapic_lazy_eoi_arm() arm once it is? Nothing in
 * service, only vector waiting, edge-triggered. Arms nothing.
 */
bool lapic_lazy_eoi_would_arm(struct lapic *l, u8 vector);
void lapic_lazy_eoi_end(struct lapic *l, bool eoi);

/* Drive the LINT0/LINT1 pin; delivers per its LVT on a rising edge. */
void lapic_set_lint(struct lapic *l, unsigned int pin, bool level);
/*
 * Does this LAPIC take PIC (8259) interrupts? True while the APIC is
 * globally disabled (LINT0 is then the INTR pin) or LVT LINT0 is unmasked
 * in ExtINT mode. The host then injects the vector the PIC gives.
 */
bool lapic_lint0_extint(struct lapic *l);

/*
 * Is this LAPIC a destination of dest? Physical: its ID, or broadcast
 * (0xff in xAPIC mode, 0xffffffff in x2APIC mode). Logical: flat or
 * cluster model per DFR in xAPIC mode, cluster in x2APIC mode, and the
 * same broadcasts. A globally disabled APIC matches nothing.
 */
bool lapic_match_dest(struct lapic *l, u32 dest, bool logical);

/* Helpers for the host. */
u32 lapic_get_id(struct lapic *l);	/* xAPIC ID or x2APIC ID per the mode */
bool lapic_is_x2apic(struct lapic *l);
bool lapic_is_enabled(struct lapic *l);	/* globally enabled (APIC_BASE.EN) */
u8 lapic_get_ppr(struct lapic *l);	/* for lowest-priority arbitration */
u8 lapic_get_tpr(struct lapic *l);	/* CR8 is TPR[7:4] */
void lapic_set_tpr(struct lapic *l, u8 tpr);

#endif /* VMM_CORE_LAPIC_H */
