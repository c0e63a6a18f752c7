//! Analysis of real sampled guitars: melodies rendered through General MIDI SoundFonts (nylon,
//! steel, clean electric, overdriven, distorted) with rustysynth, clean and with noise and
//! level changes. The truth is exact (each note's first audible sample and its MIDI key).
//!
//! Needs a SoundFont: Debian's `timgm6mb-soundfont` / `fluid-soundfont-gm` (`.ci/run` installs
//! them) or `FRETWISE_SOUNDFONTS=a.sf2:b.sf2`. Without one the test says so and skips, unless
//! `FRETWISE_REQUIRE_SOUNDFONTS` is set (`.ci/run` sets it once the SoundFonts are installed).

mod common;

use common::metrics::{Scores, mean, report, report_means_and_assert_bars, score};
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
                let name = format!("{font_name} {guitar}, {melody}");
                report(&name, &s);
                assert_every_note_found(&name, &s);
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
                let name = format!("{font_name} {guitar}, {melody}, noise -30 dB + levels");
                report(&name, &s);
                assert_every_note_found(&name, &s);
                noisy.push(s);
            }
        }
    }
    if clean.is_empty() {
        return;
    }
    println!(
        "techniques reported on picked legato eighths (none were played): {legato_false_techniques}"
    );
    // 39 over the 10 legato takes on 2026-12-04: false slides and hammer-ons on picked notes that
    // follow each other without a gap (issue 14). Asserted so that it can only get better.
    assert!(
        legato_false_techniques <= 39,
        "techniques on picked legato eighths: {legato_false_techniques}"
    );
    report_means_and_assert_bars("", &clean, &noisy);
    // 3.1 ms before attacks were followed back along their rise.
    assert!(mean(&clean, |s| s.onset_median_error_ms) < 3.0);
    // 3.5 ms while quiet legato notes under the previous note's damping (no attack detected)
    // were placed by their pitch frames rather than by the rise of their pitch's bins.
    assert!(mean(&noisy, |s| s.onset_median_error_ms) < 3.0);
}

/// Every take, clean or noisy: each note and onset found once, nothing extra (a rise read twice,
/// a note whose late voicing lost its attack, or a voicing dropout read as a new note all fail).
fn assert_every_note_found(name: &str, s: &Scores) {
    assert!(
        s.onset_f > 0.999 && s.note_f > 0.999,
        "{name}: onset F {:.3}, note F {:.3}",
        s.onset_f,
        s.note_f
    );
}
