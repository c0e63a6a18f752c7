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
    let value = match serde_json::from_str::<Query>(line) {
        Err(e) => json!({"error": format!("bad query: {e}")}),
        Ok(q) => match run(q) {
            Ok(v) => v,
            Err(e) => json!({"error": e.to_string()}),
        },
    };
    value.to_string()
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
