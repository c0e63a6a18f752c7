//! `fretwise ask` as a user runs it: after an ingest of the real fixtures, the JSON answer has
//! the plan's shape and cites the real lesson; the terminal answer lists its sources.

use std::path::Path;
use std::process::Command;

fn fretwise(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_fretwise"))
        .args(args)
        .current_dir(cwd)
        .env_remove("FRETWISE_DB")
        .env_remove("FRETWISE_INDEX")
        .env_remove("FRETWISE_CONFIG")
        .env_remove("FRETWISE_LLM")
        .env_remove("FRETWISE_LLM_MODEL")
        .env_remove("FRETWISE_LLM_KEY")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn ask_after_ingest_cites_the_real_lesson() {
    let Some(shared) = fretwise_testkit::shared_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let fixtures = shared.join("fixtures/transcripts");
    let (code, out, err) = fretwise(
        &["ingest", fixtures.to_str().unwrap(), "--json"],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["index"]["lessons"].as_u64().unwrap() >= 1, "{v}");
    assert!(
        dir.path()
            .join("fretwise.db.index/.fretwise-index")
            .exists()
    );

    let (code, out, err) = fretwise(
        &[
            "ask",
            "How do I get power and groove into my alternating thumb?",
            "--json",
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    let a: serde_json::Value = serde_json::from_str(&out).unwrap();
    for key in [
        "content",
        "facts",
        "citations",
        "guitar_terms",
        "concepts",
        "instructor_style",
        "fact_check",
        "backend",
        "latency_ms",
    ] {
        assert!(a.get(key).is_some(), "missing {key}: {a}");
    }
    assert_eq!(a["backend"], "grounded");
    let c = &a["citations"][0];
    assert_eq!(c["instructor"], "Muriel Anderson");
    assert!(c["start_s"].as_f64().unwrap() < c["end_s"].as_f64().unwrap());
    // The hallucinated and single-word failures are never cited.
    for c in a["citations"].as_array().unwrap() {
        let id = c["lesson_id"].as_str().unwrap();
        assert!(
            !id.contains("hallucination") && !id.contains("single"),
            "{id}"
        );
    }

    let (code, out, err) = fretwise(&["ask", "What notes are in a B flat 7 chord?"], dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Bb – D – F – Ab"), "{out}");

    let (code, out, _) = fretwise(
        &["ask", "How do I play fingerstyle guitar with my thumb?"],
        dir.path(),
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("Sources:") && out.contains("Muriel Anderson —"),
        "{out}"
    );

    // Bad input: a clear error, not a panic.
    let (code, _, err) = fretwise(&["ask", "  "], dir.path());
    assert_eq!(code, 1);
    assert!(err.contains("the question is empty"), "{err}");
    let (code, _, err) = fretwise(&["ask", "bends", "--level", "godlike"], dir.path());
    assert_eq!(code, 1);
    assert!(err.contains("unknown level `godlike`"), "{err}");
}

fn fretwise_env(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fretwise"));
    cmd.args(args).current_dir(cwd);
    for var in [
        "FRETWISE_DB",
        "FRETWISE_INDEX",
        "FRETWISE_CONFIG",
        "FRETWISE_LLM",
        "FRETWISE_LLM_MODEL",
        "FRETWISE_LLM_KEY",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The SmolLM2 GGUF, or None (skip) unless FRETWISE_REQUIRE_MODELS says CI must have it.
fn smollm2() -> Option<String> {
    match std::env::var("FRETWISE_SMOLLM2_GGUF") {
        Ok(p) if Path::new(&p).is_file() => Some(p),
        other => {
            if std::env::var("FRETWISE_REQUIRE_MODELS").is_ok_and(|v| !v.is_empty()) {
                panic!(
                    "FRETWISE_SMOLLM2_GGUF ({other:?}) must name the SmolLM2 GGUF (.ci/run installs it)"
                );
            }
            eprintln!("skipping the local model: FRETWISE_SMOLLM2_GGUF is not set");
            None
        }
    }
}

#[test]
fn ask_with_a_model_falls_back_and_reads_its_settings_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = fretwise_env(
        &[
            "sample-corpus",
            "--out",
            "corpus",
            "--instructors",
            "4",
            "--lessons",
            "40",
            "--seed",
            "3",
            "--json",
        ],
        dir.path(),
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = fretwise_env(&["ingest", "corpus", "--json"], dir.path(), &[]);
    assert_eq!(code, 0, "{err}");
    let q = "What notes are in a C major chord?";
    let fallback_of = |args: &[&str], env: &[(&str, &str)]| -> String {
        let mut all = vec!["ask", q, "--json"];
        all.extend_from_slice(args);
        let (code, out, err) = fretwise_env(&all, dir.path(), env);
        assert_eq!(code, 0, "{err}");
        let a: serde_json::Value = serde_json::from_str(&out).unwrap();
        // A model that cannot be reached never fails the question.
        assert_eq!(a["backend"], "grounded", "{a}");
        assert!(a["content"].as_str().unwrap().contains("C – E – G"), "{a}");
        a["fallback"].as_str().unwrap_or_default().to_string()
    };
    // fretwise.toml < FRETWISE_LLM < --llm.
    std::fs::write(
        dir.path().join("fretwise.toml"),
        "llm = \"http://127.0.0.1:1\"\n",
    )
    .unwrap();
    assert!(fallback_of(&[], &[]).contains("127.0.0.1:1/"));
    let env = [("FRETWISE_LLM", "http://127.0.0.1:2")];
    assert!(fallback_of(&[], &env).contains("127.0.0.1:2/"));
    assert!(fallback_of(&["--llm", "http://127.0.0.1:3"], &env).contains("127.0.0.1:3/"));
    std::fs::remove_file(dir.path().join("fretwise.toml")).unwrap();
    // Without any, no model is asked and nothing is said about one.
    let (code, out, _) = fretwise_env(&["ask", q, "--json"], dir.path(), &[]);
    assert_eq!(code, 0);
    assert!(!out.contains("\"fallback\""), "{out}");

    // A spec that cannot work is an error naming what is missing.
    let (code, _, err) = fretwise_env(&["ask", q, "--llm", "anthropic:"], dir.path(), &[]);
    assert_eq!(code, 1);
    assert!(err.contains("Anthropic needs a model name"), "{err}");
    let (code, _, err) = fretwise_env(&["ask", q, "--llm", "local:/no/such.gguf"], dir.path(), &[]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot open the model /no/such.gguf"), "{err}");

    // The embedded model writes the answer in the terminal, then the sources.
    let Some(gguf) = smollm2() else {
        return;
    };
    let spec = format!("local:{gguf}");
    let (code, out, err) = fretwise_env(
        &["ask", "How do I bend a string?", "--llm-max-tokens", "24"],
        dir.path(),
        &[("FRETWISE_LLM", spec.as_str())],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Written by local:SmolLM2-135M-Instruct.Q4_1."),
        "{out}"
    );
    assert!(!err.contains("without the model"), "{err}");
}
