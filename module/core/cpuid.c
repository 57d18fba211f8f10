// SPDX-License-Identifier: GPL-2.0
/*
 * The CPUID policy: see cpuid.h.
 */
#include "cpuid.h"

struct cpuid_rule {
	u32 leaf;
	struct cpuid_regs clear;	/* bits cleared from the host's values */
	struct cpuid_regs set;		/* bits then set */
	/* Optional: final adjustment (or full synthesis) of the leaf. */
	void (*fixup)(struct cpuid_regs *r, u32 subleaf, u32 vcpu_id);
};

#define CPUID_ALL			0xffffffffu

#define CPUID_1_ECX_HIDDEN						\
	(CPUID_1_ECX_DTES64 | CPUID_1_ECX_MONITOR | CPUID_1_ECX_DS_CPL |	\
	 CPUID_1_ECX_VMX | CPUID_1_ECX_SMX | CPUID_1_ECX_EIST |		\
	 CPUID_1_ECX_TM2 | CPUID_1_ECX_SDBG | CPUID_1_ECX_FMA |		\
	 CPUID_1_ECX_XTPR | CPUID_1_ECX_PDCM | CPUID_1_ECX_DCA |		\
	 CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DEADLINE |			\
	 CPUID_1_ECX_XSAVE | CPUID_1_ECX_OSXSAVE | CPUID_1_ECX_AVX |		\
	 CPUID_1_ECX_F16C)

#define CPUID_1_EDX_HIDDEN						\
	(CPUID_1_EDX_MCA | CPUID_1_EDX_PSN | CPUID_1_EDX_DS |		\
	 CPUID_1_EDX_ACPI | CPUID_1_EDX_HTT | CPUID_1_EDX_TM |		\
	 CPUID_1_EDX_IA64 | CPUID_1_EDX_PBE)

#define CPUID_7_EBX_HIDDEN						\
	(CPUID_7_EBX_TSC_ADJUST | CPUID_7_EBX_SGX | CPUID_7_EBX_HLE |	\
	 CPUID_7_EBX_AVX2 | CPUID_7_EBX_RTM | CPUID_7_EBX_RDT_M |		\
	 CPUID_7_EBX_MPX | CPUID_7_EBX_RDT_A | CPUID_7_EBX_AVX512F |		\
	 CPUID_7_EBX_AVX512DQ | CPUID_7_EBX_AVX512_IFMA |			\
	 CPUID_7_EBX_INTEL_PT | CPUID_7_EBX_AVX512PF |			\
	 CPUID_7_EBX_AVX512ER | CPUID_7_EBX_AVX512CD |			\
	 CPUID_7_EBX_AVX512BW | CPUID_7_EBX_AVX512VL)

#define CPUID_7_ECX_HIDDEN						\
	(CPUID_7_ECX_AVX512_VBMI | CPUID_7_ECX_PKU | CPUID_7_ECX_OSPKE |	\
	 CPUID_7_ECX_WAITPKG | CPUID_7_ECX_AVX512_VBMI2 |			\
	 CPUID_7_ECX_CET_SS | CPUID_7_ECX_VAES | CPUID_7_ECX_VPCLMULQDQ |	\
	 CPUID_7_ECX_AVX512_VNNI | CPUID_7_ECX_AVX512_BITALG |		\
	 CPUID_7_ECX_TME | CPUID_7_ECX_AVX512_VPOPCNTDQ |			\
	 CPUID_7_ECX_LA57 | CPUID_7_ECX_MAWAU | CPUID_7_ECX_KEYLOCKER |	\
	 CPUID_7_ECX_RDPID |	/* TSC_AUX is not given to the guest */	\
	 CPUID_7_ECX_BUS_LOCK_DETECT | CPUID_7_ECX_ENQCMD |			\
	 CPUID_7_ECX_SGX_LC | CPUID_7_ECX_PKS)

#define CPUID_7_EDX_HIDDEN						\
	(CPUID_7_EDX_AVX512_4VNNIW | CPUID_7_EDX_AVX512_4FMAPS |		\
	 CPUID_7_EDX_UINTR | CPUID_7_EDX_AVX512_VP2INTERSECT |		\
	 CPUID_7_EDX_SRBDS_CTRL | CPUID_7_EDX_RTM_ALWAYS_ABORT |		\
	 CPUID_7_EDX_TSX_FORCE_ABORT | CPUID_7_EDX_HYBRID |			\
	 CPUID_7_EDX_TSXLDTRK | CPUID_7_EDX_PCONFIG |			\
	 CPUID_7_EDX_ARCH_LBR | CPUID_7_EDX_CET_IBT |			\
	 CPUID_7_EDX_AMX_BF16 | CPUID_7_EDX_AVX512_FP16 |			\
	 CPUID_7_EDX_AMX_TILE | CPUID_7_EDX_AMX_INT8 |			\
	 CPUID_7_EDX_SPEC_CTRL | CPUID_7_EDX_STIBP | CPUID_7_EDX_L1D_FLUSH | \
	 CPUID_7_EDX_ARCH_CAPABILITIES | CPUID_7_EDX_CORE_CAPABILITIES |	\
	 CPUID_7_EDX_SSBD)

#define CPUID_81_ECX_HIDDEN						\
	(CPUID_81_ECX_CMP_LEGACY | CPUID_81_ECX_SVM | CPUID_81_ECX_EXTAPIC | \
	 CPUID_81_ECX_OSVW | CPUID_81_ECX_IBS | CPUID_81_ECX_XOP |		\
	 CPUID_81_ECX_SKINIT | CPUID_81_ECX_WDT | CPUID_81_ECX_LWP |		\
	 CPUID_81_ECX_FMA4 | CPUID_81_ECX_TCE | CPUID_81_ECX_NODEID_MSR |	\
	 CPUID_81_ECX_PERFCTR_CORE | CPUID_81_ECX_PERFCTR_NB |		\
	 CPUID_81_ECX_DBX | CPUID_81_ECX_PERFTSC | CPUID_81_ECX_PERFCTR_LLC | \
	 CPUID_81_ECX_MONITORX)

#define CPUID_88_EBX_HIDDEN						\
	(CPUID_88_EBX_IRPERF | CPUID_88_EBX_INVLPGB | CPUID_88_EBX_RDPRU |	\
	 CPUID_88_EBX_MCOMMIT | CPUID_88_EBX_IBPB | CPUID_88_EBX_IBRS |	\
	 CPUID_88_EBX_STIBP | CPUID_88_EBX_IBRS_ALWAYS_ON |			\
	 CPUID_88_EBX_STIBP_ALWAYS_ON | CPUID_88_EBX_IBRS_PREFERRED |	\
	 CPUID_88_EBX_IBRS_SAME_MODE | CPUID_88_EBX_PPIN |			\
	 CPUID_88_EBX_SSBD | CPUID_88_EBX_VIRT_SSBD | CPUID_88_EBX_CPPC |	\
	 CPUID_88_EBX_PSFD | CPUID_88_EBX_IBPB_RET)

/* Leaf 1: initial APIC id = vCPU id, one logical processor per package. */
static void cpuid_fix_features(struct cpuid_regs *r, u32 subleaf, u32 vcpu_id)
{
	(void)subleaf;
	r->ebx = (r->ebx & CPUID_1_EBX_KEEP) |
		 (1u << CPUID_1_EBX_LOGICAL_SHIFT) |
		 ((vcpu_id & 0xff) << CPUID_1_EBX_APIC_ID_SHIFT);
}

/* Leaf 4 (Intel): caches are private to the single thread and core. */
static void cpuid_fix_cache_params(struct cpuid_regs *r, u32 subleaf,
				   u32 vcpu_id)
{
	(void)subleaf;
	(void)vcpu_id;
	r->eax &= ~(CPUID_4_EAX_SHARING_MASK | CPUID_4_EAX_CORES_MASK);
}

/* Leaf 7: only subleaf 0 exists (EAX = max subleaf = 0). */
static void cpuid_fix_ext_features(struct cpuid_regs *r, u32 subleaf,
				   u32 vcpu_id)
{
	(void)vcpu_id;
	if (subleaf) {
		memset(r, 0, sizeof(*r));
		return;
	}
	r->eax = 0;
}

/*
 * Leaves 0xB and 0x1F: an SMT level and a core level, each with one
 * logical processor and an x2APIC id shift of 0, so that every vCPU is a
 * package of its own; higher subleaves are invalid levels.
 */
static void cpuid_fix_topology(struct cpuid_regs *r, u32 subleaf, u32 vcpu_id)
{
	u32 type = 0;

	if (subleaf == 0)
		type = CPUID_TOPO_LEVEL_SMT;
	else if (subleaf == 1)
		type = CPUID_TOPO_LEVEL_CORE;
	r->eax = 0;
	r->ebx = type ? 1 : 0;
	r->ecx = (subleaf & 0xff) | (type << CPUID_TOPO_ECX_TYPE_SHIFT);
	r->edx = vcpu_id;
}

/* Leaf 0x8000001D (AMD): caches are private to the single thread. */
static void cpuid_fix_amd_cache_topo(struct cpuid_regs *r, u32 subleaf,
				     u32 vcpu_id)
{
	(void)subleaf;
	(void)vcpu_id;
	r->eax &= ~CPUID_4_EAX_SHARING_MASK;
}

/* Leaf 0x8000001E (AMD): extended APIC id; core, unit and node 0. */
static void cpuid_fix_amd_topo(struct cpuid_regs *r, u32 subleaf, u32 vcpu_id)
{
	(void)subleaf;
	r->eax = vcpu_id;
	r->ebx = 0;
	r->ecx = 0;
	r->edx = 0;
}

/* Leaves that pass, filtered; every leaf not listed reads as zero. */
static const struct cpuid_rule cpuid_rules[] = {
	{ .leaf = CPUID_LEAF_VENDOR },		/* EAX capped by vmm_cpuid_guest() */
	{ .leaf = CPUID_LEAF_FEATURES,
	  .clear = { .ecx = CPUID_1_ECX_HIDDEN, .edx = CPUID_1_EDX_HIDDEN },
	  .set = { .ecx = CPUID_1_ECX_HYPERVISOR },
	  .fixup = cpuid_fix_features },
	{ .leaf = CPUID_LEAF_CACHE_DESC },
	{ .leaf = CPUID_LEAF_CACHE_PARAMS, .fixup = cpuid_fix_cache_params },
	{ .leaf = CPUID_LEAF_STRUCT_FEATURES,
	  .clear = { .ebx = CPUID_7_EBX_HIDDEN, .ecx = CPUID_7_ECX_HIDDEN,
		     .edx = CPUID_7_EDX_HIDDEN },
	  .fixup = cpuid_fix_ext_features },
	{ .leaf = CPUID_LEAF_TOPOLOGY, .fixup = cpuid_fix_topology },
	{ .leaf = CPUID_LEAF_TSC_FREQ },
	{ .leaf = CPUID_LEAF_CPU_FREQ },
	{ .leaf = CPUID_LEAF_ADDR_XLAT },
	{ .leaf = CPUID_LEAF_TOPOLOGY_V2, .fixup = cpuid_fix_topology },

	{ .leaf = CPUID_LEAF_EXT_BASE },	/* EAX capped by vmm_cpuid_guest() */
	{ .leaf = CPUID_LEAF_EXT_FEATURES,
	  .clear = { .ecx = CPUID_81_ECX_HIDDEN, .edx = CPUID_81_EDX_RDTSCP } },
	{ .leaf = CPUID_LEAF_BRAND0 },
	{ .leaf = CPUID_LEAF_BRAND1 },
	{ .leaf = CPUID_LEAF_BRAND2 },
	{ .leaf = CPUID_LEAF_L1_CACHE },
	{ .leaf = CPUID_LEAF_L2_CACHE },
	{ .leaf = CPUID_LEAF_APM,
	  .clear = { .eax = CPUID_ALL, .ebx = CPUID_ALL, .ecx = CPUID_ALL,
		     .edx = (u32)~CPUID_87_EDX_INVARIANT_TSC } },
	{ .leaf = CPUID_LEAF_ADDR_SIZE,
	  .clear = { .ebx = CPUID_88_EBX_HIDDEN,
		     .ecx = CPUID_88_ECX_NC_MASK | CPUID_88_ECX_APIC_ID_SIZE_MASK,
		     .edx = CPUID_ALL } },
	{ .leaf = CPUID_LEAF_TLB_1G },
	{ .leaf = CPUID_LEAF_PERF_OPT },
	{ .leaf = CPUID_LEAF_AMD_CACHE_TOPO, .fixup = cpuid_fix_amd_cache_topo },
	{ .leaf = CPUID_LEAF_AMD_TOPO, .fixup = cpuid_fix_amd_topo },
};

static const struct cpuid_rule *cpuid_find_rule(u32 leaf)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cpuid_rules); i++)
		if (cpuid_rules[i].leaf == leaf)
			return &cpuid_rules[i];
	return NULL;
}

/* 0x40000000: max leaf and "VMM-HV-LINUX" in EBX, ECX, EDX. */
static void cpuid_hv_leaf(u32 leaf, struct cpuid_regs *out)
{
	static const char sig[] = VMM_CPUID_SIGNATURE;
	u32 w[3];
	unsigned int i;

	BUILD_BUG_ON(sizeof(sig) != 13);
	if (leaf != CPUID_LEAF_HV_BASE)
		return;		/* 0x40000001 (no features) and the rest: 0 */
	for (i = 0; i < 3; i++)
		w[i] = (u32)(u8)sig[4 * i] |
		       (u32)(u8)sig[4 * i + 1] << 8 |
		       (u32)(u8)sig[4 * i + 2] << 16 |
		       (u32)(u8)sig[4 * i + 3] << 24;
	out->eax = VMM_CPUID_MAX_LEAF;
	out->ebx = w[0];
	out->ecx = w[1];
	out->edx = w[2];
}

void vmm_cpuid_guest(u32 leaf, u32 subleaf, u32 vcpu_id,
		     void (*host_query)(u32 leaf, u32 subleaf, struct cpuid_regs *out),
		     struct cpuid_regs *out)
{
	const struct cpuid_rule *rule;
	struct cpuid_regs r;
	u32 max;

	BUILD_BUG_ON(sizeof(struct cpuid_regs) != 16);
	BUILD_BUG_ON(__builtin_offsetof(struct cpuid_regs, eax) != 0);
	BUILD_BUG_ON(__builtin_offsetof(struct cpuid_regs, ebx) != 4);
	BUILD_BUG_ON(__builtin_offsetof(struct cpuid_regs, ecx) != 8);
	BUILD_BUG_ON(__builtin_offsetof(struct cpuid_regs, edx) != 12);

	memset(out, 0, sizeof(*out));
	if (leaf >= CPUID_LEAF_HV_BASE && leaf <= CPUID_LEAF_HV_LAST) {
		cpuid_hv_leaf(leaf, out);
		return;
	}
	if (leaf < CPUID_LEAF_HV_BASE) {
		host_query(CPUID_LEAF_VENDOR, 0, &r);
		max = r.eax < CPUID_GUEST_MAX_BASIC ? r.eax : CPUID_GUEST_MAX_BASIC;
	} else if (leaf >= CPUID_LEAF_EXT_BASE && leaf <= CPUID_LEAF_EXT_LAST) {
		host_query(CPUID_LEAF_EXT_BASE, 0, &r);
		/* No extended range at all unless EAX is 0x8000xxxx. */
		if ((r.eax & 0xffff0000u) != CPUID_LEAF_EXT_BASE)
			return;
		max = r.eax < CPUID_GUEST_MAX_EXT ? r.eax : CPUID_GUEST_MAX_EXT;
	} else {
		return;
	}
	if (leaf > max)
		return;
	rule = cpuid_find_rule(leaf);
	if (!rule)
		return;

	host_query(leaf, subleaf, &r);
	if (leaf == CPUID_LEAF_VENDOR || leaf == CPUID_LEAF_EXT_BASE)
		r.eax = max;
	r.eax = (r.eax & ~rule->clear.eax) | rule->set.eax;
	r.ebx = (r.ebx & ~rule->clear.ebx) | rule->set.ebx;
	r.ecx = (r.ecx & ~rule->clear.ecx) | rule->set.ecx;
	r.edx = (r.edx & ~rule->clear.edx) | rule->set.edx;
	if (rule->fixup)
		rule->fixup(&r, subleaf, vcpu_id);
	*out = r;
}
