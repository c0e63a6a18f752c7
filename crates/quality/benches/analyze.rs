//! Metrics + terminology on the real lesson (the platform needs ~18 ms for the same work).
//!
//! Run: `cargo bench -p fretwise-quality --bench analyze`

use criterion::{Criterion, criterion_group, criterion_main};
use fretwise_lexicon::TermMatcher;
use fretwise_transcript::{ReadOptions, parse_transcript};

fn bench(c: &mut Criterion) {
    let Some(path) = fretwise_testkit::transcript_fixture("whisperx_fingerstyle_intro.json") else {
        return;
    };
    let bytes = std::fs::read(path).expect("fixture readable");
    let transcript = parse_transcript(&bytes, &ReadOptions::default()).expect("fixture parses");
    let matcher = TermMatcher::builtin();
    c.bench_function("terms+metrics real lesson (452 words)", |b| {
        b.iter(|| fretwise_quality::analyze(std::hint::black_box(&transcript), &matcher))
    });
    c.bench_function("terms only real lesson", |b| {
        b.iter(|| matcher.find(std::hint::black_box(&transcript)))
    });
    c.bench_function("parse real lesson (117 KB JSON)", |b| {
        b.iter(|| parse_transcript(std::hint::black_box(&bytes), &ReadOptions::default()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
