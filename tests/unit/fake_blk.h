/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test doubles for block transports (core/blk.h): a guest memory that is
 * one byte array at guest-physical 0 (with an optional read-only window
 * devices may not write), and a backend over a byte-array image that only
 * queues requests: the test completes them when and in the order it
 * wants, so done() never runs inside submit.
 */
#ifndef VMM_TEST_FAKE_BLK_H
#define VMM_TEST_FAKE_BLK_H

#include <stdlib.h>
#include "blk.h"

struct fake_gmem {
	u8 *ram;
	u64 size;
	u64 ro_base, ro_len;	/* devices may read, not write, here */
	unsigned long reads, writes, faults;
};

static inline int fake_gmem_read(void *opaque, u64 gpa, void *buf, u32 len)
{
	struct fake_gmem *g = opaque;

	g->reads++;
	if (gpa > g->size || len > g->size - gpa) {
		g->faults++;
		return -EFAULT;
	}
	memcpy(buf, g->ram + gpa, len);
	return 0;
}

static inline bool fake_gmem_ok(void *opaque, u64 gpa, u64 len, bool write)
{
	struct fake_gmem *g = opaque;

	if (gpa > g->size || len > g->size - gpa)
		return false;
	if (write && g->ro_len && gpa < g->ro_base + g->ro_len &&
	    gpa + len > g->ro_base)
		return false;
	return true;
}

static inline int fake_gmem_write(void *opaque, u64 gpa, const void *buf, u32 len)
{
	struct fake_gmem *g = opaque;

	g->writes++;
	if (!fake_gmem_ok(g, gpa, len, true)) {
		g->faults++;
		return -EFAULT;
	}
	memcpy(g->ram + gpa, buf, len);
	return 0;
}

static const struct blk_gmem_ops fake_gmem_ops = {
	.read = fake_gmem_read,
	.write = fake_gmem_write,
	.ok = fake_gmem_ok,
};

#define FAKE_BE_QUEUE		256
#define FAKE_BE_LOG		64

struct fake_be {
	struct blk_backend be;
	struct fake_gmem *g;
	u8 *img;
	struct blk_req *q[FAKE_BE_QUEUE];
	unsigned int n;
	int fail_submit;	/* submit returns this when nonzero */
	unsigned int cap;	/* -EBUSY beyond this many queued (0: none) */
	unsigned long submitted, completed, flushes, bad;
	/* the last FAKE_BE_LOG requests as submitted */
	struct { u8 op; u64 offset, len; u32 nr_segs; } log[FAKE_BE_LOG];
	unsigned int nr_log;
};

static inline int fake_be_submit(struct blk_backend *b, struct blk_req *req)
{
	struct fake_be *f = b->priv;

	if (f->fail_submit)
		return f->fail_submit;
	if (f->n >= FAKE_BE_QUEUE || (f->cap && f->n >= f->cap))
		return -EBUSY;
	/* what a real backend relies on: the transport checked it */
	if (blk_req_check(b, req))
		f->bad++;
	f->q[f->n++] = req;
	if (f->nr_log < FAKE_BE_LOG) {
		f->log[f->nr_log].op = req->op;
		f->log[f->nr_log].offset = req->offset;
		f->log[f->nr_log].len = req->len;
		f->log[f->nr_log].nr_segs = req->nr_segs;
		f->nr_log++;
	}
	f->submitted++;
	return 0;
}

static const struct blk_backend_ops fake_be_ops = { .submit = fake_be_submit };

static inline void fake_be_init(struct fake_be *f, struct fake_gmem *g, u64 size,
			 u32 block_size, bool can_discard)
{
	u64 i;

	memset(f, 0, sizeof(*f));
	f->g = g;
	f->img = malloc(size);
	for (i = 0; i < size; i++)
		f->img[i] = (u8)(i * 131 + (i >> 9) * 7 + (i >> 11));
	f->be.ops = &fake_be_ops;
	f->be.size = size;
	f->be.block_size = block_size;
	f->be.can_discard = can_discard;
	f->be.max_inflight = FAKE_BE_QUEUE;
	f->be.priv = f;
}

static inline void fake_be_free(struct fake_be *f)
{
	free(f->img);
	f->img = NULL;
}

/* Complete queued request i (data moved unless err), in any order. */
static inline void fake_be_complete(struct fake_be *f, unsigned int i, int err)
{
	struct blk_req *req;
	u64 off;
	u32 s;

	if (i >= f->n)
		return;
	req = f->q[i];
	off = req->offset;
	f->n--;
	memmove(&f->q[i], &f->q[i + 1], (f->n - i) * sizeof(f->q[0]));
	if (!err) {
		switch (req->op) {
		case BLK_OP_READ:
			for (s = 0; s < req->nr_segs; s++) {
				fake_gmem_write(f->g, req->segs[s].gpa, f->img + off,
						req->segs[s].len);
				off += req->segs[s].len;
			}
			break;
		case BLK_OP_WRITE:
			for (s = 0; s < req->nr_segs; s++) {
				fake_gmem_read(f->g, req->segs[s].gpa, f->img + off,
					       req->segs[s].len);
				off += req->segs[s].len;
			}
			break;
		case BLK_OP_FLUSH:
			f->flushes++;
			break;
		case BLK_OP_DISCARD:
		case BLK_OP_WRITE_ZEROES:
			memset(f->img + req->offset, 0, req->len);
			break;
		}
	}
	f->completed++;
	req->done(req, err);
}

/* Complete everything queued (and what completions queue), oldest first. */
static inline void fake_be_complete_all(struct fake_be *f)
{
	unsigned int guard = 100000;

	while (f->n && guard--)
		fake_be_complete(f, 0, 0);
}

#endif /* VMM_TEST_FAKE_BLK_H */
