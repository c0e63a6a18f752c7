#!/usr/bin/env python3
"""Held-out chord check: a progression (chords and voicings not in the tuning test) strummed
from real recorded acoustic-guitar notes, clean and with white noise 20 dB down; majmin
weighted overlap on a 10 ms grid, as crates/audio/tests/chords.rs scores the SoundFont takes (the set the chord recogniser was tuned on).

Usage: python3 scripts/audio-eval/heldout_chords.py FRETWISE_BINARY
Needs numpy and soundfile, and the recorded samples (scripts/audio-eval/fetch_guitar_samples.sh)."""
import json, os, subprocess, sys, tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../crates/server/tests/browser"))
import numpy as np, soundfile as sf
from make_take import render

SAMPLES = os.environ.get("FRETWISE_GUITAR_SAMPLES", os.path.expanduser("~/.cache/fretwise-guitar-samples"))
BIN = sys.argv[1]
OUT = tempfile.mkdtemp()
PROG = [("A:maj", [45, 52, 57, 61, 64]), ("B:min", [47, 54, 59, 62, 66]),
        ("F#:min", [42, 49, 54, 57, 61, 66]), ("C#:min", [49, 56, 61, 64, 68]),
        ("Bb:maj", [46, 53, 58, 62, 65]), ("G:min", [43, 50, 55, 58, 62, 67]),
        ("D:7", [50, 57, 60, 66]), ("C:maj", [48, 55, 60, 64, 67]),
        ("F#:maj", [42, 49, 54, 58, 61, 66]), ("E:min7", [40, 47, 50, 55, 59, 64])]
PCS = {"C": 0, "C#": 1, "Db": 1, "D": 2, "D#": 3, "Eb": 3, "E": 4, "F": 5, "F#": 6, "Gb": 6,
       "G": 7, "G#": 8, "Ab": 8, "A": 9, "A#": 10, "Bb": 10, "B": 11}
DUR, LEAD = 2.0, 0.1

def majmin(label):
    if label == "N":
        return "N"
    root, _, q = label.partition(":")
    if root not in PCS:
        return None
    if q in ("maj", "7", "maj7"):
        return f"{PCS[root]}:maj"
    if q in ("min", "min7"):
        return f"{PCS[root]}:min"
    return None

def score(chords):
    ok = total = 0
    for i, (label, _) in enumerate(PROG):
        t = LEAD + i * DUR
        while t < LEAD + (i + 1) * DUR:
            est = next((c for c in chords if c["start_s"] <= t < c["end_s"]), None)
            if est and majmin(est["mirex"]) == majmin(label):
                ok += 1
            total += 1
            t += 0.01
    return ok / total

notes = [(i * DUR + k * 0.015, m, DUR + 0.05) for i, (_, ms) in enumerate(PROG) for k, m in enumerate(ms)]
render(SAMPLES, notes, LEAD, 0.3, f"{OUT}/clean.wav")
x, r = sf.read(f"{OUT}/clean.wav")
rng = np.random.default_rng(5)
noise = rng.standard_normal(len(x)) * np.sqrt(np.mean(x ** 2)) * 10 ** (-20 / 20)
sf.write(f"{OUT}/noisy.wav", np.clip(x + noise, -1, 1), r, subtype="PCM_16")
for name in ("clean", "noisy"):
    a = json.loads(subprocess.run([BIN, "analyze", f"{OUT}/{name}.wav", "--json"], check=True,
                                  capture_output=True, text=True).stdout)
    print(f"{name}: majmin weighted overlap {score(a['chords']):.3f}",
          " ".join(f"{c['label']}@{c['start_s']:.1f}" for c in a["chords"]))
