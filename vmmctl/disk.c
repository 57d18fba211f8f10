// SPDX-License-Identifier: GPL-2.0
/*
 * The PC's disks: checked and opened by vmmctl (so that the user's own
 * permissions decide what a VM may read and write), handed to the kernel
 * by fd (VMM_ATTACH_DISK), which serves them from then on. The AHCI
 * controller sits at 00:03.0; port i holds the i-th AHCI disk (an --iso
 * first); the i-th virtio-blk disk (if=virtio) is 00:(4 + i).0.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fs.h>

#include "vmmctl.h"
#include "disk.h"
#include "vdi.h"
#include "vdi_cmd.h"

#define AHCI_PCI_SLOT		3

/* One ",option" of --disk: 0, or -1 with a usage error printed. */
static int disk_option(const char *arg, const char *opt, size_t len,
		       struct disk_spec *d)
{
	char buf[32];
	char *end;
	unsigned long n;
	int r;

	r = limit_option("run: --disk", opt, len, &d->limit);
	if (r)
		return r < 0 ? -1 : 0;
	if (len >= sizeof(buf))
		goto bad;
	memcpy(buf, opt, len);
	buf[len] = 0;
	if (!strcmp(buf, "readonly") || !strcmp(buf, "ro")) {
		d->readonly = true;
	} else if (!strcmp(buf, "if=virtio")) {
		d->virtio = true;
	} else if (!strcmp(buf, "if=ahci")) {
		d->virtio = false;
	} else if (!strcmp(buf, "legacy=off")) {
		d->modern_only = true;
	} else if (!strcmp(buf, "legacy=on")) {
		d->modern_only = false;
	} else if (!strncmp(buf, "queues=", 7)) {
		n = strtoul(buf + 7, &end, 10);
		if (!buf[7] || *end || !n || n > VMM_DISK_VIRTIO_QUEUES) {
			usage_error("run: --disk %s: queues takes 1..%d", arg,
				    VMM_DISK_VIRTIO_QUEUES);
			return -1;
		}
		d->queues = n;
	} else {
		goto bad;
	}
	return 0;
bad:
	usage_error("run: --disk %s: unknown option '%.*s' (FILE[,readonly][,if=virtio|ahci][,queues=N][,legacy=off][,iops=N][,bps=N][,burst=MS])",
		    arg, (int)len, opt);
	return -1;
}

int disk_parse(const char *arg, struct disk_spec *d)
{
	const char *comma = strchr(arg, ',');
	static char paths[DISK_MAX][4096];
	static unsigned int next;
	const char *opt, *e;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	if (!comma) {
		d->path = arg;
		return 0;
	}
	for (opt = comma + 1; ; opt = e + 1) {
		e = strchr(opt, ',');
		if (!e)
			e = opt + strlen(opt);
		if (disk_option(arg, opt, e - opt, d))
			return -1;
		if (!*e)
			break;
	}
	if (d->queues && !d->virtio) {
		usage_error("run: --disk %s: queues= needs if=virtio", arg);
		return -1;
	}
	if (d->modern_only && !d->virtio) {
		usage_error("run: --disk %s: legacy=off needs if=virtio", arg);
		return -1;
	}
	if (comma == arg || (size_t)(comma - arg) >= sizeof(paths[0]) ||
	    next == DISK_MAX) {
		usage_error("run: --disk %s: bad file name", arg);
		return -1;
	}
	memcpy(paths[next], arg, comma - arg);
	paths[next][comma - arg] = 0;
	d->path = paths[next++];
	return 0;
}

/* An ISO 9660 volume has its primary volume descriptor at sector 16. */
static bool is_iso9660(int fd)
{
	unsigned char *pvd;
	bool ok;

	/* A whole aligned sector: the fd may be O_DIRECT. */
	if (posix_memalign((void **)&pvd, 4096, ISO_SECTOR))
		return false;
	ok = pread(fd, pvd, ISO_SECTOR, 16 * ISO_SECTOR) == ISO_SECTOR &&
	     pvd[0] == 1 && !memcmp(pvd + 1, "CD001", 5) && pvd[6] == 1;
	free(pvd);
	return ok;
}

/* A VDI image has its signature at 0x40: decided by content, not name. */
static bool is_vdi(int fd)
{
	unsigned char *hdr;
	bool ok;

	if (posix_memalign((void **)&hdr, 4096, 512))
		return false;
	ok = pread(fd, hdr, 512, 0) >= 0x44 &&
	     (hdr[0x40] | hdr[0x41] << 8 | hdr[0x42] << 16 |
	      (uint32_t)hdr[0x43] << 24) == VDI_SIGNATURE;
	free(hdr);
	return ok;
}

/*
 * One VM writes an image at a time, as QEMU and VirtualBox have it: an
 * exclusive lock on a writable drive, a shared one on a read-only drive.
 * The lock lives with the open file, which the kernel keeps while the VM
 * has the disk.
 */
static int disk_lock(const struct disk_spec *d, int fd)
{
	if (!flock(fd, (d->readonly ? LOCK_SH : LOCK_EX) | LOCK_NB))
		return 0;
	if (errno == EWOULDBLOCK)
		usage_error("run: %s %s: is in use by another VM (locked%s)",
			    d->cdrom ? "--iso" : "--disk", d->path,
			    d->readonly ? " for writing" : "");
	else
		usage_error("run: %s %s: cannot lock: %s",
			    d->cdrom ? "--iso" : "--disk", d->path,
			    strerror(errno));
	return -1;
}

static int disk_open_flags(const struct disk_spec *d, int extra)
{
	return (d->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | extra;
}

int disk_open(struct disk_spec *d)
{
	const char *what = d->cdrom ? "--iso" : "--disk";
	struct stat st;
	int fd;

	/* Direct I/O where the file system has it (not tmpfs). */
	fd = open(d->path, disk_open_flags(d, O_DIRECT));
	if (fd < 0 && errno == EINVAL)
		fd = open(d->path, disk_open_flags(d, 0));
	if (fd < 0) {
		if (errno == EACCES || errno == EROFS || errno == EPERM)
			usage_error("run: %s %s: %s%s", what, d->path,
				    strerror(errno), d->readonly ? "" :
				    " (not writable: add ,readonly to use it read-only)");
		else if (errno == EISDIR)
			usage_error("run: %s %s: is a directory", what, d->path);
		else
			usage_error("run: %s %s: %s", what, d->path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		usage_error("run: %s %s: %s", what, d->path, strerror(errno));
		goto bad;
	}
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &d->size) < 0) {
			usage_error("run: %s %s: cannot read the device's size: %s",
				    what, d->path, strerror(errno));
			goto bad;
		}
	} else if (S_ISREG(st.st_mode)) {
		d->size = st.st_size;
	} else {
		usage_error("run: %s %s: not a regular file or block device",
			    what, d->path);
		goto bad;
	}
	if (disk_lock(d, fd))
		goto bad;
	if (d->cdrom) {
		if (d->size < 17 * ISO_SECTOR || !is_iso9660(fd)) {
			usage_error("run: --iso %s: not an ISO 9660 image (no CD001 volume descriptor at sector 16)",
				    d->path);
			goto bad;
		}
	} else if (d->size < 512) {
		usage_error("run: --disk %s: %s", d->path, d->size ?
			    "smaller than one 512-byte sector" : "empty file");
		goto bad;
	} else if (S_ISREG(st.st_mode) && is_vdi(fd)) {
		d->vdi = true;
		if (vdi_check_for_run(d->path, what, &d->size))
			goto bad;
	}
	d->fd = fd;
	return 0;
bad:
	close(fd);
	return -1;
}

void disk_close(struct disk_spec *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

int disk_attach_all(int vm_fd, const struct disk_spec *disks, unsigned int n)
{
	unsigned int i, ahci = 0, virtio = 0;

	for (i = 0; i < n; i++) {
		const struct disk_spec *d = &disks[i];
		struct vmm_attach_disk a = {
			.fd = d->fd,
			.flags = (d->readonly ? VMM_DISK_READONLY : 0) |
				 (d->modern_only ? VMM_DISK_VIRTIO_MODERN : 0),
			.type = d->cdrom ? VMM_DISK_AHCI_CDROM :
				d->virtio ? VMM_DISK_VIRTIO_BLK : VMM_DISK_AHCI_DISK,
			.port = d->virtio ? virtio++ : ahci++,
			.queues = d->virtio ? d->queues : 0,
		};

		if (ioctl(vm_fd, VMM_ATTACH_DISK, &a) < 0) {
			err_msg("VMM_ATTACH_DISK %s: %s", d->path, strerror(errno));
			return -1;
		}
		if (d->limit.set) {
			struct vmm_disk_limit l;

			/* every disk vmmctl attaches has a file: index i */
			limit_to_uapi(&d->limit, 0, i, &l);
			if (ioctl(vm_fd, VMM_SET_DISK_LIMIT, &l) < 0) {
				err_msg("VMM_SET_DISK_LIMIT %s: %s", d->path,
					strerror(errno));
				return -1;
			}
		}
	}
	return 0;
}

/* Disk i's AHCI port or virtio-blk index: how many of its kind come before. */
static unsigned int disk_port(const struct disk_spec *disks, unsigned int i)
{
	unsigned int j, port = 0;

	for (j = 0; j < i; j++)
		port += disks[j].virtio == disks[i].virtio;
	return port;
}

size_t disk_bootorder(const struct disk_spec *disks, unsigned int n,
		      bool boot_disk, char *buf, size_t cap)
{
	size_t len = 0;
	unsigned int pass, i, port;

	if (cap)
		buf[0] = 0;
	for (pass = 0; pass < 2; pass++) {
		/* First pass: the kind that boots first. */
		bool want_cd = (pass == 0) != boot_disk;

		for (i = 0; i < n; i++) {
			int r;

			port = disk_port(disks, i);
			if (disks[i].cdrom != want_cd)
				continue;
			/* SeaBIOS names a virtio-blk disk by its function. */
			if (disks[i].virtio)
				r = snprintf(buf + len, cap - len, "/pci@i0cf8/*@%x\n",
					     VMM_DISK_VIRTIO_SLOT + port);
			else
				r = snprintf(buf + len, cap - len,
					     "/pci@i0cf8/*@%x/drive@%x/disk@0\n",
					     AHCI_PCI_SLOT, port);
			if (r < 0 || (size_t)r >= cap - len)
				return len;
			len += r;
		}
	}
	return len;
}
