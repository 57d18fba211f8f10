/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vmm: the ioctl ABI between the vmm kernel module and its userspace.
 *
 * Rules that keep this a stable ABI:
 *  - every struct has a fixed layout made of explicitly sized fields, with
 *    explicit padding, and its size is checked at build time on both sides;
 *  - every flags field and reserved field must be zero, else EINVAL;
 *  - new fields go into reserved space, new ioctls get new numbers, and
 *    VMM_API_VERSION is bumped when the meaning of anything changes.
 *
 * Object model (like KVM's): /dev/vmm -> VM fd -> vCPU fds.
 */
#ifndef _UAPI_VMM_H
#define _UAPI_VMM_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define VMM_API_VERSION		1
#define VMM_IOC_MAGIC		0xB7

/* ------------------------------------------------------------------ */
/* /dev/vmm                                                            */
/* ------------------------------------------------------------------ */

/* Returns VMM_API_VERSION. */
#define VMM_GET_API_VERSION	_IO(VMM_IOC_MAGIC, 0x00)

/*
 * The VM is a PC: the kernel provides its chipset (8259 pair + ELCR, 8254
 * and port 0x61, MC146818 RTC/CMOS, one local APIC per vCPU, IOAPIC,
 * i440FX/PIIX3 on PCI mechanism #1 with PAM-shadowed BIOS area, fw_cfg,
 * i8042, port 0x92/0xcf9, ACPI PM block at 0x600), interrupts are injected,
 * and a halted vCPU sleeps until one is due. The BIOS ROM is the read-only
 * region that ends at 4 GiB; 0xe0000-0xfffff alias its last 128 KiB until
 * the guest programs PAM.
 */
#define VMM_VM_PC		(1u << 0)

struct vmm_create_vm {
	__u32 flags;		/* VMM_VM_* */
	__u32 vm_id;		/* out: id used by VMM_GET_STATS/VMM_LIST_VMS */
	__u64 reserved[3];
};
/* Returns a new VM fd (O_CLOEXEC). */
#define VMM_CREATE_VM		_IOWR(VMM_IOC_MAGIC, 0x01, struct vmm_create_vm)

struct vmm_vm_info {
	__u32 vm_id;
	__u32 pid;		/* tgid of the creator */
	__u32 nr_vcpus;
	__u32 resident_pages;	/* guest RAM backed (touched), 4 KiB pages */
	__u64 mem_bytes;	/* guest RAM size (regions added) */
	__u64 overhead_bytes;	/* kernel memory beyond guest RAM (page tables incl.) */
};

struct vmm_list_vms {
	__u32 count;		/* in: capacity of buf; out: live VMs (may exceed capacity) */
	__u32 flags;		/* must be 0 */
	__u64 buf;		/* user pointer to struct vmm_vm_info[count] */
};
#define VMM_LIST_VMS		_IOWR(VMM_IOC_MAGIC, 0x02, struct vmm_list_vms)

/* ------------------------------------------------------------------ */
/* Exit statistics                                                     */
/* ------------------------------------------------------------------ */

/*
 * Arch-neutral exit reasons. Both engines map their hardware exit codes
 * onto these; statistics are kept per reason.
 */
enum vmm_exit_stat_reason {
	VMM_STAT_CPUID = 0,
	VMM_STAT_HLT,
	VMM_STAT_IO,
	VMM_STAT_MSR_READ,
	VMM_STAT_MSR_WRITE,
	VMM_STAT_MMIO,		/* nested/EPT fault on unbacked guest memory */
	VMM_STAT_NPF,		/* any other nested/EPT fault */
	VMM_STAT_EXTINT,	/* host interrupt */
	VMM_STAT_NMI,
	VMM_STAT_SHUTDOWN,	/* triple fault */
	VMM_STAT_HYPERCALL,	/* VMMCALL / VMCALL */
	VMM_STAT_INVALID_OP,	/* instruction the guest may not run: #UD injected */
	VMM_STAT_EXCEPTION,	/* intercepted guest exception */
	VMM_STAT_INTR_WINDOW,
	VMM_STAT_XSETBV,
	VMM_STAT_CR_ACCESS,
	VMM_STAT_PAUSE,
	VMM_STAT_INVD,
	VMM_STAT_TASK_SWITCH,
	VMM_STAT_ENTRY_FAIL,
	VMM_STAT_OTHER,
	VMM_STAT_NR_REASONS
};

/* log2 buckets of exit handling latency in TSC cycles: bucket i holds
 * samples in [2^i, 2^(i+1)), bucket 0 also holds 0 and 1. */
#define VMM_STAT_HIST_BUCKETS	32

struct vmm_exit_stat {
	__u32 reason;		/* enum vmm_exit_stat_reason */
	__u32 pad;
	__u64 count;
	__u64 total_cycles;	/* TSC cycles from VM exit to the next VM entry */
	__u64 min_cycles;	/* 0 when count == 0 */
	__u64 max_cycles;
	__u64 hist[VMM_STAT_HIST_BUCKETS];
};

/*
 * vm_id 0: totals since module load (live VMs and destroyed ones).
 * Otherwise: one live VM. Works on /dev/vmm and on a VM fd (where vm_id
 * must be 0 or the VM's own id; both mean that VM).
 */
struct vmm_get_stats {
	__u32 vm_id;
	__u32 count;		/* in: capacity of buf; out: VMM_STAT_NR_REASONS */
	__u64 buf;		/* user pointer to struct vmm_exit_stat[count] */
	__u64 total_exits;	/* out */
	__u64 runs;		/* out: VMM_RUN calls */
	__u64 user_exits;	/* out: returns to userspace */
	__u32 flags;		/* must be 0 */
	__u32 pad;
	__u64 reserved[2];
};
#define VMM_GET_STATS		_IOWR(VMM_IOC_MAGIC, 0x03, struct vmm_get_stats)

/* ------------------------------------------------------------------ */
/* Disk statistics                                                     */
/* ------------------------------------------------------------------ */

/*
 * Every disk request is timed at the points it passes (host monotonic
 * clock, ns); a stage is the time between two points:
 *   PARSE  guest notify (the doorbell exit: AHCI PxCI write, virtio queue
 *          notify) -> request parsed and handed to the backend
 *   QUEUE  handed to the backend -> the backend started the host I/O
 *   HOST   host I/O started -> host I/O completed
 *   IRQ    host I/O completed -> completion posted (D2H/SDB FIS, used
 *          ring) and the guest interrupt raised (or suppressed by the
 *          guest, virtio EVENT_IDX)
 *   ACK    interrupt raised -> the guest acknowledged it: AHCI, the
 *          driver's write-1-to-clear of PxIS; virtio, the driver's next
 *          notify of that disk or its ISR read (an upper bound: virtio
 *          drivers using MSI-X give no earlier sign)
 *   TOTAL  guest notify -> interrupt raised (what the device costs)
 * A request of an AHCI command moved in chunks is timed from the
 * command's doorbell to its last chunk. Timing may be off (module
 * parameter disk_timing=0): counts, bytes and errors are kept, stages not.
 */
enum vmm_disk_op {
	VMM_DISK_OP_READ = 0,
	VMM_DISK_OP_WRITE,
	VMM_DISK_OP_FLUSH,
	VMM_DISK_OP_DISCARD,
	VMM_DISK_OP_WRITE_ZEROES,
	VMM_DISK_NR_OPS
};

enum vmm_disk_stage {
	VMM_DISK_ST_PARSE = 0,
	VMM_DISK_ST_QUEUE,
	VMM_DISK_ST_HOST,
	VMM_DISK_ST_IRQ,
	VMM_DISK_ST_ACK,
	VMM_DISK_ST_TOTAL,
	VMM_DISK_NR_STAGES
};

/* One stage: log2 buckets of ns as for exits (VMM_STAT_HIST_BUCKETS). */
struct vmm_disk_lat {
	__u64 count;
	__u64 total_ns;
	__u64 min_ns;		/* 0 when count == 0 */
	__u64 max_ns;
	__u64 hist[VMM_STAT_HIST_BUCKETS];
};

struct vmm_disk_op_stat {
	__u64 requests;		/* completed (errors included) */
	__u64 bytes;		/* moved by requests that succeeded */
	__u64 errors;
	__u64 reserved;
	struct vmm_disk_lat stage[VMM_DISK_NR_STAGES];
};

#define VMM_DISK_STATS_VERSION	1
#define VMM_DISK_TYPE_ALL	0xffffffffu	/* module-wide sum (vm_id 0) */
#define VMM_DISK_STAT_TIMED	(1u << 0)	/* flags: timing was on when read */

struct vmm_disk_stat {
	__u32 vm_id;
	__u32 type;		/* VMM_DISK_AHCI_*, VMM_DISK_VIRTIO_BLK, _TYPE_ALL */
	__u32 port;		/* AHCI port or virtio-blk index */
	__u32 flags;		/* VMM_DISK_STAT_* */
	__u32 inflight;		/* requests with the backend now */
	__u32 pad;
	__u64 size;		/* bytes the guest sees (0: no medium) */
	__u64 ack_lost;		/* completions whose ACK went untimed */
	__u64 since_ns;		/* monotonic clock when counting began (0: n/a) */
	__u64 reserved[2];
	struct vmm_disk_op_stat op[VMM_DISK_NR_OPS];
};

/*
 * VMM_GET_DISK_STATS on a VM fd: its disks (vm_id 0 or its own id).
 * VMM_GET_DISK_STATS_ALL on /dev/vmm: vm_id's disks, or with vm_id 0 one
 * entry of type VMM_DISK_TYPE_ALL summing every disk since module load.
 * entry_size must be sizeof(struct vmm_disk_stat); count (in) is the
 * capacity of buf, (out) the number of disks, which may exceed it.
 */
struct vmm_get_disk_stats {
	__u32 vm_id;
	__u32 count;
	__u32 entry_size;	/* in */
	__u32 version;		/* out: VMM_DISK_STATS_VERSION */
	__u64 buf;		/* user pointer to struct vmm_disk_stat[count] */
	__u64 now_ns;		/* out: host monotonic clock at the snapshot */
	__u32 flags;		/* must be 0 */
	__u32 pad;
	__u64 reserved[3];
};
#define VMM_GET_DISK_STATS_ALL	_IOWR(VMM_IOC_MAGIC, 0x04, struct vmm_get_disk_stats)
#define VMM_GET_DISK_STATS	_IOWR(VMM_IOC_MAGIC, 0x16, struct vmm_get_disk_stats)

/* ------------------------------------------------------------------ */
/* VM fd                                                               */
/* ------------------------------------------------------------------ */

#define VMM_MEM_READONLY	(1u << 0)	/* guest writes exit as MMIO */

/*
 * Add a region of guest-physical memory. The module allocates, zeroes,
 * pins and owns it (charged to the caller's memory cgroup); userspace
 * reaches it by mmap() of the VM fd at the returned offset.
 * gpa and size must be 4 KiB aligned, regions must not overlap, at most
 * VMM_MAX_MEM_REGIONS regions, and gpa + size within the guest-physical
 * address width (52 bits).
 */
#define VMM_MAX_MEM_REGIONS	8
struct vmm_mem_region {
	__u32 slot;		/* in: 0..VMM_MAX_MEM_REGIONS-1, unused */
	__u32 flags;		/* VMM_MEM_* */
	__u64 gpa;
	__u64 size;
	__u64 mmap_offset;	/* out */
	__u64 reserved[2];
};
#define VMM_ADD_MEMORY		_IOWR(VMM_IOC_MAGIC, 0x10, struct vmm_mem_region)

struct vmm_create_vcpu {
	__u32 id;		/* 0..VMM_MAX_VCPUS-1, unique in the VM */
	__u32 flags;		/* must be 0 */
	__u64 reserved[2];
};
#define VMM_MAX_VCPUS		16
/*
 * Returns a new vCPU fd (O_CLOEXEC). In a VMM_VM_PC VM, vCPU 0 is the boot
 * processor; the others are application processors whose local APIC ID
 * is their id: VMM_RUN on one sleeps until the guest starts it with
 * INIT-SIPI, and after a later INIT it waits for a SIPI again.
 */
#define VMM_CREATE_VCPU		_IOW(VMM_IOC_MAGIC, 0x11, struct vmm_create_vcpu)

/*
 * The in-kernel 16550 UART at 0x3f8. Returns an fd (O_CLOEXEC): read()
 * returns what the guest transmitted, write() queues bytes for the guest
 * to receive, poll() works; O_NONBLOCK is honoured. One per VM.
 */
#define VMM_GET_CONSOLE_FD	_IO(VMM_IOC_MAGIC, 0x12)

/*
 * PC VMs: add a fw_cfg item before the first VMM_RUN. name[0] != 0: a
 * file ("etc/e820", "bootorder", ...; key must be 0); else key is a
 * numbered item below 0x20 other than signature, id and file directory.
 * The kernel copies the data (at most VMM_FW_CFG_MAX_SIZE bytes an item,
 * VMM_FW_CFG_MAX_TOTAL in all). EEXIST: the item or file exists; EBUSY:
 * the guest has run.
 */
#define VMM_FW_CFG_MAX_SIZE	(16u << 20)
#define VMM_FW_CFG_MAX_TOTAL	(64u << 20)
struct vmm_fw_cfg_item {
	__u16 key;
	__u16 flags;		/* must be 0 */
	__u32 size;
	__u64 data;		/* user pointer */
	char name[56];		/* NUL-terminated, or empty */
	__u64 reserved[2];
};
#define VMM_FW_CFG_ADD		_IOW(VMM_IOC_MAGIC, 0x13, struct vmm_fw_cfg_item)

/* PC VMs: set CMOS NVRAM bytes [offset, offset + len), within 0x0e..0x7f. */
struct vmm_nvram {
	__u32 offset;
	__u32 len;
	__u64 data;		/* user pointer */
	__u64 reserved;
};
#define VMM_SET_NVRAM		_IOW(VMM_IOC_MAGIC, 0x14, struct vmm_nvram)

/*
 * PC VMs, before the first VMM_RUN: put a disk on a port of the VM's disk
 * controller. The caller opens the host file (a regular file or a block
 * device; O_DIRECT if it wants the page cache bypassed) and passes its
 * fd; the kernel takes its own reference and serves the guest's requests
 * on it, asynchronously, with the caller's credentials and cgroups.
 * Writes need the fd open for writing unless VMM_DISK_READONLY, which the
 * kernel enforces. An AHCI disk uses 512-byte sectors and needs a
 * non-empty file (its size is rounded down to a sector); a CD takes
 * 2048-byte sectors (ISO 9660 media), is always read-only, and fd -1
 * leaves the drive empty. size returns the bytes the guest sees.
 * A virtio-blk disk (type VMM_DISK_VIRTIO_BLK) is a PCI function of its
 * own: port is its index (0 to VMM_DISK_VIRTIO_MAX - 1), which puts it at
 * 00:(VMM_DISK_VIRTIO_SLOT + port).0; queues is its number of request
 * queues (1 to VMM_DISK_VIRTIO_QUEUES; 0 means 1); 512-byte sectors.
 * queues must be 0 for the other types. It is a transitional device
 * (1af4:1001: the virtio 1.x interface in a memory BAR and the legacy one
 * in I/O BAR 0, for drivers older than virtio 1.0), or with
 * VMM_DISK_VIRTIO_MODERN a modern-only one (1af4:1042, no I/O BAR).
 *
 * The format is the file's content, not a flag: a regular file attached
 * as a disk whose bytes 0x40..0x43 hold the VirtualBox VDI signature
 * (0xbeda107f LE) is served as a VDI image (size: its virtual disk size);
 * any other file is a raw image. A VDI that fails the format's checks
 * (header, whole block map; diff/undo images) gets EINVAL and a kernel
 * log line; vmmctl runs the same checks first and prints why.
 * EBUSY: the port is taken or the guest has run; EINVAL: bad type, port,
 * flags, queues, or a file of the wrong kind or size; EBADF: fd not open
 * for what is asked.
 */
#define VMM_DISK_READONLY	(1u << 0)
#define VMM_DISK_VIRTIO_MODERN	(1u << 1)	/* virtio-blk: no legacy BAR */
#define VMM_DISK_AHCI_DISK	0	/* type: ATA disk on an AHCI port */
#define VMM_DISK_AHCI_CDROM	1	/* type: ATAPI CD/DVD on an AHCI port */
#define VMM_DISK_VIRTIO_BLK	2	/* type: a virtio-blk PCI function */
#define VMM_DISK_AHCI_PORTS	6
#define VMM_DISK_VIRTIO_MAX	4
#define VMM_DISK_VIRTIO_SLOT	4
#define VMM_DISK_VIRTIO_QUEUES	4
struct vmm_attach_disk {
	__s32 fd;
	__u32 flags;		/* VMM_DISK_* */
	__u32 type;
	__u32 port;
	__u64 size;		/* out */
	__u32 queues;		/* virtio-blk request queues; 0 = 1 */
	__u32 reserved0;
	__u64 reserved[2];
};
#define VMM_ATTACH_DISK		_IOWR(VMM_IOC_MAGIC, 0x15, struct vmm_attach_disk)

/*
 * PC VMs, before the first VMM_RUN: a virtio memory balloon (virtio 1.2
 * modern PCI, 1af4:1045) at 00:VMM_BALLOON_SLOT.0. The host sets a target
 * with VMM_BALLOON; the guest's driver inflates toward it, and the host
 * memory behind every page it hands over is freed (the VM's resident
 * pages and its memory cgroup charge drop); a page the guest touches again
 * is backed again, zeroed. flags pick what is offered besides: memory
 * statistics (STATS_VQ), deflate on guest OOM, free page reporting (the
 * guest hands back free memory on its own; counted in reported_bytes, not
 * in the balloon). EBUSY: the VM has one or has run; ENOTTY: not a PC.
 */
#define VMM_BALLOON_STATS	(1u << 0)
#define VMM_BALLOON_DEFLATE_ON_OOM (1u << 1)
#define VMM_BALLOON_REPORTING	(1u << 2)
#define VMM_BALLOON_SLOT	15
struct vmm_add_balloon {
	__u32 flags;		/* VMM_BALLOON_STATS | _DEFLATE_ON_OOM | _REPORTING */
	__u32 pad;
	__u64 reserved[3];
};
#define VMM_ADD_BALLOON		_IOW(VMM_IOC_MAGIC, 0x1a, struct vmm_add_balloon)

/*
 * Read a VM's balloon, and with VMM_BALLOON_SET_TARGET set its target
 * (target_bytes, a multiple of 4 KiB below 16 TiB; the guest gets a
 * configuration interrupt). On /dev/vmm vm_id names the VM (the creator's
 * user, or CAP_SYS_ADMIN, may set a target); on a VM fd it is 0 or the
 * VM's own id. VMM_BALLOON_REFRESH asks the guest for fresh statistics
 * (they arrive later; stats_updates counts them). stats[n] is the guest's
 * statistic of tag n (virtio: 0 swap in, 1 swap out, 2 major faults,
 * 3 minor faults, 4 free, 5 total, 6 available, 7 caches, 8/9 hugetlb
 * allocations/failures; memory in bytes) when bit n of stats_valid is set.
 * ENOENT: no such VM; ENODEV: it has no balloon; EPERM: not allowed to set.
 */
#define VMM_BALLOON_SET_TARGET	(1u << 0)
#define VMM_BALLOON_REFRESH	(1u << 1)
#define VMM_BALLOON_NR_STATS	16
struct vmm_balloon {
	__u32 vm_id;
	__u32 flags;		/* VMM_BALLOON_SET_TARGET | VMM_BALLOON_REFRESH */
	__u64 target_bytes;	/* in with SET_TARGET; out: the target */
	__u64 actual_bytes;	/* out: the balloon the guest reports */
	__u64 freed_bytes;	/* out: host memory freed for inflated pages (total) */
	__u64 reported_bytes;	/* out: host memory freed for free page reports (total) */
	__u64 inflated_pages;	/* out: 4 KiB pages the guest inflated (total) */
	__u64 deflated_pages;	/* out: ... and deflated (total) */
	__u64 stats_updates;	/* out: statistics buffers received */
	__u32 stats_valid;	/* out: bit n: stats[n] is the guest's */
	__u32 pad;
	__u64 stats[VMM_BALLOON_NR_STATS];
	__u64 reserved[4];
};
#define VMM_BALLOON		_IOWR(VMM_IOC_MAGIC, 0x1b, struct vmm_balloon)

/*
 * Disk I/O limits (PC VMs): at most iops requests and bps bytes a second
 * on one disk, each a token bucket holding *_burst (0: a tenth of a
 * second's worth; a burst needs its rate). 0 means no limit. Requests over
 * the limit wait in the kernel, never the vCPU; READ/WRITE cost one op
 * and their bytes, DISCARD/WRITE ZEROES one op, FLUSH nothing.
 * disk: the VM's disks with a backend, numbered in the order they were
 * attached from 0 (vmmctl run: the --iso, then each --disk).
 *
 * On /dev/vmm, vm_id names a live VM; SET needs the effective uid that
 * attached the disk, or CAP_SYS_ADMIN (EPERM). On a VM fd, vm_id is 0 or
 * the VM's own id. SET may be called at any time, also while the guest
 * runs: waiting requests are re-timed at once. GET returns the limits in
 * force (bursts resolved) and the counters; on SET every out field must
 * be 0. ENOENT: no such VM; ENODEV: no such disk; EINVAL: bad version,
 * flags, reserved or out fields, or a limit above VMM_DISK_LIMIT_MAX_*.
 */
#define VMM_DISK_LIMIT_VERSION		1
#define VMM_DISK_LIMIT_MAX_RATE		(1ULL << 40)
#define VMM_DISK_LIMIT_MAX_BURST	(1ULL << 32)
struct vmm_disk_limit {
	__u32 version;		/* VMM_DISK_LIMIT_VERSION */
	__u32 vm_id;
	__u32 disk;
	__u32 flags;		/* must be 0 */
	__u64 iops;		/* requests a second; 0: unlimited */
	__u64 bps;		/* bytes a second; 0: unlimited */
	__u64 iops_burst;	/* requests; 0: iops / 10 (at least 1) */
	__u64 bps_burst;	/* bytes; 0: bps / 10 (at least 1) */
	/* out (GET) */
	__u32 type;		/* VMM_DISK_* of VMM_ATTACH_DISK */
	__u32 port;
	__u64 size;		/* bytes */
	__u64 ops;		/* requests let through */
	__u64 bytes;		/* bytes let through */
	__u64 delayed;		/* requests that had to wait */
	__u64 delay_ns;		/* time they waited, in all */
	__u64 cancelled;	/* waiting requests a reset or teardown ended */
	__u32 queued;		/* waiting now */
	__u32 pad;
	__u64 reserved[4];
};
#define VMM_SET_DISK_LIMIT	_IOW(VMM_IOC_MAGIC, 0x18, struct vmm_disk_limit)
#define VMM_GET_DISK_LIMIT	_IOWR(VMM_IOC_MAGIC, 0x19, struct vmm_disk_limit)

/* ------------------------------------------------------------------ */
/* vCPU fd                                                             */
/* ------------------------------------------------------------------ */

/* General purpose registers, in x86 encoding order. */
struct vmm_regs {
	__u64 rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	__u64 r8, r9, r10, r11, r12, r13, r14, r15;
	__u64 rip, rflags;
};
#define VMM_GET_REGS		_IOR(VMM_IOC_MAGIC, 0x20, struct vmm_regs)
#define VMM_SET_REGS		_IOW(VMM_IOC_MAGIC, 0x21, struct vmm_regs)

/* Segment attributes, as in a descriptor's bits 40-47 and 52-55. */
#define VMM_SEG_TYPE_MASK	0x000f
#define VMM_SEG_S		0x0010	/* code/data (not system) */
#define VMM_SEG_DPL_SHIFT	5
#define VMM_SEG_DPL_MASK	0x0060
#define VMM_SEG_P		0x0080
#define VMM_SEG_AVL		0x0100
#define VMM_SEG_L		0x0200
#define VMM_SEG_DB		0x0400
#define VMM_SEG_G		0x0800
#define VMM_SEG_UNUSABLE	0x10000	/* null/unusable data segment */
#define VMM_SEG_ATTR_VALID	0x10fff

struct vmm_segment {
	__u64 base;
	__u32 limit;		/* byte granular (already scaled by G) */
	__u16 selector;
	__u16 pad;
	__u32 attr;		/* VMM_SEG_* */
	__u32 pad2;
};

struct vmm_dtable {
	__u64 base;
	__u16 limit;
	__u16 pad[3];
};

struct vmm_sregs {
	struct vmm_segment cs, ds, es, fs, gs, ss, tr, ldtr;
	struct vmm_dtable gdt, idt;
	__u64 cr0, cr2, cr3, cr4, efer;
	__u64 reserved[4];
};
#define VMM_GET_SREGS		_IOR(VMM_IOC_MAGIC, 0x22, struct vmm_sregs)
/* Validated like a VM entry: inconsistent state is refused with EINVAL. */
#define VMM_SET_SREGS		_IOW(VMM_IOC_MAGIC, 0x23, struct vmm_sregs)

/* Why VMM_RUN returned. */
enum vmm_exit_reason {
	VMM_EXIT_NONE = 0,
	VMM_EXIT_IO,		/* port I/O no in-kernel device claimed */
	VMM_EXIT_MMIO,		/* access to guest-physical memory with no RAM */
	VMM_EXIT_HLT,		/* HLT with interrupts off and nothing pending */
	VMM_EXIT_SHUTDOWN,	/* triple fault; the vCPU cannot run again */
	VMM_EXIT_INTR,		/* a signal is pending; call VMM_RUN again */
	VMM_EXIT_FAIL_ENTRY,	/* the hardware refused VM entry */
	VMM_EXIT_INTERNAL_ERROR,/* something the kernel could not emulate */
	VMM_EXIT_SYSTEM_EVENT,	/* PC VMs: the guest powered off or reset */
};

#define VMM_SYSTEM_POWEROFF	1	/* ACPI S5 */
#define VMM_SYSTEM_RESET	2	/* 0xcf9, port 0x92, i8042 0xfe, ACPI reset */

#define VMM_IO_IN		0
#define VMM_IO_OUT		1

enum vmm_internal_error {
	VMM_INTERNAL_EMULATION = 1,	/* undecodable instruction at MMIO */
	VMM_INTERNAL_UNSUPPORTED_IO,	/* string or unusual port I/O */
	VMM_INTERNAL_UNHANDLED_EXIT,	/* hardware exit code not handled */
	VMM_INTERNAL_FETCH_FAULT,	/* could not read the faulting instruction */
	/*
	 * Guest RAM is backed on first touch; backing a page failed (the
	 * host, or the VM creator's memory cgroup, has no room): the VM
	 * cannot go on and every vCPU returns this. data[1]: the guest-
	 * physical address, data[2]: RIP.
	 */
	VMM_INTERNAL_GUEST_OOM,
};

/*
 * VMM_RUN takes and returns this struct. On the way in, if the previous
 * exit was VMM_EXIT_IO with direction IN or VMM_EXIT_MMIO that reads,
 * io.data / mmio.data hold the value the guest reads; everything else
 * of the way in must be zero except exit_reason/the exit union, which
 * are ignored. flags must be 0.
 */
struct vmm_run {
	__u32 exit_reason;	/* out: enum vmm_exit_reason */
	__u32 flags;		/* in: must be 0 */
	__u64 reserved;
	union {
		struct {
			__u16 port;
			__u8 size;	/* 1, 2 or 4 */
			__u8 direction;	/* VMM_IO_IN / VMM_IO_OUT */
			__u32 pad;
			__u64 data;	/* OUT: value written; IN: in, value read */
		} io;
		struct {
			__u64 gpa;
			__u64 data;	/* write: value; read: in, value read */
			__u8 size;	/* 1, 2, 4 or 8 */
			__u8 is_write;
			__u8 pad[6];
		} mmio;
		struct {
			__u64 hw_reason;	/* VMX exit reason / SVM exit code */
			__u64 qualification;	/* VMX qualification / EXITINFO1 */
			__u64 info2;		/* VM-instruction error / EXITINFO2 */
		} fail_entry;
		struct {
			__u32 type;		/* VMM_SYSTEM_* */
			__u32 pad;
		} system_event;
		struct {
			__u32 suberror;		/* enum vmm_internal_error */
			__u32 pad;
			__u64 data[4];		/* hw exit code, gpa, rip, ... */
		} internal;
		__u8 pad[128];
	};
};
#define VMM_RUN			_IOWR(VMM_IOC_MAGIC, 0x24, struct vmm_run)

/* ------------------------------------------------------------------ */
/* Guest-visible ABI                                                   */
/* ------------------------------------------------------------------ */

/* CPUID 0x40000000: EAX = max hypervisor leaf, EBX:ECX:EDX = signature. */
#define VMM_CPUID_SIGNATURE	"VMM-HV-LINUX"
#define VMM_CPUID_MAX_LEAF	0x40000001

/* Hypercalls: VMMCALL (AMD) or VMCALL (Intel), number in RAX, result in RAX. */
#define VMM_HC_PING		0	/* returns VMM_HC_PING_MAGIC */
#define VMM_HC_PING_MAGIC	0x564d4d21ULL	/* "VMM!" */
/* Unknown hypercall numbers return -ENOSYS (as u64) in RAX. */

/* ------------------------------------------------------------------ */
/* Size checks                                                         */
/* ------------------------------------------------------------------ */

#define VMM_UAPI_SIZE_CHECKS(check)					\
	check(sizeof(struct vmm_create_vm) == 32);			\
	check(sizeof(struct vmm_vm_info) == 32);			\
	check(sizeof(struct vmm_list_vms) == 16);			\
	check(sizeof(struct vmm_exit_stat) == 40 + 8 * VMM_STAT_HIST_BUCKETS); \
	check(sizeof(struct vmm_get_stats) == 64);			\
	check(sizeof(struct vmm_disk_lat) == 32 + 8 * VMM_STAT_HIST_BUCKETS); \
	check(sizeof(struct vmm_disk_op_stat) ==			\
	      32 + VMM_DISK_NR_STAGES * sizeof(struct vmm_disk_lat));	\
	check(sizeof(struct vmm_disk_stat) ==				\
	      64 + VMM_DISK_NR_OPS * sizeof(struct vmm_disk_op_stat));	\
	check(sizeof(struct vmm_get_disk_stats) == 64);			\
	check(sizeof(struct vmm_mem_region) == 48);			\
	check(sizeof(struct vmm_fw_cfg_item) == 88);			\
	check(sizeof(struct vmm_nvram) == 24);				\
	check(sizeof(struct vmm_attach_disk) == 48);			\
	check(sizeof(struct vmm_add_balloon) == 32);			\
	check(sizeof(struct vmm_balloon) == 72 + 8 * VMM_BALLOON_NR_STATS + 32); \
	check(sizeof(struct vmm_disk_limit) == 144);			\
	check(sizeof(struct vmm_create_vcpu) == 24);			\
	check(sizeof(struct vmm_regs) == 144);				\
	check(sizeof(struct vmm_segment) == 24);			\
	check(sizeof(struct vmm_dtable) == 16);				\
	check(sizeof(struct vmm_sregs) == 8 * 24 + 2 * 16 + 9 * 8);	\
	check(sizeof(struct vmm_run) == 144)

#endif /* _UAPI_VMM_H */
