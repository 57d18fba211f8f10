#!/bin/bash
# Install every Debian package the project needs to build and test. Safe to
# run again: a fast no-op when everything is there; `apt-get update` only
# when something is missing. Runs as root, or through sudo.
#
#   scripts/setup.sh        the packages below
#   scripts/setup.sh --rt   also the PREEMPT_RT kernel and its headers for
#                           tests/host/rt-test.sh, unpacked under RT_ROOT
#                           (default /opt/vmm-rt), not installed: an
#                           installed one would be the newest kernel in
#                           /lib/modules, which every build and test host
#                           picks by default
#   scripts/setup.sh --qemu also QEMU 10 from bookworm-backports for
#                           tests/host/smp-test.sh (the two-CPU AMD-V test
#                           host), unpacked under QEMU_ROOT (default
#                           /opt/vmm-qemu), not installed: the other test
#                           hosts stay on Debian 12's QEMU 7.2. Fetched
#                           through a sources list of its own (signed by
#                           the Debian archive key), so the system's apt
#                           sources are left as they are.
set -euo pipefail

want_rt=0 want_qemu=0
case "${1:-}" in
--rt) want_rt=1 ;;
--qemu) want_qemu=1 ;;
esac
RT_KVER=${RT_KVER:-6.1.0-57-rt-amd64}
RT_ROOT=${RT_ROOT:-/opt/vmm-rt}
QEMU_ROOT=${QEMU_ROOT:-/opt/vmm-qemu}
QEMU_SUITE=${QEMU_SUITE:-bookworm-backports}

PKGS=(
	build-essential gcc make libc6-dev kmod	# module, vmmctl, static test programs
	linux-image-amd64 linux-headers-amd64	# kernel to build against and to boot in the test host
	qemu-system-x86 qemu-utils seabios	# the AMD-V test host (QEMU TCG)
	socat					# its monitor, asked where a hung host is
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
	kexec-tools				# the kexec case of tests/host/down-test.sh
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

# The RT kernel: image, modules and headers unpacked under RT_ROOT. The
# headers' Makefile includes the common tree by absolute path, and their
# scripts link to the installed linux-kbuild (the same 6.1 one the
# stock headers use): both are pointed at what is here.
rt_hdr=$RT_ROOT/usr/src/linux-headers-$RT_KVER
if [ $want_rt = 1 ] && [ ! -e "$RT_ROOT/.complete-$RT_KVER" ]; then
	if [ $updated = 0 ]; then
		$SUDO apt-get update -q
		updated=1
	fi
	dl=$(mktemp -d)
	chmod 0755 "$dl"	# apt's _apt user writes the download here
	(cd "$dl" && apt-get download -q "linux-image-$RT_KVER" "linux-headers-$RT_KVER" \
		"linux-headers-${RT_KVER%-rt-amd64}-common-rt")
	$SUDO mkdir -p "$RT_ROOT"
	for d in "$dl"/*.deb; do $SUDO dpkg-deb -x "$d" "$RT_ROOT"; done
	rm -rf "$dl"
	$SUDO sed -i "s|^include /usr/src/|include $RT_ROOT/usr/src/|" "$rt_hdr/Makefile"
	$SUDO mkdir -p "$RT_ROOT/usr/lib"
	kb=$(readlink -f /usr/src/linux-headers-"$kver"/scripts)
	kb=${kb%/scripts}
	[ -d "$kb" ] || { echo "setup: linux-kbuild for $kver not found" >&2; exit 1; }
	$SUDO ln -sfn "$kb" "$RT_ROOT/usr/lib/$(basename "$kb")"
	$SUDO depmod -b "$RT_ROOT" "$RT_KVER"	# modules.dep, for modinfo -b
	$SUDO touch "$RT_ROOT/.complete-$RT_KVER"
	echo "setup: $RT_KVER unpacked in $RT_ROOT"
fi
if [ $want_rt = 1 ]; then
	for f in "$RT_ROOT/boot/vmlinuz-$RT_KVER" "$rt_hdr/Makefile"; do
		[ -e "$f" ] || { echo "setup: $f missing" >&2; exit 1; }
	done
fi

# QEMU from backports: its two packages unpacked under QEMU_ROOT, the
# libraries it links installed from the distribution (backports builds
# against them); apt's lists for that one suite kept in a directory of
# their own, removed after.
if [ $want_qemu = 1 ] && [ ! -e "$QEMU_ROOT/.complete" ]; then
	ad=$(mktemp -d)
	trap '$SUDO rm -rf "$ad"' EXIT
	chmod 0755 "$ad"	# apt's _apt user fetches into it
	mkdir -p "$ad/lists/partial" "$ad/cache/archives/partial" "$ad/dl"
	$SUDO chown _apt "$ad/dl" 2>/dev/null || true
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $QEMU_SUITE main" >"$ad/sources.list"
	aopt=(-o "Dir::Etc::SourceList=$ad/sources.list" -o Dir::Etc::SourceParts=/nonexistent
	      -o "Dir::State::Lists=$ad/lists" -o "Dir::Cache=$ad/cache")
	# (twice: a mirror's hiccup should not fail a CI run)
	for try in 1 2; do
		$SUDO apt-get "${aopt[@]}" update -q &&
			(cd "$ad/dl" && $SUDO apt-get "${aopt[@]}" download -q qemu-system-x86 qemu-system-data) &&
			break
		[ $try = 2 ] && { echo "setup: QEMU from $QEMU_SUITE could not be fetched" >&2; exit 1; }
		sleep 10
	done
	deb=$(ls "$ad"/dl/qemu-system-x86_*.deb)
	libs=()
	for p in $(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/(.*)//; s/|.*//; s/[[:space:]]//g' | grep -E '^(lib|zlib)'); do
		installed "$p" || libs+=("$p")
	done
	[ ${#libs[@]} -eq 0 ] || install "${libs[@]}"
	$SUDO mkdir -p "$QEMU_ROOT"
	for d in "$ad"/dl/*.deb; do $SUDO dpkg-deb -x "$d" "$QEMU_ROOT"; done
	ver=$(dpkg-deb -f "$deb" Version)
	if ! "$QEMU_ROOT/usr/bin/qemu-system-x86_64" --version >/dev/null; then
		echo "setup: QEMU $ver under $QEMU_ROOT does not run" >&2
		exit 1
	fi
	echo "$ver" | $SUDO tee "$QEMU_ROOT/.complete" >/dev/null
	echo "setup: QEMU $ver unpacked in $QEMU_ROOT"
fi
exit 0
