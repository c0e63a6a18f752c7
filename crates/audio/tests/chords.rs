//! Chord recognition on strummed chords (additive strings, 8 ms between strings), scored like
//! mir_eval's weighted overlap with the majmin reduction.

mod common;

use common::{SR, additive, midi_hz, wav};
use fretwise_audio::analyze_bytes;

/// (MIREX label, MIDI notes low to high) in common guitar voicings.
const PROGRESSION: [(&str, &[i32]); 10] = [
    ("E:maj", &[40, 47, 52, 56, 59, 64]),
    ("A:min", &[45, 52, 57, 60, 64]),
    ("G:maj", &[43, 47, 50, 55, 59, 67]),
    ("C:maj", &[48, 52, 55, 60, 64]),
    ("D:maj", &[50, 57, 62, 66]),
    ("E:min", &[40, 47, 52, 55, 59, 64]),
    ("D:min", &[50, 57, 62, 65]),
    ("F:maj", &[41, 48, 53, 57, 60, 65]),
    ("E:7", &[40, 47, 50, 56, 59, 64]),
    ("A:min7", &[45, 52, 55, 60, 64]),
];

/// majmin reduction: root and maj/min, or None for labels outside the vocabulary.
fn majmin(label: &str) -> Option<String> {
    if label == "N" {
        return Some("N".into());
    }
    let (root, q) = label.split_once(':')?;
    let pc = root
        .parse::<fretwise_theory::PitchClass>()
        .ok()?
        .semitone()
        .rem_euclid(12);
    match q {
        "maj" | "7" | "maj7" => Some(format!("{pc}:maj")),
        "min" | "min7" => Some(format!("{pc}:min")),
        _ => None,
    }
}

#[test]
fn strummed_chords_weighted_overlap() {
    let dur = 2.0;
    let mut notes = Vec::new();
    for (i, (_, tones)) in PROGRESSION.iter().enumerate() {
        for (k, m) in tones.iter().enumerate() {
            notes.push((
                0.1 + i as f64 * dur + k as f64 * 0.008,
                dur - 0.1,
                midi_hz(*m as f64),
            ));
        }
    }
    let total = 0.1 + PROGRESSION.len() as f64 * dur + 0.3;
    let a = analyze_bytes(&wav(&additive(&notes, total), SR), Some("wav"), 600.0).unwrap();
    // Weighted overlap on a 10 ms grid over the reference spans.
    let (mut total_t, mut majmin_ok, mut exact_ok) = (0.0, 0.0, 0.0);
    for (i, (label, _)) in PROGRESSION.iter().enumerate() {
        let (s, e) = (0.1 + i as f64 * dur, 0.1 + (i + 1) as f64 * dur);
        let mut t = s;
        while t < e {
            if let Some(est) = a.chords.iter().find(|c| c.start_s <= t && t < c.end_s) {
                if majmin(&est.mirex) == majmin(label) {
                    majmin_ok += 0.01;
                }
                if est.mirex.split(':').nth(1) == label.split(':').nth(1)
                    && majmin(&est.mirex).map(|m| m.split(':').next().map(String::from))
                        == majmin(label).map(|m| m.split(':').next().map(String::from))
                {
                    exact_ok += 0.01;
                }
            }
            total_t += 0.01;
            t += 0.01;
        }
    }
    let wo = majmin_ok / total_t;
    let exact = exact_ok / total_t;
    println!("chord weighted overlap: majmin {wo:.3}, exact quality {exact:.3}");
    for c in &a.chords {
        println!(
            "  {:>6.2}–{:>6.2} {} ({})",
            c.start_s, c.end_s, c.label, c.mirex
        );
    }
    assert!(wo >= 0.9, "majmin weighted overlap {wo}");
    // Symbols come from the theory engine.
    assert!(
        a.chords
            .iter()
            .any(|c| c.label == "Am" && c.mirex == "A:min")
    );
}
