//! Lesson plans, practice suggestions and feedback. Until the learner lands these come from the
//! concept graph and the lessons at the student's level; a student never gets a concept above
//! their level as practice.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use fretwise_instructor::SearchRequest;
use fretwise_knowledge::Concept;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};

/// Hardest concept difficulty (1–5) practised at a level rank (1–3): beginners 1–2,
/// intermediate players up to 3, advanced players everything.
pub fn max_difficulty(rank: u8) -> u8 {
    match rank {
        1 => 2,
        2 => 3,
        _ => 5,
    }
}

fn level_rank(field: &str, s: Option<&str>) -> ApiResult<u8> {
    match s.filter(|s| !s.trim().is_empty()) {
        Some(s) => fretwise_knowledge::parse_level(s)
            .map_err(|e| ApiError::field(field, format!("{field}: {e}"))),
        None => Ok(1),
    }
}

fn level_name(rank: u8) -> &'static str {
    match rank {
        1 => "beginner",
        2 => "intermediate",
        _ => "advanced",
    }
}

/// A lesson moment that teaches something.
#[derive(Debug, Clone, Serialize)]
pub struct Moment {
    /// Lesson id.
    pub lesson_id: String,
    /// Title.
    pub title: String,
    /// Instructor.
    pub instructor: String,
    /// Start (s).
    pub start_s: f64,
    /// End (s).
    pub end_s: f64,
    /// What the instructor says there.
    pub quote: String,
}

/// Lesson moments teaching `concept`, at or below level `rank`.
pub fn moments(
    state: &crate::Knowledge,
    concept: &Concept,
    rank: Option<u8>,
    n: usize,
) -> Vec<Moment> {
    let concepts = vec![concept.id.clone()];
    let req = SearchRequest {
        text: &concept.name,
        concepts: &concepts,
        terms: &concept.terms,
        max_level: rank,
        style: None,
        instructor_id: None,
        limit: n * 3,
    };
    state
        .instructor
        .index()
        .search(&req)
        .unwrap_or_default()
        .into_iter()
        .filter(|h| !h.visual && h.concepts.contains(&concept.id))
        .take(n)
        .map(|h| Moment {
            lesson_id: h.lesson_id,
            title: h.title,
            instructor: h.instructor,
            start_s: h.start_s,
            end_s: h.end_s,
            quote: h.text,
        })
        .collect()
}

/// `?skill_level=&current_topic=`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PracticeQuery {
    /// beginner (default), intermediate or advanced.
    pub skill_level: Option<String>,
    /// What the student works on: concept id, name, alias or snake_case (open_chords).
    pub current_topic: Option<String>,
    /// The student (reserved for the learner's own model).
    pub student_id: Option<String>,
    /// How many suggestions (1–20, default 5).
    pub limit: Option<u32>,
}

/// What to practise next at the student's level, each with the lesson moments that teach it.
#[utoipa::path(get, path = "/api/ai-instructor/practice-suggestions", tag = "instructor", params(PracticeQuery), security(("bearer" = [])), responses(
    (status = 200, description = "Suggestions", body = Object),
    (status = 400, description = "Bad field", body = crate::error::ErrorBody)))]
pub async fn practice_suggestions(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<PracticeQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let rank = level_rank("skill_level", q.skill_level.as_deref())?;
    let limit = q.limit.unwrap_or(5);
    if !(1..=20).contains(&limit) {
        return Err(ApiError::field("limit", "limit: between 1 and 20"));
    }
    let topic = match q.current_topic.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(t) => Some(
            state
                .ontology
                .resolve(t)
                .map_err(|e| ApiError::field("current_topic", format!("current_topic: {e}")))?,
        ),
        None => None,
    };
    let max = max_difficulty(rank);
    let all = state.ontology.concepts();
    // The topic first, then what builds on it, then its siblings, then the level's concepts.
    let mut out: Vec<(&Concept, String)> = Vec::new();
    fn add<'a>(max: u8, c: &'a Concept, why: String, out: &mut Vec<(&'a Concept, String)>) {
        if c.difficulty <= max && !out.iter().any(|(p, _)| p.id == c.id) {
            out.push((c, why));
        }
    }
    let mut note = None;
    if let Some(t) = topic {
        if t.difficulty <= max {
            add(max, t, format!("your current topic, {}", t.name), &mut out);
        } else {
            note = Some(format!(
                "{} is above the {} level (difficulty {} of 5); here is what leads to it",
                t.name,
                level_name(rank),
                t.difficulty
            ));
            for id in state.ontology.learning_path(&t.id, &[]).unwrap_or_default() {
                if let Some(c) = state.ontology.get(&id) {
                    add(max, c, format!("a step towards {}", t.name), &mut out);
                }
            }
        }
        let mut next: Vec<&Concept> = all.iter().filter(|c| c.requires.contains(&t.id)).collect();
        next.sort_by_key(|c| (c.difficulty, c.id.clone()));
        for c in next {
            add(max, c, format!("builds on {}", t.name), &mut out);
        }
        let mut siblings: Vec<&Concept> = all
            .iter()
            .filter(|c| c.id != t.id && t.parent.is_some() && c.parent == t.parent)
            .collect();
        siblings.sort_by_key(|c| (c.difficulty, c.id.clone()));
        for c in siblings {
            add(max, c, format!("goes with {}", t.name), &mut out);
        }
    }
    let mut rest: Vec<&Concept> = all.iter().collect();
    // Hardest first among what the level allows: the level's own material before review.
    rest.sort_by_key(|c| (max.saturating_sub(c.difficulty), c.id.clone()));
    for c in rest {
        add(max, c, format!("a {} topic", level_name(rank)), &mut out);
    }
    let k = state.knowledge()?;
    let suggestions: Vec<_> = out
        .into_iter()
        .take(limit as usize)
        .map(|(c, why)| {
            json!({
                "concept": c.id, "name": c.name, "kind": c.kind, "difficulty": c.difficulty,
                "why": why, "lessons": moments(&k, c, Some(rank), 3),
            })
        })
        .collect();
    Ok(Json(json!({
        "skill_level": level_name(rank),
        "max_difficulty": max,
        "current_topic": topic.map(|t| t.id.clone()),
        "note": note,
        "suggestions": suggestions,
    })))
}

/// `?skill_level=&goal=&weeks=`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PlanQuery {
    /// beginner (default), intermediate or advanced.
    pub skill_level: Option<String>,
    /// The concept to reach (id, name, alias or snake_case); default: the level's concepts.
    pub goal: Option<String>,
    /// The student (reserved for the learner's own model).
    pub student_id: Option<String>,
    /// Weeks (1–52, default 4).
    pub weeks: Option<u32>,
}

/// A plan: the concepts between what the level knows and the goal, spread over weeks, each with
/// the lesson moments that teach it.
#[utoipa::path(get, path = "/api/ai-instructor/lesson-plan", tag = "instructor", params(PlanQuery), security(("bearer" = [])), responses(
    (status = 200, description = "The plan", body = Object),
    (status = 400, description = "Bad field", body = crate::error::ErrorBody)))]
pub async fn lesson_plan(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<PlanQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let rank = level_rank("skill_level", q.skill_level.as_deref())?;
    let weeks = q.weeks.unwrap_or(4);
    if !(1..=52).contains(&weeks) {
        return Err(ApiError::field("weeks", "weeks: between 1 and 52"));
    }
    let known = state.ontology.known_at_level(rank);
    let (goal, steps): (Option<&Concept>, Vec<String>) =
        match q.goal.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(g) => {
                let c = state
                    .ontology
                    .resolve(g)
                    .map_err(|e| ApiError::field("goal", format!("goal: {e}")))?;
                (
                    Some(c),
                    state
                        .ontology
                        .learning_path(&c.id, &known)
                        .unwrap_or_default(),
                )
            }
            None => {
                let max = max_difficulty(rank);
                let mut cs: Vec<&Concept> = state
                    .ontology
                    .concepts()
                    .iter()
                    .filter(|c| c.difficulty <= max && !known.contains(&c.id.as_str()))
                    .collect();
                cs.sort_by_key(|c| (c.difficulty, c.id.clone()));
                (
                    None,
                    cs.into_iter()
                        .take(weeks as usize * 2)
                        .map(|c| c.id.clone())
                        .collect(),
                )
            }
        };
    let k = state.knowledge()?;
    let per_week = steps.len().div_ceil(weeks as usize).max(1);
    let plan: Vec<_> = steps
        .chunks(per_week)
        .enumerate()
        .map(|(i, ids)| {
            let items: Vec<_> = ids
                .iter()
                .filter_map(|id| state.ontology.get(id))
                .map(|c| json!({"concept": c.id, "name": c.name, "difficulty": c.difficulty, "lessons": moments(&k, c, None, 2)}))
                .collect();
            json!({"week": i + 1, "concepts": items})
        })
        .collect();
    Ok(Json(json!({
        "skill_level": level_name(rank),
        "goal": goal.map(|g| g.id.clone()),
        "weeks": plan,
    })))
}

/// A rating of an answer or of a take's feedback.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    /// The student.
    pub student_id: Option<String>,
    /// The question that was answered.
    pub question: Option<String>,
    /// The take whose feedback is rated.
    pub take_id: Option<String>,
    /// 1 (useless) to 5 (very helpful).
    pub rating: i64,
    /// Free text.
    pub comment: Option<String>,
}

/// Stores a rating (counted in the metrics by rating).
#[utoipa::path(post, path = "/api/ai-instructor/feedback", tag = "instructor", request_body = FeedbackRequest, security(("bearer" = [])), responses(
    (status = 201, description = "Stored", body = Object),
    (status = 400, description = "Bad field", body = crate::error::ErrorBody)))]
pub async fn feedback(
    State(state): State<AppState>,
    caller: Option<axum::Extension<Caller>>,
    ApiJson(f): ApiJson<FeedbackRequest>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    if !(1..=5).contains(&f.rating) {
        return Err(ApiError::field("rating", "rating: 1 to 5"));
    }
    let nonempty = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.trim().is_empty());
    if !nonempty(&f.question) && !nonempty(&f.take_id) {
        return Err(ApiError::field(
            "question",
            "question: say what is rated (the question, or take_id for a played take)",
        ));
    }
    for (field, value, max) in [
        ("question", &f.question, 10_000),
        ("comment", &f.comment, 10_000),
        ("student_id", &f.student_id, 200),
        ("take_id", &f.take_id, 200),
    ] {
        if value.as_ref().is_some_and(|v| v.chars().count() > max) {
            return Err(ApiError::field(
                field,
                format!("{field}: at most {max} characters"),
            ));
        }
    }
    let id = format!(
        "fb_{}",
        crate::auth::random_hex(8).map_err(|e| ApiError::internal("storing feedback", e))?
    );
    let record = fretwise_catalog::FeedbackRecord {
        id: id.clone(),
        key_id: caller.map(|c| c.key.id.clone()),
        student_id: f.student_id,
        question: f.question,
        take_id: f.take_id,
        rating: f.rating,
        comment: f.comment,
        created_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
    };
    state.catalog.insert_feedback(&record).await?;
    metrics::counter!("fretwise_feedback_total", "rating" => f.rating.to_string()).increment(1);
    Ok((StatusCode::CREATED, Json(json!({"id": id, "stored": true}))))
}
