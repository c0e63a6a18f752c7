//! Regression tests for defects that lost or hid a user's data (issue 13): the export folder,
//! missing catalogs, symbolic-link loops, truncated audio.

use std::path::Path;
use std::process::Command;

fn fretwise(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_fretwise"))
        .args(args)
        .current_dir(cwd)
        .env_remove("FRETWISE_DB")
        .env_remove("FRETWISE_CONFIG")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A small generated corpus ingested into `dir/c.db`; returns the catalog URL.
fn small_catalog(dir: &Path) -> String {
    let corpus = dir.join("corpus");
    fretwise_corpus::generate(
        &corpus,
        &fretwise_corpus::CorpusOptions {
            instructors: 4,
            lessons: 24,
            seed: 3,
            bad_rate: 0.0,
        },
    )
    .unwrap();
    let url = format!("sqlite://{}", dir.join("c.db").display());
    let (code, _, err) = fretwise(
        &["ingest", corpus.to_str().unwrap(), "--db", &url, "--json"],
        dir,
    );
    assert_eq!(code, 0, "{err}");
    url
}

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
    let url = small_catalog(root.path());
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
