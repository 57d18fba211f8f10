// SPDX-License-Identifier: GPL-2.0
/*
 * 8259A PIC pair and ELCR: see i8259.h for the design.
 */
#include "i8259.h"

#define PIC_MASTER	0
#define PIC_SLAVE	1

static const struct i8259_ops pic_null_ops;

/* Inputs whose IRR follows the line rather than its rising edge. */
static u8 pic_level_mask(const struct i8259_chip *c)
{
	return (c->icw1 & I8259_ICW1_LTIM) ? 0xff : c->elcr;
}

/* The IR with the highest priority among the bits of mask, or -1. */
static int pic_highest(const struct i8259_chip *c, u8 mask)
{
	unsigned int i, ir;

	for (i = 1; i <= 8; i++) {
		ir = (c->lowest_prio + i) & 7;
		if (mask & (1u << ir))
			return ir;
	}
	return -1;
}

/* Priority rank of an IR: 0 is the highest. */
static unsigned int pic_rank(const struct i8259_chip *c, unsigned int ir)
{
	return (ir - c->lowest_prio - 1) & 7;
}

/*
 * The IR this chip asks to have serviced, or -1: the highest-priority
 * unmasked request that outranks everything in service. In special mask
 * mode a masked in-service level blocks nothing; in special fully nested
 * mode the master's cascade input is not blocked by its own ISR bit, so
 * a higher-priority slave request can nest.
 */
static int pic_pending(const struct i8259_chip *c, bool master)
{
	u8 isr = c->isr;
	int req, serv;

	req = pic_highest(c, c->irr & ~c->imr);
	if (req < 0)
		return -1;
	if (c->special_mask)
		isr &= ~c->imr;
	if (master && (c->icw4 & I8259_ICW4_SFNM))
		isr &= ~(1u << I8259_CASCADE_IRQ);
	serv = pic_highest(c, isr);
	if (serv >= 0 && pic_rank(c, req) >= pic_rank(c, serv))
		return -1;
	return req;
}

static bool pic_cascaded(const struct i8259 *p)
{
	const struct i8259_chip *m = &p->chip[PIC_MASTER];

	return !(m->icw1 & I8259_ICW1_SNGL) &&
	       (m->icw3 & (1u << I8259_CASCADE_IRQ));
}

/* Propagate the slave's INT to master IR2, then report the master's INT. */
static void pic_update(struct i8259 *p)
{
	struct i8259_chip *m = &p->chip[PIC_MASTER];
	bool intr;

	if (pic_pending(&p->chip[PIC_SLAVE], false) >= 0)
		m->irr |= 1u << I8259_CASCADE_IRQ;
	else
		m->irr &= ~(1u << I8259_CASCADE_IRQ);
	intr = pic_pending(m, true) >= 0;
	if (intr == p->intr)
		return;
	p->intr = intr;
	if (p->ops->intr_changed)
		p->ops->intr_changed(p->opaque, intr);
}

/* The INTA (or poll) of one chip for ir: IRR -> ISR, AEOI, rotation. */
static void pic_intack(struct i8259_chip *c, unsigned int ir)
{
	u8 bit = 1u << ir;

	/* A level input still high keeps requesting. */
	if (!(pic_level_mask(c) & bit) || !(c->lines & bit))
		c->irr &= ~bit;
	if (c->icw4 & I8259_ICW4_AEOI) {
		if (c->rotate_aeoi)
			c->lowest_prio = ir;
	} else {
		c->isr |= bit;
	}
}

static void pic_chip_reset(struct i8259_chip *c, bool master)
{
	u8 lines = c->lines;

	memset(c, 0, sizeof(*c));
	c->lines = lines;
	c->imr = 0xff;
	c->lowest_prio = 7;
	c->icw3 = master ? 1u << I8259_CASCADE_IRQ : I8259_CASCADE_IRQ;
	c->icw4 = I8259_ICW4_UPM;
	c->elcr_mask = master ? I8259_ELCR1_MASK : I8259_ELCR2_MASK;
}

void i8259_init(struct i8259 *p, const struct i8259_ops *ops, void *opaque)
{
	memset(p, 0, sizeof(*p));
	vmm_lock_init(&p->lock);
	p->ops = ops ? ops : &pic_null_ops;
	p->opaque = opaque;
	pic_chip_reset(&p->chip[PIC_MASTER], true);
	pic_chip_reset(&p->chip[PIC_SLAVE], false);
}

void i8259_reset(struct i8259 *p)
{
	unsigned long flags = 0;

	vmm_lock(&p->lock, flags);
	pic_chip_reset(&p->chip[PIC_MASTER], true);
	pic_chip_reset(&p->chip[PIC_SLAVE], false);
	pic_update(p);
	vmm_unlock(&p->lock, flags);
}

/* Poll command: the read acts as INTA for this chip alone. */
static u8 pic_poll_read(struct i8259_chip *c, bool master)
{
	int ir = pic_pending(c, master);

	c->poll = false;
	if (ir < 0)
		return 0;
	pic_intack(c, ir);
	return I8259_POLL_INT | ir;
}

static u8 pic_read_locked(struct i8259 *p, u16 port)
{
	struct i8259_chip *c;
	bool master;

	switch (port) {
	case I8259_ELCR1:
		return p->chip[PIC_MASTER].elcr;
	case I8259_ELCR2:
		return p->chip[PIC_SLAVE].elcr;
	case I8259_MASTER_CMD:
	case I8259_MASTER_DATA:
	case I8259_SLAVE_CMD:
	case I8259_SLAVE_DATA:
		break;
	default:
		return 0xff;
	}
	master = !(port & 0x80);
	c = &p->chip[master ? PIC_MASTER : PIC_SLAVE];
	if (c->poll)
		return pic_poll_read(c, master);
	if (port & 1)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

u8 i8259_read(struct i8259 *p, u16 port)
{
	unsigned long flags = 0;
	u8 val;

	vmm_lock(&p->lock, flags);
	val = pic_read_locked(p, port);
	pic_update(p);
	vmm_unlock(&p->lock, flags);
	return val;
}

static void pic_write_icw1(struct i8259_chip *c, u8 val)
{
	u8 keep_lines = c->lines, elcr = c->elcr, mask = c->elcr_mask;

	memset(c, 0, sizeof(*c));
	c->lines = keep_lines;
	c->elcr = elcr;
	c->elcr_mask = mask;
	c->icw1 = val;
	c->lowest_prio = 7;
	c->init_step = 2;
	/* The edge sense latch is reset: edges need a fresh rising edge. */
	c->irr = c->lines & pic_level_mask(c);
}

static void pic_write_icw(struct i8259_chip *c, u8 val)
{
	switch (c->init_step) {
	case 2:
		c->vector_base = val & 0xf8;
		if (!(c->icw1 & I8259_ICW1_SNGL))
			c->init_step = 3;
		else if (c->icw1 & I8259_ICW1_IC4)
			c->init_step = 4;
		else
			c->init_step = 0;
		break;
	case 3:
		c->icw3 = val;
		c->init_step = (c->icw1 & I8259_ICW1_IC4) ? 4 : 0;
		break;
	default:
		c->icw4 = val & (I8259_ICW4_UPM | I8259_ICW4_AEOI | I8259_ICW4_MS |
				 I8259_ICW4_BUF | I8259_ICW4_SFNM);
		c->init_step = 0;
		break;
	}
}

static void pic_write_ocw2(struct i8259_chip *c, u8 val)
{
	unsigned int level = val & I8259_OCW2_LEVEL_MASK;
	int ir;

	switch (val & I8259_OCW2_CMD_MASK) {
	case I8259_OCW2_ROT_AEOI_CLR:
		c->rotate_aeoi = false;
		break;
	case I8259_OCW2_ROT_AEOI_SET:
		c->rotate_aeoi = true;
		break;
	case I8259_OCW2_EOI:
	case I8259_OCW2_ROT_EOI:
		ir = pic_highest(c, c->isr);
		if (ir < 0)
			break;
		c->isr &= ~(1u << ir);
		if ((val & I8259_OCW2_CMD_MASK) == I8259_OCW2_ROT_EOI)
			c->lowest_prio = ir;
		break;
	case I8259_OCW2_SEOI:
		c->isr &= ~(1u << level);
		break;
	case I8259_OCW2_ROT_SEOI:
		c->isr &= ~(1u << level);
		c->lowest_prio = level;
		break;
	case I8259_OCW2_SET_PRIO:
		c->lowest_prio = level;
		break;
	default:	/* NOP */
		break;
	}
}

static void pic_write_ocw3(struct i8259_chip *c, u8 val)
{
	if (val & I8259_OCW3_ESMM)
		c->special_mask = val & I8259_OCW3_SMM;
	if (val & I8259_OCW3_RR)
		c->read_isr = val & I8259_OCW3_RIS;
	c->poll = val & I8259_OCW3_POLL;
}

static void pic_write_elcr(struct i8259_chip *c, u8 val)
{
	u8 now_level;

	c->elcr = val & c->elcr_mask;
	/* Inputs that became level-triggered request while high. */
	now_level = pic_level_mask(c);
	c->irr = (c->irr & ~now_level) | (c->lines & now_level);
}

static void pic_write_locked(struct i8259 *p, u16 port, u8 val)
{
	struct i8259_chip *c;

	switch (port) {
	case I8259_ELCR1:
		pic_write_elcr(&p->chip[PIC_MASTER], val);
		return;
	case I8259_ELCR2:
		pic_write_elcr(&p->chip[PIC_SLAVE], val);
		return;
	case I8259_MASTER_CMD:
	case I8259_MASTER_DATA:
	case I8259_SLAVE_CMD:
	case I8259_SLAVE_DATA:
		break;
	default:
		return;
	}
	c = &p->chip[(port & 0x80) ? PIC_SLAVE : PIC_MASTER];
	if (port & 1) {
		if (c->init_step)
			pic_write_icw(c, val);
		else
			c->imr = val;
	} else if (val & I8259_ICW1_INIT) {
		pic_write_icw1(c, val);
	} else if (val & I8259_OCW3_SEL) {
		pic_write_ocw3(c, val);
	} else {
		pic_write_ocw2(c, val);
	}
}

void i8259_write(struct i8259 *p, u16 port, u8 val)
{
	unsigned long flags = 0;

	vmm_lock(&p->lock, flags);
	pic_write_locked(p, port, val);
	pic_update(p);
	vmm_unlock(&p->lock, flags);
}

void i8259_set_irq(struct i8259 *p, unsigned int irq, bool level)
{
	unsigned long flags = 0;
	struct i8259_chip *c;
	u8 bit;

	if (irq >= I8259_NR_IRQS || irq == I8259_CASCADE_IRQ)
		return;
	c = &p->chip[irq >> 3];
	bit = 1u << (irq & 7);

	vmm_lock(&p->lock, flags);
	if (level) {
		/* Edge: a rising edge latches; level: IRR follows the line. */
		if (!(c->lines & bit) || (pic_level_mask(c) & bit))
			c->irr |= bit;
		c->lines |= bit;
	} else {
		c->lines &= ~bit;
		if (pic_level_mask(c) & bit)
			c->irr &= ~bit;
	}
	pic_update(p);
	vmm_unlock(&p->lock, flags);
}

bool i8259_has_intr(struct i8259 *p)
{
	unsigned long flags = 0;
	bool intr;

	vmm_lock(&p->lock, flags);
	intr = p->intr;
	vmm_unlock(&p->lock, flags);
	return intr;
}

static int pic_ack_locked(struct i8259 *p)
{
	struct i8259_chip *m = &p->chip[PIC_MASTER];
	struct i8259_chip *s = &p->chip[PIC_SLAVE];
	int ir, sir;

	ir = pic_pending(m, true);
	if (ir < 0)
		return m->vector_base | 7;
	pic_intack(m, ir);
	if (ir != I8259_CASCADE_IRQ || !pic_cascaded(p))
		return m->vector_base + ir;
	sir = pic_pending(s, false);
	if (sir < 0)
		return s->vector_base | 7;
	pic_intack(s, sir);
	return s->vector_base + sir;
}

int i8259_ack(struct i8259 *p)
{
	unsigned long flags = 0;
	int vector;

	vmm_lock(&p->lock, flags);
	vector = pic_ack_locked(p);
	pic_update(p);
	vmm_unlock(&p->lock, flags);
	return vector;
}
