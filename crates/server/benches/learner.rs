//! Learner speed as the service computes it: practice suggestions and a four-week plan for a
//! student with recorded skills, over a generated catalog and its search index (catalog reads,
//! the skill model, exercise generation and lesson moments included). The first call of each
//! is reported apart: it searches the index for the lesson moments the later calls reuse. The
//! moments are warmed first, as the service does (`FRETWISE_BENCH_COLD=1` skips that).
//!
//! `FRETWISE_BENCH_LESSONS` sets the catalog size (default 2,000; the bar is measured at
//! 100,000). `FRETWISE_BENCH_DIR` reuses a catalog `bench-N.db` and its index built by an
//! earlier run (the instructor's `ask` bench builds the same files).

use std::path::PathBuf;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use fretwise_catalog::Catalog;
use fretwise_instructor::Instructor;
use fretwise_knowledge::Ontology;
use fretwise_learner::{self as learner, Evidence, NewStudent, PracticeRequest, Preferences};

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
    let index = fretwise_instructor::default_index_dir(&url);
    (tmp, index, url)
}

fn report(name: &str, f: &dyn Fn()) {
    let mut t: Vec<f64> = (0..100)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    // The first call finds the lesson moments in the index; later ones reuse them.
    eprintln!("{name}: first call {:.2} ms", t[0]);
    t.sort_by(f64::total_cmp);
    let at = |p: f64| t[((t.len() as f64 - 1.0) * p).round() as usize];
    eprintln!(
        "{name}: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        at(0.5),
        at(0.99),
        t[t.len() - 1]
    );
}

fn bench(c: &mut Criterion) {
    let (_tmp, index_dir, url) = setup();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let ontology = Ontology::builtin();
    let (catalog, instructor, student) = rt.block_on(async {
        let catalog = Catalog::open(&url).await.expect("catalog");
        let i = Instructor::open(&catalog, &index_dir, &())
            .await
            .expect("instructor");
        let s = learner::create_student(
            &catalog,
            &ontology,
            &NewStudent {
                name: "Bench".into(),
                level: 1,
                goals: vec!["barre-chords".into()],
                preferences: Preferences {
                    styles: vec!["blues".into()],
                    ..Preferences::default()
                },
            },
        )
        .await
        .expect("student");
        for (c, conf) in [("open-chords", 4), ("power-chords", 2), ("strumming", 3)] {
            learner::record_evidence(
                &catalog,
                &ontology,
                &s.id,
                c,
                Evidence::SelfReport { confidence: conf },
                learner::now_unix(),
            )
            .await
            .expect("evidence");
        }
        (catalog, i, s)
    });
    // What the service does when it opens its index; the first calls below then search only
    // for the matched instructor's own moments.
    if std::env::var_os("FRETWISE_BENCH_COLD").is_none() {
        let t = Instant::now();
        instructor.warm_moments();
        eprintln!(
            "warming every concept's moments: {:.2} s",
            t.elapsed().as_secs_f64()
        );
    }
    let practice = || {
        rt.block_on(async {
            let (model, items) = learner::load_model(&catalog, &student)
                .await
                .expect("model");
            let req = PracticeRequest {
                student: Some(&student.id),
                topic: ontology.get("open-chords"),
                goals: &student.goals,
                limit: 5,
                now: learner::now_unix(),
                instructor: None,
            };
            learner::suggestions(&ontology, &model, &items, &req, &instructor).expect("practice")
        })
    };
    let plan = || {
        rt.block_on(async {
            learner::make_plan(
                &catalog,
                &ontology,
                instructor.profiles(),
                &instructor,
                &student.id,
                &learner::PlanAsk {
                    goal: "barre chords",
                    weeks: 4,
                    minutes_per_day: 20,
                    now: learner::now_unix(),
                },
            )
            .await
            .expect("plan")
        })
    };
    // Latency distributions first (criterion reports means; the bar is per query).
    report("practice suggestions", &|| {
        std::hint::black_box(practice());
    });
    report("plan", &|| {
        std::hint::black_box(plan());
    });
    c.bench_function("practice suggestions (5)", |b| b.iter(practice));
    c.bench_function("plan (4 weeks, 20 min a day)", |b| b.iter(plan));
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
