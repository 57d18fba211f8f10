#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# VDI interop tests: vmmctl's VDI code (module/core/vdi.c through
# `vmmctl vdi`) against qemu-img and 7zz, on images made by qemu-img, by
# vmmctl, and by mkvdi.py straight from the format (VirtualBox's layout
# with 1 MiB-aligned map and data, block-extra, odd block sizes, v0.2).
# Prints KTAP and a last line "# vdi-interop: N passed, N failed".
#
#   tests/vdi/interop.sh [VMMCTL]
set -u
here=$(cd "$(dirname "$0")" && pwd)
V=${1:-$here/../../vmmctl/vmmctl}
MK="python3 $here/mkvdi.py"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vdi-interop.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

n=0; pass=0; fail=0
ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $*"; }
# t DESC CMD...: ok if CMD succeeds
t() { local d=$1; shift; if "$@" >out.log 2>&1; then ok "$d"; else not_ok "$d"; sed 's/^/# /' out.log | head -20; fi; }

echo "KTAP version 1"
echo "# Subtest: vdi-interop"
for tool in qemu-img 7zz python3; do
	if ! command -v $tool >/dev/null; then
		echo "not ok 1 - $tool missing (scripts/setup.sh installs it)"
		echo "# vdi-interop: 0 passed, 1 failed"
		exit 1
	fi
done
if [ ! -x "$V" ]; then
	echo "not ok 1 - $V not built"
	echo "# vdi-interop: 0 passed, 1 failed"
	exit 1
fi

# same_qemu IMG: vmmctl's reader equals qemu-img's raw conversion
same_qemu() {
	rm -f q.raw
	qemu-img convert -O raw "$1" q.raw && "$V" vdi cat "$1" >v.raw && cmp q.raw v.raw
}
# same_raw IMG RAW: vmmctl's reader equals RAW
same_raw() { "$V" vdi cat "$1" >v.raw && cmp v.raw "$2"; }
# same_7z IMG: 7zz's extraction equals qemu-img's (7zz names it BASE.img)
same_7z() {
	local b
	b=$(basename "$1" .vdi)
	rm -rf x && mkdir x && 7zz x -y -ox "$1" >/dev/null && [ -f "x/$b.img" ] &&
		qemu-img convert -O raw "$1" q.raw && cmp "x/$b.img" q.raw
}
qcheck() { qemu-img check "$1" >qc.log 2>&1 && grep -q "No errors" qc.log; }
vcheck() { "$V" vdi check "$1" >vc.log 2>&1; }
# write_both IMG RAW OFFSET LEN: the same random bytes through vmmctl's
# writer into IMG and with dd into the raw shadow RAW
write_both() {
	head -c "$4" /dev/urandom >chunk
	"$V" vdi write "$1" "$3" <chunk &&
		dd if=chunk of="$2" bs=64K oflag=seek_bytes seek="$3" conv=notrunc status=none
}

# --- 1. images qemu-img makes ----------------------------------------------
qemu-img create -q -f vdi qd.vdi 64M
t "qemu-img dynamic: vmmctl vdi info accepts it" "$V" vdi info qd.vdi
t "qemu-img dynamic: vmmctl vdi check clean" vcheck qd.vdi
t "qemu-img dynamic: reads as qemu-img convert -O raw" same_qemu qd.vdi
qemu-img create -q -f vdi -o static=on qs.vdi 16M
t "qemu-img static: info says fixed" bash -c "'$V' vdi info --json qs.vdi | grep -q '\"type\": 2'"
t "qemu-img static: vmmctl vdi check clean" vcheck qs.vdi
t "qemu-img static: reads as qemu-img" same_qemu qs.vdi
# a random raw disk with holes, converted
head -c $((3 << 20)) /dev/urandom >r.raw
head -c $((2 << 20)) /dev/zero >>r.raw
head -c $((1 << 20)) /dev/urandom >>r.raw
head -c $((1 << 20)) /dev/zero >>r.raw
head -c 777216 /dev/urandom >>r.raw		# not a block multiple
qemu-img convert -O vdi r.raw qc.vdi
t "qemu-img convert dynamic: check clean" vcheck qc.vdi
t "qemu-img convert dynamic: reads byte-identical to the source" same_raw qc.vdi r.raw
t "qemu-img convert dynamic: reads as qemu-img" same_qemu qc.vdi
qemu-img convert -O vdi -o static=on r.raw qcs.vdi
t "qemu-img convert static: reads byte-identical" same_raw qcs.vdi r.raw
# qemu-img writes into a vdi; we read it
qemu-img create -q -f vdi qw.vdi 8M
qemu-io -c "write -P 0x5a 1536 3M" qw.vdi >/dev/null 2>&1 ||
	qemu-img dd -f raw -O vdi if=r.raw of=qw.vdi bs=1M count=8 >/dev/null 2>&1
t "qemu-img written image reads as qemu-img" same_qemu qw.vdi

# --- 2. images vmmctl makes --------------------------------------------------
"$V" vdi create vd.vdi 32M
t "vmmctl create: qemu-img check clean" qcheck vd.vdi
t "vmmctl create: qemu-img info reads the size" bash -c "qemu-img info vd.vdi | grep -q '33554432 bytes'"
t "vmmctl create: VirtualBox layout (0x190, map 1M, data 2M)" bash -c \
	"'$V' vdi info --json vd.vdi | grep -q '\"header_size\": 400' && '$V' vdi info --json vd.vdi | grep -q '\"offset_data\": 2097152'"
truncate -s 32M vd.raw
write_both vd.vdi vd.raw 1000 3000000 && write_both vd.vdi vd.raw $((20 << 20)) 1048576 &&
	write_both vd.vdi vd.raw $(((32 << 20) - 4096)) 4096 && write_both vd.vdi vd.raw 2000 10
t "vmmctl writes: qemu-img check clean" qcheck vd.vdi
t "vmmctl writes: vmmctl vdi check clean" vcheck vd.vdi
t "vmmctl writes: qemu-img reads what was written" bash -c "qemu-img convert -O raw vd.vdi q.raw && cmp q.raw vd.raw"
t "vmmctl writes: 7zz reads the same" same_7z vd.vdi
t "vmmctl writes: vmmctl reads the same" same_raw vd.vdi vd.raw
t "vmmctl writes: info counts 5 allocated blocks" bash -c "'$V' vdi info --json vd.vdi | grep -q '\"blocks_mapped\": 5,'"

"$V" vdi create --fixed vf.vdi 8M
t "vmmctl create --fixed: qemu-img check clean" qcheck vf.vdi
truncate -s 8M vf.raw
write_both vf.vdi vf.raw 12345 2000000
t "vmmctl fixed written: qemu-img reads it" bash -c "qemu-img convert -O raw vf.vdi q.raw && cmp q.raw vf.raw"
t "vmmctl fixed written: 7zz reads it" same_7z vf.vdi

"$V" vdi create --qemu-layout vq.vdi 8M
truncate -s 8M vq.raw
write_both vq.vdi vq.raw 5000 1500000
t "vmmctl qemu layout: qemu-img check clean" qcheck vq.vdi
t "vmmctl qemu layout: qemu-img and 7zz read it" bash -c "qemu-img convert -O raw vq.vdi q.raw && cmp q.raw vq.raw"
t "vmmctl qemu layout: 7zz reads it" same_7z vq.vdi

# qemu-img writes into our image, after our writes: it allocates at the
# header's count, so our count must be right
cp vd.vdi vqw.vdi
cp vd.raw vqw.raw
if qemu-io -c "write -P 0x77 $((9 << 20)) 1536" vqw.vdi >/dev/null 2>&1; then
	python3 -c "f=open('vqw.raw','r+b'); f.seek(9 << 20); f.write(b'\x77' * 1536)"
	t "qemu-io writes into a vmmctl image: check clean, reads right" bash -c \
		"qemu-img check vqw.vdi >/dev/null && '$V' vdi check vqw.vdi >/dev/null && '$V' vdi cat vqw.vdi | cmp - vqw.raw"
fi

# random writes, discards and a compact, compared with a raw shadow
"$V" vdi create rw.vdi 16M
truncate -s 16M rw.raw
for i in $(seq 1 24); do
	off=$(( (RANDOM * 32768 + RANDOM) % (16 << 20) ))
	len=$(( RANDOM * 8 % 1500000 + 1 ))
	[ $((off + len)) -gt $((16 << 20)) ] && len=$(((16 << 20) - off))
	write_both rw.vdi rw.raw $off $len || break
	if [ $((i % 8)) = 0 ]; then
		blk=$((RANDOM % 16))
		"$V" vdi discard rw.vdi $((blk << 20)) $((1 << 20)) &&
			dd if=/dev/zero of=rw.raw bs=1M seek=$blk count=1 conv=notrunc status=none
	fi
done
"$V" vdi compact rw.vdi >/dev/null
t "24 random writes, 3 discards, compact: qemu-img check clean" qcheck rw.vdi
t "random writes: vmmctl check clean" vcheck rw.vdi
t "random writes: qemu-img reads the shadow" bash -c "qemu-img convert -O raw rw.vdi q.raw && cmp q.raw rw.raw"
t "random writes: 7zz reads the same" same_7z rw.vdi

# --- 3. VirtualBox's layout generated from the format ----------------------
$MK vb.vdi vb.raw --layout vbox --seed 3 --shuffle --zero-entries
t "mkvdi VirtualBox layout: check clean" vcheck vb.vdi
t "mkvdi VirtualBox layout: reads right" same_raw vb.vdi vb.raw
t "mkvdi VirtualBox layout: qemu-img agrees" same_qemu vb.vdi
t "mkvdi VirtualBox layout: 7zz agrees" same_7z vb.vdi
$MK vbf.vdi vbf.raw --layout vbox --fixed --seed 4
t "mkvdi VirtualBox fixed: reads right" same_raw vbf.vdi vbf.raw
$MK vbx.vdi vbx.raw --layout vbox --extra 4096 --seed 5 --shuffle
t "mkvdi block-extra 4096: check clean" vcheck vbx.vdi
t "mkvdi block-extra 4096: reads right (extra skipped)" same_raw vbx.vdi vbx.raw
$MK vbs.vdi vbs.raw --layout vbox --block 65536 --extra 512 --size $((3 << 20)) --seed 6 --shuffle
t "mkvdi 64 KiB blocks + 512 extra: reads right" same_raw vbs.vdi vbs.raw
$MK vbo.vdi vbo.raw --layout vbox --size $((5 << 20)) --block $((4 << 20)) --seed 7
t "mkvdi 4 MiB blocks, partial last block: reads right" same_raw vbo.vdi vbo.raw
$MK v0.vdi v0.raw --layout v0 --size $((4 << 20)) --seed 8 --shuffle
t "mkvdi old v0.2 header: reads right" same_raw v0.vdi v0.raw
# write through our allocation path into a block-extra image
cp vbx.raw vbx2.raw
write_both vbx.vdi vbx2.raw $((5 << 20)) 3000000
t "block-extra image written: reads right, check clean" bash -c "'$V' vdi cat vbx.vdi | cmp - vbx2.raw && '$V' vdi check vbx.vdi"

# --- 4. compact, discard, resize keep content -------------------------------
cp vb.vdi c.vdi
head -c 1048576 /dev/zero | "$V" vdi write c.vdi $((1 << 20))	# a block of zeros
qemu-img convert -O raw c.vdi before.raw
s0=$(stat -c %s c.vdi)
t "compact: runs" "$V" vdi compact c.vdi
t "compact: content kept" bash -c "qemu-img convert -O raw c.vdi after.raw && cmp before.raw after.raw"
t "compact: qemu-img check clean" qcheck c.vdi
t "compact: vmmctl check clean" vcheck c.vdi
t "compact: file shrank" test "$(stat -c %s c.vdi)" -lt "$s0"
t "compact: 7zz reads it" same_7z c.vdi
cp vd.vdi d.vdi
cp vd.raw d.raw
"$V" vdi discard d.vdi 0 $((2 << 20))
dd if=/dev/zero of=d.raw bs=1M count=2 conv=notrunc status=none
t "discard: discarded blocks read zero, others kept" bash -c "qemu-img convert -O raw d.vdi q.raw && cmp q.raw d.raw"
t "discard: qemu-img check clean" qcheck d.vdi
t "discard: vmmctl check clean" vcheck d.vdi
cp vd.vdi g.vdi
qemu-img convert -O raw g.vdi g0.raw
t "resize in place (VirtualBox layout): runs" "$V" vdi resize g.vdi 10G
t "resize in place: qemu-img sees 10 GiB, check clean" bash -c \
	"qemu-img info g.vdi | grep -q '10737418240 bytes' && qemu-img check g.vdi >/dev/null"
t "resize in place: content kept, the rest zero" bash -c \
	"'$V' vdi cat g.vdi | head -c $((33 << 20)) >g1.raw; cmp -n $((32 << 20)) g1.raw g0.raw && tail -c 1048576 g1.raw | cmp -n 1048576 - /dev/zero"
cp vq.vdi h.vdi
qemu-img convert -O raw h.vdi h0.raw
t "resize qemu layout (blocks move): runs" "$V" vdi resize h.vdi 256M
t "resize with move: qemu-img check clean" qcheck h.vdi
t "resize with move: vmmctl check clean" vcheck h.vdi
t "resize with move: the map moved" bash -c "'$V' vdi info --json h.vdi | grep -q '\"offset_blocks\": 1024,'"
t "resize with move: content kept" bash -c "qemu-img convert -O raw h.vdi h1.raw && cmp -n $((8 << 20)) h0.raw h1.raw && [ \$(stat -c %s h1.raw) = $((256 << 20)) ]"
t "resize with move: 7zz reads it" bash -c "rm -rf x; mkdir x; 7zz x -y -ox h.vdi >/dev/null && cmp -n $((8 << 20)) x/h.img h0.raw"
qemu-img create -q -f vdi t.vdi 1M
head -c 700000 /dev/urandom >t.raw
truncate -s 1M t.raw
qemu-img dd -f raw -O vdi if=t.raw of=t.vdi bs=1M count=1 >/dev/null 2>&1 ||
	"$V" vdi write t.vdi 0 <t.raw
t "resize a one-block qemu-img image to 1 GiB: content kept, checks clean" bash -c \
	"'$V' vdi resize t.vdi 1G && qemu-img check t.vdi >/dev/null && '$V' vdi check t.vdi >/dev/null && qemu-img convert -O raw t.vdi q.raw && cmp -n $((1 << 20)) q.raw t.raw"
rm -f h1.raw x/h.img q.raw

# --- 5. bad images: the right error, never modified -------------------------
# bad NAME DESC PATTERN: check exits 2 with PATTERN on stderr; info,
# compact, resize and write refuse; the file is unchanged
bad() {
	local f=$1 d=$2 pat=$3 sum rc why=
	sum=$(sha256sum <"$f")
	"$V" vdi check "$f" >/dev/null 2>err.log; rc=$?
	[ $rc -eq 2 ] || why="check exit $rc"
	grep -q -- "$pat" err.log || why="$why; stderr: $(cat err.log)"
	"$V" vdi info "$f" >/dev/null 2>&1 && why="$why; info accepted it"
	"$V" vdi compact "$f" >/dev/null 2>&1 && why="$why; compact accepted it"
	"$V" vdi resize "$f" 1G >/dev/null 2>&1 && why="$why; resize accepted it"
	echo x | "$V" vdi write "$f" 0 >/dev/null 2>&1 && why="$why; write accepted it"
	[ "$(sha256sum <"$f")" = "$sum" ] || why="$why; file modified"
	if [ -z "$why" ]; then ok "bad image: $d"; else not_ok "bad image: $d"; echo "# $why"; fi
}
# poke FILE OFFSET U32: write a little-endian u32
poke() { python3 -c "import struct,sys; f=open('$1','r+b'); f.seek($2); f.write(struct.pack('<I', $3))"; }
cp vd.vdi b1.vdi; poke b1.vdi 64 0xbeda107e
bad b1.vdi "flipped signature" "bad signature"
cp vd.vdi b2.vdi; poke b2.vdi $(((1 << 20) + 4 * 20)) 0
bad b2.vdi "two map entries on one block" "share one data block"
cp vd.vdi b3.vdi; poke b3.vdi $(((1 << 20) + 4 * 30)) 100
bad b3.vdi "map entry out of range" "out of range"
cp vd.vdi b4.vdi; truncate -s $(($(stat -c %s vd.vdi) - 4096)) b4.vdi
bad b4.vdi "truncated file" "truncated"
cp vd.vdi b5.vdi; truncate -s 300 b5.vdi
bad b5.vdi "file cut inside the header" "inside the VDI header"
cp vd.vdi b6.vdi; poke b6.vdi $((0x4c)) 4
bad b6.vdi "diff image (type 4)" "needs its parent"
cp vd.vdi b7.vdi; poke b7.vdi $((0x1a8)) 0x12345678
bad b7.vdi "non-null parent UUID" "has a parent"
cp vd.vdi b8.vdi; poke b8.vdi $((0x184)) 2
bad b8.vdi "allocated count behind the map" "behind the block map"
cp vd.vdi b9.vdi; poke b9.vdi $((0x178)) 3000
bad b9.vdi "block size not a power of two" "power of two"
cp vd.vdi b10.vdi; poke b10.vdi $((0x158)) $((1 << 20))
bad b10.vdi "map does not fit before the data" "does not fit"
cp qd.vdi b11.vdi; poke b11.vdi $((0x44)) 0x00020000
bad b11.vdi "version 2.0" "unsupported VDI version"
: >b12.vdi
bad b12.vdi "empty file" "too short"

# leaks: exit 3, compact repairs them
cp vd.vdi l.vdi; poke l.vdi $((0x184)) 9
"$V" vdi check l.vdi >/dev/null 2>&1; rc=$?
t "leak: header count ahead of the map -> check exits 3" test $rc -eq 3
t "leak: compact repairs it, content kept" bash -c \
	"'$V' vdi compact l.vdi >/dev/null && '$V' vdi check l.vdi >/dev/null && qemu-img convert -O raw l.vdi q.raw && cmp q.raw vd.raw"
cp vd.vdi l2.vdi; head -c 100000 /dev/urandom >>l2.vdi
"$V" vdi check l2.vdi >/dev/null 2>&1; rc=$?
t "leak: bytes past the last block -> check exits 3" test $rc -eq 3

# refusals that are not corruption
s=$(sha256sum <vf.vdi)
"$V" vdi resize vf.vdi 1G >/dev/null 2>err.log; rc=$?
t "resize of a fixed image refused, unchanged" bash -c "[ $rc -ne 0 ] && grep -q 'fixed' err.log && [ \"\$(sha256sum <vf.vdi)\" = '$s' ]"
s=$(sha256sum <vd.vdi)
"$V" vdi resize vd.vdi 1M >/dev/null 2>err.log; rc=$?
t "shrinking refused, unchanged" bash -c "[ $rc -ne 0 ] && grep -q 'only grow' err.log && [ \"\$(sha256sum <vd.vdi)\" = '$s' ]"
"$V" vdi create vd.vdi 1M >/dev/null 2>&1; rc=$?
t "create over an existing file refused" bash -c "[ $rc -ne 0 ] && [ \"\$(sha256sum <vd.vdi)\" = '$s' ]"
(flock -x 9; "$V" vdi compact vd.vdi >/dev/null 2>err.log; echo $? >rc.txt) 9<vd.vdi
t "an image locked by another writer is refused" bash -c "[ \$(cat rc.txt) -ne 0 ] && grep -q 'in use' err.log"

echo "1..$n"
echo "# vdi-interop: $pass passed, $fail failed"
[ $fail -eq 0 ]
