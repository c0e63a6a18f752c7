//! Short-time Fourier framing shared by onsets, spectral features and chords, so that their frame
//! times line up: frame `f` is centred on sample `f · hop` (half a window of zeros before the
//! first sample and after the last, librosa's `center=True`), Hann-windowed, and handed on as its
//! power spectrum.

use std::sync::Arc;

use realfft::RealToComplex;
use realfft::num_complex::Complex;

/// A periodic Hann window of `n` samples (as librosa's and scipy's `get_window("hann", n)`).
pub fn hann(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f32::consts::PI * i as f32 / n as f32).cos())
        .collect()
}

/// Centred, Hann-windowed frames of `n_fft` samples every `hop` samples, as power spectra.
pub struct Stft {
    n_fft: usize,
    hop: usize,
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    input: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    power: Vec<f32>,
}

impl Stft {
    /// A framing of `n_fft`-sample windows every `hop` samples (both at least 1).
    pub fn new(n_fft: usize, hop: usize) -> Self {
        let n_fft = n_fft.max(2);
        let fft = crate::rfft::forward(n_fft);
        Stft {
            n_fft,
            hop: hop.max(1),
            window: hann(n_fft),
            input: fft.make_input_vec(),
            spectrum: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            power: vec![0.0; n_fft / 2 + 1],
            fft,
        }
    }

    /// Frames over `len` samples: one centred on every hop from sample 0 to the end.
    pub fn frame_count(&self, len: usize) -> usize {
        len / self.hop + 1
    }

    /// Seconds at the centre of frame `f` at `rate` Hz.
    pub fn centre_s(&self, f: usize, rate: u32) -> f64 {
        (f * self.hop) as f64 / f64::from(rate.max(1))
    }

    /// Calls `visit(frame, power)` for every frame of `samples`, in order; `power` has
    /// `n_fft / 2 + 1` bins (squared magnitudes).
    pub fn power_frames(&mut self, samples: &[f32], mut visit: impl FnMut(usize, &[f32])) {
        let half = self.n_fft / 2;
        for f in 0..self.frame_count(samples.len()) {
            let centre = f * self.hop;
            // Window index i reads sample centre + i − half; outside the clip it reads zero.
            let first = half.saturating_sub(centre);
            let start = (centre + first) - half;
            let last = (first + samples.len().saturating_sub(start)).min(self.n_fft);
            self.input[..first].fill(0.0);
            for ((v, s), w) in self.input[first..last]
                .iter_mut()
                .zip(&samples[start..])
                .zip(&self.window[first..last])
            {
                *v = s * w;
            }
            self.input[last..].fill(0.0);
            // The buffers come from the plan, so the transform cannot fail on their lengths.
            if self
                .fft
                .process_with_scratch(&mut self.input, &mut self.spectrum, &mut self.scratch)
                .is_err()
            {
                continue;
            }
            for (p, c) in self.power.iter_mut().zip(&self.spectrum) {
                *p = c.norm_sqr();
            }
            visit(f, &self.power);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_centred_on_each_hop() {
        let mut stft = Stft::new(8, 4);
        // An impulse at sample 8: the frames centred at 8 and 12 hold it (at window index 4 and 0),
        // and the Hann window is zero at index 0, so only the frame centred on it carries energy.
        let mut x = vec![0.0f32; 16];
        x[8] = 1.0;
        let mut energy = Vec::new();
        stft.power_frames(&x, |f, p| energy.push((f, p.iter().sum::<f32>())));
        assert_eq!(energy.len(), stft.frame_count(16));
        assert_eq!(energy.len(), 5);
        let loud: Vec<usize> = energy
            .iter()
            .filter(|(_, e)| *e > 1e-6)
            .map(|(f, _)| *f)
            .collect();
        assert_eq!(loud, vec![2]);
        // The frame centred on the impulse weights it by the window's peak (1.0): a flat
        // spectrum of magnitude 1 in all 5 bins.
        assert!((energy[2].1 - 5.0).abs() < 1e-4, "{:?}", energy[2]);
        assert!((stft.centre_s(2, 8) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn short_and_empty_clips_get_one_frame() {
        let mut stft = Stft::new(1024, 256);
        let mut n = 0;
        stft.power_frames(&[], |_, _| n += 1);
        assert_eq!(n, 1);
        let mut n = 0;
        stft.power_frames(&[0.5; 10], |_, p| {
            assert_eq!(p.len(), 513);
            n += 1;
        });
        assert_eq!(n, 1);
    }
}
