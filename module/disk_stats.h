/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Disk request statistics of the VMs (core/blkstat.h in each disk
 * controller): the clock that times requests (off with the module
 * parameter disk_timing=0), the tracepoints of each stage, and
 * VMM_GET_DISK_STATS / VMM_GET_DISK_STATS_ALL.
 */
#ifndef VMM_DISK_STATS_H
#define VMM_DISK_STATS_H

#include <linux/ktime.h>

#include "vmm.h"
#include "core/blkstat.h"

/* Most disks a VM has: AHCI ports and virtio-blk functions. */
#define VMM_VM_MAX_DISKS	(VMM_DISK_AHCI_PORTS + VMM_DISK_VIRTIO_MAX)

extern bool vmm_disk_timing;

/* The clock of disk request timestamps: 0 (untimed) while timing is off. */
static inline u64 vmm_disk_now(void)
{
	return READ_ONCE(vmm_disk_timing) ? ktime_get_ns() : 0;
}

/* Who a disk is in its tracepoints. */
struct vmm_disk_tag {
	u32 vm_id;
	char name[8];		/* "d0", "c1", "v0" */
	u64 since_ns;		/* when it was attached */
};

/* Give bs its tracepoints (before the guest runs). */
void vmm_disk_stats_bind(struct blkstat *bs, struct vmm_disk_tag *tag,
			 u32 vm_id, u32 type, u32 port);

/* Start an export entry: zeroed, who the disk is, and the timing switch. */
static inline void vmm_disk_stat_head(struct vmm_disk_stat *d,
				      const struct vmm_disk_tag *tag,
				      u32 type, u32 port)
{
	memset(d, 0, sizeof(*d));
	d->vm_id = tag->vm_id;
	d->type = type;
	d->port = port;
	d->since_ns = tag->since_ns;
	d->flags = READ_ONCE(vmm_disk_timing) ? VMM_DISK_STAT_TIMED : 0;
}

/*
 * The VM's disks into out[0..cap-1], each under its controller's lock;
 * returns how many disks it has. vm->lock held.
 */
unsigned int vmm_disk_stats_collect(struct vmm_vm *vm,
				    struct vmm_disk_stat *out, unsigned int cap);
/* ahci_pci.c, virtio_blk_pci.c: the same, for their disks. */
unsigned int vmm_ahci_stats(struct vmm_vm *vm, struct vmm_disk_stat *out,
			    unsigned int cap);
unsigned int vmm_vblk_stats(struct vmm_vm *vm, struct vmm_disk_stat *out,
			    unsigned int cap);

long vmm_disk_stats_vm_ioctl(struct vmm_vm *vm,
			     struct vmm_get_disk_stats __user *u);
long vmm_disk_stats_dev_ioctl(struct vmm_get_disk_stats __user *u);
/* The VM is going (off the VM list): add its disks to the module's sums. */
void vmm_disk_stats_account_dead(struct vmm_vm *vm);
void vmm_disk_stats_exit(void);

#endif /* VMM_DISK_STATS_H */
