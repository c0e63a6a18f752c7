"""Write a merged Hugging Face llama checkpoint as a GGUF that `fretwise ask --llm local:PATH` serves."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import gguf
import numpy as np
import torch
from safetensors.torch import load_file

# general.file_type values (llama.cpp's LlamaFileType) for the weight types this writes.
FILE_TYPES = {"f32": 0, "f16": 1, "q8_0": 7}
# Metadata the writer sets itself (architecture) or recomputes (file type); "GGUF." keys are
# the reader's view of the header, not key/values.
SKIP_KEYS = {"general.architecture", "general.file_type"}


def permute_for_gguf(w: np.ndarray, n_head: int, n_head_kv: int | None = None) -> np.ndarray:
    """Reorder q/k rows from Hugging Face's rotate-half RoPE layout to GGML's interleaved one."""
    # The same permutation as llama.cpp's convert_hf_to_gguf.py (LlamaModel.permute); transformers'
    # LlamaTensorProcessor._reverse_permute_weights undoes exactly this when it loads a GGUF.
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return (
        w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
        .swapaxes(1, 2)
        .reshape(w.shape)
    )


def load_state_dict(model_dir: Path) -> dict[str, torch.Tensor]:
    """All tensors of a saved checkpoint (one or several safetensors shards)."""
    files = sorted(model_dir.glob("*.safetensors"))
    if not files:
        raise SystemExit(f"{model_dir}: no *.safetensors (save the merged model first)")
    state: dict[str, torch.Tensor] = {}
    for f in files:
        state.update(load_file(str(f)))
    return state


def copy_metadata(reader: gguf.GGUFReader, writer: gguf.GGUFWriter, overrides: dict[str, str]) -> int:
    """Copies every key/value of the base GGUF (tokenizer, chat template, hyperparameters)."""
    n = 0
    for name, field in reader.fields.items():
        if name.startswith("GGUF.") or name in SKIP_KEYS:
            continue
        vtype = field.types[0]
        sub_type = field.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None
        value = overrides.get(name, field.contents())
        writer.add_key_value(name, value, vtype, sub_type=sub_type)
        n += 1
    return n


def check_hyperparameters(reader: gguf.GGUFReader, config: dict) -> None:
    """Fails when the checkpoint's shape differs from the base GGUF whose metadata is copied."""
    pairs = {
        "llama.block_count": config["num_hidden_layers"],
        "llama.embedding_length": config["hidden_size"],
        "llama.feed_forward_length": config["intermediate_size"],
        "llama.attention.head_count": config["num_attention_heads"],
        "llama.attention.head_count_kv": config["num_key_value_heads"],
    }
    for key, want in pairs.items():
        field = reader.get_field(key)
        got = field.contents() if field is not None else None
        if got != want:
            raise SystemExit(f"base GGUF {key} = {got}, the checkpoint has {want}: not the same model")


def tensor_for_gguf(w: np.ndarray, dtype: str) -> tuple[np.ndarray, gguf.GGMLQuantizationType | None]:
    """The array to write and its GGML type (norms and other 1-D tensors stay F32, as in llama.cpp)."""
    if w.ndim == 1 or dtype == "f32":
        return w.astype(np.float32), None
    if dtype == "f16":
        return w.astype(np.float16), None
    qtype = gguf.GGMLQuantizationType.Q8_0
    return gguf.quants.quantize(w.astype(np.float32), qtype), qtype


def export(model_dir: Path, base_gguf: Path, out: Path, dtype: str, name_suffix: str) -> dict:
    """Writes OUT and returns a summary (tensor count, bytes, seconds)."""
    started = time.time()
    config = json.loads((model_dir / "config.json").read_text())
    if config.get("model_type") != "llama":
        raise SystemExit(f"{model_dir}: model_type {config.get('model_type')!r}; this exporter writes llama")
    reader = gguf.GGUFReader(str(base_gguf))
    check_hyperparameters(reader, config)
    n_layers = config["num_hidden_layers"]
    n_head, n_head_kv = config["num_attention_heads"], config["num_key_value_heads"]
    tied = config.get("tie_word_embeddings", False)

    state = load_state_dict(model_dir)
    name_map = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, n_layers)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    writer = gguf.GGUFWriter(str(tmp), "llama")
    overrides = {}
    base_name = reader.get_field("general.name")
    if base_name is not None and name_suffix:
        overrides["general.name"] = f"{base_name.contents()} {name_suffix}"
    n_meta = copy_metadata(reader, writer, overrides)
    writer.add_file_type(FILE_TYPES[dtype])

    written = 0
    for hf_name in sorted(state, key=_layer_order):
        if hf_name == "lm_head.weight" and tied:
            continue  # tied to token_embd, as in the base GGUF (which has no output.weight)
        gguf_name = name_map.get_name(hf_name, try_suffixes=(".weight", ".bias"))
        if gguf_name is None:
            raise SystemExit(f"no GGUF name for {hf_name}")
        w = state[hf_name].to(torch.float32).numpy()
        if hf_name.endswith("self_attn.q_proj.weight"):
            w = permute_for_gguf(w, n_head, n_head)
        elif hf_name.endswith("self_attn.k_proj.weight"):
            w = permute_for_gguf(w, n_head, n_head_kv)
        data, raw_dtype = tensor_for_gguf(w, dtype)
        writer.add_tensor(gguf_name, data, raw_dtype=raw_dtype)
        written += 1

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    tmp.replace(out)
    return {
        "gguf": str(out),
        "dtype": dtype,
        "tensors": written,
        "metadata_keys_copied": n_meta,
        "bytes": out.stat().st_size,
        "seconds": round(time.time() - started, 2),
    }


def _layer_order(name: str) -> tuple:
    """Sort key: embeddings, then blocks in numeric order, then the rest (as llama.cpp writes them)."""
    parts = name.split(".")
    if len(parts) > 2 and parts[1] == "layers":
        return (1, int(parts[2]), name)
    return (0 if "embed" in name else 2, 0, name)


def main(argv: list[str] | None = None) -> int:
    """Command line: export_gguf.py --model DIR --base-gguf BASE --out OUT.gguf [--dtype f16]."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", type=Path, required=True, help="merged Hugging Face checkpoint (safetensors)")
    ap.add_argument("--base-gguf", type=Path, required=True, help="GGUF the model came from (metadata source)")
    ap.add_argument("--out", type=Path, required=True, help="GGUF to write")
    ap.add_argument("--dtype", choices=sorted(FILE_TYPES), default="f16", help="matrix weight type")
    ap.add_argument("--name-suffix", default="(fretwise LoRA)", help="appended to general.name")
    args = ap.parse_args(argv)
    summary = export(args.model, args.base_gguf, args.out, args.dtype, args.name_suffix)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
