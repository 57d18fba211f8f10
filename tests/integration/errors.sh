#!/bin/sh
# Suite "errors": bad command lines for vmmctl, bad ioctl arguments
# (abi_test), and no kernel bug reports afterwards.
. "$(dirname "$0")/lib.sh"
ktap_begin errors

ensure_vmm; result $? "vmm loaded"

usage() { # DESC ARGS...: vmmctl ARGS must exit 2
	local desc=$1 rc
	shift
	run_to "$TMP/u.out" "$TMP/u.err" "$VMMCTL" "$@" </dev/null; rc=$?
	[ $rc -eq 2 ]; result $? "vmmctl $desc exits 2 (exit $rc)"
	[ $rc -ne 2 ] && diag_file "$TMP/u.err" 5
}
echo garbage >"$TMP/notanimage.bin"
usage "(no arguments)"
usage "bogus-command" bogus-command
usage "run --bios /nonexistent" run --bios /nonexistent/bios.bin
usage "run --kernel /nonexistent" run --kernel /nonexistent/bzImage
usage "run --kernel (not a bzImage)" run --kernel "$TMP/notanimage.bin"
usage "run --initrd without --kernel" run --initrd "$TMP/notanimage.bin"
usage "run --kernel with --image" run --image "$(payload halt.bin)" --kernel "$TMP/notanimage.bin"
usage "run --image (missing value)" run --image
usage "run --bogus-option" run --image "$(payload halt.bin)" --bogus-option
usage "run --image /nonexistent" run --image /nonexistent/x.bin
usage "run --mem 12345 (unaligned)" run --image "$(payload halt.bin)" --mem 12345
usage "run --mem 1T (too big)" run --image "$(payload halt.bin)" --mem 1T
usage "run --cpus 0" run --cpus 0
usage "run --cpus 17 (more than VMM_MAX_VCPUS)" run --cpus 17
usage "run --cpus 2 with --image" run --image "$(payload halt.bin)" --cpus 2
usage "run --load 0x12345678 (bad address)" run --image "$(payload halt.bin)" --load 0x1234567890
usage "stat notanumber" stat notanumber

if [ -x "$ABI_TEST" ]; then
	run_to "$TMP/abi.out" "$TMP/abi.err" "$ABI_TEST"; rc=$?
	surface "abi: " "$TMP/abi.out"
	grep -q '^# abi: ' "$TMP/abi.out"; r=$?
	[ $r -eq 0 ] && [ $rc -le 1 ]
	result $? "abi_test ran to the end (exit $rc)"
	diag_file "$TMP/abi.err" 10
else
	not_ok "abi_test present ($ABI_TEST)"
fi

n=$(live_vms); [ "${n:-x}" = 0 ]; result $? "no VM left behind (${n:-unknown} live)"
dmesg_clean; rc=$?; [ $rc -ne 0 ] && diag_file "$TMP/dmesg.bad"
result $rc "dmesg has no BUG/WARNING/Oops/general protection"
ktap_end
