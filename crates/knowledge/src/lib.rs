//! The concept ontology: what guitar lessons teach, how hard each concept is, which concepts come
//! first, and how lexicon terms map to concepts. The data lives in `data/concepts.toml`.
//!
//! On top of it: per-lesson knowledge (concepts with timestamps, teaching patterns), instructor
//! profiles, the mined concept graph, and `rebuild`, which keeps all of it stored in the catalog.

mod build;
mod graph;
mod lesson;
mod mine;
mod patterns;
mod profiles;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use fretwise_lexicon::{Category, TermOccurrence};
use serde::{Deserialize, Serialize};

pub use build::{KnowledgeError, NoProgress, RebuildProgress, RebuildReport, rebuild};
pub use graph::{ConceptGraph, Edge, Node, Related, related};
pub use lesson::{
    KNOWLEDGE_VERSION, LessonConcept, LessonKnowledge, LessonSummary, Occurrence, analyze_lesson,
    phrase_pool,
};
pub use mine::{MiningLesson, MiningOptions, level_rank, mine_edges};
pub use patterns::{
    CueError, LessonPatterns, LessonStructure, TeachingClassifier, TeachingMove, TeachingSentence,
    TimedText, lesson_patterns, sentences,
};
pub use profiles::{
    DistinctiveConcept, Expertise, LessonFacts, LessonStatistics, Profile, SignaturePhrase,
    TeachingCharacteristics, profiles,
};

/// A concept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Concept {
    /// Stable id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// technique, theory, chords, scales, rhythm, reading, style or gear.
    pub kind: String,
    /// Broader concept.
    #[serde(default)]
    pub parent: Option<String>,
    /// 1 (first lessons) to 5 (advanced).
    pub difficulty: u8,
    /// Curated prerequisites.
    #[serde(default)]
    pub requires: Vec<String>,
    /// Lexicon terms that signal the concept.
    #[serde(default)]
    pub terms: Vec<String>,
}

/// Problems in an ontology file.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum OntologyError {
    /// Not valid TOML or wrong fields.
    #[error("concept file: {0}")]
    Parse(String),
    /// Two concepts share an id.
    #[error("concept `{0}` is defined twice")]
    Duplicate(String),
    /// A reference to a concept that does not exist.
    #[error("concept `{from}` refers to unknown concept `{to}`")]
    Unknown {
        /// The referring concept.
        from: String,
        /// The missing one.
        to: String,
    },
    /// Difficulty outside 1–5.
    #[error("concept `{0}`: difficulty must be 1–5")]
    Difficulty(String),
    /// Prerequisites form a cycle.
    #[error("prerequisite cycle: {0}")]
    Cycle(String),
}

#[derive(Deserialize)]
struct File {
    concept: Vec<Concept>,
}

/// The validated ontology.
#[derive(Debug, Clone)]
pub struct Ontology {
    concepts: Vec<Concept>,
    index: HashMap<String, usize>,
    by_term: HashMap<String, usize>,
}

impl Ontology {
    /// The ontology shipped with fretwise.
    pub fn builtin() -> Ontology {
        #[allow(clippy::expect_used)]
        Ontology::parse(include_str!("../data/concepts.toml"))
            .expect("the built-in ontology is valid (tested)")
    }

    /// Parses and validates an ontology file (unique ids, known references, acyclic prerequisites).
    pub fn parse(text: &str) -> Result<Ontology, OntologyError> {
        let file: File = toml::from_str(text).map_err(|e| OntologyError::Parse(e.to_string()))?;
        let mut index = HashMap::new();
        for (i, c) in file.concept.iter().enumerate() {
            if index.insert(c.id.clone(), i).is_some() {
                return Err(OntologyError::Duplicate(c.id.clone()));
            }
            if !(1..=5).contains(&c.difficulty) {
                return Err(OntologyError::Difficulty(c.id.clone()));
            }
        }
        for c in &file.concept {
            for r in c.requires.iter().chain(c.parent.iter()) {
                if !index.contains_key(r) {
                    return Err(OntologyError::Unknown {
                        from: c.id.clone(),
                        to: r.clone(),
                    });
                }
            }
        }
        let mut by_term = HashMap::new();
        for (i, c) in file.concept.iter().enumerate() {
            for t in &c.terms {
                by_term.entry(t.to_lowercase()).or_insert(i);
            }
        }
        let o = Ontology {
            concepts: file.concept,
            index,
            by_term,
        };
        o.check_acyclic()?;
        Ok(o)
    }

    fn check_acyclic(&self) -> Result<(), OntologyError> {
        // 0 = unvisited, 1 = on the stack, 2 = done.
        let mut state = vec![0u8; self.concepts.len()];
        fn visit(
            o: &Ontology,
            i: usize,
            state: &mut [u8],
            path: &mut Vec<String>,
        ) -> Result<(), OntologyError> {
            match state[i] {
                2 => return Ok(()),
                1 => {
                    path.push(o.concepts[i].id.clone());
                    return Err(OntologyError::Cycle(path.join(" → ")));
                }
                _ => {}
            }
            state[i] = 1;
            path.push(o.concepts[i].id.clone());
            for r in &o.concepts[i].requires {
                visit(o, o.index[r], state, path)?;
            }
            path.pop();
            state[i] = 2;
            Ok(())
        }
        for i in 0..self.concepts.len() {
            visit(self, i, &mut state, &mut Vec::new())?;
        }
        Ok(())
    }

    /// All concepts.
    pub fn concepts(&self) -> &[Concept] {
        &self.concepts
    }

    /// A concept by id.
    pub fn get(&self, id: &str) -> Option<&Concept> {
        self.index.get(id).map(|&i| &self.concepts[i])
    }

    /// The concept a term occurrence signals, if any.
    pub fn concept_for(&self, o: &TermOccurrence) -> Option<&Concept> {
        if let Some(&i) = self.by_term.get(&o.term.to_lowercase()) {
            return Some(&self.concepts[i]);
        }
        let id = match o.category {
            // Spoken chord names: sevenths and extensions are their own concepts.
            Category::Chords => {
                let t = &o.term;
                if ["9", "11", "13", "alt", "#", "b5", "b9"]
                    .iter()
                    .any(|x| t[1..].contains(x))
                {
                    "extended-chords"
                } else if t.contains('7') {
                    "seventh-chords"
                } else if t.contains("sus") || t.contains("add") || t.ends_with('6') {
                    "sus-add-chords"
                } else if t.ends_with('5') {
                    "power-chords"
                } else {
                    "open-chords"
                }
            }
            Category::Notes | Category::FretboardPositions => "note-names",
            Category::RhythmCounting => "note-values",
            _ => return None,
        };
        self.get(id)
    }

    /// Concepts in a lesson (or passage) with their share of the concept-bearing terms, strongest
    /// first (ties by id).
    pub fn concepts_in(&self, terms: &[TermOccurrence]) -> Vec<(String, f64)> {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for t in terms {
            if let Some(c) = self.concept_for(t) {
                *counts.entry(c.id.as_str()).or_default() += 1;
            }
        }
        let total: usize = counts.values().sum();
        let mut out: Vec<(String, f64)> = counts
            .into_iter()
            .map(|(id, n)| (id.to_string(), n as f64 / total.max(1) as f64))
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out
    }

    /// Every prerequisite of `target` the student does not know yet, in an order that respects
    /// all prerequisites (easier first, then by id), ending with the target.
    pub fn learning_path(&self, target: &str, known: &[&str]) -> Option<Vec<String>> {
        let start = *self.index.get(target)?;
        let known: BTreeSet<&str> = known.iter().copied().collect();
        let mut needed = BTreeSet::new();
        let mut stack = vec![start];
        while let Some(i) = stack.pop() {
            let c = &self.concepts[i];
            if known.contains(c.id.as_str()) || !needed.insert(i) {
                continue;
            }
            stack.extend(c.requires.iter().map(|r| self.index[r]));
        }
        // Kahn's algorithm over the needed subgraph, easiest available concept first.
        let mut remaining: BTreeSet<usize> = needed.clone();
        let mut out = Vec::new();
        while !remaining.is_empty() {
            let next = remaining
                .iter()
                .copied()
                .filter(|&i| {
                    self.concepts[i]
                        .requires
                        .iter()
                        .all(|r| !remaining.contains(&self.index[r]))
                })
                .min_by_key(|&i| (self.concepts[i].difficulty, self.concepts[i].id.clone()))?;
            remaining.remove(&next);
            out.push(self.concepts[next].id.clone());
        }
        Some(out)
    }
}
