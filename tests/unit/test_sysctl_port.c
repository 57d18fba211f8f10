// SPDX-License-Identifier: GPL-2.0
/* Unit tests of ports 0x92 and 0xcf9 (module/core/sysctl_port.c). */
#include "ktap.h"
#include "sysctl_port.h"

struct fake {
	unsigned int resets;
	bool a20;
	unsigned int a20_changes;
};

static void fake_reset(void *opaque)
{
	((struct fake *)opaque)->resets++;
}

static void fake_a20(void *opaque, bool enabled)
{
	struct fake *f = opaque;

	f->a20 = enabled;
	f->a20_changes++;
}

static const struct sysctl_port_ops fake_ops = {
	.reset_request = fake_reset,
	.a20_changed = fake_a20,
};

static void setup(struct sysctl_port *s, struct fake *f)
{
	memset(f, 0, sizeof(*f));
	sysctl_port_init(s, &fake_ops, f);
}

#define RD(port)	sysctl_port_read(s, (port))
#define WR(port, v)	sysctl_port_write(s, (port), (v))

static int test_port92_a20(void)
{
	struct sysctl_port ss, *s = &ss;
	struct fake f;
	int ok = 1;

	setup(s, &f);
	ok &= KTAP_EXPECT(RD(SYSCTL_PORT_A) == 0);
	/* Linux's fast A20: read, set bit 1, clear bit 0, write. */
	WR(SYSCTL_PORT_A, (RD(SYSCTL_PORT_A) | SYSCTL_A_A20) & ~SYSCTL_A_FAST_RESET);
	ok &= KTAP_EXPECT(f.a20 && f.a20_changes == 1 && f.resets == 0);
	ok &= KTAP_EXPECT(RD(SYSCTL_PORT_A) == SYSCTL_A_A20);
	WR(SYSCTL_PORT_A, SYSCTL_A_A20 | 0xc0);		/* lights: no change */
	ok &= KTAP_EXPECT(f.a20_changes == 1);
	ok &= KTAP_EXPECT(RD(SYSCTL_PORT_A) == (SYSCTL_A_A20 | 0xc0));
	WR(SYSCTL_PORT_A, 0x34);			/* bits 2, 4, 5 not kept */
	ok &= KTAP_EXPECT(!f.a20 && f.a20_changes == 2);
	ok &= KTAP_EXPECT(RD(SYSCTL_PORT_A) == 0);
	WR(SYSCTL_PORT_A, SYSCTL_A_LOCK);
	ok &= KTAP_EXPECT(RD(SYSCTL_PORT_A) == SYSCTL_A_LOCK && f.resets == 0);
	return ok;
}

static int test_port92_reset(void)
{
	struct sysctl_port ss, *s = &ss;
	struct fake f;
	int ok = 1;

	setup(s, &f);
	WR(SYSCTL_PORT_A, SYSCTL_A_FAST_RESET);
	ok &= KTAP_EXPECT(f.resets == 1 && f.a20_changes == 0);
	ok &= KTAP_EXPECT(RD(SYSCTL_PORT_A) == SYSCTL_A_FAST_RESET);
	/* Only the 0 -> 1 transition resets. */
	WR(SYSCTL_PORT_A, SYSCTL_A_FAST_RESET | SYSCTL_A_A20);
	ok &= KTAP_EXPECT(f.resets == 1 && f.a20);
	WR(SYSCTL_PORT_A, SYSCTL_A_A20);
	ok &= KTAP_EXPECT(f.resets == 1);
	WR(SYSCTL_PORT_A, SYSCTL_A_A20 | SYSCTL_A_FAST_RESET);
	ok &= KTAP_EXPECT(f.resets == 2 && f.a20_changes == 1);
	/* After a system reset the bit can fire again. */
	sysctl_port_reset(s);
	ok &= KTAP_EXPECT(RD(SYSCTL_PORT_A) == 0 && f.a20_changes == 1);
	WR(SYSCTL_PORT_A, SYSCTL_A_FAST_RESET);
	ok &= KTAP_EXPECT(f.resets == 3);
	return ok;
}

static int test_cf9(void)
{
	struct sysctl_port ss, *s = &ss;
	struct fake f;
	int ok = 1;

	setup(s, &f);
	ok &= KTAP_EXPECT(RD(SYSCTL_PORT_RCR) == 0);
	/* Linux reboot=pci: 0x02, then 0x06. */
	WR(SYSCTL_PORT_RCR, SYSCTL_RCR_SYS_RST);
	ok &= KTAP_EXPECT(f.resets == 0 && RD(SYSCTL_PORT_RCR) == SYSCTL_RCR_SYS_RST);
	WR(SYSCTL_PORT_RCR, SYSCTL_RCR_SYS_RST | SYSCTL_RCR_RST_CPU);
	ok &= KTAP_EXPECT(f.resets == 1 && RD(SYSCTL_PORT_RCR) == SYSCTL_RCR_SYS_RST);
	/* Full reset 0x0e; soft reset 0x04. */
	WR(SYSCTL_PORT_RCR, 0x0e);
	ok &= KTAP_EXPECT(f.resets == 2 && RD(SYSCTL_PORT_RCR) == 0x0a);
	WR(SYSCTL_PORT_RCR, 0x04);
	ok &= KTAP_EXPECT(f.resets == 3 && RD(SYSCTL_PORT_RCR) == 0);
	WR(SYSCTL_PORT_RCR, 0xf1);
	ok &= KTAP_EXPECT(f.resets == 3 && RD(SYSCTL_PORT_RCR) == 0);
	ok &= KTAP_EXPECT(f.a20_changes == 0);
	/* Other ports; no ops. */
	ok &= KTAP_EXPECT(RD(0x93) == 0xff && RD(0xcf8) == 0xff);
	WR(0xcf8, 0xff);
	ok &= KTAP_EXPECT(f.resets == 3);
	sysctl_port_init(s, NULL, NULL);
	WR(SYSCTL_PORT_A, 0x03);
	WR(SYSCTL_PORT_RCR, 0x06);
	ok &= KTAP_EXPECT(RD(SYSCTL_PORT_A) == 0x03);
	return ok;
}

int main(void)
{
	ktap_begin("sysctl_port", 3);
	ktap_result(test_port92_a20(), "port92_a20_gate");
	ktap_result(test_port92_reset(), "port92_fast_reset_edge");
	ktap_result(test_cf9(), "cf9_reset_control");
	return ktap_end();
}
