// SPDX-License-Identifier: GPL-2.0
/*
 * vmmctl run in PC mode: a VMM_VM_PC VM laid out as a PC (RAM below the
 * 32-bit PCI hole and above 4 GiB, the BIOS ROM ending at 4 GiB), booted
 * through SeaBIOS or, with --kernel, straight into Linux by the x86 boot
 * protocol. fw_cfg carries what the firmware needs: e820, CPU count,
 * boot order and the ACPI tables with SeaBIOS's table-loader script.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmmctl.h"
#include "pc.h"
#include "acpi.h"
#include "e820.h"
#include "bzimage.h"
#include "kernel.h"

#define FW_CFG_RAM_SIZE		0x03
#define FW_CFG_NOGRAPHIC	0x04
#define FW_CFG_NB_CPUS		0x05
#define FW_CFG_BOOT_MENU	0x0e
#define FW_CFG_MAX_CPUS		0x0f

/* Direct boot: where the ACPI tables go (reserved in e820). */
#define DIRECT_ACPI_GPA		0x9a000ULL
#define DIRECT_ACPI_MAX		0x5000ULL
#define DIRECT_RSDP_GPA		0xf0000ULL
#define DIRECT_ROM_SIZE		0x20000ULL	/* backs 0xe0000-0xfffff */

/* Read a whole file (at most max bytes). */
static uint8_t *read_file(const char *what, const char *path, size_t max,
			  size_t *len)
{
	struct stat st;
	uint8_t *buf;
	size_t done = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		usage_error("run: cannot open %s '%s': %s", what, path,
			    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || !st.st_size ||
	    (uint64_t)st.st_size > max) {
		usage_error("run: %s '%s' is not a regular file of 1..%zu bytes",
			    what, path, max);
		close(fd);
		return NULL;
	}
	buf = malloc(st.st_size);
	if (!buf) {
		close(fd);
		err_msg("out of memory reading '%s'", path);
		return NULL;
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, st.st_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err_msg("reading '%s': %s", path,
				n ? strerror(errno) : "file shrank");
			free(buf);
			close(fd);
			return NULL;
		}
		done += n;
	}
	close(fd);
	*len = done;
	return buf;
}

static void *add_region(struct pc_vm *p, uint32_t slot, uint64_t gpa,
			uint64_t size, uint32_t flags)
{
	struct vmm_mem_region mr = {
		.slot = slot, .flags = flags, .gpa = gpa, .size = size,
	};
	void *m;

	if (ioctl(p->vm_fd, VMM_ADD_MEMORY, &mr) < 0) {
		err_msg("VMM_ADD_MEMORY (slot %u, 0x%llx bytes at 0x%llx): %s",
			slot, (unsigned long long)size,
			(unsigned long long)gpa, strerror(errno));
		return NULL;
	}
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, p->vm_fd,
		 (off_t)mr.mmap_offset);
	if (m == MAP_FAILED) {
		err_msg("mmap of guest memory: %s", strerror(errno));
		return NULL;
	}
	return m;
}

static int fw_cfg_add(struct pc_vm *p, uint16_t key, const char *name,
		      const void *data, uint32_t size)
{
	struct vmm_fw_cfg_item it = {
		.key = key, .size = size, .data = (uintptr_t)data,
	};

	if (name)
		snprintf(it.name, sizeof(it.name), "%s", name);
	if (ioctl(p->vm_fd, VMM_FW_CFG_ADD, &it) < 0) {
		err_msg("VMM_FW_CFG_ADD %s: %s", name ? name : "(key)",
			strerror(errno));
		return -1;
	}
	return 0;
}

static int fw_cfg_u16(struct pc_vm *p, uint16_t key, uint16_t v)
{
	uint8_t b[2] = { v, v >> 8 };

	return fw_cfg_add(p, key, NULL, b, 2);
}

/*
 * CMOS as a PC BIOS finds it: memory sizes (SeaBIOS takes RAM below 4 GiB
 * from 0x34/0x35 and adds e820's entries above it), CPU count - 1.
 */
static int set_cmos(struct pc_vm *p, unsigned int cpus)
{
	uint8_t c[0x80 - 0x0e];
	uint64_t ext_kb = p->low_size > (1 << 20) ?
			  (p->low_size - (1 << 20)) >> 10 : 0;
	uint64_t above16 = p->low_size > (16 << 20) ?
			   (p->low_size - (16 << 20)) >> 16 : 0;
	uint64_t high = p->high_size >> 16;
	struct vmm_nvram nv = {
		.offset = 0x0e, .len = sizeof(c), .data = (uintptr_t)c,
	};

#define CMOS(i) c[(i) - 0x0e]
	memset(c, 0, sizeof(c));
	if (ext_kb > 0xfc00)
		ext_kb = 0xfc00;
	if (above16 > 0xffff)
		above16 = 0xffff;
	CMOS(0x14) = 0x06;		/* equipment: display, coprocessor */
	CMOS(0x15) = 640 & 0xff;	/* base memory in KiB */
	CMOS(0x16) = 640 >> 8;
	CMOS(0x17) = CMOS(0x30) = ext_kb & 0xff;
	CMOS(0x18) = CMOS(0x31) = ext_kb >> 8;
	CMOS(0x34) = above16 & 0xff;
	CMOS(0x35) = above16 >> 8;
	CMOS(0x5b) = high & 0xff;
	CMOS(0x5c) = high >> 8;
	CMOS(0x5d) = high >> 16;
	CMOS(0x5f) = cpus - 1;
#undef CMOS
	if (ioctl(p->vm_fd, VMM_SET_NVRAM, &nv) < 0) {
		err_msg("VMM_SET_NVRAM: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The RAM layout both boots describe in e820. */
static void pc_e820(const struct pc_vm *p, bool direct, struct e820_map *m)
{
	struct e820_layout lay = {
		.low_ram = p->low_size,
		.high_ram = p->high_size,
	};

	if (direct) {
		lay.acpi_start = DIRECT_ACPI_GPA;
		lay.acpi_size = DIRECT_ACPI_MAX;
	}
	e820_build(&lay, m);
}

static int setup_firmware(struct pc_vm *p, const struct run_opts *o)
{
	/* After "No bootable device", SeaBIOS reboots in this many ms. */
	static const uint32_t boot_fail_wait = 5000;
	/* SeaBIOS's text console on COM1 too (sercon), as with qemu -nographic. */
	static const uint8_t sercon_port[2] = { 0xf8, 0x03 };
	char bootorder[DISK_MAX * 48];
	size_t bootorder_len;
	struct acpi_config ac = { .n_cpus = p->n_cpus };
	struct acpi_tables t;
	struct e820_map m;
	uint8_t fwe820[E820_MAX_ENTRIES * 20];
	size_t rom_len, n;
	uint8_t *rom;
	uint64_t ram = p->low_size + p->high_size;
	uint8_t ram_le[8];
	int i;

	rom = read_file("firmware", o->bios, 16 << 20, &rom_len);
	if (!rom)
		return PC_BAD_INPUT;
	if (rom_len & 0xffff) {
		usage_error("run: firmware '%s' is %zu bytes, not a multiple of 64 KiB",
			    o->bios, rom_len);
		free(rom);
		return PC_BAD_INPUT;
	}
	p->rom_size = rom_len;
	p->rom = add_region(p, 2, (1ULL << 32) - rom_len, rom_len,
			    VMM_MEM_READONLY);
	if (!p->rom) {
		free(rom);
		return -1;
	}
	memcpy(p->rom, rom, rom_len);
	free(rom);

	pc_e820(p, false, &m);
	n = e820_to_fw_cfg(&m, fwe820, sizeof(fwe820));
	if (acpi_build(&ac, &t)) {
		err_msg("cannot build the ACPI tables");
		return -1;
	}
	for (i = 0; i < 8; i++)
		ram_le[i] = ram >> (8 * i);
	bootorder_len = disk_bootorder(o->disks, o->n_disks, o->boot_disk,
				       bootorder, sizeof(bootorder));
	if (fw_cfg_u16(p, FW_CFG_NB_CPUS, p->n_cpus) ||
	    fw_cfg_u16(p, FW_CFG_MAX_CPUS, p->n_cpus) ||
	    fw_cfg_u16(p, FW_CFG_NOGRAPHIC, 1) ||
	    fw_cfg_u16(p, FW_CFG_BOOT_MENU, 0) ||
	    fw_cfg_add(p, FW_CFG_RAM_SIZE, NULL, ram_le, 8) ||
	    fw_cfg_add(p, 0, "etc/e820", fwe820, n) ||
	    fw_cfg_add(p, 0, "etc/boot-fail-wait", &boot_fail_wait, 4) ||
	    fw_cfg_add(p, 0, "bootorder", bootorder, bootorder_len) ||
	    fw_cfg_add(p, 0, "etc/sercon-port", sercon_port, 2) ||
	    fw_cfg_add(p, 0, ACPI_FILE_RSDP, t.rsdp, t.rsdp_len) ||
	    fw_cfg_add(p, 0, ACPI_FILE_TABLES, t.tables, t.tables_len) ||
	    fw_cfg_add(p, 0, ACPI_FILE_LOADER, t.loader, t.loader_len)) {
		acpi_free(&t);
		return -1;
	}
	acpi_free(&t);
	return set_cmos(p, p->n_cpus);
}

/*
 * What firmware leaves behind before it starts a kernel, done by a few
 * instructions of 32-bit code the vCPU runs first: PAM opens
 * 0xc0000-0xdffff as RAM (SeaBIOS makes it upper memory the same way), so
 * that the kernel's scans of that range read memory instead of each
 * access being emulated. Then it enters the kernel with the registers of
 * the boot protocol (ESI = zero page; EBX, EBP, EDI are 0).
 */
#define HANDOFF_STUB_GPA	0x6000ULL

static void put_handoff_stub(struct pc_vm *p, struct vmm_regs *regs)
{
	static const uint8_t head[] = {
		0x66, 0xba, 0xf8, 0x0c,			/* mov dx, 0xcf8 */
		0xb8, 0x58, 0x00, 0x00, 0x80,		/* mov eax, 0x80000058 */
		0xef,					/* out dx, eax */
		0xb0, 0x33,				/* mov al, 0x33 (RE|WE both halves) */
		0x66, 0xba, 0xfe, 0x0c,			/* mov dx, 0xcfe: PAM 0x5a */
		0xee,					/* out dx, al */
		0x42,					/* inc edx: PAM 0x5b */
		0xee,					/* out dx, al */
		0x66, 0xba, 0xf8, 0x0c,			/* mov dx, 0xcf8 */
		0xb8, 0x5c, 0x00, 0x00, 0x80,		/* mov eax, 0x8000005c */
		0xef,					/* out dx, eax */
		0x66, 0xb8, 0x33, 0x33,			/* mov ax, 0x3333 */
		0x66, 0xba, 0xfc, 0x0c,			/* mov dx, 0xcfc */
		0x66, 0xef,				/* out dx, ax: PAM 0x5c-0x5d */
		0x31, 0xc0,				/* xor eax, eax */
		0x31, 0xd2,				/* xor edx, edx */
		0xe9,					/* jmp rel32 (to the kernel) */
	};
	uint8_t *code = p->low + HANDOFF_STUB_GPA;
	uint64_t next = HANDOFF_STUB_GPA + sizeof(head) + 4;
	int32_t rel = (int32_t)(regs->rip - next);

	memcpy(code, head, sizeof(head));
	memcpy(code + sizeof(head), &rel, 4);
	regs->rip = HANDOFF_STUB_GPA;
}

/*
 * The modules of a multiboot kernel (QEMU's -initrd "FILE ARGS,FILE ARGS")
 * or the one initrd of the others, read into mods[]: the count, or -1.
 */
static int read_modules(const char *spec, bool multiboot,
			struct boot_module *mods, char **cmdline, char **path)
{
	char err[256];
	unsigned int i;
	int n;

	if (!spec)
		return 0;
	if (!multiboot) {
		cmdline[0] = NULL;
		path[0] = strdup(spec);
		if (!path[0]) {
			err_msg("out of memory");
			return -1;
		}
		n = 1;
	} else {
		n = kernel_split_modules(spec, cmdline, path, KB_MAX_MODULES,
					 err, sizeof(err));
		if (n < 0) {
			usage_error("run: --initrd: %s", err);
			return -1;
		}
	}
	for (i = 0; i < (unsigned int)n; i++) {
		mods[i].cmdline = cmdline[i];
		mods[i].data = read_file(multiboot ? "module" : "initrd",
					 path[i], 2ULL << 30, &mods[i].len);
		if (!mods[i].data) {
			while (i--)
				free((void *)mods[i].data);
			kernel_free_modules(cmdline, path, n);
			return -1;
		}
	}
	return n;
}

/* Multiboot's command line: the kernel's file name, then --append (as QEMU). */
static char *multiboot_cmdline(const struct run_opts *o)
{
	size_t len = strlen(o->kernel) + (o->append ? strlen(o->append) + 1 : 0);
	char *s = malloc(len + 1);

	if (s)
		snprintf(s, len + 1, "%s%s%s", o->kernel, o->append ? " " : "",
			 o->append ? o->append : "");
	return s;
}

static int setup_kernel(struct pc_vm *p, const struct run_opts *o,
			struct vmm_regs *regs, struct vmm_sregs *sregs)
{
	struct acpi_config ac = { .n_cpus = p->n_cpus };
	struct boot_module mods[KB_MAX_MODULES];
	char *mcmd[KB_MAX_MODULES], *mpath[KB_MAX_MODULES];
	const char *linux_cmdline = o->append ? o->append : "console=ttyS0";
	struct acpi_tables t;
	struct e820_map m;
	enum kernel_kind kind;
	uint8_t *kernel;
	char *mb_cmdline = NULL;
	size_t klen;
	char err[512];
	int r = -1, n_mods = 0, i, lr;

	kernel = read_file("kernel", o->kernel, 256 << 20, &klen);
	if (!kernel)
		return PC_BAD_INPUT;
	kind = kernel_probe(kernel, klen);
	if (kind == KERNEL_UNKNOWN) {
		usage_error("run: kernel '%s': unknown format: " KERNEL_EXPECTED,
			    o->kernel);
		free(kernel);
		return PC_BAD_INPUT;
	}
	n_mods = read_modules(o->initrd, kind == KERNEL_MULTIBOOT, mods, mcmd,
			      mpath);
	if (n_mods < 0) {
		free(kernel);
		return PC_BAD_INPUT;
	}
	/* A small ROM for 0xe0000-0xfffff: the RSDP lives where OSes look. */
	p->rom_size = DIRECT_ROM_SIZE;
	p->rom = add_region(p, 2, (1ULL << 32) - DIRECT_ROM_SIZE,
			    DIRECT_ROM_SIZE, VMM_MEM_READONLY);
	if (!p->rom)
		goto out;
	if (acpi_build(&ac, &t)) {
		err_msg("cannot build the ACPI tables");
		goto out;
	}
	if (acpi_place(&t, p->low, p->low_size, DIRECT_ACPI_GPA,
		       DIRECT_ACPI_GPA + DIRECT_ACPI_MAX - 64)) {
		err_msg("the ACPI tables do not fit");
		acpi_free(&t);
		goto out;
	}
	/* The RSDP names its tables by address: it can live anywhere. */
	memcpy(p->rom + (DIRECT_RSDP_GPA - 0xe0000),
	       p->low + DIRECT_ACPI_GPA + DIRECT_ACPI_MAX - 64, t.rsdp_len);
	acpi_free(&t);

	pc_e820(p, true, &m);
	switch (kind) {
	case KERNEL_BZIMAGE:
		lr = bzimage_load(kernel, klen, n_mods ? mods[0].data : NULL,
				  n_mods ? mods[0].len : 0, linux_cmdline, &m,
				  DIRECT_RSDP_GPA, p->low, p->low_size, regs,
				  sregs, err, sizeof(err));
		break;
	case KERNEL_MULTIBOOT:
		mb_cmdline = multiboot_cmdline(o);
		if (!mb_cmdline) {
			err_msg("out of memory");
			goto out;
		}
		lr = multiboot_load(kernel, klen, mb_cmdline, mods, n_mods, &m,
				    p->low, p->low_size, regs, sregs, err,
				    sizeof(err));
		break;
	default:
		lr = pvh_load(kernel, klen, linux_cmdline, mods, n_mods, &m,
			      DIRECT_RSDP_GPA, p->low, p->low_size, regs, sregs,
			      err, sizeof(err));
		break;
	}
	if (lr) {
		usage_error("run: kernel '%s' (%s): %s", o->kernel,
			    kernel_kind_name(kind), err);
		r = PC_BAD_INPUT;
		goto out;
	}
	if (o->verbose)
		fprintf(stderr, "vmmctl: kernel '%s': %s, entry 0x%llx, %d module(s)\n",
			o->kernel, kernel_kind_name(kind),
			(unsigned long long)regs->rip, n_mods);
	/* The handoff code clears EAX, which holds multiboot's magic. */
	if (kind != KERNEL_MULTIBOOT)
		put_handoff_stub(p, regs);
	r = set_cmos(p, p->n_cpus);
out:
	free(kernel);
	free(mb_cmdline);
	for (i = 0; i < n_mods; i++)
		free((void *)mods[i].data);
	kernel_free_modules(mcmd, mpath, n_mods);
	return r;
}

int pc_setup(struct pc_vm *p, const struct run_opts *o)
{
	struct vmm_create_vcpu cv = { .id = 0 };
	struct vmm_sregs sregs;
	struct vmm_regs regs;
	bool direct = o->kernel != NULL;
	unsigned int i;
	int r;

	p->n_cpus = o->cpus ? o->cpus : 1;
	for (i = 0; i < VMM_MAX_VCPUS; i++)
		p->ap_fd[i] = -1;
	p->low_size = o->mem < PC_LOW_MAX ? o->mem : PC_LOW_MAX;
	p->high_size = o->mem - p->low_size;
	p->low = add_region(p, 0, 0, p->low_size, 0);
	if (!p->low)
		return -1;
	if (p->high_size) {
		p->high = add_region(p, 1, 1ULL << 32, p->high_size, 0);
		if (!p->high)
			return -1;
	}

	p->vcpu_fd = ioctl(p->vm_fd, VMM_CREATE_VCPU, &cv);
	if (p->vcpu_fd < 0) {
		err_msg("VMM_CREATE_VCPU: %s", strerror(errno));
		return -1;
	}
	for (i = 1; i < p->n_cpus; i++) {
		cv.id = i;
		p->ap_fd[i] = ioctl(p->vm_fd, VMM_CREATE_VCPU, &cv);
		if (p->ap_fd[i] < 0) {
			err_msg("VMM_CREATE_VCPU %u: %s", i, strerror(errno));
			return -1;
		}
	}
	if (ioctl(p->vcpu_fd, VMM_GET_SREGS, &sregs) < 0 ||
	    ioctl(p->vcpu_fd, VMM_GET_REGS, &regs) < 0) {
		err_msg("VMM_GET_SREGS/REGS: %s", strerror(errno));
		return -1;
	}
	if (disk_attach_all(p->vm_fd, o->disks, o->n_disks))
		return -1;
	if (o->balloon) {
		struct vmm_add_balloon ab = {
			.flags = VMM_BALLOON_STATS | VMM_BALLOON_DEFLATE_ON_OOM |
				 (o->balloon_report ? VMM_BALLOON_REPORTING : 0),
		};

		if (ioctl(p->vm_fd, VMM_ADD_BALLOON, &ab) < 0) {
			err_msg("VMM_ADD_BALLOON: %s", strerror(errno));
			return -1;
		}
	}
	if (direct) {
		r = setup_kernel(p, o, &regs, &sregs);
		if (r)
			return r;
	} else {
		r = setup_firmware(p, o);
		if (r)
			return r;
		/* The reset vector: F000:FFF0 with CS based at 0xffff0000. */
		sregs.cs.selector = 0xf000;
		sregs.cs.base = 0xffff0000;
		regs.rip = 0xfff0;
	}
	if (ioctl(p->vcpu_fd, VMM_SET_SREGS, &sregs) < 0 ||
	    ioctl(p->vcpu_fd, VMM_SET_REGS, &regs) < 0) {
		err_msg("VMM_SET_SREGS/REGS: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void pc_teardown(struct pc_vm *p)
{
	unsigned int i;

	for (i = 1; i < p->n_cpus; i++) {
		if (p->ap_fd[i] >= 0)
			close(p->ap_fd[i]);
		p->ap_fd[i] = -1;
	}
	if (p->low)
		munmap(p->low, p->low_size);
	if (p->high)
		munmap(p->high, p->high_size);
	if (p->rom)
		munmap(p->rom, p->rom_size);
	p->low = p->high = p->rom = NULL;
}
