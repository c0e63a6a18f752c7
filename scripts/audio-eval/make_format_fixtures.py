#!/usr/bin/env python3
"""Writes crates/audio/tests/data/: the same two plucked notes (A2 at 0.1 s, E3 at 0.8 s) as
stereo 16-bit FLAC at 44.1 kHz, OGG Vorbis at 48 kHz, MP3 at 44.1 kHz and AAC-LC in an M4A (MP4)
container at 44.1 kHz, so that the decoder is tested on real compressed formats. Needs numpy,
soundfile (libsndfile ≥ 1.1 for MP3) and PyAV (`pip install av`, whose wheels carry FFmpeg's
native AAC encoder)."""
import sys
from pathlib import Path

import numpy as np
import soundfile as sf


def take(sr):
    y = np.zeros(int(1.6 * sr))
    for on, f in [(0.1, 110.0), (0.8, 164.81)]:
        t = np.arange(int(0.6 * sr)) / sr
        v = sum(np.sin(2 * np.pi * f * k * t) / k for k in range(1, 7)) * 0.3 * np.exp(-3 * t)
        s = int(on * sr)
        y[s:s + len(t)] += v
    return y


out = Path(sys.argv[1] if len(sys.argv) > 1 else "crates/audio/tests/data")
y = take(44100)
sf.write(out / "a2_e3_stereo_44k.flac", np.stack([y, 0.5 * y], 1).astype(np.float32), 44100, subtype="PCM_16")
sf.write(out / "a2_e3_48k.ogg", take(48000).astype(np.float32), 48000, format="OGG", subtype="VORBIS")
sf.write(out / "a2_e3_44k.mp3", y.astype(np.float32), 44100, format="MP3", subtype="MPEG_LAYER_III")


def m4a(path, y, sr):
    import av

    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=sr, layout="stereo")
        stream.bit_rate = 128_000
        data = np.stack([y, 0.5 * y]).astype(np.float32)
        frame = av.AudioFrame.from_ndarray(data, format="fltp", layout="stereo")
        frame.sample_rate = sr
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


m4a(out / "a2_e3_stereo_44k.m4a", y, 44100)
