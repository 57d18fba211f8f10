/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PC's pair of 8259A interrupt controllers plus the PIIX3 ELCR.
 *
 * Master at 0x20/0x21 (IRQ 0-7), slave at 0xa0/0xa1 (IRQ 8-15) whose INT
 * output drives master IR2. ELCR at 0x4d0 (IRQ 0-7) and 0x4d1 (IRQ 8-15)
 * selects edge (0) or level (1) per input; IRQ 0, 1, 2, 8 and 13 are
 * always edge. ICW1.LTIM makes all of a chip's inputs level-triggered.
 *
 * Inputs: i8259_set_irq() gives the level of an input line. An
 * edge-triggered input latches IRR on a low-to-high transition; a
 * level-triggered input's IRR follows the line, so one held high
 * requests again after its EOI. IRQ 2 is the cascade: set_irq(2) is
 * ignored, master IR2 follows the slave's INT output.
 *
 * Output: ops->intr_changed() reports the master's INT line (to the
 * CPU's INTR pin or LAPIC LINT0) whenever it changes; i8259_ack() is the
 * CPU's INTA cycle. A request that vanished before INTA yields the
 * spurious vector (IR7 of the chip concerned; for a spurious slave
 * request the master's IR2 stays in service, as on hardware).
 *
 * Implemented: ICW1-4 (single/cascade, LTIM, AEOI, SFNM), OCW1, OCW2
 * (non-specific/specific EOI, rotate on EOI, rotate in AEOI, set
 * priority), OCW3 (read IRR/ISR, poll, special mask mode). Not
 * modelled: buffered mode, 8080/85 mode (ICW4.uPM=0 behaves as 8086).
 * Before the guest programs it, a chip has all inputs masked.
 */
#ifndef VMM_CORE_I8259_H
#define VMM_CORE_I8259_H

#include "host.h"

#define I8259_MASTER_CMD	0x20
#define I8259_MASTER_DATA	0x21
#define I8259_SLAVE_CMD		0xa0
#define I8259_SLAVE_DATA	0xa1
#define I8259_ELCR1		0x4d0	/* IRQ 0-7 */
#define I8259_ELCR2		0x4d1	/* IRQ 8-15 */

#define I8259_CASCADE_IRQ	2
#define I8259_NR_IRQS		16

/* ICW1 (command port, bit 4 set) */
#define I8259_ICW1_IC4		0x01	/* ICW4 follows */
#define I8259_ICW1_SNGL		0x02	/* single (no ICW3) */
#define I8259_ICW1_ADI		0x04	/* call address interval (8080 only) */
#define I8259_ICW1_LTIM		0x08	/* level-triggered inputs */
#define I8259_ICW1_INIT		0x10

/* ICW4 */
#define I8259_ICW4_UPM		0x01	/* 8086 mode */
#define I8259_ICW4_AEOI		0x02
#define I8259_ICW4_MS		0x04	/* buffered master */
#define I8259_ICW4_BUF		0x08
#define I8259_ICW4_SFNM		0x10	/* special fully nested mode */

/* OCW2 (command port, bits 4:3 = 00): R, SL, EOI in bits 7:5 */
#define I8259_OCW2_LEVEL_MASK	0x07
#define I8259_OCW2_CMD_MASK	0xe0
#define I8259_OCW2_ROT_AEOI_CLR	0x00
#define I8259_OCW2_EOI		0x20	/* non-specific EOI */
#define I8259_OCW2_NOP		0x40
#define I8259_OCW2_SEOI		0x60	/* specific EOI */
#define I8259_OCW2_ROT_AEOI_SET	0x80
#define I8259_OCW2_ROT_EOI	0xa0	/* rotate on non-specific EOI */
#define I8259_OCW2_SET_PRIO	0xc0
#define I8259_OCW2_ROT_SEOI	0xe0	/* rotate on specific EOI */

/* OCW3 (command port, bits 4:3 = 01) */
#define I8259_OCW3_SEL		0x08
#define I8259_OCW3_RIS		0x01	/* with RR: 1 = ISR, 0 = IRR */
#define I8259_OCW3_RR		0x02	/* act on RIS */
#define I8259_OCW3_POLL		0x04
#define I8259_OCW3_SMM		0x20	/* with ESMM: set/reset special mask */
#define I8259_OCW3_ESMM		0x40

/* Inputs that are edge-triggered whatever the ELCR says. */
#define I8259_ELCR1_MASK	0xf8	/* IRQ 0, 1, 2 edge */
#define I8259_ELCR2_MASK	0xde	/* IRQ 8, 13 edge */

/* Poll word: bit 7 = a request was pending, bits 2:0 = its level. */
#define I8259_POLL_INT		0x80

struct i8259_ops {
	/*
	 * The master's INT output changed. Called with the PIC lock held:
	 * must not call back into the PIC (kick the vCPU, then ack later).
	 */
	void (*intr_changed)(void *opaque, bool intr);
};

struct i8259_chip {
	u8 irr;			/* interrupt request register */
	u8 isr;			/* in-service register */
	u8 imr;			/* interrupt mask register */
	u8 lines;		/* input line levels, for edge detection */
	u8 elcr;		/* level-triggered inputs per ELCR */
	u8 elcr_mask;		/* ELCR bits that can be set */
	u8 vector_base;		/* ICW2 & 0xf8 */
	u8 icw1, icw3, icw4;
	u8 init_step;		/* next ICW expected (2-4); 0 = ready */
	u8 lowest_prio;		/* IR with the lowest priority (rotation) */
	bool read_isr;		/* OCW3: command port reads ISR, else IRR */
	bool poll;		/* OCW3 poll: next command port read is INTA */
	bool special_mask;
	bool rotate_aeoi;
};

struct i8259 {
	vmm_lock_t lock;
	struct i8259_chip chip[2];	/* 0 = master, 1 = slave */
	bool intr;			/* master INT as last reported */
	const struct i8259_ops *ops;
	void *opaque;
};

/* Power-on state; does not call ops. ops may be NULL. */
void i8259_init(struct i8259 *p, const struct i8259_ops *ops, void *opaque);
/* Reset both chips and the ELCR (calls intr_changed if INT drops). */
void i8259_reset(struct i8259 *p);
/* Guest port access: 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1 (others read 0xff). */
u8 i8259_read(struct i8259 *p, u16 port);
void i8259_write(struct i8259 *p, u16 port, u8 val);
/* Level of input irq 0-15 (2 is ignored: it is the cascade). */
void i8259_set_irq(struct i8259 *p, unsigned int irq, bool level);
/* Is the master's INT output asserted? */
bool i8259_has_intr(struct i8259 *p);
/* INTA: the vector to deliver (or the spurious one); updates IRR/ISR. */
int i8259_ack(struct i8259 *p);

#endif /* VMM_CORE_I8259_H */
