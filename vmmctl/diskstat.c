// SPDX-License-Identifier: GPL-2.0
/*
 * vmmctl: disk statistics (see diskstat.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmmctl.h"
#include "diskstat.h"

static const char *const op_names[VMM_DISK_NR_OPS] = {
	"read", "write", "flush", "discard", "write_zeroes",
};

static const char *const stage_names[VMM_DISK_NR_STAGES] = {
	"parse", "queue", "host", "irq", "ack", "total",
};

const char *disk_op_name(unsigned int op)
{
	return op < VMM_DISK_NR_OPS ? op_names[op] : "?";
}

const char *disk_stage_name(unsigned int stage)
{
	return stage < VMM_DISK_NR_STAGES ? stage_names[stage] : "?";
}

const char *disk_type_name(uint32_t type)
{
	switch (type) {
	case VMM_DISK_AHCI_DISK:	return "ahci-disk";
	case VMM_DISK_AHCI_CDROM:	return "ahci-cd";
	case VMM_DISK_VIRTIO_BLK:	return "virtio-blk";
	case VMM_DISK_TYPE_ALL:		return "all";
	default:			return "?";
	}
}

const char *disk_name(const struct vmm_disk_stat *d, char *buf, size_t len)
{
	if (d->type == VMM_DISK_TYPE_ALL)
		snprintf(buf, len, "all");
	else
		snprintf(buf, len, "%c%u", d->type == VMM_DISK_AHCI_CDROM ? 'c' :
			 d->type == VMM_DISK_VIRTIO_BLK ? 'v' : 'd', d->port);
	return buf;
}

static int disk_snap_fetch(int fd, uint32_t vm_id, struct disk_snap *s,
			   bool quiet)
{
	uint32_t cap = VMM_DISK_AHCI_PORTS + VMM_DISK_VIRTIO_MAX;
	int tries;

	memset(s, 0, sizeof(*s));
	for (tries = 0; tries < 4; tries++) {
		struct vmm_get_disk_stats g = { 0 };
		struct vmm_disk_stat *nb = realloc(s->d, cap * sizeof(*nb));

		if (!nb) {
			if (!quiet)
				err_msg("out of memory");
			disk_snap_free(s);
			return -1;
		}
		s->d = nb;
		memset(nb, 0, cap * sizeof(*nb));
		g.vm_id = vm_id;
		g.count = cap;
		g.entry_size = sizeof(*nb);
		g.buf = (uintptr_t)nb;
		if (ioctl(fd, VMM_GET_DISK_STATS_ALL, &g) < 0) {
			int e = errno;

			if (!quiet && vm_id && e == ENOENT)
				err_msg("no VM with id %u", vm_id);
			else if (!quiet)
				err_msg("VMM_GET_DISK_STATS_ALL: %s", strerror(e));
			disk_snap_free(s);
			return -1;
		}
		if (g.count <= cap) {
			s->n = g.count;
			s->now_ns = g.now_ns;
			return 0;
		}
		cap = g.count;
	}
	if (!quiet)
		err_msg("VMM_GET_DISK_STATS_ALL: disk count keeps changing");
	disk_snap_free(s);
	return -1;
}

int disk_snap_get(int fd, uint32_t vm_id, struct disk_snap *s)
{
	return disk_snap_fetch(fd, vm_id, s, false);
}

int disk_snap_get_quiet(int fd, uint32_t vm_id, struct disk_snap *s)
{
	return disk_snap_fetch(fd, vm_id, s, true);
}

void disk_snap_free(struct disk_snap *s)
{
	free(s->d);
	s->d = NULL;
	s->n = 0;
}

const struct vmm_disk_stat *disk_find(const struct disk_snap *prev,
				      const struct vmm_disk_stat *d)
{
	uint32_t i;

	for (i = 0; prev && i < prev->n; i++)
		if (prev->d[i].vm_id == d->vm_id && prev->d[i].type == d->type &&
		    prev->d[i].port == d->port &&
		    prev->d[i].since_ns == d->since_ns)
			return &prev->d[i];
	return NULL;
}

static uint64_t sub(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

void disk_delta(struct vmm_disk_stat *out, const struct vmm_disk_stat *cur,
		const struct vmm_disk_stat *prev)
{
	unsigned int i, j, b;

	*out = *cur;
	if (!prev)
		return;
	for (i = 0; i < VMM_DISK_NR_OPS; i++) {
		struct vmm_disk_op_stat *o = &out->op[i];
		const struct vmm_disk_op_stat *p = &prev->op[i];

		o->requests = sub(o->requests, p->requests);
		o->bytes = sub(o->bytes, p->bytes);
		o->errors = sub(o->errors, p->errors);
		for (j = 0; j < VMM_DISK_NR_STAGES; j++) {
			struct vmm_disk_lat *l = &o->stage[j];
			const struct vmm_disk_lat *q = &p->stage[j];

			l->count = sub(l->count, q->count);
			l->total_ns = sub(l->total_ns, q->total_ns);
			for (b = 0; b < VMM_STAT_HIST_BUCKETS; b++)
				l->hist[b] = sub(l->hist[b], q->hist[b]);
			/* min/max stay cumulative: no way to tell them apart */
		}
	}
	out->ack_lost = sub(out->ack_lost, prev->ack_lost);
}

uint64_t disk_lat_pct(const struct vmm_disk_lat *l, unsigned int pct)
{
	uint64_t want, seen = 0, edge;
	unsigned int b;

	if (!l->count)
		return 0;
	want = (l->count * pct + 99) / 100;
	if (!want)
		want = 1;
	for (b = 0; b < VMM_STAT_HIST_BUCKETS; b++) {
		seen += l->hist[b];
		if (seen >= want)
			break;
	}
	if (b >= VMM_STAT_HIST_BUCKETS - 1)
		return l->max_ns;
	edge = 2ULL << b;	/* bucket b: [2^b, 2^(b+1)) */
	return l->max_ns && edge > l->max_ns ? l->max_ns : edge;
}

uint64_t disk_requests(const struct vmm_disk_stat *d)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < VMM_DISK_NR_OPS; i++)
		n += d->op[i].requests;
	return n;
}

uint64_t disk_bytes(const struct vmm_disk_stat *d)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < VMM_DISK_NR_OPS; i++)
		n += d->op[i].bytes;
	return n;
}

void disk_stage_all(const struct vmm_disk_stat *d, unsigned int stage,
		    struct vmm_disk_lat *out)
{
	unsigned int i, b;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < VMM_DISK_NR_OPS; i++) {
		const struct vmm_disk_lat *l = &d->op[i].stage[stage];

		if (!l->count)
			continue;
		if (!out->count || l->min_ns < out->min_ns)
			out->min_ns = l->min_ns;
		if (l->max_ns > out->max_ns)
			out->max_ns = l->max_ns;
		out->count += l->count;
		out->total_ns += l->total_ns;
		for (b = 0; b < VMM_STAT_HIST_BUCKETS; b++)
			out->hist[b] += l->hist[b];
	}
}

/* Seconds the numbers of d cover: secs, or since it began counting. */
static double span_secs(const struct vmm_disk_stat *d, double secs,
			uint64_t now_ns)
{
	if (secs > 0)
		return secs;
	if (d->since_ns && now_ns > d->since_ns)
		return (now_ns - d->since_ns) / 1e9;
	return 0;
}

static double avg_us(const struct vmm_disk_lat *l)
{
	return l->count ? (double)l->total_ns / l->count / 1000.0 : 0;
}

/* "12.3" or "-" for an empty stage, in a field of width w */
static void lat_cell(FILE *out, int w, bool have, double us)
{
	if (have)
		fprintf(out, " %*.1f", w, us);
	else
		fprintf(out, " %*s", w, "-");
}

void disk_table_text(FILE *out, const struct vmm_disk_stat *d, uint32_t n,
		     double secs, uint64_t now_ns)
{
	bool any = false;
	uint32_t i;
	unsigned int op, st;

	for (i = 0; i < n; i++) {
		double t = span_secs(&d[i], secs, now_ns);

		for (op = 0; op < VMM_DISK_NR_OPS; op++) {
			const struct vmm_disk_op_stat *o = &d[i].op[op];
			const struct vmm_disk_lat *tot = &o->stage[VMM_DISK_ST_TOTAL];
			char name[16];

			if (!o->requests)
				continue;
			if (!any) {
				fprintf(out, "  %-4s %-6s %-12s %10s %6s %9s %8s",
					"vm", "disk", "op", "requests", "errors",
					"IOPS", "MB/s");
				for (st = 0; st < VMM_DISK_NR_STAGES; st++)
					fprintf(out, " %7s", stage_names[st]);
				fprintf(out, " %8s   (avg us by stage; p99 us of total)\n",
					"p99");
			}
			any = true;
			fprintf(out, "  %-4u %-6s %-12s %10llu %6llu", d[i].vm_id,
				disk_name(&d[i], name, sizeof(name)), op_names[op],
				(unsigned long long)o->requests,
				(unsigned long long)o->errors);
			if (t > 0)
				fprintf(out, " %9.0f %8.2f", o->requests / t,
					o->bytes / t / 1e6);
			else
				fprintf(out, " %9s %8s", "-", "-");
			for (st = 0; st < VMM_DISK_NR_STAGES; st++)
				lat_cell(out, 7, o->stage[st].count != 0,
					 avg_us(&o->stage[st]));
			lat_cell(out, 8, tot->count != 0,
				 disk_lat_pct(tot, 99) / 1000.0);
			fputc('\n', out);
		}
	}
	if (!any)
		fprintf(out, "  (no disk requests)\n");
}

static void json_rate(FILE *out, const char *key, bool have, double v)
{
	if (have)
		fprintf(out, ",\"%s\":%.2f", key, v);
	else
		fprintf(out, ",\"%s\":null", key);
}

static void json_lat(FILE *out, const struct vmm_disk_lat *l)
{
	unsigned int b;

	fprintf(out, "{\"count\":%llu,\"total_ns\":%llu,\"min_ns\":%llu,"
		"\"max_ns\":%llu,\"avg_ns\":%llu,\"p50_ns\":%llu,\"p99_ns\":%llu,"
		"\"hist\":[",
		(unsigned long long)l->count, (unsigned long long)l->total_ns,
		(unsigned long long)l->min_ns, (unsigned long long)l->max_ns,
		(unsigned long long)(l->count ? l->total_ns / l->count : 0),
		(unsigned long long)disk_lat_pct(l, 50),
		(unsigned long long)disk_lat_pct(l, 99));
	for (b = 0; b < VMM_STAT_HIST_BUCKETS; b++)
		fprintf(out, "%s%llu", b ? "," : "", (unsigned long long)l->hist[b]);
	fputs("]}", out);
}

void disk_table_json(FILE *out, const struct vmm_disk_stat *d, uint32_t n,
		     double secs, uint64_t now_ns)
{
	unsigned int op, st;
	uint32_t i;

	fputc('[', out);
	for (i = 0; i < n; i++) {
		double t = span_secs(&d[i], secs, now_ns);
		char name[16];

		fprintf(out, "%s{\"vm_id\":%u,\"name\":\"%s\",\"type\":\"%s\","
			"\"port\":%u,\"size\":%llu,\"timed\":%s,\"inflight\":%u,"
			"\"ack_lost\":%llu,\"seconds\":%.3f,\"requests\":%llu,"
			"\"bytes\":%llu",
			i ? "," : "", d[i].vm_id, disk_name(&d[i], name, sizeof(name)),
			disk_type_name(d[i].type), d[i].port,
			(unsigned long long)d[i].size,
			d[i].flags & VMM_DISK_STAT_TIMED ? "true" : "false",
			d[i].inflight, (unsigned long long)d[i].ack_lost, t,
			(unsigned long long)disk_requests(&d[i]),
			(unsigned long long)disk_bytes(&d[i]));
		json_rate(out, "iops", t > 0, t > 0 ? disk_requests(&d[i]) / t : 0);
		json_rate(out, "mbps", t > 0, t > 0 ? disk_bytes(&d[i]) / t / 1e6 : 0);
		fputs(",\"ops\":{", out);
		for (op = 0; op < VMM_DISK_NR_OPS; op++) {
			const struct vmm_disk_op_stat *o = &d[i].op[op];

			fprintf(out, "%s\"%s\":{\"requests\":%llu,\"bytes\":%llu,"
				"\"errors\":%llu", op ? "," : "", op_names[op],
				(unsigned long long)o->requests,
				(unsigned long long)o->bytes,
				(unsigned long long)o->errors);
			json_rate(out, "iops", t > 0, t > 0 ? o->requests / t : 0);
			json_rate(out, "mbps", t > 0, t > 0 ? o->bytes / t / 1e6 : 0);
			fputs(",\"stages\":{", out);
			for (st = 0; st < VMM_DISK_NR_STAGES; st++) {
				fprintf(out, "%s\"%s\":", st ? "," : "", stage_names[st]);
				json_lat(out, &o->stage[st]);
			}
			fputs("}}", out);
		}
		fputs("}}", out);
	}
	fputc(']', out);
}
