"""Dumps music21's chord-symbol vocabulary (harmony.CHORD_TYPES) as intervals fretwise can read.

Run: pip install music21 && python3 music21_chords.py > ../../crates/theory/tests/data/music21_chord_types.json
"""
import json

from music21 import harmony

PERFECT = {1, 4, 5, 8, 11, 12, 15}


def interval(degree: str) -> str:
    acc = 0
    while degree and degree[0] in "-#":
        acc += -1 if degree[0] == "-" else 1
        degree = degree[1:]
    n = int(degree)
    if n in PERFECT:
        q = "P" if acc == 0 else ("A" * acc if acc > 0 else "d" * -acc)
    else:
        q = {0: "M", -1: "m"}.get(acc) or ("A" * acc if acc > 0 else "d" * (-acc - 1))
    return f"{n}{q}"


out = []
for name, (degrees, symbols) in harmony.CHORD_TYPES.items():
    out.append({"name": name, "symbols": symbols, "intervals": [interval(d) for d in degrees.split(",")]})
print(json.dumps({"music21": __import__("music21").__version__, "chord_types": out}, indent=1))
