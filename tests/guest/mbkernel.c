// SPDX-License-Identifier: GPL-2.0
/*
 * A multiboot v1 test kernel for `vmmctl run --kernel` (the install suite):
 * 32-bit, freestanding. It prints on COM1 what the boot loader gave it (the
 * magic in EAX, the information's flags, memory sizes, command line, boot
 * loader name, every module with its string and first line, the memory
 * map) and ends the VM through port 0xf4 with status 42.
 *
 * Built twice by tests/host/mkinitramfs.sh: as an ELF (the loader reads its
 * program headers) and, with -DAOUT_KLUDGE, as a flat binary whose header
 * carries the load addresses (flag bit 16).
 */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

#define MB_MAGIC	0x1badb002
#define MB_PAGE_ALIGN	(1 << 0)
#define MB_MEMORY_INFO	(1 << 1)
#ifdef AOUT_KLUDGE
#define MB_FLAGS	(MB_PAGE_ALIGN | MB_MEMORY_INFO | (1 << 16))
#else
#define MB_FLAGS	(MB_PAGE_ALIGN | MB_MEMORY_INFO)
#endif

extern char _image_start[], _edata[], _end[], _start[];

struct mb_header {
	u32 magic, flags, checksum;
	u32 header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

__attribute__((section(".multiboot"), used, aligned(4)))
static const struct mb_header header = {
	.magic = MB_MAGIC,
	.flags = MB_FLAGS,
	.checksum = -(MB_MAGIC + MB_FLAGS),
#ifdef AOUT_KLUDGE
	.header_addr = (u32)&header,
	.load_addr = (u32)_image_start,
	.load_end_addr = (u32)_edata,
	.bss_end_addr = (u32)_end,
	.entry_addr = (u32)_start,
#endif
};

u8 stack[16384] __attribute__((aligned(16)));
static u32 bss_canary[64];

__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"	mov $stack + 16384, %esp\n"
	"	push %ebx\n"
	"	push %eax\n"
	"	call kmain\n"
	"1:	cli\n"
	"	hlt\n"
	"	jmp 1b\n");

static inline void outb(u16 port, u8 v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void putc(char c)
{
	int i;

	for (i = 0; i < 100000 && !(inb(0x3fd) & 0x20); i++)
		;
	outb(0x3f8, c);
}

static void puts(const char *s)
{
	while (*s)
		putc(*s++);
}

static void putx(u64 v)
{
	char b[19];
	int i = 18;

	b[i] = 0;
	do {
		b[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	b[--i] = 'x';
	b[--i] = '0';
	puts(b + i);
}

static void putu(u32 v)
{
	char b[11];
	int i = 10;

	b[i] = 0;
	do {
		b[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	puts(b + i);
}

/* A module's first line (at most 60 printable characters). */
static void putline(const u8 *p, u32 len)
{
	u32 i;

	for (i = 0; i < len && i < 60 && p[i] != '\n'; i++)
		putc(p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?');
}

void kmain(u32 magic, const u32 *mbi);

void kmain(u32 magic, const u32 *mbi)
{
	u32 flags, i, nonzero = 0;
	u64 ram = 0;

	puts("\nMB-KERNEL: " MB_VARIANT "\n");
	puts("MB-MAGIC: ");
	putx(magic);
	puts("\n");
	if (magic != 0x2badb002)
		goto out;
	for (i = 0; i < 64; i++)
		nonzero |= bss_canary[i];
	puts(nonzero ? "MB-BSS: dirty\n" : "MB-BSS: zero\n");
	flags = mbi[0];
	puts("MB-FLAGS: ");
	putx(flags);
	puts("\n");
	if (flags & 1) {
		puts("MB-MEM: lower ");
		putu(mbi[1]);
		puts(" KiB upper ");
		putu(mbi[2]);
		puts(" KiB\n");
	}
	if (flags & 4) {
		puts("MB-CMDLINE: ");
		puts((const char *)mbi[4]);
		puts("\n");
	}
	if (flags & (1 << 9)) {
		puts("MB-LOADER: ");
		puts((const char *)mbi[16]);
		puts("\n");
	}
	if (flags & 8) {
		const u32 *mod = (const u32 *)mbi[6];

		puts("MB-MODS: ");
		putu(mbi[5]);
		puts("\n");
		for (i = 0; i < mbi[5]; i++, mod += 4) {
			puts("MB-MOD: ");
			putu(i);
			puts(" string '");
			puts((const char *)mod[2]);
			puts("' bytes ");
			putu(mod[1] - mod[0]);
			puts(mod[0] & 0xfff ? " unaligned" : " page-aligned");
			puts(" data '");
			putline((const u8 *)mod[0], mod[1] - mod[0]);
			puts("'\n");
		}
	}
	if (flags & (1 << 6)) {
		const u8 *p = (const u8 *)mbi[12], *end = p + mbi[11];
		u32 n = 0;

		while (p < end) {
			const u32 *e = (const u32 *)p;
			u64 base = e[1] | (u64)e[2] << 32, len = e[3] | (u64)e[4] << 32;

			if (e[5] == 1)
				ram += len;
			puts("MB-MMAP: ");
			putx(base);
			puts(" ");
			putx(len);
			puts(" type ");
			putu(e[5]);
			puts("\n");
			p += e[0] + 4;
			n++;
		}
		puts("MB-MMAP-RAM: ");
		putu(ram >> 20);
		puts(" MiB in ");
		putu(n);
		puts(" entries\n");
	}
out:
	puts("MB-DONE\n");
	outb(0xf4, 42);
}
