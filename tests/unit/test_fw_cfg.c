// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the fw_cfg device model (module/core/fw_cfg.c). */
#include "ktap.h"
#include "fw_cfg.h"

#define MEM_SIZE	0x10000
/* Writes here succeed and are only counted: a large guest's RAM. */
#define SINK_BASE	0x100000000ULL
#define SINK_SIZE	0x100000000ULL

/* A small guest: MEM_SIZE bytes of RAM at guest-physical 0. */
struct fake_guest {
	u8 mem[MEM_SIZE];
	unsigned int reads, writes;
	u64 sink_bytes;
};

static int fake_read_gpa(void *opaque, u64 gpa, void *buf, u32 len)
{
	struct fake_guest *g = opaque;

	g->reads++;
	if (gpa > MEM_SIZE || len > MEM_SIZE - gpa)
		return -EFAULT;
	memcpy(buf, g->mem + gpa, len);
	return 0;
}

static int fake_write_gpa(void *opaque, u64 gpa, const void *buf, u32 len)
{
	struct fake_guest *g = opaque;

	g->writes++;
	if (gpa >= SINK_BASE && gpa - SINK_BASE < SINK_SIZE &&
	    len <= SINK_SIZE - (gpa - SINK_BASE)) {
		g->sink_bytes += len;
		return 0;
	}
	if (gpa > MEM_SIZE || len > MEM_SIZE - gpa)
		return -EFAULT;
	memcpy(g->mem + gpa, buf, len);
	return 0;
}

static const struct fw_cfg_ops fake_ops = {
	.read_gpa = fake_read_gpa,
	.write_gpa = fake_write_gpa,
};

static struct fake_guest guest;
static struct fw_cfg fw;

static void sel(struct fw_cfg *f, u16 key)
{
	fw_cfg_io_write(f, FW_CFG_PORT_SEL, 2, key);
}

/* Read n bytes of the selected item through the data port, byte by byte. */
static void port_read(struct fw_cfg *f, u8 *buf, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		buf[i] = fw_cfg_io_read(f, FW_CFG_PORT_DATA, 1);
}

static u32 rd_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static void wr_be32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void wr_be64(u8 *p, u64 v)
{
	wr_be32(p, v >> 32);
	wr_be32(p + 4, v);
}

/* Write a descriptor at desc in guest memory (if it fits) and start it. */
static void dma(u64 desc, u32 control, u32 len, u64 addr)
{
	if (desc <= MEM_SIZE - 16) {
		wr_be32(guest.mem + desc, control);
		wr_be32(guest.mem + desc + 4, len);
		wr_be64(guest.mem + desc + 8, addr);
	}
	/* As a guest does: outl(cpu_to_be32(half)), high half first. */
	fw_cfg_io_write(&fw, FW_CFG_PORT_DMA_HI, 4, __builtin_bswap32(desc >> 32));
	fw_cfg_io_write(&fw, FW_CFG_PORT_DMA_LO, 4, __builtin_bswap32((u32)desc));
}

static u32 dma_ctl(u64 desc)
{
	return rd_be32(guest.mem + desc);
}

static void setup(void)
{
	memset(&guest, 0, sizeof(guest));
	fw_cfg_init(&fw, &fake_ops, &guest);
}

static void test_signature(void)
{
	u8 b[6];
	bool ok;
	u32 w;

	setup();
	sel(&fw, FW_CFG_SIGNATURE);
	port_read(&fw, b, 6);
	ok = KTAP_EXPECT(!memcmp(b, "QEMU\0\0", 6));
	/* A wider read is string-preserving; reselecting restarts at 0. */
	sel(&fw, FW_CFG_SIGNATURE);
	w = fw_cfg_io_read(&fw, FW_CFG_PORT_DATA, 4);
	ok &= KTAP_EXPECT(w == ('Q' | 'E' << 8 | 'M' << 16 | (u32)'U' << 24));
	ktap_result(ok, "signature: QEMU via the data port, 0 past the end");
}

static void test_id(void)
{
	struct fw_cfg plain;
	u8 b[4];
	bool ok;

	setup();
	sel(&fw, FW_CFG_ID);
	port_read(&fw, b, 4);
	ok = KTAP_EXPECT(b[0] == (FW_CFG_ID_TRADITIONAL | FW_CFG_ID_DMA) &&
			 !b[1] && !b[2] && !b[3]);
	fw_cfg_init(&plain, NULL, NULL);
	sel(&plain, FW_CFG_ID);
	port_read(&plain, b, 4);
	ok &= KTAP_EXPECT(b[0] == FW_CFG_ID_TRADITIONAL && !b[1]);
	ktap_result(ok, "id: traditional bit, DMA bit only with guest memory ops");
}

static void test_dma_register_signature(void)
{
	struct fw_cfg plain;
	bool ok;

	setup();
	ok = KTAP_EXPECT(fw_cfg_io_read(&fw, FW_CFG_PORT_DMA_HI, 4) ==
			 ('Q' | 'E' << 8 | 'M' << 16 | (u32)'U' << 24));
	ok &= KTAP_EXPECT(fw_cfg_io_read(&fw, FW_CFG_PORT_DMA_LO, 4) ==
			  (' ' | 'C' << 8 | 'F' << 16 | (u32)'G' << 24));
	ok &= KTAP_EXPECT(fw_cfg_io_read(&fw, FW_CFG_PORT_DMA_LO + 3, 1) == 'G');
	fw_cfg_init(&plain, NULL, NULL);
	ok &= KTAP_EXPECT(fw_cfg_io_read(&plain, FW_CFG_PORT_DMA_HI, 4) == 0xffffffff);
	ok &= KTAP_EXPECT(fw_cfg_io_read(&fw, 0x512, 1) == 0xff);
	ok &= KTAP_EXPECT(fw_cfg_io_read(&fw, FW_CFG_PORT_SEL, 2) == 0xffff);
	ktap_result(ok, "DMA address register reads \"QEMU CFG\"; no DMA or other ports: all ones");
}

static bool read_num(u16 key, u64 want, unsigned int size)
{
	u8 b[9];
	unsigned int i;
	u64 v = 0;

	sel(&fw, key);
	port_read(&fw, b, size + 1);
	for (i = 0; i < size; i++)
		v |= (u64)b[i] << (8 * i);
	return v == want && b[size] == 0;
}

static void test_defaults(void)
{
	bool ok;

	setup();
	ok = KTAP_EXPECT(read_num(FW_CFG_NB_CPUS, 1, 2));
	ok &= KTAP_EXPECT(read_num(FW_CFG_MAX_CPUS, 1, 2));
	ok &= KTAP_EXPECT(read_num(FW_CFG_NOGRAPHIC, 0, 2));
	ok &= KTAP_EXPECT(read_num(FW_CFG_BOOT_MENU, 0, 2));
	ok &= KTAP_EXPECT(read_num(FW_CFG_NUMA, 0, 8));
	/* The write channel bit is ignored; unknown keys read empty. */
	ok &= KTAP_EXPECT(read_num(FW_CFG_NB_CPUS | FW_CFG_WRITE_CHANNEL, 1, 2));
	ok &= KTAP_EXPECT(read_num(FW_CFG_UUID, 0, 0));
	ok &= KTAP_EXPECT(read_num(0x1234, 0, 0));
	ktap_result(ok, "default items: nb_cpus, max_cpus, nographic, boot_menu, numa");
}

static void test_legacy_numeric(void)
{
	static const char cmdline[] = "console=ttyS0";
	u8 b[sizeof(cmdline) + 1];
	bool ok;

	setup();
	ok = KTAP_EXPECT(fw_cfg_add_u16(&fw, FW_CFG_NB_CPUS, 4) == 0);
	ok &= KTAP_EXPECT(fw_cfg_add_u16(&fw, FW_CFG_MAX_CPUS, 8) == 0);
	ok &= KTAP_EXPECT(fw_cfg_add_u32(&fw, FW_CFG_KERNEL_SIZE, 0x12345678) == 0);
	ok &= KTAP_EXPECT(fw_cfg_add_u64(&fw, FW_CFG_RAM_SIZE, 0x1122334455667788ULL) == 0);
	ok &= KTAP_EXPECT(fw_cfg_add_u32(&fw, FW_CFG_IRQ0_OVERRIDE, 1) == 0);
	ok &= KTAP_EXPECT(fw_cfg_add_u32(&fw, FW_CFG_CMDLINE_SIZE, sizeof(cmdline)) == 0);
	ok &= KTAP_EXPECT(fw_cfg_add_bytes(&fw, FW_CFG_CMDLINE_DATA, cmdline,
					   sizeof(cmdline)) == 0);
	ok &= KTAP_EXPECT(read_num(FW_CFG_NB_CPUS, 4, 2));
	ok &= KTAP_EXPECT(read_num(FW_CFG_MAX_CPUS, 8, 2));
	ok &= KTAP_EXPECT(read_num(FW_CFG_KERNEL_SIZE, 0x12345678, 4));
	ok &= KTAP_EXPECT(read_num(FW_CFG_RAM_SIZE, 0x1122334455667788ULL, 8));
	ok &= KTAP_EXPECT(read_num(FW_CFG_IRQ0_OVERRIDE, 1, 4));
	ok &= KTAP_EXPECT(read_num(FW_CFG_CMDLINE_SIZE, 14, 4));
	sel(&fw, FW_CFG_CMDLINE_DATA);
	port_read(&fw, b, sizeof(b));
	ok &= KTAP_EXPECT(!memcmp(b, cmdline, sizeof(cmdline)) && b[sizeof(cmdline)] == 0);
	/* Replacing an item keeps one entry per key. */
	ok &= KTAP_EXPECT(fw_cfg_add_u32(&fw, FW_CFG_KERNEL_SIZE, 7) == 0);
	ok &= KTAP_EXPECT(read_num(FW_CFG_KERNEL_SIZE, 7, 4));
	ok &= KTAP_EXPECT(fw_cfg_add_bytes(&fw, FW_CFG_SETUP_DATA, NULL, 0) == 0);
	ok &= KTAP_EXPECT(read_num(FW_CFG_SETUP_DATA, 0, 0));
	ktap_result(ok, "legacy numeric items read back little-endian; blobs; replacement");

	ok = KTAP_EXPECT(fw_cfg_add_u32(&fw, FW_CFG_SIGNATURE, 1) == -EINVAL);
	ok &= KTAP_EXPECT(fw_cfg_add_u32(&fw, FW_CFG_ID, 1) == -EINVAL);
	ok &= KTAP_EXPECT(fw_cfg_add_u32(&fw, FW_CFG_FILE_DIR, 1) == -EINVAL);
	ok &= KTAP_EXPECT(fw_cfg_add_u32(&fw, FW_CFG_FILE_FIRST, 1) == -EINVAL);
	ok &= KTAP_EXPECT(fw_cfg_add_u32(&fw, FW_CFG_WRITE_CHANNEL | 5, 1) == -EINVAL);
	ok &= KTAP_EXPECT(fw_cfg_add_bytes(&fw, FW_CFG_KERNEL_DATA, NULL, 4) == -EINVAL);
	ok &= KTAP_EXPECT(read_num(FW_CFG_SIGNATURE, 0x554d4551, 4));
	ktap_result(ok, "reserved keys and bad blobs are refused");
}

static void test_legacy_full(void)
{
	unsigned int i;
	int ret = 0;

	setup();
	for (i = 0; i < FW_CFG_MAX_ITEMS + 1 && !ret; i++)
		ret = fw_cfg_add_u32(&fw, FW_CFG_ARCH_LOCAL + 0x100 + i, i);
	ktap_result(KTAP_EXPECT(ret == -ENOSPC), "a full item table: -ENOSPC");
}

static const u8 e820[40] = { 1, 2, 3 };
static const char bootorder[] = "/pci@i0cf8/*@1f,2/drive@0/disk@0\n";
static const u8 bfw[4] = { 0x10, 0x27 };

static void add_files(void)
{
	fw_cfg_add_file(&fw, "etc/e820", e820, sizeof(e820));
	fw_cfg_add_file(&fw, "bootorder", bootorder, sizeof(bootorder));
	fw_cfg_add_file(&fw, "etc/boot-fail-wait", bfw, sizeof(bfw));
	fw_cfg_add_file(&fw, "a/z", NULL, 0);
}

static bool dir_entry(const u8 *e, u32 size, u16 select, const char *name)
{
	char want[FW_CFG_MAX_FILE_PATH] = { 0 };

	strcpy(want, name);
	return rd_be32(e) == size && e[4] == select >> 8 && e[5] == (u8)select &&
	       !e[6] && !e[7] && !memcmp(e + 8, want, sizeof(want));
}

static void test_file_dir(void)
{
	u8 dir[4 + 4 * 64 + 2];
	bool ok;

	setup();
	ok = KTAP_EXPECT(fw_cfg_add_file(&fw, "etc/e820", e820, sizeof(e820)) == 0x20);
	ok &= KTAP_EXPECT(fw_cfg_add_file(&fw, "bootorder", bootorder,
					  sizeof(bootorder)) == 0x21);
	ok &= KTAP_EXPECT(fw_cfg_add_file(&fw, "etc/boot-fail-wait", bfw, 4) == 0x22);
	ok &= KTAP_EXPECT(fw_cfg_add_file(&fw, "a/z", NULL, 0) == 0x23);
	ktap_result(ok, "files get select keys 0x20 up in insertion order");

	sel(&fw, FW_CFG_FILE_DIR);
	port_read(&fw, dir, sizeof(dir));
	ok = KTAP_EXPECT(rd_be32(dir) == 4);
	ok &= KTAP_EXPECT(dir_entry(dir + 4, 0, 0x23, "a/z"));
	ok &= KTAP_EXPECT(dir_entry(dir + 68, sizeof(bootorder), 0x21, "bootorder"));
	ok &= KTAP_EXPECT(dir_entry(dir + 132, 4, 0x22, "etc/boot-fail-wait"));
	ok &= KTAP_EXPECT(dir_entry(dir + 196, sizeof(e820), 0x20, "etc/e820"));
	ok &= KTAP_EXPECT(dir[260] == 0 && dir[261] == 0);
	ktap_result(ok, "file directory: big-endian count and entries, sorted by name");
}

static void test_file_errors(void)
{
	char name[FW_CFG_MAX_FILE_PATH + 1];
	unsigned int i;
	bool ok;
	u8 dir[4 + 64];
	int ret = 0;

	setup();
	add_files();
	memset(name, 'x', sizeof(name));
	name[FW_CFG_MAX_FILE_PATH] = 0;
	ok = KTAP_EXPECT(fw_cfg_add_file(&fw, name, bfw, 4) == -EINVAL);
	name[FW_CFG_MAX_FILE_PATH - 1] = 0;	/* 55 characters fit */
	ok &= KTAP_EXPECT(fw_cfg_add_file(&fw, name, bfw, 4) == 0x24);
	ok &= KTAP_EXPECT(fw_cfg_add_file(&fw, "", bfw, 4) == -EINVAL);
	ok &= KTAP_EXPECT(fw_cfg_add_file(&fw, NULL, bfw, 4) == -EINVAL);
	ok &= KTAP_EXPECT(fw_cfg_add_file(&fw, "opt/x", NULL, 4) == -EINVAL);
	/* The same name again replaces the data and keeps the key. */
	ok &= KTAP_EXPECT(fw_cfg_add_file(&fw, "bootorder", bfw, 2) == 0x21);
	sel(&fw, FW_CFG_FILE_DIR);
	port_read(&fw, dir, sizeof(dir));
	ok &= KTAP_EXPECT(rd_be32(dir) == 5);
	sel(&fw, 0x21);
	ok &= KTAP_EXPECT(fw_cfg_io_read(&fw, FW_CFG_PORT_DATA, 4) == 0x2710);
	for (i = 0; i < FW_CFG_MAX_FILES && !ret; i++) {
		name[0] = 'A' + i % 26;
		name[1] = 'A' + i / 26;
		name[2] = 0;
		ret = fw_cfg_add_file(&fw, name, bfw, 4);
		ret = ret < 0 ? ret : 0;
	}
	ok &= KTAP_EXPECT(ret == -ENOSPC);
	ktap_result(ok, "file names: 55 bytes fit, empty or 56 refused; replace; -ENOSPC");
}

static void test_file_ports(void)
{
	u8 b[8];
	bool ok;
	u32 w;

	setup();
	add_files();
	sel(&fw, 0x22);		/* etc/boot-fail-wait: 10 27 00 00 */
	ok = KTAP_EXPECT(fw_cfg_io_read(&fw, FW_CFG_PORT_DATA, 1) == 0x10);
	w = fw_cfg_io_read(&fw, FW_CFG_PORT_DATA, 2);
	ok &= KTAP_EXPECT(w == 0x0027);
	w = fw_cfg_io_read(&fw, FW_CFG_PORT_DATA, 4);	/* 1 byte left */
	ok &= KTAP_EXPECT(w == 0);
	ok &= KTAP_EXPECT(fw_cfg_io_read(&fw, FW_CFG_PORT_DATA, 1) == 0);
	/* Writes to the data port are ignored; reselecting restarts. */
	fw_cfg_io_write(&fw, FW_CFG_PORT_DATA, 1, 0x55);
	sel(&fw, 0x21);
	port_read(&fw, b, 8);
	ok &= KTAP_EXPECT(!memcmp(b, bootorder, 8));
	sel(&fw, 0x20);
	port_read(&fw, b, 4);
	ok &= KTAP_EXPECT(b[0] == 1 && b[1] == 2 && b[2] == 3 && b[3] == 0);
	/* An 8-bit write to the selector does not select. */
	fw_cfg_io_write(&fw, FW_CFG_PORT_SEL, 1, 0x21);
	ok &= KTAP_EXPECT(fw_cfg_io_read(&fw, FW_CFG_PORT_DATA, 1) == 0);
	sel(&fw, 0x23);		/* the empty file */
	ok &= KTAP_EXPECT(fw_cfg_io_read(&fw, FW_CFG_PORT_DATA, 1) == 0);
	sel(&fw, 0x30);		/* no such file */
	ok &= KTAP_EXPECT(fw_cfg_io_read(&fw, FW_CFG_PORT_DATA, 4) == 0);
	ktap_result(ok, "file reads via ports: offset advances, 0 past the end");
}

static void test_dma_read(void)
{
	unsigned int i;
	bool ok;

	setup();
	add_files();
	dma(0x100, 0x21u << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ,
	    sizeof(bootorder), 0x1000);
	ok = KTAP_EXPECT(dma_ctl(0x100) == 0);
	ok &= KTAP_EXPECT(!memcmp(guest.mem + 0x1000, bootorder, sizeof(bootorder)));
	/* The offset advanced to the end: the port now reads 0. */
	ok &= KTAP_EXPECT(fw_cfg_io_read(&fw, FW_CFG_PORT_DATA, 1) == 0);
	ktap_result(ok, "DMA select+read copies the item into guest memory");

	memset(guest.mem + 0x2000, 0xaa, 64);
	dma(0x100, FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ,
	    16, 0x2000);
	ok = KTAP_EXPECT(dma_ctl(0x100) == 0);
	ok &= KTAP_EXPECT(!memcmp(guest.mem + 0x2000, "QEMU", 4));
	for (i = 4; i < 16; i++)
		ok &= KTAP_EXPECT(guest.mem[0x2000 + i] == 0);
	ok &= KTAP_EXPECT(guest.mem[0x2000 + 16] == 0xaa);
	ktap_result(ok, "DMA read past the end of an item fills zeros");
}

static void test_dma_skip(void)
{
	bool ok;

	setup();
	add_files();
	sel(&fw, 0x21);
	(void)fw_cfg_io_read(&fw, FW_CFG_PORT_DATA, 1);		/* offset 1 */
	dma(0x200, FW_CFG_DMA_CTL_SKIP, 4, 0);			/* offset 5 */
	ok = KTAP_EXPECT(dma_ctl(0x200) == 0);
	dma(0x200, FW_CFG_DMA_CTL_READ, 3, 0x3000);		/* offset 8 */
	ok &= KTAP_EXPECT(dma_ctl(0x200) == 0);
	ok &= KTAP_EXPECT(!memcmp(guest.mem + 0x3000, bootorder + 5, 3));
	ok &= KTAP_EXPECT(fw_cfg_io_read(&fw, FW_CFG_PORT_DATA, 1) == (u8)bootorder[8]);
	/* Select+skip, then read: the skip counts from the new item's start. */
	dma(0x200, 0x20u << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_SKIP, 2, 0);
	dma(0x200, FW_CFG_DMA_CTL_READ, 1, 0x3000);
	ok &= KTAP_EXPECT(dma_ctl(0x200) == 0 && guest.mem[0x3000] == 3);
	/* A skip past the end is not an error; the offset stops there. */
	dma(0x200, FW_CFG_DMA_CTL_SKIP, 0xffffffff, 0);
	ok &= KTAP_EXPECT(dma_ctl(0x200) == 0);
	ok &= KTAP_EXPECT(fw_cfg_io_read(&fw, FW_CFG_PORT_DATA, 1) == 0);
	/* Select alone only selects. */
	dma(0x200, FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_CTL_SELECT, 0, 0);
	ok &= KTAP_EXPECT(dma_ctl(0x200) == 0);
	ok &= KTAP_EXPECT(fw_cfg_io_read(&fw, FW_CFG_PORT_DATA, 1) == 'Q');
	ktap_result(ok, "DMA skip and select share the offset with the data port");
}

static void test_dma_dir(void)
{
	u8 dir[4 + 4 * 64];
	bool ok;

	setup();
	add_files();
	sel(&fw, FW_CFG_FILE_DIR);
	port_read(&fw, dir, sizeof(dir));
	dma(0x100, FW_CFG_FILE_DIR << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ,
	    sizeof(dir), 0x4000);
	ok = KTAP_EXPECT(dma_ctl(0x100) == 0);
	ok &= KTAP_EXPECT(!memcmp(guest.mem + 0x4000, dir, sizeof(dir)));
	/* Reading the count first, then the rest, as SeaBIOS does. */
	dma(0x100, FW_CFG_FILE_DIR << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ,
	    4, 0x5000);
	dma(0x100, FW_CFG_DMA_CTL_READ, sizeof(dir) - 4, 0x5004);
	ok &= KTAP_EXPECT(!memcmp(guest.mem + 0x5000, dir, sizeof(dir)));
	ktap_result(ok, "DMA read of the directory matches the port view");
}

static void test_dma_errors(void)
{
	unsigned int writes;
	u64 before;
	bool ok;

	setup();
	add_files();
	/* Destination beyond guest memory. */
	dma(0x100, 0x21u << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ,
	    sizeof(bootorder), MEM_SIZE - 4);
	ok = KTAP_EXPECT(dma_ctl(0x100) == FW_CFG_DMA_CTL_ERROR);
	dma(0x100, 0x21u << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ,
	    4, 0x123456789000ULL);
	ok &= KTAP_EXPECT(dma_ctl(0x100) == FW_CFG_DMA_CTL_ERROR);
	ktap_result(ok, "DMA to an address beyond guest memory: error bit");

	/* Huge length: the copy runs out of guest memory, nothing else. */
	dma(0x100, 0x21u << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ,
	    0xffffffff, 0x8000);
	ok = KTAP_EXPECT(dma_ctl(0x100) == FW_CFG_DMA_CTL_ERROR);
	ok &= KTAP_EXPECT(!memcmp(guest.mem + 0x8000, bootorder, sizeof(bootorder)));
	/* A range that wraps around the address space. */
	writes = guest.writes;
	dma(0x100, 0x21u << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ,
	    0x100, 0xffffffffffffff80ULL);
	ok &= KTAP_EXPECT(dma_ctl(0x100) == FW_CFG_DMA_CTL_ERROR);
	ok &= KTAP_EXPECT(guest.writes == writes + 1);	/* the control word only */
	/* The wrapping read did not consume the item. */
	ok &= KTAP_EXPECT(fw_cfg_io_read(&fw, FW_CFG_PORT_DATA, 1) == (u8)bootorder[0]);
	ktap_result(ok, "DMA with a huge or wrapping length: error bit, no overrun");

	/* Into RAM that has room: the zero fill stops at its bound. */
	guest.sink_bytes = 0;
	dma(0x100, 0x21u << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ,
	    0xffffffff, SINK_BASE);
	ok = KTAP_EXPECT(dma_ctl(0x100) == FW_CFG_DMA_CTL_ERROR);
	ok &= KTAP_EXPECT(guest.sink_bytes == sizeof(bootorder) + FW_CFG_DMA_ZERO_MAX);
	guest.sink_bytes = 0;
	dma(0x100, 0x21u << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ,
	    sizeof(bootorder) + FW_CFG_DMA_ZERO_MAX, SINK_BASE);
	ok &= KTAP_EXPECT(dma_ctl(0x100) == 0);
	ok &= KTAP_EXPECT(guest.sink_bytes == sizeof(bootorder) + FW_CFG_DMA_ZERO_MAX);
	ktap_result(ok, "DMA read past an item's end: at most FW_CFG_DMA_ZERO_MAX zeros, then the error bit");

	/* Writes: no item is writable. */
	memset(guest.mem + 0x3000, 0x5a, 4);
	dma(0x100, 0x20u << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_WRITE, 4, 0x3000);
	ok = KTAP_EXPECT(dma_ctl(0x100) == FW_CFG_DMA_CTL_ERROR);
	ok &= KTAP_EXPECT(e820[0] == 1);
	sel(&fw, 0x20);
	ok &= KTAP_EXPECT(fw_cfg_io_read(&fw, FW_CFG_PORT_DATA, 1) == 1);
	/* Read wins over write when both are set. */
	dma(0x100, 0x20u << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ |
	    FW_CFG_DMA_CTL_WRITE, 2, 0x3000);
	ok &= KTAP_EXPECT(dma_ctl(0x100) == 0 && guest.mem[0x3000] == 1);
	ktap_result(ok, "DMA write requests fail with the error bit");

	/* A descriptor outside guest memory is ignored. */
	before = fw.dma_errors;
	writes = guest.writes;
	dma(MEM_SIZE - 8, FW_CFG_DMA_CTL_READ, 4, 0);
	dma(0x100000000ULL, FW_CFG_DMA_CTL_READ, 4, 0);
	dma(0xfffffffffffffff8ULL, FW_CFG_DMA_CTL_READ, 4, 0);
	ok = KTAP_EXPECT(guest.writes == writes);
	ok &= KTAP_EXPECT(fw.dma_errors == before + 3);
	ktap_result(ok, "DMA descriptor outside guest memory or wrapping: ignored");
}

static void test_dma_address_register(void)
{
	bool ok;

	setup();
	add_files();
	/* A high half alone does nothing; the low write uses it once. */
	fw_cfg_io_write(&fw, FW_CFG_PORT_DMA_HI, 4, __builtin_bswap32(1));
	wr_be32(guest.mem + 0x100, FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_CTL_SELECT |
		FW_CFG_DMA_CTL_READ);
	wr_be32(guest.mem + 0x104, 4);
	wr_be64(guest.mem + 0x108, 0x600);
	fw_cfg_io_write(&fw, FW_CFG_PORT_DMA_LO, 4, __builtin_bswap32(0x100));
	ok = KTAP_EXPECT(dma_ctl(0x100) != 0 && guest.mem[0x600] == 0);
	/* The register went back to 0: a low write alone now works. */
	fw_cfg_io_write(&fw, FW_CFG_PORT_DMA_LO, 4, __builtin_bswap32(0x100));
	ok &= KTAP_EXPECT(dma_ctl(0x100) == 0 && !memcmp(guest.mem + 0x600, "QEMU", 4));
	/* 16-bit writes to the address register are ignored. */
	wr_be32(guest.mem + 0x100, FW_CFG_DMA_CTL_READ);
	fw_cfg_io_write(&fw, FW_CFG_PORT_DMA_LO, 2, 0x0001);
	ok &= KTAP_EXPECT(dma_ctl(0x100) == FW_CFG_DMA_CTL_READ);
	ktap_result(ok, "DMA address: high then low half, back to 0 after an operation");
}

static void test_no_dma(void)
{
	struct fw_cfg plain;
	bool ok;

	fw_cfg_init(&plain, NULL, NULL);
	/* With no guest memory callbacks the DMA ports do nothing. */
	fw_cfg_io_write(&plain, FW_CFG_PORT_DMA_HI, 4, 0);
	fw_cfg_io_write(&plain, FW_CFG_PORT_DMA_LO, 4, __builtin_bswap32(0x100));
	fw_cfg_io_write(&plain, FW_CFG_PORT_SEL, 2, FW_CFG_SIGNATURE);
	ok = KTAP_EXPECT(fw_cfg_io_read(&plain, FW_CFG_PORT_DATA, 1) == 'Q');
	ktap_result(ok, "without guest memory ops the DMA ports are inert");
}

int main(void)
{
	ktap_begin("fw_cfg", 21);
	test_signature();
	test_id();
	test_dma_register_signature();
	test_defaults();
	test_legacy_numeric();
	test_legacy_full();
	test_file_dir();
	test_file_errors();
	test_file_ports();
	test_dma_read();
	test_dma_skip();
	test_dma_dir();
	test_dma_errors();
	test_dma_address_register();
	test_no_dma();
	return ktap_end();
}
