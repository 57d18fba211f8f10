/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Direct boot of a Linux bzImage by the x86 32-bit boot protocol
 * (Documentation/arch/x86/boot.rst), bzimage.c: the protected-mode kernel
 * at its preferred address, a zero page (struct boot_params) with the
 * setup header, command line, initrd and e820 map, a flat GDT and the
 * registers of the 32-bit entry.
 */
#ifndef VMMCTL_BZIMAGE_H
#define VMMCTL_BZIMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "vmm.h"
#include "e820.h"

/* Guest-physical addresses of what bzimage_load() writes. */
#define BZ_GDT_GPA		0x500ULL	/* null, null, code 0x10, data 0x18, TSS 0x20 */
#define BZ_TSS_GPA		0x600ULL
#define BZ_ZERO_PAGE_GPA	0x7000ULL
#define BZ_CMDLINE_GPA		0x20000ULL
#define BZ_CMDLINE_MAX		0x10000ULL	/* room at BZ_CMDLINE_GPA */
#define BZ_MIN_PROTOCOL		0x20a

/* Zero page / setup header offsets (boot.rst, struct boot_params) */
#define BZ_ACPI_RSDP_ADDR	0x070
#define BZ_EXT_RAMDISK_IMAGE	0x0c0
#define BZ_EXT_RAMDISK_SIZE	0x0c4
#define BZ_E820_ENTRIES		0x1e8
#define BZ_SETUP_SECTS		0x1f1
#define BZ_VID_MODE		0x1fa
#define BZ_JUMP			0x200	/* 2 bytes; the header ends at 0x202 + [0x201] */
#define BZ_HEADER		0x202	/* "HdrS" */
#define BZ_VERSION		0x206
#define BZ_TYPE_OF_LOADER	0x210
#define BZ_LOADFLAGS		0x211
#define BZ_RAMDISK_IMAGE	0x218
#define BZ_RAMDISK_SIZE		0x21c
#define BZ_HEAP_END_PTR		0x224
#define BZ_CMD_LINE_PTR		0x228
#define BZ_INITRD_ADDR_MAX	0x22c
#define BZ_KERNEL_ALIGNMENT	0x230
#define BZ_RELOCATABLE		0x234
#define BZ_CMDLINE_SIZE		0x238
#define BZ_PREF_ADDRESS		0x258
#define BZ_INIT_SIZE		0x260
#define BZ_E820_TABLE		0x2d0
#define BZ_E820_MAX		128

#define BZ_LOADED_HIGH		0x01
#define BZ_CAN_USE_HEAP		0x80

/*
 * Load img (a bzImage) and initrd (may be NULL) into ram (guest-physical
 * 0..ram_size, all of it RAM below 4 GiB) and set regs/sregs (as read
 * from the vCPU) for the 32-bit entry. rsdp_gpa: for the zero page, 0 if
 * none. 0, or -1 with a message in err.
 */
int bzimage_load(const uint8_t *img, size_t img_len, const uint8_t *initrd,
		 size_t initrd_len, const char *cmdline,
		 const struct e820_map *m, uint64_t rsdp_gpa, uint8_t *ram,
		 uint64_t ram_size, struct vmm_regs *regs,
		 struct vmm_sregs *sregs, char *err, size_t errlen);

/*
 * The 32-bit protected-mode entry every direct boot shares: a flat GDT at
 * BZ_GDT_GPA (code 0x10, data 0x18, a busy TSS 0x20 at BZ_TSS_GPA), CR0 =
 * PE|ET, paging off, interrupts off, EIP = entry and ESI = the zero page;
 * the other general registers 0. Writes the GDT and TSS into ram.
 */
void boot_flat32(uint8_t *ram, uint64_t entry, struct vmm_regs *regs,
		 struct vmm_sregs *sregs);

#endif /* VMMCTL_BZIMAGE_H */
