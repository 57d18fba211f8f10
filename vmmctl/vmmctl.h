/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmmctl: shared declarations of the command implementations.
 */
#ifndef VMMCTL_H
#define VMMCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vmm.h"
#include "disk.h"
#include "cgroup.h"

#define VMMCTL_VERSION		"0.1"

/* Exit statuses (documented in the usage text). */
#define EXIT_HOST_ERROR		1
#define EXIT_USAGE		2
#define EXIT_TRIPLE_FAULT	70
#define EXIT_SIGNAL_BASE	128

/* Default device node; the VMM_DEV environment variable overrides it. */
#define VMM_DEV_DEFAULT		"/dev/vmm"

/* Provided by module/core/stats.c. */
const char *vmm_stat_reason_name(unsigned int reason);

void __attribute__((format(printf, 1, 2))) err_msg(const char *fmt, ...);
void __attribute__((format(printf, 1, 2))) usage_error(const char *fmt, ...);

/* Open the device (with a helpful message) and check the API version. */
int vmm_open_dev(void);

struct run_opts {
	const char *image;	/* flat image mode; NULL: a PC */
	const char *bios;	/* PC: firmware image */
	const char *kernel;	/* PC: boot Linux directly */
	const char *initrd;
	const char *append;
	bool bios_log;		/* PC: show the firmware's debug port */
	bool no_reboot;		/* PC: a guest reset ends vmmctl */
	uint64_t load;
	uint64_t entry;
	uint64_t mem;
	unsigned int cpus;	/* PC: vCPUs, 1..VMM_MAX_VCPUS */
	/* PC: disks on AHCI ports 0..n_disks-1 (an --iso first), opened */
	struct disk_spec disks[DISK_MAX];
	unsigned int n_disks;
	bool boot_disk;		/* --boot disk: disks before CDs */
	bool stat;
	bool verbose;
	bool balloon;		/* PC: a virtio-balloon device (--balloon) */
	bool balloon_report;	/* ... with free page reporting */
	struct cg_opts cg;	/* --cpu-cap, --cpu-weight, --io-weight, --mem-limit */
};

int cmd_run(const struct run_opts *o);
/*
 * Hold SIGINT, SIGTERM, SIGHUP and SIGQUIT back (true) until cmd_run() has
 * its handlers in place (it lets them through then), or let them through.
 */
void run_hold_signals(bool hold);

/* Print a VM's (vm_id != 0) or the module's (vm_id 0) statistics. */
int print_stats(int fd, uint32_t vm_id, const char *title, bool json,
		FILE *out);
int cmd_stat(bool have_id, uint32_t vm_id, bool json);

/* balloon.c: `vmmctl balloon`, and the balloon of a VM for `stat`. */
extern const char usage_balloon[];
int balloon_main(int argc, char **argv);
struct vmm_balloon;
/* 0, 1 when the VM has no balloon, -1 on error. */
int balloon_query(int fd, uint32_t vm_id, struct vmm_balloon *b);
void balloon_print_text(const struct vmm_balloon *b, uint32_t vm_id, FILE *out);
void balloon_print_json(const struct vmm_balloon *b, FILE *out);

#endif /* VMMCTL_H */
