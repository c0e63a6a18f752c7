//! Spectral shape: a mel filter bank (Slaney's mel scale and area normalisation, as librosa's
//! default) shared by the onset detector and the dataset features — spectral centroid, roll-off,
//! flatness and MFCCs, with librosa's definitions so the numbers can be compared with it.

use serde::{Deserialize, Serialize};

use crate::stft::Stft;

/// Triangular mel filters over the bins of an `n_fft` spectrum.
pub struct MelBank {
    /// Per band: first bin and weights from there.
    bands: Vec<(usize, Vec<f32>)>,
}

fn hz_to_mel(f: f64) -> f64 {
    // Slaney: linear below 1 kHz, logarithmic above.
    let (f_sp, min_log_hz) = (200.0 / 3.0, 1000.0);
    let min_log_mel = min_log_hz / f_sp;
    let logstep = 6.4f64.ln() / 27.0;
    if f >= min_log_hz {
        min_log_mel + (f / min_log_hz).ln() / logstep
    } else {
        f / f_sp
    }
}

fn mel_to_hz(m: f64) -> f64 {
    let (f_sp, min_log_hz) = (200.0 / 3.0, 1000.0);
    let min_log_mel = min_log_hz / f_sp;
    let logstep = 6.4f64.ln() / 27.0;
    if m >= min_log_mel {
        min_log_hz * (logstep * (m - min_log_mel)).exp()
    } else {
        f_sp * m
    }
}

impl MelBank {
    /// `n_mels` bands between `f_min` and `f_max` Hz.
    pub fn new(n_mels: usize, n_fft: usize, rate: u32, f_min: f64, f_max: f64) -> Self {
        let bins = n_fft / 2 + 1;
        let (lo, hi) = (hz_to_mel(f_min), hz_to_mel(f_max));
        let edges: Vec<f64> = (0..n_mels + 2)
            .map(|i| mel_to_hz(lo + (hi - lo) * i as f64 / (n_mels + 1) as f64))
            .collect();
        let bin_hz = f64::from(rate) / n_fft as f64;
        let bands = (0..n_mels)
            .map(|m| {
                let (l, c, r) = (edges[m], edges[m + 1], edges[m + 2]);
                let norm = 2.0 / (r - l);
                // Only the bins between the band's edges can weigh (one either side for
                // rounding; the filter below decides): a band, not the whole spectrum, per band.
                let first_bin = ((l / bin_hz).floor().max(0.0) as usize).saturating_sub(1);
                let last_bin = ((r / bin_hz).ceil().max(0.0) as usize + 2).min(bins);
                let weights: Vec<(usize, f32)> = (first_bin..last_bin)
                    .filter_map(|k| {
                        let f = k as f64 * bin_hz;
                        let w = ((f - l) / (c - l)).min((r - f) / (r - c));
                        (w > 0.0).then_some((k, (w * norm) as f32))
                    })
                    .collect();
                let first = weights.first().map_or(0, |w| w.0);
                (first, weights.into_iter().map(|w| w.1).collect())
            })
            .collect();
        Self { bands }
    }

    /// Band energies of one power (or magnitude) spectrum.
    pub fn apply(&self, spectrum: &[f32], out: &mut [f32]) {
        for ((first, w), o) in self.bands.iter().zip(out.iter_mut()) {
            *o = spectrum[*first..]
                .iter()
                .zip(w)
                .map(|(s, w)| s * w)
                .sum::<f32>();
        }
    }
}

/// Spectral-shape features of a whole clip (means over frames with sound).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SpectralFeatures {
    /// Mean spectral centroid, Hz (brightness).
    pub spectral_centroid_hz: f64,
    /// Mean frequency below which 85 % of the magnitude lies, Hz.
    pub spectral_rolloff_hz: f64,
    /// Mean spectral flatness, 0 (tonal) – 1 (noise).
    pub spectral_flatness: f64,
    /// Mean of 13 MFCCs (128 Slaney mel bands, dB, orthonormal DCT-II).
    pub mfcc_mean: Vec<f64>,
    /// Standard deviation of the same MFCCs.
    pub mfcc_std: Vec<f64>,
}

/// One analysis frame's shape.
struct Frame {
    energy: f64,
    centroid: f64,
    rolloff: f64,
    flatness: f64,
    mfcc: [f64; N_MFCC],
}

/// MFCCs kept.
pub const N_MFCC: usize = 13;

/// Centroid, roll-off, flatness and MFCC statistics with librosa's definitions (2048-sample
/// frames, 512 hop, Hann window); frames more than 60 dB below the loudest are left out so
/// silence between takes does not dilute the means.
pub fn spectral_features(samples: &[f32], rate: u32) -> SpectralFeatures {
    const N_FFT: usize = 2048;
    const HOP: usize = 512;
    const N_MELS: usize = 128;
    let mut stft = Stft::new(N_FFT, HOP);
    let bank = MelBank::new(N_MELS, N_FFT, rate, 0.0, f64::from(rate) / 2.0);
    let frames = stft.frame_count(samples.len());
    let bins = N_FFT / 2 + 1;
    let bin_hz = f64::from(rate) / N_FFT as f64;
    let mut mel = vec![0.0f32; N_MELS];
    let mut mags: Vec<f64> = Vec::with_capacity(bins);
    let mut rows: Vec<Frame> = Vec::with_capacity(frames);
    // Every frame's band levels in dB, one row of N_MELS after another.
    let mut mel_db: Vec<f64> = Vec::with_capacity(frames * N_MELS);
    let amin = 1e-10f64;
    stft.power_frames(samples, |_, power| {
        mags.clear();
        mags.extend(power.iter().map(|p| f64::from(*p).sqrt()));
        let [total, energy, moment] = lane_sums(&mags, power);
        let centroid = if total > 0.0 {
            moment * bin_hz / total
        } else {
            0.0
        };
        let mut acc = 0.0;
        let mut rolloff = 0.0;
        for (k, m) in mags.iter().enumerate() {
            acc += m;
            if acc >= 0.85 * total {
                rolloff = k as f64 * bin_hz;
                break;
            }
        }
        let (log_sum, lin_sum) = log_and_linear_sums(power, amin);
        let flatness = (log_sum / bins as f64).exp() / (lin_sum / bins as f64);
        bank.apply(power, &mut mel);
        mel_db.extend(
            mel.iter()
                .map(|m| 10.0 * f64::from(m.max(amin as f32).log10())),
        );
        rows.push(Frame {
            energy,
            centroid,
            rolloff,
            flatness,
            mfcc: [0.0; N_MFCC],
        });
    });
    // librosa's power_to_db(top_db=80): nothing more than 80 dB below the loudest band value.
    let top = mel_db.iter().fold(f64::NEG_INFINITY, |m, v| m.max(*v));
    // Orthonormal DCT-II basis, computed once, by band: a band's level feeds every coefficient.
    let dct: Vec<[f64; N_MFCC]> = (0..N_MELS)
        .map(|n| {
            std::array::from_fn(|k| {
                let scale = if k == 0 {
                    (1.0 / N_MELS as f64).sqrt()
                } else {
                    (2.0 / N_MELS as f64).sqrt()
                };
                scale
                    * (std::f64::consts::PI * k as f64 * (2.0 * n as f64 + 1.0)
                        / (2.0 * N_MELS as f64))
                        .cos()
            })
        })
        .collect();
    for (row, db) in rows.iter_mut().zip(mel_db.chunks_exact(N_MELS)) {
        for (d, basis) in db.iter().zip(&dct) {
            let d = d.max(top - 80.0);
            for (c, b) in row.mfcc.iter_mut().zip(basis) {
                *c += d * b;
            }
        }
    }
    let loudest = rows.iter().map(|r| r.energy).fold(0.0f64, f64::max);
    let kept: Vec<_> = rows
        .into_iter()
        .filter(|r| loudest > 0.0 && r.energy >= loudest * 1e-6)
        .collect();
    let n = kept.len().max(1) as f64;
    let round = |x: f64, d: i32| (x * 10f64.powi(d)).round() / 10f64.powi(d);
    let mean = |f: &dyn Fn(&Frame) -> f64| kept.iter().map(f).sum::<f64>() / n;
    let mfcc_mean: Vec<f64> = (0..N_MFCC).map(|k| mean(&|r| r.mfcc[k])).collect();
    let mfcc_std: Vec<f64> = (0..N_MFCC)
        .map(|k| mean(&|r| (r.mfcc[k] - mfcc_mean[k]).powi(2)).sqrt())
        .collect();
    SpectralFeatures {
        spectral_centroid_hz: round(mean(&|r| r.centroid), 1),
        spectral_rolloff_hz: round(mean(&|r| r.rolloff), 1),
        spectral_flatness: round(mean(&|r| r.flatness), 5),
        mfcc_mean: mfcc_mean.iter().map(|v| round(*v, 2)).collect(),
        mfcc_std: mfcc_std.iter().map(|v| round(*v, 2)).collect(),
    }
}

/// Σ magnitude, Σ power and Σ bin · magnitude of one frame, in four lanes (four short
/// dependency chains instead of one long one: the sums were most of the features' time).
fn lane_sums(mags: &[f64], power: &[f32]) -> [f64; 3] {
    let mut lanes = [[0.0f64; 4]; 3];
    let mut quads = mags.chunks_exact(4).zip(power.chunks_exact(4));
    for (q, (m4, p4)) in (&mut quads).enumerate() {
        for l in 0..4 {
            lanes[0][l] += m4[l];
            lanes[1][l] += f64::from(p4[l]);
            lanes[2][l] += (4 * q + l) as f64 * m4[l];
        }
    }
    let done = mags.len() / 4 * 4;
    for k in done..mags.len().min(power.len()) {
        lanes[0][0] += mags[k];
        lanes[1][0] += f64::from(power[k]);
        lanes[2][0] += k as f64 * mags[k];
    }
    lanes.map(|l| (l[0] + l[1]) + (l[2] + l[3]))
}

/// Σ ln max(p, floor) and Σ max(p, floor) over a power spectrum, with one logarithm per lane:
/// each lane multiplies its values and moves the product's binary exponent into an integer
/// every eight factors (a power spectrum's values lie far inside 1e±38, so eight of them stay
/// inside f64's range and never become subnormal).
fn log_and_linear_sums(power: &[f32], floor: f64) -> (f64, f64) {
    const EXPONENT: u64 = 0x7ff << 52;
    fn take_exponent(m: &mut f64, e: &mut i64) {
        let bits = m.to_bits();
        *e += ((bits & EXPONENT) >> 52) as i64 - 1023;
        *m = f64::from_bits((bits & !EXPONENT) | (1023 << 52));
    }
    let mut mant = [1.0f64; 4];
    let mut exps = [0i64; 4];
    let mut lin = [0.0f64; 4];
    let mut blocks = power.chunks_exact(32);
    for block in &mut blocks {
        for quad in block.chunks_exact(4) {
            for l in 0..4 {
                let p = f64::from(quad[l]).max(floor);
                mant[l] *= p;
                lin[l] += p;
            }
        }
        for l in 0..4 {
            take_exponent(&mut mant[l], &mut exps[l]);
        }
    }
    for (i, p) in blocks.remainder().iter().enumerate() {
        let p = f64::from(*p).max(floor);
        mant[0] *= p;
        lin[0] += p;
        if i % 8 == 7 {
            take_exponent(&mut mant[0], &mut exps[0]);
        }
    }
    let log2: f64 = (0..4).map(|l| exps[l] as f64 + mant[l].log2()).sum();
    (
        log2 * std::f64::consts::LN_2,
        (lin[0] + lin[1]) + (lin[2] + lin[3]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(f: f64, rate: u32, secs: f64) -> Vec<f32> {
        (0..(secs * f64::from(rate)) as usize)
            .map(|i| {
                (0.5 * (2.0 * std::f64::consts::PI * f * i as f64 / f64::from(rate)).sin()) as f32
            })
            .collect()
    }

    #[test]
    fn the_lane_sums_equal_the_plain_sums() {
        let power: Vec<f32> = (0..1025)
            .map(|k| {
                ((k * 7919 % 1000) as f32 * 1e-3).powi(3) * if k % 97 == 0 { 0.0 } else { 50.0 }
            })
            .collect();
        let mags: Vec<f64> = power.iter().map(|p| f64::from(*p).sqrt()).collect();
        let [total, energy, moment] = lane_sums(&mags, &power);
        let plain_total: f64 = mags.iter().sum();
        let plain_energy: f64 = power.iter().map(|p| f64::from(*p)).sum();
        let plain_moment: f64 = mags.iter().enumerate().map(|(k, m)| k as f64 * m).sum();
        assert!((total - plain_total).abs() <= 1e-9 * plain_total);
        assert!((energy - plain_energy).abs() <= 1e-9 * plain_energy);
        assert!((moment - plain_moment).abs() <= 1e-9 * plain_moment);
        let (log_sum, lin_sum) = log_and_linear_sums(&power, 1e-10);
        let plain_log: f64 = power.iter().map(|p| f64::from(*p).max(1e-10).ln()).sum();
        let plain_lin: f64 = power.iter().map(|p| f64::from(*p).max(1e-10)).sum();
        assert!(
            (log_sum - plain_log).abs() <= 1e-9 * plain_log.abs(),
            "{log_sum} {plain_log}"
        );
        assert!((lin_sum - plain_lin).abs() <= 1e-9 * plain_lin);
    }

    #[test]
    fn a_sine_is_tonal_and_its_centroid_is_its_frequency() {
        let s = spectral_features(&sine(1000.0, 22_050, 1.0), 22_050);
        assert!((s.spectral_centroid_hz - 1000.0).abs() < 30.0, "{s:?}");
        assert!(s.spectral_flatness < 0.01, "{s:?}");
        assert_eq!(s.mfcc_mean.len(), N_MFCC);
    }

    #[test]
    fn white_noise_is_flat_and_bright() {
        let mut state = 7u64;
        let noise: Vec<f32> = (0..22_050)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                ((state % 2000) as f32 / 1000.0 - 1.0) * 0.3
            })
            .collect();
        let s = spectral_features(&noise, 22_050);
        assert!(s.spectral_flatness > 0.4, "{s:?}");
        assert!(s.spectral_centroid_hz > 4000.0, "{s:?}");
        assert!(s.spectral_rolloff_hz > 8000.0, "{s:?}");
    }

    #[test]
    fn each_band_holds_every_bin_a_scan_of_the_whole_spectrum_would_give_it() {
        for (n_mels, n_fft, f_min) in [(128, 2048, 0.0), (64, 1024, 30.0), (40, 4096, 55.0)] {
            let bank = MelBank::new(n_mels, n_fft, 22_050, f_min, 11_025.0);
            let (lo, hi) = (hz_to_mel(f_min), hz_to_mel(11_025.0));
            let edges: Vec<f64> = (0..n_mels + 2)
                .map(|i| mel_to_hz(lo + (hi - lo) * i as f64 / (n_mels + 1) as f64))
                .collect();
            let bin_hz = 22_050.0 / n_fft as f64;
            for (m, (first, w)) in bank.bands.iter().enumerate() {
                let (l, c, r) = (edges[m], edges[m + 1], edges[m + 2]);
                let all: Vec<usize> = (0..n_fft / 2 + 1)
                    .filter(|k| {
                        let f = *k as f64 * bin_hz;
                        ((f - l) / (c - l)).min((r - f) / (r - c)) > 0.0
                    })
                    .collect();
                assert_eq!(all.first().copied().unwrap_or(0), *first, "band {m}");
                assert_eq!(all.len(), w.len(), "band {m}");
            }
        }
    }

    #[test]
    fn mel_bank_covers_the_range_without_empty_bands() {
        let bank = MelBank::new(64, 1024, 22_050, 30.0, 11_025.0);
        assert!(bank.bands.iter().all(|(_, w)| !w.is_empty()));
    }
}
