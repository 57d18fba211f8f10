/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PC platform of VMM_VM_PC VMs (pc.c): the portable device models of
 * core/ bound to host timers, the port I/O bus, the vCPUs' interrupt
 * injection and the nested page table (PAM).
 */
#ifndef VMM_PC_H
#define VMM_PC_H

#include "vmm.h"
#include "core/vpci.h"

/* The legacy BIOS area that PAM switches between ROM and RAM. */
#define VMM_PC_SHADOW_START	0xc0000ULL
#define VMM_PC_SHADOW_END	0x100000ULL

int vmm_pc_create(struct vmm_vm *vm);
/* After every vCPU is gone: stops the timers, frees the platform. */
void vmm_pc_destroy(struct vmm_vm *vm);
int vmm_pc_vcpu_init(struct vmm_vcpu *v);

long vmm_pc_fw_cfg_add(struct vmm_vm *vm, struct vmm_fw_cfg_item __user *u);
long vmm_pc_set_nvram(struct vmm_vm *vm, struct vmm_nvram __user *u);

/* Before the first entry of any vCPU (process context). */
int vmm_pc_start(struct vmm_vm *vm);
/* Has a vCPU run (configuration is closed)? vm->lock held. */
bool vmm_pc_started(struct vmm_vm *vm);

/* Run loop: within a batch, before each entry. */
void vmm_pc_inject(struct vmm_vcpu *v);
void vmm_pc_pv_eoi_sync(struct vmm_vcpu *v, bool disarm);
/* Right after an exit with v->posted_vec set: accept it if taken. */
void vmm_pc_post_end(struct vmm_vcpu *v);
/* INIT and SIPI, before a batch of runs: false while v waits for SIPI. */
bool vmm_pc_accept_mp(struct vmm_vcpu *v);
/* A halted vCPU (or one waiting for SIPI) may run again. */
bool vmm_pc_wake_ready(struct vmm_vcpu *v);
/* VMM_SYSTEM_* the guest asked for, or 0. */
u32 vmm_pc_system_event(struct vmm_vm *vm);

/*
 * Guest-physical accesses with no RAM behind them (LAPIC, IOAPIC) and
 * those that PAM turned away from RAM: true if the platform handled it.
 */
bool vmm_pc_mmio(struct vmm_vcpu *v, u64 gpa, bool write, unsigned int size,
		 u64 *val);

/* MSRs of the local APIC: -ENOENT if not one. */
int vmm_pc_msr_read(struct vmm_vcpu *v, u32 index, u64 *val);
int vmm_pc_msr_write(struct vmm_vcpu *v, u32 index, u64 val);

/*
 * PCI functions outside pc.c (disk controllers): a function joins bus 0
 * at devfn before the VM runs, then drives its interrupt through one
 * struct vmm_pci_irq. level is its INTx line, edge a new interrupt event:
 * with MSI enabled an edge sends the MSI message and INTx stays low;
 * otherwise the line goes through its PIRQ (slot swizzle) to the PIIX3
 * route (8259) and to IOAPIC pin 16 + PIRQ (ACPI _PRT). Callable in any
 * context with the device's lock held.
 */
struct vmm_pci_irq {
	struct vpci_dev *dev;
	bool level;		/* the function's line, as last driven */
	bool asserted;		/* what it adds to its PIRQ now */
};

int vmm_pc_pci_add(struct vmm_vm *vm, u8 devfn, struct vpci_dev *d,
		   struct vmm_pci_irq *irq);
void vmm_pc_pci_irq(struct vmm_vm *vm, struct vmm_pci_irq *irq, bool level,
		    bool edge);
/*
 * One message of a function's MSI-X vector (vpci_msix_fire), any context;
 * with MSI-X enabled the function's INTx stays low.
 */
void vmm_pc_pci_msi(struct vmm_vm *vm, u64 addr, u32 data);
/* From the function's cfg_write hook (PCI lock held): MSI, MSI-X or INTx-disable may have changed. */
void vmm_pc_pci_cfg_written(struct vmm_vm *vm, struct vmm_pci_irq *irq,
			    u32 off, unsigned int size);


#endif /* VMM_PC_H */
