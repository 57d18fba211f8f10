// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the x86 instruction emulator (module/core/x86_emul.c).
 *
 * A table of encodings, each decoded with x86_decode() and executed against
 * a small paged memory (unmapped pages fault with #PF, one optional range
 * answers X86_EMUL_USER), with the expected registers, flags, memory, RIP
 * and result. Everything not named in the expectation must be unchanged.
 * Then: access order, re-run after X86_EMUL_USER, and an oracle that
 * compares the ALU results and flags with the host CPU.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host.h"
#include "x86_decode.h"
#include "x86_emul.h"
#include "ktap.h"

/* The case table leaves most fields out. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define M_REAL		X86_MODE_REAL
#define M_P16		X86_MODE_PROT16
#define M_P32		X86_MODE_PROT32
#define M_L64		X86_MODE_LONG64

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };

#define CF	X86_FLAGS_CF
#define PF	X86_FLAGS_PF
#define AF	X86_FLAGS_AF
#define ZF	X86_FLAGS_ZF
#define SF	X86_FLAGS_SF
#define DF	X86_FLAGS_DF
#define OF	X86_FLAGS_OF
#define FL(x)	(0x2ULL | (x))

#define RIP0	0x1000ULL

/* ---- test memory: a few 4 KiB pages ---- */

#define NPAGES		8
#define PAGE		4096ULL

struct tpage {
	bool used;
	u64 lin;
	u8 data[PAGE];
};

struct access {
	u64 lin;
	unsigned int size;
	bool write;
};

struct tenv {
	struct tpage pages[NPAGES];
	u64 user_lo, user_hi;		/* [lo, hi) answers USER */
	bool user_cached;		/* ... unless the value is cached */
	u8 user_val[8];
	struct access log[64];
	unsigned int nlog;
};

static struct tenv env;

static struct tpage *find_page(u64 lin, bool create)
{
	unsigned int i;

	for (i = 0; i < NPAGES; i++)
		if (env.pages[i].used && env.pages[i].lin == (lin & ~(PAGE - 1)))
			return &env.pages[i];
	if (!create)
		return NULL;
	for (i = 0; i < NPAGES; i++) {
		if (!env.pages[i].used) {
			env.pages[i].used = true;
			env.pages[i].lin = lin & ~(PAGE - 1);
			memset(env.pages[i].data, 0, PAGE);
			return &env.pages[i];
		}
	}
	abort();
}

static u8 *mem_at(u64 lin)
{
	struct tpage *p = find_page(lin, false);

	return p ? &p->data[lin & (PAGE - 1)] : NULL;
}

static int t_access(struct x86_emul_ctx *c, u64 lin, u8 *buf, unsigned int size,
		    bool write)
{
	unsigned int i;

	if (env.nlog < ARRAY_SIZE(env.log))
		env.log[env.nlog++] = (struct access){ lin, size, write };
	if (size != 1 && size != 2 && size != 4 && size != 8)
		abort();
	if (lin < env.user_hi && lin + size > env.user_lo) {
		if (!env.user_cached || write)
			return X86_EMUL_USER;
		memcpy(buf, env.user_val, size);
		return X86_EMUL_OK;
	}
	for (i = 0; i < size; i++) {
		if (!mem_at(lin + i)) {
			x86_emul_set_exception(c, X86_EXC_PF, true, write ? 2 : 0);
			return X86_EMUL_EXCEPTION;
		}
	}
	for (i = 0; i < size; i++) {
		if (write)
			*mem_at(lin + i) = buf[i];
		else
			buf[i] = *mem_at(lin + i);
	}
	return X86_EMUL_OK;
}

static int t_read(struct x86_emul_ctx *c, u64 lin, void *buf, unsigned int size)
{
	return t_access(c, lin, buf, size, false);
}

static int t_write(struct x86_emul_ctx *c, u64 lin, const void *buf, unsigned int size)
{
	return t_access(c, lin, (u8 *)buf, size, true);
}

/* Code from test memory, up to the end of its page (as a host does). */
static int t_fetch(struct x86_emul_ctx *c, u64 lin, u8 *buf, unsigned int *n)
{
	unsigned int i;

	(void)c;
	if (*n > PAGE - (lin & (PAGE - 1)))
		*n = PAGE - (lin & (PAGE - 1));
	for (i = 0; i < *n; i++) {
		if (!mem_at(lin + i))
			return X86_EMUL_UNHANDLED;
		buf[i] = *mem_at(lin + i);
	}
	return X86_EMUL_OK;
}

static const struct x86_emul_ops t_ops = { .read = t_read, .write = t_write };
static const struct x86_emul_ops t_run_ops = {
	.read = t_read, .write = t_write, .fetch = t_fetch,
};

static void ctx_init(struct x86_emul_ctx *c, enum x86_mode mode)
{
	unsigned int i;

	memset(c, 0, sizeof(*c));
	c->mode = mode;
	c->rip = RIP0;
	c->rflags = 0x2;
	c->ops = &t_ops;
	for (i = 0; i < 6; i++) {
		c->seg[i].base = 0;
		if (mode == M_P32 || mode == M_L64) {
			c->seg[i].limit = 0xffffffff;
			c->seg[i].attr = 0xc93;
		} else {
			c->seg[i].limit = 0xffff;
			c->seg[i].attr = 0x93;
		}
	}
	c->seg[X86_SEG_CS].attr |= 0x8;	/* code, readable */
}

/* ---- the table ---- */

struct rv {
	u8 r;			/* register + 1; 0 ends the list */
	u64 v;
};

struct mv {
	u64 a;
	unsigned int n;
	const char *b;
};

struct sv {
	u8 s;			/* segment + 1 */
	u64 base;
	u32 limit;
	u32 attr;
};

struct ecase {
	const char *name;
	enum x86_mode mode;
	const char *code;
	unsigned int clen;
	struct rv regs[6];
	u64 flags;		/* 0: 0x2 */
	struct mv mem[4];
	struct sv segs[3];
	u64 rip;		/* 0: RIP0 */
	unsigned int iters;
	u64 user_lo, user_hi;
	int res;
	struct rv oregs[6];
	u64 oflags;		/* 0: unchanged */
	struct mv omem[4];
	bool stay;		/* OK with rip unchanged (REP budget) */
	u64 orip;		/* OK: the RIP after (a jump); 0: next */
	u8 vec;
	u32 err;
};

#define C(s)		s, sizeof(s) - 1
#define R(r, v)		{ (r) + 1, (v) }
#define MEM(a, s)	{ (a), sizeof(s) - 1, s }
#define SEG(s, b, l, a)	{ (s) + 1, (b), (l), (a) }
#define Z8		"\0\0\0\0\0\0\0\0"
#define FF8		"\xff\xff\xff\xff\xff\xff\xff\xff"
#define EXC(v, e)	.res = X86_EMUL_EXCEPTION, .vec = (v), .err = (e)
#define UNH		.res = X86_EMUL_UNHANDLED

static const struct ecase cases[] = {
	/* ---- MOV ---- */
	{ "mov [rax],rbx", M_L64, C("\x48\x89\x18"),
	  { R(RAX, 0x2000), R(RBX, 0x1122334455667788) }, 0, { MEM(0x2000, Z8) },
	  .omem = { MEM(0x2000, "\x88\x77\x66\x55\x44\x33\x22\x11") } },
	{ "mov ecx,[rax] zero-extends", M_L64, C("\x8b\x08"),
	  { R(RAX, 0x2000), R(RCX, ~0ULL) }, 0, { MEM(0x2000, "\x78\x56\x34\x12") },
	  .oregs = { R(RCX, 0x12345678) } },
	{ "mov cx,[rax] merges", M_L64, C("\x66\x8b\x08"),
	  { R(RAX, 0x2000), R(RCX, ~0ULL) }, 0, { MEM(0x2000, "\x78\x56") },
	  .oregs = { R(RCX, 0xffffffffffff5678) } },
	{ "mov ah,[rax]", M_L64, C("\x8a\x20"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, "\xab") },
	  .oregs = { R(RAX, 0xab00) } },
	{ "mov spl,[rax] (REX)", M_L64, C("\x40\x8a\x20"),
	  { R(RAX, 0x2000), R(RSP, 0x1111) }, 0, { MEM(0x2000, "\xab") },
	  .oregs = { R(RSP, 0x11ab) } },
	{ "mov [rax],r8b", M_L64, C("\x44\x88\x00"),
	  { R(RAX, 0x2000), R(R8, 0x1299) }, 0, { MEM(0x2000, "\0\0") },
	  .omem = { MEM(0x2000, "\x99\0") } },
	{ "mov [rax],bh", M_L64, C("\x88\x38"),
	  { R(RAX, 0x2000), R(RBX, 0x5566) }, 0, { MEM(0x2000, "\0") },
	  .omem = { MEM(0x2000, "\x55") } },
	{ "mov byte [rax],imm8", M_L64, C("\xc6\x00\x5a"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, "\0\0") },
	  .omem = { MEM(0x2000, "\x5a\0") } },
	{ "mov qword [rax],-1 (imm32 sign-extended)", M_L64, C("\x48\xc7\x00\xff\xff\xff\xff"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, Z8) }, .omem = { MEM(0x2000, FF8) } },
	{ "mov word [rax],imm16", M_L64, C("\x66\xc7\x00\x34\x12"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, "\0\0\0") },
	  .omem = { MEM(0x2000, "\x34\x12\0") } },
	{ "mov rax,moffs64", M_L64, C("\x48\xa1\x00\x20\x00\x00\x00\x00\x00\x00"),
	  { }, 0, { MEM(0x2000, "\x01\x02\x03\x04\x05\x06\x07\x08") },
	  .oregs = { R(RAX, 0x0807060504030201) } },
	{ "mov moffs64,al", M_L64, C("\xa2\x01\x20\x00\x00\x00\x00\x00\x00"),
	  { R(RAX, 0x77) }, 0, { MEM(0x2000, "\0\0") }, .omem = { MEM(0x2000, "\0\x77") } },
	{ "mov eax,moffs32 (prot32)", M_P32, C("\xa1\x00\x20\x00\x00"),
	  { R(RAX, ~0ULL) }, 0, { MEM(0x2000, "\x78\x56\x34\x12") },
	  .oregs = { R(RAX, 0x12345678) } },
	{ "mov ax,moffs16 with DS base (real)", M_REAL, C("\xa1\x34\x12"),
	  { }, 0, { MEM(0x11234, "\xcd\xab") }, { SEG(X86_SEG_DS, 0x10000, 0xffff, 0x93) },
	  .oregs = { R(RAX, 0xabcd) } },
	{ "mov eax,[rip+disp32] is next-insn relative", M_L64, C("\x8b\x05\xfa\x0f\x00\x00"),
	  { }, 0, { MEM(0x2000, "\x78\x56\x34\x12") }, .oregs = { R(RAX, 0x12345678) } },
	{ "mov [rip-disp],imm8", M_L64, C("\xc6\x05\xf9\xff\xff\xff\x42"),
	  { }, 0, { MEM(0x1000, "\0") }, .omem = { MEM(0x1000, "\x42") } },
	{ "mov eax,[eip+disp32] truncates (67)", M_L64, C("\x67\x8b\x05\xf9\x0f\x00\x00"),
	  { }, 0, { MEM(0x2000, "\x11\x22\x33\x44") }, .rip = 0x100001000ULL,
	  .oregs = { R(RAX, 0x44332211) } },
	{ "movzx rax,byte [rax]", M_L64, C("\x48\x0f\xb6\x00"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, "\x80") }, .oregs = { R(RAX, 0x80) } },
	{ "movsx rax,byte [rax]", M_L64, C("\x48\x0f\xbe\x00"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, "\x80") },
	  .oregs = { R(RAX, 0xffffffffffffff80) } },
	{ "movsx ecx,word [rax]", M_L64, C("\x0f\xbf\x08"),
	  { R(RAX, 0x2000), R(RCX, ~0ULL) }, 0, { MEM(0x2000, "\x00\x80") },
	  .oregs = { R(RCX, 0xffff8000) } },
	{ "movzx cx,byte [rax]", M_L64, C("\x66\x0f\xb6\x08"),
	  { R(RAX, 0x2000), R(RCX, ~0ULL) }, 0, { MEM(0x2000, "\x80") },
	  .oregs = { R(RCX, 0xffffffffffff0080) } },
	{ "movzx r8d,word [rax]", M_L64, C("\x44\x0f\xb7\x00"),
	  { R(RAX, 0x2000), R(R8, ~0ULL) }, 0, { MEM(0x2000, "\xfe\xff") },
	  .oregs = { R(R8, 0xfffe) } },
	{ "movsxd rcx,[rax]", M_L64, C("\x48\x63\x08"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, "\0\0\0\x80") },
	  .oregs = { R(RCX, 0xffffffff80000000) } },
	{ "movsxd ecx,[rax] (no REX.W)", M_L64, C("\x63\x08"),
	  { R(RAX, 0x2000), R(RCX, ~0ULL) }, 0, { MEM(0x2000, "\0\0\0\x80") },
	  .oregs = { R(RCX, 0x80000000) } },
	{ "movnti [rax],rbx", M_L64, C("\x48\x0f\xc3\x18"),
	  { R(RAX, 0x2000), R(RBX, 0x0102030405060708) }, 0, { MEM(0x2000, Z8) },
	  .omem = { MEM(0x2000, "\x08\x07\x06\x05\x04\x03\x02\x01") } },
	{ "mov [rax],sil (REX)", M_L64, C("\x40\x88\x30"),
	  { R(RAX, 0x2000), R(RSI, 0x1234) }, 0, { MEM(0x2000, "\0\0") },
	  .omem = { MEM(0x2000, "\x34\0") } },
	{ "mov [rax],spl (REX, not ah)", M_L64, C("\x40\x88\x20"),
	  { R(RAX, 0x2000), R(RSP, 0x5678) }, 0, { MEM(0x2000, "\0\0") },
	  .omem = { MEM(0x2000, "\x78\0") } },
	{ "mov [rax+r8*4+0x10],r9b (REX.RX)", M_L64, C("\x46\x88\x4c\x80\x10"),
	  { R(RAX, 0x1fe0), R(R8, 4), R(R9, 0x1ab) }, 0, { MEM(0x2000, "\0\0") },
	  .omem = { MEM(0x2000, "\xab\0") } },
	{ "mov [rsp],r15 (REX.WR)", M_L64, C("\x4c\x89\x3c\x24"),
	  { R(RSP, 0x2000), R(R15, 0x0102030405060708) }, 0, { MEM(0x2000, Z8 "\0") },
	  .omem = { MEM(0x2000, "\x08\x07\x06\x05\x04\x03\x02\x01\0") } },
	{ "mov [rbp+0],eax", M_L64, C("\x89\x45\x00"),
	  { R(RBP, 0x2000), R(RAX, 0xffffffff11223344ULL) }, 0, { MEM(0x2000, Z8) },
	  .omem = { MEM(0x2000, "\x44\x33\x22\x11\0\0\0\0") } },
	{ "mov [rbx+rcx*8+0x7fffffff],dx (66) wraps", M_L64,
	  C("\x66\x89\x94\xcb\xff\xff\xff\x7f"),
	  { R(RBX, 0xffffffff80001ff9ULL), R(RCX, 1), R(RDX, 0xaabbccdd) }, 0,
	  { MEM(0x2000, "\0\0\0") }, .omem = { MEM(0x2000, "\xdd\xcc\0") } },
	{ "mov bh,[rdi]", M_L64, C("\x8a\x3f"),
	  { R(RDI, 0x2000), R(RBX, 0x1111) }, 0, { MEM(0x2000, "\xab") },
	  .oregs = { R(RBX, 0xab11) } },
	{ "mov dil,[rdi] (REX, not bh)", M_L64, C("\x40\x8a\x3f"),
	  { R(RDI, 0x2000), R(RBX, 0x1111) }, 0, { MEM(0x2000, "\x5a") },
	  .oregs = { R(RDI, 0x205a) } },
	{ "mov r10b,[rdi+1] (REX.R)", M_L64, C("\x44\x8a\x57\x01"),
	  { R(RDI, 0x1fff), R(R10, ~0ULL) }, 0, { MEM(0x2000, "\x5a") },
	  .oregs = { R(R10, 0xffffffffffffff5aULL) } },
	{ "mov r11d,[rsi+disp32] zero-extends", M_L64, C("\x44\x8b\x9e\x80\x00\x00\x00"),
	  { R(RSI, 0x1f80), R(R11, ~0ULL) }, 0, { MEM(0x2000, "\x78\x56\x34\x12") },
	  .oregs = { R(R11, 0x12345678) } },
	{ "mov r12,[rdx-0x80] (REX.WR)", M_L64, C("\x4c\x8b\x62\x80"),
	  { R(RDX, 0x2080) }, 0, { MEM(0x2000, "\x01\x02\x03\x04\x05\x06\x07\x08") },
	  .oregs = { R(R12, 0x0807060504030201) } },
	{ "movzx eax,byte [rax] zero-extends", M_L64, C("\x0f\xb6\x00"),
	  { R(RAX, 0xffffffff00002000ULL) }, 0, { MEM(0xffffffff00002000ULL, "\xff") },
	  .oregs = { R(RAX, 0xff) } },
	{ "movzx r8,word [rax] (REX.WR)", M_L64, C("\x4c\x0f\xb7\x00"),
	  { R(RAX, 0x2000), R(R8, ~0ULL) }, 0, { MEM(0x2000, "\x00\x80") },
	  .oregs = { R(R8, 0x8000) } },
	{ "movzx esi,byte [rax] (REX)", M_L64, C("\x40\x0f\xb6\x30"),
	  { R(RAX, 0x2000), R(RSI, ~0ULL) }, 0, { MEM(0x2000, "\x90") },
	  .oregs = { R(RSI, 0x90) } },
	{ "movsx r14w,byte [r15] (66 REX.RB) merges", M_L64, C("\x66\x45\x0f\xbe\x37"),
	  { R(R15, 0x2000), R(R14, 0x1111111111111111ULL) }, 0, { MEM(0x2000, "\x80") },
	  .oregs = { R(R14, 0x111111111111ff80ULL) } },
	{ "movsx rdx,word [rdx]", M_L64, C("\x48\x0f\xbf\x12"),
	  { R(RDX, 0x2000) }, 0, { MEM(0x2000, "\x00\x80") },
	  .oregs = { R(RDX, 0xffffffffffff8000ULL) } },
	{ "movsx ax,byte [rax] merges (66)", M_L64, C("\x66\x0f\xbe\x00"),
	  { R(RAX, 0x12342000) }, 0, { MEM(0x12342000, "\x80") },
	  .oregs = { R(RAX, 0x1234ff80) } },
	{ "movnti [rax],ebx", M_L64, C("\x0f\xc3\x18"),
	  { R(RAX, 0x2000), R(RBX, 0xffffffff11223344ULL) }, 0, { MEM(0x2000, Z8) },
	  .omem = { MEM(0x2000, "\x44\x33\x22\x11\0\0\0\0") } },
	{ "movnti [r8],r9 (REX.WRB)", M_L64, C("\x4d\x0f\xc3\x08"),
	  { R(R8, 0x2000), R(R9, 0x0102030405060708) }, 0, { MEM(0x2000, Z8) },
	  .omem = { MEM(0x2000, "\x08\x07\x06\x05\x04\x03\x02\x01") } },
	{ "mov al,moffs64 merges", M_L64, C("\xa0\x00\x20\xff\xff\xff\x7f\x00\x00"),
	  { R(RAX, ~0ULL) }, 0, { MEM(0x7fffffff2000ULL, "\x5a") },
	  .oregs = { R(RAX, 0xffffffffffffff5aULL) } },
	{ "mov eax,moffs64 (no REX.W) zero-extends", M_L64,
	  C("\xa1\x00\x20\x00\x00\x00\x00\x00\x00"),
	  { R(RAX, ~0ULL) }, 0, { MEM(0x2000, "\x78\x56\x34\x12") },
	  .oregs = { R(RAX, 0x12345678) } },
	{ "mov moffs64,rax", M_L64, C("\x48\xa3\x00\x20\x00\x00\x00\x00\x00\x00"),
	  { R(RAX, 0x0102030405060708) }, 0, { MEM(0x2000, Z8) },
	  .omem = { MEM(0x2000, "\x08\x07\x06\x05\x04\x03\x02\x01") } },
	{ "mov moffs64,ax (66)", M_L64, C("\x66\xa3\x00\x20\x00\x00\x00\x00\x00\x00"),
	  { R(RAX, 0x11223344) }, 0, { MEM(0x2000, "\0\0\0") },
	  .omem = { MEM(0x2000, "\x44\x33\0") } },
	{ "mov moffs32,al (67: 4-byte moffs)", M_L64, C("\x67\xa2\x00\x20\x00\x00"),
	  { R(RAX, 0x77) }, 0, { MEM(0x2000, "\0") }, .omem = { MEM(0x2000, "\x77") } },
	{ "mov dword [rip+disp32],imm32: disp from the end", M_L64,
	  C("\xc7\x05\xf6\x0f\x00\x00\x78\x56\x34\x12"),
	  { }, 0, { MEM(0x2000, "\0\0\0\0\0") }, .omem = { MEM(0x2000, "\x78\x56\x34\x12\0") } },
	{ "mov qword [rip+disp32],-1 (REX.W)", M_L64,
	  C("\x48\xc7\x05\xf5\x0f\x00\x00\xff\xff\xff\xff"),
	  { }, 0, { MEM(0x2000, Z8) }, .omem = { MEM(0x2000, FF8) } },
	{ "mov qword [rax],0x80000000 sign-extends", M_L64, C("\x48\xc7\x00\x00\x00\x00\x80"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, Z8) },
	  .omem = { MEM(0x2000, "\0\0\0\x80\xff\xff\xff\xff") } },
	{ "mov dword [rax],-1 writes 4 bytes", M_L64, C("\xc7\x00\xff\xff\xff\xff"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, Z8) },
	  .omem = { MEM(0x2000, "\xff\xff\xff\xff\0\0\0\0") } },
	{ "mov byte [ebx+ecx*4+0x10],imm8 (67)", M_L64, C("\x67\xc6\x44\x8b\x10\x12"),
	  { R(RBX, 0x1234567800001fe0ULL), R(RCX, 4) }, 0, { MEM(0x2000, "\0\0") },
	  .omem = { MEM(0x2000, "\x12\0") } },
	{ "mov fs:[disp32],rax (SIB, no base or index)", M_L64,
	  C("\x64\x48\x89\x04\x25\x28\x00\x00\x00"),
	  { R(RAX, 0x0102030405060708) }, 0, { MEM(0x7f0000002000ULL, Z8) },
	  { SEG(X86_SEG_FS, 0x7f0000001fd8ULL, 0, 0x93) },
	  .omem = { MEM(0x7f0000002000ULL, "\x08\x07\x06\x05\x04\x03\x02\x01") } },
	{ "xrelease mov [rax],al (f3)", M_L64, C("\xf3\x88\x00"),
	  { R(RAX, 0x20ab) }, 0, { MEM(0x20ab, "\0\0") }, .omem = { MEM(0x20ab, "\xab\0") } },
	{ "prot32 mov [edi],ah", M_P32, C("\x88\x27"),
	  { R(RAX, 0xab00), R(RDI, 0x2000) }, 0, { MEM(0x2000, "\0\0") },
	  .omem = { MEM(0x2000, "\xab\0") } },
	{ "prot32 mov dh,[esi]", M_P32, C("\x8a\x36"),
	  { R(RSI, 0x2000), R(RDX, 0x1111) }, 0, { MEM(0x2000, "\x42") },
	  .oregs = { R(RDX, 0x4211) } },
	{ "prot32 mov ax,[esi] merges (66)", M_P32, C("\x66\x8b\x06"),
	  { R(RSI, 0x2000), R(RAX, 0x11112222) }, 0, { MEM(0x2000, "\x78\x56") },
	  .oregs = { R(RAX, 0x11115678) } },
	{ "prot32 mov [ebx],esp", M_P32, C("\x89\x23"),
	  { R(RBX, 0x2000), R(RSP, 0xdeadbeef) }, 0, { MEM(0x2000, "\0\0\0\0\0") },
	  .omem = { MEM(0x2000, "\xef\xbe\xad\xde\0") } },
	{ "prot32 movzx cx,byte [eax] merges (66)", M_P32, C("\x66\x0f\xb6\x08"),
	  { R(RAX, 0x2000), R(RCX, 0x11112222) }, 0, { MEM(0x2000, "\x80") },
	  .oregs = { R(RCX, 0x11110080) } },
	{ "prot32 movsx ebp,word [eax]", M_P32, C("\x0f\xbf\x28"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, "\x00\x80") },
	  .oregs = { R(RBP, 0xffff8000) } },
	{ "prot32 mov al,moffs32", M_P32, C("\xa0\x00\x20\x00\x00"),
	  { R(RAX, 0x1111) }, 0, { MEM(0x2000, "\x5a") }, .oregs = { R(RAX, 0x115a) } },
	{ "prot32 mov moffs32,ax (66)", M_P32, C("\x66\xa3\x00\x20\x00\x00"),
	  { R(RAX, 0x11223344) }, 0, { MEM(0x2000, "\0\0\0") },
	  .omem = { MEM(0x2000, "\x44\x33\0") } },
	{ "prot32 mov dword [eax],imm32", M_P32, C("\xc7\x00\x78\x56\x34\x12"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, "\0\0\0\0\0") },
	  .omem = { MEM(0x2000, "\x78\x56\x34\x12\0") } },
	{ "prot32 mov word [eax+4],imm16 (66)", M_P32, C("\x66\xc7\x40\x04\x34\x12"),
	  { R(RAX, 0x1ffc) }, 0, { MEM(0x2000, "\0\0\0") },
	  .omem = { MEM(0x2000, "\x34\x12\0") } },
	{ "prot32 67: mov eax,[bx]", M_P32, C("\x67\x8b\x07"),
	  { R(RBX, 0x12342000) }, 0, { MEM(0x2000, "\x07\x01\0\0") },
	  .oregs = { R(RAX, 0x107) } },
	{ "prot32 movnti [edx],edi", M_P32, C("\x0f\xc3\x3a"),
	  { R(RDX, 0x2000), R(RDI, 0x55667788) }, 0, { MEM(0x2000, "\0\0\0\0\0") },
	  .omem = { MEM(0x2000, "\x88\x77\x66\x55\0") } },
	{ "prot32 mov dword fs:[eax],1 with FS base", M_P32, C("\x64\xc7\x00\x01\x00\x00\x00"),
	  { R(RAX, 0x10) }, 0, { MEM(0x30010, Z8) }, { SEG(X86_SEG_FS, 0x30000, 0xffff, 0x93) },
	  .omem = { MEM(0x30010, "\x01\0\0\0\0\0\0\0") } },
	{ "real mov byte [bx],imm8", M_REAL, C("\xc6\x07\x12"),
	  { R(RBX, 0x10) }, 0, { MEM(0x10010, "\0\0") },
	  { SEG(X86_SEG_DS, 0x10000, 0xffff, 0x93) }, .omem = { MEM(0x10010, "\x12\0") } },
	{ "real mov word [bx+si],imm16", M_REAL, C("\xc7\x00\x34\x12"),
	  { R(RBX, 0x10), R(RSI, 0x20) }, 0, { MEM(0x30, "\0\0\0") },
	  .omem = { MEM(0x30, "\x34\x12\0") } },
	{ "prot16 66: mov dword [bx],imm32", M_P16, C("\x66\xc7\x07\x78\x56\x34\x12"),
	  { R(RBX, 0x10) }, 0, { MEM(0x40010, "\0\0\0\0\0") },
	  { SEG(X86_SEG_DS, 0x40000, 0xffff, 0x93) },
	  .omem = { MEM(0x40010, "\x78\x56\x34\x12\0") } },
	{ "real mov [di],ah", M_REAL, C("\x88\x25"),
	  { R(RAX, 0xab00), R(RDI, 0x20) }, 0, { MEM(0x20, "\0\0") },
	  .omem = { MEM(0x20, "\xab\0") } },
	{ "real mov ch,[bx]", M_REAL, C("\x8a\x2f"),
	  { R(RBX, 0x20), R(RCX, 0x1111) }, 0, { MEM(0x20, "\x42") },
	  .oregs = { R(RCX, 0x4211) } },
	{ "real movzx ax,byte [bx] merges", M_REAL, C("\x0f\xb6\x07"),
	  { R(RBX, 0x20), R(RAX, 0x11112222) }, 0, { MEM(0x20, "\xf0") },
	  .oregs = { R(RAX, 0x111100f0) } },
	{ "real movsx ax,byte [bx] merges", M_REAL, C("\x0f\xbe\x07"),
	  { R(RBX, 0x20), R(RAX, 0x11112222) }, 0, { MEM(0x20, "\xf0") },
	  .oregs = { R(RAX, 0x1111fff0) } },
	{ "prot16 66: movzx eax,word [bx]", M_P16, C("\x66\x0f\xb7\x07"),
	  { R(RBX, 0x20), R(RAX, 0x11112222) }, 0, { MEM(0x20, "\x00\x80") },
	  .oregs = { R(RAX, 0x8000) } },
	{ "real 67: mov al,moffs32 with DS base", M_REAL, C("\x67\xa0\x34\x12\x00\x00"),
	  { R(RAX, 0x1111) }, 0, { MEM(0x11234, "\x5a") },
	  { SEG(X86_SEG_DS, 0x10000, 0xffff, 0x93) }, .oregs = { R(RAX, 0x115a) } },
	{ "real 66: mov eax,moffs16", M_REAL, C("\x66\xa1\x34\x12"),
	  { R(RAX, 0x11112222) }, 0, { MEM(0x1234, "\x01\x02\x03\x04") },
	  .oregs = { R(RAX, 0x04030201) } },
	{ "real mov es:[di],ax", M_REAL, C("\x26\x89\x05"),
	  { R(RAX, 0xbeef), R(RDI, 0x10) }, 0, { MEM(0x20010, "\0\0\0") },
	  { SEG(X86_SEG_ES, 0x20000, 0xffff, 0x93), SEG(X86_SEG_DS, 0x30000, 0xffff, 0x93) },
	  .omem = { MEM(0x20010, "\xef\xbe\0") } },
	/* ---- addressing ---- */
	{ "sib [rbx+rcx*4+0x10]", M_L64, C("\x8b\x44\x8b\x10"),
	  { R(RBX, 0x1f00), R(RCX, 0x3c) }, 0, { MEM(0x2000, "\x01\x02\x03\x04") },
	  .oregs = { R(RAX, 0x04030201) } },
	{ "sib no base [rcx*4+disp32]", M_L64, C("\x8b\x04\x8d\x00\x20\x00\x00"),
	  { R(RCX, 4) }, 0, { MEM(0x2010, "\x05\x06\x07\x08") },
	  .oregs = { R(RAX, 0x08070605) } },
	{ "sib REX.X [rbx+r9]", M_L64, C("\x42\x8b\x04\x0b"),
	  { R(RBX, 0x1000), R(R9, 0x1000) }, 0, { MEM(0x2000, "\x09\0\0\0") },
	  .oregs = { R(RAX, 9) } },
	{ "sib index rsp is none [rsp]", M_L64, C("\x8b\x04\x24"),
	  { R(RSP, 0x2000), R(RAX, 0x5555) }, 0, { MEM(0x2000, "\x0a\0\0\0") },
	  .oregs = { R(RAX, 10) } },
	{ "sib REX.X r12 index [rax+r12*2]", M_L64, C("\x42\x8b\x04\x60"),
	  { R(RAX, 0x1000), R(R12, 0x800) }, 0, { MEM(0x2000, "\x0b\0\0\0") },
	  .oregs = { R(RAX, 11) } },
	{ "[r13+0] (REX.B)", M_L64, C("\x41\x8b\x45\x00"),
	  { R(R13, 0x2000) }, 0, { MEM(0x2000, "\x0c\0\0\0") }, .oregs = { R(RAX, 12) } },
	{ "fs override adds FS base", M_L64, C("\x64\x8b\x00"),
	  { R(RAX, 0x2000) }, 0, { MEM(0xffff800000002000ULL, "\x0d\0\0\0") },
	  { SEG(X86_SEG_FS, 0xffff800000000000ULL, 0, 0x93) }, .oregs = { R(RAX, 13) } },
	{ "gs override adds GS base", M_L64, C("\x65\x48\x8b\x04\x25\x10\x00\x00\x00"),
	  { }, 0, { MEM(0x7ffffffff010ULL, "\x0e\0\0\0\0\0\0\0") },
	  { SEG(X86_SEG_GS, 0x7ffffffff000ULL, 0, 0x93) }, .oregs = { R(RAX, 14) } },
	{ "64-bit ignores DS base and limit", M_L64, C("\x3e\x8b\x00"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, "\x0f\0\0\0") },
	  { SEG(X86_SEG_DS, 0x50000, 0x10, 0x93) }, .oregs = { R(RAX, 15) } },
	{ "67 truncates [eax]", M_L64, C("\x67\x8b\x00"),
	  { R(RAX, 0xffffffff00002000ULL) }, 0, { MEM(0x2000, "\x10\0\0\0") },
	  .oregs = { R(RAX, 16) } },
	{ "real [bx+si] + DS base", M_REAL, C("\x8b\x00"),
	  { R(RBX, 0x1000), R(RSI, 0x800) }, 0, { MEM(0x11800, "\x34\x12") },
	  { SEG(X86_SEG_DS, 0x10000, 0xffff, 0x93) }, .oregs = { R(RAX, 0x1234) } },
	{ "real [bp-2] defaults to SS", M_REAL, C("\x8b\x46\xfe"),
	  { R(RBP, 2) }, 0, { MEM(0x20000, "\x78\x56") },
	  { SEG(X86_SEG_SS, 0x20000, 0xffff, 0x93), SEG(X86_SEG_DS, 0x30000, 0xffff, 0x93) },
	  .oregs = { R(RAX, 0x5678) } },
	{ "real [bp+di] ds override", M_REAL, C("\x3e\x8b\x03"),
	  { R(RBP, 0x10), R(RDI, 0x20) }, 0, { MEM(0x30030, "\x01\x01") },
	  { SEG(X86_SEG_SS, 0x20000, 0xffff, 0x93), SEG(X86_SEG_DS, 0x30000, 0xffff, 0x93) },
	  .oregs = { R(RAX, 0x101) } },
	{ "real [disp16]", M_REAL, C("\x8b\x06\x34\x12"),
	  { }, 0, { MEM(0x1234, "\x02\x01") }, .oregs = { R(RAX, 0x102) } },
	{ "real [bx+si+disp8] wraps at 64K", M_REAL, C("\x8b\x40\x10"),
	  { R(RBX, 0xfff0), R(RSI, 0x10) }, 0, { MEM(0x10010, "\x03\x01") },
	  { SEG(X86_SEG_DS, 0x10000, 0xffff, 0x93) }, .oregs = { R(RAX, 0x103) } },
	{ "real 66: mov eax,[bx]", M_REAL, C("\x66\x8b\x07"),
	  { R(RBX, 0x2000) }, 0, { MEM(0x2000, "\x01\x02\x03\x04") },
	  .oregs = { R(RAX, 0x04030201) } },
	{ "real 67: [eax+ecx*2]", M_REAL, C("\x67\x8b\x04\x48"),
	  { R(RAX, 0x100), R(RCX, 0x80) }, 0, { MEM(0x10200, "\x04\x01") },
	  { SEG(X86_SEG_DS, 0x10000, 0xffff, 0x93) }, .oregs = { R(RAX, 0x104) } },
	{ "prot16 mov [bx],ax", M_P16, C("\x89\x07"),
	  { R(RAX, 0xbeef), R(RBX, 0x10) }, 0, { MEM(0x40010, "\0\0\0") },
	  { SEG(X86_SEG_DS, 0x40000, 0xffff, 0x93) }, .omem = { MEM(0x40010, "\xef\xbe\0") } },
	{ "prot32 67: [bx+si]", M_P32, C("\x67\x8b\x00"),
	  { R(RBX, 0x1000), R(RSI, 0x1000) }, 0, { MEM(0x2000, "\x05\x01\0\0") },
	  .oregs = { R(RAX, 0x105) } },
	{ "prot32 es:[ebx] with ES base", M_P32, C("\x26\x89\x03"),
	  { R(RAX, 0xcafebabe), R(RBX, 0x10) }, 0, { MEM(0x10010, Z8) },
	  { SEG(X86_SEG_ES, 0x10000, 0xffff, 0x93) },
	  .omem = { MEM(0x10010, "\xbe\xba\xfe\xca\0") } },
	{ "prot32 base wraps at 4G", M_P32, C("\x8b\x00"),
	  { R(RAX, 0x3000) }, 0, { MEM(0x2000, "\x06\x01\0\0") },
	  { SEG(X86_SEG_DS, 0xfffff000, 0xffffffff, 0xc93) }, .oregs = { R(RAX, 0x106) } },
	{ "prot32 82 alias add byte [eax],1", M_P32, C("\x82\x00\x01"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, "\x0f") }, .oflags = FL(AF),
	  .omem = { MEM(0x2000, "\x10") } },
	/* ---- ALU ---- */
	{ "add [rax],rbx carries out", M_L64, C("\x48\x01\x18"),
	  { R(RAX, 0x2000), R(RBX, 1) }, 0, { MEM(0x2000, FF8) },
	  .oflags = FL(CF | PF | AF | ZF), .omem = { MEM(0x2000, Z8) } },
	{ "add [rax],bl overflows", M_L64, C("\x00\x18"),
	  { R(RAX, 0x2000), R(RBX, 1) }, 0, { MEM(0x2000, "\x7f") },
	  .oflags = FL(OF | SF | AF), .omem = { MEM(0x2000, "\x80") } },
	{ "adc [rax],bl carry-in", M_L64, C("\x10\x18"),
	  { R(RAX, 0x2000) }, FL(CF), { MEM(0x2000, "\xff") },
	  .oflags = FL(CF | PF | AF | ZF), .omem = { MEM(0x2000, "\0") } },
	{ "adc [rax],rbx carry-in overflows", M_L64, C("\x48\x11\x18"),
	  { R(RAX, 0x2000) }, FL(CF), { MEM(0x2000, "\xff\xff\xff\xff\xff\xff\xff\x7f") },
	  .oflags = FL(OF | SF | AF | PF), .omem = { MEM(0x2000, "\0\0\0\0\0\0\0\x80") } },
	{ "sbb [rax],bl borrow-in", M_L64, C("\x18\x18"),
	  { R(RAX, 0x2000) }, FL(CF), { MEM(0x2000, "\0") },
	  .oflags = FL(CF | SF | AF | PF), .omem = { MEM(0x2000, "\xff") } },
	{ "sbb [rax],bx 0-ffff-1", M_L64, C("\x66\x19\x18"),
	  { R(RAX, 0x2000), R(RBX, 0xffff) }, FL(CF), { MEM(0x2000, "\0\0") },
	  .oflags = FL(CF | ZF | AF | PF), .omem = { MEM(0x2000, "\0\0") } },
	{ "sub [rax],ebx overflows", M_L64, C("\x29\x18"),
	  { R(RAX, 0x2000), R(RBX, 1) }, 0, { MEM(0x2000, "\0\0\0\x80") },
	  .oflags = FL(OF | AF | PF), .omem = { MEM(0x2000, "\xff\xff\xff\x7f") } },
	{ "cmp ebx,[rax] writes nothing", M_L64, C("\x3b\x18"),
	  { R(RAX, 0x2000), R(RBX, 5) }, 0, { MEM(0x2000, "\x07\0\0\0") },
	  .oflags = FL(CF | SF | AF) },
	{ "and [rax],ebx clears CF OF AF", M_L64, C("\x21\x18"),
	  { R(RAX, 0x2000), R(RBX, 0x0ff00ff0) }, FL(CF | OF | AF),
	  { MEM(0x2000, "\xf0\xf0\xf0\xf0") }, .oflags = FL(PF),
	  .omem = { MEM(0x2000, "\xf0\x00\xf0\x00") } },
	{ "or [rax],bl zero", M_L64, C("\x08\x18"),
	  { R(RAX, 0x2000) }, FL(CF | OF), { MEM(0x2000, "\0") }, .oflags = FL(ZF | PF),
	  .omem = { MEM(0x2000, "\0") } },
	{ "xor [rax],rbx", M_L64, C("\x48\x31\x18"),
	  { R(RAX, 0x2000), R(RBX, 0x0807060504030201) }, 0,
	  { MEM(0x2000, "\x01\x02\x03\x04\x05\x06\x07\x08") }, .oflags = FL(ZF | PF),
	  .omem = { MEM(0x2000, Z8) } },
	{ "add ah,[rax] (Gb,Eb)", M_L64, C("\x02\x20"),
	  { R(RAX, 0x2000) }, FL(ZF), { MEM(0x2000, "\x05") }, .oflags = FL(0),
	  .oregs = { R(RAX, 0x2500) } },
	{ "add al,imm8", M_L64, C("\x04\x01"),
	  { R(RAX, 0x0f) }, 0, { }, .oflags = FL(AF), .oregs = { R(RAX, 0x10) } },
	{ "sub eax,imm32 zero-extends", M_L64, C("\x2d\x01\x00\x00\x00"),
	  { R(RAX, 0xffffffff00000001ULL) }, 0, { }, .oflags = FL(ZF | PF),
	  .oregs = { R(RAX, 0) } },
	{ "add byte [rax],1 (80 /0)", M_L64, C("\x80\x00\x01"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, "\xff") }, .oflags = FL(CF | PF | AF | ZF),
	  .omem = { MEM(0x2000, "\0") } },
	{ "sub dword [rax],0x80000000 (81 /5)", M_L64, C("\x81\x28\x00\x00\x00\x80"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, "\0\0\0\0") },
	  .oflags = FL(CF | PF | SF | OF), .omem = { MEM(0x2000, "\0\0\0\x80") } },
	{ "cmp qword [rax],-1 (83 /7)", M_L64, C("\x48\x83\x38\xff"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, FF8) }, .oflags = FL(ZF | PF) },
	{ "add qword [rax],imm32 sign-extended", M_L64, C("\x48\x81\x00\x00\x00\x00\x80"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, "\0\0\0\x80\0\0\0\0") },
	  .oflags = FL(CF | ZF | PF), .omem = { MEM(0x2000, Z8) } },
	{ "or word [bx],imm8 sign-extended (real)", M_REAL, C("\x83\x0f\x80"),
	  { R(RBX, 0x10) }, 0, { MEM(0x10, "\x01\x00") }, .oflags = FL(SF | PF),
	  .omem = { MEM(0x10, "\x81\xff") } },
	{ "lock add [rax],ebx", M_L64, C("\xf0\x01\x18"),
	  { R(RAX, 0x2000), R(RBX, 2) }, 0, { MEM(0x2000, "\x01\0\0\0") }, .oflags = FL(PF),
	  .omem = { MEM(0x2000, "\x03\0\0\0") } },
	{ "lock cmp is #UD", M_L64, C("\xf0\x39\x18"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, Z8) }, EXC(X86_EXC_UD, 0) },
	{ "lock add to a register is #UD", M_L64, C("\xf0\x03\x18"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, Z8) }, EXC(X86_EXC_UD, 0) },
	{ "lock mov is #UD", M_L64, C("\xf0\x89\x18"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, Z8) }, EXC(X86_EXC_UD, 0) },
	{ "lock add reg,reg is #UD", M_L64, C("\xf0\x01\xd8"),
	  { }, 0, { }, EXC(X86_EXC_UD, 0) },
	/* ---- TEST, NOT, NEG, INC, DEC ---- */
	{ "test [rax],ebx", M_L64, C("\x85\x18"),
	  { R(RAX, 0x2000), R(RBX, 0x80000000) }, FL(CF | OF), { MEM(0x2000, "\0\0\0\x80") },
	  .oflags = FL(SF | PF) },
	{ "test byte [rax],imm8", M_L64, C("\xf6\x00\x01"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, "\x02") }, .oflags = FL(ZF | PF) },
	{ "test word [rax],imm16", M_L64, C("\x66\xf7\x00\x00\x80"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, "\x00\x80") }, .oflags = FL(SF | PF) },
	{ "test eax,imm32 (a9)", M_P32, C("\xa9\x00\x00\x00\x01"),
	  { R(RAX, 0x01000000) }, 0, { }, .oflags = FL(PF) },
	{ "not dword [rax] keeps flags", M_L64, C("\xf7\x10"),
	  { R(RAX, 0x2000) }, FL(CF | ZF | OF), { MEM(0x2000, "\x0f\x0f\x0f\x0f") },
	  .omem = { MEM(0x2000, "\xf0\xf0\xf0\xf0") } },
	{ "neg byte [rax] 0x80", M_L64, C("\xf6\x18"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, "\x80") }, .oflags = FL(CF | SF | OF),
	  .omem = { MEM(0x2000, "\x80") } },
	{ "neg qword [rax] 0", M_L64, C("\x48\xf7\x18"),
	  { R(RAX, 0x2000) }, FL(CF), { MEM(0x2000, Z8) }, .oflags = FL(ZF | PF) },
	{ "neg dword [rax] 1", M_L64, C("\xf7\x18"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, "\x01\0\0\0") },
	  .oflags = FL(CF | SF | AF | PF), .omem = { MEM(0x2000, "\xff\xff\xff\xff") } },
	{ "inc byte [rax] keeps CF", M_L64, C("\xfe\x00"),
	  { R(RAX, 0x2000) }, FL(CF), { MEM(0x2000, "\x7f") },
	  .oflags = FL(CF | OF | SF | AF), .omem = { MEM(0x2000, "\x80") } },
	{ "dec dword [rax] to zero", M_L64, C("\xff\x08"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, "\x01\0\0\0") }, .oflags = FL(ZF | PF),
	  .omem = { MEM(0x2000, "\0\0\0\0") } },
	{ "inc word [rax] wraps, CF kept clear", M_L64, C("\x66\xff\x00"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, "\xff\xff") }, .oflags = FL(ZF | PF | AF),
	  .omem = { MEM(0x2000, "\0\0") } },
	{ "lock dec qword [rax]", M_L64, C("\xf0\x48\xff\x08"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, "\0\0\0\0\0\0\0\x80") },
	  .oflags = FL(OF | AF | PF), .omem = { MEM(0x2000, "\xff\xff\xff\xff\xff\xff\xff\x7f") } },
	/* ---- XCHG ---- */
	{ "xchg [rax],rbx", M_L64, C("\x48\x87\x18"),
	  { R(RAX, 0x2000), R(RBX, 0x1111111122222222) }, 0,
	  { MEM(0x2000, "\x01\x02\x03\x04\x05\x06\x07\x08") },
	  .oregs = { R(RBX, 0x0807060504030201) },
	  .omem = { MEM(0x2000, "\x22\x22\x22\x22\x11\x11\x11\x11") } },
	{ "xchg [rax],ah", M_L64, C("\x86\x20"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, "\x55") },
	  .oregs = { R(RAX, 0x5500) }, .omem = { MEM(0x2000, "\x20") } },
	{ "lock xchg [eax],ecx (prot32)", M_P32, C("\xf0\x87\x08"),
	  { R(RAX, 0x2000), R(RCX, 0xaabbccdd) }, 0, { MEM(0x2000, "\x01\0\0\0") },
	  .oregs = { R(RCX, 1) }, .omem = { MEM(0x2000, "\xdd\xcc\xbb\xaa") } },
	/* ---- BT* ---- */
	{ "bt [rax],ebx beyond the dword", M_L64, C("\x0f\xa3\x18"),
	  { R(RAX, 0x2000), R(RBX, 35) }, FL(ZF), { MEM(0x2000, "\0\0\0\0\x08\0\0\0") },
	  .oflags = FL(ZF | CF) },
	{ "bts [rax],ebx negative offset", M_L64, C("\x0f\xab\x18"),
	  { R(RAX, 0x2004), R(RBX, 0xffffffff) }, 0, { MEM(0x2000, Z8) },
	  .omem = { MEM(0x2000, "\0\0\0\x80\0\0\0\0") } },
	{ "btr [rax],rbx +133", M_L64, C("\x48\x0f\xb3\x18"),
	  { R(RAX, 0x2000), R(RBX, 133) }, 0,
	  { MEM(0x2010, "\x20\0\0\0\0\0\0\0") }, .oflags = FL(CF),
	  .omem = { MEM(0x2010, Z8) } },
	{ "btc [rax],bx -16", M_L64, C("\x66\x0f\xbb\x18"),
	  { R(RAX, 0x2002), R(RBX, 0xfff0) }, 0, { MEM(0x2000, "\0\0\0\0") },
	  .omem = { MEM(0x2000, "\x01\0\0\0") } },
	{ "bts dword [rax],35 (imm is modulo)", M_L64, C("\x0f\xba\x28\x23"),
	  { R(RAX, 0x2000) }, FL(CF), { MEM(0x2000, Z8) }, .oflags = FL(0),
	  .omem = { MEM(0x2000, "\x08\0\0\0\0\0\0\0") } },
	{ "btc dword [rax],0", M_L64, C("\x0f\xba\x38\x00"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, "\x01\0\0\0") }, .oflags = FL(CF),
	  .omem = { MEM(0x2000, "\0\0\0\0") } },
	{ "bt byte 7 of [rax] (ba /4)", M_L64, C("\x0f\xba\x20\x07"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, "\x80\0\0\0") }, .oflags = FL(CF) },
	{ "bt eax,ebx register, offset modulo 32", M_L64, C("\x0f\xa3\xd8"),
	  { R(RAX, 8), R(RBX, 35) }, 0, { }, .oflags = FL(CF) },
	{ "lock bts [eax],ecx 16-bit addressing (real)", M_REAL, C("\xf0\x0f\xab\x0f"),
	  { R(RBX, 0x100), R(RCX, 0xffff) }, 0, { MEM(0xfe, "\0\0\0\0") },
	  .omem = { MEM(0xfe, "\0\x80\0\0") } },
	{ "lock bt is #UD", M_L64, C("\xf0\x0f\xa3\x18"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, Z8) }, EXC(X86_EXC_UD, 0) },
	/* ---- string ---- */
	{ "movsb", M_L64, C("\xa4"),
	  { R(RSI, 0x2000), R(RDI, 0x3000) }, 0, { MEM(0x2000, "\x5a"), MEM(0x3000, "\0\0") },
	  .oregs = { R(RSI, 0x2001), R(RDI, 0x3001) }, .omem = { MEM(0x3000, "\x5a\0") } },
	{ "rep movsb DF=0", M_L64, C("\xf3\xa4"),
	  { R(RSI, 0x2000), R(RDI, 0x3000), R(RCX, 4) }, 0,
	  { MEM(0x2000, "abcdef"), MEM(0x3000, "\0\0\0\0\0\0") },
	  .oregs = { R(RSI, 0x2004), R(RDI, 0x3004), R(RCX, 0) },
	  .omem = { MEM(0x3000, "abcd\0\0") } },
	{ "rep movsq DF=1", M_L64, C("\xf3\x48\xa5"),
	  { R(RSI, 0x2008), R(RDI, 0x3008), R(RCX, 2) }, FL(DF),
	  { MEM(0x2000, "ABCDEFGHIJKLMNOP"), MEM(0x3000, Z8 Z8) },
	  .oregs = { R(RSI, 0x1ff8), R(RDI, 0x2ff8), R(RCX, 0) },
	  .omem = { MEM(0x3000, "ABCDEFGHIJKLMNOP") } },
	{ "rep movsb with rcx=0 touches nothing", M_L64, C("\xf3\xa4"),
	  { R(RSI, 0x9000), R(RDI, 0x9000) }, 0, { } },
	{ "rep stosd", M_L64, C("\xf3\xab"),
	  { R(RAX, 0x11deadbeef), R(RDI, 0x3000), R(RCX, 3) }, 0, { MEM(0x3000, Z8 Z8) },
	  .oregs = { R(RDI, 0x300c), R(RCX, 0) },
	  .omem = { MEM(0x3000, "\xef\xbe\xad\xde\xef\xbe\xad\xde\xef\xbe\xad\xde\0\0\0\0") } },
	{ "lodsb", M_L64, C("\xac"),
	  { R(RAX, ~0ULL), R(RSI, 0x2000) }, 0, { MEM(0x2000, "\x12") },
	  .oregs = { R(RAX, 0xffffffffffffff12), R(RSI, 0x2001) } },
	{ "lodsd zero-extends, DF=1", M_L64, C("\xad"),
	  { R(RAX, ~0ULL), R(RSI, 0x2004) }, FL(DF), { MEM(0x2004, "\x01\x02\x03\x04") },
	  .oregs = { R(RAX, 0x04030201), R(RSI, 0x2000) } },
	{ "cmpsd", M_L64, C("\xa7"),
	  { R(RSI, 0x2000), R(RDI, 0x3000) }, 0,
	  { MEM(0x2000, "\x05\0\0\0"), MEM(0x3000, "\x07\0\0\0") },
	  .oflags = FL(CF | SF | AF), .oregs = { R(RSI, 0x2004), R(RDI, 0x3004) } },
	{ "repe cmpsb stops on mismatch", M_L64, C("\xf3\xa6"),
	  { R(RSI, 0x2000), R(RDI, 0x3000), R(RCX, 5) }, 0,
	  { MEM(0x2000, "abcxe"), MEM(0x3000, "abcde") },
	  .oflags = FL(PF), .oregs = { R(RSI, 0x2004), R(RDI, 0x3004), R(RCX, 1) } },
	{ "repe cmpsb runs out equal", M_L64, C("\xf3\xa6"),
	  { R(RSI, 0x2000), R(RDI, 0x3000), R(RCX, 3) }, 0,
	  { MEM(0x2000, "abcxe"), MEM(0x3000, "abcde") },
	  .oflags = FL(ZF | PF), .oregs = { R(RSI, 0x2003), R(RDI, 0x3003), R(RCX, 0) } },
	{ "repne scasb finds", M_L64, C("\xf2\xae"),
	  { R(RAX, 'd'), R(RDI, 0x3000), R(RCX, 10) }, 0, { MEM(0x3000, "abcdefghij") },
	  .oflags = FL(ZF | PF), .oregs = { R(RDI, 0x3004), R(RCX, 6) } },
	{ "repne scasb runs out", M_L64, C("\xf2\xae"),
	  { R(RAX, 'z'), R(RDI, 0x3000), R(RCX, 3) }, 0, { MEM(0x3000, "abcdefghij") },
	  .oflags = FL(PF), .oregs = { R(RDI, 0x3003), R(RCX, 0) } },
	{ "scasw DF=1 (prot32)", M_P32, C("\x66\xaf"),
	  { R(RAX, 0x1234), R(RDI, 0x3002) }, FL(DF), { MEM(0x3002, "\x34\x12") },
	  .oflags = FL(DF | ZF | PF), .oregs = { R(RDI, 0x3000) } },
	{ "rep movsb budget: 3 of 10", M_L64, C("\xf3\xa4"),
	  { R(RSI, 0x2000), R(RDI, 0x3000), R(RCX, 10) }, 0,
	  { MEM(0x2000, "abcdefghij"), MEM(0x3000, "\0\0\0\0\0") }, .iters = 3,
	  .oregs = { R(RSI, 0x2003), R(RDI, 0x3003), R(RCX, 7) },
	  .omem = { MEM(0x3000, "abc\0\0") }, .stay = true },
	{ "repe cmpsb budget: stops on count before budget", M_L64, C("\xf3\xa6"),
	  { R(RSI, 0x2000), R(RDI, 0x3000), R(RCX, 2) }, 0,
	  { MEM(0x2000, "aaaa"), MEM(0x3000, "aaaa") }, .iters = 2,
	  .oflags = FL(ZF | PF), .oregs = { R(RSI, 0x2002), R(RDI, 0x3002), R(RCX, 0) } },
	{ "rep movsb real: SI wraps at 64K, upper ESI kept", M_REAL, C("\xf3\xa4"),
	  { R(RSI, 0x1fffe), R(RDI, 0), R(RCX, 0x30003) }, 0,
	  { MEM(0x1fffe, "xy"), MEM(0x10000, "z"), MEM(0x20000, "\0\0\0\0") },
	  { SEG(X86_SEG_DS, 0x10000, 0xffff, 0x93), SEG(X86_SEG_ES, 0x20000, 0xffff, 0x93) },
	  .oregs = { R(RSI, 0x10001), R(RDI, 3), R(RCX, 0x30000) },
	  .omem = { MEM(0x20000, "xyz\0") } },
	{ "67 rep movsb in 64-bit: ESI/EDI/ECX", M_L64, C("\x67\xf3\xa4"),
	  { R(RSI, 0xffffffff00002000ULL), R(RDI, 0x100003000ULL), R(RCX, 0x100000001ULL) }, 0,
	  { MEM(0x2000, "q"), MEM(0x3000, "\0") },
	  .oregs = { R(RSI, 0x2001), R(RDI, 0x3001), R(RCX, 0) },
	  .omem = { MEM(0x3000, "q") } },
	{ "es: movsb source override, dest stays ES (prot32)", M_P32, C("\x26\xa4"),
	  { R(RSI, 0x10), R(RDI, 0x20) }, 0, { MEM(0x10010, "s"), MEM(0x10020, "\0") },
	  { SEG(X86_SEG_ES, 0x10000, 0xffff, 0x93), SEG(X86_SEG_DS, 0x50000, 0xffff, 0x93) },
	  .oregs = { R(RSI, 0x11), R(RDI, 0x21) }, .omem = { MEM(0x10020, "s") } },
	{ "rep movsb USER in iteration 2", M_L64, C("\xf3\xa4"),
	  { R(RSI, 0x2000), R(RDI, 0x5000), R(RCX, 4) }, 0,
	  { MEM(0x2000, "abcd"), MEM(0x5000, "\0\0\0\0") }, .user_lo = 0x5002, .user_hi = 0x5003,
	  .res = X86_EMUL_USER, .oregs = { R(RSI, 0x2002), R(RDI, 0x5002), R(RCX, 2) },
	  .omem = { MEM(0x5000, "ab\0\0") } },
	{ "rep stosd #PF in iteration 2", M_L64, C("\xf3\xab"),
	  { R(RAX, 0x01010101), R(RDI, 0x3ff8), R(RCX, 4) }, 0, { MEM(0x3ff8, Z8) },
	  EXC(X86_EXC_PF, 2), .oregs = { R(RDI, 0x4000), R(RCX, 2) },
	  .omem = { MEM(0x3ff8, "\x01\x01\x01\x01\x01\x01\x01\x01") } },
	{ "repne scasb #PF from read keeps flags of iteration 0", M_L64, C("\xf2\xae"),
	  { R(RAX, 'z'), R(RDI, 0x3fff), R(RCX, 4) }, 0, { MEM(0x3fff, "a") },
	  EXC(X86_EXC_PF, 0), .oflags = FL(0), .oregs = { R(RDI, 0x4000), R(RCX, 3) } },
	{ "lock movsb is #UD", M_L64, C("\xf0\xa4"),
	  { R(RSI, 0x2000), R(RDI, 0x2000) }, 0, { MEM(0x2000, "x") }, EXC(X86_EXC_UD, 0) },
	/* ---- faults ---- */
	{ "#PF from the read op", M_L64, C("\x8b\x00"),
	  { R(RAX, 0x9000) }, 0, { }, EXC(X86_EXC_PF, 0) },
	{ "#PF from the write op: no register change", M_L64, C("\x48\x87\x18"),
	  { R(RAX, 0x2ffc), R(RBX, 7) }, 0, { MEM(0x2ffc, "\0\0\0\0") }, EXC(X86_EXC_PF, 0) },
	{ "non-canonical is #GP(0)", M_L64, C("\x8b\x00"),
	  { R(RAX, 0x0000800000000000ULL) }, 0, { }, EXC(X86_EXC_GP, 0) },
	{ "non-canonical via rsp is #SS(0)", M_L64, C("\x8b\x04\x24"),
	  { R(RSP, 0x0000800000000000ULL) }, 0, { }, EXC(X86_EXC_SS, 0) },
	{ "non-canonical via rbp is #SS(0)", M_L64, C("\x8b\x45\x08"),
	  { R(RBP, 0xfff0000000000000ULL) }, 0, { }, EXC(X86_EXC_SS, 0) },
	{ "access ending non-canonical is #GP(0)", M_L64, C("\x48\x8b\x00"),
	  { R(RAX, 0x00007ffffffffffcULL) }, 0, { }, EXC(X86_EXC_GP, 0) },
	{ "fs base makes it non-canonical", M_L64, C("\x64\x8b\x00"),
	  { R(RAX, 0x1000) }, 0, { }, { SEG(X86_SEG_FS, 0x00007ffffffff800ULL, 0, 0x93) },
	  EXC(X86_EXC_GP, 0) },
	{ "prot32 beyond DS limit is #GP(0)", M_P32, C("\x8b\x00"),
	  { R(RAX, 0xffe) }, 0, { MEM(0xffe, "\0\0\0\0") },
	  { SEG(X86_SEG_DS, 0, 0xfff, 0xc93) }, EXC(X86_EXC_GP, 0) },
	{ "prot32 at DS limit is fine", M_P32, C("\x8b\x00"),
	  { R(RAX, 0xffc) }, 0, { MEM(0xffc, "\x01\0\0\0") },
	  { SEG(X86_SEG_DS, 0, 0xfff, 0xc93) }, .oregs = { R(RAX, 1) } },
	{ "prot32 [ebp] beyond SS limit is #SS(0)", M_P32, C("\x8b\x45\x00"),
	  { R(RBP, 0x1000) }, 0, { }, { SEG(X86_SEG_SS, 0, 0xfff, 0xc93) },
	  EXC(X86_EXC_SS, 0) },
	{ "prot32 write to read-only data is #GP(0)", M_P32, C("\x89\x00"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, Z8) },
	  { SEG(X86_SEG_DS, 0, 0xffffffff, 0xc91) }, EXC(X86_EXC_GP, 0) },
	{ "prot32 read of read-only data is fine", M_P32, C("\x8b\x00"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, "\x02\0\0\0") },
	  { SEG(X86_SEG_DS, 0, 0xffffffff, 0xc91) }, .oregs = { R(RAX, 2) } },
	{ "prot32 read of execute-only code is #GP(0)", M_P32, C("\x2e\x8b\x00"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, Z8) },
	  { SEG(X86_SEG_CS, 0, 0xffffffff, 0xc99) }, EXC(X86_EXC_GP, 0) },
	{ "prot32 read of readable code is fine", M_P32, C("\x2e\x8b\x00"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, "\x03\0\0\0") },
	  { SEG(X86_SEG_CS, 0, 0xffffffff, 0xc9b) }, .oregs = { R(RAX, 3) } },
	{ "prot32 write to code is #GP(0)", M_P32, C("\x2e\x89\x00"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, Z8) },
	  { SEG(X86_SEG_CS, 0, 0xffffffff, 0xc9b) }, EXC(X86_EXC_GP, 0) },
	{ "prot32 unusable DS is #GP(0)", M_P32, C("\x8b\x00"),
	  { R(RAX, 0x2000) }, 0, { MEM(0x2000, Z8) },
	  { SEG(X86_SEG_DS, 0, 0xffffffff, 0x10000) }, EXC(X86_EXC_GP, 0) },
	{ "prot32 expand-down SS below limit is #SS(0)", M_P32, C("\x8b\x04\x24"),
	  { R(RSP, 0xffc) }, 0, { MEM(0xffc, "\0\0\0\0") },
	  { SEG(X86_SEG_SS, 0, 0xfff, 0xc97) }, EXC(X86_EXC_SS, 0) },
	{ "prot32 expand-down SS above limit is fine", M_P32, C("\x8b\x04\x24"),
	  { R(RSP, 0x2000) }, 0, { MEM(0x2000, "\x04\0\0\0") },
	  { SEG(X86_SEG_SS, 0, 0xfff, 0xc97) }, .oregs = { R(RAX, 4) } },
	{ "prot16 expand-down 16-bit upper bound", M_P16, C("\x8b\x07"),
	  { R(RBX, 0xffff) }, 0, { MEM(0xffff, "\0\0") },
	  { SEG(X86_SEG_DS, 0, 0xfff, 0x97) }, EXC(X86_EXC_GP, 0) },
	{ "real word at ffff crosses the limit: #GP(0)", M_REAL, C("\x8b\x07"),
	  { R(RBX, 0xffff) }, 0, { MEM(0xffff, "\0\0") }, EXC(X86_EXC_GP, 0) },
	{ "real rep stosw: #GP at the limit after one", M_REAL, C("\xf3\xab"),
	  { R(RAX, 0x4141), R(RDI, 0xfffd), R(RCX, 3) }, 0, { MEM(0xfffc, "\0\0\0\0") },
	  EXC(X86_EXC_GP, 0), .oregs = { R(RDI, 0xffff), R(RCX, 2) },
	  .omem = { MEM(0xfffc, "\0\x41\x41\0") } },
	/* ---- unhandled ---- */
	{ "mul byte [rax]", M_L64, C("\xf6\x20"), { R(RAX, 0x2000) }, 0, { }, UNH },
	{ "div dword [rax]", M_L64, C("\xf7\x30"), { R(RAX, 0x2000) }, 0, { }, UNH },
	{ "call [rax]", M_L64, C("\xff\x10"), { R(RAX, 0x2000) }, 0, { }, UNH },
	{ "push [rax]", M_L64, C("\xff\x30"), { R(RAX, 0x2000) }, 0, { }, UNH },
	{ "in al,imm8", M_L64, C("\xe4\x60"), { }, 0, { }, UNH },
	{ "xabort", M_L64, C("\xc6\xf8\x00"), { }, 0, { }, UNH },
	{ "arpl (prot32 63)", M_P32, C("\x63\x00"), { R(RAX, 0x2000) }, 0, { }, UNH },
	{ "0f ba /0 undefined", M_L64, C("\x0f\xba\x00\x01"), { R(RAX, 0x2000) }, 0, { }, UNH },
	{ "cmpxchg", M_L64, C("\x0f\xb1\x18"), { R(RAX, 0x2000) }, 0, { }, UNH },
	{ "movnti register form", M_L64, C("\x0f\xc3\xc0"), { }, 0, { }, UNH },
	{ "66 movnti", M_L64, C("\x66\x0f\xc3\x00"), { R(RAX, 0x2000) }, 0, { }, UNH },
	{ "movdqa (0f 6f)", M_L64, C("\x66\x0f\x6f\x00"), { R(RAX, 0x2000) }, 0, { }, UNH },
	{ "shl (d1 /4)", M_L64, C("\xd1\x20"), { R(RAX, 0x2000) }, 0, { }, UNH },
	{ "rol (d1 /0)", M_L64, C("\xd1\xc0"), { R(RAX, 1) }, 0, { }, UNH },
	{ "shl al,8 (CF undefined)", M_L64, C("\xc0\xe0\x08"), { R(RAX, 1) }, 0, { }, UNH },
	{ "66 jz in 64-bit mode", M_L64, C("\x66\x74\x10"), { }, 0x42, { }, UNH },

	/* ---- LEA, MOV r,imm, shifts, jumps ---- */
	{ "lea eax,[rax+rbx*4+8]", M_L64, C("\x8d\x44\x98\x08"),
	  { R(RAX, 0x100000000ULL + 0x2000), R(RBX, 3) }, 0, { },
	  .oregs = { R(RAX, 0x2014) } },
	{ "lea rsi,[rip+0x10]", M_L64, C("\x48\x8d\x35\x10\x00\x00\x00"),
	  { }, 0, { }, .oregs = { R(RSI, RIP0 + 7 + 0x10) } },
	{ "mov esi,1 zero-extends", M_L64, C("\xbe\x01\x00\x00\x00"),
	  { R(RSI, ~0ULL) }, 0, { }, .oregs = { R(RSI, 1) } },
	{ "mov r9,imm64", M_L64, C("\x49\xb9\x88\x77\x66\x55\x44\x33\x22\x11"),
	  { }, 0, { }, .oregs = { R(R9, 0x1122334455667788ULL) } },
	{ "mov ah,imm8", M_L64, C("\xb4\x12"), { R(RAX, 0x3344) }, 0, { },
	  .oregs = { R(RAX, 0x1244) } },
	{ "mov r12b,imm8", M_L64, C("\x41\xb4\x34"), { R(R12, 0x1111) }, 0, { },
	  .oregs = { R(R12, 0x1134) } },
	{ "mov ax,imm16 merges", M_L64, C("\x66\xb8\x34\x12"), { R(RAX, ~0ULL) },
	  0, { }, .oregs = { R(RAX, 0xffffffffffff1234ULL) } },
	{ "shl esi,cl (cl 5)", M_L64, C("\xd3\xe6"), { R(RSI, 1), R(RCX, 5) },
	  0x8c3, { }, .oregs = { R(RSI, 0x20) }, .oflags = 0x2 },
	{ "shl esi,cl (cl 0): no flags, zero-extends", M_L64, C("\xd3\xe6"),
	  { R(RSI, 0xffffffff00000001ULL), R(RCX, 0x100) }, 0x8c3, { },
	  .oregs = { R(RSI, 1) }, .oflags = 0x8c3 },
	{ "shl esi,cl (cl 33 masked to 1)", M_L64, C("\xd3\xe6"),
	  { R(RSI, 0x80000001ULL), R(RCX, 33) }, 0, { },
	  .oregs = { R(RSI, 2) }, .oflags = 0x2 | X86_FLAGS_CF | X86_FLAGS_OF },
	{ "shr rax,1", M_L64, C("\x48\xd1\xe8"), { R(RAX, 3) }, 0, { },
	  .oregs = { R(RAX, 1) }, .oflags = 0x2 | X86_FLAGS_CF },
	{ "sar eax,4", M_L64, C("\xc1\xf8\x04"), { R(RAX, 0x80000000ULL) }, 0, { },
	  .oregs = { R(RAX, 0xf8000000ULL) },
	  .oflags = 0x2 | X86_FLAGS_SF | X86_FLAGS_PF },
	{ "jz taken", M_L64, C("\x74\x10"), { }, 0x42, { }, .orip = RIP0 + 2 + 0x10 },
	{ "jz not taken", M_L64, C("\x74\x10"), { }, 0x2, { } },
	{ "jnz rel32", M_L64, C("\x0f\x85\x00\x01\x00\x00"), { }, 0x2, { },
	  .orip = RIP0 + 6 + 0x100 },
	{ "jl taken (SF != OF)", M_L64, C("\x7c\xf0"), { }, 0x2 | X86_FLAGS_SF, { },
	  .orip = RIP0 + 2 - 0x10 },
	{ "jle not taken (ZF 0, SF = OF)", M_L64, C("\x7e\xf0"), { },
	  0x2 | X86_FLAGS_SF | X86_FLAGS_OF, { } },
	{ "jmp to itself", M_L64, C("\xeb\xfe"), { }, 0, { }, .orip = RIP0 },
	{ "jmp rel32 to non-canonical #GP", M_L64, C("\xe9\x00\x00\x00\x70"),
	  { }, 0, { }, .rip = 0x00007ffff0000000ULL, EXC(X86_EXC_GP, 0) },
	{ "jz past CS limit #GP (prot32)", M_P32, C("\x74\x10"), { }, 0x42,
	  { }, .segs = { SEG(X86_SEG_CS, 0, 0x1008, 0xc9b) }, EXC(X86_EXC_GP, 0) },
	{ "jz wraps IP (real mode)", M_REAL, C("\x74\x10"), { }, 0x42, { },
	  .rip = 0xfff0, .orip = 0x0002 },
	{ "0f38 map", M_L64, C("\x66\x0f\x38\x00\x00"), { R(RAX, 0x2000) }, 0, { }, UNH },
	{ "op USER from the read: nothing changes", M_L64, C("\x48\x01\x18"),
	  { R(RAX, 0x5000), R(RBX, 1) }, 0, { MEM(0x5000, Z8) },
	  .user_lo = 0x5000, .user_hi = 0x5008, .res = X86_EMUL_USER },
};

static const char *mode_name(enum x86_mode m)
{
	static const char *const names[] = { "real", "prot16", "prot32", "long64" };

	return names[m];
}

static u64 reg_expect(const struct rv *list, unsigned int reg, u64 dflt)
{
	unsigned int i;

	for (i = 0; i < 6 && list[i].r; i++)
		if (list[i].r == reg + 1)
			dflt = list[i].v;
	return dflt;
}

static void env_reset(void)
{
	memset(&env, 0, sizeof(env));
}

/*
 * The MMIO fast path (x86_mov_describe, x86_mov_load) against the
 * emulator: for every case the emulator completes that is a plain MOV,
 * the one access it made, the registers and RIP after it.
 */
static unsigned int mov_checked, mov_bad;

static void check_mov(const struct ecase *t, const struct x86_insn *in,
		      const u64 *regs0, u64 rip0, const struct x86_emul_ctx *c,
		      const struct tpage *before)
{
	struct x86_mov m;
	u64 lin, base = 0, val = 0, regs[16];
	unsigned int i, k;
	int ok = 1;

	if (!x86_mov_describe(t->mode, regs0, rip0, in, &m))
		return;
	mov_checked++;
	for (i = 0; i < 3 && t->segs[i].s; i++)
		if (t->segs[i].s - 1 == m.seg)
			base = t->segs[i].base;
	if (t->mode == M_L64 && m.seg != X86_SEG_FS && m.seg != X86_SEG_GS)
		base = 0;
	lin = base + m.ea;
	if (t->mode != M_L64)
		lin &= 0xffffffff;
	ok &= env.nlog == 1 && env.log[0].lin == lin &&
	      env.log[0].size == m.size && env.log[0].write == m.store;
	ok &= c->rip == m.next_rip;
	memcpy(regs, regs0, sizeof(regs));
	if (m.store) {
		for (k = 0; k < m.size; k++)
			val |= (u64)*mem_at(lin + k) << (8 * k);
		ok &= val == m.val;
	} else {
		for (k = 0; k < m.size; k++)
			for (i = 0; i < NPAGES; i++)
				if (before[i].used &&
				    before[i].lin == ((lin + k) & ~(PAGE - 1)))
					val |= (u64)before[i].data[(lin + k) &
						(PAGE - 1)] << (8 * k);
		x86_mov_load(regs, &m, val);
	}
	ok &= !memcmp(regs, c->gprs, sizeof(regs));
	if (!ok) {
		mov_bad++;
		printf("# mov fast path differs: %s: %s\n", mode_name(t->mode),
		       t->name);
	}
}

static void run_case(const struct ecase *t)
{
	static struct tpage expect[NPAGES], before[NPAGES];
	struct x86_emul_ctx c;
	struct x86_insn in;
	u64 regs0[16], flags0, rip0, rip_exp, flags_exp;
	unsigned int i, k;
	int r, ok = 1;

	env_reset();
	ctx_init(&c, t->mode);
	for (i = 0; i < 6 && t->regs[i].r; i++)
		c.gprs[t->regs[i].r - 1] = t->regs[i].v;
	if (t->flags)
		c.rflags = t->flags;
	if (t->rip)
		c.rip = t->rip;
	for (i = 0; i < 3 && t->segs[i].s; i++) {
		c.seg[t->segs[i].s - 1].base = t->segs[i].base;
		c.seg[t->segs[i].s - 1].limit = t->segs[i].limit;
		c.seg[t->segs[i].s - 1].attr = t->segs[i].attr;
	}
	c.max_iterations = t->iters;
	for (i = 0; i < 4 && t->mem[i].b; i++)
		for (k = 0; k < t->mem[i].n; k++)
			*(find_page(t->mem[i].a + k, true)->data +
			  ((t->mem[i].a + k) & (PAGE - 1))) = t->mem[i].b[k];
	env.user_lo = t->user_lo;
	env.user_hi = t->user_hi;
	memcpy(expect, env.pages, sizeof(expect));
	for (i = 0; i < 4 && t->omem[i].b; i++) {
		for (k = 0; k < t->omem[i].n; k++) {
			u64 a = t->omem[i].a + k;

			for (r = 0; r < NPAGES; r++)
				if (expect[r].used && expect[r].lin == (a & ~(PAGE - 1)))
					expect[r].data[a & (PAGE - 1)] = t->omem[i].b[k];
		}
	}
	memcpy(regs0, c.gprs, sizeof(regs0));
	flags0 = c.rflags;
	rip0 = c.rip;

	r = x86_decode((const u8 *)t->code, t->clen, t->mode, &in);
	if (!KTAP_EXPECT(r == 0 && in.len == t->clen)) {
		ktap_result(0, "%s: %s: decode", mode_name(t->mode), t->name);
		return;
	}
	memcpy(before, env.pages, sizeof(before));
	r = x86_emulate(&c, &in);
	ok &= KTAP_EXPECT(r == t->res);
	if (r != t->res)
		printf("# result %d, expected %d\n", r, t->res);
	if (r == X86_EMUL_OK && t->res == X86_EMUL_OK)
		check_mov(t, &in, regs0, rip0, &c, before);
	if (t->res == X86_EMUL_EXCEPTION && r == t->res) {
		ok &= KTAP_EXPECT(c.exc_vector == t->vec);
		ok &= KTAP_EXPECT(c.exc_error == t->err);
		ok &= KTAP_EXPECT(c.exc_has_error == (t->vec != X86_EXC_UD));
	}
	rip_exp = rip0;
	if (t->res == X86_EMUL_OK && !t->stay)
		rip_exp = t->orip ? t->orip : rip0 + in.len;
	ok &= KTAP_EXPECT(c.rip == rip_exp);
	flags_exp = t->oflags ? t->oflags : flags0;
	ok &= KTAP_EXPECT(c.rflags == flags_exp);
	if (c.rflags != flags_exp)
		printf("# rflags %#llx, expected %#llx\n", (unsigned long long)c.rflags,
		       (unsigned long long)flags_exp);
	for (i = 0; i < 16; i++) {
		u64 want = reg_expect(t->oregs, i, regs0[i]);

		if (c.gprs[i] != want) {
			printf("# reg %u = %#llx, expected %#llx\n", i,
			       (unsigned long long)c.gprs[i], (unsigned long long)want);
			ok = 0;
		}
	}
	for (i = 0; i < NPAGES; i++) {
		if (memcmp(expect[i].data, env.pages[i].data, PAGE)) {
			printf("# memory page %#llx differs\n", (unsigned long long)expect[i].lin);
			ok = 0;
		}
	}
	ktap_result(ok, "%s: %s", mode_name(t->mode), t->name);
}

/* ---- access order and re-run after USER ---- */

static int decode_or_die(const char *b, unsigned int n, enum x86_mode m, struct x86_insn *in)
{
	return x86_decode((const u8 *)b, n, m, in) == 0;
}

static void test_order(void)
{
	struct x86_emul_ctx c;
	struct x86_insn in;
	int ok;

	/* add [rax],rbx: the read, then the write, same address */
	env_reset();
	ctx_init(&c, M_L64);
	find_page(0x2000, true);
	c.gprs[RAX] = 0x2008;
	ok = decode_or_die("\x48\x01\x18", 3, M_L64, &in) &&
	     x86_emulate(&c, &in) == X86_EMUL_OK && env.nlog == 2 &&
	     !env.log[0].write && env.log[1].write && env.log[0].lin == 0x2008 &&
	     env.log[1].lin == 0x2008 && env.log[0].size == 8;
	ktap_result(ok, "order: RMW reads then writes");

	/* rep movsw: read src, write dst, per iteration */
	env_reset();
	ctx_init(&c, M_L64);
	find_page(0x2000, true);
	c.gprs[RSI] = 0x2000;
	c.gprs[RDI] = 0x2100;
	c.gprs[RCX] = 2;
	ok = decode_or_die("\xf3\x66\xa5", 3, M_L64, &in) &&
	     x86_emulate(&c, &in) == X86_EMUL_OK && env.nlog == 4 &&
	     !env.log[0].write && env.log[0].lin == 0x2000 && env.log[0].size == 2 &&
	     env.log[1].write && env.log[1].lin == 0x2100 &&
	     !env.log[2].write && env.log[2].lin == 0x2002 &&
	     env.log[3].write && env.log[3].lin == 0x2102;
	ktap_result(ok, "order: rep movsw alternates read and write");
}

static void test_user_rerun(void)
{
	struct x86_emul_ctx c, before;
	struct x86_insn in;
	int ok;

	/* add rbx,[mmio]: USER, then re-run with the value cached */
	env_reset();
	ctx_init(&c, M_L64);
	env.user_lo = 0x5000;
	env.user_hi = 0x6000;
	c.gprs[RAX] = 0x5010;
	c.gprs[RBX] = 0x10;
	c.rflags = FL(ZF);
	before = c;
	ok = decode_or_die("\x48\x03\x18", 3, M_L64, &in) &&
	     x86_emulate(&c, &in) == X86_EMUL_USER &&
	     !memcmp(&c, &before, sizeof(c));
	env.user_cached = true;
	memcpy(env.user_val, "\xf0\xff\xff\xff\xff\xff\xff\xff", 8);
	ok = ok && x86_emulate(&c, &in) == X86_EMUL_OK && c.gprs[RBX] == 0 &&
	     c.rflags == FL(CF | ZF | PF) && c.rip == RIP0 + 3;
	ktap_result(ok, "user: re-run after USER uses the cached value");

	/* rep lodsb from MMIO: USER at iteration 0, re-run completes one */
	env_reset();
	ctx_init(&c, M_L64);
	env.user_lo = 0x5000;
	env.user_hi = 0x6000;
	c.gprs[RSI] = 0x5000;
	c.gprs[RCX] = 1;
	before = c;
	ok = decode_or_die("\xf3\xac", 2, M_L64, &in) &&
	     x86_emulate(&c, &in) == X86_EMUL_USER && !memcmp(&c, &before, sizeof(c));
	env.user_cached = true;
	env.user_val[0] = 0x77;
	ok = ok && x86_emulate(&c, &in) == X86_EMUL_OK && c.gprs[RAX] == 0x77 &&
	     c.gprs[RCX] == 0 && c.gprs[RSI] == 0x5001 && c.rip == RIP0 + 2;
	ktap_result(ok, "user: rep lodsb re-run completes");

	/* rep stosb budget: three calls finish 7 iterations */
	env_reset();
	ctx_init(&c, M_L64);
	find_page(0x3000, true);
	c.gprs[RDI] = 0x3000;
	c.gprs[RCX] = 7;
	c.gprs[RAX] = 0x61;
	c.max_iterations = 3;
	ok = decode_or_die("\xf3\xaa", 2, M_L64, &in) &&
	     x86_emulate(&c, &in) == X86_EMUL_OK && c.rip == RIP0 && c.gprs[RCX] == 4 &&
	     x86_emulate(&c, &in) == X86_EMUL_OK && c.rip == RIP0 && c.gprs[RCX] == 1 &&
	     x86_emulate(&c, &in) == X86_EMUL_OK && c.rip == RIP0 + 2 && c.gprs[RCX] == 0 &&
	     !memcmp(mem_at(0x3000), "aaaaaaa\0", 8);
	ktap_result(ok, "budget: repeated calls finish the REP");

	/* a mode mismatch between the insn and the context is refused */
	env_reset();
	ctx_init(&c, M_P32);
	ok = decode_or_die("\x8b\x00", 2, M_L64, &in) &&
	     x86_emulate(&c, &in) == X86_EMUL_UNHANDLED && c.rip == RIP0;
	ktap_result(ok, "mode mismatch is unhandled");

	/* an op returning garbage is taken as UNHANDLED */
	env_reset();
	ctx_init(&c, M_L64);
	ok = decode_or_die("\x8b\x00", 2, M_L64, &in);
	{
		static const struct x86_emul_ops none = { .read = NULL, .write = NULL };

		c.ops = &none;
		ok = ok && x86_emulate(&c, &in) == X86_EMUL_UNHANDLED;
	}
	ktap_result(ok, "missing ops are unhandled");
}

/* #AC(0) needs CR0.AM, RFLAGS.AC and CPL 3, and a misaligned access. */
static void test_alignment(void)
{
	static const struct { u64 cr0, fl; u8 cpl; u64 addr; int res; } t[] = {
		{ 1ULL << 18, X86_FLAGS_AC, 3, 0x2002, X86_EMUL_EXCEPTION },
		{ 1ULL << 18, X86_FLAGS_AC, 3, 0x2004, X86_EMUL_OK },
		{ 1ULL << 18, X86_FLAGS_AC, 0, 0x2002, X86_EMUL_OK },
		{ 1ULL << 18, 0, 3, 0x2002, X86_EMUL_OK },
		{ 0, X86_FLAGS_AC, 3, 0x2002, X86_EMUL_OK },
	};
	struct x86_emul_ctx c;
	struct x86_insn in;
	unsigned int i;
	int ok = decode_or_die("\x8b\x00", 2, M_L64, &in);

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		env_reset();
		ctx_init(&c, M_L64);
		find_page(0x2000, true);
		c.cr0 = t[i].cr0;
		c.rflags |= t[i].fl;
		c.cpl = t[i].cpl;
		c.gprs[RAX] = t[i].addr;
		ok &= KTAP_EXPECT(x86_emulate(&c, &in) == t[i].res);
		if (t[i].res == X86_EMUL_EXCEPTION)
			ok &= KTAP_EXPECT(c.exc_vector == X86_EXC_AC && c.exc_has_error &&
					  !c.exc_error && env.nlog == 0);
	}
	ktap_result(ok, "alignment: #AC(0) only with AM, AC and CPL 3");
}

/* ---- x86_emulate_run: running ahead to the next write ---- */

/*
 * Linux's ahci_qc_issue after its PxSACT write: a flag tested in RAM, a
 * branch over it, the tag loaded, 1 << tag, the PxCI write; then another
 * write that must not run.
 */
static const u8 run_code[] =
	"\x80\x7e\x45\x00"		/* 1000 cmpb $0,0x45(%rsi) */
	"\x74\x04"			/* 1004 je 100a */
	"\x0f\x0b\x90\x90"		/* 1006 ud2 */
	"\x8b\x48\x5c"			/* 100a mov 0x5c(%rax),%ecx */
	"\xbe\x01\x00\x00\x00"		/* 100d mov $1,%esi */
	"\xd3\xe6"			/* 1012 shl %cl,%esi */
	"\x89\x72\x38"			/* 1014 mov %esi,0x38(%rdx) */
	"\x89\x72\x3c";			/* 1017 mov %esi,0x3c(%rdx) */

static void run_setup(struct x86_emul_ctx *c, u8 flag)
{
	env_reset();
	memcpy(find_page(RIP0, true)->data, run_code, sizeof(run_code) - 1);
	find_page(0x2000, true)->data[0x45] = flag;
	find_page(0x2000, true)->data[0x15c] = 5;	/* the tag */
	find_page(0x3000, true);
	ctx_init(c, M_L64);
	c->ops = &t_run_ops;
	c->gprs[RSI] = 0x2000;
	c->gprs[RAX] = 0x2100;
	c->gprs[RDX] = 0x3000;
	c->gprs[RCX] = 0xffffffff00000000ULL;
}

static void test_run(void)
{
	struct x86_emul_ctx c;
	unsigned int n;
	int ok;

	run_setup(&c, 0);
	n = x86_emulate_run(&c, 16);
	ok = KTAP_EXPECT(n == 6 && c.wrote && c.rip == RIP0 + 0x17);
	ok &= KTAP_EXPECT(c.gprs[RSI] == 0x20 && c.gprs[RCX] == 5);
	ok &= KTAP_EXPECT(*mem_at(0x3038) == 0x20 && *mem_at(0x303c) == 0);
	ok &= KTAP_EXPECT(!(c.rflags & X86_FLAGS_STATUS));	/* 0x20: no flag */
	ktap_result(ok, "run: branch, load, shift, and stop after the write");

	run_setup(&c, 1);
	n = x86_emulate_run(&c, 16);
	ok = KTAP_EXPECT(n == 2 && !c.wrote && c.rip == RIP0 + 6);
	ok &= KTAP_EXPECT(*mem_at(0x3038) == 0 && c.gprs[RSI] == 0x2000);
	ktap_result(ok, "run: stops before an instruction it does not run (ud2)");

	run_setup(&c, 0);
	n = x86_emulate_run(&c, 3);
	ok = KTAP_EXPECT(n == 3 && !c.wrote && c.rip == RIP0 + 0xd && c.gprs[RCX] == 5);
	ktap_result(ok, "run: at most max instructions");

	run_setup(&c, 0);
	c.gprs[RAX] = 0x9000;			/* the tag's load faults */
	n = x86_emulate_run(&c, 16);
	ok = KTAP_EXPECT(n == 2 && !c.wrote && c.rip == RIP0 + 0xa);
	ok &= KTAP_EXPECT(c.gprs[RCX] == 0xffffffff00000000ULL);
	ktap_result(ok, "run: stops before an access that faults, nothing of it done");

	run_setup(&c, 0);
	c.gprs[RDX] = 0x8000;			/* the write faults */
	n = x86_emulate_run(&c, 16);
	ok = KTAP_EXPECT(n == 5 && !c.wrote && c.rip == RIP0 + 0x14 && c.gprs[RSI] == 0x20);
	ktap_result(ok, "run: a write that fails is not made, RIP stays at it");

	/* mov $1,%esi across the page's end: the fetch stops at the page */
	run_setup(&c, 0);
	memcpy(find_page(0x4000, true)->data + PAGE - 3, "\xbe\x01\x00", 3);
	memcpy(find_page(0x5000, true)->data, "\x00\x00", 2);
	c.rip = 0x4000 + PAGE - 3;
	n = x86_emulate_run(&c, 16);
	ok = KTAP_EXPECT(n == 0 && c.rip == 0x4000 + PAGE - 3 && c.gprs[RSI] == 0x2000);
	ktap_result(ok, "run: an instruction across the fetch's end is not run");

	/* LOCK, REP and FS/GS forms, and a host without fetch */
	run_setup(&c, 0);
	memcpy(find_page(RIP0, true)->data, "\x64\x8b\x00", 3);	/* mov %fs:(%rax),%eax */
	ok = KTAP_EXPECT(x86_emulate_run(&c, 16) == 0);
	memcpy(find_page(RIP0, true)->data, "\xf0\x01\x02", 3);	/* lock add %eax,(%rdx) */
	ok &= KTAP_EXPECT(x86_emulate_run(&c, 16) == 0);
	memcpy(find_page(RIP0, true)->data, "\xf3\xa4", 2);		/* rep movsb */
	ok &= KTAP_EXPECT(x86_emulate_run(&c, 16) == 0);
	run_setup(&c, 0);
	c.ops = &t_ops;
	ok &= KTAP_EXPECT(x86_emulate_run(&c, 16) == 0 && c.rip == RIP0);
	ktap_result(ok, "run: no LOCK, REP or FS/GS, nothing without a fetch op");

	/* the code page in place, no fetch op: the same run; off it, a stop */
	run_setup(&c, 0);
	c.ops = &t_ops;
	c.code = find_page(RIP0, false)->data;
	c.code_lin = RIP0;
	n = x86_emulate_run(&c, 16);
	ok = KTAP_EXPECT(n == 6 && c.wrote && c.rip == RIP0 + 0x17 && c.gprs[RSI] == 0x20);
	run_setup(&c, 0x80);			/* cmp 0x80, 0: SF != OF */
	c.ops = &t_ops;
	c.code = find_page(RIP0, false)->data;
	c.code_lin = RIP0;
	find_page(RIP0, false)->data[4] = 0x7c;	/* jl 0ff6, the page before */
	find_page(RIP0, false)->data[5] = 0x100 - 0x10;
	n = x86_emulate_run(&c, 16);
	ok &= KTAP_EXPECT(n == 2 && !c.wrote && c.rip == RIP0 + 6 - 0x10);
	ktap_result(ok, "run: code read in place from its page, stops off it without fetch");
}
#define NR_RUN	8

/* ---- oracle: ALU results and flags against the host CPU ---- */

#if defined(__x86_64__)
static u64 rng = 0x9e3779b97f4a7c15ULL;

static u64 rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

/* The asm moves rsp below the red zone before pushing. */
#define HOST_BIN(insn, T, x, y, fl)					\
	do {								\
		T __a = (T)(x), __b = (T)(y);				\
		u64 __f = (fl);						\
		asm volatile("lea -128(%%rsp), %%rsp\n\t"		\
			     "push %[f]\n\tpopf\n\t"			\
			     insn " %[b], %[a]\n\t"			\
			     "pushf\n\tpop %[f]\n\t"			\
			     "lea 128(%%rsp), %%rsp"			\
			     : [a] "+q" (__a), [f] "+r" (__f)		\
			     : [b] "q" (__b) : "cc", "memory");		\
		(x) = __a;						\
		(fl) = __f;						\
	} while (0)

#define HOST_UN(insn, T, x, fl)						\
	do {								\
		T __a = (T)(x);						\
		u64 __f = (fl);						\
		asm volatile("lea -128(%%rsp), %%rsp\n\t"		\
			     "push %[f]\n\tpopf\n\t"			\
			     insn " %[a]\n\t"				\
			     "pushf\n\tpop %[f]\n\t"			\
			     "lea 128(%%rsp), %%rsp"			\
			     : [a] "+q" (__a), [f] "+r" (__f)		\
			     : : "cc", "memory");			\
		(x) = __a;						\
		(fl) = __f;						\
	} while (0)

#define HOST_SIZES(MAC, insn, size, ...)				\
	do {								\
		switch (size) {						\
		case 1: MAC(insn, u8, __VA_ARGS__); break;		\
		case 2: MAC(insn, u16, __VA_ARGS__); break;		\
		case 4: MAC(insn, u32, __VA_ARGS__); break;		\
		default: MAC(insn, u64, __VA_ARGS__); break;		\
		}							\
	} while (0)

/* op 0-7: add or adc sbb and sub xor cmp; 8 test; 9 inc; 10 dec; 11 neg */
static void host_op(unsigned int op, unsigned int size, u64 *a, u64 b, u64 *fl)
{
	switch (op) {
	case 0: HOST_SIZES(HOST_BIN, "add", size, *a, b, *fl); break;
	case 1: HOST_SIZES(HOST_BIN, "or", size, *a, b, *fl); break;
	case 2: HOST_SIZES(HOST_BIN, "adc", size, *a, b, *fl); break;
	case 3: HOST_SIZES(HOST_BIN, "sbb", size, *a, b, *fl); break;
	case 4: HOST_SIZES(HOST_BIN, "and", size, *a, b, *fl); break;
	case 5: HOST_SIZES(HOST_BIN, "sub", size, *a, b, *fl); break;
	case 6: HOST_SIZES(HOST_BIN, "xor", size, *a, b, *fl); break;
	case 7: HOST_SIZES(HOST_BIN, "cmp", size, *a, b, *fl); break;
	case 8: HOST_SIZES(HOST_BIN, "test", size, *a, b, *fl); break;
	case 9: HOST_SIZES(HOST_UN, "inc", size, *a, *fl); break;
	case 10: HOST_SIZES(HOST_UN, "dec", size, *a, *fl); break;
	default: HOST_SIZES(HOST_UN, "neg", size, *a, *fl); break;
	}
}

/* Encode op with rax as destination and rcx as source, at size. */
static unsigned int encode(unsigned int op, unsigned int size, u8 *b)
{
	unsigned int n = 0, w = size == 1 ? 0 : 1;

	if (size == 2)
		b[n++] = 0x66;
	if (size == 8)
		b[n++] = 0x48;
	if (op < 8) {
		b[n++] = (op << 3) | w;		/* op Ev,Gv */
		b[n++] = 0xc8;			/* rm = rax, reg = rcx */
	} else if (op == 8) {
		b[n++] = 0x84 | w;		/* test Ev,Gv */
		b[n++] = 0xc8;
	} else if (op == 11) {
		b[n++] = 0xf6 | w;		/* neg Ev */
		b[n++] = 0xd8;
	} else {
		b[n++] = 0xfe | w;		/* inc/dec Ev */
		b[n++] = op == 9 ? 0xc0 : 0xc8;
	}
	return n;
}

static u64 pick(unsigned int size)
{
	static const u64 special[] = { 0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
				       0x7fffffff, 0x80000000, 0xffffffff,
				       0x7fffffffffffffffULL, 0x8000000000000000ULL, ~0ULL,
				       0x0f, 0x10, 0xf0 };
	u64 v;

	switch (rnd() % 4) {
	case 0:
		v = special[rnd() % ARRAY_SIZE(special)];
		break;
	case 1:
		v = rnd() & 0xff;
		break;
	default:
		v = rnd();
		break;
	}
	if (rnd() % 8 == 0)
		v = 0 - v;
	return v & (size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1);
}

static int oracle_one(unsigned int op, unsigned int size, u64 a, u64 b, u64 fl_in,
		      unsigned long *bad)
{
	static const char *const names[] = { "add", "or", "adc", "sbb", "and", "sub",
					     "xor", "cmp", "test", "inc", "dec", "neg" };
	struct x86_emul_ctx c;
	struct x86_insn in;
	u64 ha = a, hf = fl_in, mask = X86_FLAGS_STATUS;
	u8 code[8];
	unsigned int n = encode(op, size, code);

	host_op(op, size, &ha, b, &hf);
	ctx_init(&c, M_L64);
	c.gprs[RAX] = a;
	c.gprs[RCX] = b;
	c.rflags = fl_in;
	if (x86_decode(code, n, M_L64, &in) || x86_emulate(&c, &in) != X86_EMUL_OK) {
		(*bad)++;
		return 0;
	}
	if ((c.gprs[RAX] & ((size >= 8) ? ~0ULL : (1ULL << (8 * size)) - 1)) !=
	    (ha & ((size >= 8) ? ~0ULL : (1ULL << (8 * size)) - 1)) ||
	    (c.rflags & mask) != (hf & mask)) {
		if (++*bad <= 5)
			printf("# oracle %s size %u a=%#llx b=%#llx fl=%#llx: emul %#llx/%#llx "
			       "host %#llx/%#llx\n", names[op], size, (unsigned long long)a,
			       (unsigned long long)b, (unsigned long long)fl_in,
			       (unsigned long long)c.gprs[RAX], (unsigned long long)c.rflags,
			       (unsigned long long)ha, (unsigned long long)hf);
		return 0;
	}
	return 1;
}

#define HOST_SH(insn, T, x, cnt, fl)					\
	do {								\
		T __a = (T)(x);						\
		u64 __f = (fl);						\
		asm volatile("lea -128(%%rsp), %%rsp\n\t"		\
			     "push %[f]\n\tpopf\n\t"			\
			     insn " %%cl, %[a]\n\t"			\
			     "pushf\n\tpop %[f]\n\t"			\
			     "lea 128(%%rsp), %%rsp"			\
			     : [a] "+q" (__a), [f] "+r" (__f)		\
			     : "c" (cnt) : "cc", "memory");		\
		(x) = __a;						\
		(fl) = __f;						\
	} while (0)

/* SHL, SHR, SAR r,CL at size against the host; count 1 .. width-1. */
static int oracle_shift(unsigned int op, unsigned int size, u64 a, u8 cnt,
			u64 fl_in, unsigned long *bad)
{
	static const char *const names[] = { "shl", "shr", "sar" };
	static const u8 ext[] = { 4, 5, 7 };
	u64 ha = a, hf = fl_in, m = size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
	u64 mask = X86_FLAGS_CF | X86_FLAGS_ZF | X86_FLAGS_SF | X86_FLAGS_PF;
	struct x86_emul_ctx c;
	struct x86_insn in;
	u8 code[4];
	unsigned int n = 0;

	switch (op) {
	case 0: HOST_SIZES(HOST_SH, "shl", size, ha, cnt, hf); break;
	case 1: HOST_SIZES(HOST_SH, "shr", size, ha, cnt, hf); break;
	default: HOST_SIZES(HOST_SH, "sar", size, ha, cnt, hf); break;
	}
	if (size == 2)
		code[n++] = 0x66;
	if (size == 8)
		code[n++] = 0x48;
	code[n++] = size == 1 ? 0xd2 : 0xd3;
	code[n++] = 0xc0 | (ext[op] << 3);	/* rm = rax */
	ctx_init(&c, M_L64);
	c.gprs[RAX] = a;
	c.gprs[RCX] = cnt;
	c.rflags = fl_in;
	if ((cnt & (size == 8 ? 0x3f : 0x1f)) == 1)
		mask |= X86_FLAGS_OF;
	if (x86_decode(code, n, M_L64, &in) || x86_emulate(&c, &in) != X86_EMUL_OK ||
	    (c.gprs[RAX] & m) != (ha & m) || (c.rflags & mask) != (hf & mask)) {
		if (++*bad <= 5)
			printf("# oracle %s size %u a=%#llx cl=%u: emul %#llx/%#llx "
			       "host %#llx/%#llx\n", names[op], size,
			       (unsigned long long)a, cnt,
			       (unsigned long long)c.gprs[RAX], (unsigned long long)c.rflags,
			       (unsigned long long)ha, (unsigned long long)hf);
		return 0;
	}
	return 1;
}

#define HOST_SETCC(cc, fl, res)						\
	asm volatile("lea -128(%%rsp), %%rsp\n\t"			\
		     "push %[f]\n\tpopf\n\t"				\
		     "set" cc " %[r]\n\t"				\
		     "lea 128(%%rsp), %%rsp"				\
		     : [r] "=q" (res) : [f] "r" (fl) : "cc", "memory")

static bool host_cond(unsigned int cc, u64 fl)
{
	u8 r = 0;

	switch (cc) {
	case 0x0: HOST_SETCC("o", fl, r); break;
	case 0x1: HOST_SETCC("no", fl, r); break;
	case 0x2: HOST_SETCC("b", fl, r); break;
	case 0x3: HOST_SETCC("ae", fl, r); break;
	case 0x4: HOST_SETCC("e", fl, r); break;
	case 0x5: HOST_SETCC("ne", fl, r); break;
	case 0x6: HOST_SETCC("be", fl, r); break;
	case 0x7: HOST_SETCC("a", fl, r); break;
	case 0x8: HOST_SETCC("s", fl, r); break;
	case 0x9: HOST_SETCC("ns", fl, r); break;
	case 0xa: HOST_SETCC("p", fl, r); break;
	case 0xb: HOST_SETCC("np", fl, r); break;
	case 0xc: HOST_SETCC("l", fl, r); break;
	case 0xd: HOST_SETCC("ge", fl, r); break;
	case 0xe: HOST_SETCC("le", fl, r); break;
	default: HOST_SETCC("g", fl, r); break;
	}
	return r;
}

/* Shifts at every size and count, and the 16 conditions on every flag mix. */
static void test_oracle_shift_jcc(void)
{
	static const unsigned int sizes[] = { 1, 2, 4, 8 };
	static const u64 fbits[] = { X86_FLAGS_CF, X86_FLAGS_PF, X86_FLAGS_ZF,
				     X86_FLAGS_SF, X86_FLAGS_OF };
	unsigned long bad = 0, n = 0;
	unsigned int op, s, cnt, i, cc, mix;

	for (op = 0; op < 3; op++)
		for (s = 0; s < 4; s++)
			for (cnt = 1; cnt < 8 * sizes[s]; cnt++)
				for (i = 0; i < 200; i++, n++)
					oracle_shift(op, sizes[s], pick(sizes[s]), cnt,
						     0x2 | (rnd() & X86_FLAGS_STATUS), &bad);
	ktap_result(!bad, "oracle: %lu shifts match the host CPU", n);

	bad = 0;
	n = 0;
	for (cc = 0; cc < 16; cc++)
		for (mix = 0; mix < 32; mix++, n++) {
			struct x86_emul_ctx c;
			struct x86_insn in;
			u8 code[2] = { 0x70 | cc, 0x10 };
			u64 fl = 0x2;

			for (i = 0; i < 5; i++)
				if (mix & (1u << i))
					fl |= fbits[i];
			ctx_init(&c, M_L64);
			c.rflags = fl;
			if (x86_decode(code, 2, M_L64, &in) ||
			    x86_emulate(&c, &in) != X86_EMUL_OK ||
			    (c.rip == RIP0 + 0x12) != host_cond(cc, fl)) {
				if (++bad <= 5)
					printf("# oracle jcc %#x flags %#llx: emul rip %#llx\n",
					       cc, (unsigned long long)fl,
					       (unsigned long long)c.rip);
			}
		}
	ktap_result(!bad, "oracle: %lu Jcc conditions match the host's SETcc", n);
}

static void test_oracle(void)
{
	static const unsigned int sizes[] = { 1, 2, 4, 8 };
	unsigned long bad = 0, n = 0;
	unsigned int op, s, i, a, b;

	/* random operands, every op and size, CF in set or clear */
	for (op = 0; op < 12; op++)
		for (s = 0; s < 4; s++)
			for (i = 0; i < 20000; i++, n++)
				oracle_one(op, sizes[s], pick(sizes[s]), pick(sizes[s]),
					   0x2 | (rnd() & X86_FLAGS_STATUS), &bad);
	ktap_result(!bad, "oracle: %lu random ALU cases match the host CPU", n);

	/* exhaustive 8-bit add/adc/sbb/sub with both carry-ins */
	bad = 0;
	n = 0;
	for (op = 0; op < 8; op++)
		for (a = 0; a < 256; a++)
			for (b = 0; b < 256; b++, n += 2) {
				oracle_one(op, 1, a, b, 0x2, &bad);
				oracle_one(op, 1, a, b, 0x2 | X86_FLAGS_CF, &bad);
			}
	ktap_result(!bad, "oracle: %lu exhaustive 8-bit cases match the host CPU", n);
	test_oracle_shift_jcc();
}
#define NR_ORACLE	4
#else
static void test_oracle(void)
{
}
#define NR_ORACLE	0
#endif

int main(void)
{
	unsigned int i;

	ktap_begin("x86_emul", ARRAY_SIZE(cases) + 1 + 2 + 5 + 1 + NR_RUN + NR_ORACLE);
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		run_case(&cases[i]);
	/* Fewer than the table's MOV cases would mean the check never ran. */
	ktap_result(mov_checked >= 40 && !mov_bad,
		    "mov fast path matches the emulator on %u cases (%u differ)",
		    mov_checked, mov_bad);
	test_order();
	test_user_rerun();
	test_alignment();
	test_run();
	test_oracle();
	return ktap_end();
}
