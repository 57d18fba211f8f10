/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The paravirtual clock a guest reads without exits: KVM's clock ABI
 * (kvmclock), as VirtualBox's "KVM" paravirtualization provider offers it,
 * because Linux and FreeBSD guests already speak it.
 *
 * Why: a guest that cannot measure its TSC's frequency (calibration loops
 * against the PIT or the ACPI PM timer fail when each port read is an
 * exit, as under emulation or on a loaded host) marks the TSC unstable and
 * falls back to the ACPI PM timer: every clock read becomes a port I/O
 * exit (12 of the 25 exits per disk read measured in the disk benchmark).
 * With kvmclock the guest learns the TSC frequency from us and reads time
 * from the TSC and a page we fill.
 *
 * What the guest sees (only where the host has a usable TSC):
 *  - CPUID 0x40000100: EAX = 0x40000101, EBX:ECX:EDX = "KVMKVMKVM\0\0\0";
 *    0x40000101: EAX = CLOCKSOURCE2 | CLOCKSOURCE_STABLE_BIT. Our own
 *    leaves stay at 0x40000000 (Linux looks for KVM's signature in every
 *    0x100 block of the hypervisor range, as it does when Hyper-V leaves
 *    come first).
 *  - MSR 0x4b564d01 (system time): bit 0 enables, bits 63:6 (with the low
 *    bits) the guest-physical address of this vCPU's struct
 *    vmm_pvclock_vcpu; 0x4b564d00 (wall clock): writing a GPA makes us fill
 *    a struct vmm_pvclock_wall there once.
 *
 * Guest time (ns since the VM was made) = system_time +
 * scale(guest TSC - tsc_timestamp); scale(d) = (d << shift or >> -shift)
 * * mul >> 32.
 */
#ifndef VMM_CORE_PVCLOCK_H
#define VMM_CORE_PVCLOCK_H

#include "host.h"

#define PVCLOCK_MSR_WALL_CLOCK		0x4b564d00u
#define PVCLOCK_MSR_SYSTEM_TIME		0x4b564d01u
/*
 * KVM's paravirtual EOI (pc.c), offered with the clock's leaves: bit 0
 * enables, bits 63:2 the guest-physical address of a 32-bit flag. The
 * host sets bit 0 of the flag when the guest may skip the EOI of the
 * interrupt it is given; a guest that skips it clears the bit instead.
 */
#define PVCLOCK_MSR_PV_EOI		0x4b564d04u
#define PVCLOCK_PV_EOI_BIT		1u

#define PVCLOCK_CPUID_BASE		0x40000100u
#define PVCLOCK_CPUID_FEATURES		0x40000101u
#define PVCLOCK_CPUID_SIGNATURE		"KVMKVMKVM\0\0\0"
#define PVCLOCK_FEAT_CLOCKSOURCE2	(1u << 3)
#define PVCLOCK_FEAT_PV_EOI		(1u << 6)
#define PVCLOCK_FEAT_STABLE_BIT		(1u << 24)

/* flags of struct vmm_pvclock_vcpu */
#define PVCLOCK_FLAG_TSC_STABLE		(1u << 0)

struct vmm_pvclock_vcpu {
	u32 version;		/* odd while we write it */
	u32 pad0;
	u64 tsc_timestamp;
	u64 system_time;
	u32 tsc_to_system_mul;
	s8 tsc_shift;
	u8 flags;
	u8 pad[2];
} __attribute__((__packed__));

struct vmm_pvclock_wall {
	u32 version;
	u32 sec;
	u32 nsec;
} __attribute__((__packed__));

struct vmm_pvclock_scale {
	u32 mul;
	s8 shift;
};

/*
 * The mul and shift that turn TSC ticks at tsc_khz into nanoseconds, or
 * false for a frequency of 0 (no clock to offer).
 */
bool vmm_pvclock_scale(u32 tsc_khz, struct vmm_pvclock_scale *s);

/* What the guest computes: ns for delta ticks (the ABI's formula). */
u64 vmm_pvclock_scale_delta(u64 delta, const struct vmm_pvclock_scale *s);

/* CPUID 0x40000100-0x400001ff for a VM that has the clock. */
void vmm_pvclock_cpuid(u32 leaf, u32 *eax, u32 *ebx, u32 *ecx, u32 *edx);

/* Whether a system-time MSR value points at a struct wholly in one page. */
bool vmm_pvclock_gpa_ok(u64 msr_val, unsigned int len);

#endif
