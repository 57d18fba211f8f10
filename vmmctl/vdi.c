// SPDX-License-Identifier: GPL-2.0
/*
 * vmmctl vdi: VirtualBox VDI image tools on the portable core's format
 * code (module/core/vdi.c): create, info, check, compact, resize, and for
 * the tests a reader (cat), a writer (write: the allocation path with the
 * kernel backend's write order) and whole-block discard (discard).
 *
 * A bad image gets a clear error and is never modified: every command
 * validates the header and the whole map before it writes anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmmctl.h"
#include "vdi.h"
#include "vdi_cmd.h"
#include "util.h"

/* check's exit statuses, as qemu-img check */
#define CHECK_CLEAN	0
#define CHECK_ERROR	1
#define CHECK_CORRUPT	2
#define CHECK_LEAKS	3

struct vdi_file {
	const char *path;
	int fd;
	bool rw;
	u64 size;
	u8 hbuf[VDI_HEADER_BUF];
	struct vdi_header h;
	u32 *map;
	u32 *rev;
	u8 *bitmap;
	struct vdi_map_info info;
	struct vdi_image img;
	int err;		/* enum vdi_err of the header or map */
	bool map_read;
};

static void vf_close(struct vdi_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	free(f->map);
	free(f->rev);
	free(f->bitmap);
	f->fd = -1;
	f->map = f->rev = NULL;
	f->bitmap = NULL;
}

static int full_pread(int fd, void *buf, size_t len, u64 off)
{
	u8 *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;	/* short file: callers checked sizes */
		p += n;
		len -= n;
		off += n;
	}
	return 0;
}

static int full_pwrite(int fd, const void *buf, size_t len, u64 off)
{
	const u8 *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= n;
		off += n;
	}
	return 0;
}

/* Describe f->err with the values that caused it: "PATH: message". */
static void vdi_error_text(const struct vdi_file *f, char *out, size_t cap)
{
	const struct vdi_header *h = &f->h;
	const struct vdi_map_info *in = &f->info;
	char extra[160] = "";

	switch (f->err) {
	case VDI_E_SIGNATURE:
		snprintf(extra, sizeof(extra), " (found 0x%08" PRIx32 ")",
			 f->size >= 0x44 ? (u32)get_le(f->hbuf + 0x40, 4) : 0);
		break;
	case VDI_E_VERSION:
		snprintf(extra, sizeof(extra), " (found %u.%u)",
			 h->version >> 16, h->version & 0xffff);
		break;
	case VDI_E_HDR_SIZE:
		snprintf(extra, sizeof(extra), " (0x%x)", h->header_size);
		break;
	case VDI_E_TYPE:
	case VDI_E_DIFF:
		snprintf(extra, sizeof(extra), " (type %u)", h->type);
		break;
	case VDI_E_FLAGS:
		snprintf(extra, sizeof(extra), " (0x%x)", h->flags);
		break;
	case VDI_E_SECTOR:
		snprintf(extra, sizeof(extra), " (%u)", h->lchs.sector_size);
		break;
	case VDI_E_BLOCK_SIZE:
	case VDI_E_BLOCK_TOTAL:
		snprintf(extra, sizeof(extra), " (%u)", h->block_size);
		break;
	case VDI_E_BLOCK_EXTRA:
		snprintf(extra, sizeof(extra), " (%u)", h->block_extra);
		break;
	case VDI_E_DISK_ROOM:
		snprintf(extra, sizeof(extra), " (%" PRIu64 " > %u * %u)",
			 h->disk_size, h->block_size, h->blocks);
		break;
	case VDI_E_ALLOC_COUNT:
		snprintf(extra, sizeof(extra), " (%u > %u)", h->allocated,
			 h->blocks);
		break;
	case VDI_E_MAP_OFFSET:
		snprintf(extra, sizeof(extra), " (0x%x)", h->off_blocks);
		break;
	case VDI_E_DATA_OFFSET:
		snprintf(extra, sizeof(extra),
			 " (map 0x%x + %u entries, data 0x%x)", h->off_blocks,
			 h->blocks, h->off_data);
		break;
	case VDI_E_MAP_RANGE:
		snprintf(extra, sizeof(extra), " (block %u -> %u, %u blocks)",
			 in->bad_vblock, in->bad_value, h->blocks);
		break;
	case VDI_E_MAP_DUP:
		snprintf(extra, sizeof(extra), " (blocks %u and %u -> %u)",
			 in->bad_other, in->bad_vblock, in->bad_value);
		break;
	case VDI_E_ALLOC_BEHIND:
		snprintf(extra, sizeof(extra),
			 " (header says %u, the map uses blocks up to %u)",
			 h->allocated, in->next);
		break;
	case VDI_E_FILE_SHORT:
		snprintf(extra, sizeof(extra), " (%" PRIu64 " < %" PRIu64 " bytes)",
			 f->size, f->map_read ? in->data_end :
			 (u64)h->off_blocks + vdi_map_bytes(h));
		break;
	case VDI_E_FIXED_MAP:
		snprintf(extra, sizeof(extra), " (%u of %u allocated)",
			 in->referenced, h->blocks);
		break;
	}
	snprintf(out, cap, "%s: %s%s", f->path, vdi_strerror(f->err), extra);
}

static void print_vdi_error(const struct vdi_file *f)
{
	char msg[512];

	vdi_error_text(f, msg, sizeof(msg));
	err_msg("%s", msg);
}

/*
 * Open and validate. Returns 0 with f->err == 0 for a good image; 0 with
 * f->err set for a bad one (not yet reported: check reports it its own
 * way); -1 after a host error was reported.
 */
static int vf_open(struct vdi_file *f, const char *path, bool rw)
{
	struct stat st;
	u64 mapb;
	int r;

	memset(f, 0, sizeof(*f));
	f->path = path;
	f->rw = rw;
	f->fd = open(path, (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (f->fd < 0) {
		err_msg("%s: %s", path, strerror(errno));
		return -1;
	}
	if (rw && flock(f->fd, LOCK_EX | LOCK_NB)) {
		err_msg("%s: image is in use (locked by another process)", path);
		vf_close(f);
		return -1;
	}
	if (fstat(f->fd, &st) || !S_ISREG(st.st_mode)) {
		err_msg("%s: not a regular file", path);
		vf_close(f);
		return -1;
	}
	f->size = st.st_size;
	r = full_pread(f->fd, f->hbuf, f->size < VDI_HEADER_BUF ? f->size :
		       VDI_HEADER_BUF, 0);
	if (r) {
		err_msg("%s: read: %s", path, strerror(-r));
		vf_close(f);
		return -1;
	}
	f->err = vdi_header_parse(f->hbuf, f->size < VDI_HEADER_BUF ?
				  (u32)f->size : VDI_HEADER_BUF, &f->h);
	if (f->err)
		return 0;
	mapb = vdi_map_bytes(&f->h);
	if (f->size < f->h.off_blocks + mapb) {
		f->err = VDI_E_FILE_SHORT;
		return 0;
	}
	f->map = malloc(mapb);
	f->rev = malloc(mapb);
	f->bitmap = malloc(vdi_bitmap_bytes(&f->h));
	if (!f->map || !f->rev || !f->bitmap) {
		err_msg("%s: out of memory for a map of %u blocks", path,
			f->h.blocks);
		vf_close(f);
		return -1;
	}
	r = full_pread(f->fd, f->map, mapb, f->h.off_blocks);
	if (r) {
		err_msg("%s: read: %s", path, strerror(-r));
		vf_close(f);
		return -1;
	}
	vdi_map_swab(f->map, f->h.blocks);
	f->map_read = true;
	f->err = vdi_map_check(&f->h, f->map, f->size, f->bitmap, &f->info);
	if (!f->err)
		vdi_image_init(&f->img, &f->h, f->map, f->rev, &f->info);
	return 0;
}

/* Open a good image or report why not: 0, or the exit status. */
static int vf_open_good(struct vdi_file *f, const char *path, bool rw)
{
	if (vf_open(f, path, rw))
		return EXIT_HOST_ERROR;
	if (f->err) {
		print_vdi_error(f);
		vf_close(f);
		return EXIT_USAGE;
	}
	return 0;
}

int vdi_check_for_run(const char *path, const char *what, u64 *disk_size)
{
	struct vdi_file f;
	char msg[512];

	if (vf_open(&f, path, false))
		return -1;
	if (f.err) {
		vdi_error_text(&f, msg, sizeof(msg));
		usage_error("run: %s %s", what, msg);
		vf_close(&f);
		return -1;
	}
	*disk_size = f.h.disk_size;
	vf_close(&f);
	return 0;
}

static int host_fail(struct vdi_file *f, const char *what, int r)
{
	err_msg("%s: %s: %s", f->path, what, strerror(r < 0 ? -r : r));
	return EXIT_HOST_ERROR;
}

static int vf_sync(struct vdi_file *f)
{
	return fsync(f->fd) ? -errno : 0;
}

static int put_u32_at(struct vdi_file *f, u64 off, u32 v)
{
	u8 b[4];

	put_le(b, v, 4);
	return full_pwrite(f->fd, b, 4, off);
}

static int write_header(struct vdi_file *f, const struct vdi_header *h)
{
	u32 n = vdi_header_write(h, f->hbuf);

	return full_pwrite(f->fd, f->hbuf, n, 0);
}

static void fmt_uuid(const u8 *u, char *out)
{
	/* RTUUID as VirtualBox prints it: the first three fields LE */
	sprintf(out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		"%02x%02x%02x%02x%02x%02x", u[3], u[2], u[1], u[0], u[5], u[4],
		u[7], u[6], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

static const char *type_name(u32 t)
{
	switch (t) {
	case VDI_TYPE_NORMAL: return "dynamic";
	case VDI_TYPE_FIXED: return "fixed";
	case VDI_TYPE_UNDO: return "undo";
	case VDI_TYPE_DIFF: return "diff";
	}
	return "unknown";
}

static void json_str(const char *s, size_t max)
{
	size_t i;

	putchar('"');
	for (i = 0; i < max && s[i]; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void text_str(const char *s, size_t max)
{
	size_t i;

	for (i = 0; i < max && s[i]; i++) {
		unsigned char c = s[i];

		if (c == '\n')
			fputs("\\n", stdout);
		else
			putchar(c < 0x20 || c >= 0x7f ? '.' : c);
	}
}

static int cmd_vdi_info(const char *path, bool json)
{
	struct vdi_file f;
	const struct vdi_header *h = &f.h;
	char uc[40], um[40], ul[40], up[40];
	u64 used, alloc_bytes;
	struct stat st;
	int r = vf_open_good(&f, path, false);

	if (r)
		return r;
	fstat(f.fd, &st);
	used = (u64)st.st_blocks * 512;
	alloc_bytes = (u64)f.info.referenced * h->block_size;
	fmt_uuid(h->uuid_create, uc);
	fmt_uuid(h->uuid_modify, um);
	fmt_uuid(h->uuid_link, ul);
	fmt_uuid(h->uuid_parent_modify, up);
	if (json) {
		printf("{\n  \"file\": ");
		json_str(path, 4096);
		printf(",\n  \"text\": ");
		json_str(h->text, VDI_TEXT_LEN);
		printf(",\n  \"signature\": %u,\n  \"version\": \"%u.%u\",\n"
		       "  \"header_size\": %u,\n  \"type\": %u,\n"
		       "  \"type_name\": \"%s\",\n  \"flags\": %u,\n  \"comment\": ",
		       VDI_SIGNATURE, h->version >> 16, h->version & 0xffff,
		       h->header_size, h->type, type_name(h->type), h->flags);
		json_str(h->comment, VDI_COMMENT_LEN);
		printf(",\n  \"offset_blocks\": %u,\n  \"offset_data\": %u,\n"
		       "  \"legacy_geometry\": {\"cylinders\": %u, \"heads\": %u, "
		       "\"sectors\": %u, \"sector_size\": %u},\n"
		       "  \"dummy\": %u,\n  \"disk_size\": %" PRIu64 ",\n"
		       "  \"block_size\": %u,\n  \"block_extra\": %u,\n"
		       "  \"blocks\": %u,\n  \"blocks_allocated\": %u,\n",
		       h->off_blocks, h->off_data, h->legacy.cylinders,
		       h->legacy.heads, h->legacy.sectors, h->legacy.sector_size,
		       h->dummy, h->disk_size, h->block_size, h->block_extra,
		       h->blocks, h->allocated);
		printf("  \"uuid_create\": \"%s\",\n  \"uuid_modify\": \"%s\",\n"
		       "  \"uuid_link\": \"%s\",\n  \"uuid_parent_modify\": \"%s\",\n",
		       uc, um, ul, up);
		if (h->has_lchs)
			printf("  \"lchs_geometry\": {\"cylinders\": %u, \"heads\": %u, "
			       "\"sectors\": %u, \"sector_size\": %u},\n",
			       h->lchs.cylinders, h->lchs.heads, h->lchs.sectors,
			       h->lchs.sector_size);
		printf("  \"blocks_mapped\": %u,\n  \"blocks_zero\": %u,\n"
		       "  \"allocated_bytes\": %" PRIu64 ",\n"
		       "  \"file_size\": %" PRIu64 ",\n  \"used_bytes\": %" PRIu64 "\n}\n",
		       f.info.referenced, f.info.zero, alloc_bytes, f.size, used);
	} else {
		printf("file:              %s\n", path);
		printf("text:              ");
		text_str(h->text, VDI_TEXT_LEN);
		printf("\nsignature:         0x%08x\n", VDI_SIGNATURE);
		printf("version:           %u.%u\n", h->version >> 16,
		       h->version & 0xffff);
		printf("header size:       0x%x\n", h->header_size);
		printf("type:              %u (%s)\n", h->type, type_name(h->type));
		printf("flags:             0x%x\n", h->flags);
		printf("comment:           ");
		text_str(h->comment, VDI_COMMENT_LEN);
		printf("\nblock map offset:  0x%x\n", h->off_blocks);
		printf("data offset:       0x%x\n", h->off_data);
		printf("legacy geometry:   %u/%u/%u, %u-byte sectors\n",
		       h->legacy.cylinders, h->legacy.heads, h->legacy.sectors,
		       h->legacy.sector_size);
		printf("dummy:             %u\n", h->dummy);
		printf("disk size:         %" PRIu64 " bytes\n", h->disk_size);
		printf("block size:        %u\n", h->block_size);
		printf("block extra:       %u\n", h->block_extra);
		printf("blocks:            %u\n", h->blocks);
		printf("blocks allocated:  %u\n", h->allocated);
		printf("uuid create:       %s\n", uc);
		printf("uuid modify:       %s\n", um);
		printf("uuid link:         %s\n", ul);
		printf("uuid parent mod:   %s\n", up);
		if (h->has_lchs)
			printf("LCHS geometry:     %u/%u/%u, %u-byte sectors\n",
			       h->lchs.cylinders, h->lchs.heads, h->lchs.sectors,
			       h->lchs.sector_size);
		printf("blocks mapped:     %u (%u zero)\n", f.info.referenced,
		       f.info.zero);
		printf("allocated bytes:   %" PRIu64 "\n", alloc_bytes);
		printf("file size:         %" PRIu64 "\n", f.size);
		printf("used bytes:        %" PRIu64 " (on the host disk)\n", used);
	}
	vf_close(&f);
	return 0;
}

static int cmd_vdi_check(const char *path)
{
	struct vdi_file f;
	int rc;

	if (vf_open(&f, path, false))
		return CHECK_ERROR;
	if (f.err) {
		print_vdi_error(&f);
		vf_close(&f);
		return CHECK_CORRUPT;
	}
	rc = CHECK_CLEAN;
	if (f.info.holes)
		printf("Leaked: %u unused data blocks below the last (first %u)\n",
		       f.info.holes, f.info.hole_first);
	if (f.info.leaked_slots)
		printf("Leaked: header counts %u allocated blocks, the map uses %u%s\n",
		       f.h.allocated, f.info.referenced, f.info.holes ? "" :
		       " (a crash during an allocation: the next read-write open"
		       " by vmmctl run repairs it)");
	if (f.info.leaked_tail)
		printf("Leaked: %" PRIu64 " bytes at the end of the file\n",
		       f.info.leaked_tail);
	if (f.info.holes || f.info.leaked_slots || f.info.leaked_tail) {
		printf("Leaks found: run vmmctl vdi compact %s\n", path);
		rc = CHECK_LEAKS;
	} else {
		printf("No errors were found on the image.\n");
	}
	printf("%u/%u = %.2f%% allocated\n", f.info.referenced, f.h.blocks,
	       100.0 * f.info.referenced / f.h.blocks);
	vf_close(&f);
	return rc;
}

static int random_uuid(u8 *u)
{
	if (getrandom(u, 16, 0) != 16)
		return -1;
	u[7] = (u[7] & 0x0f) | 0x40;	/* version 4, stored LE */
	u[8] = (u[8] & 0x3f) | 0x80;
	return 0;
}

static int cmd_vdi_create(const char *path, u64 size, bool fixed,
			  bool qemu_layout, u32 block_size, u32 block_extra)
{
	struct vdi_create_params p = {
		.disk_size = size,
		.block_size = block_size,
		.block_extra = block_extra,
		.fixed = fixed,
		.layout_vbox = !qemu_layout,
	};
	struct vdi_header h;
	u8 buf[VDI_HEADER_BUF] = { 0 };
	u32 *map = NULL;
	u64 end;
	int fd, r, n;

	if (random_uuid(p.uuid_create) || random_uuid(p.uuid_modify)) {
		err_msg("getrandom: %s", strerror(errno));
		return EXIT_HOST_ERROR;
	}
	r = vdi_header_init(&h, &p);
	if (r) {
		usage_error("vdi create: %s", vdi_strerror(r));
		return EXIT_USAGE;
	}
	map = malloc(vdi_map_bytes(&h));
	if (!map) {
		err_msg("out of memory");
		return EXIT_HOST_ERROR;
	}
	vdi_map_init(&h, map);
	vdi_map_swab(map, h.blocks);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		err_msg("%s: %s", path, strerror(errno));
		free(map);
		return EXIT_HOST_ERROR;
	}
	n = vdi_header_write(&h, buf);
	end = fixed ? vdi_slot_offset(&h, h.blocks) : h.off_data;
	r = full_pwrite(fd, buf, n, 0);
	if (!r)
		r = full_pwrite(fd, map, vdi_map_bytes(&h), h.off_blocks);
	if (!r && ftruncate(fd, (off_t)end))
		r = -errno;
	if (!r && fixed && fallocate(fd, 0, h.off_data, end - h.off_data) &&
	    errno != EOPNOTSUPP)
		r = -errno;
	if (!r && fsync(fd))
		r = -errno;
	free(map);
	close(fd);
	if (r) {
		err_msg("%s: %s", path, strerror(-r));
		unlink(path);
		return EXIT_HOST_ERROR;
	}
	return 0;
}

/* Read one whole virtual block (zeros if unallocated). */
static int read_block(struct vdi_file *f, u32 vblock, u8 *buf)
{
	u32 e = f->img.map[vblock];

	if (!vdi_map_allocated(e)) {
		memset(buf, 0, f->h.block_size);
		return 0;
	}
	return full_pread(f->fd, buf, f->h.block_size,
			  vdi_slot_offset(&f->img.h, e) + f->h.block_extra);
}

static int cmd_vdi_cat(const char *path)
{
	struct vdi_file f;
	u64 off = 0;
	u8 *buf;
	int r = vf_open_good(&f, path, false);

	if (r)
		return r;
	buf = malloc(f.h.block_size);
	if (!buf) {
		vf_close(&f);
		return host_fail(&f, "malloc", ENOMEM);
	}
	while (off < f.h.disk_size) {
		u64 phys = 0;
		u32 len;
		int k = vdi_lookup(&f.img, off, &phys, &len);

		if (k == VDI_LK_DATA)
			r = full_pread(f.fd, buf, len, phys);
		else
			memset(buf, 0, len);
		if (!r && fwrite(buf, 1, len, stdout) != len)
			r = -EIO;
		if (r)
			break;
		off += len;
	}
	free(buf);
	vf_close(&f);
	if (r || fflush(stdout))
		return host_fail(&f, "cat", r ? r : EIO);
	return 0;
}

/*
 * Write len bytes at the disk offset off, as the kernel backend does
 * (vdi.h, vdi_alloc_reserve): in place in allocated blocks, else a new
 * slot written whole, the count, fsync, then the map entry.
 */
static int vf_write(struct vdi_file *f, u64 off, const u8 *data, u64 len,
		    u8 *blockbuf)
{
	struct vdi_image *img = &f->img;

	while (len) {
		u64 phys = 0;
		u32 n;
		int k = vdi_lookup(img, off, &phys, &n), r;
		struct vdi_alloc_plan p;

		if (k < 0)
			return -ERANGE;
		if (n > len)
			n = len;
		if (k == VDI_LK_DATA) {
			r = full_pwrite(f->fd, data, n, phys);
			if (r)
				return r;
		} else {
			u64 in_block = off & (f->h.block_size - 1);

			r = vdi_alloc_reserve(img, (u32)(off >> img->shift), &p);
			if (r)
				return -ENOSPC;
			memset(blockbuf, 0, p.slot_len);
			memcpy(blockbuf + f->h.block_extra + in_block, data, n);
			r = full_pwrite(f->fd, blockbuf, p.slot_len, p.slot_off);
			if (!r && p.header_dirty)
				r = put_u32_at(f, p.count_off, p.new_allocated);
			if (!r)
				r = fdatasync(f->fd) ? -errno : 0;
			if (!r)
				r = put_u32_at(f, p.map_off, p.phys);
			if (r) {
				vdi_alloc_abort(img, &p);
				return r;
			}
			vdi_alloc_commit(img, &p);
		}
		off += n;
		data += n;
		len -= n;
	}
	return 0;
}

static int cmd_vdi_write(const char *path, u64 off)
{
	struct vdi_file f;
	size_t cap = 1 << 20, len = 0;
	u8 *data = malloc(cap), *blk;
	int r;

	if (!data)
		return EXIT_HOST_ERROR;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			u8 *d = realloc(data, cap * 2);

			if (!d) {
				free(data);
				return EXIT_HOST_ERROR;
			}
			data = d;
			cap *= 2;
		}
		n = read(0, data + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_msg("stdin: %s", strerror(errno));
			free(data);
			return EXIT_HOST_ERROR;
		}
		if (n == 0)
			break;
		len += n;
	}
	r = vf_open_good(&f, path, true);
	if (r) {
		free(data);
		return r;
	}
	if (off > f.h.disk_size || len > f.h.disk_size - off) {
		err_msg("%s: write beyond the disk size %" PRIu64, path,
			f.h.disk_size);
		free(data);
		vf_close(&f);
		return EXIT_USAGE;
	}
	blk = malloc(vdi_slot_size(&f.h));
	r = blk ? vf_write(&f, off, data, len, blk) : -ENOMEM;
	if (!r)
		r = vf_sync(&f);
	free(blk);
	free(data);
	if (r) {
		host_fail(&f, "write", r);
		vf_close(&f);
		return EXIT_HOST_ERROR;
	}
	vf_close(&f);
	return 0;
}

/* Discard or hole fill by the plan's steps (vdi.h, vdi_discard_plan). */
static int run_discard(struct vdi_file *f, const struct vdi_discard_plan *p,
		       u8 *slotbuf)
{
	struct vdi_image *img = &f->img;
	int r;

	if (p->vblock != VDI_MAP_FREE) {
		r = put_u32_at(f, p->map_off_vblock, VDI_MAP_ZERO);
		if (!r)
			r = vf_sync(f);
		if (r)
			return r;
		vdi_discard_unmap(img, p);
	}
	if (p->move) {
		r = full_pread(f->fd, slotbuf, p->slot_len, p->src_off);
		if (!r)
			r = full_pwrite(f->fd, slotbuf, p->slot_len, p->dst_off);
		if (!r)
			r = vf_sync(f);
		if (!r)
			r = put_u32_at(f, p->map_off_last, p->hole);
		if (!r)
			r = vf_sync(f);
		if (r)
			return r;
		vdi_discard_moved(img, p);
	}
	r = put_u32_at(f, p->count_off, p->new_allocated);
	if (!r)
		r = vf_sync(f);
	if (r)
		return r;
	vdi_discard_done(img, p);
	if (ftruncate(f->fd, (off_t)p->new_file_size))
		return -errno;
	return 0;
}

static int cmd_vdi_discard(const char *path, u64 off, u64 len)
{
	struct vdi_file f;
	struct vdi_discard_plan p;
	u64 first, end;
	u8 *slot;
	int r = vf_open_good(&f, path, true);

	if (r)
		return r;
	if (off > f.h.disk_size || len > f.h.disk_size - off) {
		err_msg("%s: discard beyond the disk size", path);
		vf_close(&f);
		return EXIT_USAGE;
	}
	slot = malloc(vdi_slot_size(&f.h));
	first = (off + f.h.block_size - 1) >> f.img.shift;
	end = (off + len) >> f.img.shift;
	for (r = 0; slot && !r && first < end; first++) {
		if (!vdi_map_allocated(f.img.map[first]))
			continue;
		r = vdi_discard_plan(&f.img, (u32)first, &p);
		if (r) {
			err_msg("%s: discard: %s", path, vdi_strerror(r));
			break;
		}
		r = run_discard(&f, &p, slot);
		if (r)
			host_fail(&f, "discard", r);
	}
	free(slot);
	vf_close(&f);
	return !slot || r ? EXIT_HOST_ERROR : 0;
}

static bool all_zero(const u8 *b, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static int cmd_vdi_compact(const char *path)
{
	struct vdi_file f;
	struct vdi_discard_plan p;
	struct vdi_image *img;
	u32 i, freed = 0, moved = 0;
	u64 before;
	u8 *slot;
	int r = vf_open_good(&f, path, true);

	if (r)
		return r;
	img = &f.img;
	if (f.h.type == VDI_TYPE_FIXED) {
		err_msg("%s: compact: %s", path, vdi_strerror(VDI_E_FIXED));
		vf_close(&f);
		return EXIT_USAGE;
	}
	before = f.size;
	slot = malloc(vdi_slot_size(&f.h));
	if (!slot) {
		vf_close(&f);
		return EXIT_HOST_ERROR;
	}
	r = 0;
	/* 1. holes first (leaks below the last slot), filled from the end */
	for (i = 0; !r && i < img->next; ) {
		if (img->rev[i] != VDI_MAP_FREE) {
			i++;
			continue;
		}
		r = vdi_fill_hole_plan(img, i, &p);
		if (!r)
			r = run_discard(&f, &p, slot);
		moved++;
	}
	/* 2. blocks of zeros back to ZERO, holes filled from the end */
	for (i = 0; !r && i < f.h.blocks; i++) {
		if (!vdi_map_allocated(img->map[i]))
			continue;
		r = read_block(&f, i, slot);
		if (r || !all_zero(slot, f.h.block_size))
			continue;
		r = vdi_discard_plan(img, i, &p);
		if (!r)
			r = run_discard(&f, &p, slot);
		freed++;
	}
	/* 3. a header count ahead of the map, bytes beyond the last slot */
	if (!r && img->h.allocated != img->next) {
		r = put_u32_at(&f, vdi_allocated_offset(&img->h), img->next);
		if (!r)
			r = vf_sync(&f);
		img->h.allocated = img->next;
	}
	if (!r && ftruncate(f.fd, (off_t)vdi_slot_offset(&img->h, img->next)))
		r = -errno;
	if (!r)
		r = vf_sync(&f);
	free(slot);
	if (r) {
		if (r > 0)
			err_msg("%s: compact: %s", path, vdi_strerror(r));
		else
			host_fail(&f, "compact", r);
		vf_close(&f);
		return EXIT_HOST_ERROR;
	}
	printf("%s: %u zero blocks freed, %u holes filled, %" PRIu64 " -> %" PRIu64
	       " bytes\n", path, freed, moved, before,
	       vdi_slot_offset(&img->h, img->next));
	vf_close(&f);
	return 0;
}

static int cmd_vdi_resize(const char *path, u64 size)
{
	struct vdi_file f;
	struct vdi_resize_plan p;
	struct vdi_image *img;
	struct vdi_header oh;
	u32 *nmap = NULL, i, k;
	u8 *slot = NULL;
	int r = vf_open_good(&f, path, true);

	if (r)
		return r;
	img = &f.img;
	oh = img->h;
	r = vdi_resize_plan(img, size, &p);
	if (r) {
		err_msg("%s: resize: %s", path, vdi_strerror(r));
		vf_close(&f);
		return EXIT_USAGE;
	}
	nmap = malloc(4ull * p.new_h.blocks);
	slot = malloc(img->slot);
	if (!nmap || !slot) {
		r = -ENOMEM;
		goto out;
	}
	k = p.nr_moved;
	if (p.relocate) {
		/* 1. the front slots to the end; the count first (ahead) */
		for (i = 0; i < p.moving; i++) {
			r = full_pread(f.fd, slot, img->slot,
				       vdi_slot_offset(&oh, i));
			if (!r)
				r = full_pwrite(f.fd, slot, img->slot,
						vdi_slot_offset(&oh, p.move_base + i));
			if (r)
				goto out;
		}
		if (!r)
			r = vf_sync(&f);
		if (!r && p.crash_safe && oh.allocated < p.move_base + p.moving)
			r = put_u32_at(&f, vdi_allocated_offset(&oh),
				       p.move_base + p.moving);
		if (!r)
			r = vf_sync(&f);
		/* 2. their entries in the old map (if it can name them) */
		for (i = 0; !r && i < p.moving; i++) {
			u32 vb = img->rev[i];

			if (vb == VDI_MAP_FREE)
				continue;
			if (p.crash_safe)
				r = put_u32_at(&f, vdi_map_entry_offset(&oh, vb),
					       p.move_base + i);
			img->map[vb] = p.move_base + i;
		}
		if (!r)
			r = vf_sync(&f);
		if (r)
			goto out;
	}
	/* 3. the new map: renumbered, new entries free */
	for (i = 0; i < p.new_h.blocks; i++) {
		u32 e = i < oh.blocks ? img->map[i] : VDI_MAP_FREE;

		if (p.relocate && vdi_map_allocated(e))
			e -= k;
		nmap[i] = e;
	}
	vdi_map_swab(nmap, p.new_h.blocks);
	if (p.relocate)
		r = full_pwrite(f.fd, nmap, 4ull * p.new_h.blocks,
				p.new_h.off_blocks);
	else
		r = full_pwrite(f.fd, nmap + oh.blocks,
				4ull * (p.new_h.blocks - oh.blocks),
				vdi_map_entry_offset(&oh, oh.blocks));
	if (!r)
		r = vf_sync(&f);
	/* 4. the switch: one header write */
	if (!r)
		r = write_header(&f, &p.new_h);
	if (!r)
		r = vf_sync(&f);
	/* 5. a relocated map leaves the moved slots' old copies beyond the end */
	if (!r && p.relocate &&
	    ftruncate(f.fd, (off_t)vdi_slot_offset(&p.new_h, p.new_h.allocated)))
		r = -errno;
out:
	free(nmap);
	free(slot);
	if (r) {
		host_fail(&f, "resize", r);
		vf_close(&f);
		return EXIT_HOST_ERROR;
	}
	vf_close(&f);
	return 0;
}

/* ------------------------------------------------------------------ */

const char usage_vdi[] =
"Usage: vmmctl vdi create [--fixed] FILE SIZE\n"
"       vmmctl vdi info FILE [--json]\n"
"       vmmctl vdi check FILE\n"
"       vmmctl vdi compact FILE\n"
"       vmmctl vdi resize FILE SIZE\n"
"\n"
"VirtualBox VDI disk images (dynamic and fixed; both VirtualBox's layout\n"
"and qemu-img's are read, by the header's own offsets; any block size and\n"
"block extra VirtualBox accepts). Differencing and undo images are refused.\n"
"Conversion to and from other formats: qemu-img convert.\n"
"\n"
"  create   a new image of SIZE bytes (K, M, G, T suffixes), in\n"
"           VirtualBox's layout (header 0x190, block map and data 1 MiB-\n"
"           aligned), 1 MiB blocks; dynamic unless --fixed\n"
"  info     every header field, the UUIDs, allocated and used bytes\n"
"  check    validate the header and the block map (entries in range, no\n"
"           block used twice, allocated count, file size) and find leaks;\n"
"           exit status 0 clean, 2 corrupt, 3 leaks only, 1 error\n"
"  compact  free blocks full of zeros, fill holes from the end, truncate\n"
"  resize   grow the disk to SIZE (not fixed images); blocks in the way of\n"
"           a larger map move to the end of the file\n"
"\n"
"A bad image gets an error (exit status 2) and is never modified. An image\n"
"being modified is locked (flock) against other writers.\n";

static int vdi_size_arg(const char *s, u64 *out)
{
	if (parse_u64(s, true, out) || !*out) {
		usage_error("vdi: invalid size '%s'", s);
		return -1;
	}
	return 0;
}

int vdi_main(int argc, char **argv)
{
	const char *sub, *args[3] = { NULL, NULL, NULL };
	bool fixed = false, json = false, qemu_layout = false;
	u64 block_size = 0, block_extra = 0, a, b;
	int i, nargs = 0;

	if (argc < 2) {
		usage_error("vdi: missing subcommand");
		return EXIT_USAGE;
	}
	sub = argv[1];
	if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
		fputs(usage_vdi, stdout);
		return 0;
	}
	for (i = 2; i < argc; i++) {
		const char *s = argv[i];

		if (!strcmp(s, "--fixed")) {
			fixed = true;
		} else if (!strcmp(s, "--json") || !strcmp(s, "-j")) {
			json = true;
		} else if (!strcmp(s, "--qemu-layout")) {	/* for the tests */
			qemu_layout = true;
		} else if (!strncmp(s, "--block-size=", 13)) {	/* for the tests */
			if (parse_u64(s + 13, true, &block_size) || block_size > UINT32_MAX) {
				usage_error("vdi: invalid block size '%s'", s + 13);
				return EXIT_USAGE;
			}
		} else if (!strncmp(s, "--block-extra=", 14)) {	/* for the tests */
			if (parse_u64(s + 14, true, &block_extra) || block_extra > UINT32_MAX) {
				usage_error("vdi: invalid block extra '%s'", s + 14);
				return EXIT_USAGE;
			}
		} else if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
			fputs(usage_vdi, stdout);
			return 0;
		} else if (s[0] == '-' && s[1]) {
			usage_error("vdi %s: unknown option '%s'", sub, s);
			return EXIT_USAGE;
		} else if (nargs < 3) {
			args[nargs++] = s;
		} else {
			usage_error("vdi %s: unexpected argument '%s'", sub, s);
			return EXIT_USAGE;
		}
	}
	if ((fixed || qemu_layout || block_size || block_extra) &&
	    strcmp(sub, "create")) {
		usage_error("vdi %s: --fixed, --qemu-layout, --block-size and "
			    "--block-extra are options of create", sub);
		return EXIT_USAGE;
	}
	if (json && strcmp(sub, "info")) {
		usage_error("vdi %s: --json is an option of info", sub);
		return EXIT_USAGE;
	}
#define NARGS(n) do { if (nargs != (n)) { \
		usage_error("vdi %s: needs %d argument%s", sub, (n), (n) > 1 ? "s" : ""); \
		return EXIT_USAGE; } } while (0)
	if (!strcmp(sub, "create")) {
		NARGS(2);
		if (vdi_size_arg(args[1], &a))
			return EXIT_USAGE;
		return cmd_vdi_create(args[0], a, fixed, qemu_layout,
				      (u32)block_size, (u32)block_extra);
	}
	if (!strcmp(sub, "info")) {
		NARGS(1);
		return cmd_vdi_info(args[0], json);
	}
	if (!strcmp(sub, "check")) {
		NARGS(1);
		return cmd_vdi_check(args[0]);
	}
	if (!strcmp(sub, "compact")) {
		NARGS(1);
		return cmd_vdi_compact(args[0]);
	}
	if (!strcmp(sub, "resize")) {
		NARGS(2);
		if (vdi_size_arg(args[1], &a))
			return EXIT_USAGE;
		return cmd_vdi_resize(args[0], a);
	}
	/* for the tests: the reader, the writer and discard */
	if (!strcmp(sub, "cat")) {
		NARGS(1);
		return cmd_vdi_cat(args[0]);
	}
	if (!strcmp(sub, "write")) {
		NARGS(2);
		if (parse_u64(args[1], true, &a)) {
			usage_error("vdi write: invalid offset '%s'", args[1]);
			return EXIT_USAGE;
		}
		return cmd_vdi_write(args[0], a);
	}
	if (!strcmp(sub, "discard")) {
		NARGS(3);
		if (parse_u64(args[1], true, &a) || parse_u64(args[2], true, &b)) {
			usage_error("vdi discard: invalid offset or length");
			return EXIT_USAGE;
		}
		return cmd_vdi_discard(args[0], a, b);
	}
#undef NARGS
	usage_error("vdi: unknown subcommand '%s'", sub);
	return EXIT_USAGE;
}
