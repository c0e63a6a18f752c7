#!/usr/bin/env bash
# Load test of POST /api/ai-instructor/ask with wrk on this machine (figures in docs/PERFORMANCE.md).
# Usage: scripts/load/run.sh sqlite://PATH/bench-100000.db [connections] [seconds]
# Needs a release build (cargo build --release) and wrk (apt-get install wrk).
set -euo pipefail
db="${1:?catalog URL}"
conns="${2:-1000}"
secs="${3:-30}"
bin="${CARGO_TARGET_DIR:-target}/release/fretwise"
port=18181
ulimit -n 65536 2>/dev/null || true
key="$("$bin" keys create --db "$db" --scope staff --name load-test --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')"
FRETWISE_LOG=warn "$bin" serve --db "$db" --bind 127.0.0.1:$port --no-login-key --no-sample > /tmp/fretwise-load-serve.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && break
  sleep 1
done
cd "$(dirname "$0")"
echo "== warm-up (every question once per level, 5 s)"
KEY="$key" wrk -t2 -c50 -d5s -s ask.lua "http://127.0.0.1:$port" | tail -6
echo "== $conns connections, ${secs} s"
KEY="$key" wrk -t2 -c"$conns" -d"${secs}s" --timeout 10s -s ask.lua "http://127.0.0.1:$port"
echo "== analyze-playing: a 10 s take, 16 concurrent uploads, ${secs} s"
python3 make_take.py /tmp/fretwise-take.wav
KEY="$key" TAKE=/tmp/fretwise-take.wav wrk -t2 -c16 -d"${secs}s" --timeout 10s -s analyze.lua "http://127.0.0.1:$port"
echo "== server errors logged"
grep -c '"status":5' /tmp/fretwise-load-serve.log || true
