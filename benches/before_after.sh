#!/usr/bin/env bash
# Before/after in one run: the same benches in two checkouts, alternately,
# twice, so that both builds see the same machine state.
#   benches/before_after.sh <old checkout> <new checkout> [bench filter ...]
# e.g. git worktree add /tmp/old 1741d9e && benches/before_after.sh /tmp/old .
set -u
old=${1:?old checkout}
new=${2:?new checkout}
args="--warm-up-time 1 --measurement-time 4 --noplot"
for round in 1 2; do
  for tree in "$old" "$new"; do
    echo "=== $tree (round $round)"
    (cd "$tree" && CARGO_TARGET_DIR="$tree/target" cargo bench -q -p varco-benches --bench otp -- "totp_verify_invalid_window_pm1/varco" $args 2>&1 | grep -E "^totp|time:" | grep -v "%")
    (cd "$tree" && CARGO_TARGET_DIR="$tree/target" cargo bench -q -p varco-benches --bench guard -- $args 2>&1 | grep -E "^guard|time:" | grep -v "%")
    (cd "$tree" && CARGO_TARGET_DIR="$tree/target" cargo bench -q -p varco-benches --bench bindings -- binding_step_code_verify/rust $args 2>&1 | grep -E "^binding|time:" | grep -v "%")
    # Stored steps (benches/benches/steps.rs; copy it into an old checkout
    # that lacks it, with its [[bench]] entry).
    (cd "$tree" && CARGO_TARGET_DIR="$tree/target" cargo bench -q -p varco-benches --bench steps -- $args 2>&1 | grep -E "^stored|time:" | grep -v "%")
  done
done
