#!/usr/bin/env python3
"""Reads a module printed by `nnc compile --stage=solver` on stdin and checks
that @train_step updates every trainable parameter exactly once: one
nn.*_update op whose first operand is that parameter's argument. Prints one
summary line for FileCheck, or the problems and exits 1."""
import re
import sys

text = sys.stdin.read()
frozen = {m.group(1) for m in re.finditer(r'nn\.parameter @"?([\w.]+)"? :[^\n]*\bfrozen\b', text)}
params = re.findall(r'nn\.parameter @"?([\w.]+)"? :', text)

start = text.find("func.func @train_step(")
if start < 0:
    sys.exit("no @train_step")
header_end = text.find("{\n", start)
header, body = text[start:header_end], text[header_end:]
body = body[: body.find("\n  }\n")]

args = {}  # %argN -> parameter name
for m in re.finditer(r'(%arg\d+): tensor<[^>]*> \{nn\.param = @"?([\w.]+)"?\}', header):
    args[m.group(1)] = m.group(2)
inputs = re.findall(r'nn\.input = "(\w+)"', header)
hypers = re.findall(r'nn\.hyper = "(\w+)"', header)

updated = {}
kinds = set()
problems = []
for m in re.finditer(r'= nn\.(\w+)_update (%arg\d+)\b', body):
    kinds.add(m.group(1))
    name = args.get(m.group(2))
    if name is None:
        problems.append(f"an update of {m.group(2)}, which is no parameter")
        continue
    updated[name] = updated.get(name, 0) + 1

trainable = [p for p in params if p not in frozen]
for p in trainable:
    if p not in args.values():
        problems.append(f"parameter {p} is no argument of @train_step")
    if updated.get(p, 0) != 1:
        problems.append(f"parameter {p} has {updated.get(p, 0)} updates")
for p in frozen:
    if updated.get(p):
        problems.append(f"frozen parameter {p} is updated")
if problems:
    sys.exit("\n".join(problems))
print(f"train_step: inputs {', '.join(inputs)}; hyper {', '.join(hypers)}; "
      f"{len(trainable)} trainable parameters, {sum(updated.values())} {'/'.join(sorted(kinds))} updates, "
      f"one each; {len(frozen)} frozen")
