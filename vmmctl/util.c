// SPDX-License-Identifier: GPL-2.0
/*
 * Number parsing and the MMIO scratch register (see util.h).
 */
#include <stdio.h>
#include <string.h>

#include "util.h"

int parse_u64(const char *s, bool allow_suffix, uint64_t *out)
{
	uint64_t v = 0, mult = 1;
	unsigned int base = 10;
	int ndigits = 0;

	if (!s)
		return -1;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; *s; s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return -1;
		v = v * base + d;
		ndigits++;
	}
	if (!ndigits)
		return -1;
	if (*s && allow_suffix) {
		switch (*s) {
		case 'k':
		case 'K':
			mult = 1ULL << 10;
			break;
		case 'm':
		case 'M':
			mult = 1ULL << 20;
			break;
		case 'g':
		case 'G':
			mult = 1ULL << 30;
			break;
		case 't':
		case 'T':
			mult = 1ULL << 40;
			break;
		default:
			return -1;
		}
		s++;
	}
	if (*s)
		return -1;
	if (v > UINT64_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

void format_size(uint64_t bytes, char *buf, unsigned long len)
{
	static const char units[] = "KMGTPE";
	uint64_t scale = 1024;
	int i;

	if (bytes < 1024) {
		snprintf(buf, len, "%llu", (unsigned long long)bytes);
		return;
	}
	for (i = 0; units[i + 1] && bytes / scale >= 1024; i++)
		scale *= 1024;
	if (bytes % scale == 0)
		snprintf(buf, len, "%llu%c",
			 (unsigned long long)(bytes / scale), units[i]);
	else
		snprintf(buf, len, "%.1f%c", (double)bytes / (double)scale,
			 units[i]);
}

void scratch_init(struct scratch_reg *s, uint64_t base)
{
	s->base = base;
	memset(s->bytes, 0, sizeof(s->bytes));
}

/*
 * Register index of byte i of an access at addr, or -1 when that byte is
 * outside the register. Addresses do not wrap around at 2^64.
 */
static int scratch_index(const struct scratch_reg *s, uint64_t addr,
			 unsigned int i)
{
	uint64_t a = addr + i;

	if (a < addr || a < s->base || a - s->base >= SCRATCH_SIZE)
		return -1;
	return (int)(a - s->base);
}

bool scratch_overlaps(const struct scratch_reg *s, uint64_t addr,
		      unsigned int size)
{
	unsigned int i;

	for (i = 0; i < size && i < 8; i++)
		if (scratch_index(s, addr, i) >= 0)
			return true;
	return false;
}

uint64_t scratch_read(const struct scratch_reg *s, uint64_t addr,
		      unsigned int size)
{
	uint64_t val = 0;
	unsigned int i;

	if (size > 8)
		size = 8;
	for (i = 0; i < size; i++) {
		int idx = scratch_index(s, addr, i);
		uint64_t b = idx >= 0 ? s->bytes[idx] : 0xff;

		val |= b << (8 * i);
	}
	return val;
}

void scratch_write(struct scratch_reg *s, uint64_t addr, unsigned int size,
		   uint64_t val)
{
	unsigned int i;

	if (size > 8)
		size = 8;
	for (i = 0; i < size; i++) {
		int idx = scratch_index(s, addr, i);

		if (idx >= 0)
			s->bytes[idx] = (uint8_t)(val >> (8 * i));
	}
}
