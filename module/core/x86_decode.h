/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86 instruction decoder of the portable core.
 *
 * Two uses: finding the length of an intercepted guest instruction when the
 * CPU does not report the next RIP (SVM without NRIPS), and decoding the
 * instruction behind a guest MMIO access; the access itself is emulated by
 * x86_emul.c on top of this decoder.
 *
 * The decoder knows the length of every instruction of the general purpose
 * one-byte map and of the legacy (non-VEX) 0F, 0F38 and 0F3A maps, with any
 * combination of legacy prefixes and REX. VEX, EVEX and XOP encoded
 * instructions are rejected with -EINVAL.
 *
 * Vendor differences: in 64-bit mode a 66 prefix on a near branch (E8, E9,
 * 0F 8x) selects a rel16 as on AMD (Intel ignores the 66 and takes a rel32).
 * Lengths matter most without NRIPS, i.e. on AMD; branches do not exit.
 */
#ifndef VMM_CORE_X86_DECODE_H
#define VMM_CORE_X86_DECODE_H

#include "host.h"

#define X86_MAX_INSN_LEN	15

/* Default operand/address size: 16/16, 16/16, 32/32, 32/64. */
enum x86_mode {
	X86_MODE_REAL,
	X86_MODE_PROT16,
	X86_MODE_PROT32,
	X86_MODE_LONG64,
};

/* Values of x86_insn.seg_override. */
#define X86_SEG_ES		0
#define X86_SEG_CS		1
#define X86_SEG_SS		2
#define X86_SEG_DS		3
#define X86_SEG_FS		4
#define X86_SEG_GS		5
#define X86_SEG_NONE		0xff

/* Values of x86_insn.opcode_map. */
#define X86_MAP_ONEBYTE		0
#define X86_MAP_0F		1
#define X86_MAP_0F38		2
#define X86_MAP_0F3A		3

/* REX bits as found in x86_insn.rex (0 when there is no REX prefix). */
#define X86_REX_B		0x01
#define X86_REX_X		0x02
#define X86_REX_R		0x04
#define X86_REX_W		0x08
#define X86_REX_PRESENT		0x40

struct x86_insn {
	u8 len;			/* total length in bytes, 1..15 */
	u8 op_size;		/* effective operand size in bits: 16, 32, 64 */
	u8 addr_size;		/* effective address size in bits: 16, 32, 64 */
	u8 rex;			/* REX byte (0x40..0x4f), 0 when absent */
	u8 seg_override;	/* X86_SEG_*, X86_SEG_NONE when absent */
	bool rep;		/* F3 prefix (last of F2/F3 wins) */
	bool repne;		/* F2 prefix (last of F2/F3 wins) */
	bool lock;		/* F0 prefix */
	bool opsize_prefix;	/* 66 prefix present */
	bool addrsize_prefix;	/* 67 prefix present */
	u8 nr_prefixes;		/* legacy prefix and REX bytes before the opcode */
	u8 opcode_map;		/* X86_MAP_* */
	u8 opcode;		/* last opcode byte */
	bool has_modrm;
	u8 modrm;
	u8 modrm_mod;		/* modrm bits 7:6 */
	u8 modrm_reg;		/* modrm bits 5:3 extended by REX.R (0..15) */
	u8 modrm_rm;		/* modrm bits 2:0 extended by REX.B (0..15) */
	bool has_sib;
	u8 sib;
	bool rip_rel;		/* RIP/EIP-relative memory operand (64-bit mode) */
	bool moffs;		/* A0-A3: disp holds the zero-extended moffs */
	s64 disp;		/* displacement, sign-extended (moffs: zero-ext.) */
	u8 disp_size;		/* bytes: 0, 1, 2, 4 (8 for a 64-bit moffs) */
	u64 imm;		/* first immediate, zero-extended from imm_size */
	u8 imm_size;		/* bytes: 0, 1, 2, 4, 8 */
	u64 imm2;		/* second immediate: far ptr selector, ENTER */
	u8 imm2_size;		/* imm8, EXTRQ/INSERTQ second imm8; else 0 */
	u8 mode;		/* enum x86_mode it was decoded in */
};

/*
 * Decode one instruction from buf[0..avail). Returns 0 and fills *insn,
 * -EAGAIN if more bytes are needed than avail (and the instruction could
 * still be valid), -EINVAL if the bytes are not a valid instruction in
 * this mode, are VEX/EVEX/XOP encoded, or exceed 15 bytes.
 */
int x86_decode(const u8 *buf, unsigned int avail, enum x86_mode mode,
	       struct x86_insn *insn);

/* 1 if the instruction has a ModRM byte that encodes a memory operand. */
int x86_modrm_is_mem(const struct x86_insn *insn);

#endif /* VMM_CORE_X86_DECODE_H */
