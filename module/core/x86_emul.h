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
	const struct x86_emul_ops *ops;
	void *opaque;
	/* out */
	u8 exc_vector;
	bool exc_has_error;
	u32 exc_error;
};

void x86_emul_set_exception(struct x86_emul_ctx *c, u8 vector, bool has_error, u32 error);
int x86_emulate(struct x86_emul_ctx *c, const struct x86_insn *insn);

#endif /* VMM_CORE_X86_EMUL_H */
