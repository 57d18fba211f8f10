// SPDX-License-Identifier: GPL-2.0
/*
 * Nested page tables, built by the host for NPT and EPT alike: the entry
 * format comes from the engine, the walk and allocation are shared.
 * Guest RAM is mapped on first touch (gmem.c, from the vCPU's nested page
 * fault, under vm->lock): entries go from not-present to present and are
 * never torn down one by one while the VM lives; only PAM (pc.c) retargets
 * 4 KiB entries in the first 2 MiB, and a device's register page (mmio.c)
 * is mapped read-only where its BAR is and unmapped when the BAR moves,
 * both flushing through vm->tlb_gen.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/mem_encrypt.h>

#include "vmm.h"

#define PT_ENTRIES	512
#define PT_ADDR_MASK	GENMASK_ULL(51, 12)

/*
 * Tables are made at the guest's nested page faults (gmem.c) and charged
 * to its memory cgroup: at its limit they fail (the VM stops, out of
 * memory) rather than wake the OOM killer.
 */
static u64 *vmm_pt_alloc(struct vmm_vm *vm)
{
	u64 *t = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT |
					__GFP_RETRY_MAYFAIL | __GFP_NOWARN);

	if (t) {
		vm->npt.nr_tables++;
		atomic_long_add(PAGE_SIZE, &vm->overhead);
	}
	return t;
}

int vmm_npt_init(struct vmm_vm *vm, const struct vmm_pt_format *fmt, int levels)
{
	vm->npt.fmt = fmt;
	vm->npt.levels = levels;
	vm->npt.root = vmm_pt_alloc(vm);
	return vm->npt.root ? 0 : -ENOMEM;
}

u64 vmm_npt_root_pa(struct vmm_vm *vm)
{
	return __sme_set(__pa(vm->npt.root));
}

static void vmm_pt_free_level(const struct vmm_pt_format *fmt, u64 *t, int level)
{
	int i;

	if (level > 1) {
		for (i = 0; i < PT_ENTRIES; i++) {
			u64 e = t[i];

			if (fmt->present(e) && !fmt->large(e))
				vmm_pt_free_level(fmt,
						  __va(__sme_clr(e & PT_ADDR_MASK)),
						  level - 1);
		}
	}
	free_page((unsigned long)t);
}

void vmm_npt_free(struct vmm_vm *vm)
{
	if (vm->npt.root)
		vmm_pt_free_level(vm->npt.fmt, vm->npt.root, vm->npt.levels);
	vm->npt.root = NULL;
}

/*
 * The table at level target (1: 4 KiB entries, 2: 2 MiB ones) that covers
 * gpa, making the tables above it as needed; ERR_PTR(-EEXIST) where a
 * large page maps gpa above that level. Caller holds vm->lock.
 */
static u64 *vmm_npt_table_at(struct vmm_vm *vm, u64 gpa, int target)
{
	const struct vmm_pt_format *fmt = vm->npt.fmt;
	u64 *t = vm->npt.root;
	int level;

	for (level = vm->npt.levels; level > target; level--) {
		unsigned int idx = (gpa >> (12 + 9 * (level - 1))) & 511;
		u64 e = t[idx];

		if (!fmt->present(e)) {
			u64 *n = vmm_pt_alloc(vm);

			if (!n)
				return ERR_PTR(-ENOMEM);
			e = fmt->table(__sme_set(__pa(n)));
			WRITE_ONCE(t[idx], e);
		} else if (fmt->large(e)) {
			return ERR_PTR(-EEXIST);
		}
		t = __va(__sme_clr(e & PT_ADDR_MASK));
	}
	return t;
}

/*
 * Map one 4 KiB page (large == false) or one 2 MiB page at gpa. Caller holds
 * vm->lock. Entries only go from not-present to present, which needs no
 * TLB flush.
 */
int vmm_npt_map(struct vmm_vm *vm, u64 gpa, u64 hpa, bool large, bool writable)
{
	const struct vmm_pt_format *fmt = vm->npt.fmt;
	int target = large ? 2 : 1;
	u64 *t = vmm_npt_table_at(vm, gpa, target);

	if (IS_ERR(t)) {
		WARN_ON_ONCE(PTR_ERR(t) == -EEXIST);
		return PTR_ERR(t);
	}
	t += (gpa >> (12 + 9 * (target - 1))) & 511;
	if (WARN_ON_ONCE(fmt->present(*t)))
		return -EEXIST;
	WRITE_ONCE(*t, fmt->leaf(__sme_set(hpa), target, writable));
	return 0;
}

/*
 * Make the tables down to a 4 KiB one that covers gpa, leaving its entry
 * as it is (vmm_npt_set_4k then sets it without allocating). -EEXIST
 * where a large page maps gpa. Caller holds vm->lock.
 */
int vmm_npt_table_4k(struct vmm_vm *vm, u64 gpa)
{
	return PTR_ERR_OR_ZERO(vmm_npt_table_at(vm, gpa, 1));
}

/*
 * How gpa is mapped now: 2 by a 2 MiB entry, 1 by a 4 KiB entry, 0 not
 * at all. *table says whether a 4 KiB table covers its 2 MiB range (then
 * only a 4 KiB entry can go there). Caller holds vm->lock.
 */
int vmm_npt_query(struct vmm_vm *vm, u64 gpa, bool *table)
{
	const struct vmm_pt_format *fmt = vm->npt.fmt;
	u64 *t = vm->npt.root;
	int level;

	*table = false;
	for (level = vm->npt.levels; level > 1; level--) {
		u64 e = t[(gpa >> (12 + 9 * (level - 1))) & 511];

		if (!fmt->present(e))
			return 0;
		if (fmt->large(e))
			return level == 2 ? 2 : 0;
		t = __va(__sme_clr(e & PT_ADDR_MASK));
	}
	*table = true;
	return fmt->present(t[(gpa >> 12) & 511]) ? 1 : 0;
}

/* The level-1 entry for gpa, or NULL where no 4 KiB table maps it. */
static u64 *vmm_npt_leaf4k(struct vmm_vm *vm, u64 gpa)
{
	const struct vmm_pt_format *fmt = vm->npt.fmt;
	u64 *t = vm->npt.root;
	int level;

	for (level = vm->npt.levels; level > 1; level--) {
		u64 e = t[(gpa >> (12 + 9 * (level - 1))) & 511];

		if (!fmt->present(e) || fmt->large(e))
			return NULL;
		t = __va(__sme_clr(e & PT_ADDR_MASK));
	}
	return t + ((gpa >> 12) & 511);
}

/*
 * Make the 2 MiB range around gpa mapped by 4 KiB entries (a large page
 * becomes a table of 512 with the same rights), so that single pages in
 * it can be remapped later without allocating. Caller holds vm->lock;
 * the guest has not run with the large page, or flushes after.
 */
int vmm_npt_split(struct vmm_vm *vm, u64 gpa)
{
	const struct vmm_pt_format *fmt = vm->npt.fmt;
	u64 *t = vm->npt.root, *n, e, hpa;
	unsigned int idx, i;
	bool writable;
	int level;

	for (level = vm->npt.levels; level > 2; level--) {
		e = t[(gpa >> (12 + 9 * (level - 1))) & 511];
		if (!fmt->present(e))
			return 0;
		if (WARN_ON_ONCE(fmt->large(e)))
			return -EINVAL;
		t = __va(__sme_clr(e & PT_ADDR_MASK));
	}
	idx = (gpa >> 21) & 511;
	e = t[idx];
	if (!fmt->present(e) || !fmt->large(e))
		return 0;
	n = vmm_pt_alloc(vm);
	if (!n)
		return -ENOMEM;
	hpa = __sme_clr(e & PT_ADDR_MASK) & ~(u64)(PMD_SIZE - 1);
	writable = e & BIT_ULL(1);	/* R/W in NPT, W in EPT: both bit 1 */
	for (i = 0; i < PT_ENTRIES; i++)
		n[i] = fmt->leaf(__sme_set(hpa + ((u64)i << PAGE_SHIFT)), 1,
				 writable);
	WRITE_ONCE(t[idx], fmt->table(__sme_set(__pa(n))));
	return 0;
}

/*
 * Point the 4 KiB page at gpa somewhere else, or nowhere (!present), with
 * the given write right. Only where vmm_npt_split() or a 4 KiB mapping
 * made the table: never allocates, so it may run in atomic context.
 * Callers flush the guest's translations (vm->tlb_gen) afterwards.
 */
int vmm_npt_set_4k(struct vmm_vm *vm, u64 gpa, u64 hpa, bool present,
		   bool writable)
{
	u64 *leaf = vmm_npt_leaf4k(vm, gpa);

	if (!leaf)
		return -ENOENT;
	WRITE_ONCE(*leaf, present ? vm->npt.fmt->leaf(__sme_set(hpa), 1,
						      writable) : 0);
	return 0;
}
