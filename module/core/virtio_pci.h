/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The modern virtio PCI transport (virtio 1.2, 4.1), device side: the
 * vendor capabilities (common, notify, ISR, device-specific and PCI
 * configuration access) pointing into one 32-bit memory BAR that also
 * holds the MSI-X table and PBA, the device status state machine,
 * feature negotiation, queue configuration and interrupts (MSI-X per
 * queue vector, else INTx with the ISR). A device type (virtio_blk.c)
 * embeds a struct virtio_pci and fills its ops.
 *
 * BAR VIRTIO_PCI_BAR layout:
 *   0x0000 common configuration   0x1000 ISR status
 *   0x2000 device configuration   0x3000 notifications (4 bytes per queue)
 *   0x4000 MSI-X table            0x5000 MSI-X PBA
 *
 * Checked guest writes: queue size, addresses and vectors only while
 * that queue is disabled (a running queue keeps its configuration),
 * queue_enable of a queue whose rings fail virtq_enable's checks stays 0,
 * features only before FEATURES_OK and FEATURES_OK only for a subset of
 * ours with VERSION_1; notifications of a queue index past num_queues or
 * before DRIVER_OK do nothing. A broken ring sets NEEDS_RESET (and sends
 * the configuration interrupt); the device then ignores its queues until
 * the driver resets it (status 0), which orphans the requests in flight:
 * the device type's reset hook makes sure their late completions touch
 * nothing.
 *
 * A transitional device (virtio_pci_add_legacy()) also has the legacy
 * interface (virtio 1.2, 4.1.4.8) in I/O BAR 0, for drivers older than
 * virtio 1.0 (and Linux's virtio_pci.force_legacy): features in 32 bits,
 * no FEATURES_OK, each queue placed by one page frame number in the
 * legacy layout at its fixed maximum size. Both interfaces drive one
 * state; a driver uses one of them from reset on.
 *
 * Locking: vp->lock, taken by virtio_pci_mmio() and virtio_pci_cfg_write()
 * (nested inside the PCI bus lock) and by the device type's completions;
 * the ops below run with it held, the host ops too.
 */
#ifndef VMM_CORE_VIRTIO_PCI_H
#define VMM_CORE_VIRTIO_PCI_H

#include "host.h"
#include "vpci.h"
#include "virtq.h"

#define VIRTIO_PCI_VENDOR		0x1af4
#define VIRTIO_PCI_DEVICE_MODERN(id)	(0x1040 + (id))
#define VIRTIO_ID_BLOCK			2

#define VIRTIO_PCI_DEVICE_TRANS_BLOCK	0x1001	/* transitional ids: 4.1.2.1 */

#define VIRTIO_PCI_BAR			1
#define VIRTIO_PCI_BAR_SIZE		0x8000
#define VIRTIO_PCI_COMMON		0x0000
#define VIRTIO_PCI_COMMON_LEN		0x38
#define VIRTIO_PCI_ISR			0x1000
#define VIRTIO_PCI_DEVCFG		0x2000
#define VIRTIO_PCI_NOTIFY		0x3000
#define VIRTIO_PCI_NOTIFY_MULT		4
#define VIRTIO_PCI_MSIX_TABLE		0x4000
#define VIRTIO_PCI_MSIX_PBA		0x5000

/* Capabilities in configuration space. */
#define VIRTIO_PCI_CAP_MSIX		0x40
#define VIRTIO_PCI_CAP_COMMON		0x4c
#define VIRTIO_PCI_CAP_NOTIFY		0x5c
#define VIRTIO_PCI_CAP_ISR		0x70
#define VIRTIO_PCI_CAP_DEVICE		0x80
#define VIRTIO_PCI_CAP_PCICFG		0x90
#define VIRTIO_PCI_CAP_VNDR		0x09
#define VIRTIO_PCI_CAP_LEN		16
#define VIRTIO_PCI_CAP_TYPE_COMMON	1
#define VIRTIO_PCI_CAP_TYPE_NOTIFY	2
#define VIRTIO_PCI_CAP_TYPE_ISR		3
#define VIRTIO_PCI_CAP_TYPE_DEVICE	4
#define VIRTIO_PCI_CAP_TYPE_PCICFG	5

/* Common configuration registers. */
#define VIRTIO_PCI_DFSELECT		0x00
#define VIRTIO_PCI_DF			0x04
#define VIRTIO_PCI_GFSELECT		0x08
#define VIRTIO_PCI_GF			0x0c
#define VIRTIO_PCI_MSIX_CONFIG		0x10
#define VIRTIO_PCI_NUM_QUEUES		0x12
#define VIRTIO_PCI_STATUS		0x14
#define VIRTIO_PCI_CFG_GENERATION	0x15
#define VIRTIO_PCI_Q_SELECT		0x16
#define VIRTIO_PCI_Q_SIZE		0x18
#define VIRTIO_PCI_Q_MSIX		0x1a
#define VIRTIO_PCI_Q_ENABLE		0x1c
#define VIRTIO_PCI_Q_NOFF		0x1e
#define VIRTIO_PCI_Q_DESC		0x20
#define VIRTIO_PCI_Q_AVAIL		0x28
#define VIRTIO_PCI_Q_USED		0x30

/* The legacy interface: I/O BAR 0 (4.1.4.8). */
#define VIRTIO_LEGACY_BAR		0
#define VIRTIO_LEGACY_BAR_SIZE		128
#define VIRTIO_LEGACY_HOST_FEATURES	0x00
#define VIRTIO_LEGACY_GUEST_FEATURES	0x04
#define VIRTIO_LEGACY_QUEUE_PFN		0x08
#define VIRTIO_LEGACY_QUEUE_NUM		0x0c
#define VIRTIO_LEGACY_QUEUE_SEL		0x0e
#define VIRTIO_LEGACY_QUEUE_NOTIFY	0x10
#define VIRTIO_LEGACY_STATUS		0x12
#define VIRTIO_LEGACY_ISR		0x13
/* With MSI-X enabled only; the device configuration follows them. */
#define VIRTIO_LEGACY_CONFIG_VECTOR	0x14
#define VIRTIO_LEGACY_QUEUE_VECTOR	0x16
#define VIRTIO_LEGACY_CONFIG(msix)	((msix) ? 0x18 : 0x14)
#define VIRTIO_LEGACY_PFN_SHIFT		12
#define VIRTIO_LEGACY_ALIGN		4096

#define VIRTIO_STATUS_ACKNOWLEDGE	0x01
#define VIRTIO_STATUS_DRIVER		0x02
#define VIRTIO_STATUS_DRIVER_OK		0x04
#define VIRTIO_STATUS_FEATURES_OK	0x08
#define VIRTIO_STATUS_NEEDS_RESET	0x40
#define VIRTIO_STATUS_FAILED		0x80

#define VIRTIO_ISR_QUEUE		0x1
#define VIRTIO_ISR_CONFIG		0x2
#define VIRTIO_NO_VECTOR		0xffff

#define VIRTIO_F_INDIRECT_DESC		28
#define VIRTIO_F_EVENT_IDX		29
#define VIRTIO_F_VERSION_1		32
#define VIRTIO_F_RING_PACKED		34

#define VIRTIO_PCI_MAX_QUEUES		16
#define VIRTIO_PCI_MAX_CONFIG		64

struct virtio_pci;

struct virtio_pci_ops {
	/* The driver notified queue q (< nr_queues, the device running). */
	void (*notify)(struct virtio_pci *vp, u16 q);
	/* The device was reset: orphan whatever is in flight. */
	void (*reset)(struct virtio_pci *vp);
	/* Optional: the driver read the ISR status (statistics). */
	void (*isr_read)(struct virtio_pci *vp);
	/*
	 * The driver wrote size bytes at off of the device configuration
	 * (starting inside config_len, maybe running past it). NULL: the
	 * configuration is read only.
	 */
	void (*config_write)(struct virtio_pci *vp, u32 off, unsigned int size,
			     u64 val);
};

struct virtio_pci_host_ops {
	void (*msi)(void *opaque, u64 addr, u32 data);
	void (*set_intx)(void *opaque, bool level);
	/* A configuration write the platform may care about (INTx, MSI-X). */
	void (*cfg_written)(void *opaque, u32 off, unsigned int size);
	/*
	 * Optional, called with vp->lock held: the device type stopped taking
	 * queue q's requests to bound the work of one call (a driver on
	 * another vCPU can keep a ring full for as long as it likes); call
	 * its resume entry point soon, from a context that may take vp->lock.
	 * Without it, a call takes all there is.
	 */
	void (*kick_later)(void *opaque, u16 q);
};

struct virtio_pci {
	struct vpci_dev pci;
	struct vpci_msix msix;
	vmm_lock_t lock;
	const struct virtio_pci_ops *ops;
	const struct virtio_pci_host_ops *host;
	void *host_opaque;

	u64 dev_features, drv_features;
	u32 dfselect, gfselect;
	u8 status;
	u8 isr;
	u8 config_gen;			/* bumped by virtio_pci_config_changed() */
	bool broken;			/* NEEDS_RESET until the next reset */
	bool has_legacy;		/* transitional: the I/O BAR exists */
	bool legacy;			/* driven through it since the reset */
	u16 config_vector;
	u16 queue_sel;
	u16 nr_queues;
	u16 max_queue_size;
	struct virtq vq[VIRTIO_PCI_MAX_QUEUES];
	u16 vq_vector[VIRTIO_PCI_MAX_QUEUES];
	bool vq_enabled[VIRTIO_PCI_MAX_QUEUES];
	u8 config[VIRTIO_PCI_MAX_CONFIG];	/* device-specific, read only */
	u32 config_len;
	unsigned long notifies, interrupts, bad_accesses;
};

/*
 * Set up the PCI function (device id VIRTIO_PCI_DEVICE_MODERN(id), class),
 * capabilities and nr_queues queues of up to max_queue_size entries; the
 * caller fills config[]/config_len and dev_features (VERSION_1 is added)
 * afterwards. 0 or -EINVAL.
 */
int virtio_pci_init(struct virtio_pci *vp, u16 id, u32 class_code,
		    u16 nr_queues, u16 max_queue_size,
		    const struct virtio_pci_ops *ops,
		    const struct blk_gmem_ops *gm, void *gm_opaque,
		    const struct virtio_pci_host_ops *host, void *host_opaque);

/*
 * Make the device transitional (after virtio_pci_init, before the guest
 * runs): PCI device id trans_id, revision 0, subsystem id the virtio id,
 * and the legacy interface in I/O BAR VIRTIO_LEGACY_BAR. 0 or -EINVAL.
 */
int virtio_pci_add_legacy(struct virtio_pci *vp, u16 trans_id, u16 id);

/*
 * An access at off inside the legacy I/O BAR (size 1, 2 or 4). Takes
 * vp->lock. Reads of anything but a register or the configuration at its
 * own width return all ones.
 */
void virtio_pci_legacy_io(struct virtio_pci *vp, u32 off, bool write,
			  unsigned int size, u32 *val);

/* An access at off inside the BAR (size 1, 2, 4 or 8). Takes vp->lock. */
void virtio_pci_mmio(struct virtio_pci *vp, u32 off, bool write,
		     unsigned int size, u64 *val);

/* vp->lock held: does the device process queue q now? */
static inline bool virtio_pci_running(const struct virtio_pci *vp, u16 q)
{
	return q < vp->nr_queues && !vp->broken &&
	       (vp->status & VIRTIO_STATUS_DRIVER_OK) && vp->vq[q].ready;
}

/* vp->lock held: queue q's used ring advanced; interrupt if wanted. */
void virtio_pci_queue_done(struct virtio_pci *vp, u16 q);
/*
 * vp->lock held: the device changed config[] on its own; the driver reads
 * a new generation and gets the configuration interrupt (once DRIVER_OK).
 */
void virtio_pci_config_changed(struct virtio_pci *vp);
/* vp->lock held: the guest broke the device; NEEDS_RESET. */
void virtio_pci_set_needs_reset(struct virtio_pci *vp);

static inline bool virtio_has(const struct virtio_pci *vp, unsigned int bit)
{
	return vp->drv_features & (1ULL << bit);
}

#endif /* VMM_CORE_VIRTIO_PCI_H */
