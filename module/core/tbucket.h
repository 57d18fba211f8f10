/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A token bucket: a rate limit that lets a burst through after idle time.
 *
 * The bucket fills at rate tokens a second up to burst tokens. Something
 * that costs c tokens may go once the bucket holds min(c, burst) of them,
 * and then takes all c: the level may go below zero (a debt the refill
 * pays back first), so a cost larger than the bucket still passes, and
 * over any long interval what passes is rate * time + burst at most.
 *
 * Pure arithmetic on a caller's clock (ns, never going backwards); no
 * locks: the caller serializes. Levels are kept in nano-tokens (tokens
 * times 1e9), which makes a refill one multiplication, exact for any
 * rate. The limits below keep every intermediate inside 63 bits.
 */
#ifndef VMM_CORE_TBUCKET_H
#define VMM_CORE_TBUCKET_H

#include "host.h"

#define TBUCKET_MAX_RATE	(1ULL << 40)	/* tokens a second */
#define TBUCKET_MAX_BURST	(1ULL << 32)	/* tokens */
#define TBUCKET_MAX_COST	(1ULL << 32)	/* tokens one take may cost */

struct tbucket {
	u64 rate;		/* tokens a second; 0: no limit */
	u64 burst;		/* tokens the bucket holds, >= 1 when limited */
	s64 level;		/* nano-tokens; < 0: a debt */
	u64 last_ns;		/* when level was last brought up to date */
};

/*
 * Set the limit (rate 0: none). A new limit starts full; changing a limit
 * keeps the level, at most the new burst. Values past the TBUCKET_MAX_*
 * limits are clamped, a burst of 0 becomes 1: check what users ask first.
 */
void tbucket_set(struct tbucket *tb, u64 rate, u64 burst, u64 now_ns);
/* Nanoseconds until something costing cost may go; 0: now. */
u64 tbucket_wait_ns(struct tbucket *tb, u64 cost, u64 now_ns);
/* Take cost tokens (after tbucket_wait_ns() said 0). */
void tbucket_take(struct tbucket *tb, u64 cost);

static inline bool tbucket_limited(const struct tbucket *tb)
{
	return tb->rate != 0;
}

#endif /* VMM_CORE_TBUCKET_H */
