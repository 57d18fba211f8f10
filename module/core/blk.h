/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The block layer's one interface between disk transports (AHCI, later
 * virtio-blk) and disk backends (a raw image or an ISO served from a host
 * file in the kernel, a VDI image, a fake in unit tests).
 *
 * A transport owns a struct blk_req from blk_submit() until the backend
 * calls req->done(). Data moves between the backend and guest-physical
 * memory named by the request's segments; the transport has checked every
 * segment against guest RAM (blk_gmem_ok) and the byte range against the
 * disk (blk_req_check) before it submits.
 *
 * Rules that let transports run in a vCPU's exit handler with their lock
 * held:
 *   - submit never sleeps and never calls done() before it returns;
 *   - done() may run in any context (hard IRQ, softirq, a worker) on any
 *     CPU; it may take the transport's spinlock (vmm_lock) and raise an
 *     interrupt, nothing that sleeps;
 *   - a backend bounds the requests it holds: submit fails with -EBUSY
 *     when it has max_inflight already (a transport that respects its own
 *     queue depth never sees it).
 */
#ifndef VMM_CORE_BLK_H
#define VMM_CORE_BLK_H

#include "host.h"

enum blk_op {
	BLK_OP_READ,		/* disk -> guest memory */
	BLK_OP_WRITE,		/* guest memory -> disk */
	BLK_OP_FLUSH,		/* make completed writes durable; no data */
	BLK_OP_DISCARD,		/* the range's data may be dropped; no data */
	BLK_OP_WRITE_ZEROES,	/* the range reads as zeros; no data */
	BLK_NR_OPS,
};

/* One piece of guest-physical memory a READ or WRITE moves data to/from. */
struct blk_seg {
	u64 gpa;
	u32 len;
};

/* Most segments one request may carry (AHCI's PRDT holds up to 65535). */
#define BLK_MAX_SEGS		256
/* Largest READ/WRITE, in bytes. */
#define BLK_MAX_BYTES		(4u << 20)

/* Stages a request passes, for measurement (host clock, ns; 0 = unset). */
enum blk_stage {
	BLK_T_NOTIFY,		/* the guest's doorbell */
	BLK_T_SUBMIT,		/* parsed and handed to the backend */
	BLK_T_ISSUE,		/* the backend started the host I/O */
	BLK_T_DONE,		/* the host I/O completed */
	BLK_T_IRQ,		/* the transport raised the guest interrupt */
	BLK_NR_STAGES,
};

struct blk_req {
	u8 op;			/* enum blk_op */
	u64 offset;		/* bytes from the start of the disk */
	u64 len;		/* bytes; for READ/WRITE the segments' sum */
	u32 nr_segs;
	struct blk_seg *segs;	/* the transport's array */
	/* 0, -EIO, -ENOSPC, -EOPNOTSUPP, ... Any context; see above. */
	void (*done)(struct blk_req *req, int error);
	void *priv;		/* the transport's */
	u64 t[BLK_NR_STAGES];
	void *backend_priv;	/* the backend's, while it holds the request */
};

struct blk_backend;

struct blk_backend_ops {
	/* Queue req; 0, or -EBUSY / -EIO without calling done(). */
	int (*submit)(struct blk_backend *b, struct blk_req *req);
	/*
	 * Optional. The transport gave up on req, which it submitted (a
	 * reset orphaned it): a backend that has not started it may end it
	 * early with -ECANCELED. done() still comes exactly once, and never
	 * from inside cancel(). Called with the transport's lock held.
	 */
	void (*cancel)(struct blk_backend *b, struct blk_req *req);
};

struct blk_backend {
	const struct blk_backend_ops *ops;
	u64 size;		/* bytes, a multiple of block_size */
	u32 block_size;		/* 512 (disks) or 2048 (CD/DVD media) */
	bool readonly;		/* WRITE, DISCARD, WRITE_ZEROES fail */
	bool can_discard;	/* DISCARD frees host space */
	u32 max_inflight;
	void *priv;
};

/*
 * The byte range of req fits the backend and, for data, matches its
 * segments and BLK_MAX_*: 0 or -EINVAL (-EROFS for a write to a read-only
 * backend). Never overflows, whatever the guest put in offset and len.
 */
static inline int blk_req_check(const struct blk_backend *b,
				const struct blk_req *req)
{
	u64 sum = 0;
	u32 i;

	if (req->op >= BLK_NR_OPS)
		return -EINVAL;
	if (req->op == BLK_OP_FLUSH)
		return 0;
	if (b->readonly && req->op != BLK_OP_READ)
		return -EROFS;
	if (req->offset > b->size || req->len > b->size - req->offset)
		return -EINVAL;
	if (req->op != BLK_OP_READ && req->op != BLK_OP_WRITE)
		return 0;
	if (!req->len || req->len > BLK_MAX_BYTES || !req->nr_segs ||
	    req->nr_segs > BLK_MAX_SEGS)
		return -EINVAL;
	for (i = 0; i < req->nr_segs; i++) {
		if (!req->segs[i].len)
			return -EINVAL;
		sum += req->segs[i].len;
	}
	return sum == req->len ? 0 : -EINVAL;
}

static inline int blk_submit(struct blk_backend *b, struct blk_req *req)
{
	return b->ops->submit(b, req);
}

static inline void blk_cancel(struct blk_backend *b, struct blk_req *req)
{
	if (b->ops->cancel)
		b->ops->cancel(b, req);
}

/*
 * Guest memory as a device sees it (DMA): copies that fail with -EFAULT
 * on anything that is not guest RAM, and a check that a range is RAM the
 * device may write. Never sleep; callable with a device lock held and
 * from a completion in any context.
 */
struct blk_gmem_ops {
	int (*read)(void *opaque, u64 gpa, void *buf, u32 len);
	int (*write)(void *opaque, u64 gpa, const void *buf, u32 len);
	/* [gpa, gpa + len) is guest RAM (writable if write); no overflow. */
	bool (*ok)(void *opaque, u64 gpa, u64 len, bool write);
};

#endif /* VMM_CORE_BLK_H */
