/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AHCI from a payload: register names, one fixed memory layout for the
 * command lists, FIS areas and command tables, and polled commands with
 * a time limit. Used by ahci_hostile (which attacks the HBA) and
 * flushloop (the crash test's writer); link common/ahci.o.
 *
 * One HBA at a time: ahci_find() finds it on PCI bus 0 (pci_bdf),
 * ahci_map() gives it an ABAR (abar); then port_init() each port. The
 * layout below needs RAM up to 0x270000 (six ports).
 */
#ifndef GUEST_AHCI_H
#define GUEST_AHCI_H

#include "guest.h"

/* ---- memory layout (guest-physical) ---- */
#define CLB_BASE	0x200000UL	/* command lists: 1 KiB per port */
#define FB_BASE		0x202000UL	/* received FIS areas: 256 bytes per port */
#define CT_BASE		0x210000UL	/* 64 KiB per port: 32 tables of 2 KiB */
#define CT_SIZE		0x800UL
#define CT_MAX_PRD	((CT_SIZE - 0x80) / 16)

/* ---- HBA and port registers ---- */
#define GHC_HR		(1u << 0)
#define GHC_AE		(1u << 31)
#define PX_CLB		0x00
#define PX_CLBU		0x04
#define PX_FB		0x08
#define PX_FBU		0x0c
#define PX_IS		0x10
#define PX_IE		0x14
#define PX_CMD		0x18
#define PX_TFD		0x20
#define PX_SIG		0x24
#define PX_SSTS		0x28
#define PX_SCTL		0x2c
#define PX_SERR		0x30
#define PX_SACT		0x34
#define PX_CI		0x38
#define CMD_ST		(1u << 0)
#define CMD_CLO		(1u << 3)
#define CMD_FRE		(1u << 4)
#define CMD_FR		(1u << 14)
#define CMD_CR		(1u << 15)
#define IS_TFES		(1u << 30)
#define TFD_ERR		0x01
#define TFD_DRQ		0x08
#define TFD_BSY		0x80
#define SERR_E		(1u << 11)
#define SIG_DISK	0x00000101u
#define SIG_ATAPI	0xeb140101u

/* ---- ATA commands ---- */
#define ATA_DSM			0x06
#define ATA_READ_DMA_EXT	0x25
#define ATA_WRITE_DMA_EXT	0x35
#define ATA_READ_FPDMA		0x60
#define ATA_WRITE_FPDMA		0x61
#define ATA_PACKET		0xa0
#define ATA_IDENTIFY_PACKET	0xa1
#define ATA_FLUSH_CACHE_EXT	0xea
#define ATA_IDENTIFY		0xec

/* command header flags */
#define HDR_A		(1u << 5)	/* ATAPI */
#define HDR_W		(1u << 6)	/* write (memory -> device) */

/* how a polled command ended */
enum { R_OK, R_ERR, R_TIMEOUT };

extern volatile u8 *abar;	/* the HBA's registers (ahci_map) */
extern u32 pci_bdf;		/* bus 0 dev/fn of the HBA, config address bits */

static inline u32 hr(u32 off) { return *(volatile u32 *)(abar + off); }
static inline void hw(u32 off, u32 v) { *(volatile u32 *)(abar + off) = v; }
static inline u32 pr(int p, u32 reg) { return hr(0x100 + p * 0x80 + reg); }
static inline void pw(int p, u32 reg, u32 v) { hw(0x100 + p * 0x80 + reg, v); }

/* PCI configuration space of the HBA (pci_bdf) */
u32 cfg_rd(u32 off);
void cfg_wr(u32 off, u32 v);

/* Find an AHCI function (class 01 06 01) on bus 0; sets pci_bdf. */
bool ahci_find(u32 vendor_device);
/* BAR5 at gpa, memory decode and bus master on, GHC.AE; returns the
 * BAR's size mask as read back after writing all ones. */
u32 ahci_map(u64 gpa);

/* Time limits: TSC, and a cap on polls in case the TSC crawls. */
void tmo_begin(void);
bool tmo_over(void);
void delay_polls(unsigned int n);

/* ---- command building: slot `slot` of port `p` ---- */
u8 *ct(int p, int slot);
void hdr_set(int p, int slot, u32 flags, u32 prdtl, u64 ctba);
u32 hdr_prdbc(int p, int slot);
void prd_set(u8 *t, u32 i, u64 dba, u32 bytes);
void fis_h2d(u8 *t, u8 cmd, u64 lba, u16 count, u16 feat);
/* a command FIS and one PRD of bytes at buf (bytes 0: none) */
u8 *cmd_simple(int p, int slot, u8 cmd, u64 lba, u16 count, u64 buf,
	       u32 bytes, u32 flags);

/* ---- issuing and waiting: R_OK, R_ERR or R_TIMEOUT ---- */
int wait_mask(int p, u32 mask, bool ncq);	/* PxCI (| PxSACT) bits in mask clear */
int issue(int p, int slot);
bool wait_reg(int p, u32 reg, u32 mask, u32 val);

/* ---- port bring-up and recovery ---- */
bool port_stop(int p);
bool comreset(int p);
/* lists and FIS area set, FRE; ST too if a device is present */
bool port_init(int p);
/* AHCI 6.2.2.1: ST off, errors cleared, CLO or COMRESET if busy, ST on */
bool port_recover(int p);

#endif
