//! Analysis speed on a 60 s clip (bar: 200× faster than real time on one core, i.e. < 300 ms).
//! Streaming: compute time per 10 ms chunk (the part of the latency that is not waiting for audio).
//! `cargo bench -p fretwise-audio --bench analyze`

use criterion::{Criterion, criterion_group, criterion_main};
use fretwise_audio::{ANALYSIS_RATE, Streamer, analyze_samples, resample};

/// 60 s of plucked notes (additive strings), one every 300 ms over two octaves.
fn clip(rate: u32) -> Vec<f32> {
    let sr = f64::from(rate);
    let n = (60.0 * sr) as usize;
    let mut out = vec![0.0f32; n];
    let mut on = 0.1;
    let mut k = 0;
    while on < 59.5 {
        let f = 82.41 * 2f64.powf((k % 25) as f64 / 12.0);
        let start = (on * sr) as usize;
        for i in 0..((0.28 * sr) as usize).min(n - start) {
            let t = i as f64 / sr;
            let mut v = 0.0;
            for h in 1..=8 {
                v += (2.0 * std::f64::consts::PI * f * h as f64 * t).sin() / h as f64
                    * (-t * (2.0 + h as f64)).exp();
            }
            out[start + i] += (0.3 * v) as f32;
        }
        on += 0.3;
        k += 7;
    }
    out
}

fn bench(c: &mut Criterion) {
    let analysis_rate = clip(ANALYSIS_RATE);
    let cd_rate = clip(44_100);
    let mut g = c.benchmark_group("audio");
    g.sample_size(10);
    g.bench_function("analyze 60 s (pitch, onsets, notes, features)", |b| {
        b.iter(|| analyze_samples(&analysis_rate, ANALYSIS_RATE))
    });
    g.bench_function("resample 60 s 44.1 kHz -> 22.05 kHz", |b| {
        b.iter(|| resample(&cd_rate, 44_100, ANALYSIS_RATE))
    });
    // Streaming: the compute part of the latency, per 10 ms chunk (divide by 6,000).
    g.bench_function("stream 60 s at 44.1 kHz in 10 ms chunks", |b| {
        b.iter(|| {
            let mut s = Streamer::new(44_100).map_err(|e| e.to_string())?;
            let mut n = 0;
            for chunk in cd_rate.chunks(441) {
                n += s.push(chunk).len();
            }
            Ok::<usize, String>(n)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
