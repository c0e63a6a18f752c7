//! Renders note lists through real sampled-guitar SoundFonts (rustysynth, General MIDI guitar
//! programs) with exact ground truth: the note-on time, the MIDI pitch and the pitch-bend curve.
//!
//! SoundFonts are found in `FRETWISE_SOUNDFONTS` (paths separated by `:`) or Debian's
//! `/usr/share/sounds/sf2` (`apt install timgm6mb-soundfont fluid-soundfont-gm`).
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use rustysynth::{SoundFont, Synthesizer, SynthesizerSettings};

use super::{SR, Score, midi_hz};

/// Pitch-bend range set for notes with a bend, semitones.
pub const BEND_RANGE: f64 = 12.0;

/// General MIDI guitar programs (0-based) with the names used in reports.
pub const GUITARS: [(&str, u8); 5] = [
    ("nylon", 24),
    ("steel", 25),
    ("clean electric", 27),
    ("overdriven", 29),
    ("distorted", 30),
];

/// The SoundFonts on this machine, named by file stem.
pub fn soundfonts() -> Vec<(String, PathBuf)> {
    let paths: Vec<PathBuf> = match std::env::var("FRETWISE_SOUNDFONTS") {
        Ok(v) if !v.is_empty() => v.split(':').map(PathBuf::from).collect(),
        _ => ["TimGM6mb.sf2", "FluidR3_GM.sf2"]
            .iter()
            .map(|f| PathBuf::from("/usr/share/sounds/sf2").join(f))
            .collect(),
    };
    paths
        .into_iter()
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, p)
        })
        .collect()
}

/// The SoundFonts, or none with a note on stderr (the caller skips); when
/// `FRETWISE_REQUIRE_SOUNDFONTS` is set (`.ci/run` sets it once they are installed) none is a
/// failure.
pub fn fonts_or_skip() -> Vec<(String, PathBuf)> {
    let fonts = soundfonts();
    if fonts.is_empty() {
        assert!(
            std::env::var_os("FRETWISE_REQUIRE_SOUNDFONTS").is_none(),
            "FRETWISE_REQUIRE_SOUNDFONTS is set but no SoundFont was found"
        );
        eprintln!("skipped: no SoundFont (apt install timgm6mb-soundfont fluid-soundfont-gm)");
    }
    fonts
}

/// Loads a SoundFont (panics with the path: test tooling).
pub fn load(path: &std::path::Path) -> Arc<SoundFont> {
    let mut f = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Arc::new(SoundFont::new(&mut f).unwrap_or_else(|e| panic!("{}: {e:?}", path.display())))
}

/// One note: onset s, duration s, MIDI key, velocity, and a pitch-bend curve in semitones
/// (seconds after the onset → bend), within ±12 semitones (the bend range is set by RPN 0).
#[derive(Clone, Debug)]
pub struct Event {
    pub onset: f64,
    pub dur: f64,
    pub key: u8,
    pub velocity: u8,
    pub bend: Vec<(f64, f64)>,
}

impl Event {
    pub fn plain(onset: f64, dur: f64, key: u8) -> Self {
        Self {
            onset,
            dur,
            key,
            velocity: 100,
            bend: Vec::new(),
        }
    }
}

/// Renders events with a GM program; mono at [`SR`], normalised to -6 dBFS, with the ground
/// truth `(onset, duration, Hz)`. The onset is where the note's sound starts: the first sample
/// above 5 % of its peak (samples in a SoundFont can start up to 25 ms after the note-on). Each note is
/// rendered alone and damped over 20 ms at its end, as a player mutes the string before the next
/// note (a SoundFont's release would otherwise let every note ring into the next ones and the
/// take would no longer be monophonic). Bends are pitch-bend messages every 5 ms of their curve.
pub fn render(
    font: &Arc<SoundFont>,
    program: u8,
    events: &[Event],
    total_s: f64,
) -> (Vec<f32>, Score) {
    let n = (total_s * SR as f64).round() as usize;
    let mut out = vec![0.0f32; n];
    let mut truth = Score::new();
    for e in events {
        let note = render_note(font, program, e);
        let start = (e.onset * SR as f64).round() as usize;
        let peak = note.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let delay = note.iter().position(|v| v.abs() > 0.05 * peak).unwrap_or(0) as f64 / SR as f64;
        truth.push((
            start as f64 / SR as f64 + delay,
            e.dur - delay,
            midi_hz(f64::from(e.key)),
        ));
        for (i, v) in note.iter().enumerate() {
            if let Some(o) = out.get_mut(start + i) {
                *o += v;
            }
        }
    }
    let peak = out.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-9);
    (out.iter().map(|v| v / peak * 0.5).collect(), truth)
}

/// One note from its note-on to 20 ms after its end (damped to silence over those 20 ms).
pub fn render_note(font: &Arc<SoundFont>, program: u8, e: &Event) -> Vec<f32> {
    let settings = SynthesizerSettings::new(SR as i32);
    let mut synth = Synthesizer::new(font, &settings).expect("synthesizer");
    synth.process_midi_message(0, 0xC0, i32::from(program), 0);
    let damp = (0.02 * SR as f64) as usize;
    let len = (e.dur * SR as f64).round() as usize;
    let total = len + damp;
    let mut left = vec![0.0f32; total];
    let mut right = vec![0.0f32; total];
    if !e.bend.is_empty() {
        // RPN 0 (pitch-bend sensitivity) = 12 semitones, so slides fit in one bend.
        for (cc, v) in [(101, 0), (100, 0), (6, BEND_RANGE as i32), (38, 0)] {
            synth.process_midi_message(0, 0xB0, cc, v);
        }
    }
    synth.note_on(0, i32::from(e.key), i32::from(e.velocity));
    let block = (0.005 * SR as f64) as usize;
    let mut pos = 0;
    while pos < total {
        if !e.bend.is_empty() {
            let semis = interpolate(&e.bend, pos as f64 / SR as f64);
            let v = (8192.0 + semis / BEND_RANGE * 8191.0)
                .round()
                .clamp(0.0, 16383.0) as i32;
            synth.process_midi_message(0, 0xE0, v & 0x7f, v >> 7);
        }
        let end = (pos + block).min(total);
        synth.render(&mut left[pos..end], &mut right[pos..end]);
        pos = end;
    }
    left.iter()
        .zip(&right)
        .enumerate()
        .map(|(i, (l, r))| {
            let g = if i < len {
                1.0
            } else {
                (total - i) as f32 / damp as f32
            };
            (l + r) * 0.5 * g
        })
        .collect()
}

/// Linear interpolation of a (time, value) curve, held at both ends.
pub fn interpolate(curve: &[(f64, f64)], t: f64) -> f64 {
    match curve.iter().position(|p| p.0 > t) {
        None => curve.last().map_or(0.0, |p| p.1),
        Some(0) => curve[0].1,
        Some(i) => {
            let (a, b) = (curve[i - 1], curve[i]);
            a.1 + (b.1 - a.1) * (t - a.0) / (b.0 - a.0)
        }
    }
}

/// Evenly spaced notes.
pub fn melody(keys: &[u8], start: f64, step: f64, dur: f64) -> Vec<Event> {
    keys.iter()
        .enumerate()
        .map(|(i, k)| Event::plain(start + i as f64 * step, dur, *k))
        .collect()
}

/// The evaluation melodies: (name, events, total seconds).
pub fn melodies() -> Vec<(&'static str, Vec<Event>, f64)> {
    let wide: [u8; 16] = [
        40, 45, 50, 55, 59, 64, 67, 71, 76, 81, 84, 88, 76, 64, 52, 40,
    ];
    let low: [u8; 12] = [40, 38, 40, 43, 45, 40, 47, 50, 52, 40, 38, 45];
    // Eighth notes at 132 bpm, each held to the next (legato), A minor pentatonic and back.
    let run: [u8; 16] = [
        57, 60, 62, 64, 67, 69, 72, 74, 76, 74, 72, 69, 67, 64, 62, 60,
    ];
    let step = 60.0 / 132.0 / 2.0;
    vec![
        ("E2-E6", melody(&wide, 0.2, 0.45, 0.4), 7.8),
        ("low strings", melody(&low, 0.2, 0.45, 0.4), 6.0),
        (
            "legato eighths",
            melody(&run, 0.2, step, step),
            0.2 + 16.0 * step + 0.6,
        ),
    ]
}

/// Adds white noise `snr_db` below the signal's RMS and drops every other note of `truth` by
/// 18 dB: from where its sound starts until the next note's sound starts (or 25 ms after its end),
/// so no level step comes before a note's own start (a step at the next note-on, ahead of a
/// sample's delayed start, read as a false early attack).
pub fn degrade(samples: &mut [f32], truth: &Score, snr_db: f64, seed: u64) {
    for (i, &(onset, dur, _)) in truth.iter().enumerate() {
        if i % 2 == 1 {
            let s = (onset.max(0.0) * SR as f64) as usize;
            let end = truth
                .get(i + 1)
                .map_or(f64::INFINITY, |n| n.0)
                .min(onset + dur + 0.025);
            let t = ((end * SR as f64) as usize).min(samples.len());
            for x in &mut samples[s.min(t)..t] {
                *x *= 0.125;
            }
        }
    }
    let rms = (samples.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>()
        / samples.len().max(1) as f64)
        .sqrt();
    let amp = rms * 10f64.powf(-snr_db / 20.0) * 3f64.sqrt();
    let mut state = seed | 1;
    for x in samples.iter_mut() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let u = (state % 20_000) as f64 / 10_000.0 - 1.0;
        *x += (u * amp) as f32;
    }
}
