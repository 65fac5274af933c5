#!/usr/bin/env bash
# Trains a preset on seeds 1..N until solved (bit accuracy >= 99 %, MSE <= 0.05 on held-out
# trials) and prints one JSON line per seed plus a summary: how many solved, median steps,
# seconds and FLOPs. Usage: scripts/seed-sweep.sh [preset] [seeds] [max-seconds] [train flags...]
# e.g. scripts/seed-sweep.sh default 10 300 --lr 5e-4 --batch 8
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-default}
seeds=${2:-10}
max_seconds=${3:-300}
shift $(( $# < 3 ? $# : 3 ))
cargo build --release -q -p flipflop-cli
out=$(mktemp -d)
for s in $(seq 1 "$seeds"); do
  ./target/release/flipflop train --preset "$preset" --seed "$s" --until-solved \
    --max-seconds "$max_seconds" --eval-every 100 "$@" --out "$out/s$s.net" 2>/dev/null \
    | python3 -c 'import json,sys; j=json.load(sys.stdin); print(json.dumps({k: j[k] for k in ("seed","solved","steps","seconds","flops")} | {"bit_accuracy": j["final"]["bit_accuracy"], "mse": j["final"]["mse"]}))'
done | tee "$out/runs.jsonl"
python3 - "$out/runs.jsonl" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
ok = [r for r in runs if r["solved"]]
print(json.dumps({
    "solved": f"{len(ok)} of {len(runs)}",
    "median_steps": statistics.median(r["steps"] for r in ok) if ok else None,
    "median_seconds": round(statistics.median(r["seconds"] for r in ok), 1) if ok else None,
    "median_gflop": round(statistics.median(r["flops"] for r in ok) / 1e9) if ok else None,
}))
PY
