// SPDX-License-Identifier: GPL-2.0
/*
 * ATAPI CD/DVD drive command set (SCSI MMC): see atapi.h.
 * Minimal first version; the full command set follows.
 */
#include "atapi.h"

static void atapi_set_sense(struct atapi *a, u8 key, u8 asc, u8 ascq)
{
	a->sense_key = key;
	a->asc = asc;
	a->ascq = ascq;
}

void atapi_init(struct atapi *a, struct blk_backend *medium)
{
	memset(a, 0, sizeof(*a));
	a->medium = medium;
	memcpy(a->serial, "VMMCD0000001        ", ATAPI_SERIAL_LEN);
}

void atapi_change_medium(struct atapi *a, struct blk_backend *medium)
{
	a->medium = medium;
	a->tray_open = false;
	a->ua_asc = 0x28;
	a->ua_ascq = 0x00;
}

void atapi_reset(struct atapi *a)
{
	atapi_set_sense(a, ATAPI_SK_NO_SENSE, 0, 0);
}

enum atapi_result atapi_command(struct atapi *a, const u8 *cdb, u8 *buf,
				struct atapi_xfer *x)
{
	(void)cdb;
	(void)buf;
	x->len = 0;
	x->offset = 0;
	x->nbytes = 0;
	atapi_set_sense(a, ATAPI_SK_ILLEGAL_REQUEST, 0x20, 0x00);
	return ATAPI_CHECK;
}

void atapi_read_done(struct atapi *a, int error)
{
	if (error)
		atapi_set_sense(a, ATAPI_SK_MEDIUM_ERROR, 0x11, 0x00);
}

u8 atapi_error_reg(const struct atapi *a)
{
	return a->sense_key << 4 | 0x04;
}
