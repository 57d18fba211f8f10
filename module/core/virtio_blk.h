/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A virtio block device (virtio 1.2, 5.2) on the virtio PCI transport:
 * each notification takes every available request of that queue, checks
 * it (header, sector range without overflow, 512-byte multiples, segment
 * count and size, buffer directions) and hands it to the block backend
 * (core/blk.h) without sleeping; a completion writes the status byte,
 * returns the chain through the used ring and interrupts the driver
 * unless EVENT_IDX says it will look by itself. Bad requests complete
 * with IOERR or UNSUPP; a broken ring stops the device (NEEDS_RESET).
 *
 * Requests in flight live in per-queue slots; a device reset (or a queue
 * restarted after one) bumps the generation so that late completions of
 * orphaned requests only free their slot: they never touch the rings of
 * the new life, nor their memory. The device takes no more from a queue
 * while its slots are full or the backend holds max_inflight requests,
 * and resumes from the next completion.
 */
#ifndef VMM_CORE_VIRTIO_BLK_H
#define VMM_CORE_VIRTIO_BLK_H

#include "virtio_pci.h"
#include "blk.h"
#include "blkstat.h"

#define VIRTIO_BLK_F_SIZE_MAX		1
#define VIRTIO_BLK_F_SEG_MAX		2
#define VIRTIO_BLK_F_RO			5
#define VIRTIO_BLK_F_BLK_SIZE		6
#define VIRTIO_BLK_F_FLUSH		9
#define VIRTIO_BLK_F_TOPOLOGY		10
#define VIRTIO_BLK_F_MQ			12
#define VIRTIO_BLK_F_DISCARD		13
#define VIRTIO_BLK_F_WRITE_ZEROES	14

#define VIRTIO_BLK_T_IN			0
#define VIRTIO_BLK_T_OUT		1
#define VIRTIO_BLK_T_FLUSH		4
#define VIRTIO_BLK_T_GET_ID		8
#define VIRTIO_BLK_T_DISCARD		11
#define VIRTIO_BLK_T_WRITE_ZEROES	13

#define VIRTIO_BLK_S_OK			0
#define VIRTIO_BLK_S_IOERR		1
#define VIRTIO_BLK_S_UNSUPP		2

#define VIRTIO_BLK_ID_BYTES		20
#define VIRTIO_BLK_HDR			16
#define VIRTIO_BLK_SECTOR		512

#define VBLK_MAX_QUEUES			4
#define VBLK_QUEUE_SIZE			256
#define VBLK_SEG_MAX			126	/* data buffers per request */
#define VBLK_SIZE_MAX			32768	/* bytes per data buffer */
#define VBLK_MAX_DISCARD_SECTORS	(1u << 22)	/* 2 GiB per range */

/* Device configuration offsets (struct virtio_blk_config). */
#define VBLK_CFG_CAPACITY		0
#define VBLK_CFG_SIZE_MAX		8
#define VBLK_CFG_SEG_MAX		12
#define VBLK_CFG_BLK_SIZE		20
#define VBLK_CFG_PHYS_EXP		24
#define VBLK_CFG_MIN_IO			26
#define VBLK_CFG_OPT_IO			28
#define VBLK_CFG_NUM_QUEUES		34
#define VBLK_CFG_MAX_DISCARD		36
#define VBLK_CFG_MAX_DISCARD_SEG	40
#define VBLK_CFG_DISCARD_ALIGN		44
#define VBLK_CFG_MAX_WZ			48
#define VBLK_CFG_MAX_WZ_SEG		52
#define VBLK_CFG_WZ_UNMAP		56
#define VBLK_CFG_LEN			60

struct virtio_blk;

struct vblk_req {
	struct blk_req req;
	struct virtio_blk *blk;
	u32 gen;		/* the queue's generation when it started */
	u16 q, head, slots;
	u32 used_len;		/* bytes the device wrote, status included */
	u64 status_gpa;
	bool busy;
	struct blk_seg segs[VBLK_SEG_MAX];
};

struct vblk_queue {
	u32 gen;
	u16 busy;		/* slots taken, orphans included */
	bool stalled;		/* stopped taking requests: no slot */
	struct vblk_req slot[VBLK_QUEUE_SIZE];
};

struct virtio_blk {
	struct virtio_pci vp;		/* first: the PCI function */
	struct blk_backend *be;
	u32 inflight;			/* with the backend, orphans included */
	u8 id[VIRTIO_BLK_ID_BYTES];
	struct virtq_chain chain;	/* scratch for the chain being parsed */
	struct vblk_queue q[VBLK_MAX_QUEUES];
	/* requests OK, IOERR, UNSUPP, orphan completions */
	unsigned long stats[4];
	u64 (*now_ns)(void *opaque);
	u64 t_notify;			/* the driver's last notify */
	/*
	 * Completion polling (off by default): each completion takes what
	 * the driver added meanwhile, and the driver is asked for no
	 * notification while requests are in flight (split rings with
	 * EVENT_IDX; others still notify, and are polled all the same).
	 */
	bool poll;
	struct blkstat bs;		/* requests, stage by stage */
};

/*
 * Set up the device for backend be (size a multiple of 512 bytes) with
 * nr_queues queues (MQ when more than one); id is the GET_ID string (at
 * most 20 bytes, NUL padded). 0 or -EINVAL.
 */
int virtio_blk_init(struct virtio_blk *blk, struct blk_backend *be,
		    u16 nr_queues, const char *id,
		    const struct blk_gmem_ops *gm, void *gm_opaque,
		    const struct virtio_pci_host_ops *host, void *host_opaque);
/*
 * Offer VIRTIO_F_RING_PACKED (before the guest runs). Off by default
 * until packed rings have run against real drivers.
 */
void virtio_blk_offer_packed(struct virtio_blk *blk, bool on);
/*
 * The host's deferred kick (virtio_pci_host_ops.kick_later): take queue
 * q's requests again, at most a ring's worth; takes the lock.
 */
void virtio_blk_resume(struct virtio_blk *blk, u16 q);
/* Requests the backend still holds (live or orphaned); takes the lock. */
u32 virtio_blk_inflight(struct virtio_blk *blk);

#endif /* VMM_CORE_VIRTIO_BLK_H */
