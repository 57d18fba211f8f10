/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The SCSI/MMC command set of an ATAPI CD/DVD drive, independent of its
 * transport: the AHCI port hands each PACKET command's CDB here and moves
 * what comes back (data built in a buffer, or a read of the medium done
 * through the block backend) to the guest. Sense data, unit attention
 * after a medium change, the media event of GET EVENT STATUS NOTIFICATION
 * and the medium lock live in struct atapi.
 *
 * Locking: none of its own; the transport serialises every call (the
 * AHCI port's lock).
 */
#ifndef VMM_CORE_ATAPI_H
#define VMM_CORE_ATAPI_H

#include "host.h"
#include "blk.h"

#define ATAPI_CDB_LEN		12
#define ATAPI_SECTOR		2048
/* Largest data a command other than a medium read returns. */
#define ATAPI_BUF_SIZE		4096

/* SCSI sense keys. */
#define ATAPI_SK_NO_SENSE	0x0
#define ATAPI_SK_NOT_READY	0x2
#define ATAPI_SK_MEDIUM_ERROR	0x3
#define ATAPI_SK_ILLEGAL_REQUEST 0x5
#define ATAPI_SK_UNIT_ATTENTION	0x6

enum atapi_result {
	ATAPI_DATA,		/* x->len bytes in buf go to the guest (0: none) */
	ATAPI_READ,		/* read x->nbytes at x->offset of the medium */
	ATAPI_CHECK,		/* CHECK CONDITION: sense is set */
};

/*
 * An ATAPI_READ lies inside the medium and is a whole number of 2048-byte
 * sectors, but READ(12) lets the guest ask for up to 2^32 - 1 of them:
 * nbytes may exceed BLK_MAX_BYTES and what the guest's PRDT holds, and the
 * transport splits or bounds it.
 */
struct atapi_xfer {
	u32 len;		/* ATAPI_DATA: bytes in buf */
	u64 offset;		/* ATAPI_READ: byte offset in the medium */
	u64 nbytes;		/* ATAPI_READ: bytes, > 0 */
};

/* Bytes of the serial number (INQUIRY page 0x80), space padded. */
#define ATAPI_SERIAL_LEN	20

struct atapi {
	/*
	 * The disc, or NULL; owned by the caller. After the guest ejects it
	 * (START STOP UNIT) it stays here but tray_open hides it, as a disc
	 * lying in an open tray: closing the tray reloads it. So a medium
	 * is readable when medium && !tray_open.
	 */
	struct blk_backend *medium;
	bool tray_open;
	bool locked;		/* PREVENT ALLOW MEDIUM REMOVAL */
	/* Sense of the last command; REQUEST SENSE returns and clears it. */
	u8 sense_key, asc, ascq;
	/* The sense's INFORMATION field: the LBA of a failed read. */
	bool info_valid;
	u32 info;
	u32 read_lba;		/* first LBA of the ATAPI_READ in flight */
	/* A unit attention not reported yet (ua_asc 0: none). */
	u8 ua_asc, ua_ascq;
	u8 media_event;		/* GESN media event code not reported yet */
	/*
	 * Serial number for INQUIRY pages 0x80 and 0x83: atapi_init sets a
	 * default, the owner may overwrite it after (printable ASCII, space
	 * padded), e.g. with the one IDENTIFY PACKET DEVICE reports.
	 */
	char serial[ATAPI_SERIAL_LEN];
};

/*
 * Power on, with a disc in (medium) or none. As real drives do, the first
 * command that may not pass a unit attention (anything but REQUEST SENSE,
 * INQUIRY, GET CONFIGURATION, GET EVENT STATUS NOTIFICATION and REPORT
 * LUNS) then fails once with UNIT ATTENTION / POWER ON, RESET (29/00), and
 * GET EVENT STATUS NOTIFICATION reports a disc present as NEW MEDIA once.
 */
void atapi_init(struct atapi *a, struct blk_backend *medium);
/*
 * A new medium (or NULL: none), the tray closed over it: unit attention
 * 28/00 (replacing one not yet reported) and a media event (NEW MEDIA, or
 * MEDIA REMOVAL for NULL). The guest's lock does not stop the host.
 */
void atapi_change_medium(struct atapi *a, struct blk_backend *medium);
/*
 * Device reset (ATAPI DEVICE RESET, COMRESET): sense cleared; a unit
 * attention and a media event not yet reported, the tray and the lock stay.
 */
void atapi_reset(struct atapi *a);

/*
 * One command. buf holds ATAPI_BUF_SIZE bytes; the result is trimmed to
 * the CDB's allocation length. A zero-length read (READ(10) with a count
 * of 0) is ATAPI_DATA with len 0.
 */
enum atapi_result atapi_command(struct atapi *a, const u8 *cdb, u8 *buf,
				struct atapi_xfer *x);
/* An ATAPI_READ finished: error 0, or the backend's error (medium error). */
void atapi_read_done(struct atapi *a, int error);

/* ATA error register after CHECK CONDITION: sense key << 4 (| ABRT). */
u8 atapi_error_reg(const struct atapi *a);

#endif /* VMM_CORE_ATAPI_H */
