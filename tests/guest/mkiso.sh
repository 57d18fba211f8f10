#!/bin/bash
# Build a bootable test ISO from Debian packages:
#   tests/guest/mkiso.sh OUT.iso isolinux|grub
# Debian's kernel, a busybox initramfs (iso-init as /init, the SATA, CD,
# virtio-blk and ext4 (also ext2) modules, diskcheck + disktest,
# install-disk with EXTLINUX and mkfs.ext4) and /check/data.bin with its
# sha256.
# ISOLINUX (xorriso, El Torito no-emulation, isohybrid MBR) or GRUB
# (grub-mkrescue); both also boot as hard disks. ISO_KERNEL=pvh: the
# lighter ISOs of the VT-x host (below).
set -euo pipefail
out=${1:?usage: $0 OUT.iso isolinux|grub}
loader=${2:?usage: $0 OUT.iso isolinux|grub}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
KVER=${KVER:-$(ls /lib/modules 2>/dev/null | sort -V | tail -n1)}
warn() { echo "mkiso: warning: $*" >&2; }
. "$top/tests/lib/kmods.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/initrd iso=$work/iso
mkdir -p "$root"/{bin,dev,proc,sys,tmp,etc,lib/modules} "$iso"/{boot,check}

install -m 0755 "$(command -v busybox)" "$root/bin/busybox"
install -m 0755 "$here/iso-init" "$root/init"
install -m 0755 "$here/disktest" "$root/bin/disktest"
install -m 0755 "$here/install-disk" "$root/bin/install-disk"
# What install-disk needs beyond busybox: EXTLINUX (and the C library it
# links) and syslinux's MBR boot code.
if [ -x /usr/bin/extlinux ] && [ -f /usr/lib/syslinux/mbr/mbr.bin ]; then
	install -m 0755 /usr/bin/extlinux "$root/bin/extlinux"
	for lib in $(ldd /usr/bin/extlinux | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
	mkdir -p "$root/usr/lib/syslinux"
	cp /usr/lib/syslinux/mbr/mbr.bin "$root/usr/lib/syslinux/"
else
	warn "extlinux or syslinux's mbr.bin missing: no install-disk (apt-get install extlinux syslinux-common)"
fi
# mkfs.ext4 for install-disk: e2fsprogs' mke2fs (busybox's makes ext2
# only), its libraries and configuration
if mke2fs=$(command -v mke2fs.e2fsprogs || ls /sbin/mke2fs /usr/sbin/mke2fs 2>/dev/null | head -n 1) &&
   [ -n "$mke2fs" ]; then
	install -m 0755 "$mke2fs" "$root/bin/mkfs.ext4"
	for lib in $(ldd "$mke2fs" | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
	[ -f /etc/mke2fs.conf ] && cp /etc/mke2fs.conf "$root/etc/"
else
	warn "e2fsprogs' mke2fs missing: install-disk makes ext2 (apt-get install e2fsprogs)"
fi
gcc -O2 -Wall -Wextra -Werror -static -pthread -o "$root/bin/diskcheck" "$here/diskcheck.c"
echo "$loader" >"$root/etc/bootloader"
kmods_reset
kmods_add "$root/lib/modules" ahci crct10dif_generic crc64_rocksoft_generic sd_mod sr_mod isofs \
	virtio_pci virtio_blk virtio_balloon crc32c_generic ext2
printf '%s\n' "${kmods_order[@]}" >"$root/lib/modules/load-order"
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet) | gzip -1 >"$iso/boot/initrd.gz"
# ISO_KERNEL=pvh: the lighter ISOs for the VT-x host (Bochs): the same
# kernel as tests/host/bochs/mkpvh.sh's multiboot image (entered at its
# PVH entry point), gzipped, loaded by syslinux's mboot.c32 or GRUB's
# multiboot2, which inflate it; that skips the kernel's own XZ
# decompressor, some 50 s of a Linux guest's boot there (measured: 96 s to
# the ISO's shell instead of 147 s), and gzip keeps the ISO, which the test
# host's initramfs carries, near the bzImage's size. bzimage (the
# default): Debian's bzImage.
kernel=${ISO_KERNEL:-bzimage}
case $kernel in
bzimage)
	install -m 0644 "/boot/vmlinuz-$KVER" "$iso/boot/vmlinuz" ;;
pvh)
	"$top/tests/host/bochs/mkpvh.sh" "/boot/vmlinuz-$KVER" "$work/vmlinux.mb"
	gzip -9 -c "$work/vmlinux.mb" >"$iso/boot/vmlinux.mb.gz"
	rm -f "$work/vmlinux.mb" ;;
*)
	echo "mkiso: ISO_KERNEL must be bzimage or pvh" >&2; exit 2 ;;
esac
head -c $((1536 * 1024)) /dev/urandom >"$iso/check/data.bin"
(cd "$iso/check" && sha256sum data.bin >data.sha256)

append="console=ttyS0 panic=-1 loglevel=4"
case $loader in
isolinux)
	mkdir -p "$iso/isolinux"
	cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$iso/isolinux/"
	if [ "$kernel" = pvh ]; then
		cp /usr/lib/syslinux/modules/bios/mboot.c32 /usr/lib/syslinux/modules/bios/libcom32.c32 "$iso/isolinux/"
		kline="KERNEL mboot.c32
  APPEND /boot/vmlinux.mb.gz $append --- /boot/initrd.gz"
	else
		kline="KERNEL /boot/vmlinuz
  APPEND initrd=/boot/initrd.gz $append"
	fi
	cat >"$iso/isolinux/isolinux.cfg" <<CFG
DEFAULT check
PROMPT 0
TIMEOUT 1
LABEL check
  $kline
CFG
	# isohybrid: the same image also boots as a disk (MBR), which is
	# how the storage suite has SeaBIOS boot from a virtio-blk disk.
	xorriso -as mkisofs -quiet -o "$out.tmp" -V VMMTEST -J -R \
		-isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin \
		-b isolinux/isolinux.bin -c isolinux/boot.cat \
		-no-emul-boot -boot-load-size 4 -boot-info-table "$iso"
	;;
grub)
	mkdir -p "$iso/boot/grub"
	# GRUB's own output also on the serial port: SeaBIOS's serial
	# console may keep the last line of int 10h text unsent when GRUB
	# jumps to the kernel.
	# The PVH image through multiboot2 (GRUB's multiboot, version 1,
	# wants VBE, which a PC without VGA lacks); GRUB inflates it (gzio),
	# the initramfs goes as it is (--nounzip)
	if [ "$kernel" = pvh ]; then
		kline="insmod gzio
  multiboot2 /boot/vmlinux.mb.gz $append
  module2 --nounzip /boot/initrd.gz"
	else
		kline="linux /boot/vmlinuz $append
  initrd /boot/initrd.gz"
	fi
	cat >"$iso/boot/grub/grub.cfg" <<CFG
serial --unit=0 --speed=115200
terminal_output --append serial
set timeout=0
set default=0
menuentry "check" {
  $kline
  echo "GRUB-LOADED kernel and initrd"
}
CFG
	grub-mkrescue -d /usr/lib/grub/i386-pc -o "$out.tmp" "$iso" 2>"$work/grub.log" ||
		{ cat "$work/grub.log" >&2; exit 1; }
	;;
*)
	echo "mkiso: unknown boot loader '$loader' (isolinux or grub)" >&2
	exit 2
	;;
esac
mv "$out.tmp" "$out"
echo "mkiso: $out ($(du -h "$out" | cut -f1), $loader; modules: ${kmods_order[*]})" >&2
