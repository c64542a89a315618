#!/usr/bin/env bash
# The C binding's tests: the header must match the code (pinned cbindgen),
# the library installs with a working pkg-config file, and the C tests and
# the shared scenario pass with -Wall -Wextra -Werror, under valgrind, and
# under AddressSanitizer + UBSan, linked statically and dynamically.
# Prints "c: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/../.."

cargo run --locked -q -p xtask -- header --check >/dev/null

prefix=target/c-install
rm -rf "$prefix"
bindings/c/install.sh "$prefix" dev >/dev/null
export PKG_CONFIG_PATH="$PWD/$prefix/lib/pkgconfig"
cflags="-std=c11 -pthread -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -g -Ibindings/c/tests $(pkg-config --cflags varco)"
# Static link: the archive itself, then what it needs (Libs.private).
static_libs="$PWD/$prefix/lib/libvarco.a $(pkg-config --static --libs varco | sed 's/-lvarco\b//')"
out=target/c-tests
mkdir -p "$out"

passed=0
failed=0
run() { # name, command...: adds the program's own "N passed, N failed"
  local name=$1
  shift
  local log counts status=0
  log=$(mktemp)
  "$@" >"$log" 2>&1 || status=$?
  counts=$(grep -oE '[0-9]+ passed, [0-9]+ failed' "$log" | tail -1 || true)
  if [ "$status" -eq 0 ] && [ -n "$counts" ]; then
    echo "$name ... ok ($counts)"
    passed=$((passed + ${counts%% passed*}))
  else
    echo "$name ... FAIL (exit $status)"
    cat "$log"
    if [ -n "$counts" ]; then
      local f=${counts##*, }
      f=${f%% failed*}
      passed=$((passed + ${counts%% passed*}))
      failed=$((failed + (f > 0 ? f : 1)))
    else
      failed=$((failed + 1)) # crashed before its summary
    fi
  fi
  rm -f "$log"
}

# The header is C++-clean too (cpp_compat).
printf '#include "varco.h"\nint main() { return varco_version() == nullptr; }\n' >"$out/cxx.cc"
c++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only $(pkg-config --cflags varco) "$out/cxx.cc"

scenario=bindings/scenarios/scenario.tsv
vg="valgrind -q --error-exitcode=1 --leak-check=full --show-possibly-lost=no --errors-for-leak-kinds=definite"
for t in test_varco scenario flow store; do
  # shellcheck disable=SC2086
  cc $cflags "bindings/c/tests/$t.c" $static_libs -o "$out/$t"
  # shellcheck disable=SC2086
  cc $cflags "bindings/c/tests/$t.c" $(pkg-config --libs varco) -o "$out/$t.shared"
  # shellcheck disable=SC2086
  cc $cflags -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
    "bindings/c/tests/$t.c" $static_libs -o "$out/$t.asan"
  run "c $t (static)" "$out/$t" "$scenario"
  run "c $t (shared)" env LD_LIBRARY_PATH="$prefix/lib" "$out/$t.shared" "$scenario"
  # shellcheck disable=SC2086
  run "c $t (valgrind)" $vg "$out/$t" "$scenario"
  run "c $t (asan+ubsan)" env ASAN_OPTIONS=detect_leaks=1 "$out/$t.asan" "$scenario"
done
# One call, linked statically with the flags varco.pc gives: the linker's
# dead-code removal (Libs.private) keeps it small. Stripped, this debug build
# is ~1.2 MB with the flag and ~7.6 MB without (release: 0.45 and 4.2 MB).
# shellcheck disable=SC2086
cc $cflags bindings/c/tests/one_call.c $static_libs -o "$out/one_call"
strip -o "$out/one_call.stripped" "$out/one_call"
one_call_size() {
  local size
  size=$(stat -c %s "$out/one_call.stripped")
  echo "stripped size $size bytes"
  "$out/one_call" && [ "$size" -lt $((2 * 1024 * 1024)) ]
}
run "c one_call (static, small)" one_call_size
# Programs linked against libvarco.so record its soname.
readelf -d "$out/test_varco.shared" | grep -q 'NEEDED.*\[libvarco\.so\.0\]'
echo "c: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
