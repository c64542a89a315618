#!/usr/bin/env bash
# Generates the Python bindings into target/bindings/python and runs the
# Python tests against them. Prints "python: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/../.."

cargo build --locked -q -p varco-uniffi -p uniffi-bindgen
lib=target/debug/libvarco_uniffi.so
out=target/bindings/python
rm -rf "$out" && mkdir -p "$out"
./target/debug/uniffi-bindgen generate --library "$lib" --language python --out-dir "$out" >/dev/null
cp "$lib" "$out/"
cp bindings/python/test_*.py bindings/scenarios/scenario.tsv "$out/"

log=$(mktemp)
status=0
(cd "$out" && python3 -m unittest -v test_varco test_scenario test_flow test_store) >"$log" 2>&1 || status=$?
cat "$log"
passed=$(grep -cE ' \.\.\. ok$' "$log" || true)
failed=$(grep -cE ' \.\.\. (FAIL|ERROR)$' "$log" || true)
rm -f "$log"
echo "python: $passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
