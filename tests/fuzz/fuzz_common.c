// SPDX-License-Identifier: GPL-2.0
/* Failure reporting shared by the fuzz harnesses. */
#include "fuzz.h"

unsigned long fuzz_failures;

void fuzz_report(const char *file, int line, const char *cond,
		 const u8 *data, size_t size)
{
	size_t i;

	fuzz_failures++;
#ifndef FUZZ_LIBFUZZER
	if (fuzz_failures > 20)
		return;
#endif
	printf("# %s:%d: check failed: %s; input:", file, line, cond);
	for (i = 0; i < size && i < 32; i++)
		printf(" %02x", data[i]);
	printf("%s\n", size > 32 ? " ..." : "");
	fflush(stdout);
#ifdef FUZZ_LIBFUZZER
	abort();
#endif
}
