//! The CLI contract (JSON shapes, exit codes) and resuming after `kill -9`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use fretwise_testkit::shared_dir;

fn fretwise(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_fretwise"))
        .args(args)
        .current_dir(cwd)
        .env_remove("FRETWISE_DB")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn ingest_json_contract_on_the_fixtures() {
    let Some(shared) = shared_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    let fixtures = shared.join("fixtures/transcripts");
    let bad = dir.path().join("truncated.json");
    std::fs::write(&bad, b"{\"segments\": [{\"start\": 0").unwrap();
    let (code, out, err) = fretwise(
        &[
            "ingest",
            fixtures.to_str().unwrap(),
            bad.to_str().unwrap(),
            "--json",
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for key in [
        "ingested",
        "unchanged",
        "replaced",
        "duplicates",
        "quarantined",
        "flagged",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v["ingested"], 5);
    assert_eq!(v["duplicates"], 1);
    assert_eq!(v["quarantined"][0]["source"], bad.to_str().unwrap());
    assert!(
        v["quarantined"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("invalid JSON")
    );
    assert_eq!(v["flagged"].as_array().unwrap().len(), 2);
    assert!(
        dir.path().join("fretwise.db").is_file(),
        "default catalog is ./fretwise.db"
    );

    let (code, out, _) = fretwise(&["lessons", "list", "--json"], dir.path());
    assert_eq!(code, 0);
    let lessons: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(lessons.len(), 5);
    for l in &lessons {
        for key in [
            "id",
            "source",
            "title",
            "instructor",
            "quality_score",
            "flags",
            "trainable",
            "duplicate_of",
        ] {
            assert!(l.get(key).is_some(), "missing {key}: {l}");
        }
    }
    let (code, out, _) = fretwise(
        &["lessons", "show", "whisperx-fingerstyle-intro", "--json"],
        dir.path(),
    );
    assert_eq!(code, 0);
    let l: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(l["utterances"].as_array().unwrap().len(), 48);
    for cmd in [
        &["catalog", "stats", "--json"][..],
        &["quarantine", "list", "--json"][..],
    ] {
        let (code, out, err) = fretwise(cmd, dir.path());
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<serde_json::Value>(&out).unwrap();
    }
    let (code, _, err) = fretwise(&["lessons", "show", "no-such-lesson"], dir.path());
    assert_ne!(code, 0);
    assert!(err.contains("no lesson with id"), "{err}");
    let (code, _, err) = fretwise(&["ingest", "/no/such/path"], dir.path());
    assert_ne!(code, 0);
    assert!(err.contains("/no/such/path"), "{err}");
}

fn lessons_json(db: &Path, cwd: &Path) -> Vec<serde_json::Value> {
    let url = format!("sqlite://{}", db.display());
    let (code, out, err) = fretwise(&["lessons", "list", "--json", "--db", &url], cwd);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn a_killed_ingest_resumes_to_the_same_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    fretwise_corpus::generate(
        &corpus,
        &fretwise_corpus::CorpusOptions {
            instructors: 20,
            lessons: 3000,
            seed: 11,
            bad_rate: 0.02,
            audio: None,
        },
    )
    .unwrap();
    let killed_db = dir.path().join("killed.db");
    let url = format!("sqlite://{}", killed_db.display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_fretwise"))
        .args([
            "ingest",
            corpus.to_str().unwrap(),
            "--db",
            &url,
            "--chunk-size",
            "64",
            "--json",
        ])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(900));
    // The test means nothing if the kill lands after the end: the corpus is sized so it cannot.
    assert!(
        child.try_wait().unwrap().is_none(),
        "ingest of 3,000 lessons finished within 900 ms: make the corpus bigger"
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let (code, out, err) = fretwise(
        &["ingest", corpus.to_str().unwrap(), "--db", &url, "--json"],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    let rerun: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        rerun["unchanged"].as_u64().unwrap() > 0,
        "nothing survived the kill: {rerun}"
    );
    assert!(
        rerun["ingested"].as_u64().unwrap() > 0,
        "the kill came after the end: {rerun}"
    );

    let clean_db = dir.path().join("clean.db");
    let (code, _, err) = fretwise(
        &[
            "ingest",
            corpus.to_str().unwrap(),
            "--db",
            &format!("sqlite://{}", clean_db.display()),
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    let a = lessons_json(&killed_db, dir.path());
    let b = lessons_json(&clean_db, dir.path());
    assert!(a.len() > 2800, "{}", a.len());
    assert_eq!(a, b, "resumed catalog differs from a clean run");
}

#[test]
fn settings_come_from_flags_then_env_then_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.json");
    std::fs::write(
        &file,
        br#"{"task":"transcribe","segments":[{"start":0,"end":2,"text":"a hammer-on",
            "words":[{"word":"a","start":0.1,"end":0.3,"probability":0.9},
                     {"word":"hammer-on","start":0.4,"end":1.2,"probability":0.9}]}]}"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("fretwise.toml"),
        "db = \"sqlite://from-config.db\"\n",
    )
    .unwrap();
    let run = |extra_env: Option<&str>, flag: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fretwise"));
        cmd.current_dir(dir.path())
            .env_remove("FRETWISE_DB")
            .arg("ingest")
            .arg(&file);
        if let Some(e) = extra_env {
            cmd.env("FRETWISE_DB", e);
        }
        if let Some(f) = flag {
            cmd.args(["--db", f]);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(None, None);
    assert!(dir.path().join("from-config.db").is_file());
    assert!(!dir.path().join("fretwise.db").exists());
    run(Some("sqlite://from-env.db"), None);
    assert!(dir.path().join("from-env.db").is_file());
    run(Some("sqlite://from-env.db"), Some("sqlite://from-flag.db"));
    assert!(dir.path().join("from-flag.db").is_file());

    std::fs::write(dir.path().join("fretwise.toml"), "no_such_key = 1\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fretwise"))
        .current_dir(dir.path())
        .args(["catalog", "stats"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("fretwise.toml"));
}

#[test]
fn theory_batch_protocol_over_stdin() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_fretwise"))
        .args(["theory", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let queries = [
        r#"{"op":"chord","symbol":"C#m7"}"#,
        r#"{"op":"chord","symbol":"D/C"}"#,
        r#"{"op":"scale","tonic":"D","name":"dorian"}"#,
        r#"{"op":"interval","from":"C4","to":"G4"}"#,
        r#"{"op":"transpose","note":"F#3","interval":"3m"}"#,
        r#"{"op":"key_chords","key":"C# melodic minor"}"#,
        r#"{"op":"identify","notes":["E","G","C"]}"#,
        r#"{"op":"chord","symbol":"Q7"}"#,
    ];
    child
        .stdin
        .take()
        .unwrap()
        .write_all(queries.join("\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), queries.len());
    assert_eq!(
        lines[0],
        serde_json::json!({"notes": ["C#", "E", "G#", "B"]})
    );
    assert_eq!(
        lines[1],
        serde_json::json!({"notes": ["C", "D", "F#", "A"], "bass": "C"})
    );
    assert_eq!(
        lines[3],
        serde_json::json!({"interval": "5P", "semitones": 7})
    );
    assert_eq!(lines[4], serde_json::json!({"note": "A3"}));
    assert_eq!(lines[5]["triads"].as_array().unwrap().len(), 7);
    assert_eq!(lines[6]["chords"][0], "C/E");
    assert!(lines[7]["error"].as_str().unwrap().contains("Q7"));
}

#[test]
fn theory_subcommands_print_json() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[&[&str]] = &[
        &["theory", "chord", "Cmaj7", "--json"],
        &["theory", "scale", "A minor pentatonic", "--json"],
        &["theory", "interval", "C4", "G4", "--json"],
        &["theory", "transpose", "F#3", "m3", "--json"],
        &["theory", "identify", "E", "G", "C", "--json"],
        &["theory", "key", "Bb major", "--json"],
        &[
            "theory",
            "progression",
            "Dm7 G7 Cmaj7",
            "--key",
            "C",
            "--json",
        ],
        &["theory", "voicings", "Am7", "--json"],
        &["theory", "fret", "--string", "6", "--fret", "5", "--json"],
        &[
            "theory",
            "scale",
            "A minor pentatonic",
            "--patterns",
            "--json",
        ],
        &["theory", "caged", "C", "--json"],
    ];
    for args in cases {
        let (code, out, err) = fretwise(args, dir.path());
        assert_eq!(code, 0, "{args:?}: {err}");
        serde_json::from_str::<serde_json::Value>(&out)
            .unwrap_or_else(|e| panic!("{args:?}: {e}\n{out}"));
    }
    let (_, out, _) = fretwise(
        &[
            "theory",
            "progression",
            "Dm7 G7 Cmaj7",
            "--key",
            "C",
            "--json",
        ],
        dir.path(),
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let numerals: Vec<&str> = v["analysis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["numeral"].as_str().unwrap())
        .collect();
    assert_eq!(numerals, ["ii7", "V7", "Imaj7"]);
    let tab = dir.path().join("riff.txt");
    std::fs::write(
        &tab,
        "e|-----|\nB|-1---|\nG|---2-|\nD|-----|\nA|3----|\nE|-----|\n",
    )
    .unwrap();
    let (code, out, err) = fretwise(
        &["theory", "tab", tab.to_str().unwrap(), "--json"],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["events"][0]["note"], "C3");
    let (code, _, err) = fretwise(&["theory", "chord", "H7"], dir.path());
    assert_ne!(code, 0);
    assert!(err.contains("not a chord symbol"), "{err}");
}

#[test]
fn concept_learning_paths_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = fretwise(
        &[
            "concepts",
            "path",
            "caged",
            "--known",
            "open-chords",
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
        .map(|x| x.as_str().unwrap())
        .collect();
    assert_eq!(path.last(), Some(&"caged"));
    assert!(!path.contains(&"open-chords"));
    assert!(
        path.iter().position(|p| *p == "barre-chords") < path.iter().position(|p| *p == "caged")
    );
    let (code, _, err) = fretwise(&["concepts", "show", "no-such"], dir.path());
    assert_ne!(code, 0);
    assert!(err.contains("no concept"), "{err}");
    let (code, out, _) = fretwise(&["concepts", "list", "--json"], dir.path());
    assert_eq!(code, 0);
    assert!(
        serde_json::from_str::<serde_json::Value>(&out)
            .unwrap()
            .as_array()
            .unwrap()
            .len()
            >= 60
    );
}

#[test]
fn profiles_from_an_ingested_catalog() {
    let Some(shared) = shared_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = fretwise(
        &[
            "ingest",
            shared.join("fixtures/transcripts").to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = fretwise(&["profiles", "--json"], dir.path());
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let p = &v[0];
    assert_eq!(p["name"], "Muriel Anderson");
    assert_eq!(
        p["lesson_statistics"]["total_segments"], 1,
        "the rerun duplicate is not counted twice"
    );
    let techniques: Vec<&str> = p["expertise"]["techniques_taught"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    assert!(techniques.contains(&"travis-picking"), "{techniques:?}");
    let (code, _, err) = fretwise(&["profiles", "--instructor", "nobody"], dir.path());
    assert_ne!(code, 0);
    assert!(err.contains("nobody"), "{err}");
}

#[test]
fn knowledge_commands_on_a_generated_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = fretwise(
        &[
            "sample-corpus",
            "--out",
            "corpus",
            "--instructors",
            "4",
            "--lessons",
            "60",
            "--seed",
            "9",
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    // Ingest analyses each lesson while it holds it; the rebuild after it pools phrases and
    // aggregates.
    let (code, out, err) = fretwise(&["ingest", "corpus", "--json"], dir.path());
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let analysed = v["knowledge_analyzed"].as_u64().unwrap();
    assert!(analysed >= 55, "{v}");
    assert_eq!(v["knowledge"]["lessons_analyzed"], 0, "{}", v["knowledge"]);
    assert_eq!(
        v["knowledge"]["instructors_repooled"], 4,
        "{}",
        v["knowledge"]
    );
    let (code, out, err) = fretwise(&["knowledge", "rebuild", "--json"], dir.path());
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["lessons_analyzed"], 0, "nothing changed since ingest");

    let (code, out, err) = fretwise(&["patterns", "sample-000001", "--json"], dir.path());
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["sentences"][0]["move"], "introduction");
    assert!(v["structure"]["primary"].is_string());
    let (code, _, err) = fretwise(&["patterns", "no-such-lesson"], dir.path());
    assert_ne!(code, 0);
    assert!(err.contains("no-such-lesson"), "{err}");

    let (code, out, err) = fretwise(&["concepts", "related", "bending", "--json"], dir.path());
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(!v["edges"].as_array().unwrap().is_empty());

    let (code, out, err) = fretwise(
        &[
            "concepts", "lessons", "bending", "--level", "beginner", "--json",
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for l in v["lessons"].as_array().unwrap() {
        assert_eq!(l["level"], "beginner");
        assert!(!l["at_s"].as_array().unwrap().is_empty());
    }

    let (code, out, err) = fretwise(
        &[
            "concepts", "path", "vibrato", "--level", "beginner", "--json",
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["path"].as_array().unwrap().last().unwrap(), "vibrato");
    assert!(
        v["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["lesson"].is_object())
    );

    let (code, out, err) = fretwise(
        &[
            "concepts", "export", "--format", "svg", "--around", "bending",
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("<svg") && out.contains("bending"));
}

/// Two plucked notes, A2 at 0.2 s then E3 at 1.0 s, 2 s of mono samples at `sr`.
fn a2_then_e3(sr: u32) -> Vec<f64> {
    let mut samples = vec![0.0f64; sr as usize * 2];
    for (on, f) in [(0.2, 110.0), (1.0, 164.81)] {
        let start = (on * sr as f64) as usize;
        for i in 0..(0.6 * sr as f64) as usize {
            let t = i as f64 / sr as f64;
            samples[start + i] += (1..=6)
                .map(|k| (2.0 * std::f64::consts::PI * f * k as f64 * t).sin() / k as f64)
                .sum::<f64>()
                * 0.3
                * (-3.0 * t).exp();
        }
    }
    samples
}

#[test]
fn analyze_a_recording_and_refuse_a_non_audio_file() {
    let dir = tempfile::tempdir().unwrap();
    // Two plucked notes (A2 then E3) as 16-bit mono WAV at 44.1 kHz.
    let sr = 44_100u32;
    let samples = a2_then_e3(sr);
    let mut wav = Vec::new();
    let data = (samples.len() * 2) as u32;
    for part in [
        &b"RIFF"[..],
        &(36 + data).to_le_bytes(),
        b"WAVEfmt ",
        &16u32.to_le_bytes(),
    ] {
        wav.extend_from_slice(part);
    }
    wav.extend_from_slice(&1u16.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes());
    wav.extend_from_slice(&sr.to_le_bytes());
    wav.extend_from_slice(&(sr * 2).to_le_bytes());
    wav.extend_from_slice(&2u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data.to_le_bytes());
    for s in &samples {
        wav.extend_from_slice(&((s * 32767.0) as i16).to_le_bytes());
    }
    std::fs::write(dir.path().join("take.wav"), wav).unwrap();
    let (code, out, err) = fretwise(&["analyze", "take.wav", "--json"], dir.path());
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let names: Vec<&str> = v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["A2", "E3"], "{} {}", v["notes"], v["onsets_s"]);
    assert_eq!(v["sample_rate"], 44_100);
    assert!(v["pitch_track"]["f0_hz"].as_array().unwrap().len() > 100);

    // Scored against what was asked: A2 then E3, a beat apart at 75 bpm.
    std::fs::write(
        dir.path().join("ex.json"),
        r#"{"tempo_bpm": 75, "notes": [{"beat": 0, "note": "A2"}, {"beat": 1, "string": 6, "fret": 0}]}"#,
    )
    .unwrap();
    let (code, out, err) = fretwise(
        &[
            "analyze",
            "take.wav",
            "--expected",
            "ex.json",
            "--strictness",
            "beginner",
            "--json",
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let statuses: Vec<&str> = v["score"]["per_note"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["ok", "wrong_pitch"], "E2 was asked, E3 played");
    assert_eq!(v["score"]["per_note"][1]["played_midi"], 52);
    // The picture, as PNG (drawn with the embedded font) or SVG; other names are refused.
    for (name, magic) in [("plot.png", &b"\x89PNG"[..]), ("plot.svg", &b"<svg"[..])] {
        let (code, _, err) = fretwise(
            &[
                "analyze",
                "take.wav",
                "--expected",
                "ex.json",
                "--plot",
                name,
            ],
            dir.path(),
        );
        assert_eq!(code, 0, "{err}");
        let bytes = std::fs::read(dir.path().join(name)).unwrap();
        assert!(bytes.starts_with(magic), "{name}");
        if name.ends_with("png") {
            // IHDR: 1200 × 520.
            assert_eq!(&bytes[16..24], &[0, 0, 4, 176, 0, 0, 2, 8]);
            assert!(bytes.len() > 20_000, "a drawn picture, not a blank one");
        }
    }
    let (code, _, err) = fretwise(&["analyze", "take.wav", "--plot", "p.gif"], dir.path());
    assert_ne!(code, 0);
    assert!(err.contains(".png or .svg"), "{err}");
    std::fs::write(
        dir.path().join("bad.json"),
        r#"{"tempo_bpm": 75, "notes": [{"beat": 0}]}"#,
    )
    .unwrap();
    let (code, _, err) = fretwise(
        &["analyze", "take.wav", "--expected", "bad.json"],
        dir.path(),
    );
    assert_ne!(code, 0);
    assert!(
        err.contains("bad.json") && err.contains("notes[0]"),
        "{err}"
    );

    std::fs::write(dir.path().join("notes.wav"), "not audio at all").unwrap();
    let (code, _, err) = fretwise(&["analyze", "notes.wav"], dir.path());
    assert_ne!(code, 0);
    assert!(
        err.contains("notes.wav") && err.contains("not a readable audio file"),
        "{err}"
    );
}

#[test]
fn stream_practice_mode_over_stdin() {
    use std::io::Write;
    // A2 then E3 as raw 16-bit little-endian samples at 48 kHz, plus an odd trailing byte.
    let sr = 48_000u32;
    let mut raw = Vec::new();
    let samples = a2_then_e3(sr);
    for s in &samples {
        raw.extend_from_slice(&((s * 32767.0) as i16).to_le_bytes());
    }
    raw.push(0);
    let mut child = Command::new(env!("CARGO_BIN_EXE_fretwise"))
        .args([
            "stream", "--rate", "48000", "--format", "s16le", "--mode", "practice",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&raw).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ons: Vec<(&str, f64)> = events
        .iter()
        .filter(|e| e["type"] == "note_on")
        .map(|e| (e["name"].as_str().unwrap(), e["onset_s"].as_f64().unwrap()))
        .collect();
    assert_eq!(ons.len(), 2, "{events:?}");
    assert_eq!(ons[0].0, "A2");
    assert_eq!(ons[1].0, "E3");
    assert!(
        (ons[0].1 - 0.2).abs() < 0.03 && (ons[1].1 - 1.0).abs() < 0.03,
        "{ons:?}"
    );
    assert!(events.iter().any(|e| e["type"] == "note_off"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("trailing byte"));
    // A rate it cannot use is refused with the flag named.
    let out = Command::new(env!("CARGO_BIN_EXE_fretwise"))
        .args(["stream", "--rate", "100"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--rate"));
}
