// SPDX-License-Identifier: GPL-2.0
/*
 * x86 instruction decoder (lengths, prefixes, ModRM/SIB, displacement and
 * immediates).
 *
 * Decoding is table driven: every opcode of the one-byte and 0F maps has a
 * set of attribute flags (ModRM present, kind of immediate, validity in
 * 64-bit mode, default operand size). The 0F38 map always has a ModRM and
 * the 0F3A map always has a ModRM and an imm8.
 */
#include "host.h"
#include "x86_decode.h"

/* Opcode attributes. */
#define F_MODRM		0x0001	/* ModRM (and maybe SIB/disp) follows */
#define F_IMM8		0x0002	/* imm8 */
#define F_IMM16		0x0004	/* imm16 */
#define F_IMMZ		0x0008	/* imm16 or imm32 by operand size */
#define F_IMMV		0x0010	/* imm16, imm32 or imm64 by operand size */
#define F_INV64		0x0020	/* invalid in 64-bit mode */
#define F_D64		0x0040	/* 64-bit mode: operand size defaults to 64 */
#define F_MOFFS		0x0100	/* moffs of address size */
#define F_FARPTR	0x0200	/* ptr16:16 / ptr16:32 */
#define F_GRP3		0x0400	/* F6/F7: immediate only for /0 and /1 */
#define F_BAD		0x0800	/* undefined opcode */
#define F_REGONLY	0x1000	/* MOV CR/DR: mod is ignored, no memory operand */
#define F_VEXESC	0x2000	/* C4/C5/62: VEX/EVEX in 64-bit mode or if mod=3 */
#define F_2ND_IMM8	0x4000	/* a second imm8 follows (ENTER) */

static u16 onebyte_flags(u8 op)
{
	/* The ALU block 00-3F: op Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev / AL,Ib / eAX,Iz */
	if (op < 0x40) {
		switch (op & 7) {
		case 0: case 1: case 2: case 3:
			return F_MODRM;
		case 4:
			return F_IMM8;
		case 5:
			return F_IMMZ;
		default:
			/*
			 * PUSH/POP ES/CS/SS/DS, DAA/DAS/AAA/AAS; the prefixes
			 * 26/2E/36/3E and the 0F escape never get here.
			 */
			return F_INV64;
		}
	}

	switch (op) {
	case 0x40 ... 0x4f:	/* INC/DEC r (REX in 64-bit mode) */
		return 0;
	case 0x50 ... 0x5f:	/* PUSH/POP r */
		return F_D64;
	case 0x60: case 0x61:	/* PUSHA/POPA */
		return F_INV64;
	case 0x62:		/* BOUND (EVEX) */
		return F_MODRM | F_INV64 | F_VEXESC;
	case 0x63:		/* ARPL / MOVSXD */
		return F_MODRM;
	case 0x68:		/* PUSH Iz */
		return F_IMMZ | F_D64;
	case 0x69:		/* IMUL Gv,Ev,Iz */
		return F_MODRM | F_IMMZ;
	case 0x6a:		/* PUSH Ib */
		return F_IMM8 | F_D64;
	case 0x6b:		/* IMUL Gv,Ev,Ib */
		return F_MODRM | F_IMM8;
	case 0x6c ... 0x6f:	/* INS/OUTS */
		return 0;
	case 0x70 ... 0x7f:	/* Jcc rel8 */
		return F_IMM8 | F_D64;
	case 0x80: case 0x83:	/* Grp1 Eb,Ib / Ev,Ib */
		return F_MODRM | F_IMM8;
	case 0x81:		/* Grp1 Ev,Iz */
		return F_MODRM | F_IMMZ;
	case 0x82:		/* Grp1 Eb,Ib alias */
		return F_MODRM | F_IMM8 | F_INV64;
	case 0x84 ... 0x8e:	/* TEST, XCHG, MOV, MOV Sreg, LEA */
		return F_MODRM;
	case 0x8f:		/* Grp1A POP Ev (XOP when reg != 0) */
		return F_MODRM | F_D64;
	case 0x90 ... 0x99:	/* XCHG/NOP/PAUSE, CBW, CWD */
		return 0;
	case 0x9a:		/* CALL far ptr */
		return F_FARPTR | F_INV64;
	case 0x9b:		/* FWAIT */
		return 0;
	case 0x9c: case 0x9d:	/* PUSHF/POPF */
		return F_D64;
	case 0x9e: case 0x9f:	/* SAHF/LAHF */
		return 0;
	case 0xa0 ... 0xa3:	/* MOV AL/eAX <-> moffs */
		return F_MOFFS;
	case 0xa4 ... 0xa7:	/* MOVS, CMPS */
		return 0;
	case 0xa8:		/* TEST AL,Ib */
		return F_IMM8;
	case 0xa9:		/* TEST eAX,Iz */
		return F_IMMZ;
	case 0xaa ... 0xaf:	/* STOS, LODS, SCAS */
		return 0;
	case 0xb0 ... 0xb7:	/* MOV r8,Ib */
		return F_IMM8;
	case 0xb8 ... 0xbf:	/* MOV r,Iv */
		return F_IMMV;
	case 0xc0: case 0xc1:	/* Grp2 Ib */
		return F_MODRM | F_IMM8;
	case 0xc2:		/* RET Iw */
		return F_IMM16 | F_D64;
	case 0xc3:		/* RET */
		return F_D64;
	case 0xc4: case 0xc5:	/* LES/LDS (VEX) */
		return F_MODRM | F_INV64 | F_VEXESC;
	case 0xc6:		/* Grp11 MOV Eb,Ib / XABORT */
		return F_MODRM | F_IMM8;
	case 0xc7:		/* Grp11 MOV Ev,Iz / XBEGIN */
		return F_MODRM | F_IMMZ;
	case 0xc8:		/* ENTER Iw,Ib */
		return F_IMM16 | F_2ND_IMM8 | F_D64;
	case 0xc9:		/* LEAVE */
		return F_D64;
	case 0xca:		/* RETF Iw */
		return F_IMM16;
	case 0xcb: case 0xcc:	/* RETF, INT3 */
		return 0;
	case 0xcd:		/* INT Ib */
		return F_IMM8;
	case 0xce:		/* INTO */
		return F_INV64;
	case 0xcf:		/* IRET */
		return 0;
	case 0xd0 ... 0xd3:	/* Grp2 1/CL */
		return F_MODRM;
	case 0xd4: case 0xd5:	/* AAM/AAD Ib */
		return F_IMM8 | F_INV64;
	case 0xd6:		/* SALC */
		return F_INV64;
	case 0xd7:		/* XLAT */
		return 0;
	case 0xd8 ... 0xdf:	/* x87 */
		return F_MODRM;
	case 0xe0 ... 0xe3:	/* LOOPcc, JrCXZ */
		return F_IMM8 | F_D64;
	case 0xe4 ... 0xe7:	/* IN/OUT Ib */
		return F_IMM8;
	case 0xe8: case 0xe9:	/* CALL/JMP rel (rel16 after 66, AMD) */
		return F_IMMZ | F_D64;
	case 0xea:		/* JMP far ptr */
		return F_FARPTR | F_INV64;
	case 0xeb:		/* JMP rel8 */
		return F_IMM8 | F_D64;
	case 0xec ... 0xef:	/* IN/OUT DX */
		return 0;
	case 0xf1:		/* INT1 */
	case 0xf4: case 0xf5:	/* HLT, CMC */
		return 0;
	case 0xf6: case 0xf7:	/* Grp3 */
		return F_MODRM | F_GRP3;
	case 0xf8 ... 0xfd:	/* CLC..STD */
		return 0;
	case 0xfe: case 0xff:	/* Grp4, Grp5 */
		return F_MODRM;
	default:		/* prefixes are consumed before */
		return F_BAD;
	}
}

static u16 twobyte_flags(u8 op)
{
	switch (op) {
	case 0x00 ... 0x03:	/* Grp6, Grp7, LAR, LSL */
		return F_MODRM;
	case 0x05 ... 0x09:	/* SYSCALL CLTS SYSRET INVD WBINVD */
	case 0x0b:		/* UD2 */
	case 0x0e:		/* FEMMS */
		return 0;
	case 0x0d:		/* PREFETCHW / NOP Ev */
		return F_MODRM;
	case 0x0f:		/* 3DNow!: ModRM and a suffix opcode byte */
		return F_MODRM | F_IMM8;
	case 0x10 ... 0x1f:	/* SSE moves, prefetch, hint NOPs, ENDBR */
		return F_MODRM;
	case 0x20 ... 0x23:	/* MOV CR/DR */
		return F_MODRM | F_REGONLY;
	case 0x28 ... 0x2f:	/* SSE */
		return F_MODRM;
	case 0x30 ... 0x35:	/* WRMSR RDTSC RDMSR RDPMC SYSENTER SYSEXIT */
	case 0x37:		/* GETSEC */
		return 0;
	case 0x40 ... 0x6f:	/* CMOVcc, SSE, MMX */
		return F_MODRM;
	case 0x70 ... 0x73:	/* PSHUF*, Grp12-14 */
		return F_MODRM | F_IMM8;
	case 0x74 ... 0x76:	/* PCMPEQ* */
		return F_MODRM;
	case 0x77:		/* EMMS */
		return 0;
	case 0x78: case 0x79:	/* VMREAD/VMWRITE, EXTRQ/INSERTQ */
		return F_MODRM;
	case 0x7c ... 0x7f:	/* HADD/HSUB, MOVD/MOVQ */
		return F_MODRM;
	case 0x80 ... 0x8f:	/* Jcc rel (rel16 after 66, AMD) */
		return F_IMMZ | F_D64;
	case 0x90 ... 0x9f:	/* SETcc */
		return F_MODRM;
	case 0xa0: case 0xa1:	/* PUSH/POP FS */
	case 0xa8: case 0xa9:	/* PUSH/POP GS */
		return F_D64;
	case 0xa2: case 0xaa:	/* CPUID, RSM */
		return 0;
	case 0xa3: case 0xa5: case 0xab: case 0xad: case 0xae: case 0xaf:
		return F_MODRM;
	case 0xa4: case 0xac:	/* SHLD/SHRD Ib */
		return F_MODRM | F_IMM8;
	case 0xb0 ... 0xb9:	/* CMPXCHG LSS BTR LFS LGS MOVZX POPCNT UD1 */
		return F_MODRM;
	case 0xba:		/* Grp8 Ev,Ib */
		return F_MODRM | F_IMM8;
	case 0xbb ... 0xc1:	/* BTC BSF BSR MOVSX XADD */
		return F_MODRM;
	case 0xc2:		/* CMPPS */
		return F_MODRM | F_IMM8;
	case 0xc3:		/* MOVNTI */
		return F_MODRM;
	case 0xc4 ... 0xc6:	/* PINSRW PEXTRW SHUFPS */
		return F_MODRM | F_IMM8;
	case 0xc7:		/* Grp9 */
		return F_MODRM;
	case 0xc8 ... 0xcf:	/* BSWAP */
		return 0;
	case 0xd0 ... 0xff:	/* SSE/MMX, UD0 */
		return F_MODRM;
	default:
		/* 04 0A 0C 24-27 36 39 3B-3F 7A 7B A6 A7; 38/3A are escapes */
		return F_BAD;
	}
}

static u64 get_le(const u8 *p, unsigned int n)
{
	u64 v = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		v |= (u64)p[i] << (8 * i);
	return v;
}

static s64 sext(u64 v, unsigned int bytes)
{
	switch (bytes) {
	case 1:
		return (s8)v;
	case 2:
		return (s16)v;
	case 4:
		return (s32)v;
	default:
		return (s64)v;
	}
}

/* Can the instruction be 'len' bytes long, and are they all available? */
static int need(unsigned int len, unsigned int avail)
{
	if (len > X86_MAX_INSN_LEN)
		return -EINVAL;
	if (len > avail)
		return -EAGAIN;
	return 0;
}

/* Parse ModRM, SIB and displacement at buf[*pos]. */
static int decode_modrm(const u8 *buf, unsigned int avail, unsigned int *pos,
			enum x86_mode mode, u16 flags, struct x86_insn *insn)
{
	unsigned int p = *pos;
	u8 mod, rm;
	int r;

	r = need(p + 1, avail);
	if (r)
		return r;
	insn->has_modrm = true;
	insn->modrm = buf[p++];
	mod = insn->modrm >> 6;
	rm = insn->modrm & 7;
	insn->modrm_mod = mod;
	insn->modrm_reg = ((insn->modrm >> 3) & 7) | ((insn->rex & X86_REX_R) << 1);
	insn->modrm_rm = rm | ((insn->rex & X86_REX_B) << 3);

	if (mod == 3 || (flags & F_REGONLY)) {
		*pos = p;
		return 0;
	}

	if (insn->addr_size == 16) {
		if (mod == 1)
			insn->disp_size = 1;
		else if (mod == 2 || rm == 6)
			insn->disp_size = 2;
	} else {
		if (rm == 4) {
			r = need(p + 1, avail);
			if (r)
				return r;
			insn->has_sib = true;
			insn->sib = buf[p++];
			if (mod == 0 && (insn->sib & 7) == 5)
				insn->disp_size = 4;
		} else if (mod == 0 && rm == 5) {
			insn->disp_size = 4;
			insn->rip_rel = mode == X86_MODE_LONG64;
		}
		if (mod == 1)
			insn->disp_size = 1;
		else if (mod == 2)
			insn->disp_size = 4;
	}
	*pos = p;
	return 0;
}

int x86_decode(const u8 *buf, unsigned int avail, enum x86_mode mode,
	       struct x86_insn *insn)
{
	bool long64 = mode == X86_MODE_LONG64;
	unsigned int pos = 0, opsz, imm2 = 0;
	u16 flags;
	u8 b;
	int r;

	memset(insn, 0, sizeof(*insn));
	insn->mode = mode;
	insn->seg_override = X86_SEG_NONE;
	if (mode > X86_MODE_LONG64)
		return -EINVAL;

	/* Legacy prefixes and REX; a REX not right before the opcode is ignored. */
	for (;;) {
		r = need(pos + 1, avail);
		if (r)
			return r;
		b = buf[pos];
		switch (b) {
		case 0x66:
			insn->opsize_prefix = true;
			break;
		case 0x67:
			insn->addrsize_prefix = true;
			break;
		case 0xf0:
			insn->lock = true;
			break;
		case 0xf2:
			insn->repne = true;
			insn->rep = false;
			break;
		case 0xf3:
			insn->rep = true;
			insn->repne = false;
			break;
		case 0x26: case 0x2e: case 0x36: case 0x3e:
			insn->seg_override = (b >> 3) & 3;
			break;
		case 0x64: case 0x65:
			insn->seg_override = X86_SEG_FS + (b & 1);
			break;
		case 0x40 ... 0x4f:
			if (!long64)
				goto opcode;
			insn->rex = b;
			pos++;
			continue;
		default:
			goto opcode;
		}
		insn->rex = 0;
		pos++;
	}

opcode:
	insn->nr_prefixes = pos;
	b = buf[pos++];
	if (b == 0x0f) {
		r = need(pos + 1, avail);
		if (r)
			return r;
		b = buf[pos++];
		if (b == 0x38 || b == 0x3a) {
			insn->opcode_map = b == 0x38 ? X86_MAP_0F38 : X86_MAP_0F3A;
			r = need(pos + 1, avail);
			if (r)
				return r;
			b = buf[pos++];
			flags = F_MODRM;
			if (insn->opcode_map == X86_MAP_0F3A)
				flags |= F_IMM8;
		} else {
			insn->opcode_map = X86_MAP_0F;
			flags = twobyte_flags(b);
			/* SSE4a EXTRQ/INSERTQ with two imm8 */
			if (b == 0x78 && (insn->opsize_prefix || insn->repne))
				flags |= F_IMM8 | F_2ND_IMM8;
		}
	} else {
		insn->opcode_map = X86_MAP_ONEBYTE;
		flags = onebyte_flags(b);
	}
	insn->opcode = b;

	if (flags & F_BAD)
		return -EINVAL;
	/* invalid in 64-bit mode, or VEX/EVEX there */
	if (long64 && (flags & (F_INV64 | F_VEXESC)))
		return -EINVAL;

	/* Operand and address size. */
	if (long64) {
		if (insn->rex & X86_REX_W)
			opsz = 64;
		else if (insn->opsize_prefix)
			opsz = 16;
		else if (flags & F_D64)
			opsz = 64;
		else
			opsz = 32;
		insn->addr_size = insn->addrsize_prefix ? 32 : 64;
	} else {
		opsz = mode == X86_MODE_PROT32 ? 32 : 16;
		if (insn->opsize_prefix)
			opsz = opsz == 32 ? 16 : 32;
		insn->addr_size = mode == X86_MODE_PROT32 ? 32 : 16;
		if (insn->addrsize_prefix)
			insn->addr_size = insn->addr_size == 32 ? 16 : 32;
	}

	if (flags & F_MODRM) {
		r = decode_modrm(buf, avail, &pos, mode, flags, insn);
		if (r)
			return r;
		if ((flags & F_VEXESC) && insn->modrm_mod == 3)
			return -EINVAL;	/* VEX / EVEX outside 64-bit mode */
	}

	/* Opcode-extension specific rules. */
	if (insn->opcode_map == X86_MAP_ONEBYTE) {
		u8 ext = (insn->modrm >> 3) & 7;

		switch (b) {
		case 0x8f:	/* POP Ev; XOP when reg != 0 */
			if (ext)
				return -EINVAL;
			break;
		case 0x8d:	/* LEA needs memory */
			if (insn->modrm_mod == 3)
				return -EINVAL;
			break;
		case 0xc6: case 0xc7:	/* MOV /0, XABORT/XBEGIN C6/C7 F8 */
			if (ext != 0 && insn->modrm != 0xf8)
				return -EINVAL;
			break;
		case 0xf6: case 0xf7:
			if (ext < 2)
				flags |= b == 0xf6 ? F_IMM8 : F_IMMZ;
			break;
		case 0xfe:
			if (ext > 1)
				return -EINVAL;
			break;
		case 0xff:
			if (ext == 7 ||
			    ((ext == 3 || ext == 5) && insn->modrm_mod == 3))
				return -EINVAL;
			/* near CALL/JMP/PUSH default to 64-bit */
			if (long64 && (ext == 2 || ext == 4 || ext == 6) &&
			    !insn->opsize_prefix)
				opsz = 64;
			break;
		}
	} else if (insn->opcode_map == X86_MAP_0F) {
		u8 ext = (insn->modrm >> 3) & 7;

		switch (b) {
		case 0x00:
			if (ext > 5)
				return -EINVAL;
			break;
		case 0xb2: case 0xb4: case 0xb5:	/* LSS/LFS/LGS */
			if (insn->modrm_mod == 3)
				return -EINVAL;
			break;
		}
	}
	insn->op_size = opsz;

	/* Immediates: compute the full length first, then read them. */
	if (flags & F_MOFFS) {
		insn->moffs = true;
		insn->disp_size = insn->addr_size / 8;
	}
	if (flags & (F_IMM8 | F_IMM16 | F_IMMZ | F_IMMV | F_FARPTR)) {
		if (flags & F_IMM8)
			insn->imm_size = 1;
		else if (flags & F_IMM16)
			insn->imm_size = 2;
		else if (flags & F_IMMV)
			insn->imm_size = opsz / 8;
		else	/* F_IMMZ, F_FARPTR */
			insn->imm_size = opsz == 16 ? 2 : 4;
	}
	if (flags & F_FARPTR)
		imm2 = 2;
	else if (flags & F_2ND_IMM8)
		imm2 = 1;
	insn->imm2_size = imm2;

	r = need(pos + insn->disp_size + insn->imm_size + imm2, avail);
	if (r)
		return r;

	if (insn->disp_size) {
		u64 d = get_le(buf + pos, insn->disp_size);

		insn->disp = insn->moffs ? (s64)d : sext(d, insn->disp_size);
		pos += insn->disp_size;
	}
	insn->imm = get_le(buf + pos, insn->imm_size);
	pos += insn->imm_size;
	insn->imm2 = get_le(buf + pos, imm2);
	pos += imm2;

	insn->len = pos;
	return 0;
}

int x86_modrm_is_mem(const struct x86_insn *insn)
{
	if (!insn->has_modrm || insn->modrm_mod == 3)
		return 0;
	if (insn->opcode_map == X86_MAP_0F && insn->opcode >= 0x20 &&
	    insn->opcode <= 0x23)
		return 0;	/* MOV CR/DR ignore mod */
	return 1;
}
