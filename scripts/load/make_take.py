"""Writes a 10 s mono 44.1 kHz WAV of plucked notes (A minor pentatonic, 120 bpm) for the
analyze-playing load test: python3 make_take.py take.wav"""
import math
import struct
import sys
import wave

RATE = 44100
notes = [57, 60, 62, 64, 67, 69, 67, 64, 62, 60] * 2  # MIDI numbers, one per half second
samples = []
for i in range(int(10 * RATE)):
    t = i / RATE
    k = min(int(t / 0.5), len(notes) - 1)
    f = 440.0 * 2 ** ((notes[k] - 69) / 12)
    dt = t - k * 0.5
    env = math.exp(-dt * 4.0)
    s = sum(math.sin(2 * math.pi * f * h * dt) / h for h in (1, 2, 3)) * env * 0.3
    samples.append(int(max(-1.0, min(1.0, s)) * 32767))
with wave.open(sys.argv[1], "wb") as w:
    w.setnchannels(1)
    w.setsampwidth(2)
    w.setframerate(RATE)
    w.writeframes(struct.pack(f"<{len(samples)}h", *samples))
