// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the paravirtual clock's arithmetic (module/core/pvclock.c). */
#include "ktap.h"
#include "pvclock.h"

/* Exact ns for ticks at khz, rounded down (the reference). */
static u64 ref_ns(u64 ticks, u32 khz)
{
	return (u64)((unsigned __int128)ticks * 1000000 / khz);
}

/* Over an hour of ticks, the scale is within 1 ns per ms (1 ppm). */
static int test_scale_accuracy(void)
{
	static const u32 khz[] = { 1, 999, 1000, 1000000, 1000001, 2099999,
				   2100000, 2994375, 3700000, 5000000, 4294967 };
	int ok = 1;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(khz); i++) {
		struct vmm_pvclock_scale s;
		u64 ticks, want, got, err;

		ok &= KTAP_EXPECT(vmm_pvclock_scale(khz[i], &s));
		ok &= KTAP_EXPECT(s.mul >= 0x80000000u);
		ticks = (u64)khz[i] * 1000 * 3600;	/* one hour */
		want = ref_ns(ticks, khz[i]);
		got = vmm_pvclock_scale_delta(ticks, &s);
		err = want > got ? want - got : got - want;
		if (!KTAP_EXPECT(err <= want / 1000000 + 1)) {
			printf("# khz %u: mul %#x shift %d: %llu ns for an hour, want %llu\n",
			       khz[i], s.mul, s.shift, (unsigned long long)got,
			       (unsigned long long)want);
			ok = 0;
		}
	}
	return ok;
}

/* Time never runs backwards as ticks grow, and 0 ticks is 0 ns. */
static int test_scale_monotonic(void)
{
	struct vmm_pvclock_scale s;
	u64 t, prev = 0;
	int ok = 1;

	ok &= KTAP_EXPECT(vmm_pvclock_scale(2994375, &s));
	ok &= KTAP_EXPECT(vmm_pvclock_scale_delta(0, &s) == 0);
	for (t = 1; t < (1ULL << 40); t = t * 3 + 7) {
		u64 ns = vmm_pvclock_scale_delta(t, &s);

		ok &= KTAP_EXPECT(ns >= prev);
		prev = ns;
	}
	return ok;
}

static int test_no_frequency(void)
{
	struct vmm_pvclock_scale s = { 0, 0 };

	return KTAP_EXPECT(!vmm_pvclock_scale(0, &s));
}

/* KVM's signature at 0x40000100 and only the clock's features. */
static int test_cpuid(void)
{
	u32 a, b, c, d;
	char sig[13] = { 0 };
	int ok = 1;

	vmm_pvclock_cpuid(PVCLOCK_CPUID_BASE, &a, &b, &c, &d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	ok &= KTAP_EXPECT(a == PVCLOCK_CPUID_FEATURES);
	ok &= KTAP_EXPECT(!memcmp(sig, "KVMKVMKVM\0\0\0", 12));
	vmm_pvclock_cpuid(PVCLOCK_CPUID_FEATURES, &a, &b, &c, &d);
	ok &= KTAP_EXPECT(a == ((1u << 3) | (1u << 24)) && !b && !c && !d);
	vmm_pvclock_cpuid(0x40000102, &a, &b, &c, &d);
	ok &= KTAP_EXPECT(!a && !b && !c && !d);
	return ok;
}

/* A struct crossing a page boundary is refused; bit 0 is the enable. */
static int test_gpa(void)
{
	int ok = 1;

	ok &= KTAP_EXPECT(vmm_pvclock_gpa_ok(0x1000 | 1, 32));
	ok &= KTAP_EXPECT(vmm_pvclock_gpa_ok(0x1fe0 | 1, 32));
	ok &= KTAP_EXPECT(!vmm_pvclock_gpa_ok(0x1fe8 | 1, 32));
	ok &= KTAP_EXPECT(vmm_pvclock_gpa_ok(0x2ff4, 12));
	ok &= KTAP_EXPECT(!vmm_pvclock_gpa_ok(0x2ff8, 12));
	return ok;
}

int main(void)
{
	ktap_begin("pvclock", 5);
	ktap_result(test_scale_accuracy(), "scale_within_1ppm_over_an_hour");
	ktap_result(test_scale_monotonic(), "scale_monotonic");
	ktap_result(test_no_frequency(), "no_tsc_frequency_no_clock");
	ktap_result(test_cpuid(), "cpuid_kvm_signature_and_clock_features");
	ktap_result(test_gpa(), "struct_must_fit_in_one_page");
	return ktap_end();
}
