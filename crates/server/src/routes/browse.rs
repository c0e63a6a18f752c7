//! `/api/lessons`, `/api/concepts`, `/api/instructors`: the catalog and knowledge base.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;

/// Paging and filters for lessons.
#[derive(Debug, Deserialize, IntoParams)]
pub struct LessonsQuery {
    /// Only lessons at this level (beginner, intermediate, advanced).
    pub level: Option<String>,
    /// Only lessons teaching this concept (id, name, alias or the plan's snake_case).
    pub concept: Option<String>,
    /// Only this instructor (id or name).
    pub instructor: Option<String>,
    /// Only lessons usable for training.
    pub trainable: Option<bool>,
    /// Page size (1–500, default 50).
    pub limit: Option<u32>,
    /// Rows to skip.
    pub offset: Option<u32>,
}

/// Lessons, filtered and paged.
#[utoipa::path(get, path = "/api/lessons", tag = "catalog", params(LessonsQuery), security(("bearer" = [])), responses(
    (status = 200, description = "Lessons", body = Object),
    (status = 400, description = "Bad field", body = crate::error::ErrorBody)))]
pub async fn lessons(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<LessonsQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field("limit", "limit: between 1 and 500"));
    }
    let level = match q.level.as_deref() {
        Some(l) => Some(
            fretwise_knowledge::parse_level(l)
                .map_err(|e| ApiError::field("level", format!("level: {e}")))?,
        ),
        None => None,
    };
    let concept_lessons = match q.concept.as_deref() {
        Some(c) => {
            let concept = state
                .ontology
                .resolve(c)
                .map_err(|e| ApiError::field("concept", format!("concept: {e}")))?;
            Some(
                state
                    .catalog
                    .concept_lessons(&concept.id)
                    .await?
                    .into_iter()
                    .map(|l| l.lesson_id)
                    .collect::<std::collections::HashSet<_>>(),
            )
        }
        None => None,
    };
    let instructor = match q.instructor.as_deref() {
        Some(name) => {
            let k = state.knowledge()?;
            let p = k
                .instructor
                .find_instructor(name)
                .map_err(|e| ApiError::field("instructor", format!("instructor: {e}")))?;
            Some(p.name.clone())
        }
        None => None,
    };
    let all = state.catalog.lessons().await?;
    let matching: Vec<_> = all
        .into_iter()
        .filter(|l| !q.trainable.unwrap_or(false) || l.trainable)
        .filter(|l| {
            level.is_none_or(|want| {
                l.level
                    .as_deref()
                    .and_then(|x| fretwise_knowledge::parse_level(x).ok())
                    == Some(want)
            })
        })
        .filter(|l| concept_lessons.as_ref().is_none_or(|s| s.contains(&l.id)))
        .filter(|l| {
            instructor
                .as_ref()
                .is_none_or(|n| l.instructor.as_ref() == Some(n))
        })
        .collect();
    let total = matching.len();
    let page: Vec<_> = matching
        .into_iter()
        .skip(q.offset.unwrap_or(0) as usize)
        .take(limit as usize)
        .collect();
    Ok(Json(json!({"total": total, "lessons": page})))
}

/// One lesson with its transcript, terms and quality report.
#[utoipa::path(get, path = "/api/lessons/{id}", tag = "catalog", params(("id" = String, Path, description = "Lesson id")), security(("bearer" = [])), responses(
    (status = 200, description = "The lesson", body = Object),
    (status = 404, description = "No such lesson", body = crate::error::ErrorBody)))]
pub async fn lesson(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<fretwise_catalog::LessonDetail>> {
    Ok(Json(state.catalog.lesson(&id).await?))
}

/// Every concept of the ontology.
#[utoipa::path(get, path = "/api/concepts", tag = "catalog", security(("bearer" = [])), responses((status = 200, description = "Concepts", body = Object)))]
pub async fn concepts(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(json!({"concepts": state.ontology.concepts()}))
}

/// One concept (by id, name, alias or snake_case), its prerequisites and lessons teaching it.
#[utoipa::path(get, path = "/api/concepts/{id}", tag = "catalog", params(("id" = String, Path, description = "Concept id, name or alias")), security(("bearer" = [])), responses(
    (status = 200, description = "The concept", body = Object),
    (status = 404, description = "No such concept", body = crate::error::ErrorBody)))]
pub async fn concept(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let c = state
        .ontology
        .resolve(&id)
        .map_err(|e| ApiError::not_found(e.to_string()))?;
    let path = state.ontology.learning_path(&c.id, &[]).unwrap_or_default();
    // Usable lessons only: never a duplicate's second copy or a flagged failure.
    let lessons = fretwise_knowledge::lessons_teaching(&state.catalog, &c.id, None, 20).await?;
    Ok(Json(
        json!({"concept": c, "learning_path": path, "lessons": lessons}),
    ))
}

/// Instructors' profiles: styles, concepts, teaching characteristics.
#[utoipa::path(get, path = "/api/instructors", tag = "catalog", security(("bearer" = [])), responses((status = 200, description = "Profiles", body = Object)))]
pub async fn instructors(State(state): State<AppState>) -> ApiResult<Json<serde_json::Value>> {
    let k = state.knowledge()?;
    Ok(Json(json!({"instructors": k.profiles})))
}
