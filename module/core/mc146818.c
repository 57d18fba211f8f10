// SPDX-License-Identifier: GPL-2.0
/*
 * MC146818 RTC and CMOS model: see mc146818.h for the design.
 */
#include "mc146818.h"

#define RTC_HZ			32768
#define RTC_BIAS_NS		VMM_NSEC_PER_SEC	/* keeps restart math unsigned */
#define RTC_RESTART_NS		(VMM_NSEC_PER_SEC / 2)
#define RTC_SEC_PER_DAY		86400
/* Day 0 is 1 March of year -400: every year we can encode is positive. */
#define RTC_YEAR_SHIFT		400
#define RTC_DAYS_PER_400Y	146097
#define RTC_NO_DEADLINE		(~0ULL)

static const struct mc146818_ops rtc_null_ops;

/* ---- calendar ---- */

/* Days from day 0 to 1 March of March-based shifted year ys. */
static u64 rtc_days_before_year(u64 ys)
{
	return 365 * ys + ys / 4 - ys / 100 + ys / 400;
}

/* Day number of a civil date (month 1-12, day from 1; day may overflow). */
static u64 rtc_days_from_civil(u64 year, u32 month, u32 mday)
{
	u64 ys = year + RTC_YEAR_SHIFT - (month <= 2 ? 1 : 0);
	u32 mp = (month + 9) % 12;		/* March = 0 */

	return rtc_days_before_year(ys) + (153 * mp + 2) / 5 + mday - 1;
}

static void rtc_civil_from_days(u64 days, u64 *year, u32 *month, u32 *mday)
{
	u64 ys = days * 400 / RTC_DAYS_PER_400Y;
	u32 doy, mp;

	while (rtc_days_before_year(ys + 1) <= days)
		ys++;
	while (ys && rtc_days_before_year(ys) > days)
		ys--;
	doy = days - rtc_days_before_year(ys);
	mp = (5 * doy + 2) / 153;
	*mday = doy - (153 * mp + 2) / 5 + 1;
	*month = mp < 10 ? mp + 3 : mp - 9;
	*year = ys - RTC_YEAR_SHIFT + (*month <= 2 ? 1 : 0);
}

static u64 rtc_epoch_days(void)
{
	return rtc_days_from_civil(1970, 1, 1);
}

/* ---- register formats ---- */

static bool rtc_binary(const struct mc146818 *rtc)
{
	return rtc->reg_b & MC146818_B_DM_BINARY;
}

static u8 rtc_encode(const struct mc146818 *rtc, u32 v)
{
	return rtc_binary(rtc) ? v : (v / 10 % 10) << 4 | v % 10;
}

static u32 rtc_decode(const struct mc146818 *rtc, u8 v)
{
	return rtc_binary(rtc) ? v : (v >> 4) * 10 + (v & 0xf);
}

static u8 rtc_encode_hour(const struct mc146818 *rtc, u32 h)
{
	u32 h12;

	if (rtc->reg_b & MC146818_B_24H)
		return rtc_encode(rtc, h);
	h12 = h % 12 ? h % 12 : 12;
	return rtc_encode(rtc, h12) | (h >= 12 ? 0x80 : 0);
}

static u32 rtc_decode_hour(const struct mc146818 *rtc, u8 v)
{
	if (rtc->reg_b & MC146818_B_24H)
		return rtc_decode(rtc, v);
	return rtc_decode(rtc, v & 0x7f) % 12 + ((v & 0x80) ? 12 : 0);
}

/* Write the clock value sec into the time bytes. */
static void rtc_store_clock(struct mc146818 *rtc, u64 sec)
{
	u64 days = sec / RTC_SEC_PER_DAY, year;
	u32 tod = sec % RTC_SEC_PER_DAY, month, mday;
	u8 *c = rtc->cmos;

	rtc_civil_from_days(days, &year, &month, &mday);
	c[MC146818_SECONDS] = rtc_encode(rtc, tod % 60);
	c[MC146818_MINUTES] = rtc_encode(rtc, tod / 60 % 60);
	c[MC146818_HOURS] = rtc_encode_hour(rtc, tod / 3600);
	/* Day 0 was a Wednesday (1 = Sunday). */
	c[MC146818_DAY_OF_WEEK] = (days + 3) % 7 + 1;
	c[MC146818_DAY_OF_MONTH] = rtc_encode(rtc, mday);
	c[MC146818_MONTH] = rtc_encode(rtc, month);
	c[MC146818_YEAR] = rtc_encode(rtc, year % 100);
	c[MC146818_CENTURY] = rtc_encode(rtc, year / 100 % 100);
}

/* The clock value the time bytes stand for; out-of-range fields carry over. */
static u64 rtc_parse_clock(const struct mc146818 *rtc)
{
	const u8 *c = rtc->cmos;
	u32 month = rtc_decode(rtc, c[MC146818_MONTH]);
	u32 mday = rtc_decode(rtc, c[MC146818_DAY_OF_MONTH]);
	u64 year = rtc_decode(rtc, c[MC146818_YEAR]) +
		   100 * rtc_decode(rtc, c[MC146818_CENTURY]);
	u64 days;

	if (month < 1)
		month = 1;
	if (month > 12)
		month = 12;
	if (mday < 1)
		mday = 1;
	days = rtc_days_from_civil(year, month, 1) + mday - 1;
	return days * RTC_SEC_PER_DAY +
	       rtc_decode_hour(rtc, c[MC146818_HOURS]) * 3600ULL +
	       rtc_decode(rtc, c[MC146818_MINUTES]) * 60ULL +
	       rtc_decode(rtc, c[MC146818_SECONDS]);
}

/* ---- time ---- */

static u64 rtc_now(const struct mc146818 *rtc)
{
	return rtc->time_ops->now_ns(rtc->host) + RTC_BIAS_NS;
}

static bool rtc_running(const struct mc146818 *rtc)
{
	return (rtc->reg_a & MC146818_A_DV_MASK) == MC146818_A_DV_32K;
}

/* Clock frozen in the time bytes (SET, or divider not running). */
static bool rtc_held(const struct mc146818 *rtc)
{
	return (rtc->reg_b & MC146818_B_SET) || !rtc_running(rtc);
}

/* Divider ticks since origin at biased time now. */
static u64 rtc_ticks(const struct mc146818 *rtc, u64 now)
{
	return vmm_ns_to_ticks(now - rtc->origin_ns, RTC_HZ);
}

static u64 rtc_clock_sec(const struct mc146818 *rtc, u64 now)
{
	return rtc->origin_sec + (now - rtc->origin_ns) / VMM_NSEC_PER_SEC;
}

/* Move origin to the last second boundary at or before now. */
static void rtc_rebase(struct mc146818 *rtc, u64 now, u64 sec)
{
	rtc->origin_ns += (now - rtc->origin_ns) / VMM_NSEC_PER_SEC *
			  VMM_NSEC_PER_SEC;
	rtc->origin_sec = sec;
	rtc->flags_ns = now;
}

/* Periodic interrupt period in divider ticks, 0 if off. */
static u32 rtc_period_ticks(const struct mc146818 *rtc)
{
	u32 rs = rtc->reg_a & MC146818_A_RS_MASK;

	if (!rs)
		return 0;
	return rs <= 2 ? 1u << (rs + 6) : 1u << (rs - 1);
}

/* An alarm byte: -1 for "any", 0xffff for a value that never matches. */
static int rtc_alarm_field(const struct mc146818 *rtc, u8 v, bool hour,
			   u32 limit)
{
	u32 x;

	if ((v & MC146818_ALARM_DONT_CARE) == MC146818_ALARM_DONT_CARE)
		return -1;
	x = hour ? rtc_decode_hour(rtc, v) : rtc_decode(rtc, v);
	return x < limit ? (int)x : 0xffff;
}

/*
 * Seconds from time of day tod to the next (strictly later) time of day
 * the alarm matches, 1-86400, or 0 if it never matches.
 */
static u32 rtc_alarm_delta(const struct mc146818 *rtc, u32 tod)
{
	int ah = rtc_alarm_field(rtc, rtc->cmos[MC146818_HOURS_ALARM], true, 24);
	int am = rtc_alarm_field(rtc, rtc->cmos[MC146818_MINUTES_ALARM], false, 60);
	int as = rtc_alarm_field(rtc, rtc->cmos[MC146818_SECONDS_ALARM], false, 60);
	u32 h0 = tod / 3600, m0 = tod / 60 % 60, s0 = tod % 60;
	u32 dh, m, mlo, mhi, slo, s;

	for (dh = 0; dh <= 24; dh++) {
		if (ah >= 0 && (u32)ah != (h0 + dh) % 24)
			continue;
		mlo = dh ? 0 : m0;
		mhi = 59;
		if (am >= 0) {
			if ((u32)am < mlo || am > 59)
				continue;
			mlo = mhi = am;
		}
		for (m = mlo; m <= mhi; m++) {
			slo = (!dh && m == m0) ? s0 + 1 : 0;
			if (as >= 0) {
				if ((u32)as < slo || as > 59)
					continue;
				s = as;
			} else {
				if (slo > 59)
					continue;
				s = slo;
			}
			return (h0 + dh) * 3600 + m * 60 + s - tod;
		}
	}
	return 0;
}

/* Latch the flags of the events between flags_ns and now (old settings). */
static void rtc_catch_up(struct mc146818 *rtc, u64 now)
{
	u64 a, b, sa, sb, sec;
	u32 period, delta;

	if (now <= rtc->flags_ns)
		return;
	if (!rtc_running(rtc)) {
		rtc->flags_ns = now;
		return;
	}
	a = rtc_ticks(rtc, rtc->flags_ns);
	b = rtc_ticks(rtc, now);
	period = rtc_period_ticks(rtc);
	if (period && b / period > a / period)
		rtc->flags |= MC146818_C_PF;
	sa = a / RTC_HZ;
	sb = b / RTC_HZ;
	if (!(rtc->reg_b & MC146818_B_SET) && sb > sa) {
		rtc->flags |= MC146818_C_UF;
		sec = rtc->origin_sec + sa;
		delta = rtc_alarm_delta(rtc, sec % RTC_SEC_PER_DAY);
		if (delta && sa + delta <= sb)
			rtc->flags |= MC146818_C_AF;
	}
	rtc->flags_ns = now;
}

static bool rtc_irqf(const struct mc146818 *rtc)
{
	u8 en = rtc->reg_b & (MC146818_B_PIE | MC146818_B_AIE | MC146818_B_UIE);

	/* PIE/AIE/UIE sit at the same bit positions as PF/AF/UF. */
	BUILD_BUG_ON(MC146818_B_PIE != MC146818_C_PF ||
		     MC146818_B_AIE != MC146818_C_AF ||
		     MC146818_B_UIE != MC146818_C_UF);
	return rtc->flags & en;
}

/* The biased time of the next event that would raise IRQ 8. */
static u64 rtc_next_event(const struct mc146818 *rtc, u64 now)
{
	u64 t = rtc_ticks(rtc, now), best = RTC_NO_DEADLINE, sb, d;
	u32 period = rtc_period_ticks(rtc), delta;

	if (!rtc_running(rtc))
		return RTC_NO_DEADLINE;
	if ((rtc->reg_b & MC146818_B_PIE) && period)
		best = rtc->origin_ns +
		       vmm_ticks_to_ns((t / period + 1) * period, RTC_HZ);
	if (rtc->reg_b & MC146818_B_SET)
		return best;
	sb = (now - rtc->origin_ns) / VMM_NSEC_PER_SEC;
	if (rtc->reg_b & MC146818_B_UIE) {
		d = rtc->origin_ns + (sb + 1) * VMM_NSEC_PER_SEC;
		if (d < best)
			best = d;
	}
	if (rtc->reg_b & MC146818_B_AIE) {
		delta = rtc_alarm_delta(rtc, (rtc->origin_sec + sb) % RTC_SEC_PER_DAY);
		d = rtc->origin_ns + (sb + delta) * VMM_NSEC_PER_SEC;
		if (delta && d < best)
			best = d;
	}
	return best;
}

/* Drive IRQ 8 from IRQF and arm the timer for the next event. */
static void rtc_update_irq(struct mc146818 *rtc, u64 now)
{
	bool level = rtc_irqf(rtc);
	u64 next = RTC_NO_DEADLINE;

	if (level != rtc->irq_level) {
		rtc->irq_level = level;
		if (rtc->ops->set_irq)
			rtc->ops->set_irq(rtc->opaque, MC146818_IRQ, level);
	}
	/* While IRQ 8 is high nothing more can be signalled. */
	if (!level)
		next = rtc_next_event(rtc, now);
	if (next == RTC_NO_DEADLINE) {
		if (rtc->timer_armed)
			rtc->time_ops->timer_cancel(rtc->host, &rtc->timer);
		rtc->timer_armed = false;
		return;
	}
	if (rtc->timer_armed && rtc->deadline == next)
		return;
	rtc->timer_armed = true;
	rtc->deadline = next;
	rtc->time_ops->timer_arm(rtc->host, &rtc->timer, next - RTC_BIAS_NS);
}

/* ---- registers ---- */

static bool rtc_is_clock_reg(unsigned int idx)
{
	return idx <= MC146818_YEAR || idx == MC146818_CENTURY;
}

static bool rtc_uip(const struct mc146818 *rtc, u64 now)
{
	if (rtc_held(rtc))
		return false;
	return rtc_ticks(rtc, now) % RTC_HZ >= RTC_HZ - MC146818_UIP_TICKS;
}

static u8 rtc_read_reg(struct mc146818 *rtc, unsigned int idx, u64 now)
{
	u8 val;

	switch (idx) {
	case MC146818_REG_A:
		return rtc->reg_a | (rtc_uip(rtc, now) ? MC146818_A_UIP : 0);
	case MC146818_REG_B:
		return rtc->reg_b;
	case MC146818_REG_C:
		val = rtc->flags | (rtc_irqf(rtc) ? MC146818_C_IRQF : 0);
		rtc->flags = 0;
		return val;
	case MC146818_REG_D:
		return MC146818_D_VRT;
	}
	if (rtc_is_clock_reg(idx) && !rtc_held(rtc) &&
	    idx != MC146818_SECONDS_ALARM && idx != MC146818_MINUTES_ALARM &&
	    idx != MC146818_HOURS_ALARM)
		rtc_store_clock(rtc, rtc_clock_sec(rtc, now));
	return rtc->cmos[idx];
}

/* A write to A or B: handle the clock freezing and thawing. */
static void rtc_write_control(struct mc146818 *rtc, unsigned int idx, u8 val,
			      u64 now)
{
	bool was_held = rtc_held(rtc), was_running = rtc_running(rtc);
	u64 sec = was_held ? 0 : rtc_clock_sec(rtc, now);

	if (idx == MC146818_REG_A) {
		rtc->reg_a = val & ~MC146818_A_UIP;
	} else {
		if (val & MC146818_B_SET)
			val &= ~MC146818_B_UIE;
		rtc->reg_b = val;
	}
	if (!was_running && rtc_running(rtc)) {
		/* Divider restarted: the first update comes 500 ms later. */
		rtc->origin_ns = now - RTC_RESTART_NS;
		rtc->flags_ns = now;
	}
	if (!was_held && rtc_held(rtc))
		rtc_store_clock(rtc, sec);
	else if (was_held && !rtc_held(rtc))
		rtc_rebase(rtc, now, rtc_parse_clock(rtc));
}

static void rtc_write_reg(struct mc146818 *rtc, unsigned int idx, u8 val,
			  u64 now)
{
	switch (idx) {
	case MC146818_REG_A:
	case MC146818_REG_B:
		rtc_write_control(rtc, idx, val, now);
		return;
	case MC146818_REG_C:
	case MC146818_REG_D:
		return;		/* read-only */
	case MC146818_SECONDS_ALARM:
	case MC146818_MINUTES_ALARM:
	case MC146818_HOURS_ALARM:
		rtc->cmos[idx] = val;
		return;
	}
	if (!rtc_is_clock_reg(idx) || rtc_held(rtc)) {
		rtc->cmos[idx] = val;
		return;
	}
	/* A running clock is set at once, keeping the divider phase. */
	rtc_store_clock(rtc, rtc_clock_sec(rtc, now));
	rtc->cmos[idx] = val;
	rtc_rebase(rtc, now, rtc_parse_clock(rtc));
}

void mc146818_init(struct mc146818 *rtc, const struct mc146818_ops *ops,
		   const struct vmm_time_ops *time_ops, void *host, void *opaque,
		   u64 base_epoch_sec)
{
	memset(rtc, 0, sizeof(*rtc));
	vmm_lock_init(&rtc->lock);
	rtc->ops = ops ? ops : &rtc_null_ops;
	rtc->time_ops = time_ops;
	rtc->host = host;
	rtc->opaque = opaque;
	rtc->reg_a = MC146818_A_DV_32K | 0x06;		/* 1024 Hz */
	rtc->reg_b = MC146818_B_24H;
	rtc->origin_ns = rtc_now(rtc);
	rtc->origin_sec = rtc_epoch_days() * RTC_SEC_PER_DAY + base_epoch_sec;
	rtc->flags_ns = rtc->origin_ns;
	vmm_timer_setup(&rtc->timer, mc146818_timer_fire, rtc);
}

u8 mc146818_read(struct mc146818 *rtc, u16 port)
{
	unsigned long flags = 0;
	u64 now;
	u8 val;

	if (port != MC146818_PORT_DATA)
		return 0xff;	/* the index register is write-only */
	vmm_lock(&rtc->lock, flags);
	now = rtc_now(rtc);
	rtc_catch_up(rtc, now);
	val = rtc_read_reg(rtc, rtc->index, now);
	rtc_update_irq(rtc, now);
	vmm_unlock(&rtc->lock, flags);
	return val;
}

void mc146818_write(struct mc146818 *rtc, u16 port, u8 val)
{
	unsigned long flags = 0;
	u64 now;

	vmm_lock(&rtc->lock, flags);
	if (port == MC146818_PORT_INDEX) {
		rtc->index = val & MC146818_INDEX_MASK;
		rtc->nmi_masked = val & MC146818_NMI_DISABLE;
	} else if (port == MC146818_PORT_DATA) {
		now = rtc_now(rtc);
		rtc_catch_up(rtc, now);
		rtc_write_reg(rtc, rtc->index, val, now);
		rtc_update_irq(rtc, now);
	}
	vmm_unlock(&rtc->lock, flags);
}

static bool rtc_nvram_index_ok(unsigned int index)
{
	return index >= MC146818_FIRST_NVRAM && index < MC146818_NVRAM_SIZE &&
	       index != MC146818_CENTURY;
}

void mc146818_nvram_set(struct mc146818 *rtc, unsigned int index, u8 val)
{
	unsigned long flags = 0;

	if (!rtc_nvram_index_ok(index))
		return;
	vmm_lock(&rtc->lock, flags);
	rtc->cmos[index] = val;
	vmm_unlock(&rtc->lock, flags);
}

u8 mc146818_nvram_get(struct mc146818 *rtc, unsigned int index)
{
	unsigned long flags = 0;
	u8 val;

	if (!rtc_nvram_index_ok(index))
		return 0;
	vmm_lock(&rtc->lock, flags);
	val = rtc->cmos[index];
	vmm_unlock(&rtc->lock, flags);
	return val;
}

bool mc146818_nmi_masked(struct mc146818 *rtc)
{
	unsigned long flags = 0;
	bool masked;

	vmm_lock(&rtc->lock, flags);
	masked = rtc->nmi_masked;
	vmm_unlock(&rtc->lock, flags);
	return masked;
}

void mc146818_timer_fire(void *dev)
{
	struct mc146818 *rtc = dev;
	unsigned long flags = 0;
	u64 now;

	vmm_lock(&rtc->lock, flags);
	rtc->timer_armed = false;
	now = rtc_now(rtc);
	rtc_catch_up(rtc, now);
	rtc_update_irq(rtc, now);
	vmm_unlock(&rtc->lock, flags);
}
