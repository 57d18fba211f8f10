// SPDX-License-Identifier: GPL-2.0
/*
 * The SCSI/MMC command set of an ATAPI DVD-ROM drive (MMC-6 with SPC-3
 * sense and INQUIRY), as SeaBIOS, Linux (sr_mod, cdrom, libata), GRUB and
 * ISOLINUX drive it. See atapi.h for the interface.
 *
 * The drive reads CD and DVD media and writes nothing. One medium is
 * either a CD (a single data track, mode 1, one complete session) or,
 * above the capacity of an 80-minute CD, a single-layer DVD-ROM; the
 * profile, the TOC and READ DVD STRUCTURE follow from its size alone.
 *
 * Behaviour a guest can observe and that real drives share:
 *   - power on: a unit attention POWER ON, RESET (29/00) is pending, and
 *     a NEW MEDIA event if a disc is in (see atapi_init);
 *   - a medium change (host) or closing the tray over a disc (guest):
 *     unit attention NOT READY TO READY CHANGE (28/00) and a NEW MEDIA
 *     event; an eject: a MEDIA REMOVAL event;
 *   - while a unit attention is pending, INQUIRY, REQUEST SENSE, GET
 *     CONFIGURATION, GET EVENT STATUS NOTIFICATION and REPORT LUNS run
 *     (SPC-3 and MMC let them); any other command fails once with it;
 *   - sense data lives until the next command other than REQUEST SENSE.
 *
 * Every response is built in the caller's buffer (at most ATAPI_BUF_SIZE
 * bytes) and trimmed to the CDB's allocation length. Only the 12 bytes of
 * the CDB are read.
 */
#include "atapi.h"
#include "bytes.h"

/* Operation codes. */
#define CMD_TEST_UNIT_READY	0x00
#define CMD_REQUEST_SENSE	0x03
#define CMD_INQUIRY		0x12
#define CMD_MODE_SELECT_6	0x15
#define CMD_MODE_SENSE_6	0x1a
#define CMD_START_STOP_UNIT	0x1b
#define CMD_PREVENT_ALLOW	0x1e
#define CMD_READ_FORMAT_CAPS	0x23
#define CMD_READ_CAPACITY	0x25
#define CMD_READ_10		0x28
#define CMD_SEEK_10		0x2b
#define CMD_READ_SUBCHANNEL	0x42
#define CMD_READ_TOC		0x43
#define CMD_GET_CONFIGURATION	0x46
#define CMD_GESN		0x4a
#define CMD_READ_DISC_INFO	0x51
#define CMD_READ_TRACK_INFO	0x52
#define CMD_MODE_SELECT_10	0x55
#define CMD_MODE_SENSE_10	0x5a
#define CMD_REPORT_LUNS		0xa0
#define CMD_READ_12		0xa8
#define CMD_GET_PERFORMANCE	0xac
#define CMD_READ_DVD_STRUCTURE	0xad
#define CMD_SET_CD_SPEED	0xbb
#define CMD_MECHANISM_STATUS	0xbd
#define CMD_READ_CD		0xbe

/* Additional sense codes (ASC, ASCQ). */
#define ASC_NONE			0x00, 0x00
#define ASC_UNRECOVERED_READ_ERROR	0x11, 0x00
#define ASC_INVALID_OPCODE		0x20, 0x00
#define ASC_LBA_OUT_OF_RANGE		0x21, 0x00
#define ASC_INVALID_FIELD_IN_CDB	0x24, 0x00
#define ASC_MEDIUM_MAY_HAVE_CHANGED	0x28, 0x00
#define ASC_POWER_ON_RESET		0x29, 0x00
#define ASC_INCOMPATIBLE_FORMAT		0x30, 0x02
#define ASC_SAVING_NOT_SUPPORTED	0x39, 0x00
#define ASC_MEDIUM_NOT_PRESENT		0x3a
#define  ASCQ_TRAY_CLOSED		0x01
#define  ASCQ_TRAY_OPEN			0x02
#define ASC_REMOVAL_PREVENTED		0x53, 0x02
#define ASC_ILLEGAL_MODE_FOR_TRACK	0x64, 0x00

/* ATA error register: command aborted. */
#define ATA_ERR_ABRT		0x04

/* MMC profiles (GET CONFIGURATION). */
#define PROFILE_NONE		0x0000
#define PROFILE_CD_ROM		0x0008
#define PROFILE_DVD_ROM		0x0010

/* GET EVENT STATUS NOTIFICATION: the media class and its event codes. */
#define GESN_CLASS_MEDIA	4
#define MEC_NO_CHANGE		0
#define MEC_NEW_MEDIA		2
#define MEC_MEDIA_REMOVAL	3

/*
 * A CD holds at most 80 minutes of 75 sectors a second (what a CD-R
 * takes without overburning); anything larger can only be a DVD.
 */
#define CD_MAX_SECTORS		(80u * 60 * 75)
/* Sectors before LBA 0 in MSF addresses: the 2-second pregap. */
#define MSF_LBA0		150
/* The largest MSF address the three one-byte fields hold. */
#define MSF_MAX_FRAMES		(255u * 60 * 75 + 59 * 75 + 74)
/* Track 1 and the lead-out in TOC descriptors. */
#define TOC_LEADOUT		0xaa
/* Q sub-channel ADR 1 (position), CONTROL 4 (data track, no copy). */
#define ADR_CONTROL_DATA	0x14
/* DVD: first physical sector of the data area (ECMA-267). */
#define DVD_DATA_START_PSN	0x30000
/* Drive speed for mode page 2A and friends: 24x CD, in kB/s. */
#define DRIVE_SPEED_KBS		(24 * 176)

static const u8 atapi_vendor[8] = { 'V', 'M', 'M', ' ', ' ', ' ', ' ', ' ' };
static const u8 atapi_product[16] = {
	'V', 'M', 'M', ' ', 'D', 'V', 'D', '-', 'R', 'O', 'M', ' ', ' ', ' ', ' ', ' '
};
static const u8 atapi_revision[4] = { '1', '.', '0', ' ' };

/* M, S, F of an LBA (CD time: 75 frames a second, LBA 0 at 00:02:00). */
static void put_msf(u8 *p, u64 lba)
{
	u32 f;

	/* DVD-sized media overflow the minute byte: saturate, not wrap. */
	f = lba > MSF_MAX_FRAMES - MSF_LBA0 ? MSF_MAX_FRAMES : (u32)lba + MSF_LBA0;
	p[0] = f / (60 * 75);
	p[1] = f / 75 % 60;
	p[2] = f % 75;
}

/* A 4-byte address field: LBA, or 0 M S F. */
static void put_addr(u8 *p, u64 lba, bool msf)
{
	if (msf) {
		p[0] = 0;
		put_msf(p + 1, lba);
	} else {
		vmm_put_be32(p, lba > 0xffffffffu ? 0xffffffffu : (u32)lba);
	}
}

static bool atapi_present(const struct atapi *a)
{
	return a->medium && !a->tray_open;
}

/* Sectors of the medium; only with one present. */
static u64 atapi_sectors(const struct atapi *a)
{
	return a->medium->size / ATAPI_SECTOR;
}

static bool atapi_is_dvd(const struct atapi *a)
{
	return atapi_sectors(a) > CD_MAX_SECTORS;
}

/* The sector count as a 32-bit field, saturated (track size, capacities). */
static u32 atapi_sectors32(const struct atapi *a)
{
	u64 n = atapi_sectors(a);

	return n > 0xffffffffu ? 0xffffffffu : (u32)n;
}

/* The last LBA as a 32-bit field (READ CAPACITY, track info). */
static u32 atapi_last_lba(const struct atapi *a)
{
	u64 n = atapi_sectors(a);

	if (!n)
		return 0;
	return n - 1 > 0xffffffffu ? 0xffffffffu : (u32)(n - 1);
}

static void atapi_set_sense(struct atapi *a, u8 key, u8 asc, u8 ascq)
{
	a->sense_key = key;
	a->asc = asc;
	a->ascq = ascq;
	a->info_valid = false;
}

static enum atapi_result atapi_check(struct atapi *a, u8 key, u8 asc, u8 ascq)
{
	atapi_set_sense(a, key, asc, ascq);
	return ATAPI_CHECK;
}

static enum atapi_result atapi_invalid_field(struct atapi *a)
{
	return atapi_check(a, ATAPI_SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_CDB);
}

static enum atapi_result atapi_not_present(struct atapi *a)
{
	return atapi_check(a, ATAPI_SK_NOT_READY, ASC_MEDIUM_NOT_PRESENT,
			   a->tray_open ? ASCQ_TRAY_OPEN : ASCQ_TRAY_CLOSED);
}

/* len bytes of buf are the response; the guest takes at most alloc. */
static enum atapi_result atapi_data(struct atapi_xfer *x, u32 len, u32 alloc)
{
	if (len > alloc)
		len = alloc;
	if (len > ATAPI_BUF_SIZE)
		len = ATAPI_BUF_SIZE;
	x->len = len;
	return ATAPI_DATA;
}

/*
 * Reads of count sectors at lba, whatever CDB they came in: checked
 * against the medium in 64 bits, where neither lba + count nor the byte
 * offset can overflow (lba <= sectors <= 2^64 / 2048).
 */
static enum atapi_result atapi_read(struct atapi *a, u64 lba, u64 count,
				    struct atapi_xfer *x)
{
	u64 n = atapi_sectors(a);

	if (lba > n || count > n - lba)
		return atapi_check(a, ATAPI_SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
	/* SBC: a transfer length of 0 moves nothing and is no error. */
	if (!count)
		return atapi_data(x, 0, 0);
	x->offset = lba * ATAPI_SECTOR;
	x->nbytes = count * ATAPI_SECTOR;
	/* Every read CDB has a 32-bit LBA: this holds it. */
	a->read_lba = (u32)lba;
	return ATAPI_READ;
}

static enum atapi_result cmd_test_unit_ready(struct atapi *a, const u8 *cdb,
					     u8 *buf, struct atapi_xfer *x)
{
	(void)a;
	(void)cdb;
	(void)buf;
	/* The medium check before the handler is all there is to it. */
	return atapi_data(x, 0, 0);
}

static enum atapi_result cmd_request_sense(struct atapi *a, const u8 *cdb,
					   u8 *buf, struct atapi_xfer *x)
{
	u8 alloc = cdb[4];

	/* Descriptor-format sense is optional in SPC-3; we have only fixed. */
	if (cdb[1] & 0x01)
		return atapi_invalid_field(a);
	/* A pending unit attention is the sense to report (and it is gone). */
	if (a->ua_asc) {
		atapi_set_sense(a, ATAPI_SK_UNIT_ATTENTION, a->ua_asc, a->ua_ascq);
		if (alloc)
			a->ua_asc = a->ua_ascq = 0;
	}
	buf[0] = 0x70;			/* current error, fixed format */
	buf[2] = a->sense_key;
	if (a->info_valid) {
		buf[0] |= 0x80;		/* VALID: INFORMATION holds an LBA */
		vmm_put_be32(buf + 3, a->info);
	}
	buf[7] = 18 - 8;		/* additional sense length */
	buf[12] = a->asc;
	buf[13] = a->ascq;
	/* Returned sense is consumed; with nothing transferred it stays. */
	if (alloc)
		atapi_set_sense(a, ATAPI_SK_NO_SENSE, ASC_NONE);
	return atapi_data(x, 18, alloc);
}

static u32 inquiry_standard(u8 *buf)
{
	buf[0] = 0x05;			/* connected; CD/DVD device */
	buf[1] = 0x80;			/* removable medium */
	buf[2] = 0x05;			/* SPC-3 */
	buf[3] = 0x02;			/* response data format 2 */
	buf[4] = 36 - 5;		/* additional length */
	memcpy(buf + 8, atapi_vendor, sizeof(atapi_vendor));
	memcpy(buf + 16, atapi_product, sizeof(atapi_product));
	memcpy(buf + 32, atapi_revision, sizeof(atapi_revision));
	return 36;
}

static enum atapi_result cmd_inquiry(struct atapi *a, const u8 *cdb, u8 *buf,
				     struct atapi_xfer *x)
{
	u16 alloc = vmm_get_be16(cdb + 3);
	u32 len;

	/* CMDDT (obsolete) set, or a page code without EVPD. */
	if (cdb[1] & 0x02 || (!(cdb[1] & 0x01) && cdb[2]))
		return atapi_invalid_field(a);
	if (!(cdb[1] & 0x01))
		return atapi_data(x, inquiry_standard(buf), alloc);

	buf[0] = 0x05;
	buf[1] = cdb[2];
	switch (cdb[2]) {
	case 0x00:			/* supported VPD pages */
		buf[4] = 0x00;
		buf[5] = 0x80;
		buf[6] = 0x83;
		len = 3;
		break;
	case 0x80:			/* unit serial number */
		memcpy(buf + 4, a->serial, ATAPI_SERIAL_LEN);
		len = ATAPI_SERIAL_LEN;
		break;
	case 0x83:
		/*
		 * Device identification: one T10 vendor ID designator for
		 * the logical unit, vendor then serial, which Linux turns
		 * into the drive's persistent name.
		 */
		buf[4] = 0x02;		/* ASCII */
		buf[5] = 0x01;		/* associated with the LU; T10 vendor ID */
		buf[7] = sizeof(atapi_vendor) + ATAPI_SERIAL_LEN;
		memcpy(buf + 8, atapi_vendor, sizeof(atapi_vendor));
		memcpy(buf + 8 + sizeof(atapi_vendor), a->serial, ATAPI_SERIAL_LEN);
		len = 4 + buf[7];
		break;
	default:
		return atapi_invalid_field(a);
	}
	vmm_put_be16(buf + 2, len);
	return atapi_data(x, 4 + len, alloc);
}

static enum atapi_result cmd_start_stop_unit(struct atapi *a, const u8 *cdb,
					     u8 *buf, struct atapi_xfer *x)
{
	bool start = cdb[4] & 0x01, loej = cdb[4] & 0x02;

	(void)buf;
	/* A power condition change ignores START and LOEJ (MMC); we have none. */
	if (cdb[4] >> 4 || !loej)
		return atapi_data(x, 0, 0);
	if (start) {
		/* Closing the tray over a disc loads it, as a medium change. */
		if (a->tray_open && a->medium) {
			a->ua_asc = 0x28;
			a->ua_ascq = 0x00;
			a->media_event = MEC_NEW_MEDIA;
		}
		a->tray_open = false;
		return atapi_data(x, 0, 0);
	}
	if (a->locked)
		return atapi_check(a, ATAPI_SK_ILLEGAL_REQUEST, ASC_REMOVAL_PREVENTED);
	if (atapi_present(a))
		a->media_event = MEC_MEDIA_REMOVAL;
	a->tray_open = true;
	return atapi_data(x, 0, 0);
}

static enum atapi_result cmd_prevent_allow(struct atapi *a, const u8 *cdb,
					   u8 *buf, struct atapi_xfer *x)
{
	(void)buf;
	/* Bit 0: prevent; bit 1 (persistent prevent) only adds host policy. */
	a->locked = cdb[4] & 0x01;
	return atapi_data(x, 0, 0);
}

static enum atapi_result cmd_read_format_caps(struct atapi *a, const u8 *cdb,
					      u8 *buf, struct atapi_xfer *x)
{
	/* Windows asks: one current/maximum capacity descriptor. */
	buf[3] = 8;			/* capacity list length */
	if (atapi_present(a)) {
		vmm_put_be32(buf + 4, atapi_sectors32(a));
		buf[8] = 0x02;		/* formatted media */
	} else {
		buf[8] = 0x03;		/* no media present */
	}
	vmm_put_be24(buf + 9, ATAPI_SECTOR);
	return atapi_data(x, 12, vmm_get_be16(cdb + 7));
}

static enum atapi_result cmd_read_capacity(struct atapi *a, const u8 *cdb,
					   u8 *buf, struct atapi_xfer *x)
{
	/* Without PMI the LBA field must be zero (SBC). */
	if (!(cdb[8] & 0x01) && vmm_get_be32(cdb + 2))
		return atapi_invalid_field(a);
	vmm_put_be32(buf, atapi_last_lba(a));
	vmm_put_be32(buf + 4, ATAPI_SECTOR);
	return atapi_data(x, 8, 8);
}

static enum atapi_result cmd_read_10(struct atapi *a, const u8 *cdb, u8 *buf,
				     struct atapi_xfer *x)
{
	(void)buf;
	return atapi_read(a, vmm_get_be32(cdb + 2), vmm_get_be16(cdb + 7), x);
}

static enum atapi_result cmd_read_12(struct atapi *a, const u8 *cdb, u8 *buf,
				     struct atapi_xfer *x)
{
	(void)buf;
	return atapi_read(a, vmm_get_be32(cdb + 2), vmm_get_be32(cdb + 6), x);
}

static enum atapi_result cmd_read_cd(struct atapi *a, const u8 *cdb, u8 *buf,
				     struct atapi_xfer *x)
{
	u8 type = cdb[1] >> 2 & 0x07;
	u8 sel = cdb[9];

	(void)buf;
	/* Sector types 6 and 7 are reserved; R-W/Q sub-channel data we lack. */
	if (type > 5 || cdb[10] & 0x07)
		return atapi_invalid_field(a);
	/* A DVD has no CD sectors to read. */
	if (atapi_is_dvd(a))
		return atapi_check(a, ATAPI_SK_ILLEGAL_REQUEST, ASC_INCOMPATIBLE_FORMAT);
	/* Our one track is mode 1 data: any type but "any" and mode 1 mismatches. */
	if (type != 0 && type != 2)
		return atapi_check(a, ATAPI_SK_ILLEGAL_REQUEST, ASC_ILLEGAL_MODE_FOR_TRACK);
	/*
	 * Main channel: user data alone (0x10) is a 2048-byte read, no field
	 * at all (0) transfers nothing. Sync, headers, EDC/ECC and C2 error
	 * bits are not in an ISO image.
	 */
	if (sel == 0x00)
		return atapi_read(a, vmm_get_be32(cdb + 2), 0, x);
	if (sel != 0x10)
		return atapi_invalid_field(a);
	return atapi_read(a, vmm_get_be32(cdb + 2), vmm_get_be24(cdb + 6), x);
}

static enum atapi_result cmd_seek_10(struct atapi *a, const u8 *cdb, u8 *buf,
				     struct atapi_xfer *x)
{
	(void)buf;
	if (vmm_get_be32(cdb + 2) >= atapi_sectors(a))
		return atapi_check(a, ATAPI_SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
	return atapi_data(x, 0, 0);
}

static enum atapi_result cmd_read_subchannel(struct atapi *a, const u8 *cdb,
					     u8 *buf, struct atapi_xfer *x)
{
	bool msf = cdb[1] & 0x02;
	u32 len = 0;

	buf[1] = 0x15;			/* no current audio status */
	if (cdb[2] & 0x40) {		/* SUBQ: sub-channel data wanted */
		buf[4] = cdb[3];
		switch (cdb[3]) {
		case 0x01:		/* current position: the start of track 1 */
			buf[5] = ADR_CONTROL_DATA;
			buf[6] = 1;
			buf[7] = 1;
			put_addr(buf + 8, 0, msf);
			/* Relative address 0 is 00:00:00, no pregap. */
			len = 12;
			break;
		case 0x02:		/* media catalogue number: none (MCVAL 0) */
		case 0x03:		/* track ISRC: none (TCVAL 0) */
			if (cdb[3] == 0x03)
				buf[6] = cdb[6];
			len = 20;
			break;
		default:
			return atapi_invalid_field(a);
		}
	}
	vmm_put_be16(buf + 2, len);
	return atapi_data(x, 4 + len, vmm_get_be16(cdb + 7));
}

/* READ TOC format 0: track 1 and the lead-out, from track start on. */
static u32 toc_format0(struct atapi *a, u8 start, bool msf, u8 *buf)
{
	u32 len = 4;

	buf[2] = 1;			/* first track */
	buf[3] = 1;			/* last track */
	if (start <= 1) {
		buf[len + 1] = ADR_CONTROL_DATA;
		buf[len + 2] = 1;
		put_addr(buf + len + 4, 0, msf);
		len += 8;
	}
	buf[len + 1] = ADR_CONTROL_DATA;
	buf[len + 2] = TOC_LEADOUT;
	put_addr(buf + len + 4, atapi_sectors(a), msf);
	len += 8;
	return len;
}

/* READ TOC format 2: the raw TOC, points A0, A1, A2 and track 1. */
static u32 toc_format2(struct atapi *a, u8 *buf)
{
	static const u8 points[] = { 0xa0, 0xa1, 0xa2, 0x01 };
	u32 len = 4;
	unsigned int i;

	buf[2] = 1;			/* first complete session */
	buf[3] = 1;			/* last complete session */
	for (i = 0; i < ARRAY_SIZE(points); i++, len += 11) {
		u8 *d = buf + len;

		d[0] = 1;		/* session */
		d[1] = ADR_CONTROL_DATA;
		d[3] = points[i];
		/* d[4..7]: the lead-in time of the entry, zero here. */
		switch (points[i]) {
		case 0xa0:		/* first track; disc type CD-DA/CD-ROM */
			d[8] = 1;
			d[9] = 0x00;
			break;
		case 0xa1:		/* last track */
			d[8] = 1;
			break;
		case 0xa2:		/* start of the lead-out */
			put_msf(d + 8, atapi_sectors(a));
			break;
		default:		/* start of track 1 */
			put_msf(d + 8, 0);
			break;
		}
	}
	return len;
}

static enum atapi_result cmd_read_toc(struct atapi *a, const u8 *cdb, u8 *buf,
				      struct atapi_xfer *x)
{
	bool msf = cdb[1] & 0x02;
	u8 format = cdb[2] & 0x0f;
	u8 track = cdb[6];
	u32 len;

	/*
	 * Drives before MMC took the format from the top bits of byte 9;
	 * Linux's sr still asks for the session info (format 1) that way.
	 */
	if (!format)
		format = cdb[9] >> 6;
	switch (format) {
	case 0:
		if (track > TOC_LEADOUT)
			return atapi_invalid_field(a);
		len = toc_format0(a, track, msf, buf);
		break;
	case 1:				/* multi-session: the one session */
		buf[2] = 1;
		buf[3] = 1;
		buf[5] = ADR_CONTROL_DATA;
		buf[6] = 1;		/* first track in the last session */
		put_addr(buf + 8, 0, msf);
		len = 12;
		break;
	case 2:
		if (track > 1)		/* session number: we have one */
			return atapi_invalid_field(a);
		len = toc_format2(a, buf);
		break;
	default:			/* PMA, ATIP, CD-TEXT: pressed media lack them */
		return atapi_invalid_field(a);
	}
	vmm_put_be16(buf, len - 2);
	return atapi_data(x, len, vmm_get_be16(cdb + 7));
}

/*
 * One feature descriptor of GET CONFIGURATION at p: its length, or 0 when
 * only current ones are wanted and it is not.
 */
static u32 atapi_feature(struct atapi *a, u16 code, bool only_current, u8 *p)
{
	bool present = atapi_present(a);
	bool dvd = present && atapi_is_dvd(a);
	bool is_cur = true;
	u8 version = 0, flags, add;

	switch (code) {
	case 0x0000:			/* profile list, highest first */
		add = 8;
		vmm_put_be16(p + 4, PROFILE_DVD_ROM);
		p[6] = dvd;
		vmm_put_be16(p + 8, PROFILE_CD_ROM);
		p[10] = present && !dvd;
		break;
	case 0x0001:			/* core */
		version = 2;
		add = 8;
		vmm_put_be32(p + 4, 2);	/* physical interface: ATAPI */
		p[8] = 0x01;		/* DBE: reports deferred errors */
		break;
	case 0x0002:			/* morphing */
		version = 1;
		add = 4;
		p[4] = 0x02;		/* OCEVENT; polled GESN only (no ASYNC) */
		break;
	case 0x0003:			/* removable medium */
		add = 4;
		/* Tray loader, can eject, lockable (no lock state here). */
		p[4] = 0x20 | 0x08 | 0x01;
		break;
	case 0x0010:			/* random readable */
		is_cur = present;
		add = 8;
		vmm_put_be32(p + 4, ATAPI_SECTOR);
		vmm_put_be16(p + 8, dvd ? 16 : 1);	/* blocking */
		break;
	case 0x001e:			/* CD read: no C2, no CD-TEXT, no DAP */
		is_cur = present && !dvd;
		version = 2;
		add = 4;
		break;
	case 0x001f:			/* DVD read */
		is_cur = dvd;
		version = 1;
		add = 4;
		break;
	default:
		return 0;
	}
	if (only_current && !is_cur)
		return 0;
	flags = version << 2 | is_cur;
	/* What the drive is, not what the medium is, persists. */
	if (code <= 0x0003)
		flags |= 0x02;
	vmm_put_be16(p, code);
	p[2] = flags;
	p[3] = add;
	return 4 + add;
}

static enum atapi_result cmd_get_configuration(struct atapi *a, const u8 *cdb,
					       u8 *buf, struct atapi_xfer *x)
{
	static const u16 features[] = {
		0x0000, 0x0001, 0x0002, 0x0003, 0x0010, 0x001e, 0x001f,
	};
	u8 rt = cdb[1] & 0x03;
	u16 start = vmm_get_be16(cdb + 2);
	u16 profile = PROFILE_NONE;
	u32 len = 8;
	unsigned int i;

	if (rt == 3)
		return atapi_invalid_field(a);
	if (atapi_present(a))
		profile = atapi_is_dvd(a) ? PROFILE_DVD_ROM : PROFILE_CD_ROM;
	for (i = 0; i < ARRAY_SIZE(features); i++) {
		/* RT 0: all from start on; 1: current ones; 2: start only. */
		if (features[i] < start || (rt == 2 && features[i] != start))
			continue;
		len += atapi_feature(a, features[i], rt == 1, buf + len);
	}
	vmm_put_be32(buf, len - 4);
	vmm_put_be16(buf + 6, profile);
	return atapi_data(x, len, vmm_get_be16(cdb + 7));
}

static enum atapi_result cmd_gesn(struct atapi *a, const u8 *cdb, u8 *buf,
				  struct atapi_xfer *x)
{
	u16 alloc = vmm_get_be16(cdb + 7);

	/* Asynchronous notification is not offered: polled only. */
	if (!(cdb[1] & 0x01))
		return atapi_invalid_field(a);
	buf[3] = 1 << GESN_CLASS_MEDIA;	/* supported classes */
	if (!(cdb[4] & (1 << GESN_CLASS_MEDIA))) {
		vmm_put_be16(buf, 2);
		buf[2] = 0x80;		/* NEA: no class asked for is ours */
		return atapi_data(x, 4, alloc);
	}
	vmm_put_be16(buf, 6);
	buf[2] = GESN_CLASS_MEDIA;
	buf[4] = a->media_event;
	buf[5] = (atapi_present(a) ? 0x02 : 0) | (a->tray_open ? 0x01 : 0);
	/* An event is reported once: when the guest got to see its code. */
	if (alloc > 4)
		a->media_event = MEC_NO_CHANGE;
	return atapi_data(x, 8, alloc);
}

static enum atapi_result cmd_read_disc_info(struct atapi *a, const u8 *cdb,
					    u8 *buf, struct atapi_xfer *x)
{
	/* Only standard disc information (type 0). */
	if (cdb[1] & 0x07)
		return atapi_invalid_field(a);
	vmm_put_be16(buf, 34 - 2);
	buf[2] = 0x0e;			/* last session complete, disc complete */
	buf[3] = 1;			/* first track */
	buf[4] = 1;			/* sessions */
	buf[5] = 1;			/* first track in the last session */
	buf[6] = 1;			/* last track in the last session */
	buf[7] = 0x20;			/* URU: unrestricted use */
	buf[8] = 0x00;			/* CD-DA or CD-ROM */
	/* A complete disc has no next lead-in or last lead-out to give. */
	vmm_put_be32(buf + 16, 0xffffffffu);
	vmm_put_be32(buf + 20, 0xffffffffu);
	return atapi_data(x, 34, vmm_get_be16(cdb + 7));
}

static enum atapi_result cmd_read_track_info(struct atapi *a, const u8 *cdb,
					     u8 *buf, struct atapi_xfer *x)
{
	u32 addr = vmm_get_be32(cdb + 2);

	switch (cdb[1] & 0x03) {
	case 0:				/* by LBA: in track 1 or nowhere */
		if (addr >= atapi_sectors(a))
			return atapi_check(a, ATAPI_SK_ILLEGAL_REQUEST,
					   ASC_LBA_OUT_OF_RANGE);
		break;
	case 1:				/* by track number */
	case 2:				/* by session number */
		if (addr != 1)
			return atapi_invalid_field(a);
		break;
	default:
		return atapi_invalid_field(a);
	}
	vmm_put_be16(buf, 36 - 2);
	buf[2] = 1;			/* track */
	buf[3] = 1;			/* session */
	buf[5] = 0x04;			/* data track, recorded uninterrupted */
	buf[6] = 0x01;			/* data mode 1 */
	vmm_put_be32(buf + 20, atapi_is_dvd(a) ? 16 : 0);	/* blocking factor */
	vmm_put_be32(buf + 24, atapi_sectors32(a));	/* track size */
	vmm_put_be32(buf + 28, atapi_last_lba(a));	/* last recorded address */
	return atapi_data(x, 36, vmm_get_be16(cdb + 7));
}

/* Mode page control (MODE SENSE byte 2 bits 7:6). */
enum { PC_CURRENT, PC_CHANGEABLE, PC_DEFAULT, PC_SAVED };

/* Mode page 0x01, read error recovery: 12 bytes at p. */
static u32 mode_page_01(u8 pc, u8 *p)
{
	p[0] = 0x01;
	p[1] = 12 - 2;
	/* Nothing is changeable; otherwise: retry reads 5 times. */
	if (pc != PC_CHANGEABLE)
		p[3] = 5;
	return 12;
}

/* Mode page 0x2A, capabilities and mechanical status (MMC-2 size). */
static u32 mode_page_2a(struct atapi *a, u8 pc, u8 *p)
{
	p[0] = 0x2a;
	p[1] = 22 - 2;
	if (pc == PC_CHANGEABLE)
		return 22;
	p[2] = 0x3f;			/* reads CD-R/RW, method 2, DVD-ROM/R/RAM */
	p[3] = 0x00;			/* writes nothing */
	p[4] = 0x50;			/* multi-session, mode 2 form 1 */
	p[5] = 0x00;			/* no CD-DA */
	/* Tray loader, eject, lock; the lock state is the current one. */
	p[6] = 0x20 | 0x08 | 0x01;
	if (pc == PC_CURRENT && a->locked)
		p[6] |= 0x02;
	vmm_put_be16(p + 8, DRIVE_SPEED_KBS);	/* maximum read speed */
	vmm_put_be16(p + 12, 512);			/* buffer, KiB */
	vmm_put_be16(p + 14, DRIVE_SPEED_KBS);	/* current read speed */
	return 22;
}

/*
 * The pages MODE SENSE asks for at p: their length, 0 for an unknown
 * page, or 0xffffffff for saved values, which a drive without saved
 * parameters refuses.
 */
static u32 mode_pages(struct atapi *a, const u8 *cdb, u8 *p)
{
	u8 pc = cdb[2] >> 6, page = cdb[2] & 0x3f, subpage = cdb[3];
	u32 len = 0;

	if (pc == PC_SAVED)
		return 0xffffffffu;
	/* No subpages: 0, or 0xff (all) with all pages. */
	if (subpage && !(page == 0x3f && subpage == 0xff))
		return 0;
	if (page == 0x01 || page == 0x3f)
		len += mode_page_01(pc, p + len);
	if (page == 0x2a || page == 0x3f)
		len += mode_page_2a(a, pc, p + len);
	return len;
}

static enum atapi_result mode_sense(struct atapi *a, const u8 *cdb, u8 *buf,
				    struct atapi_xfer *x, u32 hdr, u32 alloc)
{
	u32 len = mode_pages(a, cdb, buf + hdr);

	if (len == 0xffffffffu)
		return atapi_check(a, ATAPI_SK_ILLEGAL_REQUEST, ASC_SAVING_NOT_SUPPORTED);
	if (!len)
		return atapi_invalid_field(a);
	/* No block descriptors (DBD or not); medium type 0 as MMC says. */
	len += hdr;
	if (hdr == 8)
		vmm_put_be16(buf, len - 2);
	else
		buf[0] = len - 1;
	return atapi_data(x, len, alloc);
}

static enum atapi_result cmd_mode_sense_10(struct atapi *a, const u8 *cdb,
					   u8 *buf, struct atapi_xfer *x)
{
	return mode_sense(a, cdb, buf, x, 8, vmm_get_be16(cdb + 7));
}

static enum atapi_result cmd_mode_sense_6(struct atapi *a, const u8 *cdb,
					  u8 *buf, struct atapi_xfer *x)
{
	return mode_sense(a, cdb, buf, x, 4, cdb[4]);
}

static enum atapi_result cmd_accept(struct atapi *a, const u8 *cdb, u8 *buf,
				    struct atapi_xfer *x)
{
	(void)a;
	(void)cdb;
	(void)buf;
	/*
	 * MODE SELECT and SET CD SPEED: nothing here can change, and a
	 * drive may round speeds and ignore parameters it lacks. Parameter
	 * data the guest sends is not taken (the transport moves none).
	 */
	return atapi_data(x, 0, 0);
}

static enum atapi_result cmd_report_luns(struct atapi *a, const u8 *cdb,
					 u8 *buf, struct atapi_xfer *x)
{
	if (cdb[2] > 2)
		return atapi_invalid_field(a);
	vmm_put_be32(buf, 8);		/* one LUN, 0 */
	return atapi_data(x, 16, vmm_get_be32(cdb + 6));
}

static enum atapi_result cmd_read_dvd_structure(struct atapi *a, const u8 *cdb,
						u8 *buf, struct atapi_xfer *x)
{
	u8 format = cdb[7];
	u64 end;
	u32 len;

	/* Media type other than DVD (1: BD), or a layer we do not have. */
	if (cdb[1] & 0x0f)
		return atapi_invalid_field(a);
	if (format == 0xff) {
		/* The structure list: physical, copyright, manufacturing. */
		static const u8 list[] = { 0x00, 0x01, 0x04, 0xff };
		static const u16 sizes[] = { 2048 + 4, 4 + 4, 2048 + 4, 16 + 4 };
		unsigned int i;

		for (i = 0; i < ARRAY_SIZE(list); i++) {
			buf[4 + 4 * i] = list[i];
			buf[5 + 4 * i] = 0x40;	/* RDS: READ DVD STRUCTURE reads it */
			vmm_put_be16(buf + 6 + 4 * i, sizes[i]);
		}
		len = 4 * ARRAY_SIZE(list);
		goto out;
	}
	if (!atapi_present(a))
		return atapi_not_present(a);
	if (!atapi_is_dvd(a))
		return atapi_check(a, ATAPI_SK_ILLEGAL_REQUEST, ASC_INCOMPATIBLE_FORMAT);
	if (cdb[6])			/* layer: single-layer media */
		return atapi_invalid_field(a);
	switch (format) {
	case 0x00:			/* physical format information */
		buf[4] = 0x01;		/* DVD-ROM, part version 1 */
		buf[5] = 0x02;		/* 120 mm, 10.08 Mbit/s */
		buf[6] = 0x01;		/* one layer, embossed */
		buf[7] = 0x00;		/* densities: 0.267 um/bit, 0.74 um/track */
		vmm_put_be24(buf + 9, DVD_DATA_START_PSN);
		end = DVD_DATA_START_PSN + atapi_sectors(a) - 1;
		vmm_put_be24(buf + 13, end > 0xffffff ? 0xffffff : (u32)end);
		len = 2048;
		break;
	case 0x01:			/* copyright: no protection, all regions */
		len = 4;
		break;
	case 0x04:			/* manufacturing information: none */
		len = 2048;
		break;
	default:
		return atapi_invalid_field(a);
	}
out:
	vmm_put_be16(buf, len + 2);
	return atapi_data(x, 4 + len, vmm_get_be16(cdb + 8));
}

static enum atapi_result cmd_get_performance(struct atapi *a, const u8 *cdb,
					     u8 *buf, struct atapi_xfer *x)
{
	u16 max = vmm_get_be16(cdb + 8);	/* descriptors, not bytes */
	u32 len = 8;

	switch (cdb[10]) {
	case 0x00:
		/*
		 * Nominal read performance (Windows asks): one descriptor,
		 * the whole medium at the drive's one speed. Write and
		 * exception lists (data type bits) are empty.
		 */
		if (!atapi_present(a))
			return atapi_not_present(a);
		if (!(cdb[1] & 0x07) && max) {
			vmm_put_be32(buf + 12, DRIVE_SPEED_KBS);
			vmm_put_be32(buf + 16, atapi_last_lba(a));
			vmm_put_be32(buf + 20, DRIVE_SPEED_KBS);
			len += 16;
		}
		break;
	case 0x03:			/* write speeds: none */
		break;
	default:
		return atapi_invalid_field(a);
	}
	vmm_put_be32(buf, len - 4);
	return atapi_data(x, len, len);
}

static enum atapi_result cmd_mechanism_status(struct atapi *a, const u8 *cdb,
					      u8 *buf, struct atapi_xfer *x)
{
	/* Not a changer: idle, the door state, no slot tables. */
	buf[1] = a->tray_open ? 0x10 : 0x00;
	return atapi_data(x, 8, vmm_get_be16(cdb + 8));
}

/* The command may run while a unit attention is pending. */
#define F_UA_OK		0x01
/* The command needs a medium (NOT READY without one). */
#define F_MEDIUM	0x02
/* The command builds no response in buf: skip clearing it. */
#define F_NOBUF		0x04

struct atapi_cmd {
	enum atapi_result (*fn)(struct atapi *a, const u8 *cdb, u8 *buf,
				struct atapi_xfer *x);
	u8 flags;
};

static const struct atapi_cmd atapi_cmds[256] = {
	[CMD_TEST_UNIT_READY]	= { cmd_test_unit_ready, F_MEDIUM | F_NOBUF },
	[CMD_REQUEST_SENSE]	= { cmd_request_sense, F_UA_OK },
	[CMD_INQUIRY]		= { cmd_inquiry, F_UA_OK },
	[CMD_MODE_SELECT_6]	= { cmd_accept, F_NOBUF },
	[CMD_MODE_SENSE_6]	= { cmd_mode_sense_6, 0 },
	[CMD_START_STOP_UNIT]	= { cmd_start_stop_unit, F_NOBUF },
	[CMD_PREVENT_ALLOW]	= { cmd_prevent_allow, F_NOBUF },
	[CMD_READ_FORMAT_CAPS]	= { cmd_read_format_caps, 0 },
	[CMD_READ_CAPACITY]	= { cmd_read_capacity, F_MEDIUM },
	[CMD_READ_10]		= { cmd_read_10, F_MEDIUM | F_NOBUF },
	[CMD_SEEK_10]		= { cmd_seek_10, F_MEDIUM | F_NOBUF },
	[CMD_READ_SUBCHANNEL]	= { cmd_read_subchannel, F_MEDIUM },
	[CMD_READ_TOC]		= { cmd_read_toc, F_MEDIUM },
	[CMD_GET_CONFIGURATION]	= { cmd_get_configuration, F_UA_OK },
	[CMD_GESN]		= { cmd_gesn, F_UA_OK },
	[CMD_READ_DISC_INFO]	= { cmd_read_disc_info, F_MEDIUM },
	[CMD_READ_TRACK_INFO]	= { cmd_read_track_info, F_MEDIUM },
	[CMD_MODE_SELECT_10]	= { cmd_accept, F_NOBUF },
	[CMD_MODE_SENSE_10]	= { cmd_mode_sense_10, 0 },
	[CMD_REPORT_LUNS]	= { cmd_report_luns, F_UA_OK },
	[CMD_READ_12]		= { cmd_read_12, F_MEDIUM | F_NOBUF },
	[CMD_GET_PERFORMANCE]	= { cmd_get_performance, 0 },
	[CMD_READ_DVD_STRUCTURE] = { cmd_read_dvd_structure, 0 },
	[CMD_SET_CD_SPEED]	= { cmd_accept, F_NOBUF },
	[CMD_MECHANISM_STATUS]	= { cmd_mechanism_status, 0 },
	[CMD_READ_CD]		= { cmd_read_cd, F_MEDIUM | F_NOBUF },
};

enum atapi_result atapi_command(struct atapi *a, const u8 *cdb, u8 *buf,
				struct atapi_xfer *x)
{
	const struct atapi_cmd *c = &atapi_cmds[cdb[0]];

	x->len = 0;
	x->offset = 0;
	x->nbytes = 0;
	/* The previous command's sense lives until this one (SPC). */
	if (cdb[0] != CMD_REQUEST_SENSE)
		atapi_set_sense(a, ATAPI_SK_NO_SENSE, ASC_NONE);
	/* A unit attention goes to the first command that may not pass it. */
	if (a->ua_asc && !(c->fn && c->flags & F_UA_OK)) {
		atapi_set_sense(a, ATAPI_SK_UNIT_ATTENTION, a->ua_asc, a->ua_ascq);
		a->ua_asc = a->ua_ascq = 0;
		return ATAPI_CHECK;
	}
	if (!c->fn)
		return atapi_check(a, ATAPI_SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
	if (c->flags & F_MEDIUM && !atapi_present(a))
		return atapi_not_present(a);
	/* Every byte of a response not set is zero; none exceeds the buffer. */
	if (!(c->flags & F_NOBUF))
		memset(buf, 0, ATAPI_BUF_SIZE);
	return c->fn(a, cdb, buf, x);
}

void atapi_read_done(struct atapi *a, int error)
{
	if (!error)
		return;
	atapi_set_sense(a, ATAPI_SK_MEDIUM_ERROR, ASC_UNRECOVERED_READ_ERROR);
	/*
	 * The backend does not say which sector failed: name the first of
	 * the command, so that the guest counts none of it as read.
	 */
	a->info_valid = true;
	a->info = a->read_lba;
}

u8 atapi_error_reg(const struct atapi *a)
{
	return a->sense_key << 4 | ATA_ERR_ABRT;
}

void atapi_init(struct atapi *a, struct blk_backend *medium)
{
	memset(a, 0, sizeof(*a));
	a->medium = medium;
	memcpy(a->serial, "VMMCD0000001        ", ATAPI_SERIAL_LEN);
	/*
	 * A drive just powered on reports that once, to the first command
	 * that cannot pass a unit attention (SPC); a disc already in is a
	 * new medium to GESN, as drives report at power on. SeaBIOS retries
	 * TEST UNIT READY on a unit attention, libata clears it after reset.
	 */
	a->ua_asc = 0x29;
	a->ua_ascq = 0x00;
	if (medium)
		a->media_event = MEC_NEW_MEDIA;
}

void atapi_change_medium(struct atapi *a, struct blk_backend *medium)
{
	/* The host swaps discs: the tray closes over the new one (or none). */
	a->medium = medium;
	a->tray_open = false;
	/*
	 * Both ways the guest must re-read what it knows of the disc: the
	 * unit attention says "may have changed", the event says which way.
	 */
	a->ua_asc = 0x28;
	a->ua_ascq = 0x00;
	a->media_event = medium ? MEC_NEW_MEDIA : MEC_MEDIA_REMOVAL;
}

void atapi_reset(struct atapi *a)
{
	/*
	 * Sense goes; a pending unit attention and media event stay (the
	 * guest has not seen them), and so does the lock: libata resets
	 * the link in error handling, and a reset there must not let the
	 * disc go.
	 */
	atapi_set_sense(a, ATAPI_SK_NO_SENSE, ASC_NONE);
}
