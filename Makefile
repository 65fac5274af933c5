# Flip-Flop Lab. The two commands for a fresh machine: `make serve` and `make test`.
# Both run scripts/setup.sh first, which installs only what is missing.
SHELL := /usr/bin/env bash
# wasm-opt (binaryen 132) and playwright-core come from npm; trunk and wasm-bindgen from cargo.
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
ADDRESS := http://127.0.0.1:8080

.PHONY: setup build serve test test-native test-e2e bench-web screenshot clean

setup:
	@bash scripts/setup.sh

build: setup
	trunk build --release

serve: setup
	@echo "Flip-Flop Lab: building, then serving on $(ADDRESS)  (Ctrl-C stops)"
	trunk serve --release

test: setup
	cargo test --workspace
	trunk build --release
	node --test tests/e2e/

test-native:
	cargo test --workspace

test-e2e:
	node --test tests/e2e/

bench-web: build
	node tests/bench/bench.mjs

screenshot: build
	node tests/bench/screenshot.mjs

clean:
	rm -rf dist tests/e2e/screenshots/*.png
