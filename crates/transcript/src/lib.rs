//! Lesson transcripts: the data model and the readers for the formats the platform produces.
//!
//! A **lesson** is one lesson video; an **utterance** is one ASR segment inside its transcript
//! (a few seconds of speech); a **word** carries its own timing and score. Readers turn raw bytes
//! into a validated [`Transcript`] or a [`TranscriptError`] that names the offending field.

mod model;
mod read;
mod validate;

pub use model::{
    ServiceTerm, SourceFormat, TemplateContext, Transcript, Utterance, Word, normalized_tokens,
};
pub use read::{ReadOptions, parse_transcript};
pub use validate::ValidationLimits;

/// Why a transcript was rejected; the message names the field (as a JSON path) where it can.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TranscriptError {
    /// The input is larger than the configured maximum.
    #[error(
        "input is {size} bytes, over the limit of {limit} bytes (raise --max-bytes to accept it)"
    )]
    TooLarge {
        /// Size of the input in bytes.
        size: u64,
        /// Configured limit in bytes.
        limit: u64,
    },
    /// The bytes are not valid UTF-8.
    #[error("not valid UTF-8: invalid byte sequence at byte offset {offset}")]
    InvalidUtf8 {
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// The text is not well-formed JSON.
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser expected.
        message: String,
    },
    /// A field has the wrong type or an impossible value.
    #[error("field `{path}`: {message}")]
    Field {
        /// JSON path of the field, e.g. `segments[3].words[0].start`.
        path: String,
        /// What is wrong with it.
        message: String,
    },
    /// The JSON is neither WhisperX service output nor Whisper `verbose_json`.
    #[error(
        "unrecognised transcript format: expected WhisperX output (`segments` + `word_segments`) or Whisper verbose_json (`segments` with `words[].probability`)"
    )]
    UnknownFormat,
    /// No utterance contains any text.
    #[error("empty transcript: no utterance contains any text")]
    Empty,
}

impl TranscriptError {
    /// A field error at `path`.
    pub fn field(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Field {
            path: path.into(),
            message: message.into(),
        }
    }
}
