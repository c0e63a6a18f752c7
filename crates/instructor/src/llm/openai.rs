//! The OpenAI chat completions wire format (vLLM, llama.cpp's server, Ollama, OpenAI):
//! `POST …/chat/completions` with `stream: true`, answered by `data:` events ending in `[DONE]`.

use serde_json::{Value, json};

use super::http::{Piece, SseEvent};
use super::{LlmError, Request};

/// The request body.
pub fn body(model: &str, req: &Request) -> String {
    let mut messages = vec![json!({"role": "system", "content": req.system})];
    messages.extend(
        req.messages
            .iter()
            .map(|m| json!({"role": m.role.as_str(), "content": m.content})),
    );
    let mut body = json!({
        "model": model,
        "messages": messages,
        "stream": true,
        "max_tokens": req.max_tokens,
        "temperature": req.temperature,
    });
    if req.temperature > 0.0 {
        body["seed"] = json!(req.seed);
    }
    body.to_string()
}

/// What one streamed event adds.
pub fn event(ev: &SseEvent) -> Result<Piece, LlmError> {
    let data = ev.data.trim();
    if data == "[DONE]" {
        return Ok(Piece::Done);
    }
    if data.is_empty() {
        return Ok(Piece::Skip);
    }
    let v: Value = serde_json::from_str(data).map_err(|e| {
        LlmError::Protocol(format!(
            "a streamed event is not JSON ({e}): {}",
            data.chars().take(120).collect::<String>()
        ))
    })?;
    if let Some(err) = v.get("error") {
        return Err(LlmError::Protocol(error_text(err)));
    }
    let delta = &v["choices"][0]["delta"]["content"];
    Ok(match delta.as_str() {
        Some(t) => Piece::Text(t.to_string()),
        None => Piece::Skip,
    })
}

/// The text of a non-streamed answer.
pub fn whole(body: &str) -> Result<String, LlmError> {
    let v: Value = serde_json::from_str(body)
        .map_err(|e| LlmError::Protocol(format!("the answer is not JSON: {e}")))?;
    if let Some(err) = v.get("error") {
        return Err(LlmError::Protocol(error_text(err)));
    }
    v["choices"][0]["message"]["content"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| LlmError::Protocol("the answer has no choices[0].message.content".into()))
}

fn error_text(err: &Value) -> String {
    err.get("message")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| err.to_string())
        .chars()
        .take(300)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::Request;

    fn ev(data: &str) -> SseEvent {
        SseEvent {
            event: None,
            data: data.to_string(),
        }
    }

    #[test]
    fn reads_deltas_done_and_errors() {
        assert_eq!(
            event(&ev(r#"{"choices":[{"index":0,"delta":{"content":"Hi"}}]}"#)).unwrap(),
            Piece::Text("Hi".into())
        );
        assert_eq!(
            event(&ev(r#"{"choices":[{"delta":{"role":"assistant"}}]}"#)).unwrap(),
            Piece::Skip
        );
        assert_eq!(event(&ev("[DONE]")).unwrap(), Piece::Done);
        assert!(event(&ev(r#"{"error":{"message":"overloaded"}}"#)).is_err());
        assert!(event(&ev("not json")).is_err());
        assert_eq!(
            whole(r#"{"choices":[{"message":{"role":"assistant","content":"All."}}]}"#).unwrap(),
            "All."
        );
    }

    #[test]
    fn body_carries_the_system_prompt_and_streams() {
        let v: Value = serde_json::from_str(&body("m", &Request::new("sys", "q", 9))).unwrap();
        assert_eq!(v["messages"][0]["role"], "system");
        assert_eq!(v["messages"][1]["content"], "q");
        assert_eq!(v["stream"], true);
        assert_eq!(v["max_tokens"], 9);
        assert!(v.get("seed").is_none());
    }
}
