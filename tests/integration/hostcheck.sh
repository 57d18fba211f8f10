#!/bin/sh
# Suite "host": is the test host what the other suites assume? AMD-V with
# nested paging visible in the host CPU; with HOSTCHECK_KVM=1 (vmm.mode=check)
# also load the kvm stack, check /dev/kvm and unload it again.
. "$(dirname "$0")/lib.sh"
ktap_begin host

grep -qw svm /proc/cpuinfo; result $? "CPU has svm"
grep -qw npt /proc/cpuinfo; result $? "CPU has npt"
diag "kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) cpu(s), $(awk '/MemTotal/ {print $2" kB"}' /proc/meminfo)"

if [ "${HOSTCHECK_KVM:-0}" = 1 ]; then
	t0=$(cut -d' ' -f1 /proc/uptime)
	okk=0
	for m in $(cat "$KVM_DIR/load-order"); do
		insmod "$KVM_DIR/$m.ko" >"$TMP/kvm.out" 2>&1 || { okk=1; diag "insmod $m failed"; diag_file "$TMP/kvm.out"; }
	done
	result $okk "kvm stack loads ($(tr '\n' ' ' <"$KVM_DIR/load-order"))"
	i=0; while [ ! -c /dev/kvm ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ -c /dev/kvm ]; result $? "/dev/kvm exists"
	grep -q '^kvm_amd ' /proc/modules; result $? "kvm_amd in lsmod"
	[ "$(cat /sys/module/kvm_amd/parameters/npt 2>/dev/null)" = Y ] || [ "$(cat /sys/module/kvm_amd/parameters/npt 2>/dev/null)" = 1 ]
	result $? "kvm_amd uses nested paging"
	t1=$(cut -d' ' -f1 /proc/uptime)
	diag "kvm stack load took $(awk "BEGIN {print $t1 - $t0}") s"
	rmmod kvm_amd && rmmod kvm; result $? "kvm_amd, kvm unload"
	dmesg | grep -iE 'kvm|svm|ccp' | tail -n 5 | sed 's/^/# dmesg: /'
fi
dmesg_clean; rc=$?; [ $rc -ne 0 ] && diag_file "$TMP/dmesg.bad"; result $rc "kernel log clean"
ktap_end
