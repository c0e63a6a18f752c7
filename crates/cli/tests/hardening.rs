//! Regression tests for defects that lost or hid a user's data (issue 13): the export folder,
//! missing catalogs, symbolic-link loops, truncated audio.

mod common;

use std::path::Path;
use std::process::Command;

use common::fretwise;

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    fretwise_testkit::snapshot_dir(dir)
}

/// Asserts that `dir` still holds exactly `before`, naming only the paths that differ.
fn assert_unchanged(dir: &Path, before: &std::collections::BTreeMap<String, Vec<u8>>, what: &str) {
    let now = snapshot(dir);
    let changed: Vec<&String> = before
        .keys()
        .chain(now.keys())
        .filter(|k| before.get(*k) != now.get(*k))
        .collect();
    assert!(changed.is_empty(), "{what} changed {changed:?}");
}

#[test]
fn export_deletes_nothing_it_did_not_write() {
    let root = tempfile::tempdir().unwrap();
    let url = common::small_catalog(root.path(), 4, 24, 3);
    // Everything the export must leave alone lives in `area`, away from the catalog's files.
    let area = root.path().join("area");
    std::fs::create_dir(&area).unwrap();
    let dir = &area;
    let export = |out: &str, cwd: &Path| {
        fretwise(
            &["export", "--out", out, "--db", &url, "--formats", "openai"],
            cwd,
        )
    };

    // A folder with a manifest.json (as an ingest corpus has) and other files is kept.
    let kept = dir.join("kept");
    std::fs::create_dir(&kept).unwrap();
    std::fs::write(kept.join("manifest.json"), r#"{"anything":1}"#).unwrap();
    std::fs::write(kept.join("lesson.json"), "{}").unwrap();
    let before = snapshot(&kept);
    let (code, _, err) = export("kept", dir);
    assert_ne!(code, 0, "export replaced a foreign folder");
    assert!(
        err.contains("kept") && err.contains("not a fretwise export"),
        "{err}"
    );
    assert_unchanged(&kept, &before, "a refused export");

    // Neither the working folder nor an ancestor of it, however it is spelled.
    let work = dir.join("work");
    let child = work.join("child");
    std::fs::create_dir_all(&child).unwrap();
    std::fs::write(work.join("mine.txt"), "keep").unwrap();
    std::fs::write(child.join("mine.txt"), "keep").unwrap();
    let before = snapshot(dir);
    for (out, cwd) in [
        (".", &child),
        ("..", &child),
        ("../child", &child),
        (".", &work),
    ] {
        let (code, _, err) = export(out, cwd);
        assert_ne!(code, 0, "--out {out} from {} was accepted", cwd.display());
        assert!(err.contains("will not replace"), "--out {out}: {err}");
        assert_unchanged(dir, &before, &format!("--out {out}"));
    }
    // The absolute spelling of the working folder is refused too.
    let (code, _, err) = export(child.to_str().unwrap(), &child);
    assert_ne!(code, 0);
    assert!(err.contains("working folder"), "{err}");
    assert_unchanged(dir, &before, "--out CWD");

    // A real export is marked, and a second run replaces it.
    let (code, _, err) = export("ds", dir);
    assert_eq!(code, 0, "{err}");
    let marker = std::fs::read_to_string(dir.join("ds/.fretwise-export")).unwrap();
    let marker: serde_json::Value = serde_json::from_str(&marker).unwrap();
    assert_eq!(marker["tool"], "fretwise");
    assert!(marker["layout_version"].as_u64().is_some(), "{marker}");
    std::fs::remove_file(dir.join("ds/openai/test.jsonl")).unwrap();
    let (code, _, err) = export("ds", dir);
    assert_eq!(code, 0, "{err}");
    assert!(dir.join("ds/openai/test.jsonl").is_file());
    assert!(!dir.join(".ds.partial").exists());
}

#[test]
fn read_commands_refuse_a_catalog_that_does_not_exist() {
    let dir = tempfile::tempdir().unwrap();
    let typo = dir.path().join("fretwsie.db");
    let url = format!("sqlite://{}", typo.display());
    let reads: [&[&str]; 11] = [
        &["lessons", "list"],
        &["lessons", "show", "x"],
        &["catalog", "stats"],
        &["quarantine", "list"],
        &["profiles"],
        &["patterns", "x"],
        &["concepts", "related", "bending"],
        &["concepts", "lessons", "bending"],
        &["export", "--out", "ds"],
        &["export", "--dry-run"],
        &["lessons", "list", "--json"],
    ];
    for args in reads {
        let mut full = args.to_vec();
        full.extend(["--db", url.as_str()]);
        let (code, out, err) = fretwise(&full, dir.path());
        assert_ne!(code, 0, "{args:?} succeeded: {out}");
        assert!(
            err.contains(&format!("no catalog at {}", typo.display()))
                && err.contains("fretwise ingest"),
            "{args:?}: {err}"
        );
        assert!(!typo.exists(), "{args:?} created the catalog");
    }
    // The default catalog is named as the user would find it.
    let (code, _, err) = fretwise(&["catalog", "stats"], dir.path());
    assert_ne!(code, 0);
    assert!(err.contains("no catalog at ./fretwise.db"), "{err}");
    assert!(!dir.path().join("fretwise.db").exists());
    assert!(!dir.path().join("ds").exists());
    // A learning path needs no catalog: it runs without one and creates none.
    let (code, _, err) = fretwise(&["concepts", "path", "vibrato", "--db", &url], dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(!typo.exists());
}

#[test]
fn an_empty_or_unreachable_catalog_path_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    fretwise_corpus::generate(
        &corpus,
        &fretwise_corpus::CorpusOptions {
            instructors: 1,
            lessons: 2,
            seed: 1,
            bad_rate: 0.0,
            audio: None,
        },
    )
    .unwrap();
    let corpus = corpus.to_str().unwrap();
    for db in ["sqlite://", "sqlite:"] {
        let (code, out, err) = fretwise(&["ingest", corpus, "--db", db], dir.path());
        assert_ne!(code, 0, "--db {db} ingested into nothing: {out}");
        assert!(err.contains("names no file"), "{err}");
    }
    let missing = dir.path().join("no/such/folder/c.db");
    let (code, _, err) = fretwise(
        &[
            "ingest",
            corpus,
            "--db",
            &format!("sqlite://{}", missing.display()),
        ],
        dir.path(),
    );
    assert_ne!(code, 0);
    assert!(
        err.contains(&dir.path().join("no/such/folder").display().to_string())
            && err.contains("does not exist"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "one error line: {err}");
    // Writers create a catalog that is not there yet.
    let (code, _, err) = fretwise(&["ingest", corpus, "--json"], dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(dir.path().join("fretwise.db").is_file());
    let (code, _, err) = fretwise(&["catalog", "stats"], dir.path());
    assert_eq!(code, 0, "{err}");
}

#[test]
fn analyze_refuses_a_truncated_file_unless_asked_for_a_partial_analysis() {
    let dir = tempfile::tempdir().unwrap();
    let flac =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../audio/tests/data/a2_e3_stereo_44k.flac");
    let bytes = std::fs::read(&flac).unwrap();
    let cut = dir.path().join("take.flac");
    std::fs::write(&cut, &bytes[..bytes.len() * 3 / 10]).unwrap();
    let take = cut.to_str().unwrap();

    let (code, out, err) = fretwise(&["analyze", take], dir.path());
    assert_ne!(code, 0, "a truncated take was analysed: {out}");
    assert!(
        err.contains(take)
            && err.contains("truncated")
            && err.contains("of the 1.6 s the header declares")
            && err.contains("--allow-partial"),
        "{err}"
    );
    assert!(out.is_empty(), "{out}");
    let (code, _, _) = fretwise(&["analyze", take, "--json"], dir.path());
    assert_ne!(code, 0);

    let (code, out, err) = fretwise(&["analyze", take, "--allow-partial", "--json"], dir.path());
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["truncated"]["declared_s"], 1.6, "{}", v["truncated"]);
    assert!(
        v["remarks"][0]
            .as_str()
            .unwrap()
            .starts_with("PARTIAL ANALYSIS")
    );
    let (code, out, err) = fretwise(&["analyze", take, "--allow-partial"], dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("PARTIAL ANALYSIS: the file is truncated"),
        "{out}"
    );

    // The whole file is analysed as before.
    let (code, out, err) = fretwise(&["analyze", flac.to_str().unwrap()], dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("PARTIAL"), "{out}");
}

/// Every `*.json` transcript under `dir` (not the manifest), sorted.
fn transcripts(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = fretwise_testkit::snapshot_dir(dir)
        .into_keys()
        .filter(|k| k.ends_with(".json") && !k.ends_with("manifest.json"))
        .map(|k| dir.join(k))
        .collect();
    out.sort();
    out
}

#[cfg(unix)]
#[test]
fn ingest_ends_on_link_loops_and_names_the_links_it_skipped() {
    use std::os::unix::fs::symlink;
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    fretwise_corpus::generate(
        &corpus,
        &fretwise_corpus::CorpusOptions {
            instructors: 1,
            lessons: 2,
            seed: 2,
            bad_rate: 0.0,
            audio: None,
        },
    )
    .unwrap();
    let files = transcripts(&corpus);
    assert!(files.len() >= 2, "{files:?}");
    let root = dir.path().join("loop");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::copy(&files[0], root.join("one.json")).unwrap();
    std::fs::copy(&files[1], root.join("sub/two.json")).unwrap();
    symlink("../loop", root.join("self")).unwrap();
    symlink(".", root.join("dot")).unwrap();
    symlink("one.json", root.join("again.json")).unwrap();

    // A hang here was the defect: the run is killed and failed after a minute.
    let db = format!("sqlite://{}", dir.path().join("c.db").display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_fretwise"))
        .args(["ingest", root.to_str().unwrap(), "--db", &db, "--json"])
        .current_dir(dir.path())
        .env_remove("FRETWISE_DB")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("ingest of a folder with link loops did not finish in 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ingested"], 2, "{v}");
    assert_eq!(v["duplicates"], 0, "{v}");
    let skipped: Vec<String> = v["skipped_links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap().to_string())
        .collect();
    let at = |name: &str| root.join(name).display().to_string();
    assert_eq!(skipped, [at("again.json"), at("dot"), at("self")], "{v}");
    assert!(
        v["skipped_links"][1]["reason"]
            .as_str()
            .unwrap()
            .starts_with("a loop"),
        "{v}"
    );

    // The human summary names them too.
    let (code, out, err) = fretwise(
        &[
            "ingest",
            root.to_str().unwrap(),
            "--db",
            &db,
            "--no-knowledge",
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("skipped link {}: a loop", at("self"))),
        "{out}"
    );
}

#[test]
fn library_logs_stay_off_stderr_and_errors_are_plain_text() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.wav"), "not audio at all").unwrap();
    std::fs::write(dir.path().join("notes.db"), "not a database either").unwrap();
    for args in [
        vec!["analyze", "notes.wav"],
        vec!["lessons", "list", "--db", "sqlite://notes.db"],
    ] {
        let t = std::time::Instant::now();
        let (code, _, err) = fretwise(&args, dir.path());
        assert_ne!(code, 0, "{args:?}");
        // One plain error line: no colour codes, no symphonia or sqlx log lines.
        assert!(!err.contains('\u{1b}'), "{args:?}: {err:?}");
        assert!(
            !err.contains("ERROR") && !err.contains("sqlx") && !err.contains("symphonia"),
            "{args:?}: {err}"
        );
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{err}");
        assert!(
            t.elapsed() < std::time::Duration::from_secs(10),
            "{args:?} took {:?}",
            t.elapsed()
        );
    }
}
