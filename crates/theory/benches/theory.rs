//! Chord parsing/spelling latency and batch-protocol throughput.
//!
//! Run: `cargo bench -p fretwise-theory --bench theory`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fretwise_theory::{Chord, run_batch};

const SYMBOLS: [&str; 16] = [
    "C", "C#m7", "Bbmaj7", "F#m7b5", "G7/B", "Ebm9", "A7#9", "Dsus4", "E7alt", "Abdim7", "C6/9",
    "Gadd9", "Bm11", "F13", "Dbaug", "EmMaj7",
];

fn queries(n: usize) -> String {
    let mix = [
        r#"{"op":"chord","symbol":"C#m7"}"#,
        r#"{"op":"scale","tonic":"D","name":"dorian"}"#,
        r#"{"op":"interval","from":"C4","to":"G4"}"#,
        r#"{"op":"transpose","note":"F#3","interval":"3m"}"#,
        r#"{"op":"chord","symbol":"G7/B"}"#,
        r#"{"op":"key_chords","key":"E major"}"#,
        r#"{"op":"identify","notes":["E","G","C"]}"#,
        r#"{"op":"chord","symbol":"Bbmaj7#11"}"#,
    ];
    (0..n)
        .map(|i| mix[i % mix.len()])
        .collect::<Vec<_>>()
        .join("\n")
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("chord");
    g.throughput(Throughput::Elements(SYMBOLS.len() as u64));
    g.bench_function("parse+spell 16 symbols", |b| {
        b.iter(|| {
            for s in SYMBOLS {
                let chord = Chord::parse(std::hint::black_box(s)).expect("valid symbol");
                std::hint::black_box(chord.notes());
            }
        })
    });
    g.finish();

    let input = queries(10_000);
    let mut g = c.benchmark_group("batch");
    g.throughput(Throughput::Elements(10_000));
    g.bench_function("10k mixed queries", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(600_000);
            run_batch(std::hint::black_box(input.as_bytes()), &mut out).expect("in-memory io");
            out
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
