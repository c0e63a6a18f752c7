#!/usr/bin/env bash
# The web UI in a real browser: builds `fretwise`, serves a small generated catalog, builds a
# practice take from real recorded guitar notes and runs test_ui.py (Playwright driving
# Debian's Chromium, axe-core injected). Screenshots go to docs/screenshots/ (SHOTS= to change).
# Needs: /usr/bin/chromium (apt-get install chromium), the PyPI packages playwright,
# soundfile and datasets, npm (for axe-core), and the recorded guitar notes in $FRETWISE_GUITAR_SAMPLES
# (scripts/audio-eval/fetch_guitar_samples.sh). Installs what is missing; fails if it cannot.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../../../.." && pwd)"
here="$repo/crates/server/tests/browser"
cd "$repo"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/fretwise-target}"
cache="${FRETWISE_BROWSER_CACHE:-$HOME/.cache/fretwise-browser}"
mkdir -p "$cache"

# Debian's Chromium (Playwright's own browser download does not work here).
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends chromium >/dev/null; }
fi
# playwright drives the browser; soundfile reads the MP3 samples; datasets checks the export.
python3 -c 'import playwright, soundfile, numpy, datasets' 2>/dev/null \
  || python3 -m pip install --quiet --disable-pip-version-check playwright soundfile numpy datasets
# axe-core from the npm registry, pinned, unpacked once into the cache.
axe="$cache/axe-core-4.11.0/axe.min.js"
if [ ! -f "$axe" ]; then
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent axe-core@4.11.0 >/dev/null && tar -xzf axe-core-4.11.0.tgz)
  mkdir -p "$cache/axe-core-4.11.0"
  cp "$tmp/package/axe.min.js" "$axe"
  rm -rf "$tmp"
fi
samples="${FRETWISE_GUITAR_SAMPLES:-$HOME/.cache/fretwise-guitar-samples}"
if [ ! -d "$samples/acoustic" ]; then
  scripts/audio-eval/fetch_guitar_samples.sh "$samples"
fi

# FRETWISE_BIN: a fretwise binary already built (else the debug build of this checkout).
fw="${FRETWISE_BIN:-}"
if [ -z "$fw" ]; then
  cargo build --quiet --locked -p fretwise-cli
  fw="$CARGO_TARGET_DIR/debug/fretwise"
fi
work="$(mktemp -d)"
serve_pid=""
cleanup() { [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
db="sqlite://$work/ui.db"
"$fw" sample-corpus --out "$work/corpus" --instructors 6 --lessons 60 --seed 3 --json > /dev/null
# Every other lesson gets a (made-up) platform video, so citations of both kinds appear: the
# video at the moment, and the transcript at the moment where no video is known.
python3 - "$work/corpus/manifest.csv" <<'PY'
import csv, sys
path = sys.argv[1]
rows = list(csv.reader(open(path, newline="")))
rows[0].append("video_url")
for i, row in enumerate(rows[1:]):
    row.append(f"https://videos.example.com/v/{row[0]}.mp4" if i % 2 == 0 else "")
csv.writer(open(path, "w", newline="")).writerows(rows)
PY
"$fw" ingest "$work/corpus" --db "$db" --json > /dev/null
key() { "$fw" keys create --db "$db" --scope "$1" --name "browser-$1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])'; }
student_key="$(key student)"
staff_key="$(key staff)"
python3 "$here/make_take.py" "$samples" "$work/take.wav"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$fw" serve --db "$db" --bind "127.0.0.1:$port" --no-login-key --no-sample --index "$work/index" \
  --max-seconds 60 > "$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && break
  kill -0 "$serve_pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
  sleep 0.5
done
status=0
FRETWISE_URL="http://127.0.0.1:$port" FRETWISE_STUDENT_KEY="$student_key" FRETWISE_STAFF_KEY="$staff_key" \
  TAKE_WAV="$work/take.wav" FRETWISE_GUITAR_SAMPLES="$samples" AXE_JS="$axe" SHOTS="${SHOTS:-$repo/docs/screenshots}" WORK="$work" \
  python3 "$here/test_ui.py" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- the service's log (last 40 lines)" >&2
  tail -n 40 "$work/serve.log" >&2
fi
exit "$status"
