// SPDX-License-Identifier: GPL-2.0
/* spin.bin: spins forever without any VM exit (for SIGTERM/SIGINT tests). */
#include "guest.h"

int main(void)
{
	puts("spin: spinning\n");
	asm volatile("cli; 1: jmp 1b" ::: "memory");
	return 0;
}
