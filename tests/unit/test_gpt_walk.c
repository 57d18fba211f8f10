// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the guest page-table walker (module/core/gpt_walk.c):
 * page tables are built in a fake guest memory for every paging mode and
 * translations, large pages, faults with their error codes, reserved bits,
 * NX/WP/SMEP/U-S rules and cross-page reads are checked.
 */
#include <stdio.h>
#include <string.h>
#include "host.h"
#include "gpt_walk.h"
#include "ktap.h"

#define MEM_SIZE	(4u << 20)

static u8 mem[MEM_SIZE];
static unsigned int nr_reads;

static int read_gpa(void *opaque, u64 gpa, void *buf, unsigned int len)
{
	(void)opaque;
	nr_reads++;
	if (gpa >= MEM_SIZE || len > MEM_SIZE - gpa)
		return -EFAULT;
	memcpy(buf, mem + gpa, len);
	return 0;
}

static void w32(u64 gpa, u32 v)
{
	memcpy(mem + gpa, &v, 4);
}

static void w64(u64 gpa, u64 v)
{
	memcpy(mem + gpa, &v, 8);
}

#define P	0x1ULL
#define RW	0x2ULL
#define US	0x4ULL
#define PS	0x80ULL
#define NX	(1ULL << 63)

#define CR0_PG	GPT_CR0_PG
#define CR0_WP	GPT_CR0_WP
#define CR0_PE	1ULL

#define ACC_R	0
#define ACC_W	GPT_ACC_WRITE
#define ACC_U	GPT_ACC_USER
#define ACC_X	GPT_ACC_FETCH

#define PF_P	GPT_PF_P
#define PF_W	GPT_PF_W
#define PF_U	GPT_PF_U
#define PF_RSVD	GPT_PF_RSVD
#define PF_I	GPT_PF_I

static struct gpt_ctx ctx;

static void reset(u64 cr0, u64 cr3, u64 cr4, u64 efer)
{
	memset(mem, 0, sizeof(mem));
	memset(&ctx, 0, sizeof(ctx));
	ctx.cr0 = cr0;
	ctx.cr3 = cr3;
	ctx.cr4 = cr4;
	ctx.efer = efer;
	ctx.read_gpa = read_gpa;
}

/* Expect a successful translation to want. */
static int xlate_ok(u64 gva, unsigned int acc, u64 want)
{
	u64 gpa = 0xdead;
	u32 err = 0xdead;
	int r = gpt_translate(&ctx, gva, acc, &gpa, &err);

	if (r || gpa != want) {
		printf("# gva %#llx acc %u: r=%d gpa=%#llx err=%#x, want gpa %#llx\n",
		       (unsigned long long)gva, acc, r, (unsigned long long)gpa, err,
		       (unsigned long long)want);
		return 0;
	}
	return 1;
}

/* Expect a #PF with error code want_err. */
static int xlate_pf(u64 gva, unsigned int acc, u32 want_err)
{
	u64 gpa = 0;
	u32 err = 0xdead;
	int r = gpt_translate(&ctx, gva, acc, &gpa, &err);

	if (r != -EFAULT || err != want_err) {
		printf("# gva %#llx acc %u: r=%d gpa=%#llx err=%#x, want -EFAULT err %#x\n",
		       (unsigned long long)gva, acc, r, (unsigned long long)gpa, err, want_err);
		return 0;
	}
	return 1;
}

static int xlate_rc(u64 gva, unsigned int acc, int want_rc)
{
	u64 gpa = 0;
	u32 err = 0;
	int r = gpt_translate(&ctx, gva, acc, &gpa, &err);

	if (r != want_rc) {
		printf("# gva %#llx: r=%d want %d\n", (unsigned long long)gva, r, want_rc);
		return 0;
	}
	return 1;
}

static void test_nopaging(void)
{
	int ok;

	reset(CR0_PE, 0x1000, 0, 0);
	ok = xlate_ok(0x12345, ACC_R, 0x12345) && xlate_ok(0xfffffff0, ACC_W | ACC_U | ACC_X,
							    0xfffffff0) &&
	     xlate_ok(0x100000123ULL, ACC_R, 0x123);
	ktap_result(ok, "paging off: identity, 32-bit linear addresses");
}

/* ---- 32-bit paging -------------------------------------------------------- */

static void setup_32(u64 cr4)
{
	reset(CR0_PG | CR0_PE, 0x1000, cr4, 0);
	/* va 0x00400000: PDE[1] -> PT 0x2000 */
	w32(0x1000 + 1 * 4, 0x2000 | P | RW | US);
	w32(0x2000 + 5 * 4, 0x7000 | P | RW | US);	/* 0x00405000 user rw */
	w32(0x2000 + 6 * 4, 0x8000 | P | US);		/* 0x00406000 user ro */
	w32(0x2000 + 7 * 4, 0x9000 | P | RW);		/* 0x00407000 sup rw */
	w32(0x2000 + 8 * 4, 0xa000 | P);		/* 0x00408000 sup ro */
	w32(0x2000 + 9 * 4, 0xb000 | RW | US);		/* not present */
	w32(0x2000 + 10 * 4, 0xc000 | P | RW | US | PS);	/* PAT bit in a PTE */
	/* va 0x00800000: PDE[2] 4M page at 0x00c00000 */
	w32(0x1000 + 2 * 4, 0x00c00000 | P | RW | US | PS);
	/* va 0x00c00000: PDE[3] PSE-36 4M page at 0x5_00400000 */
	w32(0x1000 + 3 * 4, 0x00400000 | (5u << 13) | P | RW | PS);
	/* va 0x01000000: PDE[4] 4M page with reserved bit 21 */
	w32(0x1000 + 4 * 4, 0x00600000 | P | RW | PS);
	/* va 0x01400000: PDE[5] read-only user table -> everything ro */
	w32(0x1000 + 5 * 4, 0x3000 | P | US);
	w32(0x3000, 0xd000 | P | RW | US);
	/* va 0x01800000: PDE[6] supervisor table */
	w32(0x1000 + 6 * 4, 0x3000 | P | RW);
}

static void test_32bit(void)
{
	int ok;

	setup_32(0);
	ok = xlate_ok(0x00405123, ACC_R, 0x7123) &&
	     xlate_ok(0xffffffff00405123ULL, ACC_R, 0x7123) &&
	     xlate_ok(0x00405fff, ACC_W | ACC_U, 0x7fff) &&
	     xlate_ok(0x0040a004, ACC_R, 0xc004) &&
	     xlate_ok(0x00405000, ACC_X | ACC_U, 0x7000);
	ktap_result(ok, "32-bit: 4K translation");

	/*
	 * Without CR4.PSE the PS bit is ignored: PDE[2] is a pointer to a
	 * table at 0x00c00000, outside the fake guest memory.
	 */
	ok = xlate_rc(0x00812345, ACC_R, -EIO);
	setup_32(GPT_CR4_PSE);
	ok = ok && xlate_ok(0x00812345, ACC_R, 0x00c12345) &&
	     xlate_ok(0x00bfffff, ACC_W | ACC_U, 0x00ffffff) &&
	     xlate_ok(0x00c00010, ACC_R, 0x500400010ULL) &&
	     xlate_ok(0x00405123, ACC_R, 0x7123);
	ktap_result(ok, "32-bit: 4M pages with CR4.PSE, PSE-36");

	ok = xlate_pf(0x01000000, ACC_R, PF_P | PF_RSVD) &&
	     xlate_pf(0x01000000, ACC_W | ACC_U, PF_P | PF_RSVD | PF_W | PF_U);
	ctx.maxphyaddr = 34;	/* bits 20:15 of a 4M PDE become reserved */
	ok = ok && xlate_pf(0x00c00000, ACC_R, PF_P | PF_RSVD) &&
	     xlate_ok(0x00812345, ACC_R, 0x00c12345);
	ktap_result(ok, "32-bit: reserved bits of 4M PDEs");

	setup_32(0);
	ok = xlate_pf(0x00409000, ACC_R, 0) && xlate_pf(0x00409000, ACC_W, PF_W) &&
	     xlate_pf(0x00409000, ACC_U | ACC_W, PF_U | PF_W) &&
	     xlate_pf(0x00409000, ACC_X | ACC_U, PF_U) &&
	     xlate_pf(0x03000000, ACC_R, 0);
	ktap_result(ok, "32-bit: not present, no I/D bit without NX");

	ok = xlate_pf(0x00407000, ACC_U, PF_P | PF_U) &&
	     xlate_pf(0x00406000, ACC_U | ACC_W, PF_P | PF_U | PF_W) &&
	     xlate_ok(0x00406000, ACC_U, 0x8000) &&
	     xlate_ok(0x00406000, ACC_W, 0x8000) &&	/* CR0.WP = 0 */
	     xlate_ok(0x00408000, ACC_W, 0xa000) &&
	     xlate_pf(0x01400000, ACC_U | ACC_W, PF_P | PF_U | PF_W) &&
	     xlate_pf(0x01800000, ACC_U, PF_P | PF_U);
	ctx.cr0 |= CR0_WP;
	ok = ok && xlate_pf(0x00406000, ACC_W, PF_P | PF_W) &&
	     xlate_pf(0x00408000, ACC_W, PF_P | PF_W) &&
	     xlate_pf(0x01400000, ACC_W, PF_P | PF_W) &&
	     xlate_ok(0x00407000, ACC_W, 0x9000) &&
	     xlate_ok(0x00405000, ACC_W, 0x7000);
	ktap_result(ok, "32-bit: U/S, R/W at both levels, CR0.WP");

	ctx.cr4 |= GPT_CR4_SMEP;
	ok = xlate_pf(0x00405000, ACC_X, PF_P | PF_I) &&
	     xlate_ok(0x00405000, ACC_R, 0x7000) &&
	     xlate_ok(0x00407000, ACC_X, 0x9000) &&
	     xlate_ok(0x00405000, ACC_X | ACC_U, 0x7000) &&
	     xlate_pf(0x00409000, ACC_X, PF_I);
	ktap_result(ok, "32-bit: SMEP blocks supervisor fetches from user pages");
}

/* ---- PAE ------------------------------------------------------------------ */

#define PAE_VA(pdpt, pd, pt, off) \
	(((u64)(pdpt) << 30) | ((u64)(pd) << 21) | ((u64)(pt) << 12) | (off))

static void setup_pae(u64 efer)
{
	reset(CR0_PG | CR0_PE | CR0_WP, 0x3020, GPT_CR4_PAE, efer);
	w64(0x3020 + 1 * 8, 0x4000 | P);		/* PDPTE[1] */
	w64(0x3020 + 2 * 8, 0x4000 | P | RW);		/* PDPTE[2]: reserved bit 1 */
	w64(0x3020 + 3 * 8, 0x6000 | P);		/* PDPTE[3] */
	w64(0x4000 + 2 * 8, 0x5000 | P | RW | US);	/* PDE[2] -> PT */
	w64(0x5000 + 3 * 8, 0x9000 | P | RW | US | NX);	/* NX user page */
	w64(0x5000 + 4 * 8, 0x123456000ULL | P | RW);	/* > 4G */
	w64(0x5000 + 5 * 8, 0xa000 | P | RW | (1ULL << 62)); /* bit 62 reserved in PAE */
	w64(0x4000 + 3 * 8, 0x00a00000 | P | RW | US | PS);	/* 2M page */
	w64(0x4000 + 4 * 8, 0x00c00000 | P | RW | PS | (1ULL << 13)); /* rsvd */
	w64(0x4000 + 5 * 8, 0x00e00000 | P | RW | PS | (1ULL << 12)); /* PAT ok */
	w64(0x6000, 0x7000 | P | RW | US | NX);		/* NX at the PDE level */
	w64(0x7000, 0xb000 | P | RW | US);
}

static void test_pae(void)
{
	int ok;

	setup_pae(GPT_EFER_NXE);
	ok = xlate_ok(PAE_VA(1, 2, 3, 0x456), ACC_R, 0x9456) &&
	     xlate_ok(PAE_VA(1, 2, 4, 0x10), ACC_W, 0x123456010ULL) &&
	     xlate_ok(PAE_VA(1, 3, 0x1ff, 0xfff), ACC_U | ACC_W, 0x00bfffff) &&
	     xlate_ok(PAE_VA(1, 3, 0, 0) | 0xffffffff00000000ULL, ACC_R, 0x00a00000) &&
	     xlate_ok(PAE_VA(1, 5, 7, 0x8), ACC_R, 0x00e07008);
	ktap_result(ok, "PAE: 4K and 2M translations, CR3 32-byte aligned");

	ok = xlate_pf(PAE_VA(1, 2, 3, 0), ACC_X, PF_P | PF_I) &&
	     xlate_pf(PAE_VA(1, 2, 3, 0), ACC_X | ACC_U, PF_P | PF_I | PF_U) &&
	     xlate_pf(PAE_VA(3, 0, 0, 0), ACC_X, PF_P | PF_I) &&
	     xlate_ok(PAE_VA(3, 0, 0, 0x10), ACC_U | ACC_W, 0xb010) &&
	     xlate_pf(PAE_VA(0, 0, 0, 0), ACC_X, PF_I);
	ktap_result(ok, "PAE: NX at PTE and PDE level with EFER.NXE");

	setup_pae(0);
	ok = xlate_pf(PAE_VA(1, 2, 3, 0), ACC_R, PF_P | PF_RSVD) &&
	     xlate_pf(PAE_VA(1, 2, 3, 0), ACC_X, PF_P | PF_RSVD) &&
	     xlate_pf(PAE_VA(0, 0, 0, 0), ACC_X, 0);
	ktap_result(ok, "PAE: NX bit is reserved without EFER.NXE, no I/D bit");

	setup_pae(GPT_EFER_NXE);
	ok = xlate_pf(PAE_VA(2, 0, 0, 0), ACC_R, PF_P | PF_RSVD) &&
	     xlate_pf(PAE_VA(1, 4, 0, 0), ACC_W, PF_P | PF_RSVD | PF_W) &&
	     xlate_pf(PAE_VA(1, 2, 5, 0), ACC_R, PF_P | PF_RSVD) &&
	     xlate_pf(PAE_VA(1, 2, 6, 0), ACC_U, PF_U) &&
	     xlate_pf(PAE_VA(0, 0, 0, 0), ACC_R, 0);
	ctx.maxphyaddr = 32;
	ok = ok && xlate_pf(PAE_VA(1, 2, 4, 0), ACC_R, PF_P | PF_RSVD) &&
	     xlate_ok(PAE_VA(1, 2, 3, 0), ACC_R, 0x9000);
	ktap_result(ok, "PAE: reserved bits (PDPTE, 2M PDE, bit 62, MAXPHYADDR)");
}

/* ---- 4-level and 5-level -------------------------------------------------- */

#define VA4(l4, l3, l2, l1, off) \
	(((u64)(l4) << 39) | ((u64)(l3) << 30) | ((u64)(l2) << 21) | \
	 ((u64)(l1) << 12) | (off))

static u64 canon48(u64 va)
{
	return va & (1ULL << 47) ? va | 0xffff000000000000ULL : va;
}

static void setup_long(u64 cr4, u64 efer, u64 cr3)
{
	reset(CR0_PG | CR0_PE | CR0_WP, cr3, GPT_CR4_PAE | cr4,
	      GPT_EFER_LMA | (1ULL << 8) | efer);
	/* PML4 at 0x10000 */
	w64(0x10000 + 0 * 8, 0x11000 | P | RW | US);
	w64(0x10000 + 1 * 8, 0x15000 | P | RW);			/* supervisor */
	w64(0x10000 + 2 * 8, 0x16000 | P | RW | US | NX);	/* NX at PML4 */
	w64(0x10000 + 3 * 8, 0x11000 | P | RW | US | PS);	/* PS reserved */
	w64(0x10000 + 4 * 8, 0x11000 | P | US);			/* read-only */
	w64(0x10000 + 256 * 8, 0x11000 | P | RW | US);		/* high half */
	/* PDPT at 0x11000 */
	w64(0x11000 + 0 * 8, 0x12000 | P | RW | US);
	w64(0x11000 + 1 * 8, 0x40000000ULL | P | RW | US | PS);	/* 1G */
	w64(0x11000 + 2 * 8, 0x80000000ULL | P | RW | PS | (1ULL << 13)); /* rsvd */
	w64(0x11000 + 3 * 8, 0x3c0000000ULL | P | RW | US | PS | (1ULL << 12)); /* PAT */
	/* PD at 0x12000 */
	w64(0x12000 + 0 * 8, 0x13000 | P | RW | US);
	w64(0x12000 + 1 * 8, 0x00600000 | P | RW | US | PS);	/* 2M */
	w64(0x12000 + 2 * 8, 0x00800000 | P | RW | PS | (1ULL << 20)); /* rsvd */
	w64(0x12000 + 3 * 8, 0x3fff000ULL | P | RW | US);	/* PT outside memory */
	/* PT at 0x13000 */
	w64(0x13000 + 0 * 8, 0x20000 | P | RW | US);
	w64(0x13000 + 1 * 8, 0x21000 | P | US);			/* read-only */
	w64(0x13000 + 2 * 8, 0x22000 | P | RW);			/* supervisor */
	w64(0x13000 + 3 * 8, 0x23000 | P | RW | US | NX);
	w64(0x13000 + 4 * 8, (1ULL << 45) | P | RW | US);	/* high gpa */
	w64(0x13000 + 5 * 8, 0x25000 | P | RW | US | (0x7fULL << 52)); /* ignored */
	w64(0x13000 + 6 * 8, 0x26000 | RW | US);		/* not present */
	/* PML4[1] -> PDPT 0x15000 -> PD 0x12000 */
	w64(0x15000, 0x12000 | P | RW | US);
	/* PML4[2] -> PDPT 0x16000 -> PD 0x12000 */
	w64(0x16000, 0x12000 | P | RW | US);
}

static void test_long4(void)
{
	unsigned int reads;
	int ok;

	setup_long(0, GPT_EFER_NXE, 0x10000);
	ok = xlate_ok(VA4(0, 0, 0, 0, 0x123), ACC_R, 0x20123) &&
	     xlate_ok(VA4(0, 0, 0, 0, 0xfff), ACC_U | ACC_W | ACC_X, 0x20fff) &&
	     xlate_ok(VA4(0, 0, 0, 1, 0x8), ACC_U, 0x21008) &&
	     xlate_ok(VA4(0, 0, 0, 4, 0x8), ACC_R, (1ULL << 45) | 0x8) &&
	     xlate_ok(VA4(0, 0, 0, 5, 0x8), ACC_R, 0x25008) &&
	     xlate_ok(canon48(VA4(256, 0, 0, 0, 0x40)), ACC_R, 0x20040);
	ctx.cr3 |= 0xfff;	/* PCID and low flags are not address bits */
	ok = ok && xlate_ok(VA4(0, 0, 0, 0, 0x123), ACC_R, 0x20123);
	ktap_result(ok, "4-level: 4K translations, bits 62:52 ignored, high half");

	ok = xlate_ok(VA4(0, 0, 1, 0x1ff, 0xabc), ACC_U | ACC_W, 0x007ffabc) &&
	     xlate_ok(VA4(0, 1, 0x1ff, 0x1ff, 0xfff), ACC_R, 0x7fffffffULL) &&
	     xlate_ok(VA4(0, 1, 3, 4, 5), ACC_X | ACC_U,
		      0x40000000ULL + (3 << 21) + (4 << 12) + 5) &&
	     xlate_ok(VA4(0, 3, 0, 0, 0x10), ACC_R, 0x3c0000010ULL);
	ktap_result(ok, "4-level: 2M and 1G pages (PAT bit is not an address bit)");

	ok = xlate_pf(VA4(3, 0, 0, 0, 0), ACC_R, PF_P | PF_RSVD) &&
	     xlate_pf(VA4(0, 2, 0, 0, 0), ACC_R, PF_P | PF_RSVD) &&
	     xlate_pf(VA4(0, 0, 2, 0, 0), ACC_W | ACC_U, PF_P | PF_RSVD | PF_W | PF_U);
	ctx.maxphyaddr = 40;
	ok = ok && xlate_pf(VA4(0, 0, 0, 4, 0), ACC_X, PF_P | PF_RSVD | PF_I) &&
	     xlate_ok(VA4(0, 0, 0, 0, 0), ACC_R, 0x20000);
	ktap_result(ok, "4-level: reserved bits (PS in PML4E, 1G/2M low bits, MAXPHYADDR)");

	setup_long(0, GPT_EFER_NXE, 0x10000);
	ok = xlate_pf(VA4(0, 0, 0, 6, 0), ACC_R, 0) &&
	     xlate_pf(VA4(0, 0, 0, 6, 0), ACC_X | ACC_U | ACC_W, PF_I | PF_U | PF_W) &&
	     xlate_pf(VA4(5, 0, 0, 0, 0), ACC_R, 0) &&
	     xlate_pf(VA4(0, 4, 0, 0, 0), ACC_W, PF_W);
	ktap_result(ok, "4-level: not-present faults at PTE, PML4E, PDPTE levels");

	ok = xlate_pf(VA4(0, 0, 0, 3, 0), ACC_X, PF_P | PF_I) &&
	     xlate_ok(VA4(0, 0, 0, 3, 0), ACC_W | ACC_U, 0x23000) &&
	     xlate_pf(VA4(2, 0, 0, 0, 0), ACC_X | ACC_U, PF_P | PF_I | PF_U) &&
	     xlate_ok(VA4(2, 0, 0, 0, 0), ACC_R, 0x20000);
	ctx.efer &= ~GPT_EFER_NXE;
	ok = ok && xlate_pf(VA4(0, 0, 0, 3, 0), ACC_R, PF_P | PF_RSVD) &&
	     xlate_pf(VA4(2, 0, 0, 0, 0), ACC_R, PF_P | PF_RSVD) &&
	     xlate_ok(VA4(0, 0, 0, 0, 0), ACC_X, 0x20000);
	ktap_result(ok, "4-level: NX at leaf and PML4E; reserved without EFER.NXE");

	setup_long(0, GPT_EFER_NXE, 0x10000);
	ok = xlate_pf(VA4(0, 0, 0, 1, 0), ACC_W | ACC_U, PF_P | PF_W | PF_U) &&
	     xlate_pf(VA4(0, 0, 0, 1, 0), ACC_W, PF_P | PF_W) &&
	     xlate_pf(VA4(0, 0, 0, 2, 0), ACC_U, PF_P | PF_U) &&
	     xlate_ok(VA4(0, 0, 0, 2, 0), ACC_W | ACC_X, 0x22000) &&
	     xlate_pf(VA4(1, 0, 0, 0, 0), ACC_U, PF_P | PF_U) &&
	     xlate_pf(VA4(4, 0, 0, 0, 0), ACC_W, PF_P | PF_W) &&
	     xlate_ok(VA4(4, 0, 0, 0, 0), ACC_U, 0x20000);
	ctx.cr0 &= ~CR0_WP;
	ok = ok && xlate_ok(VA4(0, 0, 0, 1, 0), ACC_W, 0x21000) &&
	     xlate_ok(VA4(4, 0, 0, 0, 0), ACC_W, 0x20000) &&
	     xlate_pf(VA4(4, 0, 0, 0, 0), ACC_W | ACC_U, PF_P | PF_W | PF_U);
	ktap_result(ok, "4-level: U/S and R/W at leaf and upper levels, CR0.WP");

	ctx.cr4 |= GPT_CR4_SMEP;
	ok = xlate_pf(VA4(0, 0, 0, 0, 0), ACC_X, PF_P | PF_I) &&
	     xlate_ok(VA4(0, 0, 0, 0, 0), ACC_X | ACC_U, 0x20000) &&
	     xlate_ok(VA4(0, 0, 0, 2, 0), ACC_X, 0x22000) &&
	     xlate_ok(VA4(1, 0, 0, 0, 0), ACC_X, 0x20000) &&
	     xlate_ok(VA4(0, 0, 0, 0, 0), ACC_R, 0x20000);
	ktap_result(ok, "4-level: SMEP");

	setup_long(0, GPT_EFER_NXE, 0x10000);
	ok = xlate_rc(0x0000800000000000ULL, ACC_R, -EINVAL) &&
	     xlate_rc(0xffff7fffffffffffULL, ACC_R, -EINVAL) &&
	     xlate_rc(0x8000000000000000ULL, ACC_R, -EINVAL);
	ktap_result(ok, "4-level: non-canonical addresses give -EINVAL");

	reads = nr_reads;
	ok = xlate_rc(VA4(0, 0, 3, 0, 0), ACC_R, -EIO) && nr_reads > reads;
	ctx.cr3 = 0x7ffff000ULL;
	ok = ok && xlate_rc(0, ACC_R, -EIO);
	ktap_result(ok, "4-level: failed page-table reads give -EIO");
}

static void test_long5(void)
{
	u64 va = (3ULL << 48) | VA4(0, 0, 0, 0, 0x77);
	static u8 before[0x20000];
	int ok;

	setup_long(GPT_CR4_LA57, GPT_EFER_NXE, 0x30000);
	w64(0x30000 + 3 * 8, 0x10000 | P | RW | US);		/* PML5[3] -> PML4 */
	w64(0x30000 + 4 * 8, 0x10000 | P | RW | US | PS);	/* PS reserved */
	w64(0x30000 + 5 * 8, 0x10000 | P | RW);			/* supervisor */
	w64(0x30000 + 511 * 8, 0x10000 | P | RW | US | NX);	/* top of va space */
	ok = xlate_ok(va, ACC_R, 0x20077) &&
	     xlate_ok((3ULL << 48) | VA4(0, 1, 0, 0, 0x5), ACC_U, 0x40000005ULL) &&
	     xlate_pf(0, ACC_R, 0) &&
	     xlate_pf(4ULL << 48, ACC_R, PF_P | PF_RSVD) &&
	     xlate_pf(5ULL << 48, ACC_U, PF_P | PF_U) &&
	     xlate_ok(0xffff000000000000ULL | 0x123, ACC_R, 0x20123) &&
	     xlate_pf(0xffff000000000000ULL, ACC_X, PF_P | PF_I) &&
	     xlate_rc(1ULL << 56, ACC_R, -EINVAL) &&
	     xlate_rc(0xfe00000000000000ULL, ACC_R, -EINVAL);
	ktap_result(ok, "5-level: PML5 walk, reserved PS, NX/US at PML5E, canonical");

	ctx.cr4 &= ~GPT_CR4_LA57;
	ok = xlate_rc(va, ACC_R, -EINVAL);
	ktap_result(ok, "4-level: a 57-bit address is non-canonical");

	/* A and D bits are never written. */
	setup_long(0, GPT_EFER_NXE, 0x10000);
	memcpy(before, mem, sizeof(before));
	xlate_ok(VA4(0, 0, 0, 0, 0), ACC_W, 0x20000);
	xlate_ok(VA4(0, 0, 1, 0, 0), ACC_W, 0x600000);
	ktap_result(!memcmp(before, mem, sizeof(before)), "walks do not set A/D bits");
}

/* ---- gpt_read ------------------------------------------------------------- */

static void test_read(void)
{
	u8 buf[64], want[64];
	u64 fva = 0;
	u32 err = 0;
	int r, ok, i;

	setup_long(0, GPT_EFER_NXE, 0x10000);
	/* va 0..0x1fff -> gpa 0x20000, 0x21000 (ro); va 0x2000 -> 0x22000 (sup) */
	for (i = 0; i < 64; i++) {
		mem[0x20fe0 + i] = 0xa0 + i;
		mem[0x21000 + i] = 0x10 + i;
		mem[0x22000 + i] = 0x55;
	}
	memcpy(want, mem + 0x20fe0, 32);
	memcpy(want + 32, mem + 0x21000, 32);
	memset(buf, 0, sizeof(buf));
	r = gpt_read(&ctx, 0xfe0, buf, 64, GPT_ACC_FETCH | GPT_ACC_USER, &err, &fva);
	ok = KTAP_EXPECT(r == 0) && KTAP_EXPECT(!memcmp(buf, want, 64));
	r = gpt_read(&ctx, 0x1ffe, buf, 4, GPT_ACC_FETCH, &err, &fva);
	ok = ok && KTAP_EXPECT(r == 0) && KTAP_EXPECT(buf[2] == 0x55);
	r = gpt_read(&ctx, 0x10, buf, 0, GPT_ACC_FETCH, &err, &fva);
	ok = ok && KTAP_EXPECT(r == 0);
	ktap_result(ok, "gpt_read: cross-page read from discontiguous pages");

	/* Second page is supervisor-only: user fetch faults there. */
	r = gpt_read(&ctx, 0x1ff8, buf, 16, GPT_ACC_FETCH | GPT_ACC_USER, &err, &fva);
	ok = KTAP_EXPECT(r == -EFAULT) && KTAP_EXPECT(fva == 0x2000) &&
	     KTAP_EXPECT(err == (PF_P | PF_U | PF_I));
	/* Not present page 6 after page 5. */
	r = gpt_read(&ctx, 0x5ffc, buf, 8, 0, &err, &fva);
	ok = ok && KTAP_EXPECT(r == -EFAULT) && KTAP_EXPECT(fva == 0x6000) &&
	     KTAP_EXPECT(err == 0);
	r = gpt_read(&ctx, 0x6004, buf, 8, GPT_ACC_WRITE, &err, &fva);
	ok = ok && KTAP_EXPECT(r == -EFAULT) && KTAP_EXPECT(fva == 0x6004) &&
	     KTAP_EXPECT(err == PF_W);
	ktap_result(ok, "gpt_read: fault on the second page reports its address");

	/* Data page outside guest memory: -EIO; non-canonical: -EINVAL. */
	r = gpt_read(&ctx, VA4(0, 0, 0, 4, 0), buf, 4, 0, &err, &fva);
	ok = KTAP_EXPECT(r == -EIO);
	r = gpt_read(&ctx, 0x00007ffffffffff8ULL, buf, 16, 0, NULL, NULL);
	ok = ok && KTAP_EXPECT(r == -EFAULT);
	r = gpt_read(&ctx, 0x0000800000000000ULL, buf, 16, 0, NULL, NULL);
	ok = ok && KTAP_EXPECT(r == -EINVAL);
	ktap_result(ok, "gpt_read: -EIO and -EINVAL");

	/* 32-bit paging: reads wrap at 4G. */
	setup_32(0);
	w32(0x1000 + 1023 * 4, 0x3000 | P | RW | US);
	w32(0x3000 + 1023 * 4, 0x4000 | P | RW | US);
	w32(0x1000 + 0 * 4, 0x5000 | P | RW | US);
	w32(0x5000 + 0 * 4, 0x6000 | P | RW | US);
	mem[0x4ffe] = 1;
	mem[0x4fff] = 2;
	mem[0x6000] = 3;
	mem[0x6001] = 4;
	r = gpt_read(&ctx, 0xfffffffe, buf, 4, 0, &err, &fva);
	ok = KTAP_EXPECT(r == 0) && KTAP_EXPECT(buf[0] == 1 && buf[1] == 2 && buf[2] == 3 &&
						 buf[3] == 4);
	/* Paging off: plain identity read. */
	reset(CR0_PE, 0, 0, 0);
	mem[0x7c00] = 0xea;
	r = gpt_read(&ctx, 0x7c00, buf, 1, GPT_ACC_FETCH, NULL, NULL);
	ok = ok && KTAP_EXPECT(r == 0) && KTAP_EXPECT(buf[0] == 0xea);
	ktap_result(ok, "gpt_read: 32-bit wrap-around, paging off");
}

/* Does path hold n entries, at gpa[i] with the values memory holds? */
static int path_is(const struct gpt_path *path, unsigned int n, u8 esize,
		   const u64 *gpa)
{
	unsigned int i;

	if (path->n != n || (n && path->esize != esize)) {
		printf("# path: %u entries of %u bytes, want %u of %u\n",
		       path->n, path->esize, n, esize);
		return 0;
	}
	for (i = 0; i < n; i++) {
		u64 val = 0;

		memcpy(&val, mem + gpa[i], esize);
		if (path->gpa[i] != gpa[i] || path->val[i] != val) {
			printf("# entry %u: %#llx = %#llx, want %#llx = %#llx\n", i,
			       (unsigned long long)path->gpa[i],
			       (unsigned long long)path->val[i],
			       (unsigned long long)gpa[i], (unsigned long long)val);
			return 0;
		}
	}
	return 1;
}

static void test_path(void)
{
	const u64 l4k[] = { 0x10000, 0x11000, 0x12000, 0x13000 + 1 * 8 };
	const u64 l2m[] = { 0x10000 + 4 * 8, 0x11000, 0x12000 + 1 * 8 };
	const u64 l1g[] = { 0x10000, 0x11000 + 1 * 8 };
	const u64 lnp[] = { 0x10000, 0x11000, 0x12000, 0x13000 + 6 * 8 };
	const u64 pae[] = { 0x1000 + 8, 0x2000 + 1 * 8 };
	const u64 p32[] = { 0x1000 + 4 };
	struct gpt_path path;
	u64 gpa = 0;
	u32 err;
	int ok;

	setup_long(0, GPT_EFER_NXE, 0x10000);
	memset(&path, 0xa5, sizeof(path));
	ok = !gpt_translate_path(&ctx, VA4(0, 0, 0, 1, 8), ACC_U, &gpa, &err,
				 &path) && gpa == 0x21008 &&
	     path_is(&path, 4, 8, l4k) &&
	     !gpt_translate_path(&ctx, VA4(4, 0, 1, 0, 0), ACC_R, &gpa, &err,
				 &path) && gpa == 0x600000 &&
	     path_is(&path, 3, 8, l2m) &&
	     !gpt_translate_path(&ctx, VA4(0, 1, 0, 0, 0), ACC_R, &gpa, &err,
				 &path) && gpa == 0x40000000ULL &&
	     path_is(&path, 2, 8, l1g);
	/* A fault: what was read up to it, the not-present entry included. */
	ok = ok && gpt_translate_path(&ctx, VA4(0, 0, 0, 6, 0), ACC_R, &gpa,
				      &err, &path) == -EFAULT &&
	     path_is(&path, 4, 8, lnp);
	/* The same walk as gpt_translate's, NULL path or not. */
	ok = ok && !gpt_translate_path(&ctx, VA4(0, 0, 0, 0, 0x123), ACC_R,
				       &gpa, &err, NULL) && gpa == 0x20123;
	ktap_result(ok, "path: 4K, 2M and 1G walks record each entry read");

	reset(CR0_PG | CR0_PE, 0x1000, GPT_CR4_PAE, 0);
	w64(0x1000 + 8, 0x2000 | P);			/* PDPTE 1 */
	w64(0x2000 + 1 * 8, 0x00400000 | P | PS);	/* 2M */
	ok = !gpt_translate_path(&ctx, 0x40200010, ACC_R, &gpa, &err, &path) &&
	     gpa == 0x400010 && path_is(&path, 2, 8, pae);
	reset(CR0_PG | CR0_PE, 0x1000, GPT_CR4_PSE, 0);
	w32(0x1000 + 4, 0x00800000 | P | PS);		/* 4M */
	ok = ok && !gpt_translate_path(&ctx, 0x00400020, ACC_R, &gpa, &err,
				       &path) &&
	     gpa == 0x800020 && path_is(&path, 1, 4, p32);
	reset(CR0_PE, 0, 0, 0);
	ok = ok && !gpt_translate_path(&ctx, 0x1234, ACC_R, &gpa, &err, &path) &&
	     gpa == 0x1234 && path_is(&path, 0, 0, NULL);
	ktap_result(ok, "path: PAE and 32-bit entries, none with paging off");
}

int main(void)
{
	ktap_begin("gpt_walk", 29);
	test_nopaging();
	test_32bit();
	test_pae();
	test_long4();
	test_long5();
	test_read();
	test_path();
	return ktap_end();
}
