// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the ACPI PM register block (module/core/acpi_pm.c). */
#include "ktap.h"
#include "acpi_pm.h"

#define HZ	3579545ULL
#define B	ACPI_PM_BASE_DEFAULT

/* A fake clock, one fake one-shot timer and recording callbacks. */
struct fake {
	u64 now;
	struct vmm_timer *timer;
	bool armed;
	u64 deadline;
	unsigned int arms, cancels;
	bool sci;
	unsigned int sci_rises, bad_irq;
	u64 sci_rise_ns;
	unsigned int poweroffs, resets;
};

static u64 fake_now(void *host)
{
	return ((struct fake *)host)->now;
}

static void fake_arm(void *host, struct vmm_timer *t, u64 deadline)
{
	struct fake *f = host;

	f->timer = t;
	f->armed = true;
	f->deadline = deadline;
	f->arms++;
}

static void fake_cancel(void *host, struct vmm_timer *t)
{
	struct fake *f = host;

	(void)t;
	f->armed = false;
	f->cancels++;
}

static void fake_set_irq(void *opaque, unsigned int irq, bool level)
{
	struct fake *f = opaque;

	if (irq != ACPI_PM_SCI_IRQ || level == f->sci)
		f->bad_irq++;	/* only changes of the SCI are reported */
	f->sci = level;
	if (level) {
		f->sci_rises++;
		f->sci_rise_ns = f->now;
	}
}

static void fake_poweroff(void *opaque)
{
	((struct fake *)opaque)->poweroffs++;
}

static void fake_reset(void *opaque)
{
	((struct fake *)opaque)->resets++;
}

static const struct vmm_time_ops fake_time_ops = {
	.now_ns = fake_now,
	.timer_arm = fake_arm,
	.timer_cancel = fake_cancel,
};

static const struct acpi_pm_ops fake_ops = {
	.set_irq = fake_set_irq,
	.poweroff = fake_poweroff,
	.reset = fake_reset,
};

/* Advance the clock to `to`, firing the timer at each deadline passed. */
static void advance(struct fake *f, u64 to)
{
	unsigned int guard = 0;

	while (f->armed && f->deadline <= to && guard++ < 1000) {
		if (f->deadline > f->now)
			f->now = f->deadline;
		f->armed = false;
		f->timer->fire(f->timer->dev);
	}
	if (to > f->now)
		f->now = to;
}

/* The first ns of timer tick t (computed here independently). */
static u64 tick_ns(u64 t)
{
	return ((unsigned __int128)t * 1000000000ULL + HZ - 1) / HZ;
}

static void setup(struct acpi_pm *pm, struct fake *f)
{
	memset(f, 0, sizeof(*f));
	acpi_pm_init(pm, B, &fake_ops, &fake_time_ops, f, f);
}

#define RD(off, size)		acpi_pm_io_read(pm, B + (off), (size))
#define WR(off, size, v)	acpi_pm_io_write(pm, B + (off), (size), (v))
#define TMR()			RD(ACPI_PM_TMR, 4)

static int test_timer_rate(void)
{
	struct acpi_pm p, *pm = &p;
	struct fake f;
	int ok = 1;
	u64 t;

	setup(pm, &f);
	ok &= KTAP_EXPECT(TMR() == 0);
	f.now = 1000000000ULL;
	ok &= KTAP_EXPECT(TMR() == HZ);
	f.now = 10 * 1000000000ULL;
	ok &= KTAP_EXPECT(TMR() == 10 * HZ);
	/* Each tick starts at its exact ns. */
	for (t = 1; t < 5000000; t = t * 3 + 7) {
		f.now = tick_ns(t);
		ok &= KTAP_EXPECT(TMR() == t);
		f.now--;
		ok &= KTAP_EXPECT(TMR() == t - 1);
	}
	/* Narrow reads are lanes of one 32-bit value. */
	f.now = tick_ns(0x12345678);
	ok &= KTAP_EXPECT(RD(ACPI_PM_TMR, 2) == 0x5678);
	ok &= KTAP_EXPECT(RD(ACPI_PM_TMR + 2, 2) == 0x1234);
	ok &= KTAP_EXPECT(RD(ACPI_PM_TMR + 3, 1) == 0x12);
	ok &= KTAP_EXPECT(RD(ACPI_PM_TMR + 1, 1) == 0x56);
	/* Writes do nothing. */
	WR(ACPI_PM_TMR, 4, 0);
	ok &= KTAP_EXPECT(TMR() == 0x12345678);
	ok &= KTAP_EXPECT(f.arms == 0 && f.sci_rises == 0);
	return ok;
}

static int test_timer_wrap(void)
{
	struct acpi_pm p, *pm = &p;
	struct fake f;
	int ok = 1;
	u64 wrap = 1ULL << 32;

	setup(pm, &f);
	f.now = tick_ns(wrap) - 1;
	ok &= KTAP_EXPECT(TMR() == 0xffffffffu);
	f.now = tick_ns(wrap);
	ok &= KTAP_EXPECT(TMR() == 0);
	f.now = tick_ns(wrap + 5);
	ok &= KTAP_EXPECT(TMR() == 5);
	/* ~1200 s per wrap: check a far time too. */
	f.now = tick_ns(7 * wrap + 0xabcdef);
	ok &= KTAP_EXPECT(TMR() == 0xabcdef);
	return ok;
}

static int test_tmr_sts(void)
{
	struct acpi_pm p, *pm = &p;
	struct fake f;
	int ok = 1;
	u64 half = 1ULL << 31;

	setup(pm, &f);
	ok &= KTAP_EXPECT(RD(ACPI_PM_PM1_STS, 2) == 0);
	f.now = tick_ns(half) - 1;
	ok &= KTAP_EXPECT(RD(ACPI_PM_PM1_STS, 2) == 0);
	/* Bit 31 goes 0 -> 1. */
	f.now = tick_ns(half);
	ok &= KTAP_EXPECT(RD(ACPI_PM_PM1_STS, 2) == ACPI_PM1_TMR);
	/* Writing 0 keeps it, writing 1 clears it. */
	WR(ACPI_PM_PM1_STS, 2, 0);
	ok &= KTAP_EXPECT(RD(ACPI_PM_PM1_STS, 2) == ACPI_PM1_TMR);
	WR(ACPI_PM_PM1_STS, 2, 0xffff);
	ok &= KTAP_EXPECT(RD(ACPI_PM_PM1_STS, 2) == 0);
	f.now = tick_ns(2 * half) - 1;
	ok &= KTAP_EXPECT(RD(ACPI_PM_PM1_STS, 2) == 0);
	/* Bit 31 goes 1 -> 0 at the wrap, seen through a timer read. */
	f.now = tick_ns(2 * half);
	ok &= KTAP_EXPECT(TMR() == 0);
	ok &= KTAP_EXPECT(RD(ACPI_PM_PM1_STS, 1) == ACPI_PM1_TMR);
	WR(ACPI_PM_PM1_STS, 1, ACPI_PM1_TMR);
	ok &= KTAP_EXPECT(RD(ACPI_PM_PM1_STS, 2) == 0);
	/* No SCI: neither TMR_EN nor SCI_EN. */
	ok &= KTAP_EXPECT(f.sci_rises == 0 && f.arms == 0);
	return ok;
}

static int test_sci_enable_handshake(void)
{
	struct acpi_pm p, *pm = &p;
	struct fake f;
	int ok = 1;

	setup(pm, &f);
	ok &= KTAP_EXPECT(RD(ACPI_PM_PM1_CNT, 2) == 0);	/* legacy mode */
	acpi_pm_power_button(pm);
	ok &= KTAP_EXPECT(RD(ACPI_PM_PM1_STS, 2) == ACPI_PM1_PWRBTN && !f.sci);
	WR(ACPI_PM_PM1_EN, 2, ACPI_PM1_PWRBTN);
	ok &= KTAP_EXPECT(RD(ACPI_PM_PM1_EN, 2) == ACPI_PM1_PWRBTN);
	ok &= KTAP_EXPECT(!f.sci);			/* SCI_EN clear */
	/* The OS's ACPI_ENABLE handshake. */
	WR(ACPI_PM_SMI_CMD, 1, ACPI_PM_ENABLE);
	ok &= KTAP_EXPECT(RD(ACPI_PM_PM1_CNT, 2) & ACPI_PM1_CNT_SCI_EN);
	ok &= KTAP_EXPECT(f.sci && f.sci_rises == 1);
	/* Write-1-to-clear lowers it. */
	WR(ACPI_PM_PM1_STS, 2, ACPI_PM1_PWRBTN);
	ok &= KTAP_EXPECT(!f.sci && RD(ACPI_PM_PM1_STS, 2) == 0);
	/* Enable cleared: a press sets status, no SCI. */
	WR(ACPI_PM_PM1_EN, 2, 0);
	acpi_pm_power_button(pm);
	ok &= KTAP_EXPECT(!f.sci);
	WR(ACPI_PM_PM1_EN + 1, 1, ACPI_PM1_PWRBTN >> 8);	/* byte lane */
	ok &= KTAP_EXPECT(f.sci && f.sci_rises == 2);
	/* ACPI_DISABLE back to legacy mode drops the SCI. */
	WR(ACPI_PM_SMI_CMD, 1, ACPI_PM_DISABLE);
	ok &= KTAP_EXPECT(!f.sci && !(RD(ACPI_PM_PM1_CNT, 2) & ACPI_PM1_CNT_SCI_EN));
	WR(ACPI_PM_SMI_CMD, 1, 0x55);			/* other values: no effect */
	ok &= KTAP_EXPECT(!(RD(ACPI_PM_PM1_CNT, 2) & ACPI_PM1_CNT_SCI_EN));
	ok &= KTAP_EXPECT(RD(ACPI_PM_SMI_CMD, 1) == 0);
	/* One 32-bit access covers status and enable. */
	WR(ACPI_PM_SMI_CMD, 1, ACPI_PM_ENABLE);
	ok &= KTAP_EXPECT(f.sci);
	ok &= KTAP_EXPECT(RD(ACPI_PM_PM1_STS, 4) ==
			  (ACPI_PM1_PWRBTN | (u32)ACPI_PM1_PWRBTN << 16));
	WR(ACPI_PM_PM1_STS, 4, ACPI_PM1_PWRBTN);		/* clear, EN := 0 */
	ok &= KTAP_EXPECT(!f.sci && RD(ACPI_PM_PM1_STS, 4) == 0);
	/* Enable bits without a spec meaning are not stored. */
	WR(ACPI_PM_PM1_EN, 2, 0xffff);
	ok &= KTAP_EXPECT(RD(ACPI_PM_PM1_EN, 2) == ACPI_PM1_EN_MASK);
	ok &= KTAP_EXPECT(f.bad_irq == 0);
	return ok;
}

static int test_tmr_sci(void)
{
	struct acpi_pm p, *pm = &p;
	struct fake f;
	int ok = 1;
	u64 half = 1ULL << 31;

	setup(pm, &f);
	f.now = 1000;
	WR(ACPI_PM_SMI_CMD, 1, ACPI_PM_ENABLE);
	ok &= KTAP_EXPECT(!f.armed);
	WR(ACPI_PM_PM1_EN, 2, ACPI_PM1_TMR);
	/* Armed for the exact ns bit 31 flips. */
	ok &= KTAP_EXPECT(f.armed && f.deadline == tick_ns(half));
	advance(&f, tick_ns(half) - 1);
	ok &= KTAP_EXPECT(!f.sci);
	advance(&f, tick_ns(half) + 100);
	ok &= KTAP_EXPECT(f.sci && f.sci_rise_ns == tick_ns(half));
	ok &= KTAP_EXPECT(!f.armed);		/* status set: nothing to wait for */
	/* Clearing the status re-arms for the next flip (the wrap). */
	WR(ACPI_PM_PM1_STS, 2, ACPI_PM1_TMR);
	ok &= KTAP_EXPECT(!f.sci && f.armed && f.deadline == tick_ns(2 * half));
	/* Repeated accesses do not re-arm. */
	RD(ACPI_PM_TMR, 4);
	RD(ACPI_PM_PM1_STS, 2);
	ok &= KTAP_EXPECT(f.arms == 2);
	/* TMR_EN off: the timer is cancelled; status is still latched lazily. */
	WR(ACPI_PM_PM1_EN, 2, 0);
	ok &= KTAP_EXPECT(!f.armed && f.cancels == 1);
	advance(&f, tick_ns(2 * half));
	ok &= KTAP_EXPECT(!f.sci && RD(ACPI_PM_PM1_STS, 2) == ACPI_PM1_TMR);
	/* Enabling with status already set raises the SCI at once. */
	WR(ACPI_PM_PM1_EN, 2, ACPI_PM1_TMR);
	ok &= KTAP_EXPECT(f.sci && !f.armed);
	/* An early (spurious) fire neither sets status nor loses the deadline. */
	WR(ACPI_PM_PM1_STS, 2, ACPI_PM1_TMR);
	ok &= KTAP_EXPECT(f.armed && f.deadline == tick_ns(3 * half));
	f.now = tick_ns(3 * half) - 10;
	f.armed = false;
	f.timer->fire(f.timer->dev);
	ok &= KTAP_EXPECT(!f.sci && f.armed && f.deadline == tick_ns(3 * half));
	ok &= KTAP_EXPECT(f.bad_irq == 0);
	return ok;
}

static int test_sleep_s5(void)
{
	struct acpi_pm p, *pm = &p;
	struct fake f;
	int ok = 1;
	u16 s5 = ACPI_PM_SLP_TYP_S5 << ACPI_PM1_CNT_SLP_TYP_SHIFT;

	setup(pm, &f);
	WR(ACPI_PM_SMI_CMD, 1, ACPI_PM_ENABLE);
	/* SLP_TYP alone does nothing; it reads back, SCI_EN preserved. */
	WR(ACPI_PM_PM1_CNT, 2, s5 | ACPI_PM1_CNT_SCI_EN);
	ok &= KTAP_EXPECT(f.poweroffs == 0);
	ok &= KTAP_EXPECT(RD(ACPI_PM_PM1_CNT, 2) == (s5 | ACPI_PM1_CNT_SCI_EN));
	/* Another sleep type with SLP_EN: ignored. */
	WR(ACPI_PM_PM1_CNT, 2, (3 << ACPI_PM1_CNT_SLP_TYP_SHIFT) |
	   ACPI_PM1_CNT_SLP_EN | ACPI_PM1_CNT_SCI_EN);
	ok &= KTAP_EXPECT(f.poweroffs == 0);
	/* S5 with SLP_EN: power off; SLP_EN reads 0. */
	WR(ACPI_PM_PM1_CNT, 2, s5 | ACPI_PM1_CNT_SLP_EN | ACPI_PM1_CNT_SCI_EN);
	ok &= KTAP_EXPECT(f.poweroffs == 1);
	ok &= KTAP_EXPECT(!(RD(ACPI_PM_PM1_CNT, 2) & ACPI_PM1_CNT_SLP_EN));
	/* The same through the high byte alone. */
	WR(ACPI_PM_PM1_CNT + 1, 1, (s5 | ACPI_PM1_CNT_SLP_EN) >> 8);
	ok &= KTAP_EXPECT(f.poweroffs == 2);
	ok &= KTAP_EXPECT(RD(ACPI_PM_PM1_CNT, 1) == ACPI_PM1_CNT_SCI_EN);
	ok &= KTAP_EXPECT(f.resets == 0);
	return ok;
}

static int test_reset_reg(void)
{
	struct acpi_pm p, *pm = &p;
	struct fake f;
	int ok = 1;

	setup(pm, &f);
	WR(ACPI_PM_RESET_REG, 1, 0x06);
	ok &= KTAP_EXPECT(f.resets == 0);
	WR(ACPI_PM_RESET_REG, 1, ACPI_PM_RESET_VALUE);
	ok &= KTAP_EXPECT(f.resets == 1);
	ok &= KTAP_EXPECT(RD(ACPI_PM_RESET_REG, 1) == 0);
	/* A 2-byte write at SMI_CMD reaches the reset register in lane 1. */
	WR(ACPI_PM_SMI_CMD, 2, ACPI_PM_RESET_VALUE << 8);
	ok &= KTAP_EXPECT(f.resets == 2 && f.poweroffs == 0);
	return ok;
}

static int test_ports_and_gpe(void)
{
	struct acpi_pm p, *pm = &p;
	struct fake f;
	int ok = 1;

	setup(pm, &f);
	ok &= KTAP_EXPECT(acpi_pm_owns_port(pm, B));
	ok &= KTAP_EXPECT(acpi_pm_owns_port(pm, B + ACPI_PM_RESET_REG));
	ok &= KTAP_EXPECT(!acpi_pm_owns_port(pm, B + ACPI_PM_NR_PORTS));
	ok &= KTAP_EXPECT(!acpi_pm_owns_port(pm, B - 1));
	ok &= KTAP_EXPECT(RD(0x06, 2) == 0xffff);		/* reserved */
	/* Lanes outside the block read 0xff. */
	ok &= KTAP_EXPECT(acpi_pm_io_read(pm, B - 1, 2) == 0x00ff);
	ok &= KTAP_EXPECT(RD(ACPI_PM_RESET_REG, 4) == 0xffffff00);
	acpi_pm_io_write(pm, B - 1, 4, 0xffffffff);		/* clears STS lanes */
	/* GPE0: no SCI until enabled and SCI_EN. */
	acpi_pm_gpe_raise(pm, 3);
	acpi_pm_gpe_raise(pm, 16);				/* out of range */
	ok &= KTAP_EXPECT(RD(ACPI_PM_GPE0_STS, 2) == 0x0008 && !f.sci);
	WR(ACPI_PM_GPE0_EN, 2, 0x0008);
	ok &= KTAP_EXPECT(!f.sci);
	WR(ACPI_PM_SMI_CMD, 1, ACPI_PM_ENABLE);
	ok &= KTAP_EXPECT(f.sci);
	WR(ACPI_PM_GPE0_STS, 2, 0x0008);
	ok &= KTAP_EXPECT(!f.sci && RD(ACPI_PM_GPE0_STS, 2) == 0);
	ok &= KTAP_EXPECT(RD(ACPI_PM_GPE0_EN, 2) == 0x0008);
	/* System reset: back to legacy mode, SCI lowered, timer cancelled. */
	WR(ACPI_PM_PM1_EN, 2, ACPI_PM1_TMR | ACPI_PM1_PWRBTN);
	acpi_pm_power_button(pm);
	ok &= KTAP_EXPECT(f.sci && f.armed);
	acpi_pm_reset(pm);
	ok &= KTAP_EXPECT(!f.sci && !f.armed);
	ok &= KTAP_EXPECT(RD(ACPI_PM_PM1_STS, 4) == 0 && RD(ACPI_PM_PM1_CNT, 2) == 0);
	ok &= KTAP_EXPECT(RD(ACPI_PM_GPE0_STS, 4) == 0);
	ok &= KTAP_EXPECT(f.bad_irq == 0);
	/* Another base; no ops. */
	acpi_pm_init(pm, 0xb000, NULL, &fake_time_ops, &f, NULL);
	ok &= KTAP_EXPECT(acpi_pm_owns_port(pm, 0xb011) && !acpi_pm_owns_port(pm, B));
	acpi_pm_io_write(pm, 0xb000 + ACPI_PM_SMI_CMD, 1, ACPI_PM_ENABLE);
	acpi_pm_io_write(pm, 0xb000 + ACPI_PM_PM1_EN, 2, ACPI_PM1_PWRBTN);
	acpi_pm_power_button(pm);
	acpi_pm_io_write(pm, 0xb000 + ACPI_PM_RESET_REG, 1, ACPI_PM_RESET_VALUE);
	acpi_pm_io_write(pm, 0xb000 + ACPI_PM_PM1_CNT, 2, 0x3c01);
	ok &= KTAP_EXPECT(acpi_pm_io_read(pm, 0xb000, 2) == ACPI_PM1_PWRBTN);
	/* The top of the port space does not wrap into the block. */
	acpi_pm_init(pm, 0xfff8, NULL, &fake_time_ops, &f, NULL);
	ok &= KTAP_EXPECT(acpi_pm_io_read(pm, 0xfffe, 4) == 0xffffffff);
	ok &= KTAP_EXPECT(!acpi_pm_owns_port(pm, 0x0002));
	return ok;
}

int main(void)
{
	ktap_begin("acpi_pm", 8);
	ktap_result(test_timer_rate(), "pm_timer_rate_exact_ns");
	ktap_result(test_timer_wrap(), "pm_timer_32bit_wrap");
	ktap_result(test_tmr_sts(), "tmr_sts_on_bit31_flip_write1_clear");
	ktap_result(test_sci_enable_handshake(), "sci_only_when_enabled_acpi_enable");
	ktap_result(test_tmr_sci(), "tmr_en_sci_on_time");
	ktap_result(test_sleep_s5(), "slp_en_s5_poweroff");
	ktap_result(test_reset_reg(), "reset_register");
	ktap_result(test_ports_and_gpe(), "ports_gpe0_and_system_reset");
	return ktap_end();
}
