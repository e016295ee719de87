#!/usr/bin/env python3
"""Writes small IDX files for nnc's data tests.

make-idx.py images PATH COUNT ROWS COLS [options]
make-idx.py labels PATH COUNT [options]

Files whose name ends in .gz are gzip-compressed. Example e's pixel i is
(e * 31 + i * 7) % 256 plus 100 in the rows of its class; its label is e % 10.
Options: --truncate N (keep only the first N bytes of the IDX data, before
compression), --corrupt (flip bytes in the middle of the compressed stream).
"""
import gzip
import struct
import sys

kind, path, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
args = sys.argv[4:]
if kind == "images":
    rows, cols = int(args[0]), int(args[1])
    args = args[2:]
    data = struct.pack(">IIII", 0x803, count, rows, cols)
    pixels = bytearray()
    for e in range(count):
        for i in range(rows * cols):
            v = (e * 31 + i * 7) % 256
            if (i // cols) % 10 == e % 10:
                v = min(255, v + 100)
            pixels.append(v)
    data += bytes(pixels)
else:
    data = struct.pack(">II", 0x801, count) + bytes(e % 10 for e in range(count))
if "--truncate" in args:
    data = data[: int(args[args.index("--truncate") + 1])]
if path.endswith(".gz"):
    data = gzip.compress(data, mtime=0)
    if "--corrupt" in args:
        b = bytearray(data)
        for k in range(len(b) // 2, len(b) // 2 + 8):
            b[k] ^= 0x5A
        data = bytes(b)
with open(path, "wb") as f:
    f.write(data)
