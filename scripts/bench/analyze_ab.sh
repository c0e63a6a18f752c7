#!/usr/bin/env bash
# Compares the analysis CPU of fretwise builds on one recording, runs alternated (a noisy host
# drifts between runs): the minimum and median task-clock of `fretwise analyze FILE --json`.
# Usage: scripts/bench/analyze_ab.sh RUNS FILE BINARY...   (needs perf)
set -euo pipefail
runs="${1:?runs}"; file="${2:?recording}"; shift 2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for i in $(seq 1 "$runs"); do
  for k in $(seq 1 $#); do
    bin="${!k}"
    perf stat -x, -e task-clock "$bin" analyze "$file" --json 2>&1 >/dev/null | cut -d, -f1 >> "$work/$k"
  done
done
for k in $(seq 1 $#); do
  sort -n "$work/$k" | awk -v b="${!k}" '{a[NR]=$1} END {printf "%s: min %.1f ms, median %.1f ms of task-clock (%d runs)\n", b, a[1], a[int((NR+1)/2)], NR}'
done
