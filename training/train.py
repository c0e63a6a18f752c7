"""LoRA SFT of SmolLM2-135M-Instruct on a `fretwise export`, merged and written as a GGUF for `--llm local:`."""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
import tomllib
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# Flags that override config keys: flag name -> (section, key, type).
OVERRIDES = {
    "base_gguf": ("model", "base_gguf", str),
    "export": ("dataset", "export_dir", str),
    "out": ("output", "dir", str),
    "gguf_out": ("output", "gguf", str),
    "gguf_dtype": ("output", "gguf_dtype", str),
    "lora_r": ("lora", "r", int),
    "lora_alpha": ("lora", "alpha", int),
    "lora_dropout": ("lora", "dropout", float),
    "target_modules": ("lora", "target_modules", lambda s: [m.strip() for m in s.split(",") if m.strip()]),
    "learning_rate": ("training", "learning_rate", float),
    "epochs": ("training", "epochs", float),
    "max_steps": ("training", "max_steps", int),
    "batch_size": ("training", "batch_size", int),
    "grad_accumulation": ("training", "grad_accumulation", int),
    "max_seq_length": ("training", "max_seq_length", int),
    "warmup_steps": ("training", "warmup_steps", int),
    "seed": ("training", "seed", int),
    "logging_steps": ("training", "logging_steps", int),
    "eval_steps": ("training", "eval_steps", int),
    "eval_examples": ("training", "eval_examples", int),
    "train_examples": ("training", "train_examples", int),
    "threads": ("training", "threads", int),
    "time_limit_minutes": ("training", "time_limit_minutes", float),
    "min_confidence": ("dataset", "min_confidence", float),
    "guitar_term_weight": ("dataset", "guitar_term_weight", float),
    "instructor_diversity": ("dataset", "instructor_diversity", float),
    "theory_weight": ("dataset", "theory_weight", float),
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Flags; every one left out keeps the config file's value."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--config", type=Path, default=HERE / "config.toml", help="TOML config (default: training/config.toml)")
    for flag, (section, key, kind) in OVERRIDES.items():
        ap.add_argument("--" + flag.replace("_", "-"), dest=flag, type=kind, default=None, help=f"[{section}] {key}")
    ap.add_argument("--no-train", action="store_true", help="skip training: merge nothing, export the base model (round-trip test)")
    ap.add_argument("--no-gguf", action="store_true", help="stop after saving the merged Hugging Face model")
    return ap.parse_args(argv)


def load_config(args: argparse.Namespace) -> dict:
    """The config file with the flags applied on top; `~` in paths expanded."""
    cfg = tomllib.loads(args.config.read_text())
    for flag, (section, key, _) in OVERRIDES.items():
        value = getattr(args, flag)
        if value is not None:
            cfg.setdefault(section, {})[key] = value
    for section, key in [("model", "base_gguf"), ("dataset", "export_dir"), ("output", "dir"), ("output", "gguf")]:
        if cfg.get(section, {}).get(key):
            cfg[section][key] = os.path.expanduser(cfg[section][key])
    return cfg


def read_jsonl(path: Path) -> list[dict]:
    """Every line of a JSON-lines file."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def passage_index(export: Path) -> dict[str, dict]:
    """Passage id -> instructor, guitar terms and mean word confidence, from the metadata-bearing formats."""
    # langchain/documents.jsonl carries instructor and guitar terms per passage (no passage id);
    # multimodal/{split}.jsonl carries the passage id, its span and every word's recogniser score.
    by_span: dict[tuple, dict] = {}
    docs = export / "langchain" / "documents.jsonl"
    if docs.exists():
        for d in read_jsonl(docs):
            m = d["metadata"]
            by_span[(m["segment_id"], m["start_s"], m["end_s"])] = m
    index: dict[str, dict] = {}
    for f in sorted((export / "multimodal").glob("*.jsonl")):
        for p in read_jsonl(f):
            scores = [w["score"] for w in p.get("words", []) if w.get("score") is not None]
            meta = by_span.get((p["segment_id"], p["start_s"], p["end_s"]), {})
            index[p["id"]] = {
                "instructor": meta.get("instructor") or meta.get("instructor_id"),
                "guitar_terms": meta.get("guitar_terms", []),
                "confidence": sum(scores) / len(scores) if scores else None,
            }
    return index


def load_split(export: Path, split: str, passages: dict[str, dict], ds_cfg: dict) -> tuple[list[dict], list[dict]]:
    """The split's chat examples (from openai/) with each one's metadata (joined from sharegpt/)."""
    chats = read_jsonl(export / "openai" / f"{split}.jsonl")
    share_path = export / "sharegpt" / f"{split}.jsonl"
    shares = read_jsonl(share_path) if share_path.exists() else []
    if len(shares) != len(chats):
        raise SystemExit(f"{export}: openai/{split} has {len(chats)} lines, sharegpt/{split} {len(shares)}: not one export")
    min_conf = float(ds_cfg.get("min_confidence", 0.0))
    examples, metas = [], []
    for chat, share in zip(chats, shares):
        msgs = chat["messages"]
        # Both files are written line by line from the same pair: check, then trust the join.
        if [m["content"] for m in msgs] != [c["value"] for c in share["conversations"]]:
            raise SystemExit(f"{export}: openai/{split} and sharegpt/{split} disagree at {share.get('id')}")
        cite = share.get("citation") or {}
        info = passages.get(cite.get("passage_id", ""), {})
        meta = {
            "source": share.get("source", "lesson"),
            "instructor": info.get("instructor"),
            "guitar_terms": info.get("guitar_terms", []),
            "confidence": info.get("confidence"),
        }
        if meta["confidence"] is not None and meta["confidence"] < min_conf:
            continue
        examples.append({"prompt": msgs[:-1], "completion": msgs[-1:]})
        metas.append(meta)
    return examples, metas


def sampling_weights(metas: list[dict], ds_cfg: dict) -> list[float]:
    """Per-example sampling weights: guitar-term density up, over-represented instructors down."""
    # weight = term_factor * instructor_factor (lesson pairs, scaled to average 1) or theory_weight
    # (theory pairs);
    # term_factor = 1 + guitar_term_weight * min(terms, cap) / cap;
    # instructor_factor = (mean examples per instructor / this instructor's examples) ** instructor_diversity,
    # so 0 leaves the natural mix and 1 gives every instructor the same total mass.
    cap = max(1, int(ds_cfg.get("guitar_term_cap", 5)))
    term_w = float(ds_cfg.get("guitar_term_weight", 0.0))
    div = float(ds_cfg.get("instructor_diversity", 0.0))
    theory_w = float(ds_cfg.get("theory_weight", 1.0))
    counts = Counter(m["instructor"] for m in metas if m["source"] != "theory")
    mean = (sum(counts.values()) / len(counts)) if counts else 1.0
    lesson = {}
    for i, m in enumerate(metas):
        if m["source"] != "theory":
            terms = len(set(m["guitar_terms"]))
            w = 1.0 + term_w * min(terms, cap) / cap
            lesson[i] = w * (mean / counts[m["instructor"]]) ** div
    # Lesson weights average 1, so theory_weight is a theory pair's weight next to an average lesson pair.
    scale = len(lesson) / sum(lesson.values()) if lesson else 1.0
    weights = [lesson[i] * scale if i in lesson else theory_w for i in range(len(metas))]
    total = sum(weights)
    return [w * len(weights) / total for w in weights]  # mean 1, for readable reports


def mix_report(metas: list[dict], weights: list[float]) -> dict:
    """How the weights change the mix: theory share, largest instructor share, instructors."""
    total = sum(weights)
    by_ins: Counter = Counter()
    by_ins_w: Counter = Counter()
    theory = theory_w = 0.0
    for m, w in zip(metas, weights):
        if m["source"] == "theory":
            theory += 1
            theory_w += w
        else:
            by_ins[m["instructor"]] += 1
            by_ins_w[m["instructor"]] += w
    n = len(metas)
    return {
        "examples": n,
        "instructors": len(by_ins),
        "theory_share": round(theory / n, 4) if n else 0,
        "theory_share_weighted": round(theory_w / total, 4) if total else 0,
        "largest_instructor_share": round(max(by_ins.values()) / n, 4) if by_ins else 0,
        "largest_instructor_share_weighted": round(max(by_ins_w.values()) / total, 4) if by_ins_w else 0,
        "mean_guitar_terms": round(sum(len(set(m["guitar_terms"])) for m in metas) / n, 3) if n else 0,
    }


def drop_long_prompts(examples: list, metas: list, tok, max_len: int) -> tuple[list, list, int]:
    """Leaves out examples whose prompt alone leaves under 16 answer tokens (TRL would drop them later)."""
    keep_ex, keep_meta = [], []
    for ex, meta in zip(examples, metas):
        text = tok.apply_chat_template(ex["prompt"], tokenize=False, add_generation_prompt=True)
        if len(tok(text).input_ids) + 16 <= max_len:
            keep_ex.append(ex)
            keep_meta.append(meta)
    return keep_ex, keep_meta, len(examples) - len(keep_ex)


def load_base(gguf_path: Path):
    """SmolLM2 from its GGUF through transformers (dequantised), as a plain float32 llama model."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tok = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
    loaded = AutoModelForCausalLM.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name, dtype=torch.float32)
    # The GGUF-loaded model carries a GGUF "quantizer" that refuses save_pretrained; its weights are
    # already dequantised, so they move into a plain model with the same config.
    cfg = loaded.config.to_dict()
    cfg.pop("quantization_config", None)
    model = LlamaForCausalLM(LlamaConfig.from_dict(cfg))
    model.load_state_dict(loaded.state_dict(), strict=True)
    model.tie_weights()
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return model, tok


def subset(examples: list, metas: list, n: int, seed: int) -> tuple[list, list]:
    """A seeded sample of n examples (all when n <= 0 or n >= len)."""
    import random

    if n <= 0 or n >= len(examples):
        return examples, metas
    idx = sorted(random.Random(seed).sample(range(len(examples)), n))
    return [examples[i] for i in idx], [metas[i] for i in idx]


def plot(history: list[dict], path: Path, title: str) -> None:
    """Train and validation loss per step, as SVG or PNG (by the file's suffix)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.fonttype"] = "none"  # text as text: a small, searchable SVG
    tr = [(h["step"], h["loss"]) for h in history if "loss" in h]
    ev = [(h["step"], h["eval_loss"]) for h in history if "eval_loss" in h]
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    if tr:
        ax.plot(*zip(*tr), label="train loss", linewidth=1.2)
    if ev:
        ax.plot(*zip(*ev), "o-", label="validation loss", linewidth=1.2, markersize=4)
    ax.set_xlabel("step")
    ax.set_ylabel("loss (answer tokens)")
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    """Loads, trains, evaluates, merges, saves, exports; prints progress and writes metrics.json."""
    args = parse_args(argv)
    cfg = load_config(args)
    tr, lo, ds, outc = cfg["training"], cfg["lora"], cfg["dataset"], cfg["output"]
    out = Path(outc["dir"])
    out.mkdir(parents=True, exist_ok=True)
    started = time.time()

    import torch

    torch.set_num_threads(int(tr.get("threads", 0)) or os.cpu_count() or 1)
    from datasets import Dataset
    from peft import LoraConfig, get_peft_model
    from transformers import PrinterCallback, TrainerCallback, set_seed
    import datasets

    datasets.disable_progress_bars()
    from trl import SFTConfig, SFTTrainer

    seed = int(tr["seed"])
    set_seed(seed)
    base_gguf = Path(cfg["model"]["base_gguf"])
    t0 = time.time()
    model, tok = load_base(base_gguf)
    load_s = time.time() - t0
    print(f"[load] {base_gguf.name}: {sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters in {load_s:.1f}s", flush=True)

    history: list[dict] = []
    report: dict = {}
    merged_dir = out / "merged"
    if args.no_train:
        merged = model
        print("[train] skipped (--no-train): exporting the base model", flush=True)
    else:
        export = Path(ds["export_dir"])
        passages = passage_index(export)
        train_ex, train_meta = load_split(export, "train", passages, ds)
        val_ex, val_meta = load_split(export, "validation", passages, ds)
        max_len = int(tr["max_seq_length"])
        train_ex, train_meta, long_train = drop_long_prompts(train_ex, train_meta, tok, max_len)
        val_ex, val_meta, long_val = drop_long_prompts(val_ex, val_meta, tok, max_len)
        report["prompts_too_long"] = {"train": long_train, "validation": long_val}
        train_ex, train_meta = subset(train_ex, train_meta, int(tr.get("train_examples", 0)), seed)
        val_ex, val_meta = subset(val_ex, val_meta, int(tr.get("eval_examples", 0)), seed)
        if not train_ex or not val_ex:
            raise SystemExit(f"{export}: {len(train_ex)} train and {len(val_ex)} validation examples; need both")
        weights = sampling_weights(train_meta, ds)
        report["train_mix"] = mix_report(train_meta, weights)
        report["validation_examples"] = len(val_ex)
        print(f"[data] {export}: {len(train_ex)} train, {len(val_ex)} validation; mix {json.dumps(report['train_mix'])}", flush=True)
        # A fixed sample of training examples, scored before and after like validation.
        train_probe, _ = subset(train_ex, train_meta, len(val_ex), seed + 1)

        model = get_peft_model(
            model,
            LoraConfig(
                r=int(lo["r"]),
                lora_alpha=int(lo["alpha"]),
                lora_dropout=float(lo["dropout"]),
                target_modules=list(lo["target_modules"]),
                bias="none",
                task_type="CAUSAL_LM",
            ),
        )
        trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
        total = sum(p.numel() for p in model.parameters())
        report["trainable_parameters"] = trainable
        print(f"[lora] {trainable:,} trainable of {total:,} ({100 * trainable / total:.2f} %)", flush=True)

        cuda = torch.cuda.is_available()
        sft = SFTConfig(
            output_dir=str(out / "trainer"),
            max_steps=int(tr.get("max_steps", 0)) or -1,
            num_train_epochs=float(tr.get("epochs", 1)),
            per_device_train_batch_size=int(tr["batch_size"]),
            per_device_eval_batch_size=int(tr.get("eval_batch_size", tr["batch_size"])),
            gradient_accumulation_steps=int(tr.get("grad_accumulation", 1)),
            learning_rate=float(tr["learning_rate"]),
            lr_scheduler_type=str(tr.get("lr_scheduler", "cosine")),
            warmup_steps=int(tr.get("warmup_steps", 0)),
            weight_decay=float(tr.get("weight_decay", 0.0)),
            max_length=int(tr["max_seq_length"]),
            packing=False,
            logging_steps=int(tr.get("logging_steps", 10)),
            eval_strategy="steps",
            eval_steps=int(tr.get("eval_steps", 50)),
            save_strategy="no",
            report_to=[],
            seed=seed,
            data_seed=seed,
            bf16=cuda and torch.cuda.is_bf16_supported(),
            use_cpu=not cuda,
            dataloader_num_workers=0,
            disable_tqdm=True,
            dataset_num_proc=None,
            # TRL turns it on by default; a 135M model fits easily, and recomputing costs ~30 % per step.
            gradient_checkpointing=bool(tr.get("gradient_checkpointing", False)),
        )

        class WeightedSFTTrainer(SFTTrainer):
            """SFTTrainer drawing training examples by the sampling weights (with replacement, seeded)."""

            def _get_train_sampler(self, train_dataset=None):
                g = torch.Generator().manual_seed(seed)
                return torch.utils.data.WeightedRandomSampler(weights, num_samples=len(weights), replacement=True, generator=g)

        class Progress(TrainerCallback):
            """Prints one line per log: step, losses, learning rate, seconds per step, time left."""

            def __init__(self):
                self.t = None

            def on_train_begin(self, args_, state, control, **kw):
                self.t = time.time()

            def on_log(self, args_, state, control, logs=None, **kw):
                if not logs or self.t is None or not ("loss" in logs or "eval_loss" in logs):
                    return
                done = max(state.global_step, 1)
                per = (time.time() - self.t) / done
                left = per * (state.max_steps - state.global_step)
                parts = [f"step {state.global_step}/{state.max_steps}"]
                for k in ("loss", "eval_loss", "learning_rate"):
                    if k in logs:
                        parts.append(f"{k} {logs[k]:.4g}")
                parts.append(f"{per:.2f} s/step, ~{left / 60:.1f} min left")
                print("[train] " + ", ".join(parts), flush=True)

        class TimeLimit(TrainerCallback):
            """Stops training after the configured wall-clock minutes (the steps done are reported)."""

            def on_step_end(self, args_, state, control, **kw):
                limit = float(tr.get("time_limit_minutes", 0) or 0)
                if limit and progress.t is not None and time.time() - progress.t > limit * 60:
                    print(f"[train] time limit of {limit:g} min reached at step {state.global_step}", flush=True)
                    control.should_training_stop = True
                    control.should_evaluate = True

        trainer = WeightedSFTTrainer(
            model=model,
            args=sft,
            train_dataset=Dataset.from_list(train_ex),
            eval_dataset=Dataset.from_list(val_ex),
            processing_class=tok,
            callbacks=[progress := Progress(), TimeLimit()],
        )
        trainer.remove_callback(PrinterCallback)  # Progress prints the lines instead of raw dicts
        if len(trainer.train_dataset) != len(weights):
            raise SystemExit("the trainer dropped examples: the sampling weights no longer line up")
        # Tokenised the way the trainer tokenises validation (TRL's own preparation; pinned version).
        probe_ds = trainer._prepare_dataset(
            Dataset.from_list(train_probe), tok, sft, packing=False, formatting_func=None, dataset_name="train sample"
        )

        def score(tag: str) -> dict:
            """Mean answer-token loss on validation and on the fixed training sample."""
            t = time.time()
            v = trainer.evaluate()["eval_loss"]
            p = trainer.evaluate(eval_dataset=probe_ds, metric_key_prefix="probe")["probe_loss"]
            print(f"[eval] {tag}: validation loss {v:.4f}, train-sample loss {p:.4f} ({time.time() - t:.0f}s)", flush=True)
            return {"validation_loss": v, "train_sample_loss": p}

        report["before"] = score("before training")
        t1 = time.time()
        result = trainer.train()
        train_s = time.time() - t1
        progress.t = None  # the evaluations below are not training steps
        history = [h for h in trainer.state.log_history if "loss" in h or "eval_loss" in h]
        report["after"] = score("after training")
        report["train_seconds"] = round(train_s, 1)
        report["steps"] = trainer.state.global_step
        report["seconds_per_step"] = round(train_s / max(1, trainer.state.global_step), 3)
        report["train_loss_mean"] = result.training_loss
        merged = trainer.model.merge_and_unload()

    merged.save_pretrained(merged_dir)
    tok.save_pretrained(merged_dir)
    print(f"[save] merged model -> {merged_dir}", flush=True)

    gguf_summary = None
    if not args.no_gguf:
        from export_gguf import export as export_gguf

        gguf_path = Path(outc.get("gguf") or out / "model.gguf")
        gguf_summary = export_gguf(merged_dir, base_gguf, gguf_path, str(outc.get("gguf_dtype", "f16")), "(fretwise LoRA)")
        print(f"[gguf] {gguf_summary['gguf']} ({gguf_summary['bytes'] / 1e6:.0f} MB, {gguf_summary['dtype']})", flush=True)

    metrics = {
        "config": cfg,
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
            "torch": torch.__version__,
        },
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "load_seconds": round(load_s, 1),
        "total_seconds": round(time.time() - started, 1),
        "history": history,
        "gguf": gguf_summary,
        **report,
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    if history:
        steps = report.get("steps", 0)
        plot(history, out / "loss.svg", f"SmolLM2-135M LoRA r={lo['r']} on {Path(ds['export_dir']).name}: {steps} steps")
    print(f"[done] {out / 'metrics.json'} in {metrics['total_seconds']:.0f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
