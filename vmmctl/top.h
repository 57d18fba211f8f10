/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmmctl top: a live view of every VM, one frame per interval: guest and
 * host CPU time of the VM's process (/proc/PID/stat: the module accounts
 * the vCPU threads' time in the guest as guest time, as KVM does), exits
 * per second by reason, disk IOPS, MB/s and latency, memory. A frame is
 * a snapshot; rates come from two frames.
 */
#ifndef VMMCTL_TOP_H
#define VMMCTL_TOP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vmm.h"
#include "diskstat.h"

struct top_vm {
	struct vmm_vm_info info;
	bool have_cpu;			/* /proc/PID/stat was readable */
	uint64_t cpu_ticks;		/* utime + stime, clock ticks */
	uint64_t guest_ticks;		/* guest_time, clock ticks */
	uint64_t total_exits;
	uint64_t exits[VMM_STAT_NR_REASONS];
	struct disk_snap disks;
};

struct top_frame {
	uint64_t t_ns;			/* CLOCK_MONOTONIC */
	uint32_t n;
	struct top_vm *vm;
};

/* A frame of every live VM. 0, or -1 with a message. */
int top_frame_get(int fd, struct top_frame *f);
void top_frame_free(struct top_frame *f);
/* utime+stime and guest_time (fields 14, 15, 43) of a stat line. */
int top_parse_proc_stat(const char *line, uint64_t *cpu, uint64_t *guest);

/* One frame of text (prev NULL: rates as "-"); hz: clock ticks per second. */
void top_print_text(FILE *out, const struct top_frame *cur,
		    const struct top_frame *prev, long hz);
/* One JSON object on one line. */
void top_print_json(FILE *out, const struct top_frame *cur,
		    const struct top_frame *prev, long hz);

int cmd_top(bool json, unsigned int interval_ms, unsigned int iterations);

#endif /* VMMCTL_TOP_H */
