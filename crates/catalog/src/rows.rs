//! Catalog rows decoded by column name (`sqlx::FromRow`): a SELECT names each column it reads
//! (aliases where two tables share a name), so the column order is free to change and a missing
//! or misread column fails with its name.

use fretwise_lexicon::{Category, MatchSource, TermOccurrence};
use fretwise_transcript::{Utterance, Word};
use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

use crate::model::{LessonCuration, LessonListing, QuarantineEntry};
use crate::store::parse_words;

/// A stored 0/1 flag (BIGINT, so one statement serves SQLite and PostgreSQL).
pub(crate) fn flag(r: &AnyRow, column: &str) -> Result<bool, sqlx::Error> {
    Ok(r.try_get::<i64, _>(column)? != 0)
}

/// A column whose stored value could not be read back, as sqlx reports it.
pub(crate) fn undecodable(column: &str, e: impl std::fmt::Display) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: e.to_string().into(),
    }
}

/// The columns a [`LessonListing`] is read from (`flags` are added by the caller).
pub(crate) const LISTING_SELECT: &str = "SELECT l.id, l.source, l.title, i.name AS instructor,
        c.title AS course, l.level, l.style, l.quality_score, l.trainable, l.duplicate_of,
        l.word_count, l.duration_s
    FROM lessons l
    LEFT JOIN instructors i ON i.id = l.instructor_id
    LEFT JOIN courses c ON c.id = l.course_id";

impl FromRow<'_, AnyRow> for LessonListing {
    fn from_row(r: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(LessonListing {
            id: r.try_get("id")?,
            source: r.try_get("source")?,
            title: r.try_get("title")?,
            instructor: r.try_get("instructor")?,
            course: r.try_get("course")?,
            level: r.try_get("level")?,
            style: r.try_get("style")?,
            quality_score: r.try_get("quality_score")?,
            flags: Vec::new(),
            trainable: flag(r, "trainable")?,
            duplicate_of: r.try_get("duplicate_of")?,
            word_count: r.try_get("word_count")?,
            duration_s: r.try_get("duration_s")?,
        })
    }
}

/// The columns a [`LessonCuration`] is read from (`failure_flags` are added by the caller).
pub(crate) const CURATION_SELECT: &str = "SELECT l.id, l.source, l.title, l.description,
        l.instructor_id, i.name AS instructor, c.title AS course, ch.title AS chapter, l.level,
        l.style, l.quality_score, l.trainable, l.duplicate_of, l.text_hash, l.word_count,
        q.report, l.audio_path, l.synthetic, l.format, l.duration_s, l.course_id, l.item_order,
        l.content_hash, la.snr_db AS audio_snr_db
    FROM lessons l
    LEFT JOIN instructors i ON i.id = l.instructor_id
    LEFT JOIN courses c ON c.id = l.course_id
    LEFT JOIN chapters ch ON ch.id = l.chapter_id
    LEFT JOIN quality_reports q ON q.lesson_id = l.id
    LEFT JOIN lesson_audio la ON la.lesson_id = l.id";

impl FromRow<'_, AnyRow> for LessonCuration {
    fn from_row(r: &AnyRow) -> Result<Self, sqlx::Error> {
        let report: Option<String> = r.try_get("report")?;
        // Only a few numbers are needed: a typed partial parse skips the rest of the report.
        let m = match report {
            Some(text) => {
                serde_json::from_str::<ReportMetrics>(&text)
                    .map_err(|e| undecodable("quality_reports.report", e))?
                    .metrics
            }
            None => MetricsPart::default(),
        };
        Ok(LessonCuration {
            id: r.try_get("id")?,
            source: r.try_get("source")?,
            title: r.try_get("title")?,
            description: r.try_get("description")?,
            instructor_id: r.try_get("instructor_id")?,
            instructor: r.try_get("instructor")?,
            course: r.try_get("course")?,
            course_id: r.try_get("course_id")?,
            item_order: r.try_get("item_order")?,
            chapter: r.try_get("chapter")?,
            level: r.try_get("level")?,
            style: r.try_get("style")?,
            quality_score: r.try_get("quality_score")?,
            content_hash: r.try_get("content_hash")?,
            trainable: flag(r, "trainable")?,
            duplicate_of: r.try_get("duplicate_of")?,
            failure_flags: Vec::new(),
            text_hash: r.try_get("text_hash")?,
            format: r.try_get("format")?,
            duration_s: r.try_get("duration_s")?,
            word_count: r.try_get("word_count")?,
            confidence: m.confidence_patterns.overall_confidence,
            speech_activity_ratio: m.speech_activity.speech_activity_ratio,
            filler_word_ratio: m.content_quality.filler_word_ratio,
            terms_per_100_words: m.content_quality.terms_per_100_words,
            vocabulary_richness: m.content_quality.vocabulary_richness,
            speech_s: m.speech_activity.speech_duration_seconds,
            audio_path: r.try_get("audio_path")?,
            synthetic: flag(r, "synthetic")?,
            audio_snr_db: r.try_get("audio_snr_db")?,
        })
    }
}

impl FromRow<'_, AnyRow> for QuarantineEntry {
    fn from_row(r: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(QuarantineEntry {
            source: r.try_get("source")?,
            reason: r.try_get("reason")?,
            quarantined_at: r.try_get("quarantined_at")?,
        })
    }
}

/// An utterance row: `start_s, end_s, text, confidence, words` (words as JSON).
pub(crate) struct DecodedUtterance(pub Utterance);

impl FromRow<'_, AnyRow> for DecodedUtterance {
    fn from_row(r: &AnyRow) -> Result<Self, sqlx::Error> {
        let words: String = r.try_get("words")?;
        let words: Vec<Word> =
            parse_words(&words).map_err(|e| undecodable("utterances.words", e))?;
        Ok(DecodedUtterance(Utterance {
            start: r.try_get("start_s")?,
            end: r.try_get("end_s")?,
            text: r.try_get("text")?,
            confidence: r.try_get("confidence")?,
            words,
            avg_logprob: None,
            compression_ratio: None,
            no_speech_prob: None,
        }))
    }
}

/// A term occurrence row: `term, category, match_source, utterance_idx, first_word,
/// last_word, start_s, end_s, text`.
pub(crate) struct DecodedTerm(pub TermOccurrence);

impl FromRow<'_, AnyRow> for DecodedTerm {
    fn from_row(r: &AnyRow) -> Result<Self, sqlx::Error> {
        let category: String = r.try_get("category")?;
        let source: String = r.try_get("match_source")?;
        let utterance: i64 = r.try_get("utterance_idx")?;
        let first: Option<i64> = r.try_get("first_word")?;
        let last: Option<i64> = r.try_get("last_word")?;
        Ok(DecodedTerm(TermOccurrence {
            term: r.try_get("term")?,
            category: category
                .parse::<Category>()
                .map_err(|e| undecodable("term_occurrences.category", e))?,
            source: if source == "expression" {
                MatchSource::Expression
            } else {
                MatchSource::Lexicon
            },
            utterance: utterance.max(0) as usize,
            first_word: first.map(|v| v.max(0) as usize),
            last_word: last.map(|v| v.max(0) as usize),
            start_s: r.try_get("start_s")?,
            end_s: r.try_get("end_s")?,
            text: r.try_get("text")?,
        }))
    }
}

#[derive(serde::Deserialize)]
struct ReportMetrics {
    #[serde(default)]
    metrics: MetricsPart,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct MetricsPart {
    confidence_patterns: ConfidencePart,
    speech_activity: SpeechPart,
    content_quality: ContentPart,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ConfidencePart {
    overall_confidence: f64,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct SpeechPart {
    speech_activity_ratio: f64,
    speech_duration_seconds: f64,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ContentPart {
    filler_word_ratio: f64,
    terms_per_100_words: f64,
    vocabulary_richness: f64,
}
