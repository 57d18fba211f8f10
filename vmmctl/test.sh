#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# vmmctl unit tests as one KTAP suite: the util.c cases (TEST_UTIL prints
# "ok - DESC" lines) and the command line (argument parsing, usage errors,
# a missing device), which need no vmm module.
# Usage: test.sh TEST_UTIL VMMCTL. Last line: "# vmmctl: N passed, N failed".
util=${1:?usage: test.sh TEST_UTIL VMMCTL}
vmmctl=${2:?usage: test.sh TEST_UTIL VMMCTL}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vmmctl-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

n=0; pass=0; fail=0
ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $*"; }

echo "KTAP version 1"
echo "# Subtest: vmmctl"

"$util" >"$tmp/util.out" 2>&1
urc=$?
while IFS= read -r line; do
	case "$line" in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) not_ok "${line#not ok - }" ;;
	*) echo "$line" ;;
	esac
done <"$tmp/util.out"
if [ $urc -ne 0 ] && ! grep -q '^not ok' "$tmp/util.out"; then
	not_ok "test_util exited with $urc"
fi

# t DESC WANT_RC [STDERR_PATTERN] -- ARGS...: run vmmctl, check its exit
# status, that stderr matches the pattern, and that a failure printed
# exactly one line on stderr
t() {
	desc=$1 want=$2 pat=
	shift 2
	if [ "$1" != "--" ]; then pat=$1; shift; fi
	shift
	VMM_DEV=${DEV:-$tmp/no-such-vmm} "$vmmctl" "$@" \
		>"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	lines=$(wc -l <"$tmp/err")
	why=
	[ $rc -eq "$want" ] || why="exit $rc, want $want"
	if [ -n "$pat" ] && ! grep -q -- "$pat" "$tmp/err"; then
		why="${why:+$why; }stderr lacks '$pat'"
	fi
	if [ "$want" -ne 0 ] && [ "$lines" -ne 1 ]; then
		why="${why:+$why; }$lines lines on stderr"
	fi
	if [ -z "$why" ]; then
		ok "$desc"
	else
		not_ok "$desc"
		echo "# $why: vmmctl $*"
		sed 's/^/# stderr: /' "$tmp/err"
	fi
}

img=$tmp/img.bin
printf '\372\374\364' >"$img"			# cli; cld; hlt
dd if=/dev/zero of="$tmp/big.bin" bs=4096 count=3 2>/dev/null
: >"$tmp/empty.bin"

t "no command" 2 "missing command" --
t "--help" 0 -- --help
t "-h" 0 -- -h
t "help run" 0 -- help run
t "help stat" 0 -- help stat
t "run --help" 0 -- run --help
t "help unknown command" 2 "unknown command 'bogus'" -- help bogus
t "unknown command" 2 "unknown command 'bogus'" -- bogus
t "unknown top-level option" 2 "unknown option '--bogus'" -- --bogus
t "version" 0 -- version
t "version with argument" 2 "unexpected argument" -- version x
t "run --initrd without --kernel" 2 "need --kernel" -- run --initrd x
t "run unknown option" 2 "unknown option '--bogus'" -- run --image "$img" --bogus
t "run unknown short option" 2 "unknown option '-q'" -- run -q --image "$img"
t "run stray argument" 2 "unexpected argument 'extra'" -- run --image "$img" extra
t "run missing value" 2 "needs a value" -- run --image "$img" --mem
t "run empty value" 2 "non-empty value" -- run --image= --mem 16M
t "run flag with value" 2 "takes no value" -- run --image "$img" --stat=1
t "run bad number" 2 "invalid number '12Q'" -- run --image "$img" --mem 12Q
t "run negative number" 2 "invalid number" -- run --image "$img" --load -1
t "run mem too small" 2 "1M..64G" -- run --image "$img" --mem 512K
t "run mem too large" 2 "1M..64G" -- run --image "$img" --mem 65G
t "run mem unaligned" 2 "multiple of 4K" -- run --image "$img" --mem 1048577
t "run entry above 1 MiB" 2 "not below 1 MiB" -- run --image "$img" --mem 4M --load 0x100000 --entry 0x100000
t "run entry outside image" 2 "outside the image" -- run --image "$img" --entry 0x8003
t "run entry before image" 2 "outside the image" -- run --image "$img" --load 0x9000 --entry 0x8000
t "run missing image file" 2 "cannot open image" -- run --image "$tmp/nope.bin"
t "run image is a directory" 2 "not a regular file" -- run --image "$tmp"
t "run empty image" 2 "is empty" -- run --image "$tmp/empty.bin"
t "run image does not fit" 2 "does not fit" -- run --image "$tmp/big.bin" --mem 1M --load 0xfe000
t "run load beyond memory" 2 "does not fit" -- run --image "$img" --mem 1M --load 2M --entry 0x8000
t "run without device" 1 "is vmm.ko loaded?" -- run --image "$img"
t "run --opt=value syntax, no device" 1 "is vmm.ko loaded?" -- run --image="$img" --mem=32M --load=0x7c00 --entry=0x7c02 -s -v
t "run image at top of memory, no device" 1 "is vmm.ko loaded?" -- run --image "$tmp/big.bin" --mem 1M --load 0xfd000
t "stat without device" 1 "is vmm.ko loaded?" -- stat
t "stat VMID without device" 1 "is vmm.ko loaded?" -- stat 3
t "stat --json without device" 1 "is vmm.ko loaded?" -- stat --json
t "stat bad VMID" 2 "invalid VM id 'abc'" -- stat abc
t "stat VMID too large" 2 "invalid VM id" -- stat 4294967296
t "stat two VMIDs" 2 "unexpected argument '2'" -- stat 1 2
t "stat unknown option" 2 "unknown option" -- stat --bogus
t "help top" 0 -- help top
t "top without device" 1 "is vmm.ko loaded?" -- top -n 1
t "top --json without device" 1 "is vmm.ko loaded?" -- top --json --iterations 1
t "top bad interval" 2 "invalid interval" -- top --interval 5
t "top bad iterations" 2 "invalid iteration count" -- top -n 0
t "top unexpected argument" 2 "unexpected argument 'x'" -- top x
t "top unknown option" 2 "unknown option" -- top --bogus
# Drives: every bad file is refused before any VM exists (no device needed).
: >"$tmp/empty.img"
head -c 1048576 /dev/zero >"$tmp/raw.img"
head -c 1048576 /dev/zero >"$tmp/ro.img"
chmod 0444 "$tmp/ro.img"
# An ISO 9660 primary volume descriptor at sector 16 is what --iso wants.
head -c 40960 /dev/zero >"$tmp/fake.iso"
printf '\001CD001\001' | dd of="$tmp/fake.iso" bs=1 seek=32768 conv=notrunc 2>/dev/null
t "run --iso missing file" 2 "No such file" -- run --iso "$tmp/nope.iso"
t "run --iso directory" 2 "not a regular file" -- run --iso "$tmp"
t "run --iso empty file" 2 "not an ISO 9660 image" -- run --iso "$tmp/empty.img"
t "run --iso not an ISO" 2 "not an ISO 9660 image" -- run --iso "$tmp/raw.img"
t "run --disk missing file" 2 "No such file" -- run --disk "$tmp/nope.img"
t "run --disk directory" 2 "is a directory" -- run --disk "$tmp"
t "run --disk empty file" 2 "empty file" -- run --disk "$tmp/empty.img"
if [ "$(id -u)" -ne 0 ]; then
	t "run --disk read-only file as writable" 2 "add ,readonly" -- run --disk "$tmp/ro.img"
else
	echo "ok $((n + 1)) - run --disk read-only file as writable # SKIP root may write any file"
	n=$((n + 1)); pass=$((pass + 1))
fi
t "run --disk read-only file, readonly" 1 "is vmm.ko loaded?" -- run --disk "$tmp/ro.img,readonly"
t "run --disk bad option" 2 "unknown option 'rw'" -- run --disk "$tmp/raw.img,rw"
t "run --disk virtio, no device" 1 "is vmm.ko loaded?" -- run --disk "$tmp/raw.img,if=virtio,queues=2"
t "run --disk virtio readonly, no device" 1 "is vmm.ko loaded?" -- run --disk "$tmp/ro.img,readonly,if=virtio"
t "run --disk bad interface" 2 "unknown option 'if=scsi'" -- run --disk "$tmp/raw.img,if=scsi"
t "run --disk queues 0" 2 "queues takes 1..4" -- run --disk "$tmp/raw.img,if=virtio,queues=0"
t "run --disk queues 5" 2 "queues takes 1..4" -- run --disk "$tmp/raw.img,if=virtio,queues=5"
t "run --disk queues without virtio" 2 "queues= needs if=virtio" -- run --disk "$tmp/raw.img,queues=2"
t "run --disk virtio legacy=off, no device" 1 "is vmm.ko loaded?" -- run --disk "$tmp/raw.img,if=virtio,legacy=off"
t "run --disk legacy=off without virtio" 2 "legacy=off needs if=virtio" -- run --disk "$tmp/raw.img,legacy=off"
t "run --disk legacy=maybe" 2 "unknown option 'legacy=maybe'" -- run --disk "$tmp/raw.img,if=virtio,legacy=maybe"
t "run five virtio disks" 2 "at most 4 virtio disks" -- run --disk "$tmp/raw.img,if=virtio" --disk "$tmp/raw.img,if=virtio" --disk "$tmp/raw.img,if=virtio" --disk "$tmp/raw.img,if=virtio" --disk "$tmp/raw.img,if=virtio"
t "run --boot bad value" 2 "--boot takes cd or disk" -- run --boot floppy
t "run seven drives" 2 "at most 6 drives" -- run --iso "$tmp/fake.iso" --disk "$tmp/raw.img" --disk "$tmp/raw.img" --disk "$tmp/raw.img" --disk "$tmp/raw.img" --disk "$tmp/raw.img" --disk "$tmp/raw.img"
t "run --disk with --image" 2 "not an --image" -- run --image "$img" --disk "$tmp/raw.img"
t "run --iso and --disk, no device" 1 "is vmm.ko loaded?" -- run --iso "$tmp/fake.iso" --disk "$tmp/raw.img" --boot disk
t "help vdi" 0 -- help vdi
t "vdi --help" 0 -- vdi --help
t "vdi without subcommand" 2 "missing subcommand" -- vdi
t "vdi unknown subcommand" 2 "unknown subcommand 'bogus'" -- vdi bogus
t "vdi create without size" 2 "needs 2 arguments" -- vdi create "$tmp/a.vdi"
t "vdi create bad size" 2 "invalid size '12Q'" -- vdi create "$tmp/a.vdi" 12Q
t "vdi create zero size" 2 "invalid size" -- vdi create "$tmp/a.vdi" 0
t "vdi create" 0 -- vdi create "$tmp/a.vdi" 16M
t "vdi create existing file" 1 "File exists" -- vdi create "$tmp/a.vdi" 16M
t "vdi create --fixed" 0 -- vdi create --fixed "$tmp/f.vdi" 2M
t "vdi info" 0 -- vdi info "$tmp/a.vdi"
t "vdi info --json" 0 -- vdi info "$tmp/a.vdi" --json
t "vdi check clean" 0 -- vdi check "$tmp/a.vdi"
t "vdi --json outside info" 2 "option of info" -- vdi check --json "$tmp/a.vdi"
t "vdi --fixed outside create" 2 "options of create" -- vdi info --fixed "$tmp/a.vdi"
t "vdi unknown option" 2 "unknown option '--bogus'" -- vdi info --bogus "$tmp/a.vdi"
t "vdi info missing file" 1 "No such file" -- vdi info "$tmp/nope.vdi"
t "vdi info not a VDI" 2 "bad signature" -- vdi info "$tmp/big.bin"
t "vdi check not a VDI" 2 "bad signature" -- vdi check "$tmp/big.bin"
t "vdi check empty file" 2 "too short" -- vdi check "$tmp/empty.bin"
t "vdi resize fixed" 2 "fixed" -- vdi resize "$tmp/f.vdi" 4M
t "vdi resize shrink" 2 "only grow" -- vdi resize "$tmp/a.vdi" 8M
t "vdi resize grow" 0 -- vdi resize "$tmp/a.vdi" 1G
t "vdi compact" 0 -- vdi compact "$tmp/a.vdi"
# run --disk with a VDI (by content, not name): validated with the core's
# checks before any VM; a bad one is refused with the core's message.
"$vmmctl" vdi create "$tmp/g.vdi" 4M >/dev/null 2>&1
head -c 2097152 /dev/zero | "$vmmctl" vdi write "$tmp/g.vdi" 0 2>/dev/null
cp "$tmp/g.vdi" "$tmp/vdi-named.img"
moff=$(( $("$vmmctl" vdi info "$tmp/g.vdi" --json | sed -n 's/.*"offset_blocks": *\([0-9]*\).*/\1/p') ))
cp "$tmp/g.vdi" "$tmp/dup.vdi"
printf '\0\0\0\0' | dd of="$tmp/dup.vdi" bs=1 seek=$((moff + 4)) conv=notrunc 2>/dev/null
cp "$tmp/g.vdi" "$tmp/diff.vdi"
printf '\4' | dd of="$tmp/diff.vdi" bs=1 seek=$((0x4c)) conv=notrunc 2>/dev/null
cp "$tmp/g.vdi" "$tmp/ver.vdi"
printf '\2' | dd of="$tmp/ver.vdi" bs=1 seek=$((0x46)) conv=notrunc 2>/dev/null
head -c 4096 "$tmp/g.vdi" >"$tmp/short.vdi"
t "run --disk good VDI, no device" 1 "is vmm.ko loaded?" -- run --disk "$tmp/g.vdi"
t "run --disk VDI named .img, no device" 1 "is vmm.ko loaded?" -- run --disk "$tmp/vdi-named.img"
t "run --disk VDI with a shared block" 2 "two blocks share one data block (blocks 0 and 1" -- run --disk "$tmp/dup.vdi"
t "run --disk VDI diff image" 2 "needs its parent" -- run --disk "$tmp/diff.vdi"
t "run --disk VDI bad version" 2 "unsupported VDI version" -- run --disk "$tmp/ver.vdi"
t "run --disk VDI map beyond the file" 2 "--disk $tmp/short.vdi:" -- run --disk "$tmp/short.vdi"
# one writer per image: a lock held elsewhere refuses a writable drive
if command -v flock >/dev/null; then
	flock "$tmp/g.vdi" "$vmmctl" run --disk "$tmp/g.vdi" >"$tmp/out" 2>"$tmp/err"
	if [ $? -eq 2 ] && grep -q "is in use by another VM" "$tmp/err"; then
		ok "run --disk locked image: in use by another VM"
	else
		not_ok "run --disk locked image: in use by another VM"
		sed 's/^/# stderr: /' "$tmp/err"
	fi
	VMM_DEV=$tmp/no-such-vmm flock -s "$tmp/raw.img" "$vmmctl" run --disk "$tmp/raw.img,readonly" >"$tmp/out" 2>"$tmp/err"
	if [ $? -eq 1 ] && grep -q "is vmm.ko loaded" "$tmp/err"; then
		ok "run --disk readonly beside another reader"
	else
		not_ok "run --disk readonly beside another reader"
		sed 's/^/# stderr: /' "$tmp/err"
	fi
else
	echo "ok $((n + 1)) - run --disk locked image # SKIP no flock(1)"
	n=$((n + 1)); pass=$((pass + 1))
fi
DEV=/dev/null t "not a vmm device" 1 "VMM_GET_API_VERSION" -- run --image "$img"

echo "1..$n"
echo "# vmmctl: $pass passed, $fail failed"
[ $fail -eq 0 ]
