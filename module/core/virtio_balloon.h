/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A virtio memory balloon (virtio 1.2, 5.5) on the virtio PCI transport:
 * the host sets a target (num_pages, 4 KiB pages) and the guest inflates
 * toward it by handing page frame numbers to the inflate queue, whose
 * memory the host then takes back (the host's discard op), or deflates by
 * naming them on the deflate queue (nothing to do here: a page the guest
 * touches again is backed again, zeroed, by the host's memory). The
 * guest reports its balloon size in `actual`. With STATS_VQ the guest
 * keeps one buffer of memory statistics on the stats queue, which the
 * device returns when it wants fresh ones; with REPORTING the guest hands
 * ranges of its free memory to the reporting queue on its own, which are
 * discarded like inflated pages (and not counted in the balloon).
 * DEFLATE_ON_OOM only tells the guest it may deflate under memory
 * pressure. MUST_TELL_HOST is not offered: the guest may reuse a page it
 * gave without telling first, which needs nothing of the device.
 *
 * Queues, in the order the driver finds them: inflate, deflate, then
 * stats if STATS_VQ was negotiated, then reporting if REPORTING was.
 *
 * Everything the guest names is checked by the host's discard op (a PFN
 * outside RAM, in an MMIO hole, twice, or not backed is skipped); the
 * model bounds the work of one chain (VBALLOON_MAX_CHAIN_PFNS), never
 * allocates, and reads the guest's PFN arrays VBALLOON_BATCH at a time.
 *
 * Contexts. Notifications arrive with vp->lock held, in the vCPU's exit
 * handler, where host memory cannot be freed: the inflate, deflate and
 * reporting queues only ask the host (kick) to call virtio_balloon_work()
 * from a context that may sleep; that call takes vp->lock only around
 * ring accesses and calls discard with no lock held. The host runs one
 * virtio_balloon_work() at a time. A reset while a chain is being worked
 * on bumps the generation: the chain is then dropped, never pushed into
 * the rings of the new life.
 */
#ifndef VMM_CORE_VIRTIO_BALLOON_H
#define VMM_CORE_VIRTIO_BALLOON_H

#include "virtio_pci.h"

#define VIRTIO_ID_BALLOON			5

#define VIRTIO_BALLOON_F_MUST_TELL_HOST		0
#define VIRTIO_BALLOON_F_STATS_VQ		1
#define VIRTIO_BALLOON_F_DEFLATE_ON_OOM		2
#define VIRTIO_BALLOON_F_FREE_PAGE_HINT		3
#define VIRTIO_BALLOON_F_PAGE_POISON		4
#define VIRTIO_BALLOON_F_REPORTING		5

/* The features this model can offer. */
#define VBALLOON_FEATURES	((1ULL << VIRTIO_BALLOON_F_STATS_VQ) | \
				 (1ULL << VIRTIO_BALLOON_F_DEFLATE_ON_OOM) | \
				 (1ULL << VIRTIO_BALLOON_F_REPORTING))

#define VBALLOON_PFN_SHIFT		12	/* PFNs are 4 KiB whatever the guest's pages */
#define VBALLOON_PAGE_SIZE		(1u << VBALLOON_PFN_SHIFT)

/* Device configuration (struct virtio_balloon_config, little endian). */
#define VBALLOON_CFG_NUM_PAGES		0	/* the host's target */
#define VBALLOON_CFG_ACTUAL		4	/* the guest's balloon, written by it */
#define VBALLOON_CFG_LEN		8

/* Statistics: tag (le16), value (le64), packed. */
#define VBALLOON_STAT_BYTES		10
#define VBALLOON_NR_STATS		16	/* tags kept; others ignored */
#define VBALLOON_MAX_STATS		64	/* entries read from one buffer */
#define VIRTIO_BALLOON_S_SWAP_IN	0
#define VIRTIO_BALLOON_S_SWAP_OUT	1
#define VIRTIO_BALLOON_S_MAJFLT		2
#define VIRTIO_BALLOON_S_MINFLT		3
#define VIRTIO_BALLOON_S_MEMFREE	4
#define VIRTIO_BALLOON_S_MEMTOT		5
#define VIRTIO_BALLOON_S_AVAIL		6
#define VIRTIO_BALLOON_S_CACHES		7
#define VIRTIO_BALLOON_S_HTLB_PGALLOC	8
#define VIRTIO_BALLOON_S_HTLB_PGFAIL	9

#define VBALLOON_QUEUE_SIZE		128
#define VBALLOON_BATCH			256	/* pages per discard call */
#define VBALLOON_MAX_CHAIN_PFNS		(1u << 20)	/* the rest is ignored */

enum vballoon_role {
	VBALLOON_INFLATE,
	VBALLOON_DEFLATE,
	VBALLOON_STATS,
	VBALLOON_REPORTING,
	VBALLOON_NR_ROLES,
	VBALLOON_NONE = VBALLOON_NR_ROLES,
};

struct virtio_balloon_host_ops {
	/*
	 * Take back the host memory behind n guest pages (4 KiB aligned
	 * guest-physical addresses, as the guest named them: the host skips
	 * any that is not RAM it may free, or not backed). Returns how many
	 * pages it freed. No lock held; may sleep.
	 */
	u32 (*discard)(void *opaque, const u64 *gpa, u32 n);
	/* A queue has work: call virtio_balloon_work() soon. vp->lock held. */
	void (*kick)(void *opaque);
};

/* What the host reads (virtio_balloon_get). */
struct virtio_balloon_info {
	u32 target;		/* num_pages */
	u32 actual;		/* the guest's word */
	u64 inflated;		/* PFNs received on the inflate queue */
	u64 deflated;		/* PFNs received on the deflate queue */
	u64 discarded;		/* pages the host freed for inflate */
	u64 reported;		/* pages the host freed for free page reports */
	u64 ignored;		/* PFNs past VBALLOON_MAX_CHAIN_PFNS, odd bytes */
	u64 stats_updates;	/* stats buffers received */
	u32 stats_valid;	/* bit n: stats[n] came from the guest */
	u64 stats[VBALLOON_NR_STATS];
};

struct virtio_balloon {
	struct virtio_pci vp;
	const struct virtio_balloon_host_ops *bhost;
	void *bopaque;

	u32 target;
	u32 gen;		/* bumped by every reset */
	bool stats_held;	/* the driver's stats buffer is ours */
	u16 stats_head;
	struct virtio_balloon_info info;	/* counters and stats */
	struct virtq_chain stats_chain;		/* under vp->lock */

	/* virtio_balloon_work()'s own, one call at a time. */
	struct virtq_chain chain;
	u8 raw[VBALLOON_BATCH * 4];
	u64 gpa[VBALLOON_BATCH];
};

/*
 * Set up the device offering features (a subset of VBALLOON_FEATURES;
 * the others are dropped) with target 0. 0 or -EINVAL.
 */
int virtio_balloon_init(struct virtio_balloon *vb, u64 features,
			const struct blk_gmem_ops *gm, void *gm_opaque,
			const struct virtio_pci_host_ops *host, void *host_opaque,
			const struct virtio_balloon_host_ops *bhost,
			void *bopaque);

/* Which queue q is for the features the driver took; VBALLOON_NONE. */
enum vballoon_role virtio_balloon_role(const struct virtio_balloon *vb, u16 q);

/* Work the inflate, deflate and reporting queues (see above). */
void virtio_balloon_work(struct virtio_balloon *vb);

/* New target in 4 KiB pages; the guest gets a configuration interrupt. */
void virtio_balloon_set_target(struct virtio_balloon *vb, u32 pages);
/*
 * A copy of the counters and the last statistics; with refresh, the
 * stats buffer goes back to the driver so that it sends fresh ones.
 */
void virtio_balloon_get(struct virtio_balloon *vb,
			struct virtio_balloon_info *out, bool refresh);

#endif /* VMM_CORE_VIRTIO_BALLOON_H */
