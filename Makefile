# Flip-Flop Lab. The two commands for a fresh machine: `make serve` and `make test`.
# Both run scripts/setup.sh first, which installs only what is missing.
SHELL := /usr/bin/env bash
# wasm-opt (binaryen 132) and playwright-core come from npm; trunk and wasm-bindgen from cargo.
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
ADDRESS := http://127.0.0.1:8080

.PHONY: setup site build serve dev test lint test-native test-wasm test-e2e bench-web bench-fps pretrained screenshot clean

setup:
	@bash scripts/setup.sh

# dist/: the site, with brotli and gzip copies of its files (what a browser transfers).
build: setup
	$(MAKE) --no-print-directory site

serve: build
	@echo "Flip-Flop Lab: serving on $(ADDRESS)  (Ctrl-C stops)"
	node scripts/static.mjs serve dist 8080

# For development: trunk's server, rebuilding and reloading on every change (uncompressed).
dev: setup
	trunk serve --release

# Each phase prints its wall time ("[phase] NAME: S s"), so a CI log shows where time goes.
PHASE := bash scripts/phase.sh

test:
	$(PHASE) setup bash scripts/setup.sh
	$(PHASE) lint $(MAKE) --no-print-directory lint
	$(PHASE) native-and-site $(MAKE) --no-print-directory -j2 --output-sync=target test-native site
	$(PHASE) test-wasm $(MAKE) --no-print-directory test-wasm
	$(PHASE) e2e node --test tests/e2e/

# The site without the set-up step. `make test` builds it while the native tests build and
# run: the release wasm builds end in single-threaded work (one codegen unit, wasm-bindgen,
# wasm-opt) that leaves the second core idle.
site:
	$(PHASE) trunk-build trunk build --release
	$(PHASE) compress node scripts/static.mjs compress dist

# The core's determinism tests (same golden hashes as natively) and its kernel tests,
# compiled to wasm and run in headless Chromium (wasm-bindgen-test-runner + Debian
# chromedriver); the kernel tests a second time as the relaxed-SIMD worker build compiles them.
test-wasm:
	CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown -p flipflop-core --test determinism --lib
	CHROMEDRIVER=/usr/bin/chromedriver RUSTFLAGS="-C target-feature=+simd128,+relaxed-simd" \
	  CARGO_TARGET_DIR=target/relaxed-simd cargo test --target wasm32-unknown-unknown -p flipflop-core --lib

# What a reviewer would catch: formatting, and clippy's warnings as errors for the native
# build and for the browser build (wasm32, where the simd128 kernels and the web crate's
# wasm-only code compile).
lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p flipflop-core -p flipflop-formats -p flipflop-web --all-targets \
	  --target wasm32-unknown-unknown -- -D warnings

test-native:
	$(PHASE) cargo-test cargo test --workspace

test-e2e:
	node --test tests/e2e/

bench-web: build
	node tests/bench/bench.mjs

# Frame rate of the cube animation and live play while the worker trains (headless Chromium).
bench-fps: build
	node tests/bench/fps.mjs

# The network the page shows at first load (web/assets/pretrained.net, kept in the repo):
# preset `default` (N 128, 3 bits), seed 1, trained 5,000 steps on full-length trials (T 340).
# Trained this far past "solved", it holds all eight memories in stable fixed points (with
# saddles between), the textbook picture the fixed-point panel shows; a network stopped at
# the first solved check holds some memories only in slow points. Bit for bit reproducible on
# the same machine kind and CPU tier (x86-64 with AVX-512; the training kernels round differently
# on other tiers, and a different run may hold a memory in a slow point instead). Trained
# before the preset had least-squares readout fits (hence --readout-fit 0); trained on the
# preset's 200-step trials instead, 5,000-10,000 steps left 2-4 memories in slow points.
# The page adopts it with the default preset's training settings (page/pretrained.rs), so
# Train, Reset and a new seed train as the preset does.
pretrained:
	mkdir -p web/assets
	cargo run --release -p flipflop-cli -- train --preset default --seed 1 --steps 5000 --trial-len 0 --readout-fit 0 \
	  --out web/assets/pretrained.net

screenshot: build
	node tests/bench/screenshot.mjs

clean:
	rm -rf dist tests/e2e/screenshots/*.png
