/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest page-table walker of the portable core: translates guest linear
 * addresses with the guest's own paging structures, e.g. to fetch the
 * instruction at CS.base + RIP after an MMIO exit.
 *
 * Modes: paging off (identity, 32-bit linear addresses), 32-bit paging
 * (4M pages when CR4.PSE, PSE-36), PAE (2M pages), 4-level (EFER.LMA; 1G
 * and 2M pages) and 5-level (CR4.LA57). Honours P, R/W, U/S, NX (EFER.NXE),
 * CR0.WP for supervisor writes, CR4.SMEP for supervisor fetches and the
 * reserved bits of each level (bits at and above MAXPHYADDR, PS where not
 * allowed, NX without EFER.NXE, the low reserved bits of large pages and
 * PAE PDPTEs). Not modelled: SMAP (needs RFLAGS.AC), protection keys, A/D
 * updates, the PDPTE registers of PAE (PDPTEs are read from memory).
 */
#ifndef VMM_CORE_GPT_WALK_H
#define VMM_CORE_GPT_WALK_H

#include "host.h"

struct gpt_ctx {
	u64 cr0, cr3, cr4, efer;
	/* Read guest-physical memory; returns 0 or -EFAULT. */
	int (*read_gpa)(void *opaque, u64 gpa, void *buf, unsigned int len);
	void *opaque;
	u8 maxphyaddr;		/* guest MAXPHYADDR (32..52); 0 means 52 */
};

/* access: the kind of access being translated */
#define GPT_ACC_WRITE		1
#define GPT_ACC_USER		2	/* CPL 3 */
#define GPT_ACC_FETCH		4

/* #PF error code bits */
#define GPT_PF_P		0x01	/* protection violation (else not present) */
#define GPT_PF_W		0x02	/* write access */
#define GPT_PF_U		0x04	/* user-mode access */
#define GPT_PF_RSVD		0x08	/* reserved bit set in a paging entry */
#define GPT_PF_I		0x10	/* instruction fetch (NX or SMEP enabled) */

/* Control register / EFER bits the walker uses. */
#define GPT_CR0_WP		(1ULL << 16)
#define GPT_CR0_PG		(1ULL << 31)
#define GPT_CR4_PSE		(1ULL << 4)
#define GPT_CR4_PAE		(1ULL << 5)
#define GPT_CR4_LA57		(1ULL << 12)
#define GPT_CR4_SMEP		(1ULL << 20)
#define GPT_EFER_LMA		(1ULL << 10)
#define GPT_EFER_NXE		(1ULL << 11)

/*
 * Translate gva. Returns 0 and *gpa; -EFAULT with *pf_error set to the #PF
 * error code the guest should get; -EIO if reading a paging entry failed;
 * -EINVAL if gva is not canonical in long mode (#GP, not #PF). Outside
 * long mode only the low 32 bits of gva are used. pf_error may be NULL.
 */
int gpt_translate(const struct gpt_ctx *ctx, u64 gva, unsigned int access,
		  u64 *gpa, u32 *pf_error);

/*
 * The paging entries one walk read, in order, each as its guest-physical
 * address and the value it held. The walk is a function of its inputs
 * (the gpt_ctx registers, gva, access) and of these values alone, so a
 * caller may keep a translation and reuse it while each entry still
 * holds the same value (emulate.c's fetch cache). esize: bytes per entry.
 */
#define GPT_MAX_LEVELS		5
struct gpt_path {
	u8 n, esize;
	u64 gpa[GPT_MAX_LEVELS];
	u64 val[GPT_MAX_LEVELS];
};

/* gpt_translate, also filling *path (when not NULL) with what it read. */
int gpt_translate_path(const struct gpt_ctx *ctx, u64 gva,
		       unsigned int access, u64 *gpa, u32 *pf_error,
		       struct gpt_path *path);

/*
 * Read len bytes at gva (may cross pages) into buf. Returns 0; -EFAULT with
 * *pf_error and *fault_gva set (the first byte address that faulted: gva
 * itself or the start of a later page); -EIO; -EINVAL (non-canonical).
 * Outside long mode addresses wrap at 4G. pf_error and fault_gva may be
 * NULL.
 */
int gpt_read(const struct gpt_ctx *ctx, u64 gva, void *buf, unsigned int len,
	     unsigned int access, u32 *pf_error, u64 *fault_gva);

#endif /* VMM_CORE_GPT_WALK_H */
