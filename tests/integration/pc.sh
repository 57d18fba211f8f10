#!/bin/sh
# Suite "pc": the PC platform (VMM_VM_PC). SeaBIOS runs from the reset
# vector to its boot attempt; Debian's kernel boots directly (x86 boot
# protocol) with a busybox initramfs to /init, `sleep 1` lasts about a
# second of host time, the kernel log has no timer or APIC errors, and
# `poweroff` ends the VM (vmmctl status 0). Then the same with two vCPUs:
# SeaBIOS and Linux each start the second one by INIT-SIPI-SIPI.
. "$(dirname "$0")/lib.sh"
ktap_begin pc

GUEST=${GUEST_DIR:-/guest}
# below the test host's own limit (600 s), so that a hung guest is
# reported here, with what it was doing
PC_TIMEOUT=${PC_TIMEOUT:-400}

ensure_vmm; result $? "vmm loaded"
diag "host clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)"


# ts_run OUT ERR CMD...: CMD's stdout lines prefixed with the host uptime
# (centiseconds), then a line "EXIT status". A CMD still running after
# PC_TIMEOUT seconds is killed, once its threads' kernel stacks and the
# VM's statistics are in ERR.hang.
ts_run() {
	_o=$1; _e=$2; shift 2
	rm -f "$_e.hang"
	{
		"$@" 2>"$_e" &
		_p=$!
		(
			trap 'kill $_s 2>/dev/null; exit 0' TERM
			sleep "$PC_TIMEOUT" & _s=$!
			wait $_s
			kill -0 $_p 2>/dev/null || exit 0
			{ "$VMMCTL" stat
			  for _t in /proc/$_p/task/*; do
				echo "$_t: $(cat $_t/comm) state $(cut -d' ' -f3 $_t/stat)"
				cat $_t/stack
			  done; } >"$_e.hang" 2>&1
			kill $_p
		) >/dev/null 2>&1 &
		_w=$!
		wait $_p; _rc=$?
		kill $_w 2>/dev/null
		echo "EXIT $_rc"
	} | stamp >"$_o"
}

# ---- SeaBIOS -------------------------------------------------------
O=$TMP/pc.out; E=$TMP/pc.err
timeout "$PC_TIMEOUT" "$VMMCTL" run --bios-log --no-reboot --mem 128M --stat >"$O" 2>"$E"; rc=$?
result $rc "seabios: runs until the guest resets, vmmctl --no-reboot exits 0 (exit $rc)"
sb() { grep -aq -- "$1" "$E"; result $? "seabios: log shows $2"; }
sb "SeaBIOS (version" "its banner"
sb "Running on QEMU (i440fx)" "the i440FX host bridge with the paravirtual subsystem id"
sb "Found QEMU fw_cfg" "fw_cfg"
sb "qemu/e820: addr 0x0000000000100000 len 0x0000000007f00000 \[RAM\]" "our e820 map (128 MiB of RAM)"
sb "Moving pm_base to 0x600" "the ACPI PM block at 0x600 (table-loader present)"
sb "PS2 keyboard initialized" "the PS/2 controller"
sb "Found 1 serial ports" "COM1"
sb "Found 1 cpu(s)" "one CPU"
sb "Found 2 PCI devices" "the two PCI functions (i440FX, PIIX3)"
sb "ACPI: parse DSDT at" "the ACPI tables from the table-loader (it parses our DSDT)"
sb "Booting from Hard Disk" "its boot attempt"
sb "No bootable device" "that nothing is bootable yet"
diag "firmware log:"; diag_file "$E" 80
grep -a -E '^(VM [0-9]+: |  [a-z_]+ +[0-9]+ )' "$O" | sed 's/^/seabios exits: /' | diag "$(cat)"

# ---- Linux, direct boot ------------------------------------------
if [ ! -f "$GUEST/vmlinuz" ] || [ ! -f "$GUEST/initrd.cpio.gz" ]; then
	skip "linux: boots to /init" "no guest kernel in $GUEST"
	ktap_end; exit $?
fi
# boot_linux TAG VMMCTL-RUN-ARGS...: boot the guest kernel directly; sets
# O, E (its console and stderr), rc (vmmctl's status), t0 and t_init
boot_linux() {
	_tag=$1; shift
	O=$TMP/$_tag.out; E=$TMP/$_tag.err
	t0=$(now_cs)
	ts_run "$O" "$E" "$VMMCTL" run "$@" --kernel "$GUEST/vmlinuz" \
		--initrd "$GUEST/initrd.cpio.gz" --append "console=ttyS0 panic=-1" \
		--mem 256M --no-reboot --stat
	rc=$(grep -a ' EXIT ' "$O" | tail -n1 | sed 's/.*EXIT //')
	t_init=$(at "GUEST-INIT: reached /init" "$O")
	[ -n "$t_init" ] && diag "$_tag: time from vmmctl run to /init: $(( (t_init - t0) / 100 )).$(printf %02d $(( (t_init - t0) % 100 ))) s"
}

# sleep_ok TAG: the guest's `sleep 1` took about a second of host time
sleep_ok() {
	t1=$(at "GUEST-SLEEP-START" "$O"); t2=$(at "GUEST-SLEEP-END" "$O")
	if [ -n "$t1" ] && [ -n "$t2" ]; then
		d=$((t2 - t1))
		[ $d -ge 90 ] && [ $d -le 160 ]; result $? "$1: 'sleep 1' takes about a second of host time ($d cs)"
	else
		not_ok "$1: 'sleep 1' takes about a second of host time (markers missing)"
	fi
}

# dmesg_ok TAG WHAT: no warnings of the kinds tests/guest/init looks for
dmesg_ok() {
	! grep -aq "GUEST-DMESG-BAD" "$O"; r=$?
	result $r "$1: no $2 or kernel warnings in the guest's kernel log"
	[ $r -eq 0 ] || grep -a "GUEST-DMESG-BAD\|GUEST-TRACE" "$O" | cut -d' ' -f2- | diag "$(cat)"
}

# poweroff_ok TAG WHAT: the guest powered off, vmmctl exited 0, no VM is
# left; the exit statistics, and on failure the guest's console
poweroff_ok() {
	grep -aq "GUEST-POWEROFF" "$O" && [ "$rc" = 0 ] && ! grep -aq "POWEROFF-FAILED" "$O"
	result $? "$1: poweroff ends $2, vmmctl exits 0 (exit $rc)"
	n=$(live_vms); [ "${n:-0}" -eq 0 ]; result $? "$1: no VM left behind (${n:-?})"
	grep -a -E '^[0-9]+ (VM [0-9]+: |  [a-z_]+ +[0-9]+ )' "$O" | cut -d' ' -f2- |
		sed "s/^/$1 exits: /" | diag "$(cat)"
	if [ -z "$t_init" ] || [ "$rc" != 0 ]; then
		diag "guest console:"; cut -d' ' -f2- "$O" | diag_file /dev/stdin 80
		diag "stderr:"; diag_file "$E" 20
		[ -f "$E.hang" ] && { diag "after $PC_TIMEOUT s:"; diag_file "$E.hang" 80; }
	fi
}

# Linux booted directly: not on the VT-x host (Bochs) by default, where a
# Linux boot costs minutes; there the storage suite's ISO boot is the Linux
# boot, with the same clock checks. PC_LINUX=1 runs it there too.
if ! grep -q GenuineIntel /proc/cpuinfo || [ "${PC_LINUX:-0}" = 1 ]; then
cat /proc/interrupts >"$TMP/irq.before"
# this boot with the module's default: the paravirtual clock on (see
# module/pvclock.c), unless vmm.modargs says otherwise
PV=/sys/module/vmm/parameters/pvclock
pv_on=$(cat $PV 2>/dev/null)
case " $VMM_MODARGS " in
*" pvclock="*) diag "pvclock set by vmm.modargs: $pv_on" ;;
*) [ "$pv_on" = Y ]; result $? "linux: the paravirtual clock is on by default (pvclock=${pv_on:-?})" ;;
esac
d0=$(date +%s)
boot_linux linux
d1=$(date +%s)
# the host interrupts that came during the guest's run, by source
cat /proc/interrupts >"$TMP/irq.after"
awk 'NR == FNR { b[$1] = $2; next } $2 ~ /^[0-9]+$/ && $2 - b[$1] > 100 {
	printf "host interrupts during the boot: %s %d (%s %s %s)\n", $1, $2 - b[$1], $3, $4, $5 }' \
	"$TMP/irq.before" "$TMP/irq.after" | diag "$(cat)"
[ -n "$t_init" ]; result $? "linux: the kernel boots to /init"
sleep_ok linux
grep -a "GUEST-CLOCK" "$O" | cut -d' ' -f2- | diag "$(cat)"
# The paravirtual clock (module parameter pvclock, on by default): the
# guest reads time from the TSC and a page we fill, not from a timer port
# (one exit per read), and its wall clock comes from the host's.
cs=$(guest_says GUEST-CLOCKSOURCE: "$O")
if [ "$pv_on" = Y ]; then
	case "$cs" in kvm-clock|tsc) r=0 ;; *) r=1 ;; esac
	result $r "linux: the guest's clocksource reads without exits (kvm-clock or tsc: ${cs:-none})"
	gd=$(guest_says GUEST-DATE: "$O")
	[ -n "$gd" ] && [ "$gd" -ge $((d0 - 2)) ] && [ "$gd" -le $((d1 + 2)) ]
	result $? "linux: the guest's date is the host's (guest ${gd:-?}, host $d0-$d1)"
else
	diag "pvclock off: the guest's clocksource is ${cs:-none}"
fi
dmesg_ok linux "timer, APIC, MSR"
# Linux calibrates the TSC against the PIT and the ACPI PM timer with port
# reads it wants answered in well under 50000 TSC cycles (SMI_TRESHOLD);
# when our handling of a port exit alone averages more than 10000 cycles,
# the test host is an emulator too slow for that, and the guest falls
# back to the PM timer as its clock (sleep 1 above checks it keeps time).
io_avg=$(grep -a -E '^[0-9]+   io +[0-9]+ ' "$O" | awk '{print $5}')
if ! grep -aq "GUEST-TSC-BAD" "$O" && [ -n "$t_init" ]; then
	ok "linux: the guest calibrates its TSC (no calibration failure)"
elif [ -n "$io_avg" ] && [ "$io_avg" -gt 10000 ]; then
	skip "linux: the guest calibrates its TSC" "port exits average $io_avg cycles on this emulated host: $(grep -a GUEST-TSC-BAD "$O" | head -n1 | cut -d' ' -f3-)"
else
	not_ok "linux: the guest calibrates its TSC (io exits average ${io_avg:-?} cycles)"
	grep -a "GUEST-TSC-BAD" "$O" | cut -d' ' -f2- | diag "$(cat)"
fi
poweroff_ok linux "the VM"
# pvclock=0 (for VMs made after the write): the guest sees no KVM leaves,
# keeps time with its own clocksource, still a second per 'sleep 1'.
# PC_PV0=0 leaves it out (the PREEMPT_RT host: nothing there that the
# first boot did not take)
if [ "${PC_PV0:-1}" = 0 ]; then
	skip "linux-pv0: boots with pvclock=0" "PC_PV0=0"
elif [ -w $PV ]; then
	echo 0 >$PV
	boot_linux linux-pv0
	[ -n "$pv_on" ] && echo "$pv_on" >$PV
	[ -n "$t_init" ]; result $? "linux-pv0: with pvclock=0 the kernel boots to /init"
	sleep_ok linux-pv0
	cs=$(guest_says GUEST-CLOCKSOURCE: "$O")
	[ -n "$cs" ] && [ "$cs" != kvm-clock ]
	result $? "linux-pv0: with pvclock=0 the guest has no kvm-clock (clocksource ${cs:-none})"
	dmesg_ok linux-pv0 "timer, APIC, MSR"
	poweroff_ok linux-pv0 "the VM"
else
	skip "linux-pv0: boots with pvclock=0" "$PV not writable"
fi
else
	diag "VT-x host: the direct Linux boot is left to the AMD-V host; the storage suite boots Linux here (PC_LINUX=1 runs it)"
fi

# ---- two vCPUs: the boot processor starts the other by INIT-SIPI ----
O=$TMP/smp-bios.out; E=$TMP/smp-bios.err
timeout "$PC_TIMEOUT" "$VMMCTL" run --cpus 2 --bios-log --no-reboot --mem 128M >"$O" 2>"$E"; rc=$?
result $rc "smp: seabios with --cpus 2 runs to its reset, exit 0 (exit $rc)"
grep -aq "Found 2 cpu(s) max supported 2 cpu(s)" "$E"
result $? "smp: seabios wakes the second vCPU by INIT-SIPI-SIPI and counts 2 CPUs"
grep -a "cpu(s)" "$E" | diag "$(cat)"
# Linux on two vCPUs: not on the VT-x host (Bochs, one host CPU), where
# it costs over three minutes and SeaBIOS's INIT-SIPI-SIPI above already
# ran the engine's start-up path; PC_SMP_LINUX=1 forces it.
if ! grep -q GenuineIntel /proc/cpuinfo || [ "${PC_SMP_LINUX:-0}" = 1 ]; then
boot_linux smp --cpus 2
grep -aq "GUEST-CPUS: online 0-1 processors 2" "$O"
result $? "smp: linux brings up both vCPUs ($(grep -a GUEST-CPUS "$O" | cut -d' ' -f2-))"
grep -a "GUEST-DMESG: .*\(smp\|SMP\)" "$O" | cut -d' ' -f2- | diag "$(cat)"
dmesg_ok smp "timer, APIC, CPU bring-up"
sleep_ok smp
poweroff_ok smp "both vCPUs"
else
	diag "VT-x host: Linux on two vCPUs left to the AMD-V host (PC_SMP_LINUX=1 runs it)"
fi

dmesg_clean; result $? "host kernel log clean"
[ -s "$TMP/dmesg.bad" ] && diag_file "$TMP/dmesg.bad"

ktap_end
