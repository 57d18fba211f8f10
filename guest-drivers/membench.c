// SPDX-License-Identifier: GPL-2.0
/*
 * membench.bin: the cost of guest memory, for issue 14's comparison of
 * on-demand backing, eager backing and kvm_amd. Over the RAM from 32 MiB
 * to its end (probed like memtouch.bin, at most 1 GiB):
 *   membench: touch <cycles per 4 KiB page>   first write to each page
 *                                              (a nested page fault each,
 *                                              per 2 MiB or 4 KiB, when
 *                                              RAM is backed on demand)
 *   membench: random-read <cycles per read>   dependent reads at random
 *                                              pages: TLB and nested walk
 *                                              bound once the buffer is
 *                                              past the TLBs' reach
 *   membench: done
 * then the exit port (0).
 */
#include "guest.h"

#define START	(32UL << 20)
#define LIMIT	(START + (1UL << 30))
#define MAGIC	0x5a5a5a5a5a5a5a5aUL
#define READS	(1UL << 21)

static u64 xorshift(u64 x)
{
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

int main(void)
{
	u64 a, t0, t1, pages, x = 88172645463325252UL, sum = 0, i;

	t0 = rdtsc_ordered();
	for (a = START; a < LIMIT; a += 4096) {
		volatile u64 *p = (volatile u64 *)a;

		*p = a ^ MAGIC;
		if (*p != (a ^ MAGIC))
			break;
	}
	t1 = rdtsc_ordered();
	pages = (a - START) >> 12;
	if (pages < 512) {
		printf("membench: needs RAM past %lu MiB\n", (START >> 20) + 2);
		return 1;
	}
	printf("membench: buffer %lu MiB\n", pages >> 8);
	printf("membench: touch %lu\n", (t1 - t0) / pages);

	/* Warm up: the first pass maps what the touch did not. */
	for (i = 0; i < READS / 8; i++) {
		x = xorshift(x);
		sum += *(volatile u64 *)(START + (x % pages) * 4096 +
					 ((x >> 40) & 0xff8));
	}
	t0 = rdtsc_ordered();
	for (i = 0; i < READS; i++) {
		/* Each address depends on the last value read: latency. */
		x = xorshift(x ^ (sum & 1));
		sum += *(volatile u64 *)(START + (x % pages) * 4096 +
					 ((x >> 40) & 0xff8));
	}
	t1 = rdtsc_ordered();
	printf("membench: random-read %lu\n", (t1 - t0) / READS);
	printf("membench: done (%lx)\n", sum & 0xf);
	return 0;
}
