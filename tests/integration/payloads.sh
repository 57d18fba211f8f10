#!/bin/sh
# Suite "payloads": run the guest payloads with vmmctl; the selftest's own
# KTAP results become results of this suite ("selftest: ...").
. "$(dirname "$0")/lib.sh"
ktap_begin payloads

ensure_vmm; result $? "vmm loaded"
[ -x "$VMMCTL" ]; result $? "vmmctl present ($VMMCTL)"
O=$TMP/p.out; E=$TMP/p.err

show() { diag "stdout:"; diag_file "$O" 20; diag "stderr:"; diag_file "$E" 20; }

# selftest.bin
run_to "$O" "$E" "$VMMCTL" run --image "$(payload selftest.bin)"; rc=$?
result $rc "selftest.bin exits 0 (exit $rc)"
cat "$O" "$E" >"$TMP/selftest.all"
surface "selftest: " "$TMP/selftest.all"
summ=$(grep -a '# selftest: ' "$TMP/selftest.all" | tail -n 1)
echo "$summ" | grep -q ' 0 failed'; r=$?
[ -n "$summ" ] && [ $r -eq 0 ]; result $? "selftest.bin reports '# selftest: ... 0 failed' ($summ)"
[ "$(cat "$TMP/surfaced")" -gt 0 ]; result $? "selftest.bin printed KTAP results"
[ $rc -ne 0 ] || [ -z "$summ" ] && show

# halt.bin
run_to "$O" "$E" "$VMMCTL" run --image "$(payload halt.bin)"; rc=$?
grep -q 'halt: ok' "$O" "$E"; r=$?
result $rc "halt.bin exits 0 (exit $rc)"
result $r "halt.bin prints 'halt: ok'"
[ $rc -ne 0 ] || [ $r -ne 0 ] && show

# triple.bin
run_to "$O" "$E" "$VMMCTL" run --image "$(payload triple.bin)"; rc=$?
[ $rc -eq 70 ]; result $? "triple.bin exits 70 (exit $rc)"
grep -qi shutdown "$E"; r=$?
result $r "triple.bin: stderr mentions shutdown"
[ $rc -ne 70 ] || [ $r -ne 0 ] && show

# hostile.bin: forbidden instructions, debug registers, MSR sweeps
run_to "$O" "$E" "$VMMCTL" run --image "$(payload hostile.bin)"; rc=$?
result $rc "hostile.bin exits 0 (exit $rc)"
cat "$O" "$E" >"$TMP/hostile.all"
surface "hostile: " "$TMP/hostile.all"
grep -aq '# hostile: [0-9]* passed, 0 failed' "$TMP/hostile.all"
result $? "hostile.bin reports 0 failed"
[ $rc -ne 0 ] && show

# Guests doing what the VMM cannot emulate end with a clear internal
# error (exit 1), not a hang and not a host problem.
for p in strio badmmio mmiofetch; do
	run_to "$O" "$E" "$VMMCTL" run --image "$(payload $p.bin)"; rc=$?
	[ $rc -eq 1 ]; result $? "$p.bin ends with status 1 (exit $rc)"
	grep -q "internal error" "$E"; r=$?
	result $r "$p.bin: vmmctl reports an internal error"
	grep -q "still running" "$O"; [ $? -ne 0 ]; result $? "$p.bin did not go on past the bad instruction"
	[ $rc -ne 1 ] || [ $r -ne 0 ] && show
done

# spin.bin killed by a signal: exit 128+N within 5 s, and the VM is gone.
# It must still be running SPIN_WAIT s after it said it spins: 2 s, but
# 0.2 s on the VT-x host, where Bochs runs a guest that spins with IF=0
# ~60x slower than other code (only the 10 ms VMX-preemption-timer
# watchdog ends its runs there), so 2 s of host time take two minutes.
SPIN_WAIT=${SPIN_WAIT:-2}
grep -q GenuineIntel /proc/cpuinfo && SPIN_WAIT=0.2
spin_signal() { # SIG EXPECTED
	local pid i rc n
	abi_exec=
	[ -x "$ABI_TEST" ] && abi_exec="$ABI_TEST --exec"
	# shellcheck disable=SC2086
	$abi_exec "$VMMCTL" run --image "$(payload spin.bin)" >"$O" 2>"$E" </dev/null &
	pid=$!
	i=0
	while ! grep -q "spin: spinning" "$O" && kill -0 $pid 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	sleep "$SPIN_WAIT"
	if ! kill -0 $pid 2>/dev/null; then
		wait $pid; rc=$?
		not_ok "spin.bin still running $SPIN_WAIT s after it started spinning (exited $rc)"
		show
		return
	fi
	grep -q "spin: spinning" "$O"
	result $? "spin.bin still running $SPIN_WAIT s after it started spinning"
	kill -"$1" $pid
	i=0
	while kill -0 $pid 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	if kill -0 $pid 2>/dev/null; then
		not_ok "spin.bin exits within 5 s of SIG$1"
		kill -KILL $pid; wait $pid
		show
	else
		ok "spin.bin exits within 5 s of SIG$1 ($((i / 10)).$((i % 10)) s)"
		wait $pid; rc=$?
		[ $rc -eq "$2" ]; result $? "spin.bin exit status $2 after SIG$1 (exit $rc)"
		[ $rc -ne "$2" ] && show
	fi
	run_to "$TMP/s.out" "$TMP/s.err" "$VMMCTL" stat
	grep -q '^0 live VMs' "$TMP/s.out"; r=$?
	n=$(live_vms)
	[ $r -eq 0 ] && [ "${n:-0}" = 0 ]
	result $? "no VM remains after SIG$1 (vmmctl stat: $(head -n 1 "$TMP/s.out"))"
}
spin_signal TERM 143
spin_signal INT 130

# bench.bin with --stat
run_to "$O" "$E" "$VMMCTL" run --image "$(payload bench.bin)" --stat; rc=$?
grep -q 'bench: done' "$O" "$E"; r=$?
result $rc "bench.bin --stat exits 0 (exit $rc)"
result $r "bench.bin prints 'bench: done'"
grep -qi cpuid "$O" "$E"; result $? "bench.bin --stat prints exit statistics"
[ $rc -ne 0 ] || [ $r -ne 0 ] && show

# module-wide statistics
run_to "$TMP/s.out" "$TMP/s.err" "$VMMCTL" stat; rc=$?
result $rc "vmmctl stat exits 0"
cpuid=$(awk '$1 == "cpuid" { print $2; exit }' "$TMP/s.out")
[ "${cpuid:-0}" -gt 0 ] 2>/dev/null; result $? "vmmctl stat shows a nonzero cpuid count (${cpuid:-none})"
diag_file "$TMP/s.out" 30

dmesg_clean; rc=$?; [ $rc -ne 0 ] && diag_file "$TMP/dmesg.bad"
result $rc "kernel log clean"
ktap_end
