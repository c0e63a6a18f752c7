//! Analysis of real recorded guitar notes (acoustic steel-string, electric, nylon; MP3): each
//! recording on its own over its whole decay, and melodies assembled from them, clean and with
//! noise and level changes. Truth pitches are the files' note names, truth onsets the first
//! audible sample. See `common/recorded.rs` for where the recordings come from.

mod common;

use common::metrics::{Scores, report, report_means_and_assert_bars, score};
use common::recorded::{instruments_or_skip, melodies, render};
use common::soundfont::degrade;
use common::{SR, wav};
use fretwise_audio::analyze_bytes;

/// Every recording alone, from its attack to the end of its decay (up to 15 s): the note is
/// found at its name's pitch, no note at another pitch is reported, and the voiced frames read
/// the named pitch (not an octave or a twelfth of it, which is what long decays and sympathetic
/// strings tempt a tracker into).
#[test]
fn single_recorded_notes_over_their_whole_decay() {
    let instruments = instruments_or_skip();
    let (mut frames, mut right, mut harmonic) = (0usize, 0usize, 0usize);
    let mut files = 0;
    for inst in &instruments {
        for s in &inst.samples {
            let a = analyze_bytes(&wav(&s.audio, SR), Some("wav"), 60.0).unwrap();
            let label = f64::from(s.midi);
            let wrong: Vec<String> = a
                .notes
                .iter()
                .filter(|n| n.midi != i32::from(s.midi))
                .map(|n| format!("{} at {:.2} s", n.name, n.onset_s))
                .collect();
            assert!(!a.notes.is_empty(), "{} {}: no note", inst.name, s.name);
            assert!(
                wrong.is_empty(),
                "{} {}: notes at other pitches {wrong:?}",
                inst.name,
                s.name
            );
            // Notes at the right pitch may repeat (a decay's late bump read as a new attack);
            // the first starts at the recording's attack.
            assert!(
                (a.notes[0].onset_s - 0.01).abs() <= 0.05,
                "{} {}: first note at {}",
                inst.name,
                s.name,
                a.notes[0].onset_s
            );
            for f in a.pitch_track.f0_hz.iter().filter(|f| **f > 0.0) {
                frames += 1;
                let semis = 12.0 * (f / 440.0).log2() + 69.0 - label;
                if semis.abs() <= 0.5 {
                    right += 1;
                } else if [12.0, 19.0, 24.0]
                    .iter()
                    .any(|h| (semis.abs() - h).abs() <= 0.5)
                {
                    harmonic += 1;
                }
            }
            files += 1;
        }
    }
    if files == 0 {
        return;
    }
    let accuracy = right as f64 / frames as f64;
    println!(
        "{files} recordings: {frames} voiced frames, {accuracy:.4} at the named pitch, {harmonic} at an octave, twelfth or two octaves of it"
    );
    assert!(accuracy >= 0.99, "{accuracy}");
    assert!(harmonic * 1000 <= frames, "{harmonic} of {frames}");
}

#[test]
fn recorded_melodies_clean_and_noisy() {
    let mut clean: Vec<Scores> = Vec::new();
    let mut noisy: Vec<Scores> = Vec::new();
    for inst in instruments_or_skip() {
        for (melody, events, total) in melodies(&inst) {
            let (mut audio, truth) = render(&inst, &events, total);
            let a = analyze_bytes(&wav(&audio, SR), Some("wav"), 600.0).unwrap();
            let s = score(&truth, &a);
            report(&format!("recorded {}, {melody}", inst.name), &s);
            clean.push(s);
            degrade(&mut audio, &truth, 30.0, u64::from(events[0].key));
            let a = analyze_bytes(&wav(&audio, SR), Some("wav"), 600.0).unwrap();
            let s = score(&truth, &a);
            report(
                &format!("recorded {}, {melody}, noise -30 dB + levels", inst.name),
                &s,
            );
            noisy.push(s);
        }
    }
    if clean.is_empty() {
        return;
    }
    report_means_and_assert_bars("recorded ", &clean, &noisy);
}
