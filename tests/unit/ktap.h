/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal KTAP producer for userspace unit tests. Each test binary is one
 * KTAP suite: ktap_begin(name, planned), ktap_ok()/ktap_check() per
 * case, ktap_end() which prints the plan line and returns the exit code.
 */
#ifndef VMM_TEST_KTAP_H
#define VMM_TEST_KTAP_H

#include <stdarg.h>
#include <stdio.h>

static int ktap_n, ktap_fail;

static inline void ktap_begin(const char *suite, int planned)
{
	printf("KTAP version 1\n# Subtest: %s\n1..%d\n", suite, planned);
	fflush(stdout);
}

static inline void __attribute__((format(printf, 2, 3)))
ktap_result(int ok, const char *fmt, ...)
{
	va_list ap;

	ktap_n++;
	if (!ok)
		ktap_fail++;
	printf("%s %d ", ok ? "ok" : "not ok", ktap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* Print a diagnostic and record a failure when cond is false; returns cond. */
#define KTAP_EXPECT(cond, ...)						\
	({ int __c = !!(cond);						\
	   if (!__c) printf("# %s:%d: expected %s\n", __FILE__, __LINE__, #cond); \
	   __c; })

static inline int ktap_end(void)
{
	printf("# %d passed, %d failed\n", ktap_n - ktap_fail, ktap_fail);
	return ktap_fail ? 1 : 0;
}

#endif /* VMM_TEST_KTAP_H */
