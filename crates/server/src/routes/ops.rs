//! Health, readiness, metrics, the login page, and key management over HTTP (staff).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::{self, Scope};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};

/// Alive.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "The process is alive", body = Object)))]
pub async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

/// Ready: the catalog answers and the search index is built.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses(
    (status = 200, description = "Ready", body = Object),
    (status = 503, description = "Not ready yet", body = crate::error::ErrorBody)))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    if !state.is_ready() {
        return ApiError::unavailable("the search index is still being built").into_response();
    }
    match state.catalog.change_marker().await {
        Ok(marker) => {
            let lessons = state
                .knowledge()
                .map(|k| k.instructor.index().size().0)
                .unwrap_or(0);
            Json(serde_json::json!({"status": "ready", "catalog": marker, "indexed_lessons": lessons, "uptime_s": state.started.elapsed().as_secs()}))
                .into_response()
        }
        Err(e) => {
            ApiError::unavailable(format!("the catalog does not answer: {e}")).into_response()
        }
    }
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain")))]
pub async fn metrics() -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        crate::observe::render(),
    )
        .into_response()
}

/// `/?key=KEY`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct HomeQuery {
    /// An API key: starts a browser session and redirects to a URL without it.
    pub key: Option<String>,
}

/// The home page; `/?key=KEY` logs a browser in (an HttpOnly, SameSite cookie) as Jupyter does.
#[utoipa::path(get, path = "/", tag = "operations", params(HomeQuery), responses(
    (status = 200, description = "Home page", body = String, content_type = "text/html"),
    (status = 303, description = "Logged in; redirect without the key"),
    (status = 401, description = "Unknown key", body = crate::error::ErrorBody)))]
pub async fn home(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<HomeQuery>,
    headers: HeaderMap,
) -> Response {
    if let Some(key) = q.key {
        let mut h = HeaderMap::new();
        if let Ok(v) = format!("Bearer {key}").parse() {
            h.insert(header::AUTHORIZATION, v);
        }
        let caller = match auth::authenticate(&state, &h).await {
            Ok(c) => c,
            Err(e) => return e.into_response(),
        };
        let token = match auth::start_session(&state, &caller.key).await {
            Ok(t) => t,
            Err(e) => return e.into_response(),
        };
        let cookie = format!(
            "{}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
            auth::SESSION_COOKIE,
            auth::SESSION_SECONDS
        );
        let mut r = Redirect::to("/").into_response();
        if let Ok(v) = cookie.parse() {
            r.headers_mut().insert(header::SET_COOKIE, v);
        }
        return r;
    }
    let who = auth::authenticate(&state, &headers).await.ok();
    let body = match who {
        Some(c) => format!(
            "<p>Signed in with the {} key <b>{}</b>.</p><p>API documentation: <a href=\"/docs/\">/docs</a> · OpenAPI: <a href=\"/api/openapi.json\">/api/openapi.json</a></p>",
            c.scope.as_str(),
            html_escape(&c.key.name)
        ),
        None => "<p>Open the link <code>fretwise serve</code> printed (it ends in <code>?key=…</code>) to sign in, or send <code>Authorization: Bearer KEY</code> with API calls.</p><p>API documentation: <a href=\"/docs/\">/docs</a></p>".to_string(),
    };
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>fretwise</title></head><body><h1>fretwise</h1>{body}</body></html>"
    ))
    .into_response()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A key to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKey {
    /// Who or what it is for.
    pub name: String,
    /// student or staff.
    pub scope: String,
    /// Requests per minute (0 = unlimited).
    #[serde(default)]
    pub rate_limit: i64,
}

/// Creates a key (the secret is in this response only).
#[utoipa::path(post, path = "/api/keys", tag = "keys", request_body = CreateKey, security(("bearer" = [])), responses(
    (status = 201, description = "Created", body = Object),
    (status = 400, description = "Bad field", body = crate::error::ErrorBody)))]
pub async fn create_key(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CreateKey>,
) -> ApiResult<(StatusCode, Json<auth::NewKey>)> {
    let scope = Scope::parse(&body.scope).map_err(|e| ApiError::field("scope", e))?;
    let key = auth::create_key(&state.catalog, &body.name, scope, body.rate_limit)
        .await
        .map_err(|e| ApiError::field("name", e))?;
    Ok((StatusCode::CREATED, Json(key)))
}

/// Every key (never the secrets).
#[utoipa::path(get, path = "/api/keys", tag = "keys", security(("bearer" = [])), responses((status = 200, description = "Keys", body = Object)))]
pub async fn list_keys(State(state): State<AppState>) -> ApiResult<Json<serde_json::Value>> {
    let keys = state.catalog.api_keys().await?;
    Ok(Json(serde_json::json!({ "keys": keys })))
}

/// Revokes a key at once on this replica, within seconds on the others.
#[utoipa::path(delete, path = "/api/keys/{id}", tag = "keys", security(("bearer" = [])), params(("id" = String, Path, description = "Key id")), responses(
    (status = 200, description = "Revoked", body = Object),
    (status = 404, description = "No such key", body = crate::error::ErrorBody)))]
pub async fn revoke_key(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    if !state.catalog.revoke_api_key(&id).await? {
        return Err(ApiError::not_found(format!("no active key `{id}`")));
    }
    state.keys.clear();
    Ok(Json(serde_json::json!({ "revoked": id })))
}
