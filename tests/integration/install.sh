#!/bin/sh
# Suite "install": vmm installed like a driver (issue 13), in the test host.
# The vmm.ko that DKMS built and installed on the build machine
# (tests/packaging/test.sh keeps it in out/dkms/; mkinitramfs.sh puts it
# where DKMS installs it, /lib/modules/KVER/updates/dkms/) is loaded from
# there by modprobe; /dev/vmm gets the group and mode of the udev rule
# vmmctl installs (the test host runs no udev: this suite applies the
# rule's GROUP and MODE itself); a user in group vmm opens it and one
# outside is refused. Then, as that user, `vmmctl run --kernel` boots the
# multiboot test kernel (tests/guest/mbkernel.c; ELF and a.out kludge) with
# two modules and a command line, and the test host's own vmlinux through
# its PVH entry: each prints what it received and ends the VM.
. "$(dirname "$0")/lib.sh"
ktap_begin install

GUEST=${GUEST_DIR:-/guest}
KVER=$(uname -r)
DKMS_KO=/lib/modules/$KVER/updates/dkms/vmm.ko
RULE=/lib/udev/rules.d/60-vmm.rules
INSTALL_TIMEOUT=${INSTALL_TIMEOUT:-400}

# ---- the module from the DKMS install location ----------------------
if [ -f "$DKMS_KO" ]; then
	# .modinfo strings (busybox modinfo has no -F)
	mi() { tr '\0' '\n' <"$1" | sed -n "s/^$2=//p" | head -n1; }
	vm=$(mi "$DKMS_KO" vermagic)
	case "$vm" in "$KVER "*) r=0 ;; *) r=1 ;; esac
	result $r "DKMS-built vmm.ko in /lib/modules/$KVER/updates/dkms is for this kernel ($vm)"
	if vmm_loaded; then rmmod vmm; fi
	depmod "$KVER" >"$TMP/depmod.out" 2>&1
	modprobe vmm >"$TMP/modprobe.out" 2>&1
	r=$?
	if [ $r -eq 0 ] && vmm_loaded; then
		ok "modprobe vmm loads it (depmod, modules.dep: $(grep -o 'updates/dkms/vmm.ko' /lib/modules/"$KVER"/modules.dep))"
	else
		not_ok "modprobe vmm loads it"
		diag_file "$TMP/depmod.out"; diag_file "$TMP/modprobe.out"
		insmod "$DKMS_KO" >/dev/null 2>&1
	fi
	# the only vmm.ko modprobe can find is DKMS's (the other suites' is
	# /lib/vmm/vmm.ko, outside /lib/modules)
	deps=$(grep -o '[^ :]*vmm\.ko' /lib/modules/"$KVER"/modules.dep 2>/dev/null | tr '\n' ' ')
	case "$deps" in *" "*" "*) r=1 ;; *updates/dkms/vmm.ko" ") r=0 ;; *) r=1 ;; esac
	[ $r -eq 0 ] && vmm_loaded
	result $? "the loaded module is the DKMS-built one (modules.dep: $deps)"
else
	skip "vmm.ko from the DKMS install location" "no $DKMS_KO (tests/packaging/test.sh builds it; tests/run-all.sh runs that first)"
	ensure_vmm
fi
i=0
while [ ! -c /dev/vmm ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done

# ---- /dev/vmm for group vmm -----------------------------------------
grp=$(sed -n 's/.*KERNEL=="vmm".*GROUP="\([^"]*\)".*/\1/p' "$RULE" 2>/dev/null)
mode=$(sed -n 's/.*KERNEL=="vmm".*MODE="\([0-7]*\)".*/\1/p' "$RULE" 2>/dev/null)
[ "$grp" = vmm ] && [ "$mode" = 0660 ]
result $? "udev rule names group vmm, mode 0660 ($RULE: '$grp' '$mode')"
[ -f /etc/passwd ] || echo "root:x:0:0:root:/root:/bin/sh" >/etc/passwd
[ -f /etc/group ] || echo "root:x:0:" >/etc/group
grep -q '^vmm:' /etc/group || {
	echo "vmm:x:990:alice" >>/etc/group
	echo "alice:x:1000:" >>/etc/group
	echo "bob:x:1001:" >>/etc/group
	echo "alice:x:1000:1000:in group vmm:/:/bin/sh" >>/etc/passwd
	echo "bob:x:1001:1001:not in group vmm:/:/bin/sh" >>/etc/passwd
}
chgrp "$grp" /dev/vmm && chmod "$mode" /dev/vmm
perm=$(stat -c '%A %G' /dev/vmm 2>/dev/null)
[ "$perm" = "crw-rw---- vmm" ]
result $? "/dev/vmm: $perm"

# as USER CMD...: run CMD as USER (su sets the groups from /etc/group)
as() {
	_u=$1; shift
	su -s /bin/sh "$_u" -c "$*"
}
as alice "id" >"$TMP/id.out" 2>&1
diag "alice: $(cat "$TMP/id.out")"
as alice "$VMMCTL stat" >"$TMP/alice.out" 2>&1
result $? "a user in group vmm opens /dev/vmm (vmmctl stat)"
as bob "$VMMCTL stat" >"$TMP/bob.out" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q "Permission denied" "$TMP/bob.out"
result $? "a user outside group vmm is refused (exit $rc: $(head -n1 "$TMP/bob.out"))"
as alice "$VMMCTL run --image $(payload halt.bin)" >"$TMP/halt.out" 2>&1
result $? "a user in group vmm runs a VM (halt.bin)"

# ---- multiboot ------------------------------------------------------
# mb_boot KERNEL: as alice, with a command line and two modules
mb_boot() {
	O=$TMP/mb.out; E=$TMP/mb.err
	as alice "timeout $INSTALL_TIMEOUT $VMMCTL run --mem 64M --kernel $1 --append 'hello=world x' \
		--initrd '$GUEST/mb-mod1.txt one arg,$GUEST/mb-mod2.txt two'" >"$O" 2>"$E"
	rc=$?
	tr -d '\r' <"$O" >"$O.txt"
}
mb_has() { grep -qF -- "$1" "$O.txt"; }
for k in mbkernel.elf mbkernel-aout.bin; do
	if [ ! -f "$GUEST/$k" ]; then
		not_ok "multiboot $k: not in the test host (mkinitramfs.sh builds it)"
		continue
	fi
	mb_boot "$GUEST/$k"
	[ $rc -eq 42 ] && mb_has "MB-DONE"
	result $? "multiboot $k: boots and exits through port 0xf4 (exit $rc)"
	mb_has "MB-MAGIC: 0x2badb002" && mb_has "MB-BSS: zero"
	result $? "multiboot $k: EAX = 0x2badb002, bss cleared"
	mb_has "MB-CMDLINE: $GUEST/$k hello=world x" && mb_has "MB-LOADER: vmmctl" &&
		mb_has "MB-FLAGS: 0x24d"
	result $? "multiboot $k: command line \"FILE ARGS\", boot loader name, info flags"
	mb_has "MB-MODS: 2" &&
		mb_has "MB-MOD: 0 string '$GUEST/mb-mod1.txt one arg' bytes 33 page-aligned data 'first module payload'" &&
		mb_has "MB-MOD: 1 string '$GUEST/mb-mod2.txt two' bytes 14 page-aligned data 'second module'"
	result $? "multiboot $k: two modules with their strings and contents"
	mb_has "MB-MEM: lower 616 KiB upper 64512 KiB" && mb_has "MB-MMAP-RAM: 63 MiB"
	result $? "multiboot $k: memory sizes and map"
	grep '^MB-' "$O.txt" | diag "$(cat)"
	diag_file "$E" 10
done

# ---- PVH: the test host's own vmlinux --------------------------------
if [ -f "$GUEST/vmlinux" ] && [ -f "$GUEST/initrd.cpio.gz" ]; then
	O=$TMP/pvh.out; E=$TMP/pvh.err
	magic=$(head -c 4 "$GUEST/vmlinux" | od -An -tx1 | tr -d ' \n')
	as alice "timeout $INSTALL_TIMEOUT $VMMCTL run --kernel $GUEST/vmlinux --initrd $GUEST/initrd.cpio.gz \
		--append 'console=ttyS0 panic=-1' --mem 256M --no-reboot" >"$O" 2>"$E"
	rc=$?
	tr -d '\r' <"$O" >"$O.txt"
	[ "$magic" = 7f454c46 ] && [ $rc -eq 0 ] && grep -q "GUEST-INIT: reached /init" "$O.txt" &&
		grep -q "GUEST-POWEROFF" "$O.txt"
	result $? "pvh: the host's vmlinux (ELF, PVH note) boots to /init and powers off (exit $rc)"
	grep -q "GUEST-CMDLINE: console=ttyS0 panic=-1" "$O.txt"
	result $? "pvh: the command line and the initrd (module 0: its /init ran) reached the kernel"
	grep -E 'GUEST-INIT|GUEST-CMDLINE|GUEST-CPUS|GUEST-POWEROFF|Kernel panic' "$O.txt" | diag "$(cat)"
	[ $rc -eq 0 ] || { diag_file "$O.txt" 40; diag_file "$E" 10; }
else
	skip "pvh: the host's vmlinux boots" "no $GUEST/vmlinux or guest initramfs (qemu-amd.sh passes VMLINUX to mkinitramfs.sh; the Bochs host does not)"
fi

dmesg_clean
result $? "no kernel warnings"
[ -s "$TMP/dmesg.bad" ] && diag_file "$TMP/dmesg.bad"
ktap_end
