#!/bin/bash
# Reboot, panic and kexec of the AMD-V test host with a VM running: the
# module must switch virtualization off (reboot notifier, or the emergency
# callback on panic), its vCPU loop must stop entering, and the kernel must
# reach the restart (QEMU runs with -no-reboot, so it exits) without an
# oops. kexec: the same kernel boots again in the same machine, loads
# vmm.ko and runs a VM (SVM must have been left cleanly), then powers off.
# Prints KTAP; exits 0 if all passed.
#   tests/host/down-test.sh [reboot] [panic] [kexec]
#   tests/host/down-test.sh --log SERIAL-LOG kdump
# The second form judges the kdump chain that the VT-x host ran after its
# suites in one boot (bochs-intel.sh test ... vmm.then=kdump crashkernel=):
# a VM running, panic, the emergency callback leaves VMX, the crash kernel
# runs a VM, then reboots with it running.
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-$here/../../out/testhost}
mkdir -p "$out"
n=0; fail=0
res() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else fail=$((fail + 1)); echo "not ok $n - $2"; fi; }
echo "KTAP version 1"
echo "# Subtest: down"
if [ "${1:-}" = --log ]; then
	log=$2
	[ "${3:-}" = kdump ] || { echo "usage: $0 --log SERIAL-LOG kdump" >&2; exit 2; }
	tr -d '\r' <"$log" >"$out/down-kdump.log"
	first=$(sed -n '/down: VM running.*now: kdump/,/down: kdump: crash kernel .* up/p' "$out/down-kdump.log")
	# a panic prints its own call trace: judge what follows it
	trace_end=$(echo "$first" | sed -n '/<\/TASK>/,$p' | tail -n +2)
	second=$(sed -n '/down: kdump: crash kernel .* up/,$p' "$out/down-kdump.log")
	grep -q "down: VM running.*now: kdump" "$out/down-kdump.log"; res $? "kdump: a VM was running when the host panicked"
	grep -q "down: crash kernel loaded" "$out/down-kdump.log"; res $? "kdump: a crash kernel was loaded (kexec -p)"
	echo "$trace_end" | grep -q "vmm: going down (emergency): vmx off"
	res $? "kdump: the emergency callback left VMX operation before the crash kernel"
	! echo "$trace_end" | grep -Eq "Oops|BUG:|kernel BUG|invalid opcode|general protection|WARNING:|Call Trace"
	res $? "kdump: no oops or warning between the panic and the crash kernel"
	[ -n "$second" ]; res $? "kdump: the crash kernel booted"
	echo "$second" | grep -q "down: kdump: VM running in the crash kernel"
	res $? "kdump: the crash kernel loaded vmm.ko and ran a VM (VMX usable)"
	after=$(echo "$second" | sed -n '/VMM-TESTHOST-DONE/,$p')
	echo "$after" | grep -q "vmm: going down: vmx off on every CPU"
	res $? "reboot: the reboot notifier left VMX with the VM running"
	echo "$after" | grep -q "reboot: Restarting system"; res $? "reboot: the kernel restarted the machine"
	! echo "$second" | grep -Eq "Oops|BUG:|kernel BUG|invalid opcode|general protection|WARNING:|Call Trace"
	res $? "kdump: no oops or warning in the crash kernel or on its reboot"
	echo "$second" | grep -q "VMM-TESTHOST-DONE rc=[0-9]* down=kdump"; res $? "kdump: the crash kernel finished its checks and printed the end marker"
	grep -E "vmm|Oops|BUG|panic|kdump|reboot" "$out/down-kdump.log" | grep -v "^ok\|^not ok\|^#" | tail -n 14 | sed 's/^/# /'
	echo "1..$n"
	echo "# down: $((n - fail)) passed, $fail failed"
	[ $fail -eq 0 ]
	exit
fi
for how in "${@:-reboot panic kexec}"; do
	for h in $how; do
		"$here/qemu-amd.sh" down vmm.down="$h" >"$out/down-$h.out" 2>&1
		log=$out/serial-down.log
		cp "$log" "$out/down-$h.log"
		after=$(sed -n '/VMM-TESTHOST-DONE/,$p' "$log")
		# kexec: the second kernel prints the end marker; judge all after the kexec
		[ "$h" = kexec ] && after=$(sed -n '/down: VM running.*now: kexec/,$p' "$log")
		# a panic prints its own call trace: judge what follows it
		[ "$h" = panic ] && after=$(echo "$after" | sed -n '/<\/TASK>/,$p' | tail -n +2)
		grep -q "down: VM running" "$log"; res $? "$h: a VM was running"
		echo "$after" | grep -q "vmm: going down: $h\|vmm: going down"; res $? "$h: the module left virtualization"
		! echo "$after" | grep -Eq "Oops|BUG:|kernel BUG|invalid opcode|general protection|WARNING:|Call Trace"
		res $? "$h: no oops or warning on the way down"
		! grep -q "still running 10 s after the end marker\|still here 30 s" "$out/down-$h.out" "$log"
		res $? "$h: the machine restarted (QEMU exited by itself)"
		if [ "$h" = kexec ]; then
			echo "$after" | grep -q "down: kexec: VM running in the new kernel"
			res $? "kexec: the new kernel loaded vmm.ko and ran a VM"
			echo "$after" | grep -q "VMM-TESTHOST-DONE rc=0"
			res $? "kexec: the new kernel finished cleanly (rc=0)"
		fi
		echo "$after" | grep -E "vmm|Oops|BUG|panic" | head -n 12 | sed 's/^/# /'
	done
done
echo "1..$n"
echo "# down: $((n - fail)) passed, $fail failed"
[ $fail -eq 0 ]
