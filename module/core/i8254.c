// SPDX-License-Identifier: GPL-2.0
/*
 * 8254 PIT model: see i8254.h for the design.
 */
#include "i8254.h"

#define PIT_NO_EDGE	(~0ULL)

static const struct i8254_ops pit_null_ops;

static u64 pit_now_ns(const struct i8254 *pit)
{
	return pit->time_ops->now_ns(pit->host);
}

static u64 pit_tick(u64 ns)
{
	return vmm_ns_to_ticks(ns, I8254_HZ);
}

static u32 pit_modulus(const struct i8254_channel *ch)
{
	return ch->bcd ? 10000 : 65536;
}

static bool pit_mode_pauses(u8 mode)
{
	return mode == 0 || mode == 4;
}

static bool pit_mode_periodic(u8 mode)
{
	return mode == 2 || mode == 3;
}

static u16 pit_bin_to_bcd(u32 v)
{
	return (v % 10) | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 |
	       (v / 1000 % 10) << 12;
}

static u32 pit_bcd_to_bin(u16 v)
{
	return (v & 0xf) + (v >> 4 & 0xf) * 10 + (v >> 8 & 0xf) * 100 +
	       (v >> 12 & 0xf) * 1000;
}

/* The count N a count register value stands for. */
static u32 pit_cr_count(const struct i8254_channel *ch)
{
	if (!ch->cr)
		return pit_modulus(ch);
	return ch->bcd ? pit_bcd_to_bin(ch->cr) : ch->cr;
}

/* Ticks counted since the load; 0 before the load edge. */
static u64 pit_elapsed(const struct i8254_channel *ch, u64 t)
{
	if (pit_mode_pauses(ch->mode) && !ch->gate)
		return ch->frozen;
	return t > ch->start ? t - ch->start : 0;
}

/* Drop the previous period once the new count has been loaded. */
static void pit_sync(struct i8254_channel *ch, u64 t)
{
	if (ch->has_old && t >= ch->start)
		ch->has_old = false;
	if (ch->null_count && ch->running && t >= ch->start)
		ch->null_count = false;
}

/* Mode 3 count after e ticks of a period n: down by 2 in each half. */
static u32 pit_square_value(u32 n, u64 e)
{
	u32 d = e % n, half = (n + 1) / 2;

	return d < half ? n - 2 * d : (n & ~1u) - 2 * (d - half);
}

static u16 pit_raw(const struct i8254_channel *ch, u32 v)
{
	v %= pit_modulus(ch);
	return ch->bcd ? pit_bin_to_bcd(v) : v;
}

/* The counting element as the guest reads it, at tick t. */
static u16 pit_value(const struct i8254_channel *ch, u64 t)
{
	u32 n = ch->count, m = pit_modulus(ch);
	u64 e;

	if (!ch->running)
		return ch->held;
	if (ch->has_old && t < ch->start) {
		e = t > ch->old_start ? t - ch->old_start : 0;
		n = ch->old_count;
	} else {
		e = pit_elapsed(ch, t);
	}
	switch (ch->mode) {
	case 2:
		return pit_raw(ch, n - e % n);
	case 3:
		return pit_raw(ch, pit_square_value(n, e));
	default:
		return pit_raw(ch, n + m - e % m);
	}
}

/* The OUT pin at tick t. */
static bool pit_out(const struct i8254_channel *ch, u64 t)
{
	u64 start = ch->start, e;
	u32 n = ch->count;

	if (!ch->running)
		return ch->mode != 0;
	if (ch->has_old && t < ch->start) {
		start = ch->old_start;
		n = ch->old_count;
	}
	if (t < start)
		return ch->mode != 0;	/* not loaded yet */
	e = (pit_mode_pauses(ch->mode) && !ch->gate) ? ch->frozen : t - start;
	switch (ch->mode) {
	case 0:
		return e >= n;
	case 1:
		return e >= n;
	case 2:
		return e % n != n - 1;
	case 3:
		return e % n < (n + 1) / 2;
	default:	/* 4, 5: low for the one clock at count 0 */
		return e != n;
	}
}

/* The first tick after t at which OUT rises, or PIT_NO_EDGE. */
static u64 pit_next_rise(const struct i8254_channel *ch, u64 t)
{
	u64 n = ch->count, end;

	if (!ch->running)
		return PIT_NO_EDGE;
	if (pit_mode_periodic(ch->mode)) {
		if (ch->has_old && t < ch->start)
			return ch->start;
		if (t < ch->start)
			return ch->start + n;
		return ch->start + ((t - ch->start) / n + 1) * n;
	}
	if (pit_mode_pauses(ch->mode) && !ch->gate)
		return PIT_NO_EDGE;
	end = ch->start + n + (ch->mode >= 4 ? 1 : 0);
	return t < end ? end : PIT_NO_EDGE;
}

static void pit_set_irq(struct i8254 *pit, bool level)
{
	pit->irq_level = level;
	if (pit->ops->set_irq)
		pit->ops->set_irq(pit->opaque, I8254_IRQ, level);
}

/*
 * Bring IRQ 0 up to date at now_ns and arm the timer for the next
 * rising edge of OUT0. A due edge is delivered as a pulse (low, high).
 */
static void pit_update_irq(struct i8254 *pit, u64 now_ns)
{
	struct i8254_channel *ch = &pit->ch[0];
	u64 t = pit_tick(now_ns), next, n, floor_tick;
	bool out;

	pit_sync(ch, t);
	if (pit->edge_tick != PIT_NO_EDGE && t >= pit->edge_tick) {
		if (pit->irq_level)
			pit_set_irq(pit, false);
		pit_set_irq(pit, true);
		pit->edge_tick = PIT_NO_EDGE;
	}
	out = pit_out(ch, t);
	if (out != pit->irq_level)
		pit_set_irq(pit, out);

	next = pit_next_rise(ch, t);
	n = ch->count;
	if (next != PIT_NO_EDGE && pit_mode_periodic(ch->mode) &&
	    vmm_ticks_to_ns(n, I8254_HZ) < I8254_MIN_PERIOD_NS) {
		/* Too fast: skip to the first edge on the grid past the minimum. */
		floor_tick = pit_tick(now_ns + I8254_MIN_PERIOD_NS - 1) + 1;
		if (floor_tick > next)
			next += (floor_tick - next + n - 1) / n * n;
	}
	if (next == PIT_NO_EDGE) {
		if (pit->timer_armed)
			pit->time_ops->timer_cancel(pit->host, &pit->timer);
		pit->timer_armed = false;
		pit->edge_tick = PIT_NO_EDGE;
		return;
	}
	if (pit->timer_armed && next == pit->edge_tick)
		return;
	pit->edge_tick = next;
	pit->timer_armed = true;
	pit->time_ops->timer_arm(pit->host, &pit->timer,
				 vmm_ticks_to_ns(next, I8254_HZ));
}

static void pit_channel_reset(struct i8254_channel *ch, bool gate)
{
	memset(ch, 0, sizeof(*ch));
	ch->count = 65536;
	ch->gate = gate;
}

void i8254_init(struct i8254 *pit, const struct i8254_ops *ops,
		const struct vmm_time_ops *time_ops, void *host, void *opaque)
{
	memset(pit, 0, sizeof(*pit));
	vmm_lock_init(&pit->lock);
	pit->ops = ops ? ops : &pit_null_ops;
	pit->time_ops = time_ops;
	pit->host = host;
	pit->opaque = opaque;
	pit_channel_reset(&pit->ch[0], true);
	pit_channel_reset(&pit->ch[1], true);
	pit_channel_reset(&pit->ch[2], false);
	pit->edge_tick = PIT_NO_EDGE;
	vmm_timer_setup(&pit->timer, i8254_timer_fire, pit);
}

/* A new count N was written (the last byte of it). */
static void pit_load(struct i8254_channel *ch, u64 t)
{
	u32 n = pit_cr_count(ch);
	u64 e;

	ch->armed = true;
	ch->null_count = true;
	switch (ch->mode) {
	case 0:
	case 4:
		ch->count = n;
		ch->running = true;
		ch->start = t + 1;
		ch->frozen = 0;
		break;
	case 2:
	case 3:
		if (!ch->gate) {
			ch->count = n;
			ch->held = pit_raw(ch, n);
			break;
		}
		if (ch->running && t >= ch->start) {
			/* Takes effect when the current period ends. */
			e = t - ch->start;
			ch->old_start = ch->start;
			ch->old_count = ch->count;
			ch->has_old = true;
			ch->start += (e / ch->count + 1) * ch->count;
		} else if (!ch->running) {
			ch->start = t + 1;
			ch->running = true;
		}
		ch->count = n;
		break;
	default:
		/* Modes 1 and 5 load on the next gate trigger. */
		break;
	}
}

static void pit_write_count(struct i8254_channel *ch, u8 val, u64 t)
{
	switch (ch->ctrl >> I8254_CW_RW_SHIFT & 3) {
	case I8254_RW_LSB:
		ch->cr = val;
		break;
	case I8254_RW_MSB:
		ch->cr = val << 8;
		break;
	default:
		if (!ch->wr_msb) {
			ch->wr_lsb = val;
			ch->wr_msb = true;
			/* Mode 0: writing the first byte stops the count. */
			if (ch->mode == 0 && ch->running) {
				ch->held = pit_value(ch, t);
				ch->running = false;
			}
			return;
		}
		ch->cr = ch->wr_lsb | val << 8;
		ch->wr_msb = false;
		break;
	}
	pit_load(ch, t);
}

static u8 pit_read_count(struct i8254_channel *ch, u64 t)
{
	u16 v;
	u8 b;

	if (ch->status_latched) {
		ch->status_latched = false;
		return ch->status;
	}
	v = ch->latched ? ch->latch : pit_value(ch, t);
	switch (ch->ctrl >> I8254_CW_RW_SHIFT & 3) {
	case I8254_RW_LSB:
		b = v;
		ch->latched = false;
		break;
	case I8254_RW_MSB:
		b = v >> 8;
		ch->latched = false;
		break;
	default:
		if (!ch->rd_msb) {
			b = v;
			ch->rd_msb = true;
		} else {
			b = v >> 8;
			ch->rd_msb = false;
			ch->latched = false;
		}
		break;
	}
	return b;
}

static void pit_latch_count(struct i8254_channel *ch, u64 t)
{
	if (ch->latched)
		return;
	ch->latch = pit_value(ch, t);
	ch->latched = true;
}

static void pit_latch_status(struct i8254_channel *ch, u64 t)
{
	if (ch->status_latched)
		return;
	ch->status = ch->ctrl | (pit_out(ch, t) ? I8254_ST_OUT : 0) |
		     (ch->null_count ? I8254_ST_NULL : 0);
	ch->status_latched = true;
}

static void pit_write_control(struct i8254 *pit, u8 val, u64 t)
{
	unsigned int sc = val >> I8254_CW_SC_SHIFT, i;
	struct i8254_channel *ch;
	u8 mode;

	if (sc == I8254_SC_READBACK) {
		for (i = 0; i < I8254_NR_CHANNELS; i++) {
			if (!(val & I8254_RB_CNT(i)))
				continue;
			pit_sync(&pit->ch[i], t);
			if (!(val & I8254_RB_NOT_STATUS))
				pit_latch_status(&pit->ch[i], t);
			if (!(val & I8254_RB_NOT_COUNT))
				pit_latch_count(&pit->ch[i], t);
		}
		return;
	}
	ch = &pit->ch[sc];
	if ((val >> I8254_CW_RW_SHIFT & 3) == I8254_RW_LATCH) {
		pit_latch_count(ch, t);
		return;
	}
	mode = val >> I8254_CW_MODE_SHIFT & 7;
	if (mode > 5)
		mode -= 4;
	ch->held = pit_value(ch, t);
	ch->ctrl = val & 0x3f;
	ch->mode = mode;
	ch->bcd = val & I8254_CW_BCD;
	ch->wr_msb = false;
	ch->rd_msb = false;
	ch->latched = false;
	ch->status_latched = false;
	ch->armed = false;
	ch->running = false;
	ch->has_old = false;
	ch->null_count = true;
}

static void pit_set_gate(struct i8254_channel *ch, bool gate, u64 t)
{
	if (gate == ch->gate)
		return;
	pit_sync(ch, t);
	if (!gate) {
		if (pit_mode_pauses(ch->mode))
			ch->frozen = pit_elapsed(ch, t);
		if (pit_mode_periodic(ch->mode) && ch->running) {
			ch->held = pit_value(ch, t);
			ch->running = false;
			ch->has_old = false;
		}
		ch->gate = false;
		return;
	}
	ch->gate = true;
	if (pit_mode_pauses(ch->mode)) {
		ch->start = t - ch->frozen;
		return;
	}
	/* Rising edge: modes 1, 2, 3, 5 (re)load the count. */
	if (!ch->armed)
		return;
	ch->count = pit_cr_count(ch);
	ch->start = t + 1;
	ch->running = true;
	ch->has_old = false;
}

u8 i8254_port61_read(struct i8254 *pit)
{
	unsigned long flags = 0;
	u64 t;
	u8 val;

	vmm_lock(&pit->lock, flags);
	t = pit_tick(pit_now_ns(pit));
	pit_sync(&pit->ch[2], t);
	pit->refresh = !pit->refresh;
	val = pit->port61 & I8254_P61_RW_MASK;
	if (pit->refresh)
		val |= I8254_P61_REFRESH;
	if (pit_out(&pit->ch[2], t))
		val |= I8254_P61_OUT2;
	vmm_unlock(&pit->lock, flags);
	return val;
}

void i8254_port61_write(struct i8254 *pit, u8 val)
{
	unsigned long flags = 0;

	vmm_lock(&pit->lock, flags);
	pit->port61 = val & I8254_P61_RW_MASK;
	pit_set_gate(&pit->ch[2], val & I8254_P61_GATE2,
		     pit_tick(pit_now_ns(pit)));
	vmm_unlock(&pit->lock, flags);
}

u8 i8254_read(struct i8254 *pit, u16 port)
{
	unsigned long flags = 0;
	struct i8254_channel *ch;
	u64 t;
	u8 val;

	if (port == I8254_PORT_61)
		return i8254_port61_read(pit);
	if (port < I8254_PORT_CH0 || port > I8254_PORT_CH2)
		return 0xff;	/* the control word register is write-only */
	vmm_lock(&pit->lock, flags);
	ch = &pit->ch[port - I8254_PORT_CH0];
	t = pit_tick(pit_now_ns(pit));
	pit_sync(ch, t);
	val = pit_read_count(ch, t);
	vmm_unlock(&pit->lock, flags);
	return val;
}

void i8254_write(struct i8254 *pit, u16 port, u8 val)
{
	unsigned long flags = 0;
	u64 now, t;

	if (port == I8254_PORT_61) {
		i8254_port61_write(pit, val);
		return;
	}
	if (port < I8254_PORT_CH0 || port > I8254_PORT_MODE)
		return;
	vmm_lock(&pit->lock, flags);
	now = pit_now_ns(pit);
	t = pit_tick(now);
	/* Deliver what the old programming owed before changing it. */
	pit_update_irq(pit, now);
	if (port == I8254_PORT_MODE) {
		pit_write_control(pit, val, t);
	} else {
		pit_sync(&pit->ch[port - I8254_PORT_CH0], t);
		pit_write_count(&pit->ch[port - I8254_PORT_CH0], val, t);
	}
	pit_update_irq(pit, now);
	vmm_unlock(&pit->lock, flags);
}

void i8254_timer_fire(void *dev)
{
	struct i8254 *pit = dev;
	unsigned long flags = 0;
	u64 now;

	vmm_lock(&pit->lock, flags);
	now = pit_now_ns(pit);
	if (pit->edge_tick != PIT_NO_EDGE && pit_tick(now) < pit->edge_tick) {
		/* Early or stale: the edge we wait for is still ahead. */
		pit->time_ops->timer_arm(pit->host, &pit->timer,
					 vmm_ticks_to_ns(pit->edge_tick, I8254_HZ));
		pit->timer_armed = true;
	} else {
		pit->timer_armed = false;
		pit_update_irq(pit, now);
	}
	vmm_unlock(&pit->lock, flags);
}
