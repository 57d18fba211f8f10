// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of vmmctl's disk table and top frames (diskstat.c, top.c) on
 * made-up numbers: no device. Prints KTAP.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "vmmctl.h"
#include "diskstat.h"
#include "top.h"

static int n, failed;

/* diskstat.c and top.c report errors through main.c's err_msg */
void err_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int vmm_open_dev(void)
{
	return -1;
}

static void result(int ok, const char *desc)
{
	n++;
	if (!ok)
		failed++;
	printf("%s %d %s\n", ok ? "ok" : "not ok", n, desc);
}

/* Output of a formatter into a string (static buffer). */
static char *capture(void (*fn)(FILE *, void *), void *arg)
{
	static char buf[1 << 16];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	memset(buf, 0, sizeof(buf));
	fn(f, arg);
	fclose(f);
	return buf;
}

static void lat(struct vmm_disk_lat *l, uint64_t count, uint64_t each_ns)
{
	unsigned int b = 63 - __builtin_clzll(each_ns | 1);

	l->count = count;
	l->total_ns = count * each_ns;
	l->min_ns = each_ns;
	l->max_ns = each_ns;
	l->hist[b < VMM_STAT_HIST_BUCKETS ? b : VMM_STAT_HIST_BUCKETS - 1] = count;
}

static void mkdisk(struct vmm_disk_stat *d, uint32_t vm, uint32_t type,
		   uint32_t port, uint64_t reads)
{
	struct vmm_disk_op_stat *o = &d->op[VMM_DISK_OP_READ];

	memset(d, 0, sizeof(*d));
	d->vm_id = vm;
	d->type = type;
	d->port = port;
	d->flags = VMM_DISK_STAT_TIMED;
	d->since_ns = 1000000000ULL;
	o->requests = reads;
	o->bytes = reads * 4096;
	lat(&o->stage[VMM_DISK_ST_PARSE], reads, 2000);
	lat(&o->stage[VMM_DISK_ST_HOST], reads, 50000);
	lat(&o->stage[VMM_DISK_ST_IRQ], reads, 1000);
	lat(&o->stage[VMM_DISK_ST_ACK], reads, 8000);
	lat(&o->stage[VMM_DISK_ST_TOTAL], reads, 53000);
}

static struct vmm_disk_stat disks[2];

static void text2(FILE *f, void *arg)
{
	(void)arg;
	/* counting since 1 s, now 3 s: 2 s */
	disk_table_text(f, disks, 2, 0, 3000000000ULL);
}

static void json2(FILE *f, void *arg)
{
	(void)arg;
	disk_table_json(f, disks, 2, 2.0, 0);
}

static void test_table(void)
{
	char *s;

	mkdisk(&disks[0], 1, VMM_DISK_AHCI_DISK, 0, 1000);
	mkdisk(&disks[1], 1, VMM_DISK_VIRTIO_BLK, 2, 400);
	disks[1].op[VMM_DISK_OP_WRITE].requests = 10;
	disks[1].op[VMM_DISK_OP_WRITE].errors = 1;
	s = capture(text2, NULL);
	result(strstr(s, "requests") && strstr(s, "parse") && strstr(s, "total") &&
	       strstr(s, "p99"), "text table header");
	/* 1000 reads over 2 s: 500 IOPS, 2.05 MB/s; avg stages in us */
	result(strstr(s, "d0     read") && strstr(s, "1000") && strstr(s, "500") &&
	       strstr(s, "2.05") && strstr(s, "50.0") && strstr(s, "53.0"),
	       "text row: rates since attach and stage averages");
	result(strstr(s, "v2     read") && strstr(s, "v2     write") != NULL,
	       "text rows per disk and operation");
	/* an empty stage (queue) shows '-' */
	result(strstr(s, "      -") != NULL, "text empty stage is '-'");
	s = capture(json2, NULL);
	result(s[0] == '[' && s[strlen(s) - 1] == ']' &&
	       strstr(s, "\"name\":\"d0\"") && strstr(s, "\"type\":\"virtio-blk\"") &&
	       strstr(s, "\"iops\":500.00") && strstr(s, "\"requests\":1000"),
	       "json disks with rates over the interval");
	result(strstr(s, "\"total\":{\"count\":1000,\"total_ns\":53000000") &&
	       strstr(s, "\"errors\":1") && strstr(s, "\"timed\":true"),
	       "json stages and errors");
}

static void empty(FILE *f, void *arg)
{
	(void)arg;
	disk_table_text(f, disks, 0, 0, 0);
}

static void norates(FILE *f, void *arg)
{
	(void)arg;
	disk_table_json(f, disks, 1, 0, 0);
}

static void test_edges(void)
{
	struct vmm_disk_lat l;
	struct vmm_disk_stat d;
	char name[16];
	char *s;

	s = capture(empty, NULL);
	result(strstr(s, "(no disk requests)") != NULL, "text with no requests");
	disks[0].since_ns = 0;
	s = capture(norates, NULL);
	result(strstr(s, "\"iops\":null") != NULL, "json unknown rate is null");
	memset(&l, 0, sizeof(l));
	result(disk_lat_pct(&l, 99) == 0, "percentile of an empty stage");
	l.count = 100;
	l.hist[10] = 98;		/* [1024, 2048) */
	l.hist[16] = 2;			/* [65536, 131072) */
	l.max_ns = 70000;
	result(disk_lat_pct(&l, 50) == 2048 && disk_lat_pct(&l, 98) == 2048 &&
	       disk_lat_pct(&l, 99) == 70000, "percentiles: bucket edges, capped by max");
	mkdisk(&disks[1], 3, VMM_DISK_AHCI_CDROM, 1, 10);
	mkdisk(&d, 3, VMM_DISK_AHCI_CDROM, 1, 25);
	disk_delta(&d, &d, &disks[1]);
	result(d.op[0].requests == 15 && d.op[0].stage[VMM_DISK_ST_TOTAL].count == 15 &&
	       d.op[0].stage[VMM_DISK_ST_TOTAL].total_ns == 15 * 53000ULL,
	       "delta of two snapshots");
	result(!strcmp(disk_name(&d, name, sizeof(name)), "c1") &&
	       !strcmp(disk_type_name(VMM_DISK_TYPE_ALL), "all") &&
	       !strcmp(disk_op_name(VMM_DISK_OP_WRITE_ZEROES), "write_zeroes") &&
	       !strcmp(disk_stage_name(VMM_DISK_ST_ACK), "ack"), "names");
}

static void test_proc_stat(void)
{
	/* a comm with spaces and parentheses; utime 14, stime 15, guest 43 */
	const char *line = "1234 (vmm (x) y) S 1 2 3 4 5 6 7 8 9 10 100 20 0 0 20 0 3 0 "
			   "500 1000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 "
			   "0 0 0 77 0 0";
	uint64_t cpu = 0, guest = 0;

	result(!top_parse_proc_stat(line, &cpu, &guest) && cpu == 120 && guest == 77,
	       "proc stat: utime+stime and guest_time");
	result(top_parse_proc_stat("1 (x) S 1 2", &cpu, &guest) == -1 &&
	       top_parse_proc_stat("garbage", &cpu, &guest) == -1,
	       "proc stat: short or broken lines refused");
}

static struct top_frame f0, f1;

static void toptext(FILE *f, void *arg)
{
	top_print_text(f, &f1, arg ? &f0 : NULL, 100);
}

static void topjson(FILE *f, void *arg)
{
	(void)arg;
	top_print_json(f, &f1, &f0, 100);
}

static void test_top(void)
{
	static struct top_vm a, b;
	char *s;

	a.info.vm_id = b.info.vm_id = 4;
	a.info.pid = b.info.pid = 99;
	a.info.nr_vcpus = b.info.nr_vcpus = 2;
	a.info.mem_bytes = b.info.mem_bytes = 256 << 20;
	b.info.resident_pages = 1024;
	a.have_cpu = b.have_cpu = true;
	a.cpu_ticks = 1000; b.cpu_ticks = 1150;		/* 1.5 s over 2 s: 75% */
	a.guest_ticks = 500; b.guest_ticks = 600;	/* 50% */
	a.total_exits = 1000; b.total_exits = 5000;
	a.exits[VMM_STAT_IO] = 100; b.exits[VMM_STAT_IO] = 3100;
	a.exits[VMM_STAT_HLT] = 10; b.exits[VMM_STAT_HLT] = 1010;
	mkdisk(&disks[0], 4, VMM_DISK_AHCI_DISK, 0, 100);
	mkdisk(&disks[1], 4, VMM_DISK_AHCI_DISK, 0, 300);
	a.disks.n = b.disks.n = 1;
	a.disks.d = &disks[0];
	b.disks.d = &disks[1];
	f0.t_ns = 10000000000ULL; f0.n = 1; f0.vm = &a;
	f1.t_ns = 12000000000ULL; f1.n = 1; f1.vm = &b;
	s = capture(toptext, &f0);
	result(strstr(s, "over 2.00 s") && strstr(s, "  50.0") && strstr(s, "  75.0") &&
	       strstr(s, "2000"), "top text: guest%, cpu%, exits/s");
	result(strstr(s, "io:1500 hlt:500") && strstr(s, "100") && strstr(s, "53.0"),
	       "top text: reasons, disk IOPS and latency");
	s = capture(toptext, NULL);
	result(strstr(s, "rates from the next frame") != NULL, "top text: first frame");
	s = capture(topjson, NULL);
	result(strstr(s, "\"guest_pct\":50.00") && strstr(s, "\"disk_iops\":100.00") &&
	       strstr(s, "\"io\":1500.00") && strstr(s, "\"requests\":200") &&
	       s[strlen(s) - 1] == '\n', "top json frame");
}

int main(void)
{
	printf("KTAP version 1\n# Subtest: vmmctl_diskstat\n1..18\n");
	test_table();
	test_edges();
	test_proc_stat();
	test_top();
	printf("# vmmctl_diskstat: %d passed, %d failed\n", n - failed, failed);
	return failed ? 1 : 0;
}
