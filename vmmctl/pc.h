/* SPDX-License-Identifier: GPL-2.0 */
/* vmmctl run in PC mode (pc.c). */
#ifndef VMMCTL_PC_H
#define VMMCTL_PC_H

#include <stdint.h>

#include "vmmctl.h"

/* RAM below 4 GiB ends where the 32-bit PCI hole begins (see dsdt.asl). */
#define PC_LOW_MAX		0xc0000000ULL
#define PC_BIOS_DEFAULT		"/usr/share/seabios/bios-256k.bin"
#define PC_MEM_DEFAULT		(256ULL << 20)
#define PC_DEBUGCON_PORT	0x402	/* SeaBIOS's log (QEMU's debugcon) */
#define PC_DEBUGCON_MAGIC	0xe9	/* what reading the port returns */

struct pc_vm {
	int vm_fd;
	int vcpu_fd;		/* the boot processor, vCPU 0 */
	int ap_fd[VMM_MAX_VCPUS];	/* vCPUs 1..n_cpus-1, -1 if none */
	unsigned int n_cpus;
	uint8_t *low, *high, *rom;
	uint64_t low_size, high_size, rom_size;
};

/*
 * Memory, firmware or kernel, fw_cfg, CMOS and the vCPUs of a PC VM (the
 * application processors wait in the kernel for the boot processor's
 * INIT-SIPI; pc_teardown closes them): 0, -1
 * (an error, reported), or PC_BAD_INPUT (a file the user named is
 * unusable; reported as a usage error).
 */
#define PC_BAD_INPUT		(-2)
int pc_setup(struct pc_vm *p, const struct run_opts *o);
void pc_teardown(struct pc_vm *p);

#endif /* VMMCTL_PC_H */
