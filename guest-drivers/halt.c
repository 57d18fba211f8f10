// SPDX-License-Identifier: GPL-2.0
/* halt.bin: HLT with interrupts off ends the VM; vmmctl exits 0. */
#include "guest.h"

int main(void)
{
	puts("halt: ok\n");
	halt_forever_noirq();
}
