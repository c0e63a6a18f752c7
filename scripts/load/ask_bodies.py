"""Writes the /ask load test's request bodies, one JSON object per line, in a fixed order:
90 questions (20 techniques x 4 phrasings + 10 chord spellings) x 3 levels = 270 bodies.
oha picks one per request (-Z FILE). Usage: python3 ask_bodies.py bodies.jsonl"""
import json
import sys

topics = [
    "bend a string", "play barre chords", "alternate picking", "palm muting", "vibrato",
    "hammer-ons", "pull-offs", "slides", "fingerstyle", "strumming patterns", "the CAGED system",
    "the minor pentatonic scale", "power chords", "open chords", "tune my guitar", "sweep picking",
    "tapping", "harmonics", "the blues shuffle", "travis picking",
]
forms = ["How do I %s?", "Any tips for %s?", "What's the best way to practise %s?",
         "I struggle with %s, help?"]
chords = ["C", "G7", "Bb7", "F#m7b5", "Dmaj7", "Am", "E7#9", "Cmaj13#11", "Ab", "Ebm7"]
questions = [f % t for t in topics for f in forms] + [f"What notes are in {c}?" for c in chords]
with open(sys.argv[1], "w", encoding="utf-8") as out:
    for level in ["beginner", "intermediate", "advanced"]:
        for q in questions:
            out.write(json.dumps({"question": q, "context": {"skill_level": level}}) + "\n")
