#!/bin/bash
# Boot the AMD-V test host: the Debian kernel under QEMU TCG with an
# emulated EPYC-Rome + SVM + NPT, our initramfs, and one job.
#
#   tests/host/qemu-amd.sh MODE [EXTRA-KERNEL-ARGS...]
#     MODE: test | bench | diskbench | demo | check | shell | down | cutoff   (see tests/host/init)
#   e.g. tests/host/qemu-amd.sh test vmm.suites=module,payloads
#
# Prints the serial console; exits 0 only if the host printed
# "VMM-TESTHOST-DONE rc=0" (rc!=0: that rc, marker missing: 99).
# Environment: KVER (kernel), QEMU_TIMEOUT (s, default 600), QEMU_MEM (MiB,
# default 2048), QEMU_SMP (host CPUs, default 1; more run as threads of
# their own, MTTCG), VMM_MACHINE=q35|microvm (default q35; microvm boots
# faster but can hang calibrating the TSC when the machine is busy), OUT (build dir, default out/testhost),
# QEMU_BIN (default qemu-system-x86_64) and QEMU_DATADIR (its firmware
# and option ROMs, -L; tests/host/smp-test.sh points both at QEMU 10),
# KROOT (root holding boot/vmlinuz-KVER and lib/modules/KVER, default /),
# VMM_KO (the vmm.ko for the host, default module/vmm.ko), RTCHECK_KO,
# VMM_BASE_KO (bench: a second vmm.ko, e.g. the last commit's, that the
# benchmark runs beside VMM_KO in the same host, rounds alternating).
# diskbench: the host also gets a raw image as a virtio disk (serial
# vmmbench; DISKBENCH_IMG, default out/bench/disk.img, created with
# DISKBENCH_MIB MiB written, default 512) and the build machine's root
# read-only over 9p (mount tag hostroot) for QEMU's binary; QEMU_TIMEOUT
# defaults to 1500 s there. VMM_HOSTROOT=1: test mode gets that 9p root
# too (the disklat suite runs the build machine's bpftrace from it).
# cutoff: the host also gets CUTOFF_IMG (a raw image) as a virtio disk,
# cached by this machine (it outlives the host), flushes honoured; QEMU's
# pid is in $OUT/qemu-cutoff.pid for tests/host/cutoff-test.sh to kill.
set -uo pipefail

mode=${1:-}
case "$mode" in
test|bench|diskbench|demo|check|shell|down|cutoff) shift ;;
*) echo "usage: $0 test|bench|diskbench|demo|check|shell|down|cutoff [kernel args...]" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
KVER=${KVER:-$(ls /lib/modules 2>/dev/null | sort -V | tail -n1)}
export KVER
out=${OUT:-$top/out/testhost}
mkdir -p "$out"
initrd=$out/initramfs.cpio.gz
KROOT=${KROOT:-}
VMM_KO=${VMM_KO:-$top/module/vmm.ko}
export KROOT VMM_KO
bzimage=$KROOT/boot/vmlinuz-$KVER
vmlinux=$out/vmlinux-$KVER

[ -r "$bzimage" ] || { echo "qemu-amd: $bzimage missing (scripts/setup.sh installs linux-image-amd64)" >&2; exit 1; }

# PVH entry (microvm, and the install suite) needs the uncompressed ELF
# vmlinux: unpack it from the bzImage once.
extract_vmlinux() {
	[ -s "$vmlinux" ] && [ "$vmlinux" -nt "$bzimage" ] && return 0
	local magic off
	for magic in '\xfd7zXZ\x00' '\x28\xb5\x2f\xfd' '\x1f\x8b\x08'; do
		for off in $(LC_ALL=C grep -obUaP "$magic" "$bzimage" 2>/dev/null | cut -d: -f1); do
			case "$magic" in
			*7zXZ*) tail -c +$((off + 1)) "$bzimage" | xz -dc >"$vmlinux.tmp" 2>/dev/null ;;
			*2f*) tail -c +$((off + 1)) "$bzimage" | zstd -qdc >"$vmlinux.tmp" 2>/dev/null ;;
			*) tail -c +$((off + 1)) "$bzimage" | gzip -dc >"$vmlinux.tmp" 2>/dev/null ;;
			esac
			if [ "$(head -c 4 "$vmlinux.tmp" 2>/dev/null | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
				mv "$vmlinux.tmp" "$vmlinux"
				return 0
			fi
		done
	done
	rm -f "$vmlinux.tmp"
	return 1
}

# The install suite boots the host's own vmlinux through PVH: the
# initramfs carries it (VMLINUX for mkinitramfs.sh).
extract_vmlinux || echo "qemu-amd: warning: cannot extract vmlinux from $bzimage" >&2
[ -s "$vmlinux" ] && export VMLINUX=$vmlinux

# Rebuild the initramfs when anything that goes into it is newer.
inputs=("$here/init" "$here/mkinitramfs.sh" "$VMM_KO" ${RTCHECK_KO:+"$RTCHECK_KO"}
	${VMM_BASE_KO:+"$VMM_BASE_KO"} "$top/vmmctl/vmmctl"
	"$top/bench/kvmrun" "$top/bench/run-bench.sh" "$top/tests/integration/build/abi_test"
	"$top/tests/integration/build/race_test"
	"$top"/tests/integration/*.sh "$top"/guest-drivers/build/*.bin
	"$top"/guest-drivers/build/*.rom
	"$top/out/dkms/$KVER/updates/dkms/vmm.ko" "$top/packaging/60-vmm.rules"
	"$top"/tests/guest/* "$vmlinux")
stale=0
[ -f "$initrd" ] || stale=1
if [ $stale = 0 ]; then
	for f in "${inputs[@]}"; do
		[ -e "$f" ] && [ "$f" -nt "$initrd" ] && { stale=1; break; }
	done
	# a file that went away (or appeared in a new directory) since the last build
	[ "$(printf '%s\n' "${inputs[@]}" | while read -r f; do [ -e "$f" ] && echo "$f"; done | md5sum)" = \
	  "$(cat "$initrd.inputs" 2>/dev/null)" ] || stale=1
fi
if [ $stale = 1 ]; then
	"$here/mkinitramfs.sh" "$initrd" || exit 1
	printf '%s\n' "${inputs[@]}" | while read -r f; do [ -e "$f" ] && echo "$f"; done | md5sum >"$initrd.inputs"
fi

# q35 by default: microvm boots faster (~2.5 s against ~6 s) but has no
# HPET or PM timer, so when TSC calibration against the PIT fails under
# load (another emulator on the other core) the kernel hangs before /init.
machine=${VMM_MACHINE:-q35}
case "$machine" in
microvm)
	extract_vmlinux || { echo "qemu-amd: cannot extract vmlinux for microvm" >&2; exit 1; }
	mopts=(-machine microvm,acpi=on,rtc=on,pit=on,pic=on -kernel "$vmlinux")
	margs="mitigations=off"
	;;
q35)
	mopts=(-machine q35 -kernel "$bzimage")
	margs=""
	;;
*) echo "qemu-amd: VMM_MACHINE must be q35 or microvm" >&2; exit 2 ;;
esac

# QEMU_CPU: another CPU model or flags, e.g. to make the host kernel see a
# bug or a mitigation feature (EPYC-Rome,+svm,+npt,-hypervisor,+rdpid)
qcpu=${QEMU_CPU:-EPYC-Rome,+svm,+npt}
# diskbench: a real block device for the image (not the initramfs's
# tmpfs) and the build machine's root for QEMU; written through, not
# cached by the outer QEMU (cache=none: O_DIRECT on the build machine)
extra=()
if [ "$mode" = diskbench ]; then
	img=${DISKBENCH_IMG:-$top/out/bench/disk.img}
	mib=${DISKBENCH_MIB:-512}
	if [ ! -s "$img" ]; then
		mkdir -p "$(dirname "$img")"
		echo "qemu-amd: writing $img ($mib MiB)" >&2
		dd if=/dev/urandom of="$img.tmp" bs=1M count="$mib" conv=fsync status=none &&
			mv "$img.tmp" "$img" || { echo "qemu-amd: cannot create $img" >&2; exit 1; }
	fi
	cache=none
	dd if="$img" of=/dev/null bs=4096 count=1 iflag=direct status=none 2>/dev/null ||
		{ cache=writeback; echo "qemu-amd: $img: no O_DIRECT here, cache=writeback" >&2; }
	extra=(-drive "file=$img,format=raw,if=none,id=bench,cache=$cache"
		-device virtio-blk-pci,drive=bench,serial=vmmbench
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap)
	timeout_default=1500
elif [ "${VMM_HOSTROOT:-0}" = 1 ]; then
	# test mode: the build machine's root too (the disklat suite runs
	# its bpftrace from there)
	extra=(-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap)
fi
if [ "$mode" = cutoff ]; then
	[ -f "${CUTOFF_IMG:-}" ] || { echo "qemu-amd: cutoff needs CUTOFF_IMG" >&2; exit 2; }
	extra=(-drive "file=$CUTOFF_IMG,format=raw,if=virtio,cache=writeback")
fi

# nokaslr: a host that hangs can be looked at through QEMU's monitor
# ($out/qemu-$mode.mon: info registers), its RIP read against System.map
append="console=ttyS0 quiet panic=-1 loglevel=4 nokaslr vmm.mode=$mode $margs $*"
[ "$mode" = shell ] || extra+=(-monitor "unix:$out/qemu-$mode.mon,server=on,wait=off")
qbin=("${QEMU_BIN:-qemu-system-x86_64}")
[ -n "${QEMU_DATADIR:-}" ] && qbin+=(-L "$QEMU_DATADIR")
cmd=("${qbin[@]}" -accel tcg -cpu "$qcpu" -m "${QEMU_MEM:-2048}" -smp "${QEMU_SMP:-1}"
	-nographic -nodefaults -serial stdio -no-reboot "${mopts[@]}" -initrd "$initrd"
	"${extra[@]}" -append "$append")

echo "qemu-amd: machine=$machine kernel=$KVER mode=$mode cpus=${QEMU_SMP:-1} ($("${qbin[0]}" --version | head -n1))" >&2
if [ "$mode" = shell ]; then
	# mon:stdio: Ctrl-C goes to the host shell, Ctrl-A X quits QEMU
	cmd=("${cmd[@]/#stdio/mon:stdio}")
	exec "${cmd[@]}"
fi

log=$out/serial-$mode.log
raw=$out/serial-$mode.raw
timeout_s=${QEMU_TIMEOUT:-${timeout_default:-600}}
# /init prints its start marker ~2 s after boot; a host that stays silent
# this long hung before userspace (seen rarely under TCG) and is retried.
start_s=${QEMU_START_TIMEOUT:-90}
mon=$out/qemu-$mode.mon
# ask CMD...: the monitor's answers to CMDs (HMP, one a line)
ask() {
	[ -S "$mon" ] && command -v socat >/dev/null || return 0
	# (-T: socat gives up after 5 s of silence, with no timeout(1) process)
	printf '%s\n' "$@" | socat -T 5 - "UNIX-CONNECT:$mon" 2>/dev/null | tr -d '\r'
}
# hung_regs: where a host that does not end is (nokaslr: its RIP reads
# against /proc/kallsyms of any boot of the same kernel and vmm.ko), three
# samples of its CPUs' registers through the monitor
hung_regs() {
	local i
	for i in 1 2 3; do
		ask 'info registers -a' | grep -aE '^(CPU#|RAX|RSI|R8 |R12|RIP|CS |CR0)' |
			sed "s/^/qemu-amd: hung ($i): /" >&2
		sleep 1
	done
	# and the local APIC (its timer: is the host's tick still armed?)
	ask 'info lapic' | grep -aiE 'timer|LVT|ISR|IRR|count' | sed 's/^/qemu-amd: hung lapic: /' >&2
}
# QEMU's TCG (7.2, 10.0) can lose a wake-up: the host's local APIC holds an
# interrupt it would deliver (in IRR, above the processor priority) and
# nothing raises it to the CPU, which goes on halted in the idle loop
# (interrupts on, GIF set) or running a guest that never exits for it.
# The host stops: its timers are interrupts too. 8 to 30 times in a run
# of all the suites here, and one CI run that timed out. A monitor NMI
# runs the CPU but does not unstick it; any device interrupt does (QEMU
# looks at the APIC again): a key press. Likely cause: QEMU clears a bit
# of the CPU's interrupt request word without its lock at each #VMEXIT,
# which can drop one the main thread sets then (fixed upstream in 2025).
# (tests/host/NOTES.md)
# pending_vec CPU: the highest vector CPU's APIC holds that it would
# deliver now, else nothing. The watchdog looks twice a second, so the
# answer is read by one awk (mawk: no strtonum), not a chain of tools.
pending_vec() {
	ask "info lapic $1" | awk '
		/^IRR/ && !irr { irr = 1; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/ && $i + 0 > v) v = $i + 0 }
		!ppr && match($0, /PPR 0x[0-9a-fA-F]+/) {
			h = tolower(substr($0, RSTART + 6, RLENGTH - 6))
			for (k = 1; k <= length(h); k++) p = p * 16 + index("0123456789abcdef", substr(h, k, 1)) - 1
			ppr = 1
		}
		END { if (v && ppr && int(v / 16) > int(p / 16)) print v }'
}
# kick_lost: a CPU whose APIC held the same deliverable vector at the
# last look too (half a second ago: a healthy host takes it within
# microseconds) gets a key press (the watchdog's look_v keeps the looks)
kick_lost() {
	local c v where
	for ((c = 0; c < ${QEMU_SMP:-1}; c++)); do
		v=$(pending_vec "$c")
		if [ -n "$v" ] && [ "$v" = "${look_v[$c]:-}" ]; then
			where=$(ask "cpu $c" 'info registers' | grep -aoE 'RIP=[0-9a-f]+|RFL=[0-9a-f]+|HLT=[01]' | tr '\n' ' ')
			ask 'sendkey shift' >/dev/null
			echo "qemu-amd: CPU $c of the host held vector $v in its APIC at two looks, undelivered (QEMU lost a wake-up; ${where% }): a key press woke it" >&2
			echo "$c $v" >>"$out/qemu-$mode.kicks"
			v=
		fi
		look_v[$c]=$v
	done
}
# boot: run QEMU with the serial console on our stdout and in $log. A
# watchdog kills it at the time limit, or when it lingers after the end
# marker (a power-off that did not end QEMU); the marker alone decides.
boot() {
	local qpid wpid
	: >"$raw"
	rm -f "$mon" "$out/qemu-$mode.kicks"
	# no stdin: CI has none, and QEMU must not read the terminal
	"${cmd[@]}" </dev/null >"$raw" 2>&1 &
	qpid=$!
	echo $qpid >"$out/qemu-$mode.pid"
	(
		# t: seconds since QEMU started, by this machine's clock (not
		# counted in ticks: a look through the monitor takes time too)
		t0=$SECONDS; t=0; look_v=()
		while kill -0 $qpid 2>/dev/null; do
			if grep -aq 'VMM-TESTHOST-DONE rc=' "$raw"; then
				for _ in $(seq 20); do sleep 0.5; kill -0 $qpid 2>/dev/null || exit 0; done
				echo "qemu-amd: QEMU still running 10 s after the end marker: killing it" >&2
				break
			fi
			if [ $t -ge $start_s ] && ! grep -aq VMM-TESTHOST-START "$raw"; then
				echo "qemu-amd: no start marker after $start_s s: killing QEMU" >&2
				break
			fi
			if [ $t -ge $timeout_s ]; then
				echo "qemu-amd: timed out after $timeout_s s: killing QEMU" >&2
				hung_regs
				break
			fi
			# (two looks a second: a lost wake-up stalls the host for
			# 0.5-1 s; the watchdog costs some 10% of one of this
			# machine's cores)
			kick_lost
			sleep 0.5; t=$((SECONDS - t0))
		done
		kill $qpid 2>/dev/null; sleep 2; kill -9 $qpid 2>/dev/null
	) &
	wpid=$!
	# QEMU's warnings about CPUID bits TCG lacks are noise
	tail -n +1 -s 0.2 -f --pid=$qpid "$raw" |
		grep --line-buffered -av "TCG doesn't support requested feature" | tee "$log"
	wait $qpid; qrc=$?
	kill $wpid 2>/dev/null; wait $wpid 2>/dev/null
}
start=$(date +%s.%N)
boot
if [ "$mode" != shell ] && ! grep -aq VMM-TESTHOST-START "$log"; then
	echo "qemu-amd: $machine did not reach /init; retrying once with q35" >&2
	machine=q35
	cmd=("${qbin[@]}" -accel tcg -cpu "$qcpu" -m "${QEMU_MEM:-2048}" -smp "${QEMU_SMP:-1}"
		-nographic -nodefaults -serial stdio -no-reboot -machine q35 -kernel "$bzimage"
		-initrd "$initrd" "${extra[@]}" -append "console=ttyS0 quiet panic=-1 loglevel=4 vmm.mode=$mode $*")
	boot
fi
end=$(date +%s.%N)
[ -s "$out/qemu-$mode.kicks" ] &&
	echo "qemu-amd: QEMU lost $(wc -l <"$out/qemu-$mode.kicks") wake-ups of the host, each ended by a key press" >&2
secs=$(awk "BEGIN {printf \"%.1f\", $end - $start}")
marker=$(grep -a 'VMM-TESTHOST-DONE rc=' "$log" | tail -n 1 | tr -d '\r')
if [ -z "$marker" ]; then
	echo "qemu-amd: end marker missing (qemu exit $qrc, ${secs} s): the host crashed or hung" >&2
	exit 99
fi
rc=$(echo "$marker" | sed -E 's/.*rc=([0-9]+).*/\1/')
echo "qemu-amd: mode=$mode rc=$rc in ${secs} s (serial log: $log)" >&2
exit "$rc"
