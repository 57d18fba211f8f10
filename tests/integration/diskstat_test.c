// SPDX-License-Identifier: GPL-2.0
/*
 * diskstat_test: the disk statistics ioctls (VMM_GET_DISK_STATS on a VM
 * fd, VMM_GET_DISK_STATS_ALL on /dev/vmm) from outside vmmctl.
 *
 *   diskstat_test abi         bad arguments refused, layout and version,
 *                             a PC VM's attached disks listed; prints
 *                             "ok - ..." / "not ok - ..." lines
 *   diskstat_test dump VMID   every disk of VMID (0: the module-wide sum)
 *                             as KEY=VALUE lines:
 *                             NAME.OP.requests|bytes|errors,
 *                             NAME.OP.STAGE.count|total_ns|min_ns|max_ns,
 *                             NAME.inflight, NAME.timed, NAME.size
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm.h"

#define MAXD	(VMM_DISK_AHCI_PORTS + VMM_DISK_VIRTIO_MAX)

static const char *const ops[] = { "read", "write", "flush", "discard", "write_zeroes" };
static const char *const stages[] = { "parse", "queue", "host", "irq", "ack", "total" };
static int failed;

static void t(int ok, const char *desc)
{
	printf("%s - %s\n", ok ? "ok" : "not ok", desc);
	if (!ok)
		failed = 1;
}

static int get(int fd, unsigned long cmd, uint32_t vm_id, struct vmm_disk_stat *buf,
	       uint32_t cap, struct vmm_get_disk_stats *g)
{
	memset(g, 0, sizeof(*g));
	g->vm_id = vm_id;
	g->count = cap;
	g->entry_size = sizeof(*buf);
	g->buf = (uintptr_t)buf;
	return ioctl(fd, cmd, g);
}

static const char *name(const struct vmm_disk_stat *d, char *b)
{
	if (d->type == VMM_DISK_TYPE_ALL)
		return "all";
	sprintf(b, "%c%u", d->type == VMM_DISK_AHCI_CDROM ? 'c' :
		d->type == VMM_DISK_VIRTIO_BLK ? 'v' : 'd', d->port);
	return b;
}

static int dump(uint32_t vm_id)
{
	static struct vmm_disk_stat d[MAXD];
	struct vmm_get_disk_stats g;
	int fd = open("/dev/vmm", O_RDWR);
	uint32_t i;
	unsigned int o, s;

	if (fd < 0 || get(fd, VMM_GET_DISK_STATS_ALL, vm_id, d, MAXD, &g)) {
		perror("diskstat_test dump");
		return 1;
	}
	for (i = 0; i < g.count && i < MAXD; i++) {
		char b[16];
		const char *n = name(&d[i], b);

		printf("%s.size=%llu\n%s.inflight=%u\n%s.timed=%u\n%s.ack_lost=%llu\n",
		       n, (unsigned long long)d[i].size, n, d[i].inflight, n,
		       d[i].flags & VMM_DISK_STAT_TIMED ? 1 : 0, n,
		       (unsigned long long)d[i].ack_lost);
		for (o = 0; o < VMM_DISK_NR_OPS; o++) {
			const struct vmm_disk_op_stat *p = &d[i].op[o];

			printf("%s.%s.requests=%llu\n%s.%s.bytes=%llu\n%s.%s.errors=%llu\n",
			       n, ops[o], (unsigned long long)p->requests,
			       n, ops[o], (unsigned long long)p->bytes,
			       n, ops[o], (unsigned long long)p->errors);
			for (s = 0; s < VMM_DISK_NR_STAGES; s++) {
				const struct vmm_disk_lat *l = &p->stage[s];
				unsigned long long hs = 0;
				unsigned int b;

				for (b = 0; b < VMM_STAT_HIST_BUCKETS; b++)
					hs += l->hist[b];
				printf("%s.%s.%s.count=%llu\n%s.%s.%s.total_ns=%llu\n"
				       "%s.%s.%s.min_ns=%llu\n%s.%s.%s.max_ns=%llu\n"
				       "%s.%s.%s.hist_sum=%llu\n",
				       n, ops[o], stages[s], (unsigned long long)l->count,
				       n, ops[o], stages[s], (unsigned long long)l->total_ns,
				       n, ops[o], stages[s], (unsigned long long)l->min_ns,
				       n, ops[o], stages[s], (unsigned long long)l->max_ns,
				       n, ops[o], stages[s], hs);
			}
		}
	}
	close(fd);
	return 0;
}

static int abi(void)
{
	static struct vmm_disk_stat d[MAXD];
	struct vmm_get_disk_stats g;
	struct vmm_create_vm cv = { .flags = VMM_VM_PC };
	struct vmm_attach_disk ad = { 0 };
	char path[] = "/tmp/diskstat-XXXXXX";
	int fd = open("/dev/vmm", O_RDWR), vm, f, r;

	if (fd < 0) {
		perror("/dev/vmm");
		return 1;
	}
	r = get(fd, VMM_GET_DISK_STATS_ALL, 0, d, MAXD, &g);
	t(!r && g.count == 1 && d[0].type == VMM_DISK_TYPE_ALL &&
	  g.version == VMM_DISK_STATS_VERSION && g.now_ns,
	  "vm_id 0: one module-wide entry, version, clock");
	g.entry_size = sizeof(d[0]) - 8;
	t(ioctl(fd, VMM_GET_DISK_STATS_ALL, &g) < 0 && errno == EINVAL,
	  "entry_size other than sizeof(struct vmm_disk_stat): EINVAL");
	get(fd, VMM_GET_DISK_STATS_ALL, 0, d, MAXD, &g);
	g.flags = 1;
	t(ioctl(fd, VMM_GET_DISK_STATS_ALL, &g) < 0 && errno == EINVAL, "flags: EINVAL");
	get(fd, VMM_GET_DISK_STATS_ALL, 0, d, MAXD, &g);
	g.reserved[2] = 1;
	t(ioctl(fd, VMM_GET_DISK_STATS_ALL, &g) < 0 && errno == EINVAL, "reserved: EINVAL");
	t(get(fd, VMM_GET_DISK_STATS_ALL, 0x7fffffff, d, MAXD, &g) < 0 && errno == ENOENT,
	  "an unknown VM: ENOENT");
	r = get(fd, VMM_GET_DISK_STATS_ALL, 0, (void *)8, 1, &g);
	t(r < 0 && errno == EFAULT, "a bad buffer: EFAULT");
	r = get(fd, VMM_GET_DISK_STATS_ALL, 0, NULL, 0, &g);
	t(!r && g.count == 1, "capacity 0: the count only");
	t(ioctl(fd, VMM_GET_DISK_STATS, &g) < 0 && errno == ENOTTY,
	  "VMM_GET_DISK_STATS on /dev/vmm: ENOTTY");

	vm = ioctl(fd, VMM_CREATE_VM, &cv);
	t(vm >= 0, "a PC VM");
	if (vm < 0)
		return 1;
	t(!get(vm, VMM_GET_DISK_STATS, 0, d, MAXD, &g) && g.count == 0,
	  "a VM without disks: none");
	f = mkstemp(path);
	if (f < 0 || ftruncate(f, 1 << 20)) {
		perror(path);
		return 1;
	}
	ad.fd = f;
	ad.type = VMM_DISK_VIRTIO_BLK;
	ad.port = 1;
	r = ioctl(vm, VMM_ATTACH_DISK, &ad);
	memset(&ad, 0, sizeof(ad));
	ad.fd = f;
	ad.type = VMM_DISK_AHCI_DISK;
	ad.port = 2;
	r |= ioctl(vm, VMM_ATTACH_DISK, &ad);
	t(!r, "a virtio-blk and an AHCI disk attached");
	r = get(vm, VMM_GET_DISK_STATS, 0, d, MAXD, &g);
	t(!r && g.count == 2 && d[0].type == VMM_DISK_AHCI_DISK && d[0].port == 2 &&
	  d[1].type == VMM_DISK_VIRTIO_BLK && d[1].port == 1 &&
	  d[0].size == 1 << 20 && d[1].size == 1 << 20 && d[0].vm_id == cv.vm_id &&
	  d[0].since_ns && !d[0].op[0].requests && !d[0].inflight,
	  "VM fd: both disks, AHCI first, type, port, size, empty");
	r = get(vm, VMM_GET_DISK_STATS, cv.vm_id + 1, d, MAXD, &g);
	t(r < 0 && errno == EINVAL, "VM fd: another VM's id: EINVAL");
	r = get(vm, VMM_GET_DISK_STATS, 0, d, 1, &g);
	t(!r && g.count == 2, "VM fd: capacity 1 still counts 2");
	r = get(fd, VMM_GET_DISK_STATS_ALL, cv.vm_id, d, MAXD, &g);
	t(!r && g.count == 2 && d[1].type == VMM_DISK_VIRTIO_BLK,
	  "/dev/vmm with the VM's id: the same disks");
	close(vm);
	close(f);
	unlink(path);
	t(get(fd, VMM_GET_DISK_STATS_ALL, cv.vm_id, d, MAXD, &g) < 0 && errno == ENOENT,
	  "the VM closed: ENOENT");
	close(fd);
	return failed;
}

int main(int argc, char **argv)
{
	_Static_assert(sizeof(struct vmm_disk_stat) == 64 + 5 * (32 + 6 * (32 + 8 * 32)),
		       "vmm_disk_stat layout");
	if (argc == 2 && !strcmp(argv[1], "abi"))
		return abi();
	if (argc == 3 && !strcmp(argv[1], "dump"))
		return dump((uint32_t)strtoul(argv[2], NULL, 0));
	fprintf(stderr, "usage: diskstat_test abi | dump VMID\n");
	return 2;
}
