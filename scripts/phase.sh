#!/usr/bin/env bash
# Runs one phase of `make test` and prints how long it took, so a CI log shows where the
# time goes: `scripts/phase.sh NAME command args…` → "[phase] NAME: 83 s (exit 0)".
set -uo pipefail
name=$1
shift
start=$(date +%s)
"$@"
status=$?
printf '[phase] %s: %d s (exit %d)\n' "$name" "$(( $(date +%s) - start ))" "$status" >&2
exit "$status"
