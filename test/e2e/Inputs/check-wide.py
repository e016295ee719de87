#!/usr/bin/env python3
"""Checks nnc predict's lines of predict.test's `wide` value against a known computation.

check-wide.py WIDE_LINES RAW_LINES

`wide` is concat(image, reshape(logits, [N, 10, 1, 1]) * image, axis=1) of
10x10 images, [N, 11, 10, 10]: 1100 values a line. Channel 0 must be the
image exactly (make-idx.py's pixels times the f32 1/255 of the test split's
scale), channel 1 + c the image times the logit c that RAW_LINES (--raw of the
logits) gives. Prints "True LINES VALUES" when every line matches.
"""
import struct
import sys

f32 = lambda x: struct.unpack("f", struct.pack("f", x))[0]
wide = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
raw = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])]
ok = len(wide) == len(raw) > 0
for e, (w, r) in enumerate(zip(wide, raw)):
    if int(w[0]) != e or len(w) != 1 + 1100 or len(r) != 1 + 10:
        ok = False
        break
    values = [float(x) for x in w[1:]]
    logits = [float(x) for x in r[1:]]
    for i in range(100):
        p = (e * 31 + i * 7) % 256  # make-idx.py's pixel i of example e
        if (i // 10) % 10 == e % 10:
            p = min(255, p + 100)
        x = f32(p * f32(1 / 255))
        ok &= f32(values[i]) == x
        for c in range(10):
            want = f32(logits[c] * x)
            ok &= abs(values[100 * (c + 1) + i] - want) <= 1e-6 * max(1, abs(want))
print(ok, len(wide), len(wide[0]) - 1 if wide else 0)
