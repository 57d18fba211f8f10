// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the local APIC model (module/core/lapic.c). */
#include "ktap.h"
#include "lapic.h"

/* A fake host: a clock advanced by hand, one timer, recorded callbacks. */
struct fake_ipi {
	u32 dest;
	u8 dest_mode, shorthand, dm, vector;
	bool level, assert;
};

struct fake {
	struct lapic *l;
	u64 now;			/* ns; the guest TSC runs at 3 per ns */
	struct vmm_timer *timer;
	bool armed;
	u64 deadline;
	unsigned int arms, cancels;
	unsigned int kicks, nmis, inits, sipis, extints;
	u8 sipi_vector;
	struct fake_ipi ipi[16];
	unsigned int nipi;
	int eoi[16];
	unsigned int neoi;
	bool cb_locked;			/* a send_ipi/eoi_level ran under the lock */
};

static u64 fake_now_ns(void *host)
{
	return ((struct fake *)host)->now;
}

static void fake_timer_arm(void *host, struct vmm_timer *t, u64 deadline)
{
	struct fake *f = host;

	f->timer = t;
	f->armed = true;
	f->deadline = deadline;
	f->arms++;
}

static void fake_timer_cancel(void *host, struct vmm_timer *t)
{
	struct fake *f = host;

	(void)t;
	f->armed = false;
	f->cancels++;
}

static const struct vmm_time_ops fake_time = {
	.now_ns = fake_now_ns,
	.timer_arm = fake_timer_arm,
	.timer_cancel = fake_timer_cancel,
};

static void check_unlocked(struct fake *f)
{
	if (pthread_mutex_trylock(&f->l->lock) == 0)
		pthread_mutex_unlock(&f->l->lock);
	else
		f->cb_locked = true;
}

static void fake_send_ipi(void *opaque, u32 dest, u8 dest_mode, u8 shorthand,
			  u8 dm, u8 vector, bool level, bool assert)
{
	struct fake *f = opaque;

	check_unlocked(f);
	if (f->nipi < 16)
		f->ipi[f->nipi++] = (struct fake_ipi){ dest, dest_mode, shorthand,
						       dm, vector, level, assert };
}

static void fake_eoi_level(void *opaque, u8 vector)
{
	struct fake *f = opaque;

	check_unlocked(f);
	if (f->neoi < 16)
		f->eoi[f->neoi++] = vector;
}

static void fake_kick(void *opaque)
{
	((struct fake *)opaque)->kicks++;
}

static void fake_nmi(void *opaque)
{
	((struct fake *)opaque)->nmis++;
}

static void fake_init(void *opaque)
{
	((struct fake *)opaque)->inits++;
}

static void fake_sipi(void *opaque, u8 vector)
{
	struct fake *f = opaque;

	f->sipis++;
	f->sipi_vector = vector;
}

static void fake_extint(void *opaque)
{
	((struct fake *)opaque)->extints++;
}

static u64 fake_now_tsc(void *opaque)
{
	return ((struct fake *)opaque)->now * 3;
}

static u64 fake_tsc_to_ns(void *opaque, u64 tsc)
{
	(void)opaque;
	return (tsc + 2) / 3;
}

static const struct lapic_ops fake_ops = {
	.send_ipi = fake_send_ipi,
	.eoi_level = fake_eoi_level,
	.kick = fake_kick,
	.nmi = fake_nmi,
	.init = fake_init,
	.sipi = fake_sipi,
	.extint = fake_extint,
	.now_tsc = fake_now_tsc,
	.tsc_to_ns = fake_tsc_to_ns,
};

/* Run the clock to t, firing the timer at its exact deadlines on the way. */
static void advance_to(struct fake *f, u64 t)
{
	while (f->armed && f->deadline <= t) {
		if (f->deadline > f->now)
			f->now = f->deadline;
		f->armed = false;
		f->timer->fire(f->timer->dev);
	}
	f->now = t;
}

static void setup(struct lapic *l, struct fake *f, u32 id, bool bsp)
{
	memset(f, 0, sizeof(*f));
	f->l = l;
	f->now = 1000000;
	lapic_init(l, id, bsp, &fake_ops, f, &fake_time, f);
}

static u32 rd(struct lapic *l, u32 reg)
{
	u64 v = 0xdead;

	if (lapic_mmio_read(l, reg, 4, &v))
		return 0xdeadbeef;
	return v;
}

static void wr(struct lapic *l, u32 reg, u32 val)
{
	lapic_mmio_write(l, reg, 4, val);
}

static void eoi(struct lapic *l)
{
	wr(l, LAPIC_REG_EOI, 0);
}

/* Software-enable with spurious vector 0xff. */
static void enable(struct lapic *l)
{
	wr(l, LAPIC_REG_SVR, LAPIC_SVR_ENABLE | 0xff);
}

static bool vec_bit(struct lapic *l, u32 bank, u8 v)
{
	return rd(l, bank + (v >> 5) * 0x10) & (1U << (v & 31));
}

static int test_reset_values(void)
{
	struct lapic l;
	struct fake f;
	int ok = 1, i;
	u64 v;

	setup(&l, &f, 3, true);
	ok &= KTAP_EXPECT(lapic_get_base(&l) == 0xfee00900ULL);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_ID) == 0x03000000);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_VERSION) == 0x00050014);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TPR) == 0 && rd(&l, LAPIC_REG_PPR) == 0);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_APR) == 0);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_LDR) == 0);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_DFR) == 0xffffffff);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_SVR) == 0xff);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_ESR) == 0);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_ICR_LO) == 0 && rd(&l, LAPIC_REG_ICR_HI) == 0);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_LVT_CMCI) == LAPIC_LVT_MASKED);
	for (i = 0; i < 6; i++)
		ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_LVT_TIMER + 0x10 * i) == LAPIC_LVT_MASKED);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TIMER_ICR) == 0);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TIMER_CCR) == 0);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TIMER_DCR) == 0);
	for (i = 0; i < 8; i++)
		ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_ISR + 0x10 * i) == 0 &&
				  rd(&l, LAPIC_REG_TMR + 0x10 * i) == 0 &&
				  rd(&l, LAPIC_REG_IRR + 0x10 * i) == 0);
	ok &= KTAP_EXPECT(lapic_pending(&l) == -1);
	ok &= KTAP_EXPECT(!lapic_is_x2apic(&l) && lapic_is_enabled(&l));
	ok &= KTAP_EXPECT(lapic_get_id(&l) == 3);
	/* Software-disabled: fixed interrupts are not accepted. */
	lapic_accept(&l, 0x40, false);
	ok &= KTAP_EXPECT(lapic_pending(&l) == -1 && !vec_bit(&l, LAPIC_REG_IRR, 0x40));
	/* Sub-dword reads see the register's bytes; bytes 4-15 read 0. */
	ok &= KTAP_EXPECT(lapic_mmio_read(&l, LAPIC_REG_ID + 3, 1, &v) == 0 && v == 3);
	ok &= KTAP_EXPECT(lapic_mmio_read(&l, LAPIC_REG_VERSION + 2, 2, &v) == 0 && v == 5);
	ok &= KTAP_EXPECT(lapic_mmio_read(&l, LAPIC_REG_ID + 4, 4, &v) == 0 && v == 0);
	ok &= KTAP_EXPECT(lapic_mmio_read(&l, 0x1000, 4, &v) == -EINVAL);
	lapic_mmio_write(&l, LAPIC_REG_TPR, 2, 0x20);		/* not a dword: ignored */
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TPR) == 0);
	/* An AP has no BSP bit. */
	setup(&l, &f, 1, false);
	ok &= KTAP_EXPECT(lapic_get_base(&l) == 0xfee00800ULL);
	ok &= KTAP_EXPECT(f.kicks == 0 && f.arms == 0 && f.nipi == 0);
	return ok;
}

static int test_priority_order(void)
{
	struct lapic l;
	struct fake f;
	int ok = 1;

	setup(&l, &f, 0, true);
	enable(&l);
	lapic_accept(&l, 0x31, false);
	ok &= KTAP_EXPECT(f.kicks == 1 && lapic_pending(&l) == 0x31);
	lapic_accept(&l, 0x52, false);
	lapic_accept(&l, 0x40, false);
	lapic_accept(&l, 0x5f, false);
	ok &= KTAP_EXPECT(lapic_pending(&l) == 0x5f);
	ok &= KTAP_EXPECT(vec_bit(&l, LAPIC_REG_IRR, 0x31) && vec_bit(&l, LAPIC_REG_IRR, 0x5f));
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_IRR + 0x20) == (1U | (1U << 0x12) | (1U << 0x1f)));
	lapic_ack(&l, 0x5f);
	/* PPR is now 0x50: 0x52 is in the same class and waits. */
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_PPR) == 0x50);
	ok &= KTAP_EXPECT(lapic_pending(&l) == -1);
	eoi(&l);
	ok &= KTAP_EXPECT(lapic_pending(&l) == 0x52);
	lapic_ack(&l, 0x52);
	eoi(&l);
	ok &= KTAP_EXPECT(lapic_pending(&l) == 0x40);
	lapic_ack(&l, 0x40);
	eoi(&l);
	ok &= KTAP_EXPECT(lapic_pending(&l) == 0x31);
	lapic_ack(&l, 0x31);
	eoi(&l);
	ok &= KTAP_EXPECT(lapic_pending(&l) == -1 && rd(&l, LAPIC_REG_PPR) == 0);
	/* Re-accepting a pending vector merges. */
	lapic_accept(&l, 0x90, false);
	lapic_accept(&l, 0x90, false);
	lapic_ack(&l, 0x90);
	ok &= KTAP_EXPECT(lapic_pending(&l) == -1);
	ok &= KTAP_EXPECT(f.neoi == 0);
	return ok;
}

static int test_tpr_ppr(void)
{
	struct lapic l;
	struct fake f;
	int ok = 1;
	unsigned int kicks;

	setup(&l, &f, 0, true);
	enable(&l);
	wr(&l, LAPIC_REG_TPR, 0x55);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TPR) == 0x55 && rd(&l, LAPIC_REG_PPR) == 0x55);
	kicks = f.kicks;
	lapic_accept(&l, 0x45, false);
	lapic_accept(&l, 0x5f, false);			/* same class as TPR */
	ok &= KTAP_EXPECT(lapic_pending(&l) == -1 && f.kicks == kicks);
	/* APR: TPR wins over a lower IRR class... */
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_APR) == 0x55);
	lapic_accept(&l, 0x61, false);
	ok &= KTAP_EXPECT(lapic_pending(&l) == 0x61 && f.kicks == kicks + 1);
	/* ...but not over a higher one. */
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_APR) == 0x60);
	lapic_ack(&l, 0x61);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_PPR) == 0x60);
	wr(&l, LAPIC_REG_TPR, 0x7a);			/* TPR above ISR class */
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_PPR) == 0x7a);
	wr(&l, LAPIC_REG_TPR, 0x20);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_PPR) == 0x60);
	ok &= KTAP_EXPECT(lapic_pending(&l) == -1);
	eoi(&l);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_PPR) == 0x20);
	ok &= KTAP_EXPECT(lapic_pending(&l) == 0x5f);
	/* The host's TPR accessors (CR8) see the same register. */
	lapic_set_tpr(&l, 0xf0);
	ok &= KTAP_EXPECT(lapic_get_tpr(&l) == 0xf0 && lapic_pending(&l) == -1);
	ok &= KTAP_EXPECT(lapic_get_ppr(&l) == 0xf0);
	kicks = f.kicks;
	lapic_set_tpr(&l, 0);
	ok &= KTAP_EXPECT(lapic_pending(&l) == 0x5f && f.kicks == kicks + 1);
	return ok;
}

static int test_isr_nesting(void)
{
	struct lapic l;
	struct fake f;
	int ok = 1;

	setup(&l, &f, 0, true);
	enable(&l);
	lapic_accept(&l, 0x40, false);
	lapic_ack(&l, 0x40);
	lapic_accept(&l, 0x80, false);
	ok &= KTAP_EXPECT(lapic_pending(&l) == 0x80);	/* preempts 0x40 */
	lapic_ack(&l, 0x80);
	lapic_accept(&l, 0x41, false);
	ok &= KTAP_EXPECT(vec_bit(&l, LAPIC_REG_ISR, 0x40) && vec_bit(&l, LAPIC_REG_ISR, 0x80));
	ok &= KTAP_EXPECT(!vec_bit(&l, LAPIC_REG_IRR, 0x80));
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_PPR) == 0x80 && lapic_pending(&l) == -1);
	eoi(&l);					/* the highest: 0x80 */
	ok &= KTAP_EXPECT(!vec_bit(&l, LAPIC_REG_ISR, 0x80) && vec_bit(&l, LAPIC_REG_ISR, 0x40));
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_PPR) == 0x40 && lapic_pending(&l) == -1);
	eoi(&l);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_ISR + 0x20) == 0);
	ok &= KTAP_EXPECT(lapic_pending(&l) == 0x41);
	eoi(&l);					/* nothing in service: no-op */
	ok &= KTAP_EXPECT(lapic_pending(&l) == 0x41);
	lapic_ack(&l, 0x99);				/* not requested: ignored */
	ok &= KTAP_EXPECT(!vec_bit(&l, LAPIC_REG_ISR, 0x99));
	return ok;
}

static int test_level_eoi(void)
{
	struct lapic l;
	struct fake f;
	int ok = 1;

	setup(&l, &f, 0, true);
	enable(&l);
	lapic_accept(&l, 0x70, true);
	lapic_accept(&l, 0x60, false);
	ok &= KTAP_EXPECT(vec_bit(&l, LAPIC_REG_TMR, 0x70) && !vec_bit(&l, LAPIC_REG_TMR, 0x60));
	lapic_ack(&l, 0x70);
	eoi(&l);
	ok &= KTAP_EXPECT(f.neoi == 1 && f.eoi[0] == 0x70);
	lapic_ack(&l, 0x60);
	eoi(&l);
	ok &= KTAP_EXPECT(f.neoi == 1);			/* edge: no callback */
	/* An edge acceptance of the same vector clears TMR again. */
	lapic_accept(&l, 0x70, false);
	ok &= KTAP_EXPECT(!vec_bit(&l, LAPIC_REG_TMR, 0x70));
	lapic_ack(&l, 0x70);
	eoi(&l);
	ok &= KTAP_EXPECT(f.neoi == 1);
	/* Through the x2APIC EOI MSR as well. */
	ok &= KTAP_EXPECT(lapic_set_base(&l, 0xfee00000ULL | LAPIC_BASE_EN | LAPIC_BASE_EXTD) == 0);
	lapic_accept(&l, 0xa1, true);
	lapic_ack(&l, 0xa1);
	ok &= KTAP_EXPECT(lapic_write_msr(&l, LAPIC_MSR(LAPIC_REG_EOI), 0) == 0);
	ok &= KTAP_EXPECT(f.neoi == 2 && f.eoi[1] == 0xa1);
	ok &= KTAP_EXPECT(!f.cb_locked);
	return ok;
}

/* KVM's paravirtual EOI: when the host lets the guest skip an EOI. */
static int test_lazy_eoi(void)
{
	struct lapic l;
	struct fake f;
	unsigned int kicks;
	int ok = 1;

	setup(&l, &f, 0, true);
	enable(&l);
	/* One edge vector in service, nothing waiting: armed. */
	lapic_accept(&l, 0x40, false);
	lapic_ack(&l, 0x40);
	ok &= KTAP_EXPECT(lapic_lazy_eoi_arm(&l));
	/* Armed, a lower vector kicks although it cannot be delivered. */
	kicks = f.kicks;
	lapic_accept(&l, 0x31, false);
	ok &= KTAP_EXPECT(lapic_pending(&l) == -1 && f.kicks == kicks + 1);
	/* The host makes the EOI the guest skipped: 0x31 is deliverable. */
	lapic_lazy_eoi_end(&l, true);
	ok &= KTAP_EXPECT(!vec_bit(&l, LAPIC_REG_ISR, 0x40));
	ok &= KTAP_EXPECT(lapic_pending(&l) == 0x31);
	/* Disarmed: a vector below the one in service does not kick. */
	lapic_ack(&l, 0x31);
	lapic_lazy_eoi_end(&l, false);
	ok &= KTAP_EXPECT(vec_bit(&l, LAPIC_REG_ISR, 0x31));
	kicks = f.kicks;
	lapic_accept(&l, 0x30, false);
	ok &= KTAP_EXPECT(f.kicks == kicks);
	/* Not armed: something waits in IRR (0x30). */
	ok &= KTAP_EXPECT(!lapic_lazy_eoi_arm(&l));
	eoi(&l);
	lapic_ack(&l, 0x30);
	ok &= KTAP_EXPECT(lapic_lazy_eoi_arm(&l));
	lapic_lazy_eoi_end(&l, true);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_ISR + 0x10) == 0);
	/* Not armed: two in service, or a level-triggered one. */
	lapic_accept(&l, 0x50, false);
	lapic_ack(&l, 0x50);
	lapic_accept(&l, 0x90, false);
	lapic_ack(&l, 0x90);
	ok &= KTAP_EXPECT(!lapic_lazy_eoi_arm(&l));
	eoi(&l);
	eoi(&l);
	lapic_accept(&l, 0x70, true);
	lapic_ack(&l, 0x70);
	ok &= KTAP_EXPECT(!lapic_lazy_eoi_arm(&l));
	eoi(&l);
	ok &= KTAP_EXPECT(f.neoi == 1 && f.eoi[0] == 0x70);
	/* Nothing in service: not armed; a reset disarms. */
	ok &= KTAP_EXPECT(!lapic_lazy_eoi_arm(&l));
	lapic_accept(&l, 0x60, false);
	lapic_ack(&l, 0x60);
	ok &= KTAP_EXPECT(lapic_lazy_eoi_arm(&l));
	lapic_reset(&l, true);
	enable(&l);
	lapic_accept(&l, 0x80, false);
	lapic_ack(&l, 0x80);
	kicks = f.kicks;
	lapic_accept(&l, 0x70, false);		/* below 0x80: no kick */
	ok &= KTAP_EXPECT(f.kicks == kicks);
	ok &= KTAP_EXPECT(!f.cb_locked);
	lapic_destroy(&l);
	return ok;
}

/*
 * A vector posted for the guest to take itself: would the lazy EOI arm
 * once it is acknowledged? Exactly when lapic_lazy_eoi_arm() then does.
 */
static int test_lazy_eoi_would_arm(void)
{
	struct lapic l;
	struct fake f;
	int ok = 1;

	setup(&l, &f, 0, true);
	enable(&l);
	/* Not waiting: no. */
	ok &= KTAP_EXPECT(!lapic_lazy_eoi_would_arm(&l, 0x40));
	/* Alone in IRR, nothing in service, edge: yes, and it does arm. */
	lapic_accept(&l, 0x40, false);
	ok &= KTAP_EXPECT(lapic_lazy_eoi_would_arm(&l, 0x40));
	ok &= KTAP_EXPECT(!l.lazy_eoi);		/* asking arms nothing */
	/* Another waiting too: no. */
	lapic_accept(&l, 0x31, false);
	ok &= KTAP_EXPECT(!lapic_lazy_eoi_would_arm(&l, 0x40));
	lapic_ack(&l, 0x40);
	ok &= KTAP_EXPECT(!lapic_lazy_eoi_arm(&l));
	eoi(&l);
	/* Something in service: no (0x31 waits under nothing now: yes). */
	ok &= KTAP_EXPECT(lapic_lazy_eoi_would_arm(&l, 0x31));
	lapic_ack(&l, 0x31);
	lapic_accept(&l, 0x50, false);
	ok &= KTAP_EXPECT(!lapic_lazy_eoi_would_arm(&l, 0x50));
	eoi(&l);
	ok &= KTAP_EXPECT(lapic_lazy_eoi_would_arm(&l, 0x50));
	lapic_ack(&l, 0x50);
	ok &= KTAP_EXPECT(lapic_lazy_eoi_arm(&l));
	lapic_lazy_eoi_end(&l, true);
	/* Level-triggered: no. */
	lapic_accept(&l, 0x70, true);
	ok &= KTAP_EXPECT(!lapic_lazy_eoi_would_arm(&l, 0x70));
	lapic_destroy(&l);
	return ok;
}

/*
 * A posted vector is accepted at the exit after the guest took it; an
 * interrupt on the same vector in between is not swallowed by its IRR
 * bit but waits again. Not taken: nothing changes.
 */
static int test_post(void)
{
	struct lapic l;
	struct fake f;
	int ok = 1;

	setup(&l, &f, 0, true);
	enable(&l);
	/* taken, nothing came meanwhile: in service, IRR clear */
	lapic_accept(&l, 0x40, false);
	lapic_post_begin(&l, 0x40);
	lapic_post_end(&l, true);
	ok &= KTAP_EXPECT(vec_bit(&l, LAPIC_REG_ISR, 0x40) &&
			  !vec_bit(&l, LAPIC_REG_IRR, 0x40));
	eoi(&l);
	/* taken, and the same vector came again meanwhile: it waits */
	lapic_accept(&l, 0x41, false);
	lapic_post_begin(&l, 0x41);
	lapic_accept(&l, 0x41, false);
	lapic_post_end(&l, true);
	ok &= KTAP_EXPECT(vec_bit(&l, LAPIC_REG_ISR, 0x41) &&
			  vec_bit(&l, LAPIC_REG_IRR, 0x41));
	ok &= KTAP_EXPECT(lapic_pending(&l) == -1);	/* below itself */
	eoi(&l);
	ok &= KTAP_EXPECT(lapic_pending(&l) == 0x41);
	lapic_ack(&l, 0x41);
	eoi(&l);
	/* not taken: still waiting, once; another vector is no "again" */
	lapic_accept(&l, 0x42, false);
	lapic_post_begin(&l, 0x42);
	lapic_accept(&l, 0x42, false);
	lapic_accept(&l, 0x30, false);
	lapic_post_end(&l, false);
	ok &= KTAP_EXPECT(vec_bit(&l, LAPIC_REG_IRR, 0x42) &&
			  !vec_bit(&l, LAPIC_REG_ISR, 0x42));
	ok &= KTAP_EXPECT(lapic_pending(&l) == 0x42);
	lapic_ack(&l, 0x42);
	eoi(&l);
	lapic_ack(&l, 0x30);
	eoi(&l);
	/* a reset forgets the post: a later accept is no "again" */
	lapic_accept(&l, 0x43, false);
	lapic_post_begin(&l, 0x43);
	lapic_reset(&l, true);
	enable(&l);
	lapic_accept(&l, 0x43, false);
	lapic_post_end(&l, true);	/* nothing posted: no effect */
	ok &= KTAP_EXPECT(vec_bit(&l, LAPIC_REG_IRR, 0x43) &&
			  !vec_bit(&l, LAPIC_REG_ISR, 0x43));
	lapic_destroy(&l);
	return ok;
}

static int test_errors(void)
{
	struct lapic l;
	struct fake f;
	int ok = 1;
	u64 v;

	setup(&l, &f, 0, true);
	enable(&l);
	wr(&l, LAPIC_REG_LVT_ERROR, 0xe0);
	lapic_accept(&l, 5, false);			/* illegal vector */
	ok &= KTAP_EXPECT(!vec_bit(&l, LAPIC_REG_IRR, 5));
	ok &= KTAP_EXPECT(lapic_pending(&l) == 0xe0);	/* the error interrupt */
	/* ESR: write-then-read. */
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_ESR) == 0);
	wr(&l, LAPIC_REG_ESR, 0);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_ESR) == LAPIC_ESR_RECV_ILLEGAL);
	wr(&l, LAPIC_REG_ESR, 0);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_ESR) == 0);
	/* Illegal register address, and sending an illegal vector. */
	ok &= KTAP_EXPECT(lapic_mmio_read(&l, 0x40, 4, &v) == 0 && v == 0);
	wr(&l, LAPIC_REG_ICR_LO, LAPIC_ICR_ASSERT | 3);
	ok &= KTAP_EXPECT(f.nipi == 0);
	wr(&l, LAPIC_REG_ESR, 0);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_ESR) ==
			  (LAPIC_ESR_ILLEGAL_REG | LAPIC_ESR_SEND_ILLEGAL));
	/* Masked error LVT: latched, no interrupt. */
	lapic_ack(&l, 0xe0);
	eoi(&l);
	wr(&l, LAPIC_REG_LVT_ERROR, LAPIC_LVT_MASKED | 0xe0);
	lapic_accept(&l, 15, false);
	ok &= KTAP_EXPECT(lapic_pending(&l) == -1);
	wr(&l, LAPIC_REG_ESR, 0);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_ESR) == LAPIC_ESR_RECV_ILLEGAL);
	/* Vectors 16-31 are legal for the APIC. */
	lapic_accept(&l, 16, false);
	ok &= KTAP_EXPECT(lapic_pending(&l) == 16);
	return ok;
}

static int test_lvt_masks(void)
{
	struct lapic l;
	struct fake f;
	int ok = 1;

	setup(&l, &f, 0, true);
	/* Software-disabled: the mask bit cannot be cleared. */
	wr(&l, LAPIC_REG_LVT_LINT0, 0x700);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_LVT_LINT0) == (LAPIC_LVT_MASKED | 0x700));
	enable(&l);
	wr(&l, LAPIC_REG_LVT_CMCI, 0xffffffff);
	wr(&l, LAPIC_REG_LVT_THERMAL, 0xffffffff);
	wr(&l, LAPIC_REG_LVT_PERF, 0xffffffff);
	wr(&l, LAPIC_REG_LVT_LINT0, 0xffffffff);
	wr(&l, LAPIC_REG_LVT_LINT1, 0xffffffff);
	wr(&l, LAPIC_REG_LVT_ERROR, 0xffffffff);
	wr(&l, LAPIC_REG_LVT_TIMER, 0x000300ff);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_LVT_CMCI) == 0x107ff);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_LVT_THERMAL) == 0x107ff);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_LVT_PERF) == 0x107ff);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_LVT_LINT0) == 0x1a7ff);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_LVT_LINT1) == 0x1a7ff);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_LVT_ERROR) == 0x100ff);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_LVT_TIMER) == 0x300ff);
	wr(&l, LAPIC_REG_LVT_LINT0, 0x700);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_LVT_LINT0) == 0x700);
	ok &= KTAP_EXPECT(lapic_lint0_extint(&l));
	/* Software disable masks every LVT entry. */
	wr(&l, LAPIC_REG_SVR, 0x0ff);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_LVT_LINT0) == (LAPIC_LVT_MASKED | 0x700));
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_LVT_TIMER) == 0x300ff);
	ok &= KTAP_EXPECT(!lapic_lint0_extint(&l));
	/* SVR: vector, enable and focus bits only. */
	wr(&l, LAPIC_REG_SVR, 0xffffffff);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_SVR) == 0x3ff);
	return ok;
}

static int test_timer_oneshot(void)
{
	struct lapic l;
	struct fake f;
	int ok = 1;
	u64 t0;

	setup(&l, &f, 0, true);
	enable(&l);
	wr(&l, LAPIC_REG_TIMER_DCR, 0xb);		/* divide by 1: 1 tick/ns */
	wr(&l, LAPIC_REG_LVT_TIMER, 0x20);
	t0 = f.now;
	wr(&l, LAPIC_REG_TIMER_ICR, 1000);
	ok &= KTAP_EXPECT(f.armed && f.deadline == t0 + 1000);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TIMER_ICR) == 1000);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TIMER_CCR) == 1000);
	advance_to(&f, t0 + 400);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TIMER_CCR) == 600);
	advance_to(&f, t0 + 999);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TIMER_CCR) == 1 && lapic_pending(&l) == -1);
	advance_to(&f, t0 + 1000);
	ok &= KTAP_EXPECT(lapic_pending(&l) == 0x20 && f.kicks == 1);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TIMER_CCR) == 0 && !f.armed);
	advance_to(&f, t0 + 5000);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TIMER_CCR) == 0 && f.kicks == 1);
	/* A stale fire (lost a race with a cancel) does nothing. */
	f.timer->fire(f.timer->dev);
	ok &= KTAP_EXPECT(f.kicks == 1);
	/* Rewriting the initial count restarts; writing 0 stops. */
	lapic_ack(&l, 0x20);
	eoi(&l);
	t0 = f.now;
	wr(&l, LAPIC_REG_TIMER_ICR, 300);
	ok &= KTAP_EXPECT(f.armed && f.deadline == t0 + 300);
	advance_to(&f, t0 + 100);
	wr(&l, LAPIC_REG_TIMER_ICR, 0);
	ok &= KTAP_EXPECT(!f.armed && rd(&l, LAPIC_REG_TIMER_CCR) == 0);
	/* An early fire re-arms for the real deadline and delivers nothing. */
	t0 = f.now;
	wr(&l, LAPIC_REG_TIMER_ICR, 500);
	f.timer->fire(f.timer->dev);
	ok &= KTAP_EXPECT(f.armed && f.deadline == t0 + 500 && lapic_pending(&l) == -1);
	/* Masked: counts and stops, no interrupt. */
	wr(&l, LAPIC_REG_LVT_TIMER, LAPIC_LVT_MASKED | 0x20);
	advance_to(&f, t0 + 600);
	ok &= KTAP_EXPECT(lapic_pending(&l) == -1 && rd(&l, LAPIC_REG_TIMER_CCR) == 0);
	return ok;
}

static int test_timer_periodic(void)
{
	struct lapic l;
	struct fake f;
	int ok = 1;
	u64 t0;

	setup(&l, &f, 0, true);
	enable(&l);
	wr(&l, LAPIC_REG_TIMER_DCR, 0x1);		/* divide by 4 */
	wr(&l, LAPIC_REG_LVT_TIMER, LAPIC_LVT_TIMER_PERIODIC | 0x31);
	t0 = f.now;
	wr(&l, LAPIC_REG_TIMER_ICR, 25000);		/* 100 us period */
	ok &= KTAP_EXPECT(f.deadline == t0 + 100000);
	advance_to(&f, t0 + 40000);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TIMER_CCR) == 15000);
	advance_to(&f, t0 + 100000);
	ok &= KTAP_EXPECT(lapic_pending(&l) == 0x31 && f.deadline == t0 + 200000);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TIMER_CCR) == 25000);
	lapic_ack(&l, 0x31);
	eoi(&l);
	advance_to(&f, t0 + 150004);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TIMER_CCR) == 12499);
	advance_to(&f, t0 + 200000);
	ok &= KTAP_EXPECT(lapic_pending(&l) == 0x31 && f.deadline == t0 + 300000);
	lapic_ack(&l, 0x31);
	eoi(&l);
	/* A host timer 2.5 periods late: one interrupt, then back in phase. */
	f.armed = false;
	f.now = t0 + 550000;
	f.timer->fire(f.timer->dev);
	ok &= KTAP_EXPECT(lapic_pending(&l) == 0x31 && f.deadline == t0 + 600000);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TIMER_CCR) == 12500);
	lapic_ack(&l, 0x31);
	eoi(&l);
	/* Periodic -> one-shot keeps the count, fires once, stops. */
	wr(&l, LAPIC_REG_LVT_TIMER, 0x31);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TIMER_CCR) == 12500);
	advance_to(&f, t0 + 600000);
	ok &= KTAP_EXPECT(lapic_pending(&l) == 0x31 && !f.armed);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TIMER_CCR) == 0);
	/* Writing 0 stops a periodic timer. */
	wr(&l, LAPIC_REG_LVT_TIMER, LAPIC_LVT_TIMER_PERIODIC | 0x31);
	wr(&l, LAPIC_REG_TIMER_ICR, 100);
	ok &= KTAP_EXPECT(f.armed);
	wr(&l, LAPIC_REG_TIMER_ICR, 0);
	ok &= KTAP_EXPECT(!f.armed && rd(&l, LAPIC_REG_TIMER_CCR) == 0);
	return ok;
}

static int test_timer_divide(void)
{
	static const struct { u32 dcr; u64 div; } tab[] = {
		{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
	};
	struct lapic l;
	struct fake f;
	int ok = 1;
	unsigned int i;
	u64 t0;

	setup(&l, &f, 0, true);
	enable(&l);
	wr(&l, LAPIC_REG_LVT_TIMER, 0x40);
	for (i = 0; i < ARRAY_SIZE(tab); i++) {
		wr(&l, LAPIC_REG_TIMER_DCR, tab[i].dcr);
		ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TIMER_DCR) == tab[i].dcr);
		t0 = f.now;
		wr(&l, LAPIC_REG_TIMER_ICR, 1000);
		ok &= KTAP_EXPECT(f.deadline == t0 + 1000 * tab[i].div);
		advance_to(&f, t0 + 500 * tab[i].div);
		ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TIMER_CCR) == 500);
		wr(&l, LAPIC_REG_TIMER_ICR, 0);
	}
	wr(&l, LAPIC_REG_TIMER_DCR, 0xff);		/* only bits 0, 1, 3 */
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TIMER_DCR) == 0xb);
	/* Changing the divider mid-count keeps the count, changes the rate. */
	wr(&l, LAPIC_REG_TIMER_DCR, 0x0);		/* /2 */
	t0 = f.now;
	wr(&l, LAPIC_REG_TIMER_ICR, 1000);
	advance_to(&f, t0 + 800);			/* 400 ticks */
	wr(&l, LAPIC_REG_TIMER_DCR, 0x3);		/* /16 */
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TIMER_CCR) == 600);
	ok &= KTAP_EXPECT(f.deadline == t0 + 800 + 600 * 16);
	advance_to(&f, t0 + 800 + 160);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TIMER_CCR) == 590);
	advance_to(&f, t0 + 800 + 600 * 16);
	ok &= KTAP_EXPECT(lapic_pending(&l) == 0x40);
	return ok;
}

static int test_timer_tsc_deadline(void)
{
	struct lapic l;
	struct fake f;
	int ok = 1;
	u64 t0, v;

	setup(&l, &f, 0, true);
	enable(&l);
	/* Not in TSC-deadline mode: the MSR reads 0, writes are ignored. */
	lapic_set_tsc_deadline(&l, f.now * 3 + 300);
	ok &= KTAP_EXPECT(lapic_get_tsc_deadline(&l) == 0 && !f.armed);
	wr(&l, LAPIC_REG_LVT_TIMER, LAPIC_LVT_TIMER_TSCDL | 0x30);
	t0 = f.now;
	lapic_set_tsc_deadline(&l, t0 * 3 + 3000);
	ok &= KTAP_EXPECT(lapic_get_tsc_deadline(&l) == t0 * 3 + 3000);
	ok &= KTAP_EXPECT(f.armed && f.deadline == t0 + 1000);
	/* The count-down registers do nothing in this mode. */
	wr(&l, LAPIC_REG_TIMER_ICR, 5);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TIMER_ICR) == 0);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TIMER_CCR) == 0);
	ok &= KTAP_EXPECT(f.deadline == t0 + 1000);
	advance_to(&f, t0 + 999);
	ok &= KTAP_EXPECT(lapic_pending(&l) == -1);
	advance_to(&f, t0 + 1000);
	ok &= KTAP_EXPECT(lapic_pending(&l) == 0x30 && f.kicks == 1);
	ok &= KTAP_EXPECT(lapic_get_tsc_deadline(&l) == 0 && !f.armed);
	lapic_ack(&l, 0x30);
	eoi(&l);
	/* A deadline already passed fires at once. */
	lapic_set_tsc_deadline(&l, f.now * 3 - 1);
	ok &= KTAP_EXPECT(lapic_pending(&l) == 0x30 && lapic_get_tsc_deadline(&l) == 0);
	lapic_ack(&l, 0x30);
	eoi(&l);
	/* Through the MSR; 0 disarms; re-programming moves the deadline. */
	t0 = f.now;
	ok &= KTAP_EXPECT(lapic_write_msr(&l, MSR_LAPIC_TSC_DEADLINE, t0 * 3 + 30000) == 0);
	ok &= KTAP_EXPECT(lapic_read_msr(&l, MSR_LAPIC_TSC_DEADLINE, &v) == 0 &&
			  v == t0 * 3 + 30000);
	ok &= KTAP_EXPECT(f.deadline == t0 + 10000);
	lapic_set_tsc_deadline(&l, t0 * 3 + 6000);
	ok &= KTAP_EXPECT(f.armed && f.deadline == t0 + 2000);
	lapic_set_tsc_deadline(&l, 0);
	ok &= KTAP_EXPECT(!f.armed && lapic_get_tsc_deadline(&l) == 0);
	advance_to(&f, t0 + 20000);
	ok &= KTAP_EXPECT(lapic_pending(&l) == -1);
	/* Leaving TSC-deadline mode disarms it. */
	lapic_set_tsc_deadline(&l, f.now * 3 + 300);
	ok &= KTAP_EXPECT(f.armed);
	wr(&l, LAPIC_REG_LVT_TIMER, 0x30);
	ok &= KTAP_EXPECT(!f.armed && lapic_get_tsc_deadline(&l) == 0);
	return ok;
}

static bool ipi_is(const struct fake_ipi *p, u32 dest, u8 dest_mode, u8 sh,
		   u8 dm, u8 vector, bool level, bool assert)
{
	return p->dest == dest && p->dest_mode == dest_mode && p->shorthand == sh &&
	       p->dm == dm && p->vector == vector && p->level == level &&
	       p->assert == assert;
}

static int test_icr_send_ipi(void)
{
	struct lapic l;
	struct fake f;
	int ok = 1;

	setup(&l, &f, 0, true);
	enable(&l);
	wr(&l, LAPIC_REG_ICR_HI, 0x03ffffff);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_ICR_HI) == 0x03000000);
	ok &= KTAP_EXPECT(f.nipi == 0);			/* the high half does not send */
	wr(&l, LAPIC_REG_ICR_LO, 0x000040fd);
	ok &= KTAP_EXPECT(f.nipi == 1 &&
			  ipi_is(&f.ipi[0], 3, LAPIC_DEST_PHYSICAL, LAPIC_SH_NONE,
				 LAPIC_DM_FIXED, 0xfd, false, true));
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_ICR_LO) == 0x40fd);	/* idle */
	wr(&l, LAPIC_REG_ICR_HI, 0x0c000000);
	wr(&l, LAPIC_REG_ICR_LO, 0x00004941);		/* logical, lowest prio */
	ok &= KTAP_EXPECT(ipi_is(&f.ipi[1], 0x0c, LAPIC_DEST_LOGICAL, LAPIC_SH_NONE,
				 LAPIC_DM_LOWEST, 0x41, false, true));
	wr(&l, LAPIC_REG_ICR_LO, 0x00044050);		/* self */
	ok &= KTAP_EXPECT(ipi_is(&f.ipi[2], 0x0c, 0, LAPIC_SH_SELF, 0, 0x50, false, true));
	wr(&l, LAPIC_REG_ICR_LO, 0x00084400);		/* NMI to all including self */
	ok &= KTAP_EXPECT(ipi_is(&f.ipi[3], 0x0c, 0, LAPIC_SH_ALL, LAPIC_DM_NMI, 0,
				 false, true));
	wr(&l, LAPIC_REG_ICR_LO, 0x000cc500);		/* INIT assert, others */
	ok &= KTAP_EXPECT(ipi_is(&f.ipi[4], 0x0c, 0, LAPIC_SH_OTHERS, LAPIC_DM_INIT, 0,
				 true, true));
	wr(&l, LAPIC_REG_ICR_LO, 0x000c8500);		/* INIT de-assert */
	ok &= KTAP_EXPECT(ipi_is(&f.ipi[5], 0x0c, 0, LAPIC_SH_OTHERS, LAPIC_DM_INIT, 0,
				 true, false));
	wr(&l, LAPIC_REG_ICR_LO, 0x000c4698);		/* SIPI, vector 0x98 */
	ok &= KTAP_EXPECT(ipi_is(&f.ipi[6], 0x0c, 0, LAPIC_SH_OTHERS, LAPIC_DM_SIPI, 0x98,
				 false, true));
	/* Reserved bits (13, 16-17, 20-31) and busy are not stored. */
	wr(&l, LAPIC_REG_ICR_LO, 0xfff3f0fd);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_ICR_LO) == 0x0000c0fd);
	ok &= KTAP_EXPECT(f.nipi == 8 && !f.cb_locked);
	/* x2APIC: one 64-bit write with a 32-bit destination. */
	ok &= KTAP_EXPECT(lapic_set_base(&l, 0xfee00000ULL | LAPIC_BASE_EN |
					 LAPIC_BASE_EXTD) == 0);
	ok &= KTAP_EXPECT(lapic_write_msr(&l, 0x830, 0x0001000500004841ULL) == 0);
	ok &= KTAP_EXPECT(f.nipi == 9 &&
			  ipi_is(&f.ipi[8], 0x00010005, LAPIC_DEST_LOGICAL, LAPIC_SH_NONE,
				 LAPIC_DM_FIXED, 0x41, false, true));
	return ok;
}

static int test_x2apic_msrs(void)
{
	static const u32 absent[] = {
		0x800, 0x801, 0x804, 0x807, 0x809, 0x80c, 0x80e, 0x829,
		0x82e, 0x831, 0x83a, 0x83d, 0x840, 0x8ff,
	};
	static const u32 read_only[] = {
		0x802, 0x803, 0x80a, 0x80d, 0x810, 0x817, 0x818, 0x820, 0x827, 0x839,
	};
	struct lapic l;
	struct fake f;
	int ok = 1;
	unsigned int i;
	u64 v;

	setup(&l, &f, 0x123, true);
	enable(&l);
	/* Not in x2APIC mode: every x2APIC MSR faults. */
	ok &= KTAP_EXPECT(lapic_read_msr(&l, 0x802, &v) == -EINVAL);
	ok &= KTAP_EXPECT(lapic_write_msr(&l, 0x808, 0) == -EINVAL);
	ok &= KTAP_EXPECT(lapic_read_msr(&l, 0x10, &v) == -EINVAL);	/* not ours */
	ok &= KTAP_EXPECT(lapic_set_base(&l, 0xfee00000ULL | LAPIC_BASE_EN |
					 LAPIC_BASE_EXTD) == 0);
	ok &= KTAP_EXPECT(lapic_is_x2apic(&l) && lapic_get_id(&l) == 0x123);
	/* The MMIO page is gone. */
	ok &= KTAP_EXPECT(lapic_mmio_read(&l, LAPIC_REG_ID, 4, &v) == -ENODEV);
	ok &= KTAP_EXPECT(lapic_mmio_write(&l, LAPIC_REG_TPR, 4, 0x10) == -ENODEV);
	ok &= KTAP_EXPECT(lapic_read_msr(&l, 0x802, &v) == 0 && v == 0x123);
	ok &= KTAP_EXPECT(lapic_read_msr(&l, 0x803, &v) == 0 && v == 0x50014);
	/* LDR: cluster id << 16 | 1 << (id & 0xf) */
	ok &= KTAP_EXPECT(lapic_read_msr(&l, 0x80d, &v) == 0 && v == 0x00120008);
	ok &= KTAP_EXPECT(lapic_read_msr(&l, 0x80f, &v) == 0 && v == 0x1ff);
	ok &= KTAP_EXPECT(lapic_write_msr(&l, 0x808, 0x40) == 0);
	ok &= KTAP_EXPECT(lapic_read_msr(&l, 0x808, &v) == 0 && v == 0x40);
	ok &= KTAP_EXPECT(lapic_read_msr(&l, 0x80a, &v) == 0 && v == 0x40);
	ok &= KTAP_EXPECT(lapic_write_msr(&l, 0x808, 1ULL << 32) == -EINVAL);
	for (i = 0; i < ARRAY_SIZE(absent); i++)
		ok &= KTAP_EXPECT(lapic_read_msr(&l, absent[i], &v) == -EINVAL &&
				  lapic_write_msr(&l, absent[i], 0) == -EINVAL);
	for (i = 0; i < ARRAY_SIZE(read_only); i++)
		ok &= KTAP_EXPECT(lapic_read_msr(&l, read_only[i], &v) == 0 &&
				  lapic_write_msr(&l, read_only[i], 0) == -EINVAL);
	/* Write-only: EOI and SELF IPI. */
	ok &= KTAP_EXPECT(lapic_read_msr(&l, 0x80b, &v) == -EINVAL);
	ok &= KTAP_EXPECT(lapic_read_msr(&l, 0x83f, &v) == -EINVAL);
	ok &= KTAP_EXPECT(lapic_write_msr(&l, 0x80b, 1) == -EINVAL);
	ok &= KTAP_EXPECT(lapic_write_msr(&l, 0x80b, 0) == 0);
	/* ESR: only 0 may be written. */
	ok &= KTAP_EXPECT(lapic_write_msr(&l, 0x828, 1) == -EINVAL);
	ok &= KTAP_EXPECT(lapic_write_msr(&l, 0x828, 0) == 0);
	/* SELF IPI: a fixed edge interrupt to this APIC, no send_ipi. */
	ok &= KTAP_EXPECT(lapic_write_msr(&l, 0x83f, 0x155) == -EINVAL);
	ok &= KTAP_EXPECT(lapic_write_msr(&l, 0x83f, 0x55) == 0);
	ok &= KTAP_EXPECT(lapic_pending(&l) == 0x55 && f.nipi == 0);
	ok &= KTAP_EXPECT(lapic_read_msr(&l, 0x820 + 2, &v) == 0 && v == 1U << 0x15);
	/* ICR: 64 bits read back, the delivery status bit not stored. */
	ok &= KTAP_EXPECT(lapic_write_msr(&l, 0x830, 0xabcdef0100001030ULL) == 0);
	ok &= KTAP_EXPECT(lapic_read_msr(&l, 0x830, &v) == 0 && v == 0xabcdef0100000030ULL);
	/* Timer registers through MSRs. */
	ok &= KTAP_EXPECT(lapic_write_msr(&l, 0x83e, 0xb) == 0);
	ok &= KTAP_EXPECT(lapic_write_msr(&l, 0x832, 0x22) == 0);
	ok &= KTAP_EXPECT(lapic_write_msr(&l, 0x838, 700) == 0);
	f.now += 200;
	ok &= KTAP_EXPECT(lapic_read_msr(&l, 0x839, &v) == 0 && v == 500);
	ok &= KTAP_EXPECT(lapic_read_msr(&l, 0x82f, &v) == 0 && v == LAPIC_LVT_MASKED);
	/* APIC_BASE through the MSR interface. */
	ok &= KTAP_EXPECT(lapic_read_msr(&l, 0x1b, &v) == 0 && v == 0xfee00d00ULL);
	ok &= KTAP_EXPECT(lapic_write_msr(&l, 0x1b, 0xfee00900ULL) == -EINVAL);
	return ok;
}

static int test_apic_base(void)
{
	const u64 dflt = LAPIC_DEFAULT_BASE;
	const u64 en = LAPIC_BASE_EN, x2 = LAPIC_BASE_EXTD;
	struct lapic l;
	struct fake f;
	int ok = 1;
	u64 v;

	setup(&l, &f, 2, true);
	enable(&l);
	wr(&l, LAPIC_REG_TPR, 0x30);
	/* Reserved bits and the invalid state. */
	ok &= KTAP_EXPECT(lapic_set_base(&l, dflt | en | 1) == -EINVAL);
	ok &= KTAP_EXPECT(lapic_set_base(&l, dflt | en | (1ULL << 9)) == -EINVAL);
	ok &= KTAP_EXPECT(lapic_set_base(&l, dflt | en | (1ULL << 52)) == -EINVAL);
	ok &= KTAP_EXPECT(lapic_set_base(&l, dflt | x2) == -EINVAL);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TPR) == 0x30);
	/* Relocation; the BSP bit is read-only. */
	ok &= KTAP_EXPECT(lapic_set_base(&l, 0xfed00000ULL | en) == 0);
	ok &= KTAP_EXPECT(lapic_get_base(&l) == (0xfed00000ULL | en | LAPIC_BASE_BSP));
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TPR) == 0x30);	/* state kept */
	/* xAPIC -> disabled: state lost, nothing decoded or accepted. */
	ok &= KTAP_EXPECT(lapic_set_base(&l, dflt) == 0);
	ok &= KTAP_EXPECT(!lapic_is_enabled(&l));
	ok &= KTAP_EXPECT(lapic_mmio_read(&l, LAPIC_REG_TPR, 4, &v) == -ENODEV);
	ok &= KTAP_EXPECT(!lapic_match_dest(&l, 2, false) && !lapic_match_dest(&l, 0xff, false));
	lapic_deliver(&l, LAPIC_DM_NMI, 0, false);
	ok &= KTAP_EXPECT(f.nmis == 0);
	ok &= KTAP_EXPECT(lapic_lint0_extint(&l));	/* LINT0 is INTR now */
	lapic_set_lint(&l, 0, true);
	lapic_set_lint(&l, 1, true);
	ok &= KTAP_EXPECT(f.extints == 1 && f.nmis == 1);
	lapic_set_lint(&l, 0, false);
	lapic_set_lint(&l, 1, false);
	/* disabled -> x2APIC is illegal; disabled -> xAPIC is fine. */
	ok &= KTAP_EXPECT(lapic_set_base(&l, dflt | en | x2) == -EINVAL);
	ok &= KTAP_EXPECT(lapic_set_base(&l, dflt | en) == 0);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TPR) == 0 && rd(&l, LAPIC_REG_SVR) == 0xff);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_ID) == 0x02000000);
	/* xAPIC -> x2APIC keeps the state; x2APIC -> xAPIC is illegal. */
	enable(&l);
	wr(&l, LAPIC_REG_TPR, 0x20);
	ok &= KTAP_EXPECT(lapic_set_base(&l, dflt | en | x2) == 0);
	ok &= KTAP_EXPECT(lapic_read_msr(&l, 0x808, &v) == 0 && v == 0x20);
	ok &= KTAP_EXPECT(lapic_set_base(&l, dflt | en) == -EINVAL);
	ok &= KTAP_EXPECT(lapic_is_x2apic(&l));
	ok &= KTAP_EXPECT(lapic_set_base(&l, dflt | en | x2) == 0);	/* no change */
	/* x2APIC -> disabled -> xAPIC. */
	ok &= KTAP_EXPECT(lapic_set_base(&l, dflt) == 0);
	ok &= KTAP_EXPECT(lapic_set_base(&l, dflt | en) == 0);
	ok &= KTAP_EXPECT(!lapic_is_x2apic(&l) && rd(&l, LAPIC_REG_LDR) == 0);
	ok &= KTAP_EXPECT(lapic_get_base(&l) == (dflt | en | LAPIC_BASE_BSP));
	return ok;
}

static int test_dest_match(void)
{
	struct lapic l;
	struct fake f;
	int ok = 1;

	setup(&l, &f, 3, false);
	/* Physical, xAPIC. */
	ok &= KTAP_EXPECT(lapic_match_dest(&l, 3, false));
	ok &= KTAP_EXPECT(!lapic_match_dest(&l, 4, false));
	ok &= KTAP_EXPECT(lapic_match_dest(&l, 0xff, false));
	ok &= KTAP_EXPECT(!lapic_match_dest(&l, 0x103, false));
	wr(&l, LAPIC_REG_ID, 0x07000000);		/* the xAPIC ID is writable */
	ok &= KTAP_EXPECT(lapic_match_dest(&l, 7, false) && !lapic_match_dest(&l, 3, false));
	/* Logical flat: LDR is a bitmap. */
	wr(&l, LAPIC_REG_LDR, 0x03ffffff);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_LDR) == 0x03000000);
	ok &= KTAP_EXPECT(lapic_match_dest(&l, 0x02, true));
	ok &= KTAP_EXPECT(lapic_match_dest(&l, 0x81, true));
	ok &= KTAP_EXPECT(!lapic_match_dest(&l, 0x04, true));
	ok &= KTAP_EXPECT(!lapic_match_dest(&l, 0x00, true));
	ok &= KTAP_EXPECT(lapic_match_dest(&l, 0xff, true));
	/* Logical cluster: cluster 2, member bit 0. */
	wr(&l, LAPIC_REG_DFR, 0x0);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_DFR) == 0x0fffffff);
	wr(&l, LAPIC_REG_LDR, 0x21000000);
	ok &= KTAP_EXPECT(lapic_match_dest(&l, 0x21, true));
	ok &= KTAP_EXPECT(lapic_match_dest(&l, 0x23, true));
	ok &= KTAP_EXPECT(!lapic_match_dest(&l, 0x22, true));
	ok &= KTAP_EXPECT(!lapic_match_dest(&l, 0x31, true));
	ok &= KTAP_EXPECT(lapic_match_dest(&l, 0xff, true));
	/* x2APIC: physical 32-bit ID, logical cluster from the derived LDR. */
	setup(&l, &f, 0x23, false);
	ok &= KTAP_EXPECT(lapic_set_base(&l, LAPIC_DEFAULT_BASE | LAPIC_BASE_EN |
					 LAPIC_BASE_EXTD) == 0);
	ok &= KTAP_EXPECT(lapic_match_dest(&l, 0x23, false));
	ok &= KTAP_EXPECT(!lapic_match_dest(&l, 0xff, false));
	ok &= KTAP_EXPECT(lapic_match_dest(&l, 0xffffffff, false));
	ok &= KTAP_EXPECT(lapic_match_dest(&l, 0x00020008, true));
	ok &= KTAP_EXPECT(lapic_match_dest(&l, 0x0002ff0f, true));
	ok &= KTAP_EXPECT(!lapic_match_dest(&l, 0x00020001, true));
	ok &= KTAP_EXPECT(!lapic_match_dest(&l, 0x00030008, true));
	ok &= KTAP_EXPECT(lapic_match_dest(&l, 0xffffffff, true));
	return ok;
}

static int test_nmi_init_sipi_extint(void)
{
	struct lapic l;
	struct fake f;
	int ok = 1;

	setup(&l, &f, 0, true);
	/* Accepted even while software-disabled. */
	lapic_deliver(&l, LAPIC_DM_NMI, 0, false);
	lapic_deliver(&l, LAPIC_DM_INIT, 0, false);
	lapic_deliver(&l, LAPIC_DM_SIPI, 0x9a, false);
	lapic_deliver(&l, LAPIC_DM_EXTINT, 0, false);
	lapic_deliver(&l, LAPIC_DM_SMI, 0, false);	/* dropped */
	ok &= KTAP_EXPECT(f.nmis == 1 && f.inits == 1 && f.sipis == 1 &&
			  f.sipi_vector == 0x9a && f.extints == 1 && f.kicks == 4);
	ok &= KTAP_EXPECT(lapic_pending(&l) == -1);
	enable(&l);
	lapic_deliver(&l, LAPIC_DM_LOWEST, 0x44, false);
	ok &= KTAP_EXPECT(lapic_pending(&l) == 0x44);
	/* LINT0 in ExtINT mode (virtual wire): the host asks the PIC. */
	ok &= KTAP_EXPECT(!lapic_lint0_extint(&l));
	wr(&l, LAPIC_REG_LVT_LINT0, LAPIC_DM_EXTINT << 8);
	ok &= KTAP_EXPECT(lapic_lint0_extint(&l));
	lapic_set_lint(&l, 0, true);
	lapic_set_lint(&l, 0, true);			/* no new edge */
	ok &= KTAP_EXPECT(f.extints == 2);
	/* LINT1 as NMI; masked does nothing. */
	wr(&l, LAPIC_REG_LVT_LINT1, LAPIC_LVT_MASKED | LAPIC_DM_NMI << 8);
	lapic_set_lint(&l, 1, true);
	lapic_set_lint(&l, 1, false);
	ok &= KTAP_EXPECT(f.nmis == 1);
	wr(&l, LAPIC_REG_LVT_LINT1, LAPIC_DM_NMI << 8);
	lapic_set_lint(&l, 1, true);
	ok &= KTAP_EXPECT(f.nmis == 2);
	/* A fixed level-triggered LINT sets TMR. */
	wr(&l, LAPIC_REG_LVT_LINT0, LAPIC_LVT_LEVEL | 0x66);
	lapic_set_lint(&l, 0, false);
	lapic_set_lint(&l, 0, true);
	ok &= KTAP_EXPECT(lapic_pending(&l) == 0x66 && vec_bit(&l, LAPIC_REG_TMR, 0x66));
	return ok;
}

static int test_reset_init_vs_power_on(void)
{
	struct lapic l;
	struct fake f;
	int ok = 1;
	u64 v;

	setup(&l, &f, 0x11, false);
	enable(&l);
	wr(&l, LAPIC_REG_ID, 0x05000000);
	wr(&l, LAPIC_REG_TPR, 0x40);
	wr(&l, LAPIC_REG_LVT_TIMER, 0x20);
	wr(&l, LAPIC_REG_TIMER_ICR, 1000);
	lapic_accept(&l, 0x90, false);
	ok &= KTAP_EXPECT(lapic_set_base(&l, 0xfec00000ULL | LAPIC_BASE_EN) == 0);
	/* INIT: registers reset, APIC_BASE and the ID kept. */
	lapic_reset(&l, true);
	ok &= KTAP_EXPECT(lapic_get_base(&l) == (0xfec00000ULL | LAPIC_BASE_EN));
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_ID) == 0x05000000);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TPR) == 0 && rd(&l, LAPIC_REG_SVR) == 0xff);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_LVT_TIMER) == LAPIC_LVT_MASKED);
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_TIMER_ICR) == 0 && !f.armed);
	ok &= KTAP_EXPECT(lapic_pending(&l) == -1 && !vec_bit(&l, LAPIC_REG_IRR, 0x90));
	/* INIT in x2APIC mode stays in x2APIC mode with the derived LDR. */
	ok &= KTAP_EXPECT(lapic_set_base(&l, 0xfee00000ULL | LAPIC_BASE_EN |
					 LAPIC_BASE_EXTD) == 0);
	lapic_write_msr(&l, 0x808, 0x30);
	lapic_reset(&l, true);
	ok &= KTAP_EXPECT(lapic_is_x2apic(&l));
	ok &= KTAP_EXPECT(lapic_read_msr(&l, 0x808, &v) == 0 && v == 0);
	ok &= KTAP_EXPECT(lapic_read_msr(&l, 0x80d, &v) == 0 && v == 0x00010002);
	/* Power-on: xAPIC at the default base, the initial ID back. */
	lapic_reset(&l, false);
	ok &= KTAP_EXPECT(lapic_get_base(&l) == (LAPIC_DEFAULT_BASE | LAPIC_BASE_EN));
	ok &= KTAP_EXPECT(rd(&l, LAPIC_REG_ID) == 0x11000000);
	lapic_destroy(&l);
	return ok;
}

int main(void)
{
	ktap_begin("lapic", 20);
	ktap_result(test_reset_values(), "reset_values");
	ktap_result(test_priority_order(), "priority_order");
	ktap_result(test_tpr_ppr(), "tpr_ppr_apr_masking");
	ktap_result(test_isr_nesting(), "isr_nesting_and_eoi");
	ktap_result(test_level_eoi(), "level_eoi_callback");
	ktap_result(test_lazy_eoi(), "lazy_eoi_arm_kick_end");
	ktap_result(test_lazy_eoi_would_arm(), "lazy_eoi_would_arm_for_a_posted_vector");
	ktap_result(test_post(), "posted_vector_accepted_once_and_signalled_again");
	ktap_result(test_errors(), "esr_and_illegal_vectors");
	ktap_result(test_lvt_masks(), "lvt_masks");
	ktap_result(test_timer_oneshot(), "timer_oneshot");
	ktap_result(test_timer_periodic(), "timer_periodic");
	ktap_result(test_timer_divide(), "timer_divide_config");
	ktap_result(test_timer_tsc_deadline(), "timer_tsc_deadline");
	ktap_result(test_icr_send_ipi(), "icr_send_ipi");
	ktap_result(test_x2apic_msrs(), "x2apic_msr_rules");
	ktap_result(test_apic_base(), "apic_base_transitions");
	ktap_result(test_dest_match(), "destination_matching");
	ktap_result(test_nmi_init_sipi_extint(), "nmi_init_sipi_extint_lint");
	ktap_result(test_reset_init_vs_power_on(), "reset_init_vs_power_on");
	return ktap_end();
}
