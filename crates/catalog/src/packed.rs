//! SQLite reads of many lessons' utterances and term occurrences as one packed string per lesson
//! instead of one row per utterance and per term: the knowledge rebuild and the index read every
//! lesson's text after an ingest, and sqlx copies each row's values, converts the row for the
//! `Any` driver and hands it across threads — most of their time, not SQLite's.
//!
//! A record is self-delimiting: numbers end at `,`, strings are `BYTES:TEXT` (any text, commas
//! and control characters included), and reals are written by SQLite's `quote()`, which gives
//! the shortest text that reads back as the same double (15 digits, else 20).

use fretwise_lexicon::{Category, MatchSource, TermOccurrence};
use fretwise_transcript::Utterance;

use crate::rows::undecodable;

/// One packed string of a lesson's utterances (no words), in `idx` order; `{list}` is the
/// placeholder list of lesson ids.
pub(crate) const UTTERANCES: &str = "SELECT lesson_id, group_concat(
        quote(start_s) || ',' || quote(end_s) || ',' ||
        CASE WHEN confidence IS NULL THEN '' ELSE quote(confidence) END || ',' ||
        length(CAST(text AS BLOB)) || ':' || text, '' ORDER BY idx) AS packed
     FROM utterances WHERE lesson_id IN ({list}) GROUP BY lesson_id";

/// One packed string of a lesson's utterance texts alone, in `idx` order.
pub(crate) const TEXTS: &str = "SELECT lesson_id, group_concat(
        length(CAST(text AS BLOB)) || ':' || text, '' ORDER BY idx) AS packed
     FROM utterances WHERE lesson_id IN ({list}) GROUP BY lesson_id";

/// One packed string of a lesson's term occurrences, in `idx` order.
pub(crate) const TERMS: &str = "SELECT lesson_id, group_concat(
        length(CAST(term AS BLOB)) || ':' || term ||
        length(CAST(category AS BLOB)) || ':' || category ||
        length(CAST(match_source AS BLOB)) || ':' || match_source ||
        utterance_idx || ',' || ifnull(first_word, '') || ',' || ifnull(last_word, '') || ',' ||
        quote(start_s) || ',' || quote(end_s) || ',' ||
        length(CAST(text AS BLOB)) || ':' || text, '' ORDER BY idx) AS packed
     FROM term_occurrences WHERE lesson_id IN ({list}) GROUP BY lesson_id";

/// Reads fields off a packed string, naming the table in errors.
struct Cursor<'a> {
    s: &'a str,
    pos: usize,
    table: &'static str,
}

impl<'a> Cursor<'a> {
    fn bad(&self, what: &str) -> sqlx::Error {
        undecodable(
            self.table,
            format!("packed text: {what} at byte {}", self.pos),
        )
    }

    /// The text up to `sep` (consumed).
    fn until(&mut self, sep: u8) -> Result<&'a str, sqlx::Error> {
        let rest = &self.s.as_bytes()[self.pos..];
        let n = rest
            .iter()
            .position(|b| *b == sep)
            .ok_or_else(|| self.bad("a field without its end"))?;
        // `sep` is ASCII, so both cuts fall on character boundaries.
        let field = &self.s[self.pos..self.pos + n];
        self.pos += n + 1;
        Ok(field)
    }

    fn f64(&mut self) -> Result<f64, sqlx::Error> {
        let field = self.until(b',')?;
        field.parse().map_err(|_| self.bad("not a number"))
    }

    fn opt_f64(&mut self) -> Result<Option<f64>, sqlx::Error> {
        let field = self.until(b',')?;
        if field.is_empty() {
            return Ok(None);
        }
        field
            .parse()
            .map(Some)
            .map_err(|_| self.bad("not a number"))
    }

    fn opt_usize(&mut self) -> Result<Option<usize>, sqlx::Error> {
        let field = self.until(b',')?;
        if field.is_empty() {
            return Ok(None);
        }
        // Negative counts never get stored; read as 0 as the row reader does.
        field
            .parse::<i64>()
            .map(|v| Some(v.max(0) as usize))
            .map_err(|_| self.bad("not an integer"))
    }

    fn string(&mut self) -> Result<&'a str, sqlx::Error> {
        let n: usize = self
            .until(b':')?
            .parse()
            .map_err(|_| self.bad("not a length"))?;
        let end = self
            .pos
            .checked_add(n)
            .ok_or_else(|| self.bad("a length"))?;
        let text = self
            .s
            .get(self.pos..end)
            .ok_or_else(|| self.bad("a length past the end"))?;
        self.pos = end;
        Ok(text)
    }

    fn done(&self) -> bool {
        self.pos >= self.s.len()
    }
}

/// Every record of a packed string, each read by `one` (struct fields are evaluated in the
/// order written, so each reader lists its fields in the packed order).
fn records<'a, T>(
    packed: &'a str,
    table: &'static str,
    mut one: impl FnMut(&mut Cursor<'a>) -> Result<T, sqlx::Error>,
) -> Result<Vec<T>, sqlx::Error> {
    let mut c = Cursor {
        s: packed,
        pos: 0,
        table,
    };
    let mut out = Vec::new();
    while !c.done() {
        out.push(one(&mut c)?);
    }
    Ok(out)
}

/// Utterances (without words) from a packed string.
pub(crate) fn utterances(packed: &str) -> Result<Vec<Utterance>, sqlx::Error> {
    records(packed, "utterances", |c| {
        Ok(Utterance {
            start: c.f64()?,
            end: c.f64()?,
            confidence: c.opt_f64()?,
            text: c.string()?.to_string(),
            words: Vec::new(),
            avg_logprob: None,
            compression_ratio: None,
            no_speech_prob: None,
        })
    })
}

/// Utterance texts from a packed string.
pub(crate) fn texts(packed: &str) -> Result<Vec<String>, sqlx::Error> {
    records(packed, "utterances", |c| Ok(c.string()?.to_string()))
}

/// Term occurrences from a packed string.
pub(crate) fn terms(packed: &str) -> Result<Vec<TermOccurrence>, sqlx::Error> {
    records(packed, "term_occurrences", |c| {
        Ok(TermOccurrence {
            term: c.string()?.to_string(),
            category: c
                .string()?
                .parse::<Category>()
                .map_err(|e| undecodable("term_occurrences.category", e))?,
            source: if c.string()? == "expression" {
                MatchSource::Expression
            } else {
                MatchSource::Lexicon
            },
            utterance: c.opt_usize()?.ok_or_else(|| c.bad("no utterance index"))?,
            first_word: c.opt_usize()?,
            last_word: c.opt_usize()?,
            start_s: c.f64()?,
            end_s: c.f64()?,
            text: c.string()?.to_string(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_utterances_read_back_any_text_and_exact_reals() {
        let packed = "0.1,0.30000000000000004,,5:a,b:c1.0e-07,2.5,0.75,6:«é»";
        let u = utterances(packed).unwrap();
        assert_eq!(u.len(), 2);
        assert_eq!(
            (u[0].start, u[0].end, u[0].confidence),
            (0.1, 0.1 + 0.2, None)
        );
        assert_eq!(u[0].text, "a,b:c");
        assert_eq!((u[1].start, u[1].confidence), (1e-7, Some(0.75)));
        assert_eq!(u[1].text, "«é»");
    }

    #[test]
    fn damaged_packed_text_is_an_error_naming_the_table() {
        for bad in ["1.0,2.0,,9:short", "1.0,x,,1:a", "1.0,2.0,,1:«", "1.0"] {
            let e = utterances(bad).unwrap_err().to_string();
            assert!(e.contains("utterances"), "{bad}: {e}");
        }
    }
}
