#!/bin/sh
# Suite "race": race_test hammers one VM at a time from several threads
# (VMM_RUN against closes of the VM/vCPU/console fds, VMM_ADD_MEMORY,
# VMM_CREATE_VCPU, mmap/munmap, console read/write/poll, stats, PC disks
# and fw_cfg, signals) for many rounds. Then: no oops/WARN in the kernel
# log, no VM left, MemFree/Slab back within bounds. The stock kernels of
# the test hosts have no KASAN and no kmemleak: the leak check is the
# counters'.
#   RACE_ROUNDS (2000; 25 on VT-x, where the host runs under Bochs and
#   each VM exit costs ~3 ms of wall time: 150 rounds took 218 s there,
#   50 the suite 114 s),
#   RACE_SECONDS (45; 60 on VT-x), RACE_MEMFREE_KB (8192), RACE_SLAB_KB (2048)
. "$(dirname "$0")/lib.sh"
ktap_begin race
RACE_TEST=${RACE_TEST:-/bin/race_test}
if grep -qw vmx /proc/cpuinfo; then
	ROUNDS=${RACE_ROUNDS:-25}; SECS=${RACE_SECONDS:-60}
else
	ROUNDS=${RACE_ROUNDS:-2000}; SECS=${RACE_SECONDS:-45}
fi
MEMFREE_KB=${RACE_MEMFREE_KB:-8192}
SLAB_KB=${RACE_SLAB_KB:-2048}

meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
settle() {
	local a b n=0
	sync; echo 3 >/proc/sys/vm/drop_caches; sleep 1
	b=$(meminfo MemFree)
	while [ $n -lt 10 ]; do
		echo 3 >/proc/sys/vm/drop_caches; sleep 0.5
		a=$b; b=$(meminfo MemFree)
		[ $((a > b ? a - b : b - a)) -lt 1024 ] && break
		n=$((n + 1))
	done
}
now() { cut -d' ' -f1 /proc/uptime; }

ensure_vmm; result $? "vmm loaded"
if [ ! -x "$RACE_TEST" ]; then
	not_ok "race_test present ($RACE_TEST)"
	ktap_end; exit
fi
# warm up: per-cpu caches, page cache, the binary itself
timeout 60 "$RACE_TEST" 20 10 >/dev/null 2>&1
settle
free0=$(meminfo MemFree); slab0=$(meminfo Slab)
diag "before: MemFree $free0 kB, Slab $slab0 kB"

t0=$(now)
CMD_TIMEOUT=$((SECS + 60)) run_to "$TMP/race.out" "$TMP/race.err" "$RACE_TEST" "$ROUNDS" "$SECS"
rc=$?
t1=$(now)
surface "race_test: " "$TMP/race.out"
[ "$(cat "$TMP/surfaced")" -ge 3 ]; result $? "race_test reported (exit $rc, $(awk "BEGIN {printf \"%.1f\", $t1 - $t0}") s)"
[ $rc -eq 0 ] || { diag "race_test exit $rc"; diag_file "$TMP/race.err" 10; }

n=$(live_vms); [ "${n:-x}" = 0 ]; result $? "no live VMs after the races (${n:-unknown})"
dmesg_clean; result $? "no oops, WARN or lockup in the kernel log"
diag_file "$TMP/dmesg.bad" 20

settle
free1=$(meminfo MemFree); slab1=$(meminfo Slab)
diag "after: MemFree $free1 kB, Slab $slab1 kB"
drop=$((free0 - free1)); grow=$((slab1 - slab0))
[ $drop -le "$MEMFREE_KB" ]; result $? "MemFree dropped by at most $MEMFREE_KB kB (dropped $drop kB)"
[ $grow -le "$SLAB_KB" ]; result $? "Slab grew by at most $SLAB_KB kB (grew $grow kB)"
ktap_end
