//! Chord recognition: a chroma vector per 93 ms frame, matched against chord templates built
//! from the theory engine's chord tones (10 qualities × 12 roots, plus "no chord"), smoothed with
//! Viterbi so a label changes only when the harmony does. Among the five commonest qualities
//! (maj, min, 7, maj7, min7) a learned model that reads the chroma of each octave band (which
//! register a pitch class sounds in) picks the chord. Labels come as guitarists' symbols (`Am`)
//! and MIREX/Harte labels (`A:min`).

use crate::chord_model::MODEL;
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
    /// Root pitch class (0 = C).
    root: usize,
    /// Index into [`QUALITIES`].
    quality: usize,
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
        for (quality, (mirex, suffix)) in QUALITIES.into_iter().enumerate() {
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
                root: root as usize,
                quality,
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

/// Octave bands of the register-aware chroma (Hz): the low strings' fundamentals, the middle
/// and top of the neck, and three octaves where mostly harmonics sound. Which octave a pitch
/// class sounds in tells a chord's bass from its seventh and a played note from a harmonic.
const BANDS: [(f64, f64); 6] = [
    (60.0, 120.0),
    (120.0, 240.0),
    (240.0, 480.0),
    (480.0, 960.0),
    (960.0, 1920.0),
    (1920.0, 3840.0),
];

/// Values in one frame of the register-aware chroma: 12 pitch classes in each octave band.
pub const BAND_CHROMA_LEN: usize = 12 * BANDS.len();

/// Qualities the learned model ranks: the first five of [`QUALITIES`].
pub const MODEL_QUALITIES: [&str; 5] = ["maj", "min", "7", "maj7", "min7"];

/// One chroma frame: the chroma, the register-aware chroma and the power between 60 Hz and
/// [`CHROMA_MAX_HZ`].
struct Frame {
    chroma: [f64; 12],
    bands: [f64; BAND_CHROMA_LEN],
    energy: f64,
}

/// Square-root compresses `c` (one loud string should not hide the others) and scales it to
/// unit length.
fn compress(c: &mut [f64]) {
    for x in c.iter_mut() {
        *x = x.sqrt();
    }
    let norm = c.iter().map(|x| x * x).sum::<f64>().sqrt();
    if norm > 0.0 {
        for x in c.iter_mut() {
            *x /= norm;
        }
    }
}

/// Least level of a band against the loudest band, as a ratio of their lengths (−20 dB), at
/// which a band is scaled to unit length on its own.
const BAND_FLOOR: f64 = 0.1;

/// Square-root compresses the register-aware chroma and scales each band to unit length, so the
/// model reads the pitch classes in every register alike, however a guitar's tone balances
/// them; a band more than 20 dB under the loudest is scaled as if it were 20 dB under, so
/// that the faint harmonics of a dark tone are not blown up to a register's worth of evidence.
fn scale_bands(bands: &mut [f64; BAND_CHROMA_LEN]) {
    for x in bands.iter_mut() {
        *x = x.sqrt();
    }
    let norms: Vec<f64> = bands
        .chunks(12)
        .map(|b| b.iter().map(|x| x * x).sum::<f64>().sqrt())
        .collect();
    let loudest = norms.iter().copied().fold(0.0, f64::max);
    for (band, norm) in bands.chunks_mut(12).zip(&norms) {
        let by = norm.max(BAND_FLOOR * loudest);
        if by > 0.0 {
            for x in band {
                *x /= by;
            }
        }
    }
}

/// Every chroma frame of `samples`, [`chroma_hop_s`] apart.
fn frames_of(samples: &[f32], rate: u32) -> Vec<Frame> {
    let sr = f64::from(rate);
    if samples.len() < N_FFT {
        return Vec::new();
    }
    let pc_of = |f: f64| {
        let midi = fretwise_theory::midi_of_hz(f, 440.0);
        (midi.round() as i64).rem_euclid(12) as usize
    };
    // Pitch class of each FFT bin between 60 Hz and CHROMA_MAX_HZ, and each bin's band and
    // pitch class (others ignored).
    let bin_pc: Vec<Option<usize>> = (0..=N_FFT / 2)
        .map(|k| {
            let f = k as f64 * sr / N_FFT as f64;
            (60.0..=CHROMA_MAX_HZ).contains(&f).then(|| pc_of(f))
        })
        .collect();
    let bin_band: Vec<Option<usize>> = (0..=N_FFT / 2)
        .map(|k| {
            let f = k as f64 * sr / N_FFT as f64;
            let band = BANDS.iter().position(|(lo, hi)| (*lo..*hi).contains(&f))?;
            Some(band * 12 + pc_of(f))
        })
        .collect();
    let mut stft = Stft::new(N_FFT, HOP);
    let mut frames: Vec<Frame> = Vec::with_capacity(stft.frame_count(samples.len()));
    stft.power_frames(samples, |_, power| {
        let mut chroma = [0.0f64; 12];
        let mut bands = [0.0f64; BAND_CHROMA_LEN];
        let mut energy = 0.0;
        for (k, p) in power.iter().enumerate() {
            let m = f64::from(*p);
            if let Some(pc) = bin_pc[k] {
                chroma[pc] += m;
                energy += m;
            }
            if let Some(i) = bin_band[k] {
                bands[i] += m;
            }
        }
        compress(&mut chroma);
        scale_bands(&mut bands);
        frames.push(Frame {
            chroma,
            bands,
            energy,
        });
    });
    frames
}

/// The chroma of each frame (12 values, square-root compressed and unit length) and its power
/// between 60 Hz and the chroma's upper limit; frames are [`chroma_hop_s`] apart.
pub(crate) fn chroma_frames(samples: &[f32], rate: u32) -> Vec<([f64; 12], f64)> {
    frames_of(samples, rate)
        .into_iter()
        .map(|f| (f.chroma, f.energy))
        .collect()
}

/// The register-aware chroma that [`chords`] reads, with each frame's centre in seconds, for
/// mono samples at [`crate::ANALYSIS_RATE`] (after the analysis's hum notch): what
/// [`ChordModel::fit`] learns from.
pub fn chord_features(samples: &[f32]) -> Vec<(f64, [f64; BAND_CHROMA_LEN])> {
    let rate = crate::ANALYSIS_RATE;
    let dehummed = crate::hum::remove(samples, rate);
    let stft = Stft::new(N_FFT, HOP);
    frames_of(&dehummed, rate)
        .into_iter()
        .enumerate()
        .map(|(f, fr)| (stft.centre_s(f, rate), fr.bands))
        .collect()
}

/// The learned part of the chord model: for each of [`MODEL_QUALITIES`], a weight for every
/// band and pitch class counted up from the root, and a bias. A chord's score is the weights'
/// dot product with the register-aware chroma turned so that its root comes first.
#[derive(Debug, Clone, PartialEq)]
pub struct ChordModel {
    /// Per quality, per band, per pitch class above the root.
    pub weights: [[f64; BAND_CHROMA_LEN]; MODEL_QUALITIES.len()],
    /// Per quality.
    pub bias: [f64; MODEL_QUALITIES.len()],
}

/// Hypotheses the learned model ranks: 12 roots × [`MODEL_QUALITIES`], root-major.
const HYPOTHESES: usize = 12 * MODEL_QUALITIES.len();

/// `v` turned so that pitch class `root` comes first in every band.
fn turned(v: &[f64; BAND_CHROMA_LEN], root: usize) -> [f64; BAND_CHROMA_LEN] {
    let mut out = [0.0; BAND_CHROMA_LEN];
    for (band, chunk) in out.chunks_mut(12).enumerate() {
        for (j, x) in chunk.iter_mut().enumerate() {
            *x = v[band * 12 + (j + root) % 12];
        }
    }
    out
}

/// A register-aware chroma turned to each of the 12 roots.
fn turns(v: &[f64; BAND_CHROMA_LEN]) -> [[f64; BAND_CHROMA_LEN]; 12] {
    std::array::from_fn(|root| turned(v, root))
}

/// Log-softmax of `v` in place.
fn log_softmax(v: &mut [f64]) {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let z = v.iter().map(|x| (x - m).exp()).sum::<f64>().ln() + m;
    for x in v.iter_mut() {
        *x -= z;
    }
}

/// Gradient-descent steps of [`ChordModel::fit`], its step size and its L2 penalty.
const FIT_STEPS: usize = 800;
const FIT_RATE: f64 = 1.0;
const FIT_L2: f64 = 1e-3;

impl ChordModel {
    /// Index of a MIREX quality ("min7") in [`MODEL_QUALITIES`].
    pub fn quality_index(quality: &str) -> Option<usize> {
        MODEL_QUALITIES.iter().position(|q| *q == quality)
    }

    /// Scores of the 60 hypotheses (root-major) for one frame's register-aware chroma.
    fn scores(&self, v: &[f64; BAND_CHROMA_LEN]) -> [f64; HYPOTHESES] {
        self.scores_turned(&turns(v))
    }

    /// Scores of the 60 hypotheses for a frame already turned to each of the 12 roots.
    fn scores_turned(&self, t: &[[f64; BAND_CHROMA_LEN]; 12]) -> [f64; HYPOTHESES] {
        let mut out = [0.0; HYPOTHESES];
        for (root, tr) in t.iter().enumerate() {
            for (q, w) in self.weights.iter().enumerate() {
                out[root * MODEL_QUALITIES.len() + q] =
                    self.bias[q] + w.iter().zip(tr).map(|(a, b)| a * b).sum::<f64>();
            }
        }
        out
    }

    /// Fits the model to labelled frames (register-aware chroma, root pitch class, index into
    /// [`MODEL_QUALITIES`]) by multinomial logistic regression over the 60 hypotheses, with
    /// full-batch gradient descent from zero: the same frames give the same model.
    pub fn fit(frames: &[([f64; BAND_CHROMA_LEN], usize, usize)]) -> ChordModel {
        let nq = MODEL_QUALITIES.len();
        let mut model = ChordModel {
            weights: [[0.0; BAND_CHROMA_LEN]; MODEL_QUALITIES.len()],
            bias: [0.0; MODEL_QUALITIES.len()],
        };
        let usable: Vec<&([f64; BAND_CHROMA_LEN], usize, usize)> = frames
            .iter()
            .filter(|(_, root, q)| *root < 12 && *q < nq)
            .collect();
        if usable.is_empty() {
            return model;
        }
        // Each frame turned to every root once, not on every step.
        let turned_frames: Vec<[[f64; BAND_CHROMA_LEN]; 12]> =
            usable.iter().map(|(v, _, _)| turns(v)).collect();
        let n = usable.len() as f64;
        for _ in 0..FIT_STEPS {
            let mut gw = [[0.0; BAND_CHROMA_LEN]; MODEL_QUALITIES.len()];
            let mut gb = [0.0; MODEL_QUALITIES.len()];
            for ((_, root, q), t) in usable.iter().zip(&turned_frames) {
                let mut p = model.scores_turned(t);
                log_softmax(&mut p);
                for x in &mut p {
                    *x = x.exp();
                }
                p[root * nq + q] -= 1.0;
                for (r, tr) in t.iter().enumerate() {
                    for k in 0..nq {
                        let g = p[r * nq + k];
                        gb[k] += g;
                        for (acc, x) in gw[k].iter_mut().zip(tr) {
                            *acc += g * x;
                        }
                    }
                }
            }
            for k in 0..nq {
                for (w, g) in model.weights[k].iter_mut().zip(&gw[k]) {
                    *w -= FIT_RATE * (g / n + FIT_L2 * *w);
                }
                model.bias[k] -= FIT_RATE * gb[k] / n;
            }
        }
        model
    }

    /// The model as the Rust source of `chord_model.rs`.
    pub fn to_rust(&self) -> String {
        let row = |v: &[f64]| -> String {
            v.iter()
                .map(|x| format!("{x:.6}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut out = String::from(
            "//! The chord model's learned part, fitted on the broadened set's tuning part (issue 14).\n\
             //! Generated by `FRETWISE_WRITE_CHORD_MODEL=1 cargo test --workspace --test broad -- chord_model`;\n\
             //! do not edit by hand.\n\n\
             use crate::chords::ChordModel;\n\n\
             /// Weights and biases for maj, min, 7, maj7, min7.\n\
             #[rustfmt::skip]\n\
             pub(crate) const MODEL: ChordModel = ChordModel {\n    weights: [\n",
        );
        for w in &self.weights {
            out.push_str(&format!("        [{}],\n", row(w)));
        }
        out.push_str(&format!("    ],\n    bias: [{}],\n}};\n", row(&self.bias)));
        out
    }
}

/// Chords over time for mono samples at `rate` Hz.
pub fn chords(samples: &[f32], rate: u32) -> Vec<ChordSpan> {
    let sr = f64::from(rate);
    let stft = Stft::new(N_FFT, HOP);
    let frames = frames_of(samples, rate);
    if frames.is_empty() {
        return Vec::new();
    }
    let ts = templates();
    let peak = frames.iter().map(|f| f.energy).fold(0.0f64, f64::max);
    let n_states = ts.len() + 1; // last = no chord
    let ln = |x: f64| x.max(1e-12).ln();
    let nq = MODEL_QUALITIES.len();
    // Emissions: a softmax over template similarities; quiet frames favour "no chord". For the
    // five commonest qualities the learned model's probability multiplies the templates' (a
    // product of the two, scaled so that a model with no opinion changes nothing); the templates
    // alone decide sus, power, dim and aug chords and silence, which the model was not fitted
    // on, and keep a say where the model meets a timbre unlike its tuning clips.
    let uniform = (HYPOTHESES as f64).ln();
    let emit = |f: &Frame| -> Vec<f64> {
        // 70 dB below the loudest frame (energy is squared magnitude) counts as silence.
        let quiet = f.energy < peak * 1e-7;
        let mut e: Vec<f64> = ts
            .iter()
            .map(|t| {
                let sim: f64 = t.weights.iter().zip(&f.chroma).map(|(a, b)| a * b).sum();
                if quiet { -10.0 } else { 20.0 * sim + t.prior }
            })
            .collect();
        e.push(if quiet { 0.0 } else { 20.0 * 0.55 });
        log_softmax(&mut e);
        let mut learned = MODEL.scores(&f.bands);
        log_softmax(&mut learned);
        for (t, v) in ts.iter().zip(e.iter_mut()) {
            if t.quality < nq {
                *v += learned[t.root * nq + t.quality] + uniform;
            }
        }
        e
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Length of band `b` of a register-aware chroma frame.
    fn band_norm(bands: &[f64; BAND_CHROMA_LEN], b: usize) -> f64 {
        bands[b * 12..(b + 1) * 12]
            .iter()
            .map(|x| x * x)
            .sum::<f64>()
            .sqrt()
    }

    #[test]
    fn a_band_far_under_the_loudest_is_not_blown_up() {
        let mut bands = [0.0; BAND_CHROMA_LEN];
        // Powers: band 1 loud (E and B), band 2 10 dB under, band 5 40 dB under, band 0 silent.
        bands[12 + 4] = 1.0;
        bands[12 + 11] = 0.25;
        bands[24 + 7] = 0.125;
        bands[60 + 11] = 1.25e-4;
        scale_bands(&mut bands);
        assert!((band_norm(&bands, 1) - 1.0).abs() < 1e-9);
        assert!((band_norm(&bands, 2) - 1.0).abs() < 1e-9);
        // 40 dB under: scaled as if 20 dB under, so 20 dB under unit length.
        assert!(
            (band_norm(&bands, 5) - 0.1).abs() < 1e-9,
            "{}",
            band_norm(&bands, 5)
        );
        assert_eq!(band_norm(&bands, 0), 0.0);
        // Within a band the pitch classes keep their balance (square-root compressed).
        assert!((bands[12 + 4] / bands[12 + 11] - 2.0).abs() < 1e-9);
    }

    /// One second of harmonic tones (partials at 1/k, decaying) at `midis`, at the analysis rate.
    fn strum(midis: &[i32]) -> Vec<f32> {
        let rate = f64::from(crate::ANALYSIS_RATE);
        (0..crate::ANALYSIS_RATE as usize)
            .map(|i| {
                let t = i as f64 / rate;
                let mut v = 0.0;
                for m in midis {
                    let f = 440.0 * 2f64.powf(f64::from(m - 69) / 12.0);
                    for k in 1..=8 {
                        let k = f64::from(k);
                        v += (std::f64::consts::TAU * f * k * t).sin() / k * (-t * (1.0 + k)).exp();
                    }
                }
                (0.1 * v) as f32
            })
            .collect()
    }

    #[test]
    fn a_fitted_model_tells_sevenths_from_triads_on_roots_it_never_saw() {
        // Close voicings of maj, min, 7, maj7, min7 from each root; fitted on roots C–F, read
        // on F#–B: the model is the same for every root, so it must carry over.
        let shapes: [[i32; 4]; 5] = [
            [0, 4, 7, 12],
            [0, 3, 7, 12],
            [0, 4, 7, 10],
            [0, 4, 7, 11],
            [0, 3, 7, 10],
        ];
        let frames_of_chord = |root: usize, q: usize| {
            let midis: Vec<i32> = shapes[q].iter().map(|i| 48 + root as i32 + i).collect();
            chord_features(&strum(&midis))
                .into_iter()
                .filter(|(t, _)| (0.2..0.8).contains(t))
                .map(move |(_, v)| (v, root, q))
                .collect::<Vec<_>>()
        };
        let train: Vec<_> = (0..6)
            .flat_map(|r| (0..5).flat_map(move |q| frames_of_chord(r, q)))
            .collect();
        let model = ChordModel::fit(&train);
        let (mut right, mut total) = (0, 0);
        for root in 6..12 {
            for q in 0..5 {
                for (v, _, _) in frames_of_chord(root, q) {
                    let s = model.scores(&v);
                    let best = (0..HYPOTHESES)
                        .max_by(|a, b| s[*a].total_cmp(&s[*b]))
                        .unwrap_or(0);
                    right += usize::from(best == root * MODEL_QUALITIES.len() + q);
                    total += 1;
                }
            }
        }
        assert!(total >= 150, "{total} frames");
        assert!(right as f64 >= 0.9 * total as f64, "{right} of {total}");
    }
}
