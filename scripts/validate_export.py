#!/usr/bin/env python3
"""Checks a `fretwise export` folder with the real consumer libraries.

- Hugging Face `datasets.load_dataset(OUT/hf)` loads all three splits with the contract columns.
- Every OpenAI line passes the checks of OpenAI's chat fine-tuning data guidance (the cookbook's
  "Data preparation and analysis for chat model fine-tuning"): a dict with only "messages"; each
  message has a known role and string content and no other keys; at least one assistant message.
- Every LangChain line constructs a `langchain_core.documents.Document`.
- Every JSON line file is valid JSON without NaN/Infinity, BOM or blank lines.
- With --audio (an export of lessons whose recordings were analysed): the multimodal splits load
  with `datasets.load_dataset("json", ...)`, every record has numeric `audio_features` (level,
  SNR, pitch and spectral statistics, 13 MFCC means) and its `demonstrations` have times, notes,
  key, tempo and a 32-value embedding; some passages hold demonstrations.

Usage: validate_export.py OUT [OUT ...]; prints "N passed, M failed" and exits non-zero on failure.
"""
import json
import os
import sys
from pathlib import Path

import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
# A fresh cache: `datasets` can otherwise serve an earlier load of a folder with the same name.
os.environ["HF_DATASETS_CACHE"] = tempfile.mkdtemp(prefix="fretwise-hf-cache-")

from datasets import load_dataset  # noqa: E402 (after the cache settings above)

passed = 0
failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {what}")


def reject_constant(name):
    raise ValueError(f"non-standard JSON constant {name}")


def read_jsonl(path):
    raw = path.read_bytes()
    check(not raw.startswith(b"\xef\xbb\xbf"), f"{path}: no BOM")
    rows = []
    for n, line in enumerate(raw.decode("utf-8").split("\n")[:-1], 1):
        check(line.strip() != "", f"{path}:{n}: blank line")
        rows.append(json.loads(line, parse_constant=reject_constant))
    return rows


def check_openai(path):
    for n, ex in enumerate(read_jsonl(path), 1):
        where = f"{path}:{n}"
        ok = isinstance(ex, dict) and set(ex) == {"messages"} and isinstance(ex["messages"], list)
        check(ok, f"{where}: only a 'messages' list")
        if not ok:
            continue
        roles = []
        for m in ex["messages"]:
            check(set(m) <= {"role", "content", "name", "weight"}, f"{where}: unknown message keys {set(m)}")
            check(m.get("role") in {"system", "user", "assistant", "tool"}, f"{where}: role {m.get('role')}")
            check(isinstance(m.get("content"), str) and m["content"] != "", f"{where}: content is a non-empty string")
            roles.append(m.get("role"))
        check("assistant" in roles, f"{where}: has an assistant message")


def main(out):
    out = Path(out)
    manifest = json.loads((out / "manifest.json").read_text())
    check(manifest["tokens"]["tokenizer"] == "cl100k_base", "token counts reported")

    ds = load_dataset(str(out / "hf"))
    with_rows = {s for s, n in manifest["counts"]["hf"].items() if n > 0}
    check(set(ds.keys()) == with_rows, f"hf splits {set(ds.keys())} = splits with rows {with_rows}")
    if "--all-splits" in sys.argv:
        check(set(ds.keys()) == {"train", "validation", "test"}, "all three splits load")
    for split in sorted(with_rows):
        cols = set(ds[split].column_names)
        need = {"id", "text", "instructor", "course", "segment_id", "start_s", "end_s", "guitar_terms",
                "skill_level", "style", "quality_score"}
        check(need <= cols, f"hf {split} columns {cols}")
        check(ds[split].num_rows == manifest["counts"]["hf"][split], f"hf {split} rows match the manifest")

    for split in ("train", "validation", "test"):
        p = out / "openai" / f"{split}.jsonl"
        if p.exists():
            check_openai(p)

    from langchain_core.documents import Document

    for n, d in enumerate(read_jsonl(out / "langchain" / "documents.jsonl"), 1):
        doc = Document(**d)
        check(doc.metadata.get("split") in {"train", "validation", "test"}, f"langchain line {n}: metadata.split")

    for fmt in ("conversational", "multimodal", "alpaca", "sharegpt"):
        for split in ("train", "validation", "test"):
            p = out / fmt / f"{split}.jsonl"
            if p.exists():
                read_jsonl(p)

    if "--audio" in sys.argv:
        check_audio(out)


def check_audio(out):
    files = {s: str(out / "multimodal" / f"{s}.jsonl") for s in ("train", "validation", "test")
             if (out / "multimodal" / f"{s}.jsonl").exists()}
    check(bool(files), "multimodal splits written")
    ds = load_dataset("json", data_files=files)
    demos = 0
    for split in files:
        for n, r in enumerate(ds[split]):
            where = f"multimodal {split} row {n}"
            f = r["audio_features"]
            check(isinstance(f, dict), f"{where}: audio_features present")
            if not isinstance(f, dict):
                continue
            for k in ("duration_s", "rms_db", "snr_db", "voiced_ratio", "median_f0_hz",
                      "spectral_centroid_hz", "spectral_rolloff_hz", "spectral_flatness"):
                check(isinstance(f.get(k), (int, float)), f"{where}: audio_features.{k} is a number")
            check(len(f.get("mfcc_mean") or []) == 13, f"{where}: 13 MFCC means")
            check(len(f.get("f0_range_hz") or []) == 2, f"{where}: f0 range")
            for d in r["demonstrations"] or []:
                demos += 1
                check(0 <= d["start_s"] < d["end_s"], f"{where}: demonstration times")
                check(len(d["notes"]) >= 2 and all(isinstance(x, str) for x in d["notes"]), f"{where}: notes named")
                check(isinstance(d["key"], str) and d["tempo_bpm"] >= 0, f"{where}: key and tempo")
                check(len(d["embedding"]) == 32, f"{where}: 32-value embedding")
                check(d["relation"] in {"introduced", "follows", "within"}, f"{where}: relation")
    check(demos > 0, "some passages hold demonstrations")


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        if not arg.startswith("--"):
            main(arg)
    print(f"export validation: {passed} passed, {failed} failed")
    sys.exit(1 if failed or passed == 0 else 0)
