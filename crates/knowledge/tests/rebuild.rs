//! The knowledge base built into a real catalog (SQLite, and PostgreSQL when configured) from a
//! generated corpus: everything stored, incremental rebuilds touch only what changed, the graph
//! stays acyclic, profiles keep the contract's shape.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use fretwise_catalog::Catalog;
use fretwise_knowledge::{ConceptGraph, Occurrence, Profile, TeachingSentence, rebuild};

async fn ingest(catalog: &Catalog, dir: &Path) {
    let (items, rejected) = fretwise_ingest::discover(&[dir.to_path_buf()]).unwrap();
    fretwise_ingest::ingest_items(
        catalog,
        items,
        rejected,
        &fretwise_ingest::IngestOptions::default(),
        &(),
    )
    .await
    .unwrap();
}

fn assert_acyclic(g: &ConceptGraph) {
    let mut adj: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut indegree: BTreeMap<&str, usize> = g.nodes.iter().map(|n| (n.id.as_str(), 0)).collect();
    for e in g.edges.iter().filter(|e| e.kind == "prerequisite") {
        adj.entry(e.from.as_str()).or_default().push(e.to.as_str());
        *indegree.entry(e.to.as_str()).or_default() += 1;
    }
    let mut ready: Vec<&str> = indegree
        .iter()
        .filter(|(_, d)| **d == 0)
        .map(|(k, _)| *k)
        .collect();
    let mut seen = 0;
    while let Some(n) = ready.pop() {
        seen += 1;
        for m in adj.get(n).into_iter().flatten() {
            let d = indegree.get_mut(m).unwrap();
            *d -= 1;
            if *d == 0 {
                ready.push(m);
            }
        }
    }
    assert_eq!(seen, indegree.len(), "prerequisite edges form a cycle");
}

async fn knowledge_is_built_and_kept_up_to_date(catalog: &Catalog, dir: &Path) {
    let corpus = dir.join("corpus");
    fretwise_corpus::generate(
        &corpus,
        &fretwise_corpus::CorpusOptions {
            instructors: 6,
            lessons: 120,
            seed: 5,
            bad_rate: 0.02,
            audio: None,
        },
    )
    .unwrap();
    ingest(catalog, &corpus).await;
    let lessons = catalog.lesson_curations().await.unwrap();

    let first = rebuild(catalog, false, &()).await.unwrap();
    assert_eq!(first.lessons_analyzed, lessons.len());
    assert_eq!(first.instructors, 6);
    assert_eq!(first.instructors_repooled, 6);
    assert!(first.aggregated);
    assert_eq!(first.profiles, 6);
    for kind in [
        "prerequisite",
        "related",
        "style_association",
        "progression",
    ] {
        assert!(
            first.edges.get(kind).copied().unwrap_or(0) > 0,
            "{kind}: {:?}",
            first.edges
        );
    }

    // Stored per-lesson knowledge: concepts with timestamps inside the lesson, a timeline.
    let info = lessons.iter().find(|l| l.trainable).unwrap();
    let k = catalog.lesson_knowledge(&info.id).await.unwrap().unwrap();
    assert!(!k.concepts.is_empty());
    for c in &k.concepts {
        let occ: Vec<Occurrence> = serde_json::from_str(&c.occurrences).unwrap();
        assert!(!occ.is_empty() && occ.len() as i64 <= c.mentions);
        for o in occ {
            assert!(
                o.start_s >= 0.0 && o.start_s <= info.duration_s + 1.0,
                "{o:?}"
            );
        }
    }
    let weights: f64 = k.concepts.iter().map(|c| c.weight).sum();
    assert!((weights - 1.0).abs() < 0.01, "weights sum to 1: {weights}");
    let timeline: Vec<TeachingSentence> = serde_json::from_str(&k.timeline).unwrap();
    assert!(timeline.len() >= 3);
    assert!(timeline.windows(2).all(|w| w[0].start_s <= w[1].start_s));
    let teaching = catalog
        .concept_lessons(&k.concepts[0].concept)
        .await
        .unwrap();
    assert!(teaching.iter().any(|l| l.lesson_id == info.id));

    // Stored profiles and graph.
    let (body, _) = catalog.artifact("profiles").await.unwrap().unwrap();
    let profiles: Vec<Profile> = serde_json::from_str(&body).unwrap();
    assert_eq!(profiles.len(), 6);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    for p in v.as_array().unwrap() {
        for path in [
            "/instructor_id",
            "/name",
            "/expertise/primary_styles",
            "/expertise/skill_level_focus",
            "/teaching_characteristics/common_phrases",
            "/lesson_statistics/total_segments",
            "/lesson_statistics/student_skill_levels",
        ] {
            assert!(p.pointer(path).is_some(), "missing {path}");
        }
    }
    for p in &profiles {
        assert!(!p.expertise.primary_styles.is_empty());
        let moves: f64 = p.teaching_characteristics.teaching_moves.values().sum();
        assert!((moves - 1.0).abs() < 0.01);
    }
    let (graph, _) = catalog.artifact("graph").await.unwrap().unwrap();
    let graph: ConceptGraph = serde_json::from_str(&graph).unwrap();
    assert_acyclic(&graph);
    for e in graph.edges.iter().filter(|e| e.evidence != "curated") {
        assert!(!e.evidence.is_empty());
        if e.kind != "progression" {
            assert!(!e.support.is_empty(), "{e:?} names its lessons");
        }
    }

    // Nothing changed: nothing recomputed.
    let again = rebuild(catalog, false, &()).await.unwrap();
    assert_eq!(again.lessons_analyzed, 0);
    assert_eq!(again.instructors_repooled, 0);
    assert!(!again.aggregated);

    // One lesson changes: only it and its instructor are recomputed.
    let path = corpus.join(
        info.source
            .trim_start_matches(&format!("{}/", corpus.display())),
    );
    let path = if path.is_file() {
        path
    } else {
        Path::new(&info.source).to_path_buf()
    };
    let text = std::fs::read_to_string(&path).unwrap();
    let changed = text.replacen(
        "\"text\":\"",
        "\"text\":\"Watch out for a common mistake here. ",
        1,
    );
    assert!(text != changed, "the transcript was edited");
    std::fs::write(&path, changed).unwrap();
    ingest(catalog, &corpus).await;
    let third = rebuild(catalog, false, &()).await.unwrap();
    assert_eq!(third.lessons_analyzed, 1);
    assert_eq!(third.instructors_repooled, 1);
    assert!(third.aggregated);

    // A full rebuild recomputes everything and agrees with the incremental result.
    let (incremental, _) = catalog.artifact("profiles").await.unwrap().unwrap();
    let (incremental_graph, _) = catalog.artifact("graph").await.unwrap().unwrap();
    let full = rebuild(catalog, true, &()).await.unwrap();
    assert_eq!(full.lessons_analyzed, lessons.len());
    assert_eq!(
        catalog.artifact("profiles").await.unwrap().unwrap().0,
        incremental
    );
    assert_eq!(
        catalog.artifact("graph").await.unwrap().unwrap().0,
        incremental_graph
    );
    let names: BTreeSet<String> = profiles.iter().map(|p| p.instructor_id.clone()).collect();
    assert_eq!(names.len(), 6);
}

#[tokio::test]
async fn sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = Catalog::open(&format!("sqlite://{}", dir.path().join("c.db").display()))
        .await
        .unwrap();
    knowledge_is_built_and_kept_up_to_date(&catalog, dir.path()).await;
}

#[tokio::test]
async fn postgres() {
    let Some(url) = fretwise_testkit::fresh_postgres_database("knowledge_rebuild").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let catalog = Catalog::open(&url).await.unwrap();
    knowledge_is_built_and_kept_up_to_date(&catalog, dir.path()).await;
}

/// Every lesson's stored knowledge row, by id.
async fn knowledge_rows(
    catalog: &Catalog,
) -> BTreeMap<String, fretwise_catalog::LessonKnowledgeRow> {
    let mut out = BTreeMap::new();
    for l in catalog.lesson_curations().await.unwrap() {
        let row = catalog.lesson_knowledge(&l.id).await.unwrap();
        out.insert(
            l.id.clone(),
            row.unwrap_or_else(|| panic!("{}: no knowledge", l.id)),
        );
    }
    out
}

async fn knowledge_from_ingest_equals_a_rebuild(catalog: &Catalog, dir: &Path) {
    let corpus = dir.join("corpus");
    fretwise_corpus::generate(
        &corpus,
        &fretwise_corpus::CorpusOptions {
            instructors: 4,
            lessons: 40,
            seed: 9,
            bad_rate: 0.05,
            audio: None,
        },
    )
    .unwrap();
    // The real platform lessons beside the generated ones.
    let mut paths = vec![corpus];
    paths.extend(fretwise_testkit::shared_dir().map(|d| d.join("fixtures/transcripts")));
    let (items, rejected) = fretwise_ingest::discover(&paths).unwrap();
    let options = fretwise_ingest::IngestOptions {
        analysis: Some(std::sync::Arc::new(
            fretwise_knowledge::LessonAnalyzer::builtin(),
        )),
        ..fretwise_ingest::IngestOptions::default()
    };
    let report = fretwise_ingest::ingest_items(catalog, items, rejected, &options, &())
        .await
        .unwrap();
    assert!(report.ingested > 40, "{report:?}");
    let from_ingest = knowledge_rows(catalog).await;
    assert!(
        from_ingest.keys().any(|id| !id.starts_with("sample-"))
            || fretwise_testkit::shared_dir().is_none(),
        "{:?}",
        from_ingest.keys().collect::<Vec<_>>()
    );

    // The rebuild after such an ingest analyses nothing again; it pools phrases and
    // aggregates from the stored rows.
    let incremental = rebuild(catalog, false, &()).await.unwrap();
    assert_eq!(incremental.lessons_analyzed, 0, "{incremental:?}");
    assert_eq!(incremental.instructors_repooled, incremental.instructors);
    assert!(incremental.aggregated && incremental.profiles > 0);
    let profiles_incremental = catalog.artifact("profiles").await.unwrap().unwrap().0;
    let graph_incremental = catalog.artifact("graph").await.unwrap().unwrap().0;

    // A full rebuild reads every lesson back and computes the same rows, profiles and graph.
    let full = rebuild(catalog, true, &()).await.unwrap();
    assert_eq!(full.lessons_analyzed, from_ingest.len());
    let rebuilt = knowledge_rows(catalog).await;
    assert_eq!(rebuilt, from_ingest);
    assert_eq!(
        catalog.artifact("profiles").await.unwrap().unwrap().0,
        profiles_incremental
    );
    assert_eq!(
        catalog.artifact("graph").await.unwrap().unwrap().0,
        graph_incremental
    );
}

#[tokio::test]
async fn knowledge_from_ingest_equals_a_rebuild_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = Catalog::open(&format!("sqlite://{}", dir.path().join("c.db").display()))
        .await
        .unwrap();
    knowledge_from_ingest_equals_a_rebuild(&catalog, dir.path()).await;
}

#[tokio::test]
async fn knowledge_from_ingest_equals_a_rebuild_on_postgres() {
    let Some(url) = fretwise_testkit::fresh_postgres_database("knowledge_inline").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let catalog = Catalog::open(&url).await.unwrap();
    knowledge_from_ingest_equals_a_rebuild(&catalog, dir.path()).await;
}
