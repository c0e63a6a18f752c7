"""Unit checks of the GGUF exporter that need no model file: `python -m pytest training` or run directly."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from export_gguf import _layer_order, permute_for_gguf  # noqa: E402


def test_permutation_is_what_transformers_reverses() -> None:
    """transformers' GGUF loader undoes the exporter's q/k permutation exactly (SmolLM2's 9/3 heads)."""
    from transformers.modeling_gguf_pytorch_utils import LlamaTensorProcessor

    rng = np.random.default_rng(0)
    proc = LlamaTensorProcessor(config={"num_attention_heads": 9, "num_key_value_heads": 3})
    q = rng.standard_normal((576, 576)).astype(np.float32)
    k = rng.standard_normal((192, 576)).astype(np.float32)
    q_back = proc.process(permute_for_gguf(q, 9, 9), "blk.0.attn_q.weight").weights
    k_back = proc.process(permute_for_gguf(k, 9, 3), "blk.0.attn_k.weight").weights
    assert np.array_equal(q_back, q)
    assert np.array_equal(k_back, k)
    # and it is a real reordering, not the identity
    assert not np.array_equal(permute_for_gguf(q, 9, 9), q)


def test_layer_order_is_numeric() -> None:
    """Blocks are written 0, 1, 2 … 10, not 0, 1, 10, 2."""
    names = ["model.norm.weight", "model.layers.10.mlp.up_proj.weight", "model.layers.2.mlp.up_proj.weight",
             "model.embed_tokens.weight"]
    assert sorted(names, key=_layer_order) == [
        "model.embed_tokens.weight",
        "model.layers.2.mlp.up_proj.weight",
        "model.layers.10.mlp.up_proj.weight",
        "model.norm.weight",
    ]


if __name__ == "__main__":
    test_permutation_is_what_transformers_reverses()
    test_layer_order_is_numeric()
    print("ok")
