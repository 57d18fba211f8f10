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
};

struct ahci;

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
 * reports it (unit attention, media event). 0 or -EINVAL.
 */
int ahci_change_medium(struct ahci *h, unsigned int port,
		       struct blk_backend *be);

/* ABAR accesses: off < AHCI_ABAR_SIZE, size 1, 2 or 4 (8 as two dwords). */
u64 ahci_mmio_read(struct ahci *h, u32 off, unsigned int size);
void ahci_mmio_write(struct ahci *h, u32 off, unsigned int size, u64 val);

/* Platform or PCI function reset: as GHC.HR (requests in flight finish unseen). */
void ahci_reset(struct ahci *h);

/* Requests handed to backends whose done() has not come yet. */
unsigned int ahci_inflight(struct ahci *h);

#endif /* VMM_CORE_AHCI_H */
