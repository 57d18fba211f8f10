#!/bin/sh
# Suite "coexist": vmm.ko and the kvm stack loaded side by side. Whichever
# hypervisor has a live VM owns the CPU's virtualization; the other one
# must refuse to create a VM with a clear message, and neither may disturb
# the running guest or the host.
. "$(dirname "$0")/lib.sh"
ktap_begin coexist
KVMRUN=${KVMRUN:-/bin/kvmrun}

ensure_vmm; result $? "vmm.ko loaded"
kvm_ok=1
for m in $(cat "$KVM_DIR/load-order" 2>/dev/null); do
	grep -q "^$(echo "$m" | tr - _) " /proc/modules && continue
	insmod "$KVM_DIR/$m.ko" >"$TMP/kvm.insmod" 2>&1 || kvm_ok=0
done
i=0; while [ ! -c /dev/kvm ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ $kvm_ok = 1 ] && [ -c /dev/kvm ] && [ -x "$KVMRUN" ]
result $? "kvm stack loaded beside vmm.ko"

# spinning: until FILE says its guest spins (at most 60 s), then a little
# more: waiting fixed seconds costs minutes on the VT-x host, where Bochs
# runs a spinning L2 guest ~60x slower than other code
SETTLE=1
grep -q GenuineIntel /proc/cpuinfo && SETTLE=0.2
spinning() {
	_i=0
	while ! grep -q "$2" "$1" 2>/dev/null && [ $_i -lt 600 ]; do sleep 0.1; _i=$((_i + 1)); done
	sleep "$SETTLE"
	grep -q "$2" "$1" 2>/dev/null
}

run_to "$TMP/c1.out" "$TMP/c1.err" "$VMMCTL" run --image "$(payload halt.bin)"
result $? "our VM runs while kvm is loaded but idle"

# kvm owns the CPU: our VM creation must fail cleanly.
# spinirq.bin: a kvm_intel guest spinning with IF=0 freezes Bochs
"$KVMRUN" --image "$(payload spinirq.bin)" >"$TMP/kspin.out" 2>&1 &
kpid=$!
spinning "$TMP/kspin.out" "spinirq: spinning" || diag "kvmrun's guest did not say it spins: $(head -c 200 "$TMP/kspin.out")"
base=$(dmesg | wc -l)
run_to "$TMP/c2.out" "$TMP/c2.err" "$VMMCTL" run --image "$(payload halt.bin)"
rc=$?
[ $rc -eq 1 ]; result $? "vmmctl fails with status 1 while a kvm VM runs (status $rc)"
grep -qi "busy\|in use" "$TMP/c2.err"; result $? "vmmctl says the CPU is busy"
diag_file "$TMP/c2.err" 3
dmesg | tail -n +$((base + 1)) | grep -q "in use by another hypervisor"; result $? "the module logs who holds virtualization"
kill -0 $kpid 2>/dev/null; result $? "the kvm guest is still running"
kill -TERM $kpid; wait $kpid
run_to "$TMP/c3.out" "$TMP/c3.err" "$VMMCTL" run --image "$(payload halt.bin)"
result $? "our VM runs again once the kvm VM is gone"

# We own the CPU: kvm's VM creation must fail and ours keep running.
"$VMMCTL" run --image "$(payload spin.bin)" >"$TMP/vspin.out" 2>&1 &
vpid=$!
spinning "$TMP/vspin.out" "spin: spinning" || diag "our guest did not say it spins: $(head -c 200 "$TMP/vspin.out")"
run_to "$TMP/c4.out" "$TMP/c4.err" "$KVMRUN" --image "$(payload halt.bin)"
rc=$?
[ $rc -ne 0 ]; result $? "a kvm VM cannot start while ours runs (status $rc)"
diag_file "$TMP/c4.err" 3
kill -0 $vpid 2>/dev/null; result $? "our guest is still running"
kill -TERM $vpid; wait $vpid; rc=$?
[ $rc -eq 143 ]; result $? "our guest stops on SIGTERM (status $rc)"
run_to "$TMP/c5.out" "$TMP/c5.err" "$KVMRUN" --image "$(payload halt.bin)"
result $? "kvm runs a VM once ours is gone"

for m in $(sed '1!G;h;$!d' "$KVM_DIR/load-order" 2>/dev/null); do
	rmmod "$(echo "$m" | tr - _)" 2>/dev/null
done
dmesg_clean; rc=$?; [ $rc -ne 0 ] && diag_file "$TMP/dmesg.bad"
result $rc "kernel log clean"
ktap_end
