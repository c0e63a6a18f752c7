//! Practice suggestions: what to play next, at the student's level, each with an exercise the
//! audio scorer can grade, the lesson moments that teach it and why it was chosen (due for
//! review, a weak skill, next on the path to a goal, the topic asked about).

use fretwise_knowledge::{Concept, Ontology};
use serde::Serialize;

use crate::exercise::{GeneratedExercise, exercise_for, start_tempo};
use crate::model::{SOLID, SkillModel};
use crate::schedule::{PracticeItem, item_id};
use crate::{LearnerError, Moment, MomentSource, level_name, max_difficulty};

/// One suggestion.
#[derive(Debug, Clone, Serialize)]
pub struct Suggestion {
    /// Concept id.
    pub concept: String,
    /// Its name.
    pub name: String,
    /// Its kind (chords, scales, technique …).
    pub kind: String,
    /// Its difficulty, 1–5.
    pub difficulty: u8,
    /// The main reason: "due", "weak", "next", "topic" or "level".
    pub reason: String,
    /// Why, in words.
    pub why: String,
    /// Estimated chance of playing its exercise well now.
    pub p_success: f64,
    /// The practice item a take of this exercise is recorded against.
    pub item_id: String,
    /// The exercise (JSON for `fretwise analyze --expected`, tab, instructions).
    pub exercise: GeneratedExercise,
    /// Lesson moments that teach it.
    pub lessons: Vec<Moment>,
}

/// What the suggestions are for.
#[derive(Debug, Clone)]
pub struct PracticeRequest<'a> {
    /// The student's id (None: an anonymous student of `model`'s level).
    pub student: Option<&'a str>,
    /// What the student is working on.
    pub topic: Option<&'a Concept>,
    /// The student's goals (concept ids).
    pub goals: &'a [String],
    /// How many (1–20).
    pub limit: usize,
    /// Now (unix seconds).
    pub now: i64,
    /// The instructor whose lessons to cite first.
    pub instructor: Option<&'a str>,
}

/// A note when the topic is above the student's level.
pub fn topic_note(topic: &Concept, level: u8) -> Option<String> {
    (topic.difficulty > max_difficulty(level)).then(|| {
        format!(
            "{} is above the {} level (difficulty {} of 5); here is what leads to it",
            topic.name,
            level_name(level),
            topic.difficulty
        )
    })
}

/// Suggestions for a student (their model and practice items), never above their level.
pub fn suggestions(
    ontology: &Ontology,
    model: &SkillModel,
    items: &[PracticeItem],
    req: &PracticeRequest<'_>,
    moments: &dyn MomentSource,
) -> Result<Vec<Suggestion>, LearnerError> {
    if !(1..=20).contains(&req.limit) {
        return Err(LearnerError::Invalid("limit: between 1 and 20".into()));
    }
    let level = model.level();
    let max = max_difficulty(level);
    let now = req.now;
    let allowed = |c: &Concept| c.difficulty <= max;
    // Prerequisites known well enough to build on (or assumed known at the level).
    let ready = |c: &Concept| {
        c.requires.iter().all(|r| {
            ontology
                .get(r)
                .is_none_or(|p| model.estimate(p, now).mean >= SOLID || model.mastered(p, now))
        })
    };
    let mut picked: Vec<(&Concept, &'static str, String)> = Vec::new();
    let mut add = |c: &'_ Concept, reason: &'static str, why: String| -> bool {
        if allowed(c) && !picked.iter().any(|(p, _, _)| p.id == c.id) {
            // Lifetimes: concepts all live in `ontology`.
            if let Some(c) = ontology.get(&c.id) {
                picked.push((c, reason, why));
                return true;
            }
        }
        false
    };
    // 1. The topic asked about, or what leads to it when it is above the level.
    if let Some(t) = req.topic {
        if allowed(t) {
            add(t, "topic", format!("your current topic, {}", t.name));
        } else {
            for id in ontology.learning_path(&t.id, &[]).unwrap_or_default() {
                if let Some(c) = ontology.get(&id)
                    && !model.mastered(c, now)
                {
                    add(c, "next", format!("a step towards {}", t.name));
                }
            }
        }
    }
    // 2. Items due for review, most overdue first.
    let mut due: Vec<&PracticeItem> = items.iter().filter(|i| i.is_due(now)).collect();
    due.sort_by_key(|i| (i.due_unix, i.id.clone()));
    for i in due {
        if let Some(c) = ontology.get(&i.concept) {
            let days = i.last_unix.map(|l| (now - l).max(0) / 86_400);
            let why = match days {
                Some(d) => format!("due for review (last played {d} day(s) ago)"),
                None => "due: not played yet".to_string(),
            };
            add(c, "due", why);
        }
    }
    // 3. Weak skills the student has played: under 60 % estimated success.
    let mut weak: Vec<(&Concept, f64)> = model
        .stored()
        .iter()
        .filter_map(|(id, s)| ontology.get(id).map(|c| (c, s.at(now).p_success())))
        .filter(|(_, p)| *p < 0.6)
        .collect();
    weak.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.id.cmp(&b.0.id)));
    for (c, p) in weak {
        add(
            c,
            "weak",
            format!("a weak skill: about {:.0} % success now", p * 100.0),
        );
    }
    // 4. Next on the path to each goal (then to the topic): the first unmastered concepts
    // whose prerequisites are in place.
    let targets: Vec<&Concept> = req
        .goals
        .iter()
        .filter_map(|g| ontology.get(g))
        .chain(req.topic)
        .collect();
    for goal in targets {
        let known: Vec<&str> = ontology
            .concepts()
            .iter()
            .filter(|c| model.mastered(c, now))
            .map(|c| c.id.as_str())
            .collect();
        for id in ontology.learning_path(&goal.id, &known).unwrap_or_default() {
            if let Some(c) = ontology.get(&id)
                && ready(c)
            {
                add(c, "next", format!("next on the path to {}", goal.name));
            }
        }
        if let Some(t) = req.topic.filter(|t| t.id == goal.id) {
            let mut next: Vec<&Concept> = ontology
                .concepts()
                .iter()
                .filter(|c| c.requires.contains(&t.id))
                .collect();
            next.sort_by_key(|c| (c.difficulty, c.id.clone()));
            for c in next {
                add(c, "next", format!("builds on {}", t.name));
            }
        }
    }
    // 5. The level's material not mastered yet, prerequisites first, hardest the level allows
    // before review.
    let mut rest: Vec<&Concept> = ontology
        .concepts()
        .iter()
        .filter(|c| !model.mastered(c, now) && ready(c))
        .collect();
    rest.sort_by_key(|c| (max.saturating_sub(c.difficulty), c.id.clone()));
    for c in rest {
        add(c, "level", format!("a {} topic", level_name(level)));
    }
    let student = req.student.unwrap_or("anonymous");
    picked
        .into_iter()
        .take(req.limit)
        .map(|(c, reason, why)| {
            let item = items.iter().find(|i| i.concept == c.id);
            let tempo = item.map_or_else(|| start_tempo(c), |i| i.target_tempo);
            let variant = item.map_or(0, |i| i.variant);
            let id = item.map_or_else(|| item_id(student, &c.id), |i| i.id.clone());
            let exercise = exercise_for(c, tempo, variant, &id)?;
            Ok(Suggestion {
                concept: c.id.clone(),
                name: c.name.clone(),
                kind: c.kind.clone(),
                difficulty: c.difficulty,
                reason: reason.to_string(),
                why,
                p_success: (model.estimate(c, now).p_success() * 1000.0).round() / 1000.0,
                item_id: id,
                exercise,
                lessons: moments.moments(c, Some(level), req.instructor, 3),
            })
        })
        .collect()
}
