//! Real recorded guitar notes: the MP3 samples of the `tonejs-instrument-guitar-*-mp3` npm
//! packages (acoustic steel-string, electric, nylon; MIT licence), one recording per note, named
//! like `Cs3.mp3`. They are recordings of real instruments (long natural decays, body resonance,
//! sympathetic strings, MP3 coding), a source independent of the SoundFonts.
//!
//! Found in `FRETWISE_GUITAR_SAMPLES` or `~/.cache/fretwise-guitar-samples`, one folder per
//! instrument; `scripts/audio-eval/fetch_guitar_samples.sh DIR` fetches them from the npm
//! registry (`.ci/run` does).
#![allow(dead_code)]

use std::path::PathBuf;

use super::soundfont::Event;
use super::{SR, Score, midi_hz};

/// Files whose sound is not their name, left out with the reason.
pub const MISLABELLED: [(&str, &str, &str); 1] = [(
    "nylon",
    "D5",
    "sounds D#5: its spectrum peaks at 622 Hz (D5 is 587 Hz); fretwise and librosa's pyin both read D#5",
)];

/// Seconds of the recording kept before the note's first audible sample.
const PRE_ROLL_S: f64 = 0.01;

/// One recorded note at [`SR`], starting [`PRE_ROLL_S`] before its first audible sample.
pub struct Sample {
    /// The file's note name (`Cs3`).
    pub name: String,
    /// MIDI number of that name.
    pub midi: u8,
    /// Mono samples at [`SR`].
    pub audio: Vec<f32>,
}

/// One instrument's recordings, lowest first.
pub struct Instrument {
    /// `acoustic`, `electric` or `nylon`.
    pub name: String,
    pub samples: Vec<Sample>,
}

impl Instrument {
    /// The recording of a MIDI note, if there is one.
    pub fn sample(&self, midi: u8) -> Option<&Sample> {
        self.samples.iter().find(|s| s.midi == midi)
    }

    /// The MIDI notes recorded.
    pub fn keys(&self) -> Vec<u8> {
        self.samples.iter().map(|s| s.midi).collect()
    }
}

/// MIDI number of a file stem like `Cs3`, `A2`, `Gs5`.
pub fn midi_of_name(stem: &str) -> Option<u8> {
    let mut chars = stem.chars();
    let pc = match chars.next()? {
        'C' => 0,
        'D' => 2,
        'E' => 4,
        'F' => 5,
        'G' => 7,
        'A' => 9,
        'B' => 11,
        _ => return None,
    };
    let rest: String = chars.collect();
    let (sharp, octave) = match rest.strip_prefix('s') {
        Some(o) => (1, o),
        None => (0, rest.as_str()),
    };
    let octave: i32 = octave.parse().ok()?;
    u8::try_from(12 * (octave + 1) + pc + sharp).ok()
}

fn root() -> Option<PathBuf> {
    match std::env::var("FRETWISE_GUITAR_SAMPLES") {
        Ok(v) if !v.is_empty() => Some(PathBuf::from(v)),
        _ => std::env::var_os("HOME")
            .map(|h| PathBuf::from(h).join(".cache/fretwise-guitar-samples")),
    }
}

/// The recorded instruments found, decoded (MP3 through fretwise's own decoder) and trimmed.
pub fn instruments() -> Vec<Instrument> {
    let Some(root) = root() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for name in ["acoustic", "electric", "nylon"] {
        let dir = root.join(name);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut samples = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("mp3") {
                continue;
            }
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let Some(midi) = midi_of_name(&stem) else {
                continue;
            };
            if MISLABELLED.iter().any(|(i, n, _)| *i == name && *n == stem) {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let d = fretwise_audio::decode(&bytes, Some("mp3"), 60.0)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let up = fretwise_audio::resample(&d.samples, fretwise_audio::ANALYSIS_RATE, SR)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let peak = up.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-9);
            let first = up.iter().position(|v| v.abs() > 0.05 * peak).unwrap_or(0);
            let start = first.saturating_sub((PRE_ROLL_S * f64::from(SR)) as usize);
            samples.push(Sample {
                name: stem,
                midi,
                audio: up[start..].iter().map(|v| v / peak).collect(),
            });
        }
        samples.sort_by_key(|s| s.midi);
        if !samples.is_empty() {
            out.push(Instrument {
                name: name.to_string(),
                samples,
            });
        }
    }
    out
}

/// The instruments, or none with a note on stderr (the caller skips); when
/// `FRETWISE_REQUIRE_RECORDINGS` is set (`.ci/run` sets it once they are fetched) none is a
/// failure.
pub fn instruments_or_skip() -> Vec<Instrument> {
    let found = instruments();
    if found.is_empty() {
        assert!(
            std::env::var_os("FRETWISE_REQUIRE_RECORDINGS").is_none(),
            "FRETWISE_REQUIRE_RECORDINGS is set but no recorded guitar samples were found"
        );
        eprintln!(
            "skipped: no recorded guitar samples (scripts/audio-eval/fetch_guitar_samples.sh ~/.cache/fretwise-guitar-samples)"
        );
    }
    found
}

/// Places recordings at the events' times: each cut at its duration and damped over 20 ms (a
/// player muting the string), normalised to -6 dBFS. Truth onsets are the first audible
/// samples; truth pitches are the files' names.
pub fn render(inst: &Instrument, events: &[Event], total_s: f64) -> (Vec<f32>, Score) {
    let n = (total_s * f64::from(SR)).round() as usize;
    let mut out = vec![0.0f32; n];
    let mut truth = Score::new();
    let damp = (0.02 * f64::from(SR)) as usize;
    for e in events {
        let Some(sample) = inst.sample(e.key) else {
            continue;
        };
        let start = (e.onset * f64::from(SR)).round() as usize;
        let len = (e.dur * f64::from(SR)).round() as usize;
        let gain = f32::from(e.velocity) / 127.0;
        for (i, v) in sample.audio.iter().take(len + damp).enumerate() {
            let g = if i < len {
                1.0
            } else {
                (len + damp - i) as f32 / damp as f32
            };
            if let Some(o) = out.get_mut(start + i) {
                *o += v * g * gain;
            }
        }
        truth.push((
            start as f64 / f64::from(SR) + PRE_ROLL_S,
            e.dur - PRE_ROLL_S,
            midi_hz(f64::from(e.key)),
        ));
    }
    let peak = out.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-9);
    (out.iter().map(|v| v / peak * 0.5).collect(), truth)
}

/// Evenly spaced notes.
fn spaced(keys: &[u8], start: f64, step: f64, dur: f64) -> Vec<Event> {
    keys.iter()
        .enumerate()
        .map(|(i, k)| Event::plain(start + i as f64 * step, dur, *k))
        .collect()
}

/// The evaluation melodies for an instrument, from the notes it has: (name, events, seconds).
/// - range: every other recorded note up and back down (the instrument's whole range);
/// - low strings: its notes up to E3, in a zig-zag;
/// - legato eighths: notes from A3 to E5 at 132 bpm, each held to the next;
/// - sustained: four low notes held two seconds each (long decays).
pub fn melodies(inst: &Instrument) -> Vec<(&'static str, Vec<Event>, f64)> {
    let keys = inst.keys();
    let mut range: Vec<u8> = keys.iter().copied().step_by(2).collect();
    let down: Vec<u8> = range.iter().rev().skip(1).copied().collect();
    range.extend(down);
    let low: Vec<u8> = keys.iter().copied().filter(|k| *k <= 52).collect();
    let mut zigzag = Vec::new();
    for pair in low.chunks(2) {
        zigzag.extend(pair.iter().rev());
    }
    let mid: Vec<u8> = keys
        .iter()
        .copied()
        .filter(|k| (57..=76).contains(k))
        .collect();
    let mut legato: Vec<u8> = mid.clone();
    legato.extend(mid.iter().rev().skip(1));
    legato.truncate(16);
    let sustained: Vec<u8> = low.iter().copied().step_by(2).take(4).collect();
    let step = 60.0 / 132.0 / 2.0;
    let mut out = vec![
        (
            "range",
            spaced(&range, 0.2, 0.45, 0.4),
            0.8 + 0.45 * range.len() as f64,
        ),
        (
            "low strings",
            spaced(&zigzag, 0.2, 0.45, 0.4),
            0.8 + 0.45 * zigzag.len() as f64,
        ),
        (
            "legato eighths",
            spaced(&legato, 0.2, step, step),
            0.8 + step * legato.len() as f64,
        ),
    ];
    if !sustained.is_empty() {
        out.push((
            "sustained",
            spaced(&sustained, 0.2, 2.1, 2.0),
            0.8 + 2.1 * sustained.len() as f64,
        ));
    }
    out
}
