// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the AHCI HBA model (module/core/ahci.c, ata.c) with the
 * real ATAPI command set (atapi.c): the register and command sequences
 * SeaBIOS and Linux's ahci driver use, NCQ at queue depth 32 with
 * out-of-order completion, TRIM, resets with requests in flight, and the
 * hostile cases (bad PRDTs, FISes, addresses, tags, ports, commands);
 * completion coalescing with a fake timer the tests fire.
 */
#include <stdio.h>
#include <stdlib.h>
#include "ktap.h"
#include "fake_blk.h"
#include "ahci.h"
#include "ata.h"

#define RAM_SIZE	(16u << 20)
#define DISK_SIZE	(16u << 20)
#define CD_SIZE		(2u << 20)

#define CLB(p)		(0x10000u + (p) * 0x400u)
#define FB(p)		(0x20000u + (p) * 0x100u)
#define CT(p, s)	(0x100000u + (p) * 0x40000u + (s) * 0x2000u)
#define BUF		0x800000u

/* register offsets the tests use */
#define R_CAP	0x00
#define R_GHC	0x04
#define R_IS	0x08
#define R_PI	0x0c
#define R_VS	0x10
#define P_CLB	0x00
#define P_CLBU	0x04
#define P_FB	0x08
#define P_IS	0x10
#define P_IE	0x14
#define P_CMD	0x18
#define P_TFD	0x20
#define P_SIG	0x24
#define P_SSTS	0x28
#define P_SCTL	0x2c
#define P_SERR	0x30
#define P_SACT	0x34
#define P_CI	0x38

#define IS_DHRS	(1u << 0)
#define IS_PSS	(1u << 1)
#define IS_SDBS	(1u << 3)
#define IS_TFES	(1u << 30)

static struct ahci hba;
static struct fake_gmem gm;
static struct fake_be disk, cd;
static unsigned int irq_calls, irq_edges;
static bool irq_level;
static u64 clock_ns;

/* a read page (ahci_set_regs_page) the interrupt checks, when set */
static u32 *irq_page;
static unsigned int irq_page_stale;

static void set_irq(void *opaque, bool level, bool edge)
{
	(void)opaque;
	/* what the interrupt tells of is in the page before it is raised */
	if (irq_page && (irq_page[0x08 / 4] != hba.is ||
			 irq_page[(0x100 + 0x10) / 4] != hba.ports[0].is ||
			 irq_page[(0x100 + 0x34) / 4] != hba.ports[0].sact))
		irq_page_stale++;
	irq_calls++;
	irq_level = level;
	if (edge)
		irq_edges++;
}

static u64 now_ns(void *opaque)
{
	(void)opaque;
	return ++clock_ns;
}

static const struct ahci_host_ops host_ops = { .set_irq = set_irq, .now_ns = now_ns };

/* the coalescing timer: started (and with what delay), fired by the tests */
static unsigned int timer_starts;
static u64 timer_delay;

static void timer_start(void *opaque, u64 delay_ns)
{
	(void)opaque;
	timer_starts++;
	timer_delay = delay_ns;
}

static const struct ahci_host_ops host_ops_timer = {
	.set_irq = set_irq, .now_ns = now_ns, .timer_start = timer_start,
};

static u32 rd(u32 off)
{
	return (u32)ahci_mmio_read(&hba, off, 4);
}

static void wr(u32 off, u32 v)
{
	ahci_mmio_write(&hba, off, 4, v);
}

static u32 prd(unsigned int p, u32 reg)
{
	return rd(0x100 + p * 0x80 + reg);
}

static void pwr(unsigned int p, u32 reg, u32 v)
{
	wr(0x100 + p * 0x80 + reg, v);
}

static u8 *mem(u64 gpa)
{
	return gm.ram + gpa;
}

static u32 le32(const u8 *p)
{
	return p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static void put32(u8 *p, u32 v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static u16 idw(const u8 *id, unsigned int w)
{
	return id[2 * w] | id[2 * w + 1] << 8;
}

/* Fresh HBA: disk on port 0, CD on port 1, ports 2-5 empty. */
static void setup(bool can_discard)
{
	if (!gm.ram)
		gm.ram = malloc(RAM_SIZE);
	memset(gm.ram, 0, RAM_SIZE);
	gm.size = RAM_SIZE;
	gm.ro_base = gm.ro_len = 0;
	fake_be_free(&disk);
	fake_be_free(&cd);
	fake_be_init(&disk, &gm, DISK_SIZE, 512, can_discard);
	fake_be_init(&cd, &gm, CD_SIZE, 2048, false);
	cd.be.readonly = true;
	irq_calls = irq_edges = 0;
	irq_level = false;
	ahci_init(&hba, &fake_gmem_ops, &gm, &host_ops, NULL);
	ahci_attach(&hba, 0, AHCI_DEV_DISK, &disk.be);
	ahci_attach(&hba, 1, AHCI_DEV_CDROM, &cd.be);
}

/* What SeaBIOS and Linux do to a port before commands. */
static void port_up(unsigned int p)
{
	pwr(p, P_CLB, CLB(p));
	pwr(p, P_CLBU, 0);
	pwr(p, P_FB, FB(p));
	pwr(p, P_CMD, prd(p, P_CMD) | 0x10);		/* FRE */
	pwr(p, P_CMD, prd(p, P_CMD) | 0x02);		/* SUD */
	pwr(p, P_SERR, prd(p, P_SERR));
	pwr(p, P_IS, prd(p, P_IS));
	pwr(p, P_CMD, prd(p, P_CMD) | 0x01);		/* ST */
}

/* SeaBIOS's error recovery: clear ST, wait CR, clear SERR/IS, set ST. */
static void recover(unsigned int p)
{
	pwr(p, P_CMD, prd(p, P_CMD) & ~1u);
	pwr(p, P_SERR, prd(p, P_SERR));
	pwr(p, P_IS, prd(p, P_IS));
	pwr(p, P_CMD, prd(p, P_CMD) | 1u);
}

struct prde {
	u64 addr;
	u32 len;	/* bytes */
};

static void h2d(u8 *fis, u8 cmd, u64 lba, u32 count, u16 feat)
{
	memset(fis, 0, 20);
	fis[0] = 0x27;
	fis[1] = 0x80;
	fis[2] = cmd;
	fis[3] = feat;
	fis[4] = lba;
	fis[5] = lba >> 8;
	fis[6] = lba >> 16;
	fis[7] = 0x40 | ((lba >> 24) & 0xf);
	fis[8] = lba >> 24;
	fis[9] = lba >> 32;
	fis[10] = lba >> 40;
	fis[11] = feat >> 8;
	fis[12] = count;
	fis[13] = count >> 8;
}

/* Command header + table for slot s of port p. */
static void build(unsigned int p, unsigned int s, const u8 *fis, bool write,
		  const struct prde *pr, unsigned int n)
{
	u8 *h = mem(CLB(p) + s * 32);
	u8 *ct = mem(CT(p, s));
	unsigned int i;

	memset(h, 0, 32);
	put32(h, 5 | (write ? 1u << 6 : 0) | (u32)n << 16);
	put32(h + 8, CT(p, s));
	memset(ct, 0, 0x80);
	memcpy(ct, fis, 20);
	for (i = 0; i < n; i++) {
		u8 *e = ct + 0x80 + 16 * i;

		put32(e, (u32)pr[i].addr);
		put32(e + 4, (u32)(pr[i].addr >> 32));
		put32(e + 8, 0);
		put32(e + 12, (pr[i].len - 1) & 0x3fffff);
	}
}

static void issue(unsigned int p, unsigned int s)
{
	pwr(p, P_CI, 1u << s);
}

/* One command with one PRD entry at BUF. */
static void cmd1(unsigned int p, unsigned int s, u8 cmd, u64 lba, u32 count,
		 u16 feat, bool write, u32 bytes)
{
	u8 fis[20];
	struct prde e = { BUF, bytes };

	h2d(fis, cmd, lba, count, feat);
	build(p, s, fis, write, &e, bytes ? 1 : 0);
	issue(p, s);
}

static void packet(unsigned int p, unsigned int s, const u8 *cdb, u32 bytes,
		   u64 addr)
{
	u8 fis[20];
	struct prde e = { addr, bytes };

	h2d(fis, 0xa0, 0, 0, 1);
	fis[5] = 0x00;
	fis[6] = 0x08;
	build(p, s, fis, false, &e, 1);
	memcpy(mem(CT(p, s)) + 0x40, cdb, 12);
	issue(p, s);
}

static u8 d2h_status(unsigned int p)
{
	return mem(FB(p) + 0x40)[2];
}

static u8 d2h_error(unsigned int p)
{
	return mem(FB(p) + 0x40)[3];
}

static u32 prdbc(unsigned int p, unsigned int s)
{
	return le32(mem(CLB(p) + s * 32 + 4));
}

static bool buf_matches(u64 gpa, const u8 *img, u64 len)
{
	return memcmp(mem(gpa), img, len) == 0;
}

/* ---- tests ---- */

/*
 * Coalescing setups: the HBA of setup() with the timer, usecs and max;
 * port 0 up with interrupts on, n NCQ reads of one sector (tag t reads
 * LBA 100 + t into BUF + t * 0x1000) issued at once.
 */
static void coalesce_setup(u32 usecs, u32 max)
{
	setup(true);
	ahci_init(&hba, &fake_gmem_ops, &gm, &host_ops_timer, NULL);
	ahci_attach(&hba, 0, AHCI_DEV_DISK, &disk.be);
	ahci_attach(&hba, 1, AHCI_DEV_CDROM, &cd.be);
	ahci_set_coalesce(&hba, usecs, max);
	timer_starts = 0;
	timer_delay = 0;
	port_up(0);
	pwr(0, P_IE, 0xffffffff);
	wr(R_GHC, rd(R_GHC) | 2);
}

static void ncq_reads(unsigned int n)
{
	unsigned int t;
	u32 mask = n >= 32 ? 0xffffffffu : (1u << n) - 1;
	u8 fis[20];

	for (t = 0; t < n; t++) {
		struct prde e = { BUF + t * 0x1000ull, 512 };

		h2d(fis, 0x60, 100 + t, t << 3, 1);
		build(0, t, fis, false, &e, 1);
		put32(mem(CLB(0) + t * 32 + 4), 0xdead);	/* PRDBC */
	}
	pwr(0, P_SACT, mask);
	pwr(0, P_CI, mask);
}

/* tag of the queued request i (ncq_reads' LBAs) */
static unsigned int q_tag(unsigned int i)
{
	return (unsigned int)(disk.q[i]->offset / 512 - 100);
}

/* guest side of an interrupt: acknowledge PxIS and IS, clear the SDB area */
static void ack(void)
{
	pwr(0, P_IS, prd(0, P_IS));
	wr(R_IS, rd(R_IS));
	memset(mem(FB(0) + 0x58), 0x5a, 8);
}

static unsigned int bits(u32 v)
{
	return (unsigned int)__builtin_popcount(v);
}

static bool tag_done(unsigned int t)
{
	return prdbc(0, t) == 512 &&
	       buf_matches(BUF + t * 0x1000ull, disk.img + (100 + t) * 512ull, 512);
}

static bool sdb_posted(u32 tags)
{
	const u8 *sdb = mem(FB(0) + 0x58);

	return sdb[0] == 0xa1 && !(sdb[2] & 1) && le32(sdb + 4) == tags;
}

static bool sdb_untouched(void)
{
	const u8 *sdb = mem(FB(0) + 0x58);

	return sdb[0] == 0x5a && le32(sdb + 4) == 0x5a5a5a5a;
}

/*
 * Queue depth 8, max 4: a completion is held (PxSACT bit set, no FIS,
 * no PxIS bit, no interrupt, PRDBC unwritten) while others run; the 4th
 * posts all 4 in one SDB FIS with one interrupt; the timer posts what is
 * held; with 2 left to run the first is held and the last posts both.
 */
static int t_coalesce_batches(void)
{
	int ok = 1;
	unsigned int edges, t[8], i;

	coalesce_setup(100, 4);
	ncq_reads(8);
	ok &= KTAP_EXPECT(disk.n == 8 && prd(0, P_CI) == 0 && prd(0, P_SACT) == 0xff);
	for (i = 0; i < 8; i++)
		t[i] = q_tag(i);
	ack();
	edges = irq_edges;
	/* 3 held: the guest sees nothing */
	for (i = 0; i < 3; i++)
		fake_be_complete(&disk, 0, 0);
	ok &= KTAP_EXPECT(prd(0, P_SACT) == 0xff && prd(0, P_IS) == 0 && rd(R_IS) == 0);
	ok &= KTAP_EXPECT(irq_edges == edges && !irq_level && sdb_untouched());
	ok &= KTAP_EXPECT(prdbc(0, t[0]) == 0xdead && ahci_inflight(&hba) == 5);
	ok &= KTAP_EXPECT(timer_starts == 1 && timer_delay == 100000);
	/* the 4th: all 4 posted at once */
	fake_be_complete(&disk, 0, 0);
	ok &= KTAP_EXPECT(prd(0, P_SACT) == (0xffu & ~(1u << t[0] | 1u << t[1] |
						       1u << t[2] | 1u << t[3])));
	ok &= KTAP_EXPECT(sdb_posted(1u << t[0] | 1u << t[1] | 1u << t[2] | 1u << t[3]));
	ok &= KTAP_EXPECT(prd(0, P_IS) == IS_SDBS && irq_edges == edges + 1 && irq_level);
	for (i = 0; i < 4; i++)
		ok &= KTAP_EXPECT(tag_done(t[i]));
	ok &= KTAP_EXPECT((prd(0, P_TFD) & 0xff) == 0x50);
	ack();
	/* one held; the timer (still pending) posts it */
	fake_be_complete(&disk, 0, 0);
	ok &= KTAP_EXPECT(prd(0, P_SACT) & (1u << t[4]) && sdb_untouched());
	ok &= KTAP_EXPECT(timer_starts == 1);
	ahci_timer_fire(&hba);
	ok &= KTAP_EXPECT(!(prd(0, P_SACT) & (1u << t[4])) && sdb_posted(1u << t[4]));
	ok &= KTAP_EXPECT(prd(0, P_IS) == IS_SDBS && irq_edges == edges + 2 && tag_done(t[4]));
	/* a fire with nothing held does nothing */
	ack();
	ahci_timer_fire(&hba);
	ok &= KTAP_EXPECT(prd(0, P_IS) == 0 && sdb_untouched() && irq_edges == edges + 2);
	/* 3 left: the first is held (started the timer anew), the second
	 * makes as many held as run: both posted; the last alone */
	fake_be_complete(&disk, 0, 0);
	ok &= KTAP_EXPECT(timer_starts == 2 && sdb_untouched());
	fake_be_complete(&disk, 0, 0);
	ok &= KTAP_EXPECT(sdb_posted(1u << t[5] | 1u << t[6]) && irq_edges == edges + 3);
	ack();
	fake_be_complete(&disk, 0, 0);
	ok &= KTAP_EXPECT(sdb_posted(1u << t[7]) && irq_edges == edges + 4);
	ok &= KTAP_EXPECT(prd(0, P_SACT) == 0 && ahci_inflight(&hba) == 0 && tag_done(t[7]));
	ok &= KTAP_EXPECT(hba.ports[0].nr_posts == 4 && hba.ports[0].nr_held == 5);
	ok &= KTAP_EXPECT(hba.ports[0].bs.inflight == 0 && disk.bad == 0);
	return ok;
}

/* At queue depth 1 (and with the last command running) nothing is held. */
static int t_coalesce_qd1_never_held(void)
{
	int ok = 1;
	unsigned int i;

	coalesce_setup(200, 8);
	for (i = 0; i < 4; i++) {
		ack();
		ncq_reads(1);
		fake_be_complete(&disk, 0, 0);
		ok &= KTAP_EXPECT(prd(0, P_SACT) == 0 && sdb_posted(1) && prd(0, P_IS) == IS_SDBS);
	}
	/* non-queued commands are never held either */
	ack();
	cmd1(0, 2, 0xc8, 7, 1, 0, false, 512);
	fake_be_complete(&disk, 0, 0);
	ok &= KTAP_EXPECT(prd(0, P_CI) == 0 && prd(0, P_IS) == IS_DHRS);
	ok &= KTAP_EXPECT(timer_starts == 0 && hba.ports[0].nr_held == 0);
	/* off: max < 2 or usecs 0; usecs is capped */
	coalesce_setup(200, 1);
	ncq_reads(4);
	fake_be_complete(&disk, 0, 0);
	ok &= KTAP_EXPECT(bits(prd(0, P_SACT)) == 3 && timer_starts == 0);
	fake_be_complete_all(&disk);
	coalesce_setup(0, 8);
	ncq_reads(4);
	fake_be_complete(&disk, 0, 0);
	ok &= KTAP_EXPECT(bits(prd(0, P_SACT)) == 3 && timer_starts == 0);
	fake_be_complete_all(&disk);
	ahci_set_coalesce(&hba, 1000000, 99);
	ok &= KTAP_EXPECT(hba.coalesce_ns == 10000000ull && hba.coalesce_max == 32);
	return ok;
}

/*
 * Errors are never held, and what was held is posted before one: an NCQ
 * error (SDB with ERR after the held tags' SDB), a non-queued command
 * while NCQ runs, a busy tag issued again.
 */
static int t_coalesce_errors_post_first(void)
{
	int ok = 1;
	unsigned int t0, t1;
	u8 fis[20];
	struct prde e = { BUF, 512 };

	coalesce_setup(100, 8);
	ncq_reads(4);
	t0 = q_tag(0);
	t1 = q_tag(1);
	ack();
	fake_be_complete(&disk, 0, 0);			/* held */
	ok &= KTAP_EXPECT(prd(0, P_SACT) == 0xf && sdb_untouched());
	fake_be_complete(&disk, 0, -EIO);		/* error */
	ok &= KTAP_EXPECT(prd(0, P_SACT) == (0xfu & ~(1u << t0)) && tag_done(t0));
	ok &= KTAP_EXPECT((prd(0, P_IS) & (IS_TFES | IS_SDBS)) == (IS_TFES | IS_SDBS));
	ok &= KTAP_EXPECT((mem(FB(0) + 0x58)[2] & 1) && (prd(0, P_TFD) & 0xff) == 0x41);
	ok &= KTAP_EXPECT(prd(0, P_SACT) & (1u << t1));
	/* the others are aborted unseen; the error log names the failed tag */
	ack();
	fake_be_complete_all(&disk);
	ok &= KTAP_EXPECT(prd(0, P_IS) == 0 && hba.ports[0].held == 0);
	ok &= KTAP_EXPECT(hba.ports[0].ncq_err_valid && hba.ports[0].ncq_err_tag == t1);
	recover(0);

	/* a non-queued command while one is held and two run */
	ncq_reads(3);
	t0 = q_tag(0);
	ack();
	fake_be_complete(&disk, 0, 0);
	ok &= KTAP_EXPECT(prd(0, P_SACT) == 7 && sdb_untouched());
	cmd1(0, 5, 0xec, 0, 0, 0, false, 512);
	ok &= KTAP_EXPECT(sdb_posted(1u << t0) && (prd(0, P_IS) & IS_TFES));
	ok &= KTAP_EXPECT(prd(0, P_SACT) == (7u & ~(1u << t0)) && tag_done(t0));
	ack();
	fake_be_complete_all(&disk);
	recover(0);

	/* a running tag issued again: the held one is posted first */
	ncq_reads(3);
	t0 = q_tag(0);
	t1 = q_tag(1);
	ack();
	fake_be_complete(&disk, 0, 0);
	ok &= KTAP_EXPECT(prd(0, P_SACT) == 7 && sdb_untouched());
	h2d(fis, 0x60, 50, t1 << 3, 1);
	build(0, t1, fis, false, &e, 1);
	pwr(0, P_CI, 1u << t1);
	ok &= KTAP_EXPECT(sdb_posted(1u << t0) && (prd(0, P_IS) & IS_TFES) && disk.n == 2);
	ack();
	fake_be_complete_all(&disk);
	recover(0);
	ok &= KTAP_EXPECT(ahci_inflight(&hba) == 0 && hba.ports[0].held == 0);
	return ok;
}

/*
 * A held tag the guest issues again (it may not know yet that it is
 * done): posted as if just before, and the new command runs in the slot.
 */
static int t_coalesce_held_tag_reissued(void)
{
	int ok = 1;
	unsigned int t0;
	u8 fis[20];
	struct prde e = { BUF + 0x10000, 512 };

	coalesce_setup(100, 8);
	ncq_reads(4);
	t0 = q_tag(0);
	ack();
	fake_be_complete(&disk, 0, 0);
	ok &= KTAP_EXPECT(hba.ports[0].held == 1u << t0);
	h2d(fis, 0x60, 300, t0 << 3, 1);
	build(0, t0, fis, false, &e, 1);
	pwr(0, P_SACT, 1u << t0);
	pwr(0, P_CI, 1u << t0);
	ok &= KTAP_EXPECT(sdb_posted(1u << t0) && !(prd(0, P_IS) & IS_TFES));
	ok &= KTAP_EXPECT(disk.n == 4 && prd(0, P_SACT) == 0xf && prd(0, P_CI) == 0);
	ok &= KTAP_EXPECT(disk.q[3]->offset == 300 * 512ull);
	fake_be_complete_all(&disk);
	ok &= KTAP_EXPECT(prd(0, P_SACT) == 0 && ahci_inflight(&hba) == 0);
	ok &= KTAP_EXPECT(buf_matches(BUF + 0x10000, disk.img + 300 * 512ull, 512));
	return ok;
}

/*
 * Resets drop held completions as they drop running commands: PxCMD.ST
 * cleared, COMRESET, GHC.HR and the platform reset; nothing is written
 * for them afterwards, by a late completion or by the timer.
 */
static int t_coalesce_resets_drop(void)
{
	int ok = 1;
	unsigned int how;

	for (how = 0; how < 4; how++) {
		coalesce_setup(100, 8);
		ncq_reads(6);
		ack();
		fake_be_complete(&disk, 0, 0);
		fake_be_complete(&disk, 0, 0);		/* 2 held, 4 run */
		ok &= KTAP_EXPECT(prd(0, P_SACT) == 0x3f && bits(hba.ports[0].held) == 2);
		switch (how) {
		case 0:
			pwr(0, P_CMD, prd(0, P_CMD) & ~1u);
			break;
		case 1:
			pwr(0, P_SCTL, 1);
			break;
		case 2:
			wr(R_GHC, 1);
			break;
		case 3:
			ahci_reset(&hba);
			break;
		}
		ok &= KTAP_EXPECT(prd(0, P_SACT) == 0 && prd(0, P_CI) == 0);
		ok &= KTAP_EXPECT(hba.ports[0].held == 0);
		memset(mem(FB(0)), 0x5a, 0x100);
		pwr(0, P_IS, 0xffffffff);
		fake_be_complete_all(&disk);
		ahci_timer_fire(&hba);
		ok &= KTAP_EXPECT(prd(0, P_IS) == 0 && sdb_untouched());
		ok &= KTAP_EXPECT(ahci_inflight(&hba) == 0 && hba.ports[0].bs.inflight == 0);
		/* the slots are free again: a new command runs */
		if (how == 1)
			pwr(0, P_SCTL, 0);
		if (how >= 2)
			port_up(0);
		else
			pwr(0, P_CMD, prd(0, P_CMD) | 1u);
		ack();
		ncq_reads(1);
		fake_be_complete(&disk, 0, 0);
		ok &= KTAP_EXPECT(sdb_posted(1) && prd(0, P_SACT) == 0 && tag_done(0));
	}
	return ok;
}

/* Queue depth 32, random order, max 8: every tag completes, in batches. */
static int t_coalesce_qd32(void)
{
	int ok = 1, seen_ok = 1;
	unsigned int k, posted = 0, edges;
	u32 done = 0;

	coalesce_setup(100, 8);
	ncq_reads(32);
	ack();
	edges = irq_edges;
	for (k = 0; disk.n; k++) {
		u32 sact_before = prd(0, P_SACT);

		fake_be_complete(&disk, (k * 7 + 3) % disk.n, 0);
		if (k % 5 == 4)
			ahci_timer_fire(&hba);
		if (prd(0, P_IS) & IS_SDBS) {
			u32 tags = le32(mem(FB(0) + 0x58) + 4);

			/* exactly the tags that left PxSACT, never one twice */
			seen_ok &= (sact_before & ~prd(0, P_SACT)) == tags && !(done & tags);
			done |= tags;
			posted++;
			ack();
		}
	}
	ok &= KTAP_EXPECT(seen_ok && done == 0xffffffff && prd(0, P_SACT) == 0);
	ok &= KTAP_EXPECT(posted < 32 && posted >= 4 && irq_edges - edges == posted);
	for (k = 0; k < 32; k++)
		ok &= KTAP_EXPECT(tag_done(k));
	ok &= KTAP_EXPECT(disk.bad == 0 && ahci_inflight(&hba) == 0);
	return ok;
}

/* every dword of the read page equals the register read there */
static bool page_matches(const u32 *page)
{
	unsigned int i;

	for (i = 0; i < AHCI_ABAR_SIZE / 4; i++)
		if (page[i] != rd(i * 4))
			return false;
	return true;
}

/* Only PxSACT of each of the six ports has a doorbell write behind it. */
static int t_write_chains(void)
{
	unsigned int off, n = 0;
	int ok = 1;

	for (off = 0; off < AHCI_ABAR_SIZE; off += 4)
		if (ahci_write_chains(off)) {
			ok &= KTAP_EXPECT(off >= 0x100 && (off - 0x100) % 0x80 == 0x34);
			n++;
		}
	ok &= KTAP_EXPECT(n == AHCI_NR_PORTS);
	ok &= KTAP_EXPECT(!ahci_write_chains(0x100 + 0x38));	/* PxCI */
	return ok;
}

/*
 * The guest's read page of the ABAR: current after register writes,
 * completions, the coalescing timer, COMRESET and HBA reset, and before
 * each interrupt is raised.
 */
static int t_regs_page(void)
{
	static u32 page[AHCI_ABAR_SIZE / 4];
	int ok = 1;
	unsigned int k, stale = 1;

	coalesce_setup(100, 4);
	memset(page, 0, sizeof(page));	/* as the host gives it */
	ahci_set_regs_page(&hba, page);
	ok &= KTAP_EXPECT(page_matches(page) && page[0] == rd(R_CAP));
	ok &= KTAP_EXPECT(page[R_PI / 4] == 0x3f && page[R_VS / 4] == rd(R_VS));
	irq_page = page;
	irq_page_stale = 0;
	ncq_reads(32);
	ok &= KTAP_EXPECT(page_matches(page) && page[(0x100 + P_SACT) / 4] == 0xffffffffu);
	for (k = 0; disk.n; k++) {
		fake_be_complete(&disk, (k * 5 + 1) % disk.n, 0);
		if (k % 7 == 6)
			ahci_timer_fire(&hba);
		stale &= page_matches(page);
		if (prd(0, P_IS) & IS_SDBS)
			ack();
		stale &= page_matches(page);
	}
	ahci_timer_fire(&hba);
	ok &= KTAP_EXPECT(stale && page_matches(page) && irq_calls > 0);
	ok &= KTAP_EXPECT(irq_page_stale == 0);
	pwr(0, P_SCTL, 1);	/* COMRESET */
	ok &= KTAP_EXPECT(page_matches(page));
	pwr(0, P_SCTL, 0);
	ok &= KTAP_EXPECT(page_matches(page));
	wr(R_GHC, 1);		/* HBA reset */
	ok &= KTAP_EXPECT(page_matches(page) && page[R_GHC / 4] == 0x80000000u);
	irq_page = NULL;
	return ok;
}

static int t_hba_regs(void)
{
	int ok = 1;
	u32 cap;

	setup(true);
	cap = rd(R_CAP);
	ok &= KTAP_EXPECT((cap & 0x1f) == 5);
	ok &= KTAP_EXPECT(((cap >> 8) & 0x1f) == 31);
	ok &= KTAP_EXPECT(cap & (1u << 30));		/* SNCQ */
	ok &= KTAP_EXPECT(cap & (1u << 31));		/* S64A */
	ok &= KTAP_EXPECT(cap & (1u << 18));		/* SAM */
	ok &= KTAP_EXPECT(((cap >> 20) & 0xf) == 3);
	ok &= KTAP_EXPECT(rd(R_PI) == 0x3f);
	ok &= KTAP_EXPECT(rd(R_VS) == 0x00010301);
	ok &= KTAP_EXPECT(rd(R_GHC) & (1u << 31));
	ok &= KTAP_EXPECT(rd(0x24) == 0 && rd(0x28) == 0 && rd(0x14) == 0);
	ok &= KTAP_EXPECT(rd(0x50) == 0 && rd(0xffc) == 0);
	ok &= KTAP_EXPECT(ahci_mmio_read(&hba, 0, 8) == ((u64)rd(R_GHC) << 32 | cap));
	ok &= KTAP_EXPECT(ahci_mmio_read(&hba, R_VS + 1, 1) == 0x03);
	ok &= KTAP_EXPECT(ahci_mmio_read(&hba, R_VS + 2, 2) == 0x0001);
	wr(R_GHC, 0);		/* AE cannot be cleared (SAM) */
	ok &= KTAP_EXPECT(rd(R_GHC) == (1u << 31));
	wr(0x50, 0xffffffff);	/* ignored */
	ok &= KTAP_EXPECT(rd(0x50) == 0);
	return ok;
}

static int t_port_link(void)
{
	int ok = 1;
	u8 *f;

	setup(true);
	ok &= KTAP_EXPECT(prd(0, P_SSTS) == 0x133);
	ok &= KTAP_EXPECT(prd(0, P_SIG) == 0x00000101);
	ok &= KTAP_EXPECT((prd(0, P_TFD) & 0x88) == 0);
	ok &= KTAP_EXPECT(prd(1, P_SSTS) == 0x133);
	ok &= KTAP_EXPECT(prd(1, P_SIG) == 0xeb140101);
	ok &= KTAP_EXPECT((prd(1, P_TFD) & 0x88) == 0);
	ok &= KTAP_EXPECT(prd(2, P_SSTS) == 0 && prd(5, P_SSTS) == 0);
	port_up(1);
	f = mem(FB(1) + 0x40);
	ok &= KTAP_EXPECT(f[0] == 0x34 && f[12] == 0x01 && f[4] == 0x01 &&
			  f[5] == 0x14 && f[6] == 0xeb);
	ok &= KTAP_EXPECT((prd(1, P_CMD) & 0xc011) == 0xc011);	/* CR FR FRE ST */
	ok &= KTAP_EXPECT(prd(1, P_IS) == 0);	/* signature FIS: I = 0 */
	return ok;
}

static int t_seabios_disk_probe(void)
{
	int ok = 1;
	u8 *id = mem(BUF);
	u8 sum = 0;
	unsigned int i;

	setup(true);
	port_up(0);
	cmd1(0, 0, 0xa1, 0, 0, 0, false, 512);		/* IDENTIFY PACKET */
	ok &= KTAP_EXPECT((prd(0, P_IS) & (IS_DHRS | IS_TFES)) == (IS_DHRS | IS_TFES));
	ok &= KTAP_EXPECT(d2h_status(0) & 0x01);
	ok &= KTAP_EXPECT(d2h_error(0) == 0x04);
	ok &= KTAP_EXPECT(prd(0, P_CI) == 1);		/* failed slot stays */
	recover(0);
	ok &= KTAP_EXPECT(prd(0, P_CI) == 0);
	cmd1(0, 0, 0xec, 0, 0, 0, false, 512);		/* IDENTIFY */
	ok &= KTAP_EXPECT(prd(0, P_IS) & IS_PSS);
	ok &= KTAP_EXPECT(!(prd(0, P_IS) & IS_TFES));
	ok &= KTAP_EXPECT(prd(0, P_CI) == 0);
	ok &= KTAP_EXPECT((mem(FB(0) + 0x20)[2] & 0xc1) == 0x40);	/* SeaBIOS reads this */
	ok &= KTAP_EXPECT(mem(FB(0) + 0x20)[0] == 0x5f && mem(FB(0) + 0x20)[15] == 0x50);
	ok &= KTAP_EXPECT(prdbc(0, 0) == 512);
	for (i = 0; i < 512; i++)
		sum += id[i];
	ok &= KTAP_EXPECT(sum == 0 && id[510] == 0xa5);
	ok &= KTAP_EXPECT(!(idw(id, 0) & 0x8000));
	ok &= KTAP_EXPECT(idw(id, 83) & (1 << 10));
	ok &= KTAP_EXPECT((idw(id, 60) | (u32)idw(id, 61) << 16) == DISK_SIZE / 512);
	ok &= KTAP_EXPECT((idw(id, 100) | (u32)idw(id, 101) << 16) == DISK_SIZE / 512 &&
			  idw(id, 102) == 0 && idw(id, 103) == 0);
	ok &= KTAP_EXPECT(idw(id, 75) == 31 && (idw(id, 76) & 0x100));
	ok &= KTAP_EXPECT(idw(id, 169) & 1);
	ok &= KTAP_EXPECT(idw(id, 49) & 0x0300);
	ok &= KTAP_EXPECT(idw(id, 82) & 0x20 && idw(id, 85) & 0x20);	/* write cache */
	ok &= KTAP_EXPECT(idw(id, 86) & 0x3400);
	ok &= KTAP_EXPECT(idw(id, 106) == 0x4000 && idw(id, 217) == 1);
	ok &= KTAP_EXPECT(id[55] == 'V' && id[54] == 'M' && id[57] == 'M');
	return ok;
}

static int t_identify_no_trim(void)
{
	int ok = 1;
	u8 *id = mem(BUF);

	setup(false);
	port_up(0);
	cmd1(0, 0, 0xec, 0, 0, 0, false, 512);
	ok &= KTAP_EXPECT(!(idw(id, 169) & 1) && idw(id, 105) == 0);
	return ok;
}

static int t_seabios_disk_read(void)
{
	int ok = 1;

	setup(true);
	port_up(0);
	cmd1(0, 0, 0xc8, 100, 4, 1, false, 2048);	/* READ DMA */
	ok &= KTAP_EXPECT(disk.n == 1);
	ok &= KTAP_EXPECT(disk.log[0].op == BLK_OP_READ && disk.log[0].offset == 100 * 512 &&
			  disk.log[0].len == 2048 && disk.log[0].nr_segs == 1);
	ok &= KTAP_EXPECT(prd(0, P_CI) == 1 && prd(0, P_IS) == 0);
	ok &= KTAP_EXPECT(ahci_inflight(&hba) == 1);
	fake_be_complete_all(&disk);
	ok &= KTAP_EXPECT(prd(0, P_CI) == 0 && prd(0, P_IS) == IS_DHRS);
	ok &= KTAP_EXPECT(d2h_status(0) == 0x50);
	ok &= KTAP_EXPECT(buf_matches(BUF, disk.img + 100 * 512, 2048));
	ok &= KTAP_EXPECT(prdbc(0, 0) == 2048);
	ok &= KTAP_EXPECT(ahci_inflight(&hba) == 0 && disk.bad == 0);
	return ok;
}

static int t_write_dma_ext(void)
{
	int ok = 1;
	unsigned int i;

	setup(true);
	port_up(0);
	for (i = 0; i < 4096; i++)
		mem(BUF)[i] = (u8)(i ^ 0x5a);
	cmd1(0, 3, 0x35, 0x1234, 8, 0, true, 4096);
	ok &= KTAP_EXPECT(disk.n == 1 && disk.log[0].op == BLK_OP_WRITE &&
			  disk.log[0].offset == 0x1234ull * 512);
	fake_be_complete_all(&disk);
	ok &= KTAP_EXPECT(memcmp(disk.img + 0x1234ull * 512, mem(BUF), 4096) == 0);
	ok &= KTAP_EXPECT(prd(0, P_CI) == 0 && d2h_status(0) == 0x50);
	ok &= KTAP_EXPECT(prdbc(0, 3) == 4096);
	return ok;
}

static int t_pio_read_write(void)
{
	int ok = 1;

	setup(true);
	port_up(0);
	cmd1(0, 0, 0x20, 7, 2, 0, false, 1024);		/* READ SECTORS */
	fake_be_complete_all(&disk);
	ok &= KTAP_EXPECT(prd(0, P_IS) == IS_PSS);
	ok &= KTAP_EXPECT(buf_matches(BUF, disk.img + 7 * 512, 1024));
	ok &= KTAP_EXPECT(mem(FB(0) + 0x20)[1] & 0x20);	/* D: to host */
	pwr(0, P_IS, 0xffffffff);
	memset(mem(BUF), 0xab, 512);
	cmd1(0, 1, 0x34, 9, 1, 0, true, 512);		/* WRITE SECTORS EXT */
	fake_be_complete_all(&disk);
	ok &= KTAP_EXPECT(prd(0, P_IS) == (IS_PSS | IS_DHRS));
	ok &= KTAP_EXPECT(disk.img[9 * 512] == 0xab && disk.img[9 * 512 + 511] == 0xab);
	ok &= KTAP_EXPECT(prd(0, P_CI) == 0);
	return ok;
}

static int t_pio_multiple_and_aliases(void)
{
	int ok = 1;

	setup(true);
	port_up(0);
	cmd1(0, 0, 0xc4, 3, 2, 0, false, 1024);	/* READ MULTIPLE, mode off */
	ok &= KTAP_EXPECT((prd(0, P_IS) & IS_TFES) && disk.n == 0);
	recover(0);
	cmd1(0, 0, 0xc6, 0, 8, 0, false, 0);		/* SET MULTIPLE MODE 8 */
	cmd1(0, 0, 0xc6, 0, 3, 0, false, 0);		/* not a power of two */
	ok &= KTAP_EXPECT(prd(0, P_IS) & IS_TFES);
	recover(0);
	cmd1(0, 0, 0xec, 0, 0, 0, false, 512);
	ok &= KTAP_EXPECT(idw(mem(BUF), 59) == 0x108);
	cmd1(0, 0, 0x29, 3, 2, 0, false, 1024);	/* READ MULTIPLE EXT */
	fake_be_complete_all(&disk);
	ok &= KTAP_EXPECT(prd(0, P_IS) == IS_PSS && buf_matches(BUF, disk.img + 3 * 512, 1024));
	pwr(0, P_IS, 0xffffffff);
	cmd1(0, 0, 0xc9, 5, 1, 0, false, 512);		/* READ DMA without retries */
	fake_be_complete_all(&disk);
	ok &= KTAP_EXPECT(prd(0, P_IS) == IS_DHRS && buf_matches(BUF, disk.img + 5 * 512, 512));
	pwr(0, P_IS, 0xffffffff);
	memset(mem(BUF), 0xcd, 512);
	cmd1(0, 0, 0xc5, 6, 1, 0, true, 512);		/* WRITE MULTIPLE */
	fake_be_complete_all(&disk);
	ok &= KTAP_EXPECT(prd(0, P_IS) == (IS_PSS | IS_DHRS) && disk.img[6 * 512] == 0xcd);
	return ok;
}

static int t_cd_identify(void)
{
	int ok = 1;
	u8 *id = mem(BUF), *f = mem(FB(1) + 0x40);
	u8 sum = 0;
	unsigned int i;

	setup(true);
	port_up(1);
	cmd1(1, 0, 0xa1, 0, 0, 0, false, 512);
	ok &= KTAP_EXPECT(prd(1, P_IS) == IS_PSS && prd(1, P_CI) == 0);
	ok &= KTAP_EXPECT(idw(id, 0) == 0x85c0);
	ok &= KTAP_EXPECT(((idw(id, 0) >> 8) & 0x1f) == 5);
	ok &= KTAP_EXPECT(idw(id, 49) & 0x0300);
	for (i = 0; i < 512; i++)
		sum += id[i];
	ok &= KTAP_EXPECT(sum == 0);
	/* IDENTIFY DEVICE to it: aborted, with the packet signature */
	cmd1(1, 1, 0xec, 0, 0, 0, false, 512);
	ok &= KTAP_EXPECT(prd(1, P_IS) & IS_TFES);
	ok &= KTAP_EXPECT((f[2] & 1) && f[3] == 0x04 && f[5] == 0x14 && f[6] == 0xeb);
	return ok;
}

static const u8 cdb_tur[12] = { 0x00 };

static int t_cd_tur_read(void)
{
	int ok = 1;
	u8 cdb[12] = { 0x28, 0, 0, 0, 0, 16, 0, 0, 2, 0 };	/* READ(10) 16, 2 */

	setup(true);
	port_up(1);
	/*
	 * SeaBIOS's TEST UNIT READY: count 0 gives a PRD of 0x3fffff + 1
	 * bytes; here it lies outside RAM too. No data: never looked at.
	 */
	packet(1, 0, cdb_tur, 0x400000, 0xfff00000ull);
	ok &= KTAP_EXPECT(prd(1, P_IS) & IS_TFES);		/* power-on UA */
	ok &= KTAP_EXPECT((d2h_error(1) >> 4) == 6 && (d2h_status(1) & 1));
	ok &= KTAP_EXPECT(prd(1, P_SERR) == 0);
	recover(1);
	packet(1, 0, cdb_tur, 0x400000, 0xfff00000ull);
	ok &= KTAP_EXPECT(prd(1, P_IS) == IS_DHRS && prd(1, P_CI) == 0);
	ok &= KTAP_EXPECT(d2h_status(1) == 0x40 && cd.n == 0);
	pwr(1, P_IS, 0xffffffff);
	packet(1, 2, cdb, 4096, BUF);
	ok &= KTAP_EXPECT(cd.n == 1 && cd.log[0].offset == 16 * 2048 && cd.log[0].len == 4096);
	ok &= KTAP_EXPECT(prd(1, P_CI) == 4);
	fake_be_complete_all(&cd);
	ok &= KTAP_EXPECT(prd(1, P_CI) == 0 && prd(1, P_IS) == IS_DHRS);
	ok &= KTAP_EXPECT(buf_matches(BUF, cd.img + 16 * 2048, 4096));
	ok &= KTAP_EXPECT(prdbc(1, 2) == 4096 && cd.bad == 0);
	return ok;
}

static int t_cd_inquiry_short_prdt(void)
{
	int ok = 1;
	u8 cdb[12] = { 0x12, 0, 0, 0, 96, 0 };		/* INQUIRY, 96 bytes */

	setup(true);
	port_up(1);
	packet(1, 0, cdb_tur, 0, BUF);		/* eat the power-on UA */
	recover(1);
	memset(mem(BUF), 0xee, 64);
	/* PRDT holds 8 bytes: the drive sends what fits, no error */
	packet(1, 0, cdb, 8, BUF);
	ok &= KTAP_EXPECT(prd(1, P_IS) == IS_DHRS && prdbc(1, 0) == 8);
	ok &= KTAP_EXPECT((mem(BUF)[0] & 0x1f) == 5 && mem(BUF)[8] == 0xee);
	return ok;
}

static int t_cd_pio_packet(void)
{
	int ok = 1;
	u8 fis[20], cdb[12] = { 0x12, 0, 0, 0, 36, 0 };	/* INQUIRY */
	struct prde e = { BUF, 36 };

	setup(true);
	port_up(1);
	packet(1, 0, cdb_tur, 0, BUF);		/* power-on UA */
	recover(1);
	h2d(fis, 0xa0, 0, 0, 0);		/* PIO: feature bit 0 clear */
	build(1, 0, fis, false, &e, 1);
	memcpy(mem(CT(1, 0)) + 0x40, cdb, 12);
	issue(1, 0);
	ok &= KTAP_EXPECT(prd(1, P_IS) == (IS_PSS | IS_DHRS) && prdbc(1, 0) == 36);
	ok &= KTAP_EXPECT(mem(FB(1) + 0x20)[0] == 0x5f && mem(FB(1) + 0x20)[16] == 36);
	ok &= KTAP_EXPECT(d2h_status(1) == 0x40 && (mem(BUF)[0] & 0x1f) == 5);
	pwr(1, P_IS, 0xffffffff);
	h2d(fis, 0xa0, 0, 0, 0);
	build(1, 0, fis, false, &e, 1);		/* TEST UNIT READY: no data */
	issue(1, 0);
	ok &= KTAP_EXPECT(prd(1, P_IS) == IS_DHRS);
	return ok;
}

static int t_cd_medium_change(void)
{
	int ok = 1;

	setup(true);
	port_up(1);
	packet(1, 0, cdb_tur, 0, BUF);
	recover(1);
	packet(1, 0, cdb_tur, 0, BUF);
	ok &= KTAP_EXPECT(!(prd(1, P_IS) & IS_TFES));
	ok &= KTAP_EXPECT(ahci_change_medium(&hba, 1, NULL) == 0);
	ok &= KTAP_EXPECT(ahci_change_medium(&hba, 0, NULL) == -EINVAL);
	packet(1, 0, cdb_tur, 0, BUF);
	ok &= KTAP_EXPECT((prd(1, P_IS) & IS_TFES) && (d2h_error(1) >> 4) == 6);
	recover(1);
	packet(1, 0, cdb_tur, 0, BUF);
	ok &= KTAP_EXPECT((prd(1, P_IS) & IS_TFES) && (d2h_error(1) >> 4) == 2);
	return ok;
}

static int t_linux_hba_reset(void)
{
	int ok = 1;

	setup(true);
	port_up(0);
	pwr(0, P_IE, 0xffffffff);
	wr(R_GHC, 1);
	ok &= KTAP_EXPECT(rd(R_GHC) == (1u << 31));
	ok &= KTAP_EXPECT(prd(0, P_CLB) == 0 && prd(0, P_IE) == 0);
	ok &= KTAP_EXPECT(prd(0, P_CMD) == 0x6);	/* SUD POD */
	ok &= KTAP_EXPECT(prd(0, P_SSTS) == 0x133 && prd(0, P_SIG) == 0x101);
	ok &= KTAP_EXPECT(prd(0, P_IE) == 0 && rd(R_IS) == 0);
	return ok;
}

/* NCQ: 32 commands, completed in a scrambled order. */
static int t_ncq_qd32(void)
{
	int ok = 1, sdb_ok = 1, sact_ok = 1;
	unsigned int s, k;
	u8 fis[20];

	setup(true);
	port_up(0);
	pwr(0, P_IE, 0xffffffff);
	wr(R_GHC, rd(R_GHC) | 2);
	for (s = 0; s < 32; s++) {
		struct prde e = { BUF + s * 0x8000ull, 0x8000 };
		bool w = s & 1;

		if (w)
			memset(mem(e.addr), s, 0x8000);
		h2d(fis, w ? 0x61 : 0x60, 1000 + s * 64, s << 3, 64);
		build(0, s, fis, w, &e, 1);
	}
	pwr(0, P_SACT, 0xffffffff);
	pwr(0, P_CI, 0xffffffff);
	ok &= KTAP_EXPECT(disk.n == 32);
	ok &= KTAP_EXPECT(prd(0, P_CI) == 0 && prd(0, P_SACT) == 0xffffffff);
	ok &= KTAP_EXPECT(ahci_inflight(&hba) == 32);
	for (k = 0; k < 32; k++) {
		unsigned int i = (k * 7 + 3) % disk.n;
		struct blk_req *req = disk.q[i];
		unsigned int tag = (unsigned int)(req->offset / 512 - 1000) / 64;
		u8 *sdb = mem(FB(0) + 0x58);

		pwr(0, P_IS, 0xffffffff);
		memset(sdb, 0, 8);
		fake_be_complete(&disk, i, 0);
		sdb_ok &= sdb[0] == 0xa1 && le32(sdb + 4) == 1u << tag && !(sdb[2] & 1);
		sact_ok &= !(prd(0, P_SACT) & (1u << tag));
		sact_ok &= (prd(0, P_IS) & IS_SDBS) != 0;
	}
	ok &= KTAP_EXPECT(sdb_ok && sact_ok);
	ok &= KTAP_EXPECT(prd(0, P_SACT) == 0 && ahci_inflight(&hba) == 0);
	for (s = 0; s < 32; s++) {
		const u8 *img = disk.img + (1000 + s * 64ull) * 512;

		if (s & 1)
			ok &= KTAP_EXPECT(img[0] == s && img[0x7fff] == s);
		else
			ok &= KTAP_EXPECT(buf_matches(BUF + s * 0x8000ull, img, 0x8000));
	}
	ok &= KTAP_EXPECT(irq_edges >= 32 && disk.bad == 0);
	return ok;
}

static int t_flush(void)
{
	int ok = 1;

	setup(true);
	port_up(0);
	cmd1(0, 0, 0xea, 0, 0, 0, false, 0);
	ok &= KTAP_EXPECT(disk.n == 1 && disk.log[0].op == BLK_OP_FLUSH);
	ok &= KTAP_EXPECT(prd(0, P_CI) == 1);
	fake_be_complete_all(&disk);
	ok &= KTAP_EXPECT(prd(0, P_CI) == 0 && prd(0, P_IS) == IS_DHRS && disk.flushes == 1);
	cmd1(0, 0, 0xe7, 0, 0, 0, false, 0);
	fake_be_complete_all(&disk);
	ok &= KTAP_EXPECT(disk.flushes == 2 && !(prd(0, P_IS) & IS_TFES));
	return ok;
}

static void trim_entry(u8 *p, u64 lba, u16 count)
{
	u64 e = lba | (u64)count << 48;
	unsigned int i;

	for (i = 0; i < 8; i++)
		p[i] = e >> (8 * i);
}

static int t_trim(void)
{
	int ok = 1;

	setup(true);
	port_up(0);
	memset(mem(BUF), 0, 512);
	trim_entry(mem(BUF), 2048, 8);
	trim_entry(mem(BUF) + 8, 0, 0);			/* empty: skipped */
	trim_entry(mem(BUF) + 16, 30000, 2000);
	cmd1(0, 0, 0x06, 0, 1, 1, true, 512);
	ok &= KTAP_EXPECT(disk.n == 1 && disk.log[0].op == BLK_OP_DISCARD &&
			  disk.log[0].offset == 2048 * 512 && disk.log[0].len == 8 * 512);
	fake_be_complete(&disk, 0, 0);
	ok &= KTAP_EXPECT(disk.n == 1 && disk.log[1].op == BLK_OP_DISCARD &&
			  disk.log[1].offset == 30000ull * 512 && disk.log[1].len == 2000ull * 512);
	ok &= KTAP_EXPECT(prd(0, P_CI) == 1);
	fake_be_complete(&disk, 0, 0);
	ok &= KTAP_EXPECT(disk.n == 0 && prd(0, P_CI) == 0 && prd(0, P_IS) == IS_DHRS);
	ok &= KTAP_EXPECT(disk.img[2048 * 512] == 0 && disk.bad == 0);
	return ok;
}

static int t_trim_refused(void)
{
	int ok = 1;

	setup(false);			/* backend cannot discard */
	port_up(0);
	trim_entry(mem(BUF), 10, 1);
	cmd1(0, 0, 0x06, 0, 1, 1, true, 512);
	ok &= KTAP_EXPECT((prd(0, P_IS) & IS_TFES) && d2h_error(0) == 0x04 && disk.n == 0);
	setup(true);
	port_up(0);
	memset(mem(BUF), 0, 512);
	trim_entry(mem(BUF), DISK_SIZE / 512 - 1, 2);	/* past the end */
	cmd1(0, 0, 0x06, 0, 1, 1, true, 512);
	ok &= KTAP_EXPECT((prd(0, P_IS) & IS_TFES) && (d2h_error(0) & 0x10) && disk.n == 0);
	recover(0);
	cmd1(0, 0, 0x06, 0, 9, 1, true, 512);	/* more blocks than word 105 */
	ok &= KTAP_EXPECT((prd(0, P_IS) & IS_TFES) && disk.n == 0);
	recover(0);
	cmd1(0, 0, 0x06, 0, 1, 0, true, 512);	/* TRIM bit clear */
	ok &= KTAP_EXPECT((prd(0, P_IS) & IS_TFES) && disk.n == 0);
	return ok;
}

static int t_set_features(void)
{
	int ok = 1;
	u8 *id = mem(BUF);

	setup(true);
	port_up(0);
	cmd1(0, 0, 0xef, 0, 0x46, 0x03, false, 0);	/* UDMA 6 */
	ok &= KTAP_EXPECT(prd(0, P_IS) == IS_DHRS);
	cmd1(0, 0, 0xef, 0, 0, 0x82, false, 0);		/* write cache off */
	cmd1(0, 0, 0xec, 0, 0, 0, false, 512);
	ok &= KTAP_EXPECT(idw(id, 88) & (1 << 14));
	ok &= KTAP_EXPECT(!(idw(id, 85) & 0x20));
	/* write cache off: a write flushes before it completes */
	cmd1(0, 0, 0xca, 5, 1, 0, true, 512);
	fake_be_complete(&disk, 0, 0);
	ok &= KTAP_EXPECT(disk.n == 1 && disk.q[0]->op == BLK_OP_FLUSH && prd(0, P_CI) == 1);
	fake_be_complete(&disk, 0, 0);
	ok &= KTAP_EXPECT(prd(0, P_CI) == 0);
	cmd1(0, 0, 0xef, 0, 0x7f, 0x03, false, 0);	/* bad mode */
	ok &= KTAP_EXPECT(prd(0, P_IS) & IS_TFES);
	recover(0);
	cmd1(0, 0, 0xef, 0, 0, 0x05, false, 0);		/* APM: not supported */
	ok &= KTAP_EXPECT(prd(0, P_IS) & IS_TFES);
	return ok;
}

static int t_nodata_cmds(void)
{
	static const u8 okc[] = { 0xe0, 0xe1, 0xe2, 0xe3, 0xe6, 0x91, 0xc6, 0x40, 0x42 };
	int ok = 1, each = 1;
	unsigned int i;

	setup(true);
	port_up(0);
	for (i = 0; i < sizeof(okc); i++) {
		pwr(0, P_IS, 0xffffffff);
		cmd1(0, 0, okc[i], 0, 8, 0, false, 0);
		each &= prd(0, P_IS) == IS_DHRS && prd(0, P_CI) == 0;
	}
	ok &= KTAP_EXPECT(each);
	cmd1(0, 0, 0xe5, 0, 0, 0, false, 0);		/* CHECK POWER MODE */
	ok &= KTAP_EXPECT(mem(FB(0) + 0x40)[12] == 0xff);
	cmd1(0, 0, 0x27, 0, 0, 0, false, 0);		/* READ NATIVE MAX EXT */
	ok &= KTAP_EXPECT(le32(mem(FB(0) + 0x40 + 4)) % (1u << 24) == (DISK_SIZE / 512 - 1));
	cmd1(0, 0, 0x90, 0, 0, 0, false, 0);		/* EXECUTE DEVICE DIAGNOSTIC */
	ok &= KTAP_EXPECT(d2h_error(0) == 0x01 && !(d2h_status(0) & 1));
	ok &= KTAP_EXPECT(disk.n == 0 && !(prd(0, P_IS) & IS_TFES));
	return ok;
}

static int t_unknown_cmds(void)
{
	static const u8 bad[] = { 0x00, 0x08, 0xa0, 0xb0, 0xff, 0x47 };
	int ok = 1;
	unsigned int i;

	setup(true);
	port_up(0);
	for (i = 0; i < sizeof(bad); i++) {
		cmd1(0, 0, bad[i], 0, 1, 0, false, 512);
		ok &= KTAP_EXPECT((prd(0, P_IS) & IS_TFES) && d2h_error(0) == 0x04);
		recover(0);
	}
	ok &= KTAP_EXPECT(disk.n == 0);
	return ok;
}

static int t_range_and_counts(void)
{
	int ok = 1;
	u8 fis[20];
	struct prde e[2] = { { BUF, 0x10000 }, { BUF + 0x10000, 0x10000 } };

	setup(true);
	port_up(0);
	cmd1(0, 0, 0x25, DISK_SIZE / 512 - 1, 2, 0, false, 1024);	/* past the end */
	ok &= KTAP_EXPECT((prd(0, P_IS) & IS_TFES) && (d2h_error(0) & 0x10) && disk.n == 0);
	recover(0);
	cmd1(0, 0, 0x25, 0xffffffffffffull, 1, 0, false, 512);
	ok &= KTAP_EXPECT((prd(0, P_IS) & IS_TFES) && disk.n == 0);
	recover(0);
	/* count 0 is 256 sectors for a 28-bit command */
	h2d(fis, 0xc8, 0, 0, 0);
	build(0, 0, fis, false, e, 2);
	issue(0, 0);
	ok &= KTAP_EXPECT(disk.n == 1 && disk.log[0].len == 256 * 512 && disk.log[0].nr_segs == 2);
	fake_be_complete_all(&disk);
	ok &= KTAP_EXPECT(prd(0, P_IS) == IS_DHRS);
	/* and 65536 for a 48-bit one: this PRDT is too short */
	h2d(fis, 0x25, 0, 0, 0);
	build(0, 0, fis, false, e, 2);
	issue(0, 0);
	ok &= KTAP_EXPECT((prd(0, P_IS) & IS_TFES) && disk.n == 0);
	return ok;
}

static int t_hostile_prdt_memory(void)
{
	int ok = 1;
	u8 fis[20];
	struct prde e = { RAM_SIZE - 512, 1024 };	/* crosses the end of RAM */

	setup(true);
	port_up(0);
	cmd1(0, 0, 0xc8, 0, 1, 0, false, 512);
	fake_be_complete_all(&disk);
	/* outside RAM */
	h2d(fis, 0xc8, 0, 2, 0);
	e.addr = 0x123400000000ull;
	build(0, 1, fis, false, &e, 1);
	issue(0, 1);
	ok &= KTAP_EXPECT((prd(0, P_IS) & IS_TFES) && (prd(0, P_SERR) & (1u << 11)));
	ok &= KTAP_EXPECT(disk.n == 0 && d2h_error(0) == 0x04);
	recover(0);
	e.addr = RAM_SIZE - 512;
	build(0, 1, fis, false, &e, 1);
	issue(0, 1);
	ok &= KTAP_EXPECT((prd(0, P_IS) & IS_TFES) && disk.n == 0);
	recover(0);
	/* a read may not land in memory the device cannot write */
	gm.ro_base = BUF;
	gm.ro_len = 0x1000;
	cmd1(0, 0, 0xc8, 0, 1, 0, false, 512);
	ok &= KTAP_EXPECT((prd(0, P_IS) & IS_TFES) && disk.n == 0);
	recover(0);
	cmd1(0, 0, 0xca, 0, 1, 0, true, 512);		/* a write may read it */
	ok &= KTAP_EXPECT(disk.n == 1);
	fake_be_complete_all(&disk);
	/* an address that wraps around 2^64 */
	e.addr = 0xfffffffffffffe00ull;
	e.len = 0x1000;
	h2d(fis, 0xc8, 0, 1, 0);
	build(0, 2, fis, false, &e, 1);
	/* the PRD's skip arithmetic is exercised by a 2-chunk transfer below */
	issue(0, 2);
	ok &= KTAP_EXPECT((prd(0, P_IS) & IS_TFES) && disk.n == 0);
	return ok;
}

static int t_hostile_prdt_short(void)
{
	int ok = 1;
	u8 fis[20];
	struct prde e = { BUF, 1024 };

	setup(true);
	port_up(0);
	h2d(fis, 0x25, 0, 4, 0);			/* 2048 bytes, PRDT 1024 */
	build(0, 0, fis, false, &e, 1);
	issue(0, 0);
	ok &= KTAP_EXPECT((prd(0, P_IS) & IS_TFES) && disk.n == 0);
	recover(0);
	build(0, 0, fis, false, &e, 0);			/* PRDTL 0 */
	issue(0, 0);
	ok &= KTAP_EXPECT((prd(0, P_IS) & IS_TFES) && disk.n == 0);
	recover(0);
	cmd1(0, 0, 0xec, 0, 0, 0, false, 0);		/* IDENTIFY, no PRDT */
	ok &= KTAP_EXPECT((prd(0, P_IS) & IS_TFES));
	recover(0);
	/* NCQ with a zero-length PRDT: an error, not an assertion */
	h2d(fis, 0x60, 0, 0 << 3, 1);
	build(0, 0, fis, false, &e, 0);
	pwr(0, P_SACT, 1);
	issue(0, 0);
	ok &= KTAP_EXPECT((prd(0, P_IS) & IS_TFES) && disk.n == 0);
	ok &= KTAP_EXPECT(ahci_inflight(&hba) == 0);
	return ok;
}

static int t_hostile_fis_and_tables(void)
{
	int ok = 1;
	u8 fis[20];

	setup(true);
	port_up(0);
	h2d(fis, 0xec, 0, 0, 0);
	fis[0] = 0x34;					/* not an H2D FIS */
	build(0, 0, fis, false, NULL, 0);
	issue(0, 0);
	ok &= KTAP_EXPECT((prd(0, P_IS) & IS_TFES) && (prd(0, P_SERR) & (1u << 11)));
	recover(0);
	/* CTBA outside RAM */
	h2d(fis, 0xec, 0, 0, 0);
	build(0, 0, fis, false, NULL, 0);
	put32(mem(CLB(0)) + 8, 0xfff00000);
	put32(mem(CLB(0)) + 12, 0x10);
	issue(0, 0);
	ok &= KTAP_EXPECT(prd(0, P_IS) & IS_TFES);
	recover(0);
	/* CLB outside RAM */
	pwr(0, P_CMD, prd(0, P_CMD) & ~1u);
	pwr(0, P_CLB, 0xfffffc00);
	pwr(0, P_CLBU, 0x7);
	pwr(0, P_CMD, prd(0, P_CMD) | 1u);
	issue(0, 5);
	ok &= KTAP_EXPECT(prd(0, P_IS) & IS_TFES);
	/* FB outside RAM: the command works, the FIS goes nowhere */
	pwr(0, P_CMD, prd(0, P_CMD) & ~0x11u);
	pwr(0, P_CLB, CLB(0));
	pwr(0, P_CLBU, 0);
	pwr(0, P_FB, 0xffffff00);
	pwr(0, 0x0c, 0xffffffff);
	pwr(0, P_IS, 0xffffffff);
	pwr(0, P_CMD, prd(0, P_CMD) | 0x11u);
	cmd1(0, 1, 0xc8, 0, 1, 0, false, 512);
	fake_be_complete_all(&disk);
	ok &= KTAP_EXPECT(prd(0, P_IS) == IS_DHRS && prd(0, P_CI) == 0);
	ok &= KTAP_EXPECT(prd(0, P_TFD) == 0x50);
	/* PRDTL 65535 of 2-byte entries for a 1 KiB read: chunked, bounded */
	return ok;
}

static int t_hostile_prdtl_fragmented(void)
{
	int ok = 1, i;
	u8 fis[20];
	static struct prde e[1024];
	unsigned int chunks = 0;

	setup(true);
	port_up(0);
	/* 1024 entries of 512 bytes: 4 chunks of 256 segments */
	for (i = 0; i < 1024; i++) {
		e[i].addr = BUF + (u64)i * 512;
		e[i].len = 512;
	}
	h2d(fis, 0x25, 40, 1024, 0);
	build(0, 0, fis, false, e, 1024);
	issue(0, 0);
	while (disk.n && chunks < 10) {
		ok &= KTAP_EXPECT(disk.q[0]->nr_segs <= BLK_MAX_SEGS);
		fake_be_complete(&disk, 0, 0);
		chunks++;
	}
	ok &= KTAP_EXPECT(chunks == 4 && prd(0, P_IS) == IS_DHRS);
	ok &= KTAP_EXPECT(buf_matches(BUF, disk.img + 40 * 512, 1024 * 512));
	ok &= KTAP_EXPECT(prdbc(0, 0) == 1024 * 512);
	/*
	 * 600 entries of 4 and 6 bytes (odd counts: bit 0 of DBC is forced)
	 * for 2048 bytes: 256 segments end mid-block, so each chunk is cut
	 * back to whole sectors and the next resumes inside an entry.
	 */
	for (i = 0; i < 600; i++) {
		e[i].addr = BUF + (u64)i * 8;
		e[i].len = (i & 1) ? 5 : 3;
	}
	memset(mem(BUF), 0, 600 * 8);
	h2d(fis, 0x25, 0, 4, 0);
	build(0, 1, fis, false, e, 600);
	issue(0, 1);
	chunks = 0;
	while (disk.n && chunks < 10) {
		ok &= KTAP_EXPECT(disk.q[0]->len % 512 == 0 && disk.q[0]->nr_segs <= BLK_MAX_SEGS);
		fake_be_complete(&disk, 0, 0);
		chunks++;
	}
	ok &= KTAP_EXPECT(chunks >= 2 && prd(0, P_IS) == IS_DHRS);
	{
		u64 off = 0;
		int good = 1;

		for (i = 0; off < 2048; i++) {
			u32 n = (i & 1) ? 6 : 4;

			if (n > 2048 - off)
				n = 2048 - off;
			good &= memcmp(mem(BUF + (u64)i * 8), disk.img + off, n) == 0;
			off += n;
		}
		ok &= KTAP_EXPECT(good);
	}
	/* a CD block (2048) cannot fit 256 segments of 2 bytes: an error */
	pwr(1, P_CMD, 0);
	port_up(1);
	{
		u8 cdb[12] = { 0x28, 0, 0, 0, 0, 1, 0, 0, 1, 0 };

		packet(1, 0, cdb_tur, 0, BUF);	/* power-on UA */
		recover(1);
		for (i = 0; i < 1024; i++) {
			e[i].addr = BUF + (u64)i * 2;
			e[i].len = 2;
		}
		h2d(fis, 0xa0, 0, 0, 1);
		build(1, 0, fis, false, e, 1024);
		memcpy(mem(CT(1, 0)) + 0x40, cdb, 12);
		issue(1, 0);
		ok &= KTAP_EXPECT((prd(1, P_IS) & IS_TFES) && cd.n == 0);
	}
	return ok;
}

static int t_large_transfer(void)
{
	int ok = 1;
	u8 fis[20];
	struct prde e[2] = { { BUF - 0x400000, 0x400000 }, { BUF, 0x400000 } };
	unsigned int chunks = 0;

	setup(true);
	port_up(0);
	h2d(fis, 0x25, 8, 16384, 0);		/* 8 MiB: two requests */
	build(0, 0, fis, false, e, 2);
	issue(0, 0);
	while (disk.n && chunks < 10) {
		ok &= KTAP_EXPECT(disk.q[0]->len <= BLK_MAX_BYTES);
		fake_be_complete(&disk, 0, 0);
		chunks++;
	}
	ok &= KTAP_EXPECT(chunks == 2 && prd(0, P_IS) == IS_DHRS && disk.bad == 0);
	ok &= KTAP_EXPECT(buf_matches(BUF - 0x400000, disk.img + 8 * 512, 0x800000));
	return ok;
}

static int t_ncq_tag_reuse(void)
{
	int ok = 1;
	u8 fis[20], before[8];
	struct prde e = { BUF, 512 };

	setup(true);
	port_up(0);
	h2d(fis, 0x60, 10, 4 << 3, 1);
	build(0, 4, fis, false, &e, 1);
	pwr(0, P_SACT, 1 << 4);
	issue(0, 4);
	ok &= KTAP_EXPECT(disk.n == 1 && prd(0, P_CI) == 0);
	/* the same tag again while it runs */
	pwr(0, P_SACT, 1 << 4);
	issue(0, 4);
	ok &= KTAP_EXPECT((prd(0, P_IS) & IS_TFES) && disk.n == 1);
	/* Linux's EH: stop the engine; the request finishes unseen */
	pwr(0, P_CMD, prd(0, P_CMD) & ~1u);
	ok &= KTAP_EXPECT(prd(0, P_CI) == 0 && prd(0, P_SACT) == 0 && !(prd(0, P_CMD) & 0x8000));
	memcpy(before, mem(FB(0) + 0x58), 8);
	pwr(0, P_IS, 0xffffffff);
	fake_be_complete_all(&disk);
	ok &= KTAP_EXPECT(memcmp(before, mem(FB(0) + 0x58), 8) == 0 && prd(0, P_IS) == 0);
	ok &= KTAP_EXPECT(ahci_inflight(&hba) == 0);
	/* a tag that is not the slot */
	pwr(0, P_CMD, prd(0, P_CMD) | 1u);
	h2d(fis, 0x60, 10, 7 << 3, 1);
	build(0, 2, fis, false, &e, 1);
	pwr(0, P_SACT, 1 << 2);
	issue(0, 2);
	ok &= KTAP_EXPECT((prd(0, P_IS) & IS_TFES) && disk.n == 0);
	return ok;
}

static int t_ncq_error_log(void)
{
	int ok = 1;
	u8 fis[20];
	struct prde e = { BUF, 512 };

	setup(true);
	port_up(0);
	h2d(fis, 0x60, 10, 6 << 3, 1);
	build(0, 6, fis, false, &e, 1);
	pwr(0, P_SACT, 1 << 6);
	issue(0, 6);
	fake_be_complete(&disk, 0, -EIO);
	ok &= KTAP_EXPECT(prd(0, P_IS) & IS_TFES);
	ok &= KTAP_EXPECT(prd(0, P_SACT) == 1 << 6);	/* the failed tag stays */
	ok &= KTAP_EXPECT(mem(FB(0) + 0x58)[2] & 1);	/* SDB with ERR */
	recover(0);
	cmd1(0, 0, 0x2f, 0x10, 1, 0, false, 512);	/* READ LOG EXT 10h */
	ok &= KTAP_EXPECT(prd(0, P_IS) == IS_PSS && mem(BUF)[0] == 6 && (mem(BUF)[2] & 1));
	ok &= KTAP_EXPECT(mem(BUF)[4] == 10 && mem(BUF)[12] == 1);
	{
		u8 sum = 0;
		unsigned int i;

		for (i = 0; i < 512; i++)
			sum += mem(BUF)[i];
		ok &= KTAP_EXPECT(sum == 0);
	}
	/* non-queued while NCQ runs: aborted */
	build(0, 6, fis, false, &e, 1);
	pwr(0, P_SACT, 1 << 6);
	issue(0, 6);
	cmd1(0, 0, 0xec, 0, 0, 0, false, 512);
	ok &= KTAP_EXPECT((prd(0, P_IS) & IS_TFES) && disk.n == 1);
	return ok;
}

static int t_empty_port(void)
{
	int ok = 1;

	setup(true);
	port_up(3);
	cmd1(3, 0, 0xec, 0, 0, 0, false, 512);
	ok &= KTAP_EXPECT(prd(3, P_IS) & IS_TFES);
	ok &= KTAP_EXPECT(ahci_attach(&hba, 3, AHCI_DEV_DISK, NULL) == -EINVAL);
	ok &= KTAP_EXPECT(ahci_attach(&hba, 0, AHCI_DEV_DISK, &disk.be) == -EBUSY);
	ok &= KTAP_EXPECT(ahci_attach(&hba, 6, AHCI_DEV_DISK, &disk.be) == -EINVAL);
	ok &= KTAP_EXPECT(ahci_attach(&hba, 3, AHCI_DEV_CDROM, &disk.be) == -EINVAL);
	return ok;
}

static int t_ata_to_atapi(void)
{
	static const u8 cmds[] = { 0xc8, 0xca, 0x25, 0x35, 0x20, 0x30, 0x60, 0x61,
				   0x06, 0x27, 0xf8, 0x91, 0xc6, 0xe7, 0xea, 0x40, 0x2f };
	int ok = 1, each = 1;
	unsigned int i;

	setup(true);
	port_up(1);
	for (i = 0; i < sizeof(cmds); i++) {
		cmd1(1, 0, cmds[i], 0, 1, 1, false, 512);
		each &= (prd(1, P_IS) & IS_TFES) && d2h_error(1) == 0x04;
		recover(1);
	}
	ok &= KTAP_EXPECT(each && cd.n == 0);
	cmd1(1, 0, 0x08, 0, 0, 0, false, 0);		/* DEVICE RESET */
	ok &= KTAP_EXPECT(!(prd(1, P_IS) & IS_TFES) && mem(FB(1) + 0x40)[6] == 0xeb);
	cmd1(1, 0, 0xe5, 0, 0, 0, false, 0);
	ok &= KTAP_EXPECT(!(prd(1, P_IS) & IS_TFES));
	cmd1(1, 0, 0xef, 0, 0x45, 0x03, false, 0);
	ok &= KTAP_EXPECT(!(prd(1, P_IS) & IS_TFES));
	cmd1(1, 0, 0xef, 0, 0, 0x02, false, 0);		/* no write cache here */
	ok &= KTAP_EXPECT(prd(1, P_IS) & IS_TFES);
	return ok;
}

static int t_stop_with_inflight(void)
{
	int ok = 1;
	u8 marker[20];

	setup(true);
	port_up(0);
	cmd1(0, 0, 0xc8, 0, 1, 0, false, 512);
	ok &= KTAP_EXPECT(disk.n == 1);
	pwr(0, P_CMD, prd(0, P_CMD) & ~1u);		/* ST off: never blocks */
	ok &= KTAP_EXPECT(prd(0, P_CI) == 0 && !(prd(0, P_CMD) & 0x8000));
	ok &= KTAP_EXPECT(ahci_inflight(&hba) == 1);
	pwr(0, P_CMD, prd(0, P_CMD) | 1u);
	memset(mem(FB(0) + 0x40), 0x77, 20);
	memcpy(marker, mem(FB(0) + 0x40), 20);
	/* the slot's old request is still out: the new command waits */
	cmd1(0, 0, 0xc8, 50, 1, 0, false, 512);
	ok &= KTAP_EXPECT(disk.n == 1 && prd(0, P_CI) == 1);
	fake_be_complete(&disk, 0, 0);
	/* the late completion wrote nothing; the waiting command started */
	ok &= KTAP_EXPECT(memcmp(marker, mem(FB(0) + 0x40), 20) == 0);
	ok &= KTAP_EXPECT(disk.n == 1 && disk.q[0]->offset == 50 * 512);
	fake_be_complete(&disk, 0, 0);
	ok &= KTAP_EXPECT(prd(0, P_CI) == 0 && prd(0, P_IS) == IS_DHRS);
	ok &= KTAP_EXPECT(ahci_inflight(&hba) == 0);
	return ok;
}

static int t_hba_reset_inflight(void)
{
	int ok = 1;
	u8 fis[20];
	struct prde e = { BUF, 512 };
	unsigned int s;

	setup(true);
	port_up(0);
	for (s = 0; s < 8; s++) {
		h2d(fis, 0x60, s, s << 3, 1);
		build(0, s, fis, false, &e, 1);
	}
	pwr(0, P_SACT, 0xff);
	pwr(0, P_CI, 0xff);
	ok &= KTAP_EXPECT(disk.n == 8 && ahci_inflight(&hba) == 8);
	ahci_reset(&hba);
	ok &= KTAP_EXPECT(prd(0, P_SACT) == 0 && prd(0, P_CI) == 0);
	ok &= KTAP_EXPECT(ahci_inflight(&hba) == 8);
	memset(mem(FB(0)), 0x33, 0x100);
	fake_be_complete_all(&disk);
	ok &= KTAP_EXPECT(ahci_inflight(&hba) == 0 && prd(0, P_IS) == 0);
	ok &= KTAP_EXPECT(mem(FB(0) + 0x58)[0] == 0x33);
	return ok;
}

static int t_comreset(void)
{
	int ok = 1;

	setup(true);
	port_up(0);
	pwr(0, P_CMD, prd(0, P_CMD) & ~1u);
	memset(mem(FB(0) + 0x40), 0, 20);
	pwr(0, P_SCTL, 0x301);
	ok &= KTAP_EXPECT((prd(0, P_SSTS) & 0xf) == 1 && (prd(0, P_TFD) & 0x80));
	ok &= KTAP_EXPECT(prd(0, P_SIG) == 0xffffffff);
	pwr(0, P_SCTL, 0x300);
	ok &= KTAP_EXPECT(prd(0, P_SSTS) == 0x133 && prd(0, P_SIG) == 0x101);
	ok &= KTAP_EXPECT(!(prd(0, P_TFD) & 0x88));
	ok &= KTAP_EXPECT(mem(FB(0) + 0x40)[0] == 0x34 && mem(FB(0) + 0x40)[12] == 1);
	ok &= KTAP_EXPECT(prd(0, P_SCTL) == 0x300);
	/* an empty port stays down */
	pwr(2, P_SCTL, 1);
	pwr(2, P_SCTL, 0);
	ok &= KTAP_EXPECT(prd(2, P_SSTS) == 0);
	return ok;
}

/*
 * While COMRESET is held (DET=1) or the PHY is off (DET=4), the device
 * takes no command: it waits in PxCI and runs once the link is up.
 */
static int t_link_down_commands_wait(void)
{
	int ok = 1;
	u8 fis[20];
	struct prde e = { BUF, 512 };

	setup(true);
	port_up(0);
	pwr(0, P_SCTL, 0x301);
	h2d(fis, 0x25, 0, 1, 0);
	build(0, 0, fis, false, &e, 1);
	issue(0, 0);
	ok &= KTAP_EXPECT(disk.n == 0 && (prd(0, P_CI) & 1) && !(prd(0, P_IS) & IS_TFES));
	pwr(0, P_SCTL, 0x304);
	issue(0, 0);
	ok &= KTAP_EXPECT(disk.n == 0 && (prd(0, P_CI) & 1));
	pwr(0, P_SCTL, 0x300);
	ok &= KTAP_EXPECT(disk.n == 1 && prd(0, P_SSTS) == 0x133);
	fake_be_complete_all(&disk);
	ok &= KTAP_EXPECT(prd(0, P_CI) == 0 && !(prd(0, P_IS) & IS_TFES));
	return ok;
}

static int t_softreset(void)
{
	int ok = 1;
	u8 fis[20];

	setup(true);
	port_up(1);
	memset(fis, 0, 20);
	fis[0] = 0x27;
	fis[15] = 0x04;					/* control, SRST */
	build(1, 0, fis, false, NULL, 0);
	put32(mem(CLB(1)), 5 | 1u << 8 | 1u << 10);	/* R, C */
	issue(1, 0);
	ok &= KTAP_EXPECT(prd(1, P_CI) == 0 && (prd(1, P_TFD) & 0x80));
	fis[15] = 0;
	build(1, 0, fis, false, NULL, 0);
	memset(mem(FB(1) + 0x40), 0, 20);
	issue(1, 0);
	ok &= KTAP_EXPECT(prd(1, P_CI) == 0 && !(prd(1, P_TFD) & 0x80));
	ok &= KTAP_EXPECT(prd(1, P_SIG) == 0xeb140101 && mem(FB(1) + 0x40)[6] == 0xeb);
	return ok;
}

static int t_irq(void)
{
	int ok = 1;
	unsigned int e0;

	setup(true);
	port_up(0);
	cmd1(0, 0, 0xe0, 0, 0, 0, false, 0);
	ok &= KTAP_EXPECT(!irq_level && rd(R_IS) == 0);	/* PxIE 0 */
	pwr(0, P_IS, 0xffffffff);
	pwr(0, P_IE, 0x1);				/* DHRS */
	cmd1(0, 0, 0xe0, 0, 0, 0, false, 0);
	ok &= KTAP_EXPECT(rd(R_IS) == 1 && !irq_level);	/* GHC.IE 0 */
	e0 = irq_edges;
	wr(R_GHC, rd(R_GHC) | 2);
	ok &= KTAP_EXPECT(irq_level && irq_edges == e0 + 1);
	pwr(0, P_IS, 1);
	wr(R_IS, 1);
	ok &= KTAP_EXPECT(!irq_level && rd(R_IS) == 0);
	e0 = irq_edges;
	cmd1(0, 0, 0xe0, 0, 0, 0, false, 0);
	ok &= KTAP_EXPECT(irq_level && irq_edges == e0 + 1);
	/* IS cleared while PxIS still pending: IPS comes back */
	wr(R_IS, 1);
	ok &= KTAP_EXPECT(rd(R_IS) == 1 && irq_level);
	/* PxCI is clear before the interrupt is seen */
	pwr(0, P_IS, 1);
	wr(R_IS, 1);
	cmd1(0, 0, 0xc8, 0, 1, 0, false, 512);
	ok &= KTAP_EXPECT(!irq_level);
	fake_be_complete_all(&disk);
	ok &= KTAP_EXPECT(irq_level && prd(0, P_CI) == 0);
	return ok;
}

/* per-port messages (MSI-X): which ports were told, how often */
static unsigned int port_msgs[AHCI_NR_PORTS];

static void port_irq(void *opaque, unsigned int port)
{
	(void)opaque;
	if (port < AHCI_NR_PORTS)
		port_msgs[port]++;
}

static const struct ahci_host_ops host_ops_ports = {
	.set_irq = set_irq, .now_ns = now_ns, .port_irq = port_irq,
};

/*
 * A message per port when an enabled PxIS bit of that port is newly set
 * (GHC.IE on), or when GHC.IE comes on with status pending; none while
 * the bit stays set; IS need not be cleared (Linux's per-port handler
 * never touches it).
 */
static int t_port_irq(void)
{
	int ok = 1;

	setup(true);
	ahci_init(&hba, &fake_gmem_ops, &gm, &host_ops_ports, NULL);
	ahci_attach(&hba, 0, AHCI_DEV_DISK, &disk.be);
	ahci_attach(&hba, 1, AHCI_DEV_CDROM, &cd.be);
	memset(port_msgs, 0, sizeof(port_msgs));
	port_up(0);
	port_up(1);
	pwr(0, P_IE, IS_DHRS);
	pwr(1, P_IE, IS_DHRS);
	cmd1(0, 0, 0xe0, 0, 0, 0, false, 0);
	ok &= KTAP_EXPECT(prd(0, P_IS) == IS_DHRS && port_msgs[0] == 0);
	wr(R_GHC, rd(R_GHC) | 2);			/* GHC.IE: tells now */
	ok &= KTAP_EXPECT(port_msgs[0] == 1 && port_msgs[1] == 0);
	cmd1(0, 0, 0xe0, 0, 0, 0, false, 0);		/* DHRS still set */
	ok &= KTAP_EXPECT(port_msgs[0] == 1);
	pwr(0, P_IS, IS_DHRS);
	cmd1(0, 0, 0xe0, 0, 0, 0, false, 0);
	ok &= KTAP_EXPECT(port_msgs[0] == 2 && rd(R_IS) == 1);
	pwr(0, P_IS, IS_DHRS);				/* IS left set */
	cmd1(0, 0, 0xe0, 0, 0, 0, false, 0);
	ok &= KTAP_EXPECT(port_msgs[0] == 3 && port_msgs[1] == 0);
	cmd1(1, 0, 0xe0, 0, 0, 0, false, 0);		/* to the CD */
	ok &= KTAP_EXPECT(port_msgs[1] == 1 && port_msgs[0] == 3);
	/* IS cleared (as ahci_thaw does) with both ports' status still set:
	 * IS comes back, but nothing new happened, so no port tells again */
	wr(R_IS, rd(R_IS));
	ok &= KTAP_EXPECT(port_msgs[0] == 3 && port_msgs[1] == 1 && rd(R_IS) == 3);
	pwr(1, P_IS, IS_DHRS);
	wr(R_IS, rd(R_IS));
	cmd1(1, 0, 0xe0, 0, 0, 0, false, 0);
	ok &= KTAP_EXPECT(port_msgs[1] == 2 && port_msgs[0] == 3);
	/* an NCQ read completing later tells its port when it does */
	pwr(0, P_IS, ~0u);
	pwr(0, P_IE, ~0u);
	ncq_reads(2);
	ok &= KTAP_EXPECT(port_msgs[0] == 3);
	fake_be_complete_all(&disk);
	ok &= KTAP_EXPECT(port_msgs[0] == 4 && prd(0, P_SACT) == 0);
	/* GHC.IE off: nothing */
	pwr(0, P_IS, ~0u);
	wr(R_GHC, 0);
	cmd1(0, 0, 0xe0, 0, 0, 0, false, 0);
	ok &= KTAP_EXPECT(port_msgs[0] == 4);
	return ok;
}

static int t_access_sizes(void)
{
	int ok = 1;

	setup(true);
	port_up(0);
	/* byte write to PxCMD keeps the other bytes (FRE, ST) */
	ahci_mmio_write(&hba, 0x100 + P_CMD + 3, 1, 0x01);	/* ATAPI bit */
	ok &= KTAP_EXPECT((prd(0, P_CMD) & 0x01000011) == 0x01000011);
	/* 8-byte write: CLB and CLBU */
	pwr(0, P_CMD, prd(0, P_CMD) & ~1u);
	ahci_mmio_write(&hba, 0x100 + P_CLB, 8, 0x0000000200004400ull);
	ok &= KTAP_EXPECT(prd(0, P_CLB) == 0x4400 && prd(0, P_CLBU) == 2);
	ok &= KTAP_EXPECT(ahci_mmio_read(&hba, 0x100 + P_CLB, 8) == 0x0000000200004400ull);
	/* a byte write to PxSERR clears only what it names */
	pwr(0, P_CLBU, 0);
	pwr(0, P_CLB, CLB(0));
	pwr(0, P_CMD, prd(0, P_CMD) | 1u);
	cmd1(0, 0, 0xc8, 0, 1, 0, false, 512);
	fake_be_complete_all(&disk);
	ok &= KTAP_EXPECT(prd(0, P_IS) == IS_DHRS);
	ahci_mmio_write(&hba, 0x100 + P_IS + 1, 1, 0xff);	/* not DHRS's byte */
	ok &= KTAP_EXPECT(prd(0, P_IS) == IS_DHRS);
	ahci_mmio_write(&hba, 0x100 + P_IS, 1, 0x01);
	ok &= KTAP_EXPECT(prd(0, P_IS) == 0);
	/* 2-byte write of PxCI's high half: slot 16 */
	cmd1(0, 16, 0xe0, 0, 0, 0, false, 0);
	ok &= KTAP_EXPECT(prd(0, P_CI) == 0);
	ok &= KTAP_EXPECT(ahci_mmio_read(&hba, AHCI_ABAR_SIZE, 4) == 0);
	ahci_mmio_write(&hba, AHCI_ABAR_SIZE + 4, 4, 1);
	return ok;
}

static int t_backend_errors(void)
{
	int ok = 1;

	setup(true);
	port_up(0);
	cmd1(0, 0, 0xc8, 0, 1, 0, false, 512);
	fake_be_complete(&disk, 0, -EIO);
	ok &= KTAP_EXPECT((prd(0, P_IS) & IS_TFES) && (d2h_error(0) & 0x40));
	recover(0);
	disk.fail_submit = -EBUSY;
	cmd1(0, 0, 0xc8, 0, 1, 0, false, 512);
	ok &= KTAP_EXPECT((prd(0, P_IS) & IS_TFES) && ahci_inflight(&hba) == 0);
	recover(0);
	disk.fail_submit = 0;
	disk.be.readonly = true;
	cmd1(0, 0, 0xca, 0, 1, 0, true, 512);
	ok &= KTAP_EXPECT((prd(0, P_IS) & IS_TFES) && disk.n == 0);
	recover(0);
	cmd1(0, 0, 0xc8, 0, 1, 0, false, 512);	/* reads still work */
	fake_be_complete_all(&disk);
	ok &= KTAP_EXPECT(prd(0, P_IS) == IS_DHRS);
	return ok;
}

static int t_ci_rewrite(void)
{
	int ok = 1;

	setup(true);
	port_up(0);
	cmd1(0, 0, 0xc8, 0, 1, 0, false, 512);
	issue(0, 0);
	pwr(0, P_CI, 1);
	ok &= KTAP_EXPECT(disk.n == 1 && !(prd(0, P_IS) & IS_TFES));
	/* a second non-queued command waits behind the first */
	cmd1(0, 1, 0xc8, 1, 1, 0, false, 512);
	ok &= KTAP_EXPECT(disk.n == 1 && prd(0, P_CI) == 3);
	fake_be_complete(&disk, 0, 0);
	ok &= KTAP_EXPECT(disk.n == 1 && prd(0, P_CI) == 2);
	fake_be_complete(&disk, 0, 0);
	ok &= KTAP_EXPECT(prd(0, P_CI) == 0);
	/* PxCI written with ST clear: ignored */
	pwr(0, P_CMD, prd(0, P_CMD) & ~1u);
	pwr(0, P_CI, 1);
	ok &= KTAP_EXPECT(prd(0, P_CI) == 0 && disk.n == 0);
	return ok;
}

static int t_timestamps(void)
{
	int ok = 1;
	struct blk_req *req;

	setup(true);
	port_up(0);
	cmd1(0, 0, 0xc8, 0, 1, 0, false, 512);
	req = disk.q[0];
	ok &= KTAP_EXPECT(req->t[BLK_T_NOTIFY] && req->t[BLK_T_SUBMIT] >= req->t[BLK_T_NOTIFY]);
	fake_be_complete_all(&disk);
	ok &= KTAP_EXPECT(req->t[BLK_T_IRQ] > req->t[BLK_T_SUBMIT]);
	return ok;
}

/* Per-port statistics: requests, bytes, stages, the PxIS acknowledgment. */
static int t_stats(void)
{
	struct blkstat_op *rd_op, *wr_op;
	struct blkstat *bs;
	int ok = 1;
	unsigned int s;
	u8 fis[20];

	setup(true);
	port_up(0);
	bs = &hba.ports[0].bs;
	rd_op = &bs->op[BLK_OP_READ];
	wr_op = &bs->op[BLK_OP_WRITE];
	/* a non-data command is no disk request */
	cmd1(0, 0, 0xec, 0, 0, 0, false, 512);		/* IDENTIFY */
	ok &= KTAP_EXPECT(rd_op->requests == 0 && bs->ack_n == 0);
	pwr(0, P_IS, 0xffffffff);
	cmd1(0, 0, 0xc8, 100, 4, 1, false, 2048);	/* READ DMA */
	ok &= KTAP_EXPECT(bs->inflight == 1 && rd_op->requests == 0);
	fake_be_complete_all(&disk);
	ok &= KTAP_EXPECT(bs->inflight == 0 && rd_op->requests == 1 &&
			  rd_op->bytes == 2048 && rd_op->errors == 0);
	ok &= KTAP_EXPECT(rd_op->st[VMM_DISK_ST_TOTAL].count == 1 &&
			  rd_op->st[VMM_DISK_ST_PARSE].count == 1 &&
			  rd_op->st[VMM_DISK_ST_HOST].count == 1 &&
			  rd_op->st[VMM_DISK_ST_IRQ].count == 1);
	ok &= KTAP_EXPECT(bs->ack_n == 1 && rd_op->st[VMM_DISK_ST_ACK].count == 0);
	/* writing a bit that is clear, or PxIE, is no acknowledgment */
	pwr(0, P_IS, 1u << 4);
	ok &= KTAP_EXPECT(bs->ack_n == 1);
	pwr(0, P_IS, IS_DHRS);
	ok &= KTAP_EXPECT(bs->ack_n == 0 && rd_op->st[VMM_DISK_ST_ACK].count == 1);
	/* NCQ: eight writes, completed together, one acknowledgment */
	for (s = 0; s < 8; s++) {
		struct prde e = { BUF + s * 0x1000ull, 0x1000 };

		h2d(fis, 0x61, 2000 + s * 8, s << 3, 8);
		build(0, s, fis, true, &e, 1);
	}
	pwr(0, P_SACT, 0xff);
	pwr(0, P_CI, 0xff);
	ok &= KTAP_EXPECT(bs->inflight == 8);
	fake_be_complete_all(&disk);
	ok &= KTAP_EXPECT(bs->inflight == 0 && wr_op->requests == 8 &&
			  wr_op->bytes == 8 * 4096 && bs->ack_n == 8);
	pwr(0, P_IS, prd(0, P_IS));
	ok &= KTAP_EXPECT(bs->ack_n == 0 && wr_op->st[VMM_DISK_ST_ACK].count == 8);
	/* stages telescope to the total (one chunk each) */
	ok &= KTAP_EXPECT(wr_op->st[VMM_DISK_ST_PARSE].total + wr_op->st[VMM_DISK_ST_HOST].total +
			  wr_op->st[VMM_DISK_ST_IRQ].total == wr_op->st[VMM_DISK_ST_TOTAL].total);
	/* a backend error counts as an error, with no bytes */
	cmd1(0, 0, 0xc8, 100, 4, 1, false, 2048);
	fake_be_complete(&disk, 0, -EIO);
	ok &= KTAP_EXPECT(rd_op->requests == 2 && rd_op->errors == 1 && rd_op->bytes == 2048);
	return ok;
}

static int t_backend_busy_parks(void)
{
	int ok = 1;
	u8 fis[20];
	struct prde e = { BUF, 512 };
	unsigned int s, done = 0;

	setup(true);
	port_up(0);
	disk.cap = 2;			/* a backend with room for two */
	for (s = 0; s < 6; s++) {
		h2d(fis, 0x60, s, s << 3, 1);
		build(0, s, fis, false, &e, 1);
	}
	pwr(0, P_SACT, 0x3f);
	pwr(0, P_CI, 0x3f);
	ok &= KTAP_EXPECT(disk.n == 2 && prd(0, P_CI) == 0 && prd(0, P_SACT) == 0x3f);
	ok &= KTAP_EXPECT(!(prd(0, P_IS) & IS_TFES));
	while (disk.n && done < 10) {
		fake_be_complete(&disk, 0, 0);
		done++;
	}
	ok &= KTAP_EXPECT(done == 6 && prd(0, P_SACT) == 0 && !(prd(0, P_IS) & IS_TFES));
	ok &= KTAP_EXPECT(ahci_inflight(&hba) == 0);
	return ok;
}

static int t_ncq_error_aborts_others(void)
{
	int ok = 1;
	u8 fis[20];
	struct prde e = { BUF, 512 };
	unsigned int s;

	setup(true);
	port_up(0);
	for (s = 0; s < 3; s++) {
		h2d(fis, 0x60, s, s << 3, 1);
		build(0, s, fis, false, &e, 1);
	}
	pwr(0, P_SACT, 7);
	pwr(0, P_CI, 7);
	fake_be_complete(&disk, 1, -EIO);		/* tag 1 fails */
	ok &= KTAP_EXPECT((prd(0, P_IS) & IS_TFES) && prd(0, P_SACT) == 7);
	ok &= KTAP_EXPECT((prd(0, P_TFD) & 0xff) == 0x41);
	pwr(0, P_IS, 0xffffffff);
	fake_be_complete_all(&disk);			/* aborted: unseen */
	ok &= KTAP_EXPECT(prd(0, P_SACT) == 7 && prd(0, P_IS) == 0);
	ok &= KTAP_EXPECT((prd(0, P_TFD) & 0xff) == 0x41 && ahci_inflight(&hba) == 0);
	recover(0);
	ok &= KTAP_EXPECT(prd(0, P_SACT) == 0);
	return ok;
}

/*
 * Linux's sequence: HBA reset, per port stop engine and FIS receive,
 * clear SERR/IS, CLB/FB, FRE, SUD, hardreset (COMRESET) with ST off,
 * classify by PxSIG, start the engine, IDENTIFY by PIO, SET FEATURES
 * XFER MODE, READ LOG EXT directory, then MSI-driven NCQ I/O.
 */
static int t_linux_probe(void)
{
	int ok = 1;
	unsigned int p;
	u8 *id = mem(BUF);

	setup(true);
	wr(R_GHC, 1u << 31);
	wr(R_GHC, 1u << 31 | 1);
	ok &= KTAP_EXPECT(!(rd(R_GHC) & 1));
	wr(R_GHC, 1u << 31);
	for (p = 0; p < 2; p++) {
		pwr(p, P_CMD, prd(p, P_CMD) & ~0x11u);
		ok &= KTAP_EXPECT(!(prd(p, P_CMD) & 0xc000));
		pwr(p, P_SERR, prd(p, P_SERR));
		pwr(p, P_IS, prd(p, P_IS));
		wr(R_IS, 1u << p);
		pwr(p, P_CLB, CLB(p));
		pwr(p, P_CLBU, 0);
		pwr(p, P_FB, FB(p));
		pwr(p, 0x0c, 0);
		pwr(p, P_CMD, prd(p, P_CMD) | 0x10);
		pwr(p, P_CMD, prd(p, P_CMD) | 0x10000002u);	/* SUD, ICC active */
		/* ahci_hardreset: BSY in the D2H area, COMRESET */
		mem(FB(p) + 0x40)[2] = 0x80;
		pwr(p, P_SCTL, 0x301);
		pwr(p, P_SCTL, 0x300);
		ok &= KTAP_EXPECT((prd(p, P_SSTS) & 0xf) == 3 && !(prd(p, P_TFD) & 0x80));
		ok &= KTAP_EXPECT(mem(FB(p) + 0x40)[2] != 0x80);
		pwr(p, P_SERR, prd(p, P_SERR));
		pwr(p, P_CMD, prd(p, P_CMD) | 1);
		pwr(p, P_IE, 0x7d40007f);		/* DEF_PORT_IRQ */
	}
	wr(R_GHC, rd(R_GHC) | 2);
	ok &= KTAP_EXPECT(prd(0, P_SIG) == 0x101 && prd(1, P_SIG) == 0xeb140101);
	/* disk: IDENTIFY, SET FEATURES, READ LOG EXT 0 */
	cmd1(0, 0, 0xec, 0, 0, 0, false, 512);
	ok &= KTAP_EXPECT(prd(0, P_IS) == IS_PSS && irq_level && idw(id, 75) == 31);
	pwr(0, P_IS, IS_PSS);
	wr(R_IS, 1);
	ok &= KTAP_EXPECT(!irq_level);
	cmd1(0, 1, 0xef, 0, 0x46, 0x03, false, 0);
	ok &= KTAP_EXPECT(prd(0, P_IS) == IS_DHRS);
	pwr(0, P_IS, IS_DHRS);
	cmd1(0, 2, 0x2f, 0, 1, 0, false, 512);
	ok &= KTAP_EXPECT(prd(0, P_IS) == IS_PSS && mem(BUF)[0] == 1 && mem(BUF)[0x20] == 1);
	pwr(0, P_IS, IS_PSS);
	cmd1(0, 2, 0x2f, 0x30, 1, 0, false, 512);	/* IDENTIFY DEVICE log: not here */
	ok &= KTAP_EXPECT(prd(0, P_IS) & IS_TFES);
	/* CD: IDENTIFY PACKET by PIO */
	cmd1(1, 0, 0xa1, 0, 0, 0, false, 512);
	ok &= KTAP_EXPECT(prd(1, P_IS) == IS_PSS && idw(id, 0) == 0x85c0);
	return ok;
}

static int t_hostile_misc(void)
{
	int ok = 1;
	u8 fis[20];
	u8 *h;
	struct prde e = { BUF, 256 };

	setup(true);
	port_up(0);
	/* PRDTL 65535 with the table running off the end of RAM */
	h2d(fis, 0x25, 0, 0, 0);			/* 65536 sectors */
	build(0, 0, fis, false, NULL, 0);
	h = mem(CLB(0));
	put32(h, 5 | 0xffffu << 16);
	put32(h + 8, RAM_SIZE - 0x1000);
	memcpy(mem(RAM_SIZE - 0x1000), fis, 20);
	memset(mem(RAM_SIZE - 0x1000 + 0x80), 0, 0x1000 - 0x80);
	issue(0, 0);
	ok &= KTAP_EXPECT((prd(0, P_IS) & IS_TFES) && disk.n == 0);
	recover(0);
	/* DSM whose PRDT holds less than the payload */
	h2d(fis, 0x06, 0, 2, 1);
	build(0, 0, fis, true, &e, 1);
	issue(0, 0);
	ok &= KTAP_EXPECT((prd(0, P_IS) & IS_TFES) && disk.n == 0);
	recover(0);
	/* FRE off: commands complete, no FIS lands in memory */
	pwr(0, P_CMD, prd(0, P_CMD) & ~0x11u);
	pwr(0, P_CMD, prd(0, P_CMD) | 0x01u);
	ok &= KTAP_EXPECT((prd(0, P_CMD) & 0x4011) == 0x0001);
	memset(mem(FB(0)), 0x99, 0x100);
	cmd1(0, 0, 0xe5, 0, 0, 0, false, 0);
	ok &= KTAP_EXPECT(prd(0, P_IS) == IS_DHRS && prd(0, P_CI) == 0);
	ok &= KTAP_EXPECT(mem(FB(0) + 0x40)[0] == 0x99 && mem(FB(0) + 0x40)[12] == 0x99);
	/* FB where the device may not write: dropped, no fault */
	pwr(0, P_CMD, prd(0, P_CMD) & ~0x1u);
	gm.ro_base = FB(0);
	gm.ro_len = 0x100;
	pwr(0, P_CMD, prd(0, P_CMD) | 0x11u);
	cmd1(0, 0, 0xe5, 0, 0, 0, false, 0);
	ok &= KTAP_EXPECT(prd(0, P_CI) == 0 && mem(FB(0) + 0x40)[0] == 0x99);
	ok &= KTAP_EXPECT(gm.faults == 0);
	return ok;
}

struct tcase {
	const char *name;
	int (*fn)(void);
};

static const struct tcase cases[] = {
	{ "hba_generic_registers", t_hba_regs },
	{ "port_link_signature", t_port_link },
	{ "seabios_disk_probe_identify", t_seabios_disk_probe },
	{ "identify_no_trim_without_discard", t_identify_no_trim },
	{ "seabios_disk_read_dma", t_seabios_disk_read },
	{ "write_dma_ext", t_write_dma_ext },
	{ "pio_read_write_sectors", t_pio_read_write },
	{ "pio_multiple_and_no_retry_aliases", t_pio_multiple_and_aliases },
	{ "cd_identify_packet_and_identify_abort", t_cd_identify },
	{ "cd_test_unit_ready_read10", t_cd_tur_read },
	{ "cd_inquiry_short_prdt", t_cd_inquiry_short_prdt },
	{ "cd_pio_packet", t_cd_pio_packet },
	{ "cd_medium_change", t_cd_medium_change },
	{ "linux_hba_reset", t_linux_hba_reset },
	{ "linux_probe_sequence", t_linux_probe },
	{ "ncq_qd32_out_of_order", t_ncq_qd32 },
	{ "flush_cache", t_flush },
	{ "trim_ranges", t_trim },
	{ "trim_refused_and_bad_ranges", t_trim_refused },
	{ "set_features_modes_wcache", t_set_features },
	{ "nodata_power_commands", t_nodata_cmds },
	{ "unknown_commands_abort", t_unknown_cmds },
	{ "lba_range_and_zero_counts", t_range_and_counts },
	{ "hostile_prdt_outside_ram", t_hostile_prdt_memory },
	{ "hostile_prdt_short_or_empty", t_hostile_prdt_short },
	{ "hostile_fis_clb_ctba_fb", t_hostile_fis_and_tables },
	{ "hostile_prdtl_fragmented_chunks", t_hostile_prdtl_fragmented },
	{ "large_transfer_chunks", t_large_transfer },
	{ "hostile_prdtl_off_ram_dsm_short_fre_off_fb_readonly", t_hostile_misc },
	{ "hostile_ncq_tag_reuse", t_ncq_tag_reuse },
	{ "ncq_error_read_log_10h", t_ncq_error_log },
	{ "empty_port_and_attach_checks", t_empty_port },
	{ "ata_commands_to_atapi_abort", t_ata_to_atapi },
	{ "stop_with_request_in_flight", t_stop_with_inflight },
	{ "hba_reset_with_ncq_in_flight", t_hba_reset_inflight },
	{ "comreset_sctl", t_comreset },
	{ "link_down_commands_wait", t_link_down_commands_wait },
	{ "softreset_control_fis", t_softreset },
	{ "interrupts_level_edge", t_irq },
	{ "interrupts_per_port_messages", t_port_irq },
	{ "access_sizes", t_access_sizes },
	{ "backend_errors_busy_readonly", t_backend_errors },
	{ "ci_rewrite_and_serial_nonqueued", t_ci_rewrite },
	{ "timestamps", t_timestamps },
	{ "stats_per_port_and_ack", t_stats },
	{ "backend_busy_parks_and_retries", t_backend_busy_parks },
	{ "ncq_error_aborts_other_tags", t_ncq_error_aborts_others },
	{ "coalesce_batches_timer_and_depth", t_coalesce_batches },
	{ "coalesce_qd1_nonqueued_off_never_held", t_coalesce_qd1_never_held },
	{ "coalesce_errors_post_held_first", t_coalesce_errors_post_first },
	{ "coalesce_held_tag_reissued", t_coalesce_held_tag_reissued },
	{ "coalesce_resets_drop_held", t_coalesce_resets_drop },
	{ "coalesce_qd32_random_order", t_coalesce_qd32 },
	{ "regs_page_for_guest_reads", t_regs_page },
	{ "write_chains_only_pxsact", t_write_chains },
};

int main(void)
{
	unsigned int i;

	ktap_begin("ahci", (int)ARRAY_SIZE(cases));
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		ktap_result(cases[i].fn(), "%s", cases[i].name);
	fake_be_free(&disk);
	fake_be_free(&cd);
	free(gm.ram);
	return ktap_end();
}
