/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86 instruction emulator of the portable core: executes one instruction
 * decoded by x86_decode() against a register context, with memory and port
 * accesses through host callbacks (MMIO exits, instructions that exit).
 */
#ifndef VMM_CORE_X86_EMUL_H
#define VMM_CORE_X86_EMUL_H

#include "host.h"
#include "x86_decode.h"

/* Result codes */
#define X86_EMUL_OK		0	/* done: RIP advanced past the instruction */
#define X86_EMUL_EXCEPTION	1	/* exc_* describe the fault; RIP not advanced */
#define X86_EMUL_USER		2	/* an access needs the host's userspace; re-run later */
#define X86_EMUL_UNHANDLED	3	/* instruction or form not supported */

/* Exception vectors. */
#define X86_EXC_UD		6
#define X86_EXC_SS		12
#define X86_EXC_GP		13
#define X86_EXC_PF		14
#define X86_EXC_AC		17

/* RFLAGS bits. */
#define X86_FLAGS_CF		0x0001
#define X86_FLAGS_PF		0x0004
#define X86_FLAGS_AF		0x0010
#define X86_FLAGS_ZF		0x0040
#define X86_FLAGS_SF		0x0080
#define X86_FLAGS_DF		0x0400
#define X86_FLAGS_OF		0x0800
#define X86_FLAGS_AC		0x40000
#define X86_FLAGS_STATUS	(X86_FLAGS_CF | X86_FLAGS_PF | X86_FLAGS_AF | \
				 X86_FLAGS_ZF | X86_FLAGS_SF | X86_FLAGS_OF)

/* Segment attributes, as uapi/vmm.h VMM_SEG_*. */
#define X86_SEG_ATTR_TYPE	0x000f
#define X86_SEG_ATTR_S		0x0010
#define X86_SEG_ATTR_P		0x0080
#define X86_SEG_ATTR_L		0x0200
#define X86_SEG_ATTR_DB		0x0400
#define X86_SEG_ATTR_G		0x0800
#define X86_SEG_ATTR_UNUSABLE	0x10000

struct x86_emul_ctx;

struct x86_emul_ops {
	/*
	 * size bytes at linear address lin (the host does segmentation-free
	 * page walking and splits page crossings). Return X86_EMUL_OK,
	 * X86_EMUL_EXCEPTION (after x86_emul_set_exception(), e.g. a #PF),
	 * X86_EMUL_USER or X86_EMUL_UNHANDLED.
	 */
	int (*read)(struct x86_emul_ctx *c, u64 lin, void *buf, unsigned int size);
	int (*write)(struct x86_emul_ctx *c, u64 lin, const void *buf, unsigned int size);
	/* Port I/O for INS/OUTS, optional (NULL: INS/OUTS unhandled). size 1, 2, 4. */
	int (*pio_in)(struct x86_emul_ctx *c, u16 port, unsigned int size, u32 *val);
	int (*pio_out)(struct x86_emul_ctx *c, u16 port, unsigned int size, u32 val);
	/*
	 * Code for x86_emulate_run(), optional: up to *n (15) bytes at linear
	 * address lin into buf, *n set to how many there are (fewer where
	 * the code ends, e.g. at a page the host will not cross). X86_EMUL_OK
	 * or anything else to stop.
	 */
	int (*fetch)(struct x86_emul_ctx *c, u64 lin, u8 *buf, unsigned int *n);
};

struct x86_emul_seg {
	u64 base;
	u32 limit;
	u32 attr;	/* descriptor bits 40-47|52-55 as 12 bits, bit 16 = unusable */
};

struct x86_emul_ctx {
	enum x86_mode mode;
	u64 gprs[16];		/* rax rcx rdx rbx rsp rbp rsi rdi r8..r15 */
	u64 rip;		/* in: the instruction (offset in CS); out: next */
	u64 rflags;
	struct x86_emul_seg seg[6];	/* X86_SEG_ES..X86_SEG_GS order */
	u8 cpl;
	u64 cr0;
	unsigned int max_iterations;	/* REP budget per call; 0: default */
	/*
	 * x86_emulate_run, optional: the 4 KiB page of code at linear
	 * address code_lin (page-aligned), read in place; ops->fetch for
	 * code outside it.
	 */
	const u8 *code;
	u64 code_lin;
	const struct x86_emul_ops *ops;
	void *opaque;
	/* out */
	u8 exc_vector;
	bool exc_has_error;
	u32 exc_error;
	bool wrote;		/* a write op returned OK (cleared by x86_emulate_run) */
};

void x86_emul_set_exception(struct x86_emul_ctx *c, u8 vector, bool has_error, u32 error);
int x86_emulate(struct x86_emul_ctx *c, const struct x86_insn *insn);

/*
 * What x86_emulate_run() runs: ALU, TEST, MOV and its kin (loads and
 * plain stores), LEA, MOV r,imm, shifts, Jcc and JMP rel; no LOCK or REP,
 * no FS/GS override (hosts that run ahead need load no segment bases).
 */
bool x86_run_insn(const struct x86_insn *insn);

/*
 * Run ahead from c->rip: up to max instructions that x86_run_insn()
 * takes, read from c->code or fetched with ops->fetch, until one has
 * written memory. Stops
 * before an instruction that cannot be fetched, decoded or taken, or that
 * x86_emulate() does not complete (nothing of it is done; an exception is
 * not raised but left to the CPU that runs it). Returns how many ran;
 * c->wrote says whether the last one wrote.
 */
unsigned int x86_emulate_run(struct x86_emul_ctx *c, unsigned int max);

/*
 * A plain move between one memory operand and a register or an immediate:
 * MOV 88-8B C6/0 C7/0 A0-A3 and MOVZX/MOVSX 0F B6 B7 BE BF with a memory
 * operand, without LOCK or F2/F3. Its only data access is the one to that
 * operand, so a host whose CPU faulted on exactly that access (after
 * making every segmentation, paging and alignment check) can finish it
 * from the access alone, without x86_emulate() and its page walks.
 */
struct x86_mov {
	bool store;		/* the memory operand is the destination */
	u8 size;		/* bytes accessed: 1, 2, 4 or 8 */
	u8 seg;			/* X86_SEG_* of the memory operand */
	u64 ea;			/* its offset in seg (address-size truncated) */
	u64 val;		/* store: the value written */
	/* load: the destination register */
	u8 reg;			/* 0..15 */
	bool high;		/* AH, CH, DH, BH */
	u8 dst_size;		/* bytes written to reg: 1, 2, 4 or 8 */
	bool sx;		/* sign-extend (MOVSX), else zero-extend */
	u64 next_rip;		/* RIP after the instruction */
};

/*
 * true and *m filled when insn (decoded in mode, at rip, with the
 * registers gprs as they are before it runs) is such a move.
 */
bool x86_mov_describe(enum x86_mode mode, const u64 *gprs, u64 rip,
		      const struct x86_insn *insn, struct x86_mov *m);
/* Finish a load of m: val (the size bytes read) into its register. */
void x86_mov_load(u64 *gprs, const struct x86_mov *m, u64 val);

#endif /* VMM_CORE_X86_EMUL_H */
