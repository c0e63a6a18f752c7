//! Monophonic pitch tracking in the manner of pYIN (Mauch & Dixon 2014): YIN's cumulative mean
//! normalised difference gives, for a whole distribution of thresholds, pitch candidates with
//! probabilities; a hidden Markov model over pitch bins (voiced and unvoiced) picks the smoothest
//! likely path with Viterbi. Octave errors on low strings, the classic YIN failure, are what the
//! candidate probabilities and the path smoothing suppress.

use std::sync::Arc;

use fretwise_theory::cents;
use realfft::RealToComplex;
use realfft::num_complex::Complex;

/// Frame hop in samples at the analysis rate (11.6 ms at 22,050 Hz).
pub const HOP: usize = 256;
/// Samples summed by the difference function.
const WINDOW: usize = 1024;
/// Lowest and highest fundamental tracked, in Hz (drop tunings to ~60 Hz; 1.4 kHz fundamentals).
pub const F_MIN: f64 = 58.0;
/// Highest fundamental tracked.
pub const F_MAX: f64 = 1400.0;
/// Pitch bins per semitone in the HMM.
const BINS_PER_SEMITONE: f64 = 5.0;
/// MIDI number of bin 0.
const MIDI_LOW: f64 = 33.0; // A1, 55 Hz
/// Bins (A1 … about F6).
const N_BINS: usize = 290;
/// Largest pitch move per frame without a jump, in bins (3 semitones).
const MAX_STEP: usize = 15;
// The block correlator splits a frame's window into whole hops.
const _: () = assert!(WINDOW.is_multiple_of(HOP));

/// A pitch track: one value per hop.
#[derive(Debug, Clone, PartialEq)]
pub struct PitchTrack {
    /// Seconds between frames.
    pub hop_s: f64,
    /// Fundamental per frame in Hz, 0 when unvoiced.
    pub f0_hz: Vec<f64>,
    /// Probability that the frame is voiced at that pitch, 0–1 (0 when unvoiced).
    pub confidence: Vec<f64>,
    /// RMS per frame (linear).
    pub rms: Vec<f64>,
}

pub(crate) struct Candidate {
    pub(crate) freq: f64,
    pub(crate) prob: f64,
    /// The normalised difference at the candidate's lag (its dip's depth; lower is deeper).
    pub(crate) dip: f64,
}

/// A dip shallower than this (normalised difference) is a noisy frame's.
const NOISY_DIP: f64 = 0.1;
/// How much shallower (normalised difference) a dip at a fraction of the lag may be and still
/// be the period...
const SUB_MULTIPLE_CMND: f64 = 0.15;
/// ...and how much more of the raw difference it may leave, as a share of the lag's: a low
/// note's strong second harmonic leaves far more at half its period.
const SUB_MULTIPLE_MARGIN: f64 = 0.75;

/// Beta(2, 18) weights over thresholds 0.01 … 1.00 (pYIN's default prior, mean 0.1).
/// Ascending: [`Yin::pick`] walks them in this order.
fn threshold_prior() -> Vec<(f64, f64)> {
    let mut v: Vec<(f64, f64)> = (1..=100)
        .map(|i| {
            let s = i as f64 / 100.0;
            (s, s * (1.0 - s).powi(17))
        })
        .collect();
    let total: f64 = v.iter().map(|x| x.1).sum();
    for x in &mut v {
        x.1 /= total;
    }
    v
}

pub(crate) struct Scratch {
    a: Vec<f32>,
    b: Vec<f32>,
    fa: Vec<Complex<f32>>,
    fb: Vec<Complex<f32>>,
    corr: Vec<f32>,
    fft_scratch: Vec<Complex<f32>>,
    prefix: Vec<f64>,
    x32: Vec<f32>,
    cmnd: Vec<f64>,
    /// Running sums and minima of the difference function.
    work: Vec<f64>,
}

impl Scratch {
    /// The last frame's cumulative-mean-normalised difference at the deepest lag within ±2
    /// samples of `lag` (1 where out of range).
    pub(crate) fn dip_near(&self, lag: f64) -> f64 {
        let c = lag.round() as usize;
        (c.saturating_sub(2).max(1)..=c + 2)
            .filter_map(|t| self.cmnd.get(t).copied())
            .fold(1.0, f64::min)
    }
}

pub(crate) struct Yin {
    window: usize,
    // Single precision: the FFT's rounding (~1e-6 of the frame's energy) is far below the
    // smallest dip that matters (thresholds from 0.01), and it runs twice as wide in SIMD.
    fft: Arc<dyn RealToComplex<f32>>,
    ifft: Arc<dyn realfft::ComplexToReal<f32>>,
    n: usize,
    tau_min: usize,
    tau_max: usize,
    prior: Vec<(f64, f64)>,
    rate: f64,
}

impl Yin {
    fn new(rate: f64) -> Self {
        Self::with_window(rate, WINDOW)
    }

    /// A tracker summing `window` samples (shorter windows answer sooner).
    pub(crate) fn with_window(rate: f64, window: usize) -> Self {
        let tau_min = (rate / F_MAX).floor().max(2.0) as usize;
        let tau_max = (rate / F_MIN).ceil() as usize;
        let n = fft_len(window + tau_max + 1);
        Self {
            window,
            fft: crate::rfft::forward(n),
            ifft: crate::rfft::inverse(n),
            n,
            tau_min,
            tau_max,
            prior: threshold_prior(),
            rate,
        }
    }

    /// Samples a frame needs.
    pub(crate) fn frame_len(&self) -> usize {
        self.window + self.tau_max + 1
    }

    /// Buffers reused from frame to frame.
    pub(crate) fn scratch(&self) -> Scratch {
        Scratch {
            a: vec![0.0; self.n],
            b: vec![0.0; self.n],
            fa: self.fft.make_output_vec(),
            fb: self.fft.make_output_vec(),
            corr: vec![0.0; self.n],
            fft_scratch: vec![
                Complex::default();
                self.fft.get_scratch_len().max(self.ifft.get_scratch_len())
            ],
            prefix: vec![0.0; self.frame_len() + 1],
            x32: Vec::with_capacity(self.frame_len()),
            cmnd: vec![1.0; self.tau_max + 2],
            work: vec![0.0; self.tau_max + 2],
        }
    }

    /// Pitch candidates of one frame (`x` has `frame_len` samples).
    pub(crate) fn candidates(&self, x: &[f64], sc: &mut Scratch) -> Vec<Candidate> {
        let mut prefix = std::mem::take(&mut sc.prefix);
        prefix[0] = 0.0;
        for (i, v) in x.iter().enumerate() {
            prefix[i + 1] = prefix[i] + v * v;
        }
        let mut x32 = std::mem::take(&mut sc.x32);
        x32.clear();
        x32.extend(x.iter().map(|v| *v as f32));
        let out = self.candidates_from(&x32, &prefix, sc);
        sc.prefix = prefix;
        sc.x32 = x32;
        out
    }

    /// Pitch candidates of one frame: `x` its `frame_len` samples, `prefix` running sums of
    /// squares from any point before it (only differences are read, so a whole clip's
    /// running sum, started once, serves every frame).
    pub(crate) fn candidates_from(
        &self,
        x: &[f32],
        prefix: &[f64],
        sc: &mut Scratch,
    ) -> Vec<Candidate> {
        let n = self.n;
        // Cross term Σ x[j] x[j+τ] for j < self.window, by FFT correlation.
        // The FFTs use their inputs as workspace: both are refilled every frame.
        sc.a[..self.window].copy_from_slice(&x[..self.window]);
        sc.a[self.window..].fill(0.0);
        sc.b[..x.len()].copy_from_slice(x);
        sc.b[x.len()..].fill(0.0);
        let scratch = &mut sc.fft_scratch;
        if self
            .fft
            .process_with_scratch(&mut sc.a, &mut sc.fa, scratch)
            .is_err()
            || self
                .fft
                .process_with_scratch(&mut sc.b, &mut sc.fb, scratch)
                .is_err()
        {
            return Vec::new();
        }
        for (p, q) in sc.fa.iter_mut().zip(&sc.fb) {
            *p = p.conj() * q;
        }
        if self
            .ifft
            .process_with_scratch(&mut sc.fa, &mut sc.corr, scratch)
            .is_err()
        {
            return Vec::new();
        }
        self.pick(&sc.corr, 1.0 / n as f64, prefix, &mut sc.cmnd, &mut sc.work)
    }

    /// The shortest lag `tau / k` (k = 4, 2) whose dip (the local minimum of `cmnd` near it) is
    /// nearly as deep as the one at `tau`, normalised and raw (`raw`: the difference itself,
    /// which unlike the normalised one is not biased towards long lags); else `tau`.
    /// Not a third: that is a fifth above the octave, a chord tone in a strum (a strummed A
    /// major read as E4 and D#4 with it).
    fn sub_multiple(&self, tau: usize, cmnd: &[f64], raw: impl Fn(usize) -> f64) -> usize {
        let limit = raw(tau) * (1.0 + SUB_MULTIPLE_MARGIN);
        for k in [4, 2] {
            let centre = (tau as f64 / k as f64).round() as usize;
            if centre < self.tau_min + 2 {
                continue;
            }
            let (at, v) = (centre - 2..=centre + 2).map(|t| (t, cmnd[t])).fold(
                (centre, f64::INFINITY),
                |a, b| if b.1 < a.1 { b } else { a },
            );
            if v <= cmnd[tau] + SUB_MULTIPLE_CMND && raw(at) <= limit {
                return at;
            }
        }
        tau
    }

    /// Pitch candidates from a frame's cross term `corr` (times `1 / scale`) and the running
    /// sums of squares `prefix` from its first sample; `cmnd` receives the normalised
    /// difference.
    fn pick(
        &self,
        corr: &[f32],
        scale: f64,
        prefix: &[f64],
        cmnd: &mut [f64],
        work: &mut Vec<f64>,
    ) -> Vec<Candidate> {
        // Energies of the sliding window by prefix sums.
        let e0 = prefix[self.window] - prefix[0];
        cmnd.fill(1.0);
        // The differences and their running sum first (a chain of additions), then the
        // normalisation in a loop of its own, which divides several lags at a time (one
        // division per lag, waited on in turn, was a fifth of the frame's candidate time).
        let lags = self.tau_max + 1;
        if work.len() <= lags {
            work.resize(lags + 1, 0.0);
        }
        let running_sum = &mut work[..=lags];
        let mut running = 0.0;
        for tau in 1..=lags {
            let et = prefix[tau + self.window] - prefix[tau];
            let d = (e0 + et - 2.0 * f64::from(corr[tau]) * scale).max(0.0);
            running += d;
            cmnd[tau] = d;
            running_sum[tau] = running;
        }
        for (tau, (c, r)) in cmnd[..=lags]
            .iter_mut()
            .zip(running_sum.iter())
            .enumerate()
            .skip(1)
        {
            *c = if *r > 0.0 { *c * tau as f64 / *r } else { 1.0 };
        }
        // For each threshold, the first dip below it (its local minimum) gets the weight.
        let mut mass: Vec<(usize, f64)> = Vec::new();
        let mut add = |tau: usize, w: f64| match mass.iter_mut().find(|m| m.0 == tau) {
            Some(m) => m.1 += w,
            None => mass.push((tau, w)),
        };
        // The first τ below a threshold is where the running minimum first drops below it; the
        // running minimum only falls, and the thresholds rise, so that place only moves towards
        // shorter lags: one walk down the running minimum serves all of them.
        // (The differences are never NaN, so a plain comparison is the minimum.)
        let prefix_min = &mut work[..=self.tau_max - self.tau_min];
        let mut m = f64::INFINITY;
        for (p, v) in prefix_min
            .iter_mut()
            .zip(&cmnd[self.tau_min..=self.tau_max])
        {
            if *v < m {
                m = *v;
            }
            *p = m;
        }
        let prefix_min: &[f64] = prefix_min;
        let mut leftover = 0.0;
        // Neighbouring thresholds mostly first cross at the same lag: walk to its dip once.
        let mut last: Option<(usize, usize)> = None;
        let mut k = prefix_min.len();
        for &(s, w) in &self.prior {
            // k: the first index whose running minimum is below s (len when none is).
            while k > 0 && prefix_min[k - 1] < s {
                k -= 1;
            }
            if k == prefix_min.len() {
                leftover += w;
                continue;
            }
            let tau = match last {
                Some((lk, lt)) if lk == k => lt,
                _ => {
                    let mut tau = self.tau_min + k;
                    while tau < self.tau_max && cmnd[tau + 1] < cmnd[tau] {
                        tau += 1;
                    }
                    last = Some((k, tau));
                    tau
                }
            };
            add(tau, w);
        }
        // pYIN gives thresholds without a dip a small share at the global minimum.
        if leftover > 0.0 {
            let (t, _) = (self.tau_min..=self.tau_max).map(|t| (t, cmnd[t])).fold(
                (self.tau_min, f64::INFINITY),
                |a, b| if b.1 < a.1 { b } else { a },
            );
            add(t, leftover * 0.01);
        }
        // In noise every dip is shallow and the cumulative normalisation deepens the longer
        // lags, so a period's multiple can win; a dip at a whole fraction of the lag that is
        // nearly as deep is the period.
        let raw = |tau: usize| {
            let et = prefix[tau + self.window] - prefix[tau];
            (e0 + et - 2.0 * f64::from(corr[tau]) * scale).max(0.0)
        };
        for m in &mut mass {
            if cmnd[m.0] > NOISY_DIP {
                m.0 = self.sub_multiple(m.0, cmnd, raw);
            }
        }
        mass.sort_unstable_by_key(|m| m.0);
        mass.dedup_by(|a, b| {
            let same = a.0 == b.0;
            if same {
                b.1 += a.1;
            }
            same
        });
        lift_resonances(&mut mass);
        mass.into_iter()
            .filter(|(_, p)| *p > 1e-4)
            .map(|(tau, prob)| {
                // Parabolic interpolation of the dip.
                let (l, c, r) = (cmnd[tau - 1], cmnd[tau], cmnd[tau + 1]);
                let den = l - 2.0 * c + r;
                let shift = if den.abs() > 1e-12 {
                    (0.5 * (l - r) / den).clamp(-0.5, 0.5)
                } else {
                    0.0
                };
                Candidate {
                    freq: self.rate / (tau as f64 + shift),
                    prob,
                    dip: c,
                }
            })
            .collect()
    }
}

/// Moves the mass of a lag to the lag a quarter of it when that one holds at least half as much
/// (`mass`: lags and weights, by rising lag). Such a period is a resonance under a note two
/// octaves up: a nylon guitar's ~100 Hz body mode rings under a high note's first tens of ms,
/// and the two together repeat at the resonance's period. Unlike one octave (a low string's
/// strong second harmonic), a period whose quarter repeats needs the harmonics between to be
/// near silent, which a plucked string's are not.
fn lift_resonances(mass: &mut [(usize, f64)]) {
    for i in (0..mass.len()).rev() {
        let quarter = mass[i].0 as f64 / 4.0;
        if let Some(j) = (0..i).find(|&j| {
            (mass[j].0 as f64 - quarter).abs() <= (0.03 * quarter).max(1.0)
                && mass[j].1 >= 0.5 * mass[i].1
        }) {
            mass[j].1 += mass[i].1;
            mass[i].1 = 0.0;
        }
    }
}

/// YIN's cross term for frames `HOP` apart, from per-hop blocks: a frame's
/// Σ_{j<WINDOW} x[j] x[j+τ] is the sum of its `WINDOW / HOP` blocks' own correlations, and
/// correlations add in the frequency domain. Each block is transformed once (two FFTs a quarter
/// the frame transform's size) and serves four frames, which then need one inverse transform
/// each: about half the FFT work of correlating every frame whole.
struct BlockCorrelator {
    fft: Arc<dyn RealToComplex<f32>>,
    ifft: Arc<dyn realfft::ComplexToReal<f32>>,
    /// Transform size: a block plus every lag, without wrapping around.
    m: usize,
    /// Samples a block's correlation reads: the block and `tau_max + 1` after it.
    seg: usize,
    /// The last `WINDOW / HOP` blocks' cross spectra, by block number modulo their count.
    slots: Vec<(Option<usize>, Vec<Complex<f32>>)>,
    a: Vec<f32>,
    b: Vec<f32>,
    fb: Vec<Complex<f32>>,
    sum: Vec<Complex<f32>>,
    corr: Vec<f32>,
    scratch: Vec<Complex<f32>>,
}

impl BlockCorrelator {
    fn new(tau_max: usize) -> Self {
        let seg = HOP + tau_max + 1;
        let m = fft_len(seg);
        let fft = crate::rfft::forward(m);
        let ifft = crate::rfft::inverse(m);
        let spectrum = fft.make_output_vec();
        let scratch_len = fft.get_scratch_len().max(ifft.get_scratch_len());
        Self {
            slots: vec![(None, spectrum.clone()); WINDOW / HOP],
            a: vec![0.0; m],
            b: vec![0.0; m],
            fb: spectrum.clone(),
            sum: spectrum,
            corr: vec![0.0; m],
            scratch: vec![Complex::default(); scratch_len],
            fft,
            ifft,
            m,
            seg,
        }
    }

    /// Block `k`'s cross spectrum into its slot, unless it is there already.
    fn block(&mut self, padded: &[f32], k: usize) -> bool {
        let slot = k % self.slots.len();
        if self.slots[slot].0 == Some(k) {
            return true;
        }
        let start = k * HOP;
        let seg = &padded[start..start + self.seg];
        self.a[..HOP].copy_from_slice(&seg[..HOP]);
        self.a[HOP..].fill(0.0);
        self.b[..self.seg].copy_from_slice(seg);
        self.b[self.seg..].fill(0.0);
        let fa = &mut self.slots[slot].1;
        // The buffers come from the plans, so the transforms cannot fail on their lengths.
        if self
            .fft
            .process_with_scratch(&mut self.a, fa, &mut self.scratch)
            .is_err()
            || self
                .fft
                .process_with_scratch(&mut self.b, &mut self.fb, &mut self.scratch)
                .is_err()
        {
            return false;
        }
        for (p, q) in fa.iter_mut().zip(&self.fb) {
            *p = p.conj() * q;
        }
        self.slots[slot].0 = Some(k);
        true
    }

    /// Frame `f`'s cross term, times the transform size (`padded` holds frame `f`'s samples
    /// from `f · HOP`); None only if a transform refused its buffers.
    fn frame(&mut self, padded: &[f32], f: usize) -> Option<&[f32]> {
        let blocks = WINDOW / HOP;
        for k in f..f + blocks {
            if !self.block(padded, k) {
                return None;
            }
        }
        self.sum.fill(Complex::default());
        for (_, spectrum) in &self.slots {
            for (s, p) in self.sum.iter_mut().zip(spectrum) {
                *s += p;
            }
        }
        self.ifft
            .process_with_scratch(&mut self.sum, &mut self.corr, &mut self.scratch)
            .ok()?;
        Some(&self.corr)
    }
}

/// The smallest 2^k or 3·2^k at least `min` samples: the correlation needs no more, and rustfft
/// is as fast per sample on 3·2^k as on powers of two (1,536 instead of 2,048 here).
fn fft_len(min: usize) -> usize {
    let pow2 = min.next_power_of_two();
    let three = 3 * (min.div_ceil(3)).next_power_of_two();
    pow2.min(three)
}

fn bin_of(freq: f64) -> Option<usize> {
    let midi = fretwise_theory::midi_of_hz(freq, 440.0);
    let b = ((midi - MIDI_LOW) * BINS_PER_SEMITONE).round();
    (b >= 0.0 && (b as usize) < N_BINS).then_some(b as usize)
}

/// Tracks the pitch of mono samples at `rate` Hz.
pub fn track(samples: &[f32], rate: u32) -> PitchTrack {
    let rate_f = f64::from(rate);
    let yin = Yin::new(rate_f);
    let frame_len = yin.frame_len();
    let frames = samples.len().div_ceil(HOP).max(1);
    let mut padded: Vec<f32> = Vec::with_capacity(samples.len() + frame_len);
    // Centre frames on their time stamps: pad half a window in front.
    padded.extend(std::iter::repeat_n(0.0, WINDOW / 2));
    padded.extend_from_slice(samples);
    padded.extend(std::iter::repeat_n(0.0, frame_len));
    // One running sum of squares for the whole clip: every frame's energies are differences
    // of it (f64: a minute of audio sums to ~1e4, far inside its 15 digits).
    let mut energy = vec![0.0f64; padded.len() + 1];
    let mut acc = 0.0f64;
    for (e, v) in energy[1..].iter_mut().zip(&padded) {
        acc += f64::from(*v) * f64::from(*v);
        *e = acc;
    }
    let mut correlator = BlockCorrelator::new(yin.tau_max);
    let mut cmnd = vec![1.0; yin.tau_max + 2];
    let mut work = vec![0.0; yin.tau_max + 2];
    let rms: Vec<f64> = (0..frames)
        .map(|f| {
            let e = energy[f * HOP + WINDOW] - energy[f * HOP];
            (e.max(0.0) / WINDOW as f64).sqrt()
        })
        .collect();
    // Frames far below the loudest are treated as silence: no candidates, so none computed.
    let peak = rms.iter().copied().fold(0.0f64, f64::max);
    let floor = (peak * 10f64.powf(-45.0 / 20.0)).max(1e-5);
    let mut obs: Vec<Vec<Candidate>> = rms
        .iter()
        .enumerate()
        .map(|(f, e)| {
            if *e > 1e-5 && *e >= floor {
                let scale = 1.0 / correlator.m as f64;
                match correlator.frame(&padded, f) {
                    Some(corr) => yin.pick(corr, scale, &energy[f * HOP..], &mut cmnd, &mut work),
                    None => Vec::new(),
                }
            } else {
                Vec::new()
            }
        })
        .collect();
    // The mass a held pitch was given is the Viterbi's, not a measured probability: the
    // reported confidence stays what the frame measured.
    let measured = voice_held_pitches(&mut obs);
    let path = viterbi(&obs);
    let mut f0 = vec![0.0; frames];
    let mut conf = vec![0.0; frames];
    for (f, state) in path.iter().enumerate() {
        if let Some(b) = state {
            // The exact candidate frequency inside the chosen bin, if any.
            let best = obs[f]
                .iter()
                .enumerate()
                .filter(|(_, c)| bin_of(c.freq).is_some_and(|cb| cb.abs_diff(*b) <= 1))
                .max_by(|x, y| x.1.prob.total_cmp(&y.1.prob));
            if let Some((i, c)) = best {
                f0[f] = c.freq;
                conf[f] = match measured[f] {
                    Some((held, prob)) if held == i => prob,
                    _ => c.prob,
                }
                .min(1.0);
            }
        }
    }
    PitchTrack {
        hop_s: HOP as f64 / rate_f,
        f0_hz: f0,
        confidence: conf,
        rms,
    }
}

/// Frames whose strongest candidate holds one pitch this long (58 ms) are a note's, however
/// shallow their dips (the streaming tuner's rule, `stream.rs`; four frames voiced a nylon
/// guitar's body resonance under a note's attack).
const HELD_FRAMES: usize = 5;
/// ... within this many cents frame to frame (here and in the streaming tuner) ...
pub(crate) const HELD_CENTS: f64 = 30.0;
/// ... with a dip under this (here and in the streaming tuner) ...
pub(crate) const HELD_DIP: f64 = 0.6;
/// ... and get this much probability mass in all (enough for the Viterbi to voice them).
const HELD_MASS: f64 = 0.5;

/// Whether a held pitch at `freq` can be a note's: not at the lag range's edges, where
/// low-frequency noise has its deepest point.
pub(crate) fn held_can_be(freq: f64) -> bool {
    (F_MIN * 1.03..=F_MAX / 1.03).contains(&freq)
}

/// Gives a weak frame's strongest candidate [`HELD_MASS`] where it is part of a run of
/// [`HELD_FRAMES`] frames holding one pitch (noise's deepest dip moves from frame to frame; a
/// note's stays, even where distortion and noise fill every dip). Returns, per frame, the
/// candidate raised and the probability it had.
fn voice_held_pitches(obs: &mut [Vec<Candidate>]) -> Vec<Option<(usize, f64)>> {
    let mut measured = vec![None; obs.len()];
    let strongest: Vec<Option<usize>> = obs
        .iter()
        .map(|cands| {
            (0..cands.len())
                .filter(|&i| held_can_be(cands[i].freq))
                .max_by(|&a, &b| cands[a].prob.total_cmp(&cands[b].prob))
        })
        .collect();
    let freqs: Vec<Option<f64>> = (0..obs.len())
        .map(|f| strongest[f].map(|i| obs[f][i].freq))
        .collect();
    let freq = |f: usize| freqs.get(f).copied().flatten();
    let mut start = 0;
    while start < obs.len() {
        let Some(f0) = freq(start) else {
            start += 1;
            continue;
        };
        let mut end = start + 1;
        let mut last = f0;
        while let Some(f) = freq(end) {
            if cents(f, last).abs() > HELD_CENTS {
                break;
            }
            last = f;
            end += 1;
        }
        if end - start >= HELD_FRAMES {
            for f in start..end {
                let total: f64 = obs[f].iter().map(|c| c.prob).sum();
                if let Some(i) = strongest[f]
                    && total < HELD_MASS
                    && obs[f][i].dip < HELD_DIP
                {
                    measured[f] = Some((i, obs[f][i].prob));
                    obs[f][i].prob += HELD_MASS - total;
                }
            }
        }
        start = end;
    }
    measured
}

/// Viterbi over 2 × N_BINS states (voiced pitch bins, then unvoiced twins). Returns the voiced bin
/// per frame or None.
fn viterbi(obs: &[Vec<Candidate>]) -> Vec<Option<usize>> {
    let n = N_BINS;
    let frames = obs.len();
    if frames == 0 {
        return Vec::new();
    }
    let ln = |x: f64| x.max(1e-12).ln();
    // Transition weights by bin distance (triangular), normalised; a jump anywhere is rare.
    let mut step: Vec<f64> = (0..=MAX_STEP).map(|d| (MAX_STEP + 1 - d) as f64).collect();
    let total: f64 = step[0] + 2.0 * step[1..].iter().sum::<f64>();
    for s in &mut step {
        *s = ln(*s / total);
    }
    let stay_voicing = ln(0.99);
    let switch_voicing = ln(0.01);
    let jump = ln(1e-5);
    let mut delta = vec![0.0f64; 2 * n];
    let mut next = vec![0.0f64; 2 * n];
    let mut back: Vec<u16> = vec![0; frames * 2 * n];
    let mut best_val = vec![f64::NEG_INFINITY; n];
    let mut best_from = vec![0usize; n];
    // Most bins hold no candidate: their log-likelihood is one constant, and only the few
    // bins with candidates need a logarithm (3M of them per minute of audio otherwise).
    let empty_bin = ln(1e-9);
    let mut p = vec![0.0f64; n];
    let mut observe = |f: usize, out: &mut [f64]| {
        let mut voiced_total = 0.0;
        for c in &obs[f] {
            if let Some(b) = bin_of(c.freq) {
                p[b] += c.prob;
                voiced_total += c.prob;
            }
        }
        let voiced_total: f64 = voiced_total.min(1.0);
        let unvoiced = ln((1.0 - voiced_total) / n as f64 + 1e-9);
        out[..n].fill(empty_bin);
        out[n..].fill(unvoiced);
        for c in &obs[f] {
            if let Some(b) = bin_of(c.freq)
                && p[b] != 0.0
            {
                out[b] = ln(p[b] * 0.5 + 1e-9);
                p[b] = 0.0;
            }
        }
    };
    let mut o = vec![0.0; 2 * n];
    observe(0, &mut o);
    delta.copy_from_slice(&o);
    for f in 1..frames {
        observe(f, &mut o);
        // Best voiced and unvoiced predecessors anywhere (for jumps).
        let (bvi, bv) = crate::lanes::first_max(&delta[..n]).unwrap_or((0, f64::NEG_INFINITY));
        let (bui, bu) = crate::lanes::first_max(&delta[n..])
            .map(|(i, v)| (n + i, v))
            .unwrap_or((n, f64::NEG_INFINITY));
        let row = &mut back[f * 2 * n..(f + 1) * 2 * n];
        // Into voiced j: from voiced i nearby, or a jump from the best voiced bin anywhere.
        let init = bv + jump + stay_voicing;
        best_voiced_predecessors(
            &delta[..n],
            &step,
            stay_voicing,
            (init, bvi),
            &mut best_val,
            &mut best_from,
        );
        for j in 0..n {
            let best = (best_val[j], best_from[j]);
            // Unvoiced states hold the last pitch (pitch memory across a rest) or jump.
            let mut best_u = (bu + jump + stay_voicing, bui);
            let hold = delta[n + j] + step[0] + stay_voicing;
            if hold > best_u.0 {
                best_u = (hold, n + j);
            }
            let from_unvoiced_twin = delta[n + j] + switch_voicing;
            let mut into_voiced = best;
            if from_unvoiced_twin > into_voiced.0 {
                into_voiced = (from_unvoiced_twin, n + j);
            }
            next[j] = into_voiced.0 + o[j];
            row[j] = into_voiced.1 as u16;
            // Into unvoiced j: stay unvoiced (pitch memory drifts like voiced) or stop voicing.
            let from_voiced_twin = delta[j] + switch_voicing;
            let mut into_unvoiced = best_u;
            if from_voiced_twin > into_unvoiced.0 {
                into_unvoiced = (from_voiced_twin, j);
            }
            next[n + j] = into_unvoiced.0 + o[n + j];
            row[n + j] = into_unvoiced.1 as u16;
        }
        // Keep numbers bounded.
        let m = next.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        for (d, x) in delta.iter_mut().zip(&next) {
            *d = x - m;
        }
    }
    let mut state = (0..2 * n).fold(0, |a, i| if delta[i] > delta[a] { i } else { a });
    let mut out = vec![None; frames];
    for f in (0..frames).rev() {
        out[f] = (state < n).then_some(state);
        if f > 0 {
            state = back[f * 2 * n + state] as usize;
        }
    }
    out
}

/// For every voiced bin j, the best of `jump` and `delta[i] + step[|i − j|] + stay` over bins i
/// within `MAX_STEP` (the first i on ties), into `best_val` and `best_from`.
fn best_voiced_predecessors(
    delta: &[f64],
    step: &[f64],
    stay: f64,
    jump: (f64, usize),
    best_val: &mut [f64],
    best_from: &mut [usize],
) {
    let n = delta.len();
    best_val.fill(jump.0);
    best_from.fill(jump.1);
    // Only "live" bins, whose best step could beat the jump, are spread to their neighbourhoods:
    // a bin that is not live wins nowhere (rounding is monotone and step[d] <= step[0]). Each j
    // sees its live neighbours in ascending order under a strict comparison, so the result, ties
    // included, is the same as scanning every neighbour of every bin — at a few bins per frame
    // instead of 290 × 31.
    for i in 0..n {
        if delta[i] + step[0] + stay > jump.0 {
            let lo = i.saturating_sub(MAX_STEP);
            let hi = (i + MAX_STEP).min(n - 1);
            for j in lo..=hi {
                let v = delta[i] + step[i.abs_diff(j)] + stay;
                if v > best_val[j] {
                    best_val[j] = v;
                    best_from[j] = i;
                }
            }
        }
    }
}

/// Some plucks read at a half or a third of the note for their first few frames (the pick's
/// transient, a body thump). Within 80 ms after each attack, a frame at 1/2 or 1/3 (±50 cents) of
/// the pitch that holds most of the following 200 ms is raised to that harmonic.
pub fn correct_attack_subharmonics(track: &mut PitchTrack, attacks_s: &[f64]) {
    let n = track.f0_hz.len();
    let hop = track.hop_s;
    let frames = |s: f64| (s / hop).round() as usize;
    for &a in attacks_s {
        let start = frames(a).min(n);
        let head_end = (start + frames(0.08)).min(n);
        let body_end = (start + frames(0.2)).min(n);
        let body: Vec<f64> = track.f0_hz[start..body_end]
            .iter()
            .copied()
            .filter(|f| *f > 0.0)
            .collect();
        if body.len() < 4 {
            continue;
        }
        let mut sorted = body.clone();
        sorted.sort_by(f64::total_cmp);
        let median = sorted[sorted.len() / 2];
        let near = |f: f64, g: f64| cents(f, g).abs() <= 50.0;
        if body.iter().filter(|f| near(**f, median)).count() * 5 < body.len() * 3 {
            continue;
        }
        for f in &mut track.f0_hz[start..head_end] {
            if *f > 0.0
                && let Some(k) = [2.0, 3.0].into_iter().find(|k| near(*f * k, median))
            {
                *f *= k;
            }
        }
    }
}

/// How a frame's pitch relates to a reference: the factor (2, 3, 4, ½, ⅓, ¼) that brings it
/// within 50 cents of the reference, if it is one of those and not the reference itself.
fn harmonic_factor(f: f64, reference: f64) -> Option<f64> {
    let near = |g: f64| cents(g, reference).abs() <= 50.0;
    [2.0, 0.5, 3.0, 1.0 / 3.0, 4.0, 0.25]
        .into_iter()
        .find(|k| near(f * k))
}

/// A run an octave from the reference, at least this share of the reference's loudest RMS, can
/// be a new note (see `is_octave_jump`); a decaying string's octave is read at under a tenth.
const OCTAVE_JUMP_LEVEL: f64 = 0.25;

/// Frame counts [`unify_octaves`] works with.
#[derive(Clone, Copy)]
struct Spans {
    /// A pitch that lasts this long is a pitch (50 ms).
    legato: usize,
    /// A head of another pitch lasts under this (300 ms).
    short: usize,
    /// An octave jump without an attack lasts this long (180 ms).
    long: usize,
    /// ... and comes this soon after the pitch it leaves began (1 s).
    hold: usize,
}

/// Keeps each plucked note in one octave. A string's partials decay at different rates: seconds
/// into a long note the second or third harmonic can outweigh the fundamental (the tracker
/// reads an octave or a twelfth up), a sympathetic open string can take over (two octaves down),
/// and an attack can read a subharmonic for a hundred milliseconds or more. None of these is a
/// new note: between two attacks (and unvoiced gaps of 50 ms or more) a string cannot jump by
/// an octave, a twelfth or two octaves without being struck. The first pitch that lasts 50 ms
/// is the note's, unless it lasts under 300 ms and is the head of the next one (see
/// `head_of`); readings at those ratios of it are brought back to it (keeping their fine
/// deviation, so vibrato and bends survive), and a different pitch lasting 50 ms (a hammer-on,
/// pull-off or slide, or a legato note whose attack was not heard) becomes the reference from
/// there on. One exception: an octave that lasts 180 ms, within a second of the pitch it
/// leaves and at about its level, is a new note (a riff between an open string and its octave
/// whose attacks reverb or distortion hid; see `is_octave_jump`).
pub fn unify_octaves(track: &mut PitchTrack, attacks_s: &[f64]) {
    let n = track.f0_hz.len();
    let hop = track.hop_s;
    let frames = |s: f64| ((s / hop).round() as usize).max(1);
    let gap = frames(0.05);
    let spans = Spans {
        legato: frames(0.05),
        short: frames(0.3),
        long: frames(0.18),
        hold: frames(1.0),
    };
    let mut bounds: Vec<usize> = attacks_s
        .iter()
        .filter(|a| a.is_finite() && **a >= 0.0)
        .map(|a| ((a / hop).round() as usize).min(n))
        .collect();
    // Long unvoiced gaps separate notes too.
    let mut unvoiced = 0;
    for i in 0..n {
        if track.f0_hz[i] > 0.0 {
            if unvoiced >= gap {
                bounds.push(i);
            }
            unvoiced = 0;
        } else {
            unvoiced += 1;
        }
    }
    bounds.push(0);
    bounds.push(n);
    bounds.sort_unstable();
    bounds.dedup();
    for w in bounds.windows(2) {
        // A track built by hand may carry no levels: then no octave counts as a jump.
        let rms = track.rms.get(w[0]..w[1]).unwrap_or(&[]);
        unify_segment(&mut track.f0_hz[w[0]..w[1]], rms, spans);
    }
}

/// [`unify_octaves`] on the frames between two attacks.
fn unify_segment(f0: &mut [f64], rms: &[f64], spans: Spans) {
    // Runs of voiced frames whose pitch moves less than 60 cents frame to frame.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < f0.len() {
        if f0[i] <= 0.0 {
            i += 1;
            continue;
        }
        let start = i;
        let mut last = f0[i];
        i += 1;
        while i < f0.len() && f0[i] > 0.0 && cents(f0[i], last).abs() <= 60.0 {
            last = f0[i];
            i += 1;
        }
        runs.push((start, i));
    }
    let median = |f0: &[f64], (s, e): (usize, usize)| {
        let mut v = f0[s..e].to_vec();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    // The first pitch that lasts (unless it is the head of the next one).
    let Some(first) = runs.iter().position(|&(s, e)| e - s >= spans.legato) else {
        return;
    };
    let mut reference = head_of(f0, &runs[first + 1..], runs[first], spans)
        .unwrap_or_else(|| median(f0, runs[first]));
    // Up to it: an attack's subharmonic (or overtone) head.
    for &(s, e) in &runs[..=first] {
        if let Some(k) = harmonic_factor(median(f0, (s, e)), reference) {
            f0[s..e].iter_mut().for_each(|f| *f *= k);
        }
    }
    // Where the reference pitch began (in this segment).
    let mut since = runs[first].0;
    for j in first + 1..runs.len() {
        let (s, e) = runs[j];
        let m = median(f0, (s, e));
        let factor = harmonic_factor(m, reference);
        if is_octave_jump(factor, (s, e), since, rms, spans) {
            // A riff between a string and its octave whose attacks were not heard.
            (reference, since) = (m, s);
        } else if factor.is_none()
            && e - s >= spans.legato
            && (cents(m, reference).abs() > 50.0 || e - s < spans.long)
        {
            // A new pitch without an attack; when it is short and a longer run at a harmonic
            // ratio of it follows, it was that note's head (a run at the reference's own
            // pitch can be one too, unless it lasts).
            let next = head_of(f0, &runs[j + 1..], (s, e), spans).unwrap_or(m);
            if cents(next, reference).abs() > 50.0 {
                since = s;
            }
            reference = next;
        }
        if let Some(k) = harmonic_factor(m, reference) {
            // The factor keeps each frame's own deviation.
            f0[s..e].iter_mut().for_each(|f| *f *= k);
        }
    }
}

/// Whether `run`, at `factor` of the reference pitch that began at frame `since`, is a new note
/// an octave away rather than the same string's octave: the reference has sounded for under
/// [`Spans::hold`] (a decaying string's partials take longer to swap), the run lasts
/// [`Spans::long`] and it is not far under the reference's loudest (a decay's octave is).
fn is_octave_jump(
    factor: Option<f64>,
    (s, e): (usize, usize),
    since: usize,
    rms: &[f64],
    spans: Spans,
) -> bool {
    if !matches!(factor, Some(k) if k == 2.0 || k == 0.5) || s >= since + spans.hold {
        return false;
    }
    if e - s < spans.long {
        return false;
    }
    let (Some(before), Some(run)) = (rms.get(since..s), rms.get(s..e)) else {
        return false;
    };
    let peak = before.iter().copied().fold(0.0, f64::max);
    let mean = run.iter().sum::<f64>() / run.len().max(1) as f64;
    mean >= OCTAVE_JUMP_LEVEL * peak
}

/// The pitch of the note whose head `run` is: the next run of at least `legato` frames, if
/// `run` is shorter than `short` frames (`long` for an octave under it) and reads a subharmonic
/// of it, or reads another harmonic ratio of it and is shorter (attacks read low far more often
/// than high).
fn head_of(f0: &[f64], later: &[(usize, usize)], run: (usize, usize), spans: Spans) -> Option<f64> {
    let len = run.1 - run.0;
    if len >= spans.short {
        return None;
    }
    let &(s, e) = later.iter().find(|&&(s, e)| e - s >= spans.legato)?;
    let median = |(s, e): (usize, usize)| {
        let mut v = f0[s..e].to_vec();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let next = median((s, e));
    let factor = harmonic_factor(median(run), next)?;
    if factor == 2.0 && len >= spans.long {
        // An octave under the next pitch for this long is a note of its own (an open string
        // before its octave), not an attack's subharmonic.
        return None;
    }
    (factor > 1.0 || e - s > len).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_multiple_in_noise_gives_way_to_the_period() {
        // A noisy frame of G#4 (period 53 lags at 22,050 Hz): every dip is shallow, and the one
        // at four periods (G#2) is the deepest once normalised.
        let yin = Yin::new(22_050.0);
        let mut cmnd = vec![0.9; yin.tau_max + 2];
        for (tau, v) in [(53, 0.34), (106, 0.32), (212, 0.3)] {
            cmnd[tau] = v;
        }
        let same_raw = |_: usize| 1.0;
        assert_eq!(yin.sub_multiple(212, &cmnd, same_raw), 53);
        // A low note with a strong second harmonic: the dips at fractions of its period leave
        // much more of the raw difference than the period's own, so the note keeps its octave.
        let raw = |tau: usize| if tau == 212 { 1.0 } else { 3.0 };
        assert_eq!(yin.sub_multiple(212, &cmnd, raw), 212);
        // A dip at a fraction that is far shallower is not the period either.
        cmnd[53] = 0.6;
        cmnd[106] = 0.6;
        assert_eq!(yin.sub_multiple(212, &cmnd, same_raw), 212);
    }

    #[test]
    fn a_resonance_two_octaves_under_a_note_gives_it_its_mass() {
        // G#4 (53 lags at 22,050 Hz) over a body resonance at G#2 (212 lags).
        let mut mass = vec![(53, 0.3), (212, 0.5)];
        lift_resonances(&mut mass);
        assert_eq!(mass, vec![(53, 0.8), (212, 0.0)]);
        // Under half the mass: the long period stays.
        let mut mass = vec![(53, 0.2), (212, 0.5)];
        lift_resonances(&mut mass);
        assert_eq!(mass, vec![(53, 0.2), (212, 0.5)]);
        // One octave is a low string's second harmonic, not a resonance: unchanged.
        let mut mass = vec![(106, 0.4), (212, 0.5)];
        lift_resonances(&mut mass);
        assert_eq!(mass, vec![(106, 0.4), (212, 0.5)]);
    }

    fn track_of(f0: Vec<f64>) -> PitchTrack {
        let n = f0.len();
        PitchTrack {
            hop_s: 0.01,
            confidence: vec![0.9; n],
            rms: vec![0.1; n],
            f0_hz: f0,
        }
    }

    #[test]
    fn block_correlation_gives_the_whole_frame_candidates() {
        // A plucked-string-like tone with a drifting pitch and a little deterministic noise.
        let rate = 22_050.0;
        let mut seed = 7u32;
        let samples: Vec<f32> = (0..22_050)
            .map(|i| {
                let t = i as f64 / rate;
                let f = 110.0 * (1.0 + 0.5 * t);
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let noise = (seed >> 8) as f64 / (1u32 << 24) as f64 - 0.5;
                ((2.0 * std::f64::consts::PI * f * t).sin() * (-1.5 * t).exp()
                    + 0.3 * (4.0 * std::f64::consts::PI * f * t).sin()
                    + 0.01 * noise) as f32
            })
            .collect();
        let yin = Yin::new(rate);
        let frame_len = yin.frame_len();
        let mut padded = samples.clone();
        padded.extend(std::iter::repeat_n(0.0, frame_len));
        let mut energy = vec![0.0f64];
        for v in &padded {
            let last = energy[energy.len() - 1];
            energy.push(last + f64::from(*v) * f64::from(*v));
        }
        let mut sc = yin.scratch();
        let mut correlator = BlockCorrelator::new(yin.tau_max);
        let mut cmnd = vec![1.0; yin.tau_max + 2];
        let mut work = Vec::new();
        let frames = samples.len() / HOP;
        let mut compared = 0;
        // Every frame in order, then every third (the correlator skips silent frames too).
        for f in (0..frames).chain((0..frames).step_by(3)) {
            let whole = yin.candidates_from(
                &padded[f * HOP..f * HOP + frame_len],
                &energy[f * HOP..],
                &mut sc,
            );
            let scale = 1.0 / correlator.m as f64;
            let corr = correlator.frame(&padded, f).expect("plan-sized buffers");
            let blocks = yin.pick(corr, scale, &energy[f * HOP..], &mut cmnd, &mut work);
            assert_eq!(whole.len(), blocks.len(), "frame {f}");
            for (a, b) in whole.iter().zip(&blocks) {
                assert!(
                    (a.freq - b.freq).abs() < 1e-3 * a.freq,
                    "frame {f}: {} vs {}",
                    a.freq,
                    b.freq
                );
                assert!(
                    (a.prob - b.prob).abs() < 1e-6,
                    "frame {f}: {} vs {}",
                    a.prob,
                    b.prob
                );
            }
            compared += whole.len();
        }
        assert!(compared > frames, "{compared} candidates compared");
    }

    #[test]
    fn live_bins_give_the_same_predecessors_as_a_full_scan() {
        let n = N_BINS;
        let step: Vec<f64> = (0..=MAX_STEP)
            .map(|d| ((MAX_STEP + 1 - d) as f64 / 256.0).ln())
            .collect();
        let stay = 0.99f64.ln();
        // A seeded generator: scores spread widely, a few near the top, some exact ties.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..200 {
            let delta: Vec<f64> = (0..n)
                .map(|_| match next() % 10 {
                    0 => -((next() % 8) as f64),
                    1 => -2.0,
                    _ => -20.0 - (next() % 1000) as f64 / 10.0,
                })
                .collect();
            let bvi = (0..n).fold(0, |a, i| if delta[i] > delta[a] { i } else { a });
            let jump = (delta[bvi] + (1e-5f64).ln() + stay, bvi);
            let mut val = vec![0.0; n];
            let mut from = vec![0; n];
            best_voiced_predecessors(&delta, &step, stay, jump, &mut val, &mut from);
            for j in 0..n {
                let mut best = jump;
                for i in j.saturating_sub(MAX_STEP)..=(j + MAX_STEP).min(n - 1) {
                    let v = delta[i] + step[i.abs_diff(j)] + stay;
                    if v > best.0 {
                        best = (v, i);
                    }
                }
                assert_eq!(
                    (val[j].to_bits(), from[j]),
                    (best.0.to_bits(), best.1),
                    "round {round}, bin {j}"
                );
            }
        }
    }

    #[test]
    fn attack_subharmonics_are_raised_to_the_note() {
        // Attack at 0.1 s: two frames at a third of 330 Hz, then the note.
        let mut f0 = vec![0.0; 10];
        f0.extend([110.0, 110.2]);
        f0.extend(vec![330.0; 30]);
        let mut t = track_of(f0);
        correct_attack_subharmonics(&mut t, &[0.1]);
        assert!((t.f0_hz[10] - 330.0).abs() < 0.1 && (t.f0_hz[11] - 330.6).abs() < 0.1);
        // A real octave drop later in the note (past 80 ms) and frames before the attack stay.
        let mut f0 = vec![0.0; 10];
        f0.extend(vec![330.0; 20]);
        f0.extend(vec![165.0; 5]);
        let mut t = track_of(f0.clone());
        correct_attack_subharmonics(&mut t, &[0.1]);
        assert_eq!(t.f0_hz, f0);
    }

    fn run(hz: f64, seconds: f64) -> Vec<f64> {
        vec![hz; (seconds / 0.01).round() as usize]
    }

    /// `t` with its RMS falling by `db_per_s` from the first frame on.
    fn decaying(mut t: PitchTrack, db_per_s: f64) -> PitchTrack {
        for (i, r) in t.rms.iter_mut().enumerate() {
            *r *= 10f64.powf(-db_per_s * i as f64 * t.hop_s / 20.0);
        }
        t
    }

    #[test]
    fn a_decaying_string_stays_in_its_octave() {
        // E2 for 0.5 s, then its second harmonic takes over (no attack) once the string has
        // decayed 15 dB: still E2, deviation kept.
        let mut f0 = run(82.41, 0.5);
        f0.extend(run(165.0, 1.0));
        let mut t = decaying(track_of(f0), 30.0);
        unify_octaves(&mut t, &[0.0]);
        assert!(
            t.f0_hz.iter().all(|f| (f - 82.41).abs() < 0.1),
            "{:?}",
            t.f0_hz
        );
        // Late in a long note the octave is the string's too, however loud.
        let mut f0 = run(82.41, 1.2);
        f0.extend(run(165.0, 1.0));
        let mut t = track_of(f0);
        unify_octaves(&mut t, &[0.0]);
        assert!(t.f0_hz.iter().all(|f| (f - 82.41).abs() < 0.1));
        // With an attack at the jump it is a new note and stays.
        let mut f0 = run(82.41, 0.5);
        f0.extend(run(164.82, 1.0));
        let mut t = track_of(f0.clone());
        unify_octaves(&mut t, &[0.0, 0.5]);
        assert_eq!(t.f0_hz, f0);
        // So it does after 50 ms of silence.
        let mut f0 = run(82.41, 0.5);
        f0.extend(run(0.0, 0.06));
        f0.extend(run(164.82, 1.0));
        let mut t = track_of(f0.clone());
        unify_octaves(&mut t, &[0.0]);
        assert_eq!(t.f0_hz, f0);
    }

    #[test]
    fn a_weak_pitch_held_for_five_frames_is_voiced_and_a_wandering_one_is_not() {
        let weak = |freq: f64, dip: f64| {
            vec![Candidate {
                freq,
                prob: 0.01,
                dip,
            }]
        };
        // Frames between 20 silent ones on each side.
        let framed = |frames: Vec<Vec<Candidate>>| {
            let mut obs: Vec<Vec<Candidate>> = (0..20).map(|_| Vec::new()).collect();
            obs.extend(frames);
            obs.extend((0..20).map(|_| Vec::new()));
            obs
        };
        // A note under distortion and noise: no dip crosses pYIN's thresholds, but the deepest
        // stays on 110 Hz. Unvoiced as it is; voiced once held.
        let note = || framed((0..6).map(|i| weak(110.0 + i as f64 * 0.2, 0.4)).collect());
        assert!(viterbi(&note()).iter().all(Option::is_none));
        let mut obs = note();
        let measured = voice_held_pitches(&mut obs);
        assert!(measured[20..26].iter().all(|m| *m == Some((0, 0.01))));
        let path = viterbi(&obs);
        assert!(path[20..26].iter().all(Option::is_some), "{path:?}");
        // Noise: the deepest dip moves from frame to frame; four frames are not enough; a
        // dip that is hardly one (0.8) is not a pitch.
        for frames in [
            [110.0, 180.0, 95.0, 300.0, 140.0, 70.0].map(|f| weak(f, 0.4)),
            [110.0; 6].map(|f| weak(f, 0.8)),
        ]
        .into_iter()
        .map(Vec::from)
        .chain([(0..4).map(|_| weak(110.0, 0.4)).collect()])
        {
            let mut obs = framed(frames);
            assert!(voice_held_pitches(&mut obs).iter().all(Option::is_none));
            assert!(viterbi(&obs).iter().all(Option::is_none));
        }
    }

    #[test]
    fn an_octave_riff_whose_attacks_were_not_heard_keeps_its_octaves() {
        // D2 and D3 in turn, 220 ms each at one level, no attack found (reverb and distortion):
        // each note keeps its octave.
        let mut f0 = Vec::new();
        for _ in 0..4 {
            f0.extend(run(73.42, 0.22));
            f0.extend(run(146.83, 0.22));
        }
        let mut t = track_of(f0.clone());
        unify_octaves(&mut t, &[0.0]);
        assert_eq!(t.f0_hz, f0);
        // A 100 ms octave is still a misreading.
        let mut f0 = run(73.42, 0.3);
        f0.extend(run(146.83, 0.1));
        f0.extend(run(73.42, 0.3));
        let mut t = track_of(f0);
        unify_octaves(&mut t, &[0.0]);
        assert!(t.f0_hz.iter().all(|f| (f - 73.42).abs() < 0.1));
    }

    #[test]
    fn subharmonic_heads_and_legato_changes() {
        // A 110 ms head two octaves down, then the note for a second.
        let mut f0 = run(92.5, 0.11);
        f0.extend(run(370.0, 1.0));
        let mut t = track_of(f0);
        unify_octaves(&mut t, &[0.0]);
        assert!(t.f0_hz.iter().all(|f| (f - 370.0).abs() < 0.1));
        // E2, a hammer-on to G2 (a new reference), G2's octave taking over as the string
        // decays: G2, not E2.
        let mut f0 = run(82.41, 0.3);
        f0.extend(run(98.0, 0.3));
        f0.extend(run(196.0, 0.5));
        let mut t = decaying(track_of(f0), 30.0);
        unify_octaves(&mut t, &[0.0]);
        assert!(t.f0_hz[..30].iter().all(|f| (f - 82.41).abs() < 0.1));
        assert!(t.f0_hz[30..].iter().all(|f| (f - 98.0).abs() < 0.1));
        // A legato note whose first 40 ms read a third of it: the head joins the note, and the
        // note is not taken for the head's harmonic.
        let mut f0 = run(220.0, 0.25);
        f0.extend(run(87.3, 0.05));
        f0.extend(run(261.9, 0.15));
        let mut t = track_of(f0);
        unify_octaves(&mut t, &[0.0]);
        assert!(
            t.f0_hz[25..].iter().all(|f| (f - 261.9).abs() < 0.1),
            "{:?}",
            t.f0_hz
        );
    }
}
