/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces of the vmm module: the VM and vCPU objects, the
 * engine operations that vmx/ and svm/ provide, and the arch-neutral exit
 * description the engines hand to the shared vCPU loop.
 */
#ifndef VMM_H
#define VMM_H

#include <linux/types.h>
#include <linux/mutex.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/fs.h>
#include <linux/rcuwait.h>
#include <linux/wait.h>
#include <linux/atomic.h>
#include <linux/static_call.h>
#include <asm/fpu/types.h>

#include "../uapi/vmm.h"
#include "core/stats.h"
#include "core/cpuid.h"
#include "core/pvclock.h"
#include "core/x86_decode.h"
#include "core/x86_emul.h"
#include "core/gpt_walk.h"
#include "gmem.h"

#define VMM_NAME "vmm"

/* Largest region: slot n lives at mmap offset n << VMM_SLOT_SHIFT. */
#define VMM_SLOT_SHIFT		36
#define VMM_MAX_REGION_SIZE	(1ULL << VMM_SLOT_SHIFT)
#define VMM_MAX_GPA_BITS	52

struct vmm_vm;
struct vmm_vcpu;
struct vmm_console;
struct vmm_pc;
struct vmm_ahci_pci;
struct vmm_vblk_pci;

/*
 * A guest RAM region. Its pages are backed on first touch (gmem.c), per
 * 2 MiB guest-physical chunk: chunks[] holds 0 (never touched), a 2 MiB
 * allocation's first page | VMM_CHUNK_LARGE, or an array of 512 page
 * pointers filled one by one. Every entry goes once from empty to set,
 * under lock, and stays until the VM dies; lookups read them with
 * acquire loads and no lock. A never-touched page reads as zeroes.
 */
struct vmm_mem_slot {
	u64 gpa;
	u64 size;
	u32 flags;
	bool active;		/* published with release semantics */
	unsigned long npages;
	unsigned long nchunks;
	unsigned long *chunks;	/* from round_down(gpa, 2 MiB) */
	raw_spinlock_t lock;	/* backing pages (any context, IRQ included) */
};

/* Nested page table (NPT or EPT), built from the host side. */
struct vmm_pt_format {
	u64 (*table)(u64 pa);			/* non-leaf entry */
	u64 (*leaf)(u64 pa, int level, bool writable); /* level 1 = 4K, 2 = 2M */
	bool (*present)(u64 entry);
	bool (*large)(u64 entry);
};

struct vmm_npt {
	const struct vmm_pt_format *fmt;
	int levels;		/* 4 or 5 */
	u64 *root;
	unsigned long nr_tables;
};

/* Arch-neutral description of a VM exit, filled by the engine. */
enum vmm_exit_kind {
	VMM_X_NONE,		/* nothing to do (interrupt, NMI, ...) */
	VMM_X_CPUID,
	VMM_X_HLT,
	VMM_X_IO,
	VMM_X_MSR_READ,
	VMM_X_MSR_WRITE,
	VMM_X_NPF,
	VMM_X_HYPERCALL,
	VMM_X_INVALID_OP,	/* inject #UD */
	VMM_X_SKIP,		/* complete by skipping the instruction */
	VMM_X_PAUSE,		/* a spin loop (pause-loop exit): skip, yield */
	VMM_X_DR_ACCESS,
	VMM_X_CR4_WRITE,	/* intercepted MOV to CR4: engine set_cr4 */
	VMM_X_EXCEPTION,	/* intercepted guest exception: reflect it */
	VMM_X_SHUTDOWN,
	VMM_X_ENTRY_FAIL,
	VMM_X_UNHANDLED,
};

struct vmm_exit {
	enum vmm_exit_kind kind;
	u32 stat;		/* enum vmm_exit_stat_reason */
	u64 hw_reason;
	u64 qual;
	u64 info2;
	u64 next_rip;		/* valid when has_next_rip */
	bool has_next_rip;
	bool vectoring;		/* the exit cut short an event's delivery */
	union {
		struct {
			u16 port;
			u8 size;
			bool in;
			bool string;
			bool rep;
		} io;
		struct {
			u32 index;
		} msr;
		struct {
			u8 vector;
			bool has_error;
			u32 error;
			u64 dr6;	/* #DB: the DR6 bits it reports */
		} exc;
		struct {
			u64 gpa;
			bool write;
			bool fetch;
			bool present;
			/* on the guest's page-table walk, not at gpa's data */
			bool gpt;
			u8 insn_len;	/* bytes from decode assists, 0 if none */
			u8 insn[15];
		} npf;
	};
};

/* What the decoder needs to know about the current CPU mode. */
struct vmm_cpu_mode {
	u64 cr0, cr3, cr4, efer;
	u64 cs_base;
	u32 cs_attr;
	u8 cpl;
};

struct vmm_engine_ops {
	const char *name;
	int (*hw_enable)(void);		/* on the current CPU */
	void (*hw_disable)(void);
	const struct vmm_pt_format *pt_format;
	int (*vcpu_init)(struct vmm_vcpu *v);
	void (*vcpu_free)(struct vmm_vcpu *v);
	/*
	 * INIT (PC VMs, outside a batch): the guest state the engine holds
	 * goes back to vmm_reset_sregs, with no interrupt shadow, no NMI
	 * blocking and nothing left to re-inject. RIP, RFLAGS and the GPRs
	 * are the caller's.
	 */
	void (*vcpu_reset)(struct vmm_vcpu *v);
	void (*get_sregs)(struct vmm_vcpu *v, struct vmm_sregs *s);
	void (*set_sregs)(struct vmm_vcpu *v, const struct vmm_sregs *s);
	void (*get_mode)(struct vmm_vcpu *v, struct vmm_cpu_mode *m);
	/* A batch of runs starts: preemption is off until it ends. */
	void (*prepare)(struct vmm_vcpu *v);
	/*
	 * Enter the guest once; on return v->exit describes the exit. Called
	 * with the guest FPU loaded and preemption off (see vcpu.c).
	 */
	int (*run)(struct vmm_vcpu *v);
	/* MSRs that live in engine state; return -ENOENT if not theirs. */
	int (*msr_read)(struct vmm_vcpu *v, u32 index, u64 *val);
	int (*msr_write)(struct vmm_vcpu *v, u32 index, u64 val);
	/*
	 * Interrupts (PC VMs), all within a batch: may an external interrupt
	 * be injected at the next entry (IF set, no interrupt shadow, no
	 * event already going in)? Exit as soon as one may (interrupt
	 * window), or stop doing so. Drop the guest's cached translations
	 * before the next entry (the nested table changed).
	 */
	bool (*irq_allowed)(struct vmm_vcpu *v);
	/* May an NMI be injected (none in service, nothing going in)? */
	bool (*nmi_allowed)(struct vmm_vcpu *v);
	void (*irq_window)(struct vmm_vcpu *v, bool on);
	/*
	 * Instead of a window: post a LAPIC vector (priority above the
	 * LAPIC's PPR) that the guest takes itself at the next entry, as
	 * soon as it can, with no exit; false where the engine cannot. The
	 * exit that follows sets v->post_taken (see struct vmm_vcpu); a
	 * post that did not enter is dropped by the next irq_window call.
	 */
	bool (*irq_post)(struct vmm_vcpu *v, u8 vector);
	/* Did the instruction at the exit run in an STI or MOV SS shadow? */
	bool (*in_shadow)(struct vmm_vcpu *v);
	void (*flush_tlb)(struct vmm_vcpu *v);
	/*
	 * Within a batch: a guest MOV to CR4 (VMM_X_CR4_WRITE); nonzero
	 * refuses it and the guest gets #GP. Engines that decode CR writes
	 * themselves need not provide it.
	 */
	int (*set_cr4)(struct vmm_vcpu *v, u64 val);
	u64 overhead_per_vcpu;		/* kernel bytes per vCPU */
};

enum vmm_event_type {
	VMM_EVENT_EXCEPTION,
	VMM_EVENT_IRQ,		/* external interrupt */
	VMM_EVENT_NMI,
};

struct vmm_pending_event {
	bool valid;
	u8 type;		/* enum vmm_event_type */
	u8 vector;
	bool has_error;
	bool set_cr2;		/* a #PF: CR2 takes cr2 as it is delivered */
	u32 error;
	u64 cr2;
};

#define VMM_MP_INIT		0x200
#define VMM_MP_SIPI		0x100	/* | the vector */

#define VMM_CPUID_CACHE	32

struct vmm_cpuid_entry {
	u32 leaf, subleaf;
	struct cpuid_regs regs;
	bool valid;
};

/*
 * A guest page walk kept for reuse (emulate.c): it is reused only while
 * the walk's inputs are the same and each paging entry it read still
 * holds the value it read, so it gives what a new walk would. The entries
 * and the page are read through their kernel addresses, kept while
 * vm->tlb_gen stays at gen (vmm_gpa_ptr); page is NULL where the walk
 * ends outside RAM or at a page never touched.
 */
struct vmm_walk_cache {
	bool valid;
	unsigned int access;
	u64 gen;
	u64 cr0, cr3, cr4, efer;
	u64 lin_page, gpa_page;
	u8 *page;
	struct gpt_path path;
	const void *ent[GPT_MAX_LEVELS];
};

#define VMM_DATA_CACHE		4

struct vmm_vcpu {
	struct vmm_vm *vm;
	u32 id;
	struct mutex mutex;		/* serialises the vCPU's ioctls */

	/* Guest GPRs in encoding order; RIP and RFLAGS. */
	u64 gprs[16];
	u64 rip;
	u64 rflags;

	struct vmm_exit exit;
	struct vmm_pending_event event;	/* exception to inject at entry */

	/* A user exit that needs data back on the next VMM_RUN. */
	enum { VMM_PEND_NONE, VMM_PEND_IO_IN, VMM_PEND_MMIO_READ } pending;
	u8 pending_io_size;
	/* A userspace MMIO read's answer, for the instruction's next run. */
	struct {
		bool valid;
		u8 size;
		u64 gpa, data;
		u64 rip;		/* of the instruction it answers */
		/*
		 * A plain MOV load (fast): the answer goes straight to its
		 * register, the instruction is not emulated again.
		 */
		bool fast;
		struct x86_mov mov;
		/*
		 * Otherwise the instruction as decoded, and the translation
		 * of the page the answered access was on: its second run
		 * neither fetches nor walks again for that access.
		 */
		struct x86_insn insn;
		u64 lin_page, gpa_page;
	} mmio_cache;

	/*
	 * The translation of the code page the last instruction fetch walked
	 * (emulate.c, vmm_walk_cache): engines without decode help fetch at
	 * RIP on most exits, mostly from the same page. With it, the last
	 * instruction decoded, reused for the same bytes in the same mode
	 * (decoding depends on nothing else).
	 */
	struct {
		struct vmm_walk_cache w;
		bool insn_valid;
		u8 insn_mode;
		u8 insn_bytes[15];
		struct x86_insn insn;
	} fetch_cache;

	bool dead;			/* after a triple fault */
	/*
	 * The guest's debug registers live here and never reach the
	 * hardware: the guest runs with DR7 at its reset value, so it can
	 * neither arm breakpoints on the host's DR0-3 nor loop on #DB.
	 */
	u64 dr[4];
	u64 dr6, dr7;
	u32 pkru;			/* guest PKRU, if it ever enables PKE */
	u64 exit_tsc;
	s64 tsc_offset;			/* guest TSC - host TSC, kept by the engine */
	u64 mtrr_def_type;

	/*
	 * Kicks (PC VMs): a device made an interrupt due. kicked is cleared
	 * before the vCPU looks for interrupts to inject; an engine that
	 * finds it set with interrupts off does not enter the guest, and a
	 * kick that sees guest_cpu set sends that CPU an IPI, which makes
	 * the guest exit.
	 */
	bool kicked;
	int guest_cpu;			/* CPU in guest mode, or -1 */
	/*
	 * A halted vCPU's thread sleeps here, its only waiter. Kicks come
	 * from hard-IRQ timers and under raw device locks: rcuwait wakes
	 * without the wait queue lock, which sleeps on PREEMPT_RT.
	 */
	struct rcuwait wait;
	bool nmi_pending;
	bool nmi_blocked;		/* it halted inside its NMI handler */
	/*
	 * Multiprocessor start-up (PC VMs). IPIs from other vCPUs post
	 * VMM_MP_* in mp_events, one word so that their order holds: an
	 * INIT voids the SIPIs before it, a SIPI after it adds to it. The
	 * vCPU's own loop takes them (vmm_pc_accept_mp). An application
	 * processor starts, and returns after INIT, in wait-for-SIPI: it
	 * does not run until a SIPI names where.
	 */
	u32 mp_events;
	bool wait_sipi;
	struct pid __rcu *pid;		/* the thread in VMM_RUN, for yield_to */
	u64 tlb_gen;			/* vm->tlb_gen last flushed for */
	u64 fault_gpa;			/* VMM_NEXT_FAULT_IN: where */

	/* the paravirtual clock (pvclock.c): its MSRs and page state */
	u64 pv_time_msr;
	u64 pv_wall_msr;
	u32 pv_version;			/* even; the page's last version */
	u64 pv_eoi_msr;			/* KVM's paravirtual EOI (pc.c) */
	bool pv_eoi_armed;		/* its flag is set in the guest */
	/*
	 * A vector posted for the guest to take itself (irq_post, pc.c),
	 * -1 if none: the engine says at the next exit whether the guest
	 * took it (post_taken); pv_eoi_posted: the PV EOI flag was set for
	 * it, to count once it is taken.
	 */
	s16 posted_vec;
	bool post_taken;
	bool pv_eoi_posted;
	int pv_cpu;			/* host CPU the page was last filled on */

	struct vmm_cpuid_entry cpuid_cache[VMM_CPUID_CACHE];
	struct vmm_stats stats;
	void *arch;			/* engine private */

	/* Guest x87/SSE state; XCR0 is fixed because XSAVE is hidden. */
	struct fxregs_state fpu __aligned(64);

	/*
	 * Data pages doorbell chaining reads and writes (emulate.c); last,
	 * out of the way of the exit path's fields.
	 */
	struct vmm_walk_cache data_cache[VMM_DATA_CACHE];
	unsigned int data_next;		/* the entry a miss replaces */
};

/*
 * A device's port handler: size is 1, 2 or 4; on IN it stores the value
 * read in *val, on OUT *val holds what the guest wrote. Called from the
 * vCPU loop with preemption off: it must not sleep.
 */
typedef void (*vmm_pio_fn)(void *dev, u16 port, bool in, unsigned int size,
			   u32 *val);

struct vmm_pio_range {
	u16 base;
	u16 len;
	vmm_pio_fn fn;
	void *dev;
};

#define VMM_MAX_PIO_RANGES	32
#define VMM_MAX_PIO_BARS	8
#define VMM_PIO_UNMAPPED	(~0u)

/* A PCI I/O BAR: placed, moved and disabled by the guest at run time. */
struct vmm_pio_bar {
	u32 base;		/* VMM_PIO_UNMAPPED while not decoded */
	u16 len;
	vmm_pio_fn fn;
	void *dev;
};

struct vmm_iobus {
	unsigned int n;
	struct vmm_pio_range r[VMM_MAX_PIO_RANGES];	/* sorted by base */
	unsigned int nbars;
	struct vmm_pio_bar bar[VMM_MAX_PIO_BARS];
};

/*
 * A device's MMIO handler: off is from the start of its range, size 1, 2,
 * 4 or 8; on a read it stores the value in *val. Same context as port
 * handlers (preemption off, no sleeping).
 */
typedef void (*vmm_mmio_fn)(void *dev, u64 off, bool write, unsigned int size,
			    u64 *val);

#define VMM_MMIO_UNMAPPED	(~0ULL)

struct vmm_mmio_range {
	u64 base;		/* VMM_MMIO_UNMAPPED while not decoded */
	u64 len;
	vmm_mmio_fn fn;
	void *dev;
	/*
	 * The page the guest reads directly (vmm_mmio_read_page), mapped
	 * read-only at base while read_mapped; read_nomap once mapping it
	 * failed (reads exit again). Under the bus's lock.
	 */
	struct page *read_page;
	bool read_mapped;
	bool read_nomap;
	/*
	 * Whether a write at off usually has a second write to the range a
	 * few instructions behind it (a two-register doorbell): the vCPU
	 * loop then runs the guest up to that one in the same exit.
	 */
	bool (*chains)(u64 off);
};

#define VMM_MAX_MMIO_RANGES	16

/*
 * Ranges are added before any vCPU runs; after that only a range's base
 * changes (a PCI BAR the guest moves or disables), one word written at
 * a time, so lookups take no lock. The lock orders a read page's mapping
 * against moves of its range.
 */
struct vmm_mmiobus {
	unsigned int n;
	raw_spinlock_t lock;	/* read pages' mappings against moves */
	struct vmm_mmio_range r[VMM_MAX_MMIO_RANGES];
};

struct vmm_vm {
	u32 id;
	pid_t pid;
	struct list_head node;		/* vmm_vms */
	struct mutex lock;		/* slots, vCPUs, NPT changes */
	struct vmm_mem_slot slots[VMM_MAX_MEM_REGIONS];
	struct vmm_npt npt;
	struct vmm_vcpu *vcpus[VMM_MAX_VCPUS];
	unsigned int nr_vcpus;
	struct vmm_console *console;
	struct vmm_iobus pio;		/* fixed ranges, then I/O BARs */
	struct vmm_mmiobus mmio;
	struct vmm_pc *pc;		/* VMM_VM_PC VMs */
	u32 bare_reg;			/* other VMs: vmm_bare_mmio's register */
	struct vmm_ahci_pci *ahci;	/* its disk controller, once it has disks */
	struct vmm_vblk_pci *vblk[VMM_DISK_VIRTIO_MAX];	/* virtio-blk disks */
	struct vmm_vballoon_pci *balloon;	/* its memory balloon, if any */
	/* disks with a backend, in attach order (vm->lock; the controllers own them) */
	struct vmm_disk *disks[VMM_DISK_AHCI_PORTS + VMM_DISK_VIRTIO_MAX];
	unsigned int nr_disks;
	u64 tlb_gen;			/* bumped when mappings lose rights (never wraps) */
	atomic_long_t overhead;		/* kernel bytes beyond guest RAM */
	u64 mem_bytes;
	atomic_long_t resident;		/* guest RAM pages backed (gmem.c) */
	struct mem_cgroup *memcg;	/* the creator's: guest RAM is charged here */
	/*
	 * Guest RAM could not be backed: the VM stops, each vCPU with a
	 * guest-out-of-memory exit. Set once; oom_gpa says where.
	 */
	bool oom;
	u64 oom_gpa;
	/*
	 * The paravirtual clock (PC VMs; pvclock.c): offered when set, the
	 * TSC's scale, and the host TSC and time when the VM was made.
	 */
	bool pv_clock;
	bool pv_eoi;			/* KVM's PV_EOI offered too (pc.c) */
	bool pv_stable;			/* one reference for all vCPUs */
	struct vmm_pvclock_scale pv_scale;
	u64 pv_tsc0, pv_ktime0;
	struct file *file;
	/*
	 * The VM fd's mappings, its own (VM fds share the anon inode): the
	 * balloon zaps the pages it takes here, and nobody else's.
	 */
	struct address_space mapping;
};

extern const struct vmm_engine_ops *vmm_ops;

/*
 * The engine's ops that exits and entries call, as static calls: a direct
 * call patched in at load (vmm_static_calls_set), not an indirect one
 * through vmm_ops, which retpolines make costly (as KVM does for its ops).
 * Every engine provides all of these.
 */
#define VMM_OPS_STATIC(X)						\
	X(get_sregs) X(set_sregs) X(get_mode) X(prepare) X(run)		\
	X(msr_read) X(msr_write) X(irq_allowed) X(nmi_allowed)		\
	X(irq_window) X(irq_post) X(flush_tlb)
#define VMM_DECLARE_STATIC_CALL(f)					\
	DECLARE_STATIC_CALL(vmm_##f, *(((struct vmm_engine_ops *)0)->f));
VMM_OPS_STATIC(VMM_DECLARE_STATIC_CALL)
#define vmm_call(f)	static_call(vmm_##f)

/* vmm_main.c */
extern struct list_head vmm_vms;
extern struct mutex vmm_vms_lock;
int vmm_hw_get(void);
long vmm_stats_copy_out(struct vmm_get_stats *arg, const struct vmm_stats *s,
			struct vmm_get_stats __user *uarg);
bool vmm_stats_arg_valid(const struct vmm_get_stats *arg);
void vmm_hw_put(void);
void vmm_stats_account_dead(const struct vmm_stats *s);

/* vm.c */
extern const struct file_operations vmm_vm_fops;
int vmm_vm_create(struct vmm_create_vm *arg, struct vmm_create_vm __user *uarg);
void vmm_vm_collect_stats(struct vmm_vm *vm, struct vmm_stats *out);

/* mmu.c */
int vmm_npt_init(struct vmm_vm *vm, const struct vmm_pt_format *fmt, int levels);
void vmm_npt_free(struct vmm_vm *vm);
int vmm_npt_map(struct vmm_vm *vm, u64 gpa, u64 hpa, bool large, bool writable);
int vmm_npt_split(struct vmm_vm *vm, u64 gpa);
int vmm_npt_query(struct vmm_vm *vm, u64 gpa, bool *table);
int vmm_npt_table_4k(struct vmm_vm *vm, u64 gpa);
int vmm_npt_set_4k(struct vmm_vm *vm, u64 gpa, u64 hpa, bool present,
		   bool writable);
u64 vmm_npt_root_pa(struct vmm_vm *vm);

/* vcpu.c */
extern const struct vmm_sregs vmm_reset_sregs;
void vmm_vcpu_reset(struct vmm_vcpu *v);
int vmm_vcpu_create(struct vmm_vm *vm, struct vmm_create_vcpu *arg);
void vmm_vcpu_destroy(struct vmm_vcpu *v);
void vmm_fpu_setup(void);
void vmm_inject_exception(struct vmm_vcpu *v, u8 vector, bool has_error, u32 error);
void vmm_vcpu_kick(struct vmm_vcpu *v);
/* Every vCPU of vm looks at its devices and events before it enters. */
void vmm_vm_kick_all(struct vmm_vm *vm);
/*
 * Rights were taken from nested entries (the stores before this call):
 * every vCPU drops the guest's cached translations before it enters
 * again, kicked now. Any context.
 */
void vmm_vm_flush_tlbs(struct vmm_vm *vm);
/* Engines, with interrupts off just before entry: false = do not enter. */
bool vmm_vcpu_enter_guest_mode(struct vmm_vcpu *v, int cpu);
/*
 * What an exit handler tells the vCPU loop to do next (a negative errno
 * ends VMM_RUN with that error); engines' run returns 0 after an exit,
 * VMM_NEXT_CANCELLED when it did not enter the guest, or an errno.
 */
enum vmm_next {
	VMM_NEXT_USER = 0,	/* back to userspace: the run struct says why */
	VMM_NEXT_GUEST,		/* enter the guest again */
	VMM_NEXT_HALT,		/* the vCPU halted: sleep until it may go on */
	VMM_NEXT_SPIN,		/* the guest spins: let its other vCPUs run */
	VMM_NEXT_CANCELLED,	/* engine: a kick came before entry */
	/*
	 * Guest RAM at v->fault_gpa was never touched: back and map it,
	 * which may sleep, outside the batch, then enter the guest again.
	 */
	VMM_NEXT_FAULT_IN,
};
#define VMM_RUN_CANCELLED	VMM_NEXT_CANCELLED

/* pvclock.c */
void vmm_pvclock_vm_init(struct vmm_vm *vm);
void vmm_pvclock_update(struct vmm_vcpu *v);
int vmm_pvclock_msr_read(struct vmm_vcpu *v, u32 index, u64 *val);
int vmm_pvclock_msr_write(struct vmm_vcpu *v, u32 index, u64 val);
void vmm_pvclock_reset(struct vmm_vcpu *v);

/* iobus.c */
int vmm_pio_register_bar(struct vmm_vm *vm, u16 len, vmm_pio_fn fn, void *dev);
void vmm_pio_move_bar(struct vmm_vm *vm, int handle, u32 base);
int vmm_pio_register(struct vmm_vm *vm, u16 base, u16 len, vmm_pio_fn fn,
		     void *dev);
bool vmm_pio_dispatch(struct vmm_vm *vm, u16 port, bool in, unsigned int size,
		      u32 *val);

/* mmio.c */
/* A range (unmapped until moved there); its handle, or a negative errno. */
int vmm_mmio_register(struct vmm_vm *vm, u64 len, vmm_mmio_fn fn, void *dev);
/* Decode handle's range at base, or nowhere (VMM_MMIO_UNMAPPED). */
void vmm_mmio_move(struct vmm_vm *vm, int handle, u64 base);
/*
 * A page the guest reads for handle's one-page range, without exits; the
 * device keeps it equal to what its reads return. NULL: reads exit.
 */
void *vmm_mmio_read_page(struct vmm_vm *vm, int handle);
/* The nested fault of a read there: true when it is such a page. */
bool vmm_mmio_read_mappable(struct vmm_vm *vm, u64 gpa);
/* Map it (outside the batch, may sleep); reads exit where it cannot. */
void vmm_mmio_read_fault(struct vmm_vm *vm, u64 gpa);
void vmm_mmio_free(struct vmm_vm *vm);
#define VMM_BARE_MMIO_GPA	0xfec00000ULL
#define VMM_BARE_MMIO_LEN	16
bool vmm_bare_mmio(struct vmm_vm *vm, u64 gpa, bool write, unsigned int size,
		   u64 *val);
void vmm_mmio_set_chains(struct vmm_vm *vm, int handle, bool (*chains)(u64 off));
bool vmm_mmio_dispatch(struct vmm_vm *vm, u64 gpa, bool write,
		       unsigned int size, u64 *val, bool *chain);

/* An interrupt line a platform gives a device: set(opaque, line, level). */
struct vmm_irq_line {
	void (*set)(void *opaque, unsigned int line, bool level);
	void *opaque;
	unsigned int line;
};

/* console.c */
int vmm_console_init(struct vmm_vm *vm);
/* Before the guest runs: the UART's interrupt output. */
void vmm_console_wire_irq(struct vmm_vm *vm, const struct vmm_irq_line *irq);
void vmm_console_destroy(struct vmm_vm *vm);
int vmm_console_get_fd(struct vmm_vm *vm);

/* engine registration */
extern const struct vmm_engine_ops vmm_svm_ops;
int vmm_svm_probe(void);
int vmm_svm_init(void);
void vmm_svm_exit(void);
extern const struct vmm_engine_ops vmm_vmx_ops;
int vmm_vmx_probe(void);
int vmm_vmx_init(void);
void vmm_vmx_exit(void);

#define X86_EXC_DE	0
#define X86_EXC_DB	1
#define X86_EXC_UD	6
#define X86_EXC_AC	17
#define X86_EXC_MC	18

#define X86_DR6_RESET		0xffff0ff0ULL
#define X86_DR6_WRITABLE	0x0001e00fULL	/* B0-3, BD, BS, BT, RTM */
#define X86_DR7_RESET		0x400ULL
#define X86_DR7_WRITABLE	0xffff2bffULL
#define X86_EXC_GP	13
#define X86_EXC_PF	14

#endif /* VMM_H */
