// SPDX-License-Identifier: GPL-2.0
/*
 * triple.bin: with an empty IDT, #UD cannot be delivered -> #GP -> #DF ->
 * triple fault; vmmctl reports a guest shutdown.
 */
#include "guest.h"

int main(void)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) empty = { 0, 0 };

	puts("triple: faulting\n");
	asm volatile("lidt %0; ud2" : : "m"(empty) : "memory");
	/* not reached */
	puts("triple: still alive?!\n");
	return 2;
}
