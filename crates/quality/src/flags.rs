//! Hallucination and failure flags.

use fretwise_transcript::Transcript;
use serde::{Deserialize, Serialize};

use crate::metrics::Metrics;
use crate::text::TextAnalysis;

/// What a flag reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagCode {
    /// The same words over and over (low distinct-trigram ratio or one dominant bigram).
    RepetitiveText,
    /// U+FFFD replacement characters: bytes the recogniser could not decode.
    ReplacementCharacters,
    /// UTF-8 decoded as Latin-1 ("Ã©", "â€™").
    Mojibake,
    /// Phrases recognisers invent on music or silence ("thanks for watching", "applause").
    StockAsrPhrase,
    /// One word or none.
    SingleWord,
    /// Fewer than 10 words.
    NearEmpty,
    /// An utterance starts before the previous one started.
    TimestampsBackwards,
    /// Words per minute of speech outside what people can say.
    ImplausibleSpeakingRate,
    /// Whisper's compression ratio above 2.4 (repetitive decoding).
    HighCompressionRatio,
    /// Whisper thinks there is no speech (no_speech_prob > 0.6 with avg_logprob < −1).
    LikelyNoSpeech,
    /// Mean word confidence is low.
    LowConfidence,
    /// Many runs of three or more low-confidence words.
    LowConfidenceClusters,
    /// Text without any word timings.
    NoWordTimings,
    /// The recording's speech stands less than 15 dB above its noise floor.
    NoisyRecording,
    /// The speech level jumps between stretches of the recording (spread over 6 dB).
    UnevenLevel,
    /// More than 0.1 % of the recording's samples sit at full scale.
    ClippedRecording,
}

impl FlagCode {
    /// The snake_case name used in JSON and the catalog.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RepetitiveText => "repetitive_text",
            Self::ReplacementCharacters => "replacement_characters",
            Self::Mojibake => "mojibake",
            Self::StockAsrPhrase => "stock_asr_phrase",
            Self::SingleWord => "single_word",
            Self::NearEmpty => "near_empty",
            Self::TimestampsBackwards => "timestamps_backwards",
            Self::ImplausibleSpeakingRate => "implausible_speaking_rate",
            Self::HighCompressionRatio => "high_compression_ratio",
            Self::LikelyNoSpeech => "likely_no_speech",
            Self::LowConfidence => "low_confidence",
            Self::LowConfidenceClusters => "low_confidence_clusters",
            Self::NoWordTimings => "no_word_timings",
            Self::NoisyRecording => "noisy_recording",
            Self::UnevenLevel => "uneven_level",
            Self::ClippedRecording => "clipped_recording",
        }
    }
}

/// Whether a flag excludes the lesson from training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The transcript is not usable for training.
    Failure,
    /// Worth a look; does not exclude the lesson by itself.
    Warning,
}

/// One raised flag with a human-readable detail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    /// What it reports.
    pub code: FlagCode,
    /// Failure or warning.
    pub severity: Severity,
    /// The evidence, in words.
    pub detail: String,
}

pub(crate) fn flag(code: FlagCode, severity: Severity, detail: String) -> Flag {
    Flag {
        code,
        severity,
        detail,
    }
}

pub(crate) fn detect(t: &Transcript, a: &TextAnalysis, m: &Metrics) -> Vec<Flag> {
    use FlagCode::*;
    use Severity::*;
    let mut out = Vec::new();
    let n = a.len();

    if n <= 1 {
        out.push(flag(SingleWord, Failure, format!("{n} word(s) of text")));
    } else if n < 10 {
        out.push(flag(NearEmpty, Failure, format!("only {n} words of text")));
    }

    if let Some((bigram, count)) = &a.top_bigram
        && *count >= 3
        && a.top_bigram_share > 0.3
    {
        out.push(flag(
            RepetitiveText,
            Failure,
            format!(
                "\"{bigram}\" repeats {count} times, {:.0}% of the text",
                100.0 * a.top_bigram_share
            ),
        ));
    } else if let Some((token, count, share)) = &a.top_token
        && *count >= 4
        && *share > 0.25
    {
        out.push(flag(
            RepetitiveText,
            Failure,
            format!(
                "\"{token}\" is {:.0}% of the words ({count} times)",
                100.0 * share
            ),
        ));
    } else if n >= 22 && a.distinct_trigram_ratio < 0.5 {
        out.push(flag(
            RepetitiveText,
            Failure,
            format!(
                "only {:.0}% of word trigrams are distinct",
                100.0 * a.distinct_trigram_ratio
            ),
        ));
    }

    if a.replacement_chars > 0 {
        out.push(flag(
            ReplacementCharacters,
            Failure,
            format!("{} U+FFFD characters in the text", a.replacement_chars),
        ));
    }
    if a.mojibake_tokens > 0 {
        let share = a.mojibake_tokens as f64 / n.max(1) as f64;
        out.push(flag(
            Mojibake,
            if share > 0.02 { Failure } else { Warning },
            format!("{} words look like mis-decoded UTF-8", a.mojibake_tokens),
        ));
    }

    if !a.stock_phrase_hits.is_empty() {
        let junk = a.junk_token_share();
        let list = a
            .stock_phrase_hits
            .iter()
            .map(|(p, c)| format!("\"{p}\" ×{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        out.push(flag(
            StockAsrPhrase,
            if junk >= 0.1 || n < 60 {
                Failure
            } else {
                Warning
            },
            list,
        ));
    }

    let tp = &m.temporal_patterns;
    if tp.backwards_count > 0 {
        out.push(flag(
            TimestampsBackwards,
            Failure,
            format!(
                "{} utterance(s) start before the previous one",
                tp.backwards_count
            ),
        ));
    }

    let wpm = m.speech_activity.speaking_rate_wpm;
    if n >= 1 && (wpm > 400.0 || (n >= 20 && wpm < 20.0)) {
        out.push(flag(
            ImplausibleSpeakingRate,
            Failure,
            format!("{wpm:.0} words per minute of speech"),
        ));
    }

    let utterances = t.utterances.len().max(1) as f64;
    let high_cr = t
        .utterances
        .iter()
        .filter(|u| u.compression_ratio.is_some_and(|c| c > 2.4))
        .count();
    if high_cr > 0 {
        out.push(flag(
            HighCompressionRatio,
            if high_cr as f64 / utterances > 0.2 {
                Failure
            } else {
                Warning
            },
            format!("{high_cr} utterance(s) with compression ratio above 2.4"),
        ));
    }
    let no_speech = t
        .utterances
        .iter()
        .filter(|u| {
            u.no_speech_prob.is_some_and(|p| p > 0.6) && u.avg_logprob.is_some_and(|l| l < -1.0)
        })
        .count();
    if no_speech > 0 {
        out.push(flag(
            LikelyNoSpeech,
            if no_speech as f64 / utterances > 0.2 {
                Failure
            } else {
                Warning
            },
            format!("{no_speech} utterance(s) probably hold no speech"),
        ));
    }

    let cp = &m.confidence_patterns;
    let has_confidence = cp.scored_word_count > 0 || cp.segment_confidence_mean.is_some();
    if has_confidence && cp.overall_confidence < 0.5 {
        out.push(flag(
            LowConfidence,
            Failure,
            format!("mean confidence {:.2}", cp.overall_confidence),
        ));
    } else if has_confidence && cp.overall_confidence < 0.65 {
        out.push(flag(
            LowConfidence,
            Warning,
            format!("mean confidence {:.2}", cp.overall_confidence),
        ));
    }
    if cp.low_confidence_cluster_share > 0.25 {
        out.push(flag(
            LowConfidenceClusters,
            Warning,
            format!(
                "{:.0}% of words sit in runs of low-confidence words",
                100.0 * cp.low_confidence_cluster_share
            ),
        ));
    }
    if n > 0 && t.word_count() == 0 {
        out.push(flag(NoWordTimings, Warning, "no word has timings".into()));
    }
    out
}
