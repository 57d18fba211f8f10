/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ACPI fixed-hardware register block for a classic (not hardware-reduced)
 * FADT: PM1a event and control registers, the PM timer, a GPE0 block
 * without sources, an SMI_CMD port for the legacy ACPI_ENABLE handshake
 * and the FADT reset register, all in one I/O range at the base port:
 *
 *   base+0x00  PM1a_STS   2  FADT PM1a_EVT_BLK = base, PM1_EVT_LEN = 4
 *   base+0x02  PM1a_EN    2
 *   base+0x04  PM1a_CNT   2  FADT PM1a_CNT_BLK = base+4, PM1_CNT_LEN = 2
 *   base+0x06  (reserved, reads 0xff)
 *   base+0x08  PM_TMR     4  FADT PM_TMR_BLK = base+8, PM_TMR_LEN = 4
 *   base+0x0c  GPE0_STS   2  FADT GPE0_BLK = base+0xc, GPE0_BLK_LEN = 4
 *   base+0x0e  GPE0_EN    2
 *   base+0x10  SMI_CMD    1  FADT SMI_CMD = base+0x10, ACPI_ENABLE = 0xf1,
 *                            ACPI_DISABLE = 0xf0
 *   base+0x11  RESET_REG  1  FADT RESET_REG = {SystemIO, 8 bits, offset 0,
 *                            byte access, base+0x11}, RESET_VALUE = 0x01,
 *                            flag RESET_REG_SUP
 *
 * Registers are byte lanes: any access of 1, 2 or 4 bytes at any port in
 * the block reads or writes the bytes it covers (bytes outside the block
 * read 0xff), and a multi-byte timer read is one snapshot.
 *
 * PM timer: 32 bits (FADT flag TMR_VAL_EXT) at 3.579545 MHz, counting
 * from guest time now_ns() == 0. TMR_STS is set when bit 31 flips; it is
 * computed when the guest touches the block, and while TMR_EN is set and
 * TMR_STS clear a host timer is armed for the next flip so that the SCI
 * comes on time.
 *
 * SCI: asserted while SCI_EN is set and some status bit is set together
 * with its enable bit (PM1 or GPE0); reported through ops->set_irq(opaque,
 * ACPI_PM_SCI_IRQ, level) on change (level true = asserted; the MADT or
 * the host decides polarity). SCI_EN powers on clear (legacy mode): the OS
 * writes ACPI_ENABLE to SMI_CMD, which sets it.
 *
 * Power button: fixed-feature (FADT flag PWR_BUTTON clear).
 * Sleep: writing SLP_EN with SLP_TYP == ACPI_PM_SLP_TYP_S5 calls
 * ops->poweroff(); other sleep types are ignored (the DSDT offers \_S5
 * only, as Package () { ACPI_PM_SLP_TYP_S5, ACPI_PM_SLP_TYP_S5, 0, 0 }).
 */
#ifndef VMM_CORE_ACPI_PM_H
#define VMM_CORE_ACPI_PM_H

#include "host.h"
#include "timebase.h"

#define ACPI_PM_BASE_DEFAULT	0x600
#define ACPI_PM_NR_PORTS	0x12
#define ACPI_PM_SCI_IRQ		9

/* Offsets from the base port */
#define ACPI_PM_PM1_STS		0x00
#define ACPI_PM_PM1_EN		0x02
#define ACPI_PM_PM1_CNT		0x04
#define ACPI_PM_TMR		0x08
#define ACPI_PM_GPE0_STS	0x0c
#define ACPI_PM_GPE0_EN		0x0e
#define ACPI_PM_SMI_CMD		0x10
#define ACPI_PM_RESET_REG	0x11

/* FADT values */
#define ACPI_PM_PM1_EVT_LEN	4
#define ACPI_PM_PM1_CNT_LEN	2
#define ACPI_PM_TMR_LEN		4
#define ACPI_PM_GPE0_BLK_LEN	4
#define ACPI_PM_TMR_VAL_EXT	1	/* 32-bit timer: set FADT flag bit 8 */
#define ACPI_PM_ENABLE		0xf1	/* FADT ACPI_ENABLE */
#define ACPI_PM_DISABLE		0xf0	/* FADT ACPI_DISABLE */
#define ACPI_PM_RESET_VALUE	0x01	/* FADT RESET_VALUE */
#define ACPI_PM_SLP_TYP_S5	5	/* \_S5 package value */

#define ACPI_PM_TMR_HZ		3579545
#define ACPI_PM_TMR_BITS	32
#define ACPI_PM_TMR_MASK	0xffffffffULL

/* PM1_STS and PM1_EN */
#define ACPI_PM1_TMR		0x0001	/* TMR_STS / TMR_EN */
#define ACPI_PM1_BM_STS		0x0010
#define ACPI_PM1_GBL		0x0020
#define ACPI_PM1_PWRBTN		0x0100
#define ACPI_PM1_SLPBTN		0x0200
#define ACPI_PM1_RTC		0x0400
#define ACPI_PM1_WAK_STS	0x8000
#define ACPI_PM1_STS_MASK	(ACPI_PM1_TMR | ACPI_PM1_BM_STS | ACPI_PM1_GBL | \
				 ACPI_PM1_PWRBTN | ACPI_PM1_SLPBTN | ACPI_PM1_RTC | \
				 ACPI_PM1_WAK_STS)
#define ACPI_PM1_EN_MASK	(ACPI_PM1_TMR | ACPI_PM1_GBL | ACPI_PM1_PWRBTN | \
				 ACPI_PM1_SLPBTN | ACPI_PM1_RTC)

/* PM1_CNT */
#define ACPI_PM1_CNT_SCI_EN	0x0001
#define ACPI_PM1_CNT_BM_RLD	0x0002
#define ACPI_PM1_CNT_GBL_RLS	0x0004	/* write-only, no effect */
#define ACPI_PM1_CNT_SLP_TYP_SHIFT 10
#define ACPI_PM1_CNT_SLP_TYP	0x1c00
#define ACPI_PM1_CNT_SLP_EN	0x2000	/* write-only */
#define ACPI_PM1_CNT_MASK	(ACPI_PM1_CNT_SCI_EN | ACPI_PM1_CNT_BM_RLD | \
				 ACPI_PM1_CNT_SLP_TYP)

struct acpi_pm_ops {
	/*
	 * All called with the PM lock held: must not call back into the
	 * block. Any may be NULL.
	 */
	void (*set_irq)(void *opaque, unsigned int irq, bool level);	/* SCI */
	void (*poweroff)(void *opaque);		/* SLP_EN with S5 */
	void (*reset)(void *opaque);		/* RESET_VALUE to RESET_REG */
};

struct acpi_pm {
	vmm_lock_t lock;
	u16 base;

	u16 pm1_sts, pm1_en, pm1_cnt;
	u16 gpe0_sts, gpe0_en;
	bool tmr_epoch_valid;
	u64 tmr_epoch;		/* timer ticks >> 31 when TMR_STS was last computed */
	bool sci_level;		/* as last reported */
	bool timer_armed;
	u64 timer_deadline;	/* ns the host timer is armed for */

	struct vmm_timer timer;	/* fire = acpi_pm_timer_fire */
	const struct acpi_pm_ops *ops;
	const struct vmm_time_ops *time_ops;
	void *host;
	void *opaque;
};

/*
 * Power-on state at base (ACPI_PM_BASE_DEFAULT normally); calls no ops.
 * The host then binds pm->timer. ops may be NULL; time_ops not.
 */
void acpi_pm_init(struct acpi_pm *pm, u16 base, const struct acpi_pm_ops *ops,
		  const struct vmm_time_ops *time_ops, void *host, void *opaque);
/*
 * System reset: registers back to power-on (SCI_EN clear), the host
 * timer cancelled, an asserted SCI lowered through set_irq; calls no
 * other op.
 */
void acpi_pm_reset(struct acpi_pm *pm);
/* Is port inside [base, base + ACPI_PM_NR_PORTS)? */
bool acpi_pm_owns_port(struct acpi_pm *pm, u16 port);
/* Guest access, size 1, 2 or 4 (little-endian byte lanes); take the lock. */
u32 acpi_pm_io_read(struct acpi_pm *pm, u16 port, unsigned int size);
void acpi_pm_io_write(struct acpi_pm *pm, u16 port, unsigned int size, u32 val);
/* The host's power button was pressed: PWRBTN_STS, SCI if enabled. */
void acpi_pm_power_button(struct acpi_pm *pm);
/* A general-purpose event source fired: set GPE0_STS bit (0-15). */
void acpi_pm_gpe_raise(struct acpi_pm *pm, unsigned int bit);
/* The vmm_timer fire callback (dev = the struct acpi_pm); takes the lock. */
void acpi_pm_timer_fire(void *dev);

#endif /* VMM_CORE_ACPI_PM_H */
