//! Learning-path latency. Run: `cargo bench -p fretwise-knowledge --bench knowledge`

use criterion::{Criterion, criterion_group, criterion_main};
use fretwise_knowledge::Ontology;

fn bench(c: &mut Criterion) {
    let o = Ontology::builtin();
    c.bench_function("learning path to modal-soloing (nothing known)", |b| {
        b.iter(|| o.learning_path(std::hint::black_box("modal-soloing"), &[]))
    });
    c.bench_function("learning path to caged (open chords known)", |b| {
        b.iter(|| o.learning_path(std::hint::black_box("caged"), &["open-chords"]))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
