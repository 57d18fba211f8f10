// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O dispatch: in-kernel devices register the port ranges they own
 * with their VM when it is created; the vCPU loop finds the owner of a
 * port by binary search. Registration ends before any vCPU runs, so the
 * table is read without locks.
 *
 * PCI I/O BARs (a transitional virtio device's legacy interface) are
 * registered unplaced before the VM runs; the guest then places, moves
 * or disables them at any time under the PCI bus lock, and a move is one
 * store of the base that a racing lookup sees either side of, as on the
 * MMIO bus. The fixed ranges come first: a BAR placed over the platform's
 * ports does not take them over. A BAR's handler gets the offset inside
 * the BAR where others get the port.
 */
#include "vmm.h"

int vmm_pio_register(struct vmm_vm *vm, u16 base, u16 len, vmm_pio_fn fn,
		     void *dev)
{
	struct vmm_iobus *bus = &vm->pio;
	unsigned int i;

	if (!len || base + len - 1 > 0xffff || bus->n == VMM_MAX_PIO_RANGES)
		return -EINVAL;
	for (i = 0; i < bus->n; i++) {
		struct vmm_pio_range *r = &bus->r[i];

		if (base < r->base + r->len && r->base < base + len)
			return -EEXIST;
		if (base < r->base)
			break;
	}
	memmove(&bus->r[i + 1], &bus->r[i], (bus->n - i) * sizeof(bus->r[0]));
	bus->r[i] = (struct vmm_pio_range){ base, len, fn, dev };
	bus->n++;
	return 0;
}

int vmm_pio_register_bar(struct vmm_vm *vm, u16 len, vmm_pio_fn fn, void *dev)
{
	struct vmm_iobus *bus = &vm->pio;
	unsigned int n = bus->nbars;

	if (!len || !fn || n == VMM_MAX_PIO_BARS)
		return -ENOSPC;
	bus->bar[n] = (struct vmm_pio_bar){ VMM_PIO_UNMAPPED, len, fn, dev };
	/* vCPUs that run later see the whole entry. */
	smp_store_release(&bus->nbars, n + 1);
	return n;
}

void vmm_pio_move_bar(struct vmm_vm *vm, int handle, u32 base)
{
	if (handle >= 0 && handle < VMM_MAX_PIO_BARS)
		WRITE_ONCE(vm->pio.bar[handle].base, base);
}

static bool vmm_pio_bar_dispatch(struct vmm_vm *vm, u16 port, bool in,
				 unsigned int size, u32 *val)
{
	const struct vmm_iobus *bus = &vm->pio;
	unsigned int i, n = smp_load_acquire(&bus->nbars);

	for (i = 0; i < n; i++) {
		const struct vmm_pio_bar *b = &bus->bar[i];
		u32 base = READ_ONCE(b->base);

		if (base == VMM_PIO_UNMAPPED || port < base ||
		    port - base >= b->len)
			continue;
		if (port - base + size > b->len) {
			/* Straddles the end: reads float, writes drop. */
			if (in)
				*val = ~0u;
			return true;
		}
		b->fn(b->dev, port - base, in, size, val);
		return true;
	}
	return false;
}

/*
 * Hand an access to the device owning its first port; the device sees the
 * whole access and decides what a wide one means. False if no device
 * owns the port: the access then goes to userspace.
 */
bool vmm_pio_dispatch(struct vmm_vm *vm, u16 port, bool in, unsigned int size,
		      u32 *val)
{
	const struct vmm_iobus *bus = &vm->pio;
	unsigned int lo = 0, hi = bus->n;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;
		const struct vmm_pio_range *r = &bus->r[mid];

		if (port < r->base) {
			hi = mid;
		} else if (port >= r->base + r->len) {
			lo = mid + 1;
		} else {
			r->fn(r->dev, port, in, size, val);
			return true;
		}
	}
	return vmm_pio_bar_dispatch(vm, port, in, size, val);
}
