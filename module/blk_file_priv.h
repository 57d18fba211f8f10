/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host-file I/O engine shared by the raw backend (blk_file.c) and the
 * VDI backend (blk_vdi.c): the per-disk state, the per-request context and
 * the helpers both formats issue their host I/O with. Private to these
 * two files.
 */
#ifndef VMM_BLK_FILE_PRIV_H
#define VMM_BLK_FILE_PRIV_H

#include <linux/bvec.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/rcuwait.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/kthread.h>

#include "core/blk.h"

#define BLK_FILE_MAX_INFLIGHT	64
#define BLK_FILE_INLINE_BVECS	8
#define BLK_FILE_INLINE_PIECES	2

struct vmm_blk_io;
struct vmm_blk_vdi;

/* One host I/O of a request that a format split (VDI: one per block run). */
struct vmm_blk_piece {
	struct kiocb iocb;
	struct vmm_blk_io *io;
	u64 len;
};

struct vmm_blk_io {
	struct list_head node;
	struct vmm_blk_file *bf;
	struct blk_req *req;
	struct kiocb iocb;
	struct bio_vec *bv;		/* inline_bv or allocated */
	int nr_bv;
	/* split requests (VDI): pieces in flight + 1 while issuing */
	atomic_t pieces;
	int err;			/* first error of a piece */
	bool fast;			/* counted in vdi->fast */
	struct vmm_blk_piece *pc;	/* inline_pc or allocated */
	struct bio_vec inline_bv[BLK_FILE_INLINE_BVECS];
	struct vmm_blk_piece inline_pc[BLK_FILE_INLINE_PIECES];
};

struct vmm_blk_file {
	struct blk_backend be;
	struct vmm_vm *vm;
	struct file *file;
	bool direct;
	bool is_reg;
	unsigned int dio_align;		/* the device's logical block size */

	/* Raw: submissions come from exit handlers and under device locks. */
	raw_spinlock_t lock;
	struct list_head pending;	/* submitted, not yet issued */
	struct list_head free;
	unsigned int inflight;		/* handed to us, not completed */
	struct rcuwait idle;		/* the closer waits here for inflight 0 */

	struct kthread_worker *kw;	/* the disk's own thread */
	struct kthread_work work;
	const struct cred *cred;
	struct task_struct *owner;	/* its io cgroup, looked up per batch */
	struct mem_cgroup *memcg;

	struct vmm_blk_vdi *vdi;	/* NULL: raw */

	struct vmm_blk_io io[BLK_FILE_MAX_INFLIGHT];
};

/* Engine helpers (blk_file.c). */
u64 vmm_blk_now(void);
void vmm_blk_io_end(struct vmm_blk_io *io, int err);
int vmm_blk_map(struct vmm_blk_io *io, bool to_guest);
/* Run fn(bf, arg) as the VM's creator (creds, memcg, blkcg). */
void vmm_blk_as_owner_begin(struct vmm_blk_file *bf, const struct cred **oc,
			    struct mem_cgroup **om);
void vmm_blk_as_owner_end(const struct cred *oc, struct mem_cgroup *om);
/* Synchronous I/O of a kernel buffer through the page cache: 0 or -errno. */
int vmm_blk_kio(struct vmm_blk_file *bf, bool write, void *buf, size_t len,
		loff_t pos);
/*
 * Synchronous I/O between iter and the file at pos: direct when the file
 * is O_DIRECT and direct_ok, else through the page cache. 0 or -errno
 * (-EIO for a short transfer).
 */
int vmm_blk_iter_sync(struct vmm_blk_file *bf, bool write,
		      struct iov_iter *iter, loff_t pos, bool direct_ok);

/* The VDI format (blk_vdi.c). */
/* 0: not a VDI (serve raw); 1: served as VDI; < 0: a bad VDI image. */
int vmm_blk_vdi_probe(struct vmm_blk_file *bf, bool readonly,
		      const char *name);
void vmm_blk_vdi_issue(struct vmm_blk_file *bf, struct vmm_blk_io *io);
void vmm_blk_vdi_io_end(struct vmm_blk_file *bf, struct vmm_blk_io *io);
void vmm_blk_vdi_free(struct vmm_blk_file *bf);

#endif /* VMM_BLK_FILE_PRIV_H */
