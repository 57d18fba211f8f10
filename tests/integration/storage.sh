#!/bin/sh
# Suite "storage": the AHCI controller, its ATAPI CD and ATA disk, and the
# in-kernel host-file backend. Each test ISO (ISOLINUX, GRUB; built by
# tests/guest/mkiso.sh) boots through SeaBIOS from the CD to its shell,
# which checks a file on the CD and runs the disk test typed on its
# console: a pattern written with O_DIRECT at queue depth 8 (NCQ),
# flushed, read back, and a TRIM. Then the host file must hold the
# pattern and the trimmed range must be a hole. STORAGE_ISOS picks ISOs.
# The first ISO's boot also has a virtio-blk disk (if=virtio, /dev/vda in
# the guest) and a VDI on a second SATA port (/dev/sdb), and runs the same
# test on each (STORAGE_VIRTIO_BESIDE=0 / STORAGE_VDI_BESIDE=0: boots of
# their own; STORAGE_VIRTIO=0 skips virtio-blk).
# Then the installer flow: the ISOLINUX ISO installs a system onto a VDI,
# which boots alone (from AHCI, then virtio-blk).
# STORAGE_FORMATS picks the disk's formats (default: raw for each ISO,
# and vdi with the first): raw (a sparse file) and vdi
# (made by vmmctl vdi create, served by the kernel's VDI backend; then
# vmmctl vdi check must be clean, the image must hold the pattern and the
# trimmed blocks must have left the image).
. "$(dirname "$0")/lib.sh"
ktap_begin storage

GUEST=${GUEST_DIR:-/guest}
ISO_TIMEOUT=${ISO_TIMEOUT:-400}
ISOS=${STORAGE_ISOS:-isolinux grub}

ensure_vmm; result $? "vmm loaded"

# The VT-x test host (Bochs) runs a Linux guest's own work some 100x
# slower than QEMU (each second the guest computes costs ~100 s): there
# the suite boots each ISO once: the first with the AHCI disk and the
# virtio-blk disk side by side, the disk test on each (no random-read
# figure or first-write cost, which are measurements, not checks), and
# the install onto a VDI in that same boot (as everywhere); the others
# (run-all: GRUB) with the AHCI disk and its test. It cuts twice in the
# crash test (firmware cuts only, no Linux boot there), boots the
# installed VDI from AHCI (not again from virtio-blk), and leaves the VDI,
# disk-full, repair, packed-ring and virtio-boot runs to the AMD-V host,
# unless STORAGE_FULL=1. Its ISOs are the lighter ones (mkiso.sh
# ISO_KERNEL=pvh: the kernel as a gzipped PVH multiboot image, without
# the XZ decompressor's minute). A loader left out of STORAGE_ISOS gets
# the firmware's part of a boot (below).
if grep -q GenuineIntel /proc/cpuinfo && [ "${STORAGE_FULL:-0}" != 1 ]; then
	: "${STORAGE_FORMATS:=raw}" "${STORAGE_INTEROP:=0}" "${STORAGE_ENOSPC:=0}" "${STORAGE_REPAIR:=0}"
	: "${STORAGE_CRASH:=2}" "${STORAGE_CRASH_LINUX:=0}"
	: "${STORAGE_VIRTIO_EXTRA:=0}" "${STORAGE_INSTALL_VIRTIO:=0}"
	: "${STORAGE_RANDREAD_S:=0}" "${STORAGE_VIRTIO_BESIDE:=1}"
	case " ${STORAGE_ISOS:-isolinux grub} " in
	*" grub "*) ;;
	*) : "${STORAGE_FW_LOADERS:=grub}" ;;
	esac
	diag "VT-x host: the light variant (ISOs $ISOS: the first boot with AHCI and virtio-blk disk tests and the install onto a VDI, the others AHCI only; the installed VDI's boot; $STORAGE_CRASH firmware crash cuts; ${STORAGE_FW_LOADERS:-no other loader}: the firmware's part)"
fi
# default: raw for every ISO, and the VDI run with the first one only
FORMATS=${STORAGE_FORMATS:-}
first_loader=${ISOS%% *}
RANDREAD_S=${STORAGE_RANDREAD_S:-3}
# STORAGE_VIRTIO_BESIDE=1 (the default): the virtio-blk disk test runs in
# the first raw AHCI boot (another disk, /dev/vda) instead of a boot of its
# own; STORAGE_VDI_BESIDE=1 (the default): so does the first ISO's VDI run
# (a second SATA disk, /dev/sdb), which also gives the random-read and
# -write figures of a VDI and a raw image measured in one guest
VBESIDE=${STORAGE_VIRTIO_BESIDE:-1}
VDIBESIDE=${STORAGE_VDI_BESIDE:-1}
# STORAGE_INSTALL_BESIDE=1 (the default): the installer runs in the first
# ISO's boot, onto a VDI on the next SATA port, after the disk tests; 0:
# in a boot of its own
IBESIDE=${STORAGE_INSTALL_BESIDE:-1}
[ "${STORAGE_INSTALL:-1}" = 1 ] || IBESIDE=0
case " $ISOS " in *" isolinux "*) ;; *) IBESIDE=0 ;; esac
VDISK=$TMP/disk-virtio.img
# The guest's clock (also on VT-x, where the pc suite leaves its direct
# Linux boot to the AMD-V host): its clocksource and date, and how long
# its `sleep 1` takes; markers spelled so the console's echo of the typed
# line does not match them
CLOCK_CMD="echo ISO-\"\"CLOCK: \$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource) \$(date +%s); echo ISO-\"\"SLEEP-A; sleep 1; echo ISO-\"\"SLEEP-B"
VTEST="dmesg | grep -iE 'virtio|vda|error|fail|timeout' | sed 's/^/DMESG: /'; disktest /dev/vda; echo VDA-STAT: \$(cat /sys/block/vda/stat)"

# console_run OUT ERR COMMAND VMMCTL-RUN-ARGS...: run a PC, type COMMAND
# on its console once its shell is up (ISO-SHELL), keep the console open
# until it ends; stdout time-stamped in OUT (last line "EXIT status");
# returns vmmctl's status
console_run() {
	_out=$1 _err=$2 _cmd=$3
	shift 3
	: >"$_out"; rm -f "$_out.hung"
	{
		_i=0
		# until the shell is up, or the VM is gone without one
		while ! grep -q ISO-SHELL "$_out" && ! grep -q "^[0-9]* EXIT " "$_out" &&
		      [ $_i -lt $((ISO_TIMEOUT * 2)) ]; do
			sleep 0.5; _i=$((_i + 1))
		done
		sleep 0.5
		echo "$_cmd"
		# keep stdin open until the VM is gone (the pipe's other end
		# writes EXIT), but no longer: the pipeline waits for us
		while ! grep -q "^[0-9]* EXIT " "$_out" && [ $_i -lt $((ISO_TIMEOUT * 2)) ]; do
			sleep 0.5; _i=$((_i + 1))
		done
	} | {
		# a VM still running at ISO_TIMEOUT is hung: say where its
		# threads are, and what blocks in the kernel, before killing it
		exec 3<&0
		"$VMMCTL" run --mem 256M --no-reboot --stat "$@" <&3 2>"$_err" &
		_vp=$!
		# (its output goes to a file: a sleep left behind must not
		# hold the pipe open)
		( trap 'kill $_sp 2>/dev/null; exit 0' TERM
		  sleep "$ISO_TIMEOUT" & _sp=$!; wait $_sp
		  kill -0 $_vp 2>/dev/null || exit 0
		  echo "HUNG: vmmctl still running after $ISO_TIMEOUT s"
		  for _t in /proc/$_vp/task/*; do
			echo "HUNG: thread ${_t##*/} $(cat $_t/comm) $(cat $_t/wchan)"
			sed 's/^/HUNG:   /' $_t/stack 2>/dev/null
		  done
		  echo w >/proc/sysrq-trigger 2>/dev/null
		  dmesg | tail -n 60 | sed 's/^/HUNG-DMESG: /'
		  kill $_vp; sleep 5; kill -9 $_vp ) >"$_out.hung" 2>&1 &
		_wp=$!
		wait $_vp; _vrc=$?
		kill $_wp 2>/dev/null
		echo "EXIT $_vrc"; } | stamp >"$_out"
	_rc=$(sed -n 's/^[0-9]* EXIT //p' "$_out")
	_rc=${_rc:-1}
	return $_rc
}

# iso_boot NAME ISO DISK OUT ERR [CMD]: boot ISO (none if empty: boot
# DISK) with DISK (a --disk argument), type the disk test on /dev/sda, or
# CMD, once the shell is up, then power off; vmmctl's status
iso_boot() {
	_c=${6:-"$CLOCK_CMD; dmesg | grep -iE 'ata[0-9]|ahci|scsi|sr0|sda|error|fail|timeout' | sed 's/^/DMESG: /'; disktest"}
	if [ -z "$6" ] && [ "$RANDREAD_S" != 0 ] && [ "$1" = "$first_loader" ]; then
		_c="$_c; diskcheck randread /dev/sda $RANDREAD_S 8 16; diskcheck firstwrite /dev/sda"
	fi
	if [ -n "$2" ]; then
		console_run "$4" "$5" "$_c; poweroff -f" --iso "$2" --disk "$3" $ISO_EXTRA
	else
		console_run "$4" "$5" "$_c; poweroff -f" --disk "$3" --boot disk
	fi
}
ISO_EXTRA=
# irq_counts: "SOURCE COUNT" per line of /proc/interrupts (all CPUs summed)
irq_counts() {
	awk 'NR > 1 { n = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i; print $1, n }' /proc/interrupts
}
# inst_check STEP [IMAGE]: the installer's image ($disk) is valid after STEP
inst_check() {
	_img=${2:-$disk}
	"$VMMCTL" vdi check "$_img" >"$TMP/inst.check" 2>&1
	_cc=$?
	_what="vmmctl vdi check"
	if command -v qemu-img >/dev/null; then
		qemu-img check -f vdi "$_img" >>"$TMP/inst.check" 2>&1
		_cc=$((_cc | $?))
		_what="$_what and qemu-img check"
	fi
	result $_cc "installer: $_what clean after $1"
	[ $_cc -eq 0 ] || diag_file "$TMP/inst.check" 10
}

# fw_boot OUT EGREP VMMCTL-RUN-ARGS...: the firmware's part of a boot only
# (the light variant): run a PC until its console shows EGREP, then stop it
fw_boot() {
	_fo=$1 _fm=$2
	shift 2
	: >"$_fo"
	"$VMMCTL" run --mem 256M --no-reboot "$@" </dev/null >"$_fo" 2>&1 &
	_vp=$!
	_i=0
	while ! grep -aqE "$_fm" "$_fo" && kill -0 $_vp 2>/dev/null &&
	      [ $_i -lt $((ISO_TIMEOUT * 2)) ]; do
		sleep 0.5; _i=$((_i + 1))
	done
	kill $_vp 2>/dev/null; wait $_vp 2>/dev/null
	grep -aqE "$_fm" "$_fo"
}

# The VDI runs' images live on a file system with direct I/O where the
# host has one (ext2 made by busybox on a loop device, mounted by ext4's
# driver: no fallocate there, so the backend's fallbacks run too), so the
# backend's asynchronous direct I/O path is what the guest exercises; the
# raw runs stay on tmpfs (punched holes are what their TRIM check reads).
DIODIR=$TMP
if [ -f /lib/fs/load-order ]; then
	for m in $(cat /lib/fs/load-order); do
		insmod "/lib/fs/$m.ko" 2>/dev/null
	done
	mkdir -p "$TMP/dio"
	truncate -s 192M "$TMP/dio.img"
	if mke2fs -F -b 4096 "$TMP/dio.img" >/dev/null 2>&1 &&
	   mount -o loop -t ext2 "$TMP/dio.img" "$TMP/dio"; then
		DIODIR=$TMP/dio
	else
		diag "no loop-mounted ext2: VDI images on tmpfs (buffered I/O)"
	fi
fi
diag "VDI images in $DIODIR ($(grep " $DIODIR " /proc/mounts | cut -d' ' -f3))"

for loader in $ISOS; do
fmts=$FORMATS
[ -n "$fmts" ] || { [ "$loader" = "$first_loader" ] && fmts="raw vdi" || fmts=raw; }
for fmt in $fmts; do
	lbl=$loader
	[ "$fmt" = raw ] || lbl="$loader/$fmt"
	iso=$GUEST/test-$loader.iso
	if [ ! -f "$iso" ]; then
		not_ok "$lbl: $iso missing (tests/guest/mkiso.sh)"
		continue
	fi
	disk=$TMP/disk-$loader.$fmt
	[ "$fmt" = vdi ] && disk=$DIODIR/disk-$loader.$fmt
	if [ "$fmt" = vdi ] && [ -n "${VDIBOOT_OUT:-}" ]; then
		: # made for the raw disk's boot, which ran it beside
	elif [ "$fmt" = vdi ]; then
		rm -f "$disk"
		"$VMMCTL" vdi create "$disk" 64M >/dev/null
		result $? "$loader/vdi: vmmctl vdi create 64M"
	else
		rm -f "$disk"
		truncate -s 64M "$disk"
	fi
	O=$TMP/iso-$loader-$fmt.out; E=$TMP/iso-$loader-$fmt.err
	dev=sda
	# the host's interrupts by source over the first boot (a diagnostic)
	[ "$loader/$fmt" = "$first_loader/raw" ] && irq_counts >"$TMP/irq0"
	# doorbell chaining over the first boot: Linux's NCQ issue writes
	# PxSACT, then PxCI a few instructions on, both in one exit
	CHAIN_T=
	if [ "$loader/$fmt" = "$first_loader/raw" ] &&
	   [ "$(cat /sys/module/vmm/parameters/mmio_chain 2>/dev/null)" = Y ]; then
		CHAIN_T=/sys/kernel/tracing
		[ -d $CHAIN_T/events ] || mount -t tracefs nodev $CHAIN_T 2>/dev/null
		if [ -d $CHAIN_T/events/vmm/vmm_mmio_chain ]; then
			echo 0 >$CHAIN_T/tracing_on; echo >$CHAIN_T/trace
			echo 1 >$CHAIN_T/events/vmm/vmm_mmio_chain/enable
			echo 1 >$CHAIN_T/tracing_on
		else
			CHAIN_T=
		fi
	fi
	t0=$(date +%s)
	if [ "$fmt" = vdi ] && [ -n "${VDIBOOT_OUT:-}" ]; then
		# it ran beside the raw disk, in that boot (/dev/sdb)
		disk=$VDIBOOT_DISK
		O=$VDIBOOT_OUT; rc=$VDIBOOT_RC; dev=$VDIBOOT_DEV
		t0=$VDIBOOT_T0
	elif [ "$fmt" = raw ] && [ "$loader" = "$first_loader" ] &&
	     { [ "$VBESIDE" = 1 ] || [ "$IBESIDE" = 1 ] || { [ "$VDIBESIDE" = 1 ] && [ "$fmts" != raw ]; }; }; then
		# the virtio-blk disk and the VDI beside it: their tests after
		# the raw disk's, then the random-read and -write figures of raw
		# and VDI alternated, and the first-write cost of each
		_cmd="$CLOCK_CMD; dmesg | grep -iE 'ata[0-9]|ahci|scsi|sr0|sda|error|fail|timeout' | sed 's/^/DMESG: /'; disktest"
		ISO_EXTRA=
		_ports=2 _plist="raw=\$D2"
		if [ "$VDIBESIDE" = 1 ] && [ "$fmts" != raw ]; then
			VDIBOOT_DISK=$DIODIR/disk-$loader.vdi
			rm -f "$VDIBOOT_DISK"
			"$VMMCTL" vdi create "$VDIBOOT_DISK" 64M >/dev/null
			result $? "$loader/vdi: vmmctl vdi create 64M"
			# and a raw image on the same file system (port 3), written
			# where the figures read and write: the VDI's yardstick
			# (ata2 the raw disk, ata3 the VDI, ata4 this one).
			RAWCMP=$DIODIR/rawcmp.img
			rm -f "$RAWCMP"; truncate -s 64M "$RAWCMP"
			dd if=/dev/zero of="$RAWCMP" bs=1M count=16 conv=notrunc 2>/dev/null
			dd if=/dev/zero of="$RAWCMP" bs=1M seek=48 count=4 conv=notrunc 2>/dev/null
			ISO_EXTRA="--disk $VDIBOOT_DISK --disk $RAWCMP"
			_ports="2 3 4" _plist="raw=\$D2 vdi=\$D3 cmp=\$D4"
		fi
		if [ "$IBESIDE" = 1 ]; then
			# the installer's VDI on the next port
			INST_DISK=$TMP/disk-install.vdi
			rm -f "$INST_DISK"
			"$VMMCTL" vdi create "$INST_DISK" 64M >/dev/null
			result $? "installer: vmmctl vdi create 64M"
			inst_check "vdi create" "$INST_DISK"
			_ip=$(( ${_ports##* } + 1 ))
			ISO_EXTRA="$ISO_EXTRA --disk $INST_DISK"
			_ports="$_ports $_ip" _plist="$_plist inst=\$D$_ip"
		fi
		if [ "$_ports" != 2 ]; then
			# Linux names the SATA disks in the order it finds them,
			# which need not be the ports': the guest looks them up by
			# port (ata2 the raw disk, then the others in order)
			_cmd="for p in $_ports; do for b in /sys/devices/pci*/*/ata\$p/host*/target*/*/block/*; do [ -e \$b ] && eval D\$p=\${b##*/}; done; done; echo ISO-PORTS: $_plist; ${_cmd%disktest}disktest /dev/\$D2"
			[ -n "${VDIBOOT_DISK:-}" ] && _cmd="$_cmd; disktest /dev/\$D3"
		fi
		if [ "$VBESIDE" = 1 ]; then
			rm -f "$VDISK"; truncate -s 64M "$VDISK"
			ISO_EXTRA="$ISO_EXTRA --disk $VDISK,if=virtio"
			_cmd="$_cmd; $VTEST"
		fi
		if [ "$RANDREAD_S" != 0 ]; then
			# with the VDI: it (sdb) against the raw image on its file
			# system (sdc); reads over the pattern (allocated VDI
			# blocks), twice each, alternated; the first writes at 48
			# MiB (the VDI's allocation cost); random writes into 4 MiB
			# of those (now allocated) blocks
			_d="sda" _f="sda"
			[ -n "${VDIBOOT_DISK:-}" ] && _d="cmp vdi" _f="vdi"
			# _dev LABEL: the guest's device of that label
			_dev() { case $1 in sda) echo /dev/sda ;; cmp) echo "/dev/\$D4" ;; vdi) echo "/dev/\$D3" ;; esac; }
			for _r in 1 2; do for _x in $_d; do
				_cmd="$_cmd; diskcheck randread $(_dev $_x) $RANDREAD_S 8 16 | sed 's|^|$_x |'"
			done; done
			for _x in $_f; do
				_cmd="$_cmd; diskcheck firstwrite $(_dev $_x) | sed 's|^|$_x |'"
			done
			for _x in $_d; do
				_cmd="$_cmd; diskcheck randwrite $(_dev $_x) $RANDREAD_S 8 4@48 | sed 's|^|$_x |'"
			done
		fi
		if [ "$IBESIDE" = 1 ]; then
			_cmd="$_cmd; install-disk /dev/\$D$_ip"
			INST_OUT=$O INST_ERR=$E INST_T0=$t0
		fi
		iso_boot "$loader" "$iso" "$disk" "$O" "$E" "$_cmd"
		rc=$?
		[ "$IBESIDE" = 1 ] && INST_RC=$rc INST_T1=$(date +%s)
		rm -f "${RAWCMP:-}"
		ISO_EXTRA=
		[ "$VBESIDE" = 1 ] && VBOOT_OUT=$O VBOOT_RC=$rc VBOOT_T=$(($(date +%s) - t0))
		if [ "$_ports" != 2 ]; then
			# (the console's echo of the typed line has \$D2 there)
			dev=$(sed -n 's/.*ISO-PORTS: raw=\([a-z][a-z]*\).*/\1/p' "$O" | head -n 1)
			diag "$(grep -a "ISO-PORTS:" "$O" | tail -n 1 | cut -d' ' -f2-)"
			: "${dev:=sda}"
		fi
		if [ -n "${VDIBOOT_DISK:-}" ]; then
			VDIBOOT_OUT=$O VDIBOOT_RC=$rc VDIBOOT_T0=$t0
			# the names the guest gave the raw disk and the VDI
			VDIBOOT_DEV=$(sed -n 's/.*ISO-PORTS: raw=[a-z]* vdi=\([a-z]*\).*/\1/p' "$O" | head -n 1)
			: "${VDIBOOT_DEV:=sdb}"
		fi
	else
		iso_boot "$loader" "$iso" "$disk" "$O" "$E"; rc=$?
	fi
	[ "$fmt" = vdi ] && dmesg | grep "VDI image" | tail -n 1 | sed 's/^/# /'
	t1=$(date +%s)
	if [ -n "$CHAIN_T" ]; then
		echo 0 >$CHAIN_T/tracing_on
		echo 0 >$CHAIN_T/events/vmm/vmm_mmio_chain/enable
		_cw=$(grep -c "vmm_mmio_chain: .* wrote 1" $CHAIN_T/trace)
		_cn=$(grep -c "vmm_mmio_chain: " $CHAIN_T/trace)
		echo >$CHAIN_T/trace
		[ "$_cw" -gt 0 ]
		result $? "$lbl: doorbell chaining: PxSACT and PxCI in one exit $_cw times ($_cn runs ahead)"
	fi
	if [ -f "$TMP/irq0" ]; then
		irq_counts >"$TMP/irq1"
		diag "host interrupts during the boot: $(awk 'NR == FNR { a[$1] = $2; next } { d = $2 - a[$1]; if (d > 0) print d, $1 }' "$TMP/irq0" "$TMP/irq1" | sort -rn | head -n 6 | awk '{ printf "%s %s, ", $2, $1 }')"
		rm -f "$TMP/irq0"
	fi
	result $rc "$lbl: vmmctl run --iso --disk ends with the guest's power-off (exit $rc, $((t1 - t0)) s)"
	[ $rc -eq 0 ] || { diag_file "$O" 30; diag_file "$E" 10; grep -a "HUNG" "$O.hung" 2>/dev/null | head -n 200 | sed "s/^/# /"; }
	# where the time went (host uptime, s)
	for mk in "SeaBIOS (version" "Booting from DVD" "ISO-INIT" "ISO-SHELL" "diskcheck: wrote" "DISKTEST-OK" "EXIT"; do
		diag "$(( ($(at "$mk" "$O") - $(head -n1 "$O" | cut -d' ' -f1)) / 100 )) s: $mk"
	done
	grep -a "DMESG:" "$O" | head -n 40 | sed 's/^[0-9]* /# /'
	[ "$fmt" = raw ] && grep -a "diskcheck: rand\|diskcheck: 4 KiB" "$O" | grep -av " vdi diskcheck\| cmp diskcheck" | sed "s|^[0-9]* |# $lbl: |"
	m() { grep -aq -- "$1" "$O"; result $? "$lbl: $2"; }
	m "ISO-INIT: reached /init, booted by $loader" "SeaBIOS boots the CD, $loader loads the kernel, /init runs"
	m "ISO-CDROM: mounted /dev/sr0" "Linux mounts the ATAPI CD (sr_mod on ahci)"
	m "ISO-CHECKSUM-OK" "a file read from the CD has the right sha256"
	if [ "$fmt" = raw ]; then
		m "ISO-DISKS: sda.* sr0" "Linux sees the SATA disk and the CD"
	else
		if [ -n "${INST_OUT:-}" ] && [ "$O" = "$INST_OUT" ]; then
			m "ISO-DISKS: sda sdb sdc sdd sr0" "Linux sees the four SATA disks (the installer's too) and the CD"
		else
			m "ISO-DISKS: sda sdb sdc sr0" "Linux sees the three SATA disks and the CD"
		fi
	fi
	m "DISKTEST-WRITTEN /dev/$dev" "the guest writes at queue depth 8 with O_DIRECT, flushes and reads back"
	m "DISKTEST-OK /dev/$dev" "guest TRIM: the discarded range reads back as zeros"
	[ "$loader" = grub ] && [ "$fmt" = raw ] && m "GRUB-LOADED" "GRUB reads the kernel and initrd from the CD"
	if [ "$fmt" = vdi ] && [ -n "${VDIBOOT_OUT:-}" ]; then
		# the VDI and the raw image beside it, both on $DIODIR, in one
		# guest: IOPS summed over the alternated runs of each
		_iops() { grep -a "$1 diskcheck: $2 qd" "$O" | sed 's/.*: \([0-9]*\) IOPS.*/\1/' | awk '{ s += $1 } END { print s + 0 }'; }
		grep -a "vdi diskcheck: rand\|cmp diskcheck: rand" "$O" | sed "s|^[0-9]* |# $lbl: |"
		for _op in randread randwrite; do
			_a=$(_iops cmp $_op); _b=$(_iops vdi $_op)
			[ "$_a" -gt 0 ] 2>/dev/null &&
				diag "FIGURE VDI/raw, 4 KiB $_op qd 8 in one guest, same host file system: $(awk "BEGIN { printf \"%.2f\", $_b / $_a }")x (VDI $_b, raw $_a IOPS summed over the runs)"
		done
		grep -a "vdi diskcheck: 4 KiB write+flush" "$O" | sed "s|^[0-9]* |# VDI first write: |"
	fi
	if [ "$fmt" = raw ] && [ "$loader" = "$first_loader" ]; then
		# the paravirtual clock (module parameter pvclock, on by default
		# unless vmm.modargs sets it)
		set -- $(guest_says ISO-CLOCK: "$O")
		pv=$(cat /sys/module/vmm/parameters/pvclock 2>/dev/null)
		case " $VMM_MODARGS " in
		*" pvclock="*) diag "pvclock set by vmm.modargs: $pv" ;;
		*) [ "$pv" = Y ]; result $? "$lbl: the paravirtual clock is on by default (pvclock=${pv:-?})" ;;
		esac
		diag "$lbl: the guest's clocksource is ${1:-none} (pvclock=${pv:-?})"
		if [ "$pv" = Y ]; then
			case "${1:-}" in kvm-clock|tsc) r=0 ;; *) r=1 ;; esac
			result $r "$lbl: the guest's clocksource reads without exits (kvm-clock or tsc: ${1:-none})"
			[ -n "${2:-}" ] && [ "$2" -ge $((t0 - 2)) ] && [ "$2" -le $((t1 + 2)) ]
			result $? "$lbl: the guest's date is the host's (guest ${2:-?}, host $t0-$t1)"
		else
			diag "pvclock off: the guest's clocksource is ${1:-none}"
		fi
		s1=$(at "ISO-SLEEP-A" "$O"); s2=$(at "ISO-SLEEP-B" "$O")
		[ -n "$s1" ] && [ -n "$s2" ] && [ $((s2 - s1)) -ge 90 ] && [ $((s2 - s1)) -le 160 ]
		result $? "$lbl: the guest's 'sleep 1' takes about a second of host time ($((${s2:-0} - ${s1:-0})) cs)"
	fi
	if [ "$fmt" = vdi ]; then
		"$VMMCTL" vdi check "$disk" >"$TMP/vdicheck.out" 2>&1
		result $? "$lbl: vmmctl vdi check is clean after the guest's writes and TRIM"
		sed 's/^/# /' "$TMP/vdicheck.out" | head -n 5
		"$VMMCTL" vdi cat "$disk" >"$TMP/vdi-flat.img"
		result $? "$lbl: vmmctl vdi cat reads the image"
		check "$lbl: the image holds the guest's pattern" diskcheck verify "$TMP/vdi-flat.img" 16
		cmp -s -n $((16 << 20)) "$TMP/vdi-flat.img" /dev/zero $((32 << 20)) 0
		result $? "$lbl: the trimmed 16 MiB read as zeros from the image"
		rm -f "$TMP/vdi-flat.img"
		nb=$("$VMMCTL" vdi info "$disk" | sed -n 's/^blocks allocated: *//p')
		# 16 blocks of pattern + 8 of firstwrite (+ 2 partly trimmed at most)
		[ -n "$nb" ] && [ "$nb" -le 26 ]
		result $? "$lbl: the trimmed blocks left the image (${nb:-?} of 64 blocks allocated)"
		if command -v qemu-img >/dev/null; then
			check "$lbl: qemu-img check" qemu-img check -f vdi "$disk"
		fi
	else
		check "$lbl: the host file holds the guest's pattern" diskcheck verify "$disk" 16
	fi
	# 16 MiB of pattern remain; the 16 MiB written at 32 MiB were trimmed.
	# A VDI holds its allocated blocks whole (firstwrite's 8 included)
	# and its header and map: no more than that.
	kb=$(du -k "$disk" | cut -f1)
	[ -n "$kb" ] || kb=999999
	lim=$((24 * 1024))
	[ "$fmt" = vdi ] && lim=$(( (${nb:-21} + 3) * 1024 ))
	[ "$kb" -lt $lim ]; result $? "$lbl: the trimmed range is a hole in the host file (${kb} KiB allocated, limit $lim)"
	# the VM's exits by reason over the whole run (vmmctl --stat, stdout)
	grep -a -A14 " exits, .* runs, " "$O" | sed 's/^[0-9]* //' | cut -c1-64 | sed 's/^/# /'
	rm -f "$disk"
done
done

# The light variant (VT-x) boots Linux from the first ISO only; the other
# loaders (STORAGE_FW_LOADERS, there: grub) get the firmware's part of
# that boot: SeaBIOS boots the CD on AHCI, the loader reads the kernel and
# initrd from it (int 13h on SeaBIOS's ATAPI driver) and says so (GRUB's
# echo, through SeaBIOS's serial console). What runs after is the kernel
# and initramfs the first ISO already booted.
for loader in ${STORAGE_FW_LOADERS:-}; do
	iso=$GUEST/test-$loader.iso
	[ -f "$iso" ] || { not_ok "$loader (firmware part): $iso missing (tests/guest/mkiso.sh)"; continue; }
	O=$TMP/fw-$loader.out
	t0=$(date +%s)
	case $loader in grub) mk="GRUB-LOADED" ;; *) mk="Probing EDD|Linux version" ;; esac
	fw_boot "$O" "$mk" --iso "$iso"
	r=$?
	result $r "$loader (firmware part): SeaBIOS boots $loader from the AHCI CD, which reads the kernel and initrd from it ($(($(date +%s) - t0)) s)"
	[ $r -eq 0 ] || diag_file "$O" 20
done

# An image the guest wrote through the kernel backend, for the build
# machine's qemu-img and 7zz (tests/vdi/kernel-image.sh reads it from
# this console log): a 4 MiB VDI, a tagged sector in each of its 4
# blocks, block 1 trimmed (the last block moves into its hole).
iso=$GUEST/test-$first_loader.iso
if [ "${STORAGE_INTEROP:-1}" = 1 ] && [ -f "$iso" ]; then
	disk=$DIODIR/interop.vdi
	rm -f "$disk"
	"$VMMCTL" vdi create "$disk" 4M >/dev/null
	O=$TMP/interop.out
	iso_boot interop "$iso" "$disk" "$O" "$O.err" \
		"for k in 0 1 2 3; do echo VMM-INTEROP-BLOCK-\$k | dd of=/dev/sda bs=512 seek=\$((k * 2048 + k * 8)) conv=sync,notrunc 2>/dev/null; done; sync; diskcheck discard /dev/sda 1 1 && echo INTEROP-DONE-\$((6 * 7))"
	rc=$?
	grep -aq "INTEROP-DONE-42" "$O"; result $? "interop: the guest writes 4 blocks of a VDI and trims one (exit $rc)"
	check "interop: vmmctl vdi check is clean" "$VMMCTL" vdi check "$disk"
	echo "# VDI-IMAGE-BEGIN $(wc -c <"$disk") bytes"
	gzip -c "$disk" | base64 | sed 's/^/# b64 /'
	echo "# VDI-IMAGE-END"
	rm -f "$disk"
fi

# Host disk full: a VDI on a 24 MiB tmpfs that a filler leaves ~20 MiB of.
# The guest's 16 MiB pattern fits; 8 MiB more at 32 MiB do not: those
# writes fail in the guest (I/O error), the image stays valid (a leak at
# most) and holds the pattern; once the filler is gone, writes to new
# blocks succeed.
iso=$GUEST/test-$first_loader.iso
small=$TMP/small
if [ "${STORAGE_ENOSPC:-1}" = 1 ] && [ -f "$iso" ] && mkdir -p "$small" &&
   mount -t tmpfs -o size=24m none "$small"; then
	disk=$small/full.vdi
	"$VMMCTL" vdi create "$disk" 64M >/dev/null
	dd if=/dev/zero of="$small/filler" bs=1M count=4 2>/dev/null
	O=$TMP/enospc-1.out
	iso_boot enospc "$iso" "$disk" "$O" "$O.err" \
		"diskcheck write /dev/sda 16 8; echo WRITE1=\$?; dd if=/dev/zero of=/dev/sda bs=1M seek=32 count=8 oflag=direct 2>/dev/null; echo DD1=\$?"
	rc=$?
	result $rc "enospc: the VM runs to its power-off with the host disk full (exit $rc)"
	grep -aq "WRITE1=0" "$O"; result $? "enospc: the guest's 16 MiB pattern fits"
	grep -aq "DD1=[1-9]" "$O"; result $? "enospc: writes beyond the free space fail in the guest"
	[ $rc -eq 0 ] || diag_file "$O" 20
	grep -a "I/O error\|DD1=" "$O" | head -n 3 | sed 's/^[0-9]* /# /'
	"$VMMCTL" vdi check "$disk" >"$TMP/enospc.check" 2>&1; crc=$?
	[ $crc -eq 0 ] || [ $crc -eq 3 ]
	result $? "enospc: vmmctl vdi check finds no corruption (exit $crc: 0 clean, 3 leaks)"
	sed 's/^/# /' "$TMP/enospc.check" | head -n 4
	"$VMMCTL" vdi cat "$disk" >"$TMP/enospc-flat.img"
	check "enospc: the image holds the pattern" diskcheck verify "$TMP/enospc-flat.img" 16
	rm -f "$TMP/enospc-flat.img" "$small/filler"
	O=$TMP/enospc-2.out
	iso_boot enospc "$iso" "$disk" "$O" "$O.err" \
		"dd if=/dev/zero of=/dev/sda bs=1M seek=56 count=2 oflag=direct 2>/dev/null; echo DD2=\$?"
	grep -aq "DD2=0" "$O"; result $? "enospc: with space free again the guest's writes succeed"
	"$VMMCTL" vdi check "$disk" >"$TMP/enospc.check" 2>&1; crc=$?
	[ $crc -eq 0 ] || [ $crc -eq 3 ]
	result $? "enospc: vmmctl vdi check afterwards (exit $crc)"
	umount "$small"
fi

# Repair on open: the state a crash between an allocation's two syncs
# leaves (the header counts one block more than the map uses; qemu-img
# check calls it corruption) is put right when the VM opens the image
# read-write. Made by hand: count 1, no map entry, one slot of file.
if [ "${STORAGE_REPAIR:-1}" = 1 ]; then
	disk=$DIODIR/repair.vdi
	rm -f "$disk"
	"$VMMCTL" vdi create "$disk" 8M >/dev/null
	base=$(wc -c <"$disk")
	printf '\001' | dd of="$disk" bs=1 seek=$((0x184)) conv=notrunc 2>/dev/null
	truncate -s $((base + 1048576)) "$disk"
	"$VMMCTL" vdi check "$disk" >"$TMP/repair.check" 2>&1; crc=$?
	[ $crc -eq 3 ] && grep -q "repairs it" "$TMP/repair.check"
	result $? "repair: a count ahead of the map is a leak the next open repairs (vdi check exit $crc)"
	diag_file "$TMP/repair.check"
	n0=$(dmesg | wc -l)
	timeout 120 "$VMMCTL" run --no-reboot --mem 32M --disk "$disk" >"$TMP/repair.out" 2>&1; rc=$?
	dmesg | tail -n +$((n0 + 1)) >"$TMP/repair.dmesg" 2>&1
	grep -q "repaired after a crash: the header counted 1 blocks, the map uses 0" "$TMP/repair.dmesg"
	result $? "repair: vmmctl run opens it read-write and the backend repairs it (exit $rc)"
	grep "VDI image" "$TMP/repair.dmesg" | diag "$(cat)"
	"$VMMCTL" vdi check "$disk" >"$TMP/repair.check" 2>&1
	result $? "repair: vmmctl vdi check is clean afterwards, file $(wc -c <"$disk") bytes (was $((base + 1048576)))"
	[ "$(wc -c <"$disk")" -eq "$base" ]; result $? "repair: the orphan slot is trimmed from the file"
	if command -v qemu-img >/dev/null; then
		check "repair: qemu-img check is clean afterwards" qemu-img check -q "$disk"
	fi
	rm -f "$disk"
fi

# Crash test: a guest writes 4 KiB records and flushes each, and vmmctl
# is killed (SIGKILL) a varying time after the guest reported the k-th
# record flushed, at STORAGE_CRASH cut points (default 20; 2 on the VT-x
# host), each on the image the cut before left. The guest is the flushloop
# firmware (guest-drivers/flushloop.c, vmmctl run --bios): no OS to boot,
# so a cut costs a VM start. It writes diskcheck flushloop's records
# (records 1-60 each allocate a new VDI block, later ones write into
# allocated blocks) and resumes after the last record it reads back
# whole, so every run first reads, through the backend, what the cut
# before left. After each cut: the guest resumed no earlier than after
# the last record it saw flushed; vmmctl vdi check (and qemu-img check
# where the host has it) is clean; every record the guest saw flushed is
# in the image (diskcheck flushcheck on vmmctl vdi cat). Then the image
# must still take writes. STORAGE_CRASH_LINUX=1 (the default on AMD-V)
# adds one cut with Linux as the writer (diskcheck flushloop on the test
# ISO: O_DIRECT and fdatasync through Linux's AHCI driver), which costs a
# Linux boot.
CUTS=${STORAGE_CRASH:-20}
CRASH_LINUX=${STORAGE_CRASH_LINUX:-1}
CRASH_TIMEOUT=${CRASH_TIMEOUT:-300}	# a hang guard (Bochs is ~20x slower)
crash_rom=$(payload flushloop.rom)

# crash_unlocked DISK: wait until the killed VM's teardown let go of the
# image (its lock)
crash_unlocked() {
	_i=0
	command -v flock >/dev/null || { sleep 1; return; }
	while ! flock -n -x "$1" true && [ $_i -lt 20 ]; do
		sleep 0.5; _i=$((_i + 1))
	done
}

# crash_fw DISK OUT STOP DELAY: run flushloop.rom on DISK, SIGKILL vmmctl
# DELAY s after the STOP-th FLUSHED line; its console time-stamped in OUT,
# last line "EXIT status" (its variables must not be lib.sh's: _n counts tests)
crash_fw() {
	_out=$2
	crash_unlocked "$1"
	rm -f "$_out.fifo"
	mkfifo "$_out.fifo" || return 1
	"$VMMCTL" run --bios "$crash_rom" --mem 32M --disk "$1" --no-reboot \
		</dev/null >"$_out.fifo" 2>"$_out.err" &
	_vp=$!
	# a VM that never gets that far is killed too (and fails the test)
	( trap 'kill $_sp 2>/dev/null; exit 0' TERM
	  sleep "$CRASH_TIMEOUT" & _sp=$!; wait $_sp
	  echo "crash: no record $3 after $CRASH_TIMEOUT s"; kill -9 $_vp ) >"$_out.hung" 2>&1 &
	_wp=$!
	_nfl=0
	while IFS= read -r _l; do
		echo "$(now_cs) $_l"
		case "$_l" in
		FLUSHED*)
			_nfl=$((_nfl + 1))
			if [ $_nfl -eq "$3" ]; then
				[ "$4" = 0 ] || sleep "$4"
				kill -9 $_vp
			fi ;;
		esac
	done <"$_out.fifo" >"$_out"
	wait $_vp; _st=$?
	kill $_wp 2>/dev/null
	echo "EXIT $_st" >>"$_out"
	rm -f "$_out.fifo"
}

# crash_boot ISO DISK OUT FIRST STOP: the same with Linux as the writer
# (diskcheck flushloop /dev/sda FIRST typed on the ISO's shell)
crash_boot() {
	_out=$3 _pid=$3.pid
	: >"$_out"; rm -f "$_pid" "$_out.done"
	crash_unlocked "$2"
	{
		_i=0
		while ! grep -q ISO-SHELL "$_out" && [ $_i -lt $((ISO_TIMEOUT * 2)) ]; do
			sleep 0.5; _i=$((_i + 1))
		done
		sleep 0.5
		echo "diskcheck flushloop /dev/sda $4"
		while [ "$(grep -ac '^[0-9]* FLUSHED' "$_out")" -lt "$5" ] && [ $_i -lt $((ISO_TIMEOUT * 2)) ]; do
			sleep 0.2; _i=$((_i + 1))
		done
		[ -s "$_pid" ] && kill -9 "$(cat "$_pid")"
		while [ ! -e "$_out.done" ] && ! grep -aq '^[0-9]* EXIT' "$_out" &&
		      [ $_i -lt $((ISO_TIMEOUT * 2)) ]; do
			sleep 0.5; _i=$((_i + 1))
		done
	} | {
		exec 3<&0
		"$VMMCTL" run --iso "$1" --disk "$2" --mem 256M --no-reboot <&3 3<&- 2>"$_out.err" &
		echo $! >"$_pid"
		wait $!; _st=$?
		# the guest's last line may be cut short by the kill
		echo; echo "EXIT $_st"
	} | stamp >"$_out"
	touch "$_out.done"
}

# crash_judge LABEL OUT PREV: the checks after a cut, where PREV is the
# last record the run before saw flushed; sets last (this run's last
# FLUSHED record) and adds to findings
findings=0
crash_judge() {
	_lbl=$1 _o=$2 _prev=$3
	# the highest record named: a line the kill cut short names none,
	# or a prefix of a number, which is below the line's before it
	last=$(tr -d '\r' <"$_o" |
	       sed -n 's/^[0-9]* FLUSHED \([0-9][0-9]*\).*/\1/p' | sort -n | tail -n 1)
	_ex=$(sed -n 's/^EXIT //p; s/^[0-9]* EXIT //p' "$_o" | tail -n 1)
	_res=$(sed -n 's/.*flushloop: resume after record \([0-9]*\).*/\1/p' "$_o")
	_bad=0
	[ "$_ex" = 137 ] && [ -n "$last" ]; _r=$?
	result $_r "$_lbl: vmmctl killed (SIGKILL) after the guest flushed record ${last:-none} (exit ${_ex:-none})"
	if [ $_r -ne 0 ]; then
		_bad=1
		diag_file "$_o" 15; diag_file "$_o.err" 5; diag_file "$_o.hung" 3
	fi
	if grep -q "flushloop: resume" "$_o"; then
		[ -n "$_res" ] && [ "$_res" -ge "$_prev" ]; _r=$?
		result $_r "$_lbl: the guest reads back every record flushed before the cut (it resumes after ${_res:-?}, $_prev was flushed)"
		[ $_r -eq 0 ] || _bad=1
	fi
	"$VMMCTL" vdi check "$disk" >"$TMP/crash.check" 2>&1
	_cc=$?
	if command -v qemu-img >/dev/null; then
		qemu-img check -f vdi "$disk" >>"$TMP/crash.check" 2>&1
		_cc=$((_cc | $?))
	fi
	"$VMMCTL" vdi cat "$disk" >"$TMP/crash-flat.img" &&
		diskcheck flushcheck "$TMP/crash-flat.img" "${last:-0}" >"$TMP/crash.fc" 2>&1
	_f=$?
	rm -f "$TMP/crash-flat.img"
	[ $_cc -eq 0 ] && [ $_f -eq 0 ]; _r=$?
	result $_r "$_lbl: vdi check$(command -v qemu-img >/dev/null && echo ', qemu-img check') clean; $(sed -n 's/^diskcheck: //p' "$TMP/crash.fc" | head -n 1)"
	[ $_r -eq 0 ] || _bad=1
	[ $_cc -eq 0 ] || diag_file "$TMP/crash.check" 8
	[ $_f -eq 0 ] || diag_file "$TMP/crash.fc" 5
	findings=$((findings + _bad))
}

if [ "$CUTS" -gt 0 ] && [ -f "$crash_rom" ]; then
	disk=$DIODIR/crash.vdi
	rm -f "$disk"
	"$VMMCTL" vdi create "$disk" 64M >/dev/null
	t0=$(date +%s)
	last=0 cut=0 cuts_done=0
	while [ $cut -lt "$CUTS" ]; do
		cut=$((cut + 1))
		# 1-9 records a run, killed 0-100 ms after the last one seen:
		# cuts land while allocating blocks and after, at varying
		# points of a write and its flush
		stop=$((1 + cut * 5 % 9))
		set -- 0 0.01 0.03 0.1 0.005
		shift $((cut % 5)); delay=$1
		O=$TMP/crash-$cut.out
		prev=$last
		crash_fw "$disk" "$O" $stop $delay
		crash_judge "crash $cut (stop $stop, delay $delay s)" "$O" "$prev"
		cuts_done=$((cuts_done + 1))
		last=${last:-$prev}
	done
	iso=$GUEST/test-$first_loader.iso
	if [ "$CRASH_LINUX" = 1 ] && [ -f "$iso" ]; then
		O=$TMP/crash-linux.out
		prev=$last
		crash_boot "$iso" "$disk" "$O" $((last + 1)) 5
		crash_judge "crash linux (diskcheck flushloop from $((prev + 1)))" "$O" "$prev"
		cuts_done=$((cuts_done + 1))
		last=${last:-$prev}
	fi
	# the image the last cut left still takes writes
	O=$TMP/crash-after.out
	prev=$last
	crash_fw "$disk" "$O" 3 0
	crash_judge "after the last cut: the image takes writes" "$O" "$prev"
	last=${last:-$prev}
	t1=$(date +%s)
	diag "crash: $cuts_done cut points, $findings findings, records 1..$last, $((t1 - t0)) s; $("$VMMCTL" vdi info "$disk" | grep -E 'blocks allocated|file size' | tr -s ' ' | tr '\n' ' ')"
	[ "$findings" -eq 0 ]
	result $? "crash: $cuts_done cut points, $findings findings"
	rm -f "$disk"
elif [ "$CUTS" -gt 0 ]; then
	not_ok "crash: $crash_rom missing (make -C guest-drivers)"
fi

[ "$DIODIR" = "$TMP" ] || umount "$DIODIR"

# The same disk test on a virtio-blk disk (the first ISO boots from the CD).
set -- $ISOS
if [ "${STORAGE_VIRTIO:-1}" != 0 ] && [ -f "$GUEST/test-$1.iso" ]; then
	loader=$1
	disk=$VDISK
	if [ -n "${VBOOT_OUT:-}" ]; then
		# it ran beside the AHCI disk, in that boot
		O=$VBOOT_OUT; rc=$VBOOT_RC
		result $rc "virtio: vmmctl run --iso --disk FILE --disk FILE2,if=virtio ends with the guest's power-off (exit $rc, $VBOOT_T s for both disks)"
	else
		rm -f "$disk"
		truncate -s 64M "$disk"
		O=$TMP/iso-virtio.out; E=$TMP/iso-virtio.err
		t0=$(date +%s)
		iso_boot "$loader" "$GUEST/test-$loader.iso" "$disk,if=virtio" "$O" "$E" "$VTEST"; rc=$?
		t1=$(date +%s)
		result $rc "virtio: vmmctl run --iso --disk FILE,if=virtio ends with the guest's power-off (exit $rc, $((t1 - t0)) s)"
	fi
	[ $rc -eq 0 ] || { diag_file "$O" 30; diag_file "$E" 10; grep -a "HUNG" "$O.hung" 2>/dev/null | head -n 200 | sed "s/^/# /"; }
	grep -a "DMESG:" "$O" | grep -aiE "virtio|vda" | head -n 20 | sed 's/^[0-9]* /# /'
	m() { grep -aq -- "$1" "$O"; result $? "virtio: $2"; }
	m "ISO-DISKS: .*vda" "Linux's virtio_blk finds the disk (/dev/vda)"
	m "DISKTEST-WRITTEN /dev/vda" "the guest writes to vda from 8 threads with O_DIRECT, flushes and reads back"
	m "DISKTEST-OK /dev/vda" "guest discard on virtio-blk: the range reads back as zeros"
	check "virtio: the host file holds the guest's pattern" diskcheck verify "$disk" 16
	kb=$(du -k "$disk" | cut -f1)
	[ -n "$kb" ] || kb=999999
	[ "$kb" -lt $((24 * 1024)) ]; result $? "virtio: the discarded range is a hole in the host file (${kb} KiB allocated)"
	# the guest's request counts (reads, writes, discards: /sys/block/vda/stat
	# fields 1, 5, 12) and the VM's exits, for exits per request
	grep -a "VDA-STAT:" "$O" | tail -n 1 | sed 's/^[0-9]* /# /'
	# (vmmctl --stat prints to stdout: the first columns of its table)
	grep -a -A30 " exits, " "$O" | sed 's/^[0-9]* //' | grep -aE " exits, |reason|mmio|npf|io" |
		cut -c1-40 | head -n 8 | sed 's/^/# /'
	rm -f "$disk"

	# The same disk test on packed virtqueues (offered when asked for).
	P=/sys/module/vmm/parameters/virtio_packed
	if [ -w "$P" ] && [ "${STORAGE_VIRTIO_EXTRA:-1}" = 1 ]; then
		truncate -s 64M "$disk"
		echo 1 >"$P"
		O=$TMP/iso-packed.out; E=$TMP/iso-packed.err
		iso_boot "$loader" "$GUEST/test-$loader.iso" "$disk,if=virtio" "$O" "$E" \
			"echo VDA-PACKED: \$(cat /sys/bus/virtio/devices/virtio0/features | cut -c35); disktest /dev/vda"; rc=$?
		echo 0 >"$P"
		result $rc "virtio packed: vmmctl run ends with the guest's power-off (exit $rc)"
		[ $rc -eq 0 ] || { diag_file "$O" 30; diag_file "$E" 10; grep -a "HUNG" "$O.hung" 2>/dev/null | head -n 200 | sed "s/^/# /"; }
		m "VDA-PACKED: 1" "Linux negotiates packed virtqueues (RING_PACKED)"
		m "DISKTEST-OK /dev/vda" "the disk test passes on packed virtqueues"
		check "virtio packed: the host file holds the guest's pattern" diskcheck verify "$disk" 16
		rm -f "$disk"
	fi

	# The same disk test through the transitional device's legacy I/O BAR:
	# Linux's virtio_pci reloaded with force_legacy=1 (it then drives the
	# device as a pre-1.0 driver would, or fails to bind at all).
	if [ "${STORAGE_VIRTIO_EXTRA:-1}" = 1 ]; then
		truncate -s 64M "$disk" "$disk.2"
		O=$TMP/iso-legacy.out; E=$TMP/iso-legacy.err
		ISO_EXTRA="--disk $disk.2,if=virtio,legacy=off"
		iso_boot "$loader" "$GUEST/test-$loader.iso" "$disk,if=virtio" "$O" "$E" \
			"echo VD-IDS: \$(cat /sys/bus/pci/devices/0000:00:0[45].0/device); rmmod virtio_blk virtio_pci && insmod /lib/modules/virtio_pci.ko force_legacy=1 && insmod /lib/modules/virtio_blk.ko; i=0; while [ ! -b /dev/vda ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i + 1)); done; echo VDA-LEGACY: \$(cat /sys/bus/pci/devices/0000:00:04.0/device) version1=\$(cut -c33 /sys/block/vda/device/features); disktest /dev/vda"; rc=$?
		ISO_EXTRA=
		result $rc "virtio legacy: vmmctl run ends with the guest's power-off (exit $rc)"
		[ $rc -eq 0 ] || { diag_file "$O" 30; diag_file "$E" 10; }
		grep -a "VDA-LEGACY:" "$O" | tail -n 1 | sed 's/^[0-9]* /# /'
		m "VD-IDS: 0x1001 0x1042" "a virtio disk is transitional (1af4:1001), with legacy=off modern only (1af4:1042)"
		m "VDA-LEGACY: 0x1001 version1=0" "Linux's virtio_pci (force_legacy=1) drives the transitional 1af4:1001 without VERSION_1"
		m "DISKTEST-OK /dev/vda" "the disk test passes through the legacy interface"
		check "virtio legacy: the host file holds the guest's pattern" diskcheck verify "$disk" 16
		rm -f "$disk" "$disk.2"
	fi

	# SeaBIOS boots from a virtio-blk disk: the hybrid ISO as a disk image.
	if [ "${STORAGE_VIRTIO_EXTRA:-1}" = 1 ]; then
		O=$TMP/boot-virtio.out; E=$TMP/boot-virtio.err
		t0=$(date +%s)
		iso_boot "$loader" "" "$GUEST/test-$loader.iso,if=virtio,readonly" "$O" "$E" \
			"echo VIRTIO-BOOT: \$(cat /sys/block/vda/size) sectors"; rc=$?
		t1=$(date +%s)
		result $rc "virtio boot: vmmctl run --disk ISO,if=virtio,readonly --boot disk ends with the guest's power-off (exit $rc, $((t1 - t0)) s)"
		[ $rc -eq 0 ] || { diag_file "$O" 30; diag_file "$E" 10; grep -a "HUNG" "$O.hung" 2>/dev/null | head -n 200 | sed "s/^/# /"; }
		m "ISO-INIT: reached /init, booted by $loader" "SeaBIOS boots $loader from the virtio-blk disk, /init runs"
		m "VIRTIO-BOOT: [1-9]" "Linux sees the boot disk as /dev/vda"
	elif [ "${STORAGE_VIRTIO_BOOT_KERNEL:-1}" = 1 ]; then
		# The light variant (VT-x): the firmware's part of that boot only.
		# SeaBIOS boots the hybrid ISO from the virtio-blk disk and
		# $loader reads the kernel and initrd through it (int 13h on
		# SeaBIOS's virtio driver); ISOLINUX's "ok" after the initrd
		# (or, for a bzImage, the kernel's setup code, which runs once
		# both are loaded and prints its first line through the BIOS)
		# ends it.
		O=$TMP/boot-virtio.out
		t0=$(date +%s)
		fw_boot "$O" 'Probing EDD|Linux version|initrd\.gz\.\.\. ?o' --disk "$GUEST/test-$loader.iso,if=virtio,readonly" --boot disk
		r=$?
		result $r "virtio boot: SeaBIOS boots $loader from the virtio-blk disk (--boot disk), which loads the kernel and initrd through it ($(($(date +%s) - t0)) s)"
		[ $r -eq 0 ] || diag_file "$O" 20
	fi
fi

# The installer flow, as a user does it, onto a VDI (vmmctl vdi create):
# boot the ISO, install onto the disk (partition, ext4, kernel +
# initramfs, EXTLINUX, MBR), power off; then boot the VDI alone through
# SeaBIOS, where the installed system checks its files; then the same
# VDI from virtio-blk (STORAGE_VIRTIO=0 skips that). vmmctl vdi check
# and qemu-img check (where the host has it) after each step.
iso=$GUEST/test-isolinux.iso
case " $ISOS " in *" isolinux "*) inst=yes ;; *) inst= ;; esac
if [ -n "${INST_OUT:-}" ]; then
	# it ran in the first ISO's boot
	disk=$INST_DISK O=$INST_OUT E=$INST_ERR rc=${INST_RC:-1}
	grep -aq "INSTALL-OK" "$O"; r=$?
	result $((rc | r)) "installer: the ISO partitions the VDI (beside the disk tests, $(sed -n 's/.*ISO-PORTS: .* inst=\([a-z][a-z]*\).*/\1/p' "$O" | head -n 1)), makes $(sed -n 's/.*INSTALL-OK: [^ ]* \([a-z0-9]*\).*/\1/p' "$O" | head -n 1) and installs kernel, initramfs and EXTLINUX (exit $rc, $((${INST_T1:-0} - ${INST_T0:-0})) s for the whole boot)"
elif [ -n "$inst" ] && [ "${STORAGE_INSTALL:-1}" = 1 ] && [ -f "$iso" ]; then
	disk=$TMP/disk-install.vdi
	rm -f "$disk"
	"$VMMCTL" vdi create "$disk" 64M >/dev/null
	result $? "installer: vmmctl vdi create 64M"
	inst_check "vdi create"
	O=$TMP/install.out; E=$TMP/install.err
	t0=$(date +%s)
	console_run "$O" "$E" "install-disk /dev/sda; poweroff -f" --iso "$iso" --disk "$disk"; rc=$?
	grep -aq "INSTALL-OK" "$O"; r=$?
	result $((rc | r)) "installer: the ISO partitions the VDI, makes $(sed -n 's/.*INSTALL-OK: [^ ]* \([a-z0-9]*\).*/\1/p' "$O" | head -n 1) and installs kernel, initramfs and EXTLINUX (exit $rc, $(($(date +%s) - t0)) s)"
fi
if [ -n "${INST_OUT:-}" ] || { [ -n "$inst" ] && [ "${STORAGE_INSTALL:-1}" = 1 ] && [ -f "$iso" ]; }; then
	[ $((rc | r)) -eq 0 ] || { diag_file "$O" 20; diag_file "$E" 5; }
	grep -aq "INSTALL-OK: .* ext4" "$O"
	result $? "installer: the file system is ext4 (mkfs.ext4 in the ISO)"
	inst_check "the install"
	diag "installer: $("$VMMCTL" vdi info "$disk" | grep -E 'blocks allocated|file size' | tr -s ' ' | tr '\n' ' ')"
	O=$TMP/installed.out; E=$TMP/installed.err
	t0=$(date +%s)
	console_run "$O" "$E" "poweroff -f" --disk "$disk"; rc=$?
	result $rc "installed: vmmctl run --disk disk.vdi alone boots and powers off (exit $rc, $(($(date +%s) - t0)) s)"
	grep -aq "INSTALLED-OK: booted from /dev/sda1 (ext4)" "$O"
	result $? "installed: SeaBIOS boots the VDI, EXTLINUX loads the installed kernel, it mounts its ext4 root (sda1), its files check"
	grep -aq "INSTALLED-OK" "$O" || { diag_file "$O" 20; diag_file "$E" 5; }
	# where the time went (host uptime, s)
	for mk in "SeaBIOS (version" "Booting from Hard Disk" "EXTLINUX" "ISO-INIT" "INSTALLED-OK" "EXIT"; do
		diag "installed: $(( ($(at "$mk" "$O") - $(head -n1 "$O" | cut -d' ' -f1)) / 100 )) s: $mk"
	done
	inst_check "booting the installed system"
	if [ "${STORAGE_VIRTIO:-1}" != 0 ] && [ "${STORAGE_INSTALL_VIRTIO:-1}" = 1 ]; then
		O=$TMP/installed-virtio.out; E=$TMP/installed-virtio.err
		t0=$(date +%s)
		console_run "$O" "$E" "poweroff -f" --disk "$disk,if=virtio" --boot disk; rc=$?
		result $rc "installed: vmmctl run --disk disk.vdi,if=virtio boots and powers off (exit $rc, $(($(date +%s) - t0)) s)"
		grep -aq "INSTALLED-OK: booted from /dev/vda1" "$O"
		result $? "installed: SeaBIOS boots the VDI from virtio-blk, the installed system finds its root on vda1, its files check"
		grep -aq "INSTALLED-OK: booted from /dev/vda1" "$O" || { diag_file "$O" 20; diag_file "$E" 5; }
		inst_check "booting it from virtio-blk"
	fi
	rm -f "$disk"
fi

dmesg_clean; result $? "no kernel warnings"
[ -s "$TMP/dmesg.bad" ] && diag_file "$TMP/dmesg.bad"
ktap_end
