#!/bin/sh
# vmm.mode=diskbench (a benchmark, not a test; tests/host/qemu-amd.sh
# diskbench): the disk path side by side in one test host, on one image
# on a real block device of the host (the outer QEMU's virtio disk with
# serial "vmmbench", used raw). Configurations:
#   host      diskcheck on the device itself (the ceiling)
#   ours      vmmctl run --iso test-isolinux.iso --disk DEV (our AHCI)
#   oursv1    ... --disk DEV,if=virtio,queues=1 (our virtio-blk), 1 vCPU
#   oursv2    ... --disk DEV,if=virtio,queues=2 -c 2: 2 vCPUs, because
#             Linux's virtio_blk uses at most one queue per CPU
#   oursv1p   oursv1 with completion polling (module parameter
#             virtio_poll=1 while its disk is attached; not by default)
#   ours+P:V[+P:V...]  ours with vmm.ko's writable parameters P set to V
#             while its guest runs (e.g. ours+pvclock:0 for the default
#             before pvclock was on, ours+ahci_coalesce_us:200 coalescing);
#             compared with kvm
#   kvm       QEMU + kvm_amd (ICH9 AHCI of -M q35, cache=none, aio=native),
#             QEMU's binary from the build machine's root (9p "hostroot")
#   kvmv1     QEMU + kvm_amd, virtio-blk-pci num-queues=1, 1 vCPU
#   kvmv2     QEMU + kvm_amd, virtio-blk-pci num-queues=2, -smp 2
# Each guest boots once: time from launch to the ISO's ISO-SHELL line
# (host clock), then every run typed on its console, one after the other:
# diskcheck randread and randwrite (4 KiB O_DIRECT, random) at each queue
# depth (aread, on demand: random reads by Linux AIO from one thread that
# keeps the queue full) and seqread (1 MiB O_DIRECT, sequential) at its own depth, each
# between two snapshots of the hypervisor's exit counters and two reads
# of the guest's /proc/interrupts lines of the disk. Prints the issue 8
# table (AHCI random reads, boot time) and the issue 11 table (all of
# them) with the ratios and the targets.
# The runs write over the whole image: it is scratch (the guests boot
# from their CD).
# Environment: DISKBENCH_SECS (per run, default 5), DISKBENCH_QDS
# (random runs, default "1 32"), DISKBENCH_SEQQD (seqread, default 1),
# DISKBENCH_OPS (default "randread randwrite seqread"),
# DISKBENCH_CONFIGS (default all of the above), DISKBENCH_AIO (QEMU's
# aio=, default native), DISKBENCH_VCPUS (every guest's vCPUs, default 1
# and 2 with 2 queues), DISKBENCH_BOOT_TIMEOUT (s, default 150); or on
# the test host's kernel command line: vmm.dbsecs=N vmm.dbqds=1,8,32
# vmm.dbseqqd=N vmm.dbops=randread,seqread vmm.dbcfgs=host,oursv1,kvmv1
# vmm.dbaio=io_uring vmm.dbcpus=N vmm.dbdev=mem (the image in the test
# host's RAM, ours only: no host interrupts, the guest CPU-bound)
# vmm.dbwarm=0 (no warm-up boot before the measured ones; DISKBENCH_WARMUP).
. "$(dirname "$0")/lib.sh"
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	vmm.dbsecs=*) DISKBENCH_SECS=${arg#vmm.dbsecs=} ;;
	vmm.dbqds=*) DISKBENCH_QDS=$(echo "${arg#vmm.dbqds=}" | tr ',' ' ') ;;
	vmm.dbseqqd=*) DISKBENCH_SEQQD=${arg#vmm.dbseqqd=} ;;
	vmm.dbops=*) DISKBENCH_OPS=$(echo "${arg#vmm.dbops=}" | tr ',' ' ') ;;
	vmm.dbcfgs=*) DISKBENCH_CONFIGS=$(echo "${arg#vmm.dbcfgs=}" | tr ',' ' ') ;;
	vmm.dbaio=*) DISKBENCH_AIO=${arg#vmm.dbaio=} ;;
	vmm.dbcpus=*) DISKBENCH_VCPUS=${arg#vmm.dbcpus=} ;;
	vmm.dbdev=*) DISKBENCH_DEV=${arg#vmm.dbdev=} ;;
	vmm.dbwarm=*) DISKBENCH_WARMUP=${arg#vmm.dbwarm=} ;;
	esac
done

GUEST=${GUEST_DIR:-/guest}
ISO=${DISKBENCH_ISO:-$GUEST/test-isolinux.iso}
SECS=${DISKBENCH_SECS:-5}
QDS=${DISKBENCH_QDS:-1 32}
SEQQD=${DISKBENCH_SEQQD:-1}
OPS=${DISKBENCH_OPS:-randread randwrite seqread}
CONFIGS=${DISKBENCH_CONFIGS:-host ours oursv1 oursv2 kvm kvmv1 kvmv2}
AIO=${DISKBENCH_AIO:-native}
BOOT_TIMEOUT=${DISKBENCH_BOOT_TIMEOUT:-150}
MODS=${DISKBENCH_MODS:-/lib/diskbench}
HOSTROOT=/hostroot
QEMU=/usr/bin/qemu-system-x86_64
KDBG=/sys/kernel/debug/kvm
R=$TMP/diskbench
mkdir -p "$R"
rc=0

# the runs, OP:QD each, in the order they run in every configuration
RUNS=
for op in $OPS; do
	case "$op" in
	seqread) RUNS="$RUNS seqread:$SEQQD" ;;
	randread|randwrite|aread) for qd in $QDS; do RUNS="$RUNS $op:$qd"; done ;;
	*) echo "diskbench: unknown op $op (randread, randwrite, seqread, aread)" ;;
	esac
done
NRUNS=$(echo $RUNS | wc -w)

say() { echo "diskbench: $*"; }
# res KEY VALUE: one result (the tables read them back); VALUE "n/a ..." if unknown
res() { echo "$1=$2" >>"$R/results"; say "$1 = $2"; }
get() { sed -n "s/^$1=//p" "$R/results" | tail -n 1; }
: >"$R/results"
# has CONFIG: 0 when CONFIG is to run
has() { case " $CONFIGS " in *" $1 "*) return 0 ;; esac; return 1; }
# the name a configuration has in the tables
label() {
	case "$1" in
	host) echo host ;;
	ours) echo ours-ahci ;;
	oursv1) echo ours-virtio-1q ;;
	oursv2) echo ours-virtio-2q ;;
	oursv1p) echo ours-virtio-1q-poll ;;
	ours+*) echo "ours-ahci${1#ours}" ;;
	kvm) echo qemu-ahci ;;
	kvmv1) echo qemu-virtio-1q ;;
	kvmv2) echo qemu-virtio-2q ;;
	*) echo "$1" ;;
	esac
}
# QEMU's configuration with the same disk interface and queues as ours
peer() { case "$1" in oursv1p) echo kvmv1 ;; ours+*) echo kvm ;; ours*) echo "kvm${1#ours}" ;; esac; }
# which hypervisor's counters a configuration reads
engine() { case "$1" in ours*) echo ours ;; *) echo kvm ;; esac; }
# the guest's vCPUs: one per queue, or DISKBENCH_VCPUS
vcpus() { [ -n "${DISKBENCH_VCPUS:-}" ] && { echo "$DISKBENCH_VCPUS"; return; }; case "$1" in *v2) echo 2 ;; *) echo 1 ;; esac; }
# the disk's queues
queues() { case "$1" in *v2) echo 2 ;; *) echo 1 ;; esac; }

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

# parse_run KEY FILE OP QD: the results of the diskcheck line for OP at QD
# in FILE, as KEY.iops, KEY.mbs, KEY.p50, KEY.p99; _ios the request count
# (empty: no such line)
parse_run() {
	_ios=
	_l=$(grep -a "diskcheck: $3 qd $4:" "$2" | head -n 1 | tr -d '\r')
	[ -n "$_l" ] || return 1
	res "$1.iops" "$(echo "$_l" | sed -E 's/.*: ([0-9]+) IOPS.*/\1/')"
	res "$1.mbs" "$(echo "$_l" | sed -E 's/.*us, ([0-9.]+) MB\/s.*/\1/')"
	res "$1.p50" "$(echo "$_l" | sed -E 's/.*p50 ([0-9.]+) us.*/\1/')"
	res "$1.p99" "$(echo "$_l" | sed -E 's/.*p99 ([0-9.]+) us.*/\1/')"
	_ios=$(echo "$_l" | sed -E 's/.*IOPS, ([0-9]+) ios.*/\1/')
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
if [ "${DISKBENCH_DEV:-}" = mem ]; then
	# the image in the test host's RAM (tmpfs: buffered, done in the
	# submitting context, no host interrupt): what a request costs the
	# guest and the hypervisor alone; for our configurations only
	DEV=/tmp/diskbench-mem.img
	dd if=/dev/zero of=$DEV bs=1M count=128 2>/dev/null
	say "image: $DEV, 128 MiB in the test host's RAM (vmm.dbdev=mem)"
elif [ -z "$DEV" ] || [ ! -b "$DEV" ]; then
	say "ERROR: no virtio disk with serial vmmbench (the outer QEMU's -drive; modules: $(cat "$MODS/load-order" 2>/dev/null | tr '\n' ' '))"
	exit 1
else
	say "image: $DEV, $(($(cat /sys/block/${DEV#/dev/}/size) / 2048)) MiB, raw (the same device for all), scheduler $(cat /sys/block/${DEV#/dev/}/queue/scheduler)"
fi
[ -f "$ISO" ] || { say "ERROR: $ISO missing (tests/guest/mkiso.sh)"; exit 1; }
say "guest: $ISO, 256 MiB, 1 vCPU (2 with 2 queues); $SECS s per run; runs:$RUNS"
say "configurations: $CONFIGS; test host: $(grep -c ^processor /proc/cpuinfo) CPU(s)"

hostroot_ok=0
mkdir -p "$HOSTROOT"
if mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose hostroot "$HOSTROOT" 2>"$R/9p.err"; then
	hostroot_ok=1
else
	say "ERROR: cannot mount the build machine's root over 9p: $(cat "$R/9p.err")"
fi

# --- the ceiling: the same runs on the device, in the test host itself
if has host; then
	say "== host: diskcheck on $DEV"
	for run in $RUNS; do
		op=${run%:*} qd=${run#*:}
		timeout $((SECS * 4 + 60)) diskcheck "$op" "$DEV" "$SECS" "$qd" >"$R/host.$op$qd" 2>&1
		cat "$R/host.$op$qd"
		if ! parse_run host.$op$qd "$R/host.$op$qd" "$op" "$qd"; then
			res host.$op$qd.iops "n/a (diskcheck failed: $(tail -n 1 "$R/host.$op$qd"))"; rc=1
		fi
	done
fi

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

# guest_setup GUESTDEV: the shell lines typed into the guest once it is
# up. D is the disk, P an awk pattern for its /proc/interrupts lines:
# "ahci" for AHCI (the CD's port is idle during the runs), else the
# virtio device's own lines (virtioN-req.Q with MSI-X, virtioN with
# INTx). dbirq TAG prints "DBIRQ-TAG N", N the sum of those lines on all
# CPUs (the echo of the typed line does not match); short lines keep the
# console quiet.
guest_setup() {
	echo "D=$1"
	case "$1" in
	sd*) echo "P=ahci" ;;
	*) echo "V=\$(basename \$(readlink /sys/block/\$D/device)); P=\"\$V-req|\$V-virtqueues|\$V\\\$|\$V,\"" ;;
	esac
	cat <<'EOF'
dbirq() { awk -v p="$P" '$0 ~ p { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i } END { print "DBIRQ-" t, s + 0 }' t=$1 /proc/interrupts; }
EOF
}

# hung CONFIG: where the threads of a VM that stopped answering are in
# the host's kernel, and the host's last kernel messages
hung() {
	_p=$(cat "$R/$1.pid" 2>/dev/null)
	for _t in /proc/$_p/task/*; do
		[ -n "$_p" ] && [ -d "$_t" ] || continue
		say "$(label "$1"): thread ${_t##*/} ($(cat "$_t/comm")): $(cut -d' ' -f3 "$_t/stat"), in $(cat "$_t/wchan")"
		sed 's/^/diskbench:     /' "$_t/stack" 2>/dev/null
	done
	dmesg | tail -n 20 | sed "s/^/diskbench: $(label "$1"): dmesg: /"
}

# typer CONFIG GUESTDEV OUT: the guest's keyboard (stdout goes to its
# console). Once the shell is up, one diskcheck per run, each between
# two snapshots of the exit counters; the marker it prints is spelled so
# that the shell's echo of the typed line does not match it.
typer() {
	_c=$1 _d=$2 _o=$3 _e=$(engine "$1")
	if wait_for "$_o" ISO-SHELL "$BOOT_TIMEOUT"; then
		say "$(label "$_c"): shell up" >&2
		snap_$_e "$R/$_c.snapboot"
		guest_setup "$_d"
		# the guest's clock: a clocksource read by port I/O or MMIO is an exit
		echo "echo DBCS-\$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
		# why the guest's clock is what it is (printed under "clock:")
		echo "dmesg | grep -i -e clocksource -e tsc | sed 's/^/DB''CLK /'"
		# the guest's queue: depth (the device's, or the block layer's
		# requests per queue), hardware queues, CPUs, I/O scheduler
		echo "echo DBQ-\$(cat /sys/block/\$D/device/queue_depth 2>/dev/null || cat /sys/block/\$D/queue/nr_requests) \$(ls /sys/block/\$D/mq | wc -l)q \$(nproc)cpu \$(cat /sys/block/\$D/queue/scheduler)"
		sleep 1
		_n=0
		for _r in $RUNS; do
			_n=$((_n + 1))
			snap_$_e "$R/$_c.snap0.$_n"
			# the disk's interrupts the guest took, before and after
			echo "dbirq B$_n; diskcheck ${_r%:*} /dev/\$D $SECS ${_r#*:}; dbirq A$_n; echo DISKBENCH-\"\"STEP$_n"
			if ! wait_for "$_o" "DISKBENCH-STEP$_n" $((SECS * 4 + 90)); then
				say "$(label "$_c"): no end of ${_r%:*} qd ${_r#*:} in $((SECS * 4 + 90)) s: giving up" >&2
				hung "$_c" >&2
				break
			fi
			say "$(label "$_c"): ${_r%:*} qd ${_r#*:} done" >&2
			snap_$_e "$R/$_c.snap1.$_n"
			# our disk table by stage (cumulative: boot and the runs before included)
			[ "$_e" = ours ] && "$VMMCTL" stat >"$R/$_c.disk.$_n" 2>&1
		done
		# which of the disk's interrupt lines took them (one per queue)
		echo "grep -e virtio -e ahci /proc/interrupts | sed 's/^/DB''INT /'"
		sleep 1
	elif [ ! -e "$R/gone" ]; then
		say "$(label "$_c"): no shell in $BOOT_TIMEOUT s" >&2
		hung "$_c" >&2
	fi
	echo "poweroff -f"
	# stdin stays open until the VM is gone; one that stays 30 s after
	# the power-off (a guest stuck in a run never reads it) is stopped
	# (TERM, then KILL)
	_w=0
	while [ ! -e "$R/gone" ] && [ $_w -lt 150 ]; do sleep 0.2; _w=$((_w + 1)); done
	if [ ! -e "$R/gone" ]; then
		say "$(label "$_c"): the VM is still there 30 s after poweroff: stopping it" >&2
		kill "$(cat "$R/$_c.pid")" 2>/dev/null
		_w=0
		while [ ! -e "$R/gone" ] && [ $_w -lt 100 ]; do sleep 0.2; _w=$((_w + 1)); done
		[ -e "$R/gone" ] || kill -9 "$(cat "$R/$_c.pid")" 2>/dev/null
		_w=0
		while [ ! -e "$R/gone" ] && [ $_w -lt 300 ]; do sleep 0.2; _w=$((_w + 1)); done
	fi
}

# guest CONFIG GUESTDEV LIMIT CMD...: run CMD (the VM; its console on
# stdin/stdout) with the typer, time stamps on every line of its output,
# at most LIMIT s
guest() {
	_g=$1 _gd=$2 _lim=$3
	shift 3
	rm -f "$R/gone" "$R/$_g.pid"
	: >"$R/$_g.out"
	# our counters are module-wide since load: boot exits are the difference
	snap_$(engine "$_g") "$R/$_g.snapstart"
	now_cs >"$R/$_g.t0"
	# the VM runs in the background (its pid for the typer), on the
	# pipe's stdin through fd 3: an asynchronous command's own stdin
	# would be /dev/null
	typer "$_g" "$_gd" "$R/$_g.out" |
		{
			exec 3<&0
			timeout -k 10 "$_lim" "$@" <&3 3<&- 2>"$R/$_g.err" &
			echo $! >"$R/$_g.pid"
			wait $!
			echo "EXIT $?"
			touch "$R/gone"
		} | stamp >"$R/$_g.out"
	touch "$R/gone"
	sed -n 's/^[0-9]* EXIT //p' "$R/$_g.out"
}
# the time a guest may take: boot, every run, power-off
guest_limit() { echo $((BOOT_TIMEOUT + NRUNS * (SECS * 3 + 60) + 120)); }

# results CONFIG: boot time, and per run IOPS, latency, exits and
# interrupts per request from its output
results() {
	_c=$1 _o=$R/$1.out _e=$(engine "$1")
	_t0=$(cat "$R/$_c.t0")
	_ts=$(at ISO-SHELL "$_o")
	if [ -n "$_ts" ]; then
		res $_c.boot "$(awk "BEGIN { printf \"%.2f\", ($_ts - $_t0) / 100 }")"
	else
		res $_c.boot "n/a (no ISO-SHELL within $BOOT_TIMEOUT s)"; rc=1
	fi
	_cs=$(grep -a "DBCS-[a-z]" "$_o" | head -n 1 | sed 's/.*DBCS-//' | tr -d '\r')
	res $_c.clocksource "${_cs:-n/a (not printed)}"
	_dq=$(grep -a "DBQ-[0-9]" "$_o" | head -n 1 | sed 's/.*DBQ-//' | tr -d '\r')
	res $_c.queue "${_dq:-n/a (not printed)}"
	_a=$(total_$_e "$R/$_c.snapstart" 2>/dev/null)
	_b=$(total_$_e "$R/$_c.snapboot" 2>/dev/null)
	if [ -n "$_b" ]; then res $_c.bootexits "$((_b - ${_a:-0}))"; else res $_c.bootexits "n/a (exit counters unreadable)"; fi
	_n=0
	for _r in $RUNS; do
		_n=$((_n + 1))
		_op=${_r%:*} _q=${_r#*:}
		_k=$_c.$_op$_q
		if ! parse_run "$_k" "$_o" "$_op" "$_q"; then
			res $_k.iops "n/a (no diskcheck result in the guest)"
			[ -n "$_ts" ] && rc=1
			continue
		fi
		_ib=$(grep -a "DBIRQ-B$_n " "$_o" | head -n 1 | awk '{ print $NF }' | tr -d '\r')
		_ia=$(grep -a "DBIRQ-A$_n " "$_o" | head -n 1 | awk '{ print $NF }' | tr -d '\r')
		if [ -n "$_ib" ] && [ -n "$_ia" ] && [ "$_ios" -gt 0 ]; then
			res $_k.irqs "$(awk "BEGIN { printf \"%.2f\", ($_ia - $_ib) / $_ios }")"
		else
			res $_k.irqs "n/a (no interrupt count from the guest)"
		fi
		_a=$(total_$_e "$R/$_c.snap0.$_n" 2>/dev/null)
		_b=$(total_$_e "$R/$_c.snap1.$_n" 2>/dev/null)
		if [ -n "$_a" ] && [ -n "$_b" ] && [ "$_ios" -gt 0 ]; then
			res $_k.exits "$(awk "BEGIN { printf \"%.2f\", ($_b - $_a) / $_ios }")"
			say "$(label $_c) $_op qd $_q: $((_b - _a)) exits for $_ios requests; by reason: $(reasons_$_e "$R/$_c.snap0.$_n" "$R/$_c.snap1.$_n")"
		else
			res $_k.exits "n/a (exit counters unreadable: $(head -n 1 "$R/$_c.snap1.$_n" 2>/dev/null))"
		fi
		# our disk rows after this run (the VM's own table, cumulative)
		[ -s "$R/$_c.disk.$_n" ] &&
			awk '/ requests / { on = 1 } on && /^ *$/ { exit } on' "$R/$_c.disk.$_n" |
			sed "s/^/diskbench:   after $_op qd $_q: /"
	done
	grep -a "^[0-9]* DBINT " "$_o" | sed "s/^[0-9]* DBINT /diskbench: $(label $_c): guest interrupts: /"
}

# show_guest CONFIG STATUS: its console's markers; 1 when it did not boot
show_guest() {
	_p=$(label "$1")
	say "$_p: exit status ${2:-unknown}"
	grep -a -E "ISO-|diskcheck|DISKBENCH-STEP|EXIT" "$R/$1.out" | sed "s/^/$_p: /"
	grep -a "^[0-9]* DBCLK " "$R/$1.out" | sed "s/^[0-9]* DBCLK /$_p: clock: /"
	grep -aq ISO-SHELL "$R/$1.out" && [ "$2" = 0 ] && return 0
	say "$_p: the guest failed:"
	tail -n 20 "$R/$1.out" | sed "s/^/$_p: /"
	tail -n 10 "$R/$1.err" | sed "s/^/$_p: stderr: /"
	return 1
}

# --- ours
# our configurations, in the order of DISKBENCH_CONFIGS
OURS=
for c in $CONFIGS; do case $c in ours|oursv1|oursv2|oursv1p|ours+*) OURS="$OURS $c" ;; esac; done
# modparams CONFIG: the P:V pairs of an ours+P:V+... configuration
modparams() { case "$1" in ours+*) echo "${1#ours+}" | tr '+' ' ' ;; esac; }
if [ -n "$OURS" ]; then
	if ensure_vmm; then
		# one boot to the shell first, not measured: the first guest of
		# a run used to boot and run 20-35% slower than the same
		# configuration booted later (TCG's translation cache and the
		# test host's caches start cold; tests/host/NOTES.md)
		if [ "${DISKBENCH_WARMUP:-1}" = 1 ]; then
			say "warm-up: one boot of the ISO to its shell (not measured)"
			{ sleep 40; echo "poweroff -f"; sleep 20; } |
				timeout 120 "$VMMCTL" run --iso "$ISO" --disk "$DEV" --mem 256M --no-reboot \
					>"$R/warmup.out" 2>&1
			grep -aq ISO-SHELL "$R/warmup.out" || say "warm-up: no ISO-SHELL (rc $?)"
		fi
		for c in $OURS; do
			case $c in
			ours|ours+*) disk=$DEV gdev=sda ;;
			*) disk=$DEV,if=virtio,queues=$(queues $c) gdev=vda ;;
			esac
			poll=/sys/module/vmm/parameters/virtio_poll
			[ $c = oursv1p ] && echo 1 >$poll
			# ours+P:V: set each parameter, remember its value to restore
			saved= pset=
			for pv in $(modparams $c); do
				pf=/sys/module/vmm/parameters/${pv%%:*}
				if [ -w "$pf" ]; then
					saved="$saved ${pv%%:*}:$(cat "$pf")"
					echo "${pv#*:}" >"$pf"
					pset="$pset ${pv%%:*}=$(cat "$pf")"
				else
					say "ERROR: $(label $c): no writable parameter ${pv%%:*}"; rc=1
				fi
			done
			set -- "$VMMCTL" run --iso "$ISO" --disk "$disk" --mem 256M -c "$(vcpus $c)" --no-reboot
			say "== $(label $c): $*$([ $c = oursv1p ] && echo " (virtio_poll=$(cat $poll))")${pset:+ (parameters:$pset)}"
			st=$(guest $c $gdev "$(guest_limit)" "$@")
			[ -w $poll ] && echo 0 >$poll
			for pv in $saved; do echo "${pv#*:}" >"/sys/module/vmm/parameters/${pv%%:*}"; done
			show_guest $c "$st" || rc=1
			results $c
			n=$NRUNS
			if [ -s "$R/$c.disk.$n" ]; then
				say "$(label $c): our statistics after the last run (cumulative):"
				sed -n '/ requests /,$p' "$R/$c.disk.$n" | sed 's/^/diskbench:   /'
			fi
		done
	else
		say "ERROR: cannot load vmm.ko"; rc=1
		for c in $OURS; do res $c.boot "n/a (vmm.ko did not load)"; done
	fi
fi

# --- QEMU + kvm_amd: vmm.ko out, the kvm stack in
if has kvm || has kvmv1 || has kvmv2; then
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
	for c in kvm kvmv1 kvmv2; do
		has $c || continue
		if [ -n "$why" ]; then
			say "ERROR: $(label $c): $why"; rc=1
			res $c.boot "n/a ($why)"
			continue
		fi
		case $c in
		kvm) disk="-device ide-hd,drive=d,bus=ide.1" gdev=sda ;;
		*) disk="-device virtio-blk-pci,drive=d,num-queues=$(queues $c)" gdev=vda ;;
		esac
		# shellcheck disable=SC2086
		set -- chroot "$HOSTROOT" $QEMU -accel kvm -M q35 -m 256M -smp "$(vcpus $c)" \
			-nodefaults -nographic -serial stdio -monitor none -no-reboot -boot d \
			-drive file="/mnt/$(basename "$ISO")",format=raw,if=none,id=cd,media=cdrom,readonly=on \
			-device ide-cd,drive=cd,bus=ide.0 \
			-drive file="$DEV",format=raw,if=none,id=d,cache=none,aio=$AIO $disk
		say "== $(label $c) (chroot $HOSTROOT): $*"
		st=$(guest $c $gdev "$(guest_limit)" "$@")
		if show_guest $c "$st"; then
			results $c
		else
			rc=1
			res $c.boot "n/a (QEMU did not boot the ISO to its shell (exit ${st:-?}): $(tail -n 3 "$R/$c.err" | tr '\n' ' '))"
		fi
	done
	[ -z "$why" ] && umount "$HOSTROOT/tmp" "$HOSTROOT/mnt" "$HOSTROOT/sys" "$HOSTROOT/proc" "$HOSTROOT/dev" 2>/dev/null
fi

# --- the tables
num() { case "$1" in ''|n/a*) return 1 ;; esac; return 0; }
show() { v=$(get "$1"); num "$v" && echo "$v" || echo n/a; }
ratio() { a=$(get "$1"); b=$(get "$2"); if num "$a" && num "$b" && [ "$b" != 0 ]; then awk "BEGIN { printf \"%.2f\", $a / $b }"; else echo n/a; fi; }
verdict() { # VALUE OP LIMIT [MISS-WORD]
	num "$1" || { echo "n/a"; return; }
	awk "BEGIN { exit !($1 $2 $3) }" && echo PASS || echo "${4:-FAIL}"
}
row() { printf '%-22s %12s %12s %12s %12s %12s\n' "$@"; }

# issue 8 item 7: our AHCI against QEMU's, as before
echo
echo "== diskbench: $DEV raw, 4 KiB random reads O_DIRECT, $SECS s per run, guests 256 MiB / 1 vCPU, AHCI"
row "" ours qemu+kvm host ours/qemu ours/host
row "boot to shell (s)" "$(show ours.boot)" "$(show kvm.boot)" - "$(ratio ours.boot kvm.boot)" -
row "exits to boot" "$(show ours.bootexits)" "$(show kvm.bootexits)" - "$(ratio ours.bootexits kvm.bootexits)" -
for qd in $QDS; do
	k=randread$qd
	row "IOPS qd$qd" "$(show ours.$k.iops)" "$(show kvm.$k.iops)" \
		"$(show host.$k.iops)" "$(ratio ours.$k.iops kvm.$k.iops)" "$(ratio ours.$k.iops host.$k.iops)"
	row "p50 latency qd$qd (us)" "$(show ours.$k.p50)" "$(show kvm.$k.p50)" \
		"$(show host.$k.p50)" "$(ratio ours.$k.p50 kvm.$k.p50)" -
	row "p99 latency qd$qd (us)" "$(show ours.$k.p99)" "$(show kvm.$k.p99)" \
		"$(show host.$k.p99)" "$(ratio ours.$k.p99 kvm.$k.p99)" -
	row "exits/read qd$qd" "$(show ours.$k.exits)" "$(show kvm.$k.exits)" \
		- "$(ratio ours.$k.exits kvm.$k.exits)" -
	row "guest irqs/read qd$qd" "$(show ours.$k.irqs)" "$(show kvm.$k.irqs)" \
		- "$(ratio ours.$k.irqs kvm.$k.irqs)" -
done
cs1=$(get ours.clocksource); cs2=$(get kvm.clocksource)
echo "guest clocksource: ours ${cs1:-n/a}, qemu+kvm ${cs2:-n/a}"
echo "targets (issue 8 item 7):"
r=$(ratio ours.boot kvm.boot)
printf '  %-44s %8s  %s\n' "boot time ours/QEMU+KVM <= 0.8" "$r" "$(verdict "$r" '<=' 0.8)"
for qd in $QDS; do
	r=$(ratio ours.randread$qd.iops kvm.randread$qd.iops)
	printf '  %-44s %8s  %s\n' "AHCI IOPS qd$qd ours/QEMU's AHCI >= 1.5" "$r" "$(verdict "$r" '>=' 1.5)"
done
qmin=$(echo $QDS | tr ' ' '\n' | sort -n | head -n 1)
qmax=$(echo $QDS | tr ' ' '\n' | sort -n | tail -n 1)
r=$(show ours.randread$qmax.exits)
printf '  %-44s %8s  %s\n' "exits per NCQ command at qd$qmax <= 3" "$r" "$(verdict "$r" '<=' 3)"
# aread: one thread keeps the queue full (Linux AIO, batches of half the
# depth), as a guest faster than the emulated one does with threads
r=$(show ours.aread$qmax.exits)
num "$r" && printf '  %-44s %8s  %s\n' "the same, queue kept full (aread qd$qmax)" "$r" "$(verdict "$r" '<=' 3)"

# issue 11 item 5: every configuration, every run
echo
echo "== diskbench: $DEV raw, O_DIRECT, $SECS s per run; random runs 4 KiB, seqread 1 MiB (MB/s);"
echo "   guests 256 MiB, 1 vCPU (2 vCPUs with 2 queues); a request is one diskcheck read or write;"
echo "   exits: ours vmmctl stat, QEMU+KVM $KDBG; irqs: the guest's /proc/interrupts lines of the disk;"
echo "   xqemu: IOPS over QEMU+KVM's with the same interface and queues; xhost: IOPS over the host's"
printf '%-14s %-15s %8s %8s %10s %10s %9s %8s %7s %7s %7s\n' run config IOPS MB/s "p50 us" "p99 us" \
	exits/req irqs/req xqemu xhost p50xq
for run in $RUNS; do
	op=${run%:*} qd=${run#*:}
	for c in $CONFIGS; do
		k=$c.$op$qd
		p=$(peer $c)
		if [ -n "$p" ]; then
			xq=$(ratio $k.iops $p.$op$qd.iops) xl=$(ratio $k.p50 $p.$op$qd.p50)
		else
			xq=- xl=-
		fi
		if [ $c = host ]; then xh=- ex=- ir=-; else
			xh=$(ratio $k.iops host.$op$qd.iops) ex=$(show $k.exits) ir=$(show $k.irqs)
		fi
		printf '%-14s %-15s %8s %8s %10s %10s %9s %8s %7s %7s %7s\n' "$op qd$qd" "$(label $c)" \
			"$(show $k.iops)" "$(show $k.mbs)" "$(show $k.p50)" "$(show $k.p99)" "$ex" "$ir" "$xq" "$xh" "$xl"
	done
done
printf '%-30s' "boot to shell (s)"
for c in $CONFIGS; do [ $c = host ] || printf ' %s %s' "$(label $c)" "$(show $c.boot)"; done
echo
for c in $CONFIGS; do
	[ $c = host ] || echo "$(label $c): guest queue $(get $c.queue), clocksource $(get $c.clocksource)"
done
echo "targets (issue 11 item 5):"
tgt() { printf '  %-58s %8s  %s\n' "$1" "$2" "$(verdict "$2" "$3" "$4" MISS)"; }
for c in oursv1 oursv2; do
	has $c || continue
	q=${c#oursv}
	p=$(peer $c)
	tgt "virtio-blk ${q}q randread qd$qmax IOPS ours/QEMU's virtio-blk >= 1.5" \
		"$(ratio $c.randread$qmax.iops $p.randread$qmax.iops)" '>=' 1.5
	tgt "virtio-blk ${q}q randread qd$qmax IOPS ours/host >= 0.9" \
		"$(ratio $c.randread$qmax.iops host.randread$qmax.iops)" '>=' 0.9
	for op in randread randwrite; do
		tgt "virtio-blk ${q}q $op qd$qmax exits per request <= 0.1" "$(show $c.$op$qmax.exits)" '<=' 0.1
	done
	for op in randread randwrite; do
		tgt "virtio-blk ${q}q $op qd$qmin p50 latency ours/QEMU's < 1" \
			"$(ratio $c.$op$qmin.p50 $p.$op$qmin.p50)" '<' 1
		tgt "virtio-blk ${q}q $op qd$qmin p99 latency ours/QEMU's < 1" \
			"$(ratio $c.$op$qmin.p99 $p.$op$qmin.p99)" '<' 1
	done
done
for k in $(cut -d= -f1 "$R/results" | sort -u); do
	v=$(get "$k"); num "$v" || echo "  $k: $v"
done
echo "DISKBENCH-DONE rc=$rc"
exit $rc
