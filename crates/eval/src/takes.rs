//! Takes with a known error for the feedback category: a scale run rendered as plucked strings
//! (inharmonic partials that decay faster the higher they are), played with one mistake, and
//! what the feedback must say about it.

use fretwise_audio::{ANALYSIS_RATE, Exercise, ExerciseError};
use fretwise_theory::Note;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// The one mistake in a take.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum TakeError {
    /// Note `index` (0-based) played `semitones` away.
    WrongNote {
        /// Note index.
        index: usize,
        /// How far off.
        semitones: i32,
    },
    /// Every note on `beat` of the bar (1-based) played `ms` late.
    Drag {
        /// Beat of the bar.
        beat: usize,
        /// Lateness.
        ms: f64,
    },
    /// Note `index` not played.
    Missed {
        /// Note index.
        index: usize,
    },
    /// Note `index` played `cents` off (negative: flat).
    Flat {
        /// Note index.
        index: usize,
        /// Detuning.
        cents: f64,
    },
}

impl TakeError {
    /// Short name used in item ids.
    pub fn kind(&self) -> &'static str {
        match self {
            TakeError::WrongNote { .. } => "wrong_note",
            TakeError::Drag { .. } => "drag",
            TakeError::Missed { .. } => "missed",
            TakeError::Flat { .. } => "flat",
        }
    }

    /// Whether a feedback message names this error: its kind and the note or beat.
    pub fn named_by(&self, message: &str, midi: &[i32]) -> bool {
        let m = message.to_lowercase();
        let name = |x: i32| Note::from_midi(x, true).to_string().to_lowercase();
        match *self {
            TakeError::WrongNote { index, semitones } => {
                let Some(&want) = midi.get(index) else {
                    return false;
                };
                m.contains("wrong note")
                    && m.contains(&name(want + semitones))
                    && m.contains(&name(want))
            }
            TakeError::Drag { beat, .. } => m.contains(&format!("drag beat {beat}")),
            TakeError::Missed { .. } => m.contains("not heard"),
            TakeError::Flat { index, .. } => midi
                .get(index)
                .is_some_and(|&want| m.contains(&name(want)) && m.contains("flat")),
        }
    }
}

/// The exercise: one note per beat in 4/4.
pub fn exercise(midi: &[i32], tempo_bpm: f64) -> Result<Exercise, ExerciseError> {
    let notes: Vec<serde_json::Value> = midi
        .iter()
        .enumerate()
        .map(|(i, m)| serde_json::json!({"beat": i as f64, "duration_beats": 1.0, "midi": m}))
        .collect();
    Exercise::parse(
        &serde_json::json!({"tempo_bpm": tempo_bpm, "time_signature": "4/4", "notes": notes})
            .to_string(),
    )
}

/// The take at [`ANALYSIS_RATE`]: the exercise played with `error`, starting after half a
/// second of silence, with a little seeded timing spread (±8 ms) like a real player's.
pub fn render(midi: &[i32], tempo_bpm: f64, error: TakeError, rng: &mut ChaCha8Rng) -> Vec<f32> {
    let rate = f64::from(ANALYSIS_RATE);
    let beat_s = 60.0 / tempo_bpm;
    let lead = 0.5;
    let len = ((lead + beat_s * (midi.len() as f64 + 1.5)) * rate) as usize;
    let mut pcm = vec![0.0f64; len];
    for (i, &m) in midi.iter().enumerate() {
        let mut note = f64::from(m);
        let mut at = lead + beat_s * i as f64 + rng.random_range(-0.008..0.008);
        match error {
            TakeError::Missed { index } if index == i => continue,
            TakeError::WrongNote { index, semitones } if index == i => {
                note += f64::from(semitones);
            }
            TakeError::Flat { index, cents } if index == i => note += cents / 100.0,
            TakeError::Drag { beat, ms } if i % 4 + 1 == beat => at += ms / 1000.0,
            _ => {}
        }
        let f0 = fretwise_theory::hz_of_midi(note, 440.0);
        pluck(&mut pcm, rate, at, beat_s * 0.95, f0);
    }
    let peak = pcm.iter().fold(0.0f64, |a, x| a.max(x.abs())).max(1e-9);
    pcm.iter().map(|x| (0.6 * x / peak) as f32).collect()
}

/// Adds one plucked string: partials k·f0·√(1 + B·k²) (string stiffness), amplitudes of a
/// pluck a fifth of the way along the string, each decaying faster than the one below.
fn pluck(pcm: &mut [f64], rate: f64, at: f64, dur: f64, f0: f64) {
    const B: f64 = 0.0001;
    let s0 = ((at.max(0.0)) * rate) as usize;
    let s1 = (((at + dur) * rate) as usize).min(pcm.len());
    if s0 >= s1 {
        return;
    }
    for k in 1..=10u32 {
        let kf = f64::from(k);
        let f = kf * f0 * (1.0 + B * kf * kf).sqrt();
        if f >= rate / 2.0 {
            break;
        }
        let amp = (std::f64::consts::PI * kf * 0.2).sin().abs() / kf;
        let decay = 2.5 + 1.2 * kf;
        for (n, x) in pcm[s0..s1].iter_mut().enumerate() {
            let t = n as f64 / rate;
            // A 3 ms attack, and a release over the last 10 ms so notes do not click.
            let env = (t / 0.003).min(1.0) * ((dur - t) / 0.01).clamp(0.0, 1.0);
            *x += amp * env * (-decay * t).exp() * (std::f64::consts::TAU * f * t).sin();
        }
    }
}
