/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest memory as the host side reaches it: the region (slot) holding a
 * guest-physical address, checked copies, and the pages behind a DMA
 * scatter/gather list. Regions only go away when the VM is destroyed,
 * after every vCPU and every disk request is gone.
 *
 * Guest RAM is backed on first touch (gmem.c), so whoever reaches it must
 * be able to back a never-touched page:
 *  - reads never back anything: a never-touched page reads as zeroes;
 *  - vmm_gpa_write() may run in any context, IRQ included, and backs with
 *    GFP_NOWAIT; it fails with -ENOMEM (and the VM stops, out of memory)
 *    when that allocation fails;
 *  - DMA into guest pages that is set up ahead (bio_vecs) must back them
 *    when the request is mapped, in process context: vmm_gpa_bvecs() may
 *    sleep, so the disk path calls it from its worker, never from a
 *    completion (IRQ context cannot allocate with GFP_KERNEL, and the pages
 *    must exist before the I/O is issued).
 * Backing a page never unmaps or moves another. Only the balloon takes
 * pages away (vmm_gmem_discard): outside the first megabyte and read-only
 * regions, a page pointer stays valid only under rcu_read_lock, in a vCPU
 * batch, or with a page reference (the bio_vecs and the mmap fault hold
 * one).
 */
#ifndef VMM_GMEM_H
#define VMM_GMEM_H

#include <linux/types.h>
#include <linux/bvec.h>

struct vmm_vm;
struct vmm_mem_slot;
struct blk_seg;
struct page;

struct vmm_mem_slot *vmm_find_slot(struct vmm_vm *vm, u64 gpa);
/*
 * -EFAULT unless all of [gpa, gpa + len) is RAM (and writable, for
 * writes); -ENOMEM when a write could not back a page. Any context.
 */
int vmm_gpa_read(struct vmm_vm *vm, u64 gpa, void *buf, unsigned int len);
int vmm_gpa_write(struct vmm_vm *vm, u64 gpa, const void *buf, unsigned int len);
/*
 * The kernel address of the guest RAM byte at gpa, or NULL where that is
 * not RAM or its page was never touched. Valid within the caller's RCU
 * read-side section (a vCPU batch is one) and, beyond it, while
 * vm->tlb_gen keeps the value read before the call: taking a page away
 * bumps it before the page is freed after a grace period.
 */
void *vmm_gpa_ptr(struct vmm_vm *vm, u64 gpa);
/* Is [gpa, gpa + len) RAM a device may read (write: and write)? Any context. */
bool vmm_gpa_ok(struct vmm_vm *vm, u64 gpa, u64 len, bool write);
/*
 * The pages behind segs as bio_vecs, one per page piece: the count, or
 * -EFAULT (not RAM, or read-only RAM for a device write into it), -ENOMEM
 * (a page could not be backed), or -E2BIG when more than max are needed.
 * Backs every page a device writes (to_guest); a never-touched page it
 * only reads is the zero page. Each page comes with a reference: the
 * caller drops them with vmm_gpa_bvecs_put() when the I/O has ended
 * (none are left held on failure). Process context: may sleep.
 */
int vmm_gpa_bvecs(struct vmm_vm *vm, const struct blk_seg *segs, u32 nr,
		  bool to_guest, struct bio_vec *bv, unsigned int max);
/* Drop the page references of n bio_vecs from vmm_gpa_bvecs(). Any context. */
void vmm_gpa_bvecs_put(struct bio_vec *bv, unsigned int n);

/*
 * The page behind gpa (backed now if never touched), or NULL (not RAM, or
 * out of memory). may_sleep picks GFP_KERNEL over GFP_NOWAIT. No
 * reference: only for pages the balloon never takes (the first megabyte,
 * read-only regions).
 */
struct page *vmm_gpa_page(struct vmm_vm *vm, u64 gpa, bool may_sleep);
/*
 * For a slot already looked up, with a page reference the caller drops
 * (put_page); process context.
 */
struct page *vmm_slot_gpa_page(struct vmm_vm *vm, struct vmm_mem_slot *s,
			       u64 gpa);

/* Regions (vm.c): set up without backing anything; freed with the VM. */
int vmm_slot_init(struct vmm_vm *vm, struct vmm_mem_slot *s, u64 gpa,
		  u64 size, u32 flags);
void vmm_slot_free(struct vmm_vm *vm, struct vmm_mem_slot *s);

/*
 * The vCPU's nested page fault on RAM: back gpa and map it for the guest
 * (2 MiB where its chunk allows). Process context, vm->lock not held.
 * 0 (also when another vCPU mapped it first), -ENOMEM (the VM is now out
 * of memory) or -EFAULT (not RAM).
 */
int vmm_gmem_fault(struct vmm_vm *vm, u64 gpa);
/* The same with vm->lock held (the PC's start maps its first megabyte). */
int vmm_gmem_map(struct vmm_vm *vm, u64 gpa);

/* Back and map all of s at once (eager_mem, for comparison); vm->lock held. */
int vmm_gmem_populate(struct vmm_vm *vm, struct vmm_mem_slot *s);

/*
 * The balloon: give the host memory behind n guest pages (4 KiB aligned
 * guest-physical addresses) back. Pages that are not backed RAM, lie in
 * the first megabyte or in a read-only region are skipped; the others
 * leave the VM (its resident count and memory cgroup charge drop) and
 * are backed again, zeroed, at the guest's next touch. Takes vm->lock
 * and waits for an RCU grace period: process context. Returns how many
 * pages were freed.
 */
unsigned int vmm_gmem_discard(struct vmm_vm *vm, const u64 *gpa,
			      unsigned int n);

#endif /* VMM_GMEM_H */
