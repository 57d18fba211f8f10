// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz harness for virtio-blk on the virtio PCI transport (virtio_blk.c,
 * virtio_pci.c, virtq.c, vpci.c MSI-X): a hostile driver that writes
 * registers, descriptor tables and rings, and posts chains that are
 * mostly well formed (headers, data, status, indirect tables) and
 * sometimes anything at all, while the backend completes requests in any
 * order, with errors, across device resets.
 *
 * Input: one config byte (features, MSI-X, queues, a read-only window in
 * guest memory, backend limits), then records of FUZZ_VBLK_REC bytes, one
 * action each (byte 0 picks it, the rest are its arguments). Guest memory
 * is 1 MiB: rings low, indirect tables and headers above, data from
 * FZ_DATA.
 *
 * Invariants checked after every action: the model never touches memory
 * the guest-memory check refused (no faults in the fake memory); every
 * request it submits passes blk_req_check; its in-flight count equals
 * what the backend holds (orphans of a reset included); at the end, with
 * every request completed, nothing is in flight.
 */
#include <string.h>
#include "fuzz.h"
#include "virtio_blk.h"
#include "../unit/fake_blk.h"

#define FZ_RAM		(1u << 20)
#define FZ_DESC(q)	(0x1000u + (q) * 0x3000u)
#define FZ_AVAIL(q)	(FZ_DESC(q) + 0x1000u)
#define FZ_USED(q)	(FZ_DESC(q) + 0x2000u)
#define FZ_INDIR	0x10000u
#define FZ_HDR		0x20000u
#define FZ_DATA		0x30000u
#define FZ_DATA_SIZE	(FZ_RAM - FZ_DATA)
#define FZ_QMAX		64	/* ring entries the harness lays out */

unsigned long fuzz_vblk_ops;
unsigned long fuzz_vblk_stats[4];	/* chains posted, requests, completions, resets */

static struct virtio_blk blk;
static struct fake_gmem gm;
static struct fake_be disk;
static u8 ram[FZ_RAM];
static u16 fz_avail[VBLK_MAX_QUEUES], fz_next[VBLK_MAX_QUEUES], fz_qsize[VBLK_MAX_QUEUES];
static u16 fz_nq;
static u64 fz_want;
static bool fz_msix;
static bool fz_overrun;
static struct vpci_bus fz_bus;

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

static u64 g64(struct fz_in *in)
{
	return g32(in) | (u64)g32(in) << 32;
}

static void wr(u32 off, unsigned int size, u64 v)
{
	virtio_pci_mmio(&blk.vp, off, true, size, &v);
}

static u64 rd(u32 off, unsigned int size)
{
	u64 v = 0;

	virtio_pci_mmio(&blk.vp, off, false, size, &v);
	return v;
}

static void p16(u64 gpa, u16 v)
{
	if (gpa + 2 <= FZ_RAM) {
		ram[gpa] = v;
		ram[gpa + 1] = v >> 8;
	}
}

static void p32(u64 gpa, u32 v)
{
	p16(gpa, v);
	p16(gpa + 2, v >> 16);
}

static void p64(u64 gpa, u64 v)
{
	p32(gpa, v);
	p32(gpa + 4, v >> 32);
}

static void fz_desc(u64 table, u16 i, u64 addr, u32 len, u16 flags, u16 next)
{
	u64 d = table + 16ULL * i;

	p64(d, addr);
	p32(d + 8, len);
	p16(d + 12, flags);
	p16(d + 14, next);
}

/* The driver's bring-up, as Linux does it (with the input's choices). */
static void fz_driver_init(struct fz_in *in, bool reset)
{
	u8 k = g8(in);
	u16 q;

	if (reset)
		wr(VIRTIO_PCI_STATUS, 1, 0);
	/* a quarter of the bring-ups negotiate packed rings */
	virtio_blk_offer_packed(&blk, (k & 0x18) == 0x18);
	wr(VIRTIO_PCI_STATUS, 1, 3);
	wr(VIRTIO_PCI_GFSELECT, 4, 0);
	wr(VIRTIO_PCI_GF, 4, (u32)(blk.vp.dev_features & fz_want));
	wr(VIRTIO_PCI_GFSELECT, 4, 1);
	wr(VIRTIO_PCI_GF, 4, (blk.vp.dev_features & fz_want) >> 32);
	wr(VIRTIO_PCI_STATUS, 1, 0xb);
	if (fz_msix)
		wr(VIRTIO_PCI_MSIX_CONFIG, 2, 0);
	for (q = 0; q < fz_nq; q++) {
		/* 64 entries mostly; sometimes 8 or 16 */
		fz_qsize[q] = k & (1 << q) ? 8 << (k >> 6 & 1) : FZ_QMAX;
		fz_avail[q] = 0;
		fz_next[q] = 0;
		memset(ram + FZ_DESC(q), 0, 0x3000);
		wr(VIRTIO_PCI_Q_SELECT, 2, q);
		wr(VIRTIO_PCI_Q_SIZE, 2, fz_qsize[q]);
		if (fz_msix)
			wr(VIRTIO_PCI_Q_MSIX, 2, q + 1);
		wr(VIRTIO_PCI_Q_DESC, 8, FZ_DESC(q));
		wr(VIRTIO_PCI_Q_AVAIL, 4, FZ_AVAIL(q));
		wr(VIRTIO_PCI_Q_AVAIL + 4, 4, 0);
		wr(VIRTIO_PCI_Q_USED, 8, FZ_USED(q));
		wr(VIRTIO_PCI_Q_ENABLE, 2, 1);
	}
	/* used_event: at times far ahead, else 0 */
	for (q = 0; q < fz_nq; q++)
		p16(FZ_AVAIL(q) + 4 + 2 * fz_qsize[q], k & 0x20 ? 0x7fff : 0);
	wr(VIRTIO_PCI_STATUS, 1, 0xf);
	fuzz_vblk_stats[3]++;
}

static void fz_post(u16 q, u16 head, bool notify)
{
	u16 sz = fz_qsize[q];
	u16 used = ram[FZ_USED(q) + 2] | ram[FZ_USED(q) + 3] << 8;

	/* A driver has at most size chains out (fz_chain may overrun it). */
	if ((u16)(fz_avail[q] - used) >= sz && !fz_overrun)
		return;

	p16(FZ_AVAIL(q) + 4 + 2 * (fz_avail[q] % sz), head);
	fz_avail[q]++;
	p16(FZ_AVAIL(q) + 2, fz_avail[q]);
	if (notify)
		wr(VIRTIO_PCI_NOTIFY + 4 * q, 2, q);
	fuzz_vblk_stats[0]++;
}

static const u32 fz_types[] = {
	VIRTIO_BLK_T_IN, VIRTIO_BLK_T_IN, VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT,
	VIRTIO_BLK_T_OUT, VIRTIO_BLK_T_OUT, VIRTIO_BLK_T_FLUSH,
	VIRTIO_BLK_T_GET_ID, VIRTIO_BLK_T_DISCARD, VIRTIO_BLK_T_WRITE_ZEROES,
	3, 0xffffffff,
};

/* A data buffer: mostly in the data area and sector sized. */
static void fz_buf(struct fz_in *in, u64 *addr, u32 *len)
{
	u8 k = g8(in);

	u8 l = g8(in);

	*len = l < 230 ? ((g8(in) & 15) + 1) * 512u : l < 250 ? (u32)g16(in) : g32(in);
	if (k < 245)
		*addr = FZ_DATA + g16(in) % (FZ_DATA_SIZE - 0x10000);
	else if (k < 252)
		*addr = FZ_RAM - (g16(in) & 0xfff);
	else
		*addr = g64(in);
}

/* A packed descriptor (format only: avail is the ring's AVAIL/USED bits). */
static void fz_pdesc(u64 d, u64 addr, u32 len, u16 id, u16 flags)
{
	p64(d, addr);
	p32(d + 8, len);
	p16(d + 12, id);
	p16(d + 14, flags);
}

/*
 * A chain on a packed ring: header, data, status at the driver's next
 * slots (the head made available last), or one indirect slot; at times
 * a descriptor mutated.
 */
static void fz_chain_packed(struct fz_in *in, u16 q, u32 type, u64 hdr, u8 k, u8 mut)
{
	u16 sz = fz_qsize[q], n = 1 + ((k >> 2) & 3), nd = n + 2, i, id = g16(in);
	u16 cnt = fz_next[q];
	bool indirect = k & 1, dev_writes = type == VIRTIO_BLK_T_IN ||
					    type == VIRTIO_BLK_T_GET_ID;
	u64 table = FZ_INDIR + (g8(in) & 7) * 0x1000, addr;
	u32 len;

	/* a driver never has more than the ring out */
	if ((u16)(cnt + (indirect ? 1 : nd) - blk.vp.vq[q].used_idx) > sz &&
	    (k & 0x3c) != 0x3c)
		return;
	for (i = nd; i-- > 0;) {
		u16 f = i + 1 < nd ? VIRTQ_DESC_F_NEXT : 0;
		u16 c = cnt + i;
		u64 d = indirect ? table + 16ULL * i : FZ_DESC(q) + 16ULL * (c % sz);

		if (!i) {
			addr = hdr;
			len = type == VIRTIO_BLK_T_DISCARD ||
			      type == VIRTIO_BLK_T_WRITE_ZEROES ? 32 : 16;
		} else if (i + 1 == nd) {
			addr = FZ_HDR + 0x800 + (g8(in) & 0x3f);
			len = 1;
			f |= VIRTQ_DESC_F_WRITE;
		} else {
			fz_buf(in, &addr, &len);
			f |= dev_writes ? VIRTQ_DESC_F_WRITE : 0;
		}
		/* available: AVAIL equal to the slot's wrap counter, USED not */
		if (!indirect)
			f |= (c / sz) & 1 ? VIRTQ_DESC_F_USED : VIRTQ_DESC_F_AVAIL;
		fz_pdesc(d, addr, len, id, f);
	}
	if ((mut & 0xe0) == 0xe0) {
		u64 d = indirect ? table + 16ULL * ((mut & 7) % nd) :
			FZ_DESC(q) + 16ULL * ((u16)(cnt + (mut & 7) % nd) % sz);

		p16(d + 8 + 2 * (mut & 3), g16(in));	/* length, id or flags */
	}
	if (indirect) {
		fz_pdesc(FZ_DESC(q) + 16ULL * (cnt % sz), table,
			 (mut & 0x1f) == 0x1f ? g16(in) : nd * 16u, id,
			 VIRTQ_DESC_F_INDIRECT |
			 ((cnt / sz) & 1 ? VIRTQ_DESC_F_USED : VIRTQ_DESC_F_AVAIL));
		cnt++;
	} else {
		cnt += nd;
	}
	fz_next[q] = cnt;
	if ((mut & 0x60) != 0x60)
		wr(VIRTIO_PCI_NOTIFY + 4 * q, 2, q);
	fuzz_vblk_stats[0]++;
}

/* A chain: header, data buffers, status; direct or through a table. */
static void fz_chain(struct fz_in *in)
{
	u16 q = g8(in) % (fz_nq + 1), sz, head, i, n, nd, s;
	u8 k = g8(in), mut = g8(in);
	u32 type = fz_types[g8(in) % ARRAY_SIZE(fz_types)], len;
	u64 hdr = FZ_HDR + (g8(in) & 0x3f) * 32, addr, table;
	bool indirect = k & 1, dev_writes;

	if (q >= fz_nq)
		q = 0;
	/* A driver that sees NEEDS_RESET starts again, mostly at once. */
	if ((rd(VIRTIO_PCI_STATUS, 1) & 0x4f) != 0x0f && (k & 0x0c))
		fz_driver_init(in, true);
	sz = fz_qsize[q];
	p32(hdr, type);
	p32(hdr + 4, 0);
	p64(hdr + 8, (k & 0x22) == 0x22 ? g64(in) : g16(in) % 2100);
	if (type == VIRTIO_BLK_T_DISCARD || type == VIRTIO_BLK_T_WRITE_ZEROES) {
		p64(hdr + 16, g8(in) & 0x80 ? g64(in) : g16(in) % 2048);
		p32(hdr + 24, g8(in) & 0x80 ? g32(in) : g8(in));
		p32(hdr + 28, g8(in) & 0xf0 ? 0 : g32(in));
	}
	if (blk.vp.vq[q].packed) {
		fz_chain_packed(in, q, type, hdr, k, mut);
		return;
	}
	dev_writes = type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID;
	n = 1 + ((k >> 2) & 3);
	if ((k & 0xf0) == 0xf0)
		n = 120 + g8(in) % 16;	/* around SEG_MAX */
	nd = n + 2;
	table = indirect ? FZ_INDIR + (g8(in) & 7) * 0x1000 : FZ_DESC(q);
	if (!indirect && nd > sz) {
		n = 0;
		nd = 2;
	}
	head = indirect ? 0 : fz_next[q];
	i = head;
	/* header: 16 bytes, or header + discard range in one buffer */
	fz_desc(table, i, hdr, type == VIRTIO_BLK_T_DISCARD ||
		type == VIRTIO_BLK_T_WRITE_ZEROES ? 32 : 16, VIRTQ_DESC_F_NEXT,
		(i + 1) % (indirect ? 256 : sz));
	i = (i + 1) % (indirect ? 256 : sz);
	for (s = 0; s < n; s++) {
		fz_buf(in, &addr, &len);
		fz_desc(table, i, addr, len,
			VIRTQ_DESC_F_NEXT | (dev_writes ? VIRTQ_DESC_F_WRITE : 0),
			(i + 1) % (indirect ? 256 : sz));
		i = (i + 1) % (indirect ? 256 : sz);
	}
	fz_desc(table, i, FZ_HDR + 0x800 + (g8(in) & 0x3f), 1, VIRTQ_DESC_F_WRITE, 0);
	i = (i + 1) % (indirect ? 256 : sz);
	/* a mutation of one descriptor: flags, next, length or address */
	if ((mut & 0xe0) == 0xe0) {
		u64 d = table + 16ULL * ((head + (mut & 7) % nd) % (indirect ? 256 : sz));

		switch ((mut >> 3) & 3) {
		case 0:
			p16(d + 12, g16(in) & 7);
			break;
		case 1:
			p16(d + 14, g16(in));
			break;
		case 2:
			p32(d + 8, g32(in));
			break;
		default:
			p64(d, g64(in));
			break;
		}
	}
	if (indirect) {
		head = fz_next[q];
		fz_desc(FZ_DESC(q), head, table,
			(mut & 0x1f) == 0x1f ? g16(in) : nd * 16u,
			VIRTQ_DESC_F_INDIRECT | ((mut & 0x1f) == 0x1e ? g8(in) & 3 : 0),
			g16(in));
		fz_next[q] = (head + 1) % sz;
	} else {
		fz_next[q] = i;
	}
	/* mostly notified; else the next notify or completion finds it */
	fz_overrun = (k & 0x3c) == 0x3c;
	fz_post(q, head, (mut & 0x60) != 0x60);
	fz_overrun = false;
}

static void fz_step(struct fz_in *in)
{
	u8 op = g8(in) & 15;
	u32 off;

	switch (op) {
	case 0:	/* any BAR write */
		off = g16(in) % VIRTIO_PCI_BAR_SIZE;
		wr(off, 1u << (g8(in) & 3), g64(in));
		break;
	case 1:	/* any BAR read */
		off = g16(in) % VIRTIO_PCI_BAR_SIZE;
		(void)rd(off, 1u << (g8(in) & 3));
		break;
	case 2:	/* a common or legacy register, small values */
		if (g8(in) & 1) {
			u32 v = g8(in) & 0x8f ? g16(in) % 300 : g32(in);

			off = g8(in) % (VIRTIO_LEGACY_BAR_SIZE + 8);
			virtio_pci_legacy_io(&blk.vp, off, g8(in) & 1,
					     1u << (g8(in) % 3), &v);
			break;
		}
		off = g8(in) % VIRTIO_PCI_COMMON_LEN;
		wr(off, 1u << (g8(in) & 3), g8(in) & 0x8f ? g16(in) % 300 : g64(in));
		break;
	case 3: case 4: case 5: case 6: case 7:
		fz_chain(in);
		break;
	case 8: case 9: case 10: {	/* the backend completes 1-8, any order */
		unsigned int c = 1 + (g8(in) & 7);

		while (disk.n && c--) {
			u8 e = g8(in);

			fake_be_complete(&disk, g8(in) % disk.n,
					 e < 200 ? 0 : e < 230 ? -EIO : e < 245 ? -EOPNOTSUPP : -ENOSPC);
			fuzz_vblk_stats[2]++;
		}
		break;
	}
	case 11:	/* a raw descriptor and a raw head */
		off = g8(in) % fz_nq;
		fz_desc(FZ_DESC(off), g16(in) % FZ_QMAX, g64(in), g32(in), g16(in), g16(in));
		fz_post(off, g16(in), true);
		break;
	case 12:	/* reset and start again, requests in flight or not */
		fz_driver_init(in, true);
		break;
	case 13: {	/* configuration space: capabilities, MSI-X control */
		unsigned int size = 1u << (g8(in) % 3);

		off = (0x40 + g8(in) % 0x64) & ~(size - 1);
		vpci_cfg_write(&fz_bus, 0, off, size, g32(in));
		break;
	}
	case 14:	/* MSI-X table and PBA */
		off = VIRTIO_PCI_MSIX_TABLE + (g8(in) % 16) * 4;
		wr(g8(in) & 1 ? off : VIRTIO_PCI_MSIX_PBA, 4, g32(in));
		break;
	default:	/* the available index anywhere, or used_event */
		off = g8(in) % fz_nq;
		if (g8(in) & 1) {
			fz_avail[off] = g16(in);
			p16(FZ_AVAIL(off) + 2, fz_avail[off]);
		} else {
			p16(FZ_AVAIL(off) + 4 + 2 * fz_qsize[off], g16(in));
		}
		wr(VIRTIO_PCI_NOTIFY + 4 * off, 2, off);
		break;
	}
}

static void fz_check(const u8 *data, size_t size)
{
	unsigned int q, i, n;

	FUZZ_CHECK(gm.faults == 0, data, size);
	FUZZ_CHECK(disk.bad == 0, data, size);
	FUZZ_CHECK(blk.inflight == disk.n, data, size);
	/* each queue counts exactly its own slots in use */
	for (q = 0; q < VBLK_MAX_QUEUES; q++) {
		for (i = n = 0; i < VBLK_QUEUE_SIZE; i++)
			if (blk.q[q].slot[i].busy) {
				n++;
				FUZZ_CHECK(blk.q[q].slot[i].q == q, data, size);
			}
		FUZZ_CHECK(blk.q[q].busy == n, data, size);
	}
}

int fuzz_virtio_blk_one(const u8 *data, size_t size)
{
	struct fz_in in = { data, size, 0 };
	unsigned int ops = 0, guard;
	u8 cfg;

	gm.ram = ram;
	gm.size = FZ_RAM;
	gm.faults = 0;
	if (!disk.img)
		fake_be_init(&disk, &gm, 1u << 20, 512, true);
	disk.n = 0;
	disk.bad = 0;
	disk.nr_log = 0;
	memset(ram, 0, FZ_DATA);

	cfg = g8(&in);
	disk.be.readonly = cfg & 1;
	disk.be.can_discard = !(cfg & 2);
	disk.be.max_inflight = (cfg & 6) == 6 ? 4 : FAKE_BE_QUEUE;
	/* or a backend that is full (-EBUSY) below its max_inflight */
	disk.cap = (cfg & 6) == 4 ? 3 : 0;
	/* a window the device may read but not write: rings or data */
	gm.ro_len = (cfg & 0x18) == 0x18 || (cfg & 0x1c) == 0x08 ? 0x4000 : 0;
	gm.ro_base = cfg & 0x10 ? FZ_DESC(0) : FZ_DATA;
	fz_msix = cfg & 0x20;
	fz_nq = 1 + (cfg >> 6) % 3;
	fz_want = cfg & 0x80 ? ~0ULL : ~(1ULL << VIRTIO_F_EVENT_IDX);
	virtio_blk_init(&blk, &disk.be, fz_nq, "fuzz", &fake_gmem_ops, &gm,
			&fz_host, NULL);
	virtio_pci_add_legacy(&blk.vp, VIRTIO_PCI_DEVICE_TRANS_BLOCK,
			      VIRTIO_ID_BLOCK);	/* transitional, as in the VM */
	blk.poll = (cfg ^ (cfg >> 3)) & 1;	/* completion polling, half the time */
	vpci_bus_init(&fz_bus);
	vpci_register(&fz_bus, 0, &blk.vp.pci);
	if (fz_msix) {
		vpci_cfg_write(&fz_bus, 0, VIRTIO_PCI_CAP_MSIX + 2, 2,
			       VPCI_MSIX_FLAGS_ENABLE);
		for (guard = 0; guard <= fz_nq; guard++)
			wr(VIRTIO_PCI_MSIX_TABLE + 16 * guard + 12, 4, 0);
	}
	fz_driver_init(&in, false);

	while (in.i < in.n && ops < 256) {
		size_t next = in.i + FUZZ_VBLK_REC;

		fz_step(&in);
		in.i = next;		/* fixed-size records */
		ops++;
		fuzz_vblk_ops++;
		fz_check(data, size);
	}
	/* the host's teardown: every request completes, nothing is left */
	for (guard = 0; disk.n && guard < 10000; guard++)
		fake_be_complete_all(&disk);
	fuzz_vblk_stats[1] += disk.submitted;
	disk.submitted = 0;
	FUZZ_CHECK(!disk.n && virtio_blk_inflight(&blk) == 0, data, size);
	FUZZ_CHECK(gm.faults == 0, data, size);
	return 0;
}

#ifdef FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	return fuzz_virtio_blk_one(data, size);
}
#endif
