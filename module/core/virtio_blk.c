// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk: see virtio_blk.h.
 */
#include "virtio_blk.h"

#define VBLK_ST_OK	0
#define VBLK_ST_IOERR	1
#define VBLK_ST_UNSUPP	2
#define VBLK_ST_ORPHAN	3

static void put_le16(u8 *p, u16 v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put_le32(u8 *p, u32 v)
{
	put_le16(p, v);
	put_le16(p + 2, v >> 16);
}

static u32 le32_at(const u8 *p)
{
	return p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static u64 le64_at(const u8 *p)
{
	return le32_at(p) | (u64)le32_at(p + 4) << 32;
}

static struct virtio_blk *to_blk(struct virtio_pci *vp)
{
	return (struct virtio_blk *)vp;
}

static struct vblk_req *vblk_get_slot(struct virtio_blk *blk, u16 q)
{
	struct vblk_queue *bq = &blk->q[q];
	unsigned int i;

	if (bq->busy >= VBLK_QUEUE_SIZE)
		return NULL;
	for (i = 0; i < VBLK_QUEUE_SIZE; i++) {
		if (!bq->slot[i].busy) {
			bq->slot[i].busy = true;
			/* vblk_put_slot() counts it back on its own queue */
			bq->slot[i].q = q;
			bq->busy++;
			return &bq->slot[i];
		}
	}
	return NULL;
}

static void vblk_put_slot(struct virtio_blk *blk, struct vblk_req *r)
{
	r->busy = false;
	blk->q[r->q].busy--;
}

/*
 * Finish r with status st: the status byte, the used ring; the caller
 * signals the queue. A failure to write guest memory breaks the device.
 */
static void vblk_finish(struct virtio_blk *blk, struct vblk_req *r, u8 st)
{
	struct virtio_pci *vp = &blk->vp;
	struct virtq *vq = &vp->vq[r->q];

	blk->stats[st < 3 ? st : VBLK_ST_IOERR]++;
	if (vq->gm->write(vq->gm_opaque, r->status_gpa, &st, 1) ||
	    virtq_push_n(vq, r->head, r->slots, r->used_len))
		virtio_pci_set_needs_reset(vp);
	vblk_put_slot(blk, r);
}

static void vblk_kick(struct virtio_blk *blk, u16 q);
static void vblk_poll(struct virtio_blk *blk, u16 q);

static u64 vblk_now(struct virtio_blk *blk)
{
	return blk->now_ns ? blk->now_ns(blk->vp.host_opaque) : 0;
}

static void vblk_done(struct blk_req *req, int error)
{
	struct vblk_req *r = req->priv;
	struct virtio_blk *blk = r->blk;
	struct virtio_pci *vp = &blk->vp;
	struct vblk_queue *bq = &blk->q[r->q];
	unsigned long flags = 0;
	u16 q = r->q, i;

	vmm_lock(&vp->lock, flags);
	blk->inflight--;
	if (!req->t[BLK_T_DONE])
		req->t[BLK_T_DONE] = vblk_now(blk);
	blkstat_done(&blk->bs, req, error);
	if (r->gen != bq->gen) {
		/* The device was reset since: the rings are not ours. */
		blk->stats[VBLK_ST_ORPHAN]++;
		vblk_put_slot(blk, r);
	} else {
		if (error)
			r->used_len = 1;	/* no data is valid */
		vblk_finish(blk, r, error == -EOPNOTSUPP ? VBLK_ST_UNSUPP :
			    error ? VBLK_ST_IOERR : VBLK_ST_OK);
		virtio_pci_queue_done(vp, q);
		/* r's slot is free again, but nothing reuses it under the lock */
		req->t[BLK_T_IRQ] = vblk_now(blk);
		blkstat_end(&blk->bs, req, error ? 0 : req->len, error);
	}
	/*
	 * Resume the queues that stopped for want of room: their own slots,
	 * or the backend's, which every queue shares (so any queue's
	 * completion may be the one they wait for).
	 */
	for (i = 0; i < vp->nr_queues; i++) {
		if (!virtio_pci_running(vp, i))
			continue;
		if (i == q && blk->poll)
			vblk_poll(blk, i);
		else if (blk->q[i].stalled)
			vblk_kick(blk, i);
	}
	vmm_unlock(&vp->lock, flags);
}

/*
 * The segments of bytes [skip, skip + len) of the chain's readable (or
 * writable) buffers: 0, or -EINVAL beyond VBLK_SEG_MAX or the buffers.
 */
static int vblk_segs(const struct virtq_chain *c, bool write, u32 skip, u32 len,
		     struct blk_seg *segs, u32 *nr)
{
	u16 i = write ? c->nr_out : 0, end = write ? c->nr : c->nr_out;
	u32 n = 0, take;

	for (; i < end && len; i++) {
		const struct virtq_buf *b = &c->buf[i];

		if (skip >= b->len) {
			skip -= b->len;
			continue;
		}
		if (n == VBLK_SEG_MAX)
			return -EINVAL;
		take = b->len - skip < len ? b->len - skip : len;
		segs[n].gpa = b->gpa + skip;
		segs[n].len = take;
		n++;
		len -= take;
		skip = 0;
	}
	*nr = n;
	return len ? -EINVAL : 0;
}

/* Fill r's blk_req from the header: a status, or -1 to submit. */
static int vblk_parse(struct virtio_blk *blk, struct vblk_req *r,
		      const struct virtq_chain *c)
{
	struct virtq *vq = &blk->vp.vq[r->q];
	struct blk_req *req = &r->req;
	u8 hdr[VIRTIO_BLK_HDR], range[16];
	u32 type, len, nr = 0, flags;
	u64 sector;

	if (c->out_len < VIRTIO_BLK_HDR ||
	    virtq_chain_read(vq, c, 0, hdr, sizeof(hdr)))
		return VBLK_ST_IOERR;
	type = le32_at(hdr);
	sector = le64_at(hdr + 8);
	memset(req, 0, sizeof(*req));
	req->segs = r->segs;
	req->done = vblk_done;
	req->priv = r;

	switch (type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		if (type == VIRTIO_BLK_T_IN) {
			len = c->in_len - 1;
			if (c->out_len != VIRTIO_BLK_HDR ||
			    vblk_segs(c, true, 0, len, r->segs, &nr))
				return VBLK_ST_IOERR;
			r->used_len = c->in_len;
			req->op = BLK_OP_READ;
		} else {
			len = c->out_len - VIRTIO_BLK_HDR;
			if (vblk_segs(c, false, VIRTIO_BLK_HDR, len, r->segs, &nr))
				return VBLK_ST_IOERR;
			req->op = BLK_OP_WRITE;
		}
		if (!len || len % VIRTIO_BLK_SECTOR || len > BLK_MAX_BYTES)
			return VBLK_ST_IOERR;
		break;
	case VIRTIO_BLK_T_FLUSH:
		req->op = BLK_OP_FLUSH;
		return -1;
	case VIRTIO_BLK_T_GET_ID:
		len = c->in_len - 1 < VIRTIO_BLK_ID_BYTES ? c->in_len - 1 :
		      VIRTIO_BLK_ID_BYTES;
		if (virtq_chain_write(vq, c, 0, blk->id, len))
			return VBLK_ST_IOERR;
		r->used_len = len + 1;
		return VBLK_ST_OK;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		if (!(blk->vp.dev_features & (1ULL << (type == VIRTIO_BLK_T_DISCARD ?
			VIRTIO_BLK_F_DISCARD : VIRTIO_BLK_F_WRITE_ZEROES))))
			return VBLK_ST_UNSUPP;
		/* One range (max_discard_seg = max_write_zeroes_seg = 1). */
		if (c->out_len != VIRTIO_BLK_HDR + sizeof(range) ||
		    virtq_chain_read(vq, c, VIRTIO_BLK_HDR, range, sizeof(range)))
			return VBLK_ST_IOERR;
		sector = le64_at(range);
		len = le32_at(range + 8);
		flags = le32_at(range + 12);
		if (type == VIRTIO_BLK_T_DISCARD ? flags : flags & ~1u)
			return VBLK_ST_UNSUPP;
		if (!len || len > VBLK_MAX_DISCARD_SECTORS)
			return VBLK_ST_IOERR;
		len *= VIRTIO_BLK_SECTOR;
		req->op = type == VIRTIO_BLK_T_DISCARD ? BLK_OP_DISCARD :
			  BLK_OP_WRITE_ZEROES;
		break;
	default:
		return VBLK_ST_UNSUPP;
	}
	/* The byte offset and range, without overflow (blk_req_check). */
	if (sector > (~0ULL >> 9))
		return VBLK_ST_IOERR;
	req->offset = sector * VIRTIO_BLK_SECTOR;
	req->len = len;
	req->nr_segs = nr;
	if ((req->offset | req->len) % blk->be->block_size ||
	    blk_req_check(blk->be, req))
		return VBLK_ST_IOERR;
	return -1;
}

/* Take one chain from queue q: false when there is nothing more to do. */
static bool vblk_one(struct virtio_blk *blk, u16 q)
{
	struct virtio_pci *vp = &blk->vp;
	struct virtq_chain *c = &blk->chain;
	const struct virtq_buf *last;
	struct vblk_req *r;
	int st, ret;

	if (blk->inflight >= blk->be->max_inflight) {
		blk->q[q].stalled = true;
		return false;
	}
	r = vblk_get_slot(blk, q);
	if (!r) {
		blk->q[q].stalled = true;
		return false;
	}
	ret = virtq_pop(&vp->vq[q], c);
	if (ret <= 0) {
		vblk_put_slot(blk, r);
		if (ret < 0)
			virtio_pci_set_needs_reset(vp);
		return false;
	}
	r->blk = blk;
	r->q = q;
	r->gen = blk->q[q].gen;
	r->head = c->head;
	r->slots = c->slots;
	r->used_len = 1;
	/* The status byte is the last byte the device may write. */
	if (!c->in_len) {
		/* Nowhere to say what happened: return it untouched. */
		blk->stats[VBLK_ST_IOERR]++;
		if (virtq_push_n(&vp->vq[q], c->head, c->slots, 0))
			virtio_pci_set_needs_reset(vp);
		vblk_put_slot(blk, r);
		return true;
	}
	last = &c->buf[c->nr - 1];
	r->status_gpa = last->gpa + last->len - 1;
	st = vblk_parse(blk, r, c);
	if (st < 0) {
		/*
		 * Timed from the driver's last notify: a request made
		 * available while notifications were suppressed waited at
		 * least that long for the device.
		 */
		r->req.t[BLK_T_NOTIFY] = blk->t_notify;
		r->req.t[BLK_T_SUBMIT] = vblk_now(blk);
		ret = blk_submit(blk->be, &r->req);
		if (!ret) {
			blk->inflight++;
			blkstat_submitted(&blk->bs, &r->req);
			return true;
		}
		if (ret == -EBUSY) {
			/*
			 * The backend is full (a completion in progress still
			 * holds its context): take the chain again later; a
			 * completion still to come kicks the queue.
			 */
			virtq_unpop(&vp->vq[q]);
			vblk_put_slot(blk, r);
			blk->q[q].stalled = true;
			return false;
		}
		st = VBLK_ST_IOERR;
	}
	if (st != VBLK_ST_OK)
		r->used_len = 1;
	vblk_finish(blk, r, st);
	return true;
}

/*
 * Lock held: take what queue q has (as the slots allow), at most a ring's
 * worth when the host can kick again later: a driver on another vCPU may
 * keep the ring full of requests that end at once (errors, GET_ID) for as
 * long as it likes, and this runs in an exit handler or a completion with
 * the device lock held and interrupts off. A driver alone never has more
 * than a ring's worth available, so for it nothing changes.
 */
static void vblk_kick(struct virtio_blk *blk, u16 q)
{
	struct virtio_pci *vp = &blk->vp;
	u16 used = vp->vq[q].used_idx;
	u32 taken = 0;
	int more;

	blk->q[q].stalled = false;
	while (virtio_pci_running(vp, q) && vblk_one(blk, q)) {
		if (++taken < vp->vq[q].size || !vp->host->kick_later)
			continue;
		more = virtio_pci_running(vp, q) ? virtq_pending(&vp->vq[q]) : 0;
		if (more < 0)
			virtio_pci_set_needs_reset(vp);
		else if (more)
			vp->host->kick_later(vp->host_opaque, q);
		break;
	}
	/* Requests completed at once (errors, GET_ID) want their interrupt. */
	if (vp->vq[q].used_idx != used)
		virtio_pci_queue_done(vp, q);
}

/*
 * Lock held, polling on: take what queue q has, and while requests of it
 * are in flight leave the driver's notifications off, since the next
 * completion looks at the ring again. When the last one is done, ask for
 * notifications and look once more (the driver may have added one before
 * it saw the request).
 */
static void vblk_poll(struct virtio_blk *blk, u16 q)
{
	struct virtq *vq = &blk->vp.vq[q];

	vq->no_notify = true;
	vblk_kick(blk, q);
	if (!blk->q[q].busy && virtio_pci_running(&blk->vp, q)) {
		vq->no_notify = false;
		vblk_kick(blk, q);
	}
}

/*
 * The driver's next notify (or ISR read) is the first sign it has seen
 * the completions so far: the end of their ACK stage (an upper bound).
 */
static void vblk_ack(struct virtio_blk *blk, u64 t)
{
	if (blk->bs.ack_n)
		blkstat_ack(&blk->bs, t);
}

static void vblk_notify(struct virtio_pci *vp, u16 q)
{
	struct virtio_blk *blk = to_blk(vp);

	blk->t_notify = vblk_now(blk);
	vblk_ack(blk, blk->t_notify);
	if (blk->poll)
		vblk_poll(blk, q);
	else
		vblk_kick(blk, q);
}

static void vblk_isr_read(struct virtio_pci *vp)
{
	struct virtio_blk *blk = to_blk(vp);

	vblk_ack(blk, vblk_now(blk));
}

static void vblk_reset(struct virtio_pci *vp)
{
	struct virtio_blk *blk = to_blk(vp);
	unsigned int i;
	u16 q;

	/*
	 * Requests in flight become orphans: their slots stay taken until
	 * done(); one still waiting (a limited disk) may end early.
	 */
	for (q = 0; q < VBLK_MAX_QUEUES; q++) {
		blk->q[q].gen++;
		blk->q[q].stalled = false;
		for (i = 0; i < VBLK_QUEUE_SIZE; i++)
			if (blk->q[q].slot[i].busy)
				blk_cancel(blk->be, &blk->q[q].slot[i].req);
	}
}

static const struct virtio_pci_ops vblk_ops = {
	.notify = vblk_notify,
	.reset = vblk_reset,
	.isr_read = vblk_isr_read,
};

int virtio_blk_init(struct virtio_blk *blk, struct blk_backend *be,
		    u16 nr_queues, const char *id,
		    const struct blk_gmem_ops *gm, void *gm_opaque,
		    const struct virtio_pci_host_ops *host, void *host_opaque)
{
	struct virtio_pci *vp = &blk->vp;
	u8 *cfg = vp->config;
	u64 f;
	int r;

	BUILD_BUG_ON(offsetof(struct virtio_blk, vp) != 0);
	if (!be || be->size % VIRTIO_BLK_SECTOR || !be->block_size ||
	    be->block_size % VIRTIO_BLK_SECTOR || !nr_queues ||
	    nr_queues > VBLK_MAX_QUEUES || !be->max_inflight)
		return -EINVAL;
	memset(blk, 0, sizeof(*blk));
	/* Class 01 80 00: other mass storage, as virtio-blk functions are. */
	r = virtio_pci_init(vp, VIRTIO_ID_BLOCK, 0x018000, nr_queues,
			    VBLK_QUEUE_SIZE, &vblk_ops, gm, gm_opaque, host,
			    host_opaque);
	if (r)
		return r;
	blk->be = be;
	if (id)
		memcpy(blk->id, id, strnlen(id, sizeof(blk->id)));

	f = 1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_F_EVENT_IDX |
	    1ULL << VIRTIO_F_INDIRECT_DESC | 1ULL << VIRTIO_BLK_F_SIZE_MAX |
	    1ULL << VIRTIO_BLK_F_SEG_MAX | 1ULL << VIRTIO_BLK_F_BLK_SIZE |
	    1ULL << VIRTIO_BLK_F_FLUSH | 1ULL << VIRTIO_BLK_F_TOPOLOGY;
	if (nr_queues > 1)
		f |= 1ULL << VIRTIO_BLK_F_MQ;
	if (be->readonly)
		f |= 1ULL << VIRTIO_BLK_F_RO;
	else
		f |= 1ULL << VIRTIO_BLK_F_WRITE_ZEROES;
	if (be->can_discard && !be->readonly)
		f |= 1ULL << VIRTIO_BLK_F_DISCARD;
	vp->dev_features = f;

	put_le32(cfg + VBLK_CFG_CAPACITY, (u32)(be->size / VIRTIO_BLK_SECTOR));
	put_le32(cfg + VBLK_CFG_CAPACITY + 4, (be->size / VIRTIO_BLK_SECTOR) >> 32);
	put_le32(cfg + VBLK_CFG_SIZE_MAX, VBLK_SIZE_MAX);
	put_le32(cfg + VBLK_CFG_SEG_MAX, VBLK_SEG_MAX);
	put_le32(cfg + VBLK_CFG_BLK_SIZE, be->block_size);
	cfg[VBLK_CFG_PHYS_EXP] = 0;
	put_le16(cfg + VBLK_CFG_MIN_IO, 1);
	put_le32(cfg + VBLK_CFG_OPT_IO, 0);
	put_le16(cfg + VBLK_CFG_NUM_QUEUES, nr_queues);
	put_le32(cfg + VBLK_CFG_MAX_DISCARD, VBLK_MAX_DISCARD_SECTORS);
	put_le32(cfg + VBLK_CFG_MAX_DISCARD_SEG, 1);
	put_le32(cfg + VBLK_CFG_DISCARD_ALIGN, be->block_size / VIRTIO_BLK_SECTOR);
	put_le32(cfg + VBLK_CFG_MAX_WZ, VBLK_MAX_DISCARD_SECTORS);
	put_le32(cfg + VBLK_CFG_MAX_WZ_SEG, 1);
	cfg[VBLK_CFG_WZ_UNMAP] = be->can_discard;
	vp->config_len = VBLK_CFG_LEN;
	return 0;
}

void virtio_blk_offer_packed(struct virtio_blk *blk, bool on)
{
	if (on)
		blk->vp.dev_features |= 1ULL << VIRTIO_F_RING_PACKED;
	else
		blk->vp.dev_features &= ~(1ULL << VIRTIO_F_RING_PACKED);
}

void virtio_blk_resume(struct virtio_blk *blk, u16 q)
{
	unsigned long flags = 0;

	vmm_lock(&blk->vp.lock, flags);
	if (virtio_pci_running(&blk->vp, q))
		vblk_kick(blk, q);
	vmm_unlock(&blk->vp.lock, flags);
}

u32 virtio_blk_inflight(struct virtio_blk *blk)
{
	unsigned long flags = 0;
	u32 n;

	vmm_lock(&blk->vp.lock, flags);
	n = blk->inflight;
	vmm_unlock(&blk->vp.lock, flags);
	return n;
}
