/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host interface of the portable core: the only header core code
 * includes for types, memory helpers, errors and locks. The core builds
 * in the kernel (__KERNEL__) and in userspace unit tests and fuzzers.
 */
#ifndef VMM_CORE_HOST_H
#define VMM_CORE_HOST_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#include <linux/errno.h>
#include <linux/spinlock.h>
#include <linux/compiler.h>
#include <linux/build_bug.h>

/*
 * Device locks are taken where nothing may sleep even on PREEMPT_RT:
 * exit handlers (preemption off, guest FPU held) and hard-IRQ hrtimer
 * callbacks. So they are raw spinlocks (the same code as spinlock_t
 * without PREEMPT_RT); what runs under one must not allocate, free,
 * wake a wait queue or take a sleeping lock (a kick is RT-safe).
 */
typedef raw_spinlock_t vmm_lock_t;
/* One store another CPU (a guest reading a register page) sees whole */
#define vmm_store32(p, v)	WRITE_ONCE(*(p), (u32)(v))
#define vmm_lock_init(l)	raw_spin_lock_init(l)
#define vmm_lock(l, fl)		raw_spin_lock_irqsave(l, fl)
#define vmm_unlock(l, fl)	raw_spin_unlock_irqrestore(l, fl)

#else /* userspace */
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <errno.h>
#include <pthread.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

typedef pthread_mutex_t vmm_lock_t;
#define vmm_lock_init(l)	pthread_mutex_init(l, NULL)
#define vmm_lock(l, fl)		do { (void)(fl); pthread_mutex_lock(l); } while (0)
#define vmm_unlock(l, fl)	do { (void)(fl); pthread_mutex_unlock(l); } while (0)
#define vmm_store32(p, v)	__atomic_store_n((p), (u32)(v), __ATOMIC_RELAXED)

#ifndef likely
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#endif
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif
#ifndef BUILD_BUG_ON
#define BUILD_BUG_ON(c)		_Static_assert(!(c), #c)
#endif
#ifndef fallthrough
#define fallthrough		__attribute__((__fallthrough__))
#endif
#endif /* __KERNEL__ */

#endif /* VMM_CORE_HOST_H */
