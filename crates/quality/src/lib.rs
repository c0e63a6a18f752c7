//! Transcript quality: the platform's metric families recomputed without their defects,
//! hallucination and failure flags, and one overall score that separates good lessons from bad.
//!
//! Every number is defined in `docs/QUALITY.md`. All scores are in [0, 1]; degenerate input
//! (one word, repeated phrases, stock ASR phrases) is never rewarded.

mod flags;
mod metrics;
mod recording;
mod text;

use fretwise_lexicon::{TermMatcher, TermOccurrence};
use fretwise_transcript::Transcript;
use serde::{Deserialize, Serialize};

pub use flags::{Flag, FlagCode, Severity};
pub use metrics::{
    ConfidencePatterns, ContentQuality, LinguisticQuality, Metrics, PhraseCount, SpeechActivity,
    TemporalPatterns,
};
pub use recording::{
    CLIPPED_ABOVE, NOISY_BELOW_DB, RecordingQuality, UNEVEN_ABOVE_DB, recording_flags,
};

/// Version of the metric definitions; bump when a definition changes.
pub const METRICS_VERSION: u32 = 1;

/// Lowest overall score a lesson may have and still be used for training.
pub const TRAINABLE_MIN_SCORE: f64 = 0.5;

/// The full quality assessment of one transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityReport {
    /// Metric definitions version.
    pub metrics_version: u32,
    /// The five metric families.
    pub metrics: Metrics,
    /// Failure and warning flags.
    pub flags: Vec<Flag>,
    /// Overall quality in [0, 1].
    pub score: f64,
    /// The components the score is built from, each in [0, 1].
    pub score_components: ScoreComponents,
    /// True when no failure flag is raised and the score reaches [`TRAINABLE_MIN_SCORE`].
    pub trainable: bool,
}

/// Inputs of the overall score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreComponents {
    /// Mean recogniser confidence.
    pub confidence: f64,
    /// Share of distinct word trigrams (1 = no repetition).
    pub distinctness: f64,
    /// Timing consistency.
    pub timing: f64,
    /// How plausible the speaking rate is.
    pub speaking_rate: f64,
    /// Share of text that is not stock ASR phrases or garbage characters.
    pub cleanliness: f64,
    /// How much speech there is, saturating at 60 words.
    pub adequacy: f64,
    /// Multiplier from failure flags (0.5 per failure).
    pub flag_penalty: f64,
}

/// Computes metrics, flags and the overall score for a transcript and its term occurrences.
pub fn assess(transcript: &Transcript, terms: &[TermOccurrence]) -> QualityReport {
    let analysis = text::TextAnalysis::new(transcript);
    let metrics = metrics::compute(transcript, &analysis, terms);
    let flags = flags::detect(transcript, &analysis, &metrics);
    let components = score_components(&metrics, &analysis, &flags);
    let score = clamp01(
        (0.35 * components.confidence
            + 0.20 * components.distinctness
            + 0.15 * components.timing
            + 0.15 * components.speaking_rate
            + 0.15 * components.cleanliness)
            * components.adequacy
            * components.flag_penalty,
    );
    let trainable =
        score >= TRAINABLE_MIN_SCORE && !flags.iter().any(|f| f.severity == Severity::Failure);
    QualityReport {
        metrics_version: METRICS_VERSION,
        metrics,
        flags,
        score,
        score_components: components,
        trainable,
    }
}

/// Convenience: finds terms with `matcher` and assesses the transcript.
pub fn analyze(
    transcript: &Transcript,
    matcher: &TermMatcher,
) -> (Vec<TermOccurrence>, QualityReport) {
    let terms = matcher.find(transcript);
    let report = assess(transcript, &terms);
    (terms, report)
}

fn score_components(m: &Metrics, a: &text::TextAnalysis, flags: &[Flag]) -> ScoreComponents {
    let wpm = m.speech_activity.speaking_rate_wpm;
    // Lessons mix slow demonstration talk and fast explanation: 60–230 wpm is normal speech.
    let speaking_rate = if wpm <= 0.0 {
        0.0
    } else if wpm < 60.0 {
        wpm / 60.0
    } else if wpm <= 230.0 {
        1.0
    } else {
        (1.0 - (wpm - 230.0) / 170.0).max(0.0)
    };
    let failures = flags
        .iter()
        .filter(|f| f.severity == Severity::Failure)
        .count();
    ScoreComponents {
        confidence: clamp01(m.confidence_patterns.overall_confidence),
        distinctness: clamp01(m.content_quality.distinct_trigram_ratio),
        timing: clamp01(m.temporal_patterns.timing_consistency),
        speaking_rate,
        cleanliness: clamp01(1.0 - a.junk_token_share()),
        adequacy: clamp01(a.len() as f64 / 60.0),
        flag_penalty: 0.5f64.powi(failures as i32),
    }
}

pub(crate) fn clamp01(x: f64) -> f64 {
    if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) }
}
