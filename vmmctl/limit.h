/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Disk I/O limits (limit.c): the "iops=N,bps=N,burst=MS" syntax shared by
 * run --disk and vmmctl limit, and the limit command.
 */
#ifndef VMMCTL_LIMIT_H
#define VMMCTL_LIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm.h"

/* Most milliseconds of a limit a bucket may hold. */
#define LIMIT_BURST_MS_MAX	60000

struct disk_limit_spec {
	bool set;		/* some option was given */
	uint64_t iops, bps;	/* 0: unlimited */
	uint64_t burst_ms;	/* 0: the kernel's default (100 ms) */
};

/*
 * One option "iops=N", "bps=N[K|M|G]" or "burst=MS" (len bytes at opt)
 * into l: 1 if it was one, 0 if it is not a limit option, -1 for a bad
 * value (usage error printed, naming what).
 */
int limit_option(const char *what, const char *opt, size_t len,
		 struct disk_limit_spec *l);
/* The ioctl argument for disk index disk of VM vm_id (0: the VM fd's). */
void limit_to_uapi(const struct disk_limit_spec *l, uint32_t vm_id,
		   uint32_t disk, struct vmm_disk_limit *a);
/* vmmctl limit VMID [--disk N SPEC]: see its usage text. */
extern const char usage_limit[];
int limit_main(int argc, char **argv);

#endif /* VMMCTL_LIMIT_H */
