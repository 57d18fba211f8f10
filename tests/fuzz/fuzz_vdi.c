// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz harness for the VDI header and map parser (module/core/vdi.c) and
 * the plans built on a map it accepted.
 *
 * Input layout:
 *   0..511   the first VDI_HEADER_BUF bytes of the file (zero-filled when
 *            short; the parse sees min(size, 512) bytes)
 *   512..515 file size slack: the file is data_end + this (signed, LE)
 *   516..519 operation seed
 *   520..    the block map (u32 LE per block; missing entries are FREE)
 * Maps of more than FUZZ_VDI_MAX_BLOCKS entries are only parsed.
 *
 * Invariants: parse is deterministic and total (never crashes, returns a
 * known code); an accepted header validates, serializes and parses back
 * to the same fields; an accepted map has every slot in range and used
 * once, and lookups land inside the file's data area; allocations hand out
 * distinct slots; discards keep the map valid and dense.
 */
#include <string.h>
#include "fuzz.h"
#include "vdi.h"

static u32 map[FUZZ_VDI_MAX_BLOCKS], map2[FUZZ_VDI_MAX_BLOCKS];
static u32 rev[FUZZ_VDI_MAX_BLOCKS];
static u8 bitmap[FUZZ_VDI_MAX_BLOCKS / 8 + 1];

/* outcomes: header ok, header errors, map ok, map errors */
unsigned long fuzz_vdi_stats[4];

static u32 le32(const u8 *p)
{
	return p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static void check_map(const struct vdi_image *img, const u8 *data, size_t size)
{
	struct vdi_map_info info;
	int r = vdi_map_check(&img->h, img->map, img->file_size, bitmap, &info);

	/* valid, the header never behind the map, nothing past img->next */
	FUZZ_CHECK(r == 0, data, size);
	FUZZ_CHECK(info.next <= img->next && img->next <= img->h.allocated, data, size);
}

int fuzz_vdi_one(const u8 *data, size_t size)
{
	u8 hbuf[VDI_HEADER_BUF] = { 0 }, out[VDI_HEADER_BUF];
	struct vdi_header h, h2, h3;
	struct vdi_map_info info;
	struct vdi_image img;
	u32 hlen = size < VDI_HEADER_BUF ? (u32)size : VDI_HEADER_BUF;
	u32 i, n, seed;
	s32 slack;
	u64 fsize;
	int r, r2;

	memcpy(hbuf, data, hlen);
	r = vdi_header_parse(hbuf, hlen, &h);
	r2 = vdi_header_parse(hbuf, hlen, &h2);
	FUZZ_CHECK(r == r2 && r >= 0 && r < VDI_NR_ERRORS, data, size);
	FUZZ_CHECK(vdi_strerror(r) != NULL, data, size);
	if (r) {
		fuzz_vdi_stats[1]++;
		return 0;
	}
	fuzz_vdi_stats[0]++;
	FUZZ_CHECK(!memcmp(&h, &h2, sizeof(h)), data, size);
	FUZZ_CHECK(vdi_header_validate(&h) == 0, data, size);
	FUZZ_CHECK(h.block_size >= 2 && !(h.block_size & (h.block_size - 1)), data, size);
	FUZZ_CHECK((u64)h.block_size * h.blocks >= h.disk_size, data, size);
	FUZZ_CHECK((u64)h.off_data >= h.off_blocks + 4ull * h.blocks, data, size);
	FUZZ_CHECK(h.allocated <= h.blocks && h.type <= VDI_TYPE_FIXED, data, size);
	memcpy(out, hbuf, sizeof(out));
	n = vdi_header_write(&h, out);
	FUZZ_CHECK(n <= VDI_HEADER_BUF, data, size);
	r = vdi_header_parse(out, n, &h3);
	FUZZ_CHECK(r == 0 && !memcmp(&h, &h3, sizeof(h)), data, size);

	if (h.blocks > FUZZ_VDI_MAX_BLOCKS || size < 520)
		return 0;
	for (i = 0; i < h.blocks; i++) {
		size_t at = 520 + 4 * (size_t)i;

		map[i] = at + 4 <= size ? le32(data + at) : VDI_MAP_FREE;
	}
	memcpy(map2, map, 4 * h.blocks);
	slack = (s32)le32(data + 512);
	seed = le32(data + 516);
	/* the file size: around the end of the data the map uses */
	{
		u32 next = 0;

		for (i = 0; i < h.blocks; i++)
			if (vdi_map_allocated(map[i]) && map[i] < h.blocks && map[i] + 1 > next)
				next = map[i] + 1;
		fsize = vdi_slot_offset(&h, next);
		fsize = slack < 0 && (u64)-(s64)slack > fsize ? 0 : fsize + slack;
	}
	r = vdi_map_check(&h, map, fsize, bitmap, &info);
	FUZZ_CHECK(r >= 0 && r < VDI_NR_ERRORS, data, size);
	FUZZ_CHECK(!memcmp(map, map2, 4 * h.blocks), data, size);
	if (r) {
		FUZZ_CHECK(r == VDI_E_MAP_RANGE || r == VDI_E_MAP_DUP ||
			   r == VDI_E_ALLOC_BEHIND || r == VDI_E_FILE_SHORT ||
			   r == VDI_E_FIXED_MAP, data, size);
		fuzz_vdi_stats[3]++;
		return 0;
	}
	fuzz_vdi_stats[2]++;
	FUZZ_CHECK(info.referenced + info.holes == info.next, data, size);
	FUZZ_CHECK(info.next <= h.allocated && fsize >= info.data_end, data, size);
	vdi_image_init(&img, &h, map, rev, &info);

	/* every block's lookup lands inside the data area */
	for (i = 0; i < h.blocks; i++) {
		u64 off = (u64)i * h.block_size + seed % h.block_size, phys = 0;
		u32 len = 0;
		int k;

		if ((u64)i * h.block_size >= h.disk_size)
			break;
		if (off >= h.disk_size)
			off = h.disk_size - 1;
		k = vdi_lookup(&img, off, &phys, &len);
		FUZZ_CHECK(k >= 0 && len >= 1 && len <= h.block_size, data, size);
		if (k == VDI_LK_DATA)
			FUZZ_CHECK(phys >= h.off_data + h.block_extra &&
				   phys + len <= info.data_end, data, size);
	}

	/* a few operations driven by the seed; the map stays valid */
	for (n = 0; n < 8 && h.type == VDI_TYPE_NORMAL; n++) {
		u32 vb = (seed >> (n * 4)) % h.blocks;
		struct vdi_alloc_plan ap;
		struct vdi_discard_plan dp;

		seed = seed * 1103515245u + 12345u;
		if (vdi_map_allocated(img.map[vb])) {
			r = vdi_discard_plan(&img, vb, &dp);
			FUZZ_CHECK(r == 0, data, size);
			if (r)
				break;
			vdi_discard_unmap(&img, &dp);
			vdi_discard_moved(&img, &dp);
			vdi_discard_done(&img, &dp);
		} else {
			u32 before = img.next;

			r = vdi_alloc_reserve(&img, vb, &ap);
			if (r) {
				FUZZ_CHECK(r == VDI_E_FULL, data, size);
				continue;
			}
			FUZZ_CHECK(rev[ap.phys] == VDI_MAP_FREE, data, size);
			FUZZ_CHECK(ap.phys < h.blocks && ap.new_allocated > ap.phys, data, size);
			if (seed & 1) {
				vdi_alloc_abort(&img, &ap);
				FUZZ_CHECK(img.next == before, data, size);
				continue;
			}
			vdi_alloc_commit(&img, &ap);
		}
		check_map(&img, data, size);
	}
	{
		struct vdi_resize_plan rp;

		r = vdi_resize_plan(&img, img.h.disk_size + (seed % (1u << 30)), &rp);
		if (!r)
			FUZZ_CHECK(rp.new_h.blocks >= img.h.blocks &&
				   vdi_header_validate(&rp.new_h) == 0, data, size);
	}
	return 0;
}

#ifdef FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	return fuzz_vdi_one(data, size);
}
#endif
