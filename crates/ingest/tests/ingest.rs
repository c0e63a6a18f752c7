//! End-to-end ingest against the real fixtures, on SQLite and (when configured) PostgreSQL.

use std::path::{Path, PathBuf};

use fretwise_catalog::Catalog;
use fretwise_ingest::{IngestOptions, IngestReport, discover, ingest_items};
use fretwise_testkit::{service_url, shared_dir};

const FIXTURES: [&str; 5] = [
    "whisperx_fingerstyle_intro.json",
    "whisperx_fingerstyle_intro_rerun.json",
    "whisper_plain_fingerstyle_intro.json",
    "whisperx_hallucination_music_only.json",
    "whisperx_single_word.json",
];

fn fixture_paths(shared: &Path) -> Vec<PathBuf> {
    FIXTURES
        .iter()
        .map(|f| shared.join("fixtures/transcripts").join(f))
        .collect()
}

async fn ingest(catalog: &Catalog, paths: &[PathBuf]) -> IngestReport {
    let (items, rejected) = discover(paths).unwrap();
    ingest_items(catalog, items, rejected, &IngestOptions::default(), &())
        .await
        .unwrap()
}

async fn fixtures_behave_as_specified(catalog: &Catalog, shared: &Path) {
    let report = ingest(catalog, &fixture_paths(shared)).await;
    assert_eq!(report.ingested, 5, "{report:#?}");
    assert!(report.quarantined.is_empty(), "{report:#?}");
    assert_eq!(report.duplicates, 1, "{report:#?}");

    let lessons = catalog.lessons().await.unwrap();
    let by_id = |id: &str| {
        lessons
            .iter()
            .find(|l| l.id == id)
            .unwrap_or_else(|| panic!("{id} missing: {lessons:#?}"))
    };
    let real = by_id("whisperx-fingerstyle-intro");
    assert!(real.trainable && real.flags.is_empty(), "{real:#?}");
    assert_eq!(real.instructor.as_deref(), Some("Muriel Anderson"));
    assert!(real.source.ends_with("whisperx_fingerstyle_intro.json"));
    let rerun = by_id("whisperx-fingerstyle-intro-rerun");
    assert_eq!(
        rerun.duplicate_of.as_deref(),
        Some("whisperx-fingerstyle-intro")
    );
    let plain = by_id("whisper-plain-fingerstyle-intro");
    assert!(plain.trainable, "{plain:#?}");
    for id in ["whisperx-hallucination-music-only", "whisperx-single-word"] {
        let l = by_id(id);
        assert!(!l.trainable, "{l:#?}");
        assert!(!l.flags.is_empty());
        assert!(real.quality_score - l.quality_score > 0.5);
        assert!(report.flagged.iter().any(|f| f.lesson_id == id));
    }

    // Everything is kept: words with timings and scores, the service's metrics verbatim, terms.
    let detail = catalog.lesson("whisperx-fingerstyle-intro").await.unwrap();
    assert_eq!(detail.utterances.len(), 48);
    assert_eq!(
        detail
            .utterances
            .iter()
            .map(|u| u.words.len())
            .sum::<usize>(),
        452
    );
    assert_eq!(detail.utterances[0].words[0].score, Some(0.838));
    let source_metrics = detail.source_metrics.as_ref().unwrap();
    assert_eq!(source_metrics["speech_activity"]["segment_count"], 48);
    assert!(detail.terms.iter().any(|t| t.term == "alternating thumb"));

    // Re-ingesting is idempotent.
    let again = ingest(catalog, &fixture_paths(shared)).await;
    assert_eq!(again.unchanged, 5, "{again:#?}");
    assert_eq!(again.ingested + again.replaced, 0);
    let stats = catalog.stats().await.unwrap();
    assert_eq!(stats.lessons, 5);
    assert_eq!(stats.duplicates, 1);
}

#[tokio::test]
async fn fixtures_on_sqlite() {
    let Some(shared) = shared_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    let catalog = Catalog::open(&format!("sqlite://{}", dir.path().join("c.db").display()))
        .await
        .unwrap();
    fixtures_behave_as_specified(&catalog, &shared).await;
}

#[tokio::test]
async fn fixtures_on_postgres() {
    let Some(shared) = shared_dir() else { return };
    let Some(url) = service_url("FRETWISE_TEST_POSTGRES_URL") else {
        return;
    };
    reset_postgres(&url).await;
    let catalog = Catalog::open(&url).await.unwrap();
    assert!(catalog.is_postgres());
    fixtures_behave_as_specified(&catalog, &shared).await;
}

async fn reset_postgres(url: &str) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    for t in [
        "fretwise_migrations",
        "instructors",
        "courses",
        "chapters",
        "lessons",
        "utterances",
        "quality_reports",
        "term_occurrences",
        "flags",
        "quarantine",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP TABLE IF EXISTS {t}")))
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
}

#[tokio::test]
async fn bad_input_is_quarantined_without_losing_the_rest() {
    let Some(shared) = shared_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    std::fs::copy(
        shared.join("fixtures/transcripts/whisperx_fingerstyle_intro.json"),
        input.join("good.json"),
    )
    .unwrap();
    std::fs::write(input.join("malformed.json"), b"{\"segments\": [").unwrap();
    std::fs::write(
        input.join("nan.json"),
        b"{\"task\":\"transcribe\",\"segments\":[{\"start\":NaN,\"end\":1,\"text\":\"x\"}]}",
    )
    .unwrap();
    std::fs::write(
        input.join("latin1.json"),
        b"{\"task\":\"t\",\"segments\":[{\"start\":0,\"end\":1,\"text\":\"caf\xe9\"}]}",
    )
    .unwrap();
    std::fs::write(
        input.join("empty.json"),
        b"{\"task\":\"transcribe\",\"segments\":[]}",
    )
    .unwrap();
    std::fs::write(
        input.join("backwards.json"),
        b"{\"task\":\"transcribe\",\"segments\":[{\"start\":5,\"end\":2,\"text\":\"hello there\"}]}",
    )
    .unwrap();

    let catalog = Catalog::open(&format!("sqlite://{}", dir.path().join("c.db").display()))
        .await
        .unwrap();
    let report = ingest(&catalog, std::slice::from_ref(&input)).await;
    assert_eq!(report.ingested, 1, "{report:#?}");
    assert_eq!(report.quarantined.len(), 5, "{report:#?}");
    let reason = |name: &str| {
        report
            .quarantined
            .iter()
            .find(|q| q.source.ends_with(name))
            .map(|q| q.reason.clone())
            .unwrap_or_else(|| panic!("{name} not quarantined"))
    };
    assert!(reason("malformed.json").contains("invalid JSON"));
    assert!(reason("nan.json").contains("NaN"));
    assert!(reason("latin1.json").contains("UTF-8"));
    assert!(reason("empty.json").contains("empty"));
    assert!(reason("backwards.json").contains("segments[0].end"));
    assert_eq!(catalog.quarantined().await.unwrap().len(), 5);

    // Fixing a file takes it out of quarantine.
    std::fs::copy(
        shared.join("fixtures/transcripts/whisperx_single_word.json"),
        input.join("empty.json"),
    )
    .unwrap();
    let report = ingest(&catalog, &[input]).await;
    assert_eq!(report.ingested, 1, "{report:#?}");
    assert_eq!(report.unchanged, 5, "{report:#?}");
    assert_eq!(catalog.quarantined().await.unwrap().len(), 4);
}

#[tokio::test]
async fn changed_input_replaces_its_lesson() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lesson.json");
    let doc = |text: &str| {
        format!(
            r#"{{"task":"transcribe","language":"en","segments":[{{"start":0,"end":3,"text":"{text}",
            "words":[{{"word":"{text}","start":0.1,"end":0.9,"probability":0.9}}]}}]}}"#
        )
    };
    std::fs::write(&file, doc("hammer-on")).unwrap();
    let catalog = Catalog::open(&format!("sqlite://{}", dir.path().join("c.db").display()))
        .await
        .unwrap();
    let r1 = ingest(&catalog, std::slice::from_ref(&file)).await;
    assert_eq!(r1.ingested, 1);
    std::fs::write(&file, doc("pull-off")).unwrap();
    let r2 = ingest(&catalog, std::slice::from_ref(&file)).await;
    assert_eq!(r2.replaced, 1, "{r2:#?}");
    let lesson = catalog.lesson("lesson").await.unwrap();
    assert_eq!(lesson.utterances[0].text, "pull-off");
    assert_eq!(lesson.terms.len(), 1);
    assert_eq!(lesson.terms[0].term, "pull-off");
    assert_eq!(catalog.stats().await.unwrap().lessons, 1);
}

#[tokio::test]
async fn manifest_carries_metadata_and_rejects_bad_rows() {
    let Some(shared) = shared_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    let real = shared.join("fixtures/transcripts/whisperx_fingerstyle_intro.json");
    let csv = format!(
        "lesson_id,title,description,course,chapter,instructor,level,style,order,runtime,transcript_path,audio_path\n\
         L1,Intro,\"Muriel introduces the course, and the thumb\",1-2-3 Fingerstyle Guitar,Start,Muriel Anderson,beginner,fingerstyle,1,206,{},\n\
         L2,Broken,,C,,X,,,notanumber,10,missing.json,\n\
         L3,No transcript,,C,,X,,,1,10,,\n",
        real.display()
    );
    std::fs::write(dir.path().join("manifest.csv"), csv).unwrap();
    let catalog = Catalog::open(&format!("sqlite://{}", dir.path().join("c.db").display()))
        .await
        .unwrap();
    let report = ingest(&catalog, &[dir.path().join("manifest.csv")]).await;
    assert_eq!(report.ingested, 1, "{report:#?}");
    assert_eq!(report.quarantined.len(), 2, "{report:#?}");
    assert!(
        report
            .quarantined
            .iter()
            .any(|q| q.reason.contains("`order`"))
    );
    assert!(
        report
            .quarantined
            .iter()
            .any(|q| q.reason.contains("`transcript_path`"))
    );
    let l = catalog.lesson("L1").await.unwrap();
    assert_eq!(l.summary.title.as_deref(), Some("Intro"));
    assert_eq!(l.summary.level.as_deref(), Some("beginner"));
    assert_eq!(
        l.description.as_deref(),
        Some("Muriel introduces the course, and the thumb")
    );
    assert_eq!(l.chapter.as_deref(), Some("Start"));
}

#[tokio::test]
async fn generated_corpus_ingests_with_its_bad_files_quarantined_or_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    let summary = fretwise_corpus::generate(
        &corpus,
        &fretwise_corpus::CorpusOptions {
            instructors: 5,
            lessons: 300,
            seed: 3,
            bad_rate: 0.05,
        },
    )
    .unwrap();
    assert!(summary.bad_files > 0);
    let catalog = Catalog::open(&format!("sqlite://{}", dir.path().join("c.db").display()))
        .await
        .unwrap();
    let report = ingest(&catalog, &[corpus]).await;
    assert_eq!(report.ingested + report.quarantined.len(), 300);
    assert_eq!(
        report.quarantined.len() + report.flagged.len(),
        summary.bad_files,
        "every deliberately bad file is caught: {report:#?}"
    );
    let stats = catalog.stats().await.unwrap();
    assert_eq!(stats.instructors, 5);
    assert!(stats.mean_quality > 0.7);
}
