/* SPDX-License-Identifier: GPL-2.0 */
/*
 * QEMU's firmware configuration device (fw_cfg) as SeaBIOS, OVMF and
 * Linux's qemu_fw_cfg driver use it on x86 (see QEMU docs/specs/fw_cfg.rst).
 *
 * Ports: 0x510 selector (16-bit write: selects an item, offset 0), 0x511
 * data (reads return the item's next bytes in increasing order and advance
 * the offset; past the end they read 0; writes are ignored, as in QEMU
 * since 2.4), 0x514-0x51b the big-endian 64-bit DMA address register (a
 * 32-bit write at 0x514 sets the high half, one at 0x518 the low half and
 * starts the transfer; reads return "QEMU CFG").
 *
 * DMA: the descriptor {be32 control, be32 length, be64 address} is read
 * from guest memory through ops->read_gpa; control bit 3 selects the item
 * in control[31:16], then bit 1 reads length bytes into guest memory (zero
 * filled past the end of the item), or else bit 2 skips length bytes. Bit 4
 * (write) always fails: no item is writable. The result (0, or the error
 * bit) is written back over control. A descriptor that cannot be read is
 * ignored; guest memory the host refuses, an address range that wraps, or a
 * write request set the error bit and nothing else.
 *
 * Items: the device owns the small numeric items (fw_cfg_add_u16/u32/u64
 * store them little-endian inside struct fw_cfg). Blobs and files are
 * referenced, not copied: the caller keeps the data alive and unchanged
 * for the life of the device. Items are added (or replaced) before any
 * vCPU runs; the item table is then read without the lock, so that the
 * possibly large DMA copies run with no lock held.
 *
 * The file directory (0x0019) is generated on the fly from the file table,
 * sorted by name (byte-wise, like strcmp) as QEMU does; the select keys
 * themselves are handed out in insertion order from 0x0020.
 *
 * The FW_CFG_* names follow QEMU and <linux/qemu_fw_cfg.h>: do not include
 * both headers in one translation unit.
 */
#ifndef VMM_CORE_FW_CFG_H
#define VMM_CORE_FW_CFG_H

#include "host.h"

/* x86 I/O ports. */
#define FW_CFG_PORT_SEL		0x510
#define FW_CFG_PORT_DATA	0x511
#define FW_CFG_PORT_DMA_HI	0x514
#define FW_CFG_PORT_DMA_LO	0x518
#define FW_CFG_PORT_DMA_END	0x51b	/* last port of the DMA register */

/* Selector keys of the well-known (legacy) items, as QEMU numbers them. */
#define FW_CFG_SIGNATURE	0x0000	/* "QEMU" */
#define FW_CFG_ID		0x0001	/* le32 feature bits, FW_CFG_ID_* */
#define FW_CFG_UUID		0x0002	/* 16 bytes */
#define FW_CFG_RAM_SIZE		0x0003	/* le64 */
#define FW_CFG_NOGRAPHIC	0x0004	/* le16 */
#define FW_CFG_NB_CPUS		0x0005	/* le16: CPUs present at boot */
#define FW_CFG_MACHINE_ID	0x0006	/* le32 */
#define FW_CFG_KERNEL_ADDR	0x0007	/* le32 */
#define FW_CFG_KERNEL_SIZE	0x0008	/* le32 */
#define FW_CFG_KERNEL_CMDLINE	0x0009	/* le32 (old: cmdline address) */
#define FW_CFG_INITRD_ADDR	0x000a	/* le32 */
#define FW_CFG_INITRD_SIZE	0x000b	/* le32 */
#define FW_CFG_BOOT_DEVICE	0x000c	/* le16 */
#define FW_CFG_NUMA		0x000d	/* le64 node count, then arrays */
#define FW_CFG_BOOT_MENU	0x000e	/* le16 */
#define FW_CFG_MAX_CPUS		0x000f	/* le16 */
#define FW_CFG_KERNEL_ENTRY	0x0010	/* le32 */
#define FW_CFG_KERNEL_DATA	0x0011	/* blob: protected-mode kernel */
#define FW_CFG_INITRD_DATA	0x0012	/* blob */
#define FW_CFG_CMDLINE_ADDR	0x0013	/* le32 */
#define FW_CFG_CMDLINE_SIZE	0x0014	/* le32, including the NUL */
#define FW_CFG_CMDLINE_DATA	0x0015	/* blob, NUL-terminated */
#define FW_CFG_SETUP_ADDR	0x0016	/* le32 */
#define FW_CFG_SETUP_SIZE	0x0017	/* le32 */
#define FW_CFG_SETUP_DATA	0x0018	/* blob: real-mode setup code */
#define FW_CFG_FILE_DIR		0x0019	/* generated directory */
#define FW_CFG_FILE_FIRST	0x0020	/* first file's select key */

#define FW_CFG_WRITE_CHANNEL	0x4000	/* ignored in the key, as in QEMU */
#define FW_CFG_ARCH_LOCAL	0x8000
/* x86 architecture-specific items. */
#define FW_CFG_ACPI_TABLES	(FW_CFG_ARCH_LOCAL + 0)
#define FW_CFG_SMBIOS_ENTRIES	(FW_CFG_ARCH_LOCAL + 1)
#define FW_CFG_IRQ0_OVERRIDE	(FW_CFG_ARCH_LOCAL + 2)	/* le32 */
#define FW_CFG_E820_TABLE	(FW_CFG_ARCH_LOCAL + 3)	/* legacy; use etc/e820 */
#define FW_CFG_HPET		(FW_CFG_ARCH_LOCAL + 4)

/* FW_CFG_ID bits */
#define FW_CFG_ID_TRADITIONAL	0x01
#define FW_CFG_ID_DMA		0x02

/* DMA control word bits (the selected key is in bits 31:16). */
#define FW_CFG_DMA_CTL_ERROR	0x01
#define FW_CFG_DMA_CTL_READ	0x02
#define FW_CFG_DMA_CTL_SKIP	0x04
#define FW_CFG_DMA_CTL_SELECT	0x08
#define FW_CFG_DMA_CTL_WRITE	0x10
#define FW_CFG_DMA_SIGNATURE	0x51454d5520434647ULL	/* "QEMU CFG" */
#define FW_CFG_DMA_DESC_SIZE	16
/* Zeros a DMA read gets past an item's end, at most; more is an error. */
#define FW_CFG_DMA_ZERO_MAX	(1u << 20)

/* File directory layout: be32 count, then 64-byte entries. */
#define FW_CFG_MAX_FILE_PATH	56
#define FW_CFG_DIR_ENTRY_SIZE	64	/* be32 size, be16 select, be16 0, name */

/* Capacity of the tables inside struct fw_cfg. */
#define FW_CFG_MAX_ITEMS	40	/* legacy and arch items */
#define FW_CFG_MAX_FILES	32	/* files: keys 0x0020-0x003f */

/* "etc/e820" entries: struct { le64 addr; le64 len; le32 type; } */
#define FW_CFG_E820_ENTRY_SIZE	20
#define FW_CFG_E820_RAM		1
#define FW_CFG_E820_RESERVED	2

struct fw_cfg_ops {
	/*
	 * Copy len bytes between guest-physical gpa and buf; 0 on success,
	 * a negative errno when any part of the range is not guest RAM.
	 * Called without the fw_cfg lock and possibly with large len (a
	 * kernel image): the host may sleep and split the copy if its
	 * context allows. Both NULL: no DMA interface (FW_CFG_ID bit 1 clear).
	 */
	int (*read_gpa)(void *opaque, u64 gpa, void *buf, u32 len);
	int (*write_gpa)(void *opaque, u64 gpa, const void *buf, u32 len);
};

struct fw_cfg_item {
	const u8 *data;		/* NULL: the bytes are in val[] */
	u32 size;
	u16 key;
	u8 val[8];		/* numeric items, little-endian */
};

struct fw_cfg_named {
	const u8 *data;
	u32 size;
	char name[FW_CFG_MAX_FILE_PATH];	/* NUL-terminated */
};

struct fw_cfg {
	vmm_lock_t lock;	/* selector, offset and DMA address */

	u16 cur_key;		/* as selected, FW_CFG_WRITE_CHANNEL cleared */
	u32 cur_off;
	u32 dma_hi;		/* high half of the DMA address */

	/* Set up before the guest runs; read-only afterwards. */
	struct fw_cfg_item items[FW_CFG_MAX_ITEMS];
	unsigned int nr_items;
	struct fw_cfg_named files[FW_CFG_MAX_FILES];	/* by select - 0x20 */
	unsigned int nr_files;
	u8 dir_order[FW_CFG_MAX_FILES];	/* file indexes, sorted by name */

	u64 dma_errors;		/* descriptors unreadable or ended in error */

	const struct fw_cfg_ops *ops;
	void *opaque;
};

/*
 * Reset state with the items every guest expects: signature, id (DMA bit
 * when ops has both callbacks), nographic 0, nb_cpus 1, max_cpus 1, numa
 * (no nodes), boot_menu 0. The caller overrides them with fw_cfg_add_*.
 */
void fw_cfg_init(struct fw_cfg *fw, const struct fw_cfg_ops *ops, void *opaque);

/*
 * Add or replace a numeric or blob item at a legacy or arch key (not
 * FW_CFG_SIGNATURE, FW_CFG_ID, FW_CFG_FILE_DIR or a file key). 0, or
 * -EINVAL for such a key, -ENOSPC when the table is full. add_bytes
 * references data (size 0 and data NULL make an empty item).
 */
int fw_cfg_add_u16(struct fw_cfg *fw, u16 key, u16 val);
int fw_cfg_add_u32(struct fw_cfg *fw, u16 key, u32 val);
int fw_cfg_add_u64(struct fw_cfg *fw, u16 key, u64 val);
int fw_cfg_add_bytes(struct fw_cfg *fw, u16 key, const void *data, u32 size);

/*
 * Add a named file (data referenced). Returns its select key (0x0020 up,
 * in insertion order), or -EINVAL for an empty name or one of 56 bytes or
 * more, -ENOSPC when the table is full. A name already present has its
 * data replaced and keeps its key.
 */
int fw_cfg_add_file(struct fw_cfg *fw, const char *name, const void *data,
		    u32 size);

/* Guest port access to 0x510-0x511 and 0x514-0x51b; others read all ones. */
u32 fw_cfg_io_read(struct fw_cfg *fw, u16 port, unsigned int size);
void fw_cfg_io_write(struct fw_cfg *fw, u16 port, unsigned int size, u32 val);

#endif /* VMM_CORE_FW_CFG_H */
