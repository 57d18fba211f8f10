#!/bin/sh
# Suite "trace": the vmm tracepoints (events/vmm/) record guest exits.
. "$(dirname "$0")/lib.sh"
ktap_begin trace

ensure_vmm; result $? "vmm loaded"
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T 2>/dev/null
[ -d $T/events/vmm/vmm_exit ]; result $? "events/vmm/vmm_exit exists"
[ -d $T/events/vmm/vmm_user_exit ]; result $? "events/vmm/vmm_user_exit exists"
echo 0 >$T/tracing_on; echo >$T/trace
echo 1 >$T/events/vmm/enable; echo 1 >$T/tracing_on
run_to "$TMP/t.out" "$TMP/t.err" "$VMMCTL" run --image "$(payload halt.bin)"
result $? "halt.bin runs with tracing on"
echo 0 >$T/tracing_on; echo 0 >$T/events/vmm/enable
cat $T/trace >"$TMP/trace.txt"
n=$(grep -c "vmm_exit: vm [0-9]* vcpu 0 reason" "$TMP/trace.txt")
[ "$n" -gt 0 ]; result $? "vmm_exit events recorded ($n)"
# halt.bin prints through the UART: port I/O exits (reason 2) must show
grep -q "vmm_exit: .* reason 2 hw " "$TMP/trace.txt"; result $? "an I/O exit (reason 2, VMM_STAT_IO) is traced"
grep -q "vmm_user_exit: vm [0-9]* vcpu 0 exit_reason 3" "$TMP/trace.txt"; result $? "the final HLT return to userspace is traced"
[ $_fail -ne 0 ] && diag_file "$TMP/trace.txt" 10
echo >$T/trace
ktap_end
