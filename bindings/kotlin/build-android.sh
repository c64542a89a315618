#!/usr/bin/env bash
# Builds libvarco_uniffi.so for the Android ABIs and the Kotlin sources, laid
# out for an Android library module:
#   target/android/jniLibs/<abi>/libvarco_uniffi.so
#   target/android/kotlin/varco/varco_uniffi.kt (package varco)
# Needs the Android NDK (ANDROID_NDK_HOME), cargo-ndk (cargo install
# cargo-ndk) and the Rust targets (rustup target add aarch64-linux-android
# armv7-linux-androideabi x86_64-linux-android i686-linux-android). NOT run
# in varco's CI: there is no NDK there; the same Kotlin code runs on the JVM
# in bindings/kotlin/test.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."

out=target/android
rm -rf "$out" && mkdir -p "$out/jniLibs" "$out/kotlin"
cargo ndk --platform 24 -t arm64-v8a -t armeabi-v7a -t x86_64 -t x86 -o "$out/jniLibs" \
  build --locked --release -p varco-uniffi
cargo build --locked -p uniffi-bindgen
./target/debug/uniffi-bindgen generate --library "$out/jniLibs/arm64-v8a/libvarco_uniffi.so" \
  --language kotlin --out-dir "$out/kotlin"
echo "copy $out/jniLibs to src/main/jniLibs and $out/kotlin to src/main/kotlin;"
echo "add implementation(\"net.java.dev.jna:jna:5.14.0@aar\") to the module's dependencies"
