#!/usr/bin/env bash
# Builds the libraries, generates the Kotlin, Swift and Python bindings into
# target/bindings, and runs every language's tests: Python, Kotlin (JVM +
# JNA), the Swift header and modulemap (clang), and C (plain, valgrind,
# ASan/UBSan). Each prints "<language>: N passed, N failed"; this prints the
# sum and fails on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

total_passed=0
total_failed=0
for part in python/test.sh kotlin/test.sh swift/check.sh c/test.sh; do
  log=$(mktemp)
  "bindings/$part" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  counts=$(grep -oE '^[a-z ]+: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -1 | grep -oE '[0-9]+ passed, [0-9]+ failed' || true)
  rm -f "$log"
  p=0
  f=0
  if [ -n "$counts" ]; then
    p=${counts%% passed*}
    f=${counts##*, }
    f=${f%% failed*}
  fi
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "$part failed before its tests ran (exit $status)"
    f=1
  fi
  total_passed=$((total_passed + p))
  total_failed=$((total_failed + f))
done
echo "bindings: $total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ] && [ "$total_passed" -gt 0 ]
