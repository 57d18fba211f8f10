// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the virtio memory balloon (module/core/virtio_balloon.c
 * on virtio_pci.c and virtq.c): Linux's driver sequence, the target and
 * `actual` in the configuration (with its interrupt and generation),
 * inflate and deflate PFN arrays in batches, the statistics buffer the
 * device holds and returns, free page reports, queue numbering by the
 * negotiated features, and the hostile cases (odd lengths, PFNs past RAM,
 * a reset while a chain is being worked on, writes to num_pages).
 */
#include <stdio.h>
#include <stdlib.h>
#include "ktap.h"
#include "fake_blk.h"
#include "virtio_balloon.h"

#define RAM_SIZE	(16u << 20)
#define QSZ		64
#define DESC(q)		(0x10000u + (q) * 0x4000u)
#define AVAIL(q)	(DESC(q) + 0x1000u)
#define USED(q)		(DESC(q) + 0x2000u)
#define PFNS		0x100000u
#define STATS		0x180000u
#define DEVFN		VPCI_DEVFN(15, 0)
#define ALL_FEATURES	VBALLOON_FEATURES
#define F(b)		(1ULL << (b))

static struct virtio_balloon vb;
static struct vpci_bus bus;
static struct fake_gmem gm;
static unsigned int msis, msi_vec[8], kicks, discard_calls;
static u64 discarded[4096];
static unsigned int nr_discarded;
static u16 avail_idx[4], next_desc[4];
static bool reset_in_discard;

static void host_msi(void *opaque, u64 addr, u32 data)
{
	(void)opaque;
	(void)addr;
	msis++;
	if (data < 8)
		msi_vec[data]++;
}

static void host_intx(void *opaque, bool level)
{
	(void)opaque;
	(void)level;
}

static const struct virtio_pci_host_ops host = {
	.msi = host_msi,
	.set_intx = host_intx,
};

static void wr(u32 off, unsigned int size, u64 v);

/* Frees every page it is given that lies in RAM (as gmem.c would). */
static u32 bhost_discard(void *opaque, const u64 *gpa, u32 n)
{
	u32 i, freed = 0;

	(void)opaque;
	discard_calls++;
	if (reset_in_discard) {
		reset_in_discard = false;
		wr(VIRTIO_PCI_STATUS, 1, 0);	/* the guest resets meanwhile */
	}
	for (i = 0; i < n; i++) {
		if (nr_discarded < 4096)
			discarded[nr_discarded++] = gpa[i];
		if (gpa[i] < RAM_SIZE)
			freed++;
	}
	return freed;
}

static void bhost_kick(void *opaque)
{
	(void)opaque;
	kicks++;
}

static const struct virtio_balloon_host_ops bhost = {
	.discard = bhost_discard,
	.kick = bhost_kick,
};

static u64 rd(u32 off, unsigned int size)
{
	u64 v = 0;

	virtio_pci_mmio(&vb.vp, off, false, size, &v);
	return v;
}

static void wr(u32 off, unsigned int size, u64 v)
{
	virtio_pci_mmio(&vb.vp, off, true, size, &v);
}

static u32 cfgr(u32 off, unsigned int size)
{
	return vpci_cfg_read(&bus, VPCI_BDF(0, DEVFN), off, size);
}

static void cfgw(u32 off, unsigned int size, u32 v)
{
	vpci_cfg_write(&bus, VPCI_BDF(0, DEVFN), off, size, v);
}

static void w16(u64 gpa, u16 v)
{
	gm.ram[gpa] = v;
	gm.ram[gpa + 1] = v >> 8;
}

static void w32(u64 gpa, u32 v)
{
	w16(gpa, v);
	w16(gpa + 2, v >> 16);
}

static void w64(u64 gpa, u64 v)
{
	w32(gpa, v);
	w32(gpa + 4, v >> 32);
}

static u16 r16(u64 gpa)
{
	return gm.ram[gpa] | gm.ram[gpa + 1] << 8;
}

static void setup(u64 offer)
{
	memset(gm.ram, 0, RAM_SIZE);
	gm.size = RAM_SIZE;
	gm.faults = 0;
	vpci_bus_init(&bus);
	virtio_balloon_init(&vb, offer, &fake_gmem_ops, &gm, &host, NULL,
			    &bhost, NULL);
	vpci_register(&bus, DEVFN, &vb.vp.pci);
	msis = kicks = discard_calls = nr_discarded = 0;
	memset(msi_vec, 0, sizeof(msi_vec));
	memset(avail_idx, 0, sizeof(avail_idx));
	memset(next_desc, 0, sizeof(next_desc));
	reset_in_discard = false;
}

/* Linux's sequence with MSI-X (vector 0 config, q + 1 per queue). */
static bool drv_init(u64 want)
{
	u64 dev;
	u16 q, nq, v;

	wr(VIRTIO_PCI_STATUS, 1, 0);
	wr(VIRTIO_PCI_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(VIRTIO_PCI_DFSELECT, 4, 0);
	dev = rd(VIRTIO_PCI_DF, 4);
	wr(VIRTIO_PCI_DFSELECT, 4, 1);
	dev |= rd(VIRTIO_PCI_DF, 4) << 32;
	want = (dev & want) | F(VIRTIO_F_VERSION_1);
	wr(VIRTIO_PCI_GFSELECT, 4, 0);
	wr(VIRTIO_PCI_GF, 4, (u32)want);
	wr(VIRTIO_PCI_GFSELECT, 4, 1);
	wr(VIRTIO_PCI_GF, 4, want >> 32);
	wr(VIRTIO_PCI_STATUS, 1, 0xb);
	if (!(rd(VIRTIO_PCI_STATUS, 1) & VIRTIO_STATUS_FEATURES_OK))
		return false;
	cfgw(0x14, 4, 0xfe000000);
	cfgw(VPCI_COMMAND, 2, VPCI_COMMAND_MEMORY | VPCI_COMMAND_MASTER);
	cfgw(VIRTIO_PCI_CAP_MSIX + 2, 2, VPCI_MSIX_FLAGS_ENABLE);
	for (v = 0; v < vb.vp.msix.nr; v++) {
		u32 e = VIRTIO_PCI_MSIX_TABLE + v * 16;

		wr(e, 4, 0xfee00000);
		wr(e + 4, 4, 0);
		wr(e + 8, 4, v);
		wr(e + 12, 4, 0);
	}
	wr(VIRTIO_PCI_MSIX_CONFIG, 2, 0);
	nq = rd(VIRTIO_PCI_NUM_QUEUES, 2);
	for (q = 0; q < nq && q < 4; q++) {
		wr(VIRTIO_PCI_Q_SELECT, 2, q);
		wr(VIRTIO_PCI_Q_SIZE, 2, QSZ);
		wr(VIRTIO_PCI_Q_MSIX, 2, q + 1);
		wr(VIRTIO_PCI_Q_DESC, 8, DESC(q));
		wr(VIRTIO_PCI_Q_AVAIL, 8, AVAIL(q));
		wr(VIRTIO_PCI_Q_USED, 8, USED(q));
		wr(VIRTIO_PCI_Q_ENABLE, 2, 1);
		if (rd(VIRTIO_PCI_Q_ENABLE, 2) != 1)
			return false;
	}
	wr(VIRTIO_PCI_STATUS, 1, 0xf);
	return rd(VIRTIO_PCI_STATUS, 1) == 0xf;
}

/* Post a chain of one buffer on queue q and notify. */
static void post(u16 q, u64 addr, u32 len, bool writable)
{
	u16 d = next_desc[q]++ % QSZ;
	u64 e = DESC(q) + 16ULL * d;

	w64(e, addr);
	w32(e + 8, len);
	w16(e + 12, writable ? VIRTQ_DESC_F_WRITE : 0);
	w16(e + 14, 0);
	w16(AVAIL(q) + 4 + 2 * (avail_idx[q] % QSZ), d);
	avail_idx[q]++;
	w16(AVAIL(q) + 2, avail_idx[q]);
	wr(VIRTIO_PCI_NOTIFY + VIRTIO_PCI_NOTIFY_MULT * q, 2, q);
}

static u16 used_idx(u16 q)
{
	return r16(USED(q) + 2);
}

static void put_pfns(u64 gpa, const u32 *pfn, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		w32(gpa + 4 * i, pfn[i]);
}

static void test_identity(void)
{
	bool ok;

	setup(ALL_FEATURES | F(VIRTIO_BALLOON_F_MUST_TELL_HOST));
	ok = KTAP_EXPECT(cfgr(VPCI_VENDOR_ID, 2) == 0x1af4) &&
	     KTAP_EXPECT(cfgr(VPCI_DEVICE_ID, 2) == 0x1045) &&
	     KTAP_EXPECT(rd(VIRTIO_PCI_NUM_QUEUES, 2) == 4);
	wr(VIRTIO_PCI_DFSELECT, 4, 0);
	ok = ok && KTAP_EXPECT(rd(VIRTIO_PCI_DF, 4) == (u32)ALL_FEATURES);
	wr(VIRTIO_PCI_DFSELECT, 4, 1);
	ok = ok && KTAP_EXPECT(rd(VIRTIO_PCI_DF, 4) == 1);
	setup(0);
	ok = ok && KTAP_EXPECT(rd(VIRTIO_PCI_NUM_QUEUES, 2) == 2);
	ktap_result(ok, "1af4:1045, features offered are ours only, queues follow them");
}

static void test_target(void)
{
	u8 gen;
	bool ok;

	setup(ALL_FEATURES);
	ok = KTAP_EXPECT(drv_init(ALL_FEATURES));
	gen = rd(VIRTIO_PCI_CFG_GENERATION, 1);
	msis = 0;
	virtio_balloon_set_target(&vb, 1234);
	ok = ok && KTAP_EXPECT(rd(VIRTIO_PCI_DEVCFG + VBALLOON_CFG_NUM_PAGES, 4) == 1234) &&
	     KTAP_EXPECT(msi_vec[0] == 1) &&
	     KTAP_EXPECT((u8)rd(VIRTIO_PCI_CFG_GENERATION, 1) != gen);
	/* the driver's word */
	wr(VIRTIO_PCI_DEVCFG + VBALLOON_CFG_ACTUAL, 4, 1000);
	/* num_pages is the device's: a write is dropped */
	wr(VIRTIO_PCI_DEVCFG + VBALLOON_CFG_NUM_PAGES, 4, 7);
	{
		struct virtio_balloon_info i;

		virtio_balloon_get(&vb, &i, false);
		ok = ok && KTAP_EXPECT(i.actual == 1000) && KTAP_EXPECT(i.target == 1234) &&
		     KTAP_EXPECT(rd(VIRTIO_PCI_DEVCFG + VBALLOON_CFG_NUM_PAGES, 4) == 1234);
	}
	/* byte writes into actual, one past the end is ignored */
	wr(VIRTIO_PCI_DEVCFG + VBALLOON_CFG_ACTUAL + 1, 1, 0x02);
	wr(VIRTIO_PCI_DEVCFG + VBALLOON_CFG_ACTUAL + 3, 2, 0xffff);
	ok = ok && KTAP_EXPECT(rd(VIRTIO_PCI_DEVCFG + VBALLOON_CFG_ACTUAL, 4) == 0xff0002e8);
	/* a reset forgets actual, keeps the target */
	wr(VIRTIO_PCI_STATUS, 1, 0);
	ok = ok && KTAP_EXPECT(rd(VIRTIO_PCI_DEVCFG + VBALLOON_CFG_ACTUAL, 4) == 0) &&
	     KTAP_EXPECT(rd(VIRTIO_PCI_DEVCFG + VBALLOON_CFG_NUM_PAGES, 4) == 1234);
	ktap_result(ok, "target in num_pages with a config interrupt, actual written by the driver only");
}

static void test_inflate_deflate(void)
{
	static const u32 pfn[] = { 0x200, 0x201, 0x200, 0xfff00, 0x1 };
	struct virtio_balloon_info i;
	bool ok;

	setup(ALL_FEATURES);
	ok = KTAP_EXPECT(drv_init(ALL_FEATURES));
	put_pfns(PFNS, pfn, 5);
	msis = kicks = 0;	/* DRIVER_OK looked at every queue */
	post(0, PFNS, sizeof(pfn), false);
	ok = ok && KTAP_EXPECT(kicks == 1) && KTAP_EXPECT(used_idx(0) == 0);
	virtio_balloon_work(&vb);
	ok = ok && KTAP_EXPECT(used_idx(0) == 1) && KTAP_EXPECT(msi_vec[1] == 1) &&
	     KTAP_EXPECT(nr_discarded == 5) &&
	     KTAP_EXPECT(discarded[0] == 0x200000) &&
	     KTAP_EXPECT(discarded[3] == 0xfff00000ULL) &&
	     KTAP_EXPECT(discarded[4] == 0x1000);
	virtio_balloon_get(&vb, &i, false);
	ok = ok && KTAP_EXPECT(i.inflated == 5) && KTAP_EXPECT(i.discarded == 4);
	/* deflate: counted, nothing discarded */
	post(1, PFNS, 8, false);
	virtio_balloon_work(&vb);
	virtio_balloon_get(&vb, &i, false);
	ok = ok && KTAP_EXPECT(used_idx(1) == 1) && KTAP_EXPECT(i.deflated == 2) &&
	     KTAP_EXPECT(nr_discarded == 5) && KTAP_EXPECT(msi_vec[2] == 1);
	ktap_result(ok, "inflate hands every PFN to the host, deflate only counts");
}

static void test_batches(void)
{
	static u32 pfn[600];
	struct virtio_balloon_info i;
	unsigned int k;
	bool ok;

	setup(ALL_FEATURES);
	ok = KTAP_EXPECT(drv_init(ALL_FEATURES));
	for (k = 0; k < 600; k++)
		pfn[k] = 0x300 + k;
	put_pfns(PFNS, pfn, 600);
	post(0, PFNS, 600 * 4 + 3, false);	/* 3 stray bytes */
	virtio_balloon_work(&vb);
	virtio_balloon_get(&vb, &i, false);
	ok = ok && KTAP_EXPECT(discard_calls == 3) && KTAP_EXPECT(nr_discarded == 600) &&
	     KTAP_EXPECT(discarded[599] == (u64)(0x300 + 599) << 12) &&
	     KTAP_EXPECT(i.ignored == 1) && KTAP_EXPECT(used_idx(0) == 1);
	/* several chains in one work call */
	post(0, PFNS, 4, false);
	post(0, PFNS + 4, 4, false);
	virtio_balloon_work(&vb);
	ok = ok && KTAP_EXPECT(used_idx(0) == 3) && KTAP_EXPECT(nr_discarded == 602);
	ktap_result(ok, "long PFN arrays go %u at a time; odd bytes ignored", VBALLOON_BATCH);
}

static void test_stats(void)
{
	struct virtio_balloon_info i;
	bool ok;

	setup(ALL_FEATURES);
	ok = KTAP_EXPECT(drv_init(ALL_FEATURES));
	kicks = 0;
	w16(STATS, VIRTIO_BALLOON_S_MEMFREE);
	w64(STATS + 2, 123456789);
	w16(STATS + 10, VIRTIO_BALLOON_S_MEMTOT);
	w64(STATS + 12, 268435456);
	w16(STATS + 20, 200);			/* unknown tag: skipped */
	w64(STATS + 22, 5);
	post(2, STATS, 30, false);
	virtio_balloon_get(&vb, &i, false);
	ok = ok && KTAP_EXPECT(kicks == 0) && KTAP_EXPECT(i.stats_updates == 1) &&
	     KTAP_EXPECT(i.stats[VIRTIO_BALLOON_S_MEMFREE] == 123456789) &&
	     KTAP_EXPECT(i.stats[VIRTIO_BALLOON_S_MEMTOT] == 268435456) &&
	     KTAP_EXPECT(i.stats_valid == ((1u << VIRTIO_BALLOON_S_MEMFREE) |
					   (1u << VIRTIO_BALLOON_S_MEMTOT))) &&
	     KTAP_EXPECT(used_idx(2) == 0);
	/* the host wants fresh ones: the buffer goes back, once */
	virtio_balloon_get(&vb, &i, true);
	ok = ok && KTAP_EXPECT(used_idx(2) == 1) && KTAP_EXPECT(msi_vec[3] == 1);
	virtio_balloon_get(&vb, &i, true);
	ok = ok && KTAP_EXPECT(used_idx(2) == 1);
	/* a second buffer while one is held: the older goes back */
	post(2, STATS, 10, false);
	post(2, STATS, 10, false);
	ok = ok && KTAP_EXPECT(used_idx(2) == 2);
	virtio_balloon_get(&vb, &i, false);
	ok = ok && KTAP_EXPECT(i.stats_updates == 3);
	ktap_result(ok, "statistics: parsed when posted, buffer held until the host asks again");
}

static void test_reporting(void)
{
	struct virtio_balloon_info i;
	bool ok;

	setup(ALL_FEATURES);
	ok = KTAP_EXPECT(drv_init(ALL_FEATURES));
	/* 0x400800..0x403800: whole pages 0x401000 and 0x402000 */
	post(3, 0x400800, 0x3000, true);
	virtio_balloon_work(&vb);
	virtio_balloon_get(&vb, &i, false);
	ok = ok && KTAP_EXPECT(used_idx(3) == 1) && KTAP_EXPECT(nr_discarded == 2) &&
	     KTAP_EXPECT(discarded[0] == 0x401000) && KTAP_EXPECT(discarded[1] == 0x402000) &&
	     KTAP_EXPECT(i.reported == 2) && KTAP_EXPECT(i.inflated == 0);
	/* 2 MiB: 512 pages in two batches */
	post(3, 0x600000, 0x200000, true);
	virtio_balloon_work(&vb);
	virtio_balloon_get(&vb, &i, false);
	ok = ok && KTAP_EXPECT(i.reported == 514) && KTAP_EXPECT(used_idx(3) == 2);
	/* without STATS_VQ, reporting is queue 2 */
	setup(ALL_FEATURES);
	ok = ok && KTAP_EXPECT(drv_init(F(VIRTIO_BALLOON_F_REPORTING)));
	ok = ok && KTAP_EXPECT(virtio_balloon_role(&vb, 2) == VBALLOON_REPORTING) &&
	     KTAP_EXPECT(virtio_balloon_role(&vb, 3) == VBALLOON_NONE);
	post(2, 0x800000, 0x1000, true);
	virtio_balloon_work(&vb);
	ok = ok && KTAP_EXPECT(nr_discarded == 1) && KTAP_EXPECT(used_idx(2) == 1);
	ktap_result(ok, "free page reports discard the whole pages of each range");
}

static void test_reset_midway(void)
{
	static u32 pfn[300];
	unsigned int k;
	bool ok;

	setup(ALL_FEATURES);
	ok = KTAP_EXPECT(drv_init(ALL_FEATURES));
	for (k = 0; k < 300; k++)
		pfn[k] = 0x500 + k;
	put_pfns(PFNS, pfn, 300);
	post(0, PFNS, sizeof(pfn), false);
	reset_in_discard = true;
	virtio_balloon_work(&vb);
	/* the first batch was worked on, then the chain was dropped */
	ok = ok && KTAP_EXPECT(discard_calls == 1) && KTAP_EXPECT(used_idx(0) == 0) &&
	     KTAP_EXPECT(rd(VIRTIO_PCI_STATUS, 1) == 0);
	/* the new life works */
	memset(avail_idx, 0, sizeof(avail_idx));
	memset(next_desc, 0, sizeof(next_desc));
	memset(gm.ram + USED(0), 0, 0x100);
	ok = ok && KTAP_EXPECT(drv_init(ALL_FEATURES));
	post(0, PFNS, 8, false);
	virtio_balloon_work(&vb);
	ok = ok && KTAP_EXPECT(used_idx(0) == 1);
	ktap_result(ok, "a reset while a chain is worked on drops it");
}

static void test_hostile(void)
{
	struct virtio_balloon_info i;
	bool ok;

	setup(ALL_FEATURES);
	ok = KTAP_EXPECT(drv_init(ALL_FEATURES));
	/* a PFN array the ring refuses (outside RAM): NEEDS_RESET, no discard */
	post(0, RAM_SIZE - 4, 64, false);
	virtio_balloon_work(&vb);
	ok = ok && KTAP_EXPECT(nr_discarded == 0) &&
	     KTAP_EXPECT(rd(VIRTIO_PCI_STATUS, 1) & VIRTIO_STATUS_NEEDS_RESET);
	/* notifications before DRIVER_OK or past the queues do nothing */
	setup(ALL_FEATURES);
	wr(VIRTIO_PCI_NOTIFY, 2, 0);
	wr(VIRTIO_PCI_NOTIFY + 4 * 9, 2, 9);
	virtio_balloon_work(&vb);
	ok = ok && KTAP_EXPECT(kicks == 0) && KTAP_EXPECT(nr_discarded == 0);
	/* a stats chain with only writable buffers: no statistics */
	ok = ok && KTAP_EXPECT(drv_init(ALL_FEATURES));
	post(2, STATS, 64, true);
	virtio_balloon_get(&vb, &i, false);
	ok = ok && KTAP_EXPECT(i.stats_valid == 0);
	/* a report range that wraps around the address space */
	post(3, 0xfffffffffffff000ULL, 0x2000, true);
	virtio_balloon_work(&vb);
	ok = ok && KTAP_EXPECT(gm.faults == 0);
	ktap_result(ok, "hostile rings, notifications and ranges are safe");
}

int main(void)
{
	gm.ram = calloc(1, RAM_SIZE);
	ktap_begin("virtio_balloon", 8);
	test_identity();
	test_target();
	test_inflate_deflate();
	test_batches();
	test_stats();
	test_reporting();
	test_reset_midway();
	test_hostile();
	free(gm.ram);
	return ktap_end();
}
