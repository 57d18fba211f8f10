// SPDX-License-Identifier: GPL-2.0
/*
 * Token bucket (see tbucket.h). Bounds: level <= burst * 1e9 < 2^62,
 * debt >= -cost * 1e9 > -2^62, and a refill adds at most what fills the
 * bucket, computed by a division first so that no product overflows
 * however long the bucket sat idle.
 */
#include "tbucket.h"

#define NANO	1000000000ULL

static void tbucket_refill(struct tbucket *tb, u64 now_ns)
{
	u64 full = tb->burst * NANO, elapsed, room;

	if (now_ns <= tb->last_ns)
		return;
	elapsed = now_ns - tb->last_ns;
	tb->last_ns = now_ns;
	if (tb->level >= (s64)full)
		return;
	room = full - tb->level;	/* < 2^63: level > -2^62 */
	if (elapsed >= room / tb->rate + 1)
		tb->level = full;
	else
		tb->level += elapsed * tb->rate; /* < room + rate */
	if (tb->level > (s64)full)
		tb->level = full;
}

void tbucket_set(struct tbucket *tb, u64 rate, u64 burst, u64 now_ns)
{
	bool was = tbucket_limited(tb);

	if (rate > TBUCKET_MAX_RATE)
		rate = TBUCKET_MAX_RATE;
	if (burst > TBUCKET_MAX_BURST)
		burst = TBUCKET_MAX_BURST;
	if (!burst)
		burst = 1;
	if (was)
		tbucket_refill(tb, now_ns);
	tb->rate = rate;
	tb->burst = rate ? burst : 0;
	tb->last_ns = now_ns;
	if (!rate)
		tb->level = 0;
	else if (!was || tb->level > (s64)(burst * NANO))
		tb->level = burst * NANO;
}

u64 tbucket_wait_ns(struct tbucket *tb, u64 cost, u64 now_ns)
{
	u64 need;

	if (!tbucket_limited(tb))
		return 0;
	tbucket_refill(tb, now_ns);
	if (cost > TBUCKET_MAX_COST)
		cost = TBUCKET_MAX_COST;
	need = (cost < tb->burst ? cost : tb->burst) * NANO;
	if (tb->level >= (s64)need)
		return 0;
	/* need - level < 2^63; round up so the wait is never short */
	return (need - tb->level + tb->rate - 1) / tb->rate;
}

void tbucket_take(struct tbucket *tb, u64 cost)
{
	if (!tbucket_limited(tb))
		return;
	if (cost > TBUCKET_MAX_COST)
		cost = TBUCKET_MAX_COST;
	tb->level -= (s64)(cost * NANO);
}
