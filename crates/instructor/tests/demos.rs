//! What the teacher plays: an answer citing the words that announce a demonstration ("Listen
//! to this.") says what the recording holds right after them, and nothing for a moment with no
//! playing near it.

use fretwise_catalog::Catalog;
use fretwise_corpus::{CorpusOptions, Font};
use fretwise_instructor::{Citation, Instructor};

#[tokio::test]
async fn cited_moments_say_what_is_played_after_them() {
    let Some(font) = fretwise_testkit::soundfont_or_skip(Font::find()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    fretwise_corpus::generate(
        &corpus,
        &CorpusOptions {
            instructors: 2,
            lessons: 4,
            seed: 12,
            bad_rate: 0.0,
            audio: Some(font),
        },
    )
    .unwrap();
    let catalog = Catalog::open(&format!("sqlite://{}", dir.path().join("c.db").display()))
        .await
        .unwrap();
    let (items, rejected) = fretwise_ingest::discover(&[corpus.join("manifest.csv")]).unwrap();
    fretwise_ingest::ingest_items(
        &catalog,
        items,
        rejected,
        &fretwise_ingest::IngestOptions::default(),
        &(),
    )
    .await
    .unwrap();
    let audio = fretwise_ingest::analyse_lesson_audio(&catalog, &())
        .await
        .unwrap();
    assert!(audio.demonstrations >= 4, "{audio:#?}");
    let instructor = Instructor::open(&catalog, &dir.path().join("index"), &())
        .await
        .unwrap();

    let lesson = catalog.lesson("sample-000001").await.unwrap();
    let row = catalog
        .lesson_audio("sample-000001")
        .await
        .unwrap()
        .unwrap();
    let demo = &row.demonstrations[0];
    let played: fretwise_audio::Demonstration = serde_json::from_str(&demo.analysis).unwrap();
    let cite = |u: usize| {
        let u = &lesson.utterances[u];
        Citation {
            lesson_id: "sample-000001".into(),
            title: String::new(),
            course: String::new(),
            instructor: "Ana".into(),
            start_s: u.start,
            end_s: u.end,
            quote: u.text.clone(),
            video_url: None,
        }
    };
    // The words that announce it: the paragraph names the citation, the time and the notes.
    let before = demo.before_utterance.unwrap() as usize;
    let text = instructor.demonstrations_for(&[cite(0), cite(before)]);
    let names: Vec<&str> = played
        .notes
        .iter()
        .take(12)
        .map(|n| n.name.as_str())
        .collect();
    assert!(text.contains("What the teacher plays:"), "{text}");
    assert!(
        text.contains(&format!(
            "[2] At {}",
            fretwise_instructor::compose::clock(demo.start_s)
        )),
        "{text}"
    );
    assert!(text.contains(&names.join(" ")), "{text} lacks {names:?}");
    assert!(text.contains(played.scale.as_deref().unwrap()), "{text}");
    assert!(
        !text.contains("[1]"),
        "the opening words have no playing after them: {text}"
    );
    // A moment with no playing within 3 s: nothing.
    assert_eq!(instructor.demonstrations_for(&[cite(0)]), "");
}
