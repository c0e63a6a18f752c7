//! Analysis of real sampled guitars: melodies rendered through General MIDI SoundFonts (nylon,
//! steel, clean electric, overdriven, distorted) with rustysynth, clean and with noise and
//! level changes. The truth is exact (each note's first audible sample and its MIDI key).
//!
//! Needs a SoundFont: Debian's `timgm6mb-soundfont` / `fluid-soundfont-gm` (`.ci/run` installs
//! them) or `FRETWISE_SOUNDFONTS=a.sf2:b.sf2`. Without one the test says so and skips, unless
//! `FRETWISE_REQUIRE_SOUNDFONTS` is set (`.ci/run` sets it once the SoundFonts are installed).

mod common;

use common::metrics::{Scores, report, score};
use common::soundfont::{GUITARS, degrade, fonts_or_skip, load, melodies, render};
use common::{SR, wav};
use fretwise_audio::analyze_bytes;

#[test]
fn sampled_guitars_clean_and_noisy() {
    let mut clean: Vec<Scores> = Vec::new();
    let mut noisy: Vec<Scores> = Vec::new();
    let mut legato_false_techniques = 0;
    for (font_name, path) in fonts_or_skip() {
        let font = load(&path);
        for (guitar, program) in GUITARS {
            for (melody, events, total) in melodies() {
                let (mut audio, t) = render(&font, program, &events, total);
                let a = analyze_bytes(&wav(&audio, SR), Some("wav"), 600.0).unwrap();
                let s = score(&t, &a);
                report(&format!("{font_name} {guitar}, {melody}"), &s);
                clean.push(s);
                // Detached picked notes: no technique may be reported.
                if melody != "legato eighths" {
                    assert!(
                        a.techniques.is_empty(),
                        "{font_name} {guitar}, {melody}: {:?}",
                        a.techniques
                    );
                } else {
                    legato_false_techniques += a.techniques.len();
                }
                degrade(&mut audio, &t, 30.0, u64::from(program));
                let a = analyze_bytes(&wav(&audio, SR), Some("wav"), 600.0).unwrap();
                let s = score(&t, &a);
                report(
                    &format!("{font_name} {guitar}, {melody}, noise -30 dB + levels"),
                    &s,
                );
                noisy.push(s);
            }
        }
    }
    if clean.is_empty() {
        return;
    }
    let mean = |v: &[Scores], f: fn(&Scores) -> f64| v.iter().map(f).sum::<f64>() / v.len() as f64;
    for (name, v) in [("clean", &clean), ("noisy", &noisy)] {
        println!(
            "{name} mean over {} takes: RPA {:.3}, onset F {:.3}, note F {:.3}, median onset error {:.1} ms, octave errors {}",
            v.len(),
            mean(v, |s| s.raw_pitch_accuracy),
            mean(v, |s| s.onset_f),
            mean(v, |s| s.note_f),
            mean(v, |s| s.onset_median_error_ms),
            v.iter().map(|s| s.octave_errors).sum::<usize>()
        );
    }
    println!(
        "techniques reported on picked legato eighths (none were played): {legato_false_techniques}"
    );
    // The bars on clean monophonic playing.
    assert!(mean(&clean, |s| s.raw_pitch_accuracy) >= 0.98);
    assert!(mean(&clean, |s| s.onset_f) >= 0.95);
    assert!(mean(&clean, |s| s.note_f) >= 0.93);
    assert!(mean(&clean, |s| s.onset_median_error_ms) < 10.0);
    assert_eq!(clean.iter().map(|s| s.octave_errors).sum::<usize>(), 0);
}
