// SPDX-License-Identifier: GPL-2.0
/*
 * ATA taskfile decoding and IDENTIFY data: see ata.h.
 *
 * IDENTIFY contents follow ATA8-ACS 7.16/7.17. What the guests read:
 * SeaBIOS takes words 60-61, 83 bit 10 and 100-103 for the size and
 * word 0 bits 12:8 for the ATAPI device type; Linux's libata also reads
 * 49 (DMA, LBA), 53/63/88 (transfer modes), 75/76 (NCQ), 82-87 (command
 * sets: FLUSH, 48-bit, write cache), 106 (sector sizes), 169 (TRIM) and
 * checks the word 255 checksum.
 */
#include "ata.h"

void ata_tf_from_fis(struct ata_tf *tf, const u8 *fis)
{
	tf->is_cmd = fis[1] & FIS_H2D_C;
	tf->command = fis[2];
	tf->features = fis[3] | (u16)fis[11] << 8;
	tf->lba = (u64)fis[4] | (u64)fis[5] << 8 | (u64)fis[6] << 16 |
		  (u64)fis[8] << 24 | (u64)fis[9] << 32 | (u64)fis[10] << 40;
	tf->device = fis[7];
	tf->count = fis[12] | (u16)fis[13] << 8;
	tf->control = fis[15];
}

static void id_put(u8 *buf, unsigned int word, u16 v)
{
	buf[2 * word] = v;
	buf[2 * word + 1] = v >> 8;
}

/*
 * ATA strings: space padded, two characters per word with the first in
 * the high byte.
 */
static void id_string(u8 *buf, unsigned int word, unsigned int nwords,
		      const char *s)
{
	unsigned int i, n = 2 * nwords;
	bool end = !s;

	for (i = 0; i < n; i++) {
		char c = ' ';

		if (!end && s[i])
			c = s[i];
		else
			end = true;
		/* byte i goes to the high half of its word for even i */
		buf[2 * word + (i ^ 1)] = (u8)c;
	}
}

static void id_checksum(u8 *buf)
{
	u8 sum = 0;
	unsigned int i;

	buf[510] = 0xa5;
	for (i = 0; i < 511; i++)
		sum += buf[i];
	buf[511] = (u8)-sum;
}

/* Words 63 and 88 and 64: modes supported, plus the one selected. */
static void id_modes(u8 *buf, u8 mode)
{
	u16 mw = 0x0007, udma = 0x007f;

	if ((mode & 0xf8) == 0x20)
		mw |= 1 << (8 + (mode & 7));
	else if ((mode & 0xf8) == 0x40)
		udma |= 1 << (8 + (mode & 7));
	else
		udma |= 1 << (8 + 5);	/* nothing chosen yet: UDMA 5 */
	id_put(buf, 63, mw);
	id_put(buf, 64, 0x0003);	/* PIO 3 and 4 */
	id_put(buf, 65, 120);
	id_put(buf, 66, 120);
	id_put(buf, 67, 120);
	id_put(buf, 68, 120);
	id_put(buf, 88, udma);
}

bool ata_xfer_mode_ok(u8 mode)
{
	switch (mode & 0xf8) {
	case 0x00:		/* PIO default (0, 1: IORDY off) */
		return mode <= 1;
	case 0x08:		/* PIO flow control mode 0-4 */
		return (mode & 7) <= 4;
	case 0x20:		/* multiword DMA 0-2 */
		return (mode & 7) <= 2;
	case 0x40:		/* Ultra DMA 0-6 */
		return (mode & 7) <= 6;
	default:
		return false;
	}
}

void ata_identify_disk(u8 *buf, const struct ata_ident *id)
{
	u64 sectors = id->sectors;
	u32 lba28 = sectors < ATA_LBA28_LIMIT ? (u32)sectors : ATA_LBA28_LIMIT - 1;
	u32 cyls = (u32)(sectors / (16 * 63));
	u16 en85 = 0x0008 | 0x0040;	/* power management, look-ahead */

	if (cyls > 16383)
		cyls = 16383;
	memset(buf, 0, 512);
	id_put(buf, 0, 0x0040);			/* ATA, fixed device */
	/* Legacy CHS: what old BIOS code reads; LBA is what counts. */
	id_put(buf, 1, cyls);
	id_put(buf, 3, 16);
	id_put(buf, 6, 63);
	id_string(buf, 10, 10, id->serial);
	id_string(buf, 23, 4, id->firmware);
	id_string(buf, 27, 20, id->model);
	id_put(buf, 47, 0x8000 | 16);		/* READ/WRITE MULTIPLE: 16 */
	id_put(buf, 49, 0x0b00);		/* IORDY, LBA, DMA */
	id_put(buf, 50, 0x4000);
	id_put(buf, 53, 0x0006);		/* words 64-70 and 88 valid */
	id_put(buf, 54, cyls);
	id_put(buf, 55, 16);
	id_put(buf, 56, 63);
	id_put(buf, 57, (u16)(cyls * 16 * 63));
	id_put(buf, 58, (u16)((cyls * 16 * 63) >> 16));
	id_put(buf, 59, id->multiple ? 0x0100 | id->multiple : 0);
	id_put(buf, 60, (u16)lba28);
	id_put(buf, 61, (u16)(lba28 >> 16));
	id_modes(buf, id->xfer_mode);
	id_put(buf, 75, ATA_NCQ_DEPTH - 1);
	id_put(buf, 76, 0x010e);		/* NCQ; SATA gen 1, 2, 3 */
	id_put(buf, 80, 0x01f0);		/* ATA/ATAPI-4 .. ATA8-ACS */
	/* 82: NOP, power management, write cache, look-ahead */
	id_put(buf, 82, 0x4068);
	/* 83: FLUSH CACHE EXT, FLUSH CACHE, 48-bit addressing */
	id_put(buf, 83, 0x7400);
	id_put(buf, 84, 0x4000);
	if (id->wcache)
		en85 |= 0x0020;
	id_put(buf, 85, 0x4000 | en85);
	id_put(buf, 86, 0x3400);
	id_put(buf, 87, 0x4000);
	id_put(buf, 100, (u16)sectors);
	id_put(buf, 101, (u16)(sectors >> 16));
	id_put(buf, 102, (u16)(sectors >> 32));
	id_put(buf, 103, (u16)(sectors >> 48));
	if (id->trim)
		id_put(buf, 105, ATA_DSM_MAX_BLOCKS);
	id_put(buf, 106, 0x4000);		/* one 512-byte sector per physical */
	if (id->trim)
		id_put(buf, 169, 0x0001);
	id_put(buf, 217, 0x0001);		/* non-rotating */
	id_put(buf, 222, 0x101f);		/* serial ATA, SATA 1.0a .. 3.0 */
	id_checksum(buf);
}

void ata_identify_cdrom(u8 *buf, const struct ata_ident *id)
{
	memset(buf, 0, 512);
	/* ATAPI, CD-ROM (type 5), removable, DRQ within 50 us, 12-byte CDBs */
	id_put(buf, 0, 0x85c0);
	id_string(buf, 10, 10, id->serial);
	id_string(buf, 23, 4, id->firmware);
	id_string(buf, 27, 20, id->model);
	id_put(buf, 49, 0x0b00);		/* IORDY, LBA, DMA */
	id_put(buf, 50, 0x4000);
	id_put(buf, 53, 0x0006);
	id_modes(buf, id->xfer_mode);
	id_put(buf, 71, 30);			/* PACKET to bus release, ns */
	id_put(buf, 72, 30);
	id_put(buf, 76, 0x000e);		/* SATA gen 1, 2, 3; no NCQ */
	id_put(buf, 80, 0x01f0);
	/* 82: NOP, DEVICE RESET, PACKET, power management */
	id_put(buf, 82, 0x4218);
	id_put(buf, 83, 0x4000);
	id_put(buf, 84, 0x4000);
	id_put(buf, 85, 0x4218);
	id_put(buf, 86, 0x0000);
	id_put(buf, 87, 0x4000);
	id_put(buf, 222, 0x101f);
	id_checksum(buf);
}
