/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A disk's I/O limits: a block backend (core/blk.h) in front of another
 * that lets requests through at most at an IOPS and a bytes-per-second
 * rate (one token bucket each, core/tbucket.h), in arrival order.
 *
 * submit() keeps the backend contract: it never sleeps and never calls
 * done(). A request the buckets allow goes to the inner backend at once;
 * any other waits in a FIFO, and the limiter's timer releases it when the
 * buckets allow it. So a vCPU that rings a doorbell never waits for a
 * limit: the guest sees a slower disk, not a slower CPU. The FIFO is
 * bounded by the transport's own queue depth (max_inflight is the inner
 * backend's, and every waiting request is one the transport counts) and
 * by BLK_LIMIT_QUEUE.
 *
 * READ and WRITE cost one operation and their bytes; DISCARD and
 * WRITE_ZEROES one operation; FLUSH nothing. Nothing overtakes a waiting
 * request, so a flush never completes before a write submitted earlier.
 *
 * Locking: one spinlock (the host's vmm_lock_t) orders submit, cancel,
 * limit changes and the timer. Transports call submit and cancel with
 * their own lock held; the limiter calls the inner backend's submit with
 * its lock held, and done() never with it held. Lock order: transport,
 * limiter, inner backend.
 */
#ifndef VMM_CORE_BLK_LIMIT_H
#define VMM_CORE_BLK_LIMIT_H

#include "blk.h"
#include "tbucket.h"
#include "timebase.h"

/* Bucket sizes when the user leaves them 0: a tenth of a second's worth. */
#define BLK_LIMIT_DEFAULT_BURST_DIV	10
/* Most requests waiting; a submit past it is -EBUSY (transports retry). */
#define BLK_LIMIT_QUEUE			256
/* When the inner backend said -EBUSY, try again this much later. */
#define BLK_LIMIT_BUSY_RETRY_NS		1000000ULL

struct blk_limits {
	u64 iops, bps;			/* 0: unlimited */
	u64 iops_burst, bps_burst;	/* 0: the default */
};

struct blk_limit_stats {
	u64 ops, bytes;			/* let through */
	u64 delayed;			/* requests that had to wait */
	u64 delay_ns;			/* time they waited, in all */
	u64 cancelled;
	u32 queued;			/* waiting now */
};

struct blk_limit {
	struct blk_backend be;		/* what the transport submits to */
	struct blk_backend *inner;
	vmm_lock_t lock;
	struct blk_limits lim;
	struct tbucket iops, bps;
	/* waiting requests: a ring, oldest at q[first] */
	struct blk_req *q[BLK_LIMIT_QUEUE];
	unsigned int first, nr_queued;
	/* cancelled while waiting, linked through backend_priv: the timer ends them */
	struct blk_req *cancelled;
	bool armed;			/* the timer will run */
	bool dead;			/* closing: nothing is queued any more */
	struct blk_limit_stats st;

	const struct vmm_time_ops *time;
	void *time_host;
	struct vmm_timer timer;		/* the host binds it after init */
};

/* Limits userspace may ask for: 0, or -EINVAL. */
int blk_limits_check(const struct blk_limits *l);

/*
 * Put l in front of inner (no limits yet). The host binds l->timer before
 * the first submit (timebase.h's protocol).
 */
void blk_limit_init(struct blk_limit *l, struct blk_backend *inner,
		    const struct vmm_time_ops *time, void *time_host);
/* Change the limits (checked already); waiting requests are re-timed. */
void blk_limit_set(struct blk_limit *l, const struct blk_limits *lim);
void blk_limit_get(struct blk_limit *l, struct blk_limits *lim,
		   struct blk_limit_stats *st);
/*
 * Teardown, once no transport submits any more: refuse new requests and
 * stop re-arming. The host then stops its timer synchronously and calls
 * blk_limit_drain(), which completes every request still waiting with
 * -ECANCELED (done() from the caller's context), before the inner
 * backend is closed.
 */
void blk_limit_shutdown(struct blk_limit *l);
void blk_limit_drain(struct blk_limit *l);

/* The timer callback (also what a test's fake clock calls). */
void blk_limit_fire(void *dev);

#endif /* VMM_CORE_BLK_LIMIT_H */
