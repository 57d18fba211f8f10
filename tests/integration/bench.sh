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

if [ -f "$RUNBENCH" ]; then
	BETWEEN_CMD="sh $0 --load-kvm" sh "$RUNBENCH" "$VMMCTL" "$KVMRUN" "$BENCH" || rc=1
else
	echo "bench: $RUNBENCH missing; running each engine once"
	timeout 300 "$VMMCTL" run --image "$BENCH" --stat || rc=1
	load_kvm || exit 1
	timeout 300 "$KVMRUN" --image "$BENCH" || rc=1
fi
echo "overhead_bytes: ${ovh:-unknown}"
exit $rc
