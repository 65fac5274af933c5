#!/usr/bin/env bash
# Trunk post-build hook (Trunk.toml): builds the training worker a second time with relaxed
# SIMD, whose f32x4.relaxed_madd gives the training kernels fused multiply-add, into the
# staging directory as worker_relaxed.js + worker_relaxed_bg.wasm. web/worker_loader.js
# loads this build where the browser supports relaxed SIMD, the plain simd128 build
# (worker.js, built by Trunk itself) elsewhere. A module cannot hold both: one relaxed
# instruction makes the whole module invalid in a browser without the feature.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STAGE=${TRUNK_STAGING_DIR:?run by trunk build (Trunk.toml hooks)}
PROFILE=${TRUNK_PROFILE:-release}
# Its own target directory: other RUSTFLAGS in the main one would rebuild everything twice.
TARGET=$ROOT/target/relaxed-simd
flags=(--target wasm32-unknown-unknown -p flipflop-web --bin worker --offline)
[ "$PROFILE" = release ] && flags+=(--release)
RUSTFLAGS="-C target-feature=+simd128,+relaxed-simd" CARGO_TARGET_DIR=$TARGET \
  cargo build "${flags[@]}"
wasm-bindgen --target web --no-typescript --out-dir "$STAGE" --out-name worker_relaxed \
  "$TARGET/wasm32-unknown-unknown/$PROFILE/worker.wasm"
if [ "$PROFILE" = release ]; then
  # binaryen 132 from npm, never Debian's (trap 1 of ../shared/TOOLCHAIN.md).
  "$ROOT/node_modules/.bin/wasm-opt" -O3 --enable-simd --enable-relaxed-simd \
    "$STAGE/worker_relaxed_bg.wasm" -o "$STAGE/worker_relaxed_bg.wasm"
fi
