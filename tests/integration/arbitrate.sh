#!/bin/sh
# Suite "arbitrate": sharing the host between VMs (issue 12, items 4-5).
#
# What is measured, and why this way:
#  - CPU cap: a spinning VM (payload spin.bin, no exits of its own) run
#    with --cpu-cap 50; the CPU time its cgroup used (cpu.stat usage_usec)
#    over ARB_CAP_SECS of wall time (5 s, 2 s on the VT-x host) must be
#    45-55% of one host CPU. The cgroup must
#    hold the settings asked for (cpu.max, memory.max) and be gone after.
#  - Two ISO guests (A and B) booted side by side, each with a disk image
#    of its own and its own cgroup (--cpu-weight/--io-weight), A's disk
#    with an iops= limit far above what it can do (the option path, the
#    limiter in the way but not delaying). Both images on one device: ext2
#    on a loop device, read with O_DIRECT, with blk-iocost on the device
#    (io.weight acts through it; its linear cost model, io.cost.model,
#    says how many 4 KiB reads a second the device takes). Then, in turn:
#    * latency under a hostile neighbour, equal weights, each VM on a CPU
#      of its own (cpuset; a host with one CPU prints the figures and
#      skips the check): A reads 4 KiB at random at queue depth 1
#      alone, then while B hammers its disk at queue depth 32, in three
#      such rounds (ARB_ROUNDS; one where the check is skipped); the p99
#      of A's disk latency (doorbell to completion interrupt, every read,
#      from the vmm_disk_irq tracepoint) over all rounds must stay within
#      2x of its solo value; the guest's own p99 is printed beside it;
#    * weights 1:2: B's cpu.weight and io.weight set to twice A's (written
#      into B's cgroup while it runs), both read at random at queue depth
#      8, twice: both VMs on CPU 0, where the CPU is what they contend
#      for (the CPU each group used in a window of ARB_SECS must split
#      1:2 +- 20%), then each on a CPU of its own (where there are two)
#      with the device's model at a quarter of what A read alone, where
#      the device is what they contend for (the requests
#      each disk served in the window must split 1:2 +- 20%);
#    * an IOPS cap: vmmctl limit sets A's disk to 100 IOPS, then 200 while
#      the guest runs: the guest's randread (queue depth 8) must report
#      each within 5%.
#    tests/run-all.sh runs this suite in the one-CPU AMD-V test host with
#    the other suites (QEMU 7.2 TCG), where the neighbour check skips;
#    tests/host/smp-test.sh runs it in a two-CPU one (QEMU 10,
#    multi-threaded TCG), where it runs, but guests there have
#    triple-faulted (tests/host/NOTES.md). Under TCG a
#    guest's read costs it about a millisecond of its own CPU, so
#    where the CPU is shared the CPU decides; that works because each
#    disk's worker thread is in its VM's cgroup (checked), so the CPU the
#    disk path costs is the VM's, and its I/O is issued in the VM's io
#    cgroup, so io.cost charges the VM.
# The VT-x test host (Bochs, ~20x slower) runs the short form: the CPU cap
# and the option checks, not the two guests, unless ARB_FULL=1.
# Environment: ARB_ISO (default /guest/test-isolinux.iso), ARB_SECS
# (seconds per measurement, default 8), ARB_ROUNDS (the neighbour's
# rounds), ARB_NEIGHBOUR_ONLY (above), ISO_TIMEOUT (boot, default 400).
. "$(dirname "$0")/lib.sh"
ktap_begin arbitrate

GUEST=${GUEST_DIR:-/guest}
ISO=${ARB_ISO:-$GUEST/test-isolinux.iso}
SECS=${ARB_SECS:-8}
# ARB_NEIGHBOUR_ONLY=1: the two guests' boot, the neighbour check and the
# teardown, not the CPU cap, the weights or the IOPS caps (a lighter form
# for slow test hosts)
only_neighbour=${ARB_NEIGHBOUR_ONLY:-0}
ISO_TIMEOUT=${ISO_TIMEOUT:-400}
CG=/sys/fs/cgroup

ensure_vmm; result $? "vmm loaded"

# cgroup v2 with the cpu, io and memory controllers
grep -q " cgroup2 " /proc/mounts || { mkdir -p $CG; mount -t cgroup2 none $CG 2>/dev/null; }
if ! grep -q " cgroup2 " /proc/mounts; then
	not_ok "cgroup v2 mounted"
	ktap_end; exit 1
fi
ctl=$(cat $CG/cgroup.controllers)
diag "cgroup v2 at $CG, controllers: $ctl"
case " $ctl " in *" cpu "*) c1=0 ;; *) c1=1 ;; esac
case " $ctl " in *" io "*) c2=0 ;; *) c2=1 ;; esac
case " $ctl " in *" memory "*) c3=0 ;; *) c3=1 ;; esac
result $((c1 + c2 + c3)) "cgroup v2 has the cpu, io and memory controllers"

# tenths A B: A/B in thousandths (a percentage in tenths)
tenths() { echo $(( ($1 * 1000 + $2 / 2) / $2 )); }
fmt1() { echo "$(($1 / 10)).$(($1 % 10))"; }
# (/proc/uptime has two decimals: "1" in front keeps "08" from reading as octal)
usec_now() { read -r _u _i </proc/uptime; echo $(( ${_u%.*} * 1000000 + (1${_u#*.} - 100) * 10000 )); }

# ---- CPU cap ----
spin=$(payload spin.bin)
if [ "$only_neighbour" = 0 ]; then
	"$VMMCTL" run --image "$spin" --cpu-cap 50 --mem-limit 64M >"$TMP/arb-spin.out" 2>"$TMP/arb-spin.err" &
	sp=$!
	d=$CG/vmm/vm-$sp
	# vmmctl makes its group, then moves itself into it: wait for both (up to
	# 30 s: a wake-up QEMU loses stalls the host for up to a second)
	in_group() { [ -d "$d" ] && grep -qw "$sp" "$d/cgroup.procs" 2>/dev/null; }
	i=0
	while ! in_group && kill -0 "$sp" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	if in_group; then
		ok "--cpu-cap: vmmctl runs in its own cgroup $d"
		check "cpu.max is 50000 100000" grep -q "^50000 100000" "$d/cpu.max"
		check "memory.max is 64M" grep -qx 67108864 "$d/memory.max"
		# (Bochs runs the test host's clock about 30x slower than the wall's:
		# 2 s there, 20 periods of cpu.max, cost a minute)
		if grep -q GenuineIntel /proc/cpuinfo; then cs=${ARB_CAP_SECS:-2}; else cs=${ARB_CAP_SECS:-5}; fi
		sleep 0.5
		u0=$(sed -n 's/^usage_usec //p' "$d/cpu.stat"); t0=$(usec_now)
		sleep "$cs"
		u1=$(sed -n 's/^usage_usec //p' "$d/cpu.stat"); t1=$(usec_now)
		p=$(tenths $((u1 - u0)) $((t1 - t0)))
		diag "FIGURE cpu-cap 50%: the VM used $(fmt1 "$p")% of one host CPU ($((u1 - u0)) us in $((t1 - t0)) us)"
		[ "$p" -ge 450 ] && [ "$p" -le 550 ]; result $? "a VM capped at 50% uses 45-55% of one host CPU ($(fmt1 "$p")%)"
	else
		not_ok "--cpu-cap: vmmctl runs in its own cgroup"
		diag_file "$TMP/arb-spin.err"
	fi
	kill $sp 2>/dev/null; wait $sp 2>/dev/null
	i=0; while [ -d "$d" ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
	[ ! -d "$d" ]; result $? "the VM's cgroup is removed when vmmctl ends"
fi

# bad values are refused before anything runs
"$VMMCTL" run --image "$spin" --cpu-weight 0 >/dev/null 2>&1; [ $? -eq 2 ]; result $? "--cpu-weight 0 is a usage error"
"$VMMCTL" run --image "$spin" --disk x,iops=-1 >/dev/null 2>&1; [ $? -eq 2 ]; result $? "iops=-1 is a usage error"
"$VMMCTL" limit 99999 >/dev/null 2>"$TMP/arb-l.err"; [ $? -eq 1 ] && grep -q "no VM" "$TMP/arb-l.err"
result $? "vmmctl limit on a VM that does not exist says so"

# ---- two ISO guests ----
if grep -q GenuineIntel /proc/cpuinfo && [ "${ARB_FULL:-0}" != 1 ]; then
	skip "two guests: latency, weights, IOPS cap" "VT-x host: the short form (ARB_FULL=1 runs them)"
	ktap_end; exit $?
fi
if [ ! -f "$ISO" ]; then
	skip "two guests: latency, weights, IOPS cap" "no $ISO"
	ktap_end; exit $?
fi

# vm_start NAME DISK-ARG CG-ARGS...: vmmctl on a FIFO console (fd 7 or 8
# keeps it open), stdout time-stamped in $TMP/arb-NAME.out
vm_start() {
	_vn=$1; _d=$2; shift 2
	rm -f "$TMP/arb-$_vn.in"; mkfifo "$TMP/arb-$_vn.in"
	( "$VMMCTL" run --mem 256M --no-reboot --iso "$ISO" --disk "$_d" "$@" \
		<"$TMP/arb-$_vn.in" 2>"$TMP/arb-$_vn.err"; echo "EXIT $?" ) | stamp >"$TMP/arb-$_vn.out" &
}
# say NAME TEXT: type a line on NAME's console
say() { if [ "$1" = a ]; then echo "$2" >&7; else echo "$2" >&8; fi; }
# wait_line NAME PATTERN COUNT TIMEOUT: until COUNT lines match (TIMEOUT
# seconds of the host's clock); on a time-out, what the guest printed last
# and its exits, to tell a stuck guest from a slow one
wait_line() {
	_end=$(( $(now_cs) + $4 * 100 ))
	while [ "$(grep -c -- "$2" "$TMP/arb-$1.out")" -lt "$3" ] && [ "$(now_cs)" -lt $_end ]; do
		if grep -q " EXIT " "$TMP/arb-$1.out"; then
			# (not when it was asked to go: the last wait_line)
			[ "$2" = " EXIT " ] && return 0
			diag "VM $1 ended while waiting for '$2'; its console and vmmctl's errors end:"
			tail -n 4 "$TMP/arb-$1.out" | diag "$(cat)"
			tail -n 8 "$TMP/arb-$1.err" | diag "$(cat)"
			return 1
		fi
		sleep 0.2
	done
	[ "$(grep -c -- "$2" "$TMP/arb-$1.out")" -ge "$3" ] && return 0
	diag "VM $1: no $3 lines with '$2' after $4 s; its console ends:"
	tail -n 8 "$TMP/arb-$1.out" | diag "$(cat)"
	"$VMMCTL" stat 2>&1 | head -n 12 | diag "$(cat)"
	return 1
}
# nth NAME K FIELD: from the K-th diskcheck randread line, IOPS or p99 (us, integer)
nth() {
	_l=$(grep "diskcheck: .* IOPS" "$TMP/arb-$1.out" | sed -n "$2p")
	case $3 in
	iops) echo "$_l" | sed -E 's/.*qd [0-9]+: ([0-9]+) IOPS.*/\1/' ;;
	p99) echo "$_l" | sed -E 's/.*p99 ([0-9]+)\.[0-9] us.*/\1/' ;;
	esac
}
cg_of() { for _c in "$CG"/vmm/vm-*; do grep -qw "$1" "$_c/cgroup.procs" 2>/dev/null && echo "$_c"; done; }

# One host device under both guests' images, so that they share a device
# and not only the CPU: ext2 on a loop device (the backend's O_DIRECT
# path), each image written in full (a read of a hole never reaches the
# device), with blk-iocost on the device: the controller that io.weight
# acts through. Its rate is held at 100% (io.cost.qos min = max) and its
# linear cost model (io.cost.model) says how many 4 KiB reads a second
# the device takes: a figure far above what the guests can ask for, but
# where the weights are to split a full device (below).
NCPU=$(nproc)
IMGDIR=$TMP; DEVMM=; ARBDEV=
if [ -f /lib/fs/load-order ]; then
	for m in $(cat /lib/fs/load-order); do insmod "/lib/fs/$m.ko" 2>/dev/null; done
	mkdir -p "$TMP/arb-dev"
	truncate -s 192M "$TMP/arb-dev.img"
	if mke2fs -F -b 4096 "$TMP/arb-dev.img" >/dev/null 2>&1 &&
	   mount -o loop -t ext2 "$TMP/arb-dev.img" "$TMP/arb-dev"; then
		IMGDIR=$TMP/arb-dev
		ARBDEV=$(awk -v m="$TMP/arb-dev" '$2 == m { print $1 }' /proc/mounts)
		DEVMM=$(cat "/sys/block/${ARBDEV#/dev/}/dev" 2>/dev/null)
	fi
fi
iocost=0
if [ -n "$DEVMM" ] && [ -f "$CG/io.cost.qos" ] &&
   echo "$DEVMM enable=1 ctrl=user min=100.00 max=100.00" >"$CG/io.cost.qos"; then
	iocost=1
fi
# the device and io.cost gone again (the guests' images with them)
arb_cleanup() {
	[ $iocost = 1 ] && echo "$DEVMM enable=0" >"$CG/io.cost.qos"
	rm -f "$IMGDIR/arb-a.img" "$IMGDIR/arb-b.img"
	if [ "$IMGDIR" != "$TMP" ]; then
		umount "$IMGDIR" && losetup -d "$ARBDEV" 2>/dev/null
	fi
	rm -f "$TMP/arb-dev.img"
}
# io_model IOPS: the device takes IOPS 4 KiB reads (or writes) a second
io_model() {
	[ $iocost = 1 ] || return 1
	echo "$DEVMM ctrl=user model=linear rbps=4294967296 rseqiops=$1 rrandiops=$1 wbps=4294967296 wseqiops=$1 wrandiops=$1" >"$CG/io.cost.model"
}
io_model 100000
diag "the guests' images on $ARBDEV ($DEVMM), $(grep " $IMGDIR " /proc/mounts | cut -d' ' -f3) in $IMGDIR; io.cost: $(cat "$CG/io.cost.qos" 2>/dev/null | tr '\n' ' ')"
[ $iocost = 1 ]; result $? "one host device for both guests' images, with io.cost on it ($ARBDEV)"
for n in a b; do dd if=/dev/zero of="$IMGDIR/arb-$n.img" bs=1M count=72 2>/dev/null; done
sync
# Where the host has more than one CPU, each VM lives on one (cpuset): A
# on CPU 0, B on CPU 1, from its start. pin GROUP CPUS.
# (Not in CI: in a test host of two CPUs a guest under our module
# triple-faults now and then under QEMU 7.2, 10 and 11 (under 10 and 11
# about one boot of this suite in six), pinned or not: a transient fault of
# the emulator's, which replaying the VMRUN does not repeat; never in the
# one-CPU host: tests/host/NOTES.md.)
cpuset_on=0
if [ "$NCPU" -gt 1 ]; then
	mkdir -p "$CG/vmm"
	for d in "$CG" "$CG/vmm"; do
		grep -qw cpuset "$d/cgroup.subtree_control" || echo +cpuset >"$d/cgroup.subtree_control"
	done
	grep -qw cpuset "$CG/vmm/cgroup.subtree_control" && cpuset_on=1
fi
pin() { [ $cpuset_on = 1 ] && echo "$2" >"$1/cpuset.cpus"; }
# new_group CPUS BEFORE: the VM group not among BEFORE (the groups there
# were before its vmmctl started, which makes it before it creates the
# VM), pinned to CPUS
new_group() {
	_old=$2
	_i=0
	while [ $_i -lt 100 ]; do
		for _g in "$CG"/vmm/vm-*; do
			[ -d "$_g" ] || continue
			case " $(echo $_old) " in *" $_g "*) continue ;; esac
			pin "$_g" "$1"
			return 0
		done
		sleep 0.05; _i=$((_i + 1))
	done
	return 1
}
g0=$(ls -d "$CG"/vmm/vm-* 2>/dev/null)
vm_start a "$IMGDIR/arb-a.img,iops=100000" --cpu-weight 100 --io-weight 100
exec 7>"$TMP/arb-a.in"
new_group 0 "$g0" || diag "A's group did not appear"
g0=$(ls -d "$CG"/vmm/vm-* 2>/dev/null)
vm_start b "$IMGDIR/arb-b.img" --cpu-weight 100 --io-weight 100
exec 8>"$TMP/arb-b.in"
new_group 1 "$g0" || diag "B's group did not appear"
if ! wait_line a ISO-SHELL 1 "$ISO_TIMEOUT" || ! wait_line b ISO-SHELL 1 "$ISO_TIMEOUT"; then
	not_ok "two guests boot to their shells"
	diag_file "$TMP/arb-a.out" 20; diag_file "$TMP/arb-a.err"
	diag_file "$TMP/arb-b.out" 20; diag_file "$TMP/arb-b.err"
	exec 7>&- 8>&-
	kill $(cat "$CG"/vmm/vm-*/cgroup.procs 2>/dev/null) 2>/dev/null; sleep 2
	arb_cleanup
	ktap_end; exit 1
fi
ok "two guests boot to their shells (each in its own cgroup)"
sleep 2
# the creators' pids and the VM ids (vmmctl stat: vmid pid ...)
ida=; idb=
# (which is which by the image on its creator's command line: the two
# start together, so A's VM need not be the one made first)
for l in $("$VMMCTL" stat | awk '$1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ {print $1 ":" $2}'); do
	c=$(cg_of "${l#*:}")
	[ -n "$c" ] || continue
	if tr '\0' ' ' <"/proc/${l#*:}/cmdline" 2>/dev/null | grep -q "arb-a.img"; then
		ida=${l%%:*}; cga=$c
	else
		idb=${l%%:*}; cgb=$c
	fi
done
diag "VM A: id $ida, $cga; VM B: id $idb, $cgb"
"$VMMCTL" limit "$ida" >"$TMP/arb-limit.out" 2>&1
diag_file "$TMP/arb-limit.out"
grep -q "100000 burst 10000" "$TMP/arb-limit.out"; result $? "vmmctl limit lists A's disk with the limit --disk gave it"
w=0
for p in $(cat "$cga/cgroup.procs"); do
	case "$(cat /proc/$p/comm 2>/dev/null)" in vmm-"$ida"-*) w=$((w + 1)) ;; esac
done
[ $w -eq 2 ]; result $? "A's cgroup holds its two disks' worker threads ($w)"
for f in cpu.weight io.weight; do diag "A $f: $(cat "$cga/$f" 2>&1 | tr '\n' ' ') B $f: $(cat "$cgb/$f" 2>&1 | tr '\n' ' ')"; done

# latency: A alone, then with B hammering (equal weights); beside the
# guest's own p99, the hypervisor's: from the guest's doorbell to the
# completion interrupt, per request (tracepoint vmm_disk_irq's total_ns,
# exact, not the stage histograms' powers of two).
# Each VM has a CPU of its own (A on CPU 0, B on CPU 1), as on a host with
# a core to spare for each: what they share is the disk path (the module,
# the device with its queue and io.cost, the file system on it). Where
# the host has one CPU only, A cannot keep its latency: under QEMU TCG a
# read costs the guest a millisecond of its own CPU, and an equal
# neighbour takes half of the one CPU (measured 1.7x-2.7x for the guest's
# p99); the figures print, the check is skipped.
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T 2>/dev/null
ev=$T/events/vmm/vmm_disk_irq
trace_on() {
	echo 0 >$T/tracing_on; echo >$T/trace; echo 4096 >$T/buffer_size_kb
	echo "vm_id == $ida" >$ev/filter; echo 1 >$ev/enable; echo 1 >$T/tracing_on
}
# p99_of FILE: the p99 (us) of the sorted latencies (ns) in FILE, and
# their count
p99_of() {
	_n=$(wc -l <"$1")
	[ "$_n" -gt 0 ] || { echo "0 0"; return; }
	_k=$(( (_n * 99 + 99) / 100 ))
	echo "$(( $(sed -n "${_k}p" "$1") / 1000 )) $_n"
}
# trace_p99 NAME: stop tracing (the filter cleared for later suites); A's
# disk read latencies (ns) sorted into $TMP/arb-lat-NAME; their p99 (us)
# and count
trace_p99() {
	echo 0 >$T/tracing_on; echo 0 >$ev/enable; echo 0 >$ev/filter
	grep "vmm_disk_irq: vm $ida disk d1 op read " $T/trace | sed 's/.* total_ns \([0-9]*\).*/\1/' |
		sort -n >"$TMP/arb-lat-$1"
	p99_of "$TMP/arb-lat-$1"
}
# read_on NAME ARGS: the guest runs diskcheck randread ARGS; its IOPS
# lines so far (na, nb) count one more
na=0; nb=0
read_on() {
	say "$1" "diskcheck randread /dev/sda $2"
	if [ "$1" = a ]; then na=$((na + 1)); else nb=$((nb + 1)); fi
}
pin "$cga" 0; pin "$cgb" 1
# Rounds: A alone, then A beside B, ARB_ROUNDS times (3 where the check
# runs, 1 where it is skipped), interleaved so that the host's drift
# weighs on both sides alike; the check takes the p99 over each side's
# reads of all rounds. (One round of SECS a side gave 1.2x-1.7x in six
# runs of the two-CPU host and 2.1x in the seventh: its two emulated CPUs
# fill this machine's two cores, and QEMU loses wake-ups there;
# tests/host/NOTES.md.)
rounds=${ARB_ROUNDS:-1}
[ $cpuset_on = 1 ] && rounds=${ARB_ROUNDS:-3}
rm -f "$TMP"/arb-lat-*
gsolo=; gbusy=
rn=0
while [ $rn -lt "$rounds" ]; do
	rn=$((rn + 1))
	trace_on
	read_on a "$SECS 1 64"
	wait_line a "IOPS" $na $((SECS + 60)); solo=$(nth a $na p99)
	[ $rn = 1 ] && sio=$(nth a $na iops)
	set -- $(trace_p99 "solo-$rn"); ds=$1 ns=$2
	read_on b "$((SECS + 6)) 32 64"
	sleep 3
	trace_on
	read_on a "$SECS 1 64"
	wait_line a "IOPS" $na $((SECS + 60)); busy=$(nth a $na p99)
	set -- $(trace_p99 "busy-$rn"); db=$1 nr=$2
	wait_line b "IOPS" $nb $((SECS + 60))
	diag "FIGURE hostile neighbour, round $rn of $rounds: A's disk p99 solo $ds us over $ns reads, with B at QD32 $db us over $nr reads (B: $(nth b $nb iops) IOPS); as the guest sees it, solo ${solo:-?} us, with B ${busy:-?} us"
	gsolo="$gsolo ${solo:-0}"; gbusy="$gbusy ${busy:-0}"
done
rw=rounds; [ "$rounds" = 1 ] && rw=round
sort -n "$TMP"/arb-lat-solo-* >"$TMP/arb-lat-solo"
set -- $(p99_of "$TMP/arb-lat-solo"); dsolo=$1 nsolo=$2
sort -n "$TMP"/arb-lat-busy-* >"$TMP/arb-lat-busy"
set -- $(p99_of "$TMP/arb-lat-busy"); dbusy=$1 nbusy=$2
# the guest's own p99s: their mean over the rounds
mean() { echo "$@" | awk '{ for (i = 1; i <= NF; i++) s += $i; if (NF) printf "%d", s / NF }'; }
solo=$(mean $gsolo); busy=$(mean $gbusy)
diag "FIGURE hostile neighbour: A's p99 solo ${solo:-?} us, with B at QD32 ${busy:-?} us (the guest's own, mean of $rounds $rw)"
diag "FIGURE hostile neighbour: A's disk p99 (doorbell to interrupt) solo ${dsolo} us over $nsolo reads, with B ${dbusy} us over $nbusy reads ($rounds $rw)"
# The check is on the disk's latency as the hypervisor sees it (doorbell
# to completion interrupt, every read): what the disk path owes A. The
# guest's own p99 adds the guest's CPU time, which on this host is most
# of a read and is coupled between the two emulated CPUs (QEMU runs both);
# it prints beside (measured 1.2x-1.9x in runs where the disk's was 1.4x-1.6x).
[ -n "$solo" ] && [ -n "$busy" ] && [ "$solo" -gt 0 ] &&
	diag "FIGURE hostile neighbour: A's p99 as the guest sees it: $(fmt1 $(($(tenths "$busy" "$solo") / 100)))x"
if [ "${dsolo:-0}" -gt 0 ] && [ "${dbusy:-0}" -gt 0 ] && [ "${nbusy:-0}" -ge 100 ]; then
	r=$(tenths "$dbusy" "$dsolo")
	diag "FIGURE hostile neighbour: A's disk p99 ratio $(fmt1 $((r / 100)))x"
	if [ $cpuset_on = 0 ]; then
		skip "a hostile neighbour keeps A's disk p99 within 2x of solo ($(fmt1 $((r / 100)))x)" "one host CPU: the neighbour takes half of the CPU A's disk path and guest run on (tests/host/smp-test.sh runs it on two)"
	else
		[ "$dbusy" -le $((2 * dsolo)) ]; result $? "a hostile neighbour keeps A's disk p99 within 2x of solo ($(fmt1 $((r / 100)))x)"
	fi
else
	not_ok "a hostile neighbour keeps A's disk p99 within 2x of solo (no figures: solo ${dsolo:-?} us, busy ${dbusy:-?} us over ${nbusy:-?} reads)"
fi

if [ "$only_neighbour" = 0 ]; then
	# weights 1:2: B's cpu.weight and io.weight set to twice A's, written into
	# its group while it runs. Weights decide what two VMs contend for, so
	# each is measured where that is full: (1) the CPU, both VMs on CPU 0
	# (where the host has more than one), as two VMs sharing a core; (2) the
	# device, each VM on a CPU of its own where there are two, the device's
	# model at a quarter of the reads A made alone at QD1 (so that both VMs
	# ask more than their share, and even on one CPU the device is full).
	# In each, both read at random at QD8 for SECS + 8 s; over a SECS-second
	# window in the middle, while both surely read: the requests each disk
	# served (the hypervisor's count, vmmctl limit's "ops") and the CPU each
	# group used (cpu.stat). Throughput is checked where the device is full:
	# where the CPU is, under QEMU TCG each guest pays some 10% of the CPU for
	# its own timer ticks whatever its share, so the VM with the smaller share
	# keeps less of it for reads (measured B/A 2.4-3.3 for a CPU split of 2.0).
	echo 200 >"$cgb/cpu.weight"; echo "default 200" >"$cgb/io.weight"
	[ -f "$cgb/io.bfq.weight" ] && echo 200 >"$cgb/io.bfq.weight"
	ops_of() { timeout 30 "$VMMCTL" limit "$1" 2>/dev/null | awk '$1 == 1 { print $(NF - 3) }'; }
	# both_read NAME: one such run; sets ia ib (IOPS in the window), ca cb
	# (CPU ms in the window), ok_w (0 when every figure came)
	both_read() {
		read_on a "$((SECS + 8)) 8 64"; read_on b "$((SECS + 8)) 8 64"
		sleep 4
		oa0=$(ops_of "$ida"); ob0=$(ops_of "$idb"); t0=$(usec_now)
		ua0=$(sed -n 's/^usage_usec //p' "$cga/cpu.stat"); ub0=$(sed -n 's/^usage_usec //p' "$cgb/cpu.stat")
		sleep "$SECS"
		oa1=$(ops_of "$ida"); ob1=$(ops_of "$idb"); t1=$(usec_now)
		ua1=$(sed -n 's/^usage_usec //p' "$cga/cpu.stat"); ub1=$(sed -n 's/^usage_usec //p' "$cgb/cpu.stat")
		wait_line a "IOPS" $na $((SECS * 3 + 60)); wait_line b "IOPS" $nb $((SECS * 3 + 60))
		diag "weights 1:2, $1: requests in the window A ${oa0:-?}..${oa1:-?}, B ${ob0:-?}..${ob1:-?}; the guests' own figures over their whole runs: A $(nth a $na iops) IOPS, B $(nth b $nb iops) IOPS"
		ok_w=1
		[ -n "$oa0" ] && [ -n "$oa1" ] && [ -n "$ob0" ] && [ -n "$ob1" ] && [ $((oa1 - oa0)) -gt 0 ] &&
			[ -n "$ua0" ] && [ -n "$ua1" ] && [ -n "$ub0" ] && [ -n "$ub1" ] && ok_w=0
		[ $ok_w = 0 ] || return
		ia=$(( (oa1 - oa0) * 1000000 / (t1 - t0) )); ib=$(( (ob1 - ob0) * 1000000 / (t1 - t0) ))
		ca=$(( (ua1 - ua0) / 1000 )); cb=$(( (ub1 - ub0) / 1000 ))
	}
	# check_1_2 B A WHAT FIGURE: B/A within 20% of 2, the figure printed
	check_1_2() {
		_r=$(tenths "$1" "$2")
		diag "FIGURE weights 1:2: $4, B/A = $(fmt1 $((_r / 100)))"
		[ "$_r" -ge 1600 ] && [ "$_r" -le 2400 ]
		result $? "weights 1:2 $3 within 20% of 1:2 (B/A $(fmt1 $((_r / 100))))"
	}
	# (1) the CPU
	if [ $cpuset_on = 1 ]; then
		pin "$cga" 0 && pin "$cgb" 0
		result $? "weights 1:2, the CPU: both VMs on CPU 0 of $NCPU (cpuset)"
	fi
	sleep 1
	both_read "one CPU"
	if [ $ok_w = 0 ] && [ "$ca" -gt 0 ]; then
		check_1_2 "$cb" "$ca" "split a CPU both VMs need" "CPU in the window A $ca ms, B $cb ms"
		diag "FIGURE weights 1:2, one CPU: A $ia IOPS, B $ib IOPS while both read, B/A = $(fmt1 $(($(tenths "$ib" "$ia") / 100)))"
	else
		not_ok "weights 1:2 split a CPU both VMs need (no figures: CPU A ${ua0:-?}..${ua1:-?} B ${ub0:-?}..${ub1:-?} us)"
	fi
	# (2) the device
	dev_iops=$(( ${sio:-0} / 4 ))
	[ "$dev_iops" -ge 40 ] || dev_iops=40
	pin "$cga" 0; pin "$cgb" 1
	if io_model "$dev_iops"; then
		sleep 1
		both_read "one device"
		if [ $ok_w = 0 ] && [ "$ia" -gt 0 ]; then
			check_1_2 "$ib" "$ia" "give throughput on a full device" "one device taking $dev_iops reads/s, A $ia IOPS, B $ib IOPS while both read (CPU A $ca ms, B $cb ms)"
		else
			not_ok "weights 1:2 give throughput on a full device (no figures: ops A ${oa0:-?}..${oa1:-?} B ${ob0:-?}..${ob1:-?})"
		fi
		io_model 100000
	else
		skip "weights 1:2 give throughput within 20% of 1:2 on a full device" "no io.cost on $ARBDEV"
	fi
	echo 100 >"$cgb/cpu.weight"; echo "default 100" >"$cgb/io.weight"
	[ -f "$cgb/io.bfq.weight" ] && echo 100 >"$cgb/io.bfq.weight"

	# IOPS cap, changed while the guest runs: 100 then 200, or a quarter and a
	# half of what A read alone at QD1 where the host is too slow (or too
	# busy) for A to go well past 200
	c1=100; c2=200
	if [ -n "$sio" ] && [ "$sio" -lt 400 ]; then
		c1=$((sio / 4)); [ $c1 -lt 10 ] && c1=10; c2=$((c1 * 2))
		diag "A read $sio IOPS alone at QD1: caps $c1 and $c2 instead of 100 and 200"
	fi
	"$VMMCTL" limit "$ida" --disk 1 iops=$c1 2>"$TMP/arb-l.err"; result $? "vmmctl limit sets A's disk to $c1 IOPS"
	say a "diskcheck randread /dev/sda $SECS 8 64; sleep 4; diskcheck randread /dev/sda $SECS 8 64"
	na=$((na + 2))
	wait_line a "IOPS" $((na - 1)) $((SECS + 60)); i1=$(nth a $((na - 1)) iops)
	"$VMMCTL" limit "$ida" --disk 1 iops=$c2 2>"$TMP/arb-l.err"; result $? "vmmctl limit sets $c2 IOPS while the guest runs"
	wait_line a "IOPS" $na $((SECS + 60)); i2=$(nth a $na iops)
	"$VMMCTL" limit "$ida" >"$TMP/arb-limit.out" 2>&1; diag_file "$TMP/arb-limit.out"
	for pair in "$c1 $i1" "$c2 $i2"; do
		set -- $pair
		if [ -n "$2" ]; then
			diag "FIGURE iops cap $1: the guest saw $2 IOPS ($(fmt1 $(tenths "$2" "$1"))% of the cap)"
			[ $(($2 * 100)) -ge $(($1 * 95)) ] && [ $(($2 * 100)) -le $(($1 * 105)) ]
			result $? "a disk capped at $1 IOPS gives $2 IOPS (within 5%)"
		else
			not_ok "a disk capped at $1 IOPS: no figure"
		fi
	done
fi

grep -h "diskcheck: " "$TMP/arb-a.out" | sed 's/^[0-9]* /A: /' | while read -r l; do diag "$l"; done
grep -h "diskcheck: " "$TMP/arb-b.out" | sed 's/^[0-9]* /B: /' | while read -r l; do diag "$l"; done
# teardown with requests waiting on the limit: A at 1 IOPS, QD8, killed
"$VMMCTL" limit "$ida" --disk 1 iops=1 2>"$TMP/arb-l.err"
say a "diskcheck randread /dev/sda 60 8 64"
sleep 4
"$VMMCTL" limit "$ida" >"$TMP/arb-limit.out" 2>&1
q=$(awk '$1 == 1 {print $NF}' "$TMP/arb-limit.out")
diag "A's disk at 1 IOPS: ${q:-?} requests waiting"
[ "${q:-0}" -ge 1 ]; result $? "requests over the limit wait in the kernel (${q:-?} queued)"
t0=$(now_cs)
kill "${cga##*vm-}"
wait_line a " EXIT " 1 30; t1=$(now_cs)
diag "A's vmmctl ended $(( (t1 - t0) / 100 )).$(( (t1 - t0) % 100 / 10 )) s after SIGTERM ($(sed -n 's/^[0-9]* EXIT //p' "$TMP/arb-a.out"))"
[ $((t1 - t0)) -lt 1000 ]; result $? "a VM with requests waiting on its limit is torn down at once"
say b "poweroff -f"
wait_line b " EXIT " 1 60
exec 7>&- 8>&-
grep -q " EXIT 0" "$TMP/arb-b.out"
result $? "the other guest powers off cleanly"
[ -z "$(ls -d "$CG"/vmm/vm-* 2>/dev/null)" ]; result $? "no VM cgroup is left behind"
arb_cleanup
dmesg_clean; result $? "no kernel warnings"
diag_file "$TMP/dmesg.bad"
ktap_end
