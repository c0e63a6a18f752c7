//! The search index fed the lessons while ingest stores them holds exactly what an index built
//! afterwards from the catalog holds: the same passages, lessons and near duplicates, also when
//! the catalog names a fed lesson's instructor differently and when lessons change on a
//! second ingest.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use fretwise_catalog::Catalog;
use fretwise_instructor::{IndexReport, PassageIndex};

/// Ingests `paths` into the catalog at `db`; with `feed`, the index is fed as ingest runs.
async fn ingest(db: &Path, index_dir: &Path, paths: &[PathBuf], feed: bool) -> IndexReport {
    let catalog = Catalog::open(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let mut index = PassageIndex::open(index_dir).unwrap();
    let fed = feed.then(|| index.feed().unwrap());
    let options = fretwise_ingest::IngestOptions {
        analysis: Some(Arc::new(fretwise_knowledge::LessonAnalyzer::builtin())),
        sink: fed
            .clone()
            .map(|f| f as Arc<dyn fretwise_catalog::LessonSink>),
        ..fretwise_ingest::IngestOptions::default()
    };
    let (items, rejected) = fretwise_ingest::discover(paths).unwrap();
    let report = fretwise_ingest::ingest_items(&catalog, items, rejected, &options, &())
        .await
        .unwrap();
    assert!(report.ingested + report.replaced > 0, "{report:?}");
    let fed = fed.map(|f| f.finish().unwrap());
    let (_, indexed) = fretwise_instructor::refresh(&catalog, &mut index, fed, Arc::new(()), &())
        .await
        .unwrap();
    catalog.close().await;
    indexed
}

fn documents(index_dir: &Path) -> Vec<String> {
    PassageIndex::open(index_dir).unwrap().documents().unwrap()
}

/// Two lessons generated apart from the corpus, in a folder of their own without a manifest:
/// their instructor comes from the transcript, named two ways under one id (the catalog keeps
/// one name, so one fed lesson disagrees with it).
fn renamed_pair(dir: &Path) -> PathBuf {
    let other = dir.join("other");
    fretwise_corpus::generate(
        &other,
        &fretwise_corpus::CorpusOptions {
            instructors: 1,
            lessons: 2,
            seed: 99,
            bad_rate: 0.0,
            audio: None,
        },
    )
    .unwrap();
    let out = dir.join("renamed");
    std::fs::create_dir_all(&out).unwrap();
    let mut files = walk(&other);
    files.sort();
    for (k, name) in ["Ada Fretmaker", "ADA FRETMAKER"].iter().enumerate() {
        let text = std::fs::read_to_string(&files[k]).unwrap();
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["settings"]["template_context"]["instructor_name"] = (*name).into();
        std::fs::write(out.join(format!("renamed-{k}.json")), v.to_string()).unwrap();
    }
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "json") && !p.ends_with("manifest.json") {
            out.push(p);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fed_index_equals_one_built_from_the_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    fretwise_corpus::generate(
        &corpus,
        &fretwise_corpus::CorpusOptions {
            instructors: 5,
            lessons: 120,
            seed: 5,
            bad_rate: 0.05,
            audio: None,
        },
    )
    .unwrap();
    let renamed = renamed_pair(dir.path());
    let mut paths = vec![corpus.clone(), renamed];
    // The real lesson in its variants: an exact duplicate and near duplicates among them.
    if let Some(shared) = fretwise_testkit::shared_dir() {
        paths.push(shared.join("fixtures/transcripts"));
    }
    let (fed_db, fed_index) = (dir.path().join("fed.db"), dir.path().join("fed.index"));
    let (read_db, read_index) = (dir.path().join("read.db"), dir.path().join("read.index"));
    let fed = ingest(&fed_db, &fed_index, &paths, true).await;
    let read = ingest(&read_db, &read_index, &paths, false).await;
    assert!(fed.rebuilt && read.rebuilt);
    assert!(fed.lessons > 100, "{fed:?}");
    assert_eq!(
        (fed.lessons, fed.passages, fed.added, fed.near_duplicates),
        (
            read.lessons,
            read.passages,
            read.added,
            read.near_duplicates
        ),
        "fed {fed:?}\nread {read:?}"
    );
    let docs = documents(&fed_index);
    assert_eq!(docs.len() as u64, fed.passages);
    assert!(docs == documents(&read_index), "the fed index differs");
    // The catalog kept one of the two spellings: every passage of both lessons carries it.
    let names: std::collections::BTreeSet<String> = docs
        .iter()
        .map(|d| serde_json::from_str::<serde_json::Value>(d).unwrap())
        .filter(|d| {
            d["lesson_id"][0]
                .as_str()
                .is_some_and(|id| id.contains("renamed-"))
        })
        .map(|d| d["instructor"][0].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");

    // A second ingest changes two lessons: the fed update replaces them as a read one does.
    let mut files = walk(&corpus);
    files.sort();
    for f in [&files[3], &files[40]] {
        let text = std::fs::read_to_string(f).unwrap();
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["segments"][0]["text"] =
            " A new first sentence about barre chords and string bending.".into();
        std::fs::write(f, v.to_string()).unwrap();
    }
    let fed2 = ingest(&fed_db, &fed_index, &paths, true).await;
    let read2 = ingest(&read_db, &read_index, &paths, false).await;
    assert!(!fed2.rebuilt);
    assert_eq!(
        (fed2.lessons, fed2.passages, fed2.added, fed2.removed),
        (read2.lessons, read2.passages, read2.added, read2.removed),
        "fed {fed2:?}\nread {read2:?}"
    );
    assert!(
        documents(&fed_index) == documents(&read_index),
        "the fed index differs after a change"
    );
}
