// SPDX-License-Identifier: GPL-2.0
/*
 * smpfault: two vCPUs fault the same never-touched guest pages at the
 * same moment (issue 14 item 3). Run as PC firmware on two vCPUs:
 *
 *   vmmctl run --bios smpfault.rom --cpus 2 --mem 128M
 *
 * The boot processor starts the other one (INIT, SIPI; ap_start() in
 * common/lib.c), then both walk two areas in lockstep, meeting at a
 * barrier before each step:
 *   - 2 MiB chunks: 32 MiB to 96 MiB, one chunk a step (the host backs
 *     such a chunk with one 2 MiB allocation at its first fault);
 *   - 4 KiB pages: 0x40000 to 0x9f000, below the PC's 640 KiB hole, one
 *     page a step (a chunk cut by the hole is backed page by page).
 * In each step both write every 4 KiB page of it, vCPU 0 the page's first
 * word and vCPU 1 the word at offset 2048, both starting at the same page.
 * Then both read every page back: each must hold both vCPUs' words. A
 * page backed twice, once for each vCPU, would have lost one of them.
 * Prints the counts, "smpfault: done" when all is well, then spins with
 * no exits so that the host can read the VM's resident memory: about
 * 64 MiB for the chunks, and a few pages more; not twice that.
 */
#include "guest.h"

#define CHUNKS_AT	0x2000000UL	/* 32 MiB */
#define CHUNKS_END	0x6000000UL	/* 96 MiB */
#define PAGES_AT	0x40000UL
#define PAGES_END	0x9f000UL
#define CHUNK		0x200000UL
#define PAGE		0x1000UL
#define MAGIC0		0x5a5a5a5a00000000UL
#define MAGIC1		0xa5a5a5a500000000UL
#define AP_STACK_TOP	0x140000UL	/* the BSP's stack ends at 0x180000 */
#define SPIN_LIMIT	(1UL << 30)

static volatile u32 bar_count, bar_gen;
static volatile bool ap_alive, timed_out;
static volatile unsigned long bad[2];	/* per vCPU: pages read back wrong */
static volatile bool ap_done;

/* Both vCPUs meet here; false if the other one never came. */
static bool meet(void)
{
	u32 gen = __atomic_load_n(&bar_gen, __ATOMIC_ACQUIRE);
	unsigned long i;

	if (__atomic_add_fetch(&bar_count, 1, __ATOMIC_ACQ_REL) == 2) {
		bar_count = 0;
		__atomic_store_n(&bar_gen, gen + 1, __ATOMIC_RELEASE);
		return true;
	}
	for (i = 0; __atomic_load_n(&bar_gen, __ATOMIC_ACQUIRE) == gen; i++) {
		if (i == SPIN_LIMIT || timed_out) {
			timed_out = true;
			return false;
		}
		asm volatile("pause");
	}
	return true;
}

static u64 word(int cpu, u64 page)
{
	return (cpu ? MAGIC1 : MAGIC0) ^ page;
}

static void write_pages(int cpu, u64 from, u64 to)
{
	for (u64 p = from; p < to; p += PAGE)
		*(volatile u64 *)(p + cpu * 2048) = word(cpu, p);
}

static unsigned long check_pages(u64 from, u64 to)
{
	unsigned long n = 0;

	for (u64 p = from; p < to; p += PAGE)
		if (*(volatile u64 *)p != word(0, p) ||
		    *(volatile u64 *)(p + 2048) != word(1, p))
			n++;
	return n;
}

/* What each vCPU does, in lockstep with the other. */
static void walk(int cpu)
{
	u64 a;

	for (a = CHUNKS_AT; a < CHUNKS_END; a += CHUNK) {
		if (!meet())
			return;
		write_pages(cpu, a, a + CHUNK);
	}
	for (a = PAGES_AT; a < PAGES_END; a += PAGE) {
		if (!meet())
			return;
		write_pages(cpu, a, a + PAGE);
	}
	if (!meet())
		return;
	bad[cpu] = check_pages(CHUNKS_AT, CHUNKS_END) +
		   check_pages(PAGES_AT, PAGES_END);
}

static void ap_main(void)
{
	ap_alive = true;
	walk(1);
	ap_done = true;
}

int main(void)
{
	extern char __bss_end[];
	unsigned long i;

	if ((u64)__bss_end > PAGES_AT) {
		printf("smpfault: FAIL: the image ends at %p, in the page area\n", __bss_end);
		return 1;
	}
	ap_start(1, ap_main, AP_STACK_TOP);
	for (i = 0; !ap_alive && i < SPIN_LIMIT; i++)
		asm volatile("pause");
	if (!ap_alive) {
		puts("smpfault: FAIL: the second vCPU did not start\n");
		return 1;
	}
	puts("smpfault: the second vCPU runs\n");
	walk(0);
	for (i = 0; !ap_done && i < SPIN_LIMIT; i++)
		asm volatile("pause");
	printf("smpfault: %lu chunks of 2 MiB and %lu pages of 4 KiB written by both vCPUs at once\n",
	       (CHUNKS_END - CHUNKS_AT) / CHUNK, (PAGES_END - PAGES_AT) / PAGE);
	printf("smpfault: pages read back wrong: vCPU 0 %lu, vCPU 1 %lu%s\n",
	       bad[0], bad[1], timed_out || !ap_done ? " (a vCPU timed out)" : "");
	if (timed_out || !ap_done || bad[0] || bad[1]) {
		puts("smpfault: FAIL\n");
		return 1;
	}
	puts("smpfault: done\n");
	asm volatile("cli; 1: jmp 1b" ::: "memory");
	return 0;
}
