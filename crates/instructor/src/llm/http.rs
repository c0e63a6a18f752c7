//! The HTTP side of the remote backends: one client with connect and total timeouts, retries
//! with exponential backoff on connection errors, 429 and 5xx, a circuit breaker shared by
//! every request to the same endpoint in this process, and a server-sent-events reader.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::{BoxFuture, Llm, LlmError, OnText, Request, anthropic, openai};

/// Timeouts, retries and circuit-breaker settings of a remote backend.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Longest wait for a TCP/TLS connection.
    pub connect_timeout: Duration,
    /// Longest a whole answer may take, retries included.
    pub timeout: Duration,
    /// Longest silence between two pieces of a streamed answer.
    pub read_timeout: Duration,
    /// Retries after the first attempt (connection errors, 429, 5xx only).
    pub retries: u32,
    /// The first backoff; each retry waits twice as long as the one before.
    pub backoff: Duration,
    /// Consecutive failed requests that open the circuit.
    pub breaker_threshold: u32,
    /// How long an open circuit skips the backend.
    pub breaker_cooldown: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout: Duration::from_secs(3),
            timeout: Duration::from_secs(60),
            read_timeout: Duration::from_secs(20),
            retries: 2,
            backoff: Duration::from_millis(250),
            breaker_threshold: 3,
            breaker_cooldown: Duration::from_secs(30),
        }
    }
}

/// A circuit breaker: after `threshold` consecutive failures the backend is skipped until the
/// cool-down has passed; the next failure after that opens it again at once, a success closes
/// it.
#[derive(Debug)]
pub struct Breaker {
    threshold: u32,
    cooldown: Duration,
    state: Mutex<BreakerState>,
}

#[derive(Debug, Default)]
struct BreakerState {
    failures: u32,
    open_until: Option<Instant>,
}

impl Breaker {
    /// A closed breaker.
    pub fn new(threshold: u32, cooldown: Duration) -> Breaker {
        Breaker {
            threshold: threshold.max(1),
            cooldown,
            state: Mutex::new(BreakerState::default()),
        }
    }

    /// The process-wide breaker for `key` (an endpoint and model), so that every backend built
    /// for the same endpoint shares one failure count.
    pub fn shared(key: &str, threshold: u32, cooldown: Duration) -> Arc<Breaker> {
        static ALL: OnceLock<Mutex<HashMap<String, Arc<Breaker>>>> = OnceLock::new();
        let all = ALL.get_or_init(|| Mutex::new(HashMap::new()));
        let mut all = all.lock().unwrap_or_else(|e| e.into_inner());
        all.entry(key.to_string())
            .or_insert_with(|| Arc::new(Breaker::new(threshold, cooldown)))
            .clone()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, BreakerState> {
        // A panic elsewhere cannot leave the two counters inconsistent: use them as they are.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Lets a request through, or says how long the circuit stays open.
    pub fn admit(&self) -> Result<(), LlmError> {
        let s = self.state();
        match s.open_until {
            Some(until) if Instant::now() < until => Err(LlmError::CircuitOpen {
                failures: s.failures,
                retry_in_s: (until - Instant::now()).as_secs_f64(),
            }),
            _ => Ok(()),
        }
    }

    /// Records a successful request: the circuit closes.
    pub fn success(&self) {
        let mut s = self.state();
        s.failures = 0;
        s.open_until = None;
    }

    /// Records a failed request: the circuit opens at the threshold.
    pub fn failure(&self) {
        let mut s = self.state();
        s.failures = s.failures.saturating_add(1);
        if s.failures >= self.threshold {
            s.open_until = Some(Instant::now() + self.cooldown);
        }
    }

    /// True while requests are skipped.
    pub fn is_open(&self) -> bool {
        self.admit().is_err()
    }
}

/// The wire format a server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `POST …/chat/completions`.
    OpenAi,
    /// `POST …/v1/messages`.
    Anthropic,
}

/// One server-sent event, read from the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` name, when given.
    pub event: Option<String>,
    /// The `data:` lines, joined by newlines.
    pub data: String,
}

/// What one event means to the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// More text.
    Text(String),
    /// The answer is complete.
    Done,
    /// Nothing for the answer (pings, metadata).
    Skip,
}

/// Reads server-sent events from bytes as they arrive.
#[derive(Debug, Default)]
pub struct SseReader {
    buf: Vec<u8>,
    event: Option<String>,
    data: Option<String>,
}

impl SseReader {
    /// Feeds bytes; returns the events completed by them.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        while let Some(nl) = self.buf.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.buf.drain(..=nl).collect();
            // Whole lines only, so a character split across chunks is never cut.
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\n', '\r']);
            self.line(line, &mut out);
        }
        out
    }

    /// The event left when the stream ends without a blank line.
    pub fn finish(&mut self) -> Option<SseEvent> {
        if !self.buf.is_empty() {
            let rest = std::mem::take(&mut self.buf);
            let mut out = Vec::new();
            self.line(String::from_utf8_lossy(&rest).trim_end(), &mut out);
            if let Some(e) = out.pop() {
                return Some(e);
            }
        }
        self.dispatch()
    }

    fn line(&mut self, line: &str, out: &mut Vec<SseEvent>) {
        if line.is_empty() {
            out.extend(self.dispatch());
            return;
        }
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "data" => match &mut self.data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => self.data = Some(value.to_string()),
            },
            "event" => self.event = Some(value.to_string()),
            _ => {}
        }
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = self.event.take();
        self.data.take().map(|data| SseEvent { event, data })
    }
}

/// A failed attempt, and whether another may help.
enum Failed {
    Retry(LlmError, Option<Duration>),
    Final(LlmError),
}

/// A remote chat model: OpenAI-compatible or Anthropic.
pub struct HttpLlm {
    flavor: Flavor,
    url: String,
    model: String,
    key: Option<String>,
    cfg: HttpConfig,
    client: reqwest::Client,
    breaker: Arc<Breaker>,
}

impl HttpLlm {
    /// An OpenAI-compatible server at `url` (the full chat completions URL).
    pub fn openai(
        url: &str,
        model: &str,
        key: Option<&str>,
        cfg: &HttpConfig,
    ) -> Result<HttpLlm, LlmError> {
        HttpLlm::new(Flavor::OpenAi, url, model, key, cfg)
    }

    /// Anthropic Messages at `url` (the full messages URL).
    pub fn anthropic(
        url: &str,
        model: &str,
        key: Option<&str>,
        cfg: &HttpConfig,
    ) -> Result<HttpLlm, LlmError> {
        HttpLlm::new(Flavor::Anthropic, url, model, key, cfg)
    }

    fn new(
        flavor: Flavor,
        url: &str,
        model: &str,
        key: Option<&str>,
        cfg: &HttpConfig,
    ) -> Result<HttpLlm, LlmError> {
        let client = reqwest::Client::builder()
            .connect_timeout(cfg.connect_timeout)
            .read_timeout(cfg.read_timeout)
            .timeout(cfg.timeout)
            .build()
            .map_err(|e| LlmError::Spec(format!("cannot build the HTTP client: {e}")))?;
        let breaker = Breaker::shared(
            &format!("{url} {model}"),
            cfg.breaker_threshold,
            cfg.breaker_cooldown,
        );
        Ok(HttpLlm {
            flavor,
            url: url.to_string(),
            model: model.to_string(),
            key: key.map(str::to_string),
            cfg: cfg.clone(),
            client,
            breaker,
        })
    }

    /// The circuit breaker this backend reports to.
    pub fn breaker(&self) -> &Arc<Breaker> {
        &self.breaker
    }

    async fn run(&self, req: &Request, on_text: OnText<'_>) -> Result<String, LlmError> {
        self.breaker.admit()?;
        let result = match tokio::time::timeout(self.cfg.timeout, self.attempts(req, on_text)).await
        {
            Ok(r) => r,
            Err(_) => Err(LlmError::Timeout(self.cfg.timeout.as_secs_f64())),
        };
        match &result {
            Ok(_) => self.breaker.success(),
            Err(_) => self.breaker.failure(),
        }
        result
    }

    async fn attempts(&self, req: &Request, on_text: OnText<'_>) -> Result<String, LlmError> {
        let body = match self.flavor {
            Flavor::OpenAi => openai::body(&self.model, req),
            Flavor::Anthropic => anthropic::body(&self.model, req),
        };
        let mut emitted = false;
        let mut attempt = 0u32;
        loop {
            match self.once(&body, on_text, &mut emitted).await {
                Ok(text) => return Ok(text),
                // Text already shown cannot be taken back, so a broken stream is not retried.
                Err(Failed::Retry(e, after)) if attempt < self.cfg.retries && !emitted => {
                    let backoff = self.cfg.backoff.saturating_mul(1 << attempt.min(16));
                    // A server's Retry-After is honoured only up to a few seconds: the whole
                    // answer still has to fit in the total timeout.
                    let wait = after.map_or(backoff, |a| a.clamp(backoff, Duration::from_secs(5)));
                    tracing::debug!("{}: {e}; retrying in {wait:?}", self.name());
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err(Failed::Retry(e, _)) | Err(Failed::Final(e)) => return Err(e),
            }
        }
    }

    async fn once(
        &self,
        body: &str,
        on_text: &mut (dyn FnMut(&str) + Send),
        emitted: &mut bool,
    ) -> Result<String, Failed> {
        let mut rb = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .body(body.to_string());
        rb = match (self.flavor, &self.key) {
            (Flavor::OpenAi, Some(k)) => rb.bearer_auth(k),
            (Flavor::Anthropic, Some(k)) => rb.header("x-api-key", k),
            (_, None) => rb,
        };
        if self.flavor == Flavor::Anthropic {
            rb = rb.header("anthropic-version", "2023-06-01");
        }
        let mut resp = rb.send().await.map_err(|e| self.transport(e))?;
        let status = resp.status();
        if !status.is_success() {
            let after = resp
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let body = read_some(&mut resp, 4096).await;
            let e = LlmError::Status {
                status: status.as_u16(),
                body: body.chars().take(300).collect(),
            };
            return Err(if status.as_u16() == 429 || status.is_server_error() {
                Failed::Retry(e, after)
            } else {
                Failed::Final(e)
            });
        }
        let is_json = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("application/json"));
        if is_json {
            // A server that ignores `stream: true` answers in one JSON object.
            let body = read_some(&mut resp, 4 << 20).await;
            let text = match self.flavor {
                Flavor::OpenAi => openai::whole(&body),
                Flavor::Anthropic => anthropic::whole(&body),
            }
            .map_err(Failed::Final)?;
            on_text(&text);
            *emitted = true;
            return Ok(text);
        }
        let mut sse = SseReader::default();
        let mut text = String::new();
        loop {
            let chunk = match resp.chunk().await {
                Ok(c) => c,
                Err(e) if *emitted => return Err(Failed::Final(self.transport_err(e))),
                Err(e) => return Err(self.transport(e)),
            };
            let events = match &chunk {
                Some(bytes) => sse.feed(bytes),
                None => sse.finish().into_iter().collect(),
            };
            for ev in events {
                let piece = match self.flavor {
                    Flavor::OpenAi => openai::event(&ev),
                    Flavor::Anthropic => anthropic::event(&ev),
                }
                .map_err(Failed::Final)?;
                match piece {
                    Piece::Text(t) if !t.is_empty() => {
                        on_text(&t);
                        *emitted = true;
                        text.push_str(&t);
                    }
                    Piece::Done => return Ok(text),
                    Piece::Text(_) | Piece::Skip => {}
                }
            }
            if chunk.is_none() {
                // Some servers close the stream without a final marker; what came is the answer.
                return Ok(text);
            }
        }
    }

    fn transport_err(&self, e: reqwest::Error) -> LlmError {
        if e.is_timeout() {
            LlmError::Timeout(self.cfg.timeout.as_secs_f64())
        } else {
            LlmError::Connect {
                url: self.url.clone(),
                detail: error_chain(&e),
            }
        }
    }

    fn transport(&self, e: reqwest::Error) -> Failed {
        let retry = e.is_connect() || e.is_timeout() || e.is_request() || e.is_body();
        let err = self.transport_err(e);
        if retry {
            Failed::Retry(err, None)
        } else {
            Failed::Final(err)
        }
    }
}

/// The error and its causes on one line ("error sending request: … Connection refused").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        let s_text = s.to_string();
        if !out.contains(&s_text) {
            out.push_str(": ");
            out.push_str(&s_text);
        }
        src = s.source();
    }
    out
}

/// Up to `limit` bytes of a body, as text (errors end the read).
async fn read_some(resp: &mut reqwest::Response, limit: usize) -> String {
    let mut buf = Vec::new();
    while buf.len() < limit {
        match resp.chunk().await {
            Ok(Some(c)) => buf.extend_from_slice(&c),
            _ => break,
        }
    }
    buf.truncate(limit);
    String::from_utf8_lossy(&buf).into_owned()
}

impl Llm for HttpLlm {
    fn name(&self) -> String {
        match self.flavor {
            Flavor::OpenAi => format!("openai:{}", self.model),
            Flavor::Anthropic => format!("anthropic:{}", self.model),
        }
    }

    fn generate<'a>(
        &'a self,
        req: &'a Request,
        on_text: OnText<'a>,
    ) -> BoxFuture<'a, Result<String, LlmError>> {
        Box::pin(self.run(req, on_text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_events_survive_any_chunking() {
        let wire = "event: a\ndata: {\"x\": \"é\"}\n\n: ping\n\ndata: one\r\ndata: two\r\n\r\ndata: [DONE]\n\n";
        let want = vec![
            SseEvent {
                event: Some("a".into()),
                data: "{\"x\": \"é\"}".into(),
            },
            SseEvent {
                event: None,
                data: "one\ntwo".into(),
            },
            SseEvent {
                event: None,
                data: "[DONE]".into(),
            },
        ];
        for size in [1, 2, 3, 7, wire.len()] {
            let mut r = SseReader::default();
            let mut got = Vec::new();
            for chunk in wire.as_bytes().chunks(size) {
                got.extend(r.feed(chunk));
            }
            got.extend(r.finish());
            assert_eq!(got, want, "chunks of {size}");
        }
        let mut r = SseReader::default();
        assert!(r.feed(b"data: tail").is_empty());
        assert_eq!(r.finish().map(|e| e.data), Some("tail".to_string()));
    }

    #[test]
    fn breaker_opens_at_the_threshold_and_closes_on_success() {
        let b = Breaker::new(2, Duration::from_millis(50));
        b.failure();
        assert!(b.admit().is_ok());
        b.failure();
        assert!(matches!(
            b.admit(),
            Err(LlmError::CircuitOpen { failures: 2, .. })
        ));
        std::thread::sleep(Duration::from_millis(60));
        assert!(b.admit().is_ok(), "half-open after the cool-down");
        b.failure();
        assert!(b.is_open(), "one more failure opens it again");
        std::thread::sleep(Duration::from_millis(60));
        b.success();
        b.failure();
        assert!(!b.is_open(), "a success reset the count");
    }
}
