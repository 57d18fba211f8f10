#!/bin/sh
# vmm.mode=demo: load the module and run the guest selftest with its
# console on the serial line, then show the exit statistics.
. "$(dirname "$0")/lib.sh"
echo "== vmm demo: insmod vmm.ko"
ensure_vmm || { echo "demo: cannot load vmm.ko"; dmesg | tail -n 20; exit 1; }
dmesg | grep -i vmm | tail -n 3
echo "== vmmctl run --image selftest.bin"
"$VMMCTL" run --image "$(payload selftest.bin)" </dev/null
rc=$?
echo "== vmmctl exit status: $rc"
echo "== vmmctl stat"
"$VMMCTL" stat
exit $rc
