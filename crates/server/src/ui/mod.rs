//! The web UI at `/`: server-rendered pages (maud) with small vanilla JS modules that call the
//! JSON API with the browser's cookie session; every asset is compiled into the binary.
//!
//! Pages: Ask (`/`), Practice (`/practice`), Progress (`/progress`), Staff (`/staff`, staff key),
//! a lesson's transcript at a moment (`/lessons/{id}?t=S&e=E`) and Login (`/login`, or the
//! link `serve` prints, `/?key=KEY`). No key → the login page; a student key on a staff page → 403.

mod assets;
mod pages;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::Markup;

use crate::AppState;
use crate::auth::{self, Caller, Scope};
use crate::extract::ApiQuery;
use crate::routes::ops::{self, HomeQuery};

/// The pages a login may return to (anything else goes to `/`).
const PAGES: &[&str] = &["/", "/practice", "/progress", "/staff"];

/// What the pages send the browser: no inline script, nothing from elsewhere.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The UI's routes (pages, login/logout, static assets); merged into the service's router.
pub fn routes(state: AppState) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/practice", get(practice))
        .route("/progress", get(progress))
        .route("/staff", get(staff))
        .route("/lessons/{id}", get(lesson))
        .route("/ui/{file}", get(asset))
        .route("/favicon.ico", get(favicon))
        .with_state(state)
}

/// An HTML page with the UI's security headers.
fn page(status: StatusCode, body: Markup) -> Response {
    let mut r = (status, Html(body.into_string())).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The signed-in caller, or None.
async fn caller(state: &AppState, headers: &HeaderMap) -> Option<Caller> {
    auth::authenticate(state, headers).await.ok()
}

/// The caller, or the response to send instead: the login page (303) for no session, a 403
/// page when the page needs staff.
async fn require(
    state: &AppState,
    headers: &HeaderMap,
    need: Scope,
    here: &str,
) -> Result<Caller, Response> {
    let Some(c) = caller(state, headers).await else {
        return Err(Redirect::to(&format!("/login?next={here}")).into_response());
    };
    if c.scope < need {
        return Err(page(StatusCode::FORBIDDEN, pages::forbidden(&c)));
    }
    Ok(c)
}

/// `/`: the Ask page when signed in, else the login page; `/?key=KEY` signs in (as before).
async fn home(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<HomeQuery>,
    headers: HeaderMap,
) -> Response {
    if q.key.is_some() {
        return ops::home(State(state), ApiQuery(q), headers).await;
    }
    match caller(&state, &headers).await {
        Some(c) => page(StatusCode::OK, pages::ask(&c, state.llm.is_some())),
        None => page(StatusCode::OK, pages::login("/", None)),
    }
}

/// `?next=` of the login page.
#[derive(Debug, serde::Deserialize)]
struct LoginQuery {
    next: Option<String>,
}

/// Where a login returns to: one of the UI's pages, never another site.
fn next_page(next: Option<&str>) -> &'static str {
    let n = next.unwrap_or("/");
    PAGES.iter().copied().find(|p| *p == n).unwrap_or("/")
}

/// `GET /login`.
async fn login_page(ApiQuery(q): ApiQuery<LoginQuery>) -> Response {
    page(
        StatusCode::OK,
        pages::login(next_page(q.next.as_deref()), None),
    )
}

/// True when a form post comes from this site's own pages (Origin and Fetch Metadata agree).
pub fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| !host.is_empty() && rest == host)
}

/// `POST /login` (form `key`, `next`): starts a cookie session, as `/?key=KEY` does.
async fn login(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if !same_origin(&headers) {
        return page(
            StatusCode::FORBIDDEN,
            pages::login("/", Some("Sign in from this site's own login page.")),
        );
    }
    let mut key = String::new();
    let mut next = None;
    for (k, v) in form_urlencoded::parse(&body) {
        match k.as_ref() {
            "key" => key = v.trim().to_string(),
            "next" => next = Some(v.to_string()),
            _ => {}
        }
    }
    let next = next_page(next.as_deref());
    let mut h = HeaderMap::new();
    if let Ok(v) = format!("Bearer {key}").parse() {
        h.insert(header::AUTHORIZATION, v);
    }
    let who = match auth::authenticate(&state, &h).await {
        Ok(c) if !key.is_empty() => c,
        _ => {
            return page(
                StatusCode::UNAUTHORIZED,
                pages::login(next, Some("That key is unknown or revoked.")),
            );
        }
    };
    let token = match auth::start_session(&state, &who.key).await {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let mut r = Redirect::to(next).into_response();
    if let Ok(v) = session_cookie(&token, auth::SESSION_SECONDS).parse() {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

fn session_cookie(token: &str, max_age: i64) -> String {
    format!(
        "{}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}",
        auth::SESSION_COOKIE
    )
}

/// `POST /logout`: forgets the cookie.
async fn logout(headers: HeaderMap) -> Response {
    if !same_origin(&headers) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let mut r = Redirect::to("/login").into_response();
    if let Ok(v) = session_cookie("", 0).parse() {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// `GET /practice`.
async fn practice(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match require(&state, &headers, Scope::Student, "/practice").await {
        Ok(c) => page(StatusCode::OK, pages::practice(&c)),
        Err(r) => r,
    }
}

/// `GET /progress`.
async fn progress(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match require(&state, &headers, Scope::Student, "/progress").await {
        Ok(c) => page(StatusCode::OK, pages::progress(&c)),
        Err(r) => r,
    }
}

/// `GET /staff`: statistics, flags and feedback rendered here; exports, profiles and the graph.
async fn staff(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let c = match require(&state, &headers, Scope::Staff, "/staff").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let stats = match state.catalog.stats().await {
        Ok(s) => s,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let mut feedback = match state.catalog.feedback().await {
        Ok(f) => f,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    feedback.sort_by(|a, b| b.created_at.cmp(&a.created_at));
    feedback.truncate(50);
    let k = state.knowledge().ok();
    let profiles = k.as_ref().map(|k| k.profiles.as_slice()).unwrap_or(&[]);
    let graph = k.as_ref().and_then(|k| k.graph.as_ref()).map(|g| g.svg());
    page(
        StatusCode::OK,
        pages::staff(&c, &stats, &feedback, profiles, graph.as_deref()),
    )
}

/// `?t=&e=` of a lesson page: where the moment starts and ends, in seconds.
#[derive(Debug, serde::Deserialize)]
struct MomentQuery {
    t: Option<f64>,
    e: Option<f64>,
}

/// `GET /lessons/{id}?t=S&e=E`: the transcript, the utterances of the moment marked (`#moment`).
async fn lesson(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<MomentQuery>,
) -> Response {
    let here = "/";
    let c = match require(&state, &headers, Scope::Student, here).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match state.catalog.lesson(&id).await {
        Ok(l) => page(StatusCode::OK, pages::lesson(&c, &l, q.t, q.e)),
        Err(fretwise_catalog::CatalogError::NotFound(_)) => {
            page(StatusCode::NOT_FOUND, pages::not_found(&c, &id))
        }
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

/// `GET /ui/{file}`: a compiled-in script, style sheet or icon.
async fn asset(Path(file): Path<String>) -> Response {
    match assets::get(&file) {
        Some((mime, body)) => (
            [
                (header::CONTENT_TYPE, mime),
                (header::CACHE_CONTROL, "no-cache"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such file").into_response(),
    }
}

/// `GET /favicon.ico`: the icon (browsers ask for it whatever the page says).
async fn favicon() -> Response {
    asset(Path("icon.svg".to_string())).await
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue, header};

    #[test]
    fn login_returns_only_to_own_pages() {
        assert_eq!(super::next_page(Some("/practice")), "/practice");
        assert_eq!(super::next_page(Some("https://evil.example/")), "/");
        assert_eq!(super::next_page(Some("//evil.example")), "/");
        assert_eq!(super::next_page(None), "/");
    }

    #[test]
    fn form_posts_from_other_sites_are_refused() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(super::same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(super::same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:9999"),
        );
        assert!(!super::same_origin(&h));
        let mut h2 = HeaderMap::new();
        h2.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!super::same_origin(&h2));
    }
}
