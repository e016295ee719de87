"""Reads `nnc train` output on stdin; checks that every epoch's train loss is
finite and that the last epoch's is below the first's. Prints one line for
FileCheck: `losses decrease: FIRST -> LAST`, or `losses do not decrease: ...`."""
import math
import re
import sys

losses = [float(m.group(1)) for m in re.finditer(r"^epoch \d+/\d+: train loss (\S+),", sys.stdin.read(), re.M)]
good = len(losses) >= 2 and all(math.isfinite(x) for x in losses) and losses[-1] < losses[0]
print("losses %s: %s" % ("decrease" if good else "do not decrease", " -> ".join(str(x) for x in losses)))
