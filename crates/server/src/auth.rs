//! API keys (created, listed, revoked; stored hashed), bearer and browser-session
//! authentication, scopes, and the per-key rate limit applied after authentication.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use fretwise_catalog::{ApiKeyRecord, Catalog, CatalogError};
use serde::Serialize;

use crate::AppState;
use crate::error::ApiError;

/// Name of the browser session cookie.
pub const SESSION_COOKIE: &str = "fretwise_session";
/// How long a browser session lasts.
pub const SESSION_SECONDS: i64 = 7 * 24 * 3600;
/// How long a looked-up key is trusted before the catalog is asked again; a key revoked through
/// another replica is refused here at most this long after.
pub const KEY_CACHE_TTL: Duration = Duration::from_secs(2);

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Ask, analyse, plans, practice, feedback, theory, lessons, concepts.
    Student,
    /// Everything, including exports, dataset jobs and keys.
    Staff,
}

impl Scope {
    /// Parses "student" or "staff".
    pub fn parse(s: &str) -> Result<Scope, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "student" => Ok(Scope::Student),
            "staff" => Ok(Scope::Staff),
            other => Err(format!(
                "unknown scope `{}`: use student or staff",
                other.chars().take(40).collect::<String>()
            )),
        }
    }

    /// "student" or "staff".
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Student => "student",
            Scope::Staff => "staff",
        }
    }
}

/// A key as created: the secret is shown once and never stored.
#[derive(Debug, Clone, Serialize)]
pub struct NewKey {
    /// Public id, for `keys revoke`.
    pub id: String,
    /// The secret to send as `Authorization: Bearer KEY`.
    pub key: String,
    /// Its scope.
    pub scope: Scope,
    /// Its name.
    pub name: String,
    /// Requests per minute (0 = unlimited).
    pub rate_limit: i64,
}

/// Random bytes from the operating system, as lowercase hex.
pub fn random_hex(bytes: usize) -> Result<String, String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf)
        .map_err(|e| format!("no randomness from the operating system: {e}"))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// The stored form of a secret. Keys and session tokens are 256 random bits, so a fast hash
/// is enough: there is nothing to brute-force.
pub fn hash_secret(secret: &str) -> String {
    blake3::hash(secret.trim().as_bytes()).to_hex().to_string()
}

/// Creates and stores a key.
pub async fn create_key(
    catalog: &Catalog,
    name: &str,
    scope: Scope,
    rate_limit: i64,
) -> Result<NewKey, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("give the key a --name (who or what it is for)".to_string());
    }
    if rate_limit < 0 {
        return Err("--rate-limit is requests per minute: 0 (unlimited) or more".to_string());
    }
    let id = format!("key_{}", random_hex(6)?);
    let key = format!("fw_{}", random_hex(32)?);
    let record = ApiKeyRecord {
        id: id.clone(),
        name: name.to_string(),
        scope: scope.as_str().to_string(),
        rate_limit,
        created_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        revoked_at: None,
    };
    catalog
        .insert_api_key(&record, &hash_secret(&key))
        .await
        .map_err(|e| e.to_string())?;
    Ok(NewKey {
        id,
        key,
        scope,
        name: name.to_string(),
        rate_limit,
    })
}

/// The caller of a request, once authenticated.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The key.
    pub key: ApiKeyRecord,
    /// Its scope.
    pub scope: Scope,
}

/// Lock stripes that make concurrent misses of one key wait for a single catalog read.
const LOAD_STRIPES: usize = 64;

/// Recently looked-up keys, by secret hash (None: no such key).
pub struct KeyCache {
    entries: Mutex<HashMap<String, (Option<ApiKeyRecord>, Instant)>>,
    loading: Vec<tokio::sync::Mutex<()>>,
}

impl Default for KeyCache {
    fn default() -> Self {
        Self {
            entries: Mutex::default(),
            loading: (0..LOAD_STRIPES)
                .map(|_| tokio::sync::Mutex::new(()))
                .collect(),
        }
    }
}

impl KeyCache {
    /// The cached record of `hash` while it is fresh.
    fn fresh(&self, hash: &str) -> Option<Option<ApiKeyRecord>> {
        let map = self.entries.lock().ok()?;
        let (rec, at) = map.get(hash)?;
        (at.elapsed() < KEY_CACHE_TTL).then(|| rec.clone())
    }

    async fn lookup(
        &self,
        hash: &str,
        load: impl std::future::Future<Output = Result<Option<ApiKeyRecord>, CatalogError>>,
    ) -> Result<Option<ApiKeyRecord>, CatalogError> {
        if let Some(rec) = self.fresh(hash) {
            return Ok(rec);
        }
        // Single flight: when the entry expires under load (or 1,000 clients connect at once),
        // one request reads the catalog and the others wait for its result, instead of all of
        // them queueing on the connection pool (a 1.5 s stall measured before this).
        let stripe = hash.bytes().fold(0usize, |h, b| {
            h.wrapping_mul(31).wrapping_add(usize::from(b))
        }) % LOAD_STRIPES;
        let _loading = self.loading[stripe].lock().await;
        if let Some(rec) = self.fresh(hash) {
            return Ok(rec);
        }
        let rec = load.await?;
        if let Ok(mut map) = self.entries.lock() {
            if map.len() > 10_000 {
                map.retain(|_, (_, at)| at.elapsed() < KEY_CACHE_TTL);
            }
            map.insert(hash.to_string(), (rec.clone(), Instant::now()));
        }
        Ok(rec)
    }

    /// Forgets everything (after a revocation through this replica).
    pub fn clear(&self) {
        if let Ok(mut map) = self.entries.lock() {
            map.clear();
        }
    }
}

/// The session token in a request's cookies.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_string())
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Finds the key behind a request: `Authorization: Bearer KEY`, else the session cookie.
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|v| v.trim().to_string());
    let catalog = &state.catalog;
    let rec = if let Some(key) = bearer {
        let hash = hash_secret(&key);
        state
            .keys
            .lookup(&hash, catalog.api_key_by_hash(&hash))
            .await
            .map_err(|e| ApiError::internal("checking the API key", e))?
    } else if let Some(token) = session_cookie(headers) {
        let hash = format!("session:{}", hash_secret(&token));
        state
            .keys
            .lookup(
                &hash,
                catalog.web_session_key(&hash_secret(&token), now_unix()),
            )
            .await
            .map_err(|e| ApiError::internal("checking the session", e))?
    } else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send an API key as `Authorization: Bearer KEY` (create one with `fretwise keys create`)",
        ));
    };
    let Some(key) = rec else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "unknown or revoked API key",
        ));
    };
    let scope =
        Scope::parse(&key.scope).map_err(|e| ApiError::internal("reading the key's scope", e))?;
    Ok(Caller { key, scope })
}

/// Starts a browser session for a key; returns the cookie token.
pub async fn start_session(state: &AppState, key: &ApiKeyRecord) -> Result<String, ApiError> {
    let token = random_hex(32).map_err(|e| ApiError::internal("starting a session", e))?;
    state
        .catalog
        .insert_web_session(&hash_secret(&token), &key.id, now_unix() + SESSION_SECONDS)
        .await
        .map_err(|e| ApiError::internal("starting a session", e))?;
    Ok(token)
}

async fn guard(state: AppState, need: Scope, mut req: Request, next: Next) -> Response {
    use axum::response::IntoResponse;
    let caller = match authenticate(&state, req.headers()).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    // A browser session's cookie changes nothing unless the request comes from our own pages.
    let by_cookie = !req.headers().contains_key(header::AUTHORIZATION);
    let safe = matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    );
    if by_cookie && !safe && !crate::ui::same_origin(req.headers()) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "cross_site",
            "a browser session may change things only from fretwise's own pages",
        )
        .into_response();
    }
    if caller.scope < need {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "this route needs a {} key; yours is a {} key",
                need.as_str(),
                caller.scope.as_str()
            ),
        )
        .into_response();
    }
    if caller.key.rate_limit > 0 {
        match state
            .limiter
            .check(&caller.key.id, caller.key.rate_limit as u64)
            .await
        {
            Ok(()) => {}
            Err(wait) => {
                metrics::counter!("fretwise_rate_limited_total").increment(1);
                let mut e = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    format!(
                        "this key may make {} requests a minute; try again in {wait} s",
                        caller.key.rate_limit
                    ),
                );
                e.retry_after = Some(wait);
                return e.into_response();
            }
        }
    }
    req.extensions_mut().insert(caller);
    next.run(req).await
}

/// Middleware: a student or staff key.
pub async fn require_student(State(state): State<AppState>, req: Request, next: Next) -> Response {
    guard(state, Scope::Student, req, next).await
}

/// Middleware: a staff key.
pub async fn require_staff(State(state): State<AppState>, req: Request, next: Next) -> Response {
    guard(state, Scope::Staff, req, next).await
}
