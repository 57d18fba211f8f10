// SPDX-License-Identifier: GPL-2.0
/*
 * balloon: a guest driver for the virtio memory balloon (virtio 1.2, 5.5)
 * with no operating system under it, so that the balloon's host side (the
 * device, the engine's unmapping and refaulting of guest pages, the pages
 * going back to the host) is tested on an engine where booting Linux
 * costs minutes (the VT-x test host). Run as PC firmware:
 *
 *   vmmctl run --bios balloon.rom --mem 128M --balloon-report <FIFO
 *
 * It finds the balloon on PCI bus 0 (1af4:1045), maps its BAR, and brings
 * it up through the modern interface (VERSION_1, REPORTING if offered; no
 * statistics queue, so the queues are inflate 0, deflate 1, reporting 2),
 * all by polling. Then, with the memory suite on the host driving it:
 *  1. writes a pattern into every 4 KiB page of AREA (32 MiB at 32 MiB):
 *     "balloon: touched";
 *  2. waits for the host's target (num_pages, vmmctl balloon VMID SIZE),
 *     gives that many of AREA's pages on the inflate queue, sets `actual`:
 *     "balloon: inflated N pages";
 *  3. waits for the target 0, names the same pages on the deflate queue,
 *     sets `actual` 0, then checks that each of them reads zero (the host
 *     freed it and backs it anew) and holds what it writes, and that the
 *     rest of AREA kept its pattern: "balloon: deflated"; then waits for
 *     a byte on its serial console (the host has measured by then);
 *  4. with REPORTING, reports REPORT (the upper 16 MiB of AREA) free, in
 *     2 MiB buffers as Linux does: "balloon: reported", then waits for a
 *     byte again and checks those pages as in 3;
 *  5. "balloon: done", and spins without exits.
 * Any failure prints "balloon: FAIL ..." and exits 1.
 */
#include "guest.h"

#define VIRTIO_VENDOR	0x1af4
#define BALLOON_MODERN	0x1045
#define BAR_AT		0xfeb00000UL
#define RINGS		0x20000UL	/* 3 queues x 16 KiB, below the area */
#define PFNS		0x30000UL	/* the PFN arrays: 64 KiB */
#define AREA		0x2000000UL
#define AREA_SIZE	0x2000000UL
#define REPORT		(AREA + AREA_SIZE / 2)
#define REPORT_SIZE	(AREA_SIZE / 2)
#define PAGE		4096UL
#define QSIZE		16
#define PFNS_PER_BUF	256
#define MAGIC		0x6b616c6c6f6f6e00UL

/* common configuration (virtio 1.2, 4.1.4.3) */
#define CC_DFSEL	0x00
#define CC_DF		0x04
#define CC_GFSEL	0x08
#define CC_GF		0x0c
#define CC_STATUS	0x14
#define CC_QSEL		0x16
#define CC_QSIZE	0x18
#define CC_QMSIX	0x1a
#define CC_QENABLE	0x1c
#define CC_QNOFF	0x1e
#define CC_QDESC	0x20
#define CC_QDRIVER	0x28
#define CC_QDEVICE	0x30
#define ST_ACK		1
#define ST_DRIVER	2
#define ST_DRIVER_OK	4
#define ST_FEATURES_OK	8
#define F_REPORTING	5
#define F_VERSION_1	32
#define DESC_NEXT	1
#define DESC_WRITE	2
#define Q_INFLATE	0
#define Q_DEFLATE	1
#define Q_REPORT	2

static u32 bdf;
static u64 common, notify, devcfg;
static u32 notify_mult;
static bool reporting;

struct ring {
	u64 desc, avail, used;
	u16 noff, avail_idx, used_seen;
};
static struct ring rings[3];

#define fail(...) do {							\
	puts("balloon: FAIL: ");					\
	printf(__VA_ARGS__);						\
	putc('\n');							\
	exit(1);							\
} while (0)

static u32 pci_rd(u32 off)
{
	outl(0xcf8, 0x80000000u | bdf | (off & 0xfc));
	return inl(0xcfc);
}

static void pci_wr(u32 off, u32 v)
{
	outl(0xcf8, 0x80000000u | bdf | (off & 0xfc));
	outl(0xcfc, v);
}

static u8 pci_rd8(u32 off)
{
	return pci_rd(off) >> (8 * (off & 3));
}

#define R8(a)		(*(volatile u8 *)(a))
#define R16(a)		(*(volatile u16 *)(a))
#define R32(a)		(*(volatile u32 *)(a))

static void cc_w64(u32 off, u64 v)
{
	R32(common + off) = (u32)v;
	R32(common + off + 4) = v >> 32;
}

/* a pause between two polls of a register (each poll is an exit) */
static void breathe(void)
{
	for (unsigned int i = 0; i < 20000; i++)
		asm volatile("pause");
}

static bool find_balloon(void)
{
	for (u32 dev = 0; dev < 32; dev++) {
		bdf = dev << 11;
		if (pci_rd(0) == (BALLOON_MODERN << 16 | VIRTIO_VENDOR))
			return true;
	}
	return false;
}

/* The vendor capabilities (all in one memory BAR, which goes at BAR_AT). */
static void map_device(void)
{
	u32 cmd, bar = 6, off[5] = { 0 }, have = 0;
	unsigned int guard = 0;

	for (u8 p = pci_rd8(0x34) & 0xfc; p && guard++ < 48; p = pci_rd8(p + 1) & 0xfc) {
		u8 type = pci_rd8(p + 3);

		if (pci_rd8(p) != 0x09 || type < 1 || type > 4 || (have & (1u << type)))
			continue;
		if (bar != 6 && pci_rd8(p + 4) != bar)
			fail("capabilities in two BARs");
		bar = pci_rd8(p + 4);
		off[type] = pci_rd(p + 8);
		if (type == 2)
			notify_mult = pci_rd(p + 16);
		have |= 1u << type;
	}
	if (have != 0x1e || bar > 5)
		fail("virtio capabilities missing (%#x)", have);
	cmd = pci_rd(4) & 0xffff;
	pci_wr(4, cmd & ~2u);
	pci_wr(0x10 + 4 * bar, (u32)BAR_AT);
	if ((pci_rd(0x10 + 4 * bar) & 6) == 4)
		pci_wr(0x14 + 4 * bar, 0);
	pci_wr(4, cmd | 6);		/* memory decode, bus master */
	common = BAR_AT + off[1];
	notify = BAR_AT + off[2];
	devcfg = BAR_AT + off[4];
}

static void setup_queue(u16 q)
{
	struct ring *r = &rings[q];
	u64 base = RINGS + q * 0x4000UL;

	memset((void *)base, 0, 0x4000);
	r->desc = base;
	r->avail = base + 0x1000;
	r->used = base + 0x2000;
	R16(common + CC_QSEL) = q;
	if (R16(common + CC_QSIZE) < QSIZE)
		fail("queue %u has %u entries", q, R16(common + CC_QSIZE));
	R16(common + CC_QSIZE) = QSIZE;
	R16(common + CC_QMSIX) = 0xffff;
	cc_w64(CC_QDESC, r->desc);
	cc_w64(CC_QDRIVER, r->avail);
	cc_w64(CC_QDEVICE, r->used);
	r->noff = R16(common + CC_QNOFF);
	R16(common + CC_QENABLE) = 1;
}

static void bring_up(void)
{
	u64 offered;

	R8(common + CC_STATUS) = 0;
	while (R8(common + CC_STATUS))
		breathe();
	R8(common + CC_STATUS) = ST_ACK;
	R8(common + CC_STATUS) = ST_ACK | ST_DRIVER;
	R32(common + CC_DFSEL) = 0;
	offered = R32(common + CC_DF);
	R32(common + CC_DFSEL) = 1;
	offered |= (u64)R32(common + CC_DF) << 32;
	if (!(offered & (1UL << F_VERSION_1)))
		fail("no VERSION_1 (features %#lx)", offered);
	reporting = offered & (1UL << F_REPORTING);
	R32(common + CC_GFSEL) = 0;
	R32(common + CC_GF) = reporting ? 1u << F_REPORTING : 0;
	R32(common + CC_GFSEL) = 1;
	R32(common + CC_GF) = 1;	/* VERSION_1 */
	R8(common + CC_STATUS) = ST_ACK | ST_DRIVER | ST_FEATURES_OK;
	if (!(R8(common + CC_STATUS) & ST_FEATURES_OK))
		fail("FEATURES_OK refused");
	setup_queue(Q_INFLATE);
	setup_queue(Q_DEFLATE);
	if (reporting)
		setup_queue(Q_REPORT);
	R8(common + CC_STATUS) = ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK;
	printf("balloon: device at 00:%02x.0 up, features VERSION_1%s\n",
	       bdf >> 11, reporting ? " REPORTING" : "");
}

/* Descriptor i of ring r. */
static void desc_set(struct ring *r, u16 i, u64 addr, u32 len, u16 flags, u16 next)
{
	volatile u64 *d = (volatile u64 *)(r->desc + 16UL * i);

	d[0] = addr;
	d[1] = len | (u64)flags << 32 | (u64)next << 48;
}

/* Offer the chain starting at descriptor head, notify, wait until used. */
static void run_chain(u16 q, u16 head)
{
	struct ring *r = &rings[q];
	volatile u16 *avail = (volatile u16 *)r->avail;

	avail[2 + r->avail_idx % QSIZE] = head;
	asm volatile("mfence" ::: "memory");
	avail[1] = ++r->avail_idx;
	asm volatile("mfence" ::: "memory");
	R16(notify + r->noff * notify_mult) = q;
	while (R16(r->used + 2) == r->used_seen)
		breathe();
	r->used_seen++;
}

/* Hand n pages from AREA on queue q, PFNS_PER_BUF per chain. */
static void give_pfns(u16 q, u32 n)
{
	volatile u32 *pfn = (volatile u32 *)PFNS;

	for (u32 done = 0; done < n; ) {
		u32 k = n - done < PFNS_PER_BUF ? n - done : PFNS_PER_BUF;

		for (u32 i = 0; i < k; i++)
			pfn[i] = (AREA + (u64)(done + i) * PAGE) >> 12;
		desc_set(&rings[q], 0, PFNS, k * 4, 0, 0);
		run_chain(q, 0);
		done += k;
	}
}

static u64 pattern(u64 page)
{
	return MAGIC ^ page;
}

static void fill(u64 from, u64 to)
{
	for (u64 p = from; p < to; p += PAGE)
		*(volatile u64 *)p = pattern(p);
}

/* Pages given back: they read zero, then hold what is written. */
static void check_returned(const char *what, u64 from, u64 to)
{
	u64 nonzero = 0, lost = 0;

	for (u64 p = from; p < to; p += PAGE) {
		for (u64 o = 0; o < PAGE; o += 512)
			if (*(volatile u64 *)(p + o))
				nonzero++;
		*(volatile u64 *)(p + 8) = pattern(p);
		if (*(volatile u64 *)(p + 8) != pattern(p))
			lost++;
	}
	if (nonzero || lost)
		fail("%s: %lu words not zero, %lu pages lost a write", what, nonzero, lost);
}

static void check_kept(u64 from, u64 to)
{
	for (u64 p = from; p < to; p += PAGE)
		if (*(volatile u64 *)p != pattern(p))
			fail("page %#lx lost its pattern", p);
}

/* A byte on the serial console (one per wait): the host has looked at what we did. */
static void wait_host(void)
{
	while (!(inb(UART_BASE + 5) & 1))	/* LSR: data ready */
		breathe();
	(void)inb(UART_BASE);
}

static u32 target(void)
{
	return R32(devcfg + 0);
}

int main(void)
{
	u32 n;

	if (!find_balloon())
		fail("no virtio balloon on PCI bus 0");
	map_device();
	bring_up();

	fill(AREA, AREA + AREA_SIZE);
	printf("balloon: touched %lu MiB at %lu MiB\n", AREA_SIZE >> 20, AREA >> 20);

	while (!(n = target()))
		breathe();
	if (n > AREA_SIZE / PAGE)
		fail("target %u pages: more than the %lu this driver gives", n, AREA_SIZE / PAGE);
	give_pfns(Q_INFLATE, n);
	R32(devcfg + 4) = n;
	printf("balloon: inflated %u pages\n", n);

	while (target())
		breathe();
	give_pfns(Q_DEFLATE, n);
	R32(devcfg + 4) = 0;
	check_returned("deflated", AREA, AREA + (u64)n * PAGE);
	check_kept(AREA + (u64)n * PAGE, AREA + AREA_SIZE);
	printf("balloon: deflated, %u pages read zero and hold new data, the other %lu kept theirs\n",
	       n, AREA_SIZE / PAGE - n);

	wait_host();
	if (reporting) {
		u16 i, nbuf = REPORT_SIZE / 0x200000UL;

		fill(REPORT, REPORT + REPORT_SIZE);	/* each page backed */
		for (i = 0; i < nbuf; i++)
			desc_set(&rings[Q_REPORT], i, REPORT + i * 0x200000UL, 0x200000,
				 DESC_WRITE | (i + 1 < nbuf ? DESC_NEXT : 0), i + 1);
		run_chain(Q_REPORT, 0);
		printf("balloon: reported %lu MiB free in %u buffers of 2 MiB\n",
		       REPORT_SIZE >> 20, nbuf);
		wait_host();
		check_returned("reported", REPORT, REPORT + REPORT_SIZE);
		puts("balloon: the reported pages read zero and hold new data\n");
	}
	puts("balloon: done\n");
	asm volatile("cli; 1: jmp 1b" ::: "memory");
	return 0;
}
