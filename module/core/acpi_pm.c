// SPDX-License-Identifier: GPL-2.0
/*
 * ACPI PM1 / PM timer / GPE0 / SMI_CMD / reset register block: see
 * acpi_pm.h for the layout and the design.
 */
#include "acpi_pm.h"

#define PM_TMR_MSB_SHIFT	(ACPI_PM_TMR_BITS - 1)

static const struct acpi_pm_ops pm_null_ops;

/*
 * Latch TMR_STS if the timer's top bit flipped since the last look and
 * return the current timer tick count.
 */
static u64 pm_tmr_update(struct acpi_pm *pm)
{
	u64 t = vmm_ns_to_ticks(pm->time_ops->now_ns(pm->host), ACPI_PM_TMR_HZ);
	u64 epoch = t >> PM_TMR_MSB_SHIFT;

	if (pm->tmr_epoch_valid && epoch != pm->tmr_epoch)
		pm->pm1_sts |= ACPI_PM1_TMR;
	pm->tmr_epoch = epoch;
	pm->tmr_epoch_valid = true;
	return t;
}

static bool pm_sci_pending(const struct acpi_pm *pm)
{
	if (!(pm->pm1_cnt & ACPI_PM1_CNT_SCI_EN))
		return false;
	return (pm->pm1_sts & pm->pm1_en & ACPI_PM1_EN_MASK) ||
	       (pm->gpe0_sts & pm->gpe0_en);
}

/*
 * After any change: report the SCI level and keep the host timer armed
 * for the next TMR_STS edge while that edge would raise the SCI. Needs an
 * up-to-date epoch (pm_tmr_update()).
 */
static void pm_update(struct acpi_pm *pm)
{
	bool level = pm_sci_pending(pm);
	u64 deadline;

	if (level != pm->sci_level) {
		pm->sci_level = level;
		if (pm->ops->set_irq)
			pm->ops->set_irq(pm->opaque, ACPI_PM_SCI_IRQ, level);
	}

	if ((pm->pm1_cnt & ACPI_PM1_CNT_SCI_EN) && (pm->pm1_en & ACPI_PM1_TMR) &&
	    !(pm->pm1_sts & ACPI_PM1_TMR)) {
		deadline = vmm_ticks_to_ns((pm->tmr_epoch + 1) << PM_TMR_MSB_SHIFT,
					   ACPI_PM_TMR_HZ);
		if (pm->timer_armed && pm->timer_deadline == deadline)
			return;
		pm->timer_armed = true;
		pm->timer_deadline = deadline;
		pm->time_ops->timer_arm(pm->host, &pm->timer, deadline);
	} else if (pm->timer_armed) {
		pm->timer_armed = false;
		pm->time_ops->timer_cancel(pm->host, &pm->timer);
	}
}

static void pm_power_on(struct acpi_pm *pm)
{
	pm->pm1_sts = 0;
	pm->pm1_en = 0;
	pm->pm1_cnt = 0;
	pm->gpe0_sts = 0;
	pm->gpe0_en = 0;
}

void acpi_pm_init(struct acpi_pm *pm, u16 base, const struct acpi_pm_ops *ops,
		  const struct vmm_time_ops *time_ops, void *host, void *opaque)
{
	memset(pm, 0, sizeof(*pm));
	vmm_lock_init(&pm->lock);
	pm->base = base;
	pm->ops = ops ? ops : &pm_null_ops;
	pm->time_ops = time_ops;
	pm->host = host;
	pm->opaque = opaque;
	pm_power_on(pm);
	vmm_timer_setup(&pm->timer, acpi_pm_timer_fire, pm);
}

void acpi_pm_reset(struct acpi_pm *pm)
{
	unsigned long flags = 0;

	vmm_lock(&pm->lock, flags);
	pm_power_on(pm);
	if (pm->timer_armed) {
		pm->timer_armed = false;
		pm->time_ops->timer_cancel(pm->host, &pm->timer);
	}
	if (pm->sci_level) {
		pm->sci_level = false;
		if (pm->ops->set_irq)
			pm->ops->set_irq(pm->opaque, ACPI_PM_SCI_IRQ, false);
	}
	vmm_unlock(&pm->lock, flags);
}

bool acpi_pm_owns_port(struct acpi_pm *pm, u16 port)
{
	return port >= pm->base && port - pm->base < ACPI_PM_NR_PORTS;
}

/* Block offset of byte lane i of an access at port (or >= NR_PORTS). */
static unsigned int pm_offset(const struct acpi_pm *pm, u16 port, unsigned int i)
{
	u32 p = (u32)port + i;

	if (p < pm->base || p > 0xffff)
		return ACPI_PM_NR_PORTS;
	return p - pm->base;
}

/* One byte of the block at offset off; tmr is this access's timer value. */
static u8 pm_read_byte(const struct acpi_pm *pm, unsigned int off, u32 tmr)
{
	unsigned int shift = (off & 1) * 8;

	switch (off & ~1u) {
	case ACPI_PM_PM1_STS:
		return pm->pm1_sts >> shift;
	case ACPI_PM_PM1_EN:
		return pm->pm1_en >> shift;
	case ACPI_PM_PM1_CNT:
		return pm->pm1_cnt >> shift;
	case ACPI_PM_TMR:
	case ACPI_PM_TMR + 2:
		return tmr >> ((off - ACPI_PM_TMR) * 8);
	case ACPI_PM_GPE0_STS:
		return pm->gpe0_sts >> shift;
	case ACPI_PM_GPE0_EN:
		return pm->gpe0_en >> shift;
	case ACPI_PM_SMI_CMD:		/* and ACPI_PM_RESET_REG */
		return 0;
	default:
		return 0xff;
	}
}

static void pm_write_cnt(struct acpi_pm *pm, u16 v, u16 lane)
{
	u16 typ;

	pm->pm1_cnt = (pm->pm1_cnt & ~lane) | (v & ACPI_PM1_CNT_MASK);
	if (!(v & ACPI_PM1_CNT_SLP_EN))
		return;
	typ = (pm->pm1_cnt & ACPI_PM1_CNT_SLP_TYP) >> ACPI_PM1_CNT_SLP_TYP_SHIFT;
	if (typ == ACPI_PM_SLP_TYP_S5 && pm->ops->poweroff)
		pm->ops->poweroff(pm->opaque);
}

static void pm_write_byte(struct acpi_pm *pm, unsigned int off, u8 val)
{
	unsigned int shift = (off & 1) * 8;
	u16 v = (u16)(val << shift);
	u16 lane = (u16)(0xff << shift);

	switch (off) {
	case ACPI_PM_SMI_CMD:
		if (val == ACPI_PM_ENABLE)
			pm->pm1_cnt |= ACPI_PM1_CNT_SCI_EN;
		else if (val == ACPI_PM_DISABLE)
			pm->pm1_cnt &= ~ACPI_PM1_CNT_SCI_EN;
		return;
	case ACPI_PM_RESET_REG:
		if (val == ACPI_PM_RESET_VALUE && pm->ops->reset)
			pm->ops->reset(pm->opaque);
		return;
	}

	switch (off & ~1u) {
	case ACPI_PM_PM1_STS:
		pm->pm1_sts &= ~(v & ACPI_PM1_STS_MASK);	/* write 1 to clear */
		break;
	case ACPI_PM_PM1_EN:
		pm->pm1_en = (pm->pm1_en & ~lane) | (v & ACPI_PM1_EN_MASK);
		break;
	case ACPI_PM_PM1_CNT:
		pm_write_cnt(pm, v, lane);
		break;
	case ACPI_PM_GPE0_STS:
		pm->gpe0_sts &= ~v;
		break;
	case ACPI_PM_GPE0_EN:
		pm->gpe0_en = (pm->gpe0_en & ~lane) | v;
		break;
	default:
		/* The timer and the reserved word are read-only. */
		break;
	}
}

u32 acpi_pm_io_read(struct acpi_pm *pm, u16 port, unsigned int size)
{
	unsigned long flags = 0;
	unsigned int i, off;
	u32 val = 0, tmr;

	if (size > 4)
		size = 4;
	vmm_lock(&pm->lock, flags);
	tmr = (u32)(pm_tmr_update(pm) & ACPI_PM_TMR_MASK);
	for (i = 0; i < size; i++) {
		off = pm_offset(pm, port, i);
		val |= (u32)(off < ACPI_PM_NR_PORTS ? pm_read_byte(pm, off, tmr) :
			     0xff) << (i * 8);
	}
	pm_update(pm);
	vmm_unlock(&pm->lock, flags);
	return val;
}

void acpi_pm_io_write(struct acpi_pm *pm, u16 port, unsigned int size, u32 val)
{
	unsigned long flags = 0;
	unsigned int i, off;

	if (size > 4)
		size = 4;
	vmm_lock(&pm->lock, flags);
	pm_tmr_update(pm);
	for (i = 0; i < size; i++) {
		off = pm_offset(pm, port, i);
		if (off < ACPI_PM_NR_PORTS)
			pm_write_byte(pm, off, (u8)(val >> (i * 8)));
	}
	pm_update(pm);
	vmm_unlock(&pm->lock, flags);
}

void acpi_pm_power_button(struct acpi_pm *pm)
{
	unsigned long flags = 0;

	vmm_lock(&pm->lock, flags);
	pm_tmr_update(pm);
	pm->pm1_sts |= ACPI_PM1_PWRBTN;
	pm_update(pm);
	vmm_unlock(&pm->lock, flags);
}

void acpi_pm_gpe_raise(struct acpi_pm *pm, unsigned int bit)
{
	unsigned long flags = 0;

	if (bit >= 16)
		return;
	vmm_lock(&pm->lock, flags);
	pm_tmr_update(pm);
	pm->gpe0_sts |= (u16)(1u << bit);
	pm_update(pm);
	vmm_unlock(&pm->lock, flags);
}

void acpi_pm_timer_fire(void *dev)
{
	struct acpi_pm *pm = dev;
	unsigned long flags = 0;

	vmm_lock(&pm->lock, flags);
	pm->timer_armed = false;
	pm_tmr_update(pm);
	pm_update(pm);
	vmm_unlock(&pm->lock, flags);
}
