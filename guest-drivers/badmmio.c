// SPDX-License-Identifier: GPL-2.0
/* badmmio.bin: an instruction the MMIO emulator does not handle (ADD to
 * device memory): the VM must end with a clear internal error. */
#include "guest.h"

int main(void)
{
	puts("badmmio: add to MMIO\n");
	asm volatile("addl $1, (%0)" : : "r"(TEST_MMIO_GPA) : "memory");
	puts("badmmio: still running?!\n");
	return 2;
}
