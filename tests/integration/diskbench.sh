#!/bin/sh
# vmm.mode=diskbench (a benchmark, not a test; tests/host/qemu-amd.sh
# diskbench): the disk path side by side in one test host, on one image
# on a real block device of the host (the outer QEMU's virtio disk with
# serial "vmmbench", used raw):
#   host   diskcheck randread on the device itself (the ceiling)
#   ours   vmmctl run --iso test-isolinux.iso --disk DEV (our AHCI)
#   qemu   QEMU + kvm_amd (ICH9 AHCI of -M q35, cache=none, aio=native),
#          QEMU's binary from the build machine's root (9p "hostroot")
# Each guest: time from launch to the ISO's ISO-SHELL line (host clock),
# then diskcheck randread on /dev/sda (4 KiB O_DIRECT random reads) at
# QD1 and QD32, with the hypervisor's exit counters read before and after
# each run. Prints a table with the issue's targets at the end.
# Environment: DISKBENCH_SECS (per run, default 10), DISKBENCH_QDS
# (default "1 32"), DISKBENCH_BOOT_TIMEOUT (s, default 300); or on the
# test host's kernel command line: vmm.dbsecs=N vmm.dbqds=1,8,32.
. "$(dirname "$0")/lib.sh"
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	vmm.dbsecs=*) DISKBENCH_SECS=${arg#vmm.dbsecs=} ;;
	vmm.dbqds=*) DISKBENCH_QDS=$(echo "${arg#vmm.dbqds=}" | tr ',' ' ') ;;
	esac
done

GUEST=${GUEST_DIR:-/guest}
ISO=${DISKBENCH_ISO:-$GUEST/test-isolinux.iso}
SECS=${DISKBENCH_SECS:-10}
QDS=${DISKBENCH_QDS:-1 32}
BOOT_TIMEOUT=${DISKBENCH_BOOT_TIMEOUT:-300}
MODS=${DISKBENCH_MODS:-/lib/diskbench}
HOSTROOT=/hostroot
QEMU=/usr/bin/qemu-system-x86_64
KDBG=/sys/kernel/debug/kvm
R=$TMP/diskbench
mkdir -p "$R"
rc=0

say() { echo "diskbench: $*"; }
# res KEY VALUE: one result (the table reads them back); VALUE "n/a ..." if unknown
res() { echo "$1=$2" >>"$R/results"; say "$1 = $2"; }
get() { sed -n "s/^$1=//p" "$R/results" | tail -n 1; }
: >"$R/results"

# wait_for FILE PATTERN SECONDS: 0 when a line of FILE contains PATTERN
wait_for() {
	_w=0
	while [ $_w -lt $(($3 * 5)) ]; do
		grep -aq -- "$2" "$1" 2>/dev/null && return 0
		[ -e "$R/gone" ] && return 1
		sleep 0.2; _w=$((_w + 1))
	done
	return 1
}

# --- the test host's devices: virtio disk and the build machine's root
for m in $(cat "$MODS/load-order" 2>/dev/null); do
	grep -q "^$(echo "$m" | tr - _) " /proc/modules && continue
	insmod "$MODS/$m.ko" 2>"$R/insmod.err" || say "insmod $m failed: $(cat "$R/insmod.err")"
done
DEV=
i=0
while [ -z "$DEV" ] && [ $i -lt 50 ]; do
	for b in /sys/block/vd*; do
		[ -e "$b" ] || continue
		[ "$(cat "$b/serial" 2>/dev/null)" = vmmbench ] && DEV=/dev/${b##*/}
	done
	[ -n "$DEV" ] || { sleep 0.1; i=$((i + 1)); }
done
if [ -z "$DEV" ] || [ ! -b "$DEV" ]; then
	say "ERROR: no virtio disk with serial vmmbench (the outer QEMU's -drive; modules: $(cat "$MODS/load-order" 2>/dev/null | tr '\n' ' '))"
	exit 1
fi
say "image: $DEV, $(($(cat /sys/block/${DEV#/dev/}/size) / 2048)) MiB, raw (the same device for all three)"
[ -f "$ISO" ] || { say "ERROR: $ISO missing (tests/guest/mkiso.sh)"; exit 1; }
say "guest: $ISO, 256 MiB, 1 vCPU; $SECS s per run; queue depths: $QDS"

hostroot_ok=0
mkdir -p "$HOSTROOT"
if mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose hostroot "$HOSTROOT" 2>"$R/9p.err"; then
	hostroot_ok=1
else
	say "ERROR: cannot mount the build machine's root over 9p: $(cat "$R/9p.err")"
fi

# --- the ceiling: the same reads on the device, in the test host itself
for qd in $QDS; do
	timeout $((SECS + 60)) diskcheck randread "$DEV" "$SECS" "$qd" >"$R/host.$qd" 2>&1
	cat "$R/host.$qd"
	line=$(grep -a "randread qd" "$R/host.$qd")
	if [ -n "$line" ]; then
		res host.iops.$qd "$(echo "$line" | sed -E 's/.*: ([0-9]+) IOPS.*/\1/')"
		res host.p50.$qd "$(echo "$line" | sed -E 's/.*p50 ([0-9.]+) us.*/\1/')"
		res host.p99.$qd "$(echo "$line" | sed -E 's/.*p99 ([0-9.]+) us.*/\1/')"
	else
		res host.iops.$qd "n/a (diskcheck failed: $(tail -n 1 "$R/host.$qd"))"; rc=1
	fi
done

# --- guest runs
# snapshots of the exit counters: snap_ours / snap_kvm FILE
snap_ours() { "$VMMCTL" stat 0 >"$1" 2>&1; }
snap_kvm() {
	: >"$1"
	for f in exits io_exits mmio_exits irq_exits halt_exits irq_window_exits irq_injections \
		insn_emulation pf_taken; do
		[ -r "$KDBG/$f" ] && echo "$f $(cat "$KDBG/$f")" >>"$1"
	done
}
# total exits in a snapshot, or empty
total_ours() { sed -n 's/.*: \([0-9]*\) exits, .*/\1/p' "$1" | head -n 1; }
total_kvm() { sed -n 's/^exits //p' "$1"; }
# per-reason deltas "name:count ..." between two snapshots (largest first)
reasons_ours() {
	{ awk 'NR > 1 && $2 ~ /^[0-9]+$/ { print "a", $1, $2 }' "$1"
	  awk 'NR > 1 && $2 ~ /^[0-9]+$/ { print "b", $1, $2 }' "$2"; } |
	awk '$1 == "a" { a[$2] = $3 } $1 == "b" { d = $3 - a[$2]; if (d > 0) print d, $2 }' |
	sort -rn | head -n 8 | awk '{ printf "%s%s:%s", (NR > 1 ? " " : ""), $2, $1 }'
}
reasons_kvm() {
	{ sed 's/^/a /' "$1"; sed 's/^/b /' "$2"; } |
	awk '$1 == "a" { a[$2] = $3 } $1 == "b" && $2 != "exits" { d = $3 - a[$2]; if (d > 0) print d, $2 }' |
	sort -rn | awk '{ printf "%s%s:%s", (NR > 1 ? " " : ""), $2, $1 }'
}

# dbirq TAG, a shell function typed into the guest once: prints
# "DBIRQ-TAG N", N the sum of the ahci lines of /proc/interrupts (the echo
# of the typed line does not match); short lines keep the console quiet
DBIRQ="dbirq() { awk '/ahci/ { for (i = 2; i <= NF && \$i ~ /^[0-9]+\$/; i++) s += \$i } END { print \"DBIRQ-\" t, s + 0 }' t=\$1 /proc/interrupts; }"

# typer ENGINE OUT: the guest's keyboard (stdout goes to its console).
# Once the shell is up, one diskcheck per queue depth, each between two
# snapshots of the exit counters; the marker it prints is spelled so that
# the shell's echo of the typed line does not match it.
typer() {
	_e=$1 _o=$2
	if wait_for "$_o" ISO-SHELL "$BOOT_TIMEOUT"; then
		snap_$_e "$R/$_e.snapboot"
		echo "$DBIRQ"
		# the guest's clock: a clocksource read by port I/O or MMIO is an exit
		echo "echo DBCS-\$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
		# why the guest's clock is what it is (printed under "clock:")
		echo "dmesg | grep -i -e clocksource -e tsc | sed 's/^/DBCLK /'"
		# the guest's queue: the device's depth and the I/O scheduler
		echo "echo DBQ-\$(cat /sys/block/sda/device/queue_depth /sys/block/sda/queue/scheduler)"
		sleep 1
		_n=0
		for _q in $QDS; do
			_n=$((_n + 1))
			snap_$_e "$R/$_e.snap0.$_q"
			# the AHCI interrupts the guest took, before and after
			echo "dbirq B$_n; diskcheck randread /dev/sda $SECS $_q; dbirq A$_n; echo DISKBENCH-\"\"STEP$_n"
			wait_for "$_o" "DISKBENCH-STEP$_n" $((SECS * 6 + 120)) || break
			snap_$_e "$R/$_e.snap1.$_q"
			# our disk table by stage (cumulative: boot and the runs before included)
			[ "$_e" = ours ] && "$VMMCTL" stat >"$R/ours.disk.$_q" 2>&1
		done
	fi
	echo "poweroff -f"
	# stdin stays open until the VM is gone
	_w=0
	while [ ! -e "$R/gone" ] && [ $_w -lt 600 ]; do sleep 0.2; _w=$((_w + 1)); done
}

# guest ENGINE LIMIT CMD...: run CMD (the VM; its console on stdin/stdout)
# with the typer, time stamps on every line of its output, at most LIMIT s
guest() {
	_e=$1 _lim=$2
	shift 2
	rm -f "$R/gone"
	: >"$R/$_e.out"
	now_cs >"$R/$_e.t0"
	typer "$_e" "$R/$_e.out" |
		{ timeout "$_lim" "$@" 2>"$R/$_e.err"; echo "EXIT $?"; touch "$R/gone"; } |
		stamp >"$R/$_e.out"
	touch "$R/gone"
	sed -n 's/^[0-9]* EXIT //p' "$R/$_e.out"
}

# results ENGINE: boot time, IOPS, latency, exits per read from its run
results() {
	_e=$1 _o=$R/$1.out
	_t0=$(cat "$R/$_e.t0")
	_ts=$(at ISO-SHELL "$_o")
	if [ -n "$_ts" ]; then
		res $_e.boot "$(awk "BEGIN { printf \"%.2f\", ($_ts - $_t0) / 100 }")"
	else
		res $_e.boot "n/a (no ISO-SHELL within $BOOT_TIMEOUT s)"; rc=1
	fi
	_cs=$(grep -a "DBCS-[a-z]" "$_o" | head -n 1 | sed 's/.*DBCS-//' | tr -d '\r')
	res $_e.clocksource "${_cs:-n/a (not printed)}"
	_dq=$(grep -a "DBQ-[0-9]" "$_o" | head -n 1 | sed 's/.*DBQ-//' | tr -d '\r')
	res $_e.queue "${_dq:-n/a (not printed)}"
	_b=$(total_$_e "$R/$_e.snapboot" 2>/dev/null)
	if [ -n "$_b" ]; then res $_e.bootexits "$_b"; else res $_e.bootexits "n/a (exit counters unreadable)"; fi
	_n=0
	for _q in $QDS; do
		_n=$((_n + 1))
		_l=$(grep -a "diskcheck: randread qd $_q:" "$_o" | head -n 1)
		if [ -z "$_l" ]; then
			res $_e.iops.$_q "n/a (no diskcheck result in the guest)"
			[ -n "$_ts" ] && rc=1
			continue
		fi
		_ios=$(echo "$_l" | sed -E 's/.*IOPS, ([0-9]+) ios.*/\1/')
		res $_e.iops.$_q "$(echo "$_l" | sed -E 's/.*: ([0-9]+) IOPS.*/\1/')"
		res $_e.p50.$_q "$(echo "$_l" | sed -E 's/.*p50 ([0-9.]+) us.*/\1/')"
		res $_e.p99.$_q "$(echo "$_l" | sed -E 's/.*p99 ([0-9.]+) us.*/\1/')"
		_ib=$(grep -a "DBIRQ-B$_n " "$_o" | head -n 1 | awk '{ print $NF }')
		_ia=$(grep -a "DBIRQ-A$_n " "$_o" | head -n 1 | awk '{ print $NF }')
		if [ -n "$_ib" ] && [ -n "$_ia" ] && [ "$_ios" -gt 0 ]; then
			res $_e.irqs.$_q "$(awk "BEGIN { printf \"%.2f\", ($_ia - $_ib) / $_ios }")"
		else
			res $_e.irqs.$_q "n/a (no ahci line in the guest's /proc/interrupts)"
		fi
		_a=$(total_$_e "$R/$_e.snap0.$_q" 2>/dev/null)
		_b=$(total_$_e "$R/$_e.snap1.$_q" 2>/dev/null)
		if [ -n "$_a" ] && [ -n "$_b" ] && [ "$_ios" -gt 0 ]; then
			res $_e.exits.$_q "$(awk "BEGIN { printf \"%.2f\", ($_b - $_a) / $_ios }")"
			say "$_e qd $_q: $((_b - _a)) exits for $_ios reads; by reason: $(reasons_$_e "$R/$_e.snap0.$_q" "$R/$_e.snap1.$_q")"
		else
			res $_e.exits.$_q "n/a (exit counters unreadable: $(head -n 1 "$R/$_e.snap1.$_q" 2>/dev/null))"
		fi
	done
}

# --- ours
if ensure_vmm; then
	say "== ours: vmmctl run --iso $ISO --disk $DEV --mem 256M --no-reboot"
	st=$(guest ours $((BOOT_TIMEOUT + 4 * SECS + 300)) \
		"$VMMCTL" run --iso "$ISO" --disk "$DEV" --mem 256M --no-reboot)
	say "ours: vmmctl exit status ${st:-unknown}"
	grep -a -E "ISO-|diskcheck|DISKBENCH-STEP|EXIT" "$R/ours.out" | sed 's/^/ours: /'
	grep -a "^[0-9]* DBCLK " "$R/ours.out" | sed 's/^[0-9]* DBCLK /ours: clock: /'
	[ "$st" = 0 ] || { say "ours: vmmctl failed:"; tail -n 20 "$R/ours.out" | sed 's/^/ours: /'; tail -n 10 "$R/ours.err" | sed 's/^/ours: stderr: /'; rc=1; }
	results ours
	for _q in $QDS; do
		[ -s "$R/ours.disk.$_q" ] || continue
		say "ours: disk table after qd $_q (cumulative):"
		sed -n '/ requests /,$p' "$R/ours.disk.$_q" | sed 's/^/diskbench:   /'
	done
else
	say "ERROR: cannot load vmm.ko"; rc=1
	res ours.boot "n/a (vmm.ko did not load)"
fi

# --- QEMU + kvm_amd: vmm.ko out, the kvm stack in
qemu_ok=0
if vmm_loaded; then rmmod vmm 2>"$R/rmmod.err" || say "rmmod vmm failed ($(cat "$R/rmmod.err")): kvm loads beside it"; fi
kvm_ok=1
for m in $(cat "$KVM_DIR/load-order" 2>/dev/null); do
	grep -q "^$(echo "$m" | tr - _) " /proc/modules && continue
	insmod "$KVM_DIR/$m.ko" 2>"$R/kvm.err" || { say "ERROR: insmod $m failed: $(cat "$R/kvm.err")"; kvm_ok=0; }
done
i=0; while [ ! -c /dev/kvm ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
why=
if [ $kvm_ok = 0 ] || [ ! -c /dev/kvm ]; then
	why="the kvm stack did not load (no /dev/kvm)"
elif [ $hostroot_ok = 0 ]; then
	why="the build machine's root is not mounted (9p)"
elif [ ! -x "$HOSTROOT$QEMU" ]; then
	why="$QEMU not in the build machine's root (apt-get install qemu-system-x86)"
else
	# QEMU runs chrooted into the shared root: /dev, /proc, /sys and the
	# ISO's directory mounted over directories that exist there
	for d in dev proc sys; do mount -o bind /$d "$HOSTROOT/$d" || why="cannot bind /$d into $HOSTROOT"; done
	mount -o bind "$(dirname "$ISO")" "$HOSTROOT/mnt" || why="cannot bind $(dirname "$ISO") on $HOSTROOT/mnt"
	mount -o bind /tmp "$HOSTROOT/tmp" 2>/dev/null
	[ -d /sys/kernel/debug/kvm ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	[ -r "$KDBG/exits" ] || say "note: $KDBG/exits unreadable: QEMU's exit counts will be n/a"
	# warm QEMU's files into the page cache (cache=loose), so the boot
	# time is not the 9p transfer of the binary
	if [ -z "$why" ] && ! timeout 120 chroot "$HOSTROOT" $QEMU -version >"$R/qemu.version" 2>&1; then
		why="QEMU does not start in the test host: $(tail -n 3 "$R/qemu.version" | tr '\n' ' ')"
	fi
	[ -z "$why" ] && say "QEMU: $(head -n 1 "$R/qemu.version")"
	[ -z "$why" ] && cat "$HOSTROOT/usr/share/seabios/bios-256k.bin" "$HOSTROOT/usr/share/qemu/bios-256k.bin" >/dev/null 2>&1
fi
if [ -z "$why" ]; then
	iso=/mnt/$(basename "$ISO")
	set -- chroot "$HOSTROOT" $QEMU -accel kvm -M q35 -m 256M -smp 1 \
		-nodefaults -nographic -serial stdio -monitor none -no-reboot -boot d \
		-drive file="$iso",format=raw,if=none,id=cd,media=cdrom,readonly=on \
		-device ide-cd,drive=cd,bus=ide.0 \
		-drive file="$DEV",format=raw,if=none,id=d,cache=none,aio=native \
		-device ide-hd,drive=d,bus=ide.1
	say "== qemu (chroot $HOSTROOT): $*"
	st=$(guest kvm $((BOOT_TIMEOUT + 4 * SECS + 300)) "$@")
	say "qemu: exit status ${st:-unknown}"
	grep -a -E "ISO-|diskcheck|DISKBENCH-STEP|EXIT" "$R/kvm.out" | sed 's/^/qemu: /'
	if ! grep -aq ISO-SHELL "$R/kvm.out"; then
		why="QEMU did not boot the ISO to its shell (exit ${st:-?}): $(tail -n 3 "$R/kvm.err" | tr '\n' ' ')"
		tail -n 20 "$R/kvm.out" | sed 's/^/qemu: /'
		tail -n 10 "$R/kvm.err" | sed 's/^/qemu: stderr: /'
	else
		qemu_ok=1
		results kvm
	fi
	umount "$HOSTROOT/tmp" "$HOSTROOT/mnt" "$HOSTROOT/sys" "$HOSTROOT/proc" "$HOSTROOT/dev" 2>/dev/null
fi
if [ $qemu_ok = 0 ]; then
	say "ERROR: QEMU+KVM: $why"; rc=1
	res kvm.boot "n/a ($why)"
	for qd in $QDS; do res kvm.iops.$qd "n/a (QEMU did not run)"; done
fi

# --- the table
num() { case "$1" in ''|n/a*) return 1 ;; esac; return 0; }
show() { v=$(get "$1"); num "$v" && echo "$v" || echo n/a; }
ratio() { a=$(get "$1"); b=$(get "$2"); if num "$a" && num "$b" && [ "$b" != 0 ]; then awk "BEGIN { printf \"%.2f\", $a / $b }"; else echo n/a; fi; }
verdict() { # VALUE OP LIMIT
	num "$1" || { echo "n/a"; return; }
	awk "BEGIN { exit !($1 $2 $3) }" && echo PASS || echo FAIL
}
echo
echo "== diskbench: $DEV raw, 4 KiB random reads O_DIRECT, $SECS s per run, guests 256 MiB / 1 vCPU"
printf '%-22s %12s %12s %12s %12s %12s\n' "" ours qemu+kvm host ours/qemu ours/host
printf '%-22s %12s %12s %12s %12s %12s\n' "boot to shell (s)" "$(show ours.boot)" "$(show kvm.boot)" - "$(ratio ours.boot kvm.boot)" -
printf '%-22s %12s %12s %12s %12s %12s\n' "exits to boot" "$(show ours.bootexits)" "$(show kvm.bootexits)" - "$(ratio ours.bootexits kvm.bootexits)" -
for qd in $QDS; do
	printf '%-22s %12s %12s %12s %12s %12s\n' "IOPS qd$qd" "$(show ours.iops.$qd)" "$(show kvm.iops.$qd)" \
		"$(show host.iops.$qd)" "$(ratio ours.iops.$qd kvm.iops.$qd)" "$(ratio ours.iops.$qd host.iops.$qd)"
	printf '%-22s %12s %12s %12s %12s %12s\n' "p50 latency qd$qd (us)" "$(show ours.p50.$qd)" "$(show kvm.p50.$qd)" \
		"$(show host.p50.$qd)" "$(ratio ours.p50.$qd kvm.p50.$qd)" -
	printf '%-22s %12s %12s %12s %12s %12s\n' "p99 latency qd$qd (us)" "$(show ours.p99.$qd)" "$(show kvm.p99.$qd)" \
		"$(show host.p99.$qd)" "$(ratio ours.p99.$qd kvm.p99.$qd)" -
	printf '%-22s %12s %12s %12s %12s %12s\n' "exits/read qd$qd" "$(show ours.exits.$qd)" "$(show kvm.exits.$qd)" \
		- "$(ratio ours.exits.$qd kvm.exits.$qd)" -
	printf '%-22s %12s %12s %12s %12s %12s\n' "guest irqs/read qd$qd" "$(show ours.irqs.$qd)" "$(show kvm.irqs.$qd)" \
		- "$(ratio ours.irqs.$qd kvm.irqs.$qd)" -
done
cs1=$(get ours.clocksource); cs2=$(get kvm.clocksource)
echo "guest clocksource: ours ${cs1:-n/a}, qemu+kvm ${cs2:-n/a}"
echo "targets (issue 8 item 7):"
r=$(ratio ours.boot kvm.boot)
printf '  %-44s %8s  %s\n' "boot time ours/QEMU+KVM <= 0.8" "$r" "$(verdict "$r" '<=' 0.8)"
for qd in $QDS; do
	r=$(ratio ours.iops.$qd kvm.iops.$qd)
	printf '  %-44s %8s  %s\n' "AHCI IOPS qd$qd ours/QEMU's AHCI >= 1.5" "$r" "$(verdict "$r" '>=' 1.5)"
done
qmax=$(echo $QDS | tr ' ' '\n' | sort -n | tail -n 1)
r=$(show ours.exits.$qmax)
printf '  %-44s %8s  %s\n' "exits per NCQ command at qd$qmax <= 3" "$r" "$(verdict "$r" '<=' 3)"
for k in $(cut -d= -f1 "$R/results"); do
	v=$(get "$k"); num "$v" || echo "  $k: $v"
done
echo "DISKBENCH-DONE rc=$rc"
exit $rc
