//! The line protocol other tools drive: one JSON query per line in, one JSON answer per line
//! out, in order. Anything that cannot be answered gets `{"error": "..."}` on its line.

use std::io::{BufRead, Write};

use serde::Deserialize;
use serde_json::{Value, json};

use crate::chord::{Chord, identify};
use crate::interval::Interval;
use crate::key::Key;
use crate::note::{Note, PitchClass};
use crate::scale::Scale;

#[derive(Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum Query {
    Chord { symbol: String },
    Scale { tonic: String, name: String },
    Interval { from: String, to: String },
    Transpose { note: String, interval: String },
    KeyChords { key: String },
    Identify { notes: Vec<String> },
}

fn strings<T: ToString>(xs: &[T]) -> Vec<String> {
    xs.iter().map(ToString::to_string).collect()
}

/// Answers one query line.
///
/// ```
/// let a = fretwise_theory::answer(r#"{"op":"chord","symbol":"C#m7"}"#);
/// assert_eq!(a, r#"{"notes":["C#","E","G#","B"]}"#);
/// ```
pub fn answer(line: &str) -> String {
    let value = match parse(line) {
        Err(message) => json!({ "error": message }),
        Ok(q) => match run(q) {
            Ok(v) => v,
            Err(e) => json!({"error": e.to_string()}),
        },
    };
    value.to_string()
}

const OPS: &str = "chord, scale, interval, transpose, key_chords, identify";

/// serde's message without its "at line 1 column 9" suffix.
fn without_position(message: &str) -> &str {
    message.find(" at line ").map_or(message, |i| &message[..i])
}

/// Reads a query line, saying in the protocol's own terms what is wrong with it.
fn parse(line: &str) -> Result<Query, String> {
    let value: Value = serde_json::from_str(line).map_err(|e| {
        format!(
            "the line is not JSON ({}); send one object per line, e.g. {{\"op\":\"chord\",\"symbol\":\"C7\"}}",
            without_position(&e.to_string())
        )
    })?;
    let Some(object) = value.as_object() else {
        return Err(
            "each line is one JSON object, e.g. {\"op\":\"chord\",\"symbol\":\"C7\"}".to_string(),
        );
    };
    let op = match object.get("op") {
        Some(Value::String(op)) => op.clone(),
        Some(_) => return Err(format!("\"op\" must be a string: one of {OPS}")),
        None => return Err(format!("missing \"op\": one of {OPS}")),
    };
    serde_json::from_value::<Query>(value.clone()).map_err(|e| {
        let message = e.to_string();
        if message.starts_with("unknown variant") {
            let shown: String = op.chars().take(40).collect();
            format!("unknown op `{shown}`: use one of {OPS}")
        } else {
            format!("{op}: {}", without_position(&message))
        }
    })
}

fn run(q: Query) -> Result<Value, crate::TheoryError> {
    Ok(match q {
        Query::Chord { symbol } => {
            let c = Chord::parse(&symbol)?;
            match c.bass {
                Some(b) => json!({"notes": c.note_names(), "bass": b.to_string()}),
                None => json!({"notes": c.note_names()}),
            }
        }
        Query::Scale { tonic, name } => {
            let tonic: PitchClass = tonic.parse()?;
            json!({"notes": Scale::new(tonic, &name)?.note_names()})
        }
        Query::Interval { from, to } => {
            let (a, b): (Note, Note) = (from.parse()?, to.parse()?);
            let i = Interval::between(&a, &b);
            json!({"interval": i.to_string(), "semitones": i.semitones()})
        }
        Query::Transpose { note, interval } => {
            let n: Note = note.parse()?;
            let i: Interval = interval.parse()?;
            json!({"note": n.transpose(&i).to_string()})
        }
        Query::KeyChords { key } => {
            let k = Key::parse(&key)?;
            json!({"triads": strings(&k.triads()), "sevenths": strings(&k.sevenths())})
        }
        Query::Identify { notes } => {
            let pcs = notes
                .iter()
                .map(|n| n.parse::<Note>().map(|n| n.pc))
                .collect::<Result<Vec<_>, _>>()?;
            let found: Vec<String> = identify(&pcs).into_iter().map(|c| c.symbol).collect();
            json!({"chords": found})
        }
    })
}

/// Reads queries from `input` until EOF, writing one answer per line to `output`.
pub fn run_batch(input: impl BufRead, mut output: impl Write) -> std::io::Result<u64> {
    let mut n = 0;
    for line in input.lines() {
        let line = match line {
            Ok(l) => l,
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                writeln!(output, "{}", json!({"error": "line is not valid UTF-8"}))?;
                n += 1;
                continue;
            }
            Err(e) => return Err(e),
        };
        if line.trim().is_empty() {
            writeln!(output, "{}", json!({"error": "empty line"}))?;
        } else {
            writeln!(output, "{}", answer(&line))?;
        }
        n += 1;
    }
    output.flush()?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::answer;

    fn error(line: &str) -> String {
        let v: serde_json::Value = serde_json::from_str(&answer(line)).unwrap();
        v["error"].as_str().unwrap().to_string()
    }

    #[test]
    fn bad_lines_are_explained_in_the_protocols_terms() {
        assert!(error("not json").starts_with("the line is not JSON"));
        assert!(error("[1,2]").starts_with("each line is one JSON object"));
        assert_eq!(
            error(r#"{"foo":1}"#),
            "missing \"op\": one of chord, scale, interval, transpose, key_chords, identify"
        );
        assert!(error(r#"{"op":"chrd"}"#).starts_with("unknown op `chrd`: use one of chord"));
        assert_eq!(error(r#"{"op":"chord"}"#), "chord: missing field `symbol`");
        assert_eq!(
            error(r#"{"op":"chord","symbol":5}"#),
            "chord: invalid type: integer `5`, expected a string"
        );
        // No serde or Rust vocabulary leaks into any message.
        for line in [
            "[1]",
            r#"{"op":1}"#,
            r#"{"op":"x"}"#,
            "{",
            r#"{"op":"scale"}"#,
        ] {
            let e = error(line);
            for leak in [
                "variant",
                "internally tagged",
                "enum",
                "Query",
                "line 1 column",
            ] {
                assert!(!e.contains(leak), "{line}: {e}");
            }
        }
    }

    #[test]
    fn errors_never_echo_a_whole_pasted_input() {
        let long = "C".repeat(100_000);
        let e = error(&format!(r#"{{"op":"chord","symbol":"{long}"}}"#));
        assert!(e.len() < 120, "{} bytes", e.len());
        assert!(e.contains('…'));
    }
}
