// SPDX-License-Identifier: GPL-2.0
/*
 * PCI bus 0, configuration mechanism #1, and the i440FX/PIIX3 chipset
 * functions: see vpci.h for the design.
 */
#include "vpci.h"

#ifdef __KERNEL__
#define READ_ONCE_BYTE(x)	READ_ONCE(x)
#else
#define READ_ONCE_BYTE(x)	(*(const volatile u8 *)&(x))
#endif

static u32 vpci_ones(unsigned int size)
{
	return size >= 4 ? ~0u : (1u << (8 * size)) - 1;
}

static bool vpci_size_ok(unsigned int size)
{
	return size == 1 || size == 2 || size == 4;
}

void vpci_dev_init(struct vpci_dev *d, u16 vendor, u16 device, u32 class_code,
		  u8 revision, u8 header_type)
{
	unsigned int i;

	memset(d, 0, sizeof(*d));
	vpci_set_word(d, VPCI_VENDOR_ID, vendor);
	vpci_set_word(d, VPCI_DEVICE_ID, device);
	d->cfg[VPCI_REVISION_ID] = revision;
	d->cfg[VPCI_CLASS_PROG] = class_code;
	vpci_set_word(d, VPCI_CLASS_DEVICE, class_code >> 8);
	d->cfg[VPCI_HEADER_TYPE] = header_type;

	d->wmask[VPCI_COMMAND] = VPCI_COMMAND_IO | VPCI_COMMAND_MEMORY |
				VPCI_COMMAND_MASTER | VPCI_COMMAND_PARITY;
	d->wmask[VPCI_COMMAND + 1] = (VPCI_COMMAND_SERR | VPCI_COMMAND_INTX_DISABLE) >> 8;
	d->w1cmask[VPCI_STATUS + 1] = VPCI_STATUS_ERRORS >> 8;
	d->wmask[VPCI_CACHE_LINE_SIZE] = 0xff;
	d->wmask[VPCI_LATENCY_TIMER] = 0xff;
	d->wmask[VPCI_INTERRUPT_LINE] = 0xff;
	for (i = 0; i < VPCI_NR_BARS; i++)
		d->bar[i].mapped = VPCI_BAR_UNMAPPED;
}

void vpci_dev_set_irq_pin(struct vpci_dev *d, u8 pin)
{
	d->cfg[VPCI_INTERRUPT_PIN] = pin <= 4 ? pin : 0;
}

int vpci_dev_set_bar(struct vpci_dev *d, unsigned int n, u8 flags, u64 size)
{
	u32 off = VPCI_BASE_ADDRESS_0 + 4 * n;
	u64 mask = ~(size - 1);

	if (n >= VPCI_NR_BARS || !size || (size & (size - 1)))
		return -EINVAL;
	/* The upper half of a 64-bit BAR is not a BAR of its own. */
	if (n > 0 && d->bar[n - 1].size && (d->bar[n - 1].flags & VPCI_BAR_MEM64))
		return -EINVAL;
	if (flags & VPCI_BAR_IO) {
		if (flags != VPCI_BAR_IO || size < 4 || size > 256)
			return -EINVAL;
	} else {
		if (flags & ~(VPCI_BAR_MEM64 | VPCI_BAR_PREFETCH) || size < 16)
			return -EINVAL;
		if (flags & VPCI_BAR_MEM64) {
			if (n >= VPCI_NR_BARS - 1 || size > (1ULL << 63))
				return -EINVAL;
		} else if (size > (1ULL << 31)) {
			return -EINVAL;
		}
	}

	d->bar[n].size = size;
	d->bar[n].flags = flags;
	d->bar[n].mapped = VPCI_BAR_UNMAPPED;
	/* Address bits below the size are read-only zero: that is sizing. */
	vpci_set_long(d, off, flags);
	d->wmask[off] = (u8)mask & (flags & VPCI_BAR_IO ? 0xfc : 0xf0);
	d->wmask[off + 1] = mask >> 8;
	d->wmask[off + 2] = mask >> 16;
	d->wmask[off + 3] = mask >> 24;
	if (flags & VPCI_BAR_MEM64) {
		d->bar[n + 1].size = 0;
		d->bar[n + 1].mapped = VPCI_BAR_UNMAPPED;
		vpci_set_long(d, off + 4, 0);
		d->wmask[off + 4] = mask >> 32;
		d->wmask[off + 5] = mask >> 40;
		d->wmask[off + 6] = mask >> 48;
		d->wmask[off + 7] = mask >> 56;
	}
	return 0;
}

/*
 * Where BAR n decodes now. Not at all with its command bit clear, at
 * address 0, or when the range wraps or reaches the top of its space: the
 * last case covers a BAR holding all ones while it is being sized.
 */
static u64 vpci_bar_decode(const struct vpci_dev *d, unsigned int n)
{
	const struct vpci_bar *b = &d->bar[n];
	u32 off = VPCI_BASE_ADDRESS_0 + 4 * n;
	u16 cmd = vpci_get_word(d, VPCI_COMMAND);
	u64 addr, last;

	if (b->flags & VPCI_BAR_IO) {
		if (!(cmd & VPCI_COMMAND_IO))
			return VPCI_BAR_UNMAPPED;
		addr = vpci_get_long(d, off) & ~3u;
	} else {
		if (!(cmd & VPCI_COMMAND_MEMORY))
			return VPCI_BAR_UNMAPPED;
		addr = vpci_get_long(d, off) & ~0xfu;
		if (b->flags & VPCI_BAR_MEM64)
			addr |= (u64)vpci_get_long(d, off + 4) << 32;
	}
	last = addr + b->size - 1;
	if (!addr || last < addr)
		return VPCI_BAR_UNMAPPED;
	if ((b->flags & VPCI_BAR_IO) ? last > 0xffff : last == 0xffffffffu)
		return VPCI_BAR_UNMAPPED;
	return addr;
}

static void vpci_update_bars(struct vpci_dev *d)
{
	unsigned int i;
	u64 addr, old;

	for (i = 0; i < VPCI_NR_BARS; i++) {
		struct vpci_bar *b = &d->bar[i];

		if (!b->size)
			continue;
		addr = vpci_bar_decode(d, i);
		if (addr == b->mapped)
			continue;
		old = b->mapped;
		b->mapped = addr;
		if (d->bar_changed)
			d->bar_changed(d, i, old, addr);
	}
}

static bool vpci_range_hits(u32 off, unsigned int size, u32 lo, u32 end)
{
	return off < end && off + size > lo;
}

static u32 vpci_dev_read(const struct vpci_dev *d, u32 off, unsigned int size)
{
	unsigned int i;
	u32 val = 0;

	for (i = 0; i < size; i++)
		val |= (u32)d->cfg[off + i] << (8 * i);
	return val;
}

static void vpci_dev_write(struct vpci_dev *d, u32 off, u32 val, unsigned int size)
{
	unsigned int i;

	for (i = 0; i < size; i++) {
		u32 o = off + i;
		u8 b = val >> (8 * i);

		d->cfg[o] = (d->cfg[o] & ~d->wmask[o]) | (b & d->wmask[o]);
		d->cfg[o] &= ~(b & d->w1cmask[o]);
	}
	if (vpci_range_hits(off, size, VPCI_COMMAND, VPCI_COMMAND + 2) ||
	    vpci_range_hits(off, size, VPCI_BASE_ADDRESS_0,
			   VPCI_BASE_ADDRESS_0 + 4 * VPCI_NR_BARS))
		vpci_update_bars(d);
	if (d->cfg_write)
		d->cfg_write(d, off, val, size);
}

int vpci_dev_add_cap(struct vpci_dev *d, u8 id, u8 off, u8 len)
{
	u8 p = d->cfg[VPCI_CAPABILITY_LIST];

	if (off < 0x40 || off < d->cap_end || (off & 3) || len < 2 ||
	    off + len > VPCI_CFG_SIZE)
		return -EINVAL;
	memset(&d->cfg[off], 0, len);
	memset(&d->wmask[off], 0, len);
	d->cfg[off] = id;
	if (!p) {
		d->cfg[VPCI_CAPABILITY_LIST] = off;
	} else {
		while (d->cfg[p + 1])
			p = d->cfg[p + 1];
		d->cfg[p + 1] = off;
	}
	d->cap_end = off + len;
	d->cfg[VPCI_STATUS] |= VPCI_STATUS_CAP_LIST;
	return off;
}

int vpci_dev_add_msi(struct vpci_dev *d, u8 off)
{
	int r = vpci_dev_add_cap(d, VPCI_CAP_ID_MSI, off, VPCI_MSI_CAP_LEN);

	if (r < 0)
		return r;
	/* One message (MMC = MME = 0), 64-bit address, no masking. */
	vpci_set_word(d, off + VPCI_MSI_FLAGS, VPCI_MSI_FLAGS_64BIT);
	d->wmask[off + VPCI_MSI_FLAGS] = VPCI_MSI_FLAGS_ENABLE;
	memset(&d->wmask[off + VPCI_MSI_ADDRESS_LO], 0xff, 8);
	d->wmask[off + VPCI_MSI_ADDRESS_LO] = 0xfc;	/* dword aligned */
	memset(&d->wmask[off + VPCI_MSI_DATA_64], 0xff, 2);
	d->msi_cap = off;
	return r;
}

bool vpci_msi_message(const struct vpci_dev *d, u64 *addr, u32 *data)
{
	u8 c = d->msi_cap;

	if (!c || !(d->cfg[c + VPCI_MSI_FLAGS] & VPCI_MSI_FLAGS_ENABLE))
		return false;
	*addr = vpci_get_long(d, c + VPCI_MSI_ADDRESS_LO) |
		(u64)vpci_get_long(d, c + VPCI_MSI_ADDRESS_HI) << 32;
	*data = vpci_get_word(d, c + VPCI_MSI_DATA_64);
	return true;
}

bool vpci_msi_hit(const struct vpci_dev *d, u32 off, unsigned int size)
{
	return d->msi_cap &&
	       vpci_range_hits(off, size, d->msi_cap,
			       d->msi_cap + VPCI_MSI_CAP_LEN);
}

int vpci_dev_add_msix(struct vpci_dev *d, u8 off, struct vpci_msix *m, u16 nr,
		      u8 bar, u32 table_off, u32 pba_off)
{
	u64 bsize;
	int r;
	u16 i;

	if (!nr || nr > VPCI_MSIX_MAX_VECTORS || bar >= VPCI_NR_BARS)
		return -EINVAL;
	bsize = d->bar[bar].size;
	if (!bsize || (d->bar[bar].flags & VPCI_BAR_IO) || (table_off & 7) ||
	    (pba_off & 7) || table_off > bsize ||
	    (u64)nr * VPCI_MSIX_ENTRY_SIZE > bsize - table_off ||
	    pba_off > bsize || 8 > bsize - pba_off)
		return -EINVAL;
	r = vpci_dev_add_cap(d, VPCI_CAP_ID_MSIX, off, VPCI_MSIX_CAP_LEN);
	if (r < 0)
		return r;
	memset(m, 0, sizeof(*m));
	m->nr = nr;
	m->bar = bar;
	m->table_off = table_off;
	m->pba_off = pba_off;
	for (i = 0; i < nr; i++)
		m->table[i][3] = VPCI_MSIX_ENTRY_CTRL_MASKBIT;
	vpci_set_word(d, off + VPCI_MSIX_FLAGS, nr - 1);
	d->wmask[off + VPCI_MSIX_FLAGS + 1] =
		(VPCI_MSIX_FLAGS_MASKALL | VPCI_MSIX_FLAGS_ENABLE) >> 8;
	vpci_set_long(d, off + VPCI_MSIX_TABLE, table_off | bar);
	vpci_set_long(d, off + VPCI_MSIX_PBA, pba_off | bar);
	d->msix = m;
	return r;
}

/* The capability's offset: the one the list links to with our id. */
static u8 vpci_msix_cap(const struct vpci_dev *d)
{
	u8 p = d->cfg[VPCI_CAPABILITY_LIST];
	unsigned int guard = 64;

	while (p && guard--) {
		if (d->cfg[p] == VPCI_CAP_ID_MSIX)
			return p;
		p = d->cfg[p + 1];
	}
	return 0;
}

static u8 vpci_msix_ctrl(const struct vpci_dev *d)
{
	u8 c = d->msix ? vpci_msix_cap(d) : 0;

	return c ? READ_ONCE_BYTE(d->cfg[c + VPCI_MSIX_FLAGS + 1]) : 0;
}

bool vpci_msix_enabled(const struct vpci_dev *d)
{
	return vpci_msix_ctrl(d) & (VPCI_MSIX_FLAGS_ENABLE >> 8);
}

bool vpci_msix_hit(const struct vpci_dev *d, u32 off, unsigned int size)
{
	u8 c = d->msix ? vpci_msix_cap(d) : 0;

	return c && vpci_range_hits(off, size, c, c + VPCI_MSIX_CAP_LEN);
}

bool vpci_msix_mmio(struct vpci_dev *d, u32 off, bool write, unsigned int size,
		    u64 *val)
{
	struct vpci_msix *m = d->msix;
	u32 i, w, tend;

	if (!m)
		return false;
	tend = m->table_off + m->nr * VPCI_MSIX_ENTRY_SIZE;
	if (off >= m->table_off && off < tend) {
		if ((size != 4 && size != 8) || (off & (size - 1))) {
			if (!write)
				*val = 0;
			return true;
		}
		i = (off - m->table_off) / VPCI_MSIX_ENTRY_SIZE;
		w = (off - m->table_off) % VPCI_MSIX_ENTRY_SIZE / 4;
		if (!write) {
			*val = m->table[i][w];
			if (size == 8)
				*val |= (u64)m->table[i][w + 1] << 32;
			return true;
		}
		m->table[i][w] = *val;
		if (size == 8)
			m->table[i][w + 1] = *val >> 32;
		m->table[i][3] &= VPCI_MSIX_ENTRY_CTRL_MASKBIT;
		return true;
	}
	if (off >= m->pba_off && off < m->pba_off + 8) {
		if (!write)
			*val = (size == 8 && off == m->pba_off) ? m->pending :
			       (size == 4 && !(off & 3)) ?
			       (u32)(m->pending >> (8 * (off - m->pba_off))) : 0;
		return true;
	}
	return false;
}

static bool vpci_msix_masked(const struct vpci_dev *d, u16 vec)
{
	return (vpci_msix_ctrl(d) & (VPCI_MSIX_FLAGS_MASKALL >> 8)) ||
	       (d->msix->table[vec][3] & VPCI_MSIX_ENTRY_CTRL_MASKBIT);
}

static void vpci_msix_msg(const struct vpci_dev *d, u16 vec, u64 *addr, u32 *data)
{
	*addr = d->msix->table[vec][0] | (u64)d->msix->table[vec][1] << 32;
	*data = d->msix->table[vec][2];
}

bool vpci_msix_fire(struct vpci_dev *d, u16 vec, u64 *addr, u32 *data)
{
	if (!vpci_msix_enabled(d) || vec >= d->msix->nr)
		return false;
	if (vpci_msix_masked(d, vec)) {
		d->msix->pending |= 1ULL << vec;
		return false;
	}
	vpci_msix_msg(d, vec, addr, data);
	return true;
}

bool vpci_msix_take_pending(struct vpci_dev *d, u64 *addr, u32 *data)
{
	u64 p = d->msix ? d->msix->pending : 0;
	u16 vec;

	if (!p || !vpci_msix_enabled(d))
		return false;
	for (vec = 0; vec < d->msix->nr; vec++) {
		if (!(p & (1ULL << vec)) || vpci_msix_masked(d, vec))
			continue;
		d->msix->pending &= ~(1ULL << vec);
		vpci_msix_msg(d, vec, addr, data);
		return true;
	}
	return false;
}

void vpci_bus_init(struct vpci_bus *bus)
{
	memset(bus, 0, sizeof(*bus));
	vmm_lock_init(&bus->lock);
}

int vpci_register(struct vpci_bus *bus, u8 devfn, struct vpci_dev *d)
{
	unsigned long flags = 0;
	int ret = 0;

	if (!d)
		return -EINVAL;
	vmm_lock(&bus->lock, flags);
	if (bus->dev[devfn]) {
		ret = -EBUSY;
	} else {
		d->bus = bus;
		d->devfn = devfn;
		bus->dev[devfn] = d;
	}
	vmm_unlock(&bus->lock, flags);
	return ret;
}

/* The device at bus number busnr, devfn, or NULL. */
static struct vpci_dev *vpci_find(struct vpci_bus *bus, unsigned int busnr, u8 devfn)
{
	return busnr ? NULL : bus->dev[devfn];
}

u32 vpci_cfg_read(struct vpci_bus *bus, u16 bdf, u32 off, unsigned int size)
{
	unsigned long flags = 0;
	struct vpci_dev *d;
	u32 val;

	if (!vpci_size_ok(size) || (off & (size - 1)) || off >= VPCI_CFG_SIZE)
		return vpci_ones(size);
	vmm_lock(&bus->lock, flags);
	d = vpci_find(bus, bdf >> 8, bdf & 0xff);
	val = d ? vpci_dev_read(d, off, size) : vpci_ones(size);
	vmm_unlock(&bus->lock, flags);
	return val;
}

void vpci_cfg_write(struct vpci_bus *bus, u16 bdf, u32 off, unsigned int size,
		   u32 val)
{
	unsigned long flags = 0;
	struct vpci_dev *d;

	if (!vpci_size_ok(size) || (off & (size - 1)) || off >= VPCI_CFG_SIZE)
		return;
	vmm_lock(&bus->lock, flags);
	d = vpci_find(bus, bdf >> 8, bdf & 0xff);
	if (d)
		vpci_dev_write(d, off, val, size);
	vmm_unlock(&bus->lock, flags);
}

/* The device and register 0xcf8 points at for port, or NULL. */
static struct vpci_dev *vpci_cf8_target(struct vpci_bus *bus, u16 port, u32 *off)
{
	u32 a = bus->cf8;

	if (!(a & VPCI_CFG_ADDR_ENABLE))
		return NULL;
	*off = (a & 0xfc) + (port - VPCI_CONFIG_DATA);
	return vpci_find(bus, (a >> 16) & 0xff, (a >> 8) & 0xff);
}

/* Is this an access mechanism #1 serves: cf8 as a dword, or inside cfc? */
static bool vpci_port_ok(u16 port, unsigned int size)
{
	if (!vpci_size_ok(size))
		return false;
	if (port == VPCI_CONFIG_ADDRESS)
		return size == 4;
	return port >= VPCI_CONFIG_DATA && port - VPCI_CONFIG_DATA + size <= 4;
}

u32 vpci_io_read(struct vpci_bus *bus, u16 port, unsigned int size)
{
	unsigned long flags = 0;
	struct vpci_dev *d;
	u32 val, off = 0;

	if (!vpci_port_ok(port, size))
		return vpci_ones(size);
	vmm_lock(&bus->lock, flags);
	if (port == VPCI_CONFIG_ADDRESS) {
		val = bus->cf8;
	} else {
		d = vpci_cf8_target(bus, port, &off);
		val = d ? vpci_dev_read(d, off, size) : vpci_ones(size);
	}
	vmm_unlock(&bus->lock, flags);
	return val;
}

void vpci_io_write(struct vpci_bus *bus, u16 port, unsigned int size, u32 val)
{
	unsigned long flags = 0;
	struct vpci_dev *d;
	u32 off = 0;

	if (!vpci_port_ok(port, size))
		return;
	vmm_lock(&bus->lock, flags);
	if (port == VPCI_CONFIG_ADDRESS) {
		bus->cf8 = val & VPCI_CFG_ADDR_MASK;
	} else {
		d = vpci_cf8_target(bus, port, &off);
		if (d)
			vpci_dev_write(d, off, val, size);
	}
	vmm_unlock(&bus->lock, flags);
}

/* i440FX */

u32 i440fx_pam_base(unsigned int region)
{
	if (region >= I440FX_NR_PAM_REGIONS)
		return 0;
	return region ? 0xc0000 + (region - 1) * 0x4000 : 0xf0000;
}

u32 i440fx_pam_size(unsigned int region)
{
	if (region >= I440FX_NR_PAM_REGIONS)
		return 0;
	return region ? 0x4000 : 0x10000;
}

static u8 i440fx_pam_attr(const struct vpci_dev *d, unsigned int region)
{
	unsigned int k;

	if (!region)
		return (d->cfg[I440FX_PAM0] >> 4) & 3;
	k = region - 1;
	return (d->cfg[I440FX_PAM0 + 1 + k / 2] >> (k & 1 ? 4 : 0)) & 3;
}

static void i440fx_write_smram(struct vpci_i440fx *hb)
{
	u8 v = hb->dev.cfg[I440FX_SMRAM];

	/* Once locked, only D_CLS still changes. */
	if (hb->smram & SMRAM_D_LCK)
		v = (hb->smram & ~SMRAM_D_CLS) | (v & SMRAM_D_CLS);
	if (v & SMRAM_D_LCK)
		v &= ~SMRAM_D_OPEN;
	hb->dev.cfg[I440FX_SMRAM] = v;
	hb->smram = v;
}

static void i440fx_cfg_write(struct vpci_dev *d, u32 off, u32 val,
			     unsigned int size)
{
	struct vpci_i440fx *hb = d->priv;
	unsigned int r;
	u8 attr;

	(void)val;
	if (vpci_range_hits(off, size, I440FX_PAM0, I440FX_PAM0 + 7)) {
		for (r = 0; r < I440FX_NR_PAM_REGIONS; r++) {
			attr = i440fx_pam_attr(d, r);
			if (attr == hb->pam[r])
				continue;
			hb->pam[r] = attr;
			if (hb->pam_changed)
				hb->pam_changed(hb->opaque, r, attr);
		}
	}
	if (vpci_range_hits(off, size, I440FX_SMRAM, I440FX_SMRAM + 1))
		i440fx_write_smram(hb);
}

void vpci_i440fx_init(struct vpci_i440fx *hb,
		     void (*pam_changed)(void *opaque, unsigned int region, u8 attr),
		     void *opaque)
{
	struct vpci_dev *d = &hb->dev;

	memset(hb, 0, sizeof(*hb));
	vpci_dev_init(d, I440FX_VENDOR_ID, I440FX_DEVICE_ID, 0x060000, 0x02, 0);
	vpci_set_word(d, VPCI_COMMAND, VPCI_COMMAND_MEMORY | VPCI_COMMAND_MASTER);
	vpci_set_word(d, VPCI_STATUS, VPCI_STATUS_DEVSEL_MEDIUM | VPCI_STATUS_FAST_BACK);
	memset(&d->wmask[0x50], 0xff, I440FX_SMRAM - 0x50);	/* 0x50-0x71 */
	memset(&d->wmask[0x90], 0xff, 4);
	d->wmask[I440FX_PAM0] = 0x30;
	memset(&d->wmask[I440FX_PAM0 + 1], 0x33, 6);
	d->cfg[I440FX_SMRAM] = SMRAM_C_BASE_SEG;
	d->wmask[I440FX_SMRAM] = SMRAM_D_OPEN | SMRAM_D_CLS | SMRAM_D_LCK |
				 SMRAM_G_SMRAME;
	hb->smram = SMRAM_C_BASE_SEG;
	d->cfg_write = i440fx_cfg_write;
	d->priv = hb;
	hb->pam_changed = pam_changed;
	hb->opaque = opaque;
}

/* PIIX3 */

static void piix3_cfg_write(struct vpci_dev *d, u32 off, u32 val,
			    unsigned int size)
{
	struct vpci_piix3 *isa = d->priv;
	unsigned int i;
	u8 route;

	(void)val;
	if (!vpci_range_hits(off, size, PIIX3_PIRQRC, PIIX3_PIRQRC + PIIX3_NR_PIRQS))
		return;
	for (i = 0; i < PIIX3_NR_PIRQS; i++) {
		route = d->cfg[PIIX3_PIRQRC + i];
		if (route == isa->pirq[i])
			continue;
		isa->pirq[i] = route;
		if (isa->pirq_changed)
			isa->pirq_changed(isa->opaque, i, route);
	}
}

/* Function 0 registers with a non-zero reset value (82371SB datasheet). */
static const struct {
	u8 off, val;
} piix3_resets[] = {
	{ 0x4c, 0x4d },		/* IORT: ISA I/O recovery timer */
	{ 0x4e, 0x03 },		/* XBCS: BIOS and keyboard chip selects */
	{ 0x60, 0x80 }, { 0x61, 0x80 }, { 0x62, 0x80 }, { 0x63, 0x80 },
	{ 0x69, 0x02 },		/* TOM: top of memory */
	{ 0x70, 0x80 }, { 0x71, 0x80 },	/* MBIRQ0/1 */
	{ 0x76, 0x04 }, { 0x77, 0x04 },	/* MBDMA0/1 */
	{ 0x78, 0x02 },		/* PCSC */
	{ 0xa0, 0x08 },		/* SMICNTL */
	{ 0xa8, 0x0f },		/* FTMR */
};

void vpci_piix3_init(struct vpci_piix3 *isa,
		    void (*pirq_changed)(void *opaque, unsigned int pirq, u8 route),
		    void *opaque)
{
	struct vpci_dev *d = &isa->dev;
	unsigned int i;

	memset(isa, 0, sizeof(*isa));
	vpci_dev_init(d, PIIX3_VENDOR_ID, PIIX3_DEVICE_ID, 0x060100, 0,
		     VPCI_HEADER_TYPE_MULTI);
	vpci_set_word(d, VPCI_COMMAND,
		     VPCI_COMMAND_IO | VPCI_COMMAND_MEMORY | VPCI_COMMAND_MASTER);
	vpci_set_word(d, VPCI_STATUS, VPCI_STATUS_DEVSEL_MEDIUM);
	memset(&d->wmask[0x40], 0xff, VPCI_CFG_SIZE - 0x40);
	for (i = 0; i < ARRAY_SIZE(piix3_resets); i++)
		d->cfg[piix3_resets[i].off] = piix3_resets[i].val;
	for (i = 0; i < PIIX3_NR_PIRQS; i++) {
		d->wmask[PIIX3_PIRQRC + i] = PIIX3_PIRQ_DISABLE | PIIX3_PIRQ_IRQ_MASK;
		isa->pirq[i] = PIIX3_PIRQ_DISABLE;
	}
	d->cfg_write = piix3_cfg_write;
	d->priv = isa;
	isa->pirq_changed = pirq_changed;
	isa->opaque = opaque;
}
