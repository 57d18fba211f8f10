// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the 8254 PIT model (module/core/i8254.c). */
#include "ktap.h"
#include "i8254.h"

#define HZ		1193182ULL
#define MAX_RISES	4096

/* A fake clock, one fake one-shot timer and a recording IRQ line. */
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

	if (irq != 0 || level == f->irq)
		f->bad_irq++;	/* only changes of IRQ 0 are reported */
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

static const struct i8254_ops fake_ops = {
	.set_irq = fake_set_irq,
};

/* Advance the clock to `to`, firing the timer at each deadline passed. */
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

/* The first ns of PIT tick t (computed here independently). */
static u64 tick_ns(u64 t)
{
	return ((unsigned __int128)t * 1000000000ULL + HZ - 1) / HZ;
}

static u64 ns_tick(u64 ns)
{
	return (unsigned __int128)ns * HZ / 1000000000ULL;
}

static void setup(struct i8254 *pit, struct fake *f)
{
	memset(f, 0, sizeof(*f));
	i8254_init(pit, &fake_ops, &fake_time_ops, f, f);
}

#define RD(port)	i8254_read(pit, (port))
#define WR(port, v)	i8254_write(pit, (port), (v))

static void program(struct i8254 *pit, unsigned int ch, u8 cw, u16 count)
{
	WR(0x43, cw);
	WR(0x40 + ch, count & 0xff);
	WR(0x40 + ch, count >> 8);
}

/* Latch and read a LSB+MSB counter. */
static u16 latch_read(struct i8254 *pit, unsigned int ch)
{
	u16 v;

	WR(0x43, ch << 6);
	v = RD(0x40 + ch);
	return v | RD(0x40 + ch) << 8;
}

static int test_mode2_periodic(void)
{
	struct i8254 p, *pit = &p;
	struct fake f;
	int ok = 1;
	u64 k;

	setup(pit, &f);
	ok &= KTAP_EXPECT(!f.armed && f.rises == 0);
	program(pit, 0, 0x34, 1193);		/* ~1 kHz, loaded at tick 1 */
	ok &= KTAP_EXPECT(f.irq && f.rises == 1);	/* OUT high on the mode write */
	ok &= KTAP_EXPECT(f.armed && f.deadline == tick_ns(1 + 1193));
	f.now = tick_ns(1 + 100);
	ok &= KTAP_EXPECT(latch_read(pit, 0) == 1093);
	f.now = tick_ns(1 + 1192) - 1;
	ok &= KTAP_EXPECT(latch_read(pit, 0) == 2 && f.irq);
	/* OUT is low while the count is 1; any access brings IRQ 0 up to date. */
	f.now = tick_ns(1 + 1192);
	ok &= KTAP_EXPECT(latch_read(pit, 0) == 1);
	ok &= KTAP_EXPECT(!f.irq && f.falls == 1);
	advance(&f, tick_ns(1 + 1193) - 1);
	ok &= KTAP_EXPECT(f.rises == 1 && f.falls == 1);
	advance(&f, tick_ns(1 + 1193));
	ok &= KTAP_EXPECT(f.rises == 2 && f.falls == 1 && f.irq);
	ok &= KTAP_EXPECT(f.rise_ns[1] == tick_ns(1 + 1193));
	ok &= KTAP_EXPECT(latch_read(pit, 0) == 1193);	/* reloaded */
	f.now = tick_ns(1 + 1193 + 5);
	ok &= KTAP_EXPECT(latch_read(pit, 0) == 1188);
	/* One second: edges at 1 + k * 1193 for k = 1..1000, no drift. */
	advance(&f, 1000000000ULL);
	ok &= KTAP_EXPECT(f.rises == 1001 && f.falls == 1000);
	for (k = 1; k <= 1000; k++)
		ok &= KTAP_EXPECT(f.rise_ns[k] == tick_ns(1 + k * 1193));
	ok &= KTAP_EXPECT(f.deadline == tick_ns(1 + 1001 * 1193));
	/* Many hours later the grid is still exact. */
	f.now = 3600ULL * 1000000000ULL * 5;
	k = (ns_tick(f.now) - 1) / 1193;
	f.armed = false;
	f.timer->fire(f.timer->dev);
	ok &= KTAP_EXPECT(f.deadline == tick_ns(1 + (k + 1) * 1193));
	ok &= KTAP_EXPECT(f.bad_irq == 0);
	return ok;
}

static int test_mode0_one_shot(void)
{
	struct i8254 p, *pit = &p;
	struct fake f;
	int ok = 1;

	setup(pit, &f);
	f.now = 5000;				/* tick 5 */
	program(pit, 0, 0x30, 100);		/* loaded at tick 6 */
	ok &= KTAP_EXPECT(!f.irq && f.rises == 0);
	ok &= KTAP_EXPECT(f.armed && f.deadline == tick_ns(6 + 100));
	f.now = tick_ns(6 + 40);
	ok &= KTAP_EXPECT(latch_read(pit, 0) == 60);
	/* Status: OUT low, count loaded, LSB+MSB, mode 0. */
	WR(0x43, 0xe2);
	ok &= KTAP_EXPECT(RD(0x40) == 0x30);
	advance(&f, tick_ns(6 + 100) - 1);
	ok &= KTAP_EXPECT(f.rises == 0);
	advance(&f, tick_ns(6 + 100));
	ok &= KTAP_EXPECT(f.rises == 1 && f.irq && f.rise_ns[0] == tick_ns(106));
	ok &= KTAP_EXPECT(!f.armed);		/* one shot */
	/* The counter wraps and keeps counting after terminal count. */
	f.now = tick_ns(6 + 103);
	ok &= KTAP_EXPECT(latch_read(pit, 0) == 65533);
	WR(0x43, 0xe2);
	ok &= KTAP_EXPECT(RD(0x40) == 0xb0);	/* OUT high */
	/* A new count restarts: OUT drops at once, rises N+1 edges later. */
	f.now = tick_ns(500) + 3;
	program(pit, 0, 0x30, 10);
	ok &= KTAP_EXPECT(!f.irq && f.falls == 1);
	advance(&f, tick_ns(511));
	ok &= KTAP_EXPECT(f.rises == 2 && f.rise_ns[1] == tick_ns(511));
	/* Writing only the LSB of a LSB+MSB count stops the count. */
	program(pit, 0, 0x30, 1000);
	f.now = tick_ns(511 + 1 + 300);
	WR(0x40, 0x10);
	ok &= KTAP_EXPECT(!f.armed);
	f.now = tick_ns(2000);
	ok &= KTAP_EXPECT(latch_read(pit, 0) == 700);
	WR(0x40, 0x00);				/* count 0x0010 from tick 2001 */
	advance(&f, tick_ns(2017));
	ok &= KTAP_EXPECT(f.rises == 3 && f.rise_ns[2] == tick_ns(2017));
	ok &= KTAP_EXPECT(f.bad_irq == 0);
	return ok;
}

static bool out2(struct i8254 *pit)
{
	return i8254_port61_read(pit) & I8254_P61_OUT2;
}

static int test_mode3_square(void)
{
	struct i8254 p, *pit = &p;
	struct fake f;
	int ok = 1;

	setup(pit, &f);
	i8254_port61_write(pit, 0x01);		/* gate 2 on, speaker off */
	program(pit, 2, 0xb6, 100);		/* loaded at tick 1 */
	ok &= KTAP_EXPECT(out2(pit));
	f.now = tick_ns(1 + 10);
	ok &= KTAP_EXPECT(latch_read(pit, 2) == 80);
	f.now = tick_ns(1 + 50) - 1;
	ok &= KTAP_EXPECT(out2(pit));
	f.now = tick_ns(1 + 50);
	ok &= KTAP_EXPECT(!out2(pit));
	f.now = tick_ns(1 + 60);
	ok &= KTAP_EXPECT(latch_read(pit, 2) == 80);
	f.now = tick_ns(1 + 100) - 1;
	ok &= KTAP_EXPECT(!out2(pit));
	f.now = tick_ns(1 + 100);
	ok &= KTAP_EXPECT(out2(pit));
	ok &= KTAP_EXPECT(latch_read(pit, 2) == 100);
	/* Odd count: high (N+1)/2 ticks, low (N-1)/2. */
	f.now = tick_ns(1000);
	program(pit, 2, 0xb6, 5);		/* loaded at tick 1001 */
	f.now = tick_ns(1001 + 2);
	ok &= KTAP_EXPECT(out2(pit));
	f.now = tick_ns(1001 + 3);
	ok &= KTAP_EXPECT(!out2(pit));
	f.now = tick_ns(1001 + 4);
	ok &= KTAP_EXPECT(!out2(pit));
	f.now = tick_ns(1001 + 5);
	ok &= KTAP_EXPECT(out2(pit));
	/* Gate low forces OUT high and stops; gate high reloads. */
	program(pit, 2, 0xb6, 100);
	f.now = tick_ns(3000);
	i8254_port61_write(pit, 0x00);
	f.now = tick_ns(3000 + 70);
	ok &= KTAP_EXPECT(out2(pit));
	ok &= KTAP_EXPECT(latch_read(pit, 2) == 14);
	f.now = tick_ns(4000);
	i8254_port61_write(pit, 0x01);		/* reload at tick 4001 */
	f.now = tick_ns(4001 + 50);
	ok &= KTAP_EXPECT(!out2(pit));
	ok &= KTAP_EXPECT(latch_read(pit, 2) == 100);

	/* Counter 0 in mode 3 interrupts once per period, at the rise. */
	f.now = 0;
	setup(pit, &f);
	program(pit, 0, 0x36, 0);		/* 65536: the BIOS's 18.2 Hz */
	ok &= KTAP_EXPECT(f.rises == 1);
	advance(&f, 1000000000ULL);
	ok &= KTAP_EXPECT(f.rises == 1 + 18 && f.falls == 18);
	ok &= KTAP_EXPECT(f.rise_ns[18] == tick_ns(1 + 18 * 65536ULL));
	ok &= KTAP_EXPECT(f.bad_irq == 0);
	return ok;
}

/* Linux's and SeaBIOS's TSC calibration: counter 2, mode 0, gated by 0x61. */
static int test_port61_calibration(void)
{
	struct i8254 p, *pit = &p;
	struct fake f;
	u64 t0, t2, polls = 0;
	int ok = 1;
	u8 v;

	setup(pit, &f);
	f.now = 123456789;
	t0 = ns_tick(f.now);
	v = i8254_port61_read(pit);
	i8254_port61_write(pit, (v & ~0x02) | 0x01);
	program(pit, 2, 0xb0, 11932);		/* 10 ms */
	ok &= KTAP_EXPECT(!out2(pit));
	ok &= KTAP_EXPECT(!f.armed && f.rises == 0);	/* not IRQ 0 */
	/* Poll like the firmware does, in 1 us steps. */
	while (!out2(pit) && polls++ < 20000)
		f.now += 1000;
	ok &= KTAP_EXPECT(f.now >= tick_ns(t0 + 1 + 11932) &&
			  f.now < tick_ns(t0 + 1 + 11932) + 1000);
	f.now = tick_ns(t0 + 1 + 11932) - 1;
	ok &= KTAP_EXPECT(!out2(pit));
	f.now = tick_ns(t0 + 1 + 11932);
	ok &= KTAP_EXPECT(out2(pit));
	/* quick_pit_calibrate: 0xffff, read LSB then MSB live. */
	f.now = tick_ns(t0 + 20000);
	program(pit, 2, 0xb0, 0xffff);
	f.now = tick_ns(t0 + 20001 + 256 * 3 + 7);
	ok &= KTAP_EXPECT(RD(0x42) == ((0xffff - 256 * 3 - 7) & 0xff));
	ok &= KTAP_EXPECT(RD(0x42) == (0xffff - 256 * 3 - 7) >> 8);
	/* Count written with the gate low: loaded but not counting. */
	i8254_port61_write(pit, 0x00);
	program(pit, 2, 0xb0, 1000);
	f.now += 5000000;
	ok &= KTAP_EXPECT(latch_read(pit, 2) == 1000 && !out2(pit));
	t2 = ns_tick(f.now);
	i8254_port61_write(pit, 0x01);
	f.now = tick_ns(t2 + 400);
	ok &= KTAP_EXPECT(latch_read(pit, 2) == 600);
	/* Gate low mid-count pauses mode 0. */
	i8254_port61_write(pit, 0x00);
	f.now += 7000000;
	ok &= KTAP_EXPECT(latch_read(pit, 2) == 600);
	t2 = ns_tick(f.now);
	i8254_port61_write(pit, 0x01);
	f.now = tick_ns(t2 + 599);
	ok &= KTAP_EXPECT(latch_read(pit, 2) == 1 && !out2(pit));
	f.now = tick_ns(t2 + 600);
	ok &= KTAP_EXPECT(latch_read(pit, 2) == 0 && out2(pit));
	return ok;
}

static int test_port61_bits(void)
{
	struct i8254 p, *pit = &p;
	struct fake f;
	int ok = 1;
	u8 a, b;

	setup(pit, &f);
	a = i8254_port61_read(pit);
	b = i8254_port61_read(pit);
	ok &= KTAP_EXPECT((a ^ b) == I8254_P61_REFRESH);	/* toggles */
	ok &= KTAP_EXPECT((a & 0x0f) == 0 && !(a & I8254_P61_OUT2));
	i8254_port61_write(pit, 0xff);
	a = i8254_port61_read(pit);
	ok &= KTAP_EXPECT((a & 0xcf) == 0x0f);	/* bits 6-7 read 0 */
	i8254_port61_write(pit, 0x0e);
	ok &= KTAP_EXPECT((i8254_port61_read(pit) & 0x0f) == 0x0e);
	/* The port read and write entries accept 0x61 too. */
	WR(0x61, 0x03);
	a = RD(0x61);
	b = RD(0x61);
	ok &= KTAP_EXPECT((a & 0x0f) == 0x03 && (a ^ b) == I8254_P61_REFRESH);
	/* Counter 2 unprogrammed: OUT2 low; mode 2 sets it high. */
	ok &= KTAP_EXPECT(!(a & I8254_P61_OUT2));
	WR(0x43, 0xb4);
	ok &= KTAP_EXPECT(out2(pit));
	/* 0x43 reads nothing. */
	ok &= KTAP_EXPECT(RD(0x43) == 0xff && RD(0x44) == 0xff);
	return ok;
}

static int test_latch_and_readback(void)
{
	struct i8254 p, *pit = &p;
	struct fake f;
	int ok = 1;

	setup(pit, &f);
	program(pit, 0, 0x34, 1000);		/* at tick 0, loaded at 1 */
	/* Null count until the load edge. */
	WR(0x43, 0xe2);
	ok &= KTAP_EXPECT(RD(0x40) == 0xf4);	/* OUT, NULL, LSB+MSB, mode 2 */
	f.now = tick_ns(1);
	WR(0x43, 0xe2);
	ok &= KTAP_EXPECT(RD(0x40) == 0xb4);
	/* A latch holds its value; a second latch before reading is ignored. */
	f.now = tick_ns(1 + 10);
	WR(0x43, 0x00);
	f.now = tick_ns(1 + 20);
	WR(0x43, 0x00);
	ok &= KTAP_EXPECT(RD(0x40) == (990 & 0xff));
	f.now = tick_ns(1 + 30);
	ok &= KTAP_EXPECT(RD(0x40) == 990 >> 8);
	ok &= KTAP_EXPECT(latch_read(pit, 0) == 970);
	/* Live read after the latch was consumed. */
	ok &= KTAP_EXPECT(RD(0x40) == (970 & 0xff));
	ok &= KTAP_EXPECT(RD(0x40) == 970 >> 8);
	/* Read-back count and status of counter 0: status comes first. */
	f.now = tick_ns(1 + 40);
	WR(0x43, 0xc2);
	f.now = tick_ns(1 + 50);
	ok &= KTAP_EXPECT(RD(0x40) == 0xb4);
	ok &= KTAP_EXPECT(RD(0x40) == (960 & 0xff) && RD(0x40) == 960 >> 8);
	/* A second status latch waits until the first one is read. */
	WR(0x43, 0xe2);
	f.now = tick_ns(1 + 999);		/* OUT low at count 1 */
	WR(0x43, 0xe2);
	ok &= KTAP_EXPECT(RD(0x40) == 0xb4);
	WR(0x43, 0xe2);
	ok &= KTAP_EXPECT(RD(0x40) == 0x34);
	/* Read-back of several counters at once. */
	program(pit, 1, 0x74, 500);		/* loaded at tick 1001 */
	program(pit, 2, 0xb0, 300);		/* gate low: mode 0 paused */
	f.now = tick_ns(1000 + 100);
	WR(0x43, 0xde);				/* count of 0, 1 and 2 */
	f.now = tick_ns(1000 + 200);
	ok &= KTAP_EXPECT(RD(0x41) == (401 & 0xff) && RD(0x41) == 401 >> 8);
	ok &= KTAP_EXPECT(RD(0x42) == (300 & 0xff) && RD(0x42) == 300 >> 8);
	ok &= KTAP_EXPECT(RD(0x40) == (901 & 0xff) && RD(0x40) == 901 >> 8);
	WR(0x43, 0xe8);				/* status of counter 2 */
	ok &= KTAP_EXPECT(RD(0x42) == 0x30);	/* OUT low, loaded, mode 0 */
	/* A control word discards a pending latch. */
	WR(0x43, 0x80);
	WR(0x43, 0xb0);
	WR(0x42, 0x34);
	WR(0x42, 0x12);
	f.now = tick_ns(1000 + 300);
	ok &= KTAP_EXPECT(latch_read(pit, 2) == 0x1234);
	return ok;
}

static int test_access_modes(void)
{
	struct i8254 p, *pit = &p;
	struct fake f;
	int ok = 1;

	setup(pit, &f);
	i8254_port61_write(pit, 0x01);
	/* LSB only. */
	WR(0x43, 0x90);				/* counter 2, LSB, mode 0 */
	WR(0x42, 0x80);
	f.now = tick_ns(1 + 3);
	ok &= KTAP_EXPECT(RD(0x42) == 0x7d && RD(0x42) == 0x7d);
	WR(0x43, 0xe8);
	ok &= KTAP_EXPECT(RD(0x42) == 0x10);
	/* MSB only. */
	f.now = tick_ns(100);
	WR(0x43, 0xa0);
	WR(0x42, 0x02);				/* 512, loaded at tick 101 */
	f.now = tick_ns(101);
	ok &= KTAP_EXPECT(RD(0x42) == 0x02);
	f.now = tick_ns(102);
	ok &= KTAP_EXPECT(RD(0x42) == 0x01 && RD(0x42) == 0x01);
	/* LSB then MSB: write and read flip-flops are independent. */
	f.now = tick_ns(200);
	WR(0x43, 0xb0);
	WR(0x42, 0x00);
	ok &= KTAP_EXPECT(RD(0x42) == 0x9d);	/* held: LSB of 512 - 99 */
	WR(0x42, 0x10);				/* 0x1000 from tick 201 */
	f.now = tick_ns(201 + 1);
	ok &= KTAP_EXPECT(RD(0x42) == 0x0f);	/* the MSB's turn */
	/* The read flip-flop: LSB, control word, LSB again. */
	ok &= KTAP_EXPECT(RD(0x42) == 0xff);
	WR(0x43, 0xb0);
	WR(0x42, 0x22);
	WR(0x42, 0x11);
	f.now = tick_ns(202);
	ok &= KTAP_EXPECT(RD(0x42) == 0x22 && RD(0x42) == 0x11);
	/* BCD: 1000 decimal, read back in BCD; 0 means 10000. */
	f.now = tick_ns(300);
	program(pit, 0, 0x35, 0x1000);		/* mode 2 BCD, loaded at 301 */
	f.now = tick_ns(301 + 1);
	ok &= KTAP_EXPECT(latch_read(pit, 0) == 0x0999);
	advance(&f, tick_ns(301 + 1000));
	ok &= KTAP_EXPECT(f.rises == 2 && f.rise_ns[1] == tick_ns(1301));
	f.now = tick_ns(2000);
	program(pit, 0, 0x31, 0x0000);		/* mode 0 BCD 10000 */
	f.now = tick_ns(2001 + 1);
	ok &= KTAP_EXPECT(latch_read(pit, 0) == 0x9999);
	ok &= KTAP_EXPECT(f.deadline == tick_ns(2001 + 10000));
	/* Binary count 0 is 65536. */
	f.now = tick_ns(3000);
	program(pit, 0, 0x30, 0);
	f.now = tick_ns(3001);
	ok &= KTAP_EXPECT(latch_read(pit, 0) == 0);
	f.now = tick_ns(3002);
	ok &= KTAP_EXPECT(latch_read(pit, 0) == 0xffff);
	ok &= KTAP_EXPECT(f.deadline == tick_ns(3001 + 65536));
	return ok;
}

static int test_mode2_new_count(void)
{
	struct i8254 p, *pit = &p;
	struct fake f;
	int ok = 1;

	setup(pit, &f);
	program(pit, 0, 0x34, 1000);		/* edges at 1001, 2001, ... */
	f.now = tick_ns(1 + 500);
	WR(0x40, 400 & 0xff);			/* no control word: */
	WR(0x40, 400 >> 8);			/* waits for the period end */
	ok &= KTAP_EXPECT(f.deadline == tick_ns(1001));
	f.now = tick_ns(1 + 600);
	ok &= KTAP_EXPECT(latch_read(pit, 0) == 400);	/* 1000 - 600 */
	WR(0x43, 0xe2);
	ok &= KTAP_EXPECT(RD(0x40) & I8254_ST_NULL);
	advance(&f, tick_ns(1001 + 10));
	ok &= KTAP_EXPECT(f.rises == 2 && f.rise_ns[1] == tick_ns(1001));
	ok &= KTAP_EXPECT(latch_read(pit, 0) == 390);
	WR(0x43, 0xe2);
	ok &= KTAP_EXPECT(!(RD(0x40) & I8254_ST_NULL));
	ok &= KTAP_EXPECT(f.deadline == tick_ns(1401));
	advance(&f, tick_ns(1801));
	ok &= KTAP_EXPECT(f.rises == 4 && f.rise_ns[2] == tick_ns(1401) &&
			  f.rise_ns[3] == tick_ns(1801));
	ok &= KTAP_EXPECT(f.deadline == tick_ns(2201));
	return ok;
}

static int test_modes_1_4_5(void)
{
	struct i8254 p, *pit = &p;
	struct fake f;
	int ok = 1;
	u64 t;

	setup(pit, &f);
	/* Mode 4 on counter 0: strobe low at count 0, rises one tick later. */
	program(pit, 0, 0x38, 100);		/* loaded at tick 1 */
	ok &= KTAP_EXPECT(f.rises == 1);	/* OUT high on the mode write */
	ok &= KTAP_EXPECT(f.deadline == tick_ns(102));
	advance(&f, tick_ns(102));
	ok &= KTAP_EXPECT(f.rises == 2 && f.falls == 1 &&
			  f.rise_ns[1] == tick_ns(102) && !f.armed);

	/* Mode 1 on counter 2: the gate's rising edge triggers. */
	f.now = tick_ns(1000);
	program(pit, 2, 0xb2, 50);
	ok &= KTAP_EXPECT(out2(pit));		/* waiting for a trigger */
	f.now = tick_ns(1100);
	ok &= KTAP_EXPECT(out2(pit));
	i8254_port61_write(pit, 0x01);		/* trigger: loads at 1101 */
	f.now = tick_ns(1100) + 1;
	ok &= KTAP_EXPECT(out2(pit));
	f.now = tick_ns(1101);
	ok &= KTAP_EXPECT(!out2(pit) && latch_read(pit, 2) == 50);
	f.now = tick_ns(1101 + 49);
	ok &= KTAP_EXPECT(!out2(pit) && latch_read(pit, 2) == 1);
	f.now = tick_ns(1101 + 50);
	ok &= KTAP_EXPECT(out2(pit));
	/* Retrigger. */
	i8254_port61_write(pit, 0x00);
	t = ns_tick(f.now);
	i8254_port61_write(pit, 0x01);
	f.now = tick_ns(t + 1);
	ok &= KTAP_EXPECT(!out2(pit) && latch_read(pit, 2) == 50);

	/* Mode 5: triggered strobe. */
	f.now = tick_ns(5000);
	i8254_port61_write(pit, 0x00);
	program(pit, 2, 0xba, 20);
	ok &= KTAP_EXPECT(out2(pit));
	i8254_port61_write(pit, 0x01);		/* loads at 5001 */
	f.now = tick_ns(5001 + 19);
	ok &= KTAP_EXPECT(out2(pit));
	f.now = tick_ns(5001 + 20);
	ok &= KTAP_EXPECT(!out2(pit));
	f.now = tick_ns(5001 + 21);
	ok &= KTAP_EXPECT(out2(pit));
	/* Mode 4 on counter 2 pauses with the gate. */
	f.now = tick_ns(6000);
	program(pit, 2, 0xb8, 30);		/* loads at 6001 */
	f.now = tick_ns(6001 + 10);
	i8254_port61_write(pit, 0x00);
	f.now = tick_ns(7000);
	ok &= KTAP_EXPECT(latch_read(pit, 2) == 20);
	i8254_port61_write(pit, 0x01);
	f.now = tick_ns(7000 + 20);
	ok &= KTAP_EXPECT(!out2(pit));
	f.now = tick_ns(7000 + 21);
	ok &= KTAP_EXPECT(out2(pit));
	/* Modes 6 and 7 are 2 and 3. */
	WR(0x43, 0x1c);				/* counter 0, LSB, mode 6 */
	WR(0x43, 0xe2);
	ok &= KTAP_EXPECT(RD(0x40) == 0xdc);	/* OUT high, null, as written */
	ok &= KTAP_EXPECT(pit->ch[0].mode == 2);
	return ok;
}

static int test_timer_protocol(void)
{
	struct i8254 p, *pit = &p;
	struct fake f;
	int ok = 1;
	unsigned int i, arms;
	u64 prev = 0;

	setup(pit, &f);
	/* A tiny period does not storm the host: >= 50 us apart, on grid. */
	program(pit, 0, 0x34, 2);
	for (i = 0; i < 20; i++) {
		ok &= KTAP_EXPECT(f.armed);
		ok &= KTAP_EXPECT(f.deadline >= f.now + I8254_MIN_PERIOD_NS);
		ok &= KTAP_EXPECT(ns_tick(f.deadline) % 2 == 1);
		ok &= KTAP_EXPECT(f.deadline > prev);
		prev = f.deadline;
		advance(&f, f.deadline);
	}
	ok &= KTAP_EXPECT(f.rises == 21);
	prev = f.deadline;
	/* A stale (early) fire re-arms for the same edge and raises nothing. */
	f.now += 1000;
	arms = f.arms;
	f.armed = false;
	pit->timer.fire(pit->timer.dev);
	ok &= KTAP_EXPECT(f.rises == 21 && f.armed && f.deadline == prev &&
			  f.arms == arms + 1);
	/* Reprogramming a one-shot that has fired cancels nothing more. */
	program(pit, 0, 0x30, 10);
	advance(&f, f.now + 1000000);
	ok &= KTAP_EXPECT(!f.armed);
	/* Switching from periodic to an unloaded mode cancels the timer. */
	program(pit, 0, 0x34, 1000);
	ok &= KTAP_EXPECT(f.armed);
	WR(0x43, 0x34);
	ok &= KTAP_EXPECT(!f.armed && f.cancels >= 1);
	ok &= KTAP_EXPECT(f.bad_irq == 0);
	/* NULL ops. */
	i8254_init(pit, NULL, &fake_time_ops, &f, NULL);
	program(pit, 0, 0x34, 1000);
	advance(&f, f.now + 10000000);
	return ok;
}

int main(void)
{
	ktap_begin("i8254", 10);
	ktap_result(test_mode2_periodic(), "mode2_periodic");
	ktap_result(test_mode0_one_shot(), "mode0_one_shot");
	ktap_result(test_mode3_square(), "mode3_square");
	ktap_result(test_port61_calibration(), "port61_calibration");
	ktap_result(test_port61_bits(), "port61_bits");
	ktap_result(test_latch_and_readback(), "latch_and_readback");
	ktap_result(test_access_modes(), "access_modes");
	ktap_result(test_mode2_new_count(), "mode2_new_count");
	ktap_result(test_modes_1_4_5(), "modes_1_4_5");
	ktap_result(test_timer_protocol(), "timer_protocol");
	return ktap_end();
}
