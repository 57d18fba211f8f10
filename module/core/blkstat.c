// SPDX-License-Identifier: GPL-2.0
/*
 * Per-disk request statistics: see blkstat.h.
 */
#include "blkstat.h"

/* The uapi numbers operations as core/blk.h does. */
_Static_assert((int)BLK_NR_OPS == (int)VMM_DISK_NR_OPS &&
	       (int)BLK_OP_READ == (int)VMM_DISK_OP_READ &&
	       (int)BLK_OP_WRITE == (int)VMM_DISK_OP_WRITE &&
	       (int)BLK_OP_FLUSH == (int)VMM_DISK_OP_FLUSH &&
	       (int)BLK_OP_DISCARD == (int)VMM_DISK_OP_DISCARD &&
	       (int)BLK_OP_WRITE_ZEROES == (int)VMM_DISK_OP_WRITE_ZEROES,
	       "blk_op and vmm_disk_op differ");

/* b - a when both points were taken in order; 0 (untimed) otherwise. */
static bool blkstat_span(u64 a, u64 b, u64 *out)
{
	if (!a || !b || b < a)
		return false;
	*out = b - a;
	return true;
}

static u64 blkstat_lat(u64 a, u64 b)
{
	u64 v = 0;

	blkstat_span(a, b, &v);
	return v;
}

static unsigned int blkstat_opi(const struct blk_req *req)
{
	return req->op < BLK_NR_OPS ? req->op : BLK_OP_READ;
}

static void blkstat_emit(struct blkstat *s, const struct blk_req *req,
			 u8 point, int error, u64 lat, u64 total)
{
	struct blkstat_ev ev = {
		.point = point,
		.op = blkstat_opi(req),
		.error = error,
		.offset = req->offset,
		.len = req->len,
		.lat_ns = lat,
		.total_ns = total,
	};

	s->trace(s->trace_opaque, &ev);
}

void blkstat_submitted(struct blkstat *s, const struct blk_req *req)
{
	s->inflight++;
	if (s->trace)
		blkstat_emit(s, req, BLKSTAT_EV_SUBMIT, 0,
			     blkstat_lat(req->t[BLK_T_NOTIFY], req->t[BLK_T_SUBMIT]),
			     blkstat_lat(req->t[BLK_T_NOTIFY], req->t[BLK_T_SUBMIT]));
}

static u64 blkstat_host_start(const struct blk_req *req)
{
	return req->t[BLK_T_ISSUE] ? req->t[BLK_T_ISSUE] : req->t[BLK_T_SUBMIT];
}

void blkstat_done(struct blkstat *s, const struct blk_req *req, int error)
{
	if (s->inflight)
		s->inflight--;
	if (s->trace)
		blkstat_emit(s, req, BLKSTAT_EV_DONE, error,
			     blkstat_lat(blkstat_host_start(req), req->t[BLK_T_DONE]),
			     blkstat_lat(req->t[BLK_T_NOTIFY], req->t[BLK_T_DONE]));
}

static void blkstat_stage(struct blkstat_op *o, unsigned int stage, u64 a, u64 b)
{
	u64 v;

	if (blkstat_span(a, b, &v))
		vmm_stat_entry_add(&o->st[stage], v);
}

void blkstat_end(struct blkstat *s, const struct blk_req *req, u64 bytes,
		 int error)
{
	unsigned int opi = blkstat_opi(req);
	struct blkstat_op *o = &s->op[opi];
	const u64 *t = req->t;
	u32 i;

	o->requests++;
	if (error)
		o->errors++;
	else
		o->bytes += bytes;
	blkstat_stage(o, VMM_DISK_ST_PARSE, t[BLK_T_NOTIFY], t[BLK_T_SUBMIT]);
	if (t[BLK_T_ISSUE])
		blkstat_stage(o, VMM_DISK_ST_QUEUE, t[BLK_T_SUBMIT], t[BLK_T_ISSUE]);
	blkstat_stage(o, VMM_DISK_ST_HOST, blkstat_host_start(req), t[BLK_T_DONE]);
	blkstat_stage(o, VMM_DISK_ST_IRQ, t[BLK_T_DONE], t[BLK_T_IRQ]);
	blkstat_stage(o, VMM_DISK_ST_TOTAL, t[BLK_T_NOTIFY], t[BLK_T_IRQ]);
	if (s->trace)
		blkstat_emit(s, req, BLKSTAT_EV_IRQ, error,
			     blkstat_lat(t[BLK_T_DONE], t[BLK_T_IRQ]),
			     blkstat_lat(t[BLK_T_NOTIFY], t[BLK_T_IRQ]));
	if (!t[BLK_T_IRQ])
		return;
	/* Wait for the guest's acknowledgment; a full ring drops the oldest. */
	if (s->ack_n == BLKSTAT_ACK_MAX) {
		s->ack_head = (s->ack_head + 1) % BLKSTAT_ACK_MAX;
		s->ack_n--;
		s->ack_lost++;
	}
	i = (s->ack_head + s->ack_n) % BLKSTAT_ACK_MAX;
	s->ack_t[i] = t[BLK_T_IRQ];
	s->ack_op[i] = opi;
	s->ack_n++;
}

void blkstat_ack(struct blkstat *s, u64 now)
{
	struct blk_req req = { 0 };
	u64 v;

	u32 k, i;

	for (k = 0; k < s->ack_n; k++) {
		i = (s->ack_head + k) % BLKSTAT_ACK_MAX;
		if (!blkstat_span(s->ack_t[i], now, &v))
			continue;
		vmm_stat_entry_add(&s->op[s->ack_op[i]].st[VMM_DISK_ST_ACK], v);
		if (s->trace) {
			req.op = s->ack_op[i];
			blkstat_emit(s, &req, BLKSTAT_EV_ACK, 0, v, 0);
		}
	}
	s->ack_head = 0;
	s->ack_n = 0;
}

void blkstat_export(const struct blkstat *s, struct vmm_disk_stat *out)
{
	unsigned int i, j, b;

	for (i = 0; i < BLK_NR_OPS; i++) {
		const struct blkstat_op *o = &s->op[i];
		struct vmm_disk_op_stat *d = &out->op[i];

		d->requests = o->requests;
		d->bytes = o->bytes;
		d->errors = o->errors;
		d->reserved = 0;
		for (j = 0; j < VMM_DISK_NR_STAGES; j++) {
			const struct vmm_stat_entry *e = &o->st[j];
			struct vmm_disk_lat *l = &d->stage[j];

			l->count = e->count;
			l->total_ns = e->total;
			l->min_ns = e->count ? e->min : 0;
			l->max_ns = e->max;
			for (b = 0; b < VMM_STAT_HIST_BUCKETS; b++)
				l->hist[b] = e->hist[b];
		}
	}
	out->inflight = s->inflight;
	out->ack_lost = s->ack_lost;
}

static void blkstat_lat_add(struct vmm_disk_lat *d, const struct vmm_disk_lat *s)
{
	unsigned int b;

	if (!s->count)
		return;
	if (!d->count || s->min_ns < d->min_ns)
		d->min_ns = s->min_ns;
	if (s->max_ns > d->max_ns)
		d->max_ns = s->max_ns;
	d->count += s->count;
	d->total_ns += s->total_ns;
	for (b = 0; b < VMM_STAT_HIST_BUCKETS; b++)
		d->hist[b] += s->hist[b];
}

void blkstat_export_add(struct vmm_disk_stat *dst,
			const struct vmm_disk_stat *src)
{
	unsigned int i, j;

	for (i = 0; i < VMM_DISK_NR_OPS; i++) {
		struct vmm_disk_op_stat *d = &dst->op[i];
		const struct vmm_disk_op_stat *o = &src->op[i];

		d->requests += o->requests;
		d->bytes += o->bytes;
		d->errors += o->errors;
		for (j = 0; j < VMM_DISK_NR_STAGES; j++)
			blkstat_lat_add(&d->stage[j], &o->stage[j]);
	}
	dst->inflight += src->inflight;
	dst->ack_lost += src->ack_lost;
}
