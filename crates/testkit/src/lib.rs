//! Test helpers shared by the workspace's test suites (never a runtime dependency).

use std::path::PathBuf;

/// The `shared/` folder beside the repository root, holding the real fixtures.
///
/// Returns `None` when it is absent so local runs can skip; under `CI=true` a missing folder
/// panics, because CI must exercise the real fixtures.
pub fn shared_dir() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let candidates = [
        std::env::var_os("FRETWISE_SHARED_DIR").map(PathBuf::from),
        Some(root.join("../shared")),
    ];
    for c in candidates.into_iter().flatten() {
        if c.join("fixtures").is_dir() {
            return Some(c);
        }
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("../shared/fixtures is missing: CI must run against the real fixtures");
    }
    eprintln!("skipping: ../shared/fixtures not found");
    None
}

/// Path of one real transcript fixture (`shared/fixtures/transcripts/NAME`).
pub fn transcript_fixture(name: &str) -> Option<PathBuf> {
    shared_dir().map(|d| d.join("fixtures/transcripts").join(name))
}

/// Database URL from an environment variable, for tests that need a local service.
///
/// Under `CI=true` an unset variable panics (CI sets them); elsewhere the test is skipped.
pub fn service_url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("{var} is not set: CI must run the tests that need this service")
        }
        _ => {
            eprintln!("skipping: {var} not set");
            None
        }
    }
}

/// Every file under `dir` by relative path, with its bytes (for byte-for-byte comparisons).
pub fn snapshot_dir(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
        for e in entries {
            let p = e.unwrap_or_else(|e| panic!("{}: {e}", d.display())).path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap_or(&p).display().to_string();
                out.insert(
                    rel,
                    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
                );
            }
        }
    }
    out
}

/// A freshly created, empty PostgreSQL database named after the test, as a URL; `None` when
/// `FRETWISE_TEST_POSTGRES_URL` is unset outside CI (under CI an unset variable panics).
pub async fn fresh_postgres_database(test: &str) -> Option<String> {
    let url = service_url("FRETWISE_TEST_POSTGRES_URL")?;
    let db = format!("fretwise_t_{test}");
    let base = url
        .rsplit_once('/')
        .map(|(b, _)| b)
        .unwrap_or(&url)
        .to_string();
    sqlx::any::install_default_drivers();
    let admin = sqlx::AnyPool::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("connecting to {url}: {e}"));
    for sql in [
        format!("DROP DATABASE IF EXISTS {db}"),
        format!("CREATE DATABASE {db}"),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .execute(&admin)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    admin.close().await;
    Some(format!("{base}/{db}"))
}

/// A mono 16-bit PCM WAV file of `samples` (−1…1, clipped) at `rate` Hz.
pub fn wav_pcm16(samples: &[f64], rate: u32) -> Vec<u8> {
    let data: Vec<u8> = samples
        .iter()
        .flat_map(|s| ((s.clamp(-1.0, 1.0) * 32767.0) as i16).to_le_bytes())
        .collect();
    let mut out = Vec::with_capacity(44 + data.len());
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&data);
    out
}

/// Plucked tones (four harmonics, a fast attack, an exponential decay) for `notes` given as
/// (MIDI number, start s, length s), at 44.1 kHz, `tail_s` of silence after the last; a
/// stand-in for a student playing an exercise.
pub fn plucked_take(notes: &[(f64, f64, f64)], tail_s: f64) -> Vec<f64> {
    let rate = 44_100.0;
    let end = notes.iter().map(|n| n.1 + n.2).fold(0.0, f64::max);
    let len = ((end + tail_s) * rate) as usize;
    let mut pcm = vec![0.0f64; len];
    for &(midi, start, dur) in notes {
        let f = 440.0 * 2f64.powf((midi - 69.0) / 12.0);
        let s0 = ((start * rate) as usize).min(len);
        let s1 = (((start + dur) * rate) as usize).min(len);
        for (i, x) in pcm[s0..s1].iter_mut().enumerate() {
            let t = i as f64 / rate;
            let tone: f64 = (1..=4)
                .map(|h| (std::f64::consts::TAU * f * h as f64 * t).sin() / h as f64)
                .sum();
            *x += 0.3 * (-t * 3.0).exp() * (t * 400.0).min(1.0) * tone;
        }
    }
    pcm
}

/// The SoundFont a lookup found, or `None` with a note on stderr (the caller skips); when
/// `FRETWISE_REQUIRE_SOUNDFONTS` is set (`.ci/run` sets it once they are installed) a lookup
/// that failed panics with its reason.
pub fn soundfont_or_skip<T, E: std::fmt::Display>(found: Result<T, E>) -> Option<T> {
    match found {
        Ok(f) => Some(f),
        Err(e) => {
            assert!(
                std::env::var_os("FRETWISE_REQUIRE_SOUNDFONTS").is_none(),
                "FRETWISE_REQUIRE_SOUNDFONTS is set but: {e}"
            );
            eprintln!("skipped: {e}");
            None
        }
    }
}
