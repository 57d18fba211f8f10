// SPDX-License-Identifier: GPL-2.0
/*
 * AHCI from a payload (see ahci.h): finding and mapping the HBA, building
 * commands in the fixed layout, polling them with a time limit, bringing
 * ports up and recovering them.
 */
#include "ahci.h"

volatile u8 *abar;
u32 pci_bdf;

u32 cfg_rd(u32 off)
{
	outl(0xcf8, 0x80000000u | pci_bdf | (off & 0xfc));
	return inl(0xcfc);
}

void cfg_wr(u32 off, u32 v)
{
	outl(0xcf8, 0x80000000u | pci_bdf | (off & 0xfc));
	outl(0xcfc, v);
}

bool ahci_find(u32 vendor_device)
{
	u32 dev, fn;

	for (dev = 0; dev < 32; dev++) {
		for (fn = 0; fn < 8; fn++) {
			u32 id;

			pci_bdf = dev << 11 | fn << 8;
			id = cfg_rd(0);
			if ((id & 0xffff) == 0xffff)
				continue;
			if (id == vendor_device && (cfg_rd(8) >> 8) == 0x010601)
				return true;
		}
	}
	return false;
}

u32 ahci_map(u64 gpa)
{
	u32 mask;

	cfg_wr(0x24, ~0u);
	mask = cfg_rd(0x24);
	cfg_wr(0x24, (u32)gpa);
	cfg_wr(4, (cfg_rd(4) & 0xffff) | 0x6);	/* memory decode, bus master */
	abar = (volatile u8 *)gpa;
	hw(0x04, GHC_AE);
	return mask;
}

/* ---- time limits ---- */
#define TMO_TICKS	20000000000UL
#define TMO_POLLS	3000000UL

static u64 tmo_start, tmo_polls;

void tmo_begin(void)
{
	tmo_start = rdtsc();
	tmo_polls = 0;
}

bool tmo_over(void)
{
	return rdtsc() - tmo_start > TMO_TICKS || ++tmo_polls > TMO_POLLS;
}

/* a short pause: register reads, each an exit to the HBA model */
void delay_polls(unsigned int n)
{
	while (n--)
		(void)pr(0, PX_SSTS);
}

/* ---- command building ---- */
u8 *ct(int p, int slot)
{
	return (u8 *)(CT_BASE + p * 0x10000UL + slot * CT_SIZE);
}

static volatile u32 *hdr(int p, int slot)
{
	return (volatile u32 *)(CLB_BASE + p * 0x400UL + slot * 32UL);
}

void hdr_set(int p, int slot, u32 flags, u32 prdtl, u64 ctba)
{
	volatile u32 *h = hdr(p, slot);

	h[0] = 5 | flags | prdtl << 16;	/* CFL: a 5-dword H2D FIS */
	h[1] = 0;
	h[2] = (u32)ctba;
	h[3] = ctba >> 32;
}

u32 hdr_prdbc(int p, int slot)
{
	return hdr(p, slot)[1];
}

void prd_set(u8 *t, u32 i, u64 dba, u32 bytes)
{
	u32 *e = (u32 *)(t + 0x80 + i * 16UL);

	e[0] = (u32)dba;
	e[1] = dba >> 32;
	e[2] = 0;
	e[3] = (bytes - 1) & 0x3fffff;
}

void fis_h2d(u8 *t, u8 cmd, u64 lba, u16 count, u16 feat)
{
	memset(t, 0, 0x80);
	t[0] = 0x27;		/* register FIS, host to device */
	t[1] = 0x80;		/* C: a command */
	t[2] = cmd;
	t[3] = feat;
	t[4] = lba;
	t[5] = lba >> 8;
	t[6] = lba >> 16;
	t[7] = 0x40;		/* LBA mode */
	t[8] = lba >> 24;
	t[9] = lba >> 32;
	t[10] = lba >> 40;
	t[11] = feat >> 8;
	t[12] = count;
	t[13] = count >> 8;
}

u8 *cmd_simple(int p, int slot, u8 cmd, u64 lba, u16 count, u64 buf,
	       u32 bytes, u32 flags)
{
	u8 *t = ct(p, slot);

	fis_h2d(t, cmd, lba, count, 0);
	if (bytes)
		prd_set(t, 0, buf, bytes);
	hdr_set(p, slot, flags, bytes ? 1 : 0, (u64)t);
	return t;
}

/* ---- issuing and waiting ---- */
int wait_mask(int p, u32 mask, bool ncq)
{
	tmo_begin();
	for (;;) {
		u32 ci = pr(p, PX_CI), sact = ncq ? pr(p, PX_SACT) : 0;

		if (pr(p, PX_IS) & IS_TFES)
			return R_ERR;
		if (!((ci | sact) & mask))
			return (pr(p, PX_TFD) & TFD_ERR) ? R_ERR : R_OK;
		if (tmo_over()) {
			printf("# timeout: port %d CI %#x SACT %#x IS %#x TFD %#x CMD %#x\n",
			       p, ci, sact, pr(p, PX_IS), pr(p, PX_TFD), pr(p, PX_CMD));
			return R_TIMEOUT;
		}
	}
}

int issue(int p, int slot)
{
	pw(p, PX_CI, 1u << slot);
	return wait_mask(p, 1u << slot, false);
}

bool wait_reg(int p, u32 reg, u32 mask, u32 val)
{
	tmo_begin();
	while ((pr(p, reg) & mask) != val)
		if (tmo_over())
			return false;
	return true;
}

/* ---- ports ---- */
bool port_stop(int p)
{
	pw(p, PX_CMD, pr(p, PX_CMD) & ~CMD_ST);
	return wait_reg(p, PX_CMD, CMD_CR, 0);
}

bool comreset(int p)
{
	pw(p, PX_SCTL, 0x301);		/* DET 1: COMRESET */
	delay_polls(200);
	pw(p, PX_SCTL, 0x300);
	if (!wait_reg(p, PX_SSTS, 0xf, 3))
		return false;
	pw(p, PX_SERR, ~0u);
	return wait_reg(p, PX_TFD, TFD_BSY | TFD_DRQ, 0);
}

bool port_init(int p)
{
	if (!port_stop(p))
		return false;
	pw(p, PX_CMD, pr(p, PX_CMD) & ~CMD_FRE);
	if (!wait_reg(p, PX_CMD, CMD_FR, 0))
		return false;
	memset((void *)(CLB_BASE + p * 0x400UL), 0, 0x400);
	memset((void *)(FB_BASE + p * 0x100UL), 0, 0x100);
	pw(p, PX_CLB, CLB_BASE + p * 0x400);
	pw(p, PX_CLBU, 0);
	pw(p, PX_FB, FB_BASE + p * 0x100);
	pw(p, PX_FBU, 0);
	pw(p, PX_SERR, ~0u);
	pw(p, PX_IS, ~0u);
	pw(p, PX_IE, 0);
	pw(p, PX_CMD, pr(p, PX_CMD) | CMD_FRE);
	if ((pr(p, PX_SSTS) & 0xf) != 3)
		return true;		/* nothing attached: ST stays clear */
	if (!wait_reg(p, PX_TFD, TFD_BSY | TFD_DRQ, 0))
		return false;
	pw(p, PX_CMD, pr(p, PX_CMD) | CMD_ST);
	return true;
}

bool port_recover(int p)
{
	if (!port_stop(p)) {
		printf("# port %d: CR stays set after ST clear\n", p);
		return false;
	}
	pw(p, PX_SERR, ~0u);
	pw(p, PX_IS, ~0u);
	hw(0x08, ~0u);			/* HBA IS */
	if (pr(p, PX_TFD) & (TFD_BSY | TFD_DRQ)) {
		pw(p, PX_CMD, pr(p, PX_CMD) | CMD_CLO);
		if ((!wait_reg(p, PX_CMD, CMD_CLO, 0) ||
		     (pr(p, PX_TFD) & (TFD_BSY | TFD_DRQ))) && !comreset(p)) {
			printf("# port %d: COMRESET did not bring it back\n", p);
			return false;
		}
	}
	pw(p, PX_CMD, pr(p, PX_CMD) | CMD_FRE | CMD_ST);
	return (pr(p, PX_CMD) & CMD_CR) != 0;
}
