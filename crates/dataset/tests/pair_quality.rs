//! Issue 18 B: instruction data worth training on, measured on a generated catalog plus the real
//! fixtures. The figures come from `support/pair_quality.rs` (its video detector was written
//! before the export's cleaning and is not the export's code); the corpus's instructors are split
//! into a tuning half and a held-out half by a committed seed, and the bars must hold on both.

#[path = "support/pair_quality.rs"]
mod pair_quality;

use std::path::{Path, PathBuf};

use fretwise_catalog::Catalog;
use fretwise_dataset::curate::Filters;
use fretwise_dataset::examples::ChunkOptions;
use fretwise_dataset::{ExportOptions, Format, export};
use fretwise_ingest::{IngestOptions, discover, ingest_items};
use fretwise_testkit::shared_dir;

/// The seed that splits the generated instructors into tuning and held-out halves.
const SPLIT_SEED: u64 = 18;

async fn catalog_with(dir: &Path, inputs: &[PathBuf]) -> Catalog {
    let catalog = Catalog::open(&format!("sqlite://{}", dir.join("c.db").display()))
        .await
        .unwrap();
    let (items, rejected) = discover(inputs).unwrap();
    ingest_items(&catalog, items, rejected, &IngestOptions::default(), &())
        .await
        .unwrap();
    catalog
}

#[test]
fn the_video_detector_finds_what_the_issue_names_and_not_warnings() {
    for s in [
        "Watch my picking hand here.",
        "Check this out.",
        "Let me play it slowly first.",
        "Here's how it sounds at tempo.",
        "You're probably used to playing it here.",
        "As you can see, the thumb stays down.",
    ] {
        assert!(pair_quality::points_at_video(s), "{s}");
    }
    for s in [
        "Watch out for the pick angle, if it's too steep the notes get thin.",
        "Practice this slowly with a metronome at about 80 beats per minute.",
        "Here's a way to get at that.",
        "Listen back for any uneven notes.",
    ] {
        assert!(!pair_quality::points_at_video(s), "{s}");
    }
}

#[tokio::test]
async fn chat_pairs_meet_the_issue_18_bars_on_both_halves() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    fretwise_corpus::generate(
        &corpus,
        &fretwise_corpus::CorpusOptions {
            instructors: 24,
            lessons: 600,
            seed: 11,
            bad_rate: 0.02,
            audio: None,
        },
    )
    .unwrap();
    let mut inputs = vec![corpus];
    if let Some(shared) = shared_dir() {
        inputs.push(shared.join("fixtures/transcripts"));
    }
    let catalog = catalog_with(dir.path(), &inputs).await;
    let out = dir.path().join("out");
    let opts = ExportOptions {
        out: out.clone(),
        formats: Format::ALL.to_vec(),
        filters: Filters::default(),
        seed: 42,
        max_examples: None,
        split_shares: Default::default(),
        test_styles: Vec::new(),
        test_advanced_concepts: false,
        chunk: ChunkOptions::default(),
        theory_rate: 0.1,
        created_at: "2026-01-01T00:00:00Z".into(),
        source: "test".into(),
    };
    let manifest = export(&catalog, &opts, &()).await.unwrap();
    for format in pair_quality::CHAT_FORMATS {
        let report = pair_quality::chat_report(&out, format, SPLIT_SEED);
        for (part, f) in &report {
            eprintln!("{format} {part}: {f:?}");
        }
        for part in ["all", "tuning", "held_out"] {
            let f = &report[part];
            assert!(
                f.examples >= 100,
                "{format} {part}: {} examples",
                f.examples
            );
            assert!(
                f.question_variety >= 0.9 && f.distinct_question_share >= 0.9,
                "{format} {part}: distinct questions {f:?}"
            );
            assert!(f.max_question_repeats <= 5, "{format} {part}: {f:?}");
            assert_eq!(f.repeated_qa_pairs, 0, "{format} {part}: {f:?}");
            assert!(f.video_share <= 0.05, "{format} {part}: {f:?}");
        }
    }
    for c in pair_quality::cross_split(&out, 0.8) {
        eprintln!("{c:?}");
        assert_eq!((c.exact, c.near), (0, 0), "across splits: {c:?}");
    }
    let how = &manifest["pair_generation"];
    assert_eq!(how["method"], "templates (no language model)");
    assert!(how["max_question_repeats"].as_u64().unwrap() <= 5);
    assert_eq!(
        how["theory_pairs"]["requested"],
        how["theory_pairs"]["written"]
    );
}
