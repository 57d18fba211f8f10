// SPDX-License-Identifier: GPL-2.0
/*
 * QEMU fw_cfg device model: see fw_cfg.h for the design.
 */
#include "fw_cfg.h"
#include "bytes.h"

static const struct fw_cfg_ops fw_cfg_null_ops;

/* Zero fill for DMA reads past the end of an item, one chunk at a time. */
static const u8 fw_cfg_zeros[256];

static const u8 fw_cfg_dma_sig[8] = { 'Q', 'E', 'M', 'U', ' ', 'C', 'F', 'G' };

static u32 swab_u32(u32 v)
{
	return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

static bool fw_cfg_has_dma(const struct fw_cfg *fw)
{
	return fw->ops->read_gpa && fw->ops->write_gpa;
}

/*
 * What a key reads as: a byte array, or the generated directory (data
 * NULL, dir true). A key with no item reads as an empty one.
 */
struct fw_cfg_src {
	const u8 *data;
	u32 size;
	bool dir;
};

static u32 fw_cfg_dir_size(const struct fw_cfg *fw)
{
	return 4 + fw->nr_files * FW_CFG_DIR_ENTRY_SIZE;
}

static void fw_cfg_lookup(const struct fw_cfg *fw, u16 key,
			  struct fw_cfg_src *src)
{
	unsigned int i;

	src->data = NULL;
	src->size = 0;
	src->dir = false;
	if (key == FW_CFG_FILE_DIR) {
		src->dir = true;
		src->size = fw_cfg_dir_size(fw);
		return;
	}
	if (key >= FW_CFG_FILE_FIRST && key < FW_CFG_FILE_FIRST + fw->nr_files) {
		const struct fw_cfg_named *f = &fw->files[key - FW_CFG_FILE_FIRST];

		src->data = f->data;
		src->size = f->data ? f->size : 0;
		return;
	}
	for (i = 0; i < fw->nr_items; i++) {
		const struct fw_cfg_item *it = &fw->items[i];

		if (it->key != key)
			continue;
		src->data = it->data ? it->data : it->val;
		src->size = it->size;
		return;
	}
}

/* Byte off (< fw_cfg_dir_size()) of the generated file directory. */
static u8 fw_cfg_dir_byte(const struct fw_cfg *fw, u32 off)
{
	const struct fw_cfg_named *f;
	unsigned int idx, o;
	u8 be[4];

	if (off < 4) {
		vmm_put_be32(be, fw->nr_files);
		return be[off];
	}
	off -= 4;
	idx = fw->dir_order[off / FW_CFG_DIR_ENTRY_SIZE];
	o = off % FW_CFG_DIR_ENTRY_SIZE;
	f = &fw->files[idx];
	if (o < 4) {
		vmm_put_be32(be, f->size);
		return be[o];
	}
	if (o < 8) {
		/* be16 select, then be16 reserved */
		vmm_put_be32(be, (u32)(FW_CFG_FILE_FIRST + idx) << 16);
		return be[o - 4];
	}
	return f->name[o - 8];
}

/* Copy n bytes from offset off of src (the range lies inside it). */
static void fw_cfg_copy(const struct fw_cfg *fw, const struct fw_cfg_src *src,
			u32 off, u8 *buf, u32 n)
{
	u32 i;

	if (!src->dir) {
		memcpy(buf, src->data + off, n);
		return;
	}
	for (i = 0; i < n; i++)
		buf[i] = fw_cfg_dir_byte(fw, off + i);
}

static void fw_cfg_select(struct fw_cfg *fw, u16 key)
{
	fw->cur_key = key & ~FW_CFG_WRITE_CHANNEL;
	fw->cur_off = 0;
}

static struct fw_cfg_item *fw_cfg_item_slot(struct fw_cfg *fw, u16 key)
{
	unsigned int i;

	for (i = 0; i < fw->nr_items; i++)
		if (fw->items[i].key == key)
			return &fw->items[i];
	if (fw->nr_items == FW_CFG_MAX_ITEMS)
		return NULL;
	return &fw->items[fw->nr_items++];
}

/* Store an item; val (up to 8 bytes) is copied when data is NULL. */
static int fw_cfg_set(struct fw_cfg *fw, u16 key, const void *data, u32 size,
		      u64 val)
{
	unsigned long flags = 0;
	struct fw_cfg_item *it;
	unsigned int i;
	int ret = 0;

	vmm_lock(&fw->lock, flags);
	it = fw_cfg_item_slot(fw, key);
	if (!it) {
		ret = -ENOSPC;
	} else {
		it->key = key;
		it->size = size;
		it->data = data;
		for (i = 0; i < sizeof(it->val); i++)
			it->val[i] = val >> (8 * i);
	}
	vmm_unlock(&fw->lock, flags);
	return ret;
}

/* Keys the caller may set: legacy keys below the files, and arch keys. */
static bool fw_cfg_key_ok(u16 key)
{
	if (key & FW_CFG_WRITE_CHANNEL)
		return false;
	if (key & FW_CFG_ARCH_LOCAL)
		return true;
	return key < FW_CFG_FILE_FIRST && key != FW_CFG_SIGNATURE &&
	       key != FW_CFG_ID && key != FW_CFG_FILE_DIR;
}

static int fw_cfg_add_num(struct fw_cfg *fw, u16 key, u64 val, u32 size)
{
	if (!fw_cfg_key_ok(key))
		return -EINVAL;
	return fw_cfg_set(fw, key, NULL, size, val);
}

int fw_cfg_add_u16(struct fw_cfg *fw, u16 key, u16 val)
{
	return fw_cfg_add_num(fw, key, val, 2);
}

int fw_cfg_add_u32(struct fw_cfg *fw, u16 key, u32 val)
{
	return fw_cfg_add_num(fw, key, val, 4);
}

int fw_cfg_add_u64(struct fw_cfg *fw, u16 key, u64 val)
{
	return fw_cfg_add_num(fw, key, val, 8);
}

int fw_cfg_add_bytes(struct fw_cfg *fw, u16 key, const void *data, u32 size)
{
	if (!fw_cfg_key_ok(key) || (!data && size))
		return -EINVAL;
	/* An empty item still needs a non-NULL pointer: val[] serves. */
	return fw_cfg_set(fw, key, size ? data : NULL, size, 0);
}

int fw_cfg_add_file(struct fw_cfg *fw, const char *name, const void *data,
		    u32 size)
{
	unsigned long flags = 0;
	struct fw_cfg_named *f;
	unsigned int i, pos;
	size_t len;
	int ret;

	if (!name || (!data && size))
		return -EINVAL;
	len = strnlen(name, FW_CFG_MAX_FILE_PATH);
	if (!len || len == FW_CFG_MAX_FILE_PATH)
		return -EINVAL;

	vmm_lock(&fw->lock, flags);
	for (i = 0; i < fw->nr_files; i++) {
		f = &fw->files[i];
		if (strcmp(f->name, name))
			continue;
		f->data = data;
		f->size = size;
		ret = FW_CFG_FILE_FIRST + i;
		goto out;
	}
	if (fw->nr_files == FW_CFG_MAX_FILES) {
		ret = -ENOSPC;
		goto out;
	}
	i = fw->nr_files;
	f = &fw->files[i];
	memset(f->name, 0, sizeof(f->name));
	memcpy(f->name, name, len);
	f->data = data;
	f->size = size;

	/* Insertion sort of the directory order: after equal-or-smaller names. */
	pos = i;
	while (pos > 0 && strcmp(fw->files[fw->dir_order[pos - 1]].name, name) > 0) {
		fw->dir_order[pos] = fw->dir_order[pos - 1];
		pos--;
	}
	fw->dir_order[pos] = i;
	fw->nr_files++;
	ret = FW_CFG_FILE_FIRST + i;
out:
	vmm_unlock(&fw->lock, flags);
	return ret;
}

void fw_cfg_init(struct fw_cfg *fw, const struct fw_cfg_ops *ops, void *opaque)
{
	u32 id = FW_CFG_ID_TRADITIONAL;

	memset(fw, 0, sizeof(*fw));
	vmm_lock_init(&fw->lock);
	fw->ops = ops ? ops : &fw_cfg_null_ops;
	fw->opaque = opaque;
	if (fw_cfg_has_dma(fw))
		id |= FW_CFG_ID_DMA;

	/* 'Q' first: "QEMU" read byte by byte. */
	fw_cfg_set(fw, FW_CFG_SIGNATURE, NULL, 4, 0x554d4551);
	fw_cfg_set(fw, FW_CFG_ID, NULL, 4, id);
	fw_cfg_set(fw, FW_CFG_NOGRAPHIC, NULL, 2, 0);
	fw_cfg_set(fw, FW_CFG_NB_CPUS, NULL, 2, 1);
	fw_cfg_set(fw, FW_CFG_MAX_CPUS, NULL, 2, 1);
	fw_cfg_set(fw, FW_CFG_NUMA, NULL, 8, 0);	/* zero nodes */
	fw_cfg_set(fw, FW_CFG_BOOT_MENU, NULL, 2, 0);
}

/* One data-port byte of the selected item; 0 past its end. */
static u8 fw_cfg_data_byte(struct fw_cfg *fw)
{
	struct fw_cfg_src src;
	u8 b;

	fw_cfg_lookup(fw, fw->cur_key, &src);
	if (fw->cur_off >= src.size)
		return 0;
	fw_cfg_copy(fw, &src, fw->cur_off, &b, 1);
	fw->cur_off++;
	return b;
}

u32 fw_cfg_io_read(struct fw_cfg *fw, u16 port, unsigned int size)
{
	unsigned long flags = 0;
	unsigned int i;
	u32 val = 0;

	if (size != 1 && size != 2 && size != 4)
		return ~0u;
	if (port == FW_CFG_PORT_DATA) {
		/* String-preserving: the first byte lands in bits 7:0. */
		vmm_lock(&fw->lock, flags);
		for (i = 0; i < size; i++)
			val |= (u32)fw_cfg_data_byte(fw) << (8 * i);
		vmm_unlock(&fw->lock, flags);
		return val;
	}
	if (port >= FW_CFG_PORT_DMA_HI && port + size - 1 <= FW_CFG_PORT_DMA_END &&
	    fw_cfg_has_dma(fw)) {
		for (i = 0; i < size; i++)
			val |= (u32)fw_cfg_dma_sig[port - FW_CFG_PORT_DMA_HI + i] << (8 * i);
		return val;
	}
	return size == 4 ? ~0u : (1u << (8 * size)) - 1;
}

/* Guest memory [gpa, gpa + len) as a non-wrapping range. */
static bool fw_cfg_range_ok(u64 gpa, u32 len)
{
	return !len || gpa + len - 1 >= gpa;
}

/*
 * Read n bytes at off of src into guest memory, then zero fill to len, as
 * QEMU does, but at most FW_CFG_DMA_ZERO_MAX bytes of it: firmware reads
 * items by their size, and the fill runs in an exit handler, where 4 GiB
 * of zeros per descriptor would hold the host CPU for seconds.
 */
static int fw_cfg_dma_read(struct fw_cfg *fw, const struct fw_cfg_src *src,
			   u32 off, u32 n, u64 addr, u32 len)
{
	u8 chunk[FW_CFG_DIR_ENTRY_SIZE];
	u32 done = 0, c, end = len;
	int r = 0;

	if (len - n > FW_CFG_DMA_ZERO_MAX) {
		end = n + FW_CFG_DMA_ZERO_MAX;
		r = -E2BIG;
	}

	if (n && !src->dir)
		done = n;
	if (done && fw->ops->write_gpa(fw->opaque, addr, src->data + off, n))
		return -EFAULT;
	/* The directory is generated: go through a small bounce buffer. */
	while (done < n) {
		c = n - done < sizeof(chunk) ? n - done : sizeof(chunk);
		fw_cfg_copy(fw, src, off + done, chunk, c);
		if (fw->ops->write_gpa(fw->opaque, addr + done, chunk, c))
			return -EFAULT;
		done += c;
	}
	while (done < end) {
		c = end - done < sizeof(fw_cfg_zeros) ? end - done : sizeof(fw_cfg_zeros);
		if (fw->ops->write_gpa(fw->opaque, addr + done, fw_cfg_zeros, c))
			return -EFAULT;
		done += c;
	}
	return r;
}

static void fw_cfg_count_error(struct fw_cfg *fw)
{
	unsigned long flags = 0;

	vmm_lock(&fw->lock, flags);
	fw->dma_errors++;
	vmm_unlock(&fw->lock, flags);
}

/*
 * Run the descriptor at desc. The lock covers only the selector and the
 * offset: the item table is read-only while the guest runs, and the guest
 * memory copies, which may be large, happen without it.
 */
static void fw_cfg_dma(struct fw_cfg *fw, u64 desc)
{
	u8 d[FW_CFG_DMA_DESC_SIZE], ctl[4];
	unsigned long flags = 0;
	struct fw_cfg_src src;
	u32 control, len, off = 0, n = 0;
	bool err = false, read, write, skip;
	u64 addr;

	if (!fw_cfg_range_ok(desc, sizeof(d)) ||
	    fw->ops->read_gpa(fw->opaque, desc, d, sizeof(d))) {
		fw_cfg_count_error(fw);	/* nowhere to report it */
		return;
	}
	control = vmm_get_be32(d);
	len = vmm_get_be32(d + 4);
	addr = vmm_get_be64(d + 8);
	read = control & FW_CFG_DMA_CTL_READ;
	write = !read && (control & FW_CFG_DMA_CTL_WRITE);
	skip = !read && !write && (control & FW_CFG_DMA_CTL_SKIP);
	if (read && !fw_cfg_range_ok(addr, len))
		err = true;

	vmm_lock(&fw->lock, flags);
	if (control & FW_CFG_DMA_CTL_SELECT)
		fw_cfg_select(fw, control >> 16);
	fw_cfg_lookup(fw, fw->cur_key, &src);
	if (!err && (read || skip)) {
		off = fw->cur_off;
		n = off < src.size ? src.size - off : 0;
		if (n > len)
			n = len;
		fw->cur_off = off + n;
	}
	vmm_unlock(&fw->lock, flags);

	if (err || write)	/* no item is writable */
		err = true;
	else if (read && fw_cfg_dma_read(fw, &src, off, n, addr, len))
		err = true;

	if (err)
		fw_cfg_count_error(fw);
	vmm_put_be32(ctl, err ? FW_CFG_DMA_CTL_ERROR : 0);
	fw->ops->write_gpa(fw->opaque, desc, ctl, sizeof(ctl));
}

void fw_cfg_io_write(struct fw_cfg *fw, u16 port, unsigned int size, u32 val)
{
	unsigned long flags = 0;
	u64 desc;

	switch (port) {
	case FW_CFG_PORT_SEL:
		if (size != 2)
			return;
		vmm_lock(&fw->lock, flags);
		fw_cfg_select(fw, val);
		vmm_unlock(&fw->lock, flags);
		return;
	case FW_CFG_PORT_DMA_HI:
		if (size != 4 || !fw_cfg_has_dma(fw))
			return;
		/* Port bytes in increasing order hold the big-endian value. */
		vmm_lock(&fw->lock, flags);
		fw->dma_hi = swab_u32(val);
		vmm_unlock(&fw->lock, flags);
		return;
	case FW_CFG_PORT_DMA_LO:
		if (size != 4 || !fw_cfg_has_dma(fw))
			return;
		vmm_lock(&fw->lock, flags);
		desc = (u64)fw->dma_hi << 32 | swab_u32(val);
		fw->dma_hi = 0;		/* the register reads 0 after an operation */
		vmm_unlock(&fw->lock, flags);
		fw_cfg_dma(fw, desc);
		return;
	default:
		/* Data port writes are ignored, as in QEMU since 2.4. */
		return;
	}
}
