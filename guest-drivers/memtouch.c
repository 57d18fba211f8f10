// SPDX-License-Identifier: GPL-2.0
/*
 * memtouch.bin: writes one word in every 4 KiB page of guest RAM from
 * 2 MiB up (below that: the image, stacks and page tables) until a page
 * does not read back what was written (the end of RAM: MMIO reads all
 * ones) or 3 GiB, prints how far it got, then spins without exits so
 * that the host can look at the VM (resident memory) while it lives.
 * With guest RAM backed on first touch, every page it writes is a
 * nested page fault the first time.
 */
#include "guest.h"

#define START	0x200000UL
#define LIMIT	0xc0000000UL	/* below the MMIO scratch register */
#define MAGIC	0x5a5a5a5a5a5a5a5aUL

int main(void)
{
	u64 a;

	for (a = START; a < LIMIT; a += 4096) {
		volatile u64 *p = (volatile u64 *)a;

		*p = a ^ MAGIC;
		if (*p != (a ^ MAGIC))
			break;
	}
	printf("memtouch: RAM ends at %#lx, %lu MiB touched\n", a,
	       (a - START) >> 20);
	/* Read it all back: the pages kept what was written. */
	for (u64 b = START; b < a; b += 4096) {
		if (*(volatile u64 *)b != (b ^ MAGIC)) {
			printf("memtouch: FAIL at %#lx\n", b);
			exit(1);
		}
	}
	puts("memtouch: done\n");
	asm volatile("cli; 1: jmp 1b" ::: "memory");
	return 0;
}
