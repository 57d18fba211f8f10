/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-disk request statistics: the points a request passes (core/blk.h,
 * req->t[]) become stage latencies (uapi enum vmm_disk_stage), counted
 * per operation with the exit statistics' log2 histograms (stats.h).
 *
 * A transport embeds one struct blkstat per disk and calls, with its own
 * lock held (the same lock every time, so recording takes none):
 *   blkstat_submitted()  the backend accepted a request;
 *   blkstat_done()       the backend completed it (in done());
 *   blkstat_end()        the transport posted the completion and raised
 *                        (or was told to suppress) the interrupt;
 *   blkstat_ack()        the guest acknowledged the interrupt.
 * Points whose timestamp is 0 (timing off, or a backend that does not
 * set it) are skipped; counts, bytes and errors are always kept.
 * A zeroed struct blkstat is empty and valid.
 */
#ifndef VMM_CORE_BLKSTAT_H
#define VMM_CORE_BLKSTAT_H

#include "blk.h"
#include "stats.h"

enum blkstat_point {
	BLKSTAT_EV_SUBMIT,	/* lat: notify -> submit */
	BLKSTAT_EV_DONE,	/* lat: issue (or submit) -> backend done */
	BLKSTAT_EV_IRQ,		/* lat: done -> interrupt raised */
	BLKSTAT_EV_ACK,		/* lat: interrupt -> guest acknowledgment */
};

/* What the trace hook is told at each point. */
struct blkstat_ev {
	u8 point;		/* enum blkstat_point */
	u8 op;			/* enum blk_op */
	int error;
	u64 offset;		/* bytes (0 for ACK) */
	u64 len;
	u64 lat_ns;		/* since the previous point; 0: untimed */
	u64 total_ns;		/* since the notify; 0: untimed */
};

struct blkstat_op {
	u64 requests, bytes, errors;
	struct vmm_stat_entry st[VMM_DISK_NR_STAGES];
};

/* Completions that wait for the guest's acknowledgment, at most. */
#define BLKSTAT_ACK_MAX		64

struct blkstat {
	struct blkstat_op op[BLK_NR_OPS];
	u32 inflight;		/* submitted, not done */
	u64 ack_lost;		/* dropped from a full ack ring */
	u32 ack_head, ack_n;
	u64 ack_t[BLKSTAT_ACK_MAX];	/* when their interrupt was raised */
	u8 ack_op[BLKSTAT_ACK_MAX];
	/* Optional (tracepoints): every point, the transport's lock held. */
	void (*trace)(void *opaque, const struct blkstat_ev *ev);
	void *trace_opaque;
};

void blkstat_submitted(struct blkstat *s, const struct blk_req *req);
void blkstat_done(struct blkstat *s, const struct blk_req *req, int error);
/* bytes: what the request moved (0 on error); req->t[BLK_T_IRQ] set. */
void blkstat_end(struct blkstat *s, const struct blk_req *req, u64 bytes,
		 int error);
/* The guest acknowledged every completion so far; now 0: untimed. */
void blkstat_ack(struct blkstat *s, u64 now);

/* op[], inflight and ack_lost of out; the caller fills the rest. */
void blkstat_export(const struct blkstat *s, struct vmm_disk_stat *out);
/* dst's op[], inflight and ack_lost += src's (module-wide sums). */
void blkstat_export_add(struct vmm_disk_stat *dst,
			const struct vmm_disk_stat *src);

#endif /* VMM_CORE_BLKSTAT_H */
