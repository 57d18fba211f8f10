// SPDX-License-Identifier: GPL-2.0
/* badmmio.bin: an instruction the MMIO emulator does not handle (CMPXCHG
 * on device memory): the VM must end with a clear internal error. */
#include "guest.h"

int main(void)
{
	puts("badmmio: cmpxchg on MMIO\n");
	asm volatile("cmpxchgl %1, (%0)" : : "r"(TEST_MMIO_GPA), "r"(1), "a"(0)
		     : "memory", "cc");
	puts("badmmio: still running?!\n");
	return 2;
}
