#!/bin/sh
# Mode "down" of the test host: a VM is running when the host reboots
# (vmm.down=reboot: reboot -f, the reboot notifier path) or panics
# (vmm.down=panic: sysrq-c, panic=-1 makes it an emergency restart through
# the kernel's emergency virtualization callback). Prints the end marker
# before it pulls the plug; tests/host/down-test.sh reads what the kernel
# printed after it and whether the machine really restarted.
. "$(dirname "$0")/lib.sh"
how=reboot
for arg in $(cat /proc/cmdline); do
	case "$arg" in vmm.down=*) how=${arg#vmm.down=} ;; esac
done

ensure_vmm || { echo "down: vmm did not load"; exit 1; }
"$VMMCTL" run --image "$(payload spin.bin)" >"$TMP/spin.out" 2>&1 &
vpid=$!
sleep 2
if ! kill -0 $vpid 2>/dev/null; then
	echo "down: the VM is not running"; cat "$TMP/spin.out"; exit 1
fi
grep -a "spin: spinning" "$TMP/spin.out" || { echo "down: no output from spin.bin"; exit 1; }
echo "down: VM running (pid $vpid), now: $how"
# the module's messages on the way down must reach the console
echo 8 >/proc/sys/kernel/printk
sleep 1
echo "VMM-TESTHOST-DONE rc=0 down=$how"
sleep 1
case "$how" in
reboot) reboot -f ;;
panic)
	echo 1 >/proc/sys/kernel/sysrq
	echo c >/proc/sysrq-trigger ;;
esac
sleep 30
echo "down: still here 30 s after $how"
