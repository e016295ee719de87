"""Exits 1 unless two `nnc run` outputs print the same outputs within 1e-4."""
import sys


def outputs(path):
    values = {}
    for line in open(path):
        parts = line.split()
        if len(parts) == 2:
            values[parts[0]] = float(parts[1])
    return values


a, b = outputs(sys.argv[1]), outputs(sys.argv[2])
if not a or a.keys() != b.keys():
    sys.exit(f"different outputs: {sorted(a)} vs {sorted(b)}")
for name in a:
    if abs(a[name] - b[name]) > 1e-4 * (1 + abs(b[name])):
        sys.exit(f"{name}: {a[name]} vs {b[name]}")
