// SPDX-License-Identifier: GPL-2.0
/*
 * vmmctl stat: list VMs and print exit and disk statistics (text tables
 * or JSON).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmmctl.h"
#include "util.h"
#include "stats.h"
#include "diskstat.h"

static const char *reason_name(unsigned int reason, char *buf, size_t len)
{
	const char *name = vmm_stat_reason_name(reason);

	/* stats.c names out-of-range reasons "?" */
	if (name && *name && strcmp(name, "?"))
		return name;
	snprintf(buf, len, "reason%u", reason);
	return buf;
}

/* Fetch statistics into a malloc'ed buffer; *np is the number of entries. */
static int get_stats(int fd, uint32_t vm_id, struct vmm_get_stats *gs,
		     struct vmm_exit_stat **bufp, uint32_t *np)
{
	uint32_t cap = VMM_STAT_NR_REASONS;
	struct vmm_exit_stat *buf = NULL;
	int tries;

	for (tries = 0; tries < 4; tries++) {
		struct vmm_exit_stat *nb = realloc(buf, cap * sizeof(*buf));

		if (!nb) {
			free(buf);
			err_msg("out of memory");
			return -1;
		}
		buf = nb;
		memset(buf, 0, cap * sizeof(*buf));
		memset(gs, 0, sizeof(*gs));
		gs->vm_id = vm_id;
		gs->count = cap;
		gs->buf = (uintptr_t)buf;
		if (ioctl(fd, VMM_GET_STATS, gs) < 0) {
			int e = errno;

			if (vm_id && (e == ENOENT || e == ESRCH))
				err_msg("no VM with id %u", vm_id);
			else
				err_msg("VMM_GET_STATS: %s", strerror(e));
			free(buf);
			return -1;
		}
		if (gs->count <= cap) {
			*bufp = buf;
			*np = gs->count;
			return 0;
		}
		cap = gs->count;	/* a newer module: more reasons */
	}
	free(buf);
	err_msg("VMM_GET_STATS: reason count keeps changing");
	return -1;
}

static void print_hist(FILE *out, const struct vmm_exit_stat *st)
{
	bool first = true;
	int k;

	for (k = 0; k < VMM_STAT_HIST_BUCKETS; k++) {
		if (!st->hist[k])
			continue;
		fprintf(out, "%s2^%d:%llu", first ? "" : " ", k,
			(unsigned long long)st->hist[k]);
		first = false;
	}
}

static void print_stats_text(FILE *out, const char *title,
			     const struct vmm_get_stats *gs,
			     const struct vmm_exit_stat *buf, uint32_t n)
{
	bool any = false;
	uint32_t i;

	fprintf(out, "%s: %llu exits, %llu runs, %llu user exits\n", title,
		(unsigned long long)gs->total_exits,
		(unsigned long long)gs->runs,
		(unsigned long long)gs->user_exits);
	for (i = 0; i < n; i++) {
		const struct vmm_exit_stat *st = &buf[i];
		char nbuf[32];

		if (!st->count)
			continue;
		if (!any)
			fprintf(out, "  %-14s %10s %14s %10s %10s %10s  %s\n",
				"reason", "count", "total_cycles", "avg",
				"min", "max", "histogram (2^k:count)");
		any = true;
		fprintf(out, "  %-14s %10llu %14llu %10llu %10llu %10llu  ",
			reason_name(st->reason, nbuf, sizeof(nbuf)),
			(unsigned long long)st->count,
			(unsigned long long)st->total_cycles,
			(unsigned long long)(st->total_cycles / st->count),
			(unsigned long long)st->min_cycles,
			(unsigned long long)st->max_cycles);
		print_hist(out, st);
		fputc('\n', out);
	}
	if (!any)
		fprintf(out, "  (no exits)\n");
}

static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void print_stats_json(FILE *out, const struct vmm_get_stats *gs,
			     const struct vmm_exit_stat *buf, uint32_t n)
{
	bool first = true;
	uint32_t i;
	int k;

	fprintf(out, "{\"vm_id\":%u,\"total_exits\":%llu,\"runs\":%llu,"
		"\"user_exits\":%llu,\"reasons\":[", gs->vm_id,
		(unsigned long long)gs->total_exits,
		(unsigned long long)gs->runs,
		(unsigned long long)gs->user_exits);
	for (i = 0; i < n; i++) {
		const struct vmm_exit_stat *st = &buf[i];
		char nbuf[32];

		if (!st->count)
			continue;	/* absent reasons have count 0 */
		fprintf(out, "%s{\"id\":%u,\"name\":", first ? "" : ",",
			st->reason);
		first = false;
		json_string(out, reason_name(st->reason, nbuf, sizeof(nbuf)));
		fprintf(out, ",\"count\":%llu,\"total_cycles\":%llu,"
			"\"min_cycles\":%llu,\"max_cycles\":%llu,\"hist\":[",
			(unsigned long long)st->count,
			(unsigned long long)st->total_cycles,
			(unsigned long long)st->min_cycles,
			(unsigned long long)st->max_cycles);
		for (k = 0; k < VMM_STAT_HIST_BUCKETS; k++)
			fprintf(out, "%s%llu", k ? "," : "",
				(unsigned long long)st->hist[k]);
		fputs("]}", out);
	}
	fputs("]", out);	/* the caller closes the object */
}

/*
 * The disks of vm_id (0: the module-wide sum): a table after a blank
 * line, or ,"disks":[...] inside the caller's JSON object.
 */
static int print_disks(int fd, uint32_t vm_id, bool json, FILE *out)
{
	struct disk_snap s;

	if (disk_snap_get(fd, vm_id, &s))
		return -1;
	if (json) {
		fputs(",\"disks\":", out);
		disk_table_json(out, s.d, s.n, 0, s.now_ns);
	} else if (s.n) {
		fprintf(out, "disks%s (rates since attach):\n",
			vm_id ? "" : ", all VMs since load");
		disk_table_text(out, s.d, s.n, 0, s.now_ns);
	}
	disk_snap_free(&s);
	return 0;
}

static int print_stats_disks(int fd, uint32_t vm_id, const char *title,
			     bool json, bool disks, FILE *out)
{
	struct vmm_exit_stat *buf;
	struct vmm_get_stats gs;
	uint32_t n;
	int r = 0;

	if (get_stats(fd, vm_id, &gs, &buf, &n))
		return -1;
	if (json)
		print_stats_json(out, &gs, buf, n);
	else
		print_stats_text(out, title, &gs, buf, n);
	free(buf);
	if (disks)
		r = print_disks(fd, vm_id, json, out);
	if (json)
		fputs("}\n", out);
	fflush(out);
	return r;
}

int print_stats(int fd, uint32_t vm_id, const char *title, bool json,
		FILE *out)
{
	return print_stats_disks(fd, vm_id, title, json, false, out);
}

/* Fetch the list of live VMs into a malloc'ed buffer. */
static int list_vms(int fd, struct vmm_vm_info **bufp, uint32_t *np)
{
	uint32_t cap = 16;
	struct vmm_vm_info *buf = NULL;
	int tries;

	for (tries = 0; tries < 8; tries++) {
		struct vmm_vm_info *nb = realloc(buf, cap * sizeof(*buf));
		struct vmm_list_vms lv = { 0 };

		if (!nb) {
			free(buf);
			err_msg("out of memory");
			return -1;
		}
		buf = nb;
		lv.count = cap;
		lv.buf = (uintptr_t)buf;
		if (ioctl(fd, VMM_LIST_VMS, &lv) < 0) {
			err_msg("VMM_LIST_VMS: %s", strerror(errno));
			free(buf);
			return -1;
		}
		if (lv.count <= cap) {
			*bufp = buf;
			*np = lv.count;
			return 0;
		}
		cap = lv.count + 8;	/* VMs came and went: retry */
	}
	free(buf);
	err_msg("VMM_LIST_VMS: VM list keeps growing");
	return -1;
}

static void print_vms_text(int fd, const struct vmm_vm_info *vms, uint32_t n)
{
	struct vmm_balloon b;
	uint32_t i;

	printf("%u live VM%s\n", n, n == 1 ? "" : "s");
	if (!n)
		return;
	printf("  %6s %8s %6s %10s %10s %10s\n", "vmid", "pid", "vcpus",
	       "memory", "resident", "overhead");
	for (i = 0; i < n; i++) {
		char mem[32], res[32], ovh[32];

		format_size(vms[i].mem_bytes, mem, sizeof(mem));
		format_size((uint64_t)vms[i].resident_pages << 12, res,
			    sizeof(res));
		format_size(vms[i].overhead_bytes, ovh, sizeof(ovh));
		printf("  %6u %8u %6u %10s %10s %10s\n", vms[i].vm_id,
		       vms[i].pid, vms[i].nr_vcpus, mem, res, ovh);
	}
	for (i = 0; i < n; i++)
		if (!balloon_query(fd, vms[i].vm_id, &b))
			balloon_print_text(&b, vms[i].vm_id, stdout);
}

static void print_vms_json(int fd, const struct vmm_vm_info *vms, uint32_t n)
{
	struct vmm_balloon b;
	uint32_t i;

	printf("\"vms\":[");
	for (i = 0; i < n; i++) {
		printf("%s{\"vm_id\":%u,\"pid\":%u,\"vcpus\":%u,"
		       "\"mem_bytes\":%llu,\"resident_bytes\":%llu,"
		       "\"overhead_bytes\":%llu",
		       i ? "," : "", vms[i].vm_id, vms[i].pid,
		       vms[i].nr_vcpus,
		       (unsigned long long)vms[i].mem_bytes,
		       (unsigned long long)vms[i].resident_pages << 12,
		       (unsigned long long)vms[i].overhead_bytes);
		if (!balloon_query(fd, vms[i].vm_id, &b)) {
			fputs(",\"balloon\":", stdout);
			balloon_print_json(&b, stdout);
		}
		fputc('}', stdout);
	}
	printf("]");
}

/* The disk table of every live VM (one table; a VM gone meanwhile is skipped). */
static int print_live_disks(int fd, const struct vmm_vm_info *vms, uint32_t n,
			    bool json)
{
	struct vmm_disk_stat *all = NULL;
	uint64_t now = 0;
	uint32_t i, total = 0;
	int r = 0;

	for (i = 0; i < n; i++) {
		struct disk_snap s;
		struct vmm_disk_stat *nb;

		if (disk_snap_get(fd, vms[i].vm_id, &s))
			continue;	/* the message says which VM went */
		nb = realloc(all, (total + s.n + 1) * sizeof(*nb));
		if (!nb) {
			disk_snap_free(&s);
			err_msg("out of memory");
			r = -1;
			break;
		}
		all = nb;
		memcpy(all + total, s.d, s.n * sizeof(*nb));
		total += s.n;
		now = s.now_ns;
		disk_snap_free(&s);
	}
	if (!r) {
		if (json) {
			fputs(",\"disks\":", stdout);
			disk_table_json(stdout, all, total, 0, now);
		} else if (total) {
			printf("disks (rates since attach):\n");
			disk_table_text(stdout, all, total, 0, now);
			fputc('\n', stdout);
		}
	}
	free(all);
	return r;
}

int cmd_stat(bool have_id, uint32_t vm_id, bool json)
{
	struct vmm_vm_info *vms;
	char title[64];
	uint32_t n;
	int fd, ret = EXIT_HOST_ERROR;

	fd = vmm_open_dev();
	if (fd < 0)
		return EXIT_HOST_ERROR;
	if (have_id) {
		if (vm_id)
			snprintf(title, sizeof(title), "VM %u", vm_id);
		else
			snprintf(title, sizeof(title), "all VMs since load");
		if (!print_stats_disks(fd, vm_id, title, json, true, stdout))
			ret = 0;
		goto out;
	}
	if (list_vms(fd, &vms, &n))
		goto out;
	if (json) {
		fputc('{', stdout);
		print_vms_json(fd, vms, n);
	} else {
		print_vms_text(fd, vms, n);
		fputc('\n', stdout);
	}
	if (print_live_disks(fd, vms, n, json)) {
		free(vms);
		if (json)
			puts("}");
		goto out;
	}
	free(vms);
	if (json) {
		fputs(",\"totals\":", stdout);
		fflush(stdout);
	}
	if (print_stats_disks(fd, 0, "all VMs since load", json, true, stdout)) {
		if (json)
			puts("null}");
		goto out;
	}
	if (json) {
		/* print_stats ended the object with '\n': close the outer one */
		puts("}");
	}
	ret = 0;
out:
	close(fd);
	return ret;
}
