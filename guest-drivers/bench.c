// SPDX-License-Identifier: GPL-2.0
/*
 * bench.bin: VM exit microbenchmark. For each exit type: check once that
 * the operation does not fault, warm up, then time BENCH_ITERS iterations
 * with the TSC and print "bench: <name> <cycles-per-op>".
 *
 * Uses only what both our hypervisor and the KVM-API runner provide: the
 * UART at 0x3f8, the exit port 0xf4, unknown port 0xf5, the MMIO scratch
 * register at 0xd0000000, CPUID, EFER and the hypercall instruction.
 */
#include "guest.h"

#define BENCH_ITERS	500
#define BENCH_WARMUP	100
#define BENCH_ROUNDS	8	/* report the best round: robust to host noise */

static void op_cpuid(void)
{
	u32 a = 0, b, c = 0, d;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d) : : "memory");
}

static void op_hypercall(void)
{
	(void)hypercall(VMM_HC_PING);
}

static void op_pio_kernel(void)
{
	(void)inb(UART_SCR);
}

static void op_pio_user(void)
{
	outb(UNKNOWN_PORT, 0);
}

static void op_mmio_user(void)
{
	u32 v;

	asm volatile("movl (%1), %0" : "=r"(v) : "r"(TEST_MMIO_GPA) : "memory");
}

static void op_mmio_kernel(void)
{
	u32 v;

	asm volatile("movl (%1), %0" : "=r"(v) : "r"(TEST_MMIO_KERNEL_GPA) :
		     "memory");
}

static void op_msr_read(void)
{
	(void)rdmsr(MSR_EFER);
}

static const struct {
	const char *name;
	void (*op)(void);
} benches[] = {
	{ "cpuid", op_cpuid },
	{ "hypercall", op_hypercall },
	{ "pio_kernel", op_pio_kernel },
	{ "pio_user", op_pio_user },
	{ "mmio_user", op_mmio_user },
	{ "mmio_kernel", op_mmio_kernel },
	{ "msr_read", op_msr_read },
};

/* time an empty loop of the same shape, to subtract call overhead */
static void op_nothing(void)
{
	asm volatile("" ::: "memory");
}

static u64 time_op(void (*op)(void))
{
	u64 t0, t1, best = ~0ULL;
	int i, r;

	for (i = 0; i < BENCH_WARMUP; i++)
		op();
	for (r = 0; r < BENCH_ROUNDS; r++) {
		t0 = rdtsc_ordered();
		for (i = 0; i < BENCH_ITERS; i++)
			op();
		t1 = rdtsc_ordered();
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	return best;
}

int main(void)
{
	void (*volatile opp)(void);
	u64 base = time_op(op_nothing);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(benches); i++) {
		u64 t;
		int v;

		opp = benches[i].op;
		v = exc_try(opp());
		if (v >= 0) {
			printf("bench: %s n/a (%s)\n", benches[i].name, exc_name(v));
			continue;
		}
		t = time_op(benches[i].op);
		t = t > base ? t - base : 0;
		printf("bench: %s %lu\n", benches[i].name, t / BENCH_ITERS);
	}
	puts("bench: done\n");
	return 0;
}
