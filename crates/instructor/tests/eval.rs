//! The hand-written evaluation set, scored on its tuning part and its held-out third, over the
//! real fixture lesson beside 2,000 generated lessons. `--nocapture` prints the table that
//! docs/INSTRUCTOR.md records. With `FRETWISE_EVAL_DENSE=1` and the all-MiniLM-L6-v2 weights
//! (`FRETWISE_MINILM_DIR`) the set is scored again with dense retrieval fused in (embedding the
//! ~21K passages takes about ten minutes on a 2-core VM), and the embedding speed is printed.

mod common;

use fretwise_instructor::eval::{Part, Report, evaluate, questions};
use fretwise_instructor::{IndexOptions, Instructor, PassageIndex};

#[tokio::test(flavor = "multi_thread")]
async fn evaluation_set_meets_the_bars() {
    let Some(shared) = fretwise_testkit::shared_dir() else {
        return;
    };
    let qs = questions().unwrap();
    assert!(qs.len() >= 250, "{}", qs.len());
    let held_out = qs.iter().filter(|q| q.part() == Part::HeldOut).count();
    assert!(
        (qs.len() / 4..=qs.len() * 2 / 5).contains(&held_out),
        "held-out {held_out} of {}",
        qs.len()
    );

    let dir = tempfile::tempdir().unwrap();
    let fixtures = shared.join("fixtures/transcripts");
    let catalog = common::generated_catalog(dir.path(), 40, 2000, 11, 0.02, &[&fixtures]).await;
    let index_dir = dir.path().join("index");
    let instructor = Instructor::open(&catalog, &index_dir, &()).await.unwrap();

    let report = evaluate(&instructor, &qs);
    print_report("BM25", &report);
    check_bars(&report);
    drop(instructor);

    // The same questions with dense retrieval fused in (the real weights); a measurement, not
    // a bar: dense retrieval is off by default because it did not raise recall (docs).
    if std::env::var("FRETWISE_EVAL_DENSE").is_err() {
        catalog.close().await;
        return;
    }
    let Some(model) = common::minilm_dir() else {
        catalog.close().await;
        return;
    };
    let opts = IndexOptions {
        embeddings: Some(model),
    };
    let mut index = PassageIndex::open_with(&index_dir, &opts).unwrap();
    let embedder = index.embedder().unwrap().clone();
    let update = index.update(&catalog, &()).await.unwrap();
    println!(
        "embedded {} passages of {} lessons in {:.1} s: {:.1} passages/s",
        update.embedded_passages,
        update.embedded,
        update.embed_seconds,
        update.embedded_passages as f64 / update.embed_seconds.max(1e-9)
    );
    assert_eq!(update.embedded_passages, update.passages);
    drop(index);
    // Query-sized texts one at a time, as `ask` embeds a question.
    let started = std::time::Instant::now();
    for q in &qs {
        embedder.embed_one(&q.question).unwrap();
    }
    println!(
        "questions embedded one by one: {:.1} ms each",
        started.elapsed().as_secs_f64() * 1e3 / qs.len() as f64
    );
    let mut instructor = Instructor::open_with(&catalog, &index_dir, &opts, &())
        .await
        .unwrap();
    catalog.close().await;
    assert!(instructor.index().dense_active());
    let fused = evaluate(&instructor, &qs);
    print_report("BM25 + dense (RRF)", &fused);
    // Retrieval does not touch the engine's facts.
    assert_eq!(fused.total(Part::Tuning).fact_accuracy(), Some(1.0));
    // Switched off, the same instructor answers exactly as BM25 alone did.
    instructor.set_dense(false);
    let off = evaluate(&instructor, &qs);
    for part in [Part::Tuning, Part::HeldOut] {
        assert_eq!(
            format!("{:?}", off.total(part)),
            format!("{:?}", report.total(part))
        );
    }
    for part in [Part::Tuning, Part::HeldOut] {
        let (b, d) = (report.total(part), fused.total(part));
        println!(
            "{part:?}: recall@5 {:.3} -> {:.3}, citation precision {:.3} -> {:.3}",
            b.recall().unwrap_or(0.0),
            d.recall().unwrap_or(0.0),
            b.precision().unwrap_or(0.0),
            d.precision().unwrap_or(0.0)
        );
    }
}

fn print_report(name: &str, report: &Report) {
    println!("== {name}\n{}", report.table());
    for f in &report.tuning_failures {
        println!("tuning failure: {f}");
    }
    for part in [Part::Tuning, Part::HeldOut] {
        let t = report.total(part);
        println!("{part:?}: {t:?}");
    }
}

fn check_bars(report: &Report) {
    let tuning = report.total(Part::Tuning);
    let held = report.total(Part::HeldOut);
    // Theory facts are exact on the part the code was tuned on…
    assert_eq!(
        tuning.fact_accuracy(),
        Some(1.0),
        "{:#?}",
        report.tuning_failures
    );
    // …and the bars hold on both parts since 2026-12-05 (docs/INSTRUCTOR.md): citation
    // precision ≥ 0.9 (tuning 0.943, held-out 0.917) and theory facts exact.
    for (name, t) in [("tuning", &tuning), ("held-out", &held)] {
        assert!(
            t.precision().unwrap() >= 0.9,
            "{name} citation precision {t:?}"
        );
        assert!(t.recall().unwrap() >= 0.85, "{name} recall@5 {t:?}");
        assert!(t.handled_rate().unwrap() >= 0.9, "{name} handling {t:?}");
    }
    assert_eq!(held.fact_accuracy(), Some(1.0), "held-out theory {held:?}");
}
