// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory access from the host side (see gmem.h). Regions are
 * module-owned pages (vm.c) published with release semantics; a lookup
 * walks the few slots with acquire loads and needs no lock.
 */
#include <linux/mm.h>

#include "vmm.h"
#include "gmem.h"
#include "core/blk.h"

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

static struct page *vmm_gpa_page(struct vmm_mem_slot *s, u64 gpa)
{
	return s->pages[(gpa - s->gpa) >> PAGE_SHIFT];
}

static int vmm_gpa_access(struct vmm_vm *vm, u64 gpa, void *buf,
			  unsigned int len, bool write)
{
	while (len) {
		struct vmm_mem_slot *s = vmm_find_slot(vm, gpa);
		unsigned int off = offset_in_page(gpa);
		unsigned int n = min_t(unsigned int, len, PAGE_SIZE - off);
		u8 *va;

		if (!s || (write && (s->flags & VMM_MEM_READONLY)))
			return -EFAULT;
		va = page_address(vmm_gpa_page(s, gpa));
		if (write)
			memcpy(va + off, buf, n);
		else
			memcpy(buf, va + off, n);
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

int vmm_gpa_bvecs(struct vmm_vm *vm, const struct blk_seg *segs, u32 nr,
		  bool to_guest, struct bio_vec *bv, unsigned int max)
{
	unsigned int n = 0;
	u32 i;

	for (i = 0; i < nr; i++) {
		u64 gpa = segs[i].gpa;
		u32 len = segs[i].len;

		while (len) {
			struct vmm_mem_slot *s = vmm_find_slot(vm, gpa);
			unsigned int off = offset_in_page(gpa);
			unsigned int piece = min_t(u32, len, PAGE_SIZE - off);

			if (!s || (to_guest && (s->flags & VMM_MEM_READONLY)))
				return -EFAULT;
			/* Contiguous guest pages are not contiguous here. */
			if (n == max)
				return -E2BIG;
			bv[n].bv_page = vmm_gpa_page(s, gpa);
			bv[n].bv_offset = off;
			bv[n].bv_len = piece;
			n++;
			gpa += piece;
			len -= piece;
		}
	}
	return n;
}
