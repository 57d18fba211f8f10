#!/bin/bash
# Build the multiboot image that boots the Debian kernel under Bochs without
# its XZ decompressor: pvhstub.S followed by the kernel's vmlinux flattened
# at its physical load address, up to the start of .bss (mboot.c32 zeroes the
# rest). See pvhstub.S.
#
#   tests/host/bochs/mkpvh.sh BZIMAGE OUT.mb
#
# Needs gcc (-m32 assembly), ld, readelf, xz. Prints nothing on success;
# fails (non-zero) when the kernel does not fit the assumptions (no PVH entry
# note, load address not 0x1000000, non-zero bytes after .bss starts).
set -euo pipefail

bz=${1:?usage: $0 BZIMAGE OUT.mb}
outf=${2:?usage: $0 BZIMAGE OUT.mb}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
die() { echo "mkpvh: $*" >&2; exit 1; }

# 1. the uncompressed ELF vmlinux inside the bzImage
vmlinux=$tmp/vmlinux
found=0
for off in $(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$bz" | cut -d: -f1); do
	tail -c +$((off + 1)) "$bz" | xz -dc >"$vmlinux" 2>/dev/null || true
	if [ "$(head -c 4 "$vmlinux" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then found=1; break; fi
done
[ $found = 1 ] || die "no XZ-compressed ELF vmlinux in $bz"

# 2. PVH entry point: XEN_ELFNOTE_PHYS32_ENTRY (type 0x12), a 32-bit address
note=$(readelf -nW "$vmlinux" | grep -A1 'type: (0x00000012)' | grep -o 'description data:.*' | head -n1)
set -- ${note#description data:}
[ $# -ge 4 ] || die "no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY) in the kernel"
pvh_entry=$((0x$4$3$2$1))

# 3. flatten the PT_LOAD segments at paddr - 0x1000000
base=$((0x1000000))
flat=$tmp/flat
: >"$flat"
end=0
bss=0
bss_vaddr=0x$(readelf -SW "$vmlinux" | sed -nE 's/.*\] \.bss +NOBITS +([0-9a-f]+) .*/\1/p')
[ "$bss_vaddr" != 0x ] || die "no .bss section"
while read -r type off vaddr paddr filesz memsz _; do
	[ "$type" = LOAD ] || continue
	off=$((off)); paddr=$((paddr)); filesz=$((filesz)); memsz=$((memsz))
	[ $paddr -ge $base ] || die "segment below 0x1000000 (paddr $paddr)"
	dd if="$vmlinux" of="$flat" bs=1M iflag=skip_bytes,count_bytes oflag=seek_bytes conv=notrunc \
		skip=$off count=$filesz seek=$((paddr - base)) status=none
	[ $((paddr + memsz)) -gt $end ] && end=$((paddr + memsz))
	# .bss lies in this segment: its physical address
	if [ $((bss_vaddr)) -ge $((vaddr)) ] && [ $((bss_vaddr)) -lt $((vaddr + memsz)) ]; then
		bss=$((bss_vaddr - vaddr + paddr))
	fi
done < <(readelf -lW "$vmlinux" | awk '$1 == "LOAD" {print $1, $2, $3, $4, $5, $6}')
[ $bss -gt $base ] || die "cannot place .bss"
# everything from .bss on must be zero: mboot.c32 zeroes it instead of loading it
nz=$(tail -c +$((bss - base + 1)) "$flat" | tr -d '\0' | head -c 1 | wc -c)
[ "$nz" = 0 ] || die "non-zero bytes after the start of .bss"
truncate -s $((bss - base)) "$flat"

# 4. the stub, patched: load_end_addr, bss_end_addr (both headers), PVH entry
gcc -m32 -c -o "$tmp/stub.o" "$here/pvhstub.S"
ld -m elf_i386 -Ttext=0xffe000 -e entry --oformat binary -o "$tmp/stub.bin" "$tmp/stub.o"
[ "$(stat -c %s "$tmp/stub.bin")" -le 4096 ] || die "stub larger than 4 KiB"
truncate -s 8192 "$tmp/stub.bin"
le32() { printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)))"; }
patch32() { le32 "$2" | dd of="$tmp/stub.bin" bs=1 seek=$(($1)) conv=notrunc status=none; }
[ "$(od -An -tx4 -j4 -N4 "$tmp/stub.bin" | tr -d ' ')" = 1badb002 ] || die "multiboot header not at offset 4"
patch32 24 $((bss))		# load_end_addr: the image ends where .bss starts
patch32 28 $((end))		# bss_end_addr
patch32 36 $((pvh_entry))
[ "$(od -An -tx4 -j40 -N4 "$tmp/stub.bin" | tr -d ' ')" = e85250d6 ] || die "multiboot2 header not at offset 0x28"
patch32 72 $((bss))		# the same in the multiboot2 address tag
patch32 76 $((end))
cat "$tmp/stub.bin" "$flat" >"$outf.tmp"
mv "$outf.tmp" "$outf"
