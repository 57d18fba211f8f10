// SPDX-License-Identifier: GPL-2.0
/*
 * cr4.bin: a guest that sets every CR4 bit, one at a time, from long mode,
 * and checks the answer: the bits the VMM vets and supports everywhere
 * stick, the ones it does not (VMX/SMX, OSXSAVE, PKE/PKS, CET, UINTR,
 * LAM, FRED, reserved) raise #GP and leave CR4 as it was, and the ones
 * that depend on the host CPU do either. Then TSC_AUX: on AMD the guest
 * owns its own, and RDPID returns it, never the host CPU's number. Then
 * the MSRs the VMM passes through or switches (segment bases, SYSENTER,
 * SYSCALL): each gets a value of the guest's own, different from the
 * host's, and must still read it after exits that ran the host's kernel
 * and the VMM's userspace (printing is a port exit to vmmctl, which makes
 * system calls with the host's LSTAR, STAR, SFMASK and GS base): a host
 * that kept a guest value would crash there.
 * Prints KTAP; exits 0 if all passed.
 */
#include "guest.h"

static int n_ok, n_fail, n_skip, n_test;

static void result(bool ok, const char *desc)
{
	n_test++;
	if (ok)
		n_ok++;
	else
		n_fail++;
	printf("%s %d - %s\n", ok ? "ok" : "not ok", n_test, desc);
}

static void skip(const char *desc, const char *why)
{
	n_test++;
	n_skip++;
	printf("ok %d - %s # SKIP %s\n", n_test, desc, why);
}

#define BIT64(n)	(1UL << (n))

/* Supported wherever the VMM runs: set, they must stick. */
#define CR4_ALWAYS	(BIT64(0) | BIT64(1) | BIT64(2) | BIT64(3) | BIT64(4) | \
			 BIT64(5) | BIT64(6) | BIT64(7) | BIT64(8) | BIT64(9) | \
			 BIT64(10))
/*
 * Host-dependent (UMIP, FSGSBASE, PCIDE): either answer is right. SMEP
 * and SMAP are not tried: our page tables are user pages, so with SMEP
 * the next fetch faults, and so would the handler.
 */
#define CR4_MAYBE	(BIT64(11) | BIT64(16) | BIT64(17))
#define CR4_UNTRIED	(BIT64(20) | BIT64(21))

static const char *const cr4_names[64] = {
	"VME", "PVI", "TSD", "DE", "PSE", "PAE", "MCE", "PGE", "PCE",
	"OSFXSR", "OSXMMEXCPT", "UMIP", "LA57", "VMXE", "SMXE", "bit15",
	"FSGSBASE", "PCIDE", "OSXSAVE", "KL", "SMEP", "SMAP", "PKE", "CET",
	"PKS", "UINTR", "bit26", "bit27", "LAM_SUP", "bit29", "bit30", "bit31",
	"FRED",
};

static __attribute__((noinline)) int try_write_cr4(u64 val)
{
	return exc_try(asm volatile("mov %0, %%cr4" : : "r"(val) : "memory"));
}

static void test_cr4_bits(void)
{
	u64 orig = read_cr4();
	unsigned int gp_expected = 0, gp_seen = 0, bad = 0, stuck = 0;
	int bit;

	printf("# CR4 at start: 0x%lx\n", (unsigned long)orig);
	for (bit = 0; bit < 64; bit++) {
		u64 b = BIT64(bit), now;
		const char *name = bit < 33 ? cr4_names[bit] : "reserved";
		int v;

		if (b & CR4_UNTRIED)
			continue;
		v = try_write_cr4(orig | b);
		now = read_cr4();
		if (b & CR4_ALWAYS) {
			if (v >= 0 || !(now & b)) {
				bad++;
				printf("# CR4.%s (bit %d): %s, CR4 now 0x%lx\n",
				       name, bit, v >= 0 ? exc_name(v) : "did not stick",
				       (unsigned long)now);
			}
		} else if (b & CR4_MAYBE) {
			printf("# CR4.%s (bit %d): %s\n", name, bit,
			       v >= 0 ? exc_name(v) : "accepted");
			if (v >= 0 && v != 13) {
				bad++;
			} else if (v < 0 && !(now & b)) {
				bad++;
				printf("# CR4.%s accepted but reads back clear\n", name);
			}
		} else {
			gp_expected++;
			if (v == 13 && now == orig) {
				gp_seen++;
			} else {
				bad++;
				printf("# CR4.%s (bit %d): %s, CR4 now 0x%lx\n", name,
				       bit, v >= 0 ? exc_name(v) : "accepted",
				       (unsigned long)now);
			}
		}
		if (now != orig) {
			if (try_write_cr4(orig) >= 0)
				stuck++;
		}
	}
	printf("# unvetted bits: %u of %u raised #GP\n", gp_seen, gp_expected);
	result(gp_seen == gp_expected,
	       "unvetted CR4 bits raise #GP and leave CR4 alone");
	result(bad == 0, "every CR4 bit gets the answer our policy gives");
	result(stuck == 0 && read_cr4() == orig, "CR4 restored after each bit");

	/* Long mode needs PAE: clearing it is #GP. */
	result(try_write_cr4(orig & ~BIT64(5)) == 13 && read_cr4() == orig,
	       "clearing CR4.PAE in long mode raises #GP");
	/* Several unvetted bits at once, with legal ones beside them. */
	result(try_write_cr4(orig | BIT64(7) | BIT64(22) | BIT64(23)) == 13 &&
	       read_cr4() == orig,
	       "PGE+PKE+CET together raise #GP");
}

static bool is_amd(void)
{
	u32 a, b, c, d;

	cpuid(0, 0, &a, &b, &c, &d);
	return b == 0x68747541 || b == 0x6f677948;	/* "Auth", "Hygo" */
}

#define MSR_TSC_AUX	0xc0000103

static __attribute__((noinline)) int try_rdpid(u64 *out)
{
	volatile u64 val = 0;
	int v = exc_try(({ u64 r; asm volatile(".byte 0xf3, 0x0f, 0xc7, 0xf8"
					       : "=a"(r)); val = r; }));

	*out = val;
	return v;
}

static void test_tsc_aux(void)
{
	volatile u64 val = 0;
	u64 pid = 0;
	int v, i;

	if (!is_amd()) {
		/* VT-x without "enable RDTSCP": both are #UD. */
		v = exc_try(({ u32 a, d, c; asm volatile("rdtscp" : "=a"(a), "=d"(d), "=c"(c)); }));
		result(v == 6, "RDTSCP raises #UD");
		v = try_rdpid(&pid);
		result(v == 6, "RDPID raises #UD");
		return;
	}
	v = exc_try(wrmsr(MSR_TSC_AUX, 0x5a5a1234));
	if (v == 13) {
		skip("guest TSC_AUX is the guest's", "no RDTSCP/RDPID on the host");
		return;
	}
	result(v < 0, "WRMSR TSC_AUX accepted");
	/*
	 * RDTSCP is hidden and intercepted (#UD); QEMU's TCG does not
	 * honour that intercept, and then ECX must be the guest's value.
	 */
	v = exc_try(({ u32 a, d, c; asm volatile("rdtscp" : "=a"(a), "=d"(d), "=c"(c));
		       val = c; }));
	printf("# RDTSCP: %s 0x%lx\n", v < 0 ? "returned" : exc_name(v),
	       (unsigned long)val);
	result(v == 6 || (v < 0 && val == 0x5a5a1234),
	       "RDTSCP raises #UD, or returns the guest's TSC_AUX");
	v = exc_try(val = rdmsr(MSR_TSC_AUX));
	result(v < 0 && val == 0x5a5a1234, "RDMSR TSC_AUX reads the guest's value");
	result(exc_try(wrmsr(MSR_TSC_AUX, 1UL << 32)) == 13,
	       "TSC_AUX bits 63:32 raise #GP");

	v = try_rdpid(&pid);
	if (v == 6) {
		skip("RDPID returns the guest's TSC_AUX", "the CPU has no RDPID");
		return;
	}
	/* Many exits between the reads: each entry must load it again. */
	for (i = 0; i < 100 && v < 0 && pid == 0x5a5a1234; i++) {
		u32 a, b, c, d;

		cpuid(0, 0, &a, &b, &c, &d);
		v = try_rdpid(&pid);
	}
	printf("# RDPID: %s 0x%lx\n", v < 0 ? "returned" : exc_name(v),
	       (unsigned long)pid);
	result(v < 0 && pid == 0x5a5a1234,
	       "RDPID returns the guest's TSC_AUX across 100 exits, not the host's");
	wrmsr(MSR_TSC_AUX, 0);
}

#define MSR_IA32_SYSENTER_CS	0x174
#define MSR_IA32_SYSENTER_ESP	0x175
#define MSR_IA32_SYSENTER_EIP	0x176
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SYSCALL_MASK	0xc0000084
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102

static void test_native_msrs(void)
{
	static const struct {
		u32 msr;
		u64 val;	/* canonical, unlike any host's */
		const char *name;
	} m[] = {
		{ MSR_IA32_SYSENTER_CS, 0x5a18, "SYSENTER_CS" },
		{ MSR_IA32_SYSENTER_ESP, 0x00007f5a5a5a1000, "SYSENTER_ESP" },
		{ MSR_IA32_SYSENTER_EIP, 0xffff8a5a5a5a2000, "SYSENTER_EIP" },
		{ MSR_STAR, 0x0023001b5a5a3000, "STAR" },
		{ MSR_LSTAR, 0xffff8a5a5a5a4000, "LSTAR" },
		{ MSR_CSTAR, 0xffff8a5a5a5a5000, "CSTAR" },
		{ MSR_SYSCALL_MASK, 0x47700, "SFMASK" },
		{ MSR_FS_BASE, 0x00007f5a5a5a6000, "FS_BASE" },
		{ MSR_GS_BASE, 0x00007f5a5a5a7000, "GS_BASE" },
		{ MSR_KERNEL_GS_BASE, 0xffff8a5a5a5a8000, "KERNEL_GS_BASE" },
	};
	u64 orig[ARRAY_SIZE(m)];
	volatile unsigned int i, bad_w = 0, bad_r = 0;
	unsigned int round;

	for (i = 0; i < ARRAY_SIZE(m); i++) {
		orig[i] = rdmsr(m[i].msr);
		if (exc_try(wrmsr(m[i].msr, m[i].val)) >= 0) {
			printf("# WRMSR %s raised %s\n", m[i].name, exc_name(exc_vector));
			bad_w++;
		}
	}
	result(bad_w == 0, "WRMSR of a guest value to each switched MSR accepted");
	/* Exits to the host's kernel (CPUID) and to vmmctl (each line). */
	for (round = 0; round < 5; round++) {
		u32 a, b, c, d;

		for (i = 0; i < 20; i++)
			cpuid(0, 0, &a, &b, &c, &d);
		printf("# switched MSRs: round %u of exits to the host\n", round + 1);
		for (i = 0; i < ARRAY_SIZE(m); i++) {
			u64 v = rdmsr(m[i].msr);

			if (v != m[i].val) {
				printf("# %s: wrote 0x%lx, read 0x%lx\n", m[i].name,
				       (unsigned long)m[i].val, (unsigned long)v);
				bad_r++;
			}
		}
	}
	result(bad_r == 0,
	       "each switched MSR keeps the guest's value across exits to the host kernel and to vmmctl");
	for (i = 0; i < ARRAY_SIZE(m); i++)
		wrmsr(m[i].msr, orig[i]);
	result(rdmsr(MSR_LSTAR) == orig[4] && rdmsr(MSR_GS_BASE) == orig[8],
	       "the guest's earlier values come back");
}

int main(void)
{
	puts("KTAP version 1\n");
	test_cr4_bits();
	test_tsc_aux();
	test_native_msrs();
	printf("1..%d\n# cr4: %d passed, %d failed, %d skipped\n", n_test,
	       n_ok, n_fail, n_skip);
	return n_fail ? 1 : 0;
}
