//! Export end to end: the real fixtures, determinism, and split guarantees on a generated corpus.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use fretwise_catalog::Catalog;
use fretwise_dataset::curate::Filters;
use fretwise_dataset::examples::ChunkOptions;
use fretwise_dataset::{ExportOptions, Format, export};
use fretwise_ingest::{IngestOptions, discover, ingest_items};
use fretwise_testkit::shared_dir;

async fn catalog_with(dir: &Path, inputs: &[PathBuf]) -> Catalog {
    let catalog = Catalog::open(&format!("sqlite://{}", dir.join("c.db").display()))
        .await
        .unwrap();
    let (items, rejected) = discover(inputs).unwrap();
    ingest_items(&catalog, items, rejected, &IngestOptions::default(), &())
        .await
        .unwrap();
    catalog
}

fn options(out: PathBuf) -> ExportOptions {
    ExportOptions {
        out,
        formats: Format::ALL.to_vec(),
        filters: Filters::default(),
        seed: 42,
        max_examples: None,
        split_shares: Default::default(),
        test_styles: Vec::new(),
        test_advanced_concepts: false,
        chunk: ChunkOptions::default(),
        theory_rate: 0.1,
        created_at: "2026-01-01T00:00:00Z".into(),
        source: "test".into(),
    }
}

fn jsonl(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(!text.starts_with('\u{feff}'), "BOM in {}", path.display());
    assert!(!text.contains("NaN") && !text.contains("Infinity"));
    text.lines()
        .map(|l| {
            assert!(!l.trim().is_empty(), "blank line in {}", path.display());
            serde_json::from_str(l).unwrap()
        })
        .collect()
}

fn parquet_rows(path: &Path) -> Vec<(String, String, String)> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let reader = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = Vec::new();
    for row in reader.get_row_iter(None).unwrap() {
        let row = row.unwrap();
        let mut id = String::new();
        let mut seg = String::new();
        let mut text = String::new();
        for (name, field) in row.get_column_iter() {
            match name.as_str() {
                "id" => id = field.to_string().trim_matches('"').to_string(),
                "segment_id" => seg = field.to_string().trim_matches('"').to_string(),
                "text" => text = field.to_string(),
                _ => {}
            }
        }
        out.push((id, seg, text));
    }
    out
}

#[tokio::test]
async fn real_fixtures_export_the_lesson_once() {
    let Some(shared) = shared_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog_with(dir.path(), &[shared.join("fixtures/transcripts")]).await;
    let out = dir.path().join("out");
    let m = export(&catalog, &options(out.clone()), &()).await.unwrap();
    assert_eq!(m["dedup"]["exact_removed"], 1);
    assert_eq!(m["dedup"]["near_removed"], 1);
    assert_eq!(
        m["dedup"]["near_duplicates"]["whisper-plain-fingerstyle-intro"],
        "whisperx-fingerstyle-intro"
    );
    assert_eq!(m["filters"]["removed"]["flagged"], 2);
    let docs = jsonl(&out.join("langchain/documents.jsonl"));
    let lessons: BTreeSet<&str> = docs
        .iter()
        .map(|d| d["metadata"]["segment_id"].as_str().unwrap())
        .collect();
    assert_eq!(lessons, BTreeSet::from(["whisperx-fingerstyle-intro"]));
    for d in &docs {
        assert!(
            d["page_content"]
                .as_str()
                .unwrap()
                .split_whitespace()
                .count()
                >= 25
        );
        assert!(d["metadata"]["start_s"].is_f64() && d["metadata"]["split"].is_string());
    }
    // OpenAI lines: only "messages", roles in order, string contents, an assistant turn.
    for split in ["train", "validation", "test"] {
        for line in jsonl(&out.join(format!("openai/{split}.jsonl"))) {
            let obj = line.as_object().unwrap();
            assert_eq!(obj.keys().collect::<Vec<_>>(), ["messages"]);
            let roles: Vec<&str> = line["messages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["role"].as_str().unwrap())
                .collect();
            assert_eq!(roles, ["system", "user", "assistant"]);
            assert!(
                line["messages"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|m| m["content"].as_str().is_some_and(|c| !c.is_empty()))
            );
        }
    }
    let rows = parquet_rows(&out.join("hf/data/train-00000-of-00001.parquet"));
    assert_eq!(rows.len(), docs.len());
    assert!(
        rows.iter()
            .all(|(_, seg, _)| seg == "whisperx-fingerstyle-intro")
    );
    for split in ["validation", "test"] {
        // Empty splits get no shard and no card entry (load_dataset cannot load an empty split).
        assert!(
            !out.join(format!("hf/data/{split}-00000-of-00001.parquet"))
                .exists()
        );
    }
    let card = std::fs::read_to_string(out.join("hf/README.md")).unwrap();
    assert!(card.starts_with("---\n"));
    assert!(
        card.contains("path: data/train-*.parquet") && card.contains("size_categories:\n- n<1K")
    );
    assert!(!card.contains("split: validation"));
    let mm = jsonl(&out.join("multimodal/train.jsonl"));
    assert!(mm[0]["words"][0]["start"].is_f64());
    assert!(mm[0]["audio_features"].is_null());
    let conv = jsonl(&out.join("conversational/train.jsonl"));
    assert_eq!(conv.len(), 1);
    assert!(conv[0]["conversations"][1]["context"]["preceding_utterances"].is_array());
    assert!(m["tokens"]["passages"]["train"]["tokens"].as_u64().unwrap() > 400);
}

#[tokio::test]
async fn generated_corpus_splits_hold_out_instructors_and_are_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    fretwise_corpus::generate(
        &corpus,
        &fretwise_corpus::CorpusOptions {
            instructors: 30,
            lessons: 600,
            seed: 5,
            bad_rate: 0.02,
            audio: None,
        },
    )
    .unwrap();
    let catalog = catalog_with(dir.path(), &[corpus]).await;
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    let mut opts = options(a.clone());
    let m = export(&catalog, &opts, &()).await.unwrap();
    opts.out = b.clone();
    opts.created_at = "2026-06-01T00:00:00Z".into();
    export(&catalog, &opts, &()).await.unwrap();
    let (mut sa, mut sb) = (
        fretwise_testkit::snapshot_dir(&a),
        fretwise_testkit::snapshot_dir(&b),
    );
    let strip = |s: &mut BTreeMap<String, Vec<u8>>| {
        let mut v: serde_json::Value = serde_json::from_slice(&s["manifest.json"]).unwrap();
        v.as_object_mut().unwrap().remove("created_at");
        s.insert("manifest.json".into(), serde_json::to_vec(&v).unwrap());
    };
    strip(&mut sa);
    strip(&mut sb);
    assert_eq!(sa.keys().collect::<Vec<_>>(), sb.keys().collect::<Vec<_>>());
    for (k, v) in &sa {
        assert!(
            sb[k] == *v,
            "{k} differs between two runs with the same seed"
        );
    }

    let docs = jsonl(&a.join("langchain/documents.jsonl"));
    let mut instructors: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut styles: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut texts = BTreeSet::new();
    for d in &docs {
        let md = &d["metadata"];
        let split = md["split"].as_str().unwrap();
        instructors
            .entry(split)
            .or_default()
            .insert(md["instructor"].as_str().unwrap());
        styles
            .entry(split)
            .or_default()
            .insert(md["style"].as_str().unwrap());
        assert!(
            texts.insert(d["page_content"].as_str().unwrap()),
            "duplicate passage text"
        );
    }
    assert!(instructors["train"].is_disjoint(&instructors["validation"]));
    assert!(instructors["train"].is_disjoint(&instructors["test"]));
    for split in ["train", "validation", "test"] {
        assert!(
            styles[split].len() >= 3,
            "{split} has styles {:?}",
            styles[split]
        );
    }
    let lessons = |s: &str| m["splits"][s]["lessons"].as_u64().unwrap() as f64;
    let total = lessons("train") + lessons("validation") + lessons("test");
    assert!(
        (lessons("train") / total - 0.7).abs() < 0.1,
        "{}",
        m["splits"]
    );
    assert!(
        m["pairs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["source"] == "theory")
    );
}

#[tokio::test]
async fn test_styles_are_held_out_and_bad_out_dirs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    fretwise_corpus::generate(
        &corpus,
        &fretwise_corpus::CorpusOptions {
            instructors: 18,
            lessons: 200,
            seed: 8,
            bad_rate: 0.0,
            audio: None,
        },
    )
    .unwrap();
    let catalog = catalog_with(dir.path(), &[corpus]).await;
    let out = dir.path().join("out");
    let mut opts = options(out.clone());
    opts.test_styles = vec!["jazz".into()];
    opts.formats = vec![Format::Langchain];
    export(&catalog, &opts, &()).await.unwrap();
    for d in jsonl(&out.join("langchain/documents.jsonl")) {
        if d["metadata"]["style"] == "jazz" {
            assert_eq!(d["metadata"]["split"], "test");
        }
    }
    // Advanced concepts held out: no lesson whose main concept has difficulty ≥ 4 is in train.
    opts.test_styles.clear();
    opts.test_advanced_concepts = true;
    export(&catalog, &opts, &()).await.unwrap();
    let ontology = fretwise_knowledge::Ontology::builtin();
    let mut advanced_in_test = 0;
    let mut per_lesson: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for d in jsonl(&out.join("langchain/documents.jsonl")) {
        let md = &d["metadata"];
        let e = per_lesson
            .entry(md["segment_id"].as_str().unwrap().to_string())
            .or_insert((md["split"].as_str().unwrap().to_string(), Vec::new()));
        e.1.extend(
            md["concepts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_string()),
        );
    }
    for (split, concepts) in per_lesson.values() {
        assert!(concepts.iter().all(|c| ontology.get(c).is_some()));
        if split == "test"
            && concepts
                .iter()
                .any(|c| ontology.get(c).unwrap().difficulty >= 4)
        {
            advanced_in_test += 1;
        }
    }
    assert!(advanced_in_test > 0, "some advanced lessons were held out");

    let precious = dir.path().join("precious");
    std::fs::create_dir(&precious).unwrap();
    std::fs::write(precious.join("notes.txt"), "keep me").unwrap();
    opts.out = precious.clone();
    assert!(export(&catalog, &opts, &()).await.is_err());
    assert!(precious.join("notes.txt").is_file());

    // A folder holding a manifest.json (an ingest corpus has one) is not an earlier export.
    let corpus_like = dir.path().join("corpus-like");
    std::fs::create_dir(&corpus_like).unwrap();
    std::fs::write(corpus_like.join("manifest.json"), r#"{"anything":1}"#).unwrap();
    std::fs::write(corpus_like.join("lesson.json"), "{}").unwrap();
    opts.out = corpus_like.clone();
    let e = export(&catalog, &opts, &()).await.unwrap_err().to_string();
    assert!(
        e.contains(&corpus_like.display().to_string()) && e.contains("not a fretwise export"),
        "{e}"
    );
    assert_eq!(
        std::fs::read_to_string(corpus_like.join("manifest.json")).unwrap(),
        r#"{"anything":1}"#
    );
    assert!(corpus_like.join("lesson.json").is_file());
    assert!(!dir.path().join(".corpus-like.partial").exists());

    // Every export is marked, and an earlier export is replaced.
    assert!(out.join(".fretwise-export").is_file());
    opts.out = out.clone();
    export(&catalog, &opts, &()).await.unwrap();
    assert!(out.join(".fretwise-export").is_file());
}
