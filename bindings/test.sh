#!/usr/bin/env bash
# Builds varco's UniFFI library, generates the Python bindings into
# target/bindings/python, and runs the Python tests against them.
# Prints "N passed, N failed" and fails on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --locked -q -p varco-uniffi -p uniffi-bindgen
lib=target/debug/libvarco_uniffi.so
out=target/bindings/python
rm -rf "$out" && mkdir -p "$out"
./target/debug/uniffi-bindgen generate --library "$lib" --language python --out-dir "$out" >/dev/null
cp "$lib" "$out/"
cp bindings/python/test_*.py bindings/scenarios/scenario.tsv "$out/"

log=$(mktemp)
status=0
(cd "$out" && python3 -m unittest -v test_varco test_scenario) >"$log" 2>&1 || status=$?
cat "$log"
passed=$(grep -cE ' \.\.\. ok$' "$log" || true)
failed=$(grep -cE ' \.\.\. (FAIL|ERROR)$' "$log" || true)
rm -f "$log"
echo "python: $passed passed, $failed failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
