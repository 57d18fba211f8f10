// SPDX-License-Identifier: GPL-2.0
/*
 * Exit statistics: merging, export to the uapi layout, reason names.
 */
#include "stats.h"

static const char * const vmm_stat_names[VMM_STAT_NR_REASONS] = {
	[VMM_STAT_CPUID]	= "cpuid",
	[VMM_STAT_HLT]		= "hlt",
	[VMM_STAT_IO]		= "io",
	[VMM_STAT_MSR_READ]	= "msr_read",
	[VMM_STAT_MSR_WRITE]	= "msr_write",
	[VMM_STAT_MMIO]		= "mmio",
	[VMM_STAT_NPF]		= "npf",
	[VMM_STAT_EXTINT]	= "extint",
	[VMM_STAT_NMI]		= "nmi",
	[VMM_STAT_SHUTDOWN]	= "shutdown",
	[VMM_STAT_HYPERCALL]	= "hypercall",
	[VMM_STAT_INVALID_OP]	= "invalid_op",
	[VMM_STAT_EXCEPTION]	= "exception",
	[VMM_STAT_INTR_WINDOW]	= "intr_window",
	[VMM_STAT_XSETBV]	= "xsetbv",
	[VMM_STAT_CR_ACCESS]	= "cr_access",
	[VMM_STAT_PAUSE]	= "pause",
	[VMM_STAT_INVD]		= "invd",
	[VMM_STAT_TASK_SWITCH]	= "task_switch",
	[VMM_STAT_ENTRY_FAIL]	= "entry_fail",
	[VMM_STAT_OTHER]	= "other",
};

const char *vmm_stat_reason_name(unsigned int reason)
{
	if (reason >= VMM_STAT_NR_REASONS || !vmm_stat_names[reason])
		return "?";
	return vmm_stat_names[reason];
}

void vmm_stat_entry_merge(struct vmm_stat_entry *d,
			  const struct vmm_stat_entry *s)
{
	unsigned int b;

	if (!s->count)
		return;
	if (!d->count || s->min < d->min)
		d->min = s->min;
	if (s->max > d->max)
		d->max = s->max;
	d->count += s->count;
	d->total += s->total;
	for (b = 0; b < VMM_STAT_HIST_BUCKETS; b++)
		d->hist[b] += s->hist[b];
}

void vmm_stats_merge(struct vmm_stats *dst, const struct vmm_stats *src)
{
	unsigned int i;

	for (i = 0; i < VMM_STAT_NR_REASONS; i++)
		vmm_stat_entry_merge(&dst->e[i], &src->e[i]);
	dst->runs += src->runs;
	dst->user_exits += src->user_exits;
	dst->total_exits += src->total_exits;
}

unsigned int vmm_stats_export(const struct vmm_stats *s,
			      struct vmm_exit_stat *out, unsigned int n)
{
	unsigned int i, b;

	if (n > VMM_STAT_NR_REASONS)
		n = VMM_STAT_NR_REASONS;
	for (i = 0; i < n; i++) {
		const struct vmm_stat_entry *e = &s->e[i];

		out[i].reason = i;
		out[i].pad = 0;
		out[i].count = e->count;
		out[i].total_cycles = e->total;
		out[i].min_cycles = e->count ? e->min : 0;
		out[i].max_cycles = e->max;
		for (b = 0; b < VMM_STAT_HIST_BUCKETS; b++)
			out[i].hist[b] = e->hist[b];
	}
	return VMM_STAT_NR_REASONS;
}
