// SPDX-License-Identifier: GPL-2.0
/*
 * The paravirtual clock of PC VMs (the ABI and why: core/pvclock.h).
 *
 * The guest's clock is the host TSC, scaled by the host's tsc_khz: guest
 * ns since the VM was made = scale(host TSC - the TSC at creation). Where
 * the host TSC is stable (constant, not stopping in idle, never marked
 * unstable), every vCPU's page holds that one reference, written once when
 * the guest enables it, and carries the stable flag: the guest reads time
 * without exits and without cross-CPU fixups, as with KVM's master clock.
 * Otherwise each vCPU's page is rewritten from a fresh (TSC, host time)
 * pair whenever its thread runs on another host CPU, without the flag, so
 * the guest keeps its own clock monotonic.
 *
 * Pages are written with the ABI's protocol (version odd while the body
 * changes). A reset (INIT, reboot) forgets the page; so does a guest
 * write of 0.
 */
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/moduleparam.h>
#include <linux/timekeeping.h>
#include <asm/cpufeature.h>
#include <asm/timer.h>
#include <asm/tsc.h>

#include "vmm.h"
#include "gmem.h"
#include "core/pvclock.h"

/*
 * On by default. A guest that sees KVM's leaves also takes the KVM
 * platform's choices (its local APIC in x2APIC mode, among others): both
 * test hosts check a Linux guest that way (AMD-V: the pc suite's direct
 * boot; VT-x: the storage suite's ISO boot), with its clocksource and
 * 'sleep 1'. pvclock=0 hides the leaves from new VMs (the guest then
 * calibrates against the PIT and may fall back to the ACPI PM timer,
 * one port exit per clock read).
 */
static bool pvclock = true;
module_param(pvclock, bool, 0644);
MODULE_PARM_DESC(pvclock, "offer PC guests KVM's paravirtual clock (kvmclock) at CPUID 0x40000100 (new VMs; default on)");

/*
 * KVM's paravirtual EOI (pc.c), offered with the clock: a guest that
 * handles an interrupt without exits skips the EOI's exit.
 */
static bool pv_eoi = true;
module_param(pv_eoi, bool, 0644);
MODULE_PARM_DESC(pv_eoi, "offer PC guests that have the paravirtual clock KVM's paravirtual EOI too (new VMs; default on)");

void vmm_pvclock_vm_init(struct vmm_vm *vm)
{
	unsigned long flags;

	if (!pvclock || !vmm_pvclock_scale(tsc_khz, &vm->pv_scale))
		return;
	vm->pv_stable = boot_cpu_has(X86_FEATURE_CONSTANT_TSC) &&
			boot_cpu_has(X86_FEATURE_NONSTOP_TSC) &&
			!check_tsc_unstable();
	local_irq_save(flags);
	vm->pv_ktime0 = ktime_get_ns();
	vm->pv_tsc0 = rdtsc();
	local_irq_restore(flags);
	vm->pv_clock = true;
	vm->pv_eoi = pv_eoi;
}

/* Guest ns now (since the VM was made); with irqs off. */
static u64 vmm_pvclock_now(struct vmm_vm *vm, u64 *host_tsc)
{
	*host_tsc = rdtsc();
	if (vm->pv_stable)
		return vmm_pvclock_scale_delta(*host_tsc - vm->pv_tsc0,
					       &vm->pv_scale);
	return ktime_get_ns() - vm->pv_ktime0;
}

/* Fill v's page (from its MSR) for the TSC offset and CPU it has now. */
void vmm_pvclock_update(struct vmm_vcpu *v)
{
	struct vmm_vm *vm = v->vm;
	struct vmm_pvclock_vcpu p = { 0 };
	u64 gpa = v->pv_time_msr & ~1ULL, tsc;
	unsigned long flags;
	u32 version;

	if (!(v->pv_time_msr & 1))
		return;
	local_irq_save(flags);
	if (vm->pv_stable) {
		tsc = vm->pv_tsc0;
		p.system_time = 0;
	} else {
		p.system_time = vmm_pvclock_now(vm, &tsc);
	}
	v->pv_cpu = raw_smp_processor_id();
	local_irq_restore(flags);
	p.tsc_timestamp = tsc + READ_ONCE(v->tsc_offset);
	p.tsc_to_system_mul = vm->pv_scale.mul;
	p.tsc_shift = vm->pv_scale.shift;
	p.flags = vm->pv_stable ? PVCLOCK_FLAG_TSC_STABLE : 0;

	/* version odd, body, version even: a reader retries across it */
	version = v->pv_version + 1;
	if (vmm_gpa_write(vm, gpa, &version, sizeof(version)))
		return;		/* not guest RAM: nothing to fill */
	smp_wmb();
	vmm_gpa_write(vm, gpa + sizeof(u32), (u8 *)&p + sizeof(u32),
		      sizeof(p) - sizeof(u32));
	smp_wmb();
	v->pv_version += 2;
	version = v->pv_version;
	vmm_gpa_write(vm, gpa, &version, sizeof(version));
}

static void vmm_pvclock_wall(struct vmm_vcpu *v, u64 gpa)
{
	struct vmm_pvclock_wall w = { 0 };
	unsigned long flags;
	u64 tsc, boot;
	u32 rem;

	local_irq_save(flags);
	boot = ktime_get_real_ns() - vmm_pvclock_now(v->vm, &tsc);
	local_irq_restore(flags);
	w.sec = (u32)div_u64_rem(boot, NSEC_PER_SEC, &rem);
	w.nsec = rem;
	/* written whole, once per guest request: version 2 */
	w.version = 2;
	vmm_gpa_write(v->vm, gpa, &w, sizeof(w));
}

/* -ENOENT: not the clock's MSR (or the VM has no clock) */
int vmm_pvclock_msr_read(struct vmm_vcpu *v, u32 index, u64 *val)
{
	if (!v->vm->pv_clock)
		return -ENOENT;
	switch (index) {
	case PVCLOCK_MSR_SYSTEM_TIME:
		*val = v->pv_time_msr;
		return 0;
	case PVCLOCK_MSR_WALL_CLOCK:
		*val = v->pv_wall_msr;
		return 0;
	}
	return -ENOENT;
}

int vmm_pvclock_msr_write(struct vmm_vcpu *v, u32 index, u64 val)
{
	if (!v->vm->pv_clock)
		return -ENOENT;
	switch (index) {
	case PVCLOCK_MSR_SYSTEM_TIME:
		/* KVM refuses a page it cannot fill only by not filling it */
		if ((val & 1) && !vmm_pvclock_gpa_ok(val,
				sizeof(struct vmm_pvclock_vcpu)))
			val &= ~1ULL;
		v->pv_time_msr = val;
		vmm_pvclock_update(v);
		return 0;
	case PVCLOCK_MSR_WALL_CLOCK:
		v->pv_wall_msr = val;
		if (vmm_pvclock_gpa_ok(val, sizeof(struct vmm_pvclock_wall)))
			vmm_pvclock_wall(v, val);
		return 0;
	}
	return -ENOENT;
}

void vmm_pvclock_reset(struct vmm_vcpu *v)
{
	v->pv_time_msr = 0;
	v->pv_wall_msr = 0;
	v->pv_eoi_msr = 0;
	v->pv_eoi_armed = false;	/* the LAPIC's reset disarms it */
	v->pv_eoi_posted = false;
}
