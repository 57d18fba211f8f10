#!/bin/sh
# vmm.mode=bench (not a test): the memory overhead of a live VM, then
# bench/run-bench.sh runs bench.bin under our module (vmmctl), swaps
# vmm.ko for the kvm stack (BETWEEN_CMD), runs it under kvm_amd (kvmrun)
# and prints the ratio table. With /lib/vmm/vmm-base.ko (VMM_BASE_KO for
# qemu-amd.sh) each round also runs the payload under that module, and a
# second table gives ours against it: an exit-path change measured side
# by side with its base in one host.
#   bench.sh --load-kvm   (used as BETWEEN_CMD) rmmod vmm, insmod the kvm stack
. "$(dirname "$0")/lib.sh"
RUNBENCH=${RUNBENCH:-/bench/run-bench.sh}
KVMRUN=${KVMRUN:-/bin/kvmrun}
BENCH=$(payload bench.bin)

load_kvm() {
	if vmm_loaded; then rmmod vmm || { echo "bench: rmmod vmm failed"; return 1; }; fi
	for m in $(cat "$KVM_DIR/load-order"); do
		grep -q "^$(echo "$m" | tr - _) " /proc/modules && continue
		insmod "$KVM_DIR/$m.ko" || { echo "bench: insmod $m failed"; return 1; }
	done
	i=0; while [ ! -c /dev/kvm ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ -c /dev/kvm ] || { echo "bench: no /dev/kvm"; return 1; }
	echo "bench: kvm stack loaded ($(tr '\n' ' ' <"$KVM_DIR/load-order"))"
}
if [ "${1:-}" = --load-kvm ]; then load_kvm; exit $?; fi

rc=0
ensure_vmm || { echo "bench: cannot load vmm.ko"; exit 1; }

echo "== VM memory overhead: vmmctl stat while spin.bin runs (16 MiB guest)"
"$VMMCTL" run --image "$(payload spin.bin)" >/dev/null 2>&1 </dev/null &
pid=$!
sleep 2
"$VMMCTL" stat | sed -n '1,/^$/p'
ovh=$("$VMMCTL" stat --json 2>/dev/null | grep -o '"overhead_bytes":[0-9]*' | head -n 1 | cut -d: -f2)
echo "overhead_bytes: ${ovh:-unknown}"
kill -TERM $pid; wait $pid

# Both stacks stay loaded (each takes SVM only while it has a VM), and the
# engines alternate so that host noise hits both alike; each op's best
# run counts.
ROUNDS=${BENCH_ENGINE_ROUNDS:-3}
load_kvm_keep() {
	for m in $(cat "$KVM_DIR/load-order"); do
		grep -q "^$(echo "$m" | tr - _) " /proc/modules && continue
		insmod "$KVM_DIR/$m.ko" || { echo "bench: insmod $m failed"; return 1; }
	done
	i=0; while [ ! -c /dev/kvm ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ -c /dev/kvm ]
}
load_kvm_keep || { echo "bench: cannot load the kvm stack"; exit 1; }
BASE_KO=${BENCH_BASE_KO:-/lib/vmm/vmm-base.ko}
# swap_vmm KO: the vmm.ko loaded now gives way to KO
swap_vmm() {
	# shellcheck disable=SC2086
	rmmod vmm && insmod "$1" $VMM_MODARGS || { echo "bench: cannot load $1"; return 1; }
	i2=0; while [ ! -c /dev/vmm ] && [ $i2 -lt 50 ]; do sleep 0.1; i2=$((i2 + 1)); done
}
rm -f /tmp/bench-ours.all /tmp/bench-kvm.all /tmp/bench-base.all
i=0
while [ $i -lt "$ROUNDS" ]; do
	echo "== round $i: ours"
	timeout 300 "$VMMCTL" run --image "$BENCH" --stat >/tmp/bench-ours.$i 2>&1 || rc=1
	cat /tmp/bench-ours.$i; cat /tmp/bench-ours.$i >>/tmp/bench-ours.all
	if [ -f "$BASE_KO" ]; then
		echo "== round $i: base ($BASE_KO)"
		swap_vmm "$BASE_KO" || rc=1
		timeout 300 "$VMMCTL" run --image "$BENCH" --stat >/tmp/bench-base.$i 2>&1 || rc=1
		cat /tmp/bench-base.$i; cat /tmp/bench-base.$i >>/tmp/bench-base.all
		swap_vmm "$VMM_KO" || rc=1
	fi
	echo "== round $i: kvm"
	timeout 300 "$KVMRUN" --irqchip --image "$BENCH" >/tmp/bench-kvm.$i 2>&1 || rc=1
	cat /tmp/bench-kvm.$i; cat /tmp/bench-kvm.$i >>/tmp/bench-kvm.all
	i=$((i + 1))
done
best() {
	awk '$1 == "bench:" && $3 ~ /^[0-9]+$/ {
		if (!($2 in m) || $3 < m[$2]) { m[$2] = $3; if (!($2 in seen)) { seen[$2] = 1; order[n++] = $2 } } }
	     END { for (k = 0; k < n; k++) print "bench:", order[k], m[order[k]]; print "bench: done" }' "$1"
}
best /tmp/bench-ours.all >/tmp/bench-ours.best
best /tmp/bench-kvm.all >/tmp/bench-kvm.best
echo "== best of $ROUNDS alternating runs per engine"
if [ -f "$RUNBENCH" ]; then
	sh "$RUNBENCH" --ours-log /tmp/bench-ours.best --kvm-log /tmp/bench-kvm.best \
		"$VMMCTL" "$KVMRUN" "$BENCH" || rc=1
else
	paste /tmp/bench-ours.best /tmp/bench-kvm.best
fi
if [ -f /tmp/bench-base.all ]; then
	best /tmp/bench-base.all >/tmp/bench-base.best
	echo "== ours against base ($BASE_KO), best of $ROUNDS alternating runs each"
	awk '$1 == "bench:" && $3 ~ /^[0-9]+$/ {
		if (FILENAME == ARGV[1]) o[$2] = $3; else { b[$2] = $3; ord[n++] = $2 } }
	     END { printf "%-14s %12s %12s %8s\n", "name", "ours", "base", "ratio"
		for (k = 0; k < n; k++) { x = ord[k]
			printf "%-14s %12s %12s %8s\n", x, (x in o) ? o[x] : "-", b[x],
				(x in o) ? sprintf("%.3f", o[x] / b[x]) : "-" } }' \
		/tmp/bench-ours.best /tmp/bench-base.best
fi
echo "overhead_bytes: ${ovh:-unknown}"
exit $rc
