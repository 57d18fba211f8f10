// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of util.c: number parsing, size formatting and the MMIO
 * scratch register's slicing of partial and misaligned accesses.
 * Prints "ok - DESC" / "not ok - DESC" lines; test.sh numbers them into
 * one KTAP suite together with the command-line tests.
 */
#include <stdio.h>
#include <string.h>

#include "util.h"

static int failed;

static void result(int ok, const char *desc)
{
	printf("%s - %s\n", ok ? "ok" : "not ok", desc);
	if (!ok)
		failed = 1;
}

#define CHECK(cond, desc)						\
	do {								\
		int __ok = !!(cond);					\
		if (!__ok)						\
			printf("# %s:%d: expected %s\n", __FILE__,	\
			       __LINE__, #cond);			\
		result(__ok, desc);					\
	} while (0)

static int parses(const char *s, bool suffix, uint64_t want)
{
	uint64_t v = 0xdeadbeef;

	if (parse_u64(s, suffix, &v)) {
		printf("# parse_u64(\"%s\") failed\n", s);
		return 0;
	}
	if (v != want) {
		printf("# parse_u64(\"%s\") = 0x%llx, want 0x%llx\n", s,
		       (unsigned long long)v, (unsigned long long)want);
		return 0;
	}
	return 1;
}

static int rejects(const char *s, bool suffix)
{
	uint64_t v;

	if (!parse_u64(s, suffix, &v)) {
		printf("# parse_u64(\"%s\") accepted: 0x%llx\n", s,
		       (unsigned long long)v);
		return 0;
	}
	return 1;
}

static void test_parse(void)
{
	CHECK(parses("0", false, 0) && parses("12345", false, 12345),
	      "parse: decimal");
	CHECK(parses("0x8000", false, 0x8000) &&
	      parses("0XdeadBEEF", false, 0xdeadbeef) &&
	      parses("0xffffffffffffffff", false, ~0ULL),
	      "parse: hex");
	CHECK(parses("16M", true, 16ULL << 20) &&
	      parses("4k", true, 4096) && parses("64G", true, 64ULL << 30) &&
	      parses("0x10M", true, 16ULL << 20) &&
	      parses("1T", true, 1ULL << 40),
	      "parse: K/M/G/T suffixes");
	CHECK(parses("010", false, 10), "parse: leading zero is decimal");
	CHECK(rejects("16M", false), "parse: suffix refused when not allowed");
	CHECK(rejects("", true) && rejects("0x", true) && rejects("M", true) &&
	      rejects("-1", true) && rejects("+1", true) &&
	      rejects(" 1", true) && rejects("1 ", true) &&
	      rejects("12Q", true) && rejects("16MB", true) &&
	      rejects("1.5M", true) && rejects("0x1g0", true),
	      "parse: malformed numbers refused");
	CHECK(rejects("18446744073709551616", false) &&
	      rejects("0x10000000000000000", false) &&
	      rejects("16777216T", true) && parses("16777215T", true,
						  16777215ULL << 40),
	      "parse: overflow refused");
}

static void test_format(void)
{
	char b[32];
	int ok = 1;

	format_size(0, b, sizeof(b));
	ok &= !strcmp(b, "0");
	format_size(1023, b, sizeof(b));
	ok &= !strcmp(b, "1023");
	format_size(4096, b, sizeof(b));
	ok &= !strcmp(b, "4K");
	format_size(16 << 20, b, sizeof(b));
	ok &= !strcmp(b, "16M");
	format_size(3ULL << 29, b, sizeof(b));
	ok &= !strcmp(b, "1.5G");
	format_size(73728 + 512, b, sizeof(b));
	ok &= !strcmp(b, "72.5K");
	CHECK(ok, "format_size");
}

#define B SCRATCH_MMIO_BASE

static void test_scratch(void)
{
	struct scratch_reg s;
	int ok;

	scratch_init(&s, B);
	CHECK(scratch_read(&s, B, 8) == 0 && scratch_read(&s, B + 7, 1) == 0,
	      "scratch: initially zero");

	scratch_write(&s, B, 8, 0x8877665544332211ULL);
	CHECK(scratch_read(&s, B, 8) == 0x8877665544332211ULL,
	      "scratch: 8-byte write/read");
	CHECK(scratch_read(&s, B, 1) == 0x11 &&
	      scratch_read(&s, B + 3, 1) == 0x44 &&
	      scratch_read(&s, B + 7, 1) == 0x88,
	      "scratch: byte reads at offsets");
	CHECK(scratch_read(&s, B + 2, 2) == 0x4433 &&
	      scratch_read(&s, B + 4, 4) == 0x88776655 &&
	      scratch_read(&s, B + 1, 4) == 0x55443322,
	      "scratch: 2/4-byte reads, aligned and not");

	scratch_write(&s, B + 2, 2, 0xbbaa);
	CHECK(scratch_read(&s, B, 8) == 0x88776655bbaa2211ULL,
	      "scratch: 2-byte write merges");
	scratch_write(&s, B + 3, 4, 0xf4f3f2f1);
	CHECK(scratch_read(&s, B, 8) == 0x88f4f3f2f1aa2211ULL,
	      "scratch: misaligned 4-byte write");
	scratch_write(&s, B + 5, 1, 0x1234);
	CHECK(scratch_read(&s, B + 5, 1) == 0x34,
	      "scratch: write uses only size bytes");

	/* partial overlaps: bytes outside read as 0xff, writes are cut */
	scratch_write(&s, B, 8, 0x0807060504030201ULL);
	CHECK(scratch_read(&s, B + 4, 8) == 0xffffffff08070605ULL,
	      "scratch: read past the end is sliced");
	CHECK(scratch_read(&s, B - 2, 4) == 0x0201ffff &&
	      scratch_read(&s, B - 7, 8) == 0x01ffffffffffffffULL,
	      "scratch: read before the start is sliced");
	CHECK(scratch_read(&s, B + 7, 2) == 0xff08,
	      "scratch: 2-byte read over the last byte");
	scratch_write(&s, B - 2, 4, 0xddccbbaa);
	scratch_write(&s, B + 6, 8, 0x1111111111112222ULL);
	CHECK(scratch_read(&s, B, 8) == 0x222206050403ddccULL,
	      "scratch: writes straddling either end are cut");
	ok = scratch_overlaps(&s, B - 1, 2) && scratch_overlaps(&s, B + 7, 8) &&
	     !scratch_overlaps(&s, B - 8, 8) && !scratch_overlaps(&s, B + 8, 1) &&
	     !scratch_overlaps(&s, 0, 8);
	CHECK(ok, "scratch: overlap test");
	CHECK(scratch_read(&s, B + 8, 4) == 0xffffffff,
	      "scratch: outside reads all ones");

	/* a register at the very top of the address space */
	scratch_init(&s, 0xfffffffffffffffcULL);
	scratch_write(&s, 0xfffffffffffffffaULL, 8, 0x0807060504030201ULL);
	CHECK(scratch_read(&s, 0xfffffffffffffffcULL, 4) == 0x06050403 &&
	      scratch_read(&s, 0xfffffffffffffffcULL, 8) ==
			0xffffffff06050403ULL &&
	      !scratch_overlaps(&s, 0, 8),
	      "scratch: no wrap-around at 2^64");
	CHECK(ones_of_size(1) == 0xff && ones_of_size(2) == 0xffff &&
	      ones_of_size(4) == 0xffffffff && ones_of_size(8) == ~0ULL,
	      "ones_of_size");
}

int main(void)
{
	test_parse();
	test_format();
	test_scratch();
	return failed;
}
