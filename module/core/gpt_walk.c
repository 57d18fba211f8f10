// SPDX-License-Identifier: GPL-2.0
/*
 * Guest page-table walker. See gpt_walk.h for what is modelled.
 */
#include "host.h"
#include "gpt_walk.h"

#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_US		(1ULL << 2)
#define PTE_PS		(1ULL << 7)
#define PTE_NX		(1ULL << 63)

#define PAGE_SHIFT_4K	12
#define ADDR_MASK_52	0x000ffffffffff000ULL

/* Bits hi..lo inclusive. */
static u64 bits(unsigned int hi, unsigned int lo)
{
	if (hi < lo)
		return 0;
	return (~0ULL >> (63 - hi)) & ~((1ULL << lo) - 1);
}

enum gpt_paging {
	GPT_PAGING_32,
	GPT_PAGING_PAE,
	GPT_PAGING_4LVL,
	GPT_PAGING_5LVL,
};

static int read_entry(const struct gpt_ctx *ctx, u64 gpa, unsigned int size,
		      u64 *val)
{
	u8 b[8];
	unsigned int i;

	if (ctx->read_gpa(ctx->opaque, gpa, b, size))
		return -EIO;
	*val = 0;
	for (i = 0; i < size; i++)
		*val |= (u64)b[i] << (8 * i);
	return 0;
}

/*
 * Reserved bits of a present entry at 'level' (1 = PTE) whose PS bit is
 * 'ps' (only meaningful where large pages exist).
 */
static u64 rsvd_mask(enum gpt_paging paging, unsigned int level, bool ps,
		     unsigned int maxphy, bool nxe)
{
	u64 m;

	switch (paging) {
	case GPT_PAGING_32:
		if (level == 2 && ps) {
			unsigned int m40 = maxphy < 40 ? maxphy : 40;

			/* bit 21; bits 20:13 are address bits 39:32 */
			return (1ULL << 21) | bits(20, 13 + m40 - 32);
		}
		return 0;
	case GPT_PAGING_PAE:
		if (level == 3)
			return bits(63, maxphy) | bits(8, 5) | bits(2, 1);
		m = bits(62, maxphy);
		if (!nxe)
			m |= PTE_NX;
		if (level == 2 && ps)
			m |= bits(20, 13);
		return m;
	default:
		m = bits(51, maxphy);
		if (!nxe)
			m |= PTE_NX;
		if (level >= 4)
			m |= PTE_PS;
		else if (level == 3 && ps)
			m |= bits(29, 13);
		else if (level == 2 && ps)
			m |= bits(20, 13);
		return m;
	}
}

int gpt_translate_path(const struct gpt_ctx *ctx, u64 gva,
		       unsigned int access, u64 *gpa, u32 *pf_error,
		       struct gpt_path *path)
{
	bool write = access & GPT_ACC_WRITE, user = access & GPT_ACC_USER;
	bool fetch = access & GPT_ACC_FETCH;
	bool nxe = ctx->efer & GPT_EFER_NXE;
	bool smep = ctx->cr4 & GPT_CR4_SMEP;
	bool writable = true, user_ok = true, nx = false;
	unsigned int maxphy = ctx->maxphyaddr ? ctx->maxphyaddr : 52;
	unsigned int level, shift, esize, idx_bits;
	enum gpt_paging paging;
	u64 table, pte = 0, page_mask, addr;
	u32 err = 0;
	int r;

	if (pf_error)
		*pf_error = 0;
	if (path)
		path->n = 0;
	if (maxphy > 52)
		maxphy = 52;
	if (maxphy < 32)
		maxphy = 32;

	if (!(ctx->cr0 & GPT_CR0_PG)) {
		*gpa = gva & 0xffffffffULL;
		return 0;
	}

	if (ctx->efer & GPT_EFER_LMA) {
		unsigned int vbits = 48;

		paging = GPT_PAGING_4LVL;
		level = 4;
		if (ctx->cr4 & GPT_CR4_LA57) {
			paging = GPT_PAGING_5LVL;
			level = 5;
			vbits = 57;
		}
		/* Canonical: bits 63:vbits-1 all equal. */
		if ((u64)(((s64)(gva << (64 - vbits))) >> (64 - vbits)) != gva)
			return -EINVAL;
		table = ctx->cr3 & ADDR_MASK_52 & bits(maxphy - 1, 0);
		esize = 8;
		idx_bits = 9;
	} else if (ctx->cr4 & GPT_CR4_PAE) {
		paging = GPT_PAGING_PAE;
		gva &= 0xffffffffULL;
		level = 3;
		table = ctx->cr3 & 0xffffffe0ULL;
		esize = 8;
		idx_bits = 9;
	} else {
		paging = GPT_PAGING_32;
		gva &= 0xffffffffULL;
		level = 2;
		table = ctx->cr3 & 0xfffff000ULL;
		esize = 4;
		idx_bits = 10;
	}

	if (write)
		err |= GPT_PF_W;
	if (user)
		err |= GPT_PF_U;
	if (fetch && (smep || (paging != GPT_PAGING_32 && nxe)))
		err |= GPT_PF_I;

	for (;;) {
		bool ps, leaf;
		u64 idx;

		shift = PAGE_SHIFT_4K + idx_bits * (level - 1);
		idx = (gva >> shift) & ((1ULL << idx_bits) - 1);
		if (paging == GPT_PAGING_PAE && level == 3)
			idx = (gva >> 30) & 3;

		r = read_entry(ctx, table + idx * esize, esize, &pte);
		if (r)
			return r;
		if (path && path->n < GPT_MAX_LEVELS) {
			path->esize = esize;
			path->gpa[path->n] = table + idx * esize;
			path->val[path->n++] = pte;
		}
		if (!(pte & PTE_P))
			goto fault;

		ps = pte & PTE_PS;
		switch (paging) {
		case GPT_PAGING_32:
			leaf = level == 1 || (ps && (ctx->cr4 & GPT_CR4_PSE));
			ps = leaf && level > 1;
			break;
		case GPT_PAGING_PAE:
			leaf = level == 1 || (level == 2 && ps);
			break;
		default:
			leaf = level == 1 || ((level == 2 || level == 3) && ps);
			break;
		}
		if (pte & rsvd_mask(paging, level, ps, maxphy, nxe)) {
			err |= GPT_PF_RSVD | GPT_PF_P;
			goto fault;
		}

		/* PAE PDPTEs have no R/W, U/S or NX. */
		if (!(paging == GPT_PAGING_PAE && level == 3)) {
			writable &= !!(pte & PTE_RW);
			user_ok &= !!(pte & PTE_US);
			if (nxe && paging != GPT_PAGING_32 && (pte & PTE_NX))
				nx = true;
		}
		if (leaf)
			break;
		if (paging == GPT_PAGING_32)
			table = pte & 0xfffff000ULL;
		else
			table = pte & ADDR_MASK_52;
		level--;
	}

	/* Permissions of the whole walk. */
	if (user) {
		if (!user_ok || (write && !writable) || (fetch && nx))
			goto prot_fault;
	} else {
		if (write && !writable && (ctx->cr0 & GPT_CR0_WP))
			goto prot_fault;
		if (fetch && (nx || (smep && user_ok)))
			goto prot_fault;
	}

	page_mask = (1ULL << shift) - 1;
	if (paging == GPT_PAGING_32) {
		if (level == 2) /* 4M page, PSE-36 high address bits */
			addr = (pte & 0xffc00000ULL) |
			       (((pte >> 13) & 0xff) << 32);
		else
			addr = pte & 0xfffff000ULL;
	} else {
		addr = pte & ADDR_MASK_52 & ~page_mask;
	}
	*gpa = addr | (gva & page_mask);
	return 0;

prot_fault:
	err |= GPT_PF_P;
fault:
	if (pf_error)
		*pf_error = err;
	return -EFAULT;
}

int gpt_translate(const struct gpt_ctx *ctx, u64 gva, unsigned int access,
		  u64 *gpa, u32 *pf_error)
{
	return gpt_translate_path(ctx, gva, access, gpa, pf_error, NULL);
}

int gpt_read(const struct gpt_ctx *ctx, u64 gva, void *buf, unsigned int len,
	     unsigned int access, u32 *pf_error, u64 *fault_gva)
{
	bool long_mode = (ctx->cr0 & GPT_CR0_PG) && (ctx->efer & GPT_EFER_LMA);
	u8 *p = buf;
	u32 err = 0;
	u64 gpa;
	int r;

	if (pf_error)
		*pf_error = 0;
	if (!long_mode)
		gva &= 0xffffffffULL;
	while (len) {
		unsigned int chunk = 4096 - (gva & 4095);

		if (chunk > len)
			chunk = len;
		r = gpt_translate(ctx, gva, access, &gpa, &err);
		if (r) {
			if (r == -EFAULT) {
				if (pf_error)
					*pf_error = err;
				if (fault_gva)
					*fault_gva = gva;
			}
			return r;
		}
		if (ctx->read_gpa(ctx->opaque, gpa, p, chunk))
			return -EIO;
		p += chunk;
		len -= chunk;
		gva += chunk;
		if (!long_mode)
			gva &= 0xffffffffULL;
	}
	return 0;
}
