/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 8254 programmable interval timer (ports 0x40-0x43) and the PIT side of
 * port 0x61 (gate and output of counter 2, speaker data, refresh toggle).
 *
 * Counters are never ticked: each counter remembers the PIT clock tick
 * (1.193182 MHz, counted from now_ns() == 0) at which its count was
 * loaded, and its value and OUT level are computed from the current tick.
 * A count written at tick t is loaded on the next clock edge, tick t+1,
 * as on the chip (so mode 0 raises OUT N+1 edges after the count is
 * written).
 *
 * Counter 0's OUT drives IRQ 0 through ops->set_irq(). The model arms
 * one host timer for the next rising edge of OUT0 only: in modes 2 and 3
 * the falling edge is reported just before the next rising edge, so a
 * periodic timer costs one host timer per period; the rising edges come
 * at exact ticks, computed from the load tick (no drift). With a period
 * shorter than I8254_MIN_PERIOD_NS the model skips edges so that timer
 * deadlines stay at least that far apart, still on the same tick grid:
 * a tiny count cannot storm the host.
 *
 * Gates: counters 0 and 1 have GATE tied high; counter 2's gate is port
 * 0x61 bit 0. Modes 0 and 4 pause while GATE is low; modes 2 and 3 hold
 * OUT high and restart on the gate's rising edge; modes 1 and 5 start on
 * it. Counter 1 (DRAM refresh) is modelled as a plain counter.
 */
#ifndef VMM_CORE_I8254_H
#define VMM_CORE_I8254_H

#include "host.h"
#include "timebase.h"

#define I8254_HZ		1193182
#define I8254_IRQ		0
#define I8254_MIN_PERIOD_NS	50000ULL	/* 20 kHz */

#define I8254_PORT_CH0		0x40
#define I8254_PORT_CH1		0x41
#define I8254_PORT_CH2		0x42
#define I8254_PORT_MODE		0x43
#define I8254_PORT_61		0x61
#define I8254_NR_CHANNELS	3

/* Control word (port 0x43) */
#define I8254_CW_SC_SHIFT	6	/* select counter; 3 = read-back */
#define I8254_CW_RW_SHIFT	4	/* 0 = latch, 1 = LSB, 2 = MSB, 3 = LSB+MSB */
#define I8254_CW_MODE_SHIFT	1
#define I8254_CW_BCD		0x01
#define I8254_RW_LATCH		0
#define I8254_RW_LSB		1
#define I8254_RW_MSB		2
#define I8254_RW_LOHI		3
#define I8254_SC_READBACK	3

/* Read-back command: 11 /COUNT /STATUS CNT2 CNT1 CNT0 0 */
#define I8254_RB_NOT_COUNT	0x20
#define I8254_RB_NOT_STATUS	0x10
#define I8254_RB_CNT(n)		(0x02 << (n))

/* Status byte */
#define I8254_ST_OUT		0x80
#define I8254_ST_NULL		0x40

/* Port 0x61 */
#define I8254_P61_GATE2		0x01
#define I8254_P61_SPKR		0x02	/* speaker data enable */
#define I8254_P61_RW_MASK	0x0f	/* bits 2-3: parity/IOCHK enables, stored */
#define I8254_P61_REFRESH	0x10
#define I8254_P61_OUT2		0x20

struct i8254_ops {
	/* IRQ 0 level. Called with the PIT lock held: must not call back into the PIT. */
	void (*set_irq)(void *opaque, unsigned int irq, bool level);
};

struct i8254_channel {
	u32 count;		/* N in effect (1-65536; 10000 max in BCD) */
	u64 start;		/* PIT tick at which the count was loaded */
	u64 frozen;		/* modes 0/4: ticks counted when GATE fell */
	u32 old_count;		/* modes 2/3: period in effect before start */
	u64 old_start;
	u16 cr;			/* count register as written */
	u16 held;		/* value while the counter is stopped */
	u16 latch;		/* latched count */
	u8 status;		/* latched status */
	u8 ctrl;		/* control word bits 5:0 as written */
	u8 mode;		/* effective mode 0-5 */
	u8 wr_lsb;		/* LSB of a LSB+MSB write */
	bool bcd;
	bool wr_msb;		/* LSB+MSB: the next write is the MSB */
	bool rd_msb;		/* LSB+MSB: the next read is the MSB */
	bool latched, status_latched;
	bool armed;		/* a count was written since the control word */
	bool running;		/* a count is loaded in the counting element */
	bool has_old;		/* modes 2/3: new count waits for the period end */
	bool null_count;
	bool gate;
};

struct i8254 {
	vmm_lock_t lock;
	struct i8254_channel ch[I8254_NR_CHANNELS];
	u8 port61;		/* I8254_P61_RW_MASK bits as written */
	bool refresh;		/* port 0x61 bit 4, toggles on every read */
	bool irq_level;		/* IRQ 0 as last reported */
	bool timer_armed;
	u64 edge_tick;		/* OUT0 rising edge the timer is armed for */

	struct vmm_timer timer;	/* counter 0: fire = i8254_timer_fire */
	const struct i8254_ops *ops;
	const struct vmm_time_ops *time_ops;
	void *host;
	void *opaque;
};

/*
 * Power-on state (counters unprogrammed, IRQ 0 low, gate 2 low); calls
 * no ops. The host then binds pit->timer. ops may be NULL; time_ops not.
 */
void i8254_init(struct i8254 *pit, const struct i8254_ops *ops,
		const struct vmm_time_ops *time_ops, void *host, void *opaque);
/* Guest access to 0x40-0x43 (and 0x61, same as the port61 calls). */
u8 i8254_read(struct i8254 *pit, u16 port);
void i8254_write(struct i8254 *pit, u16 port, u8 val);
u8 i8254_port61_read(struct i8254 *pit);
void i8254_port61_write(struct i8254 *pit, u8 val);
/* The vmm_timer fire callback (dev = the struct i8254); takes the lock. */
void i8254_timer_fire(void *dev);

#endif /* VMM_CORE_I8254_H */
