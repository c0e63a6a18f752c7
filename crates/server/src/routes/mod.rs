//! The routes, grouped by who may call them.

pub mod analyze;
pub mod ask;
pub mod browse;
pub mod learn;
pub mod ops;
pub mod theory;
pub mod training;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};

use crate::AppState;
use crate::auth::{require_staff, require_student};

/// Every route: unauthenticated operations and login, student routes, staff routes, the web UI.
pub fn routes(state: AppState) -> Router {
    let student = Router::new()
        .route("/api/ai-instructor/ask", post(ask::ask))
        .route(
            "/api/ai-instructor/analyze-playing",
            post(analyze::analyze_playing).layer(axum::extract::DefaultBodyLimit::max(
                state.opts.max_audio_bytes,
            )),
        )
        .route("/api/ai-instructor/lesson-plan", get(learn::lesson_plan))
        .route("/api/ai-instructor/feedback", post(learn::feedback))
        .route("/api/students", post(learn::create_student))
        .route("/api/students/{id}", get(learn::student))
        .route("/api/students/{id}/self-report", post(learn::self_report))
        .route(
            "/api/ai-instructor/practice-suggestions",
            get(learn::practice_suggestions),
        )
        .route("/api/theory/chord", get(theory::chord))
        .route("/api/theory/scale", get(theory::scale))
        .route("/api/theory/interval", get(theory::interval))
        .route("/api/theory/voicings", get(theory::voicings_route))
        .route("/api/lessons", get(browse::lessons))
        .route("/api/lessons/{id}", get(browse::lesson))
        .route("/api/concepts", get(browse::concepts))
        .route("/api/concepts/{id}", get(browse::concept))
        .route("/api/instructors", get(browse::instructors))
        .route_layer(from_fn_with_state(state.clone(), require_student));
    let staff = Router::new()
        .route("/api/ai-training/export/{kind}", get(training::export_kind))
        .route("/api/guitar-tags/export", get(training::guitar_tags))
        .route(
            "/api/ai-training/generate-dataset",
            post(training::generate_dataset),
        )
        .route(
            "/api/jobs/{id}",
            get(training::job).delete(training::cancel_job),
        )
        .route("/api/jobs/{id}/files/{*name}", get(training::job_file))
        .route("/api/keys", get(ops::list_keys).post(ops::create_key))
        .route("/api/keys/{id}", axum::routing::delete(ops::revoke_key))
        .route_layer(from_fn_with_state(state.clone(), require_staff));
    Router::new()
        .merge(student)
        .merge(staff)
        .with_state(state.clone())
        .merge(crate::ui::routes(state.clone()))
        .merge(ops_routes(state))
}

/// Health, readiness and metrics (also served alone on `--metrics-bind`).
pub fn ops_routes(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .with_state(state)
}
