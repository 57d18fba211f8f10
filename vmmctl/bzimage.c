// SPDX-License-Identifier: GPL-2.0
/*
 * Linux direct boot, 32-bit boot protocol (boot.rst). The image is
 * untrusted: every offset read from it is checked against its length
 * before use, and everything written is checked against the RAM.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bzimage.h"
#include "util.h"

#define MIB			(1ULL << 20)
#define PAGE			4096ULL
#define HDR_MIN_END		(BZ_INIT_SIZE + 4)	/* the 2.10 fields we read */
#define HEAP_END		0xfe00
#define LOADER_UNDEFINED	0xff			/* type_of_loader */
#define CODE32_START		0x214

/* Flat 4 GiB segments; attributes as the descriptors' bits 40-47, 52-55. */
#define GDT_CODE		0x00cf9b000000ffffULL
#define GDT_DATA		0x00cf93000000ffffULL
#define SEL_CODE		0x10
#define SEL_DATA		0x18
#define SEL_TSS			0x20
#define TSS_LIMIT		0x67
#define TSS_BUSY32		0xb
#define LDT_TYPE		0x2

static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* An 8-byte system descriptor (the TSS) with a 32-bit base. */
static uint64_t sys_desc(uint32_t base, uint32_t limit, uint8_t type)
{
	return (limit & 0xffffULL) | (uint64_t)(base & 0xffffff) << 16 |
	       (uint64_t)(type | VMM_SEG_P) << 40 |
	       (uint64_t)((limit >> 16) & 0xf) << 48 |
	       (uint64_t)(base >> 24) << 56;
}

static void seg(struct vmm_segment *s, uint16_t sel, uint64_t base,
		uint32_t limit, uint32_t attr)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = base;
	s->limit = limit;
	s->attr = attr;
}

void boot_flat32(uint8_t *ram, uint64_t entry, struct vmm_regs *regs,
		struct vmm_sregs *sregs)
{
	const uint32_t flat = VMM_SEG_S | VMM_SEG_P | VMM_SEG_DB | VMM_SEG_G;
	uint8_t *gdt = ram + BZ_GDT_GPA;

	memset(gdt, 0, 5 * 8);
	put_le(gdt + SEL_CODE, GDT_CODE, 8);
	put_le(gdt + SEL_DATA, GDT_DATA, 8);
	put_le(gdt + SEL_TSS, sys_desc(BZ_TSS_GPA, TSS_LIMIT, TSS_BUSY32), 8);
	memset(ram + BZ_TSS_GPA, 0, TSS_LIMIT + 1);

	seg(&sregs->cs, SEL_CODE, 0, 0xffffffff, 0xb | flat);
	seg(&sregs->ds, SEL_DATA, 0, 0xffffffff, 0x3 | flat);
	sregs->es = sregs->fs = sregs->gs = sregs->ss = sregs->ds;
	seg(&sregs->tr, SEL_TSS, BZ_TSS_GPA, TSS_LIMIT, TSS_BUSY32 | VMM_SEG_P);
	seg(&sregs->ldtr, 0, 0, 0xffff, LDT_TYPE | VMM_SEG_P);
	memset(&sregs->gdt, 0, sizeof(sregs->gdt));
	sregs->gdt.base = BZ_GDT_GPA;
	sregs->gdt.limit = 5 * 8 - 1;
	memset(&sregs->idt, 0, sizeof(sregs->idt));
	sregs->cr0 = 0x11;		/* PE | ET */
	sregs->cr2 = sregs->cr3 = sregs->cr4 = sregs->efer = 0;

	memset(regs, 0, sizeof(*regs));
	regs->rflags = 0x2;
	regs->rip = entry;
	regs->rsi = BZ_ZERO_PAGE_GPA;
}

int bzimage_load(const uint8_t *img, size_t img_len, const uint8_t *initrd,
		 size_t initrd_len, const char *cmdline,
		 const struct e820_map *m, uint64_t rsdp_gpa, uint8_t *ram,
		 uint64_t ram_size, struct vmm_regs *regs,
		 struct vmm_sregs *sregs, char *err, size_t errlen)
{
	uint64_t load, need, kofs, klen, align, initrd_gpa = 0, top;
	unsigned int version, setup_sects, hdr_end, n;
	size_t cmdlen = strlen(cmdline);
	uint32_t cmdline_max;
	uint8_t *zp;

	if (ram_size < 2 * MIB || ram_size > (1ULL << 32))
		return fail(err, errlen, "RAM of %llu bytes: need 2 MiB..4 GiB",
			    (unsigned long long)ram_size);
	if (img_len < HDR_MIN_END)
		return fail(err, errlen, "truncated: %zu bytes, too short for a bzImage",
			    img_len);
	if (memcmp(img + BZ_HEADER, "HdrS", 4))
		return fail(err, errlen, "not a bzImage: no \"HdrS\" boot header");
	version = get_le(img + BZ_VERSION, 2);
	if (version < BZ_MIN_PROTOCOL)
		return fail(err, errlen, "boot protocol %u.%02u is too old (need 2.10)",
			    version >> 8, version & 0xff);
	if (!(img[BZ_LOADFLAGS] & BZ_LOADED_HIGH))
		return fail(err, errlen, "not a bzImage: kernel not loaded high (zImage?)");
	hdr_end = BZ_HEADER + img[BZ_JUMP + 1];
	if (hdr_end < HDR_MIN_END || hdr_end > img_len)
		return fail(err, errlen, "setup header of bad length (ends at 0x%x)",
			    hdr_end);
	setup_sects = img[BZ_SETUP_SECTS] ? img[BZ_SETUP_SECTS] : 4;
	kofs = (setup_sects + 1) * 512ULL;
	if (kofs >= img_len)
		return fail(err, errlen, "truncated: %u setup sectors, file of %zu bytes",
			    setup_sects, img_len);
	klen = img_len - kofs;
	need = get_le(img + BZ_INIT_SIZE, 4);
	if (need < klen)
		need = klen;

	load = 0x100000;
	if (img[BZ_RELOCATABLE]) {
		align = get_le(img + BZ_KERNEL_ALIGNMENT, 4);
		load = get_le(img + BZ_PREF_ADDRESS, 8);
		if (load < MIB)
			load = MIB;
		/* load <= 4 GiB here: rounding up cannot wrap. */
		if (load <= ram_size && align && !(align & (align - 1)) &&
		    align <= (1ULL << 30))
			load = (load + align - 1) & ~(align - 1);
	}
	if (load >= ram_size || ram_size - load < need)
		return fail(err, errlen, "kernel (0x%llx bytes at 0x%llx) does not fit in %llu MiB of RAM",
			    (unsigned long long)need, (unsigned long long)load,
			    (unsigned long long)(ram_size >> 20));

	cmdline_max = get_le(img + BZ_CMDLINE_SIZE, 4);
	if (cmdlen > cmdline_max || cmdlen >= BZ_CMDLINE_MAX)
		return fail(err, errlen, "command line of %zu bytes is too long (kernel takes %u)",
			    cmdlen, cmdline_max);

	if (initrd_len) {
		top = get_le(img + BZ_INITRD_ADDR_MAX, 4) + 1ULL;
		if (top > ram_size)
			top = ram_size;
		if (top < initrd_len ||
		    ((top - initrd_len) & ~(PAGE - 1)) < load + need)
			return fail(err, errlen, "initrd of %zu bytes does not fit between the kernel's end 0x%llx and 0x%llx",
				    initrd_len,
				    (unsigned long long)(load + need),
				    (unsigned long long)top);
		initrd_gpa = (top - initrd_len) & ~(PAGE - 1);
	}

	zp = ram + BZ_ZERO_PAGE_GPA;
	memset(zp, 0, PAGE);
	memcpy(zp + BZ_SETUP_SECTS, img + BZ_SETUP_SECTS,
	       hdr_end - BZ_SETUP_SECTS);
	zp[BZ_TYPE_OF_LOADER] = LOADER_UNDEFINED;
	zp[BZ_LOADFLAGS] |= BZ_CAN_USE_HEAP;
	put_le(zp + BZ_HEAP_END_PTR, HEAP_END, 2);
	put_le(zp + BZ_VID_MODE, 0xffff, 2);	/* "normal" */
	put_le(zp + CODE32_START, load, 4);
	put_le(zp + BZ_CMD_LINE_PTR, BZ_CMDLINE_GPA, 4);
	put_le(zp + BZ_RAMDISK_IMAGE, initrd_gpa, 4);
	put_le(zp + BZ_RAMDISK_SIZE, initrd_len, 4);
	put_le(zp + BZ_EXT_RAMDISK_IMAGE, initrd_gpa >> 32, 4);
	put_le(zp + BZ_EXT_RAMDISK_SIZE, (uint64_t)initrd_len >> 32, 4);
	n = m->n < BZ_E820_MAX ? m->n : BZ_E820_MAX;
	zp[BZ_E820_ENTRIES] = e820_to_fw_cfg(m, zp + BZ_E820_TABLE, n * 20) / 20;
	if (version >= 0x20e)
		put_le(zp + BZ_ACPI_RSDP_ADDR, rsdp_gpa, 8);

	memcpy(ram + BZ_CMDLINE_GPA, cmdline, cmdlen + 1);
	memcpy(ram + load, img + kofs, klen);
	if (initrd_len)
		memcpy(ram + initrd_gpa, initrd, initrd_len);
	boot_flat32(ram, load, regs, sregs);
	return 0;
}
