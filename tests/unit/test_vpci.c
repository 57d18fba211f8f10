// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the PCI bus and i440FX/PIIX3 models (module/core/pci.c). */
#include "ktap.h"
#include "vpci.h"

static struct vpci_bus bus;
static struct vpci_i440fx hb;
static struct vpci_piix3 isa;
static struct vpci_dev tdev;	/* 00:03.0: 4 KiB mem BAR0, 32-byte I/O BAR1 */

struct event {
	unsigned int a;		/* region, pirq or bar */
	u64 old, val;
};

static struct event ev[32];
static unsigned int nev;
static unsigned int hook_off, hook_size, hook_calls;
static u32 hook_val;

static void record(unsigned int a, u64 old, u64 val)
{
	if (nev < ARRAY_SIZE(ev))
		ev[nev] = (struct event){ a, old, val };
	nev++;
}

static void pam_changed(void *opaque, unsigned int region, u8 attr)
{
	(void)opaque;
	record(region, 0, attr);
}

static void pirq_changed(void *opaque, unsigned int pirq, u8 route)
{
	(void)opaque;
	record(pirq, 0, route);
}

static void bar_changed(struct vpci_dev *d, unsigned int bar, u64 old, u64 addr)
{
	(void)d;
	record(bar, old, addr);
}

static void tdev_cfg_write(struct vpci_dev *d, u32 off, u32 val, unsigned int size)
{
	(void)d;
	hook_calls++;
	hook_off = off;
	hook_val = val;
	hook_size = size;
}

static void setup(void)
{
	vpci_bus_init(&bus);
	vpci_i440fx_init(&hb, pam_changed, NULL);
	vpci_piix3_init(&isa, pirq_changed, NULL);
	vpci_dev_init(&tdev, 0x1af4, 0x1000, 0x020000, 0, 0);
	vpci_dev_set_bar(&tdev, 0, VPCI_BAR_MEM32, 0x1000);
	vpci_dev_set_bar(&tdev, 1, VPCI_BAR_IO, 32);
	vpci_dev_set_bar(&tdev, 2, VPCI_BAR_MEM64 | VPCI_BAR_PREFETCH, 0x100000);
	vpci_dev_set_irq_pin(&tdev, 1);
	tdev.bar_changed = bar_changed;
	tdev.cfg_write = tdev_cfg_write;
	vpci_register(&bus, VPCI_DEVFN(0, 0), &hb.dev);
	vpci_register(&bus, VPCI_DEVFN(1, 0), &isa.dev);
	vpci_register(&bus, VPCI_DEVFN(3, 0), &tdev);
	nev = 0;
	hook_calls = 0;
}

static u32 cf8(unsigned int b, unsigned int dev, unsigned int fn, unsigned int reg)
{
	return VPCI_CFG_ADDR_ENABLE | b << 16 | dev << 11 | fn << 8 | reg;
}

/* Mechanism #1 read/write of reg (within its dword) on 00:dev.fn. */
static u32 rd(unsigned int dev, unsigned int fn, unsigned int reg, unsigned int size)
{
	vpci_io_write(&bus, VPCI_CONFIG_ADDRESS, 4, cf8(0, dev, fn, reg & 0xfc));
	return vpci_io_read(&bus, VPCI_CONFIG_DATA + (reg & 3), size);
}

static void wr(unsigned int dev, unsigned int fn, unsigned int reg, unsigned int size,
	       u32 val)
{
	vpci_io_write(&bus, VPCI_CONFIG_ADDRESS, 4, cf8(0, dev, fn, reg & 0xfc));
	vpci_io_write(&bus, VPCI_CONFIG_DATA + (reg & 3), size, val);
}

static void test_cf8(void)
{
	bool ok;

	setup();
	vpci_io_write(&bus, VPCI_CONFIG_ADDRESS, 4, 0xffffffff);
	ok = KTAP_EXPECT(vpci_io_read(&bus, VPCI_CONFIG_ADDRESS, 4) == 0x80fffffc);
	vpci_io_write(&bus, VPCI_CONFIG_ADDRESS, 4, 0x80000808);
	ok &= KTAP_EXPECT(vpci_io_read(&bus, VPCI_CONFIG_ADDRESS, 4) == 0x80000808);
	/* Byte and word accesses to 0xcf8-0xcfb are not mechanism #1. */
	vpci_io_write(&bus, VPCI_CONFIG_ADDRESS, 1, 0);
	vpci_io_write(&bus, VPCI_CONFIG_ADDRESS, 2, 0);
	vpci_io_write(&bus, VPCI_CONFIG_ADDRESS + 1, 1, 0);
	ok &= KTAP_EXPECT(vpci_io_read(&bus, VPCI_CONFIG_ADDRESS, 4) == 0x80000808);
	ok &= KTAP_EXPECT(vpci_io_read(&bus, VPCI_CONFIG_ADDRESS, 1) == 0xff);
	ok &= KTAP_EXPECT(vpci_io_read(&bus, VPCI_CONFIG_ADDRESS, 2) == 0xffff);
	ok &= KTAP_EXPECT(vpci_io_read(&bus, VPCI_CONFIG_ADDRESS + 1, 1) == 0xff);
	ktap_result(ok, "0xcf8: dword only, reserved and low bits read 0");
}

static void test_cfc_sizes(void)
{
	bool ok;

	setup();
	vpci_io_write(&bus, VPCI_CONFIG_ADDRESS, 4, cf8(0, 0, 0, 0));
	ok = KTAP_EXPECT(vpci_io_read(&bus, 0xcfc, 4) == 0x12378086);
	ok &= KTAP_EXPECT(vpci_io_read(&bus, 0xcfc, 2) == 0x8086);
	ok &= KTAP_EXPECT(vpci_io_read(&bus, 0xcfe, 2) == 0x1237);
	ok &= KTAP_EXPECT(vpci_io_read(&bus, 0xcfd, 2) == 0x3780);
	ok &= KTAP_EXPECT(vpci_io_read(&bus, 0xcfc, 1) == 0x86);
	ok &= KTAP_EXPECT(vpci_io_read(&bus, 0xcfd, 1) == 0x80);
	ok &= KTAP_EXPECT(vpci_io_read(&bus, 0xcfe, 1) == 0x37);
	ok &= KTAP_EXPECT(vpci_io_read(&bus, 0xcff, 1) == 0x12);
	/* Accesses that leave the dword, or odd sizes, are not decoded. */
	ok &= KTAP_EXPECT(vpci_io_read(&bus, 0xcfe, 4) == 0xffffffff);
	ok &= KTAP_EXPECT(vpci_io_read(&bus, 0xcff, 2) == 0xffff);
	ok &= KTAP_EXPECT(vpci_io_read(&bus, 0xcfc, 3) == 0xffffff);
	ktap_result(ok, "0xcfc-0xcff reads at each size and offset");

	/* Writes at each size and offset: the interrupt line dword of 00:03.0. */
	wr(3, 0, 0x3c, 1, 0x0b);
	ok = KTAP_EXPECT(rd(3, 0, 0x3c, 4) == 0x0000010b);
	vpci_io_write(&bus, 0xcfd, 1, 0x55);	/* pin: read-only */
	ok &= KTAP_EXPECT(rd(3, 0, 0x3c, 4) == 0x0000010b);
	wr(3, 0, 0x0c, 4, 0xffffffff);		/* cache line, latency */
	ok &= KTAP_EXPECT(rd(3, 0, 0x0c, 4) == 0x0000ffff);
	wr(3, 0, 0x0d, 1, 0x40);
	ok &= KTAP_EXPECT(rd(3, 0, 0x0c, 2) == 0x40ff);
	wr(3, 0, 0x0e, 2, 0xffff);		/* header type, BIST: read-only */
	ok &= KTAP_EXPECT(rd(3, 0, 0x0c, 4) == 0x000040ff);
	vpci_io_write(&bus, VPCI_CONFIG_ADDRESS, 4, cf8(0, 3, 0, 0x0c));
	vpci_io_write(&bus, 0xcfd, 2, 0x1234);	/* bytes 0x0d, 0x0e */
	ok &= KTAP_EXPECT(rd(3, 0, 0x0c, 4) == 0x000034ff);
	ktap_result(ok, "0xcfc-0xcff writes at each size and offset honour the write mask");
}

static void test_ids(void)
{
	bool ok;

	setup();
	ok = KTAP_EXPECT(rd(0, 0, 0x00, 4) == 0x12378086);
	ok &= KTAP_EXPECT(rd(0, 0, 0x08, 4) == 0x06000002);
	ok &= KTAP_EXPECT(rd(0, 0, VPCI_HEADER_TYPE, 1) == 0x00);
	ktap_result(ok, "i440FX: 8086:1237 rev 02, class 060000, single function");
	ok = KTAP_EXPECT(rd(1, 0, 0x00, 4) == 0x70008086);
	ok &= KTAP_EXPECT((rd(1, 0, 0x08, 4) >> 8) == 0x060100);
	ok &= KTAP_EXPECT(rd(1, 0, VPCI_HEADER_TYPE, 1) == 0x80);
	ok &= KTAP_EXPECT(vpci_cfg_read(&bus, VPCI_BDF(0, VPCI_DEVFN(1, 0)), 0, 2) == 0x8086);
	ok &= KTAP_EXPECT(vpci_cfg_read(&bus, VPCI_BDF(0, VPCI_DEVFN(1, 0)), 0x0a, 2) == 0x0601);
	ktap_result(ok, "PIIX3: 8086:7000, class 060100, multi-function header");
}

static void test_absent(void)
{
	bool ok;

	setup();
	ok = KTAP_EXPECT(rd(2, 0, 0, 4) == 0xffffffff);
	ok &= KTAP_EXPECT(rd(0, 1, 0, 2) == 0xffff);
	ok &= KTAP_EXPECT(rd(31, 7, 0xfc, 1) == 0xff);
	vpci_io_write(&bus, VPCI_CONFIG_ADDRESS, 4, cf8(1, 0, 0, 0));	/* bus 1 */
	ok &= KTAP_EXPECT(vpci_io_read(&bus, 0xcfc, 4) == 0xffffffff);
	/* Enable bit clear: nothing decodes, writes are dropped. */
	vpci_io_write(&bus, VPCI_CONFIG_ADDRESS, 4, 0x3c);
	ok &= KTAP_EXPECT(vpci_io_read(&bus, 0xcfc, 4) == 0xffffffff);
	vpci_io_write(&bus, VPCI_CONFIG_ADDRESS, 4, 0x3c);
	vpci_io_write(&bus, 0xcfc, 1, 0x0e);
	ok &= KTAP_EXPECT(rd(0, 0, 0x3c, 1) == 0);
	wr(2, 0, 0x3c, 4, 0x12345678);
	ok &= KTAP_EXPECT(vpci_cfg_read(&bus, VPCI_BDF(1, 0), 0, 4) == 0xffffffff);
	ok &= KTAP_EXPECT(vpci_cfg_read(&bus, 0, 0x100, 4) == 0xffffffff);
	ok &= KTAP_EXPECT(vpci_cfg_read(&bus, 0, 2, 4) == 0xffffffff);	/* misaligned */
	ok &= KTAP_EXPECT(vpci_cfg_read(&bus, 0, 2, 2) == 0x1237);
	ktap_result(ok, "absent devices, other buses and disabled cycles read all ones");
}

static void test_register(void)
{
	struct vpci_dev other;
	bool ok;

	setup();
	vpci_dev_init(&other, 1, 2, 0, 0, 0);
	ok = KTAP_EXPECT(vpci_register(&bus, VPCI_DEVFN(3, 0), &other) == -EBUSY);
	ok &= KTAP_EXPECT(vpci_register(&bus, VPCI_DEVFN(4, 0), NULL) == -EINVAL);
	ok &= KTAP_EXPECT(vpci_register(&bus, VPCI_DEVFN(4, 0), &other) == 0);
	ok &= KTAP_EXPECT(other.bus == &bus && other.devfn == VPCI_DEVFN(4, 0));
	ok &= KTAP_EXPECT(rd(4, 0, 0, 4) == 0x00020001);
	ok &= KTAP_EXPECT(vpci_dev_set_bar(&other, 0, VPCI_BAR_MEM32, 0x1800) == -EINVAL);
	ok &= KTAP_EXPECT(vpci_dev_set_bar(&other, 0, VPCI_BAR_IO, 512) == -EINVAL);
	ok &= KTAP_EXPECT(vpci_dev_set_bar(&other, 0, VPCI_BAR_MEM32, 8) == -EINVAL);
	ok &= KTAP_EXPECT(vpci_dev_set_bar(&other, 0, VPCI_BAR_IO | VPCI_BAR_PREFETCH, 16) == -EINVAL);
	ok &= KTAP_EXPECT(vpci_dev_set_bar(&other, 5, VPCI_BAR_MEM64, 0x1000) == -EINVAL);
	ok &= KTAP_EXPECT(vpci_dev_set_bar(&other, 6, VPCI_BAR_MEM32, 0x1000) == -EINVAL);
	ok &= KTAP_EXPECT(vpci_dev_set_bar(&other, 0, VPCI_BAR_MEM32, 1ULL << 32) == -EINVAL);
	ok &= KTAP_EXPECT(vpci_dev_set_bar(&other, 0, VPCI_BAR_MEM64, 1ULL << 32) == 0);
	ok &= KTAP_EXPECT(vpci_dev_set_bar(&other, 1, VPCI_BAR_MEM32, 0x1000) == -EINVAL);
	ktap_result(ok, "vpci_register and vpci_dev_set_bar refuse bad arguments");
}

static void test_bar_sizing(void)
{
	u32 old0, old1;
	bool ok;

	setup();
	old0 = rd(3, 0, 0x10, 4);
	old1 = rd(3, 0, 0x14, 4);
	ok = KTAP_EXPECT(old0 == 0 && old1 == VPCI_BAR_IO);
	wr(3, 0, 0x10, 4, 0xffffffff);
	wr(3, 0, 0x14, 4, 0xffffffff);
	ok &= KTAP_EXPECT(rd(3, 0, 0x10, 4) == 0xfffff000);
	ok &= KTAP_EXPECT(rd(3, 0, 0x14, 4) == 0xffffffe1);
	wr(3, 0, 0x10, 4, old0);
	wr(3, 0, 0x14, 4, old1);
	ok &= KTAP_EXPECT(rd(3, 0, 0x10, 4) == 0 && rd(3, 0, 0x14, 4) == 1);
	/* 64-bit prefetchable BAR2/3, 1 MiB. */
	wr(3, 0, 0x18, 4, 0xffffffff);
	wr(3, 0, 0x1c, 4, 0xffffffff);
	ok &= KTAP_EXPECT(rd(3, 0, 0x18, 4) == 0xfff0000c);
	ok &= KTAP_EXPECT(rd(3, 0, 0x1c, 4) == 0xffffffff);
	/* Unimplemented BARs and the ROM BAR stay 0. */
	wr(3, 0, 0x24, 4, 0xffffffff);
	wr(3, 0, VPCI_ROM_ADDRESS, 4, 0xffffffff);
	ok &= KTAP_EXPECT(rd(3, 0, 0x24, 4) == 0 && rd(3, 0, VPCI_ROM_ADDRESS, 4) == 0);
	/* Decoding is off (command 0): sizing moved nothing. */
	ok &= KTAP_EXPECT(nev == 0);
	ktap_result(ok, "BAR sizing round trip: 4 KiB memory, 32-byte I/O, 1 MiB 64-bit");
}

static void test_bar_mapping(void)
{
	bool ok;

	setup();
	wr(3, 0, 0x10, 4, 0xfebf1000);
	wr(3, 0, 0x14, 4, 0xc041);		/* low bits are not writable */
	wr(3, 0, 0x18, 4, 0x00000000);
	wr(3, 0, 0x1c, 4, 0x00000008);		/* 0x8_0000_0000 */
	ok = KTAP_EXPECT(rd(3, 0, 0x14, 4) == 0xc041 && nev == 0);
	wr(3, 0, VPCI_COMMAND, 2, VPCI_COMMAND_IO | VPCI_COMMAND_MEMORY);
	ok &= KTAP_EXPECT(nev == 3);
	ok &= KTAP_EXPECT(ev[0].a == 0 && ev[0].old == VPCI_BAR_UNMAPPED &&
			  ev[0].val == 0xfebf1000);
	ok &= KTAP_EXPECT(ev[1].a == 1 && ev[1].val == 0xc040);
	ok &= KTAP_EXPECT(ev[2].a == 2 && ev[2].val == 0x800000000ULL);
	ok &= KTAP_EXPECT(tdev.bar[0].mapped == 0xfebf1000);
	ktap_result(ok, "enabling decode maps each BAR through bar_changed");

	/* Moving a BAR byte by byte reports each intermediate address. */
	nev = 0;
	wr(3, 0, 0x11, 1, 0x20);
	ok = KTAP_EXPECT(nev == 1 && ev[0].old == 0xfebf1000 && ev[0].val == 0xfebf2000);
	/* Sizing with decode on unmaps, restoring maps again. */
	nev = 0;
	wr(3, 0, 0x14, 4, 0xffffffff);
	wr(3, 0, 0x14, 4, 0xc040);
	ok &= KTAP_EXPECT(nev == 2 && ev[0].a == 1 && ev[0].val == VPCI_BAR_UNMAPPED &&
			  ev[1].val == 0xc040);
	nev = 0;
	wr(3, 0, 0x10, 4, 0xffffffff);
	ok &= KTAP_EXPECT(nev == 1 && ev[0].val == VPCI_BAR_UNMAPPED);
	wr(3, 0, 0x10, 4, 0);			/* address 0: not decoded */
	ok &= KTAP_EXPECT(nev == 1);
	wr(3, 0, 0x10, 4, 0xfebf1000);
	/* Turning memory decode off unmaps the memory BARs only. */
	nev = 0;
	wr(3, 0, VPCI_COMMAND, 1, VPCI_COMMAND_IO);
	ok &= KTAP_EXPECT(nev == 2 && ev[0].a == 0 && ev[1].a == 2 &&
			  ev[0].val == VPCI_BAR_UNMAPPED && ev[1].val == VPCI_BAR_UNMAPPED);
	/* Rewriting the same command changes nothing. */
	nev = 0;
	wr(3, 0, VPCI_COMMAND, 1, VPCI_COMMAND_IO);
	ok &= KTAP_EXPECT(nev == 0);
	ok &= KTAP_EXPECT(rd(3, 0, VPCI_COMMAND, 2) == VPCI_COMMAND_IO);
	ktap_result(ok, "BAR moves, sizing with decode on, and decode off call bar_changed");
}

static void test_hooks_and_masks(void)
{
	bool ok;

	setup();
	wr(3, 0, 0x3c, 4, 0xaabbcc0e);
	ok = KTAP_EXPECT(hook_calls == 1 && hook_off == 0x3c && hook_size == 4 &&
			 hook_val == 0xaabbcc0e);
	vpci_cfg_write(&bus, VPCI_BDF(0, VPCI_DEVFN(3, 0)), 0x3d, 1, 0x22);
	ok &= KTAP_EXPECT(hook_calls == 2 && hook_off == 0x3d && hook_size == 1);
	ok &= KTAP_EXPECT(rd(3, 0, 0x3c, 4) == 0x0000010e);
	/* Vendor and device ids are read-only. */
	wr(3, 0, 0, 4, 0);
	ok &= KTAP_EXPECT(rd(3, 0, 0, 4) == 0x10001af4);
	/* Status error bits are write-1-to-clear. */
	vpci_set_word(&tdev, VPCI_STATUS, 0xf910);
	wr(3, 0, VPCI_STATUS, 2, 0x2000);
	ok &= KTAP_EXPECT(rd(3, 0, VPCI_STATUS, 2) == 0xd910);
	wr(3, 0, VPCI_COMMAND, 4, 0xffff0000);
	ok &= KTAP_EXPECT(rd(3, 0, VPCI_STATUS, 2) == 0x0010);
	/* Host writes that are misaligned or out of range are dropped. */
	hook_calls = 0;
	vpci_cfg_write(&bus, VPCI_BDF(0, VPCI_DEVFN(3, 0)), 0x3d, 2, 0xffff);
	vpci_cfg_write(&bus, VPCI_BDF(0, VPCI_DEVFN(3, 0)), 0x100, 4, 0xffff);
	vpci_cfg_write(&bus, VPCI_BDF(0, VPCI_DEVFN(3, 0)), 0x3c, 3, 0xffff);
	ok &= KTAP_EXPECT(hook_calls == 0);
	ktap_result(ok, "cfg_write hook after the generic write; read-only and RW1C bits");
}

static void test_pam(void)
{
	unsigned int i;
	bool ok;

	setup();
	ok = KTAP_EXPECT(i440fx_pam_base(0) == 0xf0000 && i440fx_pam_size(0) == 0x10000);
	ok &= KTAP_EXPECT(i440fx_pam_base(1) == 0xc0000 && i440fx_pam_size(1) == 0x4000);
	ok &= KTAP_EXPECT(i440fx_pam_base(2) == 0xc4000);
	ok &= KTAP_EXPECT(i440fx_pam_base(12) == 0xec000);
	ok &= KTAP_EXPECT(i440fx_pam_size(13) == 0);
	ktap_result(ok, "PAM region map: 0 is 0xf0000 (64 KiB), 1-12 are 16 KiB from 0xc0000");

	/* SeaBIOS: BIOS area read/write, then read-only. */
	wr(0, 0, I440FX_PAM0, 1, 0x30);
	ok = KTAP_EXPECT(nev == 1 && ev[0].a == 0 && ev[0].val == (PAM_RE | PAM_WE));
	ok &= KTAP_EXPECT(rd(0, 0, I440FX_PAM0, 1) == 0x30);
	nev = 0;
	wr(0, 0, I440FX_PAM0, 1, 0xff);		/* reserved bits stay 0 */
	ok &= KTAP_EXPECT(nev == 0 && rd(0, 0, I440FX_PAM0, 1) == 0x30);
	wr(0, 0, I440FX_PAM0, 1, 0x10);
	ok &= KTAP_EXPECT(nev == 1 && ev[0].a == 0 && ev[0].val == PAM_RE);
	ktap_result(ok, "PAM0 writes report region 0 (0xf0000) with its attribute");

	nev = 0;
	wr(0, 0, 0x5c, 4, 0x33333333);		/* PAM3-6 */
	ok = KTAP_EXPECT(nev == 8);
	for (i = 0; i < 8 && i < nev; i++)
		ok &= KTAP_EXPECT(ev[i].a == 5 + i && ev[i].val == 3);
	nev = 0;
	wr(0, 0, 0x5a, 1, 0xff);		/* PAM1: 0xc0000 and 0xc4000 */
	ok &= KTAP_EXPECT(nev == 2 && ev[0].a == 1 && ev[1].a == 2 &&
			  rd(0, 0, 0x5a, 1) == 0x33);
	nev = 0;
	wr(0, 0, 0x5b, 1, 0x21);		/* PAM2: 0xc8000 RE, 0xcc000 WE */
	ok &= KTAP_EXPECT(nev == 2 && ev[0].a == 3 && ev[0].val == PAM_RE &&
			  ev[1].a == 4 && ev[1].val == PAM_WE);
	nev = 0;
	wr(0, 0, 0x58, 4, 0x33333300);		/* DRAMT + PAM0-2 as one dword */
	ok &= KTAP_EXPECT(nev == 3 && ev[0].a == 0 && ev[1].a == 3 && ev[2].a == 4);
	ok &= KTAP_EXPECT(rd(0, 0, 0x5c, 4) == 0x33333333);
	ktap_result(ok, "PAM1-6 writes report the changed 16 KiB regions only");
}

static void test_smram(void)
{
	bool ok;

	setup();
	ok = KTAP_EXPECT(rd(0, 0, I440FX_SMRAM, 1) == 0x02);
	wr(0, 0, I440FX_SMRAM, 1, 0x4f);
	ok &= KTAP_EXPECT(rd(0, 0, I440FX_SMRAM, 1) == 0x4a);
	wr(0, 0, I440FX_SMRAM, 1, SMRAM_D_LCK | SMRAM_D_OPEN | SMRAM_G_SMRAME);
	ok &= KTAP_EXPECT(rd(0, 0, I440FX_SMRAM, 1) == 0x1a);
	wr(0, 0, I440FX_SMRAM, 1, SMRAM_D_OPEN | SMRAM_D_CLS);
	ok &= KTAP_EXPECT(rd(0, 0, I440FX_SMRAM, 1) == 0x3a);
	ok &= KTAP_EXPECT(nev == 0);
	ktap_result(ok, "SMRAM is stored; D_LCK closes and freezes it but D_CLS");
}

static void test_pirq(void)
{
	bool ok;

	setup();
	ok = KTAP_EXPECT(rd(1, 0, PIIX3_PIRQRC, 4) == 0x80808080);
	wr(1, 0, PIIX3_PIRQRC, 1, 0x0b);
	ok &= KTAP_EXPECT(nev == 1 && ev[0].a == 0 && ev[0].val == 0x0b);
	nev = 0;
	wr(1, 0, PIIX3_PIRQRC, 4, 0x0a0b0a0b);
	ok &= KTAP_EXPECT(nev == 3 && ev[0].a == 1 && ev[0].val == 0x0a &&
			  ev[1].a == 2 && ev[1].val == 0x0b && ev[2].a == 3 && ev[2].val == 0x0a);
	nev = 0;
	wr(1, 0, PIIX3_PIRQRC + 3, 1, 0xff);	/* bits 6:4 reserved */
	ok &= KTAP_EXPECT(nev == 1 && ev[0].a == 3 && ev[0].val == 0x8f);
	ok &= KTAP_EXPECT(rd(1, 0, PIIX3_PIRQRC, 4) == 0x8f0b0a0b);
	nev = 0;
	wr(1, 0, PIIX3_PIRQRC + 2, 2, 0x8f0b);
	ok &= KTAP_EXPECT(nev == 0);
	ktap_result(ok, "PIRQ route writes call pirq_changed for changed registers");

	ok = KTAP_EXPECT(rd(1, 0, 0x4c, 1) == 0x4d && rd(1, 0, 0x69, 1) == 0x02);
	wr(1, 0, 0x4c, 4, 0x12345678);
	ok &= KTAP_EXPECT(rd(1, 0, 0x4c, 4) == 0x12345678 && nev == 0);
	wr(1, 0, 0xfc, 4, 0xdeadbeef);
	ok &= KTAP_EXPECT(rd(1, 0, 0xfc, 4) == 0xdeadbeef);
	ktap_result(ok, "PIIX3 other registers keep their reset values and store writes");
}

static void test_msi(void)
{
	u64 addr = 0;
	u32 data = 0;
	bool ok;

	setup();
	ok = KTAP_EXPECT(vpci_dev_add_msi(&tdev, 0x50) == 0x50);
	ok &= KTAP_EXPECT(vpci_dev_add_cap(&tdev, 0x09, 0x58, 8) == -EINVAL);
	ok &= KTAP_EXPECT(vpci_dev_add_cap(&tdev, 0x09, 0x3c, 8) == -EINVAL);
	ok &= KTAP_EXPECT(vpci_dev_add_cap(&tdev, 0x09, 0x62, 8) == -EINVAL);
	ok &= KTAP_EXPECT(vpci_dev_add_cap(&tdev, 0x09, 0x60, 8) == 0x60);
	ok &= KTAP_EXPECT(rd(3, 0, VPCI_STATUS, 2) & VPCI_STATUS_CAP_LIST);
	ok &= KTAP_EXPECT(rd(3, 0, VPCI_CAPABILITY_LIST, 1) == 0x50);
	ok &= KTAP_EXPECT(rd(3, 0, 0x50, 2) == 0x6005 && rd(3, 0, 0x60, 2) == 0x0009);
	ok &= KTAP_EXPECT(rd(3, 0, 0x52, 2) == VPCI_MSI_FLAGS_64BIT);
	ktap_result(ok, "capability list: MSI then a vendor capability, overlaps refused");

	ok = KTAP_EXPECT(!vpci_msi_message(&tdev, &addr, &data));
	wr(3, 0, 0x54, 4, 0xfee01003);
	wr(3, 0, 0x58, 4, 0x1);
	wr(3, 0, 0x5c, 2, 0x4041);
	ok &= KTAP_EXPECT(!vpci_msi_message(&tdev, &addr, &data));
	/* MME and the capability's read-only bits stay as they are. */
	wr(3, 0, 0x52, 2, 0xffff);
	ok &= KTAP_EXPECT(rd(3, 0, 0x52, 2) == (VPCI_MSI_FLAGS_64BIT | VPCI_MSI_FLAGS_ENABLE));
	ok &= KTAP_EXPECT(vpci_msi_message(&tdev, &addr, &data));
	ok &= KTAP_EXPECT(addr == 0x1fee01000ULL && data == 0x4041);
	ok &= KTAP_EXPECT(vpci_msi_hit(&tdev, 0x50, 4) && vpci_msi_hit(&tdev, 0x5c, 2) &&
			  !vpci_msi_hit(&tdev, 0x5e, 2) && !vpci_msi_hit(&tdev, 0x4c, 4));
	ktap_result(ok, "MSI: enable bit, dword-aligned 64-bit address, data; MME read-only");
}

int main(void)
{
	ktap_begin("pci", 19);
	test_cf8();
	test_cfc_sizes();
	test_ids();
	test_absent();
	test_register();
	test_bar_sizing();
	test_bar_mapping();
	test_hooks_and_masks();
	test_pam();
	test_smram();
	test_pirq();
	test_msi();
	return ktap_end();
}
