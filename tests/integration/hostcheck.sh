#!/bin/sh
# Suite "host": is the test host what the other suites assume? Either AMD-V
# with nested paging (svm, npt) or VT-x with EPT (vmx, ept) visible in the
# host CPU; with HOSTCHECK_KVM=1 (vmm.mode=check) also load that vendor's kvm
# stack, check /dev/kvm and unload it again.
. "$(dirname "$0")/lib.sh"
ktap_begin host

if grep -qw vmx /proc/cpuinfo; then
	vendor=intel; kmod=kvm_intel
	ok "CPU has vmx"
	grep -qw ept /proc/cpuinfo; result $? "CPU has ept"
	for f in vpid flexpriority unrestricted_guest ept_ad; do
		grep -qw $f /proc/cpuinfo || diag "no $f flag"
	done
	diag "vmx flags: $(grep -m1 '^vmx flags' /proc/cpuinfo | cut -d: -f2-)"
else
	vendor=amd; kmod=kvm_amd
	grep -qw svm /proc/cpuinfo; result $? "CPU has svm"
	grep -qw npt /proc/cpuinfo; result $? "CPU has npt"
fi
diag "kernel $(uname -r), $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2-), $(grep -c ^processor /proc/cpuinfo) cpu(s), $(awk '/MemTotal/ {print $2" kB"}' /proc/meminfo)"

if [ "${HOSTCHECK_KVM:-0}" = 1 ]; then
	order=$KVM_DIR/load-order.$vendor
	[ -f "$order" ] || order=$KVM_DIR/load-order
	t0=$(cut -d' ' -f1 /proc/uptime)
	okk=0
	for m in $(cat "$order"); do
		insmod "$KVM_DIR/$m.ko" >"$TMP/kvm.out" 2>&1 || { okk=1; diag "insmod $m failed"; diag_file "$TMP/kvm.out"; }
	done
	result $okk "kvm stack loads ($(tr '\n' ' ' <"$order"))"
	i=0; while [ ! -c /dev/kvm ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ -c /dev/kvm ]; result $? "/dev/kvm exists"
	grep -q "^$kmod " /proc/modules; result $? "$kmod in lsmod"
	if [ $vendor = intel ]; then
		p=$(cat /sys/module/kvm_intel/parameters/ept 2>/dev/null)
		[ "$p" = Y ] || [ "$p" = 1 ]; result $? "kvm_intel uses EPT"
		for q in vpid unrestricted_guest enable_apicv pml; do
			diag "kvm_intel $q=$(cat /sys/module/kvm_intel/parameters/$q 2>/dev/null)"
		done
	else
		p=$(cat /sys/module/kvm_amd/parameters/npt 2>/dev/null)
		[ "$p" = Y ] || [ "$p" = 1 ]; result $? "kvm_amd uses nested paging"
	fi
	t1=$(cut -d' ' -f1 /proc/uptime)
	diag "kvm stack load took $(awk "BEGIN {print $t1 - $t0}") s"
	rmmod $kmod && rmmod kvm; result $? "$kmod, kvm unload"
	dmesg | grep -iE 'kvm|svm|vmx|ccp' | tail -n 5 | sed 's/^/# dmesg: /'
fi
dmesg_clean; rc=$?; [ $rc -ne 0 ] && diag_file "$TMP/dmesg.bad"; result $rc "kernel log clean"
ktap_end
