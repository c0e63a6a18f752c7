//! Playing techniques from the pitch contour and the attacks: bends (how far, the target and
//! whether it was reached, released or held), vibrato (rate, depth), slides, hammer-ons and
//! pull-offs (a pitch step without a new attack) and muted (dead) notes (an attack without a
//! pitch), each with its time span.
//!
//! The contour is cut at every attack; inside a piece, pitch plateaus are found on a contour
//! with vibrato averaged out, and each move between plateaus is classified by how it moves: a
//! step (hardly a frame resting between the two pitches) is a hammer-on or pull-off, a staircase through the frets is a slide, a
//! smooth glide up is a bend (and a glide back a release).

use serde::{Deserialize, Serialize};

use crate::onset::Attack;
use crate::pitch::PitchTrack;

/// A technique heard in the playing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Technique {
    /// A string bent up from a fretted note.
    Bend {
        /// Start of the bend, seconds.
        start_s: f64,
        /// Top reached (or end of the release), seconds.
        end_s: f64,
        /// The fretted note bent from.
        from: String,
        /// How far it went, cents.
        cents: f64,
        /// The bend it was aiming at (100 = half step, 200 = whole step, …), cents.
        target_cents: f64,
        /// Reached within 20 cents (or beyond).
        reached: bool,
        /// Positive: overshot; negative: short of the target, cents.
        off_by_cents: f64,
        /// Let back down to the fretted note afterwards.
        released: bool,
    },
    /// Periodic pitch modulation.
    Vibrato {
        /// Start, seconds.
        start_s: f64,
        /// End, seconds.
        end_s: f64,
        /// Cycles per second.
        rate_hz: f64,
        /// Half the peak-to-peak swing, cents.
        depth_cents: f64,
    },
    /// A slide through the frets without a new attack.
    Slide {
        /// Start, seconds.
        start_s: f64,
        /// End, seconds.
        end_s: f64,
        /// Note slid from.
        from: String,
        /// Note slid to.
        to: String,
    },
    /// A higher note sounded by fretting without picking.
    HammerOn {
        /// Start, seconds.
        start_s: f64,
        /// End, seconds.
        end_s: f64,
        /// Note before.
        from: String,
        /// Note hammered.
        to: String,
    },
    /// A lower note sounded by pulling the finger off without picking.
    PullOff {
        /// Start, seconds.
        start_s: f64,
        /// End, seconds.
        end_s: f64,
        /// Note before.
        from: String,
        /// Note pulled to.
        to: String,
    },
    /// An attack without a pitch: a muted (dead, "x") note.
    Muted {
        /// Start, seconds.
        start_s: f64,
        /// End, seconds.
        end_s: f64,
    },
}

impl Technique {
    /// When it starts.
    pub fn start_s(&self) -> f64 {
        match self {
            Self::Bend { start_s, .. }
            | Self::Vibrato { start_s, .. }
            | Self::Slide { start_s, .. }
            | Self::HammerOn { start_s, .. }
            | Self::PullOff { start_s, .. }
            | Self::Muted { start_s, .. } => *start_s,
        }
    }

    /// Its name as serialised ("bend", "hammer_on", …).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Bend { .. } => "bend",
            Self::Vibrato { .. } => "vibrato",
            Self::Slide { .. } => "slide",
            Self::HammerOn { .. } => "hammer_on",
            Self::PullOff { .. } => "pull_off",
            Self::Muted { .. } => "muted",
        }
    }

    /// The same technique `dt` seconds later (a clip's times placed in a longer recording).
    pub fn shifted(mut self, dt: f64) -> Self {
        match &mut self {
            Self::Bend { start_s, end_s, .. }
            | Self::Vibrato { start_s, end_s, .. }
            | Self::Slide { start_s, end_s, .. }
            | Self::HammerOn { start_s, end_s, .. }
            | Self::PullOff { start_s, end_s, .. }
            | Self::Muted { start_s, end_s, .. } => {
                *start_s = r3(*start_s + dt);
                *end_s = r3(*end_s + dt);
            }
        }
        self
    }

    /// Its time span, seconds.
    pub fn span(&self) -> (f64, f64) {
        match self {
            Self::Bend { start_s, end_s, .. }
            | Self::Vibrato { start_s, end_s, .. }
            | Self::Slide { start_s, end_s, .. }
            | Self::HammerOn { start_s, end_s, .. }
            | Self::PullOff { start_s, end_s, .. }
            | Self::Muted { start_s, end_s, .. } => (*start_s, *end_s),
        }
    }
}

fn name(semitone: f64) -> String {
    fretwise_theory::Note::from_midi(semitone.round() as i32, true).to_string()
}

fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s.get(s.len() / 2).copied().unwrap_or(0.0)
}

/// A picked note's attack rises at least this much over what was ringing, dB; weaker spectral
/// onsets (a hammered finger, a bend's changing spectrum) do not cut the contour.
const PICK_RISE_DB: f64 = 6.0;

/// Techniques in a pitch track, given the spectral attacks, the tuning reference and where the
/// segmented notes start.
pub fn techniques(
    track: &PitchTrack,
    attacks: &[Attack],
    a4: f64,
    note_starts_s: &[f64],
) -> Vec<Technique> {
    let hop = track.hop_s;
    let n = track.f0_hz.len();
    let semis: Vec<f64> = track
        .f0_hz
        .iter()
        .map(|&f| {
            if f > 0.0 {
                fretwise_theory::midi_of_hz(f, a4)
            } else {
                f64::NAN
            }
        })
        .collect();
    let mut out = Vec::new();
    let frame = |t: f64| ((t / hop).round() as usize).min(n);
    // Pieces between attacks (and the start), cut again at unvoiced frames.
    let picked: Vec<f64> = attacks
        .iter()
        .filter(|a| a.rise_db >= PICK_RISE_DB)
        .map(|a| a.time_s)
        .collect();
    // Weaker attacks do not cut, but a glide with one inside is a new note, not a bend or slide.
    let weak: Vec<usize> = attacks
        .iter()
        .filter(|a| a.rise_db < PICK_RISE_DB)
        .map(|a| frame(a.time_s))
        .collect();
    let mut cuts: Vec<usize> = picked.iter().map(|&t| frame(t)).collect();
    cuts.insert(0, 0);
    cuts.push(n);
    cuts.dedup();
    for w in cuts.windows(2) {
        // Skip the attack's first 35 ms, where the pitch is not yet settled.
        let from = (w[0] + (0.035 / hop).round() as usize).min(w[1]);
        let mut i = from;
        while i < w[1] {
            if semis[i].is_nan() {
                i += 1;
                continue;
            }
            let s = i;
            // The tracker can lose a step's frames for a moment (a hammer-on): gaps of up to
            // 35 ms inside a piece are bridged by interpolation.
            let mut last = i;
            while i < w[1] && (!semis[i].is_nan() || i - last <= GAP_FRAMES) {
                if !semis[i].is_nan() {
                    last = i;
                }
                i += 1;
            }
            let e = last + 1;
            if e - s >= 6 {
                let mut x = semis[s..e].to_vec();
                bridge(&mut x);
                piece(&x, s, hop, &weak, &mut out);
            }
            i = e;
        }
    }
    muted_notes(track, &picked, note_starts_s, &mut out);
    out.sort_by(|a, b| a.start_s().total_cmp(&b.start_s()));
    out
}

/// Unvoiced frames bridged inside a piece.
const GAP_FRAMES: usize = 3;

/// Linear interpolation over NaN runs (the ends are voiced).
fn bridge(x: &mut [f64]) {
    let mut i = 0;
    while i < x.len() {
        if x[i].is_nan() {
            let s = i;
            while i < x.len() && x[i].is_nan() {
                i += 1;
            }
            let (a, b) = (x[s.saturating_sub(1)], x[i.min(x.len() - 1)]);
            let steps = (i + 1 - s) as f64;
            for (k, v) in x[s..i].iter_mut().enumerate() {
                *v = a + (b - a) * (k + 1) as f64 / steps;
            }
        } else {
            i += 1;
        }
    }
}

fn moving_average(x: &[f64], half: usize) -> Vec<f64> {
    (0..x.len())
        .map(|i| {
            let lo = i.saturating_sub(half);
            let hi = (i + half + 1).min(x.len());
            x[lo..hi].iter().sum::<f64>() / (hi - lo) as f64
        })
        .collect()
}

/// Vibrato, bends, slides, hammer-ons and pull-offs in one voiced piece (semitones per frame).
fn piece(x: &[f64], offset: usize, hop: f64, weak: &[usize], out: &mut Vec<Technique>) {
    let t = |i: usize| r3((offset + i) as f64 * hop);
    // Median of 3 removes single-frame glitches.
    let m: Vec<f64> = (0..x.len())
        .map(|i| median(&x[i.saturating_sub(1)..(i + 2).min(x.len())]))
        .collect();
    // Vibrato: the swing around a one-cycle moving average, as half-cycles between crossings.
    let avg = moving_average(&m, (0.09 / hop).round() as usize);
    let resid: Vec<f64> = m.iter().zip(&avg).map(|(a, b)| a - b).collect();
    let mut in_vibrato = vec![false; x.len()];
    let mut half_cycles: Vec<(usize, usize, f64)> = Vec::new();
    let mut start = 0;
    for i in 1..resid.len() {
        if resid[i - 1].signum() != resid[i].signum() && resid[i] != 0.0 {
            let amp = resid[start..i].iter().fold(0.0f64, |a, v| a.max(v.abs()));
            half_cycles.push((start, i, amp));
            start = i;
        }
    }
    let plausible = |h: &(usize, usize, f64)| {
        let d = (h.1 - h.0) as f64 * hop;
        // 3–9 Hz, 8–100 cents.
        (0.055..=0.17).contains(&d) && (0.08..=1.0).contains(&h.2)
    };
    let mut k = 0;
    while k < half_cycles.len() {
        let mut j = k;
        while j < half_cycles.len() && plausible(&half_cycles[j]) {
            j += 1;
        }
        let centred = |s: usize, e: usize| {
            let (lo, hi) = avg[s..e]
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
                    (l.min(*v), h.max(*v))
                });
            hi - lo <= 0.5
        };
        if j - k >= 4 && centred(half_cycles[k].0, half_cycles[j - 1].1) {
            let run = &half_cycles[k..j];
            let (s, e) = (run[0].0, run[run.len() - 1].1);
            let dur = (e - s) as f64 * hop;
            let depth = run.iter().map(|h| h.2).sum::<f64>() / run.len() as f64 * 100.0;
            out.push(Technique::Vibrato {
                start_s: t(s),
                end_s: t(e),
                rate_hz: ((run.len() as f64 / 2.0 / dur) * 10.0).round() / 10.0,
                depth_cents: depth.round(),
            });
            for v in &mut in_vibrato[s..e] {
                *v = true;
            }
            k = j;
        } else {
            k = j.max(k + 1);
        }
    }
    // Plateaus on the contour with vibrato averaged out.
    let y: Vec<f64> = (0..x.len())
        .map(|i| if in_vibrato[i] { avg[i] } else { m[i] })
        .collect();
    let stable: Vec<bool> = (0..y.len())
        .map(|i| {
            let lo = i.saturating_sub(1);
            let hi = (i + 1).min(y.len() - 1);
            (y[hi] - y[lo]).abs() <= 0.12
        })
        .collect();
    let mut plateaus: Vec<(usize, usize, f64)> = Vec::new();
    let mut i = 0;
    while i < y.len() {
        if !stable[i] {
            i += 1;
            continue;
        }
        let s = i;
        while i < y.len() && stable[i] && (y[i] - y[s]).abs() <= 0.3 {
            i += 1;
        }
        if i - s >= 3 {
            plateaus.push((s, i, median(&y[s..i])));
        }
    }
    // Bends that go up and come back without a plateau at the top.
    for w in plateaus.windows(2) {
        let (a, b) = (w[0], w[1]);
        let delta = b.2 - a.2;
        let gap = &y[a.1..b.0];
        let top = gap.iter().fold(f64::NEG_INFINITY, |m, v| m.max(*v));
        let attacked = weak
            .iter()
            .any(|&f| f + 2 >= offset + a.1 && f <= offset + b.0 + 2);
        if delta.abs() < 0.7 && top - a.2 >= 0.7 && b.0 - a.1 >= 5 && !attacked {
            out.push(bend(t(a.1), t(b.0), a.2, (top - a.2) * 100.0, true));
            continue;
        }
        if delta.abs() < 0.7 {
            continue;
        }
        if attacked {
            // A new (softly picked) note: any attack at all, however weak, rules out a
            // hammer-on, pull-off, bend or slide.
            continue;
        }
        // A step: the pitch tracker's 64 ms frames blur it over a few frames, but hardly any of
        // them rest between the two notes (a slide passes through the frets in between).
        let (lo, hi) = (a.2.min(b.2), a.2.max(b.2));
        let between = x[a.1..b.0]
            .iter()
            .filter(|v| **v > lo + 0.3 && **v < hi - 0.3)
            .count();
        if b.0 - a.1 <= 7 && between <= 3 {
            let (from, to) = (name(a.2), name(b.2));
            let (start_s, end_s) = (t(a.1.saturating_sub(1)), t(b.0));
            out.push(if delta > 0.0 {
                Technique::HammerOn {
                    start_s,
                    end_s,
                    from,
                    to,
                }
            } else {
                Technique::PullOff {
                    start_s,
                    end_s,
                    from,
                    to,
                }
            });
            continue;
        }
        // A slide dwells on the frets it passes; a bend glides through.
        let on_frets = gap
            .iter()
            .filter(|v| (**v - v.round()).abs() <= 0.2)
            .count() as f64
            / gap.len().max(1) as f64;
        let release_of_bend = if delta < 0.0 {
            out.iter_mut().rev().find_map(|p| match p {
                Technique::Bend {
                    end_s, released, ..
                } if !*released && (*end_s - t(a.0)).abs() < 0.02 => Some((end_s, released)),
                _ => None,
            })
        } else {
            None
        };
        if let Some((end_s, released)) = release_of_bend {
            *released = true;
            *end_s = t(b.0);
        } else if delta > 0.0 && delta <= 3.3 && !(on_frets >= 0.6 && delta >= 1.5) {
            out.push(bend(t(a.1), t(b.0), a.2, delta * 100.0, false));
        } else {
            out.push(Technique::Slide {
                start_s: t(a.1),
                end_s: t(b.0),
                from: name(a.2),
                to: name(b.2),
            });
        }
    }
}

fn bend(start_s: f64, end_s: f64, from: f64, cents: f64, released: bool) -> Technique {
    // Players fall short far more often than they overshoot, so the target leans up.
    let target = (((cents + 15.0) / 100.0).round() * 100.0).max(100.0);
    Technique::Bend {
        start_s,
        end_s,
        from: name(from),
        cents: cents.round(),
        target_cents: target,
        reached: cents >= target - 20.0,
        off_by_cents: (cents - target).round() + 0.0,
        released,
    }
}

/// Attacks with sound but (almost) no pitch in the next 80 ms, and no note starting near them.
fn muted_notes(
    track: &PitchTrack,
    attacks_s: &[f64],
    note_starts_s: &[f64],
    out: &mut Vec<Technique>,
) {
    let hop = track.hop_s;
    let n = track.f0_hz.len();
    let peak = track.rms.iter().copied().fold(0.0f64, f64::max);
    if peak <= 0.0 {
        return;
    }
    for &a in attacks_s {
        // A note whose pitch takes a moment to settle is not a dead note.
        if note_starts_s
            .iter()
            .any(|t| *t >= a - 0.03 && *t <= a + 0.12)
        {
            continue;
        }
        let s = ((a / hop).round() as usize).min(n);
        let e = (s + (0.08 / hop).round() as usize).min(n);
        if e <= s + 2 {
            continue;
        }
        let voiced = track.f0_hz[s..e].iter().filter(|f| **f > 0.0).count();
        let loud = track.rms[s..e].iter().copied().fold(0.0f64, f64::max);
        if voiced * 4 <= e - s && loud >= peak * 0.05 {
            let mut end = s;
            while end < n && track.rms[end] >= loud * 0.25 && track.f0_hz[end] <= 0.0 {
                end += 1;
            }
            out.push(Technique::Muted {
                start_s: r3(a),
                end_s: r3((end.max(s + 1)) as f64 * hop),
            });
        }
    }
}
