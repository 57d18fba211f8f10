#!/bin/sh
# Suite "module": vmm.ko loads, /dev/vmm appears root-only, lsmod shows it.
# Leaves the module loaded for the suites after it.
. "$(dirname "$0")/lib.sh"
ktap_begin module

[ -f "$VMM_KO" ]; result $? "vmm.ko present ($VMM_KO)"
vmm_loaded && rmmod vmm
insmod "$VMM_KO" $VMM_MODARGS >"$TMP/insmod.out" 2>&1; rc=$?
result $rc "insmod vmm.ko $VMM_MODARGS"
if [ $rc -ne 0 ]; then
	diag_file "$TMP/insmod.out"
	dmesg_new | tail -n 20 | sed 's/^/# dmesg: /'
fi
i=0; while [ ! -c /dev/vmm ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -c /dev/vmm ]; result $? "/dev/vmm is a character device"
mode=$(stat -c %a /dev/vmm 2>/dev/null); owner=$(stat -c %u:%g /dev/vmm 2>/dev/null)
[ "$mode" = 600 ]; result $? "/dev/vmm mode 0600 (is ${mode:-none})"
[ "$owner" = 0:0 ]; result $? "/dev/vmm owned by root:root (is ${owner:-none})"
lsmod | grep -q '^vmm '; result $? "lsmod lists vmm"
[ -d /sys/module/vmm ]; result $? "/sys/module/vmm exists"
if [ -x "$VMMCTL" ]; then
	check "vmmctl version" run_to "$TMP/v.out" "$TMP/v.err" "$VMMCTL" version
	diag_file "$TMP/v.out" 5
fi
dmesg_new | grep -i vmm | tail -n 5 | sed 's/^/# dmesg: /'
dmesg_clean; rc=$?; [ $rc -ne 0 ] && diag_file "$TMP/dmesg.bad"
result $rc "kernel log clean after load"
ktap_end
