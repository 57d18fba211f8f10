// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vmm: module init, the engine choice, per-CPU enabling of hardware
 * virtualization (refcounted by live VMs, following CPU hotplug and
 * suspend), and the ioctls that are not about one VM.
 */
#define pr_fmt(fmt) "vmm: " fmt

#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/syscore_ops.h>
#include <linux/uaccess.h>
#include <linux/slab.h>
#include <linux/percpu.h>
#include <linux/reboot.h>
#include <asm/reboot.h>

#include "vmm.h"
#include "spec.h"
#include "disk_stats.h"
#include "balloon.h"
#include "disk.h"

const struct vmm_engine_ops *vmm_ops;

#define VMM_DEFINE_STATIC_CALL(f)					\
	DEFINE_STATIC_CALL_NULL(vmm_##f, *(((struct vmm_engine_ops *)0)->f));
VMM_OPS_STATIC(VMM_DEFINE_STATIC_CALL)

/* Point the static calls at the engine's ops (vmm.h). */
static void vmm_static_calls_set(const struct vmm_engine_ops *ops)
{
#define VMM_UPDATE_STATIC_CALL(f) static_call_update(vmm_##f, ops->f);
	VMM_OPS_STATIC(VMM_UPDATE_STATIC_CALL)
#undef VMM_UPDATE_STATIC_CALL
}

LIST_HEAD(vmm_vms);
DEFINE_MUTEX(vmm_vms_lock);

static DEFINE_MUTEX(vmm_hw_lock);
static unsigned int vmm_hw_users;
static DEFINE_PER_CPU(bool, vmm_hw_on);
static enum cpuhp_state vmm_cpuhp_state;

/* Totals of VMs already destroyed, for VMM_GET_STATS vm_id 0. */
static struct vmm_stats vmm_dead_stats;
static DEFINE_MUTEX(vmm_dead_stats_lock);

static void vmm_hw_enable_this_cpu(void *failed)
{
	int r;

	if (this_cpu_read(vmm_hw_on))
		return;
	r = vmm_ops->hw_enable();
	if (r) {
		atomic_inc(failed);
		return;
	}
	this_cpu_write(vmm_hw_on, true);
}

static void vmm_hw_disable_this_cpu(void *unused)
{
	if (!this_cpu_read(vmm_hw_on))
		return;
	vmm_ops->hw_disable();
	this_cpu_write(vmm_hw_on, false);
}

/*
 * Panic, kdump and emergency reboot stop every CPU with an NMI and call
 * this there: leave VMX operation (VMCLEAR first, so a crash dump holds
 * the VMCSs) or clear EFER.SVME, or the next kernel cannot start the CPU
 * (VMX blocks INIT). Nothing else runs on the CPU afterwards.
 */
static void vmm_emergency_disable(void)
{
	WRITE_ONCE(vmm_going_down, true);
	if (!this_cpu_read(vmm_hw_on))
		return;
	vmm_ops->hw_disable();
	this_cpu_write(vmm_hw_on, false);
	pr_emerg("going down (emergency): %s off on CPU %d\n", vmm_ops->name,
		 smp_processor_id());
}

/*
 * The kernel keeps a single emergency callback, which KVM may hold:
 * registering beside it warns and does nothing. So ours is registered
 * only while our VMs hold the hardware, and not while the kvm module is
 * loaded (KVM loaded after our registration warns in its place). Without
 * ours, KVM's callback or the kernel's own emergency VMXOFF / SVM disable
 * is all that runs: our VMCSs do not reach a crash dump.
 */
static bool vmm_emergency_registered;

static void vmm_emergency_register(void)
{
	/* kvm.ko exports kvm_rebooting: its presence says KVM is loaded. */
	if (__symbol_get("kvm_rebooting")) {
		__symbol_put("kvm_rebooting");
		return;
	}
	cpu_emergency_register_virt_callback(vmm_emergency_disable);
	vmm_emergency_registered = true;
}

static void vmm_emergency_unregister(void)
{
	if (vmm_emergency_registered)
		cpu_emergency_unregister_virt_callback(vmm_emergency_disable);
	vmm_emergency_registered = false;
}

/* Called by VM creation: turn virtualization on everywhere for the first VM. */
int vmm_hw_get(void)
{
	atomic_t failed = ATOMIC_INIT(0);
	int r = 0;

	mutex_lock(&vmm_hw_lock);
	if (READ_ONCE(vmm_going_down)) {
		r = -EBUSY;
	} else if (vmm_hw_users++ == 0) {
		vmm_emergency_register();
		cpus_read_lock();
		on_each_cpu(vmm_hw_enable_this_cpu, &failed, 1);
		if (atomic_read(&failed)) {
			on_each_cpu(vmm_hw_disable_this_cpu, NULL, 1);
			vmm_hw_users = 0;
			r = -EBUSY;
			pr_warn_ratelimited("cannot enable %s: virtualization is in use by another hypervisor (is kvm_amd/kvm_intel running a VM?)\n",
					    vmm_ops->name);
		}
		cpus_read_unlock();
		if (r)
			vmm_emergency_unregister();
	}
	mutex_unlock(&vmm_hw_lock);
	return r;
}

void vmm_hw_put(void)
{
	mutex_lock(&vmm_hw_lock);
	if (!WARN_ON(!vmm_hw_users) && --vmm_hw_users == 0) {
		cpus_read_lock();
		on_each_cpu(vmm_hw_disable_this_cpu, NULL, 1);
		cpus_read_unlock();
		vmm_emergency_unregister();
	}
	mutex_unlock(&vmm_hw_lock);
}

static int vmm_cpu_online(unsigned int cpu)
{
	atomic_t failed = ATOMIC_INIT(0);

	/* Runs on the CPU coming up, with hotplug serialised against us. */
	if (READ_ONCE(vmm_hw_users))
		vmm_hw_enable_this_cpu(&failed);
	return atomic_read(&failed) ? -EBUSY : 0;
}

static int vmm_cpu_offline(unsigned int cpu)
{
	vmm_hw_disable_this_cpu(NULL);
	return 0;
}

static int vmm_suspend(void)
{
	vmm_hw_disable_this_cpu(NULL);
	return 0;
}

static void vmm_resume(void)
{
	atomic_t failed = ATOMIC_INIT(0);

	if (vmm_hw_users)
		vmm_hw_enable_this_cpu(&failed);
	WARN_ON(atomic_read(&failed));
}

static void vmm_shutdown(void)
{
	vmm_hw_disable_this_cpu(NULL);
}

/*
 * Before a reboot or kexec every CPU leaves VMX operation / clears
 * EFER.SVME, or the next kernel cannot bring its CPUs up (VMX blocks INIT).
 */
static int vmm_reboot(struct notifier_block *nb, unsigned long action,
		      void *unused)
{
	/*
	 * First the flag, so that vCPU loops stop entering (the engines
	 * look at it with interrupts off, and the IPIs below run only where
	 * interrupts are on) and no new VM turns virtualization back on.
	 */
	WRITE_ONCE(vmm_going_down, true);
	on_each_cpu(vmm_hw_disable_this_cpu, NULL, 1);
	pr_info("going down: %s off on every CPU\n", vmm_ops->name);
	return NOTIFY_OK;
}

static struct notifier_block vmm_reboot_nb = {
	.notifier_call = vmm_reboot,
	.priority = 0,
};

static struct syscore_ops vmm_syscore_ops = {
	.suspend = vmm_suspend,
	.resume = vmm_resume,
	.shutdown = vmm_shutdown,
};

void vmm_stats_account_dead(const struct vmm_stats *s)
{
	mutex_lock(&vmm_dead_stats_lock);
	vmm_stats_merge(&vmm_dead_stats, s);
	mutex_unlock(&vmm_dead_stats_lock);
}

static long vmm_ioctl_list_vms(struct vmm_list_vms __user *uarg)
{
	struct vmm_vm_info *info = NULL;
	struct vmm_list_vms arg;
	struct vmm_vm *vm;
	u32 n = 0, k;
	long r = 0;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.flags)
		return -EINVAL;

	/* Snapshot under the lock; copy to userspace (which may fault) after. */
	mutex_lock(&vmm_vms_lock);
	list_for_each_entry(vm, &vmm_vms, node)
		n++;
	k = min(n, arg.count);
	if (k) {
		info = kvcalloc(k, sizeof(*info), GFP_KERNEL);
		if (!info) {
			mutex_unlock(&vmm_vms_lock);
			return -ENOMEM;
		}
	}
	n = 0;
	list_for_each_entry(vm, &vmm_vms, node) {
		if (n < k) {
			info[n].vm_id = vm->id;
			info[n].pid = vm->pid;
			info[n].nr_vcpus = READ_ONCE(vm->nr_vcpus);
			info[n].mem_bytes = READ_ONCE(vm->mem_bytes);
			/* 4 KiB units: 16 TiB fit, past the largest VM. */
			info[n].resident_pages = min_t(long, U32_MAX,
					atomic_long_read(&vm->resident) <<
					(PAGE_SHIFT - 12));
			info[n].overhead_bytes = atomic_long_read(&vm->overhead);
		}
		n++;
	}
	mutex_unlock(&vmm_vms_lock);

	if (k && copy_to_user(u64_to_user_ptr(arg.buf), info, k * sizeof(*info)))
		r = -EFAULT;
	kvfree(info);
	if (r)
		return r;
	arg.count = n;
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

/* Copy stats out; shared by /dev/vmm and the VM fd. */
long vmm_stats_copy_out(struct vmm_get_stats *arg, const struct vmm_stats *s,
			struct vmm_get_stats __user *uarg)
{
	unsigned int n = min_t(u32, arg->count, VMM_STAT_NR_REASONS);
	struct vmm_exit_stat *e;

	if (n) {
		e = kvmalloc_array(VMM_STAT_NR_REASONS, sizeof(*e), GFP_KERNEL);
		if (!e)
			return -ENOMEM;
		vmm_stats_export(s, e, VMM_STAT_NR_REASONS);
		if (copy_to_user(u64_to_user_ptr(arg->buf), e, n * sizeof(*e))) {
			kvfree(e);
			return -EFAULT;
		}
		kvfree(e);
	}
	arg->count = VMM_STAT_NR_REASONS;
	arg->total_exits = s->total_exits;
	arg->runs = s->runs;
	arg->user_exits = s->user_exits;
	return copy_to_user(uarg, arg, sizeof(*arg)) ? -EFAULT : 0;
}

bool vmm_stats_arg_valid(const struct vmm_get_stats *arg)
{
	return !arg->flags && !arg->pad && !arg->reserved[0] && !arg->reserved[1];
}

static long vmm_ioctl_get_stats(struct vmm_get_stats __user *uarg)
{
	struct vmm_get_stats arg;
	struct vmm_stats *s;
	struct vmm_vm *vm;
	bool found = false;
	long r;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!vmm_stats_arg_valid(&arg))
		return -EINVAL;

	s = kvzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;

	mutex_lock(&vmm_vms_lock);
	if (arg.vm_id == 0) {
		mutex_lock(&vmm_dead_stats_lock);
		vmm_stats_merge(s, &vmm_dead_stats);
		mutex_unlock(&vmm_dead_stats_lock);
	}
	list_for_each_entry(vm, &vmm_vms, node) {
		if (arg.vm_id == 0 || arg.vm_id == vm->id) {
			vmm_vm_collect_stats(vm, s);
			found = true;
		}
	}
	mutex_unlock(&vmm_vms_lock);

	if (arg.vm_id && !found)
		r = -ENOENT;
	else
		r = vmm_stats_copy_out(&arg, s, uarg);
	kvfree(s);
	return r;
}

static long vmm_dev_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	struct vmm_create_vm cvm;

	switch (cmd) {
	case VMM_GET_API_VERSION:
		return VMM_API_VERSION;
	case VMM_CREATE_VM:
		if (copy_from_user(&cvm, uarg, sizeof(cvm)))
			return -EFAULT;
		if ((cvm.flags & ~VMM_VM_PC) || cvm.vm_id || cvm.reserved[0] ||
		    cvm.reserved[1] || cvm.reserved[2])
			return -EINVAL;
		return vmm_vm_create(&cvm, uarg);
	case VMM_LIST_VMS:
		return vmm_ioctl_list_vms(uarg);
	case VMM_GET_STATS:
		return vmm_ioctl_get_stats(uarg);
	case VMM_GET_DISK_STATS_ALL:
		return vmm_disk_stats_dev_ioctl(uarg);
	case VMM_BALLOON:
		return vmm_balloon_ioctl_by_id(uarg);
	case VMM_SET_DISK_LIMIT:
	case VMM_GET_DISK_LIMIT:
		return vmm_disk_limit_ioctl(NULL, cmd, uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations vmm_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = vmm_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/* The engines, in the order they are tried. */
struct vmm_engine {
	const struct vmm_engine_ops *ops;
	int (*probe)(void);
	int (*init)(void);
	void (*exit)(void);
};

static const struct vmm_engine vmm_engines[] = {
	{ &vmm_svm_ops, vmm_svm_probe, vmm_svm_init, vmm_svm_exit },
	{ &vmm_vmx_ops, vmm_vmx_probe, vmm_vmx_init, vmm_vmx_exit },
};
static const struct vmm_engine *vmm_engine;

static int vmm_engine_select(void)
{
	unsigned int i;
	int r;

	for (i = 0; i < ARRAY_SIZE(vmm_engines); i++) {
		const struct vmm_engine *e = &vmm_engines[i];

		if (e->probe())
			continue;
		r = e->init();
		if (r)
			return r;
		vmm_engine = e;
		vmm_ops = e->ops;
		vmm_static_calls_set(e->ops);
		return 0;
	}
	pr_err("no usable AMD-V (SVM with nested paging) or VT-x (EPT, VPID, unrestricted guest) on this CPU\n");
	return -EOPNOTSUPP;
}

static struct miscdevice vmm_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = VMM_NAME,
	.fops = &vmm_dev_fops,
	.mode = 0600,
};

static int __init vmm_init(void)
{
	int r;

	#define VMM_UAPI_CHECK(c) BUILD_BUG_ON(!(c))
	VMM_UAPI_SIZE_CHECKS(VMM_UAPI_CHECK);

	r = vmm_engine_select();
	if (r)
		return r;
	r = vmm_spec_init(vmm_ops->name);
	if (r)
		goto err_engine;
	vmm_fpu_setup();

	r = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "vmm:online",
				      vmm_cpu_online, vmm_cpu_offline);
	if (r < 0)
		goto err_engine;
	vmm_cpuhp_state = r;
	register_syscore_ops(&vmm_syscore_ops);
	register_reboot_notifier(&vmm_reboot_nb);

	r = misc_register(&vmm_misc);
	if (r)
		goto err_cpuhp;
	pr_info("loaded, engine %s, API version %d\n", vmm_ops->name,
		VMM_API_VERSION);
	return 0;

err_cpuhp:
	unregister_reboot_notifier(&vmm_reboot_nb);
	unregister_syscore_ops(&vmm_syscore_ops);
	cpuhp_remove_state_nocalls(vmm_cpuhp_state);
err_engine:
	vmm_spec_exit();
	vmm_engine->exit();
	return r;
}

static void __exit vmm_exit(void)
{
	misc_deregister(&vmm_misc);
	unregister_reboot_notifier(&vmm_reboot_nb);
	unregister_syscore_ops(&vmm_syscore_ops);
	cpuhp_remove_state_nocalls(vmm_cpuhp_state);
	/* Every VM holds a module reference, so none is left here. */
	WARN_ON(vmm_hw_users);
	vmm_spec_exit();
	vmm_engine->exit();
	vmm_disk_stats_exit();
	pr_info("unloaded\n");
}

module_init(vmm_init);
module_exit(vmm_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A type-2 hypervisor with its own AMD-V and VT-x engines");
