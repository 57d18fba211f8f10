/* SPDX-License-Identifier: GPL-2.0 */
/* vmmctl vdi: the VDI image tools (vdi.c). */
#ifndef VMMCTL_VDI_CMD_H
#define VMMCTL_VDI_CMD_H

extern const char usage_vdi[];
int vdi_main(int argc, char **argv);

#include <stdint.h>
/*
 * vmmctl run --disk: the image at path (known to have the VDI signature)
 * validated with the kernel backend's own checks (header and whole map):
 * 0 and its virtual size, or -1 with the core's message printed as a
 * usage error ("run: WHAT PATH: message").
 */
int vdi_check_for_run(const char *path, const char *what,
		      uint64_t *disk_size);

#endif /* VMMCTL_VDI_CMD_H */
