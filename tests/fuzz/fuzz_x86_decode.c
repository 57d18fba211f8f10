// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz harness for x86_decode() (fuzz_x86_emul.c fuzzes the emulator).
 * Input: byte 0 selects the mode (low 2 bits), the rest are the bytes.
 */
#include <string.h>
#include "fuzz.h"
#include "x86_decode.h"

int fuzz_x86_decode_one(const u8 *data, size_t size)
{
	struct x86_insn a, b;
	enum x86_mode mode;
	u8 buf[64];
	unsigned int avail, k;
	int r, r2;

	if (size < 1)
		return 0;
	mode = (enum x86_mode)(data[0] & 3);
	avail = size - 1 > sizeof(buf) ? sizeof(buf) : size - 1;
	memcpy(buf, data + 1, avail);

	r = x86_decode(buf, avail, mode, &a);
	FUZZ_CHECK(r == 0 || r == -EAGAIN || r == -EINVAL, data, size);
	FUZZ_CHECK(r != -EAGAIN || avail < X86_MAX_INSN_LEN, data, size);

	/* Deterministic, and only the first 15 bytes matter. */
	r2 = x86_decode(buf, avail, mode, &b);
	FUZZ_CHECK(r2 == r && (r || !memcmp(&a, &b, sizeof(a))), data, size);
	if (avail > X86_MAX_INSN_LEN) {
		r2 = x86_decode(buf, X86_MAX_INSN_LEN, mode, &b);
		FUZZ_CHECK(r2 == r && (r || !memcmp(&a, &b, sizeof(a))), data, size);
	}
	if (r)
		return 0;

	FUZZ_CHECK(a.len >= 1 && a.len <= X86_MAX_INSN_LEN && a.len <= avail, data, size);
	FUZZ_CHECK(a.nr_prefixes < a.len, data, size);
	FUZZ_CHECK(a.op_size == 16 || a.op_size == 32 || a.op_size == 64, data, size);
	FUZZ_CHECK(a.addr_size == 16 || a.addr_size == 32 || a.addr_size == 64, data, size);
	FUZZ_CHECK(mode == X86_MODE_LONG64 || (a.op_size != 64 && a.addr_size != 64 && !a.rex),
		   data, size);
	FUZZ_CHECK(a.disp_size <= 8 && (a.disp_size & (a.disp_size - 1)) == 0, data, size);
	FUZZ_CHECK(a.imm_size <= 8 && (a.imm_size & (a.imm_size - 1)) == 0, data, size);
	FUZZ_CHECK(a.imm2_size <= 2, data, size);
	FUZZ_CHECK(a.modrm_reg <= 15 && a.modrm_rm <= 15, data, size);
	FUZZ_CHECK(a.opcode_map <= X86_MAP_0F3A, data, size);
	FUZZ_CHECK(a.seg_override <= X86_SEG_GS || a.seg_override == X86_SEG_NONE, data, size);
	FUZZ_CHECK(!a.has_sib || a.has_modrm, data, size);
	FUZZ_CHECK(!a.rip_rel || mode == X86_MODE_LONG64, data, size);
	FUZZ_CHECK(a.has_modrm + a.has_sib + a.disp_size + a.imm_size + a.imm2_size +
		   a.nr_prefixes + 1 + (a.opcode_map ? 1 : 0) + (a.opcode_map >= 2 ? 1 : 0) ==
		   a.len, data, size);

	/* Exactly len bytes are needed: fewer is -EAGAIN, trailing bytes are ignored. */
	r2 = x86_decode(buf, a.len, mode, &b);
	FUZZ_CHECK(r2 == 0 && !memcmp(&a, &b, sizeof(a)), data, size);
	for (k = 0; k < a.len; k++)
		FUZZ_CHECK(x86_decode(buf, k, mode, &b) == -EAGAIN, data, size);
	memset(buf + a.len, ~buf[a.len < avail ? a.len : 0], sizeof(buf) - a.len);
	r2 = x86_decode(buf, sizeof(buf), mode, &b);
	FUZZ_CHECK(r2 == 0 && !memcmp(&a, &b, sizeof(a)), data, size);

	/* A memory operand comes from a ModRM byte or is a moffs, not both. */
	FUZZ_CHECK(!x86_modrm_is_mem(&a) || (a.has_modrm && a.modrm_mod != 3), data, size);
	FUZZ_CHECK(!a.moffs || (!a.has_modrm && a.opcode_map == X86_MAP_ONEBYTE &&
				a.opcode >= 0xa0 && a.opcode <= 0xa3), data, size);
	FUZZ_CHECK(!a.rip_rel || x86_modrm_is_mem(&a), data, size);
	return 0;
}

#ifdef FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	return fuzz_x86_decode_one(data, size);
}
#endif

/* Seeds for the standalone driver's mutator: mode, length, bytes. */
const struct fuzz_seed fuzz_x86_seeds[] = {
	{ 3, 2, "\x0f\xa2" },
	{ 3, 1, "\xf4" },
	{ 3, 2, "\x0f\x32" },
	{ 3, 2, "\x0f\x30" },
	{ 3, 3, "\x0f\x01\xc1" },
	{ 3, 3, "\x0f\x01\xd9" },
	{ 3, 2, "\xe4\x60" },
	{ 3, 2, "\x66\xef" },
	{ 3, 2, "\xf3\x6e" },
	{ 3, 7, "\x48\x8b\x05\x78\x56\x34\x12" },
	{ 3, 10, "\xc7\x05\x00\x01\x00\x00\x78\x56\x34\x12" },
	{ 3, 11, "\x48\xc7\x05\x00\x01\x00\x00\xff\xff\xff\xff" },
	{ 3, 5, "\x46\x88\x4c\x80\x10" },
	{ 3, 3, "\x40\x88\x30" },
	{ 3, 2, "\x88\x20" },
	{ 3, 4, "\x4c\x89\x3c\x24" },
	{ 3, 8, "\x66\x89\x94\xcb\xff\xff\xff\x7f" },
	{ 3, 4, "\x4c\x0f\xb7\x00" },
	{ 3, 5, "\x48\x0f\xbe\x4a\x04" },
	{ 3, 4, "\x4d\x0f\xc3\x08" },
	{ 3, 9, "\xa1\x88\x77\x66\x55\x44\x33\x22\x11" },
	{ 3, 10, "\x48\xa3\x88\x77\x66\x55\x44\x33\x22\x11" },
	{ 3, 10, "\x48\xb8\x88\x77\x66\x55\x44\x33\x22\x11" },
	{ 3, 9, "\x65\x48\x8b\x04\x25\x00\x00\x00\x00" },
	{ 3, 4, "\xc8\x00\x01\x02" },
	{ 3, 7, "\x66\x0f\x3a\x0f\x40\x10\x04" },
	{ 3, 6, "\x66\x0f\x38\x00\x04\x24" },
	{ 3, 6, "\xf7\x00\x01\x00\x00\x00" },
	{ 3, 3, "\xf6\x08\x80" },
	{ 3, 6, "\x0f\x85\x00\x10\x00\x00" },
	{ 3, 3, "\x0f\x20\xd8" },
	{ 2, 7, "\x9a\x78\x56\x34\x12\x10\x00" },
	{ 2, 5, "\xa0\x78\x56\x34\x12" },
	{ 2, 6, "\x66\xc7\x40\x04\x34\x12" },
	{ 2, 3, "\x67\x8b\x07" },
	{ 2, 7, "\x8b\x84\x8c\x00\x10\x00\x00" },
	{ 2, 2, "\xc4\x07" },
	{ 2, 6, "\x64\xc7\x00\x01\x00\x00" },
	{ 0, 4, "\x8b\x06\x34\x12" },
	{ 0, 5, "\xea\x34\x12\x00\x10" },
	{ 0, 3, "\x0f\xb6\x07" },
	{ 0, 6, "\x67\xa0\x78\x56\x34\x12" },
	{ 0, 7, "\x66\xc7\x07\x78\x56\x34\x12" },
	{ 1, 4, "\x8b\x84\x00\x80" },
	{ 1, 2, "\x8a\x2f" },
};
const unsigned int fuzz_x86_nr_seeds = sizeof(fuzz_x86_seeds) / sizeof(fuzz_x86_seeds[0]);
