#!/usr/bin/env bash
# Per-call cost of each binding, on a trivial call (a TOTP code) and on a
# full step (verifying a delivery code): the C ABI beside Rust under
# criterion, then Python and Kotlin against the release library. Run by
# hand (not part of the tests); the figures go to BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo bench --locked -q -p varco-benches --bench bindings 2>&1 | grep -E '^binding_|time:'

cargo build --locked -q --release -p varco-uniffi
cargo build --locked -q -p uniffi-bindgen
lib=target/release/libvarco_uniffi.so
out=target/bindings-bench
rm -rf "$out" && mkdir -p "$out/python" "$out/kotlin"

./target/debug/uniffi-bindgen generate --library "$lib" --language python --out-dir "$out/python" >/dev/null
cp "$lib" bindings/python/bench.py "$out/python/"
(cd "$out/python" && python3 bench.py)

bindings/kotlin/test.sh >/dev/null # fetches kotlinc if needed
kotlinc=${KOTLINC:-target/tools/kotlin-compiler-2.4.20/bin/kotlinc}
jna=${JNA_JAR:-/usr/share/java/jna.jar}
./target/debug/uniffi-bindgen generate --library "$lib" --language kotlin --out-dir "$out/kotlin" >/dev/null
"$kotlinc" -nowarn -cp "$jna" "$out/kotlin/varco/varco_uniffi.kt" bindings/kotlin/Bench.kt \
  -d "$out/kotlin/bench.jar" 2>&1 | grep -v '^warning' || true
java -cp "$out/kotlin/bench.jar:$jna:$(dirname "$kotlinc")/../lib/kotlin-stdlib.jar" \
  -Djna.library.path=target/release BenchKt
