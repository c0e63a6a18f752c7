//! The lesson-audio stage on generated lessons with recordings: demonstrations are stored with
//! their times and the passages around them, an unchanged recording is not analysed twice, and
//! a recording that is cut short or missing is reported without touching anything else.

use std::path::Path;

use fretwise_catalog::Catalog;
use fretwise_corpus::{AudioTruth, CorpusOptions, Font};
use fretwise_ingest::{IngestOptions, analyse_lesson_audio, discover, ingest_items};

/// A fresh SQLite catalog, plus a fresh PostgreSQL database when `FRETWISE_TEST_POSTGRES_URL`
/// is set (required under CI).
async fn backends(test: &str) -> Vec<(tempfile::TempDir, Catalog)> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Catalog::open(&format!("sqlite://{}", dir.path().join("c.db").display()))
        .await
        .unwrap();
    let mut out = vec![(dir, sqlite)];
    if let Some(url) = fretwise_testkit::fresh_postgres_database(test).await {
        out.push((
            tempfile::tempdir().unwrap(),
            Catalog::open(&url).await.unwrap(),
        ));
    }
    out
}

fn truth(corpus: &Path, n: usize) -> AudioTruth {
    let id = format!("sample-{:06}", n + 1);
    let ins = format!("fictional-{:04}", n % 2 + 1);
    serde_json::from_slice(
        &std::fs::read(corpus.join("truth").join(ins).join(format!("{id}.json"))).unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn recordings_become_stored_demonstrations() {
    let Some(font) = fretwise_testkit::soundfont_or_skip(Font::find()) else {
        return;
    };
    for (dir, catalog) in backends("recordings_become_stored_demonstrations").await {
        let corpus = dir.path().join("corpus");
        fretwise_corpus::generate(
            &corpus,
            &CorpusOptions {
                instructors: 2,
                lessons: 4,
                seed: 31,
                bad_rate: 0.0,
                audio: Some(font.clone()),
            },
        )
        .unwrap();
        let (items, rejected) = discover(&[corpus.join("manifest.csv")]).unwrap();
        let report = ingest_items(&catalog, items, rejected, &IngestOptions::default(), &())
            .await
            .unwrap();
        assert_eq!(report.ingested, 4, "{report:#?}");

        let first = analyse_lesson_audio(&catalog, &()).await.unwrap();
        assert_eq!((first.with_audio, first.analysed), (4, 4), "{first:#?}");
        assert!(first.failed.is_empty(), "{first:#?}");
        let mut stored = 0;
        let mut run_on = 0;
        for n in 0..4 {
            let t = truth(&corpus, n);
            let row = catalog.lesson_audio(&t.lesson_id).await.unwrap().unwrap();
            assert!(
                (row.snr_db - t.snr_db).abs() <= 3.0,
                "{} vs {}",
                row.snr_db,
                t.snr_db
            );
            assert_eq!(
                row.demonstrations.len(),
                t.demonstrations.len(),
                "{}",
                t.lesson_id
            );
            for (d, want) in row.demonstrations.iter().zip(&t.demonstrations) {
                let inter = (d.end_s.min(want.end_s) - d.start_s.max(want.start_s)).max(0.0);
                let union = d.end_s.max(want.end_s) - d.start_s.min(want.start_s);
                assert!(inter / union >= 0.5, "{d:?} vs {want:?}");
                // The passage that announces it comes before it, the next one after (for a
                // phrase that runs on under the next words, the one it runs on under).
                let (before, after) = (d.before_utterance.unwrap(), d.after_utterance.unwrap());
                assert!(before < after, "{d:?}");
                let lesson = catalog.lesson(&t.lesson_id).await.unwrap();
                let a: fretwise_audio::Demonstration = serde_json::from_str(&d.analysis).unwrap();
                assert!(lesson.utterances[before as usize].end <= d.start_s + 0.5);
                let next = &lesson.utterances[after as usize];
                assert!(next.start >= d.end_s - a.under_speech_s - 0.5, "{d:?}");
                assert_eq!(after, before + 1, "{d:?}");
                if a.under_speech_s > 0.0 {
                    run_on += 1;
                    assert!(next.start < d.end_s, "{d:?}");
                }
                assert!(a.notes.len() >= 2 && a.key.is_some(), "{a:?}");
                assert_eq!(a.embedding.len(), fretwise_audio::EMBEDDING_DIM);
                stored += 1;
            }
        }
        assert_eq!(stored, first.demonstrations);
        // Seed 31 has phrases that run on under the next words; some are followed there.
        assert!(run_on >= 1, "no demonstration followed under the words");

        // The recordings feed the quality report: counted, and flagged by their measures.
        let stats = catalog.stats().await.unwrap();
        assert_eq!(stats.recordings.analysed, 4, "{stats:#?}");
        assert_eq!(
            stats.recordings.demonstrations as usize,
            first.demonstrations
        );
        let mut noisy = 0;
        for n in 0..4 {
            let t = truth(&corpus, n);
            let row = catalog.lesson_audio(&t.lesson_id).await.unwrap().unwrap();
            let flags = fretwise_quality::recording_flags(&row.recording_quality());
            let is_noisy = flags.iter().any(|f| f.code.as_str() == "noisy_recording");
            // The generator's SNRs are 10, 15, 20 … dB; 15 may measure either side of the line.
            if t.snr_db <= 10.0 {
                assert!(is_noisy, "{} at {} dB: {flags:?}", t.lesson_id, t.snr_db);
            } else if t.snr_db >= 20.0 {
                assert!(!is_noisy, "{} at {} dB: {flags:?}", t.lesson_id, t.snr_db);
            }
            // Generated recordings keep 3 dB of headroom.
            assert!(!flags.iter().any(|f| f.code.as_str() == "clipped_recording"));
            noisy += usize::from(is_noisy);
        }
        let count = |stats: &fretwise_catalog::CatalogStats, code: &str| {
            stats
                .flags_by_code
                .iter()
                .find(|(c, _)| c == code)
                .map_or(0, |(_, n)| *n as usize)
        };
        assert_eq!(count(&stats, "noisy_recording"), noisy, "{stats:#?}");

        // Nothing changed: nothing is analysed again.
        let again = analyse_lesson_audio(&catalog, &()).await.unwrap();
        assert_eq!((again.analysed, again.unchanged), (0, 4), "{again:#?}");

        // One recording cut short, one gone: both reported, the other two untouched.
        let cut = corpus.join(&truth(&corpus, 0).audio_path);
        let bytes = std::fs::read(&cut).unwrap();
        std::fs::write(&cut, &bytes[..bytes.len() / 3]).unwrap();
        std::fs::remove_file(corpus.join(&truth(&corpus, 1).audio_path)).unwrap();
        let broken = analyse_lesson_audio(&catalog, &()).await.unwrap();
        assert_eq!((broken.analysed, broken.unchanged), (0, 2), "{broken:#?}");
        assert_eq!(broken.failed.len(), 2, "{broken:#?}");
        let reasons: Vec<&str> = broken.failed.iter().map(|f| f.reason.as_str()).collect();
        assert!(
            reasons.iter().any(|r| r.contains("truncated")),
            "{reasons:?}"
        );
        assert!(
            reasons.iter().any(|r| r.contains("cannot open")),
            "{reasons:?}"
        );
        // The cut recording's earlier analysis is still there, not half replaced.
        let kept = catalog
            .lesson_audio(&truth(&corpus, 0).lesson_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            kept.demonstrations.len(),
            truth(&corpus, 0).demonstrations.len()
        );

        // A lesson re-ingested without its recording loses the analysis of the old one.
        let gone = truth(&corpus, 2).lesson_id;
        let manifest = corpus.join("manifest.csv");
        let mut reader = csv::Reader::from_path(&manifest).unwrap();
        let headers = reader.headers().unwrap().clone();
        let audio_col = headers.iter().position(|h| h == "audio_path").unwrap();
        let id_col = headers.iter().position(|h| h == "lesson_id").unwrap();
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        let mut writer = csv::Writer::from_path(&manifest).unwrap();
        writer.write_record(&headers).unwrap();
        for r in &rows {
            let fields: Vec<&str> = r
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    if i == audio_col && r.get(id_col) == Some(gone.as_str()) {
                        ""
                    } else {
                        f
                    }
                })
                .collect();
            writer.write_record(&fields).unwrap();
        }
        writer.flush().unwrap();
        drop(writer);
        let (items, rejected) = discover(&[manifest]).unwrap();
        let report = ingest_items(&catalog, items, rejected, &IngestOptions::default(), &())
            .await
            .unwrap();
        assert_eq!(report.replaced, 1, "{report:#?}");
        let after = analyse_lesson_audio(&catalog, &()).await.unwrap();
        assert_eq!((after.with_audio, after.removed), (3, 1), "{after:#?}");
        assert!(catalog.lesson_audio(&gone).await.unwrap().is_none());
        assert!(
            catalog
                .lesson_audio(&truth(&corpus, 3).lesson_id)
                .await
                .unwrap()
                .is_some(),
            "the others keep theirs"
        );

        // A recording turned up 18 dB into the converter's limits is flagged as clipped.
        let loud = corpus.join(&truth(&corpus, 3).audio_path);
        let mut bytes = std::fs::read(&loud).unwrap();
        for s in bytes[44..].chunks_exact_mut(2) {
            let v = i16::from_le_bytes([s[0], s[1]]);
            let louder = (i32::from(v) * 8).clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
            s.copy_from_slice(&louder.to_le_bytes());
        }
        std::fs::write(&loud, &bytes).unwrap();
        let again = analyse_lesson_audio(&catalog, &()).await.unwrap();
        assert_eq!(again.analysed, 1, "{again:#?}");
        let row = catalog
            .lesson_audio(&truth(&corpus, 3).lesson_id)
            .await
            .unwrap()
            .unwrap();
        assert!(
            row.clipping_ratio > fretwise_quality::CLIPPED_ABOVE,
            "{}",
            row.clipping_ratio
        );
        let stats = catalog.stats().await.unwrap();
        assert_eq!(count(&stats, "clipped_recording"), 1, "{stats:#?}");
        catalog.close().await;
    }
}
