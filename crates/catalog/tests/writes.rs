//! A batch decides each lesson's id and duplicate as if its lessons were written one by one:
//! a taken id gets a suffix, an exact copy points at the first original (in the same batch or
//! stored before), and a replaced lesson stops being the original of a later copy. On SQLite and
//! PostgreSQL.

use fretwise_catalog::{
    Catalog, LessonColumns, LessonMetadata, LessonRecord, OpenMode, WriteOutcome,
};
use fretwise_lexicon::TermMatcher;
use fretwise_testkit::transcript_fixture;
use fretwise_transcript::{ReadOptions, Transcript, parse_transcript};

/// The real platform lesson's transcript, and the same lesson without its last utterance.
fn texts() -> Option<(Transcript, Transcript)> {
    let path = transcript_fixture("whisperx_fingerstyle_intro.json")?;
    let bytes = std::fs::read(path).ok()?;
    let whole = parse_transcript(&bytes, &ReadOptions::default()).ok()?;
    let mut shorter = whole.clone();
    shorter.utterances.pop();
    assert_ne!(whole.normalized_text_hash(), shorter.normalized_text_hash());
    Some((whole, shorter))
}

fn record(id: &str, source: &str, transcript: &Transcript) -> LessonRecord {
    let (terms, quality) = fretwise_quality::analyze(transcript, &TermMatcher::builtin());
    LessonRecord {
        id: id.to_string(),
        source: source.to_string(),
        content_hash: format!("hash-{source}-{}", transcript.utterances.len()),
        metadata: LessonMetadata::default(),
        transcript: transcript.clone(),
        terms,
        quality,
    }
}

fn inserted(id: &str, duplicate_of: Option<&str>) -> WriteOutcome {
    WriteOutcome::Inserted {
        id: id.to_string(),
        duplicate_of: duplicate_of.map(str::to_string),
    }
}

async fn batches_decide_as_one_by_one(catalog: &Catalog) {
    let Some((t, u)) = texts() else {
        panic!("the real transcript fixture is missing (../shared)");
    };
    // One batch: the same id from two sources, and an exact copy of a lesson in the batch.
    let first = catalog
        .write_batch(&[
            record("x", "s1.json", &t),
            record("x", "s2.json", &t),
            record("y", "s3.json", &u),
        ])
        .await
        .unwrap();
    assert_eq!(first[0], inserted("x", None));
    let suffixed = match &first[1] {
        WriteOutcome::Inserted { id, duplicate_of } => {
            assert_eq!(duplicate_of.as_deref(), Some("x"));
            id.clone()
        }
        other => panic!("expected a new lesson, got {other:?}"),
    };
    assert!(
        suffixed.starts_with("x-") && suffixed.len() > 2,
        "{suffixed}"
    );
    assert_eq!(first[2], inserted("y", None));

    // The next batch replaces x with y's text (now a copy of y), and a new lesson with x's old
    // text finds no original left: x changed and the suffixed copy is itself a duplicate.
    let second = catalog
        .write_batch(&[record("x", "s1.json", &u), record("z", "s4.json", &t)])
        .await
        .unwrap();
    assert_eq!(
        second[0],
        WriteOutcome::Replaced {
            id: "x".to_string(),
            duplicate_of: Some("y".to_string())
        }
    );
    assert_eq!(second[1], inserted("z", None));

    // A third batch: a copy of z's text finds z, stored by the batch before.
    let third = catalog
        .write_batch(&[record("w", "s5.json", &t)])
        .await
        .unwrap();
    assert_eq!(third[0], inserted("w", Some("z")));

    let lessons = catalog.lessons().await.unwrap();
    let mut seen: Vec<(String, Option<String>, bool)> = lessons
        .iter()
        .map(|l| (l.id.clone(), l.duplicate_of.clone(), l.trainable))
        .collect();
    seen.sort();
    let real_trainable = lessons
        .iter()
        .find(|l| l.id == "y")
        .map(|l| l.trainable)
        .unwrap_or(false);
    let mut expected = vec![
        ("w".to_string(), Some("z".to_string()), false),
        ("x".to_string(), Some("y".to_string()), false),
        (suffixed.clone(), Some("x".to_string()), false),
        ("y".to_string(), None, real_trainable),
        (
            "z".to_string(),
            None,
            lessons
                .iter()
                .find(|l| l.id == "z")
                .is_some_and(|l| l.trainable),
        ),
    ];
    expected.sort();
    assert_eq!(seen, expected);
    // The replaced lesson holds its new text only: one set of utterances under its id.
    let x = catalog.lesson("x").await.unwrap();
    assert_eq!(x.utterances.len(), u.utterances.len());
}

#[tokio::test]
async fn batches_decide_ids_and_duplicates_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("c.db").display());
    let catalog = Catalog::open_with(&url, OpenMode::Create).await.unwrap();
    batches_decide_as_one_by_one(&catalog).await;
    catalog.close().await;
}

#[tokio::test]
async fn batches_decide_ids_and_duplicates_on_postgres() {
    let Some(db) = fretwise_testkit::fresh_postgres_database("writes").await else {
        return;
    };
    let catalog = Catalog::open(&db).await.unwrap();
    batches_decide_as_one_by_one(&catalog).await;
    catalog.close().await;
}

#[tokio::test]
async fn columns_encoded_apart_read_back_as_the_lesson() {
    let Some((t, _)) = texts() else {
        panic!("the real transcript fixture is missing (../shared)");
    };
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("c.db").display());
    let catalog = Catalog::open_with(&url, OpenMode::Create).await.unwrap();
    let rec = record("real", "real.json", &t);
    let cols = LessonColumns::encode(&rec).unwrap();
    // Columns that do not belong one to one to the records are refused, and nothing is stored.
    let err = catalog
        .write_encoded(std::slice::from_ref(&rec), &[])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("1 lessons but 0 encoded"), "{err}");
    assert!(catalog.lessons().await.unwrap().is_empty());

    let out = catalog
        .write_encoded(std::slice::from_ref(&rec), std::slice::from_ref(&cols))
        .await
        .unwrap();
    assert_eq!(out, vec![inserted("real", None)]);
    let stored = catalog.lesson("real").await.unwrap();
    assert_eq!(stored.utterances.len(), t.utterances.len());
    for (a, b) in stored.utterances.iter().zip(&t.utterances) {
        assert_eq!(a.text, b.text);
        assert_eq!((a.start, a.end), (b.start, b.end));
        let words = |u: &fretwise_transcript::Utterance| {
            u.words
                .iter()
                .map(|w| (w.text.clone(), w.start, w.end, w.score))
                .collect::<Vec<_>>()
        };
        assert_eq!(words(a), words(b));
        assert_eq!(a.avg_logprob, b.avg_logprob);
        assert_eq!(a.no_speech_prob, b.no_speech_prob);
    }
    assert_eq!(stored.quality["score"].as_f64(), Some(rec.quality.score));
    catalog.close().await;
}
