// SPDX-License-Identifier: GPL-2.0
/*
 * spinirq.bin: like spin.bin but spinning with interrupts enabled (nothing
 * injects any). Bochs 2.7 takes no host-interrupt exit from a guest that
 * runs with IF=0, so a hypervisor without a preemption-timer backstop
 * (kvm_intel) would freeze the test host on spin.bin; this one it can run.
 */
#include "guest.h"

int main(void)
{
	puts("spinirq: spinning\n");
	asm volatile("sti");
	for (;;)
		asm volatile("" ::: "memory");
}
