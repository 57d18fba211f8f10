#!/bin/sh
# Suite "balloon": the virtio memory balloon (issue 14 item 4). The
# ISOLINUX test ISO (Debian's kernel, virtio_balloon in its initramfs)
# boots with `vmmctl run --balloon`; its shell, driven through a fifo,
# fills and empties a tmpfs so that its free memory is backed on the host.
# Then `vmmctl balloon VMID 64M`: the guest's `actual` reaches 64 MiB, the
# VM's resident memory (vmmctl stat) drops by about that, the guest still
# runs; `vmmctl balloon VMID 0` deflates, and the guest's memory comes back
# (backed again, zeroed, holding what it then writes). The guest's memory
# statistics arrive. Then a second boot with --balloon-report: the guest
# gives its freed memory back by itself (free page reporting; BALLOON_REPORT=0
# skips it). Linux reports free 2 MiB blocks only from a zone that keeps 64
# MiB (32 blocks of 2 MiB, its report capacity) above its low watermark, so
# that guest gets BALLOON_REPORT_MEM (MiB, default 512): a 160 MiB guest
# never reports (its DMA32 zone has about 52 MiB free after boot).
# BALLOON_MIB (default 32) is the inflate size, BALLOON_MEM (MiB, default
# 160) the guest's RAM, BALLOON_DATA (MiB, default 24) the random data the
# guest checks; sized so that the suite costs about two minutes of QEMU TCG.
. "$(dirname "$0")/lib.sh"
ktap_begin balloon

GUEST=${GUEST_DIR:-/guest}
ISO=$GUEST/test-isolinux.iso
MIB=${BALLOON_MIB:-32}
MEM=${BALLOON_MEM:-160}
DATA_MIB=${BALLOON_DATA:-24}
BOOT_TIMEOUT=${ISO_TIMEOUT:-400}

ensure_vmm; result $? "vmm loaded"
# a VM that died must fail the checks, not kill the suite: typing into its
# console fifo then gets EPIPE instead of SIGPIPE
trap '' PIPE

# mark STEP: the seconds since the suite began, for what each step costs
B0=$(cut -d' ' -f1 /proc/uptime)
mark() { diag "+$(awk -v a="$B0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f", b - a }') s: $1"; }

json_field() { grep -o "\"$1\":[0-9]*" "$2" | head -n 1 | cut -d: -f2; }

# wait_for MARKER FILE SECONDS: 0 once FILE holds MARKER
wait_for() {
	_w=0
	while ! grep -q -- "$1" "$2" 2>/dev/null; do
		[ $_w -ge $(($3 * 2)) ] && return 1
		sleep 0.5; _w=$((_w + 1))
	done
	return 0
}

# resident bytes of the one live VM
resident() {
	"$VMMCTL" stat --json >"$TMP/bs.json" 2>&1
	json_field resident_bytes "$TMP/bs.json"
}

# balloon_field FIELD: from vmmctl balloon VMID --json
balloon_field() {
	"$VMMCTL" balloon --json "$VMID" >"$TMP/bb.json" 2>&1
	json_field "$1" "$TMP/bb.json"
}

# wait_actual BYTES SECONDS: the guest reports a balloon of BYTES
wait_actual() {
	_w=0
	while [ "$(balloon_field actual_bytes)" != "$1" ]; do
		[ $_w -ge $(($2 * 2)) ] && return 1
		sleep 0.5; _w=$((_w + 1))
	done
	return 0
}

# boot ARGS...: start the ISO with a balloon, stdin from a fifo (fd 4)
boot() {
	rm -f "$TMP/in"; mkfifo "$TMP/in"
	: >"$TMP/out"
	"$VMMCTL" run --mem ${MEM}M --no-reboot --iso "$ISO" "$@" \
		<"$TMP/in" >"$TMP/out" 2>"$TMP/err" &
	VPID=$!
	exec 4>"$TMP/in"
	wait_for ISO-SHELL "$TMP/out" "$BOOT_TIMEOUT" || return 1
	sleep 1		# the shell reads its console from here on
}

# type_cmd CMD MARKER SECONDS: type CMD on the guest's console, wait for
# the line "@@ MARKER" it prints. The console echoes what is typed, so a
# command writes its markers as @""@ (never "@@" literally).
type_cmd() {
	echo "$1" >&4
	wait_for "@@ $2" "$TMP/out" "$3"
}

stop_vm() {
	echo "poweroff -f" >&4 2>/dev/null
	_w=0
	while kill -0 $VPID 2>/dev/null && [ $_w -lt 60 ]; do sleep 0.5; _w=$((_w + 1)); done
	kill $VPID 2>/dev/null
	wait $VPID; _rc=$?
	exec 4>&-
	return $_rc
}

# Fill a tmpfs with all the guest's available memory but 24 MiB, then empty
# it: almost every page is then backed on the host, so what the balloon
# takes is backed memory. (A page in a 2 MiB chunk never touched would be
# backed whole by the driver's zeroing of its balloon page: init_on_alloc.)
FILL='mkdir -p /mnt; mount -t tmpfs -o size=90% tmpfs /mnt 2>/dev/null; n=$(awk "/MemAvailable/ {print int(\$2 / 1024) - 24}" /proc/meminfo); dd if=/dev/zero of=/mnt/f bs=1M count=$n 2>/dev/null; echo @""@ filled $n MiB; rm /mnt/f; sync; echo @""@ FILLED-$1'
# Write about N MiB of data into a tmpfs file and compare it with the same
# stream made again: the same bytes, or the guest lost memory. The data is
# the guest's kernel modules over and over (varied bytes, cheap to make:
# /dev/urandom and md5sum cost minutes in the emulated test host).
DATA='cat /lib/modules/*.ko >/tmp/seed; k=$(( ($1 << 20) / $(wc -c </tmp/seed) + 1 )); gen() { i=0; while [ $i -lt $k ]; do cat /tmp/seed; i=$((i + 1)); done; }; gen >/mnt/g; gen | cmp -s - /mnt/g && echo @""@ DATA-OK-$2 $(($(wc -c </mnt/g) >> 20)) MiB; rm /mnt/g /tmp/seed; echo @""@ DATA-DONE-$2'
MEMINFO='grep -E "MemTotal|MemFree|MemAvailable" /proc/meminfo | tr -s " " | sed "s/^/@""@ meminfo-$1 /"; echo @""@ MEMINFO-$1'

if [ ! -f "$ISO" ]; then
	not_ok "balloon: $ISO missing (tests/guest/mkiso.sh)"
	ktap_end
	exit
fi

# ---- inflate, deflate ------------------------------------------------------
boot --balloon; result $? "ISO boots to its shell with --balloon"
mark "booted"
"$VMMCTL" stat --json >"$TMP/bs.json" 2>&1
VMID=$(json_field vm_id "$TMP/bs.json")
[ -n "$VMID" ]; result $? "the VM is listed (id ${VMID:-none})"
type_cmd 'ls /sys/bus/virtio/drivers/virtio_balloon/ | grep -q virtio && echo @""@ BALLOON-DRIVER-BOUND' \
	BALLOON-DRIVER-BOUND 30
result $? "the guest's virtio_balloon driver binds the device"

type_cmd 'dmesg | grep -E "mem auto-init|Memory:" | sed "s/^/@""@ guest-dmesg /"; echo @""@ DMESG-DONE' DMESG-DONE 10
grep -a "^@@ guest-dmesg" "$TMP/out" | sed 's/^/# /'
type_cmd "$(echo "$FILL" | sed 's/\$1/1/g')" FILLED-1 180
result $? "the guest fills and empties its free memory ($(grep -a -o '^@@ filled [0-9]* MiB' "$TMP/out" | tail -n 1))"
mark "filled"
type_cmd "$(echo "$MEMINFO" | sed 's/\$1/filled/g')" MEMINFO-filled 10
r0=$(resident)
"$VMMCTL" balloon "$VMID" ${MIB}M >/dev/null 2>"$TMP/berr"
result $? "vmmctl balloon $VMID ${MIB}M"
diag_file "$TMP/berr" 5
t0=$(now_cs)
wait_actual $((MIB << 20)) 120; rc=$?
t1=$(now_cs)
result $rc "the guest inflates to $MIB MiB (actual $(balloon_field actual_bytes), $(( (t1 - t0) * 10 )) ms)"
r1=$(resident)
freed=$(balloon_field freed_bytes)
diag "resident before inflate ${r0:-?} bytes, after ${r1:-?} bytes; freed_bytes ${freed:-?}"
[ -n "$r0" ] && [ -n "$r1" ] && [ $((r0 - r1)) -ge $(((MIB - 8) << 20)) ]
result $? "resident memory drops by about $MIB MiB (by $(( (${r0:-0} - ${r1:-0}) >> 20 )) MiB)"
[ -n "$freed" ] && [ "$freed" -ge $(((MIB - 8) << 20)) ]
result $? "the host freed about $MIB MiB for the balloon ($(( ${freed:-0} >> 20 )) MiB)"
"$VMMCTL" stat 2>&1 | grep -q "VM $VMID balloon: target"
result $? "vmmctl stat shows the balloon"
mark "inflated"
"$VMMCTL" stat 2>&1 | sed -n '1,/^$/p' | sed 's/^/# /'

type_cmd 'echo @""@ ALIVE-$((6 * 7))' ALIVE-42 30
result $? "the guest still runs with the balloon inflated"
type_cmd "$(echo "$MEMINFO" | sed 's/\$1/inflated/g')" MEMINFO-inflated 10
grep -a "^@@ meminfo" "$TMP/out" | sed 's/^/# /'

# statistics: each vmmctl balloon asks for fresh ones; Linux answers at once
_w=0
while [ "$(balloon_field stats_updates)" -lt 2 ] 2>/dev/null && [ $_w -lt 20 ]; do
	sleep 0.5; _w=$((_w + 1))
done
tot=$(grep -o '"total":[0-9]*' "$TMP/bb.json" | cut -d: -f2)
[ -n "$tot" ] && [ "$tot" -gt $(((MEM / 2) << 20)) ]
result $? "the guest's memory statistics arrive (total ${tot:-none} bytes)"

"$VMMCTL" balloon "$VMID" 0 >/dev/null 2>&1
wait_actual 0 120
result $? "the guest deflates to 0"
mark "deflated"
deflated=$(balloon_field deflated_pages)
[ -n "$deflated" ] && [ "$deflated" -ge $((MIB << 8)) ]
result $? "deflate returned the pages ($deflated pages)"
type_cmd "$(echo "$FILL" | sed 's/\$1/2/g')" FILLED-2 180
result $? "the guest fills its memory again ($(grep -a -o '^@@ filled [0-9]* MiB' "$TMP/out" | tail -n 1))"
mark "filled again"
r2=$(resident)
type_cmd "$(echo "$DATA" | sed "s/\\\$1/$DATA_MIB/g; s/\\\$2/1/g")" DATA-DONE-1 300
grep -q "^@@ DATA-OK-1" "$TMP/out"
result $? "the guest's data survives: $(grep -a -o '^@@ DATA-OK-1 [0-9]* MiB' "$TMP/out" | cut -d' ' -f3-5 | tr -d '\r') written and read back alike"
mark "data checked"
diag "resident after deflate and reuse ${r2:-?} bytes"
[ -n "$r2" ] && [ -n "$r1" ] && [ "$r2" -gt $((r1 + ((MIB / 2) << 20))) ]
result $? "memory comes back on reuse (resident $(( ${r1:-0} >> 20 )) -> $(( ${r2:-0} >> 20 )) MiB)"
stop_vm; rc=$?
result $rc "the guest powers off (vmmctl exit $rc)"
mark "powered off"
[ $_fail -eq 0 ] || { diag_file "$TMP/out" 40; diag_file "$TMP/err" 10; }

# ---- free page reporting ---------------------------------------------------
if [ "${BALLOON_REPORT:-1}" = 1 ]; then
	MEM=${BALLOON_REPORT_MEM:-512}
	boot --balloon-report; result $? "ISO boots to its shell with --balloon-report (${MEM} MiB)"
	"$VMMCTL" stat --json >"$TMP/bs.json" 2>&1
	VMID=$(json_field vm_id "$TMP/bs.json")
	# what the guest's driver negotiated (bit 5: REPORTING) and its zones
	type_cmd 'for d in /sys/bus/virtio/devices/*; do echo @""@ vdev $(cat $d/device) $(cat $d/features); done; grep -E "^Node|pages free|^ +(min|low) " /proc/zoneinfo | tr -s " " | tr "\n" " " | sed "s/^/@""@ zones /"; echo; echo @""@ FEAT-R' FEAT-R 10
	grep -a "^@@ vdev\|^@@ zones" "$TMP/out" | sed 's/^/# /'
	# a fixed size: while the guest reports, MemAvailable leaves out the
	# free memory isolated for the report in flight
	type_cmd "mkdir -p /mnt; mount -t tmpfs -o size=90% tmpfs /mnt; n=$((MEM / 4)); dd if=/dev/zero of=/mnt/f bs=1M count=\$n 2>/dev/null; echo @\"\"@ FILLED-R \$n MiB" FILLED-R 180
	r0=$(resident)
	type_cmd "$(echo "$MEMINFO" | sed 's/\$1/report-filled/g')" MEMINFO-report-filled 10
	type_cmd 'rm /mnt/f; echo @""@ EMPTIED-R' EMPTIED-R 30
	# Linux reports free 2 MiB blocks a few seconds after they are freed
	_w=0
	while [ $_w -lt 60 ]; do
		sleep 1; _w=$((_w + 1))
		r1=$(resident)
		[ $((r0 - r1)) -ge $(((MEM / 8) << 20)) ] && break
	done
	rep=$(balloon_field reported_bytes)
	diag "$(grep -a -o '^@@ FILLED-R [0-9]* MiB' "$TMP/out"): resident ${r0:-?} bytes, $_w s after rm ${r1:-?} bytes; reported_bytes ${rep:-?}"
	[ -n "$rep" ] && [ "$rep" -gt 0 ] && [ $((r0 - r1)) -ge $(((MEM / 8) << 20)) ]
	result $? "free page reporting gives freed memory back ($(( (${r0:-0} - ${r1:-0}) >> 20 )) MiB, reported $(( ${rep:-0} >> 20 )) MiB)"
	type_cmd "$(echo "$MEMINFO" | sed 's/\$1/report-emptied/g')" MEMINFO-report-emptied 10
	grep -a "^@@ meminfo-report" "$TMP/out" | sed 's/^/# /'
	type_cmd "$(echo "$DATA" | sed "s/\\\$1/$DATA_MIB/g; s/\\\$2/R/g")" DATA-DONE-R 300
	grep -q "^@@ DATA-OK-R" "$TMP/out"
	result $? "the guest reuses reported memory: $DATA_MIB MiB of random data written and read back alike"
	stop_vm; rc=$?
	result $rc "the guest powers off (vmmctl exit $rc)"
	[ $_fail -eq 0 ] || { diag_file "$TMP/out" 40; diag_file "$TMP/err" 10; }

else
	skip "free page reporting gives freed memory back" "BALLOON_REPORT=0"
fi

dmesg_clean; result $? "no kernel warnings"
ktap_end
