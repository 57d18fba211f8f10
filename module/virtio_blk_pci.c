// SPDX-License-Identifier: GPL-2.0
/*
 * The VM's virtio-blk disks: each one the portable virtio-blk model
 * (core/virtio_blk.c on core/virtio_pci.c) as a PCI function of its own
 * on bus 0 (00:(VMM_DISK_VIRTIO_SLOT + index).0), its BAR on the MMIO bus
 * wherever the guest puts it, MSI-X or INTx through pc.c, guest memory
 * for its rings and DMA, a host-file backend behind it. A notification
 * is an MMIO write in the vCPU's exit handler: the model takes every
 * available request and hands it to the backend there, without sleeping,
 * up to a ring's worth: what a driver on other vCPUs keeps adding beyond
 * that is taken by a work item (kick_work), a ring's worth at a time, so
 * that no exit handler runs for ever with the device lock held.
 * Gone with the VM, after every request it started has completed.
 */
#define pr_fmt(fmt) "vmm: " fmt

#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "disk.h"
#include "pc.h"
#include "blk_file.h"
#include "disk_stats.h"
#include "core/virtio_blk.h"

/*
 * Packed virtqueues are offered only when asked for (until they have run
 * against enough drivers): /sys/module/vmm/parameters/virtio_packed,
 * read when a disk is attached.
 */
static bool virtio_packed;
module_param(virtio_packed, bool, 0644);
MODULE_PARM_DESC(virtio_packed,
		 "offer VIRTIO_F_RING_PACKED on virtio-blk disks attached from now on");

/*
 * Completion polling: /sys/module/vmm/parameters/virtio_poll, read when a
 * disk is attached. Off by default, as QEMU's virtqueue polling.
 */
static bool virtio_poll;
module_param(virtio_poll, bool, 0644);
MODULE_PARM_DESC(virtio_poll,
		 "virtio-blk disks attached from now on take new requests at each completion and leave notifications off while requests are in flight");

struct vmm_vblk_pci {
	struct vmm_vm *vm;
	struct vmm_pci_irq irq;
	int mmio;			/* MMIO bus handle of the BAR */
	int pio;			/* port bus handle of the legacy BAR, or -1 */
	struct vmm_disk *disk;
	struct vmm_disk_tag tag;
	/* deferred kicks: queues to take again (bits), under blk.vp.lock */
	struct work_struct kick_work;
	unsigned long kick_queues;
	bool dying;			/* no more deferred kicks */
	struct virtio_blk blk;		/* holds the PCI function */
};

static void vmm_vblk_mmio(void *dev, u64 off, bool write, unsigned int size,
			  u64 *val)
{
	struct vmm_vblk_pci *v = dev;

	virtio_pci_mmio(&v->blk.vp, off, write, size, val);
}

/* The legacy interface (transitional devices): off is inside I/O BAR 0. */
static void vmm_vblk_pio(void *dev, u16 off, bool in, unsigned int size,
			 u32 *val)
{
	struct vmm_vblk_pci *v = dev;

	virtio_pci_legacy_io(&v->blk.vp, off, !in, size, val);
}

/* PCI lock held: only the buses' bases move. */
static void vmm_vblk_bar_changed(struct vpci_dev *d, unsigned int bar,
				 u64 old, u64 addr)
{
	struct vmm_vblk_pci *v = container_of(d, struct vmm_vblk_pci, blk.vp.pci);

	if (bar == VIRTIO_PCI_BAR)
		vmm_mmio_move(v->vm, v->mmio, addr == VPCI_BAR_UNMAPPED ?
			      VMM_MMIO_UNMAPPED : addr);
	else if (bar == VIRTIO_LEGACY_BAR && v->pio >= 0)
		vmm_pio_move_bar(v->vm, v->pio, addr == VPCI_BAR_UNMAPPED ?
				 VMM_PIO_UNMAPPED : (u32)addr);
}

static int vmm_vblk_read(void *opaque, u64 gpa, void *buf, u32 len)
{
	return vmm_gpa_read(opaque, gpa, buf, len);
}

static int vmm_vblk_write(void *opaque, u64 gpa, const void *buf, u32 len)
{
	return vmm_gpa_write(opaque, gpa, buf, len);
}

static bool vmm_vblk_ok(void *opaque, u64 gpa, u64 len, bool write)
{
	return vmm_gpa_ok(opaque, gpa, len, write);
}

static const struct blk_gmem_ops vmm_vblk_gmem = {
	.read = vmm_vblk_read,
	.write = vmm_vblk_write,
	.ok = vmm_vblk_ok,
};

static void vmm_vblk_msi(void *opaque, u64 addr, u32 data)
{
	struct vmm_vblk_pci *v = opaque;

	vmm_pc_pci_msi(v->vm, addr, data);
}

static void vmm_vblk_set_intx(void *opaque, bool level)
{
	struct vmm_vblk_pci *v = opaque;

	vmm_pc_pci_irq(v->vm, &v->irq, level, false);
}

static void vmm_vblk_cfg_written(void *opaque, u32 off, unsigned int size)
{
	struct vmm_vblk_pci *v = opaque;

	vmm_pc_pci_cfg_written(v->vm, &v->irq, off, size);
}

/* blk.vp.lock held (raw, interrupts off): queue_work() is safe here, RT too. */
static void vmm_vblk_kick_later(void *opaque, u16 q)
{
	struct vmm_vblk_pci *v = opaque;

	if (v->dying || q >= VBLK_MAX_QUEUES)
		return;
	__set_bit(q, &v->kick_queues);
	queue_work(system_unbound_wq, &v->kick_work);
}

static void vmm_vblk_kick_work(struct work_struct *work)
{
	struct vmm_vblk_pci *v = container_of(work, struct vmm_vblk_pci, kick_work);
	unsigned long flags, queues;
	u16 q;

	vmm_lock(&v->blk.vp.lock, flags);
	queues = v->kick_queues;
	v->kick_queues = 0;
	vmm_unlock(&v->blk.vp.lock, flags);
	for (q = 0; q < VBLK_MAX_QUEUES; q++)
		if (queues & BIT(q))
			virtio_blk_resume(&v->blk, q);
}

static const struct virtio_pci_host_ops vmm_vblk_host = {
	.msi = vmm_vblk_msi,
	.set_intx = vmm_vblk_set_intx,
	.cfg_written = vmm_vblk_cfg_written,
	.kick_later = vmm_vblk_kick_later,
};

static u64 vmm_vblk_now(void *opaque)
{
	return vmm_disk_now();
}

int vmm_vblk_attach(struct vmm_vm *vm, unsigned int index, u16 queues,
		    bool modern_only, struct vmm_disk *disk)
{
	struct vmm_vblk_pci *v;
	struct vpci_dev *d;
	char id[VIRTIO_BLK_ID_BYTES + 1];
	int r;

	if (index >= VMM_DISK_VIRTIO_MAX || !disk)
		return -EINVAL;
	if (vm->vblk[index])
		return -EBUSY;
	v = kvzalloc(sizeof(*v), GFP_KERNEL_ACCOUNT);
	if (!v)
		return -ENOMEM;
	v->vm = vm;
	v->pio = -1;
	INIT_WORK(&v->kick_work, vmm_vblk_kick_work);
	snprintf(id, sizeof(id), "vmm-%u-vd%u", vm->id, index);
	r = virtio_blk_init(&v->blk, vmm_disk_backend(disk), queues, id,
			    &vmm_vblk_gmem, vm, &vmm_vblk_host, v);
	if (r)
		goto err;
	v->blk.now_ns = vmm_vblk_now;
	vmm_disk_stats_bind(&v->blk.bs, &v->tag, vm->id, VMM_DISK_VIRTIO_BLK,
			    index);
	virtio_blk_offer_packed(&v->blk, READ_ONCE(virtio_packed));
	v->blk.poll = READ_ONCE(virtio_poll);
	d = &v->blk.vp.pci;
	d->bar_changed = vmm_vblk_bar_changed;
	v->mmio = vmm_mmio_register(vm, VIRTIO_PCI_BAR_SIZE, vmm_vblk_mmio, v);
	if (v->mmio < 0) {
		r = v->mmio;
		goto err;
	}
	/* Transitional (1af4:1001) unless asked for modern only, as QEMU's. */
	if (!modern_only) {
		r = virtio_pci_add_legacy(&v->blk.vp, VIRTIO_PCI_DEVICE_TRANS_BLOCK,
					  VIRTIO_ID_BLOCK);
		if (r)
			goto err;
		v->pio = vmm_pio_register_bar(vm, VIRTIO_LEGACY_BAR_SIZE,
					      vmm_vblk_pio, v);
		if (v->pio < 0) {
			r = v->pio;
			goto err;
		}
	}
	r = vmm_pc_pci_add(vm, VPCI_DEVFN(VMM_DISK_VIRTIO_SLOT + index, 0), d,
			   &v->irq);
	if (r)
		goto err;	/* the MMIO range stays unmapped, never reached */
	v->disk = disk;
	vm->vblk[index] = v;
	atomic_long_add(sizeof(*v), &vm->overhead);
	return 0;
err:
	kvfree(v);
	return r;
}

void vmm_vblk_destroy(struct vmm_vm *vm)
{
	unsigned long flags;
	unsigned int i;

	for (i = 0; i < VMM_DISK_VIRTIO_MAX; i++) {
		struct vmm_vblk_pci *v = vm->vblk[i];

		if (!v)
			continue;
		/* No vCPU runs: only completions could ask for a kick now. */
		vmm_lock(&v->blk.vp.lock, flags);
		v->dying = true;
		vmm_unlock(&v->blk.vp.lock, flags);
		cancel_work_sync(&v->kick_work);
		/* Waits for the disk's requests; none start any more. */
		vmm_disk_close(v->disk);
		WARN_ON_ONCE(virtio_blk_inflight(&v->blk));
		atomic_long_sub(sizeof(*v), &vm->overhead);
		kvfree(v);
		vm->vblk[i] = NULL;
	}
}

unsigned int vmm_vblk_stats(struct vmm_vm *vm, struct vmm_disk_stat *out,
			    unsigned int cap)
{
	unsigned long flags;
	unsigned int i, n = 0;

	for (i = 0; i < VMM_DISK_VIRTIO_MAX; i++) {
		struct vmm_vblk_pci *v = vm->vblk[i];
		struct vmm_disk_stat *d;

		if (!v)
			continue;
		if (n >= cap) {
			n++;
			continue;
		}
		d = &out[n++];
		vmm_disk_stat_head(d, &v->tag, VMM_DISK_VIRTIO_BLK, i);
		d->size = v->blk.be->size;
		vmm_lock(&v->blk.vp.lock, flags);
		blkstat_export(&v->blk.bs, d);
		vmm_unlock(&v->blk.vp.lock, flags);
	}
	return n;
}
