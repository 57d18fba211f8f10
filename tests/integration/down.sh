#!/bin/sh
# Mode "down" of the test host: a VM is running when the host reboots
# (vmm.down=reboot: reboot -f, the reboot notifier path) or panics
# (vmm.down=panic: sysrq-c, panic=-1 makes it an emergency restart through
# the kernel's emergency virtualization callback) or kexecs into the same
# kernel (vmm.down=kexec: the reboot notifier path, then the new kernel,
# booted with vmm.down=kexec2, loads vmm.ko again and runs a VM). Prints
# the end marker before it pulls the plug (kexec: the second kernel prints
# it); tests/host/down-test.sh reads what the kernel printed after it and
# whether the machine really restarted.
. "$(dirname "$0")/lib.sh"
how=reboot
for arg in $(cat /proc/cmdline); do
	case "$arg" in vmm.down=*) how=${arg#vmm.down=} ;; esac
done

# The kernel kexec started: virtualization must be usable again (EFER.SVME
# or VMX operation left behind would make this fail).
if [ "$how" = kexec2 ]; then
	echo "down: kexec: new kernel $(uname -r) up"
	ensure_vmm || { echo "down: kexec: vmm did not load in the new kernel"; exit 1; }
	"$VMMCTL" run --image "$(payload spin.bin)" >"$TMP/spin.out" 2>&1 &
	vpid=$!
	sleep 2
	rc=0
	if kill -0 $vpid 2>/dev/null && grep -aq "spin: spinning" "$TMP/spin.out"; then
		echo "down: kexec: VM running in the new kernel"
	else
		echo "down: kexec: no VM in the new kernel"; cat "$TMP/spin.out"; rc=1
	fi
	kill $vpid 2>/dev/null; wait $vpid 2>/dev/null
	dmesg_clean || { echo "down: kexec: kernel log:"; cat "$TMP/dmesg.bad"; rc=1; }
	exit $rc
fi

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
if [ "$how" = kexec ]; then
	# load it while the VM runs; the second kernel prints the end marker
	args=$(sed 's/vmm\.down=[^ ]*//' /proc/cmdline)
	kexec -l /boot/vmlinuz --initrd=/boot/initrd-kexec.cpio.gz \
		--append="$args vmm.down=kexec2" || { echo "down: kexec -l failed"; exit 1; }
	echo "down: kexec loaded"
	kexec -e
	echo "down: kexec -e returned"
	exit 1
fi
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
