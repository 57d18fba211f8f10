#!/bin/sh
# Suite "storage": the AHCI controller, its ATAPI CD and ATA disk, and the
# in-kernel host-file backend. Each test ISO (ISOLINUX, GRUB; built by
# tests/guest/mkiso.sh) boots through SeaBIOS from the CD to its shell,
# which checks a file on the CD and runs the disk test typed on its
# console: a pattern written with O_DIRECT at queue depth 8 (NCQ),
# flushed, read back, and a TRIM. Then the host file must hold the
# pattern and the trimmed range must be a hole. STORAGE_ISOS picks ISOs.
# Then the first ISO boots again with the disk on virtio-blk (if=virtio,
# /dev/vda in the guest) and runs the same test; STORAGE_VIRTIO=0 skips it.
# Then the installer flow: the ISOLINUX ISO installs a system onto a disk,
# which boots alone.
. "$(dirname "$0")/lib.sh"
ktap_begin storage

GUEST=${GUEST_DIR:-/guest}
ISO_TIMEOUT=${ISO_TIMEOUT:-400}
ISOS=${STORAGE_ISOS:-isolinux grub}

ensure_vmm; result $? "vmm loaded"

# console_run OUT ERR COMMAND VMMCTL-RUN-ARGS...: run a PC, type COMMAND
# on its console once its shell is up (ISO-SHELL), keep the console open
# until it ends; stdout time-stamped in OUT (last line "EXIT status");
# returns vmmctl's status
console_run() {
	_out=$1 _err=$2 _cmd=$3
	shift 3
	: >"$_out"
	{
		_i=0
		while ! grep -q ISO-SHELL "$_out" && [ $_i -lt $((ISO_TIMEOUT * 2)) ]; do
			sleep 0.5; _i=$((_i + 1))
		done
		sleep 0.5
		echo "$_cmd"
		# keep stdin open until the VM is gone (the pipe's other end
		# writes EXIT), but no longer: the pipeline waits for us
		while ! grep -q "^[0-9]* EXIT " "$_out" && [ $_i -lt $((ISO_TIMEOUT * 2)) ]; do
			sleep 0.5; _i=$((_i + 1))
		done
	} | { timeout "$ISO_TIMEOUT" "$VMMCTL" run --mem 256M --no-reboot --stat \
		"$@" 2>"$_err"; echo "EXIT $?"; } | stamp >"$_out"
	_rc=$(sed -n 's/^[0-9]* EXIT //p' "$_out")
	_rc=${_rc:-1}
	return $_rc
}

# iso_boot NAME ISO DISK OUT ERR [GUEST-DEV [CMD]]: boot ISO (none if
# empty: boot DISK) with DISK (a --disk argument), type the disk test on
# GUEST-DEV (default /dev/sda), or CMD, once the shell is up, then power
# off; vmmctl's status
iso_boot() {
	_dev=${6:-/dev/sda}
	_c=${7:-"dmesg | grep -iE 'ata[0-9]|ahci|scsi|sr0|sda|virtio|vda|error|fail|timeout' | sed 's/^/DMESG: /'; disktest $_dev"}
	if [ -n "$2" ]; then
		console_run "$4" "$5" "$_c; poweroff -f" --iso "$2" --disk "$3"
	else
		console_run "$4" "$5" "$_c; poweroff -f" --disk "$3" --boot disk
	fi
}

for loader in $ISOS; do
	iso=$GUEST/test-$loader.iso
	if [ ! -f "$iso" ]; then
		not_ok "$loader: $iso missing (tests/guest/mkiso.sh)"
		continue
	fi
	disk=$TMP/disk-$loader.img
	rm -f "$disk"
	truncate -s 64M "$disk"
	O=$TMP/iso-$loader.out; E=$TMP/iso-$loader.err
	t0=$(date +%s)
	iso_boot "$loader" "$iso" "$disk" "$O" "$E"; rc=$?
	t1=$(date +%s)
	result $rc "$loader: vmmctl run --iso --disk ends with the guest's power-off (exit $rc, $((t1 - t0)) s)"
	[ $rc -eq 0 ] || { diag_file "$O" 30; diag_file "$E" 10; }
	# where the time went (host uptime, s)
	for mk in "SeaBIOS (version" "Booting from DVD" "ISO-INIT" "ISO-SHELL" "diskcheck: wrote" "DISKTEST-OK" "EXIT"; do
		diag "$(( ($(at "$mk" "$O") - $(head -n1 "$O" | cut -d' ' -f1)) / 100 )) s: $mk"
	done
	grep -a "DMESG:" "$O" | head -n 40 | sed 's/^[0-9]* /# /'
	m() { grep -aq -- "$1" "$O"; result $? "$loader: $2"; }
	m "ISO-INIT: reached /init, booted by $loader" "SeaBIOS boots the CD, $loader loads the kernel, /init runs"
	m "ISO-CDROM: mounted /dev/sr0" "Linux mounts the ATAPI CD (sr_mod on ahci)"
	m "ISO-CHECKSUM-OK" "a file read from the CD has the right sha256"
	m "ISO-DISKS: sda sr0" "Linux sees the SATA disk and the CD"
	m "diskcheck: read back and verified" "the guest writes at queue depth 8 with O_DIRECT, flushes and reads back"
	m "DISKTEST-OK" "guest TRIM: the discarded range reads back as zeros"
	check "$loader: the host file holds the guest's pattern" diskcheck verify "$disk" 16
	# 16 MiB of pattern remain; the 16 MiB written at 32 MiB were trimmed.
	kb=$(du -k "$disk" | cut -f1)
	[ -n "$kb" ] || kb=999999
	[ "$kb" -lt $((24 * 1024)) ]; result $? "$loader: the trimmed range is a hole in the host file (${kb} KiB allocated)"
	# the VM's exits by reason over the whole run (vmmctl --stat)
	grep -a -A14 " exits, .* runs, " "$E" | cut -c1-64 | sed 's/^/# /'
	rm -f "$disk"
done

# The same disk test on a virtio-blk disk (the first ISO boots from the CD).
set -- $ISOS
if [ "${STORAGE_VIRTIO:-1}" != 0 ] && [ -f "$GUEST/test-$1.iso" ]; then
	loader=$1
	disk=$TMP/disk-virtio.img
	rm -f "$disk"
	truncate -s 64M "$disk"
	O=$TMP/iso-virtio.out; E=$TMP/iso-virtio.err
	t0=$(date +%s)
	iso_boot "$loader" "$GUEST/test-$loader.iso" "$disk,if=virtio" "$O" "$E" /dev/vda \
		"dmesg | grep -iE 'virtio|vda|error|fail|timeout' | sed 's/^/DMESG: /'; disktest /dev/vda; echo VDA-STAT: \$(cat /sys/block/vda/stat)"; rc=$?
	t1=$(date +%s)
	result $rc "virtio: vmmctl run --iso --disk FILE,if=virtio ends with the guest's power-off (exit $rc, $((t1 - t0)) s)"
	[ $rc -eq 0 ] || { diag_file "$O" 30; diag_file "$E" 10; }
	grep -a "DMESG:" "$O" | grep -aiE "virtio|vda" | head -n 20 | sed 's/^[0-9]* /# /'
	m() { grep -aq -- "$1" "$O"; result $? "virtio: $2"; }
	m "ISO-DISKS: .*vda" "Linux's virtio_blk finds the disk (/dev/vda)"
	m "diskcheck: read back and verified" "the guest writes to vda from 8 threads with O_DIRECT, flushes and reads back"
	m "DISKTEST-OK" "guest discard on virtio-blk: the range reads back as zeros"
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
	if [ -w "$P" ]; then
		truncate -s 64M "$disk"
		echo 1 >"$P"
		O=$TMP/iso-packed.out; E=$TMP/iso-packed.err
		iso_boot "$loader" "$GUEST/test-$loader.iso" "$disk,if=virtio" "$O" "$E" /dev/vda \
			"echo VDA-PACKED: \$(cat /sys/bus/virtio/devices/virtio0/features | cut -c35); disktest /dev/vda"; rc=$?
		echo 0 >"$P"
		result $rc "virtio packed: vmmctl run ends with the guest's power-off (exit $rc)"
		[ $rc -eq 0 ] || { diag_file "$O" 30; diag_file "$E" 10; }
		m "VDA-PACKED: 1" "Linux negotiates packed virtqueues (RING_PACKED)"
		m "DISKTEST-OK" "the disk test passes on packed virtqueues"
		check "virtio packed: the host file holds the guest's pattern" diskcheck verify "$disk" 16
		rm -f "$disk"
	fi

	# SeaBIOS boots from a virtio-blk disk: the hybrid ISO as a disk image.
	O=$TMP/boot-virtio.out; E=$TMP/boot-virtio.err
	t0=$(date +%s)
	iso_boot "$loader" "" "$GUEST/test-$loader.iso,if=virtio,readonly" "$O" "$E" "" \
		"echo VIRTIO-BOOT: \$(cat /sys/block/vda/size) sectors"; rc=$?
	t1=$(date +%s)
	result $rc "virtio boot: vmmctl run --disk ISO,if=virtio,readonly --boot disk ends with the guest's power-off (exit $rc, $((t1 - t0)) s)"
	[ $rc -eq 0 ] || { diag_file "$O" 30; diag_file "$E" 10; }
	m "ISO-INIT: reached /init, booted by $loader" "SeaBIOS boots $loader from the virtio-blk disk, /init runs"
	m "VIRTIO-BOOT: [1-9]" "Linux sees the boot disk as /dev/vda"
fi

# The installer flow, as a user does it: boot the ISO, install onto the
# disk (partition, ext2, kernel + initramfs, EXTLINUX, MBR), power off;
# then boot the disk alone through SeaBIOS, where the installed system
# checks its files.
iso=$GUEST/test-isolinux.iso
case " $ISOS " in *" isolinux "*) inst=yes ;; *) inst= ;; esac
if [ -n "$inst" ] && [ -f "$iso" ]; then
	disk=$TMP/disk-install.img
	rm -f "$disk"; truncate -s 64M "$disk"
	O=$TMP/install.out; E=$TMP/install.err
	console_run "$O" "$E" "install-disk /dev/sda; poweroff -f" --iso "$iso" --disk "$disk"; rc=$?
	grep -aq "INSTALL-OK" "$O"; r=$?
	result $((rc | r)) "installer: the ISO partitions the disk, installs kernel, initramfs and EXTLINUX (exit $rc)"
	[ $((rc | r)) -eq 0 ] || { diag_file "$O" 20; diag_file "$E" 5; }
	O=$TMP/installed.out; E=$TMP/installed.err
	console_run "$O" "$E" "poweroff -f" --disk "$disk"; rc=$?
	result $rc "installed: vmmctl run --disk alone boots and powers off (exit $rc)"
	grep -aq "INSTALLED-OK" "$O"
	result $? "installed: SeaBIOS boots the disk, EXTLINUX loads the installed kernel, its files check"
	grep -aq "INSTALLED-OK" "$O" || { diag_file "$O" 20; diag_file "$E" 5; }
	rm -f "$disk"
fi

dmesg_clean; result $? "no kernel warnings"
[ -s "$TMP/dmesg.bad" ] && diag_file "$TMP/dmesg.bad"
ktap_end
