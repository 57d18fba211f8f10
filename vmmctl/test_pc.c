// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the PC setup pieces (KTAP): the ACPI tables (as built,
 * after SeaBIOS's table loader, which this file reimplements on its own,
 * and after acpi_place), the e820 map and the bzImage loader, with a
 * synthetic image, the host's /boot/vmlinuz-* if readable, and hostile
 * images. Last line: "# test_pc: N passed, N failed".
 */
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acpi.h"
#include "acpi_pm.h"
#include "bzimage.h"
#include "kernel.h"
#include "util.h"
#include "e820.h"

static unsigned int n_tests, n_pass, n_fail;

static void result(int ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void result(int ok, const char *fmt, ...)
{
	va_list ap;

	n_tests++;
	if (ok)
		n_pass++;
	else
		n_fail++;
	printf("%s %u - ", ok ? "ok" : "not ok", n_tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void skip(const char *desc, const char *why)
{
	n_tests++;
	n_pass++;
	printf("ok %u - %s # SKIP %s\n", n_tests, desc, why);
}

/* Diagnostics go to "# " lines; the first failure's text is kept. */
static char why[512];

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	printf("# %s\n", why);
	return 0;
}

#define CHECK(cond, ...)						\
	do {								\
		int __ok = !!(cond);					\
		if (!__ok)						\
			printf("# %s:%d: expected %s\n", __FILE__,	\
			       __LINE__, #cond);			\
		result(__ok, __VA_ARGS__);				\
	} while (0)


static uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

/* ------------------------------------------------------------------ */
/* An OS's view: walk the tables from the RSDP in a memory image.      */
/* ------------------------------------------------------------------ */

struct walk {
	uint64_t rsdt, xsdt, fadt, madt, dsdt, facs;
	uint32_t fadt_len, madt_len, dsdt_len;
};

/* A table at addr in mem[0..size): signature and checksum. */
static int table_ok(const uint8_t *mem, uint64_t size, uint64_t addr,
		    const char *sig, uint32_t *len)
{
	uint32_t l;

	if (addr > size || size - addr < 36)
		return bad("%s at 0x%llx: outside memory", sig,
			   (unsigned long long)addr);
	l = get_le(mem + addr + 4, 4);
	if (memcmp(mem + addr, sig, 4))
		return bad("table at 0x%llx: signature '%.4s', want '%s'",
			   (unsigned long long)addr, mem + addr, sig);
	if (l < 36 || l > size - addr)
		return bad("%s: length %u", sig, l);
	if (sum8(mem + addr, l))
		return bad("%s: checksum off by %u", sig, sum8(mem + addr, l));
	if (len)
		*len = l;
	return 1;
}

static int os_walk(const uint8_t *mem, uint64_t size, uint64_t rsdp,
		   struct walk *w)
{
	const uint8_t *r = mem + rsdp;
	uint32_t rl, xl, i, n;

	memset(w, 0, sizeof(*w));
	if (rsdp & 15)
		return bad("RSDP not 16-byte aligned");
	if (memcmp(r, "RSD PTR ", 8))
		return bad("no RSDP signature");
	if (sum8(r, 20))
		return bad("RSDP 20-byte checksum");
	if (r[15] != 2 || get_le(r + 20, 4) != 36)
		return bad("RSDP revision %u length %u", r[15],
			   (unsigned int)get_le(r + 20, 4));
	if (sum8(r, 36))
		return bad("RSDP extended checksum");
	w->rsdt = get_le(r + 16, 4);
	w->xsdt = get_le(r + 24, 8);
	if (!table_ok(mem, size, w->rsdt, "RSDT", &rl) ||
	    !table_ok(mem, size, w->xsdt, "XSDT", &xl))
		return 0;
	n = (xl - 36) / 8;
	if ((rl - 36) / 4 != n || n != 2)
		return bad("RSDT has %u entries, XSDT %u, want 2", (rl - 36) / 4, n);
	for (i = 0; i < n; i++) {
		uint64_t a = get_le(mem + w->xsdt + 36 + 8 * i, 8);

		if (a != get_le(mem + w->rsdt + 36 + 4 * i, 4))
			return bad("RSDT and XSDT entry %u differ", i);
		if (a + 4 <= size && !memcmp(mem + a, "FACP", 4))
			w->fadt = a;
		else if (a + 4 <= size && !memcmp(mem + a, "APIC", 4))
			w->madt = a;
	}
	if (!table_ok(mem, size, w->fadt, "FACP", &w->fadt_len) ||
	    !table_ok(mem, size, w->madt, "APIC", &w->madt_len))
		return 0;
	w->dsdt = get_le(mem + w->fadt + 140, 8);
	w->facs = get_le(mem + w->fadt + 36, 4);
	if (w->dsdt != get_le(mem + w->fadt + 40, 4))
		return bad("FADT 32- and 64-bit DSDT pointers differ");
	if (get_le(mem + w->fadt + 132, 8))		/* X_FIRMWARE_CTRL */
		return bad("FADT has both FIRMWARE_CTRL and X_FIRMWARE_CTRL");
	if (!table_ok(mem, size, w->dsdt, "DSDT", &w->dsdt_len))
		return 0;
	if (w->facs & 63 || w->facs + 64 > size ||
	    memcmp(mem + w->facs, "FACS", 4) || get_le(mem + w->facs + 4, 4) != 64)
		return bad("FACS at 0x%llx bad", (unsigned long long)w->facs);
	return 1;
}

/* ------------------------------------------------------------------ */
/* SeaBIOS's table loader, written again from its documentation.        */
/* ------------------------------------------------------------------ */

struct fake_file {
	const char *name;
	const uint8_t *src;
	uint32_t len;
	uint64_t addr;		/* 0 until allocated */
	uint32_t align;
	uint8_t zone;
};

struct loader_stats {
	unsigned int alloc, pointer, checksum;
};

static struct fake_file *ff_find(struct fake_file *f, const uint8_t *name)
{
	int i;

	if (!memchr(name, 0, 56))
		return NULL;
	for (i = 0; i < 2; i++)
		if (!strcmp((const char *)name, f[i].name))
			return &f[i];
	return NULL;
}

/* FSEG allocations go up from 0xf0000, HIGH ones down from the top. */
static int fake_seabios(const uint8_t *script, uint32_t len,
			struct fake_file *f, uint8_t *mem, uint64_t size,
			struct loader_stats *st)
{
	uint64_t fseg = 0xf0000, high = size;
	uint32_t i;

	memset(st, 0, sizeof(*st));
	if (len % 128)
		return bad("script length %u", len);
	for (i = 0; i < len; i += 128) {
		const uint8_t *c = script + i;
		struct fake_file *d, *s;
		uint32_t off, start, n, k;
		uint64_t v;

		switch (get_le(c, 4)) {
		case 1:
			d = ff_find(f, c + 4);
			if (!d || d->addr)
				return bad("ALLOCATE of unknown or allocated file");
			d->align = get_le(c + 60, 4);
			d->zone = c[64];
			for (k = 65; k < 128; k++)
				if (c[k])
					return bad("ALLOCATE: padding not zero");
			if (!d->align || d->align & (d->align - 1))
				return bad("ALLOCATE align %u", d->align);
			if (d->zone == 2) {
				fseg = (fseg + d->align - 1) & ~(uint64_t)(d->align - 1);
				d->addr = fseg;
				fseg += d->len;
			} else if (d->zone == 1) {
				high = (high - d->len) & ~(uint64_t)(d->align - 1);
				d->addr = high;
			} else {
				return bad("ALLOCATE zone %u", d->zone);
			}
			memcpy(mem + d->addr, d->src, d->len);
			st->alloc++;
			break;
		case 2:
			d = ff_find(f, c + 4);
			s = ff_find(f, c + 60);
			off = get_le(c + 116, 4);
			n = c[120];
			if (!d || !s || !d->addr || !s->addr)
				return bad("ADD_POINTER before ALLOCATE");
			if ((n != 4 && n != 8) || off + n > d->len)
				return bad("ADD_POINTER size %u offset %u", n, off);
			v = get_le(mem + d->addr + off, n);
			if (v >= s->len)
				return bad("ADD_POINTER: offset 0x%llx outside %s",
					   (unsigned long long)v, s->name);
			put_le(mem + d->addr + off, v + s->addr, n);
			st->pointer++;
			break;
		case 3:
			d = ff_find(f, c + 4);
			off = get_le(c + 60, 4);
			start = get_le(c + 64, 4);
			n = get_le(c + 68, 4);
			if (!d || !d->addr || start + n > d->len ||
			    off < start || off >= start + n)
				return bad("ADD_CHECKSUM range");
			mem[d->addr + off] -= sum8(mem + d->addr + start, n);
			st->checksum++;
			break;
		default:
			return bad("unknown command %u", (unsigned int)get_le(c, 4));
		}
	}
	return 1;
}

/* ------------------------------------------------------------------ */
/* ACPI                                                                 */
/* ------------------------------------------------------------------ */

/* The blob as built, with pointers as offsets: an OS walk with base 0. */
static int walk_built(const struct acpi_tables *t, struct walk *w,
		      uint8_t **memp)
{
	/* Tables at 0 (they hold offsets), RSDP after them. */
	uint64_t rsdp = (t->tables_len + 15) & ~15u;
	uint8_t *mem = calloc(1, rsdp + t->rsdp_len);
	int ok;

	memcpy(mem, t->tables, t->tables_len);
	memcpy(mem + rsdp, t->rsdp, t->rsdp_len);
	ok = os_walk(mem, rsdp + t->rsdp_len, rsdp, w);
	*memp = mem;
	return ok;
}

static void count_madt(const uint8_t *m, uint32_t len, unsigned int cnt[8],
		       unsigned int *ioapic_id)
{
	uint32_t o = 44;

	memset(cnt, 0, 8 * sizeof(cnt[0]));
	while (o + 2 <= len && m[o + 1] >= 2 && o + m[o + 1] <= len) {
		if (m[o] < 8)
			cnt[m[o]]++;
		if (m[o] == 1)
			*ioapic_id = m[o + 2];
		o += m[o + 1];
	}
	if (o != len)
		cnt[7] = 99;	/* trailing garbage */
}

static int madt_ok(const uint8_t *m, uint32_t len, unsigned int n_cpus)
{
	unsigned int cnt[8], ioapic_id = ~0u, i;
	uint32_t o = 44;

	count_madt(m, len, cnt, &ioapic_id);
	if (get_le(m + 36, 4) != 0xfee00000 || get_le(m + 40, 4) != 1)
		return bad("MADT LAPIC address/flags");
	if (cnt[0] != n_cpus || cnt[1] != 1 || cnt[2] != 2 || cnt[4] != 1 ||
	    cnt[3] || cnt[5] || cnt[6] || cnt[7])
		return bad("MADT entries: %u LAPIC, %u IOAPIC, %u ISO, %u NMI",
			   cnt[0], cnt[1], cnt[2], cnt[4]);
	if (ioapic_id != n_cpus)
		return bad("IOAPIC id %u", ioapic_id);
	for (i = 0; o < len; o += m[o + 1]) {
		const uint8_t *e = m + o;

		switch (e[0]) {
		case 0:
			if (e[1] != 8 || e[2] != i || e[3] != i ||
			    get_le(e + 4, 4) != 1)
				return bad("LAPIC entry %u", i);
			i++;
			break;
		case 1:
			if (e[1] != 12 || get_le(e + 4, 4) != 0xfec00000 ||
			    get_le(e + 8, 4))
				return bad("IOAPIC entry");
			break;
		case 2:
			if (e[1] != 10 || e[2] ||
			    !((e[3] == 0 && get_le(e + 4, 4) == 2 && !get_le(e + 8, 2)) ||
			      (e[3] == 9 && get_le(e + 4, 4) == 9 &&
			       get_le(e + 8, 2) == 0xd)))
				return bad("ISO entry irq %u", e[3]);
			break;
		case 4:
			if (e[1] != 6 || e[2] != 0xff || get_le(e + 3, 2) || e[5] != 1)
				return bad("LAPIC NMI entry");
			break;
		}
	}
	return 1;
}

static int gas_ok(const uint8_t *g, uint8_t bits, uint64_t addr)
{
	return g[0] == 1 && g[1] == bits && g[2] == 0 && get_le(g + 4, 8) == addr;
}

static int fadt_ok(const uint8_t *f, uint32_t len)
{
	const uint32_t b = ACPI_PM_BASE_DEFAULT;
	uint32_t flags = get_le(f + 112, 4);

	if (len != 244 || f[8] != 3)
		return bad("FADT length %u revision %u", len, f[8]);
	if (get_le(f + 46, 2) != ACPI_PM_SCI_IRQ ||
	    get_le(f + 48, 4) != b + ACPI_PM_SMI_CMD ||
	    f[52] != ACPI_PM_ENABLE || f[53] != ACPI_PM_DISABLE)
		return bad("FADT SCI/SMI_CMD");
	if (get_le(f + 56, 4) != b + ACPI_PM_PM1_STS || get_le(f + 60, 4) ||
	    get_le(f + 64, 4) != b + ACPI_PM_PM1_CNT || get_le(f + 68, 4) ||
	    get_le(f + 72, 4) || get_le(f + 76, 4) != b + ACPI_PM_TMR ||
	    get_le(f + 80, 4) != b + ACPI_PM_GPE0_STS || get_le(f + 84, 4))
		return bad("FADT blocks");
	if (f[88] != ACPI_PM_PM1_EVT_LEN || f[89] != ACPI_PM_PM1_CNT_LEN ||
	    f[90] || f[91] != ACPI_PM_TMR_LEN ||
	    f[92] != ACPI_PM_GPE0_BLK_LEN || f[93])
		return bad("FADT block lengths");
	if (flags != (1u | 4u | 0x20u | 0x100u | 0x400u))
		return bad("FADT flags 0x%x", flags);
	if (get_le(f + 109, 2) != 3)
		return bad("FADT IAPC_BOOT_ARCH");
	if (!gas_ok(f + 116, 8, b + ACPI_PM_RESET_REG) || f[119] != 1 ||
	    f[128] != ACPI_PM_RESET_VALUE)
		return bad("FADT RESET_REG");
	if (!gas_ok(f + 148, 8 * ACPI_PM_PM1_EVT_LEN, b + ACPI_PM_PM1_STS) ||
	    !gas_ok(f + 172, 8 * ACPI_PM_PM1_CNT_LEN, b + ACPI_PM_PM1_CNT) ||
	    !gas_ok(f + 208, 8 * ACPI_PM_TMR_LEN, b + ACPI_PM_TMR) ||
	    !gas_ok(f + 220, 8 * ACPI_PM_GPE0_BLK_LEN, b + ACPI_PM_GPE0_STS) ||
	    get_le(f + 160, 8) || get_le(f + 184, 8) || get_le(f + 196, 8) ||
	    get_le(f + 232, 8))
		return bad("FADT X_ blocks");
	return 1;
}

static int has_bytes(const uint8_t *p, uint32_t len, const char *s)
{
	size_t n = strlen(s);

	return len >= n && memmem(p, len, s, n) != NULL;
}

/* Disassemble each table with iasl -d; all must succeed. */
static int iasl_ok(const uint8_t *mem, const struct walk *w)
{
	const struct { const char *name; uint64_t addr; uint32_t len; } tab[] = {
		{ "dsdt", w->dsdt, w->dsdt_len },
		{ "facp", w->fadt, w->fadt_len },
		{ "apic", w->madt, w->madt_len },
		{ "rsdt", w->rsdt, (uint32_t)get_le(mem + w->rsdt + 4, 4) },
		{ "xsdt", w->xsdt, (uint32_t)get_le(mem + w->xsdt + 4, 4) },
		{ "facs", w->facs, 64 },
	};
	char dir[] = "/tmp/test_pc.XXXXXX", cmd[512];
	unsigned int i;
	int ok = 1;

	if (!mkdtemp(dir))
		return bad("mkdtemp");
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]) && ok; i++) {
		FILE *fp;

		snprintf(cmd, sizeof(cmd), "%s/%s.dat", dir, tab[i].name);
		fp = fopen(cmd, "wb");
		if (!fp || fwrite(mem + tab[i].addr, 1, tab[i].len, fp) !=
		    tab[i].len) {
			ok = bad("writing %s", cmd);
			if (fp)
				fclose(fp);
			break;
		}
		fclose(fp);
		snprintf(cmd, sizeof(cmd),
			 "cd %s && iasl -d %s.dat >%s.log 2>&1 && test -s %s.dsl",
			 dir, tab[i].name, tab[i].name, tab[i].name);
		if (system(cmd))
			ok = bad("iasl -d %s failed (see %s)", tab[i].name, dir);
	}
	if (ok) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd))
			return bad("rm");
	}
	return ok;
}

static void test_acpi(void)
{
	struct acpi_config c1 = { .n_cpus = 1 }, c4 = { .n_cpus = 4 };
	struct acpi_tables t, t4;
	struct fake_file ff[2];
	struct loader_stats st;
	struct walk w;
	uint8_t *mem, *ram;
	uint64_t ram_size = 1 << 20, rsdp_gpa = 0x9a000 + 0x5000 - 64;
	unsigned int i, names_ok = 1;
	int ok;

	CHECK(!acpi_build(&c1, &t), "acpi: build, 1 vCPU");
	CHECK(!acpi_build(&c4, &t4), "acpi: build, 4 vCPUs");
	{
		struct acpi_config c0 = { .n_cpus = 0 }, cbig = { .n_cpus = 255 };
		struct acpi_tables tx;

		CHECK(acpi_build(&c0, &tx) && acpi_build(&cbig, &tx),
		      "acpi: 0 or 255 vCPUs refused");
	}

	/* As built: pointers are offsets, checksums already valid for them. */
	ok = walk_built(&t, &w, &mem);
	result(ok, "acpi: blob walks as tables at 0 (signatures, lengths, checksums)");
	if (ok) {
		CHECK(w.facs == 0 && w.dsdt == 64, "acpi: FACS first, DSDT after it");
		result(fadt_ok(mem + w.fadt, w.fadt_len),
		       "acpi: FADT fields match acpi_pm.h");
		result(madt_ok(mem + w.madt, w.madt_len, 1),
		       "acpi: MADT for 1 vCPU (1 LAPIC, IOAPIC id 1, 2 ISOs, NMI)");
		CHECK(has_bytes(mem + w.dsdt, w.dsdt_len, "PCI0") &&
		      has_bytes(mem + w.dsdt, w.dsdt_len, "_S5_") &&
		      has_bytes(mem + w.dsdt, w.dsdt_len, "COM1"),
		      "acpi: DSDT has PCI0, COM1 and _S5_");
		{
			/* Name (_S5, Package (4) { S5, S5, 0, 0 }) in AML */
			const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12,
				0x08, 0x04, 0x0a, ACPI_PM_SLP_TYP_S5, 0x0a,
				ACPI_PM_SLP_TYP_S5, 0x00, 0x00 };

			CHECK(memmem(mem + w.dsdt, w.dsdt_len, s5, sizeof(s5)),
			      "acpi: DSDT \\_S5 is ACPI_PM_SLP_TYP_S5");
		}
		CHECK(!memcmp(t.rsdp + 9, "VMMHV ", 6) &&
		      !memcmp(mem + w.fadt + 10, "VMMHV ", 6),
		      "acpi: OEM id VMMHV");
	}
	free(mem);
	ok = walk_built(&t4, &w, &mem);
	result(ok && madt_ok(mem + w.madt, w.madt_len, 4),
	       "acpi: MADT for 4 vCPUs (4 LAPICs, IOAPIC id 4)");
	free(mem);

	/* The script's encoding. */
	for (i = 0; i < t.loader_len; i += 128) {
		const uint8_t *c = t.loader + i;

		if (!memchr(c + 4, 0, 56) ||
		    (get_le(c, 4) == 2 && !memchr(c + 60, 0, 56)))
			names_ok = 0;
	}
	CHECK(t.loader_len == 18 * 128 && names_ok &&
	      get_le(t.loader, 4) == 1 &&
	      !strcmp((const char *)t.loader + 4, ACPI_FILE_RSDP) &&
	      get_le(t.loader + 60, 4) == 16 && t.loader[64] == 2 &&
	      get_le(t.loader + 128, 4) == 1 &&
	      !strcmp((const char *)t.loader + 132, ACPI_FILE_TABLES) &&
	      get_le(t.loader + 188, 4) == 64 && t.loader[192] == 1,
	      "acpi: loader starts with ALLOCATE rsdp (16, FSEG), tables (64, HIGH)");

	/* Run it as SeaBIOS would, in a fake 16 MiB guest. */
	{
		uint64_t size = 16 << 20;
		uint8_t *g = calloc(1, size);

		ff[0] = (struct fake_file){ ACPI_FILE_RSDP, t.rsdp, t.rsdp_len, 0, 0, 0 };
		ff[1] = (struct fake_file){ ACPI_FILE_TABLES, t.tables, t.tables_len, 0, 0, 0 };
		ok = fake_seabios(t.loader, t.loader_len, ff, g, size, &st);
		result(ok && st.alloc == 2 && st.pointer == 9 && st.checksum == 7,
		       "acpi: SeaBIOS-style loader runs (2 ALLOCATE, 9 ADD_POINTER, 7 ADD_CHECKSUM)");
		ok = ok && os_walk(g, size, ff[0].addr, &w);
		result(ok, "acpi: after the loader: RSDP -> XSDT/RSDT -> FADT -> DSDT/FACS, checksums");
		result(ok && w.facs >= ff[1].addr && w.xsdt < ff[1].addr + ff[1].len &&
		       ff[0].addr >= 0xf0000 && ff[0].addr < 0x100000 &&
		       fadt_ok(g + w.fadt, w.fadt_len) &&
		       madt_ok(g + w.madt, w.madt_len, 1),
		       "acpi: after the loader: tables in the HIGH allocation, RSDP in FSEG");
		free(g);
	}

	/* acpi_place, as pc.c calls it. */
	ram = calloc(1, ram_size);
	CHECK(!acpi_place(&t, ram, ram_size, 0x9a000, rsdp_gpa),
	      "acpi: place at 0x9a000, RSDP at 0x%llx", (unsigned long long)rsdp_gpa);
	ok = os_walk(ram, ram_size, rsdp_gpa, &w);
	result(ok && w.facs == 0x9a000 && w.xsdt < rsdp_gpa &&
	       fadt_ok(ram + w.fadt, w.fadt_len) &&
	       madt_ok(ram + w.madt, w.madt_len, 1),
	       "acpi: placed tables walk (absolute pointers, checksums)");
	{
		/* The RSDP copied elsewhere (pc.c: to 0xf0000) stays valid. */
		memcpy(ram + 0xf0000, ram + rsdp_gpa, 36);
		result(os_walk(ram, ram_size, 0xf0000, &w),
		       "acpi: RSDP copied to 0xf0000 still walks");
	}
	if (system("command -v iasl >/dev/null 2>&1"))
		skip("acpi: iasl -d disassembles every placed table",
		     "iasl not installed");
	else
		result(ok && iasl_ok(ram, &w),
		       "acpi: iasl -d disassembles every placed table");
	CHECK(acpi_place(&t, ram, ram_size, 0x9a000, 0x9a000 + 0x100) &&
	      acpi_place(&t, ram, ram_size, 0x9a010, rsdp_gpa) &&
	      acpi_place(&t, ram, ram_size, 0x9a000, rsdp_gpa + 8) &&
	      acpi_place(&t, ram, 0x9f000, 0x9a000, 0x9f000 - 16) &&
	      acpi_place(&t, ram, ram_size, 0x9a000, 0x9a000 - 16),
	      "acpi: place refuses too small a range, misalignment, RSDP outside RAM");
	free(ram);
	acpi_free(&t);
	acpi_free(&t4);
}

/* ------------------------------------------------------------------ */
/* e820                                                                 */
/* ------------------------------------------------------------------ */

static int e820_ok(const struct e820_map *m, const struct e820_layout *lay)
{
	uint64_t ram = 0, want = lay->low_ram + lay->high_ram, acpi = 0;
	uint8_t buf[E820_MAX_ENTRIES * 20];
	unsigned int i;
	int has_ebda = 0, has_bios = 0, has_rom = 0;

	for (i = 0; i < m->n; i++) {
		const struct e820_entry *e = &m->e[i];

		if (!e->size)
			return bad("entry %u empty", i);
		if (i && m->e[i - 1].addr + m->e[i - 1].size > e->addr)
			return bad("entry %u overlaps or is out of order", i);
		if (e->type == 1)
			ram += e->size;
		else if (e->type == 3)
			acpi += e->size;
		else if (e->type != 2)
			return bad("entry %u type %u", i, e->type);
		if (e->type == 1 && e->addr < 0x100000 && e->addr + e->size > 0x9fc00)
			return bad("RAM over the EBDA");
		if (e->type == 1 && e->addr < (1ULL << 32) &&
		    e->addr + e->size > lay->low_ram)
			return bad("RAM beyond low_ram");
		has_ebda |= e->type == 2 && e->addr == 0x9fc00 && e->size == 0x400;
		has_bios |= e->type == 2 && e->addr == 0xf0000 && e->size == 0x10000;
		has_rom |= e->type == 2 && e->addr == 0xfffc0000 &&
			   e->size == 0x40000;
	}
	if (!has_ebda || !has_bios || !has_rom)
		return bad("missing reserved EBDA/BIOS/ROM entry");
	if (acpi != lay->acpi_size)
		return bad("ACPI range 0x%llx", (unsigned long long)acpi);
	/* RAM lost: the EBDA and 0xa0000-0x100000. */
	if (ram + acpi + (0x100000 - 0x9fc00) != want)
		return bad("RAM total 0x%llx for 0x%llx", (unsigned long long)ram,
			   (unsigned long long)want);
	if (e820_to_fw_cfg(m, buf, sizeof(buf)) != m->n * 20)
		return bad("fw_cfg size");
	for (i = 0; i < m->n; i++)
		if (get_le(buf + 20 * i, 8) != m->e[i].addr ||
		    get_le(buf + 20 * i + 8, 8) != m->e[i].size ||
		    get_le(buf + 20 * i + 16, 4) != m->e[i].type)
			return bad("fw_cfg entry %u", i);
	if (e820_to_fw_cfg(m, buf, 30) != 20)
		return bad("fw_cfg short buffer");
	return 1;
}

static void test_e820(void)
{
	static const struct {
		const char *name;
		struct e820_layout lay;
	} cases[] = {
		{ "256M, firmware", { 256 << 20, 0, 0, 0 } },
		{ "256M, direct boot", { 256 << 20, 0, 0x9a000, 0x5000 } },
		{ "3G + 5G, direct boot", { 0xc0000000, 5ULL << 30, 0x9a000, 0x5000 } },
		{ "2M, ACPI above 1M", { 2 << 20, 0, 0x100000, 0x1000 } },
		{ "1M, firmware", { 1 << 20, 0, 0, 0 } },
	};
	struct e820_map m;
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		e820_build(&cases[i].lay, &m);
		result(e820_ok(&m, &cases[i].lay),
		       "e820: %s: sorted, non-overlapping, totals", cases[i].name);
	}
	e820_build(&cases[1].lay, &m);
	CHECK(m.n == 7 && m.e[0].addr == 0 && m.e[0].size == 0x9a000 &&
	      m.e[1].addr == 0x9a000 && m.e[1].type == 3 &&
	      m.e[2].addr == 0x9f000 && m.e[2].size == 0xc00 &&
	      m.e[5].addr == 0x100000 && m.e[5].size == (256 << 20) - 0x100000 &&
	      m.e[6].addr == 0xfffc0000,
	      "e820: direct boot splits the first RAM entry around the ACPI range");
}

/* ------------------------------------------------------------------ */
/* bzImage                                                              */
/* ------------------------------------------------------------------ */

#define SETUP_SECTS	4
#define KERNEL_LEN	(64 << 10)
#define IMG_LEN		((SETUP_SECTS + 1) * 512 + KERNEL_LEN)
#define RAM_SIZE	(64ULL << 20)
#define PREF		0x1000000
#define INIT_SIZE	0x800000

static void make_image(uint8_t *img)
{
	unsigned int i;

	memset(img, 0, IMG_LEN);
	img[0x1f1] = SETUP_SECTS;
	put_le(img + 0x1fe, 0xaa55, 2);
	img[0x200] = 0xeb;
	img[0x201] = 0x6a;			/* header ends at 0x26c */
	memcpy(img + 0x202, "HdrS", 4);
	put_le(img + 0x206, 0x20f, 2);
	img[0x211] = 0x01;			/* LOADED_HIGH */
	put_le(img + 0x214, 0x100000, 4);
	put_le(img + 0x22c, 0x7fffffff, 4);	/* initrd_addr_max */
	put_le(img + 0x230, 0x200000, 4);	/* kernel_alignment */
	img[0x234] = 1;				/* relocatable */
	put_le(img + 0x238, 2047, 4);		/* cmdline_size */
	put_le(img + 0x258, PREF, 8);
	put_le(img + 0x260, INIT_SIZE, 4);
	put_le(img + 0x268, 0x1234, 4);		/* inside the header */
	for (i = 0; i < KERNEL_LEN; i++)
		img[(SETUP_SECTS + 1) * 512 + i] = i * 7 + 3;
}

static struct e820_map direct_map(uint64_t low)
{
	struct e820_layout lay = { low, 0, 0x9a000, 0x5000 };
	struct e820_map m;

	e820_build(&lay, &m);
	return m;
}

static int load(const uint8_t *img, size_t len, const uint8_t *initrd,
		size_t ilen, const char *cmdline, uint8_t *ram, uint64_t size,
		struct vmm_regs *regs, struct vmm_sregs *sregs, char *err,
		size_t errlen)
{
	struct e820_map m = direct_map(size);

	memset(regs, 0x5a, sizeof(*regs));
	memset(sregs, 0, sizeof(*sregs));
	err[0] = 0;
	return bzimage_load(img, len, initrd, ilen, cmdline, &m, 0xf0000, ram,
			    size, regs, sregs, err, errlen);
}

static int sregs_ok(const struct vmm_sregs *s, const uint8_t *ram)
{
	const uint32_t flat = VMM_SEG_S | VMM_SEG_P | VMM_SEG_DB | VMM_SEG_G;
	const struct vmm_segment *d[] = { &s->ds, &s->es, &s->fs, &s->gs, &s->ss };
	unsigned int i;

	if (s->cs.selector != 0x10 || s->cs.base || s->cs.limit != 0xffffffff ||
	    s->cs.attr != (0xb | flat))
		return bad("cs");
	for (i = 0; i < 5; i++)
		if (d[i]->selector != 0x18 || d[i]->base ||
		    d[i]->limit != 0xffffffff || d[i]->attr != (0x3 | flat))
			return bad("data segment %u", i);
	if (s->tr.selector != 0x20 || s->tr.base != 0x600 ||
	    s->tr.limit != 0x67 || s->tr.attr != (0xb | VMM_SEG_P))
		return bad("tr");
	if (s->ldtr.attr & ~VMM_SEG_ATTR_VALID || s->ldtr.selector)
		return bad("ldtr");
	if (s->gdt.base != 0x500 || s->gdt.limit != 0x27 || s->idt.base ||
	    s->idt.limit)
		return bad("gdt/idt");
	if (s->cr0 != 0x11 || s->cr3 || s->cr4 || s->efer)
		return bad("control registers");
	if (get_le(ram + 0x500, 8) || get_le(ram + 0x508, 8) ||
	    get_le(ram + 0x510, 8) != 0x00cf9b000000ffffULL ||
	    get_le(ram + 0x518, 8) != 0x00cf93000000ffffULL ||
	    get_le(ram + 0x520, 8) != 0x00008b0006000067ULL)
		return bad("GDT contents 0x%llx",
			   (unsigned long long)get_le(ram + 0x520, 8));
	return 1;
}

static int zero_page_ok(const uint8_t *ram, uint64_t load_addr,
			const char *cmdline, const uint8_t *initrd, size_t ilen,
			uint64_t size)
{
	const uint8_t *zp = ram + 0x7000;
	struct e820_map m = direct_map(size);
	uint64_t rd = get_le(zp + 0x218, 4) | get_le(zp + 0xc0, 4) << 32;
	unsigned int i;

	if (memcmp(zp + 0x202, "HdrS", 4) || get_le(zp + 0x268, 4) != 0x1234 ||
	    zp[0x1f1] != SETUP_SECTS || get_le(zp + 0x206, 2) != 0x20f)
		return bad("setup header not copied");
	if (get_le(zp + 0x26c, 4) || get_le(zp, 8))
		return bad("zero page not zero outside the header");
	if (zp[0x210] != 0xff || zp[0x211] != 0x81 ||
	    get_le(zp + 0x224, 2) != 0xfe00 || get_le(zp + 0x1fa, 2) != 0xffff)
		return bad("loader fields");
	if (get_le(zp + 0x228, 4) != 0x20000 ||
	    strcmp((const char *)ram + 0x20000, cmdline))
		return bad("command line");
	if (get_le(zp + 0x70, 8) != 0xf0000)
		return bad("acpi_rsdp_addr");
	if (get_le(zp + 0x21c, 4) != ilen || get_le(zp + 0xc4, 4))
		return bad("ramdisk_size");
	if (ilen) {
		if (rd & 0xfff || rd < load_addr + INIT_SIZE ||
		    rd + ilen > size || rd + ilen + 4096 <= size ||
		    memcmp(ram + rd, initrd, ilen))
			return bad("initrd at 0x%llx", (unsigned long long)rd);
	} else if (rd) {
		return bad("ramdisk_image without initrd");
	}
	if (zp[0x1e8] != m.n)
		return bad("e820_entries %u", zp[0x1e8]);
	for (i = 0; i < m.n; i++)
		if (get_le(zp + 0x2d0 + 20 * i, 8) != m.e[i].addr ||
		    get_le(zp + 0x2d0 + 20 * i + 8, 8) != m.e[i].size ||
		    get_le(zp + 0x2d0 + 20 * i + 16, 4) != m.e[i].type)
			return bad("e820 entry %u", i);
	return 1;
}

static int rejects(const uint8_t *img, size_t len, const uint8_t *initrd,
		   size_t ilen, const char *cmdline, uint8_t *ram,
		   uint64_t size, const char *want)
{
	struct vmm_regs regs;
	struct vmm_sregs sregs;
	char err[256];

	if (!load(img, len, initrd, ilen, cmdline, ram, size, &regs, &sregs,
		  err, sizeof(err)))
		return bad("accepted");
	printf("# rejected: %s\n", err);
	if (!strstr(err, want))
		return bad("message '%s' lacks '%s'", err, want);
	return 1;
}

static void test_real_kernel(uint8_t *ram)
{
	const char *desc = "bzimage: the host's /boot/vmlinuz-* loads";
	struct vmm_regs regs;
	struct vmm_sregs sregs;
	uint8_t *img = NULL;
	char err[256];
	glob_t g;
	FILE *fp = NULL;
	long len = 0;
	size_t i;

	if (glob("/boot/vmlinuz-*", 0, NULL, &g)) {
		skip(desc, "no /boot/vmlinuz-*");
		return;
	}
	for (i = 0; i < g.gl_pathc && !fp; i++)
		fp = fopen(g.gl_pathv[i], "rb");
	if (!fp) {
		globfree(&g);
		skip(desc, "not readable");
		return;
	}
	printf("# %s\n", g.gl_pathv[i - 1]);
	if (!fseek(fp, 0, SEEK_END) && (len = ftell(fp)) > 0 &&
	    !fseek(fp, 0, SEEK_SET) && (img = malloc(len)) &&
	    fread(img, 1, len, fp) == (size_t)len) {
		uint64_t pref = get_le(img + 0x258, 8);
		int r = load(img, len, NULL, 0, "console=ttyS0", ram,
			     256ULL << 20, &regs, &sregs, err, sizeof(err));

		if (r)
			printf("# %s\n", err);
		result(!r && regs.rip == pref && regs.rsi == 0x7000 &&
		       !memcmp(ram + pref, img + (img[0x1f1] + 1) * 512, 4096) &&
		       sregs_ok(&sregs, ram),
		       "%s (protocol 0x%x, entry 0x%llx)", desc,
		       (unsigned int)get_le(img + 0x206, 2),
		       (unsigned long long)regs.rip);
	} else {
		skip(desc, "cannot read it");
	}
	free(img);
	fclose(fp);
	globfree(&g);
}

static void test_bzimage(void)
{
	static uint8_t img[IMG_LEN], bad_img[IMG_LEN];
	uint8_t *ram = calloc(1, 256ULL << 20), *initrd = malloc(100000);
	struct vmm_regs regs;
	struct vmm_sregs sregs;
	char err[256], longcmd[3000];
	const char *cmd = "console=ttyS0 root=/dev/ram0";
	unsigned int i;
	int r, survived;

	for (i = 0; i < 100000; i++)
		initrd[i] = i ^ (i >> 8);
	make_image(img);
	r = load(img, IMG_LEN, initrd, 100000, cmd, ram, RAM_SIZE, &regs,
		 &sregs, err, sizeof(err));
	if (r)
		printf("# %s\n", err);
	CHECK(!r, "bzimage: synthetic image loads");
	CHECK(!memcmp(ram + PREF, img + (SETUP_SECTS + 1) * 512, KERNEL_LEN),
	      "bzimage: protected-mode kernel at pref_address");
	result(zero_page_ok(ram, PREF, cmd, initrd, 100000, RAM_SIZE),
	       "bzimage: zero page (header, loader fields, cmdline, initrd, e820, RSDP)");
	result(sregs_ok(&sregs, ram), "bzimage: GDT, TSS, segments, control registers");
	CHECK(regs.rip == PREF && regs.rsi == 0x7000 && regs.rflags == 2 &&
	      !regs.rax && !regs.rbx && !regs.rbp && !regs.rdi && !regs.rsp,
	      "bzimage: registers for the 32-bit entry");

	/* Not relocatable: 1 MiB. Odd pref_address: rounded to alignment. */
	memcpy(bad_img, img, IMG_LEN);
	bad_img[0x234] = 0;
	r = load(bad_img, IMG_LEN, NULL, 0, "", ram, RAM_SIZE, &regs, &sregs,
		 err, sizeof(err));
	CHECK(!r && regs.rip == 0x100000 && !get_le(ram + 0x7000 + 0x218, 4) &&
	      !memcmp(ram + 0x100000, img + 5 * 512, KERNEL_LEN),
	      "bzimage: non-relocatable kernel at 1 MiB, no initrd");
	memcpy(bad_img, img, IMG_LEN);
	put_le(bad_img + 0x258, 0x1234567, 8);
	r = load(bad_img, IMG_LEN, NULL, 0, "", ram, RAM_SIZE, &regs, &sregs,
		 err, sizeof(err));
	CHECK(!r && regs.rip == 0x1400000,
	      "bzimage: pref_address rounded up to kernel_alignment");
	/* protocol 2.10: no acpi_rsdp_addr; setup_sects 0 means 4 */
	memcpy(bad_img, img, IMG_LEN);
	put_le(bad_img + 0x206, 0x20a, 2);
	bad_img[0x1f1] = 0;
	r = load(bad_img, IMG_LEN, NULL, 0, "", ram, RAM_SIZE, &regs, &sregs,
		 err, sizeof(err));
	CHECK(!r && !get_le(ram + 0x7000 + 0x70, 8) &&
	      !memcmp(ram + PREF, img + 5 * 512, KERNEL_LEN),
	      "bzimage: protocol 2.10, setup_sects 0 read as 4");

	/* Hostile images */
	result(rejects(img, 0x200, NULL, 0, "", ram, RAM_SIZE, "truncated"),
	       "bzimage: truncated header refused");
	result(rejects(img, 5 * 512, NULL, 0, "", ram, RAM_SIZE, "truncated"),
	       "bzimage: no protected-mode kernel refused");
	memcpy(bad_img, img, IMG_LEN);
	bad_img[0x203] = 'X';
	result(rejects(bad_img, IMG_LEN, NULL, 0, "", ram, RAM_SIZE, "HdrS"),
	       "bzimage: bad magic refused");
	memcpy(bad_img, img, IMG_LEN);
	put_le(bad_img + 0x206, 0x209, 2);
	result(rejects(bad_img, IMG_LEN, NULL, 0, "", ram, RAM_SIZE, "too old"),
	       "bzimage: protocol 2.09 refused");
	memcpy(bad_img, img, IMG_LEN);
	bad_img[0x211] = 0;
	result(rejects(bad_img, IMG_LEN, NULL, 0, "", ram, RAM_SIZE, "loaded high"),
	       "bzimage: zImage (not LOADED_HIGH) refused");
	memcpy(bad_img, img, IMG_LEN);
	bad_img[0x1f1] = 200;
	result(rejects(bad_img, IMG_LEN, NULL, 0, "", ram, RAM_SIZE, "setup sectors"),
	       "bzimage: setup_sects beyond the file refused");
	memcpy(bad_img, img, IMG_LEN);
	bad_img[0x201] = 0x20;
	result(rejects(bad_img, IMG_LEN, NULL, 0, "", ram, RAM_SIZE, "setup header"),
	       "bzimage: setup header too short refused");
	memset(longcmd, 'a', sizeof(longcmd) - 1);
	longcmd[sizeof(longcmd) - 1] = 0;
	result(rejects(img, IMG_LEN, NULL, 0, longcmd, ram, RAM_SIZE, "too long"),
	       "bzimage: command line longer than cmdline_size refused");
	longcmd[2047] = 0;
	r = load(img, IMG_LEN, NULL, 0, longcmd, ram, RAM_SIZE, &regs, &sregs,
		 err, sizeof(err));
	CHECK(!r && strlen((char *)ram + 0x20000) == 2047,
	      "bzimage: command line of exactly cmdline_size accepted");
	result(rejects(img, IMG_LEN, ram, RAM_SIZE - PREF - INIT_SIZE + 1, "",
		       ram + (128 << 20), RAM_SIZE, "initrd"),
	       "bzimage: initrd too big refused");
	memcpy(bad_img, img, IMG_LEN);
	put_le(bad_img + 0x22c, PREF + INIT_SIZE + 0x1000, 4);
	result(rejects(bad_img, IMG_LEN, initrd, 100000, "", ram, RAM_SIZE, "initrd"),
	       "bzimage: initrd above initrd_addr_max refused");
	memcpy(bad_img, img, IMG_LEN);
	put_le(bad_img + 0x260, 0xffffffff, 4);
	result(rejects(bad_img, IMG_LEN, NULL, 0, "", ram, RAM_SIZE, "does not fit"),
	       "bzimage: init_size beyond RAM refused");
	memcpy(bad_img, img, IMG_LEN);
	put_le(bad_img + 0x258, 0xfffffffffffff000ULL, 8);
	result(rejects(bad_img, IMG_LEN, NULL, 0, "", ram, RAM_SIZE, "does not fit"),
	       "bzimage: pref_address near 2^64 refused");

	/* Every truncation of the image: refused or loaded, never a crash. */
	survived = 1;
	for (i = 0; i < IMG_LEN && survived; i += (i < 0x400 ? 1 : 509)) {
		r = load(img, i, NULL, 0, "", ram, RAM_SIZE, &regs, &sregs,
			 err, sizeof(err));
		if (r ? !err[0] : i <= 5 * 512)
			survived = bad("length %u: r %d '%s'", i, r, err);
	}
	result(survived, "bzimage: every truncation refused with a message");

	test_real_kernel(ram);
	free(ram);
	free(initrd);
}

/* ------------------------------------------------------------------ */
/* --kernel: multiboot v1 and PVH (kernel.c)                           */
/* ------------------------------------------------------------------ */

#define KIMG_MAX	0x4000

/* A multiboot header at off: magic, flags, checksum, a.out fields. */
static void mb_header(uint8_t *p, uint32_t flags, uint32_t hdr, uint32_t load,
		      uint32_t load_end, uint32_t bss_end, uint32_t entry)
{
	put_le(p, MB_HEADER_MAGIC, 4);
	put_le(p + 4, flags, 4);
	put_le(p + 8, -(MB_HEADER_MAGIC + flags), 4);
	put_le(p + 12, hdr, 4);
	put_le(p + 16, load, 4);
	put_le(p + 20, load_end, 4);
	put_le(p + 24, bss_end, 4);
	put_le(p + 28, entry, 4);
}

/* An a.out-kludge kernel: header at 0x40, loads at 1 MiB, bss to +0x4000. */
static size_t make_aout(uint8_t *img)
{
	size_t i;

	for (i = 0; i < 0x2000; i++)
		img[i] = i * 7 + 1;
	mb_header(img + 0x40, 0x10003, 0x100040, 0x100000, 0, 0x104000,
		  0x100080);
	return 0x2000;
}

/* ELF header (class 32 or 64, x86) with phnum headers right after it. */
static size_t elf_header(uint8_t *img, int c64, uint64_t entry,
			 unsigned int phnum)
{
	unsigned int eh = c64 ? 64 : 52, ph = c64 ? 56 : 32;

	memset(img, 0, KIMG_MAX);
	memcpy(img, "\177ELF", 4);
	img[4] = c64 ? 2 : 1;
	img[5] = 1;
	img[6] = 1;
	put_le(img + 16, 2, 2);
	put_le(img + 18, c64 ? 62 : 3, 2);
	put_le(img + 20, 1, 4);
	if (c64) {
		put_le(img + 24, entry, 8);
		put_le(img + 32, eh, 8);
		put_le(img + 52, eh, 2);
		put_le(img + 54, ph, 2);
		put_le(img + 56, phnum, 2);
	} else {
		put_le(img + 24, entry, 4);
		put_le(img + 28, eh, 4);
		put_le(img + 40, eh, 2);
		put_le(img + 42, ph, 2);
		put_le(img + 44, phnum, 2);
	}
	return eh;
}

static void elf_phdr(uint8_t *img, int c64, unsigned int i, uint32_t type,
		     uint64_t off, uint64_t vaddr, uint64_t paddr,
		     uint64_t filesz, uint64_t memsz)
{
	uint8_t *p = img + (c64 ? 64 + 56 * i : 52 + 32 * i);

	put_le(p, type, 4);
	if (c64) {
		put_le(p + 8, off, 8);
		put_le(p + 16, vaddr, 8);
		put_le(p + 24, paddr, 8);
		put_le(p + 32, filesz, 8);
		put_le(p + 40, memsz, 8);
	} else {
		put_le(p + 4, off, 4);
		put_le(p + 8, vaddr, 4);
		put_le(p + 12, paddr, 4);
		put_le(p + 16, filesz, 4);
		put_le(p + 20, memsz, 4);
	}
}

/* A 32-bit multiboot ELF: 0x1000 bytes from file 0x1000 at 2 MiB (+bss). */
static size_t make_mb_elf(uint8_t *img)
{
	size_t i;

	elf_header(img, 0, 0xc0200010, 1);
	elf_phdr(img, 0, 0, 1, 0x1000, 0xc0200000, 0x200000, 0x1000, 0x3000);
	mb_header(img + 0x100, 0x3, 0, 0, 0, 0, 0);
	for (i = 0x1000; i < 0x2000; i++)
		img[i] = i ^ 0x5a;
	return 0x2000;
}

/* A 64-bit PVH ELF: 16 MiB, entry from a Xen note of desc size 8. */
static size_t make_pvh(uint8_t *img, int c64)
{
	uint8_t *n = img + 0x200;
	size_t i;

	elf_header(img, c64, 0xffffffff81000000ULL, 2);
	elf_phdr(img, c64, 0, 1, 0x1000, 0xffffffff81000000ULL, 0x1000000,
		 0x2000, 0x5000);
	/* another note first, then Xen's */
	put_le(n, 4, 4);
	put_le(n + 4, 4, 4);
	put_le(n + 8, 1, 4);
	memcpy(n + 12, "GNU", 4);
	put_le(n + 16, 0x12345678, 4);
	n += 20;
	put_le(n, 4, 4);
	put_le(n + 4, c64 ? 8 : 4, 4);
	put_le(n + 8, XEN_ELFNOTE_PHYS32_ENTRY, 4);
	memcpy(n + 12, "Xen", 4);
	put_le(n + 16, 0x1000100, c64 ? 8 : 4);
	elf_phdr(img, c64, 1, 4, 0x200, 0, 0, 20 + 16 + (c64 ? 8 : 4),
		 20 + 16 + (c64 ? 8 : 4));
	for (i = 0x1000; i < 0x3000; i++)
		img[i] = i * 13;
	return 0x3000;
}

static int kload(int pvh, const uint8_t *img, size_t len, const char *cmd,
		 const struct boot_module *mods, unsigned int n, uint8_t *ram,
		 uint64_t size, struct vmm_regs *regs, struct vmm_sregs *sregs,
		 char *err, size_t errlen)
{
	struct e820_map m = direct_map(size);

	memset(regs, 0x5a, sizeof(*regs));
	memset(sregs, 0, sizeof(*sregs));
	err[0] = 0;
	if (pvh)
		return pvh_load(img, len, cmd, mods, n, &m, 0xf0000, ram, size,
				regs, sregs, err, errlen);
	return multiboot_load(img, len, cmd, mods, n, &m, ram, size, regs,
			      sregs, err, errlen);
}

static int krejects(int pvh, const uint8_t *img, size_t len,
		    const struct boot_module *mods, unsigned int n,
		    uint8_t *ram, uint64_t size, const char *want)
{
	struct vmm_regs regs;
	struct vmm_sregs sregs;
	char err[512];

	if (!kload(pvh, img, len, "", mods, n, ram, size, &regs, &sregs, err,
		   sizeof(err)))
		return bad("accepted");
	printf("# rejected: %s\n", err);
	if (!strstr(err, want))
		return bad("message '%s' lacks '%s'", err, want);
	return 1;
}

/* The multiboot information at regs->rbx against what was passed. */
static int mbi_ok(const uint8_t *ram, uint64_t size, uint32_t mbi,
		  const char *cmd, const struct boot_module *mods,
		  unsigned int n, uint64_t kend)
{
	struct e820_map m = direct_map(size);
	uint32_t flags = get_le(ram + mbi, 4), mods_at, mmap_at, at;
	unsigned int i;

	if (mbi < KB_INFO_GPA || mbi + 88 > KB_INFO_END)
		return bad("mbi at 0x%x", mbi);
	if (flags != (1 | 4 | 8 | 0x40 | 0x200))
		return bad("flags 0x%x", flags);
	if (get_le(ram + mbi + 4, 4) != 0x9a000 >> 10 ||
	    get_le(ram + mbi + 8, 4) != (size - (1 << 20)) >> 10)
		return bad("mem_lower %u mem_upper %u",
			   (unsigned int)get_le(ram + mbi + 4, 4),
			   (unsigned int)get_le(ram + mbi + 8, 4));
	if (strcmp((const char *)ram + get_le(ram + mbi + 16, 4), cmd))
		return bad("cmdline");
	if (strcmp((const char *)ram + get_le(ram + mbi + 64, 4), "vmmctl"))
		return bad("boot loader name");
	if (get_le(ram + mbi + 20, 4) != n)
		return bad("mods_count %u", (unsigned int)get_le(ram + mbi + 20, 4));
	mods_at = get_le(ram + mbi + 24, 4);
	at = (kend + 4095) & ~4095U;
	for (i = 0; i < n; i++) {
		const uint8_t *e = ram + mods_at + 16 * i;
		uint32_t s = get_le(e, 4), end = get_le(e + 4, 4);

		if (s != at || end - s != mods[i].len ||
		    memcmp(ram + s, mods[i].data, mods[i].len) ||
		    strcmp((const char *)ram + get_le(e + 8, 4), mods[i].cmdline))
			return bad("module %u at 0x%x-0x%x", i, s, end);
		at = (end + 4095) & ~4095U;
	}
	mmap_at = get_le(ram + mbi + 48, 4);
	if (get_le(ram + mbi + 44, 4) != 24 * m.n)
		return bad("mmap_length");
	for (i = 0; i < m.n; i++) {
		const uint8_t *e = ram + mmap_at + 24 * i;

		if (get_le(e, 4) != 20 || get_le(e + 4, 8) != m.e[i].addr ||
		    get_le(e + 12, 8) != m.e[i].size ||
		    get_le(e + 20, 4) != m.e[i].type)
			return bad("mmap entry %u", i);
	}
	return 1;
}

static void test_split_modules(void)
{
	char *cmd[4], *path[4], err[256];
	int n;

	n = kernel_split_modules("/a/mod1 x=1 y,/b/mod2 has,,comma", cmd, path,
				 4, err, sizeof(err));
	CHECK(n == 2 && !strcmp(cmd[0], "/a/mod1 x=1 y") &&
	      !strcmp(path[0], "/a/mod1") && !strcmp(cmd[1], "/b/mod2 has,comma") &&
	      !strcmp(path[1], "/b/mod2"),
	      "kernel: --initrd \"FILE ARGS,FILE ARGS\" split as QEMU (\",,\" a comma)");
	if (n > 0)
		kernel_free_modules(cmd, path, n);
	n = kernel_split_modules("one", cmd, path, 4, err, sizeof(err));
	CHECK(n == 1 && !strcmp(cmd[0], "one") && !strcmp(path[0], "one"),
	      "kernel: --initrd of one module without arguments");
	if (n > 0)
		kernel_free_modules(cmd, path, n);
	n = kernel_split_modules("a,,", cmd, path, 4, err, sizeof(err));
	CHECK(n == 1 && !strcmp(cmd[0], "a,"), "kernel: trailing \",,\" is a comma");
	if (n > 0)
		kernel_free_modules(cmd, path, n);
	CHECK(kernel_split_modules("a,", cmd, path, 4, err, sizeof(err)) < 0 &&
	      strstr(err, "no file name") &&
	      kernel_split_modules(",a", cmd, path, 4, err, sizeof(err)) < 0 &&
	      kernel_split_modules("a, b", cmd, path, 4, err, sizeof(err)) < 0 &&
	      kernel_split_modules("a,b,c,d,e", cmd, path, 4, err, sizeof(err)) < 0 &&
	      strstr(err, "more than 4"),
	      "kernel: empty module names and too many modules refused");
}

static void test_real_vmlinux(uint8_t *ram)
{
	const char *desc = "pvh: the test host's vmlinux (out/testhost/vmlinux-*) loads";
	struct vmm_regs regs;
	struct vmm_sregs sregs;
	uint8_t *img = NULL;
	char err[512];
	glob_t g;
	FILE *fp = NULL;
	long len = 0;
	int r;

	if (glob("../out/testhost/vmlinux-*", 0, NULL, &g)) {
		skip(desc, "none extracted yet (tests/host/qemu-amd.sh does)");
		return;
	}
	fp = fopen(g.gl_pathv[0], "rb");
	if (fp && !fseek(fp, 0, SEEK_END) && (len = ftell(fp)) > 0 &&
	    !fseek(fp, 0, SEEK_SET) && (img = malloc(len)) &&
	    fread(img, 1, len, fp) == (size_t)len) {
		r = kload(1, img, len, "console=ttyS0", NULL, 0, ram,
			  256ULL << 20, &regs, &sregs, err, sizeof(err));
		if (r)
			printf("# %s\n", err);
		result(!r && kernel_probe(img, len) == KERNEL_ELF &&
		       get_le(ram + regs.rbx, 4) == PVH_START_MAGIC,
		       "%s (entry 0x%llx)", desc, (unsigned long long)regs.rip);
	} else {
		skip(desc, "cannot read it");
	}
	free(img);
	if (fp)
		fclose(fp);
	globfree(&g);
}

static void test_kernel(void)
{
	static uint8_t img[KIMG_MAX], bad_img[KIMG_MAX], bz[IMG_LEN];
	uint8_t *ram = calloc(1, 256ULL << 20);
	static uint8_t m1[5000], m2[777];
	const struct boot_module mods[2] = {
		{ m1, sizeof(m1), "/mods/one arg=1" },
		{ m2, sizeof(m2), "/mods/two" },
	};
	struct boot_module big[1] = { { ram, RAM_SIZE - 0x100000, "big" } };
	const char *cmd = "/boot/kernel.elf console=ttyS0 debug";
	struct vmm_regs regs;
	struct vmm_sregs sregs;
	char err[512], *longcmd;
	size_t len, i;
	uint64_t si, mm;
	int r, survived;

	for (i = 0; i < sizeof(m1); i++)
		m1[i] = i * 3;
	memset(m2, 0x77, sizeof(m2));

	/* What a file is */
	make_image(bz);
	len = make_aout(img);
	CHECK(kernel_probe(bz, IMG_LEN) == KERNEL_BZIMAGE &&
	      kernel_probe(img, len) == KERNEL_MULTIBOOT &&
	      kernel_probe(img, 0x40 + 8) == KERNEL_UNKNOWN &&
	      kernel_probe((const uint8_t *)"\177ELF", 4) == KERNEL_ELF &&
	      kernel_probe((const uint8_t *)"hello world", 11) == KERNEL_UNKNOWN,
	      "kernel: bzImage, multiboot, ELF and unknown files told apart");
	memcpy(bad_img, img, len);
	bad_img[0x48] ^= 1;		/* checksum */
	CHECK(kernel_probe(bad_img, len) == KERNEL_UNKNOWN,
	      "kernel: a multiboot magic with a bad checksum is no header");
	memset(bad_img, 0, KIMG_MAX);
	mb_header(bad_img + 8192, 0x10003, 0, 0, 0, 0, 0);
	CHECK(kernel_probe(bad_img, KIMG_MAX) == KERNEL_UNKNOWN,
	      "kernel: a multiboot header past the first 8 KiB is not seen");

	/* Multiboot, a.out kludge */
	memset(ram, 0xaa, 32 << 20);
	r = kload(0, img, len, cmd, mods, 2, ram, RAM_SIZE, &regs, &sregs,
		  err, sizeof(err));
	if (r)
		printf("# %s\n", err);
	CHECK(!r && regs.rip == 0x100080 && regs.rax == MB_BOOT_MAGIC &&
	      !regs.rsi && regs.rflags == 2 && !memcmp(ram + 0x100000, img, len) &&
	      ram[0x100000 + len] == 0 && ram[0x103fff] == 0,
	      "multiboot: a.out kludge kernel loaded (image, bss, EAX, EIP)");
	result(!r && mbi_ok(ram, RAM_SIZE, regs.rbx, cmd, mods, 2, 0x104000),
	       "multiboot: information (memory, map, command line, 2 modules, loader name)");
	CHECK(!r && sregs.cr0 == 0x11 && sregs.cs.base == 0 &&
	      sregs.cs.limit == 0xffffffff && sregs.ds.limit == 0xffffffff,
	      "multiboot: 32-bit flat protected mode, paging off");

	/* Multiboot, ELF: entry given as a virtual address */
	len = make_mb_elf(img);
	memset(ram + 0x200000, 0xaa, 0x4000);
	r = kload(0, img, len, "k", NULL, 0, ram, RAM_SIZE, &regs, &sregs,
		  err, sizeof(err));
	if (r)
		printf("# %s\n", err);
	CHECK(!r && regs.rip == 0x200010 && regs.rax == MB_BOOT_MAGIC &&
	      !memcmp(ram + 0x200000, img + 0x1000, 0x1000) &&
	      ram[0x202fff] == 0 && ram[0x203000] == 0xaa,
	      "multiboot: 32-bit ELF loaded by p_paddr, entry translated");
	result(!r && mbi_ok(ram, RAM_SIZE, regs.rbx, "k", NULL, 0, 0x203000),
	       "multiboot: information without modules");

	/* Multiboot refusals */
	len = make_aout(img);
	memcpy(bad_img, img, len);
	mb_header(bad_img + 0x40, 0x10008, 0x100040, 0x100000, 0, 0, 0x100080);
	result(krejects(0, bad_img, len, NULL, 0, ram, RAM_SIZE, "requires features"),
	       "multiboot: unknown required flag (bit 3) refused");
	mb_header(bad_img + 0x40, 0x10000, 0x100040, 0x100000, 0x100000 + len + 1,
		  0, 0x100080);
	result(krejects(0, bad_img, len, NULL, 0, ram, RAM_SIZE, "truncated"),
	       "multiboot: load_end_addr beyond the file refused");
	mb_header(bad_img + 0x40, 0x10000, 0x100040, 0x100000, 0, 0x100100,
		  0x100080);
	result(krejects(0, bad_img, len, NULL, 0, ram, RAM_SIZE, "bss_end_addr"),
	       "multiboot: bss_end_addr inside the image refused");
	mb_header(bad_img + 0x40, 0x10000, 0x100040, 0x100000, 0, 0, 0x200000);
	result(krejects(0, bad_img, len, NULL, 0, ram, RAM_SIZE, "entry_addr"),
	       "multiboot: entry outside the image refused");
	mb_header(bad_img + 0x40, 0x10000, 0x100100, 0x100000, 0, 0, 0x100080);
	result(krejects(0, bad_img, len, NULL, 0, ram, RAM_SIZE, "header_addr"),
	       "multiboot: header_addr not matching the file offset refused");
	mb_header(bad_img + 0x40, 0x10000, 0x20040, 0x20000, 0, 0, 0x20080);
	result(krejects(0, bad_img, len, NULL, 0, ram, RAM_SIZE, "boot information"),
	       "multiboot: kernel over the boot information refused");
	mb_header(bad_img + 0x40, 0x10000, 0x3fff040, 0x3fff000, 0, 0, 0x3fff080);
	result(krejects(0, bad_img, len, NULL, 0, ram, RAM_SIZE, "not in RAM"),
	       "multiboot: kernel past the end of RAM refused");
	mb_header(bad_img + 0x40, 0x10000, 0xa0040, 0xa0000, 0, 0, 0xa0080);
	result(krejects(0, bad_img, len, NULL, 0, ram, RAM_SIZE, "not in RAM"),
	       "multiboot: kernel in the VGA hole refused");
	mb_header(bad_img + 0x40, 0x0, 0, 0, 0, 0, 0);
	result(krejects(0, bad_img, len, NULL, 0, ram, RAM_SIZE, "neither ELF"),
	       "multiboot: no ELF and no a.out kludge refused");
	result(krejects(0, img, len, big, 1, ram, RAM_SIZE, "does not fit"),
	       "multiboot: module that does not fit in RAM refused");
	longcmd = malloc(KB_INFO_END);
	memset(longcmd, 'c', KB_INFO_END - 1);
	longcmd[KB_INFO_END - 1] = 0;
	{
		struct e820_map m = direct_map(RAM_SIZE);

		r = multiboot_load(img, len, longcmd, NULL, 0, &m, ram,
				   RAM_SIZE, &regs, &sregs, err, sizeof(err));
		printf("# %s\n", err);
		CHECK(r && strstr(err, "do not fit"),
		      "multiboot: command line too big for the boot information refused");
	}
	free(longcmd);
	len = make_mb_elf(img);
	elf_header(bad_img, 1, 0x200010, 1);
	elf_phdr(bad_img, 1, 0, 1, 0x1000, 0x200000, 0x200000, 0x1000, 0x1000);
	mb_header(bad_img + 0x100, 0x3, 0, 0, 0, 0, 0);
	result(krejects(0, bad_img, len, NULL, 0, ram, RAM_SIZE, "64-bit"),
	       "multiboot: 64-bit ELF refused");
	memcpy(bad_img, img, len);
	put_le(bad_img + 44, 300, 2);
	result(krejects(0, bad_img, len, NULL, 0, ram, RAM_SIZE, "truncated ELF"),
	       "multiboot: program headers past the file refused");
	memcpy(bad_img, img, len);
	elf_phdr(bad_img, 0, 0, 1, 0x1000, 0xc0200000, 0x200000, 0x1001, 0x3000);
	result(krejects(0, bad_img, len, NULL, 0, ram, RAM_SIZE, "truncated ELF"),
	       "multiboot: segment past the file refused");
	memcpy(bad_img, img, len);
	elf_phdr(bad_img, 0, 0, 1, 0x1000, 0xc0200000, 0x200000, 0x1000, 0x800);
	result(krejects(0, bad_img, len, NULL, 0, ram, RAM_SIZE, "more file bytes"),
	       "multiboot: filesz > memsz refused");
	memcpy(bad_img, img, len);
	elf_phdr(bad_img, 0, 0, 1, 0x1000, 0xc0200000, 0x200000, 0x1000,
		 0xfff00000);
	result(krejects(0, bad_img, len, NULL, 0, ram, RAM_SIZE, "4 GiB"),
	       "multiboot: segment past 4 GiB refused");
	elf_phdr(bad_img, 0, 0, 1, 0x1000, 0xc0200000, 0x200000, 0x1000,
		 0x8000000);
	result(krejects(0, bad_img, len, NULL, 0, ram, RAM_SIZE, "not in RAM"),
	       "multiboot: segment bigger than RAM refused");
	memcpy(bad_img, img, len);
	elf_header(bad_img, 0, 0x200010, 2);
	elf_phdr(bad_img, 0, 0, 1, 0x1000, 0x200000, 0x200000, 0x1000, 0x2000);
	elf_phdr(bad_img, 0, 1, 1, 0x1000, 0x201000, 0x201000, 0x1000, 0x1000);
	mb_header(bad_img + 0x100, 0x3, 0, 0, 0, 0, 0);
	result(krejects(0, bad_img, len, NULL, 0, ram, RAM_SIZE, "overlap"),
	       "multiboot: overlapping segments refused");
	memcpy(bad_img, img, len);
	put_le(bad_img + 24, 0x900000, 4);
	result(krejects(0, bad_img, len, NULL, 0, ram, RAM_SIZE, "no loadable"),
	       "multiboot: entry in no segment refused");
	memcpy(bad_img, img, len);
	put_le(bad_img + 18, 40, 2);
	result(krejects(0, bad_img, len, NULL, 0, ram, RAM_SIZE, "machine"),
	       "multiboot: ELF for another machine refused");

	/* PVH */
	for (i = 0; i < 2; i++) {
		len = make_pvh(img, !i);
		r = kload(1, img, len, "console=ttyS0", mods, 2, ram, RAM_SIZE,
			  &regs, &sregs, err, sizeof(err));
		if (r)
			printf("# %s\n", err);
		si = regs.rbx;
		mm = r ? 0 : get_le(ram + si + 40, 8);
		CHECK(!r && kernel_probe(img, len) == KERNEL_ELF &&
		      regs.rip == 0x1000100 && !memcmp(ram + 0x1000000, img + 0x1000, 0x2000) &&
		      ram[0x1004fff] == 0 && sregs.tr.base == 0 &&
		      sregs.tr.limit == 0x67 && sregs.cr0 == 0x11,
		      "pvh: %d-bit ELF loaded, entry from the Xen note", i ? 32 : 64);
		CHECK(!r && si >= KB_INFO_GPA && si < KB_INFO_END &&
		      get_le(ram + si, 4) == PVH_START_MAGIC &&
		      get_le(ram + si + 4, 4) == 1 &&
		      get_le(ram + si + 12, 4) == 2 &&
		      !strcmp((char *)ram + get_le(ram + si + 24, 8), "console=ttyS0") &&
		      get_le(ram + si + 32, 8) == 0xf0000 &&
		      get_le(ram + si + 48, 4) == direct_map(RAM_SIZE).n &&
		      get_le(ram + mm, 8) == 0 && get_le(ram + mm + 16, 4) == 1 &&
		      get_le(ram + get_le(ram + si + 16, 8), 8) == 0x1005000 &&
		      get_le(ram + get_le(ram + si + 16, 8) + 8, 8) == sizeof(m1) &&
		      !memcmp(ram + 0x1005000, m1, sizeof(m1)) &&
		      get_le(ram + get_le(ram + si + 16, 8) + 32, 8) == 0x1007000,
		      "pvh: start info v1 (magic, command line, RSDP, memory map, modules)");
	}
	len = make_pvh(img, 1);
	memcpy(bad_img, img, len);
	bad_img[0x200 + 20 + 8] = 19;	/* not PHYS32_ENTRY */
	result(krejects(1, bad_img, len, NULL, 0, ram, RAM_SIZE, "PVH entry note"),
	       "pvh: ELF without the PHYS32_ENTRY note refused, naming what was expected");
	memcpy(bad_img, img, len);
	put_le(bad_img + 0x200 + 20 + 4, 0x1000, 4);
	result(krejects(1, bad_img, len, NULL, 0, ram, RAM_SIZE, "malformed ELF note"),
	       "pvh: note passing its segment refused");
	memcpy(bad_img, img, len);
	put_le(bad_img + 0x200 + 20 + 16, 0x3000000, 8);
	result(krejects(1, bad_img, len, NULL, 0, ram, RAM_SIZE, "no loadable"),
	       "pvh: note's entry outside the kernel refused");
	result(krejects(1, img, 60, NULL, 0, ram, RAM_SIZE, "truncated ELF"),
	       "pvh: truncated ELF header refused");

	/* Every truncation of each image: refused or loaded, never a crash. */
	survived = 1;
	for (r = 0; r < 3 && survived; r++) {
		size_t l = r == 0 ? make_aout(img) : r == 1 ? make_mb_elf(img) :
			   make_pvh(img, 1);

		for (i = 0; i < l && survived; i += (i < 0x300 ? 1 : 61)) {
			int e = kload(r == 2, img, i, "", mods, 2, ram, RAM_SIZE,
				      &regs, &sregs, err, sizeof(err));

			if (e ? !err[0] : 0)
				survived = bad("image %d length %zu: no message", r, i);
		}
	}
	result(survived, "kernel: every truncation of the three images handled with a message");

	test_split_modules();
	test_real_vmlinux(ram);
	free(ram);
}

int main(void)
{
	printf("KTAP version 1\n# Subtest: test_pc\n");
	test_acpi();
	test_e820();
	test_bzimage();
	test_kernel();
	printf("1..%u\n", n_tests);
	printf("# test_pc: %u passed, %u failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}
