//! `fretwise eval` as a user runs it: the JSON report's shape and figures on a small catalog,
//! clear errors for bad input, a report file never written over something else, and the
//! embedded model (real SmolLM2 weights) as a backend with and without retrieval.

mod common;

use common::{fretwise, small_catalog};

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn eval_reports_every_category_and_refuses_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let db = small_catalog(dir.path(), 10, 160, 4);
    let (code, out, err) = fretwise(&["eval", "--db", &db, "--json"], dir.path());
    assert_eq!(code, 0, "{err}");
    let r = json(&out);
    assert_eq!(r["backend"], "grounded");
    let cats = r["categories"].as_object().unwrap();
    assert_eq!(cats.len(), 8, "{cats:?}");
    for (name, c) in cats {
        assert!(c["n"].as_u64().unwrap() > 0, "{name}");
        assert!(c["accuracy"].as_f64().is_some(), "{name}");
    }
    assert_eq!(cats["theory"]["accuracy"], 1.0);
    assert_eq!(cats["fretboard"]["accuracy"], 1.0);
    assert_eq!(r["citations"]["invalid"], 0);
    assert!(r["citation_precision"].as_f64().is_some());
    assert!(r["latency_ms"]["p95"].as_f64().unwrap() > 0.0);

    // The Markdown table, one category.
    let (code, out, err) = fretwise(
        &[
            "eval",
            "--db",
            &db,
            "--categories",
            "tab",
            "--per-category",
            "5",
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("| tab | 5 | 1.000 |"), "{out}");

    let (code, _, err) = fretwise(&["eval", "--db", &db, "--categories", "chords"], dir.path());
    assert_ne!(code, 0);
    assert!(
        err.contains("--categories") && err.contains("no category `chords`"),
        "{err}"
    );
    let (code, _, err) = fretwise(&["eval", "--db", &db, "--backend", "llm"], dir.path());
    assert_ne!(code, 0);
    assert!(err.contains("need a model"), "{err}");

    // --out writes the report, replaces its own report, and never a file it did not write.
    let report = dir.path().join("report.json");
    let args = [
        "eval",
        "--db",
        &db,
        "--categories",
        "safety",
        "--per-category",
        "3",
        "--out",
    ];
    let mut with_out: Vec<&str> = args.to_vec();
    let path = report.to_str().unwrap();
    with_out.push(path);
    let (code, _, err) = fretwise(&with_out, dir.path());
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&std::fs::read_to_string(&report).unwrap())["items"], 3);
    let (code, _, err) = fretwise(&with_out, dir.path());
    assert_eq!(code, 0, "{err}");
    let notes = dir.path().join("notes.json");
    std::fs::write(&notes, "{\"mine\": true}").unwrap();
    with_out.pop();
    let notes_path = notes.to_str().unwrap();
    with_out.push(notes_path);
    let (code, _, err) = fretwise(&with_out, dir.path());
    assert_ne!(code, 0);
    assert!(err.contains("not overwriting"), "{err}");
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "{\"mine\": true}");
}

/// SmolLM2-135M-Instruct (GGUF): `FRETWISE_SMOLLM2_GGUF`; skips without it unless
/// `FRETWISE_REQUIRE_MODELS` is set (CI), where it fails.
fn smollm2() -> Option<String> {
    match std::env::var("FRETWISE_SMOLLM2_GGUF") {
        Ok(p) if std::path::Path::new(&p).is_file() => Some(p),
        other => {
            assert!(
                std::env::var("FRETWISE_REQUIRE_MODELS").is_err(),
                "FRETWISE_SMOLLM2_GGUF ({other:?}) must name the SmolLM2 GGUF (.ci/run installs it)"
            );
            None
        }
    }
}

#[test]
fn eval_runs_the_embedded_model_with_and_without_retrieval() {
    let Some(model) = smollm2() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = small_catalog(dir.path(), 6, 60, 9);
    let llm = format!("local:{model}");
    for (backend, name) in [("llm", "+ retrieval"), ("llm-alone", "alone")] {
        let (code, out, err) = fretwise(
            &[
                "eval",
                "--db",
                &db,
                "--json",
                "--backend",
                backend,
                "--llm",
                &llm,
                "--llm-max-tokens",
                "40",
                "--categories",
                "theory",
                "--per-category",
                "3",
            ],
            dir.path(),
        );
        assert_eq!(code, 0, "{err}");
        let r = json(&out);
        assert!(
            r["backend"].as_str().unwrap().ends_with(name),
            "{}",
            r["backend"]
        );
        assert_eq!(r["items"], 3);
        // With retrieval the engine states the facts; the model alone is scored as it wrote.
        if backend == "llm" {
            assert_eq!(r["categories"]["theory"]["accuracy"], 1.0, "{out}");
        }
    }
}
