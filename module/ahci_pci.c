// SPDX-License-Identifier: GPL-2.0
/*
 * The VM's AHCI controller: the portable HBA model (core/ahci.c) as an
 * ICH9 AHCI PCI function on bus 0 of the PC, its ABAR (BAR5) on the MMIO
 * bus wherever the guest puts it (the guest reads its registers from a
 * page, mmio.c, and only its writes exit), its interrupt on MSI or INTx (pc.c),
 * guest memory for its DMA, and a host-file backend on each used port.
 * Created by the first VMM_ATTACH_DISK; gone with the VM, after every
 * request it started has completed.
 *
 * Completion coalescing (core/ahci.h, ahci_set_coalesce): module
 * parameters ahci_coalesce_us and ahci_coalesce_max, read when a VM's
 * controller is made; its timer is a hard-IRQ hrtimer (the model's lock
 * is a raw spinlock, its completion path runs in any context).
 */
#define pr_fmt(fmt) "vmm: " fmt

#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

#include "disk.h"
#include "pc.h"
#include "blk_file.h"
#include "disk_stats.h"
#include "core/ahci.h"

#define VMM_AHCI_DEVFN		VPCI_DEVFN(3, 0)
#define VMM_AHCI_BAR		5
#define VMM_AHCI_MSI_CAP	0x80
#define VMM_AHCI_MSIX_CAP	0x90
#define VMM_AHCI_MSIX_BAR	2	/* its table and PBA: a BAR of their own */
#define VMM_AHCI_MSIX_PBA	0x800

/*
 * Off by default: the only measurement so far (the emulated AMD-V test
 * host, whose CPU-bound guest keeps less than one command in flight)
 * shows no gain, and holding a completion costs latency.
 */
static unsigned int ahci_coalesce_us;
module_param(ahci_coalesce_us, uint, 0644);
MODULE_PARM_DESC(ahci_coalesce_us, "AHCI: hold NCQ completions while others run, at most this long (us, new VMs; 0 = off, the default; max 10000; e.g. 200)");
static unsigned int ahci_coalesce_max = 8;
module_param(ahci_coalesce_max, uint, 0644);
MODULE_PARM_DESC(ahci_coalesce_max, "AHCI: post held NCQ completions once this many are held (2-32, new VMs; default 8)");

/*
 * MSI-X with a vector per port, beside MSI: a guest that takes it (Linux
 * does, with a vector per port) handles each port's interrupt without
 * reading or clearing IS, one MMIO exit less per interrupt. Off: MSI and
 * INTx only, as an ICH9 has (new VMs).
 */
static bool ahci_msix = true;
module_param(ahci_msix, bool, 0644);
MODULE_PARM_DESC(ahci_msix, "AHCI: offer MSI-X, a vector per port (new VMs; default on)");

struct vmm_ahci_pci {
	struct vmm_vm *vm;
	struct vpci_dev pci;
	struct vmm_pci_irq irq;
	int mmio;			/* MMIO bus handle of the ABAR */
	int msix_mmio;			/* ... of the MSI-X BAR, or -1 */
	struct vpci_msix msix;		/* under hba.lock */
	struct vmm_disk *disk[AHCI_NR_PORTS];
	u32 type[AHCI_NR_PORTS];	/* VMM_DISK_AHCI_* of used ports */
	struct vmm_disk_tag tag[AHCI_NR_PORTS];
	struct hrtimer timer;		/* completion coalescing */
	struct ahci hba;
};

static void vmm_ahci_mmio(void *dev, u64 off, bool write, unsigned int size,
			  u64 *val)
{
	struct vmm_ahci_pci *a = dev;

	if (write)
		ahci_mmio_write(&a->hba, off, size, *val);
	else
		*val = ahci_mmio_read(&a->hba, off, size);
}

/* Linux issues an NCQ command with PxSACT, then PxCI. */
static bool vmm_ahci_write_chains(u64 off)
{
	return ahci_write_chains(off);
}

/* HBA lock held: send what the MSI-X vectors may send now. */
static void vmm_ahci_msix_pending(struct vmm_ahci_pci *a)
{
	u64 addr;
	u32 data;

	while (vpci_msix_take_pending(&a->pci, &addr, &data))
		if (vpci_get_word(&a->pci, VPCI_COMMAND) & VPCI_COMMAND_MASTER)
			vmm_pc_pci_msi(a->vm, addr, data);
}

/* The MSI-X BAR: the vector table and the PBA, under the HBA lock. */
static void vmm_ahci_msix_mmio(void *dev, u64 off, bool write,
			       unsigned int size, u64 *val)
{
	struct vmm_ahci_pci *a = dev;
	unsigned long flags;

	vmm_lock(&a->hba.lock, flags);
	if (!vpci_msix_mmio(&a->pci, off, write, size, val) && !write)
		*val = 0;
	if (write)
		vmm_ahci_msix_pending(a);
	vmm_unlock(&a->hba.lock, flags);
}

/* PCI lock held: only the MMIO bus's base moves. */
static void vmm_ahci_bar_changed(struct vpci_dev *d, unsigned int bar,
				 u64 old, u64 addr)
{
	struct vmm_ahci_pci *a = d->priv;
	u64 base = addr == VPCI_BAR_UNMAPPED ? VMM_MMIO_UNMAPPED : addr;

	if (bar == VMM_AHCI_BAR)
		vmm_mmio_move(a->vm, a->mmio, base);
	else if (bar == VMM_AHCI_MSIX_BAR && a->msix_mmio >= 0)
		vmm_mmio_move(a->vm, a->msix_mmio, base);
}

/* PCI lock held, then the HBA lock (the order virtio's models keep too). */
static void vmm_ahci_cfg_write(struct vpci_dev *d, u32 off, u32 val,
			       unsigned int size)
{
	struct vmm_ahci_pci *a = d->priv;
	unsigned long flags;

	vmm_pc_pci_cfg_written(a->vm, &a->irq, off, size);
	if (vpci_msix_hit(d, off, size)) {
		vmm_lock(&a->hba.lock, flags);
		vmm_ahci_msix_pending(a);
		vmm_unlock(&a->hba.lock, flags);
	}
}

/*
 * DMA: the HBA reaches guest RAM only while the guest lets it master the
 * bus (PCI command bit 2), as a real function; otherwise its accesses
 * fail and the command ends with an error.
 */
static bool vmm_ahci_master(struct vmm_ahci_pci *a)
{
	return vpci_get_word(&a->pci, VPCI_COMMAND) & VPCI_COMMAND_MASTER;
}

static int vmm_ahci_read(void *opaque, u64 gpa, void *buf, u32 len)
{
	struct vmm_ahci_pci *a = opaque;

	if (!vmm_ahci_master(a))
		return -EFAULT;
	return vmm_gpa_read(a->vm, gpa, buf, len);
}

static int vmm_ahci_write(void *opaque, u64 gpa, const void *buf, u32 len)
{
	struct vmm_ahci_pci *a = opaque;

	if (!vmm_ahci_master(a))
		return -EFAULT;
	return vmm_gpa_write(a->vm, gpa, buf, len);
}

static bool vmm_ahci_ok(void *opaque, u64 gpa, u64 len, bool write)
{
	struct vmm_ahci_pci *a = opaque;

	return vmm_ahci_master(a) && vmm_gpa_ok(a->vm, gpa, len, write);
}

static const struct blk_gmem_ops vmm_ahci_gmem = {
	.read = vmm_ahci_read,
	.write = vmm_ahci_write,
	.ok = vmm_ahci_ok,
};

/* HBA lock held. With MSI-X on, INTx is off (pc.c) and no MSI goes. */
static void vmm_ahci_set_irq(void *opaque, bool level, bool edge)
{
	struct vmm_ahci_pci *a = opaque;

	vmm_pc_pci_irq(a->vm, &a->irq, level, edge);
}

/* HBA lock held: a port's MSI-X vector (port n, vector n), if enabled. */
static void vmm_ahci_port_irq(void *opaque, unsigned int port)
{
	struct vmm_ahci_pci *a = opaque;
	u64 addr;
	u32 data;

	if (vpci_msix_fire(&a->pci, port, &addr, &data) &&
	    (vpci_get_word(&a->pci, VPCI_COMMAND) & VPCI_COMMAND_MASTER))
		vmm_pc_pci_msi(a->vm, addr, data);
}

static u64 vmm_ahci_now(void *opaque)
{
	return vmm_disk_now();
}

/* HBA lock held: the model starts it only when it is not pending. */
static void vmm_ahci_timer_start(void *opaque, u64 delay_ns)
{
	struct vmm_ahci_pci *a = opaque;

	hrtimer_start(&a->timer, ns_to_ktime(delay_ns), HRTIMER_MODE_REL_HARD);
}

static enum hrtimer_restart vmm_ahci_timer_fn(struct hrtimer *t)
{
	struct vmm_ahci_pci *a = container_of(t, struct vmm_ahci_pci, timer);

	ahci_timer_fire(&a->hba);
	return HRTIMER_NORESTART;
}

static const struct ahci_host_ops vmm_ahci_host = {
	.set_irq = vmm_ahci_set_irq,
	.now_ns = vmm_ahci_now,
	.timer_start = vmm_ahci_timer_start,
	.port_irq = vmm_ahci_port_irq,
};

static struct vmm_ahci_pci *vmm_ahci_create(struct vmm_vm *vm)
{
	struct vmm_ahci_pci *a = kvzalloc(sizeof(*a), GFP_KERNEL_ACCOUNT);
	struct vpci_dev *d;
	int r;

	if (!a)
		return ERR_PTR(-ENOMEM);
	a->vm = vm;
	d = &a->pci;
	vpci_dev_init(d, AHCI_PCI_VENDOR, AHCI_PCI_DEVICE, AHCI_PCI_CLASS, 2, 0);
	vpci_set_word(d, VPCI_SUBSYSTEM_VENDOR_ID, 0x1af4);
	vpci_set_word(d, VPCI_SUBSYSTEM_ID, 0x1100);
	vpci_dev_set_irq_pin(d, 1);
	a->msix_mmio = -1;
	r = vpci_dev_set_bar(d, VMM_AHCI_BAR, VPCI_BAR_MEM32, AHCI_ABAR_SIZE);
	if (r >= 0)
		r = vpci_dev_add_msi(d, VMM_AHCI_MSI_CAP);
	if (r >= 0 && READ_ONCE(ahci_msix)) {
		r = vpci_dev_set_bar(d, VMM_AHCI_MSIX_BAR, VPCI_BAR_MEM32,
				     PAGE_SIZE);
		if (r >= 0)
			r = vpci_dev_add_msix(d, VMM_AHCI_MSIX_CAP, &a->msix,
					      AHCI_NR_PORTS, VMM_AHCI_MSIX_BAR,
					      0, VMM_AHCI_MSIX_PBA);
		if (r >= 0)
			r = a->msix_mmio = vmm_mmio_register(vm, PAGE_SIZE,
							     vmm_ahci_msix_mmio, a);
	}
	if (r < 0)
		goto err;
	d->priv = a;
	d->bar_changed = vmm_ahci_bar_changed;
	d->cfg_write = vmm_ahci_cfg_write;
	hrtimer_init(&a->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	a->timer.function = vmm_ahci_timer_fn;
	ahci_init(&a->hba, &vmm_ahci_gmem, a, &vmm_ahci_host, a);
	ahci_set_coalesce(&a->hba, READ_ONCE(ahci_coalesce_us),
			  READ_ONCE(ahci_coalesce_max));

	a->mmio = vmm_mmio_register(vm, AHCI_ABAR_SIZE, vmm_ahci_mmio, a);
	if (a->mmio < 0) {
		r = a->mmio;
		goto err;
	}
	vmm_mmio_set_chains(vm, a->mmio, vmm_ahci_write_chains);
	/*
	 * The guest reads the ABAR from a page the model keeps current:
	 * the interrupt handler's reads of IS, PxIS and PxSACT no longer
	 * exit. Without the page (no memory) they exit as writes do.
	 */
	ahci_set_regs_page(&a->hba, vmm_mmio_read_page(vm, a->mmio));
	r = vmm_pc_pci_add(vm, VMM_AHCI_DEVFN, d, &a->irq);
	if (r)
		goto err;	/* the MMIO range stays unmapped, never reached */
	atomic_long_add(sizeof(*a), &vm->overhead);
	return a;
err:
	kvfree(a);
	return ERR_PTR(r);
}

int vmm_ahci_attach(struct vmm_vm *vm, unsigned int port, u32 type,
		    struct vmm_disk *disk)
{
	struct vmm_ahci_pci *a = vm->ahci;
	int r;

	if (!a) {
		a = vmm_ahci_create(vm);
		if (IS_ERR(a))
			return PTR_ERR(a);
		vm->ahci = a;
	}
	if (port >= AHCI_NR_PORTS)
		return -EINVAL;
	r = ahci_attach(&a->hba, port, type == VMM_DISK_AHCI_CDROM ?
			AHCI_DEV_CDROM : AHCI_DEV_DISK,
			disk ? vmm_disk_backend(disk) : NULL);
	if (r)
		return r;
	a->disk[port] = disk;
	a->type[port] = type;
	vmm_disk_stats_bind(&a->hba.ports[port].bs, &a->tag[port], vm->id,
			    type, port);
	return 0;
}

unsigned int vmm_ahci_stats(struct vmm_vm *vm, struct vmm_disk_stat *out,
			    unsigned int cap)
{
	struct vmm_ahci_pci *a = vm->ahci;
	unsigned long flags;
	unsigned int i, n = 0;

	if (!a)
		return 0;
	for (i = 0; i < AHCI_NR_PORTS; i++) {
		struct ahci_port *p = &a->hba.ports[i];
		struct vmm_disk_stat *d;

		if (p->type == AHCI_DEV_NONE)
			continue;
		if (n >= cap) {
			n++;
			continue;
		}
		d = &out[n++];
		vmm_disk_stat_head(d, &a->tag[i], a->type[i], i);
		vmm_lock(&a->hba.lock, flags);
		blkstat_export(&p->bs, d);
		d->size = p->type == AHCI_DEV_DISK ? p->be->size :
			  p->atapi.medium ? p->atapi.medium->size : 0;
		vmm_unlock(&a->hba.lock, flags);
	}
	return n;
}

void vmm_ahci_destroy(struct vmm_vm *vm)
{
	struct vmm_ahci_pci *a = vm->ahci;
	unsigned int i;

	if (!a)
		return;
	/* Each close waits for that disk's requests; none start any more. */
	for (i = 0; i < AHCI_NR_PORTS; i++)
		vmm_disk_close(a->disk[i]);
	WARN_ON_ONCE(ahci_inflight(&a->hba));
	/* no completion is left to start it again */
	hrtimer_cancel(&a->timer);
	atomic_long_sub(sizeof(*a), &vm->overhead);
	kvfree(a);
	vm->ahci = NULL;
}
