/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MC146818 real-time clock and CMOS NVRAM: index port 0x70 (bit 7 masks
 * NMI), data port 0x71.
 *
 * The clock is never ticked. It is a count of seconds since a fixed
 * origin (so dates from year 0 to 9999+ stay unsigned) plus the host time
 * of one boundary of the 32.768 kHz divider chain: the registers, the UIP
 * window (the 244 us, 8 divider ticks, before each second boundary), the
 * periodic flag (every 2^k divider ticks) and the update and alarm flags
 * are all computed from now_ns(). Register C's flags are brought up to
 * date whenever the guest touches the chip; one host timer is armed for
 * the next event that would raise IRQ 8 (an enabled flag while the line
 * is low), and none while the line is high or nothing is enabled.
 *
 * Setting register B's SET bit, or stopping the divider (register A DV
 * other than 010), freezes the clock into the stored time bytes, which
 * the guest may then rewrite; clearing SET re-reads them (the next update
 * comes at the next divider second boundary), restarting the divider
 * gives the first update 500 ms later. A time byte written while the
 * clock runs sets the clock at once. The day of week is derived from the
 * date; a written value is not kept. The century lives at 0x32 in the
 * same BCD/binary format. DSE and SQWE are stored without effect.
 */
#ifndef VMM_CORE_MC146818_H
#define VMM_CORE_MC146818_H

#include "host.h"
#include "timebase.h"

#define MC146818_PORT_INDEX	0x70
#define MC146818_PORT_DATA	0x71
#define MC146818_IRQ		8
#define MC146818_NVRAM_SIZE	128
#define MC146818_INDEX_MASK	0x7f
#define MC146818_NMI_DISABLE	0x80	/* port 0x70 bit 7 */

/* Register indexes */
#define MC146818_SECONDS	0x00
#define MC146818_SECONDS_ALARM	0x01
#define MC146818_MINUTES	0x02
#define MC146818_MINUTES_ALARM	0x03
#define MC146818_HOURS		0x04
#define MC146818_HOURS_ALARM	0x05
#define MC146818_DAY_OF_WEEK	0x06	/* 1 = Sunday */
#define MC146818_DAY_OF_MONTH	0x07
#define MC146818_MONTH		0x08
#define MC146818_YEAR		0x09
#define MC146818_REG_A		0x0a
#define MC146818_REG_B		0x0b
#define MC146818_REG_C		0x0c
#define MC146818_REG_D		0x0d
#define MC146818_FIRST_NVRAM	0x0e
#define MC146818_CENTURY	0x32

/* Register A */
#define MC146818_A_UIP		0x80
#define MC146818_A_DV_MASK	0x70
#define MC146818_A_DV_32K	0x20	/* 32.768 kHz time base, running */
#define MC146818_A_DV_RESET	0x60	/* 11x: divider chain held in reset */
#define MC146818_A_RS_MASK	0x0f

/* Register B */
#define MC146818_B_SET		0x80
#define MC146818_B_PIE		0x40
#define MC146818_B_AIE		0x20
#define MC146818_B_UIE		0x10
#define MC146818_B_SQWE		0x08
#define MC146818_B_DM_BINARY	0x04
#define MC146818_B_24H		0x02
#define MC146818_B_DSE		0x01

/* Register C */
#define MC146818_C_IRQF		0x80
#define MC146818_C_PF		0x40
#define MC146818_C_AF		0x20
#define MC146818_C_UF		0x10

/* Register D */
#define MC146818_D_VRT		0x80

/* Alarm bytes with both top bits set match any value. */
#define MC146818_ALARM_DONT_CARE	0xc0

#define MC146818_UIP_TICKS	8	/* 244.14 us of 32.768 kHz */

struct mc146818_ops {
	/* IRQ 8 level. Called with the RTC lock held: must not call back into the RTC. */
	void (*set_irq)(void *opaque, unsigned int irq, bool level);
};

struct mc146818 {
	vmm_lock_t lock;
	u8 cmos[MC146818_NVRAM_SIZE];	/* time bytes valid only while held */
	u8 index;
	bool nmi_masked;
	u8 reg_a, reg_b;
	u8 flags;		/* register C PF/AF/UF */
	bool irq_level;		/* IRQ 8 as last reported */
	bool timer_armed;
	u64 deadline;		/* biased ns the timer is armed for */

	/* Biased time (now_ns() + 1 s) of a divider second boundary. */
	u64 origin_ns;
	u64 origin_sec;		/* clock seconds at origin_ns */
	u64 flags_ns;		/* flags are up to date at this biased time */

	struct vmm_timer timer;	/* fire = mc146818_timer_fire */
	const struct mc146818_ops *ops;
	const struct vmm_time_ops *time_ops;
	void *host;
	void *opaque;
};

/*
 * Power-on state: the clock reads base_epoch_sec (seconds since
 * 1970-01-01 00:00:00, the wall clock the guest should see) at the
 * moment of init and runs from there; A = 0x26, B = 0x02 (24h, BCD),
 * NVRAM zero. Calls no ops; the host binds rtc->timer afterwards. ops may
 * be NULL; time_ops not.
 */
void mc146818_init(struct mc146818 *rtc, const struct mc146818_ops *ops,
		   const struct vmm_time_ops *time_ops, void *host, void *opaque,
		   u64 base_epoch_sec);
/* Guest access to ports 0x70 (reads 0xff) and 0x71. */
u8 mc146818_read(struct mc146818 *rtc, u16 port);
void mc146818_write(struct mc146818 *rtc, u16 port, u8 val);
/*
 * Host access to NVRAM bytes 0x0e-0x7f (not 0x32, the century; other
 * indexes are ignored / read 0).
 */
void mc146818_nvram_set(struct mc146818 *rtc, unsigned int index, u8 val);
u8 mc146818_nvram_get(struct mc146818 *rtc, unsigned int index);
/* Has the guest masked NMI through port 0x70 bit 7? */
bool mc146818_nmi_masked(struct mc146818 *rtc);
/* The vmm_timer fire callback (dev = the struct mc146818); takes the lock. */
void mc146818_timer_fire(void *dev);

#endif /* VMM_CORE_MC146818_H */
