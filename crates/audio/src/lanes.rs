//! Reductions in four lanes: four short dependency chains instead of one long one, so the
//! processor overlaps them (sums over windows and lags were a large share of an analysis when
//! each waited on the one before).

/// Σ f(a[i], b[i]) over the common length of `a` and `b`: four lanes, added pairwise, then the
/// tail (fewer than four) added in order.
#[inline]
pub(crate) fn sum_zip<A: Copy, B: Copy>(a: &[A], b: &[B], f: impl Fn(A, B) -> f64) -> f64 {
    let len = a.len().min(b.len());
    let (a, b) = (&a[..len], &b[..len]);
    let mut acc = [0.0f64; 4];
    let (qa, qb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = qa
        .remainder()
        .iter()
        .zip(qb.remainder())
        .map(|(x, y)| f(*x, *y))
        .sum();
    for (x, y) in qa.zip(qb) {
        for l in 0..4 {
            acc[l] += f(x[l], y[l]);
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Index of the first greatest value of `xs` and the value (what a scan keeping the first
/// strictly greater value gives), None when no value exceeds −∞. NaN is never the greatest.
#[inline]
pub(crate) fn first_max(xs: &[f64]) -> Option<(usize, f64)> {
    // The greatest value first, in lanes (the compare-and-select is a vector max), then the
    // first place it occurs: two quick passes instead of one that waits on every comparison.
    let mut lanes = [f64::NEG_INFINITY; 4];
    let quads = xs.chunks_exact(4);
    let mut m = quads
        .remainder()
        .iter()
        .fold(f64::NEG_INFINITY, |a, &x| if x > a { x } else { a });
    for q in quads {
        for l in 0..4 {
            lanes[l] = if q[l] > lanes[l] { q[l] } else { lanes[l] };
        }
    }
    for l in lanes {
        m = if l > m { l } else { m };
    }
    if m == f64::NEG_INFINITY {
        return None;
    }
    xs.iter().position(|&x| x == m).map(|i| (i, xs[i]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lane_sums_equal_the_plain_sum() {
        for len in [0usize, 1, 3, 4, 9, 1723] {
            let a: Vec<f64> = (0..len).map(|i| ((i * 37 % 11) as f64).sqrt()).collect();
            let b: Vec<f32> = (0..len).map(|i| ((i * 13 % 7) as f32) * 0.25).collect();
            let plain: f64 = a.iter().zip(&b).map(|(x, y)| x * f64::from(*y)).sum();
            let lanes = sum_zip(&a, &b, |x, y| x * f64::from(y));
            assert!((lanes - plain).abs() <= 1e-12 * plain.max(1.0), "{len}");
        }
        // Unequal lengths: the common part only.
        assert_eq!(sum_zip(&[1.0f64, 2.0, 3.0], &[1.0f64], |x, y| x * y), 1.0);
    }

    #[test]
    fn the_first_maximum_is_what_a_strict_scan_keeps() {
        let strict = |xs: &[f64]| {
            let (v, i) =
                xs.iter()
                    .enumerate()
                    .fold((f64::NEG_INFINITY, usize::MAX), |a, (i, &x)| {
                        if x > a.0 { (x, i) } else { a }
                    });
            (i != usize::MAX).then_some((i, v))
        };
        let mut cases: Vec<Vec<f64>> = vec![
            vec![],
            vec![f64::NEG_INFINITY; 5],
            vec![f64::NAN, 1.0, f64::NAN, 1.0],
            vec![0.0, -0.0, 0.0],
            vec![-3.0, -1.0, -1.0, -2.0, -1.0, -5.0, -7.0],
        ];
        // Ties everywhere: values on a coarse grid.
        for len in [1usize, 4, 7, 290, 580] {
            cases.push((0..len).map(|i| ((i * 7919) % 13) as f64 - 20.0).collect());
        }
        for xs in &cases {
            let got = first_max(xs);
            let want = strict(xs);
            assert_eq!(got.map(|g| g.0), want.map(|w| w.0), "{xs:?}");
            assert_eq!(
                got.map(|g| g.1.to_bits()),
                want.map(|w| w.1.to_bits()),
                "{xs:?}"
            );
        }
    }
}
