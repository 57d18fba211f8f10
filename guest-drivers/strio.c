// SPDX-License-Identifier: GPL-2.0
/* strio.bin: string port I/O, which the VMM does not emulate yet: the VM
 * must end with a clear internal error, the host unharmed. */
#include "guest.h"

int main(void)
{
	static const char msg[] = "abc";

	puts("strio: rep outsb\n");
	asm volatile("rep outsb" : : "S"(msg), "c"(3UL), "d"(UNKNOWN_PORT) : "memory");
	puts("strio: still running?!\n");
	return 2;
}
