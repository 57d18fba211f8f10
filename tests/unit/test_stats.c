// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the exit statistics (module/core/stats.c). */
#include <stdlib.h>
#include "ktap.h"
#include "stats.h"

static int test_buckets(void)
{
	int ok = 1;

	ok &= KTAP_EXPECT(vmm_stat_bucket(0) == 0);
	ok &= KTAP_EXPECT(vmm_stat_bucket(1) == 0);
	ok &= KTAP_EXPECT(vmm_stat_bucket(2) == 1);
	ok &= KTAP_EXPECT(vmm_stat_bucket(3) == 1);
	ok &= KTAP_EXPECT(vmm_stat_bucket(4) == 2);
	ok &= KTAP_EXPECT(vmm_stat_bucket(1023) == 9);
	ok &= KTAP_EXPECT(vmm_stat_bucket(1024) == 10);
	ok &= KTAP_EXPECT(vmm_stat_bucket((1ull << 31) + 5) == 31);
	ok &= KTAP_EXPECT(vmm_stat_bucket(1ull << 32) == VMM_STAT_HIST_BUCKETS - 1);
	ok &= KTAP_EXPECT(vmm_stat_bucket(~0ull) == VMM_STAT_HIST_BUCKETS - 1);
	return ok;
}

static int test_record(void)
{
	struct vmm_stats *s = calloc(1, sizeof(*s));
	struct vmm_stat_entry *e = &s->e[VMM_STAT_IO];
	int ok = 1;

	vmm_stats_record(s, VMM_STAT_IO, 100);
	ok &= KTAP_EXPECT(e->count == 1 && e->min == 100 && e->max == 100);
	vmm_stats_record(s, VMM_STAT_IO, 0);
	vmm_stats_record(s, VMM_STAT_IO, 5000);
	ok &= KTAP_EXPECT(e->count == 3 && e->total == 5100);
	ok &= KTAP_EXPECT(e->min == 0 && e->max == 5000);
	ok &= KTAP_EXPECT(e->hist[0] == 1 && e->hist[6] == 1 && e->hist[12] == 1);
	/* Out-of-range reasons count as "other". */
	vmm_stats_record(s, VMM_STAT_NR_REASONS, 7);
	vmm_stats_record(s, 12345, 1ull << 40);
	ok &= KTAP_EXPECT(s->e[VMM_STAT_OTHER].count == 2);
	ok &= KTAP_EXPECT(s->e[VMM_STAT_OTHER].min == 7);
	ok &= KTAP_EXPECT(s->e[VMM_STAT_OTHER].hist[VMM_STAT_HIST_BUCKETS - 1] == 1);
	ok &= KTAP_EXPECT(s->total_exits == 5);
	ok &= KTAP_EXPECT(s->e[VMM_STAT_CPUID].count == 0);
	free(s);
	return ok;
}

static int test_merge(void)
{
	struct vmm_stats *a = calloc(1, sizeof(*a));
	struct vmm_stats *b = calloc(1, sizeof(*b));
	struct vmm_stats *t = calloc(1, sizeof(*t));
	int ok = 1;

	vmm_stats_record(a, VMM_STAT_HLT, 50);
	vmm_stats_record(a, VMM_STAT_HLT, 70);
	vmm_stats_record(b, VMM_STAT_HLT, 20);
	vmm_stats_record(b, VMM_STAT_HLT, 300);
	vmm_stats_record(b, VMM_STAT_CPUID, 9);
	a->runs = 3;
	b->runs = 4;
	a->user_exits = 1;
	b->user_exits = 2;
	/* Merging into an empty total must take min from the source. */
	vmm_stats_merge(t, a);
	ok &= KTAP_EXPECT(t->e[VMM_STAT_HLT].min == 50);
	vmm_stats_merge(t, b);
	ok &= KTAP_EXPECT(t->e[VMM_STAT_HLT].count == 4);
	ok &= KTAP_EXPECT(t->e[VMM_STAT_HLT].total == 440);
	ok &= KTAP_EXPECT(t->e[VMM_STAT_HLT].min == 20);
	ok &= KTAP_EXPECT(t->e[VMM_STAT_HLT].max == 300);
	ok &= KTAP_EXPECT(t->e[VMM_STAT_HLT].hist[4] == 1);	/* 20 */
	ok &= KTAP_EXPECT(t->e[VMM_STAT_HLT].hist[5] == 1);	/* 50 */
	ok &= KTAP_EXPECT(t->e[VMM_STAT_HLT].hist[6] == 1);	/* 70 */
	ok &= KTAP_EXPECT(t->e[VMM_STAT_HLT].hist[8] == 1);	/* 300 */
	ok &= KTAP_EXPECT(t->e[VMM_STAT_CPUID].count == 1 &&
			  t->e[VMM_STAT_CPUID].min == 9);
	ok &= KTAP_EXPECT(t->runs == 7 && t->user_exits == 3 && t->total_exits == 5);
	/* An empty source changes nothing, in particular not min. */
	memset(b, 0, sizeof(*b));
	vmm_stats_merge(t, b);
	ok &= KTAP_EXPECT(t->e[VMM_STAT_HLT].min == 20 && t->e[VMM_STAT_HLT].count == 4);
	free(a);
	free(b);
	free(t);
	return ok;
}

static int test_export(void)
{
	struct vmm_stats *s = calloc(1, sizeof(*s));
	struct vmm_exit_stat out[VMM_STAT_NR_REASONS + 2];
	int ok = 1;
	unsigned int i;

	vmm_stats_record(s, VMM_STAT_MMIO, 1000);
	vmm_stats_record(s, VMM_STAT_MMIO, 3000);
	memset(out, 0xaa, sizeof(out));
	ok &= KTAP_EXPECT(vmm_stats_export(s, out, 3) == VMM_STAT_NR_REASONS);
	ok &= KTAP_EXPECT(out[2].reason == 2 && out[2].count == 0);
	ok &= KTAP_EXPECT(out[3].reason == 0xaaaaaaaa);		/* untouched */
	ok &= KTAP_EXPECT(vmm_stats_export(s, out, 0) == VMM_STAT_NR_REASONS);
	memset(out, 0xaa, sizeof(out));
	ok &= KTAP_EXPECT(vmm_stats_export(s, out, VMM_STAT_NR_REASONS + 2) ==
			  VMM_STAT_NR_REASONS);
	for (i = 0; i < VMM_STAT_NR_REASONS; i++)
		ok &= KTAP_EXPECT(out[i].reason == i && out[i].pad == 0);
	ok &= KTAP_EXPECT(out[VMM_STAT_NR_REASONS].reason == 0xaaaaaaaa);
	ok &= KTAP_EXPECT(out[VMM_STAT_MMIO].count == 2);
	ok &= KTAP_EXPECT(out[VMM_STAT_MMIO].total_cycles == 4000);
	ok &= KTAP_EXPECT(out[VMM_STAT_MMIO].min_cycles == 1000);
	ok &= KTAP_EXPECT(out[VMM_STAT_MMIO].max_cycles == 3000);
	ok &= KTAP_EXPECT(out[VMM_STAT_MMIO].hist[9] == 1 && out[VMM_STAT_MMIO].hist[11] == 1);
	ok &= KTAP_EXPECT(out[VMM_STAT_IO].min_cycles == 0 && out[VMM_STAT_IO].hist[0] == 0);
	free(s);
	return ok;
}

static int test_names(void)
{
	int ok = 1;
	unsigned int i, j;

	ok &= KTAP_EXPECT(!strcmp(vmm_stat_reason_name(VMM_STAT_CPUID), "cpuid"));
	ok &= KTAP_EXPECT(!strcmp(vmm_stat_reason_name(VMM_STAT_HLT), "hlt"));
	ok &= KTAP_EXPECT(!strcmp(vmm_stat_reason_name(VMM_STAT_IO), "io"));
	ok &= KTAP_EXPECT(!strcmp(vmm_stat_reason_name(VMM_STAT_MSR_READ), "msr_read"));
	ok &= KTAP_EXPECT(!strcmp(vmm_stat_reason_name(VMM_STAT_OTHER), "other"));
	ok &= KTAP_EXPECT(!strcmp(vmm_stat_reason_name(VMM_STAT_NR_REASONS), "?"));
	ok &= KTAP_EXPECT(!strcmp(vmm_stat_reason_name(~0u), "?"));
	/* Every reason has a distinct real name. */
	for (i = 0; i < VMM_STAT_NR_REASONS; i++) {
		ok &= KTAP_EXPECT(strcmp(vmm_stat_reason_name(i), "?") != 0);
		for (j = 0; j < i; j++)
			ok &= KTAP_EXPECT(strcmp(vmm_stat_reason_name(i),
						 vmm_stat_reason_name(j)) != 0);
	}
	return ok;
}

int main(void)
{
	ktap_begin("stats", 5);
	ktap_result(test_buckets(), "hist_buckets");
	ktap_result(test_record(), "record_min_max_total");
	ktap_result(test_merge(), "merge");
	ktap_result(test_export(), "export");
	ktap_result(test_names(), "names");
	return ktap_end();
}
