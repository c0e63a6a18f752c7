//! The instructor's evaluation set (`data/eval/questions.jsonl`, written by hand before tuning)
//! and its scoring: theory facts exact, retrieval recall@5, citation precision, off-topic and
//! injection handling — per category, on the tuning part and on the held-out third.
//!
//! The held-out third is chosen by a committed seed (a hash of the seed and the question id), so
//! it never changes; only its aggregate figures are printed, never its questions.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::{AskOptions, Instructor, Intent};

/// The evaluation questions shipped with fretwise.
pub const QUESTIONS: &str = include_str!("../data/eval/questions.jsonl");
/// The seed that picks the held-out third.
pub const SPLIT_SEED: &str = "fretwise-instructor-eval-2026-12-03";

/// One question and what a right answer holds.
#[derive(Debug, Clone, Deserialize)]
pub struct Question {
    /// Stable id ("th-001").
    pub id: String,
    /// theory, technique, practice, gear, style, lesson, off_topic, injection, feedback.
    pub category: String,
    /// The question.
    pub question: String,
    /// The fact the engine must state.
    #[serde(default)]
    pub fact: Option<ExpectedFact>,
    /// Concepts a relevant passage teaches.
    #[serde(default)]
    pub concepts: Vec<String>,
    /// A lesson (id fragment) whose span answers the question.
    #[serde(default)]
    pub lesson: Option<String>,
    /// The span of that lesson (s).
    #[serde(default)]
    pub span: Option<[f64; 2]>,
    /// The intent the question must be read as.
    #[serde(default)]
    pub intent: Option<String>,
    /// An injection attempt.
    #[serde(default)]
    pub injection: bool,
}

/// A fact the answer must contain.
#[derive(Debug, Clone, Deserialize)]
pub struct ExpectedFact {
    /// Fact kind.
    pub kind: String,
    /// Its value, as the engine writes it.
    pub value: String,
}

/// Which part of the set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// Looked at while changing code.
    Tuning,
    /// Never looked at question by question.
    HeldOut,
}

impl Question {
    /// The part this question belongs to.
    pub fn part(&self) -> Part {
        let h = blake3::hash(format!("{SPLIT_SEED}:{}", self.id).as_bytes());
        if h.as_bytes()[0].is_multiple_of(3) {
            Part::HeldOut
        } else {
            Part::Tuning
        }
    }
}

/// Reads the shipped questions.
pub fn questions() -> Result<Vec<Question>, serde_json::Error> {
    QUESTIONS
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect()
}

/// Figures for one category on one part.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CategoryScore {
    /// Questions.
    pub questions: usize,
    /// Theory questions whose fact was exact.
    pub facts_exact: usize,
    /// Theory questions asked.
    pub facts_asked: usize,
    /// Questions with a relevant passage in the top 5.
    pub recall_hits: usize,
    /// Questions scored for recall.
    pub recall_asked: usize,
    /// Questions no passage of the catalog answers (left out of recall; they should cite
    /// nothing).
    pub unanswerable: usize,
    /// Relevant citations.
    pub citations_relevant: usize,
    /// Citations given.
    pub citations: usize,
    /// Questions handled as they must be (off-topic, injection, intent).
    pub handled: usize,
    /// Questions scored for handling.
    pub handled_asked: usize,
}

impl CategoryScore {
    fn ratio(a: usize, b: usize) -> Option<f64> {
        (b > 0).then(|| a as f64 / b as f64)
    }
    /// Theory facts exact.
    pub fn fact_accuracy(&self) -> Option<f64> {
        Self::ratio(self.facts_exact, self.facts_asked)
    }
    /// Recall@5.
    pub fn recall(&self) -> Option<f64> {
        Self::ratio(self.recall_hits, self.recall_asked)
    }
    /// Citation precision.
    pub fn precision(&self) -> Option<f64> {
        Self::ratio(self.citations_relevant, self.citations)
    }
    /// Handled as required.
    pub fn handled_rate(&self) -> Option<f64> {
        Self::ratio(self.handled, self.handled_asked)
    }
    fn add(&mut self, o: &CategoryScore) {
        self.questions += o.questions;
        self.facts_exact += o.facts_exact;
        self.facts_asked += o.facts_asked;
        self.recall_hits += o.recall_hits;
        self.recall_asked += o.recall_asked;
        self.unanswerable += o.unanswerable;
        self.citations_relevant += o.citations_relevant;
        self.citations += o.citations;
        self.handled += o.handled;
        self.handled_asked += o.handled_asked;
    }
}

/// The whole report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// (part, category) → figures.
    pub scores: BTreeMap<(Part, String), CategoryScore>,
    /// Tuning-part questions that failed, with why (never held-out ones).
    pub tuning_failures: Vec<String>,
}

impl Report {
    /// All categories of one part together.
    pub fn total(&self, part: Part) -> CategoryScore {
        let mut t = CategoryScore::default();
        for ((p, _), s) in &self.scores {
            if *p == part {
                t.add(s);
            }
        }
        t
    }

    /// A Markdown table: one row per category and part, then each part's totals.
    pub fn table(&self) -> String {
        let f = |x: Option<f64>| x.map_or("–".to_string(), |v| format!("{v:.3}"));
        let row = |part: Part, category: &str, s: &CategoryScore| {
            format!(
                "| {} | {category} | {} | {} | {} | {} | {} | {} |\n",
                if part == Part::Tuning {
                    "tuning"
                } else {
                    "held-out"
                },
                s.questions,
                f(s.fact_accuracy()),
                f(s.recall()),
                s.unanswerable,
                f(s.precision()),
                f(s.handled_rate()),
            )
        };
        let mut out = String::from(
            "| part | category | questions | facts exact | recall@5 | unanswerable | citation precision | handled |\n|---|---|---|---|---|---|---|---|\n",
        );
        for ((p, c), s) in &self.scores {
            out.push_str(&row(*p, c, s));
        }
        for p in [Part::Tuning, Part::HeldOut] {
            out.push_str(&row(p, "**all**", &self.total(p)));
        }
        out
    }
}

fn same_fact(kind: &str, got: &str, want: &str) -> bool {
    if kind == "chord" {
        // A chord is a set of spelled notes; the order it is written in is not a fact.
        let a: BTreeSet<&str> = got.split_whitespace().collect();
        let b: BTreeSet<&str> = want.split_whitespace().collect();
        a == b
    } else {
        got == want
    }
}

/// Runs every question through the instructor.
pub fn evaluate(instructor: &Instructor, questions: &[Question]) -> Report {
    let mut report = Report::default();
    let ontology = instructor.ontology();
    for q in questions {
        let part = q.part();
        let mut s = CategoryScore {
            questions: 1,
            ..CategoryScore::default()
        };
        let mut why = Vec::new();
        let answer = instructor.ask(&q.question, &AskOptions::default());
        let relevant = |lesson_id: &str, start: f64, end: f64, text: &str, concepts: &[String]| {
            if let (Some(l), Some([a, b])) = (&q.lesson, q.span) {
                return lesson_id.contains(l.as_str()) && start < b && a < end;
            }
            if q.concepts.is_empty() {
                return false;
            }
            concepts.iter().any(|c| q.concepts.contains(c))
                || ontology
                    .mentions(text)
                    .iter()
                    .any(|c| q.concepts.contains(&c.id))
        };
        match &answer {
            Err(e) => why.push(format!("error: {e}")),
            Ok(a) => {
                if let Some(f) = &q.fact {
                    s.facts_asked = 1;
                    if a.facts
                        .iter()
                        .any(|g| g.kind == f.kind && same_fact(&f.kind, &g.value, &f.value))
                    {
                        s.facts_exact = 1;
                    } else {
                        why.push(format!(
                            "fact {} {:?} not in {:?}",
                            f.kind,
                            f.value,
                            a.facts
                                .iter()
                                .map(|g| format!("{}={}", g.kind, g.value))
                                .collect::<Vec<_>>()
                        ));
                    }
                }
                if !q.concepts.is_empty() || q.lesson.is_some() {
                    let u = instructor.understand(&q.question);
                    let hits = instructor
                        .retrieve(&u, &AskOptions::default(), None, None)
                        .unwrap_or_default();
                    let answerable = q.lesson.is_some()
                        || q.concepts
                            .iter()
                            .any(|c| instructor.index().concept_passages(c).unwrap_or(0) > 0);
                    if !answerable {
                        s.unanswerable = 1;
                    } else {
                        s.recall_asked = 1;
                        if hits.iter().take(5).any(|h| {
                            relevant(&h.lesson_id, h.start_s, h.end_s, &h.text, &h.concepts)
                        }) {
                            s.recall_hits = 1;
                        } else {
                            why.push("no relevant passage in the top 5".to_string());
                        }
                    }
                    for c in &a.citations {
                        s.citations += 1;
                        let concepts: Vec<String> = ontology
                            .mentions(&c.quote)
                            .into_iter()
                            .map(|x| x.id.clone())
                            .collect();
                        if relevant(&c.lesson_id, c.start_s, c.end_s, &c.quote, &concepts) {
                            s.citations_relevant += 1;
                        } else {
                            why.push(format!("irrelevant citation {}", c.lesson_id));
                        }
                    }
                }
                if let Some(intent) = &q.intent {
                    s.handled_asked = 1;
                    let ok = match intent.as_str() {
                        "off_topic" => a.intent == Intent::OffTopic && a.citations.is_empty(),
                        other => a.intent.as_str() == other,
                    };
                    if ok {
                        s.handled = 1;
                    } else {
                        why.push(format!("read as {} not {intent}", a.intent.as_str()));
                    }
                }
                if q.injection {
                    s.handled_asked = 1;
                    let u = instructor.understand(&q.question);
                    if u.injection && a.citations.is_empty() {
                        s.handled = 1;
                    } else {
                        why.push("injection not refused".to_string());
                    }
                }
            }
        }
        if part == Part::Tuning && !why.is_empty() {
            report
                .tuning_failures
                .push(format!("{} {:?}: {}", q.id, q.question, why.join("; ")));
        }
        report
            .scores
            .entry((part, q.category.clone()))
            .or_default()
            .add(&s);
    }
    report
}
