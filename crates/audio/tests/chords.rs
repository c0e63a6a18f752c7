//! Chord recognition on strummed chords (additive strings, 8 ms between strings, and sampled
//! guitars from SoundFonts, clean and noisy), scored like mir_eval's weighted overlap with the
//! majmin reduction.

mod common;

use common::chordset::{majmin, sevenths};
use common::soundfont::{Event, degrade, fonts_or_skip, load, render};
use common::{SR, Score, additive, midi_hz, wav};
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

/// Weighted overlap (majmin and exact quality) on a 10 ms grid over the reference spans.
fn overlap(a: &fretwise_audio::Analysis, start: f64, dur: f64) -> (f64, f64) {
    let (mut total_t, mut majmin_ok, mut exact_ok) = (0.0, 0.0, 0.0);
    for (i, (label, _)) in PROGRESSION.iter().enumerate() {
        let (s, e) = (start + i as f64 * dur, start + (i + 1) as f64 * dur);
        let mut t = s;
        while t < e {
            if let Some(est) = a.chords.iter().find(|c| c.start_s <= t && t < c.end_s) {
                // Every label here is inside both vocabularies.
                if majmin(&est.mirex).is_some() && majmin(&est.mirex) == majmin(label) {
                    majmin_ok += 0.01;
                }
                if sevenths(&est.mirex).is_some() && sevenths(&est.mirex) == sevenths(label) {
                    exact_ok += 0.01;
                }
            }
            total_t += 0.01;
            t += 0.01;
        }
    }
    (majmin_ok / total_t, exact_ok / total_t)
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
    let (wo, exact) = overlap(&a, 0.1, dur);
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

/// The progression strummed on sampled guitars (15 ms between strings, one down-strum per
/// chord held two seconds), clean and with noise 20 dB down and every other chord 12 dB quieter.
#[test]
fn strummed_chords_on_sampled_guitars_clean_and_noisy() {
    let fonts = fonts_or_skip();
    if fonts.is_empty() {
        return;
    }
    let dur = 2.0;
    let mut events = Vec::new();
    for (i, (_, tones)) in PROGRESSION.iter().enumerate() {
        for (k, m) in tones.iter().enumerate() {
            events.push(Event::plain(
                0.1 + i as f64 * dur + k as f64 * 0.015,
                dur - 0.12 - k as f64 * 0.015,
                *m as u8,
            ));
        }
    }
    let total = 0.1 + PROGRESSION.len() as f64 * dur + 0.3;
    let mut results = Vec::new();
    for (font_name, path) in fonts {
        let font = load(&path);
        for (guitar, program) in [("nylon", 24), ("steel", 25), ("clean electric", 27)] {
            let (mut audio, _) = render(&font, program, &events, total);
            let a = analyze_bytes(&wav(&audio, SR), Some("wav"), 600.0).unwrap();
            let clean = overlap(&a, 0.1, dur);
            // Every other chord 12 dB down, then white noise 20 dB below the take's RMS.
            for i in (1..PROGRESSION.len()).step_by(2) {
                let s = ((0.1 + i as f64 * dur) * SR as f64) as usize;
                let e = (((0.1 + (i + 1) as f64 * dur) * SR as f64) as usize).min(audio.len());
                for x in &mut audio[s..e] {
                    *x *= 0.25;
                }
            }
            degrade(&mut audio, &Score::new(), 20.0, u64::from(program));
            let a = analyze_bytes(&wav(&audio, SR), Some("wav"), 600.0).unwrap();
            let noisy = overlap(&a, 0.1, dur);
            println!(
                "{font_name} {guitar}: majmin WO clean {:.3} (exact {:.3}), noisy {:.3} (exact {:.3})",
                clean.0, clean.1, noisy.0, noisy.1
            );
            results.push((clean.0, noisy.0));
            if std::env::var_os("FRETWISE_DEBUG_CHORDS").is_some() {
                for c in &a.chords {
                    println!("  {:>6.2}–{:>6.2} {}", c.start_s, c.end_s, c.mirex);
                }
            }
        }
    }
    let n = results.len() as f64;
    let clean = results.iter().map(|r| r.0).sum::<f64>() / n;
    let noisy = results.iter().map(|r| r.1).sum::<f64>() / n;
    println!("mean majmin weighted overlap: clean {clean:.3}, noisy {noisy:.3}");
    assert!(clean >= 0.9, "{clean}");
    assert!(noisy >= 0.88, "{noisy}");
    assert!(
        results.iter().all(|r| r.0 >= 0.75 && r.1 >= 0.75),
        "{results:?}"
    );
}
