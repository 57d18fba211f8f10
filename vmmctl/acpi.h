/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ACPI tables of vmmctl's PC (acpi.c): RSDP, RSDT, XSDT, FADT (the PM
 * block of module/core/acpi_pm.h), FACS, MADT and the DSDT of dsdt.asl.
 *
 * acpi_build() makes them in the form SeaBIOS takes from fw_cfg: one blob
 * of tables whose pointers hold offsets into it, the RSDP likewise, and a
 * table-loader script (QEMU's bios-linker-loader commands) that allocates
 * both, adds the real addresses to every pointer and fixes the checksums.
 * acpi_place() runs that same script itself for a direct kernel boot.
 */
#ifndef VMMCTL_ACPI_H
#define VMMCTL_ACPI_H

#include <stddef.h>
#include <stdint.h>

/* fw_cfg file names, as SeaBIOS looks for them */
#define ACPI_FILE_RSDP		"etc/acpi/rsdp"
#define ACPI_FILE_TABLES	"etc/acpi/tables"
#define ACPI_FILE_LOADER	"etc/table-loader"

/* The table-loader script: 128-byte little-endian commands. */
#define ACPI_LOADER_CMD_SIZE	128
#define ACPI_LOADER_FILESZ	56
#define ACPI_LOADER_ALLOCATE	1	/* file[56] align(u32) zone(u8) */
#define ACPI_LOADER_ADD_POINTER	2	/* dest[56] src[56] offset(u32) size(u8) */
#define ACPI_LOADER_ADD_CHECKSUM 3	/* file[56] offset start length (u32) */
#define ACPI_LOADER_ZONE_HIGH	1
#define ACPI_LOADER_ZONE_FSEG	2

#define ACPI_RSDP_LEN		36
#define ACPI_MAX_CPUS		255	/* xAPIC ids; the IOAPIC takes n_cpus */

struct acpi_config {
	unsigned int n_cpus;		/* 1..ACPI_MAX_CPUS - 1 */
};

struct acpi_tables {
	uint8_t *rsdp, *tables, *loader;
	uint32_t rsdp_len, tables_len, loader_len;
};

/* 0, or -1 (bad config, out of memory); the buffers are malloc'd. */
int acpi_build(const struct acpi_config *c, struct acpi_tables *t);
void acpi_free(struct acpi_tables *t);

/*
 * Copy the tables into guest RAM (ram maps guest-physical 0..ram_size) at
 * tables_gpa (64-byte aligned) and the RSDP at rsdp_gpa (16-byte aligned),
 * patch every pointer to absolute addresses and recompute all checksums.
 * -1 when the tables do not fit in [tables_gpa, rsdp_gpa), the RSDP not
 * in RAM below 4 GiB, or an address is misaligned.
 */
int acpi_place(const struct acpi_tables *t, uint8_t *ram, uint64_t ram_size,
	       uint64_t tables_gpa, uint64_t rsdp_gpa);

#endif /* VMMCTL_ACPI_H */
