/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmmctl run --kernel: which boot protocol a kernel file speaks, judged by
 * its content (kernel.c), and the two protocols besides Linux's bzImage
 * (bzimage.c):
 *
 *  - Multiboot v1 (the Multiboot Specification 0.6.96): a header with the
 *    magic 0x1badb002 in the first 8 KiB; the image is a 32-bit ELF or,
 *    with header flag bit 16 (the "a.out kludge"), placed by the header's
 *    address fields. Entered in 32-bit protected mode with EAX =
 *    0x2badb002 and EBX = the multiboot information (memory sizes and map,
 *    command line, modules, boot loader name).
 *  - PVH (Xen's x86/HVM direct boot ABI, as Linux's vmlinux has it): an
 *    ELF with a XEN_ELFNOTE_PHYS32_ENTRY note, entered in 32-bit protected
 *    mode at the note's address with EBX = struct hvm_start_info (version
 *    1: command line, modules, RSDP, memory map).
 *
 * Both take the kernel's image as untrusted: every offset, size and
 * address read from it is checked against the file and the RAM first.
 */
#ifndef VMMCTL_KERNEL_H
#define VMMCTL_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "vmm.h"
#include "e820.h"

enum kernel_kind {
	KERNEL_UNKNOWN,
	KERNEL_BZIMAGE,		/* "HdrS" at 0x202 */
	KERNEL_MULTIBOOT,	/* a valid multiboot v1 header */
	KERNEL_ELF,		/* ELF without a multiboot header: PVH, or an error */
};

/* What a file is, by the order QEMU tries: bzImage, multiboot, ELF. */
enum kernel_kind kernel_probe(const uint8_t *img, size_t len);
const char *kernel_kind_name(enum kernel_kind k);

/* The message for a file that is none of them. */
#define KERNEL_EXPECTED \
	"expected a Linux bzImage (\"HdrS\" at 0x202), a multiboot v1 kernel " \
	"(header 0x1badb002 in the first 8 KiB) or an ELF kernel with a Xen " \
	"PVH entry note"

#define MB_HEADER_MAGIC		0x1badb002U
#define MB_BOOT_MAGIC		0x2badb002U	/* EAX at the entry */
#define MB_SEARCH		8192		/* the header is in the first 8 KiB */
#define MB_LOADER_NAME		"vmmctl"
#define PVH_START_MAGIC		0x336ec578U
#define XEN_ELFNOTE_PHYS32_ENTRY 18

/*
 * Guest-physical area of the boot information (the multiboot information
 * or the PVH start info, module list, memory map and strings). Kernel
 * segments may not reach below its end: the GDT, TSS and handoff code of
 * the direct boot live under it too.
 */
#define KB_INFO_GPA		0x8000ULL
#define KB_INFO_END		0x30000ULL

#define KB_MAX_MODULES		32

struct boot_module {
	const uint8_t *data;
	size_t len;
	const char *cmdline;	/* multiboot: the module's string */
};

/*
 * Split QEMU's multiboot -initrd syntax: "FILE [ARGS],FILE [ARGS]..." with
 * ",," for a comma inside one. Each module's command line is its whole
 * text, its file the text up to the first space. Returns the number of
 * modules (1..max) with malloc'ed strings in cmdline[] and path[] (free
 * with kernel_free_modules), or -1 with a message in err.
 */
int kernel_split_modules(const char *spec, char **cmdline, char **path,
			 unsigned int max, char *err, size_t errlen);
void kernel_free_modules(char **cmdline, char **path, unsigned int n);

/*
 * Load a multiboot kernel and its modules into ram (guest-physical
 * 0..ram_size, laid out as m says) and set regs/sregs for its entry.
 * 0, or -1 with a message in err.
 */
int multiboot_load(const uint8_t *img, size_t img_len, const char *cmdline,
		   const struct boot_module *mods, unsigned int n_mods,
		   const struct e820_map *m, uint8_t *ram, uint64_t ram_size,
		   struct vmm_regs *regs, struct vmm_sregs *sregs, char *err,
		   size_t errlen);

/* The same for an ELF kernel with a PVH entry note. */
int pvh_load(const uint8_t *img, size_t img_len, const char *cmdline,
	     const struct boot_module *mods, unsigned int n_mods,
	     const struct e820_map *m, uint64_t rsdp_gpa, uint8_t *ram,
	     uint64_t ram_size, struct vmm_regs *regs,
	     struct vmm_sregs *sregs, char *err, size_t errlen);

#endif /* VMMCTL_KERNEL_H */
