/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Freestanding runtime for guest payloads: port I/O, MSRs, CPUID, TSC,
 * hypercalls, UART printing, exception catching and exit.
 *
 * Memory map used by the runtime (guest-physical == virtual, identity):
 *   0x07000            real/protected-mode scratch stack (grows down)
 *   0x08000 ..         the image (.entry stub first), then .bss
 *   0x100000..0x180000 64-bit stack (top at 0x180000)
 *   0x180000..0x186000 page tables (PML4, PDPT, 4 PDs: 0..4 GiB, 2 MiB pages)
 */
#ifndef GUEST_H
#define GUEST_H

#include "../../uapi/vmm.h"	/* Guest-visible ABI constants */

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long s64;
typedef unsigned long size_t;
typedef _Bool bool;
#define true 1
#define false 0
#define NULL ((void *)0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define noreturn __attribute__((noreturn))

/* Devices (see guest-drivers/README.md). */
#define UART_BASE	0x3f8
#define UART_THR	(UART_BASE + 0)
#define UART_LSR	(UART_BASE + 5)
#define UART_SCR	(UART_BASE + 7)
#define UART_LSR_THRE	0x20
#define EXIT_PORT	0xf4
#define UNKNOWN_PORT	0xf5
/* Bare VMs: a 32-bit register the kernel answers (mmio.c, vmm_bare_mmio). */
#define TEST_MMIO_KERNEL_GPA	0xfec00000UL
#ifndef TEST_MMIO_GPA
#define TEST_MMIO_GPA	0xd0000000UL
#endif

/* MSRs */
#define MSR_TSC			0x10
#define MSR_EFER		0xc0000080
#define MSR_KERNEL_GS_BASE	0xc0000102
#define EFER_SCE	(1UL << 0)
#define EFER_LME	(1UL << 8)
#define EFER_LMA	(1UL << 10)
#define EFER_NXE	(1UL << 11)
#define EFER_SVME	(1UL << 12)

/* boot_flags bits, set by the entry stub as each mode is reached */
#define BOOT_REAL	0x1	/* started with CR0.PE == 0 */
#define BOOT_PROT	0x2	/* reached 32-bit protected mode */
#define BOOT_LONG	0x4	/* reached 64-bit mode */
#define BOOT_NX		0x8	/* EFER.NXE was enabled */
extern volatile u32 boot_flags;

/* ---- port I/O ---- */
static inline u8 inb(u16 port)
{
	u8 v;
	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline u16 inw(u16 port)
{
	u16 v;
	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline u32 inl(u16 port)
{
	u32 v;
	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline void outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outw(u16 port, u16 v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outl(u16 port, u32 v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

/* ---- MSRs, CPUID, TSC, control registers ---- */
static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	return ((u64)hi << 32) | lo;
}
static inline void wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32))
		     : "memory");
}
static inline void cpuid(u32 leaf, u32 subleaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
	u32 ra, rb, rc, rd;
	asm volatile("cpuid" : "=a"(ra), "=b"(rb), "=c"(rc), "=d"(rd)
		     : "a"(leaf), "c"(subleaf) : "memory");
	if (a) *a = ra;
	if (b) *b = rb;
	if (c) *c = rc;
	if (d) *d = rd;
}
static inline u64 rdtsc(void)
{
	u32 lo, hi;
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}
/* rdtsc that does not move across neighbouring instructions */
static inline u64 rdtsc_ordered(void)
{
	u32 lo, hi;
	asm volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
	return ((u64)hi << 32) | lo;
}
static inline u64 read_cr0(void)
{
	u64 v;
	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}
static inline u64 read_cr2(void)
{
	u64 v;
	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}
static inline u64 read_cr4(void)
{
	u64 v;
	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}
static inline void cli(void)
{
	asm volatile("cli" ::: "memory");
}
static inline noreturn void halt_forever_noirq(void)
{
	for (;;)
		asm volatile("cli; hlt" ::: "memory");
}

/* ---- hypercall ---- */
extern bool cpu_is_amd;		/* AuthenticAMD / HygonGenuine: VMMCALL */
static inline u64 hypercall(u64 nr)
{
	if (cpu_is_amd)
		asm volatile("vmmcall" : "+a"(nr) : : "memory");
	else
		asm volatile("vmcall" : "+a"(nr) : : "memory");
	return nr;
}

/* ---- exceptions ---- */
struct exc_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rdi, rsi, rbp, rbx, rdx, rcx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;	/* pushed by the CPU */
};

struct jmpbuf {
	u64 rbx, rbp, r12, r13, r14, r15, rsp, rip;
};
int g_setjmp(struct jmpbuf *jb) __attribute__((returns_twice));
noreturn void g_longjmp(struct jmpbuf *jb, int val);

/* Last caught exception, valid after exc_try() returned nonzero. */
extern volatile int exc_vector;
extern volatile u64 exc_error;
extern volatile u64 exc_rip;
extern struct jmpbuf *volatile exc_catcher;

/*
 * Run `stmt`; evaluates to -1 if it completed, else to the vector of the
 * exception it raised (exc_error/exc_rip say more). Nests. Any variable
 * written by `stmt` and read afterwards must be volatile.
 */
#define exc_try(stmt) ({						\
	struct jmpbuf __jb;						\
	struct jmpbuf *volatile __prev = exc_catcher;			\
	volatile int __vec = -1;					\
	if (g_setjmp(&__jb) == 0) {					\
		exc_catcher = &__jb;					\
		asm volatile("" ::: "memory");				\
		stmt;							\
		asm volatile("" ::: "memory");				\
	} else {							\
		__vec = exc_vector;					\
	}								\
	exc_catcher = __prev;						\
	__vec;								\
})

/* ---- libc ---- */
void putc(int c);
void puts(const char *s);	/* no newline appended */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

/* outl(0xf4, status), then cli;hlt forever. */
noreturn void exit(int status);

const char *exc_name(int vector);

/*
 * Start the application processor with this local APIC ID (INIT, then
 * SIPIs through a trampoline at 0x1000): it enters long mode on the
 * BSP's page tables and runs fn on the stack ending at stack_top, with
 * its own TSS and the BSP's IDT; it halts if fn returns. xAPIC only.
 */
void ap_start(u32 apic_id, void (*fn)(void), u64 stack_top);

int main(void);

#endif
