// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the VDI format code (module/core/vdi.c): headers in
 * qemu-img's and VirtualBox's layouts and the old v0.2 one, every
 * validation error, block-extra, the map checks (range, duplicates, the
 * allocated count, the file size, leaks), lookup, and the allocation,
 * discard, hole-fill and resize plans run against an in-memory file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <pthread.h>
#include "host.h"
#include "vdi.h"
#include "ktap.h"

static void p32(u8 *b, u32 off, u32 v)
{
	b[off] = v;
	b[off + 1] = v >> 8;
	b[off + 2] = v >> 16;
	b[off + 3] = v >> 24;
}

static void p64(u8 *b, u32 off, u64 v)
{
	p32(b, off, (u32)v);
	p32(b, off + 4, (u32)(v >> 32));
}

static u32 g32(const u8 *b, u64 off)
{
	return b[off] | (u32)b[off + 1] << 8 | (u32)b[off + 2] << 16 |
	       (u32)b[off + 3] << 24;
}

/* A v1.1 header as qemu-img (hsize 0x180) or VirtualBox (0x190) writes it. */
static void mk_v1(u8 *b, u32 hsize, u32 off_blocks, u32 off_data, u64 disk,
		  u32 bs, u32 extra, u32 blocks, u32 alloc, u32 type)
{
	memset(b, 0, VDI_HEADER_BUF);
	memcpy(b, "<<< Oracle VM VirtualBox Disk Image >>>\n", 40);
	p32(b, 0x40, VDI_SIGNATURE);
	p32(b, 0x44, VDI_VERSION_1_1);
	p32(b, 0x48, hsize);
	p32(b, 0x4c, type);
	p32(b, 0x154, off_blocks);
	p32(b, 0x158, off_data);
	p32(b, 0x168, 512);	/* legacy sector size */
	p64(b, 0x170, disk);
	p32(b, 0x178, bs);
	p32(b, 0x17c, extra);
	p32(b, 0x180, blocks);
	p32(b, 0x184, alloc);
	b[0x188] = 0x11;	/* create */
	b[0x198] = 0x22;	/* modify */
	if (hsize >= 0x190)
		p32(b, 0x1d4, 512);	/* LCHS sector size */
}

static void mk_qemu(u8 *b)
{
	mk_v1(b, 0x180, 0x200, 0x400, 16 << 20, 1 << 20, 0, 16, 0, 1);
}

static int parse(const u8 *b, u32 len)
{
	struct vdi_header h;

	return vdi_header_parse(b, len, &h);
}

static void t_header_layouts(void)
{
	u8 b[VDI_HEADER_BUF], o[VDI_HEADER_BUF];
	struct vdi_header h, h2;
	u32 n;
	int r;

	mk_qemu(b);
	r = vdi_header_parse(b, sizeof(b), &h);
	ktap_result(r == 0 && h.header_size == 0x180 && !h.has_lchs &&
		    h.off_blocks == 0x200 && h.off_data == 0x400 &&
		    h.blocks == 16 && h.block_size == 1 << 20 &&
		    h.disk_size == 16 << 20 && h.type == 1,
		    "qemu-img layout (header 0x180, map at 0x200) parses");
	memset(o, 0xaa, sizeof(o));
	n = vdi_header_write(&h, o);
	ktap_result(n == 0x1c8 && !memcmp(o, b, n) && vdi_header_parse(o, n, &h2) == 0 &&
		    !memcmp(&h, &h2, sizeof(h)),
		    "qemu-img layout serializes back byte-identical");

	mk_v1(b, 0x190, 1 << 20, 2 << 20, 100 << 20, 1 << 20, 0, 100, 0, 1);
	r = vdi_header_parse(b, sizeof(b), &h);
	ktap_result(r == 0 && h.has_lchs && h.lchs.sector_size == 512 &&
		    h.off_blocks == 1 << 20 && h.off_data == 2 << 20,
		    "VirtualBox layout (header 0x190, 1 MiB-aligned) parses");
	n = vdi_header_write(&h, o);
	ktap_result(n == 0x1d8 && !memcmp(o, b, n), "VirtualBox layout serializes back");

	mk_v1(b, 0x190, 1 << 20, 2 << 20, 100 << 20, 1 << 20, 0, 100, 0, 2);
	r = vdi_header_parse(b, sizeof(b), &h);
	ktap_result(r == 0 && h.type == VDI_TYPE_FIXED, "fixed image parses");

	/* a longer header than we know: accepted, the map after 0x1d8 */
	mk_v1(b, 0x400, 0x600, 0x800, 1 << 20, 1 << 20, 0, 1, 0, 1);
	ktap_result(parse(b, sizeof(b)) == 0, "header size 0x400 accepted (VirtualBox: >= 0x180)");

	/* old v0.2 */
	memset(b, 0, sizeof(b));
	p32(b, 0x40, VDI_SIGNATURE);
	p32(b, 0x44, VDI_VERSION_0_2);
	p32(b, 0x48, 1);
	p64(b, 0x160, 4 << 20);
	p32(b, 0x168, 1 << 20);
	p32(b, 0x16c, 4);
	p32(b, 0x170, 1);
	b[0x174] = 1;
	b[0x184] = 2;
	r = vdi_header_parse(b, sizeof(b), &h);
	ktap_result(r == 0 && h.off_blocks == 0x1a4 && h.off_data == 0x1a4 + 16 &&
		    h.blocks == 4 && h.allocated == 1 && h.block_extra == 0 &&
		    vdi_allocated_offset(&h) == 0x170,
		    "old v0.2 header parses (map after the 0x15c-byte header)");
	memset(o, 0, sizeof(o));
	n = vdi_header_write(&h, o);
	ktap_result(n == 0x1a4 && !memcmp(o, b, n), "v0.2 serializes back");
}

struct err_case {
	const char *what;
	int want;
	u32 off;	/* field to patch, 0 = none */
	u32 val;
	u32 len;	/* buffer length, 0 = full */
};

static void t_header_errors(void)
{
	static const struct err_case cases[] = {
		{ "empty file", VDI_E_SHORT, 0, 0, 10 },
		{ "flipped signature", VDI_E_SIGNATURE, 0x40, 0xbeda107e, 0 },
		{ "version 2.0", VDI_E_VERSION, 0x44, 0x00020000, 0 },
		{ "version 0.1", VDI_E_VERSION, 0x44, 0x00000001, 0 },
		{ "header size 0x17c", VDI_E_HDR_SIZE, 0x48, 0x17c, 0 },
		{ "truncated header", VDI_E_HDR_TRUNC, 0, 0, 0x100 },
		{ "truncated LCHS", VDI_E_HDR_TRUNC, 0x48, 0x190, 0x1c8 },
		{ "map offset inside the header", VDI_E_MAP_OFFSET, 0x154, 0x1c0, 0 },
		{ "map does not fit before data", VDI_E_DATA_OFFSET, 0x158, 0x23c, 0 },
		{ "type 0", VDI_E_TYPE, 0x4c, 0, 0 },
		{ "type 5", VDI_E_TYPE, 0x4c, 5, 0 },
		{ "undo image (type 3)", VDI_E_DIFF, 0x4c, 3, 0 },
		{ "diff image (type 4)", VDI_E_DIFF, 0x4c, 4, 0 },
		{ "flags 2", VDI_E_FLAGS, 0x50, 2, 0 },
		{ "disk size 0", VDI_E_DISK_SIZE, 0x170, 0, 0 },
		{ "block size 0", VDI_E_BLOCK_SIZE, 0x178, 0, 0 },
		{ "block size 1", VDI_E_BLOCK_SIZE, 0x178, 1, 0 },
		{ "block size 3000", VDI_E_BLOCK_SIZE, 0x178, 3000, 0 },
		{ "blocks 0", VDI_E_BLOCKS, 0x180, 0, 0 },
		{ "allocated > blocks", VDI_E_ALLOC_COUNT, 0x184, 17, 0 },
		{ "block extra 3", VDI_E_BLOCK_EXTRA, 0x17c, 3, 0 },
		{ "block extra 1", VDI_E_BLOCK_EXTRA, 0x17c, 1, 0 },
		{ "block size + extra overflows", VDI_E_BLOCK_TOTAL, 0x17c, 0x80000000u, 0 },
		{ "disk larger than its blocks", VDI_E_DISK_ROOM, 0x170, (16 << 20) + 1, 0 },
		{ "null creation UUID", VDI_E_UUID_CREATE, 0x188, 0, 0 },
		{ "null modification UUID", VDI_E_UUID_MODIFY, 0x198, 0, 0 },
		{ "non-null parent (linkage) UUID", VDI_E_PARENT, 0x1a8, 7, 0 },
	};
	u8 b[VDI_HEADER_BUF];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct err_case *c = &cases[i];
		int r;

		mk_qemu(b);
		if (c->off)
			p32(b, c->off, c->val);
		if (c->want == VDI_E_BLOCK_TOTAL)
			p32(b, 0x178, 0x80000000u);
		r = parse(b, c->len ? c->len : sizeof(b));
		ktap_result(r == c->want && strlen(vdi_strerror(r)) > 10,
			    "header error: %s -> %s", c->what, vdi_strerror(r));
		if (r != c->want)
			printf("# got %d want %d\n", r, c->want);
	}
	/* LCHS sector size */
	mk_v1(b, 0x190, 1 << 20, 2 << 20, 1 << 20, 1 << 20, 0, 1, 0, 1);
	p32(b, 0x1d4, 4096);
	ktap_result(parse(b, sizeof(b)) == VDI_E_SECTOR, "header error: LCHS sector size 4096");
	ktap_result(!strcmp(vdi_strerror(12345), "unknown VDI error") &&
		    vdi_strerror(-VDI_E_RANGE) == vdi_strerror(VDI_E_RANGE),
		    "vdi_strerror: unknown and negative codes");
	for (i = 0; i < VDI_NR_ERRORS; i++)
		if (!vdi_strerror(i) || !strcmp(vdi_strerror(i), "unknown VDI error"))
			break;
	ktap_result(i == VDI_NR_ERRORS, "every error has a message");
}

static void t_block_sizes(void)
{
	u8 b[VDI_HEADER_BUF];
	struct vdi_header h;
	int ok = 1;
	u32 bs;

	/* any power of two VirtualBox takes, block-extra 0 or a power of two */
	for (bs = 2; bs && bs <= (1u << 31); bs <<= 1) {
		u64 blocks = ((64ull << 20) + bs - 1) / bs;

		if (blocks > 1000000)
			continue;
		mk_v1(b, 0x180, 0x200, (u32)(0x200 + 4 * blocks), 64 << 20, bs,
		      bs >= 512 ? 512 : 0, (u32)blocks, 0, 1);
		if (vdi_header_parse(b, sizeof(b), &h))
			ok = 0;
	}
	ktap_result(ok, "block sizes 2..2^31 with block-extra accepted");
}

/* ---- an image in memory ---------------------------------------------- */

#define FILE_MAX	(64u << 20)

static u8 *file;
static u64 fsize;
static struct vdi_image img;
static u32 map[4096], rev[4096];
static u8 bitmap[512];

static void fwr(u64 off, const void *d, u64 n)
{
	memcpy(file + off, d, n);
	if (off + n > fsize)
		fsize = off + n;
}

static void fw32(u64 off, u32 v)
{
	u8 b[4] = { v, v >> 8, v >> 16, v >> 24 };

	fwr(off, b, 4);
}

/* Create an image in 'file' through vdi_header_init and open it. */
static int mk_image(u64 size, u32 bs, u32 extra, bool fixed, bool vbox)
{
	struct vdi_create_params p = {
		.disk_size = size, .block_size = bs, .block_extra = extra,
		.fixed = fixed, .layout_vbox = vbox,
	};
	struct vdi_header h;
	struct vdi_map_info info;
	u8 hb[VDI_HEADER_BUF] = { 0 };
	u32 i, n;
	int r;

	p.uuid_create[0] = 1;
	p.uuid_modify[0] = 2;
	r = vdi_header_init(&h, &p);
	if (r)
		return r;
	memset(file, 0, FILE_MAX);
	n = vdi_header_write(&h, hb);
	fsize = 0;
	fwr(0, hb, n);
	vdi_map_init(&h, map);
	for (i = 0; i < h.blocks; i++)
		fw32(vdi_map_entry_offset(&h, i), map[i]);
	fsize = fixed ? vdi_slot_offset(&h, h.blocks) : h.off_data;
	r = vdi_map_check(&h, map, fsize, bitmap, &info);
	if (r)
		return r;
	vdi_image_init(&img, &h, map, rev, &info);
	return 0;
}

/* Re-read header and map from 'file' and check them: what a reopen sees. */
static int reopen(struct vdi_map_info *info)
{
	struct vdi_header h;
	u32 i;
	int r = vdi_header_parse(file, VDI_HEADER_BUF, &h);

	if (r)
		return r;
	for (i = 0; i < h.blocks; i++)
		map[i] = g32(file, vdi_map_entry_offset(&h, i));
	r = vdi_map_check(&h, map, fsize, bitmap, info);
	if (!r)
		vdi_image_init(&img, &h, map, rev, info);
	return r;
}

/* Write through the allocation path, as vdi.h tells the backend to. */
static int disk_write(u64 off, const u8 *d, u64 len)
{
	while (len) {
		u64 phys = 0;
		u32 n;
		int k = vdi_lookup(&img, off, &phys, &n);
		struct vdi_alloc_plan p;

		if (k < 0)
			return k;
		if (n > len)
			n = len;
		if (k != VDI_LK_DATA) {
			int r = vdi_alloc_reserve(&img, (u32)(off >> img.shift), &p);

			if (r)
				return r;
			if (p.file_size > FILE_MAX)
				return -1;
			memset(file + p.slot_off, 0, p.slot_len);
			if (p.slot_off + p.slot_len > fsize)
				fsize = p.slot_off + p.slot_len;
			if (p.header_dirty)
				fw32(p.count_off, p.new_allocated);
			fw32(p.map_off, p.phys);
			vdi_alloc_commit(&img, &p);
			k = vdi_lookup(&img, off, &phys, &n);
			if (n > len)
				n = len;
		}
		fwr(phys, d, n);
		off += n;
		d += n;
		len -= n;
	}
	return 0;
}

static void disk_read(u64 off, u8 *d, u64 len)
{
	while (len) {
		u64 phys = 0;
		u32 n;
		int k = vdi_lookup(&img, off, &phys, &n);

		if (n > len)
			n = len;
		if (k == VDI_LK_DATA)
			memcpy(d, file + phys, n);
		else
			memset(d, 0, n);
		off += n;
		d += n;
		len -= n;
	}
}

static void run_discard(const struct vdi_discard_plan *p)
{
	if (p->vblock != VDI_MAP_FREE) {
		fw32(p->map_off_vblock, VDI_MAP_ZERO);
		vdi_discard_unmap(&img, p);
	}
	if (p->move) {
		memmove(file + p->dst_off, file + p->src_off, p->slot_len);
		fw32(p->map_off_last, p->hole);
		vdi_discard_moved(&img, p);
	}
	fw32(p->count_off, p->new_allocated);
	vdi_discard_done(&img, p);
	fsize = p->new_file_size;
}

static u8 *shadow;

static void fill(u8 *d, u64 n, u32 seed)
{
	u64 i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245 + 12345;
		d[i] = seed >> 16;
	}
}

static void t_lookup(void)
{
	u64 phys = 0;
	u32 n = 0;
	int r, k;

	r = mk_image(10 << 20, 1 << 20, 0, false, false);
	k = vdi_lookup(&img, 0, &phys, &n);
	ktap_result(r == 0 && k == VDI_LK_FREE && n == 1 << 20,
		    "lookup: unallocated block reads as free, whole block left");
	k = vdi_lookup(&img, (1 << 20) + 5, &phys, &n);
	ktap_result(k == VDI_LK_FREE && n == (1 << 20) - 5, "lookup: len_in_block mid-block");
	k = vdi_lookup(&img, 10 << 20, &phys, &n);
	ktap_result(k == -VDI_E_RANGE && n == 0, "lookup: offset at the disk end is out of range");
	img.map[3] = 7;
	k = vdi_lookup(&img, (3 << 20) + 100, &phys, &n);
	ktap_result(k == VDI_LK_DATA && phys == img.h.off_data + 7ull * (1 << 20) + 100,
		    "lookup: allocated block -> off_data + idx * block + in-block");
	img.map[3] = VDI_MAP_ZERO;
	k = vdi_lookup(&img, 3 << 20, &phys, &n);
	ktap_result(k == VDI_LK_ZERO, "lookup: ZERO entry");

	/* block-extra: data after the extra area; a disk not a block multiple */
	r = mk_image((3 << 20) + 4096, 1 << 20, 4096, false, true);
	img.map[1] = 0;
	img.map[3] = 2;
	k = vdi_lookup(&img, (1 << 20) + 10, &phys, &n);
	ktap_result(r == 0 && k == VDI_LK_DATA && phys == img.h.off_data + 4096 + 10,
		    "lookup: block-extra skips the extra area");
	k = vdi_lookup(&img, (3 << 20) + 100, &phys, &n);
	ktap_result(k == VDI_LK_DATA && n == 4096 - 100 &&
		    phys == img.h.off_data + 2ull * ((1 << 20) + 4096) + 4096 + 100,
		    "lookup: last partial block ends at the disk size");
	ktap_result(img.h.off_blocks == 1 << 20 && img.h.off_data == 2 << 20 &&
		    img.h.header_size == 0x190, "create: VirtualBox layout offsets");
	r = mk_image(10 << 20, 0, 0, false, false);
	ktap_result(r == 0 && img.h.off_blocks == 0x200 && img.h.off_data == 0x400 &&
		    img.h.header_size == 0x180 && img.h.legacy.sector_size == 512,
		    "create: qemu-img layout offsets");
	r = mk_image(3000, 4096, 0, false, false);
	ktap_result(r == 0 && img.h.disk_size == 3072 && img.h.blocks == 1,
		    "create: size rounded up to 512");
	ktap_result(mk_image(0, 0, 0, false, false) == VDI_E_DISK_SIZE &&
		    mk_image(1 << 20, 1000, 0, false, false) == VDI_E_BLOCK_SIZE &&
		    mk_image(1 << 20, 0, 3, false, false) == VDI_E_BLOCK_EXTRA &&
		    mk_image(1ull << 62, 0, 0, false, false) == VDI_E_TOO_BIG,
		    "create: bad parameters refused");
}

static void t_map_check(void)
{
	struct vdi_map_info info;
	struct vdi_header *h;
	u8 d[100];
	int r;

	mk_image(8 << 20, 1 << 20, 0, false, false);
	fill(d, sizeof(d), 1);
	disk_write(0, d, 100);
	disk_write(3 << 20, d, 100);
	disk_write(5 << 20, d, 100);
	r = reopen(&info);
	ktap_result(r == 0 && info.referenced == 3 && info.next == 3 &&
		    !info.holes && !info.leaked_slots && !info.leaked_tail,
		    "map: three allocated blocks, clean");
	h = &img.h;

	map[6] = 8;
	r = vdi_map_check(h, map, fsize, bitmap, &info);
	ktap_result(r == VDI_E_MAP_RANGE && info.bad_vblock == 6 && info.bad_value == 8,
		    "map: entry >= blocks is out of range");
	map[6] = VDI_MAP_FREE;
	map[7] = 1;
	r = vdi_map_check(h, map, fsize, bitmap, &info);
	ktap_result(r == VDI_E_MAP_DUP && info.bad_vblock == 7 && info.bad_other == 3 &&
		    info.bad_value == 1, "map: two blocks on one slot");
	map[7] = VDI_MAP_FREE;
	h->allocated = 2;
	r = vdi_map_check(h, map, fsize, bitmap, &info);
	ktap_result(r == VDI_E_ALLOC_BEHIND, "map: header count behind the map");
	h->allocated = 3;
	r = vdi_map_check(h, map, fsize - 1, bitmap, &info);
	ktap_result(r == VDI_E_FILE_SHORT, "map: file one byte short of the last block");
	h->allocated = 5;
	r = vdi_map_check(h, map, fsize, bitmap, &info);
	ktap_result(r == 0 && info.leaked_slots == 2, "map: header ahead of the map is a leak");
	h->allocated = 3;
	r = vdi_map_check(h, map, fsize + 4096, bitmap, &info);
	ktap_result(r == 0 && info.leaked_tail == 4096, "map: bytes past the last block are a leak");
	map[3] = VDI_MAP_ZERO;	/* slot 1 now unused: a hole */
	r = vdi_map_check(h, map, fsize, bitmap, &info);
	ktap_result(r == 0 && info.holes == 1 && info.hole_first == 1 && info.zero == 1 &&
		    info.leaked_slots == 1, "map: an unused slot below the last is a hole");
	map[3] = 1;
	h->type = VDI_TYPE_FIXED;
	r = vdi_map_check(h, map, fsize, bitmap, &info);
	ktap_result(r == VDI_E_FIXED_MAP, "map: fixed image with free entries");
	h->type = VDI_TYPE_NORMAL;
}

static void t_alloc(void)
{
	struct vdi_alloc_plan p, p2;
	struct vdi_map_info info;
	u8 *d = malloc(3 << 20), *o = malloc(3 << 20);
	int r, ok;

	r = mk_image(16 << 20, 1 << 20, 0, false, false);
	r |= vdi_alloc_reserve(&img, 5, &p);
	ktap_result(r == 0 && p.phys == 0 && p.slot_off == img.h.off_data &&
		    p.data_off == p.slot_off && p.header_dirty && p.new_allocated == 1 &&
		    p.map_off == 0x200 + 20 && p.count_off == 0x184 && !p.must_zero &&
		    p.file_size == img.h.off_data + (1 << 20),
		    "alloc: first block -> slot 0, count 1, map entry 5");
	r = vdi_alloc_reserve(&img, 9, &p2);
	ktap_result(r == 0 && p2.phys == 1 && p2.new_allocated == 2,
		    "alloc: a second reservation in flight gets the next slot");
	vdi_alloc_abort(&img, &p);
	ktap_result(img.next == 2 && img.nr_spare == 1, "alloc: abort below another keeps the slot");
	vdi_alloc_commit(&img, &p2);
	r = vdi_alloc_reserve(&img, 6, &p);
	ktap_result(r == 0 && p.phys == 0 && p.header_dirty && p.new_allocated == 2 &&
		    p.must_zero, "alloc: the kept slot is reused (count rewritten, must zero)");
	vdi_alloc_commit(&img, &p);
	r = vdi_alloc_reserve(&img, 7, &p);
	vdi_alloc_abort(&img, &p);
	ktap_result(r == 0 && img.next == 2 && img.h.allocated == 2,
		    "alloc: abort of the last slot gives it back");
	r = vdi_alloc_reserve(&img, 6, &p);
	ktap_result(r == VDI_E_ALLOCATED, "alloc: a block that has a slot is not allocated again");

	/* random writes against a shadow, then reopen */
	r = mk_image(16 << 20, 1 << 20, 0, false, true);
	memset(shadow, 0, 16 << 20);
	ok = r == 0;
	for (int i = 0; i < 40 && ok; i++) {
		u64 off = ((u64)i * 7919 * 4099) % (16 << 20);
		u64 len = 1 + ((u64)i * 104729) % (3 << 20);

		if (off + len > (16 << 20))
			len = (16 << 20) - off;
		fill(d, len, i);
		memcpy(shadow + off, d, len);
		ok &= disk_write(off, d, len) == 0;
	}
	disk_read(0, o, 3 << 20);
	ok &= !memcmp(o, shadow, 3 << 20);
	r = reopen(&info);
	ok &= r == 0 && !info.holes && !info.leaked_slots && !info.leaked_tail;
	for (u64 off = 0; ok && off < (16 << 20); off += 3 << 20) {
		u64 n = (16 << 20) - off < (3 << 20) ? (16 << 20) - off : 3 << 20;

		disk_read(off, o, n);
		ok &= !memcmp(o, shadow + off, n);
	}
	ktap_result(ok, "alloc: 40 random writes across blocks read back after reopen, map clean");

	/* block-extra and a non-1MiB block */
	r = mk_image(1 << 20, 4096, 512, false, true);
	fill(d, 10000, 99);
	ok = r == 0 && disk_write(5000, d, 10000) == 0;
	r = reopen(&info);
	disk_read(5000, o, 10000);
	ok &= r == 0 && !memcmp(o, d, 10000) && info.referenced == 3 &&
	      fsize == img.h.off_data + 3ull * (4096 + 512);
	ktap_result(ok, "alloc: 4 KiB blocks with 512-byte extra");

	/* full image */
	r = mk_image(4096, 4096, 0, false, false);
	fill(d, 4096, 3);
	ok = disk_write(0, d, 4096) == 0 && vdi_alloc_reserve(&img, 0, &p) == VDI_E_ALLOCATED;
	img.map[0] = VDI_MAP_ZERO;
	ktap_result(ok && vdi_alloc_reserve(&img, 0, &p) == VDI_E_FULL, "alloc: no slot left");

	/* a leak at the tail (header ahead after a crash) is reused */
	r = mk_image(8 << 20, 1 << 20, 0, false, false);
	fw32(img.h.off_data, 0x55555555);
	fsize = img.h.off_data + (1 << 20);
	fw32(0x184, 1);
	r |= reopen(&info);
	r |= vdi_alloc_reserve(&img, 2, &p);
	ktap_result(r == 0 && info.leaked_slots == 1 && p.phys == 0 && p.must_zero &&
		    !p.header_dirty, "alloc: a leaked tail slot is reused and must be zeroed");

	/*
	 * The crash between an allocation's count and its map entry: one
	 * block written and mapped, a second block's count and data durable,
	 * its map entry not. A read-write open repairs the count and trims
	 * the file; then the map check finds nothing, not even a leak.
	 */
	{
		struct vdi_repair_plan rp;
		bool had;

		r = mk_image(8 << 20, 1 << 20, 0, false, false);
		fill(d, 4096, 5);
		r |= disk_write(0, d, 4096);
		fw32(img.h.off_data + (1 << 20), 0x55555555);	/* slot 1 data */
		fsize = img.h.off_data + 2 * (1 << 20);
		fw32(0x184, 2);
		r |= reopen(&info);
		had = info.leaked_slots == 1 && info.referenced == 1;
		ok = vdi_repair_plan(&img, &info, &rp) && rp.old_count == 2 &&
		     rp.count == 1 && rp.file_size == img.h.off_data + (1 << 20);
		if (ok) {
			vdi_repair_done(&img, &rp);
			fw32(0x184, rp.count);
			fsize = rp.file_size;
		}
		r |= reopen(&info);
		ktap_result(r == 0 && had && ok && !info.leaked_slots &&
			    !info.leaked_tail && !info.holes &&
			    !vdi_repair_plan(&img, &info, &rp),
			    "repair: a count ahead of the map after a crash is put right on open");
		/* a hole below is compact's: no repair that would not be clean */
		r = mk_image(8 << 20, 1 << 20, 0, false, false);
		r |= disk_write(0, d, 4096);
		r |= disk_write(1 << 20, d, 4096);
		fw32(vdi_map_entry_offset(&img.h, 0), VDI_MAP_FREE);
		fw32(0x184, 3);
		fsize = img.h.off_data + 3 * (1 << 20);
		r |= reopen(&info);
		ktap_result(r == 0 && info.holes == 1 && !vdi_repair_plan(&img, &info, &rp),
			    "repair: not with a hole below the last slot");
	}
	free(d);
	free(o);
}

static void t_discard(void)
{
	struct vdi_discard_plan p;
	struct vdi_map_info info;
	u8 *d = malloc(1 << 20), *o = malloc(8 << 20);
	int r, ok = 1, i;

	mk_image(8 << 20, 1 << 20, 0, false, false);
	memset(shadow, 0, 8 << 20);
	for (i = 0; i < 8; i++) {
		fill(d, 1 << 20, 100 + i);
		memcpy(shadow + ((u64)i << 20), d, 1 << 20);
		disk_write((u64)i << 20, d, 1 << 20);
	}
	/* block 2 has slot 2; the last slot 7 belongs to block 7 */
	r = vdi_discard_plan(&img, 2, &p);
	ktap_result(r == 0 && p.hole == 2 && p.move && p.last_phys == 7 &&
		    p.last_vblock == 7 && p.new_allocated == 7 &&
		    p.new_file_size == img.h.off_data + 7ull * (1 << 20) &&
		    p.map_off_vblock == 0x200 + 8 && p.map_off_last == 0x200 + 28,
		    "discard: plan moves the last slot into the hole");
	run_discard(&p);
	memset(shadow + (2 << 20), 0, 1 << 20);
	r = reopen(&info);
	disk_read(0, o, 8 << 20);
	ktap_result(r == 0 && !memcmp(o, shadow, 8 << 20) && info.referenced == 7 &&
		    !info.holes && !info.leaked_slots && img.h.allocated == 7 &&
		    map[2] == VDI_MAP_ZERO && map[7] == 2,
		    "discard: content kept, map dense, file truncated");
	r = vdi_discard_plan(&img, 6, &p);
	ktap_result(r == 0 && !p.move && p.hole == 6 && p.new_allocated == 6,
		    "discard: the last slot needs no move");
	run_discard(&p);
	memset(shadow + (6 << 20), 0, 1 << 20);
	ktap_result(vdi_discard_plan(&img, 6, &p) == VDI_E_NOT_ALLOCATED &&
		    vdi_discard_plan(&img, 8, &p) == VDI_E_RANGE,
		    "discard: unallocated and out-of-range blocks refused");
	/* every block, in a scrambled order */
	for (i = 0; i < 8; i++) {
		u32 vb = (i * 5) % 8;

		if (!vdi_map_allocated(img.map[vb]))
			continue;
		if (vdi_discard_plan(&img, vb, &p)) {
			ok = 0;
			break;
		}
		run_discard(&p);
		memset(shadow + ((u64)vb << 20), 0, 1 << 20);
		r = reopen(&info);
		disk_read(0, o, 8 << 20);
		ok &= r == 0 && !memcmp(o, shadow, 8 << 20) && !info.holes &&
		      !info.leaked_slots;
	}
	ktap_result(ok && img.next == 0 && fsize == img.h.off_data,
		    "discard: all blocks one by one, valid after each");

	/* hole fill after a crash between unmap and move */
	mk_image(4 << 20, 1 << 20, 0, false, false);
	for (i = 0; i < 4; i++) {
		fill(d, 1 << 20, 200 + i);
		disk_write((u64)i << 20, d, 1 << 20);
	}
	fw32(vdi_map_entry_offset(&img.h, 1), VDI_MAP_ZERO);
	r = reopen(&info);
	ok = r == 0 && info.holes == 1 && info.hole_first == 1;
	r = vdi_fill_hole_plan(&img, 1, &p);
	ok &= r == 0 && p.move && p.last_vblock == 3 && p.vblock == VDI_MAP_FREE;
	run_discard(&p);
	r = reopen(&info);
	disk_read(3 << 20, o, 1 << 20);
	fill(d, 1 << 20, 203);
	ok &= r == 0 && !info.holes && !info.leaked_slots && !memcmp(o, d, 1 << 20);
	ktap_result(ok, "fill hole: a hole left by a crash is filled from the end");
	ktap_result(vdi_fill_hole_plan(&img, 0, &p) == VDI_E_RANGE,
		    "fill hole: a used slot is not a hole");
	mk_image(4 << 20, 1 << 20, 0, true, false);
	ktap_result(vdi_discard_plan(&img, 0, &p) == VDI_E_FIXED, "discard: fixed image refused");
	free(d);
	free(o);
}

static void t_resize(void)
{
	struct vdi_resize_plan p;
	int r;

	r = mk_image(8 << 20, 1 << 20, 0, false, true);
	r |= vdi_resize_plan(&img, 64ull << 30, &p);
	ktap_result(r == 0 && !p.relocate && p.new_h.blocks == 65536 &&
		    p.new_h.disk_size == 64ull << 30 && p.new_h.off_data == img.h.off_data,
		    "resize: VirtualBox layout grows in place up to its map space");
	r = vdi_resize_plan(&img, 1ull << 40, &p);
	ktap_result(r == 0 && p.relocate && p.nr_moved == 4 && p.moving == 0 &&
		    p.move_base == 4 && p.new_h.off_blocks == img.h.off_data &&
		    p.new_h.off_data == img.h.off_data + (4u << 20),
		    "resize: a map beyond the gap relocates into the first slots");
	ktap_result(vdi_resize_plan(&img, 4 << 20, &p) == VDI_E_SHRINK,
		    "resize: shrinking refused");
	r = mk_image(8 << 20, 1 << 20, 0, false, false);
	for (int i = 0; i < 3; i++)
		img.map[i] = i;
	img.next = 3;
	img.h.allocated = 3;
	r |= vdi_resize_plan(&img, 2ull << 30, &p);
	ktap_result(r == 0 && p.relocate && p.nr_moved == 1 && p.moving == 1 &&
		    p.move_base == 3 && p.new_h.allocated == 3 &&
		    p.new_h.off_blocks == 0x400 && p.crash_safe,
		    "resize: qemu layout moves one block to the end");
	r = mk_image(1 << 20, 1 << 20, 0, false, false);
	img.map[0] = 0;
	img.next = 1;
	img.h.allocated = 1;
	r |= vdi_resize_plan(&img, 1ull << 30, &p);
	ktap_result(r == 0 && p.relocate && !p.crash_safe && p.move_base == 1 &&
		    p.moving == 1 && p.new_h.allocated == 1 && p.new_h.blocks == 1024,
		    "resize: a one-block image grows (the old map cannot name the copy)");
	mk_image(8 << 20, 1 << 20, 0, true, false);
	ktap_result(vdi_resize_plan(&img, 16 << 20, &p) == VDI_E_FIXED,
		    "resize: fixed image refused");
}

/*
 * Crash safety of the documented write orders: the file is cut after
 * every write (and, between two fsyncs, with any subset of the writes
 * since the last one durable); every such file must open clean or with
 * leaks only, and read every block that no step touched unchanged.
 */
#define CB	65536u
#define CN	8u

static u8 *snap_file;
static u64 snap_size;

static void save(void)
{
	memcpy(snap_file, file, FILE_MAX);
	snap_size = fsize;
}

static void restore(void)
{
	memcpy(file, snap_file, FILE_MAX);
	fsize = snap_size;
}

/* Open the current file; blocks in 'want' (CN * CB bytes) must read as
 * given, except block 'either' which may also read as 'alt'. */
static int crash_ok(const u8 *want, u32 either, const u8 *alt)
{
	struct vdi_map_info info;
	static u8 got[CB];
	u32 i;

	if (reopen(&info))
		return 0;
	for (i = 0; i < CN; i++) {
		disk_read((u64)i * CB, got, CB);
		if (!memcmp(got, want + (u64)i * CB, CB))
			continue;
		if (i == either && !memcmp(got, alt, CB))
			continue;
		return 0;
	}
	return 1;
}

static void t_crash(void)
{
	static u8 before[CN * CB], after[CN * CB];
	struct vdi_alloc_plan ap;
	struct vdi_discard_plan dp;
	struct vdi_map_info info;
	u8 blk[CB];
	int ok = 1, mask;
	u32 i;

	snap_file = malloc(FILE_MAX);
	mk_image(CN * CB, CB, 0, false, false);
	for (i = 0; i < 4; i++) {
		fill(blk, CB, 300 + i);
		disk_write((u64)i * CB, blk, CB);
		memcpy(before + (u64)i * CB, blk, CB);
	}
	/* allocation of block 6: slot write W1, count W2, fsync, map W3 */
	fill(blk, CB, 306);
	memcpy(after, before, sizeof(after));
	memcpy(after + 6 * CB, blk, CB);
	reopen(&info);
	save();
	vdi_alloc_reserve(&img, 6, &ap);
	for (mask = 0; mask < 8; mask++) {
		restore();
		reopen(&info);
		if (mask & 1)
			fwr(ap.data_off, blk, CB);
		if (mask & 2)
			fw32(ap.count_off, ap.new_allocated);
		if (mask & 4) {
			if ((mask & 3) != 3)
				continue;	/* the map is written after the fsync */
			fw32(ap.map_off, ap.phys);
		}
		ok &= crash_ok(mask & 4 ? after : before, CN, NULL);
	}
	ktap_result(ok, "crash: every cut of an allocation leaves a valid image");

	/* discard of block 1 (slot 1; the last slot 3 moves into it) */
	restore();
	reopen(&info);
	memcpy(after, before, sizeof(after));
	memset(after + CB, 0, CB);
	vdi_discard_plan(&img, 1, &dp);
	ok = dp.move && dp.last_vblock == 3 && crash_ok(before, CN, NULL);
	fw32(dp.map_off_vblock, VDI_MAP_ZERO);			/* step 2 */
	ok &= crash_ok(after, CN, NULL);
	memmove(file + dp.dst_off, file + dp.src_off, dp.slot_len);	/* step 3 */
	ok &= crash_ok(after, CN, NULL);
	fw32(dp.map_off_last, dp.hole);
	ok &= crash_ok(after, CN, NULL);
	fw32(dp.count_off, dp.new_allocated);			/* step 4 */
	ok &= crash_ok(after, CN, NULL);
	fsize = dp.new_file_size;				/* step 5 */
	ok &= crash_ok(after, CN, NULL);
	ok &= reopen(&info) == 0 && !info.holes && !info.leaked_slots && !info.leaked_tail;
	ktap_result(ok, "crash: every cut of a discard leaves a valid image");

	/* the order matters: the moved entry before the unmap shares a slot */
	restore();
	reopen(&info);
	vdi_discard_plan(&img, 1, &dp);
	memmove(file + dp.dst_off, file + dp.src_off, dp.slot_len);
	fw32(dp.map_off_last, dp.hole);
	ktap_result(reopen(&info) == VDI_E_MAP_DUP,
		    "crash: the other order would leave two blocks on one slot");
	/* and a count written after the map entry would be behind it */
	restore();
	reopen(&info);
	vdi_alloc_reserve(&img, 6, &ap);
	fwr(ap.data_off, blk, CB);
	fw32(ap.map_off, ap.phys);
	ktap_result(reopen(&info) == VDI_E_ALLOC_BEHIND,
		    "crash: map entry before the count would put the count behind");
	free(snap_file);
}

/*
 * The backend's protocol with threads: 8 writers hit 16 blocks (the same
 * blocks, each thread its own 512-byte piece of each block), allocation
 * serialised by one lock and an "allocating" mark per block. Each block
 * must get exactly one slot and keep every thread's piece.
 */
#define TB	8192u
#define TN	16u
#define TT	8

static pthread_mutex_t t_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t t_cond = PTHREAD_COND_INITIALIZER;
static bool t_allocating[TN];
static unsigned int t_allocs;

static void *t_writer(void *arg)
{
	unsigned int t = (unsigned int)(uintptr_t)arg, i;
	u8 piece[512];

	memset(piece, 0x10 + t, sizeof(piece));
	for (i = 0; i < 4 * TN; i++) {
		u32 vb = (i * 7 + t * 3) % TN;
		u64 off = (u64)vb * TB + t * 512, phys = 0;
		struct vdi_alloc_plan p;
		u32 n;

		pthread_mutex_lock(&t_lock);
		for (;;) {
			if (vdi_lookup(&img, off, &phys, &n) == VDI_LK_DATA)
				break;
			if (!t_allocating[vb])
				break;
			pthread_cond_wait(&t_cond, &t_lock);
		}
		if (vdi_lookup(&img, off, &phys, &n) == VDI_LK_DATA) {
			pthread_mutex_unlock(&t_lock);
			memcpy(file + phys, piece, sizeof(piece));	/* in place */
			continue;
		}
		vdi_alloc_reserve(&img, vb, &p);
		t_allocating[vb] = true;
		t_allocs++;
		pthread_mutex_unlock(&t_lock);
		/* the slot (zeros + our piece), the count, "fsync", the entry */
		memset(file + p.slot_off, 0, p.slot_len);
		memcpy(file + p.data_off + t * 512, piece, sizeof(piece));
		pthread_mutex_lock(&t_lock);
		if (p.header_dirty && g32(file, p.count_off) < p.new_allocated)
			fw32(p.count_off, p.new_allocated);
		if (p.slot_off + p.slot_len > fsize)
			fsize = p.slot_off + p.slot_len;
		fw32(p.map_off, p.phys);
		vdi_alloc_commit(&img, &p);
		t_allocating[vb] = false;
		pthread_cond_broadcast(&t_cond);
		pthread_mutex_unlock(&t_lock);
	}
	return NULL;
}

static void t_threads(void)
{
	struct vdi_map_info info;
	pthread_t th[TT];
	u8 got[512], want[512];
	int ok, t;
	u32 vb;

	mk_image(TN * TB, TB, 0, false, false);
	for (t = 0; t < TT; t++)
		pthread_create(&th[t], NULL, t_writer, (void *)(uintptr_t)t);
	for (t = 0; t < TT; t++)
		pthread_join(th[t], NULL);
	ok = t_allocs == TN && reopen(&info) == 0 && info.referenced == TN &&
	     !info.holes && !info.leaked_slots && !info.leaked_tail;
	for (vb = 0; ok && vb < TN; vb++) {
		for (t = 0; t < TT; t++) {
			memset(want, 0x10 + t, sizeof(want));
			disk_read((u64)vb * TB + t * 512, got, sizeof(got));
			ok &= !memcmp(got, want, sizeof(want));
		}
	}
	ktap_result(ok, "threads: 8 writers on 16 shared new blocks allocate each once (%u allocations)",
		    t_allocs);
}

/* The old v0.2 header: allocation writes its own count field. */
static void t_v0(void)
{
	u8 b[VDI_HEADER_BUF] = { 0 };
	struct vdi_header h;
	struct vdi_map_info info;
	struct vdi_alloc_plan ap;
	struct vdi_resize_plan rp;
	int r;

	p32(b, 0x40, VDI_SIGNATURE);
	p32(b, 0x44, VDI_VERSION_0_2);
	p32(b, 0x48, 1);
	p64(b, 0x160, 4 << 20);
	p32(b, 0x168, 1 << 20);
	p32(b, 0x16c, 4);
	b[0x174] = 1;
	b[0x184] = 2;
	r = vdi_header_parse(b, sizeof(b), &h);
	vdi_map_init(&h, map);
	r |= vdi_map_check(&h, map, h.off_data, bitmap, &info);
	vdi_image_init(&img, &h, map, NULL, &info);
	r |= vdi_alloc_reserve(&img, 2, &ap);
	ktap_result(r == 0 && ap.count_off == 0x170 && ap.slot_off == 0x1a4 + 16 &&
		    ap.map_off == 0x1a4 + 8, "v0.2: allocation plan uses the v0 offsets");
	ktap_result(vdi_resize_plan(&img, 8 << 20, &rp) == VDI_E_OLD_VERSION,
		    "v0.2: resize refused");
	b[0x194] = 1;	/* linkage UUID */
	ktap_result(vdi_header_parse(b, sizeof(b), &h) == VDI_E_PARENT,
		    "v0.2: a parent is refused");
}

int main(void)
{
	file = calloc(1, FILE_MAX);
	shadow = calloc(1, 16 << 20);
	ktap_begin("vdi", 93);
	t_header_layouts();
	t_header_errors();
	t_block_sizes();
	t_lookup();
	t_map_check();
	t_alloc();
	t_discard();
	t_resize();
	t_v0();
	t_crash();
	t_threads();
	free(file);
	free(shadow);
	return ktap_end();
}
