#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A VDI the guest wrote through the kernel backend (the storage suite's
# "interop" image, printed gzip+base64 into the test host's console log)
# read by the independent tools: qemu-img check is clean, qemu-img's raw
# conversion, 7zz's extraction and vmmctl vdi cat agree, and each block
# holds what the guest wrote (block 1 was trimmed: zeros).
# Usage: kernel-image.sh [SERIAL_LOG] (default out/testhost/serial-test.log)
top=$(cd "$(dirname "$0")/../.." && pwd)
log=${1:-$top/out/testhost/serial-test.log}
vmmctl=${VMMCTL:-$top/vmmctl/vmmctl}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vdi-kimg.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $*"; }
res() { if [ "$1" -eq 0 ]; then ok "$2"; else not_ok "$2"; fi; }

echo "KTAP version 1"
echo "# Subtest: vdi-kernel-image"
if ! grep -aq "# VDI-IMAGE-BEGIN" "$log" 2>/dev/null; then
	echo "ok 1 - kernel-written VDI image # SKIP none in $log (storage suite not run)"
	echo "1..1"
	echo "# vdi-kernel-image: 1 passed, 0 failed"
	exit 0
fi
tr -d '\r' <"$log" | sed -n '/# VDI-IMAGE-BEGIN/,/# VDI-IMAGE-END/s/^# b64 //p' |
	base64 -d 2>/dev/null | gunzip >"$tmp/k.vdi" 2>/dev/null
[ -s "$tmp/k.vdi" ]; res $? "the image is in $log ($(wc -c <"$tmp/k.vdi") bytes)"
if [ -s "$tmp/k.vdi" ]; then
	"$vmmctl" vdi check "$tmp/k.vdi" >/dev/null 2>&1; res $? "vmmctl vdi check"
	if command -v qemu-img >/dev/null; then
		qemu-img check -f vdi "$tmp/k.vdi" >"$tmp/qc" 2>&1; rc=$?
		res $rc "qemu-img check is clean"
		[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/qc"
		qemu-img convert -f vdi -O raw "$tmp/k.vdi" "$tmp/q.raw"
		"$vmmctl" vdi cat "$tmp/k.vdi" >"$tmp/v.raw"
		cmp -s "$tmp/q.raw" "$tmp/v.raw"; res $? "qemu-img convert and vmmctl vdi cat read the same"
	fi
	if command -v 7zz >/dev/null; then
		mkdir "$tmp/7"
		(cd "$tmp/7" && 7zz e -y ../k.vdi >/dev/null 2>&1)
		f=$(ls "$tmp/7" | head -n 1)
		[ -n "$f" ] && cmp -s "$tmp/7/$f" "$tmp/v.raw"
		res $? "7zz extracts the same disk"
	fi
	good=0
	for k in 0 2 3; do
		dd if="$tmp/v.raw" bs=512 skip=$((k * 2048 + k * 8)) count=1 2>/dev/null |
			grep -aq "VMM-INTEROP-BLOCK-$k" && good=$((good + 1))
	done
	[ $good -eq 3 ]; res $? "blocks 0, 2, 3 hold the guest's sectors"
	[ "$(dd if="$tmp/v.raw" bs=1M skip=1 count=1 2>/dev/null | tr -d '\000' | wc -c)" -eq 0 ]
	res $? "the trimmed block 1 reads as zeros"
	"$vmmctl" vdi info "$tmp/k.vdi" | grep -E "blocks allocated|file size" | sed 's/^/# /'
fi
echo "1..$n"
echo "# vdi-kernel-image: $((n - fail)) passed, $fail failed"
[ $fail -eq 0 ]
