#!/bin/bash
# The crash test's whole-host cut-off: the AMD-V test host itself dies
# (its QEMU killed with SIGKILL) while a VM inside writes and flushes
# records on a VDI (the flushloop firmware), and the VDI lives on a disk
# that outlives the host: a raw image on this machine holding an ext2
# file system (mke2fs -d) with crash.vdi, the host's virtio disk
# (tests/integration/cutoff.sh mounts it and starts the VM). The guest's
# FLUSHED lines come out on the host's serial console. After each cut, on
# this machine: e2fsck (what it had to fix is reported), debugfs dumps
# crash.vdi, then vmmctl vdi check and qemu-img check must be clean (a cut
# inside an allocation leaves the header's count one ahead of the map,
# which vmmctl vdi compact repairs first; nothing else is let pass) and
# every record the guest saw flushed must be in the image (diskcheck
# flushcheck, built here). Each cut boots the host again on the same
# image, so the guest first reads back what the last cut left (it resumes
# after the last whole record) and then writes on. Prints KTAP; exits 0
# if all passed.
#
#   tests/host/cutoff-test.sh [CUTS]    (default 3; CUTOFF_CUTS too)
#
# Takes /tmp/vmm-emulator.lock (VMM_EMU_LOCK; empty: none) around its
# QEMU runs. Needs make all (module, vmmctl, guest-drivers), e2fsprogs,
# qemu-img.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${OUT:-$top/out/testhost}
work=$top/out/cutoff
cuts=${1:-${CUTOFF_CUTS:-3}}
lock=${VMM_EMU_LOCK-/tmp/vmm-emulator.lock}
vmmctl=$top/vmmctl/vmmctl
# records to see flushed before the cut, by cut (cycled): early ones cut
# while blocks are being allocated, later ones in written blocks too
targets=(4 25 70 9 40)

n=0; fail=0
# whole FILE: its lines without carriage returns, less a last line that has
# no newline yet
whole() { if [ -n "$(tail -c 1 "$1")" ]; then sed '$d' "$1"; else cat "$1"; fi | tr -d '\r'; }
res() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else fail=$((fail + 1)); echo "not ok $n - $2"; fi; }
diag() { sed 's/^/# /'; }
finish() {
	echo "1..$n"
	echo "# cutoff: $((n - fail)) passed, $fail failed"
	[ $fail -eq 0 ]
	exit
}
echo "KTAP version 1"
echo "# Subtest: cutoff"

mkdir -p "$work" "$out"
rm -rf "${work:?}"/*
t_start=$(date +%s)
gcc -O2 -Wall -Wextra -Werror -pthread -o "$work/diskcheck" "$top/tests/guest/diskcheck.c"
res $? "diskcheck built for this machine"
[ -x "$vmmctl" ] && [ -f "$top/guest-drivers/build/flushloop.rom" ] && [ -f "$top/module/vmm.ko" ]
res $? "vmmctl, vmm.ko and flushloop.rom built"
command -v qemu-img >/dev/null && command -v debugfs >/dev/null && command -v mke2fs >/dev/null
res $? "qemu-img, mke2fs and debugfs here"
[ $fail -eq 0 ] || finish

# the disk: 128 MiB of ext2 (4 KiB blocks) holding a fresh 64 MiB VDI
img=$work/disk.img
mkdir -p "$work/root"
"$vmmctl" vdi create "$work/root/crash.vdi" 64M >/dev/null &&
	truncate -s 128M "$img" &&
	mke2fs -q -F -t ext2 -b 4096 -d "$work/root" "$img"
res $? "ext2 image with a fresh VDI (vmmctl vdi create, mke2fs -d)"

# boot CUT TARGET: boot the host on the image, kill its QEMU (SIGKILL)
# once TARGET FLUSHED lines came out; the console in $work/cut-CUT.log
boot() {
	local cut=$1 target=$2 raw=$out/serial-cutoff.raw pid i seen=0
	rm -f "$out/qemu-cutoff.pid"
	CUTOFF_IMG=$img QEMU_TIMEOUT=150 "$here/qemu-amd.sh" cutoff >"$work/qemu-$cut.out" 2>&1 &
	local qa=$!
	# (QEMU starts once the initramfs is up to date: that may take a while)
	for ((i = 0; i < 6000; i++)); do
		[ -s "$out/qemu-cutoff.pid" ] || ! kill -0 $qa 2>/dev/null && break
		sleep 0.1
	done
	for ((i = 0; i < 1500; i++)); do	# 150 s
		kill -0 $qa 2>/dev/null || break
		seen=$(whole "$raw" 2>/dev/null | grep -ac '^FLUSHED')
		[ "${seen:-0}" -ge "$target" ] && break
		grep -aq 'CUTOFF-FAIL' "$raw" 2>/dev/null && break
		sleep 0.1
	done
	pid=$(cat "$out/qemu-cutoff.pid" 2>/dev/null)
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	wait $qa
	cp "$raw" "$work/cut-$cut.log"
}

last=0 findings=0 windows=0
for ((cut = 1; cut <= cuts; cut++)); do
	target=${targets[$(((cut - 1) % ${#targets[@]}))]}
	prev=$last
	t0=$(date +%s.%N)
	if [ -n "$lock" ]; then
		exec 9>>"$lock"
		flock 9
	fi
	boot $cut "$target"
	[ -n "$lock" ] && exec 9>&-
	secs=$(awk "BEGIN {printf \"%.1f\", $(date +%s.%N) - $t0}")
	log=$work/cut-$cut.log
	bad=0
	# whole lines only: the kill can cut the console in the middle of one
	# ("FLUSHED 1" of 176), and a record the guest was still reporting is
	# not one it saw flushed before the cut
	last=$(whole "$log" | sed -n 's/^FLUSHED \([0-9]*\).*/\1/p' | tail -n 1)
	resumed=$(tr -d '\r' <"$log" | sed -n 's/.*flushloop: resume after record \([0-9]*\).*/\1/p' | tail -n 1)
	[ -n "$last" ] && [ "$last" -ge $((prev + target)) ] && ! grep -aq "CUTOFF-FAIL\|VMM-TESTHOST-DONE" "$log"
	r=$?
	res $r "cut $cut: the host was killed (QEMU, SIGKILL) after the guest flushed record ${last:-none} ($secs s)"
	if [ $r -ne 0 ]; then
		bad=1
		grep -a "CUTOFF\|flushloop\|vmm\|BUG\|Oops" "$log" | tail -n 15 | diag
		[ -s "$out/qemu-cutoff.pid" ] || echo "qemu-amd.sh ended before QEMU started:" | diag
		tail -n 5 "$work/qemu-$cut.out" | diag
	fi
	last=${last:-$prev}
	[ -n "$resumed" ] && [ "$resumed" -ge "$prev" ]
	r=$?
	res $r "cut $cut: the guest read back every record flushed before the last cut (resumed after ${resumed:-?}, $prev flushed)"
	[ $r -eq 0 ] || bad=1

	# the file system: what a cut left for fsck to do
	e2fsck -fn "$img" >"$work/fsck-$cut.out" 2>&1
	frc=$?
	if [ $frc -ne 0 ]; then
		echo "cut $cut: e2fsck -fn exit $frc; repairing with e2fsck -fy:" | diag
		grep -v "^e2fsck\|^Pass\|^$" "$work/fsck-$cut.out" | head -n 12 | diag
		e2fsck -fy "$img" >"$work/fsck-$cut-fix.out" 2>&1
		frc=$?
		tail -n 3 "$work/fsck-$cut-fix.out" | diag
	fi
	[ $frc -le 1 ]
	res $? "cut $cut: the ext2 file system is clean or repaired by e2fsck (exit $frc)"

	vdi=$work/out-$cut.vdi
	rm -f "$vdi"
	debugfs -R "dump /crash.vdi $vdi" "$img" >"$work/debugfs-$cut.out" 2>&1 && [ -s "$vdi" ]
	res $? "cut $cut: debugfs dumps crash.vdi ($(stat -c %s "$vdi" 2>/dev/null || echo 0) bytes)"
	"$vmmctl" vdi check "$vdi" >"$work/check-$cut.out" 2>&1
	r=$?
	# A cut between an allocation's two syncs (the data and the header's
	# count first, then the map entry) leaves the count ahead of the map:
	# the data is safe, the count is never behind, and the next read-write
	# open repairs it (the next cut's boot does). qemu-img check calls it
	# an error, so that state, and only it, is repaired here the way a
	# user would (vmmctl vdi compact) before both checks run again.
	if [ $r -eq 3 ] && grep -q "a crash during an allocation" "$work/check-$cut.out" &&
	   [ "$(grep -c "^Leaked" "$work/check-$cut.out")" = 1 ]; then
		head -n 1 "$work/check-$cut.out" | sed "s/^/cut $cut: the cut fell inside an allocation: /" | diag
		windows=$((windows + 1))
		"$vmmctl" vdi compact "$vdi" 2>&1 | diag
		"$vmmctl" vdi check "$vdi" >"$work/check-$cut.out" 2>&1
		r=$?
		res $r "cut $cut: vmmctl vdi check is clean (after vmmctl vdi compact repaired the count of an allocation the cut interrupted)"
	else
		res $r "cut $cut: vmmctl vdi check is clean"
	fi
	[ $r -eq 0 ] || { bad=1; head -n 8 "$work/check-$cut.out" | diag; }
	qemu-img check -f vdi "$vdi" >"$work/qcheck-$cut.out" 2>&1
	r=$?
	res $r "cut $cut: qemu-img check is clean"
	[ $r -eq 0 ] || { bad=1; head -n 8 "$work/qcheck-$cut.out" | diag; }
	"$vmmctl" vdi cat "$vdi" >"$work/flat.img" &&
		"$work/diskcheck" flushcheck "$work/flat.img" "$last" >"$work/fc-$cut.out" 2>&1
	r=$?
	res $r "cut $cut: every record the guest saw flushed is in the image: $(sed -n 's/^diskcheck: //p' "$work/fc-$cut.out" | head -n 1)"
	[ $r -eq 0 ] || { bad=1; diag <"$work/fc-$cut.out"; }
	rm -f "$work/flat.img" "$vdi"
	findings=$((findings + bad))
done
echo "cutoff: $cuts cut points, $findings findings, $windows inside an allocation (repaired), records 1..$last, $(($(date +%s) - t_start)) s" | diag
finish
