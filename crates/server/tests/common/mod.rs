//! A real service on a loopback port over a generated catalog, for the HTTP tests.
// Each test binary uses part of these helpers.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use fretwise_catalog::Catalog;
use fretwise_server::{AppState, Scope, ServeOptions};

/// Ingests `paths` into `catalog` and brings the knowledge base up to date.
pub async fn ingest(catalog: &Catalog, paths: &[PathBuf]) {
    let (items, rejected) = fretwise_ingest::discover(paths).unwrap();
    fretwise_ingest::ingest_items(
        catalog,
        items,
        rejected,
        &fretwise_ingest::IngestOptions::default(),
        &(),
    )
    .await
    .unwrap();
    fretwise_knowledge::rebuild(catalog, false, &())
        .await
        .unwrap();
}

/// Writes a generated corpus of `lessons` lessons (seeded) into `dir/name`.
pub fn corpus(dir: &Path, name: &str, lessons: usize, seed: u64) -> PathBuf {
    let out = dir.join(name);
    fretwise_corpus::generate(
        &out,
        &fretwise_corpus::CorpusOptions {
            instructors: 6,
            lessons,
            seed,
            bad_rate: 0.0,
            audio: None,
        },
    )
    .unwrap();
    out
}

/// A running service.
pub struct Service {
    /// Its address.
    pub addr: SocketAddr,
    /// The catalog (another handle).
    pub catalog: Catalog,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Service {
    /// `http://ADDR` + path.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A new key of `scope` with `rate` requests a minute.
    pub async fn key(&self, scope: Scope, rate: i64) -> String {
        fretwise_server::create_key(&self.catalog, "test", scope, rate)
            .await
            .unwrap()
            .key
    }

    /// Stops it and waits for in-flight requests.
    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

/// Starts a service on `catalog_url` with its index in `index_dir`.
pub async fn start(catalog_url: &str, index_dir: &Path, redis: Option<String>) -> Service {
    start_with(catalog_url, index_dir, redis, None, |_| {}).await
}

/// [`start`] with a model behind /ask and a last say over the options.
pub async fn start_with(
    catalog_url: &str,
    index_dir: &Path,
    redis: Option<String>,
    llm: Option<std::sync::Arc<dyn fretwise_instructor::llm::Llm>>,
    adjust: impl FnOnce(&mut ServeOptions),
) -> Service {
    let catalog = Catalog::open(catalog_url).await.unwrap();
    let mut opts = ServeOptions::new(catalog_url);
    opts.bind = SocketAddr::from(([127, 0, 0, 1], 0));
    opts.index_dir = index_dir.to_path_buf();
    opts.jobs_dir = index_dir.with_extension("jobs");
    opts.redis = redis;
    opts.refresh_every = Duration::from_millis(200);
    opts.max_audio_seconds = 30.0;
    adjust(&mut opts);
    let state = AppState::with_llm(catalog, opts, llm).await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (ready, addr) = tokio::sync::oneshot::channel::<SocketAddr>();
    let task = tokio::spawn(async move {
        fretwise_server::serve(
            state,
            async move {
                let _ = stopped.await;
            },
            move |a| {
                let _ = ready.send(a);
            },
        )
        .await
        .unwrap();
    });
    let addr = tokio::time::timeout(Duration::from_secs(120), addr)
        .await
        .expect("the service did not start in time")
        .unwrap();
    Service {
        addr,
        catalog: Catalog::open(catalog_url).await.unwrap(),
        stop: Some(stop),
        task: Some(task),
    }
}
