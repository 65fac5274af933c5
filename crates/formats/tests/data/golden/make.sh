#!/usr/bin/env bash
# Made the golden fixtures ONCE, with the `flipflop` CLI of commit 1795ea9 (before the
# redesign): FLIPFLOP=/path/to/that/flipflop bash make.sh. Do not re-run it with newer code:
# the point of these files is that they were written by the old code. (`--train-steps` is the
# old name of `--trial-len`.)
set -euo pipefail
cd "$(dirname "$0")"
FF=${FLIPFLOP:?set FLIPFLOP to the old flipflop binary}
make_one() {
  local name=$1; shift
  mkdir -p "$name"
  "$FF" train "$@" --out "$name/net.net" >/dev/null 2>&1
  for kind in exact compact recipe; do
    "$FF" link "$name/net.net" --kind "$kind" --plain > "$name/$kind.txt"
  done
  "$FF" open "$(cat "$name/compact.txt")" --out "$name/compact.net" >/dev/null
  "$FF" open "$(cat "$name/recipe.txt")" > "$name/recipe.json" 2>/dev/null
  "$FF" export "$name/net.net" --json "$name/export.json" --npz "$name/export.npz" >/dev/null
}
make_one default --preset default --hidden 12 --bits 3 --seed 5 --steps 20 --train-steps 60
make_one paper --preset paper --hidden 8 --bits 2 --seed 9 --steps 10 --train-steps 30
