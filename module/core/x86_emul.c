// SPDX-License-Identifier: GPL-2.0
/*
 * x86 instruction emulator: executes one decoded instruction against a
 * working copy of the registers and flags, which is written back to the
 * context only when the instruction (or, for REP, an iteration) completes.
 * That is what makes X86_EMUL_USER and X86_EMUL_EXCEPTION side-effect free:
 * a failing access returns before anything is committed, and every memory
 * write of an instruction comes after its reads.
 *
 * Supported (real, 16/32-bit protected and 64-bit mode, all prefixes,
 * register operands too): MOV 88-8B C6/0 C7/0 A0-A3, MOVZX/MOVSX 0F B6 B7
 * BE BF, MOVSXD 63 (64-bit), MOVNTI 0F C3, ADD OR ADC SBB AND SUB XOR CMP
 * 00-3D and 80-83, TEST 84 85 A8 A9 F6/F7 /0 /1, NOT NEG F6/F7 /2 /3,
 * INC DEC FE/FF /0 /1, XCHG 86 87, BT BTS BTR BTC 0F A3 AB B3 BB and
 * 0F BA /4-/7, MOVS CMPS STOS LODS SCAS with REP/REPE/REPNE (F2 on MOVS,
 * STOS, LODS acts as REP); and, for running a few instructions past an
 * MMIO write (the vCPU loop's doorbell chaining), LEA 8D, MOV r,imm B0-BF,
 * SHL/SHR/SAR C0 C1 D0-D3 on registers, Jcc 70-7F 0F 80-8F and JMP EB E9.
 * Everything else is X86_EMUL_UNHANDLED (INS/OUTS included), LOCK outside
 * a memory read-modify-write form is #UD.
 *
 * Flags the SDM leaves undefined: AND/OR/XOR/TEST clear AF, as the CPUs we
 * checked do (the unit test compares with the host); BT* change only CF.
 *
 * Segmentation: real mode checks the cached limit only; protected mode
 * also usability and type (no writes to code or read-only data, no reads
 * of execute-only code), expand-down included; 64-bit mode adds only the
 * FS/GS bases and checks that the first and last byte are canonical
 * (48-bit). Faults are #GP(0), #SS(0) through SS. #AC(0) for a misaligned
 * access with CR0.AM, RFLAGS.AC and CPL 3.
 */
#include "host.h"
#include "x86_emul.h"

#define REG_RAX			0
#define REG_RCX			1
#define REG_RBX			3
#define REG_RSP			4
#define REG_RBP			5
#define REG_RSI			6
#define REG_RDI			7

#define DEFAULT_ITERATIONS	1024
#define CR0_AM_BIT		(1ULL << 18)

/* ALU operations, numbered as the /digit of 80-83 and bits 5:3 of 00-3D. */
enum alu_op {
	ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP,
};

struct emul {
	struct x86_emul_ctx *c;
	const struct x86_insn *in;
	u64 regs[16];		/* working copies, committed on completion */
	u64 flags;
	bool branch;		/* a jump taken: RIP goes to target */
	u64 target;
};

enum opnd_kind { OPND_REG, OPND_MEM, OPND_IMM };

struct opnd {
	enum opnd_kind kind;
	unsigned int size;	/* bytes */
	unsigned int reg;
	bool high;		/* AH, CH, DH, BH */
	u8 seg;
	u64 ea;			/* offset within seg, address-size truncated */
	u64 val;
};

static u64 mask_of(unsigned int bytes)
{
	return bytes >= 8 ? ~0ULL : (1ULL << (8 * bytes)) - 1;
}

static u64 sign_ext(u64 v, unsigned int bytes)
{
	switch (bytes) {
	case 1:
		return (u64)(s64)(s8)v;
	case 2:
		return (u64)(s64)(s16)v;
	case 4:
		return (u64)(s64)(s32)v;
	default:
		return v;
	}
}

void x86_emul_set_exception(struct x86_emul_ctx *c, u8 vector, bool has_error,
			    u32 error)
{
	c->exc_vector = vector;
	c->exc_has_error = has_error;
	c->exc_error = has_error ? error : 0;
}

static int raise_exc(struct emul *e, u8 vector, bool has_error)
{
	x86_emul_set_exception(e->c, vector, has_error, 0);
	return X86_EMUL_EXCEPTION;
}

/* LOCK is only valid on the read-modify-write forms with a memory destination. */
static int check_lock(struct emul *e, bool lockable)
{
	if (e->in->lock && !lockable)
		return raise_exc(e, X86_EXC_UD, false);
	return X86_EMUL_OK;
}

static void commit(struct emul *e)
{
	memcpy(e->c->gprs, e->regs, sizeof(e->regs));
	e->c->rflags = e->flags;
}

static u64 next_rip(enum x86_mode mode, u64 rip, unsigned int len)
{
	u64 next = rip + len;

	if (mode == X86_MODE_PROT32)
		next = (u32)next;
	else if (mode != X86_MODE_LONG64)
		next &= 0xffff;
	return next;
}

static void advance_rip(struct emul *e)
{
	e->c->rip = e->branch ? e->target :
				next_rip(e->c->mode, e->c->rip, e->in->len);
}

/* ---- registers ---- */

static u64 reg_get(const struct emul *e, unsigned int reg, bool high,
		   unsigned int size)
{
	if (high)
		return (e->regs[reg] >> 8) & 0xff;
	return e->regs[reg] & mask_of(size);
}

/* 8/16-bit writes merge, 32-bit writes zero-extend. */
static void reg_store(u64 *r, bool high, unsigned int size, u64 v)
{
	switch (size) {
	case 1:
		if (high)
			*r = (*r & ~0xff00ULL) | ((v & 0xff) << 8);
		else
			*r = (*r & ~0xffULL) | (v & 0xff);
		break;
	case 2:
		*r = (*r & ~0xffffULL) | (v & 0xffff);
		break;
	case 4:
		*r = (u32)v;
		break;
	default:
		*r = v;
		break;
	}
}

static void reg_set(struct emul *e, unsigned int reg, bool high,
		    unsigned int size, u64 v)
{
	reg_store(&e->regs[reg], high, size, v);
}

static void opnd_reg(const struct emul *e, struct opnd *o, unsigned int reg,
		     unsigned int size)
{
	memset(o, 0, sizeof(*o));
	o->kind = OPND_REG;
	o->size = size;
	o->reg = reg;
	/* Without REX, byte registers 4..7 are AH, CH, DH, BH. */
	if (size == 1 && !e->in->rex && reg >= 4 && reg < 8) {
		o->reg = reg - 4;
		o->high = true;
	}
}

static void opnd_imm(struct opnd *o, u64 val, unsigned int size)
{
	memset(o, 0, sizeof(*o));
	o->kind = OPND_IMM;
	o->size = size;
	o->val = val & mask_of(size);
}

/* ---- addressing ---- */

static u64 addr_mask(const struct emul *e)
{
	return mask_of(e->in->addr_size / 8);
}

static u8 pick_seg(const struct emul *e, u8 dflt)
{
	return e->in->seg_override != X86_SEG_NONE ? e->in->seg_override : dflt;
}

/* 16-bit ModRM: rm selects BX+SI, BX+DI, BP+SI, BP+DI, SI, DI, BP, BX. */
static const u8 ea16_base[8] = { REG_RBX, REG_RBX, REG_RBP, REG_RBP,
				 REG_RSI, REG_RDI, REG_RBP, REG_RBX };
static const u8 ea16_index[8] = { REG_RSI, REG_RDI, REG_RSI, REG_RDI,
				  0xff, 0xff, 0xff, 0xff };

/* The ModRM memory operand's offset and segment, with registers regs. */
static void ea_of(const struct x86_insn *in, const u64 *regs, u64 rip,
		  u64 *ea, u8 *seg)
{
	u8 mod = in->modrm_mod, rm = in->modrm & 7;
	u64 a = (u64)in->disp;
	u8 s = X86_SEG_DS;

	if (in->addr_size == 16) {
		if (!(mod == 0 && rm == 6)) {
			a += regs[ea16_base[rm]];
			if (ea16_index[rm] != 0xff)
				a += regs[ea16_index[rm]];
			if (ea16_base[rm] == REG_RBP)
				s = X86_SEG_SS;
		}
	} else if (in->rip_rel) {
		/* relative to the next instruction */
		a += rip + in->len;
	} else if (in->has_sib) {
		u8 base = (in->sib & 7) | ((in->rex & X86_REX_B) << 3);
		u8 index = ((in->sib >> 3) & 7) | ((in->rex & X86_REX_X) << 2);

		if (index != REG_RSP)
			a += regs[index] << (in->sib >> 6);
		if (!(mod == 0 && (in->sib & 7) == 5)) {
			a += regs[base];
			if (base == REG_RSP || base == REG_RBP)
				s = X86_SEG_SS;
		}
	} else if (!(mod == 0 && rm == 5)) {
		a += regs[in->modrm_rm];
		if (in->modrm_rm == REG_RBP)
			s = X86_SEG_SS;
	}
	*ea = a & mask_of(in->addr_size / 8);
	*seg = in->seg_override != X86_SEG_NONE ? in->seg_override : s;
}

static void modrm_ea(const struct emul *e, u64 *ea, u8 *seg)
{
	ea_of(e->in, e->regs, e->c->rip, ea, seg);
}

/* The r/m operand: a register for mod = 3, else memory. */
static void opnd_rm(const struct emul *e, struct opnd *o, unsigned int size)
{
	if (e->in->modrm_mod == 3) {
		opnd_reg(e, o, e->in->modrm_rm, size);
		return;
	}
	memset(o, 0, sizeof(*o));
	o->kind = OPND_MEM;
	o->size = size;
	modrm_ea(e, &o->ea, &o->seg);
}

static bool is_canonical(u64 a)
{
	return (u64)((s64)(a << 16) >> 16) == a;
}

/*
 * Segmentation: offset ea of size bytes in segment seg to a linear
 * address. 64-bit mode: only FS/GS have a base, no limits, canonical
 * check. Otherwise the limit (expand-up or -down) and, outside real mode,
 * usability and type. Faults are #GP(0), or #SS(0) for SS.
 */
static int linearize(struct emul *e, u8 seg, u64 ea, unsigned int size,
		     bool write, u64 *lin)
{
	const struct x86_emul_seg *s = &e->c->seg[seg];
	u8 vec = seg == X86_SEG_SS ? X86_EXC_SS : X86_EXC_GP;
	u64 last = ea + size - 1, a;
	u32 type = s->attr & X86_SEG_ATTR_TYPE;
	bool down = false;

	if (e->c->mode == X86_MODE_LONG64) {
		a = ea + (seg >= X86_SEG_FS ? s->base : 0);
		if (!is_canonical(a) || !is_canonical(a + size - 1))
			return raise_exc(e, vec, true);
		goto done;
	}

	if (e->c->mode != X86_MODE_REAL) {
		if (s->attr & X86_SEG_ATTR_UNUSABLE)
			return raise_exc(e, vec, true);
		if (type & 8) {			/* code: bit 1 = readable */
			if (write || !(type & 2))
				return raise_exc(e, vec, true);
		} else {			/* data: bit 1 = writable */
			if (write && !(type & 2))
				return raise_exc(e, vec, true);
			down = type & 4;
		}
	}

	if (down) {
		u64 upper = (s->attr & X86_SEG_ATTR_DB) ? 0xffffffffULL : 0xffff;

		if (ea <= s->limit || last > upper)
			return raise_exc(e, vec, true);
	} else if (last > s->limit) {
		return raise_exc(e, vec, true);
	}
	a = (u32)(s->base + ea);
done:
	if ((e->c->cr0 & CR0_AM_BIT) && (e->flags & X86_FLAGS_AC) &&
	    e->c->cpl == 3 && (a & (size - 1)))
		return raise_exc(e, X86_EXC_AC, true);
	*lin = a;
	return X86_EMUL_OK;
}

static int op_result(int r)
{
	if (r == X86_EMUL_EXCEPTION || r == X86_EMUL_USER)
		return r;
	return X86_EMUL_UNHANDLED;
}

static int mem_read(struct emul *e, u8 seg, u64 ea, unsigned int size,
		    u64 *val)
{
	u8 buf[8] = { 0 };
	u64 lin, v = 0;
	unsigned int i;
	int r;

	r = linearize(e, seg, ea, size, false, &lin);
	if (r)
		return r;
	r = e->c->ops->read(e->c, lin, buf, size);
	if (r != X86_EMUL_OK)
		return op_result(r);
	for (i = size; i--; )
		v = (v << 8) | buf[i];
	*val = v;
	return X86_EMUL_OK;
}

static int mem_write(struct emul *e, u8 seg, u64 ea, unsigned int size, u64 v)
{
	u8 buf[8];
	unsigned int i;
	u64 lin;
	int r;

	r = linearize(e, seg, ea, size, true, &lin);
	if (r)
		return r;
	for (i = 0; i < size; i++)
		buf[i] = v >> (8 * i);
	r = e->c->ops->write(e->c, lin, buf, size);
	if (r != X86_EMUL_OK)
		return op_result(r);
	e->c->wrote = true;
	return X86_EMUL_OK;
}

static int opnd_read(struct emul *e, struct opnd *o)
{
	switch (o->kind) {
	case OPND_REG:
		o->val = reg_get(e, o->reg, o->high, o->size);
		return X86_EMUL_OK;
	case OPND_MEM:
		return mem_read(e, o->seg, o->ea, o->size, &o->val);
	default:
		return X86_EMUL_OK;
	}
}

static int opnd_write(struct emul *e, const struct opnd *o, u64 v)
{
	if (o->kind == OPND_MEM)
		return mem_write(e, o->seg, o->ea, o->size, v & mask_of(o->size));
	reg_set(e, o->reg, o->high, o->size, v);
	return X86_EMUL_OK;
}

/* ---- flags ---- */

static u64 flags_szp(u64 r, unsigned int size)
{
	u64 f = 0;
	u8 p = r;

	r &= mask_of(size);
	if (!r)
		f |= X86_FLAGS_ZF;
	if ((r >> (8 * size - 1)) & 1)
		f |= X86_FLAGS_SF;
	p ^= p >> 4;
	p ^= p >> 2;
	p ^= p >> 1;
	if (!(p & 1))
		f |= X86_FLAGS_PF;
	return f;
}

/* Compute a op b at size bytes; sets the six status flags in e->flags. */
static u64 alu(struct emul *e, enum alu_op op, u64 a, u64 b, unsigned int size)
{
	u64 m = mask_of(size), msb = 1ULL << (8 * size - 1);
	u64 cin = e->flags & X86_FLAGS_CF, r, f;

	a &= m;
	b &= m;
	switch (op) {
	case ALU_ADD:
		cin = 0;
		fallthrough;
	case ALU_ADC:
		r = (a + b + cin) & m;
		f = flags_szp(r, size) | ((a ^ b ^ r) & X86_FLAGS_AF);
		if (((a & b) | ((a | b) & ~r)) & msb)
			f |= X86_FLAGS_CF;
		if ((a ^ r) & (b ^ r) & msb)
			f |= X86_FLAGS_OF;
		break;
	case ALU_SUB:
	case ALU_CMP:
		cin = 0;
		fallthrough;
	case ALU_SBB:
		r = (a - b - cin) & m;
		f = flags_szp(r, size) | ((a ^ b ^ r) & X86_FLAGS_AF);
		if (((~a & b) | ((~a | b) & r)) & msb)
			f |= X86_FLAGS_CF;
		if ((a ^ b) & (a ^ r) & msb)
			f |= X86_FLAGS_OF;
		break;
	case ALU_OR:
		r = a | b;
		f = flags_szp(r, size);
		break;
	case ALU_AND:
		r = a & b;
		f = flags_szp(r, size);
		break;
	default:	/* ALU_XOR */
		r = a ^ b;
		f = flags_szp(r, size);
		break;
	}
	e->flags = (e->flags & ~(u64)X86_FLAGS_STATUS) | f;
	return r;
}

/* ---- instruction classes ---- */

/* dst = dst op src (CMP and TEST: flags only). Reads, then the write. */
static int do_alu(struct emul *e, enum alu_op op, struct opnd *dst,
		  struct opnd *src, bool store)
{
	u64 r;
	int ret;

	ret = opnd_read(e, src);
	if (ret)
		return ret;
	ret = opnd_read(e, dst);
	if (ret)
		return ret;
	r = alu(e, op, dst->val, src->val, dst->size);
	if (!store)
		return X86_EMUL_OK;
	return opnd_write(e, dst, r);
}

/* 00-3D: op Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev / AL,Ib / eAX,Iz */
static int exec_alu_block(struct emul *e)
{
	const struct x86_insn *in = e->in;
	enum alu_op op = in->opcode >> 3;
	unsigned int size = (in->opcode & 1) ? in->op_size / 8 : 1;
	struct opnd dst, src;
	int r;

	switch (in->opcode & 7) {
	case 0:
	case 1:
		opnd_rm(e, &dst, size);
		opnd_reg(e, &src, in->modrm_reg, size);
		break;
	case 2:
	case 3:
		opnd_reg(e, &dst, in->modrm_reg, size);
		opnd_rm(e, &src, size);
		break;
	default:
		opnd_reg(e, &dst, REG_RAX, size);
		opnd_imm(&src, sign_ext(in->imm, in->imm_size), size);
		break;
	}
	r = check_lock(e, dst.kind == OPND_MEM && op != ALU_CMP);
	if (r)
		return r;
	return do_alu(e, op, &dst, &src, op != ALU_CMP);
}

/* 80-83: Grp1 Eb,Ib / Ev,Iz / Eb,Ib / Ev,Ib (sign-extended) */
static int exec_grp1(struct emul *e)
{
	const struct x86_insn *in = e->in;
	enum alu_op op = (in->modrm >> 3) & 7;
	unsigned int size = (in->opcode & 1) ? in->op_size / 8 : 1;
	struct opnd dst, src;
	int r;

	opnd_rm(e, &dst, size);
	opnd_imm(&src, sign_ext(in->imm, in->imm_size), size);
	r = check_lock(e, dst.kind == OPND_MEM && op != ALU_CMP);
	if (r)
		return r;
	return do_alu(e, op, &dst, &src, op != ALU_CMP);
}

/* F6/F7: TEST Ib/Iz, NOT, NEG. MUL/IMUL/DIV/IDIV are not handled. */
static int exec_grp3(struct emul *e)
{
	const struct x86_insn *in = e->in;
	unsigned int ext = (in->modrm >> 3) & 7;
	unsigned int size = (in->opcode & 1) ? in->op_size / 8 : 1;
	struct opnd dst, src;
	int r;

	if (ext > 3)
		return X86_EMUL_UNHANDLED;
	opnd_rm(e, &dst, size);
	r = check_lock(e, dst.kind == OPND_MEM && ext >= 2);
	if (r)
		return r;
	if (ext < 2) {
		opnd_imm(&src, sign_ext(in->imm, in->imm_size), size);
		return do_alu(e, ALU_AND, &dst, &src, false);
	}
	r = opnd_read(e, &dst);
	if (r)
		return r;
	if (ext == 2)
		return opnd_write(e, &dst, ~dst.val);
	return opnd_write(e, &dst, alu(e, ALU_SUB, 0, dst.val, size));
}

/* FE/FF /0 /1: INC, DEC; CF is preserved. */
static int exec_incdec(struct emul *e)
{
	const struct x86_insn *in = e->in;
	unsigned int ext = (in->modrm >> 3) & 7;
	unsigned int size = (in->opcode & 1) ? in->op_size / 8 : 1;
	u64 cf = e->flags & X86_FLAGS_CF, v;
	struct opnd dst;
	int r;

	if (ext > 1)
		return X86_EMUL_UNHANDLED;
	opnd_rm(e, &dst, size);
	r = check_lock(e, dst.kind == OPND_MEM);
	if (r)
		return r;
	r = opnd_read(e, &dst);
	if (r)
		return r;
	v = alu(e, ext ? ALU_SUB : ALU_ADD, dst.val, 1, size);
	e->flags = (e->flags & ~(u64)X86_FLAGS_CF) | cf;
	return opnd_write(e, &dst, v);
}

/* 84/85 TEST E,G; A8/A9 TEST AL/eAX,imm */
static int exec_test(struct emul *e)
{
	const struct x86_insn *in = e->in;
	unsigned int size = (in->opcode & 1) ? in->op_size / 8 : 1;
	struct opnd dst, src;
	int r;

	if (in->opcode >= 0xa8) {
		opnd_reg(e, &dst, REG_RAX, size);
		opnd_imm(&src, sign_ext(in->imm, in->imm_size), size);
	} else {
		opnd_rm(e, &dst, size);
		opnd_reg(e, &src, in->modrm_reg, size);
	}
	r = check_lock(e, false);
	if (r)
		return r;
	return do_alu(e, ALU_AND, &dst, &src, false);
}

/* 86/87 XCHG E,G: the memory write comes before the register write. */
static int exec_xchg(struct emul *e)
{
	const struct x86_insn *in = e->in;
	unsigned int size = (in->opcode & 1) ? in->op_size / 8 : 1;
	struct opnd a, b;
	int r;

	opnd_rm(e, &a, size);
	opnd_reg(e, &b, in->modrm_reg, size);
	r = check_lock(e, a.kind == OPND_MEM);
	if (r)
		return r;
	r = opnd_read(e, &a);
	if (r)
		return r;
	r = opnd_read(e, &b);
	if (r)
		return r;
	r = opnd_write(e, &a, b.val);
	if (r)
		return r;
	return opnd_write(e, &b, a.val);
}

/* 88-8B, C6/0, C7/0, A0-A3, 63 (MOVSXD), 0F B6 B7 BE BF, 0F C3 (MOVNTI) */
static int exec_mov(struct emul *e)
{
	const struct x86_insn *in = e->in;
	unsigned int osz = in->op_size / 8, size;
	struct opnd dst, src;
	u8 o = in->opcode;
	bool sx = false;
	int r;

	r = check_lock(e, false);
	if (r)
		return r;
	if (in->opcode_map == X86_MAP_0F && o == 0xc3) {	/* MOVNTI */
		if (in->opsize_prefix || in->rep || in->repne ||
		    in->modrm_mod == 3)
			return X86_EMUL_UNHANDLED;
		size = osz;
		opnd_rm(e, &dst, size);
		opnd_reg(e, &src, in->modrm_reg, size);
	} else if (in->opcode_map == X86_MAP_0F) {	/* MOVZX, MOVSX */
		size = (o & 1) ? 2 : 1;
		sx = o >= 0xbe;
		opnd_rm(e, &src, size);
		opnd_reg(e, &dst, in->modrm_reg, osz);
	} else if (o == 0x63) {			/* MOVSXD */
		size = osz > 4 ? 4 : osz;
		sx = true;
		opnd_rm(e, &src, size);
		opnd_reg(e, &dst, in->modrm_reg, osz);
	} else if (o >= 0xa0 && o <= 0xa3) {	/* moffs */
		size = (o & 1) ? osz : 1;
		memset(&src, 0, sizeof(src));
		src.kind = OPND_MEM;
		src.size = size;
		src.seg = pick_seg(e, X86_SEG_DS);
		src.ea = (u64)in->disp & addr_mask(e);
		opnd_reg(e, &dst, REG_RAX, size);
		dst.high = false;
		if (o & 2) {
			struct opnd t = src;

			src = dst;
			dst = t;
		}
	} else if (o == 0xc6 || o == 0xc7) {
		if ((in->modrm >> 3) & 7)
			return X86_EMUL_UNHANDLED;	/* XABORT, XBEGIN */
		size = (o & 1) ? osz : 1;
		opnd_rm(e, &dst, size);
		opnd_imm(&src, sign_ext(in->imm, in->imm_size), size);
	} else {				/* 88-8B */
		size = (o & 1) ? osz : 1;
		if (o & 2) {
			opnd_reg(e, &dst, in->modrm_reg, size);
			opnd_rm(e, &src, size);
		} else {
			opnd_rm(e, &dst, size);
			opnd_reg(e, &src, in->modrm_reg, size);
		}
	}
	r = opnd_read(e, &src);
	if (r)
		return r;
	return opnd_write(e, &dst, sx ? sign_ext(src.val, src.size) : src.val);
}

/*
 * BT/BTS/BTR/BTC (kind 0-3). With a register bit offset and a memory
 * operand the offset is signed and may select any bit around ea; with an
 * immediate or a register operand it is taken modulo the operand size.
 */
static int exec_bt(struct emul *e, unsigned int kind, bool imm)
{
	const struct x86_insn *in = e->in;
	unsigned int size = in->op_size / 8, bits = 8 * size, bit, shift;
	struct opnd dst;
	u64 v;
	int r;

	opnd_rm(e, &dst, size);
	r = check_lock(e, dst.kind == OPND_MEM && kind != 0);
	if (r)
		return r;
	if (imm) {
		bit = in->imm & (bits - 1);
	} else {
		s64 off = (s64)sign_ext(reg_get(e, in->modrm_reg, false, size),
					size);

		bit = off & (bits - 1);
		if (dst.kind == OPND_MEM) {
			shift = size == 2 ? 4 : size == 4 ? 5 : 6;
			dst.ea = (dst.ea + (u64)((off >> shift) * (s64)size)) &
				 addr_mask(e);
		}
	}
	r = opnd_read(e, &dst);
	if (r)
		return r;
	e->flags &= ~(u64)X86_FLAGS_CF;
	e->flags |= (dst.val >> bit) & 1;
	switch (kind) {
	case 1:
		v = dst.val | (1ULL << bit);
		break;
	case 2:
		v = dst.val & ~(1ULL << bit);
		break;
	case 3:
		v = dst.val ^ (1ULL << bit);
		break;
	default:
		return X86_EMUL_OK;
	}
	return opnd_write(e, &dst, v);
}

static void string_advance(struct emul *e, unsigned int reg, unsigned int size)
{
	unsigned int asz = e->in->addr_size / 8;
	u64 v = e->regs[reg];

	if (e->flags & X86_FLAGS_DF)
		v -= size;
	else
		v += size;
	reg_set(e, reg, false, asz, v);
}

/* One iteration of MOVS/CMPS/STOS/LODS/SCAS; reads before the write. */
static int string_step(struct emul *e, unsigned int size)
{
	u64 am = addr_mask(e), si = e->regs[REG_RSI] & am;
	u64 di = e->regs[REG_RDI] & am, a, b;
	u8 sseg = pick_seg(e, X86_SEG_DS);
	int r;

	switch (e->in->opcode) {
	case 0xa4: case 0xa5:		/* MOVS */
		r = mem_read(e, sseg, si, size, &a);
		if (r)
			return r;
		r = mem_write(e, X86_SEG_ES, di, size, a);
		if (r)
			return r;
		string_advance(e, REG_RSI, size);
		string_advance(e, REG_RDI, size);
		break;
	case 0xa6: case 0xa7:		/* CMPS: [rSI] - [rDI] */
		r = mem_read(e, sseg, si, size, &a);
		if (r)
			return r;
		r = mem_read(e, X86_SEG_ES, di, size, &b);
		if (r)
			return r;
		alu(e, ALU_CMP, a, b, size);
		string_advance(e, REG_RSI, size);
		string_advance(e, REG_RDI, size);
		break;
	case 0xaa: case 0xab:		/* STOS */
		r = mem_write(e, X86_SEG_ES, di, size,
			      e->regs[REG_RAX] & mask_of(size));
		if (r)
			return r;
		string_advance(e, REG_RDI, size);
		break;
	case 0xac: case 0xad:		/* LODS */
		r = mem_read(e, sseg, si, size, &a);
		if (r)
			return r;
		reg_set(e, REG_RAX, false, size, a);
		string_advance(e, REG_RSI, size);
		break;
	default:			/* SCAS: rAX - [rDI] */
		r = mem_read(e, X86_SEG_ES, di, size, &b);
		if (r)
			return r;
		alu(e, ALU_CMP, e->regs[REG_RAX], b, size);
		string_advance(e, REG_RDI, size);
		break;
	}
	return X86_EMUL_OK;
}

/*
 * String instructions. Each completed iteration is committed (registers,
 * and flags for CMPS/SCAS), so a fault or a trip to userspace in iteration
 * k leaves iterations before k done and rip on the instruction. When the
 * budget runs out with count left rip also stays, and the guest re-executes
 * the instruction to continue.
 */
static int exec_string(struct emul *e)
{
	const struct x86_insn *in = e->in;
	struct x86_emul_ctx *c = e->c;
	unsigned int size = (in->opcode & 1) ? in->op_size / 8 : 1;
	unsigned int budget = c->max_iterations ? c->max_iterations :
			      DEFAULT_ITERATIONS, n = 0;
	unsigned int asz = in->addr_size / 8;
	bool rep = in->rep || in->repne;
	bool cmp = (in->opcode & 0xf6) == 0xa6;	/* A6 A7 AE AF */
	u64 am = mask_of(asz);
	int r;

	r = check_lock(e, false);
	if (r)
		return r;
	if (rep && !(e->regs[REG_RCX] & am))
		goto done;
	for (;;) {
		r = string_step(e, size);
		if (r)
			return r;
		if (rep)
			reg_set(e, REG_RCX, false, asz, e->regs[REG_RCX] - 1);
		commit(e);
		if (!rep || !(e->regs[REG_RCX] & am))
			break;
		if (cmp && in->rep && !(e->flags & X86_FLAGS_ZF))
			break;
		if (cmp && in->repne && (e->flags & X86_FLAGS_ZF))
			break;
		if (++n >= budget)
			return X86_EMUL_OK;
	}
done:
	commit(e);
	advance_rip(e);
	return X86_EMUL_OK;
}

/* LEA 8D: the offset, truncated to the operand size; no access. */
static int exec_lea(struct emul *e)
{
	const struct x86_insn *in = e->in;
	u64 ea;
	u8 seg;
	int r;

	r = check_lock(e, false);
	if (r)
		return r;
	if (in->modrm_mod == 3)
		return raise_exc(e, X86_EXC_UD, false);
	modrm_ea(e, &ea, &seg);
	reg_set(e, in->modrm_reg, false, in->op_size / 8, ea);
	return X86_EMUL_OK;
}

/* B0-BF: MOV r8,Ib / MOV r,Iv (Iq with REX.W); the register is in the opcode. */
static int exec_mov_imm(struct emul *e)
{
	const struct x86_insn *in = e->in;
	unsigned int reg = (in->opcode & 7) | ((in->rex & X86_REX_B) << 3);
	unsigned int size = in->opcode >= 0xb8 ? in->op_size / 8 : 1;
	struct opnd dst;
	int r;

	r = check_lock(e, false);
	if (r)
		return r;
	opnd_reg(e, &dst, reg, size);
	return opnd_write(e, &dst, in->imm);
}

/*
 * Grp2 C0/C1 (Ib), D0/D1 (1), D2/D3 (CL): SHL/SAL, SHR, SAR on a
 * register. The count is masked to 5 bits (6 with a 64-bit operand); 0
 * changes nothing. CF is the last bit shifted out, OF as the SDM defines
 * it for a count of 1 (and the same formula otherwise, where it is
 * undefined; CPUs differ there), AF cleared (undefined; AMD's CPUs set
 * it). A count of 0 changes no flag but
 * still writes the register (a 32-bit one is zero-extended, as the CPUs
 * we checked do). Unhandled: rotates, a memory
 * operand, and a count of the operand's width or more (8/16-bit), which
 * leaves CF undefined.
 */
static int exec_shift(struct emul *e)
{
	const struct x86_insn *in = e->in;
	unsigned int ext = (in->modrm >> 3) & 7;
	unsigned int size = (in->opcode & 1) ? in->op_size / 8 : 1;
	unsigned int bits = 8 * size, count;
	u64 m = mask_of(size), msb = 1ULL << (bits - 1), a, res, f;
	struct opnd dst;
	bool cf;
	int r;

	if (ext < 4 || in->modrm_mod != 3)
		return X86_EMUL_UNHANDLED;
	r = check_lock(e, false);
	if (r)
		return r;
	if (in->opcode <= 0xc1)
		count = in->imm & 0xff;
	else if (in->opcode <= 0xd1)
		count = 1;
	else
		count = e->regs[REG_RCX] & 0xff;
	count &= size == 8 ? 0x3f : 0x1f;
	if (count >= bits)
		return X86_EMUL_UNHANDLED;
	opnd_rm(e, &dst, size);
	r = opnd_read(e, &dst);
	if (r)
		return r;
	a = dst.val & m;
	/* No flags change; a 32-bit register is still zero-extended. */
	if (!count)
		return opnd_write(e, &dst, a);
	switch (ext) {
	case 5:		/* SHR */
		res = a >> count;
		cf = (a >> (count - 1)) & 1;
		f = (a & msb) ? X86_FLAGS_OF : 0;
		break;
	case 7:		/* SAR */
		res = (u64)((s64)sign_ext(a, size) >> count) & m;
		cf = (sign_ext(a, size) >> (count - 1)) & 1;
		f = 0;
		break;
	default:	/* 4 SHL, 6 SAL */
		res = (a << count) & m;
		cf = (a >> (bits - count)) & 1;
		f = (!!(res & msb) != cf) ? X86_FLAGS_OF : 0;
		break;
	}
	f |= flags_szp(res, size) | (cf ? X86_FLAGS_CF : 0);
	e->flags = (e->flags & ~(u64)X86_FLAGS_STATUS) | f;
	return opnd_write(e, &dst, res);
}

/* Condition cc (the low nibble of Jcc/SETcc) on flags. */
static bool cond_true(u64 fl, unsigned int cc)
{
	bool cf = fl & X86_FLAGS_CF, zf = fl & X86_FLAGS_ZF;
	bool sf = fl & X86_FLAGS_SF, of = fl & X86_FLAGS_OF;
	bool t;

	switch (cc >> 1) {
	case 0:
		t = of;
		break;
	case 1:
		t = cf;
		break;
	case 2:
		t = zf;
		break;
	case 3:
		t = cf || zf;
		break;
	case 4:
		t = sf;
		break;
	case 5:
		t = fl & X86_FLAGS_PF;
		break;
	case 6:
		t = sf != of;
		break;
	default:
		t = zf || sf != of;
		break;
	}
	return t != (cc & 1);
}

/*
 * Jcc 70-7F and 0F 80-8F, JMP EB and E9: relative to the next
 * instruction, IP/EIP truncated to the operand size. A target outside
 * CS's limit, or not canonical in 64-bit mode, is #GP(0) at the jump.
 * Unhandled: 66 in 64-bit mode (CPUs differ on it).
 */
static int exec_jump(struct emul *e)
{
	const struct x86_insn *in = e->in;
	const struct x86_emul_seg *cs = &e->c->seg[X86_SEG_CS];
	u64 next = next_rip(e->c->mode, e->c->rip, in->len), t;
	bool taken = true;
	int r;

	r = check_lock(e, false);
	if (r)
		return r;
	if (e->c->mode == X86_MODE_LONG64 && in->opsize_prefix)
		return X86_EMUL_UNHANDLED;
	if (in->opcode != 0xeb && in->opcode != 0xe9)
		taken = cond_true(e->flags, in->opcode & 0xf);
	if (!taken)
		return X86_EMUL_OK;
	t = next + sign_ext(in->imm, in->imm_size);
	if (e->c->mode == X86_MODE_LONG64) {
		if (!is_canonical(t))
			return raise_exc(e, X86_EXC_GP, true);
	} else {
		t &= in->op_size == 16 ? 0xffff : 0xffffffff;
		if (t > cs->limit)
			return raise_exc(e, X86_EXC_GP, true);
	}
	e->branch = true;
	e->target = t;
	return X86_EMUL_OK;
}

static int exec_onebyte(struct emul *e)
{
	const struct x86_insn *in = e->in;
	u8 o = in->opcode;

	if (o < 0x40 && (o & 7) < 6)
		return exec_alu_block(e);
	switch (o) {
	case 0x63:
		if (e->c->mode != X86_MODE_LONG64)
			return X86_EMUL_UNHANDLED;	/* ARPL */
		return exec_mov(e);
	case 0x80 ... 0x83:
		return exec_grp1(e);
	case 0x84: case 0x85: case 0xa8: case 0xa9:
		return exec_test(e);
	case 0x86: case 0x87:
		return exec_xchg(e);
	case 0x88 ... 0x8b:
	case 0xa0 ... 0xa3:
	case 0xc6: case 0xc7:
		return exec_mov(e);
	case 0x8d:
		return exec_lea(e);
	case 0xb0 ... 0xbf:
		return exec_mov_imm(e);
	case 0xc0: case 0xc1:
	case 0xd0 ... 0xd3:
		return exec_shift(e);
	case 0x70 ... 0x7f:
	case 0xe9: case 0xeb:
		return exec_jump(e);
	case 0xf6: case 0xf7:
		return exec_grp3(e);
	case 0xfe: case 0xff:
		return exec_incdec(e);
	}
	return X86_EMUL_UNHANDLED;
}

static int exec_0f(struct emul *e)
{
	const struct x86_insn *in = e->in;
	unsigned int ext = (in->modrm >> 3) & 7;

	switch (in->opcode) {
	case 0xb6: case 0xb7: case 0xbe: case 0xbf:
	case 0xc3:
		return exec_mov(e);
	case 0xa3:
		return exec_bt(e, 0, false);
	case 0xab:
		return exec_bt(e, 1, false);
	case 0xb3:
		return exec_bt(e, 2, false);
	case 0xbb:
		return exec_bt(e, 3, false);
	case 0xba:
		if (ext < 4)
			return X86_EMUL_UNHANDLED;
		return exec_bt(e, ext - 4, true);
	case 0x80 ... 0x8f:
		return exec_jump(e);
	}
	return X86_EMUL_UNHANDLED;
}

static bool insn_sane_in(enum x86_mode mode, const struct x86_insn *in);

/*
 * On the MMIO exit path: no emulator context (a few hundred bytes to
 * clear and the registers to copy), the registers are read in place.
 */
bool x86_mov_describe(enum x86_mode mode, const u64 *gprs, u64 rip,
		      const struct x86_insn *in, struct x86_mov *m)
{
	unsigned int osz = in->op_size / 8;
	u8 o = in->opcode;
	bool load;

	if (!insn_sane_in(mode, in) || in->lock || in->rep || in->repne)
		return false;
	memset(m, 0, sizeof(*m));
	if (in->opcode_map == X86_MAP_0F) {
		if (!in->has_modrm || in->modrm_mod == 3 ||
		    (o != 0xb6 && o != 0xb7 && o != 0xbe && o != 0xbf))
			return false;
		m->size = (o & 1) ? 2 : 1;
		m->sx = o >= 0xbe;
		load = true;
	} else if (in->opcode_map != X86_MAP_ONEBYTE) {
		return false;
	} else if (o >= 0x88 && o <= 0x8b) {
		if (in->modrm_mod == 3)
			return false;
		m->size = (o & 1) ? osz : 1;
		load = o & 2;
	} else if (o == 0xc6 || o == 0xc7) {
		if (in->modrm_mod == 3 || ((in->modrm >> 3) & 7))
			return false;
		m->size = (o & 1) ? osz : 1;
		load = false;
		m->val = sign_ext(in->imm, in->imm_size) & mask_of(m->size);
	} else if (o >= 0xa0 && o <= 0xa3) {
		m->size = (o & 1) ? osz : 1;
		load = !(o & 2);
	} else {
		return false;
	}

	/* The address, as the emulator computes it. */
	if (o >= 0xa0 && o <= 0xa3 && in->opcode_map == X86_MAP_ONEBYTE) {
		m->ea = (u64)in->disp & mask_of(in->addr_size / 8);
		m->seg = in->seg_override != X86_SEG_NONE ? in->seg_override :
							     X86_SEG_DS;
		m->reg = REG_RAX;
	} else {
		unsigned int rsize = load && in->opcode_map == X86_MAP_0F ?
				     osz : m->size;

		ea_of(in, gprs, rip, &m->ea, &m->seg);
		m->reg = in->modrm_reg;
		/* Without REX, byte registers 4..7 are AH, CH, DH, BH. */
		if (rsize == 1 && !in->rex && m->reg >= 4 && m->reg < 8) {
			m->reg -= 4;
			m->high = true;
		}
	}
	m->store = !load;
	m->dst_size = load && in->opcode_map == X86_MAP_0F ? osz : m->size;
	if (m->store && !(o == 0xc6 || o == 0xc7))
		m->val = m->high ? (gprs[m->reg] >> 8) & 0xff :
				   gprs[m->reg] & mask_of(m->size);
	m->next_rip = next_rip(mode, rip, in->len);
	return true;
}

void x86_mov_load(u64 *gprs, const struct x86_mov *m, u64 val)
{
	val &= mask_of(m->size);
	if (m->sx)
		val = sign_ext(val, m->size);
	reg_store(&gprs[m->reg], m->high, m->dst_size, val);
}

static bool insn_sane_in(enum x86_mode mode, const struct x86_insn *in)
{
	if (in->mode != mode || mode > X86_MODE_LONG64)
		return false;
	if (!in->len || in->len > X86_MAX_INSN_LEN)
		return false;
	if (in->op_size != 16 && in->op_size != 32 && in->op_size != 64)
		return false;
	if (in->addr_size != 16 && in->addr_size != 32 && in->addr_size != 64)
		return false;
	if (mode != X86_MODE_LONG64 && (in->op_size == 64 || in->addr_size == 64))
		return false;
	if (in->has_modrm && (in->modrm_reg > 15 || in->modrm_rm > 15))
		return false;
	return in->seg_override <= X86_SEG_GS ||
	       in->seg_override == X86_SEG_NONE;
}

static bool insn_sane(const struct x86_emul_ctx *c, const struct x86_insn *in)
{
	return insn_sane_in(c->mode, in);
}

int x86_emulate(struct x86_emul_ctx *c, const struct x86_insn *insn)
{
	struct emul e;
	int r;

	if (!c->ops || !c->ops->read || !c->ops->write || !insn_sane(c, insn))
		return X86_EMUL_UNHANDLED;
	e.c = c;
	e.in = insn;
	e.branch = false;
	memcpy(e.regs, c->gprs, sizeof(e.regs));
	e.flags = c->rflags;

	if (insn->opcode_map == X86_MAP_ONEBYTE) {
		u8 o = insn->opcode;

		if ((o >= 0xa4 && o <= 0xa7) || (o >= 0xaa && o <= 0xaf))
			return exec_string(&e);
		r = exec_onebyte(&e);
	} else if (insn->opcode_map == X86_MAP_0F &&
		   (insn->has_modrm || (insn->opcode & 0xf0) == 0x80)) {
		r = exec_0f(&e);
	} else {
		r = X86_EMUL_UNHANDLED;
	}
	if (r != X86_EMUL_OK)
		return r;
	commit(&e);
	advance_rip(&e);
	return X86_EMUL_OK;
}

bool x86_run_insn(const struct x86_insn *in)
{
	u8 o = in->opcode;

	if (in->lock || in->rep || in->repne ||
	    in->seg_override == X86_SEG_FS || in->seg_override == X86_SEG_GS)
		return false;
	if (in->opcode_map == X86_MAP_0F)
		return (o >= 0x80 && o <= 0x8f) || o == 0xb6 || o == 0xb7 ||
		       o == 0xbe || o == 0xbf;
	if (in->opcode_map != X86_MAP_ONEBYTE)
		return false;
	if (o < 0x40)
		return (o & 7) < 6;	/* ALU */
	switch (o) {
	case 0x63:
	case 0x70 ... 0x7f:
	case 0x80 ... 0x85:
	case 0x88 ... 0x8b:
	case 0x8d:
	case 0xa8: case 0xa9:
	case 0xb0 ... 0xbf:
	case 0xc0: case 0xc1:
	case 0xc6: case 0xc7:
	case 0xd0 ... 0xd3:
	case 0xe9: case 0xeb:
		return true;
	}
	return false;
}

unsigned int x86_emulate_run(struct x86_emul_ctx *c, unsigned int max)
{
	u8 buf[X86_MAX_INSN_LEN];
	struct x86_insn in;
	unsigned int i, n;
	u64 lin;

	c->wrote = false;
	if (!c->ops || (!c->ops->fetch && !c->code))
		return 0;
	for (i = 0; i < max && !c->wrote; i++) {
		lin = c->rip;		/* 64-bit mode: CS has no base */
		if (c->mode != X86_MODE_LONG64)
			lin = (u32)(c->seg[X86_SEG_CS].base + c->rip);
		n = sizeof(buf);
		if (c->code && lin - c->code_lin < 4096) {
			if (n > 4096 - (lin - c->code_lin))
				n = 4096 - (lin - c->code_lin);
			memcpy(buf, c->code + (lin - c->code_lin), n);
		} else if (!c->ops->fetch ||
			   c->ops->fetch(c, lin, buf, &n) != X86_EMUL_OK) {
			break;
		}
		if (!n || n > sizeof(buf) || x86_decode(buf, n, c->mode, &in) ||
		    !x86_run_insn(&in) || x86_emulate(c, &in) != X86_EMUL_OK)
			break;
	}
	return i;
}
