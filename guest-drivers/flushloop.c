// SPDX-License-Identifier: GPL-2.0
/*
 * flushloop: the crash test's writer as PC firmware (build/flushloop.rom),
 * with no operating system to boot, so a cut costs a VM start, not a
 * Linux boot:
 *
 *   vmmctl run --bios flushloop.rom --mem 32M --disk crash.vdi
 *
 * It finds the AHCI HBA on bus 0 and the first SATA disk on it, then
 * writes the records of tests/guest/diskcheck.c's flushloop: record i
 * (from 1) is 4 KiB at rec_off(i), filled with diskcheck's fill() pattern,
 * so `diskcheck flushcheck IMAGE N` on the host checks them. Each record
 * is written (WRITE DMA EXT), flushed (FLUSH CACHE EXT) and then reported
 * as "FLUSHED i" on the UART; forever, until the VM is killed or the
 * records fill the disk.
 *
 * Where to start is read back from the disk itself: records 1, 2, ... are
 * read until the first one that is not there, and writing starts at that
 * one. So a run continues where the last (killed) one stopped, with
 * nothing passed in, and the scan is itself a check of what the last run
 * flushed: "flushloop: resume after record K" must have K >= the last
 * FLUSHED line of the last run.
 *
 * Exit status: 0 when the records fill the disk, 1 on a failed command,
 * 2 if there is no HBA or disk.
 */
#include "ahci.h"

#define ABAR		0xfebf0000UL	/* where we put BAR5 */
#define BUF		0x400000UL	/* the record being written or read */
#define CHECK_BUF	0x401000UL	/* what it should hold */

/* ---- diskcheck's record layout and pattern (keep them the same) ---- */
#define SECTOR		512
#define REC_BYTES	4096
#define REC_BLOCKS	60		/* 1 MiB blocks, round robin */
#define MAGIC		0x766d6d6469736bUL	/* "vmmdisk" */

static u64 rec_off(u64 i)
{
	return ((i - 1) % REC_BLOCKS) * (1UL << 20) + ((i - 1) / REC_BLOCKS) * REC_BYTES;
}

static void fill(u8 *buf, u64 off, u32 len)
{
	u32 s, i;

	for (s = 0; s < len; s += SECTOR) {
		u64 *w = (u64 *)(buf + s);

		for (i = 0; i < SECTOR / 8; i++)
			w[i] = (off + s) * 0x9e3779b97f4a7c15UL + i + MAGIC;
	}
}

/* ---- the disk ---- */
static int port = -1;
static u64 sectors;

static const char *const result_name[] = { "ok", "ATA error", "timeout" };

static int find_disk(void)
{
	u32 pi = hr(0x0c);
	int p;

	for (p = 0; p < 6; p++) {		/* ahci.h's layout: six ports */
		if (!(pi & (1u << p)))
			continue;
		if (!port_init(p)) {
			printf("flushloop: port %d does not come up\n", p);
			continue;
		}
		if ((pr(p, PX_SSTS) & 0xf) == 3 && pr(p, PX_SIG) == SIG_DISK)
			return p;
	}
	return -1;
}

static u64 identify_sectors(void)
{
	u16 *id = (u16 *)BUF;

	memset(id, 0, 512);
	cmd_simple(port, 0, ATA_IDENTIFY, 0, 0, BUF, 512, 0);
	if (issue(port, 0) != R_OK)
		return 0;
	return id[100] | (u64)id[101] << 16 | (u64)id[102] << 32;
}

/* one 4 KiB transfer at byte offset off: R_OK, R_ERR or R_TIMEOUT */
static int rec_io(u8 cmd, u64 off, u32 flags)
{
	cmd_simple(port, 0, cmd, off / SECTOR, REC_BYTES / SECTOR, BUF, REC_BYTES, flags);
	return issue(port, 0);
}

static int flush(void)
{
	cmd_simple(port, 0, ATA_FLUSH_CACHE_EXT, 0, 0, 0, 0, 0);
	return issue(port, 0);
}

/* the record's pattern is on the disk, whole */
static bool present(u64 i, int *r)
{
	*r = rec_io(ATA_READ_DMA_EXT, rec_off(i), 0);
	if (*r != R_OK)
		return false;
	fill((u8 *)CHECK_BUF, rec_off(i), REC_BYTES);
	return !memcmp((void *)BUF, (void *)CHECK_BUF, REC_BYTES);
}

static bool all_zero(const u8 *b, u32 n)
{
	while (n--)
		if (*b++)
			return false;
	return true;
}

int main(void)
{
	u64 i, last_rec;
	int r;

	if (!ahci_find(0x29228086)) {
		puts("flushloop: no AHCI function on bus 0\n");
		return 2;
	}
	ahci_map(ABAR);
	port = find_disk();
	if (port < 0) {
		puts("flushloop: no SATA disk on the HBA\n");
		return 2;
	}
	sectors = identify_sectors();
	/* the records' last block is block 59: the disk must reach past it */
	if (sectors * SECTOR < (u64)REC_BLOCKS << 20) {
		printf("flushloop: the disk (%lu sectors) is smaller than %u MiB\n",
		       sectors, REC_BLOCKS);
		return 2;
	}
	last_rec = REC_BLOCKS * ((1UL << 20) / REC_BYTES);
	printf("flushloop: AHCI at 00:%02x.%u, disk on port %d, %lu sectors\n",
	       pci_bdf >> 11, (pci_bdf >> 8) & 7, port, sectors);

	for (i = 1; i <= last_rec && present(i, &r); i++)
		;
	if (r != R_OK) {
		printf("flushloop: reading record %lu: %s\n", i, result_name[r]);
		return 1;
	}
	printf("flushloop: resume after record %lu (record %lu %s)\n", i - 1, i,
	       all_zero((u8 *)BUF, REC_BYTES) ? "absent" : "torn or stale");

	for (; i <= last_rec; i++) {
		fill((u8 *)BUF, rec_off(i), REC_BYTES);
		r = rec_io(ATA_WRITE_DMA_EXT, rec_off(i), HDR_W);
		if (r != R_OK) {
			printf("flushloop: writing record %lu: %s (TFD %#x)\n", i,
			       result_name[r], pr(port, PX_TFD));
			return 1;
		}
		r = flush();
		if (r != R_OK) {
			printf("flushloop: flushing record %lu: %s (TFD %#x)\n", i,
			       result_name[r], pr(port, PX_TFD));
			return 1;
		}
		printf("FLUSHED %lu\n", i);
	}
	printf("flushloop: the disk is full of records (%lu)\n", last_rec);
	return 0;
}
