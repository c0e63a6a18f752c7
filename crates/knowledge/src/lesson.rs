//! Per-lesson knowledge: the concepts a lesson teaches (weights, where they occur), its teaching
//! patterns, and the sentence-level concept co-occurrences the graph miner needs.

use std::collections::{BTreeMap, HashSet};

use fretwise_lexicon::TermOccurrence;
use serde::{Deserialize, Serialize};

use crate::patterns::{LessonPatterns, TeachingClassifier, TeachingMove, TimedText};
use crate::{Ontology, lesson_patterns};

/// Bumped whenever per-lesson knowledge is computed differently: stored rows of another
/// version are rebuilt.
pub const KNOWLEDGE_VERSION: i64 = 1;

/// Occurrences kept per concept and lesson (the rest are counted, not listed).
const MAX_OCCURRENCES: usize = 20;

/// Where a concept occurs in a lesson.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Occurrence {
    /// Utterance index.
    pub utterance: usize,
    /// Start in seconds.
    pub start_s: f64,
    /// End in seconds.
    pub end_s: f64,
    /// The term as spoken.
    pub text: String,
}

/// A concept a lesson teaches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LessonConcept {
    /// Concept id.
    pub concept: String,
    /// Share of the lesson's concept-bearing term occurrences, 0–1.
    pub weight: f64,
    /// Occurrences in total.
    pub mentions: usize,
    /// The first occurrences (up to 20).
    pub occurrences: Vec<Occurrence>,
}

/// What the library-wide computations (profiles, graph) need from one lesson.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LessonContribution {
    /// (concept, mentions), by concept id.
    pub concepts: Vec<(String, usize)>,
    /// Term occurrences (all categories).
    pub terms: usize,
    /// Sentences per teaching move.
    pub moves: BTreeMap<TeachingMove, usize>,
    /// Lesson structure type.
    pub structure: String,
    /// Sentences in the lesson.
    pub sentences: usize,
    /// (concept, sentences mentioning it).
    pub sentence_concepts: Vec<(String, usize)>,
    /// (concept a, concept b, sentences mentioning both), a < b.
    pub sentence_pairs: Vec<(String, String, usize)>,
}

/// Everything derived from one lesson.
#[derive(Debug, Clone, PartialEq)]
pub struct LessonKnowledge {
    /// Concepts, strongest first.
    pub concepts: Vec<LessonConcept>,
    /// Teaching patterns.
    pub patterns: LessonPatterns,
    /// Summary for library-wide computations.
    pub summary: LessonContribution,
}

/// Derives a lesson's knowledge from its utterances and term occurrences.
pub fn analyze_lesson(
    ontology: &Ontology,
    classifier: &TeachingClassifier,
    utterances: &[TimedText<'_>],
    terms: &[TermOccurrence],
    duration_s: f64,
) -> LessonKnowledge {
    let patterns = lesson_patterns(classifier, utterances, duration_s);
    let mut by_concept: BTreeMap<&str, LessonConcept> = BTreeMap::new();
    // Sentence index of each term by its start time (sentences are in time order).
    let starts: Vec<f64> = patterns.sentences.iter().map(|s| s.start_s).collect();
    let mut per_sentence: Vec<HashSet<&str>> = vec![HashSet::new(); starts.len()];
    for t in terms {
        let Some(c) = ontology.concept_for(t) else {
            continue;
        };
        let e = by_concept
            .entry(c.id.as_str())
            .or_insert_with(|| LessonConcept {
                concept: c.id.clone(),
                weight: 0.0,
                mentions: 0,
                occurrences: Vec::new(),
            });
        e.mentions += 1;
        if e.occurrences.len() < MAX_OCCURRENCES {
            e.occurrences.push(Occurrence {
                utterance: t.utterance,
                start_s: (t.start_s * 100.0).round() / 100.0,
                end_s: (t.end_s * 100.0).round() / 100.0,
                text: t.text.clone(),
            });
        }
        // Sentence starts are rounded to 0.1 s; allow for that.
        let i = starts.partition_point(|&s| s <= t.start_s + 0.05);
        if i > 0 {
            per_sentence[i - 1].insert(c.id.as_str());
        }
    }
    let total: usize = by_concept.values().map(|c| c.mentions).sum();
    let mut concepts: Vec<LessonConcept> = by_concept
        .into_values()
        .map(|mut c| {
            c.weight = ((c.mentions as f64 / total.max(1) as f64) * 1e4).round() / 1e4;
            c
        })
        .collect();
    concepts.sort_by(|a, b| {
        b.mentions
            .cmp(&a.mentions)
            .then_with(|| a.concept.cmp(&b.concept))
    });

    let mut sentence_concepts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut sentence_pairs: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for set in &per_sentence {
        let mut v: Vec<&str> = set.iter().copied().collect();
        v.sort_unstable();
        for (i, a) in v.iter().enumerate() {
            *sentence_concepts.entry(a).or_default() += 1;
            for b in &v[i + 1..] {
                *sentence_pairs.entry((a, b)).or_default() += 1;
            }
        }
    }
    let mut summary_concepts: Vec<(String, usize)> = concepts
        .iter()
        .map(|c| (c.concept.clone(), c.mentions))
        .collect();
    summary_concepts.sort();
    let summary = LessonContribution {
        concepts: summary_concepts,
        terms: terms.len(),
        moves: patterns.counts.clone(),
        structure: patterns.structure.primary.clone(),
        sentences: patterns.sentences.len(),
        sentence_concepts: sentence_concepts
            .into_iter()
            .map(|(k, n)| (k.to_string(), n))
            .collect(),
        sentence_pairs: sentence_pairs
            .into_iter()
            .map(|((a, b), n)| (a.to_string(), b.to_string(), n))
            .collect(),
    };
    LessonKnowledge {
        concepts,
        patterns,
        summary,
    }
}

/// FNV-1a: stable across runs and platforms (phrase counting and change keys).
pub(crate) fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}

/// Hash of a word sequence.
fn phrase_hash(words: &[String]) -> u64 {
    fnv1a(
        words
            .iter()
            .flat_map(|t| t.bytes().chain(std::iter::once(b' '))),
    )
}

/// Largest pool kept per instructor.
const POOL_SIZE: usize = 2000;

/// An instructor's habitual phrases: three-word phrases used in at least two of their lessons,
/// with the number of lessons using each (most used first, at most 2,000).
pub fn phrase_pool<'a>(lessons: impl IntoIterator<Item = Vec<&'a str>>) -> Vec<(String, usize)> {
    let mut counts: std::collections::HashMap<u64, (usize, String)> = Default::default();
    for texts in lessons {
        let tokens: Vec<String> = texts
            .iter()
            .flat_map(|t| fretwise_transcript::normalized_tokens(t))
            .collect();
        let mut seen = HashSet::new();
        for w in tokens.windows(3) {
            let h = phrase_hash(w);
            if seen.insert(h) {
                counts.entry(h).or_insert_with(|| (0, w.join(" "))).0 += 1;
            }
        }
    }
    let mut v: Vec<(String, usize)> = counts
        .into_values()
        .filter(|(n, _)| *n >= 2)
        .map(|(n, p)| (p, n))
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.truncate(POOL_SIZE);
    v
}
