#!/usr/bin/env bash
# Installs what Flip-Flop Lab needs on a fresh Debian 12 machine with rustup, node and npm.
# Idempotent: every step checks whether its tool is already there at the pinned version.
# Versions and traps: see ../shared/TOOLCHAIN.md (kept in sync with Cargo.toml and Trunk.toml).
set -euo pipefail

TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.130   # must equal Cargo.toml's wasm-bindgen pin and Trunk.toml [tools]

cd "$(dirname "$0")/.."
log() { printf '[setup] %s\n' "$*" >&2; }
SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO=sudo

# 1. Rust target for the browser.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# 1b. rustfmt and clippy for `make lint` (a minimal rustup profile has neither).
for comp in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$comp"; then
    log "adding rust component $comp"
    rustup component add "$comp"
  fi
done

# 2. Debian packages: Chromium + chromedriver for the browser tests, numpy for the test
#    that numpy.load reads our npz export, and Slurm + munge for the test that runs a sweep
#    as a real job array (never Debian's binaryen: trap 1). One apt call, skipped when all
#    are present.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ] \
   || ! /usr/bin/python3 -c 'import numpy' >/dev/null 2>&1 \
   || [ ! -x /usr/sbin/slurmctld ] || [ ! -x /usr/sbin/slurmd ] || [ ! -x /usr/bin/sbatch ] \
   || [ ! -x /usr/sbin/munged ]; then
  log "installing chromium, chromium-driver, python3-numpy, slurm-wlm and munge from Debian"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver python3-numpy slurm-wlm munge >/dev/null
fi

# 3. trunk and wasm-bindgen-cli at the pinned versions, compiled side by side (each ends in
#    single-threaded work that leaves the other core idle). They are build tools run a few
#    times per test run, so they are compiled for build time, not peak speed: no LTO and
#    parallel codegen (trunk's own profile asks for fat LTO and one codegen unit).
#    wasm-bindgen-cli without its default TLS feature: wasm-bindgen-test-runner talks to
#    chromedriver over plain HTTP, and nothing here downloads. It must equal the crate's
#    version exactly (Trunk otherwise tries to download it); `--locked` fails on this
#    registry, hence the unlocked fallback.
install_tool() {
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install --quiet "$@"
}
pids=()
if ! command -v trunk >/dev/null 2>&1 || ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
  log "installing trunk $TRUNK_VERSION (a few minutes on 2 cores)"
  install_tool --locked trunk --version "$TRUNK_VERSION" &
  pids+=($!)
fi
if ! command -v wasm-bindgen >/dev/null 2>&1 || ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes)"
  { install_tool --no-default-features --locked wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" 2>/dev/null \
      || install_tool --no-default-features wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"; } &
  pids+=($!)
fi
for pid in "${pids[@]}"; do
  wait "$pid" || { log "a tool install failed (see cargo's message above)"; exit 1; }
done

# 5. Node packages: playwright-core (tests) and binaryen 132 (wasm-opt), from package-lock.json.
if [ -f package-lock.json ]; then
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "npm ci"
    npm ci --no-audit --no-fund --loglevel=error
  fi
fi

# wasm-opt must be binaryen 132 from npm (trap 1); Trunk.toml pins it and fails loudly otherwise.
if [ -x node_modules/.bin/wasm-opt ] && ! node_modules/.bin/wasm-opt --version | grep -q 'version 132'; then
  log "warning: node_modules/.bin/wasm-opt is not binaryen 132: $(node_modules/.bin/wasm-opt --version)"
fi

# 6. Crates, so that builds can run offline.
if [ -f Cargo.lock ]; then
  cargo fetch --locked >/dev/null 2>&1 || cargo fetch
fi
log "toolchain ready"
