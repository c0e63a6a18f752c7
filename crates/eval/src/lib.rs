//! The guitar-instruction benchmark (`fretwise eval`): items generated from a seed, each with a
//! truth that comes from the theory engine, the catalog or held-out lessons — never from the
//! system under test — run against the grounded instructor or a model, scored per category.
//!
//! - [`items`] generates the items (theory, fretboard, tab, grounded, style, safety,
//!   progression, feedback) and assigns each to the tuning part or the held-out third.
//! - [`score`] reads answers: musical claims with the fact-check's own extraction, voicings and
//!   tab notes with the engine, citations against the catalog's words.
//! - [`run`] asks each item of a backend (the grounded composer, a model with retrieval, a
//!   model alone) and scores it; [`report`] sums the results as JSON and a Markdown table.

pub mod items;
pub mod report;
pub mod run;
pub mod score;
pub mod takes;

pub use items::{Category, Context, Expect, Item, Part, generate};
pub use report::Report;
pub use run::{Backend, ItemResult, RunOptions, evaluate};

/// Errors from the benchmark.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// The catalog could not be read.
    #[error("catalog: {0}")]
    Catalog(#[from] fretwise_catalog::CatalogError),
    /// The export plan (splits) could not be made.
    #[error("splits: {0}")]
    Dataset(#[from] fretwise_dataset::DatasetError),
    /// The catalog has nothing to make items from.
    #[error("{0}")]
    Empty(String),
    /// A category name that is not one of the benchmark's.
    #[error(
        "no category `{0}`: use theory, fretboard, tab, grounded, style, safety, progression or feedback"
    )]
    UnknownCategory(String),
}
