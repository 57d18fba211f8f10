// SPDX-License-Identifier: GPL-2.0
/*
 * I/O limits in front of a block backend: see blk_limit.h.
 *
 * A waiting request's t[BLK_T_ISSUE] holds the time it started to wait
 * (the inner backend sets its own when it issues the host I/O); cancelled
 * requests are linked through backend_priv, which is ours while we hold
 * them.
 */
#include "blk_limit.h"

static u64 cost_ops(const struct blk_req *req)
{
	return req->op == BLK_OP_FLUSH ? 0 : 1;
}

static u64 cost_bytes(const struct blk_req *req)
{
	return req->op == BLK_OP_READ || req->op == BLK_OP_WRITE ? req->len : 0;
}

static bool limited(const struct blk_limit *l)
{
	return tbucket_limited(&l->iops) || tbucket_limited(&l->bps);
}

static u64 now(struct blk_limit *l)
{
	return l->time->now_ns(l->time_host);
}

/* Lock held: how long req must wait; 0: it may go now. */
static u64 limit_wait(struct blk_limit *l, const struct blk_req *req, u64 t)
{
	u64 a = tbucket_wait_ns(&l->iops, cost_ops(req), t);
	u64 b = tbucket_wait_ns(&l->bps, cost_bytes(req), t);

	return a > b ? a : b;
}

/*
 * Hand req to the inner backend and charge it: 0 or its error. The costs
 * are read first: once submitted, req may complete on another CPU and be
 * reused by the transport before submit even returns here.
 */
static int pass(struct blk_limit *l, struct blk_req *req)
{
	u64 ops = cost_ops(req), bytes = cost_bytes(req);
	int r = blk_submit(l->inner, req);

	if (r)
		return r;
	tbucket_take(&l->iops, ops);
	tbucket_take(&l->bps, bytes);
	l->st.ops += ops;
	l->st.bytes += bytes;
	return 0;
}

static void arm(struct blk_limit *l, u64 deadline)
{
	if (l->dead)
		return;
	l->armed = true;
	l->time->timer_arm(l->time_host, &l->timer, deadline);
}

static struct blk_req *qat(struct blk_limit *l, unsigned int i)
{
	return l->q[(l->first + i) % BLK_LIMIT_QUEUE];
}

static struct blk_req *qpop(struct blk_limit *l)
{
	struct blk_req *req = l->q[l->first];

	l->first = (l->first + 1) % BLK_LIMIT_QUEUE;
	l->nr_queued--;
	return req;
}

/* Back at the head, where it was (the inner backend was full). */
static void qunpop(struct blk_limit *l, struct blk_req *req)
{
	l->first = (l->first + BLK_LIMIT_QUEUE - 1) % BLK_LIMIT_QUEUE;
	l->q[l->first] = req;
	l->nr_queued++;
}

static int limit_submit(struct blk_backend *b, struct blk_req *req)
{
	struct blk_limit *l = b->priv;
	unsigned long flags = 0;
	u64 t = 0;
	int r;

	vmm_lock(&l->lock, flags);
	if (l->dead) {
		r = -EIO;
		goto out;
	}
	if (!l->nr_queued) {
		if (limited(l))
			t = now(l);
		if (!limit_wait(l, req, t)) {
			r = pass(l, req);
			goto out;
		}
	}
	r = -EBUSY;
	if (l->nr_queued == BLK_LIMIT_QUEUE)
		goto out;
	/* Wait behind the others; the timer lets it go. */
	t = now(l);
	req->t[BLK_T_ISSUE] = t;
	l->q[(l->first + l->nr_queued) % BLK_LIMIT_QUEUE] = req;
	l->nr_queued++;
	l->st.delayed++;
	if (!l->armed)
		arm(l, t + limit_wait(l, qat(l, 0), t));
	r = 0;
out:
	vmm_unlock(&l->lock, flags);
	return r;
}

static void limit_cancel(struct blk_backend *b, struct blk_req *req)
{
	struct blk_limit *l = b->priv;
	unsigned long flags = 0;
	unsigned int i, j;

	vmm_lock(&l->lock, flags);
	for (i = 0; i < l->nr_queued; i++) {
		if (qat(l, i) != req)
			continue;
		for (j = i; j + 1 < l->nr_queued; j++)
			l->q[(l->first + j) % BLK_LIMIT_QUEUE] = qat(l, j + 1);
		l->nr_queued--;
		req->backend_priv = l->cancelled;
		l->cancelled = req;
		l->st.cancelled++;
		/* done() may not run inside cancel(): the timer calls it */
		arm(l, now(l));
		break;
	}
	vmm_unlock(&l->lock, flags);
}

static const struct blk_backend_ops blk_limit_ops = {
	.submit = limit_submit,
	.cancel = limit_cancel,
};

/* End a list of requests linked through backend_priv; no lock held. */
static void end_list(struct blk_req *list, int error)
{
	while (list) {
		struct blk_req *req = list;

		list = req->backend_priv;
		req->backend_priv = NULL;
		req->t[BLK_T_ISSUE] = 0;
		req->done(req, error);
	}
}

void blk_limit_fire(void *dev)
{
	struct blk_limit *l = dev;
	struct blk_req *cancelled, *failed = NULL, *req;
	unsigned long flags = 0;
	u64 t, wait, since;
	int r;

	vmm_lock(&l->lock, flags);
	l->armed = false;
	cancelled = l->cancelled;
	l->cancelled = NULL;
	t = now(l);
	while (l->nr_queued && !l->dead) {
		wait = limit_wait(l, qat(l, 0), t);
		if (wait) {
			arm(l, t + wait);
			break;
		}
		req = qpop(l);
		since = req->t[BLK_T_ISSUE];
		req->t[BLK_T_ISSUE] = 0;
		r = pass(l, req);
		if (r == -EBUSY) {
			/* full for now: it frees up as requests complete */
			req->t[BLK_T_ISSUE] = since;
			qunpop(l, req);
			arm(l, t + BLK_LIMIT_BUSY_RETRY_NS);
			break;
		}
		if (r) {
			req->backend_priv = failed;
			failed = req;
			continue;
		}
		l->st.delay_ns += t > since ? t - since : 0;
	}
	vmm_unlock(&l->lock, flags);
	end_list(cancelled, -ECANCELED);
	end_list(failed, -EIO);
}

int blk_limits_check(const struct blk_limits *lim)
{
	if (lim->iops > TBUCKET_MAX_RATE || lim->bps > TBUCKET_MAX_RATE ||
	    lim->iops_burst > TBUCKET_MAX_BURST ||
	    lim->bps_burst > TBUCKET_MAX_BURST)
		return -EINVAL;
	/* a burst without its rate means nothing: say so */
	if ((lim->iops_burst && !lim->iops) || (lim->bps_burst && !lim->bps))
		return -EINVAL;
	return 0;
}

static u64 default_burst(u64 rate, u64 burst)
{
	if (burst)
		return burst;
	burst = rate / BLK_LIMIT_DEFAULT_BURST_DIV;
	return burst ? burst : 1;
}

void blk_limit_init(struct blk_limit *l, struct blk_backend *inner,
		    const struct vmm_time_ops *time, void *time_host)
{
	memset(l, 0, sizeof(*l));
	vmm_lock_init(&l->lock);
	l->inner = inner;
	l->time = time;
	l->time_host = time_host;
	vmm_timer_setup(&l->timer, blk_limit_fire, l);
	l->be = *inner;
	l->be.ops = &blk_limit_ops;
	l->be.priv = l;
	if (l->be.max_inflight > BLK_LIMIT_QUEUE)
		l->be.max_inflight = BLK_LIMIT_QUEUE;
}

void blk_limit_set(struct blk_limit *l, const struct blk_limits *lim)
{
	unsigned long flags = 0;
	u64 t;

	vmm_lock(&l->lock, flags);
	t = now(l);
	l->lim = *lim;
	l->lim.iops_burst = lim->iops ? default_burst(lim->iops, lim->iops_burst) : 0;
	l->lim.bps_burst = lim->bps ? default_burst(lim->bps, lim->bps_burst) : 0;
	tbucket_set(&l->iops, l->lim.iops, l->lim.iops_burst, t);
	tbucket_set(&l->bps, l->lim.bps, l->lim.bps_burst, t);
	/* what waits is timed against the new limits */
	if (l->nr_queued)
		arm(l, t);
	vmm_unlock(&l->lock, flags);
}

void blk_limit_get(struct blk_limit *l, struct blk_limits *lim,
		   struct blk_limit_stats *st)
{
	unsigned long flags = 0;

	vmm_lock(&l->lock, flags);
	*lim = l->lim;
	*st = l->st;
	st->queued = l->nr_queued;
	vmm_unlock(&l->lock, flags);
}

void blk_limit_shutdown(struct blk_limit *l)
{
	unsigned long flags = 0;

	vmm_lock(&l->lock, flags);
	l->dead = true;
	vmm_unlock(&l->lock, flags);
}

void blk_limit_drain(struct blk_limit *l)
{
	struct blk_req *list, *req;
	unsigned long flags = 0;

	vmm_lock(&l->lock, flags);
	list = l->cancelled;
	l->cancelled = NULL;
	while (l->nr_queued) {
		req = qpop(l);
		req->backend_priv = list;
		list = req;
		l->st.cancelled++;
	}
	l->armed = false;
	vmm_unlock(&l->lock, flags);
	end_list(list, -ECANCELED);
}
