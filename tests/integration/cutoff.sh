#!/bin/sh
# Mode "cutoff" of the test host: the whole-host half of the crash test.
# The outer QEMU gives this host a virtio disk (an ext2 file system made on
# the build machine, holding crash.vdi); a VM runs the flushloop firmware
# on that VDI with its console on ours, writing and flushing records until
# tests/host/cutoff-test.sh kills this whole machine (its QEMU, SIGKILL)
# and checks the image on the build machine. Nothing here judges: it
# prints CUTOFF-FAIL if the VM cannot start, then the end marker.
. "$(dirname "$0")/lib.sh"

fail() { echo "CUTOFF-FAIL: $*"; exit 1; }

ensure_vmm || fail "vmm did not load"
# virtio_blk for the disk (the diskbench list), ext4's driver for ext2
for list in /lib/diskbench/load-order /lib/fs/load-order; do
	for m in $(cat "$list" 2>/dev/null); do
		insmod "${list%/load-order}/$m.ko" 2>/dev/null
	done
done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -b /dev/vda ] || fail "no /dev/vda"
mkdir -p /mnt/cut
mount -t ext2 /dev/vda /mnt/cut || fail "cannot mount /dev/vda (ext2)"
[ -f /mnt/cut/crash.vdi ] || fail "no crash.vdi on the disk"
rom=$(payload flushloop.rom)
[ -f "$rom" ] || fail "$rom missing"
echo "CUTOFF: VM starting on /mnt/cut/crash.vdi ($(grep ' /mnt/cut ' /proc/mounts | cut -d' ' -f3,4))"
# the guest's console is ours: its FLUSHED lines reach the build machine
"$VMMCTL" run --bios "$rom" --mem 32M --disk /mnt/cut/crash.vdi --no-reboot </dev/null
rc=$?
fail "the VM ended (exit $rc) before the host was cut off"
