//! Tempo and beats from the onset strength envelope: the tempo is the autocorrelation peak under a
//! log-normal prior around 120 bpm; beats come from dynamic programming that rewards strong onsets
//! and penalises gaps far from the beat period (Ellis 2007, the method behind librosa's
//! `beat_track`).

/// Σ a·b in four lanes (the autocorrelation over every lag was most of the tempo step, summed
/// one product at a time).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    crate::lanes::sum_zip(a, b, |x, y| x * y)
}

/// Tempo in bpm, its confidence (0–1) and beat times in seconds.
pub fn beats(envelope: &[f64], hop_s: f64) -> (f64, f64, Vec<f64>) {
    let n = envelope.len();
    if n < 8 || envelope.iter().all(|v| *v <= 0.0) {
        return (0.0, 0.0, Vec::new());
    }
    // Remove the local mean (a quarter second either side) so sustained energy does not look
    // periodic, and a soft note still stands out among soft neighbours: a global mean would
    // erase the quieter half of a strong-weak pattern and halve the tempo.
    let half = ((0.25 / hop_s).round() as usize).max(1);
    let mut prefix = vec![0.0f64; n + 1];
    for (i, v) in envelope.iter().enumerate() {
        prefix[i + 1] = prefix[i] + v;
    }
    let env: Vec<f64> = (0..n)
        .map(|i| {
            let (lo, hi) = (i.saturating_sub(half), (i + half + 1).min(n));
            (envelope[i] - (prefix[hi] - prefix[lo]) / (hi - lo) as f64).max(0.0)
        })
        .collect();
    // The period is about when notes come, not how loud they are: the autocorrelation runs on
    // a compressed envelope, so a strong-weak pattern keeps the note rate as its tempo.
    let env_ac: Vec<f64> = env.iter().map(|v| v.sqrt()).collect();
    let lag_of = |bpm: f64| 60.0 / bpm / hop_s;
    // Down to 15 bpm: notes held two or three seconds each are a pulse too (the prior keeps
    // ordinary material near 120 bpm).
    let (min_lag, max_lag) = (
        lag_of(240.0).floor() as usize,
        (lag_of(15.0).ceil() as usize).min(n - 1),
    );
    if min_lag < 1 || max_lag <= min_lag {
        return (0.0, 0.0, Vec::new());
    }
    let zero: f64 = env_ac.iter().map(|v| v * v).sum::<f64>().max(1e-12);
    let mut best = (min_lag, f64::NEG_INFINITY, 0.0);
    for lag in min_lag..=max_lag {
        let ac = dot(&env_ac[..n - lag], &env_ac[lag..]) / zero;
        let bpm = 60.0 / (lag as f64 * hop_s);
        let prior = (-0.5 * ((bpm / 120.0).log2() / 1.0).powi(2)).exp();
        if ac * prior > best.1 {
            best = (lag, ac * prior, ac);
        }
    }
    // Refine the lag by parabolic interpolation of the autocorrelation.
    let ac_at = |lag: usize| dot(&env_ac[..n - lag], &env_ac[lag..]);
    let lag = best.0;
    let period = if lag > min_lag && lag < max_lag {
        let (l, c, r) = (ac_at(lag - 1), ac_at(lag), ac_at(lag + 1));
        let den = l - 2.0 * c + r;
        lag as f64
            + if den.abs() > 1e-12 {
                (0.5 * (l - r) / den).clamp(-0.5, 0.5)
            } else {
                0.0
            }
    } else {
        lag as f64
    };
    let tempo = 60.0 / (period * hop_s);
    // Dynamic programming over frames.
    let tightness = 100.0;
    let norm = env.iter().copied().fold(0.0f64, f64::max).max(1e-12);
    let local: Vec<f64> = env.iter().map(|v| v / norm).collect();
    let mut score = local.clone();
    let mut back = vec![usize::MAX; n];
    let lo_gap = ((period / 2.0).round() as usize).max(1);
    let hi_gap = (period * 2.0).round() as usize;
    // The penalty depends on the gap alone: one logarithm per gap, not per gap and frame.
    let penalty: Vec<f64> = (lo_gap..=hi_gap)
        .map(|gap| tightness * ((gap as f64 / period).ln()).powi(2))
        .collect();
    // Each frame's candidates are scored into a buffer, then the first best is found in lanes
    // (a scan keeping the first strictly better one waited on every comparison).
    let mut candidates: Vec<f64> = Vec::with_capacity(penalty.len());
    for t in lo_gap..n {
        let gaps = (hi_gap.min(t) + 1).saturating_sub(lo_gap);
        candidates.clear();
        candidates.extend(
            penalty[..gaps]
                .iter()
                .enumerate()
                .map(|(k, penalty)| score[t - lo_gap - k] - penalty),
        );
        if let Some((k, v)) = crate::lanes::first_max(&candidates)
            && v > 0.0
        {
            score[t] = local[t] + v;
            back[t] = t - lo_gap - k;
        }
    }
    // Last beat: the best-scoring frame in the final period.
    let start = n.saturating_sub(period.ceil() as usize + 1);
    let mut t = (start..n).fold(start, |a, i| if score[i] > score[a] { i } else { a });
    let mut out = vec![t];
    while back[t] != usize::MAX {
        t = back[t];
        out.push(t);
    }
    out.reverse();
    // Beats where nothing happens before the first onset or after the last are dropped.
    let first_onset = local.iter().position(|v| *v > 0.1).unwrap_or(0);
    let last_onset = local.iter().rposition(|v| *v > 0.1).unwrap_or(n - 1);
    let beats: Vec<f64> = out
        .into_iter()
        .filter(|&f| f + 2 >= first_onset && f <= last_onset + (period * 0.1).ceil() as usize)
        .map(|f| (f as f64 * hop_s * 1000.0).round() / 1000.0)
        .collect();
    (
        (tempo * 10.0).round() / 10.0,
        (best.2.clamp(0.0, 1.0) * 1000.0).round() / 1000.0,
        beats,
    )
}

/// Tempo, confidence (1 − the largest relative deviation of a gap) and beats of evenly spaced
/// notes: at least three onsets whose gaps all lie within 10 % of their median (a few long notes
/// make a weak onset envelope, but their spacing is the pulse).
pub fn even_onsets(onsets_s: &[f64]) -> Option<(f64, f64, Vec<f64>)> {
    if onsets_s.len() < 3 {
        return None;
    }
    let mut gaps: Vec<f64> = onsets_s.windows(2).map(|w| w[1] - w[0]).collect();
    gaps.sort_by(f64::total_cmp);
    let median = gaps[gaps.len() / 2];
    let worst = gaps
        .iter()
        .map(|g| (g / median - 1.0).abs())
        .fold(0.0f64, f64::max);
    if !(0.25..=4.0).contains(&median) || worst > 0.1 {
        return None;
    }
    let tempo = (60.0 / median * 10.0).round() / 10.0;
    let confidence = ((1.0 - worst) * 1000.0).round() / 1000.0;
    let beats = onsets_s
        .iter()
        .map(|t| (t * 1000.0).round() / 1000.0)
        .collect();
    Some((tempo, confidence, beats))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lane_dot_product_equals_the_plain_one() {
        for len in [0usize, 3, 4, 9, 1723] {
            let a: Vec<f64> = (0..len).map(|i| ((i * 37 % 11) as f64).sqrt()).collect();
            let b: Vec<f64> = (0..len).map(|i| ((i * 13 % 7) as f64) * 0.25).collect();
            let plain: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!(
                (dot(&a, &b) - plain).abs() <= 1e-12 * plain.max(1.0),
                "{len}"
            );
        }
    }

    #[test]
    fn evenly_spaced_long_notes_are_the_pulse() {
        let (tempo, confidence, beats) = even_onsets(&[0.21, 2.31, 4.41, 6.52]).unwrap();
        assert!((tempo - 28.6).abs() < 0.2, "{tempo}");
        assert!(confidence > 0.99);
        assert_eq!(beats.len(), 4);
        // Uneven spacing, too few notes, or gaps beyond 4 s: no pulse claimed.
        assert!(even_onsets(&[0.2, 1.0, 2.5, 2.8]).is_none());
        assert!(even_onsets(&[0.2, 2.3]).is_none());
        assert!(even_onsets(&[0.0, 5.0, 10.0]).is_none());
    }
}
