//! The benchmark over a generated catalog beside the real fixture lessons: items are many,
//! varied and reproducible, and the grounded instructor meets the bars it must (theory and
//! fretboard exact, citations real). `--nocapture` prints the table.

use std::path::{Path, PathBuf};

use fretwise_catalog::Catalog;
use fretwise_eval::items::Sizes;
use fretwise_eval::{Backend, Category, Context, Part, Report, RunOptions, evaluate, generate};
use fretwise_instructor::Instructor;

async fn catalog(dir: &Path, extra: &[&Path]) -> Catalog {
    let corpus = dir.join("corpus");
    fretwise_corpus::generate(
        &corpus,
        &fretwise_corpus::CorpusOptions {
            instructors: 24,
            lessons: 400,
            seed: 5,
            bad_rate: 0.02,
            audio: None,
        },
    )
    .unwrap();
    let catalog = Catalog::open(&format!("sqlite://{}", dir.join("c.db").display()))
        .await
        .unwrap();
    let mut paths: Vec<PathBuf> = vec![corpus];
    paths.extend(extra.iter().map(|p| p.to_path_buf()));
    let (items, rejected) = fretwise_ingest::discover(&paths).unwrap();
    fretwise_ingest::ingest_items(
        &catalog,
        items,
        rejected,
        &fretwise_ingest::IngestOptions::default(),
        &(),
    )
    .await
    .unwrap();
    fretwise_knowledge::rebuild(&catalog, false, &())
        .await
        .unwrap();
    catalog
}

#[tokio::test(flavor = "multi_thread")]
async fn the_benchmark_is_reproducible_and_the_grounded_instructor_meets_its_bars() {
    let Some(shared) = fretwise_testkit::shared_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let fixtures = shared.join("fixtures/transcripts");
    let catalog = catalog(dir.path(), &[&fixtures]).await;
    let instructor = Instructor::open(&catalog, &dir.path().join("index"), &())
        .await
        .unwrap();
    let ctx = Context::load(&catalog, instructor.ontology().clone(), 42)
        .await
        .unwrap();
    assert!(ctx.test_lessons > 0 && !ctx.held_out.is_empty());

    let items = generate(&ctx, 42, &Sizes::default(), &[]);
    // The same seed makes the same items; another seed other ones.
    let again = generate(&ctx, 42, &Sizes::default(), &[]);
    assert_eq!(
        serde_json::to_string(&items).unwrap(),
        serde_json::to_string(&again).unwrap()
    );
    let other = generate(&ctx, 43, &Sizes::default(), &[]);
    assert_ne!(items[0].question, other[0].question);
    assert!(items.len() >= 500, "{} items", items.len());
    let cats: std::collections::BTreeSet<Category> = items.iter().map(|i| i.category).collect();
    assert_eq!(cats.len(), Category::ALL.len(), "{cats:?}");
    let held_out = items.iter().filter(|i| i.part == Part::HeldOut).count();
    assert!(
        (items.len() / 4..items.len() * 2 / 5).contains(&held_out),
        "{held_out}"
    );
    // Grounded items come only from the test split's lessons.
    let questions: std::collections::BTreeSet<&str> = items
        .iter()
        .map(|i| i.question.as_str())
        .filter(|q| !q.is_empty())
        .collect();
    assert!(questions.len() * 100 >= items.iter().filter(|i| i.category.asks()).count() * 98);

    let results = evaluate(
        &instructor,
        &catalog,
        &ctx,
        &items,
        &Backend::Grounded,
        &RunOptions::default(),
    )
    .await;
    let report = Report::new("grounded", 42, &results);
    println!("{}", report.markdown());
    for f in report.tuning_failures.iter().take(60) {
        println!("  {f}");
    }
    let acc = |c: &str| report.categories[c].accuracy.unwrap();
    assert!(acc("theory") >= 0.99, "theory {}", acc("theory"));
    assert!(acc("fretboard") >= 0.99, "fretboard {}", acc("fretboard"));
    // Every citation quotes what its lesson says at that time.
    assert_eq!(report.citations.invalid, 0);
    assert!(report.citations.given > 0);
    catalog.close().await;
}
