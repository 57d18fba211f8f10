// SPDX-License-Identifier: GPL-2.0
/*
 * vmmctl balloon: read or set the memory balloon of a running VM by its
 * id (VMM_BALLOON on /dev/vmm, as `vmmctl stat` reaches VMs), and the
 * balloon lines of `vmmctl stat`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmmctl.h"
#include "util.h"

const char usage_balloon[] =
"Usage: vmmctl balloon [--json] VMID [SIZE]\n"
"\n"
"Show the memory balloon of the running VM VMID (started with\n"
"`vmmctl run --balloon`), or with SIZE set its target: the guest's\n"
"virtio-balloon driver then inflates toward SIZE (the host frees the guest\n"
"memory it hands over) or deflates (SIZE 0 gives it all back). SIZE is a\n"
"multiple of 4K and takes the suffixes K, M, G. Only the VM's creator (or\n"
"root) may set it. Shown: the target, the balloon the guest reports, the\n"
"host memory freed for it and by free page reporting, and the guest's\n"
"last memory statistics (a fresh set is asked for each time).\n"
"\n"
"Options:\n"
"  -j, --json   print JSON\n"
"  -h, --help   show this text\n";

static const char *const stat_names[VMM_BALLOON_NR_STATS] = {
	"swap_in", "swap_out", "major_faults", "minor_faults", "free",
	"total", "available", "caches", "hugetlb_allocs", "hugetlb_failures",
};

/* Memory statistics are bytes; the others counts. */
static bool stat_is_bytes(unsigned int i)
{
	return i == 0 || i == 1 || (i >= 4 && i <= 7);
}

int balloon_query(int fd, uint32_t vm_id, struct vmm_balloon *b)
{
	memset(b, 0, sizeof(*b));
	b->vm_id = vm_id;
	if (ioctl(fd, VMM_BALLOON, b) == 0)
		return 0;
	return errno == ENODEV ? 1 : -1;
}

void balloon_print_text(const struct vmm_balloon *b, uint32_t vm_id, FILE *out)
{
	char t[32], a[32], f[32], r[32];

	format_size(b->target_bytes, t, sizeof(t));
	format_size(b->actual_bytes, a, sizeof(a));
	format_size(b->freed_bytes, f, sizeof(f));
	format_size(b->reported_bytes, r, sizeof(r));
	fprintf(out, "  VM %u balloon: target %s, actual %s, freed %s, reported %s\n",
		vm_id, t, a, f, r);
}

void balloon_print_json(const struct vmm_balloon *b, FILE *out)
{
	unsigned int i;
	bool first = true;

	fprintf(out, "{\"target_bytes\":%llu,\"actual_bytes\":%llu,"
		"\"freed_bytes\":%llu,\"reported_bytes\":%llu,"
		"\"inflated_pages\":%llu,\"deflated_pages\":%llu,"
		"\"stats_updates\":%llu,\"stats\":{",
		(unsigned long long)b->target_bytes,
		(unsigned long long)b->actual_bytes,
		(unsigned long long)b->freed_bytes,
		(unsigned long long)b->reported_bytes,
		(unsigned long long)b->inflated_pages,
		(unsigned long long)b->deflated_pages,
		(unsigned long long)b->stats_updates);
	for (i = 0; i < VMM_BALLOON_NR_STATS; i++) {
		if (!(b->stats_valid & (1u << i)) || !stat_names[i])
			continue;
		fprintf(out, "%s\"%s\":%llu", first ? "" : ",", stat_names[i],
			(unsigned long long)b->stats[i]);
		first = false;
	}
	fputs("}}", out);
}

int balloon_main(int argc, char **argv)
{
	uint64_t id = 0, size = 0;
	bool json = false, have_id = false, have_size = false;
	struct vmm_balloon b;
	unsigned int i;
	int a, fd, r;

	for (a = 1; a < argc; a++) {
		const char *s = argv[a];

		if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
			fputs(usage_balloon, stdout);
			return 0;
		}
		if (!strcmp(s, "-j") || !strcmp(s, "--json")) {
			json = true;
		} else if (s[0] == '-' && s[1]) {
			usage_error("balloon: unknown option '%s'", s);
			return EXIT_USAGE;
		} else if (!have_id) {
			if (parse_u64(s, false, &id) || !id || id > UINT32_MAX) {
				usage_error("balloon: invalid VM id '%s'", s);
				return EXIT_USAGE;
			}
			have_id = true;
		} else if (!have_size) {
			if (parse_u64(s, true, &size) || (size & 0xfff) ||
			    size >> 12 > UINT32_MAX) {
				usage_error("balloon: SIZE must be a multiple of 4K below 16T, not '%s'", s);
				return EXIT_USAGE;
			}
			have_size = true;
		} else {
			usage_error("balloon: unexpected argument '%s'", s);
			return EXIT_USAGE;
		}
	}
	if (!have_id) {
		usage_error("balloon: missing VM id");
		return EXIT_USAGE;
	}
	fd = vmm_open_dev();
	if (fd < 0)
		return EXIT_HOST_ERROR;
	memset(&b, 0, sizeof(b));
	b.vm_id = (uint32_t)id;
	b.flags = VMM_BALLOON_REFRESH;
	if (have_size) {
		b.flags |= VMM_BALLOON_SET_TARGET;
		b.target_bytes = size;
	}
	r = ioctl(fd, VMM_BALLOON, &b);
	close(fd);
	if (r < 0) {
		if (errno == ENOENT)
			err_msg("balloon: no VM %u", (uint32_t)id);
		else if (errno == ENODEV)
			err_msg("balloon: VM %u has no balloon (vmmctl run --balloon)",
				(uint32_t)id);
		else
			err_msg("balloon: VMM_BALLOON: %s", strerror(errno));
		return EXIT_HOST_ERROR;
	}
	if (json) {
		balloon_print_json(&b, stdout);
		fputc('\n', stdout);
		return 0;
	}
	balloon_print_text(&b, (uint32_t)id, stdout);
	for (i = 0; i < VMM_BALLOON_NR_STATS; i++) {
		char v[32];

		if (!(b.stats_valid & (1u << i)) || !stat_names[i])
			continue;
		if (stat_is_bytes(i))
			format_size(b.stats[i], v, sizeof(v));
		else
			snprintf(v, sizeof(v), "%llu", (unsigned long long)b.stats[i]);
		printf("    guest %-16s %s\n", stat_names[i], v);
	}
	return 0;
}
