//! Language models behind `ask --llm`: OpenAI-compatible chat completions, Anthropic Messages
//! and an embedded GGUF chat model, behind one object-safe interface that streams text.
//!
//! A model only writes prose around what the instructor already knows: the prompt
//! ([`prompt`]) carries the retrieved passages with citation ids and the theory engine's facts,
//! and everything a model writes is cleaned (invented citation ids removed) and fact-checked
//! before anyone sees it. A question never fails because a model did: `Instructor::ask_with`
//! answers with the grounded composer instead and says why.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use fretwise_instructor::llm::{self, Request};
//! let model = llm::from_spec("http://127.0.0.1:8000/v1", Some("smollm2"), None)?;
//! let req = Request::new("You are terse.", "Say hi.", 32);
//! let text = model.generate(&req, &mut |piece: &str| print!("{piece}")).await?;
//! # let _ = text; Ok(()) }
//! ```

pub mod anthropic;
pub mod http;
pub mod local;
pub mod openai;
pub mod prompt;

use std::future::Future;
use std::pin::Pin;

pub use http::{Breaker, HttpConfig, HttpLlm};
pub use local::{LocalLlm, LocalOptions};

/// A boxed future, so that [`Llm`] stays object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Receives text as it is generated.
pub type OnText<'a> = &'a mut (dyn FnMut(&str) + Send);

/// Who said a chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The student (or the prompt built for them).
    User,
    /// The model.
    Assistant,
}

impl Role {
    /// The name chat APIs use.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// One chat message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Who said it.
    pub role: Role,
    /// What was said.
    pub content: String,
}

/// What a model is asked.
#[derive(Debug, Clone)]
pub struct Request {
    /// The system prompt.
    pub system: String,
    /// The conversation, ending with the user's turn.
    pub messages: Vec<Message>,
    /// Most new tokens to generate.
    pub max_tokens: usize,
    /// Sampling temperature; 0 picks the likeliest token (deterministic).
    pub temperature: f64,
    /// Seed for sampling when the temperature is above 0.
    pub seed: u64,
}

impl Request {
    /// A one-turn request, greedy.
    pub fn new(system: &str, user: &str, max_tokens: usize) -> Request {
        Request {
            system: system.to_string(),
            messages: vec![Message {
                role: Role::User,
                content: user.to_string(),
            }],
            max_tokens,
            temperature: 0.0,
            seed: 0,
        }
    }
}

/// Why a model gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    /// The backend spec cannot be used.
    #[error("{0}")]
    Spec(String),
    /// The server could not be reached.
    #[error("cannot reach {url}: {detail}")]
    Connect {
        /// Where.
        url: String,
        /// What the client said.
        detail: String,
    },
    /// The request took too long.
    #[error("no complete answer within {0:.1} s")]
    Timeout(f64),
    /// The server answered with an error status.
    #[error("the server answered HTTP {status}: {body}")]
    Status {
        /// HTTP status.
        status: u16,
        /// The start of the body.
        body: String,
    },
    /// The backend failed too often lately and is skipped for a while.
    #[error("skipped: {failures} failures in a row, next try in {retry_in_s:.1} s")]
    CircuitOpen {
        /// Consecutive failures that opened it.
        failures: u32,
        /// Seconds until a request is let through again.
        retry_in_s: f64,
    },
    /// The server's answer could not be read.
    #[error("unreadable answer: {0}")]
    Protocol(String),
    /// The embedded model failed.
    #[error("the local model failed: {0}")]
    Model(String),
    /// The model wrote nothing usable.
    #[error("the model returned no text")]
    Empty,
}

/// A chat model that streams its answer.
pub trait Llm: Send + Sync {
    /// "openai:MODEL", "anthropic:MODEL" or "local:NAME".
    fn name(&self) -> String;

    /// Generates the answer to `req`, calling `on_text` with each piece as it arrives, and
    /// returns the whole text.
    fn generate<'a>(
        &'a self,
        req: &'a Request,
        on_text: OnText<'a>,
    ) -> BoxFuture<'a, Result<String, LlmError>>;
}

/// Which kind of backend a spec names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spec {
    /// An OpenAI-compatible server: the chat completions URL.
    OpenAi(String),
    /// Anthropic Messages: the messages URL.
    Anthropic(String),
    /// A GGUF file run in-process.
    Local(std::path::PathBuf),
}

/// Reads a backend spec: `local:PATH`, `anthropic:` or `anthropic:URL`, `openai:URL`, or an
/// http(s) URL (api.anthropic.com selects Anthropic; any other host is OpenAI-compatible).
pub fn parse_spec(spec: &str) -> Result<Spec, LlmError> {
    let spec = spec.trim();
    if let Some(path) = spec.strip_prefix("local:") {
        if path.trim().is_empty() {
            return Err(LlmError::Spec(
                "`local:` needs the path of a GGUF file, e.g. local:models/SmolLM2.gguf".into(),
            ));
        }
        return Ok(Spec::Local(path.trim().into()));
    }
    if let Some(rest) = spec.strip_prefix("anthropic:") {
        let base = if rest.trim().is_empty() {
            "https://api.anthropic.com"
        } else {
            rest.trim()
        };
        return Ok(Spec::Anthropic(endpoint(base, "/v1/messages")?));
    }
    let (url, forced_openai) = match spec.strip_prefix("openai:") {
        Some(rest) => (rest.trim(), true),
        None => (spec, false),
    };
    let host = host_of(url)?;
    if !forced_openai && host.eq_ignore_ascii_case("api.anthropic.com") {
        return Ok(Spec::Anthropic(endpoint(url, "/v1/messages")?));
    }
    Ok(Spec::OpenAi(endpoint(url, "/chat/completions")?))
}

/// The host of an http(s) URL.
fn host_of(url: &str) -> Result<&str, LlmError> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| {
            LlmError::Spec(format!(
                "`{}` is not a model: give an http(s) URL of an OpenAI-compatible server, \
                 anthropic:, or local:PATH to a GGUF file",
                url.chars().take(120).collect::<String>()
            ))
        })?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = if host.starts_with('[') {
        host.split(']').next().map(|h| &h[1..]).unwrap_or("")
    } else {
        host.split(':').next().unwrap_or("")
    };
    if host.is_empty() {
        return Err(LlmError::Spec(format!("`{url}` names no host")));
    }
    Ok(host)
}

/// The endpoint URL: kept when it already ends with `tail`; a bare host gets `/v1` first
/// (OpenAI-compatible servers serve under it); otherwise `tail` is appended to the base.
fn endpoint(base: &str, tail: &str) -> Result<String, LlmError> {
    host_of(base)?;
    let base = base.trim_end_matches('/');
    if base.ends_with(tail) {
        return Ok(base.to_string());
    }
    let after_scheme = base.split_once("://").map(|(_, r)| r).unwrap_or(base);
    let has_path = after_scheme.contains('/');
    Ok(match tail {
        "/chat/completions" if !has_path => format!("{base}/v1{tail}"),
        "/v1/messages" if base.ends_with("/v1") => format!("{base}/messages"),
        _ => format!("{base}{tail}"),
    })
}

/// Builds the backend a spec names, with default timeouts, retries and circuit breaker.
/// `model` is required for Anthropic; OpenAI-compatible servers get "default" without one.
/// `local:PATH` reads the whole GGUF file (call it off the async runtime when that matters).
pub fn from_spec(
    spec: &str,
    model: Option<&str>,
    key: Option<&str>,
) -> Result<Box<dyn Llm>, LlmError> {
    from_spec_with(spec, model, key, &HttpConfig::default())
}

/// [`from_spec`] with explicit HTTP settings.
pub fn from_spec_with(
    spec: &str,
    model: Option<&str>,
    key: Option<&str>,
    http: &HttpConfig,
) -> Result<Box<dyn Llm>, LlmError> {
    let model = model.map(str::trim).filter(|m| !m.is_empty());
    let key = key.map(str::trim).filter(|k| !k.is_empty());
    Ok(match parse_spec(spec)? {
        Spec::Local(path) => Box::new(LocalLlm::load(&path, &LocalOptions::default())?),
        Spec::OpenAi(url) => Box::new(HttpLlm::openai(
            &url,
            model.unwrap_or("default"),
            key,
            http,
        )?),
        Spec::Anthropic(url) => {
            let model = model.ok_or_else(|| {
                LlmError::Spec(
                    "Anthropic needs a model name (--llm-model, FRETWISE_LLM_MODEL or llm_model)"
                        .into(),
                )
            })?;
            Box::new(HttpLlm::anthropic(&url, model, key, http)?)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_select_the_backend_and_endpoint() {
        let cases = [
            (
                "http://127.0.0.1:8000/v1",
                Spec::OpenAi("http://127.0.0.1:8000/v1/chat/completions".into()),
            ),
            (
                "http://localhost:11434",
                Spec::OpenAi("http://localhost:11434/v1/chat/completions".into()),
            ),
            (
                "https://api.openai.com/v1/chat/completions",
                Spec::OpenAi("https://api.openai.com/v1/chat/completions".into()),
            ),
            (
                "https://api.anthropic.com",
                Spec::Anthropic("https://api.anthropic.com/v1/messages".into()),
            ),
            (
                "anthropic:",
                Spec::Anthropic("https://api.anthropic.com/v1/messages".into()),
            ),
            (
                "anthropic:http://127.0.0.1:9/v1",
                Spec::Anthropic("http://127.0.0.1:9/v1/messages".into()),
            ),
            ("local:/m/a.gguf", Spec::Local("/m/a.gguf".into())),
        ];
        for (spec, want) in cases {
            assert_eq!(parse_spec(spec).unwrap(), want, "{spec}");
        }
        for bad in [
            "local:",
            "ftp://x",
            "gpt-4",
            "http://",
            "anthropic:nonsense",
        ] {
            assert!(parse_spec(bad).is_err(), "{bad}");
        }
        assert!(matches!(
            from_spec("https://api.anthropic.com", None, None),
            Err(LlmError::Spec(_))
        ));
    }
}
