#!/usr/bin/env bash
# Fuzzes fretwise's parsers with AFL++ (cargo-afl, stable toolchain), one target after another.
#
#   scripts/fuzz.sh [--minutes N] [TARGET...]     (default: 10 minutes each, every target)
#
# Targets: transcript manifest chord tab exercise audio (fuzz/src/bin). Findings are written to
# $FRETWISE_FUZZ_OUT (default ~/.cache/fretwise-fuzz/TARGET/default/{crashes,hangs}); the
# summary line per target gives executions, paths found, crashes and hangs.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=10
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    -h|--help) sed -n 2,8p "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(transcript manifest chord tab exercise audio)
command -v cargo-afl >/dev/null || { echo "cargo-afl is not installed: cargo install cargo-afl" >&2; exit 1; }

out_root="${FRETWISE_FUZZ_OUT:-$HOME/.cache/fretwise-fuzz}"
export CARGO_TARGET_DIR="${FRETWISE_FUZZ_TARGET:-$HOME/.cache/fretwise-fuzz-target}"
(cd fuzz && cargo afl build --release --locked --bins)

# AFL++ refuses to start on a core pattern that pipes crashes elsewhere, and on a host whose CPU
# governor it cannot read; neither matters to finding crashes here.
export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1

for t in "${targets[@]}"; do
  seeds="$(mktemp -d)"
  cp fuzz/seeds/"$t"/* "$seeds"/
  if [ "$t" = transcript ] && [ -d ../shared/fixtures/transcripts ]; then
    # The real service output, cut to its first segments so each execution stays fast.
    python3 - "$seeds" ../shared/fixtures/transcripts/*.json <<'PY'
import json, os, sys
out = sys.argv[1]
for path in sys.argv[2:]:
    doc = json.load(open(path))
    for key in ("segments", "word_segments"):
        if isinstance(doc.get(key), list):
            doc[key] = doc[key][:3]
    json.dump(doc, open(os.path.join(out, "real_" + os.path.basename(path)), "w"))
PY
  fi
  dir="$out_root/$t"
  mkdir -p "$dir"
  # -V: seconds to run; -t: a run over 1 s is a hang; -m: memory limit off (Rust reserves lazily).
  cargo afl fuzz -i "$seeds" -o "$dir" -V "$((minutes * 60))" -t 1000 -m none \
    "$CARGO_TARGET_DIR/release/$t" > "$dir/afl.log" 2>&1 || true
  rm -rf "$seeds"
  stats="$dir/default/fuzzer_stats"
  if [ -f "$stats" ]; then
    get() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
    echo "$t: $(get execs_done) executions in $(get run_time) s, $(get corpus_count) paths, $(get saved_crashes) crashes, $(get saved_hangs) hangs"
  else
    echo "$t: AFL++ did not run; see $dir/afl.log" >&2
  fi
done
