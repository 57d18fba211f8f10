// SPDX-License-Identifier: GPL-2.0
/*
 * abi_test: drives the /dev/vmm ioctl ABI (uapi/vmm.h) with bad inputs and
 * checks that each is refused with the right errno and nothing breaks.
 * Prints one KTAP suite ("abi") and "# abi: P passed, F failed".
 *
 *   abi_test                 the suite
 *   abi_test --count-vms     print the number of live VMs (VMM_LIST_VMS)
 *   abi_test --stats         print the module-wide exit counts, one "reason count" a line
 *   abi_test --cycles N      N x (VM + 16 MiB + vCPU + touch all memory + close)
 *   abi_test --exec CMD...   exec CMD with SIGINT/SIGQUIT/SIGTERM at their defaults
 *                            (a background job of a script inherits SIGINT ignored)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmm.h"

#define DEV "/dev/vmm"
#define MiB (1ULL << 20)
#define GUEST_MEM (16 * MiB)

#define X86_CR0_PE (1ULL << 0)
#define X86_CR0_ET (1ULL << 4)
#define X86_CR0_NE (1ULL << 5)
#define X86_CR0_NW (1ULL << 29)
#define X86_CR0_CD (1ULL << 30)
#define X86_CR0_PG (1ULL << 31)
#define X86_CR4_PAE (1ULL << 5)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define EFER_SVME (1ULL << 12)

#define STATIC_CHECK(c) _Static_assert(c, #c)
VMM_UAPI_SIZE_CHECKS(STATIC_CHECK);

static int n_tests, n_fail;

static void __attribute__((format(printf, 2, 3))) result(int ok, const char *fmt, ...)
{
	va_list ap;

	n_tests++;
	if (!ok)
		n_fail++;
	printf("%s %d - ", ok ? "ok" : "not ok", n_tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void __attribute__((format(printf, 1, 2))) diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* ioctl returning -errno on failure, the result otherwise */
static long xioctl(int fd, unsigned long req, void *arg)
{
	long r = ioctl(fd, req, arg);

	return r < 0 ? -errno : r;
}

static const char *ename(long r)
{
	static char buf[64];

	if (r >= 0) {
		snprintf(buf, sizeof(buf), "success (%ld)", r);
		return buf;
	}
	snprintf(buf, sizeof(buf), "%s", strerrorname_np((int)-r) ?: "?");
	return buf;
}

/* expect the call to fail with one of the errnos (0-terminated list) */
static int expect_err(long r, const char *what, ...)
{
	va_list ap;
	int e, ok = 0;
	char want[128] = "";

	va_start(ap, what);
	while ((e = va_arg(ap, int)) != 0) {
		if (r == -e)
			ok = 1;
		snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%s",
			 want[0] ? "/" : "", strerrorname_np(e));
	}
	va_end(ap);
	result(ok, "%s -> %s", what, want);
	if (!ok)
		diag("got %s", ename(r));
	return ok;
}

static int expect_ok(long r, const char *what)
{
	result(r >= 0, "%s", what);
	if (r < 0)
		diag("got %s", ename(r));
	return r >= 0;
}

#define ERR(r, what, ...) expect_err(r, what, __VA_ARGS__, 0)

static int open_dev(void)
{
	return open(DEV, O_RDWR | O_CLOEXEC);
}

static int create_vm(int dev)
{
	struct vmm_create_vm c = { 0 };

	return (int)xioctl(dev, VMM_CREATE_VM, &c);
}

static long add_mem(int vm, __u32 slot, __u32 flags, __u64 gpa, __u64 size, __u64 *off)
{
	struct vmm_mem_region m = { .slot = slot, .flags = flags, .gpa = gpa, .size = size };
	long r = xioctl(vm, VMM_ADD_MEMORY, &m);

	if (off)
		*off = m.mmap_offset;
	return r;
}

static long create_vcpu(int vm, __u32 id)
{
	struct vmm_create_vcpu c = { .id = id };

	return xioctl(vm, VMM_CREATE_VCPU, &c);
}

/* number of live VMs; with id != 0 also whether that one is listed */
static long list_vms(int dev, __u32 id, int *found, __u32 *pid)
{
	struct vmm_vm_info info[64];
	struct vmm_list_vms l = { .count = 64, .buf = (uintptr_t)info };
	long r = xioctl(dev, VMM_LIST_VMS, &l);
	__u32 i;

	if (r < 0)
		return r;
	if (found)
		*found = 0;
	for (i = 0; i < l.count && i < 64; i++) {
		if (id && info[i].vm_id == id) {
			if (found)
				*found = 1;
			if (pid)
				*pid = info[i].pid;
		}
	}
	return l.count;
}

/* VMM_LIST_VMS's resident_pages of VM id, or -1 */
static long resident_of(int dev, __u32 id)
{
	struct vmm_vm_info info[64];
	struct vmm_list_vms l = { .count = 64, .buf = (uintptr_t)info };
	__u32 i;

	if (xioctl(dev, VMM_LIST_VMS, &l) < 0)
		return -1;
	for (i = 0; i < l.count && i < 64; i++)
		if (info[i].vm_id == id)
			return info[i].resident_pages;
	return -1;
}

/* ------------------------------------------------------------------ */

static void test_dev(int dev)
{
	long r;
	__u64 junk = 0;

	r = xioctl(dev, VMM_GET_API_VERSION, NULL);
	result(r == VMM_API_VERSION, "VMM_GET_API_VERSION == %d", VMM_API_VERSION);
	if (r != VMM_API_VERSION)
		diag("got %s", ename(r));
	ERR(xioctl(dev, _IO(VMM_IOC_MAGIC, 0x7f), NULL), "unknown ioctl number on /dev/vmm", ENOTTY, EINVAL);
	ERR(xioctl(dev, _IO(0xAE, 0x00), NULL), "foreign magic (KVM_GET_API_VERSION) on /dev/vmm",
	    ENOTTY, EINVAL);
	ERR(xioctl(dev, _IOWR(VMM_IOC_MAGIC, 0x01, __u64), &junk), "VMM_CREATE_VM with wrong size encoding",
	    ENOTTY, EINVAL);
	ERR(xioctl(dev, VMM_ADD_MEMORY, &junk), "VM ioctl (VMM_ADD_MEMORY) on /dev/vmm", ENOTTY, EINVAL);
	ERR(xioctl(dev, VMM_GET_REGS, &junk), "vCPU ioctl (VMM_GET_REGS) on /dev/vmm", ENOTTY, EINVAL);
}

static void test_create_vm(int dev)
{
	struct vmm_create_vm c = { .flags = 2 };
	long before = list_vms(dev, 0, NULL, NULL), r;

	ERR(xioctl(dev, VMM_CREATE_VM, &c), "VMM_CREATE_VM flags=2 (unknown)", EINVAL);
	memset(&c, 0, sizeof(c));
	c.reserved[2] = 1;
	ERR(xioctl(dev, VMM_CREATE_VM, &c), "VMM_CREATE_VM reserved[2]=1", EINVAL);
	ERR(xioctl(dev, VMM_CREATE_VM, NULL), "VMM_CREATE_VM NULL", EFAULT);
	ERR(xioctl(dev, VMM_CREATE_VM, (void *)1), "VMM_CREATE_VM (void *)1", EFAULT);
	ERR(xioctl(dev, VMM_CREATE_VM, (void *)-4096L), "VMM_CREATE_VM kernel address", EFAULT);
	r = list_vms(dev, 0, NULL, NULL);
	result(r >= 0 && r == before, "no VM left behind by refused VMM_CREATE_VM");
	if (r != before)
		diag("VMM_LIST_VMS: %s before, %s after", ename(before), ename(r));
}

static void test_list_stats(int dev, int vm, __u32 vm_id)
{
	struct vmm_list_vms l = { 0 };
	struct vmm_get_stats s = { 0 };
	struct vmm_exit_stat st[VMM_STAT_NR_REASONS + 4];
	int found = 0, i, inorder = 1;
	__u32 pid = 0;
	long r;

	r = xioctl(dev, VMM_LIST_VMS, &l);
	result(r == 0 && l.count >= 1, "VMM_LIST_VMS count=0 reports the live VMs (count=%u)", l.count);
	r = list_vms(dev, vm_id, &found, &pid);
	result(r >= 1 && found && pid == (__u32)getpid(), "VMM_LIST_VMS lists our VM with our pid");
	if (!found)
		diag("VMM_LIST_VMS: %s, found=%d pid=%u", ename(r), found, pid);
	l = (struct vmm_list_vms){ .count = 1, .flags = 1, .buf = (uintptr_t)st };
	ERR(xioctl(dev, VMM_LIST_VMS, &l), "VMM_LIST_VMS flags=1", EINVAL);
	l = (struct vmm_list_vms){ .count = 4, .buf = 1 };
	ERR(xioctl(dev, VMM_LIST_VMS, &l), "VMM_LIST_VMS buf=(void *)1", EFAULT);
	ERR(xioctl(dev, VMM_LIST_VMS, NULL), "VMM_LIST_VMS NULL", EFAULT);

	r = xioctl(dev, VMM_GET_STATS, &s);
	result(r == 0 && s.count == VMM_STAT_NR_REASONS,
	       "VMM_GET_STATS count=0 returns count=VMM_STAT_NR_REASONS (%d)", VMM_STAT_NR_REASONS);
	if (r != 0 || s.count != VMM_STAT_NR_REASONS)
		diag("got %s, count=%u", ename(r), s.count);
	memset(st, 0xa5, sizeof(st));
	s = (struct vmm_get_stats){ .count = VMM_STAT_NR_REASONS + 4, .buf = (uintptr_t)st };
	r = xioctl(dev, VMM_GET_STATS, &s);
	for (i = 0; i < VMM_STAT_NR_REASONS; i++)
		if (st[i].reason != (__u32)i)
			inorder = 0;
	result(r == 0 && s.count == VMM_STAT_NR_REASONS && inorder,
	       "VMM_GET_STATS with a large buffer fills reasons 0..NR-1");
	s = (struct vmm_get_stats){ .count = 1, .buf = (uintptr_t)st, .flags = 1 };
	ERR(xioctl(dev, VMM_GET_STATS, &s), "VMM_GET_STATS flags=1", EINVAL);
	s = (struct vmm_get_stats){ .count = 1, .buf = (uintptr_t)st, .reserved = { 0, 1 } };
	ERR(xioctl(dev, VMM_GET_STATS, &s), "VMM_GET_STATS reserved[1]=1", EINVAL);
	s = (struct vmm_get_stats){ .count = 4, .buf = 1 };
	ERR(xioctl(dev, VMM_GET_STATS, &s), "VMM_GET_STATS buf=(void *)1", EFAULT);
	s = (struct vmm_get_stats){ .vm_id = 0x7ffffff0, .count = 1, .buf = (uintptr_t)st };
	r = xioctl(dev, VMM_GET_STATS, &s);
	result(r < 0, "VMM_GET_STATS of a VM id that does not exist fails");
	if (r >= 0)
		diag("got %s", ename(r));
	s = (struct vmm_get_stats){ .vm_id = vm_id, .count = VMM_STAT_NR_REASONS, .buf = (uintptr_t)st };
	expect_ok(xioctl(dev, VMM_GET_STATS, &s), "VMM_GET_STATS of our VM by id on /dev/vmm");
	s = (struct vmm_get_stats){ .count = VMM_STAT_NR_REASONS, .buf = (uintptr_t)st };
	expect_ok(xioctl(vm, VMM_GET_STATS, &s), "VMM_GET_STATS vm_id=0 on the VM fd");
	s = (struct vmm_get_stats){ .vm_id = vm_id + 1000, .count = 1, .buf = (uintptr_t)st };
	r = xioctl(vm, VMM_GET_STATS, &s);
	result(r < 0, "VMM_GET_STATS on a VM fd with another VM's id fails");
}

/* returns the mmap offset of slot 0 (16 MiB at gpa 0), or ~0 */
static __u64 test_memory(int vm)
{
	struct vmm_mem_region m;
	__u64 off = ~0ULL, off2;
	long r;
	int i, all;

	ERR(add_mem(vm, 0, 0, 0x1001, 0x10000, NULL), "VMM_ADD_MEMORY unaligned gpa", EINVAL);
	ERR(add_mem(vm, 0, 0, 0, 0x10001, NULL), "VMM_ADD_MEMORY unaligned size", EINVAL);
	ERR(add_mem(vm, 0, 0, 0, 0, NULL), "VMM_ADD_MEMORY size 0", EINVAL);
	ERR(add_mem(vm, VMM_MAX_MEM_REGIONS, 0, 0, 0x1000, NULL), "VMM_ADD_MEMORY slot VMM_MAX_MEM_REGIONS",
	    EINVAL);
	ERR(add_mem(vm, 0xffffffff, 0, 0, 0x1000, NULL), "VMM_ADD_MEMORY slot 0xffffffff", EINVAL);
	ERR(add_mem(vm, 0, 0x80000000u, 0, 0x1000, NULL), "VMM_ADD_MEMORY unknown flag", EINVAL);
	ERR(add_mem(vm, 0, 0, 1ULL << 52, 0x1000, NULL), "VMM_ADD_MEMORY gpa beyond 52 bits", EINVAL);
	ERR(add_mem(vm, 0, 0, (1ULL << 52) - 0x1000, 0x2000, NULL), "VMM_ADD_MEMORY gpa+size beyond 52 bits",
	    EINVAL);
	ERR(add_mem(vm, 0, 0, ~0xfffULL, 0x2000, NULL), "VMM_ADD_MEMORY gpa+size wraps", EINVAL);
	ERR(add_mem(vm, 0, 0, 0, 1ULL << 40, NULL), "VMM_ADD_MEMORY 1 TiB", ENOMEM, EINVAL, E2BIG);
	ERR(add_mem(vm, 0, 0, 0, ~0xfffULL, NULL), "VMM_ADD_MEMORY size 2^64-4096", ENOMEM, EINVAL, E2BIG);
	memset(&m, 0, sizeof(m));
	m.size = 0x1000;
	m.reserved[1] = 1;
	ERR(xioctl(vm, VMM_ADD_MEMORY, &m), "VMM_ADD_MEMORY reserved[1]=1", EINVAL);
	ERR(xioctl(vm, VMM_ADD_MEMORY, NULL), "VMM_ADD_MEMORY NULL", EFAULT);
	ERR(xioctl(vm, VMM_ADD_MEMORY, (void *)1), "VMM_ADD_MEMORY (void *)1", EFAULT);

	r = add_mem(vm, 0, 0, 0, GUEST_MEM, &off);
	if (!expect_ok(r, "VMM_ADD_MEMORY slot 0: 16 MiB at gpa 0"))
		return ~0ULL;
	ERR(add_mem(vm, 0, 0, 0x10000000, 0x1000, NULL), "VMM_ADD_MEMORY slot 0 again", EEXIST, EINVAL, EBUSY);
	ERR(add_mem(vm, 1, 0, 8 * MiB, 16 * MiB, NULL), "VMM_ADD_MEMORY overlapping (inside and past)",
	    EINVAL, EEXIST);
	ERR(add_mem(vm, 1, 0, GUEST_MEM - 0x1000, 0x2000, NULL), "VMM_ADD_MEMORY overlapping the last page",
	    EINVAL, EEXIST);
	ERR(add_mem(vm, 1, 0, 0x1000, 0x1000, NULL), "VMM_ADD_MEMORY overlapping inside", EINVAL, EEXIST);
	all = 1;
	for (i = 1; i < VMM_MAX_MEM_REGIONS; i++) {
		r = add_mem(vm, i, i == 1 ? VMM_MEM_READONLY : 0, 0x40000000ULL + i * 0x100000ULL, 0x1000, &off2);
		if (r < 0) {
			all = 0;
			diag("slot %d: %s", i, ename(r));
		}
	}
	result(all, "VMM_ADD_MEMORY slots 1..%d (slot 1 read-only)", VMM_MAX_MEM_REGIONS - 1);
	ERR(add_mem(vm, VMM_MAX_MEM_REGIONS, 0, 0x80000000ULL, 0x1000, NULL),
	    "VMM_ADD_MEMORY a 9th region", EINVAL, ENOSPC, E2BIG);
	return off;
}

static void test_mmap(int vm, __u64 off)
{
	volatile unsigned char *p;
	void *q;
	int good = 1;
	__u64 i;

	if (off == ~0ULL) {
		result(0, "mmap of guest memory (no memory)");
		return;
	}
	p = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE, MAP_SHARED, vm, (off_t)off);
	result(p != MAP_FAILED, "mmap of the 16 MiB region");
	if (p != MAP_FAILED) {
		for (i = 0; i < GUEST_MEM; i += 4096)
			if (p[i] != 0)
				good = 0;
		result(good, "guest memory starts zeroed");
		for (i = 0; i < GUEST_MEM; i += 4096)
			p[i] = (unsigned char)(i >> 12);
		for (i = 0; i < GUEST_MEM; i += 4096)
			if (p[i] != (unsigned char)(i >> 12))
				good = 0;
		result(good, "guest memory is writable through the mapping");
		munmap((void *)p, GUEST_MEM);
	}
	q = mmap(NULL, GUEST_MEM + 4096, PROT_READ | PROT_WRITE, MAP_SHARED, vm, (off_t)off);
	result(q == MAP_FAILED, "mmap longer than the region fails");
	if (q != MAP_FAILED)
		munmap(q, GUEST_MEM + 4096);
	q = mmap(NULL, 4096, PROT_READ, MAP_SHARED, vm, (off_t)(off + (1ULL << 40)));
	result(q == MAP_FAILED, "mmap at an offset beyond guest memory fails");
	if (q != MAP_FAILED)
		munmap(q, 4096);
	q = mmap(NULL, 4096, PROT_READ, MAP_SHARED, vm, (off_t)(off + 0x800));
	result(q == MAP_FAILED, "mmap at an unaligned offset fails");
	if (q != MAP_FAILED)
		munmap(q, 4096);
}

static int test_vcpu(int vm)
{
	struct vmm_create_vcpu c = { 0 };
	long fd;

	fd = create_vcpu(vm, 0);
	expect_ok(fd, "VMM_CREATE_VCPU id 0");
	if (fd >= 0)
		result(fcntl((int)fd, F_GETFD) & FD_CLOEXEC, "vCPU fd is O_CLOEXEC");
	ERR(create_vcpu(vm, 0), "VMM_CREATE_VCPU duplicate id 0", EEXIST);
	ERR(create_vcpu(vm, VMM_MAX_VCPUS), "VMM_CREATE_VCPU id VMM_MAX_VCPUS", EINVAL);
	ERR(create_vcpu(vm, 0xffffffff), "VMM_CREATE_VCPU id 0xffffffff", EINVAL);
	c.id = 1;
	c.flags = 1;
	ERR(xioctl(vm, VMM_CREATE_VCPU, &c), "VMM_CREATE_VCPU flags=1", EINVAL);
	c.flags = 0;
	c.reserved[0] = 1;
	ERR(xioctl(vm, VMM_CREATE_VCPU, &c), "VMM_CREATE_VCPU reserved[0]=1", EINVAL);
	ERR(xioctl(vm, VMM_CREATE_VCPU, NULL), "VMM_CREATE_VCPU NULL", EFAULT);
	ERR(xioctl(vm, VMM_RUN, NULL), "vCPU ioctl (VMM_RUN) on a VM fd", ENOTTY, EINVAL);
	return (int)fd;
}

static void sregs_bad(int vcpu, const struct vmm_sregs *good, const char *what,
		      void (*mod)(struct vmm_sregs *))
{
	struct vmm_sregs s = *good;

	mod(&s);
	ERR(xioctl(vcpu, VMM_SET_SREGS, &s), what, EINVAL);
}

/* a valid 32-bit protected-mode, paging-off state to start from */
static void pm32(struct vmm_sregs *s)
{
	s->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE;
	s->cr4 = 0;
	s->efer = 0;
}
static void m_pg_no_pe(struct vmm_sregs *s) { s->cr0 = (s->cr0 | X86_CR0_PG) & ~X86_CR0_PE; }
static void m_lme_pg_no_pae(struct vmm_sregs *s)
{
	pm32(s);
	s->cr0 |= X86_CR0_PG;
	s->efer |= EFER_LME | EFER_LMA;
	s->cr4 &= ~X86_CR4_PAE;
}
static void m_cr4_rsvd63(struct vmm_sregs *s) { s->cr4 |= 1ULL << 63; }
static void m_cr4_rsvd15(struct vmm_sregs *s) { s->cr4 |= 1ULL << 15; }
static void m_nw_no_cd(struct vmm_sregs *s) { s->cr0 = (s->cr0 | X86_CR0_NW) & ~X86_CR0_CD; }
static void m_cr0_high(struct vmm_sregs *s) { s->cr0 |= 1ULL << 40; }
static void m_efer_rsvd(struct vmm_sregs *s) { s->efer |= 1ULL << 63; }
static void m_reserved(struct vmm_sregs *s) { s->reserved[3] = 1; }

static void test_vcpu_state(int vcpu)
{
	struct vmm_regs r;
	struct vmm_sregs s, s2;
	struct vmm_run run;
	long rc;

	expect_ok(xioctl(vcpu, VMM_GET_REGS, &r), "VMM_GET_REGS");
	expect_ok(xioctl(vcpu, VMM_SET_REGS, &r), "VMM_SET_REGS round trip");
	ERR(xioctl(vcpu, VMM_SET_REGS, NULL), "VMM_SET_REGS NULL", EFAULT);
	ERR(xioctl(vcpu, VMM_GET_REGS, (void *)1), "VMM_GET_REGS (void *)1", EFAULT);
	rc = xioctl(vcpu, VMM_GET_SREGS, &s);
	if (!expect_ok(rc, "VMM_GET_SREGS"))
		return;
	expect_ok(xioctl(vcpu, VMM_SET_SREGS, &s), "VMM_SET_SREGS round trip of the initial state");
	ERR(xioctl(vcpu, VMM_SET_SREGS, NULL), "VMM_SET_SREGS NULL", EFAULT);
	sregs_bad(vcpu, &s, "VMM_SET_SREGS CR0.PG=1 with PE=0", m_pg_no_pe);
	sregs_bad(vcpu, &s, "VMM_SET_SREGS EFER.LME=1, CR0.PG=1 without CR4.PAE", m_lme_pg_no_pae);
	sregs_bad(vcpu, &s, "VMM_SET_SREGS reserved CR4 bit 63", m_cr4_rsvd63);
	sregs_bad(vcpu, &s, "VMM_SET_SREGS reserved CR4 bit 15", m_cr4_rsvd15);
	sregs_bad(vcpu, &s, "VMM_SET_SREGS CR0.NW=1 with CD=0", m_nw_no_cd);
	sregs_bad(vcpu, &s, "VMM_SET_SREGS CR0 bit 40", m_cr0_high);
	sregs_bad(vcpu, &s, "VMM_SET_SREGS reserved EFER bit 63", m_efer_rsvd);
	sregs_bad(vcpu, &s, "VMM_SET_SREGS reserved[3]=1", m_reserved);
	rc = xioctl(vcpu, VMM_GET_SREGS, &s2);
	result(rc == 0 && !memcmp(&s, &s2, sizeof(s)), "refused VMM_SET_SREGS left the state unchanged");

	memset(&run, 0, sizeof(run));
	run.flags = 1;
	ERR(xioctl(vcpu, VMM_RUN, &run), "VMM_RUN flags=1", EINVAL);
	memset(&run, 0, sizeof(run));
	run.reserved = 1;
	ERR(xioctl(vcpu, VMM_RUN, &run), "VMM_RUN reserved=1", EINVAL);
	ERR(xioctl(vcpu, VMM_RUN, NULL), "VMM_RUN NULL", EFAULT);
	ERR(xioctl(vcpu, VMM_RUN, (void *)1), "VMM_RUN (void *)1", EFAULT);
	ERR(xioctl(vcpu, _IO(VMM_IOC_MAGIC, 0x2f), NULL), "unknown ioctl number on a vCPU fd", ENOTTY, EINVAL);
	ERR(xioctl(vcpu, VMM_CREATE_VCPU, &s), "VM ioctl (VMM_CREATE_VCPU) on a vCPU fd", ENOTTY, EINVAL);
}

static void test_console(int vm)
{
	long fd = xioctl(vm, VMM_GET_CONSOLE_FD, NULL);
	char c;
	ssize_t n;

	if (!expect_ok(fd, "VMM_GET_CONSOLE_FD"))
		return;
	fcntl((int)fd, F_SETFL, O_NONBLOCK);
	n = read((int)fd, &c, 1);
	result(n < 0 && errno == EAGAIN, "console read with O_NONBLOCK and nothing sent -> EAGAIN");
	close((int)fd);
}

static void test_many_vms(int dev)
{
	int fds[64], i, made = 0;
	long before = list_vms(dev, 0, NULL, NULL), after;

	for (i = 0; i < 64; i++) {
		fds[i] = create_vm(dev);
		if (fds[i] >= 0)
			made++;
	}
	result(made == 64, "64 VMs at once (made %d)", made);
	for (i = 0; i < 64; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	after = list_vms(dev, 0, NULL, NULL);
	result(after == before, "closing them destroys them (%ld live before, %ld after)", before, after);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/*
 * A PC's application processor waits for INIT-SIPI: VMM_RUN on vCPU 1
 * sleeps, without running a single guest instruction, until a signal
 * ends it with VMM_EXIT_INTR.
 */
static void test_pc_ap(int dev)
{
	struct vmm_create_vm c = { .flags = VMM_VM_PC };
	struct itimerval it = { .it_value = { 0, 200000 } };
	struct sigaction sa, old;
	struct vmm_regs regs;
	struct vmm_run run;
	int vm, ap;
	double t0, t;
	long r;

	vm = (int)xioctl(dev, VMM_CREATE_VM, &c);
	if (!expect_ok(vm, "VMM_CREATE_VM VMM_VM_PC"))
		return;
	expect_ok(add_mem(vm, 0, 0, 0, 1 << 20, NULL), "PC: VMM_ADD_MEMORY 1 MiB at 0");
	ap = (int)create_vcpu(vm, 1);
	if (!expect_ok(ap, "PC: VMM_CREATE_VCPU id 1 (an application processor)"))
		goto out;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	memset(&run, 0, sizeof(run));
	t0 = now_s();
	setitimer(ITIMER_REAL, &it, NULL);
	r = xioctl(ap, VMM_RUN, &run);
	t = now_s() - t0;
	sigaction(SIGALRM, &old, NULL);
	result((r == 0 && run.exit_reason == VMM_EXIT_INTR) || r == -EINTR,
	       "PC: VMM_RUN on an AP waits for SIPI until a signal (%s, exit reason %u)",
	       ename(r), run.exit_reason);
	result(t >= 0.15, "PC: the AP slept until the signal (%.3f s)", t);
	r = xioctl(ap, VMM_GET_REGS, &regs);
	result(r == 0 && regs.rip == 0xfff0,
	       "PC: the AP ran no instruction (RIP 0x%llx)", (unsigned long long)regs.rip);
	close(ap);
out:
	close(vm);
}

static long attach(int vm, int fd, __u32 type, __u32 port, __u32 flags)
{
	struct vmm_attach_disk a = {
		.fd = fd, .type = type, .port = port, .flags = flags,
	};

	return xioctl(vm, VMM_ATTACH_DISK, &a);
}

/*
 * VMM_ATTACH_DISK: the kernel checks what it is given itself (fd access
 * mode against the read-only flag, file kind and size, port, type,
 * reserved fields) and closes the configuration once the guest has run.
 */
static long disk_limit(int fd, unsigned long req, __u32 vm_id, __u32 disk,
		       __u64 iops, struct vmm_disk_limit *out)
{
	struct vmm_disk_limit l;
	long r;

	memset(&l, 0, sizeof(l));
	l.version = VMM_DISK_LIMIT_VERSION;
	l.vm_id = vm_id;
	l.disk = disk;
	l.iops = iops;
	r = xioctl(fd, req, &l);
	if (out)
		*out = l;
	return r;
}

/* VMM_SET/GET_DISK_LIMIT on vm (id vm_id) whose disks 0..2 have files. */
static void test_disk_limit(int dev, int vm, __u32 vm_id)
{
	struct vmm_disk_limit l;
	long r;

	r = disk_limit(vm, VMM_GET_DISK_LIMIT, 0, 2, 0, &l);
	result(r == 0 && l.type == VMM_DISK_AHCI_DISK && l.port == 3 &&
	       l.size == 1 << 20 && !l.iops && !l.bps,
	       "VMM_GET_DISK_LIMIT: disk 2 is the AHCI disk on port 3 (the empty CD drive is no disk), no limits (%s)",
	       ename(r));
	ERR(disk_limit(vm, VMM_GET_DISK_LIMIT, 0, 3, 0, NULL), "VMM_GET_DISK_LIMIT past the last disk", ENODEV);
	ERR(disk_limit(vm, VMM_GET_DISK_LIMIT, vm_id + 1000, 0, 0, NULL), "VMM_GET_DISK_LIMIT on a VM fd naming another VM", EINVAL);
	ERR(disk_limit(dev, VMM_GET_DISK_LIMIT, vm_id + 1000, 0, 0, NULL), "VMM_GET_DISK_LIMIT on /dev/vmm: no such VM", ENOENT);
	memset(&l, 0, sizeof(l));
	ERR(xioctl(vm, VMM_SET_DISK_LIMIT, &l), "VMM_SET_DISK_LIMIT version 0", EINVAL);
	l.version = VMM_DISK_LIMIT_VERSION;
	l.flags = 1;
	ERR(xioctl(vm, VMM_SET_DISK_LIMIT, &l), "VMM_SET_DISK_LIMIT unknown flag", EINVAL);
	l.flags = 0;
	l.reserved[3] = 1;
	ERR(xioctl(vm, VMM_SET_DISK_LIMIT, &l), "VMM_SET_DISK_LIMIT reserved field set", EINVAL);
	l.reserved[3] = 0;
	l.ops = 1;
	ERR(xioctl(vm, VMM_SET_DISK_LIMIT, &l), "VMM_SET_DISK_LIMIT an output field set", EINVAL);
	l.ops = 0;
	l.iops = VMM_DISK_LIMIT_MAX_RATE + 1;
	ERR(xioctl(vm, VMM_SET_DISK_LIMIT, &l), "VMM_SET_DISK_LIMIT iops above the maximum", EINVAL);
	l.iops = 0;
	l.bps_burst = 4096;
	ERR(xioctl(vm, VMM_SET_DISK_LIMIT, &l), "VMM_SET_DISK_LIMIT a burst without its rate", EINVAL);
	ERR(xioctl(vm, VMM_SET_DISK_LIMIT, (void *)8), "VMM_SET_DISK_LIMIT bad pointer", EFAULT);
	expect_ok(disk_limit(vm, VMM_SET_DISK_LIMIT, 0, 0, 1000, NULL), "VMM_SET_DISK_LIMIT disk 0 to 1000 IOPS on the VM fd");
	r = disk_limit(dev, VMM_GET_DISK_LIMIT, vm_id, 0, 0, &l);
	result(r == 0 && l.iops == 1000 && l.iops_burst == 100 && !l.bps,
	       "VMM_GET_DISK_LIMIT on /dev/vmm by id: 1000 IOPS, default burst 100 (%s, burst %llu)",
	       ename(r), (unsigned long long)l.iops_burst);
	expect_ok(disk_limit(dev, VMM_SET_DISK_LIMIT, vm_id, 1, 50, NULL), "VMM_SET_DISK_LIMIT on /dev/vmm by id (the owner)");
	expect_ok(disk_limit(dev, VMM_SET_DISK_LIMIT, vm_id, 0, 0, NULL), "VMM_SET_DISK_LIMIT back to no limit");
}

static void test_attach_disk(int dev)
{
	struct vmm_create_vm pc = { .flags = VMM_VM_PC }, bare = { 0 };
	char path[] = "/tmp/abi-disk-XXXXXX";
	struct vmm_attach_disk a;
	int vm, bvm, rw, ro, empty, dir, vcpu;
	struct vmm_run run;
	long r;

	rw = mkstemp(path);
	if (rw < 0 || ftruncate(rw, 1 << 20)) {
		result(0, "VMM_ATTACH_DISK: make a 1 MiB file (%s)", strerror(errno));
		return;
	}
	ro = open(path, O_RDONLY);
	unlink(path);
	empty = open("/tmp", O_RDWR | O_TMPFILE, 0600);
	dir = open("/tmp", O_RDONLY | O_DIRECTORY);
	bvm = (int)xioctl(dev, VMM_CREATE_VM, &bare);
	vm = (int)xioctl(dev, VMM_CREATE_VM, &pc);
	if (!expect_ok(vm, "VMM_CREATE_VM VMM_VM_PC for VMM_ATTACH_DISK"))
		goto out;
	ERR(attach(bvm, rw, VMM_DISK_AHCI_DISK, 0, 0), "VMM_ATTACH_DISK on a VM that is not a PC", ENOTTY);
	ERR(attach(vm, -1, VMM_DISK_AHCI_DISK, 0, 0), "VMM_ATTACH_DISK disk with fd -1", EBADF);
	ERR(attach(vm, 1000, VMM_DISK_AHCI_DISK, 0, 0), "VMM_ATTACH_DISK with a closed fd", EBADF);
	ERR(attach(vm, ro, VMM_DISK_AHCI_DISK, 0, 0), "VMM_ATTACH_DISK writable disk on a read-only fd", EBADF);
	ERR(attach(vm, empty, VMM_DISK_AHCI_DISK, 0, 0), "VMM_ATTACH_DISK empty file", EINVAL);
	ERR(attach(vm, dir, VMM_DISK_AHCI_DISK, 0, 0), "VMM_ATTACH_DISK directory", EINVAL, EBADF);
	ERR(attach(vm, rw, 7, 0, 0), "VMM_ATTACH_DISK unknown type", EINVAL);
	ERR(attach(vm, rw, VMM_DISK_AHCI_DISK, VMM_DISK_AHCI_PORTS, 0), "VMM_ATTACH_DISK port out of range", EINVAL);
	ERR(attach(vm, rw, VMM_DISK_AHCI_DISK, 0, 0x80), "VMM_ATTACH_DISK unknown flag", EINVAL);
	memset(&a, 0, sizeof(a));
	a.fd = rw;
	a.reserved[1] = 1;
	ERR(xioctl(vm, VMM_ATTACH_DISK, &a), "VMM_ATTACH_DISK reserved field set", EINVAL);
	a.reserved[1] = 0;
	a.reserved0 = 1;
	ERR(xioctl(vm, VMM_ATTACH_DISK, &a), "VMM_ATTACH_DISK reserved0 set", EINVAL);
	a.reserved0 = 0;
	a.queues = 2;
	ERR(xioctl(vm, VMM_ATTACH_DISK, &a), "VMM_ATTACH_DISK queues on an AHCI disk", EINVAL);
	a.queues = 0;
	a.size = 5;
	ERR(xioctl(vm, VMM_ATTACH_DISK, &a), "VMM_ATTACH_DISK size (an output) set", EINVAL);
	ERR(xioctl(vm, VMM_ATTACH_DISK, (void *)8), "VMM_ATTACH_DISK bad pointer", EFAULT);
	memset(&a, 0, sizeof(a));
	a.fd = ro;
	a.flags = VMM_DISK_READONLY;
	r = xioctl(vm, VMM_ATTACH_DISK, &a);
	result(r == 0 && a.size == 1 << 20, "VMM_ATTACH_DISK read-only disk on a read-only fd, size %llu (%s)",
	       (unsigned long long)a.size, ename(r));
	ERR(attach(vm, rw, VMM_DISK_AHCI_DISK, 0, 0), "VMM_ATTACH_DISK on a port taken", EBUSY);
	expect_ok(attach(vm, ro, VMM_DISK_AHCI_CDROM, 1, 0), "VMM_ATTACH_DISK CD (read-only by nature) on a read-only fd");
	expect_ok(attach(vm, -1, VMM_DISK_AHCI_CDROM, 2, 0), "VMM_ATTACH_DISK empty CD drive (fd -1)");
	expect_ok(attach(vm, rw, VMM_DISK_AHCI_DISK, 3, 0), "VMM_ATTACH_DISK writable disk on port 3");
	test_disk_limit(dev, vm, pc.vm_id);
	/* Once a vCPU has run, the configuration is closed. */
	expect_ok(add_mem(vm, 0, 0, 0, 1 << 20, NULL), "PC: VMM_ADD_MEMORY 1 MiB at 0 (for a run)");
	vcpu = (int)create_vcpu(vm, 0);
	if (expect_ok(vcpu, "PC: VMM_CREATE_VCPU 0 (for a run)")) {
		struct itimerval it = { .it_value = { 0, 100000 } };
		struct sigaction sa, old;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_alarm;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, &old);
		memset(&run, 0, sizeof(run));
		setitimer(ITIMER_REAL, &it, NULL);
		xioctl(vcpu, VMM_RUN, &run);
		sigaction(SIGALRM, &old, NULL);
		ERR(attach(vm, rw, VMM_DISK_AHCI_DISK, 4, 0), "VMM_ATTACH_DISK after the guest ran", EBUSY);
		close(vcpu);
	}
	close(vm);
out:
	if (bvm >= 0)
		close(bvm);
	close(rw);
	close(ro);
	if (empty >= 0)
		close(empty);
	if (dir >= 0)
		close(dir);
}

/*
 * VMM_ADD_BALLOON and VMM_BALLOON: PC VMs only, once, before the guest
 * runs; flags and reserved fields checked; the target is a 4 KiB multiple;
 * by id on /dev/vmm, or on the VM fd with its own id or 0.
 */
static void test_balloon(int dev)
{
	struct vmm_create_vm pc = { .flags = VMM_VM_PC }, bare = { 0 };
	struct vmm_add_balloon ab = { .flags = VMM_BALLOON_STATS };
	struct vmm_balloon b;
	int vm, bvm;
	long r;

	bvm = (int)xioctl(dev, VMM_CREATE_VM, &bare);
	vm = (int)xioctl(dev, VMM_CREATE_VM, &pc);
	if (!expect_ok(vm, "VMM_CREATE_VM VMM_VM_PC for VMM_ADD_BALLOON"))
		goto out;
	ERR(xioctl(bvm, VMM_ADD_BALLOON, &ab), "VMM_ADD_BALLOON on a VM that is not a PC", ENOTTY);
	memset(&b, 0, sizeof(b));
	ERR(xioctl(vm, VMM_BALLOON, &b), "VMM_BALLOON on a VM without a balloon", ENODEV);
	ab.flags = 1u << 7;
	ERR(xioctl(vm, VMM_ADD_BALLOON, &ab), "VMM_ADD_BALLOON with an unknown flag", EINVAL);
	ab.flags = VMM_BALLOON_STATS;
	ab.reserved[2] = 1;
	ERR(xioctl(vm, VMM_ADD_BALLOON, &ab), "VMM_ADD_BALLOON with a reserved field set", EINVAL);
	ab.reserved[2] = 0;
	expect_ok(xioctl(vm, VMM_ADD_BALLOON, &ab), "VMM_ADD_BALLOON");
	ERR(xioctl(vm, VMM_ADD_BALLOON, &ab), "VMM_ADD_BALLOON twice", EBUSY);

	memset(&b, 0, sizeof(b));
	b.flags = VMM_BALLOON_SET_TARGET;
	b.target_bytes = 4097;
	ERR(xioctl(vm, VMM_BALLOON, &b), "VMM_BALLOON target not a 4 KiB multiple", EINVAL);
	b.target_bytes = 1ULL << 44;
	ERR(xioctl(vm, VMM_BALLOON, &b), "VMM_BALLOON target of 16 TiB", EINVAL);
	b.target_bytes = 8 << 20;
	b.reserved[0] = 1;
	ERR(xioctl(vm, VMM_BALLOON, &b), "VMM_BALLOON with a reserved field set", EINVAL);
	b.reserved[0] = 0;
	b.flags = 1u << 5;
	ERR(xioctl(vm, VMM_BALLOON, &b), "VMM_BALLOON with an unknown flag", EINVAL);
	b.flags = VMM_BALLOON_SET_TARGET;
	r = xioctl(vm, VMM_BALLOON, &b);
	result(r == 0 && b.target_bytes == 8 << 20 && b.actual_bytes == 0,
	       "VMM_BALLOON on the VM fd sets the target (no driver: actual 0)");
	if (r)
		diag("got %s", ename(r));
	memset(&b, 0, sizeof(b));
	b.vm_id = pc.vm_id;
	r = xioctl(dev, VMM_BALLOON, &b);
	result(r == 0 && b.target_bytes == 8 << 20,
	       "VMM_BALLOON by id on /dev/vmm reads it back");
	b.vm_id = pc.vm_id + 1000;
	ERR(xioctl(dev, VMM_BALLOON, &b), "VMM_BALLOON by id of no VM", ENOENT);
	b.vm_id = pc.vm_id + 1000;
	ERR(xioctl(vm, VMM_BALLOON, &b), "VMM_BALLOON on a VM fd with another id", EINVAL);
out:
	if (vm >= 0)
		close(vm);
	if (bvm >= 0)
		close(bvm);
}

static int run_suite(void)
{
	struct vmm_create_vm c = { 0 };
	int dev, vm, vcpu, found = 1;
	__u64 off;
	long r;
	struct vmm_regs regs;

	printf("KTAP version 1\n# Subtest: abi\n");
	dev = open_dev();
	result(dev >= 0, "open " DEV);
	if (dev < 0) {
		diag("open: %s", strerror(errno));
		printf("Bail out! no " DEV "\n1..%d\n# abi: 0 passed, %d failed\n", n_tests, n_fail);
		return 1;
	}
	test_dev(dev);
	test_create_vm(dev);

	r = xioctl(dev, VMM_CREATE_VM, &c);
	if (!expect_ok(r, "VMM_CREATE_VM"))
		goto out;
	vm = (int)r;
	result(fcntl(vm, F_GETFD) & FD_CLOEXEC, "VM fd is O_CLOEXEC");
	result(c.vm_id != 0, "VMM_CREATE_VM returns a nonzero vm_id (%u)", c.vm_id);
	ERR(xioctl(vm, _IO(VMM_IOC_MAGIC, 0x1f), NULL), "unknown ioctl number on a VM fd", ENOTTY, EINVAL);
	ERR(xioctl(vm, VMM_CREATE_VM, &c), "VMM_CREATE_VM on a VM fd", ENOTTY, EINVAL);
	test_list_stats(dev, vm, c.vm_id);
	off = test_memory(vm);
	/* Guest RAM is backed on first touch: nothing yet, all after mmap's. */
	r = resident_of(dev, c.vm_id);
	result(r == 0, "VMM_LIST_VMS: no guest RAM resident before it is touched (%ld pages)", r);
	test_mmap(vm, off);
	r = resident_of(dev, c.vm_id);
	result(r == GUEST_MEM / 4096, "VMM_LIST_VMS: all 16 MiB resident once mmap touched every page (%ld pages)", r);
	vcpu = test_vcpu(vm);
	if (vcpu >= 0)
		test_vcpu_state(vcpu);
	test_console(vm);

	/* the vCPU fd outlives the VM fd: it must keep working or fail cleanly */
	close(vm);
	if (vcpu >= 0) {
		r = xioctl(vcpu, VMM_GET_REGS, &regs);
		result(1, "VMM_GET_REGS on a vCPU fd after its VM fd was closed (%s)", ename(r));
		r = list_vms(dev, c.vm_id, &found, NULL);
		diag("VM listed while its vCPU fd is open: %s", r >= 0 && found ? "yes" : "no");
		close(vcpu);
	}
	r = list_vms(dev, c.vm_id, &found, NULL);
	result(r >= 0 && !found, "VM is gone once all its fds are closed");
	test_many_vms(dev);
	test_pc_ap(dev);
	test_attach_disk(dev);
	test_balloon(dev);
out:
	close(dev);
	printf("1..%d\n# abi: %d passed, %d failed\n", n_tests, n_tests - n_fail, n_fail);
	return n_fail ? 1 : 0;
}

/* ------------------------------------------------------------------ */

static int cycles(int n)
{
	int dev = open_dev(), i;

	if (dev < 0) {
		perror(DEV);
		return 1;
	}
	for (i = 0; i < n; i++) {
		int vm = create_vm(dev);
		__u64 off = 0, j;
		unsigned char *p;
		long vcpu;

		if (vm < 0) {
			fprintf(stderr, "cycle %d: VMM_CREATE_VM: %s\n", i, strerror(-vm));
			return 1;
		}
		if (add_mem(vm, 0, 0, 0, GUEST_MEM, &off) < 0) {
			fprintf(stderr, "cycle %d: VMM_ADD_MEMORY failed\n", i);
			return 1;
		}
		p = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE, MAP_SHARED, vm, (off_t)off);
		if (p == MAP_FAILED) {
			fprintf(stderr, "cycle %d: mmap: %s\n", i, strerror(errno));
			return 1;
		}
		for (j = 0; j < GUEST_MEM; j += 4096)
			p[j] = 1;
		vcpu = create_vcpu(vm, 0);
		if (vcpu < 0) {
			fprintf(stderr, "cycle %d: VMM_CREATE_VCPU: %s\n", i, strerror((int)-vcpu));
			return 1;
		}
		/* close in an order where the VM fd goes first */
		close(vm);
		munmap(p, GUEST_MEM);
		close((int)vcpu);
	}
	close(dev);
	return 0;
}

static const char *const reason_names[VMM_STAT_NR_REASONS] = {
	"cpuid", "hlt", "io", "msr_read", "msr_write", "mmio", "npf", "extint", "nmi",
	"shutdown", "hypercall", "invalid_op", "exception", "intr_window", "xsetbv",
	"cr_access", "pause", "invd", "task_switch", "entry_fail", "other",
};

static int stats(void)
{
	struct vmm_exit_stat st[VMM_STAT_NR_REASONS];
	struct vmm_get_stats s = { .count = VMM_STAT_NR_REASONS, .buf = (uintptr_t)st };
	int dev = open_dev(), i;

	if (dev < 0 || xioctl(dev, VMM_GET_STATS, &s) < 0) {
		perror("VMM_GET_STATS");
		return 1;
	}
	for (i = 0; i < VMM_STAT_NR_REASONS; i++)
		printf("%s %llu\n", reason_names[i], (unsigned long long)st[i].count);
	printf("total_exits %llu\nruns %llu\n", (unsigned long long)s.total_exits,
	       (unsigned long long)s.runs);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "--count-vms")) {
		int dev = open_dev();
		long r = dev < 0 ? -errno : list_vms(dev, 0, NULL, NULL);

		if (r < 0) {
			fprintf(stderr, "VMM_LIST_VMS: %s\n", strerror((int)-r));
			return 1;
		}
		printf("%ld\n", r);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "--stats"))
		return stats();
	if (argc >= 3 && !strcmp(argv[1], "--cycles"))
		return cycles(atoi(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "--exec")) {
		sigset_t none;

		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		return 127;
	}
	if (argc >= 2) {
		fprintf(stderr, "usage: %s [--count-vms | --stats | --cycles N | --exec CMD...]\n", argv[0]);
		return 2;
	}
	return run_suite();
}
