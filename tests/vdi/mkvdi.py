#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write a VDI image straight from the format description, independent of
vmmctl and qemu-img, and the raw disk it must read as.

  mkvdi.py OUT.vdi OUT.raw [--layout vbox|qemu|v0] [--size BYTES]
           [--block BYTES] [--extra BYTES] [--fixed] [--seed N]
           [--zero-entries] [--shuffle]

vbox: header 0x190, map and data 1 MiB-aligned (VirtualBox's own layout);
qemu: header 0x180, map at 0x200; v0: the old 0.2 header, map after it.
About half the blocks get random data (some of them all zeros), the rest
stay FREE (or ZERO with --zero-entries). --shuffle puts blocks in the file
in a random order. Extra areas are filled with junk: readers must skip it.
"""
import argparse
import random
import struct


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vdi")
    ap.add_argument("raw")
    ap.add_argument("--layout", default="vbox", choices=["vbox", "qemu", "v0"])
    ap.add_argument("--size", type=int, default=12 << 20)
    ap.add_argument("--block", type=int, default=1 << 20)
    ap.add_argument("--extra", type=int, default=0)
    ap.add_argument("--fixed", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--zero-entries", action="store_true")
    ap.add_argument("--shuffle", action="store_true")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    bs, extra, size = a.block, a.extra, a.size
    nblocks = (size + bs - 1) // bs
    slot = bs + extra

    # which virtual blocks have data, and the order of their slots
    used = [i for i in range(nblocks) if a.fixed or rnd.random() < 0.5]
    order = list(used)
    if a.shuffle:
        rnd.shuffle(order)
    bmap = [0xFFFFFFFF] * nblocks
    for vb in range(nblocks):
        if a.zero_entries and vb not in used and rnd.random() < 0.5:
            bmap[vb] = 0xFFFFFFFE
    for phys, vb in enumerate(order):
        bmap[vb] = phys

    if a.layout == "vbox":
        hsize, off_blocks = 0x190, 1 << 20
        off_data = (off_blocks + 4 * nblocks + (1 << 20) - 1) >> 20 << 20
    elif a.layout == "qemu":
        hsize, off_blocks = 0x180, 0x200
        off_data = (off_blocks + 4 * nblocks + 511) // 512 * 512
    else:
        hsize, off_blocks = 0x15C, 0x48 + 0x15C
        off_data = off_blocks + 4 * nblocks
        extra = 0
        slot = bs

    raw = bytearray(nblocks * bs)
    data = {}
    for vb in used:
        kind = rnd.random()
        if kind < 0.15:
            blk = bytes(bs)                     # allocated, all zeros
        else:
            blk = rnd.randbytes(bs)
        data[vb] = blk
        raw[vb * bs:(vb + 1) * bs] = blk
    del raw[size:]

    text = b"<<< Oracle VM VirtualBox Disk Image >>>\n".ljust(64, b"\0")
    uc = rnd.randbytes(16)
    um = rnd.randbytes(16)
    if a.layout == "v0":
        hdr = struct.pack("<II", 0xBEDA107F, 0x00000002)
        hdr += struct.pack("<II", 2 if a.fixed else 1, 0)
        hdr += b"mkvdi v0".ljust(256, b"\0")
        hdr += struct.pack("<IIII", 0, 0, 0, 512)
        hdr += struct.pack("<QIII", size, bs, nblocks, len(used))
        hdr += uc + um + bytes(16)
    else:
        hdr = struct.pack("<III", 0xBEDA107F, 0x00010001, hsize)
        hdr += struct.pack("<II", 2 if a.fixed else 1, 0)
        hdr += b"mkvdi".ljust(256, b"\0")
        hdr += struct.pack("<II", off_blocks, off_data)
        hdr += struct.pack("<IIII", size // 512 // 16 // 63, 16, 63, 512)
        hdr += struct.pack("<I", 0)
        hdr += struct.pack("<QIIII", size, bs, extra, nblocks, len(used))
        hdr += uc + um + bytes(32)
        if hsize >= 0x190:
            hdr += struct.pack("<IIII", 0, 0, 0, 512)
    img = bytearray(off_data + len(order) * slot)
    img[0:64] = text
    img[64:64 + len(hdr)] = hdr
    img[off_blocks:off_blocks + 4 * nblocks] = struct.pack("<%dI" % nblocks, *bmap)
    for phys, vb in enumerate(order):
        at = off_data + phys * slot
        img[at:at + extra] = b"\xa5" * extra       # junk in the extra area
        img[at + extra:at + slot] = data[vb]
    with open(a.vdi, "wb") as f:
        f.write(img)
    with open(a.raw, "wb") as f:
        f.write(raw)


if __name__ == "__main__":
    main()
