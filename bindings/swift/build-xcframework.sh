#!/usr/bin/env bash
# Builds VarcoFFI.xcframework and the Swift sources (Sources/Varco/Varco.swift) for the Swift package in
# bindings/swift (Package.swift). Needs macOS with Xcode and the Rust
# targets below (rustup target add ...). NOT run in varco's CI: there is no
# Apple toolchain there; bindings/swift/check.sh checks the generated header
# and modulemap with clang instead.
set -euo pipefail
cd "$(dirname "$0")/../.."

targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin)
for t in "${targets[@]}"; do
  cargo build --locked --release -p varco-uniffi --target "$t"
done
cargo build --locked -p uniffi-bindgen

out=target/swift
rm -rf "$out" && mkdir -p "$out/headers" "$out/Sources/Varco"
./target/debug/uniffi-bindgen generate --library "target/aarch64-apple-ios/release/libvarco_uniffi.a" \
  --language swift --out-dir "$out/gen"
cp "$out/gen/VarcoFFI.h" "$out/headers/"
# An XCFramework wants the module map named module.modulemap.
cp "$out/gen/VarcoFFI.modulemap" "$out/headers/module.modulemap"
cp "$out/gen/Varco.swift" "$out/Sources/Varco/"

# One library per platform: simulators (arm64 + x86_64) and macOS are fat.
lipo -create target/aarch64-apple-ios-sim/release/libvarco_uniffi.a \
  target/x86_64-apple-ios/release/libvarco_uniffi.a -output "$out/libvarco_uniffi-sim.a"
lipo -create target/aarch64-apple-darwin/release/libvarco_uniffi.a \
  target/x86_64-apple-darwin/release/libvarco_uniffi.a -output "$out/libvarco_uniffi-macos.a"
xcodebuild -create-xcframework \
  -library target/aarch64-apple-ios/release/libvarco_uniffi.a -headers "$out/headers" \
  -library "$out/libvarco_uniffi-sim.a" -headers "$out/headers" \
  -library "$out/libvarco_uniffi-macos.a" -headers "$out/headers" \
  -output "$out/VarcoFFI.xcframework"

rm -rf bindings/swift/VarcoFFI.xcframework bindings/swift/Sources
cp -R "$out/VarcoFFI.xcframework" bindings/swift/
cp -R "$out/Sources" bindings/swift/
echo "bindings/swift is a Swift package now: add it by path, or zip VarcoFFI.xcframework for a binary target"
