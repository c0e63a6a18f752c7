//! Request ids, request logs and Prometheus metrics for every request.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the Prometheus recorder once per process (several services in one test process
/// share it).
pub fn install() {
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Suffix("_seconds".to_string()),
                &[
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ],
            )
            .ok()?;
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        metrics::set_global_recorder(recorder).ok()?;
        describe();
        Some(handle)
    });
}

fn describe() {
    metrics::describe_counter!(
        "fretwise_http_requests_total",
        "HTTP requests by route, method and status"
    );
    metrics::describe_histogram!(
        "fretwise_http_request_duration_seconds",
        "HTTP request latency by route"
    );
    metrics::describe_histogram!(
        "fretwise_analysis_queue_seconds",
        "Time a take waited for an analysis slot (one per core)"
    );
    metrics::describe_counter!(
        "fretwise_answers_total",
        "Answers by backend and whether the cache served them"
    );
    metrics::describe_counter!(
        "fretwise_llm_calls_total",
        "LLM calls by backend and outcome"
    );
    metrics::describe_counter!(
        "fretwise_llm_fallbacks_total",
        "Answers that fell back to the grounded composer"
    );
    metrics::describe_counter!(
        "fretwise_fact_check_corrections_total",
        "Musical claims the fact-check corrected"
    );
    metrics::describe_counter!(
        "fretwise_audio_seconds_analysed_total",
        "Seconds of audio analysed"
    );
    metrics::describe_counter!("fretwise_feedback_total", "Feedback received, by rating");
    metrics::describe_counter!(
        "fretwise_rate_limited_total",
        "Requests refused by a rate limit"
    );
}

/// The Prometheus text of every metric.
pub fn render() -> String {
    match HANDLE.get() {
        Some(Some(h)) => h.render(),
        _ => String::new(),
    }
}

fn request_id() -> String {
    crate::auth::random_hex(8).unwrap_or_else(|_| {
        format!(
            "{:x}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        )
    })
}

/// Middleware: gives the request an id (or keeps the caller's `x-request-id`), logs it, and
/// counts it by route and status.
pub async fn track(mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_string)
        .unwrap_or_else(request_id);
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = req.method().to_string();
    if let Ok(v) = HeaderValue::from_str(&id) {
        req.headers_mut().insert("x-request-id", v);
    }
    let mut res = next.run(req).await;
    let status = res.status().as_u16();
    let secs = started.elapsed().as_secs_f64();
    metrics::counter!("fretwise_http_requests_total", "route" => route.clone(), "method" => method.clone(), "status" => status.to_string()).increment(1);
    metrics::histogram!("fretwise_http_request_duration_seconds", "route" => route.clone())
        .record(secs);
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    if status >= 500 {
        tracing::error!(request_id = %id, %method, %route, status, ms = secs * 1e3, "request failed");
    } else {
        tracing::info!(request_id = %id, %method, %route, status, ms = secs * 1e3, "request");
    }
    res
}

/// Middleware: a request that has not produced its response within `limit` gets a JSON 503
/// (a stream counts as produced once its first byte is ready).
pub async fn deadline(limit: std::time::Duration, req: Request, next: Next) -> Response {
    use axum::response::IntoResponse;
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(r) => r,
        Err(_) => {
            let mut e = crate::error::ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                format!(
                    "the request took longer than {} s; try again (or ask for a stream)",
                    limit.as_secs()
                ),
            );
            e.retry_after = Some(1);
            e.into_response()
        }
    }
}
