#!/bin/sh
# vmm.mode=demo: load the module, run the guest selftest with its console
# on the serial line, boot a PC: Debian's kernel directly into a busybox
# /init that powers off, then the sample ISO through SeaBIOS from the AHCI
# CD with a SATA disk, to its shell, where a few commands are typed (the
# disk test among them) before it powers off; exit statistics at the end.
. "$(dirname "$0")/lib.sh"
echo "== vmm demo: insmod vmm.ko"
ensure_vmm || { echo "demo: cannot load vmm.ko"; dmesg | tail -n 20; exit 1; }
dmesg | grep -i vmm | tail -n 3
echo "== vmmctl run --image selftest.bin"
"$VMMCTL" run --image "$(payload selftest.bin)" </dev/null
rc=$?
echo "== vmmctl exit status: $rc"
if [ -f /guest/vmlinuz ]; then
	echo "== vmmctl run --kernel /guest/vmlinuz --initrd /guest/initrd.cpio.gz --stat"
	"$VMMCTL" run --kernel /guest/vmlinuz --initrd /guest/initrd.cpio.gz \
		--append "console=ttyS0 quiet" --stat </dev/null
	r=$?
	echo "== vmmctl exit status: $r (0: the guest powered off)"
	[ $rc -ne 0 ] || rc=$r
fi
iso=/guest/test-isolinux.iso
if [ -f "$iso" ]; then
	disk=/tmp/demo-disk.img
	rm -f "$disk"; truncate -s 64M "$disk"
	out=/tmp/demo-iso.out
	: >"$out"
	echo "== vmmctl run --iso $iso --disk $disk --stat"
	{
		i=0
		while ! grep -q ISO-SHELL "$out" && [ $i -lt 600 ]; do sleep 0.5; i=$((i + 1)); done
		sleep 0.5
		for cmd in "uname -a" "cat /proc/partitions" "ls -l /cdrom /cdrom/boot" \
			   "disktest" "poweroff -f"; do
			echo "$cmd"
			sleep 1
		done
		while ! grep -q "^== iso exit" "$out" && [ $i -lt 600 ]; do sleep 0.5; i=$((i + 1)); done
	} | { timeout 400 "$VMMCTL" run --iso "$iso" --disk "$disk" --mem 256M \
		--no-reboot --stat; echo "== iso exit $?"; } | tee "$out"
	r=$(sed -n 's/^== iso exit //p' "$out")
	echo "== vmmctl exit status: ${r:-?} (0: the guest powered off)"
	[ $rc -ne 0 ] || rc=${r:-1}
	rm -f "$disk"
fi
echo "== vmmctl stat"
"$VMMCTL" stat
exit $rc
