//! Spoken musical expressions that a fixed term list cannot hold: chord names ("E minor seven",
//! "Ab major", "the four chord"), notes ("B flat"), frets ("fifth fret"), strings ("low E
//! string") and counting in context ("one and two and three and").
//!
//! Single capital letters are only read as note names in musical context, because "A" is also
//! the English article.

use crate::lexicon::Category;
use crate::tokens::Token;

/// A recognised expression.
pub(crate) struct Expr {
    pub name: String,
    pub category: Category,
}

fn expr(name: String, category: Category) -> Expr {
    Expr { name, category }
}

const CARDINALS: [&str; 24] = [
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "twenty one",
    "twenty two",
    "twenty three",
    "twenty four",
];
const ORDINALS: [&str; 24] = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
    "twenty first",
    "twenty second",
    "twenty third",
    "twenty fourth",
];

fn cardinal(t: &str) -> Option<u32> {
    if let Ok(n) = t.parse::<u32>() {
        return Some(n);
    }
    CARDINALS.iter().position(|&c| c == t).map(|i| i as u32 + 1)
}

/// Parses an ordinal at `i` ("fifth", "5th", "twenty first"); returns (value, tokens used).
fn ordinal(tokens: &[Token<'_>], i: usize) -> Option<(u32, usize)> {
    let t = tokens.get(i)?.norm;
    if t == "twenty"
        && let Some(next) = tokens.get(i + 1)
        && let Some(p) = ORDINALS[..9].iter().position(|&o| o == next.norm)
    {
        return Some((21 + p as u32, 2));
    }
    if let Some(p) = ORDINALS.iter().position(|&o| o == t) {
        return Some((p as u32 + 1, 1));
    }
    for suffix in ["st", "nd", "rd", "th"] {
        if let Some(num) = t.strip_suffix(suffix)
            && let Ok(n) = num.parse::<u32>()
        {
            return Some((n, 1));
        }
    }
    None
}

fn is_note_letter(c: char) -> bool {
    matches!(c, 'A'..='G')
}

/// A note name at `i`: "C", "C#", "Bb", or "B flat"; capital letter required.
fn note(tokens: &[Token<'_>], i: usize) -> Option<(String, usize)> {
    let t = tokens.get(i)?;
    let mut chars = t.orig.chars();
    let letter = chars.next().filter(|&c| is_note_letter(c))?;
    let rest: String = chars.collect();
    let acc = match rest.as_str() {
        "" => None,
        "#" => Some("#"),
        "b" => Some("b"),
        _ => return None,
    };
    if let Some(acc) = acc {
        return Some((format!("{letter}{acc}"), 1));
    }
    match tokens.get(i + 1).map(|t| t.norm) {
        Some("sharp") => Some((format!("{letter}#"), 2)),
        Some("flat") => Some((format!("{letter}b"), 2)),
        Some("natural") => Some((letter.to_string(), 2)),
        _ => Some((letter.to_string(), 1)),
    }
}

/// A chord quality spoken after a root, read with the theory engine's vocabulary; returns (the
/// dictionary's symbol, tokens used).
fn quality(tokens: &[Token<'_>], i: usize) -> Option<(String, usize)> {
    let words: Vec<&str> = tokens.iter().skip(i).take(6).map(|t| t.norm).collect();
    let (chord_type, used) = fretwise_theory::chord_quality_in_words(&words)?;
    Some((chord_type.symbol().to_string(), used))
}

/// Written suffixes read as chord symbols in running text. The theory engine parses many more
/// ("o", "h", "4", "2", "M"), but in a transcript "Do", "Ah", "Eh", "A4" and "E2" are words, a
/// paper size and a pitch with its octave far more often than chords; which written forms are
/// unambiguous in prose is a property of text, so it is kept here. The symbol itself is then
/// spelled by the theory engine.
const SYMBOL_SUFFIXES: [&str; 27] = [
    "m", "maj7", "m7", "7", "9", "11", "13", "6", "5", "dim", "dim7", "aug", "sus2", "sus4",
    "add9", "m7b5", "maj9", "m9", "m6", "7sus4", "+", "mmaj7", "m11", "maj", "min", "69", "add2",
];

/// A written chord symbol in one token ("Am", "Cmaj7", "F#m7b5").
fn chord_symbol(t: &Token<'_>) -> Option<String> {
    let mut chars = t.orig.chars();
    let letter = chars.next().filter(|&c| is_note_letter(c))?;
    let rest: String = chars.collect();
    let (acc, suffix) = match rest.strip_prefix('#') {
        Some(s) => ("#", s.to_string()),
        None => match rest.strip_prefix('b') {
            Some(s) if !s.is_empty() => ("b", s.to_string()),
            _ => ("", rest.clone()),
        },
    };
    // "B7th", "Cmaj7th": spoken ordinals written onto the symbol.
    let suffix = match suffix.strip_suffix("th") {
        Some(s) if s.ends_with(|c: char| c.is_ascii_digit()) => s.to_string(),
        _ => suffix,
    };
    let lower = suffix.to_lowercase();
    if suffix.is_empty() || !SYMBOL_SUFFIXES.contains(&lower.as_str()) {
        return None;
    }
    // "Am" as a capitalised sentence start ("Am I ...") is rarer than the chord in lessons,
    // but an all-caps "AM" is an abbreviation.
    if suffix.chars().all(|c| c.is_ascii_uppercase()) {
        return None;
    }
    let chord = fretwise_theory::Chord::parse(&format!("{letter}{acc}{suffix}")).ok()?;
    Some(chord.to_string())
}

fn roman(orig: &str) -> Option<&'static str> {
    const UPPER: [&str; 7] = ["I", "II", "III", "IV", "V", "VI", "VII"];
    const LOWER: [&str; 7] = ["i", "ii", "iii", "iv", "v", "vi", "vii"];
    if let Some(p) = UPPER.iter().position(|&r| r == orig) {
        return Some(UPPER[p]);
    }
    // Lowercase "i" and "v" are too ambiguous in speech-to-text output.
    match LOWER.iter().position(|&r| r == orig) {
        Some(p) if p != 0 && p != 4 => Some(LOWER[p]),
        _ => None,
    }
}

fn is_chord_word(t: Option<&Token<'_>>) -> bool {
    t.is_some_and(|t| t.norm == "chord" || t.norm == "chords")
}

/// The longest expression starting at token `i`, with the number of tokens it spans.
pub(crate) fn match_at(tokens: &[Token<'_>], i: usize) -> Option<(Expr, usize)> {
    let t = &tokens[i];
    let word = |k: usize| tokens.get(i + k).map(|t| t.norm);

    // Strings: "low E string", "the A string", "high e".
    if matches!(t.norm, "low" | "high" | "thick" | "thin")
        && let Some(next) = tokens.get(i + 1)
        && next.norm == "e"
    {
        let side = if matches!(t.norm, "low" | "thick") {
            "low"
        } else {
            "high"
        };
        let len = if matches!(word(2), Some("string" | "strings")) {
            3
        } else {
            2
        };
        return Some((
            expr(format!("{side} E string"), Category::FretboardPositions),
            len,
        ));
    }
    if t.orig.len() == 1
        && t.orig.chars().all(is_note_letter)
        && matches!(word(1), Some("string" | "strings"))
    {
        return Some((
            expr(format!("{} string", t.orig), Category::FretboardPositions),
            2,
        ));
    }

    // Frets: "fifth fret", "5th fret", "twenty first fret", "fret five".
    if let Some((n, used)) = ordinal(tokens, i)
        && matches!(word(used), Some("fret" | "frets"))
        && n <= 24
    {
        return Some((
            expr(format!("fret {n}"), Category::FretboardPositions),
            used + 1,
        ));
    }
    if t.norm == "fret"
        && let Some(n) = word(1).and_then(cardinal)
        && (1..=24).contains(&n)
    {
        return Some((expr(format!("fret {n}"), Category::FretboardPositions), 2));
    }

    // Degree chords: "the four chord", "a IV chord", "ii chord".
    if is_chord_word(tokens.get(i + 1)) {
        if let Some(r) = roman(t.orig) {
            return Some((expr(format!("{r} chord"), Category::Chords), 2));
        }
        if let Some(n) = cardinal(t.norm)
            && (1..=6).contains(&n)
            && !t.norm.chars().all(|c| c.is_ascii_digit())
        {
            const NUMERALS: [&str; 6] = ["I", "II", "III", "IV", "V", "VI"];
            return Some((
                expr(
                    format!("{} chord", NUMERALS[n as usize - 1]),
                    Category::Chords,
                ),
                2,
            ));
        }
    }

    // Counting: at least four consecutive counts, or three joined by "and".
    if let Some(first) = cardinal(t.norm).filter(|n| (1..=12).contains(n)) {
        let mut expected = first;
        let mut numbers = 0;
        let mut ands = 0;
        let mut end = i;
        let mut k = i;
        while let Some(tok) = tokens.get(k) {
            if tok.norm == "and" || tok.norm == "&" {
                ands += 1;
                k += 1;
                continue;
            }
            match cardinal(tok.norm) {
                Some(n) if n == expected => {
                    numbers += 1;
                    expected += 1;
                    k += 1;
                    end = k;
                }
                _ => break,
            }
        }
        if numbers >= 4 || (numbers >= 3 && ands >= 2) {
            return Some((expr("counting".into(), Category::RhythmCounting), end - i));
        }
    }

    // Chords written as symbols: "Am", "Cmaj7".
    if let Some(symbol) = chord_symbol(t) {
        let len = if is_chord_word(tokens.get(i + 1)) {
            2
        } else {
            1
        };
        return Some((expr(symbol, Category::Chords), len));
    }

    // Spoken chords and notes: "E minor seven", "Ab major", "G chord", "B flat".
    let (root, used) = note(tokens, i)?;
    if let Some((suffix, q)) = quality(tokens, i + used) {
        let mut len = used + q;
        if is_chord_word(tokens.get(i + len)) {
            len += 1;
        }
        // "E minor pentatonic" and "A major scale" are scales, left to the lexicon.
        if matches!(
            tokens.get(i + len).map(|t| t.norm),
            Some("pentatonic" | "scale" | "scales" | "blues" | "arpeggio" | "key" | "mode")
        ) {
            return None;
        }
        // "the A fifth fret", "on the G sixth string": a note, then a position, not a chord
        // (only a one-word quality, an ordinal such as "fifth", can also name a position).
        if matches!(
            tokens.get(i + used + q).map(|t| t.norm),
            Some("fret" | "frets" | "string" | "strings")
        ) && q == 1
        {
            return None;
        }
        return Some((expr(format!("{root}{suffix}"), Category::Chords), len));
    }
    if is_chord_word(tokens.get(i + used)) {
        return Some((expr(root, Category::Chords), used + 1));
    }
    if used == 2 || root.len() == 2 {
        return Some((expr(root, Category::Notes), used));
    }
    if matches!(word(1), Some("note" | "notes")) {
        return Some((expr(root, Category::Notes), 2));
    }
    None
}
