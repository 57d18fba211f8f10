// SPDX-License-Identifier: GPL-2.0
/*
 * The MMIO bus: in-kernel devices register guest-physical ranges (PCI
 * BARs today) and the emulator's physical accesses that hit no RAM come
 * here before the platform's fixed devices and userspace. A range is
 * registered unmapped before the VM runs; the guest then places it (BAR
 * programming) and may move or disable it at any time, from another vCPU
 * and under the PCI bus lock, so a move is one store of the base that a
 * racing lookup sees either side of, as the hardware bus would.
 */
#include "vmm.h"

int vmm_mmio_register(struct vmm_vm *vm, u64 len, vmm_mmio_fn fn, void *dev)
{
	struct vmm_mmiobus *bus = &vm->mmio;
	unsigned int n = bus->n;

	if (!len || !fn || n == VMM_MAX_MMIO_RANGES)
		return -ENOSPC;
	bus->r[n] = (struct vmm_mmio_range){ VMM_MMIO_UNMAPPED, len, fn, dev };
	/* vCPUs that run later see the whole entry. */
	smp_store_release(&bus->n, n + 1);
	return n;
}

void vmm_mmio_move(struct vmm_vm *vm, int handle, u64 base)
{
	if (handle >= 0 && handle < VMM_MAX_MMIO_RANGES)
		WRITE_ONCE(vm->mmio.r[handle].base, base);
}

bool vmm_mmio_dispatch(struct vmm_vm *vm, u64 gpa, bool write,
		       unsigned int size, u64 *val)
{
	const struct vmm_mmiobus *bus = &vm->mmio;
	unsigned int i, n = smp_load_acquire(&bus->n);

	for (i = 0; i < n; i++) {
		const struct vmm_mmio_range *r = &bus->r[i];
		u64 base = READ_ONCE(r->base);

		/* base + len never wraps: BAR decoding refuses that. */
		if (base != VMM_MMIO_UNMAPPED && gpa >= base &&
		    gpa - base < r->len) {
			if (gpa - base + size > r->len) {
				/* Straddles the end: reads float, writes drop. */
				if (!write)
					*val = ~0ULL;
				return true;
			}
			r->fn(r->dev, gpa - base, write, size, val);
			return true;
		}
	}
	return false;
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
