//! Mains hum: a steady 50 or 60 Hz line and its harmonics (a ground loop, a single-coil pickup)
//! is found and notched out before a take is analysed, so the pitch tracker does not follow the
//! hum instead of the guitar. A recording without such lines is passed on untouched.

use std::borrow::Cow;

use crate::stft::Stft;

/// Analysis window for finding lines: 8,192 samples (2.7 Hz per bin at 22,050 Hz).
const N_FFT: usize = 8192;
/// Frames looked at, at most (about 22 s at 22,050 Hz): the hum is steady, and a long file
/// should not pay for looking further.
const MAX_FRAMES: usize = 60;
/// Frames needed to call a line steady.
const MIN_FRAMES: usize = 4;
/// Harmonics of the mains frequency looked at.
const HARMONICS: usize = 12;
/// How far above the spectrum beside it (dB) a harmonic must stand in three frames of four to
/// be a line: a played note sits at one frequency for a while, the hum all the time.
const LINE_DB: f64 = 12.0;
/// Lines needed (among the harmonics) to call it hum.
const MIN_LINES: usize = 2;
/// Once there is hum, a harmonic this far above its surroundings (dB, three frames in four)
/// is part of it too: weak harmonics left in still make a pitch of their own.
const EXTENT_DB: f64 = 6.0;
/// Width of each notch, Hz.
const NOTCH_HZ: f64 = 3.0;

/// Hum found in a recording.
#[derive(Debug, Clone, PartialEq)]
pub struct Hum {
    /// 50 or 60 (as measured, e.g. 59.9).
    pub mains_hz: f64,
    /// The harmonics that stand out as lines, Hz.
    pub lines_hz: Vec<f64>,
    /// How many of them stand out clearly ([`LINE_DB`]).
    pub strong: usize,
}

/// Finds steady mains lines in `samples` at `rate` Hz.
pub fn detect(samples: &[f32], rate: u32) -> Option<Hum> {
    let mut stft = Stft::new(N_FFT, N_FFT);
    let frames = stft.frame_count(samples.len()).min(MAX_FRAMES);
    if frames < MIN_FRAMES {
        return None;
    }
    let bin_hz = f64::from(rate) / N_FFT as f64;
    // (mains, harmonic) → per-frame ratio of the line over its surroundings, and where it peaks.
    let candidates: Vec<(f64, usize)> = [50.0, 60.0]
        .iter()
        .flat_map(|&m| (1..=HARMONICS).map(move |k| (m, k)))
        .filter(|&(m, k)| m * (k as f64) < f64::from(rate) / 2.0 - 50.0)
        .collect();
    let mut ratios: Vec<Vec<f64>> = vec![Vec::with_capacity(frames); candidates.len()];
    let mut peaks: Vec<Vec<f64>> = vec![Vec::with_capacity(frames); candidates.len()];
    let limit = (frames * N_FFT).min(samples.len());
    stft.power_frames(&samples[..limit], |f, power| {
        if f >= frames {
            return;
        }
        for (c, &(mains, k)) in candidates.iter().enumerate() {
            let hz = mains * k as f64;
            // The grid drifts by up to 0.5 %; a line is the strongest bin within that.
            let reach = (hz * 0.005 / bin_hz).ceil() as usize + 1;
            let centre = (hz / bin_hz).round() as usize;
            let lo = centre.saturating_sub(reach);
            let hi = (centre + reach).min(power.len() - 1);
            let Some((at, line)) = (lo..=hi)
                .map(|b| (b, f64::from(power[b])))
                .max_by(|a, b| a.1.total_cmp(&b.1))
            else {
                continue;
            };
            // Beside it: 6–15 Hz away on both sides (outside a Hann window's main lobe).
            let near = (6.0 / bin_hz).ceil() as usize;
            let far = (15.0 / bin_hz).ceil() as usize;
            let mut side: Vec<f64> = (near..=far)
                .flat_map(|d| [at.checked_sub(d), Some(at + d)])
                .flatten()
                .filter(|&b| b < power.len())
                .map(|b| f64::from(power[b]))
                .collect();
            side.sort_by(f64::total_cmp);
            let floor = side.get(side.len() / 2).copied().unwrap_or(0.0).max(1e-20);
            ratios[c].push(10.0 * (line / floor).log10());
            // Parabolic interpolation of the peak for the line's exact frequency.
            let (l, r) = (
                f64::from(power[at.saturating_sub(1)]).max(1e-30).ln(),
                f64::from(power[(at + 1).min(power.len() - 1)])
                    .max(1e-30)
                    .ln(),
            );
            let m = line.max(1e-30).ln();
            let denom = l - 2.0 * m + r;
            let shift = if denom.abs() > 1e-12 {
                (0.5 * (l - r) / denom).clamp(-0.5, 0.5)
            } else {
                0.0
            };
            peaks[c].push((at as f64 + shift) * bin_hz);
        }
    });
    let mut best: Option<Hum> = None;
    for mains in [50.0, 60.0] {
        let mut lines = Vec::new();
        for (c, &(m, k)) in candidates.iter().enumerate() {
            if m != mains || ratios[c].len() < MIN_FRAMES {
                continue;
            }
            let want = m * k as f64;
            let mut r = ratios[c].clone();
            r.sort_by(f64::total_cmp);
            // Three frames in four: a note held for a while does not make a line.
            let steady = r[r.len() / 4];
            let mut p = peaks[c].clone();
            p.sort_by(f64::total_cmp);
            let at = p[p.len() / 2];
            // On the mains grid (0.3 %, plus a quarter bin for the peak's interpolation): a
            // note near a harmonic (D3 at 146.8 Hz, D#3 at 155.6 Hz beside 150) is not on it.
            let on_grid = (at - want).abs() <= 0.003 * want + 0.25 * bin_hz;
            if steady >= EXTENT_DB && on_grid {
                lines.push((at, steady >= LINE_DB));
            }
        }
        let strong = lines.iter().filter(|l| l.1).count();
        if strong >= MIN_LINES && best.as_ref().is_none_or(|b| strong > b.strong) {
            let lines: Vec<f64> = lines.into_iter().map(|l| l.0).collect();
            // The mains frequency from the lines: each harmonic's estimate, median.
            let mut est: Vec<f64> = lines
                .iter()
                .map(|hz| hz / (hz / mains).round().max(1.0))
                .collect();
            est.sort_by(f64::total_cmp);
            best = Some(Hum {
                mains_hz: est[est.len() / 2],
                lines_hz: lines,
                strong,
            });
        }
    }
    best
}

/// `samples` with any mains hum notched out (forward and backward, so nothing is delayed);
/// the same samples, not a copy, when there is none.
pub fn remove(samples: &[f32], rate: u32) -> Cow<'_, [f32]> {
    let Some(hum) = detect(samples, rate) else {
        return Cow::Borrowed(samples);
    };
    let mut x: Vec<f64> = samples.iter().map(|v| f64::from(*v)).collect();
    // Every harmonic up to the highest line: the weaker ones between are hum as well, and
    // left in they still make a pitch at the mains frequency.
    let top = hum
        .lines_hz
        .iter()
        .map(|hz| (hz / hum.mains_hz).round() as usize)
        .max()
        .unwrap_or(0);
    for k in 1..=top {
        let hz = hum
            .lines_hz
            .iter()
            .copied()
            .find(|hz| (hz / hum.mains_hz).round() as usize == k)
            .unwrap_or(hum.mains_hz * k as f64);
        let notch = Notch::new(hz, NOTCH_HZ, f64::from(rate));
        notch.run(&mut x);
        x.reverse();
        notch.run(&mut x);
        x.reverse();
    }
    Cow::Owned(x.into_iter().map(|v| v as f32).collect())
}

/// A biquad notch (RBJ's cookbook), in f64: at 50 Hz and 22 kHz its poles sit close to the
/// unit circle, where f32 coefficients would drift.
struct Notch {
    b: [f64; 3],
    a: [f64; 2],
}

impl Notch {
    fn new(hz: f64, width_hz: f64, rate: f64) -> Self {
        let w0 = 2.0 * std::f64::consts::PI * hz / rate;
        let q = hz / width_hz;
        let alpha = w0.sin() / (2.0 * q);
        let a0 = 1.0 + alpha;
        let cos = w0.cos();
        Notch {
            b: [1.0 / a0, -2.0 * cos / a0, 1.0 / a0],
            a: [-2.0 * cos / a0, (1.0 - alpha) / a0],
        }
    }

    fn run(&self, x: &mut [f64]) {
        let (mut x1, mut x2, mut y1, mut y2) = (0.0, 0.0, 0.0, 0.0);
        for v in x.iter_mut() {
            let y =
                self.b[0] * *v + self.b[1] * x1 + self.b[2] * x2 - self.a[0] * y1 - self.a[1] * y2;
            x2 = x1;
            x1 = *v;
            y2 = y1;
            y1 = y;
            *v = y;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: u32 = 22_050;

    fn tone(hz: f64, amp: f64, secs: f64) -> Vec<f32> {
        (0..(secs * f64::from(RATE)) as usize)
            .map(|i| {
                (amp * (2.0 * std::f64::consts::PI * hz * i as f64 / f64::from(RATE)).sin()) as f32
            })
            .collect()
    }

    /// A plucked note every half second (A2 to E4, decaying), the kind of take hum lies under.
    fn notes(secs: f64) -> Vec<f32> {
        let mut out = vec![0.0f32; (secs * f64::from(RATE)) as usize];
        let pitches = [110.0, 146.83, 196.0, 246.94, 329.63, 164.81];
        for (n, start) in (0..(secs * 2.0) as usize).map(|n| (n, n as f64 * 0.5)) {
            let f = pitches[n % pitches.len()];
            let s = (start * f64::from(RATE)) as usize;
            for (i, o) in out.iter_mut().skip(s).take(RATE as usize / 2).enumerate() {
                let t = i as f64 / f64::from(RATE);
                let v: f64 = (1..=6)
                    .map(|k| (2.0 * std::f64::consts::PI * f * k as f64 * t).sin() / k as f64)
                    .sum();
                *o += (0.3 * v * (-t * 4.0).exp()) as f32;
            }
        }
        out
    }

    #[test]
    fn finds_and_removes_mains_hum() {
        for mains in [50.0, 60.0] {
            let mut x = notes(6.0);
            for k in 1..=5 {
                let h = tone(mains * k as f64, 0.05 / k as f64, 6.0);
                for (a, b) in x.iter_mut().zip(&h) {
                    *a += b;
                }
            }
            let hum = detect(&x, RATE).expect("hum");
            assert!((hum.mains_hz - mains).abs() < 0.5, "{hum:?}");
            assert!(hum.lines_hz.len() >= 3, "{hum:?}");
            let cleaned = remove(&x, RATE);
            // What is left at the fundamental after the notch: under a tenth of its amplitude.
            let probe = |s: &[f32]| -> f64 {
                let (mut re, mut im) = (0.0, 0.0);
                for (i, v) in s
                    .iter()
                    .enumerate()
                    .skip(RATE as usize)
                    .take(4 * RATE as usize)
                {
                    let ph = 2.0 * std::f64::consts::PI * mains * i as f64 / f64::from(RATE);
                    re += f64::from(*v) * ph.cos();
                    im += f64::from(*v) * ph.sin();
                }
                (re * re + im * im).sqrt()
            };
            assert!(probe(&cleaned) < 0.1 * probe(&x), "{mains} Hz");
            assert!(detect(&cleaned, RATE).is_none());
        }
    }

    #[test]
    fn leaves_a_take_without_hum_untouched() {
        let x = notes(6.0);
        assert!(detect(&x, RATE).is_none());
        assert!(matches!(remove(&x, RATE), Cow::Borrowed(_)));
        // A note held through the whole take (G2, near 100 Hz) is one line, not a mains series.
        let mut held = notes(6.0);
        for (a, b) in held.iter_mut().zip(tone(98.0, 0.1, 6.0)) {
            *a += b;
        }
        assert!(detect(&held, RATE).is_none());
        // Too short to tell.
        assert!(detect(&x[..RATE as usize], RATE).is_none());
    }
}
