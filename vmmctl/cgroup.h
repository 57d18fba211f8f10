/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmmctl run --cpu-cap/--cpu-weight/--io-weight/--mem-limit (cgroup.c):
 * the host's cgroup v2 controllers arbitrate between VMs; vmmctl only
 * puts its VM in a cgroup of its own with those settings.
 */
#ifndef VMMCTL_CGROUP_H
#define VMMCTL_CGROUP_H

#include <stdbool.h>
#include <stdint.h>

struct cg_opts {
	unsigned int cpu_cap;		/* percent of one host CPU; 0: none */
	unsigned int cpu_weight;	/* 1..10000; 0: the default (100) */
	unsigned int io_weight;		/* 1..10000; 0: the default (100) */
	uint64_t mem_limit;		/* bytes; 0: none */
};

static inline bool cg_wanted(const struct cg_opts *c)
{
	return c->cpu_cap || c->cpu_weight || c->io_weight || c->mem_limit;
}

/*
 * Before the VM exists: make the cgroup (VMMCTL_CGROUP_PARENT, else
 * <cgroup2 mount>/vmm, /vm-<pid>), enable the controllers it needs on the
 * way down, write the settings and move this process (all its threads)
 * in, so that guest RAM, vCPU time and the kernel's disk I/O for the VM
 * are charged there. 0, or -1 with the reason printed.
 */
int cg_enter(const struct cg_opts *c);
/* Move back to where vmmctl started and remove the cgroup. */
void cg_leave(void);

#endif /* VMMCTL_CGROUP_H */
