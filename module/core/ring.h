/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A byte ring buffer over caller-provided storage whose size is a power of
 * two. head and tail are free-running u32 counters (they wrap naturally);
 * the ring holds head - tail bytes. There is no locking inside: callers
 * serialise every access to one ring.
 */
#ifndef VMM_CORE_RING_H
#define VMM_CORE_RING_H

#include "host.h"

struct vmm_ring {
	u8 *buf;
	u32 size;		/* power of two */
	u32 head;		/* producer: next byte written at buf[head & (size - 1)] */
	u32 tail;		/* consumer: next byte read from buf[tail & (size - 1)] */
};

/* Returns 0, or -EINVAL when size is 0, not a power of two or above 2^31. */
int vmm_ring_init(struct vmm_ring *r, void *buf, u32 size);

/* Drop everything queued. */
static inline void vmm_ring_reset(struct vmm_ring *r)
{
	r->head = 0;
	r->tail = 0;
}

static inline u32 vmm_ring_used(const struct vmm_ring *r)
{
	return r->head - r->tail;
}

static inline u32 vmm_ring_space(const struct vmm_ring *r)
{
	return r->size - (r->head - r->tail);
}

/* Copy in up to n bytes; returns how many were copied (0..n). */
u32 vmm_ring_put(struct vmm_ring *r, const void *src, u32 n);
/* Copy out and consume up to n bytes; returns how many. */
u32 vmm_ring_get(struct vmm_ring *r, void *dst, u32 n);
/* Copy out up to n bytes without consuming them; returns how many. */
u32 vmm_ring_peek(const struct vmm_ring *r, void *dst, u32 n);
/* Consume up to n bytes without copying them (after a peek); returns how many. */
u32 vmm_ring_skip(struct vmm_ring *r, u32 n);

#endif /* VMM_CORE_RING_H */
