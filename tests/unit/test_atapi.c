// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the ATAPI CD/DVD command set (module/core/atapi.c): the
 * bytes of each response against MMC-6/SPC-3, unit attention and sense
 * rules, medium checks, range checks and allocation-length trimming.
 */
#include <stdlib.h>
#include "ktap.h"
#include "atapi.h"

#define MIB		(1024ULL * 1024)

/* Media: a 10 MiB CD (5120 sectors), a 1 GiB DVD, and a huge one. */
static struct blk_backend cd10 = { .size = 10 * MIB, .block_size = 2048 };
static struct blk_backend dvd1g = { .size = 1024 * MIB, .block_size = 2048 };
/* 2^33 sectors: LBA and count both 0xffffffff fit, offsets need 64 bits. */
static struct blk_backend huge = { .size = 1ULL << 44, .block_size = 2048 };

static struct atapi drive;
static u8 *buf;			/* ATAPI_BUF_SIZE bytes on the heap (ASan) */
static struct atapi_xfer xf;
static enum atapi_result res;

/*
 * One command. The CDB is copied to a heap block of exactly 12 bytes so
 * that ASan catches a read past it; the buffer is poisoned first so that
 * stale bytes show up.
 */
static enum atapi_result run(struct atapi *a, const u8 *cdb)
{
	u8 *c = malloc(ATAPI_CDB_LEN);

	memcpy(c, cdb, ATAPI_CDB_LEN);
	memset(buf, 0xa5, ATAPI_BUF_SIZE);
	memset(&xf, 0xa5, sizeof(xf));
	res = atapi_command(a, c, buf, &xf);
	free(c);
	return res;
}

#define RUN(a, ...)	run(a, (const u8[ATAPI_CDB_LEN]){ __VA_ARGS__ })

static u16 be16(const u8 *p)
{
	return (u16)p[0] << 8 | p[1];
}

static u32 be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static bool sense_is(const struct atapi *a, u8 key, u8 asc, u8 ascq)
{
	return a->sense_key == key && a->asc == asc && a->ascq == ascq;
}

/* The last command failed with this sense. */
#define CHECKED(key, asc, ascq)						\
	KTAP_EXPECT(res == ATAPI_CHECK && sense_is(&drive, key, asc, ascq))
/* The last command returned n bytes. */
#define DATA(n)		KTAP_EXPECT(res == ATAPI_DATA && xf.len == (n))

/* A drive with medium m whose power-on unit attention has been taken. */
static void setup(struct blk_backend *m)
{
	atapi_init(&drive, m);
	RUN(&drive, 0x03, 0, 0, 0, 18);
	/* The power-on media event, too. */
	RUN(&drive, 0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8);
}

static void test_power_on(void)
{
	bool ok;

	atapi_init(&drive, &cd10);
	/* INQUIRY passes a unit attention and leaves it pending. */
	RUN(&drive, 0x12, 0, 0, 0, 36);
	ok = DATA(36);
	RUN(&drive, 0x00);
	ok &= CHECKED(ATAPI_SK_UNIT_ATTENTION, 0x29, 0x00);
	ok &= KTAP_EXPECT(atapi_error_reg(&drive) == 0x64);
	/* Reported once: REQUEST SENSE then returns it, then it is gone. */
	RUN(&drive, 0x03, 0, 0, 0, 18);
	ok &= DATA(18) && KTAP_EXPECT(buf[2] == 0x06 && buf[12] == 0x29 && buf[13] == 0);
	RUN(&drive, 0x00);
	ok &= DATA(0);
	ktap_result(ok, "power on: UNIT ATTENTION 29/00 once, INQUIRY passes it");
}

static void test_power_on_sense_first(void)
{
	bool ok;

	/* SeaBIOS: TEST UNIT READY, then REQUEST SENSE on failure, in a loop. */
	atapi_init(&drive, NULL);
	RUN(&drive, 0x03, 0, 0, 0, 18);
	ok = DATA(18) && KTAP_EXPECT(buf[2] == 0x06 && buf[12] == 0x29);
	RUN(&drive, 0x00);
	ok &= CHECKED(ATAPI_SK_NOT_READY, 0x3a, 0x01);
	RUN(&drive, 0x03, 0, 0, 0, 18);
	ok &= KTAP_EXPECT(buf[2] == 0x02 && buf[12] == 0x3a && buf[13] == 0x01);
	ktap_result(ok, "power on, empty: REQUEST SENSE takes the unit attention, then NOT READY 3A/01");
}

static void test_ua_pass_list(void)
{
	bool ok;

	atapi_init(&drive, &cd10);
	RUN(&drive, 0x46, 0, 0, 0, 0, 0, 0, 0, 8);
	ok = DATA(8);
	RUN(&drive, 0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8);
	ok &= DATA(8) && KTAP_EXPECT(buf[4] == 2);
	RUN(&drive, 0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 16);
	ok &= DATA(16);
	ok &= KTAP_EXPECT(drive.ua_asc == 0x29);
	/* Anything else takes it, unknown opcodes included. */
	RUN(&drive, 0xff);
	ok &= CHECKED(ATAPI_SK_UNIT_ATTENTION, 0x29, 0x00);
	RUN(&drive, 0xff);
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x20, 0x00);
	ktap_result(ok, "unit attention: GET CONFIGURATION, GESN, REPORT LUNS pass; others take it");
}

static void test_change_medium_ua(void)
{
	bool ok;

	setup(NULL);
	atapi_change_medium(&drive, &cd10);
	RUN(&drive, 0x12, 0, 0, 0, 36);
	ok = DATA(36);
	RUN(&drive, 0x25);
	ok &= CHECKED(ATAPI_SK_UNIT_ATTENTION, 0x28, 0x00);
	/* REQUEST SENSE now returns the unit attention just reported. */
	RUN(&drive, 0x03, 0, 0, 0, 18);
	ok &= KTAP_EXPECT(buf[2] == 0x06 && buf[12] == 0x28 && buf[13] == 0x00);
	RUN(&drive, 0x25);
	ok &= DATA(8) && KTAP_EXPECT(be32(buf) == 5119);
	ktap_result(ok, "medium change: NOT READY TO READY CHANGE 28/00 once, then ready");
}

static void test_request_sense(void)
{
	bool ok;

	setup(&cd10);
	RUN(&drive, 0x28, 0, 0, 0, 0x20, 0, 0, 0, 1);	/* LBA 8192: out of range */
	ok = CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x21, 0x00);
	ok &= KTAP_EXPECT(atapi_error_reg(&drive) == 0x54);
	RUN(&drive, 0x03, 0, 0, 0, 252);
	ok &= DATA(18);
	ok &= KTAP_EXPECT(buf[0] == 0x70 && buf[1] == 0 && buf[2] == 0x05 &&
			  be32(buf + 3) == 0 && buf[7] == 10 && be32(buf + 8) == 0 &&
			  buf[12] == 0x21 && buf[13] == 0 && buf[14] == 0 &&
			  buf[15] == 0 && buf[16] == 0 && buf[17] == 0);
	/* Returned sense is gone. */
	RUN(&drive, 0x03, 0, 0, 0, 18);
	ok &= KTAP_EXPECT(buf[0] == 0x70 && buf[2] == 0 && buf[12] == 0 && buf[13] == 0);
	ktap_result(ok, "REQUEST SENSE: fixed format 0x70, 18 bytes, cleared once read");
}

static void test_request_sense_alloc(void)
{
	bool ok;

	setup(NULL);
	RUN(&drive, 0x00);
	RUN(&drive, 0x03, 0, 0, 0, 0);
	ok = DATA(0) && KTAP_EXPECT(sense_is(&drive, ATAPI_SK_NOT_READY, 0x3a, 0x01));
	RUN(&drive, 0x03, 0, 0, 0, 8);
	ok &= DATA(8) && KTAP_EXPECT(buf[2] == 0x02);
	ok &= KTAP_EXPECT(sense_is(&drive, 0, 0, 0));
	/* Descriptor format is not offered. */
	RUN(&drive, 0x03, 1, 0, 0, 18);
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x24, 0x00);
	ktap_result(ok, "REQUEST SENSE: allocation 0 keeps the sense, 8 trims, DESC refused");
}

static void test_sense_lifetime(void)
{
	bool ok;

	setup(&cd10);
	RUN(&drive, 0xff);
	ok = CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x20, 0x00);
	/* The next command other than REQUEST SENSE starts afresh. */
	RUN(&drive, 0x00);
	ok &= DATA(0) && KTAP_EXPECT(sense_is(&drive, 0, 0, 0));
	RUN(&drive, 0x03, 0, 0, 0, 18);
	ok &= KTAP_EXPECT(buf[2] == 0 && buf[12] == 0);
	ktap_result(ok, "sense lives until the next command");
}

static void test_unknown_opcodes(void)
{
	static const u8 ops[] = { 0x01, 0x04, 0x08, 0x0a, 0x2a, 0x35, 0x9e, 0xa1,
				  0xaa, 0xb6, 0xff };
	unsigned int i;
	bool ok = true;

	setup(&cd10);
	for (i = 0; i < sizeof(ops); i++) {
		RUN(&drive, ops[i]);
		ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x20, 0x00);
		ok &= KTAP_EXPECT(xf.len == 0 && xf.nbytes == 0);
	}
	ktap_result(ok, "unknown opcodes (READ(6), WRITE(10), ...): INVALID COMMAND OPERATION CODE");
}

static void test_inquiry(void)
{
	bool ok;

	setup(&cd10);
	RUN(&drive, 0x12, 0, 0, 0, 96);
	ok = DATA(36);
	ok &= KTAP_EXPECT(buf[0] == 0x05 && buf[1] == 0x80 && buf[2] == 0x05 &&
			  buf[3] == 0x02 && buf[4] == 31 && !buf[5] && !buf[6] && !buf[7]);
	ok &= KTAP_EXPECT(!memcmp(buf + 8, "VMM     ", 8));
	ok &= KTAP_EXPECT(!memcmp(buf + 16, "VMM DVD-ROM     ", 16));
	ok &= KTAP_EXPECT(!memcmp(buf + 32, "1.0 ", 4));
	/* Same without a medium. */
	setup(NULL);
	RUN(&drive, 0x12, 0, 0, 0, 36);
	ok &= DATA(36) && KTAP_EXPECT(buf[0] == 0x05);
	ktap_result(ok, "INQUIRY: CD/DVD, removable, SPC-3, format 2, vendor/product/revision");
}

static void test_inquiry_alloc(void)
{
	bool ok;

	setup(&cd10);
	RUN(&drive, 0x12, 0, 0, 0, 5);
	ok = DATA(5) && KTAP_EXPECT(buf[4] == 31);
	RUN(&drive, 0x12, 0, 0, 0, 0);
	ok &= DATA(0);
	/* The allocation length is 16 bits (SPC-3). */
	RUN(&drive, 0x12, 0, 0, 0x01, 0x00);
	ok &= DATA(36);
	ktap_result(ok, "INQUIRY: allocation length 5, 0, 256");
}

static void test_inquiry_vpd(void)
{
	bool ok;

	setup(&cd10);
	RUN(&drive, 0x12, 1, 0x00, 0, 255);
	ok = DATA(7) && KTAP_EXPECT(buf[0] == 0x05 && buf[1] == 0 && be16(buf + 2) == 3 &&
				    buf[4] == 0x00 && buf[5] == 0x80 && buf[6] == 0x83);
	RUN(&drive, 0x12, 1, 0x80, 0, 255);
	ok &= DATA(24) && KTAP_EXPECT(buf[1] == 0x80 && be16(buf + 2) == 20 &&
				      !memcmp(buf + 4, drive.serial, 20));
	RUN(&drive, 0x12, 1, 0x83, 0, 255);
	ok &= DATA(36) && KTAP_EXPECT(buf[1] == 0x83 && be16(buf + 2) == 32 &&
				      buf[4] == 0x02 && buf[5] == 0x01 && buf[7] == 28 &&
				      !memcmp(buf + 8, "VMM     ", 8) &&
				      !memcmp(buf + 16, drive.serial, 20));
	RUN(&drive, 0x12, 1, 0x83, 0, 4);
	ok &= DATA(4);
	RUN(&drive, 0x12, 1, 0x81, 0, 255);
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x24, 0x00);
	/* A page code without EVPD; CMDDT. */
	RUN(&drive, 0x12, 0, 0x80, 0, 255);
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x24, 0x00);
	RUN(&drive, 0x12, 2, 0, 0, 255);
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x24, 0x00);
	ktap_result(ok, "INQUIRY VPD: pages 0x00, 0x80, 0x83; unknown page, page without EVPD refused");
}

static void test_no_medium(void)
{
	static const u8 media_ops[] = { 0x00, 0x25, 0x28, 0xa8, 0xbe, 0x2b, 0x43,
					0x42, 0x51, 0x52 };
	unsigned int i;
	bool ok = true;

	setup(NULL);
	for (i = 0; i < sizeof(media_ops); i++) {
		RUN(&drive, media_ops[i], 0, 0, 0, 0, 0, 0, 0, 0xff, 0x10);
		ok &= CHECKED(ATAPI_SK_NOT_READY, 0x3a, 0x01);
		ok &= KTAP_EXPECT(atapi_error_reg(&drive) == 0x24);
	}
	RUN(&drive, 0xad, 0, 0, 0, 0, 0, 0, 0x00, 0x08, 0x04);
	ok &= CHECKED(ATAPI_SK_NOT_READY, 0x3a, 0x01);
	/* What needs no medium works. */
	RUN(&drive, 0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 255);
	ok &= DATA(30);
	RUN(&drive, 0x1e, 0, 0, 0, 1);
	ok &= DATA(0);
	RUN(&drive, 0xbd, 0, 0, 0, 0, 0, 0, 0, 0, 8);
	ok &= DATA(8);
	ktap_result(ok, "no medium: medium commands NOT READY / MEDIUM NOT PRESENT, tray closed");
}

static void test_read_capacity(void)
{
	bool ok;

	setup(&cd10);
	RUN(&drive, 0x25);
	ok = DATA(8) && KTAP_EXPECT(be32(buf) == 5119 && be32(buf + 4) == 2048);
	/* An LBA without PMI is invalid; with PMI it is allowed. */
	RUN(&drive, 0x25, 0, 0, 0, 0, 1);
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x24, 0x00);
	RUN(&drive, 0x25, 0, 0, 0, 0, 1, 0, 0, 1);
	ok &= DATA(8);
	setup(&huge);
	RUN(&drive, 0x25);
	ok &= DATA(8) && KTAP_EXPECT(be32(buf) == 0xffffffff);
	RUN(&drive, 0x23, 0, 0, 0, 0, 0, 0, 0, 252);
	ok &= DATA(12) && KTAP_EXPECT(be32(buf + 4) == 0xffffffff);
	RUN(&drive, 0x52, 1, 0, 0, 0, 1, 0, 0, 255);
	ok &= DATA(36) && KTAP_EXPECT(be32(buf + 24) == 0xffffffff &&
				      be32(buf + 28) == 0xffffffff);
	ktap_result(ok, "READ CAPACITY: 10 MiB is last LBA 5119 of 2048 bytes; PMI; clamped");
}

static void test_read10(void)
{
	bool ok;

	setup(&cd10);
	RUN(&drive, 0x28, 0, 0, 0, 0, 0, 0, 0, 1);
	ok = KTAP_EXPECT(res == ATAPI_READ && xf.offset == 0 && xf.nbytes == 2048);
	RUN(&drive, 0x28, 0, 0, 0, 0x13, 0xfe, 0, 0, 2);	/* 5118, 2 */
	ok &= KTAP_EXPECT(res == ATAPI_READ && xf.offset == 5118ULL * 2048 &&
			  xf.nbytes == 4096);
	RUN(&drive, 0x28, 0, 0, 0, 0x13, 0xfe, 0, 0, 3);	/* 5118, 3 */
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x21, 0x00);
	RUN(&drive, 0x28, 0, 0, 0, 0, 0, 0, 0x14, 0x00);	/* 0, 5120 */
	ok &= KTAP_EXPECT(res == ATAPI_READ && xf.nbytes == 5120ULL * 2048);
	RUN(&drive, 0x28, 0, 0, 0, 0x14, 0x00, 0, 0, 1);	/* 5120, 1 */
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x21, 0x00);
	ktap_result(ok, "READ(10): offset and length; the last sector; one past refused");
}

static void test_read_edges(void)
{
	bool ok;

	setup(&cd10);
	RUN(&drive, 0x28, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 1);
	ok = CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x21, 0x00);
	RUN(&drive, 0x28, 0, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff);
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x21, 0x00);
	RUN(&drive, 0x28, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0);
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x21, 0x00);
	/* Count 0 moves nothing and is no error. */
	RUN(&drive, 0x28, 0, 0, 0, 0, 5, 0, 0, 0);
	ok &= DATA(0) && KTAP_EXPECT(xf.nbytes == 0);
	RUN(&drive, 0xa8, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff);
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x21, 0x00);
	RUN(&drive, 0xa8, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	ok &= DATA(0);
	ktap_result(ok, "reads: LBA 0xffffffff, count 0xffff/0xffffffff refused; count 0 is empty");
}

static void test_read12(void)
{
	bool ok;

	setup(&cd10);
	RUN(&drive, 0xa8, 0, 0, 0, 0, 16, 0, 0, 0, 2);
	ok = KTAP_EXPECT(res == ATAPI_READ && xf.offset == 16 * 2048 && xf.nbytes == 4096);
	/* No overflow: both fields at their maximum on a 2^33-sector medium. */
	setup(&huge);
	RUN(&drive, 0xa8, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
	ok &= KTAP_EXPECT(res == ATAPI_READ && xf.offset == 0xffffffffULL * 2048 &&
			  xf.nbytes == 0xffffffffULL * 2048);
	RUN(&drive, 0x28, 0, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff);
	ok &= KTAP_EXPECT(res == ATAPI_READ && xf.nbytes == 0xffffULL * 2048);
	ktap_result(ok, "READ(12): 32-bit count; 64-bit offsets without overflow");
}

static void test_read_cd(void)
{
	bool ok;

	setup(&cd10);
	/* Any type, user data only: as READ, 24-bit count. */
	RUN(&drive, 0xbe, 0, 0, 0, 0, 2, 0, 0, 3, 0x10, 0);
	ok = KTAP_EXPECT(res == ATAPI_READ && xf.offset == 4096 && xf.nbytes == 6144);
	RUN(&drive, 0xbe, 2 << 2, 0, 0, 0, 2, 0, 0, 1, 0x10, 0);
	ok &= KTAP_EXPECT(res == ATAPI_READ && xf.nbytes == 2048);
	RUN(&drive, 0xbe, 0, 0, 0, 0, 0, 0x01, 0, 0, 0x10, 0);	/* 65536 sectors */
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x21, 0x00);
	/* No main channel field: nothing moves. */
	RUN(&drive, 0xbe, 0, 0, 0, 0, 0, 0, 0, 1, 0x00, 0);
	ok &= DATA(0);
	ktap_result(ok, "READ CD: user data of mode 1 / any type reads like READ");
}

static void test_read_cd_fields(void)
{
	static const u8 mains[] = { 0xf8, 0x18, 0x30, 0x12, 0x80, 0x08 };
	unsigned int i;
	bool ok = true;

	setup(&cd10);
	for (i = 0; i < sizeof(mains); i++) {
		RUN(&drive, 0xbe, 0, 0, 0, 0, 0, 0, 0, 1, mains[i], 0);
		ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x24, 0x00);
	}
	RUN(&drive, 0xbe, 0, 0, 0, 0, 0, 0, 0, 1, 0x10, 0x01);	/* raw sub-channel */
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x24, 0x00);
	RUN(&drive, 0xbe, 6 << 2, 0, 0, 0, 0, 0, 0, 1, 0x10, 0);	/* reserved type */
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x24, 0x00);
	RUN(&drive, 0xbe, 1 << 2, 0, 0, 0, 0, 0, 0, 1, 0x10, 0);	/* CD-DA */
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x64, 0x00);
	RUN(&drive, 0xbe, 4 << 2, 0, 0, 0, 0, 0, 0, 1, 0x10, 0);	/* mode 2 form 1 */
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x64, 0x00);
	setup(&dvd1g);
	RUN(&drive, 0xbe, 0, 0, 0, 0, 0, 0, 0, 1, 0x10, 0);
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x30, 0x02);
	ktap_result(ok, "READ CD: sync/header/EDC/C2, sub-channel, reserved and other types, DVD refused");
}

static void test_read_error(void)
{
	bool ok;

	setup(&cd10);
	RUN(&drive, 0x28, 0, 0, 0, 0x12, 0x34, 0, 0, 1);
	ok = KTAP_EXPECT(res == ATAPI_READ);
	atapi_read_done(&drive, -EIO);
	ok &= KTAP_EXPECT(sense_is(&drive, ATAPI_SK_MEDIUM_ERROR, 0x11, 0x00));
	ok &= KTAP_EXPECT(atapi_error_reg(&drive) == 0x34);
	RUN(&drive, 0x03, 0, 0, 0, 18);
	ok &= KTAP_EXPECT(buf[0] == 0xf0 && buf[2] == 0x03 && be32(buf + 3) == 0x1234 &&
			  buf[12] == 0x11 && buf[13] == 0);
	/* The INFORMATION field goes with the sense. */
	RUN(&drive, 0x03, 0, 0, 0, 18);
	ok &= KTAP_EXPECT(buf[0] == 0x70 && be32(buf + 3) == 0);
	/* A good read leaves no sense. */
	RUN(&drive, 0x28, 0, 0, 0, 0, 0, 0, 0, 1);
	atapi_read_done(&drive, 0);
	ok &= KTAP_EXPECT(sense_is(&drive, 0, 0, 0));
	ktap_result(ok, "read error: MEDIUM ERROR / UNRECOVERED READ ERROR at the first LBA, error register 0x34");
}

static void test_seek(void)
{
	bool ok;

	setup(&cd10);
	RUN(&drive, 0x2b, 0, 0, 0, 0x13, 0xff);
	ok = DATA(0);
	RUN(&drive, 0x2b, 0, 0, 0, 0x14, 0x00);
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x21, 0x00);
	RUN(&drive, 0x2b, 0, 0xff, 0xff, 0xff, 0xff);
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x21, 0x00);
	ktap_result(ok, "SEEK(10): in range, last+1 and 0xffffffff out of range");
}

static void test_toc0(void)
{
	bool ok;

	setup(&cd10);
	RUN(&drive, 0x43, 0, 0, 0, 0, 0, 0, 0, 255);
	ok = DATA(20) && KTAP_EXPECT(be16(buf) == 18 && buf[2] == 1 && buf[3] == 1);
	ok &= KTAP_EXPECT(buf[4] == 0 && buf[5] == 0x14 && buf[6] == 1 && buf[7] == 0 &&
			  be32(buf + 8) == 0);
	ok &= KTAP_EXPECT(buf[12] == 0 && buf[13] == 0x14 && buf[14] == 0xaa &&
			  buf[15] == 0 && be32(buf + 16) == 5120);
	/* MSF: track 1 at 00:02:00, lead-out 5120 + 150 = 01:10:20. */
	RUN(&drive, 0x43, 2, 0, 0, 0, 0, 0, 0, 255);
	ok &= DATA(20) && KTAP_EXPECT(be32(buf + 8) == 0x00000200 &&
				      be32(buf + 16) == 0x00010a14);
	ktap_result(ok, "READ TOC format 0: track 1 and lead-out, LBA and MSF");
}

static void test_toc0_start(void)
{
	bool ok;

	setup(&cd10);
	RUN(&drive, 0x43, 0, 0, 0, 0, 0, 0xaa, 0, 255);
	ok = DATA(12) && KTAP_EXPECT(be16(buf) == 10 && buf[6] == 0xaa);
	RUN(&drive, 0x43, 0, 0, 0, 0, 0, 2, 0, 255);
	ok &= DATA(12) && KTAP_EXPECT(buf[6] == 0xaa);
	RUN(&drive, 0x43, 0, 0, 0, 0, 0, 1, 0, 255);
	ok &= DATA(20);
	RUN(&drive, 0x43, 0, 0, 0, 0, 0, 0xab, 0, 255);
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x24, 0x00);
	/* The header says the full length even when trimmed. */
	RUN(&drive, 0x43, 0, 0, 0, 0, 0, 0, 0, 4);
	ok &= DATA(4) && KTAP_EXPECT(be16(buf) == 18);
	RUN(&drive, 0x43, 0, 0, 0, 0, 0, 0, 0, 0);
	ok &= DATA(0);
	ktap_result(ok, "READ TOC format 0: starting track 0xaa/2/1, 0xab refused, trimming");
}

static void test_toc_dvd_msf(void)
{
	bool ok;

	/* 4 GiB: past what MSF holds; the lead-out saturates at 255:59:74. */
	static struct blk_backend dvd4g = { .size = 4096 * MIB, .block_size = 2048 };

	setup(&dvd4g);
	RUN(&drive, 0x43, 2, 0, 0, 0, 0, 0, 0, 255);
	ok = DATA(20) && KTAP_EXPECT(be32(buf + 16) == 0x00ff3b4a);
	RUN(&drive, 0x43, 0, 0, 0, 0, 0, 0, 0, 255);
	ok &= KTAP_EXPECT(be32(buf + 16) == 2097152);
	ktap_result(ok, "READ TOC of a DVD: LBA lead-out exact, MSF saturated");
}

static void test_toc1(void)
{
	bool ok;

	setup(&cd10);
	RUN(&drive, 0x43, 0, 1, 0, 0, 0, 0, 0, 12);
	ok = DATA(12) && KTAP_EXPECT(be16(buf) == 10 && buf[2] == 1 && buf[3] == 1 &&
				     buf[5] == 0x14 && buf[6] == 1 && be32(buf + 8) == 0);
	/* Linux's sr asks with the format in byte 9 (0x40). */
	RUN(&drive, 0x43, 0, 0, 0, 0, 0, 0, 0, 12, 0x40);
	ok &= DATA(12) && KTAP_EXPECT(be16(buf) == 10 && be32(buf + 8) == 0);
	RUN(&drive, 0x43, 2, 1, 0, 0, 0, 0, 0, 12);
	ok &= DATA(12) && KTAP_EXPECT(be32(buf + 8) == 0x00000200);
	ktap_result(ok, "READ TOC format 1: one session from track 1 (byte 2 or byte 9), MSF");
}

static void test_toc2(void)
{
	bool ok;
	u8 *d;

	setup(&cd10);
	RUN(&drive, 0x43, 2, 2, 0, 0, 0, 1, 0, 255);
	ok = DATA(48) && KTAP_EXPECT(be16(buf) == 46 && buf[2] == 1 && buf[3] == 1);
	d = buf + 4;
	ok &= KTAP_EXPECT(d[0] == 1 && d[1] == 0x14 && d[2] == 0 && d[3] == 0xa0 &&
			  d[8] == 1 && d[9] == 0x00 && d[10] == 0);
	d += 11;
	ok &= KTAP_EXPECT(d[0] == 1 && d[3] == 0xa1 && d[8] == 1);
	d += 11;
	ok &= KTAP_EXPECT(d[3] == 0xa2 && d[8] == 1 && d[9] == 10 && d[10] == 20);
	d += 11;
	ok &= KTAP_EXPECT(d[3] == 0x01 && d[8] == 0 && d[9] == 2 && d[10] == 0);
	RUN(&drive, 0x43, 0, 2, 0, 0, 0, 2, 0, 255);
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x24, 0x00);
	RUN(&drive, 0x43, 0, 4, 0, 0, 0, 0, 0, 255);	/* ATIP */
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x24, 0x00);
	ktap_result(ok, "READ TOC format 2: raw TOC A0/A1/A2/track 1; session 2, ATIP refused");
}

/* Find feature code in a GET CONFIGURATION response of len bytes. */
static const u8 *feature(u16 code, u32 len)
{
	u32 off = 8;

	while (off + 4 <= len) {
		if (be16(buf + off) == code)
			return buf + off;
		off += 4 + buf[off + 3];
	}
	return NULL;
}

static void test_get_configuration_cd(void)
{
	const u8 *f;
	bool ok;

	setup(&cd10);
	RUN(&drive, 0x46, 0, 0, 0, 0, 0, 0, 0x10, 0x00);
	ok = KTAP_EXPECT(res == ATAPI_DATA && xf.len == 76);
	ok &= KTAP_EXPECT(be32(buf) == 72 && be16(buf + 6) == 0x0008);
	f = feature(0x0000, xf.len);
	ok &= KTAP_EXPECT(f && f[2] == 0x03 && f[3] == 8 && be16(f + 4) == 0x0010 &&
			  f[6] == 0 && be16(f + 8) == 0x0008 && f[10] == 1);
	f = feature(0x0001, xf.len);
	ok &= KTAP_EXPECT(f && f[2] == 0x0b && f[3] == 8 && be32(f + 4) == 2);
	f = feature(0x0002, xf.len);
	ok &= KTAP_EXPECT(f && f[2] == 0x07 && f[3] == 4 && f[4] == 0x02);
	f = feature(0x0003, xf.len);
	ok &= KTAP_EXPECT(f && f[2] == 0x03 && f[3] == 4 && f[4] == 0x29);
	/* The lock state is not in the feature (mode page 2A has it). */
	RUN(&drive, 0x1e, 0, 0, 0, 1);
	RUN(&drive, 0x46, 2, 0, 3, 0, 0, 0, 0, 255);
	ok &= DATA(16) && KTAP_EXPECT(buf[12] == 0x29);
	RUN(&drive, 0x46, 0, 0, 0, 0, 0, 0, 0x10, 0x00);
	f = feature(0x0010, xf.len);
	ok &= KTAP_EXPECT(f && f[2] == 0x01 && be32(f + 4) == 2048 && be16(f + 8) == 1);
	f = feature(0x001e, xf.len);
	ok &= KTAP_EXPECT(f && f[2] == 0x09);
	f = feature(0x001f, xf.len);
	ok &= KTAP_EXPECT(f && f[2] == 0x04);
	ktap_result(ok, "GET CONFIGURATION, CD: profile 0x0008, features 0/1/2/3/0x10/0x1e/0x1f");
}

static void test_get_configuration_dvd(void)
{
	const u8 *f;
	bool ok;

	setup(&dvd1g);
	RUN(&drive, 0x46, 0, 0, 0, 0, 0, 0, 0x10, 0x00);
	ok = KTAP_EXPECT(be16(buf + 6) == 0x0010);
	f = feature(0x0000, xf.len);
	ok &= KTAP_EXPECT(f && f[6] == 1 && f[10] == 0);
	f = feature(0x0010, xf.len);
	ok &= KTAP_EXPECT(f && f[2] == 0x01 && be16(f + 8) == 16);
	ok &= KTAP_EXPECT(feature(0x001e, xf.len)[2] == 0x08 &&
			  feature(0x001f, xf.len)[2] == 0x05);
	/* The boundary: an 80-minute CD is a CD, one sector more a DVD. */
	{
		struct blk_backend cd80 = { .size = 360000ULL * 2048, .block_size = 2048 };

		setup(&cd80);
		RUN(&drive, 0x46, 0, 0, 0, 0, 0, 0, 0, 8);
		ok &= KTAP_EXPECT(be16(buf + 6) == 0x0008);
		cd80.size += 2048;
		RUN(&drive, 0x46, 0, 0, 0, 0, 0, 0, 0, 8);
		ok &= KTAP_EXPECT(be16(buf + 6) == 0x0010);
	}
	ktap_result(ok, "GET CONFIGURATION, DVD: profile 0x0010 above 80 minutes of CD");
}

static void test_get_configuration_rt(void)
{
	bool ok;

	setup(&cd10);
	/* RT 2: only the starting feature. */
	RUN(&drive, 0x46, 2, 0x00, 0x1e, 0, 0, 0, 0, 255);
	ok = DATA(16) && KTAP_EXPECT(be32(buf) == 12 && be16(buf + 8) == 0x001e);
	RUN(&drive, 0x46, 2, 0x00, 0x2f, 0, 0, 0, 0, 255);
	ok &= DATA(8) && KTAP_EXPECT(be32(buf) == 4);
	/* RT 1: current ones, from starting feature 0x10 on (no DVD read). */
	RUN(&drive, 0x46, 1, 0x00, 0x10, 0, 0, 0, 0, 255);
	ok &= DATA(28) && KTAP_EXPECT(be16(buf + 8) == 0x0010 && be16(buf + 20) == 0x001e);
	/* RT 0 from 0x1f: the DVD read feature, not current. */
	RUN(&drive, 0x46, 0, 0x00, 0x1f, 0, 0, 0, 0, 255);
	ok &= DATA(16) && KTAP_EXPECT(buf[10] == 0x04);
	RUN(&drive, 0x46, 3, 0, 0, 0, 0, 0, 0, 255);
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x24, 0x00);
	/* Allocation length: 0 and 8. */
	RUN(&drive, 0x46, 0, 0, 0, 0, 0, 0, 0, 0);
	ok &= DATA(0);
	RUN(&drive, 0x46, 0, 0, 0, 0, 0, 0, 0, 8);
	ok &= DATA(8) && KTAP_EXPECT(be32(buf) == 72);
	ktap_result(ok, "GET CONFIGURATION: RT 0/1/2, RT 3 refused, allocation length");
}

static void test_get_configuration_empty(void)
{
	const u8 *f;
	bool ok;

	setup(NULL);
	RUN(&drive, 0x46, 0, 0, 0, 0, 0, 0, 0x10, 0x00);
	ok = KTAP_EXPECT(res == ATAPI_DATA && be16(buf + 6) == 0);
	f = feature(0x0000, xf.len);
	ok &= KTAP_EXPECT(f && f[6] == 0 && f[10] == 0);
	ok &= KTAP_EXPECT(feature(0x0010, xf.len)[2] == 0x00);
	/* RT 1 lists only what the drive always is. */
	RUN(&drive, 0x46, 1, 0, 0, 0, 0, 0, 0x10, 0x00);
	ok &= KTAP_EXPECT(res == ATAPI_DATA && !feature(0x0010, xf.len) &&
			  feature(0x0003, xf.len));
	ktap_result(ok, "GET CONFIGURATION, no medium: profile 0, nothing current but the drive");
}

static void gesn(void)
{
	RUN(&drive, 0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8);
}

static void test_gesn_change(void)
{
	bool ok;

	setup(NULL);
	gesn();
	ok = DATA(8) && KTAP_EXPECT(be16(buf) == 6 && buf[2] == 4 && buf[3] == 0x10 &&
				    buf[4] == 0 && buf[5] == 0 && buf[6] == 0 && buf[7] == 0);
	atapi_change_medium(&drive, &cd10);
	gesn();
	ok &= DATA(8) && KTAP_EXPECT(buf[4] == 2 && buf[5] == 0x02);
	/* Reported once. */
	gesn();
	ok &= DATA(8) && KTAP_EXPECT(buf[4] == 0 && buf[5] == 0x02);
	/* The host takes the disc away. */
	atapi_change_medium(&drive, NULL);
	gesn();
	ok &= KTAP_EXPECT(buf[4] == 3 && buf[5] == 0);
	ktap_result(ok, "GESN media: NEW MEDIA once after a change, MEDIA REMOVAL, status bits");
}

static void test_gesn_eject(void)
{
	bool ok;

	setup(&cd10);
	gesn();
	ok = KTAP_EXPECT(buf[4] == 0 && buf[5] == 0x02);
	RUN(&drive, 0x1b, 0, 0, 0, 0x02);		/* eject */
	ok &= DATA(0);
	gesn();
	ok &= KTAP_EXPECT(buf[4] == 3 && buf[5] == 0x01);
	RUN(&drive, 0x1b, 0, 0, 0, 0x03);		/* load */
	gesn();
	ok &= KTAP_EXPECT(buf[4] == 2 && buf[5] == 0x02);
	ktap_result(ok, "GESN media: MEDIA REMOVAL and tray open after eject, NEW MEDIA after load");
}

static void test_gesn_fields(void)
{
	bool ok;

	setup(&cd10);
	atapi_change_medium(&drive, &cd10);
	/* Not polled: refused (and GESN may run under a unit attention). */
	RUN(&drive, 0x4a, 0, 0, 0, 0x10, 0, 0, 0, 8);
	ok = CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x24, 0x00);
	/* Other classes only: no event available. */
	RUN(&drive, 0x4a, 1, 0, 0, 0x04, 0, 0, 0, 8);
	ok &= DATA(4) && KTAP_EXPECT(be16(buf) == 2 && buf[2] == 0x80 && buf[3] == 0x10);
	/* Allocation 4 shows no event code: the event stays. */
	RUN(&drive, 0x4a, 1, 0, 0, 0x10, 0, 0, 0, 4);
	ok &= DATA(4) && KTAP_EXPECT(buf[2] == 4);
	gesn();
	ok &= KTAP_EXPECT(buf[4] == 2);
	ktap_result(ok, "GESN: polled only, NEA for other classes, trimmed reports keep the event");
}

static void test_eject_lock(void)
{
	bool ok;

	setup(&cd10);
	RUN(&drive, 0x1e, 0, 0, 0, 1);			/* prevent */
	ok = DATA(0) && KTAP_EXPECT(drive.locked);
	RUN(&drive, 0x1b, 0, 0, 0, 0x02);
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x53, 0x02);
	RUN(&drive, 0x00);
	ok &= DATA(0);
	/* The lock survives a reset. */
	atapi_reset(&drive);
	RUN(&drive, 0x1b, 0, 0, 0, 0x02);
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x53, 0x02);
	RUN(&drive, 0x1e, 0, 0, 0, 0);			/* allow */
	RUN(&drive, 0x1b, 0, 0, 0, 0x02);
	ok &= DATA(0);
	RUN(&drive, 0x00);
	ok &= CHECKED(ATAPI_SK_NOT_READY, 0x3a, 0x02);
	RUN(&drive, 0x28, 0, 0, 0, 0, 0, 0, 0, 1);
	ok &= CHECKED(ATAPI_SK_NOT_READY, 0x3a, 0x02);
	ktap_result(ok, "START STOP UNIT: eject while locked 5/53/02; unlocked: tray open 3A/02");
}

static void test_load(void)
{
	bool ok;

	setup(&cd10);
	RUN(&drive, 0x1b, 0, 0, 0, 0x02);
	RUN(&drive, 0x1b, 0, 0, 0, 0x03);
	ok = DATA(0) && KTAP_EXPECT(!drive.tray_open);
	RUN(&drive, 0x00);
	ok &= CHECKED(ATAPI_SK_UNIT_ATTENTION, 0x28, 0x00);
	RUN(&drive, 0x00);
	ok &= DATA(0);
	/* Stop/start the spindle and power conditions change nothing. */
	RUN(&drive, 0x1b, 0, 0, 0, 0x00);
	ok &= DATA(0);
	RUN(&drive, 0x1b, 0, 0, 0, 0x32);
	ok &= DATA(0) && KTAP_EXPECT(!drive.tray_open);
	/* An empty drive opens and closes. */
	setup(NULL);
	RUN(&drive, 0x1b, 0, 0, 0, 0x02);
	RUN(&drive, 0x00);
	ok &= CHECKED(ATAPI_SK_NOT_READY, 0x3a, 0x02);
	RUN(&drive, 0x1b, 0, 0, 0, 0x03);
	RUN(&drive, 0x00);
	ok &= CHECKED(ATAPI_SK_NOT_READY, 0x3a, 0x01);
	ktap_result(ok, "START STOP UNIT: load reloads the disc with a unit attention; empty tray");
}

static void test_host_change_while_open(void)
{
	bool ok;

	setup(&cd10);
	RUN(&drive, 0x1b, 0, 0, 0, 0x02);
	atapi_change_medium(&drive, &dvd1g);
	ok = KTAP_EXPECT(!drive.tray_open);
	RUN(&drive, 0x25);
	ok &= CHECKED(ATAPI_SK_UNIT_ATTENTION, 0x28, 0x00);
	RUN(&drive, 0x25);
	ok &= DATA(8) && KTAP_EXPECT(be32(buf) == 524287);
	ktap_result(ok, "host inserts a disc into an open tray: closed, unit attention, new capacity");
}

static void test_mode_sense_2a(void)
{
	u8 *p;
	bool ok;

	setup(&cd10);
	RUN(&drive, 0x5a, 0, 0x2a, 0, 0, 0, 0, 0x01, 0x00);
	ok = DATA(30) && KTAP_EXPECT(be16(buf) == 28 && buf[2] == 0 && buf[3] == 0 &&
				     be16(buf + 6) == 0);
	p = buf + 8;
	ok &= KTAP_EXPECT(p[0] == 0x2a && p[1] == 0x14 && p[2] == 0x3f && p[3] == 0 &&
			  p[6] == 0x29 && be16(p + 8) == 4224 && be16(p + 12) == 512);
	RUN(&drive, 0x1e, 0, 0, 0, 1);
	RUN(&drive, 0x5a, 0, 0x2a, 0, 0, 0, 0, 0x01, 0x00);
	ok &= KTAP_EXPECT(p[6] == 0x2b);
	/* Default values: the lock state is not part of them. */
	RUN(&drive, 0x5a, 0, 0x80 | 0x2a, 0, 0, 0, 0, 0x01, 0x00);
	ok &= DATA(30) && KTAP_EXPECT(p[6] == 0x29);
	ktap_result(ok, "MODE SENSE(10) page 2A: 8-byte header, 22-byte page, lock state");
}

static void test_mode_sense_pc(void)
{
	unsigned int i;
	bool ok;

	setup(&cd10);
	RUN(&drive, 0x5a, 0, 0x40 | 0x2a, 0, 0, 0, 0, 0, 255);
	ok = DATA(30) && KTAP_EXPECT(buf[8] == 0x2a && buf[9] == 0x14);
	for (i = 10; i < 30; i++)
		ok &= KTAP_EXPECT(buf[i] == 0);
	RUN(&drive, 0x5a, 0, 0xc0 | 0x2a, 0, 0, 0, 0, 0, 255);
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x39, 0x00);
	ktap_result(ok, "MODE SENSE(10): changeable values all zero; saved values refused 39/00");
}

static void test_mode_sense_pages(void)
{
	bool ok;

	setup(&cd10);
	RUN(&drive, 0x5a, 0, 0x01, 0, 0, 0, 0, 0, 255);
	ok = DATA(20) && KTAP_EXPECT(be16(buf) == 18 && buf[8] == 0x01 && buf[9] == 10);
	RUN(&drive, 0x5a, 0x08, 0x3f, 0, 0, 0, 0, 0, 255);
	ok &= DATA(42) && KTAP_EXPECT(be16(buf) == 40 && buf[8] == 0x01 && buf[20] == 0x2a);
	RUN(&drive, 0x5a, 0, 0x3f, 0xff, 0, 0, 0, 0, 255);
	ok &= DATA(42);
	RUN(&drive, 0x5a, 0, 0x2a, 0x01, 0, 0, 0, 0, 255);
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x24, 0x00);
	RUN(&drive, 0x5a, 0, 0x0d, 0, 0, 0, 0, 0, 255);
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x24, 0x00);
	RUN(&drive, 0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 10);
	ok &= DATA(10) && KTAP_EXPECT(be16(buf) == 28);
	RUN(&drive, 0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 0);
	ok &= DATA(0);
	ktap_result(ok, "MODE SENSE(10): page 01, all pages 3F, subpages, unknown page, trimming");
}

static void test_mode_sense_6(void)
{
	bool ok;

	setup(&cd10);
	RUN(&drive, 0x1a, 0, 0x2a, 0, 255);
	ok = DATA(26) && KTAP_EXPECT(buf[0] == 25 && buf[3] == 0 && buf[4] == 0x2a &&
				     buf[5] == 0x14);
	RUN(&drive, 0x1a, 0, 0x3f, 0, 12);
	ok &= DATA(12) && KTAP_EXPECT(buf[0] == 37);
	ktap_result(ok, "MODE SENSE(6): 4-byte header, page 2A, trimming");
}

static void test_accepted(void)
{
	bool ok;

	setup(&cd10);
	RUN(&drive, 0x55, 0x10, 0, 0, 0, 0, 0, 0, 0);		/* MODE SELECT(10) */
	ok = DATA(0);
	RUN(&drive, 0x15, 0x10, 0, 0, 0);			/* MODE SELECT(6) */
	ok &= DATA(0);
	RUN(&drive, 0xbb, 0, 0xff, 0xff, 0xff, 0xff);		/* SET CD SPEED */
	ok &= DATA(0);
	setup(NULL);
	RUN(&drive, 0xbb, 0, 0x02, 0xc0);
	ok &= DATA(0);
	ktap_result(ok, "MODE SELECT(6/10), SET CD SPEED: accepted, no data");
}

static void test_disc_info(void)
{
	bool ok;

	setup(&cd10);
	RUN(&drive, 0x51, 0, 0, 0, 0, 0, 0, 0, 255);
	ok = DATA(34) && KTAP_EXPECT(be16(buf) == 32 && buf[2] == 0x0e && buf[3] == 1 &&
				     buf[4] == 1 && buf[5] == 1 && buf[6] == 1 && buf[8] == 0 &&
				     be32(buf + 16) == 0xffffffff && be32(buf + 20) == 0xffffffff &&
				     buf[33] == 0);
	RUN(&drive, 0x51, 1, 0, 0, 0, 0, 0, 0, 255);
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x24, 0x00);
	RUN(&drive, 0x51, 0, 0, 0, 0, 0, 0, 0, 2);
	ok &= DATA(2);
	ktap_result(ok, "READ DISC INFORMATION: complete disc, one session, one track");
}

static void test_track_info(void)
{
	bool ok;

	setup(&cd10);
	RUN(&drive, 0x52, 1, 0, 0, 0, 1, 0, 0, 255);
	ok = DATA(36) && KTAP_EXPECT(be16(buf) == 34 && buf[2] == 1 && buf[3] == 1 &&
				     buf[5] == 0x04 && buf[6] == 0x01 &&
				     be32(buf + 8) == 0 && be32(buf + 24) == 5120 &&
				     be32(buf + 28) == 5119);
	RUN(&drive, 0x52, 0, 0, 0, 0x13, 0xff, 0, 0, 255);	/* LBA 5119 */
	ok &= DATA(36);
	RUN(&drive, 0x52, 0, 0, 0, 0x14, 0x00, 0, 0, 255);
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x21, 0x00);
	RUN(&drive, 0x52, 2, 0, 0, 0, 1, 0, 0, 255);		/* session 1 */
	ok &= DATA(36);
	RUN(&drive, 0x52, 1, 0, 0, 0, 2, 0, 0, 255);
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x24, 0x00);
	RUN(&drive, 0x52, 1, 0, 0, 0, 0xff, 0, 0, 255);
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x24, 0x00);
	RUN(&drive, 0x52, 3, 0, 0, 0, 1, 0, 0, 255);
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x24, 0x00);
	ktap_result(ok, "READ TRACK INFORMATION: track 1 by number, LBA, session; others refused");
}

static void test_dvd_structure(void)
{
	bool ok;

	setup(&dvd1g);
	RUN(&drive, 0xad, 0, 0, 0, 0, 0, 0, 0x00, 0x08, 0x04);
	ok = DATA(2052) && KTAP_EXPECT(be16(buf) == 2050 && buf[2] == 0 && buf[3] == 0);
	ok &= KTAP_EXPECT(buf[4] == 0x01 && buf[5] == 0x02 && buf[6] == 0x01 &&
			  buf[7] == 0x00 && be32(buf + 8) == 0x030000 &&
			  be32(buf + 12) == 0x030000 + 524288 - 1 && be32(buf + 16) == 0 &&
			  buf[20] == 0);
	RUN(&drive, 0xad, 0, 0, 0, 0, 0, 0, 0x01, 0, 8);
	ok &= DATA(8) && KTAP_EXPECT(be16(buf) == 6 && buf[4] == 0 && buf[5] == 0);
	RUN(&drive, 0xad, 0, 0, 0, 0, 0, 0, 0xff, 0, 255);
	ok &= DATA(20) && KTAP_EXPECT(be16(buf) == 18 && buf[4] == 0x00 && buf[5] == 0x40 &&
				      be16(buf + 6) == 2052 && buf[16] == 0xff);
	RUN(&drive, 0xad, 0, 0, 0, 0, 0, 1, 0x00, 0x08, 0x04);	/* layer 1 */
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x24, 0x00);
	RUN(&drive, 0xad, 1, 0, 0, 0, 0, 0, 0x00, 0x08, 0x04);	/* BD */
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x24, 0x00);
	RUN(&drive, 0xad, 0, 0, 0, 0, 0, 0, 0x03, 0x08, 0x04);	/* BCA */
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x24, 0x00);
	RUN(&drive, 0xad, 0, 0, 0, 0, 0, 0, 0x00, 0, 8);
	ok &= DATA(8);
	ktap_result(ok, "READ DVD STRUCTURE: physical format, copyright, list; bad layer/type/format");
}

static void test_dvd_structure_cd(void)
{
	bool ok;

	setup(&cd10);
	RUN(&drive, 0xad, 0, 0, 0, 0, 0, 0, 0x00, 0x08, 0x04);
	ok = CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x30, 0x02);
	ktap_result(ok, "READ DVD STRUCTURE of a CD: CANNOT READ MEDIUM, INCOMPATIBLE FORMAT");
}

static void test_mechanism_status(void)
{
	bool ok;

	setup(&cd10);
	RUN(&drive, 0xbd, 0, 0, 0, 0, 0, 0, 0, 0, 255);
	ok = DATA(8) && KTAP_EXPECT(buf[0] == 0 && buf[1] == 0 && buf[5] == 0 &&
				    be16(buf + 6) == 0);
	RUN(&drive, 0x1b, 0, 0, 0, 0x02);
	RUN(&drive, 0xbd, 0, 0, 0, 0, 0, 0, 0, 0, 2);
	ok &= DATA(2) && KTAP_EXPECT(buf[1] == 0x10);
	ktap_result(ok, "MECHANISM STATUS: 8-byte header, door open bit");
}

static void test_read_subchannel(void)
{
	bool ok;

	setup(&cd10);
	RUN(&drive, 0x42, 0, 0, 0x01, 0, 0, 0, 0, 255);
	ok = DATA(4) && KTAP_EXPECT(buf[1] == 0x15 && be16(buf + 2) == 0);
	RUN(&drive, 0x42, 2, 0x40, 0x01, 0, 0, 0, 0, 255);
	ok &= DATA(16) && KTAP_EXPECT(be16(buf + 2) == 12 && buf[4] == 1 && buf[5] == 0x14 &&
				      buf[6] == 1 && buf[7] == 1 && be32(buf + 8) == 0x200 &&
				      be32(buf + 12) == 0);
	RUN(&drive, 0x42, 0, 0x40, 0x02, 0, 0, 0, 0, 255);
	ok &= DATA(24) && KTAP_EXPECT(buf[4] == 2 && buf[8] == 0);
	RUN(&drive, 0x42, 0, 0x40, 0x05, 0, 0, 0, 0, 255);
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x24, 0x00);
	ktap_result(ok, "READ SUBCHANNEL: header only, position, MCN; bad format refused");
}

static void test_report_luns_format_caps(void)
{
	bool ok;

	setup(&cd10);
	RUN(&drive, 0xa0, 0, 0, 0, 0, 0, 0, 0, 1, 0);
	ok = DATA(16) && KTAP_EXPECT(be32(buf) == 8 && be32(buf + 8) == 0 && be32(buf + 12) == 0);
	RUN(&drive, 0xa0, 0, 3, 0, 0, 0, 0, 0, 1, 0);
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x24, 0x00);
	RUN(&drive, 0x23, 0, 0, 0, 0, 0, 0, 0, 252);
	ok &= DATA(12) && KTAP_EXPECT(buf[3] == 8 && be32(buf + 4) == 5120 && buf[8] == 2 &&
				      (be32(buf + 8) & 0xffffff) == 2048);
	setup(NULL);
	RUN(&drive, 0x23, 0, 0, 0, 0, 0, 0, 0, 252);
	ok &= DATA(12) && KTAP_EXPECT(buf[8] == 3);
	ktap_result(ok, "REPORT LUNS: LUN 0; READ FORMAT CAPACITIES: formatted / no media");
}

static void test_reset(void)
{
	bool ok;

	setup(&cd10);
	RUN(&drive, 0xff);
	atapi_reset(&drive);
	ok = KTAP_EXPECT(sense_is(&drive, 0, 0, 0));
	atapi_change_medium(&drive, &cd10);
	atapi_reset(&drive);
	RUN(&drive, 0x00);
	ok &= CHECKED(ATAPI_SK_UNIT_ATTENTION, 0x28, 0x00);
	ktap_result(ok, "reset: sense cleared, a pending unit attention stays");
}

static void test_dvd_capacity(void)
{
	bool ok;

	setup(&dvd1g);
	RUN(&drive, 0x25);
	ok = DATA(8) && KTAP_EXPECT(be32(buf) == 524287 && be32(buf + 4) == 2048);
	RUN(&drive, 0x52, 1, 0, 0, 0, 1, 0, 0, 255);
	ok &= DATA(36) && KTAP_EXPECT(be32(buf + 20) == 16 && be32(buf + 24) == 524288);
	ktap_result(ok, "DVD: READ CAPACITY and track information (blocking factor 16)");
}

/* xorshift64: a fixed sequence, the same on every run. */
static u64 rnd_state = 0x9e3779b97f4a7c15ULL;

static u64 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static void test_random_cdbs(void)
{
	struct blk_backend *media[] = { NULL, &cd10, &dvd1g, &huge };
	unsigned int i, j;
	bool ok = true;
	u8 cdb[ATAPI_CDB_LEN];

	for (i = 0; i < 200000 && ok; i++) {
		if (i % 1000 == 0)
			atapi_init(&drive, media[(i / 1000) % 4]);
		for (j = 0; j < ATAPI_CDB_LEN; j++)
			cdb[j] = rnd();
		/* Mostly known opcodes, with big allocation lengths. */
		if (i & 1)
			cdb[0] = "\x00\x03\x12\x15\x1a\x1b\x1e\x23\x25\x28\x2b\x42\x43\x46"
				 "\x4a\x51\x52\x55\x5a\xa0\xa8\xac\xad\xbb\xbd\xbe"[rnd() % 26];
		run(&drive, cdb);
		switch (res) {
		case ATAPI_DATA:
			ok &= KTAP_EXPECT(xf.len <= ATAPI_BUF_SIZE);
			break;
		case ATAPI_READ:
			ok &= KTAP_EXPECT(drive.medium && xf.nbytes &&
					  !(xf.nbytes % 2048) && !(xf.offset % 2048) &&
					  xf.offset + xf.nbytes <= drive.medium->size &&
					  xf.offset < xf.offset + xf.nbytes);
			atapi_read_done(&drive, rnd() % 8 ? 0 : -EIO);
			break;
		case ATAPI_CHECK:
			ok &= KTAP_EXPECT(drive.sense_key != 0);
			break;
		default:
			ok = KTAP_EXPECT(0);
		}
		if (i % 97 == 0)
			atapi_change_medium(&drive, media[rnd() % 4]);
	}
	ktap_result(ok, "200000 random CDBs: lengths within the buffer, reads within the medium");
}

static void test_dvd_structure_more(void)
{
	bool ok;

	setup(&dvd1g);
	RUN(&drive, 0xad, 0, 0, 0, 0, 0, 0, 0x04, 0x10, 0x00);
	ok = DATA(2052) && KTAP_EXPECT(be16(buf) == 2050 && buf[4] == 0 && buf[2051] == 0);
	RUN(&drive, 0xad, 0, 0, 0, 0, 0, 0, 0x00, 0, 0);
	ok &= DATA(0);
	/* The structure list needs no medium. */
	setup(NULL);
	RUN(&drive, 0xad, 0, 0, 0, 0, 0, 0, 0xff, 0, 255);
	ok &= DATA(20);
	ktap_result(ok, "READ DVD STRUCTURE: manufacturing information, allocation 0, list without medium");
}

static void test_get_configuration_past_end(void)
{
	bool ok;

	setup(&cd10);
	RUN(&drive, 0x46, 0, 0x00, 0x20, 0, 0, 0, 0, 255);
	ok = DATA(8) && KTAP_EXPECT(be32(buf) == 4 && be16(buf + 6) == 0x0008);
	RUN(&drive, 0x46, 0, 0xff, 0xff, 0, 0, 0, 0, 255);
	ok &= DATA(8);
	ktap_result(ok, "GET CONFIGURATION: a starting feature past the last gives the header only");
}

static void test_ua_replaced(void)
{
	bool ok;

	/* A change before the power-on unit attention was seen: one, 28/00. */
	atapi_init(&drive, NULL);
	atapi_change_medium(&drive, &cd10);
	RUN(&drive, 0x00);
	ok = CHECKED(ATAPI_SK_UNIT_ATTENTION, 0x28, 0x00);
	RUN(&drive, 0x00);
	ok &= DATA(0);
	ktap_result(ok, "a medium change replaces the power-on unit attention");
}

static void test_get_performance(void)
{
	bool ok;

	setup(&cd10);
	RUN(&drive, 0xac, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x00);
	ok = DATA(24) && KTAP_EXPECT(be32(buf) == 20 && be32(buf + 8) == 0 &&
				     be32(buf + 12) == 4224 && be32(buf + 16) == 5119 &&
				     be32(buf + 20) == 4224);
	/* No descriptors wanted, write performance, write speeds: none. */
	RUN(&drive, 0xac, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00);
	ok &= DATA(8) && KTAP_EXPECT(be32(buf) == 4);
	RUN(&drive, 0xac, 0x04, 0, 0, 0, 0, 0, 0, 0, 1, 0x00);
	ok &= DATA(8);
	RUN(&drive, 0xac, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x03);
	ok &= DATA(8);
	RUN(&drive, 0xac, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x01);
	ok &= CHECKED(ATAPI_SK_ILLEGAL_REQUEST, 0x24, 0x00);
	setup(NULL);
	RUN(&drive, 0xac, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x00);
	ok &= CHECKED(ATAPI_SK_NOT_READY, 0x3a, 0x01);
	ktap_result(ok, "GET PERFORMANCE: one read descriptor; empty lists; unknown type refused");
}

int main(void)
{
	buf = malloc(ATAPI_BUF_SIZE);
	if (!buf)
		return 1;
	ktap_begin("atapi", 54);
	test_power_on();
	test_power_on_sense_first();
	test_ua_pass_list();
	test_change_medium_ua();
	test_request_sense();
	test_request_sense_alloc();
	test_sense_lifetime();
	test_unknown_opcodes();
	test_inquiry();
	test_inquiry_alloc();
	test_inquiry_vpd();
	test_no_medium();
	test_read_capacity();
	test_read10();
	test_read_edges();
	test_read12();
	test_read_cd();
	test_read_cd_fields();
	test_read_error();
	test_seek();
	test_toc0();
	test_toc0_start();
	test_toc_dvd_msf();
	test_toc1();
	test_toc2();
	test_get_configuration_cd();
	test_get_configuration_dvd();
	test_get_configuration_rt();
	test_get_configuration_empty();
	test_gesn_change();
	test_gesn_eject();
	test_gesn_fields();
	test_eject_lock();
	test_load();
	test_host_change_while_open();
	test_mode_sense_2a();
	test_mode_sense_pc();
	test_mode_sense_pages();
	test_mode_sense_6();
	test_accepted();
	test_disc_info();
	test_track_info();
	test_dvd_structure();
	test_dvd_structure_cd();
	test_mechanism_status();
	test_read_subchannel();
	test_report_luns_format_caps();
	test_reset();
	test_dvd_capacity();
	test_dvd_structure_more();
	test_get_configuration_past_end();
	test_ua_replaced();
	test_get_performance();
	test_random_cdbs();
	free(buf);
	return ktap_end();
}
