use fretwise_lexicon::TermOccurrence;
use fretwise_quality::{Flag, QualityReport};
use fretwise_transcript::{Transcript, Utterance};
use serde::{Deserialize, Serialize};

/// An instructor as the source names them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstructorRef {
    /// Stable id ("author:12", or a slug of the name).
    pub id: String,
    /// Display name.
    pub name: String,
}

/// A course.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourseRef {
    /// Stable id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Human-written description.
    pub description: Option<String>,
}

/// A chapter of a course (the platform's "channel").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChapterRef {
    /// Stable id.
    pub id: String,
    /// Title.
    pub title: String,
}

/// What the source says about a lesson besides its transcript.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LessonMetadata {
    /// Lesson title.
    pub title: Option<String>,
    /// Human-written description.
    pub description: Option<String>,
    /// Instructor.
    pub instructor: Option<InstructorRef>,
    /// Course.
    pub course: Option<CourseRef>,
    /// Chapter.
    pub chapter: Option<ChapterRef>,
    /// Skill level ("beginner", "intermediate", "advanced", or the platform's code).
    pub level: Option<String>,
    /// Style ("blues", "jazz" …).
    pub style: Option<String>,
    /// Order of the lesson within its course.
    pub item_order: Option<i64>,
    /// Video runtime in seconds.
    pub runtime_s: Option<f64>,
    /// Path of the lesson audio, when known.
    pub audio_path: Option<String>,
    /// The lesson's video on the platform (an http(s) URL), when known: citations open it at
    /// their moment.
    // Left out of the serialised form when absent, so the content hash of a lesson without a
    // video is what it was before the field existed (no spurious re-ingest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_url: Option<String>,
    /// True for the generated sample corpus's invented lessons.
    pub synthetic: bool,
}

/// Everything ingest computed for one lesson, ready to store.
#[derive(Debug, Clone)]
pub struct LessonRecord {
    /// Desired lesson id (made unique against other sources when it collides).
    pub id: String,
    /// Where it came from: a file path or a database row ("mysql://host/db#segment=12").
    pub source: String,
    /// Hash of the raw transcript bytes and metadata: unchanged input is skipped.
    pub content_hash: String,
    /// Metadata.
    pub metadata: LessonMetadata,
    /// The validated transcript.
    pub transcript: Transcript,
    /// Term occurrences.
    pub terms: Vec<TermOccurrence>,
    /// Quality assessment.
    pub quality: QualityReport,
}

impl LessonRecord {
    /// The lesson's length as stored: the transcript's duration, or where its speech ends when
    /// that is later (or the duration is missing).
    pub fn duration_s(&self) -> f64 {
        let t = &self.transcript;
        t.duration_s.unwrap_or(0.0).max(t.speech_end())
    }
}

/// What writing one record did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum WriteOutcome {
    /// A new lesson.
    Inserted {
        /// Lesson id.
        id: String,
        /// Lesson it duplicates exactly (same normalised text), if any.
        duplicate_of: Option<String>,
    },
    /// The source was known with other content; the lesson was replaced atomically.
    Replaced {
        /// Lesson id.
        id: String,
        /// Lesson it duplicates exactly, if any.
        duplicate_of: Option<String>,
    },
}

/// One row of `fretwise lessons list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LessonListing {
    /// Lesson id.
    pub id: String,
    /// File path or database row it came from.
    pub source: String,
    /// Title.
    pub title: Option<String>,
    /// Instructor name.
    pub instructor: Option<String>,
    /// Course title.
    pub course: Option<String>,
    /// Level.
    pub level: Option<String>,
    /// Style.
    pub style: Option<String>,
    /// Overall quality in [0, 1].
    pub quality_score: f64,
    /// Flag codes.
    pub flags: Vec<String>,
    /// Usable for training: passes quality and is not an exact duplicate.
    pub trainable: bool,
    /// Lesson this one duplicates exactly.
    pub duplicate_of: Option<String>,
    /// Aligned words.
    pub word_count: i64,
    /// Seconds of lesson covered by the transcript.
    pub duration_s: f64,
}

/// A stored term occurrence.
pub type StoredTerm = TermOccurrence;

/// Everything stored about one lesson.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LessonDetail {
    /// Summary fields.
    #[serde(flatten)]
    pub summary: LessonListing,
    /// Description.
    pub description: Option<String>,
    /// Transcript format.
    pub format: String,
    /// Content hash.
    pub content_hash: String,
    /// Chapter title.
    pub chapter: Option<String>,
    /// Audio path.
    pub audio_path: Option<String>,
    /// The lesson's video on the platform, when known.
    pub video_url: Option<String>,
    /// Generated sample lesson.
    pub synthetic: bool,
    /// Flags with severity and detail.
    pub flag_details: Vec<Flag>,
    /// Our quality report.
    pub quality: serde_json::Value,
    /// The service's stored metrics, verbatim.
    pub source_metrics: Option<serde_json::Value>,
    /// Term occurrences.
    pub terms: Vec<StoredTerm>,
    /// Utterances with words.
    pub utterances: Vec<Utterance>,
    /// When it was stored.
    pub ingested_at: String,
}

/// One quarantined input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuarantineEntry {
    /// File path or database row.
    pub source: String,
    /// Why it was rejected.
    pub reason: String,
    /// When.
    pub quarantined_at: String,
}

/// Catalog totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogStats {
    /// Lessons stored.
    pub lessons: i64,
    /// Lessons usable for training (exact duplicates are not).
    pub trainable: i64,
    /// Lessons that duplicate another exactly.
    pub duplicates: i64,
    /// Lessons with at least one failure flag.
    pub flagged: i64,
    /// Instructors.
    pub instructors: i64,
    /// Courses.
    pub courses: i64,
    /// Utterances.
    pub utterances: i64,
    /// Aligned words.
    pub words: i64,
    /// Term occurrences.
    pub term_occurrences: i64,
    /// Quarantined inputs.
    pub quarantined: i64,
    /// Mean quality score.
    pub mean_quality: f64,
    /// Hours of lesson audio covered.
    pub hours: f64,
    /// Occurrences per term category.
    pub terms_by_category: Vec<(String, i64)>,
    /// Lessons per flag code (the transcripts' flags and their recordings').
    pub flags_by_code: Vec<(String, i64)>,
    /// The lessons' recordings.
    pub recordings: RecordingStats,
}

/// How many lesson recordings were analysed, and how clean they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RecordingStats {
    /// Lessons whose recording was analysed.
    pub analysed: i64,
    /// Their mean speech-to-noise ratio, dB (0 when there are none).
    pub mean_snr_db: f64,
    /// Demonstrations found in them.
    pub demonstrations: i64,
}

/// What export needs to know about a lesson before reading its text (curation decisions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LessonCuration {
    /// Lesson id.
    pub id: String,
    /// Source.
    pub source: String,
    /// Title.
    pub title: Option<String>,
    /// Human-written description.
    pub description: Option<String>,
    /// Instructor id.
    pub instructor_id: Option<String>,
    /// Instructor name.
    pub instructor: Option<String>,
    /// Course title.
    pub course: Option<String>,
    /// Course id.
    pub course_id: Option<String>,
    /// Position within the course or chapter.
    pub item_order: Option<i64>,
    /// Chapter title.
    pub chapter: Option<String>,
    /// Level.
    pub level: Option<String>,
    /// Style.
    pub style: Option<String>,
    /// Quality score.
    pub quality_score: f64,
    /// Hash of the stored input (changes when the lesson is re-ingested with new content).
    pub content_hash: String,
    /// Usable for training: passes quality and is not an exact duplicate.
    pub trainable: bool,
    /// Exact duplicate of.
    pub duplicate_of: Option<String>,
    /// Failure flag codes.
    pub failure_flags: Vec<String>,
    /// Normalised text hash.
    pub text_hash: String,
    /// Transcript format ("whisperx", "whisper_verbose").
    pub format: String,
    /// Seconds of lesson covered by the transcript.
    pub duration_s: f64,
    /// Words.
    pub word_count: i64,
    /// Mean recogniser confidence.
    pub confidence: f64,
    /// Speech activity ratio.
    pub speech_activity_ratio: f64,
    /// Filler ratio.
    pub filler_word_ratio: f64,
    /// Term occurrences per 100 words.
    pub terms_per_100_words: f64,
    /// Distinct words / words.
    pub vocabulary_richness: f64,
    /// Seconds of speech (union of utterances).
    pub speech_s: f64,
    /// Audio path, when known.
    pub audio_path: Option<String>,
    /// Generated sample lesson.
    pub synthetic: bool,
    /// The recording's speech-to-noise ratio, dB, when it was analysed.
    pub audio_snr_db: Option<f64>,
}

/// A lesson's text and timings for export.
#[derive(Debug, Clone)]
pub struct LessonText {
    /// Lesson id.
    pub id: String,
    /// Utterances (words included when asked for).
    pub utterances: Vec<Utterance>,
    /// Term occurrences.
    pub terms: Vec<TermOccurrence>,
}
