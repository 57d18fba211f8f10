// SPDX-License-Identifier: GPL-2.0
/*
 * Disk request statistics: see disk_stats.h. The numbers live in each
 * disk's controller (struct blkstat, under the controller's lock); this
 * file reads them out, keeps the sums of VMs already gone for the
 * module-wide view, and turns each stage into a tracepoint.
 */
#define pr_fmt(fmt) "vmm: " fmt

#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "disk_stats.h"
#include "trace.h"

/*
 * Time every disk request stage by stage. Writable at run time (the
 * requests in flight then are timed partly and their stages skipped).
 */
bool vmm_disk_timing = true;
module_param_named(disk_timing, vmm_disk_timing, bool, 0644);
MODULE_PARM_DESC(disk_timing, "time disk requests stage by stage (statistics, tracepoints)");

/* Sums of the disks of VMs already destroyed (VMM_DISK_TYPE_ALL). */
static struct vmm_disk_stat *vmm_dead_disks;
static DEFINE_MUTEX(vmm_dead_disks_lock);

static void vmm_disk_trace(void *opaque, const struct blkstat_ev *ev)
{
	const struct vmm_disk_tag *t = opaque;
	u64 sector = ev->offset >> 9;
	u32 len = min_t(u64, ev->len, U32_MAX);

	switch (ev->point) {
	case BLKSTAT_EV_SUBMIT:
		trace_vmm_disk_submit(t->vm_id, t->name, ev->op, sector, len,
				      ev->lat_ns, ev->total_ns, ev->error);
		break;
	case BLKSTAT_EV_DONE:
		trace_vmm_disk_done(t->vm_id, t->name, ev->op, sector, len,
				    ev->lat_ns, ev->total_ns, ev->error);
		break;
	case BLKSTAT_EV_IRQ:
		trace_vmm_disk_irq(t->vm_id, t->name, ev->op, sector, len,
				   ev->lat_ns, ev->total_ns, ev->error);
		break;
	case BLKSTAT_EV_ACK:
		trace_vmm_disk_ack(t->vm_id, t->name, ev->op, sector, len,
				   ev->lat_ns, ev->total_ns, ev->error);
		break;
	}
}

void vmm_disk_stats_bind(struct blkstat *bs, struct vmm_disk_tag *tag,
			 u32 vm_id, u32 type, u32 port)
{
	tag->vm_id = vm_id;
	tag->since_ns = ktime_get_ns();
	snprintf(tag->name, sizeof(tag->name), "%c%u",
		 type == VMM_DISK_AHCI_CDROM ? 'c' :
		 type == VMM_DISK_VIRTIO_BLK ? 'v' : 'd', port);
	bs->trace_opaque = tag;
	bs->trace = vmm_disk_trace;
}

unsigned int vmm_disk_stats_collect(struct vmm_vm *vm,
				    struct vmm_disk_stat *out, unsigned int cap)
{
	unsigned int n;

	lockdep_assert_held(&vm->lock);
	n = vmm_ahci_stats(vm, out, cap);
	n += vmm_vblk_stats(vm, n < cap ? out + n : NULL, n < cap ? cap - n : 0);
	return n;
}

static bool vmm_disk_arg_ok(const struct vmm_get_disk_stats *a)
{
	return a->entry_size == sizeof(struct vmm_disk_stat) && !a->flags &&
	       !a->pad && !a->reserved[0] && !a->reserved[1] && !a->reserved[2];
}

/* out[0..n) to the user's buffer (at most its count), then arg. */
static long vmm_disk_copy_out(struct vmm_get_disk_stats *a,
			      struct vmm_get_disk_stats __user *u,
			      const struct vmm_disk_stat *out, unsigned int n)
{
	unsigned int k = min(n, a->count);

	if (k && copy_to_user(u64_to_user_ptr(a->buf), out, k * sizeof(*out)))
		return -EFAULT;
	a->count = n;
	a->version = VMM_DISK_STATS_VERSION;
	a->now_ns = ktime_get_ns();
	return copy_to_user(u, a, sizeof(*a)) ? -EFAULT : 0;
}

long vmm_disk_stats_vm_ioctl(struct vmm_vm *vm,
			     struct vmm_get_disk_stats __user *u)
{
	struct vmm_get_disk_stats a;
	struct vmm_disk_stat *out;
	unsigned int n;
	long r;

	if (copy_from_user(&a, u, sizeof(a)))
		return -EFAULT;
	if (!vmm_disk_arg_ok(&a) || (a.vm_id && a.vm_id != vm->id))
		return -EINVAL;
	out = kvcalloc(VMM_VM_MAX_DISKS, sizeof(*out), GFP_KERNEL);
	if (!out)
		return -ENOMEM;
	mutex_lock(&vm->lock);
	n = vmm_disk_stats_collect(vm, out, VMM_VM_MAX_DISKS);
	mutex_unlock(&vm->lock);
	r = vmm_disk_copy_out(&a, u, out, n);
	kvfree(out);
	return r;
}

/* dst += every disk of vm (vm->lock taken); tmp: VMM_VM_MAX_DISKS. */
static void vmm_disk_sum_vm(struct vmm_vm *vm, struct vmm_disk_stat *dst,
			    struct vmm_disk_stat *tmp)
{
	unsigned int i, n;

	mutex_lock(&vm->lock);
	n = min_t(unsigned int, VMM_VM_MAX_DISKS,
		  vmm_disk_stats_collect(vm, tmp, VMM_VM_MAX_DISKS));
	mutex_unlock(&vm->lock);
	for (i = 0; i < n; i++)
		blkstat_export_add(dst, &tmp[i]);
}

long vmm_disk_stats_dev_ioctl(struct vmm_get_disk_stats __user *u)
{
	struct vmm_get_disk_stats a;
	struct vmm_disk_stat *out;
	struct vmm_vm *vm;
	unsigned int n = 0;
	bool found = false;
	long r;

	if (copy_from_user(&a, u, sizeof(a)))
		return -EFAULT;
	if (!vmm_disk_arg_ok(&a))
		return -EINVAL;
	/* one more: the module-wide sum is built beside the scratch */
	out = kvcalloc(VMM_VM_MAX_DISKS + 1, sizeof(*out), GFP_KERNEL);
	if (!out)
		return -ENOMEM;

	mutex_lock(&vmm_vms_lock);
	if (!a.vm_id) {
		struct vmm_disk_stat *sum = &out[VMM_VM_MAX_DISKS];

		mutex_lock(&vmm_dead_disks_lock);
		if (vmm_dead_disks)
			blkstat_export_add(sum, vmm_dead_disks);
		mutex_unlock(&vmm_dead_disks_lock);
		list_for_each_entry(vm, &vmm_vms, node)
			vmm_disk_sum_vm(vm, sum, out);
		sum->type = VMM_DISK_TYPE_ALL;
		sum->flags = READ_ONCE(vmm_disk_timing) ? VMM_DISK_STAT_TIMED : 0;
		memcpy(out, sum, sizeof(*sum));
		n = 1;
		found = true;
	} else {
		list_for_each_entry(vm, &vmm_vms, node) {
			if (vm->id != a.vm_id)
				continue;
			mutex_lock(&vm->lock);
			n = vmm_disk_stats_collect(vm, out, VMM_VM_MAX_DISKS);
			mutex_unlock(&vm->lock);
			found = true;
			break;
		}
	}
	mutex_unlock(&vmm_vms_lock);

	r = found ? vmm_disk_copy_out(&a, u, out, n) : -ENOENT;
	kvfree(out);
	return r;
}

void vmm_disk_stats_account_dead(struct vmm_vm *vm)
{
	struct vmm_disk_stat *tmp, *sum;

	tmp = kvcalloc(VMM_VM_MAX_DISKS, sizeof(*tmp), GFP_KERNEL);
	sum = kvzalloc(sizeof(*sum), GFP_KERNEL);
	if (!tmp || !sum)
		goto out;
	vmm_disk_sum_vm(vm, sum, tmp);
	sum->inflight = 0;	/* drained before the VM goes */
	mutex_lock(&vmm_dead_disks_lock);
	if (!vmm_dead_disks) {
		vmm_dead_disks = sum;
		sum = NULL;
	} else {
		blkstat_export_add(vmm_dead_disks, sum);
	}
	mutex_unlock(&vmm_dead_disks_lock);
out:
	kvfree(sum);
	kvfree(tmp);
}

/* Module unload (vmm_main.c has no other hook for this file's state). */
void vmm_disk_stats_exit(void)
{
	kvfree(vmm_dead_disks);
	vmm_dead_disks = NULL;
}
