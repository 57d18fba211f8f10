// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the CPUID policy (module/core/cpuid.c) against fake hosts. */
#include "ktap.h"
#include "cpuid.h"

#define ANY	0xffffffffu

struct fake_leaf {
	u32 leaf, subleaf;
	struct cpuid_regs r;
};

/* Roughly a Sapphire Rapids host (with VMX). */
static const struct fake_leaf intel_host[] = {
	{ 0x0, ANY, { 0x20, 0x756e6547, 0x6c65746e, 0x49656e69 } },
	{ 0x1, ANY, { 0x000806f8, 0x3c800800, 0x7ffefbff, 0xbfebfbff } },
	{ 0x2, ANY, { 0x00feff01, 0xf0, 0, 0 } },
	{ 0x4, 0, { 0xfc004121, 0x02c0003f, 0x3f, 0 } },
	{ 0x5, ANY, { 0x40, 0x40, 3, 0x2020 } },
	{ 0x6, ANY, { 0xdf7ff7, 2, 0x409, 3 } },
	{ 0x7, 0, { 2, 0xf3bfbfff, 0x1b417ffe, 0xfc1cc412 } },
	{ 0x7, 1, { 0x1c30, 0, 0, 0 } },
	{ 0xa, ANY, { 0x08300805, 0, 0xf, 0x8603 } },
	{ 0xb, 0, { 1, 2, 0x100, 0x3c } },
	{ 0xb, 1, { 7, 0x70, 0x201, 0x3c } },
	{ 0xd, 0, { 0x2e7, 0xa88, 0x2e8, 0 } },
	{ 0x12, 0, { 1, 0, 0, 0x241f } },
	{ 0x14, 0, { 1, 0xbf, 7, 0 } },
	{ 0x15, ANY, { 2, 0xc0, 0x17d7840, 0 } },
	{ 0x16, ANY, { 0x7d0, 0x1068, 0x64, 0 } },
	{ 0x1d, 0, { 1, 0, 0, 0 } },
	{ 0x1f, 0, { 1, 2, 0x100, 0x3c } },
	{ 0x20, ANY, { 1, 1, 0, 0 } },
	{ 0x80000000, ANY, { 0x80000008, 0, 0, 0 } },
	{ 0x80000001, ANY, { 0, 0, 0x121, 0x2c100800 } },
	{ 0x80000002, ANY, { 0x65746e49, 0x2952286c, 0x6f655820, 0x2952286e } },
	{ 0x80000007, ANY, { 0, 0, 0, 0x100 } },
	{ 0x80000008, ANY, { 0x3934, 0x200, 0, 0 } },
	/* Beyond the host's max extended leaf: must never be shown. */
	{ 0x8000001f, ANY, { 0xdead, 0xbeef, 1, 1 } },
	{ 0 }
};

/* Roughly a Zen 3 host (with SVM). */
static const struct fake_leaf amd_host[] = {
	{ 0x0, ANY, { 0x10, 0x68747541, 0x444d4163, 0x69746e65 } },
	{ 0x1, ANY, { 0x00a20f10, 0x08200800, 0x7ed8320b, 0x178bfbff } },
	{ 0x5, ANY, { 0x40, 0x40, 3, 0x11 } },
	{ 0x6, ANY, { 4, 0, 1, 0 } },
	{ 0x7, 0, { 0, 0x219c97a9, 0x0040068c, 0x10 } },
	{ 0xb, 0, { 1, 2, 0x100, 8 } },
	{ 0xb, 1, { 7, 0x10, 0x201, 8 } },
	{ 0xd, 0, { 0x207, 0x988, 0x988, 0 } },
	{ 0x10, 0, { 0, 2, 0, 0 } },
	{ 0x14, ANY, { 1, 2, 3, 4 } },		/* above max basic 0x10 */
	{ 0x80000000, ANY, { 0x80000023, 0x68747541, 0x444d4163, 0x69746e65 } },
	{ 0x80000001, ANY, { 0x00a20f10, 0x20000000, 0x75c237ff, 0x2fd3fbff } },
	{ 0x80000005, ANY, { 0xff40ff40, 0xff40ff40, 0x20080140, 0x20080140 } },
	{ 0x80000007, ANY, { 0, 0x3b, 0, 0x6799 } },
	{ 0x80000008, ANY, { 0x3030, 0x111ef657, 0x0000700f, 0x10007 } },
	{ 0x8000000a, ANY, { 1, 0x8000, 0, 0x101bbcff } },
	{ 0x8000001d, 0, { 0x4121, 0x1c0003f, 0x3f, 0 } },
	{ 0x8000001e, ANY, { 8, 0x104, 0, 0 } },
	{ 0x8000001f, ANY, { 0x1ef, 0x4133, 0x1fd, 1 } },
	{ 0x80000021, ANY, { 0x62fcf, 0, 0, 0 } },
	{ 0x80000022, ANY, { 7, 0x1d6, 0, 0 } },
	{ 0 }
};

/* A host with no extended range at all. */
static const struct fake_leaf old_host[] = {
	{ 0x0, ANY, { 0x2, 0x756e6547, 0x6c65746e, 0x49656e69 } },
	{ 0x1, ANY, { 0x633, 0x800, 0x1, 0x0183fbff } },
	{ 0x80000000, ANY, { 0x2, 0, 0, 0 } },
	{ 0 }
};

static const struct fake_leaf *host;
static unsigned int host_queries;

static void fake_query(u32 leaf, u32 subleaf, struct cpuid_regs *out)
{
	const struct fake_leaf *l;

	host_queries++;
	for (l = host; l->leaf || l == host; l++) {
		if (l->leaf == leaf && (l->subleaf == ANY || l->subleaf == subleaf)) {
			*out = l->r;
			return;
		}
	}
	memset(out, 0, sizeof(*out));
}

static struct cpuid_regs guest(const struct fake_leaf *h, u32 leaf, u32 subleaf,
			       u32 vcpu)
{
	struct cpuid_regs r;

	host = h;
	memset(&r, 0x5a, sizeof(r));
	vmm_cpuid_guest(leaf, subleaf, vcpu, fake_query, &r);
	return r;
}

static int is_zero(struct cpuid_regs r)
{
	return !r.eax && !r.ebx && !r.ecx && !r.edx;
}

static int regs_eq(struct cpuid_regs a, struct cpuid_regs b)
{
	return a.eax == b.eax && a.ebx == b.ebx && a.ecx == b.ecx && a.edx == b.edx;
}

static int test_signature(void)
{
	const struct fake_leaf *hosts[] = { intel_host, amd_host, old_host };
	int ok = 1;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hosts); i++) {
		struct cpuid_regs r;
		char sig[13];

		host_queries = 0;
		r = guest(hosts[i], 0x40000000, 0, 0);
		ok &= KTAP_EXPECT(host_queries == 0);	/* synthesised */
		ok &= KTAP_EXPECT(r.eax == VMM_CPUID_MAX_LEAF);
		memcpy(sig, &r.ebx, 4);
		memcpy(sig + 4, &r.ecx, 4);
		memcpy(sig + 8, &r.edx, 4);
		sig[12] = 0;
		ok &= KTAP_EXPECT(!strcmp(sig, VMM_CPUID_SIGNATURE));
		ok &= KTAP_EXPECT(!strcmp(sig, "VMM-HV-LINUX"));
		ok &= KTAP_EXPECT(is_zero(guest(hosts[i], 0x40000001, 0, 0)));
		ok &= KTAP_EXPECT(is_zero(guest(hosts[i], 0x40000002, 0, 0)));
		ok &= KTAP_EXPECT(is_zero(guest(hosts[i], 0x400000ff, 0, 0)));
		ok &= KTAP_EXPECT(is_zero(guest(hosts[i], 0x40000100, 0, 0)));
	}
	return ok;
}

static int test_intel_leaf1(void)
{
	struct cpuid_regs r, h = intel_host[1].r;
	int ok = 1;

	r = guest(intel_host, 0, 0, 0);
	ok &= KTAP_EXPECT(r.eax == CPUID_GUEST_MAX_BASIC);	/* host: 0x20 */
	ok &= KTAP_EXPECT(r.ebx == 0x756e6547 && r.ecx == 0x6c65746e &&
			  r.edx == 0x49656e69);
	r = guest(intel_host, 1, 0, 3);
	ok &= KTAP_EXPECT(h.ecx & CPUID_1_ECX_VMX);
	ok &= KTAP_EXPECT(!(r.ecx & CPUID_1_ECX_VMX));
	ok &= KTAP_EXPECT(!(r.ecx & (CPUID_1_ECX_SMX | CPUID_1_ECX_MONITOR |
				     CPUID_1_ECX_XSAVE | CPUID_1_ECX_OSXSAVE |
				     CPUID_1_ECX_AVX | CPUID_1_ECX_FMA |
				     CPUID_1_ECX_F16C | CPUID_1_ECX_X2APIC |
				     CPUID_1_ECX_TSC_DEADLINE)));
	ok &= KTAP_EXPECT(r.ecx & CPUID_1_ECX_HYPERVISOR);
	ok &= KTAP_EXPECT(r.ecx & CPUID_1_ECX_PCID);
	ok &= KTAP_EXPECT((r.ecx & 0x00580201) == 0x00580201);	/* SSE3, SSSE3, SSE4.x, MOVBE */
	ok &= KTAP_EXPECT(r.eax == h.eax);
	ok &= KTAP_EXPECT(r.ebx == (0x03010000 | (h.ebx & 0xffff)));
	ok &= KTAP_EXPECT(!(r.edx & (CPUID_1_EDX_HTT | CPUID_1_EDX_ACPI |
				     CPUID_1_EDX_TM | CPUID_1_EDX_PBE)));
	ok &= KTAP_EXPECT(r.edx & CPUID_1_EDX_MCE);
	ok &= KTAP_EXPECT((r.edx & 0x07800111) == 0x07800111);	/* FPU TSC CX8 MMX FXSR SSE SSE2 */
	/* APIC id follows the vCPU. */
	ok &= KTAP_EXPECT(guest(intel_host, 1, 0, 15).ebx >> 24 == 15);
	return ok;
}

static int test_amd_svm_hidden(void)
{
	struct cpuid_regs r, h = amd_host[11].r;
	int ok = 1;

	r = guest(amd_host, 0x80000001, 0, 0);
	ok &= KTAP_EXPECT(h.ecx & CPUID_81_ECX_SVM);
	ok &= KTAP_EXPECT(!(r.ecx & (CPUID_81_ECX_SVM | CPUID_81_ECX_SKINIT |
				     CPUID_81_ECX_WDT | CPUID_81_ECX_LWP |
				     CPUID_81_ECX_MONITORX |
				     CPUID_81_ECX_PERFCTR_CORE)));
	ok &= KTAP_EXPECT(r.ecx & CPUID_81_ECX_TOPOEXT);
	ok &= KTAP_EXPECT((r.ecx & 0x1e1) == 0x1e1);	/* LAHF ABM SSE4A misalign 3DNowPrefetch */
	/* EDX as the host's, less RDTSCP (TSC_AUX stays the host's). */
	ok &= KTAP_EXPECT(r.eax == h.eax &&
			  r.edx == (h.edx & ~CPUID_81_EDX_RDTSCP));
	r = guest(amd_host, 1, 0, 2);
	ok &= KTAP_EXPECT(r.ecx & CPUID_1_ECX_HYPERVISOR);
	ok &= KTAP_EXPECT(!(r.ecx & (CPUID_1_ECX_MONITOR | CPUID_1_ECX_AVX)));
	ok &= KTAP_EXPECT(!(r.edx & CPUID_1_EDX_HTT));
	ok &= KTAP_EXPECT(r.ebx >> 24 == 2 && ((r.ebx >> 16) & 0xff) == 1);
	/* Intel's extended leaf: nothing of SVM's to begin with, bits kept. */
	r = guest(intel_host, 0x80000001, 0, 0);
	ok &= KTAP_EXPECT(r.ecx == 0x121 &&
			  r.edx == (0x2c100800 & ~CPUID_81_EDX_RDTSCP));
	return ok;
}

static int test_leaf7(void)
{
	struct cpuid_regs r, h = intel_host[6].r;
	int ok = 1;

	r = guest(intel_host, 7, 0, 0);
	ok &= KTAP_EXPECT(r.eax == 0);			/* no subleaf 1 */
	ok &= KTAP_EXPECT(h.ebx & CPUID_7_EBX_AVX2);
	ok &= KTAP_EXPECT(!(r.ebx & (CPUID_7_EBX_AVX2 | CPUID_7_EBX_AVX512F |
				     CPUID_7_EBX_AVX512BW | CPUID_7_EBX_RTM |
				     CPUID_7_EBX_HLE | CPUID_7_EBX_SGX |
				     CPUID_7_EBX_MPX | CPUID_7_EBX_INTEL_PT)));
	ok &= KTAP_EXPECT((r.ebx & 0x00000589) == 0x00000589);	/* FSGSBASE BMI1 SMEP BMI2 ERMS */
	ok &= KTAP_EXPECT(r.ebx & CPUID_7_EBX_INVPCID);
	ok &= KTAP_EXPECT(!(r.ecx & (CPUID_7_ECX_WAITPKG | CPUID_7_ECX_PKU |
				     CPUID_7_ECX_OSPKE | CPUID_7_ECX_AVX512_VBMI |
				     CPUID_7_ECX_CET_SS | CPUID_7_ECX_LA57)));
	ok &= KTAP_EXPECT(!(r.edx & (CPUID_7_EDX_AMX_TILE | CPUID_7_EDX_AMX_INT8 |
				     CPUID_7_EDX_AMX_BF16 | CPUID_7_EDX_CET_IBT |
				     CPUID_7_EDX_AVX512_FP16 |
				     CPUID_7_EDX_SPEC_CTRL)));
	ok &= KTAP_EXPECT(is_zero(guest(intel_host, 7, 1, 0)));
	r = guest(amd_host, 7, 0, 0);
	ok &= KTAP_EXPECT(!(r.ebx & CPUID_7_EBX_AVX2) && (r.ebx & 0x189) == 0x189);
	return ok;
}

static int test_zeroed_leaves(void)
{
	static const u32 intel_zero[] = { 3, 5, 6, 8, 9, 0xa, 0xd, 0x12, 0x14, 0x1d };
	static const u32 amd_zero[] = { 5, 6, 0xd, 0x10, 0x8000000a, 0x8000001f };
	int ok = 1;
	unsigned int i;
	struct cpuid_regs r;

	for (i = 0; i < ARRAY_SIZE(intel_zero); i++)
		ok &= KTAP_EXPECT(is_zero(guest(intel_host, intel_zero[i], 0, 0)));
	for (i = 0; i < ARRAY_SIZE(amd_zero); i++)
		ok &= KTAP_EXPECT(is_zero(guest(amd_host, amd_zero[i], 0, 0)));
	r = guest(amd_host, 0x80000007, 0, 0);
	ok &= KTAP_EXPECT(!r.eax && !r.ebx && !r.ecx &&
			  r.edx == CPUID_87_EDX_INVARIANT_TSC);
	r = guest(amd_host, 0x80000008, 0, 0);
	ok &= KTAP_EXPECT(r.eax == 0x3030 && r.ecx == 0 && r.edx == 0);
	ok &= KTAP_EXPECT(!(r.ebx & (CPUID_88_EBX_IBPB | CPUID_88_EBX_SSBD)));
	ok &= KTAP_EXPECT(r.ebx & 1);				/* CLZERO kept */
	r = guest(intel_host, 0x80000008, 0, 0);
	ok &= KTAP_EXPECT(r.eax == 0x3934 && r.ebx == 0x200);
	/* Pass-through leaves. */
	ok &= KTAP_EXPECT(regs_eq(guest(intel_host, 0x15, 0, 0), intel_host[14].r));
	ok &= KTAP_EXPECT(regs_eq(guest(intel_host, 0x80000002, 0, 0), intel_host[21].r));
	ok &= KTAP_EXPECT(regs_eq(guest(amd_host, 0x80000005, 0, 0), amd_host[12].r));
	return ok;
}

static int test_out_of_range(void)
{
	int ok = 1;
	struct cpuid_regs r;

	/* Intel: basic range capped at 0x1f, extended range ends at 0x80000008. */
	ok &= KTAP_EXPECT(is_zero(guest(intel_host, 0x20, 0, 0)));
	ok &= KTAP_EXPECT(is_zero(guest(intel_host, 0x21, 0, 0)));
	ok &= KTAP_EXPECT(guest(intel_host, 0x80000000, 0, 0).eax == 0x80000008);
	ok &= KTAP_EXPECT(is_zero(guest(intel_host, 0x80000009, 0, 0)));
	ok &= KTAP_EXPECT(is_zero(guest(intel_host, 0x8000001f, 0, 0)));
	/* AMD: basic range ends at 0x10, extended range capped at 0x8000001f. */
	ok &= KTAP_EXPECT(is_zero(guest(amd_host, 0x14, 0, 0)));
	ok &= KTAP_EXPECT(is_zero(guest(amd_host, 0x1f, 0, 0)));
	r = guest(amd_host, 0x80000000, 0, 0);
	ok &= KTAP_EXPECT(r.eax == CPUID_GUEST_MAX_EXT && r.ebx == 0x68747541);
	ok &= KTAP_EXPECT(is_zero(guest(amd_host, 0x80000021, 0, 0)));
	ok &= KTAP_EXPECT(is_zero(guest(amd_host, 0x80000022, 0, 0)));
	ok &= KTAP_EXPECT(is_zero(guest(amd_host, 0x8000ffff, 0, 0)));
	/* Other ranges. */
	ok &= KTAP_EXPECT(is_zero(guest(intel_host, 0x20000000, 0, 0)));
	ok &= KTAP_EXPECT(is_zero(guest(amd_host, 0x80010000, 0, 0)));
	ok &= KTAP_EXPECT(is_zero(guest(amd_host, 0xc0000000, 0, 0)));
	ok &= KTAP_EXPECT(is_zero(guest(amd_host, 0xffffffff, 0, 0)));
	/* A host without an extended range. */
	ok &= KTAP_EXPECT(guest(old_host, 0, 0, 0).eax == 2);
	ok &= KTAP_EXPECT(is_zero(guest(old_host, 0x80000000, 0, 0)));
	ok &= KTAP_EXPECT(is_zero(guest(old_host, 0x80000001, 0, 0)));
	ok &= KTAP_EXPECT(is_zero(guest(old_host, 0xb, 0, 0)));	/* > max 2 */
	return ok;
}

static int test_topology(void)
{
	static const u32 leaves[] = { 0xb, 0x1f };
	int ok = 1;
	unsigned int i;
	struct cpuid_regs r;

	for (i = 0; i < ARRAY_SIZE(leaves); i++) {
		r = guest(intel_host, leaves[i], 0, 5);
		ok &= KTAP_EXPECT(r.eax == 0 && r.ebx == 1 && r.ecx == 0x100 && r.edx == 5);
		r = guest(intel_host, leaves[i], 1, 5);
		ok &= KTAP_EXPECT(r.eax == 0 && r.ebx == 1 && r.ecx == 0x201 && r.edx == 5);
		r = guest(intel_host, leaves[i], 2, 5);
		ok &= KTAP_EXPECT(r.eax == 0 && r.ebx == 0 && r.ecx == 2 && r.edx == 5);
	}
	r = guest(amd_host, 0xb, 1, 9);
	ok &= KTAP_EXPECT(r.ebx == 1 && r.ecx == 0x201 && r.edx == 9);
	/* Intel leaf 4: no sharing, one core. */
	r = guest(intel_host, 4, 0, 0);
	ok &= KTAP_EXPECT(r.eax == 0x121 && r.ebx == 0x02c0003f);
	/* AMD topology extensions. */
	r = guest(amd_host, 0x8000001d, 0, 0);
	ok &= KTAP_EXPECT(r.eax == 0x121 && r.ebx == 0x1c0003f);
	r = guest(amd_host, 0x8000001e, 0, 6);
	ok &= KTAP_EXPECT(r.eax == 6 && r.ebx == 0 && r.ecx == 0 && r.edx == 0);
	return ok;
}

int main(void)
{
	ktap_begin("cpuid", 7);
	ktap_result(test_signature(), "hypervisor_signature_leaf");
	ktap_result(test_intel_leaf1(), "intel_vmx_hidden_hypervisor_bit");
	ktap_result(test_amd_svm_hidden(), "amd_svm_hidden");
	ktap_result(test_leaf7(), "leaf7_filtered");
	ktap_result(test_zeroed_leaves(), "zeroed_and_filtered_leaves");
	ktap_result(test_out_of_range(), "out_of_range_leaves");
	ktap_result(test_topology(), "topology");
	return ktap_end();
}
