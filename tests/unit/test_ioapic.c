// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the I/O APIC model (module/core/ioapic.c). */
#include "ktap.h"
#include "ioapic.h"

struct fake_msg {
	u32 dest;
	bool logical;
	u8 dm, vector;
	bool level;
};

struct fake {
	struct fake_msg msg[32];
	unsigned int n;
};

static void fake_deliver(void *opaque, u32 dest, bool logical, u8 dm,
			 u8 vector, bool level_trig)
{
	struct fake *f = opaque;

	if (f->n < 32)
		f->msg[f->n] = (struct fake_msg){ dest, logical, dm, vector, level_trig };
	f->n++;
}

static const struct ioapic_ops fake_ops = { .deliver = fake_deliver };

static void setup(struct ioapic *io, struct fake *f)
{
	memset(f, 0, sizeof(*f));
	ioapic_init(io, 2, &fake_ops, f);
}

static u32 rd(struct ioapic *io, u8 reg)
{
	u64 v;

	ioapic_mmio_write(io, IOAPIC_IOREGSEL, 4, reg);
	ioapic_mmio_read(io, IOAPIC_IOWIN, 4, &v);
	return v;
}

static void wr(struct ioapic *io, u8 reg, u32 val)
{
	ioapic_mmio_write(io, IOAPIC_IOREGSEL, 4, reg);
	ioapic_mmio_write(io, IOAPIC_IOWIN, 4, val);
}

static void set_rte(struct ioapic *io, unsigned int pin, u64 e)
{
	wr(io, IOAPIC_REG_REDTBL + 2 * pin + 1, e >> 32);
	wr(io, IOAPIC_REG_REDTBL + 2 * pin, (u32)e);
}

static u64 get_rte(struct ioapic *io, unsigned int pin)
{
	return (u64)rd(io, IOAPIC_REG_REDTBL + 2 * pin + 1) << 32 |
	       rd(io, IOAPIC_REG_REDTBL + 2 * pin);
}

static bool msg_is(const struct fake_msg *m, u32 dest, bool logical, u8 dm,
		   u8 vector, bool level)
{
	return m->dest == dest && m->logical == logical && m->dm == dm &&
	       m->vector == vector && m->level == level;
}

static int test_registers(void)
{
	struct ioapic io;
	struct fake f;
	int ok = 1;
	unsigned int pin;
	u64 v;

	setup(&io, &f);
	ok &= KTAP_EXPECT(rd(&io, IOAPIC_REG_VERSION) == 0x00170020);
	ok &= KTAP_EXPECT(rd(&io, IOAPIC_REG_ID) == 0x02000000);
	ok &= KTAP_EXPECT(rd(&io, IOAPIC_REG_ARB) == 0x02000000);
	wr(&io, IOAPIC_REG_ID, 0xffffffff);
	ok &= KTAP_EXPECT(rd(&io, IOAPIC_REG_ID) == 0x0f000000);
	wr(&io, IOAPIC_REG_VERSION, 0);			/* read-only */
	ok &= KTAP_EXPECT(rd(&io, IOAPIC_REG_VERSION) == 0x00170020);
	for (pin = 0; pin < IOAPIC_NR_PINS; pin++)
		ok &= KTAP_EXPECT(get_rte(&io, pin) == IOAPIC_RTE_MASKED);
	/* Writable bits; delivery status and Remote IRR are read-only. */
	wr(&io, IOAPIC_REG_REDTBL + 2 * 23, 0xffffffff);
	wr(&io, IOAPIC_REG_REDTBL + 2 * 23 + 1, 0xffffffff);
	ok &= KTAP_EXPECT(get_rte(&io, 23) == 0xff0000000001afffULL);
	ok &= KTAP_EXPECT(f.n == 0);
	/* Past the last entry: reads 0, writes go nowhere. */
	wr(&io, IOAPIC_REG_REDTBL + 2 * 24, 0x1234);
	ok &= KTAP_EXPECT(rd(&io, IOAPIC_REG_REDTBL + 2 * 24) == 0);
	ok &= KTAP_EXPECT(rd(&io, 0x03) == 0 && rd(&io, 0xff) == 0);
	/* IOREGSEL reads back; byte access works there, not on IOWIN. */
	ioapic_mmio_write(&io, IOAPIC_IOREGSEL, 1, IOAPIC_REG_VERSION);
	ioapic_mmio_read(&io, IOAPIC_IOREGSEL, 4, &v);
	ok &= KTAP_EXPECT(v == IOAPIC_REG_VERSION);
	ioapic_mmio_read(&io, IOAPIC_IOWIN, 1, &v);
	ok &= KTAP_EXPECT(v == 0);
	ioapic_mmio_read(&io, IOAPIC_IOWIN, 4, &v);
	ok &= KTAP_EXPECT(v == 0x00170020);
	ioapic_mmio_read(&io, 0x20, 4, &v);
	ok &= KTAP_EXPECT(v == 0);
	ioapic_mmio_read(&io, IOAPIC_EOI, 4, &v);	/* write-only */
	ok &= KTAP_EXPECT(v == 0);
	/* Reset masks everything again. */
	set_rte(&io, 5, 0x35);
	ioapic_reset(&io);
	ok &= KTAP_EXPECT(get_rte(&io, 5) == IOAPIC_RTE_MASKED);
	return ok;
}

static int test_edge(void)
{
	struct ioapic io;
	struct fake f;
	int ok = 1;

	setup(&io, &f);
	set_rte(&io, 4, 0x0100000000000034ULL);
	ioapic_set_irq(&io, 4, true);
	ok &= KTAP_EXPECT(f.n == 1 && msg_is(&f.msg[0], 1, false, 0, 0x34, false));
	ioapic_set_irq(&io, 4, true);			/* no edge */
	ok &= KTAP_EXPECT(f.n == 1);
	ok &= KTAP_EXPECT(!(get_rte(&io, 4) & IOAPIC_RTE_REMOTE_IRR));
	ioapic_set_irq(&io, 4, false);
	ok &= KTAP_EXPECT(f.n == 1);
	ioapic_set_irq(&io, 4, true);
	ok &= KTAP_EXPECT(f.n == 2);
	ioapic_eoi(&io, 0x34);				/* edge: nothing to do */
	ok &= KTAP_EXPECT(f.n == 2);
	/* Masked edges are lost, also when unmasked while high. */
	ioapic_set_irq(&io, 4, false);
	set_rte(&io, 4, 0x0100000000000034ULL | IOAPIC_RTE_MASKED);
	ioapic_set_irq(&io, 4, true);
	ok &= KTAP_EXPECT(f.n == 2);
	set_rte(&io, 4, 0x0100000000000034ULL);
	ok &= KTAP_EXPECT(f.n == 2);
	ioapic_set_irq(&io, 4, false);
	ioapic_set_irq(&io, 4, true);
	ok &= KTAP_EXPECT(f.n == 3);
	/* Pins past 23 are ignored. */
	ioapic_set_irq(&io, 24, true);
	ioapic_set_irq(&io, 1000, true);
	ok &= KTAP_EXPECT(f.n == 3);
	return ok;
}

static int test_level_remote_irr(void)
{
	struct ioapic io;
	struct fake f;
	int ok = 1;

	setup(&io, &f);
	set_rte(&io, 10, IOAPIC_RTE_LEVEL | 0x5a);
	ioapic_set_irq(&io, 10, true);
	ok &= KTAP_EXPECT(f.n == 1 && msg_is(&f.msg[0], 0, false, 0, 0x5a, true));
	ok &= KTAP_EXPECT(get_rte(&io, 10) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_set_irq(&io, 10, true);			/* Remote IRR holds it */
	ok &= KTAP_EXPECT(f.n == 1);
	ioapic_eoi(&io, 0x5b);				/* another vector */
	ok &= KTAP_EXPECT(f.n == 1 && (get_rte(&io, 10) & IOAPIC_RTE_REMOTE_IRR));
	/* EOI while still asserted: delivered again. */
	ioapic_eoi(&io, 0x5a);
	ok &= KTAP_EXPECT(f.n == 2 && (get_rte(&io, 10) & IOAPIC_RTE_REMOTE_IRR));
	/* Deasserted, then EOI: Remote IRR clears, nothing delivered. */
	ioapic_set_irq(&io, 10, false);
	ioapic_eoi(&io, 0x5a);
	ok &= KTAP_EXPECT(f.n == 2 && !(get_rte(&io, 10) & IOAPIC_RTE_REMOTE_IRR));
	ioapic_set_irq(&io, 10, true);
	ok &= KTAP_EXPECT(f.n == 3);
	/* The EOI register (version 0x20) does the same. */
	ioapic_mmio_write(&io, IOAPIC_EOI, 4, 0x5a);
	ok &= KTAP_EXPECT(f.n == 4);
	ioapic_set_irq(&io, 10, false);
	ioapic_mmio_write(&io, IOAPIC_EOI, 4, 0x5a);
	ok &= KTAP_EXPECT(f.n == 4 && !(get_rte(&io, 10) & IOAPIC_RTE_REMOTE_IRR));
	/* Writing the entry cannot clear Remote IRR... */
	ioapic_set_irq(&io, 10, true);
	set_rte(&io, 10, IOAPIC_RTE_LEVEL | 0x5a);
	ok &= KTAP_EXPECT(f.n == 5 && (get_rte(&io, 10) & IOAPIC_RTE_REMOTE_IRR));
	/* ...but switching it to edge does (the pre-EOI-register dance). */
	set_rte(&io, 10, 0x5a);
	ok &= KTAP_EXPECT(!(get_rte(&io, 10) & IOAPIC_RTE_REMOTE_IRR) && f.n == 5);
	set_rte(&io, 10, IOAPIC_RTE_LEVEL | 0x5a);	/* still asserted */
	ok &= KTAP_EXPECT(f.n == 6 && (get_rte(&io, 10) & IOAPIC_RTE_REMOTE_IRR));
	/* Two level pins sharing a vector: one EOI serves both. */
	set_rte(&io, 11, IOAPIC_RTE_LEVEL | 0x5a);
	ioapic_set_irq(&io, 11, true);
	ok &= KTAP_EXPECT(f.n == 7);
	ioapic_set_irq(&io, 10, false);
	ioapic_eoi(&io, 0x5a);
	ok &= KTAP_EXPECT(f.n == 8 && f.msg[7].vector == 0x5a);
	ok &= KTAP_EXPECT(!(get_rte(&io, 10) & IOAPIC_RTE_REMOTE_IRR));
	ok &= KTAP_EXPECT(get_rte(&io, 11) & IOAPIC_RTE_REMOTE_IRR);
	return ok;
}

static int test_level_masking(void)
{
	struct ioapic io;
	struct fake f;
	int ok = 1;

	setup(&io, &f);
	set_rte(&io, 3, IOAPIC_RTE_MASKED | IOAPIC_RTE_LEVEL | 0x43);
	ioapic_set_irq(&io, 3, true);
	ok &= KTAP_EXPECT(f.n == 0 && !(get_rte(&io, 3) & IOAPIC_RTE_REMOTE_IRR));
	/* Unmasked while asserted: delivered now. */
	set_rte(&io, 3, IOAPIC_RTE_LEVEL | 0x43);
	ok &= KTAP_EXPECT(f.n == 1 && (get_rte(&io, 3) & IOAPIC_RTE_REMOTE_IRR));
	/* Mask/unmask with Remote IRR set: nothing until the EOI. */
	set_rte(&io, 3, IOAPIC_RTE_MASKED | IOAPIC_RTE_LEVEL | 0x43);
	set_rte(&io, 3, IOAPIC_RTE_LEVEL | 0x43);
	ok &= KTAP_EXPECT(f.n == 1);
	/* EOI while masked: Remote IRR clears, delivery waits for unmask. */
	set_rte(&io, 3, IOAPIC_RTE_MASKED | IOAPIC_RTE_LEVEL | 0x43);
	ioapic_eoi(&io, 0x43);
	ok &= KTAP_EXPECT(f.n == 1 && !(get_rte(&io, 3) & IOAPIC_RTE_REMOTE_IRR));
	set_rte(&io, 3, IOAPIC_RTE_LEVEL | 0x43);
	ok &= KTAP_EXPECT(f.n == 2);
	/* Deasserted while masked: unmasking delivers nothing. */
	set_rte(&io, 3, IOAPIC_RTE_MASKED | IOAPIC_RTE_LEVEL | 0x43);
	ioapic_set_irq(&io, 3, false);
	ioapic_eoi(&io, 0x43);
	set_rte(&io, 3, IOAPIC_RTE_LEVEL | 0x43);
	ok &= KTAP_EXPECT(f.n == 2);
	return ok;
}

static int test_destinations(void)
{
	struct ioapic io;
	struct fake f;
	int ok = 1;

	setup(&io, &f);
	/* Logical, lowest priority, destination 0xa5. */
	set_rte(&io, 0, 0xa500000000000000ULL | IOAPIC_RTE_LOGICAL |
		(1 << IOAPIC_RTE_DM_SHIFT) | 0x61);
	ioapic_set_irq(&io, 0, true);
	ok &= KTAP_EXPECT(f.n == 1 && msg_is(&f.msg[0], 0xa5, true, 1, 0x61, false));
	/* Physical NMI to 7. */
	set_rte(&io, 1, 0x0700000000000000ULL | (4 << IOAPIC_RTE_DM_SHIFT));
	ioapic_set_irq(&io, 1, true);
	ok &= KTAP_EXPECT(f.n == 2 && msg_is(&f.msg[1], 7, false, 4, 0, false));
	/* ExtINT, level, broadcast. */
	set_rte(&io, 2, 0xff00000000000000ULL | IOAPIC_RTE_LEVEL |
		(7 << IOAPIC_RTE_DM_SHIFT));
	ioapic_set_irq(&io, 2, true);
	ok &= KTAP_EXPECT(f.n == 3 && msg_is(&f.msg[2], 0xff, false, 7, 0, true));
	/* The polarity bit is kept but not applied: true means asserted. */
	set_rte(&io, 5, IOAPIC_RTE_POLARITY_LOW | 0x70);
	ok &= KTAP_EXPECT(get_rte(&io, 5) == (IOAPIC_RTE_POLARITY_LOW | 0x70));
	ioapic_set_irq(&io, 5, true);
	ok &= KTAP_EXPECT(f.n == 4 && f.msg[3].vector == 0x70);
	/* A null ops table is fine. */
	ioapic_init(&io, 0, NULL, NULL);
	set_rte(&io, 6, 0x71);
	ioapic_set_irq(&io, 6, true);
	return ok;
}

int main(void)
{
	ktap_begin("ioapic", 5);
	ktap_result(test_registers(), "register_access");
	ktap_result(test_edge(), "edge_pins");
	ktap_result(test_level_remote_irr(), "level_remote_irr_and_eoi");
	ktap_result(test_level_masking(), "level_masking");
	ktap_result(test_destinations(), "destination_fields");
	return ktap_end();
}
