#!/bin/sh
# Suite "security": the speculative-execution mitigations the module runs at
# VM entry and exit, as /sys/kernel/debug/vmm/mitigations shows them. Every
# step the host kernel asks for (its /sys/devices/system/cpu/vulnerabilities
# say which) must be on in our table, and its counter must grow while
# guests run; cr4.bin sets every CR4 bit and must get #GP for each one we do
# not vet; the host must log nothing bad. Boot the test host with
# mitigations=off, spec_rstack_overflow=ibpb-vmexit, ... to see other modes.
. "$(dirname "$0")/lib.sh"
ktap_begin security

MIT=/sys/kernel/debug/vmm/mitigations
VULN=/sys/devices/system/cpu/vulnerabilities
O=$TMP/s.out; E=$TMP/s.err

ensure_vmm; result $? "vmm loaded"
[ -r $MIT ]; result $? "$MIT readable"
diag_file $MIT 20
for f in "$VULN"/*; do
	[ -r "$f" ] && diag "$(basename "$f"): $(cat "$f")"
done

# field STEP N: field N (2 on/off, 3 count) of STEP's line
field() { awk -v s="$1" -v n="$2" '$1 == s { print $n }' $MIT; }
count() { field "$1" 3; }
# vuln FILE PATTERN: 0 if the kernel reports that mitigation
vuln() { [ -r "$VULN/$1" ] && grep -q "$2" "$VULN/$1"; }

engine=$(sed -n 's/^# engine \([a-z]*\).*/\1/p' $MIT)
diag "engine: $engine"

# What the kernel asks for, by its own report, and the step it maps to.
want=""
ask() { want="$want $1"; diag "kernel asks for $1 ($2)"; }
if [ "$engine" = svm ]; then
	vuln spec_rstack_overflow "IBPB on VMEXIT" && ask ibpb_vmexit "SRSO ibpb-vmexit"
	vuln tsa "Clear CPU buffers" && ask verw_vmrun "TSA"
	vuln retbleed "untrained return thunk" && ask untrain_ret_vmexit "retbleed unret"
else
	for v in mds tsx_async_abort reg_file_data_sampling; do
		vuln $v "Clear CPU buffers" && ask verw_vmentry "$v"
	done
	vuln l1tf "L1D flush\|VMX: conditional cache flushes\|VMX: cache flushes" &&
		ask l1d_flush "l1tf"
	vuln spectre_v2 "BHI: SW loop" && ask bhb_clear_vmexit "BHI"
fi
vuln vmscape "IBPB before exit to userspace" && ask ibpb_exit_to_user "VMSCAPE"
vuln spectre_v2 "IBPB: conditional\|IBPB: always-on" && ask ibpb_vcpu_switch "spectre_v2_user IBPB"

for s in $want; do
	[ "$(field "$s" 2)" = on ]; result $? "$s is on where the kernel asks for it"
done
# And the reverse: under mitigations=off nothing of ours may be on.
if grep -qw "mitigations=off" /proc/cmdline; then
	on=$(awk '$1 !~ /^#/ && $2 == "on" && $1 != "cr4_refused" && $1 != "tsc_aux_switch" { print $1 }' $MIT | tr '\n' ' ')
	[ -z "$on" ]; result $? "mitigations=off: no speculation step on (${on:-none})"
fi

# run_guests PREFIX: counters before, cr4.bin and halt.bin, counters after;
# every step that is on must have run, every step that is off must not.
run_guests() {
	local p=$1 s rc
	steps=$(awk '$1 !~ /^#/ { print $1 }' $MIT)
	for s in $steps; do eval "before_$s=$(count "$s")"; done

	run_to "$O" "$E" "$VMMCTL" run --image "$(payload cr4.bin)"; rc=$?
	result $rc "${p}cr4.bin exits 0 (exit $rc)"
	cat "$O" "$E" >"$TMP/cr4.all"
	surface "${p}cr4: " "$TMP/cr4.all"
	grep -aq '# cr4: [0-9]* passed, 0 failed' "$TMP/cr4.all"
	result $? "${p}cr4.bin reports 0 failed"
	# A second VM on the same CPU: another VM's vCPU there, so IBPB.
	run_to "$O" "$E" "$VMMCTL" run --image "$(payload halt.bin)"
	result $? "${p}halt.bin runs after it"

	for s in $steps; do eval "after_$s=$(count "$s")"; done
	for s in $steps; do
		case $s in cr4_refused | tsc_aux_switch) continue ;; esac
		if [ "$(field "$s" 2)" = on ]; then
			grew "$s"; result $? "${p}$s ran while guests ran ($(span "$s"))"
		else
			grew "$s"; [ $? -ne 0 ]; result $? "${p}$s (off) never ran ($(span "$s"))"
		fi
	done
	grew cr4_refused
	result $? "${p}cr4_refused counted the refused writes ($(span cr4_refused))"
	# cr4.bin gives its vCPU a TSC_AUX no host CPU has: every entry switches.
	if [ "$(field tsc_aux_switch 2)" != on ]; then
		skip "${p}tsc_aux_switch ran" "off: $(awk '$1 == "tsc_aux_switch"' $MIT)"
	else
		grew tsc_aux_switch; result $? "${p}tsc_aux_switch ran ($(span tsc_aux_switch))"
	fi
}
grew() { eval "[ \"\$after_$1\" -gt \"\$before_$1\" ]"; }
span() { eval "echo \"\$before_$1 -> \$after_$1\""; }

run_guests ""

# Again with every step this CPU can run forced on (spec_force=1): the
# paths the emulated CPU gives no reason for (VERW before VMRUN, ...) run.
if rmmod vmm 2>"$TMP/rmmod.err"; then
	# shellcheck disable=SC2086
	insmod "$VMM_KO" $VMM_MODARGS spec_force=1 >"$TMP/insmod.out" 2>&1
	result $? "vmm reloaded with spec_force=1"
	i=0; while [ ! -c /dev/vmm ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	diag_file $MIT 20
	forced=$(grep -c "forced by spec_force" $MIT)
	[ "$forced" -gt 0 ]; result $? "spec_force=1 turned on $forced more step(s)"
	run_guests "forced: "
	rmmod vmm && ensure_vmm; result $? "vmm reloaded without spec_force"
else
	skip "spec_force=1 run" "vmm cannot be unloaded: $(cat "$TMP/rmmod.err")"
fi

dmesg_clean; result $? "no kernel warnings, oopses or BUGs"
diag_file "$TMP/dmesg.bad" 20
ktap_end
