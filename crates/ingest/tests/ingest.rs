//! End-to-end ingest against the real fixtures, on SQLite and (when configured) PostgreSQL.

use std::path::{Path, PathBuf};

use fretwise_catalog::Catalog;
use fretwise_ingest::{IngestOptions, IngestReport, discover, ingest_items};
use fretwise_testkit::shared_dir;

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
    assert!(
        !rerun.trainable,
        "an exact duplicate is not trainable: {rerun:#?}"
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
    assert_eq!(
        stats.trainable, 2,
        "the lesson, its plain-Whisper transcript; not the rerun"
    );

    // A forced re-ingest rewrites every row and still keeps one trainable copy of the text.
    let (items, rejected) = discover(&fixture_paths(shared)).unwrap();
    let forced = IngestOptions {
        force: true,
        ..IngestOptions::default()
    };
    ingest_items(catalog, items, rejected, &forced, &())
        .await
        .unwrap();
    let lessons = catalog.lessons().await.unwrap();
    let trainable: Vec<&str> = lessons
        .iter()
        .filter(|l| l.trainable)
        .map(|l| l.id.as_str())
        .collect();
    assert_eq!(
        trainable,
        [
            "whisper-plain-fingerstyle-intro",
            "whisperx-fingerstyle-intro"
        ]
    );
    let rerun = lessons
        .iter()
        .find(|l| l.id == "whisperx-fingerstyle-intro-rerun")
        .unwrap();
    assert_eq!(
        rerun.duplicate_of.as_deref(),
        Some("whisperx-fingerstyle-intro")
    );
}

/// A fresh SQLite catalog, plus a fresh PostgreSQL database when `FRETWISE_TEST_POSTGRES_URL`
/// is set (required under CI), each with its own scratch folder: every test runs on both.
async fn backends(test: &str) -> Vec<(tempfile::TempDir, Catalog)> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Catalog::open(&format!("sqlite://{}", dir.path().join("c.db").display()))
        .await
        .unwrap();
    let mut out = vec![(dir, sqlite)];
    if let Some(url) = fretwise_testkit::fresh_postgres_database(test).await {
        let catalog = Catalog::open(&url).await.unwrap();
        assert!(catalog.is_postgres());
        out.push((tempfile::tempdir().unwrap(), catalog));
    }
    out
}

macro_rules! on_every_backend {
    ($name:ident, $body:ident) => {
        #[tokio::test]
        async fn $name() {
            for (dir, catalog) in backends(stringify!($name)).await {
                $body(&catalog, dir.path()).await;
            }
        }
    };
}

async fn fixtures(catalog: &Catalog, _dir: &Path) {
    let Some(shared) = shared_dir() else { return };
    fixtures_behave_as_specified(catalog, &shared).await;
}
on_every_backend!(fixtures_behave_on_every_backend, fixtures);

async fn bad_input(catalog: &Catalog, dir: &Path) {
    let Some(shared) = shared_dir() else { return };
    let input = dir.join("in");
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

    let report = ingest(catalog, std::slice::from_ref(&input)).await;
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
    let report = ingest(catalog, &[input]).await;
    assert_eq!(report.ingested, 1, "{report:#?}");
    assert_eq!(report.unchanged, 5, "{report:#?}");
    assert_eq!(catalog.quarantined().await.unwrap().len(), 4);
}

async fn changed_input(catalog: &Catalog, dir: &Path) {
    let file = dir.join("lesson.json");
    let doc = |text: &str| {
        format!(
            r#"{{"task":"transcribe","language":"en","segments":[{{"start":0,"end":3,"text":"{text}",
            "words":[{{"word":"{text}","start":0.1,"end":0.9,"probability":0.9}}]}}]}}"#
        )
    };
    std::fs::write(&file, doc("hammer-on")).unwrap();
    let r1 = ingest(catalog, std::slice::from_ref(&file)).await;
    assert_eq!(r1.ingested, 1);
    std::fs::write(&file, doc("pull-off")).unwrap();
    let r2 = ingest(catalog, std::slice::from_ref(&file)).await;
    assert_eq!(r2.replaced, 1, "{r2:#?}");
    let lesson = catalog.lesson("lesson").await.unwrap();
    assert_eq!(lesson.utterances[0].text, "pull-off");
    assert_eq!(lesson.terms.len(), 1);
    assert_eq!(lesson.terms[0].term, "pull-off");
    assert_eq!(catalog.stats().await.unwrap().lessons, 1);
}

async fn manifest(catalog: &Catalog, dir: &Path) {
    let Some(shared) = shared_dir() else { return };
    // Manifest paths are relative to the manifest: the fixture is copied beside it (scratch).
    let real = shared.join("fixtures/transcripts/whisperx_fingerstyle_intro.json");
    std::fs::copy(&real, dir.join("intro.json")).unwrap();
    let csv = "lesson_id,title,description,course,chapter,instructor,level,style,order,runtime,transcript_path,audio_path,video_url\n\
         L1,Intro,\"Muriel introduces the course, and the thumb\",1-2-3 Fingerstyle Guitar,Start,Muriel Anderson,beginner,fingerstyle,1,206,intro.json,,https://videos.example.com/tf/L1.mp4\n\
         L2,Broken,,C,,X,,,notanumber,10,missing.json,,\n\
         L3,No transcript,,C,,X,,,1,10,,,\n\
         L4,Scripted link,,C,,X,,,1,10,intro.json,,javascript:alert(1)\n";
    std::fs::write(dir.join("manifest.csv"), csv).unwrap();
    let report = ingest(catalog, &[dir.join("manifest.csv")]).await;
    assert_eq!(report.ingested, 1, "{report:#?}");
    assert_eq!(report.quarantined.len(), 3, "{report:#?}");
    assert!(
        report
            .quarantined
            .iter()
            .any(|q| q.reason.contains("`video_url`") && q.reason.contains("not an http(s) URL")),
        "{report:#?}"
    );
    let videos = catalog
        .video_urls(&["L1".to_string(), "L2".to_string()])
        .await
        .unwrap();
    assert_eq!(videos.len(), 1, "{videos:?}");
    assert_eq!(videos["L1"], "https://videos.example.com/tf/L1.mp4");
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
    assert_eq!(
        l.video_url.as_deref(),
        Some("https://videos.example.com/tf/L1.mp4")
    );
}

async fn generated_corpus(catalog: &Catalog, dir: &Path) {
    let corpus = dir.join("corpus");
    let summary = fretwise_corpus::generate(
        &corpus,
        &fretwise_corpus::CorpusOptions {
            instructors: 5,
            lessons: 300,
            seed: 3,
            bad_rate: 0.05,
            audio: None,
        },
    )
    .unwrap();
    assert!(summary.bad_files > 0);
    let report = ingest(catalog, &[corpus]).await;
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
on_every_backend!(bad_input_is_quarantined_without_losing_the_rest, bad_input);
on_every_backend!(changed_input_replaces_its_lesson, changed_input);
on_every_backend!(manifest_carries_metadata_and_rejects_bad_rows, manifest);
on_every_backend!(
    generated_corpus_ingests_with_its_bad_files_quarantined_or_flagged,
    generated_corpus
);

async fn json_manifest(catalog: &Catalog, dir: &Path) {
    let Some(shared) = shared_dir() else { return };
    let real = shared.join("fixtures/transcripts/whisperx_single_word.json");
    std::fs::copy(&real, dir.join("single.json")).unwrap();
    let manifest = serde_json::json!({"lessons": [
        {"lesson_id": "J1", "title": "Near silence", "instructor": "Someone", "level": "advanced",
         "style": "jazz", "order": "3", "runtime": "12", "transcript_path": "single.json"},
        {"lesson_id": "", "transcript_path": "x.json"}
    ]});
    std::fs::write(dir.join("manifest.json"), manifest.to_string()).unwrap();
    let report = ingest(catalog, &[dir.to_path_buf()]).await;
    assert_eq!(report.ingested, 1, "{report:#?}");
    assert_eq!(report.quarantined.len(), 1);
    assert!(report.quarantined[0].reason.contains("`lesson_id`"));
    let l = catalog.lesson("J1").await.unwrap();
    assert_eq!(l.summary.style.as_deref(), Some("jazz"));
    assert!(!l.summary.trainable);
}
on_every_backend!(json_manifest_is_read_like_csv, json_manifest);

async fn escaping_manifest(catalog: &Catalog, dir: &Path) {
    // A real transcript inside the manifest's folder and a copy just outside it.
    let generated = dir.join("generated");
    fretwise_corpus::generate(
        &generated,
        &fretwise_corpus::CorpusOptions {
            instructors: 1,
            lessons: 1,
            seed: 4,
            bad_rate: 0.0,
            audio: None,
        },
    )
    .unwrap();
    let (items, _) = discover(std::slice::from_ref(&generated)).unwrap();
    let fretwise_ingest::Payload::File(transcript) = &items[0].payload else {
        panic!("the generated lesson is a file")
    };
    let corpus = dir.join("corpus");
    std::fs::create_dir_all(dir.join("good")).unwrap();
    std::fs::create_dir_all(&corpus).unwrap();
    std::fs::copy(transcript, corpus.join("inside.json")).unwrap();
    std::fs::copy(transcript, dir.join("good/x.json")).unwrap();
    let outside = dir.join("good/x.json");
    let csv = format!(
        "lesson_id,title,transcript_path,audio_path\n\
         IN,Inside,inside.json,audio/inside.wav\n\
         UP,Up,../good/x.json,\n\
         ABS,Absolute,{},\n\
         ETC,Etc,/etc/passwd,\n\
         SNEAK,Sneak,sub/../../good/x.json,\n\
         AUDIO,Audio,inside.json,../../secret.wav\n",
        outside.display()
    );
    std::fs::write(corpus.join("manifest.csv"), csv).unwrap();
    let report = ingest(catalog, std::slice::from_ref(&corpus)).await;
    assert_eq!(report.ingested, 1, "{report:#?}");
    let reason = |row: usize| {
        let source = format!("{}#row={row}", corpus.join("manifest.csv").display());
        report
            .quarantined
            .iter()
            .find(|q| q.source == source)
            .map(|q| q.reason.clone())
            .unwrap_or_else(|| panic!("row {row} not quarantined: {report:#?}"))
    };
    assert_eq!(
        reason(2),
        "manifest row 2: field `transcript_path`: `../good/x.json` leads outside the manifest's folder"
    );
    assert!(reason(3).contains(&format!("`{}` is an absolute path", outside.display())));
    assert!(reason(4).contains("`/etc/passwd` is an absolute path"));
    assert!(reason(5).contains("`sub/../../good/x.json` leads outside"));
    assert!(reason(6).contains("field `audio_path`: `../../secret.wav` leads outside"));
    assert_eq!(report.quarantined.len(), 5, "{report:#?}");
    assert!(
        catalog.lesson("UP").await.is_err(),
        "a path outside was read"
    );
    let stored = catalog.lesson("IN").await.unwrap();
    assert_eq!(stored.summary.title.as_deref(), Some("Inside"));
}
on_every_backend!(
    manifest_paths_outside_the_manifest_folder_are_quarantined,
    escaping_manifest
);

async fn oversized(catalog: &Catalog, dir: &Path) {
    let Some(shared) = shared_dir() else { return };
    let big = shared.join("fixtures/transcripts/whisperx_fingerstyle_intro.json");
    let small = shared.join("fixtures/transcripts/whisperx_single_word.json");
    let (items, rejected) = discover(&[big, small]).unwrap();
    let mut options = IngestOptions::default();
    options.read.max_bytes = 50_000;
    let report = ingest_items(catalog, items, rejected, &options, &())
        .await
        .unwrap();
    assert_eq!(report.ingested, 1, "{report:#?}");
    assert_eq!(report.quarantined.len(), 1);
    assert!(
        report.quarantined[0]
            .reason
            .contains("over the limit of 50000 bytes")
    );
    let _ = dir;
}
on_every_backend!(
    oversized_input_is_quarantined_by_the_configured_limit,
    oversized
);
