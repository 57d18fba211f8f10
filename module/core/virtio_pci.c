// SPDX-License-Identifier: GPL-2.0
/*
 * The modern virtio PCI transport: see virtio_pci.h.
 */
#include "virtio_pci.h"

static void vp_add_vcap(struct vpci_dev *d, u8 off, u8 len, u8 type, u32 bar_off,
			u32 bar_len)
{
	vpci_dev_add_cap(d, VIRTIO_PCI_CAP_VNDR, off, len);
	d->cfg[off + 2] = len;
	d->cfg[off + 3] = type;
	d->cfg[off + 4] = type == VIRTIO_PCI_CAP_TYPE_PCICFG ? 0 : VIRTIO_PCI_BAR;
	vpci_set_long(d, off + 8, bar_off);
	vpci_set_long(d, off + 12, bar_len);
}

static void vp_send_msi_pending(struct virtio_pci *vp)
{
	u64 addr;
	u32 data;

	while (vpci_msix_take_pending(&vp->pci, &addr, &data))
		vp->host->msi(vp->host_opaque, addr, data);
}

static void vp_interrupt(struct virtio_pci *vp, u16 vector, u8 isr)
{
	u64 addr;
	u32 data;

	vp->interrupts++;
	if (vpci_msix_enabled(&vp->pci)) {
		if (vector != VIRTIO_NO_VECTOR &&
		    vpci_msix_fire(&vp->pci, vector, &addr, &data))
			vp->host->msi(vp->host_opaque, addr, data);
		return;
	}
	vp->isr |= isr;
	vp->host->set_intx(vp->host_opaque, true);
}

void virtio_pci_queue_done(struct virtio_pci *vp, u16 q)
{
	if (q < vp->nr_queues && virtq_should_signal(&vp->vq[q]))
		vp_interrupt(vp, vp->vq_vector[q], VIRTIO_ISR_QUEUE);
}

void virtio_pci_config_changed(struct virtio_pci *vp)
{
	vp->config_gen++;
	if (vp->status & VIRTIO_STATUS_DRIVER_OK)
		vp_interrupt(vp, vp->config_vector, VIRTIO_ISR_CONFIG);
}

void virtio_pci_set_needs_reset(struct virtio_pci *vp)
{
	if (vp->broken)
		return;
	vp->broken = true;
	if (!(vp->status & VIRTIO_STATUS_DRIVER_OK))
		return;
	vp->status |= VIRTIO_STATUS_NEEDS_RESET;
	vp_interrupt(vp, vp->config_vector, VIRTIO_ISR_CONFIG);
}

static void vp_reset(struct virtio_pci *vp)
{
	u16 q;

	vp->ops->reset(vp);
	vp->drv_features = 0;
	vp->dfselect = 0;
	vp->gfselect = 0;
	vp->status = 0;
	vp->broken = false;
	vp->legacy = false;
	vp->config_vector = VIRTIO_NO_VECTOR;
	vp->queue_sel = 0;
	for (q = 0; q < vp->nr_queues; q++) {
		struct virtq *vq = &vp->vq[q];

		virtq_reset(vq);
		vq->size = vp->max_queue_size;
		vq->desc = vq->avail = vq->used = 0;
		vp->vq_vector[q] = VIRTIO_NO_VECTOR;
		vp->vq_enabled[q] = false;
	}
	if (vp->isr) {
		vp->isr = 0;
		vp->host->set_intx(vp->host_opaque, false);
	}
}

/* The status went from old to vp->status: start the queues on DRIVER_OK. */
static void vp_status_changed(struct virtio_pci *vp, u8 old)
{
	u16 q;

	if ((vp->status & VIRTIO_STATUS_DRIVER_OK) && !(old & VIRTIO_STATUS_DRIVER_OK))
		for (q = 0; q < vp->nr_queues; q++)
			if (virtio_pci_running(vp, q))
				vp->ops->notify(vp, q);
}

static void vp_set_status(struct virtio_pci *vp, u8 val)
{
	u8 old = vp->status;

	if (!val) {
		vp_reset(vp);
		return;
	}
	val &= ~VIRTIO_STATUS_NEEDS_RESET;
	if ((val & VIRTIO_STATUS_FEATURES_OK) &&
	    !(old & VIRTIO_STATUS_FEATURES_OK) &&
	    ((vp->drv_features & ~vp->dev_features) ||
	     !virtio_has(vp, VIRTIO_F_VERSION_1)))
		val &= ~VIRTIO_STATUS_FEATURES_OK;	/* refused */
	/* DRIVER_OK needs FEATURES_OK: the rings' format depends on them. */
	if (!(val & VIRTIO_STATUS_FEATURES_OK))
		val &= ~VIRTIO_STATUS_DRIVER_OK;
	vp->status = val | (old & VIRTIO_STATUS_NEEDS_RESET);
	vp_status_changed(vp, old);
}

static void vp_queue_enable(struct virtio_pci *vp, u16 q)
{
	struct virtq *vq = &vp->vq[q];

	if (vp->vq_enabled[q] || !(vp->status & VIRTIO_STATUS_FEATURES_OK))
		return;
	vq->event_idx = virtio_has(vp, VIRTIO_F_EVENT_IDX);
	vq->indirect = virtio_has(vp, VIRTIO_F_INDIRECT_DESC);
	vq->packed = virtio_has(vp, VIRTIO_F_RING_PACKED);
	if (virtq_enable(vq)) {
		vp->bad_accesses++;
		return;
	}
	vp->vq_enabled[q] = true;
	if (vp->status & VIRTIO_STATUS_DRIVER_OK && !vp->broken)
		vp->ops->notify(vp, q);
}

static u64 vp_common_read(struct virtio_pci *vp, u32 off)
{
	u16 q = vp->queue_sel;
	bool qok = q < vp->nr_queues;
	struct virtq *vq = &vp->vq[qok ? q : 0];

	switch (off) {
	case VIRTIO_PCI_DFSELECT:
		return vp->dfselect;
	case VIRTIO_PCI_DF:
		return vp->dfselect < 2 ? (u32)(vp->dev_features >> (32 * vp->dfselect)) : 0;
	case VIRTIO_PCI_GFSELECT:
		return vp->gfselect;
	case VIRTIO_PCI_GF:
		return vp->gfselect < 2 ? (u32)(vp->drv_features >> (32 * vp->gfselect)) : 0;
	case VIRTIO_PCI_MSIX_CONFIG:
		return vp->config_vector;
	case VIRTIO_PCI_NUM_QUEUES:
		return vp->nr_queues;
	case VIRTIO_PCI_STATUS:
		return vp->status;
	case VIRTIO_PCI_CFG_GENERATION:
		return vp->config_gen;
	case VIRTIO_PCI_Q_SELECT:
		return q;
	case VIRTIO_PCI_Q_SIZE:
		return qok ? vq->size : 0;
	case VIRTIO_PCI_Q_MSIX:
		return qok ? vp->vq_vector[q] : VIRTIO_NO_VECTOR;
	case VIRTIO_PCI_Q_ENABLE:
		return qok && vp->vq_enabled[q];
	case VIRTIO_PCI_Q_NOFF:
		return qok ? q : 0;
	case VIRTIO_PCI_Q_DESC:
		return qok ? vq->desc : 0;
	case VIRTIO_PCI_Q_AVAIL:
		return qok ? vq->avail : 0;
	case VIRTIO_PCI_Q_USED:
		return qok ? vq->used : 0;
	}
	return 0;
}

/* The vector a driver asks for, or NO_VECTOR when it is not one of ours. */
static u16 vp_vector(struct virtio_pci *vp, u64 val)
{
	return val < vp->msix.nr ? (u16)val : VIRTIO_NO_VECTOR;
}

static void vp_set_addr(u64 *addr, u32 off, unsigned int size, u64 val)
{
	if (size == 8)
		*addr = val;
	else if (off & 4)
		*addr = (*addr & 0xffffffffULL) | val << 32;
	else
		*addr = (*addr & ~0xffffffffULL) | (u32)val;
}

static void vp_common_write(struct virtio_pci *vp, u32 off, unsigned int size,
			    u64 val)
{
	u16 q = vp->queue_sel;
	bool qok = q < vp->nr_queues;
	/* A running queue's configuration is fixed. */
	bool qcfg = qok && !vp->vq_enabled[q];
	struct virtq *vq = &vp->vq[qok ? q : 0];
	bool feat = !(vp->status & VIRTIO_STATUS_FEATURES_OK);
	u32 base = off & ~7u;

	if (base >= VIRTIO_PCI_Q_DESC && base <= VIRTIO_PCI_Q_USED) {
		if (!qcfg)
			goto bad;
		vp_set_addr(base == VIRTIO_PCI_Q_DESC ? &vq->desc :
			    base == VIRTIO_PCI_Q_AVAIL ? &vq->avail : &vq->used,
			    off, size, val);
		return;
	}
	switch (off) {
	case VIRTIO_PCI_DFSELECT:
		vp->dfselect = val;
		return;
	case VIRTIO_PCI_GFSELECT:
		vp->gfselect = val;
		return;
	case VIRTIO_PCI_GF:
		if (!feat || vp->gfselect >= 2)
			goto bad;
		vp->drv_features &= ~(0xffffffffULL << (32 * vp->gfselect));
		vp->drv_features |= (u64)(u32)val << (32 * vp->gfselect);
		return;
	case VIRTIO_PCI_MSIX_CONFIG:
		vp->config_vector = vp_vector(vp, val);
		return;
	case VIRTIO_PCI_STATUS:
		vp_set_status(vp, val);
		return;
	case VIRTIO_PCI_Q_SELECT:
		vp->queue_sel = val;
		return;
	case VIRTIO_PCI_Q_SIZE:
		/* Any power of two up to our maximum; 0 or others refused. */
		if (!qcfg || !val || val > vp->max_queue_size || (val & (val - 1)))
			goto bad;
		vq->size = val;
		return;
	case VIRTIO_PCI_Q_MSIX:
		if (!qcfg)
			goto bad;
		vp->vq_vector[q] = vp_vector(vp, val);
		return;
	case VIRTIO_PCI_Q_ENABLE:
		if (qok && val == 1)
			vp_queue_enable(vp, q);
		return;
	}
bad:
	vp->bad_accesses++;
}

/* Width of the common register at off, or 0 for none. */
static unsigned int vp_common_width(u32 off)
{
	if (off >= VIRTIO_PCI_Q_DESC && off < VIRTIO_PCI_COMMON_LEN)
		return 8;
	switch (off) {
	case VIRTIO_PCI_DFSELECT: case VIRTIO_PCI_DF:
	case VIRTIO_PCI_GFSELECT: case VIRTIO_PCI_GF:
		return 4;
	case VIRTIO_PCI_STATUS: case VIRTIO_PCI_CFG_GENERATION:
		return 1;
	case VIRTIO_PCI_MSIX_CONFIG: case VIRTIO_PCI_NUM_QUEUES:
	case VIRTIO_PCI_Q_SELECT: case VIRTIO_PCI_Q_SIZE: case VIRTIO_PCI_Q_MSIX:
	case VIRTIO_PCI_Q_ENABLE: case VIRTIO_PCI_Q_NOFF:
		return 2;
	}
	return 0;
}

static void vp_common(struct virtio_pci *vp, u32 off, bool write,
		      unsigned int size, u64 *val)
{
	unsigned int w = vp_common_width(off & ~7u) == 8 ? 8 : vp_common_width(off);
	u32 reg = w == 8 ? off & ~7u : off;

	/* Registers are accessed whole; 64-bit ones also as two halves. */
	if (!w || (w == 8 ? (size != 8 && size != 4) || (off & (size - 1)) :
		   size != w)) {
		vp->bad_accesses++;
		if (!write)
			*val = 0;
		return;
	}
	if (write) {
		vp_common_write(vp, off, size, *val);
		return;
	}
	*val = vp_common_read(vp, reg);
	if (w == 8 && size == 4)
		*val = (u32)(*val >> (off & 4 ? 32 : 0));
}

/* Device configuration at off (< config_len), from either interface. */
static void vp_devcfg(struct virtio_pci *vp, u32 off, bool write,
		      unsigned int size, u64 *val)
{
	u32 i;

	/* Read only unless the device type has writable fields. */
	if (write) {
		if (vp->ops->config_write)
			vp->ops->config_write(vp, off, size, *val);
		return;
	}
	*val = 0;
	for (i = 0; i < size && off + i < vp->config_len; i++)
		*val |= (u64)vp->config[off + i] << (8 * i);
}

/* The ISR status: read and cleared, which lowers INTx. */
static u8 vp_isr_read(struct virtio_pci *vp)
{
	u8 isr = vp->isr;

	if (vp->ops->isr_read)
		vp->ops->isr_read(vp);
	if (isr) {
		vp->isr = 0;
		vp->host->set_intx(vp->host_opaque, false);
	}
	return isr;
}

static void vp_bar_access(struct virtio_pci *vp, u32 off, bool write,
			  unsigned int size, u64 *val)
{
	if (off < VIRTIO_PCI_COMMON + VIRTIO_PCI_COMMON_LEN) {
		vp_common(vp, off, write, size, val);
	} else if (off == VIRTIO_PCI_ISR) {
		if (!write)
			*val = vp_isr_read(vp);
	} else if (off >= VIRTIO_PCI_DEVCFG &&
		   off < VIRTIO_PCI_DEVCFG + vp->config_len) {
		vp_devcfg(vp, off - VIRTIO_PCI_DEVCFG, write, size, val);
	} else if (off >= VIRTIO_PCI_NOTIFY &&
		   off < VIRTIO_PCI_NOTIFY + VIRTIO_PCI_NOTIFY_MULT * (u32)vp->nr_queues) {
		u16 q = (off - VIRTIO_PCI_NOTIFY) / VIRTIO_PCI_NOTIFY_MULT;

		if (!write) {
			*val = 0;
			return;
		}
		vp->notifies++;
		if (virtio_pci_running(vp, q))
			vp->ops->notify(vp, q);
	} else if (vpci_msix_mmio(&vp->pci, off, write, size, val)) {
		if (write)
			vp_send_msi_pending(vp);
	} else if (!write) {
		*val = 0;
	}
}

void virtio_pci_mmio(struct virtio_pci *vp, u32 off, bool write,
		     unsigned int size, u64 *val)
{
	unsigned long flags = 0;

	if (!write)
		*val = 0;
	if (off >= VIRTIO_PCI_BAR_SIZE || (size != 1 && size != 2 && size != 4 &&
					   size != 8))
		return;
	vmm_lock(&vp->lock, flags);
	vp_bar_access(vp, off, write, size, val);
	vmm_unlock(&vp->lock, flags);
}

/*
 * The legacy interface (4.1.4.8). Its status has no FEATURES_OK: the
 * features are those the driver wrote when it sets DRIVER_OK, and a queue
 * is placed whole by its page frame number, at the fixed maximum size,
 * desc, avail and used in the legacy layout (used on the next 4 KiB
 * boundary). Queue placement and features are taken only before
 * DRIVER_OK and for a disabled queue: only a reset disables one again.
 */
static void vp_legacy_queue_pfn(struct virtio_pci *vp, u32 pfn)
{
	u16 q = vp->queue_sel, n = vp->max_queue_size;
	struct virtq *vq;
	u64 desc;

	if (q >= vp->nr_queues || vp->vq_enabled[q] ||
	    (vp->status & VIRTIO_STATUS_DRIVER_OK)) {
		/* PFN 0 on a queue a reset already disabled is a no-op. */
		if (pfn || (q < vp->nr_queues && vp->vq_enabled[q]))
			vp->bad_accesses++;
		return;
	}
	if (!pfn)
		return;
	vq = &vp->vq[q];
	desc = (u64)pfn << VIRTIO_LEGACY_PFN_SHIFT;
	vq->size = n;
	vq->desc = desc;
	vq->avail = desc + 16ULL * n;
	/* avail: flags, idx, ring[n], used_event */
	vq->used = (vq->avail + 6 + 2ULL * n + VIRTIO_LEGACY_ALIGN - 1) &
		   ~(u64)(VIRTIO_LEGACY_ALIGN - 1);
	vq->event_idx = virtio_has(vp, VIRTIO_F_EVENT_IDX);
	vq->indirect = virtio_has(vp, VIRTIO_F_INDIRECT_DESC);
	vq->packed = false;
	if (virtq_enable(vq)) {
		vq->desc = vq->avail = vq->used = 0;
		vp->bad_accesses++;
		return;
	}
	vp->vq_enabled[q] = true;
}

static void vp_legacy_status(struct virtio_pci *vp, u8 val)
{
	u8 old = vp->status;

	if (!val) {
		vp_reset(vp);
		return;
	}
	val &= ~(VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FEATURES_OK);
	vp->status = val | (old & VIRTIO_STATUS_NEEDS_RESET);
	vp_status_changed(vp, old);
}

/* Width of the legacy register at off, or 0 for none (configuration). */
static unsigned int vp_legacy_width(u32 off, bool msix)
{
	switch (off) {
	case VIRTIO_LEGACY_HOST_FEATURES: case VIRTIO_LEGACY_GUEST_FEATURES:
	case VIRTIO_LEGACY_QUEUE_PFN:
		return 4;
	case VIRTIO_LEGACY_QUEUE_NUM: case VIRTIO_LEGACY_QUEUE_SEL:
	case VIRTIO_LEGACY_QUEUE_NOTIFY:
		return 2;
	case VIRTIO_LEGACY_STATUS: case VIRTIO_LEGACY_ISR:
		return 1;
	case VIRTIO_LEGACY_CONFIG_VECTOR: case VIRTIO_LEGACY_QUEUE_VECTOR:
		return msix ? 2 : 0;
	}
	return 0;
}

static u32 vp_legacy_read(struct virtio_pci *vp, u32 off)
{
	u16 q = vp->queue_sel;
	bool qok = q < vp->nr_queues;

	switch (off) {
	case VIRTIO_LEGACY_HOST_FEATURES:
		return (u32)vp->dev_features;
	case VIRTIO_LEGACY_GUEST_FEATURES:
		return (u32)vp->drv_features;
	case VIRTIO_LEGACY_QUEUE_PFN:
		return qok && vp->vq_enabled[q] ?
		       (u32)(vp->vq[q].desc >> VIRTIO_LEGACY_PFN_SHIFT) : 0;
	case VIRTIO_LEGACY_QUEUE_NUM:
		return qok ? vp->max_queue_size : 0;
	case VIRTIO_LEGACY_QUEUE_SEL:
		return q;
	case VIRTIO_LEGACY_STATUS:
		return vp->status;
	case VIRTIO_LEGACY_ISR:
		return vp_isr_read(vp);
	case VIRTIO_LEGACY_CONFIG_VECTOR:
		return vp->config_vector;
	case VIRTIO_LEGACY_QUEUE_VECTOR:
		return qok ? vp->vq_vector[q] : VIRTIO_NO_VECTOR;
	}
	return 0;	/* QUEUE_NOTIFY */
}

static void vp_legacy_write(struct virtio_pci *vp, u32 off, u32 val)
{
	u16 q = vp->queue_sel;
	bool qok = q < vp->nr_queues;

	switch (off) {
	case VIRTIO_LEGACY_GUEST_FEATURES:
		if (vp->status & VIRTIO_STATUS_DRIVER_OK)
			break;
		vp->legacy = true;
		vp->drv_features = val & vp->dev_features;
		return;
	case VIRTIO_LEGACY_QUEUE_PFN:
		vp->legacy = true;
		vp_legacy_queue_pfn(vp, val);
		return;
	case VIRTIO_LEGACY_QUEUE_SEL:
		vp->queue_sel = val;
		return;
	case VIRTIO_LEGACY_QUEUE_NOTIFY:
		vp->notifies++;
		if (virtio_pci_running(vp, val))
			vp->ops->notify(vp, val);
		return;
	case VIRTIO_LEGACY_STATUS:
		vp->legacy = true;
		vp_legacy_status(vp, val);
		return;
	case VIRTIO_LEGACY_CONFIG_VECTOR:
		vp->config_vector = vp_vector(vp, val);
		return;
	case VIRTIO_LEGACY_QUEUE_VECTOR:
		/* Linux places the queue first, then sets its vector. */
		if (!qok)
			break;
		vp->vq_vector[q] = vp_vector(vp, val);
		return;
	}
	vp->bad_accesses++;	/* read-only register, or refused */
}

void virtio_pci_legacy_io(struct virtio_pci *vp, u32 off, bool write,
			  unsigned int size, u32 *val)
{
	unsigned long flags = 0;
	unsigned int w;
	u32 cfg;
	u64 v;

	if (!write)
		*val = ~0u;
	if (!vp->has_legacy || off >= VIRTIO_LEGACY_BAR_SIZE ||
	    off + size > VIRTIO_LEGACY_BAR_SIZE ||
	    (size != 1 && size != 2 && size != 4))
		return;
	vmm_lock(&vp->lock, flags);
	cfg = VIRTIO_LEGACY_CONFIG(vpci_msix_enabled(&vp->pci));
	w = vp_legacy_width(off, cfg > VIRTIO_LEGACY_CONFIG(false));
	if (off >= cfg) {
		off -= cfg;
		if (off < vp->config_len) {
			v = write ? *val : 0;
			vp_devcfg(vp, off, write, size, &v);
			if (!write)
				*val = v;
		}
	} else if (!w || w != size) {
		vp->bad_accesses++;
	} else if (write) {
		vp_legacy_write(vp, off, *val);
	} else {
		*val = vp_legacy_read(vp, off);
	}
	vmm_unlock(&vp->lock, flags);
}

int virtio_pci_add_legacy(struct virtio_pci *vp, u16 trans_id, u16 id)
{
	struct vpci_dev *d = &vp->pci;
	int r;

	if (trans_id < 0x1000 || trans_id > 0x103f)
		return -EINVAL;
	r = vpci_dev_set_bar(d, VIRTIO_LEGACY_BAR, VPCI_BAR_IO,
			     VIRTIO_LEGACY_BAR_SIZE);
	if (r < 0)
		return r;
	vpci_set_word(d, VPCI_DEVICE_ID, trans_id);
	vpci_set_word(d, VPCI_SUBSYSTEM_ID, id);
	d->cfg[VPCI_REVISION_ID] = 0;
	vp->has_legacy = true;
	return 0;
}

/*
 * The PCI configuration access capability: the driver names a BAR range
 * (bar, offset, length) in the capability, then reads or writes its data
 * dword. Configuration reads have no hook, so the data dword is filled
 * when the range is named (or written through) and holds what the BAR
 * read then.
 */
static void vp_pcicfg(struct virtio_pci *vp, u32 off, unsigned int size)
{
	struct vpci_dev *d = &vp->pci;
	u32 c = VIRTIO_PCI_CAP_PCICFG, boff = vpci_get_long(d, c + 8);
	u32 len = vpci_get_long(d, c + 12);
	u64 val;

	if (d->cfg[c + 4] != VIRTIO_PCI_BAR || (len != 1 && len != 2 && len != 4) ||
	    (boff & (len - 1)) || boff >= VIRTIO_PCI_BAR_SIZE)
		return;
	if (off < c + 16 + 4 && off + size > c + 16) {
		val = vpci_get_long(d, c + 16);
		vp_bar_access(vp, boff, true, len, &val);
		return;
	}
	vp_bar_access(vp, boff, false, len, &val);
	vpci_set_long(d, c + 16, (u32)val);
}

static void vp_cfg_write(struct vpci_dev *d, u32 off, u32 val, unsigned int size)
{
	struct virtio_pci *vp = d->priv;
	unsigned long flags = 0;

	(void)val;
	vmm_lock(&vp->lock, flags);
	if (off < VIRTIO_PCI_CAP_PCICFG + 20 && off + size > VIRTIO_PCI_CAP_PCICFG + 4)
		vp_pcicfg(vp, off, size);
	if (vpci_msix_hit(d, off, size))
		vp_send_msi_pending(vp);
	vmm_unlock(&vp->lock, flags);
	if (vp->host->cfg_written)
		vp->host->cfg_written(vp->host_opaque, off, size);
}

int virtio_pci_init(struct virtio_pci *vp, u16 id, u32 class_code,
		    u16 nr_queues, u16 max_queue_size,
		    const struct virtio_pci_ops *ops,
		    const struct blk_gmem_ops *gm, void *gm_opaque,
		    const struct virtio_pci_host_ops *host, void *host_opaque)
{
	struct vpci_dev *d = &vp->pci;
	u16 q;
	int r;

	if (!nr_queues || nr_queues > VIRTIO_PCI_MAX_QUEUES ||
	    !max_queue_size || max_queue_size > VIRTQ_MAX_SIZE ||
	    (max_queue_size & (max_queue_size - 1)))
		return -EINVAL;
	memset(vp, 0, sizeof(*vp));
	vmm_lock_init(&vp->lock);
	vp->ops = ops;
	vp->host = host;
	vp->host_opaque = host_opaque;
	vp->nr_queues = nr_queues;
	vp->max_queue_size = max_queue_size;
	vp->dev_features = 1ULL << VIRTIO_F_VERSION_1;
	for (q = 0; q < nr_queues; q++)
		virtq_init(&vp->vq[q], gm, gm_opaque);

	/* Revision 1: a modern-only device (virtio 1.2, 4.1.2.1). */
	vpci_dev_init(d, VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEVICE_MODERN(id),
		      class_code, 1, 0);
	vpci_set_word(d, VPCI_SUBSYSTEM_VENDOR_ID, VIRTIO_PCI_VENDOR);
	vpci_set_word(d, VPCI_SUBSYSTEM_ID, 0x40 + id);
	vpci_dev_set_irq_pin(d, 1);
	r = vpci_dev_set_bar(d, VIRTIO_PCI_BAR, VPCI_BAR_MEM32, VIRTIO_PCI_BAR_SIZE);
	if (r < 0)
		return r;
	/* One vector for configuration changes, one per queue. */
	r = vpci_dev_add_msix(d, VIRTIO_PCI_CAP_MSIX, &vp->msix, nr_queues + 1,
			      VIRTIO_PCI_BAR, VIRTIO_PCI_MSIX_TABLE,
			      VIRTIO_PCI_MSIX_PBA);
	if (r < 0)
		return r;
	vp_add_vcap(d, VIRTIO_PCI_CAP_COMMON, VIRTIO_PCI_CAP_LEN,
		    VIRTIO_PCI_CAP_TYPE_COMMON, VIRTIO_PCI_COMMON,
		    VIRTIO_PCI_COMMON_LEN);
	vp_add_vcap(d, VIRTIO_PCI_CAP_NOTIFY, VIRTIO_PCI_CAP_LEN + 4,
		    VIRTIO_PCI_CAP_TYPE_NOTIFY, VIRTIO_PCI_NOTIFY,
		    VIRTIO_PCI_NOTIFY_MULT * nr_queues);
	vpci_set_long(d, VIRTIO_PCI_CAP_NOTIFY + 16, VIRTIO_PCI_NOTIFY_MULT);
	vp_add_vcap(d, VIRTIO_PCI_CAP_ISR, VIRTIO_PCI_CAP_LEN,
		    VIRTIO_PCI_CAP_TYPE_ISR, VIRTIO_PCI_ISR, 1);
	vp_add_vcap(d, VIRTIO_PCI_CAP_DEVICE, VIRTIO_PCI_CAP_LEN,
		    VIRTIO_PCI_CAP_TYPE_DEVICE, VIRTIO_PCI_DEVCFG,
		    VIRTIO_PCI_MAX_CONFIG);
	vp_add_vcap(d, VIRTIO_PCI_CAP_PCICFG, VIRTIO_PCI_CAP_LEN + 4,
		    VIRTIO_PCI_CAP_TYPE_PCICFG, 0, 0);
	/* bar, offset, length and data of the access capability. */
	d->wmask[VIRTIO_PCI_CAP_PCICFG + 4] = 0xff;
	memset(&d->wmask[VIRTIO_PCI_CAP_PCICFG + 8], 0xff, 12);
	d->priv = vp;
	d->cfg_write = vp_cfg_write;

	vp->config_vector = VIRTIO_NO_VECTOR;
	for (q = 0; q < nr_queues; q++) {
		vp->vq[q].size = max_queue_size;
		vp->vq_vector[q] = VIRTIO_NO_VECTOR;
	}
	return 0;
}
