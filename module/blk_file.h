/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A disk backend on a host file (regular file or block device) in the
 * kernel: struct blk_backend (core/blk.h) served with the kernel's own
 * file I/O, asynchronous direct I/O where the file was opened O_DIRECT,
 * buffered I/O otherwise, from a worker that runs with the credentials and
 * cgroups of the VM's creator.
 */
#ifndef VMM_BLK_FILE_H
#define VMM_BLK_FILE_H

#include "core/blk.h"

struct vmm_vm;
struct file;
struct vmm_blk_file;

/*
 * Serve file (a reference is taken) as a disk of block_size sectors: its
 * size rounded down to one. Process context of the VM's creator.
 */
struct vmm_blk_file *vmm_blk_file_open(struct vmm_vm *vm, struct file *file,
				       u32 block_size, bool readonly,
				       const char *name);
struct blk_backend *vmm_blk_file_backend(struct vmm_blk_file *bf);
/* Wait until every request handed to it has completed, then free it. */
void vmm_blk_file_close(struct vmm_blk_file *bf);

#endif /* VMM_BLK_FILE_H */
