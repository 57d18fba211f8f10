// SPDX-License-Identifier: GPL-2.0
/*
 * The VM object: guest memory regions (module-owned pages backed on first
 * touch and charged to the creator's memory cgroup, see gmem.c; mmap-able
 * through the VM fd), vCPU creation and VM statistics.
 */
#define pr_fmt(fmt) "vmm: " fmt

#include <linux/module.h>
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/memcontrol.h>
#include <linux/slab.h>
#include <linux/idr.h>
#include <linux/uaccess.h>
#include <linux/sched.h>
#include <linux/highmem.h>
#include <linux/io.h>

#include "vmm.h"
#include "pc.h"
#include "disk.h"
#include "disk_stats.h"
#include "balloon.h"

static DEFINE_IDA(vmm_vm_ida);

/*
 * Guest RAM is backed on first touch (gmem.c). The old way, all of it at
 * once when a region is added, stays for comparison (benchmarks, the
 * memory suite): later VMs only, it can change at any time.
 */
/* PREEMPT_RT cannot back a page in atomic context (gmem.c): all up front. */
static bool eager_mem = IS_ENABLED(CONFIG_PREEMPT_RT);
module_param(eager_mem, bool, 0644);
MODULE_PARM_DESC(eager_mem, "back and map all guest RAM when a region is added (default: on first touch; on PREEMPT_RT kernels: up front)");

static long vmm_vm_add_memory(struct vmm_vm *vm, struct vmm_mem_region __user *u)
{
	struct vmm_mem_region arg;
	struct vmm_mem_slot *s;
	u64 limit;
	int i, r;

	if (copy_from_user(&arg, u, sizeof(arg)))
		return -EFAULT;
	if (arg.flags & ~VMM_MEM_READONLY || arg.mmap_offset ||
	    arg.reserved[0] || arg.reserved[1])
		return -EINVAL;
	/* What the nested page table can map: 48 bits with 4 levels. */
	limit = 1ULL << min(12 + 9 * vm->npt.levels, VMM_MAX_GPA_BITS);
	if (arg.slot >= VMM_MAX_MEM_REGIONS || !arg.size ||
	    !PAGE_ALIGNED(arg.gpa) || !PAGE_ALIGNED(arg.size) ||
	    arg.size > VMM_MAX_REGION_SIZE || arg.gpa >= limit ||
	    arg.size > limit - arg.gpa)
		return -EINVAL;

	mutex_lock(&vm->lock);
	s = &vm->slots[arg.slot];
	r = -EEXIST;
	if (s->active || s->chunks)
		goto out;
	r = -EINVAL;
	for (i = 0; i < VMM_MAX_MEM_REGIONS; i++) {
		struct vmm_mem_slot *o = &vm->slots[i];

		/* An eager region that failed still holds its mappings. */
		if ((o->active || o->chunks) && arg.gpa < o->gpa + o->size &&
		    o->gpa < arg.gpa + arg.size)
			goto out;
	}

	/* Nothing is backed or mapped yet: the guest's first touch does it. */
	r = vmm_slot_init(vm, s, arg.gpa, arg.size, arg.flags);
	if (r)
		goto out;
	if (READ_ONCE(eager_mem)) {
		r = vmm_gmem_populate(vm, s);
		if (r)
			goto out;	/* the slot stays reserved */
	}
	vm->mem_bytes += arg.size;
	smp_store_release(&s->active, true);
	arg.mmap_offset = (u64)arg.slot << VMM_SLOT_SHIFT;
	r = copy_to_user(u, &arg, sizeof(arg)) ? -EFAULT : 0;
out:
	mutex_unlock(&vm->lock);
	return r;
}

static vm_fault_t vmm_vm_fault(struct vm_fault *vmf)
{
	struct vmm_vm *vm = vmf->vma->vm_file->private_data;
	unsigned long slot = vmf->pgoff >> (VMM_SLOT_SHIFT - PAGE_SHIFT);
	unsigned long idx = vmf->pgoff & ((1UL << (VMM_SLOT_SHIFT - PAGE_SHIFT)) - 1);
	struct vmm_mem_slot *s;
	struct page *p;

	if (slot >= VMM_MAX_MEM_REGIONS)
		return VM_FAULT_SIGBUS;
	s = &vm->slots[slot];
	if (!smp_load_acquire(&s->active) || idx >= s->npages)
		return VM_FAULT_SIGBUS;
	/* Userspace touches it first (a firmware or kernel load): back it. */
	p = vmm_slot_gpa_page(vm, s, s->gpa + ((u64)idx << PAGE_SHIFT));
	/*
	 * Not VM_FAULT_OOM: that retries the fault forever. The VM is
	 * marked out of memory; the process gets SIGBUS for the access.
	 */
	if (!p)
		return VM_FAULT_SIGBUS;
	vmf->page = p;		/* with the reference vmm_slot_gpa_page took */
	return 0;
}

static const struct vm_operations_struct vmm_vm_vmops = {
	.fault = vmm_vm_fault,
};

static int vmm_vm_mmap(struct file *f, struct vm_area_struct *vma)
{
	struct vmm_vm *vm = f->private_data;
	unsigned long slot = vma->vm_pgoff >> (VMM_SLOT_SHIFT - PAGE_SHIFT);
	unsigned long idx = vma->vm_pgoff & ((1UL << (VMM_SLOT_SHIFT - PAGE_SHIFT)) - 1);
	unsigned long npages = vma_pages(vma);
	struct vmm_mem_slot *s;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (slot >= VMM_MAX_MEM_REGIONS)
		return -EINVAL;
	s = &vm->slots[slot];
	if (!smp_load_acquire(&s->active) || idx >= s->npages ||
	    npages > s->npages - idx)
		return -EINVAL;
	/* Read-only applies to the guest: userspace loads ROM images. */
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	vma->vm_ops = &vmm_vm_vmops;
	return 0;
}

void vmm_vm_collect_stats(struct vmm_vm *vm, struct vmm_stats *out)
{
	unsigned int i;

	/* Counters are read racily while vCPUs run: fine for statistics. */
	for (i = 0; i < VMM_MAX_VCPUS; i++) {
		struct vmm_vcpu *v = READ_ONCE(vm->vcpus[i]);

		if (v)
			vmm_stats_merge(out, &v->stats);
	}
}

static long vmm_vm_get_stats(struct vmm_vm *vm, struct vmm_get_stats __user *u)
{
	struct vmm_get_stats arg;
	struct vmm_stats *s;
	long r;

	if (copy_from_user(&arg, u, sizeof(arg)))
		return -EFAULT;
	if (!vmm_stats_arg_valid(&arg) || (arg.vm_id && arg.vm_id != vm->id))
		return -EINVAL;
	s = kvzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	mutex_lock(&vm->lock);
	vmm_vm_collect_stats(vm, s);
	mutex_unlock(&vm->lock);
	r = vmm_stats_copy_out(&arg, s, u);
	kvfree(s);
	return r;
}

static long vmm_vm_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct vmm_vm *vm = f->private_data;
	void __user *uarg = (void __user *)arg;
	struct vmm_create_vcpu cv;

	switch (cmd) {
	case VMM_ADD_MEMORY:
		return vmm_vm_add_memory(vm, uarg);
	case VMM_CREATE_VCPU:
		if (copy_from_user(&cv, uarg, sizeof(cv)))
			return -EFAULT;
		if (cv.flags || cv.reserved[0] || cv.reserved[1])
			return -EINVAL;
		return vmm_vcpu_create(vm, &cv);
	case VMM_GET_CONSOLE_FD:
		return vmm_console_get_fd(vm);
	case VMM_GET_STATS:
		return vmm_vm_get_stats(vm, uarg);
	case VMM_FW_CFG_ADD:
		return vmm_pc_fw_cfg_add(vm, uarg);
	case VMM_SET_NVRAM:
		return vmm_pc_set_nvram(vm, uarg);
	case VMM_ATTACH_DISK:
		return vmm_disk_attach(vm, uarg);
	case VMM_GET_DISK_STATS:
		return vmm_disk_stats_vm_ioctl(vm, uarg);
	case VMM_ADD_BALLOON:
		return vmm_balloon_add(vm, uarg);
	case VMM_BALLOON:
		return vmm_balloon_ioctl(vm, uarg);
	case VMM_SET_DISK_LIMIT:
	case VMM_GET_DISK_LIMIT:
		return vmm_disk_limit_ioctl(vm, cmd, uarg);
	default:
		return -ENOTTY;
	}
}

static void vmm_vm_free(struct vmm_vm *vm)
{
	int i;

	/*
	 * Disk requests first (their completions write guest memory and
	 * raise interrupts), then timers: they kick vCPUs and raise console
	 * interrupts.
	 */
	vmm_disks_destroy(vm);
	vmm_balloon_destroy(vm);
	vmm_pc_destroy(vm);
	for (i = 0; i < VMM_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			vmm_vcpu_destroy(vm->vcpus[i]);
	vmm_console_destroy(vm);
	vmm_npt_free(vm);
	vmm_mmio_free(vm);
	for (i = 0; i < VMM_MAX_MEM_REGIONS; i++)
		vmm_slot_free(vm, &vm->slots[i]);
	mem_cgroup_put(vm->memcg);
	ida_free(&vmm_vm_ida, vm->id);
	kfree(vm);
}

static int vmm_vm_release(struct inode *inode, struct file *f)
{
	struct vmm_vm *vm = f->private_data;
	struct vmm_stats *s;

	/* vCPU and console fds hold the VM file: no one else is left. */
	mutex_lock(&vmm_vms_lock);
	list_del(&vm->node);
	mutex_unlock(&vmm_vms_lock);

	s = kvzalloc(sizeof(*s), GFP_KERNEL);
	if (s) {
		vmm_vm_collect_stats(vm, s);
		vmm_stats_account_dead(s);
		kvfree(s);
	}
	vmm_disk_stats_account_dead(vm);
	vmm_vm_free(vm);
	vmm_hw_put();
	module_put(THIS_MODULE);
	return 0;
}

const struct file_operations vmm_vm_fops = {
	.owner = THIS_MODULE,
	.release = vmm_vm_release,
	.unlocked_ioctl = vmm_vm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = vmm_vm_mmap,
	.llseek = noop_llseek,
};

int vmm_vm_create(struct vmm_create_vm *arg, struct vmm_create_vm __user *uarg)
{
	struct vmm_vm *vm;
	struct file *file;
	int r, fd;

	r = vmm_hw_get();
	if (r)
		return r;
	r = -ENOMEM;
	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		goto err_hw;
	mutex_init(&vm->lock);
	raw_spin_lock_init(&vm->mmio.lock);
	INIT_LIST_HEAD(&vm->node);
	vm->pid = task_tgid_nr(current);
	atomic_long_set(&vm->overhead, sizeof(*vm));
	/* Guest RAM is charged here whoever backs it (gmem.c); NULL: root. */
	vm->memcg = get_mem_cgroup_from_mm(current->mm);

	r = ida_alloc_min(&vmm_vm_ida, 1, GFP_KERNEL);
	if (r < 0)
		goto err_free;
	vm->id = r;

	r = vmm_npt_init(vm, vmm_ops->pt_format, pgtable_l5_enabled() ? 5 : 4);
	if (r)
		goto err_ida;
	r = vmm_console_init(vm);
	if (r)
		goto err_npt;
	if (arg->flags & VMM_VM_PC) {
		r = vmm_pc_create(vm);
		if (r)
			goto err_console;
		vmm_pvclock_vm_init(vm);
	}

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		r = fd;
		goto err_console;
	}
	file = anon_inode_getfile("vmm-vm", &vmm_vm_fops, vm, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		r = PTR_ERR(file);
		goto err_console;
	}
	vm->file = file;
	address_space_init_once(&vm->mapping);
	vm->mapping.host = file_inode(file);
	file->f_mapping = &vm->mapping;	/* before anyone can mmap it */
	/* The VM fd's release drops this; the misc fd may close first. */
	__module_get(THIS_MODULE);

	mutex_lock(&vmm_vms_lock);
	list_add_tail(&vm->node, &vmm_vms);
	mutex_unlock(&vmm_vms_lock);

	/* Tell userspace the id while the fd can still be taken back. */
	arg->vm_id = vm->id;
	if (copy_to_user(uarg, arg, sizeof(*arg))) {
		put_unused_fd(fd);
		fput(file);	/* the release destroys the VM */
		return -EFAULT;
	}
	fd_install(fd, file);
	return fd;

err_console:
	vmm_pc_destroy(vm);
	vmm_console_destroy(vm);
err_npt:
	vmm_npt_free(vm);
err_ida:
	ida_free(&vmm_vm_ida, vm->id);
err_free:
	mem_cgroup_put(vm->memcg);
	kfree(vm);
err_hw:
	vmm_hw_put();
	return r;
}
