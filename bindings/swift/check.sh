#!/usr/bin/env bash
# Swift has no toolchain here, so the Swift bindings are generated and their
# C side is checked with clang, never claimed as run:
# - the generated header compiles with -Wall -Wextra -Werror (C11 and C++),
# - the modulemap imports as a clang module,
# - every FFI function the header declares is defined in libvarco_uniffi.a,
# - every FFI function Varco.swift calls is declared in the header.
# Prints "swift: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/../.."

cargo build --locked -q -p varco-uniffi -p uniffi-bindgen
out=target/bindings/swift
rm -rf "$out" && mkdir -p "$out"
./target/debug/uniffi-bindgen generate --library target/debug/libvarco_uniffi.so --language swift --out-dir "$out" >/dev/null
header=$out/VarcoFFI.h
modulemap=$out/VarcoFFI.modulemap
swift=$out/Varco.swift

passed=0
failed=0
check() { # name, command...
  local name=$1
  shift
  if "$@" >"$out/check.log" 2>&1; then
    echo "$name ... ok"
    passed=$((passed + 1))
  else
    echo "$name ... FAIL"
    cat "$out/check.log"
    failed=$((failed + 1))
  fi
}

printf '#include "VarcoFFI.h"\nint main(void) { return sizeof(RustBuffer) == 0; }\n' >"$out/header.c"
printf '#pragma clang module import VarcoFFI\nint main(void) { return sizeof(RustBuffer) == 0; }\n' >"$out/module.c"
declared() { grep -oE '\b(uniffi|ffi)_varco_uniffi_[A-Za-z0-9_]+' "$header" | sort -u; }
defined() { nm -g --defined-only target/debug/libvarco_uniffi.a 2>/dev/null | awk '{print $3}' | grep -E '^(uniffi|ffi)_varco_uniffi_' | sort -u; }
used() { grep -oE '\b(uniffi|ffi)_varco_uniffi_[A-Za-z0-9_]+' "$swift" | sort -u; }
missing_in_lib() { ! comm -23 <(declared) <(defined) | grep .; }
missing_in_header() { ! comm -23 <(used) <(declared) | grep .; }
enough() { [ "$(declared | wc -l)" -gt 50 ]; }

check "swift header compiles as C11" clang -std=c11 -Wall -Wextra -Werror -fsyntax-only -I"$out" "$out/header.c"
check "swift header compiles as C++17" clang -x c++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only -I"$out" "$out/header.c"
check "swift modulemap imports as a clang module" clang -fmodules -fmodules-cache-path="$out/module-cache" \
  -fmodule-map-file="$modulemap" -I"$out" -Wall -Wextra -Werror -fsyntax-only "$out/module.c"
check "swift header declares the FFI" enough
check "every declared FFI function is in libvarco_uniffi.a" missing_in_lib
check "every FFI function the Swift code calls is declared" missing_in_header
echo "swift: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
