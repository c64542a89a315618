#!/usr/bin/env python3
"""Mutation checks: each entry of a JSON file breaks one property in the
source (`old` replaced by `new` in `file`), runs the test meant to catch it
(`cmd`), expects that test to fail, and restores the file.

    scripts/mutation/run.py scripts/mutation/guard.json

Prints `caught` or `SURVIVED` per mutation. Run from anywhere; paths are
relative to the repository root. Proptest may leave regression files for
the mutants: discard them (git checkout tests/*.proptest-regressions)."""
import json
import os
import subprocess
import sys

root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
survived = 0
for path in sys.argv[1:]:
    for m in json.load(open(path)):
        target = os.path.join(root, m["file"])
        src = open(target).read()
        if m["old"] not in src:
            print(f"MISSING {m['name']}")
            survived += 1
            continue
        open(target, "w").write(src.replace(m["old"], m["new"], 1))
        try:
            r = subprocess.run(m["cmd"], shell=True, cwd=root, capture_output=True, text=True)
            caught = r.returncode != 0
            survived += 0 if caught else 1
            print(f"{'caught' if caught else 'SURVIVED'}: {m['name']}")
        finally:
            open(target, "w").write(src)
sys.exit(1 if survived else 0)
