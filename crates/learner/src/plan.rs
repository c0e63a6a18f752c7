//! Lesson plans: days of practice items along the concept graph's prerequisites towards a goal,
//! skipping what the student has mastered, sized by how far each skill is from mastery, with
//! reviews spaced by FSRS, each item with an exercise and cited lesson moments from the
//! instructor who fits the student best.

use std::collections::BTreeMap;

use fretwise_knowledge::{Concept, Ontology, Profile};
use serde::{Deserialize, Serialize};

use crate::exercise::{GeneratedExercise, exercise_for, start_tempo};
use crate::matching::{InstructorMatch, Preferences, match_instructors};
use crate::model::{MASTERY, SkillModel};
use crate::schedule::{PracticeItem, Scheduler, item_id};
use crate::{LearnerError, Moment, MomentSource};

/// Minutes one practice item takes.
pub const ITEM_MINUTES: u32 = 10;
/// Expected skill gain (logit) of one well-spaced practice session; the simulation's learners
/// gain about this much (docs/LEARNER.md).
const GAIN_PER_SESSION: f64 = 0.35;
/// Skill at which a prerequisite counts as known for planning (performance 0.65 expected;
/// chosen among 0.2–1.1 on the simulation's tuning seeds, docs/LEARNER.md).
const PREREQ_KNOWN: f64 = 0.62;
/// Concepts learnt side by side at most (interleaving two helps; more overloads).
const IN_PROGRESS: usize = 2;

/// What a plan is for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanRequest {
    /// Goal concept id.
    pub goal: String,
    /// Weeks, 1–52.
    pub weeks: u32,
    /// Minutes a day, 5–240.
    pub minutes_per_day: u32,
    /// First day (unix seconds).
    pub start_unix: i64,
}

impl PlanRequest {
    /// Checks the ranges, naming the field at fault.
    pub fn validate(&self) -> Result<(), LearnerError> {
        if !(1..=52).contains(&self.weeks) {
            return Err(LearnerError::Invalid(format!(
                "weeks: {} is out of range; a plan is 1 to 52 weeks",
                self.weeks
            )));
        }
        if !(5..=240).contains(&self.minutes_per_day) {
            return Err(LearnerError::Invalid(format!(
                "minutes-per-day: {} is out of range; 5 to 240",
                self.minutes_per_day
            )));
        }
        Ok(())
    }
}

/// A concept on the plan's path.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanConcept {
    /// Concept id.
    pub concept: String,
    /// Name.
    pub name: String,
    /// Difficulty 1–5.
    pub difficulty: u8,
    /// Estimated success now.
    pub p_success: f64,
    /// Practice sessions planned before review.
    pub sessions: u32,
}

/// One item of a day.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanItem {
    /// Concept id.
    pub concept: String,
    /// Name.
    pub name: String,
    /// "check" (a placement try of the goal), "learn" (first session), "practice" or "review".
    pub kind: String,
    /// Minutes.
    pub minutes: u32,
    /// Tempo of the exercise (bpm).
    pub tempo_bpm: f64,
    /// The practice item a take is recorded against.
    pub item_id: String,
    /// The exercise.
    pub exercise: serde_json::Value,
    /// Lesson moments that teach it.
    pub lessons: Vec<Moment>,
}

/// One day.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanDay {
    /// 1-based day number.
    pub day: u32,
    /// Calendar date (YYYY-MM-DD, UTC).
    pub date: String,
    /// Items in order.
    pub items: Vec<PlanItem>,
}

/// A plan.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    /// The student.
    pub student_id: Option<String>,
    /// What it was asked for.
    pub request: PlanRequest,
    /// Goal name.
    pub goal_name: String,
    /// The instructor whose lessons it cites first, and why.
    pub instructor: Option<serde_json::Value>,
    /// The concepts on the path, in order.
    pub concepts: Vec<PlanConcept>,
    /// The days.
    pub days: Vec<PlanDay>,
    /// A remark (the goal does not fit, or is already mastered).
    pub note: Option<String>,
    /// The day the plan ends (unix seconds); re-planning keeps it.
    #[serde(default)]
    pub ends_unix: i64,
}

/// Calendar date of a unix time (UTC), YYYY-MM-DD.
pub fn date_of(unix: i64) -> String {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(unix.max(0) as u64);
    humantime::format_rfc3339_seconds(t).to_string()[..10].to_string()
}

struct Progress<'a> {
    concept: &'a Concept,
    sessions: u32,
    done: u32,
    reviews: Vec<u32>,
}

/// Everything a plan is made from.
pub struct PlanInputs<'a> {
    /// The ontology.
    pub ontology: &'a Ontology,
    /// The student's skills.
    pub model: &'a SkillModel,
    /// The student's practice items.
    pub items: &'a [PracticeItem],
    /// Instructor profiles (for matching).
    pub profiles: &'a [Profile],
    /// The student's preferences.
    pub prefs: &'a Preferences,
    /// The student's id.
    pub student: Option<&'a str>,
    /// Lesson moments.
    pub moments: &'a dyn MomentSource,
}

/// A plan towards `req.goal` for the student in `inp`.
pub fn plan(inp: &PlanInputs<'_>, req: &PlanRequest) -> Result<Plan, LearnerError> {
    req.validate()?;
    let ontology = inp.ontology;
    let goal = ontology
        .get(&req.goal)
        .ok_or_else(|| LearnerError::UnknownConcept {
            field: "goal".into(),
            message: format!("`{}` is not a concept", req.goal),
        })?;
    let now = req.start_unix;
    let model = inp.model;
    let known: Vec<&str> = ontology
        .concepts()
        .iter()
        // A prerequisite only has to be solid enough to build on; the goal has to be mastered.
        .filter(|c| {
            let m = model.estimate(c, now).mean;
            m >= MASTERY || (c.id != req.goal && m >= PREREQ_KNOWN)
        })
        .map(|c| c.id.as_str())
        .collect();
    let path: Vec<&Concept> = ontology
        .learning_path(&goal.id, &known)
        .unwrap_or_default()
        .iter()
        .filter_map(|id| ontology.get(id))
        .collect();
    let instructor: Option<InstructorMatch> =
        match_instructors(inp.profiles, model.level(), inp.prefs, Some(&goal.id))
            .into_iter()
            .next();
    let who = instructor.as_ref().map(|m| m.instructor_id.as_str());
    let sched = Scheduler::new();
    let review_gaps = sched.good_intervals(4);
    let mut progress: Vec<Progress<'_>> = path
        .iter()
        .map(|c| {
            let target = if c.id == goal.id {
                MASTERY
            } else {
                PREREQ_KNOWN + 0.2
            };
            let gap = (target - model.estimate(c, now).mean).max(0.0);
            Progress {
                concept: c,
                sessions: ((gap / GAIN_PER_SESSION).ceil() as u32).clamp(1, 12),
                done: 0,
                reviews: Vec::new(),
            }
        })
        .collect();
    let concepts: Vec<PlanConcept> = progress
        .iter()
        .map(|p| PlanConcept {
            concept: p.concept.id.clone(),
            name: p.concept.name.clone(),
            difficulty: p.concept.difficulty,
            p_success: (model.estimate(p.concept, now).p_success() * 1000.0).round() / 1000.0,
            sessions: p.sessions,
        })
        .collect();
    let per_day = (req.minutes_per_day / ITEM_MINUTES).max(1) as usize;
    let item_minutes = req.minutes_per_day.min(ITEM_MINUTES);
    let student = inp.student.unwrap_or("anonymous");
    let mut moments_cache: BTreeMap<String, Vec<Moment>> = BTreeMap::new();
    let mut exercise_cache: BTreeMap<(String, u64, u32), serde_json::Value> = BTreeMap::new();
    let mut days = Vec::new();
    // Items already held by the student practised at their own tempo and variant.
    let held = |c: &Concept| inp.items.iter().find(|i| i.concept == c.id);
    // Concepts off the path (mastered) the student has practice items for come back when FSRS
    // says they are due, so what was learnt is kept.
    let mut kept: Vec<Progress<'_>> = inp
        .items
        .iter()
        .filter(|it| !path.iter().any(|c| c.id == it.concept))
        .filter_map(|it| ontology.get(&it.concept).map(|c| (c, it)))
        .filter(|(c, _)| c.difficulty <= crate::max_difficulty(model.level()))
        .map(|(c, it)| {
            let first = ((it.due_unix - now).max(0) / 86_400) as u32;
            let mut day = first;
            let mut reviews = vec![first];
            for g in &review_gaps {
                day += g;
                reviews.push(day);
            }
            Progress {
                concept: c,
                sessions: 0,
                done: 0,
                reviews,
            }
        })
        .collect();
    kept.sort_by_key(|p| (p.reviews.first().copied(), p.concept.id.clone()));
    // The path's concepts come first in `progress`, the kept ones after them.
    let path_len = progress.len();
    progress.extend(kept);
    // Placement: a goal never played is tried once on the first day. A good take shows the
    // prerequisites are in place (the model raises them), so the plan skips what the student
    // already knows instead of working up from the bottom; a poor one costs ten minutes.
    let goal_at = path.iter().position(|c| c.id == goal.id);
    // Never above the student's level: a beginner is not handed a barre chord to see.
    let mut place = match goal_at {
        Some(g)
            if path.len() > 1
                && model.estimate(goal, now).evidence == 0
                && goal.difficulty <= crate::max_difficulty(model.level()) =>
        {
            Some(g)
        }
        _ => None,
    };
    for d in 0..req.weeks * 7 {
        let mut todo: Vec<(usize, &'static str)> = Vec::new();
        if let Some(g) = place.take() {
            todo.push((g, "check"));
        }
        // Reviews first: they are due today and short.
        for (i, p) in progress.iter().enumerate() {
            if p.reviews.contains(&d) && todo.len() < per_day {
                todo.push((i, "review"));
            }
        }
        // Then the concepts in progress, then new ones whose path predecessors are under way.
        let mut active = 0;
        for i in 0..path_len {
            if todo.len() >= per_day || active >= IN_PROGRESS {
                break;
            }
            let p = &progress[i];
            if p.done >= p.sessions {
                continue;
            }
            let prereqs_started = p.concept.requires.iter().all(|r| {
                progress
                    .iter()
                    .find(|q| &q.concept.id == r)
                    .is_none_or(|q| q.done * 2 >= q.sessions)
            });
            if !prereqs_started {
                break;
            }
            active += 1;
            todo.push((i, if p.done == 0 { "learn" } else { "practice" }));
        }
        // Leftover time goes to more practice of what is in progress.
        let mut extra = 0;
        while todo.len() < per_day && extra < per_day {
            extra += 1;
            // The in-progress concept with the most sessions still to plan.
            let open = todo
                .iter()
                .filter(|(_, k)| *k == "learn" || *k == "practice")
                .map(|&(i, _)| {
                    let planned = todo
                        .iter()
                        .filter(|(j, k)| *j == i && (*k == "learn" || *k == "practice"))
                        .count();
                    (
                        i,
                        progress[i].sessions as usize
                            - (progress[i].done as usize + planned)
                                .min(progress[i].sessions as usize),
                    )
                })
                .filter(|&(_, left)| left > 0)
                .max_by_key(|&(i, left)| (left, std::cmp::Reverse(i)));
            match open {
                Some((i, _)) => todo.push((i, "practice")),
                None => break,
            }
        }
        let mut items = Vec::new();
        for (i, kind) in todo {
            let p = &mut progress[i];
            let c = p.concept;
            if kind != "review" && kind != "check" {
                p.done += 1;
                if p.done >= p.sessions {
                    let mut day = d;
                    p.reviews = review_gaps
                        .iter()
                        .map(|g| {
                            day += g;
                            day
                        })
                        .collect();
                }
            }
            let item = held(c);
            let base = item.map_or_else(|| start_tempo(c), |it| it.target_tempo);
            let steps = p.done.saturating_sub(1).min(10) as i32;
            let tempo = (base * 1.05f64.powi(steps)).min(base * 2.0).round();
            let variant = item.map_or(0, |it| it.variant) + p.done / 4;
            let id = item.map_or_else(|| item_id(student, &c.id), |it| it.id.clone());
            let key = (c.id.clone(), tempo.to_bits(), variant);
            let exercise = match exercise_cache.get(&key) {
                Some(e) => e.clone(),
                None => {
                    let g: GeneratedExercise = exercise_for(c, tempo, variant, &id)?;
                    let v = serde_json::to_value(&g)
                        .map_err(|e| LearnerError::Invalid(format!("exercise: {e}")))?;
                    exercise_cache.insert(key, v.clone());
                    v
                }
            };
            let lessons = moments_cache
                .entry(c.id.clone())
                .or_insert_with(|| inp.moments.moments(c, None, who, 2))
                .clone();
            items.push(PlanItem {
                concept: c.id.clone(),
                name: c.name.clone(),
                kind: kind.to_string(),
                minutes: item_minutes,
                tempo_bpm: tempo,
                item_id: id,
                exercise,
                lessons,
            });
        }
        days.push(PlanDay {
            day: d + 1,
            date: date_of(now + i64::from(d) * 86_400),
            items,
        });
    }
    let unfinished = progress[..path_len]
        .iter()
        .filter(|p| p.done < p.sessions)
        .count();
    let note = if path.is_empty() {
        Some(format!(
            "{} is already mastered by the estimate; the plan is empty — practice suggestions keep it fresh",
            goal.name
        ))
    } else if unfinished > 0 {
        Some(format!(
            "{} of {} concepts fit in {} week(s) at {} minutes a day; more weeks or minutes reach {}",
            path.len() - unfinished,
            path.len(),
            req.weeks,
            req.minutes_per_day,
            goal.name
        ))
    } else {
        None
    };
    Ok(Plan {
        student_id: inp.student.map(str::to_string),
        request: req.clone(),
        goal_name: goal.name.clone(),
        instructor: instructor.and_then(|m| serde_json::to_value(m).ok()),
        concepts,
        days,
        note,
        ends_unix: req.start_unix + i64::from(req.weeks) * 7 * 86_400,
    })
}
