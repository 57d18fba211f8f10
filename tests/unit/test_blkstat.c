// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the per-disk request statistics (module/core/blkstat.c). */
#include <stdlib.h>
#include <string.h>
#include "ktap.h"
#include "blkstat.h"

static struct blk_req mkreq(u8 op, u64 len, u64 notify, u64 submit, u64 issue,
			    u64 done, u64 irq)
{
	struct blk_req r;

	memset(&r, 0, sizeof(r));
	r.op = op;
	r.offset = 4096;
	r.len = len;
	r.t[BLK_T_NOTIFY] = notify;
	r.t[BLK_T_SUBMIT] = submit;
	r.t[BLK_T_ISSUE] = issue;
	r.t[BLK_T_DONE] = done;
	r.t[BLK_T_IRQ] = irq;
	return r;
}

/* One request through every point: each stage, the sum, the counters. */
static int test_stages(void)
{
	struct blkstat *s = calloc(1, sizeof(*s));
	struct blk_req r = mkreq(BLK_OP_READ, 4096, 1000, 1300, 1400, 9400, 9500);
	struct blkstat_op *o = &s->op[BLK_OP_READ];
	int ok = 1;

	blkstat_submitted(s, &r);
	ok &= KTAP_EXPECT(s->inflight == 1);
	blkstat_done(s, &r, 0);
	ok &= KTAP_EXPECT(s->inflight == 0);
	blkstat_end(s, &r, 4096, 0);
	ok &= KTAP_EXPECT(o->requests == 1 && o->bytes == 4096 && !o->errors);
	ok &= KTAP_EXPECT(o->st[VMM_DISK_ST_PARSE].total == 300);
	ok &= KTAP_EXPECT(o->st[VMM_DISK_ST_QUEUE].total == 100);
	ok &= KTAP_EXPECT(o->st[VMM_DISK_ST_HOST].total == 8000);
	ok &= KTAP_EXPECT(o->st[VMM_DISK_ST_IRQ].total == 100);
	ok &= KTAP_EXPECT(o->st[VMM_DISK_ST_TOTAL].total == 8500);
	ok &= KTAP_EXPECT(o->st[VMM_DISK_ST_ACK].count == 0 && s->ack_n == 1);
	blkstat_ack(s, 10500);
	ok &= KTAP_EXPECT(o->st[VMM_DISK_ST_ACK].count == 1 &&
			  o->st[VMM_DISK_ST_ACK].total == 1000 && s->ack_n == 0);
	/* a second ack with nothing pending records nothing */
	blkstat_ack(s, 20000);
	ok &= KTAP_EXPECT(o->st[VMM_DISK_ST_ACK].count == 1);
	/* stages telescope: their sum is the total */
	ok &= KTAP_EXPECT(o->st[VMM_DISK_ST_PARSE].total + o->st[VMM_DISK_ST_QUEUE].total +
			  o->st[VMM_DISK_ST_HOST].total + o->st[VMM_DISK_ST_IRQ].total ==
			  o->st[VMM_DISK_ST_TOTAL].total);
	ok &= KTAP_EXPECT(o->st[VMM_DISK_ST_HOST].hist[12] == 1);	/* 8000 ns */
	free(s);
	return ok;
}

/* Untimed points (timing off, a backend without ISSUE, clock going back). */
static int test_untimed(void)
{
	struct blkstat *s = calloc(1, sizeof(*s));
	struct blk_req r = mkreq(BLK_OP_WRITE, 512, 0, 0, 0, 0, 0);
	struct blkstat_op *o = &s->op[BLK_OP_WRITE];
	unsigned int i;
	int ok = 1;

	blkstat_submitted(s, &r);
	blkstat_done(s, &r, -5);
	blkstat_end(s, &r, 0, -5);
	ok &= KTAP_EXPECT(o->requests == 1 && o->errors == 1 && !o->bytes);
	for (i = 0; i < VMM_DISK_NR_STAGES; i++)
		ok &= KTAP_EXPECT(o->st[i].count == 0);
	ok &= KTAP_EXPECT(s->ack_n == 0);
	/* no ISSUE: no QUEUE stage, HOST counts from the submit */
	r = mkreq(BLK_OP_WRITE, 512, 100, 200, 0, 700, 800);
	blkstat_end(s, &r, 512, 0);
	ok &= KTAP_EXPECT(o->st[VMM_DISK_ST_QUEUE].count == 0);
	ok &= KTAP_EXPECT(o->st[VMM_DISK_ST_HOST].total == 500);
	/* a point before its predecessor is skipped, not a huge number */
	r = mkreq(BLK_OP_WRITE, 512, 900, 800, 0, 1000, 1100);
	blkstat_end(s, &r, 512, 0);
	ok &= KTAP_EXPECT(o->st[VMM_DISK_ST_PARSE].count == 1);
	ok &= KTAP_EXPECT(o->st[VMM_DISK_ST_TOTAL].count == 2);
	ok &= KTAP_EXPECT(o->st[VMM_DISK_ST_TOTAL].max == 700);
	/* inflight never wraps below zero */
	blkstat_done(s, &r, 0);
	ok &= KTAP_EXPECT(s->inflight == 0);
	/* an op out of range is counted as a read, never out of bounds */
	r = mkreq(200, 512, 1, 2, 3, 4, 5);
	blkstat_end(s, &r, 512, 0);
	ok &= KTAP_EXPECT(s->op[BLK_OP_READ].requests == 1);
	/* an ack with the clock off drops what waits */
	blkstat_ack(s, 0);
	ok &= KTAP_EXPECT(s->ack_n == 0 &&
			  s->op[BLK_OP_READ].st[VMM_DISK_ST_ACK].count == 0);
	free(s);
	return ok;
}

/* More completions than the ring holds before one ack: the oldest go. */
static int test_ack_ring(void)
{
	struct blkstat *s = calloc(1, sizeof(*s));
	struct blkstat_op *o = &s->op[BLK_OP_READ];
	struct blk_req r;
	unsigned int i;
	int ok = 1;

	for (i = 0; i < BLKSTAT_ACK_MAX + 6; i++) {
		r = mkreq(BLK_OP_READ, 512, 10, 20, 30, 40, 1000 + i);
		blkstat_end(s, &r, 512, 0);
	}
	ok &= KTAP_EXPECT(s->ack_n == BLKSTAT_ACK_MAX && s->ack_lost == 6);
	blkstat_ack(s, 5000);
	ok &= KTAP_EXPECT(o->st[VMM_DISK_ST_ACK].count == BLKSTAT_ACK_MAX);
	/* the ones kept are the newest: irq 1006 .. 1069 */
	ok &= KTAP_EXPECT(o->st[VMM_DISK_ST_ACK].max == 5000 - 1006);
	ok &= KTAP_EXPECT(o->st[VMM_DISK_ST_ACK].min == 5000 - (1000 + BLKSTAT_ACK_MAX + 5));
	/* the ring works again after wrapping */
	r = mkreq(BLK_OP_READ, 512, 10, 20, 30, 40, 6000);
	blkstat_end(s, &r, 512, 0);
	blkstat_ack(s, 6100);
	ok &= KTAP_EXPECT(o->st[VMM_DISK_ST_ACK].count == BLKSTAT_ACK_MAX + 1 &&
			  o->st[VMM_DISK_ST_ACK].min == 100);
	free(s);
	return ok;
}

static struct blkstat_ev seen[16];
static unsigned int nseen;

static void hook(void *opaque, const struct blkstat_ev *ev)
{
	(void)opaque;
	if (nseen < 16)
		seen[nseen++] = *ev;
}

static int test_trace(void)
{
	struct blkstat *s = calloc(1, sizeof(*s));
	struct blk_req r = mkreq(BLK_OP_FLUSH, 0, 100, 150, 0, 1150, 1200);
	int ok = 1;

	s->trace = hook;
	nseen = 0;
	blkstat_submitted(s, &r);
	blkstat_done(s, &r, 0);
	blkstat_end(s, &r, 0, 0);
	blkstat_ack(s, 1700);
	ok &= KTAP_EXPECT(nseen == 4);
	ok &= KTAP_EXPECT(seen[0].point == BLKSTAT_EV_SUBMIT && seen[0].lat_ns == 50);
	ok &= KTAP_EXPECT(seen[1].point == BLKSTAT_EV_DONE && seen[1].lat_ns == 1000 &&
			  seen[1].total_ns == 1050);
	ok &= KTAP_EXPECT(seen[2].point == BLKSTAT_EV_IRQ && seen[2].lat_ns == 50 &&
			  seen[2].total_ns == 1100);
	ok &= KTAP_EXPECT(seen[3].point == BLKSTAT_EV_ACK && seen[3].lat_ns == 500 &&
			  seen[3].op == BLK_OP_FLUSH);
	ok &= KTAP_EXPECT(seen[2].op == BLK_OP_FLUSH && seen[2].offset == 4096);
	free(s);
	return ok;
}

static int test_export(void)
{
	struct blkstat *s = calloc(1, sizeof(*s));
	struct vmm_disk_stat *a = calloc(1, sizeof(*a)), *sum = calloc(1, sizeof(*sum));
	struct blk_req r = mkreq(BLK_OP_READ, 4096, 1000, 1100, 0, 3100, 3200);
	int ok = 1;

	blkstat_end(s, &r, 4096, 0);
	r = mkreq(BLK_OP_READ, 4096, 1000, 1500, 0, 2500, 2600);
	blkstat_end(s, &r, 4096, 0);
	blkstat_submitted(s, &r);
	blkstat_export(s, a);
	ok &= KTAP_EXPECT(a->op[VMM_DISK_OP_READ].requests == 2 &&
			  a->op[VMM_DISK_OP_READ].bytes == 8192);
	ok &= KTAP_EXPECT(a->op[VMM_DISK_OP_READ].stage[VMM_DISK_ST_PARSE].min_ns == 100 &&
			  a->op[VMM_DISK_OP_READ].stage[VMM_DISK_ST_PARSE].max_ns == 500);
	ok &= KTAP_EXPECT(a->op[VMM_DISK_OP_WRITE].stage[VMM_DISK_ST_PARSE].min_ns == 0);
	ok &= KTAP_EXPECT(a->inflight == 1);
	/* sums: an empty side changes nothing, min/max combine */
	blkstat_export_add(sum, a);
	blkstat_export_add(sum, a);
	ok &= KTAP_EXPECT(sum->op[VMM_DISK_OP_READ].requests == 4 && sum->inflight == 2);
	ok &= KTAP_EXPECT(sum->op[VMM_DISK_OP_READ].stage[VMM_DISK_ST_PARSE].min_ns == 100);
	ok &= KTAP_EXPECT(sum->op[VMM_DISK_OP_READ].stage[VMM_DISK_ST_TOTAL].total_ns ==
			  2 * (2200 + 1600));
	ok &= KTAP_EXPECT(sum->op[VMM_DISK_OP_WRITE].stage[VMM_DISK_ST_PARSE].count == 0 &&
			  sum->op[VMM_DISK_OP_WRITE].stage[VMM_DISK_ST_PARSE].min_ns == 0);
	free(s);
	free(a);
	free(sum);
	return ok;
}

int main(void)
{
	ktap_begin("blkstat", 5);
	ktap_result(test_stages(), "stages_of_one_request");
	ktap_result(test_untimed(), "untimed_points_skipped");
	ktap_result(test_ack_ring(), "ack_ring_overflow");
	ktap_result(test_trace(), "trace_hook_points");
	ktap_result(test_export(), "export_and_sum");
	return ktap_end();
}
