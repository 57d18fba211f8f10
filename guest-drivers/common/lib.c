// SPDX-License-Identifier: GPL-2.0
/*
 * Guest runtime: 64-bit setup (TSS, IDT, CPU vendor), exception dispatch,
 * a small libc printing to the 16550 UART, and exit().
 */
#include <stdarg.h>	/* compiler-provided, freestanding */
#include "guest.h"

bool cpu_is_amd;

/* ------------------------------------------------------------------ */
/* descriptor tables                                                   */
/* ------------------------------------------------------------------ */

struct idt_entry {
	u16 off0;
	u16 sel;
	u8 ist;
	u8 type_attr;
	u16 off1;
	u32 off2;
	u32 reserved;
} __attribute__((packed));

struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __attribute__((packed));

struct desc_ptr {
	u16 limit;
	u64 base;
} __attribute__((packed));

_Static_assert(sizeof(struct idt_entry) == 16, "idt entry");
_Static_assert(sizeof(struct tss64) == 104, "tss");

extern u64 gdt[];
extern const u64 isr_table[32];

static struct idt_entry idt[32] __attribute__((aligned(16)));
static struct tss64 tss __attribute__((aligned(16)));

#define SEL_CODE64	0x18
#define SEL_TSS		0x20

static void setup_tss(unsigned int sel, struct tss64 *t)
{
	u64 base = (u64)t;
	u64 limit = sizeof(*t) - 1;

	t->iomap_base = sizeof(*t);	/* no I/O bitmap */
	/*
	 * A real 64-bit busy TSS in TR: VMX requires TR type 11 for a guest
	 * in IA-32e mode, so don't leave the real-mode TR behind.
	 */
	gdt[sel / 8] = (limit & 0xffff) |
		       ((base & 0xffffff) << 16) |
		       (0x89UL << 40) |		/* P, type 9: available TSS */
		       (((limit >> 16) & 0xf) << 48) |
		       (((base >> 24) & 0xff) << 56);
	gdt[sel / 8 + 1] = base >> 32;
	asm volatile("ltr %w0" : : "r"(sel) : "memory");
}

static void load_idt(void)
{
	struct desc_ptr p;

	p.limit = sizeof(idt) - 1;
	p.base = (u64)idt;
	asm volatile("lidt %0" : : "m"(p) : "memory");
}

static void setup_idt(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(idt); i++) {
		u64 off = isr_table[i];

		idt[i].off0 = off & 0xffff;
		idt[i].sel = SEL_CODE64;
		idt[i].ist = 0;
		idt[i].type_attr = 0x8e;	/* P, DPL0, 64-bit interrupt gate */
		idt[i].off1 = (off >> 16) & 0xffff;
		idt[i].off2 = off >> 32;
		idt[i].reserved = 0;
	}
	load_idt();
}

static void detect_vendor(void)
{
	u32 v[3];

	cpuid(0, 0, NULL, &v[0], &v[2], &v[1]);	/* EBX, EDX, ECX order */
	cpu_is_amd = !memcmp(v, "AuthenticAMD", 12) ||
		     !memcmp(v, "HygonGenuine", 12);
}

void runtime_init(void);
void runtime_init(void)
{
	setup_tss(SEL_TSS, &tss);
	setup_idt();
	detect_vendor();
}

/* ------------------------------------------------------------------ */
/* application processors                                              */
/* ------------------------------------------------------------------ */

#define SEL_TSS_AP	0x30
#define AP_TRAMPOLINE	0x1000UL	/* the SIPI's vector page */
#define APIC_ICR_LO	0xfee00300UL
#define APIC_ICR_HI	0xfee00310UL
#define ICR_BUSY	(1u << 12)
#define ICR_INIT	0x4500u		/* INIT, level assert */
#define ICR_SIPI	0x4600u		/* start-up, level assert */

extern void ap_entry16(void);
extern u64 ap_stack_top;
static struct tss64 ap_tss __attribute__((aligned(16)));
static void (*volatile ap_fn)(void);

void ap_runtime(void);
void ap_runtime(void)
{
	setup_tss(SEL_TSS_AP, &ap_tss);
	load_idt();
	ap_fn();
	halt_forever_noirq();
}

static void icr_send(u32 apic_id, u32 lo)
{
	unsigned int i;

	*(volatile u32 *)APIC_ICR_HI = apic_id << 24;
	*(volatile u32 *)APIC_ICR_LO = lo;
	for (i = 0; i < 1000000 && (*(volatile u32 *)APIC_ICR_LO & ICR_BUSY); i++)
		asm volatile("pause");
}

void ap_start(u32 apic_id, void (*fn)(void), u64 stack_top)
{
	volatile u8 *t = (volatile u8 *)AP_TRAMPOLINE;
	u64 entry = (u64)ap_entry16;
	unsigned int i;

	/* ljmp $0, $ap_entry16 */
	t[0] = 0xea;
	t[1] = entry & 0xff;
	t[2] = (entry >> 8) & 0xff;
	t[3] = 0;
	t[4] = 0;
	ap_fn = fn;
	ap_stack_top = stack_top;
	asm volatile("mfence" ::: "memory");
	icr_send(apic_id, ICR_INIT);
	for (i = 0; i < 2; i++) {
		icr_send(apic_id, ICR_SIPI | (AP_TRAMPOLINE >> 12));
		for (unsigned int k = 0; k < 100000; k++)
			asm volatile("pause");
	}
}

/* ------------------------------------------------------------------ */
/* exceptions                                                          */
/* ------------------------------------------------------------------ */

volatile int exc_vector = -1;
volatile u64 exc_error;
volatile u64 exc_rip;
struct jmpbuf *volatile exc_catcher;

static const char *const exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "RSV15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "RSV22", "RSV23",
	"RSV24", "RSV25", "RSV26", "RSV27", "#HV", "#VC", "#SX", "RSV31",
};

const char *exc_name(int vector)
{
	if (vector < 0 || vector >= 32)
		return "?";
	return exc_names[vector];
}

void exception_dispatch(struct exc_frame *f);
void exception_dispatch(struct exc_frame *f)
{
	struct jmpbuf *jb = exc_catcher;

	exc_vector = (int)f->vector;
	exc_error = f->error;
	exc_rip = f->rip;

	if (jb) {
		/* Resume in g_longjmp(jb, 1) with the catcher's stack. */
		exc_catcher = NULL;
		f->rip = (u64)g_longjmp;
		f->rdi = (u64)jb;
		f->rsi = 1;
		/* No single-stepping into the recovery path (TF, RF). */
		f->rflags &= ~(0x100UL | 0x10000UL);
		return;
	}
	printf("\nPANIC: unexpected exception %d %s error=%#lx rip=%#lx "
	       "rsp=%#lx cr2=%#lx\n", (int)f->vector, exc_name((int)f->vector),
	       f->error, f->rip, f->rsp, read_cr2());
	exit(3);
}

/* ------------------------------------------------------------------ */
/* exit                                                                */
/* ------------------------------------------------------------------ */

noreturn void exit(int status)
{
	outl(EXIT_PORT, (u32)status);
	halt_forever_noirq();
}

/* ------------------------------------------------------------------ */
/* string functions (gcc may emit calls to these)                      */
/* ------------------------------------------------------------------ */

void *memset(void *d, int c, size_t n)
{
	u8 *p = d;

	while (n--)
		*p++ = (u8)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	u8 *dp = d;
	const u8 *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	u8 *dp = d;
	const u8 *sp = s;

	if (dp < sp) {
		while (n--)
			*dp++ = *sp++;
	} else {
		while (n--)
			dp[n] = sp[n];
	}
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *pa = a, *pb = b;

	for (; n; n--, pa++, pb++)
		if (*pa != *pb)
			return *pa < *pb ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (u8)*a - (u8)*b;
}

/* ------------------------------------------------------------------ */
/* UART output                                                         */
/* ------------------------------------------------------------------ */

void putc(int c)
{
	unsigned int spins = 0;

	/* Bounded wait: a broken LSR must not hang the payload forever. */
	while (!(inb(UART_LSR) & UART_LSR_THRE) && ++spins < 1000000)
		;
	outb(UART_THR, (u8)c);
}

void puts(const char *s)
{
	while (*s)
		putc(*s++);
}

/* ------------------------------------------------------------------ */
/* printf                                                              */
/* ------------------------------------------------------------------ */

struct fmt_spec {
	bool left, zero, alt, plus, space;
	int width;
	int prec;
};

static int emit_padded(const char *prefix, const char *body, int len,
		       const struct fmt_spec *sp)
{
	int plen = (int)strlen(prefix);
	int zeros = 0, pad, n = 0, i;

	if (sp->prec > len)
		zeros = sp->prec - len;
	pad = sp->width - plen - zeros - len;
	if (pad < 0)
		pad = 0;
	if (sp->zero && !sp->left && sp->prec < 0) {
		zeros += pad;
		pad = 0;
	}
	if (!sp->left)
		for (i = 0; i < pad; i++, n++)
			putc(' ');
	for (i = 0; i < plen; i++, n++)
		putc(prefix[i]);
	for (i = 0; i < zeros; i++, n++)
		putc('0');
	for (i = 0; i < len; i++, n++)
		putc(body[i]);
	if (sp->left)
		for (i = 0; i < pad; i++, n++)
			putc(' ');
	return n;
}

static int emit_num(u64 v, bool neg, unsigned int base, bool upper,
		    const char *prefix, const struct fmt_spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24], pre[4];
	int i = sizeof(buf), k = 0;

	if (v == 0 && sp->prec == 0) {
		i = sizeof(buf);	/* "%.0d" of 0 prints nothing */
	} else {
		do {
			buf[--i] = digits[v % base];
			v /= base;
		} while (v);
	}
	if (neg)
		pre[k++] = '-';
	else if (sp->plus)
		pre[k++] = '+';
	else if (sp->space)
		pre[k++] = ' ';
	while (*prefix && k < 3)
		pre[k++] = *prefix++;
	pre[k] = 0;
	return emit_padded(pre, buf + i, (int)sizeof(buf) - i, sp);
}

static int vprintf(const char *fmt, va_list ap)
{
	int n = 0;

	for (; *fmt; fmt++) {
		struct fmt_spec sp = { .prec = -1 };
		int lng = 0;
		u64 uv;
		s64 sv;

		if (*fmt != '%') {
			putc(*fmt);
			n++;
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				sp.left = true;
			else if (*fmt == '0')
				sp.zero = true;
			else if (*fmt == '#')
				sp.alt = true;
			else if (*fmt == '+')
				sp.plus = true;
			else if (*fmt == ' ')
				sp.space = true;
			else
				break;
		}
		if (*fmt == '*') {
			sp.width = va_arg(ap, int);
			if (sp.width < 0) {
				sp.left = true;
				sp.width = -sp.width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				sp.width = sp.width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			sp.prec = 0;
			if (*fmt == '*') {
				sp.prec = va_arg(ap, int);
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					sp.prec = sp.prec * 10 + (*fmt++ - '0');
			}
		}
		for (;; fmt++) {
			if (*fmt == 'l')
				lng++;
			else if (*fmt == 'z')
				lng = 1;
			else if (*fmt == 'h')
				;	/* promoted to int anyway */
			else
				break;
		}

		switch (*fmt) {
		case 'd':
		case 'i':
			sv = lng ? va_arg(ap, s64) : va_arg(ap, int);
			n += emit_num(sv < 0 ? -(u64)sv : (u64)sv, sv < 0, 10,
				      false, "", &sp);
			break;
		case 'u':
			uv = lng ? va_arg(ap, u64) : va_arg(ap, unsigned int);
			n += emit_num(uv, false, 10, false, "", &sp);
			break;
		case 'x':
		case 'X':
			uv = lng ? va_arg(ap, u64) : va_arg(ap, unsigned int);
			n += emit_num(uv, false, 16, *fmt == 'X',
				      sp.alt && uv ? (*fmt == 'X' ? "0X" : "0x") : "",
				      &sp);
			break;
		case 'o':
			uv = lng ? va_arg(ap, u64) : va_arg(ap, unsigned int);
			n += emit_num(uv, false, 8, false, sp.alt ? "0" : "", &sp);
			break;
		case 'p':
			uv = (u64)va_arg(ap, void *);
			n += emit_num(uv, false, 16, false, "0x", &sp);
			break;
		case 'c': {
			char c = (char)va_arg(ap, int);

			sp.prec = -1;
			n += emit_padded("", &c, 1, &sp);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			int len;

			if (!s)
				s = "(null)";
			len = (int)strlen(s);
			if (sp.prec >= 0 && sp.prec < len)
				len = sp.prec;
			sp.prec = -1;
			sp.zero = false;
			n += emit_padded("", s, len, &sp);
			break;
		}
		case '%':
			putc('%');
			n++;
			break;
		case '\0':
			return n;
		default:
			putc('%');
			putc(*fmt);
			n += 2;
			break;
		}
	}
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}
