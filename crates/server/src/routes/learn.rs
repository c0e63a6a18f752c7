//! Lesson plans, practice suggestions and feedback, from the learner (`crates/learner`): a
//! student's skills, due practice items and goals decide; a student never gets a concept above
//! their level as practice.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use fretwise_knowledge::Concept;
use serde::Deserialize;
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};

use fretwise_learner::{self as learner, MomentSource, SkillModel};
pub use fretwise_learner::{Moment, level_name, max_difficulty};

fn level_rank(field: &str, s: Option<&str>) -> ApiResult<u8> {
    match s.filter(|s| !s.trim().is_empty()) {
        Some(s) => fretwise_knowledge::parse_level(s)
            .map_err(|e| ApiError::field(field, format!("{field}: {e}"))),
        None => Ok(1),
    }
}

/// Lesson moments teaching `concept`, at or below level `rank`.
pub fn moments(
    state: &crate::Knowledge,
    concept: &Concept,
    rank: Option<u8>,
    n: usize,
) -> Vec<Moment> {
    state.instructor.moments(concept, rank, None, n)
}

fn nonempty(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// `?skill_level=&current_topic=&student_id=`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PracticeQuery {
    /// beginner (default), intermediate or advanced; a student's own level wins.
    pub skill_level: Option<String>,
    /// What the student works on: concept id, name, alias or snake_case (open_chords).
    pub current_topic: Option<String>,
    /// The student: their skills, due practice items and goals decide.
    pub student_id: Option<String>,
    /// How many suggestions (1–20, default 5).
    pub limit: Option<u32>,
}

/// What to practise next at the student's level, each with an exercise (JSON for
/// analyze-playing, tab), the lesson moments that teach it and why it was chosen.
#[utoipa::path(get, path = "/api/ai-instructor/practice-suggestions", tag = "instructor", params(PracticeQuery), security(("bearer" = [])), responses(
    (status = 200, description = "Suggestions", body = Object),
    (status = 400, description = "Bad field", body = crate::error::ErrorBody),
    (status = 404, description = "Unknown student", body = crate::error::ErrorBody)))]
pub async fn practice_suggestions(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<PracticeQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let limit = q.limit.unwrap_or(5);
    if !(1..=20).contains(&limit) {
        return Err(ApiError::field("limit", "limit: between 1 and 20"));
    }
    let topic = match nonempty(q.current_topic.as_deref()) {
        Some(t) => Some(
            state
                .ontology
                .resolve(t)
                .map_err(|e| ApiError::field("current_topic", format!("current_topic: {e}")))?,
        ),
        None => None,
    };
    let k = state.knowledge()?;
    let answer = learner::practice_for(
        &state.catalog,
        &state.ontology,
        &k.profiles,
        &k.instructor,
        &learner::PracticeAsk {
            student: nonempty(q.student_id.as_deref()),
            level: level_rank("skill_level", q.skill_level.as_deref())?,
            topic,
            limit: limit as usize,
            now: learner::now_unix(),
        },
    )
    .await?;
    let v = serde_json::to_value(&answer)
        .map_err(|e| ApiError::internal("writing the suggestions", e))?;
    Ok(Json(v))
}

/// `?goal=&weeks=&minutes_per_day=&student_id=&skill_level=`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PlanQuery {
    /// beginner (default), intermediate or advanced (without a student).
    pub skill_level: Option<String>,
    /// The concept to reach (id, name, alias or snake_case); default: the student's first goal.
    pub goal: Option<String>,
    /// The student: the plan follows their skills and is stored as their current plan.
    pub student_id: Option<String>,
    /// Weeks (1–52, default 4).
    pub weeks: Option<u32>,
    /// Minutes of practice a day (5–240, default 20).
    pub minutes_per_day: Option<u32>,
}

/// A plan: days of practice items along the prerequisites towards the goal, each with an
/// exercise and lesson moments from the instructor who fits the student best.
#[utoipa::path(get, path = "/api/ai-instructor/lesson-plan", tag = "instructor", params(PlanQuery), security(("bearer" = [])), responses(
    (status = 200, description = "The plan", body = Object),
    (status = 400, description = "Bad field", body = crate::error::ErrorBody),
    (status = 404, description = "Unknown student", body = crate::error::ErrorBody)))]
pub async fn lesson_plan(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<PlanQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let weeks = q.weeks.unwrap_or(4);
    let minutes = q.minutes_per_day.unwrap_or(20);
    let k = state.knowledge()?;
    let now = learner::now_unix();
    let plan = match nonempty(q.student_id.as_deref()) {
        Some(id) => {
            let s = learner::load_student(&state.catalog, id).await?;
            let goal = match nonempty(q.goal.as_deref()) {
                Some(g) => g.to_string(),
                None => s.goals.first().cloned().ok_or_else(|| {
                    ApiError::field(
                        "goal",
                        "goal: the student has no goal; name the concept to reach",
                    )
                })?,
            };
            learner::make_plan(
                &state.catalog,
                &state.ontology,
                &k.profiles,
                &k.instructor,
                &s.id,
                &learner::PlanAsk {
                    goal: &goal,
                    weeks,
                    minutes_per_day: minutes,
                    now,
                },
            )
            .await?
        }
        None => {
            let Some(g) = nonempty(q.goal.as_deref()) else {
                return Err(ApiError::field(
                    "goal",
                    "goal: name the concept to reach (e.g. barre chords)",
                ));
            };
            let goal = learner::resolve(&state.ontology, "goal", g)?;
            let model = SkillModel::new(
                level_rank("skill_level", q.skill_level.as_deref())?,
                Default::default(),
            );
            learner::plan(
                &learner::PlanInputs {
                    ontology: &state.ontology,
                    model: &model,
                    items: &[],
                    profiles: &k.profiles,
                    prefs: &Default::default(),
                    student: None,
                    moments: &k.instructor,
                },
                &learner::PlanRequest {
                    goal: goal.id.clone(),
                    weeks,
                    minutes_per_day: minutes,
                    start_unix: now,
                },
            )?
        }
    };
    let v = serde_json::to_value(&plan).map_err(|e| ApiError::internal("writing the plan", e))?;
    Ok(Json(v))
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
    (status = 400, description = "Bad field", body = crate::error::ErrorBody),
    (status = 404, description = "Unknown student", body = crate::error::ErrorBody)))]
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
    // A known student's rating joins their history; an unknown student is an error.
    if let Some(sid) = record
        .student_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        learner::record_note(
            &state.catalog,
            sid,
            "feedback",
            None,
            json!({"feedback_id": id, "rating": record.rating, "question": record.question, "take_id": record.take_id}),
            learner::now_unix(),
        )
        .await?;
    }
    state.catalog.insert_feedback(&record).await?;
    metrics::counter!("fretwise_feedback_total", "rating" => f.rating.to_string()).increment(1);
    Ok((StatusCode::CREATED, Json(json!({"id": id, "stored": true}))))
}

/// A new student.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStudentRequest {
    /// Name.
    pub name: String,
    /// beginner (default), intermediate or advanced.
    pub level: Option<String>,
    /// Goals: concepts by id, name or alias.
    #[serde(default)]
    pub goals: Vec<String>,
    /// Styles they play.
    #[serde(default)]
    pub styles: Vec<String>,
    /// tab-first, theory-first or by-ear.
    pub learns: Option<String>,
    /// short or long explanations.
    pub explanations: Option<String>,
    /// Instructors they like (ids or names).
    #[serde(default)]
    pub instructors: Vec<String>,
}

/// Adds a student.
#[utoipa::path(post, path = "/api/students", tag = "learner", request_body = NewStudentRequest, security(("bearer" = [])), responses(
    (status = 201, description = "The student", body = Object),
    (status = 400, description = "Bad field", body = crate::error::ErrorBody)))]
pub async fn create_student(
    State(state): State<AppState>,
    ApiJson(r): ApiJson<NewStudentRequest>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    for (field, list) in [
        ("goals", &r.goals),
        ("styles", &r.styles),
        ("instructors", &r.instructors),
    ] {
        if list.len() > 50 || list.iter().any(|x| x.chars().count() > 200) {
            return Err(ApiError::field(
                field,
                format!("{field}: at most 50 entries of 200 characters"),
            ));
        }
    }
    let new = learner::NewStudent {
        name: r.name,
        level: level_rank("level", r.level.as_deref())?,
        goals: r.goals,
        preferences: learner::Preferences {
            styles: r.styles,
            approach: r.learns,
            explanations: r.explanations,
            instructors: r.instructors,
        },
    };
    let s = learner::create_student(&state.catalog, &state.ontology, &new).await?;
    let v = serde_json::to_value(&s).map_err(|e| ApiError::internal("writing the student", e))?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// A student's skills (with uncertainty), due practice items, history and plan.
#[utoipa::path(get, path = "/api/students/{id}", tag = "learner", params(("id" = String, Path, description = "Student id")), security(("bearer" = [])), responses(
    (status = 200, description = "The student", body = Object),
    (status = 404, description = "Unknown student", body = crate::error::ErrorBody)))]
pub async fn student(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let v = learner::view(
        &state.catalog,
        &state.ontology,
        &id,
        50,
        learner::now_unix(),
    )
    .await?;
    let v = serde_json::to_value(&v).map_err(|e| ApiError::internal("writing the student", e))?;
    Ok(Json(v))
}

/// A student's own rating of a concept, or their answer to a quiz question on it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SelfReport {
    /// Concept (id, name or alias).
    pub concept: String,
    /// 1 (cannot play it) to 5 (easy).
    pub confidence: Option<u8>,
    /// A quiz answer on the concept: right or wrong (instead of `confidence`).
    pub correct: Option<bool>,
}

/// Records how well a student thinks they play a concept, or a quiz answer on it.
#[utoipa::path(post, path = "/api/students/{id}/self-report", tag = "learner", params(("id" = String, Path, description = "Student id")), request_body = SelfReport, security(("bearer" = [])), responses(
    (status = 200, description = "The concept's estimate now", body = Object),
    (status = 400, description = "Bad field", body = crate::error::ErrorBody),
    (status = 404, description = "Unknown student", body = crate::error::ErrorBody)))]
pub async fn self_report(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
    ApiJson(r): ApiJson<SelfReport>,
) -> ApiResult<Json<serde_json::Value>> {
    let evidence = match (r.confidence, r.correct) {
        (Some(confidence), None) => learner::Evidence::SelfReport { confidence },
        (None, Some(correct)) => learner::Evidence::Quiz { correct },
        _ => {
            return Err(ApiError::field(
                "confidence",
                "confidence: give confidence (1–5) or correct (a quiz answer), one of them",
            ));
        }
    };
    let est = learner::record_evidence(
        &state.catalog,
        &state.ontology,
        &id,
        &r.concept,
        evidence,
        learner::now_unix(),
    )
    .await?;
    Ok(Json(
        json!({"concept": r.concept, "estimate": est, "p_success": est.p_success()}),
    ))
}
