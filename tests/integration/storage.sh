#!/bin/sh
# Suite "storage": the AHCI controller, its ATAPI CD and ATA disk, and the
# in-kernel host-file backend. Each test ISO (ISOLINUX, GRUB; built by
# tests/guest/mkiso.sh) boots through SeaBIOS from the CD to its shell,
# which checks a file on the CD and runs the disk test typed on its
# console: a pattern written with O_DIRECT at queue depth 8 (NCQ),
# flushed, read back, and a TRIM. Then the host file must hold the
# pattern and the trimmed range must be a hole. STORAGE_ISOS picks ISOs.
# STORAGE_FORMATS picks the disk's formats: raw (a sparse file) and vdi
# (made by vmmctl vdi create, served by the kernel's VDI backend; then
# vmmctl vdi check must be clean, the image must hold the pattern and the
# trimmed blocks must have left the image).
. "$(dirname "$0")/lib.sh"
ktap_begin storage

GUEST=${GUEST_DIR:-/guest}
ISO_TIMEOUT=${ISO_TIMEOUT:-400}
ISOS=${STORAGE_ISOS:-isolinux grub}
FORMATS=${STORAGE_FORMATS:-raw vdi}

ensure_vmm; result $? "vmm loaded"

# iso_boot NAME ISO DISK OUT ERR: boot ISO with DISK, type the disk test
# once the shell is up, then power off; vmmctl's status
iso_boot() {
	_out=$4 _err=$5
	: >"$_out"
	{
		_i=0
		while ! grep -q ISO-SHELL "$_out" && [ $_i -lt $((ISO_TIMEOUT * 2)) ]; do
			sleep 0.5; _i=$((_i + 1))
		done
		sleep 0.5
		echo "dmesg | grep -iE 'ata[0-9]|ahci|scsi|sr0|sda|error|fail|timeout' | sed 's/^/DMESG: /'; disktest; poweroff -f"
		# keep stdin open until the VM is gone
		while [ ! -e "$_out.done" ] && [ $_i -lt $((ISO_TIMEOUT * 2)) ]; do
			sleep 0.5; _i=$((_i + 1))
		done
	} | { timeout "$ISO_TIMEOUT" "$VMMCTL" run --iso "$2" --disk "$3" --mem 256M \
		--no-reboot --stat 2>"$_err"; echo "EXIT $?"; } | stamp >"$_out"
	_rc=$(sed -n 's/^[0-9]* EXIT //p' "$_out")
	_rc=${_rc:-1}
	touch "$_out.done"
	return $_rc
}

for loader in $ISOS; do
for fmt in $FORMATS; do
	iso=$GUEST/test-$loader.iso
	if [ ! -f "$iso" ]; then
		not_ok "$loader: $iso missing (tests/guest/mkiso.sh)"
		continue
	fi
	disk=$TMP/disk-$loader.$fmt
	rm -f "$disk"
	if [ "$fmt" = vdi ]; then
		"$VMMCTL" vdi create "$disk" 64M >/dev/null
		result $? "$loader/vdi: vmmctl vdi create 64M"
	else
		truncate -s 64M "$disk"
	fi
	[ "$fmt" = raw ] || loader0=$loader loader="$loader/$fmt"
	O=$TMP/iso-$loader.out; E=$TMP/iso-$loader.err
	t0=$(date +%s)
	iso_boot "$loader" "$iso" "$disk" "$O" "$E"; rc=$?
	[ "$fmt" = vdi ] && dmesg | grep "VDI image" | tail -n 1 | sed 's/^/# /'
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
	if [ "$fmt" = vdi ]; then
		"$VMMCTL" vdi check "$disk" >"$TMP/vdicheck.out" 2>&1
		result $? "$loader: vmmctl vdi check is clean after the guest's writes and TRIM"
		sed 's/^/# /' "$TMP/vdicheck.out" | head -n 5
		"$VMMCTL" vdi cat "$disk" >"$TMP/vdi-flat.img"
		result $? "$loader: vmmctl vdi cat reads the image"
		check "$loader: the image holds the guest's pattern" diskcheck verify "$TMP/vdi-flat.img" 16
		cmp -s -n $((16 << 20)) "$TMP/vdi-flat.img" /dev/zero $((32 << 20)) 0
		result $? "$loader: the trimmed 16 MiB read as zeros from the image"
		rm -f "$TMP/vdi-flat.img"
		nb=$("$VMMCTL" vdi info "$disk" | sed -n 's/^blocks allocated: *//p')
		[ -n "$nb" ] && [ "$nb" -le 18 ]
		result $? "$loader: the trimmed blocks left the image (${nb:-?} of 64 blocks allocated)"
		if command -v qemu-img >/dev/null; then
			check "$loader: qemu-img check" qemu-img check -f vdi "$disk"
		fi
	else
		check "$loader: the host file holds the guest's pattern" diskcheck verify "$disk" 16
	fi
	# 16 MiB of pattern remain; the 16 MiB written at 32 MiB were trimmed.
	kb=$(du -k "$disk" | cut -f1)
	[ -n "$kb" ] || kb=999999
	[ "$kb" -lt $((24 * 1024)) ]; result $? "$loader: the trimmed range is a hole in the host file (${kb} KiB allocated)"
	grep -a -A40 "exit statistics" "$E" | grep -aE "mmio|io |total" | head -n 5 | sed 's/^/# /'
	rm -f "$disk"
	[ "$fmt" = raw ] || loader=$loader0
done
done

dmesg_clean; result $? "no kernel warnings"
[ -s "$TMP/dmesg.bad" ] && diag_file "$TMP/dmesg.bad"
ktap_end
