/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VM's disks: VMM_ATTACH_DISK puts a host file behind a port of the
 * VM's disk controller (disk.c); the controller is the AHCI HBA of
 * ahci_pci.c, or a virtio-blk function of virtio_blk_pci.c. Teardown drains every request before guest memory goes.
 */
#ifndef VMM_DISK_H
#define VMM_DISK_H

#include "vmm.h"

struct vmm_blk_file;
struct vmm_disk;

long vmm_disk_attach(struct vmm_vm *vm, struct vmm_attach_disk __user *u);
/* After the last vCPU run, before the platform and guest memory go. */
void vmm_disks_destroy(struct vmm_vm *vm);

/*
 * disk_limit.c: a disk as its controller holds it, the host file behind
 * the I/O limiter (core/blk_limit.h), and VMM_SET/GET_DISK_LIMIT.
 * vmm_disk_new takes bf; the controller submits to vmm_disk_backend() and
 * closes the disk at teardown (waiting requests end, then the file's).
 */
struct vmm_disk *vmm_disk_new(struct vmm_vm *vm, struct vmm_blk_file *bf,
			      u32 type, u32 port);
struct blk_backend *vmm_disk_backend(struct vmm_disk *d);
void vmm_disk_close(struct vmm_disk *d);
/* vm: the VM fd's VM; NULL: /dev/vmm, the VM named by vm_id. */
long vmm_disk_limit_ioctl(struct vmm_vm *vm, unsigned int cmd,
			  struct vmm_disk_limit __user *u);

/* ahci_pci.c: the VM's AHCI controller (vm->lock held). */
int vmm_ahci_attach(struct vmm_vm *vm, unsigned int port, u32 type,
		    struct vmm_disk *disk);
void vmm_ahci_destroy(struct vmm_vm *vm);

/* virtio_blk_pci.c: virtio-blk disk index (vm->lock held). */
int vmm_vblk_attach(struct vmm_vm *vm, unsigned int index, u16 queues,
		    bool modern_only, struct vmm_disk *disk);
void vmm_vblk_destroy(struct vmm_vm *vm);

#endif /* VMM_DISK_H */
