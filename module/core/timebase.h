/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The time and timer host interface of the portable core.
 *
 * Device models never read a clock, sleep or tick: they ask the host for
 * the current guest time (now_ns) and derive their state from it, and they
 * ask for a one-shot callback at the next moment something visible
 * happens (an interrupt edge). The kernel implements this with ktime and
 * hrtimers; unit tests with a fake clock they advance by hand.
 *
 * Timer protocol:
 *  - A device embeds a struct vmm_timer and fills fire/dev with
 *    vmm_timer_setup() in its init function. The host binds its own timer
 *    to it (host_priv) after the device's init and before the first guest
 *    access; device init functions may read now_ns() but never arm or
 *    cancel a timer.
 *  - timer_arm() and timer_cancel() are called with the device lock held,
 *    so they must not sleep and must not wait for a running fire() (that
 *    takes the same lock): use hrtimer_try_to_cancel(), not
 *    hrtimer_cancel(). timer_arm() replaces any pending expiry; a deadline
 *    in the past fires as soon as possible.
 *  - fire(dev) is called by the host from timer context, without the
 *    device lock; it takes the lock itself. It may call timer_arm() on its
 *    own timer. A fire() that lost a race with a re-arm or a cancel is
 *    harmless: devices recompute everything from now_ns() and re-arm.
 *  - At teardown the host stops its timer synchronously before freeing
 *    the device.
 */
#ifndef VMM_CORE_TIMEBASE_H
#define VMM_CORE_TIMEBASE_H

#include "host.h"

#define VMM_NSEC_PER_SEC	1000000000ULL

struct vmm_timer {
	void (*fire)(void *dev);	/* set by the device */
	void *dev;			/* set by the device */
	void *host_priv;		/* owned by the host */
};

struct vmm_time_ops {
	/* Monotonic guest time in ns; never goes backwards. */
	u64 (*now_ns)(void *host);
	/* Call t->fire(t->dev) once at deadline_ns (now_ns() time base). */
	void (*timer_arm)(void *host, struct vmm_timer *t, u64 deadline_ns);
	void (*timer_cancel)(void *host, struct vmm_timer *t);
};

static inline void vmm_timer_setup(struct vmm_timer *t, void (*fire)(void *dev),
				   void *dev)
{
	t->fire = fire;
	t->dev = dev;
	t->host_priv = NULL;
}

/*
 * Whole ticks of a hz clock elapsed in ns nanoseconds (floor), exact and
 * without overflow for any u64 ns and hz up to 1 GHz.
 */
static inline u64 vmm_ns_to_ticks(u64 ns, u32 hz)
{
	return ns / VMM_NSEC_PER_SEC * hz +
	       ns % VMM_NSEC_PER_SEC * hz / VMM_NSEC_PER_SEC;
}

/*
 * The first nanosecond at which vmm_ns_to_ticks() reaches ticks (ceiling):
 * vmm_ns_to_ticks(vmm_ticks_to_ns(t, hz), hz) == t.
 */
static inline u64 vmm_ticks_to_ns(u64 ticks, u32 hz)
{
	return ticks / hz * VMM_NSEC_PER_SEC +
	       (ticks % hz * VMM_NSEC_PER_SEC + hz - 1) / hz;
}

#endif /* VMM_CORE_TIMEBASE_H */
