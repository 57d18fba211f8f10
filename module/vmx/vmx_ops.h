/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMX instructions, one inline wrapper each. VMREAD/VMWRITE failures
 * mean a broken VMCS or a bug in this engine: they are reported, not
 * fatal. VMXON/VMXOFF may fault when the firmware or another hypervisor
 * left the CPU in an unexpected state, so they carry exception fixups.
 * The others fault (#UD) only once a reboot has left VMX operation under
 * a running vCPU (vmm_going_down): their fixups make that a no-op, and a
 * warning at any other time.
 */
#ifndef VMM_VMX_OPS_H
#define VMM_VMX_OPS_H

#include <linux/types.h>
#include <asm/asm.h>

void vmx_insn_failed(const char *insn, u64 arg1, u64 arg2);
void vmx_insn_fault(const char *insn, u64 arg);

static __always_inline u64 vmcs_read(unsigned long field)
{
	unsigned long val;

	asm goto("1: vmread %[field], %[val]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : [val] "=r" (val) : [field] "r" (field) : "cc" : fault);
	return val;
fault:
	vmx_insn_fault("vmread", field);
	return 0;
}

static __always_inline void vmcs_write(unsigned long field, u64 val)
{
	asm goto("1: vmwrite %[val], %[field]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [val] "rm" ((unsigned long)val), [field] "r" (field)
		 : "cc" : fail, fault);
	return;
fail:
	vmx_insn_failed("vmwrite", field, val);
	return;
fault:
	vmx_insn_fault("vmwrite", field);
}

static inline int vmx_vmxon(u64 pa)
{
	asm goto("1: vmxon %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [pa] "m" (pa) : "cc", "memory" : fail, fault);
	return 0;
fail:
	return -EIO;
fault:
	return -EFAULT;
}

static inline int vmx_vmxoff(void)
{
	asm goto("1: vmxoff\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : : "cc", "memory" : fault);
	return 0;
fault:
	return -EFAULT;
}

static inline void vmx_vmclear(u64 pa)
{
	asm goto("1: vmclear %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [pa] "m" (pa) : "cc", "memory" : fail, fault);
	return;
fail:
	vmx_insn_failed("vmclear", pa, 0);
	return;
fault:
	vmx_insn_fault("vmclear", pa);
}

static inline void vmx_vmptrld(u64 pa)
{
	asm goto("1: vmptrld %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [pa] "m" (pa) : "cc", "memory" : fail, fault);
	return;
fail:
	vmx_insn_failed("vmptrld", pa, 0);
	return;
fault:
	vmx_insn_fault("vmptrld", pa);
}

static inline void vmx_invept(unsigned long type, u64 eptp)
{
	struct { u64 eptp, zero; } desc = { eptp, 0 };

	asm goto("1: invept %[desc], %[type]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [desc] "m" (desc), [type] "r" (type) : "cc", "memory"
		 : fail, fault);
	return;
fail:
	vmx_insn_failed("invept", type, eptp);
	return;
fault:
	vmx_insn_fault("invept", eptp);
}

static inline void vmx_invvpid(unsigned long type, u16 vpid)
{
	struct { u64 vpid, gva; } desc = { vpid, 0 };

	asm goto("1: invvpid %[desc], %[type]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [desc] "m" (desc), [type] "r" (type) : "cc", "memory"
		 : fail, fault);
	return;
fail:
	vmx_insn_failed("invvpid", type, vpid);
	return;
fault:
	vmx_insn_fault("invvpid", vpid);
}

#endif /* VMM_VMX_OPS_H */
