// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the token bucket (module/core/tbucket.c) and the disk I/O
 * limiter in front of a block backend (module/core/blk_limit.c), on a
 * fake clock the tests advance and a fake backend they complete by hand.
 */
#include "ktap.h"
#include "fake_blk.h"
#include "tbucket.h"
#include "blk_limit.h"

#define NS	1000000000ULL

/* ---- fake clock and timer ---- */

struct fake_clock {
	u64 now;
	bool armed;
	u64 deadline;
	unsigned long arms;
};

static u64 fk_now(void *host)
{
	return ((struct fake_clock *)host)->now;
}

static void fk_arm(void *host, struct vmm_timer *t, u64 deadline)
{
	struct fake_clock *c = host;

	(void)t;
	c->armed = true;
	c->deadline = deadline;
	c->arms++;
}

static void fk_cancel(void *host, struct vmm_timer *t)
{
	(void)t;
	((struct fake_clock *)host)->armed = false;
}

static const struct vmm_time_ops fk_ops = {
	.now_ns = fk_now,
	.timer_arm = fk_arm,
	.timer_cancel = fk_cancel,
};

/* Advance to t, firing the limiter's timer each time it is due. */
static void fk_run_until(struct fake_clock *c, struct blk_limit *l, u64 t)
{
	unsigned int guard = 10000000;

	while (c->armed && c->deadline <= t && guard--) {
		if (c->deadline > c->now)
			c->now = c->deadline;
		c->armed = false;
		blk_limit_fire(l);
	}
	if (t > c->now)
		c->now = t;
}

/* ---- requests ---- */

struct treq {
	struct blk_req req;
	struct blk_seg seg;
	int done, err;
};

static void treq_done(struct blk_req *req, int error)
{
	struct treq *t = req->priv;

	t->done++;
	t->err = error;
}

static void treq_init(struct treq *t, u8 op, u64 off, u32 len)
{
	memset(t, 0, sizeof(*t));
	t->req.op = op;
	t->req.offset = off;
	t->req.len = len;
	t->seg.gpa = 0;
	t->seg.len = len;
	t->req.segs = &t->seg;
	t->req.nr_segs = len ? 1 : 0;
	t->req.done = treq_done;
	t->req.priv = t;
}

/* ---- token bucket ---- */

static int test_tbucket_rate(void)
{
	struct tbucket tb = { 0 };
	u64 t = 5 * NS, passed = 0, w;
	int ok = 1;

	ok &= KTAP_EXPECT(tbucket_wait_ns(&tb, 1, t) == 0);	/* unlimited */
	tbucket_set(&tb, 100, 10, t);
	/* full bucket: 10 at once, then one every 10 ms */
	while (!tbucket_wait_ns(&tb, 1, t)) {
		tbucket_take(&tb, 1);
		passed++;
	}
	ok &= KTAP_EXPECT(passed == 10);
	w = tbucket_wait_ns(&tb, 1, t);
	ok &= KTAP_EXPECT(w == NS / 100);
	/* one second of steady demand lets 100 more through */
	for (passed = 0; t < 6 * NS; t += 1000000) {
		while (!tbucket_wait_ns(&tb, 1, t)) {
			tbucket_take(&tb, 1);
			passed++;
		}
	}
	ok &= KTAP_EXPECT(passed >= 99 && passed <= 101);
	return ok;
}

static int test_tbucket_big_cost(void)
{
	struct tbucket tb = { 0 };
	u64 t = 0;
	int ok = 1;

	/* 1 MB/s, 64 KB bucket: a 4 MiB request goes when the bucket is full */
	tbucket_set(&tb, 1000000, 65536, t);
	ok &= KTAP_EXPECT(tbucket_wait_ns(&tb, 4 << 20, t) == 0);
	tbucket_take(&tb, 4 << 20);
	/* ... and the debt is paid before the next one: ~4.2 s */
	ok &= KTAP_EXPECT(tbucket_wait_ns(&tb, 4096, t) >= 4 * NS);
	ok &= KTAP_EXPECT(tbucket_wait_ns(&tb, 4096, t) <= 5 * NS);
	return ok;
}

static int test_tbucket_extremes(void)
{
	struct tbucket tb = { 0 };
	int ok = 1;

	/* the largest limits, a century of idle time, no overflow */
	tbucket_set(&tb, ~0ULL, ~0ULL, 0);
	ok &= KTAP_EXPECT(tb.rate == TBUCKET_MAX_RATE && tb.burst == TBUCKET_MAX_BURST);
	tbucket_take(&tb, ~0ULL);
	ok &= KTAP_EXPECT(tbucket_wait_ns(&tb, ~0ULL, 0) > 0);
	ok &= KTAP_EXPECT(tbucket_wait_ns(&tb, ~0ULL, 100ULL * 365 * 86400 * NS) == 0);
	/* the smallest: 1 a second, burst 0 means 1 */
	tbucket_set(&tb, 1, 0, 0);
	ok &= KTAP_EXPECT(tb.burst == 1);
	ok &= KTAP_EXPECT(tbucket_wait_ns(&tb, 1, 0) == 0);
	tbucket_take(&tb, 1);
	ok &= KTAP_EXPECT(tbucket_wait_ns(&tb, 1, 0) == NS);
	ok &= KTAP_EXPECT(tbucket_wait_ns(&tb, 1, NS) == 0);
	/* the clock never goes back; a stale time refills nothing */
	tbucket_take(&tb, 1);
	ok &= KTAP_EXPECT(tbucket_wait_ns(&tb, 1, NS / 2) == NS);
	/* changing the limit keeps the level, clamped to the new burst */
	tbucket_set(&tb, 10, 5, 10 * NS);
	ok &= KTAP_EXPECT(tb.level == 1 * (s64)NS);
	tbucket_set(&tb, 0, 0, 10 * NS);
	ok &= KTAP_EXPECT(!tbucket_limited(&tb) && tbucket_wait_ns(&tb, 9, 0) == 0);
	return ok;
}

/* ---- limiter ---- */

struct rig {
	struct fake_gmem g;
	struct fake_be fb;
	struct fake_clock c;
	struct blk_limit l;
};

static void rig_init(struct rig *r)
{
	memset(r, 0, sizeof(*r));
	fake_be_init(&r->fb, &r->g, 1 << 20, 512, true);
	r->fb.be.max_inflight = 64;
	r->c.now = 1000 * NS;
	blk_limit_init(&r->l, &r->fb.be, &fk_ops, &r->c);
}

static void rig_free(struct rig *r)
{
	fake_be_free(&r->fb);
}

static int test_unlimited_passthrough(void)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct treq t[4];
	int ok = 1, i;

	rig_init(r);
	ok &= KTAP_EXPECT(r->l.be.size == r->fb.be.size &&
			  r->l.be.max_inflight == 64);
	for (i = 0; i < 4; i++) {
		treq_init(&t[i], BLK_OP_READ, i * 4096, 4096);
		ok &= KTAP_EXPECT(blk_submit(&r->l.be, &t[i].req) == 0);
	}
	ok &= KTAP_EXPECT(r->fb.n == 4 && !r->c.armed && !r->l.nr_queued);
	fake_be_complete_all(&r->fb);
	for (i = 0; i < 4; i++)
		ok &= KTAP_EXPECT(t[i].done == 1 && t[i].err == 0);
	/* the inner backend's -EBUSY reaches the transport */
	r->fb.cap = 1;
	treq_init(&t[0], BLK_OP_READ, 0, 4096);
	treq_init(&t[1], BLK_OP_READ, 0, 4096);
	ok &= KTAP_EXPECT(blk_submit(&r->l.be, &t[0].req) == 0);
	ok &= KTAP_EXPECT(blk_submit(&r->l.be, &t[1].req) == -EBUSY);
	fake_be_complete_all(&r->fb);
	rig_free(r);
	free(r);
	return ok;
}

/* N IOPS for 10 s of a transport keeping 32 requests queued: 10 N +- burst. */
static int test_iops_rate(void)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct blk_limits lim = { .iops = 200 };
	static struct treq t[32];
	u64 start, done = 0, step = 100000;	/* 0.1 ms */
	int ok = 1, i;

	rig_init(r);
	blk_limit_set(&r->l, &lim);
	ok &= KTAP_EXPECT(r->l.lim.iops_burst == 20);
	start = r->c.now;
	for (i = 0; i < 32; i++) {
		treq_init(&t[i], BLK_OP_READ, i * 4096, 4096);
		ok &= KTAP_EXPECT(blk_submit(&r->l.be, &t[i].req) == 0);
	}
	ok &= KTAP_EXPECT(r->fb.n == 20 && r->l.nr_queued == 12 && r->c.armed);
	/* the vCPU side never waited: every submit returned at once */
	while (r->c.now < start + 10 * NS) {
		fk_run_until(&r->c, &r->l, r->c.now + step);
		/* the backend completes everything at once; resubmit */
		while (r->fb.n) {
			struct treq *x = r->fb.q[0]->priv;

			fake_be_complete(&r->fb, 0, 0);
			done++;
			treq_init(x, BLK_OP_READ, 0, 4096);
			ok &= KTAP_EXPECT(blk_submit(&r->l.be, &x->req) == 0);
		}
	}
	printf("# iops=200 for 10 s: %llu requests, delayed %llu, waited %llu ms\n",
	       (unsigned long long)done, (unsigned long long)r->l.st.delayed,
	       (unsigned long long)(r->l.st.delay_ns / 1000000));
	ok &= KTAP_EXPECT(done >= 2000 && done <= 2000 + 20 + 1);
	ok &= KTAP_EXPECT(r->l.st.ops == r->fb.submitted);
	/* queued stays within the transport's depth */
	ok &= KTAP_EXPECT(r->l.nr_queued + r->fb.n <= 32);
	blk_limit_shutdown(&r->l);
	r->c.armed = false;
	blk_limit_drain(&r->l);
	fake_be_complete_all(&r->fb);
	for (i = 0; i < 32; i++)
		ok &= KTAP_EXPECT(t[i].done >= 1);
	rig_free(r);
	free(r);
	return ok;
}

static int test_bps_rate(void)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct blk_limits lim = { .bps = 1 << 20, .bps_burst = 64 << 10 };
	static struct treq t[8];
	u64 start, bytes = 0;
	int ok = 1, i;

	rig_init(r);
	blk_limit_set(&r->l, &lim);
	start = r->c.now;
	for (i = 0; i < 8; i++) {
		treq_init(&t[i], i & 1 ? BLK_OP_WRITE : BLK_OP_READ, 0, 128 << 10);
		ok &= KTAP_EXPECT(blk_submit(&r->l.be, &t[i].req) == 0);
	}
	while (r->c.now < start + 5 * NS) {
		fk_run_until(&r->c, &r->l, r->c.now + 1000000);
		while (r->fb.n) {
			struct treq *x = r->fb.q[0]->priv;
			u8 op = x->req.op;

			bytes += x->req.len;
			fake_be_complete(&r->fb, 0, 0);
			treq_init(x, op, 0, 128 << 10);
			blk_submit(&r->l.be, &x->req);
		}
	}
	printf("# bps=1 MiB/s for 5 s: %llu KiB\n", (unsigned long long)(bytes >> 10));
	/* 5 MiB + the burst (one request over it may pass on a full bucket) */
	ok &= KTAP_EXPECT(bytes >= (5u << 20) - (128 << 10) &&
			  bytes <= (5u << 20) + (64 << 10) + (128 << 10));
	blk_limit_shutdown(&r->l);
	blk_limit_drain(&r->l);
	fake_be_complete_all(&r->fb);
	rig_free(r);
	free(r);
	return ok;
}

/* FIFO order, flushes free but never ahead, a run-time change. */
static int test_order_and_change(void)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct blk_limits lim = { .iops = 10, .iops_burst = 1 };
	struct treq t[4];
	int ok = 1, i;

	rig_init(r);
	blk_limit_set(&r->l, &lim);
	treq_init(&t[0], BLK_OP_WRITE, 0, 512);
	treq_init(&t[1], BLK_OP_WRITE, 512, 512);
	treq_init(&t[2], BLK_OP_FLUSH, 0, 0);
	treq_init(&t[3], BLK_OP_READ, 0, 512);
	for (i = 0; i < 4; i++)
		ok &= KTAP_EXPECT(blk_submit(&r->l.be, &t[i].req) == 0);
	ok &= KTAP_EXPECT(r->fb.n == 1 && r->fb.q[0] == &t[0].req);
	ok &= KTAP_EXPECT(r->c.armed && r->c.deadline == r->c.now + NS / 10);
	fk_run_until(&r->c, &r->l, r->c.now + NS / 10);
	/* the second write, then the flush (free) right behind it */
	ok &= KTAP_EXPECT(r->fb.n == 3 && r->fb.q[1] == &t[1].req &&
			  r->fb.q[2] == &t[2].req);
	/* lifting the limit lets the rest go at the next timer */
	memset(&lim, 0, sizeof(lim));
	blk_limit_set(&r->l, &lim);
	ok &= KTAP_EXPECT(r->c.armed && r->c.deadline == r->c.now);
	fk_run_until(&r->c, &r->l, r->c.now);
	ok &= KTAP_EXPECT(r->fb.n == 4 && r->fb.q[3] == &t[3].req && !r->l.nr_queued);
	fake_be_complete_all(&r->fb);
	for (i = 0; i < 4; i++)
		ok &= KTAP_EXPECT(t[i].done == 1 && !t[i].err);
	rig_free(r);
	free(r);
	return ok;
}

/* A reset's cancel ends waiting requests from the timer, never inside. */
static int test_cancel_and_drain(void)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct blk_limits lim = { .iops = 1, .iops_burst = 1 };
	struct treq t[5];
	int ok = 1, i;

	rig_init(r);
	blk_limit_set(&r->l, &lim);
	for (i = 0; i < 5; i++) {
		treq_init(&t[i], BLK_OP_READ, 0, 512);
		ok &= KTAP_EXPECT(blk_submit(&r->l.be, &t[i].req) == 0);
	}
	ok &= KTAP_EXPECT(r->fb.n == 1 && r->l.nr_queued == 4);
	/* cancelling the one with the backend does nothing */
	blk_cancel(&r->l.be, &t[0].req);
	/* cancel the middle and the last one */
	blk_cancel(&r->l.be, &t[2].req);
	blk_cancel(&r->l.be, &t[4].req);
	ok &= KTAP_EXPECT(!t[2].done && !t[4].done && r->l.nr_queued == 2);
	ok &= KTAP_EXPECT(r->c.armed && r->c.deadline == r->c.now);
	fk_run_until(&r->c, &r->l, r->c.now);
	ok &= KTAP_EXPECT(t[2].done == 1 && t[2].err == -ECANCELED);
	ok &= KTAP_EXPECT(t[4].done == 1 && t[4].err == -ECANCELED);
	ok &= KTAP_EXPECT(!t[1].done && !t[3].done && r->c.armed);
	/* the FIFO still holds 1 then 3, and a new one goes behind them */
	treq_init(&t[2], BLK_OP_READ, 0, 512);
	ok &= KTAP_EXPECT(blk_submit(&r->l.be, &t[2].req) == 0);
	fk_run_until(&r->c, &r->l, r->c.now + NS);
	ok &= KTAP_EXPECT(r->fb.n == 2 && r->fb.q[1] == &t[1].req);
	/* teardown: the waiting ones end cancelled, nothing re-arms */
	blk_limit_shutdown(&r->l);
	r->c.armed = false;
	ok &= KTAP_EXPECT(blk_submit(&r->l.be, &t[4].req) == -EIO);
	blk_limit_drain(&r->l);
	ok &= KTAP_EXPECT(t[3].done == 1 && t[3].err == -ECANCELED);
	ok &= KTAP_EXPECT(t[2].done == 1 && t[2].err == -ECANCELED);
	ok &= KTAP_EXPECT(!r->c.armed && r->l.nr_queued == 0);
	fake_be_complete_all(&r->fb);
	ok &= KTAP_EXPECT(t[0].done == 1 && t[1].done == 1 && !t[1].err);
	rig_free(r);
	free(r);
	return ok;
}

/* The inner backend full when the timer releases: retried, in order. */
static int test_inner_busy(void)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct blk_limits lim = { .iops = 1000, .iops_burst = 1 };
	struct treq t[3];
	int ok = 1, i;

	rig_init(r);
	blk_limit_set(&r->l, &lim);
	r->fb.cap = 1;
	for (i = 0; i < 3; i++) {
		treq_init(&t[i], BLK_OP_READ, 0, 512);
		ok &= KTAP_EXPECT(blk_submit(&r->l.be, &t[i].req) == 0);
	}
	fk_run_until(&r->c, &r->l, r->c.now + NS / 1000);
	ok &= KTAP_EXPECT(r->fb.n == 1 && r->l.nr_queued == 2);
	ok &= KTAP_EXPECT(r->c.deadline == r->c.now + BLK_LIMIT_BUSY_RETRY_NS);
	fake_be_complete(&r->fb, 0, 0);
	fk_run_until(&r->c, &r->l, r->c.now + BLK_LIMIT_BUSY_RETRY_NS);
	ok &= KTAP_EXPECT(r->fb.n == 1 && r->fb.q[0] == &t[1].req);
	/* an inner error ends the request with -EIO from the timer */
	fake_be_complete(&r->fb, 0, 0);
	r->fb.fail_submit = -EIO;
	fk_run_until(&r->c, &r->l, r->c.now + NS);
	ok &= KTAP_EXPECT(t[2].done == 1 && t[2].err == -EIO);
	rig_free(r);
	free(r);
	return ok;
}

static int test_check(void)
{
	struct blk_limits l = { 0 };
	int ok = 1;

	ok &= KTAP_EXPECT(blk_limits_check(&l) == 0);
	l.iops = TBUCKET_MAX_RATE + 1;
	ok &= KTAP_EXPECT(blk_limits_check(&l) == -EINVAL);
	l.iops = 100;
	l.bps_burst = 5;
	ok &= KTAP_EXPECT(blk_limits_check(&l) == -EINVAL);
	l.bps = 1000;
	ok &= KTAP_EXPECT(blk_limits_check(&l) == 0);
	l.bps_burst = TBUCKET_MAX_BURST + 1;
	ok &= KTAP_EXPECT(blk_limits_check(&l) == -EINVAL);
	return ok;
}

int main(void)
{
	ktap_begin("blk_limit", 10);
	ktap_result(test_tbucket_rate(), "token bucket: burst, then the rate");
	ktap_result(test_tbucket_big_cost(), "token bucket: a cost over the burst passes, then pays");
	ktap_result(test_tbucket_extremes(), "token bucket: extreme limits and times, limit changes");
	ktap_result(test_unlimited_passthrough(), "no limit: straight through, -EBUSY passed on");
	ktap_result(test_iops_rate(), "iops limit: rate + burst over 10 s, vCPU never waits");
	ktap_result(test_bps_rate(), "bps limit: bytes over 5 s");
	ktap_result(test_order_and_change(), "FIFO order, free flush, limit lifted at run time");
	ktap_result(test_cancel_and_drain(), "cancel on reset, drain on teardown");
	ktap_result(test_inner_busy(), "inner backend full or failing when released");
	ktap_result(test_check(), "limits userspace may ask for");
	return ktap_end();
}
