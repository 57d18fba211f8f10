/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exit statistics per arch-neutral exit reason (enum vmm_exit_stat_reason).
 * One struct vmm_stats per vCPU, written only by the thread running it, so
 * recording takes no lock; readers merge snapshots (torn reads of a
 * running vCPU's counters are acceptable for statistics).
 * A zeroed struct vmm_stats is empty and valid.
 */
#ifndef VMM_CORE_STATS_H
#define VMM_CORE_STATS_H

#include "host.h"
#include "../../uapi/vmm.h"

struct vmm_stat_entry {
	u64 count;
	u64 total;		/* sum of cycles */
	u64 min;		/* meaningful only when count != 0 */
	u64 max;
	u64 hist[VMM_STAT_HIST_BUCKETS];
};

struct vmm_stats {
	struct vmm_stat_entry e[VMM_STAT_NR_REASONS];
	u64 runs;		/* VMM_RUN calls: the caller counts these */
	u64 user_exits;		/* returns to userspace: the caller counts these */
	u64 total_exits;	/* counted by vmm_stats_record() */
};

/* log2 bucket: bucket i holds [2^i, 2^(i+1)); bucket 0 also 0 and 1. */
static inline unsigned int vmm_stat_bucket(u64 cycles)
{
	unsigned int b = 63 - __builtin_clzll(cycles | 1);

	return b < VMM_STAT_HIST_BUCKETS ? b : VMM_STAT_HIST_BUCKETS - 1;
}

/* One sample into an entry (exit cycles, disk stage ns, ...). */
static inline void vmm_stat_entry_add(struct vmm_stat_entry *e, u64 v)
{
	e->count++;
	e->total += v;
	if (v < e->min || e->count == 1)
		e->min = v;
	if (v > e->max)
		e->max = v;
	e->hist[vmm_stat_bucket(v)]++;
}

/* dst += src (min/max combined; an empty src changes nothing). */
void vmm_stat_entry_merge(struct vmm_stat_entry *dst,
			  const struct vmm_stat_entry *src);

/* Hot path: one exit of the given reason that took cycles to handle. */
static inline void vmm_stats_record(struct vmm_stats *s, unsigned int reason,
				    u64 cycles)
{
	if (unlikely(reason >= VMM_STAT_NR_REASONS))
		reason = VMM_STAT_OTHER;
	vmm_stat_entry_add(&s->e[reason], cycles);
	s->total_exits++;
}

static inline void vmm_stats_reset(struct vmm_stats *s)
{
	memset(s, 0, sizeof(*s));
}

/* dst += src (sums; min/max combined; empty entries ignored). */
void vmm_stats_merge(struct vmm_stats *dst, const struct vmm_stats *src);

/*
 * Fill out[0..min(n, VMM_STAT_NR_REASONS)-1] (out[i].reason == i, min 0
 * when count is 0, pad zeroed). Returns VMM_STAT_NR_REASONS.
 */
unsigned int vmm_stats_export(const struct vmm_stats *s,
			      struct vmm_exit_stat *out, unsigned int n);

/* "cpuid", "hlt", "io", ... "other"; "?" when reason is out of range. */
const char *vmm_stat_reason_name(unsigned int reason);

#endif /* VMM_CORE_STATS_H */
