// SPDX-License-Identifier: GPL-2.0
/*
 * selftest.bin: checks the guest-visible behaviour of the hypervisor and
 * prints a KTAP document on the UART. Exits (port 0xf4) with 0 if every
 * check passed, else 1 (3 on an unexpected exception).
 */
#include "guest.h"

#define MMIO ((volatile void *)TEST_MMIO_GPA)

/* diagnostic line inside the KTAP document */
#define diag(...) do { puts("# "); printf(__VA_ARGS__); putc('\n'); } while (0)

static volatile u64 sink;

/* ---------------------------------------------------------------- boot */

static bool t_real_mode(void)
{
	return boot_flags & BOOT_REAL;
}

static bool t_protected_mode(void)
{
	return boot_flags & BOOT_PROT;
}

static bool t_long_mode(void)
{
	u64 efer = rdmsr(MSR_EFER);
	u16 cs;

	asm volatile("mov %%cs, %0" : "=r"(cs));
	if (!(boot_flags & BOOT_LONG) || !(efer & EFER_LMA) || cs != 0x18) {
		diag("boot_flags=%#x efer=%#lx cs=%#x", boot_flags, efer, cs);
		return false;
	}
	return true;
}

static bool t_exception_recovery(void)
{
	volatile int v = exc_try(asm volatile("ud2"));
	volatile int v2;
	volatile u64 err = 0;

	/* a selector past the GDT limit: #GP with the selector as error code */
	v2 = exc_try(asm volatile("movw %w0, %%ds" : : "r"(0x1230) : "memory"));
	if (v2 >= 0)
		err = exc_error;
	if (v != 6 || v2 != 13 || err != 0x1230) {
		diag("ud2 -> %d, mov 0x1230 to ds -> %d error %#lx "
		     "(want 6, 13 error 0x1230)", v, v2, err);
		return false;
	}
	return true;
}

/* --------------------------------------------------------------- CPUID */

static bool t_cpuid_hv_bit(void)
{
	u32 c;

	cpuid(1, 0, NULL, NULL, &c, NULL);
	if (!(c & (1u << 31))) {
		diag("CPUID.1:ECX=%#x", c);
		return false;
	}
	return true;
}

static bool t_cpuid_vmx_hidden(void)
{
	u32 c;

	cpuid(1, 0, NULL, NULL, &c, NULL);
	if (c & (1u << 5)) {
		diag("CPUID.1:ECX=%#x has VMX", c);
		return false;
	}
	return true;
}

static bool t_cpuid_svm_hidden(void)
{
	u32 max, c = 0;

	cpuid(0x80000000, 0, &max, NULL, NULL, NULL);
	if (max >= 0x80000001)
		cpuid(0x80000001, 0, NULL, NULL, &c, NULL);
	if (c & (1u << 2)) {
		diag("CPUID.80000001:ECX=%#x has SVM", c);
		return false;
	}
	return true;
}

static bool t_cpuid_signature(void)
{
	u32 r[4];
	char sig[13];

	cpuid(0x40000000, 0, &r[0], &r[1], &r[2], &r[3]);
	memcpy(sig, &r[1], 12);	/* EBX, ECX, EDX */
	sig[12] = 0;
	for (int i = 0; i < 12; i++)
		if (sig[i] < 0x20 || sig[i] > 0x7e)
			sig[i] = '?';
	if (r[0] < VMM_CPUID_MAX_LEAF || memcmp(&r[1], VMM_CPUID_SIGNATURE, 12)) {
		diag("CPUID.40000000: eax=%#x sig=\"%s\"", r[0], sig);
		return false;
	}
	return true;
}

/* ----------------------------------------------------------------- PIO */

static bool t_uart_scratch(void)
{
	static const u8 pat[] = { 0x5a, 0xa5, 0x00, 0xff, 0x3c };

	for (unsigned int i = 0; i < sizeof(pat); i++) {
		u8 got;

		outb(UART_SCR, pat[i]);
		got = inb(UART_SCR);
		if (got != pat[i]) {
			diag("SCR wrote %#x read %#x", pat[i], got);
			return false;
		}
	}
	return true;
}

static bool t_pio_unknown_in(void)
{
	u8 b = inb(UNKNOWN_PORT);
	u16 w = inw(UNKNOWN_PORT);
	u32 l = inl(UNKNOWN_PORT);

	if (b != 0xff || w != 0xffff || l != 0xffffffff) {
		diag("in 0xf5: b=%#x w=%#x l=%#x", b, w, l);
		return false;
	}
	return true;
}

static bool t_pio_unknown_out(void)
{
	/* must be ignored, and the payload must keep running */
	outb(UNKNOWN_PORT, 0x12);
	outw(UNKNOWN_PORT, 0x1234);
	outl(UNKNOWN_PORT, 0x12345678);
	outb(0x80, 0x55);
	return true;
}

/* ----------------------------------------------------------------- MSR */

static int try_rdmsr(u32 msr, volatile u64 *val)
{
	return exc_try(*val = rdmsr(msr));
}

static int try_wrmsr(u32 msr, u64 val)
{
	return exc_try(wrmsr(msr, val));
}

static bool t_msr_efer(void)
{
	u64 efer = rdmsr(MSR_EFER), back;
	bool ok = true;

	if (efer & EFER_SVME) {
		diag("EFER=%#lx has SVME", efer);
		ok = false;
	}
	if ((efer & (EFER_LME | EFER_LMA)) != (EFER_LME | EFER_LMA)) {
		diag("EFER=%#lx lacks LME/LMA", efer);
		ok = false;
	}
	/* write back unchanged, then toggle SCE (harmless here) */
	wrmsr(MSR_EFER, efer);
	back = rdmsr(MSR_EFER);
	if (back != efer) {
		diag("EFER wrote %#lx read %#lx", efer, back);
		ok = false;
	}
	wrmsr(MSR_EFER, efer ^ EFER_SCE);
	back = rdmsr(MSR_EFER);
	if (back != (efer ^ EFER_SCE)) {
		diag("EFER wrote %#lx read %#lx", efer ^ EFER_SCE, back);
		ok = false;
	}
	wrmsr(MSR_EFER, efer);
	return ok;
}

static bool t_msr_kernel_gs_base(void)
{
	static const u64 vals[] = { 0xffff888012345678UL, 0x00007fffdeadb000UL, 0 };
	u64 old = rdmsr(MSR_KERNEL_GS_BASE);
	bool ok = true;

	for (unsigned int i = 0; i < ARRAY_SIZE(vals); i++) {
		u64 got;

		wrmsr(MSR_KERNEL_GS_BASE, vals[i]);
		got = rdmsr(MSR_KERNEL_GS_BASE);
		if (got != vals[i]) {
			diag("KERNEL_GS_BASE wrote %#lx read %#lx", vals[i], got);
			ok = false;
		}
	}
	wrmsr(MSR_KERNEL_GS_BASE, old);
	return ok;
}

static bool t_tsc_monotonic(void)
{
	u64 a = rdtsc_ordered();
	u64 m = rdmsr(MSR_TSC);
	u64 b = rdtsc_ordered();
	u64 prev = b;

	if (!(a < m && m < b)) {
		diag("rdtsc %#lx, rdmsr(TSC) %#lx, rdtsc %#lx", a, m, b);
		return false;
	}
	for (int i = 0; i < 1000; i++) {
		u64 t = rdtsc_ordered();

		if (t < prev) {
			diag("TSC went back: %#lx -> %#lx", prev, t);
			return false;
		}
		prev = t;
	}
	return true;
}

static bool t_msr_unknown_gp(void)
{
	volatile u64 v = 0;
	int r1 = try_rdmsr(0x4b564dff, &v);
	int r2 = try_rdmsr(0x12345, &v);
	int w1 = try_wrmsr(0x4b564dff, 0x1234);

	if (r1 != 13 || r2 != 13 || w1 != 13) {
		diag("rdmsr 0x4b564dff -> %d, rdmsr 0x12345 -> %d, "
		     "wrmsr 0x4b564dff -> %d (want 13 = #GP)", r1, r2, w1);
		return false;
	}
	return true;
}

/* ----------------------------------------------------------- hypercall */

static int try_hypercall(u64 nr, volatile u64 *ret)
{
	volatile u64 n = nr;

	return exc_try(*ret = hypercall(n));
}

static bool t_hc_ping(void)
{
	volatile u64 r = 0;
	int v = try_hypercall(VMM_HC_PING, &r);

	if (v >= 0) {
		diag("%s raised %s", cpu_is_amd ? "vmmcall" : "vmcall", exc_name(v));
		return false;
	}
	if (r != VMM_HC_PING_MAGIC) {
		diag("ping returned %#lx, want %#llx", r, VMM_HC_PING_MAGIC);
		return false;
	}
	return true;
}

static bool t_hc_unknown(void)
{
	volatile u64 r = 0;
	int v = try_hypercall(0x7fff1234, &r);

	if (v >= 0) {
		diag("%s raised %s", cpu_is_amd ? "vmmcall" : "vmcall", exc_name(v));
		return false;
	}
	if (r != (u64)-38) {
		diag("unknown hypercall returned %#lx, want -38 (-ENOSYS)", r);
		return false;
	}
	return true;
}

/* ---------------------------------------------------------------- MMIO */

/*
 * Each access is one explicit instruction, so the instruction forms the
 * hypervisor's MMIO decoder sees are known.
 */
static inline void mmio_w64(u64 off, u64 v)
{
	asm volatile("movq %1, (%0)" : : "r"(TEST_MMIO_GPA + off), "r"(v) : "memory");
}
static inline u64 mmio_r64(u64 off)
{
	u64 v;
	asm volatile("movq (%1), %0" : "=r"(v) : "r"(TEST_MMIO_GPA + off) : "memory");
	return v;
}
static inline u32 mmio_r32(u64 off)
{
	u32 v;
	asm volatile("movl (%1), %0" : "=r"(v) : "r"(TEST_MMIO_GPA + off) : "memory");
	return v;
}
static inline u16 mmio_r16(u64 off)
{
	u16 v;
	asm volatile("movw (%1), %0" : "=r"(v) : "r"(TEST_MMIO_GPA + off) : "memory");
	return v;
}
static inline u8 mmio_r8(u64 off)
{
	u8 v;
	asm volatile("movb (%1), %0" : "=q"(v) : "r"(TEST_MMIO_GPA + off) : "memory");
	return v;
}

#define MMIO_PAT 0x1122334455667788UL

#define expect_eq(what, got, want) ({					\
	u64 __g = (got), __w = (want);					\
	if (__g != __w)							\
		diag("%s: got %#lx want %#lx", what, __g, __w);		\
	__g == __w;							\
})

/* all MMIO checks share one wrapper so a fault is reported, not fatal */
static bool mmio_guard(bool (*fn)(void))
{
	volatile bool ok = false;
	int v = exc_try(ok = fn());

	if (v >= 0) {
		diag("MMIO access raised %s error=%#lx rip=%#lx", exc_name(v),
		     exc_error, exc_rip);
		return false;
	}
	return ok;
}

static bool mmio_rw64(void)
{
	bool ok = true;

	mmio_w64(0, MMIO_PAT);
	ok &= expect_eq("read64", mmio_r64(0), MMIO_PAT);
	mmio_w64(0, ~MMIO_PAT);
	ok &= expect_eq("read64", mmio_r64(0), ~MMIO_PAT);
	return ok;
}

static bool mmio_narrow_reads(void)
{
	bool ok = true;

	mmio_w64(0, MMIO_PAT);
	ok &= expect_eq("read32@0", mmio_r32(0), 0x55667788);
	ok &= expect_eq("read32@4", mmio_r32(4), 0x11223344);
	ok &= expect_eq("read16@0", mmio_r16(0), 0x7788);
	ok &= expect_eq("read16@6", mmio_r16(6), 0x1122);
	ok &= expect_eq("read8@0", mmio_r8(0), 0x88);
	ok &= expect_eq("read8@5", mmio_r8(5), 0x33);
	ok &= expect_eq("read8@7", mmio_r8(7), 0x11);
	return ok;
}

static bool mmio_byte_write(void)
{
	mmio_w64(0, MMIO_PAT);
	asm volatile("movb %1, 3(%0)" : : "r"(TEST_MMIO_GPA), "q"((u8)0xab) : "memory");
	return expect_eq("after byte write @3", mmio_r64(0), 0x11223344ab667788UL);
}

static bool mmio_narrow_writes(void)
{
	bool ok = true;

	mmio_w64(0, MMIO_PAT);
	asm volatile("movw %1, 6(%0)" : : "r"(TEST_MMIO_GPA), "r"((u16)0xbeef) : "memory");
	ok &= expect_eq("after word write @6", mmio_r64(0), 0xbeef334455667788UL);
	asm volatile("movl %1, (%0)" : : "r"(TEST_MMIO_GPA), "r"((u32)0xcafef00d) : "memory");
	ok &= expect_eq("after dword write @0", mmio_r64(0), 0xbeef3344cafef00dUL);
	return ok;
}

static bool mmio_movzx_movsx(void)
{
	u32 zb, zw;
	u64 sb, sl;
	bool ok = true;

	mmio_w64(0, 0x80f0e0d0c0b0a090UL);
	asm volatile("movzbl (%1), %0" : "=r"(zb) : "r"(TEST_MMIO_GPA) : "memory");
	asm volatile("movzwl 2(%1), %0" : "=r"(zw) : "r"(TEST_MMIO_GPA) : "memory");
	asm volatile("movsbq 1(%1), %0" : "=r"(sb) : "r"(TEST_MMIO_GPA) : "memory");
	asm volatile("movslq 4(%1), %0" : "=r"(sl) : "r"(TEST_MMIO_GPA) : "memory");
	ok &= expect_eq("movzbl", zb, 0x90);
	ok &= expect_eq("movzwl @2", zw, 0xc0b0);
	ok &= expect_eq("movsbq @1", sb, 0xffffffffffffffa0UL);
	ok &= expect_eq("movslq @4", sl, 0xffffffff80f0e0d0UL);
	return ok;
}

static bool mmio_store_imm(void)
{
	bool ok = true;

	mmio_w64(0, MMIO_PAT);
	asm volatile("movl $0xdeadbeef, (%0)" : : "r"(TEST_MMIO_GPA) : "memory");
	ok &= expect_eq("movl $imm32", mmio_r64(0), 0x11223344deadbeefUL);
	asm volatile("movq $-2, (%0)" : : "r"(TEST_MMIO_GPA) : "memory");
	ok &= expect_eq("movq $simm32", mmio_r64(0), 0xfffffffffffffffeUL);
	asm volatile("movb $0x42, 7(%0)" : : "r"(TEST_MMIO_GPA) : "memory");
	ok &= expect_eq("movb $imm8 @7", mmio_r64(0), 0x42fffffffffffffeUL);
	asm volatile("movw $0x1234, 2(%0)" : : "r"(TEST_MMIO_GPA) : "memory");
	ok &= expect_eq("movw $imm16 @2", mmio_r64(0), 0x42ffffff1234fffeUL);
	return ok;
}

static bool mmio_high_regs(void)
{
	u64 r64a, r64b;
	u32 r32;
	u8 r8;
	bool ok = true;

	/*
	 * Explicit registers inside each asm block (REX.R / REX.B / r12 base
	 * needing a SIB byte / r13 base needing a displacement).
	 */
	asm volatile("movq %[a], %%r10\n\t"
		     "movq %[v], %%r9\n\t"
		     "movq %%r9, (%%r10)\n\t"		/* 4d 89 0a */
		     "movq %%r10, %%r12\n\t"
		     "movq (%%r12), %%r13\n\t"		/* 4d 8b 2c 24 */
		     "movq %%r13, %[o]"
		     : [o] "=r"(r64a)
		     : [a] "r"(TEST_MMIO_GPA), [v] "r"(0x0123456789abcdefUL)
		     : "r9", "r10", "r12", "r13", "memory");
	ok &= expect_eq("movq %r9,(%r10); movq (%r12),%r13", r64a,
			0x0123456789abcdefUL);

	asm volatile("leaq 4(%[a]), %%r15\n\t"
		     "movl (%%r15), %%r14d\n\t"		/* 45 8b 37 */
		     "movl %%r14d, %[o]"
		     : [o] "=r"(r32)
		     : [a] "r"(TEST_MMIO_GPA)
		     : "r14", "r15", "memory");
	ok &= expect_eq("movl (%r15),%r14d", r32, 0x01234567);

	asm volatile("movq %[a], %%r13\n\t"
		     "movl $0x5c, %%r11d\n\t"
		     "movb %%r11b, 5(%%r13)\n\t"		/* 45 88 5d 05 */
		     "movq %[a], %%r8\n\t"
		     "xorl %%r11d, %%r11d\n\t"
		     "movb 5(%%r8), %%r11b\n\t"		/* 45 8a 58 05 */
		     "movb %%r11b, %[o]"
		     : [o] "=r"(r8)
		     : [a] "r"(TEST_MMIO_GPA)
		     : "r8", "r11", "r13", "memory");
	ok &= expect_eq("movb %r11b,5(%r13); movb 5(%r8),%r11b", r8, 0x5c);

	asm volatile("movq %[a], %%r14\n\t"
		     "movl $0xa5a5, %%ecx\n\t"
		     "movw %%cx, 2(%%r14)\n\t"		/* 66 41 89 4e 02 */
		     "movq (%%r14), %%r15\n\t"		/* 4d 8b 3e */
		     "movq %%r15, %[o]"
		     : [o] "=r"(r64b)
		     : [a] "r"(TEST_MMIO_GPA)
		     : "rcx", "r14", "r15", "memory");
	ok &= expect_eq("movw %cx,2(%r14); movq (%r14),%r15", r64b,
			0x01235c67a5a5cdefUL);
	return ok;
}

/*
 * Instructions other than MOV (the general emulator): read-modify-write
 * whose read userspace answers before the write, XCHG, a compare, a
 * string move out of MMIO, and the in-kernel register of bare VMs.
 */
static bool mmio_general(void)
{
	u64 buf[2] = { 0, 0 }, *dst = buf, src = TEST_MMIO_GPA, cnt = 1;
	u32 x = 0xaabbccdd, k;
	u8 eq = 0;
	bool ok = true;

	mmio_w64(0, 0x100);
	asm volatile("addl $5, (%0)" : : "r"(TEST_MMIO_GPA) : "memory", "cc");
	ok &= expect_eq("addl", mmio_r64(0), 0x105);
	asm volatile("orb $0x30, 1(%0)" : : "r"(TEST_MMIO_GPA) : "memory", "cc");
	ok &= expect_eq("orb @1", mmio_r64(0), 0x3105);
	asm volatile("xchgl %0, (%1)" : "+r"(x) : "r"(TEST_MMIO_GPA) : "memory");
	ok &= expect_eq("xchg old", x, 0x3105);
	ok &= expect_eq("xchg new", mmio_r64(0), 0xaabbccdd);
	asm volatile("cmpl $0xaabbccdd, (%1)\n\tsete %0" : "=q"(eq) :
		     "r"(TEST_MMIO_GPA) : "memory", "cc");
	ok &= expect_eq("cmpl", eq, 1);
	mmio_w64(0, MMIO_PAT);
	asm volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(cnt) : :
		     "memory");
	ok &= expect_eq("rep movsq", buf[0], MMIO_PAT);
	ok &= expect_eq("rep movsq rcx", cnt, 0);
	/* The kernel's register: written, read back without userspace. */
	asm volatile("movl %1, (%0)" : : "r"(TEST_MMIO_KERNEL_GPA),
		     "r"(0x5a5aa5a5u) : "memory");
	asm volatile("movl (%1), %0" : "=r"(k) : "r"(TEST_MMIO_KERNEL_GPA) :
		     "memory");
	ok &= expect_eq("kernel register", k, 0x5a5aa5a5);
	asm volatile("addl $1, (%0)" : : "r"(TEST_MMIO_KERNEL_GPA) :
		     "memory", "cc");
	asm volatile("movl (%1), %0" : "=r"(k) : "r"(TEST_MMIO_KERNEL_GPA) :
		     "memory");
	ok &= expect_eq("kernel register addl", k, 0x5a5aa5a6);
	return ok;
}

/*
 * The VMM fetches the instruction at RIP on an MMIO exit (and, without
 * next-RIP help, on other exits) and may keep the translation of its page
 * and the instruction decoded: code that moves under the same RIP must be
 * fetched and decoded anew. A 2 MiB page at 1 GiB holds a stub that the
 * test first maps to one physical page, then to another with another
 * stub, then rewrites in place; each stub accesses the kernel's register.
 */
#define STUB_VA		0x40000000UL
#define STUB_PA_A	0x800000UL
#define STUB_PA_B	0xa00000UL
#define STUB_PDE	((volatile u64 *)(0x180000UL + 0x3000))	/* PD 1, entry 0 */

static void stub_map(u64 pa)
{
	*STUB_PDE = pa | 0x83;				/* P | RW | PS */
	asm volatile("invlpg (%0)" : : "r"(STUB_VA) : "memory");
}

static u32 stub_call(u32 val)
{
	u64 a, d = TEST_MMIO_KERNEL_GPA, s = val;

	asm volatile("call *%[f]" : "=a"(a), "+D"(d), "+S"(s)
		     : [f] "r"(STUB_VA) : "rcx", "rdx", "r8", "r9", "r10",
		       "r11", "memory", "cc");
	return (u32)a;
}

static u32 kreg_read(void)
{
	u32 k;

	asm volatile("movl (%1), %0" : "=r"(k) : "r"(TEST_MMIO_KERNEL_GPA) :
		     "memory");
	return k;
}

static bool mmio_code_moves(void)
{
	static const u8 rd[] = { 0x8b, 0x07, 0xc3 };	/* mov (%rdi),%eax; ret */
	static const u8 wr[] = { 0x89, 0x37, 0x31, 0xc0, 0xc3 };
						/* mov %esi,(%rdi); xor %eax,%eax; ret */
	volatile u8 *a = (volatile u8 *)STUB_PA_A, *b = (volatile u8 *)STUB_PA_B;
	u64 old = *STUB_PDE;
	bool ok = true;
	unsigned int i;

	for (i = 0; i < sizeof(rd); i++)
		a[i] = rd[i];
	for (i = 0; i < sizeof(wr); i++)
		b[i] = wr[i];
	asm volatile("movl %1, (%0)" : : "r"(TEST_MMIO_KERNEL_GPA),
		     "r"(0x11111111u) : "memory");
	stub_map(STUB_PA_A);
	for (i = 0; i < 3; i++)
		ok &= expect_eq("read stub", stub_call(0), 0x11111111);
	stub_map(STUB_PA_B);		/* the same RIP, another page */
	ok &= expect_eq("write stub returns 0", stub_call(0x22222222), 0);
	ok &= expect_eq("write stub wrote", kreg_read(), 0x22222222);
	for (i = 0; i < sizeof(rd); i++)	/* the same page, new code */
		b[i] = rd[i];
	stub_map(STUB_PA_B);		/* INVLPG serializes */
	ok &= expect_eq("rewritten stub reads", stub_call(0), 0x22222222);
	*STUB_PDE = old;
	asm volatile("invlpg (%0)" : : "r"(STUB_VA) : "memory");
	return ok;
}

static bool t_mmio_rw64(void) { return mmio_guard(mmio_rw64); }
static bool t_mmio_code_moves(void) { return mmio_guard(mmio_code_moves); }
static bool t_mmio_general(void) { return mmio_guard(mmio_general); }
static bool t_mmio_narrow_reads(void) { return mmio_guard(mmio_narrow_reads); }
static bool t_mmio_byte_write(void) { return mmio_guard(mmio_byte_write); }
static bool t_mmio_narrow_writes(void) { return mmio_guard(mmio_narrow_writes); }
static bool t_mmio_movzx(void) { return mmio_guard(mmio_movzx_movsx); }
static bool t_mmio_store_imm(void) { return mmio_guard(mmio_store_imm); }
static bool t_mmio_high_regs(void) { return mmio_guard(mmio_high_regs); }

/* --------------------------------------------------------------- table */

static const struct {
	const char *desc;
	bool (*fn)(void);
} checks[] = {
	{ "boot: entered in real mode", t_real_mode },
	{ "boot: protected mode", t_protected_mode },
	{ "boot: long mode", t_long_mode },
	{ "exceptions: #UD and #GP (with error code) are caught", t_exception_recovery },
	{ "cpuid: hypervisor bit set", t_cpuid_hv_bit },
	{ "cpuid: VMX hidden", t_cpuid_vmx_hidden },
	{ "cpuid: SVM hidden", t_cpuid_svm_hidden },
	{ "cpuid: signature leaf 0x40000000", t_cpuid_signature },
	{ "pio: UART scratch register round trip (in-kernel)", t_uart_scratch },
	{ "pio: IN from unknown port 0xf5 returns all ones (user exit)", t_pio_unknown_in },
	{ "pio: OUT to unknown ports is ignored", t_pio_unknown_out },
	{ "msr: EFER round trip, SVME hidden", t_msr_efer },
	{ "msr: KERNEL_GS_BASE round trip", t_msr_kernel_gs_base },
	{ "msr: TSC monotonic", t_tsc_monotonic },
	{ "msr: unknown MSR raises #GP", t_msr_unknown_gp },
	{ "hypercall: ping returns magic", t_hc_ping },
	{ "hypercall: unknown number returns -ENOSYS", t_hc_unknown },
	{ "mmio: 8-byte write/read", t_mmio_rw64 },
	{ "mmio: 4/2/1-byte reads", t_mmio_narrow_reads },
	{ "mmio: byte write at offset 3 changes only that byte", t_mmio_byte_write },
	{ "mmio: 2/4-byte writes", t_mmio_narrow_writes },
	{ "mmio: movzx/movsx loads", t_mmio_movzx },
	{ "mmio: stores of immediates", t_mmio_store_imm },
	{ "mmio: accesses via r8-r15", t_mmio_high_regs },
	{ "mmio: ADD/OR/XCHG/CMP/REP MOVS, the in-kernel register", t_mmio_general },
	{ "mmio: code remapped or rewritten under the same RIP is fetched anew", t_mmio_code_moves },
};

/* a check that raises an unexpected exception fails instead of panicking */
static bool run_check(bool (*fn)(void))
{
	volatile bool ok = false;
	int v = exc_try(ok = fn());

	if (v >= 0) {
		diag("unexpected exception %s error=%#lx rip=%#lx",
		     exc_name(v), exc_error, exc_rip);
		return false;
	}
	return ok;
}

int main(void)
{
	unsigned int i, passed = 0, failed = 0;

	u32 vendor[3];

	puts("KTAP version 1\n");
	printf("1..%u\n", (unsigned int)ARRAY_SIZE(checks));
	cpuid(0, 0, NULL, &vendor[0], &vendor[2], &vendor[1]);
	diag("vendor %.12s, hypercall insn %s", (const char *)vendor,
	     cpu_is_amd ? "vmmcall" : "vmcall");
	for (i = 0; i < ARRAY_SIZE(checks); i++) {
		bool ok = run_check(checks[i].fn);

		if (ok)
			passed++;
		else
			failed++;
		printf("%sok %u - %s\n", ok ? "" : "not ", i + 1, checks[i].desc);
	}
	printf("# selftest: %u passed, %u failed\n", passed, failed);
	(void)sink;
	return failed ? 1 : 0;
}
