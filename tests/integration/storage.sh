#!/bin/sh
# Suite "storage": the AHCI controller, its ATAPI CD and ATA disk, and the
# in-kernel host-file backend. Each test ISO (ISOLINUX, GRUB; built by
# tests/guest/mkiso.sh) boots through SeaBIOS from the CD to its shell,
# which checks a file on the CD and runs the disk test typed on its
# console: a pattern written with O_DIRECT at queue depth 8 (NCQ),
# flushed, read back, and a TRIM. Then the host file must hold the
# pattern and the trimmed range must be a hole. Then the installer flow:
# the ISOLINUX ISO installs a system onto a disk, which boots alone.
# STORAGE_ISOS picks ISOs.
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

# iso_boot NAME ISO DISK OUT ERR: boot ISO with DISK, type the disk test
iso_boot() {
	console_run "$4" "$5" "dmesg | grep -iE 'ata[0-9]|ahci|scsi|sr0|sda|error|fail|timeout' | sed 's/^/DMESG: /'; disktest; poweroff -f" \
		--iso "$2" --disk "$3"
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
