// SPDX-License-Identifier: GPL-2.0
/*
 * ACPI tables of vmmctl's PC, built in SeaBIOS's fw_cfg form (see acpi.h).
 * Layout of the tables blob: FACS (offset 0, 64-byte aligned as the spec
 * wants), DSDT, FADT, MADT, RSDT, XSDT, each 8-byte aligned. Every pointer
 * field holds an offset into the blob until the loader script (or
 * acpi_place) adds the blob's address; the checksums in the blob are
 * valid for the offsets, and the script recomputes them after patching.
 */
#include <stdlib.h>
#include <string.h>

#include "acpi.h"
#include "util.h"
#include "acpi_pm.h"
#include "dsdt_aml.h"	/* generated from dsdt.asl: dsdt_aml[] */

#define OEM_ID		"VMMHV "	/* 6 bytes */
#define OEM_TABLE_ID	"VMMPC   "	/* 8 bytes */
#define CREATOR_ID	"VMMC"

#define HDR_LEN		36		/* System Description Table header */
#define HDR_CSUM	9

#define FACS_LEN	64
#define FADT_LEN	244		/* revision 3 (ACPI 2.0) */
#define FADT_REV	3

/* FADT field offsets */
#define FADT_FACS	36
#define FADT_DSDT	40
#define FADT_PM_PROFILE	45
#define FADT_SCI_INT	46
#define FADT_SMI_CMD	48
#define FADT_ACPI_ENABLE 52
#define FADT_ACPI_DISABLE 53
#define FADT_PM1A_EVT	56
#define FADT_PM1A_CNT	64
#define FADT_PM_TMR	76
#define FADT_GPE0	80
#define FADT_PM1_EVT_LEN 88
#define FADT_PM1_CNT_LEN 89
#define FADT_PM_TMR_LEN	91
#define FADT_GPE0_LEN	92
#define FADT_P_LVL2_LAT	96
#define FADT_P_LVL3_LAT	98
#define FADT_CENTURY	108
#define FADT_BOOT_ARCH	109
#define FADT_FLAGS	112
#define FADT_RESET_REG	116
#define FADT_RESET_VAL	128
#define FADT_X_FACS	132
#define FADT_X_DSDT	140
#define FADT_X_PM1A_EVT	148
#define FADT_X_PM1A_CNT	172
#define FADT_X_PM_TMR	208
#define FADT_X_GPE0	220

#define FADT_F_WBINVD		(1u << 0)
#define FADT_F_PROC_C1		(1u << 2)
#define FADT_F_SLP_BUTTON	(1u << 5)	/* no fixed-feature sleep button */
#define FADT_F_TMR_VAL_EXT	(1u << 8)
#define FADT_F_RESET_REG_SUP	(1u << 10)
#define FADT_BOOT_LEGACY_DEVICES (1u << 0)
#define FADT_BOOT_8042		(1u << 1)
#define GAS_SYSTEM_IO		1
#define GAS_ACCESS_BYTE		1

/* MADT */
#define MADT_LAPIC_ADDR		0xfee00000u
#define MADT_PCAT_COMPAT	1u
#define IOAPIC_ADDR		0xfec00000u
#define MADT_LAPIC		0	/* entry types and lengths */
#define MADT_LAPIC_LEN		8
#define MADT_IOAPIC		1
#define MADT_IOAPIC_LEN		12
#define MADT_ISO		2
#define MADT_ISO_LEN		10
#define MADT_LAPIC_NMI		4
#define MADT_LAPIC_NMI_LEN	6
#define MADT_ISO_ACTIVE_HIGH_LEVEL 0x000d

#define RSDP_CSUM		8
#define RSDP_RSDT		16
#define RSDP_XSDT		24
#define RSDP_XCSUM		32

#define LOADER_MAX_CMDS		32

static void put16(uint8_t *p, uint16_t v)
{
	put_le(p, v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	put_le(p, v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	put_le(p, v, 8);
}

static uint8_t sum8(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s += *p++;
	return s;
}

static uint32_t align8(uint32_t v)
{
	return (v + 7) & ~7u;
}

static void sdt_header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, OEM_ID, 6);
	memcpy(t + 16, OEM_TABLE_ID, 8);
	put32(t + 24, 1);
	memcpy(t + 28, CREATOR_ID, 4);
	put32(t + 32, 1);
}

/* A Generic Address Structure. */
static void gas(uint8_t *p, uint8_t space, uint8_t bits, uint8_t access,
		uint64_t addr)
{
	p[0] = space;
	p[1] = bits;
	p[2] = 0;
	p[3] = access;
	put64(p + 4, addr);
}

/* ---- The table-loader script ---- */

struct loader {
	uint8_t *buf;
	unsigned int n;
};

static uint8_t *loader_cmd(struct loader *l, uint32_t cmd, const char *file)
{
	uint8_t *c = l->buf + l->n++ * ACPI_LOADER_CMD_SIZE;

	put32(c, cmd);
	memcpy(c + 4, file, strlen(file));	/* names are < 56: NUL-padded */
	return c;
}

static void loader_alloc(struct loader *l, const char *file, uint32_t align,
			 uint8_t zone)
{
	uint8_t *c = loader_cmd(l, ACPI_LOADER_ALLOCATE, file);

	put32(c + 60, align);
	c[64] = zone;
}

static void loader_pointer(struct loader *l, const char *dest,
			   const char *src, uint32_t offset, uint8_t size)
{
	uint8_t *c = loader_cmd(l, ACPI_LOADER_ADD_POINTER, dest);

	memcpy(c + 60, src, strlen(src));
	put32(c + 116, offset);
	c[120] = size;
}

static void loader_checksum(struct loader *l, const char *file,
			    uint32_t offset, uint32_t start, uint32_t len)
{
	uint8_t *c = loader_cmd(l, ACPI_LOADER_ADD_CHECKSUM, file);

	put32(c + 60, offset);
	put32(c + 64, start);
	put32(c + 68, len);
}

/* A file the script names, where it lies in our memory and in the guest's. */
struct loader_file {
	const char *name;
	uint8_t *data;
	uint32_t len;
	uint64_t addr;
};

static struct loader_file *loader_find(struct loader_file *f, unsigned int n,
				       const uint8_t *name)
{
	unsigned int i;

	if (!memchr(name, 0, ACPI_LOADER_FILESZ))
		return NULL;
	for (i = 0; i < n; i++)
		if (!strcmp(f[i].name, (const char *)name))
			return &f[i];
	return NULL;
}

/* Run the script as SeaBIOS would, the files already at their addresses. */
static int loader_run(const uint8_t *script, uint32_t len,
		      struct loader_file *f, unsigned int nf)
{
	const uint8_t *c;

	if (len % ACPI_LOADER_CMD_SIZE)
		return -1;
	for (c = script; c < script + len; c += ACPI_LOADER_CMD_SIZE) {
		struct loader_file *d, *s;
		uint32_t off, start, n;
		unsigned int size;
		uint64_t v;

		switch (get_le(c, 4)) {
		case ACPI_LOADER_ALLOCATE:
			d = loader_find(f, nf, c + 4);
			n = get_le(c + 60, 4);
			if (!d || !n || (n & (n - 1)) || (d->addr & (n - 1)))
				return -1;
			break;
		case ACPI_LOADER_ADD_POINTER:
			d = loader_find(f, nf, c + 4);
			s = loader_find(f, nf, c + 60);
			off = get_le(c + 116, 4);
			size = c[120];
			if (!d || !s || (size != 1 && size != 2 && size != 4 &&
					 size != 8) ||
			    off > d->len || d->len - off < size)
				return -1;
			v = get_le(d->data + off, size) + s->addr;
			if (size < 8 && v >> (8 * size))
				return -1;	/* truncated pointer */
			while (size--) {
				d->data[off++] = v;
				v >>= 8;
			}
			break;
		case ACPI_LOADER_ADD_CHECKSUM:
			d = loader_find(f, nf, c + 4);
			off = get_le(c + 60, 4);
			start = get_le(c + 64, 4);
			n = get_le(c + 68, 4);
			if (!d || off >= d->len || start > d->len ||
			    d->len - start < n)
				return -1;
			d->data[off] -= sum8(d->data + start, n);
			break;
		default:
			return -1;
		}
	}
	return 0;
}

/* ---- The tables ---- */

static void build_facs(uint8_t *t)
{
	memcpy(t, "FACS", 4);
	put32(t + 4, FACS_LEN);
	t[32] = 1;		/* version */
}

static void build_fadt(uint8_t *t, uint32_t facs, uint32_t dsdt)
{
	const uint32_t base = ACPI_PM_BASE_DEFAULT;

	sdt_header(t, "FACP", FADT_LEN, FADT_REV);
	put32(t + FADT_FACS, facs);
	put32(t + FADT_DSDT, dsdt);
	t[FADT_PM_PROFILE] = 0;			/* unspecified */
	put16(t + FADT_SCI_INT, ACPI_PM_SCI_IRQ);
	put32(t + FADT_SMI_CMD, base + ACPI_PM_SMI_CMD);
	t[FADT_ACPI_ENABLE] = ACPI_PM_ENABLE;
	t[FADT_ACPI_DISABLE] = ACPI_PM_DISABLE;
	put32(t + FADT_PM1A_EVT, base + ACPI_PM_PM1_STS);
	put32(t + FADT_PM1A_CNT, base + ACPI_PM_PM1_CNT);
	put32(t + FADT_PM_TMR, base + ACPI_PM_TMR);
	put32(t + FADT_GPE0, base + ACPI_PM_GPE0_STS);
	t[FADT_PM1_EVT_LEN] = ACPI_PM_PM1_EVT_LEN;
	t[FADT_PM1_CNT_LEN] = ACPI_PM_PM1_CNT_LEN;
	t[FADT_PM_TMR_LEN] = ACPI_PM_TMR_LEN;
	t[FADT_GPE0_LEN] = ACPI_PM_GPE0_BLK_LEN;
	put16(t + FADT_P_LVL2_LAT, 0x0fff);	/* > 100: no C2 */
	put16(t + FADT_P_LVL3_LAT, 0x0fff);	/* > 1000: no C3 */
	t[FADT_CENTURY] = 0x32;			/* the RTC's century byte */
	put16(t + FADT_BOOT_ARCH, FADT_BOOT_LEGACY_DEVICES | FADT_BOOT_8042);
	put32(t + FADT_FLAGS, FADT_F_WBINVD | FADT_F_PROC_C1 |
	      FADT_F_SLP_BUTTON | FADT_F_RESET_REG_SUP |
	      (ACPI_PM_TMR_VAL_EXT ? FADT_F_TMR_VAL_EXT : 0));
	gas(t + FADT_RESET_REG, GAS_SYSTEM_IO, 8, GAS_ACCESS_BYTE,
	    base + ACPI_PM_RESET_REG);
	t[FADT_RESET_VAL] = ACPI_PM_RESET_VALUE;
	/* X_FIRMWARE_CTRL stays 0: the spec allows one of the two, not both. */
	put64(t + FADT_X_DSDT, dsdt);
	gas(t + FADT_X_PM1A_EVT, GAS_SYSTEM_IO, ACPI_PM_PM1_EVT_LEN * 8, 0,
	    base + ACPI_PM_PM1_STS);
	gas(t + FADT_X_PM1A_CNT, GAS_SYSTEM_IO, ACPI_PM_PM1_CNT_LEN * 8, 0,
	    base + ACPI_PM_PM1_CNT);
	gas(t + FADT_X_PM_TMR, GAS_SYSTEM_IO, ACPI_PM_TMR_LEN * 8, 0,
	    base + ACPI_PM_TMR);
	gas(t + FADT_X_GPE0, GAS_SYSTEM_IO, ACPI_PM_GPE0_BLK_LEN * 8, 0,
	    base + ACPI_PM_GPE0_STS);
}

static uint32_t madt_len(unsigned int n_cpus)
{
	return HDR_LEN + 8 + n_cpus * MADT_LAPIC_LEN + MADT_IOAPIC_LEN +
	       2 * MADT_ISO_LEN + MADT_LAPIC_NMI_LEN;
}

static void madt_iso(uint8_t *e, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	e[0] = MADT_ISO;
	e[1] = MADT_ISO_LEN;
	e[2] = 0;		/* ISA */
	e[3] = irq;
	put32(e + 4, gsi);
	put16(e + 8, flags);
}

static void build_madt(uint8_t *t, unsigned int n_cpus)
{
	uint8_t *e = t + HDR_LEN + 8;
	unsigned int i;

	sdt_header(t, "APIC", madt_len(n_cpus), 1);
	put32(t + HDR_LEN, MADT_LAPIC_ADDR);
	put32(t + HDR_LEN + 4, MADT_PCAT_COMPAT);
	for (i = 0; i < n_cpus; i++, e += MADT_LAPIC_LEN) {
		e[0] = MADT_LAPIC;
		e[1] = MADT_LAPIC_LEN;
		e[2] = i;		/* ACPI processor UID */
		e[3] = i;		/* APIC id */
		put32(e + 4, 1);	/* enabled */
	}
	e[0] = MADT_IOAPIC;
	e[1] = MADT_IOAPIC_LEN;
	e[2] = n_cpus;			/* IOAPIC id after the CPUs' */
	put32(e + 4, IOAPIC_ADDR);
	put32(e + 8, 0);		/* GSI base */
	e += MADT_IOAPIC_LEN;
	/* The PIT's IRQ 0 is the IOAPIC's pin 2, as on every PC. */
	madt_iso(e, 0, 2, 0);
	e += MADT_ISO_LEN;
	madt_iso(e, ACPI_PM_SCI_IRQ, ACPI_PM_SCI_IRQ,
		 MADT_ISO_ACTIVE_HIGH_LEVEL);
	e += MADT_ISO_LEN;
	e[0] = MADT_LAPIC_NMI;
	e[1] = MADT_LAPIC_NMI_LEN;
	e[2] = 0xff;			/* all processors */
	put16(e + 3, 0);
	e[5] = 1;			/* LINT1 */
}

void acpi_free(struct acpi_tables *t)
{
	free(t->rsdp);
	free(t->tables);
	free(t->loader);
	memset(t, 0, sizeof(*t));
}

int acpi_build(const struct acpi_config *c, struct acpi_tables *t)
{
	const char *T = ACPI_FILE_TABLES, *R = ACPI_FILE_RSDP;
	uint32_t facs = 0, dsdt, fadt, madt, rsdt, xsdt, end;
	uint32_t dsdt_len = sizeof(dsdt_aml);
	struct loader l;
	uint8_t *b;

	memset(t, 0, sizeof(*t));
	if (!c->n_cpus || c->n_cpus >= ACPI_MAX_CPUS)
		return -1;
	dsdt = FACS_LEN;
	fadt = align8(dsdt + dsdt_len);
	madt = align8(fadt + FADT_LEN);
	rsdt = align8(madt + madt_len(c->n_cpus));
	xsdt = align8(rsdt + HDR_LEN + 2 * 4);
	end = xsdt + HDR_LEN + 2 * 8;

	t->tables = calloc(1, end);
	t->rsdp = calloc(1, ACPI_RSDP_LEN);
	t->loader = calloc(LOADER_MAX_CMDS, ACPI_LOADER_CMD_SIZE);
	if (!t->tables || !t->rsdp || !t->loader) {
		acpi_free(t);
		return -1;
	}
	t->tables_len = end;
	t->rsdp_len = ACPI_RSDP_LEN;
	b = t->tables;

	build_facs(b + facs);
	memcpy(b + dsdt, dsdt_aml, dsdt_len);
	build_fadt(b + fadt, facs, dsdt);
	build_madt(b + madt, c->n_cpus);
	sdt_header(b + rsdt, "RSDT", HDR_LEN + 2 * 4, 1);
	put32(b + rsdt + HDR_LEN, fadt);
	put32(b + rsdt + HDR_LEN + 4, madt);
	sdt_header(b + xsdt, "XSDT", HDR_LEN + 2 * 8, 1);
	put64(b + xsdt + HDR_LEN, fadt);
	put64(b + xsdt + HDR_LEN + 8, madt);

	memcpy(t->rsdp, "RSD PTR ", 8);
	memcpy(t->rsdp + 9, OEM_ID, 6);
	t->rsdp[15] = 2;		/* revision: ACPI 2.0+, has the XSDT */
	put32(t->rsdp + RSDP_RSDT, rsdt);
	put32(t->rsdp + 20, ACPI_RSDP_LEN);
	put64(t->rsdp + RSDP_XSDT, xsdt);

	l.buf = t->loader;
	l.n = 0;
	loader_alloc(&l, R, 16, ACPI_LOADER_ZONE_FSEG);
	loader_alloc(&l, T, 64, ACPI_LOADER_ZONE_HIGH);
	loader_pointer(&l, T, T, fadt + FADT_FACS, 4);
	loader_pointer(&l, T, T, fadt + FADT_DSDT, 4);
	loader_pointer(&l, T, T, fadt + FADT_X_DSDT, 8);
	loader_pointer(&l, T, T, rsdt + HDR_LEN, 4);
	loader_pointer(&l, T, T, rsdt + HDR_LEN + 4, 4);
	loader_pointer(&l, T, T, xsdt + HDR_LEN, 8);
	loader_pointer(&l, T, T, xsdt + HDR_LEN + 8, 8);
	loader_pointer(&l, R, T, RSDP_RSDT, 4);
	loader_pointer(&l, R, T, RSDP_XSDT, 8);
	loader_checksum(&l, T, dsdt + HDR_CSUM, dsdt, dsdt_len);
	loader_checksum(&l, T, fadt + HDR_CSUM, fadt, FADT_LEN);
	loader_checksum(&l, T, madt + HDR_CSUM, madt, madt_len(c->n_cpus));
	loader_checksum(&l, T, rsdt + HDR_CSUM, rsdt, HDR_LEN + 2 * 4);
	loader_checksum(&l, T, xsdt + HDR_CSUM, xsdt, HDR_LEN + 2 * 8);
	/* The 20-byte checksum first: the extended one covers it. */
	loader_checksum(&l, R, RSDP_CSUM, 0, 20);
	loader_checksum(&l, R, RSDP_XCSUM, 0, ACPI_RSDP_LEN);
	t->loader_len = l.n * ACPI_LOADER_CMD_SIZE;

	/* Valid checksums already for the offsets: the script adding 0. */
	{
		struct loader_file f[2] = {
			{ R, t->rsdp, t->rsdp_len, 0 },
			{ T, t->tables, t->tables_len, 0 },
		};

		if (loader_run(t->loader, t->loader_len, f, 2)) {
			acpi_free(t);
			return -1;
		}
	}
	return 0;
}

int acpi_place(const struct acpi_tables *t, uint8_t *ram, uint64_t ram_size,
	       uint64_t tables_gpa, uint64_t rsdp_gpa)
{
	struct loader_file f[2] = {
		{ ACPI_FILE_RSDP, NULL, t->rsdp_len, rsdp_gpa },
		{ ACPI_FILE_TABLES, NULL, t->tables_len, tables_gpa },
	};

	if ((tables_gpa & 63) || (rsdp_gpa & 15) || rsdp_gpa < tables_gpa ||
	    rsdp_gpa - tables_gpa < t->tables_len ||
	    rsdp_gpa > ram_size || ram_size - rsdp_gpa < t->rsdp_len ||
	    rsdp_gpa + t->rsdp_len > (1ULL << 32))
		return -1;
	f[0].data = ram + rsdp_gpa;
	f[1].data = ram + tables_gpa;
	memcpy(f[1].data, t->tables, t->tables_len);
	memcpy(f[0].data, t->rsdp, t->rsdp_len);
	return loader_run(t->loader, t->loader_len, f, 2);
}
