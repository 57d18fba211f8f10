/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest memory as the host side reaches it: the region (slot) holding a
 * guest-physical address, checked copies, and the pages behind a DMA
 * scatter/gather list. None of these sleep; all may run in any context
 * while the VM lives (its regions only go away when it is destroyed,
 * after every vCPU and every disk request is gone).
 */
#ifndef VMM_GMEM_H
#define VMM_GMEM_H

#include <linux/types.h>
#include <linux/bvec.h>

struct vmm_vm;
struct vmm_mem_slot;
struct blk_seg;

struct vmm_mem_slot *vmm_find_slot(struct vmm_vm *vm, u64 gpa);
/* -EFAULT unless all of [gpa, gpa + len) is RAM (and writable, for writes). */
int vmm_gpa_read(struct vmm_vm *vm, u64 gpa, void *buf, unsigned int len);
int vmm_gpa_write(struct vmm_vm *vm, u64 gpa, const void *buf, unsigned int len);
/* Is [gpa, gpa + len) RAM a device may read (write: and write)? */
bool vmm_gpa_ok(struct vmm_vm *vm, u64 gpa, u64 len, bool write);
/*
 * The pages behind segs as bio_vecs, one per page piece: the count, or
 * -EFAULT (not RAM, or read-only RAM for a device write into it), or
 * -E2BIG when more than max are needed.
 */
int vmm_gpa_bvecs(struct vmm_vm *vm, const struct blk_seg *segs, u32 nr,
		  bool to_guest, struct bio_vec *bv, unsigned int max);

#endif /* VMM_GMEM_H */
