use serde::{Deserialize, Serialize};

/// Which reader produced a transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceFormat {
    /// The platform transcription service (WhisperX with metrics and term evaluation).
    Whisperx,
    /// Plain OpenAI Whisper `verbose_json`.
    WhisperVerbose,
}

impl SourceFormat {
    /// Stable lowercase name used in the catalog.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Whisperx => "whisperx",
            Self::WhisperVerbose => "whisper_verbose",
        }
    }
}

/// One recognised word with its timing (seconds from lesson start) and recogniser score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Word {
    /// The word as transcribed, punctuation attached.
    pub text: String,
    /// Start time in seconds.
    pub start: f64,
    /// End time in seconds.
    pub end: f64,
    /// Recogniser score in [0, 1] (WhisperX `score`, Whisper `probability`).
    pub score: Option<f64>,
    /// Score before the service's terminology boost, when it reports one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_score: Option<f64>,
}

/// One ASR segment: a few seconds of speech.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Utterance {
    /// Start time in seconds.
    pub start: f64,
    /// End time in seconds.
    pub end: f64,
    /// Transcribed text, trimmed.
    pub text: String,
    /// Words with timings; may be empty when alignment failed.
    pub words: Vec<Word>,
    /// Segment confidence reported by the service.
    pub confidence: Option<f64>,
    /// Whisper's average log-probability of the segment's tokens.
    pub avg_logprob: Option<f64>,
    /// Whisper's gzip compression ratio of the segment text (high = repetitive).
    pub compression_ratio: Option<f64>,
    /// Whisper's probability that the segment holds no speech.
    pub no_speech_prob: Option<f64>,
}

impl Utterance {
    /// Duration in seconds (never negative for a validated transcript).
    pub fn duration(&self) -> f64 {
        self.end - self.start
    }
}

/// A term the transcription service boosted (`guitar_term_evaluation.enhanced_terms`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceTerm {
    /// The word as transcribed.
    pub word: String,
    /// The service's normalised form.
    pub normalized: String,
    /// Start time in seconds.
    pub start: f64,
    /// End time in seconds.
    pub end: f64,
    /// Score before boosting.
    pub original_confidence: Option<f64>,
}

/// Lesson context the service was given (`settings.template_context`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TemplateContext {
    /// Course title.
    pub course_title: Option<String>,
    /// Instructor display name.
    pub instructor_name: Option<String>,
    /// Lesson (segment) title.
    pub segment_title: Option<String>,
    /// Lesson topic.
    pub lesson_topic: Option<String>,
}

/// A validated lesson transcript, independent of the format it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    /// Reader that produced it.
    pub format: SourceFormat,
    /// Spoken language code, when known.
    pub language: Option<String>,
    /// Utterances in the order the file gives them (which may go backwards in time).
    pub utterances: Vec<Utterance>,
    /// Audio duration in seconds, when the file states it.
    pub duration_s: Option<f64>,
    /// The service's overall confidence (`confidence_score`).
    pub service_confidence: Option<f64>,
    /// The service's stored `quality_metrics`, verbatim (JSON text).
    pub source_metrics: Option<String>,
    /// Terms the service boosted.
    pub service_terms: Vec<ServiceTerm>,
    /// Lesson context the service was given.
    pub template_context: Option<TemplateContext>,
    /// ASR model name, when reported.
    pub model_name: Option<String>,
}

impl Transcript {
    /// All words of all utterances, in file order.
    pub fn words(&self) -> impl Iterator<Item = &Word> {
        self.utterances.iter().flat_map(|u| u.words.iter())
    }

    /// Number of aligned words.
    pub fn word_count(&self) -> usize {
        self.utterances.iter().map(|u| u.words.len()).sum()
    }

    /// Utterance texts joined with single spaces.
    pub fn full_text(&self) -> String {
        let mut out = String::new();
        for u in &self.utterances {
            if u.text.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&u.text);
        }
        out
    }

    /// Time of the latest utterance end, in seconds.
    pub fn speech_end(&self) -> f64 {
        self.utterances.iter().map(|u| u.end).fold(0.0, f64::max)
    }

    /// Hash of the lowercased, punctuation-free text: equal for transcripts that say the same words.
    pub fn normalized_text_hash(&self) -> String {
        let mut hasher = blake3::Hasher::new();
        let mut first = true;
        for token in normalized_tokens(&self.full_text()) {
            if !first {
                hasher.update(b" ");
            }
            first = false;
            hasher.update(token.as_bytes());
        }
        hasher.finalize().to_hex()[..32].to_string()
    }
}

/// Lowercased word tokens with surrounding punctuation removed (apostrophes inside words kept).
pub fn normalized_tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split_whitespace().filter_map(|raw| {
        let trimmed = raw.trim_matches(|c: char| !c.is_alphanumeric());
        if trimmed.is_empty() {
            None
        } else {
            Some(trimmed.to_lowercase())
        }
    })
}
