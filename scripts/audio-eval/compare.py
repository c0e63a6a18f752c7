#!/usr/bin/env python3
"""Compare fretwise's audio analysis with librosa (pyin, onset_detect) and aubio (yinfft pitch,
default onsets) on synthesized guitar-like material with exact ground truth, scored with mir_eval.

Usage: python3 scripts/audio-eval/compare.py FRETWISE_BINARY OUT_DIR [SOUNDFONT_TAKES_DIR]
Needs: pip install librosa mir_eval aubio (numpy, scipy, soundfile come with them).
Synthesized material (additive and Karplus-Strong strings, clean, noisy, with level changes) is
rendered here; real sampled guitars come from SOUNDFONT_TAKES_DIR, written by
`cargo run --release -p fretwise-audio --example render_eval -- DIR` (one WAV and one truth JSON
per take: nylon, steel, clean electric, overdriven and distorted guitars from two SoundFonts;
and, where scripts/audio-eval/fetch_guitar_samples.sh has fetched them, melodies of real recorded
acoustic, electric and nylon guitar notes)."""

import json
import subprocess
import sys
import time
from pathlib import Path

import aubio
import librosa
import mir_eval
import numpy as np
import soundfile as sf

SR = 44100
RNG = np.random.default_rng(11)


def midi_hz(m):
    return 440.0 * 2 ** ((m - 69) / 12)


def additive(notes, total):
    out = np.zeros(int(total * SR))
    for on, dur, f in notes:
        t = np.arange(int(dur * SR)) / SR
        v = sum(np.sin(2 * np.pi * f * k * t) / k * np.exp(-t * (2 + 1.5 * k)) for k in range(1, 13) if f * k < 10000)
        env = np.minimum(1, (len(t) - np.arange(len(t))) / (0.005 * SR)) * np.minimum(1, np.arange(len(t)) / (0.002 * SR))
        s = int(on * SR)
        out[s:s + len(t)] += 0.3 * v * env
    return out


def karplus(notes, total):
    out = np.zeros(int(total * SR))
    truth = []
    for on, dur, f in notes:
        n = int(round(SR / f - 0.5))
        truth.append((on, dur, SR / (n + 0.5)))
        line = RNG.uniform(-1, 1, n)
        length = int(dur * SR)
        y = np.zeros(length)
        idx = 0
        for i in range(length):
            nxt = (idx + 1) % n
            y[i] = line[idx]
            line[idx] = 0.996 * 0.5 * (line[idx] + line[nxt])
            idx = nxt
        y *= np.minimum(1, (length - np.arange(length)) / (0.005 * SR))
        s = int(on * SR)
        out[s:s + length] += 0.3 * y
    return out, truth


def melody(midis, step=0.45, dur=0.4, start=0.2):
    return [(start + i * step, dur, midi_hz(m)) for i, m in enumerate(midis)]


def material():
    low = [40, 38, 40, 43, 45, 40, 47, 50, 52, 40, 38, 45]
    wide = [40, 45, 50, 55, 59, 64, 67, 71, 76, 81, 84, 88, 76, 64, 52, 40]
    sets = []
    n = melody(wide)
    sets.append(("additive, E2-E6", additive(n, 8.0), n))
    n = melody(low)
    sets.append(("additive, low strings", additive(n, 6.0), n))
    k, t = karplus(melody(wide[:12], step=0.5, dur=0.45), 6.5)
    sets.append(("Karplus-Strong, E2-E6", k, t))
    k, t = karplus(melody(low, step=0.5, dur=0.45), 6.5)
    sets.append(("Karplus-Strong, low strings", k, t))
    n = melody(wide)
    a = additive(n, 8.0)
    for i, (on, dur, _) in enumerate(n):
        if i % 2:
            a[int(on * SR):int((on + dur) * SR)] *= 0.125
    a += RNG.uniform(-0.5, 0.5, len(a)) * 0.3 * 0.0316 * 3.46
    sets.append(("additive + noise -30 dB + level changes", a, n))
    return sets


def ref_f0(truth, times):
    f = np.zeros(len(times))
    for on, dur, hz in truth:
        f[(times >= on + 0.03) & (times <= on + dur - 0.03)] = hz
    return f


def pitch_scores(truth, times, est):
    ref = ref_f0(truth, times)
    keep = np.ones(len(times), dtype=bool)
    # Exclude the 30 ms edges of every note (the reference is ill-defined there) from both.
    for on, dur, _ in truth:
        keep &= ~(((times > on - 0.03) & (times < on + 0.03)) | ((times > on + dur - 0.03) & (times < on + dur + 0.03)))
    ref, est_, t = ref[keep], np.nan_to_num(est[keep]), times[keep]
    rv, rc, ev, ec = mir_eval.melody.to_cent_voicing(t, ref, t, est_)
    rpa = mir_eval.melody.raw_pitch_accuracy(rv, rc, ev, ec)
    voiced = ref > 0
    ratio = np.abs(1200 * np.log2(np.where((est_ > 0) & voiced, est_, 1) / np.where(voiced, ref, 1)))
    octave = int(np.sum(voiced & (est_ > 0) & (np.abs(ratio - 1200) <= 50)))
    return rpa, octave


def onset_f(truth, est):
    ref = np.array([n[0] for n in truth])
    return mir_eval.onset.f_measure(ref, np.array(sorted(est)), window=0.05)[0]


def onset_median_ms(truth, est):
    est = np.array(sorted(est))
    if len(est) == 0:
        return float("nan")
    errs = [np.min(np.abs(est - n[0])) for n in truth]
    errs = [e for e in errs if e <= 0.05]
    return 1000 * float(np.median(errs)) if errs else float("nan")


def run_fretwise(binary, wav):
    t = time.perf_counter()
    out = subprocess.run([binary, "analyze", str(wav), "--json"], capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - t
    a = json.loads(out.stdout)
    hop = a["pitch_track"]["hop_s"]
    f0 = np.array(a["pitch_track"]["f0_hz"])
    times = np.arange(len(f0)) * hop
    return times, f0, a["onsets_s"], a["notes"], a.get("beats_s", []), elapsed


def run_librosa(y):
    t = time.perf_counter()
    hop = 512
    f0, _, _ = librosa.pyin(y, fmin=58, fmax=1400, sr=SR, frame_length=4096, hop_length=hop)
    times = librosa.times_like(f0, sr=SR, hop_length=hop)
    on = librosa.onset.onset_detect(y=y, sr=SR, units="time")
    _, beats = librosa.beat.beat_track(y=y, sr=SR, units="time")
    return times, np.nan_to_num(f0), list(on), list(beats), time.perf_counter() - t


def run_aubio(path):
    t = time.perf_counter()
    hop, win = 256, 2048
    src = aubio.source(str(path), 0, hop)
    pitch = aubio.pitch("yinfft", win, hop, src.samplerate)
    pitch.set_unit("Hz")
    pitch.set_silence(-50)
    onset = aubio.onset("default", 1024, hop, src.samplerate)
    tempo = aubio.tempo("default", 1024, hop, src.samplerate)
    f0, times, ons, beats = [], [], [], []
    total = 0
    while True:
        samples, read = src()
        p = pitch(samples)[0]
        # aubio reports 0 Hz for silence (below -50 dB); its yinfft confidence is not gated.
        f0.append(p)
        times.append(total / src.samplerate)
        if onset(samples):
            ons.append(onset.get_last_s())
        if tempo(samples):
            beats.append(tempo.get_last_s())
        total += read
        if read < hop:
            break
    return np.array(times), np.array(f0), ons, beats, time.perf_counter() - t


def note_f(truth, notes):
    if not notes:
        return 0.0
    ref_i = np.array([[on, on + dur] for on, dur, _ in truth])
    ref_p = np.array([hz for _, _, hz in truth])
    est_i = np.array([[n["onset_s"], max(n["offset_s"], n["onset_s"] + 0.01)] for n in notes])
    est_p = np.array([midi_hz(n["midi"] + n["cents"] / 100) for n in notes])
    return mir_eval.transcription.precision_recall_f1_overlap(ref_i, ref_p, est_i, est_p, onset_tolerance=0.05, pitch_tolerance=50.0, offset_ratio=None)[2]


def soundfont_takes(folder):
    for wav in sorted(Path(folder).glob("*.wav")):
        truth = [tuple(n) for n in json.loads(wav.with_suffix(".json").read_text())["notes"]]
        y, sr = sf.read(wav, dtype="float32")
        assert sr == SR, wav
        yield wav.stem.replace("_", " "), y, truth, wav


def features(wav):
    """librosa's spectral features of the same file at fretwise's analysis rate, averaged over the
    frames fretwise averages over (energy within 60 dB of the loudest frame)."""
    y, sr = librosa.load(wav, sr=22050)
    kw = dict(n_fft=2048, hop_length=512)
    power = np.abs(librosa.stft(y, **kw)) ** 2
    keep = power.sum(axis=0) >= power.sum(axis=0).max() * 1e-6
    return {
        "spectral_centroid_hz": float(np.mean(librosa.feature.spectral_centroid(y=y, sr=sr, **kw)[0][keep])),
        "spectral_rolloff_hz": float(np.mean(librosa.feature.spectral_rolloff(y=y, sr=sr, **kw)[0][keep])),
        "spectral_flatness": float(np.mean(librosa.feature.spectral_flatness(y=y, **kw)[0][keep])),
        "mfcc_mean": np.mean(librosa.feature.mfcc(y=y, sr=sr, n_mfcc=13, **kw)[:, keep], axis=1).tolist(),
    }


def main():
    binary, out = sys.argv[1], Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    takes = []
    for name, y, truth in material():
        wav = out / (name.replace(" ", "_").replace(",", "").replace("+", "plus") + ".wav")
        sf.write(wav, y.astype(np.float32), SR, subtype="PCM_16")
        takes.append((name, y, truth, wav))
    if len(sys.argv) > 3:
        takes.extend(soundfont_takes(sys.argv[3]))
    feature_rows = []
    for name, y, truth, wav in takes:
        ft, ff, fo, fn, fb, fs = run_fretwise(binary, wav)
        lt, lf, lo, lb, ls = run_librosa(y.astype(np.float32))
        mine = json.loads(subprocess.run([binary, "analyze", str(wav), "--json"], capture_output=True, text=True, check=True).stdout)["features"]
        theirs = features(wav)
        feature_rows.append({"material": name, "fretwise": {k: mine[k] for k in theirs}, "librosa": theirs})
        at, af, ao, ab, as_ = run_aubio(wav)
        ref_beats = np.array([n[0] for n in truth])
        for tool, (t, f, o, secs), notes, beats in [
            ("fretwise", (ft, ff, fo, fs), fn, fb),
            ("librosa", (lt, lf, lo, ls), None, lb),
            ("aubio", (at, af, ao, as_), None, ab),
        ]:
            rpa, octave = pitch_scores(truth, t, f)
            rows.append({
                "material": name, "tool": tool, "raw_pitch_accuracy": round(rpa, 3), "octave_error_frames": octave,
                "onset_f": round(onset_f(truth, o), 3), "onset_median_ms": round(onset_median_ms(truth, o), 1),
                "note_f": round(note_f(truth, notes), 3) if notes is not None else None, "seconds": round(secs, 3),
                # Every note is on a beat in this material; F at mir_eval's ±70 ms.
                "beat_f": round(mir_eval.beat.f_measure(ref_beats, np.array(sorted(beats))), 3),
                "truth_onsets": [float(n[0]) for n in truth], "onsets": [float(x) for x in sorted(o)],
            })
    print("| material | tool | raw pitch acc. | octave-error frames | onset F | median onset error | note F | beat F | seconds |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['material']} | {r['tool']} | {r['raw_pitch_accuracy']:.3f} | {r['octave_error_frames']} | {r['onset_f']:.3f} | {r['onset_median_ms']} ms | {r['note_f'] if r['note_f'] is not None else '—'} | {r['beat_f']:.3f} | {r['seconds']} |")
    (out / "results.json").write_text(json.dumps(rows, indent=1))
    (out / "features.json").write_text(json.dumps(feature_rows, indent=1))
    summary(rows, feature_rows)


def group_of(material):
    if "noisy" in material or "noise" in material:
        kind = "noisy"
    else:
        kind = "clean"
    if material.startswith("recorded"):
        return f"recorded guitar notes, {kind}"
    for font in ("TimGM6mb", "FluidR3 GM"):
        if material.startswith(font):
            return f"SoundFont {font}, {kind}"
    return f"synthesized strings, {kind}"


def tally(diffs, tolerance):
    """(better, equal, worse) counts of fretwise-minus-peer differences, positive = better."""
    ties = sum(1 for d in diffs if abs(d) < tolerance)
    wins = sum(1 for d in diffs if d >= tolerance)
    return wins, ties, len(diffs) - wins - ties


def paired_errors(a, b):
    """Absolute onset errors (s) of two tools' rows over the truth onsets both find within 50 ms."""
    ea, eb = np.array(a["onsets"]), np.array(b["onsets"])
    if len(ea) == 0 or len(eb) == 0:
        return [], []
    mine, theirs = [], []
    for on in a["truth_onsets"]:
        x, y = np.min(np.abs(ea - on)), np.min(np.abs(eb - on))
        if x <= 0.05 and y <= 0.05:
            mine.append(float(x))
            theirs.append(float(y))
    return mine, theirs


def summary(rows, feature_rows):
    metrics = ["raw_pitch_accuracy", "octave_error_frames", "onset_f", "onset_median_ms", "note_f", "beat_f"]
    groups = {}
    for r in rows:
        groups.setdefault((group_of(r["material"]), r["tool"]), []).append(r)
    print()
    print("| group | tool | takes | raw pitch acc. | octave-error frames | onset F | median onset error | note F | beat F |")
    print("|---|---|---|---|---|---|---|---|---|")
    for (group, tool), rs in sorted(groups.items()):
        def mean(k):
            vals = [r[k] for r in rs if r[k] is not None and not (isinstance(r[k], float) and np.isnan(r[k]))]
            return float(np.mean(vals)) if vals else float("nan")
        print(f"| {group} | {tool} | {len(rs)} | {mean('raw_pitch_accuracy'):.3f} | {sum(r['octave_error_frames'] for r in rs)} | {mean('onset_f'):.3f} | {mean('onset_median_ms'):.1f} ms | {'—' if tool != 'fretwise' else format(mean('note_f'), '.3f')} | {mean('beat_f'):.3f} |")
    # Per take and metric: does fretwise do at least as well as each peer?
    by_take = {}
    for r in rows:
        by_take.setdefault(r["material"], {})[r["tool"]] = r
    print()
    for peer in ("librosa", "aubio"):
        for m, better in [("raw_pitch_accuracy", 1), ("octave_error_frames", -1), ("onset_f", 1), ("onset_median_ms", -1), ("beat_f", 1)]:
            diffs = [(t["fretwise"][m] - t[peer][m]) * better for t in by_take.values()
                     if not any(isinstance(x, float) and np.isnan(x) for x in (t["fretwise"][m], t[peer][m]))]
            wins, ties, losses = tally(diffs, 1e-9)
            print(f"fretwise vs {peer}, {m}: better on {wins} takes, equal on {ties}, worse on {losses}")
    # Onset timing over the same onsets: a tool that finds only its easiest onsets would
    # otherwise be timed on those alone.
    print()
    for peer in ("librosa", "aubio"):
        diffs = []
        for t in by_take.values():
            mine, theirs = paired_errors(t["fretwise"], t[peer])
            if mine:
                diffs.append(np.median(theirs) - np.median(mine))
        wins, ties, losses = tally(diffs, 1e-4)
        print(f"fretwise vs {peer}, onset timing over the onsets both find: better on {wins} takes, equal on {ties}, worse on {losses}")
    for (group, tool), rs in sorted(groups.items()):
        if tool == "fretwise":
            continue
        mine, theirs = [], []
        for r in rs:
            m, th = paired_errors(by_take[r["material"]]["fretwise"], r)
            if m:
                mine.append(np.median(m))
                theirs.append(np.median(th))
        print(f"{group}, onsets both fretwise and {tool} find: mean of per-take median errors fretwise {1000 * np.mean(mine):.1f} ms, {tool} {1000 * np.mean(theirs):.1f} ms")
    diffs = {k: [] for k in ("spectral_centroid_hz", "spectral_rolloff_hz", "spectral_flatness")}
    mfcc = []
    for f in feature_rows:
        for k in diffs:
            diffs[k].append(abs(f["fretwise"][k] - f["librosa"][k]) / max(abs(f["librosa"][k]), 1e-9))
        mfcc.append(np.max(np.abs(np.array(f["fretwise"]["mfcc_mean"]) - np.array(f["librosa"]["mfcc_mean"]))))
    print()
    for k, v in diffs.items():
        print(f"features vs librosa, {k}: median relative difference {100 * np.median(v):.2f} %, worst {100 * np.max(v):.2f} %")
    print(f"features vs librosa, MFCC means: median of the largest per-take difference {np.median(mfcc):.2f}, worst {np.max(mfcc):.2f}")


if __name__ == "__main__":
    main()
