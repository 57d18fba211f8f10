// SPDX-License-Identifier: GPL-2.0
/*
 * The VM's memory balloon: the portable virtio-balloon model
 * (core/virtio_balloon.c on core/virtio_pci.c) as the PCI function
 * 00:VMM_BALLOON_SLOT.0, its BAR on the MMIO bus, MSI-X or INTx through
 * pc.c. The guest's notifications arrive in the vCPU's exit handler,
 * where nothing may sleep: they queue the device's work item, which hands
 * inflated and reported pages to gmem.c (vmm_gmem_discard: it takes
 * vm->lock and waits for an RCU grace period). The host reaches it by VM
 * fd or, from another process (`vmmctl balloon VMID SIZE`), by VM id on
 * /dev/vmm, where only the VM's creator (or CAP_SYS_ADMIN) sets a target.
 */
#define pr_fmt(fmt) "vmm: " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "balloon.h"
#include "gmem.h"
#include "pc.h"
#include "core/virtio_balloon.h"

struct vmm_vballoon_pci {
	struct vmm_vm *vm;
	struct vmm_pci_irq irq;
	int mmio;			/* MMIO bus handle of the BAR */
	kuid_t owner;			/* who added it: may set a target by id */
	struct work_struct work;	/* virtio_balloon_work() */
	struct virtio_balloon vb;	/* holds the PCI function */
};

static void vmm_vballoon_mmio(void *dev, u64 off, bool write,
			      unsigned int size, u64 *val)
{
	struct vmm_vballoon_pci *b = dev;

	virtio_pci_mmio(&b->vb.vp, off, write, size, val);
}

/* PCI lock held: only the MMIO bus's base moves. */
static void vmm_vballoon_bar_changed(struct vpci_dev *d, unsigned int bar,
				     u64 old, u64 addr)
{
	struct vmm_vballoon_pci *b =
		container_of(d, struct vmm_vballoon_pci, vb.vp.pci);

	if (bar == VIRTIO_PCI_BAR)
		vmm_mmio_move(b->vm, b->mmio, addr == VPCI_BAR_UNMAPPED ?
			      VMM_MMIO_UNMAPPED : addr);
}

static int vmm_vballoon_read(void *opaque, u64 gpa, void *buf, u32 len)
{
	return vmm_gpa_read(opaque, gpa, buf, len);
}

static int vmm_vballoon_write(void *opaque, u64 gpa, const void *buf, u32 len)
{
	return vmm_gpa_write(opaque, gpa, buf, len);
}

static bool vmm_vballoon_ok(void *opaque, u64 gpa, u64 len, bool write)
{
	return vmm_gpa_ok(opaque, gpa, len, write);
}

static const struct blk_gmem_ops vmm_vballoon_gmem = {
	.read = vmm_vballoon_read,
	.write = vmm_vballoon_write,
	.ok = vmm_vballoon_ok,
};

static void vmm_vballoon_msi(void *opaque, u64 addr, u32 data)
{
	struct vmm_vballoon_pci *b = opaque;

	vmm_pc_pci_msi(b->vm, addr, data);
}

static void vmm_vballoon_set_intx(void *opaque, bool level)
{
	struct vmm_vballoon_pci *b = opaque;

	vmm_pc_pci_irq(b->vm, &b->irq, level, false);
}

static void vmm_vballoon_cfg_written(void *opaque, u32 off, unsigned int size)
{
	struct vmm_vballoon_pci *b = opaque;

	vmm_pc_pci_cfg_written(b->vm, &b->irq, off, size);
}

static const struct virtio_pci_host_ops vmm_vballoon_host = {
	.msi = vmm_vballoon_msi,
	.set_intx = vmm_vballoon_set_intx,
	.cfg_written = vmm_vballoon_cfg_written,
};

static u32 vmm_vballoon_discard(void *opaque, const u64 *gpa, u32 n)
{
	struct vmm_vballoon_pci *b = opaque;

	return vmm_gmem_discard(b->vm, gpa, n);
}

/* vp->lock held, often in a vCPU's exit handler. */
static void vmm_vballoon_kick(void *opaque)
{
	struct vmm_vballoon_pci *b = opaque;

	queue_work(system_unbound_wq, &b->work);
}

static const struct virtio_balloon_host_ops vmm_vballoon_bhost = {
	.discard = vmm_vballoon_discard,
	.kick = vmm_vballoon_kick,
};

static void vmm_vballoon_work(struct work_struct *work)
{
	struct vmm_vballoon_pci *b =
		container_of(work, struct vmm_vballoon_pci, work);

	virtio_balloon_work(&b->vb);
}

long vmm_balloon_add(struct vmm_vm *vm, struct vmm_add_balloon __user *u)
{
	struct vmm_add_balloon arg;
	struct vmm_vballoon_pci *b;
	u64 features = 0;
	long r;

	if (!vm->pc)
		return -ENOTTY;
	if (copy_from_user(&arg, u, sizeof(arg)))
		return -EFAULT;
	if ((arg.flags & ~(VMM_BALLOON_STATS | VMM_BALLOON_DEFLATE_ON_OOM |
			   VMM_BALLOON_REPORTING)) || arg.pad ||
	    arg.reserved[0] || arg.reserved[1] || arg.reserved[2])
		return -EINVAL;
	if (arg.flags & VMM_BALLOON_STATS)
		features |= 1ULL << VIRTIO_BALLOON_F_STATS_VQ;
	if (arg.flags & VMM_BALLOON_DEFLATE_ON_OOM)
		features |= 1ULL << VIRTIO_BALLOON_F_DEFLATE_ON_OOM;
	if (arg.flags & VMM_BALLOON_REPORTING)
		features |= 1ULL << VIRTIO_BALLOON_F_REPORTING;

	mutex_lock(&vm->lock);
	r = -EBUSY;
	if (vm->balloon || vmm_pc_started(vm))
		goto out;
	r = -ENOMEM;
	b = kvzalloc(sizeof(*b), GFP_KERNEL_ACCOUNT);
	if (!b)
		goto out;
	b->vm = vm;
	b->owner = current_euid();
	INIT_WORK(&b->work, vmm_vballoon_work);
	r = virtio_balloon_init(&b->vb, features, &vmm_vballoon_gmem, vm,
				&vmm_vballoon_host, b, &vmm_vballoon_bhost, b);
	if (r)
		goto err;
	b->vb.vp.pci.bar_changed = vmm_vballoon_bar_changed;
	b->mmio = vmm_mmio_register(vm, VIRTIO_PCI_BAR_SIZE, vmm_vballoon_mmio, b);
	if (b->mmio < 0) {
		r = b->mmio;
		goto err;
	}
	r = vmm_pc_pci_add(vm, VPCI_DEVFN(VMM_BALLOON_SLOT, 0), &b->vb.vp.pci,
			   &b->irq);
	if (r)
		goto err;	/* the MMIO range stays unmapped, never reached */
	smp_store_release(&vm->balloon, b);
	atomic_long_add(sizeof(*b), &vm->overhead);
	goto out;
err:
	kvfree(b);
out:
	mutex_unlock(&vm->lock);
	return r;
}

static long vmm_balloon_do(struct vmm_vm *vm, struct vmm_balloon *arg,
			   bool by_id)
{
	/* Set once, whole, before the VM runs (vmm_balloon_add). */
	struct vmm_vballoon_pci *b = smp_load_acquire(&vm->balloon);
	struct virtio_balloon_info info;
	unsigned int i;

	if (!b)
		return -ENODEV;
	if (arg->flags & VMM_BALLOON_SET_TARGET) {
		if (by_id && !uid_eq(current_euid(), b->owner) &&
		    !capable(CAP_SYS_ADMIN))
			return -EPERM;
		virtio_balloon_set_target(&b->vb, arg->target_bytes >>
					  VBALLOON_PFN_SHIFT);
	}
	virtio_balloon_get(&b->vb, &info, arg->flags & VMM_BALLOON_REFRESH);
	arg->target_bytes = (u64)info.target << VBALLOON_PFN_SHIFT;
	arg->actual_bytes = (u64)info.actual << VBALLOON_PFN_SHIFT;
	arg->freed_bytes = info.discarded << VBALLOON_PFN_SHIFT;
	arg->reported_bytes = info.reported << VBALLOON_PFN_SHIFT;
	arg->inflated_pages = info.inflated;
	arg->deflated_pages = info.deflated;
	arg->stats_updates = info.stats_updates;
	arg->stats_valid = info.stats_valid;
	BUILD_BUG_ON(VMM_BALLOON_NR_STATS != VBALLOON_NR_STATS);
	for (i = 0; i < VMM_BALLOON_NR_STATS; i++)
		arg->stats[i] = info.stats[i];
	return 0;
}

static long vmm_balloon_check(struct vmm_balloon *arg, struct vmm_balloon __user *u)
{
	if (copy_from_user(arg, u, sizeof(*arg)))
		return -EFAULT;
	if ((arg->flags & ~(VMM_BALLOON_SET_TARGET | VMM_BALLOON_REFRESH)) ||
	    arg->pad || arg->reserved[0] || arg->reserved[1] ||
	    arg->reserved[2] || arg->reserved[3])
		return -EINVAL;
	if ((arg->flags & VMM_BALLOON_SET_TARGET) &&
	    ((arg->target_bytes & (VBALLOON_PAGE_SIZE - 1)) ||
	     arg->target_bytes >> VBALLOON_PFN_SHIFT > U32_MAX))
		return -EINVAL;
	return 0;
}

long vmm_balloon_ioctl(struct vmm_vm *vm, struct vmm_balloon __user *u)
{
	struct vmm_balloon arg;
	long r;

	r = vmm_balloon_check(&arg, u);
	if (r)
		return r;
	if (arg.vm_id && arg.vm_id != vm->id)
		return -EINVAL;
	mutex_lock(&vm->lock);
	r = vmm_balloon_do(vm, &arg, false);
	mutex_unlock(&vm->lock);
	if (!r && copy_to_user(u, &arg, sizeof(arg)))
		r = -EFAULT;
	return r;
}

long vmm_balloon_ioctl_by_id(struct vmm_balloon __user *u)
{
	struct vmm_balloon arg;
	struct vmm_vm *vm;
	long r;

	r = vmm_balloon_check(&arg, u);
	if (r)
		return r;
	/* A VM on the list is not freed before it leaves it. */
	r = -ENOENT;
	mutex_lock(&vmm_vms_lock);
	list_for_each_entry(vm, &vmm_vms, node) {
		if (vm->id == arg.vm_id) {
			r = vmm_balloon_do(vm, &arg, true);
			break;
		}
	}
	mutex_unlock(&vmm_vms_lock);
	if (!r && copy_to_user(u, &arg, sizeof(arg)))
		r = -EFAULT;
	return r;
}

void vmm_balloon_destroy(struct vmm_vm *vm)
{
	struct vmm_vballoon_pci *b = vm->balloon;

	if (!b)
		return;
	/* No vCPU is left to notify: the work item is not queued again. */
	cancel_work_sync(&b->work);
	atomic_long_sub(sizeof(*b), &vm->overhead);
	vm->balloon = NULL;
	kvfree(b);
}
