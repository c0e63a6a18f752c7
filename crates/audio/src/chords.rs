//! Chord recognition: a chroma vector per 93 ms frame, matched against chord templates built
//! from the theory engine's chord tones (10 qualities × 12 roots, plus "no chord"), smoothed with
//! Viterbi so a label changes only when the harmony does. Labels come as guitarists' symbols
//! (`Am`) and MIREX/Harte labels (`A:min`).

use crate::stft::Stft;
use serde::{Deserialize, Serialize};

/// A chord over a time span.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChordSpan {
    /// Start in seconds.
    pub start_s: f64,
    /// End in seconds.
    pub end_s: f64,
    /// Guitarist's symbol ("Am", "G7"), "N" for no chord.
    pub label: String,
    /// MIREX/Harte label ("A:min", "G:7", "N").
    pub mirex: String,
}

/// Pitch-class offsets of harmonics 1–6 (unison, octave, fifth, two octaves, third, fifth).
const HARMONIC_OFFSETS: [i32; 6] = [0, 0, 7, 0, 4, 7];
/// Highest frequency counted in the chroma: chord fundamentals on a guitar stay below ~1 kHz;
/// above it there are mostly their harmonics.
const CHROMA_MAX_HZ: f64 = 1100.0;
const N_FFT: usize = 4096;
const HOP: usize = 2048;
/// (MIREX shorthand, symbol suffix the theory engine parses).
const QUALITIES: [(&str, &str); 10] = [
    ("maj", ""),
    ("min", "m"),
    ("7", "7"),
    ("maj7", "maj7"),
    ("min7", "m7"),
    ("sus2", "sus2"),
    ("sus4", "sus4"),
    ("5", "5"),
    ("dim", "dim"),
    ("aug", "aug"),
];

struct Template {
    label: String,
    mirex: String,
    weights: [f64; 12],
    /// Log prior of the quality (triads are the commonest; a power chord or a sus chord must
    /// fit clearly better to be chosen over the triad whose third has merely faded).
    prior: f64,
}

fn templates() -> Vec<Template> {
    let mut out = Vec::new();
    for root in 0..12 {
        let pc = fretwise_theory::PitchClass::guitar_root(root);
        for (mirex, suffix) in QUALITIES {
            let Ok(chord) = fretwise_theory::Chord::parse(&format!("{pc}{suffix}")) else {
                continue;
            };
            // Each chord tone as a string sounds it: its harmonics land on its octave, fifth
            // and major third too (harmonic k weighs 0.6^(k-1), Gómez 2006), so a bright
            // electric guitar's E major is not heard as B sus4.
            let mut w = [0.0; 12];
            for t in chord.tones() {
                let pc = t.semitone().rem_euclid(12);
                for (k, offset) in HARMONIC_OFFSETS.iter().enumerate() {
                    w[((pc + offset) % 12) as usize] += 0.6f64.powi(k as i32);
                }
            }
            // The root counts a little more: it tells C6 from Am7.
            w[root as usize] += 0.3;
            let norm = w.iter().map(|x| x * x).sum::<f64>().sqrt();
            for x in &mut w {
                *x /= norm;
            }
            out.push(Template {
                label: chord.to_string(),
                mirex: format!("{pc}:{mirex}"),
                prior: match mirex {
                    "maj" | "min" => 0.0,
                    "7" | "min7" | "maj7" => -0.5,
                    _ => -1.5,
                },
                weights: w,
            });
        }
    }
    out
}

/// Seconds between the frames of [`chroma_frames`] at `rate` Hz.
pub(crate) fn chroma_hop_s(rate: u32) -> f64 {
    HOP as f64 / f64::from(rate.max(1))
}

/// The chroma of each frame (12 values, square-root compressed and unit length) and its power
/// between 60 Hz and the chroma's upper limit; frames are [`chroma_hop_s`] apart.
pub(crate) fn chroma_frames(samples: &[f32], rate: u32) -> Vec<([f64; 12], f64)> {
    let sr = f64::from(rate);
    if samples.len() < N_FFT {
        return Vec::new();
    }
    // Pitch class of each FFT bin between 60 Hz and CHROMA_MAX_HZ (others ignored).
    let bin_pc: Vec<Option<usize>> = (0..=N_FFT / 2)
        .map(|k| {
            let f = k as f64 * sr / N_FFT as f64;
            (60.0..=CHROMA_MAX_HZ).contains(&f).then(|| {
                let midi = fretwise_theory::midi_of_hz(f, 440.0);
                (midi.round() as i64).rem_euclid(12) as usize
            })
        })
        .collect();
    let mut stft = Stft::new(N_FFT, HOP);
    let mut frames: Vec<([f64; 12], f64)> = Vec::with_capacity(stft.frame_count(samples.len()));
    stft.power_frames(samples, |_, power| {
        let mut c = [0.0f64; 12];
        let mut energy = 0.0;
        for (k, p) in power.iter().enumerate() {
            if let Some(pc) = bin_pc[k] {
                let m = f64::from(*p);
                c[pc] += m;
                energy += m;
            }
        }
        // Compress dynamics so one loud string does not hide the others.
        for x in &mut c {
            *x = x.sqrt();
        }
        let norm = c.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm > 0.0 {
            for x in &mut c {
                *x /= norm;
            }
        }
        frames.push((c, energy));
    });
    frames
}

/// Chords over time for mono samples at `rate` Hz.
pub fn chords(samples: &[f32], rate: u32) -> Vec<ChordSpan> {
    let sr = f64::from(rate);
    let stft = Stft::new(N_FFT, HOP);
    let frames = chroma_frames(samples, rate);
    if frames.is_empty() {
        return Vec::new();
    }
    let ts = templates();
    let peak = frames.iter().map(|f| f.1).fold(0.0f64, f64::max);
    let n_states = ts.len() + 1; // last = no chord
    let ln = |x: f64| x.max(1e-12).ln();
    // Emissions: a softmax over template similarities; quiet frames favour "no chord".
    let emit = |f: &([f64; 12], f64)| -> Vec<f64> {
        // 70 dB below the loudest frame (energy is squared magnitude) counts as silence.
        let quiet = f.1 < peak * 1e-7;
        let mut e: Vec<f64> = ts
            .iter()
            .map(|t| {
                let sim: f64 = t.weights.iter().zip(&f.0).map(|(a, b)| a * b).sum();
                if quiet { -10.0 } else { 20.0 * sim + t.prior }
            })
            .collect();
        e.push(if quiet { 0.0 } else { 20.0 * 0.55 });
        let m = e.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let z: f64 = e.iter().map(|v| (v - m).exp()).sum();
        e.iter().map(|v| v - m - z.ln()).collect()
    };
    let stay = ln(0.9);
    let switch = ln(0.1 / (n_states - 1) as f64);
    let mut delta = emit(&frames[0]);
    let mut back = vec![0u16; frames.len() * n_states];
    for (f, frame) in frames.iter().enumerate().skip(1) {
        let e = emit(frame);
        let (bi, bv) = delta
            .iter()
            .enumerate()
            .fold(
                (0, f64::NEG_INFINITY),
                |a, (i, v)| if *v > a.1 { (i, *v) } else { a },
            );
        let mut next = vec![0.0; n_states];
        for s in 0..n_states {
            let (from, v) = if delta[s] + stay >= bv + switch {
                (s, delta[s] + stay)
            } else {
                (bi, bv + switch)
            };
            next[s] = v + e[s];
            back[f * n_states + s] = from as u16;
        }
        delta = next;
    }
    let mut s = delta
        .iter()
        .enumerate()
        .fold(
            (0, f64::NEG_INFINITY),
            |a, (i, v)| if *v > a.1 { (i, *v) } else { a },
        )
        .0;
    let mut path = vec![0usize; frames.len()];
    for f in (0..frames.len()).rev() {
        path[f] = s;
        if f > 0 {
            s = back[f * n_states + s] as usize;
        }
    }
    // Frame f covers its centre ± half a hop.
    let time = |f: usize| (stft.centre_s(f, rate) - HOP as f64 / sr / 2.0).max(0.0);
    let mut out: Vec<ChordSpan> = Vec::new();
    for (f, &st) in path.iter().enumerate() {
        let (label, mirex) = if st == ts.len() {
            ("N".to_string(), "N".to_string())
        } else {
            (ts[st].label.clone(), ts[st].mirex.clone())
        };
        match out.last_mut() {
            Some(last) if last.mirex == mirex => last.end_s = time(f + 1),
            _ => out.push(ChordSpan {
                start_s: time(f),
                end_s: time(f + 1),
                label,
                mirex,
            }),
        }
    }
    if let Some(last) = out.last_mut() {
        last.end_s = last.end_s.min(samples.len() as f64 / sr);
    }
    for c in &mut out {
        c.start_s = (c.start_s * 1000.0).round() / 1000.0;
        c.end_s = (c.end_s * 1000.0).round() / 1000.0;
    }
    out
}
