#!/usr/bin/env bash
# Makes sweep.zip: a real sweep by the `flipflop` CLI, zipped as `zip -r` zips a folder
# (entries under `demo-sweep/`). A 2 × 2 grid (hidden 8, 12 × lr 0.01, 0.02) × seeds 1..2,
# 5 steps each: 8 runs, of which hidden-8_lr-0.02_seed-2 fails (a folder stands where its
# network file goes, so writing it fails, as in crates/cli/tests/sweep.rs): 7 network files,
# one failed row with its error. Read by crates/formats/src/sweep/tests.rs and
# tests/e2e/sweep.test.mjs. Run from anywhere: bash crates/formats/tests/data/sweep/make.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../../.." && pwd)
cargo build -q -p flipflop-cli --manifest-path "$root/Cargo.toml"
ff="$root/target/debug/flipflop"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dir="$tmp/demo-sweep"
mkdir -p "$dir/hidden-8_lr-0.02_seed-2.net/blocker"
# Exit 1 (one run failed) is expected.
"$ff" sweep --grid hidden=8,12 --grid lr=0.01,0.02 --seeds 1..2 --steps 5 --jobs 2 \
  --out "$dir" > /dev/null 2>&1 || true
rm -r "$dir/hidden-8_lr-0.02_seed-2.net"
grep -q ',failed,' "$dir/summary.csv"
rm -f "$here/sweep.zip"
(cd "$tmp" && zip -q -X -r "$here/sweep.zip" demo-sweep)
echo "wrote $here/sweep.zip ($(wc -c < "$here/sweep.zip") bytes)"
