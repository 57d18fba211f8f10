/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VirtualBox VDI disk images: the on-disk format as pure functions over
 * buffers, shared by the kernel backend, vmmctl's `vdi` tools, the unit
 * tests and the fuzzer. The caller does all I/O (kernel_read/kernel_write
 * and vfs_fsync in the kernel, pread/pwrite/fsync in vmmctl) and owns all
 * memory (the block map, the optional reverse map, a scratch bitmap); this
 * code never allocates and never sleeps.
 *
 * File layout (all little endian):
 *   0x000  64-byte text ("<<< Oracle VM VirtualBox Disk Image >>>\n")
 *   0x040  signature 0xbeda107f, 0x044 version
 *   0x048  header: v1.1 (version 0x0001xxxx) is cbHeader bytes, 0x180 as
 *          qemu-img writes it or 0x190 (adds the LCHS geometry) as
 *          VirtualBox writes it; the old v0.2 (version 0x00000002) is 0x15c
 *          bytes with the map right after it and no block-extra
 *   offBlocks  the block map: one u32 per virtual block
 *   offData    the data: physical slot i at offData + i * (cbBlock +
 *              cbBlockExtra), whose first cbBlockExtra bytes are unused
 *              "extra" data and the rest the block's bytes
 * qemu-img puts the map at 0x200 and the data right after it (512-byte
 * aligned); VirtualBox aligns both to 1 MiB. Only the header's own offsets
 * are used here.
 *
 * Map entries: a physical slot index (< cBlocks), VDI_MAP_FREE (never
 * written: reads zeros in a base image) or VDI_MAP_ZERO (discarded or
 * known zero: reads zeros).
 *
 * Validation (vdi_header_parse + vdi_map_check) does what VirtualBox does
 * when it opens an image, and more: every map entry in range and unique,
 * the allocated count derived from the map and checked against the header
 * and the file size. Diff and undo images (types 3 and 4, or a non-null
 * parent UUID) are refused: reading them needs their parent.
 *
 * Allocation order and crash safety (the contract of vdi_alloc_reserve /
 * vdi_alloc_commit; see the comment above vdi_alloc_reserve): a new block
 * goes at the end of the file, its data and the header's allocated count
 * are made durable before the map entry that points at it is written. So
 * a map entry never points at data that is not durable, and the header's
 * count is never behind the map (VirtualBox and QEMU allocate at the
 * header's count: a count behind the map would make them hand one slot to
 * two blocks). After a crash the header may be ahead of the map: that
 * is a leak (vdi_map_check reports it, `vmmctl vdi compact` reclaims it),
 * never a corruption.
 */
#ifndef VMM_CORE_VDI_H
#define VMM_CORE_VDI_H

#include "host.h"

#define VDI_SIGNATURE		0xbeda107fu
#define VDI_VERSION_1_1		0x00010001u
#define VDI_VERSION_0_2		0x00000002u	/* the old format VirtualBox reads */

#define VDI_TEXT_LEN		64
#define VDI_COMMENT_LEN		256
#define VDI_PRE_SIZE		0x48	/* text, signature, version */
#define VDI_HDR0_SIZE		0x15c	/* v0.2 header */
#define VDI_HDR1_SIZE		0x180	/* v1.1 header (qemu-img) */
#define VDI_HDR1PLUS_SIZE	0x190	/* v1.1 + LCHS geometry (VirtualBox) */
/* Bytes the caller reads from offset 0 for vdi_header_parse (less if the
 * file is shorter) and the most vdi_header_write produces. */
#define VDI_HEADER_BUF		0x200

/* File offsets of single fields, for 4-byte metadata writes. */
#define VDI_OFF_ALLOCATED_V1	0x184
#define VDI_OFF_ALLOCATED_V0	0x170

#define VDI_TYPE_NORMAL		1	/* dynamic */
#define VDI_TYPE_FIXED		2
#define VDI_TYPE_UNDO		3
#define VDI_TYPE_DIFF		4

#define VDI_FLAG_ZERO_EXPAND	1	/* the only flag VirtualBox accepts */

#define VDI_MAP_FREE		0xffffffffu
#define VDI_MAP_ZERO		0xfffffffeu
#define vdi_map_allocated(e)	((u32)(e) < VDI_MAP_ZERO)

#define VDI_SECTOR		512
#define VDI_DEFAULT_BLOCK	(1u << 20)
#define VDI_ALIGN_VBOX		(1u << 20)	/* VirtualBox's map/data alignment */

/* Errors. vdi_strerror() gives the message of each. */
enum vdi_err {
	VDI_OK = 0,
	VDI_E_SHORT,		/* buffer/file too short for the header */
	VDI_E_SIGNATURE,
	VDI_E_VERSION,
	VDI_E_HDR_SIZE,		/* cbHeader < 0x180 */
	VDI_E_HDR_TRUNC,	/* buffer shorter than the header it declares */
	VDI_E_TYPE,		/* not 1..4 */
	VDI_E_DIFF,		/* type 3 or 4: needs a parent */
	VDI_E_PARENT,		/* a non-null parent (linkage) UUID */
	VDI_E_FLAGS,
	VDI_E_SECTOR,		/* LCHS sector size not 512 */
	VDI_E_DISK_SIZE,	/* cbDisk 0 */
	VDI_E_BLOCK_SIZE,	/* cbBlock 0 or not a power of two (>= 2) */
	VDI_E_BLOCK_EXTRA,	/* not 0 or a power of two */
	VDI_E_BLOCK_TOTAL,	/* cbBlock + cbBlockExtra does not fit 32 bits */
	VDI_E_BLOCKS,		/* cBlocks 0 */
	VDI_E_DISK_ROOM,	/* cbBlock * cBlocks < cbDisk */
	VDI_E_ALLOC_COUNT,	/* cBlocksAllocated > cBlocks */
	VDI_E_MAP_OFFSET,	/* the map overlaps the header */
	VDI_E_DATA_OFFSET,	/* the map does not fit before offData */
	VDI_E_UUID_CREATE,	/* null creation UUID */
	VDI_E_UUID_MODIFY,	/* null modification UUID */
	/* map (vdi_map_check) */
	VDI_E_MAP_RANGE,	/* an entry >= cBlocks */
	VDI_E_MAP_DUP,		/* two virtual blocks share one slot */
	VDI_E_ALLOC_BEHIND,	/* header count below the slots in use */
	VDI_E_FILE_SHORT,	/* an allocated slot ends beyond the file */
	VDI_E_FIXED_MAP,	/* fixed image whose map is not fully allocated */
	/* operations */
	VDI_E_RANGE,		/* offset/size outside the disk */
	VDI_E_FULL,		/* no free slot (every block allocated) */
	VDI_E_NOT_ALLOCATED,	/* discard of a block with no slot */
	VDI_E_ALLOCATED,	/* allocation for a block that has a slot */
	VDI_E_FIXED,		/* operation not possible on a fixed image */
	VDI_E_OLD_VERSION,	/* operation not possible on a v0.2 image */
	VDI_E_SHRINK,		/* resize to a smaller size */
	VDI_E_TOO_BIG,		/* size beyond what a VDI map can address */
	VDI_NR_ERRORS,
};

const char *vdi_strerror(int err);

struct vdi_geom {
	u32 cylinders, heads, sectors, sector_size;
};

/* A parsed header, host byte order. */
struct vdi_header {
	char text[VDI_TEXT_LEN];
	u32 version;
	u32 header_size;	/* cbHeader (v0.2: VDI_HDR0_SIZE) */
	u32 type;
	u32 flags;
	char comment[VDI_COMMENT_LEN];
	u32 off_blocks;		/* v0.2: derived */
	u32 off_data;		/* v0.2: derived */
	struct vdi_geom legacy;	/* legacy (PCHS) geometry */
	u32 dummy;
	u64 disk_size;
	u32 block_size;
	u32 block_extra;	/* v0.2: 0 */
	u32 blocks;		/* map entries */
	u32 allocated;		/* as the header says */
	u8 uuid_create[16];
	u8 uuid_modify[16];
	u8 uuid_link[16];	/* parent image (diff) */
	u8 uuid_parent_modify[16];	/* v1 only */
	bool has_lchs;		/* cbHeader >= 0x190 */
	struct vdi_geom lchs;
};

/*
 * Parse and validate the header in buf (len bytes from file offset 0;
 * VDI_HEADER_BUF is enough). 0 (VDI_OK) or an enum vdi_err; *h is filled
 * as far as parsing got. Checks, in VirtualBox's order where it has one:
 * signature; version 1.x or 0.2; cbHeader >= 0x180; offBlocks past the
 * header; offData >= offBlocks + 4 * cBlocks; type 1..4; flags; LCHS
 * sector size; sizes; power-of-two block size and extra; allocated <=
 * blocks; cbBlock * cBlocks >= cbDisk; create/modify UUIDs non-null.
 * Then ours: type 3/4 and a non-null linkage UUID are refused.
 */
int vdi_header_parse(const u8 *buf, u32 len, struct vdi_header *h);

/* The same checks on an already parsed header (e.g. after editing one). */
int vdi_header_validate(const struct vdi_header *h);

/*
 * Serialize h into buf (VDI_HEADER_BUF bytes): pre-header and header in
 * h's own version and size (at most 0x190 bytes of header; bytes of a
 * longer cbHeader are left as they are in buf). Returns how many bytes
 * from offset 0 to write.
 */
u32 vdi_header_write(const struct vdi_header *h, u8 *buf);

/* File offset of the allocated-count field (a 4-byte field, one sector). */
u32 vdi_allocated_offset(const struct vdi_header *h);

/* Bytes one physical slot takes: block_size + block_extra. */
static inline u64 vdi_slot_size(const struct vdi_header *h)
{
	return (u64)h->block_size + h->block_extra;
}

/* File offset of slot phys (its extra area first, then the data). */
static inline u64 vdi_slot_offset(const struct vdi_header *h, u32 phys)
{
	return h->off_data + (u64)phys * vdi_slot_size(h);
}

/* File offset of the map entry of virtual block vblock. */
static inline u64 vdi_map_entry_offset(const struct vdi_header *h, u32 vblock)
{
	return h->off_blocks + 4ull * vblock;
}

/* Map bytes on disk: 4 * blocks. */
static inline u64 vdi_map_bytes(const struct vdi_header *h)
{
	return 4ull * h->blocks;
}

/* Convert n map entries between file order (little endian) and host
 * order, in place (the same operation both ways). */
void vdi_map_swab(u32 *map, u32 n);

/*
 * Parameters of a new image for vdi_header_init. layout_vbox selects
 * VirtualBox's layout (header 0x190, map and data 1 MiB-aligned), else
 * qemu-img's (header 0x180, map at 0x200, data 512-aligned after it).
 */
struct vdi_create_params {
	u64 disk_size;		/* bytes; rounded up to 512 */
	u32 block_size;		/* 0: 1 MiB */
	u32 block_extra;
	bool fixed;
	bool layout_vbox;
	u8 uuid_create[16];	/* random, from the caller */
	u8 uuid_modify[16];
	const char *comment;	/* may be NULL; truncated to 255 bytes */
};

/*
 * A header for a new image. A dynamic image's file is off_data bytes
 * long with a map of VDI_MAP_FREE; a fixed image's map is 0..blocks-1
 * (vdi_map_init_fixed) and its file off_data + blocks * slot size.
 */
int vdi_header_init(struct vdi_header *h, const struct vdi_create_params *p);

/* The map of a new image: all VDI_MAP_FREE, or the identity if fixed. */
void vdi_map_init(const struct vdi_header *h, u32 *map);

/* Size of a scratch bitmap for vdi_map_check: one bit per block. */
static inline u64 vdi_bitmap_bytes(const struct vdi_header *h)
{
	return ((u64)h->blocks + 7) / 8;
}

/* What vdi_map_check found. */
struct vdi_map_info {
	u32 referenced;		/* entries that point at a slot */
	u32 zero;		/* VDI_MAP_ZERO entries */
	u32 next;		/* highest slot in use + 1 (0 if none) */
	u32 holes;		/* slots below next that no entry uses */
	u32 hole_first;		/* lowest such slot (VDI_MAP_FREE if none) */
	u64 data_end;		/* off_data + next * slot size */
	u64 expected_size;	/* off_data + header count * slot size */
	u64 file_size;
	/* first problem found, for messages */
	u32 bad_vblock;		/* the entry (RANGE), or the second user (DUP) */
	u32 bad_other;		/* DUP: the first user of the slot */
	u32 bad_value;		/* the entry's value / the shared slot */
	/* leaks: not errors */
	u32 leaked_slots;	/* header count - referenced, when positive */
	u64 leaked_tail;	/* bytes of the file beyond expected_size */
};

/*
 * Check the map (host order, h->blocks entries) against the header and
 * the file size. The caller reads the map only after checking that the
 * file holds it (off_blocks + vdi_map_bytes(h) <= file size: else
 * VDI_E_FILE_SHORT), so a tiny file cannot make it allocate a big map.
 * bitmap: vdi_bitmap_bytes(h) bytes of scratch. Returns 0 or the first
 * corruption: VDI_E_MAP_RANGE, VDI_E_MAP_DUP,
 * VDI_E_ALLOC_BEHIND (the header's count is below next: the next
 * allocation by VirtualBox or QEMU would reuse a slot in use),
 * VDI_E_FILE_SHORT, VDI_E_FIXED_MAP. Leaks (holes, header count above
 * what the map uses, file bytes beyond the last slot) are reported in
 * *info, not as errors.
 */
int vdi_map_check(const struct vdi_header *h, const u32 *map, u64 file_size,
		  u8 *bitmap, struct vdi_map_info *info);

/*
 * An open image: the validated header and the map in memory (host order,
 * owned by the caller). rev (optional, owned by the caller, h.blocks
 * entries) maps slot -> virtual block for discards; without it a discard
 * scans the map.
 */
#define VDI_MAX_SPARE		16

struct vdi_image {
	struct vdi_header h;
	u32 *map;
	u32 *rev;
	u32 shift;		/* log2(block_size) */
	u64 slot;		/* block_size + block_extra */
	u32 next;		/* next slot at the end of the data area */
	u64 file_size;		/* as the caller told us, grown by allocations */
	u32 nr_spare;		/* reserved slots given back (see abort) */
	u32 spare[VDI_MAX_SPARE];
};

/*
 * Set up img for h (validated) and map (validated by vdi_map_check, whose
 * info gives next and the file size). rev may be NULL; else it is filled
 * from map here and kept up to date by the commit/discard functions.
 * Holes (info->holes) are left alone: a read-write open may fill them
 * with vdi_fill_hole_plan so that qemu-img check is clean again.
 */
void vdi_image_init(struct vdi_image *img, const struct vdi_header *h,
		    u32 *map, u32 *rev, const struct vdi_map_info *info);

/* What a byte of the disk maps to. */
enum vdi_lookup_kind {
	VDI_LK_DATA,		/* *phys is the file offset of the byte */
	VDI_LK_FREE,		/* never written: reads zeros */
	VDI_LK_ZERO,		/* discarded/zero: reads zeros */
};

/*
 * Map entries change with single aligned 32-bit stores (commit, unmap,
 * moved) under the backend's allocation lock; a lookup racing with a
 * commit sees FREE (the write that allocates has not completed: zeros are
 * a valid answer) or the new slot (its data is durable already). In the
 * kernel the backend may wrap both sides in READ_ONCE/WRITE_ONCE.
 *
 * Map the disk byte offset to the file. Returns an enum vdi_lookup_kind,
 * or -VDI_E_RANGE if offset >= disk size. *len_in_block: bytes from
 * offset to the end of its block (or of the disk): a request that
 * crosses it is split by the caller. One shift, one mask and one array
 * index; no locks (the backend's allocation lock orders map updates).
 */
static inline int vdi_lookup(const struct vdi_image *img, u64 offset,
			     u64 *phys, u32 *len_in_block)
{
	u64 in_block, left;
	u32 e;

	*len_in_block = 0;
	if (offset >= img->h.disk_size)
		return -VDI_E_RANGE;
	in_block = offset & (img->h.block_size - 1);
	left = img->h.block_size - in_block;
	if (left > img->h.disk_size - offset)
		left = img->h.disk_size - offset;
	*len_in_block = (u32)left;
	e = img->map[offset >> img->shift];
	if (e == VDI_MAP_FREE)
		return VDI_LK_FREE;
	if (e == VDI_MAP_ZERO)
		return VDI_LK_ZERO;
	*phys = img->h.off_data + (u64)e * img->slot + img->h.block_extra +
		in_block;
	return VDI_LK_DATA;
}

/*
 * Allocation of a slot for a virtual block that has none (entry FREE or
 * ZERO). The backend serialises reserve/commit/abort with one lock and
 * marks the block "allocating" itself so that a second writer of the same
 * block waits for the first instead of reserving again.
 *
 * The backend's write order for a write to an unallocated block:
 *   1. lock; if map[vblock] got a slot meanwhile, unlock and write in
 *      place; else vdi_alloc_reserve() -> plan; mark vblock allocating;
 *      unlock.
 *   2. write the whole slot [slot_off, slot_off + slot_len): the guest's
 *      bytes at data_off + (offset within the block), zeros elsewhere
 *      (the extra area included). When !must_zero the file ends at or
 *      before slot_off, so extending it to file_size (ftruncate or
 *      fallocate) and writing only the guest's bytes also leaves zeros.
 *      When must_zero the slot holds stale bytes (a leak left by a crash):
 *      they must be overwritten (or punched) explicitly.
 *   3. if header_dirty: write the header's allocated count (4 bytes LE,
 *      new_allocated, at count_off; or the whole header, vdi_header_write).
 *   4. fsync (fdatasync): the data and the count are durable.
 *   5. write the map entry (4 bytes LE: phys, at map_off). It becomes
 *      durable at the next guest FLUSH, which fsyncs the file.
 *   6. lock; vdi_alloc_commit(); wake the waiters of vblock; unlock.
 * On an error in 2-5 (ENOSPC, EIO): lock; vdi_alloc_abort(); unlock; fail
 * the guest request. The image stays consistent (the header count may be
 * ahead of the map: a leak, the slot is reused by the next reservation).
 * Two reservations never get the same slot; the plan only depends on the
 * in-memory state, so a serialised caller is deterministic.
 */
struct vdi_alloc_plan {
	u32 vblock;
	u32 phys;		/* the slot */
	u64 slot_off;		/* file offset of the slot */
	u64 data_off;		/* slot_off + block_extra: the block's byte 0 */
	u32 slot_len;		/* block_extra + block_size */
	bool must_zero;		/* the slot overlaps bytes already in the file */
	bool header_dirty;	/* the allocated count grows: step 3 */
	u32 new_allocated;	/* the header's count after this allocation */
	u32 count_off;		/* file offset of the count */
	u64 map_off;		/* file offset of the map entry */
	u64 file_size;		/* the file's size once the slot is written */
};

int vdi_alloc_reserve(struct vdi_image *img, u32 vblock,
		      struct vdi_alloc_plan *p);
void vdi_alloc_commit(struct vdi_image *img, const struct vdi_alloc_plan *p);
void vdi_alloc_abort(struct vdi_image *img, const struct vdi_alloc_plan *p);

/*
 * Discard of one whole virtual block that has a slot, giving its space
 * back to the host the way VirtualBox does: the last slot in the file is
 * moved into the hole, the map stays dense, the header's count goes down
 * and the file is truncated. (Marking the entry ZERO and punching a hole
 * would leave the slot counted in the header and unreferenced by the map:
 * qemu-img check calls that a mismatch, and lowering the count instead
 * would make VirtualBox reuse the last slot while it is in use.)
 *
 * The backend, with allocations and all I/O to vblock and last_vblock
 * held off (e.g. the image's allocation lock plus a per-image rwsem that
 * reads and writes take shared and discard exclusive: a read of the last
 * slot in flight during the truncate would come back short):
 *   1. vdi_discard_plan();
 *   2. write map entry map_off_vblock := VDI_MAP_ZERO (4 bytes LE); fsync;
 *      vdi_discard_unmap() (in memory). The hole is now unreferenced and
 *      the header count is ahead: a leak, safe.
 *   3. if move: copy slot_len bytes from src_off to dst_off; fsync;
 *      write map_off_last := hole; fsync; vdi_discard_moved().
 *   4. write the header count new_allocated at count_off; fsync;
 *      vdi_discard_done() (count and next in memory).
 *   5. truncate the file to new_file_size.
 * A crash at any point leaves a valid image (at worst with a leak); the
 * map never has two entries on one slot and never points at a slot whose
 * bytes are not durable.
 */
struct vdi_discard_plan {
	u32 vblock;		/* the discarded block */
	u32 hole;		/* its slot */
	bool move;		/* the hole is not the last slot */
	u32 last_vblock;	/* owner of the last slot (if move) */
	u32 last_phys;		/* the last slot */
	u64 src_off, dst_off;	/* slot offsets of last_phys and hole */
	u32 slot_len;
	u64 map_off_vblock, map_off_last;
	u32 count_off;
	u32 new_allocated;
	u64 new_file_size;
};

int vdi_discard_plan(const struct vdi_image *img, u32 vblock,
		     struct vdi_discard_plan *p);
void vdi_discard_unmap(struct vdi_image *img, const struct vdi_discard_plan *p);
void vdi_discard_moved(struct vdi_image *img, const struct vdi_discard_plan *p);
void vdi_discard_done(struct vdi_image *img, const struct vdi_discard_plan *p);

/*
 * The leak a crash leaves in the middle of an allocation: the header's
 * count was made durable before the map entry (so that it is never behind
 * the map), and the host died in between. The slots from img->next up to
 * the count are referenced by nothing, and qemu-img check calls the
 * mismatch corruption. A read-write open repairs it: write count (the
 * header's count, at vdi_allocated_offset), sync, then trim the file to
 * file_size. Returns false when there is nothing to repair, or when the
 * image has holes too (those are compact's: a repair here would not make
 * it clean).
 */
struct vdi_repair_plan {
	u32 old_count;
	u32 count;
	u64 file_size;		/* the file's size once trimmed */
};

bool vdi_repair_plan(const struct vdi_image *img,
		     const struct vdi_map_info *info, struct vdi_repair_plan *p);
void vdi_repair_done(struct vdi_image *img, const struct vdi_repair_plan *p);

/*
 * Fill a hole (an unreferenced slot below img->next, e.g. left by a crash
 * during a discard) by moving the last slot into it: the same steps 3-5
 * as a discard, with vblock = VDI_MAP_FREE and no step 2. hole must be
 * unreferenced.
 */
int vdi_fill_hole_plan(const struct vdi_image *img, u32 hole,
		       struct vdi_discard_plan *p);

/*
 * Growing the disk (`vmmctl vdi resize`): the new header and, when the
 * larger map does not fit before off_data, which slots move. Not for
 * fixed or v0.2 images; never shrinks.
 *
 * When the map fits: write the new entries (VDI_MAP_FREE) at
 * map_off(old blocks..), fsync, then the new header; fsync.
 * When it does not: k = nr_moved slots are copied from the front of the
 * data area to the end of the file (old slot j < min(k, next) goes to old
 * index move_base + j), fsync; the old header's count raised to
 * move_base + min(k, next) (ahead of the map: safe), fsync; the moved
 * slots' entries rewritten in the old map, fsync; the new map (every entry
 * renumbered: old index i becomes i - k) written at new.off_blocks = old
 * off_data, i.e. over the front slots nobody uses now, fsync; then the new
 * header (one sector: the switch), fsync; then the file truncated to
 * new.off_data + new.allocated slots. Every step leaves a valid image.
 * Except when !crash_safe: the old map has no room to name the copies
 * (move_base + moving > old blocks: a map already full, or a tiny image),
 * so the old map is left as it is and the new map overwrites front slots
 * it still names: a crash between that write and the header switch loses
 * those blocks' old copies in place (the new copies are at the end).
 */
struct vdi_resize_plan {
	struct vdi_header new_h;
	bool relocate;		/* the map moves to the old data area */
	u32 nr_moved;		/* k: front slots the new map needs */
	u32 move_base;		/* old index of the first moved slot's copy */
	u32 moving;		/* min(k, next): slots actually copied */
	bool crash_safe;	/* the old map can name the copies (see above) */
};

int vdi_resize_plan(const struct vdi_image *img, u64 new_size,
		    struct vdi_resize_plan *p);

#endif /* VMM_CORE_VDI_H */
