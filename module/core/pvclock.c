// SPDX-License-Identifier: GPL-2.0
/* The paravirtual clock's arithmetic and CPUID leaves (see pvclock.h). */
#include "pvclock.h"

bool vmm_pvclock_scale(u32 tsc_khz, struct vmm_pvclock_scale *s)
{
	/* ns per tick = num / den, kept as mul / 2^32 * 2^shift, mul >= 2^31 */
	u64 num = 1000000, den = tsc_khz;
	int shift = 0;

	if (!tsc_khz)
		return false;
	while (num >= den) {
		den <<= 1;
		shift++;
	}
	while (2 * num < den) {
		num <<= 1;
		shift--;
	}
	s->mul = (u32)((num << 32) / den);
	s->shift = (s8)shift;
	return true;
}

u64 vmm_pvclock_scale_delta(u64 delta, const struct vmm_pvclock_scale *s)
{
	if (s->shift < 0)
		delta >>= -s->shift;
	else
		delta <<= s->shift;
	return (u64)(((unsigned __int128)delta * s->mul) >> 32);
}

void vmm_pvclock_cpuid(u32 leaf, u32 *eax, u32 *ebx, u32 *ecx, u32 *edx)
{
	static const char sig[] = PVCLOCK_CPUID_SIGNATURE;
	u32 w[3];

	BUILD_BUG_ON(sizeof(struct vmm_pvclock_vcpu) != 32);
	BUILD_BUG_ON(sizeof(struct vmm_pvclock_wall) != 12);
	*eax = *ebx = *ecx = *edx = 0;
	switch (leaf) {
	case PVCLOCK_CPUID_BASE:
		memcpy(w, sig, sizeof(w));
		*eax = PVCLOCK_CPUID_FEATURES;
		*ebx = w[0];
		*ecx = w[1];
		*edx = w[2];
		break;
	case PVCLOCK_CPUID_FEATURES:
		*eax = PVCLOCK_FEAT_CLOCKSOURCE2 | PVCLOCK_FEAT_STABLE_BIT;
		break;
	}
}

bool vmm_pvclock_gpa_ok(u64 msr_val, unsigned int len)
{
	u64 gpa = msr_val & ~1ULL;

	return (gpa & 0xfff) + len <= 0x1000;
}
