#!/bin/bash
# The single test command: set up, build, then run every suite.
#
#   tests/run-all.sh
#
# Steps: scripts/setup.sh; make (module, vmmctl, guest, unit, bench) and
# make -C tests/integration; then the VT-x test host (Bochs) running the
# integration suites and the kdump chain, in the background, while the
# steps that need no emulator run beside it: unit tests; vmmctl tests; VDI
# interop tests (vmmctl vdi against qemu-img and 7zz); packaging
# (tests/packaging); fuzz smoke tests (if tests/fuzz/Makefile exists); the
# -rt build. Then, one emulator at a time: the AMD-V test host (QEMU TCG)
# running the integration suites, reboot, panic and kexec of the AMD-V test
# host with a VM running, the engine and device suites on a PREEMPT_RT
# kernel (tests/host/rt-test.sh), the whole AMD-V test host cut off while a
# VM writes a VDI (tests/host/cutoff-test.sh). Each step reports "# SUITE:
# P passed, F failed[, S skipped]"; the last line printed is the sum over
# all of them:
#   P passed, F failed[, S skipped]
# A step that crashes or prints no summary counts as 1 failed. Exit status
# is 0 only if nothing failed. Logs: out/logs/.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
logs=$top/out/logs
mkdir -p "$logs"
jobs=$(nproc 2>/dev/null || echo 2)

P=0; F=0; S=0
summary=()
t_start=$(date +%s)

# tally NAME LOG RC [SUITE]: add LOG's last "# SUITE: ..." line (any suite
# name if SUITE is empty) to the totals
tally() {
	local name=$1 log=$2 rc=$3 want=${4:-[A-Za-z0-9_.-]+} line p f s
	line=$(grep -aE "^# $want: [0-9]+ passed, [0-9]+ failed" "$log" | tail -n 1 | tr -d '\r')
	if [ -z "$line" ]; then
		echo "run-all: $name printed no summary line (exit $rc): counted as 1 failed"
		summary+=("$name: no summary (exit $rc) -> 1 failed")
		F=$((F + 1))
		return
	fi
	p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
	s=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$line")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "run-all: $name exited $rc with no failed test: counted as 1 failed"
		f=1
	fi
	P=$((P + p)); F=$((F + f)); S=$((S + ${s:-0}))
	summary+=("${line#\# } (exit $rc)")
}

# step NAME TIMEOUT CMD...: run CMD with its output on the terminal and in out/logs/NAME.log
step() {
	local name=$1 to=$2 rc t0
	shift 2
	echo
	echo "==== $name: $* ($(date +%T))"
	t0=$(date +%s)
	timeout -k 10 "$to" "$@" </dev/null 2>&1 | tee "$logs/$name.log"
	rc=${PIPESTATUS[0]}
	[ "$rc" = 124 ] && echo "run-all: $name timed out after $to s"
	echo "==== $name: exit $rc in $(($(date +%s) - t0)) s"
	return "$rc"
}

# bg_start NAME TIMEOUT CMD...: run CMD in the background, its output in
# out/logs/NAME.log only (bg_wait prints it); its pid in bg_pid
bg_pid=
bg_start() {
	local name=$1 to=$2
	shift 2
	echo
	echo "==== $name (in the background): $* ($(date +%T))"
	rm -f "$logs/$name.rc"
	(
		t0=$(date +%s)
		timeout -k 10 "$to" "$@" </dev/null >"$logs/$name.log" 2>&1
		echo "$? $(($(date +%s) - t0))" >"$logs/$name.rc"
	) &
	bg_pid=$!
}

# bg_wait NAME: wait for the background step, print its output; its status
bg_wait() {
	local name=$1 rc=1 secs=?
	echo
	echo "==== $name: waiting for it ($(date +%T))"
	wait "$bg_pid"
	[ -s "$logs/$name.rc" ] && read -r rc secs <"$logs/$name.rc"
	cat "$logs/$name.log"
	[ "$rc" = 124 ] && echo "run-all: $name timed out"
	echo "==== $name: exit $rc in $secs s"
	return "$rc"
}

# 1. packages
step setup 1800 scripts/setup.sh
rc=$?
if [ $rc -ne 0 ]; then
	echo "# setup: 0 passed, 1 failed" >>"$logs/setup.log"
	tally setup "$logs/setup.log" $rc setup
fi
# the kernel to build against and boot: known only once setup installed it
export KVER=${KVER:-$(ls /lib/modules 2>/dev/null | sort -V | tail -n1)}

# 2. build: keep going past failures so the parts that build still get tested
step build 1800 bash -c "make -k -j$jobs all && make -C tests/integration"
rc=$?
if [ $rc -eq 0 ]; then echo "# build: 1 passed, 0 failed"; else echo "# build: 0 passed, 1 failed"; fi >>"$logs/build.log"
tally build "$logs/build.log" 0 build
[ $rc -ne 0 ] && make -C tests/integration >>"$logs/build.log" 2>&1

# 3. the module in the VT-x test host (Bochs, Skylake-X), ~20x slower than
# QEMU, started first and run in the background: the steps up to the AMD-V
# host's (unit, vmmctl, VDI interop, packaging, fuzz, the -rt build) use no
# emulator, so they run beside it on the other CPU (niced, so that Bochs
# keeps its own). Bochs' guest clock is its instruction count (clock
# sync=none), so what the guests measure does not change with the load
# beside it. The QEMU test hosts start once it is done: one emulator at a
# time.
# The suites that exercise the engine and the devices on it, with the
# storage suite's light variant (both ISOs, their kernel as a PVH image),
# memory's (64 MiB
# touched and benchmarked) and arbitrate's short form (the CPU cap and the
# option checks, no guests); storage_hostile, balloon, disklat and install
# run on the AMD-V host only (they test engine-neutral code: the device
# models, the balloon's guest side, tracepoints, packaging). Its summary is
# renamed integration-intel so the two hosts stay apart in the summary.
# bochs-intel.sh stops a hung host at BOCHS_TIMEOUT (2700 s here) and then still
# prints an "# integration:" line (the finished suites + 1 failed).
# After the suites, the same boot runs the kdump chain (vmm.then=kdump: a
# panic with a VM running, the crash kernel runs a VM and reboots with it
# running; 256 MiB reserved for the crash kernel, so the host gets 256 MiB
# more), judged below as the down-intel step.
bg_start host-intel 2800 env BOCHS_TIMEOUT=2700 BOCHS_MEM=1280 tests/host/bochs-intel.sh test vmm.isos=isolinux,grub \
	vmm.suites=host,module,payloads,security,pc,storage,memory,arbitrate,trace,errors,race,lifecycle,coexist \
	crashkernel=256M vmm.then=kdump
# the steps beside it change nothing Bochs' initramfs is made of, but wait
# until it is made all the same (a minute at most)
for _ in $(seq 600); do
	grep -q "^bochs-intel: cpu=" "$logs/host-intel.log" 2>/dev/null && break
	kill -0 "$bg_pid" 2>/dev/null || break
	sleep 1
done

# 4. unit tests (ASan/UBSan), and vmmctl's own (command line, ACPI tables,
# e820, the Linux boot protocol)
step unit 900 nice make -C tests/unit check
tally unit "$logs/unit.log" $? unit
step vmmctl 300 nice make -C vmmctl check
rc=$?
tally vmmctl "$logs/vmmctl.log" $rc vmmctl
tally vmmctl-pc "$logs/vmmctl.log" $rc test_pc
tally vmmctl-diskstat "$logs/vmmctl.log" $rc vmmctl_diskstat

# VDI images: vmmctl vdi against qemu-img and 7zz (well under a minute)
step vdi-interop 180 nice tests/vdi/interop.sh
tally vdi-interop "$logs/vdi-interop.log" $? vdi-interop

# Packaging on this machine: make install/uninstall, help vs man page,
# DKMS against the installed headers, make deb + lintian, dpkg -i/--purge
# (about 1.5 minutes; keeps the DKMS-built vmm.ko in out/dkms/ for the
# test host's install suite)
step packaging 600 nice tests/packaging/test.sh
tally packaging "$logs/packaging.log" $? packaging

# 5. fuzz smoke tests
if [ -f tests/fuzz/Makefile ]; then
	step fuzz 900 nice make -C tests/fuzz check
	tally fuzz "$logs/fuzz.log" $?
fi

# the -rt kernel's headers and vmm.ko built for them (the rt step below
# boots them; it finds them built)
step rt-build 900 nice tests/host/rt-test.sh --build-only
[ $? -ne 0 ] && echo "run-all: the -rt build failed; the rt step says why"

bg_wait host-intel
rc=$?
line=$(grep -aE '^# integration: [0-9]+ passed, [0-9]+ failed' "$logs/host-intel.log" | tail -n 1 | tr -d '\r')
[ -n "$line" ] && echo "# integration-intel:${line#\# integration:}" >>"$logs/host-intel.log"
# (bochs-intel.sh's exit status is the crash kernel's end marker's, which
# carries the suites' status: the down-intel step judges the chain itself)
tally integration-intel "$logs/host-intel.log" $rc integration-intel
step down-intel 60 tests/host/down-test.sh --log "$logs/host-intel.log" kdump
tally down-intel "$logs/down-intel.log" $? down

# 6. the module in the AMD-V test host (about 12 minutes; QEMU_TIMEOUT
# ends a host that hangs, with its registers printed, before the step's
# own limit does)
step host 1700 env QEMU_TIMEOUT=1500 tests/host/qemu-amd.sh test
tally integration "$logs/host.log" $? integration
# the VDI the guest wrote through the kernel backend, read by qemu-img/7zz
step vdi-kernel-image 120 tests/vdi/kernel-image.sh "$logs/host.log"
tally vdi-kernel-image "$logs/vdi-kernel-image.log" $? vdi-kernel-image

# 6b. the AMD-V test host reboots, panics and kexecs with a VM running
step down 420 tests/host/down-test.sh reboot panic kexec
tally down "$logs/down.log" $? down

# 6c. the module on PREEMPT_RT: built against the Debian -rt headers, the
# engine and device suites in the AMD-V test host booted on the -rt kernel
# with sleeping-lock checks (tests/host/rt-test.sh); its summary is
# renamed integration-rt
step rt 600 tests/host/rt-test.sh
rc=$?
line=$(grep -aE '^# integration: [0-9]+ passed, [0-9]+ failed' "$logs/rt.log" | tail -n 1 | tr -d '\r')
[ -n "$line" ] && echo "# integration-rt:${line#\# integration:}" >>"$logs/rt.log"
tally rt "$logs/rt.log" $rc integration-rt

# 6d. the whole AMD-V test host is cut off (its QEMU killed) while a VM
# writes and flushes on a VDI kept on a disk that outlives it; the image
# is checked here (a test-host boot per cut point, 3 cut points; the
# storage suite adds 20 in-VM cuts).
# (VMM_EMU_LOCK=: this script runs its emulators one after another anyway)
step cutoff 600 env VMM_EMU_LOCK= tests/host/cutoff-test.sh 3
tally cutoff "$logs/cutoff.log" $? cutoff

echo
echo "==== summary ($(($(date +%s) - t_start)) s, logs in $logs)"
printf '  %s\n' "${summary[@]}"
if [ $S -gt 0 ]; then
	echo "$P passed, $F failed, $S skipped"
else
	echo "$P passed, $F failed"
fi
[ $F -eq 0 ]
