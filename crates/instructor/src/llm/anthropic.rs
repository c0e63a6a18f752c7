//! The Anthropic Messages wire format: `POST …/v1/messages` with `x-api-key` and
//! `anthropic-version: 2023-06-01`, streamed as `content_block_delta` events.

use serde_json::{Value, json};

use super::http::{Piece, SseEvent};
use super::{LlmError, Request};

/// The request body.
pub fn body(model: &str, req: &Request) -> String {
    let messages: Vec<Value> = req
        .messages
        .iter()
        .map(|m| json!({"role": m.role.as_str(), "content": m.content}))
        .collect();
    json!({
        "model": model,
        "system": req.system,
        "messages": messages,
        "max_tokens": req.max_tokens,
        "temperature": req.temperature,
        "stream": true,
    })
    .to_string()
}

/// What one streamed event adds.
pub fn event(ev: &SseEvent) -> Result<Piece, LlmError> {
    let data = ev.data.trim();
    if data.is_empty() {
        return Ok(Piece::Skip);
    }
    let v: Value = serde_json::from_str(data).map_err(|e| {
        LlmError::Protocol(format!(
            "a streamed event is not JSON ({e}): {}",
            data.chars().take(120).collect::<String>()
        ))
    })?;
    // The `type` field names the event even when a proxy drops the `event:` lines.
    let kind = v["type"].as_str().or(ev.event.as_deref()).unwrap_or("");
    Ok(match kind {
        "content_block_delta" => match (v["delta"]["type"].as_str(), v["delta"]["text"].as_str()) {
            (Some("text_delta"), Some(t)) => Piece::Text(t.to_string()),
            _ => Piece::Skip,
        },
        "message_stop" => Piece::Done,
        "error" => {
            return Err(LlmError::Protocol(
                v["error"]["message"]
                    .as_str()
                    .unwrap_or("the server sent an error event")
                    .chars()
                    .take(300)
                    .collect(),
            ));
        }
        _ => Piece::Skip,
    })
}

/// The text of a non-streamed answer.
pub fn whole(body: &str) -> Result<String, LlmError> {
    let v: Value = serde_json::from_str(body)
        .map_err(|e| LlmError::Protocol(format!("the answer is not JSON: {e}")))?;
    if v["type"] == "error" {
        return Err(LlmError::Protocol(
            v["error"]["message"]
                .as_str()
                .unwrap_or("error")
                .to_string(),
        ));
    }
    let blocks = v["content"]
        .as_array()
        .ok_or_else(|| LlmError::Protocol("the answer has no content blocks".into()))?;
    Ok(blocks
        .iter()
        .filter(|b| b["type"] == "text")
        .filter_map(|b| b["text"].as_str())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(event: &str, data: &str) -> SseEvent {
        SseEvent {
            event: Some(event.to_string()),
            data: data.to_string(),
        }
    }

    #[test]
    fn reads_text_deltas_stop_and_errors() {
        assert_eq!(
            event(&ev(
                "content_block_delta",
                r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}"#
            ))
            .unwrap(),
            Piece::Text("Hi".into())
        );
        assert_eq!(
            event(&ev("ping", r#"{"type": "ping"}"#)).unwrap(),
            Piece::Skip
        );
        assert_eq!(
            event(&ev("message_stop", r#"{"type":"message_stop"}"#)).unwrap(),
            Piece::Done
        );
        assert!(
            event(&ev(
                "error",
                r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#
            ))
            .is_err()
        );
        assert_eq!(
            whole(r#"{"content":[{"type":"text","text":"A"},{"type":"text","text":"B"}]}"#)
                .unwrap(),
            "AB"
        );
    }

    #[test]
    fn body_puts_the_system_prompt_at_the_top() {
        let v: Value =
            serde_json::from_str(&body("claude-x", &Request::new("sys", "q", 5))).unwrap();
        assert_eq!(v["system"], "sys");
        assert_eq!(v["messages"][0]["role"], "user");
        assert_eq!(v["model"], "claude-x");
        assert_eq!(v["stream"], true);
    }
}
