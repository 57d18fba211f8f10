// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the MC146818 RTC/CMOS model (module/core/mc146818.c). */
#include "ktap.h"
#include "mc146818.h"

#define NS		1000000000ULL
#define MAX_RISES	4096

struct fake {
	u64 now;
	struct vmm_timer *timer;
	bool armed;
	u64 deadline;
	unsigned int arms, cancels;
	bool irq;
	unsigned int rises, falls, bad_irq;
	u64 rise_ns[MAX_RISES];
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

	if (irq != 8 || level == f->irq)
		f->bad_irq++;
	f->irq = level;
	if (level) {
		if (f->rises < MAX_RISES)
			f->rise_ns[f->rises] = f->now;
		f->rises++;
	} else {
		f->falls++;
	}
}

static const struct vmm_time_ops fake_time_ops = {
	.now_ns = fake_now,
	.timer_arm = fake_arm,
	.timer_cancel = fake_cancel,
};

static const struct mc146818_ops fake_ops = {
	.set_irq = fake_set_irq,
};

static void advance(struct fake *f, u64 to)
{
	unsigned int guard = 0;

	while (f->armed && f->deadline <= to && guard++ < 1000000) {
		if (f->deadline > f->now)
			f->now = f->deadline;
		f->armed = false;
		f->timer->fire(f->timer->dev);
	}
	if (to > f->now)
		f->now = to;
}

/* The first ns of 32.768 kHz divider tick t after the origin. */
static u64 tick32_ns(u64 t)
{
	return (t * NS + 32767) / 32768;
}

static void setup(struct mc146818 *rtc, struct fake *f, u64 epoch)
{
	memset(f, 0, sizeof(*f));
	mc146818_init(rtc, &fake_ops, &fake_time_ops, f, f, epoch);
}

static u8 rd(struct mc146818 *rtc, u8 idx)
{
	mc146818_write(rtc, 0x70, idx);
	return mc146818_read(rtc, 0x71);
}

static void wr(struct mc146818 *rtc, u8 idx, u8 val)
{
	mc146818_write(rtc, 0x70, idx);
	mc146818_write(rtc, 0x71, val);
}

/* Compare all clock bytes; each argument in the register's own format. */
static int clock_is(struct mc146818 *rtc, u8 cent, u8 year, u8 mon, u8 mday,
		    u8 dow, u8 hour, u8 min, u8 sec)
{
	u8 got[8] = {
		rd(rtc, 0x32), rd(rtc, 9), rd(rtc, 8), rd(rtc, 7),
		rd(rtc, 6), rd(rtc, 4), rd(rtc, 2), rd(rtc, 0),
	};
	u8 want[8] = { cent, year, mon, mday, dow, hour, min, sec };

	if (!memcmp(got, want, sizeof(got)))
		return 1;
	printf("# clock %02x%02x-%02x-%02x (%x) %02x:%02x:%02x, want %02x%02x-%02x-%02x (%x) %02x:%02x:%02x\n",
	       got[0], got[1], got[2], got[3], got[4], got[5], got[6], got[7],
	       want[0], want[1], want[2], want[3], want[4], want[5], want[6], want[7]);
	return 0;
}

#define T_20240704_123456	1720096496ULL	/* a Thursday */

static int test_bcd_time(void)
{
	struct mc146818 r, *rtc = &r;
	struct fake f;
	int ok = 1;

	setup(rtc, &f, T_20240704_123456);
	ok &= KTAP_EXPECT(rd(rtc, 0x0a) == 0x26 && rd(rtc, 0x0b) == 0x02);
	ok &= KTAP_EXPECT(rd(rtc, 0x0c) == 0x00 && rd(rtc, 0x0d) == 0x80);
	ok &= KTAP_EXPECT(clock_is(rtc, 0x20, 0x24, 0x07, 0x04, 5, 0x12, 0x34, 0x56));
	f.now = NS - 1;
	ok &= KTAP_EXPECT(rd(rtc, 0) == 0x56);
	f.now = NS;
	ok &= KTAP_EXPECT(rd(rtc, 0) == 0x57);
	f.now = 4 * NS;
	ok &= KTAP_EXPECT(clock_is(rtc, 0x20, 0x24, 0x07, 0x04, 5, 0x12, 0x35, 0x00));
	/* 10^8 s later: 2027-09-04 22:21:36, a Saturday. */
	f.now = 100000000ULL * NS;
	ok &= KTAP_EXPECT(clock_is(rtc, 0x20, 0x27, 0x09, 0x04, 7, 0x22, 0x21, 0x36));
	/* 3*10^9 s: 2119-07-29 17:54:56, a Saturday. */
	f.now = 3000000000ULL * NS;
	ok &= KTAP_EXPECT(clock_is(rtc, 0x21, 0x19, 0x07, 0x29, 7, 0x17, 0x54, 0x56));
	ok &= KTAP_EXPECT(f.rises == 0 && !f.armed && f.bad_irq == 0);
	return ok;
}

static int test_binary_and_12h(void)
{
	struct mc146818 r, *rtc = &r;
	struct fake f;
	int ok = 1;

	setup(rtc, &f, T_20240704_123456);
	wr(rtc, 0x0b, 0x06);				/* binary, 24h */
	ok &= KTAP_EXPECT(clock_is(rtc, 20, 24, 7, 4, 5, 12, 34, 56));
	wr(rtc, 0x0b, 0x00);				/* BCD, 12h */
	ok &= KTAP_EXPECT(rd(rtc, 4) == 0x92);		/* 12 PM */
	wr(rtc, 0x0b, 0x04);				/* binary, 12h */
	ok &= KTAP_EXPECT(rd(rtc, 4) == 0x8c);
	/* Midnight is 12 AM; 23:59 is 11 PM. */
	setup(rtc, &f, 1720053000ULL);			/* 2024-07-04 00:30:00 */
	wr(rtc, 0x0b, 0x00);
	ok &= KTAP_EXPECT(rd(rtc, 4) == 0x12 && rd(rtc, 2) == 0x30);
	setup(rtc, &f, 1709251198ULL);			/* 2024-02-29 23:59:58 */
	wr(rtc, 0x0b, 0x00);
	ok &= KTAP_EXPECT(rd(rtc, 4) == 0x91);
	/* Setting the hour in 12h mode: 1 PM is 13:00. */
	wr(rtc, 0x0b, 0x80);
	wr(rtc, 4, 0x81);
	wr(rtc, 0x0b, 0x00);
	ok &= KTAP_EXPECT(rd(rtc, 4) == 0x81);
	wr(rtc, 0x0b, 0x02);
	ok &= KTAP_EXPECT(rd(rtc, 4) == 0x13);
	/* 12 AM written in 12h mode is hour 0. */
	wr(rtc, 0x0b, 0x80);
	wr(rtc, 4, 0x12);
	wr(rtc, 0x0b, 0x00);
	wr(rtc, 0x0b, 0x02);
	ok &= KTAP_EXPECT(rd(rtc, 4) == 0x00);
	return ok;
}

static int test_rollover(void)
{
	struct mc146818 r, *rtc = &r;
	struct fake f;
	int ok = 1;

	/* Leap day 2024 -> 1 March, a Friday. */
	setup(rtc, &f, 1709251198ULL);
	ok &= KTAP_EXPECT(clock_is(rtc, 0x20, 0x24, 0x02, 0x29, 5, 0x23, 0x59, 0x58));
	f.now = 2 * NS;
	ok &= KTAP_EXPECT(clock_is(rtc, 0x20, 0x24, 0x03, 0x01, 6, 0x00, 0x00, 0x00));
	/* 2023 is not a leap year. */
	setup(rtc, &f, 1677628799ULL);
	f.now = NS;
	ok &= KTAP_EXPECT(clock_is(rtc, 0x20, 0x23, 0x03, 0x01, 4, 0x00, 0x00, 0x00));
	/* 2000 is (divisible by 400). */
	setup(rtc, &f, 951782399ULL);
	f.now = NS;
	ok &= KTAP_EXPECT(clock_is(rtc, 0x20, 0x00, 0x02, 0x29, 3, 0x00, 0x00, 0x00));
	/* 2100 is not (divisible by 100). */
	setup(rtc, &f, 4107542399ULL);
	ok &= KTAP_EXPECT(clock_is(rtc, 0x21, 0x00, 0x02, 0x28, 1, 0x23, 0x59, 0x59));
	f.now = NS;
	ok &= KTAP_EXPECT(clock_is(rtc, 0x21, 0x00, 0x03, 0x01, 2, 0x00, 0x00, 0x00));
	/* Century rollovers. */
	setup(rtc, &f, 4102444799ULL);			/* 2099-12-31 23:59:59 */
	f.now = NS;
	ok &= KTAP_EXPECT(clock_is(rtc, 0x21, 0x00, 0x01, 0x01, 6, 0x00, 0x00, 0x00));
	setup(rtc, &f, 946684799ULL);			/* 1999-12-31 23:59:59 */
	ok &= KTAP_EXPECT(clock_is(rtc, 0x19, 0x99, 0x12, 0x31, 6, 0x23, 0x59, 0x59));
	f.now = NS;
	ok &= KTAP_EXPECT(clock_is(rtc, 0x20, 0x00, 0x01, 0x01, 7, 0x00, 0x00, 0x00));
	/* The epoch itself, a Thursday, in binary. */
	setup(rtc, &f, 0);
	wr(rtc, 0x0b, 0x06);
	ok &= KTAP_EXPECT(clock_is(rtc, 19, 70, 1, 1, 5, 0, 0, 0));
	/* A date set by the guest rolls over too: 1900-02-28 (not leap). */
	wr(rtc, 0x0b, 0x86);
	wr(rtc, 0x32, 19);
	wr(rtc, 9, 0);
	wr(rtc, 8, 2);
	wr(rtc, 7, 28);
	wr(rtc, 4, 23);
	wr(rtc, 2, 59);
	wr(rtc, 0, 59);
	wr(rtc, 0x0b, 0x06);
	f.now += NS;
	ok &= KTAP_EXPECT(clock_is(rtc, 19, 0, 3, 1, 5, 0, 0, 0));
	return ok;
}

static int test_uip(void)
{
	struct mc146818 r, *rtc = &r;
	struct fake f;
	int ok = 1;

	setup(rtc, &f, T_20240704_123456);
	/* UIP covers divider ticks 32760-32767 of each second. */
	f.now = tick32_ns(32760) - 1;
	ok &= KTAP_EXPECT(rd(rtc, 0x0a) == 0x26);
	f.now = tick32_ns(32760);
	ok &= KTAP_EXPECT(rd(rtc, 0x0a) == 0xa6);
	ok &= KTAP_EXPECT(rd(rtc, 0) == 0x56);		/* not updated yet */
	f.now = NS - 1;
	ok &= KTAP_EXPECT(rd(rtc, 0x0a) == 0xa6);
	f.now = NS;
	ok &= KTAP_EXPECT(rd(rtc, 0x0a) == 0x26 && rd(rtc, 0) == 0x57);
	f.now = 7 * NS - 200000;
	ok &= KTAP_EXPECT(rd(rtc, 0x0a) == 0xa6);
	/* SET inhibits updates, so no UIP. */
	wr(rtc, 0x0b, 0x82);
	ok &= KTAP_EXPECT(rd(rtc, 0x0a) == 0x26);
	/* UIP is read-only. */
	wr(rtc, 0x0b, 0x02);
	f.now = 8 * NS;
	wr(rtc, 0x0a, 0xa6);
	ok &= KTAP_EXPECT(rd(rtc, 0x0a) == 0x26);
	return ok;
}

static int test_reg_c_and_update_irq(void)
{
	struct mc146818 r, *rtc = &r;
	struct fake f;
	int ok = 1;
	unsigned int i;

	setup(rtc, &f, T_20240704_123456);
	/* Flags are set with no enables, but no IRQ and no timer. */
	f.now = NS / 2;
	ok &= KTAP_EXPECT(rd(rtc, 0x0c) == 0x40);	/* PF only (1024 Hz) */
	f.now = NS;
	ok &= KTAP_EXPECT(rd(rtc, 0x0c) == 0x50);	/* PF and UF */
	ok &= KTAP_EXPECT(rd(rtc, 0x0c) == 0x00);	/* reading cleared it */
	ok &= KTAP_EXPECT(f.rises == 0 && !f.armed);
	/* Update-ended interrupts: one per second, at the boundary. */
	wr(rtc, 0x0a, 0x20);				/* no periodic rate */
	wr(rtc, 0x0b, 0x12);
	ok &= KTAP_EXPECT(f.armed && f.deadline == 2 * NS);
	for (i = 0; i < 5; i++) {
		advance(&f, (3 + i) * NS - 1);
		ok &= KTAP_EXPECT(f.irq && f.rise_ns[i] == (2 + i) * NS);
		ok &= KTAP_EXPECT(!f.armed);		/* nothing while high */
		ok &= KTAP_EXPECT(rd(rtc, 0x0c) == 0x90);
		ok &= KTAP_EXPECT(!f.irq && f.deadline == (3 + i) * NS);
	}
	/* Several updates unread: one IRQ, UF still reads once. */
	advance(&f, 20 * NS);
	ok &= KTAP_EXPECT(f.rises == 6 && rd(rtc, 0x0c) == 0x90);
	ok &= KTAP_EXPECT(rd(rtc, 0x0c) == 0x00);
	/* Enabling with a flag already set raises IRQF at once. */
	wr(rtc, 0x0b, 0x02);
	f.now = 21 * NS;
	ok &= KTAP_EXPECT(!f.irq);
	wr(rtc, 0x0b, 0x12);
	ok &= KTAP_EXPECT(f.irq && f.rises == 7);
	ok &= KTAP_EXPECT(rd(rtc, 0x0c) == 0x90 && !f.irq);
	/* Disabling drops the line and the timer. */
	wr(rtc, 0x0b, 0x02);
	ok &= KTAP_EXPECT(!f.armed && f.cancels >= 1);
	/* C and D are read-only. */
	wr(rtc, 0x0c, 0xff);
	wr(rtc, 0x0d, 0x00);
	ok &= KTAP_EXPECT(rd(rtc, 0x0c) == 0x00 && rd(rtc, 0x0d) == 0x80);
	ok &= KTAP_EXPECT(f.bad_irq == 0);
	return ok;
}

static int periodic_rate(u8 rs, u64 period_ticks, unsigned int n)
{
	struct mc146818 r, *rtc = &r;
	struct fake f;
	int ok = 1;
	unsigned int i;

	setup(rtc, &f, T_20240704_123456);
	wr(rtc, 0x0a, 0x20 | rs);
	wr(rtc, 0x0b, 0x42);				/* PIE */
	for (i = 1; i <= n; i++) {
		ok &= KTAP_EXPECT(f.armed && f.deadline == tick32_ns(i * period_ticks));
		advance(&f, f.deadline);
		ok &= KTAP_EXPECT(f.irq && f.now == tick32_ns(i * period_ticks));
		ok &= KTAP_EXPECT((rd(rtc, 0x0c) & 0xc0) == 0xc0 && !f.irq);
		if (!ok)
			break;
	}
	ok &= KTAP_EXPECT(f.rises == n && f.bad_irq == 0);
	return ok;
}

static int test_periodic(void)
{
	struct mc146818 r, *rtc = &r;
	struct fake f;
	int ok = 1;

	ok &= periodic_rate(6, 32, 1024);		/* 1024 Hz for 1 s */
	ok &= periodic_rate(15, 16384, 4);		/* 2 Hz */
	ok &= periodic_rate(3, 4, 100);			/* 8192 Hz */
	ok &= periodic_rate(1, 128, 10);		/* 256 Hz */
	ok &= periodic_rate(2, 256, 10);		/* 128 Hz */
	/* Rate 0: no periodic interrupt at all. */
	setup(rtc, &f, T_20240704_123456);
	wr(rtc, 0x0a, 0x20);
	wr(rtc, 0x0b, 0x42);
	ok &= KTAP_EXPECT(!f.armed);
	f.now = 3 * NS;
	ok &= KTAP_EXPECT(rd(rtc, 0x0c) == 0x10);	/* UF, no PF */
	/* Unread, the line stays high and no timer runs. */
	wr(rtc, 0x0a, 0x26);
	advance(&f, 4 * NS);
	ok &= KTAP_EXPECT(f.rises == 1 && f.irq && !f.armed);
	/* A rate change re-arms from the divider grid. */
	ok &= KTAP_EXPECT((rd(rtc, 0x0c) & 0xc0) == 0xc0);
	wr(rtc, 0x0a, 0x2f);
	ok &= KTAP_EXPECT(f.deadline == 4 * NS + NS / 2);
	return ok;
}

static int test_alarm(void)
{
	struct mc146818 r, *rtc = &r;
	struct fake f;
	int ok = 1;

	setup(rtc, &f, T_20240704_123456);
	wr(rtc, 0x0a, 0x20);
	wr(rtc, 1, 0x00);
	wr(rtc, 3, 0x35);
	wr(rtc, 5, 0x12);				/* 12:35:00, 4 s away */
	wr(rtc, 0x0b, 0x22);				/* AIE */
	ok &= KTAP_EXPECT(f.armed && f.deadline == 4 * NS);
	advance(&f, 4 * NS - 1);
	ok &= KTAP_EXPECT(!f.irq);
	advance(&f, 4 * NS);
	ok &= KTAP_EXPECT(f.irq && f.rise_ns[0] == 4 * NS);
	ok &= KTAP_EXPECT(rd(rtc, 0x0c) == 0xb0);	/* IRQF, AF, UF */
	/* Next match is tomorrow. */
	ok &= KTAP_EXPECT(f.armed && f.deadline == (4 + 86400) * NS);
	/* Hours "don't care": every hour at mm:ss. */
	wr(rtc, 5, 0xc0);
	ok &= KTAP_EXPECT(f.deadline == (4 + 3600) * NS);
	/* All "don't care": every second. */
	wr(rtc, 3, 0xff);
	wr(rtc, 1, 0xc5);
	ok &= KTAP_EXPECT(f.deadline == 5 * NS);
	/* Minutes and seconds don't care, hour 13: at 13:00:00. */
	wr(rtc, 5, 0x13);
	ok &= KTAP_EXPECT(f.deadline == (4 + 25 * 60) * NS);
	/* An impossible value never matches. */
	wr(rtc, 5, 0x12);
	wr(rtc, 3, 0x35);
	wr(rtc, 1, 0x75);
	ok &= KTAP_EXPECT(!f.armed);
	/* AF is latched lazily without AIE, even across long gaps. */
	wr(rtc, 0x0b, 0x02);
	wr(rtc, 1, 0x30);
	wr(rtc, 3, 0x36);				/* 12:36:30 */
	f.now = 200 * NS;
	ok &= KTAP_EXPECT(rd(rtc, 0x0c) == 0x30);	/* AF, UF, no IRQF */
	f.now = 300 * NS;
	ok &= KTAP_EXPECT(rd(rtc, 0x0c) == 0x10);
	f.now = 100000 * NS;				/* a day later */
	ok &= KTAP_EXPECT(rd(rtc, 0x0c) == 0x30);
	/* Alarm in 12h binary mode: 1 PM = 0x81. */
	setup(rtc, &f, T_20240704_123456);
	wr(rtc, 0x0a, 0x20);
	wr(rtc, 0x0b, 0x24);				/* AIE, binary, 12h */
	wr(rtc, 1, 0);
	wr(rtc, 3, 0);
	wr(rtc, 5, 0x81);
	ok &= KTAP_EXPECT(f.deadline == (4 + 25 * 60) * NS);
	ok &= KTAP_EXPECT(f.bad_irq == 0);
	return ok;
}

static int test_set_bit(void)
{
	struct mc146818 r, *rtc = &r;
	struct fake f;
	int ok = 1;

	setup(rtc, &f, T_20240704_123456);
	wr(rtc, 0x0a, 0x20);
	f.now = NS / 4;
	rd(rtc, 0x0c);
	wr(rtc, 0x0b, 0x92);			/* SET clears UIE */
	ok &= KTAP_EXPECT(rd(rtc, 0x0b) == 0x82);
	/* Frozen while SET: no advance, no update flag. */
	f.now = 5 * NS + NS / 4;
	ok &= KTAP_EXPECT(rd(rtc, 0) == 0x56 && rd(rtc, 0x0c) == 0x00);
	/* Program 2030-01-15 (a Tuesday) 08:09:10. */
	wr(rtc, 0x32, 0x20);
	wr(rtc, 9, 0x30);
	wr(rtc, 8, 0x01);
	wr(rtc, 7, 0x15);
	wr(rtc, 4, 0x08);
	wr(rtc, 2, 0x09);
	wr(rtc, 0, 0x10);
	ok &= KTAP_EXPECT(rd(rtc, 0) == 0x10 && rd(rtc, 6) == 5);
	f.now = 5 * NS + NS / 2;
	wr(rtc, 0x0b, 0x02);
	/* The divider kept its phase: the next update is at 6 s. */
	f.now = 6 * NS - 1;
	ok &= KTAP_EXPECT(clock_is(rtc, 0x20, 0x30, 0x01, 0x15, 3, 0x08, 0x09, 0x10));
	f.now = 6 * NS;
	ok &= KTAP_EXPECT(clock_is(rtc, 0x20, 0x30, 0x01, 0x15, 3, 0x08, 0x09, 0x11));
	ok &= KTAP_EXPECT(rd(rtc, 0x0c) == 0x10);
	/* Writing a running clock sets it at once, phase kept. */
	f.now = 6 * NS + 300;
	wr(rtc, 0, 0x45);
	ok &= KTAP_EXPECT(rd(rtc, 0) == 0x45 && rd(rtc, 2) == 0x09);
	f.now = 7 * NS;
	ok &= KTAP_EXPECT(rd(rtc, 0) == 0x46);
	/* Binary writes under SET with DM set in the same B write. */
	wr(rtc, 0x0b, 0x86);
	wr(rtc, 0x32, 20);
	wr(rtc, 9, 31);
	wr(rtc, 8, 12);
	wr(rtc, 7, 31);
	wr(rtc, 4, 23);
	wr(rtc, 2, 59);
	wr(rtc, 0, 59);
	wr(rtc, 0x0b, 0x06);
	f.now = 8 * NS;
	ok &= KTAP_EXPECT(clock_is(rtc, 20, 32, 1, 1, 5, 0, 0, 0));
	return ok;
}

static int test_divider_reset(void)
{
	struct mc146818 r, *rtc = &r;
	struct fake f;
	int ok = 1;

	setup(rtc, &f, T_20240704_123456);
	f.now = NS / 3;
	wr(rtc, 0x0a, 0x76);			/* divider held in reset */
	f.now = 10 * NS;
	ok &= KTAP_EXPECT(rd(rtc, 0) == 0x56 && rd(rtc, 0x0c) == 0x40);
	ok &= KTAP_EXPECT(rd(rtc, 0x0c) == 0x00);	/* no periodic either */
	wr(rtc, 0, 0x20);			/* writable while stopped */
	f.now = 11 * NS;
	wr(rtc, 0x0a, 0x26);			/* first update 500 ms later */
	f.now = 11 * NS + NS / 2 - 1;
	ok &= KTAP_EXPECT(rd(rtc, 0) == 0x20 && (rd(rtc, 0x0a) & 0x80));
	f.now = 11 * NS + NS / 2;
	ok &= KTAP_EXPECT(rd(rtc, 0) == 0x21 && rd(rtc, 0x0c) == 0x50);
	f.now = 12 * NS + NS / 2;
	ok &= KTAP_EXPECT(rd(rtc, 0) == 0x22);
	return ok;
}

static int test_nvram(void)
{
	struct mc146818 r, *rtc = &r;
	struct fake f;
	int ok = 1;
	unsigned int i;

	setup(rtc, &f, T_20240704_123456);
	for (i = 0x0e; i < 0x80; i++)
		if (i != 0x32)
			wr(rtc, i, i ^ 0xa5);
	for (i = 0x0e; i < 0x80; i++)
		if (i != 0x32)
			ok &= KTAP_EXPECT(rd(rtc, i) == (i ^ 0xa5));
	ok &= KTAP_EXPECT(mc146818_nvram_get(rtc, 0x40) == (0x40 ^ 0xa5));
	/* Host-filled bytes. */
	mc146818_nvram_set(rtc, 0x10, 0x40);
	mc146818_nvram_set(rtc, 0x5f, 3);
	mc146818_nvram_set(rtc, 0x34, 0x12);
	ok &= KTAP_EXPECT(rd(rtc, 0x10) == 0x40 && rd(rtc, 0x5f) == 3 &&
			  rd(rtc, 0x34) == 0x12);
	/* Clock, control and century bytes are not NVRAM. */
	mc146818_nvram_set(rtc, 0x00, 0x99);
	mc146818_nvram_set(rtc, 0x0b, 0x99);
	mc146818_nvram_set(rtc, 0x32, 0x99);
	mc146818_nvram_set(rtc, 0x80, 0x99);
	ok &= KTAP_EXPECT(rd(rtc, 0) == 0x56 && rd(rtc, 0x0b) == 0x02 &&
			  rd(rtc, 0x32) == 0x20);
	ok &= KTAP_EXPECT(mc146818_nvram_get(rtc, 0x80) == 0 &&
			  mc146818_nvram_get(rtc, 0x05) == 0);
	/* Port 0x70: bit 7 masks NMI, the index wraps at 128, reads 0xff. */
	ok &= KTAP_EXPECT(!mc146818_nmi_masked(rtc));
	mc146818_write(rtc, 0x70, 0x80 | 0x10);
	ok &= KTAP_EXPECT(mc146818_nmi_masked(rtc));
	ok &= KTAP_EXPECT(mc146818_read(rtc, 0x71) == 0x40);
	ok &= KTAP_EXPECT(mc146818_read(rtc, 0x70) == 0xff);
	mc146818_write(rtc, 0x70, 0x0d);
	ok &= KTAP_EXPECT(!mc146818_nmi_masked(rtc));
	ok &= KTAP_EXPECT(mc146818_read(rtc, 0x71) == 0x80);
	ok &= KTAP_EXPECT(mc146818_read(rtc, 0x72) == 0xff);
	mc146818_write(rtc, 0x72, 0);
	/* Alarm bytes are plain storage. */
	wr(rtc, 1, 0x12);
	wr(rtc, 3, 0x34);
	wr(rtc, 5, 0xc0);
	ok &= KTAP_EXPECT(rd(rtc, 1) == 0x12 && rd(rtc, 3) == 0x34 &&
			  rd(rtc, 5) == 0xc0);
	/* NULL ops are allowed. */
	mc146818_init(rtc, NULL, &fake_time_ops, &f, NULL, 0);
	wr(rtc, 0x0b, 0x12);
	advance(&f, f.now + 3 * NS);
	ok &= KTAP_EXPECT(rd(rtc, 0x0c) & 0x80);
	return ok;
}

int main(void)
{
	ktap_begin("mc146818", 10);
	ktap_result(test_bcd_time(), "bcd_time");
	ktap_result(test_binary_and_12h(), "binary_and_12h");
	ktap_result(test_rollover(), "rollover");
	ktap_result(test_uip(), "uip");
	ktap_result(test_reg_c_and_update_irq(), "reg_c_and_update_irq");
	ktap_result(test_periodic(), "periodic");
	ktap_result(test_alarm(), "alarm");
	ktap_result(test_set_bit(), "set_bit");
	ktap_result(test_divider_reset(), "divider_reset");
	ktap_result(test_nvram(), "nvram");
	return ktap_end();
}
