#!/usr/bin/env python3
"""Builds the practice take the browser test plays into Chromium's fake microphone: real
recorded guitar notes (the tonejs MP3 samples `.ci/run` fetches into $FRETWISE_GUITAR_SAMPLES)
placed one beat apart at TEMPO, after LEAD seconds of silence (the count-in), with TAIL seconds
of silence after (the file loops). Writes 16-bit mono WAV at 44.1 kHz.

Usage: make_take.py SAMPLES_DIR OUT.wav  (the melody is MELODY below; the tab is TAB)
"""
import sys

import numpy as np
import soundfile as sf

RATE = 44100
TEMPO = 80.0
LEAD = 4.0
TAIL = 4.0
# D3 E3 F3 G3 | A3 B3 C4 D4, one beat each; the same notes as TAB.
MELODY = ["D3", "E3", "F3", "G3", "A3", "B3", "C4", "D4"]
TAB = """e|----------------|----------------|
B|----------------|--------1---3---|
G|----------------|2---4-----------|
D|0---2---3---5---|----------------|
A|----------------|----------------|
E|----------------|----------------|"""


def load(path):
    """A recording as mono float samples at RATE, from its attack."""
    data, rate = sf.read(path, dtype="float32", always_2d=True)
    mono = data.mean(axis=1)
    if rate != RATE:
        t = np.arange(int(len(mono) * RATE / rate)) * (rate / RATE)
        mono = np.interp(t, np.arange(len(mono)), mono).astype(np.float32)
    # From the attack: skip leading silence.
    loud = np.nonzero(np.abs(mono) > 0.02 * np.abs(mono).max())[0]
    return mono[loud[0]:] if len(loud) else mono


NAMES = ["C", "Cs", "D", "Ds", "E", "F", "Fs", "G", "Gs", "A", "As", "B"]


def sample_path(samples, midi):
    """The recorded acoustic note for a MIDI number, or None when there is none."""
    from pathlib import Path

    p = Path(samples) / "acoustic" / f"{NAMES[midi % 12]}{midi // 12 - 1}.mp3"
    return p if p.exists() else None


def render(samples, notes, lead, tail, out):
    """notes: (start_s, midi, ring_s); each recorded note starts at LEAD + start_s and rings for
    ring_s (a short fade after); silence for TAIL after the last."""
    end = max(s + r for s, _, r in notes)
    mix = np.zeros(int((lead + end + tail) * RATE), dtype=np.float32)
    fade = int(0.03 * RATE)
    for start_s, midi, ring_s in notes:
        note = load(str(sample_path(samples, midi)))[: int(ring_s * RATE)].copy()
        if len(note) > fade:
            note[-fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
        start = int((lead + start_s) * RATE)
        mix[start:start + len(note)] += note[: len(mix) - start]
    mix *= 0.7 / max(1e-6, float(np.abs(mix).max()))
    sf.write(out, mix, RATE, subtype="PCM_16")


def main():
    samples, out = sys.argv[1], sys.argv[2]
    beat = 60.0 / TEMPO
    midis = {f"{n}{o}": 12 * (o + 1) + i for o in range(1, 7) for i, n in enumerate(NAMES)}
    # Each note rings a little into the next, as played.
    notes = [(i * beat, midis[name], beat + 0.15) for i, name in enumerate(MELODY)]
    render(samples, notes, LEAD, TAIL, out)


if __name__ == "__main__":
    main()
