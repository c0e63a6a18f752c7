//! Checks that make a parsed transcript safe to store: finite, non-negative, ordered timings,
//! words inside their utterance, scores in range, and some text.
//!
//! Utterances that go backwards relative to each other are *not* rejected here: that is a known
//! failure signature of the recogniser (see the hallucination fixture) and is flagged by quality
//! analysis instead, so the evidence stays in the catalog.

use crate::TranscriptError;
use crate::model::Transcript;

/// Tolerances used by validation.
#[derive(Debug, Clone)]
pub struct ValidationLimits {
    /// How far (seconds) a word may lie outside its utterance before the file is rejected.
    pub word_outside_tolerance_s: f64,
    /// Largest plausible timestamp in seconds (a lesson longer than this is a corrupt file).
    pub max_timestamp_s: f64,
    /// Most utterances accepted in one transcript.
    pub max_utterances: usize,
}

impl Default for ValidationLimits {
    fn default() -> Self {
        Self {
            word_outside_tolerance_s: 1.0,
            max_timestamp_s: 6.0 * 3600.0,
            max_utterances: 200_000,
        }
    }
}

// Paths are made only for an error: these run on every word of every lesson ingested.
fn check_time(
    path: impl Fn() -> String,
    value: f64,
    limits: &ValidationLimits,
) -> Result<(), TranscriptError> {
    if !value.is_finite() {
        return Err(TranscriptError::field(
            path(),
            format!("timestamp is {value}"),
        ));
    }
    if value < 0.0 {
        return Err(TranscriptError::field(
            path(),
            format!("negative timestamp {value}"),
        ));
    }
    if value > limits.max_timestamp_s {
        return Err(TranscriptError::field(
            path(),
            format!(
                "timestamp {value} s is beyond the {} s limit",
                limits.max_timestamp_s
            ),
        ));
    }
    Ok(())
}

fn check_unit(path: impl Fn() -> String, value: Option<f64>) -> Result<(), TranscriptError> {
    if let Some(v) = value
        && !(v.is_finite() && (0.0..=1.0).contains(&v))
    {
        return Err(TranscriptError::field(
            path(),
            format!("score {v} is outside [0, 1]"),
        ));
    }
    Ok(())
}

fn check_text(path: impl Fn() -> String, text: &str) -> Result<(), TranscriptError> {
    if let Some(c) = text
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
    {
        return Err(TranscriptError::field(
            path(),
            format!("contains control character U+{:04X}", c as u32),
        ));
    }
    Ok(())
}

/// Validates a transcript against `limits`.
pub(crate) fn validate(t: &Transcript, limits: &ValidationLimits) -> Result<(), TranscriptError> {
    if t.utterances.len() > limits.max_utterances {
        return Err(TranscriptError::field(
            "segments",
            format!(
                "{} utterances is over the limit of {}",
                t.utterances.len(),
                limits.max_utterances
            ),
        ));
    }
    if let Some(d) = t.duration_s {
        check_time(|| "duration".into(), d, limits)?;
    }
    check_unit(|| "confidence_score".into(), t.service_confidence)?;
    for (i, u) in t.utterances.iter().enumerate() {
        let p = |f: &str| format!("segments[{i}].{f}");
        check_time(|| p("start"), u.start, limits)?;
        check_time(|| p("end"), u.end, limits)?;
        if u.end < u.start {
            return Err(TranscriptError::field(
                p("end"),
                format!("end {} is before start {}", u.end, u.start),
            ));
        }
        check_text(|| p("text"), &u.text)?;
        check_unit(|| p("confidence"), u.confidence)?;
        check_unit(|| p("no_speech_prob"), u.no_speech_prob)?;
        for (name, v) in [
            ("avg_logprob", u.avg_logprob),
            ("compression_ratio", u.compression_ratio),
        ] {
            if let Some(v) = v
                && !v.is_finite()
            {
                return Err(TranscriptError::field(p(name), format!("value is {v}")));
            }
        }
        for (j, w) in u.words.iter().enumerate() {
            let wp = |f: &str| format!("segments[{i}].words[{j}].{f}");
            check_time(|| wp("start"), w.start, limits)?;
            check_time(|| wp("end"), w.end, limits)?;
            if w.end < w.start {
                return Err(TranscriptError::field(
                    wp("end"),
                    format!("end {} is before start {}", w.end, w.start),
                ));
            }
            let tol = limits.word_outside_tolerance_s;
            if w.start < u.start - tol || w.end > u.end + tol {
                return Err(TranscriptError::field(
                    format!("segments[{i}].words[{j}]"),
                    format!(
                        "word {:?} at {}–{} s lies outside its utterance {}–{} s",
                        w.text, w.start, w.end, u.start, u.end
                    ),
                ));
            }
            check_text(|| wp("word"), &w.text)?;
            check_unit(|| wp("score"), w.score)?;
            check_unit(|| wp("original_confidence"), w.original_score)?;
        }
    }
    if t.utterances.iter().all(|u| u.text.trim().is_empty()) {
        return Err(TranscriptError::Empty);
    }
    Ok(())
}
