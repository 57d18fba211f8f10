// SPDX-License-Identifier: GPL-2.0
/*
 * A cgroup v2 group of the VM's own (see cgroup.h). cgroup v2 lets a
 * group with processes in it hand controllers to no child ("no internal
 * processes"), so the VM's group is not made under vmmctl's own group but
 * under a parent that holds no process: VMMCTL_CGROUP_PARENT (a delegated
 * directory, for unprivileged users) or <cgroup2 mount>/vmm.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmmctl.h"
#include "cgroup.h"

static char cg_dir[PATH_MAX];		/* ours, once made */
static char cg_home[PATH_MAX];		/* where vmmctl was */

static int write_file(const char *dir, const char *file, const char *val)
{
	char path[PATH_MAX + 64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	if (n < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	return 0;
}

static int read_file(const char *dir, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX + 64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return 0;
}

/* Whether word is one of the space-separated words of list. */
static bool has_word(const char *list, const char *word)
{
	size_t len = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		if ((p == list || p[-1] == ' ') &&
		    (p[len] == ' ' || p[len] == '\n' || !p[len]))
			return true;
		p += len;
	}
	return false;
}

/* The cgroup2 mount point, from /proc/self/mounts. */
static int cg_mount(char *buf, size_t len)
{
	char dev[256], dir[PATH_MAX], type[64];
	FILE *f = fopen("/proc/self/mounts", "re");
	int r = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%255s %4095s %63s %*[^\n]", dev, dir, type) == 3) {
		if (!strcmp(type, "cgroup2")) {
			snprintf(buf, len, "%s", dir);
			r = 0;
			break;
		}
	}
	fclose(f);
	return r;
}

/* Enable controller ctl for the children of dir: 0, or -1 (reported). */
static int cg_enable(const char *dir, const char *ctl)
{
	char buf[512], plus[32];

	if (read_file(dir, "cgroup.controllers", buf, sizeof(buf))) {
		err_msg("cgroup: %s: not a cgroup v2 directory: %s", dir,
			strerror(errno));
		return -1;
	}
	if (!has_word(buf, ctl)) {
		err_msg("cgroup: the %s controller is not available in %s (controllers: %.*s): "
			"it is off in the kernel, held by cgroup v1, or not delegated here",
			ctl, dir, (int)strcspn(buf, "\n"), buf);
		return -1;
	}
	if (!read_file(dir, "cgroup.subtree_control", buf, sizeof(buf)) &&
	    has_word(buf, ctl))
		return 0;
	snprintf(plus, sizeof(plus), "+%s", ctl);
	if (write_file(dir, "cgroup.subtree_control", plus)) {
		err_msg("cgroup: cannot enable %s in %s/cgroup.subtree_control: %s%s",
			ctl, dir, strerror(errno), errno == EBUSY ?
			" (the group holds processes: set VMMCTL_CGROUP_PARENT to an empty one)" :
			errno == EACCES ? " (not root: set VMMCTL_CGROUP_PARENT to a delegated group)" : "");
		return -1;
	}
	return 0;
}

static int cg_set(const char *file, const char *val)
{
	if (!write_file(cg_dir, file, val))
		return 0;
	err_msg("cgroup: writing '%s' to %s/%s: %s", val, cg_dir, file,
		strerror(errno));
	return -1;
}

/* dst (PATH_MAX) = a + b: 0, or -1 (reported) when too long. */
static int join(char *dst, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la + lb >= PATH_MAX) {
		err_msg("cgroup: path too long: %s%s", a, b);
		return -1;
	}
	memcpy(dst, a, la);
	memcpy(dst + la, b, lb + 1);
	return 0;
}

int cg_enter(const struct cg_opts *c)
{
	char mnt[PATH_MAX], parent[PATH_MAX], buf[PATH_MAX], val[64];
	const char *env = getenv("VMMCTL_CGROUP_PARENT");
	bool need_cpu = c->cpu_cap || c->cpu_weight;

	if (cg_mount(mnt, sizeof(mnt))) {
		err_msg("cgroup: no cgroup v2 file system is mounted (mount -t cgroup2 none /sys/fs/cgroup); "
			"--cpu-cap, --cpu-weight, --io-weight and --mem-limit need one");
		return -1;
	}
	/* where we are now: "0::/path" */
	if (read_file("/proc/self", "cgroup", buf, sizeof(buf)) ||
	    strncmp(buf, "0::", 3)) {
		err_msg("cgroup: cannot tell this process's cgroup v2 group (/proc/self/cgroup)");
		return -1;
	}
	buf[strcspn(buf, "\n")] = 0;
	if (join(cg_home, mnt, strcmp(buf + 3, "/") ? buf + 3 : ""))
		return -1;
	if (env && *env) {
		if (join(parent, env, ""))
			return -1;
	} else {
		if (join(parent, mnt, "/vmm"))
			return -1;
		if ((need_cpu && cg_enable(mnt, "cpu")) ||
		    (c->io_weight && cg_enable(mnt, "io")) ||
		    (c->mem_limit && cg_enable(mnt, "memory")))
			return -1;
		if (mkdir(parent, 0755) && errno != EEXIST) {
			err_msg("cgroup: mkdir %s: %s", parent, strerror(errno));
			return -1;
		}
	}
	if ((need_cpu && cg_enable(parent, "cpu")) ||
	    (c->io_weight && cg_enable(parent, "io")) ||
	    (c->mem_limit && cg_enable(parent, "memory")))
		return -1;
	snprintf(val, sizeof(val), "/vm-%d", (int)getpid());
	if (join(cg_dir, parent, val))
		return -1;
	if (mkdir(cg_dir, 0755)) {
		err_msg("cgroup: mkdir %s: %s", cg_dir, strerror(errno));
		cg_dir[0] = 0;
		return -1;
	}
	if (c->cpu_cap) {
		/* percent of one CPU per 100 ms period */
		snprintf(val, sizeof(val), "%u 100000", c->cpu_cap * 1000);
		if (cg_set("cpu.max", val))
			goto fail;
	}
	if (c->cpu_weight) {
		snprintf(val, sizeof(val), "%u", c->cpu_weight);
		if (cg_set("cpu.weight", val))
			goto fail;
	}
	if (c->io_weight) {
		/* io.weight works where the device's scheduler has it (BFQ) */
		snprintf(val, sizeof(val), "default %u", c->io_weight);
		if (cg_set("io.weight", val))
			goto fail;
		/* and BFQ's own, where BFQ is loaded */
		snprintf(val, sizeof(val), "%u", c->io_weight);
		write_file(cg_dir, "io.bfq.weight", val);
	}
	if (c->mem_limit) {
		snprintf(val, sizeof(val), "%llu", (unsigned long long)c->mem_limit);
		if (cg_set("memory.max", val))
			goto fail;
	}
	/* the whole process: threads made later are born inside */
	if (cg_set("cgroup.procs", "0"))
		goto fail;
	return 0;
fail:
	rmdir(cg_dir);
	cg_dir[0] = 0;
	return -1;
}

void cg_leave(void)
{
	if (!cg_dir[0])
		return;
	if (write_file(cg_home, "cgroup.procs", "0"))
		err_msg("cgroup: cannot move back to %s: %s", cg_home,
			strerror(errno));
	else if (rmdir(cg_dir))
		err_msg("cgroup: rmdir %s: %s", cg_dir, strerror(errno));
	cg_dir[0] = 0;
}
