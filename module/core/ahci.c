// SPDX-License-Identifier: GPL-2.0
/*
 * AHCI 1.3.1 HBA with ATA disks and ATAPI CD drives: see ahci.h.
 *
 * Shape. Every register access and every backend completion runs under
 * h->lock. A PxCI write starts the newly issued slots in ascending order:
 * the command header and command table are read from guest memory, the
 * H2D register FIS decoded, and the command either completes at once
 * (IDENTIFY, SET FEATURES, errors, ...) or hands one blk_req to the
 * backend. A transfer larger than one request may carry (BLK_MAX_BYTES,
 * BLK_MAX_SEGS) goes in chunks, a TRIM range by range, each step started
 * from the previous step's done(). Only one request per slot is ever with
 * the backend.
 *
 * Queueing follows a SATA device: one non-queued command at a time (the
 * others wait in PxCI, as behind BSY); NCQ commands (FPDMA QUEUED) run
 * concurrently, their PxCI bit cleared when accepted, PxSACT cleared by a
 * Set Device Bits FIS when done. A non-queued command while NCQ commands
 * run is an error, as ATA says.
 *
 * Errors. A device error (ABRT, IDNF, CHECK CONDITION) or a fault the HBA
 * sees (memory outside guest RAM, a PRDT too short or too fragmented, a
 * bad FIS) ends the command with ERR in the status, PxIS.TFES and, per
 * AHCI 6.2.2, the port stops fetching commands (PxCI keeps the failed
 * slot) until software clears PxCMD.ST. HBA-detected faults also set
 * PxSERR.E. Nothing the guest writes makes the model loop, sleep, wait
 * for the backend or touch memory that is not guest RAM.
 *
 * Resets (PxCMD.ST cleared, COMRESET, GHC.HR) drop PxCI/PxSACT at once; a
 * request still with the backend leaves its slot ORPHAN: its done() only
 * frees the slot, and a command the guest issues meanwhile in that slot
 * waits in PxCI until then. So a late completion never writes a FIS,
 * PRDBC or interrupt for a newer command (the slot's generation counts
 * commands, for the tests and tracing).
 *
 * Completion coalescing (ahci_set_coalesce, off unless the host sets it):
 * an NCQ command that succeeds while others of its port still run can be
 * held: its slot stays RUN with s->held set and its bit in p->held, its
 * PxSACT bit set, nothing written. port_post_held() posts every held
 * completion of a port at once (PRDBC, statistics, one SDB FIS naming all
 * their tags, PxIS.SDBS); it runs when a completion is not held, before
 * any error is reported, when the guest writes PxSACT or PxCI over a held
 * tag (as if it had been posted just before), and from the host's timer. To the
 * guest a held completion is a command that took longer; PxCI of NCQ
 * commands is cleared at acceptance, long before either.
 */
#include "ahci.h"
#include "bytes.h"
#include "ata.h"

/* Generic host control registers. */
#define HBA_CAP			0x00
#define HBA_GHC			0x04
#define HBA_IS			0x08
#define HBA_PI			0x0c
#define HBA_VS			0x10
#define HBA_PORTS		0x100
#define HBA_PORT_SIZE		0x80

#define CAP_S64A		(1u << 31)
#define CAP_SNCQ		(1u << 30)
#define CAP_SCLO		(1u << 24)
#define CAP_ISS_GEN3		(3u << 20)
#define CAP_SAM			(1u << 18)
#define CAP_VALUE		(CAP_S64A | CAP_SNCQ | CAP_SCLO | CAP_ISS_GEN3 | \
				 CAP_SAM | (AHCI_NR_SLOTS - 1) << 8 | \
				 (AHCI_NR_PORTS - 1))
#define GHC_HR			(1u << 0)
#define GHC_IE			(1u << 1)
#define GHC_AE			(1u << 31)
#define VS_VALUE		0x00010301
#define PI_VALUE		((1u << AHCI_NR_PORTS) - 1)

/* Port registers (offset in the port's 0x80 bytes). */
#define PX_CLB			0x00
#define PX_CLBU			0x04
#define PX_FB			0x08
#define PX_FBU			0x0c
#define PX_IS			0x10
#define PX_IE			0x14
#define PX_CMD			0x18
#define PX_TFD			0x20
#define PX_SIG			0x24
#define PX_SSTS			0x28
#define PX_SCTL			0x2c
#define PX_SERR			0x30
#define PX_SACT			0x34
#define PX_CI			0x38

#define PXIS_DHRS		(1u << 0)
#define PXIS_PSS		(1u << 1)
#define PXIS_SDBS		(1u << 3)
#define PXIS_TFES		(1u << 30)
/* Bits a command's completion sets: clearing one acknowledges it. */
#define PXIS_DONE_BITS		(PXIS_DHRS | PXIS_PSS | PXIS_SDBS | PXIS_TFES)
/* Bits PxIS/PxIE have (AHCI 3.3.5). */
#define PXIS_MASK		0xfdc000ffu

#define PXCMD_ST		(1u << 0)
#define PXCMD_SUD		(1u << 1)
#define PXCMD_POD		(1u << 2)
#define PXCMD_CLO		(1u << 3)
#define PXCMD_FRE		(1u << 4)
#define PXCMD_CCS_SHIFT		8
#define PXCMD_CCS_MASK		(0x1fu << 8)
#define PXCMD_FR		(1u << 14)
#define PXCMD_CR		(1u << 15)
#define PXCMD_ATAPI		(1u << 24)
#define PXCMD_DLAE		(1u << 25)
#define PXCMD_RW		(PXCMD_ST | PXCMD_SUD | PXCMD_POD | PXCMD_FRE | \
				 PXCMD_ATAPI | PXCMD_DLAE)

#define SSTS_UP			0x133	/* DET 3, Gen 3, IPM active */
#define SERR_E			(1u << 11)	/* internal error: HBA fault */

#define SIG_DISK		0x00000101u
#define SIG_ATAPI		0xeb140101u
#define SIG_NONE		0xffffffffu

/* Received FIS area offsets. */
#define RFIS_PIO		0x20
#define RFIS_D2H		0x40
#define RFIS_SDB		0x58

/* Command table layout. */
#define CT_CFIS			0x00
#define CT_ACMD			0x40
#define CT_PRDT			0x80
#define PRD_SIZE		16

/* What the request a slot has with the backend does. */
enum { STEP_DATA, STEP_FLUSH, STEP_TRIM };

/* How a successful command reports to the host. */
enum { FIS_D2H, FIS_PIO_IN, FIS_PIO_OUT, FIS_SDB, FIS_ATAPI, FIS_ATAPI_PIO };

static u64 now(struct ahci *h)
{
	return h->ops && h->ops->now_ns ? h->ops->now_ns(h->opaque) : 0;
}

static bool gm_read(struct ahci *h, u64 gpa, void *buf, u32 len)
{
	return h->mem->ok(h->mem_opaque, gpa, len, false) &&
	       h->mem->read(h->mem_opaque, gpa, buf, len) == 0;
}

static bool gm_write(struct ahci *h, u64 gpa, const void *buf, u32 len)
{
	return h->mem->ok(h->mem_opaque, gpa, len, true) &&
	       h->mem->write(h->mem_opaque, gpa, buf, len) == 0;
}

static u64 port_clb(const struct ahci_port *p)
{
	return (u64)p->clbu << 32 | p->clb;
}

static u64 port_fb(const struct ahci_port *p)
{
	return (u64)p->fbu << 32 | p->fb;
}

/* ---- interrupts ---- */

static u32 port_read(struct ahci_port *p, u32 reg);

/*
 * The guest's read page (ahci_set_regs_page): the registers that change;
 * CAP, PI and VS were written once, the rest of the page reads zero as
 * the reserved and vendor registers do.
 */
static void ahci_publish(struct ahci *h)
{
	u32 *r = h->regs;
	unsigned int i, reg;

	if (!r)
		return;
	vmm_store32(&r[HBA_GHC / 4], h->ghc);
	vmm_store32(&r[HBA_IS / 4], h->is);
	for (i = 0; i < AHCI_NR_PORTS; i++) {
		u32 *pr = r + (HBA_PORTS + i * HBA_PORT_SIZE) / 4;

		for (reg = PX_CLB; reg <= PX_CI; reg += 4)
			vmm_store32(&pr[reg / 4], port_read(&h->ports[i], reg));
	}
}

/*
 * Recompute the interrupt after any status change: IS.IPS follows each
 * port's enabled status, level is GHC.IE && IS, and an edge (MSI) is due
 * when an enabled PxIS bit was newly set: with per-port messages, that
 * port's.
 */
static void ahci_update_irq(struct ahci *h)
{
	bool edge, level;
	u32 ports = 0;
	unsigned int i;

	for (i = 0; i < AHCI_NR_PORTS; i++) {
		struct ahci_port *p = &h->ports[i];
		u32 cur = p->is & p->ie;

		if (cur)
			h->is |= 1u << i;
		if (cur & ~p->irq_seen)
			ports |= 1u << i;
		p->irq_seen = cur;
	}
	edge = ports != 0;
	/* what the interrupt tells of is readable before it is raised */
	ahci_publish(h);
	level = (h->ghc & GHC_IE) && h->is;
	if (level && !h->irq_level)
		edge = true;
	/* GHC.IE just set: each port with status tells (per-port messages) */
	if ((h->ghc & GHC_IE) && !h->irq_ie)
		for (i = 0; i < AHCI_NR_PORTS; i++)
			if (h->ports[i].irq_seen)
				ports |= 1u << i;
	h->irq_ie = h->ghc & GHC_IE;
	if (!(h->ghc & GHC_IE)) {
		edge = false;
		ports = 0;
	}
	if (level != h->irq_level || edge) {
		h->irq_level = level;
		if (h->ops && h->ops->set_irq)
			h->ops->set_irq(h->opaque, level, edge);
	}
	for (i = 0; ports && h->ops && h->ops->port_irq; i++, ports >>= 1)
		if (ports & 1)
			h->ops->port_irq(h->opaque, i);
}

/* ---- FIS delivery ---- */

/* A FIS reaches memory only with FIS receive on; a bad FB drops it. */
static void port_put_fis(struct ahci_port *p, u32 off, const u8 *fis, u32 len)
{
	if (!(p->cmd & PXCMD_FRE))
		return;
	gm_write(p->h, port_fb(p) + off, fis, len);
}

static u32 port_sig(const struct ahci_port *p)
{
	return p->type == AHCI_DEV_CDROM ? SIG_ATAPI : SIG_DISK;
}

/* Fill the LBA and count fields of a D2H FIS with the device signature. */
static void fis_put_sig(u8 *fis, u32 sig)
{
	fis[12] = sig;
	fis[4] = sig >> 8;
	fis[5] = sig >> 16;
	fis[6] = sig >> 24;
}

/* The signature FIS a device sends after reset (no interrupt: I = 0). */
static void port_sig_fis(struct ahci_port *p)
{
	u8 fis[20] = { FIS_TYPE_D2H };

	fis[2] = p->tfd;
	fis[3] = p->tfd >> 8;
	fis_put_sig(fis, port_sig(p));
	if (p->cmd & PXCMD_FRE) {
		port_put_fis(p, RFIS_D2H, fis, sizeof(fis));
		p->sig_fis_due = false;
	} else {
		p->sig_fis_due = true;
	}
}

/* Initial status after a reset: a disk is ready, an ATAPI device not. */
static u32 port_reset_tfd(const struct ahci_port *p)
{
	if (p->type == AHCI_DEV_DISK)
		return 0x0100 | ATA_ST_DRDY | ATA_ST_DSC;
	return 0x0100;
}

/* Device reset: what a COMRESET, SRST or DEVICE RESET leaves. */
static void port_device_reset(struct ahci_port *p)
{
	p->tfd = port_reset_tfd(p);
	p->sig = port_sig(p);
	p->srst = false;
	p->wcache = true;
	p->xfer_mode = 0;
	p->multiple = 0;
	p->ncq_err_valid = false;
	if (p->type == AHCI_DEV_CDROM)
		atapi_reset(&p->atapi);
	port_sig_fis(p);
}

/* The PHY comes up after COMRESET (or at power-on / HBA reset). */
static void port_link_up(struct ahci_port *p)
{
	if (p->type == AHCI_DEV_NONE) {
		p->ssts = 0;
		p->tfd = 0x7f;
		p->sig = SIG_NONE;
		return;
	}
	p->ssts = SSTS_UP;
	port_device_reset(p);
}

/* Abandon every command: what clearing PxCMD.ST does (AHCI 3.3.7). */
static void port_stop(struct ahci_port *p)
{
	unsigned int i;

	for (i = 0; i < AHCI_NR_SLOTS; i++) {
		struct ahci_slot *s = &p->slots[i];

		s->parked = false;
		/* a held completion goes as the commands in flight go: unseen */
		s->held = false;
		if (s->state == AHCI_SLOT_RUN) {
			s->measured = false;
			s->state = s->inflight ? AHCI_SLOT_ORPHAN : AHCI_SLOT_IDLE;
			s->gen++;
			/* one still waiting (a limited disk) may end early */
			if (s->inflight)
				blk_cancel(s->be, &s->req);
		}
	}
	p->ci = 0;
	p->sact = 0;
	p->held = 0;
	p->nonq = -1;
	p->halted = false;
	p->cmd &= ~PXCMD_CCS_MASK;
}

/* ---- PRDT walking ---- */

/*
 * Take up to want bytes from the slot's PRDT at its cursor into s->segs,
 * each segment checked against guest RAM (to_mem: the device writes it).
 * When BLK_MAX_SEGS runs out first, the take is cut back to a multiple of
 * align (the backend's block size) so chunks stay block aligned.
 * Returns the bytes taken (< want only when the PRDT ends or the segment
 * limit hit; *ended says the PRDT ended), -EFAULT for memory that is not
 * RAM, -E2BIG when not even one block fits the segments.
 */
static s64 prd_take(struct ahci_port *p, struct ahci_slot *s, u64 want,
		    u32 align, bool to_mem, bool *ended)
{
	struct ahci *h = p->h;
	u32 idx = s->prd_idx, skip = s->prd_skip, n = 0;
	u64 got = 0;

	*ended = false;
	while (got < want && n < BLK_MAX_SEGS) {
		u8 e[PRD_SIZE];
		u64 dba, gpa, len;
		u32 dbc;

		if (idx >= s->prdtl) {
			*ended = true;
			break;
		}
		if (!gm_read(h, s->ctba + CT_PRDT + (u64)idx * PRD_SIZE, e, sizeof(e)))
			return -EFAULT;
		dba = vmm_get_le64(e) & ~1ULL;
		/* byte count: bit 0 of DBC is always 1, so counts are even */
		dbc = ((vmm_get_le32(e + 12) & 0x3fffff) | 1) + 1;
		if (skip >= dbc) {
			idx++;
			skip = 0;
			continue;
		}
		len = dbc - skip;
		if (len > want - got)
			len = want - got;
		gpa = dba + skip;
		if (gpa < dba || !h->mem->ok(h->mem_opaque, gpa, len, to_mem))
			return -EFAULT;
		s->segs[n].gpa = gpa;
		s->segs[n].len = (u32)len;
		n++;
		got += len;
		if (skip + len == dbc) {
			idx++;
			skip = 0;
		} else {
			skip += (u32)len;
		}
	}
	if (got < want && !*ended && align > 1 && got % align) {
		/* segment limit: keep whole blocks, resume mid-entry later */
		u64 drop = got % align;
		u32 first_skip = s->prd_skip;

		got -= drop;
		if (!got)
			return -E2BIG;
		while (drop) {
			struct blk_seg *last = &s->segs[n - 1];

			if (last->len <= drop) {
				drop -= last->len;
				n--;
			} else {
				last->len -= (u32)drop;
				drop = 0;
			}
		}
		/* seg i is entry prd_idx + i, from first_skip when i == 0 */
		idx = s->prd_idx + n - 1;
		skip = (n == 1 ? first_skip : 0) + s->segs[n - 1].len;
	}
	s->prd_idx = idx;
	s->prd_skip = skip;
	s->req.nr_segs = n;
	return (s64)got;
}

/*
 * Copy between buf and the PRDT (to_mem: buf -> guest). Returns the bytes
 * copied (fewer than len when the PRDT is shorter) or -EFAULT.
 */
static s64 prd_copy(struct ahci_port *p, struct ahci_slot *s, u8 *buf,
		    u32 len, bool to_mem)
{
	struct ahci *h = p->h;
	u32 done = 0, i;

	while (done < len) {
		bool ended;
		s64 got = prd_take(p, s, len - done, 1, to_mem, &ended);

		if (got < 0)
			return got;
		for (i = 0; i < s->req.nr_segs; i++) {
			struct blk_seg *sg = &s->segs[i];
			int r = to_mem ?
				h->mem->write(h->mem_opaque, sg->gpa, buf + done, sg->len) :
				h->mem->read(h->mem_opaque, sg->gpa, buf + done, sg->len);

			if (r)
				return -EFAULT;
			done += sg->len;
		}
		if (ended || !got)
			break;
	}
	return done;
}

/* ---- completion ---- */

static void slot_write_prdbc(struct ahci_port *p, struct ahci_slot *s)
{
	u8 v[4];

	vmm_put_le32(v, (u32)s->xfer_done);
	gm_write(p->h, port_clb(p) + (u64)s->nr * 32 + 4, v, 4);
}

static void slot_release(struct ahci_port *p, struct ahci_slot *s)
{
	s->state = AHCI_SLOT_IDLE;
	s->gen++;
	if (p->nonq == s->nr)
		p->nonq = -1;
}

/*
 * End a command. status/error go to PxTFD and the FIS; extra: LBA/count
 * fields for the D2H FIS (READ NATIVE MAX, CHECK POWER MODE, signature).
 * fault: the HBA, not the device, found the problem (PxSERR.E).
 */
struct d2h_extra {
	bool sig;		/* put the signature in the LBA/count fields */
	bool lba_set;
	u64 lba;
	u8 count;
	bool count_set;
};

/* A command's statistics end: its completion is posted now. */
static void slot_stat_end(struct ahci_port *p, struct ahci_slot *s, bool err)
{
	if (!s->measured)
		return;
	s->req.t[BLK_T_IRQ] = now(p->h);
	blkstat_end(&p->bs, &s->req, s->req.op == BLK_OP_READ ||
		    s->req.op == BLK_OP_WRITE ? s->xfer_done : 0,
		    err ? -EIO : 0);
	s->measured = false;
}

/* ---- completion coalescing ---- */

static bool coalesce_on(const struct ahci *h)
{
	return h->coalesce_ns && h->ops && h->ops->timer_start;
}

/* The port's NCQ commands still running (not held), s not counted. */
static unsigned int port_ncq_active(const struct ahci_port *p,
				    const struct ahci_slot *s)
{
	unsigned int i, n = 0;

	for (i = 0; i < AHCI_NR_SLOTS; i++) {
		const struct ahci_slot *o = &p->slots[i];

		if (o != s && o->state == AHCI_SLOT_RUN && o->ncq && !o->held)
			n++;
	}
	return n;
}

static unsigned int bits32(u32 v)
{
	unsigned int n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

/*
 * Post every held completion of the port: what slot_finish does for a
 * successful NCQ command, for all of them, with one SDB FIS.
 */
static void port_post_held(struct ahci_port *p)
{
	u32 mask = p->held, m;
	u8 st = ATA_ST_DRDY | ATA_ST_DSC;
	u8 fis[8] = { FIS_TYPE_SDB, 0x40 };	/* I */

	if (!mask)
		return;
	p->held = 0;
	for (m = mask; m; m &= m - 1) {
		struct ahci_slot *s = &p->slots[__builtin_ctz(m)];

		s->held = false;
		slot_write_prdbc(p, s);
		slot_stat_end(p, s, false);
		slot_release(p, s);
	}
	p->tfd = st;
	fis[2] = st & 0x77;			/* status hi and lo bits */
	vmm_put_le32(fis + 4, mask);
	p->sact &= ~mask;
	port_put_fis(p, RFIS_SDB, fis, sizeof(fis));
	p->is |= PXIS_SDBS;
	p->nr_posts++;
}

/*
 * A successful NCQ command: hold its completion, or post it with the
 * ones held before it.
 */
static void slot_ncq_ok(struct ahci_port *p, struct ahci_slot *s)
{
	struct ahci *h = p->h;
	unsigned int active, held;

	s->held = true;
	p->held |= 1u << s->nr;
	if (coalesce_on(h)) {
		active = port_ncq_active(p, s);
		held = bits32(p->held);
		/*
		 * Post when nothing else runs, max are held, or as many are
		 * held as still run: the device keeps work while the guest
		 * takes the batch, however deep its queue.
		 */
		if (active && held < h->coalesce_max && held < active) {
			p->nr_held++;
			if (!h->timer_pending) {
				h->timer_pending = true;
				h->ops->timer_start(h->opaque, h->coalesce_ns);
			}
			return;
		}
	}
	port_post_held(p);
}

static void slot_finish(struct ahci_port *p, struct ahci_slot *s, u8 status,
			u8 error, const struct d2h_extra *x, bool fault)
{
	u32 bit = 1u << s->nr;
	bool err = status & ATA_ST_ERR;
	u8 fis[20] = { 0 };

	if (s->ncq && p->halted) {
		/*
		 * After an NCQ error the device aborts its other queued
		 * commands: their tags stay in PxSACT, nothing is reported,
		 * and the host retries them after READ LOG EXT 10h.
		 */
		slot_release(p, s);
		return;
	}
	if (s->ncq && !err) {
		slot_ncq_ok(p, s);
		return;
	}
	/* never held: what completed before the error is posted before it */
	port_post_held(p);
	slot_write_prdbc(p, s);
	p->tfd = (u32)error << 8 | status;
	if (err) {
		p->nr_errors++;
		if (fault)
			p->serr |= SERR_E;
	}

	if (s->ncq) {
		/* an error (success: slot_ncq_ok); the tag stays in PxSACT */
		fis[0] = FIS_TYPE_SDB;
		fis[1] = 0x40;			/* I */
		fis[2] = status & 0x77;		/* status hi and lo bits */
		fis[3] = error;
		/* READ LOG EXT 10h names it */
		p->ncq_err_valid = true;
		p->ncq_err_tag = s->nr;
		p->ncq_err_status = status;
		p->ncq_err_error = error;
		p->ncq_err_lba = s->dev_off / ATA_SECTOR;
		p->ncq_err_count = (u32)(s->xfer_len / ATA_SECTOR);
		p->ci &= ~bit;
		port_put_fis(p, RFIS_SDB, fis, 8);
		p->is |= PXIS_SDBS;
	} else {
		/*
		 * PxCI clears before any status bit is set and before the
		 * interrupt (ahci_update_irq, after this): drivers that poll
		 * PxCI (Windows) must never see a completion it still holds.
		 * A failed command keeps its bit until ST is cleared (6.2.2).
		 */
		bool pio;

		if (!err)
			p->ci &= ~bit;
		/* a PIO command that moved data announced it by PIO Setup */
		pio = !err && (s->fis_kind == FIS_PIO_IN ||
				    s->fis_kind == FIS_PIO_OUT ||
				    (s->fis_kind == FIS_ATAPI_PIO && s->xfer_done));

		if (pio) {
			fis[0] = FIS_TYPE_PIO_SETUP;
			fis[1] = 0x40 | (s->fis_kind == FIS_PIO_OUT ? 0 : 0x20);
			fis[2] = status | ATA_ST_DRQ;
			fis[3] = error;
			fis[15] = status;	/* E_Status: the ending status */
			fis[16] = (u8)s->xfer_done;
			fis[17] = (u8)(s->xfer_done >> 8);
			port_put_fis(p, RFIS_PIO, fis, 20);
			p->is |= PXIS_PSS;
		}
		/* a PIO data-in command ends with its PIO Setup FIS alone */
		if (!pio || s->fis_kind != FIS_PIO_IN) {
			memset(fis, 0, sizeof(fis));
			fis[0] = FIS_TYPE_D2H;
			fis[1] = 0x40;
			fis[2] = status;
			fis[3] = error;
			if (s->fis_kind == FIS_ATAPI || s->fis_kind == FIS_ATAPI_PIO)
				fis[12] = 0x03;		/* interrupt reason: I/O, C/D */
			if (x && x->sig)
				fis_put_sig(fis, port_sig(p));
			if (x && x->lba_set) {
				fis[4] = x->lba;
				fis[5] = x->lba >> 8;
				fis[6] = x->lba >> 16;
				fis[7] = 0x40 | ((x->lba >> 24) & 0xf);
				fis[8] = x->lba >> 24;
				fis[9] = x->lba >> 32;
				fis[10] = x->lba >> 40;
			}
			if (x && x->count_set)
				fis[12] = x->count;
			port_put_fis(p, RFIS_D2H, fis, 20);
			p->is |= PXIS_DHRS;
		}
	}
	if (err) {
		p->is |= PXIS_TFES;
		p->halted = true;
	}
	slot_stat_end(p, s, err);
	slot_release(p, s);
}

static void slot_ok(struct ahci_port *p, struct ahci_slot *s)
{
	u8 st = ATA_ST_DRDY;

	if (p->type == AHCI_DEV_DISK)
		st |= ATA_ST_DSC;
	slot_finish(p, s, st, 0, NULL, false);
}

static void slot_err(struct ahci_port *p, struct ahci_slot *s, u8 error,
		     bool hba_fault)
{
	slot_finish(p, s, ATA_ST_DRDY | ATA_ST_ERR, error, NULL, hba_fault);
}

/* ---- backend requests ---- */

static void ahci_req_done(struct blk_req *req, int error);

/* Whether a request of this port is with a backend (it will complete). */
static bool port_busy(const struct ahci_port *p)
{
	unsigned int i;

	for (i = 0; i < AHCI_NR_SLOTS; i++)
		if (p->slots[i].inflight)
			return true;
	return false;
}

/* The backend took the slot's request: count and time it from here. */
static void slot_inflight(struct ahci_port *p, struct ahci_slot *s)
{
	s->inflight = true;
	s->measured = true;
	p->h->inflight++;
	blkstat_submitted(&p->bs, &s->req);
}

static int slot_submit(struct ahci_port *p, struct ahci_slot *s, u8 step)
{
	struct ahci *h = p->h;
	int r;

	s->step = step;
	s->req.done = ahci_req_done;
	s->req.priv = s;
	s->req.segs = s->segs;
	s->req.backend_priv = NULL;
	/* each chunk or range is timed afresh from the command's doorbell */
	memset(s->req.t, 0, sizeof(s->req.t));
	s->req.t[BLK_T_NOTIFY] = s->t_notify;
	s->req.t[BLK_T_SUBMIT] = now(h);
	r = blk_req_check(s->be, &s->req);
	if (r)
		return r;
	r = blk_submit(s->be, &s->req);
	if (r == -EBUSY && port_busy(p)) {
		/* the backend is full: retried when one of ours completes */
		s->parked = true;
		return 0;
	}
	if (r)
		return r;
	slot_inflight(p, s);
	return 0;
}

/* Resubmit what -EBUSY parked, now that a request of the port is done. */
static void slot_step_failed(struct ahci_port *p, struct ahci_slot *s, int r);

static void port_unpark(struct ahci_port *p)
{
	unsigned int i;
	int r;

	for (i = 0; i < AHCI_NR_SLOTS; i++) {
		struct ahci_slot *s = &p->slots[i];

		if (!s->parked)
			continue;
		s->parked = false;
		if (s->state != AHCI_SLOT_RUN)
			continue;
		r = blk_submit(s->be, &s->req);
		if (r == -EBUSY && port_busy(p)) {
			s->parked = true;
			return;
		}
		if (r) {
			slot_step_failed(p, s, r);
			continue;
		}
		slot_inflight(p, s);
	}
}

/* Start the next chunk of a READ/WRITE: 0, or a negative error. */
static int slot_data_chunk(struct ahci_port *p, struct ahci_slot *s)
{
	u64 want = s->xfer_len - s->xfer_done;
	bool ended;
	s64 got;

	if (want > BLK_MAX_BYTES)
		want = BLK_MAX_BYTES;
	got = prd_take(p, s, want, s->be->block_size, !s->write, &ended);
	if (got < 0)
		return (int)got;
	if ((u64)got < want && ended)
		return -ENOSPC;		/* PRDT shorter than the transfer */
	s->req.op = s->write ? BLK_OP_WRITE : BLK_OP_READ;
	s->req.offset = s->dev_off + s->xfer_done;
	s->req.len = (u64)got;
	return slot_submit(p, s, STEP_DATA);
}

static int slot_flush(struct ahci_port *p, struct ahci_slot *s)
{
	s->be = p->be;
	s->req.op = BLK_OP_FLUSH;
	s->req.offset = 0;
	s->req.len = 0;
	s->req.nr_segs = 0;
	return slot_submit(p, s, STEP_FLUSH);
}

/* Error register for a failure of a started transfer. */
static u8 data_error(const struct ahci_slot *s, int r)
{
	if (r == -EFAULT || r == -ENOSPC || r == -E2BIG)
		return ATA_ER_ABRT;
	return s->write ? ATA_ER_ABRT : ATA_ER_UNC | ATA_ER_ABRT;
}

static bool hba_fault(int r)
{
	return r == -EFAULT || r == -ENOSPC || r == -E2BIG;
}

static void atapi_fail(struct ahci_port *p, struct ahci_slot *s)
{
	slot_finish(p, s, ATA_ST_DRDY | ATA_ST_ERR,
		    atapi_error_reg(&p->atapi), NULL, false);
}

/* Next TRIM range: submit it (0), none left (1), or an error (<0). */
static int slot_trim_next(struct ahci_port *p, struct ahci_slot *s)
{
	u64 sectors = p->be->size / ATA_SECTOR;

	while (s->dsm_idx < s->dsm_nr) {
		u64 e = vmm_get_le64(p->buf + 8 * s->dsm_idx);
		u64 lba = e & (ATA_LBA48_LIMIT - 1);
		u64 cnt = e >> 48;

		s->dsm_idx++;
		if (!cnt)
			continue;
		if (lba > sectors || cnt > sectors - lba)
			return -ERANGE;
		s->be = p->be;
		s->req.op = BLK_OP_DISCARD;
		s->req.offset = lba * ATA_SECTOR;
		s->req.len = cnt * ATA_SECTOR;
		s->req.nr_segs = 0;
		return slot_submit(p, s, STEP_TRIM);
	}
	return 1;
}

static void slot_trim_step(struct ahci_port *p, struct ahci_slot *s)
{
	int r = slot_trim_next(p, s);

	if (r == 1)
		slot_ok(p, s);
	else if (r == -ERANGE)
		slot_err(p, s, ATA_ER_IDNF | ATA_ER_ABRT, false);
	else if (r)
		slot_err(p, s, ATA_ER_ABRT, false);
}

static void port_process(struct ahci_port *p);

/* One request of a slot came back: go on with its command or end it. */
static void slot_step_done(struct ahci_port *p, struct ahci_slot *s, int error)
{
	bool cd = p->type == AHCI_DEV_CDROM;
	int r;

	switch (s->step) {
	case STEP_DATA:
		if (error) {
			if (cd) {
				atapi_read_done(&p->atapi, error);
				atapi_fail(p, s);
			} else {
				slot_err(p, s, data_error(s, error), false);
			}
			return;
		}
		s->xfer_done += s->req.len;
		if (s->xfer_done < s->xfer_len) {
			r = slot_data_chunk(p, s);
			if (r) {
				if (cd) {
					atapi_read_done(&p->atapi, -EIO);
					atapi_fail(p, s);
				} else {
					slot_err(p, s, data_error(s, r), hba_fault(r));
				}
			}
			return;
		}
		if (cd) {
			atapi_read_done(&p->atapi, 0);
			slot_ok(p, s);
			return;
		}
		/* write cache off: a write is durable before it completes */
		if (s->write && !p->wcache) {
			r = slot_flush(p, s);
			if (r)
				slot_err(p, s, ATA_ER_ABRT, false);
			return;
		}
		slot_ok(p, s);
		return;
	case STEP_FLUSH:
		if (error)
			slot_err(p, s, ATA_ER_ABRT, false);
		else
			slot_ok(p, s);
		return;
	case STEP_TRIM:
		if (error)
			slot_err(p, s, ATA_ER_ABRT, false);
		else
			slot_trim_step(p, s);
		return;
	}
}

/* A parked request could not be resubmitted: end its command. */
static void slot_step_failed(struct ahci_port *p, struct ahci_slot *s, int r)
{
	if (p->type == AHCI_DEV_CDROM && s->step == STEP_DATA) {
		atapi_read_done(&p->atapi, -EIO);
		atapi_fail(p, s);
	} else {
		slot_err(p, s, s->step == STEP_DATA ? data_error(s, r) : ATA_ER_ABRT,
			 false);
	}
}

static void ahci_req_done(struct blk_req *req, int error)
{
	struct ahci_slot *s = req->priv;
	struct ahci_port *p = s->port;
	struct ahci *h = p->h;
	unsigned long flags = 0;

	vmm_lock(&h->lock, flags);
	req->t[BLK_T_DONE] = req->t[BLK_T_DONE] ? req->t[BLK_T_DONE] : now(h);
	s->inflight = false;
	h->inflight--;
	blkstat_done(&p->bs, req, error);
	if (s->state == AHCI_SLOT_ORPHAN)
		s->state = AHCI_SLOT_IDLE;	/* its command is gone */
	else if (s->state == AHCI_SLOT_RUN)
		slot_step_done(p, s, error);
	port_unpark(p);
	/* a slot freed or a non-queued command ended: start what waits */
	port_process(p);
	ahci_update_irq(h);
	vmm_unlock(&h->lock, flags);
}

/* ---- commands ---- */

static struct ata_ident *port_ident(struct ahci_port *p, struct ata_ident *id)
{
	memset(id, 0, sizeof(*id));
	id->serial = p->serial;
	id->firmware = "1.0";
	id->xfer_mode = p->xfer_mode;
	id->multiple = p->multiple;
	if (p->type == AHCI_DEV_DISK) {
		id->model = "VMM HARDDISK";
		id->sectors = p->be->size / ATA_SECTOR;
		id->trim = p->be->can_discard && !p->be->readonly;
		id->wcache = p->wcache;
	} else {
		id->model = "VMM DVD-ROM";
	}
	return id;
}

/* PIO data-in of len bytes built in p->buf (IDENTIFY, READ LOG EXT). */
static void cmd_pio_in(struct ahci_port *p, struct ahci_slot *s, u32 len)
{
	s64 n;

	s->fis_kind = FIS_PIO_IN;
	n = prd_copy(p, s, p->buf, len, true);
	if (n < 0 || (u64)n < len) {
		slot_err(p, s, ATA_ER_ABRT, true);
		return;
	}
	s->xfer_done = (u64)n;
	slot_ok(p, s);
}

/* READ/WRITE DMA, SECTORS, FPDMA QUEUED: the disk's data commands. */
static void cmd_rw(struct ahci_port *p, struct ahci_slot *s, u64 lba,
		   u32 nsect, bool write, u8 fis_kind)
{
	u64 sectors = p->be->size / ATA_SECTOR;
	int r;

	s->fis_kind = fis_kind;
	/* lba < 2^48: no overflow; an NCQ error log names these */
	s->dev_off = lba * ATA_SECTOR;
	s->xfer_len = (u64)nsect * ATA_SECTOR;
	if (lba > sectors || nsect > sectors - lba) {
		slot_err(p, s, ATA_ER_IDNF | ATA_ER_ABRT, false);
		return;
	}
	s->be = p->be;
	s->write = write;
	r = slot_data_chunk(p, s);
	if (r)
		slot_err(p, s, r == -EROFS ? ATA_ER_ABRT : data_error(s, r),
			 hba_fault(r));
	else if (s->ncq)
		p->ci &= ~(1u << s->nr);	/* the device accepted it */
}

static void cmd_dsm(struct ahci_port *p, struct ahci_slot *s,
		    const struct ata_tf *tf)
{
	u32 blocks = tf->count;
	s64 n;

	if (!(tf->features & 1) || !p->be->can_discard || p->be->readonly ||
	    !blocks || blocks > ATA_DSM_MAX_BLOCKS) {
		slot_err(p, s, ATA_ER_ABRT, false);
		return;
	}
	BUILD_BUG_ON(ATA_DSM_MAX_BLOCKS * ATA_SECTOR > ATAPI_BUF_SIZE);
	/* p->buf holds the ranges until the command ends: it is non-queued */
	n = prd_copy(p, s, p->buf, blocks * ATA_SECTOR, false);
	if (n < 0 || (u64)n < blocks * ATA_SECTOR) {
		slot_err(p, s, ATA_ER_ABRT, true);
		return;
	}
	s->xfer_done = (u64)n;
	s->dsm_idx = 0;
	s->dsm_nr = blocks * ATA_SECTOR / 8;
	slot_trim_step(p, s);
}

static void cmd_set_features(struct ahci_port *p, struct ahci_slot *s,
			     const struct ata_tf *tf)
{
	switch (tf->features & 0xff) {
	case ATA_SF_XFER_MODE:
		if (!ata_xfer_mode_ok(tf->count & 0xff))
			break;
		p->xfer_mode = tf->count & 0xff;
		slot_ok(p, s);
		return;
	case ATA_SF_WCACHE_ON:
	case ATA_SF_WCACHE_OFF:
		if (p->type != AHCI_DEV_DISK)
			break;
		p->wcache = (tf->features & 0xff) == ATA_SF_WCACHE_ON;
		slot_ok(p, s);
		return;
	case 0x10: case 0x90:	/* SATA features: accepted, nothing to do */
	case 0x55: case 0xaa:	/* read look-ahead off/on */
	case 0x66: case 0xcc:	/* power-on defaults off/on */
		slot_ok(p, s);
		return;
	}
	slot_err(p, s, ATA_ER_ABRT, false);
}

/* READ LOG EXT: the log directory and the NCQ command error log. */
static void cmd_read_log(struct ahci_port *p, struct ahci_slot *s,
			 const struct ata_tf *tf)
{
	u8 log = tf->lba & 0xff;
	u32 page = (tf->lba >> 8) & 0xff;
	u32 i;
	u8 sum = 0;

	if (tf->count != 1 || page) {
		slot_err(p, s, ATA_ER_ABRT, false);
		return;
	}
	memset(p->buf, 0, ATA_SECTOR);
	if (log == 0x00) {
		p->buf[0] = 0x01;		/* version */
		p->buf[2 * 0x10] = 1;		/* log 10h: one page */
	} else if (log == 0x10) {
		if (p->ncq_err_valid) {
			u64 lba = p->ncq_err_lba;

			p->buf[0] = p->ncq_err_tag;
			p->buf[2] = p->ncq_err_status;
			p->buf[3] = p->ncq_err_error;
			/* the failed command's LBA and count, for the sense data */
			p->buf[4] = lba;
			p->buf[5] = lba >> 8;
			p->buf[6] = lba >> 16;
			p->buf[7] = 0x40;
			p->buf[8] = lba >> 24;
			p->buf[9] = lba >> 32;
			p->buf[10] = lba >> 40;
			p->buf[12] = p->ncq_err_count;
			p->buf[13] = p->ncq_err_count >> 8;
		} else {
			p->buf[0] = 0x80;	/* NQ: no queued error */
		}
		for (i = 0; i < 511; i++)
			sum += p->buf[i];
		p->buf[511] = (u8)-sum;
		/* reading it ends the error condition (ACS 4.x) */
		p->ncq_err_valid = false;
	} else {
		slot_err(p, s, ATA_ER_ABRT, false);
		return;
	}
	cmd_pio_in(p, s, ATA_SECTOR);
}

static bool port_ncq_running(const struct ahci_port *p)
{
	unsigned int i;

	for (i = 0; i < AHCI_NR_SLOTS; i++)
		if (p->slots[i].state == AHCI_SLOT_RUN && p->slots[i].ncq)
			return true;
	return false;
}

static void cmd_disk(struct ahci_port *p, struct ahci_slot *s,
		     const struct ata_tf *tf)
{
	u64 sectors = p->be->size / ATA_SECTOR;
	struct d2h_extra x = { 0 };
	struct ata_ident id;
	u8 c = tf->command;

	switch (c) {
	case ATA_CMD_IDENTIFY:
		ata_identify_disk(p->buf, port_ident(p, &id));
		cmd_pio_in(p, s, ATA_SECTOR);
		return;
	case ATA_CMD_READ_DMA:
	case ATA_CMD_READ_DMA_NR:
	case ATA_CMD_WRITE_DMA:
	case ATA_CMD_WRITE_DMA_NR:
		cmd_rw(p, s, ata_tf_lba28(tf), ata_tf_nsect(tf, false),
		       c == ATA_CMD_WRITE_DMA || c == ATA_CMD_WRITE_DMA_NR, FIS_D2H);
		return;
	case ATA_CMD_READ_DMA_EXT:
	case ATA_CMD_WRITE_DMA_EXT:
		cmd_rw(p, s, tf->lba, ata_tf_nsect(tf, true),
		       c == ATA_CMD_WRITE_DMA_EXT, FIS_D2H);
		return;
	case ATA_CMD_READ_MULTIPLE:
	case ATA_CMD_WRITE_MULTIPLE:
	case ATA_CMD_READ_MULTIPLE_EXT:
	case ATA_CMD_WRITE_MULTIPLE_EXT:
		/* PIO by blocks of SET MULTIPLE MODE's size: off means abort */
		if (!p->multiple) {
			slot_err(p, s, ATA_ER_ABRT, false);
			return;
		}
		fallthrough;
	case ATA_CMD_READ_SECTORS:
	case ATA_CMD_READ_SECTORS_NR:
	case ATA_CMD_WRITE_SECTORS:
	case ATA_CMD_WRITE_SECTORS_NR:
	case ATA_CMD_READ_SECTORS_EXT:
	case ATA_CMD_WRITE_SECTORS_EXT: {
		/* the same data path as DMA; only the FISes differ */
		bool ext = c == ATA_CMD_READ_SECTORS_EXT || c == ATA_CMD_WRITE_SECTORS_EXT ||
			   c == ATA_CMD_READ_MULTIPLE_EXT || c == ATA_CMD_WRITE_MULTIPLE_EXT;
		bool wr = c == ATA_CMD_WRITE_SECTORS || c == ATA_CMD_WRITE_SECTORS_NR ||
			  c == ATA_CMD_WRITE_SECTORS_EXT || c == ATA_CMD_WRITE_MULTIPLE ||
			  c == ATA_CMD_WRITE_MULTIPLE_EXT;

		cmd_rw(p, s, ext ? tf->lba : ata_tf_lba28(tf), ata_tf_nsect(tf, ext), wr,
		       wr ? FIS_PIO_OUT : FIS_PIO_IN);
		return;
	}
	case ATA_CMD_READ_FPDMA:
	case ATA_CMD_WRITE_FPDMA:
		/* checked by the caller: the tag is this slot */
		cmd_rw(p, s, tf->lba, tf->features ? tf->features : 65536,
		       c == ATA_CMD_WRITE_FPDMA, FIS_SDB);
		return;
	case ATA_CMD_FLUSH:
	case ATA_CMD_FLUSH_EXT:
		if (slot_flush(p, s))
			slot_err(p, s, ATA_ER_ABRT, false);
		return;
	case ATA_CMD_DSM:
		cmd_dsm(p, s, tf);
		return;
	case ATA_CMD_SET_FEATURES:
		cmd_set_features(p, s, tf);
		return;
	case ATA_CMD_VERIFY:
	case ATA_CMD_VERIFY_EXT: {
		bool ext = c == ATA_CMD_VERIFY_EXT;
		u64 lba = ext ? tf->lba : ata_tf_lba28(tf);
		u32 n = ata_tf_nsect(tf, ext);

		if (lba > sectors || n > sectors - lba)
			slot_err(p, s, ATA_ER_IDNF | ATA_ER_ABRT, false);
		else
			slot_ok(p, s);
		return;
	}
	case ATA_CMD_READ_NATIVE_MAX:
		x.lba_set = true;
		x.lba = (sectors < ATA_LBA28_LIMIT ? sectors : ATA_LBA28_LIMIT) - 1;
		slot_finish(p, s, ATA_ST_DRDY | ATA_ST_DSC, 0, &x, false);
		return;
	case ATA_CMD_READ_NATIVE_MAX_EXT:
		x.lba_set = true;
		x.lba = sectors - 1;
		slot_finish(p, s, ATA_ST_DRDY | ATA_ST_DSC, 0, &x, false);
		return;
	case ATA_CMD_CHECK_POWER:
		x.count_set = true;
		x.count = 0xff;			/* active or idle */
		slot_finish(p, s, ATA_ST_DRDY | ATA_ST_DSC, 0, &x, false);
		return;
	case ATA_CMD_EXEC_DIAG:
		x.sig = true;
		slot_finish(p, s, ATA_ST_DRDY | ATA_ST_DSC, 0x01, &x, false);
		return;
	case ATA_CMD_SET_MULTIPLE: {
		u8 n = tf->count & 0xff;

		if (n > 16 || (n & (n - 1))) {
			slot_err(p, s, ATA_ER_ABRT, false);
			return;
		}
		p->multiple = n;
		slot_ok(p, s);
		return;
	}
	case ATA_CMD_READ_LOG_EXT:
		cmd_read_log(p, s, tf);
		return;
	case ATA_CMD_INIT_DEV_PARAMS:
	case ATA_CMD_STANDBY_IMM:
	case ATA_CMD_IDLE_IMM:
	case ATA_CMD_STANDBY:
	case ATA_CMD_IDLE:
	case ATA_CMD_SLEEP:
		slot_ok(p, s);
		return;
	default:
		/* IDENTIFY PACKET DEVICE lands here: a disk aborts it */
		slot_err(p, s, ATA_ER_ABRT, false);
		return;
	}
}

static void cmd_packet(struct ahci_port *p, struct ahci_slot *s,
		       const struct ata_tf *tf, const u8 *cdb)
{
	struct atapi_xfer x = { 0 };
	bool dma = tf->features & 1;
	enum atapi_result res;
	s64 n;
	int r;

	s->fis_kind = dma ? FIS_ATAPI : FIS_ATAPI_PIO;
	res = atapi_command(&p->atapi, cdb, p->buf, &x);
	switch (res) {
	case ATAPI_DATA:
		if (x.len > ATAPI_BUF_SIZE)
			x.len = ATAPI_BUF_SIZE;
		/* a PRDT shorter than the data gets what fits, as a drive's
		 * byte count limit would */
		n = prd_copy(p, s, p->buf, x.len, true);
		if (n < 0) {
			slot_err(p, s, ATA_ER_ABRT, true);
			return;
		}
		s->xfer_done = (u64)n;
		slot_ok(p, s);
		return;
	case ATAPI_READ:
		if (!p->atapi.medium || !x.nbytes) {
			atapi_read_done(&p->atapi, -EIO);
			atapi_fail(p, s);
			return;
		}
		s->be = p->atapi.medium;
		s->write = false;
		s->dev_off = x.offset;
		s->xfer_len = x.nbytes;
		r = slot_data_chunk(p, s);
		if (r) {
			atapi_read_done(&p->atapi, -EIO);
			if (hba_fault(r))
				p->serr |= SERR_E;
			atapi_fail(p, s);
		}
		return;
	case ATAPI_CHECK:
	default:
		atapi_fail(p, s);
		return;
	}
}

static void cmd_cdrom(struct ahci_port *p, struct ahci_slot *s,
		      const struct ata_tf *tf, const u8 *cdb)
{
	struct d2h_extra x = { 0 };
	struct ata_ident id;

	s->fis_kind = FIS_ATAPI;
	switch (tf->command) {
	case ATA_CMD_PACKET:
		cmd_packet(p, s, tf, cdb);
		return;
	case ATA_CMD_IDENTIFY_PACKET:
		ata_identify_cdrom(p->buf, port_ident(p, &id));
		cmd_pio_in(p, s, ATA_SECTOR);
		return;
	case ATA_CMD_IDENTIFY:
		/* a packet device aborts it and shows its signature */
		x.sig = true;
		slot_finish(p, s, ATA_ST_DRDY | ATA_ST_ERR, ATA_ER_ABRT, &x, false);
		return;
	case ATA_CMD_DEVICE_RESET:
		atapi_reset(&p->atapi);
		x.sig = true;
		slot_finish(p, s, 0, 0x01, &x, false);
		return;
	case ATA_CMD_EXEC_DIAG:
		x.sig = true;
		slot_finish(p, s, 0, 0x01, &x, false);
		return;
	case ATA_CMD_CHECK_POWER:
		x.count_set = true;
		x.count = 0xff;
		slot_finish(p, s, ATA_ST_DRDY, 0, &x, false);
		return;
	case ATA_CMD_SET_FEATURES:
		cmd_set_features(p, s, tf);
		return;
	case ATA_CMD_STANDBY_IMM:
	case ATA_CMD_IDLE_IMM:
	case ATA_CMD_STANDBY:
	case ATA_CMD_IDLE:
	case ATA_CMD_SLEEP:
		slot_ok(p, s);
		return;
	default:
		/* never a disk command: no geometry to divide by here */
		slot_err(p, s, ATA_ER_ABRT, false);
		return;
	}
}

/* A control FIS (C = 0): only SRST matters. */
static void cmd_control(struct ahci_port *p, struct ahci_slot *s,
			const struct ata_tf *tf)
{
	if (tf->control & ATA_CTL_SRST) {
		p->srst = true;
		p->tfd = ATA_ST_BSY;
	} else if (p->srst) {
		port_device_reset(p);
	}
	/* no FIS, no interrupt: the host polls PxCI (R_OK / C bit) */
	slot_write_prdbc(p, s);
	p->ci &= ~(1u << s->nr);
	slot_release(p, s);
}

/* Start the command in slot nr (PxCI bit set, slot idle, port running). */
static void port_start(struct ahci_port *p, unsigned int nr)
{
	struct ahci *h = p->h;
	struct ahci_slot *s = &p->slots[nr];
	u8 hdr[16], cfis[20], cdb[ATAPI_CDB_LEN];
	struct ata_tf tf;
	u64 hdr_gpa;

	s->state = AHCI_SLOT_RUN;
	s->gen++;
	s->ncq = false;
	s->write = false;
	s->fis_kind = FIS_D2H;
	s->xfer_done = 0;
	s->xfer_len = 0;
	s->dev_off = 0;
	s->prd_idx = 0;
	s->prd_skip = 0;
	s->prdtl = 0;
	s->be = NULL;
	memset(&s->req, 0, sizeof(s->req));
	s->measured = false;
	s->t_notify = now(h);
	p->nr_cmds++;
	p->cmd = (p->cmd & ~PXCMD_CCS_MASK) | nr << PXCMD_CCS_SHIFT;

	if (p->type == AHCI_DEV_NONE) {
		slot_err(p, s, ATA_ER_ABRT, true);
		return;
	}
	hdr_gpa = port_clb(p) + (u64)nr * 32;
	if (!gm_read(h, hdr_gpa, hdr, sizeof(hdr))) {
		slot_err(p, s, ATA_ER_ABRT, true);
		return;
	}
	s->prdtl = vmm_get_le32(hdr) >> 16;
	s->ctba = vmm_get_le64(hdr + 8) & ~0x7fULL;
	if (!gm_read(h, s->ctba + CT_CFIS, cfis, sizeof(cfis)) ||
	    !gm_read(h, s->ctba + CT_ACMD, cdb, sizeof(cdb)) ||
	    cfis[0] != FIS_TYPE_H2D) {
		slot_err(p, s, ATA_ER_ABRT, true);
		return;
	}
	ata_tf_from_fis(&tf, cfis);
	s->command = tf.command;
	if (!tf.is_cmd) {
		cmd_control(p, s, &tf);
		return;
	}
	if (p->srst) {
		/* a command while the device is held in reset */
		slot_err(p, s, ATA_ER_ABRT, false);
		return;
	}
	if (p->type == AHCI_DEV_DISK &&
	    (tf.command == ATA_CMD_READ_FPDMA || tf.command == ATA_CMD_WRITE_FPDMA)) {
		s->ncq = true;
		if (((tf.count >> 3) & 0x1f) != nr) {
			slot_err(p, s, ATA_ER_ABRT, false);
			return;
		}
	} else {
		if (port_ncq_running(p)) {
			/* ATA: a non-queued command aborts while NCQ runs */
			slot_err(p, s, ATA_ER_ABRT, false);
			return;
		}
		p->nonq = nr;
	}
	if (p->type == AHCI_DEV_DISK)
		cmd_disk(p, s, &tf);
	else
		cmd_cdrom(p, s, &tf, cdb);
}

/*
 * A device that is there but whose link is down (COMRESET held, PHY
 * offline) takes no command: they wait in PxCI until the link is up, or
 * are dropped by clearing ST. An empty port still fails them (port_start).
 */
static bool port_link_down(const struct ahci_port *p)
{
	return p->type != AHCI_DEV_NONE && (p->ssts & 0xf) != (SSTS_UP & 0xf);
}

/* Start what PxCI holds that can run now. */
static void port_process(struct ahci_port *p)
{
	unsigned int i;

	for (i = 0; i < AHCI_NR_SLOTS; i++) {
		if (!(p->cmd & PXCMD_ST) || p->halted || p->nonq >= 0 ||
		    port_link_down(p))
			return;
		if (!(p->ci & (1u << i)) || p->slots[i].state != AHCI_SLOT_IDLE)
			continue;
		port_start(p, i);
	}
}

/* The guest sets PxCI bits. */
static void port_write_ci(struct ahci_port *p, u32 val)
{
	u32 newly = val & ~p->ci;
	unsigned int i;

	if (!(p->cmd & PXCMD_ST) || !newly)
		return;
	/* a held tag issued again: as if its completion had come just before */
	if (newly & p->held)
		port_post_held(p);
	for (i = 0; i < AHCI_NR_SLOTS; i++) {
		struct ahci_slot *s = &p->slots[i];

		if (!(newly & (1u << i)))
			continue;
		p->ci |= 1u << i;
		if (s->state == AHCI_SLOT_RUN && !p->halted) {
			/*
			 * Only a queued command's slot runs with its PxCI bit
			 * clear: the guest reused a busy NCQ tag. Fail the
			 * port; the running command stays the slot's. What
			 * completed before is posted before the error.
			 */
			port_post_held(p);
			p->tfd = (u32)ATA_ER_ABRT << 8 | ATA_ST_DRDY | ATA_ST_ERR;
			p->is |= PXIS_TFES;
			p->halted = true;
			p->nr_errors++;
		}
	}
	port_process(p);
}

/* ---- registers ---- */

static void port_write_cmd(struct ahci_port *p, u32 val)
{
	u32 old = p->cmd;

	p->cmd = (old & ~PXCMD_RW) | (val & PXCMD_RW);
	if (val & PXCMD_CLO)
		p->tfd &= ~(u32)(ATA_ST_BSY | ATA_ST_DRQ);
	/* FR and CR mirror FRE and ST: the HBA has no engine to wind down */
	p->cmd &= ~(PXCMD_FR | PXCMD_CR);
	if (p->cmd & PXCMD_FRE)
		p->cmd |= PXCMD_FR;
	if (p->cmd & PXCMD_ST)
		p->cmd |= PXCMD_CR;
	if ((p->cmd & PXCMD_FRE) && !(old & PXCMD_FRE) && p->sig_fis_due)
		port_sig_fis(p);
	if (!(p->cmd & PXCMD_ST) && (old & PXCMD_ST))
		port_stop(p);
}

static void port_write_sctl(struct ahci_port *p, u32 val)
{
	u32 old_det = p->sctl & 0xf, det = val & 0xf;

	p->sctl = val & 0xfff;
	if (det == old_det)
		return;
	if (det == 1 || det == 4) {
		/* COMRESET or PHY off: the device and its commands are gone */
		port_stop(p);
		p->ssts = det == 4 ? 4 : (p->type != AHCI_DEV_NONE ? 1 : 0);
		p->tfd = p->type != AHCI_DEV_NONE ? ATA_ST_BSY : 0x7f;
		p->sig = SIG_NONE;
	} else if (det == 0) {
		port_link_up(p);
		port_process(p);
	}
}

static u32 port_read(struct ahci_port *p, u32 reg)
{
	switch (reg) {
	case PX_CLB:	return p->clb;
	case PX_CLBU:	return p->clbu;
	case PX_FB:	return p->fb;
	case PX_FBU:	return p->fbu;
	case PX_IS:	return p->is;
	case PX_IE:	return p->ie;
	case PX_CMD:	return p->cmd;
	case PX_TFD:	return p->tfd;
	case PX_SIG:	return p->sig;
	case PX_SSTS:	return p->ssts;
	case PX_SCTL:	return p->sctl;
	case PX_SERR:	return p->serr;
	case PX_SACT:	return p->sact;
	case PX_CI:	return p->ci;
	default:	return 0;
	}
}

static void port_write(struct ahci_port *p, u32 reg, u32 val)
{
	switch (reg) {
	case PX_CLB:
		p->clb = val & ~0x3ffu;
		break;
	case PX_CLBU:
		p->clbu = val;
		break;
	case PX_FB:
		p->fb = val & ~0xffu;
		break;
	case PX_FBU:
		p->fbu = val;
		break;
	case PX_IS:
		/* the driver acknowledges the completions it was told of */
		if (p->bs.ack_n && (val & p->is & PXIS_DONE_BITS))
			blkstat_ack(&p->bs, now(p->h));
		p->is &= ~(val & PXIS_MASK);
		break;
	case PX_IE:
		p->ie = val & PXIS_MASK;
		break;
	case PX_CMD:
		port_write_cmd(p, val);
		break;
	case PX_SCTL:
		port_write_sctl(p, val);
		break;
	case PX_SERR:
		p->serr &= ~val;
		break;
	case PX_SACT:
		/* a held tag set again: post it first (see port_write_ci) */
		if ((p->cmd & PXCMD_ST) && (val & p->held))
			port_post_held(p);
		if (p->cmd & PXCMD_ST)
			p->sact |= val;
		break;
	case PX_CI:
		port_write_ci(p, val);
		break;
	}
}

static void port_reset_regs(struct ahci_port *p)
{
	port_stop(p);
	p->clb = p->clbu = p->fb = p->fbu = 0;
	p->is = p->ie = p->serr = p->sctl = 0;
	p->irq_seen = 0;
	p->cmd = PXCMD_SUD | PXCMD_POD;
	p->sig_fis_due = false;
	port_link_up(p);
}

static void hba_reset(struct ahci *h)
{
	unsigned int i;

	for (i = 0; i < AHCI_NR_PORTS; i++)
		port_reset_regs(&h->ports[i]);
	h->ghc = GHC_AE;
	h->is = 0;
}

static u32 hba_read(struct ahci *h, u32 off)
{
	if (off >= HBA_PORTS) {
		u32 n = (off - HBA_PORTS) / HBA_PORT_SIZE;

		if (n >= AHCI_NR_PORTS)
			return 0;
		return port_read(&h->ports[n], (off - HBA_PORTS) % HBA_PORT_SIZE);
	}
	switch (off) {
	case HBA_CAP:	return CAP_VALUE;
	case HBA_GHC:	return h->ghc;
	case HBA_IS:	return h->is;
	case HBA_PI:	return PI_VALUE;
	case HBA_VS:	return VS_VALUE;
	default:	return 0;
	}
}

/* Registers a partial write must not merge with: W1C and W1S ones. */
static bool reg_no_merge(u32 off)
{
	u32 r;

	if (off == HBA_IS)
		return true;
	if (off < HBA_PORTS)
		return false;
	r = (off - HBA_PORTS) % HBA_PORT_SIZE;
	return r == PX_IS || r == PX_SERR || r == PX_SACT || r == PX_CI;
}

static void hba_write(struct ahci *h, u32 off, u32 val)
{
	if (off >= HBA_PORTS) {
		u32 n = (off - HBA_PORTS) / HBA_PORT_SIZE;

		if (n < AHCI_NR_PORTS)
			port_write(&h->ports[n], (off - HBA_PORTS) % HBA_PORT_SIZE, val);
		return;
	}
	switch (off) {
	case HBA_GHC:
		if (val & GHC_HR) {
			hba_reset(h);
			break;
		}
		/* AE stays set: CAP.SAM, AHCI only */
		h->ghc = GHC_AE | (val & GHC_IE);
		break;
	case HBA_IS:
		h->is &= ~val;
		break;
	}
}

bool ahci_write_chains(u32 off)
{
	return off >= HBA_PORTS && off < HBA_PORTS + AHCI_NR_PORTS * HBA_PORT_SIZE &&
	       (off - HBA_PORTS) % HBA_PORT_SIZE == PX_SACT;
}

u64 ahci_mmio_read(struct ahci *h, u32 off, unsigned int size)
{
	unsigned long flags = 0;
	u64 v;

	if (off >= AHCI_ABAR_SIZE)
		return 0;
	if (size == 8)
		return ahci_mmio_read(h, off, 4) |
		       (off + 4 < AHCI_ABAR_SIZE ? ahci_mmio_read(h, off + 4, 4) << 32 : 0);
	vmm_lock(&h->lock, flags);
	v = hba_read(h, off & ~3u);
	vmm_unlock(&h->lock, flags);
	v >>= 8 * (off & 3);
	if (size == 1)
		v &= 0xff;
	else if (size == 2)
		v &= 0xffff;
	else
		v &= 0xffffffff;
	return v;
}

void ahci_mmio_write(struct ahci *h, u32 off, unsigned int size, u64 val)
{
	unsigned long flags = 0;
	u32 reg = off & ~3u, shift = 8 * (off & 3), mask, v;

	if (off >= AHCI_ABAR_SIZE)
		return;
	if (size == 8) {
		ahci_mmio_write(h, off, 4, val & 0xffffffff);
		if (off + 4 < AHCI_ABAR_SIZE)
			ahci_mmio_write(h, off + 4, 4, val >> 32);
		return;
	}
	if (size == 1)
		mask = 0xff;
	else if (size == 2)
		mask = 0xffff;
	else
		mask = 0xffffffff;
	/* bytes beyond the dword are dropped */
	mask = (u32)((u64)mask << shift);
	v = (u32)(val << shift) & mask;
	vmm_lock(&h->lock, flags);
	if (mask != 0xffffffff && !reg_no_merge(reg))
		v |= hba_read(h, reg) & ~mask & ~(reg == HBA_GHC ? GHC_HR : 0);
	hba_write(h, reg, v);
	ahci_update_irq(h);
	vmm_unlock(&h->lock, flags);
}

void ahci_init(struct ahci *h, const struct blk_gmem_ops *mem, void *mem_opaque,
	       const struct ahci_host_ops *ops, void *opaque)
{
	unsigned int i, j;

	memset(h, 0, sizeof(*h));
	vmm_lock_init(&h->lock);
	h->mem = mem;
	h->mem_opaque = mem_opaque;
	h->ops = ops;
	h->opaque = opaque;
	for (i = 0; i < AHCI_NR_PORTS; i++) {
		struct ahci_port *p = &h->ports[i];

		p->h = h;
		p->nr = i;
		p->nonq = -1;
		for (j = 0; j < AHCI_NR_SLOTS; j++) {
			p->slots[j].port = p;
			p->slots[j].nr = j;
		}
		port_reset_regs(p);
	}
	h->ghc = GHC_AE;
}

int ahci_attach(struct ahci *h, unsigned int port, enum ahci_dev_type type,
		struct blk_backend *be)
{
	struct ahci_port *p;
	unsigned long flags = 0;

	if (port >= AHCI_NR_PORTS)
		return -EINVAL;
	p = &h->ports[port];
	if (type == AHCI_DEV_DISK) {
		if (!be || be->block_size != ATA_SECTOR || be->size < ATA_SECTOR)
			return -EINVAL;
	} else if (type == AHCI_DEV_CDROM) {
		if (be && be->block_size != ATAPI_SECTOR)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (p->type != AHCI_DEV_NONE)
		return -EBUSY;
	vmm_lock(&h->lock, flags);
	p->type = type;
	p->be = type == AHCI_DEV_DISK ? be : NULL;
	memcpy(p->serial, "VMM00000000000000000", 20);
	p->serial[19] = '0' + port;
	p->serial[18] = type == AHCI_DEV_DISK ? 'D' : 'C';
	if (type == AHCI_DEV_CDROM)
		atapi_init(&p->atapi, be);
	port_link_up(p);
	ahci_publish(h);
	vmm_unlock(&h->lock, flags);
	return 0;
}

int ahci_change_medium(struct ahci *h, unsigned int port, struct blk_backend *be)
{
	unsigned long flags = 0;
	struct ahci_port *p;

	if (port >= AHCI_NR_PORTS)
		return -EINVAL;
	p = &h->ports[port];
	if (p->type != AHCI_DEV_CDROM || (be && be->block_size != ATAPI_SECTOR))
		return -EINVAL;
	vmm_lock(&h->lock, flags);
	atapi_change_medium(&p->atapi, be);
	ahci_publish(h);
	vmm_unlock(&h->lock, flags);
	return 0;
}

void ahci_set_regs_page(struct ahci *h, void *page)
{
	unsigned long flags = 0;
	u32 *r = page;

	vmm_lock(&h->lock, flags);
	h->regs = r;
	if (r) {
		vmm_store32(&r[HBA_CAP / 4], CAP_VALUE);
		vmm_store32(&r[HBA_PI / 4], PI_VALUE);
		vmm_store32(&r[HBA_VS / 4], VS_VALUE);
	}
	ahci_publish(h);
	vmm_unlock(&h->lock, flags);
}

void ahci_set_coalesce(struct ahci *h, u32 usecs, u32 max)
{
	unsigned long flags = 0;

	if (usecs > 10000)
		usecs = 10000;
	if (max > AHCI_NR_SLOTS)
		max = AHCI_NR_SLOTS;
	vmm_lock(&h->lock, flags);
	h->coalesce_ns = max >= 2 ? (u64)usecs * 1000 : 0;
	h->coalesce_max = max;
	vmm_unlock(&h->lock, flags);
}

void ahci_timer_fire(struct ahci *h)
{
	unsigned long flags = 0;
	unsigned int i;

	vmm_lock(&h->lock, flags);
	h->timer_pending = false;
	for (i = 0; i < AHCI_NR_PORTS; i++)
		port_post_held(&h->ports[i]);
	ahci_update_irq(h);
	vmm_unlock(&h->lock, flags);
}

void ahci_reset(struct ahci *h)
{
	unsigned long flags = 0;

	vmm_lock(&h->lock, flags);
	hba_reset(h);
	ahci_update_irq(h);
	vmm_unlock(&h->lock, flags);
}

unsigned int ahci_inflight(struct ahci *h)
{
	unsigned long flags = 0;
	unsigned int n;

	vmm_lock(&h->lock, flags);
	n = h->inflight;
	vmm_unlock(&h->lock, flags);
	return n;
}
