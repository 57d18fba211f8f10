/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An AHCI 1.3.1 host bus adapter (HBA) with AHCI_NR_PORTS ports, each
 * holding an ATA disk, an ATAPI CD/DVD drive, or nothing. The model knows
 * nothing of PCI: the host (module/ahci_pci.c) puts its registers behind
 * BAR5 (ABAR), its interrupt on MSI or INTx, and gives it guest memory
 * (struct blk_gmem_ops) and backends (struct blk_backend, core/blk.h).
 *
 * Guest-visible behaviour follows the AHCI 1.3.1 and ATA8-ACS / MMC specs
 * (details at the top of ahci.c).
 *
 * Locking: one lock per HBA (struct ahci.lock) around every register
 * access and every completion. set_irq is called with it held (lock order:
 * the HBA, then the interrupt controllers).
 */
#ifndef VMM_CORE_AHCI_H
#define VMM_CORE_AHCI_H

#include "host.h"
#include "blk.h"
#include "blkstat.h"
#include "atapi.h"

#define AHCI_NR_PORTS		6
#define AHCI_NR_SLOTS		32
#define AHCI_ABAR_SIZE		0x1000	/* BAR5: generic + 6 ports, rounded */

/* PCI identity the glue gives the function (ICH9 AHCI, 6 ports). */
#define AHCI_PCI_VENDOR		0x8086
#define AHCI_PCI_DEVICE		0x2922
#define AHCI_PCI_CLASS		0x010601	/* mass storage, SATA, AHCI 1.0 */

enum ahci_dev_type {
	AHCI_DEV_NONE,
	AHCI_DEV_DISK,		/* ATA, 512-byte sectors */
	AHCI_DEV_CDROM,		/* ATAPI, 2048-byte sectors; medium optional */
};

struct ahci_host_ops {
	/*
	 * The HBA's interrupt. level: IS != 0 with GHC.IE set (INTx).
	 * edge: this update set an interrupt status bit that was clear, with
	 * interrupts enabled (an MSI is due). HBA lock held.
	 */
	void (*set_irq)(void *opaque, bool level, bool edge);
	/* Host clock for request timestamps (ns); NULL: not timed. */
	u64 (*now_ns)(void *opaque);
	/*
	 * The completion coalescing timer (optional: without it no
	 * completion is ever held). Call ahci_timer_fire() once, delay_ns
	 * from now. HBA lock held: must not sleep or wait for a running
	 * callback. The model starts it only when it is not pending.
	 */
	void (*timer_start)(void *opaque, u64 delay_ns);
	/*
	 * Per-port messages (MSI-X, one vector per port; optional): this
	 * update set an enabled PxIS bit of port that was clear, with
	 * GHC.IE set. Called along with set_irq (the host uses one or the
	 * other). HBA lock held.
	 */
	void (*port_irq)(void *opaque, unsigned int port);
};

/* What one command slot is doing (ahci.c). */
enum ahci_slot_state {
	AHCI_SLOT_IDLE,		/* free */
	AHCI_SLOT_RUN,		/* a command of the guest's owns it */
	AHCI_SLOT_ORPHAN,	/* its command was abandoned (reset) while its
				 * request was with the backend: done() frees it */
};

/*
 * One command slot. Its request is handed to the backend one at a time
 * (a large transfer in chunks, a TRIM range by range), so one blk_req
 * and one segment array per slot suffice.
 */
struct ahci_slot {
	struct blk_req req;
	struct blk_seg segs[BLK_MAX_SEGS];
	struct ahci_port *port;
	u8 nr;			/* slot number = NCQ tag */
	u8 state;		/* enum ahci_slot_state */
	u8 step;		/* what the request in flight does (ahci.c) */
	u8 fis_kind;		/* which FIS completes it (ahci.c) */
	u8 command;		/* ATA command byte */
	bool ncq;
	bool inflight;		/* req is with the backend */
	bool parked;		/* req is ready but the backend said -EBUSY */
	bool write;		/* data goes memory -> device */
	bool held;		/* done, its completion held back (coalescing) */
	bool measured;		/* a request of it reached the backend */
	/* Bumped whenever the slot's command ends or is abandoned. */
	u32 gen;
	/* PRDT walk: table address, entries, next entry, bytes into it */
	u64 ctba;
	u32 prdtl;
	u32 prd_idx;
	u32 prd_skip;
	/* Data transfer: device byte offset, total, bytes done (PRDBC) */
	struct blk_backend *be;
	u64 dev_off;
	u64 xfer_len;
	u64 xfer_done;
	/* TRIM: next range entry and how many there are */
	u32 dsm_idx;
	u32 dsm_nr;
	u64 t_notify;
};

struct ahci;

struct ahci_port {
	struct ahci *h;
	u8 nr;
	u8 type;		/* enum ahci_dev_type */
	struct blk_backend *be;	/* disk backend (a CD's is in atapi) */
	/* Registers */
	u32 clb, clbu, fb, fbu;
	u32 is, ie, cmd, tfd, sig, ssts, sctl, serr, sact, ci;
	u32 irq_seen;		/* is & ie at the last interrupt update */
	u32 held;		/* NCQ slots done but not yet posted (coalescing) */
	bool halted;		/* TFES: no new commands until ST is cleared */
	bool sig_fis_due;	/* the signature FIS waits for FRE */
	bool srst;		/* a control FIS set SRST; clearing it resets */
	int nonq;		/* slot of the running non-queued command, or -1 */
	/* Device settings */
	bool wcache;
	u8 xfer_mode;
	u8 multiple;
	char serial[21];
	/* NCQ error log (READ LOG EXT page 10h) */
	u8 ncq_err_tag;
	u8 ncq_err_status, ncq_err_error;
	u64 ncq_err_lba;
	u32 ncq_err_count;
	bool ncq_err_valid;
	/* Statistics */
	u64 nr_cmds, nr_errors;
	u64 nr_held, nr_posts;	/* completions held back; SDB FISes posted */
	struct blkstat bs;	/* requests, stage by stage */
	/* Data that non-queued commands build or read (one at a time) */
	u8 buf[ATAPI_BUF_SIZE];
	struct atapi atapi;
	struct ahci_slot slots[AHCI_NR_SLOTS];
};

/*
 * The HBA: everything the model needs, no allocation of its own. About
 * 850 KiB (a segment array per slot), so the host allocates it with
 * vzalloc, not on a stack or with kmalloc.
 */
struct ahci {
	vmm_lock_t lock;
	const struct blk_gmem_ops *mem;
	void *mem_opaque;
	const struct ahci_host_ops *ops;
	void *opaque;
	u32 ghc, is;
	bool irq_level;
	bool irq_ie;		/* GHC.IE at the last interrupt update */
	unsigned int inflight;
	/* completion coalescing (ahci_set_coalesce); off when coalesce_ns is 0 */
	u64 coalesce_ns;
	u32 coalesce_max;
	bool timer_pending;
	u32 *regs;		/* the guest's read page (ahci_set_regs_page) */
	struct ahci_port ports[AHCI_NR_PORTS];
};

/*
 * Set up an HBA with every port empty. mem/mem_opaque: guest memory as
 * DMA sees it; ops/opaque: interrupt and clock.
 */
void ahci_init(struct ahci *h, const struct blk_gmem_ops *mem, void *mem_opaque,
	       const struct ahci_host_ops *ops, void *opaque);
/*
 * Before the guest runs: put a device on a port. A disk needs a backend
 * with block_size 512; a CD takes a backend with block_size 2048, or NULL
 * for an empty drive. 0 or -EINVAL / -EBUSY (port taken).
 */
int ahci_attach(struct ahci *h, unsigned int port, enum ahci_dev_type type,
		struct blk_backend *be);
/*
 * A CD's medium changes while the guest runs (NULL: ejected): the drive
 * reports it (unit attention, media event). 0 or -EINVAL. Reads already
 * handed to the old backend still complete through it: keep it until
 * ahci_inflight() has been 0 once after the change.
 */
int ahci_change_medium(struct ahci *h, unsigned int port,
		       struct blk_backend *be);

/*
 * Before the guest runs: a page of AHCI_ABAR_SIZE bytes (4 KiB, zeroed)
 * that the host lets the guest read as the ABAR, without exits. The
 * model keeps every register there equal to what ahci_mmio_read returns
 * (the ABAR's reads have no side effects), updated under its lock before
 * any interrupt that tells of the change; writes still come through
 * ahci_mmio_write.
 */
void ahci_set_regs_page(struct ahci *h, void *page);

/*
 * Whether a write at off usually has a second ABAR write a few
 * instructions behind it: PxSACT, which NCQ issue writes just before
 * PxCI. A host may run the guest on to that write in the same exit.
 */
bool ahci_write_chains(u32 off);

/* ABAR accesses: off < AHCI_ABAR_SIZE, size 1, 2 or 4 (8 as two dwords). */
u64 ahci_mmio_read(struct ahci *h, u32 off, unsigned int size);
void ahci_mmio_write(struct ahci *h, u32 off, unsigned int size, u64 val);

/*
 * Completion coalescing at queue depth > 1 (interrupt moderation): an NCQ
 * command that completes while other NCQ commands of its port still run
 * may be held back (its PxSACT bit stays set, no FIS, no PxIS bit, no
 * interrupt) until no other command of the port runs, max completions
 * are held, at least as many are held as still run, or usecs have passed
 * since the first was held; then all of them are posted at once, in one
 * Set Device Bits FIS. Errors are never held (held completions are posted
 * first); resets drop held completions as they drop running commands.
 * usecs 0 or max < 2: off (the default). usecs is capped at 10000.
 */
void ahci_set_coalesce(struct ahci *h, u32 usecs, u32 max);
/* The coalescing timer ran out (host timer callback; any context). */
void ahci_timer_fire(struct ahci *h);

/* Platform or PCI function reset: as GHC.HR (requests in flight finish unseen). */
void ahci_reset(struct ahci *h);

/* Requests handed to backends whose done() has not come yet. */
unsigned int ahci_inflight(struct ahci *h);

#endif /* VMM_CORE_AHCI_H */
