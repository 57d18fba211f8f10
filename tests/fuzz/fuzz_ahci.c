// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz harness for the AHCI HBA model (core/ahci.c with ata.c and
 * atapi.c): a hostile guest driving registers and command tables while a
 * backend completes requests in any order, with errors.
 *
 * Input: records of FUZZ_AHCI_REC bytes, one guest or backend action each
 * (byte 0 picks it, the rest are its arguments; see fz_step). The first
 * byte of the input configures the ports. Guest memory is 512 KiB:
 * command lists, FIS areas and command tables at fixed places the harness
 * writes, data buffers above; PRD entries mostly cover the transfer (in
 * 1-3 pieces, or fragmented into hundreds), else point anywhere.
 *
 * Invariants checked after every action: the model never touches memory
 * the guest-memory check refused (no faults in the fake memory), every
 * request it submits passes blk_req_check, at most one request per slot
 * is with the backend, ahci_inflight() matches what the backends hold,
 * PxCI and PxSACT are zero while PxCMD.ST is clear; a held completion
 * (coalescing, on when config bit 3 is set; its timer fires when a
 * completion record says so) is a running NCQ slot with no request with
 * the backend (its PxSACT bit is set if the guest set it), the timer is
 * pending, and none is held on a halted or stopped port; at the end, with every request completed and the timer
 * fired, nothing is in flight or held.
 */
#include <string.h>
#include "fuzz.h"
#include "ahci.h"
#include "../unit/fake_blk.h"

#define FZ_RAM		(512u * 1024)
#define FZ_CLB(p)	(0x1000u + (p) * 0x400u)
#define FZ_FB(p)	(0x2800u + (p) * 0x100u)
#define FZ_CT(p, s)	(0x4000u + ((p) * 32u + (s)) * 0x200u)
#define FZ_BIGCT(p)	(0x10000u + (p) * 0x2000u)	/* 504-entry PRDTs */
#define FZ_BIG_PRDS	((0x2000u - 0x80u) / 16)
#define FZ_DATA		0x20000u
#define FZ_DATA_SIZE	(FZ_RAM - FZ_DATA)
#define FZ_PORTS	3

unsigned long fuzz_ahci_ops;
unsigned long fuzz_ahci_stats[7];	/* commands built, errors, requests, completions, held, posts, port messages */

static struct ahci hba;
static struct fake_gmem gm;
static struct fake_be disk, cd;
static u8 ram[FZ_RAM];

static void fz_set_irq(void *opaque, bool level, bool edge)
{
	(void)opaque;
	(void)level;
	(void)edge;
}

static bool fz_timer;

static void fz_timer_start(void *opaque, u64 delay_ns)
{
	(void)opaque;
	(void)delay_ns;
	fz_timer = true;
}

/*
 * A per-port message (MSI-X) only for a real port, with GHC.IE set and
 * that port's enabled status not empty.
 */
static unsigned long fuzz_ahci_bad_msgs;

static void fz_port_irq(void *opaque, unsigned int port)
{
	(void)opaque;
	fuzz_ahci_stats[6]++;
	if (port >= AHCI_NR_PORTS || !(hba.ghc & 2) ||
	    !(hba.ports[port].is & hba.ports[port].ie))
		fuzz_ahci_bad_msgs++;
}

static const struct ahci_host_ops fz_ops = {
	.set_irq = fz_set_irq, .timer_start = fz_timer_start,
	.port_irq = fz_port_irq,
};

static void fz_timer_fire(void)
{
	if (fz_timer) {
		fz_timer = false;
		ahci_timer_fire(&hba);
	}
}

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

static void pw(unsigned int p, u32 reg, u32 v)
{
	ahci_mmio_write(&hba, 0x100 + p * 0x80 + reg, 4, v);
}

static u32 pr(unsigned int p, u32 reg)
{
	return (u32)ahci_mmio_read(&hba, 0x100 + p * 0x80 + reg, 4);
}

static void put32(u8 *p, u32 v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static void port_up(unsigned int p)
{
	pw(p, 0x00, FZ_CLB(p));
	pw(p, 0x04, 0);
	pw(p, 0x08, FZ_FB(p));
	pw(p, 0x0c, 0);
	pw(p, 0x18, pr(p, 0x18) | 0x12);
	pw(p, 0x30, 0xffffffff);
	pw(p, 0x10, 0xffffffff);
	pw(p, 0x14, 0xffffffff);
	pw(p, 0x18, pr(p, 0x18) | 0x01);
}

/* Error recovery as SeaBIOS and libata do it: ST off, clear, ST on. */
static void fz_recover(unsigned int p)
{
	pw(p, 0x18, pr(p, 0x18) & ~1u);
	pw(p, 0x30, 0xffffffff);
	pw(p, 0x10, 0xffffffff);
	pw(p, 0x18, pr(p, 0x18) | 1u);
}

static const u8 ata_cmds[] = {
	0xec, 0xa1, 0xc8, 0xca, 0x25, 0x35, 0x20, 0x24, 0x30, 0x34, 0x60, 0x61,
	0x60, 0x61, 0xe7, 0xea, 0x06, 0xef, 0xe0, 0xe1, 0xe5, 0x90, 0x91, 0x27,
	0xf8, 0xc6, 0x2f, 0x40, 0x42, 0x08, 0xa0, 0xa0, 0xa0, 0xa0, 0x00,
};

/* CDB opcodes a guest sends an ATAPI drive. */
static const u8 cdb_ops[] = {
	0x00, 0x03, 0x12, 0x1b, 0x1e, 0x25, 0x28, 0xa8, 0x2b, 0x43, 0x46, 0x4a,
	0x51, 0x52, 0x5a, 0x1a, 0xad, 0xbb, 0xbd, 0xbe, 0x42, 0x23, 0xa0, 0x55,
};

/* A PRD entry: mostly inside the data area, sometimes anywhere. */
static void fz_prd(struct fz_in *in, u8 *e)
{
	u8 k = g8(in);
	u64 addr;
	u32 dbc;

	if (k < 200)
		addr = FZ_DATA + (g16(in) % FZ_DATA_SIZE);
	else if (k < 230)
		addr = FZ_RAM - (g16(in) & 0xfff);
	else
		addr = g64(in);
	if (k & 1)
		dbc = g16(in) & 0x1fff;
	else if (k & 2)
		dbc = (((g8(in) & 15) + 1) * 512) - 1;
	else
		dbc = g32(in);
	put32(e, (u32)addr);
	put32(e + 4, (u32)(addr >> 32));
	put32(e + 8, 0);
	put32(e + 12, dbc);
}

/* Bytes a command moves, as a well-behaved guest would size its PRDT. */
static u32 fz_need(const u8 *fis, const u8 *cdb)
{
	u32 count = fis[12] | (u32)fis[13] << 8, feat = fis[3] | (u32)fis[11] << 8;

	switch (fis[2]) {
	case 0xc8: case 0xca: case 0x20: case 0x30:
		return ((count & 0xff) ? (count & 0xff) : 256) * 512;
	case 0x25: case 0x35: case 0x24: case 0x34:
		return (count ? count : 65536) * 512;
	case 0x60: case 0x61:
		return (feat ? feat : 65536) * 512;
	case 0x06:
		return count * 512;
	case 0xa0:
		if (cdb[0] == 0x28)
			return (cdb[7] << 8 | cdb[8]) * 2048;
		return 4096;
	default:
		return 512;
	}
}

/* Slot numbers: mostly the first four, so issues meet built commands. */
static unsigned int fz_slot(struct fz_in *in)
{
	u8 k = g8(in);

	return k & 0x80 ? k % 32 : k % 4;
}

/* TRIM ranges at the start of the data area, mostly inside the disk. */
static void fz_dsm_payload(struct fz_in *in, u32 len)
{
	u32 i;

	memset(ram + FZ_DATA, 0, len);
	for (i = 0; i < len / 8; i++) {
		u64 e;
		u8 k = g8(in);

		if (k < 128)
			continue;
		e = k < 240 ? (u64)(g16(in) % 2048) | (u64)(g8(in) & 0x3f) << 48 : g64(in);
		memcpy(ram + FZ_DATA + 8 * i, &e, 8);
	}
}

/*
 * A well-formed burst of 2-9 NCQ reads/writes in slots from a random
 * first one, issued at once (SACT, then CI), as Linux queues them: it
 * keeps many commands running, so coalescing holds completions.
 */
static void fz_ncq_burst(struct fz_in *in, unsigned int p)
{
	unsigned int n = 2 + (g8(in) & 7), first = g8(in) & 31, i;
	u32 mask = 0;

	for (i = 0; i < n; i++) {
		unsigned int s = (first + i) & 31, sect = 1 + (g8(in) & 7);
		u8 *hdr = ram + FZ_CLB(p) + s * 32, *ct = ram + FZ_CT(p, s);
		u32 lba = g16(in) % 2040, buf = FZ_DATA + (g16(in) % 0x800) * 32;

		memset(ct, 0, 0x90);
		ct[0] = 0x27;
		ct[1] = 0x80;
		ct[2] = g8(in) & 1 ? 0x61 : 0x60;
		ct[3] = sect;
		ct[4] = lba;
		ct[5] = lba >> 8;
		ct[7] = 0x40;
		ct[12] = s << 3;
		put32(ct + 0x80, buf);
		put32(ct + 0x8c, sect * 512 - 1);
		memset(hdr, 0, 32);
		put32(hdr, 5 | 1u << 16 | (ct[2] == 0x61 ? 1u << 6 : 0));
		put32(hdr + 8, FZ_CT(p, s));
		mask |= 1u << s;
	}
	pw(p, 0x34, mask);
	pw(p, 0x38, mask);
}

static unsigned int fz_build(struct fz_in *in, unsigned int p)
{
	unsigned int s = fz_slot(in), i, nprd;
	u8 *hdr = ram + FZ_CLB(p) + s * 32, *ct = ram + FZ_CT(p, s);
	u8 k = g8(in), c = g8(in), *fis = ct, *cdb = ct + 0x40;
	u64 lba;
	u16 count, feat;

	memset(ct, 0, 0x80);
	fis[0] = (k & 0xf) ? 0x27 : g8(in);
	fis[1] = (k & 0x10) || !(k & 0x20) ? 0x80 : 0x00;
	fis[2] = c < 0xe8 ? ata_cmds[c % sizeof(ata_cmds)] : g8(in);
	if (p == 1 && (c & 1))
		fis[2] = 0xa0;			/* the CD mostly gets PACKET */
	lba = (k & 0x40) ? g64(in) & 0xffffffffffffull : g16(in) % 2100;
	count = (k & 0x80) ? g16(in) : g8(in) & 0x1f;
	feat = g8(in) & 7 ? g8(in) : g16(in);
	if (fis[2] == 0x60 || fis[2] == 0x61) {
		/* NCQ: the tag is mostly the slot, the count in features */
		feat = count ? count : 1;
		if (k & 0x40)
			lba &= 0x7ff;
		count = (g8(in) & 7 ? s : g8(in)) << 3;
	}
	fis[3] = feat;
	fis[4] = lba;
	fis[5] = lba >> 8;
	fis[6] = lba >> 16;
	fis[7] = 0x40;
	fis[8] = lba >> 24;
	fis[9] = lba >> 32;
	fis[10] = lba >> 40;
	fis[11] = feat >> 8;
	fis[12] = count;
	fis[13] = count >> 8;
	fis[15] = g8(in) < 16 ? 0x04 : 0;
	/* the CDB of a PACKET command */
	memset(cdb, 0, 16);
	cdb[0] = cdb_ops[g8(in) % sizeof(cdb_ops)];
	for (i = 1; i < 12; i++)
		cdb[i] = g8(in) < 160 ? 0 : g8(in);
	if ((cdb[0] == 0x28 || cdb[0] == 0xa8) && g8(in) & 3) {
		/* mostly a read inside the 128-sector medium */
		memset(cdb + 1, 0, 11);
		cdb[5] = g8(in) & 0x7f;
		cdb[cdb[0] == 0x28 ? 8 : 9] = g8(in) & 7;
	}
	if (fis[2] == 0x2f && g8(in) & 3) {	/* READ LOG EXT: directory, 10h */
		fis[4] = g8(in) & 1 ? 0x10 : 0;
		fis[5] = fis[6] = fis[8] = fis[9] = fis[10] = 0;
		fis[12] = 1;
		fis[13] = 0;
	}
	if (fis[2] == 0xef && g8(in) & 3) {
		static const u8 sf[] = { 0x03, 0x02, 0x82, 0x66, 0xcc, 0x10, 0x05 };

		fis[3] = sf[g8(in) % sizeof(sf)];
		fis[12] = g8(in) & 1 ? 0x46 : g8(in);
	}
	if (fis[2] == 0x06 && g8(in) & 3) {	/* DSM TRIM of 1-2 blocks */
		fis[3] = 1;
		fis[12] = 1 + (g8(in) & 1);
		fis[13] = 0;
		fz_dsm_payload(in, 1024);
	}
	nprd = g8(in);
	nprd = nprd < 250 ? nprd % 5 : (nprd == 255 ? 0xffff : nprd);
	memset(hdr, 0, 32);
	put32(hdr + 8, FZ_CT(p, s) | (g8(in) < 8 ? g8(in) & 0x7f : 0));
	if (g8(in) < 4) {
		put32(hdr + 8, g32(in));		/* a CTBA anywhere */
		put32(hdr + 12, g32(in));
	}
	k = g8(in);
	if (k < 40) {
		/* a fragmented PRDT in the port's big table: chunked I/O */
		u32 need = fz_need(fis, cdb), off = FZ_DATA, left;
		u8 *big = ram + FZ_BIGCT(p);

		memcpy(big, ct, 0x80);
		put32(hdr + 8, FZ_BIGCT(p));
		if (need > FZ_DATA_SIZE / 2)
			need = FZ_DATA_SIZE / 2;
		left = need;
		for (i = 0; i < FZ_BIG_PRDS && left; i++) {
			u32 len = 2 * (1 + (g8(in) & 0x3f));
			u8 *e = big + 0x80 + i * 16;

			if (len > left)
				len = left;
			put32(e, off);
			put32(e + 4, 0);
			put32(e + 8, 0);
			put32(e + 12, (len - 1) & 0x3fffff);
			off += len + (g8(in) & 2);
			left -= len;
		}
		nprd = i;
	} else if (k < 180) {
		/* a PRDT that fits the transfer, split in 1-3 entries */
		u32 need = fz_need(fis, cdb), off = FZ_DATA, left, n = 1 + g8(in) % 3;

		if (need > FZ_DATA_SIZE)
			need = FZ_DATA_SIZE;
		left = need;
		for (i = 0; i < n && left; i++) {
			u32 len = i + 1 == n ? left : ((left / n) & ~1u);
			u8 *e = ct + 0x80 + i * 16;

			if (!len)
				continue;
			put32(e, off);
			put32(e + 4, 0);
			put32(e + 8, 0);
			put32(e + 12, (len - 1) & 0x3fffff);
			off += len;
			left -= len;
		}
		nprd = i;
	} else {
		/* entries that fit the table's 0x200 bytes; PRDTL may claim more */
		for (i = 0; i < nprd && i < (0x200 - 0x80) / 16; i++)
			fz_prd(in, ct + 0x80 + i * 16);
	}
	put32(hdr, 5 | (u32)(g8(in) & 0x5e0) | nprd << 16);
	fuzz_ahci_stats[0]++;
	return s;
}

static struct fake_be *fz_be(struct fz_in *in)
{
	return g8(in) & 1 ? &cd : &disk;
}

static void fz_step(struct fz_in *in)
{
	u8 op = g8(in);
	unsigned int p = (g8(in) & 3) % FZ_PORTS;	/* port 0 twice as often */
	struct fake_be *f;

	switch (op % 16) {
	case 0:
		port_up(p);
		break;
	case 1: {		/* any register, any size */
		static const unsigned int sizes[] = { 1, 2, 4, 8 };
		u8 k = g8(in);
		u32 off = k & 1 ? g16(in) % 0x30 :
			  0x100 + (g8(in) % 6) * 0x80 + (g8(in) & 0x7f);

		ahci_mmio_write(&hba, off, sizes[(k >> 1) & 3], g64(in));
		break;
	}
	case 2: {
		u32 off = g16(in) & 0xfff;

		(void)ahci_mmio_read(&hba, off, 1u << (g8(in) & 3));
		break;
	}
	case 3:
	case 4: {		/* build and issue, as drivers do */
		unsigned int s = fz_build(in, p);

		if (pr(p, 0x10) & (1u << 30))
			fz_recover(p);
		if (g8(in) & 1)
			pw(p, 0x34, 1u << s);
		pw(p, 0x38, 1u << s);
		break;
	}
	case 5:
		fz_build(in, p);
		break;
	case 6:
	case 7: {		/* issue: mostly one slot, SACT for NCQ */
		u8 k = g8(in);
		u32 bits;

		if ((k & 0x30) == 0x10) {
			fz_ncq_burst(in, p);
			break;
		}
		bits = (k & 0xc0) == 0xc0 ? g32(in) : 1u << fz_slot(in);

		if ((pr(p, 0x10) & (1u << 30)) && (k & 0x20))
			fz_recover(p);
		if (k & 0x40)
			pw(p, 0x34, bits);
		pw(p, 0x38, bits);
		break;
	}
	case 8:
	case 9:
	case 10:		/* complete one request, sometimes with an error */
		f = fz_be(in);
		if (f->n) {
			u8 k = g8(in), e = g8(in);

			fake_be_complete(f, k % f->n, (e & 15) ? 0 : -EIO);
			fuzz_ahci_stats[3]++;
			if (e & 0x80)
				fz_timer_fire();
		}
		break;
	case 11:
		f = fz_be(in);
		fake_be_complete_all(f);
		break;
	case 12:		/* resets */
		switch (g8(in) & 3) {
		case 0:
			ahci_reset(&hba);
			break;
		case 1:
			pw(p, 0x2c, 1);
			pw(p, 0x2c, g8(in) & 1 ? 0 : 4);
			break;
		case 2:
			pw(p, 0x18, pr(p, 0x18) & ~1u);
			pw(p, 0x18, pr(p, 0x18) | 1u);
			break;
		default:
			ahci_mmio_write(&hba, 0x04, 4, 1);
			break;
		}
		break;
	case 13:
		ahci_change_medium(&hba, 1, g8(in) & 1 ? &cd.be : NULL);
		break;
	case 14:		/* the backend fills up or fails */
		f = fz_be(in);
		f->cap = g8(in) & 7;
		f->fail_submit = (g8(in) & 7) ? 0 : -EIO;
		break;
	default:		/* guest memory scribbles */
		ram[FZ_CLB(p) + (g16(in) % 0x400)] = g8(in);
		break;
	}
}

/* the guest's read page of the ABAR (ahci_set_regs_page) */
static u32 fz_regs[AHCI_ABAR_SIZE / 4];

static void fz_check(const u8 *data, size_t size)
{
	unsigned int p, i, j;

	/* the page reads what the registers read, everywhere */
	for (i = 0; i < AHCI_ABAR_SIZE / 4; i++)
		FUZZ_CHECK(fz_regs[i] == ahci_mmio_read(&hba, i * 4, 4), data, size);
	FUZZ_CHECK(fuzz_ahci_bad_msgs == 0, data, size);
	FUZZ_CHECK(gm.faults == 0, data, size);
	FUZZ_CHECK(disk.bad == 0 && cd.bad == 0, data, size);
	FUZZ_CHECK(ahci_inflight(&hba) == disk.n + cd.n, data, size);
	for (p = 0; p < AHCI_NR_PORTS; p++) {
		const struct ahci_port *hp = &hba.ports[p];
		u32 cmd = pr(p, 0x18);

		if (!(cmd & 1))
			FUZZ_CHECK(pr(p, 0x38) == 0 && pr(p, 0x34) == 0, data, size);
		FUZZ_CHECK(!hp->held || (!hp->halted && (cmd & 1)), data, size);
		FUZZ_CHECK(!hp->held || fz_timer, data, size);
		for (i = 0; i < AHCI_NR_SLOTS; i++) {
			const struct ahci_slot *sl = &hp->slots[i];
			bool h = hp->held & (1u << i);

			FUZZ_CHECK(sl->held == h, data, size);
			FUZZ_CHECK(!h || (sl->state == AHCI_SLOT_RUN && sl->ncq &&
					  !sl->inflight && !sl->parked), data, size);
		}
	}
	for (i = 0; i < disk.n; i++)
		for (j = i + 1; j < disk.n; j++)
			FUZZ_CHECK(disk.q[i] != disk.q[j], data, size);
	for (i = 0; i < cd.n; i++)
		for (j = i + 1; j < cd.n; j++)
			FUZZ_CHECK(cd.q[i] != cd.q[j], data, size);
}

static void fz_reset_be(struct fake_be *f)
{
	f->n = 0;
	f->cap = 0;
	f->fail_submit = 0;
	f->bad = 0;
	f->nr_log = 0;
}

int fuzz_ahci_one(const u8 *data, size_t size)
{
	static bool ready;
	struct fz_in in = { data, size, 0 };
	unsigned int ops = 0, guard;
	u8 cfg;

	if (!ready) {
		gm.ram = ram;
		gm.size = FZ_RAM;
		fake_be_init(&disk, &gm, 1u << 20, 512, true);
		fake_be_init(&cd, &gm, 256u * 1024, 2048, false);
		cd.be.readonly = true;
		ready = true;
	}
	memset(ram, 0, FZ_DATA);
	memset(ram + FZ_DATA, 0x5a, 0x1000);
	gm.faults = 0;
	fz_reset_be(&disk);
	fz_reset_be(&cd);
	disk.be.readonly = false;
	disk.be.can_discard = true;

	cfg = g8(&in);
	ahci_init(&hba, &fake_gmem_ops, &gm, &fz_ops, NULL);
	memset(fz_regs, 0, sizeof(fz_regs));
	ahci_set_regs_page(&hba, fz_regs);
	fz_timer = false;
	if (cfg & 8)
		ahci_set_coalesce(&hba, 100, 2 + ((cfg >> 4) & 7) * 4);
	ahci_attach(&hba, 0, AHCI_DEV_DISK, &disk.be);
	ahci_attach(&hba, 1, AHCI_DEV_CDROM, cfg & 1 ? NULL : &cd.be);
	if (cfg & 2)
		disk.be.readonly = true;
	if (cfg & 4)
		disk.be.can_discard = false;
	if (!(cfg & 0x30)) {
		/* the other ports empty; otherwise port 2 is a second disk */
	} else {
		ahci_attach(&hba, 2, AHCI_DEV_DISK, &disk.be);
	}
	if (cfg & 0xc0) {
		port_up(0);
		port_up(1);
		port_up(2);
	}
	while (in.i < in.n && ops < 256) {
		size_t next = in.i + FUZZ_AHCI_REC;

		fz_step(&in);
		in.i = next;		/* fixed-size records */
		ops++;
		fuzz_ahci_ops++;
		fz_check(data, size);
	}
	/* the host's teardown: every request completes, nothing is left */
	for (guard = 0; (disk.n || cd.n) && guard < 10000; guard++) {
		fake_be_complete_all(&disk);
		fake_be_complete_all(&cd);
	}
	fz_timer_fire();
	for (guard = 0; guard < AHCI_NR_PORTS; guard++)
		FUZZ_CHECK(hba.ports[guard].held == 0, data, size);
	for (guard = 0; guard < AHCI_NR_PORTS; guard++) {
		fuzz_ahci_stats[1] += hba.ports[guard].nr_errors;
		fuzz_ahci_stats[4] += hba.ports[guard].nr_held;
		fuzz_ahci_stats[5] += hba.ports[guard].nr_posts;
	}
	fuzz_ahci_stats[2] += disk.submitted + cd.submitted;
	disk.submitted = cd.submitted = 0;
	FUZZ_CHECK(!disk.n && !cd.n && ahci_inflight(&hba) == 0, data, size);
	FUZZ_CHECK(gm.faults == 0, data, size);
	return 0;
}

#ifdef FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	return fuzz_ahci_one(data, size);
}
#endif
