//! Ingest: turns transcript files, manifests and the platform database into catalog lessons.
//!
//! Items are read, hashed, parsed, validated, matched against the lexicon and assessed in
//! parallel, one chunk at a time; each chunk is written in one transaction, so a killed run
//! loses at most the chunk in flight and a rerun skips everything already stored unchanged.
//! A rejected item is quarantined with its reason; nothing else in the batch is lost.

mod files;
mod mysql;
mod pipeline;

pub use files::{Discovery, ManifestError, SkippedLink, discover, discover_sources};
pub use mysql::MysqlSource;
pub use pipeline::{
    FlaggedLesson, IngestOptions, IngestReport, Progress, QuarantinedItem, ingest_items,
    ingest_mysql,
};

use fretwise_catalog::LessonMetadata;
use std::path::PathBuf;

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
