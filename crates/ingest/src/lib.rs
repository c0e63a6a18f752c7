//! Ingest: turns transcript files, manifests and the platform database into catalog lessons.
//!
//! Items are read, hashed, parsed, validated, matched against the lexicon and assessed in
//! parallel, one chunk at a time; each chunk is written in one transaction, so a killed run
//! loses at most the chunk in flight and a rerun skips everything already stored unchanged.
//! A rejected item is quarantined with its reason; nothing else in the batch is lost.

mod audio;
mod files;
mod mysql;
mod pipeline;

pub use audio::{AUDIO_VERSION, AudioFailure, AudioSummary, analyse_lesson_audio};
pub use files::{
    Discovery, ManifestFormat, ParsedManifest, SkippedLink, discover, discover_sources,
    parse_manifest,
};
pub use fretwise_catalog::Progress;
pub use mysql::MysqlSource;
pub use pipeline::{
    FlaggedLesson, IngestOptions, IngestReport, QuarantinedItem, ingest_items, ingest_mysql,
};

use fretwise_catalog::LessonMetadata;
use std::path::{Path, PathBuf};

/// Where an item's transcript bytes come from.
#[derive(Debug, Clone)]
pub enum Payload {
    /// Read this file.
    File(PathBuf),
    /// Already in memory (database column).
    Bytes(Vec<u8>),
    /// The source could not provide a transcript; the reason is quarantined.
    Missing(String),
    /// The database row has no transcript yet (not transcribed); counted, not quarantined.
    Pending,
}

/// One lesson to ingest.
#[derive(Debug, Clone)]
pub struct InputItem {
    /// Where it came from (file path or database row).
    pub source: String,
    /// Desired lesson id.
    pub id: String,
    /// Metadata from the manifest or database (the transcript's own context fills gaps).
    pub metadata: LessonMetadata,
    /// The transcript.
    pub payload: Payload,
}

/// Errors that stop an ingest run (bad items are quarantined instead).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The catalog failed.
    #[error(transparent)]
    Catalog(#[from] fretwise_catalog::CatalogError),
    /// A source path could not be listed.
    #[error("{path}: {message}")]
    Source {
        /// Path or URL.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The platform database failed.
    #[error("platform database: {0}")]
    Mysql(#[from] sqlx::Error),
    /// A worker thread failed.
    #[error("worker failed: {0}")]
    Worker(String),
}

/// How a path that should stay under a root leaves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    /// The path is absolute.
    Absolute,
    /// Its `..` steps climb above the root.
    AboveRoot,
}

/// `rel` joined onto `root`, refused when it is absolute or its `..` steps climb above `root`.
///
/// The check is on the words of the path (what a manifest or database row says), so a row can
/// never name a file outside the folder it is relative to.
pub fn join_inside(root: &Path, rel: &str) -> Result<PathBuf, Escape> {
    use std::path::Component;
    let rel = Path::new(rel);
    let mut depth = 0usize;
    for c in rel.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => return Err(Escape::Absolute),
            Component::CurDir => {}
            Component::ParentDir => depth = depth.checked_sub(1).ok_or(Escape::AboveRoot)?,
            Component::Normal(_) => depth += 1,
        }
    }
    Ok(root.join(rel))
}

/// A lesson's video link as a source gives it: an absolute http(s) URL without spaces or
/// control characters (anything else, a `javascript:` link above all, never reaches a page).
pub fn checked_video_url(value: &str) -> Result<String, String> {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.starts_with('/') => {}
        _ => {
            return Err(format!(
                "`{}` is not an http(s) URL",
                v.chars().take(80).collect::<String>()
            ));
        }
    }
    if v.len() > 2048 || v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "`{}…` holds spaces or control characters, or is over 2,048 bytes",
            v.chars().take(80).collect::<String>()
        ));
    }
    Ok(v.to_string())
}

/// The link a `{video}` URL template makes of a platform video name (percent-encoded, `/` kept).
pub fn video_link(template: &str, video: &str) -> String {
    let mut enc = String::new();
    for b in video.trim().bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            enc.push(b as char);
        } else {
            enc.push_str(&format!("%{b:02X}"));
        }
    }
    template.replace("{video}", &enc)
}

/// A URL-safe slug of a name ("Muriel Anderson" → "muriel-anderson").
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::{Escape, join_inside};
    use std::path::Path;

    #[test]
    fn paths_stay_inside_their_root() {
        let root = Path::new("/data/corpus");
        for ok in [
            "a.json",
            "./a.json",
            "sub/a.json",
            "sub/../a.json",
            "sub/./b/../a.json",
        ] {
            assert!(join_inside(root, ok).is_ok(), "{ok}");
        }
        assert_eq!(
            join_inside(root, "sub/a.json").unwrap(),
            root.join("sub/a.json")
        );
        for above in [
            "../x.json",
            "..",
            "sub/../../x.json",
            "./../good/x.json",
            "a/../../..",
        ] {
            assert_eq!(join_inside(root, above), Err(Escape::AboveRoot), "{above}");
        }
        for absolute in ["/etc/passwd", "/data/corpus/a.json", "//x"] {
            assert_eq!(
                join_inside(root, absolute),
                Err(Escape::Absolute),
                "{absolute}"
            );
        }
    }
}
