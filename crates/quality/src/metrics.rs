//! The five metric families, under the platform's field names where the meaning is the same.

use fretwise_lexicon::TermOccurrence;
use fretwise_transcript::{Transcript, Word};
use serde::{Deserialize, Serialize};

use crate::clamp01;
use crate::text::TextAnalysis;

/// All metric families.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Speech versus silence.
    pub speech_activity: SpeechActivity,
    /// Words, vocabulary, fillers, terminology.
    pub content_quality: ContentQuality,
    /// Durations, gaps and timing anomalies.
    pub temporal_patterns: TemporalPatterns,
    /// Recogniser confidence.
    pub confidence_patterns: ConfidencePatterns,
    /// Sentence shape and teaching vocabulary.
    pub linguistic_quality: LinguisticQuality,
}

/// Speech versus silence over the lesson.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeechActivity {
    /// Stated audio duration, else the latest utterance end (seconds).
    pub total_duration_seconds: f64,
    /// Union of utterance intervals (overlaps counted once).
    pub speech_duration_seconds: f64,
    /// Total minus speech.
    pub silence_duration_seconds: f64,
    /// Speech / total, in [0, 1].
    pub speech_activity_ratio: f64,
    /// Union of word intervals (seconds).
    pub word_time_coverage_seconds: f64,
    /// Word coverage / total, in [0, 1].
    pub word_coverage_ratio: f64,
    /// Gaps between merged speech intervals.
    pub pause_count: usize,
    /// Mean gap (seconds).
    pub average_pause_duration: f64,
    /// Longest gap (seconds).
    pub max_pause_duration: f64,
    /// Words per minute of speech.
    pub speaking_rate_wpm: f64,
    /// Number of utterances.
    pub segment_count: usize,
    /// Speech duration / utterance count.
    pub average_segment_duration: f64,
}

/// Words, vocabulary, fillers and terminology.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentQuality {
    /// Word tokens in the text.
    pub total_words: usize,
    /// Distinct lowercased tokens.
    pub unique_words: usize,
    /// Unique / total.
    pub vocabulary_richness: f64,
    /// Sentences (text split on . ! ?).
    pub sentence_count: usize,
    /// Tokens per sentence.
    pub average_sentence_length: f64,
    /// Filler words and phrases, matched on word boundaries.
    pub filler_word_count: usize,
    /// Filler tokens / total.
    pub filler_word_ratio: f64,
    /// Guitar-term occurrences.
    pub term_count: usize,
    /// Distinct canonical terms.
    pub distinct_terms: usize,
    /// Term occurrences per 100 words.
    pub terms_per_100_words: f64,
    /// min(1, terms per 100 words / 5).
    pub technical_content_score: f64,
    /// Distinct word trigrams / trigrams (1 = nothing repeated).
    pub distinct_trigram_ratio: f64,
    /// Most frequent 2- and 3-word phrases that occur more than once.
    pub repeated_phrases: Vec<PhraseCount>,
}

/// A phrase and how often it occurs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhraseCount {
    /// The phrase.
    pub phrase: String,
    /// Occurrences.
    pub count: usize,
}

/// Durations, gaps and timing anomalies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemporalPatterns {
    /// Mean utterance duration (seconds).
    pub segment_duration_mean: f64,
    /// Population standard deviation of utterance durations.
    pub segment_duration_std: f64,
    /// Shortest utterance.
    pub segment_duration_min: f64,
    /// Longest utterance.
    pub segment_duration_max: f64,
    /// Mean word duration.
    pub word_duration_mean: f64,
    /// Standard deviation of word durations.
    pub word_duration_std: f64,
    /// Mean non-negative gap between consecutive words.
    pub word_gap_mean: f64,
    /// Number of non-negative word gaps.
    pub word_gap_count: usize,
    /// Utterances that start before the previous one started.
    pub backwards_count: usize,
    /// Utterances overlapping the previous one by more than 0.5 s.
    pub overlap_count: usize,
    /// Zero-length utterances.
    pub zero_length_segments: usize,
    /// Words over 3 characters lasting under 0.05 s.
    pub implausibly_short_words: usize,
    /// 1 − anomalies / checks (no floor, no default for missing words).
    pub timing_consistency: f64,
}

/// Recogniser confidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfidencePatterns {
    /// Mean word score; segment confidence when there are no words; 0 when neither exists.
    pub overall_confidence: f64,
    /// The service's own `confidence_score`, when present.
    pub service_confidence: Option<f64>,
    /// Word score statistics.
    pub word_score_mean: f64,
    /// Standard deviation of word scores.
    pub word_score_std: f64,
    /// Lowest word score.
    pub word_score_min: f64,
    /// Median word score.
    pub word_score_median: f64,
    /// Words with a score.
    pub scored_word_count: usize,
    /// Share of words scoring ≥ 0.9.
    pub high_confidence_ratio: f64,
    /// Share of words scoring < 0.5.
    pub low_confidence_ratio: f64,
    /// Runs of ≥ 3 consecutive words scoring < 0.5.
    pub low_confidence_clusters: usize,
    /// Share of words inside such runs.
    pub low_confidence_cluster_share: f64,
    /// Mean segment confidence, when segments report one.
    pub segment_confidence_mean: Option<f64>,
    /// Second-half minus first-half mean word score.
    pub confidence_trend: f64,
}

/// Sentence shape and teaching vocabulary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinguisticQuality {
    /// Share of sentences with at least 3 words.
    pub grammar_score: f64,
    /// 1 when mean sentence length is 8–25 words, falling off linearly outside.
    pub readability_score: f64,
    /// Share of sentences holding at least one guitar term.
    pub educational_content_score: f64,
    /// Distinct term categories present / 12.
    pub terminology_diversity: f64,
}

fn mean_std(xs: impl Iterator<Item = f64> + Clone) -> (f64, f64, usize) {
    let (mut n, mut sum) = (0usize, 0.0);
    for x in xs.clone() {
        n += 1;
        sum += x;
    }
    if n == 0 {
        return (0.0, 0.0, 0);
    }
    let mean = sum / n as f64;
    let var = xs.map(|x| (x - mean) * (x - mean)).sum::<f64>() / n as f64;
    (mean, var.sqrt(), n)
}

/// Sorted, merged intervals; returns (covered seconds, gaps between merged intervals).
fn union(mut iv: Vec<(f64, f64)>) -> (f64, Vec<f64>) {
    iv.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut covered = 0.0;
    let mut gaps = Vec::new();
    let mut cur: Option<(f64, f64)> = None;
    for (s, e) in iv {
        match cur {
            Some((cs, ce)) if s <= ce => cur = Some((cs, ce.max(e))),
            Some((cs, ce)) => {
                covered += ce - cs;
                gaps.push(s - ce);
                cur = Some((s, e));
            }
            None => cur = Some((s, e)),
        }
    }
    if let Some((cs, ce)) = cur {
        covered += ce - cs;
    }
    (covered, gaps)
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { clamp01(a / b) } else { 0.0 }
}

pub(crate) fn compute(t: &Transcript, a: &TextAnalysis, terms: &[TermOccurrence]) -> Metrics {
    let words: Vec<&Word> = t.words().collect();
    let content_quality = content_quality(a, terms);
    Metrics {
        speech_activity: speech_activity(t, &words, a.len()),
        linguistic_quality: linguistic_quality(t, a, terms, &content_quality),
        content_quality,
        temporal_patterns: temporal_patterns(t, &words),
        confidence_patterns: confidence_patterns(t, &words),
    }
}

/// Speech and silence over the lesson's length, pauses, speaking rate.
fn speech_activity(t: &Transcript, words: &[&Word], total_words: usize) -> SpeechActivity {
    let speech_end = t.speech_end();
    let total = t.duration_s.unwrap_or(0.0).max(speech_end);
    let (speech, gaps) = union(t.utterances.iter().map(|u| (u.start, u.end)).collect());
    let (word_cov, _) = union(words.iter().map(|w| (w.start, w.end)).collect());
    let spoken_words = if words.is_empty() {
        total_words
    } else {
        words.len()
    };
    SpeechActivity {
        total_duration_seconds: total,
        speech_duration_seconds: speech,
        silence_duration_seconds: (total - speech).max(0.0),
        speech_activity_ratio: ratio(speech, total),
        word_time_coverage_seconds: word_cov,
        word_coverage_ratio: ratio(word_cov, total),
        pause_count: gaps.len(),
        average_pause_duration: if gaps.is_empty() {
            0.0
        } else {
            gaps.iter().sum::<f64>() / gaps.len() as f64
        },
        max_pause_duration: gaps.iter().copied().fold(0.0, f64::max),
        speaking_rate_wpm: if speech > 0.0 {
            spoken_words as f64 / (speech / 60.0)
        } else {
            0.0
        },
        segment_count: t.utterances.len(),
        average_segment_duration: if t.utterances.is_empty() {
            0.0
        } else {
            speech / t.utterances.len() as f64
        },
    }
}

/// Vocabulary, fillers, sentences, terminology density, repetition.
fn content_quality(a: &TextAnalysis, terms: &[TermOccurrence]) -> ContentQuality {
    let total_words = a.len();
    let unique_words = a.vocab.len();
    let fillers = a.filler_tokens;
    let mut distinct_terms: Vec<&str> = terms.iter().map(|o| o.term.as_str()).collect();
    distinct_terms.sort_unstable();
    distinct_terms.dedup();
    let terms_per_100 = if total_words > 0 {
        100.0 * terms.len() as f64 / total_words as f64
    } else {
        0.0
    };
    let sentence_count = a.sentence_lengths.len();
    ContentQuality {
        total_words,
        unique_words,
        vocabulary_richness: ratio(unique_words as f64, total_words as f64),
        sentence_count,
        average_sentence_length: if sentence_count > 0 {
            a.sentence_lengths.iter().sum::<usize>() as f64 / sentence_count as f64
        } else {
            0.0
        },
        filler_word_count: fillers,
        filler_word_ratio: ratio(fillers as f64, total_words as f64),
        term_count: terms.len(),
        distinct_terms: distinct_terms.len(),
        terms_per_100_words: terms_per_100,
        technical_content_score: clamp01(terms_per_100 / 5.0),
        distinct_trigram_ratio: a.distinct_trigram_ratio,
        repeated_phrases: a
            .repeated_phrases
            .iter()
            .map(|(p, c)| PhraseCount {
                phrase: p.clone(),
                count: *c,
            })
            .collect(),
    }
}

/// Segment and word durations, gaps, and timing anomalies.
fn temporal_patterns(t: &Transcript, words: &[&Word]) -> TemporalPatterns {
    let seg_durs = t.utterances.iter().map(|u| u.duration());
    let (sd_mean, sd_std, _) = mean_std(seg_durs.clone());
    let (wd_mean, wd_std, _) = mean_std(words.iter().map(|w| w.end - w.start));
    let mut word_gaps = Vec::new();
    for u in &t.utterances {
        for w in u.words.windows(2) {
            let g = w[1].start - w[0].end;
            if g >= 0.0 {
                word_gaps.push(g);
            }
        }
    }
    let (wg_mean, _, wg_n) = mean_std(word_gaps.iter().copied());
    let mut backwards = 0;
    let mut overlaps = 0;
    for w in t.utterances.windows(2) {
        if w[1].start < w[0].start {
            backwards += 1;
        } else if w[1].start < w[0].end - 0.5 {
            overlaps += 1;
        }
    }
    let zero_len = t.utterances.iter().filter(|u| u.end <= u.start).count();
    let short_words = words
        .iter()
        .filter(|w| w.text.chars().count() > 3 && w.end - w.start < 0.05)
        .count();
    let mut word_backwards = 0;
    for u in &t.utterances {
        for w in u.words.windows(2) {
            if w[1].start < w[0].start {
                word_backwards += 1;
            }
        }
    }
    let checks = t.utterances.len() * 2 + words.len() * 2;
    let anomalies = backwards * 2 + overlaps + zero_len + short_words + word_backwards;
    let temporal_patterns = TemporalPatterns {
        segment_duration_mean: sd_mean,
        segment_duration_std: sd_std,
        segment_duration_min: seg_durs.clone().fold(f64::INFINITY, f64::min).min(f64::MAX),
        segment_duration_max: seg_durs.fold(0.0, f64::max),
        word_duration_mean: wd_mean,
        word_duration_std: wd_std,
        word_gap_mean: wg_mean,
        word_gap_count: wg_n,
        backwards_count: backwards,
        overlap_count: overlaps,
        zero_length_segments: zero_len,
        implausibly_short_words: short_words,
        timing_consistency: if checks == 0 {
            0.0
        } else {
            clamp01(1.0 - anomalies as f64 / checks as f64)
        },
    };
    TemporalPatterns {
        segment_duration_min: if t.utterances.is_empty() {
            0.0
        } else {
            temporal_patterns.segment_duration_min
        },
        ..temporal_patterns
    }
}

/// Word and segment confidences: spread, low-confidence clusters, trend.
fn confidence_patterns(t: &Transcript, words: &[&Word]) -> ConfidencePatterns {
    let mut scores: Vec<f64> = words.iter().filter_map(|w| w.score).collect();
    let (ws_mean, ws_std, ws_n) = mean_std(scores.iter().copied());
    let half = scores.len() / 2;
    let trend = if half > 0 {
        let (first, second) = scores.split_at(half);
        second.iter().sum::<f64>() / second.len() as f64
            - first.iter().sum::<f64>() / first.len() as f64
    } else {
        0.0
    };
    let mut clusters = 0;
    let mut cluster_words = 0;
    let mut run = 0;
    for &s in scores.iter().chain(std::iter::once(&1.0)) {
        if s < 0.5 {
            run += 1;
        } else {
            if run >= 3 {
                clusters += 1;
                cluster_words += run;
            }
            run = 0;
        }
    }
    let high = scores.iter().filter(|&&s| s >= 0.9).count();
    let low = scores.iter().filter(|&&s| s < 0.5).count();
    let seg_conf: Vec<f64> = t.utterances.iter().filter_map(|u| u.confidence).collect();
    let seg_conf_mean = if seg_conf.is_empty() {
        None
    } else {
        Some(seg_conf.iter().sum::<f64>() / seg_conf.len() as f64)
    };
    scores.sort_by(f64::total_cmp);
    let median = if scores.is_empty() {
        0.0
    } else if scores.len() % 2 == 1 {
        scores[scores.len() / 2]
    } else {
        (scores[scores.len() / 2 - 1] + scores[scores.len() / 2]) / 2.0
    };
    let overall_confidence = if ws_n > 0 {
        ws_mean
    } else {
        seg_conf_mean.unwrap_or(0.0)
    };
    ConfidencePatterns {
        overall_confidence: clamp01(overall_confidence),
        service_confidence: t.service_confidence,
        word_score_mean: ws_mean,
        word_score_std: ws_std,
        word_score_min: scores.first().copied().unwrap_or(0.0),
        word_score_median: median,
        scored_word_count: ws_n,
        high_confidence_ratio: ratio(high as f64, ws_n as f64),
        low_confidence_ratio: ratio(low as f64, ws_n as f64),
        low_confidence_clusters: clusters,
        low_confidence_cluster_share: ratio(cluster_words as f64, ws_n as f64),
        segment_confidence_mean: seg_conf_mean,
        confidence_trend: trend,
    }
}

/// Sentence completeness, readability, teaching content, terminology diversity.
fn linguistic_quality(
    t: &Transcript,
    a: &TextAnalysis,
    terms: &[TermOccurrence],
    content_quality: &ContentQuality,
) -> LinguisticQuality {
    let sentence_count = content_quality.sentence_count;
    let long_sentences = a.sentence_lengths.iter().filter(|&&n| n >= 3).count();
    let asl = content_quality.average_sentence_length;
    let readability = if asl <= 0.0 {
        0.0
    } else if asl < 8.0 {
        asl / 8.0
    } else if asl <= 25.0 {
        1.0
    } else {
        (1.0 - (asl - 25.0) / 25.0).max(0.0)
    };
    let sentences_with_terms = sentences_with_terms(t, terms);
    let mut cats: Vec<_> = terms.iter().map(|o| o.category).collect();
    cats.sort();
    cats.dedup();
    LinguisticQuality {
        grammar_score: ratio(long_sentences as f64, sentence_count as f64),
        readability_score: readability,
        educational_content_score: ratio(sentences_with_terms as f64, sentence_count as f64),
        terminology_diversity: clamp01(cats.len() as f64 / 12.0),
    }
}

/// Counts sentences (split on . ! ? inside utterances) that hold at least one term occurrence.
fn sentences_with_terms(t: &Transcript, terms: &[TermOccurrence]) -> usize {
    let mut count = 0;
    let mut ti = 0;
    for (ui, u) in t.utterances.iter().enumerate() {
        let mut uterms = Vec::new();
        while ti < terms.len() && terms[ti].utterance == ui {
            uterms.push(&terms[ti]);
            ti += 1;
        }
        if uterms.is_empty() {
            continue;
        }
        // Map each term to the sentence of its first word by counting sentence ends before it.
        let mut sentence_of_word = Vec::with_capacity(u.words.len());
        let mut s = 0;
        for w in &u.words {
            sentence_of_word.push(s);
            if w.text.ends_with(['.', '!', '?']) {
                s += 1;
            }
        }
        let mut seen: Vec<usize> = uterms
            .iter()
            .map(|o| {
                o.first_word
                    .and_then(|i| sentence_of_word.get(i).copied())
                    .unwrap_or(0)
            })
            .collect();
        seen.sort_unstable();
        seen.dedup();
        count += seen.len();
    }
    count
}
