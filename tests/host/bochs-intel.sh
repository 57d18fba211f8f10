#!/bin/bash
# Boot the VT-x test host: the Debian kernel under Bochs 2.7 with an
# emulated Skylake-X (VMX with EPT, VPID, unrestricted guest), from an
# ISOLINUX CD holding the kernel and the same initramfs as the QEMU host
# (tests/host/mkinitramfs.sh).
#
#   tests/host/bochs-intel.sh MODE [EXTRA-KERNEL-ARGS...]
#     MODE: test | bench | demo | check   (see tests/host/init; no shell)
#   e.g. tests/host/bochs-intel.sh test vmm.suites=host,module
#
# Prints the serial console; exits 0 only if the host printed
# "VMM-TESTHOST-DONE rc=0" (rc!=0: that rc, marker missing: 99).
# Environment: KVER (kernel), BOCHS_TIMEOUT (s, default 1800), BOCHS_MEM
# (MiB, default 1024), BOCHS_IPS (default 100000000), OUT (build dir,
# default out/bochs), BOCHS_STAMP=1 (print each test's wall time),
# BOCHS_CPUS (host CPUs, default 1; Bochs runs them in turn on one thread).
# Bochs' own log: $OUT/bochs.log.
set -uo pipefail

mode=${1:-}
case "$mode" in
test|bench|demo|check) shift ;;
*) echo "usage: $0 test|bench|demo|check [kernel args...]" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
KVER=${KVER:-$(ls /lib/modules 2>/dev/null | sort -V | tail -n1)}
export KVER
out=${OUT:-$top/out/bochs}
mkdir -p "$out"
out=$(cd "$out" && pwd)
initrd=$out/initramfs.cpio.gz
bzimage=/boot/vmlinuz-$KVER
iso=$out/boot.iso
bochsrc=$out/bochsrc
rcfile=$out/bochs.rc
log=$out/serial-$mode.log
serial=$out/serial.txt

die() { echo "bochs-intel: $*" >&2; exit 1; }
[ -r "$bzimage" ] || die "$bzimage missing (scripts/setup.sh installs linux-image-amd64)"
command -v bochs-bin >/dev/null || die "bochs-bin missing (scripts/setup.sh installs bochs)"
command -v xorriso >/dev/null || die "xorriso missing (scripts/setup.sh installs it)"
isolinux_bin=/usr/lib/ISOLINUX/isolinux.bin
ldlinux=/usr/lib/syslinux/modules/bios/ldlinux.c32
[ -r "$isolinux_bin" ] && [ -r "$ldlinux" ] || die "ISOLINUX missing (isolinux, syslinux-common)"
bios=/usr/share/bochs/BIOS-bochs-latest
vgabios=/usr/share/vgabios/vgabios.bin
[ -r "$vgabios" ] || vgabios=/usr/share/bochs/VGABIOS-lgpl-latest
[ -r "$bios" ] && [ -r "$vgabios" ] || die "Bochs BIOS images missing (bochsbios, vgabios)"

# The initramfs: mkinitramfs.sh's, rebuilt when anything that goes into it is
# newer (the same inputs as qemu-amd.sh).
inputs=("$here/init" "$here/mkinitramfs.sh" "$top/module/vmm.ko" "$top/vmmctl/vmmctl"
	"$top/bench/kvmrun" "$top/bench/run-bench.sh" "$top/tests/integration/build/abi_test"
	"$top/tests/integration/build/race_test"
	"$top"/tests/integration/*.sh "$top"/guest-drivers/build/*.bin
	"$top/out/dkms/$KVER/updates/dkms/vmm.ko" "$top/packaging/60-vmm.rules" "$top"/tests/guest/*)
# The test ISOs in it: the lighter ones (tests/guest/mkiso.sh
# ISO_KERNEL=pvh; VMM_ISO_KERNEL=bzimage: the AMD-V host's).
export VMM_ISO_KERNEL=${VMM_ISO_KERNEL:-pvh}
inputs+=("$here/bochs/mkpvh.sh" "$here/bochs/pvhstub.S")
listing() { { printf '%s\n' "${inputs[@]}" | while read -r f; do [ -e "$f" ] && echo "$f"; done; echo "iso kernel $VMM_ISO_KERNEL"; } | md5sum; }
stale=0
[ -f "$initrd" ] || stale=1
if [ $stale = 0 ]; then
	for f in "${inputs[@]}"; do
		[ -e "$f" ] && [ "$f" -nt "$initrd" ] && { stale=1; break; }
	done
	[ "$(listing)" = "$(cat "$initrd.inputs" 2>/dev/null)" ] || stale=1
fi
if [ $stale = 1 ]; then
	"$here/mkinitramfs.sh" "$initrd" || exit 1
	listing >"$initrd.inputs"
fi

# The kernel. pvh (default): tests/host/bochs/mkpvh.sh's multiboot image, the
# uncompressed kernel entered at its PVH entry point by a small stub, loaded by
# syslinux's mboot.c32 (skips ~54 s of XZ decompression under Bochs);
# bzimage: the Debian bzImage as it is, loaded by ISOLINUX.
boot=${BOCHS_BOOT:-pvh}
mb=$out/vmlinux-$KVER.mb
mboot=/usr/lib/syslinux/modules/bios/mboot.c32
libcom32=/usr/lib/syslinux/modules/bios/libcom32.c32
case "$boot" in
pvh)
	[ -r "$mboot" ] && [ -r "$libcom32" ] || die "mboot.c32/libcom32.c32 missing (syslinux-common)"
	if [ ! -s "$mb" ] || [ "$bzimage" -nt "$mb" ] || [ "$here/bochs/mkpvh.sh" -nt "$mb" ] ||
	   [ "$here/bochs/pvhstub.S" -nt "$mb" ]; then
		"$here/bochs/mkpvh.sh" "$bzimage" "$mb" || die "mkpvh.sh failed (BOCHS_BOOT=bzimage boots the bzImage)"
	fi ;;
bzimage) ;;
*) die "BOCHS_BOOT must be pvh or bzimage" ;;
esac

# Kernel arguments. The mode and the extra arguments change with each run,
# so the CD (a few seconds to write) is rebuilt every time.
# tsc_early_khz: Bochs' TSC counts one per instruction (BOCHS_IPS a second
# of its clock), but the kernel would take the TSC's rate from CPUID leaf
# 0x15/0x16, some 30 times too high, and the local APIC timer's from the
# crystal there, which is right: its timer then fired about 500 times per
# event that was due (each time early by the kernel's clock), 100,000
# interrupts a second of host time while a guest runs, each a VM exit;
# with the true rate a Linux guest boots there about 30% faster.
ips=${BOCHS_IPS:-100000000}
append="console=ttyS0,115200 quiet panic=-1 loglevel=4 mitigations=off tsc=reliable no_timer_check"
append="$append tsc_early_khz=$((ips / 1000)) nowatchdog vmm.mode=$mode $*"
cd_root=$out/cd
rm -rf "$cd_root"
mkdir -p "$cd_root/isolinux"
cp "$isolinux_bin" "$ldlinux" "$cd_root/isolinux/"
# One gzip stream: mboot.c32 gunzips a gzip module itself, and only its
# first member; gzip because reading the CD is slower than inflating.
gzip -dc "$initrd" | gzip -1 >"$cd_root/initrd.gz"
if [ "$boot" = pvh ]; then
	cp "$mboot" "$libcom32" "$cd_root/isolinux/"
	ln -f "$mb" "$cd_root/vmlinux.mb" 2>/dev/null || cp "$mb" "$cd_root/vmlinux.mb"
	kline="KERNEL mboot.c32
  APPEND /vmlinux.mb $append --- /initrd.gz"
else
	ln -f "$bzimage" "$cd_root/vmlinuz" 2>/dev/null || cp "$bzimage" "$cd_root/vmlinuz"
	kline="KERNEL /vmlinuz
  APPEND initrd=/initrd.gz $append"
fi
cat >"$cd_root/isolinux/isolinux.cfg" <<EOF
DEFAULT vmm
PROMPT 0
TIMEOUT 0
LABEL vmm
  $kline
EOF
xorriso -as mkisofs -quiet -o "$iso.tmp" -b isolinux/isolinux.bin -c isolinux/boot.cat \
	-no-emul-boot -boot-load-size 4 -boot-info-table -R "$cd_root" 2>"$out/xorriso.log" ||
	{ cat "$out/xorriso.log" >&2; die "xorriso failed"; }
mv "$iso.tmp" "$iso"

# bochsrc: what testhosts.md found working. clock sync=none: the guest's
# time follows the instruction count (ips per emulated second), not the
# wall clock; that keeps timer interrupts rare and the run deterministic.
cat >"$bochsrc" <<EOF
plugin_ctrl: unmapped=1, biosdev=1, speaker=0, extfpuirq=1, parallel=0, serial=1, gameport=0, e1000=0, ne2k=0, sb16=0, es1370=0, usb_uhci=0, usb_ohci=0, usb_ehci=0, usb_xhci=0
config_interface: textconfig
display_library: rfb, options="timeout=0"
romimage: file=$bios
vgaromimage: file=$vgabios
cpu: model=corei7_skylake_x, count=${BOCHS_CPUS:-1}, ips=$ips, reset_on_triple_fault=0, ignore_bad_msrs=1
memory: guest=${BOCHS_MEM:-1024}, host=${BOCHS_MEM:-1024}
clock: sync=none, time0=local
pci: enabled=1, chipset=i440fx
ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
ata0-master: type=cdrom, path="$iso", status=inserted
boot: cdrom
floppy_bootsig_check: disabled=1
com1: enabled=1, mode=file, dev=$serial
sound: driver=dummy
speaker: enabled=0
mouse: enabled=0
log: $out/bochs.log
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
EOF
printf 'c\nquit\n' >"$rcfile"

timeout_s=${BOCHS_TIMEOUT:-1800}
echo "bochs-intel: cpu=corei7_skylake_x kernel=$KVER boot=$boot mode=$mode timeout=${timeout_s}s" >&2
start=${EPOCHREALTIME/,/.}
: >"$serial"
# no stdin: Bochs must not read the terminal (its debugger reads $rcfile)
(cd "$out" && exec bochs-bin -q -f "$bochsrc" -rc "$rcfile") </dev/null >"$out/bochs.out" 2>&1 &
bpid=$!
# Watchdog: stop Bochs shortly after the end marker (a power-off usually
# ends it by itself) or at the time limit. The marker alone decides. After
# the marker of a down chain (vmm.then=kdump), the kernel's restart is
# part of what is judged: wait for it (up to 3 minutes).
(
	t=0
	while kill -0 $bpid 2>/dev/null; do
		if grep -aq 'VMM-TESTHOST-DONE rc=' "$serial"; then
			n=20
			grep -aq 'VMM-TESTHOST-DONE rc=.* down=' "$serial" && n=360
			for _ in $(seq $n); do
				sleep 0.5; kill -0 $bpid 2>/dev/null || exit 0
				[ $n -gt 20 ] && grep -aq 'reboot: Restarting system' "$serial" && { sleep 2; break; }
			done
			break
		fi
		if [ $t -ge $((timeout_s * 2)) ]; then
			echo "bochs-intel: timed out after $timeout_s s: stopping Bochs" >&2
			break
		fi
		sleep 0.5; t=$((t + 1))
	done
	kill $bpid 2>/dev/null; sleep 2; kill -9 $bpid 2>/dev/null
) &
wpid=$!
# the serial file, live; note the wall time to /init (the START marker)
tail -n +1 -s 0.2 -f --pid=$bpid "$serial" | sed -u 's/\r$//' | tee "$log" |
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case "$line" in
		*VMM-TESTHOST-START*) echo "bochs-intel: /init started after $(awk "BEGIN {printf \"%.1f\", ${EPOCHREALTIME/,/.} - $start}") s" >&2 ;;
		"ok "*|"not ok "*|*"down: "*|*"VMM-TESTHOST-DONE"*|*"Kernel panic"*|*"reboot: Restarting"*) [ -n "${BOCHS_STAMP:-}" ] &&
			echo "bochs-intel: +$(awk "BEGIN {printf \"%.0f\", ${EPOCHREALTIME/,/.} - $start}") s: $line" >&2 ;;
		"# "[a-z]*": "[0-9]*" passed, "*) echo "bochs-intel: ${line%%:*} ended at $(awk "BEGIN {printf \"%.0f\", ${EPOCHREALTIME/,/.} - $start}") s" >&2 ;;
		esac
	done
wait $bpid; brc=$?
kill $wpid 2>/dev/null; wait $wpid 2>/dev/null
end=$(date +%s.%N)
secs=$(awk "BEGIN {printf \"%.1f\", $end - $start}")
marker=$(grep -a 'VMM-TESTHOST-DONE rc=' "$log" | tail -n 1)
if [ -z "$marker" ]; then
	echo "bochs-intel: end marker missing (bochs exit $brc, ${secs} s): the host crashed or hung" >&2
	echo "bochs-intel: last lines of $out/bochs.out:" >&2
	tail -n 15 "$out/bochs.out" >&2
	# test mode: keep the results of the suites that finished, and count the
	# one that hung (or the boot) as 1 failed, in run.sh's summary format
	if [ "$mode" = test ]; then
		grep -aE '^# [A-Za-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed' "$log" | grep -av '^# integration:' |
		awk '{ p += $3; f += $5; if ($7 != "") s += $7; n++ }
		     END { printf "# bochs-intel: the host hung or crashed after %d finished suite(s): counted as 1 failed\n", n
		           if (s > 0) printf "# integration: %d passed, %d failed, %d skipped\n", p, f + 1, s
		           else printf "# integration: %d passed, %d failed\n", p, f + 1 }' | tee -a "$log"
	fi
	exit 99
fi
rc=$(echo "$marker" | sed -E 's/.*rc=([0-9]+).*/\1/')
echo "bochs-intel: mode=$mode rc=$rc in ${secs} s (serial log: $log, bochs log: $out/bochs.log)" >&2
exit "$rc"
