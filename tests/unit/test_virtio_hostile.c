// SPDX-License-Identifier: GPL-2.0
/*
 * guest-drivers/virtio_hostile.c, the hostile guest of the storage_hostile
 * suite, run in userspace against the portable model (virtio_blk.c,
 * virtq.c, virtio_pci.c, vpci.c, blk_limit.c) under ASan and UBSan: the
 * same cases, the same expected outcomes, without a test host. Three
 * virtio-blk functions on a PCI bus (00:04.0, 00:05.0 read-only, 00:06.0
 * read-only behind a 100 IOPS blk_limit), 2 MiB each holding the
 * payload's pattern; guest RAM is mapped at the payload's own
 * addresses (1 MiB to 64 MiB) so its pointers work as they are, with a
 * zero read-only ROM at 0xfffe0000 for the device only; port I/O reaches
 * the PCI bus (0xcf8/0xcfc) and CMOS (64 MiB); an MMIO access reaches the
 * function whose BAR holds it. The fake backend completes what it holds
 * at each MMIO read (late, as a host's completions come while the guest
 * polls): the requests in flight across a reset are orphans for real.
 * The limiter's clock advances 100 us at each MMIO read and its timer
 * fires there when due.
 * Packed rings are offered, so the payload runs its packed cases too.
 * The payload prints the KTAP; its exit status is the test's.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <x86intrin.h>
#include "fake_blk.h"
#include "blk_limit.h"
#include "virtio_blk.h"

#define RAM_LO		0x100000UL
#define RAM_HI		(64UL << 20)
#define ROM_LO		0xfffe0000UL
#define ROM_HI		0x100000000UL
#define DISK_BYTES	(2u << 20)

static u8 rom[ROM_HI - ROM_LO];
static struct vpci_bus bus;
static struct fake_gmem alias;	/* the backends copy through this alias of RAM */
#define NDISK		3
static struct fake_be disk[NDISK];
static struct virtio_blk blk[NDISK];
static struct blk_limit lim;
static u64 clk_now, clk_deadline;
static bool clk_armed;
static u8 cmos_idx;

/* ---- guest memory as the devices see it ---- */
static bool hg_ok(void *opaque, u64 gpa, u64 len, bool write)
{
	(void)opaque;
	if (gpa >= RAM_LO && gpa <= RAM_HI && len <= RAM_HI - gpa)
		return true;
	return !write && gpa >= ROM_LO && gpa < ROM_HI && len <= ROM_HI - gpa;
}

static void *hg_ptr(u64 gpa)
{
	return gpa >= ROM_LO ? (void *)(rom + (gpa - ROM_LO)) : (void *)gpa;
}

static int hg_read(void *opaque, u64 gpa, void *buf, u32 len)
{
	if (!hg_ok(opaque, gpa, len, false))
		return -EFAULT;
	memcpy(buf, hg_ptr(gpa), len);
	return 0;
}

static int hg_write(void *opaque, u64 gpa, const void *buf, u32 len)
{
	if (!hg_ok(opaque, gpa, len, true))
		return -EFAULT;
	memcpy(hg_ptr(gpa), buf, len);
	return 0;
}

static const struct blk_gmem_ops hg_ops = {
	.read = hg_read,
	.write = hg_write,
	.ok = hg_ok,
};

static void no_msi(void *opaque, u64 addr, u32 data)
{
	(void)opaque;
	(void)addr;
	(void)data;
}

static void no_intx(void *opaque, bool level)
{
	(void)opaque;
	(void)level;
}

static const struct virtio_pci_host_ops host = {
	.msi = no_msi,
	.set_intx = no_intx,
};

/* ---- the limiter's clock: MMIO reads drive it ---- */
static u64 clk_read(void *host)
{
	(void)host;
	return clk_now;
}

static void clk_arm(void *host, struct vmm_timer *t, u64 deadline)
{
	(void)host;
	(void)t;
	clk_armed = true;
	clk_deadline = deadline;
}

static void clk_cancel(void *host, struct vmm_timer *t)
{
	(void)host;
	(void)t;
	clk_armed = false;
}

static const struct vmm_time_ops clk_ops = {
	.now_ns = clk_read,
	.timer_arm = clk_arm,
	.timer_cancel = clk_cancel,
};

static void clk_tick(void)
{
	clk_now += 100000;
	if (clk_armed && clk_deadline <= clk_now) {
		clk_armed = false;
		blk_limit_fire(&lim);
	}
}

/* ---- what the payload's runtime would give it ---- */
static inline void outl(u16 port, u32 v)
{
	vpci_io_write(&bus, port, 4, v);
}

static inline void outb(u16 port, u8 v)
{
	if (port == 0x70)
		cmos_idx = v;
	else if (port != 0x71)
		vpci_io_write(&bus, port, 1, v);
}

static inline u32 inl(u16 port)
{
	return vpci_io_read(&bus, port, 4);
}

static inline u8 inb(u16 port)
{
	if (port == 0x71)	/* 64 KiB blocks above 16 MiB: 768 */
		return cmos_idx == 0x35 ? 3 : 0;
	return vpci_io_read(&bus, port, 1);
}

static inline u64 rdtsc(void)
{
	return __rdtsc();
}

/*
 * The function whose BAR (memory decode on) holds [a, a + size), or NULL:
 * as module/mmio.c, an access straddling a BAR's end reads all ones and
 * writes nothing.
 */
static struct virtio_blk *bar_owner(u64 a, unsigned int size, u32 *off)
{
	int i;

	for (i = 0; i < NDISK; i++) {
		struct vpci_dev *d = &blk[i].vp.pci;
		u64 base = vpci_get_long(d, 0x10 + 4 * VIRTIO_PCI_BAR) & ~0xfULL;

		if ((vpci_get_word(d, VPCI_COMMAND) & VPCI_COMMAND_MEMORY) &&
		    a >= base && a + size <= base + VIRTIO_PCI_BAR_SIZE) {
			*off = a - base;
			return &blk[i];
		}
	}
	return NULL;
}

static u64 mmio_rd(u64 a, unsigned int size)
{
	struct virtio_blk *b;
	u64 v = ~0ULL >> (64 - 8 * size);
	u32 off;
	int i;

	clk_tick();
	for (i = 0; i < NDISK; i++)
		fake_be_complete_all(&disk[i]);
	b = bar_owner(a, size, &off);
	if (b)
		virtio_pci_mmio(&b->vp, off, false, size, &v);
	return v;
}

static void mmio_wr(u64 a, unsigned int size, u64 v)
{
	struct virtio_blk *b;
	u32 off;

	b = bar_owner(a, size, &off);
	if (b)
		virtio_pci_mmio(&b->vp, off, true, size, &v);
}

/* the guest runtime's output: puts without a newline, one-argument putc */
#undef putc
#define putc(c)	putchar(c)
#define puts(s)	fputs((s), stdout)
#undef BIT
#define main	hostile_main
#include "../../guest-drivers/virtio_hostile.c"
#undef main

static void fill_pattern(u8 *img)
{
	u64 s;

	for (s = 0; s < DISK_BYTES / 512; s++)
		expect_sector(img + s * 512, s);
}

int main(void)
{
	void *ram = MAP_FAILED;
	u8 *al = MAP_FAILED;
	int i, r, fd;

	setvbuf(stdout, NULL, _IONBF, 0);
	/* RAM at the payload's addresses, and again where fake_blk.h's
	 * backend finds gpa at alias.ram + gpa */
	fd = memfd_create("vhostile-ram", 0);
	if (fd >= 0 && !ftruncate(fd, RAM_HI - RAM_LO)) {
		ram = mmap((void *)RAM_LO, RAM_HI - RAM_LO, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
		al = mmap(NULL, RAM_HI, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	if (al != MAP_FAILED &&
	    mmap(al + RAM_LO, RAM_HI - RAM_LO, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, 0) != al + RAM_LO)
		al = MAP_FAILED;
	if (ram != (void *)RAM_LO || al == MAP_FAILED) {
		printf("KTAP version 1\n# Subtest: virtio_hostile\n1..1\n"
		       "not ok 1 guest RAM at %#lx-%#lx (%p)\n", RAM_LO, RAM_HI, ram);
		return 1;
	}
	alias.ram = al;
	alias.size = RAM_HI;
	vpci_bus_init(&bus);
	for (i = 0; i < NDISK; i++) {
		struct blk_backend *be = &disk[i].be;
		char id[24];

		fake_be_init(&disk[i], &alias, DISK_BYTES, 512, i == 0);
		fill_pattern(disk[i].img);
		disk[i].be.readonly = i >= 1;
		if (i == 2) {
			struct blk_limits l = { .iops = 100 };

			blk_limit_init(&lim, be, &clk_ops, NULL);
			blk_limit_set(&lim, &l);
			be = &lim.be;
		}
		snprintf(id, sizeof(id), "vmm-1-vd%d", i);
		if (virtio_blk_init(&blk[i], be, 1, id, &hg_ops, NULL, &host, NULL) ||
		    vpci_register(&bus, VPCI_DEVFN(4 + i, 0), &blk[i].vp.pci)) {
			printf("not ok 1 virtio-blk %d set up\n", i);
			return 1;
		}
		virtio_blk_offer_packed(&blk[i], true);
	}
	r = hostile_main();
	/* the read-only images kept their pattern; the other one changed only in 4080-4095 */
	{
		u8 *e = malloc(DISK_BYTES);
		bool ro_ok, rw_ok;

		fill_pattern(e);
		ro_ok = !memcmp(e, disk[1].img, DISK_BYTES) && !memcmp(e, disk[2].img, DISK_BYTES);
		memset(e + SCRATCH * 512, 0, 8 * 512);
		memcpy(e + (SCRATCH + 8) * 512, e, 8 * 512);
		rw_ok = !memcmp(e, disk[0].img, DISK_BYTES);
		free(e);
		printf("# host side: read-only images %s, read-write image %s; limiter: %lu delayed, %lu cancelled\n",
		       ro_ok ? "unchanged" : "CHANGED",
		       rw_ok ? "changed only in the scratch sectors" : "WRONG",
		       (unsigned long)lim.st.delayed, (unsigned long)lim.st.cancelled);
		if (!ro_ok || !rw_ok)
			r = 1;
	}
	return r;
}
