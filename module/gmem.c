// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory on demand, and its access from the host side (gmem.h).
 *
 * Design: guest RAM is module-owned pages, allocated on first touch (as
 * VirtualBox's ring-0 allocator does), not the VMM process's anonymous
 * memory pinned at fault with mmu notifiers (as KVM does). Why:
 *  - every host-side user of guest memory here (the emulator, fw_cfg DMA,
 *    AHCI, the disk path's bio_vecs, PAM) holds struct page pointers with
 *    no lock and often in atomic context; with pages that only go away
 *    when the VM dies, none of them needs an invalidation protocol, and
 *    the slot's page array stays the one source of truth;
 *  - the nested page table is built host-side with no mmu notifier, no
 *    rmap and no teardown of single entries: a KVM-style design needs all
 *    three before the first guest instruction, this one needs none;
 *  - userspace reaches guest RAM through the VM fd's mmap as before.
 * What it costs: no swap, THP collapse, KSM or memfd backing of guest RAM;
 * memory comes back only by an explicit path: the balloon
 * (vmm_gmem_discard(), for virtio_balloon_pci.c). Under vm->lock it turns
 * a 2 MiB chunk into a page array over the same pages (and splits its
 * nested entry, vmm_npt_split), clears the page pointers and the 4 KiB
 * nested entries, bumps vm->tlb_gen and kicks the vCPUs, zaps userspace
 * mappings of the VM fd; then, after an RCU grace period, drops the slot's
 * reference to each page. Who may still hold such a page: a vCPU in its
 * batch (preemption off: the grace period waits for it, and it flushes
 * its nested TLB before it enters again), a host access through
 * vmm_gpa_read/write (under rcu_read_lock), the disk path's bio_vecs and
 * the mmap fault (each with a page reference of its own, taken under
 * rcu_read_lock, so a page outlives a request that reaches it). The next
 * touch backs a new, zeroed page here. Page pointers therefore go back
 * to empty, which lockless readers tolerate (a never-touched page reads
 * as zeroes; a writer backs it again). The first megabyte and read-only
 * regions are never discarded: pc.c holds their pages for PAM.
 *
 * Backing. A slot keeps one word per 2 MiB guest-physical chunk (struct
 * vmm_mem_slot): creating a region allocates only that table, 8 bytes per
 * 2 MiB, so it costs about the same for 16 MiB and 64 GiB. A chunk entry,
 * and a page pointer in a chunk's array, goes once, under the slot's
 * spinlock, from empty to a zeroed page; readers load it with acquire
 * semantics and no lock, and a never-touched page reads as zeroes without
 * being backed. Where the 2 MiB
 * guest-physical chunk around an address lies wholly in the slot, its first
 * touch allocates the whole chunk (order 9, split so that every page has its
 * own refcount for mmap) and the vCPU maps it with one 2 MiB nested entry:
 * nested TLB reach as with the old eager mapping, for the price of up to
 * 2 MiB resident per chunk the guest touches once (a guest touching one
 * byte per 2 MiB costs as much as one touching it all). When no free 2 MiB
 * block is there, or a page of the chunk was backed alone first, the chunk
 * is backed and mapped 4 KiB at a time for good.
 *
 * Charging. Pages are charged to the memory cgroup of the VM's creator
 * (set_active_memcg: the disk worker and IRQ-context completions charge
 * it too, not whoever they run as). Allocations never invoke an OOM
 * killer: 2 MiB ones use __GFP_NORETRY, 4 KiB ones __GFP_RETRY_MAYFAIL
 * (both fail instead of killing, in the page allocator and in the memcg
 * charge alike); in atomic context GFP_NOWAIT. And guest RAM stops 4 MiB
 * short of the cgroup's limit (vmm_memcg_room: a memcg-aware check, with
 * reclaim of the cgroup's cache first), so that the VMM process and its
 * neighbours there do not meet a full cgroup and its OOM killer. A failure marks the VM out
 * of memory (vm->oom): each vCPU then leaves VMM_RUN with an internal-error
 * exit VMM_INTERNAL_GUEST_OOM instead of entering the guest.
 *
 * Contexts. The vCPU's nested page fault backs and maps in process context
 * (VMM_NEXT_FAULT_IN, outside the batch, which runs with preemption off).
 * vmm_gpa_write() may run in atomic context (port and MMIO handlers, the
 * emulator, IRQ-context completions) and backs with GFP_NOWAIT: in a memcg
 * at its limit that fails where reclaim could have made room, and the VM
 * stops (its write is lost); the disk path instead backs its pages when it
 * maps a request in the worker (vmm_gpa_bvecs), and the mmap fault in the
 * faulting process.
 */
#define pr_fmt(fmt) "vmm: " fmt

#include <linux/mm.h>
#include <linux/memcontrol.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/io.h>
#include <linux/rcupdate.h>
#include <linux/fs.h>

#include "vmm.h"
#include "gmem.h"
#include "core/blk.h"

#define VMM_CHUNK_ORDER		(PMD_SHIFT - PAGE_SHIFT)
#define VMM_CHUNK_PAGES		(1UL << VMM_CHUNK_ORDER)

struct vmm_mem_slot *vmm_find_slot(struct vmm_vm *vm, u64 gpa)
{
	int i;

	for (i = 0; i < VMM_MAX_MEM_REGIONS; i++) {
		struct vmm_mem_slot *s = &vm->slots[i];

		if (smp_load_acquire(&s->active) &&
		    gpa >= s->gpa && gpa - s->gpa < s->size)
			return s;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Slots                                                               */
/* ------------------------------------------------------------------ */

#define VMM_CHUNK_LARGE		1UL

static unsigned long vmm_chunk_index(const struct vmm_mem_slot *s, u64 gpa)
{
	return (gpa >> PMD_SHIFT) - (s->gpa >> PMD_SHIFT);
}

static unsigned int vmm_chunk_slot(u64 gpa)
{
	return (gpa >> PAGE_SHIFT) & (VMM_CHUNK_PAGES - 1);
}

/* Does the 2 MiB chunk around gpa lie wholly in the slot? */
static bool vmm_chunk_whole(const struct vmm_mem_slot *s, u64 gpa)
{
	u64 base = round_down(gpa, PMD_SIZE);

	return base >= s->gpa && base + PMD_SIZE <= s->gpa + s->size;
}

/*
 * Only the chunk table is allocated here, 8 bytes per 2 MiB (256 KiB for
 * 64 GiB): creating a region costs next to nothing whatever its size.
 */
int vmm_slot_init(struct vmm_vm *vm, struct vmm_mem_slot *s, u64 gpa,
		  u64 size, u32 flags)
{
	s->gpa = gpa;
	s->size = size;
	s->flags = flags;
	s->npages = size >> PAGE_SHIFT;
	s->nchunks = (round_up(gpa + size, PMD_SIZE) -
		      round_down(gpa, PMD_SIZE)) >> PMD_SHIFT;
	raw_spin_lock_init(&s->lock);
	s->chunks = kvcalloc(s->nchunks, sizeof(*s->chunks), GFP_KERNEL_ACCOUNT);
	if (!s->chunks)
		return -ENOMEM;
	atomic_long_add(s->nchunks * sizeof(*s->chunks), &vm->overhead);
	return 0;
}

/* When the VM dies: no vCPU, device or mapping of the VM fd is left. */
void vmm_slot_free(struct vmm_vm *vm, struct vmm_mem_slot *s)
{
	unsigned long c, n = 0;
	unsigned int i;

	for (c = 0; s->chunks && c < s->nchunks; c++) {
		unsigned long e = s->chunks[c];

		if (!e)
			continue;
		if (e & VMM_CHUNK_LARGE) {
			struct page *p = (struct page *)(e & ~VMM_CHUNK_LARGE);

			/* split_page() made them 512 order-0 pages. */
			for (i = 0; i < VMM_CHUNK_PAGES; i++)
				__free_page(p + i);
			n += VMM_CHUNK_PAGES;
		} else {
			struct page **pp = (struct page **)e;

			for (i = 0; i < VMM_CHUNK_PAGES; i++) {
				if (pp[i]) {
					__free_page(pp[i]);
					n++;
				}
			}
			kfree(pp);
		}
	}
	atomic_long_sub(n, &vm->resident);
	kvfree(s->chunks);
	s->chunks = NULL;
}

/* ------------------------------------------------------------------ */
/* Backing                                                             */
/* ------------------------------------------------------------------ */

static unsigned long vmm_chunk_entry(const struct vmm_mem_slot *s, u64 gpa)
{
	return smp_load_acquire(&s->chunks[vmm_chunk_index(s, gpa)]);
}

static bool vmm_chunk_large(const struct vmm_mem_slot *s, u64 gpa)
{
	return vmm_chunk_entry(s, gpa) & VMM_CHUNK_LARGE;
}

static struct page *vmm_slot_page(const struct vmm_mem_slot *s, u64 gpa)
{
	unsigned long e = vmm_chunk_entry(s, gpa);

	if (!e)
		return NULL;
	if (e & VMM_CHUNK_LARGE)
		return (struct page *)(e & ~VMM_CHUNK_LARGE) + vmm_chunk_slot(gpa);
	return smp_load_acquire(&((struct page **)e)[vmm_chunk_slot(gpa)]);
}

/* Try to back the whole 2 MiB chunk around gpa with one allocation. */
static void vmm_back_chunk(struct vmm_vm *vm, struct vmm_mem_slot *s, u64 gpa,
			   gfp_t gfp)
{
	unsigned long *e = &s->chunks[vmm_chunk_index(s, gpa)], flags;
	struct page *p;

	p = alloc_pages(gfp | __GFP_NORETRY, VMM_CHUNK_ORDER);
	if (!p)
		return;
	raw_spin_lock_irqsave(&s->lock, flags);
	if (*e) {		/* someone was faster, or went 4 KiB */
		raw_spin_unlock_irqrestore(&s->lock, flags);
		__free_pages(p, VMM_CHUNK_ORDER);
		return;
	}
	/* Each page its own refcount: mmap hands them out one by one. */
	split_page(p, VMM_CHUNK_ORDER);
	smp_store_release(e, (unsigned long)p | VMM_CHUNK_LARGE);
	raw_spin_unlock_irqrestore(&s->lock, flags);
	atomic_long_add(VMM_CHUNK_PAGES, &vm->resident);
}

/* Back the 4 KiB page at gpa alone (its chunk goes 4 KiB for good). */
static void vmm_back_page(struct vmm_vm *vm, struct vmm_mem_slot *s, u64 gpa,
			  gfp_t gfp)
{
	unsigned long *e = &s->chunks[vmm_chunk_index(s, gpa)], flags;
	struct page **pp = NULL, *p;
	unsigned int i = vmm_chunk_slot(gpa);

	if (!smp_load_acquire(e)) {
		pp = kcalloc(VMM_CHUNK_PAGES, sizeof(*pp), gfp & ~__GFP_ZERO);
		if (!pp)
			return;
	}
	p = alloc_page(gfp);
	if (!p) {
		kfree(pp);
		return;
	}
	raw_spin_lock_irqsave(&s->lock, flags);
	if (!*e) {
		smp_store_release(e, (unsigned long)pp);
		atomic_long_add(VMM_CHUNK_PAGES * sizeof(*pp), &vm->overhead);
		pp = NULL;
	}
	if (*e & VMM_CHUNK_LARGE || ((struct page **)*e)[i]) {
		raw_spin_unlock_irqrestore(&s->lock, flags);
		__free_page(p);		/* someone was faster */
		kfree(pp);
		return;
	}
	smp_store_release(&((struct page **)*e)[i], p);
	raw_spin_unlock_irqrestore(&s->lock, flags);
	kfree(pp);
	atomic_long_inc(&vm->resident);
}

static void vmm_gmem_oom(struct vmm_vm *vm, u64 gpa)
{
	unsigned int i;

	if (xchg(&vm->oom, true))
		return;
	WRITE_ONCE(vm->oom_gpa, gpa);
	pr_info_ratelimited("VM %u: guest out of memory backing gpa %#llx (%ld pages resident)\n",
			    vm->id, gpa, atomic_long_read(&vm->resident));
	/* Those in the guest leave it and see vm->oom. */
	for (i = 0; i < VMM_MAX_VCPUS; i++) {
		struct vmm_vcpu *v = READ_ONCE(vm->vcpus[i]);

		if (v)
			vmm_vcpu_kick(v);
	}
}

#ifdef CONFIG_MEMCG
/* Pages the VM's memory cgroup and its ancestors can still be charged. */
static unsigned long vmm_memcg_margin(struct mem_cgroup *memcg)
{
	unsigned long margin = ULONG_MAX;

	for (; memcg; memcg = parent_mem_cgroup(memcg)) {
		unsigned long max = READ_ONCE(memcg->memory.max);
		unsigned long use = page_counter_read(&memcg->memory);

		margin = min(margin, max > use ? max - use : 0);
	}
	return margin;
}
#else
static unsigned long vmm_memcg_margin(struct mem_cgroup *memcg)
{
	return ULONG_MAX;
}
#endif

/*
 * Guest RAM stops this short of the cgroup's limit: what the VMM process
 * (its exit path included) and its neighbours in the cgroup need. Without
 * it the guest fills the cgroup to the byte, the next page anyone else
 * there faults in wakes the memcg OOM killer, and it may pick any of them.
 */
#define VMM_MEMCG_HEADROOM	((4UL << 20) >> PAGE_SHIFT)

/*
 * Is there room for nr more pages of guest RAM, headroom kept? Where the
 * margin is short, charge what is missing and free it again (process
 * context only): the cgroup reclaims its page cache for it as it would for
 * the guest's own pages, or the charge fails (no OOM kill: RETRY_MAYFAIL).
 */
static bool vmm_memcg_room(struct vmm_vm *vm, unsigned long nr, bool may_sleep)
{
	unsigned long want = nr + VMM_MEMCG_HEADROOM, margin, i;
	struct page *p, *t;
	LIST_HEAD(probe);
	bool ok = true;

	margin = vmm_memcg_margin(vm->memcg);
	if (margin >= want)
		return true;
	if (!may_sleep)
		return false;
	for (i = margin; i < want; i++) {
		p = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL |
			       __GFP_NOWARN);
		if (!p) {
			ok = false;
			break;
		}
		list_add(&p->lru, &probe);
	}
	list_for_each_entry_safe(p, t, &probe, lru) {
		list_del(&p->lru);
		__free_page(p);
	}
	return ok;
}

/*
 * The page behind gpa in s, backed now if it was never touched; NULL when
 * that failed (and the VM is marked out of memory).
 */
static struct page *vmm_gmem_back(struct vmm_vm *vm, struct vmm_mem_slot *s,
				  u64 gpa, bool may_sleep)
{
	struct mem_cgroup *old;
	struct page *p;
	gfp_t gfp;

	p = vmm_slot_page(s, gpa);
	if (likely(p))
		return p;
	/*
	 * On PREEMPT_RT the page allocator's locks sleep: atomic context
	 * (an exit handler, a raw device lock) cannot back a page there.
	 * eager_mem, the default on RT, backs all RAM up front; without it
	 * such a write fails and the VM stops, out of memory.
	 */
	if (IS_ENABLED(CONFIG_PREEMPT_RT) && !may_sleep)
		goto out;

	gfp = (may_sleep ? GFP_KERNEL : GFP_NOWAIT) | __GFP_ACCOUNT |
	      __GFP_ZERO | __GFP_NOWARN;
	old = set_active_memcg(vm->memcg);
	if (vmm_chunk_whole(s, gpa) && !vmm_chunk_entry(s, gpa) &&
	    vmm_memcg_room(vm, VMM_CHUNK_PAGES, may_sleep))
		vmm_back_chunk(vm, s, gpa, gfp);
	if (!vmm_slot_page(s, gpa) && vmm_memcg_room(vm, 1, may_sleep))
		vmm_back_page(vm, s, gpa,
			      gfp | (may_sleep ? __GFP_RETRY_MAYFAIL : 0));
	set_active_memcg(old);
out:
	p = vmm_slot_page(s, gpa);
	if (!p)
		vmm_gmem_oom(vm, gpa);
	return p;
}

struct page *vmm_gpa_page(struct vmm_vm *vm, u64 gpa, bool may_sleep)
{
	struct vmm_mem_slot *s = vmm_find_slot(vm, gpa);

	return s ? vmm_gmem_back(vm, s, gpa, may_sleep) : NULL;
}

/*
 * The page behind gpa with a reference of the caller's (so the balloon
 * cannot free it under them), backed first if back; else NULL when never
 * touched. NULL with back: out of memory. Process context.
 */
static struct page *vmm_gmem_get(struct vmm_vm *vm, struct vmm_mem_slot *s,
				 u64 gpa, bool back)
{
	struct page *p;

	for (;;) {
		if (back && !vmm_gmem_back(vm, s, gpa, true))
			return NULL;
		rcu_read_lock();
		p = vmm_slot_page(s, gpa);
		if (p)
			get_page(p);
		rcu_read_unlock();
		if (p || !back)
			return p;
		/* The balloon took it between the two: back it again. */
	}
}

struct page *vmm_slot_gpa_page(struct vmm_vm *vm, struct vmm_mem_slot *s,
			       u64 gpa)
{
	return vmm_gmem_get(vm, s, gpa, true);
}

/*
 * Map gpa for the guest, backing it first: a 2 MiB entry where its chunk
 * is backed by one allocation and no 4 KiB table is there, else a 4 KiB
 * entry. Another vCPU may have mapped it already: then nothing to do.
 * Caller holds vm->lock; may sleep.
 */
static int vmm_gmem_map_locked(struct vmm_vm *vm, struct vmm_mem_slot *s,
			       u64 gpa)
{
	bool writable = !(s->flags & VMM_MEM_READONLY);
	struct mem_cgroup *old;
	struct page *p;
	bool table;
	int r;

	if (vmm_npt_query(vm, gpa, &table))
		return 0;
	p = vmm_gmem_back(vm, s, gpa, true);
	if (!p)
		return -ENOMEM;
	/* Its page tables are charged (and fail, never OOM-kill) alike. */
	old = set_active_memcg(vm->memcg);
	if (!table && vmm_chunk_large(s, gpa)) {
		u64 base = round_down(gpa, PMD_SIZE);

		r = vmm_npt_map(vm, base, page_to_phys(vmm_slot_page(s, base)),
				true, writable);
	} else {
		r = vmm_npt_map(vm, round_down(gpa, PAGE_SIZE),
				page_to_phys(p), false, writable);
	}
	set_active_memcg(old);
	return r;
}

int vmm_gmem_map(struct vmm_vm *vm, u64 gpa)
{
	struct vmm_mem_slot *s = vmm_find_slot(vm, gpa);

	lockdep_assert_held(&vm->lock);
	return s ? vmm_gmem_map_locked(vm, s, gpa) : -EFAULT;
}

/*
 * Back and map all of s now, as before guest RAM was backed on demand:
 * for comparison, and on PREEMPT_RT (the eager_mem module parameter). Caller holds
 * vm->lock; on failure what was mapped stays until the VM dies.
 */
int vmm_gmem_populate(struct vmm_vm *vm, struct vmm_mem_slot *s)
{
	u64 gpa = s->gpa, end = s->gpa + s->size;
	int r;

	while (gpa < end) {
		r = vmm_gmem_map_locked(vm, s, gpa);
		if (r)
			return r;
		if (vmm_chunk_large(s, gpa))
			gpa = round_down(gpa, PMD_SIZE) + PMD_SIZE;
		else
			gpa += PAGE_SIZE;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

int vmm_gmem_fault(struct vmm_vm *vm, u64 gpa)
{
	struct vmm_mem_slot *s = vmm_find_slot(vm, gpa);
	int r;

	if (!s)
		return -EFAULT;
	/* Back before the lock: two vCPUs zero their chunks side by side. */
	if (!vmm_gmem_back(vm, s, gpa, true))
		return -ENOMEM;
	mutex_lock(&vm->lock);
	r = vmm_gmem_map_locked(vm, s, gpa);
	mutex_unlock(&vm->lock);
	/* Page tables are guest memory's overhead: out of them, out of memory. */
	if (r == -ENOMEM)
		vmm_gmem_oom(vm, gpa);
	return r;
}

/* ------------------------------------------------------------------ */
/* Access                                                              */
/* ------------------------------------------------------------------ */

static int vmm_gpa_access(struct vmm_vm *vm, u64 gpa, void *buf,
			  unsigned int len, bool write)
{
	while (len) {
		struct vmm_mem_slot *s = vmm_find_slot(vm, gpa);
		unsigned int off = offset_in_page(gpa);
		unsigned int n = min_t(unsigned int, len, PAGE_SIZE - off);
		struct page *p;

		if (!s || (write && (s->flags & VMM_MEM_READONLY)))
			return -EFAULT;
		/* The balloon frees pages only after a grace period. */
		rcu_read_lock();
		if (write) {
			p = vmm_gmem_back(vm, s, gpa, false);
			if (!p) {
				rcu_read_unlock();
				return -ENOMEM;
			}
			memcpy(page_address(p) + off, buf, n);
		} else {
			p = vmm_slot_page(s, gpa);
			if (p)
				memcpy(buf, page_address(p) + off, n);
			else
				memset(buf, 0, n);	/* never touched */
		}
		rcu_read_unlock();
		gpa += n;
		buf += n;
		len -= n;
	}
	return 0;
}

int vmm_gpa_read(struct vmm_vm *vm, u64 gpa, void *buf, unsigned int len)
{
	return vmm_gpa_access(vm, gpa, buf, len, false);
}

int vmm_gpa_write(struct vmm_vm *vm, u64 gpa, const void *buf,
		  unsigned int len)
{
	return vmm_gpa_access(vm, gpa, (void *)buf, len, true);
}

void *vmm_gpa_ptr(struct vmm_vm *vm, u64 gpa)
{
	struct vmm_mem_slot *s = vmm_find_slot(vm, gpa);
	struct page *p = s ? vmm_slot_page(s, gpa) : NULL;

	return p ? page_address(p) + offset_in_page(gpa) : NULL;
}

bool vmm_gpa_ok(struct vmm_vm *vm, u64 gpa, u64 len, bool write)
{
	while (len) {
		struct vmm_mem_slot *s = vmm_find_slot(vm, gpa);
		u64 n;

		if (!s || (write && (s->flags & VMM_MEM_READONLY)))
			return false;
		/* The rest of this slot; regions may sit back to back. */
		n = min(len, s->size - (gpa - s->gpa));
		gpa += n;
		len -= n;
	}
	return true;
}

void vmm_gpa_bvecs_put(struct bio_vec *bv, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (bv[i].bv_page != ZERO_PAGE(0))
			put_page(bv[i].bv_page);
}

int vmm_gpa_bvecs(struct vmm_vm *vm, const struct blk_seg *segs, u32 nr,
		  bool to_guest, struct bio_vec *bv, unsigned int max)
{
	unsigned int n = 0;
	int r;
	u32 i;

	might_sleep();
	for (i = 0; i < nr; i++) {
		u64 gpa = segs[i].gpa;
		u32 len = segs[i].len;

		while (len) {
			struct vmm_mem_slot *s = vmm_find_slot(vm, gpa);
			unsigned int off = offset_in_page(gpa);
			unsigned int piece = min_t(u32, len, PAGE_SIZE - off);
			struct page *p;

			r = -EFAULT;
			if (!s || (to_guest && (s->flags & VMM_MEM_READONLY)))
				goto err;
			/* Contiguous guest pages are not contiguous here. */
			r = -E2BIG;
			if (n == max)
				goto err;
			/*
			 * The device reads a never-touched page: zeroes,
			 * from the shared zero page rather than a new one.
			 * Each page is held until the request ends
			 * (vmm_gpa_bvecs_put): the balloon may take it from
			 * the guest meanwhile, never from the device.
			 */
			p = vmm_gmem_get(vm, s, gpa, to_guest);
			r = -ENOMEM;
			if (!p && to_guest)
				goto err;
			bv[n].bv_page = p ? p : ZERO_PAGE(0);
			bv[n].bv_offset = off;
			bv[n].bv_len = piece;
			n++;
			gpa += piece;
			len -= piece;
		}
	}
	return n;
err:
	vmm_gpa_bvecs_put(bv, n);
	return r;
}

/* ------------------------------------------------------------------ */
/* Giving memory back (the balloon)                                    */
/* ------------------------------------------------------------------ */

/* pc.c holds the pages of the first megabyte (PAM, the BIOS area). */
#define VMM_GMEM_KEEP_BELOW	0x100000ULL

/*
 * Let single pages leave a chunk backed by one 2 MiB allocation: a page
 * array over the same pages replaces it, and its 2 MiB nested entry
 * becomes 512 4 KiB ones (the caller flushes). Lockless readers see
 * either form and find the same pages. vm->lock held; false when the
 * memory for it was short (the chunk stays as it was).
 */
static bool vmm_chunk_to_array(struct vmm_vm *vm, struct vmm_mem_slot *s,
			       u64 gpa)
{
	unsigned long *e = &s->chunks[vmm_chunk_index(s, gpa)], v, flags;
	struct page **pp, *p;
	unsigned int i;

	v = smp_load_acquire(e);
	if (!(v & VMM_CHUNK_LARGE))
		return true;
	pp = kcalloc(VMM_CHUNK_PAGES, sizeof(*pp), GFP_KERNEL_ACCOUNT |
		     __GFP_RETRY_MAYFAIL | __GFP_NOWARN);
	if (!pp)
		return false;
	if (vmm_npt_split(vm, gpa)) {
		kfree(pp);
		return false;
	}
	p = (struct page *)(v & ~VMM_CHUNK_LARGE);
	for (i = 0; i < VMM_CHUNK_PAGES; i++)
		pp[i] = p + i;
	raw_spin_lock_irqsave(&s->lock, flags);
	smp_store_release(e, (unsigned long)pp);
	raw_spin_unlock_irqrestore(&s->lock, flags);
	atomic_long_add(VMM_CHUNK_PAGES * sizeof(*pp), &vm->overhead);
	return true;
}

/*
 * Take the page at gpa out of the VM (vm->lock held): out of its slot,
 * the nested page table and userspace mappings of the VM fd. Returns the
 * page, whose slot reference the caller drops after a grace period, or
 * NULL when there was nothing to take.
 */
static struct page *vmm_gmem_unback(struct vmm_vm *vm, u64 gpa)
{
	struct address_space *mapping = &vm->mapping;
	struct vmm_mem_slot *s;
	struct page **pp, *p;
	unsigned long flags;
	unsigned int i;

	if (gpa < VMM_GMEM_KEEP_BELOW || !PAGE_ALIGNED(gpa))
		return NULL;
	s = vmm_find_slot(vm, gpa);
	if (!s || (s->flags & VMM_MEM_READONLY) || !vmm_chunk_entry(s, gpa))
		return NULL;
	if (!vmm_chunk_to_array(vm, s, gpa))
		return NULL;
	pp = (struct page **)vmm_chunk_entry(s, gpa);
	i = vmm_chunk_slot(gpa);
	raw_spin_lock_irqsave(&s->lock, flags);
	p = pp[i];
	WRITE_ONCE(pp[i], NULL);
	raw_spin_unlock_irqrestore(&s->lock, flags);
	if (!p)
		return NULL;
	vmm_npt_set_4k(vm, gpa, 0, false, false);
	if (mapping_mapped(mapping))
		unmap_mapping_range(mapping, ((loff_t)(s - vm->slots) <<
					      VMM_SLOT_SHIFT) + (gpa - s->gpa),
				    PAGE_SIZE, 1);
	return p;
}

unsigned int vmm_gmem_discard(struct vmm_vm *vm, const u64 *gpa,
			      unsigned int n)
{
	struct mem_cgroup *old;
	struct page **dead;
	unsigned int i, nr = 0;

	might_sleep();
	dead = kmalloc_array(n, sizeof(*dead), GFP_KERNEL | __GFP_NOWARN);
	if (!dead)
		return 0;
	/* Page arrays and split tables are charged as guest memory is. */
	old = set_active_memcg(vm->memcg);
	mutex_lock(&vm->lock);
	for (i = 0; i < n; i++) {
		struct page *p = vmm_gmem_unback(vm, gpa[i]);

		if (p)
			dead[nr++] = p;
	}
	if (nr) {
		/* Entries were taken away: every vCPU flushes before entry. */
		vmm_vm_flush_tlbs(vm);
	}
	mutex_unlock(&vm->lock);
	set_active_memcg(old);

	if (nr) {
		/*
		 * vCPU batches (preemption off) and vmm_gpa_access()
		 * (rcu_read_lock) that may still use a page end first;
		 * references others took keep theirs alive past this.
		 */
		synchronize_rcu();
		for (i = 0; i < nr; i++)
			put_page(dead[i]);
		atomic_long_sub(nr, &vm->resident);
	}
	kfree(dead);
	return nr;
}
