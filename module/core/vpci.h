/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI bus 0 with configuration mechanism #1, and the two chipset functions
 * every PC firmware looks for: the i440FX host bridge (00:00.0) and the
 * PIIX3 PCI-to-ISA bridge (00:01.0).
 *
 * Mechanism #1: a 32-bit write to 0xcf8 latches the address (bit 31
 * enable, 23:16 bus, 15:11 device, 10:8 function, 7:2 dword); accesses of
 * 1, 2 or 4 bytes at 0xcfc-0xcff that stay within the dword then reach
 * that register plus (port - 0xcfc). Other accesses to 0xcf8-0xcfb are not
 * mechanism #1 (0xcf9 is PIIX3's reset control register, owned elsewhere):
 * reads return all ones, writes are ignored. With the enable bit clear, or
 * for a bus other than 0 or an empty slot, data reads return all ones and
 * writes are dropped.
 *
 * Devices: each struct vpci_dev owns its 256-byte configuration space,
 * a write mask (bits the guest may change) and a write-1-to-clear mask.
 * The generic write path applies the masks, then, when the command
 * register or a BAR was written, recomputes the BAR decoding and calls
 * bar_changed for each BAR whose decoded address moved, and finally calls
 * the device's cfg_write hook. BAR sizing needs no special case: the low
 * address bits are not writable, so writing all ones reads back the size
 * mask with the type bits.
 *
 * Locking: one lock per bus around cf8 and every configuration access.
 * Hooks (cfg_write, bar_changed, pam_changed, pirq_changed) run with it
 * held: they must not sleep nor call vpci_cfg_*() or vpci_io_*(); a host that
 * needs to sleep to remap memory records the change and applies it later.
 * Hooks may read and change their own device's cfg[] directly.
 *
 * Every name here carries a vpci_/VPCI_ prefix so that it can never clash
 * with the kernel's own PCI headers.
 */
#ifndef VMM_CORE_VPCI_H
#define VMM_CORE_VPCI_H

#include "host.h"

#define VPCI_CONFIG_ADDRESS	0xcf8
#define VPCI_CONFIG_DATA		0xcfc	/* to 0xcff */
#define VPCI_CFG_ADDR_ENABLE	0x80000000u
#define VPCI_CFG_ADDR_MASK	0x80fffffcu	/* bits that read back */

#define VPCI_CFG_SIZE		256
#define VPCI_NR_DEVFN		256
#define VPCI_DEVFN(slot, fn)	((((slot) & 0x1f) << 3) | ((fn) & 7))
#define VPCI_SLOT(devfn)		(((devfn) >> 3) & 0x1f)
#define VPCI_FUNC(devfn)		((devfn) & 7)
#define VPCI_BDF(bus, devfn)	(((bus) << 8) | (devfn))

/* Type 0 header offsets. */
#define VPCI_VENDOR_ID		0x00
#define VPCI_DEVICE_ID		0x02
#define VPCI_COMMAND		0x04
#define VPCI_STATUS		0x06
#define VPCI_REVISION_ID		0x08
#define VPCI_CLASS_PROG		0x09
#define VPCI_CLASS_DEVICE	0x0a
#define VPCI_CACHE_LINE_SIZE	0x0c
#define VPCI_LATENCY_TIMER	0x0d
#define VPCI_HEADER_TYPE		0x0e
#define VPCI_BASE_ADDRESS_0	0x10
#define VPCI_SUBSYSTEM_VENDOR_ID	0x2c
#define VPCI_SUBSYSTEM_ID	0x2e
#define VPCI_ROM_ADDRESS		0x30
#define VPCI_CAPABILITY_LIST	0x34
#define VPCI_INTERRUPT_LINE	0x3c
#define VPCI_INTERRUPT_PIN	0x3d

#define VPCI_COMMAND_IO		0x0001
#define VPCI_COMMAND_MEMORY	0x0002
#define VPCI_COMMAND_MASTER	0x0004
#define VPCI_COMMAND_PARITY	0x0040
#define VPCI_COMMAND_SERR	0x0100
#define VPCI_COMMAND_INTX_DISABLE 0x0400

#define VPCI_STATUS_CAP_LIST	0x0010
#define VPCI_STATUS_FAST_BACK	0x0080
#define VPCI_STATUS_DEVSEL_MEDIUM 0x0200
#define VPCI_STATUS_ERRORS	0xf900	/* write-1-to-clear */

#define VPCI_HEADER_TYPE_MULTI	0x80

/* BAR type bits, as they read in the low bits of a BAR. */
#define VPCI_BAR_IO		0x01
#define VPCI_BAR_MEM32		0x00
#define VPCI_BAR_MEM64		0x04	/* takes this BAR and the next */
#define VPCI_BAR_PREFETCH	0x08
#define VPCI_NR_BARS		6
#define VPCI_BAR_UNMAPPED	(~0ULL)	/* bar_changed: not decoded */

/* The PIRQ (0-3, PIRQA-D) a device's INTx pin (1-4) reaches on slot. */
#define VPCI_PIRQ_SWIZZLE(slot, pin)	(((slot) + (pin) - 1) & 3)

struct vpci_bus;
struct vpci_dev;

struct vpci_bar {
	u64 size;		/* 0: not implemented */
	u8 flags;		/* VPCI_BAR_IO, or MEM32/MEM64 | PREFETCH */
	u64 mapped;		/* decoded address, or VPCI_BAR_UNMAPPED */
};

struct vpci_dev {
	u8 cfg[VPCI_CFG_SIZE];
	u8 wmask[VPCI_CFG_SIZE];		/* guest-writable bits */
	u8 w1cmask[VPCI_CFG_SIZE];	/* write-1-to-clear bits */
	struct vpci_bar bar[VPCI_NR_BARS];

	/* Optional; see "Locking" above. */
	void (*cfg_write)(struct vpci_dev *d, u32 off, u32 val, unsigned int size);
	void (*bar_changed)(struct vpci_dev *d, unsigned int bar, u64 old_addr,
			    u64 new_addr);
	void *priv;			/* the device model's */

	struct vpci_bus *bus;		/* set by vpci_register() */
	u8 devfn;
	u8 msi_cap;			/* offset of the MSI capability, or 0 */
	u8 cap_end;			/* end of the last capability added */
	struct vpci_msix *msix;		/* MSI-X state, or NULL */
};

struct vpci_bus {
	vmm_lock_t lock;
	u32 cf8;
	struct vpci_dev *dev[VPCI_NR_DEVFN];	/* bus 0 only */
};

void vpci_bus_init(struct vpci_bus *bus);
/* 0, -EINVAL (no device), -EBUSY (slot taken). Before the guest runs. */
int vpci_register(struct vpci_bus *bus, u8 devfn, struct vpci_dev *d);

/* Guest ports 0xcf8-0xcff. */
u32 vpci_io_read(struct vpci_bus *bus, u16 port, unsigned int size);
void vpci_io_write(struct vpci_bus *bus, u16 port, unsigned int size, u32 val);

/*
 * Host access (MMCONFIG, tests) to bdf = VPCI_BDF(bus, devfn): size 1, 2
 * or 4, naturally aligned, off < 256; anything else reads all ones.
 */
u32 vpci_cfg_read(struct vpci_bus *bus, u16 bdf, u32 off, unsigned int size);
void vpci_cfg_write(struct vpci_bus *bus, u16 bdf, u32 off, unsigned int size,
		   u32 val);

/*
 * Set up a type 0 header: ids, class (base << 16 | sub << 8 | prog-if),
 * revision, header type; command, cache line size, latency timer and
 * interrupt line writable; status error bits RW1C; everything else
 * read-only zero until the device model says otherwise.
 */
void vpci_dev_init(struct vpci_dev *d, u16 vendor, u16 device, u32 class_code,
		  u8 revision, u8 header_type);
/*
 * Declare BAR n: flags VPCI_BAR_IO (size 4-256) or VPCI_BAR_MEM32 /
 * VPCI_BAR_MEM64 (n <= 4; size >= 16), optionally | VPCI_BAR_PREFETCH for
 * memory; size a power of two (mem32 up to 2 GiB). 0 or -EINVAL.
 */
int vpci_dev_set_bar(struct vpci_dev *d, unsigned int n, u8 flags, u64 size);
/* Interrupt pin 1-4 (INTA-INTD), 0 for none. */
void vpci_dev_set_irq_pin(struct vpci_dev *d, u8 pin);

/*
 * Capabilities. vpci_dev_add_cap links a capability of len bytes at off
 * (dword aligned, at 0x40 or above and past the end of the capability
 * added before it) at the end of the list and returns off, or -EINVAL;
 * the device model fills and masks its body.
 *
 * MSI: a 64-bit, single-message capability without per-vector masking
 * (14 bytes). The guest enables it and programs address and data; the
 * device model asks vpci_msi_message() whether it is on and where the
 * message goes when it has an interrupt to send.
 */
#define VPCI_CAP_ID_MSI		0x05
#define VPCI_CAP_ID_MSIX		0x11
#define VPCI_MSI_FLAGS		2	/* offsets inside the capability */
#define VPCI_MSI_ADDRESS_LO	4
#define VPCI_MSI_ADDRESS_HI	8
#define VPCI_MSI_DATA_64		12
#define VPCI_MSI_CAP_LEN		14
#define VPCI_MSI_FLAGS_ENABLE	0x0001
#define VPCI_MSI_FLAGS_64BIT	0x0080

int vpci_dev_add_cap(struct vpci_dev *d, u8 id, u8 off, u8 len);
int vpci_dev_add_msi(struct vpci_dev *d, u8 off);
/*
 * The MSI message to send, if the guest enabled MSI: true and *addr,
 * *data set. Reads the registers without the bus lock (a device's
 * interrupt path must not take it): a message torn by a concurrent
 * reprogramming is one the guest could not expect to receive anyway.
 */
bool vpci_msi_message(const struct vpci_dev *d, u64 *addr, u32 *data);
/* Does a write at off of size bytes touch the MSI capability? */
bool vpci_msi_hit(const struct vpci_dev *d, u32 off, unsigned int size);

/*
 * MSI-X: a capability (12 bytes) whose vector table and pending bit array
 * live in one of the device's memory BARs, at table_off and pba_off. The
 * device model owns the struct vpci_msix, routes accesses to those BAR
 * ranges to vpci_msix_mmio() and serialises them, vpci_msix_fire() and
 * vpci_msix_take_pending() with one lock of its own (not the bus lock).
 * The capability's control word (enable, function mask) is written
 * through configuration space under the bus lock; readers here take it
 * as one byte, so a torn view is one the guest could not rely on.
 *
 * A vector masked (on its own or by the function mask) when it fires
 * sets its pending bit instead; once unmasked, vpci_msix_take_pending()
 * hands the pending vectors to the model to send, clearing their bits.
 * The device model calls it after each table write and after a
 * configuration write that vpci_msix_hit() reports.
 */
#define VPCI_MSIX_MAX_VECTORS	64
#define VPCI_MSIX_CAP_LEN	12
#define VPCI_MSIX_FLAGS		2	/* offsets inside the capability */
#define VPCI_MSIX_TABLE		4
#define VPCI_MSIX_PBA		8
#define VPCI_MSIX_FLAGS_QSIZE	0x07ff
#define VPCI_MSIX_FLAGS_MASKALL	0x4000
#define VPCI_MSIX_FLAGS_ENABLE	0x8000
#define VPCI_MSIX_ENTRY_SIZE	16
#define VPCI_MSIX_ENTRY_CTRL_MASKBIT 1

struct vpci_msix {
	u16 nr;				/* vectors, 1-VPCI_MSIX_MAX_VECTORS */
	u8 bar;
	u32 table_off, pba_off;		/* inside the BAR */
	u32 table[VPCI_MSIX_MAX_VECTORS][4];	/* addr lo, hi, data, ctrl */
	u64 pending;
};

/*
 * Add the capability at off for nr vectors in BAR bar (a memory BAR
 * declared before; table_off 8-byte aligned, pba_off too, both inside
 * it): returns off or -EINVAL. Every vector starts masked.
 */
int vpci_dev_add_msix(struct vpci_dev *d, u8 off, struct vpci_msix *m, u16 nr,
		      u8 bar, u32 table_off, u32 pba_off);
bool vpci_msix_enabled(const struct vpci_dev *d);
/* Does a configuration write at off of size bytes touch the capability? */
bool vpci_msix_hit(const struct vpci_dev *d, u32 off, unsigned int size);
/*
 * An access at off (inside the BAR) of size 4 or 8: true if it is in the
 * table or PBA (then served: table entries are read/write, the PBA read
 * only, anything else reads zero), false if it is elsewhere in the BAR.
 */
bool vpci_msix_mmio(struct vpci_dev *d, u32 off, bool write, unsigned int size,
		    u64 *val);
/*
 * Vector vec has an interrupt: true and *addr, *data set if it is to be
 * sent now; false if MSI-X is off or vec is not a vector (dropped), or the
 * vector is masked (its pending bit set).
 */
bool vpci_msix_fire(struct vpci_dev *d, u16 vec, u64 *addr, u32 *data);
/*
 * The lowest pending vector that may be sent now: true, its bit cleared
 * and *addr, *data set; call until false.
 */
bool vpci_msix_take_pending(struct vpci_dev *d, u64 *addr, u32 *data);

/* Raw little-endian accessors of a device's cfg[] for models and hooks. */
static inline u16 vpci_get_word(const struct vpci_dev *d, u32 off)
{
	return d->cfg[off] | (u16)d->cfg[off + 1] << 8;
}

static inline u32 vpci_get_long(const struct vpci_dev *d, u32 off)
{
	return vpci_get_word(d, off) | (u32)vpci_get_word(d, off + 2) << 16;
}

static inline void vpci_set_word(struct vpci_dev *d, u32 off, u16 v)
{
	d->cfg[off] = v & 0xff;
	d->cfg[off + 1] = v >> 8;
}

static inline void vpci_set_long(struct vpci_dev *d, u32 off, u32 v)
{
	vpci_set_word(d, off, v & 0xffff);
	vpci_set_word(d, off + 2, v >> 16);
}

/*
 * i440FX PMC (82441FX), 00:00.0, 8086:1237 rev 02, class 06 00 00.
 *
 * PAM (Programmable Attribute Map) registers 0x59-0x5f split the area
 * 0xc0000-0xfffff into 13 regions; region numbers passed to pam_changed:
 *   region 0       0x59 bits 5:4   0xf0000-0xfffff (64 KiB, the BIOS)
 *   region 1 + 2k  0x5a+k bits 1:0 0xc0000 + 0x8000*k, 16 KiB   (k = 0-5)
 *   region 2 + 2k  0x5a+k bits 5:4 0xc4000 + 0x8000*k, 16 KiB
 * i.e. region r >= 1 covers 0xc0000 + (r - 1) * 0x4000, 16 KiB, up to
 * region 12 at 0xec000. attr is PAM_RE | PAM_WE: 0 sends reads and writes
 * to the ISA/PCI side (ROM, or nothing), PAM_RE reads RAM and writes go to
 * ISA/PCI (write-protected shadow), PAM_WE writes RAM and reads come from
 * ISA/PCI (used to copy a ROM into its shadow), both: plain RAM.
 * pam_changed is called for each region whose attr changes; all start at 0.
 *
 * SMRAM (0x72) is stored (D_OPEN, D_CLS, D_LCK, G_SMRAME; C_BASE_SEG reads
 * 010b; D_LCK makes D_OPEN read 0 and sticks until reset) but has no
 * effect. 0x50-0x71 and 0x90-0x93 are stored.
 */
#define I440FX_VENDOR_ID	0x8086
#define I440FX_DEVICE_ID	0x1237
#define I440FX_PAM0		0x59
#define I440FX_NR_PAM_REGIONS	13
#define I440FX_SMRAM		0x72
#define PAM_RE			0x1
#define PAM_WE			0x2

#define SMRAM_C_BASE_SEG	0x02
#define SMRAM_G_SMRAME		0x08
#define SMRAM_D_LCK		0x10
#define SMRAM_D_CLS		0x20
#define SMRAM_D_OPEN		0x40

struct vpci_i440fx {
	struct vpci_dev dev;
	u8 pam[I440FX_NR_PAM_REGIONS];	/* attr as last reported */
	u8 smram;			/* 0x72 after the last write */
	void (*pam_changed)(void *opaque, unsigned int region, u8 attr);
	void *opaque;
};

/* Base address of PAM region r (0-12) and its size. */
u32 i440fx_pam_base(unsigned int region);
u32 i440fx_pam_size(unsigned int region);

void vpci_i440fx_init(struct vpci_i440fx *hb,
		     void (*pam_changed)(void *opaque, unsigned int region, u8 attr),
		     void *opaque);

/*
 * PIIX3 function 0 (82371SB PCI-to-ISA bridge), 00:01.0, 8086:7000,
 * class 06 01 00, multi-function header. PIRQ route control 0x60-0x63
 * (PIRQA-D): bit 7 set = not routed, else bits 3:0 the ISA IRQ (3-7, 9-12,
 * 14, 15 are valid); all start at 0x80. pirq_changed(opaque, pirq 0-3,
 * value) is called when a register's value changes. The other registers
 * (0x40-0xff) are stored with their reset values and have no effect.
 */
#define PIIX3_VENDOR_ID		0x8086
#define PIIX3_DEVICE_ID		0x7000
#define PIIX3_PIRQRC		0x60
#define PIIX3_NR_PIRQS		4
#define PIIX3_PIRQ_DISABLE	0x80
#define PIIX3_PIRQ_IRQ_MASK	0x0f

struct vpci_piix3 {
	struct vpci_dev dev;
	u8 pirq[PIIX3_NR_PIRQS];	/* routes as last reported */
	void (*pirq_changed)(void *opaque, unsigned int pirq, u8 route);
	void *opaque;
};

void vpci_piix3_init(struct vpci_piix3 *isa,
		    void (*pirq_changed)(void *opaque, unsigned int pirq, u8 route),
		    void *opaque);

#endif /* VMM_CORE_VPCI_H */
