// SPDX-License-Identifier: GPL-2.0
/*
 * Multithreaded ioctl race test of /dev/vmm (static, runs in the test
 * hosts' busybox initramfs). Every round builds one VM (bare or
 * VMM_VM_PC in turn) with 1 MiB of RAM at 0 and a few real-mode
 * instructions poked in through the mmap, then races on it:
 *   - runner threads: VMM_RUN loops on vCPU 0 and on a vCPU created
 *     mid-round (the guest spins, or writes COM1 and port 0x80);
 *   - a signaller: SIGUSR1 at the runners, interrupting VMM_RUN;
 *   - a mutator: VMM_ADD_MEMORY, VMM_CREATE_VCPU, mmap/touch/munmap of
 *     the new regions, console fd read/write/poll, VMM_GET_STATS and
 *     VMM_LIST_VMS on /dev/vmm, for PC VMs VMM_ATTACH_DISK (temp file)
 *     and VMM_FW_CFG_ADD, and closes of the vCPU and console fds;
 *   - the main thread closes the VM fd (and the others) at a random
 *     moment while all that runs.
 * Every call may fail (the fd is gone, the guest has run: EBUSY, ...);
 * what is checked is that every round ends (a watchdog aborts after
 * ROUND_TIMEOUT seconds), that no VM is left at the end, and, by the
 * suite script, the kernel log and the memory counters.
 *
 * Usage: race_test [rounds [max_seconds]]   prints KTAP
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm.h"

#define DEV		"/dev/vmm"
#define GUEST_MEM	(1u << 20)
#define EXTRA_SIZE	(64u << 10)
#define ENTRY		0x1000
#define ROUND_TIMEOUT	20

static atomic_int stop;			/* the round's threads leave */
static atomic_int vcpu1 = -1;		/* vCPU 1's fd once created */
static atomic_long round_start;		/* ms, for the watchdog */
static atomic_long nr_runs, nr_exits_io, nr_intr, nr_adds, nr_vcpus, nr_maps,
		   nr_console, nr_disks;
static atomic_long cur_round;
static int dev;
static pthread_t runner_t[2];
static atomic_int runner_live[2];

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static unsigned int rnd(unsigned int *s)
{
	*s = *s * 1103515245 + 12345;
	return (*s >> 16) & 0x7fff;
}

static void on_usr1(int sig)
{
	(void)sig;
}

struct round {
	int vm, vcpu0, console;
	__u64 mem_off;
	int pc;
	unsigned int seed;
	atomic_int vm_fd;	/* -1 once the main thread closed it */
};

static int setup_vcpu(int fd)
{
	struct vmm_sregs s;
	struct vmm_regs r;

	if (ioctl(fd, VMM_GET_SREGS, &s) < 0)
		return -1;
	s.cs.selector = 0;
	s.cs.base = 0;
	if (ioctl(fd, VMM_SET_SREGS, &s) < 0 || ioctl(fd, VMM_GET_REGS, &r) < 0)
		return -1;
	r.rip = ENTRY;
	return ioctl(fd, VMM_SET_REGS, &r);
}

/* One VMM_RUN; false: the vCPU cannot run again (or its fd is gone). */
static bool run_once(int fd)
{
	struct vmm_run run;
	long r;

	memset(&run, 0, sizeof(run));
	r = ioctl(fd, VMM_RUN, &run);
	atomic_fetch_add(&nr_runs, 1);
	if (r < 0) {
		if (errno != EINTR)
			return false;	/* EBADF, ENOTTY (fd reused), ... */
		atomic_fetch_add(&nr_intr, 1);
		return true;
	}
	if (run.exit_reason == VMM_EXIT_INTR)
		atomic_fetch_add(&nr_intr, 1);
	else if (run.exit_reason == VMM_EXIT_IO)
		atomic_fetch_add(&nr_exits_io, 1);
	else
		return false;
	return true;
}

/* vCPU 1: created by the mutator at some point, maybe closed under us. */
static void *runner1(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		int fd = atomic_load(&vcpu1);

		if (fd == -2)
			break;
		if (fd < 0) {
			usleep(100);
			continue;
		}
		if (!run_once(fd))
			break;
	}
	atomic_store(&runner_live[1], 0);
	return NULL;
}

struct runner0_arg {
	int fd;
};

static void *runner0(void *arg)
{
	int fd = ((struct runner0_arg *)arg)->fd;

	while (!atomic_load(&stop) && run_once(fd))
		;
	atomic_store(&runner_live[0], 0);
	return NULL;
}

static void *signaller(void *arg)
{
	unsigned int seed = (unsigned int)(long)arg;

	while (!atomic_load(&stop) || atomic_load(&runner_live[0]) ||
	       atomic_load(&runner_live[1])) {
		int i;

		for (i = 0; i < 2; i++)
			if (atomic_load(&runner_live[i]))
				pthread_kill(runner_t[i], SIGUSR1);
		usleep(200 + rnd(&seed) % 2000);
	}
	return NULL;
}

static void *mutator(void *arg)
{
	struct round *rd = arg;
	unsigned int seed = rd->seed * 7 + 1;
	void *maps[8] = { 0 };
	int nmaps = 0, slot = 1, id = 1, i;
	char path[] = "/tmp/race-disk-XXXXXX";
	int disk = -1;

	if (rd->pc) {
		disk = mkstemp(path);
		if (disk >= 0) {
			unlink(path);
			if (ftruncate(disk, 1 << 20) < 0) {
				close(disk);
				disk = -1;
			}
		}
	}
	while (!atomic_load(&stop)) {
		int vm = atomic_load(&rd->vm_fd);

		switch (rnd(&seed) % 10) {
		case 0: {	/* another region */
			struct vmm_mem_region m = {
				.slot = slot, .gpa = 0x200000 + slot * EXTRA_SIZE,
				.size = EXTRA_SIZE,
			};

			if (vm >= 0 && slot < VMM_MAX_MEM_REGIONS &&
			    ioctl(vm, VMM_ADD_MEMORY, &m) == 0) {
				void *p = mmap(NULL, EXTRA_SIZE, PROT_READ | PROT_WRITE,
					       MAP_SHARED, vm, (off_t)m.mmap_offset);

				atomic_fetch_add(&nr_adds, 1);
				if (p != MAP_FAILED && nmaps < 8) {
					maps[nmaps++] = p;
					atomic_fetch_add(&nr_maps, 1);
				} else if (p != MAP_FAILED) {
					munmap(p, EXTRA_SIZE);
				}
			}
			slot++;
			break;
		}
		case 1: {	/* another vCPU; vCPU 1 gets a runner */
			struct vmm_create_vcpu c = { .id = id };
			int fd;

			if (vm < 0 || id >= 4)
				break;
			fd = ioctl(vm, VMM_CREATE_VCPU, &c);
			id++;
			if (fd < 0)
				break;
			atomic_fetch_add(&nr_vcpus, 1);
			setup_vcpu(fd);
			if (!atomic_compare_exchange_strong(&vcpu1, &(int){ -1 }, fd))
				close(fd);
			break;
		}
		case 2:		/* touch and drop a mapping */
			if (nmaps) {
				i = rnd(&seed) % nmaps;
				memset(maps[i], rnd(&seed), EXTRA_SIZE);
				if (rnd(&seed) & 1) {
					munmap(maps[i], EXTRA_SIZE);
					maps[i] = maps[--nmaps];
				}
			}
			break;
		case 3: {	/* the console */
			char buf[64];
			struct pollfd pf = { .fd = rd->console, .events = POLLIN | POLLOUT };

			if (poll(&pf, 1, 0) >= 0) {
				ssize_t nr = read(rd->console, buf, sizeof(buf));
				ssize_t nw = write(rd->console, "race\n", 5);

				(void)nr;
				(void)nw;
				atomic_fetch_add(&nr_console, 1);
			}
			break;
		}
		case 4: {	/* stats and the VM list */
			struct vmm_exit_stat st[VMM_STAT_NR_REASONS];
			struct vmm_vm_info info[8];
			struct vmm_get_stats gs = { .count = VMM_STAT_NR_REASONS,
						    .buf = (uintptr_t)st };
			struct vmm_list_vms l = { .count = 8, .buf = (uintptr_t)info };

			if (ioctl(dev, VMM_LIST_VMS, &l) == 0 && l.count)
				gs.vm_id = info[0].vm_id;
			ioctl(dev, VMM_GET_STATS, &gs);
			break;
		}
		case 5: {	/* PC: a disk */
			struct vmm_attach_disk a = {
				.fd = disk, .type = rnd(&seed) & 1, .port = rnd(&seed) % 6,
			};

			if (rd->pc && vm >= 0 && disk >= 0 &&
			    ioctl(vm, VMM_ATTACH_DISK, &a) == 0)
				atomic_fetch_add(&nr_disks, 1);
			break;
		}
		case 6: {	/* PC: a fw_cfg file */
			struct vmm_fw_cfg_item it = { .size = 8, .data = (uintptr_t)path };

			snprintf(it.name, sizeof(it.name), "opt/race%u", rnd(&seed) % 4);
			if (rd->pc && vm >= 0)
				ioctl(vm, VMM_FW_CFG_ADD, &it);
			break;
		}
		case 7:		/* close vCPU 1 under its runner */
			if (rnd(&seed) % 8 == 0) {
				int fd = atomic_exchange(&vcpu1, -2);

				if (fd >= 0)
					close(fd);
			}
			break;
		case 8:		/* the guest's own RAM through a fresh mapping */
			if (vm >= 0) {
				volatile unsigned char *p = mmap(NULL, GUEST_MEM, PROT_READ,
							      MAP_SHARED, vm,
							      (off_t)rd->mem_off);

				if (p != MAP_FAILED) {
					(void)p[ENTRY];
					munmap((void *)p, GUEST_MEM);
				}
			}
			break;
		default:
			usleep(rnd(&seed) % 500);
			break;
		}
	}
	for (i = 0; i < nmaps; i++)
		munmap(maps[i], EXTRA_SIZE);
	if (disk >= 0)
		close(disk);
	return NULL;
}

static void *watchdog(void *arg)
{
	(void)arg;
	for (;;) {
		long s = atomic_load(&round_start);

		sleep(1);
		if (s && now_ms() - s > ROUND_TIMEOUT * 1000) {
			printf("not ok 1 - round %ld did not end in %d s (hang)\n",
			       atomic_load(&cur_round), ROUND_TIMEOUT);
			fflush(stdout);
			_exit(2);
		}
	}
	return NULL;
}

/* spin: jmp $; io: out 0x3f8 (COM1), out 0x80 (to userspace), loop */
static const unsigned char spin[] = { 0xeb, 0xfe };
static const unsigned char io[] = {
	0xb0, 0x41, 0xba, 0xf8, 0x03, 0xee, 0xe6, 0x80, 0xeb, 0xfb,
};

static int one_round(long n, unsigned int seed)
{
	struct vmm_create_vm c = { .flags = (n & 1) ? VMM_VM_PC : 0 };
	struct vmm_mem_region m = { .slot = 0, .gpa = 0, .size = GUEST_MEM };
	struct round rd = { .pc = n & 1, .seed = seed };
	struct runner0_arg ra;
	pthread_t mt, st;
	unsigned char *mem;
	int i;

	rd.vm = ioctl(dev, VMM_CREATE_VM, &c);
	if (rd.vm < 0) {
		printf("# round %ld: VMM_CREATE_VM: %s\n", n, strerror(errno));
		return -1;
	}
	if (ioctl(rd.vm, VMM_ADD_MEMORY, &m) < 0) {
		printf("# round %ld: VMM_ADD_MEMORY: %s\n", n, strerror(errno));
		close(rd.vm);
		return -1;
	}
	mem = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE, MAP_SHARED, rd.vm,
		   (off_t)m.mmap_offset);
	if (mem == MAP_FAILED) {
		close(rd.vm);
		return -1;
	}
	if (seed & 2)
		memcpy(mem + ENTRY, io, sizeof(io));
	else
		memcpy(mem + ENTRY, spin, sizeof(spin));
	rd.vcpu0 = ioctl(rd.vm, VMM_CREATE_VCPU, &(struct vmm_create_vcpu){ .id = 0 });
	if (rd.vcpu0 < 0 || setup_vcpu(rd.vcpu0) < 0) {
		printf("# round %ld: vCPU 0: %s\n", n, strerror(errno));
		close(rd.vm);
		munmap(mem, GUEST_MEM);
		return -1;
	}
	rd.mem_off = m.mmap_offset;
	rd.console = ioctl(rd.vm, VMM_GET_CONSOLE_FD);
	if (rd.console >= 0)
		fcntl(rd.console, F_SETFL, O_NONBLOCK);
	atomic_store(&rd.vm_fd, rd.vm);
	atomic_store(&stop, 0);
	atomic_store(&vcpu1, -1);
	atomic_store(&runner_live[0], 1);
	atomic_store(&runner_live[1], 1);
	ra.fd = rd.vcpu0;
	pthread_create(&runner_t[0], NULL, runner0, &ra);
	pthread_create(&runner_t[1], NULL, runner1, NULL);
	pthread_create(&mt, NULL, mutator, &rd);
	pthread_create(&st, NULL, signaller, (void *)(long)seed);

	/* Let the races run, then pull the VM away under them. */
	usleep(seed % 3000);
	if (seed & 4)
		munmap(mem, GUEST_MEM), mem = NULL;
	atomic_store(&rd.vm_fd, -1);
	close(rd.vm);
	if (seed & 8) {		/* and vCPU 0's fd under its runner */
		close(rd.vcpu0);
		rd.vcpu0 = -1;
	}
	usleep((seed >> 4) % 2000);
	atomic_store(&stop, 1);
	/* The signaller first: it leaves once no runner needs a signal. */
	pthread_join(st, NULL);
	for (i = 0; i < 2; i++)
		pthread_join(runner_t[i], NULL);
	pthread_join(mt, NULL);
	i = atomic_exchange(&vcpu1, -1);
	if (i >= 0)
		close(i);
	if (rd.vcpu0 >= 0)
		close(rd.vcpu0);
	if (rd.console >= 0)
		close(rd.console);
	if (mem)
		munmap(mem, GUEST_MEM);
	return 0;
}

static long count_vms(void)
{
	static struct vmm_vm_info info[64];
	struct vmm_list_vms l = { .count = 64, .buf = (uintptr_t)info };

	if (ioctl(dev, VMM_LIST_VMS, &l) < 0)
		return -1;
	return l.count;
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? strtol(argv[1], NULL, 0) : 2000;
	long max_s = argc > 2 ? strtol(argv[2], NULL, 0) : 45;
	struct sigaction sa;
	unsigned int seed = 0x5eed;
	long n, fails = 0, t0, left = -1;
	pthread_t wd;
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n# Subtest: race_test\n1..3\n");
	dev = open(DEV, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		printf("not ok 1 - open %s: %s\nnot ok 2 - # SKIP\nnot ok 3 - # SKIP\n", DEV,
		       strerror(errno));
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;	/* no SA_RESTART: VMM_RUN returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	pthread_create(&wd, NULL, watchdog, NULL);
	t0 = now_ms();
	for (n = 0; n < rounds; n++) {
		if (now_ms() - t0 > max_s * 1000)
			break;
		atomic_store(&cur_round, n);
		atomic_store(&round_start, now_ms());
		if (one_round(n, rnd(&seed) << 15 | rnd(&seed)) < 0 && ++fails > 10)
			break;
	}
	atomic_store(&round_start, 0);
	printf("# %ld rounds in %.1f s: %ld VMM_RUN calls, %ld I/O exits, %ld interrupted, "
	       "%ld regions added, %ld mapped, %ld vCPUs added, %ld console rounds, "
	       "%ld disks attached\n", n, (now_ms() - t0) / 1000.0, atomic_load(&nr_runs),
	       atomic_load(&nr_exits_io), atomic_load(&nr_intr), atomic_load(&nr_adds),
	       atomic_load(&nr_maps), atomic_load(&nr_vcpus), atomic_load(&nr_console),
	       atomic_load(&nr_disks));
	printf("%s 1 - %ld race rounds ended (no hang)\n", n > 0 ? "ok" : "not ok", n);
	printf("%s 2 - every round set up its VM (%ld failed)\n", fails ? "not ok" : "ok", fails);
	/* The last references go with the threads: give deferred frees a moment. */
	for (i = 0; i < 50; i++) {
		left = count_vms();
		if (left == 0)
			break;
		usleep(100000);
	}
	printf("%s 3 - no VM left after the rounds (%ld)\n", left == 0 ? "ok" : "not ok", left);
	close(dev);
	return (n > 0 && !fails && left == 0) ? 0 : 1;
}
