// SPDX-License-Identifier: GPL-2.0
/*
 * A VM's disk as its controller holds it: the host-file backend behind
 * the portable I/O limiter (core/blk_limit.c), whose timer is an hrtimer
 * here, and the ioctls that set and read a disk's limits, on the VM fd
 * or, for a VM another process runs (vmmctl limit), on /dev/vmm by VM id.
 *
 * The limiter's timer fires in hard-IRQ context: it hands requests to the
 * file backend (a list move and queue_work) and ends cancelled ones, both
 * allowed there by core/blk.h. Closing a disk refuses new requests, stops
 * the timer synchronously, ends what still waits (-ECANCELED), then waits
 * for what the file backend holds.
 */
#define pr_fmt(fmt) "vmm: " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "disk.h"
#include "blk_file.h"
#include "core/blk_limit.h"

struct vmm_disk {
	struct vmm_vm *vm;
	struct vmm_blk_file *bf;
	struct blk_limit limit;
	struct hrtimer timer;
	kuid_t owner;			/* who attached it may change its limits */
	u32 type, port;
};

static u64 vmm_disk_now(void *host)
{
	return ktime_get_ns();
}

static void vmm_disk_timer_arm(void *host, struct vmm_timer *t, u64 deadline)
{
	struct vmm_disk *d = host;

	hrtimer_start(&d->timer, ns_to_ktime(min_t(u64, deadline, KTIME_MAX)),
		      HRTIMER_MODE_ABS_HARD);
}

/* The limiter's lock is held: never wait for a running callback. */
static void vmm_disk_timer_cancel(void *host, struct vmm_timer *t)
{
	struct vmm_disk *d = host;

	hrtimer_try_to_cancel(&d->timer);
}

static const struct vmm_time_ops vmm_disk_time = {
	.now_ns = vmm_disk_now,
	.timer_arm = vmm_disk_timer_arm,
	.timer_cancel = vmm_disk_timer_cancel,
};

static enum hrtimer_restart vmm_disk_timer_fn(struct hrtimer *hr)
{
	struct vmm_disk *d = container_of(hr, struct vmm_disk, timer);

	d->limit.timer.fire(d->limit.timer.dev);
	return HRTIMER_NORESTART;
}

struct vmm_disk *vmm_disk_new(struct vmm_vm *vm, struct vmm_blk_file *bf,
			      u32 type, u32 port)
{
	struct vmm_disk *d;

	BUILD_BUG_ON(VMM_DISK_LIMIT_MAX_RATE != TBUCKET_MAX_RATE);
	BUILD_BUG_ON(VMM_DISK_LIMIT_MAX_BURST != TBUCKET_MAX_BURST);
	d = kzalloc(sizeof(*d), GFP_KERNEL_ACCOUNT);
	if (!d) {
		vmm_blk_file_close(bf);
		return ERR_PTR(-ENOMEM);
	}
	d->vm = vm;
	d->bf = bf;
	d->type = type;
	d->port = port;
	d->owner = current_euid();
	blk_limit_init(&d->limit, vmm_blk_file_backend(bf), &vmm_disk_time, d);
	hrtimer_init(&d->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	d->timer.function = vmm_disk_timer_fn;
	d->limit.timer.host_priv = &d->timer;
	atomic_long_add(sizeof(*d), &vm->overhead);
	return d;
}

struct blk_backend *vmm_disk_backend(struct vmm_disk *d)
{
	return &d->limit.be;
}

void vmm_disk_close(struct vmm_disk *d)
{
	if (!d)
		return;
	blk_limit_shutdown(&d->limit);
	hrtimer_cancel(&d->timer);
	blk_limit_drain(&d->limit);
	vmm_blk_file_close(d->bf);
	atomic_long_sub(sizeof(*d), &d->vm->overhead);
	kfree(d);
}

static bool vmm_disk_limit_valid(const struct vmm_disk_limit *a, bool set)
{
	if (a->version != VMM_DISK_LIMIT_VERSION || a->flags || a->pad ||
	    a->reserved[0] || a->reserved[1] || a->reserved[2] ||
	    a->reserved[3])
		return false;
	if (!set)
		return true;
	return !a->type && !a->port && !a->size && !a->ops && !a->bytes &&
	       !a->delayed && !a->delay_ns && !a->cancelled && !a->queued;
}

/* vm->lock held. */
static long vmm_disk_limit_do(struct vmm_vm *vm, unsigned int cmd,
			      struct vmm_disk_limit *a)
{
	struct blk_limit_stats st;
	struct blk_limits lim;
	struct vmm_disk *d;

	if (a->disk >= vm->nr_disks)
		return -ENODEV;
	d = vm->disks[a->disk];
	if (cmd == VMM_SET_DISK_LIMIT) {
		if (!uid_eq(current_euid(), d->owner) && !capable(CAP_SYS_ADMIN))
			return -EPERM;
		lim.iops = a->iops;
		lim.bps = a->bps;
		lim.iops_burst = a->iops_burst;
		lim.bps_burst = a->bps_burst;
		if (blk_limits_check(&lim))
			return -EINVAL;
		blk_limit_set(&d->limit, &lim);
		return 0;
	}
	blk_limit_get(&d->limit, &lim, &st);
	a->iops = lim.iops;
	a->bps = lim.bps;
	a->iops_burst = lim.iops_burst;
	a->bps_burst = lim.bps_burst;
	a->type = d->type;
	a->port = d->port;
	a->size = d->limit.be.size;
	a->ops = st.ops;
	a->bytes = st.bytes;
	a->delayed = st.delayed;
	a->delay_ns = st.delay_ns;
	a->cancelled = st.cancelled;
	a->queued = st.queued;
	return 0;
}

long vmm_disk_limit_ioctl(struct vmm_vm *vm, unsigned int cmd,
			  struct vmm_disk_limit __user *u)
{
	struct vmm_disk_limit a;
	struct vmm_vm *it;
	long r;

	if (copy_from_user(&a, u, sizeof(a)))
		return -EFAULT;
	if (!vmm_disk_limit_valid(&a, cmd == VMM_SET_DISK_LIMIT))
		return -EINVAL;
	if (vm) {
		if (a.vm_id && a.vm_id != vm->id)
			return -EINVAL;
		mutex_lock(&vm->lock);
		r = vmm_disk_limit_do(vm, cmd, &a);
		mutex_unlock(&vm->lock);
	} else {
		/* A VM on the list is not freed until we drop the lock. */
		r = -ENOENT;
		mutex_lock(&vmm_vms_lock);
		list_for_each_entry(it, &vmm_vms, node) {
			if (it->id != a.vm_id)
				continue;
			mutex_lock(&it->lock);
			r = vmm_disk_limit_do(it, cmd, &a);
			mutex_unlock(&it->lock);
			break;
		}
		mutex_unlock(&vmm_vms_lock);
	}
	if (r || cmd == VMM_SET_DISK_LIMIT)
		return r;
	return copy_to_user(u, &a, sizeof(a)) ? -EFAULT : 0;
}
