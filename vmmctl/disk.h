/* SPDX-License-Identifier: GPL-2.0 */
/* vmmctl run --iso/--disk/--boot: the PC's disks (disk.c). */
#ifndef VMMCTL_DISK_H
#define VMMCTL_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm.h"
#include "limit.h"

#define DISK_MAX		VMM_DISK_AHCI_PORTS
#define ISO_SECTOR		2048

struct disk_spec {
	const char *path;
	bool readonly;
	bool cdrom;
	bool virtio;		/* if=virtio: a virtio-blk function */
	unsigned int queues;	/* its request queues; 0 = one per vCPU */
	bool modern_only;	/* legacy=off: no legacy I/O BAR */
	int fd;			/* -1 until disk_open */
	uint64_t size;		/* bytes, from the file (a VDI: its disk) */
	bool vdi;		/* a VDI image (by content) */
	struct disk_limit_spec limit;	/* iops=, bps=, burst= */
};

/*
 * "FILE[,readonly][,if=virtio|ahci][,queues=N][,legacy=off][,iops=N][,bps=N][,burst=MS]" from --disk into d: 0, or -1 with a usage error
 * printed.
 */
int disk_parse(const char *arg, struct disk_spec *d);
/*
 * Open and check a disk or ISO before any VM exists: a clear message and
 * -1 for a missing, unreadable, empty or wrong-kind file, a directory, a
 * non-ISO given as --iso, or a file not writable for a writable disk. O_DIRECT where the
 * file system offers it.
 */
int disk_open(struct disk_spec *d);
void disk_close(struct disk_spec *d);
/* Put each disk on its AHCI port or virtio-blk function: 0, or -1 (reported). */
int disk_attach_all(int vm_fd, const struct disk_spec *disks, unsigned int n);
/*
 * SeaBIOS's "bootorder" file for the disks on ports 0..n-1: CD drives
 * first unless boot_disk, one line each. Returns the length written.
 */
size_t disk_bootorder(const struct disk_spec *disks, unsigned int n,
		      bool boot_disk, char *buf, size_t cap);

#endif /* VMMCTL_DISK_H */
