// SPDX-License-Identifier: GPL-2.0
/*
 * The host-file disk backend (see blk_file.h): the I/O engine below
 * (submission, worker, kiocb/bvec I/O, completion, the owner's creds and
 * cgroups; its state in blk_file_priv.h) serving a raw image, or a VDI
 * image through blk_vdi.c when the file's content says VDI.
 *
 * submit() runs in a vCPU's exit handler with preemption off and a device
 * lock held, so it only moves the request onto the disk's list and queues
 * the disk's work item on the disk's own worker thread (a kthread in the
 * VM creator's cgroups, so the disk path's CPU time is the VM's). The
 * worker takes the whole list (a doorbell's
 * batch) and, for each request, maps its guest segments to bio_vecs over
 * the guest's pinned pages (no copy) and issues it:
 *   - direct I/O (file opened O_DIRECT): an async kiocb whose completion
 *     (ki_complete, often in interrupt context) completes the request, as
 *     the loop driver's direct I/O path does; the worker moves on at once;
 *   - buffered I/O (tmpfs, filesystems without O_DIRECT, or a request
 *     whose buffers the filesystem refuses to do direct I/O on): a
 *     synchronous read_iter/write_iter in the worker;
 *   - flush: vfs_fsync; discard and write-zeroes: fallocate (punch hole;
 *     zero range where the file system has it).
 * The worker runs as the VM's creator (credentials, io and memory
 * cgroups), so its disk bandwidth and page cache are charged there: the
 * memory cgroup of the attach, the io cgroup the creator is in at each
 * batch (so io.weight/io.max of a group the VM moves to apply).
 *
 * Requests in flight are bounded (BLK_FILE_MAX_INFLIGHT contexts made at
 * open); close waits for all of them, which is what lets VM teardown free
 * guest memory afterwards.
 */
#define pr_fmt(fmt) "vmm: " fmt

#include <linux/blkdev.h>
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/falloc.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/memcontrol.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/wait.h>

#include "vmm.h"
#include "blk_file.h"
#include "blk_file_priv.h"
#include "disk_stats.h"

u64 vmm_blk_now(void)
{
	return vmm_disk_now();
}

static int vmm_blk_file_submit(struct blk_backend *b, struct blk_req *req)
{
	struct vmm_blk_file *bf = b->priv;
	struct vmm_blk_io *io;
	unsigned long flags;

	raw_spin_lock_irqsave(&bf->lock, flags);
	io = list_first_entry_or_null(&bf->free, struct vmm_blk_io, node);
	if (!io) {
		raw_spin_unlock_irqrestore(&bf->lock, flags);
		return -EBUSY;
	}
	list_move_tail(&io->node, &bf->pending);
	io->req = req;
	req->backend_priv = io;
	bf->inflight++;
	raw_spin_unlock_irqrestore(&bf->lock, flags);
	kthread_queue_work(bf->kw, &bf->work);
	return 0;
}

static const struct blk_backend_ops vmm_blk_file_ops = {
	.submit = vmm_blk_file_submit,
};

/* Any context: hand the request back, then recycle its context. */
void vmm_blk_io_end(struct vmm_blk_io *io, int err)
{
	struct vmm_blk_file *bf = io->bf;
	struct blk_req *req = io->req;
	unsigned long flags;

	/* The guest pages the request held (vmm_blk_map). */
	vmm_gpa_bvecs_put(io->bv, io->nr_bv);
	io->nr_bv = 0;
	if (io->bv != io->inline_bv)
		kfree(io->bv);
	io->bv = io->inline_bv;
	if (io->pc != io->inline_pc)
		kfree(io->pc);
	io->pc = io->inline_pc;
	if (io->fast)
		vmm_blk_vdi_io_end(bf, io);
	req->t[BLK_T_DONE] = vmm_blk_now();
	/* The request is the transport's again from here. */
	req->done(req, err);

	raw_spin_lock_irqsave(&bf->lock, flags);
	io->req = NULL;
	list_add(&io->node, &bf->free);
	if (!--bf->inflight)
		rcuwait_wake_up(&bf->idle);
	raw_spin_unlock_irqrestore(&bf->lock, flags);
}

static int vmm_blk_rw_result(const struct blk_req *req, long ret)
{
	if (ret < 0)
		return ret == -ENOSPC ? -ENOSPC : -EIO;
	return (u64)ret == req->len ? 0 : -EIO;
}

static void vmm_blk_aio_complete(struct kiocb *iocb, long ret)
{
	struct vmm_blk_io *io = container_of(iocb, struct vmm_blk_io, iocb);

	if (iocb->ki_flags & IOCB_WRITE && io->bf->is_reg)
		kiocb_end_write(iocb);
	vmm_blk_io_end(io, vmm_blk_rw_result(io->req, ret));
}

/* The request's guest pages as bio_vecs in io->bv: their count, or < 0. */
int vmm_blk_map(struct vmm_blk_io *io, bool to_guest)
{
	struct blk_req *req = io->req;
	unsigned int max = BLK_FILE_INLINE_BVECS;
	int n;

	n = vmm_gpa_bvecs(io->bf->vm, req->segs, req->nr_segs, to_guest,
			  io->inline_bv, max);
	if (n != -E2BIG) {
		io->nr_bv = max_t(int, n, 0);
		return n;
	}
	/* Every segment may start mid-page: one piece more per segment. */
	max = (req->len >> PAGE_SHIFT) + 2 * req->nr_segs;
	io->bv = kmalloc_array(max, sizeof(*io->bv), GFP_KERNEL);
	if (!io->bv) {
		io->bv = io->inline_bv;
		return -ENOMEM;
	}
	n = vmm_gpa_bvecs(io->bf->vm, req->segs, req->nr_segs, to_guest,
			  io->bv, max);
	io->nr_bv = max_t(int, n, 0);
	return n;
}

/* Direct I/O needs sector-aligned offsets, lengths and buffers. */
static bool vmm_blk_aligned(const struct vmm_blk_file *bf,
			    const struct blk_req *req, const struct bio_vec *bv,
			    int n)
{
	unsigned int mask = bf->dio_align - 1;
	int i;

	if ((req->offset | req->len) & mask)
		return false;
	for (i = 0; i < n; i++)
		if ((bv[i].bv_offset | bv[i].bv_len) & mask)
			return false;
	return true;
}

static void vmm_blk_rw(struct vmm_blk_file *bf, struct vmm_blk_io *io)
{
	struct blk_req *req = io->req;
	bool write = req->op == BLK_OP_WRITE;
	struct kiocb *iocb = &io->iocb;
	struct iov_iter iter;
	long ret;
	int n;

	n = vmm_blk_map(io, !write);
	if (n < 0) {
		vmm_blk_io_end(io, -EIO);
		return;
	}
	iov_iter_bvec(&iter, write ? ITER_SOURCE : ITER_DEST, io->bv, n,
		      req->len);
	init_sync_kiocb(iocb, bf->file);
	iocb->ki_pos = req->offset;
	if (write)
		iocb->ki_flags |= IOCB_WRITE;
	req->t[BLK_T_ISSUE] = vmm_blk_now();

	if (bf->direct && vmm_blk_aligned(bf, req, io->bv, n)) {
		iocb->ki_complete = vmm_blk_aio_complete;
		if (write && bf->is_reg)
			kiocb_start_write(iocb);
		ret = write ? call_write_iter(bf->file, iocb, &iter) :
			      call_read_iter(bf->file, iocb, &iter);
		if (ret != -EIOCBQUEUED)
			vmm_blk_aio_complete(iocb, ret);
		return;
	}

	/* Buffered: through the page cache, here and now. */
	iocb->ki_flags &= ~IOCB_DIRECT;
	if (write) {
		file_start_write(bf->file);
		ret = call_write_iter(bf->file, iocb, &iter);
		file_end_write(bf->file);
	} else {
		ret = call_read_iter(bf->file, iocb, &iter);
	}
	vmm_blk_io_end(io, vmm_blk_rw_result(req, ret));
}

static int vmm_blk_fallocate(struct vmm_blk_file *bf, const struct blk_req *req)
{
	int mode = FALLOC_FL_KEEP_SIZE, r;

	if (!req->len)
		return 0;
	if (req->op == BLK_OP_WRITE_ZEROES) {
		r = vfs_fallocate(bf->file, mode | FALLOC_FL_ZERO_RANGE,
				  req->offset, req->len);
		if (r != -EOPNOTSUPP)
			return r ? -EIO : 0;
	}
	/* A punched hole reads as zeros too. */
	r = vfs_fallocate(bf->file, mode | FALLOC_FL_PUNCH_HOLE, req->offset,
			  req->len);
	if (r == -EOPNOTSUPP && req->op == BLK_OP_DISCARD)
		return 0;	/* a discard is a hint */
	return r ? (r == -EOPNOTSUPP ? -EOPNOTSUPP : -EIO) : 0;
}

static void vmm_blk_issue(struct vmm_blk_file *bf, struct vmm_blk_io *io)
{
	struct blk_req *req = io->req;

	if (bf->vdi) {
		vmm_blk_vdi_issue(bf, io);
		return;
	}
	switch (req->op) {
	case BLK_OP_READ:
	case BLK_OP_WRITE:
		vmm_blk_rw(bf, io);
		return;
	case BLK_OP_FLUSH:
		req->t[BLK_T_ISSUE] = vmm_blk_now();
		vmm_blk_io_end(io, vfs_fsync(bf->file, 0) ? -EIO : 0);
		return;
	case BLK_OP_DISCARD:
	case BLK_OP_WRITE_ZEROES:
		req->t[BLK_T_ISSUE] = vmm_blk_now();
		vmm_blk_io_end(io, vmm_blk_fallocate(bf, req));
		return;
	default:
		vmm_blk_io_end(io, -EOPNOTSUPP);
	}
}

static void vmm_blk_work(struct kthread_work *work)
{
	struct vmm_blk_file *bf = container_of(work, struct vmm_blk_file, work);
	struct mem_cgroup *old_memcg;
	const struct cred *old_cred;
	struct vmm_blk_io *io, *tmp;
	LIST_HEAD(batch);

	raw_spin_lock_irq(&bf->lock);
	list_splice_init(&bf->pending, &batch);
	raw_spin_unlock_irq(&bf->lock);
	if (list_empty(&batch))
		return;

	vmm_blk_as_owner_begin(bf, &old_cred, &old_memcg);
	list_for_each_entry_safe(io, tmp, &batch, node) {
		/* The context goes back to the free list when it ends. */
		list_del_init(&io->node);
		vmm_blk_issue(bf, io);
		cond_resched();
	}
	vmm_blk_as_owner_end(old_cred, old_memcg);
}

void vmm_blk_as_owner_begin(struct vmm_blk_file *bf, const struct cred **oc,
			    struct mem_cgroup **om)
{
	struct cgroup_subsys_state *css __maybe_unused;

	*oc = override_creds(bf->cred);
	*om = set_active_memcg(bf->memcg);
	/*
	 * The io cgroup the owner is in now, not at attach: a VM moved to a
	 * cgroup of its own (vmmctl --io-weight, an admin) has its disk I/O
	 * charged there from its next batch. The association holds its own
	 * reference until _end.
	 */
#ifdef CONFIG_BLK_CGROUP
	css = task_get_css(bf->owner, io_cgrp_id);
	kthread_associate_blkcg(css);
	css_put(css);
#endif
}

void vmm_blk_as_owner_end(const struct cred *oc, struct mem_cgroup *om)
{
	kthread_associate_blkcg(NULL);
	set_active_memcg(om);
	revert_creds(oc);
}

int vmm_blk_iter_sync(struct vmm_blk_file *bf, bool write,
		      struct iov_iter *iter, loff_t pos, bool direct_ok)
{
	size_t want = iov_iter_count(iter);
	struct kiocb kiocb;
	ssize_t ret;

	init_sync_kiocb(&kiocb, bf->file);
	kiocb.ki_pos = pos;
	if (!bf->direct || !direct_ok)
		kiocb.ki_flags &= ~IOCB_DIRECT;
	if (write) {
		kiocb.ki_flags |= IOCB_WRITE;
		if (bf->is_reg)
			file_start_write(bf->file);
		ret = call_write_iter(bf->file, &kiocb, iter);
		if (bf->is_reg)
			file_end_write(bf->file);
	} else {
		ret = call_read_iter(bf->file, &kiocb, iter);
	}
	if (ret < 0)
		return ret == -ENOSPC || ret == -EDQUOT ? -ENOSPC : -EIO;
	return (size_t)ret == want ? 0 : -EIO;
}

int vmm_blk_kio(struct vmm_blk_file *bf, bool write, void *buf, size_t len,
		loff_t pos)
{
	struct kvec kv = { .iov_base = buf, .iov_len = len };
	struct iov_iter iter;

	iov_iter_kvec(&iter, write ? ITER_SOURCE : ITER_DEST, &kv, 1, len);
	return vmm_blk_iter_sync(bf, write, &iter, pos, false);
}

static void vmm_blk_file_free(struct vmm_blk_file *bf);

struct vmm_blk_file *vmm_blk_file_open(struct vmm_vm *vm, struct file *file,
				       u32 block_size, bool readonly,
				       const char *name)
{
	struct inode *inode = file->f_mapping->host;
	struct vmm_blk_file *bf;
	unsigned int i;
	u64 size;

	if (S_ISBLK(inode->i_mode))
		size = bdev_nr_bytes(I_BDEV(inode));
	else if (S_ISREG(inode->i_mode))
		size = i_size_read(inode);
	else
		return ERR_PTR(-EINVAL);
	size = round_down(size, block_size);
	if (!size)
		return ERR_PTR(-EINVAL);
	if (!(file->f_mode & FMODE_READ) ||
	    (!readonly && !(file->f_mode & FMODE_WRITE)))
		return ERR_PTR(-EBADF);

	bf = kzalloc(sizeof(*bf), GFP_KERNEL_ACCOUNT);
	if (!bf)
		return ERR_PTR(-ENOMEM);
	bf->kw = kthread_create_worker(0, "vmm-%s", name);
	if (IS_ERR(bf->kw)) {
		long r = PTR_ERR(bf->kw);

		kfree(bf);
		return ERR_PTR(r);
	}
	/*
	 * The worker is one of the VM's threads: in its creator's cgroups
	 * (as vhost's workers are), so the CPU time the disk path costs is
	 * the VM's (cpu.max, cpu.weight), not the host's. It stays there.
	 */
	if (cgroup_attach_task_all(current, bf->kw->task))
		pr_warn_once("disk %s: its worker stays in the root cgroup\n",
			     name);
	bf->vm = vm;
	bf->file = get_file(file);
	bf->is_reg = S_ISREG(inode->i_mode);
	bf->direct = file->f_flags & O_DIRECT;
	if (!bf->is_reg)
		bf->dio_align = bdev_logical_block_size(I_BDEV(inode));
	else if (inode->i_sb->s_bdev)
		bf->dio_align = bdev_logical_block_size(inode->i_sb->s_bdev);
	else
		bf->dio_align = 512;
	raw_spin_lock_init(&bf->lock);
	INIT_LIST_HEAD(&bf->pending);
	INIT_LIST_HEAD(&bf->free);
	rcuwait_init(&bf->idle);
	kthread_init_work(&bf->work, vmm_blk_work);
	for (i = 0; i < BLK_FILE_MAX_INFLIGHT; i++) {
		bf->io[i].bf = bf;
		bf->io[i].bv = bf->io[i].inline_bv;
		bf->io[i].pc = bf->io[i].inline_pc;
		list_add_tail(&bf->io[i].node, &bf->free);
	}
	bf->cred = get_current_cred();
	bf->owner = get_task_struct(current->group_leader);
	bf->memcg = get_mem_cgroup_from_mm(current->mm);

	bf->be.ops = &vmm_blk_file_ops;
	bf->be.size = size;
	bf->be.block_size = block_size;
	bf->be.readonly = readonly;
	bf->be.can_discard = !readonly && file->f_op->fallocate;
	bf->be.max_inflight = BLK_FILE_MAX_INFLIGHT;
	bf->be.priv = bf;

	/* By content: a VDI image has its signature at 0x40. */
	if (bf->is_reg && block_size == 512) {
		int r = vmm_blk_vdi_probe(bf, readonly, name);

		if (r < 0) {
			vmm_blk_file_free(bf);
			return ERR_PTR(r);
		}
	}
	atomic_long_add(sizeof(*bf), &vm->overhead);
	return bf;
}

struct blk_backend *vmm_blk_file_backend(struct vmm_blk_file *bf)
{
	return &bf->be;
}

/*
 * Read under the lock: the last completion drops inflight and wakes us
 * inside it, so once we see 0 here no completion touches bf any more.
 */
static bool vmm_blk_file_idle(struct vmm_blk_file *bf)
{
	bool idle;

	raw_spin_lock_irq(&bf->lock);
	idle = !bf->inflight;
	raw_spin_unlock_irq(&bf->lock);
	return idle;
}

static void vmm_blk_file_free(struct vmm_blk_file *bf)
{
	kthread_destroy_worker(bf->kw);
	vmm_blk_vdi_free(bf);
	mem_cgroup_put(bf->memcg);
	put_task_struct(bf->owner);
	put_cred(bf->cred);
	fput(bf->file);
	kfree(bf);
}

void vmm_blk_file_close(struct vmm_blk_file *bf)
{
	if (!bf)
		return;
	/* Requests may still be queued or with the file system. */
	rcuwait_wait_event(&bf->idle, vmm_blk_file_idle(bf),
			   TASK_UNINTERRUPTIBLE);
	atomic_long_sub(sizeof(*bf), &bf->vm->overhead);
	vmm_blk_file_free(bf);
}
