//! A forward real-to-complex FFT that gives realfft's results bit for bit, with the step that
//! turns the half-length complex transform into the real signal's spectrum done four bins at a
//! time on AVX2 (realfft's scalar loop over mirrored bins was a tenth of an analysis's time).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, FftError, RealFftPlanner, RealToComplex};
use rustfft::{Fft, FftPlanner};

/// Plans kept per length, for the whole process: an analysis plans the same few lengths every
/// time, and planning (twiddles, the algorithm's choice) was a few per cent of a take's
/// analysis. Shared by all threads, so a server's worker threads, which come and go, never
/// plan again once one of them has. At most this many of each kind are kept (a stream at an
/// unusual rate plans others).
const KEPT_PLANS: usize = 32;

/// A process-wide cache of plans by length.
type Plans<P> = Mutex<Option<HashMap<usize, Arc<P>>>>;

static FORWARD: Plans<dyn RealToComplex<f32>> = Mutex::new(None);
static INVERSE: Plans<dyn ComplexToReal<f32>> = Mutex::new(None);

/// A plan from the cache, or a new one kept there while there is room.
fn cached<P: ?Sized>(cache: &Plans<P>, len: usize, plan: impl FnOnce() -> Arc<P>) -> Arc<P> {
    // A panic elsewhere while the lock was held leaves a map that is still whole.
    let lock = || cache.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(p) = lock().as_ref().and_then(|c| c.get(&len)) {
        return p.clone();
    }
    // Planned outside the lock: two threads may both plan a length once; the first kept wins.
    let p = plan();
    let mut guard = lock();
    let c = guard.get_or_insert_with(HashMap::new);
    if let Some(kept) = c.get(&len) {
        return kept.clone();
    }
    if c.len() < KEPT_PLANS {
        c.insert(len, p.clone());
    }
    p
}

/// Plans a forward real FFT of `len` samples: this module's for lengths divisible by four,
/// realfft's otherwise.
pub fn forward(len: usize) -> Arc<dyn RealToComplex<f32>> {
    cached(&FORWARD, len, || {
        if len >= 8 && len.is_multiple_of(4) {
            Arc::new(RealToComplexFast::new(len))
        } else {
            RealFftPlanner::<f32>::new().plan_fft_forward(len)
        }
    })
}

/// Plans an inverse (complex-to-real) FFT of `len` samples (realfft's).
pub fn inverse(len: usize) -> Arc<dyn ComplexToReal<f32>> {
    cached(&INVERSE, len, || {
        RealFftPlanner::<f32>::new().plan_fft_inverse(len)
    })
}

/// A real FFT of `len` (divisible by four) through a complex FFT of `len / 2`.
struct RealToComplexFast {
    len: usize,
    fft: Arc<dyn Fft<f32>>,
    /// Half of e^(−2πik/len) for k in 1..len/4, as realfft computes them.
    twiddles: Vec<Complex<f32>>,
    scratch_len: usize,
}

impl RealToComplexFast {
    fn new(len: usize) -> Self {
        let twiddles = (1..len / 4)
            .map(|i| {
                let angle = -2f64 * std::f64::consts::PI / len as f64 * i as f64;
                Complex::new(angle.cos() as f32, angle.sin() as f32) * 0.5f32
            })
            .collect();
        let fft = FftPlanner::<f32>::new().plan_fft_forward(len / 2);
        let scratch_len = fft.get_outofplace_scratch_len();
        RealToComplexFast {
            len,
            fft,
            twiddles,
            scratch_len,
        }
    }
}

/// One mirrored pair of bins, exactly as realfft's scalar loop computes it.
#[inline(always)]
fn pair(tw: Complex<f32>, out: &mut Complex<f32>, rev: &mut Complex<f32>) {
    let sum = *out + *rev;
    let diff = *out - *rev;
    let twiddled_re_sum = sum * tw.re;
    let twiddled_im_sum = sum * tw.im;
    let twiddled_re_diff = diff * tw.re;
    let twiddled_im_diff = diff * tw.im;
    let half_sum_re = 0.5f32 * sum.re;
    let half_diff_im = 0.5f32 * diff.im;
    let re = twiddled_re_sum.im + twiddled_im_diff.re;
    let im = twiddled_im_sum.im - twiddled_re_diff.re;
    *out = Complex::new(half_sum_re + re, half_diff_im + im);
    *rev = Complex::new(half_sum_re - re, im - half_diff_im);
}

/// Pairs (k, m − k) for k from `from` to `m / 2` (exclusive), one at a time.
fn pairs_scalar(twiddles: &[Complex<f32>], output: &mut [Complex<f32>], m: usize, from: usize) {
    for k in from..m / 2 {
        let (left, right) = output.split_at_mut(m - k);
        pair(twiddles[k - 1], &mut left[k], &mut right[0]);
    }
}

/// Pairs (k, m − k) four at a time on AVX2; returns the first k it left for the scalar loop.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn pairs_avx2(twiddles: &[Complex<f32>], output: &mut [Complex<f32>], m: usize) -> usize {
    use std::arch::x86_64::*;
    let mut k = 1;
    // The left block k..k+4 stays below m/2 and the mirrored block m−k−3..=m−k above it.
    while k + 4 <= m / 2 {
        let tw = &twiddles[k - 1..k + 3];
        let (left, right) = output.split_at_mut(m - k - 3);
        let left = &mut left[k..k + 4];
        let right = &mut right[..4];
        // SAFETY: each slice holds 4 complex f32 = 8 f32, the width of one unaligned load or
        // store; Complex<f32> is repr(C) (re, im).
        unsafe {
            let a = _mm256_loadu_ps(left.as_ptr().cast::<f32>());
            let b_raw = _mm256_loadu_ps(right.as_ptr().cast::<f32>());
            // Mirror order: bin m−k first.
            let b = _mm256_castpd_ps(_mm256_permute4x64_pd::<0x1B>(_mm256_castps_pd(b_raw)));
            let t = _mm256_loadu_ps(tw.as_ptr().cast::<f32>());
            let tr = _mm256_moveldup_ps(t);
            let ti = _mm256_movehdup_ps(t);
            let sum = _mm256_add_ps(a, b);
            let diff = _mm256_sub_ps(a, b);
            let sum_re = _mm256_moveldup_ps(sum);
            let sum_im = _mm256_movehdup_ps(sum);
            let diff_re = _mm256_moveldup_ps(diff);
            let diff_im = _mm256_movehdup_ps(diff);
            let half = _mm256_set1_ps(0.5);
            let half_sum_re = _mm256_mul_ps(half, sum_re);
            let half_diff_im = _mm256_mul_ps(half, diff_im);
            // The same products and sums in the same order as `pair`: no fused multiply-add.
            let re = _mm256_add_ps(_mm256_mul_ps(sum_im, tr), _mm256_mul_ps(diff_re, ti));
            let im = _mm256_sub_ps(_mm256_mul_ps(sum_im, ti), _mm256_mul_ps(diff_re, tr));
            let out = _mm256_blend_ps::<0xAA>(
                _mm256_add_ps(half_sum_re, re),
                _mm256_add_ps(half_diff_im, im),
            );
            let rev = _mm256_blend_ps::<0xAA>(
                _mm256_sub_ps(half_sum_re, re),
                _mm256_sub_ps(im, half_diff_im),
            );
            let rev = _mm256_castpd_ps(_mm256_permute4x64_pd::<0x1B>(_mm256_castps_pd(rev)));
            _mm256_storeu_ps(left.as_mut_ptr().cast::<f32>(), out);
            _mm256_storeu_ps(right.as_mut_ptr().cast::<f32>(), rev);
        }
        k += 4;
    }
    k
}

impl RealToComplex<f32> for RealToComplexFast {
    fn process(&self, input: &mut [f32], output: &mut [Complex<f32>]) -> Result<(), FftError> {
        let mut scratch = self.make_scratch_vec();
        self.process_with_scratch(input, output, &mut scratch)
    }

    fn process_with_scratch(
        &self,
        input: &mut [f32],
        output: &mut [Complex<f32>],
        scratch: &mut [Complex<f32>],
    ) -> Result<(), FftError> {
        if input.len() != self.len {
            return Err(FftError::InputBuffer(self.len, input.len()));
        }
        let m = self.len / 2;
        if output.len() != m + 1 {
            return Err(FftError::OutputBuffer(m + 1, output.len()));
        }
        if scratch.len() < self.scratch_len {
            return Err(FftError::ScratchBuffer(self.scratch_len, scratch.len()));
        }
        // Even samples as real parts, odd ones as imaginary parts: a complex signal of m.
        let buf_in = as_complex(input);
        self.finish(buf_in, output, scratch, m)
    }

    fn get_scratch_len(&self) -> usize {
        self.scratch_len
    }

    fn len(&self) -> usize {
        self.len
    }

    fn make_input_vec(&self) -> Vec<f32> {
        vec![0.0; self.len]
    }

    fn make_output_vec(&self) -> Vec<Complex<f32>> {
        vec![Complex::new(0.0, 0.0); self.len / 2 + 1]
    }

    fn make_scratch_vec(&self) -> Vec<Complex<f32>> {
        vec![Complex::new(0.0, 0.0); self.scratch_len]
    }
}

impl RealToComplexFast {
    fn finish(
        &self,
        buf_in: &mut [Complex<f32>],
        output: &mut [Complex<f32>],
        scratch: &mut [Complex<f32>],
        m: usize,
    ) -> Result<(), FftError> {
        self.fft
            .process_outofplace_with_scratch(buf_in, &mut output[..m], scratch);
        let first = output[0];
        output[0] = Complex::new(first.re + first.im, 0.0);
        output[m] = Complex::new(first.re - first.im, 0.0);
        let mut from = 1;
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 (checked just above).
            from = unsafe { pairs_avx2(&self.twiddles, output, m) };
        }
        pairs_scalar(&self.twiddles, output, m, from);
        // m is even (len divisible by four): the middle bin is its own mirror.
        output[m / 2].im = -output[m / 2].im;
        Ok(())
    }
}

/// `input` (of even length) seen as complex numbers: pairs of f32.
fn as_complex(input: &mut [f32]) -> &mut [Complex<f32>] {
    const { assert!(std::mem::align_of::<Complex<f32>>() == std::mem::align_of::<f32>()) };
    // SAFETY: Complex<f32> is repr(C) of two f32, with f32's alignment (asserted above); the
    // slice holds len / 2 whole pairs and the borrow moves into the result.
    unsafe {
        std::slice::from_raw_parts_mut(input.as_mut_ptr().cast::<Complex<f32>>(), input.len() / 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic test signal: a few sines, a click and a slow ramp.
    fn signal(n: usize, seed: u32) -> Vec<f32> {
        let mut x = seed.wrapping_mul(2_654_435_761);
        (0..n)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                let noise = (x as f32 / u32::MAX as f32) - 0.5;
                let t = i as f32 / n as f32;
                (t * 440.0).sin() * 0.7 + (t * 3_001.0).cos() * 0.2 + noise * 0.1 + t * 0.05
            })
            .collect()
    }

    #[test]
    fn gives_realfft_results_bit_for_bit() {
        for len in [8, 12, 20, 768, 1024, 1536, 2048, 4096] {
            let ours = forward(len);
            let theirs = RealFftPlanner::<f32>::new().plan_fft_forward(len);
            for seed in 1..4 {
                let mut a = signal(len, seed);
                let mut b = a.clone();
                let mut out_a = ours.make_output_vec();
                let mut out_b = theirs.make_output_vec();
                let mut s_a = ours.make_scratch_vec();
                let mut s_b = theirs.make_scratch_vec();
                assert!(
                    ours.process_with_scratch(&mut a, &mut out_a, &mut s_a)
                        .is_ok()
                );
                assert!(
                    theirs
                        .process_with_scratch(&mut b, &mut out_b, &mut s_b)
                        .is_ok()
                );
                for (k, (x, y)) in out_a.iter().zip(&out_b).enumerate() {
                    assert_eq!(
                        (x.re.to_bits(), x.im.to_bits()),
                        (y.re.to_bits(), y.im.to_bits()),
                        "length {len}, seed {seed}, bin {k}: {x} against {y}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_scalar_path_gives_the_same_bins() {
        let len = 2048;
        let plan = RealToComplexFast::new(len);
        let mut input = signal(len, 9);
        let mut expected = plan.make_output_vec();
        let mut scratch = plan.make_scratch_vec();
        assert!(
            plan.process_with_scratch(&mut input.clone(), &mut expected, &mut scratch)
                .is_ok()
        );
        let m = len / 2;
        let mut out = plan.make_output_vec();
        plan.fft.process_outofplace_with_scratch(
            as_complex(&mut input),
            &mut out[..m],
            &mut scratch,
        );
        let first = out[0];
        out[0] = Complex::new(first.re + first.im, 0.0);
        out[m] = Complex::new(first.re - first.im, 0.0);
        pairs_scalar(&plan.twiddles, &mut out, m, 1);
        out[m / 2].im = -out[m / 2].im;
        assert_eq!(out, expected);
    }

    #[test]
    fn wrong_buffer_lengths_are_errors() {
        let plan = forward(1024);
        let mut input = vec![0.0f32; 1000];
        let mut out = plan.make_output_vec();
        assert!(plan.process(&mut input, &mut out).is_err());
        let mut input = plan.make_input_vec();
        let mut short = vec![Complex::new(0.0f32, 0.0); 10];
        assert!(plan.process(&mut input, &mut short).is_err());
    }
}
