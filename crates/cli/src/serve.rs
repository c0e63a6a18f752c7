//! `fretwise serve` and `fretwise keys`: the HTTP service and its API keys.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand};
use fretwise_server::{AppState, Scope, ServeOptions};

use crate::DbArgs;
use crate::config::Config;
use crate::output::print_json;

/// Name of the staff key `serve` makes for its login link (replaced at every start).
const LOGIN_KEY_NAME: &str = "serve login link";

/// `fretwise serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "FRETWISE_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Serve /metrics, /healthz and /readyz on this address as well (e.g. for a scraper).
    #[arg(long, env = "FRETWISE_METRICS_BIND")]
    pub metrics_bind: Option<SocketAddr>,
    /// Redis for rate limits and the answer cache shared by replicas (redis://HOST:PORT).
    #[arg(long, env = "FRETWISE_REDIS")]
    pub redis: Option<String>,
    /// This replica's search index folder (default: beside a SQLite catalog, else the cache).
    #[arg(long, env = "FRETWISE_INDEX")]
    pub index: Option<PathBuf>,
    /// Longest audio analyze-playing accepts, in seconds.
    #[arg(long, default_value_t = 600.0)]
    pub max_seconds: f64,
    /// Longest a request may take, in seconds.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    /// A browser origin allowed to call the API (repeat for more).
    #[arg(long = "cors-origin")]
    pub cors_origins: Vec<String>,
    #[command(flatten)]
    pub model: crate::ask::LlmArgs,
    /// Do not create the sample corpus when the catalog is empty.
    #[arg(long)]
    pub no_sample: bool,
    /// Do not make a login link (replicas behind a load balancer: use `fretwise keys create`).
    #[arg(long)]
    pub no_login_key: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

/// `fretwise keys …`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key; its secret is printed once and stored only hashed
    Create {
        /// student (ask, analyse, plans, practice, feedback, theory, lessons, concepts) or staff (everything).
        #[arg(long)]
        scope: String,
        /// Who or what the key is for.
        #[arg(long)]
        name: String,
        /// Requests per minute (0 = unlimited).
        #[arg(long, default_value_t = 0)]
        rate_limit: i64,
        #[command(flatten)]
        db: DbArgs,
        /// Print `{"id", "key", "scope"}` as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List keys (never their secrets)
    List {
        #[command(flatten)]
        db: DbArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key by id: every replica refuses it within seconds
    Revoke {
        /// Key id (key_…).
        id: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn keys(cfg: &Config, cmd: KeysCommand) -> anyhow::Result<()> {
    match cmd {
        KeysCommand::Create {
            scope,
            name,
            rate_limit,
            db,
            json,
        } => {
            let scope = Scope::parse(&scope).map_err(anyhow::Error::msg)?;
            let catalog = crate::commands::open_for_writing(cfg, db.db).await?;
            let key = fretwise_server::create_key(&catalog, &name, scope, rate_limit)
                .await
                .map_err(anyhow::Error::msg)?;
            catalog.close().await;
            if json {
                return print_json(
                    &serde_json::json!({"id": key.id, "key": key.key, "scope": key.scope}),
                );
            }
            println!("{}", key.key);
            eprintln!(
                "key {} ({} scope, {}): shown once — store it now; send it as `Authorization: Bearer KEY`",
                key.id,
                key.scope.as_str(),
                if key.rate_limit == 0 {
                    "no rate limit".to_string()
                } else {
                    format!("{} requests a minute", key.rate_limit)
                }
            );
            Ok(())
        }
        KeysCommand::List { db, json } => {
            let catalog = crate::commands::open(cfg, db.db).await?;
            let keys = catalog.api_keys().await?;
            catalog.close().await;
            if json {
                return print_json(&keys);
            }
            if keys.is_empty() {
                println!(
                    "no keys (create one with `fretwise keys create --scope student --name NAME`)"
                );
            }
            for k in keys {
                println!(
                    "{}  {:<7}  {:>5}/min  {}  {}{}",
                    k.id,
                    k.scope,
                    k.rate_limit,
                    k.created_at,
                    k.name,
                    k.revoked_at
                        .map(|r| format!("  (revoked {r})"))
                        .unwrap_or_default()
                );
            }
            Ok(())
        }
        KeysCommand::Revoke { id, db } => {
            let catalog = crate::commands::open(cfg, db.db).await?;
            let done = catalog.revoke_api_key(&id).await?;
            catalog.close().await;
            if !done {
                anyhow::bail!("no active key `{id}` (see `fretwise keys list`)");
            }
            println!("revoked {id}");
            Ok(())
        }
    }
}

pub async fn serve(cfg: &Config, args: ServeArgs) -> anyhow::Result<()> {
    let catalog = crate::commands::open_for_writing(cfg, args.db.db.clone()).await?;
    if catalog.stats().await?.lessons == 0 && !args.no_sample {
        eprintln!(
            "The catalog {} is empty: building the sample corpus first.",
            catalog.location()
        );
        catalog.close().await;
        crate::commands::quickstart(
            cfg,
            std::path::Path::new("sample-corpus"),
            12,
            240,
            args.db.db.clone(),
            false,
        )
        .await?;
        return Box::pin(serve(cfg, args)).await;
    }
    // Lessons ingested by an older version or another tool get their knowledge first.
    crate::knowledge::ensure(&catalog, true).await?;
    let mut opts = ServeOptions::new(catalog.url());
    opts.bind = args.bind;
    opts.metrics_bind = args.metrics_bind;
    opts.redis = args.redis.clone();
    opts.index_dir = crate::ask::index_dir(cfg, args.index.clone(), &catalog);
    opts.jobs_dir = opts.index_dir.with_extension("jobs");
    opts.max_audio_seconds = args.max_seconds;
    opts.request_timeout = Duration::from_secs(args.timeout.max(1));
    opts.cors_origins = args.cors_origins.clone();
    let login = if args.no_login_key {
        None
    } else {
        // Like Jupyter's token: a fresh link at every start; the previous one stops working.
        for k in catalog.api_keys().await? {
            if k.name == LOGIN_KEY_NAME && k.revoked_at.is_none() {
                catalog.revoke_api_key(&k.id).await?;
            }
        }
        Some(
            fretwise_server::create_key(&catalog, LOGIN_KEY_NAME, Scope::Staff, 0)
                .await
                .map_err(anyhow::Error::msg)?,
        )
    };
    opts.llm_max_tokens = args.model.llm_max_tokens.max(1);
    let llm = args
        .model
        .load(cfg)
        .await?
        .map(std::sync::Arc::<dyn fretwise_instructor::llm::Llm>::from);
    let backend = llm.as_ref().map(|m| m.name());
    let state = AppState::with_llm(catalog, opts, llm).await?;
    let shutdown = async {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(s) => s,
                    Err(_) => {
                        let _ = ctrl_c.await;
                        return;
                    }
                };
            tokio::select! {
                _ = ctrl_c => {},
                _ = term.recv() => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = ctrl_c.await;
        }
    };
    fretwise_server::serve(state, shutdown, |addr| {
        println!("fretwise is serving on http://{addr}");
        if let Some(b) = &backend {
            println!("Answers are written by {b} (the grounded composer answers when it fails).");
        }
        if let Some(k) = &login {
            println!(
                "Open this link to sign in (staff key {}):\n    http://{addr}/?key={}",
                k.id, k.key
            );
        }
        println!(
            "API documentation: http://{addr}/docs/   OpenAPI: http://{addr}/api/openapi.json"
        );
        use std::io::Write;
        let _ = std::io::stdout().flush();
    })
    .await
    .context("serving")?;
    println!("fretwise stopped");
    Ok(())
}
