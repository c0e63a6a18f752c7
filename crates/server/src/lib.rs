//! The HTTP service behind `fretwise serve`: the plan's AI-instructor and AI-training APIs, with
//! API keys, per-key rate limits, Prometheus metrics, an OpenAPI document, and replicas that
//! share one catalog (and optionally Redis).
//!
//! Every replica keeps its own search index in step with the shared catalog (a background task
//! compares the catalog's change marker), so any replica answers from the newest lessons.

pub mod auth;
pub mod cache;
pub mod error;
pub mod extract;
pub mod limit;
pub mod observe;
mod openapi;
pub mod routes;
pub mod ui;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{HeaderValue, Method, header};
use fretwise_catalog::Catalog;
use fretwise_instructor::Instructor;
use fretwise_knowledge::{ConceptGraph, Ontology, Profile};
use tower_http::cors::{AllowOrigin, CorsLayer};

pub use auth::{NewKey, Scope, create_key};
pub use openapi::openapi_json;

/// Errors starting or running the service.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// Redis could not be reached at start-up.
    #[error("cannot reach Redis at {url}: {message}")]
    Redis {
        /// The URL (without password).
        url: String,
        /// Why.
        message: String,
    },
    /// The instructor could not be opened.
    #[error("opening the instructor: {0}")]
    Instructor(#[from] fretwise_instructor::AskError),
    /// The catalog failed.
    #[error(transparent)]
    Catalog(#[from] fretwise_catalog::CatalogError),
    /// Serving failed.
    #[error("serving: {0}")]
    Io(#[from] std::io::Error),
}

/// How the service runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Where to listen.
    pub bind: SocketAddr,
    /// A separate address for /metrics, /healthz and /readyz only (else they are on `bind`).
    pub metrics_bind: Option<SocketAddr>,
    /// The search index folder of this replica.
    pub index_dir: PathBuf,
    /// Redis URL for shared rate limits and the answer cache.
    pub redis: Option<String>,
    /// Longest audio accepted by analyze-playing, in seconds.
    pub max_audio_seconds: f64,
    /// Largest audio upload, in bytes.
    pub max_audio_bytes: usize,
    /// Longest a request may take.
    pub request_timeout: Duration,
    /// Origins allowed to call the API from a browser (empty: same origin only).
    pub cors_origins: Vec<String>,
    /// How often the catalog is checked for new lessons.
    pub refresh_every: Duration,
    /// This replica's name, for the jobs it runs.
    pub worker: String,
    /// Folder for dataset job output.
    pub jobs_dir: PathBuf,
    /// Most tokens a model may write per answer.
    pub llm_max_tokens: usize,
}

impl ServeOptions {
    /// Defaults for a catalog URL: 127.0.0.1:8080, its default index folder, 10-minute audio.
    pub fn new(catalog_url: &str) -> ServeOptions {
        let index_dir = fretwise_instructor::default_index_dir(catalog_url);
        let jobs_dir = index_dir.with_extension("jobs");
        ServeOptions {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            metrics_bind: None,
            index_dir,
            redis: None,
            max_audio_seconds: 600.0,
            max_audio_bytes: 64 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            cors_origins: Vec::new(),
            refresh_every: Duration::from_secs(2),
            worker: format!("{}-{}", hostname(), std::process::id()),
            jobs_dir,
            llm_max_tokens: 256,
        }
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "fretwise".to_string())
}

/// What the instructor answers from, swapped whole when the catalog changes.
pub struct Knowledge {
    /// The instructor (index, profiles, graph).
    pub instructor: Instructor,
    /// Instructors' profiles.
    pub profiles: Vec<Profile>,
    /// The concept graph.
    pub graph: Option<ConceptGraph>,
    /// The catalog change marker it was built from.
    pub marker: String,
}

/// Shared state of one replica.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The fields of [`AppState`].
pub struct Inner {
    /// The catalog.
    pub catalog: Catalog,
    /// Options.
    pub opts: ServeOptions,
    /// The ontology.
    pub ontology: Ontology,
    knowledge: RwLock<Option<Arc<Knowledge>>>,
    ready: AtomicBool,
    /// Looked-up keys.
    pub keys: auth::KeyCache,
    /// Rate limits.
    pub limiter: limit::RateLimiter,
    /// Cached answers.
    pub cache: cache::AnswerCache,
    /// The model that writes answers (None: the grounded composer).
    pub llm: Option<Arc<dyn fretwise_instructor::llm::Llm>>,
    /// When the service started.
    pub started: Instant,
    /// One permit per core for audio analysis: takes beyond it wait their turn in order instead
    /// of all slowing each other down (16 time-sliced takes all finish late; queued ones finish
    /// one after another).
    pub analysis_slots: Arc<tokio::sync::Semaphore>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Opens the state: Redis when asked for (an unreachable Redis is an error at start-up).
    pub async fn new(catalog: Catalog, opts: ServeOptions) -> Result<AppState, ServerError> {
        AppState::with_llm(catalog, opts, None).await
    }

    /// [`AppState::new`] with a model that writes the answers (the grounded composer answers
    /// whenever it fails).
    pub async fn with_llm(
        catalog: Catalog,
        opts: ServeOptions,
        llm: Option<Arc<dyn fretwise_instructor::llm::Llm>>,
    ) -> Result<AppState, ServerError> {
        let (limiter, cache) = match &opts.redis {
            Some(url) => {
                let shown = redact(url);
                let limiter =
                    limit::RateLimiter::redis(url)
                        .await
                        .map_err(|e| ServerError::Redis {
                            url: shown.clone(),
                            message: e.to_string(),
                        })?;
                let cache =
                    cache::AnswerCache::redis(url)
                        .await
                        .map_err(|e| ServerError::Redis {
                            url: shown,
                            message: e.to_string(),
                        })?;
                (limiter, cache)
            }
            None => (limit::RateLimiter::memory(), cache::AnswerCache::memory()),
        };
        observe::install();
        Ok(AppState(Arc::new(Inner {
            catalog,
            opts,
            ontology: Ontology::builtin(),
            knowledge: RwLock::new(None),
            ready: AtomicBool::new(false),
            keys: auth::KeyCache::default(),
            limiter,
            cache,
            llm,
            started: Instant::now(),
            analysis_slots: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, usize::from),
            )),
        })))
    }

    /// The current knowledge, or 503 while the index is being built.
    pub fn knowledge(&self) -> Result<Arc<Knowledge>, error::ApiError> {
        self.0
            .knowledge
            .read()
            .ok()
            .and_then(|k| k.clone())
            .ok_or_else(|| {
                error::ApiError::unavailable(
                    "the search index is still being built; try again in a moment",
                )
            })
    }

    /// True once the catalog and index are ready.
    pub fn is_ready(&self) -> bool {
        self.0.ready.load(Ordering::Relaxed)
    }

    /// Brings the index in step with the catalog when the catalog changed; true when it did.
    pub async fn refresh(&self) -> Result<bool, ServerError> {
        let marker = self.catalog.change_marker().await?;
        let current = self
            .0
            .knowledge
            .read()
            .ok()
            .and_then(|k| k.as_ref().map(|k| k.marker.clone()));
        if current.as_deref() == Some(marker.as_str()) {
            return Ok(false);
        }
        let instructor = Instructor::open(&self.catalog, &self.opts.index_dir, &()).await?;
        let profiles: Vec<Profile> = match self.catalog.artifact("profiles").await? {
            Some((body, _)) => serde_json::from_str(&body).unwrap_or_default(),
            None => Vec::new(),
        };
        let graph = match self.catalog.artifact("graph").await? {
            Some((body, _)) => serde_json::from_str(&body).ok(),
            None => None,
        };
        let k = Arc::new(Knowledge {
            instructor,
            profiles,
            graph,
            marker,
        });
        // Lesson moments for every concept (a few seconds of one core on a 100K-lesson index)
        // are found before the new index serves: until then the previous one answers and
        // /readyz waits, so no request pays for them (done in the background, they slowed the
        // first second of a load test to 0.5-1.5 s answers).
        let warm = k.clone();
        if let Err(e) = tokio::task::spawn_blocking(move || warm.instructor.warm_moments()).await {
            tracing::warn!(error = %e, "finding lesson moments ahead of time");
        }
        if let Ok(mut slot) = self.0.knowledge.write() {
            *slot = Some(k);
        }
        self.0.ready.store(true, Ordering::Relaxed);
        Ok(true)
    }
}

/// Keeps the index in step with the catalog and runs queued jobs, until the service stops.
async fn background(state: AppState) {
    let mut tick = tokio::time::interval(state.opts.refresh_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match state.refresh().await {
            Ok(true) => {
                tracing::info!("the catalog changed: search index brought in step");
                state.cache.clear_memory();
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "checking the catalog for changes"),
        }
        routes::training::run_queued_jobs(&state).await;
    }
}

/// A URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://…@{}", &url[..s], &url[at + 1..]),
        _ => url.to_string(),
    }
}

/// The whole router: public routes, student routes, staff routes, docs.
pub fn router(state: AppState) -> Router {
    let cors = if state.opts.cors_origins.is_empty() {
        None
    } else {
        let origins: Vec<HeaderValue> = state
            .opts
            .cors_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        Some(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET, Method::POST, Method::DELETE])
                .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT]),
        )
    };
    let timeout = state.opts.request_timeout;
    let mut app = routes::routes(state.clone())
        .merge(openapi::docs())
        .layer(axum::middleware::from_fn(move |req, next| {
            observe::deadline(timeout, req, next)
        }))
        .layer(axum::middleware::from_fn(observe::track));
    if let Some(c) = cors {
        app = app.layer(c);
    }
    app
}

/// Pending connections the kernel may queue for `accept` (it caps this at `net.core.somaxconn`).
const LISTEN_BACKLOG: u32 = 4096;

/// A listening socket on `addr` with a deep accept queue.
fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    // tokio's `TcpListener::bind` listens with a backlog of 1,024: 1,000 clients connecting at
    // once while both cores are busy overflowed it (ListenOverflows), and each dropped SYN came
    // back only after the client's 1 s / 3 s retransmission timer — the whole latency tail.
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Runs the service until `shutdown` resolves (then drains in-flight requests).
pub async fn serve(
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    on_ready: impl FnOnce(SocketAddr),
) -> Result<(), ServerError> {
    let opts = state.opts.clone();
    let listener = bind(opts.bind).map_err(|source| ServerError::Bind {
        addr: opts.bind,
        source,
    })?;
    let addr = listener.local_addr()?;
    let requeued = state.catalog.requeue_jobs_of(&opts.worker).await?;
    if requeued > 0 {
        tracing::info!(requeued, "jobs of this replica's last run queued again");
    }
    // The index is brought in step before the first answer; /readyz says when.
    state.refresh().await?;
    // The analysis's FFT plans and resamplers are made before the first take: a fresh
    // service's first burst of uploads paid for them (p99 318 ms against 194 ms for the next).
    if let Err(e) = tokio::task::spawn_blocking(fretwise_audio::warm_up).await {
        tracing::warn!(error = %e, "preparing the audio analysis");
    }
    let background = tokio::spawn(background(state.clone()));
    let app = router(state.clone());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    if let Some(mbind) = opts.metrics_bind {
        let ml = bind(mbind).map_err(|source| ServerError::Bind {
            addr: mbind,
            source,
        })?;
        let mapp = routes::ops_routes(state.clone());
        let mut rx = stop_rx.clone();
        tokio::spawn(async move {
            let _ = axum::serve(ml, mapp)
                .with_graceful_shutdown(async move {
                    let _ = rx.changed().await;
                })
                .await;
        });
    }
    on_ready(addr);
    let mut rx = stop_rx.clone();
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        let _ = rx.changed().await;
    });
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down: finishing the requests in flight");
        let _ = stop_tx.send(true);
    });
    let result = server.await;
    background.abort();
    result.map_err(ServerError::Io)
}
