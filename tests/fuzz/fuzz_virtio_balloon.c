// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz harness for the virtio memory balloon (virtio_balloon.c on
 * virtio_pci.c, virtq.c, vpci.c MSI-X): a hostile driver that writes any
 * register or configuration byte, corrupts its rings, posts PFN arrays
 * (PFNs in RAM, past it, in the 32-bit top, repeated) and report ranges
 * of any address and length, resets the device at any point (also while
 * the host works on a chain), while the host sets targets, asks for
 * statistics and runs the work at random moments.
 *
 * Input: one config byte (features the driver takes, MSI-X), then records
 * of FUZZ_VBAL_REC bytes, one action each (byte 0 picks it).
 *
 * Invariants checked after every action: no access to memory outside the
 * fake guest RAM (the ring's checks held); the host's discard is given
 * at most VBALLOON_BATCH page-aligned addresses at a time; the device's
 * counters equal what the host saw (pages freed for inflate and reports);
 * one work call ends within a bound of host calls.
 */
#include <string.h>
#include "fuzz.h"
#include "virtio_balloon.h"
#include "../unit/fake_blk.h"

#define FZ_RAM		(1u << 20)
#define FZ_PAGES	(FZ_RAM >> 12)
#define FZ_DESC(q)	(0x1000u + (q) * 0x3000u)
#define FZ_AVAIL(q)	(FZ_DESC(q) + 0x1000u)
#define FZ_USED(q)	(FZ_DESC(q) + 0x2000u)
#define FZ_BUF		0x20000u
#define FZ_QSZ		16

unsigned long fuzz_vbal_ops;
unsigned long fuzz_vbal_stats[4];	/* chains posted, pages discarded, work calls, resets */

static struct virtio_balloon vb;
static struct fake_gmem gm;
static u8 ram[FZ_RAM];
static u8 backed[FZ_PAGES];
static struct vpci_bus fz_bus;
static u16 fz_avail[4], fz_next[4];
static u64 fz_freed, fz_calls;
static bool fz_bad, fz_reset_next;

static void fz_msi(void *opaque, u64 addr, u32 data)
{
	(void)opaque;
	(void)addr;
	(void)data;
}

static void fz_intx(void *opaque, bool level)
{
	(void)opaque;
	(void)level;
}

static const struct virtio_pci_host_ops fz_host = {
	.msi = fz_msi,
	.set_intx = fz_intx,
};

static void wr(u32 off, unsigned int size, u64 v)
{
	virtio_pci_mmio(&vb.vp, off, true, size, &v);
}

/* A host like gmem.c: frees a backed RAM page once. */
static u32 fz_discard(void *opaque, const u64 *gpa, u32 n)
{
	u32 i, freed = 0;

	(void)opaque;
	fz_calls++;
	if (n == 0 || n > VBALLOON_BATCH)
		fz_bad = true;
	if (fz_reset_next) {
		fz_reset_next = false;
		wr(VIRTIO_PCI_STATUS, 1, 0);
		fuzz_vbal_stats[3]++;
	}
	for (i = 0; i < n; i++) {
		if (gpa[i] & (VBALLOON_PAGE_SIZE - 1))
			fz_bad = true;
		if (gpa[i] < FZ_RAM && backed[gpa[i] >> 12]) {
			backed[gpa[i] >> 12] = 0;
			freed++;
		}
	}
	fz_freed += freed;
	fuzz_vbal_stats[1] += freed;
	return freed;
}

static void fz_kick(void *opaque)
{
	(void)opaque;
}

static const struct virtio_balloon_host_ops fz_bhost = {
	.discard = fz_discard,
	.kick = fz_kick,
};

struct fz_in {
	const u8 *p;
	size_t n, i;
};

static u8 g8(struct fz_in *in)
{
	return in->i < in->n ? in->p[in->i++] : 0;
}

static u16 g16(struct fz_in *in)
{
	return g8(in) | (u16)g8(in) << 8;
}

static u32 g32(struct fz_in *in)
{
	return g16(in) | (u32)g16(in) << 16;
}

static void put16(u64 gpa, u16 v)
{
	ram[gpa] = v;
	ram[gpa + 1] = v >> 8;
}

static void put32(u64 gpa, u32 v)
{
	put16(gpa, v);
	put16(gpa + 2, v >> 16);
}

static void put64(u64 gpa, u64 v)
{
	put32(gpa, v);
	put32(gpa + 4, v >> 32);
}

static void fz_driver_init(u8 cfg)
{
	u64 want = (1ULL << VIRTIO_F_VERSION_1) | ((u64)(cfg & 0x3f) & VBALLOON_FEATURES);
	u16 q, nq;

	wr(VIRTIO_PCI_STATUS, 1, 0);
	wr(VIRTIO_PCI_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(VIRTIO_PCI_GFSELECT, 4, 0);
	wr(VIRTIO_PCI_GF, 4, (u32)want);
	wr(VIRTIO_PCI_GFSELECT, 4, 1);
	wr(VIRTIO_PCI_GF, 4, want >> 32);
	wr(VIRTIO_PCI_STATUS, 1, 0xb);
	nq = vb.vp.nr_queues;
	for (q = 0; q < nq && q < 4; q++) {
		wr(VIRTIO_PCI_Q_SELECT, 2, q);
		wr(VIRTIO_PCI_Q_SIZE, 2, FZ_QSZ);
		wr(VIRTIO_PCI_Q_MSIX, 2, q + 1);
		wr(VIRTIO_PCI_Q_DESC, 8, FZ_DESC(q));
		wr(VIRTIO_PCI_Q_AVAIL, 8, FZ_AVAIL(q));
		wr(VIRTIO_PCI_Q_USED, 8, FZ_USED(q));
		wr(VIRTIO_PCI_Q_ENABLE, 2, 1);
	}
	memset(fz_avail, 0, sizeof(fz_avail));
	memset(fz_next, 0, sizeof(fz_next));
	memset(ram + FZ_DESC(0), 0, FZ_BUF - FZ_DESC(0));
	wr(VIRTIO_PCI_STATUS, 1, 0xf);
}

/* A chain of one or two buffers on queue q. */
static void fz_post(struct fz_in *in, u16 q)
{
	u8 kind = g8(in);
	u16 d = fz_next[q]++ % FZ_QSZ, d2 = fz_next[q] % FZ_QSZ;
	u64 e = FZ_DESC(q) + 16ULL * d, addr;
	u32 len, i, n;
	bool two = kind & 0x40;

	if (kind & 0x80) {
		/* anything at all */
		addr = (u64)g32(in) << (kind & 7);
		len = g32(in) >> (kind & 0x38 ? 8 : 0);
	} else {
		/* a PFN array (or report range) in the buffer area */
		n = 1 + g8(in) % 64;
		addr = FZ_BUF + (u64)(g8(in) % 16) * 0x1000;
		for (i = 0; i < n; i++) {
			u8 how = g8(in);
			u32 pfn = how < 160 ? how % FZ_PAGES :
				  how < 200 ? FZ_PAGES + how :
				  how < 230 ? 0xffffffffu - how : g16(in);

			put32(addr + 4 * i, pfn);
		}
		len = kind & 0x20 ? n * 4 + (kind & 3) : n * 4;
		if (q >= 2 && (kind & 0x10)) {
			addr = (u64)(g8(in) % FZ_PAGES) << 12 | (kind & 0xf) << 4;
			len = (u32)g16(in) << 4;
		}
	}
	put64(e, addr);
	put32(e + 8, len);
	put16(e + 12, (kind & 0x08 ? VIRTQ_DESC_F_WRITE : 0) |
		      (two ? VIRTQ_DESC_F_NEXT : 0));
	put16(e + 14, d2);
	if (two) {
		fz_next[q]++;
		e = FZ_DESC(q) + 16ULL * d2;
		put64(e, FZ_BUF + 0x10000 + (u64)g8(in) * 64);
		put32(e + 8, g16(in));
		put16(e + 12, g8(in) & VIRTQ_DESC_F_WRITE);
		put16(e + 14, 0);
	}
	put16(FZ_AVAIL(q) + 4 + 2 * (fz_avail[q] % FZ_QSZ), d);
	fz_avail[q]++;
	put16(FZ_AVAIL(q) + 2, fz_avail[q]);
	wr(VIRTIO_PCI_NOTIFY + VIRTIO_PCI_NOTIFY_MULT * q, 2, q);
	fuzz_vbal_stats[0]++;
}

static void fz_work(void)
{
	u64 before = fz_calls;

	virtio_balloon_work(&vb);
	fuzz_vbal_stats[2]++;
	/*
	 * Bounded: at most every ring entry of every queue, each of at most
	 * VBALLOON_MAX_CHAIN_PFNS (or 2 GiB of report ranges) in batches.
	 */
	if (fz_calls - before > 4ULL * FZ_QSZ * (VIRTQ_MAX_BYTES / 4096 * 2 /
						  VBALLOON_BATCH + 2))
		fz_bad = true;
}

static void fz_step(struct fz_in *in)
{
	u8 op = g8(in);
	struct virtio_balloon_info info;
	u64 v;

	switch (op % 12) {
	case 0: case 1: case 2: case 3:
		fz_post(in, op % 4 < vb.vp.nr_queues ? op % 4 : 0);
		break;
	case 4: case 5:
		fz_work();
		break;
	case 6:
		fz_reset_next = g8(in) & 1;
		fz_work();
		fz_reset_next = false;
		break;
	case 7:
		virtio_balloon_set_target(&vb, g32(in));
		break;
	case 8:
		virtio_balloon_get(&vb, &info, g8(in) & 1);
		break;
	case 9: {
		/* any register, any size */
		u32 off = g16(in) % VIRTIO_PCI_BAR_SIZE;
		unsigned int size = 1u << (g8(in) & 3);

		v = (u64)g32(in) | (u64)g32(in) << 32;
		virtio_pci_mmio(&vb.vp, off & (op & 0x10 ? 0x20ff : 0x7fff),
				op & 0x20 ? false : true, size, &v);
		break;
	}
	case 10: {
		/* scribble on the rings */
		u32 off = FZ_DESC(0) + g16(in) % (FZ_BUF - FZ_DESC(0));

		ram[off] = g8(in);
		break;
	}
	default:
		fz_driver_init(g8(in));
		fuzz_vbal_stats[3]++;
		break;
	}
}

static void fz_check(const u8 *data, size_t size)
{
	struct virtio_balloon_info info;

	virtio_balloon_get(&vb, &info, false);
	FUZZ_CHECK(gm.faults == 0, data, size);
	FUZZ_CHECK(!fz_bad, data, size);
	FUZZ_CHECK(info.discarded + info.reported == fz_freed, data, size);
}

int fuzz_virtio_balloon_one(const u8 *data, size_t size)
{
	struct fz_in in = { data, size, 0 };
	unsigned int ops = 0;
	u8 cfg;

	gm.ram = ram;
	gm.size = FZ_RAM;
	gm.faults = 0;
	gm.ro_len = 0;
	memset(ram, 0, sizeof(ram));
	memset(backed, 1, sizeof(backed));
	fz_freed = fz_calls = 0;
	fz_bad = fz_reset_next = false;

	cfg = g8(&in);
	virtio_balloon_init(&vb, cfg & 0x80 ? VBALLOON_FEATURES :
			    (u64)(cfg >> 1) & VBALLOON_FEATURES, &fake_gmem_ops,
			    &gm, &fz_host, NULL, &fz_bhost, NULL);
	vpci_bus_init(&fz_bus);
	vpci_register(&fz_bus, 0, &vb.vp.pci);
	if (cfg & 0x40) {
		u16 v;

		vpci_cfg_write(&fz_bus, 0, VIRTIO_PCI_CAP_MSIX + 2, 2,
			       VPCI_MSIX_FLAGS_ENABLE);
		for (v = 0; v < vb.vp.msix.nr; v++)
			wr(VIRTIO_PCI_MSIX_TABLE + 16 * v + 12, 4, 0);
	}
	fz_driver_init(cfg);

	while (in.i < in.n && ops < 256) {
		size_t next = in.i + FUZZ_VBAL_REC;

		fz_step(&in);
		in.i = next;		/* fixed-size records */
		ops++;
		fuzz_vbal_ops++;
		fz_check(data, size);
	}
	fz_work();
	fz_check(data, size);
	return 0;
}

#ifdef FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	return fuzz_virtio_balloon_one(data, size);
}
#endif
