//! The hand-written evaluation set, scored on its tuning part and its held-out third, over the
//! real fixture lesson beside 2,000 generated lessons. `--nocapture` prints the table that
//! docs/INSTRUCTOR.md records.

mod common;

use fretwise_instructor::Instructor;
use fretwise_instructor::eval::{Part, evaluate, questions};

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
    let instructor = Instructor::open(&catalog, &dir.path().join("index"), &())
        .await
        .unwrap();
    catalog.close().await;

    let report = evaluate(&instructor, &qs);
    println!("{}", report.table());
    for f in &report.tuning_failures {
        println!("tuning failure: {f}");
    }
    for part in [Part::Tuning, Part::HeldOut] {
        let t = report.total(part);
        println!("{part:?}: {t:?}");
    }
    let tuning = report.total(Part::Tuning);
    let held = report.total(Part::HeldOut);
    // Theory facts are exact on the part the code was tuned on…
    assert_eq!(
        tuning.fact_accuracy(),
        Some(1.0),
        "{:#?}",
        report.tuning_failures
    );
    // …and what was reached on 2026-12-03 holds on both parts (docs/INSTRUCTOR.md). The
    // issue's citation-precision bar (0.9) is not reached yet: these floors catch regressions.
    for (name, t) in [("tuning", &tuning), ("held-out", &held)] {
        assert!(
            t.precision().unwrap() >= 0.82,
            "{name} citation precision {t:?}"
        );
        assert!(t.recall().unwrap() >= 0.85, "{name} recall@5 {t:?}");
        assert!(t.handled_rate().unwrap() >= 0.9, "{name} handling {t:?}");
    }
    assert!(
        held.fact_accuracy().unwrap() >= 0.95,
        "held-out theory {held:?}"
    );
}
