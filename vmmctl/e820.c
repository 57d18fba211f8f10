// SPDX-License-Identifier: GPL-2.0
/*
 * The PC's e820 map: conventional memory up to the EBDA, the BIOS area,
 * RAM from 1 MiB to the PCI hole, RAM above 4 GiB and the BIOS ROM below
 * 4 GiB. Entries are added in address order; a RAM range is cut around
 * the direct-boot ACPI range, which becomes its own entry.
 */
#include <string.h>

#include "e820.h"

static void add(struct e820_map *m, uint64_t addr, uint64_t end, uint32_t type)
{
	if (end <= addr || m->n >= E820_MAX_ENTRIES)
		return;
	m->e[m->n].addr = addr;
	m->e[m->n].size = end - addr;
	m->e[m->n].type = type;
	m->n++;
}

/* RAM [addr, end) with the ACPI range (if inside) as its own entry. */
static void add_ram(struct e820_map *m, const struct e820_layout *lay,
		    uint64_t addr, uint64_t end)
{
	uint64_t a = lay->acpi_start, b = lay->acpi_start + lay->acpi_size;

	if (!lay->acpi_size || b <= addr || a >= end) {
		add(m, addr, end, E820_RAM);
		return;
	}
	if (a < addr)
		a = addr;
	if (b > end)
		b = end;
	add(m, addr, a, E820_RAM);
	add(m, a, b, E820_ACPI);
	add(m, b, end, E820_RAM);
}

void e820_build(const struct e820_layout *lay, struct e820_map *m)
{
	uint64_t low = lay->low_ram;

	memset(m, 0, sizeof(*m));
	if (low > E820_ROM_START)
		low = E820_ROM_START;
	add_ram(m, lay, 0, low < E820_EBDA_START ? low : E820_EBDA_START);
	add(m, E820_EBDA_START, E820_LOW_END, E820_RESERVED);
	add(m, E820_BIOS_START, E820_HIGH_START, E820_RESERVED);
	add_ram(m, lay, E820_HIGH_START, low);
	add(m, E820_ROM_START, E820_4G, E820_RESERVED);
	add(m, E820_4G, E820_4G + lay->high_ram, E820_RAM);
}

size_t e820_to_fw_cfg(const struct e820_map *m, uint8_t *buf, size_t len)
{
	size_t done = 0;
	unsigned int i, j;

	for (i = 0; i < m->n && len - done >= 20; i++) {
		uint8_t *p = buf + done;

		for (j = 0; j < 8; j++) {
			p[j] = m->e[i].addr >> (8 * j);
			p[8 + j] = m->e[i].size >> (8 * j);
		}
		for (j = 0; j < 4; j++)
			p[16 + j] = m->e[i].type >> (8 * j);
		done += 20;
	}
	return done;
}
