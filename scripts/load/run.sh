#!/usr/bin/env bash
# Load tests of `fretwise serve` with oha on this machine (figures in docs/PERFORMANCE.md).
# Usage: scripts/load/run.sh sqlite://PATH/bench-100000.db [seconds] [scenarios]
#   scenarios: ask, analyze or ask,analyze (the default)
# Needs a release build (cargo build --release) and oha (cargo install oha).
#  1. POST /ask at a fixed 2,000 requests/s over 1,000 open connections (open loop: oha -q with
#     --latency-correction, so a slow answer delays the schedule, not the measurement), varied
#     questions (ask_bodies.py: 270 bodies, oha picks one per request), every answer composed
#     once by the warm-up and then served from the answer cache;
#  2. POST /ask closed loop at 1,000 connections: the most answers/s this machine gives;
#  3. POST /analyze-playing: a 10 s take, 16 concurrent uploads, closed loop (the first burst of
#     16 on the fresh service reported apart from the sustained run).
set -euo pipefail
db="${1:?catalog URL}"
secs="${2:-30}"
scenarios="${3:-ask,analyze}"
bin="${FRETWISE_BIN:-${CARGO_TARGET_DIR:-target}/release/fretwise}"
oha="${OHA:-oha}"
port=18181
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
ulimit -n 65536 2>/dev/null || true
key="$("$bin" keys create --db "$db" --scope staff --name load-test --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')"
FRETWISE_LOG=warn "$bin" serve --db "$db" --bind 127.0.0.1:$port --no-login-key --no-sample > "$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && break
  sleep 1
done
python3 "$here/ask_bodies.py" "$work/bodies.jsonl"
python3 "$here/make_take.py" "$work/take.wav"
url="http://127.0.0.1:$port"
summary() { python3 "$here/summary.py" "$1"; }
ask() {
  "$oha" --no-tui --output-format json -m POST -T application/json -H "Authorization: Bearer $key" \
    -Z "$work/bodies.jsonl" -t 10s "$@" "$url/api/ai-instructor/ask"
}
if [[ ",$scenarios," == *,ask,* ]]; then
echo "== warm-up: every body once, in order (each answer composed once, then cached; oha -Z picks lines at random)"
python3 "$here/warm.py" "$url/api/ai-instructor/ask" "$key" "$work/bodies.jsonl"
echo "== POST /ask at 2,000/s, 1,000 connections, ${secs} s (open loop, latency corrected)"
ask -z "${secs}s" -c 1000 -q 2000 --latency-correction > "$work/ask-2000.json"; summary "$work/ask-2000.json"
echo "== POST /ask closed loop, 1,000 connections, ${secs} s (saturation)"
ask -z "${secs}s" -c 1000 > "$work/ask-max.json"; summary "$work/ask-max.json"
fi
if [[ ",$scenarios," == *,analyze,* ]]; then
# A closed loop starts with all 16 uploads at once (their bodies arrive together, then wait for
# the analysis slots together): that burst is measured on its own, then the sustained load.
echo "== analyze-playing: the first 16 takes at once on the fresh service (burst)"
"$oha" --no-tui --output-format json -m POST -H "Authorization: Bearer $key" -F "audio=@$work/take.wav" \
  -t 10s -n 16 -c 16 "$url/api/ai-instructor/analyze-playing" > "$work/analyze-burst.json"
summary "$work/analyze-burst.json"
echo "== analyze-playing: a 10 s take, 16 concurrent uploads, ${secs} s (sustained, after the burst)"
"$oha" --no-tui --output-format json -m POST -H "Authorization: Bearer $key" -F "audio=@$work/take.wav" \
  -t 10s -z "${secs}s" -c 16 "$url/api/ai-instructor/analyze-playing" > "$work/analyze.json"
summary "$work/analyze.json"
fi
echo "== server errors logged"
grep -c '"status":5' "$work/serve.log" || true
