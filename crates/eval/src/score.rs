//! Reading answers: musical claims with the fact-check's own extraction, chord shapes and tab
//! notes with the theory engine, and citations against the catalog's words.

use std::collections::{BTreeSet, HashMap};

use fretwise_catalog::Catalog;
use fretwise_instructor::Citation;
use fretwise_instructor::factcheck::Claim;
use fretwise_theory::{Chord, Note, Tuning};

/// Whether `claims` answer a claim item: one right claim about the subject, none wrong.
pub fn claim_answered(
    claims: &[Claim],
    subject: &str,
    suffix: bool,
    claimed: Option<&str>,
) -> bool {
    let about = |c: &&Claim| {
        let subject_ok = if suffix {
            c.subject.ends_with(subject)
        } else {
            c.subject == subject
        };
        subject_ok
            && claimed.is_none_or(|want| {
                // "V7" and "v" name the same degree as "V".
                let got = c.claimed.trim_end_matches('7').trim_end_matches(['°', 'o']);
                got.eq_ignore_ascii_case(want)
            })
    };
    let mut right = false;
    for c in claims.iter().filter(about) {
        if !c.correct {
            return false;
        }
        right = true;
    }
    right
}

/// Chord shapes written in a text, lowest string first: `x32010` or `x-10-12-11-12-x`.
pub fn shapes(text: &str) -> Vec<Vec<Option<u32>>> {
    let mut out = Vec::new();
    for raw in text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | ':')) {
        let w = raw.trim_matches(|c: char| matches!(c, '.' | '`' | '*' | '"' | '\''));
        let parts: Vec<&str> = if w.contains('-') {
            w.split('-').collect()
        } else if w.chars().count() == 6 {
            w.char_indices()
                .map(|(i, c)| &w[i..i + c.len_utf8()])
                .collect()
        } else {
            continue;
        };
        if parts.len() != 6 {
            continue;
        }
        let frets: Option<Vec<Option<u32>>> = parts
            .iter()
            .map(|p| match p.to_ascii_lowercase().as_str() {
                "x" => Some(None),
                n => n.parse::<u32>().ok().filter(|f| *f <= 24).map(Some),
            })
            .collect();
        // At least three sounding strings, or it is not a chord shape (a date, a phone number).
        if let Some(f) = frets
            && f.iter().flatten().count() >= 3
        {
            out.push(f);
        }
    }
    out
}

const BASS_NOT_ROOT: &str = "the lowest note is not the root";

/// Why a shape does not play `chord` (None when it does): its notes must be the chord's (the
/// fifth may be left out of chords of four or more notes), the bass its root (or slash bass),
/// within a four-fret window, and at most four fingers (one barre across the lowest fret).
pub fn voicing_fault(chord: &Chord, frets: &[Option<u32>]) -> Option<String> {
    let tuning = Tuning::standard();
    let mut sounding = Vec::new();
    for (i, f) in frets.iter().enumerate() {
        if let Some(f) = f {
            // Shapes are written lowest string first; the tuning counts string 1 as high E.
            match tuning.note_at(6 - i, *f, true) {
                Ok(n) => sounding.push(n),
                Err(e) => return Some(e.to_string()),
            }
        }
    }
    let want: BTreeSet<i32> = chord
        .notes()
        .iter()
        .map(|p| p.semitone().rem_euclid(12))
        .collect();
    let got: BTreeSet<i32> = sounding
        .iter()
        .map(|n| n.pc.semitone().rem_euclid(12))
        .collect();
    if let Some(extra) = got.difference(&want).next() {
        return Some(format!(
            "sounds a note outside the chord (pitch class {extra})"
        ));
    }
    let root = chord.root.semitone().rem_euclid(12);
    let fifth = (root + 7) % 12;
    let missing: Vec<&i32> = want
        .difference(&got)
        .filter(|m| !(want.len() >= 4 && **m == fifth))
        .collect();
    if !missing.is_empty() {
        return Some(format!("leaves out chord tones {missing:?}"));
    }
    let bass = chord.bass.unwrap_or(chord.root).semitone().rem_euclid(12);
    if sounding
        .first()
        .is_none_or(|n| n.pc.semitone().rem_euclid(12) != bass)
    {
        return Some(BASS_NOT_ROOT.into());
    }
    let fretted: Vec<u32> = frets.iter().flatten().copied().filter(|f| *f > 0).collect();
    if let (Some(lo), Some(hi)) = (fretted.iter().min(), fretted.iter().max()) {
        if hi - lo > 3 {
            return Some(format!("spans frets {lo}–{hi}"));
        }
        let at_lowest = fretted.iter().filter(|f| *f == lo).count();
        let fingers = fretted.len() - at_lowest.saturating_sub(1);
        if fingers > 4 {
            return Some(format!("needs {fingers} fingers"));
        }
    }
    None
}

/// Whether `text` gives a playable shape for `chord` and no unplayable one: the first shape
/// (the one recommended) in root position; further shapes may be inversions.
pub fn voicing_answered(chord: &str, text: &str) -> bool {
    let Ok(chord) = Chord::parse(chord) else {
        return false;
    };
    let found = shapes(text);
    found
        .iter()
        .enumerate()
        .all(|(i, f)| match voicing_fault(&chord, f) {
            None => true,
            Some(why) => i > 0 && why == BASS_NOT_ROOT,
        })
        && !found.is_empty()
}

/// Notes with octaves written in a text, in order ("E4", "G#3", "Bb2"), as MIDI numbers.
pub fn notes_in(text: &str) -> Vec<i32> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
        .filter(|w| w.chars().last().is_some_and(|c| c.is_ascii_digit()))
        .filter(|w| w.chars().next().is_some_and(|c| ('A'..='G').contains(&c)))
        .filter_map(|w| w.parse::<Note>().ok())
        .filter_map(|n| n.midi())
        .collect()
}

/// Whether `text` names the tab's notes in order (with octaves).
pub fn tab_answered(want: &[String], text: &str) -> bool {
    let want: Vec<i32> = want
        .iter()
        .filter_map(|n| n.parse::<Note>().ok().and_then(|n| n.midi()))
        .collect();
    let got = notes_in(text);
    !want.is_empty() && got.windows(want.len()).any(|w| w == want.as_slice())
}

/// One utterance: start, end (s) and its lowercase words.
type Said = (f64, f64, Vec<String>);

/// Checks citations against the catalog: the lesson exists and its words around the cited
/// span contain the quote.
pub struct Quotes<'a> {
    catalog: &'a Catalog,
    /// Lesson id → (start, end, lowercase words) per utterance; None when not in the catalog.
    cache: HashMap<String, Option<Vec<Said>>>,
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

impl<'a> Quotes<'a> {
    /// A checker over `catalog`.
    pub fn new(catalog: &'a Catalog) -> Quotes<'a> {
        Quotes {
            catalog,
            cache: HashMap::new(),
        }
    }

    /// Whether the citation's quote is what its lesson says within its span (±2 s).
    pub async fn real(&mut self, c: &Citation) -> bool {
        if !self.cache.contains_key(&c.lesson_id) {
            let got = self
                .catalog
                .lesson_timed_texts(std::slice::from_ref(&c.lesson_id), false)
                .await
                .ok()
                .and_then(|mut v| v.pop())
                .filter(|l| l.id == c.lesson_id && !l.utterances.is_empty())
                .map(|l| {
                    l.utterances
                        .iter()
                        .map(|u| (u.start, u.end, words(&u.text)))
                        .collect()
                });
            self.cache.insert(c.lesson_id.clone(), got);
        }
        let Some(Some(utts)) = self.cache.get(&c.lesson_id) else {
            return false;
        };
        let said: Vec<&String> = utts
            .iter()
            .filter(|(s, e, _)| *s < c.end_s + 2.0 && c.start_s - 2.0 < *e)
            .flat_map(|(_, _, w)| w)
            .collect();
        let quote = words(&c.quote);
        !quote.is_empty()
            && said.len() >= quote.len()
            && said
                .windows(quote.len())
                .any(|w| w.iter().zip(&quote).all(|(a, b)| *a == b))
    }
}

/// Whether a text carries a timestamp ("2:15", "1:02:33"): an answer without passages that
/// gives one has made it up.
pub fn has_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    (1..b.len().saturating_sub(2)).any(|i| {
        b[i] == b':'
            && b[i - 1].is_ascii_digit()
            && b[i + 1].is_ascii_digit()
            && b[i + 2].is_ascii_digit()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(subject: &str, claimed: &str, correct: bool) -> Claim {
        Claim {
            subject: subject.into(),
            claimed: claimed.into(),
            correct,
        }
    }

    #[test]
    fn a_claim_item_needs_one_right_claim_and_no_wrong_one() {
        let right = claim("Cmaj7", "C E G B", true);
        let wrong = claim("Cmaj7", "C E G Bb", false);
        assert!(claim_answered(
            std::slice::from_ref(&right),
            "Cmaj7",
            false,
            None
        ));
        assert!(!claim_answered(
            &[right, wrong.clone()],
            "Cmaj7",
            false,
            None
        ));
        assert!(!claim_answered(&[wrong], "Cmaj7", false, None));
        assert!(!claim_answered(&[], "Cmaj7", false, None));
        // Degrees: the subject names the chord first, the claim says the numeral.
        let v = claim("A in D major", "V", true);
        assert!(claim_answered(
            std::slice::from_ref(&v),
            " in D major",
            true,
            Some("V")
        ));
        assert!(!claim_answered(&[v], " in D major", true, Some("IV")));
    }

    #[test]
    fn shapes_are_read_and_judged_by_the_engine() {
        assert_eq!(
            shapes("Play x32010 (open)."),
            vec![vec![None, Some(3), Some(2), Some(0), Some(1), Some(0)]]
        );
        assert_eq!(shapes("x-10-12-11-12-x").len(), 1);
        assert!(shapes("call 555-1234 on 2024-01-02").is_empty());
        let c = Chord::parse("C").unwrap();
        assert!(voicing_answered("C", "x32010"));
        // E minor's shape is not C; a five-fret stretch is not playable.
        assert!(voicing_fault(&c, &shapes("022000")[0]).is_some());
        assert!(voicing_fault(&Chord::parse("G").unwrap(), &shapes("3x0007")[0]).is_some());
        // A barre counts as one finger: F is x 1 3 3 2 1 1 with the barre.
        assert!(voicing_answered("F", "133211"));
        assert!(!voicing_answered("C", "no shape here"));
    }

    #[test]
    fn tab_notes_are_read_in_order() {
        let want = vec!["E4".to_string(), "G4".to_string(), "A4".to_string()];
        assert!(tab_answered(&want, "It plays E4, G4 and A4."));
        assert!(tab_answered(&want, "Notes: E4 – G4 – A4 (frets 0, 3, 5)."));
        assert!(!tab_answered(&want, "It plays E4, A4 and G4."));
        assert!(!tab_answered(&want, "It plays E, G and A."));
    }

    #[test]
    fn timestamps_are_found() {
        assert!(has_timestamp("at 2:15 he says"));
        assert!(has_timestamp("(1:02:33)"));
        assert!(!has_timestamp("a 3:2 ratio, 12 frets"));
    }
}
