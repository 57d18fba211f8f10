// SPDX-License-Identifier: GPL-2.0
/*
 * Instructions the vCPU loop has to look at: decoding the one at RIP
 * (with the hardware's bytes when it gives them, else fetched through the
 * guest's page tables), stepping over it, and emulating the ones that
 * touch something other than RAM: MMIO (to the MMIO bus, the platform's
 * fixed devices, or userspace) and string port I/O to in-kernel devices.
 */
#define pr_fmt(fmt) "vmm: " fmt

#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <asm/processor-flags.h>

#include "vmm.h"
#include "pc.h"
#include "emulate.h"
#include "core/gpt_walk.h"
#include "core/x86_emul.h"
#include "trace.h"

static void vmm_inject_page_fault(struct vmm_vcpu *v, u64 addr, u32 pfec)
{
	vmm_inject_exception(v, X86_EXC_PF, true, pfec);
	v->event.set_cr2 = true;
	v->event.cr2 = addr;
}

/* On a PC, where PAM may take the BIOS area away from RAM. */
static bool vmm_pc_shadow(struct vmm_vm *vm, u64 gpa)
{
	return vm->pc && gpa >= VMM_PC_SHADOW_START && gpa < VMM_PC_SHADOW_END;
}

enum x86_mode vmm_decode_mode(const struct vmm_cpu_mode *m, u64 rflags)
{
	if (!(m->cr0 & X86_CR0_PE) || (rflags & X86_EFLAGS_VM))
		return X86_MODE_REAL;
	if ((m->efer & EFER_LMA) && (m->cs_attr & VMM_SEG_L))
		return X86_MODE_LONG64;
	return (m->cs_attr & VMM_SEG_DB) ? X86_MODE_PROT32 : X86_MODE_PROT16;
}

static int vmm_gpt_read(void *opaque, u64 gpa, void *buf, unsigned int len)
{
	return vmm_gpa_read(opaque, gpa, buf, len);
}

/*
 * Translate lin with the walk w keeps (vmm_walk_cache) when a new walk
 * would give the same, else walk and keep it; returns like
 * gpt_translate_path, with w->path and w->page set on success (when an
 * entry of the walk is outside RAM, w is not kept).
 */
static __always_inline int vmm_walk_cached(struct vmm_vcpu *v,
					   struct vmm_walk_cache *w,
					   const struct gpt_ctx *ctx, u64 lin,
					   unsigned int access, u64 *gpa,
					   u32 *pfec)
{
	unsigned int i;
	bool hit;
	u64 gen;
	int r;

	if (w->valid && w->lin_page == (lin & PAGE_MASK) &&
	    w->access == access && w->cr3 == ctx->cr3 && w->cr0 == ctx->cr0 &&
	    w->cr4 == ctx->cr4 && w->efer == ctx->efer) {
		/*
		 * A page taken away bumps tlb_gen, then waits for readers:
		 * the batch (preemption off) is our RCU read-side section.
		 */
		lockdep_assert_preemption_disabled();
		hit = w->gen == READ_ONCE(v->vm->tlb_gen);
		for (i = 0; hit && i < w->path.n; i++)
			hit = w->path.val[i] ==
			      (w->path.esize == 8 ?
			       READ_ONCE(*(const u64 *)w->ent[i]) :
			       READ_ONCE(*(const u32 *)w->ent[i]));
		if (hit) {
			*gpa = w->gpa_page + offset_in_page(lin);
			return 0;
		}
	}
	w->valid = false;
	gen = READ_ONCE(v->vm->tlb_gen);
	r = gpt_translate_path(ctx, lin, access, gpa, pfec, &w->path);
	if (r)
		return r;
	w->page = vmm_gpa_ptr(v->vm, *gpa & PAGE_MASK);
	for (i = 0; i < w->path.n; i++) {
		w->ent[i] = vmm_gpa_ptr(v->vm, w->path.gpa[i]);
		if (!w->ent[i])
			return 0;	/* not kept */
	}
	w->gen = gen;
	w->access = access;
	w->cr0 = ctx->cr0;
	w->cr3 = ctx->cr3;
	w->cr4 = ctx->cr4;
	w->efer = ctx->efer;
	w->lin_page = lin & PAGE_MASK;
	w->gpa_page = *gpa & PAGE_MASK;
	w->valid = true;
	return 0;
}

/*
 * Copy n code bytes at lin (all in one page) through the fetch cache.
 * Returns like gpt_translate, or -EIO when the code is not in RAM.
 */
static int vmm_fetch(struct vmm_vcpu *v, const struct gpt_ctx *ctx, u64 lin,
		     unsigned int access, u8 *buf, unsigned int n, u32 *pfec)
{
	struct vmm_walk_cache *w = &v->fetch_cache.w;
	u64 gpa;
	int r;

	r = vmm_walk_cached(v, w, ctx, lin, access, &gpa, pfec);
	if (r)
		return r;
	if (w->page) {
		memcpy(buf, w->page + offset_in_page(lin), n);
		return 0;
	}
	return vmm_gpa_read(v->vm, gpa, buf, n) ? -EIO : 0;
}

/* x86_decode, or the fetch cache's instruction when it has these bytes. */
static int vmm_decode_bytes(struct vmm_vcpu *v, const u8 *buf,
			    unsigned int got, enum x86_mode mode,
			    struct x86_insn *insn)
{
	typeof(v->fetch_cache) *c = &v->fetch_cache;
	unsigned int i;
	int r;

	if (c->insn_valid && c->insn_mode == mode && got >= c->insn.len) {
		/* at most 15 bytes: no call to memcmp */
		for (i = 0; i < c->insn.len && buf[i] == c->insn_bytes[i]; i++)
			;
		if (i == c->insn.len) {
			*insn = c->insn;
			return 0;
		}
	}
	r = x86_decode(buf, got, mode, insn);
	c->insn_valid = !r;
	if (!r) {
		c->insn_mode = mode;
		memcpy(c->insn_bytes, buf, insn->len);
		c->insn = *insn;
	}
	return r;
}

/* See emulate.h. */
int vmm_decode_current(struct vmm_vcpu *v, const u8 *bytes,
		       unsigned int nbytes, struct x86_insn *insn)
{
	struct vmm_cpu_mode m;
	struct gpt_ctx ctx = { .read_gpa = vmm_gpt_read, .opaque = v->vm };
	enum x86_mode mode;
	unsigned int access;
	u8 buf[15];
	u64 lin;
	u32 pfec = 0;
	unsigned int got = 0;
	int r, fr = 0;

	vmm_call(get_mode)(v, &m);
	mode = vmm_decode_mode(&m, v->rflags);
	if (nbytes) {
		r = x86_decode(bytes, nbytes, mode, insn);
		if (r != -EAGAIN)
			return r;
	}

	ctx.cr0 = m.cr0;
	ctx.cr3 = m.cr3;
	ctx.cr4 = m.cr4;
	ctx.efer = m.efer;
	access = GPT_ACC_FETCH | (m.cpl == 3 ? GPT_ACC_USER : 0);
	lin = m.cs_base + v->rip;
	if (mode != X86_MODE_LONG64)
		lin &= 0xffffffff;

	/*
	 * A page at a time, decoding as soon as the bytes may hold the whole
	 * instruction: it may end before a page that cannot be fetched.
	 */
	while (got < sizeof(buf)) {
		unsigned int n = min_t(unsigned int, sizeof(buf) - got,
				       PAGE_SIZE - offset_in_page(lin));

		fr = vmm_fetch(v, &ctx, lin, access, buf + got, n, &pfec);
		if (fr)
			break;
		got += n;
		r = vmm_decode_bytes(v, buf, got, mode, insn);
		if (r != -EAGAIN || got == sizeof(buf))
			return r;
		lin += n;
		if (mode != X86_MODE_LONG64)
			lin &= 0xffffffff;
	}

	/* The instruction runs into what could not be fetched. */
	switch (fr) {
	case -EFAULT:
		vmm_inject_page_fault(v, lin, pfec);
		return VMM_FAULTED;
	case -EINVAL:		/* non-canonical RIP */
		vmm_inject_exception(v, X86_EXC_GP, true, 0);
		return VMM_FAULTED;
	default:		/* page tables or code outside RAM */
		return -EIO;
	}
}

int vmm_internal_error(struct vmm_vcpu *v, struct vmm_run *run,
		       u32 suberror, u64 d1)
{
	/*
	 * A guest RAM write that could not back its page (gmem.c, atomic
	 * context) fails the emulation: say what it really was.
	 */
	if (unlikely(READ_ONCE(v->vm->oom))) {
		suberror = VMM_INTERNAL_GUEST_OOM;
		d1 = READ_ONCE(v->vm->oom_gpa);
	}
	run->exit_reason = VMM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.data[0] = v->exit.hw_reason;
	run->internal.data[1] = d1;
	run->internal.data[2] = v->rip;
	run->internal.data[3] = v->exit.qual;
	return VMM_NEXT_USER;
}

/* What an exit handler returns when the instruction could not be decoded. */
int vmm_decode_failed(struct vmm_vcpu *v, struct vmm_run *run, int r)
{
	if (r == VMM_FAULTED)
		return VMM_NEXT_GUEST;	/* the guest takes the fault */
	return vmm_internal_error(v, run, r == -EIO ? VMM_INTERNAL_FETCH_FAULT :
				  VMM_INTERNAL_EMULATION, v->rip);
}

/*
 * Move RIP past the instruction that exited: from the hardware's next RIP
 * when it gives one, else by decoding. Returns like an exit handler.
 */
int vmm_finish_insn(struct vmm_vcpu *v, struct vmm_run *run)
{
	struct x86_insn insn;
	int r;

	if (v->exit.has_next_rip) {
		v->rip = v->exit.next_rip;
		return VMM_NEXT_GUEST;
	}
	r = vmm_decode_current(v, NULL, 0, &insn);
	if (r)
		return vmm_decode_failed(v, run, r);
	v->rip += insn.len;
	return VMM_NEXT_GUEST;
}

/*
 * MMIO by instruction emulation. The emulator works on linear addresses;
 * these ops walk the guest's page tables and send each access to RAM, to
 * a device in the kernel, or to userspace. A read userspace must answer
 * stops the emulation (VMM_EXIT_MMIO): the next VMM_RUN caches the value
 * and emulates the instruction again, which now completes (the vCPU loop
 * does it before it enters the guest); no interrupt is injected in
 * between. A write to userspace completes the
 * access and is reported after the instruction (or REP iteration).
 */
/*
 * Where physical accesses go (vmm_emul_phys), and the one that is left
 * for userspace: all that an MMIO MOV needs, apart from the emulator.
 */
struct vmm_emul_dev {
	struct vmm_vcpu *v;
	bool user;			/* an access for userspace */
	bool user_write;
	u8 user_size;
	u64 user_gpa, user_data;
	/*
	 * An access of direction dev_write to the page dev_page is known to
	 * go to a device (the nested fault said so): no RAM lookup.
	 */
	bool dev, dev_write;
	u64 dev_page;
	bool chain;			/* the write has a second one behind it */
};

struct vmm_emul {
	struct x86_emul_ctx c;
	struct vmm_emul_dev d;
	struct vmm_cpu_mode m;
	u64 pf_addr;			/* the linear address of a #PF */
	u64 user_lin;			/* of d.user_gpa */
	/*
	 * A translation known without a walk, for accesses of direction
	 * xlat_write: with xlat_page, of the page xlat_lin to the page
	 * xlat_gpa; else (the fault's GPA) of the access at xlat_gpa's
	 * offset in its page.
	 */
	bool xlat, xlat_write, xlat_page;
	u64 xlat_lin, xlat_gpa;
};

static bool vmm_emul_xlat(const struct vmm_emul *e, u64 lin, bool write,
			  u64 *gpa)
{
	if (!e->xlat || e->xlat_write != write)
		return false;
	if (e->xlat_page ? (lin & PAGE_MASK) != e->xlat_lin :
			   offset_in_page(lin) != offset_in_page(e->xlat_gpa))
		return false;
	*gpa = (e->xlat_gpa & PAGE_MASK) + offset_in_page(lin);
	return true;
}

static int vmm_emul_phys(struct vmm_emul_dev *e, u64 gpa, void *buf,
			 unsigned int size, bool write)
{
	struct vmm_vcpu *v = e->v;
	u64 val = 0;

	if (!e->dev || e->dev_write != write ||
	    (gpa & PAGE_MASK) != e->dev_page) {
		struct vmm_mem_slot *slot = vmm_find_slot(v->vm, gpa);

		if (slot && !vmm_pc_shadow(v->vm, gpa) &&
		    !(write && (slot->flags & VMM_MEM_READONLY)) &&
		    offset_in_page(gpa) + size <= PAGE_SIZE)
			return (write ? vmm_gpa_write(v->vm, gpa, buf, size) :
					vmm_gpa_read(v->vm, gpa, buf, size)) ?
			       X86_EMUL_UNHANDLED : X86_EMUL_OK;
	}
	if (write)
		memcpy(&val, buf, size);
	if ((v->vm->mmio.n &&
	     vmm_mmio_dispatch(v->vm, gpa, write, size, &val, &e->chain)) ||
	    (v->vm->pc ? vmm_pc_mmio(v, gpa, write, size, &val) :
			 vmm_bare_mmio(v->vm, gpa, write, size, &val))) {
		if (!write)
			memcpy(buf, &val, size);
		return X86_EMUL_OK;
	}
	if (!write && v->mmio_cache.valid && v->mmio_cache.gpa == gpa &&
	    v->mmio_cache.size == size) {
		v->mmio_cache.valid = false;
		memcpy(buf, &v->mmio_cache.data, size);
		return X86_EMUL_OK;
	}
	if (e->user)
		return X86_EMUL_USER;	/* one userspace access per exit */
	e->user = true;
	e->user_write = write;
	e->user_gpa = gpa;
	e->user_size = size;
	e->user_data = val;
	return write ? X86_EMUL_OK : X86_EMUL_USER;
}

static int vmm_emul_access(struct x86_emul_ctx *c, u64 lin, void *buf,
			   unsigned int size, bool write)
{
	struct vmm_emul *e = container_of(c, struct vmm_emul, c);
	struct gpt_ctx ctx = {
		.read_gpa = vmm_gpt_read, .opaque = e->d.v->vm,
		.cr0 = e->m.cr0, .cr3 = e->m.cr3, .cr4 = e->m.cr4,
		.efer = e->m.efer,
	};
	unsigned int acc = (write ? GPT_ACC_WRITE : 0) |
			   (e->m.cpl == 3 ? GPT_ACC_USER : 0);
	unsigned int done = 0, n;
	u32 pfec = 0;
	u64 gpa;
	int r;

	/* A page-crossing access goes to each page's own target. */
	while (done < size) {
		n = min_t(unsigned int, size - done,
			  PAGE_SIZE - offset_in_page(lin + done));
		if (vmm_emul_xlat(e, lin + done, write, &gpa)) {
			r = vmm_emul_phys(&e->d, gpa, buf + done, n, write);
			if (r == X86_EMUL_USER)
				e->user_lin = lin + done;
			if (r != X86_EMUL_OK)
				return r;
			done += n;
			continue;
		}
		r = gpt_translate(&ctx, lin + done, acc, &gpa, &pfec);
		if (r == -EFAULT) {
			e->pf_addr = lin + done;
			x86_emul_set_exception(c, X86_EXC_PF, true, pfec);
			return X86_EMUL_EXCEPTION;
		}
		if (r == -EINVAL) {
			x86_emul_set_exception(c, X86_EXC_GP, true, 0);
			return X86_EMUL_EXCEPTION;
		}
		if (r)
			return X86_EMUL_UNHANDLED;
		r = vmm_emul_phys(&e->d, gpa, buf + done, n, write);
		if (r == X86_EMUL_USER)
			e->user_lin = lin + done;
		if (r != X86_EMUL_OK)
			return r;
		done += n;
	}
	return X86_EMUL_OK;
}

static int vmm_emul_read(struct x86_emul_ctx *c, u64 lin, void *buf,
			 unsigned int size)
{
	return vmm_emul_access(c, lin, buf, size, false);
}

static int vmm_emul_write(struct x86_emul_ctx *c, u64 lin, const void *buf,
			  unsigned int size)
{
	return vmm_emul_access(c, lin, (void *)buf, size, true);
}

static const struct x86_emul_ops vmm_emul_ops = {
	.read = vmm_emul_read,
	.write = vmm_emul_write,
};

/* The fault the emulation ran into goes to the guest. */
static void vmm_emul_inject(struct vmm_vcpu *v, const struct vmm_emul *e)
{
	if (e->c.exc_vector == X86_EXC_PF)
		vmm_inject_page_fault(v, e->pf_addr, e->c.exc_error);
	else
		vmm_inject_exception(v, e->c.exc_vector, e->c.exc_has_error,
				     e->c.exc_error);
}

static void vmm_emul_seg(struct x86_emul_seg *d, const struct vmm_segment *s)
{
	d->base = s->base;
	d->limit = s->limit;
	d->attr = s->attr;
}

/*
 * Emulate the decoded instruction at RIP, with the translation hint in
 * *e if any; returns like an exit handler.
 */
static int vmm_emulate_insn(struct vmm_vcpu *v, struct vmm_run *run,
			    const struct x86_insn *in, struct vmm_emul *ep,
			    u64 fault_gpa)
{
	struct vmm_emul e = *ep;
	struct x86_insn again;
	struct vmm_sregs sr;
	int r;

	e.d.v = v;
	vmm_call(get_mode)(v, &e.m);
	if (vmm_decode_mode(&e.m, v->rflags) != in->mode) {
		/* The mode changed under it (SET_SREGS): start afresh. */
		r = vmm_decode_current(v, NULL, 0, &again);
		if (r)
			return vmm_decode_failed(v, run, r);
		in = &again;
		e.xlat = false;
	}
	vmm_call(get_sregs)(v, &sr);
	e.c.mode = vmm_decode_mode(&e.m, v->rflags);
	memcpy(e.c.gprs, v->gprs, sizeof(e.c.gprs));
	e.c.rip = v->rip;
	e.c.rflags = v->rflags;
	e.c.cpl = e.m.cpl;
	e.c.cr0 = e.m.cr0;
	vmm_emul_seg(&e.c.seg[X86_SEG_ES], &sr.es);
	vmm_emul_seg(&e.c.seg[X86_SEG_CS], &sr.cs);
	vmm_emul_seg(&e.c.seg[X86_SEG_SS], &sr.ss);
	vmm_emul_seg(&e.c.seg[X86_SEG_DS], &sr.ds);
	vmm_emul_seg(&e.c.seg[X86_SEG_FS], &sr.fs);
	vmm_emul_seg(&e.c.seg[X86_SEG_GS], &sr.gs);
	e.c.ops = &vmm_emul_ops;

	r = x86_emulate(&e.c, in);
	/* A cached answer is for the very next attempt only. */
	v->mmio_cache.valid = false;
	if (r == X86_EMUL_UNHANDLED)
		return vmm_internal_error(v, run, VMM_INTERNAL_EMULATION,
					  fault_gpa);
	/* Committed work (a REP's finished iterations) stands in all cases. */
	memcpy(v->gprs, e.c.gprs, sizeof(v->gprs));
	v->rip = e.c.rip;
	v->rflags = e.c.rflags;
	if (r == X86_EMUL_EXCEPTION) {
		vmm_emul_inject(v, &e);
		return VMM_NEXT_GUEST;
	}
	if (!e.d.user)
		return VMM_NEXT_GUEST;
	run->exit_reason = VMM_EXIT_MMIO;
	run->mmio.gpa = e.d.user_gpa;
	run->mmio.size = e.d.user_size;
	run->mmio.is_write = e.d.user_write;
	run->mmio.data = e.d.user_write ? e.d.user_data : 0;
	if (!e.d.user_write) {
		v->pending = VMM_PEND_MMIO_READ;
		v->mmio_cache.gpa = e.d.user_gpa;
		v->mmio_cache.size = e.d.user_size;
		v->mmio_cache.rip = v->rip;
		v->mmio_cache.fast = false;
		v->mmio_cache.insn = *in;
		v->mmio_cache.lin_page = e.user_lin & PAGE_MASK;
		v->mmio_cache.gpa_page = e.d.user_gpa & PAGE_MASK;
	}
	return VMM_NEXT_USER;
}

/* See emulate.h. */
int vmm_emulate_answered(struct vmm_vcpu *v, struct vmm_run *run)
{
	/* Reads only: the first run checked no other direction. */
	struct vmm_emul e = {
		.xlat = true, .xlat_write = false, .xlat_page = true,
		.xlat_lin = v->mmio_cache.lin_page,
		.xlat_gpa = v->mmio_cache.gpa_page,
	};
	struct x86_insn insn = v->mmio_cache.insn;

	return vmm_emulate_insn(v, run, &insn, &e, v->mmio_cache.gpa);
}

/*
 * Instructions of the emulator whose every memory access is at their one
 * memory operand (read, write, or read then write), so the access that
 * faulted is at that operand: ALU, TEST, NOT/NEG, INC/DEC, XCHG, MOV and
 * its kin, BT* with an immediate bit offset. Not string instructions (two
 * operands, iterations) or BT* with a register offset (an address away
 * from the operand).
 */
static bool vmm_one_mem_operand(const struct x86_insn *in)
{
	u8 o = in->opcode, ext = (in->modrm >> 3) & 7;

	if (in->opcode_map == X86_MAP_0F)
		return o == 0xb6 || o == 0xb7 || o == 0xbe || o == 0xbf ||
		       o == 0xc3 || o == 0xba;
	if (in->opcode_map != X86_MAP_ONEBYTE)
		return false;
	if (o < 0x40)
		return (o & 7) < 6;
	switch (o) {
	case 0x63:
	case 0x80 ... 0x8b:
	case 0xa0 ... 0xa3:
	case 0xc6: case 0xc7:
	case 0xf6: case 0xf7:
		return true;
	case 0xfe: case 0xff:
		return ext < 2;		/* INC, DEC */
	}
	return false;
}

/*
 * Doorbell chaining. A driver often rings a device with two writes a few
 * instructions apart (AHCI NCQ issue: PxSACT, then PxCI): two exits. When
 * the device says a write usually has such a second one behind it
 * (vmm_mmio_set_chains), the instructions after the first are run here,
 * up to and including the next write to a device on the MMIO bus, in the
 * same exit (x86_emulate_run). Run are register arithmetic and moves,
 * jumps, and loads from RAM; the one write must go to the MMIO bus.
 * Anything else ends the run where it is and the guest goes on itself:
 * an instruction not on the list, an access the CPU would fault on, or
 * one to a page user mode may access (the walk checks neither SMAP nor
 * protection keys) or whose Accessed or Dirty bit the CPU would set, code
 * not in RAM. What was run is what the CPU would have done. 64-bit mode
 * only, not under TF or after an interrupt shadow; the guest's
 * breakpoints never reach the hardware (vmm.h), so none is missed.
 */
static bool mmio_chain = true;
module_param(mmio_chain, bool, 0644);
MODULE_PARM_DESC(mmio_chain, "Run the guest on from a device write to the second write of a doorbell pair (AHCI PxSACT, PxCI) in the same exit (default on)");

#define VMM_CHAIN_INSNS		16

struct vmm_chain {
	struct x86_emul_ctx c;
	struct vmm_vcpu *v;
	struct gpt_ctx g;
};

/*
 * The walk does not set Accessed and Dirty bits: run only where the CPU
 * would find them set already (every level Accessed, the leaf Dirty for
 * a write), so that what is run is what the CPU would have done.
 */
static bool vmm_chain_ad_set(const struct gpt_path *p, bool write)
{
	unsigned int i;

	if (!p->n)
		return false;
	for (i = 0; i < p->n; i++)
		if (!(p->val[i] & _PAGE_ACCESSED))
			return false;
	return !write || (p->val[p->n - 1] & _PAGE_DIRTY);
}

/*
 * lin's size bytes (in one page) to a GPA through the vCPU's data walk
 * caches, *w the one that has it; X86_EMUL_UNHANDLED where the CPU would
 * fault, or for a page user mode may access.
 */
static int vmm_chain_xlat(struct vmm_chain *ch, u64 lin, unsigned int size,
			  bool write, u64 *gpa, struct vmm_walk_cache **w)
{
	struct vmm_vcpu *v = ch->v;
	unsigned int acc = (write ? GPT_ACC_WRITE : 0) |
			   (ch->c.cpl == 3 ? GPT_ACC_USER : 0);
	struct vmm_walk_cache *c = NULL;
	bool user = true;
	unsigned int i;
	u32 pfec;

	if (offset_in_page(lin) + size > PAGE_SIZE)
		return X86_EMUL_UNHANDLED;
	for (i = 0; i < VMM_DATA_CACHE; i++)
		if (v->data_cache[i].valid && v->data_cache[i].access == acc &&
		    v->data_cache[i].lin_page == (lin & PAGE_MASK))
			c = &v->data_cache[i];
	if (!c) {
		c = &v->data_cache[v->data_next];
		v->data_next = (v->data_next + 1) % VMM_DATA_CACHE;
	}
	if (vmm_walk_cached(v, c, &ch->g, lin, acc, gpa, &pfec))
		return X86_EMUL_UNHANDLED;
	if (!vmm_chain_ad_set(&c->path, write))
		return X86_EMUL_UNHANDLED;
	for (i = 0; i < c->path.n; i++)
		user &= !!(c->path.val[i] & _PAGE_USER);
	if (user && (ch->c.cpl < 3 || (ch->g.cr4 & X86_CR4_PKE)))
		return X86_EMUL_UNHANDLED;
	*w = c;
	return X86_EMUL_OK;
}

/* Loads from RAM only. */
static int vmm_chain_read(struct x86_emul_ctx *c, u64 lin, void *buf,
			  unsigned int size)
{
	struct vmm_chain *ch = container_of(c, struct vmm_chain, c);
	struct vmm_walk_cache *w;
	u64 gpa;

	if (vmm_chain_xlat(ch, lin, size, false, &gpa, &w) || !w->page ||
	    vmm_pc_shadow(ch->v->vm, gpa))
		return X86_EMUL_UNHANDLED;
	memcpy(buf, w->page + offset_in_page(gpa), size);
	return X86_EMUL_OK;
}

/* Stores to the MMIO bus only. */
static int vmm_chain_write(struct x86_emul_ctx *c, u64 lin, const void *buf,
			   unsigned int size)
{
	struct vmm_chain *ch = container_of(c, struct vmm_chain, c);
	struct vmm_vm *vm = ch->v->vm;
	struct vmm_walk_cache *w;
	u64 gpa, val = 0;

	/* not RAM, the BIOS area included (it is in a RAM slot) */
	if (vmm_chain_xlat(ch, lin, size, true, &gpa, &w) || w->page ||
	    vmm_find_slot(vm, gpa))
		return X86_EMUL_UNHANDLED;
	memcpy(&val, buf, size);
	if (!vmm_mmio_dispatch(vm, gpa, true, size, &val, NULL))
		return X86_EMUL_UNHANDLED;
	return X86_EMUL_OK;
}

/*
 * The page of code at lin, in RAM (not where PAM may map the BIOS), or
 * NULL.
 */
static const u8 *vmm_chain_code(struct vmm_chain *ch, u64 lin)
{
	struct vmm_walk_cache *w = &ch->v->fetch_cache.w;
	unsigned int acc = GPT_ACC_FETCH | (ch->c.cpl == 3 ? GPT_ACC_USER : 0);
	u32 pfec;
	u64 gpa;

	if (vmm_walk_cached(ch->v, w, &ch->g, lin, acc, &gpa, &pfec) ||
	    !w->page || !vmm_chain_ad_set(&w->path, false) ||
	    vmm_pc_shadow(ch->v->vm, gpa))
		return NULL;
	return w->page;
}

/* Code outside the page the run started in (a jump away, page's end). */
static int vmm_chain_fetch(struct x86_emul_ctx *c, u64 lin, u8 *buf,
			   unsigned int *n)
{
	struct vmm_chain *ch = container_of(c, struct vmm_chain, c);
	const u8 *page = vmm_chain_code(ch, lin);

	if (!page)
		return X86_EMUL_UNHANDLED;
	*n = min_t(unsigned int, *n, PAGE_SIZE - offset_in_page(lin));
	memcpy(buf, page + offset_in_page(lin), *n);
	return X86_EMUL_OK;
}

static const struct x86_emul_ops vmm_chain_ops = {
	.read = vmm_chain_read,
	.write = vmm_chain_write,
	.fetch = vmm_chain_fetch,
};

/* After a write that chains: run the guest on to the second write. */
static noinline void vmm_mmio_chain(struct vmm_vcpu *v)
{
	struct vmm_cpu_mode m;
	struct vmm_chain ch;
	unsigned int n;

	/*
	 * Not under TF; not after an instruction in an interrupt shadow (a
	 * run that jumps back to it would leave RIP where the engines take
	 * the shadow to hold still).
	 */
	if ((v->rflags & X86_EFLAGS_TF) || vmm_ops->in_shadow(v))
		return;
	vmm_call(get_mode)(v, &m);
	if (vmm_decode_mode(&m, v->rflags) != X86_MODE_LONG64)
		return;
	memset(&ch, 0, sizeof(ch));
	ch.v = v;
	ch.g.read_gpa = vmm_gpt_read;
	ch.g.opaque = v->vm;
	ch.g.cr0 = m.cr0;
	ch.g.cr3 = m.cr3;
	ch.g.cr4 = m.cr4;
	ch.g.efer = m.efer;
	/* 64-bit mode: no segment base or limit (FS/GS are not run) */
	ch.c.mode = X86_MODE_LONG64;
	memcpy(ch.c.gprs, v->gprs, sizeof(ch.c.gprs));
	ch.c.rip = v->rip;
	ch.c.rflags = v->rflags;
	ch.c.cpl = m.cpl;
	ch.c.cr0 = m.cr0;
	ch.c.ops = &vmm_chain_ops;
	/* the code of the run, mostly in the page it starts in, in place */
	ch.c.code = vmm_chain_code(&ch, v->rip);
	ch.c.code_lin = v->rip & PAGE_MASK;

	n = x86_emulate_run(&ch.c, VMM_CHAIN_INSNS);
	if (!n)
		return;
	memcpy(v->gprs, ch.c.gprs, sizeof(v->gprs));
	v->rip = ch.c.rip;
	v->rflags = ch.c.rflags;
	trace_vmm_mmio_chain(v->vm->id, v->id, n, ch.c.wrote);
}

/*
 * The fast path of an MMIO exit: a plain MOV (x86_mov_describe) whose
 * operand lies in the faulting page. The CPU made every check up to the
 * access and translated it, so the access goes to the fault's GPA with no
 * page walk and no emulator, and a load userspace answers is finished by
 * vmm_mmio_answer() without running the instruction again. -EAGAIN when
 * the general emulator must do it.
 */
static int vmm_emulate_mov(struct vmm_vcpu *v, struct vmm_run *run,
			   const struct x86_insn *in)
{
	const struct vmm_exit *x = &v->exit;
	/* vmm_handle_npf found no RAM there for this direction */
	struct vmm_emul_dev e = {
		.v = v, .dev = true, .dev_write = x->npf.write,
		.dev_page = x->npf.gpa & PAGE_MASK,
	};
	struct x86_mov m;
	u64 lin, val = 0, gpa = x->npf.gpa;
	int r;

	if (x->npf.gpt ||
	    !x86_mov_describe(in->mode, v->gprs, v->rip, in, &m) ||
	    m.store != x->npf.write)
		return -EAGAIN;
	lin = m.ea;
	/* 64-bit mode: only FS and GS have a base. */
	if (in->mode != X86_MODE_LONG64 || m.seg == X86_SEG_FS ||
	    m.seg == X86_SEG_GS) {
		struct vmm_sregs sr;
		const struct vmm_segment *sg[] = {
			[X86_SEG_ES] = &sr.es, [X86_SEG_CS] = &sr.cs,
			[X86_SEG_SS] = &sr.ss, [X86_SEG_DS] = &sr.ds,
			[X86_SEG_FS] = &sr.fs, [X86_SEG_GS] = &sr.gs,
		};

		vmm_call(get_sregs)(v, &sr);
		lin += sg[m.seg]->base;
		if (in->mode != X86_MODE_LONG64)
			lin &= 0xffffffff;
	}
	/* The whole access is in the page that faulted, at the same offset. */
	if (offset_in_page(lin) != offset_in_page(gpa) ||
	    offset_in_page(gpa) + m.size > PAGE_SIZE)
		return -EAGAIN;

	v->mmio_cache.valid = false;
	if (m.store)
		val = m.val;
	r = vmm_emul_phys(&e, gpa, &val, m.size, m.store);
	if (r == X86_EMUL_USER) {	/* a load userspace answers */
		run->exit_reason = VMM_EXIT_MMIO;
		run->mmio.gpa = gpa;
		run->mmio.size = m.size;
		run->mmio.is_write = false;
		run->mmio.data = 0;
		v->pending = VMM_PEND_MMIO_READ;
		v->mmio_cache.gpa = gpa;
		v->mmio_cache.size = m.size;
		v->mmio_cache.rip = v->rip;
		v->mmio_cache.fast = true;
		v->mmio_cache.mov = m;
		return VMM_NEXT_USER;
	}
	if (r != X86_EMUL_OK)
		return -EAGAIN;		/* nothing happened yet */
	if (!m.store)
		x86_mov_load(v->gprs, &m, val);
	v->rip = m.next_rip;
	if (!e.user) {
		if (e.chain && READ_ONCE(mmio_chain))
			vmm_mmio_chain(v);
		return VMM_NEXT_GUEST;
	}
	run->exit_reason = VMM_EXIT_MMIO;	/* a store, done, reported */
	run->mmio.gpa = e.user_gpa;
	run->mmio.size = e.user_size;
	run->mmio.is_write = true;
	run->mmio.data = e.user_data;
	return VMM_NEXT_USER;
}

/* See emulate.h. */
bool vmm_mmio_answer(struct vmm_vcpu *v, u64 data)
{
	if (!v->mmio_cache.fast)
		return false;
	v->mmio_cache.fast = false;
	v->mmio_cache.valid = false;
	/* Unless RIP moved on without it (SET_REGS). */
	if (v->rip == v->mmio_cache.rip) {
		x86_mov_load(v->gprs, &v->mmio_cache.mov, data);
		v->rip = v->mmio_cache.mov.next_rip;
	}
	return true;
}

/*
 * INS/OUTS, with or without REP, to ports devices in the kernel own: up to
 * a page's worth of elements per exit; with count left the instruction is
 * entered again (RIP stays), so interrupts get in between.
 */
int vmm_handle_string_io(struct vmm_vcpu *v, struct vmm_run *run)
{
	struct vmm_exit *x = &v->exit;
	unsigned int size = x->io.size, budget = PAGE_SIZE / size;
	struct vmm_emul e = { .d.v = v };
	struct vmm_sregs sr;
	struct x86_insn insn;
	u64 mask, count, lin, base;
	int r, step;
	u32 val;

	r = vmm_decode_current(v, NULL, 0, &insn);
	if (r)
		return vmm_decode_failed(v, run, r);
	vmm_call(get_mode)(v, &e.m);
	vmm_call(get_sregs)(v, &sr);
	mask = insn.addr_size == 64 ? ~0ULL :
	       insn.addr_size == 32 ? 0xffffffffULL : 0xffffULL;
	count = x->io.rep ? v->gprs[1] & mask : 1;
	step = (v->rflags & X86_EFLAGS_DF) ? -(int)size : (int)size;
	if (x->io.in) {
		base = sr.es.base;
	} else {
		const struct vmm_segment *sg[] = {
			[X86_SEG_ES] = &sr.es, [X86_SEG_CS] = &sr.cs,
			[X86_SEG_SS] = &sr.ss, [X86_SEG_DS] = &sr.ds,
			[X86_SEG_FS] = &sr.fs, [X86_SEG_GS] = &sr.gs,
		};

		base = sg[insn.seg_override < ARRAY_SIZE(sg) ?
			  insn.seg_override : X86_SEG_DS]->base;
	}
	if (vmm_decode_mode(&e.m, v->rflags) == X86_MODE_LONG64 &&
	    (x->io.in || (insn.seg_override != X86_SEG_FS &&
			  insn.seg_override != X86_SEG_GS)))
		base = 0;	/* only FS/GS have bases in 64-bit mode */

	while (count && budget--) {
		u64 *idx = &v->gprs[x->io.in ? 7 : 6];	/* RDI : RSI */

		lin = base + (*idx & mask);
		if (vmm_decode_mode(&e.m, v->rflags) != X86_MODE_LONG64)
			lin &= 0xffffffff;
		val = 0;
		if (x->io.in) {
			if (!vmm_pio_dispatch(v->vm, x->io.port, true, size, &val))
				goto user_port;
			r = vmm_emul_access(&e.c, lin, &val, size, true);
		} else {
			r = vmm_emul_access(&e.c, lin, &val, size, false);
			if (r == X86_EMUL_OK &&
			    !vmm_pio_dispatch(v->vm, x->io.port, false, size,
					      &val))
				goto user_port;
		}
		if (r == X86_EMUL_EXCEPTION) {
			vmm_emul_inject(v, &e);
			return VMM_NEXT_GUEST;
		}
		if (r != X86_EMUL_OK || e.d.user)	/* memory only userspace has */
			return vmm_internal_error(v, run,
						  VMM_INTERNAL_UNSUPPORTED_IO,
						  x->io.port);
		*idx = (*idx & ~mask) | ((*idx + step) & mask);
		count--;
		if (x->io.rep)
			v->gprs[1] = (v->gprs[1] & ~mask) | (count & mask);
		/* An element can be a fw_cfg DMA transfer: let others run. */
		if (need_resched())
			break;
	}
	if (!count)
		v->rip += insn.len;
	return VMM_NEXT_GUEST;

user_port:	/* userspace devices take no string I/O */
	return vmm_internal_error(v, run, VMM_INTERNAL_UNSUPPORTED_IO,
				  x->io.port);
}

/*
 * Everything but a plain MOV: the general emulator, with the fault's
 * translation where the instruction has one memory operand.
 */
static noinline int vmm_npf_emulate(struct vmm_vcpu *v, struct vmm_run *run,
				    const struct x86_insn *insn)
{
	const struct vmm_exit *x = &v->exit;
	struct vmm_emul e = { .d.v = v };

	/*
	 * The CPU translated the faulting access: an access of the same
	 * direction at the same offset of that page is that one, and takes
	 * the fault's GPA without a walk (its checks were all made).
	 */
	e.xlat = !x->npf.gpt && vmm_one_mem_operand(insn);
	e.xlat_write = x->npf.write;
	e.xlat_gpa = x->npf.gpa;
	return vmm_emulate_insn(v, run, insn, &e, x->npf.gpa);
}

int vmm_handle_npf(struct vmm_vcpu *v, struct vmm_run *run)
{
	struct vmm_exit *x = &v->exit;
	struct vmm_mem_slot *slot = vmm_find_slot(v->vm, x->npf.gpa);
	struct x86_insn insn;
	int r;

	/*
	 * RAM faults where it was never touched (back and map it, which
	 * may sleep: outside the batch), on writes to read-only regions
	 * (MMIO) and, on a PC, where PAM took the BIOS area away from RAM.
	 * RAM is always mapped with all its rights, so a fault on a present
	 * entry there is a bug, not something to retry forever.
	 */
	if (slot && !vmm_pc_shadow(v->vm, x->npf.gpa) &&
	    !((slot->flags & VMM_MEM_READONLY) && x->npf.write)) {
		if (x->npf.present)
			return vmm_internal_error(v, run,
						  VMM_INTERNAL_UNHANDLED_EXIT,
						  x->npf.gpa);
		v->fault_gpa = x->npf.gpa;
		return VMM_NEXT_FAULT_IN;
	}
	if (!slot)
		x->stat = VMM_STAT_MMIO;
	/*
	 * A read of a register page that its device lets the guest read
	 * (mmio.c): map it outside the batch; the read then runs again.
	 */
	if (!slot && !x->npf.write && !x->npf.fetch && !x->npf.gpt &&
	    !x->vectoring && v->vm->mmio.n &&
	    vmm_mmio_read_mappable(v->vm, x->npf.gpa)) {
		v->fault_gpa = x->npf.gpa;
		return VMM_NEXT_FAULT_IN;
	}
	/*
	 * Executing from device memory, or delivering an event through it
	 * (an IDT, a stack or a TSS that is not RAM): RIP is not at an
	 * instruction touching it, so there is nothing to emulate.
	 */
	if (x->npf.fetch || x->vectoring)
		return vmm_internal_error(v, run, VMM_INTERNAL_EMULATION,
					  x->npf.gpa);
	r = vmm_decode_current(v, x->npf.insn, x->npf.insn_len, &insn);
	if (r)
		return vmm_decode_failed(v, run, r);
	r = vmm_emulate_mov(v, run, &insn);
	if (r != -EAGAIN)
		return r;
	return vmm_npf_emulate(v, run, &insn);
}

