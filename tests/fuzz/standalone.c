// SPDX-License-Identifier: GPL-2.0
/*
 * Standalone driver for the fuzz harnesses (no libFuzzer needed): feeds
 * N generated inputs with a fixed seed (random bytes, structured random
 * instructions and mutated seed encodings; random page tables) to each
 * harness and prints one KTAP suite.
 *
 * Usage: fuzz_standalone [x86_iterations [gpt_iterations [seed [emul_iterations
 *        [ahci_actions [vdi_iterations [vblk_actions [device_actions
 *        [vballoon_actions]]]]]]]]]
 * (ahci_actions counts AHCI register/command-table actions, not inputs;
 * vblk_actions likewise virtio-blk actions, device_actions the device
 * models' actions). New harnesses take the next argument, so existing
 * command lines keep their meaning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "x86_decode.h"

static u64 rng_state;

static u64 rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static unsigned int rn(unsigned int n)
{
	return (unsigned int)((rnd() >> 32) % n);
}

static const u8 prefixes[] = {
	0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65,
	0x40, 0x41, 0x44, 0x48, 0x49, 0x4c, 0x4f,
};

static size_t gen_insn(u8 *in, size_t cap, const struct fuzz_seed *seeds,
		       unsigned int nr_seeds)
{
	unsigned int kind = rn(10), n = 0, i, m;

	if (kind < 4) {
		const struct fuzz_seed *s = &seeds[rn(nr_seeds)];

		in[0] = rn(5) ? s->mode : rn(4);
		memcpy(in + 1, s->bytes, s->len);
		n = s->len;
		/* random tail so that growing mutations find bytes */
		for (i = n; i < 20; i++)
			in[1 + i] = rnd();
		for (m = rn(4) + 1; m; m--) {
			unsigned int pos = n ? rn(n) : 0;

			switch (rn(6)) {
			case 0:	/* bit flip */
				if (n)
					in[1 + pos] ^= 1 << rn(8);
				break;
			case 1:	/* random byte */
				if (n)
					in[1 + pos] = rnd();
				break;
			case 2:	/* insert a prefix */
				if (n < 24) {
					memmove(in + 2 + pos, in + 1 + pos, n - pos);
					in[1 + pos] = prefixes[rn(sizeof(prefixes))];
					n++;
				}
				break;
			case 3:	/* delete a byte */
				if (n) {
					memmove(in + 1 + pos, in + 2 + pos, n - pos - 1);
					n--;
				}
				break;
			case 4:	/* truncate */
				n = n ? rn(n + 1) : 0;
				break;
			default:	/* take some of the random tail */
				n += rn(6);
				break;
			}
		}
	} else if (kind < 7) {
		/* structured: prefixes, REX, escapes, then random bytes */
		in[0] = rn(4);
		while (rn(3) == 0 && n < 16)
			in[1 + n++] = prefixes[rn(11)];
		if (in[0] == 3 && rn(2))
			in[1 + n++] = 0x40 | rn(16);
		if (rn(3) == 0) {
			in[1 + n++] = 0x0f;
			if (rn(4) == 0)
				in[1 + n++] = rn(2) ? 0x38 : 0x3a;
		}
		m = n + rn(12);
		while (n < m)
			in[1 + n++] = rnd();
	} else {
		in[0] = rnd();
		n = rn(24);
		for (i = 0; i < n; i++)
			in[1 + i] = rnd();
	}
	if (n + 1 > cap)
		n = cap - 1;
	return n + 1;
}

static size_t gen_x86(u8 *in, size_t cap)
{
	return gen_insn(in, cap, fuzz_x86_seeds, fuzz_x86_nr_seeds);
}

/*
 * Emulator input (see fuzz_x86_emul.c): mode and setup bits, 15
 * instruction bytes (mostly mutated seeds), register seeds, flags, budget,
 * and a script of op outcomes that mostly succeeds.
 */
static size_t gen_emul(u8 *in, size_t cap)
{
	u8 insn[64];
	size_t n, i, len;

	if (rn(3))
		n = gen_insn(insn, sizeof(insn), fuzz_emul_seeds, fuzz_emul_nr_seeds);
	else
		n = gen_insn(insn, sizeof(insn), fuzz_x86_seeds, fuzz_x86_nr_seeds);
	in[0] = (insn[0] & 3) | (rnd() & 0xfc);
	for (i = 1; i < 16; i++)
		in[i] = i < n ? insn[i] : rnd();
	for (i = 16; i < 48; i += 2) {
		in[i] = rnd();
		in[i + 1] = rn(3) ? rnd() & 0x3f : rnd();
	}
	in[48] = rnd();
	in[49] = rnd();
	len = 50 + rn(cap - 50);
	for (i = 50; i < len; i++)
		in[i] = rn(8) ? 0x40 | (rnd() & 0xb0) | (4 + rn(12)) : rnd();
	return len;
}

static u64 gen_entry(void)
{
	u64 e = rnd() & 0x3ff000ULL;

	if (rn(10))
		e |= 1;				/* P */
	if (rn(10) < 7)
		e |= 2;				/* R/W */
	if (rn(10) < 7)
		e |= 4;				/* U/S */
	if (rn(10) < 3)
		e |= 0x80;			/* PS */
	if (rn(10) < 2)
		e |= 1ULL << 63;		/* NX */
	if (rn(20) == 0)
		e |= 1ULL << (8 + rn(55));	/* anything, maybe reserved */
	if (rn(40) == 0)
		e |= rnd() & 0x000fffff00000000ULL;	/* high address bits */
	return e;
}

static void gen_gpt(u8 *in, bool rebuild)
{
	u8 *memp = in + FUZZ_GPT_HDR;
	unsigned int i, n;
	u64 v, e;

	if (rebuild) {
		for (i = 0; i < FUZZ_GPT_MEM / 8; i++) {
			e = gen_entry();
			memcpy(memp + 8 * i, &e, 8);
		}
	}
	for (n = 0; n < 8; n++) {
		e = gen_entry();
		memcpy(memp + 8 * rn(FUZZ_GPT_MEM / 8), &e, 8);
	}
	in[0] = rnd();
	if (rn(10))
		in[0] |= 1;		/* mostly paging on */
	in[1] = rnd();
	v = rnd();
	switch (rn(4)) {
	case 0:
		v &= 0xffffffffULL;
		break;
	case 1:
		v = (u64)((s64)(v << 16) >> 16);	/* canonical 48 */
		break;
	case 2:
		v = (u64)((s64)(v << 7) >> 7);		/* canonical 57 */
		break;
	}
	if (rn(4) == 0)
		v |= 0xff8;		/* near a page end for gpt_read */
	memcpy(in + 2, &v, 8);
	v = rn(2) ? rnd() & 0x3fe0 : rnd();
	memcpy(in + 10, &v, 8);
	in[18] = rnd();
}

/*
 * AHCI input (see fuzz_ahci.c): a config byte that mostly brings the
 * ports up, then 8-128 records whose first byte, the action, is weighted
 * towards building and issuing commands and completing requests.
 */
static size_t gen_ahci(u8 *in, size_t cap)
{
	static const u8 weights[16] = {
		2, 3, 1, 10, 10, 10, 9, 9, 8, 8, 8, 2, 2, 1, 1, 1,
	};
	unsigned int nrec = 8 + rn(121), r, i, total = 0;
	size_t len;

	for (i = 0; i < 16; i++)
		total += weights[i];
	in[0] = rnd();
	if (rn(10))
		in[0] |= 0x40;
	len = 1 + (size_t)nrec * FUZZ_AHCI_REC;
	if (len > cap)
		len = cap;
	for (i = 1; i < len; i++)
		in[i] = rnd();
	for (r = 0; 1 + r * FUZZ_AHCI_REC < len; r++) {
		unsigned int pick = rn(total), op = 0;

		while (pick >= weights[op]) {
			pick -= weights[op];
			op++;
		}
		in[1 + r * FUZZ_AHCI_REC] = op + 16 * rn(16);
	}
	return len;
}

/*
 * virtio-blk input (see fuzz_virtio_blk.c): a config byte, then 8-128
 * records weighted towards posting chains and completing requests.
 */
static size_t gen_vblk(u8 *in, size_t cap)
{
	static const u8 weights[16] = {
		1, 1, 2, 6, 6, 6, 6, 6, 8, 8, 8, 1, 1, 1, 1, 1,
	};
	unsigned int nrec = 8 + rn(121), r, i, total = 0;
	size_t len;

	for (i = 0; i < 16; i++)
		total += weights[i];
	len = 1 + (size_t)nrec * FUZZ_VBLK_REC;
	if (len > cap)
		len = cap;
	for (i = 0; i < len; i++)
		in[i] = rnd();
	for (r = 0; 1 + r * FUZZ_VBLK_REC < len; r++) {
		unsigned int pick = rn(total), op = 0;

		while (pick >= weights[op]) {
			pick -= weights[op];
			op++;
		}
		in[1 + r * FUZZ_VBLK_REC] = op + 16 * rn(16);
	}
	return len;
}

/* virtio-balloon input (see fuzz_virtio_balloon.c): random records. */
static size_t gen_vbal(u8 *in, size_t cap)
{
	unsigned int nrec = 4 + rn(61), i;
	size_t len = 1 + (size_t)nrec * FUZZ_VBAL_REC;

	if (len > cap)
		len = cap;
	for (i = 0; i < len; i++)
		in[i] = rnd();
	return len;
}

static void w32(u8 *p, u32 v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

/*
 * A VDI input (see fuzz_vdi.c): mostly valid headers in qemu-img's,
 * VirtualBox's or the v0.2 layout with small dense maps, then a few
 * mutations of header fields, map entries, the file size or the length.
 */
static size_t gen_vdi(u8 *in, size_t cap)
{
	u32 layout = rn(16), bs, extra = 0, blocks, m, i, alloc, type = 1;
	u32 ob, od, nmut;
	u64 disk;
	size_t len;

	memset(in, 0, cap);
	if (layout == 15) {		/* random bytes with a signature */
		len = rn(cap);
		for (i = 0; i < len; i++)
			in[i] = rnd();
		if (len >= 0x48 && rn(2)) {
			w32(in + 0x40, 0xbeda107f);
			w32(in + 0x44, rn(2) ? 0x00010001 : 2);
		}
		return len;
	}
	bs = rn(4) ? 1u << 20 : 1u << (1 + rn(31));
	if (rn(4) == 0)
		extra = rn(3) ? 1u << rn(20) : rnd();
	blocks = rn(20) ? 1 + rn(FUZZ_VDI_MAX_BLOCKS) : (u32)rnd();
	disk = (u64)bs * blocks - (rn(3) ? 0 : rn(bs));
	if (!disk)
		disk = 1;
	if (rn(8) == 0)
		type = rn(8) ? 2 : rn(6);
	memcpy(in, "<<< Oracle VM VirtualBox Disk Image >>>\n", 40);
	w32(in + 0x40, 0xbeda107f);
	if (layout == 14) {		/* v0.2 */
		w32(in + 0x44, 2);
		w32(in + 0x48, type);
		w32(in + 0x150 + 12, 512);
		w32(in + 0x160, (u32)disk);
		w32(in + 0x164, (u32)(disk >> 32));
		w32(in + 0x168, bs);
		w32(in + 0x16c, blocks);
		in[0x174] = 1 + rn(255);
		in[0x184] = 1 + rn(255);
	} else {
		bool vbox = layout < 7;
		u64 mapb = 4ull * blocks;

		ob = vbox ? 1u << 20 : 0x200;
		od = vbox ? (u32)(((ob + mapb + (1u << 20) - 1) >> 20) << 20) :
		     (u32)(((ob + mapb + 511) >> 9) << 9);
		if (rn(16) == 0)
			od = ob + rnd() % (mapb + 8);
		w32(in + 0x44, 0x00010001);
		w32(in + 0x48, vbox ? 0x190 : 0x180);
		w32(in + 0x4c, type);
		w32(in + 0x154, ob);
		w32(in + 0x158, od);
		w32(in + 0x168, 512);
		w32(in + 0x170, (u32)disk);
		w32(in + 0x174, (u32)(disk >> 32));
		w32(in + 0x178, bs);
		w32(in + 0x17c, extra);
		w32(in + 0x180, blocks);
		in[0x188] = 1 + rn(255);
		in[0x198] = 1 + rn(255);
		if (vbox)
			w32(in + 0x1d4, 512);
	}
	/* a dense map: m blocks on slots 0..m-1, the rest FREE or ZERO */
	m = blocks <= FUZZ_VDI_MAX_BLOCKS ? (type == 2 ? blocks : rn(blocks + 1)) : 0;
	for (i = 0; i < blocks && i < FUZZ_VDI_MAX_BLOCKS; i++)
		w32(in + FUZZ_VDI_MAP_AT + 4 * i, type == 2 ? i :
		    rn(2) ? 0xffffffffu : 0xfffffffeu);
	for (i = 0; i < m && type != 2; i++) {
		u32 vb;

		do
			vb = rn(blocks);
		while (in[FUZZ_VDI_MAP_AT + 4 * vb + 3] != 0xff);
		w32(in + FUZZ_VDI_MAP_AT + 4 * vb, i);
	}
	alloc = m;
	if (rn(8) == 0)
		alloc = m + rn(3) - (m ? 1 : 0);
	w32(in + (layout == 14 ? 0x170 : 0x184), alloc);
	w32(in + 512, rn(4) ? 0 : rn(3) == 0 ? (u32)-(s32)rn(4096) : rn(1 << 21));
	w32(in + 516, rnd());
	len = FUZZ_VDI_MAP_AT + 4ull * (blocks < FUZZ_VDI_MAX_BLOCKS ? blocks : FUZZ_VDI_MAX_BLOCKS);
	/* mutations */
	for (nmut = rn(3) == 0 ? rn(4) + 1 : 0; nmut; nmut--) {
		switch (rn(5)) {
		case 0:		/* a bit of the header */
			in[rn(0x1d8)] ^= 1 << rn(8);
			break;
		case 1:		/* a header field */
			w32(in + 0x40 + 4 * rn(0x66), rn(2) ? rnd() : rn(3));
			break;
		case 2:		/* a map entry: duplicate, out of range, free */
			if (blocks <= FUZZ_VDI_MAX_BLOCKS)
				w32(in + FUZZ_VDI_MAP_AT + 4 * rn(blocks),
				    rn(2) ? rn(blocks + 2) : rnd());
			break;
		case 3:		/* truncated input */
			len = rn(len + 1);
			break;
		default:	/* file size */
			w32(in + 512, rnd());
			break;
		}
	}
	return len < cap ? len : cap;
}

/*
 * Device platform input (see fuzz_devices.c): a config byte, then records
 * whose opcodes lean towards the programming sequences and the clock, so
 * that timers run and interrupts get delivered and taken.
 */
static size_t gen_devices(u8 *in, size_t cap)
{
	static const u8 weights[20] = {
		/* port w/r */ 6, 3, 6, 3, /* lapic */ 5, 3, /* ioapic */ 3, 3,
		/* msr */ 3, /* clock */ 6, 6, /* irq */ 6, 6, /* lines */ 4,
		/* reset */ 1, /* dma */ 4, /* host */ 3, /* pci */ 4,
		/* program */ 8, 8,
	};
	unsigned int nrec = 1 + rn((cap - 1) / FUZZ_DEV_REC), total = 0, i, j, w;

	for (i = 0; i < 20; i++)
		total += weights[i];
	in[0] = rnd();
	for (i = 0; i < nrec; i++) {
		u8 *r = in + 1 + i * FUZZ_DEV_REC;

		for (j = 0; j < FUZZ_DEV_REC; j++)
			r[j] = rnd();
		w = rn(total);
		for (j = 0; w >= weights[j]; j++)
			w -= weights[j];
		/* the opcode is taken mod 20; keep the size bits random */
		r[0] = (u8)(j + 20 * rn(12));
		if (r[0] < j)
			r[0] = j;
	}
	return 1 + (size_t)nrec * FUZZ_DEV_REC;
}

int main(int argc, char **argv)
{
	unsigned long x86_iters = argc > 1 ? strtoul(argv[1], NULL, 0) : 500000;
	unsigned long emul_iters = argc > 4 ? strtoul(argv[4], NULL, 0) : 300000;
	unsigned long gpt_iters = argc > 2 ? strtoul(argv[2], NULL, 0) : 200000;
	unsigned long vdi_iters = argc > 6 ? strtoul(argv[6], NULL, 0) : 1000000;
	u64 seed = argc > 3 ? strtoull(argv[3], NULL, 0) : 0x5eed5eed5eedULL;
	unsigned long ahci_ops = argc > 5 ? strtoul(argv[5], NULL, 0) : 1000000;
	unsigned long dev_ops = argc > 8 ? strtoul(argv[8], NULL, 0) : 1000000;
	static u8 dev_in[1 + 256 * FUZZ_DEV_REC];
	unsigned long dev_inputs = 0;
	static u8 ahci_in[1 + 128 * FUZZ_AHCI_REC];
	unsigned long ahci_inputs = 0;
	unsigned long vblk_ops = argc > 7 ? strtoul(argv[7], NULL, 0) : 1000000;
	static u8 vblk_in[1 + 128 * FUZZ_VBLK_REC];
	unsigned long vblk_inputs = 0;
	unsigned long vbal_ops = argc > 9 ? strtoul(argv[9], NULL, 0) : 1000000;
	static u8 vbal_in[1 + 64 * FUZZ_VBAL_REC];
	unsigned long vbal_inputs = 0;
	static u8 vin[FUZZ_VDI_MAP_AT + 4 * FUZZ_VDI_MAX_BLOCKS];
	static u8 gpt_in[FUZZ_GPT_HDR + FUZZ_GPT_MEM];
	unsigned long i, stat[4] = { 0 }, fails, passed = 0, failed = 0;
	u8 in[64], ein[96];

	printf("KTAP version 1\n# Subtest: fuzz\n1..8\n");
	fflush(stdout);

	rng_state = seed | 1;
	fuzz_failures = 0;
	for (i = 0; i < x86_iters; i++) {
		size_t n = gen_x86(in, sizeof(in));
		struct x86_insn insn;
		int r;

		fuzz_x86_decode_one(in, n);
		r = x86_decode(in + 1, n - 1, (enum x86_mode)(in[0] & 3), &insn);
		stat[r == 0 ? 0 : r == -EAGAIN ? 1 : r == -EINVAL ? 2 : 3]++;
	}
	fails = fuzz_failures;
	printf("# x86_decode: %lu ok, %lu -EAGAIN, %lu -EINVAL, %lu other\n",
	       stat[0], stat[1], stat[2], stat[3]);
	printf("%s 1 - fuzz x86_decode %lu iterations\n", fails ? "not ok" : "ok", x86_iters);
	fails ? failed++ : passed++;
	fflush(stdout);

	rng_state = (seed ^ 0x9e3779b97f4a7c15ULL) | 1;
	fuzz_failures = 0;
	for (i = 0; i < gpt_iters; i++) {
		size_t n = sizeof(gpt_in);

		gen_gpt(gpt_in, i % 64 == 0);
		if (rn(16) == 0)
			n = rn(sizeof(gpt_in));	/* short input: zero memory */
		fuzz_gpt_walk_one(gpt_in, n);
	}
	fails = fuzz_failures;
	printf("# gpt_translate: %lu ok, %lu prot, %lu not present, %lu rsvd, %lu -EIO, "
	       "%lu -EINVAL\n",
	       fuzz_gpt_stats[0], fuzz_gpt_stats[1], fuzz_gpt_stats[2], fuzz_gpt_stats[3],
	       fuzz_gpt_stats[4], fuzz_gpt_stats[5]);
	printf("%s 2 - fuzz gpt_translate %lu iterations\n", fails ? "not ok" : "ok", gpt_iters);
	fails ? failed++ : passed++;
	fflush(stdout);

	rng_state = (seed ^ 0xc2b2ae3d27d4eb4fULL) | 1;
	fuzz_failures = 0;
	for (i = 0; i < emul_iters; i++) {
		size_t n = gen_emul(ein, sizeof(ein));

		fuzz_x86_emul_one(ein, n);
	}
	fails = fuzz_failures;
	printf("# x86_emulate: %lu ok, %lu exception, %lu user, %lu unhandled, "
	       "%lu not decodable\n", fuzz_emul_stats[0], fuzz_emul_stats[1],
	       fuzz_emul_stats[2], fuzz_emul_stats[3], fuzz_emul_stats[4]);
	printf("%s 3 - fuzz x86_emulate %lu iterations\n", fails ? "not ok" : "ok", emul_iters);
	fails ? failed++ : passed++;
	fflush(stdout);

	rng_state = (seed ^ 0x165667b19e3779f9ULL) | 1;
	fuzz_failures = 0;
	fuzz_ahci_ops = 0;
	while (fuzz_ahci_ops < ahci_ops) {
		size_t n = gen_ahci(ahci_in, sizeof(ahci_in));

		fuzz_ahci_one(ahci_in, n);
		ahci_inputs++;
	}
	fails = fuzz_failures;
	printf("# ahci: %lu inputs, %lu commands built, %lu ATA errors, %lu requests, "
	       "%lu completions, %lu held, %lu SDB posts, %lu port messages\n", ahci_inputs,
	       fuzz_ahci_stats[0], fuzz_ahci_stats[1], fuzz_ahci_stats[2], fuzz_ahci_stats[3],
	       fuzz_ahci_stats[4], fuzz_ahci_stats[5], fuzz_ahci_stats[6]);
	printf("%s 4 - fuzz ahci %lu actions\n", fails ? "not ok" : "ok", fuzz_ahci_ops);
	fails ? failed++ : passed++;
	fflush(stdout);

	rng_state = (seed ^ 0x27d4eb2f165667c5ULL) | 1;
	fuzz_failures = 0;
	for (i = 0; i < vdi_iters; i++) {
		size_t n = gen_vdi(vin, sizeof(vin));

		fuzz_vdi_one(vin, n);
	}
	fails = fuzz_failures;
	printf("# vdi: %lu headers ok, %lu refused; %lu maps ok, %lu refused\n",
	       fuzz_vdi_stats[0], fuzz_vdi_stats[1], fuzz_vdi_stats[2], fuzz_vdi_stats[3]);
	printf("%s 5 - fuzz vdi header and map %lu iterations\n", fails ? "not ok" : "ok",
	       vdi_iters);
	fails ? failed++ : passed++;
	fflush(stdout);

	rng_state = (seed ^ 0x85ebca77c2b2ae63ULL) | 1;
	fuzz_failures = 0;
	fuzz_vblk_ops = 0;
	while (fuzz_vblk_ops < vblk_ops) {
		size_t n = gen_vblk(vblk_in, sizeof(vblk_in));

		fuzz_virtio_blk_one(vblk_in, n);
		vblk_inputs++;
	}
	fails = fuzz_failures;
	printf("# virtio_blk: %lu inputs, %lu chains posted, %lu requests, %lu completions, "
	       "%lu bring-ups\n", vblk_inputs, fuzz_vblk_stats[0], fuzz_vblk_stats[1],
	       fuzz_vblk_stats[2], fuzz_vblk_stats[3]);
	printf("%s 6 - fuzz virtio_blk %lu actions\n", fails ? "not ok" : "ok", fuzz_vblk_ops);
	fails ? failed++ : passed++;
	fflush(stdout);

	rng_state = (seed ^ 0x85ebca6b9e3779b1ULL) | 1;
	fuzz_failures = 0;
	fuzz_dev_actions = 0;
	while (fuzz_dev_actions < dev_ops) {
		size_t n = gen_devices(dev_in, sizeof(dev_in));

		fuzz_devices_one(dev_in, n);
		dev_inputs++;
	}
	fails = fuzz_failures;
	printf("# devices: %lu inputs, %lu LAPIC vectors taken, %lu PIC vectors taken, "
	       "%lu timer fires, %lu DMA kicks (%lu DMA errors), %lu LAPIC kicks\n",
	       dev_inputs, fuzz_dev_stats[0], fuzz_dev_stats[1], fuzz_dev_stats[2],
	       fuzz_dev_stats[3], fuzz_dev_stats[5], fuzz_dev_stats[4]);
	printf("%s 7 - fuzz device models %lu actions\n", fails ? "not ok" : "ok",
	       fuzz_dev_actions);
	fails ? failed++ : passed++;
	fflush(stdout);

	rng_state = (seed ^ 0x27d4eb2f165667c5ULL) | 1;
	fuzz_failures = 0;
	fuzz_vbal_ops = 0;
	while (fuzz_vbal_ops < vbal_ops) {
		size_t n = gen_vbal(vbal_in, sizeof(vbal_in));

		fuzz_virtio_balloon_one(vbal_in, n);
		vbal_inputs++;
	}
	fails = fuzz_failures;
	printf("# virtio_balloon: %lu inputs, %lu chains posted, %lu pages discarded, "
	       "%lu work calls, %lu resets\n", vbal_inputs, fuzz_vbal_stats[0],
	       fuzz_vbal_stats[1], fuzz_vbal_stats[2], fuzz_vbal_stats[3]);
	printf("%s 8 - fuzz virtio_balloon %lu actions\n", fails ? "not ok" : "ok",
	       fuzz_vbal_ops);
	fails ? failed++ : passed++;
	printf("# fuzz: %lu passed, %lu failed\n", passed, failed);
	return failed ? 1 : 0;
}
