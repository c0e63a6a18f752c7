//! Format detection and deserialisation of WhisperX service output and Whisper `verbose_json`.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::TranscriptError;
use crate::model::{ServiceTerm, SourceFormat, TemplateContext, Transcript, Utterance, Word};
use crate::validate::{ValidationLimits, validate};

/// Limits applied while reading.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Largest accepted input, in bytes.
    pub max_bytes: u64,
    /// Validation tolerances.
    pub limits: ValidationLimits,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            max_bytes: 64 * 1024 * 1024,
            limits: ValidationLimits::default(),
        }
    }
}

/// A superset of both formats: every field optional so detection happens after parsing.
/// `M` is how the service's metrics are read: kept verbatim on the fast path, skipped when
/// re-reading a broken file to locate its error.
#[derive(Deserialize)]
struct RawDoc<M> {
    segments: Option<Vec<RawSegment>>,
    word_segments: Option<serde::de::IgnoredAny>,
    text: Option<String>,
    language: Option<String>,
    duration: Option<f64>,
    task: Option<String>,
    confidence_score: Option<f64>,
    quality_metrics: Option<M>,
    guitar_term_evaluation: Option<RawTermEvaluation>,
    settings: Option<RawSettings>,
}

#[derive(Deserialize)]
struct RawSegment {
    start: f64,
    end: f64,
    #[serde(default)]
    text: String,
    #[serde(default)]
    words: Vec<RawWord>,
    confidence: Option<f64>,
    avg_logprob: Option<f64>,
    compression_ratio: Option<f64>,
    no_speech_prob: Option<f64>,
}

#[derive(Deserialize)]
struct RawWord {
    word: String,
    start: Option<f64>,
    end: Option<f64>,
    score: Option<f64>,
    probability: Option<f64>,
    original_confidence: Option<f64>,
}

#[derive(Deserialize)]
struct RawTermEvaluation {
    #[serde(default)]
    enhanced_terms: Vec<RawServiceTerm>,
}

#[derive(Deserialize)]
struct RawServiceTerm {
    word: String,
    #[serde(default)]
    normalized_word: Option<String>,
    start: f64,
    end: f64,
    original_confidence: Option<f64>,
}

#[derive(Deserialize)]
struct RawSettings {
    model_name: Option<String>,
    language: Option<String>,
    template_context: Option<TemplateContext>,
}

/// Parses and validates one transcript from raw bytes (WhisperX service output or Whisper
/// `verbose_json`, detected from the fields present).
///
/// ```
/// let json = br#"{"task":"transcribe","language":"en","duration":3.0,"text":"Hi",
///   "segments":[{"start":0.0,"end":1.0,"text":" Hi there",
///   "words":[{"word":"Hi","start":0.0,"end":0.4,"probability":0.9},
///            {"word":"there","start":0.5,"end":0.9,"probability":0.8}]}]}"#;
/// let t = fretwise_transcript::parse_transcript(json, &Default::default()).unwrap();
/// assert_eq!(t.word_count(), 2);
/// assert_eq!(t.utterances[0].text, "Hi there");
/// ```
pub fn parse_transcript(
    bytes: &[u8],
    options: &ReadOptions,
) -> Result<Transcript, TranscriptError> {
    if bytes.len() as u64 > options.max_bytes {
        return Err(TranscriptError::TooLarge {
            size: bytes.len() as u64,
            limit: options.max_bytes,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| TranscriptError::InvalidUtf8 {
        offset: e.valid_up_to(),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let raw = deserialize(text)?;
    let transcript = convert(raw)?;
    validate(&transcript, &options.limits)?;
    Ok(transcript)
}

fn deserialize(text: &str) -> Result<RawDoc<Box<RawValue>>, TranscriptError> {
    // Fast path: plain serde_json. Only a failing document is read again with path tracking,
    // which costs about a third more but names the field that is wrong.
    match serde_json::from_str::<RawDoc<Box<RawValue>>>(text) {
        Ok(raw) => Ok(raw),
        Err(fast_err) => {
            let mut de = serde_json::Deserializer::from_str(text);
            let result: Result<RawDoc<serde::de::IgnoredAny>, _> =
                serde_path_to_error::deserialize(&mut de);
            match result {
                Err(err) => {
                    let path = err.path().to_string();
                    let inner = err.into_inner();
                    Err(json_error(text, &path, &inner))
                }
                Ok(_) => match de.end() {
                    Err(err) => Err(json_error(text, ".", &err)),
                    Ok(()) => Err(json_error(text, ".", &fast_err)),
                },
            }
        }
    }
}

fn json_error(text: &str, path: &str, err: &serde_json::Error) -> TranscriptError {
    use serde_json::error::Category;
    match err.classify() {
        Category::Data => {
            let message = err.to_string();
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_string();
            TranscriptError::field(if path == "." { "(root)" } else { path }, message)
        }
        _ => {
            let mut message = err.to_string();
            if let Some(idx) = message.find(" at line ") {
                message.truncate(idx);
            }
            if looks_like_non_finite(text, err.line(), err.column()) {
                message.push_str(" (NaN and Infinity are not valid JSON numbers)");
            }
            if path != "." && !path.is_empty() {
                message.push_str(&format!(" (inside `{path}`)"));
            }
            TranscriptError::Json {
                line: err.line(),
                column: err.column(),
                message,
            }
        }
    }
}

fn looks_like_non_finite(text: &str, line: usize, column: usize) -> bool {
    let Some(line_text) = text.lines().nth(line.saturating_sub(1)) else {
        return false;
    };
    let start = column.saturating_sub(1).min(line_text.len());
    let lo = line_text
        .char_indices()
        .map(|(i, _)| i)
        .rfind(|&i| i <= start)
        .unwrap_or(0);
    let around = &line_text[lo..];
    let around = around.trim_start_matches([' ', ':', ',', '[', '-']);
    around.starts_with("NaN") || around.starts_with("Infinity") || around.starts_with("nan")
}

fn convert(raw: RawDoc<Box<RawValue>>) -> Result<Transcript, TranscriptError> {
    let segments = raw.segments.ok_or(TranscriptError::UnknownFormat)?;
    let any_probability = segments
        .iter()
        .flat_map(|s| s.words.iter())
        .any(|w| w.probability.is_some());
    let format = if raw.word_segments.is_some() || raw.quality_metrics.is_some() {
        SourceFormat::Whisperx
    } else if raw.task.is_some() || any_probability || raw.duration.is_some() {
        SourceFormat::WhisperVerbose
    } else {
        return Err(TranscriptError::UnknownFormat);
    };

    let mut utterances = Vec::with_capacity(segments.len());
    for (si, seg) in segments.into_iter().enumerate() {
        let mut words = Vec::with_capacity(seg.words.len());
        for (wi, w) in seg.words.into_iter().enumerate() {
            // WhisperX leaves digits and symbols it could not align without timings; such a word
            // is kept in the utterance text but carries no timing of its own.
            let (Some(start), Some(end)) = (w.start, w.end) else {
                if w.start.is_some() || w.end.is_some() {
                    return Err(TranscriptError::field(
                        format!("segments[{si}].words[{wi}]"),
                        "has only one of `start` and `end`",
                    ));
                }
                continue;
            };
            words.push(Word {
                text: w.word.trim().to_string(),
                start,
                end,
                score: w.score.or(w.probability),
                original_score: w.original_confidence,
            });
        }
        utterances.push(Utterance {
            start: seg.start,
            end: seg.end,
            text: seg.text.trim().to_string(),
            words,
            confidence: seg.confidence,
            avg_logprob: seg.avg_logprob,
            compression_ratio: seg.compression_ratio,
            no_speech_prob: seg.no_speech_prob,
        });
    }

    let (model_name, settings_language, template_context) = match raw.settings {
        Some(s) => (s.model_name, s.language, s.template_context),
        None => (None, None, None),
    };
    let service_terms = raw
        .guitar_term_evaluation
        .map(|e| {
            e.enhanced_terms
                .into_iter()
                .map(|t| ServiceTerm {
                    normalized: t.normalized_word.unwrap_or_else(|| t.word.to_lowercase()),
                    word: t.word,
                    start: t.start,
                    end: t.end,
                    original_confidence: t.original_confidence,
                })
                .collect()
        })
        .unwrap_or_default();
    let _ = raw.text;

    Ok(Transcript {
        format,
        language: raw.language.or(settings_language),
        utterances,
        duration_s: raw.duration,
        service_confidence: raw.confidence_score,
        source_metrics: raw.quality_metrics.map(|m| m.get().to_string()),
        service_terms,
        template_context,
        model_name,
    })
}
