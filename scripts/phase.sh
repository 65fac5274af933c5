#!/usr/bin/env bash
# Runs one phase of `make test` and prints how long it took, so a CI log shows where the
# time goes: `scripts/phase.sh NAME command args…` →
# "[phase] NAME: 83 s wall, 151 s CPU (exit 0)". CPU time (user + system of everything the
# phase ran) does not depend on what else the machine is doing; wall time does.
set -uo pipefail
name=$1
shift
start=$(date +%s)
"$@"
status=$?
# `times` prints the shell's own and its children's user/system times (e.g. "1m2.500s"); it
# must run in this shell (in a pipeline's subshell the children's times start at zero).
times_file=$(mktemp)
times > "$times_file"
cpu=$(awk 'NR == 2 {
  s = 0
  for (i = 1; i <= 2; i++) { split($i, p, "m"); s += p[1] * 60 + p[2] }
  printf "%d", s
}' "$times_file")
rm -f "$times_file"
printf '[phase] %s: %d s wall, %s s CPU (exit %d)\n' "$name" "$(( $(date +%s) - start ))" "$cpu" "$status" >&2
exit "$status"
