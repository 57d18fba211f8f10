// SPDX-License-Identifier: GPL-2.0
/*
 * VMM_ATTACH_DISK: validate what userspace asks, take a reference on its
 * file, make the backend and give it to the controller's port. Everything
 * happens before the guest first runs, under the VM lock, so the guest
 * never sees a port half set up.
 */
#define pr_fmt(fmt) "vmm: " fmt

#include <linux/file.h>
#include <linux/uaccess.h>

#include "disk.h"
#include "pc.h"
#include "blk_file.h"

long vmm_disk_attach(struct vmm_vm *vm, struct vmm_attach_disk __user *u)
{
	struct vmm_attach_disk arg;
	struct vmm_blk_file *bf = NULL;
	struct vmm_disk *disk = NULL;
	struct file *file = NULL;
	bool cd, ro, virtio;
	char name[16];
	long r;

	if (!vm->pc)
		return -ENOTTY;
	if (copy_from_user(&arg, u, sizeof(arg)))
		return -EFAULT;
	virtio = arg.type == VMM_DISK_VIRTIO_BLK;
	if ((arg.flags & ~(VMM_DISK_READONLY | VMM_DISK_VIRTIO_MODERN)) ||
	    ((arg.flags & VMM_DISK_VIRTIO_MODERN) && !virtio) ||
	    arg.size || arg.reserved0 ||
	    arg.reserved[0] || arg.reserved[1] ||
	    arg.port >= (virtio ? VMM_DISK_VIRTIO_MAX : VMM_DISK_AHCI_PORTS) ||
	    (virtio ? arg.queues > VMM_DISK_VIRTIO_QUEUES : arg.queues) ||
	    (arg.type != VMM_DISK_AHCI_DISK && arg.type != VMM_DISK_AHCI_CDROM &&
	     !virtio))
		return -EINVAL;
	cd = arg.type == VMM_DISK_AHCI_CDROM;
	ro = cd || (arg.flags & VMM_DISK_READONLY);
	if (arg.fd != -1 || !cd) {
		file = fget(arg.fd);
		if (!file)
			return -EBADF;
	}

	mutex_lock(&vm->lock);
	r = -EBUSY;
	if (vmm_pc_started(vm))
		goto out;
	if (file) {
		snprintf(name, sizeof(name), "%u-%c%u", vm->id,
			 cd ? 'c' : virtio ? 'v' : 'd', arg.port);
		bf = vmm_blk_file_open(vm, file, cd ? 2048 : 512, ro, name);
		if (IS_ERR(bf)) {
			r = PTR_ERR(bf);
			bf = NULL;
			goto out;
		}
		arg.size = vmm_blk_file_backend(bf)->size;
		r = -ENOSPC;
		if (vm->nr_disks >= ARRAY_SIZE(vm->disks))
			goto out;
		disk = vmm_disk_new(vm, bf, arg.type, arg.port);
		bf = NULL;	/* the disk's, even when that failed */
		if (IS_ERR(disk)) {
			r = PTR_ERR(disk);
			disk = NULL;
			goto out;
		}
	}
	if (virtio)
		r = vmm_vblk_attach(vm, arg.port, arg.queues ? arg.queues : 1,
				    arg.flags & VMM_DISK_VIRTIO_MODERN, disk);
	else
		r = vmm_ahci_attach(vm, arg.port, arg.type, disk);
	if (r)
		goto out;
	if (disk)
		vm->disks[vm->nr_disks++] = disk;
	disk = NULL;		/* the controller's now */
	r = copy_to_user(u, &arg, sizeof(arg)) ? -EFAULT : 0;
out:
	mutex_unlock(&vm->lock);
	vmm_disk_close(disk);
	vmm_blk_file_close(bf);
	if (file)
		fput(file);
	return r;
}

void vmm_disks_destroy(struct vmm_vm *vm)
{
	/* the controllers close them; the limit ioctl no longer finds them */
	mutex_lock(&vm->lock);
	vm->nr_disks = 0;
	mutex_unlock(&vm->lock);
	vmm_ahci_destroy(vm);
	vmm_vblk_destroy(vm);
}
