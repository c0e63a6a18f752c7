//! Regression tests for what a person types and reads (issue 13, "People type names, not
//! slugs"): each test names the defect it guards against.

use std::path::Path;
use std::process::Command;

fn fretwise(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_fretwise"))
        .args(args)
        .current_dir(cwd)
        .env_remove("FRETWISE_DB")
        .env_remove("FRETWISE_CONFIG")
        .env_remove("FRETWISE_INDEX")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The real fixtures (a lesson, its exact-duplicate rerun, its plain-Whisper transcript and two
/// failures) ingested into `dir/c.db`; `None` when `../shared` is absent outside CI.
fn fixture_catalog(dir: &Path) -> Option<String> {
    let fixtures = fretwise_testkit::shared_dir()?.join("fixtures/transcripts");
    let url = format!("sqlite://{}", dir.join("c.db").display());
    let (code, _, err) = fretwise(
        &["ingest", fixtures.to_str().unwrap(), "--db", &url, "--json"],
        dir,
    );
    assert_eq!(code, 0, "{err}");
    Some(url)
}

#[test]
fn concepts_are_found_by_the_names_people_type() {
    let dir = tempfile::tempdir().unwrap();
    for (typed, id) in [
        ("barre chords", "barre-chords"),
        ("Barre chords", "barre-chords"),
        ("string bending", "bending"),
        ("pentatonic", ""),
        ("barre-chords", "barre-chords"),
    ] {
        let (code, out, err) = fretwise(&["concepts", "path", typed, "--json"], dir.path());
        assert_eq!(code, 0, "concepts path {typed:?}: {err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        if !id.is_empty() {
            assert_eq!(v["target"], id, "{typed:?}");
        }
        assert!(!v["path"].as_array().unwrap().is_empty());
    }
    // --known takes names too, and knowing open chords implies their prerequisites.
    let (code, out, err) = fretwise(
        &[
            "concepts",
            "path",
            "caged",
            "--known",
            "Open chords,power chords",
            "--json",
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let path: Vec<&str> = v["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(
        !path.contains(&"open-chords") && !path.contains(&"guitar-basics"),
        "{path:?}"
    );
    assert_eq!(path.last(), Some(&"caged"));

    let (code, out, err) = fretwise(&["concepts", "show", "String Bending"], dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("(bending)"), "{out}");
    let (code, out, err) = fretwise(
        &[
            "concepts",
            "export",
            "--curated",
            "--around",
            "barre chords",
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"barre-chords\""), "{out}");

    // A miss names the closest concept, on every command.
    for args in [
        &["concepts", "show", "bendng"][..],
        &["concepts", "path", "bendng"],
        &["concepts", "path", "caged", "--known", "bendng"],
        &["concepts", "export", "--curated", "--around", "bendng"],
    ] {
        let (code, _, err) = fretwise(args, dir.path());
        assert_ne!(code, 0, "{args:?}");
        assert!(err.contains("did you mean `bending`"), "{args:?}: {err}");
    }
}

#[test]
fn every_command_parses_levels_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    let Some(url) = fixture_catalog(dir.path()) else {
        return;
    };
    for args in [
        &["concepts", "lessons", "fingerpicking", "--level", "godlike"][..],
        &["concepts", "path", "fingerpicking", "--level", "godlike"],
    ] {
        let mut args = args.to_vec();
        args.extend(["--db", &url]);
        let (code, _, err) = fretwise(&args, dir.path());
        assert_ne!(code, 0, "{args:?} accepted a made-up level");
        assert!(
            err.contains("unknown level `godlike` (beginner, intermediate or advanced)"),
            "{args:?}: {err}"
        );
    }
    let (code, _, err) = fretwise(
        &[
            "concepts",
            "lessons",
            "Fingerpicking",
            "--level",
            "Beginner",
            "--db",
            &url,
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
}

#[test]
fn help_says_what_fretwise_is_for() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = fretwise(&["--help"], dir.path());
    assert_eq!(code, 0);
    let about = out.split("Usage:").next().unwrap_or("").replace('\n', " ");
    assert!(about.contains("AI guitar instructor"), "{out}");
    assert!(about.contains("answers students' questions"), "{out}");
}

#[test]
fn lessons_list_shows_whole_ids_and_one_trainable_copy() {
    let dir = tempfile::tempdir().unwrap();
    let Some(url) = fixture_catalog(dir.path()) else {
        return;
    };
    let (code, out, err) = fretwise(&["lessons", "list", "--db", &url], dir.path());
    assert_eq!(code, 0, "{err}");
    let ids: Vec<&str> = out
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .filter(|id| id.starts_with("whisper"))
        .collect();
    assert_eq!(
        ids,
        [
            "whisper-plain-fingerstyle-intro",
            "whisperx-fingerstyle-intro",
            "whisperx-fingerstyle-intro-rerun",
            "whisperx-hallucination-music-only",
            "whisperx-single-word"
        ],
        "{out}"
    );
    // Every id shown can be passed to `lessons show`.
    for id in ids {
        let (code, _, err) = fretwise(&["lessons", "show", id, "--db", &url], dir.path());
        assert_eq!(code, 0, "{id}: {err}");
    }

    // The exact-duplicate rerun keeps `duplicate_of` but is not trainable.
    let (code, out, err) = fretwise(
        &["lessons", "list", "--trainable", "--json", "--db", &url],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let trainable: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        trainable,
        [
            "whisper-plain-fingerstyle-intro",
            "whisperx-fingerstyle-intro"
        ]
    );
    let (code, out, _) = fretwise(
        &[
            "lessons",
            "show",
            "whisperx-fingerstyle-intro-rerun",
            "--json",
            "--db",
            &url,
        ],
        dir.path(),
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["trainable"], false);
    assert_eq!(v["duplicate_of"], "whisperx-fingerstyle-intro");
}

#[test]
fn the_dry_run_names_reasons_as_the_export_does() {
    let dir = tempfile::tempdir().unwrap();
    let Some(url) = fixture_catalog(dir.path()) else {
        return;
    };
    let (code, out, err) = fretwise(
        &[
            "export",
            "--dry-run",
            "--min-confidence",
            "0.99",
            "--db",
            &url,
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    for name in [
        "flagged",
        "low_confidence",
        "exact_duplicate",
        "near_duplicate",
    ] {
        assert!(
            out.lines()
                .any(|l| l.split_whitespace().next() == Some(name)),
            "{name} missing: {out}"
        );
    }
    assert!(
        !out.contains("LowConfidence") && !out.contains("ExactDuplicate"),
        "{out}"
    );
}

#[test]
fn the_dry_run_json_is_one_object_with_the_chosen_split_shares() {
    let dir = tempfile::tempdir().unwrap();
    let Some(url) = fixture_catalog(dir.path()) else {
        return;
    };
    let (code, out, err) = fretwise(
        &[
            "export",
            "--dry-run",
            "--json",
            "--split",
            "100/0/0",
            "--db",
            &url,
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
    assert!(v["lessons_in_catalog"].as_u64().unwrap() > 0, "{v}");
    assert_eq!(v["splits"]["validation"]["lessons"], 0, "{v}");
    assert_eq!(v["splits"]["test"]["lessons"], 0, "{v}");
    assert_eq!(v["splits"]["train"]["lessons"], v["kept"], "{v}");
    assert!(v["removed"]["exact_duplicate"].is_u64(), "{v}");

    let (code, _, err) = fretwise(
        &["export", "--dry-run", "--split", "70/30", "--db", &url],
        dir.path(),
    );
    assert_ne!(code, 0);
    assert!(err.contains("three shares"), "{err}");
    let (code, _, err) = fretwise(
        &[
            "export",
            "--dry-run",
            "--min-quality-score",
            "1.5",
            "--db",
            &url,
        ],
        dir.path(),
    );
    assert_ne!(code, 0);
    assert!(err.contains("min_quality_score"), "{err}");
}

#[test]
fn quickstart_prints_prose_and_a_readable_catalog_path() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = fretwise(
        &["quickstart", "--instructors", "2", "--lessons", "12"],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        !out.lines().any(|l| {
            let t = l.trim_start();
            t.starts_with('{') || t.starts_with('"') || t.starts_with('}')
        }),
        "raw JSON in the summary: {out}"
    );
    assert!(out.contains("Catalog: ./fretwise.db\n"), "{out}");
    assert!(
        !out.contains("sqlite://") && !out.contains("mode=rwc"),
        "{out}"
    );
}

/// Plucked A major (A3, C♯4, E4) struck twice: a chord, and single notes the tracker doubts.
fn a_major_twice_wav() -> Vec<u8> {
    let sr = 44_100u32;
    let pluck = |i: usize| -> f32 {
        let t = (i % (2 * sr as usize)) as f64 / f64::from(sr);
        let v: f64 = [220.0, 277.18, 329.63]
            .iter()
            .map(|f| {
                (1..5)
                    .map(|k| {
                        (2.0 * std::f64::consts::PI * f * f64::from(k) * t).sin() / f64::from(k)
                    })
                    .sum::<f64>()
            })
            .sum();
        (0.25 * (-2.0 * t).exp() * v) as f32
    };
    let samples: Vec<f32> = (0..4 * sr as usize).map(pluck).collect();
    let data = (samples.len() * 2) as u32;
    let mut wav = Vec::new();
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes());
    wav.extend_from_slice(&sr.to_le_bytes());
    wav.extend_from_slice(&(sr * 2).to_le_bytes());
    wav.extend_from_slice(&2u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data.to_le_bytes());
    for s in &samples {
        wav.extend_from_slice(&((s.clamp(-1.0, 1.0) * 32767.0) as i16).to_le_bytes());
    }
    wav
}

#[test]
fn analyze_text_shows_chords_and_marks_guesses() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("chord.wav"), a_major_twice_wav()).unwrap();
    let (code, json, err) = fretwise(&["analyze", "chord.wav", "--json"], dir.path());
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let labels: Vec<&str> = v["chords"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .filter(|l| *l != "N")
        .collect();
    assert!(labels.contains(&"A"), "{}", v["chords"]);

    let (code, out, err) = fretwise(&["analyze", "chord.wav"], dir.path());
    assert_eq!(code, 0, "{err}");
    let chords = out
        .lines()
        .find(|l| l.starts_with("chords: "))
        .unwrap_or_else(|| panic!("no chords line: {out}"));
    assert!(chords.contains("A "), "{chords}");
    // The single pitches read inside the chord are low-confidence: each one says so.
    let notes: Vec<&str> = out.lines().filter(|l| l.contains(" cents ")).collect();
    assert!(!notes.is_empty(), "{out}");
    for (n, line) in notes.iter().enumerate() {
        let confidence: f64 = line
            .split("confidence ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|c| c.parse().ok())
            .unwrap();
        assert_eq!(
            confidence < 0.5,
            line.ends_with("uncertain"),
            "note {n}: {line}"
        );
    }
    assert!(out.contains("are uncertain"), "{out}");
}
