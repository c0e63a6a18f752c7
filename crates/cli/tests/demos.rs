//! `sample-corpus --audio`, then `ingest` (with its audio stage), `lessons show`, `demos` and
//! `demos --plot` as a user runs them.

mod common;

use common::fretwise;

#[test]
fn lesson_audio_from_generation_to_picture() {
    if fretwise_testkit::soundfont_or_skip(fretwise_corpus::Font::find()).is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (code, out, err) = fretwise(
        &[
            "sample-corpus",
            "--out",
            "corpus",
            "--lessons",
            "3",
            "--instructors",
            "1",
            "--audio",
        ],
        d,
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("audio: 3 lessons with audio"), "{out}");
    let truth: serde_json::Value = serde_json::from_slice(
        &std::fs::read(d.join("corpus/truth/fictional-0001/sample-000001.json")).unwrap(),
    )
    .unwrap();
    let (code, out, err) = fretwise(&["ingest", "corpus", "--db", "sqlite://c.db"], d);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("audio: 3 recordings analysed"), "{out}");

    let (code, out, err) = fretwise(
        &["lessons", "show", "sample-000001", "--db", "sqlite://c.db"],
        d,
    );
    assert_eq!(code, 0, "{err}");
    let n = truth["demonstrations"].as_array().unwrap().len();
    assert!(out.contains(&format!("demos       {n}")), "{out}");
    assert!(out.contains("SNR "), "{out}");

    let (code, out, err) = fretwise(
        &["demos", "sample-000001", "--db", "sqlite://c.db", "--json"],
        d,
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let demos = v["demonstrations"].as_array().unwrap();
    assert_eq!(demos.len(), n);
    assert_eq!(demos[0]["key"], truth["demonstrations"][0]["key"], "{out}");

    let (code, out, err) = fretwise(
        &[
            "demos",
            "sample-000001",
            "--db",
            "sqlite://c.db",
            "--plot",
            "d.png",
            "--number",
            "1",
        ],
        d,
    );
    assert_eq!(code, 0, "{out}{err}");
    let png = std::fs::read(d.join("d.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");

    // Asking for a demonstration that is not there, or a picture format that is not one.
    let (code, _, err) = fretwise(
        &[
            "demos",
            "sample-000001",
            "--db",
            "sqlite://c.db",
            "--plot",
            "x.png",
            "--number",
            "99",
        ],
        d,
    );
    assert_ne!(code, 0);
    assert!(
        err.contains(&format!(
            "--number 99: lesson sample-000001 has {n} demonstrations"
        )),
        "{err}"
    );
    let (code, _, err) = fretwise(
        &[
            "demos",
            "sample-000001",
            "--db",
            "sqlite://c.db",
            "--plot",
            "x.gif",
        ],
        d,
    );
    assert_ne!(code, 0);
    assert!(err.contains("name the file .png or .svg"), "{err}");
    assert!(!d.join("x.png").exists() && !d.join("x.gif").exists());

    // A recording removed after ingest: the next ingest reports it and keeps going.
    std::fs::remove_file(d.join("corpus/audio/fictional-0001/sample-000002.wav")).unwrap();
    let (code, out, err) = fretwise(&["ingest", "corpus", "--db", "sqlite://c.db", "--force"], d);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("1 failed") && out.contains("sample-000002"),
        "{out}"
    );
}
