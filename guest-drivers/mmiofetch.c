// SPDX-License-Identifier: GPL-2.0
/* mmiofetch.bin: jump into guest-physical memory that is not RAM: the VM
 * must end with a clear internal error. */
#include "guest.h"

int main(void)
{
	void (*volatile fn)(void) = (void (*)(void))TEST_MMIO_GPA;

	puts("mmiofetch: jumping into MMIO\n");
	fn();
	puts("mmiofetch: still running?!\n");
	return 2;
}
