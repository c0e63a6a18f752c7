//! Scored takes with known deviations for the broadened set (issue 14): a student plays an
//! exercise through a SoundFont guitar or the recorded guitar notes, some notes 35–50 ms late or
//! early, one wrong note and one left out, the rest within a few ms of the beat, at a tempo a
//! little off the written one and after a late start, under a recording condition. The truth
//! of every note comes from where its sound starts, so a SoundFont sample that starts late is
//! not counted as the player's error.
//!
//! Split into tuning and held-out takes by the same seed and rule as the clips.
#![allow(dead_code)]

use std::sync::Arc;

use rustysynth::SoundFont;

use super::broad::{self, Part, Rng, Source, TruthNote};
use super::recorded::{self, Instrument};
use super::soundfont::{self, Event};

/// A note's true status within this much of the beat is `ok`.
pub const OK_WITHIN_S: f64 = 0.010;
/// A note's true status is `late` or `early` from this far off the beat.
pub const DEVIATION_FROM_S: f64 = 0.030;

/// One take: its audio, the exercise it plays, and each written note's true status.
pub struct Take {
    /// Unique and stable ("take / fluid steel / sixteenths 104 bpm / reverb").
    pub name: String,
    /// "quarters", "eighths", "fast eighths" or "sixteenths".
    pub style: &'static str,
    pub condition: &'static str,
    pub part: Part,
    /// Mono at `SR`.
    pub audio: Vec<f32>,
    /// The exercise as its JSON.
    pub exercise: String,
    /// Per written note: "ok", "late", "early", "wrong_pitch", "missed", or `None` where the
    /// sound landed between the two ranges (neither counted right nor wrong).
    pub truth: Vec<Option<&'static str>>,
    /// Per written note: how far its sound was off the beat, ms (none for a missed note).
    pub offset_ms: Vec<Option<f64>>,
    /// Per written note: where its sound starts in the take, s (none for a missed note).
    pub sound_s: Vec<Option<f64>>,
}

/// The styles: (name, tempo range, notes per beat).
const STYLES: [(&str, f64, f64, f64); 4] = [
    ("quarters", 70.0, 110.0, 1.0),
    ("eighths", 80.0, 130.0, 2.0),
    ("fast eighths", 140.0, 180.0, 2.0),
    ("sixteenths", 85.0, 115.0, 4.0),
];

/// The conditions a student's take is recorded in, applied in turn.
const CONDITIONS: [&str; 10] = [
    "clean",
    "room 20 dB",
    "reverb",
    "white 20 dB",
    "level jumps",
    "pink 20 dB",
    "chorus",
    "white 10 dB",
    "clean",
    "pink 10 dB",
];

/// What the player does with one written note.
#[derive(Clone, Copy, PartialEq)]
enum Plan {
    OnTime,
    Shift(f64),
    Wrong(u8),
    Missed,
}

/// Every style through every source, each with the next condition.
pub fn takes(fonts: &[(String, Arc<SoundFont>)], instruments: &[Instrument]) -> Vec<Take> {
    drawn(fonts, instruments, None)
}

/// More takes like [`takes`], drawn from another seed, for looking into the scorer without
/// looking at the held-out part: all are tuning takes, named "dev {seed} / …", each source
/// and style under another condition than in the committed set.
pub fn dev_takes(
    fonts: &[(String, Arc<SoundFont>)],
    instruments: &[Instrument],
    seed: u64,
) -> Vec<Take> {
    drawn(fonts, instruments, Some(seed))
}

/// The takes drawn from the committed seed, or from `dev` as in [`dev_takes`].
fn drawn(
    fonts: &[(String, Arc<SoundFont>)],
    instruments: &[Instrument],
    dev: Option<u64>,
) -> Vec<Take> {
    let sources = broad::sources(fonts, instruments);
    let base = dev.map_or(broad::SEED, |d| {
        broad::SEED ^ d.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    });
    let shift = dev.map_or(0, |d| 1 + (d as usize) % (CONDITIONS.len() - 1));
    let mut out = Vec::new();
    for (k, &(style, lo, hi, per_beat)) in STYLES.iter().enumerate() {
        for (s, (source, src)) in sources.iter().enumerate() {
            let mut rng =
                Rng::new(base ^ broad::name_hash(style).rotate_left(7) ^ broad::name_hash(source));
            let condition = CONDITIONS[(k * 3 + s + shift) % CONDITIONS.len()];
            let allowed: Box<dyn Fn(u8) -> bool> = match src {
                Source::Font(..) => Box::new(|_| true),
                Source::Recorded(inst) => {
                    let keys = inst.keys();
                    Box::new(move |k| keys.contains(&k))
                }
            };
            if let Some(mut t) = take(&mut rng, (lo, hi, per_beat), src, &*allowed) {
                let head = dev.map_or("take".to_string(), |d| format!("dev {d}"));
                let name = format!("{head} / {source} / {style} {:.0} bpm / {condition}", t.bpm);
                broad::apply(condition, &mut t.audio, &t.notes, &mut rng);
                out.push(Take {
                    part: if dev.is_some() {
                        Part::Tuning
                    } else {
                        broad::part_of(&name)
                    },
                    name,
                    style,
                    condition,
                    audio: t.audio,
                    exercise: t.exercise,
                    truth: t.truth,
                    offset_ms: t.offset_ms,
                    sound_s: t.sound_s,
                });
            }
        }
    }
    out
}

/// One rendered take before its condition: the parts of a [`Take`], the labelled notes the
/// condition's noise is scaled to, and the written tempo.
struct Rendered {
    audio: Vec<f32>,
    notes: Vec<TruthNote>,
    exercise: String,
    truth: Vec<Option<&'static str>>,
    offset_ms: Vec<Option<f64>>,
    sound_s: Vec<Option<f64>>,
    bpm: f64,
}

/// One take from one source at a tempo in `lo..hi` with `per_beat` notes a beat.
fn take(
    rng: &mut Rng,
    (lo, hi, per_beat): (f64, f64, f64),
    src: &Source<'_>,
    allowed: &dyn Fn(u8) -> bool,
) -> Option<Rendered> {
    let bpm = rng.range(lo, hi).round();
    let step = 60.0 / bpm / per_beat;
    let n = ((9.0 / step) as usize).clamp(12, 48);
    let keys = broad::scale_keys(rng, 45, 76, allowed);
    let written = broad::walk(rng, &keys, n);
    if written.len() < 12 {
        return None;
    }
    // Deviations on about one note in five, never next to each other, never the first two.
    let mut plan = vec![Plan::OnTime; n];
    let mut i = 2;
    while i < n {
        if rng.below(5) == 0 {
            let size = rng.range(0.035, 0.050).min(0.3 * step);
            plan[i] = Plan::Shift(if rng.below(2) == 0 { size } else { -size });
            i += 2;
        } else {
            i += 1;
        }
    }
    let free: Vec<usize> = (2..n - 1).filter(|&i| plan[i] == Plan::OnTime).collect();
    if free.len() < 2 {
        return None;
    }
    let wrong_at = free[rng.below(free.len())];
    let turn = rng.below(4);
    let wrong_key = [-2i32, -1, 1, 2]
        .iter()
        .cycle()
        .skip(turn)
        .take(4)
        .map(|d| i32::from(written[wrong_at]) + d)
        .filter(|k| (0..128).contains(k) && allowed(*k as u8))
        .map(|k| k as u8)
        .next();
    if let Some(k) = wrong_key {
        plan[wrong_at] = Plan::Wrong(k);
    }
    let free: Vec<usize> = free.into_iter().filter(|&i| i != wrong_at).collect();
    plan[free[rng.below(free.len())]] = Plan::Missed;

    let start = rng.range(0.3, 1.0);
    let tempo = rng.range(0.97, 1.03);
    let beat_at = |i: usize| start + i as f64 * step * tempo;
    let mut onsets: Vec<Option<f64>> = Vec::with_capacity(n);
    for p in &plan {
        let i = onsets.len();
        onsets.push(match p {
            Plan::Missed => None,
            Plan::Shift(d) => Some(beat_at(i) + d),
            _ => Some(beat_at(i) + (rng.gauss() * 0.003).clamp(-0.006, 0.006)),
        });
    }
    let mut events = Vec::new();
    let mut played_idx = Vec::new();
    for (i, on) in onsets.iter().enumerate() {
        let Some(on) = *on else { continue };
        // Held to the next note played (a left-out note leaves its beat to the one before).
        let next = onsets[i + 1..]
            .iter()
            .flatten()
            .next()
            .copied()
            .unwrap_or(on + step * tempo);
        let key = match plan[i] {
            Plan::Wrong(k) => k,
            _ => written[i],
        };
        let on_beat = (i as f64 % per_beat) == 0.0;
        let base = if on_beat { 110.0 } else { 88.0 };
        events.push(Event {
            velocity: (base + rng.gauss() * 5.0).clamp(60.0, 127.0) as u8,
            ..Event::plain(on, next - on, key)
        });
        played_idx.push(i);
    }
    let total = beat_at(n) + 0.8;
    let (audio, score) = match src {
        Source::Font(sf, program) => soundfont::render(sf, *program, &events, total),
        Source::Recorded(inst) => recorded::render(inst, &events, total),
    };
    if score.len() != events.len() {
        return None;
    }
    // A constant delay from note-on to sound is the instrument's, not the player's: the
    // scorer's fitted start absorbs it.
    let mut delays: Vec<f64> = score
        .iter()
        .zip(&events)
        .map(|(s, e)| s.0 - e.onset)
        .collect();
    delays.sort_by(f64::total_cmp);
    let delay = delays[delays.len() / 2];
    let mut truth = vec![Some("missed"); n];
    let mut offset_ms = vec![None; n];
    let mut sound_s = vec![None; n];
    for (&i, s) in played_idx.iter().zip(&score) {
        let off = s.0 - delay - beat_at(i);
        offset_ms[i] = Some(off * 1000.0);
        sound_s[i] = Some(s.0);
        truth[i] = if let Plan::Wrong(_) = plan[i] {
            Some("wrong_pitch")
        } else if off.abs() <= OK_WITHIN_S {
            Some("ok")
        } else if off >= DEVIATION_FROM_S {
            Some("late")
        } else if off <= -DEVIATION_FROM_S {
            Some("early")
        } else {
            None
        };
    }
    let exercise = serde_json::json!({
        "tempo_bpm": bpm,
        "time_signature": "4/4",
        "notes": written.iter().enumerate().map(|(i, m)| serde_json::json!({
            "beat": i as f64 / per_beat,
            "duration_beats": 1.0 / per_beat,
            "midi": m,
        })).collect::<Vec<_>>(),
    })
    .to_string();
    Some(Rendered {
        audio,
        notes: TruthNote::from_score(&score),
        exercise,
        truth,
        offset_ms,
        sound_s,
        bpm,
    })
}

/// Deviation detection counted as in `tests/scoring.rs`: a found deviation is right only with
/// its kind; notes whose truth is `None` are not counted.
#[derive(Clone, Copy, Debug, Default)]
pub struct Detection {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
}

impl Detection {
    pub fn add(&mut self, truth: &[Option<&str>], got: &[&str]) {
        for (t, g) in truth.iter().zip(got) {
            let Some(t) = t else { continue };
            match (*t != "ok", *g != "ok") {
                (true, true) if t == g => self.tp += 1,
                (true, true) => {
                    self.fp += 1;
                    self.fn_ += 1;
                }
                (false, true) => self.fp += 1,
                (true, false) => self.fn_ += 1,
                _ => {}
            }
        }
    }

    pub fn precision(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }

    pub fn recall(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_).max(1) as f64
    }
}

impl std::fmt::Display for Detection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "precision {:.3} recall {:.3} ({} found, {} false, {} missed)",
            self.precision(),
            self.recall(),
            self.tp,
            self.fp,
            self.fn_
        )
    }
}
