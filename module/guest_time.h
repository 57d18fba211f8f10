/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest time the way the host accounts it: between these calls the vCPU
 * thread runs the guest, so the scheduler's tick (or, with full dynticks,
 * vtime) charges that time as guest time: /proc/PID/stat guest_time,
 * top's "gu", cpuacct. The engines call them around the world switch with
 * interrupts off, as KVM's guest_timing_enter/exit_irqoff do.
 */
#ifndef VMM_GUEST_TIME_H
#define VMM_GUEST_TIME_H

#include <linux/irqflags.h>
#include <linux/vtime.h>

/* IRQs off, just before the world switch. */
static __always_inline void vmm_guest_time_enter(void)
{
	vtime_account_guest_enter();
}

/*
 * IRQs off, after the world switch: enables interrupts. The host
 * interrupt that ended the run (the tick among them) is taken first,
 * while the thread still counts as in the guest, so the tick that
 * interrupted the guest is charged to it.
 */
static __always_inline void vmm_guest_time_exit_irq_enable(void)
{
	local_irq_enable();
	local_irq_disable();
	vtime_account_guest_exit();
	local_irq_enable();
}

#endif /* VMM_GUEST_TIME_H */
