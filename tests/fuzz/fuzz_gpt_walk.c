// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz harness for gpt_translate() and gpt_read() on random page tables.
 *
 * Input layout (FUZZ_GPT_HDR header bytes, then guest memory):
 *   0      control bits: PG PAE LMA LA57 PSE WP NXE SMEP
 *   1      bits 0-2 access, bit 3 inject -EIO above 2^35, bits 4-7 MAXPHYADDR
 *   2-9    gva (little endian)
 *   10-17  cr3
 *   18     gpt_read length (0..63)
 *   19     unused
 *   20-    guest memory image (FUZZ_GPT_MEM bytes, zero-filled when short)
 * Guest-physical addresses wrap modulo the memory size so random entries
 * lead to deep walks.
 */
#include <string.h>
#include "fuzz.h"
#include "gpt_walk.h"

struct fake_mem {
	u8 bytes[FUZZ_GPT_MEM];
	bool eio_high;
	unsigned long reads;
};

static int fake_read(void *opaque, u64 gpa, void *buf, unsigned int len)
{
	struct fake_mem *m = opaque;
	u8 *out = buf;
	unsigned int i;

	m->reads++;
	if (m->eio_high && (gpa & (1ULL << 35)))
		return -EFAULT;
	for (i = 0; i < len; i++)
		out[i] = m->bytes[(gpa + i) % FUZZ_GPT_MEM];
	return 0;
}

static u64 le64(const u8 *p)
{
	u64 v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v |= (u64)p[i] << (8 * i);
	return v;
}

static struct fake_mem mem, snapshot;

/* Outcome counts of the read access, for the standalone driver's summary. */
unsigned long fuzz_gpt_stats[6];

/* Walk outcome class; must not depend on the access type. */
enum { C_OK_OR_PROT, C_NOTPRESENT, C_RSVD, C_EIO, C_EINVAL, C_OTHER };

static int classify(int r, u32 err)
{
	switch (r) {
	case 0:
		return C_OK_OR_PROT;
	case -EFAULT:
		if (err & GPT_PF_RSVD)
			return C_RSVD;
		return (err & GPT_PF_P) ? C_OK_OR_PROT : C_NOTPRESENT;
	case -EIO:
		return C_EIO;
	case -EINVAL:
		return C_EINVAL;
	default:
		return C_OTHER;
	}
}

int fuzz_gpt_walk_one(const u8 *data, size_t size)
{
	u8 hdr[FUZZ_GPT_HDR] = { 0 };
	struct gpt_ctx ctx = { 0 };
	u64 gva, gpa[8];
	u32 err[8];
	int r[8], cls = -1;
	unsigned int acc, a, b, rlen, mp;
	bool smep, long_mode, pae_or_long;
	u8 rbuf[64];
	u64 fva;
	u32 rerr;
	int rr;

	memcpy(hdr, data, size < FUZZ_GPT_HDR ? size : FUZZ_GPT_HDR);
	memset(mem.bytes, 0, sizeof(mem.bytes));
	if (size > FUZZ_GPT_HDR)
		memcpy(mem.bytes, data + FUZZ_GPT_HDR,
		       size - FUZZ_GPT_HDR < FUZZ_GPT_MEM ? size - FUZZ_GPT_HDR : FUZZ_GPT_MEM);
	mem.eio_high = hdr[1] & 8;
	memcpy(snapshot.bytes, mem.bytes, sizeof(mem.bytes));

	ctx.cr0 = 1 | ((hdr[0] & 1) ? GPT_CR0_PG : 0) | ((hdr[0] & 0x20) ? GPT_CR0_WP : 0);
	ctx.cr4 = ((hdr[0] & 2) ? GPT_CR4_PAE : 0) | ((hdr[0] & 8) ? GPT_CR4_LA57 : 0) |
		  ((hdr[0] & 0x10) ? GPT_CR4_PSE : 0) | ((hdr[0] & 0x80) ? GPT_CR4_SMEP : 0);
	ctx.efer = ((hdr[0] & 4) ? GPT_EFER_LMA : 0) | ((hdr[0] & 0x40) ? GPT_EFER_NXE : 0);
	mp = hdr[1] >> 4;
	ctx.maxphyaddr = mp ? 32 + mp + (mp > 8 ? 5 : 0) : 0;
	ctx.cr3 = le64(hdr + 10);
	ctx.read_gpa = fake_read;
	ctx.opaque = &mem;
	gva = le64(hdr + 2);
	acc = hdr[1] & 7;
	rlen = hdr[18] & 63;
	smep = ctx.cr4 & GPT_CR4_SMEP;
	long_mode = (ctx.cr0 & GPT_CR0_PG) && (ctx.efer & GPT_EFER_LMA);
	pae_or_long = long_mode || (ctx.cr4 & GPT_CR4_PAE);

	for (a = 0; a < 8; a++) {
		u64 g2;
		u32 e2;
		int r2;

		gpa[a] = 0;
		err[a] = 0;
		r[a] = gpt_translate(&ctx, gva, a, &gpa[a], &err[a]);
		FUZZ_CHECK(r[a] == 0 || r[a] == -EFAULT || r[a] == -EIO || r[a] == -EINVAL,
			   data, size);
		/* deterministic */
		g2 = 0;
		e2 = 0;
		r2 = gpt_translate(&ctx, gva, a, &g2, &e2);
		FUZZ_CHECK(r2 == r[a] && (r2 || g2 == gpa[a]) && (r2 != -EFAULT || e2 == err[a]),
			   data, size);
		/* the walk's outcome class does not depend on the access */
		if (cls < 0)
			cls = classify(r[a], err[a]);
		FUZZ_CHECK(classify(r[a], err[a]) == cls, data, size);

		if (r[a] == 0) {
			FUZZ_CHECK((gpa[a] & 0xfff) == (gva & 0xfff), data, size);
			FUZZ_CHECK(gpa[a] < (1ULL << 52), data, size);
			if (!(ctx.cr0 & GPT_CR0_PG))
				FUZZ_CHECK(gpa[a] == (gva & 0xffffffffULL), data, size);
			if (ctx.maxphyaddr && ctx.maxphyaddr >= 40 && pae_or_long)
				FUZZ_CHECK(gpa[a] < (1ULL << ctx.maxphyaddr), data, size);
		} else if (r[a] == -EFAULT) {
			u32 e = err[a];

			FUZZ_CHECK((e & ~0x1fu) == 0, data, size);
			FUZZ_CHECK(!(e & GPT_PF_RSVD) || (e & GPT_PF_P), data, size);
			FUZZ_CHECK(!!(e & GPT_PF_W) == !!(a & GPT_ACC_WRITE), data, size);
			FUZZ_CHECK(!!(e & GPT_PF_U) == !!(a & GPT_ACC_USER), data, size);
			FUZZ_CHECK(!!(e & GPT_PF_I) == (!!(a & GPT_ACC_FETCH) &&
				   (smep || (pae_or_long && (ctx.efer & GPT_EFER_NXE)))),
				   data, size);
			FUZZ_CHECK(ctx.cr0 & GPT_CR0_PG, data, size);
		} else if (r[a] == -EINVAL) {
			FUZZ_CHECK(long_mode, data, size);
		}
	}

	switch (classify(r[acc], err[acc])) {
	case C_OK_OR_PROT:
		fuzz_gpt_stats[r[acc] ? 1 : 0]++;
		break;
	case C_NOTPRESENT:
		fuzz_gpt_stats[2]++;
		break;
	case C_RSVD:
		fuzz_gpt_stats[3]++;
		break;
	case C_EIO:
		fuzz_gpt_stats[4]++;
		break;
	default:
		fuzz_gpt_stats[5]++;
		break;
	}

	/* All successful accesses agree; fewer rights never fail more. */
	for (a = 0; a < 8; a++) {
		for (b = 0; b < 8; b++) {
			if (r[a] || r[b])
				continue;
			FUZZ_CHECK(gpa[a] == gpa[b], data, size);
		}
		if (r[a] || smep)
			continue;
		for (b = 0; b < 8; b++)
			if ((b & ~a) == 0)
				FUZZ_CHECK(r[b] == 0, data, size);
	}

	/* gpt_read agrees with gpt_translate, byte for byte. */
	fva = 0;
	rerr = 0;
	rr = gpt_read(&ctx, gva, rbuf, rlen, acc, &rerr, &fva);
	FUZZ_CHECK(rr == 0 || rr == -EFAULT || rr == -EIO || rr == -EINVAL, data, size);
	if (rlen && (rr == 0 || rr == -EFAULT)) {
		bool faulted = false;
		unsigned int i;

		for (i = 0; i < rlen && !faulted; i++) {
			u64 va = gva + i, pa;
			u32 e;
			int ri;

			if (!long_mode)
				va &= 0xffffffffULL;
			ri = gpt_translate(&ctx, va, acc, &pa, &e);
			if (rr == -EFAULT && ri) {
				/* the first faulting byte is where the read stopped */
				FUZZ_CHECK(ri == -EFAULT && e == rerr && fva == va, data, size);
				faulted = true;
				break;
			}
			FUZZ_CHECK(ri == 0, data, size);
			if (ri)
				break;
			FUZZ_CHECK(rr != 0 || rbuf[i] == mem.bytes[pa % FUZZ_GPT_MEM], data, size);
		}
		FUZZ_CHECK(faulted == (rr == -EFAULT), data, size);
	} else if (rlen == 0) {
		FUZZ_CHECK(rr == 0, data, size);
	}

	/* The walker never writes guest memory (no A/D updates). */
	FUZZ_CHECK(!memcmp(snapshot.bytes, mem.bytes, sizeof(mem.bytes)), data, size);
	return 0;
}

#ifdef FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	return fuzz_gpt_walk_one(data, size);
}
#endif
