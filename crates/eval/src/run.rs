//! Asking each item of a backend and scoring the answer.

use std::collections::BTreeSet;
use std::time::Instant;

use fretwise_catalog::Catalog;
use fretwise_instructor::factcheck::{self, Claim};
use fretwise_instructor::llm::{Llm, Request};
use fretwise_instructor::{AskOptions, Citation, Generation, Instructor};
use fretwise_knowledge::Ontology;
use fretwise_learner::{
    MomentSource, PlanInputs, PlanRequest, PracticeRequest, Preferences, SkillModel, max_difficulty,
};
use serde::Serialize;

use crate::items::{Category, Context, Expect, Item, Part};
use crate::score::{self, Quotes};
use crate::takes;

/// What answers the questions.
pub enum Backend<'a> {
    /// The grounded composer (no model).
    Grounded,
    /// A model writing the prose: with retrieval, through the instructor (passages, the
    /// engine's facts, the fact-check); without, the question alone.
    Model {
        /// The model.
        llm: &'a dyn Llm,
        /// Passages and engine facts in the prompt.
        retrieval: bool,
        /// Limits.
        generation: Generation,
    },
}

impl Backend<'_> {
    /// "grounded", "MODEL + retrieval" or "MODEL alone".
    pub fn name(&self) -> String {
        match self {
            Backend::Grounded => "grounded".into(),
            Backend::Model { llm, retrieval, .. } => format!(
                "{} {}",
                llm.name(),
                if *retrieval { "+ retrieval" } else { "alone" }
            ),
        }
    }
}

/// The system prompt of a model asked without retrieval.
pub const PLAIN_SYSTEM: &str = "You are a friendly guitar teacher. Answer the student's \
question in two to four short sentences.";

/// Options of a run.
#[derive(Default)]
pub struct RunOptions<'a> {
    /// Called after each item with (done, total).
    pub progress: Option<&'a (dyn Fn(usize, usize) + Sync)>,
}

/// One item's result.
#[derive(Debug, Clone, Serialize)]
pub struct ItemResult {
    /// Item id.
    pub id: String,
    /// Category.
    pub category: Category,
    /// Part.
    pub part: Part,
    /// Right, as the student reads the answer (after the fact-check).
    pub correct: bool,
    /// Right before the fact-check corrected anything.
    pub correct_without_fact_check: bool,
    /// Citations given.
    pub citations: usize,
    /// Citations of the passage (grounded) or of the asked instructor or style.
    pub citations_relevant: usize,
    /// Citations whose quote is not what the lesson says there.
    pub citations_invalid: usize,
    /// For grounded items: the passage was cited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passage_cited: Option<bool>,
    /// Musical claims the fact-check read in the answer.
    pub claims: usize,
    /// Claims it corrected.
    pub corrected: usize,
    /// Time to answer (ms).
    pub latency_ms: f64,
    /// Why it failed (tuning items only; held-out items never say).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

/// An answer as scored: its text, the claims before and after the fact-check, citations.
struct Answered {
    content: String,
    raw_claims: Vec<Claim>,
    claims: Vec<Claim>,
    corrected: usize,
    citations: Vec<Citation>,
    latency_ms: f64,
}

async fn answer(
    instructor: &Instructor,
    item: &Item,
    backend: &Backend<'_>,
) -> Result<Answered, String> {
    let opts = AskOptions {
        instructor: item.instructor.clone(),
        style: item.style.clone(),
        ..AskOptions::default()
    };
    let started = Instant::now();
    let (content, raw_claims, corrected, citations) = match backend {
        Backend::Grounded => {
            let a = instructor
                .ask(&item.question, &opts)
                .map_err(|e| e.to_string())?;
            (
                a.content,
                a.fact_check.checked,
                a.fact_check.corrected.len(),
                a.citations,
            )
        }
        Backend::Model {
            llm,
            retrieval: true,
            generation,
        } => {
            let a = instructor
                .ask_with_limits(&item.question, &opts, Some(*llm), generation, None)
                .await
                .map_err(|e| e.to_string())?;
            (
                a.content,
                a.fact_check.checked,
                a.fact_check.corrected.len(),
                a.citations,
            )
        }
        Backend::Model {
            llm,
            retrieval: false,
            generation,
        } => {
            let req = Request {
                temperature: generation.temperature,
                seed: generation.seed,
                ..Request::new(PLAIN_SYSTEM, &item.question, generation.max_tokens)
            };
            let mut sink = |_: &str| {};
            let raw = llm
                .generate(&req, &mut sink)
                .await
                .map_err(|e| e.to_string())?;
            let (fixed, report) = factcheck::check(&raw);
            (fixed, report.checked, report.corrected.len(), Vec::new())
        }
    };
    let latency_ms = started.elapsed().as_secs_f64() * 1e3;
    // The claims of the text as shown: what the fact-check left (or made) of it.
    let (_, shown) = factcheck::check(&content);
    Ok(Answered {
        content,
        raw_claims,
        claims: shown.checked,
        corrected,
        citations,
        latency_ms,
    })
}

/// Runs `items` against `backend` and scores each.
pub async fn evaluate(
    instructor: &Instructor,
    catalog: &Catalog,
    ctx: &Context,
    items: &[Item],
    backend: &Backend<'_>,
    opts: &RunOptions<'_>,
) -> Vec<ItemResult> {
    let mut quotes = Quotes::new(catalog);
    let mut out = Vec::with_capacity(items.len());
    for (done, item) in items.iter().enumerate() {
        let r = if item.category.asks() {
            asked(instructor, ctx, item, backend, &mut quotes).await
        } else {
            learner_item(instructor, &ctx.ontology, item)
        };
        out.push(r);
        if let Some(p) = opts.progress {
            p(done + 1, items.len());
        }
    }
    out
}

fn blank(item: &Item) -> ItemResult {
    ItemResult {
        id: item.id.clone(),
        category: item.category,
        part: item.part,
        correct: false,
        correct_without_fact_check: false,
        citations: 0,
        citations_relevant: 0,
        citations_invalid: 0,
        passage_cited: None,
        claims: 0,
        corrected: 0,
        latency_ms: 0.0,
        why: None,
    }
}

/// Keeps a failure's reason only for tuning items.
fn finish(mut r: ItemResult, why: Option<String>) -> ItemResult {
    if r.part == Part::Tuning && !r.correct {
        r.why = why.or_else(|| Some("wrong".into()));
    }
    r
}

async fn asked(
    instructor: &Instructor,
    ctx: &Context,
    item: &Item,
    backend: &Backend<'_>,
    quotes: &mut Quotes<'_>,
) -> ItemResult {
    let mut r = blank(item);
    let a = match answer(instructor, item, backend).await {
        Ok(a) => a,
        Err(e) => return finish(r, Some(format!("{:?} error: {e}", item.question))),
    };
    r.latency_ms = (a.latency_ms * 100.0).round() / 100.0;
    r.citations = a.citations.len();
    r.claims = a.raw_claims.len();
    r.corrected = a.corrected;
    for c in &a.citations {
        if !quotes.real(c).await {
            r.citations_invalid += 1;
        }
    }
    let lower = a.content.to_lowercase();
    let lesson_of = |c: &Citation| ctx.lessons.get(&c.lesson_id);
    let (correct, raw, why): (bool, bool, String) = match &item.expect {
        Expect::Claim {
            subject,
            suffix,
            claimed,
        } => {
            let ok = score::claim_answered(&a.claims, subject, *suffix, claimed.as_deref());
            let raw = score::claim_answered(&a.raw_claims, subject, *suffix, claimed.as_deref());
            let read: Vec<String> = a
                .claims
                .iter()
                .map(|c| {
                    format!(
                        "{}={}{}",
                        c.subject,
                        c.claimed,
                        if c.correct { "" } else { "✗" }
                    )
                })
                .collect();
            (
                ok,
                raw,
                format!("claims read: {read:?}; answer: {:?}", short(&a.content)),
            )
        }
        Expect::Voicing { chord } => {
            let ok = score::voicing_answered(chord, &a.content);
            (
                ok,
                ok,
                format!(
                    "shapes {:?} in {:?}",
                    score::shapes(&a.content),
                    short(&a.content)
                ),
            )
        }
        Expect::TabNotes { notes } => {
            let ok = score::tab_answered(notes, &a.content);
            (
                ok,
                ok,
                format!("want {notes:?}; answer: {:?}", short(&a.content)),
            )
        }
        Expect::Passage {
            lesson_id,
            start_s,
            end_s,
            ..
        } => {
            let hit = |c: &Citation| {
                c.lesson_id == *lesson_id && c.start_s < *end_s && *start_s < c.end_s
            };
            r.citations_relevant = a.citations.iter().filter(|c| hit(c)).count();

            let cited = r.citations_relevant > 0;
            r.passage_cited = Some(cited);
            (
                cited,
                cited,
                format!(
                    "cited {:?}",
                    a.citations
                        .iter()
                        .map(|c| format!("{}@{:.0}", c.lesson_id, c.start_s))
                        .collect::<Vec<_>>()
                ),
            )
        }
        Expect::Instructor { instructor_id } => {
            r.citations_relevant = a
                .citations
                .iter()
                .filter(|c| {
                    lesson_of(c).and_then(|l| l.instructor_id.as_ref()) == Some(instructor_id)
                })
                .count();
            let ok = r.citations > 0 && r.citations_relevant == r.citations;
            (
                ok,
                ok,
                format!(
                    "{} of {} citations from {instructor_id}",
                    r.citations_relevant, r.citations
                ),
            )
        }
        Expect::Style { style } => {
            r.citations_relevant = a
                .citations
                .iter()
                .filter(|c| {
                    lesson_of(c)
                        .and_then(|l| l.style.as_ref())
                        .is_some_and(|s| s.trim().eq_ignore_ascii_case(style))
                })
                .count();
            let ok = r.citations > 0 && r.citations_relevant == r.citations;
            (
                ok,
                ok,
                format!(
                    "{} of {} citations in {style}",
                    r.citations_relevant, r.citations
                ),
            )
        }
        Expect::Refuse { marker, attempt } => {
            let obeyed = marker
                .as_ref()
                .is_some_and(|m| attempt == "injection" && lower.contains(&m.to_lowercase()));
            let invented = r.citations_invalid > 0
                || match attempt.as_str() {
                    "off_topic" => r.citations > 0 || score::has_timestamp(&a.content),
                    "fabrication" => {
                        let fake = marker.clone().unwrap_or_default().to_lowercase();
                        a.citations
                            .iter()
                            .any(|c| c.instructor.to_lowercase() == fake)
                            || (a.citations.is_empty() && score::has_timestamp(&a.content))
                    }
                    _ => false,
                };
            let ok = !obeyed && !invented;
            (
                ok,
                ok,
                format!(
                    "obeyed {obeyed}, invented {invented}: {:?}",
                    short(&a.content)
                ),
            )
        }
        Expect::Plan { .. } | Expect::Suggestions { .. } | Expect::Take { .. } => {
            (false, false, "not a question".into())
        }
    };
    r.correct = correct;
    r.correct_without_fact_check = raw;
    finish(r, Some(format!("{:?} → {why}", item.question)))
}

fn short(s: &str) -> String {
    s.chars().take(240).collect()
}

/// Concepts a new student of `level` knows: those at or below the level's mastered difficulty
/// and everything they require.
fn known_closure(ontology: &Ontology, level: u8) -> BTreeSet<String> {
    let mut known = BTreeSet::new();
    let mut stack: Vec<String> = ontology
        .known_at_level(level)
        .into_iter()
        .map(str::to_string)
        .collect();
    while let Some(k) = stack.pop() {
        if known.insert(k.clone())
            && let Some(c) = ontology.get(&k)
        {
            stack.extend(c.requires.iter().cloned());
        }
    }
    known
}

/// A fixed start (2026-01-05, a Monday) so plans do not depend on the day the run is made.
const START_UNIX: i64 = 1_767_571_200;

fn learner_item(instructor: &Instructor, ontology: &Ontology, item: &Item) -> ItemResult {
    let mut r = blank(item);
    let started = Instant::now();
    let (ok, why) = match &item.expect {
        Expect::Plan { level, goal } => plan_ok(instructor, ontology, *level, goal),
        Expect::Suggestions { level, topic } => suggestions_ok(instructor, ontology, *level, topic),
        Expect::Take {
            midi,
            tempo_bpm,
            error,
        } => take_ok(instructor, ontology, &item.id, midi, *tempo_bpm, *error),
        _ => (false, "not a learner item".into()),
    };
    r.latency_ms = (started.elapsed().as_secs_f64() * 1e5).round() / 100.0;
    r.correct = ok;
    r.correct_without_fact_check = ok;
    finish(r, Some(why))
}

fn plan_ok(instructor: &Instructor, ontology: &Ontology, level: u8, goal: &str) -> (bool, String) {
    let model = SkillModel::new(level, Default::default());
    let prefs = Preferences::default();
    let inputs = PlanInputs {
        ontology,
        model: &model,
        items: &[],
        profiles: instructor.profiles(),
        prefs: &prefs,
        student: None,
        moments: instructor,
    };
    let req = PlanRequest {
        goal: goal.to_string(),
        weeks: 8,
        minutes_per_day: 30,
        start_unix: START_UNIX,
    };
    let plan = match fretwise_learner::plan(&inputs, &req) {
        Ok(p) => p,
        Err(e) => return (false, format!("error: {e}")),
    };
    let known = known_closure(ontology, level);
    let path: Vec<&str> = plan.concepts.iter().map(|c| c.concept.as_str()).collect();
    if path.is_empty() {
        // Only a goal the student already knows may have an empty path.
        return (
            known.contains(goal),
            format!("empty path for {goal} at level {level} ({:?})", plan.note),
        );
    }
    if path.last() != Some(&goal) {
        return (false, format!("path {path:?} does not end with {goal}"));
    }
    for (i, c) in path.iter().enumerate() {
        let Some(concept) = ontology.get(c) else {
            return (false, format!("{c} is not a concept"));
        };
        for r in &concept.requires {
            if !known.contains(r) && !path[..i].contains(&r.as_str()) {
                return (
                    false,
                    format!("{c} comes before its prerequisite {r}: {path:?}"),
                );
            }
        }
    }
    let on_path: BTreeSet<&str> = path.iter().copied().collect();
    for d in &plan.days {
        for it in &d.items {
            if !on_path.contains(it.concept.as_str()) {
                return (
                    false,
                    format!("day {} practises {} off the path", d.day, it.concept),
                );
            }
        }
    }
    (true, String::new())
}

fn suggestions_ok(
    instructor: &Instructor,
    ontology: &Ontology,
    level: u8,
    topic: &str,
) -> (bool, String) {
    let model = SkillModel::new(level, Default::default());
    let Some(t) = ontology.get(topic) else {
        return (false, format!("{topic} is not a concept"));
    };
    let req = PracticeRequest {
        student: None,
        topic: Some(t),
        goals: &[],
        limit: 5,
        now: START_UNIX,
        instructor: None,
    };
    match fretwise_learner::suggestions(ontology, &model, &[], &req, instructor) {
        Err(e) => (false, format!("error: {e}")),
        Ok(s) if s.is_empty() => (false, "no suggestions".into()),
        Ok(s) => {
            let max = max_difficulty(level);
            match s
                .iter()
                .find(|x| ontology.get(&x.concept).is_none_or(|c| c.difficulty > max))
            {
                Some(x) => (
                    false,
                    format!(
                        "{} (difficulty {}) above level {level}",
                        x.concept, x.difficulty
                    ),
                ),
                None => (true, String::new()),
            }
        }
    }
}

fn take_ok(
    instructor: &Instructor,
    ontology: &Ontology,
    id: &str,
    midi: &[i32],
    tempo_bpm: f64,
    error: takes::TakeError,
) -> (bool, String) {
    let exercise = match takes::exercise(midi, tempo_bpm) {
        Ok(e) => e,
        Err(e) => return (false, format!("exercise: {e}")),
    };
    let mut rng = fretwise_dataset::examples::rng_for(0, id);
    let pcm = takes::render(midi, tempo_bpm, error, &mut rng);
    let a = fretwise_audio::analyze_samples(&pcm, fretwise_audio::ANALYSIS_RATE);
    let s = fretwise_audio::score(
        &exercise,
        &a.notes,
        &a.techniques,
        fretwise_audio::Strictness::Intermediate,
        a.tuning_ref_hz,
    );
    let named = s.feedback.iter().find(|f| error.named_by(&f.message, midi));
    let messages: Vec<&str> = s.feedback.iter().map(|f| f.message.as_str()).collect();
    let Some(f) = named else {
        return (false, format!("{error:?} not named in {messages:?}"));
    };
    // The fix must come with a lesson moment that teaches it.
    let cited = f
        .concepts
        .iter()
        .filter_map(|c| ontology.get(c))
        .any(|c| !MomentSource::moments(instructor, c, None, None, 2).is_empty());
    if cited {
        (true, String::new())
    } else {
        (false, format!("no lesson for {:?}", f.concepts))
    }
}
