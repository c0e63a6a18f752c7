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
