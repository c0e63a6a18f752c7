//! Instructor speed: answering varied questions in process (grounded composer, no LLM) over a
//! generated catalog, and building the index.
//!
//! `FRETWISE_BENCH_LESSONS` sets the catalog size (default 2,000; the bar is measured at
//! 100,000). `FRETWISE_BENCH_DIR` reuses a catalog `bench-N.db` and its index `bench-N.db.index`
//! built by an earlier run (or by `fretwise ingest CORPUS --db sqlite://DIR/bench-N.db`).

use std::path::PathBuf;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use fretwise_catalog::Catalog;
use fretwise_instructor::{AskOptions, Instructor, Level};

const QUESTIONS: &[&str] = &[
    "How do I get better at string bending?",
    "What notes are in a Bb7 chord?",
    "How do I play a barre chord without buzzing?",
    "what's the half-diminished chord on F sharp",
    "How should I practice alternate picking?",
    "What is the CAGED system?",
    "Which strings should I use for blues?",
    "How do I keep time with a metronome?",
    "Notes of the A minor pentatonic scale",
    "capo on 3 playing G shapes, what key am I in?",
    "How do I do vibrato like a blues player?",
    "What is palm muting and when do I use it?",
    "How do I switch chords faster?",
    "What's the relative minor of G major?",
    "Tips for fingerpicking with the thumb",
    "How do hammer-ons and pull-offs work?",
];

fn setup() -> (tempfile::TempDir, PathBuf, String) {
    let lessons: usize = std::env::var("FRETWISE_BENCH_LESSONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = std::env::var_os("FRETWISE_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir).expect("bench dir");
    let db = dir.join(format!("bench-{lessons}.db"));
    let url = format!("sqlite://{}", db.display());
    if !db.exists() {
        let corpus = dir.join(format!("corpus-{lessons}"));
        fretwise_corpus::generate(
            &corpus,
            &fretwise_corpus::CorpusOptions {
                instructors: (lessons / 100).max(4),
                lessons,
                seed: 7,
                bad_rate: 0.0,
                audio: None,
            },
        )
        .expect("corpus");
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        rt.block_on(async {
            let catalog = Catalog::open(&url).await.expect("catalog");
            let (items, rejected) =
                fretwise_ingest::discover(std::slice::from_ref(&corpus)).expect("discover");
            fretwise_ingest::ingest_items(
                &catalog,
                items,
                rejected,
                &fretwise_ingest::IngestOptions::default(),
                &(),
            )
            .await
            .expect("ingest");
            fretwise_knowledge::rebuild(&catalog, false, &())
                .await
                .expect("knowledge");
            catalog.close().await;
        });
    }
    // The index `fretwise ingest --db URL` would have built beside this catalog.
    let index = fretwise_instructor::default_index_dir(&url);
    (tmp, index, url)
}

fn bench(c: &mut Criterion) {
    let (_tmp, index_dir, url) = setup();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let instructor = rt.block_on(async {
        let catalog = Catalog::open(&url).await.expect("catalog");
        let t = Instant::now();
        let i = Instructor::open(&catalog, &index_dir, &())
            .await
            .expect("instructor");
        eprintln!(
            "index ready in {:.1} s: {:?} (lessons, passages)",
            t.elapsed().as_secs_f64(),
            i.index().size()
        );
        catalog.close().await;
        i
    });
    let opts = AskOptions {
        level: Some(Level::Intermediate),
        ..AskOptions::default()
    };
    // Per-question latency distribution (criterion reports means; the bar is a p99).
    let mut times: Vec<f64> = Vec::new();
    let mut per_question: Vec<Vec<f64>> = vec![Vec::new(); QUESTIONS.len()];
    for _ in 0..20 {
        for (k, q) in QUESTIONS.iter().enumerate() {
            let t = Instant::now();
            let a = instructor.ask(q, &opts).expect("answer");
            let ms = t.elapsed().as_secs_f64() * 1e3;
            times.push(ms);
            per_question[k].push(ms);
            std::hint::black_box(a);
        }
    }
    // The slowest questions by median: where the tail comes from.
    let mut medians: Vec<(f64, &str)> = per_question
        .iter_mut()
        .zip(QUESTIONS)
        .map(|(t, q)| {
            t.sort_by(f64::total_cmp);
            (t[t.len() / 2], *q)
        })
        .collect();
    medians.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (ms, q) in medians.iter().take(4) {
        eprintln!("  median {ms:.2} ms: {q}");
    }
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    eprintln!(
        "ask latency over {} answers: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        times.len(),
        pct(0.5),
        pct(0.9),
        pct(0.99),
        pct(1.0)
    );
    let mut i = 0;
    c.bench_function("ask_grounded", |b| {
        b.iter(|| {
            i = (i + 1) % QUESTIONS.len();
            instructor.ask(QUESTIONS[i], &opts).expect("answer")
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
