//! Techniques on real sampled guitars: a phrase with a whole-step bend, a bend that falls short
//! and is released, vibrato, a hammer-on and pull-off, a five-fret slide and two dead notes,
//! rendered through the SoundFonts with pitch-bend curves (exact truth), plus the same phrase
//! from additive strings with a pitch contour (a second generator).

mod common;

use common::soundfont::{Event, fonts_or_skip, load, render};
use common::{BentNote, SR, additive_bent, wav};
use fretwise_audio::{Exercise, Strictness, Technique, analyze_bytes, score};

/// The phrase: events with bend curves (semitones after the onset).
fn phrase() -> Vec<Event> {
    let ev = |onset: f64, dur: f64, key: u8, bend: Vec<(f64, f64)>| Event {
        onset,
        dur,
        key,
        velocity: 100,
        bend,
    };
    let vibrato: Vec<(f64, f64)> = (0..=200)
        .map(|i| {
            let t = i as f64 * 0.005;
            let depth = if t < 0.25 { 0.0 } else { 0.3 };
            (
                t,
                depth * (2.0 * std::f64::consts::PI * 5.5 * (t - 0.25)).sin(),
            )
        })
        .collect();
    let slide: Vec<(f64, f64)> = (0..=5)
        .flat_map(|k| {
            let t = 0.25 + k as f64 * 0.03;
            [(t, k as f64), (t + 0.029, k as f64)]
        })
        .collect();
    vec![
        // Whole-step bend of A3 to B3, held.
        ev(0.3, 0.75, 57, vec![(0.0, 0.0), (0.2, 0.0), (0.32, 2.0)]),
        // G3 bent 160 cents (short of a whole step), held, released.
        ev(
            1.4,
            1.0,
            55,
            vec![(0.0, 0.0), (0.2, 0.0), (0.35, 1.6), (0.6, 1.6), (0.75, 0.0)],
        ),
        // E4 with vibrato: 5.5 Hz, ±30 cents, after a quarter second.
        ev(2.7, 1.0, 64, vibrato),
        // C4, hammer-on to D4, pull-off back to C4.
        ev(
            4.0,
            0.8,
            60,
            vec![
                (0.0, 0.0),
                (0.25, 0.0),
                (0.255, 2.0),
                (0.5, 2.0),
                (0.505, 0.0),
            ],
        ),
        // A2 slid up five frets to D3, a fret every 30 ms.
        ev(5.1, 0.8, 45, slide),
    ]
}

/// Dead notes: 40 ms decaying noise bursts at 6.3 s and 6.7 s.
fn add_dead_notes(audio: &mut [f32]) {
    let mut state = 99u64;
    for at in [6.3, 6.7] {
        let s = (at * SR as f64) as usize;
        for i in 0..(0.04 * SR as f64) as usize {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let u = (state % 2000) as f32 / 1000.0 - 1.0;
            audio[s + i] += 0.3 * u * (-(i as f32) / (0.008 * SR as f32)).exp();
        }
    }
}

struct Found {
    bends: usize,
    whole_step: bool,
    short_and_released: bool,
    vibrato: bool,
    hammer: bool,
    pull: bool,
    slide: bool,
    muted: usize,
}

fn check(name: &str, list: &[Technique]) -> Found {
    println!("{name}:");
    for t in list {
        println!("  {}", serde_json::to_string(t).unwrap());
    }
    let near = |t: f64, want: f64| (t - want).abs() <= 0.08;
    let mut f = Found {
        bends: 0,
        whole_step: false,
        short_and_released: false,
        vibrato: false,
        hammer: false,
        pull: false,
        slide: false,
        muted: 0,
    };
    for t in list {
        match t {
            Technique::Bend {
                start_s,
                from,
                cents,
                target_cents,
                reached,
                released,
                ..
            } => {
                f.bends += 1;
                if near(*start_s, 0.5) && from == "A3" && (*cents - 200.0).abs() <= 25.0 {
                    f.whole_step = *reached && *target_cents == 200.0 && !*released;
                }
                if near(*start_s, 1.6) && from == "G3" && (*cents - 160.0).abs() <= 25.0 {
                    f.short_and_released = !*reached && *target_cents == 200.0 && *released;
                }
            }
            Technique::Vibrato {
                start_s,
                rate_hz,
                depth_cents,
                ..
            } => {
                f.vibrato |= *start_s >= 2.8
                    && *start_s <= 3.2
                    && (*rate_hz - 5.5).abs() <= 0.7
                    && (*depth_cents - 30.0).abs() <= 10.0;
            }
            Technique::HammerOn {
                start_s, from, to, ..
            } => f.hammer |= near(*start_s, 4.25) && from == "C4" && to == "D4",
            Technique::PullOff {
                start_s, from, to, ..
            } => f.pull |= near(*start_s, 4.5) && from == "D4" && to == "C4",
            Technique::Slide {
                start_s, from, to, ..
            } => f.slide |= near(*start_s, 5.35) && from == "A2" && to == "D3",
            Technique::Muted { start_s, .. } => {
                f.muted += usize::from(near(*start_s, 6.3) || near(*start_s, 6.7));
            }
        }
    }
    f
}

fn summary(f: &Found) -> String {
    format!(
        "whole-step {} short+released {} vibrato {} hammer {} pull {} slide {} muted {}/2, bends {}",
        f.whole_step, f.short_and_released, f.vibrato, f.hammer, f.pull, f.slide, f.muted, f.bends
    )
}

fn all_found(f: &Found) -> bool {
    f.whole_step
        && f.short_and_released
        && f.vibrato
        && f.hammer
        && f.pull
        && f.slide
        && f.muted == 2
}

#[test]
fn techniques_on_additive_strings() {
    let notes: Vec<BentNote> = phrase()
        .into_iter()
        .map(|e| (e.onset, e.dur, f64::from(e.key), e.bend))
        .collect();
    let mut audio = additive_bent(&notes, 7.2);
    add_dead_notes(&mut audio);
    let a = analyze_bytes(&wav(&audio, SR), Some("wav"), 600.0).unwrap();
    let f = check("additive strings", &a.techniques);
    // Feedback in words on the short bend (and none on the reached one or the even vibrato).
    let feedback = fretwise_audio::technique_feedback(&a.techniques);
    println!("{feedback:?}");
    assert_eq!(feedback.len(), 1, "{feedback:?}");
    assert!(
        feedback[0]
            .message
            .starts_with("the bend on G3 stops 40 cents short of a whole step"),
        "{}",
        feedback[0].message
    );
    assert_eq!(feedback[0].concepts, ["bending"]);
    assert!(all_found(&f), "{}", summary(&f));
}

#[test]
fn techniques_on_sampled_guitars() {
    let fonts = fonts_or_skip();
    if fonts.is_empty() {
        return;
    }
    let (mut takes, mut found_all) = (0, 0);
    for (font_name, path) in fonts {
        let font = load(&path);
        for (guitar, program) in [("nylon", 24), ("steel", 25), ("clean electric", 27)] {
            let (mut audio, _) = render(&font, program, &phrase(), 7.2);
            add_dead_notes(&mut audio);
            let a = analyze_bytes(&wav(&audio, SR), Some("wav"), 600.0).unwrap();
            let f = check(&format!("{font_name} {guitar}"), &a.techniques);
            let all = all_found(&f);
            println!("  {}", summary(&f));
            takes += 1;
            found_all += usize::from(all);
        }
    }
    println!("all techniques found in {found_all} of {takes} takes");
    assert_eq!(found_all, takes);
}

/// The phrase as an exercise (60 bpm, so beats are seconds) asking for each technique.
fn phrase_exercise() -> Exercise {
    Exercise::parse(
        r#"{"tempo_bpm": 60, "notes": [
            {"beat": 0.3, "duration_beats": 0.75, "note": "A3", "technique": "bend", "bend_semitones": 2},
            {"beat": 1.4, "duration_beats": 1.0, "note": "G3", "technique": "bend_release", "bend_semitones": 2},
            {"beat": 2.7, "duration_beats": 1.0, "note": "E4", "technique": "vibrato"},
            {"beat": 4.0, "duration_beats": 0.25, "note": "C4"},
            {"beat": 4.25, "duration_beats": 0.25, "note": "D4", "technique": "hammer_on"},
            {"beat": 4.5, "duration_beats": 0.3, "note": "C4", "technique": "pull_off"},
            {"beat": 5.1, "duration_beats": 0.25, "note": "A2"},
            {"beat": 5.35, "duration_beats": 0.55, "note": "D3", "technique": "slide"}
        ]}"#,
    )
    .unwrap()
}

/// Scoring against an exercise that asks for techniques: played with them, every one is heard
/// and the short bend is measured against its target; played as plain picked notes, each is
/// reported as not heard, with the concept that teaches it.
#[test]
fn exercise_techniques_are_checked() {
    let ex = phrase_exercise();
    let notes: Vec<BentNote> = phrase()
        .into_iter()
        .map(|e| (e.onset, e.dur, f64::from(e.key), e.bend))
        .collect();
    let a = analyze_bytes(&wav(&additive_bent(&notes, 6.2), SR), Some("wav"), 600.0).unwrap();
    let s = score(
        &ex,
        &a.notes,
        &a.techniques,
        Strictness::Beginner,
        a.tuning_ref_hz,
    );
    println!("{}", serde_json::to_string_pretty(&s).unwrap());
    assert_eq!(s.summary.techniques_expected, 6);
    assert_eq!(s.summary.techniques_heard, 6);
    assert!(
        s.per_note
            .iter()
            .all(|r| r.status != "wrong_pitch" && r.status != "missed"),
        "{:?}",
        s.per_note
    );
    assert!(s.extra_notes.is_empty(), "{:?}", s.extra_notes);
    // Every note was played on its time; the slide left on it (its D3 arrives 150 ms later).
    for r in &s.per_note {
        assert!(
            r.status == "ok" && r.timing_error_ms.is_some_and(|e| e.abs() < 10.0),
            "{r:?}"
        );
    }
    let short = s.per_note[1].technique.as_ref().unwrap();
    assert_eq!(short.detail.as_deref(), Some("40 cents short (160 of 200)"));
    assert_eq!(
        s.per_note[0].technique.as_ref().unwrap().detail.as_deref(),
        Some("reached: 200 of 200 cents")
    );
    let remarks: Vec<&str> = s.feedback.iter().map(|f| f.message.as_str()).collect();
    assert!(
        remarks.iter().any(|m| m
            .starts_with("the bend and release on note 2 (to A3) is 40 cents short (160 of 200)")),
        "{remarks:?}"
    );
    assert!(
        !remarks.iter().any(|m| m.contains("not heard")),
        "{remarks:?}"
    );

    // The same notes picked plainly, no technique at all.
    let plain: Vec<BentNote> = ex
        .notes
        .iter()
        .map(|n| {
            let midi = n
                .note
                .as_deref()
                .and_then(|x| x.parse::<fretwise_theory::Note>().ok())
                .and_then(|x| x.midi())
                .unwrap();
            (n.beat, n.duration_beats - 0.02, f64::from(midi), Vec::new())
        })
        .collect();
    let a = analyze_bytes(&wav(&additive_bent(&plain, 6.2), SR), Some("wav"), 600.0).unwrap();
    let s = score(
        &ex,
        &a.notes,
        &a.techniques,
        Strictness::Beginner,
        a.tuning_ref_hz,
    );
    assert_eq!(s.summary.techniques_heard, 0, "{:?}", a.techniques);
    let not_heard: Vec<(&str, &[String])> = s
        .feedback
        .iter()
        .filter(|f| f.message.contains("which was not heard"))
        .map(|f| (f.message.as_str(), f.concepts.as_slice()))
        .collect();
    assert_eq!(not_heard.len(), 6, "{:?}", s.feedback);
    assert!(
        not_heard
            .iter()
            .any(|(m, c)| m.starts_with("note 5 (D4) asks for a hammer-on") && c[0] == "legato")
    );
    assert!(
        not_heard
            .iter()
            .any(|(m, c)| m.starts_with("note 8 (D3) asks for a slide") && c[0] == "slides")
    );
    assert!(
        not_heard
            .iter()
            .any(|(m, c)| m.starts_with("note 1 (B3) asks for a bend") && c[0] == "bending")
    );
}
