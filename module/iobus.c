// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O dispatch: in-kernel devices register the port ranges they own
 * with their VM when it is created; the vCPU loop finds the owner of a
 * port by binary search. Registration ends before any vCPU runs, so the
 * table is read without locks.
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
	return false;
}
