// SPDX-License-Identifier: GPL-2.0
/*
 * hostile.bin: a guest that does what a guest must not, and checks it gets
 * the architectural answer (#UD, #GP, or nothing at all) while the host
 * stays up: both vendors' virtualization instructions, INVD/WBINVD, debug
 * registers, and every MSR in the three architectural ranges read (and
 * written back with the value read). Prints KTAP; exits 0 if all passed.
 */
#include "guest.h"

static int n_ok, n_fail, n_test;

static void result(bool ok, const char *desc)
{
	n_test++;
	if (ok)
		n_ok++;
	else
		n_fail++;
	printf("%s %d - %s\n", ok ? "ok" : "not ok", n_test, desc);
}

#define INSN(name, bytes) \
	static void name(void) { asm volatile(".byte " bytes ::: "memory"); }

/* SVM instructions; rax = 0 (VMRUN etc. take an address in rax). */
INSN(i_vmrun, "0x0f, 0x01, 0xd8")
INSN(i_vmload, "0x0f, 0x01, 0xda")
INSN(i_vmsave, "0x0f, 0x01, 0xdb")
INSN(i_stgi, "0x0f, 0x01, 0xdc")
INSN(i_clgi, "0x0f, 0x01, 0xdd")
INSN(i_skinit, "0x0f, 0x01, 0xde")
INSN(i_invlpga, "0x0f, 0x01, 0xdf")
/* VMX instructions. */
INSN(i_vmlaunch, "0x0f, 0x01, 0xc2")
INSN(i_vmresume, "0x0f, 0x01, 0xc3")
INSN(i_vmxoff, "0x0f, 0x01, 0xc4")
INSN(i_vmread, "0x0f, 0x78, 0xc0")		/* vmread rax, rax */
INSN(i_vmwrite, "0x0f, 0x79, 0xc0")		/* vmwrite rax, rax */
INSN(i_vmptrst, "0x0f, 0xc7, 0x38")		/* vmptrst [rax] */
/* XSAVE is hidden, MONITOR/MWAIT too. */
INSN(i_xsetbv, "0x0f, 0x01, 0xd1")
INSN(i_monitor, "0x0f, 0x01, 0xc8")
INSN(i_mwait, "0x0f, 0x01, 0xc9")

static const struct {
	const char *name;
	void (*fn)(void);
} ud_insns[] = {
	{ "vmrun", i_vmrun }, { "vmload", i_vmload }, { "vmsave", i_vmsave },
	{ "stgi", i_stgi }, { "clgi", i_clgi }, { "skinit", i_skinit },
	{ "invlpga", i_invlpga }, { "vmlaunch", i_vmlaunch },
	{ "vmresume", i_vmresume }, { "vmxoff", i_vmxoff },
	{ "vmread", i_vmread }, { "vmwrite", i_vmwrite },
	{ "vmptrst", i_vmptrst }, { "xsetbv", i_xsetbv },
	{ "monitor", i_monitor }, { "mwait", i_mwait },
};

static void test_forbidden(void)
{
	char desc[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ud_insns); i++) {
		void (*volatile fn)(void) = ud_insns[i].fn;
		int v;

		/*
		 * RAX points at scratch RAM, should anything use it; ECX/EDX
		 * are 0 so MONITOR/MWAIT pass their own #GP checks, which
		 * come before the intercept.
		 */
		v = exc_try(({ asm volatile("mov $0x90000, %%eax; xor %%ecx, %%ecx;"
					    "xor %%edx, %%edx; call *%0"
					    : : "r"(fn) : "rax", "rcx", "rdx", "memory"); }));
		printf("# %s: %s\n", ud_insns[i].name, v < 0 ? "completed" : exc_name(v));
		memcpy(desc, "forbidden instruction raises #UD: ", 34);
		memcpy(desc + 34, ud_insns[i].name, strlen(ud_insns[i].name) + 1);
		result(v == 6, desc);
	}
}

static void test_cache_control(void)
{
	result(exc_try(asm volatile("wbinvd" ::: "memory")) < 0,
	       "wbinvd completes");
	result(exc_try(asm volatile("invd" ::: "memory")) < 0,
	       "invd completes (emulated without discarding host caches)");
}

static void test_debug_regs(void)
{
	volatile u64 got[4];
	bool ok = true;
	int v;

	v = exc_try(({
		asm volatile("mov %0, %%db0" : : "r"(0x1000UL));
		asm volatile("mov %0, %%db1" : : "r"(0x2000UL));
		asm volatile("mov %0, %%db2" : : "r"(0x3000UL));
		asm volatile("mov %0, %%db3" : : "r"(0x4000UL));
		asm volatile("mov %%db0, %0" : "=r"(got[0]));
		asm volatile("mov %%db1, %0" : "=r"(got[1]));
		asm volatile("mov %%db2, %0" : "=r"(got[2]));
		asm volatile("mov %%db3, %0" : "=r"(got[3]));
	}));
	if (v >= 0)
		printf("# debug registers: %s\n", exc_name(v));
	ok = v < 0 && got[0] == 0x1000 && got[1] == 0x2000 &&
	     got[2] == 0x3000 && got[3] == 0x4000;
	result(ok, "DR0-3 hold what was written");
	v = exc_try(({ u64 d; asm volatile("mov %%db7, %0" : "=r"(d)); }));
	result(v < 0, "DR7 is readable");
	v = exc_try(({
		asm volatile("mov %0, %%db7" : : "r"(0x401UL));
		asm volatile("mov %%db7, %0" : "=r"(got[0]));
		asm volatile("mov %0, %%db7" : : "r"(0x400UL));
	}));
	result(v < 0 && got[0] == 0x401, "DR7 holds what was written");
	v = exc_try(asm volatile("mov %0, %%db7" : : "r"(1UL << 32)));
	result(v == 13, "DR7 bits 63:32 set raise #GP");
}

/* TF single-step: #DB is intercepted by the VMM and must still arrive. */
static void test_single_step(void)
{
	int v = exc_try(asm volatile("pushf; orq $0x100, (%%rsp); popf; nop"
				     ::: "memory", "cc"));

	result(v == 1, "single-step (RFLAGS.TF) delivers #DB to the guest");
	asm volatile("pushf; andq $~0x100, (%%rsp); popf" ::: "memory", "cc");
}

/* The exception vector RDMSR/WRMSR raised, or -1. */
static __attribute__((noinline)) int try_rdmsr(u32 msr, u64 *out)
{
	volatile u64 val = 0;
	int v = exc_try(val = rdmsr(msr));

	*out = val;
	return v;
}

static __attribute__((noinline)) int try_wrmsr(u32 msr, u64 val)
{
	return exc_try(wrmsr(msr, val));
}

/* Read every MSR of a range; write readable ones back unchanged. */
static void sweep(u32 base, u32 count, const char *desc)
{
	unsigned int readable = 0, gp = 0, other = 0, wfail = 0;
	u32 i;

	for (i = 0; i < count; i++) {
		u32 msr = base + i;
		u64 val;
		int v = try_rdmsr(msr, &val);

		if (v == 13) {
			gp++;
			continue;
		}
		if (v >= 0) {
			other++;
			printf("# rdmsr 0x%x: %s\n", msr, exc_name(v));
			continue;
		}
		readable++;
		v = try_wrmsr(msr, val);
		if (v >= 0 && v != 13) {
			wfail++;
			printf("# wrmsr 0x%x <- 0x%lx: %s\n", msr, (unsigned long)val,
			       exc_name(v));
		}
	}
	printf("# %s: %u readable, %u #GP\n", desc, readable, gp);
	result(other == 0 && wfail == 0, desc);
}

static void test_msrs(void)
{
	sweep(0x00000000, 0x2000, "MSR sweep 0x0-0x1fff: #GP or a value, never anything else");
	sweep(0xc0000000, 0x2000, "MSR sweep 0xc0000000-0xc0001fff");
	sweep(0xc0010000, 0x2000, "MSR sweep 0xc0010000-0xc0011fff");
	sweep(0x40000000, 0x100, "MSR sweep 0x40000000-0x400000ff (hypervisor range)");
	sweep(0xfffffff0, 0x10, "MSR sweep 0xfffffff0-0xffffffff");
}

int main(void)
{
	puts("KTAP version 1\n");
	test_forbidden();
	test_cache_control();
	test_debug_regs();
	test_single_step();
	test_msrs();
	printf("1..%d\n# hostile: %d passed, %d failed\n", n_test, n_ok, n_fail);
	return n_fail ? 1 : 0;
}
