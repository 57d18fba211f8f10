// SPDX-License-Identifier: GPL-2.0
/*
 * vmmctl run --kernel: telling the boot protocols apart, and loading
 * multiboot v1 and PVH ELF kernels (kernel.h). The file is untrusted.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "bzimage.h"
#include "util.h"

#define PAGE			4096ULL
#define MAX_SEGS		64

/* ELF (the System V gABI): the fields read here, 32- and 64-bit. */
#define EI_CLASS		4
#define EI_DATA			5
#define ELFCLASS32		1
#define ELFCLASS64		2
#define ELFDATA2LSB		1
#define ET_EXEC			2
#define EM_386			3
#define EM_X86_64		62
#define PT_LOAD			1
#define PT_NOTE			4

/* Multiboot v1 header flags and information flags */
#define MBH_PAGE_ALIGN		(1U << 0)
#define MBH_MEMORY_INFO		(1U << 1)
#define MBH_VIDEO_MODE		(1U << 2)
#define MBH_REQUIRED_KNOWN	(MBH_PAGE_ALIGN | MBH_MEMORY_INFO | MBH_VIDEO_MODE)
#define MBH_AOUT_KLUDGE		(1U << 16)
#define MBI_MEMORY		(1U << 0)
#define MBI_CMDLINE		(1U << 2)
#define MBI_MODS		(1U << 3)
#define MBI_MMAP		(1U << 6)
#define MBI_LOADER_NAME		(1U << 9)
#define MBI_SIZE		88	/* up to the VBE fields, which stay 0 */

/* struct hvm_start_info (version 1) and its tables */
#define PVH_INFO_SIZE		56
#define PVH_MOD_SIZE		32
#define PVH_MEMMAP_SIZE		24

struct seg {
	uint64_t paddr, vaddr, offset, filesz, memsz;
};

struct elf_image {
	int class;			/* ELFCLASS32 or ELFCLASS64 */
	unsigned int machine;
	uint64_t entry;
	unsigned int n_segs;
	struct seg segs[MAX_SEGS];
	uint64_t phoff;
	unsigned int phnum, phentsize;
};

static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static bool is_elf(const uint8_t *img, size_t len)
{
	return len >= 4 && !memcmp(img, "\177ELF", 4);
}

/* The offset of a valid multiboot header, or -1. */
static long mb_find_header(const uint8_t *img, size_t len)
{
	size_t end = len < MB_SEARCH ? len : MB_SEARCH;
	size_t off;

	for (off = 0; off + 12 <= end; off += 4) {
		uint32_t magic = get_le(img + off, 4);
		uint32_t flags = get_le(img + off + 4, 4);
		uint32_t sum = get_le(img + off + 8, 4);

		if (magic == MB_HEADER_MAGIC && (uint32_t)(magic + flags + sum) == 0)
			return off;
	}
	return -1;
}

enum kernel_kind kernel_probe(const uint8_t *img, size_t len)
{
	if (len >= 0x206 && !memcmp(img + 0x202, "HdrS", 4))
		return KERNEL_BZIMAGE;
	if (mb_find_header(img, len) >= 0)
		return KERNEL_MULTIBOOT;
	if (is_elf(img, len))
		return KERNEL_ELF;
	return KERNEL_UNKNOWN;
}

const char *kernel_kind_name(enum kernel_kind k)
{
	switch (k) {
	case KERNEL_BZIMAGE:
		return "bzImage";
	case KERNEL_MULTIBOOT:
		return "multiboot";
	case KERNEL_ELF:
		return "PVH ELF";
	default:
		return "unknown";
	}
}

/* ------------------------------------------------------------------ */
/* --initrd for multiboot: "FILE ARGS,FILE ARGS" (",," is a comma)     */
/* ------------------------------------------------------------------ */

void kernel_free_modules(char **cmdline, char **path, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		free(cmdline[i]);
		free(path[i]);
		cmdline[i] = path[i] = NULL;
	}
}

int kernel_split_modules(const char *spec, char **cmdline, char **path,
			 unsigned int max, char *err, size_t errlen)
{
	size_t slen = strlen(spec);
	unsigned int n = 0;
	const char *p = spec;

	while (1) {
		char *buf = malloc(slen + 1), *sp;
		size_t k = 0;

		if (!buf)
			goto nomem;
		while (*p && !(p[0] == ',' && p[1] != ',')) {
			if (p[0] == ',')	/* ",," */
				p++;
			buf[k++] = *p++;
		}
		buf[k] = 0;
		if (!k || buf[0] == ' ') {
			free(buf);
			kernel_free_modules(cmdline, path, n);
			return fail(err, errlen,
				    "module %u of --initrd '%s' has no file name (expected FILE [ARGS],FILE [ARGS]...)",
				    n + 1, spec);
		}
		if (n == max) {
			free(buf);
			kernel_free_modules(cmdline, path, n);
			return fail(err, errlen, "more than %u modules in --initrd",
				    max);
		}
		cmdline[n] = buf;
		sp = strchr(buf, ' ');
		path[n] = sp ? strndup(buf, sp - buf) : strdup(buf);
		if (!path[n]) {
			free(buf);
			goto nomem;
		}
		n++;
		if (!*p)
			return n;
		p++;		/* the separating comma */
	}
nomem:
	kernel_free_modules(cmdline, path, n);
	return fail(err, errlen, "out of memory");
}

/* ------------------------------------------------------------------ */
/* ELF and placement                                                   */
/* ------------------------------------------------------------------ */

static int elf_parse(const uint8_t *img, size_t len, struct elf_image *e,
		     char *err, size_t errlen)
{
	unsigned int i, j, ehsize, min_ph;
	bool c64;

	if (len < 52)
		return fail(err, errlen, "truncated ELF: %zu bytes, shorter than its header",
			    len);
	e->class = img[EI_CLASS];
	if (e->class != ELFCLASS32 && e->class != ELFCLASS64)
		return fail(err, errlen, "ELF of unknown class %u (expected 32- or 64-bit)",
			    e->class);
	if (img[EI_DATA] != ELFDATA2LSB)
		return fail(err, errlen, "big-endian ELF (expected a little-endian x86 kernel)");
	c64 = e->class == ELFCLASS64;
	ehsize = c64 ? 64 : 52;
	min_ph = c64 ? 56 : 32;
	if (len < ehsize)
		return fail(err, errlen, "truncated ELF: %zu bytes, shorter than its header",
			    len);
	if (get_le(img + 16, 2) != ET_EXEC)
		return fail(err, errlen, "ELF of type %u (expected an executable, ET_EXEC)",
			    (unsigned int)get_le(img + 16, 2));
	e->machine = get_le(img + 18, 2);
	if (e->machine != EM_386 && e->machine != EM_X86_64)
		return fail(err, errlen, "ELF for machine %u (expected x86: EM_386 or EM_X86_64)",
			    e->machine);
	e->entry = c64 ? get_le(img + 24, 8) : get_le(img + 24, 4);
	e->phoff = c64 ? get_le(img + 32, 8) : get_le(img + 28, 4);
	e->phentsize = get_le(img + (c64 ? 54 : 42), 2);
	e->phnum = get_le(img + (c64 ? 56 : 44), 2);
	if (!e->phnum)
		return fail(err, errlen, "ELF without program headers (expected loadable segments)");
	if (e->phentsize < min_ph)
		return fail(err, errlen, "ELF program headers of %u bytes (expected at least %u)",
			    e->phentsize, min_ph);
	if (e->phoff > len || (uint64_t)e->phnum * e->phentsize > len - e->phoff)
		return fail(err, errlen, "truncated ELF: %u program headers at 0x%llx pass the end of the %zu-byte file",
			    e->phnum, (unsigned long long)e->phoff, len);
	e->n_segs = 0;
	for (i = 0; i < e->phnum; i++) {
		const uint8_t *ph = img + e->phoff + (uint64_t)i * e->phentsize;
		struct seg s;

		if (get_le(ph, 4) != PT_LOAD)
			continue;
		if (c64) {
			s.offset = get_le(ph + 8, 8);
			s.vaddr = get_le(ph + 16, 8);
			s.paddr = get_le(ph + 24, 8);
			s.filesz = get_le(ph + 32, 8);
			s.memsz = get_le(ph + 40, 8);
		} else {
			s.offset = get_le(ph + 4, 4);
			s.vaddr = get_le(ph + 8, 4);
			s.paddr = get_le(ph + 12, 4);
			s.filesz = get_le(ph + 16, 4);
			s.memsz = get_le(ph + 20, 4);
		}
		if (!s.memsz)
			continue;
		if (s.offset > len || s.filesz > len - s.offset)
			return fail(err, errlen, "truncated ELF: segment %u (0x%llx bytes at file offset 0x%llx) passes the end of the %zu-byte file",
				    i, (unsigned long long)s.filesz,
				    (unsigned long long)s.offset, len);
		if (s.filesz > s.memsz)
			return fail(err, errlen, "ELF segment %u has more file bytes (0x%llx) than memory (0x%llx)",
				    i, (unsigned long long)s.filesz,
				    (unsigned long long)s.memsz);
		if (s.paddr >= (1ULL << 32) || s.memsz > (1ULL << 32) - s.paddr)
			return fail(err, errlen, "ELF segment %u (0x%llx bytes at physical 0x%llx) is not below 4 GiB",
				    i, (unsigned long long)s.memsz,
				    (unsigned long long)s.paddr);
		for (j = 0; j < e->n_segs; j++) {
			const struct seg *o = &e->segs[j];

			if (s.paddr < o->paddr + o->memsz &&
			    o->paddr < s.paddr + s.memsz)
				return fail(err, errlen, "ELF segments overlap: 0x%llx-0x%llx and 0x%llx-0x%llx",
					    (unsigned long long)o->paddr,
					    (unsigned long long)(o->paddr + o->memsz),
					    (unsigned long long)s.paddr,
					    (unsigned long long)(s.paddr + s.memsz));
		}
		if (e->n_segs == MAX_SEGS)
			return fail(err, errlen, "ELF with more than %u loadable segments",
				    MAX_SEGS);
		e->segs[e->n_segs++] = s;
	}
	if (!e->n_segs)
		return fail(err, errlen, "ELF without loadable (PT_LOAD) segments");
	return 0;
}

/* Is [addr, addr + len) inside one RAM entry of m and of ram_size? */
static bool in_ram(const struct e820_map *m, uint64_t ram_size, uint64_t addr,
		   uint64_t len)
{
	unsigned int i;

	if (addr > ram_size || len > ram_size - addr)
		return false;
	for (i = 0; i < m->n; i++) {
		const struct e820_entry *r = &m->e[i];

		if (r->type == E820_RAM && addr >= r->addr &&
		    addr - r->addr <= r->size && len <= r->size - (addr - r->addr))
			return true;
	}
	return false;
}

/* Check that the segments fit the RAM and clear of the boot data; copy them. */
static int place_segments(const uint8_t *img, const struct seg *segs,
			  unsigned int n, const struct e820_map *m,
			  uint8_t *ram, uint64_t ram_size, uint64_t *end,
			  char *err, size_t errlen)
{
	unsigned int i;

	*end = 0;
	for (i = 0; i < n; i++) {
		const struct seg *s = &segs[i];

		if (s->paddr < KB_INFO_END)
			return fail(err, errlen, "kernel segment at 0x%llx is below 0x%llx, where the boot information goes",
				    (unsigned long long)s->paddr, KB_INFO_END);
		if (!in_ram(m, ram_size, s->paddr, s->memsz))
			return fail(err, errlen, "kernel segment 0x%llx-0x%llx is not in RAM (%llu MiB; see the e820 map)",
				    (unsigned long long)s->paddr,
				    (unsigned long long)(s->paddr + s->memsz),
				    (unsigned long long)(ram_size >> 20));
		if (s->paddr + s->memsz > *end)
			*end = s->paddr + s->memsz;
	}
	for (i = 0; i < n; i++) {
		const struct seg *s = &segs[i];

		memcpy(ram + s->paddr, img + s->offset, s->filesz);
		memset(ram + s->paddr + s->filesz, 0, s->memsz - s->filesz);
	}
	return 0;
}

/* Modules one after the other, page-aligned, from the kernel's end. */
static int place_modules(const struct boot_module *mods, unsigned int n,
			 uint64_t kernel_end, const struct e820_map *m,
			 uint8_t *ram, uint64_t ram_size, uint64_t *gpa,
			 char *err, size_t errlen)
{
	uint64_t at = (kernel_end + PAGE - 1) & ~(PAGE - 1);
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!in_ram(m, ram_size, at, mods[i].len))
			return fail(err, errlen, "module %u (%zu bytes) does not fit in RAM at 0x%llx (%llu MiB of RAM)",
				    i + 1, mods[i].len, (unsigned long long)at,
				    (unsigned long long)(ram_size >> 20));
		gpa[i] = at;
		memcpy(ram + at, mods[i].data, mods[i].len);
		at = (at + mods[i].len + PAGE - 1) & ~(PAGE - 1);
	}
	return 0;
}

/* A bump allocator in [KB_INFO_GPA, KB_INFO_END). */
struct info_area {
	uint8_t *ram;
	uint64_t next;
	bool full;
};

static uint64_t info_alloc(struct info_area *a, uint64_t len, uint64_t align)
{
	uint64_t at = (a->next + align - 1) & ~(align - 1);

	if (a->full || len > KB_INFO_END - at) {
		a->full = true;
		return 0;
	}
	a->next = at + len;
	memset(a->ram + at, 0, len);
	return at;
}

static uint64_t info_str(struct info_area *a, const char *s)
{
	size_t len = strlen(s) + 1;
	uint64_t at = info_alloc(a, len, 1);

	if (at)
		memcpy(a->ram + at, s, len);
	return at;
}

static int info_check(const struct info_area *a, char *err, size_t errlen)
{
	if (a->full)
		return fail(err, errlen, "the command lines, module list and memory map do not fit in the %llu KiB of boot information at 0x%llx",
			    (KB_INFO_END - KB_INFO_GPA) >> 10, KB_INFO_GPA);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Multiboot v1                                                        */
/* ------------------------------------------------------------------ */

/* The kernel's segments from the a.out kludge's address fields. */
static int mb_aout(const uint8_t *img, size_t len, size_t hoff, struct seg *s,
		   uint64_t *entry, char *err, size_t errlen)
{
	uint32_t header_addr, load_addr, load_end, bss_end;
	uint64_t file_off;

	if (hoff + 32 > len)
		return fail(err, errlen, "truncated multiboot header: the a.out kludge's address fields pass the end of the file");
	header_addr = get_le(img + hoff + 12, 4);
	load_addr = get_le(img + hoff + 16, 4);
	load_end = get_le(img + hoff + 20, 4);
	bss_end = get_le(img + hoff + 24, 4);
	*entry = get_le(img + hoff + 28, 4);
	if (load_addr > header_addr || header_addr - load_addr > hoff)
		return fail(err, errlen, "multiboot header_addr 0x%x and load_addr 0x%x do not match the header's file offset 0x%zx",
			    header_addr, load_addr, hoff);
	file_off = hoff - (header_addr - load_addr);
	s->offset = file_off;
	s->paddr = s->vaddr = load_addr;
	if (!load_end) {
		s->filesz = len - file_off;
	} else {
		if (load_end <= load_addr)
			return fail(err, errlen, "multiboot load_end_addr 0x%x is not above load_addr 0x%x",
				    load_end, load_addr);
		s->filesz = load_end - load_addr;
		if (s->filesz > len - file_off)
			return fail(err, errlen, "truncated multiboot kernel: load_addr..load_end_addr is 0x%llx bytes from file offset 0x%llx, the file has %zu",
				    (unsigned long long)s->filesz,
				    (unsigned long long)file_off, len);
	}
	s->memsz = s->filesz;
	if (bss_end) {
		if (bss_end < load_addr + s->filesz)
			return fail(err, errlen, "multiboot bss_end_addr 0x%x is below the loaded image's end 0x%llx",
				    bss_end,
				    (unsigned long long)(load_addr + s->filesz));
		s->memsz = bss_end - load_addr;
	}
	if (load_addr + s->memsz > (1ULL << 32))
		return fail(err, errlen, "multiboot image passes 4 GiB");
	if (*entry < load_addr || *entry - load_addr >= s->memsz)
		return fail(err, errlen, "multiboot entry_addr 0x%llx is outside the image 0x%x-0x%llx",
			    (unsigned long long)*entry, load_addr,
			    (unsigned long long)(load_addr + s->memsz));
	return 0;
}

/* e_entry as a physical address: in a segment's paddr range, or its vaddr's. */
static int elf_entry_phys(const struct elf_image *e, uint64_t *entry,
			  char *err, size_t errlen)
{
	unsigned int i;

	for (i = 0; i < e->n_segs; i++)
		if (e->entry >= e->segs[i].paddr &&
		    e->entry - e->segs[i].paddr < e->segs[i].memsz) {
			*entry = e->entry;
			return 0;
		}
	for (i = 0; i < e->n_segs; i++)
		if (e->entry >= e->segs[i].vaddr &&
		    e->entry - e->segs[i].vaddr < e->segs[i].memsz) {
			*entry = e->segs[i].paddr + (e->entry - e->segs[i].vaddr);
			return 0;
		}
	return fail(err, errlen, "ELF entry point 0x%llx is in no loadable segment",
		    (unsigned long long)e->entry);
}

int multiboot_load(const uint8_t *img, size_t img_len, const char *cmdline,
		   const struct boot_module *mods, unsigned int n_mods,
		   const struct e820_map *m, uint8_t *ram, uint64_t ram_size,
		   struct vmm_regs *regs, struct vmm_sregs *sregs, char *err,
		   size_t errlen)
{
	struct elf_image e;
	struct info_area a = { .ram = ram, .next = KB_INFO_GPA };
	uint64_t entry = 0, kend, mod_gpa[KB_MAX_MODULES], mbi, mods_at, mmap_at;
	uint64_t lower = 0, upper = 0;
	long hoff = mb_find_header(img, img_len);
	uint32_t flags;
	unsigned int i;

	if (hoff < 0)
		return fail(err, errlen, "no multiboot header (magic 0x%x with a matching checksum) in the first %u bytes",
			    MB_HEADER_MAGIC, MB_SEARCH);
	if (ram_size < KB_INFO_END || ram_size > (1ULL << 32))
		return fail(err, errlen, "RAM of %llu bytes: need 192 KiB..4 GiB",
			    (unsigned long long)ram_size);
	if (n_mods > KB_MAX_MODULES)
		return fail(err, errlen, "%u modules: at most %u", n_mods,
			    KB_MAX_MODULES);
	flags = get_le(img + hoff + 4, 4);
	if (flags & 0xffff & ~MBH_REQUIRED_KNOWN)
		return fail(err, errlen, "the multiboot header requires features this loader does not know (flags 0x%x; known: bits 0-2, 16)",
			    flags);
	if (flags & MBH_AOUT_KLUDGE) {
		e.n_segs = 1;
		if (mb_aout(img, img_len, hoff, &e.segs[0], &entry, err, errlen))
			return -1;
	} else {
		if (!is_elf(img, img_len))
			return fail(err, errlen, "multiboot kernel that is neither ELF nor has the a.out kludge (header flag bit 16) to say where it loads");
		if (elf_parse(img, img_len, &e, err, errlen))
			return -1;
		if (e.class != ELFCLASS32)
			return fail(err, errlen, "64-bit ELF multiboot kernel: multiboot v1 loads 32-bit ELF (ELFCLASS32) or the a.out kludge");
		if (elf_entry_phys(&e, &entry, err, errlen))
			return -1;
	}
	if (place_segments(img, e.segs, e.n_segs, m, ram, ram_size, &kend,
			   err, errlen) ||
	    place_modules(mods, n_mods, kend, m, ram, ram_size, mod_gpa,
			  err, errlen))
		return -1;

	/* The information structure and what it points to */
	mbi = info_alloc(&a, MBI_SIZE, 8);
	mods_at = info_alloc(&a, 16ULL * (n_mods ? n_mods : 1), 8);
	mmap_at = info_alloc(&a, 24ULL * m->n, 8);
	if (info_check(&a, err, errlen))
		return -1;
	for (i = 0; i < m->n; i++) {
		const struct e820_entry *r = &m->e[i];
		uint8_t *p = ram + mmap_at + 24 * i;

		put_le(p, 20, 4);	/* size of the rest of the entry */
		put_le(p + 4, r->addr, 8);
		put_le(p + 12, r->size, 8);
		put_le(p + 20, r->type, 4);
		if (r->type == E820_RAM && r->addr == 0)
			lower = r->size >> 10;
		if (r->type == E820_RAM && r->addr == E820_HIGH_START)
			upper = r->size >> 10;
	}
	for (i = 0; i < n_mods; i++) {
		uint8_t *p = ram + mods_at + 16 * i;

		put_le(p, mod_gpa[i], 4);
		put_le(p + 4, mod_gpa[i] + mods[i].len, 4);
		put_le(p + 8, info_str(&a, mods[i].cmdline ? mods[i].cmdline : ""), 4);
	}
	put_le(ram + mbi + 0, MBI_MEMORY | MBI_CMDLINE | MBI_MODS | MBI_MMAP |
	       MBI_LOADER_NAME, 4);
	put_le(ram + mbi + 4, lower, 4);
	put_le(ram + mbi + 8, upper > 0xffffffffULL ? 0xffffffffULL : upper, 4);
	put_le(ram + mbi + 16, info_str(&a, cmdline), 4);
	put_le(ram + mbi + 20, n_mods, 4);
	put_le(ram + mbi + 24, mods_at, 4);
	put_le(ram + mbi + 44, 24ULL * m->n, 4);
	put_le(ram + mbi + 48, mmap_at, 4);
	put_le(ram + mbi + 64, info_str(&a, MB_LOADER_NAME), 4);
	if (info_check(&a, err, errlen))
		return -1;

	boot_flat32(ram, entry, regs, sregs);
	regs->rsi = 0;
	regs->rax = MB_BOOT_MAGIC;
	regs->rbx = mbi;
	return 0;
}

/* ------------------------------------------------------------------ */
/* PVH                                                                 */
/* ------------------------------------------------------------------ */

/* The PHYS32_ENTRY address from the ELF's PT_NOTE segments; 0: none. */
static int pvh_find_entry(const uint8_t *img, size_t len,
			  const struct elf_image *e, uint64_t *entry,
			  char *err, size_t errlen)
{
	bool c64 = e->class == ELFCLASS64;
	unsigned int i;

	for (i = 0; i < e->phnum; i++) {
		const uint8_t *ph = img + e->phoff + (uint64_t)i * e->phentsize;
		uint64_t off, size, pos;

		if (get_le(ph, 4) != PT_NOTE)
			continue;
		off = c64 ? get_le(ph + 8, 8) : get_le(ph + 4, 4);
		size = c64 ? get_le(ph + 32, 8) : get_le(ph + 16, 4);
		if (off > len || size > len - off)
			return fail(err, errlen, "truncated ELF: note segment %u passes the end of the file",
				    i);
		for (pos = 0; pos + 12 <= size;) {
			const uint8_t *n = img + off + pos;
			uint64_t namesz = get_le(n, 4), descsz = get_le(n + 4, 4);
			uint32_t type = get_le(n + 8, 4);
			uint64_t name_pad = (namesz + 3) & ~3ULL;
			uint64_t desc_pad = (descsz + 3) & ~3ULL;

			if (name_pad + desc_pad > size - pos - 12)
				return fail(err, errlen, "malformed ELF note in segment %u: it passes the segment's end",
					    i);
			if (namesz == 4 && !memcmp(n + 12, "Xen", 4) &&
			    type == XEN_ELFNOTE_PHYS32_ENTRY) {
				if (descsz != 4 && descsz != 8)
					return fail(err, errlen, "Xen PHYS32_ENTRY note of %llu bytes (expected 4 or 8)",
						    (unsigned long long)descsz);
				*entry = get_le(n + 12 + name_pad, descsz);
				return 0;
			}
			pos += 12 + name_pad + desc_pad;
		}
	}
	*entry = 0;
	return 0;
}

int pvh_load(const uint8_t *img, size_t img_len, const char *cmdline,
	     const struct boot_module *mods, unsigned int n_mods,
	     const struct e820_map *m, uint64_t rsdp_gpa, uint8_t *ram,
	     uint64_t ram_size, struct vmm_regs *regs,
	     struct vmm_sregs *sregs, char *err, size_t errlen)
{
	struct elf_image e;
	struct info_area a = { .ram = ram, .next = KB_INFO_GPA };
	uint64_t entry = 0, kend, mod_gpa[KB_MAX_MODULES], si, mods_at, mmap_at;
	unsigned int i;

	if (!is_elf(img, img_len))
		return fail(err, errlen, "not an ELF file (expected an ELF kernel with a Xen PVH entry note)");
	if (ram_size < KB_INFO_END || ram_size > (1ULL << 32))
		return fail(err, errlen, "RAM of %llu bytes: need 192 KiB..4 GiB",
			    (unsigned long long)ram_size);
	if (n_mods > KB_MAX_MODULES)
		return fail(err, errlen, "%u modules: at most %u", n_mods,
			    KB_MAX_MODULES);
	if (elf_parse(img, img_len, &e, err, errlen) ||
	    pvh_find_entry(img, img_len, &e, &entry, err, errlen))
		return -1;
	if (!entry)
		return fail(err, errlen, "ELF kernel without a Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY) nor a multiboot header: "
			    KERNEL_EXPECTED);
	if (entry >= (1ULL << 32))
		return fail(err, errlen, "PVH entry 0x%llx is not below 4 GiB",
			    (unsigned long long)entry);
	if (place_segments(img, e.segs, e.n_segs, m, ram, ram_size, &kend,
			   err, errlen) ||
	    place_modules(mods, n_mods, kend, m, ram, ram_size, mod_gpa,
			  err, errlen))
		return -1;
	for (i = 0; i < e.n_segs; i++)
		if (entry >= e.segs[i].paddr &&
		    entry - e.segs[i].paddr < e.segs[i].memsz)
			break;
	if (i == e.n_segs)
		return fail(err, errlen, "PVH entry 0x%llx is in no loadable segment",
			    (unsigned long long)entry);

	si = info_alloc(&a, PVH_INFO_SIZE, 8);
	mods_at = info_alloc(&a, PVH_MOD_SIZE * (n_mods ? n_mods : 1), 8);
	mmap_at = info_alloc(&a, PVH_MEMMAP_SIZE * m->n, 8);
	if (info_check(&a, err, errlen))
		return -1;
	for (i = 0; i < n_mods; i++) {
		uint8_t *p = ram + mods_at + PVH_MOD_SIZE * i;

		put_le(p, mod_gpa[i], 8);
		put_le(p + 8, mods[i].len, 8);
		if (mods[i].cmdline)
			put_le(p + 16, info_str(&a, mods[i].cmdline), 8);
	}
	for (i = 0; i < m->n; i++) {
		uint8_t *p = ram + mmap_at + PVH_MEMMAP_SIZE * i;

		put_le(p, m->e[i].addr, 8);
		put_le(p + 8, m->e[i].size, 8);
		put_le(p + 16, m->e[i].type, 4);
	}
	put_le(ram + si + 0, PVH_START_MAGIC, 4);
	put_le(ram + si + 4, 1, 4);			/* version */
	put_le(ram + si + 12, n_mods, 4);
	put_le(ram + si + 16, n_mods ? mods_at : 0, 8);
	put_le(ram + si + 24, info_str(&a, cmdline), 8);
	put_le(ram + si + 32, rsdp_gpa, 8);
	put_le(ram + si + 40, mmap_at, 8);
	put_le(ram + si + 48, m->n, 4);
	if (info_check(&a, err, errlen))
		return -1;

	boot_flat32(ram, entry, regs, sregs);
	regs->rsi = 0;
	regs->rbx = si;
	/* The ABI's TR: a 32-bit TSS with base 0 and limit 0x67. */
	sregs->tr.base = 0;
	return 0;
}
