// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz harness of the in-kernel device models wired as one PC platform,
 * the way module/pc.c wires them: PIC, PIT (+ port 0x61), RTC, ACPI PM,
 * IOAPIC, two local APICs, i8042, ports 0x92/0xcf9, COM1, fw_cfg (I/O and
 * DMA against a bounded fake guest memory), the PCI bus (i440FX with PAM,
 * PIIX3 with PIRQ routing, one device with an MSI capability). Timers run
 * on a fake clock that the input advances.
 *
 * Input: a config byte, then records of FUZZ_DEV_REC bytes, one action
 * each: opcode, argument byte, operands (see fuzz_devices_one()); a short
 * record reads zeros. Checks: the
 * sanitizers, vectors the APICs/PIC hand out are deliverable and in range,
 * above the PPR and in ISR once acked, a PIC with INT always acks a vector,
 * a timer re-armed from its own fire() is in the future and at least
 * DEV_MIN_REARM_NS after the deadline that fired, no timer fires more than
 * DEV_MAX_FIRES times in one clock advance, fw_cfg DMA only within the fake
 * guest memory (ASan-bounded buffer) and its completion status is 0 or
 * ERROR, no callback with an out-of-range IRQ/PAM/PIRQ/ICR field, every
 * device lock free (every 16 actions and at the end). DEV_DEBUG=1 in the environment
 * prints the timers that re-armed too soon.
 */
#include <string.h>
#include "fuzz.h"
#include "i8259.h"
#include "i8254.h"
#include "mc146818.h"
#include "lapic.h"
#include "ioapic.h"
#include "vpci.h"
#include "fw_cfg.h"
#include "i8042.h"
#include "acpi_pm.h"
#include "sysctl_port.h"
#include "uart16550.h"

#define DEV_MEM_SIZE	(64 * 1024)
#define DEV_NR_CPUS	2
#define DEV_NR_TIMERS	8
#ifndef DEV_MAX_FIRES
#define DEV_MAX_FIRES	4096	/* per timer per advance */
#endif
#define DEV_MAX_ACTIONS	512
/*
 * A timer re-armed from its own fire() must be in the future and at
 * least this long after the deadline that fired: the devices clamp their
 * periodic rates (PIT, LAPIC 50 us; RTC 122 us), so a shorter period is an
 * interrupt storm on the host (or, at <= now, a timer that fires for ever).
 */
#ifndef DEV_MIN_REARM_NS
#define DEV_MIN_REARM_NS	20000
#endif
#define COM1_PORT	0x3f8

unsigned long fuzz_dev_actions;
unsigned long fuzz_dev_stats[6];


struct dev_timer {
	struct vmm_timer *t;
	u64 deadline;
	bool armed;
	unsigned int fires;
};

struct platform {
	u64 now;
	struct dev_timer timers[DEV_NR_TIMERS];
	unsigned int nr_timers;
	bool pic_intr;
	bool dma;		/* fw_cfg has the DMA interface */
	struct dev_timer *firing;	/* the timer whose fire() runs */
	bool init_req[DEV_NR_CPUS];
	bool bad;		/* a callback saw something impossible */
	const char *why;
	u8 *mem;
	struct i8259 pic;
	struct i8254 pit;
	struct mc146818 rtc;
	struct acpi_pm pm;
	struct ioapic io;
	struct lapic lapic[DEV_NR_CPUS];
	struct i8042 kbc;
	struct sysctl_port sys;
	struct uart16550 uart;
	struct fw_cfg fw;
	struct vpci_bus pci;
	struct vpci_i440fx hb;
	struct vpci_piix3 isa;
	struct vpci_dev msidev;
	u8 fw_blob[300];
	u8 rx[32];
	unsigned int rx_len;
};

static struct platform *P;

static void plat_bad(const char *why)
{
	P->bad = true;
	P->why = why;
}

/* Time host */
static u64 t_now(void *host)
{
	return ((struct platform *)host)->now;
}

static struct dev_timer *t_find(struct platform *p, struct vmm_timer *t)
{
	unsigned int i;

	for (i = 0; i < p->nr_timers; i++)
		if (p->timers[i].t == t)
			return &p->timers[i];
	if (p->nr_timers == DEV_NR_TIMERS) {
		plat_bad("too many timers");
		return NULL;
	}
	p->timers[p->nr_timers].t = t;
	return &p->timers[p->nr_timers++];
}

static void t_arm(void *host, struct vmm_timer *t, u64 deadline)
{
	struct dev_timer *d = t_find(host, t);

	if (!t->fire || !t->dev)
		plat_bad("timer armed without fire/dev");
	if (d && d == ((struct platform *)host)->firing &&
	    (deadline <= ((struct platform *)host)->now ||
	     deadline < d->deadline + DEV_MIN_REARM_NS)) {
		/* d->deadline is still the one that just fired */
		if (getenv("DEV_DEBUG"))
			fprintf(stderr, "rearm %p now %llu old %llu deadline %llu\n",
				(void *)t, (unsigned long long)((struct platform *)host)->now,
				(unsigned long long)d->deadline, (unsigned long long)deadline);
		plat_bad("timer re-armed too soon from its own fire()");
	}
	if (d) {
		d->deadline = deadline;
		d->armed = true;
	}
}

static void t_cancel(void *host, struct vmm_timer *t)
{
	struct dev_timer *d = t_find(host, t);

	if (d)
		d->armed = false;
}

static const struct vmm_time_ops time_ops = {
	.now_ns = t_now, .timer_arm = t_arm, .timer_cancel = t_cancel,
};

/* Interrupt routing as in module/pc.c */
static void route(struct lapic *self, u32 dest, bool logical, u8 sh, u8 dm,
		  u8 vector, bool level)
{
	unsigned int i;

	for (i = 0; i < DEV_NR_CPUS; i++) {
		struct lapic *l = &P->lapic[i];

		if (sh == LAPIC_SH_SELF && l != self)
			continue;
		if (sh == LAPIC_SH_OTHERS && l == self)
			continue;
		if (sh == LAPIC_SH_NONE && !lapic_match_dest(l, dest, logical))
			continue;
		lapic_deliver(l, dm, vector, level);
		if (dm == LAPIC_DM_LOWEST && sh == LAPIC_SH_NONE)
			break;
	}
}

static void isa_irq(void *opaque, unsigned int irq, bool level)
{
	(void)opaque;
	if (irq >= 16) {
		plat_bad("ISA IRQ out of range");
		return;
	}
	i8259_set_irq(&P->pic, irq, level);
	ioapic_set_irq(&P->io, irq ? irq : 2, level);
}

static void pic_intr(void *opaque, bool intr)
{
	(void)opaque;
	P->pic_intr = intr;
}

static const struct i8259_ops pic_ops = { .intr_changed = pic_intr };

static void io_deliver(void *opaque, u32 dest, bool logical, u8 dm, u8 vector,
		       bool level)
{
	(void)opaque;
	if (dm > 7)
		plat_bad("IOAPIC delivery mode");
	route(NULL, dest, logical, LAPIC_SH_NONE, dm, vector, level);
}

static const struct ioapic_ops io_ops = { .deliver = io_deliver };

static void l_ipi(void *opaque, u32 dest, u8 dest_mode, u8 sh, u8 dm, u8 vector,
		  bool level, bool assert)
{
	if (sh > 3 || dm > 7 || dest_mode > 1)
		plat_bad("ICR fields out of range");
	if (dm == LAPIC_DM_INIT && level && !assert)
		return;
	route(opaque, dest, dest_mode == LAPIC_DEST_LOGICAL, sh, dm, vector, level);
}

static void l_eoi(void *opaque, u8 vector)
{
	(void)opaque;
	ioapic_eoi(&P->io, vector);
}

static void l_kick(void *opaque)
{
	(void)opaque;
	fuzz_dev_stats[4]++;
}

static void l_nmi(void *opaque)
{
	(void)opaque;
}

static void l_init(void *opaque)
{
	P->init_req[(struct lapic *)opaque - P->lapic] = true;
}

static void l_sipi(void *opaque, u8 vector)
{
	(void)opaque;
	(void)vector;
}

static u64 l_now_tsc(void *opaque)
{
	(void)opaque;
	return P->now * 3;
}

/* As vmm_pc_tsc_to_ns(): saturate rather than wrap. */
static u64 l_tsc_to_ns(void *opaque, u64 tsc)
{
	u64 cur = l_now_tsc(opaque), d;

	if (tsc <= cur)
		return P->now;
	d = (tsc - cur) / 3;
	return d < ~0ULL - P->now ? P->now + d : ~0ULL;
}

static const struct lapic_ops lapic_ops = {
	.send_ipi = l_ipi, .eoi_level = l_eoi, .kick = l_kick, .nmi = l_nmi,
	.init = l_init, .sipi = l_sipi, .now_tsc = l_now_tsc,
	.tsc_to_ns = l_tsc_to_ns,
};

static void msi(u64 addr, u32 data)
{
	u8 dm = (data >> 8) & 7;

	if ((addr >> 20) != 0xfee)
		return;
	if (dm != LAPIC_DM_FIXED && dm != LAPIC_DM_LOWEST && dm != LAPIC_DM_NMI)
		return;
	route(NULL, (addr >> 12) & 0xff, addr & 4, LAPIC_SH_NONE, dm, data & 0xff,
	      false);
}

static const struct i8254_ops pit_ops = { .set_irq = isa_irq };
static const struct mc146818_ops rtc_ops = { .set_irq = isa_irq };

static void reset_req(void *opaque)
{
	(void)opaque;
}

static void a20(void *opaque, bool en)
{
	(void)opaque;
	(void)en;
}

static const struct i8042_ops kbc_ops = {
	.set_irq = isa_irq, .reset_request = reset_req, .a20_changed = a20,
};
static const struct sysctl_port_ops sys_ops = {
	.reset_request = reset_req, .a20_changed = a20,
};
static const struct acpi_pm_ops pm_ops = {
	.set_irq = isa_irq, .poweroff = reset_req, .reset = reset_req,
};

/* Guest memory for fw_cfg DMA: [0, DEV_MEM_SIZE) only. */
static bool gpa_ok(u64 gpa, u32 len)
{
	return gpa < DEV_MEM_SIZE && len <= DEV_MEM_SIZE - gpa;
}

static int rd_gpa(void *opaque, u64 gpa, void *buf, u32 len)
{
	(void)opaque;
	if (!gpa_ok(gpa, len))
		return -EFAULT;
	memcpy(buf, P->mem + gpa, len);
	return 0;
}

static int wr_gpa(void *opaque, u64 gpa, const void *buf, u32 len)
{
	(void)opaque;
	if (!gpa_ok(gpa, len))
		return -EFAULT;
	memcpy(P->mem + gpa, buf, len);
	return 0;
}

static const struct fw_cfg_ops fw_ops = { .read_gpa = rd_gpa, .write_gpa = wr_gpa };

static bool u_ready(void *opaque)
{
	(void)opaque;
	return P->now & 1;
}

static void u_tx(void *opaque, u8 b)
{
	(void)opaque;
	(void)b;
}

static void u_irq(void *opaque, bool level)
{
	isa_irq(opaque, 4, level);
}

static unsigned int u_pull(void *opaque, u8 *buf, unsigned int max)
{
	unsigned int n = P->rx_len < max ? P->rx_len : max;

	(void)opaque;
	memcpy(buf, P->rx, n);
	memmove(P->rx, P->rx + n, P->rx_len - n);
	P->rx_len -= n;
	return n;
}

static const struct uart16550_backend uart_be = {
	.tx_ready = u_ready, .tx = u_tx, .set_irq = u_irq, .rx_pull = u_pull,
};

static void pam_changed(void *opaque, unsigned int region, u8 attr)
{
	(void)opaque;
	(void)attr;
	if (region >= I440FX_NR_PAM_REGIONS)
		plat_bad("PAM region out of range");
}

static void pirq_changed(void *opaque, unsigned int pirq, u8 route)
{
	(void)opaque;
	(void)route;
	if (pirq >= PIIX3_NR_PIRQS)
		plat_bad("PIRQ out of range");
}

static void plat_init(struct platform *p, u8 cfg)
{
	unsigned int i;

	memset(p, 0, sizeof(*p));
	P = p;
	p->now = (u64)cfg << 20;
	i8259_init(&p->pic, &pic_ops, p);
	i8254_init(&p->pit, &pit_ops, &time_ops, p, p);
	mc146818_init(&p->rtc, &rtc_ops, &time_ops, p, p, 1700000000ULL + cfg);
	acpi_pm_init(&p->pm, ACPI_PM_BASE_DEFAULT, &pm_ops, &time_ops, p, p);
	ioapic_init(&p->io, 0, &io_ops, p);
	for (i = 0; i < DEV_NR_CPUS; i++)
		lapic_init(&p->lapic[i], i, i == 0, &lapic_ops, &p->lapic[i],
			   &time_ops, p);
	i8042_init(&p->kbc, &kbc_ops, p);
	sysctl_port_init(&p->sys, &sys_ops, p);
	uart16550_init(&p->uart, &uart_be, p);
	p->dma = !(cfg & 0x80);
	fw_cfg_init(&p->fw, p->dma ? &fw_ops : NULL, p);
	fw_cfg_add_u16(&p->fw, FW_CFG_MAX_CPUS, DEV_NR_CPUS);
	for (i = 0; i < sizeof(p->fw_blob); i++)
		p->fw_blob[i] = i * 7;
	fw_cfg_add_bytes(&p->fw, 0x11, p->fw_blob, 100);
	fw_cfg_add_file(&p->fw, "etc/fuzz-a", p->fw_blob, sizeof(p->fw_blob));
	fw_cfg_add_file(&p->fw, "etc/b", p->fw_blob, 1);
	fw_cfg_add_file(&p->fw, "opt/empty", p->fw_blob, 0);
	vpci_bus_init(&p->pci);
	vpci_i440fx_init(&p->hb, pam_changed, p);
	vpci_piix3_init(&p->isa, pirq_changed, p);
	vpci_dev_init(&p->msidev, 0x1af4, 0x1001, 0x010000, 0, 0);
	vpci_dev_set_bar(&p->msidev, 0, VPCI_BAR_MEM32, 0x1000);
	vpci_dev_set_bar(&p->msidev, 1, VPCI_BAR_IO, 32);
	vpci_dev_set_bar(&p->msidev, 2, VPCI_BAR_MEM64 | VPCI_BAR_PREFETCH, 0x100000);
	vpci_dev_set_irq_pin(&p->msidev, 1);
	vpci_dev_add_msi(&p->msidev, 0x50);
	vpci_register(&p->pci, VPCI_DEVFN(0, 0), &p->hb.dev);
	vpci_register(&p->pci, VPCI_DEVFN(1, 0), &p->isa.dev);
	vpci_register(&p->pci, VPCI_DEVFN(3, 0), &p->msidev);
}

static void plat_fini(struct platform *p)
{
	unsigned int i;

	for (i = 0; i < DEV_NR_CPUS; i++)
		lapic_destroy(&p->lapic[i]);
}

/* The locks must all be free between actions. */
static bool locks_free(struct platform *p)
{
	vmm_lock_t *l[] = {
		&p->pic.lock, &p->pit.lock, &p->rtc.lock, &p->pm.lock, &p->io.lock,
		&p->lapic[0].lock, &p->lapic[1].lock, &p->kbc.lock, &p->sys.lock,
		&p->uart.lock, &p->fw.lock, &p->pci.lock,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(l); i++) {
		if (pthread_mutex_trylock(l[i]))
			return false;
		pthread_mutex_unlock(l[i]);
	}
	return true;
}

/* Port I/O: the map of module/pc.c plus COM1; wide accesses to byte devices split. */
static u8 pit_rd(struct i8254 *pit, u16 port)
{
	return port == I8254_PORT_61 ? i8254_port61_read(pit) : i8254_read(pit, port);
}

static void pit_wr(struct i8254 *pit, u16 port, u8 v)
{
	if (port == I8254_PORT_61)
		i8254_port61_write(pit, v);
	else
		i8254_write(pit, port, v);
}

static u8 byte_rd(struct platform *p, u16 port)
{
	if ((port & ~1) == 0x20 || (port & ~1) == 0xa0 || (port & ~1) == 0x4d0)
		return i8259_read(&p->pic, port);
	if ((port >= 0x40 && port <= 0x43) || port == 0x61)
		return pit_rd(&p->pit, port);
	if (port == 0x70 || port == 0x71)
		return mc146818_read(&p->rtc, port);
	if (port == 0x60 || port == 0x64)
		return i8042_read(&p->kbc, port);
	if (port == 0x92 || port == 0xcf9)
		return sysctl_port_read(&p->sys, port);
	if (port >= COM1_PORT && port < COM1_PORT + 8)
		return uart16550_read(&p->uart, port - COM1_PORT);
	return 0xff;
}

static void byte_wr(struct platform *p, u16 port, u8 v)
{
	if ((port & ~1) == 0x20 || (port & ~1) == 0xa0 || (port & ~1) == 0x4d0)
		i8259_write(&p->pic, port, v);
	else if ((port >= 0x40 && port <= 0x43) || port == 0x61)
		pit_wr(&p->pit, port, v);
	else if (port == 0x70 || port == 0x71)
		mc146818_write(&p->rtc, port, v);
	else if (port == 0x60 || port == 0x64)
		i8042_write(&p->kbc, port, v);
	else if (port == 0x92 || port == 0xcf9)
		sysctl_port_write(&p->sys, port, v);
	else if (port >= COM1_PORT && port < COM1_PORT + 8)
		uart16550_write(&p->uart, port - COM1_PORT, v);
}

static bool in_range(u16 port, unsigned int size, u16 base, u16 len)
{
	return port >= base && (u32)port + size <= (u32)base + len;
}

static u32 pio(struct platform *p, u16 port, unsigned int size, bool in, u32 val)
{
	unsigned int i;
	u32 r = 0;

	if (in_range(port, size, 0xcf8, 1) || in_range(port, size, 0xcf8, 4) ||
	    in_range(port, size, 0xcfc, 4)) {
		if (port == 0xcf9 && size == 1)
			goto bytes;
		if (in)
			return vpci_io_read(&p->pci, port, size);
		vpci_io_write(&p->pci, port, size, val);
		return 0;
	}
	if (in_range(port, size, ACPI_PM_BASE_DEFAULT, ACPI_PM_NR_PORTS)) {
		if (in)
			return acpi_pm_io_read(&p->pm, port, size);
		acpi_pm_io_write(&p->pm, port, size, val);
		return 0;
	}
	if (in_range(port, size, 0x510, 2) || in_range(port, size, 0x514, 8)) {
		if (in)
			return fw_cfg_io_read(&p->fw, port, size);
		fw_cfg_io_write(&p->fw, port, size, val);
		return 0;
	}
bytes:
	for (i = 0; i < size; i++) {
		if (in)
			r |= (u32)byte_rd(p, port + i) << (8 * i);
		else
			byte_wr(p, port + i, val >> (8 * i));
	}
	return r;
}

static const u16 ports[] = {
	0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1, 0x40, 0x41, 0x42, 0x43, 0x61,
	0x70, 0x71, 0x60, 0x64, 0x92, 0xcf9, 0xcf8, 0xcfc, 0xcfd, 0xcfe,
	0x600, 0x602, 0x604, 0x608, 0x60c, 0x60e, 0x610, 0x510, 0x511, 0x514,
	0x518, 0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3fd, 0x3fe, 0x3ff,
};

/* Input reader */
struct rd {
	const u8 *d;
	size_t n, pos;
};

static u8 g8(struct rd *r)
{
	return r->pos < r->n ? r->d[r->pos++] : 0;
}

static u16 g16(struct rd *r)
{
	return g8(r) | (u16)g8(r) << 8;
}

static u32 g32(struct rd *r)
{
	return g16(r) | (u32)g16(r) << 16;
}

static u64 g64(struct rd *r)
{
	return g32(r) | (u64)g32(r) << 32;
}

static bool check_vector(struct lapic *l, int vec)
{
	return vec >= 16 && vec <= 255 && (l->isr[vec >> 5] & (1u << (vec & 31)));
}

/* Take one interrupt on cpu as vmm_pc_inject() does; false: a check failed. */
static bool take_irq(struct platform *p, unsigned int cpu, bool eoi)
{
	struct lapic *l = &p->lapic[cpu];
	u8 ppr = lapic_get_ppr(l);
	int vec = lapic_pending(l);

	if (vec >= 0) {
		/* in range, and of a higher class than the processor priority */
		if (vec < 16 || vec > 255 || (vec >> 4) <= (ppr >> 4))
			return false;
		lapic_ack(l, vec);
		if (!check_vector(l, vec))
			return false;
		fuzz_dev_stats[0]++;
		if (eoi)
			lapic_mmio_write(l, LAPIC_REG_EOI, 4, 0);
		return true;
	}
	if (cpu == 0 && p->pic_intr && lapic_lint0_extint(l)) {
		bool has = i8259_has_intr(&p->pic);

		vec = i8259_ack(&p->pic);
		if (has && (vec < 0 || vec > 255))
			return false;
		if (vec >= 0)
			fuzz_dev_stats[1]++;
		if (eoi && vec >= 0)
			i8259_write(&p->pic, (vec & 8) ? 0xa0 : 0x20, I8259_OCW2_EOI),
			i8259_write(&p->pic, 0x20, I8259_OCW2_EOI);
	}
	return true;
}

/* Run the timers due by p->now; false: a timer kept re-arming in the past. */
static bool run_timers(struct platform *p)
{
	unsigned int i;
	bool again = true;

	for (i = 0; i < p->nr_timers; i++)
		p->timers[i].fires = 0;
	while (again) {
		again = false;
		for (i = 0; i < p->nr_timers; i++) {
			struct dev_timer *d = &p->timers[i];

			if (!d->armed || d->deadline > p->now)
				continue;
			if (++d->fires > DEV_MAX_FIRES)
				return false;
			d->armed = false;
			fuzz_dev_stats[2]++;
			p->firing = d;
			d->t->fire(d->t->dev);
			p->firing = NULL;
			again = true;
		}
	}
	return true;
}

static void advance(struct platform *p, u8 how, u32 arg)
{
	u64 d;

	switch (how & 3) {
	case 0:		/* small step */
		d = arg & 0xfffff;
		break;
	case 1:		/* exponential */
		d = 1ULL << ((arg & 0xff) % 40);
		break;
	case 2: {	/* to the next deadline */
		unsigned int i;

		d = 0;
		for (i = 0; i < p->nr_timers; i++)
			if (p->timers[i].armed && p->timers[i].deadline > p->now &&
			    (!d || p->timers[i].deadline - p->now < d))
				d = p->timers[i].deadline - p->now;
		if (d > (1ULL << 40))
			d = 1ULL << 40;
		break;
	}
	default:
		d = arg;
		break;
	}
	if (p->now + d < p->now)
		d = 0;
	p->now += d;
}

/* Valid programming sequences, so that the state gets deep. */
static void program(struct platform *p, struct rd *r)
{
	u8 k = g8(r), a = g8(r), b = g8(r);
	u16 cnt = g16(r);
	unsigned int i;

	switch (k % 10) {
	case 0:		/* PIC: ICW1-4, mask */
		for (i = 0; i < 2; i++) {
			u16 base = i ? 0xa0 : 0x20;

			i8259_write(&p->pic, base, I8259_ICW1_INIT | I8259_ICW1_IC4 |
				    (a & I8259_ICW1_LTIM));
			i8259_write(&p->pic, base + 1, i ? 0x70 : 0x08);
			i8259_write(&p->pic, base + 1, i ? 2 : 4);
			i8259_write(&p->pic, base + 1, I8259_ICW4_UPM | (b & I8259_ICW4_AEOI));
			i8259_write(&p->pic, base + 1, i ? a : b);
		}
		break;
	case 1:		/* PIT channel: mode, LSB+MSB count */
		i = a % 3;
		if (a & 0x80)
			cnt &= 0x7f;	/* fast rates: the 50 us clamp */
		i8254_write(&p->pit, 0x43, (i << 6) | (3 << 4) | ((b % 6) << 1));
		i8254_write(&p->pit, 0x40 + i, cnt);
		i8254_write(&p->pit, 0x40 + i, cnt >> 8);
		if (i == 2)
			i8254_port61_write(&p->pit, b >> 4);
		break;
	case 2:		/* LAPIC: enable, LINT0 ExtINT, timer */
		i = a % DEV_NR_CPUS;
		lapic_mmio_write(&p->lapic[i], LAPIC_REG_SVR, 4, LAPIC_SVR_ENABLE | 0xff);
		lapic_mmio_write(&p->lapic[i], LAPIC_REG_LVT_LINT0, 4,
				 LAPIC_DM_EXTINT << LAPIC_LVT_DM_SHIFT);
		lapic_mmio_write(&p->lapic[i], LAPIC_REG_TIMER_DCR, 4, b & 0xb);
		lapic_mmio_write(&p->lapic[i], LAPIC_REG_LVT_TIMER, 4,
				 (u32)(b >> 4 & 3) << 17 | (0x20 + (a >> 1)));
		if (((b >> 4) & 3) == 2)
			lapic_write_msr(&p->lapic[i], MSR_LAPIC_TSC_DEADLINE,
					l_now_tsc(NULL) + cnt * 16);
		else
			lapic_mmio_write(&p->lapic[i], LAPIC_REG_TIMER_ICR, 4, cnt);
		break;
	case 3:		/* IOAPIC redirection entry */
		i = a % IOAPIC_NR_PINS;
		ioapic_mmio_write(&p->io, IOAPIC_IOREGSEL, 4, IOAPIC_REG_REDTBL + 2 * i + 1);
		ioapic_mmio_write(&p->io, IOAPIC_IOWIN, 4, (u32)(cnt & 1) << 24);
		ioapic_mmio_write(&p->io, IOAPIC_IOREGSEL, 4, IOAPIC_REG_REDTBL + 2 * i);
		ioapic_mmio_write(&p->io, IOAPIC_IOWIN, 4,
				  (b & 0xff) | ((cnt >> 1) & 0xb) << 8 |
				  (cnt & 0x8000 ? IOAPIC_RTE_LEVEL : 0) |
				  (cnt & 0x4000 ? IOAPIC_RTE_MASKED : 0));
		break;
	case 4:		/* RTC: periodic/alarm/update interrupts */
		mc146818_write(&p->rtc, 0x70, MC146818_REG_A);
		mc146818_write(&p->rtc, 0x71, MC146818_A_DV_32K | (a & 0xf));
		mc146818_write(&p->rtc, 0x70, MC146818_REG_B);
		mc146818_write(&p->rtc, 0x71, b & 0x7f);
		mc146818_write(&p->rtc, 0x70, MC146818_REG_C);
		mc146818_read(&p->rtc, 0x71);
		break;
	case 5:		/* ACPI PM: enable SCI, timer interrupt */
		acpi_pm_io_write(&p->pm, ACPI_PM_BASE_DEFAULT + ACPI_PM_PM1_CNT, 2, 1);
		acpi_pm_io_write(&p->pm, ACPI_PM_BASE_DEFAULT + ACPI_PM_PM1_EN, 2, cnt);
		acpi_pm_io_write(&p->pm, ACPI_PM_BASE_DEFAULT + ACPI_PM_GPE0_EN, 2, a);
		break;
	case 6:		/* PCI: MSI device, program and enable MSI, PIRQ routes */
		vpci_cfg_write(&p->pci, VPCI_DEVFN(3, 0), 0x54, 4,
			       0xfee00000 | (a & 1) << 12 | (b & 4));
		vpci_cfg_write(&p->pci, VPCI_DEVFN(3, 0), 0x58, 4, 0);
		vpci_cfg_write(&p->pci, VPCI_DEVFN(3, 0), 0x5c, 2, cnt);
		vpci_cfg_write(&p->pci, VPCI_DEVFN(3, 0), 0x52, 2, 1);
		vpci_cfg_write(&p->pci, VPCI_DEVFN(3, 0), VPCI_BASE_ADDRESS_0, 4,
			       (u32)cnt << 12);
		vpci_cfg_write(&p->pci, VPCI_DEVFN(3, 0), VPCI_BASE_ADDRESS_0 + 4, 4,
			       0xc000 | (a & 0xe0));
		vpci_cfg_write(&p->pci, VPCI_DEVFN(3, 0), VPCI_BASE_ADDRESS_0 + 8, 4,
			       (u32)b << 20);
		vpci_cfg_write(&p->pci, VPCI_DEVFN(3, 0), VPCI_BASE_ADDRESS_0 + 12, 4, a & 3);
		vpci_cfg_write(&p->pci, VPCI_DEVFN(3, 0), VPCI_COMMAND, 2, 7 & (b | a));
		vpci_cfg_write(&p->pci, VPCI_DEVFN(1, 0), PIIX3_PIRQRC + (a & 3), 1, b);
		vpci_cfg_write(&p->pci, VPCI_DEVFN(0, 0), I440FX_PAM0 + (a % 7), 1, b);
		break;
	case 7: {	/* MSI fires */
		u64 addr;
		u32 data;

		if (vpci_msi_message(&p->msidev, &addr, &data))
			msi(addr, data);
		break;
	}
	case 8:		/* UART: FIFOs, interrupts, loopback */
		uart16550_write(&p->uart, 3, 0x03);
		uart16550_write(&p->uart, 2, a | 1);
		uart16550_write(&p->uart, 1, b & 0xf);
		uart16550_write(&p->uart, 4, (cnt & 0x1f) | 8);
		break;
	default:	/* i8042: enable keyboard and IRQs */
		i8042_write(&p->kbc, 0x64, 0x60);
		i8042_write(&p->kbc, 0x60, 0x47 | (a & 0x30));
		i8042_write(&p->kbc, 0x60, 0xf4);
		i8042_key(&p->kbc, b);
		break;
	}
}

static u64 lapic_off(struct rd *r)
{
	u16 o = g16(r);

	switch (o >> 14) {
	case 0:
		return (o & 0x3f) << 4;			/* a register */
	case 1:
		return ((o & 0x3f) << 4) + ((o >> 6) & 0xf);	/* unaligned */
	case 2:
		return o & 0xfff;
	default:
		return LAPIC_MMIO_SIZE - 8 + (o & 0x1f);	/* at/after the end */
	}
}

static unsigned int msize(u8 b)
{
	return 1u << (b & 3);
}

int fuzz_devices_one(const u8 *data, size_t size)
{
	static struct platform plat;
	static u8 *mem;
	struct platform *p = &plat;
	struct rd in = { data, size, 0 };
	unsigned int nact = 0;
	u64 v;

	if (!mem)
		mem = malloc(DEV_MEM_SIZE);
	plat_init(p, g8(&in));
	p->mem = mem;
	memset(mem, 0, DEV_MEM_SIZE);
	while (in.pos < in.n && nact++ < DEV_MAX_ACTIONS) {
		struct rd r = { in.d + in.pos, in.n - in.pos, 0 };
		u8 op, a;

		if (r.n > FUZZ_DEV_REC)
			r.n = FUZZ_DEV_REC;
		in.pos += r.n;
		op = g8(&r);
		a = g8(&r);
		unsigned int cpu = a & 1;

		fuzz_dev_actions++;
		switch (op % 20) {
		case 0:
		case 1: {	/* port write */
			u16 port = a < 2 * ARRAY_SIZE(ports) ? ports[a >> 1] : g16(&r);

			pio(p, port, msize(op >> 5) > 4 ? 4 : msize(op >> 5), false, g32(&r));
			break;
		}
		case 2:
		case 3: {	/* port read */
			u16 port = a < 2 * ARRAY_SIZE(ports) ? ports[a >> 1] : g16(&r);

			pio(p, port, msize(op >> 5) > 4 ? 4 : msize(op >> 5), true, 0);
			break;
		}
		case 4:		/* LAPIC MMIO write */
			v = lapic_off(&r);
			lapic_mmio_write(&p->lapic[cpu], v, msize(a >> 1), g64(&r));
			break;
		case 5:		/* LAPIC MMIO read */
			v = lapic_off(&r);
			lapic_mmio_read(&p->lapic[cpu], v, msize(a >> 1), &v);
			break;
		case 6: {	/* IOAPIC MMIO */
			u16 o = g16(&r);
			u64 off = (o & 0x8000) ? (o & 0x1fff) : (o & 0x70);

			if (a & 0x80) {
				ioapic_mmio_read(&p->io, off, msize(a >> 1), &v);
			} else {
				v = g64(&r);
				ioapic_mmio_write(&p->io, off, msize(a >> 1), v);
			}
			break;
		}
		case 7:		/* IOAPIC select + window write */
			ioapic_mmio_write(&p->io, IOAPIC_IOREGSEL, 4, a >> 1);
			ioapic_mmio_write(&p->io, IOAPIC_IOWIN, 4, g32(&r));
			break;
		case 8: {	/* MSRs */
			u8 m = g8(&r);
			u32 msr = m < 16 ? MSR_LAPIC_APIC_BASE : m < 48 ?
				  MSR_LAPIC_TSC_DEADLINE : MSR_LAPIC_X2APIC_FIRST + g8(&r);

			if (a & 0x80) {
				lapic_read_msr(&p->lapic[cpu], msr, &v);
			} else {
				v = g64(&r);
				if (msr >= MSR_LAPIC_X2APIC_FIRST && !(a & 0x20) &&
				    msr != LAPIC_MSR(LAPIC_REG_ICR_LO))
					v = (u32)v;	/* else always #GP */
				if (msr == MSR_LAPIC_APIC_BASE && (a & 0x40))	/* x2APIC on/off */
					v = lapic_get_base(&p->lapic[cpu]) | LAPIC_BASE_EN |
					    (v & 1 ? LAPIC_BASE_EXTD : 0);
				lapic_write_msr(&p->lapic[cpu], msr, v);
			}
			break;
		}
		case 9:
		case 10:	/* the clock moves */
			advance(p, a, g32(&r));
			FUZZ_CHECK(run_timers(p), data, size);
			break;
		case 11:
		case 12:	/* a vCPU takes an interrupt */
			FUZZ_CHECK(take_irq(p, cpu, a & 2), data, size);
			break;
		case 13:	/* an ISA line, a PIC/IOAPIC pin, LINTs */
			if (a & 0x80)
				ioapic_set_irq(&p->io, (a >> 1) % IOAPIC_NR_PINS, a & 0x40);
			else if (a & 0x40)
				lapic_set_lint(&p->lapic[cpu], (a >> 1) & 1, a & 0x20);
			else
				isa_irq(p, (a >> 1) & 15, a & 0x20);
			break;
		case 14:	/* resets */
			switch ((a >> 1) % 7) {
			case 0:
				i8259_reset(&p->pic);
				break;
			case 1:
				ioapic_reset(&p->io);
				break;
			case 2:
				lapic_reset(&p->lapic[cpu], a & 0x80);
				break;
			case 3:
				i8042_reset(&p->kbc);
				break;
			case 4:
				acpi_pm_reset(&p->pm);
				break;
			case 5:
				sysctl_port_reset(&p->sys);
				break;
			default:
				ioapic_eoi(&p->io, g8(&r));
				break;
			}
			break;
		case 15: {	/* fw_cfg DMA: a descriptor in guest memory, then the kick */
			u32 at = g16(&r) | (a & 0x80 ? 0xff0000 : 0);
			u32 ctl = g32(&r), len = g32(&r), addr = g32(&r);

			if (!(a & 0x40)) {	/* mostly plausible */
				ctl = (ctl & 0xffff001f);
				len &= 0x1ff;
				addr &= 0xffff;
			}
			if ((u64)at + 16 <= DEV_MEM_SIZE) {
				u8 *d = mem + at;

				d[0] = ctl >> 24; d[1] = ctl >> 16; d[2] = ctl >> 8; d[3] = ctl;
				d[4] = len >> 24; d[5] = len >> 16; d[6] = len >> 8; d[7] = len;
				memset(d + 8, 0, 4);
				d[12] = addr >> 24; d[13] = addr >> 16; d[14] = addr >> 8;
				d[15] = addr;
			}
			pio(p, 0x514, 4, false, 0);
			pio(p, 0x518, 4, false, __builtin_bswap32(at));
			fuzz_dev_stats[3]++;
			if ((u64)at + 16 <= DEV_MEM_SIZE) {
				const u8 *d = mem + at;
				u32 c = (u32)d[0] << 24 | d[1] << 16 | d[2] << 8 | d[3];

				/*
				 * Done: the control word is 0 or ERROR; without a
				 * DMA interface the descriptor is left alone.
				 */
				FUZZ_CHECK(p->dma ? c <= FW_CFG_DMA_CTL_ERROR : c == ctl,
					   data, size);
			}
			break;
		}
		case 16:	/* host input: console bytes, keys, buttons, GPEs, NVRAM */
			if (a & 0x80) {
				u8 buf[20];
				unsigned int k = g8(&r) % sizeof(buf);

				memset(buf, a, sizeof(buf));
				if (uart16550_rx_space(&p->uart) < k)
					k = uart16550_rx_space(&p->uart);
				FUZZ_CHECK(uart16550_rx_push(&p->uart, buf, k) == k, data, size);
				mc146818_nvram_set(&p->rtc, g8(&r), a);
				mc146818_nvram_get(&p->rtc, g8(&r));
				lapic_accept(&p->lapic[cpu], g8(&r), a & 0x40);
			} else if ((a & 3) == 0 && p->rx_len < sizeof(p->rx))
				p->rx[p->rx_len++] = g8(&r);
			else if ((a & 3) == 0)
				uart16550_rx_kick(&p->uart);
			else if ((a & 3) == 1)
				i8042_key(&p->kbc, g8(&r));
			else if ((a & 3) == 2)
				acpi_pm_power_button(&p->pm);
			else
				acpi_pm_gpe_raise(&p->pm, g8(&r) & 15);
			if (a & 4)
				uart16550_tx_kick(&p->uart);
			break;
		case 17: {	/* PCI config space through the host interface */
			u16 bdf = (a & 0x80) ? g16(&r) : VPCI_DEVFN(a & 3, 0) * ((a & 3) != 2);
			u32 off = g16(&r) & 0x1ff;

			if (a & 0x40)
				vpci_cfg_read(&p->pci, bdf, off, msize(a >> 2) > 4 ? 4 :
					      msize(a >> 2));
			else
				vpci_cfg_write(&p->pci, bdf, off, msize(a >> 2) > 4 ? 4 :
					       msize(a >> 2), g32(&r));
			break;
		}
		default:
			r.pos--;
			program(p, &r);
			break;
		}
		if (p->init_req[cpu]) {
			p->init_req[cpu] = false;
			lapic_reset(&p->lapic[cpu], true);
		}
		FUZZ_CHECK(!p->bad, data, size);
		if (p->bad) {
			printf("# devices: %s\n", p->why);
			p->bad = false;
		}
		if ((nact & 15) == 0)
			FUZZ_CHECK(locks_free(p), data, size);
	}
	FUZZ_CHECK(locks_free(p), data, size);
	/* DMA never wrote outside the guest: ASan watches, and so do we. */
	fuzz_dev_stats[5] += p->fw.dma_errors;
	plat_fini(p);
	return 0;
}

#ifdef FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	return fuzz_devices_one(data, size);
}
#endif
