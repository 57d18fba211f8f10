/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmmctl's view of disk statistics (VMM_GET_DISK_STATS_ALL): fetching,
 * differences between two snapshots, percentiles from the log2
 * histograms, and the disk table as text or JSON. The formatting needs
 * no device, so test_diskstat.c checks it directly.
 */
#ifndef VMMCTL_DISKSTAT_H
#define VMMCTL_DISKSTAT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vmm.h"

struct disk_snap {
	uint64_t now_ns;		/* the module's clock at the snapshot */
	uint32_t n;
	struct vmm_disk_stat *d;	/* malloc'ed, n entries */
};

/* vm_id's disks (0: the module-wide sum). 0, or -1 with a message. */
int disk_snap_get(int fd, uint32_t vm_id, struct disk_snap *s);
/* The same without a message (a VM that may be gone). */
int disk_snap_get_quiet(int fd, uint32_t vm_id, struct disk_snap *s);
void disk_snap_free(struct disk_snap *s);

/* The same disk (vm, type, port) in prev, or NULL. */
const struct vmm_disk_stat *disk_find(const struct disk_snap *prev,
				      const struct vmm_disk_stat *d);
/* out = cur - prev (prev NULL: out = cur); counters, stages, histograms. */
void disk_delta(struct vmm_disk_stat *out, const struct vmm_disk_stat *cur,
		const struct vmm_disk_stat *prev);

const char *disk_op_name(unsigned int op);
const char *disk_stage_name(unsigned int stage);
/* "d0", "c1", "v2", "all" into buf. */
const char *disk_name(const struct vmm_disk_stat *d, char *buf, size_t len);
const char *disk_type_name(uint32_t type);

/*
 * The pct-th percentile (0..100) of a stage in ns, from its histogram:
 * the upper edge of the bucket it falls in, at most the stage's max.
 * 0 when the stage is empty.
 */
uint64_t disk_lat_pct(const struct vmm_disk_lat *l, unsigned int pct);
/* Requests of every operation; bytes of every operation. */
uint64_t disk_requests(const struct vmm_disk_stat *d);
uint64_t disk_bytes(const struct vmm_disk_stat *d);
/* All operations' stage merged (for a one-line view). */
void disk_stage_all(const struct vmm_disk_stat *d, unsigned int stage,
		    struct vmm_disk_lat *out);

/*
 * The disk table: one row per disk and operation that saw requests:
 * requests, errors, IOPS and MB/s, then per stage the average and the
 * p99 of the total in us. d: n disks, differences over secs (secs > 0),
 * or cumulative (secs 0): rates then since each disk's since_ns up to
 * now_ns, "-" where that is unknown.
 */
void disk_table_text(FILE *out, const struct vmm_disk_stat *d, uint32_t n,
		     double secs, uint64_t now_ns);
/* The same as a JSON array of disk objects (unknown rates null). */
void disk_table_json(FILE *out, const struct vmm_disk_stat *d, uint32_t n,
		     double secs, uint64_t now_ns);

#endif /* VMMCTL_DISKSTAT_H */
