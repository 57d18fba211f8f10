// SPDX-License-Identifier: GPL-2.0
/*
 * I/O APIC model: see ioapic.h for the design.
 */
#include "ioapic.h"

static const struct ioapic_ops ioapic_null_ops;

static bool ioapic_line(const struct ioapic *io, unsigned int pin)
{
	return io->line & (1U << pin);
}

/* Send pin's interrupt if its entry lets it through now. */
static void ioapic_service(struct ioapic *io, unsigned int pin)
{
	u64 e = io->rte[pin];
	bool level = e & IOAPIC_RTE_LEVEL;

	if (e & IOAPIC_RTE_MASKED)
		return;
	if (level) {
		if (e & IOAPIC_RTE_REMOTE_IRR)
			return;
		io->rte[pin] |= IOAPIC_RTE_REMOTE_IRR;
	}
	if (io->ops->deliver)
		io->ops->deliver(io->opaque, e >> IOAPIC_RTE_DEST_SHIFT,
				 e & IOAPIC_RTE_LOGICAL,
				 (e & IOAPIC_RTE_DM_MASK) >> IOAPIC_RTE_DM_SHIFT,
				 e & IOAPIC_RTE_VECTOR, level);
}

static void ioapic_reset_locked(struct ioapic *io)
{
	unsigned int i;

	io->regsel = 0;
	for (i = 0; i < IOAPIC_NR_PINS; i++)
		io->rte[i] = IOAPIC_RTE_MASKED;
}

void ioapic_init(struct ioapic *io, u8 id, const struct ioapic_ops *ops,
		 void *opaque)
{
	memset(io, 0, sizeof(*io));
	vmm_lock_init(&io->lock);
	io->ops = ops ? ops : &ioapic_null_ops;
	io->opaque = opaque;
	io->id = ((u32)id << IOAPIC_ID_SHIFT) & IOAPIC_ID_MASK;
	ioapic_reset_locked(io);
}

void ioapic_reset(struct ioapic *io)
{
	unsigned long flags = 0;

	vmm_lock(&io->lock, flags);
	ioapic_reset_locked(io);
	vmm_unlock(&io->lock, flags);
}

static u32 ioapic_read_reg(const struct ioapic *io, u8 reg)
{
	unsigned int pin;

	switch (reg) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB:	/* arbitration ID: loaded from the ID */
		return io->id;
	case IOAPIC_REG_VERSION:
		return IOAPIC_VERSION;
	}
	if (reg < IOAPIC_REG_REDTBL || reg >= IOAPIC_REG_REDTBL + 2 * IOAPIC_NR_PINS)
		return 0;
	pin = (reg - IOAPIC_REG_REDTBL) >> 1;
	return (reg & 1) ? io->rte[pin] >> 32 : (u32)io->rte[pin];
}

static void ioapic_write_rte(struct ioapic *io, unsigned int pin, bool high,
			     u32 val)
{
	u64 old = io->rte[pin], e;

	if (high)
		e = ((u64)val << 32) | (old & 0xffffffffULL);
	else
		e = (old & ~0xffffffffULL) | val;
	e = (e & IOAPIC_RTE_WMASK) | (old & IOAPIC_RTE_REMOTE_IRR);
	/* Remote IRR only means something for level-triggered entries. */
	if (!(e & IOAPIC_RTE_LEVEL))
		e &= ~IOAPIC_RTE_REMOTE_IRR;
	io->rte[pin] = e;
	/* Unmasked (or made level) while asserted: deliver now. */
	if ((e & IOAPIC_RTE_LEVEL) && ioapic_line(io, pin))
		ioapic_service(io, pin);
}

static void ioapic_write_reg(struct ioapic *io, u8 reg, u32 val)
{
	switch (reg) {
	case IOAPIC_REG_ID:
		io->id = val & IOAPIC_ID_MASK;
		return;
	case IOAPIC_REG_VERSION:
	case IOAPIC_REG_ARB:
		return;		/* read-only */
	}
	if (reg < IOAPIC_REG_REDTBL || reg >= IOAPIC_REG_REDTBL + 2 * IOAPIC_NR_PINS)
		return;
	ioapic_write_rte(io, (reg - IOAPIC_REG_REDTBL) >> 1, reg & 1, val);
}

static void ioapic_eoi_locked(struct ioapic *io, u8 vector)
{
	unsigned int pin;

	for (pin = 0; pin < IOAPIC_NR_PINS; pin++) {
		u64 e = io->rte[pin];

		if (!(e & IOAPIC_RTE_LEVEL) || !(e & IOAPIC_RTE_REMOTE_IRR) ||
		    (e & IOAPIC_RTE_VECTOR) != vector)
			continue;
		io->rte[pin] &= ~IOAPIC_RTE_REMOTE_IRR;
		if (ioapic_line(io, pin))
			ioapic_service(io, pin);
	}
}

void ioapic_mmio_read(struct ioapic *io, u64 offset, unsigned int size, u64 *val)
{
	unsigned long flags = 0;

	*val = 0;
	vmm_lock(&io->lock, flags);
	if (offset == IOAPIC_IOREGSEL && (size == 1 || size == 2 || size == 4))
		*val = io->regsel;
	else if (offset == IOAPIC_IOWIN && size == 4)
		*val = ioapic_read_reg(io, io->regsel);
	vmm_unlock(&io->lock, flags);
}

void ioapic_mmio_write(struct ioapic *io, u64 offset, unsigned int size, u64 val)
{
	unsigned long flags = 0;

	vmm_lock(&io->lock, flags);
	if (offset == IOAPIC_IOREGSEL && (size == 1 || size == 2 || size == 4))
		io->regsel = val;
	else if (offset == IOAPIC_IOWIN && size == 4)
		ioapic_write_reg(io, io->regsel, val);
	else if (offset == IOAPIC_EOI && size == 4)
		ioapic_eoi_locked(io, val);
	vmm_unlock(&io->lock, flags);
}

void ioapic_set_irq(struct ioapic *io, unsigned int pin, bool level)
{
	unsigned long flags = 0;
	bool old;

	if (pin >= IOAPIC_NR_PINS)
		return;
	vmm_lock(&io->lock, flags);
	old = ioapic_line(io, pin);
	if (level)
		io->line |= 1U << pin;
	else
		io->line &= ~(1U << pin);
	if (level && ((io->rte[pin] & IOAPIC_RTE_LEVEL) || !old))
		ioapic_service(io, pin);
	vmm_unlock(&io->lock, flags);
}

void ioapic_eoi(struct ioapic *io, u8 vector)
{
	unsigned long flags = 0;

	vmm_lock(&io->lock, flags);
	ioapic_eoi_locked(io, vector);
	vmm_unlock(&io->lock, flags);
}
