// SPDX-License-Identifier: GPL-2.0
/*
 * kvmrun: run a vmm guest payload (a flat real-mode image, as vmmctl
 * runs it) under Linux KVM, to compare exit round-trip costs.
 *
 * Same conventions as vmmctl: RAM at gpa 0, image at 0x8000, real-mode
 * start with CS = (entry >> 4) & 0xf000, IP = entry & 0xffff, one vCPU,
 * no in-kernel irqchip unless --irqchip asks for one (then the IOAPIC at
 * 0xfec00000 is KVM's in-kernel MMIO device; a HLT waits for an interrupt
 * that never comes, so payloads end through port 0xf4). Emulated here: the UART (THR output to stdout,
 * LSR always ready, scratch register), the exit port 0xf4, the MMIO
 * scratch register at 0xd0000000. KVM handles CPUID and hypercalls.
 *
 * Exit status: the guest's 0xf4 value; 0 on HLT; 70 on triple fault;
 * 1 on error; 2 on usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define LOAD_ADDR	0x8000ULL
#define ENTRY_ADDR	0x8000ULL
#define TSS_ADDR	0xfffbd000UL	/* Intel real mode: 3 pages, not RAM */

#define PORT_UART_THR	0x3f8
#define PORT_UART_LSR	0x3fd
#define PORT_UART_SCR	0x3ff
#define PORT_EXIT	0xf4
#define PORT_IGNORED	0xf5
#define UART_LSR_READY	0x60		/* THRE | TEMT */

#define EXIT_ERROR	1
#define EXIT_USAGE	2
#define EXIT_SHUTDOWN	70

static const char usage[] =
"Usage: kvmrun --image FILE [--mem SIZE] [--irqchip]\n"
"\n"
"Run the flat image FILE (loaded and entered at 0x8000 in real mode) under\n"
"KVM with SIZE bytes of RAM at gpa 0 (1M..64G, default 16M).\n"
"--irqchip: with KVM's in-kernel irqchip (KVM_CREATE_IRQCHIP).\n"
"Exit status: the guest's port 0xf4 value; 0 on HLT; 70 on triple fault;\n"
"1 on error; 2 on usage error.\n";

static void __attribute__((format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("kvmrun: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_ERROR);
}

static void __attribute__((format(printf, 1, 2))) usage_die(const char *fmt, ...)
{
	va_list ap;

	fputs("kvmrun: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see kvmrun --help)\n", stderr);
	exit(EXIT_USAGE);
}

static uint8_t uart_scr;
static struct scratch_reg scratch;

static void set_cpuid(int kvm, int vcpu)
{
	struct kvm_cpuid2 *cpuid = NULL;
	unsigned int nent = 64;

	for (;;) {
		cpuid = realloc(cpuid, sizeof(*cpuid) +
				nent * sizeof(struct kvm_cpuid_entry2));
		if (!cpuid)
			die("out of memory");
		memset(cpuid, 0, sizeof(*cpuid));
		cpuid->nent = nent;
		if (!ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid))
			break;
		if (errno != E2BIG || nent >= 4096)
			die("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		nent *= 2;
	}
	if (ioctl(vcpu, KVM_SET_CPUID2, cpuid))
		die("KVM_SET_CPUID2: %s", strerror(errno));
	free(cpuid);
}

static uint64_t io_in(uint16_t port, unsigned int size)
{
	switch (port) {
	case PORT_UART_LSR:
		if (size == 1)
			return UART_LSR_READY;
		break;
	case PORT_UART_SCR:
		if (size == 1)
			return uart_scr;
		break;
	}
	return ones_of_size(size);
}

/* Returns -1 to go on, else the exit status. */
static int io_out(uint16_t port, unsigned int size, uint64_t val)
{
	switch (port) {
	case PORT_UART_THR:
		putchar((int)(val & 0xff));
		if ((val & 0xff) == '\n')
			fflush(stdout);
		break;
	case PORT_UART_SCR:
		uart_scr = (uint8_t)val;
		break;
	case PORT_EXIT:
		return (int)(val & 0xff);
	case PORT_IGNORED:
	default:
		break;
	}
	(void)size;
	return -1;
}

static int handle_io(struct kvm_run *run)
{
	uint8_t *p = (uint8_t *)run + run->io.data_offset;
	unsigned int size = run->io.size, i;

	for (i = 0; i < run->io.count; i++, p += size) {
		uint64_t v = 0;

		if (run->io.direction == KVM_EXIT_IO_IN) {
			v = io_in(run->io.port, size);
			memcpy(p, &v, size);
		} else {
			int ret;

			memcpy(&v, p, size);
			ret = io_out(run->io.port, size, v);
			if (ret >= 0)
				return ret;
		}
	}
	return -1;
}

static void handle_mmio(struct kvm_run *run)
{
	uint64_t gpa = run->mmio.phys_addr, v = 0;
	unsigned int len = run->mmio.len;

	if (len > 8)
		len = 8;
	if (run->mmio.is_write) {
		memcpy(&v, run->mmio.data, len);
		if (scratch_overlaps(&scratch, gpa, len))
			scratch_write(&scratch, gpa, len, v);
	} else {
		if (scratch_overlaps(&scratch, gpa, len))
			v = scratch_read(&scratch, gpa, len);
		else
			v = ones_of_size(len);
		memcpy(run->mmio.data, &v, len);
	}
}

int main(int argc, char **argv)
{
	struct kvm_userspace_memory_region region = { 0 };
	const char *image = NULL;
	uint64_t mem_size = 16ULL << 20;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	struct stat st;
	int kvm, vm, vcpu, img, i, run_size, ret;
	uint16_t sel;
	uint8_t *mem;
	int irqchip = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage, stdout);
			return 0;
		}
		if (!strcmp(a, "--irqchip")) {
			irqchip = 1;
			continue;
		}
		if (!strncmp(a, "--image=", 8) || !strncmp(a, "--mem=", 6)) {
			val = strchr(a, '=') + 1;
		} else if (!strcmp(a, "--image") || !strcmp(a, "--mem")) {
			if (i + 1 >= argc)
				usage_die("option '%s' needs a value", a);
			val = argv[++i];
		} else {
			usage_die("unknown argument '%s'", a);
		}
		if (!strncmp(a, "--image", 7)) {
			image = val;
		} else if (parse_u64(val, true, &mem_size) ||
			   mem_size < (1ULL << 20) || mem_size > (64ULL << 30) ||
			   (mem_size & 0xfff)) {
			usage_die("invalid --mem '%s' (1M..64G, multiple of 4K)",
				  val);
		}
	}
	if (!image)
		usage_die("missing --image FILE");
	img = open(image, O_RDONLY);
	if (img < 0)
		usage_die("cannot open image '%s': %s", image, strerror(errno));
	if (fstat(img, &st) || !S_ISREG(st.st_mode) || !st.st_size)
		usage_die("image '%s' is not a non-empty regular file", image);
	if ((uint64_t)st.st_size > mem_size - LOAD_ADDR)
		usage_die("image '%s' does not fit in guest memory", image);

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("cannot open /dev/kvm: %s (is kvm loaded?)",
		    strerror(errno));
	ret = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION)
		die("KVM API version %d, want %d", ret, KVM_API_VERSION);
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM: %s", strerror(errno));
	if (ioctl(vm, KVM_SET_TSS_ADDR, TSS_ADDR) < 0)
		fprintf(stderr, "kvmrun: KVM_SET_TSS_ADDR: %s (ignored)\n",
			strerror(errno));

	if (irqchip && ioctl(vm, KVM_CREATE_IRQCHIP, 0))
		die("KVM_CREATE_IRQCHIP: %s", strerror(errno));

	mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap of %llu bytes: %s", (unsigned long long)mem_size,
		    strerror(errno));
	region.slot = 0;
	region.guest_phys_addr = 0;
	region.memory_size = mem_size;
	region.userspace_addr = (uintptr_t)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region))
		die("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
	for (off_t done = 0; done < st.st_size;) {
		ssize_t n = pread(img, mem + LOAD_ADDR + done,
				  st.st_size - done, done);

		if (n <= 0)
			die("reading '%s': %s", image,
			    n ? strerror(errno) : "short read");
		done += n;
	}
	close(img);

	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("KVM_CREATE_VCPU: %s", strerror(errno));
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < (int)sizeof(*run))
		die("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu,
		   0);
	if (run == MAP_FAILED)
		die("mmap of kvm_run: %s", strerror(errno));
	set_cpuid(kvm, vcpu);

	if (ioctl(vcpu, KVM_GET_SREGS, &sregs))
		die("KVM_GET_SREGS: %s", strerror(errno));
	sel = (ENTRY_ADDR >> 4) & 0xf000;
	sregs.cs.selector = sel;
	sregs.cs.base = (uint64_t)sel << 4;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs))
		die("KVM_SET_SREGS: %s", strerror(errno));
	memset(&regs, 0, sizeof(regs));
	regs.rip = ENTRY_ADDR & 0xffff;
	regs.rflags = 0x2;
	if (ioctl(vcpu, KVM_SET_REGS, &regs))
		die("KVM_SET_REGS: %s", strerror(errno));

	scratch_init(&scratch, SCRATCH_MMIO_BASE);
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("KVM_RUN: %s", strerror(errno));
		}
		ret = -1;
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			ret = handle_io(run);
			break;
		case KVM_EXIT_MMIO:
			handle_mmio(run);
			break;
		case KVM_EXIT_HLT:
			ret = 0;
			break;
		case KVM_EXIT_SHUTDOWN:
			fflush(stdout);
			fprintf(stderr, "kvmrun: guest shutdown (triple fault)\n");
			ret = EXIT_SHUTDOWN;
			break;
		case KVM_EXIT_INTR:
			break;
		case KVM_EXIT_FAIL_ENTRY:
			die("VM entry failed: hw reason 0x%llx",
			    (unsigned long long)
			    run->fail_entry.hardware_entry_failure_reason);
			break;
		case KVM_EXIT_INTERNAL_ERROR:
			fflush(stdout);
			fprintf(stderr, "kvmrun: internal error: suberror %u",
				run->internal.suberror);
			for (i = 0; i < (int)run->internal.ndata && i < 16; i++)
				fprintf(stderr, " 0x%llx", (unsigned long long)
					run->internal.data[i]);
			fputc('\n', stderr);
			ret = EXIT_ERROR;
			break;
		default:
			die("unhandled exit reason %u", run->exit_reason);
		}
		if (ret >= 0)
			break;
	}
	fflush(stdout);
	return ret;
}
