/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Instruction decoding and emulation for exit handlers (emulate.c). All of
 * these return like an exit handler (enum vmm_next, or a negative errno)
 * except vmm_decode_current.
 */
#ifndef VMM_EMULATE_H
#define VMM_EMULATE_H

#include "vmm.h"

/* The decoder's mode for the CPU state m and rflags. */
enum x86_mode vmm_decode_mode(const struct vmm_cpu_mode *m, u64 rflags);
/*
 * Decode the instruction at CS:RIP. bytes/nbytes may hold bytes the CPU
 * already fetched (decode assists). 0, VMM_FAULTED (fetching it faulted
 * and the guest takes that exception), or a negative error.
 */
#define VMM_FAULTED	1
int vmm_decode_current(struct vmm_vcpu *v, const u8 *bytes,
		       unsigned int nbytes, struct x86_insn *insn);
/* Fill run with an internal-error exit: VMM_NEXT_USER. */
int vmm_internal_error(struct vmm_vcpu *v, struct vmm_run *run,
		       u32 suberror, u64 d1);
/* After vmm_decode_current failed with r. */
int vmm_decode_failed(struct vmm_vcpu *v, struct vmm_run *run, int r);
/* Move RIP past the instruction that exited. */
int vmm_finish_insn(struct vmm_vcpu *v, struct vmm_run *run);
/*
 * Run again the instruction whose MMIO read userspace answered (in
 * v->mmio_cache), as the first run decoded and translated it.
 */
int vmm_emulate_answered(struct vmm_vcpu *v, struct vmm_run *run);
/*
 * Userspace answered an MMIO read with data: true when that finished the
 * instruction (a plain MOV), false when it must run again to take it.
 */
bool vmm_mmio_answer(struct vmm_vcpu *v, u64 data);
/* INS/OUTS (REP or not) to in-kernel ports. */
int vmm_handle_string_io(struct vmm_vcpu *v, struct vmm_run *run);
/* A nested page fault: MMIO, or a BIOS-area access PAM turned away. */
int vmm_handle_npf(struct vmm_vcpu *v, struct vmm_run *run);

#endif /* VMM_EMULATE_H */
