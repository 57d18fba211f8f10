// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio memory balloon: see virtio_balloon.h.
 */
#include "virtio_balloon.h"
#include "bytes.h"

static struct virtio_balloon *vb_of(struct virtio_pci *vp)
{
	return (struct virtio_balloon *)((char *)vp -
					 offsetof(struct virtio_balloon, vp));
}

enum vballoon_role virtio_balloon_role(const struct virtio_balloon *vb, u16 q)
{
	u16 next = 2;

	if (q == 0)
		return VBALLOON_INFLATE;
	if (q == 1)
		return VBALLOON_DEFLATE;
	/* Absent queues take no index: the next one moves up. */
	if (virtio_has(&vb->vp, VIRTIO_BALLOON_F_STATS_VQ) && q == next++)
		return VBALLOON_STATS;
	if (virtio_has(&vb->vp, VIRTIO_BALLOON_F_REPORTING) && q == next)
		return VBALLOON_REPORTING;
	return VBALLOON_NONE;
}

/* vp->lock held: the statistics in the chain the driver just posted. */
static void vb_stats_parse(struct virtio_balloon *vb, u16 q)
{
	const struct virtq_chain *c = &vb->stats_chain;
	struct virtq *vq = &vb->vp.vq[q];
	u8 e[VBALLOON_STAT_BYTES];
	u32 i, n;
	u16 tag;

	n = c->out_len / VBALLOON_STAT_BYTES;
	if (n > VBALLOON_MAX_STATS)
		n = VBALLOON_MAX_STATS;
	for (i = 0; i < n; i++) {
		if (virtq_chain_read(vq, c, i * VBALLOON_STAT_BYTES, e, sizeof(e)))
			break;
		tag = vmm_get_le16(e);
		if (tag >= VBALLOON_NR_STATS)
			continue;
		vb->info.stats[tag] = vmm_get_le64(e + 2);
		vb->info.stats_valid |= 1u << tag;
	}
	vb->info.stats_updates++;
}

/* vp->lock held: give the held stats buffer back (the driver refills it). */
static void vb_stats_return(struct virtio_balloon *vb, u16 q)
{
	if (!vb->stats_held)
		return;
	vb->stats_held = false;
	if (virtq_push(&vb->vp.vq[q], vb->stats_head, 0))
		virtio_pci_set_needs_reset(&vb->vp);
	else
		virtio_pci_queue_done(&vb->vp, q);
}

/*
 * vp->lock held: the driver posted (new) statistics; keep the buffer.
 * At most a ring's worth a notify: a driver on another vCPU could keep
 * the ring full for as long as it likes, and this runs with the device
 * lock held and interrupts off. The one buffer a driver keeps posted is
 * taken at once; what a flood leaves waits for its next notify.
 */
static void vb_stats_take(struct virtio_balloon *vb, u16 q)
{
	u32 n;
	int r;

	for (n = 0; n < vb->vp.vq[q].size; n++) {
		r = virtq_pop(&vb->vp.vq[q], &vb->stats_chain);
		if (r < 0)
			virtio_pci_set_needs_reset(&vb->vp);
		if (r <= 0)
			return;
		/* One buffer at a time: an older one goes back first. */
		vb_stats_return(vb, q);
		vb_stats_parse(vb, q);
		vb->stats_held = true;
		vb->stats_head = vb->stats_chain.head;
	}
}

static void vb_notify(struct virtio_pci *vp, u16 q)
{
	struct virtio_balloon *vb = vb_of(vp);

	switch (virtio_balloon_role(vb, q)) {
	case VBALLOON_STATS:
		vb_stats_take(vb, q);
		break;
	case VBALLOON_INFLATE:
	case VBALLOON_DEFLATE:
	case VBALLOON_REPORTING:
		vb->bhost->kick(vb->bopaque);
		break;
	default:
		break;
	}
}

static void vb_reset(struct virtio_pci *vp)
{
	struct virtio_balloon *vb = vb_of(vp);

	vb->gen++;
	vb->stats_held = false;
	vmm_put_le32(&vp->config[VBALLOON_CFG_ACTUAL], 0);
}

/* Only `actual` is the driver's to write, a byte at a time if it likes. */
static void vb_config_write(struct virtio_pci *vp, u32 off, unsigned int size,
			    u64 val)
{
	unsigned int i;

	for (i = 0; i < size && i < 8; i++) {
		u32 b = off + i;

		if (b >= VBALLOON_CFG_ACTUAL && b < VBALLOON_CFG_ACTUAL + 4)
			vp->config[b] = (u8)(val >> (8 * i));
	}
}

static const struct virtio_pci_ops vb_ops = {
	.notify = vb_notify,
	.reset = vb_reset,
	.config_write = vb_config_write,
};

/*
 * Hand n pages of vb->gpa to the host (no lock held); count them. The
 * generation is checked by the caller before the chain is pushed.
 */
static void vb_discard(struct virtio_balloon *vb, enum vballoon_role role,
		       u32 n)
{
	unsigned long flags = 0;
	u32 freed;

	if (!n)
		return;
	freed = role == VBALLOON_DEFLATE ? 0 :
		vb->bhost->discard(vb->bopaque, vb->gpa, n);
	vmm_lock(&vb->vp.lock, flags);
	if (role == VBALLOON_INFLATE) {
		vb->info.inflated += n;
		vb->info.discarded += freed;
	} else if (role == VBALLOON_DEFLATE) {
		vb->info.deflated += n;
	} else {
		vb->info.reported += freed;
	}
	vmm_unlock(&vb->vp.lock, flags);
}

/*
 * The PFN array of an inflate or deflate chain, VBALLOON_BATCH at a time.
 * false: the device was reset meanwhile (the chain is dropped).
 */
static bool vb_do_pfns(struct virtio_balloon *vb, u16 q, enum vballoon_role role,
		       u32 gen)
{
	const struct virtq_chain *c = &vb->chain;
	u32 total = c->out_len / 4, done, n, i;
	unsigned long flags = 0;
	int r;

	if (total > VBALLOON_MAX_CHAIN_PFNS)
		total = VBALLOON_MAX_CHAIN_PFNS;
	vmm_lock(&vb->vp.lock, flags);
	vb->info.ignored += c->out_len / 4 - total + (c->out_len % 4 != 0);
	vmm_unlock(&vb->vp.lock, flags);
	for (done = 0; done < total; done += n) {
		n = total - done < VBALLOON_BATCH ? total - done : VBALLOON_BATCH;
		vmm_lock(&vb->vp.lock, flags);
		r = vb->gen != gen ? -ESTALE :
		    virtq_chain_read(&vb->vp.vq[q], c, done * 4, vb->raw, n * 4);
		vmm_unlock(&vb->vp.lock, flags);
		if (r == -ESTALE)
			return false;
		if (r)
			break;
		for (i = 0; i < n; i++)
			vb->gpa[i] = (u64)vmm_get_le32(&vb->raw[4 * i]) <<
				     VBALLOON_PFN_SHIFT;
		vb_discard(vb, role, n);
	}
	return true;
}

/*
 * A free page report: every buffer is a range of free guest memory; the
 * whole 4 KiB pages inside it are discarded. Buffers were checked by the
 * ring (lengths add up to at most VIRTQ_MAX_BYTES per direction).
 */
static bool vb_do_report(struct virtio_balloon *vb, u32 gen)
{
	const struct virtq_chain *c = &vb->chain;
	unsigned long flags = 0;
	bool stale;
	u32 b, n = 0;

	for (b = 0; b < c->nr; b++) {
		u64 start = c->buf[b].gpa + VBALLOON_PAGE_SIZE - 1;
		u64 end = c->buf[b].gpa + c->buf[b].len;

		if (start < c->buf[b].gpa || end < c->buf[b].gpa)
			continue;	/* wraps: not memory */
		start &= ~(u64)(VBALLOON_PAGE_SIZE - 1);
		end &= ~(u64)(VBALLOON_PAGE_SIZE - 1);
		for (; start < end; start += VBALLOON_PAGE_SIZE) {
			vb->gpa[n++] = start;
			if (n < VBALLOON_BATCH)
				continue;
			vb_discard(vb, VBALLOON_REPORTING, n);
			n = 0;
			vmm_lock(&vb->vp.lock, flags);
			stale = vb->gen != gen;
			vmm_unlock(&vb->vp.lock, flags);
			if (stale)
				return false;
		}
	}
	vb_discard(vb, VBALLOON_REPORTING, n);
	return true;
}

/* Take and work one chain of queue q: false when there was none. */
static bool vb_work_one(struct virtio_balloon *vb, u16 q,
			enum vballoon_role role)
{
	struct virtq *vq = &vb->vp.vq[q];
	unsigned long flags = 0;
	bool ok;
	u32 gen;
	int r;

	vmm_lock(&vb->vp.lock, flags);
	if (!virtio_pci_running(&vb->vp, q)) {
		vmm_unlock(&vb->vp.lock, flags);
		return false;
	}
	gen = vb->gen;
	r = virtq_pop(vq, &vb->chain);
	if (r < 0)
		virtio_pci_set_needs_reset(&vb->vp);
	vmm_unlock(&vb->vp.lock, flags);
	if (r <= 0)
		return false;

	if (role == VBALLOON_REPORTING)
		ok = vb_do_report(vb, gen);
	else
		ok = vb_do_pfns(vb, q, role, gen);

	vmm_lock(&vb->vp.lock, flags);
	if (ok && vb->gen == gen && virtio_pci_running(&vb->vp, q)) {
		if (virtq_push(vq, vb->chain.head, 0))
			virtio_pci_set_needs_reset(&vb->vp);
		else
			virtio_pci_queue_done(&vb->vp, q);
	}
	vmm_unlock(&vb->vp.lock, flags);
	return true;
}

void virtio_balloon_work(struct virtio_balloon *vb)
{
	enum vballoon_role role;
	u16 q;

	for (q = 0; q < vb->vp.nr_queues; q++) {
		role = virtio_balloon_role(vb, q);
		if (role == VBALLOON_STATS || role == VBALLOON_NONE)
			continue;
		while (vb_work_one(vb, q, role))
			;
	}
}

void virtio_balloon_set_target(struct virtio_balloon *vb, u32 pages)
{
	unsigned long flags = 0;

	vmm_lock(&vb->vp.lock, flags);
	vb->target = pages;
	vmm_put_le32(&vb->vp.config[VBALLOON_CFG_NUM_PAGES], pages);
	virtio_pci_config_changed(&vb->vp);
	vmm_unlock(&vb->vp.lock, flags);
}

void virtio_balloon_get(struct virtio_balloon *vb,
			struct virtio_balloon_info *out, bool refresh)
{
	unsigned long flags = 0;
	u16 q;

	vmm_lock(&vb->vp.lock, flags);
	*out = vb->info;
	out->target = vb->target;
	out->actual = vmm_get_le32(&vb->vp.config[VBALLOON_CFG_ACTUAL]);
	for (q = 0; refresh && q < vb->vp.nr_queues; q++)
		if (virtio_balloon_role(vb, q) == VBALLOON_STATS &&
		    virtio_pci_running(&vb->vp, q))
			vb_stats_return(vb, q);
	vmm_unlock(&vb->vp.lock, flags);
}

int virtio_balloon_init(struct virtio_balloon *vb, u64 features,
			const struct blk_gmem_ops *gm, void *gm_opaque,
			const struct virtio_pci_host_ops *host, void *host_opaque,
			const struct virtio_balloon_host_ops *bhost,
			void *bopaque)
{
	u16 nq = 2;
	int r;

	features &= VBALLOON_FEATURES;
	if (features & (1ULL << VIRTIO_BALLOON_F_STATS_VQ))
		nq++;
	if (features & (1ULL << VIRTIO_BALLOON_F_REPORTING))
		nq++;
	/* Class 0xff: a device of no other class, as virtio-balloon is. */
	r = virtio_pci_init(&vb->vp, VIRTIO_ID_BALLOON, 0xff0000, nq,
			    VBALLOON_QUEUE_SIZE, &vb_ops, gm, gm_opaque, host,
			    host_opaque);
	if (r)
		return r;
	vb->vp.dev_features |= features;
	vb->vp.config_len = VBALLOON_CFG_LEN;
	vb->bhost = bhost;
	vb->bopaque = bopaque;
	vb->target = 0;
	vb->gen = 0;
	vb->stats_held = false;
	memset(&vb->info, 0, sizeof(vb->info));
	return 0;
}
