#!/bin/sh
# Suite "storage_hostile": a hostile guest against the AHCI controller.
# guest-drivers/ahci_hostile runs as the PC's firmware (ahci_hostile.rom
# through vmmctl run --bios) with a CD, a disk and a read-only disk, all
# three holding a pattern written here. It attacks the HBA from inside
# (PRDTs outside RAM, bad FISes, NCQ tag misuse, wrong-device commands,
# resets and BAR moves with commands in flight, ...) and prints one KTAP
# line per case; each is surfaced here. Then: vmmctl's status is the
# guest's, no host file changed, the kernel log is clean, no VM is left.
. "$(dirname "$0")/lib.sh"
ktap_begin storage_hostile

HOSTILE_TIMEOUT=${HOSTILE_TIMEOUT:-300}

ensure_vmm; result $? "vmm loaded"

rom=$(payload ahci_hostile.rom)
if [ ! -f "$rom" ]; then
	not_ok "$rom missing (make -C guest-drivers)"
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
cp "$REF" "$D" && cp "$REF" "$D2"
[ "$(wc -c <"$REF")" -eq 2097152 ]; result $? "pattern disk images made (2 MiB)"
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
rm -f "$D" "$D2" "$REF" "$ISO"

dmesg_clean; result $? "no kernel warnings"
[ -s "$TMP/dmesg.bad" ] && diag_file "$TMP/dmesg.bad"
ktap_end
