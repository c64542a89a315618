#!/usr/bin/env bash
# Generates the Kotlin bindings into target/bindings/kotlin, compiles them
# with the tests (kotlinc from the npm package kotlin-compiler), and runs
# them on the JVM with JNA (Debian's libjna-java). Prints
# "kotlin: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/../.."

kotlin_version=2.4.20
tools=target/tools
kotlinc=${KOTLINC:-$tools/kotlin-compiler-$kotlin_version/bin/kotlinc}
if [ ! -x "$kotlinc" ]; then
  mkdir -p "$tools"
  (cd "$tools" && npm pack --silent "kotlin-compiler@$kotlin_version" >/dev/null &&
    mkdir -p "kotlin-compiler-$kotlin_version" &&
    tar xzf "kotlin-compiler-$kotlin_version.tgz" -C "kotlin-compiler-$kotlin_version" --strip-components=1 &&
    rm "kotlin-compiler-$kotlin_version.tgz")
fi
jna=${JNA_JAR:-/usr/share/java/jna.jar}
[ -f "$jna" ] || { echo "JNA not found at $jna (apt-get install libjna-java)"; exit 1; }
stdlib=$(dirname "$kotlinc")/../lib/kotlin-stdlib.jar

cargo build --locked -q -p varco-uniffi -p uniffi-bindgen
lib=target/debug/libvarco_uniffi.so
out=target/bindings/kotlin
rm -rf "$out" && mkdir -p "$out"
./target/debug/uniffi-bindgen generate --library "$lib" --language kotlin --out-dir "$out" >/dev/null
"$kotlinc" -nowarn -cp "$jna" "$out/varco/varco_uniffi.kt" bindings/kotlin/VarcoTest.kt bindings/kotlin/FlowTest.kt bindings/kotlin/StoreTest.kt \
  -d "$out/varco-test.jar" 2>&1 | grep -v '^warning' || true
[ -f "$out/varco-test.jar" ]
java -cp "$out/varco-test.jar:$jna:$stdlib" -Djna.library.path=target/debug \
  VarcoTestKt bindings/scenarios/scenario.tsv
