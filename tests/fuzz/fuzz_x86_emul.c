// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz harness for x86_emulate().
 *
 * Input: byte 0 = mode (bits 0-1), DF (bit 2), segment setup (bits 3-5);
 * bytes 1-15 = instruction bytes; then 16 x 2 bytes of register seeds,
 * a flags byte, a REP budget byte (bit 4: alignment checks), and a
 * script: one byte per memory op choosing its outcome (OK, #PF, USER,
 * UNHANDLED, garbage). Memory reads return bytes derived from the linear
 * address.
 *
 * Checked: the result is one of X86_EMUL_*; without X86_EMUL_OK nothing
 * but committed REP iterations changed and rip stayed; with it rip moved
 * by the length (or stayed, for REP with count left; or went to a jump's
 * target); only the registers
 * an instruction may write changed; access sizes are 1/2/4/8, linear
 * addresses fit the mode, no read follows a write outside string
 * instructions; at most the budget of iterations ran; determinism. And
 * the MMIO fast path: for a completed instruction x86_mov_describe()
 * takes, the one access it names is the one the emulator made, and
 * x86_mov_load() and next_rip leave the registers as the emulator did.
 */
#include <string.h>
#include "fuzz.h"
#include "x86_decode.h"
#include "x86_emul.h"

#define HDR		16
#define REGS_BYTES	32

unsigned long fuzz_emul_stats[5];

struct fenv {
	const u8 *script;
	size_t script_len;
	size_t pos;
	unsigned int nlog, reads, writes, ok_writes;
	const u8 *code;			/* x86_emulate_run: bytes at code_lin */
	u64 code_lin;
	bool read_after_write;
	bool bad_size, bad_lin;
	enum x86_mode mode;
	u64 last_lin, last_val;		/* the last access and its data */
	unsigned int last_size;
	bool last_write;
};

static u8 mem_byte(u64 lin)
{
	return (u8)((lin * 0x9e3779b97f4a7c15ULL) >> 56);
}

static int f_op(struct x86_emul_ctx *c, u64 lin, u8 *buf, unsigned int size, bool write)
{
	struct fenv *f = c->opaque;
	unsigned int i;
	u8 s = f->pos < f->script_len ? f->script[f->pos] : 0xff;

	f->pos++;
	f->nlog++;
	if (size != 1 && size != 2 && size != 4 && size != 8)
		f->bad_size = true;
	if (f->mode != X86_MODE_LONG64 && lin > 0xffffffffULL)
		f->bad_lin = true;
	if (f->mode == X86_MODE_LONG64 && (u64)((s64)(lin << 16) >> 16) != lin)
		f->bad_lin = true;
	if (write)
		f->writes++;
	else if (f->writes)
		f->read_after_write = true;
	if (!write)
		f->reads++;

	switch (s & 15) {
	case 0:
		x86_emul_set_exception(c, X86_EXC_PF, true, write ? 2 : 0);
		return X86_EMUL_EXCEPTION;
	case 1:
		return X86_EMUL_USER;
	case 2:
		return X86_EMUL_UNHANDLED;
	case 3:
		return 42;
	}
	if (!write)
		for (i = 0; i < size && i < 8; i++)
			buf[i] = mem_byte(lin + i) ^ s;
	if (write)
		f->ok_writes++;
	f->last_lin = lin;
	f->last_size = size;
	f->last_write = write;
	f->last_val = 0;
	for (i = 0; i < size && i < 8; i++)
		f->last_val |= (u64)buf[i] << (8 * i);
	return X86_EMUL_OK;
}

static int f_read(struct x86_emul_ctx *c, u64 lin, void *buf, unsigned int size)
{
	return f_op(c, lin, buf, size, false);
}

static int f_write(struct x86_emul_ctx *c, u64 lin, const void *buf, unsigned int size)
{
	return f_op(c, lin, (u8 *)buf, size, true);
}

static const struct x86_emul_ops f_ops = { .read = f_read, .write = f_write };

/* The input's instruction bytes at their RIP, address-derived bytes elsewhere. */
static int f_fetch(struct x86_emul_ctx *c, u64 lin, u8 *buf, unsigned int *n)
{
	struct fenv *f = c->opaque;
	unsigned int i;

	if (*n > X86_MAX_INSN_LEN)
		*n = X86_MAX_INSN_LEN;
	for (i = 0; i < *n; i++)
		buf[i] = lin + i - f->code_lin < X86_MAX_INSN_LEN ?
			 f->code[lin + i - f->code_lin] : mem_byte(lin + i);
	return X86_EMUL_OK;
}

static const struct x86_emul_ops f_run_ops = {
	.read = f_read, .write = f_write, .fetch = f_fetch,
};

static u8 in_byte(const u8 *data, size_t size, size_t i)
{
	return i < size ? data[i] : 0;
}

static void setup(struct x86_emul_ctx *c, struct fenv *f, const u8 *data, size_t size,
		  enum x86_mode mode)
{
	unsigned int i, segcfg = (in_byte(data, size, 0) >> 3) & 7;
	size_t tail = HDR + REGS_BYTES + 2;

	memset(c, 0, sizeof(*c));
	memset(f, 0, sizeof(*f));
	c->mode = mode;
	f->mode = mode;
	c->ops = &f_ops;
	c->opaque = f;
	for (i = 0; i < 16; i++) {
		u8 lo = in_byte(data, size, HDR + 2 * i);
		u8 hi = in_byte(data, size, HDR + 2 * i + 1);
		u64 v = lo | ((u64)(hi & 0x3f) << 8);

		switch (hi >> 6) {
		case 1:
			v = ~v;				/* small negative */
			break;
		case 2:
			v = (v << 20) | 0xfff;		/* large */
			break;
		case 3:
			v *= 0x9e3779b97f4a7c15ULL;	/* anything */
			break;
		}
		c->gprs[i] = v;
	}
	c->rflags = 0x2 | (in_byte(data, size, HDR + REGS_BYTES) & 0xd5) |
		    ((in_byte(data, size, HDR + REGS_BYTES) & 8) << 8) |
		    ((in_byte(data, size, 0) & 4) ? X86_FLAGS_DF : 0);
	c->max_iterations = in_byte(data, size, HDR + REGS_BYTES + 1) & 15;
	if (in_byte(data, size, HDR + REGS_BYTES + 1) & 0x10) {
		c->cr0 = 1ULL << 18;		/* AM */
		c->rflags |= X86_FLAGS_AC;
		c->cpl = 3;
	}
	c->rip = mode == X86_MODE_LONG64 ? 0xfffffffffffff000ULL : 0xfff0;
	for (i = 0; i < 6; i++) {
		struct x86_emul_seg *s = &c->seg[i];

		s->base = (u64)i << 16;
		s->limit = mode == X86_MODE_PROT32 ? 0xffffffff : 0xffff;
		s->attr = 0x93 | (mode == X86_MODE_PROT32 ? 0xc00 : 0);
		if (segcfg == 1 && i == X86_SEG_DS)
			s->attr = X86_SEG_ATTR_UNUSABLE;
		if (segcfg == 2)
			s->limit = 0xfff;
		if (segcfg == 3 && i == X86_SEG_SS)
			s->attr |= 4;			/* expand-down */
		if (segcfg == 4)
			s->attr = (s->attr & ~0xfu) | (i == X86_SEG_CS ? 0x9 : 0x1);
		if (segcfg == 5)
			s->base = 0xfffff000ULL + i;
	}
	if (mode == X86_MODE_LONG64 && segcfg >= 6)
		c->seg[X86_SEG_FS].base = 0x00007ffffffff000ULL;
	f->script = data + (size > tail ? tail : size);
	f->script_len = size > tail ? size - tail : 0;
}

static bool is_string(const struct x86_insn *in)
{
	u8 o = in->opcode;

	return in->opcode_map == X86_MAP_ONEBYTE &&
	       ((o >= 0xa4 && o <= 0xa7) || (o >= 0xaa && o <= 0xaf));
}

/* Jcc, JMP rel: RIP may go to the target instead of the next instruction. */
static bool jump_target(const struct x86_insn *in, enum x86_mode mode, u64 next,
			u64 *t)
{
	u8 o = in->opcode;
	s64 rel;

	if (!((in->opcode_map == X86_MAP_ONEBYTE &&
	       ((o >= 0x70 && o <= 0x7f) || o == 0xe9 || o == 0xeb)) ||
	      (in->opcode_map == X86_MAP_0F && o >= 0x80 && o <= 0x8f)))
		return false;
	rel = in->imm_size == 1 ? (s8)in->imm :
	      in->imm_size == 2 ? (s16)in->imm : (s32)in->imm;
	*t = next + (u64)rel;
	if (mode != X86_MODE_LONG64)
		*t &= in->op_size == 16 ? 0xffff : 0xffffffff;
	return true;
}

int fuzz_x86_emul_one(const u8 *data, size_t size)
{
	struct x86_emul_ctx c, orig, c2;
	struct fenv f, f2;
	struct x86_insn in;
	enum x86_mode mode;
	u8 buf[X86_MAX_INSN_LEN];
	unsigned int i, n, budget, changed = 0;
	bool str;
	int r, r2;

	if (size < 1)
		return 0;
	mode = (enum x86_mode)(data[0] & 3);
	memset(buf, 0x90, sizeof(buf));
	memcpy(buf, data + 1, size - 1 < sizeof(buf) ? size - 1 : sizeof(buf));
	if (x86_decode(buf, sizeof(buf), mode, &in)) {
		fuzz_emul_stats[4]++;
		return 0;
	}

	setup(&c, &f, data, size, mode);
	orig = c;
	r = x86_emulate(&c, &in);
	FUZZ_CHECK(r >= X86_EMUL_OK && r <= X86_EMUL_UNHANDLED, data, size);
	if (r >= X86_EMUL_OK && r <= X86_EMUL_UNHANDLED)
		fuzz_emul_stats[r]++;
	FUZZ_CHECK(!f.bad_size && !f.bad_lin, data, size);
	str = is_string(&in);
	FUZZ_CHECK(str || !f.read_after_write, data, size);
	FUZZ_CHECK(str || f.writes <= 1, data, size);
	budget = orig.max_iterations ? orig.max_iterations : 1024;
	FUZZ_CHECK(f.nlog <= 2 * budget, data, size);

	if (r == X86_EMUL_OK) {
		u64 next = orig.rip + in.len, t;

		if (mode == X86_MODE_PROT32)
			next = (u32)next;
		else if (mode != X86_MODE_LONG64)
			next &= 0xffff;
		FUZZ_CHECK(c.rip == next || (str && c.rip == orig.rip) ||
			   (jump_target(&in, mode, next, &t) && c.rip == t),
			   data, size);
	} else {
		FUZZ_CHECK(c.rip == orig.rip, data, size);
	}
	if (r == X86_EMUL_EXCEPTION)
		FUZZ_CHECK(c.exc_vector == X86_EXC_UD || c.exc_vector == X86_EXC_SS ||
			   c.exc_vector == X86_EXC_GP || c.exc_vector == X86_EXC_PF ||
			   c.exc_vector == X86_EXC_AC, data, size);

	/* Which registers may change. */
	for (i = 0; i < 16; i++)
		if (c.gprs[i] != orig.gprs[i])
			changed |= 1u << i;
	if (str) {
		FUZZ_CHECK(!(changed & ~0xc3u), data, size);	/* rax rcx rsi rdi */
	} else if (r != X86_EMUL_OK) {
		FUZZ_CHECK(!changed && c.rflags == orig.rflags, data, size);
	} else {
		FUZZ_CHECK((changed & (changed - 1)) == 0 ||
			   (in.opcode_map == X86_MAP_ONEBYTE &&
			    (in.opcode == 0x86 || in.opcode == 0x87)), data, size);
	}
	FUZZ_CHECK(!((c.rflags ^ orig.rflags) & ~(u64)X86_FLAGS_STATUS), data, size);
	FUZZ_CHECK(!memcmp(c.seg, orig.seg, sizeof(c.seg)), data, size);

	/* The MMIO fast path agrees with the emulator. */
	if (r == X86_EMUL_OK) {
		struct x86_mov m;
		u64 regs[16], lin;

		if (x86_mov_describe(mode, orig.gprs, orig.rip, &in, &m)) {
			lin = m.ea;
			if (mode != X86_MODE_LONG64 || m.seg == X86_SEG_FS ||
			    m.seg == X86_SEG_GS)
				lin += orig.seg[m.seg].base;
			if (mode != X86_MODE_LONG64)
				lin &= 0xffffffff;
			FUZZ_CHECK(f.nlog == 1 && f.last_lin == lin &&
				   f.last_size == m.size &&
				   f.last_write == m.store, data, size);
			FUZZ_CHECK(c.rip == m.next_rip, data, size);
			memcpy(regs, orig.gprs, sizeof(regs));
			if (m.store)
				FUZZ_CHECK(f.last_val == m.val, data, size);
			else
				x86_mov_load(regs, &m, f.last_val);
			FUZZ_CHECK(!memcmp(regs, c.gprs, sizeof(regs)), data, size);
		}
	}

	/*
	 * Running ahead from the same state: at most max instructions, only
	 * from x86_run_insn()'s list, ends after the first write made; one
	 * that runs none changes nothing.
	 */
	setup(&c2, &f2, data, size, mode);
	c2.ops = &f_run_ops;
	f2.code = buf;
	f2.code_lin = mode == X86_MODE_LONG64 ? c2.rip :
		      (u32)(c2.seg[X86_SEG_CS].base + c2.rip);
	n = x86_emulate_run(&c2, 4);
	FUZZ_CHECK(n <= 4 && f2.ok_writes <= 1 && c2.wrote == (f2.ok_writes == 1),
		   data, size);
	FUZZ_CHECK(r == X86_EMUL_OK || n == 0, data, size);
	if (n)
		FUZZ_CHECK(x86_run_insn(&in), data, size);
	else
		FUZZ_CHECK(c2.rip == orig.rip && c2.rflags == orig.rflags &&
			   !memcmp(c2.gprs, orig.gprs, sizeof(c2.gprs)), data, size);
	if (n == 1 && r == X86_EMUL_OK)	/* the same one instruction */
		FUZZ_CHECK(c2.rip == c.rip && c2.rflags == c.rflags &&
			   !memcmp(c2.gprs, c.gprs, sizeof(c.gprs)), data, size);
	/*
	 * The same, a step at a time (fetch, decode, x86_run_insn,
	 * x86_emulate): the same state after n steps, and where the run
	 * stopped without a write and short of max, the next step fails.
	 */
	{
		struct x86_emul_ctx c3;
		struct fenv f3;
		struct x86_insn in3;
		unsigned int k, got;
		bool step_ok = true;
		u8 code[X86_MAX_INSN_LEN];

		setup(&c3, &f3, data, size, mode);
		c3.ops = &f_run_ops;
		f3.code = buf;
		f3.code_lin = f2.code_lin;
		for (k = 0; k <= n && k < 4 && step_ok; k++) {
			u64 lin = mode == X86_MODE_LONG64 ? c3.rip :
				  (u32)(c3.seg[X86_SEG_CS].base + c3.rip);

			if (k == n && c2.wrote)
				break;
			got = X86_MAX_INSN_LEN;
			c3.wrote = false;
			step_ok = f_fetch(&c3, lin, code, &got) == X86_EMUL_OK &&
				  !x86_decode(code, got, mode, &in3) &&
				  x86_run_insn(&in3) &&
				  x86_emulate(&c3, &in3) == X86_EMUL_OK;
			FUZZ_CHECK(step_ok == (k < n), data, size);
		}
		FUZZ_CHECK(c3.rip == c2.rip && c3.rflags == c2.rflags &&
			   !memcmp(c3.gprs, c2.gprs, sizeof(c3.gprs)), data, size);
	}

	/* Deterministic. */
	setup(&c2, &f2, data, size, mode);
	r2 = x86_emulate(&c2, &in);
	FUZZ_CHECK(r2 == r && c2.rip == c.rip && c2.rflags == c.rflags &&
		   !memcmp(c2.gprs, c.gprs, sizeof(c.gprs)) && f2.nlog == f.nlog, data, size);
	return 0;
}

#ifdef FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	return fuzz_x86_emul_one(data, size);
}
#endif

/* Seeds for the standalone driver's mutator: mode, length, bytes. */
const struct fuzz_seed fuzz_emul_seeds[] = {
	{ 3, 3, "\x48\x89\x18" },
	{ 3, 4, "\x80\x7e\x45\x00" },
	{ 3, 2, "\x74\x04" },
	{ 3, 6, "\x0f\x85\x00\x01\x00\x00" },
	{ 3, 2, "\xd3\xe6" },
	{ 3, 3, "\xc1\xf8\x04" },
	{ 3, 5, "\xbe\x01\x00\x00\x00" },
	{ 3, 4, "\x8d\x44\x98\x08" },
	{ 1, 2, "\xeb\xfe" },
	{ 3, 3, "\x48\x01\x18" },
	{ 3, 3, "\xf0\x01\x18" },
	{ 3, 2, "\x8b\x05" },
	{ 3, 6, "\x8b\x05\xfa\x0f\x00\x00" },
	{ 3, 4, "\x8b\x44\x8b\x10" },
	{ 3, 3, "\x64\x8b\x00" },
	{ 3, 3, "\x67\x8b\x00" },
	{ 3, 4, "\x48\x0f\xbe\x00" },
	{ 3, 3, "\x48\x63\x08" },
	{ 3, 4, "\x48\x83\x38\xff" },
	{ 3, 6, "\x81\x28\x00\x00\x00\x80" },
	{ 3, 3, "\x48\x87\x18" },
	{ 3, 3, "\x0f\xab\x18" },
	{ 3, 4, "\x0f\xba\x28\x23" },
	{ 3, 2, "\xf7\x18" },
	{ 3, 2, "\xfe\x00" },
	{ 3, 2, "\xf3\xa4" },
	{ 3, 3, "\xf3\x48\xa5" },
	{ 3, 2, "\xf3\xa6" },
	{ 3, 2, "\xf2\xae" },
	{ 3, 2, "\xf3\xab" },
	{ 3, 2, "\xf3\xac" },
	{ 3, 3, "\x67\xf3\xa4" },
	{ 2, 2, "\x8b\x00" },
	{ 2, 3, "\x26\x89\x03" },
	{ 2, 3, "\x67\x8b\x00" },
	{ 2, 2, "\xf3\xa5" },
	{ 2, 3, "\x8b\x45\x00" },
	{ 0, 2, "\x8b\x00" },
	{ 0, 3, "\x8b\x46\xfe" },
	{ 0, 2, "\xf3\xa4" },
	{ 0, 4, "\x67\x8b\x04\x48" },
	{ 0, 3, "\x83\x0f\x80" },
	{ 1, 2, "\x89\x07" },
	{ 1, 3, "\x66\xf3\xab" },
};
const unsigned int fuzz_emul_nr_seeds = sizeof(fuzz_emul_seeds) / sizeof(fuzz_emul_seeds[0]);
