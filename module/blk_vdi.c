// SPDX-License-Identifier: GPL-2.0
/*
 * The VDI disk backend: a VirtualBox VDI image on a host file, served by
 * the host-file I/O engine of blk_file.c (same worker, same kiocb/bvec
 * machinery, same credentials and cgroups). The format itself (header,
 * map, allocation and discard plans) is the portable core's (core/vdi.h);
 * this file only runs its plans with kernel file I/O.
 *
 * Fast path (the disk's worker, as for a raw image): a READ, or a WRITE
 * whose blocks all have a slot, is split at block boundaries by
 * vdi_lookup (an array index), physically contiguous blocks are merged,
 * and each piece is issued at its file offset as its own kiocb (async
 * direct I/O where the file is O_DIRECT, else buffered); the request
 * completes when its last piece does. Free and zero blocks read as zeros
 * by zeroing the guest's pages: no host I/O. So an allocated block costs
 * what a raw image costs, plus one lookup.
 *
 * Slow path (a second, ordered worker per disk): writes that touch a
 * block without a slot, every DISCARD and WRITE_ZEROES, and whatever
 * arrives while a discard waits or runs. Requests there run one at a
 * time, synchronously, so allocations and map changes are serialised
 * without a lock held across I/O:
 *   - allocation (vdi_alloc_reserve's plan): the slot is prepared at the
 *     end of the file (fallocate, or zeros written), the guest's bytes
 *     written into it, the header's allocated count written, fdatasync,
 *     then the map entry written, fdatasync; then the map in memory
 *     points at it. A map entry never names data that is not durable and
 *     the count is never behind the map. A crash between the two syncs
 *     leaves the count one ahead (qemu-img check calls that corruption):
 *     the next read-write open puts the count right (vdi_repair). An
 *     error (ENOSPC, EIO) aborts the plan: the request fails, the image
 *     stays valid (at worst a leak), and the slot is reused by the next
 *     allocation.
 *   - a block the fast path finds without a slot is marked "allocating"
 *     (a bit per block) when its first writer goes to the slow path; a
 *     second writer of the same block sees the mark and queues behind it,
 *     and finds the slot there: one allocation per block.
 *   - discard of a whole allocated block runs the core's discard plan
 *     (the last slot moves into the hole, the header count drops, the
 *     file is truncated), once every fast-path request in flight has
 *     completed (new ones are diverted to the slow path meanwhile); a
 *     partial block is punched (it reads as zeros, its slot stays).
 * FLUSH is fsync of the file: the data and every map entry written by an
 * allocation that completed before it.
 */
#define pr_fmt(fmt) "vmm: " fmt

#include <linux/bitmap.h>
#include <linux/falloc.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <asm/unaligned.h>

#include "vmm.h"
#include "blk_file_priv.h"
#include "core/vdi.h"

/* Largest map we load: 64 MiB (16M blocks, 16 TiB with 1 MiB blocks). */
#define VDI_MAX_MAP_BYTES	(64u << 20)
#define VDI_COPY_CHUNK		(64u << 10)

struct vmm_blk_vdi {
	struct vdi_image img;
	u32 *map;
	u32 *rev;
	unsigned long *allocating;	/* per block: its allocation is queued */
	u8 *copybuf;			/* VDI_COPY_CHUNK bytes for moves */
	bool dio_ok;		/* slot data offsets aligned for direct I/O */
	bool writable;
	size_t mem;

	spinlock_t lock;	/* map updates, allocating, slow, quiesce */
	struct list_head slow;
	unsigned int quiesce;	/* discards queued or running */
	atomic_t fast;		/* fast-path requests in flight */
	wait_queue_head_t fast_wq;

	struct workqueue_struct *wq;
	struct work_struct work;
};

static int vdi_errno(long r)
{
	return r == -ENOSPC || r == -EDQUOT ? -ENOSPC : -EIO;
}

static int vdi_put_u32(struct vmm_blk_file *bf, u64 off, u32 v)
{
	__le32 le = cpu_to_le32(v);

	return vmm_blk_kio(bf, true, &le, sizeof(le), off);
}

static int vdi_sync(struct vmm_blk_file *bf)
{
	return vfs_fsync(bf->file, 1) ? -EIO : 0;
}

/* Write zeros over [pos, pos + len) with plain writes of the zero page. */
static int vdi_write_zeros(struct vmm_blk_file *bf, u64 pos, u64 len)
{
	struct bio_vec bv[16];
	struct iov_iter iter;
	int i, r;

	while (len) {
		u64 n = 0;

		for (i = 0; i < ARRAY_SIZE(bv) && n < len; i++) {
			u32 l = min_t(u64, PAGE_SIZE, len - n);

			bv[i].bv_page = ZERO_PAGE(0);
			bv[i].bv_len = l;
			bv[i].bv_offset = 0;
			n += l;
		}
		iov_iter_bvec(&iter, ITER_SOURCE, bv, i, n);
		r = vmm_blk_iter_sync(bf, true, &iter, pos, false);
		if (r)
			return r;
		pos += n;
		len -= n;
	}
	return 0;
}

/* [pos, pos + len) reads as zeros afterwards; the file size stays. */
static int vdi_zero(struct vmm_blk_file *bf, u64 pos, u64 len)
{
	int r;

	r = vfs_fallocate(bf->file, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
			  pos, len);
	if (r == -EOPNOTSUPP)
		r = vfs_fallocate(bf->file,
				  FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				  pos, len);
	if (r == -EOPNOTSUPP)
		return vdi_write_zeros(bf, pos, len);
	return r ? vdi_errno(r) : 0;
}

/* The file covers [pos, pos + len); new bytes read as zeros. */
static int vdi_extend(struct vmm_blk_file *bf, u64 pos, u64 len)
{
	u64 size = i_size_read(file_inode(bf->file));
	int r;

	if (pos + len <= size)
		return 0;
	if (pos < size) {
		len -= size - pos;
		pos = size;
	}
	/* Reserve the space now: a full host disk fails here, cleanly. */
	r = vfs_fallocate(bf->file, 0, pos, len);
	if (r == -EOPNOTSUPP)
		return vdi_write_zeros(bf, pos, len);
	return r ? vdi_errno(r) : 0;
}

static void vdi_clear_allocating(struct vmm_blk_vdi *v, u32 vblock)
{
	clear_bit(vblock, v->allocating);
}

/*
 * Slow path: allocate vblock's slot and write the guest's n bytes (iter)
 * at disk offset off into it, in the core's crash-safe order (vdi.h).
 */
static int vdi_alloc_write(struct vmm_blk_file *bf, u64 off,
			   struct iov_iter *iter, bool direct_ok)
{
	struct vmm_blk_vdi *v = bf->vdi;
	struct vdi_image *img = &v->img;
	u32 vblock = off >> img->shift;
	u64 in_block = off & (img->h.block_size - 1);
	struct vdi_alloc_plan p;
	int r;

	r = vdi_alloc_reserve(img, vblock, &p);
	if (r) {
		spin_lock(&v->lock);
		vdi_clear_allocating(v, vblock);
		spin_unlock(&v->lock);
		return r == VDI_E_FULL ? -ENOSPC : -EIO;
	}
	r = 0;
	if (p.must_zero)
		r = vdi_zero(bf, p.slot_off, p.slot_len);
	if (!r)
		r = vdi_extend(bf, p.slot_off, p.slot_len);
	if (!r)
		r = vmm_blk_iter_sync(bf, true, iter, p.data_off + in_block,
				      direct_ok);
	if (!r && p.header_dirty)
		r = vdi_put_u32(bf, p.count_off, p.new_allocated);
	if (!r)
		r = vdi_sync(bf);
	if (!r)
		r = vdi_put_u32(bf, p.map_off, p.phys);
	/*
	 * The map entry durable now too, not at the guest's next FLUSH: a
	 * crash leaves the count ahead of the map (the repair on open's
	 * case) only between these two syncs.
	 */
	if (!r)
		r = vdi_sync(bf);

	spin_lock(&v->lock);
	if (r)
		vdi_alloc_abort(img, &p);
	else
		vdi_alloc_commit(img, &p);
	vdi_clear_allocating(v, vblock);
	spin_unlock(&v->lock);
	return r;
}

static bool vdi_aligned(const struct vmm_blk_file *bf, const struct blk_req *req,
			const struct bio_vec *bv, int n)
{
	unsigned int mask = bf->dio_align - 1;
	int i;

	if (!bf->direct || !bf->vdi->dio_ok || ((req->offset | req->len) & mask))
		return false;
	for (i = 0; i < n; i++)
		if ((bv[i].bv_offset | bv[i].bv_len) & mask)
			return false;
	return true;
}

static void vdi_piece_done(struct kiocb *iocb, long ret)
{
	struct vmm_blk_piece *pc = container_of(iocb, struct vmm_blk_piece, iocb);
	struct vmm_blk_io *io = pc->io;

	if (iocb->ki_flags & IOCB_WRITE)
		kiocb_end_write(iocb);
	if (ret < 0 || (u64)ret != pc->len)
		cmpxchg(&io->err, 0, ret < 0 ? vdi_errno(ret) : -EIO);
	if (atomic_dec_and_test(&io->pieces))
		vmm_blk_io_end(io, READ_ONCE(io->err));
}

static void vdi_set_err(struct vmm_blk_io *io, int r)
{
	if (r)
		cmpxchg(&io->err, 0, r);
}

/*
 * READ or WRITE, split at block boundaries. async: the fast path (every
 * block of a WRITE has a slot; pieces go out as async kiocbs where the
 * file and request allow direct I/O). !async: the slow path, synchronous,
 * allocating the blocks a WRITE finds without a slot.
 */
static void vdi_rw(struct vmm_blk_file *bf, struct vmm_blk_io *io, bool async)
{
	struct vmm_blk_vdi *v = bf->vdi;
	struct vdi_image *img = &v->img;
	struct blk_req *req = io->req;
	bool write = req->op == BLK_OP_WRITE, direct;
	u64 off = req->offset, left = req->len;
	struct iov_iter iter;
	unsigned int nr_pc, npc = 0;
	int n;

	atomic_set(&io->pieces, 1);
	io->err = 0;
	n = vmm_blk_map(io, !write);
	if (n < 0) {
		io->err = -EIO;
		goto out;
	}
	direct = vdi_aligned(bf, req, io->bv, n);
	async &= direct;
	nr_pc = ((off + left - 1) >> img->shift) - (off >> img->shift) + 1;
	if (async && nr_pc > BLK_FILE_INLINE_PIECES) {
		io->pc = kmalloc_array(nr_pc, sizeof(*io->pc), GFP_NOIO);
		if (!io->pc) {
			io->pc = io->inline_pc;
			async = false;
		}
	}
	iov_iter_bvec(&iter, write ? ITER_SOURCE : ITER_DEST, io->bv, n,
		      req->len);
	req->t[BLK_T_ISSUE] = vmm_blk_now();

	while (left && !READ_ONCE(io->err)) {
		struct iov_iter sub;
		u64 phys = 0, phys2 = 0, len;
		u32 inb, inb2;
		int k = vdi_lookup(img, off, &phys, &inb);

		if (k < 0) {
			io->err = -EIO;
			break;
		}
		len = min_t(u64, inb, left);
		if (k != VDI_LK_DATA) {
			if (!write) {
				if (iov_iter_zero(len, &iter) != len)
					io->err = -EIO;
			} else {
				sub = iter;
				iov_iter_truncate(&sub, len);
				iov_iter_advance(&iter, len);
				vdi_set_err(io, vdi_alloc_write(bf, off, &sub,
								direct));
			}
			off += len;
			left -= len;
			continue;
		}
		/* Merge the blocks that follow in the file. */
		while (len < left &&
		       vdi_lookup(img, off + len, &phys2, &inb2) == VDI_LK_DATA &&
		       phys2 == phys + len)
			len += min_t(u64, inb2, left - len);

		sub = iter;
		iov_iter_truncate(&sub, len);
		iov_iter_advance(&iter, len);
		if (async) {
			struct vmm_blk_piece *pc = &io->pc[npc++];
			long ret;

			pc->io = io;
			pc->len = len;
			init_sync_kiocb(&pc->iocb, bf->file);
			pc->iocb.ki_pos = phys;
			pc->iocb.ki_complete = vdi_piece_done;
			atomic_inc(&io->pieces);
			if (write) {
				pc->iocb.ki_flags |= IOCB_WRITE;
				kiocb_start_write(&pc->iocb);
				ret = call_write_iter(bf->file, &pc->iocb, &sub);
			} else {
				ret = call_read_iter(bf->file, &pc->iocb, &sub);
			}
			if (ret != -EIOCBQUEUED)
				vdi_piece_done(&pc->iocb, ret);
		} else {
			vdi_set_err(io, vmm_blk_iter_sync(bf, write, &sub, phys,
							  direct));
		}
		off += len;
		left -= len;
	}
out:
	if (atomic_dec_and_test(&io->pieces))
		vmm_blk_io_end(io, READ_ONCE(io->err));
}

/* Discard vblock's slot by the core's plan (vdi.h, vdi_discard_plan). */
static int vdi_discard_block(struct vmm_blk_file *bf, u32 vblock)
{
	struct vmm_blk_vdi *v = bf->vdi;
	struct vdi_image *img = &v->img;
	struct vdi_discard_plan p;
	u64 done;
	int r;

	if (vdi_discard_plan(img, vblock, &p))
		return -EIO;
	r = vdi_put_u32(bf, p.map_off_vblock, VDI_MAP_ZERO);
	if (!r)
		r = vdi_sync(bf);
	if (r)
		return r;
	spin_lock(&v->lock);
	vdi_discard_unmap(img, &p);
	spin_unlock(&v->lock);
	if (p.move) {
		for (done = 0; !r && done < p.slot_len; done += VDI_COPY_CHUNK) {
			u32 n = min_t(u64, VDI_COPY_CHUNK, p.slot_len - done);

			r = vmm_blk_kio(bf, false, v->copybuf, n, p.src_off + done);
			if (!r)
				r = vmm_blk_kio(bf, true, v->copybuf, n,
						p.dst_off + done);
		}
		if (!r)
			r = vdi_sync(bf);
		if (!r)
			r = vdi_put_u32(bf, p.map_off_last, p.hole);
		if (!r)
			r = vdi_sync(bf);
		if (r)
			return r;
		spin_lock(&v->lock);
		vdi_discard_moved(img, &p);
		spin_unlock(&v->lock);
	}
	r = vdi_put_u32(bf, p.count_off, p.new_allocated);
	if (!r)
		r = vdi_sync(bf);
	if (r)
		return r;
	spin_lock(&v->lock);
	vdi_discard_done(img, &p);
	spin_unlock(&v->lock);
	/* Give the space back; a tail left behind is a leak, not an error. */
	if (vfs_truncate(&bf->file->f_path, p.new_file_size)) {
		u64 size = i_size_read(file_inode(bf->file));

		if (size > p.new_file_size)
			vfs_fallocate(bf->file, FALLOC_FL_PUNCH_HOLE |
				      FALLOC_FL_KEEP_SIZE, p.new_file_size,
				      size - p.new_file_size);
	}
	return 0;
}

/*
 * DISCARD and WRITE_ZEROES (slow path, nothing in flight on the fast
 * path): whole allocated blocks lose their slot (they read as zeros),
 * parts of allocated blocks are zeroed in place; blocks without a slot
 * read as zeros already.
 */
static int vdi_discard(struct vmm_blk_file *bf, const struct blk_req *req)
{
	struct vdi_image *img = &bf->vdi->img;
	u64 off = req->offset, end = req->offset + req->len;
	int r = 0;

	while (!r && off < end) {
		u32 vblock = off >> img->shift;
		u64 bstart = (u64)vblock << img->shift;
		u64 bend = min_t(u64, bstart + img->h.block_size,
				 img->h.disk_size);
		u64 n = min(end, bend) - off;
		u32 e = img->map[vblock];

		if (vdi_map_allocated(e)) {
			if (off == bstart && n == bend - bstart)
				r = vdi_discard_block(bf, vblock);
			else
				r = vdi_zero(bf, vdi_slot_offset(&img->h, e) +
					     img->h.block_extra + off - bstart,
					     n);
		}
		off += n;
		cond_resched();
	}
	return r;
}

static void vdi_slow_one(struct vmm_blk_file *bf, struct vmm_blk_io *io)
{
	struct vmm_blk_vdi *v = bf->vdi;
	struct blk_req *req = io->req;
	int r;

	switch (req->op) {
	case BLK_OP_READ:
	case BLK_OP_WRITE:
		vdi_rw(bf, io, false);
		return;
	case BLK_OP_DISCARD:
	case BLK_OP_WRITE_ZEROES:
		/* The map may change under the fast path's lookups: drain it. */
		wait_event(v->fast_wq, !atomic_read(&v->fast));
		req->t[BLK_T_ISSUE] = vmm_blk_now();
		r = vdi_discard(bf, req);
		spin_lock(&v->lock);
		v->quiesce--;
		spin_unlock(&v->lock);
		vmm_blk_io_end(io, r);
		return;
	default:
		vmm_blk_io_end(io, -EOPNOTSUPP);
	}
}

static void vdi_slow_work(struct work_struct *work)
{
	struct vmm_blk_vdi *v = container_of(work, struct vmm_blk_vdi, work);
	struct vmm_blk_file *bf = NULL;
	struct mem_cgroup *old_memcg;
	const struct cred *old_cred;
	struct vmm_blk_io *io;

	for (;;) {
		spin_lock(&v->lock);
		io = list_first_entry_or_null(&v->slow, struct vmm_blk_io, node);
		if (io)
			list_del_init(&io->node);
		spin_unlock(&v->lock);
		if (!io)
			break;
		if (!bf) {
			bf = io->bf;
			vmm_blk_as_owner_begin(bf, &old_cred, &old_memcg);
		}
		vdi_slow_one(bf, io);
		cond_resched();
	}
	if (bf)
		vmm_blk_as_owner_end(old_cred, old_memcg);
}

/* Fast-path request done (any context). */
void vmm_blk_vdi_io_end(struct vmm_blk_file *bf, struct vmm_blk_io *io)
{
	struct vmm_blk_vdi *v = bf->vdi;

	io->fast = false;
	if (atomic_dec_and_test(&v->fast))
		wake_up_all(&v->fast_wq);
}

/* The disk's worker: the fast path, or hand the request to the slow one. */
void vmm_blk_vdi_issue(struct vmm_blk_file *bf, struct vmm_blk_io *io)
{
	struct vmm_blk_vdi *v = bf->vdi;
	struct vdi_image *img = &v->img;
	struct blk_req *req = io->req;
	bool slow = false;
	u32 b, first, last;

	switch (req->op) {
	case BLK_OP_FLUSH:
		req->t[BLK_T_ISSUE] = vmm_blk_now();
		vmm_blk_io_end(io, vfs_fsync(bf->file, 0) ? -EIO : 0);
		return;
	case BLK_OP_DISCARD:
	case BLK_OP_WRITE_ZEROES:
		if (!req->len) {
			vmm_blk_io_end(io, 0);
			return;
		}
		spin_lock(&v->lock);
		v->quiesce++;
		list_add_tail(&io->node, &v->slow);
		spin_unlock(&v->lock);
		queue_work(v->wq, &v->work);
		return;
	case BLK_OP_READ:
	case BLK_OP_WRITE:
		break;
	default:
		vmm_blk_io_end(io, -EOPNOTSUPP);
		return;
	}

	first = req->offset >> img->shift;
	last = (req->offset + req->len - 1) >> img->shift;
	spin_lock(&v->lock);
	if (v->quiesce) {
		slow = true;
	} else if (req->op == BLK_OP_WRITE) {
		for (b = first; b <= last; b++) {
			if (test_bit(b, v->allocating)) {
				slow = true;
			} else if (!vdi_map_allocated(img->map[b])) {
				set_bit(b, v->allocating);
				slow = true;
			}
		}
	}
	if (slow) {
		list_add_tail(&io->node, &v->slow);
	} else {
		io->fast = true;
		atomic_inc(&v->fast);
	}
	spin_unlock(&v->lock);
	if (slow)
		queue_work(v->wq, &v->work);
	else
		vdi_rw(bf, io, true);
}

/*
 * A read-write open puts right what a crash in the middle of an
 * allocation left (core/vdi.h, vdi_repair_plan): the count first, synced,
 * then the file trimmed (a trim that fails leaves a tail, a leak only).
 */
static int vdi_repair(struct vmm_blk_file *bf, struct vdi_map_info *info,
		      const char *name)
{
	struct vmm_blk_vdi *v = bf->vdi;
	struct vdi_repair_plan p;
	u64 size;
	int r;

	if (!vdi_repair_plan(&v->img, info, &p))
		return 0;
	r = vdi_put_u32(bf, vdi_allocated_offset(&v->img.h), p.count);
	if (!r)
		r = vdi_sync(bf);
	if (r) {
		pr_warn("disk %s: VDI image %pD: cannot repair its allocated count (%d)\n",
			name, bf->file, r);
		return r;
	}
	vdi_repair_done(&v->img, &p);
	info->leaked_slots = 0;
	size = i_size_read(file_inode(bf->file));
	if (size > p.file_size && vfs_truncate(&bf->file->f_path, p.file_size))
		/*
		 * The tail stays (a leak, reported), and the image knows the
		 * file that long: a slot reused there is zeroed first.
		 */
		v->img.file_size = size;
	else
		info->leaked_tail = 0;
	pr_info("disk %s: VDI image %pD: repaired after a crash: the header counted %u blocks, the map uses %u\n",
		name, bf->file, p.old_count, p.count);
	return 0;
}

static int vdi_refuse(struct vmm_blk_file *bf, int err)
{
	pr_warn("disk %pD: bad VDI image: %s\n", bf->file, vdi_strerror(err));
	return -EINVAL;
}

int vmm_blk_vdi_probe(struct vmm_blk_file *bf, bool readonly, const char *name)
{
	u64 size = i_size_read(file_inode(bf->file)), mapb;
	struct vmm_blk_vdi *v;
	struct vdi_map_info info;
	struct vdi_header h;
	u8 *buf, *scratch;
	u32 len = min_t(u64, size, VDI_HEADER_BUF);
	int r;

	if (len < 0x44)
		return 0;
	buf = kzalloc(VDI_HEADER_BUF, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	r = vmm_blk_kio(bf, false, buf, len, 0);
	if (r || get_unaligned_le32(buf + 0x40) != VDI_SIGNATURE) {
		kfree(buf);
		return r;
	}
	r = vdi_header_parse(buf, len, &h);
	kfree(buf);
	if (r)
		return vdi_refuse(bf, r);
	mapb = vdi_map_bytes(&h);
	if (h.off_blocks + mapb > size)
		return vdi_refuse(bf, VDI_E_FILE_SHORT);
	if (mapb > VDI_MAX_MAP_BYTES) {
		pr_warn("disk %pD: VDI map of %u blocks is too large\n",
			bf->file, h.blocks);
		return -EFBIG;
	}

	v = kzalloc(sizeof(*v), GFP_KERNEL_ACCOUNT);
	if (!v)
		return -ENOMEM;
	bf->vdi = v;		/* vmm_blk_vdi_free() undoes what follows */
	v->mem = sizeof(*v) + 2 * mapb + BITS_TO_LONGS(h.blocks) *
		 sizeof(long) + VDI_COPY_CHUNK;
	v->map = kvmalloc(mapb, GFP_KERNEL_ACCOUNT);
	v->rev = kvmalloc(mapb, GFP_KERNEL_ACCOUNT);
	v->allocating = kvcalloc(BITS_TO_LONGS(h.blocks), sizeof(long),
				 GFP_KERNEL_ACCOUNT);
	v->copybuf = kvmalloc(VDI_COPY_CHUNK, GFP_KERNEL_ACCOUNT);
	scratch = kvzalloc(vdi_bitmap_bytes(&h), GFP_KERNEL);
	if (!v->map || !v->rev || !v->allocating || !v->copybuf || !scratch) {
		kvfree(scratch);
		return -ENOMEM;
	}
	r = vmm_blk_kio(bf, false, v->map, mapb, h.off_blocks);
	if (r) {
		kvfree(scratch);
		return r;
	}
	vdi_map_swab(v->map, h.blocks);
	r = vdi_map_check(&h, v->map, size, scratch, &info);
	kvfree(scratch);
	if (r)
		return vdi_refuse(bf, r);
	vdi_image_init(&v->img, &h, v->map, v->rev, &info);
	bf->be.size = round_down(h.disk_size, bf->be.block_size);
	if (!bf->be.size)
		return vdi_refuse(bf, VDI_E_DISK_SIZE);
	if (!readonly) {
		r = vdi_repair(bf, &info, name);
		if (r)
			return r;
	}

	spin_lock_init(&v->lock);
	INIT_LIST_HEAD(&v->slow);
	init_waitqueue_head(&v->fast_wq);
	INIT_WORK(&v->work, vdi_slow_work);
	v->wq = alloc_ordered_workqueue("vmm-%s-vdi", WQ_MEM_RECLAIM, name);
	if (!v->wq)
		return -ENOMEM;
	v->writable = !readonly;
	v->dio_ok = !((h.off_data + h.block_extra) & (bf->dio_align - 1)) &&
		    !(v->img.slot & (bf->dio_align - 1)) &&
		    h.block_size >= bf->dio_align;

	/* Discard frees whole blocks by the format itself. */
	bf->be.can_discard = !readonly;
	atomic_long_add(v->mem, &bf->vm->overhead);
	pr_info("disk %s: VDI image %pD: %llu bytes, %u KiB blocks, %u of %u allocated%s%s\n",
		name, bf->file, h.disk_size, h.block_size >> 10,
		info.referenced, h.blocks, v->dio_ok && bf->direct ?
		", direct I/O" : "", readonly ? ", read-only" : "");
	if (info.leaked_slots || info.holes || info.leaked_tail)
		pr_info("disk %s: VDI image has leaked space (vmmctl vdi compact reclaims it)\n",
			name);
	return 1;
}

void vmm_blk_vdi_free(struct vmm_blk_file *bf)
{
	struct vmm_blk_vdi *v = bf->vdi;

	if (!v)
		return;
	if (v->wq) {
		destroy_workqueue(v->wq);
		atomic_long_sub(v->mem, &bf->vm->overhead);
		/* The last map entries written become durable. */
		if (v->writable)
			vfs_fsync(bf->file, 0);
	}
	kvfree(v->map);
	kvfree(v->rev);
	kvfree(v->allocating);
	kvfree(v->copybuf);
	kfree(v);
	bf->vdi = NULL;
}
