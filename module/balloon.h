/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VM's memory balloon (virtio_balloon_pci.c): VMM_ADD_BALLOON and
 * VMM_BALLOON on the VM fd, VMM_BALLOON by VM id on /dev/vmm.
 */
#ifndef VMM_BALLOON_H
#define VMM_BALLOON_H

#include "vmm.h"

long vmm_balloon_add(struct vmm_vm *vm, struct vmm_add_balloon __user *u);
long vmm_balloon_ioctl(struct vmm_vm *vm, struct vmm_balloon __user *u);
/* /dev/vmm: the VM named by vm_id, found under vmm_vms_lock. */
long vmm_balloon_ioctl_by_id(struct vmm_balloon __user *u);
/* When the VM dies, before its memory goes: no vCPU runs any more. */
void vmm_balloon_destroy(struct vmm_vm *vm);

#endif /* VMM_BALLOON_H */
