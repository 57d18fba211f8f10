#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Compare VM exit round-trip costs of our engine (vmmctl + vmm.ko) and
# KVM (kvmrun + kvm_amd/kvm_intel) on the same payload, bench.bin, which
# prints "bench: <name> <cycles-per-op>" lines (or "<name> n/a (...)").
# Meant to run inside the test host; POSIX sh + awk (busybox).
#
# Usage: run-bench.sh [OPTIONS] [VMMCTL [KVMRUN [BENCH_BIN]]]
#   (or the environment variables VMMCTL, KVMRUN, BENCH_BIN;
#    defaults /bin/vmmctl, /bin/kvmrun, /payloads/bench.bin)
# Options:
#   --ours-log FILE   do not run vmmctl: use FILE, the output of an earlier
#                     `vmmctl run --image bench.bin --stat`
#   --kvm-log FILE    do not run kvmrun: use FILE, an earlier kvmrun output
#   --enforce         exit 1 when a target is missed
# Environment: BETWEEN_CMD, a shell command run between the two runs
# (e.g. "rmmod vmm && modprobe kvm_amd"); BENCH_TIMEOUT, seconds each run
# may take (default 120; needs timeout(1)); TMPDIR.
# Loading and unloading the modules is otherwise up to the caller: either
# both engines can run one after the other as things are, or run this
# twice, e.g. `run-bench.sh` with only vmm.ko loaded and --kvm-log from a
# `kvmrun` run made with only kvm loaded.
#
# Output: both raw outputs, then a table: name, ours, kvm, ratio ours/kvm
# (2 decimals), then the targets ("target: cpuid <= 0.60 ... PASS/FAIL").
# Exit status: 0 when both runs succeeded (and, with --enforce, the
# targets were met), 1 otherwise, 2 on a usage error.

ours_log= kvm_log= enforce=0
while [ $# -gt 0 ]; do
	case "$1" in
	--ours-log) [ $# -ge 2 ] || { echo "run-bench: --ours-log needs a FILE" >&2; exit 2; }
		ours_log=$2; shift 2 ;;
	--kvm-log) [ $# -ge 2 ] || { echo "run-bench: --kvm-log needs a FILE" >&2; exit 2; }
		kvm_log=$2; shift 2 ;;
	--enforce) enforce=1; shift ;;
	-h|--help) sed -n '3,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; break ;;
	-*) echo "run-bench: unknown option '$1'" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -le 3 ] || { echo "run-bench: too many arguments" >&2; exit 2; }
VMMCTL=${1:-${VMMCTL:-/bin/vmmctl}}
KVMRUN=${2:-${KVMRUN:-/bin/kvmrun}}
BENCH_BIN=${3:-${BENCH_BIN:-/payloads/bench.bin}}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-120}
tmp=${TMPDIR:-/tmp}
status=0

if [ -z "$ours_log" ] || [ -z "$kvm_log" ]; then
	[ -f "$BENCH_BIN" ] || { echo "run-bench: $BENCH_BIN: no such file" >&2; exit 2; }
fi

# run_engine NAME OUTFILE CMD...: run with a timeout when timeout(1) exists
run_engine() {
	name=$1 out=$2
	shift 2
	echo "== $name: $*"
	if command -v timeout >/dev/null 2>&1; then
		timeout "$BENCH_TIMEOUT" "$@" >"$out" 2>&1
	else
		"$@" >"$out" 2>&1
	fi
	rc=$?
	cat "$out"
	if [ $rc -ne 0 ]; then
		echo "run-bench: $name exited with status $rc" >&2
		status=1
	fi
}

if [ -n "$ours_log" ]; then
	[ -r "$ours_log" ] || { echo "run-bench: cannot read $ours_log" >&2; exit 2; }
	echo "== ours: from $ours_log"; cat "$ours_log"
else
	ours_log=$tmp/bench-ours.out
	run_engine ours "$ours_log" "$VMMCTL" run --image "$BENCH_BIN" --stat
fi

if [ -n "${BETWEEN_CMD:-}" ]; then
	echo "== between: $BETWEEN_CMD"
	sh -c "$BETWEEN_CMD" || { echo "run-bench: BETWEEN_CMD failed" >&2; status=1; }
fi

if [ -n "$kvm_log" ]; then
	[ -r "$kvm_log" ] || { echo "run-bench: cannot read $kvm_log" >&2; exit 2; }
	echo "== kvm: from $kvm_log"; cat "$kvm_log"
else
	kvm_log=$tmp/bench-kvm.out
	run_engine kvm "$kvm_log" "$KVMRUN" --irqchip --image "$BENCH_BIN"
fi

echo
# Targets: "name max-ratio" pairs.
targets="cpuid 0.60 mmio_user 0.60 mmio_kernel 0.60"
awk -v targets="$targets" -v enforce="$enforce" '
function isnum(s) { return s ~ /^[0-9]+(\.[0-9]+)?$/ }
{ sub(/\r$/, "") }
/^bench: / && NF >= 3 && $2 != "done" {
	name = $2
	if (!(name in seen)) { seen[name] = 1; order[++n] = name }
	if (FILENAME == ARGV[1]) ours[name] = $3; else kvm[name] = $3
}
END {
	printf "%-14s %12s %12s %8s\n", "name", "ours", "kvm", "ratio"
	for (i = 1; i <= n; i++) {
		k = order[i]
		o = (k in ours) ? ours[k] : "-"
		v = (k in kvm) ? kvm[k] : "-"
		r = "-"
		if (isnum(o) && isnum(v) && v + 0 > 0) {
			ratio[k] = o / v
			r = sprintf("%.2f", ratio[k])
		}
		printf "%-14s %12s %12s %8s\n", k, o, v, r
	}
	if (!n)
		print "(no bench: lines in either output)"
	miss = 0
	nt = split(targets, t, " ")
	for (i = 1; i + 1 <= nt; i += 2) {
		k = t[i]; lim = t[i + 1]
		if (k in ratio) {
			res = ratio[k] <= lim + 0 ? "PASS" : "FAIL"
			printf "target: %s <= %s: %.2f %s\n", k, lim, ratio[k], res
		} else {
			res = "FAIL"
			printf "target: %s <= %s: no result %s\n", k, lim, res
		}
		if (res == "FAIL")
			miss = 1
	}
	exit (enforce && miss) ? 1 : (n ? 0 : 1)
}' "$ours_log" "$kvm_log" || status=1
exit $status
