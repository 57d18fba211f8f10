#!/bin/sh
# vmm.mode=demo: load the module, run the guest selftest with its console
# on the serial line, then boot a PC: Debian's kernel directly into a
# busybox /init that powers off, with the exit statistics at the end.
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
echo "== vmmctl stat"
"$VMMCTL" stat
exit $rc
