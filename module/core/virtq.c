// SPDX-License-Identifier: GPL-2.0
/*
 * Split virtqueues, device side: see virtq.h.
 */
#include "virtq.h"

static u16 le16_at(const u8 *p)
{
	return p[0] | (u16)p[1] << 8;
}

static u32 le32_at(const u8 *p)
{
	return le16_at(p) | (u32)le16_at(p + 2) << 16;
}

static u64 le64_at(const u8 *p)
{
	return le32_at(p) | (u64)le32_at(p + 4) << 32;
}

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

void virtq_init(struct virtq *vq, const struct blk_gmem_ops *gm, void *opaque)
{
	memset(vq, 0, sizeof(*vq));
	vq->gm = gm;
	vq->gm_opaque = opaque;
}

void virtq_reset(struct virtq *vq)
{
	vq->ready = false;
	vq->broken = false;
	vq->no_notify = false;
	vq->last_avail = 0;
	vq->used_idx = 0;
	vq->signalled = 0;
	vq->signalled_valid = false;
}

int virtq_enable(struct virtq *vq)
{
	u16 n = vq->size;

	virtq_reset(vq);
	if (!n || n > VIRTQ_MAX_SIZE || (n & (n - 1)))
		return -EINVAL;
	if (vq->packed) {
		/* The ring is written back; the event areas are 4 bytes. */
		if ((vq->desc & 15) || (vq->avail & 3) || (vq->used & 3) ||
		    !vq->gm->ok(vq->gm_opaque, vq->desc, VIRTQ_DESC_BYTES(n), true) ||
		    !vq->gm->ok(vq->gm_opaque, vq->avail, 4, false) ||
		    !vq->gm->ok(vq->gm_opaque, vq->used, 4, true))
			return -EINVAL;
		vq->signalled_valid = true;
		vq->ready = true;
		return 0;
	}
	if ((vq->desc & 15) || (vq->avail & 1) || (vq->used & 3))
		return -EINVAL;
	if (!vq->gm->ok(vq->gm_opaque, vq->desc, VIRTQ_DESC_BYTES(n), false) ||
	    !vq->gm->ok(vq->gm_opaque, vq->avail, VIRTQ_AVAIL_BYTES(n),
			false) ||
	    !vq->gm->ok(vq->gm_opaque, vq->used, VIRTQ_USED_BYTES(n),
			true))
		return -EINVAL;
	/* Nothing used yet: used_event 0 asks for the first completion. */
	vq->signalled_valid = true;
	vq->ready = true;
	return 0;
}

static int virtq_break(struct virtq *vq)
{
	vq->broken = true;
	return -EIO;
}

static int virtq_rd16(struct virtq *vq, u64 gpa, u16 *v)
{
	u8 b[2];

	if (vq->gm->read(vq->gm_opaque, gpa, b, 2))
		return -EIO;
	*v = le16_at(b);
	return 0;
}

static int virtq_wr16(struct virtq *vq, u64 gpa, u16 v)
{
	u8 b[2];

	put_le16(b, v);
	return vq->gm->write(vq->gm_opaque, gpa, b, 2) ? -EIO : 0;
}

/* The driver's avail->idx, checked: it runs at most size ahead of us. */
static int virtq_avail_idx(struct virtq *vq, u16 *idx)
{
	if (virtq_rd16(vq, vq->avail + 2, idx))
		return virtq_break(vq);
	if ((u16)(*idx - vq->last_avail) > vq->size)
		return virtq_break(vq);
	return 0;
}

/* Packed: the wrap counter of free-running slot count cnt. */
static bool virtq_wrap(const struct virtq *vq, u16 cnt)
{
	return !((cnt / vq->size) & 1);
}

static u64 virtq_slot_gpa(const struct virtq *vq, u16 cnt)
{
	return vq->desc + (u64)(cnt & (vq->size - 1)) * VIRTQ_DESC_SIZE;
}

/* Is a packed descriptor with these flags the driver's at count cnt? */
static bool virtq_flags_avail(const struct virtq *vq, u16 cnt, u16 flags)
{
	bool w = virtq_wrap(vq, cnt);

	return !!(flags & VIRTQ_DESC_F_AVAIL) == w &&
	       !!(flags & VIRTQ_DESC_F_USED) != w;
}

/* 1 if the slot at count cnt is available, 0 if not, -EIO. */
static int virtq_packed_avail(struct virtq *vq, u16 cnt)
{
	u16 flags;

	if (virtq_rd16(vq, virtq_slot_gpa(vq, cnt) + 14, &flags))
		return virtq_break(vq);
	return virtq_flags_avail(vq, cnt, flags);
}

int virtq_pending(struct virtq *vq)
{
	u16 idx;

	if (!vq->ready || vq->broken)
		return vq->broken ? -EIO : 0;
	if (vq->packed)
		return virtq_packed_avail(vq, vq->last_avail);
	if (virtq_avail_idx(vq, &idx))
		return -EIO;
	return idx != vq->last_avail;
}

/* Add one buffer to the chain, checking order, count, sizes and memory. */
static int virtq_add_buf(struct virtq *vq, struct virtq_chain *c, u64 gpa,
			 u32 len, bool write)
{
	struct virtq_buf *b;

	if (c->nr >= VIRTQ_MAX_CHAIN || !len)
		return -EIO;
	if (!write && c->nr != c->nr_out)
		return -EIO;	/* readable after writable */
	if (!vq->gm->ok(vq->gm_opaque, gpa, len, write))
		return -EIO;
	if (write) {
		if (len > VIRTQ_MAX_BYTES - c->in_len)
			return -EIO;
		c->in_len += len;
	} else {
		if (len > VIRTQ_MAX_BYTES - c->out_len)
			return -EIO;
		c->out_len += len;
		c->nr_out++;
	}
	b = &c->buf[c->nr++];
	b->gpa = gpa;
	b->len = len;
	b->write = write;
	return 0;
}

/* Walk an indirect table of len bytes at gpa (no nesting). */
static int virtq_walk_indirect(struct virtq *vq, struct virtq_chain *c,
			       u64 gpa, u32 len)
{
	u32 n = len / VIRTQ_DESC_SIZE, i = 0, steps = 0;
	u8 d[VIRTQ_DESC_SIZE];
	u16 flags;

	if (!vq->indirect || !len || (len % VIRTQ_DESC_SIZE) ||
	    n > VIRTQ_MAX_CHAIN || !vq->gm->ok(vq->gm_opaque, gpa, len, false))
		return -EIO;
	if (vq->packed) {
		/* A packed table is its chain, in order; no next fields. */
		for (i = 0; i < n; i++) {
			if (vq->gm->read(vq->gm_opaque,
					 gpa + (u64)i * VIRTQ_DESC_SIZE, d, sizeof(d)))
				return -EIO;
			flags = le16_at(d + 14);
			if ((flags & VIRTQ_DESC_F_INDIRECT) ||
			    virtq_add_buf(vq, c, le64_at(d), le32_at(d + 8),
					  flags & VIRTQ_DESC_F_WRITE))
				return -EIO;
		}
		return 0;
	}
	for (;;) {
		if (i >= n || ++steps > n)
			return -EIO;	/* out of the table, or a loop */
		if (vq->gm->read(vq->gm_opaque, gpa + (u64)i * VIRTQ_DESC_SIZE,
				 d, sizeof(d)))
			return -EIO;
		flags = le16_at(d + 12);
		if (flags & VIRTQ_DESC_F_INDIRECT)
			return -EIO;
		if (virtq_add_buf(vq, c, le64_at(d), le32_at(d + 8),
				  flags & VIRTQ_DESC_F_WRITE))
			return -EIO;
		if (!(flags & VIRTQ_DESC_F_NEXT))
			return 0;
		i = le16_at(d + 14);
	}
}

static int virtq_walk(struct virtq *vq, struct virtq_chain *c, u16 head)
{
	u32 steps = 0;
	u16 i = head, flags;
	u8 d[VIRTQ_DESC_SIZE];

	c->head = head;
	c->slots = 1;
	c->nr = 0;
	c->nr_out = 0;
	c->out_len = 0;
	c->in_len = 0;
	for (;;) {
		/* Each descriptor at most once: more steps means a loop. */
		if (i >= vq->size || ++steps > vq->size)
			return -EIO;
		if (vq->gm->read(vq->gm_opaque, vq->desc + (u64)i * VIRTQ_DESC_SIZE,
				 d, sizeof(d)))
			return -EIO;
		flags = le16_at(d + 12);
		if (flags & VIRTQ_DESC_F_INDIRECT) {
			/* An indirect descriptor is the chain's only one. */
			if ((flags & VIRTQ_DESC_F_NEXT) || c->nr)
				return -EIO;
			return virtq_walk_indirect(vq, c, le64_at(d),
						   le32_at(d + 8));
		}
		if (virtq_add_buf(vq, c, le64_at(d), le32_at(d + 8),
				  flags & VIRTQ_DESC_F_WRITE))
			return -EIO;
		if (!(flags & VIRTQ_DESC_F_NEXT))
			return 0;
		i = le16_at(d + 14);
	}
}

static void virtq_chain_clear(struct virtq_chain *c)
{
	c->nr = 0;
	c->nr_out = 0;
	c->out_len = 0;
	c->in_len = 0;
	c->slots = 1;
}

/* Walk the packed chain starting at count cnt (available); -EIO if bad. */
static int virtq_walk_packed(struct virtq *vq, struct virtq_chain *c, u16 *cnt)
{
	u16 steps = 0, flags;
	u8 d[VIRTQ_DESC_SIZE];

	virtq_chain_clear(c);
	for (;;) {
		if (++steps > vq->size)
			return -EIO;
		if (vq->gm->read(vq->gm_opaque, virtq_slot_gpa(vq, *cnt), d, sizeof(d)))
			return -EIO;
		flags = le16_at(d + 14);
		/* The driver makes the head available last: all of it is ours. */
		if (!virtq_flags_avail(vq, *cnt, flags))
			return -EIO;
		(*cnt)++;
		c->head = le16_at(d + 12);	/* the last descriptor's id counts */
		c->slots = steps;
		if (flags & VIRTQ_DESC_F_INDIRECT) {
			if ((flags & VIRTQ_DESC_F_NEXT) || c->nr)
				return -EIO;
			return virtq_walk_indirect(vq, c, le64_at(d), le32_at(d + 8));
		}
		if (virtq_add_buf(vq, c, le64_at(d), le32_at(d + 8),
				  flags & VIRTQ_DESC_F_WRITE))
			return -EIO;
		if (!(flags & VIRTQ_DESC_F_NEXT))
			return 0;
	}
}

static int virtq_pop_packed(struct virtq *vq, struct virtq_chain *c)
{
	u16 cnt = vq->last_avail;
	int r = virtq_packed_avail(vq, cnt);

	if (r <= 0)
		return r;
	/* The descriptor was written before its flags (driver's wmb). */
	virtq_mb();
	if (virtq_walk_packed(vq, c, &cnt))
		return virtq_break(vq);
	vq->prev_avail = vq->last_avail;
	vq->last_avail = cnt;
	return 1;
}

int virtq_pop(struct virtq *vq, struct virtq_chain *c)
{
	u16 idx, head;

	if (vq->broken)
		return -EIO;
	if (!vq->ready)
		return 0;
	if (vq->packed)
		return virtq_pop_packed(vq, c);
	if (virtq_avail_idx(vq, &idx))
		return -EIO;
	if (idx == vq->last_avail) {
		/*
		 * Not asking leaves avail_event behind the driver's index: it
		 * adds entries without notifying until we ask again.
		 */
		if (!vq->event_idx || vq->no_notify)
			return 0;
		/*
		 * Ask for a notification at the next entry, then look again:
		 * the driver may have added one before it saw our request.
		 */
		if (virtq_wr16(vq, vq->used + VIRTQ_AVAIL_EVENT(vq->size),
			       vq->last_avail))
			return virtq_break(vq);
		virtq_mb();
		if (virtq_avail_idx(vq, &idx))
			return -EIO;
		if (idx == vq->last_avail)
			return 0;
	}
	/* The entries were written before the index (driver's wmb). */
	virtq_mb();
	if (virtq_rd16(vq, vq->avail + 4 + 2 * (u64)(vq->last_avail & (vq->size - 1)),
		       &head))
		return virtq_break(vq);
	if (virtq_walk(vq, c, head))
		return virtq_break(vq);
	vq->prev_avail = vq->last_avail;
	vq->last_avail++;
	return 1;
}

void virtq_unpop(struct virtq *vq)
{
	vq->last_avail = vq->prev_avail;
}

static int virtq_push_packed(struct virtq *vq, u16 head, u16 slots, u32 len)
{
	u64 at = virtq_slot_gpa(vq, vq->used_idx);
	u8 e[6];

	if (!slots || slots > vq->size)
		return virtq_break(vq);
	put_le32(e, len);
	put_le16(e + 4, head);
	if (vq->gm->write(vq->gm_opaque, at + 8, e, sizeof(e)))
		return virtq_break(vq);
	/* Length and id are visible before the flags hand the slot back. */
	virtq_mb();
	if (virtq_wr16(vq, at + 14, virtq_wrap(vq, vq->used_idx) ?
		       VIRTQ_DESC_F_AVAIL | VIRTQ_DESC_F_USED : 0))
		return virtq_break(vq);
	vq->used_idx += slots;
	return 0;
}

int virtq_push(struct virtq *vq, u16 head, u32 len)
{
	return virtq_push_n(vq, head, 1, len);
}

int virtq_push_n(struct virtq *vq, u16 head, u16 slots, u32 len)
{
	u8 e[8];
	u64 at;

	if (!vq->ready || vq->broken)
		return -EIO;
	if (vq->packed)
		return virtq_push_packed(vq, head, slots, len);
	at = vq->used + 4 + 8 * (u64)(vq->used_idx & (vq->size - 1));
	put_le32(e, head);
	put_le32(e + 4, len);
	if (vq->gm->write(vq->gm_opaque, at, e, sizeof(e)))
		return virtq_break(vq);
	/* The element is visible before the index that publishes it. */
	virtq_mb();
	vq->used_idx++;
	if (virtq_wr16(vq, vq->used + 2, vq->used_idx))
		return virtq_break(vq);
	return 0;
}

/*
 * Packed: the driver's event suppression structure. With DESC, its
 * (offset, wrap) names a slot count; the one nearest ours is the event.
 */
static bool virtq_packed_signal(struct virtq *vq, u16 old, u16 now, bool valid)
{
	u16 off_wrap, flags, ev, period = 2 * vq->size;
	s16 diff;

	if (virtq_rd16(vq, vq->avail, &off_wrap) ||
	    virtq_rd16(vq, vq->avail + 2, &flags))
		return true;
	if (flags == VIRTQ_EVENT_F_DISABLE)
		return false;
	if (flags != VIRTQ_EVENT_F_DESC || !vq->event_idx || !valid)
		return true;
	ev = (now & ~(period - 1)) + (off_wrap & 0x8000 ? 0 : vq->size) +
	     (off_wrap & 0x7fff);
	diff = (s16)(ev - now);
	if (diff > (s16)vq->size)
		ev -= period;
	else if (diff <= -(s16)vq->size)
		ev += period;
	return (u16)(now - ev - 1) < (u16)(now - old);
}

bool virtq_should_signal(struct virtq *vq)
{
	u16 old = vq->signalled, now = vq->used_idx, ev, flags;
	bool valid = vq->signalled_valid;

	if (!vq->ready || vq->broken)
		return false;
	/* Our used index is visible before we read what the driver wants. */
	virtq_mb();
	vq->signalled = now;
	vq->signalled_valid = true;
	if (vq->packed)
		return virtq_packed_signal(vq, old, now, valid);
	if (!vq->event_idx) {
		if (virtq_rd16(vq, vq->avail, &flags))
			return true;
		return !(flags & VIRTQ_AVAIL_F_NO_INTERRUPT);
	}
	if (virtq_rd16(vq, vq->avail + VIRTQ_USED_EVENT(vq->size), &ev))
		return true;
	if (!valid)
		return true;
	/* vring_need_event: ev lies in (old, now] (all mod 2^16). */
	return (u16)(now - ev - 1) < (u16)(now - old);
}

/* Copy between buf and bytes [off, off + len) of one kind of chain buffer. */
static int virtq_chain_copy(struct virtq *vq, const struct virtq_chain *c,
			    bool write, u32 off, u8 *buf, u32 len)
{
	u16 i = write ? c->nr_out : 0, end = write ? c->nr : c->nr_out;
	u32 n;

	for (; i < end && len; i++) {
		const struct virtq_buf *b = &c->buf[i];

		if (off >= b->len) {
			off -= b->len;
			continue;
		}
		n = b->len - off < len ? b->len - off : len;
		if (write ? vq->gm->write(vq->gm_opaque, b->gpa + off, buf, n) :
			    vq->gm->read(vq->gm_opaque, b->gpa + off, buf, n))
			return -EFAULT;
		buf += n;
		len -= n;
		off = 0;
	}
	return len ? -EINVAL : 0;
}

int virtq_chain_read(struct virtq *vq, const struct virtq_chain *c, u32 off,
		     void *buf, u32 len)
{
	return virtq_chain_copy(vq, c, false, off, buf, len);
}

int virtq_chain_write(struct virtq *vq, const struct virtq_chain *c, u32 off,
		      const void *buf, u32 len)
{
	return virtq_chain_copy(vq, c, true, off, (u8 *)buf, len);
}
