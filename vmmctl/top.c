// SPDX-License-Identifier: GPL-2.0
/*
 * vmmctl top (see top.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "vmmctl.h"
#include "util.h"
#include "top.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int top_parse_proc_stat(const char *line, uint64_t *cpu, uint64_t *guest)
{
	const char *p = strrchr(line, ')');
	unsigned long long v[41];
	unsigned int k;

	/* after "pid (comm)": field 3 onwards, comm may hold anything */
	if (!p)
		return -1;
	p++;
	for (k = 0; k < 41; k++) {
		char *end;

		while (*p == ' ')
			p++;
		if (!*p)
			return -1;
		if (k == 0) {		/* the state letter */
			while (*p && *p != ' ')
				p++;
			v[k] = 0;
			continue;
		}
		errno = 0;
		v[k] = strtoull(p, &end, 10);
		if (end == p || errno)
			return -1;
		p = end;
	}
	*cpu = v[14 - 3] + v[15 - 3];
	*guest = v[43 - 3];
	return 0;
}

static int read_proc_cpu(uint32_t pid, uint64_t *cpu, uint64_t *guest)
{
	char path[64], line[1024];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	line[n] = 0;
	return top_parse_proc_stat(line, cpu, guest);
}

static int get_vms(int fd, struct vmm_vm_info **out, uint32_t *np)
{
	uint32_t cap = 16;
	int tries;

	*out = NULL;
	for (tries = 0; tries < 8; tries++) {
		struct vmm_list_vms lv = { 0 };
		struct vmm_vm_info *nb = realloc(*out, cap * sizeof(*nb));

		if (!nb) {
			err_msg("out of memory");
			return -1;
		}
		*out = nb;
		lv.count = cap;
		lv.buf = (uintptr_t)nb;
		if (ioctl(fd, VMM_LIST_VMS, &lv) < 0) {
			err_msg("VMM_LIST_VMS: %s", strerror(errno));
			return -1;
		}
		if (lv.count <= cap) {
			*np = lv.count;
			return 0;
		}
		cap = lv.count + 8;
	}
	err_msg("VMM_LIST_VMS: VM list keeps growing");
	return -1;
}

static void get_exits(int fd, struct top_vm *v)
{
	struct vmm_exit_stat ex[VMM_STAT_NR_REASONS];
	struct vmm_get_stats gs = { 0 };
	uint32_t i;

	memset(ex, 0, sizeof(ex));
	gs.vm_id = v->info.vm_id;
	gs.count = VMM_STAT_NR_REASONS;
	gs.buf = (uintptr_t)ex;
	if (ioctl(fd, VMM_GET_STATS, &gs) < 0)
		return;		/* gone since the list: zeros */
	v->total_exits = gs.total_exits;
	for (i = 0; i < VMM_STAT_NR_REASONS; i++)
		if (ex[i].reason < VMM_STAT_NR_REASONS)
			v->exits[ex[i].reason] = ex[i].count;
}

int top_frame_get(int fd, struct top_frame *f)
{
	struct vmm_vm_info *vms;
	uint32_t i, n;

	memset(f, 0, sizeof(*f));
	if (get_vms(fd, &vms, &n)) {
		free(vms);
		return -1;
	}
	f->t_ns = mono_ns();
	f->vm = calloc(n ? n : 1, sizeof(*f->vm));
	if (!f->vm) {
		free(vms);
		err_msg("out of memory");
		return -1;
	}
	f->n = n;
	for (i = 0; i < n; i++) {
		struct top_vm *v = &f->vm[i];

		v->info = vms[i];
		v->have_cpu = !read_proc_cpu(vms[i].pid, &v->cpu_ticks,
					     &v->guest_ticks);
		get_exits(fd, v);
		/* a VM gone since the list has no disks: not an error here */
		if (disk_snap_get_quiet(fd, vms[i].vm_id, &v->disks))
			memset(&v->disks, 0, sizeof(v->disks));
	}
	free(vms);
	return 0;
}

void top_frame_free(struct top_frame *f)
{
	uint32_t i;

	for (i = 0; i < f->n; i++)
		disk_snap_free(&f->vm[i].disks);
	free(f->vm);
	f->vm = NULL;
	f->n = 0;
}

static const struct top_vm *find_vm(const struct top_frame *f, uint32_t id,
				    uint32_t pid)
{
	uint32_t i;

	for (i = 0; f && i < f->n; i++)
		if (f->vm[i].info.vm_id == id && f->vm[i].info.pid == pid)
			return &f->vm[i];
	return NULL;
}

/* What top shows of one VM over an interval. */
struct top_row {
	bool rates;			/* a previous frame and a time span */
	double secs;
	double guest_pct, cpu_pct;	/* -1: unknown */
	double exits_s;
	double reason_s[VMM_STAT_NR_REASONS];
	double iops, mbps;
	struct vmm_disk_lat total;	/* the interval's TOTAL stage, all disks */
	uint64_t requests;
};

static void top_row(struct top_row *r, const struct top_vm *v,
		    const struct top_vm *p, double secs, long hz)
{
	struct vmm_disk_stat d;
	uint32_t i;
	unsigned int k;

	memset(r, 0, sizeof(*r));
	r->guest_pct = r->cpu_pct = -1;
	r->rates = p && secs > 0;
	r->secs = secs;
	if (r->rates && v->have_cpu && p->have_cpu && hz > 0) {
		r->guest_pct = (v->guest_ticks - p->guest_ticks) * 100.0 / hz / secs;
		r->cpu_pct = (v->cpu_ticks - p->cpu_ticks) * 100.0 / hz / secs;
	}
	if (r->rates) {
		r->exits_s = (v->total_exits - p->total_exits) / secs;
		for (k = 0; k < VMM_STAT_NR_REASONS; k++)
			r->reason_s[k] = v->exits[k] >= p->exits[k] ?
				(v->exits[k] - p->exits[k]) / secs : 0;
	}
	for (i = 0; i < v->disks.n; i++) {
		const struct vmm_disk_stat *cur = &v->disks.d[i];
		struct vmm_disk_lat l;
		unsigned int b;

		disk_delta(&d, cur, r->rates ? disk_find(&p->disks, cur) : NULL);
		r->requests += disk_requests(&d);
		if (r->rates) {
			r->iops += disk_requests(&d) / secs;
			r->mbps += disk_bytes(&d) / secs / 1e6;
		}
		disk_stage_all(&d, VMM_DISK_ST_TOTAL, &l);
		r->total.count += l.count;
		r->total.total_ns += l.total_ns;
		if (l.max_ns > r->total.max_ns)
			r->total.max_ns = l.max_ns;
		for (b = 0; b < VMM_STAT_HIST_BUCKETS; b++)
			r->total.hist[b] += l.hist[b];
	}
}

/* The three busiest exit reasons, "io:1200 mmio:300 hlt:20". */
static void top_reasons(const struct top_row *r, char *buf, size_t len)
{
	bool used[VMM_STAT_NR_REASONS] = { false };
	size_t off = 0;
	int pick;

	buf[0] = 0;
	for (pick = 0; pick < 3; pick++) {
		int best = -1;
		unsigned int k;

		for (k = 0; k < VMM_STAT_NR_REASONS; k++)
			if (!used[k] && r->reason_s[k] >= 0.5 &&
			    (best < 0 || r->reason_s[k] > r->reason_s[best]))
				best = (int)k;
		if (best < 0)
			break;
		used[best] = true;
		off += snprintf(buf + off, off < len ? len - off : 0, "%s%s:%.0f",
				pick ? " " : "", vmm_stat_reason_name(best),
				r->reason_s[best]);
	}
	if (!buf[0])
		snprintf(buf, len, "-");
}

static double frame_secs(const struct top_frame *cur, const struct top_frame *prev)
{
	return prev && cur->t_ns > prev->t_ns ? (cur->t_ns - prev->t_ns) / 1e9 : 0;
}

static void pct_cell(FILE *out, double v)
{
	if (v < 0)
		fprintf(out, " %6s", "-");
	else
		fprintf(out, " %6.1f", v);
}

void top_print_text(FILE *out, const struct top_frame *cur,
		    const struct top_frame *prev, long hz)
{
	double secs = frame_secs(cur, prev);
	uint32_t i;

	fprintf(out, "vmm top: %u VM%s", cur->n, cur->n == 1 ? "" : "s");
	if (secs > 0)
		fprintf(out, ", over %.2f s\n", secs);
	else
		fprintf(out, " (rates from the next frame)\n");
	fprintf(out, "%5s %7s %4s %6s %6s %9s %9s %9s %8s %8s %8s %8s  %s\n",
		"VMID", "PID", "VCPU", "GUEST%", "CPU%", "EXITS/s", "MEM", "RES",
		"D.IOPS", "D.MB/s", "D.LATus", "D.P99us", "EXITS/s BY REASON");
	for (i = 0; i < cur->n; i++) {
		const struct top_vm *v = &cur->vm[i];
		struct top_row r;
		char mem[32], res[32], reasons[128];

		top_row(&r, v, find_vm(prev, v->info.vm_id, v->info.pid), secs, hz);
		format_size(v->info.mem_bytes, mem, sizeof(mem));
		format_size((uint64_t)v->info.resident_pages << 12, res, sizeof(res));
		top_reasons(&r, reasons, sizeof(reasons));
		fprintf(out, "%5u %7u %4u", v->info.vm_id, v->info.pid,
			v->info.nr_vcpus);
		pct_cell(out, r.guest_pct);
		pct_cell(out, r.cpu_pct);
		if (r.rates)
			fprintf(out, " %9.0f", r.exits_s);
		else
			fprintf(out, " %9s", "-");
		fprintf(out, " %9s %9s", mem, res);
		if (r.rates)
			fprintf(out, " %8.0f %8.2f", r.iops, r.mbps);
		else
			fprintf(out, " %8s %8s", "-", "-");
		if (r.total.count)
			fprintf(out, " %8.1f %8.1f",
				(double)r.total.total_ns / r.total.count / 1000.0,
				disk_lat_pct(&r.total, 99) / 1000.0);
		else
			fprintf(out, " %8s %8s", "-", "-");
		fprintf(out, "  %s\n", reasons);
	}
}

static void json_num(FILE *out, const char *key, bool have, double v)
{
	if (have)
		fprintf(out, ",\"%s\":%.2f", key, v);
	else
		fprintf(out, ",\"%s\":null", key);
}

void top_print_json(FILE *out, const struct top_frame *cur,
		    const struct top_frame *prev, long hz)
{
	double secs = frame_secs(cur, prev);
	uint32_t i;
	unsigned int k;

	fprintf(out, "{\"t_ns\":%llu,\"interval_s\":%.3f,\"vms\":[",
		(unsigned long long)cur->t_ns, secs);
	for (i = 0; i < cur->n; i++) {
		const struct top_vm *v = &cur->vm[i];
		const struct top_vm *p = find_vm(prev, v->info.vm_id, v->info.pid);
		struct vmm_disk_stat *dd;
		struct top_row r;
		bool first = true;
		uint32_t j;

		top_row(&r, v, p, secs, hz);
		fprintf(out, "%s{\"vm_id\":%u,\"pid\":%u,\"vcpus\":%u,"
			"\"mem_bytes\":%llu,\"resident_bytes\":%llu,"
			"\"cpu_ticks\":%llu,\"guest_ticks\":%llu,\"exits\":%llu",
			i ? "," : "", v->info.vm_id, v->info.pid, v->info.nr_vcpus,
			(unsigned long long)v->info.mem_bytes,
			(unsigned long long)v->info.resident_pages << 12,
			(unsigned long long)v->cpu_ticks,
			(unsigned long long)v->guest_ticks,
			(unsigned long long)v->total_exits);
		json_num(out, "guest_pct", r.guest_pct >= 0, r.guest_pct);
		json_num(out, "cpu_pct", r.cpu_pct >= 0, r.cpu_pct);
		json_num(out, "exits_per_s", r.rates, r.exits_s);
		fputs(",\"exits_per_s_by_reason\":{", out);
		for (k = 0; r.rates && k < VMM_STAT_NR_REASONS; k++) {
			if (r.reason_s[k] <= 0)
				continue;
			fprintf(out, "%s\"%s\":%.2f", first ? "" : ",",
				vmm_stat_reason_name(k), r.reason_s[k]);
			first = false;
		}
		fputc('}', out);
		json_num(out, "disk_iops", r.rates, r.iops);
		json_num(out, "disk_mbps", r.rates, r.mbps);
		json_num(out, "disk_lat_avg_us", r.total.count != 0, r.total.count ?
			 (double)r.total.total_ns / r.total.count / 1000.0 : 0);
		json_num(out, "disk_lat_p99_us", r.total.count != 0,
			 disk_lat_pct(&r.total, 99) / 1000.0);
		/* each disk over the interval (cumulative in the first frame) */
		dd = calloc(v->disks.n ? v->disks.n : 1, sizeof(*dd));
		for (j = 0; dd && j < v->disks.n; j++)
			disk_delta(&dd[j], &v->disks.d[j], r.rates ?
				   disk_find(p ? &p->disks : NULL, &v->disks.d[j]) : NULL);
		fputs(",\"disks\":", out);
		if (dd)
			disk_table_json(out, dd, v->disks.n, r.rates ? secs : 0,
					v->disks.now_ns);
		else
			fputs("[]", out);
		free(dd);
		fputc('}', out);
	}
	fputs("]}\n", out);
}

int cmd_top(bool json, unsigned int interval_ms, unsigned int iterations)
{
	struct top_frame prev = { 0 }, cur;
	bool tty = isatty(STDOUT_FILENO);
	long hz = sysconf(_SC_CLK_TCK);
	unsigned int it;
	int fd;

	fd = vmm_open_dev();
	if (fd < 0)
		return EXIT_HOST_ERROR;
	for (it = 0; !iterations || it < iterations; it++) {
		struct timespec ts;

		if (top_frame_get(fd, &cur)) {
			top_frame_free(&prev);
			close(fd);
			return EXIT_HOST_ERROR;
		}
		if (json) {
			top_print_json(stdout, &cur, it ? &prev : NULL, hz);
		} else {
			if (tty)
				fputs("\033[H\033[2J", stdout);
			else if (it)
				fputc('\n', stdout);
			top_print_text(stdout, &cur, it ? &prev : NULL, hz);
		}
		fflush(stdout);
		top_frame_free(&prev);
		prev = cur;
		if (iterations && it + 1 >= iterations)
			break;
		ts.tv_sec = interval_ms / 1000;
		ts.tv_nsec = (long)(interval_ms % 1000) * 1000000L;
		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
	top_frame_free(&prev);
	close(fd);
	return 0;
}
