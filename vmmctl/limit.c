// SPDX-License-Identifier: GPL-2.0
/*
 * Disk I/O limits: parsed here for run --disk and vmmctl limit, enforced
 * by the kernel's token buckets (VMM_SET_DISK_LIMIT). vmmctl limit reaches
 * a VM another vmmctl runs through /dev/vmm by its id.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmmctl.h"
#include "limit.h"
#include "util.h"

const char usage_limit[] =
"Usage: vmmctl limit VMID [--disk N SPEC]\n"
"\n"
"Without --disk: list the disks of VM VMID with their limits and counters.\n"
"With --disk N SPEC: set the I/O limits of its disk N (the disks with a\n"
"file, from 0 in the order vmmctl run attached them: the --iso, then each\n"
"--disk). SPEC is a comma-separated list of\n"
"  iops=N     at most N requests a second (0: no limit)\n"
"  bps=N      at most N bytes a second (K, M, G suffixes; 0: no limit)\n"
"  burst=MS   after idle time, MS milliseconds' worth of each limit may go\n"
"             at once (default 100)\n"
"Options left out are set to 0 (no limit). The limits apply at once, to\n"
"requests already waiting too. Requests over a limit wait in the kernel;\n"
"the guest's vCPUs never do. A guest reboot (vmmctl run makes a new VM)\n"
"goes back to the limits given to run.\n";

int limit_option(const char *what, const char *opt, size_t len,
		 struct disk_limit_spec *l)
{
	uint64_t *dst, max;
	bool suffix = false;
	char buf[32];
	const char *name;

	if (len > 5 && !strncmp(opt, "iops=", 5)) {
		dst = &l->iops;
		max = VMM_DISK_LIMIT_MAX_RATE;
		name = "iops";
	} else if (len > 4 && !strncmp(opt, "bps=", 4)) {
		dst = &l->bps;
		max = VMM_DISK_LIMIT_MAX_RATE;
		name = "bps";
		suffix = true;
	} else if (len > 6 && !strncmp(opt, "burst=", 6)) {
		dst = &l->burst_ms;
		max = LIMIT_BURST_MS_MAX;
		name = "burst";
	} else {
		return 0;
	}
	len -= strlen(name) + 1;
	opt += strlen(name) + 1;
	if (len >= sizeof(buf))
		goto bad;
	memcpy(buf, opt, len);
	buf[len] = 0;
	if (parse_u64(buf, suffix, dst) || *dst > max)
		goto bad;
	l->set = true;
	return 1;
bad:
	usage_error("%s: %s= takes 0..%llu%s, not '%.*s'", what, name,
		    (unsigned long long)max, suffix ? " (K, M, G suffixes)" : "",
		    (int)len, opt);
	return -1;
}

static uint64_t burst_of(uint64_t rate, uint64_t ms)
{
	uint64_t b;

	if (!rate || !ms)
		return 0;
	/* rate <= 2^40, ms <= 60000: no overflow */
	b = rate * ms / 1000;
	if (!b)
		b = 1;
	return b > VMM_DISK_LIMIT_MAX_BURST ? VMM_DISK_LIMIT_MAX_BURST : b;
}

void limit_to_uapi(const struct disk_limit_spec *l, uint32_t vm_id,
		   uint32_t disk, struct vmm_disk_limit *a)
{
	memset(a, 0, sizeof(*a));
	a->version = VMM_DISK_LIMIT_VERSION;
	a->vm_id = vm_id;
	a->disk = disk;
	a->iops = l->iops;
	a->bps = l->bps;
	a->iops_burst = burst_of(l->iops, l->burst_ms);
	a->bps_burst = burst_of(l->bps, l->burst_ms);
}

static const char *type_name(uint32_t type)
{
	switch (type) {
	case VMM_DISK_AHCI_DISK:
		return "ahci-disk";
	case VMM_DISK_AHCI_CDROM:
		return "ahci-cd";
	case VMM_DISK_VIRTIO_BLK:
		return "virtio-blk";
	default:
		return "?";
	}
}

static void print_rate(uint64_t v, uint64_t burst, bool bytes)
{
	char s[32], b[32];

	if (!v) {
		printf(" %22s", "-");
		return;
	}
	if (bytes) {
		format_size(v, s, sizeof(s));
		format_size(burst, b, sizeof(b));
	} else {
		snprintf(s, sizeof(s), "%llu", (unsigned long long)v);
		snprintf(b, sizeof(b), "%llu", (unsigned long long)burst);
	}
	printf(" %10s burst %-5s", s, b);
}

static int limit_list(int fd, uint32_t vm_id)
{
	struct vmm_disk_limit a;
	uint32_t n;

	for (n = 0; ; n++) {
		memset(&a, 0, sizeof(a));
		a.version = VMM_DISK_LIMIT_VERSION;
		a.vm_id = vm_id;
		a.disk = n;
		if (ioctl(fd, VMM_GET_DISK_LIMIT, &a) < 0)
			break;
		if (!n)
			printf("%-4s %-10s %4s %22s %22s %10s %10s %8s %6s\n",
			       "disk", "type", "port", "iops", "bps", "ops",
			       "delayed", "wait_ms", "queued");
		printf("%-4u %-10s %4u", n, type_name(a.type), a.port);
		print_rate(a.iops, a.iops_burst, false);
		print_rate(a.bps, a.bps_burst, true);
		printf(" %10llu %10llu %8llu %6u\n", (unsigned long long)a.ops,
		       (unsigned long long)a.delayed,
		       (unsigned long long)(a.delay_ns / 1000000), a.queued);
	}
	if (errno == ENOENT) {
		err_msg("no VM with id %u", vm_id);
		return EXIT_HOST_ERROR;
	}
	if (errno != ENODEV) {
		err_msg("VMM_GET_DISK_LIMIT: %s", strerror(errno));
		return EXIT_HOST_ERROR;
	}
	if (!n)
		printf("VM %u has no disks\n", vm_id);
	return 0;
}

int limit_main(int argc, char **argv)
{
	struct disk_limit_spec l = { 0 };
	struct vmm_disk_limit a;
	uint64_t id, disk = 0;
	const char *spec = NULL, *opt, *e;
	int fd, r;

	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(usage_limit, stdout);
		return 0;
	}
	if (argc != 2 && argc != 5) {
		usage_error("limit: usage: vmmctl limit VMID [--disk N SPEC]");
		return EXIT_USAGE;
	}
	if (parse_u64(argv[1], false, &id) || !id || id > UINT32_MAX) {
		usage_error("limit: invalid VM id '%s'", argv[1]);
		return EXIT_USAGE;
	}
	if (argc == 5) {
		if (strcmp(argv[2], "--disk")) {
			usage_error("limit: unknown option '%s'", argv[2]);
			return EXIT_USAGE;
		}
		if (parse_u64(argv[3], false, &disk) || disk > UINT32_MAX) {
			usage_error("limit: invalid disk number '%s'", argv[3]);
			return EXIT_USAGE;
		}
		spec = argv[4];
		for (opt = spec; ; opt = e + 1) {
			e = strchr(opt, ',');
			if (!e)
				e = opt + strlen(opt);
			r = limit_option("limit", opt, e - opt, &l);
			if (r < 0)
				return EXIT_USAGE;
			if (!r) {
				usage_error("limit: unknown limit '%.*s' (iops=N,bps=N,burst=MS)",
					    (int)(e - opt), opt);
				return EXIT_USAGE;
			}
			if (!*e)
				break;
		}
	}
	fd = vmm_open_dev();
	if (fd < 0)
		return EXIT_HOST_ERROR;
	if (!spec) {
		r = limit_list(fd, (uint32_t)id);
		close(fd);
		return r;
	}
	limit_to_uapi(&l, (uint32_t)id, (uint32_t)disk, &a);
	r = ioctl(fd, VMM_SET_DISK_LIMIT, &a);
	close(fd);
	if (r < 0) {
		if (errno == ENOENT)
			err_msg("no VM with id %llu", (unsigned long long)id);
		else if (errno == ENODEV)
			err_msg("VM %llu has no disk %llu (vmmctl limit %llu lists them)",
				(unsigned long long)id, (unsigned long long)disk,
				(unsigned long long)id);
		else if (errno == EPERM)
			err_msg("VM %llu: only its owner (or root) may change its limits",
				(unsigned long long)id);
		else
			err_msg("VMM_SET_DISK_LIMIT: %s", strerror(errno));
		return EXIT_HOST_ERROR;
	}
	return 0;
}
