#!/bin/sh
# Suite "disklat": per-request disk statistics (issue 12 items 1-3). The
# ISOLINUX test ISO boots to its shell with a raw disk on AHCI, then on
# virtio-blk; the host types a known workload (N 4 KiB O_DIRECT reads, M
# writes) and reads the statistics before and after it through the ioctl
# (diskstat_test dump), vmmctl stat (text, JSON) and the tracepoints
# (tracefs). They must agree with what the guest did: request counts and
# bytes exact, every stage timed once per request, stages in order and
# summing to the total. While a random-read load runs, vmmctl top must
# show the VM's guest CPU time and disk IOPS, and /proc/PID/stat must
# charge guest time to vmmctl. Timing switched off (disk_timing=0) keeps
# the counts and drops the stages; the IOPS with timing on and off are
# printed (DISKLAT_COST_PAIRS on/off pairs of runs, alternated, default 2,
# of DISKLAT_COST_S seconds each, 0 skips). With the build
# machine's root on 9p (qemu-amd.sh: VMM_HOSTROOT=1) and bpftrace in it,
# scripts/vmm-disklat.bt runs (chrooted there) over the workload and must
# print a histogram of the VM's disk.
. "$(dirname "$0")/lib.sh"
ktap_begin disklat

GUEST=${GUEST_DIR:-/guest}
ISO=${DISKLAT_ISO:-$GUEST/test-isolinux.iso}
BOOT_TIMEOUT=${DISKLAT_BOOT_TIMEOUT:-400}
NR=${DISKLAT_READS:-400}
NW=${DISKLAT_WRITES:-100}
NOFF=${DISKLAT_OFF_READS:-100}
COST_S=${DISKLAT_COST_S:-4}
COST_PAIRS=${DISKLAT_COST_PAIRS:-2}
KINDS=${DISKLAT_KINDS:-ahci virtio}
DSTAT=${DISKSTAT_TEST:-/bin/diskstat_test}
PARAM=/sys/module/vmm/parameters/disk_timing
T=/sys/kernel/tracing
# the VT-x host (Bochs) is ~20x slower: fewer requests, no cost runs
if grep -q GenuineIntel /proc/cpuinfo && [ -z "${DISKLAT_READS:-}" ]; then
	NR=100; NW=20; NOFF=20; COST_S=0
fi

ensure_vmm; result $? "vmm loaded"
[ "$(cat $PARAM 2>/dev/null)" = Y ]; result $? "disk timing is on by default ($PARAM)"

# --- the ioctl ABI
"$DSTAT" abi >"$TMP/dl-abi.out" 2>&1
while IFS= read -r l; do
	case "$l" in
	"ok - "*) ok "abi: ${l#ok - }" ;;
	"not ok - "*) not_ok "abi: ${l#not ok - }" ;;
	*) diag "$l" ;;
	esac
done <"$TMP/dl-abi.out"

# --- tracepoints
[ -d $T/events ] || mount -t tracefs nodev $T 2>/dev/null
for ev in submit done irq ack; do
	[ -d $T/events/vmm/vmm_disk_$ev ]; result $? "events/vmm/vmm_disk_$ev exists"
done

# bpftrace from the build machine's root, if the test host has it
HR=/hostroot
BT_SCRIPT=/tests/vmm-disklat.bt
bpf_ok=0
for m in $(cat /lib/diskbench/load-order 2>/dev/null); do
	grep -q "^$(echo "$m" | tr - _) " /proc/modules || insmod "/lib/diskbench/$m.ko" 2>/dev/null
done
mkdir -p $HR
if grep -q " $HR " /proc/mounts || mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose hostroot $HR 2>/dev/null; then
	if [ -x $HR/usr/bin/bpftrace ] && [ -f $BT_SCRIPT ]; then
		[ -d /sys/kernel/debug/tracing ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
		ok=1
		# rbind: tracefs and debugfs below /sys come along
		for x in dev proc sys; do mount -o rbind /$x $HR/$x 2>/dev/null || ok=0; done
		mount -o bind /tests $HR/mnt 2>/dev/null || ok=0
		[ $ok = 1 ] && bpf_ok=1
	fi
fi
[ $bpf_ok = 1 ] || diag "no bpftrace (run with VMM_HOSTROOT=1 and bpftrace installed on the build machine): the bpftrace check is skipped"
# bpf_start OUT VMID: the script in the background until it is up
bpf_start() {
	: >"$1"
	chroot $HR /usr/bin/bpftrace /mnt/vmm-disklat.bt "$2" >"$1" 2>&1 &
	echo $! >"$1.pid"
	_w=0
	while ! grep -q "every second" "$1" && [ $_w -lt 600 ] && kill -0 "$(cat "$1.pid")" 2>/dev/null; do
		sleep 0.2; _w=$((_w + 1))
	done
}
bpf_stop() {
	sleep 2
	kill -INT "$(cat "$1.pid")" 2>/dev/null
	_w=0
	while kill -0 "$(cat "$1.pid")" 2>/dev/null && [ $_w -lt 100 ]; do sleep 0.2; _w=$((_w + 1)); done
	kill -9 "$(cat "$1.pid")" 2>/dev/null
}

# wait_for FILE PATTERN SECONDS
wait_for() {
	_w=0
	while [ $_w -lt $(($3 * 5)) ]; do
		grep -aq -- "$2" "$1" 2>/dev/null && return 0
		grep -aq "^[0-9]* EXIT " "$1" 2>/dev/null && return 1
		sleep 0.2; _w=$((_w + 1))
	done
	return 1
}
# the id and pid of the one live VM
vm_id() { "$VMMCTL" stat | awk '$1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ { print $1; exit }'; }
vm_pid() { "$VMMCTL" stat | awk '$1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ { print $2; exit }'; }
# key FILE KEY: a value of a dump (0 when absent)
key() { _v=$(sed -n "s/^$2=//p" "$1" | head -n 1); echo "${_v:-0}"; }
# d KEY: after - before of the current run
d() { echo $(( $(key "$A" "$1") - $(key "$B" "$1") )); }

# typer KIND DEV OUT: the guest's keyboard, and the host's probes between
typer() {
	_k=$1 _dev=$2 _o=$3
	if wait_for "$_o" ISO-SHELL "$BOOT_TIMEOUT"; then
		sleep 1
		_id=$(vm_id)
		echo "$_id" >"$TMP/dl-$_k.id"
		vm_pid >"$TMP/dl-$_k.pid"
		echo 0 >$T/tracing_on; echo >$T/trace; echo 4096 >$T/buffer_size_kb
		for ev in submit done irq ack; do echo 1 >$T/events/vmm/vmm_disk_$ev/enable; done
		[ $bpf_ok = 1 ] && bpf_start "$TMP/dl-$_k.bt" "$_id"
		"$DSTAT" dump "$_id" >"$TMP/dl-$_k.before"
		echo 1 >$T/tracing_on
		echo "dd if=$_dev of=/dev/null bs=4096 count=$NR iflag=direct 2>/dev/null; dd if=/dev/zero of=$_dev bs=4096 seek=4096 count=$NW oflag=direct 2>/dev/null; echo DL-\"\"WORK-DONE"
		wait_for "$_o" DL-WORK-DONE 300
		sleep 1
		echo 0 >$T/tracing_on
		[ $bpf_ok = 1 ] && bpf_stop "$TMP/dl-$_k.bt"
		"$DSTAT" dump "$_id" >"$TMP/dl-$_k.after"
		"$VMMCTL" stat "$_id" >"$TMP/dl-$_k.stat" 2>&1
		"$VMMCTL" stat --json "$_id" >"$TMP/dl-$_k.json" 2>&1
		"$VMMCTL" stat --json >"$TMP/dl-$_k.all.json" 2>&1
		cp $T/trace "$TMP/dl-$_k.trace"
		for ev in submit done irq ack; do echo 0 >$T/events/vmm/vmm_disk_$ev/enable; done
		echo >$T/trace
		# a random-read load, watched by vmmctl top and /proc
		echo "diskcheck randread $_dev 6 4; echo DL-\"\"LOAD-DONE"
		sleep 1
		awk '{ print $43 }' "/proc/$(cat "$TMP/dl-$_k.pid")/stat" >"$TMP/dl-$_k.gt0"
		"$VMMCTL" top --json -n 3 -d 1000 >"$TMP/dl-$_k.top.json" 2>&1
		"$VMMCTL" top -n 2 -d 1000 >"$TMP/dl-$_k.top" 2>&1
		awk '{ print $43 }' "/proc/$(cat "$TMP/dl-$_k.pid")/stat" >"$TMP/dl-$_k.gt1"
		wait_for "$_o" DL-LOAD-DONE 120
		# timing off: counted, not timed
		echo 0 >$PARAM
		"$DSTAT" dump "$_id" >"$TMP/dl-$_k.off0"
		echo "dd if=$_dev of=/dev/null bs=4096 count=$NOFF iflag=direct 2>/dev/null; echo DL-\"\"OFF-DONE"
		wait_for "$_o" DL-OFF-DONE 120
		sleep 0.5
		"$DSTAT" dump "$_id" >"$TMP/dl-$_k.off1"
		echo 1 >$PARAM
		# the cost of timing: IOPS on, off, on, off... (QD1 and QD8)
		if [ "$COST_S" -gt 0 ]; then
			_c=0
			for qd in 1 8; do
				for st in $(i=0; while [ $i -lt "$COST_PAIRS" ]; do echo 1 0; i=$((i + 1)); done); do
					_c=$((_c + 1))
					echo "$st" >$PARAM
					echo "diskcheck randread $_dev $COST_S $qd | sed 's/^/DL-COST-$st-$qd /'; echo DL-C$_c-\"\"DONE"
					wait_for "$_o" "DL-C$_c-DONE" $((COST_S * 4 + 60))
				done
			done
			echo 1 >$PARAM
		fi
	fi
	echo "poweroff -f"
	_w=0
	while ! grep -aq "^[0-9]* EXIT " "$_o" && [ $_w -lt 600 ]; do sleep 0.2; _w=$((_w + 1)); done
}

for kind in $KINDS; do
	disk=$TMP/dl-$kind.img
	O=$TMP/dl-$kind.out
	rm -f "$disk" "$TMP/dl-$kind".*
	truncate -s 64M "$disk"
	# the disk's name in the statistics: the CD takes AHCI port 0
	if [ "$kind" = virtio ]; then dev=/dev/vda; dopt="$disk,if=virtio"; name=v0
	else dev=/dev/sda; dopt=$disk; name=d1; fi
	: >"$O"
	typer "$kind" "$dev" "$O" |
		{ timeout $((BOOT_TIMEOUT + 900)) "$VMMCTL" run --iso "$ISO" --disk "$dopt" \
			--mem 256M --no-reboot 2>"$TMP/dl-$kind.err"; echo "EXIT $?"; } | stamp >"$O"
	rc=$(sed -n 's/^[0-9]* EXIT //p' "$O")
	[ "${rc:-1}" = 0 ]; result $? "$kind: the ISO boots, runs the workload, powers off (exit ${rc:-?})"
	[ "${rc:-1}" = 0 ] || { diag_file "$O" 30; diag_file "$TMP/dl-$kind.err" 10; }
	B=$TMP/dl-$kind.before A=$TMP/dl-$kind.after
	if [ ! -s "$A" ] || [ ! -s "$B" ]; then
		not_ok "$kind: statistics read before and after the workload"
		continue
	fi
	id=$(cat "$TMP/dl-$kind.id")
	grep -q "^$name.size=[1-9]" "$A"; result $? "$kind: the VM ($id) has disk $name"
	grep "\.size=" "$A" | sed 's/^/# /' 
	nr=$(d $name.read.requests) nw=$(d $name.write.requests)
	[ "$nr" = "$NR" ]; result $? "$kind: $NR reads in the guest, $nr read requests counted"
	[ "$nr" = "$NR" ] || grep -a "DL-\|dd\|error" "$O" | head -n 20 | sed 's/^/# /' 
	[ "$nw" = "$NW" ]; result $? "$kind: $NW writes in the guest, $nw write requests counted"
	[ "$(d $name.read.bytes)" = $((NR * 4096)) ] && [ "$(d $name.write.bytes)" = $((NW * 4096)) ]
	result $? "$kind: bytes are the requests' 4 KiB each"
	[ "$(d $name.read.errors)" = 0 ] && [ "$(key "$A" $name.inflight)" = 0 ] &&
		[ "$(key "$A" $name.timed)" = 1 ]
	result $? "$kind: no errors, nothing in flight after, timed"
	bad=
	for op in read write; do
		n=$(d $name.$op.requests)
		for st in parse queue host irq total; do
			[ "$(d $name.$op.$st.count)" = "$n" ] || bad="$bad $op.$st.count=$(d $name.$op.$st.count)"
			[ "$(d $name.$op.$st.hist_sum)" = "$(d $name.$op.$st.count)" ] || bad="$bad $op.$st.hist"
		done
		# the guest acknowledges each completion (virtio: the last one at the next notify)
		a=$(d $name.$op.ack.count)
		[ "$a" -ge $((n - 1)) ] && [ "$a" -le $((n + 1)) ] || bad="$bad $op.ack.count=$a"
		sum=$(( $(d $name.$op.parse.total_ns) + $(d $name.$op.queue.total_ns) + \
			$(d $name.$op.host.total_ns) + $(d $name.$op.irq.total_ns) ))
		[ "$sum" = "$(d $name.$op.total.total_ns)" ] || bad="$bad $op.sum=$sum/$(d $name.$op.total.total_ns)"
		[ "$(key "$A" $name.$op.total.min_ns)" -ge "$(key "$A" $name.$op.host.min_ns)" ] &&
			[ "$(key "$A" $name.$op.total.max_ns)" -ge "$(key "$A" $name.$op.host.max_ns)" ] ||
			bad="$bad $op.total<host"
	done
	[ -z "$bad" ]; result $? "$kind: each stage timed once per request, stages sum to the total${bad:+:$bad}"
	# the stage breakdown of a 4 KiB read (means over the workload, us)
	line=
	for st in parse queue host irq ack total; do
		c=$(d $name.read.$st.count)
		[ "$c" -gt 0 ] && line="$line $st $(awk "BEGIN { printf \"%.1f\", $(d $name.read.$st.total_ns) / $c / 1000 }")"
	done
	diag "$kind: 4 KiB read, mean us by stage:$line"
	echo "DISKLAT-BREAKDOWN $kind$line"
	# vmmctl stat: the table and the JSON say the same
	grep -q "^  $id  *$name  *read  *[0-9]" "$TMP/dl-$kind.stat"
	result $? "$kind: vmmctl stat shows a read row for $name"
	sed 's/^/# /' "$TMP/dl-$kind.stat" | grep -A6 "disks"
	tr -d '\n' <"$TMP/dl-$kind.json" | grep -q "\"name\":\"$name\".*\"read\":{\"requests\":$(key "$A" $name.read.requests),"
	result $? "$kind: vmmctl stat --json has the same read count ($(key "$A" $name.read.requests))"
	tr -d '\n' <"$TMP/dl-$kind.all.json" | grep -q "\"disks\":\[{\"vm_id\":$id,"
	result $? "$kind: vmmctl stat --json lists the live VM's disks"
	# tracepoints: one irq event per request, with the latency fields
	ti=$(grep -c "vmm_disk_irq: vm $id disk $name op read sector [0-9]* len 4096 lat_ns [0-9]* total_ns [1-9]" "$TMP/dl-$kind.trace")
	ts=$(grep -c "vmm_disk_submit: vm $id disk $name op write " "$TMP/dl-$kind.trace")
	ta=$(grep -c "vmm_disk_ack: vm $id disk $name op read " "$TMP/dl-$kind.trace")
	td=$(grep -c "vmm_disk_done: vm $id disk $name op read .* total_ns [1-9]" "$TMP/dl-$kind.trace")
	[ "$ti" = "$NR" ] && [ "$ts" = "$NW" ] && [ "$td" = "$NR" ] && [ "$ta" -ge $((NR - 1)) ]
	result $? "$kind: tracepoints fire per request (irq $ti, done $td, ack $ta reads; submit $ts writes)"
	grep -m 4 "vmm_disk_" "$TMP/dl-$kind.trace" | sed 's/^/# trace: /'
	# bpftrace: the script's histogram of this VM's disk
	if [ $bpf_ok = 1 ]; then
		grep -q "^@device_us\[$id, $name, 0\]:" "$TMP/dl-$kind.bt" &&
			grep -q "^\[[0-9KM]*, [0-9KM]*) *[0-9]* |@" "$TMP/dl-$kind.bt"
		result $? "$kind: scripts/vmm-disklat.bt prints the VM's read latency histogram"
		grep -A 14 "^@device_us\[$id, $name, 0\]:" "$TMP/dl-$kind.bt" | head -n 15 | sed 's/^/# bpftrace: /'
		[ $_fail -eq 0 ] || grep -v "^$" "$TMP/dl-$kind.bt" | head -n 20 | sed 's/^/# bpftrace-out: /'
	else
		skip "$kind: scripts/vmm-disklat.bt prints the VM's read latency histogram" "no bpftrace in the test host"
	fi
	# top and guest time
	last=$(tail -n 1 "$TMP/dl-$kind.top.json")
	echo "$last" | grep -q "\"vm_id\":$id,.*\"guest_pct\":[0-9].*\"disk_iops\":[1-9]"
	result $? "$kind: vmmctl top --json shows guest CPU and disk IOPS under load"
	echo "$last" | cut -c1-400 | sed 's/^/# top: /'
	sed 's/^/# /' "$TMP/dl-$kind.top" | tail -n 3
	g0=$(cat "$TMP/dl-$kind.gt0") g1=$(cat "$TMP/dl-$kind.gt1")
	[ -n "$g1" ] && [ "$g1" -gt "${g0:-0}" ]
	result $? "$kind: /proc/PID/stat charges guest time to vmmctl ($g0 -> $g1 ticks)"
	# timing off
	B=$TMP/dl-$kind.off0 A=$TMP/dl-$kind.off1
	[ "$(d $name.read.requests)" = "$NOFF" ] && [ "$(d $name.read.total.count)" = 0 ] &&
		[ "$(d $name.read.host.count)" = 0 ] && [ "$(key "$A" $name.timed)" = 0 ]
	result $? "$kind: timing off: $NOFF reads counted ($(d $name.read.requests)), no stage timed ($(d $name.read.total.count))"
	# cost of timing
	if [ "$COST_S" -gt 0 ]; then
		for qd in 1 8; do
			on=$(grep -a "DL-COST-1-$qd diskcheck: randread" "$O" | sed -E 's/.*: ([0-9]+) IOPS.*/\1/' | awk '{ s += $1; n++ } END { if (n) printf "%.0f", s / n }')
			off=$(grep -a "DL-COST-0-$qd diskcheck: randread" "$O" | sed -E 's/.*: ([0-9]+) IOPS.*/\1/' | awk '{ s += $1; n++ } END { if (n) printf "%.0f", s / n }')
			if [ -n "$on" ] && [ -n "$off" ] && [ "$off" -gt 0 ]; then
				diag "$kind: cost of timing, randread qd$qd: on $on IOPS, off $off IOPS, on/off $(awk "BEGIN { printf \"%.3f\", $on / $off }") ($COST_PAIRS runs each, alternated; the stamps are ktime_get_ns(), here on clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null))"
				# each pair's on/off, sorted, and their median: how far
				# one pair strays is the noise the mean sits in
				grep -a "DL-COST-[01]-$qd diskcheck: randread" "$O" |
					sed -E 's/.*DL-COST-([01])-.*: ([0-9]+) IOPS.*/\1 \2/' |
					awk '$1 == 1 { on = $2 } $1 == 0 && on { print on / $2; on = 0 }' | sort -n >"$TMP/dl-$kind.pairs"
				diag "$kind: cost of timing, randread qd$qd: pairs' on/off $(awk '{ printf "%s%.3f", (NR > 1 ? " " : ""), $1 }' "$TMP/dl-$kind.pairs"), median $(awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.3f", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }' "$TMP/dl-$kind.pairs")"
				echo "DISKLAT-COST $kind qd$qd on=$on off=$off"
			else
				diag "$kind: cost of timing qd$qd: no result"
			fi
		done
	fi
	rm -f "$disk"
done
if [ $bpf_ok = 1 ]; then
	umount $HR/mnt 2>/dev/null
	for x in sys proc dev; do umount -l $HR/$x 2>/dev/null; done
fi
ktap_end
