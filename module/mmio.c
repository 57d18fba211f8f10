// SPDX-License-Identifier: GPL-2.0
/*
 * The MMIO bus: in-kernel devices register guest-physical ranges (PCI
 * BARs today) and the emulator's physical accesses that hit no RAM come
 * here before the platform's fixed devices and userspace. A range is
 * registered unmapped before the VM runs; the guest then places it (BAR
 * programming) and may move or disable it at any time, from another vCPU
 * and under the PCI bus lock, so a move is one store of the base that a
 * racing lookup sees either side of, as the hardware bus would.
 *
 * A device whose register reads have no side effects (AHCI) may also
 * give the guest a page to read them from (vmm_mmio_read_page): it is
 * mapped read-only in the nested tables at the range's base on the first
 * read there, so reads no longer exit; writes fault and come here.
 */
#include <linux/io.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched/mm.h>

#include "vmm.h"

/*
 * Reads of a device's register page straight from memory (a page the
 * device keeps up to date, mapped read-only in the nested tables); off:
 * every read exits, as before (compare with the diskbench's ours+P:V).
 * Read at each nested fault: pages mapped already stay mapped.
 */
static bool mmio_read_map = true;
module_param(mmio_read_map, bool, 0644);
MODULE_PARM_DESC(mmio_read_map, "Guests read device register pages that allow it (AHCI) without exits (default on)");

int vmm_mmio_register(struct vmm_vm *vm, u64 len, vmm_mmio_fn fn, void *dev)
{
	struct vmm_mmiobus *bus = &vm->mmio;
	unsigned int n = bus->n;

	if (!len || !fn || n == VMM_MAX_MMIO_RANGES)
		return -ENOSPC;
	bus->r[n] = (struct vmm_mmio_range){
		.base = VMM_MMIO_UNMAPPED, .len = len, .fn = fn, .dev = dev,
	};
	/* vCPUs that run later see the whole entry. */
	smp_store_release(&bus->n, n + 1);
	return n;
}

/*
 * The range that decodes gpa (the first registered, where BARs overlap)
 * and, in *off, gpa's offset in it as of the base it was found at.
 */
static struct vmm_mmio_range *vmm_mmio_find(struct vmm_vm *vm, u64 gpa,
					    u64 *off)
{
	struct vmm_mmiobus *bus = &vm->mmio;
	unsigned int i, n = smp_load_acquire(&bus->n);

	for (i = 0; i < n; i++) {
		struct vmm_mmio_range *r = &bus->r[i];
		u64 base = READ_ONCE(r->base);

		/* base + len never wraps: BAR decoding refuses that. */
		if (base != VMM_MMIO_UNMAPPED && gpa >= base &&
		    gpa - base < r->len) {
			*off = gpa - base;
			return r;
		}
	}
	return NULL;
}

/*
 * From any vCPU, under the PCI lock (atomic). A read page mapped at the
 * old base is unmapped before the move returns; vCPUs drop the
 * translations they hold (vm->tlb_gen, a kick) before they enter again.
 */
void vmm_mmio_move(struct vmm_vm *vm, int handle, u64 base)
{
	struct vmm_mmiobus *bus = &vm->mmio;
	struct vmm_mmio_range *r;
	unsigned long flags;
	bool flush = false;
	unsigned int i;

	if (handle < 0 || handle >= VMM_MAX_MMIO_RANGES)
		return;
	r = &bus->r[handle];
	raw_spin_lock_irqsave(&bus->lock, flags);
	if (r->read_mapped) {
		vmm_npt_set_4k(vm, r->base, 0, false, false);
		r->read_mapped = false;
		flush = true;
	}
	WRITE_ONCE(r->base, base);
	/*
	 * Moved over another range's read page (BARs the guest made
	 * overlap): that page goes too, and the bus decides again who
	 * answers there, as vmm_mmio_dispatch does.
	 */
	for (i = 0; base != VMM_MMIO_UNMAPPED && i < bus->n; i++) {
		struct vmm_mmio_range *o = &bus->r[i];

		if (o == r || !o->read_mapped || o->base >= base + r->len ||
		    base >= o->base + o->len)
			continue;
		vmm_npt_set_4k(vm, o->base, 0, false, false);
		o->read_mapped = false;
		flush = true;
	}
	raw_spin_unlock_irqrestore(&bus->lock, flags);
	if (flush)
		vmm_vm_flush_tlbs(vm);
}

/*
 * Before the VM runs (ranges are registered then). The page is the VM's
 * until vmm_mmio_free, after the nested tables are gone.
 */
void *vmm_mmio_read_page(struct vmm_vm *vm, int handle)
{
	struct vmm_mmio_range *r;
	struct mem_cgroup *old;
	unsigned long flags;
	struct page *p;

	if (handle < 0 || handle >= vm->mmio.n)
		return NULL;
	r = &vm->mmio.r[handle];
	if (r->len != PAGE_SIZE || r->read_page)
		return NULL;
	old = set_active_memcg(vm->memcg);	/* the VM's, as its RAM */
	p = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	set_active_memcg(old);
	if (!p)
		return NULL;
	atomic_long_add(PAGE_SIZE, &vm->overhead);
	raw_spin_lock_irqsave(&vm->mmio.lock, flags);
	WRITE_ONCE(r->read_page, p);
	raw_spin_unlock_irqrestore(&vm->mmio.lock, flags);
	return page_address(p);
}

bool vmm_mmio_read_mappable(struct vmm_vm *vm, u64 gpa)
{
	struct vmm_mmio_range *r;
	u64 off;

	if (!READ_ONCE(mmio_read_map))
		return false;
	r = vmm_mmio_find(vm, gpa, &off);
	return r && READ_ONCE(r->read_page) && !READ_ONCE(r->read_nomap);
}

/*
 * The tables first (they may need memory, charged to the VM), then the
 * entry, under the bus lock, only where the range still decodes that
 * page: a move that came between wins. Where it cannot be mapped the
 * range's reads exit from then on, so the fault is not retried forever.
 */
void vmm_mmio_read_fault(struct vmm_vm *vm, u64 gpa)
{
	struct vmm_mmiobus *bus = &vm->mmio;
	struct vmm_mmio_range *r;
	struct mem_cgroup *old;
	unsigned long flags;
	u64 off;
	int err;

	gpa &= PAGE_MASK;
	mutex_lock(&vm->lock);
	old = set_active_memcg(vm->memcg);
	err = vmm_npt_table_4k(vm, gpa);
	set_active_memcg(old);
	raw_spin_lock_irqsave(&bus->lock, flags);
	r = vmm_mmio_find(vm, gpa, &off);
	if (r && r->read_page && !r->read_mapped) {
		if (!err && off)
			err = -EINVAL;	/* not page-aligned: BARs are */
		if (!err)
			err = vmm_npt_set_4k(vm, gpa, page_to_phys(r->read_page),
					     true, false);
		if (err)
			WRITE_ONCE(r->read_nomap, true);
		else
			r->read_mapped = true;
	}
	raw_spin_unlock_irqrestore(&bus->lock, flags);
	mutex_unlock(&vm->lock);
}

void vmm_mmio_free(struct vmm_vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->mmio.n; i++) {
		if (!vm->mmio.r[i].read_page)
			continue;
		__free_page(vm->mmio.r[i].read_page);
		vm->mmio.r[i].read_page = NULL;
		atomic_long_sub(PAGE_SIZE, &vm->overhead);
	}
}

/* Before the VM runs: see vmm_mmio_range.chains. */
void vmm_mmio_set_chains(struct vmm_vm *vm, int handle, bool (*chains)(u64 off))
{
	vm->mmio.r[handle].chains = chains;
}

/*
 * The access to the range at gpa, if any; *chain (when not NULL) says
 * whether a write there has a second one behind it (vmm_mmio_set_chains).
 */
bool vmm_mmio_dispatch(struct vmm_vm *vm, u64 gpa, bool write,
		       unsigned int size, u64 *val, bool *chain)
{
	const struct vmm_mmio_range *r;
	u64 off;

	r = vmm_mmio_find(vm, gpa, &off);
	if (!r)
		return false;
	if (off + size > r->len) {
		/* Straddles the end: reads float, writes drop. */
		if (!write)
			*val = ~0ULL;
		return true;
	}
	r->fn(r->dev, off, write, size, val);
	if (chain)
		*chain = write && r->chains && r->chains(off);
	return true;
}

/*
 * Bare VMs (no PC) have one in-kernel MMIO register, a 32-bit scratch at
 * VMM_BARE_MMIO_GPA (where a PC has its IOAPIC), for payloads and the
 * benchmark to time an MMIO access the kernel completes. Its 16-byte
 * window reads zeroes beyond it; writes there are dropped.
 */
bool vmm_bare_mmio(struct vmm_vm *vm, u64 gpa, bool write, unsigned int size,
		   u64 *val)
{
	u64 off = gpa - VMM_BARE_MMIO_GPA;

	if (vm->pc || gpa < VMM_BARE_MMIO_GPA || off >= VMM_BARE_MMIO_LEN ||
	    off + size > VMM_BARE_MMIO_LEN)
		return false;
	if (off || size != 4) {
		if (!write)
			*val = 0;
		return true;
	}
	if (write)
		WRITE_ONCE(vm->bare_reg, (u32)*val);
	else
		*val = READ_ONCE(vm->bare_reg);
	return true;
}
