#!/usr/bin/env bash
# Builds libvarco (release) and installs it under PREFIX:
#   PREFIX/include/varco.h, PREFIX/lib/libvarco.a,
#   PREFIX/lib/libvarco.so -> libvarco.so.0 -> libvarco.so.<version>,
#   PREFIX/lib/pkgconfig/varco.pc
# Usage: bindings/c/install.sh PREFIX [cargo profile, default release]
set -euo pipefail
cd "$(dirname "$0")/../.."
prefix=${1:?usage: bindings/c/install.sh PREFIX [profile]}
profile=${2:-release}
mkdir -p "$prefix/include" "$prefix/lib/pkgconfig"
prefix=$(cd "$prefix" && pwd)

# The link flags a static link needs, as rustc reports them, and the
# linker's dead-code removal: libvarco.a carries the whole Rust standard
# library and every varco entry point, and without it a program making one
# call stays ~4 MB (about 10 times more; see bindings/README.md).
libs=$(cargo rustc --locked -q -p varco-c --profile "$profile" --crate-type staticlib \
  -- --print native-static-libs 2>&1 | sed -n 's/.*native-static-libs: //p' | tail -1)
case "$(uname -s)" in
  Darwin) libs="-Wl,-dead_strip $libs" ;;
  *) libs="-Wl,--gc-sections $libs" ;;
esac
cargo build --locked -q -p varco-c --profile "$profile"
dir=target/$([ "$profile" = dev ] && echo debug || echo "$profile")

cp bindings/c/include/varco.h "$prefix/include/"
cp "$dir/libvarco_c.a" "$prefix/lib/libvarco.a"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
# The shared library carries the soname libvarco.so.0 (see build.rs).
cp "$dir/libvarco_c.so" "$prefix/lib/libvarco.so.$version"
ln -sf "libvarco.so.$version" "$prefix/lib/libvarco.so.0"
ln -sf "libvarco.so.0" "$prefix/lib/libvarco.so"
sed -e "s|@PREFIX@|$prefix|" -e "s|@VERSION@|$version|" -e "s|@LIBS_PRIVATE@|$libs|" \
  bindings/c/varco.pc.in >"$prefix/lib/pkgconfig/varco.pc"
echo "installed varco $version in $prefix (Libs.private: $libs)"
