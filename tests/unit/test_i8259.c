// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the 8259A PIC pair and ELCR model (module/core/i8259.c). */
#include "ktap.h"
#include "i8259.h"

struct fake_cpu {
	bool intr;
	unsigned int changes;
};

static void fake_intr_changed(void *opaque, bool intr)
{
	struct fake_cpu *f = opaque;

	f->intr = intr;
	f->changes++;
}

static const struct i8259_ops fake_ops = {
	.intr_changed = fake_intr_changed,
};

#define RD(port)	i8259_read(p, (port))
#define WR(port, v)	i8259_write(p, (port), (v))

/* What SeaBIOS and Linux write: vectors 0x08 and 0x70, cascade on IR2. */
static void pic_program(struct i8259 *p, u8 icw4, u8 base_m, u8 base_s)
{
	WR(0x20, 0x11);
	WR(0x21, base_m);
	WR(0x21, 0x04);
	WR(0x21, icw4);
	WR(0xa0, 0x11);
	WR(0xa1, base_s);
	WR(0xa1, 0x02);
	WR(0xa1, icw4);
	WR(0x21, 0x00);
	WR(0xa1, 0x00);
}

static void setup(struct i8259 *p, struct fake_cpu *f)
{
	memset(f, 0, sizeof(*f));
	i8259_init(p, &fake_ops, f);
	pic_program(p, 0x01, 0x08, 0x70);
}

/* Pulse an edge-triggered line. */
static void pulse(struct i8259 *p, unsigned int irq)
{
	i8259_set_irq(p, irq, true);
	i8259_set_irq(p, irq, false);
}

static int test_init_sequence(void)
{
	struct i8259 pic, *p = &pic;
	struct fake_cpu f;
	int ok = 1;

	memset(&f, 0, sizeof(f));
	i8259_init(p, &fake_ops, &f);
	/* Unprogrammed: everything masked, nothing reaches the CPU. */
	ok &= KTAP_EXPECT(RD(0x21) == 0xff && RD(0xa1) == 0xff);
	i8259_set_irq(p, 1, true);
	ok &= KTAP_EXPECT(!i8259_has_intr(p) && f.changes == 0);
	i8259_set_irq(p, 1, false);

	pic_program(p, 0x01, 0x08, 0x70);
	ok &= KTAP_EXPECT(RD(0x21) == 0x00 && RD(0xa1) == 0x00);
	ok &= KTAP_EXPECT(!f.intr);
	/* ICW1 reset the edge latch: the earlier pulse is not pending. */
	ok &= KTAP_EXPECT(RD(0x20) == 0x00);
	pulse(p, 1);
	ok &= KTAP_EXPECT(f.intr && f.changes == 1 && i8259_has_intr(p));
	ok &= KTAP_EXPECT(RD(0x20) == 0x02);		/* IRR by default */
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x09);
	ok &= KTAP_EXPECT(!f.intr && f.changes == 2);
	WR(0x20, 0x0b);					/* OCW3: read ISR */
	ok &= KTAP_EXPECT(RD(0x20) == 0x02);
	WR(0x20, 0x20);					/* EOI */
	ok &= KTAP_EXPECT(RD(0x20) == 0x00);
	/* Slave vectors come from its own ICW2; low 3 bits of ICW2 ignored. */
	WR(0xa0, 0x11);
	WR(0xa1, 0x75);
	WR(0xa1, 0x02);
	WR(0xa1, 0x01);
	WR(0xa1, 0x00);
	pulse(p, 12);
	ok &= KTAP_EXPECT(f.intr && i8259_ack(p) == 0x74);
	/* Single mode, no ICW4: ICW2 is the last word; OCW1 follows. */
	WR(0x20, 0x12);
	WR(0x21, 0x20);
	WR(0x21, 0x01);
	ok &= KTAP_EXPECT(RD(0x21) == 0x01);
	pulse(p, 0);
	ok &= KTAP_EXPECT(!f.intr);			/* masked */
	WR(0x21, 0x00);
	ok &= KTAP_EXPECT(f.intr && i8259_ack(p) == 0x20);
	/* Unknown ports. */
	ok &= KTAP_EXPECT(RD(0x22) == 0xff && RD(0x4d2) == 0xff);
	WR(0x22, 0);
	return ok;
}

static int test_masking(void)
{
	struct i8259 pic, *p = &pic;
	struct fake_cpu f;
	int ok = 1;

	setup(p, &f);
	WR(0x21, 0x08);
	pulse(p, 3);
	ok &= KTAP_EXPECT(!f.intr);
	ok &= KTAP_EXPECT(RD(0x20) == 0x08);		/* requested, masked */
	WR(0x21, 0x00);
	ok &= KTAP_EXPECT(f.intr);
	WR(0x21, 0x08);					/* masking again drops INT */
	ok &= KTAP_EXPECT(!f.intr);
	WR(0x21, 0x00);
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x0b);
	WR(0x20, 0x20);
	/* Masking the slave's IRQ or the cascade input blocks slave IRQs. */
	WR(0xa1, 0x01);
	pulse(p, 8);
	ok &= KTAP_EXPECT(!f.intr);
	WR(0xa1, 0x00);
	ok &= KTAP_EXPECT(f.intr);
	WR(0x21, 0x04);
	ok &= KTAP_EXPECT(!f.intr);
	WR(0x21, 0x00);
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x70);
	/* set_irq(2) is the cascade and ignored; bad IRQs too. */
	WR(0x20, 0x20);
	WR(0xa0, 0x20);
	i8259_set_irq(p, 2, true);
	i8259_set_irq(p, 16, true);
	ok &= KTAP_EXPECT(!f.intr && RD(0x20) == 0);
	return ok;
}

static int test_priorities(void)
{
	struct i8259 pic, *p = &pic;
	struct fake_cpu f;
	int ok = 1;

	setup(p, &f);
	pulse(p, 5);
	pulse(p, 3);
	pulse(p, 10);
	/* IR2 (the slave, IRQ 8-15) ranks between IRQ 1 and IRQ 3. */
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x72);
	/* Fully nested: IRQ 3 and 5 wait for the cascade's EOI. */
	ok &= KTAP_EXPECT(!f.intr);
	pulse(p, 0);
	ok &= KTAP_EXPECT(f.intr);			/* IRQ 0 outranks */
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x08);
	ok &= KTAP_EXPECT(!f.intr);
	WR(0x20, 0x20);					/* EOI IRQ 0 */
	ok &= KTAP_EXPECT(!f.intr);			/* IR2 still in service */
	WR(0x20, 0x0b);
	ok &= KTAP_EXPECT(RD(0x20) == 0x04);
	WR(0xa0, 0x0b);
	ok &= KTAP_EXPECT(RD(0xa0) == 0x04);		/* slave IR2 = IRQ 10 */
	WR(0xa0, 0x20);
	WR(0x20, 0x20);
	ok &= KTAP_EXPECT(f.intr && i8259_ack(p) == 0x0b);
	WR(0x20, 0x20);
	ok &= KTAP_EXPECT(f.intr && i8259_ack(p) == 0x0d);
	WR(0x20, 0x20);
	ok &= KTAP_EXPECT(!f.intr && RD(0x20) == 0 && RD(0xa0) == 0);
	/* Slave priorities: IRQ 9 before IRQ 14. */
	pulse(p, 14);
	pulse(p, 9);
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x71);
	WR(0xa0, 0x20);
	WR(0x20, 0x20);
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x76);
	WR(0xa0, 0x20);
	WR(0x20, 0x20);
	ok &= KTAP_EXPECT(!f.intr);
	return ok;
}

static int test_eoi_kinds(void)
{
	struct i8259 pic, *p = &pic;
	struct fake_cpu f;
	int ok = 1;

	setup(p, &f);
	WR(0x20, 0x0b);				/* read ISR from now on */
	pulse(p, 4);
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x0c);
	pulse(p, 1);
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x09);	/* nests above IRQ 4 */
	ok &= KTAP_EXPECT(RD(0x20) == 0x12);
	WR(0x20, 0x20);				/* non-specific: highest, IRQ 1 */
	ok &= KTAP_EXPECT(RD(0x20) == 0x10);
	pulse(p, 6);
	WR(0x20, 0x64);				/* specific EOI IRQ 4 */
	ok &= KTAP_EXPECT(RD(0x20) == 0x00);
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x0e);
	WR(0x20, 0x61);				/* specific EOI of an idle IR */
	ok &= KTAP_EXPECT(RD(0x20) == 0x40);
	WR(0x20, 0x40);				/* OCW2 no-op */
	ok &= KTAP_EXPECT(RD(0x20) == 0x40);
	WR(0x20, 0x66);

	/* Rotate on non-specific EOI: IRQ 1 becomes the lowest priority. */
	pulse(p, 1);
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x09);
	WR(0x20, 0xa0);
	pulse(p, 0);
	pulse(p, 3);
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x0b);	/* 2 > 3 > ... > 0 > 1 */
	WR(0x20, 0x20);
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x08);
	/* Rotate on specific EOI 0: priority order 1 > 2 > ... > 0. */
	WR(0x20, 0xe0);
	ok &= KTAP_EXPECT(RD(0x20) == 0x00);
	pulse(p, 7);
	pulse(p, 0);
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x0f);
	WR(0x20, 0x20);
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x08);
	WR(0x20, 0x20);
	/* Set priority: IRQ 5 lowest, so IRQ 6 highest. */
	WR(0x20, 0xc5);
	pulse(p, 5);
	pulse(p, 0);
	pulse(p, 6);
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x0e);
	WR(0x20, 0x20);
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x08);
	WR(0x20, 0x20);
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x0d);
	WR(0x20, 0x20);
	ok &= KTAP_EXPECT(!f.intr && RD(0x20) == 0);
	return ok;
}

static int test_auto_eoi(void)
{
	struct i8259 pic, *p = &pic;
	struct fake_cpu f;
	int ok = 1;

	memset(&f, 0, sizeof(f));
	i8259_init(p, &fake_ops, &f);
	pic_program(p, 0x03, 0x08, 0x70);	/* uPM | AEOI */
	WR(0x20, 0x0b);
	pulse(p, 3);
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x0b);
	ok &= KTAP_EXPECT(RD(0x20) == 0x00);	/* no ISR bit */
	pulse(p, 4);
	ok &= KTAP_EXPECT(f.intr);		/* nothing blocks IRQ 4 */
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x0c);
	/* Rotate in AEOI mode: the acked IR becomes lowest. */
	WR(0x20, 0x80);
	pulse(p, 2 + 1);
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x0b);
	pulse(p, 0);
	pulse(p, 4);
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x0c);	/* 4 > ... > 0 now */
	WR(0x20, 0x00);				/* rotate in AEOI off */
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x08);
	return ok;
}

static int test_elcr_level_edge(void)
{
	struct i8259 pic, *p = &pic;
	struct fake_cpu f;
	int ok = 1;

	setup(p, &f);
	/* IRQ 0, 1, 2, 8, 13 cannot be made level. */
	WR(0x4d0, 0xff);
	WR(0x4d1, 0xff);
	ok &= KTAP_EXPECT(RD(0x4d0) == 0xf8 && RD(0x4d1) == 0xde);
	WR(0x4d0, 0x00);
	WR(0x4d1, 0x04);				/* IRQ 10 level */
	ok &= KTAP_EXPECT(RD(0x4d0) == 0x00 && RD(0x4d1) == 0x04);

	/* A level IRQ held high requests again after its EOI. */
	i8259_set_irq(p, 10, true);
	ok &= KTAP_EXPECT(f.intr && i8259_ack(p) == 0x72);
	ok &= KTAP_EXPECT(!f.intr);
	WR(0xa0, 0x20);
	WR(0x20, 0x20);
	ok &= KTAP_EXPECT(f.intr && i8259_ack(p) == 0x72);
	/* The device deasserts before the EOI: nothing more. */
	i8259_set_irq(p, 10, false);
	WR(0xa0, 0x20);
	WR(0x20, 0x20);
	ok &= KTAP_EXPECT(!f.intr);
	/* Dropping a level line before INTA withdraws the request. */
	i8259_set_irq(p, 10, true);
	ok &= KTAP_EXPECT(f.intr);
	i8259_set_irq(p, 10, false);
	ok &= KTAP_EXPECT(!f.intr && RD(0xa0) == 0);

	/* An edge IRQ held high does not re-request after EOI. */
	WR(0x4d1, 0x00);
	i8259_set_irq(p, 10, true);
	ok &= KTAP_EXPECT(f.intr && i8259_ack(p) == 0x72);
	WR(0xa0, 0x20);
	WR(0x20, 0x20);
	ok &= KTAP_EXPECT(!f.intr);
	/* ... and dropping it after the edge keeps the latched request. */
	i8259_set_irq(p, 10, false);
	i8259_set_irq(p, 10, true);
	i8259_set_irq(p, 10, false);
	ok &= KTAP_EXPECT(f.intr && i8259_ack(p) == 0x72);
	WR(0xa0, 0x20);
	WR(0x20, 0x20);
	/* Switching a high line to level makes it request. */
	i8259_set_irq(p, 5, true);
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x0d);
	WR(0x20, 0x20);
	ok &= KTAP_EXPECT(!f.intr);
	WR(0x4d0, 0x20);
	ok &= KTAP_EXPECT(f.intr && i8259_ack(p) == 0x0d);
	WR(0x20, 0x20);
	i8259_set_irq(p, 5, false);
	ok &= KTAP_EXPECT(!f.intr);
	/* ICW1.LTIM makes every input of the chip level-triggered. */
	WR(0x4d0, 0x00);
	WR(0x20, 0x19);
	WR(0x21, 0x08);
	WR(0x21, 0x04);
	WR(0x21, 0x01);
	WR(0x21, 0x00);
	i8259_set_irq(p, 1, true);
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x09);
	WR(0x20, 0x20);
	ok &= KTAP_EXPECT(f.intr && i8259_ack(p) == 0x09);
	return ok;
}

static int test_spurious(void)
{
	struct i8259 pic, *p = &pic;
	struct fake_cpu f;
	int ok = 1;

	setup(p, &f);
	WR(0x4d0, 0x08);				/* IRQ 3 level */
	WR(0x4d1, 0x08);				/* IRQ 11 level */
	/* Master: the request is gone at INTA -> IRQ 7, no ISR bit. */
	i8259_set_irq(p, 3, true);
	ok &= KTAP_EXPECT(f.intr);
	i8259_set_irq(p, 3, false);
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x0f);
	WR(0x20, 0x0b);
	ok &= KTAP_EXPECT(RD(0x20) == 0x00);
	/* INTA with nothing pending at all is spurious too. */
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x0f);
	/* Slave: master IR2 goes in service, the slave returns IRQ 15. */
	i8259_set_irq(p, 11, true);
	ok &= KTAP_EXPECT(f.intr);
	/* Lost between the master's and the slave's INTA cycles: mask it. */
	WR(0xa1, 0x08);
	ok &= KTAP_EXPECT(!f.intr);
	WR(0xa1, 0x00);
	ok &= KTAP_EXPECT(f.intr);
	p->chip[1].irr = 0;	/* the slave's request vanishes mid-INTA */
	p->chip[1].lines = 0;
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x77);
	ok &= KTAP_EXPECT(RD(0x20) == 0x04);		/* master ISR: IR2 */
	WR(0xa0, 0x0b);
	ok &= KTAP_EXPECT(RD(0xa0) == 0x00);
	WR(0x20, 0x20);
	ok &= KTAP_EXPECT(RD(0x20) == 0x00 && !f.intr);
	return ok;
}

static int test_poll_and_read(void)
{
	struct i8259 pic, *p = &pic;
	struct fake_cpu f;
	int ok = 1;

	setup(p, &f);
	WR(0x20, 0x0c);					/* poll, nothing pending */
	ok &= KTAP_EXPECT(RD(0x20) == 0x00);
	pulse(p, 6);
	pulse(p, 4);
	ok &= KTAP_EXPECT(RD(0x20) == 0x50);		/* IRR (poll was one-shot) */
	WR(0x20, 0x0c);
	ok &= KTAP_EXPECT(RD(0x20) == 0x84);		/* IRQ 4 */
	WR(0x20, 0x0b);
	ok &= KTAP_EXPECT(RD(0x20) == 0x10);		/* ... now in service */
	ok &= KTAP_EXPECT(!f.intr);			/* IRQ 6 blocked */
	WR(0x20, 0x0a);
	ok &= KTAP_EXPECT(RD(0x20) == 0x40);
	ok &= KTAP_EXPECT(RD(0x21) == 0x00);		/* odd port: IMR */
	WR(0x20, 0x20);
	WR(0x20, 0x0c);
	ok &= KTAP_EXPECT(RD(0x20) == 0x86);
	WR(0x20, 0x20);
	/* OCW3 without RR keeps the register selection. */
	WR(0x20, 0x0b);
	WR(0x20, 0x08);
	pulse(p, 1);
	ok &= KTAP_EXPECT(RD(0x20) == 0x00);		/* still ISR */
	WR(0x20, 0x0a);
	ok &= KTAP_EXPECT(RD(0x20) == 0x02);
	/* Polling the slave. */
	WR(0x20, 0x0c);
	ok &= KTAP_EXPECT(RD(0x20) == 0x81);
	WR(0x20, 0x20);
	pulse(p, 13);
	WR(0x20, 0x0c);
	ok &= KTAP_EXPECT(RD(0x20) == 0x82);		/* cascade */
	WR(0xa0, 0x0c);
	ok &= KTAP_EXPECT(RD(0xa0) == 0x85);
	WR(0xa0, 0x20);
	WR(0x20, 0x20);
	ok &= KTAP_EXPECT(!f.intr);
	return ok;
}

static int test_special_mask(void)
{
	struct i8259 pic, *p = &pic;
	struct fake_cpu f;
	int ok = 1;

	setup(p, &f);
	pulse(p, 1);
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x09);
	pulse(p, 5);
	ok &= KTAP_EXPECT(!f.intr);		/* IRQ 1 in service blocks 5 */
	WR(0x21, 0x02);				/* mask own level */
	WR(0x20, 0x68);				/* set special mask mode */
	ok &= KTAP_EXPECT(f.intr);
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x0d);
	WR(0x20, 0x65);				/* specific EOI 5 */
	WR(0x20, 0x48);				/* reset special mask mode */
	ok &= KTAP_EXPECT(!f.intr);
	pulse(p, 6);
	ok &= KTAP_EXPECT(!f.intr);		/* IRQ 1 still in service */
	WR(0x20, 0x61);
	ok &= KTAP_EXPECT(f.intr && i8259_ack(p) == 0x0e);
	return ok;
}

static int test_special_fully_nested(void)
{
	struct i8259 pic, *p = &pic;
	struct fake_cpu f;
	int ok = 1;

	memset(&f, 0, sizeof(f));
	i8259_init(p, &fake_ops, &f);
	WR(0x20, 0x11);
	WR(0x21, 0x08);
	WR(0x21, 0x04);
	WR(0x21, 0x11);				/* uPM | SFNM on the master */
	WR(0xa0, 0x11);
	WR(0xa1, 0x70);
	WR(0xa1, 0x02);
	WR(0xa1, 0x01);
	WR(0x21, 0x00);
	WR(0xa1, 0x00);
	pulse(p, 12);
	ok &= KTAP_EXPECT(i8259_ack(p) == 0x74);
	pulse(p, 9);				/* higher-priority slave IRQ */
	ok &= KTAP_EXPECT(f.intr && i8259_ack(p) == 0x71);
	pulse(p, 14);				/* lower: blocked by the slave */
	ok &= KTAP_EXPECT(!f.intr);
	return ok;
}

static int test_reset_and_changes(void)
{
	struct i8259 pic, *p = &pic;
	struct fake_cpu f;
	int ok = 1;

	setup(p, &f);
	pulse(p, 3);
	pulse(p, 4);
	ok &= KTAP_EXPECT(f.intr && f.changes == 1);	/* no repeats */
	i8259_reset(p);
	ok &= KTAP_EXPECT(!f.intr && f.changes == 2);
	ok &= KTAP_EXPECT(RD(0x21) == 0xff && RD(0x4d0) == 0x00);
	/* A NULL ops table is allowed. */
	i8259_init(p, NULL, NULL);
	pic_program(p, 0x01, 0x08, 0x70);
	pulse(p, 0);
	ok &= KTAP_EXPECT(i8259_has_intr(p) && i8259_ack(p) == 0x08);
	return ok;
}

int main(void)
{
	ktap_begin("i8259", 11);
	ktap_result(test_init_sequence(), "init_sequence");
	ktap_result(test_masking(), "masking");
	ktap_result(test_priorities(), "priorities");
	ktap_result(test_eoi_kinds(), "eoi_kinds");
	ktap_result(test_auto_eoi(), "auto_eoi");
	ktap_result(test_elcr_level_edge(), "elcr_level_edge");
	ktap_result(test_spurious(), "spurious");
	ktap_result(test_poll_and_read(), "poll_and_read");
	ktap_result(test_special_mask(), "special_mask");
	ktap_result(test_special_fully_nested(), "special_fully_nested");
	ktap_result(test_reset_and_changes(), "reset_and_changes");
	return ktap_end();
}
