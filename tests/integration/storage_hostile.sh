#!/bin/sh
# Suite "storage_hostile": hostile guests against the AHCI controller and
# the virtio-blk disks.
# guest-drivers/ahci_hostile runs as the PC's firmware (ahci_hostile.rom
# through vmmctl run --bios) with a CD, a disk and a read-only disk, all
# three holding a pattern written here. It attacks the HBA from inside
# (PRDTs outside RAM, bad FISes, NCQ tag misuse, wrong-device commands,
# resets and BAR moves with commands in flight, ...) and prints one KTAP
# line per case; each is surfaced here. Then: vmmctl's status is the
# guest's, no host file changed, the kernel log is clean, no VM is left.
# guest-drivers/virtio_hostile does the same to three virtio-blk disks
# (one read-write, one read-only, one read-only behind an IOPS limit, where
# resets cancel what waits in the limiter) on split rings and, with module
# parameter virtio_packed=1
# set for its run, packed ones (broken chains, indirect tables, addresses
# outside RAM, bad sectors and types, queue setup and resets while
# requests run, the PCI cfg access capability, ...); it may write only
# the read-write disk's last 16 sectors, which are checked here.
# HOSTILE_PARTS (default "ahci virtio") picks the parts that run.
. "$(dirname "$0")/lib.sh"
ktap_begin storage_hostile

HOSTILE_TIMEOUT=${HOSTILE_TIMEOUT:-300}
HOSTILE_PARTS=${HOSTILE_PARTS:-ahci virtio}
part() { case " $HOSTILE_PARTS " in *" $1 "*) return 0 ;; esac; return 1; }

ensure_vmm; result $? "vmm loaded"

rom=$(payload ahci_hostile.rom)
vrom=$(payload virtio_hostile.rom)
if [ ! -f "$rom" ] || [ ! -f "$vrom" ]; then
	not_ok "$rom or $vrom missing (make -C guest-drivers)"
	ktap_end
	exit
fi

D=$TMP/hostile-disk.img
D2=$TMP/hostile-disk-ro.img
REF=$TMP/hostile-ref.img
ISO=$TMP/hostile.iso
O=$TMP/hostile.out
E=$TMP/hostile.err
rm -f "$D" "$D2" "$REF" "$ISO"
# 2 MiB: sector s is 16 rows "vmm lba %08d row %02d .......\n" (32 bytes)
awk 'BEGIN { for (s = 0; s < 4096; s++) for (r = 0; r < 16; r++)
	printf "vmm lba %08d row %02d .......\n", s, r }' >"$REF"
[ "$(wc -c <"$REF")" -eq 2097152 ]; result $? "pattern disk images made (2 MiB)"

ahci_part() {
cp "$REF" "$D" && cp "$REF" "$D2"
# a minimal ISO 9660 image: the primary volume descriptor's header only
dd if=/dev/zero of="$ISO" bs=2048 count=64 2>/dev/null
printf '\001CD001\001' | dd of="$ISO" bs=1 seek=32768 conv=notrunc 2>/dev/null

vms0=$(live_vms)
t0=$(date +%s)
timeout "$HOSTILE_TIMEOUT" "$VMMCTL" run --bios "$rom" --mem 64M --iso "$ISO" \
	--disk "$D" --disk "$D2,readonly" --no-reboot </dev/null >"$O" 2>"$E"
rc=$?
t1=$(date +%s)
surface "ahci_hostile: " "$O"
n=$(cat "$TMP/surfaced")
[ "$n" -gt 40 ]; result $? "the guest reported its cases ($n KTAP lines)"
grep -q "^# ahci_hostile: [0-9]* passed, 0 failed" "$O"; result $? "the guest's summary: no case failed"
result $rc "vmmctl ends with the guest's status (exit $rc, $((t1 - t0)) s)"
[ $rc -eq 0 ] || { diag_file "$O" 20; diag_file "$E" 20; }
cmp -s "$REF" "$D2"; result $? "the read-only disk's host file is unchanged"
cmp -s "$REF" "$D"; result $? "the disk's host file is unchanged (the guest only reads it)"
vms=$(live_vms)
if [ -n "$vms" ]; then
	[ "$vms" -eq "${vms0:-0}" ]; result $? "no VM left behind ($vms live, $vms0 before)"
else
	skip "no VM left behind" "abi_test --count-vms unavailable"
fi
rm -f "$D" "$D2" "$ISO"
}

# --- virtio-blk: the same pattern on two virtio disks, one read-only ---
virtio_part() {
D3=$TMP/hostile-disk-lim.img
EXP=$TMP/hostile-exp.img
VO=$TMP/vhostile.out
VE=$TMP/vhostile.err
PK=/sys/module/vmm/parameters/virtio_packed
cp "$REF" "$D" && cp "$REF" "$D2" && cp "$REF" "$D3"
# what the guest may write: zeros to sectors 4080-4087, sectors 0-7's
# pattern to 4088-4095
cp "$REF" "$EXP"
dd if=/dev/zero of="$EXP" bs=512 seek=4080 count=8 conv=notrunc 2>/dev/null
dd if="$REF" of="$EXP" bs=512 count=8 seek=4088 conv=notrunc 2>/dev/null
pk0=
if [ -w "$PK" ]; then
	pk0=$(cat "$PK")
	echo 1 >"$PK"
	diag "virtio_packed=1 for this run (was $pk0): split and packed rings"
else
	diag "$PK not writable: split rings only"
fi
vms0=$(live_vms)
t0=$(date +%s)
timeout "$HOSTILE_TIMEOUT" "$VMMCTL" run --bios "$vrom" --mem 64M \
	--disk "$D,if=virtio" --disk "$D2,if=virtio,readonly" \
	--disk "$D3,if=virtio,readonly,iops=100" --no-reboot </dev/null >"$VO" 2>"$VE"
rc=$?
t1=$(date +%s)
[ -n "$pk0" ] && echo "$pk0" >"$PK"
surface "virtio_hostile: " "$VO"
n=$(cat "$TMP/surfaced")
[ "$n" -gt 100 ]; result $? "the virtio guest reported its cases ($n KTAP lines)"
grep -q "^# virtio_hostile: [0-9]* passed, 0 failed" "$VO"; result $? "the virtio guest's summary: no case failed"
result $rc "vmmctl ends with the virtio guest's status (exit $rc, $((t1 - t0)) s)"
[ $rc -eq 0 ] || { diag_file "$VO" 20; diag_file "$VE" 20; }
cmp -s "$REF" "$D2" && cmp -s "$REF" "$D3"; result $? "the read-only virtio disks' host files are unchanged"
cmp -s "$EXP" "$D"; result $? "the virtio disk's host file: unchanged but for the guest's writes to sectors 4080-4095"
vms=$(live_vms)
if [ -n "$vms" ]; then
	[ "$vms" -eq "${vms0:-0}" ]; result $? "no VM left behind after the virtio guest ($vms live, $vms0 before)"
else
	skip "no VM left behind after the virtio guest" "abi_test --count-vms unavailable"
fi
rm -f "$D" "$D2" "$D3" "$EXP"
}

part ahci && ahci_part
part virtio && virtio_part
rm -f "$REF"

dmesg_clean; result $? "no kernel warnings"
[ -s "$TMP/dmesg.bad" ] && diag_file "$TMP/dmesg.bad"
ktap_end
