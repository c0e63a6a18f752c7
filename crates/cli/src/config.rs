//! `fretwise.toml`: the lowest-priority settings (CLI flags > FRETWISE_* env vars > this file).

use std::path::PathBuf;

use anyhow::Context;
use serde::Deserialize;

/// Settings read from `fretwise.toml` in the working directory (or `FRETWISE_CONFIG`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Catalog URL.
    pub db: Option<String>,
    /// Largest transcript accepted, in bytes.
    pub max_bytes: Option<u64>,
    /// Extra lexicon file.
    pub lexicon: Option<PathBuf>,
    /// Platform storage folder for `transcript.json` files.
    pub storage_root: Option<PathBuf>,
    /// The platform's video URL with `{video}` where a segment's video name goes.
    pub video_url_template: Option<String>,
    /// Search index folder for `ask`.
    pub index: Option<PathBuf>,
    /// all-MiniLM-L6-v2 folder for dense retrieval (`ask`, `index`); none: BM25 alone.
    pub embeddings: Option<PathBuf>,
    /// The model behind `ask`: an http(s) URL, `anthropic:` or `local:PATH`.
    pub llm: Option<String>,
    /// The model name the LLM server knows.
    pub llm_model: Option<String>,
    /// The LLM server's API key.
    pub llm_key: Option<String>,
}

impl Config {
    /// Loads the config file if there is one.
    pub fn load() -> anyhow::Result<Self> {
        let path = std::env::var_os("FRETWISE_CONFIG")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("fretwise.toml"));
        if !path.is_file() {
            return Ok(Self::default());
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text)
            .with_context(|| format!("{} is not a valid fretwise config", path.display()))
    }

    /// The catalog URL: flag or env (already merged by clap), else this file, else the default.
    pub fn db(&self, flag: Option<String>) -> String {
        flag.or_else(|| self.db.clone())
            .unwrap_or_else(|| "sqlite://fretwise.db".to_string())
    }
}
