//! `POST /api/ai-instructor/ask`: the instructor's answer as JSON, or streamed (SSE).

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use fretwise_instructor::{AskError, AskOptions, Level};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;

/// Longest question accepted, in characters.
pub const MAX_QUESTION_CHARS: usize = 10_000;

/// A question and what the student tells us besides it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AskRequest {
    /// The question, in plain words.
    #[schema(example = "What notes are in a C major chord?")]
    pub question: String,
    /// The student's context.
    #[serde(default)]
    pub context: AskContext,
}

/// The plan's question context.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AskContext {
    /// beginner, intermediate or advanced.
    pub skill_level: Option<String>,
    /// A style to answer in (blues, jazz, rock …).
    pub style: Option<String>,
    /// An instructor id or name whose style to answer in.
    pub instructor_id: Option<String>,
    /// The student asking.
    pub student_id: Option<String>,
    /// What the student is working on (a concept id, name or the plan's snake_case).
    pub current_topic: Option<String>,
}

fn options(state: &AppState, ctx: &AskContext) -> ApiResult<AskOptions> {
    let level = match ctx.skill_level.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => Some(
            Level::parse(s).map_err(|e| ApiError::field("context.skill_level", e.to_string()))?,
        ),
        None => None,
    };
    if let Some(topic) = ctx
        .current_topic
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        state
            .ontology
            .resolve(topic)
            .map_err(|e| ApiError::field("context.current_topic", e.to_string()))?;
    }
    Ok(AskOptions {
        level,
        style: ctx.style.clone().filter(|s| !s.trim().is_empty()),
        instructor: ctx.instructor_id.clone().filter(|s| !s.trim().is_empty()),
        passages: 5,
        preferences: None,
    })
}

/// Answers a question from the lessons, with timestamped citations and exact theory.
#[utoipa::path(post, path = "/api/ai-instructor/ask", tag = "instructor", request_body = AskRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The answer (`content`, `citations`, `guitar_terms`, `facts`, `fact_check`, …); with `Accept: text/event-stream`, server-sent events `content` (one per sentence) then `answer` (the whole object)", body = Object),
        (status = 400, description = "A field is wrong", body = crate::error::ErrorBody),
        (status = 401, description = "No or unknown key", body = crate::error::ErrorBody),
        (status = 429, description = "Rate limited", body = crate::error::ErrorBody)))]
pub async fn ask(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<AskRequest>,
) -> ApiResult<Response> {
    let question = req.question.trim().to_string();
    if question.is_empty() {
        return Err(ApiError::field(
            "question",
            "question: ask something about guitar, e.g. \"How do I bend a string?\"",
        ));
    }
    if question.chars().count() > MAX_QUESTION_CHARS {
        return Err(ApiError::field(
            "question",
            format!("question: at most {MAX_QUESTION_CHARS} characters"),
        ));
    }
    let mut opts = options(&state, &req.context)?;
    // A known student's level and learning preferences shape the answer; the question joins
    // their history.
    if let Some(id) = req
        .context
        .student_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let s = fretwise_learner::load_student(&state.catalog, id).await?;
        if opts.level.is_none() {
            opts.level = Level::parse(&s.level_name).ok();
        }
        opts.preferences = Some(s.preferences.clone());
        let concepts: Vec<String> = state
            .ontology
            .mentions(&question)
            .into_iter()
            .map(|c| c.id.clone())
            .collect();
        fretwise_learner::record_question(
            &state.catalog,
            &s.id,
            &question,
            &concepts,
            fretwise_learner::now_unix(),
        )
        .await?;
    }
    let knowledge = state.knowledge()?;
    let context_key = format!(
        "{:?}|{:?}|{:?}|{}",
        opts.level.map(Level::as_str),
        opts.style.as_deref().map(str::to_lowercase),
        opts.instructor.as_deref().map(str::to_lowercase),
        opts.preferences
            .as_ref()
            .and_then(|p| serde_json::to_string(p).ok())
            .unwrap_or_default()
    );
    let stream = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/event-stream"));
    let backend = state
        .llm
        .as_ref()
        .map(|m| m.name())
        .unwrap_or_else(|| "grounded".to_string());
    let key = crate::cache::key(
        &question,
        &format!("{context_key}|{backend}"),
        &knowledge.marker,
    );
    if let Some(json) = state.cache.get(&key).await {
        return Ok(cache_hit(json, backend, stream));
    }
    let Some(model) = state.llm.clone() else {
        // One composition per question at a time: the others wait and take it from the cache.
        let _composing = state.cache.composing(&key).await;
        if let Some(json) = state.cache.get(&key).await {
            return Ok(cache_hit(json, backend, stream));
        }
        let k = knowledge.clone();
        let q = question.clone();
        let answer = tokio::task::spawn_blocking(move || k.instructor.ask(&q, &opts))
            .await
            .map_err(|e| ApiError::internal("answering", e))?;
        let json = finish(&state, &key, answer).await?;
        return Ok(if stream {
            sse(json).into_response()
        } else {
            json_response(json, false)
        });
    };
    let limits = fretwise_instructor::Generation {
        max_tokens: state.opts.llm_max_tokens.max(1),
        ..Default::default()
    };
    if !stream {
        let k = knowledge.clone();
        let q = question.clone();
        let answer = tokio::spawn(async move {
            k.instructor
                .ask_with_limits(&q, &opts, Some(model.as_ref()), &limits, None)
                .await
        })
        .await
        .map_err(|e| ApiError::internal("answering", e))?;
        let json = finish(&state, &key, answer).await?;
        return Ok(json_response(json, false));
    }
    // Streamed: each checked sentence as the model writes it, then the whole answer.
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Event>();
    let k = knowledge.clone();
    let st = state.clone();
    tokio::spawn(async move {
        let pieces = tx.clone();
        let mut sink = move |piece: &str| {
            let _ = pieces.send(Event::default().event("content").data(piece));
        };
        let answer = k
            .instructor
            .ask_with_limits(
                &question,
                &opts,
                Some(model.as_ref()),
                &limits,
                Some(&mut sink),
            )
            .await;
        match finish(&st, &key, answer).await {
            Ok(json) => {
                let _ = tx.send(Event::default().event("answer").data(&*json));
            }
            Err(e) => {
                let body = serde_json::to_string(&e.body).unwrap_or_default();
                let _ = tx.send(Event::default().event("error").data(body));
            }
        }
        let _ = tx.send(Event::default().event("done").data("[DONE]"));
    });
    let events = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|e| (Ok::<_, Infallible>(e), rx))
    });
    Ok(Sse::new(events).into_response())
}

/// Counts, caches and serialises a fresh answer (or maps its error to the field at fault).
async fn finish(
    state: &AppState,
    key: &str,
    answer: Result<fretwise_instructor::Answer, AskError>,
) -> ApiResult<Arc<str>> {
    let mut answer = match answer {
        Ok(a) => a,
        Err(AskError::Empty) => {
            return Err(ApiError::field("question", AskError::Empty.to_string()));
        }
        Err(AskError::Unknown(m)) => return Err(ApiError::field("context.instructor_id", m)),
        Err(e) => return Err(ApiError::internal("answering", e)),
    };
    // A citation without its video still opens the transcript: a failed lookup costs the link,
    // not the answer.
    if let Err(e) = fretwise_instructor::link_videos(&state.catalog, &mut answer.citations).await {
        tracing::warn!(error = %e, "looking up the cited lessons' videos");
    }
    metrics::counter!("fretwise_fact_check_corrections_total")
        .increment(answer.fact_check.corrected.len() as u64);
    if let Some(model) = &state.llm {
        let outcome = if answer.fallback.is_some() {
            "fallback"
        } else {
            "ok"
        };
        metrics::counter!("fretwise_llm_calls_total", "backend" => model.name(), "outcome" => outcome)
            .increment(1);
        if answer.fallback.is_some() {
            metrics::counter!("fretwise_llm_fallbacks_total").increment(1);
        }
    }
    metrics::counter!("fretwise_answers_total", "backend" => answer.backend.clone(), "cache" => "miss")
        .increment(1);
    let json: Arc<str> = serde_json::to_string(&answer)
        .map_err(|e| ApiError::internal("writing the answer", e))?
        .into();
    state.cache.put(key, json.clone()).await;
    Ok(json)
}

/// A cached answer, counted, as JSON or as server-sent events.
fn cache_hit(json: Arc<str>, backend: String, stream: bool) -> Response {
    metrics::counter!("fretwise_answers_total", "backend" => backend, "cache" => "hit")
        .increment(1);
    if stream {
        sse(json).into_response()
    } else {
        json_response(json, true)
    }
}

fn json_response(json: Arc<str>, cached: bool) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (
                header::HeaderName::from_static("x-fretwise-cache"),
                if cached { "hit" } else { "miss" },
            ),
        ],
        json.to_string(),
    )
        .into_response()
}

/// The answer as server-sent events: its text sentence by sentence, then the whole object.
fn sse(json: Arc<str>) -> Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>> {
    let content = serde_json::from_str::<serde_json::Value>(&json)
        .ok()
        .and_then(|v| {
            v.get("content")
                .and_then(|c| c.as_str())
                .map(str::to_string)
        })
        .unwrap_or_default();
    let mut events: Vec<Result<Event, Infallible>> = sentences(&content)
        .into_iter()
        .map(|s| Ok(Event::default().event("content").data(s)))
        .collect();
    events.push(Ok(Event::default().event("answer").data(&*json)));
    events.push(Ok(Event::default().event("done").data("[DONE]")));
    Sse::new(futures_util::stream::iter(events))
}

/// Splits text after sentence ends and line breaks, keeping the separators.
fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        cur.push(c);
        let end = c == '\n'
            || (matches!(c, '.' | '!' | '?') && chars.peek().is_none_or(|n| n.is_whitespace()));
        if end {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn sentences_split_after_ends_and_keep_everything() {
        let text = "C major is C E G.\nTry it 3.5 times! Then rest";
        let parts = super::sentences(text);
        assert_eq!(parts.concat(), text);
        assert_eq!(
            parts,
            vec!["C major is C E G.", "\n", "Try it 3.5 times!", " Then rest"]
        );
    }
}
