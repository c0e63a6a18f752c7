#!/usr/bin/env python3
"""Score fretwise, librosa, aubio and basic-pitch on the broadened evaluation set (issue 14) with
mir_eval, the tuning part and the held-out third side by side.

Usage: python3 scripts/audio-eval/compare_broad.py FRETWISE_BINARY CLIPS_DIR [OUT.json]
CLIPS_DIR is written by `cargo run --release -p fretwise-audio --example render_broad -- DIR`
(one WAV and one truth JSON per clip; the split comes from the committed seed). Needs
`pip install librosa mir_eval aubio basic-pitch` (basic-pitch is left out when it is missing);
`COMPARE_TOOLS=fretwise,aubio` runs only those.
Only totals are printed for the held-out part: its clips are not looked at one by one.

Metrics, per clip then averaged over clips (as mir_eval reports them): raw pitch and raw chroma
accuracy over the reference's voiced frames (the truth's 10 ms series, note edges excluded),
onset F at ±50 ms, note F (onset ±50 ms, pitch ±50 cents, no offset criterion), tempo within
4 % of the truth or its double or half, the mean absolute onset error of the notes matched for
note F, and speed as audio seconds per second of processing (one process per file for fretwise,
so its start-up is counted)."""

import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import mir_eval
import soundfile as sf

sys.path.insert(0, str(Path(__file__).parent))
from compare import run_aubio, run_librosa  # noqa: E402  (same folder)

try:
    from basic_pitch.inference import predict as bp_predict  # noqa: E402
except Exception:  # noqa: BLE001 - any import failure means: not installed here
    bp_predict = None


def midi_hz(m):
    return 440.0 * 2 ** ((m - 69) / 12)


def fretwise(binary, wav):
    t = time.perf_counter()
    out = subprocess.run([binary, "analyze", str(wav), "--json"], capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - t
    a = json.loads(out.stdout)
    f0 = np.array(a["pitch_track"]["f0_hz"], dtype=float)
    times = np.arange(len(f0)) * a["pitch_track"]["hop_s"]
    notes = [(n["onset_s"], max(n["offset_s"], n["onset_s"] + 0.01), n["midi"] + n["cents"] / 100) for n in a["notes"]]
    return dict(times=times, f0=f0, onsets=a["onsets_s"], notes=notes, tempo=a["tempo_bpm"], elapsed=elapsed)


def tempo_from_beats(beats):
    beats = np.array(sorted(beats))
    if len(beats) < 3:
        return 0.0
    return 60.0 / float(np.median(np.diff(beats)))


def librosa_run(y):
    times, f0, on, beats, elapsed = run_librosa(y)
    return dict(times=times, f0=f0, onsets=on, notes=None, tempo=tempo_from_beats(beats), elapsed=elapsed)


def aubio_run(wav):
    times, f0, on, beats, elapsed = run_aubio(wav)
    return dict(times=times, f0=f0, onsets=on, notes=None, tempo=tempo_from_beats(beats), elapsed=elapsed)


def basic_pitch_run(wav):
    t = time.perf_counter()
    _, _, events = bp_predict(str(wav))
    elapsed = time.perf_counter() - t
    events = sorted(events, key=lambda e: e[0])
    notes = [(float(s), float(e), float(p)) for s, e, p, *_ in events]
    # Its frame pitch: the loudest note sounding at each 10 ms frame.
    end = max((e for _, e, _ in notes), default=0.0)
    times = np.arange(0, end + 0.01, 0.01)
    f0 = np.zeros(len(times))
    loud = np.zeros(len(times))
    for s, e, p, amp, *_ in events:
        sel = (times >= s) & (times < e) & (amp > loud)
        f0[sel] = midi_hz(p)
        loud[sel] = amp
    return dict(times=times, f0=f0, onsets=[n[0] for n in notes], notes=notes, tempo=None, elapsed=elapsed)


def score(truth, est):
    hop = truth["ref_hop_s"]
    ref = np.array(truth["ref_f0"], dtype=float)
    ref_t = np.arange(len(ref)) * hop
    # The estimate's nearest frame at each reference time (interpolating between a voiced and an
    # unvoiced frame would invent pitches).
    est_f0 = np.zeros(len(ref))
    if len(est["times"]):
        idx = np.clip(np.searchsorted(est["times"], ref_t), 0, len(est["times"]) - 1)
        est_f0 = np.asarray(est["f0"], dtype=float)[idx]
    rv, rc, ev, ec = mir_eval.melody.to_cent_voicing(ref_t, ref, ref_t, np.nan_to_num(est_f0))
    out = {
        "rpa": mir_eval.melody.raw_pitch_accuracy(rv, rc, ev, ec),
        "rca": mir_eval.melody.raw_chroma_accuracy(rv, rc, ev, ec),
    }
    ref_on = np.array([n[0] for n in truth["notes"]])
    out["onset_f"] = mir_eval.onset.f_measure(ref_on, np.array(sorted(est["onsets"])), window=0.05)[0]
    if est["notes"] is not None:
        ref_i = np.array([[n[0], max(n[1], n[0] + 0.01)] for n in truth["notes"]])
        ref_p = np.array([midi_hz(n[2]) for n in truth["notes"]])
        if est["notes"]:
            est_i = np.array([[s, e] for s, e, _ in est["notes"]])
            est_p = np.array([midi_hz(p) for _, _, p in est["notes"]])
            out["note_f"] = mir_eval.transcription.precision_recall_f1_overlap(
                ref_i, ref_p, est_i, est_p, onset_tolerance=0.05, pitch_tolerance=50.0, offset_ratio=None)[2]
            pairs = mir_eval.transcription.match_notes(
                ref_i, ref_p, est_i, est_p, onset_tolerance=0.05, pitch_tolerance=50.0, offset_ratio=None)
            out["timing_errors_ms"] = [abs(est_i[j][0] - ref_i[i][0]) * 1000 for i, j in pairs]
        else:
            out["note_f"] = 0.0
            out["timing_errors_ms"] = []
    if est["tempo"] is not None:
        bpm = truth["tempo_bpm"]
        out["tempo"] = float(any(abs(est["tempo"] - bpm * m) <= 0.04 * bpm * m for m in (1, 2, 0.5)))
    out["elapsed"] = est["elapsed"]
    return out


def mean(rows, key):
    vals = [r[key] for r in rows if key in r]
    return float(np.mean(vals)) if vals else None


def summary(rows, seconds):
    errs = [e for r in rows for e in r.get("timing_errors_ms", [])]
    s = {k: mean(rows, k) for k in ("rpa", "rca", "onset_f", "note_f", "tempo")}
    s["timing_mae_ms"] = float(np.mean(errs)) if errs else None
    s["x_realtime"] = seconds / max(sum(r["elapsed"] for r in rows), 1e-9)
    s["clips"] = len(rows)
    return s


def fmt(v, digits=3):
    return "—" if v is None else f"{v:.{digits}f}"


def main():
    binary, folder = sys.argv[1], Path(sys.argv[2])
    out_path = Path(sys.argv[3]) if len(sys.argv) > 3 else None
    tools = ["fretwise", "librosa", "aubio"] + (["basic-pitch"] if bp_predict else [])
    # COMPARE_TOOLS=fretwise scores one build again without rerunning the peers.
    if os.environ.get("COMPARE_TOOLS"):
        tools = [t for t in tools if t in os.environ["COMPARE_TOOLS"].split(",")]
    rows = defaultdict(list)  # (part, tool) -> scores
    by_material = defaultdict(list)  # (part, material, tool) -> scores
    seconds = defaultdict(float)
    wavs = sorted(folder.glob("clip*.wav"))
    for k, wav in enumerate(wavs):
        truth = json.loads(wav.with_suffix(".json").read_text())
        y, sr = sf.read(wav, dtype="float32")
        part = truth["part"]
        seconds[part] += len(y) / sr
        for tool in tools:
            if tool == "fretwise":
                est = fretwise(binary, wav)
            elif tool == "librosa":
                est = librosa_run(y)
            elif tool == "aubio":
                est = aubio_run(wav)
            else:
                est = basic_pitch_run(wav)
            s = score(truth, est)
            rows[(part, tool)].append(s)
            by_material[(part, truth["material"], tool)].append(s)
        print(f"{k + 1}/{len(wavs)}", file=sys.stderr, flush=True)
    result = {}
    print("| part | tool | clips | RPA | RCA | onset F | note F | tempo | timing MAE ms | × real time |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for part in ("tuning", "held-out"):
        for tool in tools:
            s = summary(rows[(part, tool)], seconds[part])
            result[f"{part}/{tool}"] = s
            print(f"| {part} | {tool} | {s['clips']} | {fmt(s['rpa'])} | {fmt(s['rca'])} | {fmt(s['onset_f'])} | "
                  f"{fmt(s['note_f'])} | {fmt(s['tempo'])} | {fmt(s['timing_mae_ms'], 1)} | {s['x_realtime']:.0f} |")
    print()
    print("| part | material | tool | clips | RPA | onset F | note F | tempo |")
    print("|---|---|---|---|---|---|---|---|")
    for (part, material, tool), rs in sorted(by_material.items()):
        s = summary(rs, 1.0)
        result[f"{part}/{material}/{tool}"] = s
        print(f"| {part} | {material} | {tool} | {s['clips']} | {fmt(s['rpa'])} | {fmt(s['onset_f'])} | {fmt(s['note_f'])} | {fmt(s['tempo'])} |")
    if out_path:
        out_path.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
