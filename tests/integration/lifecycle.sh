#!/bin/sh
# Suite "lifecycle": many VM create/destroy cycles must not leak memory;
# rmmod works afterwards and the module loads again.
#   LEAK_CYCLES (200), LEAK_MEMFREE_KB (8192), LEAK_SLAB_KB (2048)
. "$(dirname "$0")/lib.sh"
ktap_begin lifecycle
CYCLES=${LEAK_CYCLES:-200}
# The VT-x host (Bochs) runs the lighter variant: 50 cycles of each kind
# (the limits stay absolute, so a leak must be 4x larger per VM to show
# there; the AMD-V host runs all 200 through the same common code).
if [ -z "${LEAK_CYCLES:-}" ] && grep -q GenuineIntel /proc/cpuinfo; then
	CYCLES=50
fi
MEMFREE_KB=${LEAK_MEMFREE_KB:-8192}
SLAB_KB=${LEAK_SLAB_KB:-2048}

meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
# Drop caches, then wait until MemFree holds still (deferred frees of
# exited processes and RCU callbacks land late) so one reading is fair.
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
# bytes per slab cache: name bytes
slabs() { [ -r /proc/slabinfo ] && awk 'NR > 2 { print $1, $3 * $4 }' /proc/slabinfo | sort; }
now() { cut -d' ' -f1 /proc/uptime; }

ensure_vmm; result $? "vmm loaded"
diag "$CYCLES cycles of each kind"
halt=$(payload halt.bin)
# warm up: first runs fault in vmmctl, page cache, per-cpu caches
for i in 1 2 3 4 5; do run_to /dev/null /dev/null "$VMMCTL" run --image "$halt"; done
[ -x "$ABI_TEST" ] && "$ABI_TEST" --cycles 5 >/dev/null 2>&1

settle
free0=$(meminfo MemFree); slab0=$(meminfo Slab); slabs >"$TMP/slab0"
diag "before: MemFree $free0 kB, Slab $slab0 kB"

t0=$(now); bad=0; first=
i=0
while [ $i -lt "$CYCLES" ]; do
	run_to "$TMP/l.out" "$TMP/l.err" "$VMMCTL" run --image "$halt"; rc=$?
	if [ $rc -ne 0 ]; then
		bad=$((bad + 1))
		[ -z "$first" ] && first="run $i: exit $rc: $(tail -n 2 "$TMP/l.err" | tr '\n' ' ')"
		[ $bad -ge 10 ] && break
	fi
	i=$((i + 1))
done
t1=$(now)
[ $bad -eq 0 ]; result $? "$CYCLES x vmmctl run halt.bin all exit 0 ($(awk "BEGIN {printf \"%.1f\", $t1 - $t0}") s)"
[ -n "$first" ] && diag "$first"

if [ -x "$ABI_TEST" ]; then
	t0=$(now)
	check "abi_test --cycles $CYCLES (VM + 16 MiB + vCPU, VM fd closed first)" \
		run_to "$TMP/c.out" "$TMP/c.err" "$ABI_TEST" --cycles "$CYCLES"
	[ $? -ne 0 ] && diag_file "$TMP/c.err" 5
	t1=$(now); diag "abi_test cycles: $(awk "BEGIN {printf \"%.1f\", $t1 - $t0}") s"
else
	not_ok "abi_test present ($ABI_TEST)"
fi

n=$(live_vms); [ "${n:-x}" = 0 ]; result $? "no live VMs after the cycles (${n:-unknown})"
rmmod vmm >"$TMP/rmmod.out" 2>&1; rc=$?
result $rc "rmmod vmm"
[ $rc -ne 0 ] && diag_file "$TMP/rmmod.out"
[ ! -e /dev/vmm ] || { sleep 1; [ ! -e /dev/vmm ]; }; result $? "/dev/vmm gone after rmmod"

settle
free1=$(meminfo MemFree); slab1=$(meminfo Slab); slabs >"$TMP/slab1"
diag "after rmmod: MemFree $free1 kB, Slab $slab1 kB"
drop=$((free0 - free1)); grow=$((slab1 - slab0))
[ $drop -le "$MEMFREE_KB" ]; result $? "MemFree dropped by at most $MEMFREE_KB kB (dropped $drop kB)"
[ $grow -le "$SLAB_KB" ]; result $? "Slab grew by at most $SLAB_KB kB (grew $grow kB)"
if [ -s "$TMP/slab0" ]; then
	diag "slab caches that grew most (bytes):"
	awk 'NR == FNR { a[$1] = $2; next } { d = $2 - a[$1]; if (d > 0) print d, $1 }' \
		"$TMP/slab0" "$TMP/slab1" |
		sort -rn | head -n 5 | sed 's/^/#   /'
fi

ensure_vmm; result $? "insmod vmm again"
run_to "$TMP/l.out" "$TMP/l.err" "$VMMCTL" run --image "$halt"; rc=$?
result $rc "halt.bin runs after reload (exit $rc)"
dmesg_clean; rc=$?; [ $rc -ne 0 ] && diag_file "$TMP/dmesg.bad"
result $rc "kernel log clean"
ktap_end
