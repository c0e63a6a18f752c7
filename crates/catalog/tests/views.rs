//! The lesson views read back what was written, column by column, on SQLite and PostgreSQL; a
//! stored value that cannot be decoded is reported with its column's name.

use fretwise_catalog::{
    Catalog, CatalogError, InstructorRef, LessonMetadata, LessonRecord, OpenMode,
};
use fretwise_lexicon::TermMatcher;
use fretwise_testkit::transcript_fixture;
use fretwise_transcript::{ReadOptions, parse_transcript};

/// The real platform lesson, analysed as ingest does, stored under two sources (the second an
/// exact duplicate of the first).
fn records() -> Option<Vec<LessonRecord>> {
    let path = transcript_fixture("whisperx_fingerstyle_intro.json")?;
    let bytes = std::fs::read(path).ok()?;
    let transcript = parse_transcript(&bytes, &ReadOptions::default()).ok()?;
    let (terms, quality) = fretwise_quality::analyze(&transcript, &TermMatcher::builtin());
    let record = |id: &str| LessonRecord {
        id: id.to_string(),
        source: format!("fixtures/{id}.json"),
        content_hash: format!("hash-{id}"),
        metadata: LessonMetadata {
            title: Some("1-2-3 Fingerstyle Guitar".into()),
            instructor: Some(InstructorRef {
                id: "muriel-anderson".into(),
                name: "Muriel Anderson".into(),
            }),
            level: Some("beginner".into()),
            ..LessonMetadata::default()
        },
        transcript: transcript.clone(),
        terms: terms.clone(),
        quality: quality.clone(),
    };
    Some(vec![record("a-real"), record("b-copy")])
}

async fn views_read_back_what_was_written(catalog: &Catalog) {
    let Some(records) = records() else {
        return;
    };
    let real = &records[0];
    catalog.write_batch(&records).await.unwrap();

    let listing = catalog.lessons().await.unwrap();
    assert_eq!(listing.len(), 2);
    let (first, copy) = (&listing[0], &listing[1]);
    assert_eq!(first.id, "a-real");
    assert_eq!(first.source, "fixtures/a-real.json");
    assert_eq!(first.title.as_deref(), Some("1-2-3 Fingerstyle Guitar"));
    assert_eq!(first.instructor.as_deref(), Some("Muriel Anderson"));
    assert_eq!(first.level.as_deref(), Some("beginner"));
    assert_eq!(first.word_count, real.transcript.word_count() as i64);
    assert!((first.quality_score - real.quality.score).abs() < 1e-9);
    assert!(first.trainable);
    assert_eq!(copy.duplicate_of.as_deref(), Some("a-real"));
    assert!(!copy.trainable, "an exact duplicate is not trainable");

    let detail = catalog.lesson("a-real").await.unwrap();
    assert_eq!(detail.summary, *first);
    assert_eq!(detail.format, "whisperx");
    assert_eq!(detail.content_hash, "hash-a-real");
    assert_eq!(detail.utterances.len(), real.transcript.utterances.len());
    assert_eq!(
        detail.utterances[0].text,
        real.transcript.utterances[0].text
    );
    assert_eq!(
        detail.utterances[0].words.len(),
        real.transcript.utterances[0].words.len()
    );
    assert_eq!(detail.terms.len(), real.terms.len());
    assert_eq!(
        detail.terms.first().map(|t| &t.term),
        real.terms.first().map(|t| &t.term)
    );

    let curation = catalog.lesson_curations().await.unwrap();
    assert_eq!(curation.len(), 2);
    assert_eq!(curation[0].id, "a-real");
    assert_eq!(
        curation[0].instructor_id.as_deref(),
        Some("muriel-anderson")
    );
    assert_eq!(curation[0].instructor.as_deref(), Some("Muriel Anderson"));
    assert_eq!(curation[0].word_count, first.word_count);
    assert!(curation[0].confidence > 0.5, "{}", curation[0].confidence);
    assert!(curation[0].speech_s > 0.0);
    assert_eq!(curation[1].duplicate_of.as_deref(), Some("a-real"));

    let ids = vec!["b-copy".to_string(), "a-real".to_string()];
    let texts = catalog.lesson_timed_texts(&ids, true).await.unwrap();
    assert_eq!(texts[1].id, "a-real");
    assert_eq!(texts[1].utterances.len(), detail.utterances.len());
    assert_eq!(texts[1].terms.len(), detail.terms.len());
    let bare = catalog.lesson_timed_texts(&ids, false).await.unwrap();
    assert!(bare[1].utterances.iter().all(|u| u.words.is_empty()));
    // Without words SQLite reads one packed string per lesson and table instead of rows: the
    // same values, to the last bit of every time and confidence.
    for (b, t) in bare.iter().zip(&texts) {
        assert_eq!(b.utterances.len(), t.utterances.len());
        for (u, w) in b.utterances.iter().zip(&t.utterances) {
            assert_eq!(
                (u.start.to_bits(), u.end.to_bits(), &u.text),
                (w.start.to_bits(), w.end.to_bits(), &w.text)
            );
            assert_eq!(
                u.confidence.map(f64::to_bits),
                w.confidence.map(f64::to_bits)
            );
        }
        assert_eq!(b.terms, t.terms);
    }

    let stats = catalog.stats().await.unwrap();
    assert_eq!(
        (stats.lessons, stats.trainable, stats.duplicates),
        (2, 1, 1)
    );
    assert_eq!(stats.words, 2 * first.word_count);
}

#[tokio::test]
async fn views_read_back_on_sqlite_and_a_corrupt_value_names_its_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let url = format!("sqlite://{}", path.display());
    let catalog = Catalog::open_with(&url, OpenMode::Create).await.unwrap();
    views_read_back_what_was_written(&catalog).await;
    if records().is_none() {
        return;
    }
    // Damage one stored value behind the catalog's back.
    let raw = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::query("UPDATE utterances SET words = 'not json' WHERE lesson_id = 'a-real'")
        .execute(&raw)
        .await
        .unwrap();
    raw.close().await;
    match catalog.lesson("a-real").await {
        Err(CatalogError::Corrupt { column, .. }) => assert_eq!(column, "utterances.words"),
        other => panic!("expected a corrupt-column error, got {other:?}"),
    }
    catalog.close().await;
}

#[tokio::test]
async fn views_read_back_on_postgres() {
    let Some(db) = fretwise_testkit::fresh_postgres_database("views").await else {
        return;
    };
    let catalog = Catalog::open(&db).await.unwrap();
    views_read_back_what_was_written(&catalog).await;
    catalog.close().await;
}
