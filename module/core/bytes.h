/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Little- and big-endian fields in byte buffers (FISes, command tables,
 * SCSI CDBs and replies, fw_cfg DMA descriptors, VDI headers): one copy
 * for every device model, whatever the host's byte order or alignment.
 */
#ifndef VMM_CORE_BYTES_H
#define VMM_CORE_BYTES_H

#include "host.h"

static inline u16 vmm_get_le16(const u8 *p)
{
	return p[0] | (u16)p[1] << 8;
}

static inline u32 vmm_get_le32(const u8 *p)
{
	return vmm_get_le16(p) | (u32)vmm_get_le16(p + 2) << 16;
}

static inline u64 vmm_get_le64(const u8 *p)
{
	return vmm_get_le32(p) | (u64)vmm_get_le32(p + 4) << 32;
}

static inline void vmm_put_le16(u8 *p, u16 v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
}

static inline void vmm_put_le32(u8 *p, u32 v)
{
	vmm_put_le16(p, v & 0xffff);
	vmm_put_le16(p + 2, (v >> 16) & 0xffff);
}

static inline void vmm_put_le64(u8 *p, u64 v)
{
	vmm_put_le32(p, v & 0xffffffff);
	vmm_put_le32(p + 4, (v >> 32) & 0xffffffff);
}

static inline u16 vmm_get_be16(const u8 *p)
{
	return (u16)p[0] << 8 | p[1];
}

static inline u32 vmm_get_be24(const u8 *p)
{
	return (u32)p[0] << 16 | vmm_get_be16(p + 1);
}

static inline u32 vmm_get_be32(const u8 *p)
{
	return (u32)vmm_get_be16(p) << 16 | vmm_get_be16(p + 2);
}

static inline u64 vmm_get_be64(const u8 *p)
{
	return (u64)vmm_get_be32(p) << 32 | vmm_get_be32(p + 4);
}

static inline void vmm_put_be16(u8 *p, u16 v)
{
	p[0] = (v >> 8) & 0xff;
	p[1] = v & 0xff;
}

static inline void vmm_put_be24(u8 *p, u32 v)
{
	p[0] = (v >> 16) & 0xff;
	vmm_put_be16(p + 1, v & 0xffff);
}

static inline void vmm_put_be32(u8 *p, u32 v)
{
	vmm_put_be16(p, (v >> 16) & 0xffff);
	vmm_put_be16(p + 2, v & 0xffff);
}

#endif /* VMM_CORE_BYTES_H */
