// SPDX-License-Identifier: GPL-2.0
/*
 * VirtualBox VDI images: header, block map, allocation, discard and
 * resize plans. See vdi.h for the format and the I/O contracts.
 */
#include "host.h"
#include "vdi.h"
#include "bytes.h"

static const char *const vdi_errors[VDI_NR_ERRORS] = {
	[VDI_OK] = "no error",
	[VDI_E_SHORT] = "file too short for a VDI header",
	[VDI_E_SIGNATURE] = "not a VDI image (bad signature, want 0xbeda107f)",
	[VDI_E_VERSION] = "unsupported VDI version (VirtualBox reads 1.x and 0.2)",
	[VDI_E_HDR_SIZE] = "VDI header size below 0x180",
	[VDI_E_HDR_TRUNC] = "file ends inside the VDI header",
	[VDI_E_TYPE] = "bad VDI image type (want 1..4)",
	[VDI_E_DIFF] = "differencing/undo VDI image (type 3/4) needs its parent: not supported",
	[VDI_E_PARENT] = "VDI image has a parent (non-null linkage UUID): not supported",
	[VDI_E_FLAGS] = "unknown VDI image flags",
	[VDI_E_SECTOR] = "VDI geometry sector size is not 512",
	[VDI_E_DISK_SIZE] = "VDI disk size is 0",
	[VDI_E_BLOCK_SIZE] = "VDI block size is not a power of two",
	[VDI_E_BLOCK_EXTRA] = "VDI block extra size is neither 0 nor a power of two",
	[VDI_E_BLOCK_TOTAL] = "VDI block size plus block extra overflows",
	[VDI_E_BLOCKS] = "VDI image has no blocks",
	[VDI_E_DISK_ROOM] = "VDI disk size larger than its blocks (block size * blocks)",
	[VDI_E_ALLOC_COUNT] = "VDI allocated block count above the block count",
	[VDI_E_MAP_OFFSET] = "VDI block map offset overlaps the header",
	[VDI_E_DATA_OFFSET] = "VDI block map does not fit before the data offset",
	[VDI_E_UUID_CREATE] = "VDI creation UUID is null",
	[VDI_E_UUID_MODIFY] = "VDI modification UUID is null",
	[VDI_E_MAP_RANGE] = "VDI block map entry out of range",
	[VDI_E_MAP_DUP] = "VDI block map: two blocks share one data block",
	[VDI_E_ALLOC_BEHIND] = "VDI allocated block count is behind the block map",
	[VDI_E_FILE_SHORT] = "VDI file truncated: an allocated block ends beyond the end of the file",
	[VDI_E_FIXED_MAP] = "fixed VDI image with unallocated blocks",
	[VDI_E_RANGE] = "offset outside the VDI disk",
	[VDI_E_FULL] = "every VDI block is allocated",
	[VDI_E_NOT_ALLOCATED] = "VDI block has no data block",
	[VDI_E_ALLOCATED] = "VDI block already has a data block",
	[VDI_E_FIXED] = "not possible on a fixed VDI image",
	[VDI_E_OLD_VERSION] = "not possible on an old (v0.2) VDI image",
	[VDI_E_SHRINK] = "VDI images only grow",
	[VDI_E_TOO_BIG] = "size too large for a VDI image",
};

const char *vdi_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err >= VDI_NR_ERRORS || !vdi_errors[err])
		return "unknown VDI error";
	return vdi_errors[err];
}

static bool is_pow2(u32 v)
{
	return v && !(v & (v - 1));
}

static bool uuid_null(const u8 *u)
{
	unsigned int i;

	for (i = 0; i < 16; i++)
		if (u[i])
			return false;
	return true;
}

static u32 log2_u32(u32 v)
{
	u32 n = 0;

	while (v > 1) {
		v >>= 1;
		n++;
	}
	return n;
}

static void get_geom(const u8 *p, struct vdi_geom *g)
{
	g->cylinders = vmm_get_le32(p);
	g->heads = vmm_get_le32(p + 4);
	g->sectors = vmm_get_le32(p + 8);
	g->sector_size = vmm_get_le32(p + 12);
}

static void put_geom(u8 *p, const struct vdi_geom *g)
{
	vmm_put_le32(p, g->cylinders);
	vmm_put_le32(p + 4, g->heads);
	vmm_put_le32(p + 8, g->sectors);
	vmm_put_le32(p + 12, g->sector_size);
}

static bool version_major1(u32 v)
{
	return (v >> 16) == 1;
}

/* Offsets of the v1 header fields (from file offset 0). */
#define V1_SIZE		0x48
#define V1_TYPE		0x4c
#define V1_FLAGS	0x50
#define V1_COMMENT	0x54
#define V1_OFF_BLOCKS	0x154
#define V1_OFF_DATA	0x158
#define V1_LEGACY	0x15c
#define V1_DUMMY	0x16c
#define V1_DISK		0x170
#define V1_BLOCK	0x178
#define V1_EXTRA	0x17c
#define V1_BLOCKS	0x180
#define V1_ALLOC	0x184
#define V1_UUID		0x188	/* create, modify, link, parent modify */
#define V1_LCHS		0x1c8

/* v0.2 fields. */
#define V0_TYPE		0x48
#define V0_FLAGS	0x4c
#define V0_COMMENT	0x50
#define V0_LEGACY	0x150
#define V0_DISK		0x160
#define V0_BLOCK	0x168
#define V0_BLOCKS	0x16c
#define V0_ALLOC	0x170
#define V0_UUID		0x174	/* create, modify, link */

int vdi_header_validate(const struct vdi_header *h)
{
	if (version_major1(h->version)) {
		u32 hs = h->header_size < VDI_HDR1PLUS_SIZE ?
			 h->header_size : VDI_HDR1PLUS_SIZE;

		if (h->header_size < VDI_HDR1_SIZE)
			return VDI_E_HDR_SIZE;
		if (h->off_blocks < VDI_PRE_SIZE + hs)
			return VDI_E_MAP_OFFSET;
		if ((u64)h->off_data < (u64)h->off_blocks + 4ull * h->blocks)
			return VDI_E_DATA_OFFSET;
	} else if (h->version != VDI_VERSION_0_2) {
		return VDI_E_VERSION;
	}
	if (h->type < VDI_TYPE_NORMAL || h->type > VDI_TYPE_DIFF)
		return VDI_E_TYPE;
	if (h->flags & ~VDI_FLAG_ZERO_EXPAND)
		return VDI_E_FLAGS;
	if (h->has_lchs && h->lchs.sector_size != VDI_SECTOR)
		return VDI_E_SECTOR;
	if (!h->disk_size)
		return VDI_E_DISK_SIZE;
	/* VirtualBox's getPowerOfTwo() is 0 for 1: a block is >= 2 bytes */
	if (!is_pow2(h->block_size) || h->block_size < 2)
		return VDI_E_BLOCK_SIZE;
	if (!h->blocks)
		return VDI_E_BLOCKS;
	if (h->allocated > h->blocks)
		return VDI_E_ALLOC_COUNT;
	if (h->block_extra && (!is_pow2(h->block_extra) || h->block_extra < 2))
		return VDI_E_BLOCK_EXTRA;
	if ((u64)h->block_size + h->block_extra > 0xffffffffull)
		return VDI_E_BLOCK_TOTAL;
	if ((u64)h->block_size * h->blocks < h->disk_size)
		return VDI_E_DISK_ROOM;
	if (uuid_null(h->uuid_create))
		return VDI_E_UUID_CREATE;
	if (uuid_null(h->uuid_modify))
		return VDI_E_UUID_MODIFY;
	/* VirtualBox reads these through their parent; we have none */
	if (h->type == VDI_TYPE_UNDO || h->type == VDI_TYPE_DIFF)
		return VDI_E_DIFF;
	if (!uuid_null(h->uuid_link))
		return VDI_E_PARENT;
	return VDI_OK;
}

int vdi_header_parse(const u8 *buf, u32 len, struct vdi_header *h)
{
	memset(h, 0, sizeof(*h));
	if (len < VDI_PRE_SIZE)
		return VDI_E_SHORT;
	memcpy(h->text, buf, VDI_TEXT_LEN);
	if (vmm_get_le32(buf + 0x40) != VDI_SIGNATURE)
		return VDI_E_SIGNATURE;
	h->version = vmm_get_le32(buf + 0x44);
	if (version_major1(h->version)) {
		if (len < V1_SIZE + 4)
			return VDI_E_HDR_TRUNC;
		h->header_size = vmm_get_le32(buf + V1_SIZE);
		if (h->header_size < VDI_HDR1_SIZE)
			return VDI_E_HDR_SIZE;
		if (len < VDI_PRE_SIZE + VDI_HDR1_SIZE)
			return VDI_E_HDR_TRUNC;
		h->type = vmm_get_le32(buf + V1_TYPE);
		h->flags = vmm_get_le32(buf + V1_FLAGS);
		memcpy(h->comment, buf + V1_COMMENT, VDI_COMMENT_LEN);
		h->off_blocks = vmm_get_le32(buf + V1_OFF_BLOCKS);
		h->off_data = vmm_get_le32(buf + V1_OFF_DATA);
		get_geom(buf + V1_LEGACY, &h->legacy);
		h->dummy = vmm_get_le32(buf + V1_DUMMY);
		h->disk_size = vmm_get_le64(buf + V1_DISK);
		h->block_size = vmm_get_le32(buf + V1_BLOCK);
		h->block_extra = vmm_get_le32(buf + V1_EXTRA);
		h->blocks = vmm_get_le32(buf + V1_BLOCKS);
		h->allocated = vmm_get_le32(buf + V1_ALLOC);
		memcpy(h->uuid_create, buf + V1_UUID, 16);
		memcpy(h->uuid_modify, buf + V1_UUID + 16, 16);
		memcpy(h->uuid_link, buf + V1_UUID + 32, 16);
		memcpy(h->uuid_parent_modify, buf + V1_UUID + 48, 16);
		if (h->header_size >= VDI_HDR1PLUS_SIZE) {
			if (len < VDI_PRE_SIZE + VDI_HDR1PLUS_SIZE)
				return VDI_E_HDR_TRUNC;
			h->has_lchs = true;
			get_geom(buf + V1_LCHS, &h->lchs);
		}
	} else if (h->version == VDI_VERSION_0_2) {
		if (len < VDI_PRE_SIZE + VDI_HDR0_SIZE)
			return VDI_E_HDR_TRUNC;
		h->header_size = VDI_HDR0_SIZE;
		h->type = vmm_get_le32(buf + V0_TYPE);
		h->flags = vmm_get_le32(buf + V0_FLAGS);
		memcpy(h->comment, buf + V0_COMMENT, VDI_COMMENT_LEN);
		get_geom(buf + V0_LEGACY, &h->legacy);
		h->disk_size = vmm_get_le64(buf + V0_DISK);
		h->block_size = vmm_get_le32(buf + V0_BLOCK);
		h->blocks = vmm_get_le32(buf + V0_BLOCKS);
		h->allocated = vmm_get_le32(buf + V0_ALLOC);
		memcpy(h->uuid_create, buf + V0_UUID, 16);
		memcpy(h->uuid_modify, buf + V0_UUID + 16, 16);
		memcpy(h->uuid_link, buf + V0_UUID + 32, 16);
		h->off_blocks = VDI_PRE_SIZE + VDI_HDR0_SIZE;
		/* the map ends where the data starts; it must fit 32 bits */
		if (4ull * h->blocks + h->off_blocks > 0xffffffffull)
			return VDI_E_DATA_OFFSET;
		h->off_data = h->off_blocks + 4 * h->blocks;
	} else {
		return VDI_E_VERSION;
	}
	h->comment[VDI_COMMENT_LEN - 1] = 0;
	return vdi_header_validate(h);
}

u32 vdi_header_write(const struct vdi_header *h, u8 *buf)
{
	memcpy(buf, h->text, VDI_TEXT_LEN);
	vmm_put_le32(buf + 0x40, VDI_SIGNATURE);
	vmm_put_le32(buf + 0x44, h->version);
	if (h->version == VDI_VERSION_0_2) {
		vmm_put_le32(buf + V0_TYPE, h->type);
		vmm_put_le32(buf + V0_FLAGS, h->flags);
		memcpy(buf + V0_COMMENT, h->comment, VDI_COMMENT_LEN);
		put_geom(buf + V0_LEGACY, &h->legacy);
		vmm_put_le64(buf + V0_DISK, h->disk_size);
		vmm_put_le32(buf + V0_BLOCK, h->block_size);
		vmm_put_le32(buf + V0_BLOCKS, h->blocks);
		vmm_put_le32(buf + V0_ALLOC, h->allocated);
		memcpy(buf + V0_UUID, h->uuid_create, 16);
		memcpy(buf + V0_UUID + 16, h->uuid_modify, 16);
		memcpy(buf + V0_UUID + 32, h->uuid_link, 16);
		return VDI_PRE_SIZE + VDI_HDR0_SIZE;
	}
	vmm_put_le32(buf + V1_SIZE, h->header_size);
	vmm_put_le32(buf + V1_TYPE, h->type);
	vmm_put_le32(buf + V1_FLAGS, h->flags);
	memcpy(buf + V1_COMMENT, h->comment, VDI_COMMENT_LEN);
	vmm_put_le32(buf + V1_OFF_BLOCKS, h->off_blocks);
	vmm_put_le32(buf + V1_OFF_DATA, h->off_data);
	put_geom(buf + V1_LEGACY, &h->legacy);
	vmm_put_le32(buf + V1_DUMMY, h->dummy);
	vmm_put_le64(buf + V1_DISK, h->disk_size);
	vmm_put_le32(buf + V1_BLOCK, h->block_size);
	vmm_put_le32(buf + V1_EXTRA, h->block_extra);
	vmm_put_le32(buf + V1_BLOCKS, h->blocks);
	vmm_put_le32(buf + V1_ALLOC, h->allocated);
	memcpy(buf + V1_UUID, h->uuid_create, 16);
	memcpy(buf + V1_UUID + 16, h->uuid_modify, 16);
	memcpy(buf + V1_UUID + 32, h->uuid_link, 16);
	memcpy(buf + V1_UUID + 48, h->uuid_parent_modify, 16);
	if (!h->has_lchs)
		return VDI_PRE_SIZE + VDI_HDR1_SIZE;
	put_geom(buf + V1_LCHS, &h->lchs);
	return VDI_PRE_SIZE + VDI_HDR1PLUS_SIZE;
}

u32 vdi_allocated_offset(const struct vdi_header *h)
{
	return h->version == VDI_VERSION_0_2 ? VDI_OFF_ALLOCATED_V0 :
	       VDI_OFF_ALLOCATED_V1;
}

void vdi_map_swab(u32 *map, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++)
		map[i] = vmm_get_le32((const u8 *)&map[i]);
}

static u64 align_up(u64 v, u64 a)
{
	return (v + a - 1) / a * a;
}

/* The legacy geometry QEMU writes: 16 heads, 63 sectors. */
static void legacy_geom(struct vdi_geom *g, u64 disk_size)
{
	u64 c = disk_size / VDI_SECTOR / 16 / 63;

	g->cylinders = c > 0xffffffffull ? 0xffffffffu : (u32)c;
	g->heads = 16;
	g->sectors = 63;
	g->sector_size = VDI_SECTOR;
}

int vdi_header_init(struct vdi_header *h, const struct vdi_create_params *p)
{
	static const char text[] = "<<< Oracle VM VirtualBox Disk Image >>>\n";
	u32 bs = p->block_size ? p->block_size : VDI_DEFAULT_BLOCK;
	u64 size = align_up(p->disk_size, VDI_SECTOR), blocks, off;
	unsigned int i;

	memset(h, 0, sizeof(*h));
	if (!p->disk_size)
		return VDI_E_DISK_SIZE;
	if (!is_pow2(bs) || bs < VDI_SECTOR)
		return VDI_E_BLOCK_SIZE;
	if (p->block_extra && (!is_pow2(p->block_extra) || p->block_extra < 2))
		return VDI_E_BLOCK_EXTRA;
	if ((u64)bs + p->block_extra > 0xffffffffull)
		return VDI_E_BLOCK_TOTAL;
	blocks = (size + bs - 1) / bs;
	/* the map must fit 32-bit offsets with room for the data offset */
	if (size > (1ull << 60) || blocks > 0x3fff0000ull)
		return VDI_E_TOO_BIG;
	memcpy(h->text, text, sizeof(text) - 1);
	h->version = VDI_VERSION_1_1;
	h->header_size = p->layout_vbox ? VDI_HDR1PLUS_SIZE : VDI_HDR1_SIZE;
	h->type = p->fixed ? VDI_TYPE_FIXED : VDI_TYPE_NORMAL;
	if (p->comment) {
		for (i = 0; i < VDI_COMMENT_LEN - 1 && p->comment[i]; i++)
			h->comment[i] = p->comment[i];
	}
	if (p->layout_vbox) {
		off = align_up(VDI_PRE_SIZE + VDI_HDR1PLUS_SIZE, VDI_ALIGN_VBOX);
		h->off_blocks = (u32)off;
		off = align_up(off + 4 * blocks, VDI_ALIGN_VBOX);
	} else {
		h->off_blocks = VDI_SECTOR;
		off = align_up(VDI_SECTOR + 4 * blocks, VDI_SECTOR);
	}
	if (off > 0xffffffffull)
		return VDI_E_TOO_BIG;
	h->off_data = (u32)off;
	legacy_geom(&h->legacy, size);
	h->disk_size = size;
	h->block_size = bs;
	h->block_extra = p->block_extra;
	h->blocks = (u32)blocks;
	h->allocated = p->fixed ? (u32)blocks : 0;
	memcpy(h->uuid_create, p->uuid_create, 16);
	memcpy(h->uuid_modify, p->uuid_modify, 16);
	if (p->layout_vbox) {
		/* LCHS not computed yet, as VirtualBox writes it */
		h->has_lchs = true;
		h->lchs.sector_size = VDI_SECTOR;
	}
	return vdi_header_validate(h);
}

void vdi_map_init(const struct vdi_header *h, u32 *map)
{
	u32 i;

	for (i = 0; i < h->blocks; i++)
		map[i] = h->type == VDI_TYPE_FIXED ? i : VDI_MAP_FREE;
}

int vdi_map_check(const struct vdi_header *h, const u32 *map, u64 file_size,
		  u8 *bitmap, struct vdi_map_info *info)
{
	u64 slot = vdi_slot_size(h);
	int err = VDI_OK;
	u32 i;

	memset(info, 0, sizeof(*info));
	memset(bitmap, 0, vdi_bitmap_bytes(h));
	info->hole_first = VDI_MAP_FREE;
	info->file_size = file_size;
	for (i = 0; i < h->blocks; i++) {
		u32 e = map[i];

		if (e == VDI_MAP_ZERO) {
			info->zero++;
			continue;
		}
		if (e == VDI_MAP_FREE)
			continue;
		if (e >= h->blocks) {
			if (!err) {
				err = VDI_E_MAP_RANGE;
				info->bad_vblock = i;
				info->bad_value = e;
			}
			continue;
		}
		if (bitmap[e / 8] & (1u << (e % 8))) {
			if (!err) {
				u32 j;

				err = VDI_E_MAP_DUP;
				info->bad_vblock = i;
				info->bad_value = e;
				for (j = 0; j < i; j++)
					if (map[j] == e)
						break;
				info->bad_other = j;
			}
			continue;
		}
		bitmap[e / 8] |= 1u << (e % 8);
		info->referenced++;
		if (e + 1 > info->next)
			info->next = e + 1;
	}
	info->holes = info->next - info->referenced;
	if (info->holes) {
		for (i = 0; i < info->next; i++) {
			if (!(bitmap[i / 8] & (1u << (i % 8)))) {
				info->hole_first = i;
				break;
			}
		}
	}
	info->data_end = h->off_data + (u64)info->next * slot;
	info->expected_size = h->off_data + (u64)h->allocated * slot;
	if (h->allocated > info->referenced)
		info->leaked_slots = h->allocated - info->referenced;
	if (file_size > info->expected_size && file_size > info->data_end)
		info->leaked_tail = file_size -
			(info->expected_size > info->data_end ?
			 info->expected_size : info->data_end);
	if (err)
		return err;
	if (h->allocated < info->next)
		return VDI_E_ALLOC_BEHIND;
	if (file_size < info->data_end)
		return VDI_E_FILE_SHORT;
	if (h->type == VDI_TYPE_FIXED && info->referenced != h->blocks)
		return VDI_E_FIXED_MAP;
	return VDI_OK;
}

void vdi_image_init(struct vdi_image *img, const struct vdi_header *h,
		    u32 *map, u32 *rev, const struct vdi_map_info *info)
{
	u32 i;

	memset(img, 0, sizeof(*img));
	img->h = *h;
	img->map = map;
	img->rev = rev;
	img->shift = log2_u32(h->block_size);
	img->slot = vdi_slot_size(h);
	/*
	 * Allocate after the last slot in use. Slots from there up to the
	 * header's count are leaks a crash left: the header already counts
	 * them, so reusing them is safe (must_zero says they hold old bytes).
	 * Holes below next stay unused until vdi_fill_hole_plan or compact.
	 */
	img->next = info->next;
	img->file_size = info->file_size;
	if (rev) {
		for (i = 0; i < h->blocks; i++)
			rev[i] = VDI_MAP_FREE;
		for (i = 0; i < h->blocks; i++)
			if (vdi_map_allocated(map[i]) && map[i] < h->blocks)
				rev[map[i]] = i;
	}
}

int vdi_alloc_reserve(struct vdi_image *img, u32 vblock,
		      struct vdi_alloc_plan *p)
{
	u32 phys;

	if (vblock >= img->h.blocks)
		return VDI_E_RANGE;
	if (vdi_map_allocated(img->map[vblock]))
		return VDI_E_ALLOCATED;
	memset(p, 0, sizeof(*p));
	if (img->nr_spare) {
		phys = img->spare[--img->nr_spare];
	} else {
		if (img->next >= img->h.blocks)
			return VDI_E_FULL;
		phys = img->next++;
	}
	p->vblock = vblock;
	p->phys = phys;
	p->slot_off = vdi_slot_offset(&img->h, phys);
	p->data_off = p->slot_off + img->h.block_extra;
	p->slot_len = (u32)img->slot;
	p->must_zero = img->file_size > p->slot_off;
	p->count_off = vdi_allocated_offset(&img->h);
	p->map_off = vdi_map_entry_offset(&img->h, vblock);
	/*
	 * A reused spare rewrites the count too: its first reservation may
	 * have failed before the count reached the disk.
	 */
	if (img->h.allocated < phys + 1 || phys + 1 < img->next) {
		if (img->h.allocated < phys + 1)
			img->h.allocated = phys + 1;
		p->header_dirty = true;
	}
	p->new_allocated = img->h.allocated;
	if (img->file_size < p->slot_off + p->slot_len)
		img->file_size = p->slot_off + p->slot_len;
	p->file_size = img->file_size;
	return VDI_OK;
}

bool vdi_repair_plan(const struct vdi_image *img,
		     const struct vdi_map_info *info, struct vdi_repair_plan *p)
{
	u64 end;

	memset(p, 0, sizeof(*p));
	if (img->h.type == VDI_TYPE_FIXED || info->holes ||
	    img->h.allocated <= img->next)
		return false;
	end = vdi_slot_offset(&img->h, img->next);
	p->old_count = img->h.allocated;
	p->count = img->next;
	p->file_size = img->file_size < end ? img->file_size : end;
	return true;
}

void vdi_repair_done(struct vdi_image *img, const struct vdi_repair_plan *p)
{
	img->h.allocated = p->count;
	img->file_size = p->file_size;
}

void vdi_alloc_commit(struct vdi_image *img, const struct vdi_alloc_plan *p)
{
	img->map[p->vblock] = p->phys;
	if (img->rev)
		img->rev[p->phys] = p->vblock;
}

void vdi_alloc_abort(struct vdi_image *img, const struct vdi_alloc_plan *p)
{
	/*
	 * The last slot goes back to the end; the count on disk may or may
	 * not have grown (ahead is safe), in memory it goes back so that the
	 * next reservation writes it again. A slot below others in flight is
	 * kept for the next reservation.
	 */
	if (p->phys + 1 == img->next) {
		img->next--;
		if (p->header_dirty && img->h.allocated == p->phys + 1)
			img->h.allocated = p->phys;
	} else if (img->nr_spare < VDI_MAX_SPARE) {
		img->spare[img->nr_spare++] = p->phys;
	}
	/* else: a hole until vdi_fill_hole_plan or `vmmctl vdi compact` */
}

/* The virtual block whose entry is phys, or VDI_MAP_FREE. */
static u32 owner_of(const struct vdi_image *img, u32 phys)
{
	u32 i;

	if (img->rev)
		return img->rev[phys];
	for (i = 0; i < img->h.blocks; i++)
		if (img->map[i] == phys)
			return i;
	return VDI_MAP_FREE;
}

static int plan_move(const struct vdi_image *img, u32 hole,
		     struct vdi_discard_plan *p)
{
	u32 last;

	p->hole = hole;
	p->slot_len = (u32)img->slot;
	p->count_off = vdi_allocated_offset(&img->h);
	if (!img->next || hole >= img->next)
		return VDI_E_RANGE;
	/* unreferenced slots at the end (spares, leaks) go with the truncate */
	last = img->next - 1;
	while (last > hole && owner_of(img, last) == VDI_MAP_FREE)
		last--;
	p->last_phys = last;
	p->last_vblock = VDI_MAP_FREE;
	if (last != hole) {
		p->last_vblock = owner_of(img, last);
		p->move = true;
		p->src_off = vdi_slot_offset(&img->h, last);
		p->dst_off = vdi_slot_offset(&img->h, hole);
		p->map_off_last = vdi_map_entry_offset(&img->h, p->last_vblock);
	}
	p->new_allocated = last;
	p->new_file_size = vdi_slot_offset(&img->h, last);
	return VDI_OK;
}

int vdi_discard_plan(const struct vdi_image *img, u32 vblock,
		     struct vdi_discard_plan *p)
{
	memset(p, 0, sizeof(*p));
	if (img->h.type == VDI_TYPE_FIXED)
		return VDI_E_FIXED;
	if (vblock >= img->h.blocks)
		return VDI_E_RANGE;
	if (!vdi_map_allocated(img->map[vblock]))
		return VDI_E_NOT_ALLOCATED;
	p->vblock = vblock;
	p->map_off_vblock = vdi_map_entry_offset(&img->h, vblock);
	return plan_move(img, img->map[vblock], p);
}

int vdi_fill_hole_plan(const struct vdi_image *img, u32 hole,
		       struct vdi_discard_plan *p)
{
	memset(p, 0, sizeof(*p));
	if (img->h.type == VDI_TYPE_FIXED)
		return VDI_E_FIXED;
	if (hole >= img->next || owner_of(img, hole) != VDI_MAP_FREE)
		return VDI_E_RANGE;
	p->vblock = VDI_MAP_FREE;
	return plan_move(img, hole, p);
}

void vdi_discard_unmap(struct vdi_image *img, const struct vdi_discard_plan *p)
{
	if (p->vblock == VDI_MAP_FREE)
		return;
	img->map[p->vblock] = VDI_MAP_ZERO;
	if (img->rev)
		img->rev[p->hole] = VDI_MAP_FREE;
}

void vdi_discard_moved(struct vdi_image *img, const struct vdi_discard_plan *p)
{
	if (!p->move)
		return;
	img->map[p->last_vblock] = p->hole;
	if (img->rev) {
		img->rev[p->hole] = p->last_vblock;
		img->rev[p->last_phys] = VDI_MAP_FREE;
	}
}

void vdi_discard_done(struct vdi_image *img, const struct vdi_discard_plan *p)
{
	u32 i, n = 0;

	img->next = p->new_allocated;
	img->h.allocated = p->new_allocated;
	img->file_size = p->new_file_size;
	for (i = 0; i < img->nr_spare; i++)
		if (img->spare[i] < img->next && img->spare[i] != p->hole)
			img->spare[n++] = img->spare[i];
	img->nr_spare = n;
}

int vdi_resize_plan(const struct vdi_image *img, u64 new_size,
		    struct vdi_resize_plan *p)
{
	const struct vdi_header *h = &img->h;
	u64 size = align_up(new_size, VDI_SECTOR), blocks, need, k, off;

	memset(p, 0, sizeof(*p));
	if (h->type == VDI_TYPE_FIXED)
		return VDI_E_FIXED;
	if (h->version == VDI_VERSION_0_2)
		return VDI_E_OLD_VERSION;
	if (size < h->disk_size)
		return VDI_E_SHRINK;
	if (size > (1ull << 60))
		return VDI_E_TOO_BIG;
	blocks = (size + h->block_size - 1) / h->block_size;
	if (blocks < h->blocks)
		blocks = h->blocks;
	if (blocks > 0x3fff0000ull)
		return VDI_E_TOO_BIG;
	p->new_h = *h;
	p->new_h.disk_size = size;
	p->new_h.blocks = (u32)blocks;
	if (p->new_h.legacy.sector_size == VDI_SECTOR)
		legacy_geom(&p->new_h.legacy, size);
	need = 4 * blocks;
	if ((u64)h->off_blocks + need <= h->off_data)
		return VDI_OK;
	/* the new map goes where the first k slots are now */
	k = (need + img->slot - 1) / img->slot;
	off = h->off_data + k * img->slot;
	if (off > 0xffffffffull)
		return VDI_E_TOO_BIG;
	p->relocate = true;
	p->nr_moved = (u32)k;
	p->moving = img->next < k ? img->next : (u32)k;
	p->move_base = img->next > k ? img->next : (u32)k;
	/* the copies must be slots the old header can name */
	p->crash_safe = (u64)p->move_base + p->moving <= h->blocks;
	p->new_h.off_blocks = h->off_data;
	p->new_h.off_data = (u32)off;
	p->new_h.allocated = p->move_base + p->moving - (u32)k;
	return vdi_header_validate(&p->new_h);
}
