#!/bin/bash
# PREEMPT_RT: build vmm.ko against the Debian -rt kernel's headers and run
# the engine and device suites in the AMD-V test host booted on that
# kernel. Those suites fail on "BUG: sleeping function called from invalid
# context", "BUG: scheduling while atomic" or any other kernel warning.
#
#   tests/host/rt-test.sh [EXTRA-KERNEL-ARGS...]
#   tests/host/rt-test.sh --build-only
#
# The -rt kernel is unpacked under RT_ROOT by scripts/setup.sh --rt (run
# from here when missing), never installed. The module is built in a copy
# of module/ and uapi/ under out/rt/, so the normal build stays as it is.
# Debian's -rt kernel has no CONFIG_DEBUG_ATOMIC_SLEEP: a sleeping lock
# taken in atomic context only shows there when it is contended. So the
# host also loads tests/host/rtcheck (kprobes on the sleeping-lock entry
# points that check every acquisition) and fails on its reports.
# Environment: RT_KVER, RT_ROOT (default /opt/vmm-rt), RT_SUITES (default
# module,payloads,pc,storage,race; race with 400 rounds; storage in its light variant: raw
# disks, AHCI and virtio-blk, whose completions take the device locks),
# QEMU_TIMEOUT (default 420).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
RT_KVER=${RT_KVER:-6.1.0-57-rt-amd64}
RT_ROOT=${RT_ROOT:-/opt/vmm-rt}
suites=${RT_SUITES:-module,payloads,pc,storage,race}
light=STORAGE_FORMATS=raw,STORAGE_INTEROP=0,STORAGE_ENOSPC=0,STORAGE_CRASH=0
light=$light,STORAGE_VIRTIO_EXTRA=0,STORAGE_INSTALL=0,STORAGE_RANDREAD_S=1,PC_PV0=0
# race: 400 rounds, not 2000: rtcheck checks every sleeping-lock
# acquisition it sees, so a path taken once is checked; the rounds are
# for the paths rarer interleavings take
light=$light,RACE_ROUNDS=400
out=$top/out/rt
kdir=$RT_ROOT/usr/src/linux-headers-$RT_KVER

fail() { echo "rt-test: $*" >&2; echo "# integration: 0 passed, 1 failed"; exit 1; }

if [ ! -e "$RT_ROOT/.complete-$RT_KVER" ]; then
	RT_KVER=$RT_KVER RT_ROOT=$RT_ROOT "$top/scripts/setup.sh" --rt || fail "setup.sh --rt failed"
fi
config=$RT_ROOT/boot/config-$RT_KVER
grep -q '^CONFIG_PREEMPT_RT=y' "$config" || fail "$RT_KVER is not a PREEMPT_RT kernel"
if grep -q '^CONFIG_DEBUG_ATOMIC_SLEEP=y' "$config"; then
	echo "rt-test: $RT_KVER has CONFIG_DEBUG_ATOMIC_SLEEP"
else
	echo "rt-test: $RT_KVER has no CONFIG_DEBUG_ATOMIC_SLEEP: rtcheck.ko checks sleeping locks"
fi

# A copy of the module's sources, refreshed by content so that Kbuild
# rebuilds only what changed.
mkdir -p "$out/src" "$out/rtcheck"
# (not the normal build's generated vmm.mod.c: it holds the stock kernel's CRCs)
(cd "$top" && find module uapi -type f \( -name '*.[chS]' -o -name Kbuild \) ! -name '*.mod.c' -print0) |
	while IFS= read -r -d '' f; do
		cmp -s "$top/$f" "$out/src/$f" && continue
		mkdir -p "$out/src/$(dirname "$f")"
		cp "$top/$f" "$out/src/$f"
	done
cp -u "$here"/rtcheck/rtcheck.c "$here"/rtcheck/Kbuild "$out/rtcheck/"
make -C "$kdir" M="$out/src/module" CONFIG_VMM=m W=1 -j"$(nproc)" modules >"$out/build.log" 2>&1 ||
	{ tail -n 30 "$out/build.log"; fail "vmm.ko does not build for $RT_KVER"; }
make -C "$kdir" M="$out/rtcheck" W=1 modules >>"$out/build.log" 2>&1 ||
	{ tail -n 30 "$out/build.log"; fail "rtcheck.ko does not build for $RT_KVER"; }
if grep -q 'warning:' "$out/build.log"; then
	grep 'warning:' "$out/build.log"
	fail "build warnings for $RT_KVER"
fi
echo "rt-test: built $(modinfo -F vermagic "$out/src/module/vmm.ko")"

[ "${1:-}" = --build-only ] && exit 0

KVER=$RT_KVER KROOT=$RT_ROOT VMM_KO=$out/src/module/vmm.ko RTCHECK_KO=$out/rtcheck/rtcheck.ko \
	OUT=$out/testhost VMM_ISOS=isolinux QEMU_TIMEOUT=${QEMU_TIMEOUT:-420} \
	"$here/qemu-amd.sh" test vmm.suites="$suites" vmm.isos=isolinux vmm.env="$light" "$@"
