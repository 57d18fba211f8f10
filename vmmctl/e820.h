/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PC's memory map as e820 reports it (e820.c): to SeaBIOS through
 * fw_cfg "etc/e820", to a directly booted Linux in its zero page.
 */
#ifndef VMMCTL_E820_H
#define VMMCTL_E820_H

#include <stddef.h>
#include <stdint.h>

#define E820_MAX_ENTRIES	32

#define E820_RAM		1
#define E820_RESERVED		2
#define E820_ACPI		3	/* ACPI tables: reclaimable once read */

#define E820_EBDA_START		0x9fc00ULL
#define E820_LOW_END		0xa0000ULL	/* 640 KiB */
#define E820_BIOS_START		0xf0000ULL
#define E820_HIGH_START		(1ULL << 20)
#define E820_ROM_START		0xfffc0000ULL	/* BIOS ROM, up to 4 GiB */
#define E820_4G			(1ULL << 32)

struct e820_layout {
	uint64_t low_ram;	/* RAM at 0 (bytes, below the PCI hole) */
	uint64_t high_ram;	/* RAM at 4 GiB */
	/* Direct boot: a range of RAM holding the ACPI tables; size 0: none */
	uint64_t acpi_start, acpi_size;
};

struct e820_entry {
	uint64_t addr, size;
	uint32_t type;
};

struct e820_map {
	unsigned int n;
	struct e820_entry e[E820_MAX_ENTRIES];
};

/* Sorted, non-overlapping; the ACPI range is cut out of the RAM it is in. */
void e820_build(const struct e820_layout *lay, struct e820_map *m);

/*
 * fw_cfg "etc/e820": packed little-endian { u64 addr; u64 len; u32 type; }
 * per entry. Returns the bytes written (whole entries that fit in len).
 */
size_t e820_to_fw_cfg(const struct e820_map *m, uint8_t *buf, size_t len);

#endif /* VMMCTL_E820_H */
