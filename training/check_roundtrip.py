"""Load an exported GGUF back with transformers and compare its weights and logits with the checkpoint."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import gguf
import numpy as np
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

PROMPTS = [
    "What notes are in a C major chord?",
    "How do I keep my alternate picking even at 120 bpm?",
    "Which fret on the A string is a D?",
]
QTYPES = {
    gguf.GGMLQuantizationType.F32: "f32",
    gguf.GGMLQuantizationType.F16: "f16",
    gguf.GGMLQuantizationType.Q8_0: "q8_0",
}


def matrix_type(path: Path) -> gguf.GGMLQuantizationType:
    """The type the GGUF stores its 2-D weights in (the exporter uses one type for all of them)."""
    reader = gguf.GGUFReader(str(path))
    kinds = {t.tensor_type for t in reader.tensors if len(t.shape) == 2}
    if len(kinds) != 1:
        raise SystemExit(f"{path}: mixed matrix types {sorted(k.name for k in kinds)}")
    return kinds.pop()


def round_like(model: torch.nn.Module, qtype: gguf.GGMLQuantizationType) -> None:
    """Rounds the model's matrices as the GGUF stores them, so the comparison measures layout only."""
    if qtype == gguf.GGMLQuantizationType.F32:
        return
    with torch.no_grad():
        for p in model.parameters():
            if p.ndim != 2:
                continue  # 1-D tensors (norms) are written as F32
            w = p.detach().to(torch.float32).numpy()
            back = gguf.quants.dequantize(gguf.quants.quantize(w, qtype), qtype)
            p.copy_(torch.from_numpy(np.ascontiguousarray(back.reshape(w.shape))))


def logits(model, tok, prompts: list[str]) -> list[torch.Tensor]:
    """Last-layer logits of each chat-formatted prompt."""
    out = []
    for q in prompts:
        text = tok.apply_chat_template([{"role": "user", "content": q}], tokenize=False, add_generation_prompt=True)
        ids = tok(text, return_tensors="pt").input_ids
        with torch.no_grad():
            out.append(model(ids).logits[0].float())
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: check_roundtrip.py --model DIR --gguf OUT.gguf [--max-diff 1e-3]."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", type=Path, required=True, help="the checkpoint the GGUF was written from")
    ap.add_argument("--gguf", type=Path, required=True, help="the exported GGUF")
    ap.add_argument("--max-diff", type=float, default=1e-3, help="largest allowed logit difference")
    ap.add_argument("--json", type=Path, help="also write the result here")
    args = ap.parse_args(argv)
    torch.manual_seed(0)
    started = time.time()

    qtype = matrix_type(args.gguf)
    ref = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32).eval()
    ref_tok = AutoTokenizer.from_pretrained(args.model)
    back = AutoModelForCausalLM.from_pretrained(
        args.gguf.parent, gguf_file=args.gguf.name, dtype=torch.float32
    ).eval()
    back_tok = AutoTokenizer.from_pretrained(args.gguf.parent, gguf_file=args.gguf.name)

    # The GGUF's own tokenizer and chat template must give the same ids as the checkpoint's.
    for q in PROMPTS:
        msgs = [{"role": "user", "content": q}]
        a = ref_tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
        b = back_tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
        if a != b or ref_tok(a).input_ids != back_tok(b).input_ids:
            raise SystemExit(f"tokenizer or chat template differs for {q!r}")

    raw = logits(ref, ref_tok, PROMPTS)
    round_like(ref, qtype)
    rounded = logits(ref, ref_tok, PROMPTS)
    loaded = logits(back, back_tok, PROMPTS)

    # Weights, tensor by tensor (the q/k permutation and the names are what this checks).
    ref_sd, back_sd = ref.state_dict(), back.state_dict()
    weight_diff = max(
        (ref_sd[k].float() - back_sd[k].float()).abs().max().item() for k in ref_sd if k in back_sd
    )
    missing = sorted(set(ref_sd) - set(back_sd))
    diff = max((a - b).abs().max().item() for a, b in zip(rounded, loaded))
    precision = max((a - b).abs().max().item() for a, b in zip(raw, loaded))
    same_argmax = all(bool((a.argmax(-1) == b.argmax(-1)).all()) for a, b in zip(rounded, loaded))
    result = {
        "gguf": str(args.gguf),
        "matrix_type": QTYPES.get(qtype, qtype.name),
        "max_abs_logit_diff": diff,
        "max_abs_weight_diff": weight_diff,
        "max_abs_logit_diff_vs_unrounded": precision,
        "same_argmax": same_argmax,
        "missing_tensors": missing,
        "seconds": round(time.time() - started, 1),
    }
    print(json.dumps(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    if missing or diff > args.max_diff or not same_argmax:
        print(f"FAIL: logits differ by {diff:g} (allowed {args.max_diff:g}) or tensors are missing", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
