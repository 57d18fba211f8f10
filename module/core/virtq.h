/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device side of a virtio virtqueue. Split (virtio 1.2, 2.7): the
 * available ring the driver fills, the descriptor table its chains live
 * in, the used ring the device returns them through, and the EVENT_IDX
 * notification suppression in both directions. Packed (2.8, with
 * VIRTIO_F_RING_PACKED): one descriptor ring whose AVAIL/USED flag bits
 * and wrap counters say who owns each slot, and the driver's event
 * suppression structure (ENABLE, DISABLE, or DESC with EVENT_IDX) for
 * the device's interrupts; the device always asks for notifications. Portable: the rings are
 * guest memory reached only through struct blk_gmem_ops, so every index,
 * length and address the guest wrote is checked here before anything is
 * done with it.
 *
 * A chain that cannot be valid (a head or next index past the ring, a
 * loop, more than VIRTQ_MAX_CHAIN buffers, a zero-length or unreadable
 * buffer, a readable buffer after a writable one, an indirect table
 * inside an indirect table or with a bad size, an available index that
 * moved by more than the ring size) breaks the queue: virtq_pop() returns
 * -EIO from then on and the transport reports NEEDS_RESET. Nothing the
 * guest writes makes the device loop, fault or allocate.
 *
 * Locking: the caller's (the transport's device lock around every call).
 */
#ifndef VMM_CORE_VIRTQ_H
#define VMM_CORE_VIRTQ_H

#include "host.h"
#include "blk.h"

#ifdef __KERNEL__
#include <asm/barrier.h>
#define virtq_mb()		smp_mb()
#else
#define virtq_mb()		__sync_synchronize()
#endif

#define VIRTQ_MAX_SIZE		1024	/* ring entries (spec max 32768) */
/* Most buffers one chain may have, indirect ones included. */
#define VIRTQ_MAX_CHAIN		260
/* Most bytes of each kind (readable, writable) one chain may have. */
#define VIRTQ_MAX_BYTES		(1u << 30)

/* struct virtq_desc flags (guest memory layout, little endian) */
#define VIRTQ_DESC_F_NEXT	1
#define VIRTQ_DESC_F_WRITE	2
#define VIRTQ_DESC_F_INDIRECT	4
#define VIRTQ_DESC_F_AVAIL	(1u << 7)	/* packed */
#define VIRTQ_DESC_F_USED	(1u << 15)	/* packed */
#define VIRTQ_DESC_SIZE		16

/* Packed ring event suppression flags. */
#define VIRTQ_EVENT_F_ENABLE	0
#define VIRTQ_EVENT_F_DISABLE	1
#define VIRTQ_EVENT_F_DESC	2

#define VIRTQ_AVAIL_F_NO_INTERRUPT	1
#define VIRTQ_USED_F_NO_NOTIFY		1

/* One buffer of a chain: readable (device reads) or writable by the device. */
struct virtq_buf {
	u64 gpa;
	u32 len;
	bool write;
};

struct virtq_chain {
	u16 head;		/* what goes back in the used ring (buffer id) */
	u16 slots;		/* ring entries the chain took (packed) */
	u16 nr;			/* buffers: nr_out readable, then writable */
	u16 nr_out;
	u32 out_len, in_len;	/* bytes in each kind; no overflow */
	struct virtq_buf buf[VIRTQ_MAX_CHAIN];
};

struct virtq {
	/* Set by the transport before the queue is enabled. */
	u16 size;		/* power of two, <= VIRTQ_MAX_SIZE */
	u64 desc, avail, used;	/* guest-physical ring addresses */
	bool event_idx;		/* VIRTIO_F_EVENT_IDX negotiated */
	bool indirect;		/* VIRTIO_F_INDIRECT_DESC negotiated */
	bool packed;		/* VIRTIO_F_RING_PACKED: avail = driver event
				 * area, used = device event area */

	bool ready;
	bool broken;
	/*
	 * Set by the device while it will look at the ring again by itself
	 * (requests in flight whose completions poll it): an empty split
	 * ring with EVENT_IDX then does not ask for a notification.
	 */
	bool no_notify;
	u16 last_avail;		/* next available entry to take */
	u16 used_idx;		/* next used entry to fill */
	u16 signalled;		/* used_idx at the last interrupt */
	bool signalled_valid;	/* false: the next check must signal */
	/*
	 * Packed: last_avail and used_idx count ring slots freely (mod
	 * 2^16); the slot is the count mod size and the wrap counter
	 * 1 - (count / size) % 2, since size divides 2^16.
	 */
	u16 prev_avail;		/* last_avail before the last pop (unpop) */

	const struct blk_gmem_ops *gm;
	void *gm_opaque;
};

/* Ring sizes in bytes for a queue of n entries, event fields included. */
#define VIRTQ_DESC_BYTES(n)	((u64)(n) * VIRTQ_DESC_SIZE)
#define VIRTQ_AVAIL_BYTES(n)	(6 + 2 * (u64)(n))
#define VIRTQ_USED_BYTES(n)	(6 + 8 * (u64)(n))
/* Offsets of used_event (avail ring) and avail_event (used ring). */
#define VIRTQ_USED_EVENT(n)	(4 + 2 * (u64)(n))
#define VIRTQ_AVAIL_EVENT(n)	(4 + 8 * (u64)(n))

void virtq_init(struct virtq *vq, const struct blk_gmem_ops *gm, void *opaque);
/*
 * Check the ring addresses and size (alignment, guest RAM) and start the
 * queue from index 0: 0, or -EINVAL leaving it stopped.
 */
int virtq_enable(struct virtq *vq);
/* Back to the state after virtq_init (the addresses and size stay). */
void virtq_reset(struct virtq *vq);

/*
 * Take the next available chain into *c: 1, 0 when the ring is empty
 * (with EVENT_IDX, having asked the driver to notify on the next one
 * unless no_notify), or -EIO when the ring is broken (vq->broken set).
 */
int virtq_pop(struct virtq *vq, struct virtq_chain *c);
/*
 * Give back the chain the last virtq_pop() took (nothing pushed since):
 * the next pop takes it again. For a device that cannot start it now.
 */
void virtq_unpop(struct virtq *vq);
/* Is a chain available (without taking it)? -EIO if broken. */
int virtq_pending(struct virtq *vq);
/* Return a chain: len bytes were written to its writable buffers. */
int virtq_push(struct virtq *vq, u16 head, u32 len);
/* The same for a chain that took slots ring entries (packed rings). */
int virtq_push_n(struct virtq *vq, u16 head, u16 slots, u32 len);
/*
 * After one or more pushes: does the driver want an interrupt now
 * (EVENT_IDX used_event, or the NO_INTERRUPT flag)? Records the signal.
 */
bool virtq_should_signal(struct virtq *vq);

/* Copy len bytes at byte offset off of the chain's readable/writable part. */
int virtq_chain_read(struct virtq *vq, const struct virtq_chain *c, u32 off,
		     void *buf, u32 len);
int virtq_chain_write(struct virtq *vq, const struct virtq_chain *c, u32 off,
		      const void *buf, u32 len);

#endif /* VMM_CORE_VIRTQ_H */
