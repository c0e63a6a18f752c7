//! The lesson catalog: instructors, courses, chapters, lessons with their utterances, words,
//! quality reports, term occurrences, flags, and the quarantine of rejected input.
//!
//! One code path serves SQLite (the default, `sqlite://fretwise.db`) and PostgreSQL
//! (`postgres://…`) through sqlx's `Any` driver; the schema is written in the SQL both accept,
//! and migrations are embedded.

mod audio;
mod knowledge;
mod model;
mod packed;
mod progress;
mod rows;
mod schema;
mod service;
mod store;
mod students;

pub use audio::{DemonstrationRow, LessonAudioRow};
pub use knowledge::{
    ConceptLesson, LessonAnalysis, LessonConceptRow, LessonKnowledgeRow, LessonSink,
};
pub use model::{
    CatalogStats, ChapterRef, CourseRef, InstructorRef, LessonCuration, LessonDetail,
    LessonListing, LessonMetadata, LessonRecord, LessonText, QuarantineEntry, RecordingStats,
    WriteOutcome,
};
pub use progress::Progress;
pub use service::{ApiKeyRecord, FeedbackRecord, JobRecord};
pub use store::{
    Catalog, LessonColumns, OpenMode, catalog_location, normalize_db_url, sqlite_file,
};
pub use students::{EventRow, ItemRow, SkillRow, StudentRow};

/// Errors from the catalog.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The database URL is not one fretwise can use.
    #[error("unsupported database URL `{0}`: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    /// The URL names no SQLite file (`sqlite://`).
    #[error("the catalog URL `{0}` names no file: use sqlite://PATH, e.g. sqlite://fretwise.db")]
    NoPath(String),
    /// A catalog that is only read does not exist (it is not created empty).
    #[error("no catalog at {0}")]
    Missing(String),
    /// A new SQLite catalog's folder does not exist.
    #[error("cannot create the catalog {path}: the folder {folder} does not exist")]
    NoFolder {
        /// The catalog file.
        path: String,
        /// Its missing folder.
        folder: String,
    },
    /// The catalog path names a file that is not a SQLite database (or cannot be read).
    #[error("cannot open the catalog {path}: {message}")]
    NotSqlite {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// The database server could not be reached.
    #[error("cannot connect to the catalog at {url}: {message}")]
    Unreachable {
        /// Where (without password).
        url: String,
        /// Why.
        message: String,
    },
    /// The database reported an error.
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// A stored JSON column could not be read back.
    #[error("corrupt stored value in {column}: {message}")]
    Corrupt {
        /// Table and column.
        column: String,
        /// What went wrong.
        message: String,
    },
    /// No lesson with this id.
    #[error("no lesson with id `{0}`")]
    NotFound(String),
    /// A write was called with arguments that do not fit together.
    #[error("cannot write the batch: {0}")]
    Mismatch(String),
}

impl From<sqlx::Error> for CatalogError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            // A row decoded by column name names the column that could not be read back.
            sqlx::Error::ColumnDecode { index, source } => CatalogError::Corrupt {
                column: index.trim_matches('"').to_string(),
                message: source.to_string(),
            },
            e => CatalogError::Database(e),
        }
    }
}
