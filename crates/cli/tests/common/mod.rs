//! What the CLI's process tests share: running the binary and a small ingested catalog.

use std::path::Path;
use std::process::Command;

/// Runs `fretwise ARGS` in `cwd` without the user's catalog or config; (exit code, stdout, stderr).
pub fn fretwise(args: &[&str], cwd: &Path) -> (i32, String, String) {
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

/// A generated corpus ingested into `dir/c.db`; returns the catalog URL.
#[allow(dead_code)]
pub fn small_catalog(dir: &Path, instructors: usize, lessons: usize, seed: u64) -> String {
    let corpus = dir.join("corpus");
    fretwise_corpus::generate(
        &corpus,
        &fretwise_corpus::CorpusOptions {
            instructors,
            lessons,
            seed,
            bad_rate: 0.0,
            audio: None,
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
