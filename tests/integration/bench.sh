#!/bin/sh
# vmm.mode=bench (not a test): the memory overhead of a live VM, then
# bench/run-bench.sh runs bench.bin under our module (vmmctl), swaps
# vmm.ko for the kvm stack (BETWEEN_CMD), runs it under kvm_amd (kvmrun)
# and prints the ratio table.
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
rm -f /tmp/bench-ours.all /tmp/bench-kvm.all
i=0
while [ $i -lt "$ROUNDS" ]; do
	echo "== round $i: ours"
	timeout 300 "$VMMCTL" run --image "$BENCH" --stat >/tmp/bench-ours.$i 2>&1 || rc=1
	cat /tmp/bench-ours.$i; cat /tmp/bench-ours.$i >>/tmp/bench-ours.all
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
echo "overhead_bytes: ${ovh:-unknown}"
exit $rc
