// SPDX-License-Identifier: GPL-2.0
/*
 * vmmctl run: create a VM, load a flat image, run one vCPU in real mode
 * and emulate the few devices the kernel leaves to userspace.
 *
 * Threads: the main thread loops on VMM_RUN of vCPU 0, a thread each on
 * the other vCPUs of a PC; a console thread copies the
 * guest's UART output to stdout and stdin to the guest. Termination
 * signals are handled by the main thread only (blocked in the console
 * thread); their handler writes to a wake-up pipe so the console thread
 * keeps kicking the main thread out of VMM_RUN until it notices (this
 * closes the race between checking the flag and entering VMM_RUN, which
 * the ABI has no immediate-exit flag for).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "vmmctl.h"
#include "util.h"
#include "pc.h"

#define PORT_EXIT		0xf4
#define ESCAPE_CHAR		0x01	/* Ctrl-A */
#define KICK_SIGNAL		SIGUSR1
#define KICK_INTERVAL_MS	20
#define RET_RESET		(-2)	/* run_loop: the guest reset the PC */

struct vm {
	const struct run_opts *o;
	int sys_fd;
	int vm_fd;
	int vcpu_fd;
	int con_fd;
	uint32_t vm_id;
	void *mem;
	struct scratch_reg scratch;
	struct pc_vm pc;

	pthread_t main_thread;
	pthread_t con_thread;
	bool con_running;
	bool stdin_tty;
	bool stdin_open;
	bool escape_pending;	/* saw Ctrl-A */
	uint8_t inbuf[256];	/* stdin bytes not yet taken by the guest */
	size_t inlen, inoff;
	char out_last;		/* last byte of guest output, 0 if none */
};

static volatile sig_atomic_t caught_signal;
static volatile sig_atomic_t escape_requested;
static volatile sig_atomic_t main_done;
static volatile sig_atomic_t ap_ended;	/* an AP's thread ended the VM */
static int wake_pipe[2] = { -1, -1 };

static struct termios saved_tio;
static bool tio_saved;

static const int term_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

static void restore_tty(void)
{
	if (tio_saved) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
		tio_saved = false;
	}
}

static void term_handler(int sig)
{
	int saved = errno;
	char c = (char)sig;

	if (!caught_signal)
		caught_signal = sig;
	if (wake_pipe[1] >= 0 && write(wake_pipe[1], &c, 1) < 0) {
		/* pipe full: the console thread is awake anyway */
	}
	errno = saved;
}

static void kick_handler(int sig)
{
	(void)sig;
}

static int install_signals(void)
{
	struct sigaction sa;
	unsigned int i;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: VMM_RUN must return */
	sa.sa_handler = term_handler;
	for (i = 0; i < sizeof(term_signals) / sizeof(term_signals[0]); i++)
		if (sigaction(term_signals[i], &sa, NULL))
			return -1;
	sa.sa_handler = kick_handler;
	if (sigaction(KICK_SIGNAL, &sa, NULL))
		return -1;
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}

/* The signals that end a run (term_signals), in set. */
static void term_sigset(sigset_t *set)
{
	unsigned int i;

	sigemptyset(set);
	for (i = 0; i < sizeof(term_signals) / sizeof(term_signals[0]); i++)
		sigaddset(set, term_signals[i]);
}

static void block_signals(bool block)
{
	sigset_t set;

	term_sigset(&set);
	sigaddset(&set, KICK_SIGNAL);
	pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

void run_hold_signals(bool hold)
{
	sigset_t set;

	term_sigset(&set);
	sigprocmask(hold ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

static void set_raw_tty(void)
{
	struct termios tio;

	if (tcgetattr(STDIN_FILENO, &saved_tio))
		return;
	tio = saved_tio;
	cfmakeraw(&tio);
	/* keep output processing: the guest's "\n" still starts a new line */
	tio.c_oflag = saved_tio.c_oflag;
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &tio))
		return;
	tio_saved = true;
	atexit(restore_tty);
}

/* ------------------------------------------------------------------ */
/* Console                                                             */
/* ------------------------------------------------------------------ */

static void write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pfd = { .fd = fd, .events = POLLOUT };

				poll(&pfd, 1, 100);
				continue;
			}
			return;		/* stdout gone: drop the output */
		}
		p += n;
		len -= n;
	}
}

/* Copy what the guest has transmitted to stdout; returns false at EOF/error. */
static bool console_out(struct vm *vm)
{
	char buf[4096];

	for (;;) {
		ssize_t n = read(vm->con_fd, buf, sizeof(buf));

		if (n > 0) {
			write_all(STDOUT_FILENO, buf, n);
			vm->out_last = buf[n - 1];
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 && errno == EAGAIN;
	}
}

/* Non-blocking reads until EAGAIN: nothing the guest printed is lost. */
static void console_drain(struct vm *vm)
{
	if (vm->con_fd >= 0)
		console_out(vm);
}

static void request_escape(void)
{
	char c = 0;

	escape_requested = 1;
	if (write(wake_pipe[1], &c, 1) < 0) {
		/* pipe full: a wake-up is already pending */
	}
}

/* Filter the escape sequences from stdin bytes into vm->inbuf. */
static void console_in(struct vm *vm)
{
	uint8_t buf[128];
	ssize_t n, i;

	n = read(STDIN_FILENO, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		vm->stdin_open = false;
		return;
	}
	vm->inoff = 0;
	vm->inlen = 0;
	for (i = 0; i < n; i++) {
		uint8_t c = buf[i];

		if (!vm->stdin_tty) {
			vm->inbuf[vm->inlen++] = c;
			continue;
		}
		if (vm->escape_pending) {
			vm->escape_pending = false;
			if (c == 'x' || c == 'X') {
				request_escape();
				continue;
			}
			if (c != ESCAPE_CHAR)
				vm->inbuf[vm->inlen++] = ESCAPE_CHAR;
			vm->inbuf[vm->inlen++] = c;
		} else if (c == ESCAPE_CHAR) {
			vm->escape_pending = true;
		} else {
			vm->inbuf[vm->inlen++] = c;
		}
	}
}

static void console_flush_in(struct vm *vm)
{
	while (vm->inoff < vm->inlen) {
		ssize_t n = write(vm->con_fd, vm->inbuf + vm->inoff,
				  vm->inlen - vm->inoff);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				vm->inoff = vm->inlen;	/* drop it */
			return;
		}
		vm->inoff += n;
	}
}

static void *console_thread(void *arg)
{
	struct vm *vm = arg;
	bool kicking = false;

	for (;;) {
		struct pollfd pfd[3];
		bool pending_in = vm->inoff < vm->inlen;
		int r;

		pfd[0].fd = vm->con_fd;
		pfd[0].events = POLLIN | (pending_in ? POLLOUT : 0);
		pfd[1].fd = vm->stdin_open && !pending_in ? STDIN_FILENO : -1;
		pfd[1].events = POLLIN;
		pfd[2].fd = wake_pipe[0];
		pfd[2].events = POLLIN;
		pfd[0].revents = pfd[1].revents = pfd[2].revents = 0;

		r = poll(pfd, 3, kicking ? KICK_INTERVAL_MS : -1);
		if (r < 0 && errno != EINTR)
			break;
		if (main_done)
			break;
		if (pfd[2].revents & POLLIN) {
			char c[64];

			if (read(wake_pipe[0], c, sizeof(c)) > 0)
				kicking = true;
		}
		if (kicking && (caught_signal || escape_requested || ap_ended)) {
			/* keep kicking: the signal may have come just before VMM_RUN */
			pthread_kill(vm->main_thread, KICK_SIGNAL);
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))
			console_out(vm);
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
			console_in(vm);
		if (vm->inoff < vm->inlen)
			console_flush_in(vm);
	}
	return NULL;
}

static int console_start(struct vm *vm)
{
	int fl, r;

	vm->con_fd = ioctl(vm->vm_fd, VMM_GET_CONSOLE_FD, 0);
	if (vm->con_fd < 0) {
		err_msg("VMM_GET_CONSOLE_FD: %s", strerror(errno));
		return -1;
	}
	fl = fcntl(vm->con_fd, F_GETFL);
	if (fl < 0 || fcntl(vm->con_fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		err_msg("console: cannot set O_NONBLOCK: %s", strerror(errno));
		return -1;
	}
	vm->stdin_open = fcntl(STDIN_FILENO, F_GETFL) >= 0;
	vm->stdin_tty = vm->stdin_open && isatty(STDIN_FILENO);
	if (vm->stdin_tty)
		set_raw_tty();

	/* the console thread must never take the termination signals */
	block_signals(true);
	r = pthread_create(&vm->con_thread, NULL, console_thread, vm);
	block_signals(false);
	if (r) {
		err_msg("cannot start the console thread: %s", strerror(r));
		return -1;
	}
	vm->con_running = true;
	return 0;
}

static void console_stop(struct vm *vm)
{
	char c = 'q';

	if (vm->con_running) {
		main_done = 1;
		if (write(wake_pipe[1], &c, 1) < 0) {
			/* pipe full: the thread wakes up anyway */
		}
		pthread_join(vm->con_thread, NULL);
		vm->con_running = false;
	}
	console_drain(vm);
	/* flush what is left of typed input, best effort */
	if (vm->con_fd >= 0)
		console_flush_in(vm);
	restore_tty();
}

/* ------------------------------------------------------------------ */
/* VM setup                                                            */
/* ------------------------------------------------------------------ */

static int open_image(const char *path, uint64_t *size)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		usage_error("run: cannot open image '%s': %s", path,
			    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		usage_error("run: image '%s' is not a regular file", path);
		close(fd);
		return -1;
	}
	*size = st.st_size;
	return fd;
}

static int load_image(struct vm *vm, int img_fd, uint64_t size)
{
	uint8_t *dst = (uint8_t *)vm->mem + vm->o->load;
	uint64_t done = 0;

	while (done < size) {
		ssize_t n = pread(img_fd, dst + done, size - done, done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_msg("reading '%s': %s", vm->o->image,
				strerror(errno));
			return -1;
		}
		if (n == 0) {
			err_msg("reading '%s': file shrank", vm->o->image);
			return -1;
		}
		done += n;
	}
	return 0;
}

static int setup_vcpu(struct vm *vm)
{
	struct vmm_create_vcpu cv = { .id = 0 };
	struct vmm_sregs sregs;
	struct vmm_regs regs;
	uint16_t sel = (vm->o->entry >> 4) & 0xf000;

	vm->vcpu_fd = ioctl(vm->vm_fd, VMM_CREATE_VCPU, &cv);
	if (vm->vcpu_fd < 0) {
		err_msg("VMM_CREATE_VCPU: %s", strerror(errno));
		return -1;
	}
	if (ioctl(vm->vcpu_fd, VMM_GET_SREGS, &sregs) < 0) {
		err_msg("VMM_GET_SREGS: %s", strerror(errno));
		return -1;
	}
	sregs.cs.selector = sel;
	sregs.cs.base = (uint64_t)sel << 4;
	if (ioctl(vm->vcpu_fd, VMM_SET_SREGS, &sregs) < 0) {
		err_msg("VMM_SET_SREGS: %s", strerror(errno));
		return -1;
	}
	if (ioctl(vm->vcpu_fd, VMM_GET_REGS, &regs) < 0) {
		err_msg("VMM_GET_REGS: %s", strerror(errno));
		return -1;
	}
	regs.rip = vm->o->entry & 0xffff;
	if (ioctl(vm->vcpu_fd, VMM_SET_REGS, &regs) < 0) {
		err_msg("VMM_SET_REGS: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int setup_vm(struct vm *vm, int img_fd, uint64_t img_size)
{
	struct vmm_create_vm cvm = { .flags = vm->o->image ? 0 : VMM_VM_PC };
	struct vmm_mem_region mr = { 0 };

	vm->sys_fd = vmm_open_dev();
	if (vm->sys_fd < 0)
		return -1;
	vm->vm_fd = ioctl(vm->sys_fd, VMM_CREATE_VM, &cvm);
	if (vm->vm_fd < 0) {
		if (errno == EBUSY)
			err_msg("VMM_CREATE_VM: %s: another hypervisor (kvm_amd or kvm_intel?) has a VM running and holds the CPU's virtualization",
				strerror(errno));
		else
			err_msg("VMM_CREATE_VM: %s", strerror(errno));
		return -1;
	}
	vm->vm_id = cvm.vm_id;

	if (!vm->o->image) {
		vm->pc.vm_fd = vm->vm_fd;
		vm->pc.vcpu_fd = -1;
		int r = pc_setup(&vm->pc, vm->o);

		if (r) {
			vm->vcpu_fd = vm->pc.vcpu_fd;
			return r;
		}
		vm->vcpu_fd = vm->pc.vcpu_fd;
		return console_start(vm);
	}

	mr.slot = 0;
	mr.gpa = 0;
	mr.size = vm->o->mem;
	if (ioctl(vm->vm_fd, VMM_ADD_MEMORY, &mr) < 0) {
		char sz[32];

		format_size(vm->o->mem, sz, sizeof(sz));
		err_msg("VMM_ADD_MEMORY (%s): %s", sz, strerror(errno));
		return -1;
	}
	vm->mem = mmap(NULL, vm->o->mem, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vm_fd, (off_t)mr.mmap_offset);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		err_msg("mmap of guest memory: %s", strerror(errno));
		return -1;
	}
	if (load_image(vm, img_fd, img_size))
		return -1;
	if (setup_vcpu(vm))
		return -1;
	return console_start(vm);
}

static void teardown(struct vm *vm)
{
	console_stop(vm);
	if (vm->mem)
		munmap(vm->mem, vm->o->mem);
	pc_teardown(&vm->pc);
	vm->mem = NULL;
	if (vm->con_fd >= 0)
		close(vm->con_fd);
	if (vm->vcpu_fd >= 0)
		close(vm->vcpu_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->sys_fd >= 0)
		close(vm->sys_fd);
	vm->con_fd = vm->vcpu_fd = vm->vm_fd = vm->sys_fd = -1;
}

/* ------------------------------------------------------------------ */
/* Exit handling                                                       */
/* ------------------------------------------------------------------ */

#define vlog(vm, ...) do { if ((vm)->o->verbose) err_msg(__VA_ARGS__); } while (0)

/* Returns -1 to keep running, else the exit status. */
static int handle_io(struct vm *vm, struct vmm_run *run)
{
	unsigned int size = run->io.size;
	uint16_t port = run->io.port;

	if (size != 1 && size != 2 && size != 4) {
		err_msg("port I/O with bad size %u at port 0x%x", size, port);
		return EXIT_HOST_ERROR;
	}
	if (run->io.direction == VMM_IO_OUT) {
		uint64_t data = run->io.data & ones_of_size(size);

		if (port == PORT_EXIT)
			return (int)(data & 0xff);
		if (port == PC_DEBUGCON_PORT && !vm->o->image) {
			if (vm->o->bios_log && size == 1) {
				char c = data;

				write_all(STDERR_FILENO, &c, 1);
			}
			return -1;
		}
		vlog(vm, "OUT port 0x%x size %u data 0x%llx (ignored)", port,
		     size, (unsigned long long)data);
		return -1;
	}
	run->io.data = ones_of_size(size);
	/* The firmware logs to the debug port only if it reads back 0xe9. */
	if (port == PC_DEBUGCON_PORT && !vm->o->image && vm->o->bios_log)
		run->io.data = PC_DEBUGCON_MAGIC;
	vlog(vm, "IN port 0x%x size %u (reads all ones)", port, size);
	return -1;
}

static int handle_mmio(struct vm *vm, struct vmm_run *run)
{
	unsigned int size = run->mmio.size;
	uint64_t gpa = run->mmio.gpa;

	if (size != 1 && size != 2 && size != 4 && size != 8) {
		err_msg("MMIO with bad size %u at 0x%llx", size,
			(unsigned long long)gpa);
		return EXIT_HOST_ERROR;
	}
	if (scratch_overlaps(&vm->scratch, gpa, size)) {
		if (run->mmio.is_write)
			scratch_write(&vm->scratch, gpa, size, run->mmio.data);
		else
			run->mmio.data = scratch_read(&vm->scratch, gpa, size);
		return -1;
	}
	if (run->mmio.is_write) {
		vlog(vm, "MMIO write 0x%llx size %u data 0x%llx (ignored)",
		     (unsigned long long)gpa, size,
		     (unsigned long long)(run->mmio.data & ones_of_size(size)));
	} else {
		run->mmio.data = ones_of_size(size);
		vlog(vm, "MMIO read 0x%llx size %u (reads all ones)",
		     (unsigned long long)gpa, size);
	}
	return -1;
}

static const char *internal_name(uint32_t sub)
{
	switch (sub) {
	case VMM_INTERNAL_EMULATION:
		return "emulation failure";
	case VMM_INTERNAL_UNSUPPORTED_IO:
		return "unsupported I/O";
	case VMM_INTERNAL_UNHANDLED_EXIT:
		return "unhandled hardware exit";
	case VMM_INTERNAL_FETCH_FAULT:
		return "instruction fetch fault";
	case VMM_INTERNAL_GUEST_OOM:
		return "guest out of memory";
	default:
		return "unknown suberror";
	}
}

static int interrupted(void)
{
	if (escape_requested && !caught_signal) {
		err_msg("interrupted by escape (Ctrl-A x)");
		return EXIT_SIGNAL_BASE + SIGINT;
	}
	err_msg("interrupted by signal");
	return EXIT_SIGNAL_BASE + caught_signal;
}

/* One return of VMM_RUN: -1 to run on, else how vmmctl ends. */
static int handle_exit(struct vm *vm, unsigned int cpu, struct vmm_run *run)
{
	switch (run->exit_reason) {
	case VMM_EXIT_IO:
		return handle_io(vm, run);
	case VMM_EXIT_MMIO:
		return handle_mmio(vm, run);
	case VMM_EXIT_HLT:
		vlog(vm, "guest halted");
		return 0;
	case VMM_EXIT_SHUTDOWN:
		err_msg("guest shutdown (triple fault) on vCPU %u", cpu);
		return EXIT_TRIPLE_FAULT;
	case VMM_EXIT_INTR:
		return -1;
	case VMM_EXIT_SYSTEM_EVENT:
		if (run->system_event.type == VMM_SYSTEM_RESET) {
			vlog(vm, "guest reset");
			return RET_RESET;
		}
		vlog(vm, "guest powered off");
		return 0;
	case VMM_EXIT_FAIL_ENTRY:
		err_msg("VM entry failed on vCPU %u: hw_reason 0x%llx qualification 0x%llx info2 0x%llx",
			cpu, (unsigned long long)run->fail_entry.hw_reason,
			(unsigned long long)run->fail_entry.qualification,
			(unsigned long long)run->fail_entry.info2);
		return EXIT_HOST_ERROR;
	case VMM_EXIT_INTERNAL_ERROR:
		if (run->internal.suberror == VMM_INTERNAL_GUEST_OOM) {
			err_msg("guest out of memory: the host (or this process's memory cgroup) could not back guest RAM at 0x%llx (vCPU %u, rip 0x%llx); the VM stops",
				(unsigned long long)run->internal.data[1], cpu,
				(unsigned long long)run->internal.data[2]);
			return EXIT_HOST_ERROR;
		}
		err_msg("internal error on vCPU %u: suberror %u (%s) data 0x%llx 0x%llx 0x%llx 0x%llx",
			cpu, run->internal.suberror,
			internal_name(run->internal.suberror),
			(unsigned long long)run->internal.data[0],
			(unsigned long long)run->internal.data[1],
			(unsigned long long)run->internal.data[2],
			(unsigned long long)run->internal.data[3]);
		return EXIT_HOST_ERROR;
	default:
		err_msg("unknown exit reason %u", run->exit_reason);
		return EXIT_HOST_ERROR;
	}
}

/*
 * The application processors of a PC, a thread each. The first to end
 * (a triple fault, an error; power-off and reset end every vCPU) stops
 * the VM: its status is kept and the main thread woken through the
 * console thread, which kicks it as it does for a signal.
 */
struct ap_thread {
	struct vm *vm;		/* NULL: no thread */
	unsigned int cpu;
	pthread_t t;
	volatile sig_atomic_t done;
};

static struct ap_thread aps[VMM_MAX_VCPUS];
static volatile sig_atomic_t aps_stop;
static int ap_ret;
static pthread_mutex_t ap_lock = PTHREAD_MUTEX_INITIALIZER;

/* Should vCPU cpu's thread stop? Whoever makes it so kicks the thread. */
static bool stop_requested(unsigned int cpu)
{
	if (cpu)
		return aps_stop;
	return caught_signal || escape_requested || ap_ended;
}

/*
 * A vCPU that triple-faulted: its registers on stderr (where the guest
 * was, its stack, paging and IDT), as a guest that dies this way has
 * nothing else to say.
 */
static void dump_vcpu(int fd, unsigned int cpu)
{
	struct vmm_sregs s;
	struct vmm_regs r;

	if (ioctl(fd, VMM_GET_REGS, &r) < 0 || ioctl(fd, VMM_GET_SREGS, &s) < 0)
		return;
	fprintf(stderr,
		"vmmctl: vCPU %u: rip %#llx rsp %#llx rflags %#llx rax %#llx rbx %#llx rcx %#llx rdx %#llx\n"
		"vmmctl: vCPU %u: rsi %#llx rdi %#llx rbp %#llx r8 %#llx r9 %#llx r10 %#llx r11 %#llx\n"
		"vmmctl: vCPU %u: r12 %#llx r13 %#llx r14 %#llx r15 %#llx\n"
		"vmmctl: vCPU %u: cs %#x base %#llx attr %#x ss %#x tr %#x base %#llx idt %#llx/%#x gdt %#llx/%#x\n"
		"vmmctl: vCPU %u: cr0 %#llx cr2 %#llx cr3 %#llx cr4 %#llx efer %#llx\n",
		cpu, (unsigned long long)r.rip, (unsigned long long)r.rsp,
		(unsigned long long)r.rflags, (unsigned long long)r.rax,
		(unsigned long long)r.rbx, (unsigned long long)r.rcx,
		(unsigned long long)r.rdx,
		cpu, (unsigned long long)r.rsi, (unsigned long long)r.rdi,
		(unsigned long long)r.rbp, (unsigned long long)r.r8,
		(unsigned long long)r.r9, (unsigned long long)r.r10,
		(unsigned long long)r.r11,
		cpu, (unsigned long long)r.r12, (unsigned long long)r.r13,
		(unsigned long long)r.r14, (unsigned long long)r.r15,
		cpu, s.cs.selector, (unsigned long long)s.cs.base, s.cs.attr,
		s.ss.selector, s.tr.selector, (unsigned long long)s.tr.base,
		(unsigned long long)s.idt.base, s.idt.limit,
		(unsigned long long)s.gdt.base, s.gdt.limit,
		cpu, (unsigned long long)s.cr0, (unsigned long long)s.cr2,
		(unsigned long long)s.cr3, (unsigned long long)s.cr4,
		(unsigned long long)s.efer);
}

/* VMM_RUN on one vCPU until it ends vmmctl, or -1 when told to stop. */
static int vcpu_loop(struct vm *vm, unsigned int cpu, int fd)
{
	struct vmm_run run;

	memset(&run, 0, sizeof(run));
	for (;;) {
		int ret;

		if (stop_requested(cpu))
			return -1;
		run.flags = 0;
		run.reserved = 0;
		if (ioctl(fd, VMM_RUN, &run) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			err_msg("VMM_RUN (vCPU %u): %s", cpu, strerror(errno));
			return EXIT_HOST_ERROR;
		}
		ret = handle_exit(vm, cpu, &run);
		if (ret == EXIT_TRIPLE_FAULT)
			dump_vcpu(fd, cpu);
		if (ret != -1)
			return ret;
	}
}

static void *ap_main(void *arg)
{
	struct ap_thread *a = arg;
	char c = 'a';
	sigset_t kick;
	int ret;

	/*
	 * Created with every signal of ours blocked: the termination
	 * signals stay the main thread's, but the kick must get through,
	 * or aps_stop_all() cannot stop a vCPU that sleeps in the kernel
	 * (halted with interrupts off) and waits for it forever.
	 */
	sigemptyset(&kick);
	sigaddset(&kick, KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	ret = vcpu_loop(a->vm, a->cpu, a->vm->pc.ap_fd[a->cpu]);

	if (ret != -1) {
		pthread_mutex_lock(&ap_lock);
		if (!ap_ended) {
			ap_ret = ret;
			ap_ended = 1;
		}
		pthread_mutex_unlock(&ap_lock);
		if (write(wake_pipe[1], &c, 1) < 0) {
			/* pipe full: the console thread is awake anyway */
		}
	}
	a->done = 1;
	return NULL;
}

static int aps_start(struct vm *vm)
{
	unsigned int i;
	int r;

	aps_stop = 0;
	ap_ended = 0;
	for (i = 1; i < vm->pc.n_cpus; i++) {
		aps[i] = (struct ap_thread){ .vm = vm, .cpu = i };
		/* only the main thread takes the termination signals */
		block_signals(true);
		r = pthread_create(&aps[i].t, NULL, ap_main, &aps[i]);
		block_signals(false);
		if (r) {
			aps[i].vm = NULL;
			err_msg("cannot start the thread of vCPU %u: %s", i,
				strerror(r));
			return -1;
		}
	}
	return 0;
}

/* Kick each AP out of VMM_RUN until it sees aps_stop, then join it. */
static void aps_stop_all(struct vm *vm)
{
	const struct timespec ms = { 0, 1000000 };
	unsigned int i;

	aps_stop = 1;
	for (i = 1; i < vm->pc.n_cpus; i++) {
		if (!aps[i].vm)
			continue;
		while (!aps[i].done) {
			pthread_kill(aps[i].t, KICK_SIGNAL);
			nanosleep(&ms, NULL);
		}
		pthread_join(aps[i].t, NULL);
		aps[i].vm = NULL;
	}
}

/* The boot processor runs on the main thread, which takes the signals. */
static int run_loop(struct vm *vm)
{
	int ret = EXIT_HOST_ERROR;

	if (!aps_start(vm))
		ret = vcpu_loop(vm, 0, vm->vcpu_fd);
	if (ret == -1) {
		/* stopped by a signal, the escape or an AP that ended */
		pthread_mutex_lock(&ap_lock);
		ret = caught_signal || escape_requested || !ap_ended ?
		      interrupted() : ap_ret;
		pthread_mutex_unlock(&ap_lock);
	}
	aps_stop_all(vm);
	return ret;
}

/* A flat image must exist, be non-empty and fit with its entry point. */
static int check_image(const struct run_opts *o, uint64_t *img_size)
{
	int img_fd = open_image(o->image, img_size);

	if (img_fd < 0)
		return -1;
	if (!*img_size) {
		usage_error("run: image '%s' is empty", o->image);
		goto bad;
	}
	if (o->load >= o->mem || *img_size > o->mem - o->load) {
		usage_error("run: image '%s' (%llu bytes at 0x%llx) does not fit in %llu bytes of guest memory",
			    o->image, (unsigned long long)*img_size,
			    (unsigned long long)o->load,
			    (unsigned long long)o->mem);
		goto bad;
	}
	if (o->entry < o->load || o->entry - o->load >= *img_size) {
		usage_error("run: entry 0x%llx is outside the image (0x%llx-0x%llx)",
			    (unsigned long long)o->entry,
			    (unsigned long long)o->load,
			    (unsigned long long)(o->load + *img_size - 1));
		goto bad;
	}
	return img_fd;
bad:
	close(img_fd);
	return -1;
}

int cmd_run(const struct run_opts *o)
{
	struct vm vm = {
		.o = o,
		.sys_fd = -1,
		.vm_fd = -1,
		.vcpu_fd = -1,
		.con_fd = -1,
	};
	uint64_t img_size = 0;
	int img_fd = -1, ret, fl;

	if (o->image) {
		img_fd = check_image(o, &img_size);
		if (img_fd < 0)
			return EXIT_USAGE;
	}

	if (pipe2(wake_pipe, O_CLOEXEC)) {
		err_msg("pipe: %s", strerror(errno));
		if (img_fd >= 0)
			close(img_fd);
		return EXIT_HOST_ERROR;
	}
	for (fl = 0; fl < 2; fl++)
		fcntl(wake_pipe[fl], F_SETFL,
		      fcntl(wake_pipe[fl], F_GETFL) | O_NONBLOCK);
	vm.main_thread = pthread_self();
	scratch_init(&vm.scratch, SCRATCH_MMIO_BASE);
	if (install_signals()) {
		err_msg("sigaction: %s", strerror(errno));
		if (img_fd >= 0)
			close(img_fd);
		return EXIT_HOST_ERROR;
	}
	/* A signal held back since before the cgroup was made comes now. */
	run_hold_signals(false);

	/* A PC that resets starts again as a new VM, unless --no-reboot. */
	for (;;) {
		ret = setup_vm(&vm, img_fd, img_size);
		if (ret) {
			if (img_fd >= 0)
				close(img_fd);
			teardown(&vm);
			if (caught_signal)
				return interrupted();
			return ret == PC_BAD_INPUT ? EXIT_USAGE : EXIT_HOST_ERROR;
		}
		ret = run_loop(&vm);
		console_stop(&vm);
		if (ret != RET_RESET)
			break;
		if (o->no_reboot) {
			ret = 0;
			break;
		}
		teardown(&vm);
		main_done = 0;
	}
	if (img_fd >= 0)
		close(img_fd);

	if (o->stat) {
		char title[64];

		/* start the table on a line of its own */
		if (vm.out_last && vm.out_last != '\n')
			putchar('\n');
		snprintf(title, sizeof(title), "VM %u", vm.vm_id);
		if (print_stats(vm.vm_fd, 0, title, false, stdout) &&
		    ret == 0)
			ret = EXIT_HOST_ERROR;
	}
	teardown(&vm);
	return ret;
}
