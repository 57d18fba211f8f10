// SPDX-License-Identifier: GPL-2.0
/*
 * Local APIC model: see lapic.h for the design.
 */
#include "lapic.h"

static const struct lapic_ops lapic_null_ops;

/* Writable bits of each LVT entry. */
static const u32 lapic_lvt_wmask[LAPIC_NR_LVT] = {
	[LAPIC_LVTI_CMCI]	= 0x107ff,	/* vector, delivery mode, mask */
	[LAPIC_LVTI_TIMER]	= 0x700ff,	/* vector, mask, timer mode */
	[LAPIC_LVTI_THERMAL]	= 0x107ff,
	[LAPIC_LVTI_PERF]	= 0x107ff,
	[LAPIC_LVTI_LINT0]	= 0x1a7ff,	/* + polarity, trigger mode */
	[LAPIC_LVTI_LINT1]	= 0x1a7ff,
	[LAPIC_LVTI_ERROR]	= 0x100ff,	/* vector, mask */
};

#define LAPIC_SVR_WMASK		(LAPIC_SVR_VECTOR | LAPIC_SVR_ENABLE | LAPIC_SVR_FOCUS_OFF)
#define LAPIC_DCR_WMASK		0xb
#define LAPIC_XAPIC_ID_MASK	0xff000000
/*
 * A periodic timer re-arms no faster than this, so that a tiny initial
 * count cannot turn into a host timer storm; the count still reads exact.
 */
#define LAPIC_MIN_PERIOD_NS	50000

/*
 * Work that must happen after the lock is dropped, because the host may
 * call back into this LAPIC while doing it.
 */
struct lapic_out {
	bool ipi;
	u32 dest;
	u8 dest_mode, shorthand, dm, vector;
	bool level, assert;
	int eoi_vector;		/* level-triggered vector EOIed, or -1 */
};

static void vec_set(u32 *r, u8 v)
{
	r[v >> 5] |= 1U << (v & 31);
}

static void vec_clear(u32 *r, u8 v)
{
	r[v >> 5] &= ~(1U << (v & 31));
}

static bool vec_test(const u32 *r, u8 v)
{
	return r[v >> 5] & (1U << (v & 31));
}

/* Highest vector set in a 256-bit register, or -1. */
static int vec_highest(const u32 *r)
{
	int i;

	for (i = 7; i >= 0; i--)
		if (r[i])
			return i * 32 + 31 - __builtin_clz(r[i]);
	return -1;
}

static u8 vec_class(int v)
{
	return v < 0 ? 0 : v & 0xf0;
}

static bool lapic_hw_enabled(const struct lapic *l)
{
	return l->apic_base & LAPIC_BASE_EN;
}

static bool lapic_x2(const struct lapic *l)
{
	return l->apic_base & LAPIC_BASE_EXTD;
}

static bool lapic_sw_enabled(const struct lapic *l)
{
	return l->svr & LAPIC_SVR_ENABLE;
}

static u32 lapic_x2_ldr(u32 id)
{
	return ((id >> 4) << 16) | (1U << (id & 0xf));
}

static u8 lapic_ppr(const struct lapic *l)
{
	u8 isr_class = vec_class(vec_highest(l->isr));

	if ((l->tpr & 0xf0) >= isr_class)
		return l->tpr;
	return isr_class;
}

static u8 lapic_apr(const struct lapic *l)
{
	u8 irr_class = vec_class(vec_highest(l->irr));
	u8 isr_class = vec_class(vec_highest(l->isr));
	u8 apr = l->tpr & 0xf0;

	if (apr >= irr_class && apr > isr_class)
		return l->tpr;
	if (isr_class > apr)
		apr = isr_class;
	if (irr_class > apr)
		apr = irr_class;
	return apr;
}

static int lapic_pending_locked(const struct lapic *l)
{
	int v;

	if (!lapic_hw_enabled(l))
		return -1;
	v = vec_highest(l->irr);
	if (v < 0 || vec_class(v) <= (lapic_ppr(l) & 0xf0))
		return -1;
	return v;
}

/*
 * Kick the vCPU when an interrupt is deliverable; with a lazy EOI armed,
 * when any waits: the guest may have made that EOI already (ISR is stale
 * until the vCPU looks), and it looks on its next exit.
 */
static void lapic_kick_if_pending(struct lapic *l)
{
	if (l->ops->kick && (lapic_pending_locked(l) >= 0 ||
			     (l->lazy_eoi && vec_highest(l->irr) >= 0)))
		l->ops->kick(l->opaque);
}

/* Latch an error for the next ESR write and raise the error LVT. */
static void lapic_error(struct lapic *l, u32 bits)
{
	u32 lvt = l->lvt[LAPIC_LVTI_ERROR];
	u8 v = lvt & LAPIC_LVT_VECTOR;

	l->esr_pending |= bits;
	/* An illegal error vector is not reported again: no error loop. */
	if (!(lvt & LAPIC_LVT_MASKED) && v >= 16 && lapic_sw_enabled(l)) {
		vec_set(l->irr, v);
		vec_clear(l->tmr, v);
	}
}

static void lapic_accept_locked(struct lapic *l, u8 vector, bool level)
{
	if (!lapic_hw_enabled(l) || !lapic_sw_enabled(l))
		return;
	if (vector < 16) {
		lapic_error(l, LAPIC_ESR_RECV_ILLEGAL);
		return;
	}
	/* the posted vector again: not lost in its IRR bit (lapic_post_end) */
	if (l->posted == vector)
		l->posted_again = true;
	vec_set(l->irr, vector);
	if (level)
		vec_set(l->tmr, vector);
	else
		vec_clear(l->tmr, vector);
}

/* A non-fixed interrupt: straight to the host, then wake the vCPU. */
static void lapic_signal(struct lapic *l, u8 dm, u8 vector)
{
	const struct lapic_ops *ops = l->ops;

	switch (dm) {
	case LAPIC_DM_NMI:
		if (ops->nmi)
			ops->nmi(l->opaque);
		break;
	case LAPIC_DM_INIT:
		if (ops->init)
			ops->init(l->opaque);
		break;
	case LAPIC_DM_SIPI:
		if (ops->sipi)
			ops->sipi(l->opaque, vector);
		break;
	case LAPIC_DM_EXTINT:
		if (ops->extint)
			ops->extint(l->opaque);
		break;
	default:		/* SMI and reserved modes: dropped */
		return;
	}
	if (ops->kick)
		ops->kick(l->opaque);
}

static void lapic_deliver_locked(struct lapic *l, u8 dm, u8 vector, bool level)
{
	if (!lapic_hw_enabled(l))
		return;
	if (dm == LAPIC_DM_FIXED || dm == LAPIC_DM_LOWEST) {
		lapic_accept_locked(l, vector, level);
		lapic_kick_if_pending(l);
	} else {
		lapic_signal(l, dm, vector);
	}
}

/* A local source fired: deliver per its LVT entry unless masked. */
static void lapic_lvt_deliver(struct lapic *l, unsigned int idx)
{
	u32 lvt = l->lvt[idx];
	u8 dm = (lvt & LAPIC_LVT_DM_MASK) >> LAPIC_LVT_DM_SHIFT;

	if (lvt & LAPIC_LVT_MASKED)
		return;
	/* Only fixed LINT entries can be level-triggered. */
	lapic_deliver_locked(l, dm, lvt & LAPIC_LVT_VECTOR,
			     dm == LAPIC_DM_FIXED && (lvt & LAPIC_LVT_LEVEL));
}

/* Timer */

static u32 lapic_timer_mode(const struct lapic *l)
{
	return l->lvt[LAPIC_LVTI_TIMER] & LAPIC_LVT_TIMER_MODE;
}

/* log2 of the divider: DCR bits 3,1:0 = 0 -> /2 ... 6 -> /128, 7 -> /1. */
static unsigned int lapic_timer_shift(const struct lapic *l)
{
	unsigned int v = ((l->timer_dcr >> 1) & 4) | (l->timer_dcr & 3);

	return (v + 1) & 7;
}

static u64 lapic_now(struct lapic *l)
{
	return l->time->now_ns(l->host);
}

static void lapic_timer_cancel(struct lapic *l)
{
	if (!l->timer_armed)
		return;
	l->timer_armed = false;
	l->time->timer_cancel(l->host, &l->timer);
}

static void lapic_timer_arm(struct lapic *l, u64 deadline)
{
	l->timer_armed = true;
	l->timer_deadline = deadline;
	l->time->timer_arm(l->host, &l->timer, deadline);
}

static u32 lapic_timer_ccr(const struct lapic *l, u64 now)
{
	u64 elapsed;

	if (!l->timer_armed || lapic_timer_mode(l) == LAPIC_LVT_TIMER_TSCDL ||
	    !l->timer_icr)
		return 0;
	elapsed = (now - l->timer_start) >> lapic_timer_shift(l);
	if (lapic_timer_mode(l) == LAPIC_LVT_TIMER_PERIODIC)
		return l->timer_icr - (u32)(elapsed % l->timer_icr);
	return elapsed >= l->timer_icr ? 0 : l->timer_icr - (u32)elapsed;
}

/*
 * Count down from count (<= initial count) with the current divider, as
 * if the initial count had been loaded (icr - count) ticks ago.
 */
static void lapic_timer_load(struct lapic *l, u64 now, u32 count)
{
	unsigned int shift = lapic_timer_shift(l);

	lapic_timer_cancel(l);
	if (!count || !l->timer_icr)
		return;
	l->timer_start = now - ((u64)(l->timer_icr - count) << shift);
	lapic_timer_arm(l, l->timer_start + ((u64)l->timer_icr << shift));
}

static void lapic_timer_expire(struct lapic *l, u64 now)
{
	u32 mode = lapic_timer_mode(l);

	l->timer_armed = false;
	if (mode == LAPIC_LVT_TIMER_TSCDL) {
		l->tsc_deadline = 0;
	} else if (mode == LAPIC_LVT_TIMER_PERIODIC) {
		u64 period = (u64)l->timer_icr << lapic_timer_shift(l);
		u64 next = l->timer_deadline + period;

		/* A late host timer: skip the missed periods, deliver once. */
		if (next <= now)
			next += ((now - next) / period + 1) * period;
		if (next - now < LAPIC_MIN_PERIOD_NS && period < LAPIC_MIN_PERIOD_NS)
			next = now + LAPIC_MIN_PERIOD_NS;
		lapic_timer_arm(l, next);
	}
	lapic_lvt_deliver(l, LAPIC_LVTI_TIMER);
}

static void lapic_timer_fire(void *dev)
{
	struct lapic *l = dev;
	unsigned long flags = 0;
	u64 now;

	vmm_lock(&l->lock, flags);
	if (l->timer_armed) {
		now = lapic_now(l);
		if (now >= l->timer_deadline)
			lapic_timer_expire(l, now);
		else	/* stale or early: make sure the real deadline is armed */
			l->time->timer_arm(l->host, &l->timer, l->timer_deadline);
	}
	vmm_unlock(&l->lock, flags);
}

static void lapic_write_timer_lvt(struct lapic *l, u32 val)
{
	u32 old_mode = lapic_timer_mode(l);
	u32 new_mode = val & LAPIC_LVT_TIMER_MODE;
	u64 now;
	u32 count;

	if (old_mode == new_mode) {
		l->lvt[LAPIC_LVTI_TIMER] = val;
		return;
	}
	if (old_mode == LAPIC_LVT_TIMER_TSCDL || new_mode == LAPIC_LVT_TIMER_TSCDL) {
		/* Changing to or from TSC-deadline mode disarms the timer. */
		lapic_timer_cancel(l);
		l->timer_icr = 0;
		l->tsc_deadline = 0;
		l->lvt[LAPIC_LVTI_TIMER] = val;
		return;
	}
	/* One-shot <-> periodic: keep counting from where the count is. */
	now = lapic_now(l);
	count = lapic_timer_ccr(l, now);
	l->lvt[LAPIC_LVTI_TIMER] = val;
	lapic_timer_load(l, now, count);
}

static void lapic_write_lvt(struct lapic *l, unsigned int idx, u32 val)
{
	val &= lapic_lvt_wmask[idx];
	/* Software-disabled: the mask bits are set and stay set. */
	if (!lapic_sw_enabled(l))
		val |= LAPIC_LVT_MASKED;
	if (idx == LAPIC_LVTI_TIMER)
		lapic_write_timer_lvt(l, val);
	else
		l->lvt[idx] = val;
}

static void lapic_write_dcr(struct lapic *l, u32 val)
{
	u64 now = lapic_now(l);
	u32 count = lapic_timer_ccr(l, now);

	l->timer_dcr = val & LAPIC_DCR_WMASK;
	if (l->timer_armed && lapic_timer_mode(l) != LAPIC_LVT_TIMER_TSCDL)
		lapic_timer_load(l, now, count);
}

static void lapic_write_icr_count(struct lapic *l, u32 val)
{
	if (lapic_timer_mode(l) == LAPIC_LVT_TIMER_TSCDL)
		return;
	l->timer_icr = val;
	lapic_timer_load(l, lapic_now(l), val);
}

/* Register state */

/* Everything but APIC_BASE and the IDs, as after RESET or INIT. */
static void lapic_reset_regs(struct lapic *l)
{
	unsigned int i;

	lapic_timer_cancel(l);
	l->tpr = 0;
	l->ldr = lapic_x2(l) ? lapic_x2_ldr(l->initial_id) : 0;
	l->dfr = LAPIC_DFR_FLAT;
	l->svr = 0xff;
	l->esr = 0;
	l->esr_pending = 0;
	l->icr_lo = 0;
	l->icr_hi = 0;
	for (i = 0; i < LAPIC_NR_LVT; i++)
		l->lvt[i] = LAPIC_LVT_MASKED;
	memset(l->irr, 0, sizeof(l->irr));
	memset(l->isr, 0, sizeof(l->isr));
	memset(l->tmr, 0, sizeof(l->tmr));
	l->timer_icr = 0;
	l->timer_dcr = 0;
	l->timer_start = 0;
	l->tsc_deadline = 0;
}

static void lapic_power_on(struct lapic *l)
{
	l->apic_base = LAPIC_DEFAULT_BASE | LAPIC_BASE_EN |
		(l->apic_base & LAPIC_BASE_BSP);
	l->xapic_id = l->initial_id & 0xff;
	lapic_reset_regs(l);
}

void lapic_init(struct lapic *l, u32 apic_id, bool bsp,
		const struct lapic_ops *ops, void *opaque,
		const struct vmm_time_ops *time, void *host)
{
	memset(l, 0, sizeof(*l));
	l->posted = -1;
	vmm_lock_init(&l->lock);
	l->ops = ops ? ops : &lapic_null_ops;
	l->opaque = opaque;
	l->time = time;
	l->host = host;
	vmm_timer_setup(&l->timer, lapic_timer_fire, l);
	l->initial_id = apic_id;
	l->apic_base = bsp ? LAPIC_BASE_BSP : 0;
	lapic_power_on(l);
}

void lapic_destroy(struct lapic *l)
{
	unsigned long flags = 0;

	vmm_lock(&l->lock, flags);
	lapic_timer_cancel(l);
	vmm_unlock(&l->lock, flags);
}

void lapic_reset(struct lapic *l, bool init)
{
	unsigned long flags = 0;

	vmm_lock(&l->lock, flags);
	if (init)
		lapic_reset_regs(l);
	else
		lapic_power_on(l);
	l->lazy_eoi = false;
	l->posted = -1;
	l->posted_again = false;
	vmm_unlock(&l->lock, flags);
}

static void lapic_write_svr(struct lapic *l, u32 val)
{
	unsigned int i;

	l->svr = val & LAPIC_SVR_WMASK;
	if (!lapic_sw_enabled(l))
		for (i = 0; i < LAPIC_NR_LVT; i++)
			l->lvt[i] |= LAPIC_LVT_MASKED;
}

static void lapic_eoi(struct lapic *l, struct lapic_out *out)
{
	int v = vec_highest(l->isr);

	if (v < 0)
		return;
	vec_clear(l->isr, v);
	if (vec_test(l->tmr, v))
		out->eoi_vector = v;
	lapic_kick_if_pending(l);
}

/* Decode ICR into an IPI sent once the lock is dropped. */
static void lapic_send_icr(struct lapic *l, struct lapic_out *out)
{
	u32 lo = l->icr_lo;
	u8 dm = (lo >> LAPIC_ICR_DM_SHIFT) & 7;
	u8 vector = lo & LAPIC_ICR_VECTOR;

	if ((dm == LAPIC_DM_FIXED || dm == LAPIC_DM_LOWEST) && vector < 16) {
		lapic_error(l, LAPIC_ESR_SEND_ILLEGAL);
		lapic_kick_if_pending(l);
		return;
	}
	out->ipi = true;
	out->dest = lapic_x2(l) ? l->icr_hi : l->icr_hi >> 24;
	out->dest_mode = (lo & LAPIC_ICR_LOGICAL) ? LAPIC_DEST_LOGICAL : LAPIC_DEST_PHYSICAL;
	out->shorthand = (lo >> LAPIC_ICR_SH_SHIFT) & 3;
	out->dm = dm;
	out->vector = vector;
	out->level = lo & LAPIC_ICR_LEVEL;
	out->assert = lo & LAPIC_ICR_ASSERT;
}

static void lapic_flush(struct lapic *l, const struct lapic_out *out)
{
	const struct lapic_ops *ops = l->ops;

	if (out->eoi_vector >= 0 && ops->eoi_level)
		ops->eoi_level(l->opaque, out->eoi_vector);
	if (out->ipi && ops->send_ipi)
		ops->send_ipi(l->opaque, out->dest, out->dest_mode, out->shorthand,
			      out->dm, out->vector, out->level, out->assert);
}

static void lapic_out_init(struct lapic_out *out)
{
	memset(out, 0, sizeof(*out));
	out->eoi_vector = -1;
}

/* LVT index of a register offset, or -1. */
static int lapic_lvt_index(u32 reg)
{
	if (reg == LAPIC_REG_LVT_CMCI)
		return LAPIC_LVTI_CMCI;
	if (reg >= LAPIC_REG_LVT_TIMER && reg <= LAPIC_REG_LVT_ERROR)
		return LAPIC_LVTI_TIMER + ((reg - LAPIC_REG_LVT_TIMER) >> 4);
	return -1;
}

/* ISR, TMR or IRR word of a register offset, or NULL. */
static u32 *lapic_vec_word(struct lapic *l, u32 reg)
{
	unsigned int i = (reg >> 4) & 7;

	if (reg >= LAPIC_REG_ISR && reg < LAPIC_REG_TMR)
		return &l->isr[i];
	if (reg >= LAPIC_REG_TMR && reg < LAPIC_REG_IRR)
		return &l->tmr[i];
	if (reg >= LAPIC_REG_IRR && reg < LAPIC_REG_ESR)
		return &l->irr[i];
	return NULL;
}

/*
 * Read a 32-bit register at a 16-byte-aligned offset in the current
 * mode. -EINVAL: no such register in this mode (or write-only).
 */
static int lapic_reg_read(struct lapic *l, u32 reg, u32 *val)
{
	bool x2 = lapic_x2(l);
	u32 *word = lapic_vec_word(l, reg);
	int lvt = lapic_lvt_index(reg);

	if (word) {
		*val = *word;
		return 0;
	}
	if (lvt >= 0) {
		*val = l->lvt[lvt];
		return 0;
	}
	switch (reg) {
	case LAPIC_REG_ID:
		*val = x2 ? l->initial_id : (u32)l->xapic_id << 24;
		return 0;
	case LAPIC_REG_VERSION:
		*val = LAPIC_VERSION;
		return 0;
	case LAPIC_REG_TPR:
		*val = l->tpr;
		return 0;
	case LAPIC_REG_PPR:
		*val = lapic_ppr(l);
		return 0;
	case LAPIC_REG_LDR:
		*val = l->ldr;
		return 0;
	case LAPIC_REG_SVR:
		*val = l->svr;
		return 0;
	case LAPIC_REG_ESR:
		*val = l->esr;
		return 0;
	case LAPIC_REG_ICR_LO:
		*val = l->icr_lo;
		return 0;
	case LAPIC_REG_TIMER_ICR:
		*val = l->timer_icr;
		return 0;
	case LAPIC_REG_TIMER_CCR:
		*val = lapic_timer_ccr(l, lapic_now(l));
		return 0;
	case LAPIC_REG_TIMER_DCR:
		*val = l->timer_dcr;
		return 0;
	}
	if (x2)
		return -EINVAL;
	switch (reg) {		/* xAPIC only */
	case LAPIC_REG_APR:
		*val = lapic_apr(l);
		return 0;
	case LAPIC_REG_EOI:
	case LAPIC_REG_RRD:
		*val = 0;
		return 0;
	case LAPIC_REG_DFR:
		*val = l->dfr;
		return 0;
	case LAPIC_REG_ICR_HI:
		*val = l->icr_hi;
		return 0;
	}
	return -EINVAL;
}

/* Write a 32-bit register in the current mode; -EINVAL as for reads. */
static int lapic_reg_write(struct lapic *l, u32 reg, u32 val,
			   struct lapic_out *out)
{
	bool x2 = lapic_x2(l);
	int lvt = lapic_lvt_index(reg);

	if (lvt >= 0) {
		lapic_write_lvt(l, lvt, val);
		return 0;
	}
	switch (reg) {
	case LAPIC_REG_TPR:
		l->tpr = val & 0xff;
		lapic_kick_if_pending(l);
		return 0;
	case LAPIC_REG_EOI:
		if (x2 && val)
			return -EINVAL;
		lapic_eoi(l, out);
		return 0;
	case LAPIC_REG_SVR:
		lapic_write_svr(l, val);
		return 0;
	case LAPIC_REG_ESR:
		if (x2 && val)
			return -EINVAL;
		l->esr = l->esr_pending;
		l->esr_pending = 0;
		return 0;
	case LAPIC_REG_ICR_LO:
		/* x2APIC writes the whole ICR through lapic_write_msr(). */
		l->icr_lo = val & LAPIC_ICR_LO_MASK;
		lapic_send_icr(l, out);
		return 0;
	case LAPIC_REG_TIMER_ICR:
		lapic_write_icr_count(l, val);
		return 0;
	case LAPIC_REG_TIMER_DCR:
		lapic_write_dcr(l, val);
		return 0;
	case LAPIC_REG_SELF_IPI:
		if (!x2 || val > 0xff)
			return -EINVAL;
		lapic_accept_locked(l, val, false);
		lapic_kick_if_pending(l);
		return 0;
	}
	if (x2)			/* read-only and absent registers: #GP */
		return -EINVAL;
	switch (reg) {
	case LAPIC_REG_ID:
		l->xapic_id = val >> 24;
		return 0;
	case LAPIC_REG_LDR:
		l->ldr = val & LAPIC_XAPIC_ID_MASK;
		return 0;
	case LAPIC_REG_DFR:
		l->dfr = val | LAPIC_DFR_CLUSTER;
		return 0;
	case LAPIC_REG_ICR_HI:
		l->icr_hi = val & LAPIC_XAPIC_ID_MASK;
		return 0;
	case LAPIC_REG_VERSION:
	case LAPIC_REG_APR:
	case LAPIC_REG_PPR:
	case LAPIC_REG_RRD:
	case LAPIC_REG_TIMER_CCR:
		return 0;	/* read-only: ignored */
	}
	if (reg >= LAPIC_REG_ISR && reg < LAPIC_REG_ESR)
		return 0;
	return -EINVAL;
}

static bool lapic_xapic_mode(const struct lapic *l)
{
	return lapic_hw_enabled(l) && !lapic_x2(l);
}

static bool lapic_mmio_args_ok(u64 offset, unsigned int size)
{
	return offset < LAPIC_MMIO_SIZE &&
	       (size == 1 || size == 2 || size == 4 || size == 8);
}

int lapic_mmio_read(struct lapic *l, u64 offset, unsigned int size, u64 *val)
{
	unsigned int sub = offset & 0xf;
	unsigned long flags = 0;
	u32 v = 0;
	int r = 0;

	*val = 0;
	if (!lapic_mmio_args_ok(offset, size))
		return -EINVAL;
	vmm_lock(&l->lock, flags);
	if (!lapic_xapic_mode(l)) {
		r = -ENODEV;
	} else if (lapic_reg_read(l, offset & ~0xfULL, &v)) {
		lapic_error(l, LAPIC_ESR_ILLEGAL_REG);
		lapic_kick_if_pending(l);
	} else if (sub < 4) {
		*val = v >> (sub * 8);
		if (size < 8)
			*val &= (1ULL << (size * 8)) - 1;
	}
	vmm_unlock(&l->lock, flags);
	return r;
}

int lapic_mmio_write(struct lapic *l, u64 offset, unsigned int size, u64 val)
{
	unsigned long flags = 0;
	struct lapic_out out;
	int r = 0;

	if (!lapic_mmio_args_ok(offset, size))
		return -EINVAL;
	lapic_out_init(&out);
	vmm_lock(&l->lock, flags);
	if (!lapic_xapic_mode(l)) {
		r = -ENODEV;
	} else if (size == 4 && !(offset & 0xf) &&
		   lapic_reg_write(l, offset, (u32)val, &out)) {
		lapic_error(l, LAPIC_ESR_ILLEGAL_REG);
		lapic_kick_if_pending(l);
	}
	vmm_unlock(&l->lock, flags);
	lapic_flush(l, &out);
	return r;
}

static int lapic_set_base_locked(struct lapic *l, u64 val)
{
	u64 old = l->apic_base;
	bool old_en = old & LAPIC_BASE_EN, old_x2 = old & LAPIC_BASE_EXTD;
	bool en = val & LAPIC_BASE_EN, x2 = val & LAPIC_BASE_EXTD;

	if (val & ~(LAPIC_BASE_ADDR_MASK | LAPIC_BASE_BSP | LAPIC_BASE_EXTD |
		    LAPIC_BASE_EN))
		return -EINVAL;
	if (x2 && !en)			/* the invalid state */
		return -EINVAL;
	if (old_x2 && en && !x2)	/* x2APIC -> xAPIC */
		return -EINVAL;
	if (!old_en && x2)		/* disabled -> x2APIC */
		return -EINVAL;
	l->apic_base = (val & ~LAPIC_BASE_BSP) | (old & LAPIC_BASE_BSP);
	if (old_en && !en) {
		/* Globally disabled: the APIC loses its state. */
		l->xapic_id = l->initial_id & 0xff;
		lapic_reset_regs(l);
	} else if (!old_x2 && x2) {
		l->ldr = lapic_x2_ldr(l->initial_id);
	}
	return 0;
}

int lapic_set_base(struct lapic *l, u64 val)
{
	unsigned long flags = 0;
	int r;

	vmm_lock(&l->lock, flags);
	r = lapic_set_base_locked(l, val);
	vmm_unlock(&l->lock, flags);
	return r;
}

u64 lapic_get_base(struct lapic *l)
{
	unsigned long flags = 0;
	u64 v;

	vmm_lock(&l->lock, flags);
	v = l->apic_base;
	vmm_unlock(&l->lock, flags);
	return v;
}

void lapic_set_tsc_deadline(struct lapic *l, u64 tsc)
{
	const struct lapic_ops *ops = l->ops;
	unsigned long flags = 0;

	vmm_lock(&l->lock, flags);
	if (lapic_timer_mode(l) == LAPIC_LVT_TIMER_TSCDL &&
	    ops->now_tsc && ops->tsc_to_ns) {
		lapic_timer_cancel(l);
		l->tsc_deadline = tsc;		/* 0 disarms */
		if (tsc && ops->now_tsc(l->opaque) >= tsc)
			lapic_timer_expire(l, lapic_now(l));
		else if (tsc)
			lapic_timer_arm(l, ops->tsc_to_ns(l->opaque, tsc));
	}
	vmm_unlock(&l->lock, flags);
}

u64 lapic_get_tsc_deadline(struct lapic *l)
{
	unsigned long flags = 0;
	u64 v = 0;

	vmm_lock(&l->lock, flags);
	if (lapic_timer_mode(l) == LAPIC_LVT_TIMER_TSCDL)
		v = l->tsc_deadline;
	vmm_unlock(&l->lock, flags);
	return v;
}

int lapic_read_msr(struct lapic *l, u32 msr, u64 *val)
{
	unsigned long flags = 0;
	u32 v = 0;
	int r = 0;

	*val = 0;
	if (msr == MSR_LAPIC_APIC_BASE) {
		*val = lapic_get_base(l);
		return 0;
	}
	if (msr == MSR_LAPIC_TSC_DEADLINE) {
		*val = lapic_get_tsc_deadline(l);
		return 0;
	}
	if (msr < MSR_LAPIC_X2APIC_FIRST || msr > MSR_LAPIC_X2APIC_LAST)
		return -EINVAL;
	vmm_lock(&l->lock, flags);
	if (!lapic_hw_enabled(l) || !lapic_x2(l)) {
		r = -EINVAL;
	} else if (msr == LAPIC_MSR(LAPIC_REG_ICR_LO)) {
		*val = (u64)l->icr_hi << 32 | l->icr_lo;
	} else {
		r = lapic_reg_read(l, (msr - MSR_LAPIC_X2APIC_FIRST) << 4, &v);
		*val = v;
	}
	vmm_unlock(&l->lock, flags);
	return r;
}

int lapic_write_msr(struct lapic *l, u32 msr, u64 val)
{
	unsigned long flags = 0;
	struct lapic_out out;
	int r = 0;

	if (msr == MSR_LAPIC_APIC_BASE)
		return lapic_set_base(l, val);
	if (msr == MSR_LAPIC_TSC_DEADLINE) {
		lapic_set_tsc_deadline(l, val);
		return 0;
	}
	if (msr < MSR_LAPIC_X2APIC_FIRST || msr > MSR_LAPIC_X2APIC_LAST)
		return -EINVAL;
	lapic_out_init(&out);
	vmm_lock(&l->lock, flags);
	if (!lapic_hw_enabled(l) || !lapic_x2(l)) {
		r = -EINVAL;
	} else if (msr == LAPIC_MSR(LAPIC_REG_ICR_LO)) {
		/* One 64-bit register: the write sends. */
		l->icr_lo = (u32)val & LAPIC_ICR_LO_MASK;
		l->icr_hi = val >> 32;
		lapic_send_icr(l, &out);
	} else if (val >> 32) {
		r = -EINVAL;
	} else {
		r = lapic_reg_write(l, (msr - MSR_LAPIC_X2APIC_FIRST) << 4,
				    (u32)val, &out);
	}
	vmm_unlock(&l->lock, flags);
	lapic_flush(l, &out);
	return r;
}

void lapic_deliver(struct lapic *l, u8 delivery_mode, u8 vector, bool level_trig)
{
	unsigned long flags = 0;

	vmm_lock(&l->lock, flags);
	lapic_deliver_locked(l, delivery_mode, vector, level_trig);
	vmm_unlock(&l->lock, flags);
}

void lapic_accept(struct lapic *l, u8 vector, bool level_trig)
{
	lapic_deliver(l, LAPIC_DM_FIXED, vector, level_trig);
}

int lapic_pending(struct lapic *l)
{
	unsigned long flags = 0;
	int v;

	vmm_lock(&l->lock, flags);
	v = lapic_pending_locked(l);
	vmm_unlock(&l->lock, flags);
	return v;
}

void lapic_ack(struct lapic *l, u8 vector)
{
	unsigned long flags = 0;

	vmm_lock(&l->lock, flags);
	if (vec_test(l->irr, vector)) {
		vec_clear(l->irr, vector);
		vec_set(l->isr, vector);
	}
	vmm_unlock(&l->lock, flags);
}

/* See lapic.h. */
void lapic_post_begin(struct lapic *l, u8 vector)
{
	unsigned long flags = 0;

	vmm_lock(&l->lock, flags);
	l->posted = vector;
	l->posted_again = false;
	vmm_unlock(&l->lock, flags);
}

/* See lapic.h. */
void lapic_post_end(struct lapic *l, bool taken)
{
	unsigned long flags = 0;
	int v;

	vmm_lock(&l->lock, flags);
	v = l->posted;
	if (taken && v >= 0 && vec_test(l->irr, v)) {
		vec_clear(l->irr, v);
		vec_set(l->isr, v);
		if (l->posted_again) {
			vec_set(l->irr, v);	/* edge: TMR stays as accepted */
			lapic_kick_if_pending(l);
		}
	}
	l->posted = -1;
	l->posted_again = false;
	vmm_unlock(&l->lock, flags);
}

/* See lapic.h. */
bool lapic_lazy_eoi_arm(struct lapic *l)
{
	unsigned long flags = 0;
	unsigned int i;
	bool armed;
	int v;

	vmm_lock(&l->lock, flags);
	v = vec_highest(l->isr);
	armed = v >= 0 && vec_highest(l->irr) < 0 && !vec_test(l->tmr, v);
	for (i = 0; armed && i < 8; i++)	/* v alone in service */
		armed = l->isr[i] == (i == (unsigned int)v >> 5 ?
				      1u << (v & 31) : 0);
	l->lazy_eoi = armed;
	vmm_unlock(&l->lock, flags);
	return armed;
}

/* See lapic.h. */
bool lapic_lazy_eoi_would_arm(struct lapic *l, u8 vector)
{
	unsigned long flags = 0;
	bool ok;
	int i;

	vmm_lock(&l->lock, flags);
	ok = vec_test(l->irr, vector) && !vec_test(l->tmr, vector);
	for (i = 0; ok && i < 8; i++)
		ok = !l->isr[i] && l->irr[i] == (i == vector >> 5 ?
						 1u << (vector & 31) : 0);
	vmm_unlock(&l->lock, flags);
	return ok;
}

/* See lapic.h. */
void lapic_lazy_eoi_end(struct lapic *l, bool eoi)
{
	unsigned long flags = 0;
	struct lapic_out out;

	lapic_out_init(&out);
	vmm_lock(&l->lock, flags);
	l->lazy_eoi = false;
	if (eoi)
		lapic_eoi(l, &out);
	vmm_unlock(&l->lock, flags);
	lapic_flush(l, &out);
}

void lapic_set_lint(struct lapic *l, unsigned int pin, bool level)
{
	unsigned long flags = 0;
	bool rising;

	if (pin > 1)
		return;
	vmm_lock(&l->lock, flags);
	rising = level && !l->lint_level[pin];
	l->lint_level[pin] = level;
	if (rising) {
		/* Globally disabled: LINT0 is the INTR pin, LINT1 the NMI pin. */
		if (!lapic_hw_enabled(l))
			lapic_signal(l, pin ? LAPIC_DM_NMI : LAPIC_DM_EXTINT, 0);
		else
			lapic_lvt_deliver(l, LAPIC_LVTI_LINT0 + pin);
	}
	vmm_unlock(&l->lock, flags);
}

bool lapic_lint0_extint(struct lapic *l)
{
	unsigned long flags = 0;
	bool r;

	vmm_lock(&l->lock, flags);
	r = !lapic_hw_enabled(l) ||
	    (l->lvt[LAPIC_LVTI_LINT0] & (LAPIC_LVT_MASKED | LAPIC_LVT_DM_MASK)) ==
	    (LAPIC_DM_EXTINT << LAPIC_LVT_DM_SHIFT);
	vmm_unlock(&l->lock, flags);
	return r;
}

static bool lapic_match_locked(const struct lapic *l, u32 dest, bool logical)
{
	u8 ldr_id;

	if (!lapic_hw_enabled(l))
		return false;
	if (lapic_x2(l)) {
		if (dest == 0xffffffff)
			return true;
		if (!logical)
			return dest == l->initial_id;
		/* Cluster in bits 31:16, a bitmap of 16 members in 15:0. */
		return (dest >> 16) == (l->ldr >> 16) && (dest & l->ldr & 0xffff);
	}
	if (dest == 0xff || dest == 0xffffffff)
		return true;
	if (dest > 0xff)
		return false;
	if (!logical)
		return dest == l->xapic_id;
	ldr_id = l->ldr >> 24;
	if ((l->dfr >> 28) == 0xf)	/* flat: a bitmap of 8 */
		return ldr_id & dest;
	/* cluster: cluster in bits 7:4, a bitmap of 4 members in 3:0 */
	return (ldr_id >> 4) == (dest >> 4) && (ldr_id & dest & 0xf);
}

bool lapic_match_dest(struct lapic *l, u32 dest, bool logical)
{
	unsigned long flags = 0;
	bool r;

	vmm_lock(&l->lock, flags);
	r = lapic_match_locked(l, dest, logical);
	vmm_unlock(&l->lock, flags);
	return r;
}

u32 lapic_get_id(struct lapic *l)
{
	unsigned long flags = 0;
	u32 id;

	vmm_lock(&l->lock, flags);
	id = lapic_x2(l) ? l->initial_id : l->xapic_id;
	vmm_unlock(&l->lock, flags);
	return id;
}

bool lapic_is_x2apic(struct lapic *l)
{
	unsigned long flags = 0;
	bool r;

	vmm_lock(&l->lock, flags);
	r = lapic_x2(l);
	vmm_unlock(&l->lock, flags);
	return r;
}

bool lapic_is_enabled(struct lapic *l)
{
	unsigned long flags = 0;
	bool r;

	vmm_lock(&l->lock, flags);
	r = lapic_hw_enabled(l);
	vmm_unlock(&l->lock, flags);
	return r;
}

u8 lapic_get_ppr(struct lapic *l)
{
	unsigned long flags = 0;
	u8 v;

	vmm_lock(&l->lock, flags);
	v = lapic_ppr(l);
	vmm_unlock(&l->lock, flags);
	return v;
}

u8 lapic_get_tpr(struct lapic *l)
{
	unsigned long flags = 0;
	u8 v;

	vmm_lock(&l->lock, flags);
	v = l->tpr;
	vmm_unlock(&l->lock, flags);
	return v;
}

void lapic_set_tpr(struct lapic *l, u8 tpr)
{
	unsigned long flags = 0;

	vmm_lock(&l->lock, flags);
	l->tpr = tpr;
	lapic_kick_if_pending(l);
	vmm_unlock(&l->lock, flags);
}
