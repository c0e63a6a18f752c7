//! The concept ontology: what guitar lessons teach, how hard each concept is, which concepts come
//! first, and how lexicon terms map to concepts. The data lives in `data/concepts.toml`.
//!
//! On top of it: per-lesson knowledge (concepts with timestamps, teaching patterns), instructor
//! profiles, the mined concept graph, and `rebuild`, which keeps all of it stored in the catalog.

mod graph;
mod lesson;
mod level;
mod mine;
mod patterns;
mod profiles;
mod rebuild;
mod teaching_lessons;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use fretwise_lexicon::{Category, TermOccurrence};
use serde::{Deserialize, Serialize};

pub use fretwise_catalog::Progress;
pub use graph::{ConceptGraph, Edge, Node, Related, related};
pub use lesson::{
    KNOWLEDGE_VERSION, LessonConcept, LessonContribution, LessonKnowledge, Occurrence,
    analyze_lesson, phrase_pool,
};
pub use level::{UnknownLevel, parse_level};
pub use mine::{MiningLesson, MiningOptions, level_rank, mine_edges};
pub use patterns::{
    CueError, LessonPatterns, LessonStructure, TeachingClassifier, TeachingMove, TeachingSentence,
    TimedText, lesson_patterns, sentences,
};
pub use profiles::{
    DistinctiveConcept, Expertise, LessonStatistics, Profile, ProfileInput, SignaturePhrase,
    TeachingCharacteristics, profiles,
};
pub use rebuild::{KnowledgeError, LessonAnalyzer, RebuildReport, rebuild, rebuild_from};
pub use teaching_lessons::{LessonTeaching, lessons_teaching};

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
    /// Other names people use for it ("bends", "the CAGED thing").
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// A name that matches no concept.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
#[error("no concept `{input}`{}", suggestion_text(.suggestion))]
pub struct UnknownConcept {
    /// What was typed.
    pub input: String,
    /// The closest concept id, when one is close.
    pub suggestion: Option<String>,
}

fn suggestion_text(s: &Option<String>) -> String {
    match s {
        Some(id) => format!(" (did you mean `{id}`?)"),
        None => " (see `fretwise concepts list`)".to_string(),
    }
}

/// Lowercases, turns `-`/`_` into spaces, drops a leading "the" and collapses spaces.
fn name_key(s: &str) -> String {
    let lower = s.to_lowercase().replace(['-', '_', '\'', '’'], " ");
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '.' | '?' | '!' | '"'))
        .filter(|w| !w.is_empty())
        .collect();
    let words = match words.first() {
        Some(&"the") => &words[1..],
        _ => &words[..],
    };
    words.join(" ")
}

fn singular(key: &str) -> String {
    match key.strip_suffix('s') {
        Some(stem) if !key.ends_with("ss") => stem.to_string(),
        _ => key.to_string(),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
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
    /// Normalised ids, names and aliases (singular too) → concept.
    by_name: HashMap<String, usize>,
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
        let mut by_name = HashMap::new();
        // Ids, names and aliases first, so that a lexicon term never shadows a concept's name.
        for (i, c) in file.concept.iter().enumerate() {
            let name = name_key(&c.name);
            let mut keys = vec![name_key(&c.id), name.clone()];
            // "Hammer-ons, pull-offs and legato" is also found by its first part.
            if let Some((head, _)) = c.name.split_once(',') {
                keys.push(name_key(head));
            }
            if let Some(rest) = name.strip_suffix(" system") {
                keys.push(rest.to_string());
            }
            keys.extend(c.aliases.iter().map(|a| name_key(a)));
            for k in keys {
                by_name.entry(singular(&k)).or_insert(i);
                by_name.entry(k).or_insert(i);
            }
        }
        for (i, c) in file.concept.iter().enumerate() {
            for t in &c.terms {
                let k = name_key(t);
                by_name.entry(singular(&k)).or_insert(i);
                by_name.entry(k).or_insert(i);
            }
        }
        let o = Ontology {
            concepts: file.concept,
            index,
            by_term,
            by_name,
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

    /// A concept by id, display name, alias or signalling term, case-insensitively ("barre
    /// chords", "Barre chords", "string bending", "pentatonic", "open_chords"), with the closest
    /// id as a suggestion on a miss.
    pub fn resolve(&self, input: &str) -> Result<&Concept, UnknownConcept> {
        if let Some(c) = self.get(input.trim()) {
            return Ok(c);
        }
        let key = name_key(input);
        if let Some(&i) = self
            .by_name
            .get(&key)
            .or_else(|| self.by_name.get(&singular(&key)))
        {
            return Ok(&self.concepts[i]);
        }
        let suggestion = self
            .by_name
            .iter()
            .map(|(k, &i)| (edit_distance(&key, k), &self.concepts[i].id))
            .filter(|(d, _)| *d <= 2.max(key.len() / 4))
            .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
            .map(|(_, id)| id.clone());
        Err(UnknownConcept {
            input: input.chars().take(80).collect(),
            suggestion,
        })
    }

    /// Concepts whose id, name, alias or term appears in `text` as whole words, longest
    /// mention first claimed, in order of appearance.
    pub fn mentions(&self, text: &str) -> Vec<&Concept> {
        let mut out: Vec<usize> = Vec::new();
        for (c, _) in self.mention_indices(text) {
            if !out.contains(&c) {
                out.push(c);
            }
        }
        out.into_iter().map(|i| &self.concepts[i]).collect()
    }

    /// Each concept named in `text` with the words that named it (lower case, punctuation
    /// dropped), longest name first claimed, in order of appearance.
    pub fn mention_phrases(&self, text: &str) -> Vec<(&Concept, String)> {
        self.mention_indices(text)
            .into_iter()
            .map(|(c, phrase)| (&self.concepts[c], phrase))
            .collect()
    }

    fn mention_indices(&self, text: &str) -> Vec<(usize, String)> {
        let key = name_key(text);
        let words: Vec<&str> = key.split(' ').filter(|w| !w.is_empty()).collect();
        let mut out = Vec::new();
        let mut i = 0;
        while i < words.len() {
            let mut found = None;
            for n in (1..=words.len().saturating_sub(i).min(5)).rev() {
                let phrase = words[i..i + n].join(" ");
                if let Some(&c) = self
                    .by_name
                    .get(&phrase)
                    .or_else(|| self.by_name.get(&singular(&phrase)))
                {
                    found = Some((c, n, phrase));
                    break;
                }
            }
            match found {
                Some((c, n, phrase)) => {
                    out.push((c, phrase));
                    i += n;
                }
                None => i += 1,
            }
        }
        out
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

    /// Concepts a student at `rank` (1 beginner, 2 intermediate, 3 advanced) is taken to know:
    /// intermediate knows difficulty 1–2, advanced 1–3, a beginner nothing.
    pub fn known_at_level(&self, rank: u8) -> Vec<&str> {
        let mastered = match rank {
            2 => 2,
            3 => 3,
            _ => 0,
        };
        self.concepts
            .iter()
            .filter(|c| c.difficulty <= mastered)
            .map(|c| c.id.as_str())
            .collect()
    }

    /// Every prerequisite of `target` the student does not know yet, in an order that respects
    /// all prerequisites (easier first, then by id), ending with the target.
    pub fn learning_path(&self, target: &str, known: &[&str]) -> Option<Vec<String>> {
        let start = *self.index.get(target)?;
        // Knowing a concept implies knowing everything it requires.
        let mut known_set: BTreeSet<&str> = BTreeSet::new();
        let mut stack: Vec<&str> = known.to_vec();
        while let Some(k) = stack.pop() {
            if k == target || !known_set.insert(k) {
                continue;
            }
            if let Some(c) = self.get(k) {
                stack.extend(c.requires.iter().map(String::as_str));
            }
        }
        let known = known_set;
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
