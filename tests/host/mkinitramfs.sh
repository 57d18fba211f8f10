#!/bin/bash
# Build the test host's initramfs (newc cpio, gzip): busybox-static, our
# /init, the module, vmmctl, the guest payloads, the in-host test scripts,
# the benchmark runner and the kvm module stacks (AMD and Intel) of the host kernel.
#
#   tests/host/mkinitramfs.sh OUT.cpio.gz
#
# Missing project artifacts (not built yet) are left out with a warning:
# the in-host tests then report them as failures instead of the boot
# failing. Layout inside the host:
#   /bin/busybox + applet links, /bin/vmmctl, /bin/kvmrun, /bin/abi_test, /bin/race_test,
#   /bin/diskstat_test
#   /lib/vmm/vmm.ko, /lib/kvm/*.ko, /lib/diskbench/*.ko, /payloads/*.bin
#   /tests/*.sh (tests/integration), /bench/run-bench.sh, /init
#   /usr/share/seabios/bios-256k.bin, /guest/{vmlinuz,initrd.cpio.gz}
#   /guest/test-{isolinux,grub}.iso, /bin/diskcheck, /usr/bin/qemu-img (+ its libraries)
#   /guest/{vmlinux,mbkernel.elf,mbkernel-aout.bin,mb-mod*.txt}
#   /lib/modules/KVER/updates/dkms/vmm.ko, /lib/udev/rules.d/60-vmm.rules
#   /sbin/kexec and its libraries, /boot/vmlinuz (the down test's kexec)
#   /lib/vmm/rtcheck.ko (RTCHECK_KO, tests/host/rt-test.sh)
# Environment: KVER; KROOT, the root the kernel's image and modules are
# under (default /; tests/host/rt-test.sh unpacks the RT kernel elsewhere);
# VMM_KO, the vmm.ko to take (default module/vmm.ko); VMM_BASE_KO, a
# second one for the benchmark to compare with (/lib/vmm/vmm-base.ko).
set -euo pipefail

out=${1:?usage: $0 OUT.cpio.gz}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
KVER=${KVER:-$(ls /lib/modules 2>/dev/null | sort -V | tail -n1)}
KROOT=${KROOT:-}
VMM_KO=${VMM_KO:-$top/module/vmm.ko}
export KVER KROOT

busybox=$(command -v busybox || true)
[ -n "$busybox" ] || { echo "mkinitramfs: busybox not found (apt-get install busybox-static)" >&2; exit 1; }
if ldd "$busybox" >/dev/null 2>&1; then
	echo "mkinitramfs: $busybox is dynamically linked; need busybox-static" >&2
	exit 1
fi

root=$(mktemp -d)
chmod 0755 "$root"	# mktemp -d makes it 0700: / must be searchable by users (install suite)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,etc,lib/vmm,lib/kvm,payloads,tests,bench}

warn() { echo "mkinitramfs: warning: $*" >&2; }

# busybox and its applet links (so nothing depends on --install at boot)
install -m 0755 "$busybox" "$root/bin/busybox"
for a in $("$busybox" --list); do
	[ "$a" = busybox ] || ln -sf busybox "$root/bin/$a"
done

install -m 0755 "$here/init" "$root/init"

# project artifacts
cp_opt() { # SRC DST MODE
	if [ -f "$top/$1" ]; then install -m "$3" "$top/$1" "$root/$2"; else warn "$1 missing"; fi
}
# install_ko SRC DST: a module without its debug info, a tenth of its
# size (the Bochs host inflates its initramfs at some 2 MB/s; the symbols
# stay for oops traces)
install_ko() {
	mkdir -p "$(dirname "$2")"
	strip --strip-debug -o "$2" "$1" 2>/dev/null || install -m 0644 "$1" "$2"
	chmod 0644 "$2"
}
if [ -f "$VMM_KO" ]; then install_ko "$VMM_KO" "$root/lib/vmm/vmm.ko"; else warn "$VMM_KO missing"; fi
# VMM_BASE_KO: the benchmark's second vmm.ko (qemu-amd.sh)
if [ -n "${VMM_BASE_KO:-}" ]; then install_ko "$VMM_BASE_KO" "$root/lib/vmm/vmm-base.ko"; fi
if [ -n "${RTCHECK_KO:-}" ]; then install -m 0644 "$RTCHECK_KO" "$root/lib/vmm/rtcheck.ko"; fi
cp_opt vmmctl/vmmctl bin/vmmctl 0755
cp_opt bench/kvmrun bin/kvmrun 0755
cp_opt bench/run-bench.sh bench/run-bench.sh 0755
cp_opt tests/integration/build/abi_test bin/abi_test 0755
cp_opt tests/integration/build/race_test bin/race_test 0755
cp_opt tests/integration/build/diskstat_test bin/diskstat_test 0755
cp_opt scripts/vmm-disklat.bt tests/vmm-disklat.bt 0644
for f in "$top"/guest-drivers/build/*.bin "$top"/guest-drivers/build/*.rom; do
	[ -f "$f" ] && install -m 0644 "$f" "$root/payloads/"
done
ls "$root"/payloads/*.bin >/dev/null 2>&1 || warn "no guest-drivers/build/*.bin"
for f in "$top"/tests/integration/*.sh; do
	[ -f "$f" ] && install -m 0755 "$f" "$root/tests/"
done

# For the "pc" suite: SeaBIOS where vmmctl looks for it, and a Linux
# guest (this kernel's bzImage and a busybox initramfs).
mkdir -p "$root/usr/share/seabios" "$root/guest"
if [ -f /usr/share/seabios/bios-256k.bin ]; then
	install -m 0644 /usr/share/seabios/bios-256k.bin "$root/usr/share/seabios/"
else
	warn "/usr/share/seabios/bios-256k.bin missing (apt-get install seabios)"
fi
if [ -f "$KROOT/boot/vmlinuz-$KVER" ]; then
	install -m 0644 "$KROOT/boot/vmlinuz-$KVER" "$root/guest/vmlinuz"
	# the down test kexecs the host into this same kernel
	mkdir -p "$root/boot"
	ln -s ../guest/vmlinuz "$root/boot/vmlinuz"
else
	warn "$KROOT/boot/vmlinuz-$KVER missing: no Linux guest"
fi
# kexec (kexec-tools) with the shared libraries it needs
kexec=$(command -v kexec || ls /sbin/kexec /usr/sbin/kexec 2>/dev/null | head -n1 || true)
if [ -n "$kexec" ]; then
	install -D -m 0755 "$kexec" "$root/sbin/kexec"
	for lib in $(ldd "$kexec" 2>/dev/null | grep -o '/[^ ]*'); do
		[ -f "$lib" ] && install -D -m 0755 "$lib" "$root$lib"
	done
else
	warn "kexec missing (apt-get install kexec-tools): no kexec down test"
fi
"$top/tests/guest/mkinitrd.sh" "$root/guest/initrd.cpio.gz" || warn "guest initramfs not built"

# For the "install" suite: the vmm.ko DKMS built on the build machine
# (tests/packaging/test.sh keeps it in out/dkms/) where DKMS installs it,
# vmmctl's udev rule, the multiboot test kernel (ELF and a.out kludge) with
# two modules, and this kernel's vmlinux for PVH (VMLINUX, extracted by
# qemu-amd.sh).
dkms_ko=$top/out/dkms/$KVER/updates/dkms/vmm.ko
if [ -f "$dkms_ko" ]; then
	install_ko "$dkms_ko" "$root/lib/modules/$KVER/updates/dkms/vmm.ko"
else
	warn "$dkms_ko missing (tests/packaging/test.sh builds it through DKMS)"
fi
install -D -m 0644 "$top/packaging/60-vmm.rules" "$root/lib/udev/rules.d/60-vmm.rules"
mbflags=(-m32 -std=gnu11 -O2 -ffreestanding -nostdlib -fno-builtin -fno-pic -fno-pie
	-fno-stack-protector -mgeneral-regs-only -fno-asynchronous-unwind-tables
	-fcf-protection=none -Wall -Wextra -Werror)
# grep reads all of ld's help: with -q, ld could die of SIGPIPE, and under
# pipefail and set -e the assignment's status ended the script (141)
mbld=(-m elf_i386 -nostdlib -static --build-id=none -z noexecstack -T "$top/tests/guest/mbkernel.ld"
	$(ld --help 2>/dev/null | grep no-warn-rwx-segments >/dev/null && echo --no-warn-rwx-segments))
if gcc "${mbflags[@]}" -DMB_VARIANT='"elf"' -c -o "$root/tmp/mb.o" "$top/tests/guest/mbkernel.c" &&
   ld "${mbld[@]}" -o "$root/guest/mbkernel.elf" "$root/tmp/mb.o" &&
   gcc "${mbflags[@]}" -DMB_VARIANT='"aout"' -DAOUT_KLUDGE -c -o "$root/tmp/mb.o" "$top/tests/guest/mbkernel.c" &&
   ld "${mbld[@]}" -o "$root/tmp/mb.elf" "$root/tmp/mb.o" &&
   objcopy -O binary "$root/tmp/mb.elf" "$root/guest/mbkernel-aout.bin"; then
	chmod 0644 "$root/guest/mbkernel.elf" "$root/guest/mbkernel-aout.bin"
else
	warn "multiboot test kernel not built"
fi
rm -f "$root/tmp/mb.o" "$root/tmp/mb.elf"
printf 'first module payload\nsecond line\n' >"$root/guest/mb-mod1.txt"
printf 'second module\n' >"$root/guest/mb-mod2.txt"
if [ -n "${VMLINUX:-}" ] && [ -f "$VMLINUX" ]; then
	install -m 0644 "$VMLINUX" "$root/guest/vmlinux"
else
	warn "no VMLINUX: the install suite cannot boot PVH"
fi

# For the "storage" suite: the test ISOs (kept in out/guest between
# builds while their sources do not change) and diskcheck, which checks
# on the host side what the guest wrote.
# VMM_ISO_KERNEL=pvh (bochs-intel.sh sets it): the lighter ISOs
# (tests/guest/mkiso.sh ISO_KERNEL=pvh), kept in out/guest/pvh.
for loader in ${VMM_ISOS:-isolinux grub}; do
	isok=${VMM_ISO_KERNEL:-bzimage}
	isodir=$top/out/guest
	[ "$isok" = bzimage ] || isodir=$top/out/guest/$isok
	mkdir -p "$isodir"
	iso=$isodir/test-$loader.iso
	stale=yes
	[ -f "$iso" ] && stale=$(find "$top/tests/guest" "$top/tests/lib" "$top/tests/host/bochs" -newer "$iso" | head -n1)
	if [ -n "$stale" ]; then
		ISO_KERNEL=$isok "$top/tests/guest/mkiso.sh" "$iso" "$loader" || warn "test ISO ($loader) not built"
	fi
	[ -f "$iso" ] && install -m 0644 "$iso" "$root/guest/"
done
gcc -O2 -Wall -Wextra -Werror -static -pthread -o "$root/bin/diskcheck" \
	"$top/tests/guest/diskcheck.c" || warn "diskcheck not built"
# qemu-img (and the libraries it links): the storage suite's crash and
# installer sections run qemu-img check on the VDIs the kernel wrote
if qi=$(command -v qemu-img); then
	install -D -m 0755 "$qi" "$root/usr/bin/qemu-img"
	for lib in $(ldd "$qi" | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
else
	warn "qemu-img missing: no qemu-img check in the test host (apt-get install qemu-utils)"
fi

# The kvm stack for the benchmark, dependencies first.
. "$top/tests/lib/kmods.sh"
# Both vendors' stacks: load-order.amd / load-order.intel; /init makes the
# one of the CPU it finds /lib/kvm/load-order (the AMD one by default).
all=()
for vendor in amd intel; do
	kmods_reset
	case $vendor in
	amd) mods="irqbypass ccp kvm kvm-amd" ;;
	intel) mods="irqbypass kvm kvm-intel" ;;
	esac
	kmods_add "$root/lib/kvm" $mods
	printf '%s\n' "${kmods_order[@]}" >"$root/lib/kvm/load-order.$vendor"
	all+=("$vendor: ${kmods_order[*]};")
done
cp "$root/lib/kvm/load-order.amd" "$root/lib/kvm/load-order"
order=("${all[@]}")

# For the disk benchmark (vmm.mode=diskbench): the virtio disk the outer
# QEMU gives it and 9p for the build machine's root (QEMU's binary).
kmods_reset
kmods_add "$root/lib/diskbench" virtio_pci virtio_blk 9pnet_virtio 9p
printf '%s\n' "${kmods_order[@]}" >"$root/lib/diskbench/load-order"

# For the storage suite: a local file system with direct I/O (ext4's
# driver on a loop device; tmpfs has no O_DIRECT; ext4 wants crc32c).
mkdir -p "$root/lib/fs"
kmods_reset
kmods_add "$root/lib/fs" loop crc32c_generic ext4
printf '%s\n' "${kmods_order[@]}" >"$root/lib/fs/load-order"

echo "$KVER" >"$root/etc/kver"

# The down test's kexec (and the VT-x host's kdump chain) boots the same
# kernel with a small initramfs of its own (the host's is gone once
# unpacked): /init, busybox and its links, vmmctl, kexec and its
# libraries, vmm.ko without its debug info, spin.bin and the down suite.
# Small matters under Bochs, where loading it with kexec (its checksum)
# and unpacking it cost about a minute per 10 MiB.
mkdir -p "$root/boot"
if [ -x "$root/sbin/kexec" ]; then
	kr=$(mktemp -d)
	chmod 0755 "$kr"
	mkdir -p "$kr"/{bin,sbin,dev,proc,sys,tmp,run,etc,lib/vmm,payloads,tests}
	(cd "$root" && find bin -maxdepth 1 -type l -lname busybox -print0 | cpio --null -pdm --quiet "$kr")
	cp -a "$root/init" "$kr/"
	cp -a "$root/bin/busybox" "$kr/bin/"
	for f in bin/vmmctl sbin/kexec payloads/spin.bin tests/lib.sh tests/down.sh etc/kver; do
		[ -e "$root/$f" ] && cp -a "$root/$f" "$kr/$f"
	done
	for lib in $(ldd "$root/sbin/kexec" 2>/dev/null | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] && mkdir -p "$kr$(dirname "$lib")" && cp -a "$root$lib" "$kr$lib"
		# the loader's name may be a link (/lib64 -> /lib/x86_64-linux-gnu)
		[ -L "$root$lib" ] && t=$(readlink -f "$root$lib") && [ -e "$t" ] &&
			mkdir -p "$kr$(dirname "${t#"$root"}")" && cp -a "$t" "$kr${t#"$root"}"
	done
	if [ -f "$root/lib/vmm/vmm.ko" ]; then
		strip --strip-debug -o "$kr/lib/vmm/vmm.ko" "$root/lib/vmm/vmm.ko" 2>/dev/null ||
			cp "$root/lib/vmm/vmm.ko" "$kr/lib/vmm/vmm.ko"
	fi
	(cd "$kr" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --owner=0:0 --quiet) |
		gzip -1 >"$root/boot/initrd-kexec.cpio.gz"
	rm -rf "$kr"
fi
mkdir -p "$(dirname "$out")"
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs: $out ($(du -h "$out" | cut -f1); kvm modules: ${order[*]})" >&2
