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
#
# vmm.down=kdump (the VT-x host, where every boot costs minutes: /init runs
# it after the test suites when booted with vmm.then=kdump, with the suites'
# status in $VMM_RC): a crash kernel is loaded (kexec -p; the host booted
# with crashkernel=), a VM runs, the host panics: the emergency callback
# must leave VMX before the crash kernel starts. The crash kernel (booted
# with vmm.down=kdump2) loads vmm.ko and runs a VM (VMX must be usable),
# prints the end marker with the first kernel's status, and reboots with
# that VM running (the reboot notifier). tests/host/down-test.sh --log
# judges the console.
. "$(dirname "$0")/lib.sh"
# spin_up PID: wait (up to 30 s) until the VM of vmmctl PID prints that it
# spins; a fixed sleep would cost minutes under Bochs, where a spinning VM
# halves the speed of everything else
spin_up() {
	_w=0
	while [ $_w -lt 300 ] && kill -0 "$1" 2>/dev/null &&
	      ! grep -aq "spin: spinning" "$TMP/spin.out"; do
		sleep 0.1; _w=$((_w + 1))
	done
}
how=reboot
first_rc=0
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	vmm.down=*) how=${arg#vmm.down=} ;;
	vmm.rc=*) first_rc=${arg#vmm.rc=} ;;
	esac
done
[ -n "${1:-}" ] && how=$1

# The crash kernel of the kdump chain: the same checks as after kexec, then
# a reboot with the VM running.
if [ "$how" = kdump2 ]; then
	echo "down: kdump: crash kernel $(uname -r) up"
	rc=0
	ensure_vmm || { echo "down: kdump: vmm did not load in the crash kernel"; rc=1; }
	"$VMMCTL" run --image "$(payload spin.bin)" >"$TMP/spin.out" 2>&1 &
	vpid=$!
	spin_up $vpid
	dmesg_clean || { echo "down: kdump: kernel log:"; cat "$TMP/dmesg.bad"; rc=1; }
	[ "$first_rc" != 0 ] && rc=$first_rc
	# From here on through the kernel log, which the console sends at
	# once: a spinning VM slows the tty's own writes (Bochs), and the
	# reboot would cut them off.
	echo 8 >/proc/sys/kernel/printk
	if kill -0 $vpid 2>/dev/null && grep -aq "spin: spinning" "$TMP/spin.out"; then
		echo "down: kdump: VM running in the crash kernel (pid $vpid), now: reboot" >/dev/kmsg
	else
		echo "down: kdump: no VM in the crash kernel"; cat "$TMP/spin.out"; rc=1
	fi
	echo "VMM-TESTHOST-DONE rc=$rc down=kdump" >/dev/kmsg
	reboot -f
	sleep 30
	echo "down: still here 30 s after reboot"
	exit 1
fi

# The kernel kexec started: virtualization must be usable again (EFER.SVME
# or VMX operation left behind would make this fail).
if [ "$how" = kexec2 ]; then
	echo "down: kexec: new kernel $(uname -r) up"
	ensure_vmm || { echo "down: kexec: vmm did not load in the new kernel"; exit 1; }
	"$VMMCTL" run --image "$(payload spin.bin)" >"$TMP/spin.out" 2>&1 &
	vpid=$!
	spin_up $vpid
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
if [ "$how" = kdump ]; then
	# the crash kernel, loaded before the VM starts (as a kdump service
	# does at boot): the host's arguments for the down mode, without the
	# reservation, the suites and the chain request
	args=$(tr ' ' '\n' </proc/cmdline | grep -Ev '^(crashkernel|vmm\.(mode|down|then|suites|rc))=' | tr '\n' ' ')
	echo "down: loading the crash kernel (uptime $(cut -d' ' -f1 /proc/uptime))"
	# -i: no checksum of the segments (at load, and in purgatory before
	# the crash kernel): minutes under Bochs, and not what is tested here
	kexec -p -i /boot/vmlinuz --initrd=/boot/initrd-kexec.cpio.gz \
		--append="$args vmm.mode=down vmm.down=kdump2 vmm.rc=${VMM_RC:-0} nr_cpus=1 reset_devices" ||
		{ echo "down: kexec -p failed"; exit 1; }
	[ "$(cat /sys/kernel/kexec_crash_loaded 2>/dev/null)" = 1 ] ||
		{ echo "down: no crash kernel loaded"; exit 1; }
	echo "down: crash kernel loaded (uptime $(cut -d' ' -f1 /proc/uptime))"
fi
# our emergency callback registers only while KVM is not loaded (an earlier
# suite may have loaded it)
[ "$how" = kdump ] && rmmod kvm_intel kvm_amd kvm 2>/dev/null
"$VMMCTL" run --image "$(payload spin.bin)" >"$TMP/spin.out" 2>&1 &
vpid=$!
spin_up $vpid
if ! kill -0 $vpid 2>/dev/null; then
	echo "down: the VM is not running"; cat "$TMP/spin.out"; exit 1
fi
grep -a "spin: spinning" "$TMP/spin.out" || { echo "down: no output from spin.bin"; exit 1; }
echo "down: VM running (pid $vpid), now: $how"
# the module's messages on the way down must reach the console
echo 8 >/proc/sys/kernel/printk
if [ "$how" = kdump ]; then
	# the console may still be sending the line above when the panic
	# stops the tty: say it through the kernel log too, which the panic
	# cannot overtake
	echo "down: VM running (pid $vpid), now: kdump" >/dev/kmsg
	echo 1 >/proc/sys/kernel/sysrq
	echo c >/proc/sysrq-trigger
	sleep 30
	echo "down: still here 30 s after the panic"
	exit 1
fi
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
