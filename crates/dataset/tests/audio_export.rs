//! The multimodal export of lessons whose recordings were analysed at ingest: `audio_features`
//! per passage, the demonstrations each passage introduces or follows, and the SNR filter.

use std::path::{Path, PathBuf};

use fretwise_catalog::Catalog;
use fretwise_corpus::{CorpusOptions, Font};
use fretwise_dataset::curate::Filters;
use fretwise_dataset::examples::ChunkOptions;
use fretwise_dataset::{ExportOptions, Format, export};
use fretwise_ingest::{IngestOptions, analyse_lesson_audio, discover, ingest_items};

fn options(out: PathBuf, filters: Filters) -> ExportOptions {
    ExportOptions {
        out,
        formats: vec![Format::Multimodal, Format::Hf],
        filters,
        seed: 42,
        max_examples: None,
        split_shares: Default::default(),
        test_styles: Vec::new(),
        test_advanced_concepts: false,
        chunk: ChunkOptions::default(),
        theory_rate: 0.0,
        created_at: "2026-01-01T00:00:00Z".into(),
        source: "test".into(),
    }
}

fn rows(dir: &Path) -> Vec<serde_json::Value> {
    ["train", "validation", "test"]
        .iter()
        .filter_map(|s| {
            std::fs::read_to_string(dir.join("multimodal").join(format!("{s}.jsonl"))).ok()
        })
        .flat_map(|t| {
            t.lines()
                .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test]
async fn multimodal_records_carry_the_recording() {
    let Some(font) = fretwise_testkit::soundfont_or_skip(Font::find()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    fretwise_corpus::generate(
        &corpus,
        &CorpusOptions {
            instructors: 6,
            lessons: 12,
            seed: 8,
            bad_rate: 0.0,
            audio: Some(font),
        },
    )
    .unwrap();
    let catalog = Catalog::open(&format!("sqlite://{}", dir.path().join("c.db").display()))
        .await
        .unwrap();
    let (items, rejected) = discover(&[corpus.join("manifest.csv")]).unwrap();
    ingest_items(&catalog, items, rejected, &IngestOptions::default(), &())
        .await
        .unwrap();
    let filters = Filters {
        min_confidence: 0.7,
        ..Filters::default()
    };
    // Before the recordings are analysed: no audio features, no demonstrations.
    let before = dir.path().join("before");
    export(&catalog, &options(before.clone(), filters.clone()), &())
        .await
        .unwrap();
    let plain = rows(&before);
    assert!(!plain.is_empty());
    assert!(plain.iter().all(|r| r["audio_features"].is_null()));
    assert!(
        plain
            .iter()
            .all(|r| r["demonstrations"] == serde_json::json!([]))
    );

    let audio = analyse_lesson_audio(&catalog, &()).await.unwrap();
    assert_eq!(audio.analysed, 12, "{audio:#?}");
    let out = dir.path().join("out");
    let m = export(&catalog, &options(out.clone(), filters.clone()), &())
        .await
        .unwrap();
    let recs = rows(&out);
    assert_eq!(recs.len(), plain.len(), "the same passages");
    let mut demos = 0;
    for r in &recs {
        let f = &r["audio_features"];
        assert!(f["duration_s"].as_f64().unwrap() > 0.0, "{r}");
        assert!(f["snr_db"].as_f64().is_some() && f["rms_db"].as_f64().is_some());
        assert_eq!(f["mfcc_mean"].as_array().unwrap().len(), 13);
        // A voice between 80 and 300 Hz.
        let f0 = f["median_f0_hz"].as_f64().unwrap();
        assert!((80.0..300.0).contains(&f0), "{f0}");
        for d in r["demonstrations"].as_array().unwrap() {
            demos += 1;
            let (s, e) = (d["start_s"].as_f64().unwrap(), d["end_s"].as_f64().unwrap());
            let (ps, pe) = (r["start_s"].as_f64().unwrap(), r["end_s"].as_f64().unwrap());
            match d["relation"].as_str().unwrap() {
                "introduced" => assert!(s >= pe - 0.5, "{d} after {pe}"),
                "follows" => assert!(e <= ps + 0.5, "{d} before {ps}"),
                "within" => assert!(s >= ps && e <= pe, "{d} inside {ps}–{pe}"),
                other => panic!("{other}"),
            }
            assert!(d["notes"].as_array().unwrap().len() >= 2);
            assert!(d["key"].is_string());
            assert_eq!(d["embedding"].as_array().unwrap().len(), 32);
        }
    }
    // Every demonstration is introduced by one passage and followed by at most one.
    assert!(
        demos >= audio.demonstrations,
        "{demos} < {}",
        audio.demonstrations
    );
    assert!(m["filters"]["removed"].get("low_snr").is_none(), "{m}");

    // The SNR filter: above every lesson's SNR, every analysed lesson is left out.
    let strict = Filters {
        min_snr_db: 60.0,
        ..filters
    };
    let none = dir.path().join("none");
    let r = export(&catalog, &options(none, strict), &()).await;
    let removed = match r {
        Ok(m) => m["filters"]["removed"]["low_snr"].as_u64(),
        // Nothing left to export is an error naming the filters; either way nothing passed.
        Err(e) => {
            assert!(
                e.to_string().contains("no lessons") || e.to_string().contains("filter"),
                "{e}"
            );
            Some(12)
        }
    };
    assert_eq!(removed, Some(12));
}
