// SPDX-License-Identifier: GPL-2.0
/*
 * ahci_hostile: a guest that attacks the PC's AHCI controller. Run as the
 * PC's firmware (build/ahci_hostile.rom, see tools/romwrap.S) with
 *
 *   vmmctl run --bios ahci_hostile.rom --mem 64M --iso CD.iso \
 *          --disk D.img --disk D2.img,readonly
 *
 * where D.img and D2.img hold the pattern of expect_sector() (the storage
 * suite writes it with awk). It finds the HBA by scanning PCI bus 0, gives
 * it an ABAR, brings the ports up and then does what a driver must not:
 * PRDTs outside RAM or across its end, odd byte counts, bad FISes, NCQ
 * tag misuse, commands to the wrong device or to no device, command lists
 * and tables outside RAM or in the ROM, resets, BAR moves and decode off
 * while commands run. Every command is polled with a time limit (a timeout
 * is a failure); every case ends with the documented recovery and a read
 * whose data is checked. Prints KTAP; exits 0 if all passed, else 1.
 */
#include "ahci.h"

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

/* ---- memory map (guest-physical, below the 64 MiB the test gives);
 * command lists and tables: ahci.h ---- */
#define ABAR_A		0xfebf0000UL	/* where we put BAR5 */
#define ABAR_B		0xfebe0000UL	/* where we move it while commands run */
#define DATA		0x400000UL	/* 4 MiB data buffer */
#define NCQ_BUF		0x800000UL	/* 32 x 64 KiB, one per NCQ slot */
#define NCQ_SECT	128
#define BIG_CT		0x1000000UL	/* table with 65535 PRD entries (1 MiB) */
#define HEAVY_BUF	0x2000000UL	/* 2 MiB all 32 "heavy" NCQ reads share */
#define HEAVY_SECT	4096
#define ROM_ZERO	0xfffff000UL	/* zero padding in the ROM (romwrap.S) */

static const char *const rname[] = { "clean completion", "ATA error", "TIMEOUT" };

static u64 ram_end;
static int pd = -1, pro = -1, pcd = -1, pe = -1;	/* disk, read-only disk, CD, empty */
static u64 disk_sectors = 4096;

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

/* ---- proofs that a port works ---- */
static int read_disk(int p, int slot, u64 lba, u16 n, u64 buf)
{
	memset((void *)buf, 0x5a, n * 512UL);
	cmd_simple(p, slot, ATA_READ_DMA_EXT, lba, n, buf, n * 512, 0);
	return issue(p, slot);
}

static u8 cdb_read10[12] = { 0x28, 0, 0, 0, 0, 16, 0, 0, 1 };

/* A PACKET command in slot, not issued; byte count limit = bytes. */
static void atapi_prep(int p, int slot, const u8 *cdb, u64 buf, u32 bytes, bool dma)
{
	u8 *t = ct(p, slot);

	fis_h2d(t, ATA_PACKET, (u64)(bytes & 0xffff) << 8, 0, dma ? 1 : 0);
	t[7] = 0;
	memcpy(t + 0x40, cdb, 12);
	if (bytes)
		prd_set(t, 0, buf, bytes);
	hdr_set(p, slot, HDR_A, bytes ? 1 : 0, (u64)t);
}

static int atapi_cmd(int p, int slot, const u8 *cdb, u64 buf, u32 bytes, bool dma)
{
	atapi_prep(p, slot, cdb, buf, bytes, dma);
	return issue(p, slot);
}

/* CD: READ(10) of the volume descriptor; retried past a unit attention. */
static bool cd_good(int p)
{
	int i, r = R_ERR;

	for (i = 0; i < 4; i++) {
		memset((void *)DATA, 0, 2048);
		r = atapi_cmd(p, 0, cdb_read10, DATA, 2048, true);
		if (r == R_OK)
			return !memcmp((u8 *)DATA + 1, "CD001", 5);
		if (r == R_TIMEOUT || !port_recover(p))
			return false;
	}
	return false;
}

/* Recover the port and prove it with a checked read. */
static bool good_after(int p, const char *what)
{
	int r;

	if (!port_recover(p)) {
		diag("%s: port %d does not recover", what, p);
		return false;
	}
	if (p == pcd)
		return cd_good(p);
	r = read_disk(p, 1, 100, 16, DATA);
	if (r != R_OK || !verify(DATA, 100, 16)) {
		diag("%s: read after recovery: %s TFD %#x SERR %#x", what, rname[r],
		     pr(p, PX_TFD), pr(p, PX_SERR));
		return false;
	}
	return true;
}

/*
 * One attack's verdict: its result must be one that `allowed` (bits of
 * R_*) holds, never a timeout, and the port must work after recovery.
 */
#define ALLOW_OK	(1u << R_OK)
#define ALLOW_ERR	(1u << R_ERR)
#define ALLOW_ANY	(ALLOW_OK | ALLOW_ERR)

static void verdict(int p, int r, unsigned int allowed, const char *what)
{
	u32 serr = pr(p, PX_SERR), tfd = pr(p, PX_TFD);
	bool good = good_after(p, what);

	T(r != R_TIMEOUT && ((1u << r) & allowed) && good,
	  "%s: %s (TFD %#x SERR %#x), port %s after recovery", what, rname[r],
	  tfd, serr, good ? "good" : "BROKEN");
}

/* ---- setup ---- */
static bool find_hba(void)
{
	if (!ahci_find(0x29228086))
		return false;
	diag("AHCI at 00:%02x.%u", pci_bdf >> 11, (pci_bdf >> 8) & 7);
	return true;
}

static u64 cmos_ram_end(void)
{
	u32 above16;

	outb(0x70, 0x34);
	above16 = inb(0x71);
	outb(0x70, 0x35);
	above16 |= inb(0x71) << 8;
	return (16UL << 20) + ((u64)above16 << 16);
}

static bool hba_enable(void)
{
	u32 sz = ahci_map(ABAR_A), cap = hr(0);

	diag("BAR5 size mask %#x, CAP %#x GHC %#x PI %#x VS %#x", sz, cap,
	     hr(4), hr(0x0c), hr(0x10));
	return sz == 0xfffff000 && cfg_rd(0x24) == ABAR_A &&
	       (hr(4) & GHC_AE) && (cap & 0x1f) == 5 && ((cap >> 8) & 0x1f) == 31;
}

static void ports_up(void)
{
	u32 pi = hr(0x0c);
	int p;

	for (p = 0; p < 6; p++) {
		u32 det, sig;

		if (!(pi & (1u << p)))
			continue;
		if (!port_init(p))
			diag("port %d: init timed out", p);
		det = pr(p, PX_SSTS) & 0xf;
		sig = pr(p, PX_SIG);
		diag("port %d: SSTS %#x SIG %#x TFD %#x CMD %#x", p, pr(p, PX_SSTS),
		     sig, pr(p, PX_TFD), pr(p, PX_CMD));
		if (det == 3 && sig == SIG_DISK) {
			if (pd < 0)
				pd = p;
			else if (pro < 0)
				pro = p;
		} else if (det == 3 && sig == SIG_ATAPI && pcd < 0) {
			pcd = p;
		} else if (det == 0 && pe < 0) {
			pe = p;
		}
	}
}

/* ---- attacks ---- */
static void t_good_reads(void)
{
	u16 *id = (u16 *)DATA;
	int r;

	r = read_disk(pd, 0, 0, 8, DATA);
	T(r == R_OK && verify(DATA, 0, 8), "READ DMA EXT of the disk at LBA 0: the host file's pattern");
	r = read_disk(pd, 5, 1000, 256, DATA);
	T(r == R_OK && verify(DATA, 1000, 256) && hdr_prdbc(pd, 5) == 256 * 512,
	  "READ DMA EXT, 256 sectors in slot 5: data and PRDBC (%u)", hdr_prdbc(pd, 5));
	memset((void *)DATA, 0, 512);
	cmd_simple(pd, 0, ATA_IDENTIFY, 0, 0, DATA, 512, 0);
	r = issue(pd, 0);
	disk_sectors = id[100] | (u64)id[101] << 16 | (u64)id[102] << 32;
	T(r == R_OK && (id[83] & (1 << 10)) && disk_sectors >= 4096,
	  "IDENTIFY DEVICE: LBA48, %lu sectors", disk_sectors);
	r = read_disk(pro, 0, 4000, 8, DATA);
	T(r == R_OK && verify(DATA, 4000, 8), "READ DMA EXT of the read-only disk: the pattern");
	T(cd_good(pcd), "ATAPI READ(10) of the CD's sector 16: CD001");
}

/* A READ DMA EXT of 8 sectors through a PRDT the caller fills. */
static int read_prdt(int p, u32 prdtl, u64 ctba)
{
	u8 *t = (u8 *)ctba;

	fis_h2d(t, ATA_READ_DMA_EXT, 8, 8, 0);
	hdr_set(p, 2, 0, prdtl, ctba);
	return issue(p, 2);
}

static void t_prdt(void)
{
	u8 *t = ct(pd, 2);
	u32 i;
	int r;

	prd_set(t, 0, 1UL << 40, 4096);
	verdict(pd, read_prdt(pd, 1, (u64)t), ALLOW_ERR, "PRD at 1 TiB (no RAM)");
	prd_set(t, 0, 0xc0000000UL, 4096);
	verdict(pd, read_prdt(pd, 1, (u64)t), ALLOW_ERR, "PRD in the PCI hole (0xc0000000)");
	prd_set(t, 0, ABAR_A, 4096);
	verdict(pd, read_prdt(pd, 1, (u64)t), ALLOW_ERR, "PRD on the HBA's own ABAR");
	prd_set(t, 0, 0xffff0000UL, 4096);
	verdict(pd, read_prdt(pd, 1, (u64)t), ALLOW_ERR, "PRD writing into the ROM (read-only memory)");
	prd_set(t, 0, ram_end - 2048, 4096);
	verdict(pd, read_prdt(pd, 1, (u64)t), ALLOW_ERR, "PRD crossing the end of RAM");
	prd_set(t, 0, DATA, 2048);
	prd_set(t, 1, ram_end - 512, 2048);
	verdict(pd, read_prdt(pd, 2, (u64)t), ALLOW_ERR, "second PRD crossing the end of RAM");
	prd_set(t, 0, 0xfffffffffffff000UL, 8192);
	verdict(pd, read_prdt(pd, 1, (u64)t), ALLOW_ERR, "PRD wrapping the 64-bit address space");

	/* DBC 0 means 2 bytes (bit 0 is always 1): the PRDT is short */
	prd_set(t, 0, DATA, 1);
	r = read_prdt(pd, 1, (u64)t);
	verdict(pd, r, ALLOW_ANY, "PRD byte count 0 (2 bytes) for 4 KiB");
	/* 4 MiB entry for 4 KiB: only what the command moves is used */
	prd_set(t, 0, DATA, 4 << 20);
	memset((void *)DATA, 0, 4096);
	r = read_prdt(pd, 1, (u64)t);
	T(r == R_OK && verify(DATA, 8, 8), "PRD of 4 MiB for a 4 KiB read: %s, data right", rname[r]);
	/* 4 MiB entry ending past RAM: only the first 4 KiB are needed */
	prd_set(t, 0, ram_end - 4096, 4 << 20);
	r = read_prdt(pd, 1, (u64)t);
	verdict(pd, r, ALLOW_ANY, "PRD of 4 MiB running past RAM, 4 KiB used");
	/* PRDTL 0 on a data command */
	verdict(pd, read_prdt(pd, 0, (u64)t), ALLOW_ERR, "READ DMA EXT with PRDTL 0");
	/* odd entries: 2-byte PRDs (more than the backend's segment limit for 4 KiB? no: 2048) */
	for (i = 0; i < CT_MAX_PRD; i++)
		prd_set(t, i, DATA + i * 2, 2);
	r = read_prdt(pd, CT_MAX_PRD, (u64)t);
	verdict(pd, r, ALLOW_ANY, "120 PRDs of 2 bytes for 4 KiB (PRDT short)");

	/* 65535 entries: 512 bytes each, the read uses 8 of them */
	t = (u8 *)BIG_CT;
	for (i = 0; i < 65535; i++)
		prd_set(t, i, DATA + (i % 2048) * 512UL, 512);
	memset((void *)DATA, 0, 4096);
	r = read_prdt(pd, 65535, BIG_CT);
	T(r == R_OK && verify(DATA, 8, 8), "PRDTL 65535 (8 entries used): %s, data right", rname[r]);
	/* 65535 entries of 2 bytes for 32 KiB (16384 entries, 64 backend chunks) */
	for (i = 0; i < 65535; i++)
		prd_set(t, i, DATA + i * 2UL, 2);
	fis_h2d(t, ATA_READ_DMA_EXT, 0, 64, 0);
	hdr_set(pd, 2, 0, 65535, BIG_CT);
	memset((void *)DATA, 0, 32768);
	r = issue(pd, 2);
	T(r != R_TIMEOUT && (r == R_ERR || verify(DATA, 0, 64)),
	  "PRDTL 65535 of 2-byte PRDs, 32 KiB read: %s", rname[r]);
	verdict(pd, r, ALLOW_ANY, "after the 2-byte PRD storm");
	/* 65535 entries of 2 bytes, a 16 MiB read: the PRDT runs short */
	fis_h2d(t, ATA_READ_DMA_EXT, 0, 0, 0);	/* count 0: 65536 sectors */
	hdr_set(pd, 2, 0, 65535, BIG_CT);
	r = issue(pd, 2);
	verdict(pd, r, ALLOW_ERR, "READ DMA EXT of 65536 sectors (past the disk's end)");
	/* byte counts vs the command: LBA past the end, and exactly at it */
	cmd_simple(pd, 2, ATA_READ_DMA_EXT, disk_sectors - 4, 8, DATA, 4096, 0);
	verdict(pd, issue(pd, 2), ALLOW_ERR, "READ DMA EXT crossing the disk's end (IDNF)");
	cmd_simple(pd, 2, ATA_READ_DMA_EXT, (1UL << 48) - 1, 1, DATA, 512, 0);
	verdict(pd, issue(pd, 2), ALLOW_ERR, "READ DMA EXT at LBA 2^48-1");
	cmd_simple(pd, 2, ATA_READ_DMA_EXT, disk_sectors - 8, 8, DATA, 4096, 0);
	r = issue(pd, 2);
	T(r == R_OK && verify(DATA, disk_sectors - 8, 8), "READ DMA EXT of the last 8 sectors: %s", rname[r]);
}

static void t_fis(void)
{
	u8 *t;
	int r;

	t = cmd_simple(pd, 3, ATA_READ_DMA_EXT, 0, 8, DATA, 4096, 0);
	t[0] = 0x34;		/* D2H register FIS as a command */
	verdict(pd, issue(pd, 3), ALLOW_ERR, "command FIS of type 0x34");
	t = cmd_simple(pd, 3, ATA_READ_DMA_EXT, 0, 8, DATA, 4096, 0);
	t[0] = 0x00;
	verdict(pd, issue(pd, 3), ALLOW_ERR, "command FIS of type 0x00");
	t = cmd_simple(pd, 3, ATA_READ_DMA_EXT, 0, 8, DATA, 4096, 0);
	t[0] = 0xff;
	t[1] = 0xff;
	verdict(pd, issue(pd, 3), ALLOW_ANY, "command FIS of type 0xff, all flags");
	/* C bit clear: a control FIS; no data may move */
	t = cmd_simple(pd, 3, ATA_READ_DMA_EXT, 0, 8, DATA, 4096, 0);
	t[1] = 0;
	memset((void *)DATA, 0x11, 4096);
	r = issue(pd, 3);
	T(r != R_TIMEOUT && ((u8 *)DATA)[0] == 0x11 && ((u8 *)DATA)[4095] == 0x11,
	  "H2D FIS with C clear: %s, no data moved", rname[r]);
	verdict(pd, r, ALLOW_ANY, "after the C-clear FIS");
	/* SRST set (a control FIS), a command while in reset, SRST cleared */
	t = cmd_simple(pd, 3, 0, 0, 0, 0, 0, 0);
	t[1] = 0;
	t[15] = 0x04;
	r = issue(pd, 3);
	cmd_simple(pd, 4, ATA_READ_DMA_EXT, 0, 8, DATA, 4096, 0);
	pw(pd, PX_CI, 1u << 4);
	delay_polls(1000);
	diag("SRST set: %s, command in reset: CI %#x TFD %#x", rname[r],
	     pr(pd, PX_CI), pr(pd, PX_TFD));
	port_recover(pd);
	t = cmd_simple(pd, 3, 0, 0, 0, 0, 0, 0);
	t[1] = 0;
	r = issue(pd, 3);
	verdict(pd, r, ALLOW_ANY, "soft reset (SRST set, command, SRST clear)");
	/* CFL 0 and CFL 31 */
	cmd_simple(pd, 3, ATA_READ_DMA_EXT, 0, 8, DATA, 4096, 0);
	hdr_set(pd, 3, 0, 1, (u64)ct(pd, 3));
	((volatile u32 *)(CLB_BASE + pd * 0x400UL + 3 * 32UL))[0] = 1 << 16;
	verdict(pd, issue(pd, 3), ALLOW_ANY, "command header CFL 0");
	((volatile u32 *)(CLB_BASE + pd * 0x400UL + 3 * 32UL))[0] = 1 << 16 | 31 | 0xff80;
	verdict(pd, issue(pd, 3), ALLOW_ANY, "command header CFL 31, every flag bit");
}

/* NCQ READ FPDMA QUEUED: slot, tag, lba, sectors, buffer; not issued. */
static void ncq_prep(int p, int slot, int tag, u64 lba, u16 n, u64 buf, u8 cmd)
{
	u8 *t = ct(p, slot);

	fis_h2d(t, cmd, lba, (u16)(tag << 3), n);
	prd_set(t, 0, buf, n * 512);
	hdr_set(p, slot, cmd == ATA_WRITE_FPDMA ? HDR_W : 0, 1, (u64)t);
}

static void ncq_fill(int p)
{
	int i;

	for (i = 0; i < 32; i++) {
		memset((void *)(NCQ_BUF + i * 0x10000UL), 0, NCQ_SECT * 512);
		ncq_prep(p, i, i, i * NCQ_SECT, NCQ_SECT, NCQ_BUF + i * 0x10000UL,
			 ATA_READ_FPDMA);
	}
}

static void ncq_go(int p)
{
	pw(p, PX_SACT, ~0u);
	pw(p, PX_CI, ~0u);
}

/*
 * 32 NCQ reads of the whole disk (2 MiB each, 64 MiB in all) into one
 * buffer: long enough that the host's worker is still at them when the
 * guest's next register access comes (the test host has one CPU, so
 * short requests finish before the vCPU runs again). Returns how many
 * were still outstanding right after the doorbell.
 */
static int ncq_heavy(int p)
{
	u32 busy;
	int i, n = 0;

	memset((void *)HEAVY_BUF, 0, HEAVY_SECT * 512);
	for (i = 0; i < 32; i++)
		ncq_prep(p, i, i, 0, HEAVY_SECT, HEAVY_BUF, ATA_READ_FPDMA);
	ncq_go(p);
	busy = pr(p, PX_SACT);
	for (i = 0; i < 32; i++)
		n += (busy >> i) & 1;
	return n;
}

static bool ncq_verify(void)
{
	int i;

	for (i = 0; i < 32; i++)
		if (!verify(NCQ_BUF + i * 0x10000UL, i * NCQ_SECT, NCQ_SECT))
			return false;
	return true;
}

static void t_ncq(void)
{
	int r, inflight;

	ncq_fill(pd);
	ncq_go(pd);
	r = wait_mask(pd, ~0u, true);
	T(r == R_OK && ncq_verify(), "32 READ FPDMA QUEUED at once: %s, data right", rname[r]);

	ncq_prep(pd, 3, 7, 0, 8, DATA, ATA_READ_FPDMA);
	pw(pd, PX_SACT, 1u << 3);
	pw(pd, PX_CI, 1u << 3);
	verdict(pd, wait_mask(pd, 1u << 3, true), ALLOW_ERR, "NCQ tag 7 in slot 3");

	/* the same tag twice: issue, and issue again before it completes */
	ncq_prep(pd, 6, 6, 0, HEAVY_SECT, HEAVY_BUF, ATA_READ_FPDMA);
	pw(pd, PX_SACT, 1u << 6);
	pw(pd, PX_CI, 1u << 6);
	inflight = pr(pd, PX_SACT) >> 6 & 1;
	pw(pd, PX_SACT, 1u << 6);
	pw(pd, PX_CI, 1u << 6);
	r = wait_mask(pd, 1u << 6, true);
	diag("tag 6 %s when reissued", inflight ? "still in flight" : "already done");
	verdict(pd, r, ALLOW_ANY, "NCQ tag 6 issued twice");
	inflight = ncq_heavy(pd);
	pw(pd, PX_SACT, ~0u);
	pw(pd, PX_CI, ~0u);
	r = wait_mask(pd, ~0u, true);
	diag("%d of 32 still in flight when reissued", inflight);
	verdict(pd, r, ALLOW_ANY, "32 NCQ reads, every tag issued twice");

	/* a non-queued command while NCQ runs */
	ncq_fill(pd);
	cmd_simple(pd, 31, ATA_READ_DMA_EXT, 0, 8, DATA, 4096, 0);
	pw(pd, PX_SACT, 0x7fffffff);
	pw(pd, PX_CI, ~0u);
	r = wait_mask(pd, ~0u, true);
	verdict(pd, r, ALLOW_ANY, "READ DMA EXT issued with 31 NCQ reads");

	/* NCQ with a PRD outside RAM, beside good ones */
	ncq_fill(pd);
	prd_set(ct(pd, 9), 0, 1UL << 40, NCQ_SECT * 512);
	ncq_go(pd);
	r = wait_mask(pd, ~0u, true);
	diag("NCQ error: SACT %#x CI %#x TFD %#x", pr(pd, PX_SACT), pr(pd, PX_CI), pr(pd, PX_TFD));
	verdict(pd, r, ALLOW_ERR, "32 NCQ reads, tag 9's PRD outside RAM");

	/* NCQ to the CD and SACT without CI */
	ncq_prep(pcd, 0, 0, 0, 1, DATA, ATA_READ_FPDMA);
	pw(pcd, PX_SACT, 1);
	pw(pcd, PX_CI, 1);
	verdict(pcd, wait_mask(pcd, 1, false), ALLOW_ERR, "READ FPDMA QUEUED to the CD");
	pw(pd, PX_SACT, 0xff00);
	delay_polls(100);
	diag("SACT without CI: SACT %#x", pr(pd, PX_SACT));
	verdict(pd, R_OK, ALLOW_OK, "PxSACT set with no command issued");
}

static void t_wrong_device(void)
{
	u8 *f = (u8 *)(FB_BASE + pcd * 0x100UL + 0x40);
	static const u8 cdbs[][12] = {
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		{ 0x28, 0, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff },	/* READ(10) past the end */
		{ 0xa8, 0, 0, 0, 0, 16, 0xff, 0xff, 0xff, 0xff },	/* READ(12) huge */
		{ 0xbe, 0, 0, 0, 0, 16, 0xff, 0xff, 0xff, 0xf8 },	/* READ CD huge */
		{ 0x03, 0, 0, 0, 0, 0 },				/* REQUEST SENSE, 0 bytes */
		{ 0x43, 2, 0, 0, 0, 0, 0xff, 0xff, 0xff },		/* READ TOC, bad format */
		{ 0x46, 0xff, 0xff, 0xff, 0, 0, 0, 0xff, 0xff },	/* GET CONFIGURATION */
		{ 0x4a, 1, 0, 0, 0xff, 0, 0, 0xff, 0xff },		/* GET EVENT STATUS */
		{ 0x5a, 0x3f, 0x3f, 0, 0, 0, 0, 0xff, 0xff },		/* MODE SENSE(10) all */
		{ 0x12, 0xff, 0xff, 0xff, 0xff },			/* INQUIRY, bad EVPD */
		{ 0x1b, 0, 0, 0, 0x02 },				/* eject */
		{ 0x2a, 0, 0, 0, 0, 0, 0, 0, 1 },			/* WRITE(10) */
	};
	u32 seed = 0x12345678, n_ok = 0, n_err = 0, n_to = 0, i, j;
	int r;

	/* ATA commands to the ATAPI device */
	cmd_simple(pcd, 0, ATA_READ_DMA_EXT, 0, 8, DATA, 4096, 0);
	verdict(pcd, issue(pcd, 0), ALLOW_ERR, "READ DMA EXT to the ATAPI device");
	cmd_simple(pcd, 0, ATA_WRITE_DMA_EXT, 0, 8, DATA, 4096, HDR_W);
	verdict(pcd, issue(pcd, 0), ALLOW_ERR, "WRITE DMA EXT to the ATAPI device");
	memset(f, 0, 20);
	cmd_simple(pcd, 0, ATA_IDENTIFY, 0, 0, DATA, 512, 0);
	r = issue(pcd, 0);
	T(r == R_ERR && f[4] == 0x01 && f[5] == 0x14 && f[6] == 0xeb,
	  "IDENTIFY DEVICE to the ATAPI device: %s, signature in the D2H FIS (%02x %02x %02x)",
	  rname[r], f[4], f[5], f[6]);
	verdict(pcd, r, ALLOW_ERR, "after IDENTIFY on the CD");
	cmd_simple(pcd, 0, ATA_IDENTIFY_PACKET, 0, 0, DATA, 512, 0);
	r = issue(pcd, 0);
	T(r == R_OK && (((u16 *)DATA)[0] >> 14) == 2, "IDENTIFY PACKET DEVICE: word 0 %#x",
	  ((u16 *)DATA)[0]);
	/* and ATAPI to the disk */
	r = atapi_cmd(pd, 0, cdb_read10, DATA, 2048, true);
	verdict(pd, r, ALLOW_ERR, "PACKET to the ATA disk");

	/* garbage CDBs, DMA and PIO, with and without a PRDT */
	for (i = 0; i < ARRAY_SIZE(cdbs) + 48; i++) {
		u8 cdb[12];

		for (j = 0; j < 12; j++) {
			seed ^= seed << 13;
			seed ^= seed >> 17;
			seed ^= seed << 5;
			cdb[j] = seed;
		}
		if (i < ARRAY_SIZE(cdbs))
			memcpy(cdb, cdbs[i], 12);
		r = atapi_cmd(pcd, 0, cdb, DATA, (seed & 0x100) ? 0 : 4096, seed & 0x200);
		if (r == R_OK)
			n_ok++;
		else if (r == R_ERR)
			n_err++;
		else
			n_to++;
		if (r != R_OK && !port_recover(pcd))
			break;
	}
	T(n_to == 0 && i == ARRAY_SIZE(cdbs) + 48,
	  "%u garbage CDBs: %u completed, %u CHECK CONDITION, %u timeouts", i, n_ok, n_err, n_to);
	/* an eject among them may have opened the tray: close it */
	{
		static const u8 load[12] = { 0x1b, 0, 0, 0, 0x03 };
		static const u8 allow[12] = { 0x1e };

		port_recover(pcd);
		atapi_cmd(pcd, 0, allow, 0, 0, false);
		port_recover(pcd);
		r = atapi_cmd(pcd, 0, load, 0, 0, false);
		diag("tray closed: %s", rname[r]);
	}
	T(good_after(pcd, "CD"), "CD reads its volume descriptor after the garbage");
	/* PACKET with a DMA data phase but PRDTL 0 */
	r = atapi_cmd(pcd, 0, cdb_read10, DATA, 0, true);
	verdict(pcd, r, ALLOW_ERR, "ATAPI READ(10) by DMA with PRDTL 0");
	/* READ(10) into memory outside RAM */
	r = atapi_cmd(pcd, 0, cdb_read10, 1UL << 40, 2048, true);
	verdict(pcd, r, ALLOW_ERR, "ATAPI READ(10) into a PRD outside RAM");

	/* the empty port */
	if (pe < 0) {
		T(true, "no empty port # SKIP every port has a device");
		return;
	}
	pw(pe, PX_CMD, pr(pe, PX_CMD) | CMD_ST);
	cmd_simple(pe, 0, ATA_READ_DMA_EXT, 0, 8, DATA, 4096, 0);
	r = issue(pe, 0);
	diag("empty port %d: %s, CI %#x TFD %#x SSTS %#x", pe, rname[r], pr(pe, PX_CI),
	     pr(pe, PX_TFD), pr(pe, PX_SSTS));
	port_stop(pe);
	pw(pe, PX_SERR, ~0u);
	pw(pe, PX_IS, ~0u);
	T(r == R_ERR, "READ DMA EXT to the empty port %d: %s", pe, rname[r]);
	pw(pe, PX_SCTL, 0x301);
	delay_polls(100);
	pw(pe, PX_SCTL, 0x300);
	delay_polls(100);
	T((pr(pe, PX_SSTS) & 0xf) == 0, "COMRESET of the empty port: still no device (SSTS %#x)",
	  pr(pe, PX_SSTS));
}

static void set_clb(int p, u64 clb, u64 fb)
{
	port_stop(p);
	pw(p, PX_CMD, pr(p, PX_CMD) & ~CMD_FRE);
	wait_reg(p, PX_CMD, CMD_FR, 0);
	pw(p, PX_CLB, (u32)clb);
	pw(p, PX_CLBU, clb >> 32);
	pw(p, PX_FB, (u32)fb);
	pw(p, PX_FBU, fb >> 32);
	pw(p, PX_CMD, pr(p, PX_CMD) | CMD_FRE | CMD_ST);
}

static void t_pointers(void)
{
	u64 clb = CLB_BASE + pd * 0x400UL, fb = FB_BASE + pd * 0x100UL;
	int r;

	set_clb(pd, 1UL << 40, fb);
	pw(pd, PX_CI, 1);
	r = wait_mask(pd, 1, false);
	set_clb(pd, clb, fb);
	verdict(pd, r, ALLOW_ERR, "command list at 1 TiB");
	set_clb(pd, ABAR_A, fb);
	pw(pd, PX_CI, 1);
	r = wait_mask(pd, 1, false);
	set_clb(pd, clb, fb);
	verdict(pd, r, ALLOW_ERR, "command list on the ABAR");
	set_clb(pd, ROM_ZERO, fb);
	pw(pd, PX_CI, 1);
	r = wait_mask(pd, 1, false);
	set_clb(pd, clb, fb);
	verdict(pd, r, ALLOW_ERR, "command list in the ROM (zeros: CTBA 0, no H2D FIS)");
	set_clb(pd, ram_end - 0x400, fb);
	memset((void *)(ram_end - 0x400), 0, 0x400);
	hdr_set(pd, 0, 0, 1, ram_end);
	memcpy((void *)(ram_end - 0x400), (void *)(CLB_BASE + pd * 0x400UL), 32);
	pw(pd, PX_CI, 1);
	r = wait_mask(pd, 1, false);
	set_clb(pd, clb, fb);
	verdict(pd, r, ALLOW_ERR, "command table at the end of RAM");

	/* received-FIS area outside RAM and in the ROM: commands still run */
	set_clb(pd, clb, 1UL << 40);
	r = read_disk(pd, 0, 50, 8, DATA);
	T(r == R_OK && verify(DATA, 50, 8), "FIS area at 1 TiB: the read works (%s)", rname[r]);
	set_clb(pd, clb, ROM_ZERO);
	r = read_disk(pd, 0, 50, 8, DATA);
	T(r == R_OK && verify(DATA, 50, 8) && !*(volatile u32 *)(ROM_ZERO + 0x40),
	  "FIS area in the ROM: the read works, the ROM unchanged (%s)", rname[r]);
	set_clb(pd, clb, ABAR_A + 0x100);
	r = read_disk(pd, 0, 50, 8, DATA);
	diag("FIS area on the ABAR: %s, P0CLB now %#x", rname[r], hr(0x100));
	set_clb(pd, clb, fb);
	verdict(pd, r, ALLOW_ANY, "FIS area on the ABAR's port registers");
	/* the command table's CTBA at the ABAR and in the ROM */
	cmd_simple(pd, 0, ATA_READ_DMA_EXT, 0, 8, DATA, 4096, 0);
	hdr_set(pd, 0, 0, 1, ABAR_A);
	verdict(pd, issue(pd, 0), ALLOW_ERR, "command table on the ABAR");
	hdr_set(pd, 0, 0, 1, 0xffffff00UL);
	verdict(pd, issue(pd, 0), ALLOW_ANY, "command table in the ROM");
	hdr_set(pd, 0, 0, 1, 0xffffffffffffff80UL);
	verdict(pd, issue(pd, 0), ALLOW_ERR, "command table at the top of the address space");
	/* PxCI with ST clear: nothing may run */
	port_stop(pd);
	cmd_simple(pd, 0, ATA_READ_DMA_EXT, 0, 8, DATA, 4096, 0);
	pw(pd, PX_CI, 1);
	T(pr(pd, PX_CI) == 0, "PxCI written with ST clear is ignored (CI %#x)", pr(pd, PX_CI));
	verdict(pd, R_OK, ALLOW_OK, "after PxCI with ST clear");
}

static void t_resets(void)
{
	int r, p, n;
	bool ok;

	/* ST cleared while 32 NCQ reads run, then the same slots at once */
	n = ncq_heavy(pd);
	pw(pd, PX_CMD, pr(pd, PX_CMD) & ~CMD_ST);
	ok = wait_reg(pd, PX_CMD, CMD_CR, 0);
	T(ok && pr(pd, PX_CI) == 0 && pr(pd, PX_SACT) == 0,
	  "ST cleared with 32 NCQ reads issued (%d in flight): CR, CI, SACT clear", n);
	pw(pd, PX_CMD, pr(pd, PX_CMD) | CMD_ST);
	ncq_fill(pd);
	ncq_go(pd);
	r = wait_mask(pd, ~0u, true);
	T(r == R_OK && ncq_verify(), "the same 32 slots reissued at once: %s, data right", rname[r]);

	/* COMRESET while NCQ reads run (ST still set) */
	n = ncq_heavy(pd);
	diag("COMRESET with %d NCQ reads in flight", n);
	pw(pd, PX_SCTL, 0x301);
	delay_polls(20);
	pw(pd, PX_SCTL, 0x300);
	ok = wait_reg(pd, PX_SSTS, 0xf, 3);
	diag("COMRESET in flight: SSTS %#x SIG %#x TFD %#x CI %#x SACT %#x", pr(pd, PX_SSTS),
	     pr(pd, PX_SIG), pr(pd, PX_TFD), pr(pd, PX_CI), pr(pd, PX_SACT));
	verdict(pd, ok ? R_OK : R_TIMEOUT, ALLOW_OK, "COMRESET with 32 NCQ reads in flight");

	/* HBA reset with commands in flight on three ports */
	n = ncq_heavy(pd);
	diag("GHC.HR with %d NCQ reads in flight", n);
	cmd_simple(pro, 0, ATA_READ_DMA_EXT, 0, 2048, DATA + 0x100000, 1 << 20, 0);
	pw(pro, PX_CI, 1);
	atapi_prep(pcd, 0, cdb_read10, DATA + 0x200000, 2048, true);
	pw(pcd, PX_CI, 1);
	hw(0x04, GHC_AE | GHC_HR);
	tmo_begin();
	while (hr(0x04) & GHC_HR)
		if (tmo_over())
			break;
	ok = !(hr(0x04) & GHC_HR);
	diag("after GHC.HR: GHC %#x CAP %#x P%dCMD %#x", hr(4), hr(0), pd, pr(pd, PX_CMD));
	T(ok && pr(pd, PX_CI) == 0 && pr(pd, PX_SACT) == 0 && pr(pd, PX_CLB) == 0,
	  "GHC.HR with commands in flight on 3 ports: HR clears, port registers reset");
	hw(0x04, GHC_AE);
	for (p = 0; p < 6; p++)
		port_init(p);
	ncq_fill(pd);
	ncq_go(pd);
	r = wait_mask(pd, ~0u, true);
	T(r == R_OK && ncq_verify(), "after HBA reset: 32 NCQ reads, %s, data right", rname[r]);
	verdict(pro, R_OK, ALLOW_OK, "read-only disk after HBA reset");
	verdict(pcd, R_OK, ALLOW_OK, "CD after HBA reset");

	/* HBA reset, then at once ST and the same slots (orphans in the way) */
	n = ncq_heavy(pd);
	diag("GHC.HR again with %d NCQ reads in flight", n);
	hw(0x04, GHC_AE | GHC_HR);
	hw(0x04, GHC_AE);
	for (p = 0; p < 6; p++)
		port_init(p);
	ncq_fill(pd);
	ncq_go(pd);
	r = wait_mask(pd, ~0u, true);
	T(r == R_OK && ncq_verify(), "HBA reset then the same 32 slots at once: %s, data right", rname[r]);

	/*
	 * A command while COMRESET is held (DET=1) or with the PHY offline
	 * (DET=4): the device cannot take it, so it waits in PxCI (no
	 * completion, no data) and runs once the link is up again.
	 */
	{
		static const u32 det[] = { 0x301, 0x304 };
		static const char *const what[] = {
			"command issued while COMRESET is held",
			"command issued with the PHY offline (DET=4)",
		};
		unsigned int k;

		for (k = 0; k < 2; k++) {
			u32 ci;
			int r2;

			pw(pd, PX_SCTL, det[k]);
			r = read_disk(pd, 0, 200, 8, DATA);
			ci = pr(pd, PX_CI);
			pw(pd, PX_SCTL, 0x300);
			wait_reg(pd, PX_SSTS, 0xf, 3);
			r2 = wait_mask(pd, 1, false);
			diag("%s: %s while down (CI %#x), %s once up (TFD %#x)", what[k],
			     rname[r], ci, rname[r2], pr(pd, PX_TFD));
			T(r == R_TIMEOUT && (ci & 1) && r2 != R_TIMEOUT && good_after(pd, what[k]),
			  "%s: waits in PxCI until the link is up, then ends (%s)", what[k],
			  rname[r2]);
		}
	}
}

static void move_bar(u64 to)
{
	cfg_wr(0x24, (u32)to);
	abar = (volatile u8 *)to;
}

static void t_bar(void)
{
	u32 old, cmd;
	int r, n;

	/* move BAR5 while 32 NCQ reads run; finish them at the new place */
	n = ncq_heavy(pd);
	move_bar(ABAR_B);
	r = wait_mask(pd, ~0u, true);
	old = *(volatile u32 *)ABAR_A;
	T(r == R_OK && verify(HEAVY_BUF, 0, HEAVY_SECT) && old == 0xffffffff && hr(0x0c) == 0x3f,
	  "BAR5 moved with 32 NCQ reads issued (%d in flight): %s at the new place, old place reads %#x",
	  n, rname[r], old);
	move_bar(ABAR_A);
	/* memory decode off while commands run: the ABAR is gone, writes lost */
	n = ncq_heavy(pd);
	cmd = cfg_rd(4) & 0xffff;
	cfg_wr(4, cmd & ~2u);
	old = hr(0x0c);
	hw(0x04, GHC_AE | GHC_HR);	/* must go nowhere */
	pw(pd, PX_CMD, 0);
	delay_polls(2000);
	cfg_wr(4, cmd);
	r = wait_mask(pd, ~0u, true);
	T(old == 0xffffffff && r == R_OK && verify(HEAVY_BUF, 0, HEAVY_SECT) &&
	  (pr(pd, PX_CMD) & CMD_ST),
	  "memory decode off with 32 NCQ reads issued (%d in flight): ABAR reads %#x, writes lost; back on: %s",
	  n, old, rname[r]);
	/* BAR5 at 0 (over low RAM) and unassigned, then back */
	cfg_wr(4, cmd & ~2u);
	cfg_wr(0x24, 0);
	cfg_wr(4, cmd);
	{
		u32 v0;

		/* not through a C pointer: gcc may trap a NULL dereference */
		asm volatile("movl 0, %0" : "=r"(v0) : : "memory");
		diag("BAR5 at 0 over low RAM: address 0 reads %#x", v0);
	}
	cfg_wr(4, cmd & ~2u);
	move_bar(ABAR_A);
	cfg_wr(4, cmd);
	verdict(pd, R_OK, ALLOW_OK, "ABAR back after BAR5 at 0");
	/* bus mastering off: a PCI function must not DMA (informational) */
	cfg_wr(4, cmd & ~4u);
	r = read_disk(pd, 0, 64, 8, DATA);
	diag("bus master off: READ DMA EXT %s, data %s", rname[r],
	     verify(DATA, 64, 8) ? "transferred (the model ignores PCI_COMMAND.BME)" : "not transferred");
	cfg_wr(4, cmd);
	verdict(pd, r, ALLOW_ANY, "READ DMA EXT with bus mastering off");
}

static void t_readonly(void)
{
	u8 *t;
	int r;

	memset((void *)DATA, 0xaa, 8192);
	cmd_simple(pro, 0, ATA_WRITE_DMA_EXT, 0, 16, DATA, 8192, HDR_W);
	verdict(pro, issue(pro, 0), ALLOW_ERR, "WRITE DMA EXT to the read-only disk");
	memset((void *)DATA, 0xaa, 8192);
	ncq_prep(pro, 4, 4, 16, 16, DATA, ATA_WRITE_FPDMA);
	pw(pro, PX_SACT, 1u << 4);
	pw(pro, PX_CI, 1u << 4);
	verdict(pro, wait_mask(pro, 1u << 4, true), ALLOW_ERR, "WRITE FPDMA QUEUED to the read-only disk");
	/* DSM TRIM of LBA 0..63 */
	memset((void *)(DATA + 8192), 0, 512);
	*(u64 *)(DATA + 8192) = 0 | 64UL << 48;
	t = cmd_simple(pro, 0, ATA_DSM, 0, 1, DATA + 8192, 512, HDR_W);
	t[3] = 1;
	verdict(pro, issue(pro, 0), ALLOW_ERR, "DSM TRIM on the read-only disk");
	r = read_disk(pro, 0, 0, 64, DATA);
	T(r == R_OK && verify(DATA, 0, 64), "read-only disk still holds the pattern");
}

static void t_mmio_garbage(void)
{
	u32 off, v = 0;

	/* reserved, vendor and absent-port registers; sizes 1, 2, 4 and 8 */
	for (off = 0x2c; off < 0x100; off += 4) {
		v ^= hr(off);
		hw(off, 0xffffffff);
	}
	for (off = 0x100 + 6 * 0x80; off < 0x1000; off += 4) {
		v ^= hr(off);
		hw(off, 0xffffffff);
	}
	for (off = 0; off < 0x100; off++)
		v ^= abar[off];
	for (off = 0x3c; off < 0x80; off += 4) {	/* reserved/vendor of each port */
		pw(pd, off, ~0u);
		pw(pcd, off, ~0u);
	}
	v ^= *(volatile u16 *)(abar + 0x102);
	v ^= (u32)*(volatile u64 *)(abar + 0x100 + pd * 0x80 + 0x20);
	*(volatile u8 *)(abar + 0x0f) = 0xff;	/* PI, read-only */
	hw(0x00, 0);				/* CAP, read-only */
	diag("garbage reads xor %#x; CAP %#x PI %#x", v, hr(0), hr(0x0c));
	T(hr(0x0c) == 0x3f && (hr(0) & 0x1f) == 5, "writes to read-only, reserved and vendor registers ignored");
	verdict(pd, R_OK, ALLOW_OK, "disk after register garbage");
}

int main(void)
{
	int p;

	puts("KTAP version 1\n# Subtest: ahci_hostile\n");
	ram_end = cmos_ram_end();
	diag("RAM below 4 GiB ends at %#lx", ram_end);
	if (ram_end < (32UL << 20)) {
		T(false, "at least 32 MiB of RAM (--mem 64M)");
		goto out;
	}
	if (!find_hba()) {
		T(false, "AHCI function (8086:2922, class 010601) on bus 0");
		goto out;
	}
	T(true, "AHCI function (8086:2922, class 010601) on bus 0");
	T(hba_enable(), "BAR5 sized 4 KiB and mapped at %#lx, decode and bus master on, GHC.AE", ABAR_A);
	ports_up();
	T(pd >= 0 && pro >= 0 && pcd >= 0,
	  "ports up: disk %d, read-only disk %d, CD %d (DET 3, signatures), empty %d", pd, pro, pcd, pe);
	if (pd < 0 || pro < 0 || pcd < 0)
		goto out;
	t_good_reads();
	t_prdt();
	t_fis();
	t_ncq();
	t_wrong_device();
	t_pointers();
	t_resets();
	t_bar();
	t_readonly();
	t_mmio_garbage();
	/* the final proof: every port reads */
	for (p = 0; p < 6; p++)
		if (p == pd || p == pro || p == pcd)
			verdict(p, R_OK, ALLOW_OK, "final read");
out:
	printf("1..%d\n# ahci_hostile: %d passed, %d failed\n", n_test, n_test - n_fail, n_fail);
	return n_fail ? 1 : 0;
}
