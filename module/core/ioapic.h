/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An 82093AA-style I/O APIC: 24 input pins, each with a 64-bit
 * redirection entry, behind an index/data register pair (IOREGSEL at
 * +0x00, IOWIN at +0x10) and, as on version 0x20 parts, an EOI register
 * at +0x40.
 *
 * Pins: ioapic_set_irq() gives a pin's line state, already as "asserted"
 * (the polarity bit is stored for the guest but not applied). An
 * edge-triggered pin delivers on each rising edge; while it is masked,
 * edges are lost. A level-triggered pin delivers while asserted and
 * sets Remote IRR; it delivers again only after an EOI of its vector
 * (from a LAPIC through ioapic_eoi(), or the EOI register) clears Remote
 * IRR while the line is still asserted, or when it is unmasked while
 * asserted. Switching an entry to edge-triggered clears Remote IRR, which
 * is how guests without the EOI register unstick a level interrupt.
 *
 * Delivery is a message to the host, which routes it to the LAPICs: the
 * destination is the 8-bit field of the entry, physical or logical.
 *
 * Locking: one lock, taken in every public function. ops->deliver is
 * called with it held: it may call into LAPICs (a LAPIC calls back into
 * the IOAPIC only after dropping its own lock) but not into this IOAPIC.
 */
#ifndef VMM_CORE_IOAPIC_H
#define VMM_CORE_IOAPIC_H

#include "host.h"

#define IOAPIC_DEFAULT_BASE	0xfec00000ULL
#define IOAPIC_MMIO_SIZE	0x1000
#define IOAPIC_NR_PINS		24

/* MMIO offsets */
#define IOAPIC_IOREGSEL		0x00
#define IOAPIC_IOWIN		0x10
#define IOAPIC_EOI		0x40

/* Indirect registers (IOREGSEL values) */
#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VERSION	0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_REDTBL	0x10	/* pin n: low 0x10 + 2n, high 0x11 + 2n */

#define IOAPIC_VERSION		(((IOAPIC_NR_PINS - 1) << 16) | 0x20)
#define IOAPIC_ID_SHIFT		24
#define IOAPIC_ID_MASK		0x0f000000

/* Redirection entry */
#define IOAPIC_RTE_VECTOR	0x000ffULL
#define IOAPIC_RTE_DM_SHIFT	8
#define IOAPIC_RTE_DM_MASK	0x00700ULL
#define IOAPIC_RTE_LOGICAL	0x00800ULL
#define IOAPIC_RTE_PENDING	0x01000ULL	/* delivery status: always 0 */
#define IOAPIC_RTE_POLARITY_LOW	0x02000ULL
#define IOAPIC_RTE_REMOTE_IRR	0x04000ULL
#define IOAPIC_RTE_LEVEL	0x08000ULL
#define IOAPIC_RTE_MASKED	0x10000ULL
#define IOAPIC_RTE_DEST_SHIFT	56
#define IOAPIC_RTE_WMASK	(0xff00000000000000ULL | 0x1afffULL)	/* dest, low bits but RO ones */

struct ioapic_ops {
	/*
	 * Send an interrupt message: dest is the entry's 8-bit
	 * destination, logical its destination mode, delivery_mode a
	 * LAPIC_DM_* value. Called with the IOAPIC lock held.
	 */
	void (*deliver)(void *opaque, u32 dest, bool logical, u8 delivery_mode,
			u8 vector, bool level_trig);
};

struct ioapic {
	vmm_lock_t lock;

	u32 id;			/* ID register: bits 27:24 */
	u8 regsel;		/* IOREGSEL */
	u32 line;		/* asserted pins, bit per pin */
	u64 rte[IOAPIC_NR_PINS];

	const struct ioapic_ops *ops;
	void *opaque;
};

/* Reset state: all pins masked, edge, ID id. Calls no callback. */
void ioapic_init(struct ioapic *io, u8 id, const struct ioapic_ops *ops,
		 void *opaque);
/* RESET: masks everything, forgets Remote IRR; the line levels stay. */
void ioapic_reset(struct ioapic *io);

/*
 * MMIO at offset 0..0xfff from the IOAPIC base. IOREGSEL takes 1-, 2- or
 * 4-byte accesses (its low byte counts), IOWIN and EOI 4-byte accesses
 * only; anything else reads 0 and is ignored on write.
 */
void ioapic_mmio_read(struct ioapic *io, u64 offset, unsigned int size, u64 *val);
void ioapic_mmio_write(struct ioapic *io, u64 offset, unsigned int size, u64 val);

/* A pin's line: asserted (true) or not. Pins past 23 are ignored. */
void ioapic_set_irq(struct ioapic *io, unsigned int pin, bool level);
/* A LAPIC EOIed a level-triggered vector. */
void ioapic_eoi(struct ioapic *io, u8 vector);

#endif /* VMM_CORE_IOAPIC_H */
