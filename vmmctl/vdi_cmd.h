/* SPDX-License-Identifier: GPL-2.0 */
/* vmmctl vdi: the VDI image tools (vdi.c). */
#ifndef VMMCTL_VDI_CMD_H
#define VMMCTL_VDI_CMD_H

extern const char usage_vdi[];
int vdi_main(int argc, char **argv);

#endif /* VMMCTL_VDI_CMD_H */
