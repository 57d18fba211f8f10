/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CPUID policy: what the guest sees, given what the host CPU returns.
 *
 * Leaves are allowed by a table (cpuid.c); a leaf not in it reads as zero.
 * Allowed leaves are the host's, with features the hypervisor does not
 * virtualise cleared: hardware virtualisation, XSAVE-managed state (AVX
 * and later, AMX, CET, PKU...), TSX, MPX, SGX, power/thermal management,
 * performance monitoring, MSR-based speculation controls and other
 * MSR-backed features. Topology is one thread per core, one core per
 * package, APIC id = vCPU id. The hypervisor range 0x40000000-0x400000ff
 * is synthesised; leaves above the guest's max basic/extended leaf (the
 * host's, capped at CPUID_GUEST_MAX_BASIC / CPUID_GUEST_MAX_EXT) read as
 * zero, and so does every other range.
 */
#ifndef VMM_CORE_CPUID_H
#define VMM_CORE_CPUID_H

#include "host.h"
#include "../../uapi/vmm.h"

#ifdef __KERNEL__
/*
 * The kernel's <asm/processor.h>, which host.h pulls in, already defines
 * struct cpuid_regs { u32 eax, ebx, ecx, edx; }: use it (cpuid.c checks
 * the layout).
 */
#else
struct cpuid_regs {
	u32 eax, ebx, ecx, edx;
};
#endif

#define CPUID_BIT(n)			(1u << (n))

/* Leaves. */
#define CPUID_LEAF_VENDOR		0x00000000u
#define CPUID_LEAF_FEATURES		0x00000001u
#define CPUID_LEAF_CACHE_DESC		0x00000002u
#define CPUID_LEAF_SERIAL		0x00000003u
#define CPUID_LEAF_CACHE_PARAMS		0x00000004u
#define CPUID_LEAF_MWAIT		0x00000005u
#define CPUID_LEAF_THERMAL_POWER	0x00000006u
#define CPUID_LEAF_STRUCT_FEATURES	0x00000007u
#define CPUID_LEAF_PMU			0x0000000au
#define CPUID_LEAF_TOPOLOGY		0x0000000bu
#define CPUID_LEAF_XSAVE		0x0000000du
#define CPUID_LEAF_TSC_FREQ		0x00000015u
#define CPUID_LEAF_CPU_FREQ		0x00000016u
#define CPUID_LEAF_ADDR_XLAT		0x00000018u
#define CPUID_LEAF_TOPOLOGY_V2		0x0000001fu
#define CPUID_GUEST_MAX_BASIC		CPUID_LEAF_TOPOLOGY_V2

#define CPUID_LEAF_HV_BASE		0x40000000u
#define CPUID_LEAF_HV_FEATURES		0x40000001u
#define CPUID_LEAF_HV_LAST		0x400000ffu

#define CPUID_LEAF_EXT_BASE		0x80000000u
#define CPUID_LEAF_EXT_FEATURES		0x80000001u
#define CPUID_LEAF_BRAND0		0x80000002u
#define CPUID_LEAF_BRAND1		0x80000003u
#define CPUID_LEAF_BRAND2		0x80000004u
#define CPUID_LEAF_L1_CACHE		0x80000005u
#define CPUID_LEAF_L2_CACHE		0x80000006u
#define CPUID_LEAF_APM			0x80000007u
#define CPUID_LEAF_ADDR_SIZE		0x80000008u
#define CPUID_LEAF_SVM			0x8000000au
#define CPUID_LEAF_TLB_1G		0x80000019u
#define CPUID_LEAF_PERF_OPT		0x8000001au
#define CPUID_LEAF_AMD_CACHE_TOPO	0x8000001du
#define CPUID_LEAF_AMD_TOPO		0x8000001eu
#define CPUID_LEAF_SEV			0x8000001fu
#define CPUID_LEAF_EXT_FEATURES2	0x80000021u
#define CPUID_GUEST_MAX_EXT		CPUID_LEAF_SEV
#define CPUID_LEAF_EXT_LAST		0x8000ffffu

/* Leaf 1 EBX. */
#define CPUID_1_EBX_LOGICAL_SHIFT	16	/* [23:16] logical processors */
#define CPUID_1_EBX_APIC_ID_SHIFT	24	/* [31:24] initial APIC id */
#define CPUID_1_EBX_KEEP		0x0000ffffu	/* brand index, CLFLUSH size */

/* Leaf 1 ECX. */
#define CPUID_1_ECX_DTES64		CPUID_BIT(2)
#define CPUID_1_ECX_MONITOR		CPUID_BIT(3)
#define CPUID_1_ECX_DS_CPL		CPUID_BIT(4)
#define CPUID_1_ECX_VMX			CPUID_BIT(5)
#define CPUID_1_ECX_SMX			CPUID_BIT(6)
#define CPUID_1_ECX_EIST		CPUID_BIT(7)
#define CPUID_1_ECX_TM2			CPUID_BIT(8)
#define CPUID_1_ECX_SDBG		CPUID_BIT(11)
#define CPUID_1_ECX_FMA			CPUID_BIT(12)
#define CPUID_1_ECX_XTPR		CPUID_BIT(14)
#define CPUID_1_ECX_PDCM		CPUID_BIT(15)
#define CPUID_1_ECX_PCID		CPUID_BIT(17)
#define CPUID_1_ECX_DCA			CPUID_BIT(18)
#define CPUID_1_ECX_X2APIC		CPUID_BIT(21)
#define CPUID_1_ECX_TSC_DEADLINE	CPUID_BIT(24)
#define CPUID_1_ECX_XSAVE		CPUID_BIT(26)
#define CPUID_1_ECX_OSXSAVE		CPUID_BIT(27)
#define CPUID_1_ECX_AVX			CPUID_BIT(28)
#define CPUID_1_ECX_F16C		CPUID_BIT(29)
#define CPUID_1_ECX_HYPERVISOR		CPUID_BIT(31)

/* Leaf 1 EDX. */
#define CPUID_1_EDX_MCE			CPUID_BIT(7)
#define CPUID_1_EDX_MCA			CPUID_BIT(14)
#define CPUID_1_EDX_PSN			CPUID_BIT(18)
#define CPUID_1_EDX_DS			CPUID_BIT(21)
#define CPUID_1_EDX_ACPI		CPUID_BIT(22)
#define CPUID_1_EDX_HTT			CPUID_BIT(28)
#define CPUID_1_EDX_TM			CPUID_BIT(29)
#define CPUID_1_EDX_IA64		CPUID_BIT(30)
#define CPUID_1_EDX_PBE			CPUID_BIT(31)

/* Leaf 4 EAX (and 0x8000001D EAX). */
#define CPUID_4_EAX_SHARING_MASK	0x03ffc000u	/* [25:14] logical per cache - 1 */
#define CPUID_4_EAX_CORES_MASK		0xfc000000u	/* [31:26] cores per package - 1 */

/* Leaf 7 subleaf 0 EBX. */
#define CPUID_7_EBX_TSC_ADJUST		CPUID_BIT(1)
#define CPUID_7_EBX_SGX			CPUID_BIT(2)
#define CPUID_7_EBX_HLE			CPUID_BIT(4)
#define CPUID_7_EBX_AVX2		CPUID_BIT(5)
#define CPUID_7_EBX_INVPCID		CPUID_BIT(10)
#define CPUID_7_EBX_RTM			CPUID_BIT(11)
#define CPUID_7_EBX_RDT_M		CPUID_BIT(12)
#define CPUID_7_EBX_MPX			CPUID_BIT(14)
#define CPUID_7_EBX_RDT_A		CPUID_BIT(15)
#define CPUID_7_EBX_AVX512F		CPUID_BIT(16)
#define CPUID_7_EBX_AVX512DQ		CPUID_BIT(17)
#define CPUID_7_EBX_AVX512_IFMA		CPUID_BIT(21)
#define CPUID_7_EBX_INTEL_PT		CPUID_BIT(25)
#define CPUID_7_EBX_AVX512PF		CPUID_BIT(26)
#define CPUID_7_EBX_AVX512ER		CPUID_BIT(27)
#define CPUID_7_EBX_AVX512CD		CPUID_BIT(28)
#define CPUID_7_EBX_AVX512BW		CPUID_BIT(30)
#define CPUID_7_EBX_AVX512VL		CPUID_BIT(31)

/* Leaf 7 subleaf 0 ECX. */
#define CPUID_7_ECX_AVX512_VBMI		CPUID_BIT(1)
#define CPUID_7_ECX_PKU			CPUID_BIT(3)
#define CPUID_7_ECX_OSPKE		CPUID_BIT(4)
#define CPUID_7_ECX_WAITPKG		CPUID_BIT(5)
#define CPUID_7_ECX_AVX512_VBMI2	CPUID_BIT(6)
#define CPUID_7_ECX_CET_SS		CPUID_BIT(7)
#define CPUID_7_ECX_VAES		CPUID_BIT(9)
#define CPUID_7_ECX_VPCLMULQDQ		CPUID_BIT(10)
#define CPUID_7_ECX_AVX512_VNNI		CPUID_BIT(11)
#define CPUID_7_ECX_AVX512_BITALG	CPUID_BIT(12)
#define CPUID_7_ECX_TME			CPUID_BIT(13)
#define CPUID_7_ECX_AVX512_VPOPCNTDQ	CPUID_BIT(14)
#define CPUID_7_ECX_LA57		CPUID_BIT(16)
#define CPUID_7_ECX_MAWAU		0x003e0000u	/* [21:17] MPX */
#define CPUID_7_ECX_RDPID		CPUID_BIT(22)
#define CPUID_7_ECX_KEYLOCKER		CPUID_BIT(23)
#define CPUID_7_ECX_BUS_LOCK_DETECT	CPUID_BIT(24)
#define CPUID_7_ECX_ENQCMD		CPUID_BIT(29)
#define CPUID_7_ECX_SGX_LC		CPUID_BIT(30)
#define CPUID_7_ECX_PKS			CPUID_BIT(31)

/* Leaf 7 subleaf 0 EDX. */
#define CPUID_7_EDX_AVX512_4VNNIW	CPUID_BIT(2)
#define CPUID_7_EDX_AVX512_4FMAPS	CPUID_BIT(3)
#define CPUID_7_EDX_UINTR		CPUID_BIT(5)
#define CPUID_7_EDX_AVX512_VP2INTERSECT	CPUID_BIT(8)
#define CPUID_7_EDX_SRBDS_CTRL		CPUID_BIT(9)
#define CPUID_7_EDX_RTM_ALWAYS_ABORT	CPUID_BIT(11)
#define CPUID_7_EDX_TSX_FORCE_ABORT	CPUID_BIT(13)
#define CPUID_7_EDX_HYBRID		CPUID_BIT(15)
#define CPUID_7_EDX_TSXLDTRK		CPUID_BIT(16)
#define CPUID_7_EDX_PCONFIG		CPUID_BIT(18)
#define CPUID_7_EDX_ARCH_LBR		CPUID_BIT(19)
#define CPUID_7_EDX_CET_IBT		CPUID_BIT(20)
#define CPUID_7_EDX_AMX_BF16		CPUID_BIT(22)
#define CPUID_7_EDX_AVX512_FP16		CPUID_BIT(23)
#define CPUID_7_EDX_AMX_TILE		CPUID_BIT(24)
#define CPUID_7_EDX_AMX_INT8		CPUID_BIT(25)
#define CPUID_7_EDX_SPEC_CTRL		CPUID_BIT(26)	/* IBRS/IBPB */
#define CPUID_7_EDX_STIBP		CPUID_BIT(27)
#define CPUID_7_EDX_L1D_FLUSH		CPUID_BIT(28)
#define CPUID_7_EDX_ARCH_CAPABILITIES	CPUID_BIT(29)
#define CPUID_7_EDX_CORE_CAPABILITIES	CPUID_BIT(30)
#define CPUID_7_EDX_SSBD		CPUID_BIT(31)

/* Leaf 0xB / 0x1F. */
#define CPUID_TOPO_LEVEL_SMT		1
#define CPUID_TOPO_LEVEL_CORE		2
#define CPUID_TOPO_ECX_TYPE_SHIFT	8

/* Leaf 0x80000001 EDX. */
#define CPUID_81_EDX_RDTSCP		CPUID_BIT(27)

/* Leaf 0x80000001 ECX. */
#define CPUID_81_ECX_CMP_LEGACY		CPUID_BIT(1)
#define CPUID_81_ECX_SVM		CPUID_BIT(2)
#define CPUID_81_ECX_EXTAPIC		CPUID_BIT(3)
#define CPUID_81_ECX_OSVW		CPUID_BIT(9)
#define CPUID_81_ECX_IBS		CPUID_BIT(10)
#define CPUID_81_ECX_XOP		CPUID_BIT(11)
#define CPUID_81_ECX_SKINIT		CPUID_BIT(12)
#define CPUID_81_ECX_WDT		CPUID_BIT(13)
#define CPUID_81_ECX_LWP		CPUID_BIT(15)
#define CPUID_81_ECX_FMA4		CPUID_BIT(16)
#define CPUID_81_ECX_TCE		CPUID_BIT(17)
#define CPUID_81_ECX_NODEID_MSR		CPUID_BIT(19)
#define CPUID_81_ECX_TOPOEXT		CPUID_BIT(22)
#define CPUID_81_ECX_PERFCTR_CORE	CPUID_BIT(23)
#define CPUID_81_ECX_PERFCTR_NB		CPUID_BIT(24)
#define CPUID_81_ECX_DBX		CPUID_BIT(26)
#define CPUID_81_ECX_PERFTSC		CPUID_BIT(27)
#define CPUID_81_ECX_PERFCTR_LLC	CPUID_BIT(28)
#define CPUID_81_ECX_MONITORX		CPUID_BIT(29)

/* Leaf 0x80000007 EDX. */
#define CPUID_87_EDX_INVARIANT_TSC	CPUID_BIT(8)

/* Leaf 0x80000008 EBX. */
#define CPUID_88_EBX_IRPERF		CPUID_BIT(1)
#define CPUID_88_EBX_INVLPGB		CPUID_BIT(3)
#define CPUID_88_EBX_RDPRU		CPUID_BIT(4)
#define CPUID_88_EBX_MCOMMIT		CPUID_BIT(8)
#define CPUID_88_EBX_IBPB		CPUID_BIT(12)
#define CPUID_88_EBX_IBRS		CPUID_BIT(14)
#define CPUID_88_EBX_STIBP		CPUID_BIT(15)
#define CPUID_88_EBX_IBRS_ALWAYS_ON	CPUID_BIT(16)
#define CPUID_88_EBX_STIBP_ALWAYS_ON	CPUID_BIT(17)
#define CPUID_88_EBX_IBRS_PREFERRED	CPUID_BIT(18)
#define CPUID_88_EBX_IBRS_SAME_MODE	CPUID_BIT(19)
#define CPUID_88_EBX_PPIN		CPUID_BIT(23)
#define CPUID_88_EBX_SSBD		CPUID_BIT(24)
#define CPUID_88_EBX_VIRT_SSBD		CPUID_BIT(25)
#define CPUID_88_EBX_CPPC		CPUID_BIT(27)
#define CPUID_88_EBX_PSFD		CPUID_BIT(28)
#define CPUID_88_EBX_IBPB_RET		CPUID_BIT(30)

/* Leaf 0x80000008 ECX. */
#define CPUID_88_ECX_NC_MASK		0x000000ffu	/* [7:0] cores - 1 */
#define CPUID_88_ECX_APIC_ID_SIZE_MASK	0x0000f000u	/* [15:12] */

/*
 * What the guest's vCPU vcpu_id sees for CPUID(leaf, subleaf).
 * host_query(leaf, subleaf, out) runs the real CPUID; it is called for the
 * max leaf of the range and for the leaf itself.
 */
void vmm_cpuid_guest(u32 leaf, u32 subleaf, u32 vcpu_id,
		     void (*host_query)(u32 leaf, u32 subleaf, struct cpuid_regs *out),
		     struct cpuid_regs *out);

#endif /* VMM_CORE_CPUID_H */
