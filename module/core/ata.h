/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ATA (ATA8-ACS) side of an AHCI port that the HBA model needs apart
 * from the transport: command opcodes and register bits, the taskfile a
 * Register Host-to-Device FIS carries, and the IDENTIFY (PACKET) DEVICE
 * data of our disks and CD drives. No state, no locking: pure functions.
 */
#ifndef VMM_CORE_ATA_H
#define VMM_CORE_ATA_H

#include "host.h"

/* Status register. */
#define ATA_ST_ERR		0x01
#define ATA_ST_DRQ		0x08
#define ATA_ST_DSC		0x10	/* obsolete "seek complete"; disks still set it */
#define ATA_ST_DF		0x20
#define ATA_ST_DRDY		0x40
#define ATA_ST_BSY		0x80

/* Error register. */
#define ATA_ER_ABRT		0x04
#define ATA_ER_IDNF		0x10
#define ATA_ER_UNC		0x40

/* Device control register (a control FIS). */
#define ATA_CTL_SRST		0x04

/* Commands the model knows. */
#define ATA_CMD_NOP			0x00
#define ATA_CMD_DSM			0x06
#define ATA_CMD_DEVICE_RESET		0x08
#define ATA_CMD_READ_SECTORS		0x20
#define ATA_CMD_READ_SECTORS_NR		0x21	/* obsolete "without retries" */
#define ATA_CMD_READ_SECTORS_EXT	0x24
#define ATA_CMD_READ_DMA_EXT		0x25
#define ATA_CMD_READ_NATIVE_MAX_EXT	0x27
#define ATA_CMD_READ_MULTIPLE_EXT	0x29
#define ATA_CMD_READ_LOG_EXT		0x2f
#define ATA_CMD_WRITE_SECTORS		0x30
#define ATA_CMD_WRITE_SECTORS_NR	0x31
#define ATA_CMD_WRITE_SECTORS_EXT	0x34
#define ATA_CMD_WRITE_DMA_EXT		0x35
#define ATA_CMD_WRITE_MULTIPLE_EXT	0x39
#define ATA_CMD_VERIFY			0x40
#define ATA_CMD_VERIFY_EXT		0x42
#define ATA_CMD_READ_FPDMA		0x60
#define ATA_CMD_WRITE_FPDMA		0x61
#define ATA_CMD_EXEC_DIAG		0x90
#define ATA_CMD_INIT_DEV_PARAMS		0x91
#define ATA_CMD_PACKET			0xa0
#define ATA_CMD_IDENTIFY_PACKET		0xa1
#define ATA_CMD_READ_MULTIPLE		0xc4
#define ATA_CMD_WRITE_MULTIPLE		0xc5
#define ATA_CMD_SET_MULTIPLE		0xc6
#define ATA_CMD_READ_DMA		0xc8
#define ATA_CMD_READ_DMA_NR		0xc9	/* obsolete "without retries" */
#define ATA_CMD_WRITE_DMA		0xca
#define ATA_CMD_WRITE_DMA_NR		0xcb
#define ATA_CMD_STANDBY_IMM		0xe0
#define ATA_CMD_IDLE_IMM		0xe1
#define ATA_CMD_STANDBY			0xe2
#define ATA_CMD_IDLE			0xe3
#define ATA_CMD_CHECK_POWER		0xe5
#define ATA_CMD_SLEEP			0xe6
#define ATA_CMD_FLUSH			0xe7
#define ATA_CMD_FLUSH_EXT		0xea
#define ATA_CMD_IDENTIFY		0xec
#define ATA_CMD_SET_FEATURES		0xef
#define ATA_CMD_READ_NATIVE_MAX		0xf8

/* SET FEATURES subcommands (features register). */
#define ATA_SF_WCACHE_ON	0x02
#define ATA_SF_XFER_MODE	0x03
#define ATA_SF_WCACHE_OFF	0x82

#define ATA_SECTOR		512
/* NCQ queue depth the disk reports (IDENTIFY word 75 + 1). */
#define ATA_NCQ_DEPTH		32
/* DATA SET MANAGEMENT: most 512-byte blocks of range entries (word 105). */
#define ATA_DSM_MAX_BLOCKS	8
/* Largest LBA a 28-bit command reaches, + 1. */
#define ATA_LBA28_LIMIT		(1u << 28)
#define ATA_LBA48_LIMIT		(1ULL << 48)

/* Register FIS types (SATA 3.x 10.5). */
#define FIS_TYPE_H2D		0x27
#define FIS_TYPE_D2H		0x34
#define FIS_TYPE_PIO_SETUP	0x5f
#define FIS_TYPE_SDB		0xa1
#define FIS_H2D_C		0x80	/* byte 1: command (not control) */

/* The registers one Register Host-to-Device FIS carries. */
struct ata_tf {
	u8 command;
	u8 control;
	u8 device;
	bool is_cmd;		/* C bit: a command, not a device control update */
	u16 features;		/* 15:8 from the "exp" byte */
	u16 count;		/* 15:8 from the "exp" byte */
	u64 lba;		/* 48 bits as sent; see ata_tf_lba28 */
};

/* Decode a 20-byte H2D register FIS (type already checked). */
void ata_tf_from_fis(struct ata_tf *tf, const u8 *fis);

/* The 28-bit LBA: low 24 bits of lba and device bits 3:0. */
static inline u32 ata_tf_lba28(const struct ata_tf *tf)
{
	return (u32)(tf->lba & 0xffffff) | (u32)(tf->device & 0xf) << 24;
}

/* Sector count of a 28-bit (0 = 256) or 48-bit (0 = 65536) command. */
static inline u32 ata_tf_nsect(const struct ata_tf *tf, bool lba48)
{
	if (lba48)
		return tf->count ? tf->count : 65536;
	return (tf->count & 0xff) ? (tf->count & 0xff) : 256;
}

/* Identity and settings IDENTIFY reports. */
struct ata_ident {
	const char *model;	/* up to 40 characters */
	const char *serial;	/* up to 20 */
	const char *firmware;	/* up to 8 */
	u64 sectors;		/* disk: 512-byte sectors */
	bool trim;		/* disk: DATA SET MANAGEMENT TRIM */
	bool wcache;		/* disk: write cache enabled */
	u8 xfer_mode;		/* SET FEATURES 03h value in effect (0: default) */
	u8 multiple;		/* SET MULTIPLE MODE count in effect (0: none) */
};

/* IDENTIFY DEVICE data of a disk (256 words, little endian in memory). */
void ata_identify_disk(u8 *buf, const struct ata_ident *id);
/* IDENTIFY PACKET DEVICE data of an ATAPI CD/DVD drive. */
void ata_identify_cdrom(u8 *buf, const struct ata_ident *id);
/* Whether a SET FEATURES 03h transfer mode value is one we report. */
bool ata_xfer_mode_ok(u8 mode);

#endif /* VMM_CORE_ATA_H */
