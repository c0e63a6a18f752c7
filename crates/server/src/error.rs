//! The one error shape every route returns: a status and a JSON body naming the field.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// A JSON error body.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Machine-readable code ("invalid_field", "unauthorized", "rate_limited" …).
    pub error: String,
    /// What went wrong, for people.
    pub message: String,
    /// The request field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// An error a route returns.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Body.
    pub body: ErrorBody,
    /// Seconds to wait (429).
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: ErrorBody {
                error: code.to_string(),
                message: message.into(),
                field: None,
            },
            retry_after: None,
        }
    }

    /// 400 naming the field at fault.
    pub fn field(field: &str, message: impl Into<String>) -> ApiError {
        let mut e = ApiError::new(StatusCode::BAD_REQUEST, "invalid_field", message);
        e.body.field = Some(field.to_string());
        e
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 500 for a failure of ours; the detail goes to the log, not to the client.
    pub fn internal(context: &str, e: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %e, "{context}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("{context} failed; the server log has the details"),
        )
    }

    /// 503 while something the route needs is not ready.
    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.status, Json(self.body)).into_response();
        if let Some(s) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        r
    }
}

impl From<fretwise_learner::LearnerError> for ApiError {
    fn from(e: fretwise_learner::LearnerError) -> ApiError {
        use fretwise_learner::LearnerError as L;
        match e {
            L::Invalid(m) => {
                // Learner messages start with the field they are about ("weeks: …").
                let field = m
                    .split_once(':')
                    .map(|(f, _)| f.trim().replace('-', "_"))
                    .filter(|f| !f.contains(' '))
                    .unwrap_or_default();
                ApiError::field(&field, m)
            }
            L::UnknownStudent(id) => ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_student",
                format!(
                    "student_id: no student with id `{}`",
                    id.chars().take(40).collect::<String>()
                ),
            ),
            L::UnknownConcept { field, message } => {
                ApiError::field(&field, format!("{field}: {message}"))
            }
            e @ L::Mismatch(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "take_mismatch",
                e.to_string(),
            ),
            L::Catalog(e) => e.into(),
            e => ApiError::internal("the learner", e),
        }
    }
}

impl From<fretwise_catalog::CatalogError> for ApiError {
    fn from(e: fretwise_catalog::CatalogError) -> ApiError {
        match e {
            fretwise_catalog::CatalogError::NotFound(id) => {
                ApiError::not_found(format!("no lesson with id `{id}`"))
            }
            other => ApiError::internal("reading the catalog", other),
        }
    }
}

/// What a route returns.
pub type ApiResult<T> = Result<T, ApiError>;
