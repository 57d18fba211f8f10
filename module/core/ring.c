// SPDX-License-Identifier: GPL-2.0
/*
 * Byte ring buffer: see ring.h.
 */
#include "ring.h"

int vmm_ring_init(struct vmm_ring *r, void *buf, u32 size)
{
	if (!size || (size & (size - 1)) || size > 0x80000000u)
		return -EINVAL;
	r->buf = buf;
	r->size = size;
	r->head = 0;
	r->tail = 0;
	return 0;
}

u32 vmm_ring_put(struct vmm_ring *r, const void *src, u32 n)
{
	u32 space = vmm_ring_space(r);
	u32 off, first;

	if (n > space)
		n = space;
	if (!n)
		return 0;
	off = r->head & (r->size - 1);
	first = r->size - off;
	if (first > n)
		first = n;
	memcpy(r->buf + off, src, first);
	memcpy(r->buf, (const u8 *)src + first, n - first);
	r->head += n;
	return n;
}

u32 vmm_ring_peek(const struct vmm_ring *r, void *dst, u32 n)
{
	u32 used = vmm_ring_used(r);
	u32 off, first;

	if (n > used)
		n = used;
	if (!n)
		return 0;
	off = r->tail & (r->size - 1);
	first = r->size - off;
	if (first > n)
		first = n;
	memcpy(dst, r->buf + off, first);
	memcpy((u8 *)dst + first, r->buf, n - first);
	return n;
}

u32 vmm_ring_skip(struct vmm_ring *r, u32 n)
{
	u32 used = vmm_ring_used(r);

	if (n > used)
		n = used;
	r->tail += n;
	return n;
}

u32 vmm_ring_get(struct vmm_ring *r, void *dst, u32 n)
{
	n = vmm_ring_peek(r, dst, n);
	r->tail += n;
	return n;
}
