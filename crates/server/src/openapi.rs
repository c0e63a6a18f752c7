//! The OpenAPI document (`/api/openapi.json`) and its docs page (`/docs`).

use axum::Router;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::{analyze, ask, browse, learn, ops, theory, training};

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API key from `fretwise keys create`"))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "fretwise", description = "The AI guitar instructor's API: answers grounded in the lessons, analysis of playing, plans, exports."),
    modifiers(&Security),
    paths(
        ask::ask,
        analyze::analyze_playing,
        learn::lesson_plan,
        learn::practice_suggestions,
        learn::feedback,
        learn::create_student,
        learn::student,
        learn::self_report,
        theory::chord,
        theory::scale,
        theory::interval,
        theory::voicings_route,
        browse::lessons,
        browse::lesson,
        browse::concepts,
        browse::concept,
        browse::instructors,
        training::guitar_tags,
        training::export_kind,
        training::generate_dataset,
        training::job,
        training::cancel_job,
        training::job_file,
        ops::healthz,
        ops::readyz,
        ops::metrics,
        ops::home,
        ops::create_key,
        ops::list_keys,
        ops::revoke_key,
    ),
    components(schemas(crate::error::ErrorBody))
)]
struct ApiDoc;

/// The OpenAPI document as JSON.
pub fn openapi_json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|_| "{}".to_string())
}

/// `/api/openapi.json` and the Swagger UI at `/docs`.
pub fn docs() -> Router {
    let doc = ApiDoc::openapi();
    Router::new().merge(utoipa_swagger_ui::SwaggerUi::new("/docs").url("/api/openapi.json", doc))
}
