// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_hostile: a guest that attacks the PC's virtio-blk disks. Run as
 * the PC's firmware (build/virtio_hostile.rom, see tools/romwrap.S) with
 *
 *   vmmctl run --bios virtio_hostile.rom --mem 64M \
 *          --disk D.img,if=virtio --disk D2.img,if=virtio,readonly \
 *          [--disk D3.img,if=virtio,readonly,iops=100]
 *
 * where the images hold the pattern of expect_sector() (the
 * storage_hostile suite writes it with awk). It finds the functions on
 * PCI bus 0 (1af4:1042, or the transitional 1af4:1001 with subsystem 2),
 * gives the memory BAR its capabilities name an address, and drives the
 * modern interface by polling (the ISR read, MSI-X only as a target).
 * Then it does what a driver must not: bad feature and queue setups,
 * descriptor indexes past the ring, loops, chains longer than allowed,
 * indirect tables inside indirect tables, buffers outside RAM, in the ROM
 * or on the device's own BAR, avail idx jumps, sectors past the end,
 * misaligned and oversized requests, unknown request types, writes to
 * the read-only disk, bad discard and write-zeroes ranges, notifications
 * of queues that do not exist, queue registers, resets, BAR moves and
 * memory decode off while requests run (on the third disk too, where
 * they wait in an I/O limiter), garbage in the MSI-X table, and the PCI
 * configuration access capability with bad bar/offset/length; split
 * rings always, packed rings when the device offers them (module
 * parameter virtio_packed=1). Each case expects the documented outcome
 * (the status byte, or NEEDS_RESET in device_status for a broken ring),
 * then does the documented recovery (a reset and a new setup when the
 * device is broken) and a 4 KiB read whose data is checked. Every wait
 * is polled with a time limit (a timeout is a failure). The guest writes
 * only to the read-write disk's last 16 sectors (4080-4095): zeros to
 * 4080-4087 and the pattern of sectors 0-7 to 4088-4095, which the suite
 * checks on the host. It exits with reads in flight (the VM's teardown
 * must wait for them). Prints KTAP; exits 0 if all passed, else 1.
 */
#include "guest.h"

#define diag(...) do { puts("# "); printf(__VA_ARGS__); putc('\n'); } while (0)

static int n_test, n_fail;

#define T(cond, ...) do {						\
	bool _ok = (cond);						\
	n_test++;							\
	if (!_ok)							\
		n_fail++;						\
	printf("%s %d - ", _ok ? "ok" : "not ok", n_test);		\
	printf(__VA_ARGS__);						\
	putc('\n');							\
} while (0)

/* ---- virtio (1.2, 4.1 and 5.2) ---- */
#define VENDOR_VIRTIO		0x1af4
#define DEV_BLK_MODERN		0x1042
#define DEV_BLK_TRANS		0x1001

#define CAP_VNDR		0x09
#define CAP_COMMON		1
#define CAP_NOTIFY		2
#define CAP_ISR			3
#define CAP_DEVICE		4
#define CAP_PCICFG		5

/* common configuration */
#define C_DFSEL			0x00
#define C_DF			0x04
#define C_GFSEL			0x08
#define C_GF			0x0c
#define C_MSIX			0x10
#define C_NUMQ			0x12
#define C_STATUS		0x14
#define C_GEN			0x15
#define C_QSEL			0x16
#define C_QSIZE			0x18
#define C_QMSIX			0x1a
#define C_QENABLE		0x1c
#define C_QNOFF			0x1e
#define C_QDESC			0x20
#define C_QAVAIL		0x28
#define C_QUSED			0x30

#define S_ACK			0x01
#define S_DRIVER		0x02
#define S_DRIVER_OK		0x04
#define S_FEATURES_OK		0x08
#define S_NEEDS_RESET		0x40
#define S_UP			(S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK)

#define F_SIZE_MAX		1
#define F_SEG_MAX		2
#define F_RO			5
#define F_BLK_SIZE		6
#define F_FLUSH			9
#define F_DISCARD		13
#define F_WRITE_ZEROES		14
#define F_INDIRECT		28
#define F_EVENT_IDX		29
#define F_VERSION_1		32
#define F_PACKED		34
#define BIT(n)			(1UL << (n))

#define D_NEXT			1
#define D_WRITE			2
#define D_INDIRECT		4
#define D_AVAIL			(1u << 7)
#define D_USED			(1u << 15)

#define T_IN			0
#define T_OUT			1
#define T_FLUSH			4
#define T_GET_ID		8
#define T_DISCARD		11
#define T_WRITE_ZEROES		13

/* outcomes: the status byte (0 OK, 1 IOERR, 2 UNSUPP, others) or */
#define R_BROKEN		0x100	/* NEEDS_RESET in device_status */
#define R_TIMEOUT		0x101	/* nothing within the time limit */
#define R_NOSTATUS		0x102	/* used, but the status byte untouched */
#define R_BADDATA		0x103	/* OK, but the data read is wrong */
#define ST_UNTOUCHED		0xee

/* ---- memory map (guest-physical, below the 64 MiB the test gives) ---- */
#define BAR_BASE(i)		(0xfeb00000UL + (i) * 0x10000UL)
#define BAR_MOVED(i)		(0xfea00000UL + (i) * 0x10000UL)
#define RING(i)			(0x200000UL + (i) * 0x40000UL)	/* 64 KiB used */
#define RING_ALT(i)		(RING(i) + 0x20000UL)		/* after a reset */
#define IND(i)			(0x300000UL + (i) * 0x10000UL)	/* indirect tables */
#define HDRS(i)			(0x380000UL + (i) * 0x10000UL)
#define HDR(i, n)		(HDRS(i) + (n) * 16UL)		/* 256 headers */
#define STAT(i, n)		(HDRS(i) + 0x1000UL + (n))	/* 256 status bytes */
#define MISC(i)			(HDRS(i) + 0x2000UL)
#define DATA			0x400000UL	/* 1 MiB: 256 x 4 KiB */
#define DATA2			0x500000UL
#define HEAVY			0x600000UL	/* 2 MiB the orphans read into */
#define HEAVY_IND		0x800000UL	/* their indirect tables */
#define BIGBUF			0x1000000UL	/* start of the 40 MiB buffers */
#define ROM_ZERO		0xfffff000UL	/* zero padding in the ROM */

#define QSZ			256
#define DISK_SECT		4096
#define SCRATCH			4080	/* the sectors the guest may write */

static u64 ram_end;

/* ---- the pattern the host file holds: 16 rows of 32 bytes a sector ---- */
static void put_dec(u8 *d, u64 v, int width)
{
	while (width--) {
		d[width] = '0' + v % 10;
		v /= 10;
	}
}

static void expect_sector(u8 *d, u64 lba)
{
	static const char row[] = "vmm lba 00000000 row 00 .......\n";
	int r;

	for (r = 0; r < 16; r++) {
		memcpy(d + r * 32, row, 32);
		put_dec(d + r * 32 + 8, lba, 8);
		put_dec(d + r * 32 + 21, r, 2);
	}
}

static bool verify(u64 buf, u64 lba, u32 n)
{
	u8 e[512];
	u32 i;

	for (i = 0; i < n; i++) {
		expect_sector(e, lba + i);
		if (memcmp((void *)(buf + i * 512UL), e, 512)) {
			char got[25];

			memcpy(got, (void *)(buf + i * 512UL), 24);
			got[24] = 0;
			diag("sector %lu differs at %#lx: \"%s\"", lba + i,
			     buf + i * 512UL, got);
			return false;
		}
	}
	return true;
}

static bool all_bytes(u64 buf, u8 v, u32 n)
{
	const volatile u8 *p = (const volatile u8 *)buf;
	u32 i;

	for (i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* ---- time limits: TSC, and a cap on polls in case the TSC crawls ---- */
#define TMO_TICKS	20000000000UL
#define TMO_POLLS	2000000UL

static u64 tmo_start, tmo_polls;

static void tmo_begin(void)
{
	tmo_start = rdtsc();
	tmo_polls = 0;
}

static bool tmo_over(void)
{
	return rdtsc() - tmo_start > TMO_TICKS || ++tmo_polls > TMO_POLLS;
}

/* ---- guest memory, little endian, never cached in registers ---- */
static inline void m16(u64 a, u16 v) { *(volatile u16 *)a = v; }
static inline void m32(u64 a, u32 v) { *(volatile u32 *)a = v; }
static inline void m64(u64 a, u64 v) { *(volatile u64 *)a = v; }
static inline u16 g16(u64 a) { return *(volatile u16 *)a; }
static inline u32 g32(u64 a) { return *(volatile u32 *)a; }
static inline void barrier(void) { asm volatile("" ::: "memory"); }

/* ---- PCI configuration space (mechanism 1) ---- */
static u32 cfg_addr(u32 bdf, u32 off)
{
	return 0x80000000u | bdf | (off & 0xfc);
}

static u32 cfg_rd(u32 bdf, u32 off)
{
	outl(0xcf8, cfg_addr(bdf, off));
	return inl(0xcfc);
}

static void cfg_wr(u32 bdf, u32 off, u32 v)
{
	outl(0xcf8, cfg_addr(bdf, off));
	outl(0xcfc, v);
}

static u8 cfg_rd8(u32 bdf, u32 off)
{
	outl(0xcf8, cfg_addr(bdf, off));
	return inb(0xcfc + (off & 3));
}

static void cfg_wr8(u32 bdf, u32 off, u8 v)
{
	outl(0xcf8, cfg_addr(bdf, off));
	outb(0xcfc + (off & 3), v);
}

/* ---- one virtio-blk function and its queue 0, as this driver sees it ---- */
struct vdev {
	const char *name;
	int idx;		/* 0: read-write disk, 1: read-only disk */
	u32 bdf;
	u16 devid;
	int bar;		/* the BAR the capabilities point into */
	u64 base;		/* where we put it */
	u32 bar_mask;
	u32 common, isr, devcfg, notify, notify_mult, notify_len;
	u8 pcicfg;		/* configuration access capability */
	u8 msix;		/* MSI-X capability */
	u64 dfeat, want, feat;	/* offered, asked for, negotiated */
	u64 capacity;
	u16 nq, qmax, noff;
	/* queue 0 */
	u64 ring;
	u16 qsz;
	u64 desc, avail, used;
	bool packed;
	u16 next;		/* split: next free descriptor; packed: slot count */
	u16 aidx;		/* split: our avail->idx */
	u16 uidx;		/* split: used entries taken; packed: slot count */
	u16 id;			/* packed: next buffer id */
	u16 id_slots[QSZ];	/* packed: slots each id took */
	u8 isr_seen;		/* ISR read when NEEDS_RESET was seen */
	u32 ulen;		/* the last used entry's length */
};

static struct vdev disks[3];

/*
 * Every device register access goes through these two (one MMIO access
 * of size bytes); tests/unit/test_virtio_hostile.c runs this file in
 * userspace against module/core with its own (VHOSTILE_HOSTED).
 */
#ifndef VHOSTILE_HOSTED
static u64 mmio_rd(u64 a, unsigned int size)
{
	switch (size) {
	case 1: return *(volatile u8 *)a;
	case 2: return *(volatile u16 *)a;
	case 4: return *(volatile u32 *)a;
	}
	return *(volatile u64 *)a;
}

static void mmio_wr(u64 a, unsigned int size, u64 v)
{
	switch (size) {
	case 1: *(volatile u8 *)a = v; break;
	case 2: *(volatile u16 *)a = v; break;
	case 4: *(volatile u32 *)a = v; break;
	default: *(volatile u64 *)a = v; break;
	}
}
#endif

static u64 rr(struct vdev *d, u32 off, unsigned int size)
{
	return mmio_rd(d->base + off, size);
}

static void rw(struct vdev *d, u32 off, unsigned int size, u64 v)
{
	mmio_wr(d->base + off, size, v);
}

static u8 c8(struct vdev *d, u32 o) { return rr(d, d->common + o, 1); }
static u16 c16(struct vdev *d, u32 o) { return rr(d, d->common + o, 2); }
static u32 c32(struct vdev *d, u32 o) { return rr(d, d->common + o, 4); }
static void w8(struct vdev *d, u32 o, u8 v) { rw(d, d->common + o, 1, v); }
static void w16(struct vdev *d, u32 o, u16 v) { rw(d, d->common + o, 2, v); }
static void w32(struct vdev *d, u32 o, u32 v) { rw(d, d->common + o, 4, v); }

static void w64(struct vdev *d, u32 o, u64 v)
{
	w32(d, o, (u32)v);
	w32(d, o + 4, v >> 32);
}

static u64 c64(struct vdev *d, u32 o)
{
	return c32(d, o) | (u64)c32(d, o + 4) << 32;
}

static u8 isr_read(struct vdev *d) { return rr(d, d->isr, 1); }
static u8 status(struct vdev *d) { return c8(d, C_STATUS); }

static void notify_q(struct vdev *d, u16 noff)
{
	rw(d, d->notify + noff * d->notify_mult, 2, 0);
}

static void kick(struct vdev *d)
{
	notify_q(d, d->noff);
}

static const char *rname(int r)
{
	switch (r) {
	case 0: return "OK";
	case 1: return "IOERR";
	case 2: return "UNSUPP";
	case R_BROKEN: return "NEEDS_RESET";
	case R_TIMEOUT: return "TIMEOUT";
	case R_NOSTATUS: return "used, status byte untouched";
	case R_BADDATA: return "OK but wrong data";
	}
	return "an undocumented status byte";
}

/* ---- finding and mapping the functions ---- */
static int find_disks(void)
{
	u32 dev, n = 0;

	for (dev = 0; dev < 32 && n < 3; dev++) {
		u32 bdf = dev << 11, id = cfg_rd(bdf, 0);
		u16 did = id >> 16;

		if ((id & 0xffff) != VENDOR_VIRTIO)
			continue;
		if (did != DEV_BLK_MODERN &&
		    !(did == DEV_BLK_TRANS && (cfg_rd(bdf, 0x2c) >> 16) == 2))
			continue;
		disks[n].bdf = bdf;
		disks[n].devid = did;
		disks[n].idx = n;
		disks[n].name = n == 2 ? "limited disk" : n ? "ro disk" : "disk";
		n++;
	}
	return n;
}

/* Walk the vendor capabilities; false if one we need is missing. */
static bool parse_caps(struct vdev *d)
{
	u32 seen = 0, guard = 0;
	u8 p;

	d->bar = -1;
	if (!(cfg_rd(d->bdf, 4) & (1u << 20)))
		return false;
	for (p = cfg_rd8(d->bdf, 0x34) & 0xfc; p && guard++ < 48;
	     p = cfg_rd8(d->bdf, p + 1) & 0xfc) {
		u8 type, bar;
		u32 off;

		if (cfg_rd8(d->bdf, p) == 0x11 && !d->msix)
			d->msix = p;
		if (cfg_rd8(d->bdf, p) != CAP_VNDR)
			continue;
		type = cfg_rd8(d->bdf, p + 3);
		bar = cfg_rd8(d->bdf, p + 4);
		off = cfg_rd(d->bdf, p + 8);
		if (type == CAP_PCICFG) {
			d->pcicfg = p;
			seen |= 1u << type;
			continue;
		}
		if (type < CAP_COMMON || type > CAP_DEVICE || (seen & (1u << type)))
			continue;	/* the first of each type is the one */
		if (d->bar >= 0 && bar != d->bar)
			return false;	/* we map one BAR only */
		d->bar = bar;
		seen |= 1u << type;
		if (type == CAP_COMMON)
			d->common = off;
		else if (type == CAP_ISR)
			d->isr = off;
		else if (type == CAP_DEVICE)
			d->devcfg = off;
		else {
			d->notify = off;
			d->notify_len = cfg_rd(d->bdf, p + 12);
			d->notify_mult = cfg_rd(d->bdf, p + 16);
		}
	}
	return (seen & 0x3e) == 0x3e && d->bar >= 0 && d->bar < 6;
}

/* Size the BAR, put it at `at`, memory decode and bus mastering on. */
static bool map_bar(struct vdev *d, u64 at)
{
	u32 off = 0x10 + 4 * d->bar, orig = cfg_rd(d->bdf, off), cmd;

	if (orig & 1)
		return false;	/* an I/O BAR */
	cmd = cfg_rd(d->bdf, 4) & 0xffff;
	cfg_wr(d->bdf, 4, cmd & ~2u);
	cfg_wr(d->bdf, off, ~0u);
	d->bar_mask = cfg_rd(d->bdf, off);
	cfg_wr(d->bdf, off, (u32)at);
	if ((orig & 6) == 4)
		cfg_wr(d->bdf, off + 4, 0);
	cfg_wr(d->bdf, 4, cmd | 6);
	d->base = at;
	return (cfg_rd(d->bdf, off) & ~0xfu) == at;
}

/* ---- bring-up ---- */
static u64 dev_features(struct vdev *d)
{
	w32(d, C_DFSEL, 0);
	d->dfeat = c32(d, C_DF);
	w32(d, C_DFSEL, 1);
	d->dfeat |= (u64)c32(d, C_DF) << 32;
	return d->dfeat;
}

static void set_features(struct vdev *d, u64 f)
{
	w32(d, C_GFSEL, 0);
	w32(d, C_GF, (u32)f);
	w32(d, C_GFSEL, 1);
	w32(d, C_GF, f >> 32);
}

/* Status 0, then wait until the device reads back 0 (virtio 4.1.4.3.2). */
static bool dev_reset(struct vdev *d)
{
	w8(d, C_STATUS, 0);
	tmo_begin();
	while (status(d))
		if (tmo_over())
			return false;
	(void)isr_read(d);
	return true;
}

/* Queue 0's rings at ring (zeroed); size qsz; addresses written, not enabled. */
static void queue_place(struct vdev *d, u64 ring)
{
	d->ring = ring;
	d->desc = ring;
	d->avail = ring + 0x4000;
	d->used = ring + 0x8000;
	memset((void *)ring, 0, 0x10000);
	w16(d, C_QSEL, 0);
	w16(d, C_QSIZE, d->qsz);
	w16(d, C_QMSIX, 0xffff);
	w64(d, C_QDESC, d->desc);
	w64(d, C_QAVAIL, d->avail);
	w64(d, C_QUSED, d->used);
}

/*
 * Reset and set up with the features of d->want the device offers,
 * queue 0 of d->qsz entries at ring; false if any step was refused.
 */
static bool dev_init_at(struct vdev *d, u64 ring)
{
	if (!dev_reset(d))
		return false;
	w8(d, C_STATUS, S_ACK);
	w8(d, C_STATUS, S_ACK | S_DRIVER);
	d->feat = d->want & dev_features(d);
	set_features(d, d->feat);
	w8(d, C_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	if (!(status(d) & S_FEATURES_OK))
		return false;
	d->packed = d->feat & BIT(F_PACKED);
	d->nq = c16(d, C_NUMQ);
	w16(d, C_QSEL, 0);
	d->qmax = c16(d, C_QSIZE);
	d->noff = c16(d, C_QNOFF);
	if (!d->qsz || d->qsz > d->qmax)
		d->qsz = d->qmax < QSZ ? d->qmax : QSZ;
	queue_place(d, ring);
	w16(d, C_QENABLE, 1);
	if (c16(d, C_QENABLE) != 1)
		return false;
	d->next = d->aidx = d->uidx = d->id = 0;
	w8(d, C_STATUS, S_UP);
	return status(d) == S_UP;
}

static bool dev_init(struct vdev *d)
{
	return dev_init_at(d, RING(d->idx));
}

/* ---- building requests ---- */
struct vb {
	u64 a;
	u32 l;
	u16 f;		/* D_WRITE, D_INDIRECT */
};

static void hdr_set(u64 h, u32 type, u64 sector)
{
	m32(h, type);
	m32(h + 4, 0);
	m64(h + 8, sector);
}

/* Split: descriptor i of table t. */
static void sd(u64 t, u16 i, u64 addr, u32 len, u16 flags, u16 next)
{
	u64 p = t + i * 16UL;

	m64(p, addr);
	m32(p + 8, len);
	m16(p + 12, flags);
	m16(p + 14, next);
}

/*
 * Entry i of an indirect table at t: split format (flags, next), or
 * packed (id, flags: a packed table is its chain in order, no NEXT).
 */
static void tsd(struct vdev *d, u64 t, u16 i, u64 addr, u32 len, u16 flags)
{
	u64 p = t + i * 16UL;

	m64(p, addr);
	m32(p + 8, len);
	if (d->packed) {
		m16(p + 12, 0);
		m16(p + 14, flags & ~D_NEXT);
	} else {
		m16(p + 12, flags);
		m16(p + 14, i + 1);
	}
}

/* Split: make head available (the entry, then the index). */
static void avail_put(struct vdev *d, u16 head)
{
	m16(d->avail + 4 + 2 * (d->aidx & (d->qsz - 1)), head);
	barrier();
	d->aidx++;
	m16(d->avail + 2, d->aidx);
	barrier();
}

/* Packed: the driver's wrap counter at slot count c; descriptor flags. */
static bool pwrap(struct vdev *d, u16 c)
{
	return !((c / d->qsz) & 1);
}

static u16 pflags(struct vdev *d, u16 c, u16 f)
{
	return f | (pwrap(d, c) ? D_AVAIL : D_USED);
}

static u64 pslot(struct vdev *d, u16 c)
{
	return d->desc + (c & (d->qsz - 1)) * 16UL;
}

/* Packed: descriptor at count c, its flags written last. */
static void pd_set(struct vdev *d, u16 c, u64 addr, u32 len, u16 id, u16 flags)
{
	u64 p = pslot(d, c);

	m64(p, addr);
	m32(p + 8, len);
	m16(p + 12, id);
	barrier();
	m16(p + 14, flags);
	barrier();
}

/* Post a chain of n buffers (not notified); returns its head/id. */
static u16 post(struct vdev *d, const struct vb *b, int n)
{
	int k;

	if (!d->packed) {
		u16 head = d->next, i = head;

		for (k = 0; k < n; k++) {
			u16 nx = (i + 1) & (d->qsz - 1);

			sd(d->desc, i, b[k].a, b[k].l, b[k].f | (k + 1 < n ? D_NEXT : 0), nx);
			i = nx;
		}
		d->next = i;
		avail_put(d, head);
		return head;
	} else {
		u16 id = d->id++ & (d->qsz - 1), c = d->next;

		/* the head's flags last: the chain is the device's from then on */
		for (k = n - 1; k >= 0; k--)
			pd_set(d, c + k, b[k].a, b[k].l, id,
			       pflags(d, c + k, b[k].f | (k + 1 < n ? D_NEXT : 0)));
		d->id_slots[id] = n;
		d->next += n;
		return id;
	}
}

/* Wait for the next used entry: 0, R_BROKEN or R_TIMEOUT. */
static int reap(struct vdev *d, u16 *id)
{
	tmo_begin();
	for (;;) {
		if (!d->packed && g16(d->used + 2) != d->uidx) {
			u64 e = d->used + 4 + 8 * (d->uidx & (d->qsz - 1));

			barrier();
			*id = g32(e);
			d->ulen = g32(e + 4);
			d->uidx++;
			return 0;
		}
		if (d->packed) {
			u16 fl = g16(pslot(d, d->uidx) + 14);
			bool w = pwrap(d, d->uidx);

			if (!!(fl & D_AVAIL) == w && !!(fl & D_USED) == w) {
				barrier();
				*id = g16(pslot(d, d->uidx) + 12);
				d->ulen = g32(pslot(d, d->uidx) + 8);
				d->uidx += d->id_slots[*id & (d->qsz - 1)] ?: 1;
				return 0;
			}
		}
		if (status(d) & S_NEEDS_RESET) {
			d->isr_seen = isr_read(d);
			return R_BROKEN;
		}
		if (tmo_over())
			return R_TIMEOUT;
	}
}

/* How many used entries the device has returned that we have not taken. */
static int used_count(struct vdev *d)
{
	int n = 0;
	u16 c = d->uidx;

	if (!d->packed)
		return (u16)(g16(d->used + 2) - d->uidx);
	for (;;) {
		u16 fl = g16(pslot(d, c) + 14);
		bool w = pwrap(d, c);

		if (!!(fl & D_AVAIL) != w || !!(fl & D_USED) != w || n >= d->qsz)
			return n;
		c += d->id_slots[g16(pslot(d, c) + 12) & (d->qsz - 1)] ?: 1;
		n++;
	}
}

/* Short look: did anything come back or break within a few hundred polls? */
static bool quiet(struct vdev *d, unsigned int polls)
{
	while (polls--) {
		if (!d->packed && g16(d->used + 2) != d->uidx)
			return false;
		if (d->packed) {
			u16 fl = g16(pslot(d, d->uidx) + 14);
			bool w = pwrap(d, d->uidx);

			if (!!(fl & D_AVAIL) == w && !!(fl & D_USED) == w)
				return false;
		}
		if (status(d) & S_NEEDS_RESET)
			return false;
	}
	return true;
}

/* Post, notify and wait for one chain whose status byte is at st. */
static int run(struct vdev *d, const struct vb *b, int n, u64 st)
{
	u16 id;
	int r;

	if (st)
		*(volatile u8 *)st = ST_UNTOUCHED;
	post(d, b, n);
	kick(d);
	r = reap(d, &id);
	if (r)
		return r;
	if (!st)
		return R_NOSTATUS;
	r = *(volatile u8 *)st;
	return r == ST_UNTOUCHED ? R_NOSTATUS : r;
}

/* The usual three buffers: header, data (writable unless the type reads it), status. */
static int rq(struct vdev *d, u32 type, u64 sector, u64 buf, u32 len)
{
	bool dev_reads = type == T_OUT || type == T_DISCARD || type == T_WRITE_ZEROES;
	struct vb b[3];
	int n = 0;

	hdr_set(HDR(d->idx, 0), type, sector);
	b[n++] = (struct vb){ HDR(d->idx, 0), 16, 0 };
	if (len)
		b[n++] = (struct vb){ buf, len, dev_reads ? 0 : D_WRITE };
	b[n++] = (struct vb){ STAT(d->idx, 0), 1, D_WRITE };
	return run(d, b, n, STAT(d->idx, 0));
}

static int read_disk(struct vdev *d, u64 lba, u32 n, u64 buf)
{
	memset((void *)buf, 0x5a, n * 512UL);
	return rq(d, T_IN, lba, buf, n * 512);
}

static bool good_read(struct vdev *d)
{
	int r = read_disk(d, 100, 8, DATA);

	if (r || !verify(DATA, 100, 8)) {
		diag("%s: the 4 KiB read of LBA 100: %s (%#x), status %#x", d->name,
		     rname(r), r, status(d));
		return false;
	}
	return true;
}

/*
 * The documented recovery (reset and set up again when the device is
 * broken, or when the caller left it unusable: reinit), then a checked
 * 4 KiB read; a second reset if that failed, so that later cases start
 * from a working device.
 */
static bool recover(struct vdev *d, bool reinit)
{
	bool ok;

	if (reinit || (status(d) & S_NEEDS_RESET) || status(d) != S_UP)
		ok = dev_init(d) && good_read(d);
	else
		ok = good_read(d);
	if (!ok && !(dev_init(d) && good_read(d)))
		diag("%s: still broken after a second reset", d->name);
	return ok;
}

/* A case judged by cond (evaluated first), then recover(); one KTAP line. */
#define CHECK(d, cond, reinit, ...) do {					\
	bool _c = (cond), _r = recover((d), (reinit));			\
	n_test++;							\
	if (!(_c && _r))						\
		n_fail++;						\
	printf("%s %d - %s: ", _c && _r ? "ok" : "not ok", n_test, (d)->name); \
	printf(__VA_ARGS__);						\
	puts(_r ? ", then a good 4 KiB read\n" : ", NO GOOD READ AFTER RECOVERY\n"); \
} while (0)

/*
 * One attack's verdict: the outcome must be `expect` (a NEEDS_RESET one
 * with the configuration bit in the ISR), and after the documented
 * recovery a checked 4 KiB read must work.
 */
static void verdict(struct vdev *d, int r, int expect, const char *what)
{
	u8 isr = d->isr_seen;
	bool isr_ok = r != R_BROKEN || (isr & 2);

	d->isr_seen = 0;
	CHECK(d, r == expect && isr_ok, r == R_BROKEN || r == R_TIMEOUT,
	      "%s: %s%s (%#x, expected %s)", what, rname(r),
	      r == R_BROKEN ? (isr_ok ? ", ISR config bit set" : ", ISR config bit NOT set") : "",
	      r, rname(expect));
}

static int batch(struct vdev *d, int n, bool ind, u64 lba0);

/* ---- setup ---- */
static u64 cmos_ram_end(void)
{
	u32 above16;

	outb(0x70, 0x34);
	above16 = inb(0x71);
	outb(0x70, 0x35);
	above16 |= inb(0x71) << 8;
	return (16UL << 20) + ((u64)above16 << 16);
}

static u64 dcfg64(struct vdev *d, u32 off)
{
	return rr(d, d->devcfg + off, 4) | rr(d, d->devcfg + off + 4, 4) << 32;
}

static bool t_setup(struct vdev *d)
{
	bool ok;

	ok = parse_caps(d);
	T(ok, "%s: %04x:%04x at 00:%02x.0, capabilities common/notify/ISR/device in BAR %d, PCI cfg access at %#x",
	  d->name, VENDOR_VIRTIO, d->devid, d->bdf >> 11, d->bar, d->pcicfg);
	if (!ok)
		return false;
	diag("%s: common %#x ISR %#x device %#x notify %#x (x%u, %u bytes)", d->name,
	     d->common, d->isr, d->devcfg, d->notify, d->notify_mult, d->notify_len);
	ok = map_bar(d, BAR_BASE(d->idx));
	T(ok && d->bar_mask && ~(d->bar_mask & ~0xfu) + 1 >= 0x4000,
	  "%s: BAR %d sized %#x, mapped at %#lx, decode and bus master on", d->name,
	  d->bar, ~(d->bar_mask & ~0xfu) + 1, d->base);
	if (!ok)
		return false;
	dev_reset(d);
	dev_features(d);
	d->capacity = dcfg64(d, 0);
	T((d->dfeat & BIT(F_VERSION_1)) && !!(d->dfeat & BIT(F_RO)) == (d->idx >= 1) &&
	  d->capacity == DISK_SECT,
	  "%s: features %#lx (VERSION_1, RO %s), capacity %lu sectors", d->name, d->dfeat,
	  d->idx ? "offered" : "not offered", d->capacity);
	d->want = BIT(F_VERSION_1) | BIT(F_INDIRECT) | BIT(F_RO) | BIT(F_FLUSH) |
		  BIT(F_BLK_SIZE) | BIT(F_SEG_MAX) | BIT(F_SIZE_MAX) |
		  BIT(F_DISCARD) | BIT(F_WRITE_ZEROES);
	d->qsz = QSZ;
	ok = dev_init(d);
	T(ok, "%s: reset, ACK, DRIVER, features %#lx, FEATURES_OK, queue 0 of %u (max %u, %u queues), DRIVER_OK",
	  d->name, d->feat, d->qsz, d->qmax, d->nq);
	if (!ok)
		return false;
	ok = good_read(d) && read_disk(d, 0, 8, DATA) == 0 && verify(DATA, 0, 8) &&
	     d->ulen == 4097;
	T(ok, "%s: reads of LBA 0 and 100: the host file's pattern, used length %u", d->name,
	  d->ulen);
	return ok;
}

/* ---- feature negotiation and status ---- */
/* Reset, ACK, DRIVER, features f, FEATURES_OK asked for; the status read back. */
static u8 negotiate(struct vdev *d, u64 f)
{
	dev_reset(d);
	w8(d, C_STATUS, S_ACK);
	w8(d, C_STATUS, S_ACK | S_DRIVER);
	set_features(d, f);
	w8(d, C_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	return status(d);
}

static void t_features(struct vdev *d)
{
	u8 st, st2;
	u16 en;
	bool ok;

	st = negotiate(d, 0);
	w8(d, C_STATUS, S_UP);
	st2 = status(d);
	w16(d, C_QSEL, 0);
	w16(d, C_QENABLE, 1);
	en = c16(d, C_QENABLE);
	CHECK(d, !(st & S_FEATURES_OK) && !(st2 & S_DRIVER_OK) && !en, true,
	      "FEATURES_OK without VERSION_1 refused (status %#x), DRIVER_OK then refused (%#x), queue_enable stays %u",
	      st, st2, en);
	st = negotiate(d, BIT(F_VERSION_1) | BIT(63) | BIT(40));
	CHECK(d, !(st & S_FEATURES_OK), true,
	      "FEATURES_OK with features never offered (63, 40) refused (status %#x)", st);
	if (!(d->dfeat & BIT(F_PACKED))) {
		st = negotiate(d, BIT(F_VERSION_1) | BIT(F_PACKED));
		CHECK(d, !(st & S_FEATURES_OK), true,
		      "FEATURES_OK with RING_PACKED not offered refused (status %#x)", st);
	}

	/* feature words past the second: read 0, writes ignored */
	negotiate(d, 0);
	w32(d, C_DFSEL, 2);
	ok = c32(d, C_DF) == 0;
	w32(d, C_DFSEL, 0xffffffff);
	ok = ok && c32(d, C_DF) == 0;
	set_features(d, d->want & d->dfeat);
	w32(d, C_GFSEL, 2);
	w32(d, C_GF, ~0u);
	w32(d, C_GFSEL, 0x80000000u);
	w32(d, C_GF, ~0u);
	w8(d, C_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	st = status(d);
	CHECK(d, ok && (st & S_FEATURES_OK), true,
	      "feature selects 2, 2^32-1, 2^31: device features read 0, driver feature writes ignored (FEATURES_OK: status %#x)",
	      st);

	/* features are fixed once FEATURES_OK is set */
	ok = dev_init(d);
	set_features(d, BIT(F_VERSION_1) | BIT(F_EVENT_IDX) | BIT(63));
	w32(d, C_GFSEL, 0);
	ok = ok && c32(d, C_GF) == (u32)d->feat;
	w32(d, C_GFSEL, 1);
	ok = ok && c32(d, C_GF) == d->feat >> 32;
	CHECK(d, ok, false, "driver features written after FEATURES_OK are ignored");

	/* a driver's NEEDS_RESET; a status dropping FEATURES_OK */
	w8(d, C_STATUS, S_UP | S_NEEDS_RESET);
	st = status(d);
	CHECK(d, st == S_UP, false, "a NEEDS_RESET the driver writes is not taken (status %#x)", st);
	w8(d, C_STATUS, S_ACK | S_DRIVER | S_DRIVER_OK);
	st = status(d);
	CHECK(d, true, true, "status 0x07 (FEATURES_OK dropped) while running reads %#x; reset", st);

	/* wrong-width accesses to common registers: ignored */
	rw(d, d->common + C_STATUS, 4, 0);
	rw(d, d->common + C_STATUS, 2, 0);
	rw(d, d->common + C_QSEL, 1, 7);
	rw(d, d->common + C_QSIZE, 4, 0);
	rw(d, d->common + C_DFSEL, 8, ~0UL);
	rw(d, d->common + C_QDESC + 2, 2, 0xdead);
	st = status(d);
	ok = st == S_UP && c16(d, C_QSEL) == 0 && c64(d, C_QDESC) == d->desc;
	CHECK(d, ok, false,
	      "32- and 16-bit writes to device_status, 8-bit to queue_select, misaligned to queue_desc: ignored (status %#x)",
	      st);

	/* accesses straddling the BAR's end (reads float or read 0, writes drop) */
	{
		u64 v8 = rr(d, 0x7ffc, 8);
		u32 v4 = rr(d, 0x7ffe, 4);

		rw(d, 0x7ffc, 8, ~0UL);
		rw(d, 0x7fff, 2, 0);
		st = status(d);
		CHECK(d, st == S_UP, false,
		      "8- and 4-byte accesses straddling the BAR's end: read %#lx and %#x, writes dropped (status %#x)",
		      v8, v4, st);
	}

	/* the device configuration is read only; past its end reads 0 */
	rw(d, d->devcfg, 4, 0);
	rw(d, d->devcfg + 8, 8, ~0UL);
	rw(d, d->devcfg + 0xfff, 1, 0xff);
	ok = dcfg64(d, 0) == d->capacity && rr(d, d->devcfg + 0xffc, 4) == 0;
	CHECK(d, ok, false, "writes to the device configuration (capacity, size_max, past its end) ignored: capacity %lu",
	      dcfg64(d, 0));
}

/* ---- queue configuration ---- */
static void t_queue_cfg(struct vdev *d)
{
	static const u16 bad_size[] = { 0, 3, 100, 512, 0x8000, 0xffff };
	static const u16 bad_q[] = { 1, 4, 16, 0x7fff, 0xffff };
	static const struct { u64 desc, avail, used; const char *what; } bad_ring[] = {
		{ 8, 0x4000, 0x8000, "descriptor table not 16-byte aligned" },
		{ 0, 0x4001, 0x8000, "available ring at an odd address" },
		{ 0, 0x4000, 0x8002, "used ring not 4-byte aligned" },
		{ 1UL << 40, 0x4000, 0x8000, "descriptor table at 1 TiB" },
		{ 0, 0x4000, 0xc0000000UL, "used ring in the PCI hole" },
		{ 0, 0x4000, ROM_ZERO, "used ring in the ROM (read-only)" },
		{ 0, 0x4000, 1, "used ring across the end of RAM" },
		{ 0, 0x4000, ~0UL - 0xfff, "used ring at the top of the address space" },
		{ 0, 0x4000, 2, "rings on the device's own BAR" },
	};
	unsigned int i;
	bool ok;

	/* sizes the device must refuse, before queue_enable */
	negotiate(d, d->want & d->dfeat);
	w16(d, C_QSEL, 0);
	w16(d, C_QSIZE, 64);
	ok = c16(d, C_QSIZE) == 64;
	for (i = 0; i < ARRAY_SIZE(bad_size); i++) {
		w16(d, C_QSIZE, bad_size[i]);
		ok = ok && c16(d, C_QSIZE) == 64;
	}
	CHECK(d, ok, true, "queue_size 0, 3, 100, 512, 0x8000, 0xffff refused (64 stays)");

	/* rings the device must refuse: queue_enable stays 0 */
	for (i = 0; i < ARRAY_SIZE(bad_ring); i++) {
		u64 rb = RING(d->idx);
		u64 ds = bad_ring[i].desc >= 0x10000 ? bad_ring[i].desc : rb + bad_ring[i].desc;
		u64 av = rb + bad_ring[i].avail;
		u64 us = bad_ring[i].used >= 0x10000 ? bad_ring[i].used : rb + bad_ring[i].used;

		if (bad_ring[i].used == 1)
			us = ram_end - 0x400;
		if (bad_ring[i].used == 2) {
			ds = d->base;
			av = d->base + 0x1000;
			us = d->base + 0x2000;
		}
		negotiate(d, d->want & d->dfeat);
		w16(d, C_QSEL, 0);
		w16(d, C_QSIZE, QSZ);
		w64(d, C_QDESC, ds);
		w64(d, C_QAVAIL, av);
		w64(d, C_QUSED, us);
		w16(d, C_QENABLE, 1);
		ok = c16(d, C_QENABLE) == 0;
		w8(d, C_STATUS, S_UP);
		CHECK(d, ok, true, "%s: queue_enable stays 0", bad_ring[i].what);
	}

	/* queues that do not exist */
	negotiate(d, d->want & d->dfeat);
	ok = true;
	for (i = 0; i < ARRAY_SIZE(bad_q); i++) {
		if (bad_q[i] < d->nq)
			continue;
		w16(d, C_QSEL, bad_q[i]);
		w16(d, C_QSIZE, 16);
		w64(d, C_QDESC, RING(d->idx));
		w64(d, C_QAVAIL, RING(d->idx) + 0x4000);
		w64(d, C_QUSED, RING(d->idx) + 0x8000);
		w16(d, C_QENABLE, 1);
		ok = ok && c16(d, C_QSIZE) == 0 && c16(d, C_QENABLE) == 0 &&
		     c64(d, C_QDESC) == 0;
	}
	CHECK(d, ok, true, "queue_select past num_queues (%u): size 0, enable 0, writes ignored", d->nq);

	/* queue registers written while the queue runs: ignored */
	ok = dev_init(d);
	w16(d, C_QSEL, 0);
	w16(d, C_QSIZE, 16);
	w64(d, C_QDESC, 1UL << 40);
	w64(d, C_QAVAIL, 0);
	w64(d, C_QUSED, ROM_ZERO);
	w16(d, C_QMSIX, 0);
	w16(d, C_QENABLE, 0);
	w16(d, C_QENABLE, 1);
	ok = ok && c16(d, C_QSIZE) == d->qsz && c64(d, C_QDESC) == d->desc &&
	     c64(d, C_QAVAIL) == d->avail && c64(d, C_QUSED) == d->used &&
	     c16(d, C_QENABLE) == 1 && c16(d, C_QMSIX) == 0xffff;
	CHECK(d, ok, false, "queue size, addresses, vector and enable written while running: ignored");

	/* a small queue: 16 entries, wrapped several times */
	d->qsz = 16;
	ok = dev_init(d);
	for (i = 0; ok && i < 40; i++)
		ok = read_disk(d, i * 8, 8, DATA) == 0 && verify(DATA, i * 8, 8);
	d->qsz = QSZ;
	CHECK(d, ok, true, "a 16-entry queue: 40 reads (the ring wraps 7 times), data right; 256 entries again");

	/* a queue of one entry: indirect reads only */
	d->qsz = 1;
	ok = dev_init(d) && d->qsz == 1;
	for (i = 0; ok && i < 10; i++)
		ok = batch(d, 1, true, i * 8) == 0;
	d->qsz = QSZ;
	CHECK(d, ok, true, "a 1-entry queue: 10 indirect reads, data right; 256 entries again");

	/* EVENT_IDX: the device writes avail_event into the used ring */
	d->want |= BIT(F_EVENT_IDX);
	ok = dev_init(d) && (d->feat & BIT(F_EVENT_IDX));
	for (i = 0; ok && i < 20; i++)
		ok = read_disk(d, i * 8, 8, DATA) == 0 && verify(DATA, i * 8, 8);
	ok = ok && g16(d->used + 4 + 8 * d->qsz) == d->aidx;
	d->want &= ~BIT(F_EVENT_IDX);
	CHECK(d, ok, true, "EVENT_IDX: 20 reads, avail_event follows the ring; EVENT_IDX off again");
}

/*
 * Rings laid over each other, so that what the device writes is what it
 * reads next: the used ring over the available ring (each used id the
 * device writes at ring position 0 becomes the available index), and the
 * used ring over the descriptor table. The device must end (working, or
 * NEEDS_RESET): the notify that starts it returns, and so does every wait.
 */
static void overlap_setup(struct vdev *d, u64 desc, u64 avail, u64 used)
{
	negotiate(d, d->want & d->dfeat);
	w16(d, C_QSEL, 0);
	w16(d, C_QSIZE, 16);
	w16(d, C_QMSIX, 0xffff);
	w64(d, C_QDESC, desc);
	w64(d, C_QAVAIL, avail);
	w64(d, C_QUSED, used);
	w16(d, C_QENABLE, 1);
}

static void t_overlap(struct vdev *d)
{
	u64 rb = RING(d->idx), h = HDR(d->idx, 0), used = rb + 0x1000;
	u16 en, i, ui, ai;
	u8 st;

	memset((void *)rb, 0, 0x10000);
	hdr_set(h, 0x7777, 0);
	for (i = 0; i < 16; i++)	/* 16 chains of one readable header each */
		sd(rb, i, h, 16, 0, 0);
	m16(used + 2 + 4, 5);		/* avail ring[0] = head 5 */
	m16(used + 2 + 2, 1);		/* avail idx 1 (= used ring[0].id) */
	overlap_setup(d, rb, used + 2, used);
	en = c16(d, C_QENABLE);
	w8(d, C_STATUS, S_UP);
	kick(d);
	quiet(d, 200);
	st = status(d);
	ui = g16(used + 2);
	ai = g16(used + 4);
	CHECK(d, en == 1 && (st == S_UP || st == (S_UP | S_NEEDS_RESET)), true,
	      "used ring over the available ring (avail idx = used id 0): the device stops (status %#x, used idx %u, avail idx %u)",
	      st, ui, ai);

	memset((void *)rb, 0, 0x10000);
	for (i = 0; i < 4; i++) {
		hdr_set(HDR(d->idx, i), T_IN, i * 8);
		sd(rb, 3 * i, HDR(d->idx, i), 16, D_NEXT, 3 * i + 1);
		sd(rb, 3 * i + 1, DATA + i * 4096UL, 4096, D_WRITE | D_NEXT, 3 * i + 2);
		sd(rb, 3 * i + 2, STAT(d->idx, i), 1, D_WRITE, 0);
		m16(rb + 0x2000 + 4 + 2 * i, 3 * i);
	}
	m16(rb + 0x2000 + 2, 4);
	overlap_setup(d, rb, rb + 0x2000, rb);
	en = c16(d, C_QENABLE);
	w8(d, C_STATUS, S_UP);
	kick(d);
	quiet(d, 2000);
	st = status(d);
	ui = g16(rb + 2);
	CHECK(d, en == 1 && (st == S_UP || st == (S_UP | S_NEEDS_RESET)), true,
	      "used ring over the descriptor table, 4 reads: the device ends (status %#x, used idx %u)",
	      st, ui);
}

/* ---- notifications ---- */
static void t_notify(struct vdev *d)
{
	struct vb b[3];
	u16 id;
	int r;
	bool q;

	/* a request made available, then notifications that are not queue 0's */
	hdr_set(HDR(d->idx, 0), T_IN, 100);
	b[0] = (struct vb){ HDR(d->idx, 0), 16, 0 };
	b[1] = (struct vb){ DATA, 4096, D_WRITE };
	b[2] = (struct vb){ STAT(d->idx, 0), 1, D_WRITE };
	memset((void *)DATA, 0, 4096);
	post(d, b, 3);
	notify_q(d, d->nq);
	notify_q(d, d->nq + 1);
	rw(d, d->notify + d->notify_len, 4, 0);
	rw(d, d->notify + 0x7fe, 2, 0);
	q = quiet(d, 500);
	kick(d);
	r = reap(d, &id);
	CHECK(d, q && r == 0 && verify(DATA, 100, 8), false,
	      "notifies of queues %u and %u and past the notify area take nothing; queue 0's then does (%s)",
	      d->nq, d->nq + 1, rname(r));

	/* a notify before DRIVER_OK: nothing happens */
	negotiate(d, d->feat);
	queue_place(d, RING(d->idx));
	w16(d, C_QENABLE, 1);
	d->next = d->aidx = d->uidx = d->id = 0;
	memset((void *)DATA, 0, 4096);
	post(d, b, 3);
	kick(d);
	q = quiet(d, 300);
	w8(d, C_STATUS, S_UP);
	/* DRIVER_OK: the device looks at the ring by itself */
	r = reap(d, &id);
	CHECK(d, q && r == 0 && verify(DATA, 100, 8), false,
	      "a notify before DRIVER_OK takes nothing; DRIVER_OK takes the request (%s)", rname(r));
}

/* ---- requests the device completes with a status byte ---- */
static void t_requests(struct vdev *d)
{
	struct vb b[260];
	u32 ulen;
	int r, i;
	u8 *id = (u8 *)MISC(d->idx);

	/* sector ranges */
	r = read_disk(d, DISK_SECT - 8, 8, DATA);
	T(r == 0 && verify(DATA, DISK_SECT - 8, 8), "%s: read of the last 8 sectors: %s, data right",
	  d->name, rname(r));
	verdict(d, read_disk(d, DISK_SECT, 8, DATA), 1, "read at the capacity");
	verdict(d, read_disk(d, DISK_SECT - 4, 8, DATA), 1, "read crossing the end");
	verdict(d, read_disk(d, 1UL << 54, 8, DATA), 1, "read at sector 2^54 (byte offset overflows)");
	verdict(d, read_disk(d, ~0UL, 1, DATA), 1, "read at sector 2^64-1");
	verdict(d, read_disk(d, ~0UL - 7, 8, DATA), 1, "read whose range wraps 2^64");

	/* writes that must not reach the disk (the suite checks the host file) */
	memset((void *)DATA2, 0xaa, 8192);
	verdict(d, rq(d, T_OUT, DISK_SECT, DATA2, 4096), 1, "write at the capacity");
	verdict(d, rq(d, T_OUT, DISK_SECT - 4, DATA2, 4096), 1, "write crossing the end");
	verdict(d, rq(d, T_OUT, 1UL << 55, DATA2, 4096), 1, "write at sector 2^55 (byte offset overflows)");
	verdict(d, rq(d, T_OUT, 0, DATA2, 1000), 1, "write of 1000 bytes (not whole sectors)");
	verdict(d, rq(d, T_OUT, 0, 0, 0), 1, "write with no data buffer");
	verdict(d, rq(d, T_OUT, 0, BIGBUF, 8 << 20), 1, "write of 8 MiB (past the disk)");

	/* sizes */
	verdict(d, rq(d, T_IN, 0, DATA, 1000), 1, "read of 1000 bytes (not whole sectors)");
	verdict(d, rq(d, T_IN, 0, DATA, 511), 1, "read of 511 bytes");
	verdict(d, rq(d, T_IN, 0, 0, 0), 1, "read with no data buffer");
	verdict(d, rq(d, T_IN, 0, BIGBUF, 8 << 20), 1, "read of 8 MiB in one buffer (past size_max and the disk)");
	verdict(d, rq(d, T_IN, 0, BIGBUF, (4 << 20) + 512), 1, "read of 4 MiB + 512 bytes");
	/* 126 data buffers (seg_max) of 512 bytes: fine; 127: too many */
	hdr_set(HDR(d->idx, 0), T_IN, 0);
	b[0] = (struct vb){ HDR(d->idx, 0), 16, 0 };
	for (i = 0; i < 127; i++)
		b[1 + i] = (struct vb){ DATA + i * 512UL, 512, D_WRITE };
	b[127] = (struct vb){ STAT(d->idx, 0), 1, D_WRITE };
	memset((void *)DATA, 0, 128 * 512);
	r = run(d, b, 128, STAT(d->idx, 0));
	T(r == 0 && verify(DATA, 0, 126), "%s: read in 126 buffers of 512 bytes (seg_max): %s, data right",
	  d->name, rname(r));
	b[128] = (struct vb){ STAT(d->idx, 0), 1, D_WRITE };
	verdict(d, run(d, b, 129, STAT(d->idx, 0)), 1, "read in 127 buffers of 512 bytes (past seg_max)");
	/* a whole-ring chain: 256 descriptors, 254 data buffers */
	for (i = 0; i < 254; i++)
		b[1 + i] = (struct vb){ DATA + i * 512UL, 512, D_WRITE };
	b[255] = (struct vb){ STAT(d->idx, 0), 1, D_WRITE };
	verdict(d, run(d, b, 256, STAT(d->idx, 0)), 1, "a chain of all 256 descriptors (254 data buffers)");

	/* misaligned buffers and odd splits: legal */
	memset((void *)DATA, 0, 8192);
	r = rq(d, T_IN, 300, DATA + 1, 4096);
	T(r == 0 && verify(DATA + 1, 300, 8), "%s: read into an odd address: %s, data right", d->name, rname(r));
	hdr_set(HDR(d->idx, 0), T_IN, 310);
	b[0] = (struct vb){ HDR(d->idx, 0), 8, 0 };
	b[1] = (struct vb){ HDR(d->idx, 0) + 8, 8, 0 };
	b[2] = (struct vb){ DATA + 3, 1, D_WRITE };
	b[3] = (struct vb){ DATA + 4, 4093, D_WRITE };
	b[4] = (struct vb){ DATA + 4097, 2, D_WRITE };
	b[5] = (struct vb){ STAT(d->idx, 0), 1, D_WRITE };
	memset((void *)DATA, 0, 8192);
	r = run(d, b, 6, STAT(d->idx, 0));
	T(r == 0 && verify(DATA + 3, 310, 8),
	  "%s: header in 2 buffers of 8 bytes, data in 1 + 4093 + 2 bytes: %s, data right", d->name, rname(r));
	/* data and status in one buffer (no framing assumed) */
	hdr_set(HDR(d->idx, 0), T_IN, 320);
	b[0] = (struct vb){ HDR(d->idx, 0), 16, 0 };
	b[1] = (struct vb){ DATA, 4097, D_WRITE };
	memset((void *)DATA, 0, 8192);
	r = run(d, b, 2, DATA + 4096);
	T(r == 0 && verify(DATA, 320, 8) && d->ulen == 4097,
	  "%s: data and status byte in one 4097-byte buffer: %s, data right, used length %u",
	  d->name, rname(r), d->ulen);
	/* one data buffer larger than size_max: the device may take it */
	memset((void *)DATA, 0, 0x20000);
	r = rq(d, T_IN, 0, DATA, 0x10000);
	CHECK(d, r == 1 || (r == 0 && verify(DATA, 0, 128)), false,
	      "read of 64 KiB in one buffer (twice size_max): %s", rname(r));

	/* directions */
	hdr_set(HDR(d->idx, 0), T_IN, 0);
	b[0] = (struct vb){ HDR(d->idx, 0), 16, 0 };
	b[1] = (struct vb){ DATA, 4096, 0 };
	b[2] = (struct vb){ STAT(d->idx, 0), 1, D_WRITE };
	verdict(d, run(d, b, 3, STAT(d->idx, 0)), 1, "read whose data buffer the device may only read");
	hdr_set(HDR(d->idx, 0), T_OUT, SCRATCH);
	b[1] = (struct vb){ DATA, 4096, D_WRITE };
	verdict(d, run(d, b, 3, STAT(d->idx, 0)), 1, "write whose data buffer is device-writable (no data)");
	hdr_set(HDR(d->idx, 0), T_IN, 0);
	b[0] = (struct vb){ HDR(d->idx, 0), 8, 0 };
	b[1] = (struct vb){ DATA, 4096, D_WRITE };
	verdict(d, run(d, b, 3, STAT(d->idx, 0)), 1, "header of 8 bytes");
	b[0] = (struct vb){ HDR(d->idx, 0), 16, D_WRITE };
	verdict(d, run(d, b, 3, STAT(d->idx, 0)), 1, "header in a device-writable buffer");
	/* no status buffer: the data buffer's last byte is the status */
	hdr_set(HDR(d->idx, 0), T_IN, 0);
	b[0] = (struct vb){ HDR(d->idx, 0), 16, 0 };
	b[1] = (struct vb){ DATA, 4096, D_WRITE };
	verdict(d, run(d, b, 2, DATA + 4095), 1, "read with no status buffer (4095 data bytes)");
	/* nothing writable: the device returns the chain untouched */
	b[0] = (struct vb){ HDR(d->idx, 0), 16, 0 };
	b[1] = (struct vb){ STAT(d->idx, 0), 1, 0 };
	*(volatile u8 *)STAT(d->idx, 0) = ST_UNTOUCHED;
	r = run(d, b, 2, 0);
	ulen = d->ulen;
	CHECK(d, r == R_NOSTATUS && ulen == 0 && *(volatile u8 *)STAT(d->idx, 0) == ST_UNTOUCHED,
	      false, "status buffer device-readable (nothing writable): %s, used length %u, nothing written",
	      rname(r), ulen);

	/* types */
	verdict(d, rq(d, 2, 0, DATA, 4096), 2, "request type 2 (T_SCSI_CMD)");
	verdict(d, rq(d, 7, 0, DATA, 4096), 2, "request type 7");
	verdict(d, rq(d, 0x80000000u, 0, DATA, 4096), 2, "request type 0x80000000");
	verdict(d, rq(d, ~0u, 0, DATA, 4096), 2, "request type 0xffffffff");
	verdict(d, rq(d, T_FLUSH, 0, 0, 0), 0, "FLUSH");
	verdict(d, rq(d, T_FLUSH, ~0UL, DATA, 4096), 0, "FLUSH with a sector and a data buffer");
	memset(id, 0, 32);
	r = rq(d, T_GET_ID, 0, (u64)id, 20);
	T(r == 0 && !memcmp(id, "vmm-", 4), "%s: GET_ID: %s, \"%s\"", d->name, rname(r), (char *)id);
	memset(id, 0, 32);
	r = rq(d, T_GET_ID, 0, (u64)id, 3);
	T(r == 0 && !memcmp(id, "vmm", 3) && !id[3] && d->ulen == 4,
	  "%s: GET_ID into 3 bytes: %s, 3 bytes written, used length %u", d->name, rname(r), d->ulen);
	verdict(d, rq(d, T_GET_ID, 0, 0, 0), 0, "GET_ID with no data buffer");

	/* the header from the ROM's zeros: T_IN of sector 0 */
	b[0] = (struct vb){ ROM_ZERO, 16, 0 };
	b[1] = (struct vb){ DATA, 4096, D_WRITE };
	b[2] = (struct vb){ STAT(d->idx, 0), 1, D_WRITE };
	memset((void *)DATA, 0, 4096);
	r = run(d, b, 3, STAT(d->idx, 0));
	T(r == 0 && verify(DATA, 0, 8), "%s: header read from the ROM (zeros: a read of sector 0): %s, data right",
	  d->name, rname(r));
}

/* discard and write-zeroes with bad ranges: never a change on the host */
static int range_rq(struct vdev *d, u32 type, u64 sector, u32 n, u32 flags, u32 bytes)
{
	u64 r = MISC(d->idx) + 0x100;
	struct vb b[3];

	m64(r, sector);
	m32(r + 8, n);
	m32(r + 12, flags);
	m64(r + 16, sector);
	m32(r + 24, n);
	m32(r + 28, flags);
	hdr_set(HDR(d->idx, 0), type, 0);
	b[0] = (struct vb){ HDR(d->idx, 0), 16, 0 };
	b[1] = (struct vb){ r, bytes, 0 };
	b[2] = (struct vb){ STAT(d->idx, 0), 1, D_WRITE };
	return run(d, b, 3, STAT(d->idx, 0));
}

static void t_ranges(struct vdev *d)
{
	static const u32 types[] = { T_DISCARD, T_WRITE_ZEROES };
	static const u32 feats[] = { F_DISCARD, F_WRITE_ZEROES };
	static const char *const names[] = { "DISCARD", "WRITE_ZEROES" };
	unsigned int k;

	for (k = 0; k < 2; k++) {
		u32 t = types[k];
		const char *n = names[k];

		if (!(d->dfeat & BIT(feats[k]))) {
			diag("%s: %s not offered", d->name, n);
			verdict(d, range_rq(d, t, 0, 8, 0, 16), 2, "a request type not offered");
			continue;
		}
		/* flags: DISCARD has none, WRITE_ZEROES only unmap (bit 0) */
		verdict(d, range_rq(d, t, SCRATCH, 8, t == T_DISCARD ? 1 : 2, 16), 2,
			t == T_DISCARD ? "DISCARD with the unmap flag" : "WRITE_ZEROES with flag bit 1");
		verdict(d, range_rq(d, t, SCRATCH, 8, 0x80000000u, 16), 2,
			t == T_DISCARD ? "DISCARD with flag bit 31" : "WRITE_ZEROES with flag bit 31");
		verdict(d, range_rq(d, t, SCRATCH, 0, 0, 16), 1,
			t == T_DISCARD ? "DISCARD of 0 sectors" : "WRITE_ZEROES of 0 sectors");
		verdict(d, range_rq(d, t, DISK_SECT - 4, 8, 0, 16), 1,
			t == T_DISCARD ? "DISCARD crossing the end" : "WRITE_ZEROES crossing the end");
		verdict(d, range_rq(d, t, ~0UL - 3, 8, 0, 16), 1,
			t == T_DISCARD ? "DISCARD at sector 2^64-4" : "WRITE_ZEROES at sector 2^64-4");
		verdict(d, range_rq(d, t, 0, ~0u, 0, 16), 1,
			t == T_DISCARD ? "DISCARD of 2^32-1 sectors" : "WRITE_ZEROES of 2^32-1 sectors");
		verdict(d, range_rq(d, t, SCRATCH, 8, 0, 32), 1,
			t == T_DISCARD ? "DISCARD of 2 ranges (max_discard_seg 1)" :
			"WRITE_ZEROES of 2 ranges (max_write_zeroes_seg 1)");
		verdict(d, range_rq(d, t, SCRATCH, 8, 0, 8), 1,
			t == T_DISCARD ? "DISCARD with a half range" : "WRITE_ZEROES with a half range");
		verdict(d, range_rq(d, t, SCRATCH, 8, 0, 15), 1,
			t == T_DISCARD ? "DISCARD with a 15-byte range" : "WRITE_ZEROES with a 15-byte range");
	}
}

/* ---- broken rings: NEEDS_RESET ---- */
/* Split: make head available and notify. */
static void publish(struct vdev *d, u16 head)
{
	avail_put(d, head);
	kick(d);
}

/* The next used entry, or NEEDS_RESET, or a timeout. */
static int outcome(struct vdev *d)
{
	u16 id;

	return reap(d, &id);
}

/* a split chain of raw descriptors at index 0.., head 0 */
static int raw_chain(struct vdev *d, const struct vb *b, int n, const u16 *next, u16 head)
{
	int k;

	for (k = 0; k < n; k++)
		sd(d->desc, k, b[k].a, b[k].l, b[k].f, next ? next[k] : k + 1);
	*(volatile u8 *)STAT(d->idx, 0) = ST_UNTOUCHED;
	publish(d, head);
	return outcome(d);
}

static void t_split_rings(struct vdev *d)
{
	u64 h = HDR(d->idx, 0), s = STAT(d->idx, 0), ind = IND(d->idx);
	struct vb b[4];
	u16 nx[4];
	int r, i;
	bool q;

	hdr_set(h, T_IN, 0);
	/* head index past the ring */
	r = raw_chain(d, NULL, 0, NULL, QSZ);
	verdict(d, r, R_BROKEN, "available head 256 (ring of 256)");
	r = raw_chain(d, NULL, 0, NULL, 0xffff);
	verdict(d, r, R_BROKEN, "available head 0xffff");
	/* next past the ring */
	b[0] = (struct vb){ h, 16, D_NEXT };
	b[1] = (struct vb){ DATA, 4096, D_WRITE | D_NEXT };
	b[2] = (struct vb){ s, 1, D_WRITE };
	nx[0] = 1;
	nx[1] = QSZ + 5;
	nx[2] = 0;
	verdict(d, raw_chain(d, b, 3, nx, 0), R_BROKEN, "next index 261 (ring of 256)");
	/* loops */
	nx[1] = 0;
	verdict(d, raw_chain(d, b, 3, nx, 0), R_BROKEN, "a loop 0 -> 1 -> 0");
	nx[1] = 1;
	verdict(d, raw_chain(d, b, 3, nx, 0), R_BROKEN, "a descriptor whose next is itself");
	for (i = 0; i < QSZ; i++)
		sd(d->desc, i, DATA + i * 16UL, 16, D_NEXT | D_WRITE, (i + 1) & (QSZ - 1));
	sd(d->desc, 0, h, 16, D_NEXT, 1);
	*(volatile u8 *)s = ST_UNTOUCHED;
	publish(d, 0);
	verdict(d, outcome(d), R_BROKEN, "a loop through all 256 descriptors");

	/* lengths and order */
	b[1] = (struct vb){ DATA, 0, D_WRITE | D_NEXT };
	nx[1] = 2;
	verdict(d, raw_chain(d, b, 3, nx, 0), R_BROKEN, "a data buffer of length 0");
	b[1] = (struct vb){ DATA, 4096, D_WRITE | D_NEXT };
	b[2] = (struct vb){ s, 0, D_WRITE };
	verdict(d, raw_chain(d, b, 3, nx, 0), R_BROKEN, "a status buffer of length 0");
	b[2] = (struct vb){ s, 1, 0 };
	verdict(d, raw_chain(d, b, 3, nx, 0), R_BROKEN, "status buffer device-readable after the data (readable after writable)");
	b[2] = (struct vb){ s, 1, D_WRITE | D_NEXT };
	b[3] = (struct vb){ h, 16, 0 };
	nx[2] = 3;
	nx[3] = 0;
	verdict(d, raw_chain(d, b, 4, nx, 0), R_BROKEN, "a readable buffer after the status buffer");
	/* 20 x 40 MiB: a chain may have it, a request not; 30 x 40 MiB: not even a chain */
	for (i = 0; i < 30; i++)
		sd(d->desc, 1 + i, BIGBUF, 40 << 20, D_WRITE | D_NEXT, 2 + i);
	sd(d->desc, 0, h, 16, D_NEXT, 1);
	sd(d->desc, 21, s, 1, D_WRITE, 0);
	*(volatile u8 *)s = ST_UNTOUCHED;
	publish(d, 0);
	r = outcome(d);
	verdict(d, r ? r : *(volatile u8 *)s, 1, "20 writable buffers of 40 MiB (800 MiB: more than a request may have)");
	for (i = 0; i < 30; i++)
		sd(d->desc, 1 + i, BIGBUF, 40 << 20, D_WRITE | D_NEXT, 2 + i);
	sd(d->desc, 0, h, 16, D_NEXT, 1);
	sd(d->desc, 31, s, 1, D_WRITE, 0);
	publish(d, 0);
	verdict(d, outcome(d), R_BROKEN, "30 writable buffers of 40 MiB (1.2 GiB: more than a chain may have)");

	/* addresses */
	{
		static const struct { u64 a; u32 l; const char *what; } bad[] = {
			{ 1UL << 40, 4096, "data buffer at 1 TiB" },
			{ 0xc0000000UL, 4096, "data buffer in the PCI hole" },
			{ 0, 4096, NULL },	/* the device's BAR, filled in below */
			{ ROM_ZERO, 4096, "data buffer in the ROM (read-only)" },
			{ 0, 8192, NULL },	/* across the end of RAM */
			{ ~0UL - 0xfff, 8192, "data buffer wrapping the address space" },
		};
		unsigned int k;

		for (k = 0; k < ARRAY_SIZE(bad); k++) {
			u64 a = bad[k].a;
			const char *what = bad[k].what;

			if (k == 2) {
				a = d->base;
				what = "data buffer on the device's own BAR";
			} else if (k == 4) {
				a = ram_end - 4096;
				what = "data buffer across the end of RAM";
			}
			b[0] = (struct vb){ h, 16, D_NEXT };
			b[1] = (struct vb){ a, bad[k].l, D_WRITE | D_NEXT };
			b[2] = (struct vb){ s, 1, D_WRITE };
			hdr_set(h, T_IN, 0);
			verdict(d, raw_chain(d, b, 3, NULL, 0), R_BROKEN, what);
		}
		b[0] = (struct vb){ 1UL << 40, 16, D_NEXT };
		b[1] = (struct vb){ DATA, 4096, D_WRITE | D_NEXT };
		verdict(d, raw_chain(d, b, 3, NULL, 0), R_BROKEN, "header at 1 TiB");
		b[0] = (struct vb){ h, 16, D_NEXT };
		b[2] = (struct vb){ ROM_ZERO, 1, D_WRITE };
		verdict(d, raw_chain(d, b, 3, NULL, 0), R_BROKEN, "status byte in the ROM");
		b[2] = (struct vb){ d->base + d->common + C_STATUS, 1, D_WRITE };
		verdict(d, raw_chain(d, b, 3, NULL, 0), R_BROKEN, "status byte on device_status in the BAR");
	}

	/* the available index running ahead by more than the ring */
	hdr_set(h, T_IN, 0);
	sd(d->desc, 0, h, 16, D_NEXT, 1);
	sd(d->desc, 1, DATA, 4096, D_WRITE | D_NEXT, 2);
	sd(d->desc, 2, s, 1, D_WRITE, 0);
	for (i = 0; i < QSZ; i++)
		m16(d->avail + 4 + 2 * i, 0);
	/* (the device has taken d->aidx entries: the recovery's read) */
	m16(d->avail + 2, d->aidx + QSZ + 1);
	kick(d);
	verdict(d, outcome(d), R_BROKEN, "avail idx 257 ahead (ring of 256)");
	m16(d->avail + 2, d->aidx + 0x8000);
	kick(d);
	verdict(d, outcome(d), R_BROKEN, "avail idx 0x8000 ahead");
	m16(d->avail + 2, d->aidx - 1);
	kick(d);
	verdict(d, outcome(d), R_BROKEN, "avail idx one behind the device's");

	/* once broken, the device takes nothing until reset */
	r = raw_chain(d, NULL, 0, NULL, QSZ);
	d->isr_seen = 0;
	hdr_set(h, T_IN, 100);
	b[0] = (struct vb){ h, 16, 0 };
	b[1] = (struct vb){ DATA, 4096, D_WRITE };
	b[2] = (struct vb){ s, 1, D_WRITE };
	memset((void *)DATA, 0, 4096);
	d->next = 8;
	post(d, b, 3);
	kick(d);
	for (i = 0, q = true; i < 300 && q; i++)
		q = g16(d->used + 2) == d->uidx;
	q = q && all_bytes(DATA, 0, 4096);
	w8(d, C_STATUS, S_UP);
	CHECK(d, r == R_BROKEN && q && (status(d) & S_NEEDS_RESET), true,
	      "a broken device takes no request, and a status write keeps NEEDS_RESET (status %#x); reset",
	      status(d));

	/* indirect tables */
	if (!(d->feat & BIT(F_INDIRECT))) {
		T(false, "%s: VIRTIO_F_INDIRECT_DESC offered", d->name);
		return;
	}
	hdr_set(h, T_IN, 200);
	sd(ind, 0, h, 16, D_NEXT, 1);
	sd(ind, 1, DATA, 4096, D_WRITE | D_NEXT, 2);
	sd(ind, 2, s, 1, D_WRITE, 0);
	b[0] = (struct vb){ ind, 48, D_INDIRECT };
	memset((void *)DATA, 0, 4096);
	r = raw_chain(d, b, 1, NULL, 0);
	r = r ? r : *(volatile u8 *)s;
	CHECK(d, r == 0 && verify(DATA, 200, 8), false, "an indirect table of 3: %s, data right", rname(r));
	/* indirect in indirect */
	sd(ind + 0x100, 0, ind, 48, D_INDIRECT, 0);
	b[0] = (struct vb){ ind + 0x100, 16, D_INDIRECT };
	verdict(d, raw_chain(d, b, 1, NULL, 0), R_BROKEN, "an indirect table inside an indirect table");
	sd(ind + 0x100, 0, h, 16, D_NEXT, 1);
	sd(ind + 0x100, 1, ind, 32, D_INDIRECT, 0);
	b[0] = (struct vb){ ind + 0x100, 32, D_INDIRECT };
	verdict(d, raw_chain(d, b, 1, NULL, 0), R_BROKEN, "an indirect descriptor as the 2nd entry of an indirect table");
	b[0] = (struct vb){ ind, 48, D_INDIRECT | D_NEXT };
	b[1] = (struct vb){ s, 1, D_WRITE };
	verdict(d, raw_chain(d, b, 2, NULL, 0), R_BROKEN, "an indirect descriptor with NEXT");
	b[0] = (struct vb){ h, 16, D_NEXT };
	b[1] = (struct vb){ ind + 16, 32, D_INDIRECT };
	verdict(d, raw_chain(d, b, 2, NULL, 0), R_BROKEN, "an indirect descriptor after a direct one");
	b[0] = (struct vb){ ind, 40, D_INDIRECT };
	verdict(d, raw_chain(d, b, 1, NULL, 0), R_BROKEN, "an indirect table of 40 bytes (not a multiple of 16)");
	b[0] = (struct vb){ ind, 0, D_INDIRECT };
	verdict(d, raw_chain(d, b, 1, NULL, 0), R_BROKEN, "an indirect table of 0 bytes");
	b[0] = (struct vb){ 1UL << 40, 48, D_INDIRECT };
	verdict(d, raw_chain(d, b, 1, NULL, 0), R_BROKEN, "an indirect table at 1 TiB");
	b[0] = (struct vb){ ram_end - 32, 48, D_INDIRECT };
	verdict(d, raw_chain(d, b, 1, NULL, 0), R_BROKEN, "an indirect table across the end of RAM");
	b[0] = (struct vb){ d->base, 48, D_INDIRECT };
	verdict(d, raw_chain(d, b, 1, NULL, 0), R_BROKEN, "an indirect table on the device's BAR");
	sd(ind, 2, s, 1, D_WRITE | D_NEXT, 1);
	b[0] = (struct vb){ ind, 48, D_INDIRECT };
	verdict(d, raw_chain(d, b, 1, NULL, 0), R_BROKEN, "a loop inside an indirect table (2 -> 1)");
	sd(ind, 2, s, 1, D_WRITE | D_NEXT, 3);
	verdict(d, raw_chain(d, b, 1, NULL, 0), R_BROKEN, "next past the end of an indirect table");
	sd(ind, 2, s, 1, D_WRITE, 0);
	/* 261 entries: more than a chain may have; 260: legal size, past seg_max */
	for (i = 0; i < 261; i++)
		sd(ind + 0x1000, i, DATA + i * 512UL, 512, D_WRITE | D_NEXT, i + 1);
	sd(ind + 0x1000, 0, h, 16, D_NEXT, 1);
	sd(ind + 0x1000, 260, s, 1, D_WRITE, 0);
	b[0] = (struct vb){ ind + 0x1000, 261 * 16, D_INDIRECT };
	verdict(d, raw_chain(d, b, 1, NULL, 0), R_BROKEN, "an indirect table of 261 entries (more than a chain may have)");
	sd(ind + 0x1000, 259, s, 1, D_WRITE, 0);
	b[0] = (struct vb){ ind + 0x1000, 260 * 16, D_INDIRECT };
	r = raw_chain(d, b, 1, NULL, 0);
	verdict(d, r ? r : *(volatile u8 *)s, 1, "an indirect table of 260 entries (258 data buffers, past seg_max)");
	/* the table may be larger than its chain: 16 entries, 3 used */
	hdr_set(h, T_IN, 200);
	sd(ind, 2, s, 1, D_WRITE, 0);
	b[0] = (struct vb){ ind, 256, D_INDIRECT };
	memset((void *)DATA, 0, 4096);
	r = raw_chain(d, b, 1, NULL, 0);
	r = r ? r : *(volatile u8 *)s;
	CHECK(d, r == 0 && verify(DATA, 200, 8), false,
	      "an indirect table of 16 entries, a chain of 3: %s, data right", rname(r));
}

/*
 * Legal, or the driver's own problem, but never the device's: the WRITE
 * flag on an indirect descriptor (ignored, virtio 2.7.5.3.2), one head
 * made available twice, two chains sharing descriptors.
 */
static void t_split_odd(struct vdev *d)
{
	u64 h = HDR(d->idx, 0), s = STAT(d->idx, 0), ind = IND(d->idx);
	int r = 0, r2 = 0, k;
	u16 id, id2;
	struct vb b[1];
	u8 st;

	hdr_set(h, T_IN, 200);
	sd(ind, 0, h, 16, D_NEXT, 1);
	sd(ind, 1, DATA, 4096, D_WRITE | D_NEXT, 2);
	sd(ind, 2, s, 1, D_WRITE, 0);
	b[0] = (struct vb){ ind, 48, D_INDIRECT | D_WRITE };
	memset((void *)DATA, 0, 4096);
	r = raw_chain(d, b, 1, NULL, 0);
	r = r ? r : *(volatile u8 *)s;
	CHECK(d, r == 0 && verify(DATA, 200, 8), false,
	      "an indirect descriptor with WRITE set (ignored): %s, data right", rname(r));

	/* the same head twice in the available ring */
	hdr_set(h, T_IN, 300);
	sd(d->desc, 0, h, 16, D_NEXT, 1);
	sd(d->desc, 1, DATA, 4096, D_WRITE | D_NEXT, 2);
	sd(d->desc, 2, s, 1, D_WRITE, 0);
	memset((void *)DATA, 0, 4096);
	*(volatile u8 *)s = ST_UNTOUCHED;
	avail_put(d, 0);
	avail_put(d, 0);
	kick(d);
	r = reap(d, &id);
	if (!r)
		r2 = reap(d, &id2);
	st = *(volatile u8 *)s;
	CHECK(d, !r && !r2 && id == 0 && id2 == 0 && st == 0 && verify(DATA, 300, 8), false,
	      "one head made available twice: two used entries (%s, %s), data right", rname(r),
	      rname(r2));

	/* chain B's head runs into chain A's data and status descriptors */
	hdr_set(h, T_IN, 400);
	hdr_set(HDR(d->idx, 1), T_IN, 400);
	sd(d->desc, 0, h, 16, D_NEXT, 1);
	sd(d->desc, 1, DATA, 4096, D_WRITE | D_NEXT, 2);
	sd(d->desc, 2, s, 1, D_WRITE, 0);
	sd(d->desc, 3, HDR(d->idx, 1), 16, D_NEXT, 1);
	memset((void *)DATA, 0, 4096);
	avail_put(d, 0);
	avail_put(d, 3);
	kick(d);
	for (k = 0, r = 0; k < 2 && !r; k++)
		r = reap(d, &id);
	st = *(volatile u8 *)s;
	CHECK(d, !r && st == 0 && verify(DATA, 400, 8), false,
	      "two chains sharing their data and status descriptors: both used (%s), data right",
	      rname(r));
}

/* indirect descriptors without VIRTIO_F_INDIRECT_DESC */
static void t_no_indirect(struct vdev *d)
{
	u64 ind = IND(d->idx);
	struct vb b[1];
	u64 want = d->want;

	d->want &= ~BIT(F_INDIRECT);
	if (!dev_init(d)) {
		T(false, "%s: setup without INDIRECT_DESC", d->name);
		d->want = want;
		return;
	}
	hdr_set(HDR(d->idx, 0), T_IN, 200);
	sd(ind, 0, HDR(d->idx, 0), 16, D_NEXT, 1);
	sd(ind, 1, DATA, 4096, D_WRITE | D_NEXT, 2);
	sd(ind, 2, STAT(d->idx, 0), 1, D_WRITE, 0);
	b[0] = (struct vb){ ind, 48, D_INDIRECT };
	verdict(d, raw_chain(d, b, 1, NULL, 0), R_BROKEN, "an indirect descriptor without INDIRECT_DESC negotiated");
	d->want = want;
	verdict(d, dev_init(d) ? 0 : R_TIMEOUT, 0, "INDIRECT_DESC negotiated again");
}

/* ---- many requests at once ---- */
/* n 4 KiB reads of lba0 + 8 i into DATA + 4 KiB i, posted together */
static int batch(struct vdev *d, int n, bool ind, u64 lba0)
{
	int i, r = 0, got = 0;

	memset((void *)DATA, 0, n * 4096UL);
	for (i = 0; i < n; i++) {
		u64 t = IND(d->idx) + i * 64UL;
		struct vb b[3] = {
			{ HDR(d->idx, i), 16, 0 },
			{ DATA + i * 4096UL, 4096, D_WRITE },
			{ STAT(d->idx, i), 1, D_WRITE },
		};

		hdr_set(HDR(d->idx, i), T_IN, lba0 + i * 8UL);
		*(volatile u8 *)STAT(d->idx, i) = ST_UNTOUCHED;
		if (ind) {
			tsd(d, t, 0, b[0].a, 16, D_NEXT);
			tsd(d, t, 1, b[1].a, 4096, D_WRITE | D_NEXT);
			tsd(d, t, 2, b[2].a, 1, D_WRITE);
			b[0] = (struct vb){ t, 48, D_INDIRECT };
			post(d, b, 1);
		} else {
			post(d, b, 3);
		}
	}
	kick(d);
	while (got < n) {
		u16 id;

		r = reap(d, &id);
		if (r)
			break;
		got++;
	}
	if (r)
		return r;
	for (i = 0; i < n; i++) {
		if (*(volatile u8 *)STAT(d->idx, i))
			return *(volatile u8 *)STAT(d->idx, i);
		if (!verify(DATA + i * 4096UL, lba0 + i * 8UL, 8))
			return R_BADDATA;
	}
	return 0;
}

static void t_batch(struct vdev *d)
{
	int r;

	r = batch(d, 85, false, 0);
	T(r == 0, "%s: 85 reads of 3 descriptors at once (255 of 256): %s, data right", d->name, rname(r));
	r = batch(d, 85, false, 680);
	T(r == 0, "%s: 85 more (the ring wraps): %s, data right", d->name, rname(r));
	if (d->feat & BIT(F_INDIRECT)) {
		r = batch(d, QSZ, true, 0);
		T(r == 0, "%s: 256 indirect reads at once (the whole ring): %s, data right", d->name, rname(r));
		r = batch(d, QSZ, true, 2048);
		T(r == 0, "%s: 256 indirect reads again: %s, data right", d->name, rname(r));
	}
	verdict(d, r, 0, "after the batches");
}

/* ---- resets and queue writes with requests in flight ---- */
/*
 * n reads of the whole disk (2 MiB each, through an indirect table of 64
 * buffers of 32 KiB) into HEAVY: long enough that the host is still at
 * them when the guest's next register access comes.
 */
static void heavy(struct vdev *d, int n)
{
	u64 t = HEAVY_IND + d->idx * 0x20000UL;
	int i, k;

	hdr_set(HDR(d->idx, 255), T_IN, 0);
	for (k = 0; k < 66; k++) {
		u64 a = k == 0 ? HDR(d->idx, 255) : k == 65 ? STAT(d->idx, 255) :
			HEAVY + (k - 1) * 32768UL;
		u32 l = k == 0 ? 16 : k == 65 ? 1 : 32768;
		u16 f = k == 0 ? 0 : D_WRITE;

		tsd(d, t, k, a, l, f | (k < 65 ? D_NEXT : 0));
	}
	for (i = 0; i < n; i++) {
		struct vb b = { t, 66 * 16, D_INDIRECT };

		post(d, &b, 1);
	}
	kick(d);
}

static void t_inflight(struct vdev *d)
{
	int r, i, n = 32, done;
	bool ok, untouched;
	u16 id;

	/* queue registers and a bad status while requests run */
	heavy(d, n);
	w16(d, C_QSEL, 0);
	w16(d, C_QSIZE, 16);
	w64(d, C_QDESC, 1UL << 40);
	w64(d, C_QUSED, ROM_ZERO);
	w16(d, C_QENABLE, 0);
	w16(d, C_QENABLE, 1);
	ok = c16(d, C_QSIZE) == d->qsz && c64(d, C_QDESC) == d->desc &&
	     c64(d, C_QUSED) == d->used;
	for (i = 0, r = 0; i < n && !r; i++)
		r = reap(d, &id);
	T(ok && r == 0 && verify(HEAVY, 0, DISK_SECT),
	  "%s: queue size, addresses and enable written while %d 2-MiB reads run: ignored, all %d done (%s)",
	  d->name, n, i, rname(r));
	verdict(d, r, 0, "after queue writes in flight");

	/* reset with requests in flight; new rings elsewhere; old ones untouched */
	heavy(d, n);
	done = used_count(d);
	ok = dev_reset(d);
	memset((void *)d->ring, 0, 0x10000);
	ok = ok && dev_init_at(d, RING_ALT(d->idx));
	for (i = 0; ok && i < 8; i++)
		ok = read_disk(d, i * 512, 8, DATA) == 0 && verify(DATA, i * 512, 8);
	quiet(d, 2000);
	untouched = all_bytes(RING(d->idx), 0, 0x10000);
	T(ok && untouched,
	  "%s: reset with %d 2-MiB reads issued (%d done): reads at new rings work, the old rings stay untouched",
	  d->name, n, done);
	verdict(d, ok ? 0 : R_TIMEOUT, 0, "after the reset in flight");

	/* reset in flight, at once the same rings and the same indexes */
	heavy(d, n);
	done = used_count(d);
	ok = dev_init(d);
	r = ok ? batch(d, 64, false, 1024) : R_TIMEOUT;
	T(r == 0, "%s: reset with %d reads issued (%d done), the same rings at once: 64 reads, %s, data right",
	  d->name, n, done, rname(r));
	verdict(d, r, 0, "after the second reset in flight");

	/* a broken ring with requests in flight */
	heavy(d, n);
	if (d->packed) {
		pd_set(d, d->next, DATA, 0, 0, pflags(d, d->next, D_WRITE));
		d->next++;
	} else {
		avail_put(d, QSZ + 3);
	}
	kick(d);
	r = 0;
	for (i = 0; i < n + 1 && !r; i++)
		r = reap(d, &id);
	diag("%s: %d of %d reads came back before the ring broke", d->name, i - 1, n);
	verdict(d, r, R_BROKEN, d->packed ? "a zero-length chain behind requests in flight" :
		"a bad head behind requests in flight");

	/* BAR moved while requests run */
	heavy(d, n);
	{
		u32 off = 0x10 + 4 * d->bar;
		u32 cmd = cfg_rd(d->bdf, 4) & 0xffff;
		u32 old;

		cfg_wr(d->bdf, 4, cmd & ~2u);
		cfg_wr(d->bdf, off, (u32)BAR_MOVED(d->idx));
		cfg_wr(d->bdf, 4, cmd);
		old = mmio_rd(d->base + d->common + C_DF, 4);
		d->base = BAR_MOVED(d->idx);
		for (i = 0, r = 0; i < n && !r; i++)
			r = reap(d, &id);
		T(r == 0 && old == 0xffffffff && status(d) == S_UP && verify(HEAVY, 0, DISK_SECT),
		  "%s: BAR moved with %d reads in flight: all done (%s), the old place reads %#x",
		  d->name, n, rname(r), old);
		cfg_wr(d->bdf, 4, cmd & ~2u);
		cfg_wr(d->bdf, off, (u32)BAR_BASE(d->idx));
		cfg_wr(d->bdf, 4, cmd);
		d->base = BAR_BASE(d->idx);
	}
	verdict(d, r, 0, "BAR back");

	/* memory decode off while requests run: registers gone, writes lost */
	heavy(d, n);
	{
		u32 cmd = cfg_rd(d->bdf, 4) & 0xffff;
		u8 off_st;

		cfg_wr(d->bdf, 4, cmd & ~2u);
		off_st = status(d);
		w8(d, C_STATUS, 0);		/* a reset that must go nowhere */
		kick(d);
		cfg_wr(d->bdf, 4, cmd);
		for (i = 0, r = 0; i < n && !r; i++)
			r = reap(d, &id);
		T(off_st == 0xff && r == 0 && status(d) == S_UP && verify(HEAVY, 0, DISK_SECT),
		  "%s: memory decode off with %d reads in flight: device_status reads %#x, a reset written is lost; on again: all done (%s)",
		  d->name, n, off_st, rname(r));
	}
	verdict(d, r, 0, "after memory decode off");
}

/* ---- the PCI configuration access capability ---- */
static void pcicfg_set(struct vdev *d, u8 bar, u32 off, u32 len)
{
	cfg_wr8(d->bdf, d->pcicfg + 4, bar);
	cfg_wr(d->bdf, d->pcicfg + 8, off);
	cfg_wr(d->bdf, d->pcicfg + 12, len);
}

static void t_pcicfg(struct vdev *d)
{
	u32 v, nq;
	u8 st;
	bool ok;

	if (!d->pcicfg) {
		T(false, "%s: PCI configuration access capability", d->name);
		return;
	}
	/* good: num_queues and device_status read through it */
	pcicfg_set(d, d->bar, d->common + C_NUMQ, 2);
	nq = cfg_rd(d->bdf, d->pcicfg + 16) & 0xffff;
	pcicfg_set(d, d->bar, d->common + C_STATUS, 1);
	v = cfg_rd(d->bdf, d->pcicfg + 16) & 0xff;
	T(nq == d->nq && v == S_UP, "%s: num_queues (%u) and device_status (%#x) read through the PCI cfg capability",
	  d->name, nq, v);
	/* good: queue 0's notify written through it */
	{
		struct vb b[3] = {
			{ HDR(d->idx, 0), 16, 0 },
			{ DATA, 4096, D_WRITE },
			{ STAT(d->idx, 0), 1, D_WRITE },
		};
		u16 id;
		int r;

		hdr_set(HDR(d->idx, 0), T_IN, 400);
		memset((void *)DATA, 0, 4096);
		post(d, b, 3);
		pcicfg_set(d, d->bar, d->notify + d->noff * d->notify_mult, 2);
		cfg_wr(d->bdf, d->pcicfg + 16, 0);
		r = reap(d, &id);
		T(r == 0 && verify(DATA, 400, 8), "%s: queue 0 notified through the PCI cfg capability: %s, data right",
		  d->name, rname(r));
	}
	/* bad: each would reset the device (status 0) if it reached the BAR */
	{
		static const struct { u8 bar; u32 off, len; const char *what; } bad[] = {
			{ 0xff, 0, 1, "bar 0xff" },
			{ 6, 0, 1, "bar 6" },
			{ 5, 0, 1, "bar 5 (none)" },
			{ 0xfe, 0, 1, "bar 0xfe" },
			{ 0, ~0u, 1, "offset 0xffffffff" },
			{ 0, 0x10000, 1, "offset past the BAR" },
			{ 0, 0, 3, "length 3" },
			{ 0, 0, 0, "length 0" },
			{ 0, 0, 8, "length 8" },
			{ 0, 0, ~0u, "length 0xffffffff" },
			{ 0, 3, 4, "offset misaligned for its length" },
		};
		unsigned int k;

		ok = true;
		for (k = 0; k < ARRAY_SIZE(bad); k++) {
			u8 bar = bad[k].bar ? bad[k].bar : d->bar;
			u32 off = bad[k].off == 3 ? d->common + C_STATUS - 1 :
				  bad[k].off == 0 ? d->common + C_STATUS : bad[k].off;
			u32 len = bad[k].len;

			pcicfg_set(d, bar, off, len);
			v = cfg_rd(d->bdf, d->pcicfg + 16);
			cfg_wr(d->bdf, d->pcicfg + 16, 0);
			cfg_wr8(d->bdf, d->pcicfg + 16, 0);
			st = status(d);
			if (st != S_UP) {
				diag("%s: PCI cfg capability with %s: status now %#x", d->name,
				     bad[k].what, st);
				ok = false;
				dev_init(d);
			}
		}
		T(ok, "%s: PCI cfg capability with bad bar (0xff, 6, 5, 0xfe), offset (2^32-1, past the BAR), length (3, 0, 8, 2^32-1), misaligned: no access",
		  d->name);
		verdict(d, 0, 0, "after the bad PCI cfg capability accesses");
	}
	/* the capability's read-only fields stay */
	cfg_wr(d->bdf, d->pcicfg, 0xffffffff);
	v = cfg_rd(d->bdf, d->pcicfg);
	T((v & 0xff) == CAP_VNDR && ((v >> 24) & 0xff) == CAP_PCICFG,
	  "%s: PCI cfg capability's id and type are read only (%#x)", d->name, v);
	verdict(d, 0, 0, "after the capability header writes");
}

/* ---- MSI-X: vectors, masking and pending bits, garbage in the table ---- */
static void msix_enable(struct vdev *d, bool on)
{
	u32 v = cfg_rd(d->bdf, d->msix);

	cfg_wr(d->bdf, d->msix, on ? v | 0x80000000u : v & ~0xc0000000u);
}

static void t_msix(struct vdev *d)
{
	u32 ctl, tbl, pba, nvec, i, pb1, pb2;
	u16 cv, qv, cv2, qv2;
	u8 isr;
	u64 t, pb;
	int r, r2;
	bool ok;

	if (!d->msix) {
		T(false, "%s: an MSI-X capability", d->name);
		return;
	}
	ctl = cfg_rd(d->bdf, d->msix) >> 16;
	nvec = (ctl & 0x7ff) + 1;
	tbl = cfg_rd(d->bdf, d->msix + 4);
	pba = cfg_rd(d->bdf, d->msix + 8);
	if ((tbl & 7) != (u32)d->bar || (pba & 7) != (u32)d->bar || nvec < 2) {
		T(false, "%s: MSI-X table (%#x) and PBA (%#x) in BAR %d, %u vectors", d->name,
		  tbl, pba, d->bar, nvec);
		return;
	}
	t = tbl & ~7u;
	pb = pba & ~7u;
	/* every entry to vector 0xe0 + i of APIC 0, masked */
	for (i = 0; i < nvec; i++) {
		rw(d, t + i * 16, 4, 0xfee00000u);
		rw(d, t + i * 16 + 4, 4, 0);
		rw(d, t + i * 16 + 8, 4, 0xe0 + i);
		rw(d, t + i * 16 + 12, 4, 1);
	}
	msix_enable(d, true);
	negotiate(d, d->feat);
	w16(d, C_MSIX, 0);
	cv = c16(d, C_MSIX);
	queue_place(d, RING(d->idx));
	w16(d, C_QMSIX, 1);
	qv = c16(d, C_QMSIX);
	w16(d, C_QENABLE, 1);
	d->next = d->aidx = d->uidx = d->id = 0;
	w8(d, C_STATUS, S_UP);
	/* masked: the message waits in the PBA; unmasked, it goes */
	r = read_disk(d, 100, 8, DATA);
	isr = isr_read(d);
	pb1 = rr(d, pb, 4);
	rw(d, t + 16 + 12, 4, 0);
	pb2 = rr(d, pb, 4);
	r2 = read_disk(d, 200, 8, DATA2);
	ok = cv == 0 && qv == 1 && !r && !r2 && verify(DATA, 100, 8) && verify(DATA2, 200, 8) &&
	     (pb1 & 2) && !(pb2 & 2) && !isr;
	T(ok, "%s: MSI-X: config vector %u, queue vector %u; masked, a completion's message waits in the PBA (%#x), unmasked it goes (%#x); ISR %#x",
	  d->name, cv, qv, pb1, pb2, isr);

	/* garbage: vectors past the table, odd accesses, messages to nowhere */
	w16(d, C_MSIX, nvec);
	cv2 = c16(d, C_MSIX);
	w16(d, C_MSIX, 0x7fff);
	w16(d, C_QMSIX, 0);		/* the queue runs: ignored */
	qv2 = c16(d, C_QMSIX);
	rw(d, t + 16, 4, 0x1000);	/* not the LAPIC's window */
	rw(d, t + 16 + 8, 4, ~0u);
	rw(d, t + 16 + 1, 1, 0xff);
	rw(d, t + 16 + 2, 2, 0xffff);
	rw(d, t + 16 + 4, 8, ~0UL);	/* misaligned for 8 bytes */
	rw(d, t + nvec * 16, 4, ~0u);	/* past the table */
	rw(d, t + nvec * 16 + 12, 4, 0);
	rw(d, pb, 8, ~0UL);		/* the PBA is read only */
	(void)rr(d, t + 16 + 2, 2);
	(void)rr(d, pb + 2, 2);
	r = read_disk(d, 300, 8, DATA);
	pb1 = rr(d, pb, 4);
	CHECK(d, cv2 == 0xffff && qv2 == 1 && !r && verify(DATA, 300, 8) && !(pb1 & 2), false,
	      "MSI-X: config vector %u reads %#x, queue vector rewritten while running stays %u, table garbage, a message to 0x1000: read %s, PBA %#x",
	      nvec, cv2, qv2, rname(r), pb1);

	/* function mask: messages pend; MSI-X off: back to INTx and the ISR */
	rw(d, t + 16, 4, 0xfee00000u);
	rw(d, t + 16 + 8, 4, 0xe1);
	cfg_wr(d->bdf, d->msix, cfg_rd(d->bdf, d->msix) | 0x40000000u);
	r = read_disk(d, 400, 8, DATA);
	pb1 = rr(d, pb, 4);
	msix_enable(d, false);
	r2 = read_disk(d, 500, 8, DATA2);
	isr = isr_read(d);
	CHECK(d, !r && !r2 && (pb1 & 2) && (isr & 1), true,
	      "MSI-X function mask: the message pends (PBA %#x); MSI-X off: the ISR says queue (%#x)",
	      pb1, isr);
}

/* ---- the read-only disk, and writes to the scratch sectors ---- */
static void t_readonly(struct vdev *d)
{
	int r;

	memset((void *)DATA, 0xaa, 8192);
	verdict(d, rq(d, T_OUT, 0, DATA, 8192), 1, "write to the read-only disk");
	verdict(d, rq(d, T_OUT, SCRATCH, DATA, 512), 1, "write of one sector to the read-only disk");
	verdict(d, range_rq(d, T_WRITE_ZEROES, 0, 8, 0, 16), 2, "WRITE_ZEROES to the read-only disk (not offered)");
	verdict(d, range_rq(d, T_DISCARD, 0, 8, 0, 16), 2, "DISCARD to the read-only disk (not offered)");
	verdict(d, rq(d, T_FLUSH, 0, 0, 0), 0, "FLUSH on the read-only disk");
	r = read_disk(d, 0, 64, DATA);
	T(r == 0 && verify(DATA, 0, 64), "%s: still holds the pattern", d->name);
}

static void t_write(struct vdev *d)
{
	u32 i;
	int r, r2 = -1, r3 = -1;

	for (i = 0; i < 8; i++)
		expect_sector((u8 *)DATA2 + i * 512, i);
	r = rq(d, T_OUT, SCRATCH + 8, DATA2, 4096);
	if (!r)
		r = rq(d, T_FLUSH, 0, 0, 0);
	if (!r)
		r2 = read_disk(d, SCRATCH + 8, 8, DATA);
	T(r == 0 && r2 == 0 && verify(DATA, 0, 8),
	  "%s: write of sectors 0-7's pattern to %u-%u, FLUSH, read back: %s", d->name,
	  SCRATCH + 8, SCRATCH + 15, rname(r ? r : r2));
	if (d->dfeat & BIT(F_WRITE_ZEROES)) {
		r3 = range_rq(d, T_WRITE_ZEROES, SCRATCH, 8, 0, 16);
		memset((void *)DATA, 0x5a, 4096);
		r2 = rq(d, T_IN, SCRATCH, DATA, 4096);
		T(r3 == 0 && r2 == 0 && all_bytes(DATA, 0, 4096),
		  "%s: WRITE_ZEROES of sectors %u-%u: %s, they read as zeros", d->name,
		  SCRATCH, SCRATCH + 7, rname(r3));
	} else {
		memset((void *)DATA, 0, 4096);
		r = rq(d, T_OUT, SCRATCH, DATA, 4096);
		T(r == 0, "%s: zeros written to %u-%u (no WRITE_ZEROES): %s", d->name, SCRATCH,
		  SCRATCH + 7, rname(r));
	}
	verdict(d, 0, 0, "after the scratch writes");
}

/* ---- packed rings ---- */
static int praw(struct vdev *d, const struct vb *b, int n, const u16 *flags)
{
	u16 c = d->next, id = 0;
	int k;

	for (k = n - 1; k >= 0; k--)
		pd_set(d, c + k, b[k].a, b[k].l, id,
		       flags ? flags[k] : pflags(d, c + k, b[k].f | (k + 1 < n ? D_NEXT : 0)));
	d->id_slots[id] = n;
	d->next += n;
	kick(d);
	return outcome(d);
}

static void t_packed(struct vdev *d)
{
	u64 h = HDR(d->idx, 0), s = STAT(d->idx, 0), ind = IND(d->idx);
	struct vb b[4];
	u16 fl[4], id;
	int r, i;
	bool ok;

	d->want |= BIT(F_PACKED);
	d->name = "disk, packed ring";
	ok = dev_init(d) && d->packed;
	T(ok, "%s: RING_PACKED negotiated (features %#lx), queue of %u", d->name, d->feat, d->qsz);
	if (!ok) {
		d->want &= ~BIT(F_PACKED);
		d->name = "disk";
		dev_init(d);
		return;
	}
	ok = good_read(d) && d->ulen == 4097;
	T(ok, "%s: a 4 KiB read, data right, used length %u", d->name, d->ulen);
	r = 0;
	for (i = 0; i < 200 && !r; i++)
		r = read_disk(d, (i * 8) % DISK_SECT, 8, DATA) ||
		    !verify(DATA, (i * 8) % DISK_SECT, 8) ? 1 : 0;
	T(!r, "%s: 200 reads of 3 slots (the ring wraps twice, wrap counters flip)", d->name);
	r = batch(d, 85, false, 0);
	T(r == 0, "%s: 85 reads at once: %s, data right", d->name, rname(r));
	r = batch(d, QSZ, true, 2048);
	T(r == 0, "%s: 256 indirect reads at once: %s, data right", d->name, rname(r));
	verdict(d, r, 0, "after the batches");
	t_requests(d);

	/* a descriptor made available with the wrong wrap counter: not the driver's yet */
	hdr_set(h, T_IN, 100);
	memset((void *)DATA, 0, 4096);
	b[0] = (struct vb){ h, 16, 0 };
	b[1] = (struct vb){ DATA, 4096, D_WRITE };
	b[2] = (struct vb){ s, 1, D_WRITE };
	fl[0] = pflags(d, d->next, D_NEXT) ^ (D_AVAIL | D_USED);
	fl[1] = pflags(d, d->next + 1, D_WRITE | D_NEXT) ^ (D_AVAIL | D_USED);
	fl[2] = pflags(d, d->next + 2, D_WRITE) ^ (D_AVAIL | D_USED);
	for (i = 2; i >= 0; i--)
		pd_set(d, d->next + i, b[i].a, b[i].l, 0, fl[i]);
	kick(d);
	ok = quiet(d, 300) && all_bytes(DATA, 0, 4096);
	/* now made available for real */
	for (i = 2; i >= 0; i--)
		pd_set(d, d->next + i, b[i].a, b[i].l, 0, fl[i] ^ D_AVAIL ^ D_USED);
	d->id_slots[0] = 3;
	d->next += 3;
	kick(d);
	r = reap(d, &id);
	CHECK(d, ok && r == 0 && verify(DATA, 100, 8), false,
	      "a chain with the wrong wrap counter is not taken; with the right one it is (%s)", rname(r));
	/* the packed ring in the ROM: the device writes it, so refused */
	negotiate(d, d->feat);
	w16(d, C_QSEL, 0);
	w64(d, C_QDESC, ROM_ZERO);
	w64(d, C_QAVAIL, RING(d->idx) + 0x4000);
	w64(d, C_QUSED, RING(d->idx) + 0x8000);
	w16(d, C_QENABLE, 1);
	CHECK(d, c16(d, C_QENABLE) == 0, true, "the descriptor ring in the ROM: queue_enable stays 0");
	negotiate(d, d->feat);
	w16(d, C_QSEL, 0);
	w64(d, C_QDESC, RING(d->idx));
	w64(d, C_QAVAIL, ROM_ZERO);
	w64(d, C_QUSED, ROM_ZERO + 4);
	w16(d, C_QENABLE, 1);
	CHECK(d, c16(d, C_QENABLE) == 0, true, "the device event area in the ROM: queue_enable stays 0");

	/* chains the device must refuse */
	hdr_set(h, T_IN, 0);
	b[0] = (struct vb){ h, 16, 0 };
	b[1] = (struct vb){ DATA, 4096, D_WRITE };
	b[2] = (struct vb){ s, 1, D_WRITE };
	fl[0] = pflags(d, d->next, D_NEXT);
	fl[1] = pflags(d, d->next + 1, D_WRITE | D_NEXT) ^ (D_AVAIL | D_USED);
	fl[2] = pflags(d, d->next + 2, D_WRITE);
	verdict(d, praw(d, b, 3, fl), R_BROKEN, "2nd descriptor of a chain not made available");
	fl[0] = pflags(d, d->next, D_NEXT);
	fl[1] = pflags(d, d->next + 1, D_WRITE | D_NEXT) | D_AVAIL | D_USED;
	fl[2] = pflags(d, d->next + 2, D_WRITE);
	verdict(d, praw(d, b, 3, fl), R_BROKEN, "2nd descriptor with AVAIL and USED both set");
	/* a chain with NEXT everywhere: runs around the whole ring */
	for (i = 0; i < QSZ; i++)
		pd_set(d, i, DATA, 512, 0, pflags(d, i, D_NEXT | (i ? D_WRITE : 0)));
	pd_set(d, 0, h, 16, 0, pflags(d, 0, D_NEXT));
	kick(d);
	verdict(d, outcome(d), R_BROKEN, "a chain of NEXT around the whole ring");
	b[1] = (struct vb){ DATA, 0, D_WRITE };
	verdict(d, praw(d, b, 3, NULL), R_BROKEN, "a data buffer of length 0");
	b[1] = (struct vb){ 1UL << 40, 4096, D_WRITE };
	verdict(d, praw(d, b, 3, NULL), R_BROKEN, "a data buffer at 1 TiB");
	b[1] = (struct vb){ ram_end - 2048, 4096, D_WRITE };
	verdict(d, praw(d, b, 3, NULL), R_BROKEN, "a data buffer across the end of RAM");
	b[1] = (struct vb){ DATA, 4096, D_WRITE };
	b[2] = (struct vb){ s, 1, 0 };
	verdict(d, praw(d, b, 3, NULL), R_BROKEN, "status buffer device-readable after the data");
	b[2] = (struct vb){ ROM_ZERO, 1, D_WRITE };
	verdict(d, praw(d, b, 3, NULL), R_BROKEN, "status byte in the ROM");
	/* indirect */
	tsd(d, ind, 0, h, 16, 0);
	tsd(d, ind, 1, DATA, 4096, D_WRITE);
	tsd(d, ind, 2, s, 1, D_WRITE);
	hdr_set(h, T_IN, 200);
	b[0] = (struct vb){ ind, 48, D_INDIRECT };
	memset((void *)DATA, 0, 4096);
	r = praw(d, b, 1, NULL);
	r = r ? r : *(volatile u8 *)s;
	T(r == 0 && verify(DATA, 200, 8), "%s: an indirect table of 3: %s, data right", d->name, rname(r));
	b[0] = (struct vb){ ind, 48, D_INDIRECT | D_WRITE };
	memset((void *)DATA, 0, 4096);
	r = praw(d, b, 1, NULL);
	r = r ? r : *(volatile u8 *)s;
	CHECK(d, r == 0 && verify(DATA, 200, 8), false,
	      "an indirect descriptor with WRITE set (ignored): %s, data right", rname(r));
	tsd(d, ind + 0x100, 0, ind, 48, D_INDIRECT);
	b[0] = (struct vb){ ind + 0x100, 16, D_INDIRECT };
	verdict(d, praw(d, b, 1, NULL), R_BROKEN, "an indirect table inside an indirect table");
	b[0] = (struct vb){ ind, 48, D_INDIRECT };
	b[1] = (struct vb){ s, 1, D_WRITE };
	verdict(d, praw(d, b, 2, NULL), R_BROKEN, "an indirect descriptor with NEXT");
	b[0] = (struct vb){ ind, 40, D_INDIRECT };
	verdict(d, praw(d, b, 1, NULL), R_BROKEN, "an indirect table of 40 bytes");
	b[0] = (struct vb){ 1UL << 40, 48, D_INDIRECT };
	verdict(d, praw(d, b, 1, NULL), R_BROKEN, "an indirect table at 1 TiB");
	for (i = 0; i < 261; i++)
		tsd(d, ind + 0x1000, i, DATA + i * 512UL, 512, D_WRITE);
	tsd(d, ind + 0x1000, 0, h, 16, 0);
	b[0] = (struct vb){ ind + 0x1000, 261 * 16, D_INDIRECT };
	verdict(d, praw(d, b, 1, NULL), R_BROKEN, "an indirect table of 261 entries");
	t_inflight(d);

	/* the queue set up again without packed rings */
	d->want &= ~BIT(F_PACKED);
	d->name = "disk";
	verdict(d, dev_init(d) ? 0 : R_TIMEOUT, 0, "split rings again after packed ones");
}

int main(void)
{
	int n, i;

	puts("KTAP version 1\n# Subtest: virtio_hostile\n");
	ram_end = cmos_ram_end();
	diag("RAM below 4 GiB ends at %#lx", ram_end);
	if (ram_end < (48UL << 20)) {
		T(false, "at least 48 MiB of RAM (--mem 64M)");
		goto out;
	}
	n = find_disks();
	T(n >= 2, "two or three virtio-blk functions (1af4:1042, or 1af4:1001 subsystem 2) on bus 0: %d", n);
	if (n < 2)
		goto out;
	for (i = 0; i < n; i++)
		if (!t_setup(&disks[i]))
			goto out;

	t_features(&disks[0]);
	t_queue_cfg(&disks[0]);
	t_overlap(&disks[0]);
	t_notify(&disks[0]);
	t_requests(&disks[0]);
	t_ranges(&disks[0]);
	t_split_rings(&disks[0]);
	t_split_odd(&disks[0]);
	t_no_indirect(&disks[0]);
	t_batch(&disks[0]);
	t_inflight(&disks[0]);
	t_pcicfg(&disks[0]);
	t_msix(&disks[0]);
	t_readonly(&disks[1]);
	t_requests(&disks[1]);
	if (disks[0].dfeat & BIT(F_PACKED))
		t_packed(&disks[0]);
	else
		T(true, "packed rings # SKIP RING_PACKED not offered (module parameter virtio_packed=0)");
	/* a disk behind I/O limits: requests wait in the limiter, and a reset cancels them */
	if (n == 3)
		t_inflight(&disks[2]);
	else
		T(true, "limited disk # SKIP no third disk (--disk D3,if=virtio,readonly,iops=N)");
	/* last: the reads above expect the pattern everywhere */
	t_write(&disks[0]);
	/* the final proof: every disk reads */
	for (i = 0; i < n; i++)
		verdict(&disks[i], 0, 0, "final read");
	/* and exit with requests in flight: the VM's teardown must wait for them */
	for (i = 0; i < n; i += 2)
		heavy(&disks[i], 32);
	diag("exiting with 32 2-MiB reads issued on the disk%s", n == 3 ? " and 32 on the limited disk" : "");
out:
	printf("1..%d\n# virtio_hostile: %d passed, %d failed\n", n_test, n_test - n_fail, n_fail);
	return n_fail ? 1 : 0;
}
