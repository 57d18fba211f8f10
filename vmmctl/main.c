// SPDX-License-Identifier: GPL-2.0
/*
 * vmmctl: userspace front end of the vmm hypervisor.
 *
 * This file: command-line parsing, usage text, device opening and the
 * `version` command. `run` lives in run.c, `stat` in stat.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmmctl.h"
#include "pc.h"
#include "util.h"
#include "vdi_cmd.h"
#include "top.h"

#define VMMCTL_SIZE_CHECK(cond)	_Static_assert(cond, #cond)
VMM_UAPI_SIZE_CHECKS(VMMCTL_SIZE_CHECK);

static const char usage_main[] =
"Usage: vmmctl COMMAND [OPTIONS]\n"
"\n"
"Commands:\n"
"  run      run a PC (firmware, ISO, disks, or a kernel booted directly)\n"
"           or a flat binary image in a new VM (vmmctl help run)\n"
"  stat     show exit and disk statistics of the module or of one VM\n"
"           (vmmctl help stat)\n"
"  top      a live view of every VM: CPU, exits, disks, memory (vmmctl help top)\n"
"  balloon  show or set the memory balloon of a running VM (vmmctl help balloon)\n"
"  limit    show or change a running VM's disk I/O limits (vmmctl limit --help)\n"
"  vdi      VirtualBox VDI disk images: create, info, check, compact, resize\n"
"           (vmmctl help vdi)\n"
"  version  show the vmmctl version and the vmm API versions\n"
"  help     show this text, or the help of one command: vmmctl help COMMAND\n"
"\n"
"Exit status:\n"
"  vmmctl run:  N      the guest wrote N to port 0xf4 (low 8 bits)\n"
"               0      the guest halted (HLT with interrupts off)\n"
"               70     the guest triple-faulted (shutdown)\n"
"  all:         0      success (stat, version, help)\n"
"               1      host or VMM error\n"
"               2      usage error (bad option, value, command or image file)\n"
"               128+N  terminated by signal N (Ctrl-A x on a terminal: 130)\n"
"\n"
"Environment:\n"
"  VMM_DEV  device node to open instead of " VMM_DEV_DEFAULT "\n";

static const char usage_run[] =
"Usage: vmmctl run [--bios FILE] [--bios-log] [--mem SIZE] [--cpus N]\n"
"                  [--no-reboot] [--stat] [--verbose]\n"
"       vmmctl run --iso FILE [--disk FILE[,OPTS]]... [--boot cd|disk] ...\n"
"       vmmctl run --kernel FILE [--initrd FILE[,FILE...]] [--append CMDLINE] ...\n"
"       vmmctl run --image FILE [--load ADDR] [--entry ADDR] [--mem SIZE] ...\n"
"\n"
"Without --image: run a PC (N vCPUs; PIC, PIT, RTC, local APICs, IOAPIC,\n"
"i440FX/PIIX3 PCI, fw_cfg, PS/2, ACPI, COM1) that boots its firmware\n"
"(SeaBIOS) from the reset vector, or with --kernel a kernel directly: a\n"
"Linux bzImage (x86 boot protocol), a multiboot v1 kernel (ELF or a.out\n"
"kludge) or an ELF kernel with a Xen PVH entry note (an uncompressed\n"
"vmlinux), told apart by the file's content. Guest power-off ends vmmctl\n"
"with status 0; a guest reset starts the PC again.\n"
"With --image: run the flat binary FILE in a bare VM (no PC devices but\n"
"COM1), starting in real mode.\n"
"\n"
"Options:\n"
"      --bios FILE    firmware image, ends at 4 GiB (default\n"
"                     " PC_BIOS_DEFAULT ")\n"
"      --bios-log     copy the firmware's debug port (0x402) to stderr\n"
"      --kernel FILE  boot this kernel directly instead of the firmware\n"
"                     (bzImage, multiboot v1 or PVH ELF)\n"
"      --initrd FILE  initial ramdisk for --kernel; for a multiboot kernel\n"
"                     its modules, \"FILE [ARGS],FILE [ARGS]...\" (each\n"
"                     module's string is its whole text; \",,\" is a comma)\n"
"      --append STR   kernel command line (default \"console=ttyS0\"; a\n"
"                     multiboot kernel gets \"FILE STR\", as from QEMU)\n"
"      --no-reboot    a guest reset ends vmmctl (status 0)\n"
"      --iso FILE     an ISO 9660 image in a CD drive (AHCI port 0);\n"
"                     the firmware boots it first unless --boot disk\n"
"      --disk FILE[,readonly][,if=virtio[,queues=N][,legacy=off]][,iops=N][,bps=N][,burst=MS]\n"
"                     a raw disk image or\n"
"                     block device on the next AHCI port (up to 6 drives in\n"
"                     all), or with if=virtio a virtio-blk disk (up to 4;\n"
"                     N request queues, default one per vCPU up to 4;\n"
"                     transitional 1af4:1001, legacy=off: modern only);\n"
"                     iops/bps limit it to N requests/bytes a second (bps\n"
"                     takes K, M, G), burst=MS lets MS milliseconds' worth\n"
"                     through at once after idle time (default 100);\n"
"                     vmmctl limit changes them while the VM runs\n"
"      --cpu-cap PERCENT  the VM's threads use at most PERCENT of one host\n"
"                     CPU (200: two CPUs); cgroup v2 cpu.max\n"
"      --cpu-weight N, --io-weight N  the VM's share of CPU time and disk\n"
"                     time against other groups, 1..10000 (default 100);\n"
"                     cgroup v2 cpu.weight and io.weight (io.weight needs a\n"
"                     device with the BFQ scheduler or io.cost)\n"
"      --mem-limit SIZE   memory.max: guest RAM and the VM's kernel memory\n"
"                     past SIZE fail (the guest stops: out of memory)\n"
"                     With any of these four, the VM runs in the cgroup\n"
"                     VMMCTL_CGROUP_PARENT/vm-PID (default: the cgroup v2\n"
"                     mount's vmm/vm-PID), removed when vmmctl ends\n"
"      --boot cd|disk which kind of drive the firmware tries first\n"
"      --balloon      a virtio memory balloon (PCI 00:0f.0; statistics,\n"
"                     deflate on guest OOM): the host takes memory back\n"
"                     with vmmctl balloon VMID SIZE\n"
"      --balloon-report  the same, and the guest gives its free memory\n"
"                     back on its own (free page reporting)\n"
"  -c, --cpus N       PC: N vCPUs, 1..16 (default 1); vCPU 0 boots, the\n"
"                     others wait for its INIT-SIPI as on a real PC\n"
"  -i, --image FILE   flat image to copy into guest memory\n"
"      --load ADDR    guest-physical load address (default 0x8000)\n"
"      --entry ADDR   entry point: below 1 MiB and inside the image\n"
"                     (default: the load address)\n"
"  -m, --mem SIZE     guest RAM, 1M..64G, 4K-aligned (default 16M with\n"
"                     --image, else 256M; a PC gets up to 3G below 4 GiB\n"
"                     and the rest above)\n"
"  -s, --stat         print the VM's exit statistics when the guest ends\n"
"  -v, --verbose      log ignored port/MMIO accesses and halts to stderr\n"
"  -h, --help         show this text\n"
"\n"
"Numbers are decimal or 0x-prefixed hex; SIZE and ADDR accept the binary\n"
"suffixes K, M, G. Options take their value as --opt VALUE or --opt=VALUE.\n"
"\n"
"The vCPU starts with CS.selector = (entry >> 4) & 0xf000,\n"
"CS.base = selector << 4 and IP = entry & 0xffff.\n"
"\n"
"Console: what the guest sends to its UART (COM1, port 0x3f8) goes to\n"
"stdout; stdin goes to the guest. When stdin is a terminal it is put in\n"
"raw mode: Ctrl-C goes to the guest, Ctrl-A x quits (exit status 130),\n"
"Ctrl-A Ctrl-A sends Ctrl-A.\n"
"\n"
"Devices emulated by vmmctl:\n"
"  port 0xf4 OUT            the guest exits with status (value & 0xff)\n"
"  other ports              IN reads all ones, OUT is ignored\n"
"  MMIO 0xd0000000-0xd0000007  8-byte little-endian scratch register\n"
"                           (any size 1/2/4/8, any offset; initially 0)\n"
"  other MMIO               reads all ones, writes are ignored\n"
"In the kernel (bare VMs): MMIO 0xfec00000, a 4-byte scratch register\n"
"  (other sizes and 0xfec00004-0xfec0000f read 0, writes are dropped)\n"
"\n"
"Exit status: see vmmctl --help.\n";

static const char usage_stat[] =
"Usage: vmmctl stat [--json] [VMID]\n"
"\n"
"Without VMID: list the live VMs (id, creator pid, vCPUs, guest memory,\n"
"how much of it is resident (guest RAM is backed when first touched),\n"
"kernel overhead), the disk table of every live VM, and the module-wide\n"
"exit and disk statistics (all VMs, live and destroyed, since the module\n"
"was loaded). With VMID: the exit statistics and disk table of that VM\n"
"(VMID 0 means the module-wide totals).\n"
"\n"
"Each exit table row is one exit reason: count, total/avg/min/max\n"
"handling latency in TSC cycles (VM exit to next VM entry), and the\n"
"non-empty log2 latency buckets as 2^k:N (N exits took [2^k, 2^(k+1))\n"
"cycles).\n"
"\n"
"Each disk table row is one disk (d0: AHCI disk on port 0, c0: AHCI CD,\n"
"v0: virtio-blk 0) and operation: requests and errors since the disk was\n"
"attached, IOPS and MB/s averaged over that time, and the average latency\n"
"in us of each stage a request passes: parse (guest notify to submitted),\n"
"queue (to the host I/O start), host (the host I/O), irq (to the guest\n"
"interrupt), ack (to the guest's acknowledgment), total (notify to\n"
"interrupt), then the p99 of total. Stages show '-' while disk timing is\n"
"off (/sys/module/vmm/parameters/disk_timing).\n"
"\n"
"Options:\n"
"  -j, --json   print JSON instead of tables\n"
"  -h, --help   show this text\n";

static const char usage_top[] =
"Usage: vmmctl top [--json] [--interval MS] [--iterations N]\n"
"\n"
"A live view of every VM, refreshed each interval (1 s by default): vCPUs,\n"
"the share of a host CPU its process spent in the guest (GUEST%, the\n"
"guest time the host accounts, as in /proc/PID/stat and top) and in all\n"
"(CPU%), exits per second and the three most frequent reasons, guest\n"
"memory and how much is resident, and its disks' IOPS, MB/s, average and\n"
"p99 latency from guest notify to interrupt (us). Rates need two frames:\n"
"the first shows '-'.\n"
"\n"
"Options:\n"
"  -j, --json            one JSON object per frame, one per line\n"
"  -d, --interval MS     time between frames (10 to 3600000, default 1000)\n"
"  -n, --iterations N    stop after N frames (default: until interrupted)\n"
"  -h, --help            show this text\n";

static const char usage_version[] =
"Usage: vmmctl version\n"
"\n"
"Print the vmmctl version, the vmm API version it was built for and, when\n"
"the module is loaded, the module's API version.\n";

static const char usage_help[] =
"Usage: vmmctl help [COMMAND]\n"
"\n"
"Show the general usage text, or that of COMMAND (run, stat, top, vdi,\n"
"Show the general usage text, or that of COMMAND (run, stat, limit, vdi,\n"
"version).\n";

void err_msg(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("vmmctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void usage_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("vmmctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see vmmctl --help)\n", stderr);
}

static const char *dev_path(void)
{
	const char *p = getenv("VMM_DEV");

	return p && *p ? p : VMM_DEV_DEFAULT;
}

int vmm_open_dev(void)
{
	const char *path = dev_path();
	int fd, ver;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		if (e == ENOENT || e == ENODEV || e == ENXIO)
			err_msg("cannot open %s: %s (is vmm.ko loaded?)", path,
				strerror(e));
		else
			err_msg("cannot open %s: %s", path, strerror(e));
		return -1;
	}
	ver = ioctl(fd, VMM_GET_API_VERSION, 0);
	if (ver < 0) {
		err_msg("%s: VMM_GET_API_VERSION: %s (is it the vmm device?)",
			path, strerror(errno));
		close(fd);
		return -1;
	}
	if (ver != VMM_API_VERSION) {
		err_msg("%s: API version mismatch: module %d, vmmctl %d", path,
			ver, VMM_API_VERSION);
		close(fd);
		return -1;
	}
	return fd;
}

/* ------------------------------------------------------------------ */
/* Option parsing                                                      */
/* ------------------------------------------------------------------ */

struct opt_def {
	const char *name;	/* long name without "--" */
	char short_name;	/* 0 if none */
	bool has_arg;
	int id;
};

/*
 * Parse one option at argv[*i]. Returns the option id and sets *val for
 * options with an argument; 0 for a non-option argument; -1 after having
 * printed a usage error. Advances *i past what it consumed.
 */
static int next_opt(const struct opt_def *defs, int argc, char **argv,
		    int *i, const char **val, const char *cmd)
{
	const char *arg = argv[*i];
	const struct opt_def *d;
	const char *eq = NULL;
	size_t len;

	*val = NULL;
	if (arg[0] != '-' || arg[1] == '\0')
		return 0;
	if (arg[1] == '-') {
		const char *name = arg + 2;

		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		for (d = defs; d->name; d++)
			if (strlen(d->name) == len &&
			    !strncmp(d->name, name, len))
				break;
	} else {
		for (d = defs; d->name; d++)
			if (d->short_name && d->short_name == arg[1] &&
			    arg[2] == '\0')
				break;
	}
	if (!d->name) {
		usage_error("%s: unknown option '%s'", cmd, arg);
		return -1;
	}
	(*i)++;
	if (!d->has_arg) {
		if (eq) {
			usage_error("%s: option '--%s' takes no value", cmd,
				    d->name);
			return -1;
		}
		return d->id;
	}
	if (eq) {
		*val = eq + 1;
	} else {
		if (*i >= argc) {
			usage_error("%s: option '%s' needs a value", cmd, arg);
			return -1;
		}
		*val = argv[(*i)++];
	}
	if (!**val) {
		usage_error("%s: option '--%s' needs a non-empty value", cmd,
			    d->name);
		return -1;
	}
	return d->id;
}

enum {
	OPT_HELP = 1,
	OPT_IMAGE,
	OPT_LOAD,
	OPT_ENTRY,
	OPT_MEM,
	OPT_STAT,
	OPT_VERBOSE,
	OPT_BIOS,
	OPT_BIOS_LOG,
	OPT_KERNEL,
	OPT_INITRD,
	OPT_APPEND,
	OPT_NO_REBOOT,
	OPT_CPUS,
	OPT_ISO,
	OPT_DISK,
	OPT_BOOT,
	OPT_BALLOON,
	OPT_BALLOON_REPORT,
	OPT_JSON,
	OPT_INTERVAL,
	OPT_ITERATIONS,
	OPT_CPU_CAP,
	OPT_CPU_WEIGHT,
	OPT_IO_WEIGHT,
	OPT_MEM_LIMIT,
};

static int parse_num_opt(const char *cmd, const char *opt, const char *val,
			 uint64_t *out)
{
	if (parse_u64(val, true, out)) {
		usage_error("%s: invalid number '%s' for --%s", cmd, val, opt);
		return -1;
	}
	return 0;
}

#define MEM_MIN		(1ULL << 20)
#define MEM_MAX		(64ULL << 30)
#define ENTRY_LIMIT	(1ULL << 20)

static int run_main(int argc, char **argv)
{
	static const struct opt_def defs[] = {
		{ "help", 'h', false, OPT_HELP },
		{ "image", 'i', true, OPT_IMAGE },
		{ "load", 0, true, OPT_LOAD },
		{ "entry", 0, true, OPT_ENTRY },
		{ "mem", 'm', true, OPT_MEM },
		{ "stat", 's', false, OPT_STAT },
		{ "verbose", 'v', false, OPT_VERBOSE },
		{ "bios", 0, true, OPT_BIOS },
		{ "bios-log", 0, false, OPT_BIOS_LOG },
		{ "kernel", 0, true, OPT_KERNEL },
		{ "initrd", 0, true, OPT_INITRD },
		{ "append", 0, true, OPT_APPEND },
		{ "no-reboot", 0, false, OPT_NO_REBOOT },
		{ "cpus", 'c', true, OPT_CPUS },
		{ "iso", 0, true, OPT_ISO },
		{ "disk", 0, true, OPT_DISK },
		{ "boot", 0, true, OPT_BOOT },
		{ "balloon", 0, false, OPT_BALLOON },
		{ "balloon-report", 0, false, OPT_BALLOON_REPORT },
		{ "cpu-cap", 0, true, OPT_CPU_CAP },
		{ "cpu-weight", 0, true, OPT_CPU_WEIGHT },
		{ "io-weight", 0, true, OPT_IO_WEIGHT },
		{ "mem-limit", 0, true, OPT_MEM_LIMIT },
		{ NULL, 0, false, 0 },
	};
	const char *iso = NULL, *boot = NULL;
	struct disk_spec disks[DISK_MAX];
	unsigned int n_disks = 0, n_virtio = 0, d;
	int ret;
	struct run_opts o = {
		.load = 0x8000,
		.bios = PC_BIOS_DEFAULT,
	};
	bool have_mem = false;
	bool have_entry = false;
	uint64_t cpus = 1, num;
	int i = 1;

	while (i < argc) {
		const char *val;
		int id = next_opt(defs, argc, argv, &i, &val, "run");
		int opt = id;

		switch (id) {
		case -1:
			return EXIT_USAGE;
		case 0:
			usage_error("run: unexpected argument '%s'", argv[i]);
			return EXIT_USAGE;
		case OPT_HELP:
			fputs(usage_run, stdout);
			return 0;
		case OPT_IMAGE:
			o.image = val;
			break;
		case OPT_LOAD:
			if (parse_num_opt("run", "load", val, &o.load))
				return EXIT_USAGE;
			break;
		case OPT_ENTRY:
			if (parse_num_opt("run", "entry", val, &o.entry))
				return EXIT_USAGE;
			have_entry = true;
			break;
		case OPT_MEM:
			if (parse_num_opt("run", "mem", val, &o.mem))
				return EXIT_USAGE;
			have_mem = true;
			break;
		case OPT_BIOS:
			o.bios = val;
			break;
		case OPT_BIOS_LOG:
			o.bios_log = true;
			break;
		case OPT_KERNEL:
			o.kernel = val;
			break;
		case OPT_INITRD:
			o.initrd = val;
			break;
		case OPT_APPEND:
			o.append = val;
			break;
		case OPT_NO_REBOOT:
			o.no_reboot = true;
			break;
		case OPT_CPUS:
			if (parse_num_opt("run", "cpus", val, &cpus))
				return EXIT_USAGE;
			if (cpus < 1 || cpus > VMM_MAX_VCPUS) {
				usage_error("run: --cpus must be 1..%d",
					    VMM_MAX_VCPUS);
				return EXIT_USAGE;
			}
			break;
		case OPT_ISO:
			iso = val;
			break;
		case OPT_DISK:
			if (n_disks == DISK_MAX) {
				usage_error("run: at most %d drives", DISK_MAX);
				return EXIT_USAGE;
			}
			if (disk_parse(val, &disks[n_disks]))
				return EXIT_USAGE;
			n_disks++;
			break;
		case OPT_BOOT:
			if (strcmp(val, "cd") && strcmp(val, "disk")) {
				usage_error("run: --boot takes cd or disk, not '%s'", val);
				return EXIT_USAGE;
			}
			boot = val;
			break;
		case OPT_STAT:
			o.stat = true;
			break;
		case OPT_VERBOSE:
			o.verbose = true;
			break;
		case OPT_BALLOON_REPORT:
			o.balloon_report = true;
			/* fall through */
		case OPT_BALLOON:
			o.balloon = true;
			break;
		case OPT_CPU_CAP:
			if (parse_num_opt("run", "cpu-cap", val, &num))
				return EXIT_USAGE;
			if (!num || num > 100 * VMM_MAX_VCPUS) {
				usage_error("run: --cpu-cap is a percentage of one host CPU, 1..%d",
					    100 * VMM_MAX_VCPUS);
				return EXIT_USAGE;
			}
			o.cg.cpu_cap = num;
			break;
		case OPT_CPU_WEIGHT:
		case OPT_IO_WEIGHT:
			if (parse_num_opt("run", opt == OPT_CPU_WEIGHT ?
					  "cpu-weight" : "io-weight", val, &num))
				return EXIT_USAGE;
			if (!num || num > 10000) {
				usage_error("run: --%s must be 1..10000 (the default is 100)",
					    opt == OPT_CPU_WEIGHT ? "cpu-weight" : "io-weight");
				return EXIT_USAGE;
			}
			if (opt == OPT_CPU_WEIGHT)
				o.cg.cpu_weight = num;
			else
				o.cg.io_weight = num;
			break;
		case OPT_MEM_LIMIT:
			if (parse_num_opt("run", "mem-limit", val, &num))
				return EXIT_USAGE;
			if (num < MEM_MIN) {
				usage_error("run: --mem-limit must be at least 1M");
				return EXIT_USAGE;
			}
			o.cg.mem_limit = num;
			break;
		}
	}
	if (!have_mem)
		o.mem = o.image ? 16ULL << 20 : PC_MEM_DEFAULT;
	if (o.image && (o.kernel || o.initrd || o.append)) {
		usage_error("run: --kernel, --initrd and --append boot a PC, not an --image");
		return EXIT_USAGE;
	}
	if (o.image && cpus != 1) {
		usage_error("run: --cpus is for a PC, not an --image");
		return EXIT_USAGE;
	}
	o.cpus = cpus;
	if ((o.initrd || o.append) && !o.kernel) {
		usage_error("run: --initrd and --append need --kernel");
		return EXIT_USAGE;
	}
	if (o.mem < MEM_MIN || o.mem > MEM_MAX || (o.mem & 0xfff)) {
		usage_error("run: --mem must be 1M..64G and a multiple of 4K");
		return EXIT_USAGE;
	}
	if (o.image && (iso || n_disks || boot || o.balloon)) {
		usage_error("run: --iso, --disk, --boot and --balloon are for a PC, not an --image");
		return EXIT_USAGE;
	}
	if (iso && n_disks == DISK_MAX) {
		usage_error("run: at most %d drives, the --iso included", DISK_MAX);
		return EXIT_USAGE;
	}
	o.boot_disk = boot && !strcmp(boot, "disk");
	if (!have_entry)
		o.entry = o.load;
	if (o.entry >= ENTRY_LIMIT) {
		usage_error("run: --entry 0x%llx is not below 1 MiB",
			    (unsigned long long)o.entry);
		return EXIT_USAGE;
	}
	/* Every drive is checked before a VM exists. */
	if (iso) {
		o.disks[0] = (struct disk_spec){ .path = iso, .readonly = true,
						 .cdrom = true, .fd = -1 };
		o.n_disks = 1;
	}
	for (d = 0; d < n_disks; d++) {
		if (disks[d].virtio && !disks[d].queues)
			disks[d].queues = cpus < VMM_DISK_VIRTIO_QUEUES ?
					  cpus : VMM_DISK_VIRTIO_QUEUES;
		if (disks[d].virtio && ++n_virtio > VMM_DISK_VIRTIO_MAX) {
			usage_error("run: at most %d virtio disks", VMM_DISK_VIRTIO_MAX);
			return EXIT_USAGE;
		}
		o.disks[o.n_disks++] = disks[d];
	}
	for (d = 0; d < o.n_disks; d++) {
		if (disk_open(&o.disks[d])) {
			while (d--)
				disk_close(&o.disks[d]);
			return EXIT_USAGE;
		}
	}
	/*
	 * In its cgroup before the VM exists: everything is charged there.
	 * A signal between making the group and leaving it would leave the
	 * group behind: they wait until cmd_run() handles them.
	 */
	run_hold_signals(true);
	if (cg_wanted(&o.cg) && cg_enter(&o.cg)) {
		ret = EXIT_HOST_ERROR;
	} else {
		ret = cmd_run(&o);
		cg_leave();
	}
	run_hold_signals(false);
	for (d = 0; d < o.n_disks; d++)
		disk_close(&o.disks[d]);
	return ret;
}

static int stat_main(int argc, char **argv)
{
	static const struct opt_def defs[] = {
		{ "help", 'h', false, OPT_HELP },
		{ "json", 'j', false, OPT_JSON },
		{ NULL, 0, false, 0 },
	};
	bool json = false, have_id = false;
	uint64_t id = 0;
	int i = 1;

	while (i < argc) {
		const char *val;
		int opt = next_opt(defs, argc, argv, &i, &val, "stat");

		switch (opt) {
		case -1:
			return EXIT_USAGE;
		case 0:
			if (have_id) {
				usage_error("stat: unexpected argument '%s'",
					    argv[i]);
				return EXIT_USAGE;
			}
			if (parse_u64(argv[i], false, &id) || id > UINT32_MAX) {
				usage_error("stat: invalid VM id '%s'",
					    argv[i]);
				return EXIT_USAGE;
			}
			have_id = true;
			i++;
			break;
		case OPT_HELP:
			fputs(usage_stat, stdout);
			return 0;
		case OPT_JSON:
			json = true;
			break;
		}
	}
	return cmd_stat(have_id, (uint32_t)id, json);
}

static int top_main(int argc, char **argv)
{
	static const struct opt_def defs[] = {
		{ "help", 'h', false, OPT_HELP },
		{ "json", 'j', false, OPT_JSON },
		{ "interval", 'd', true, OPT_INTERVAL },
		{ "iterations", 'n', true, OPT_ITERATIONS },
		{ NULL, 0, false, 0 },
	};
	uint64_t interval = 1000, iterations = 0;
	bool json = false;
	int i = 1;

	while (i < argc) {
		const char *val;
		int opt = next_opt(defs, argc, argv, &i, &val, "top");

		switch (opt) {
		case -1:
			return EXIT_USAGE;
		case 0:
			usage_error("top: unexpected argument '%s'", argv[i]);
			return EXIT_USAGE;
		case OPT_HELP:
			fputs(usage_top, stdout);
			return 0;
		case OPT_JSON:
			json = true;
			break;
		case OPT_INTERVAL:
			if (parse_u64(val, false, &interval) || interval < 10 ||
			    interval > 3600000) {
				usage_error("top: invalid interval '%s' (10 to 3600000 ms)",
					    val);
				return EXIT_USAGE;
			}
			break;
		case OPT_ITERATIONS:
			if (parse_u64(val, false, &iterations) || !iterations ||
			    iterations > UINT32_MAX) {
				usage_error("top: invalid iteration count '%s'", val);
				return EXIT_USAGE;
			}
			break;
		}
	}
	return cmd_top(json, (unsigned int)interval, (unsigned int)iterations);
}

static int version_main(int argc, char **argv)
{
	const char *path = dev_path();
	int fd, ver;

	if (argc > 1) {
		if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
			fputs(usage_version, stdout);
			return 0;
		}
		usage_error("version: unexpected argument '%s'", argv[1]);
		return EXIT_USAGE;
	}
	printf("vmmctl %s, vmm API %d\n", VMMCTL_VERSION, VMM_API_VERSION);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("module: %s not available (%s)\n", path,
		       strerror(errno));
		return 0;
	}
	ver = ioctl(fd, VMM_GET_API_VERSION, 0);
	if (ver < 0)
		printf("module: VMM_GET_API_VERSION failed (%s)\n",
		       strerror(errno));
	else
		printf("module: vmm API %d%s\n", ver,
		       ver == VMM_API_VERSION ? "" : " (MISMATCH)");
	close(fd);
	return 0;
}

static const struct {
	const char *name;
	const char *usage;
} cmd_usages[] = {
	{ "run", usage_run },
	{ "stat", usage_stat },
	{ "top", usage_top },
	{ "balloon", usage_balloon },
	{ "limit", usage_limit },
	{ "vdi", usage_vdi },
	{ "version", usage_version },
	{ "help", usage_help },
};

static int help_main(int argc, char **argv)
{
	unsigned int i;

	if (argc < 2) {
		fputs(usage_main, stdout);
		return 0;
	}
	if (argc > 2) {
		usage_error("help: unexpected argument '%s'", argv[2]);
		return EXIT_USAGE;
	}
	for (i = 0; i < sizeof(cmd_usages) / sizeof(cmd_usages[0]); i++) {
		if (!strcmp(argv[1], cmd_usages[i].name)) {
			fputs(cmd_usages[i].usage, stdout);
			return 0;
		}
	}
	usage_error("help: unknown command '%s'", argv[1]);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2) {
		usage_error("missing command");
		return EXIT_USAGE;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") ||
	    !strcmp(cmd, "help"))
		return help_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version"))
		return version_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "run"))
		return run_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "stat"))
		return stat_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "top"))
		return top_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "balloon"))
		return balloon_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "limit"))
		return limit_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "vdi"))
		return vdi_main(argc - 1, argv + 1);
	if (cmd[0] == '-')
		usage_error("unknown option '%s'", cmd);
	else
		usage_error("unknown command '%s'", cmd);
	return EXIT_USAGE;
}
