#!/bin/bash
# Install every Debian package the project needs to build and test. Safe to
# run again: a fast no-op when everything is there; `apt-get update` only
# when something is missing. Runs as root, or through sudo.
set -euo pipefail

PKGS=(
	build-essential gcc make libc6-dev kmod	# module, vmmctl, static test programs
	linux-image-amd64 linux-headers-amd64	# kernel to build against and to boot in the test host
	qemu-system-x86 qemu-utils seabios	# the AMD-V test host (QEMU TCG)
	busybox-static cpio gzip xz-utils zstd	# its initramfs
	bochs bochs-term bochsbios vgabios	# the VT-x test host (Bochs; bochs-term spares bochs-wx's GTK)
	isolinux syslinux-common xorriso	# its boot CD
	sparse					# make sparse
	acpica-tools				# iasl: vmmctl's DSDT
	clang					# libFuzzer builds (tests/fuzz)
	7zip					# second reader for disk images
	grub-pc-bin grub-common mtools		# GRUB test ISO (grub-mkrescue)
	extlinux				# the installer ISO puts it on the disk it installs
	dkms debhelper dh-dkms dpkg-dev fakeroot lintian	# DKMS, make deb, its checks
	bash-completion man-db			# tests of the completion and vmmctl(1)
)

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		echo "setup: not root and no sudo; cannot install packages" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive

installed() { # PKG: 0 if installed
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

updated=0
install() { # PKG...
	echo "setup: installing: $*"
	if [ $updated = 0 ]; then
		$SUDO apt-get update -q
		updated=1
	fi
	$SUDO apt-get install -y -q --no-install-recommends "$@"
}

missing=()
for p in "${PKGS[@]}"; do
	installed "$p" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] || install "${missing[@]}"

# The newest kernel in /lib/modules is what the Makefile builds against and
# the test host boots: it needs both its image and its headers.
kver=$(ls /lib/modules 2>/dev/null | sort -V | tail -n1)
if [ -z "$kver" ]; then
	echo "setup: no kernel in /lib/modules after installing linux-image-amd64" >&2
	exit 1
fi
need=()
[ -r "/boot/vmlinuz-$kver" ] || need+=("linux-image-$kver")
[ -e "/lib/modules/$kver/build/Makefile" ] || need+=("linux-headers-$kver")
[ ${#need[@]} -eq 0 ] || install "${need[@]}"
for f in "/boot/vmlinuz-$kver" "/lib/modules/$kver/build/Makefile"; do
	[ -e "$f" ] || { echo "setup: $f missing for kernel $kver" >&2; exit 1; }
done
if [ ! -r "/boot/vmlinuz-$kver" ]; then
	echo "setup: /boot/vmlinuz-$kver is not readable" >&2
	exit 1
fi
[ ${#missing[@]} -eq 0 ] && [ ${#need[@]} -eq 0 ] && echo "setup: all packages present (kernel $kver)"
exit 0
