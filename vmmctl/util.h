/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by vmmctl and bench/kvmrun: number parsing and the
 * MMIO scratch-register test device. Plain C, no VMM dependencies, so the
 * unit test (test_util.c) can exercise them directly.
 */
#ifndef VMMCTL_UTIL_H
#define VMMCTL_UTIL_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Parse an unsigned number: decimal or 0x-prefixed hex, optionally
 * followed (when allow_suffix) by one of K, M, G, T (binary multiples,
 * case-insensitive). Returns 0, or -1 on syntax error or overflow.
 */
int parse_u64(const char *s, bool allow_suffix, uint64_t *out);

/* Format a byte count compactly: "16M", "4K", "1.5G", "123". */
void format_size(uint64_t bytes, char *buf, unsigned long len);

/* The test device: an 8-byte little-endian scratch register. */
#define SCRATCH_MMIO_BASE	0xd0000000ULL
#define SCRATCH_SIZE		8

struct scratch_reg {
	uint64_t base;
	uint8_t bytes[SCRATCH_SIZE];
};

void scratch_init(struct scratch_reg *s, uint64_t base);

/* Whether [addr, addr + size) overlaps the register. size is 1..8. */
bool scratch_overlaps(const struct scratch_reg *s, uint64_t addr,
		      unsigned int size);

/*
 * Read size (1..8) bytes at addr: bytes inside the register come from it,
 * bytes outside read as 0xff. The result is truncated to size bytes.
 */
uint64_t scratch_read(const struct scratch_reg *s, uint64_t addr,
		      unsigned int size);

/* Write the low size (1..8) bytes of val at addr; bytes outside are dropped. */
void scratch_write(struct scratch_reg *s, uint64_t addr, unsigned int size,
		   uint64_t val);

/* Little-endian fields of guest-visible structures, size 1..8 bytes. */
static inline uint64_t get_le(const uint8_t *p, unsigned int size)
{
	uint64_t v = 0;

	while (size--)
		v = v << 8 | p[size];
	return v;
}

static inline void put_le(uint8_t *p, uint64_t v, unsigned int size)
{
	while (size--) {
		*p++ = v;
		v >>= 8;
	}
}

/* All ones in the low size bytes (size 1..8). */
static inline uint64_t ones_of_size(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

#endif /* VMMCTL_UTIL_H */
