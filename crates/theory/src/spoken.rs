//! Musical names as people type and say them: "B flat", "F♯", "the half-diminished chord",
//! "minor seven flat five", "D dorian", "the key of E minor". The vocabulary (which words name
//! which chord quality, scale or interval) lives here with the rest of the theory, so that no
//! other crate keeps its own copy.

use crate::chord::Chord;
use crate::dictionary::{ChordType, DICTIONARY};
use crate::interval::{Interval, Quality};
use crate::key::Key;
use crate::note::{PitchClass, parse_pitch_class_prefix};
use crate::scale::Scale;

/// Rewrites typographic and spoken accidentals to symbols: `♭` → `b`, `♯` → `#`, "B flat" → "Bb",
/// "F sharp" → "F#", "E-flat" → "Eb". Lowercase letters count as notes only where the next words
/// make them one ("a flat major", "e flat"), so "a sharp pick" stays as it is.
///
/// ```
/// assert_eq!(fretwise_theory::normalize_accidentals("B flat 7 and F sharp minor"), "Bb 7 and F# minor");
/// ```
pub fn normalize_accidentals(text: &str) -> String {
    let text = text.replace('♭', "b").replace('♯', "#").replace('𝄪', "x");
    let words: Vec<&str> = text.split(' ').collect();
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        // "E-flat" is one word.
        let (letter_part, hyphen_acc) = match w.split_once('-') {
            Some((l, a)) if l.len() == 1 && is_accidental_word(a) => (l, Some(a)),
            _ => (w, None),
        };
        let letter = single_letter(letter_part);
        if let (Some((c, upper)), Some(acc)) = (letter, hyphen_acc)
            && (upper || c != 'a')
        {
            out.push(format!(
                "{}{}",
                c.to_ascii_uppercase(),
                accidental_symbol(acc)
            ));
            i += 1;
            continue;
        }
        if let (Some((c, upper)), Some(next)) = (letter, words.get(i + 1)) {
            let (next_word, trail) = split_trailing_punct(next);
            if is_accidental_word(next_word) {
                let after = words.get(i + 2).map(|s| s.to_lowercase());
                // A lowercase "a" is an article unless a musical word follows ("a flat major").
                let musical_after = after.as_deref().is_some_and(|a| {
                    let a = a.trim_matches(|c: char| !c.is_alphanumeric());
                    matches!(
                        a,
                        "major"
                            | "minor"
                            | "chord"
                            | "scale"
                            | "key"
                            | "note"
                            | "7"
                            | "seven"
                            | "seventh"
                            | "maj7"
                            | "m7"
                            | "dim"
                            | "diminished"
                            | "augmented"
                            | "pentatonic"
                            | "blues"
                            | "dorian"
                            | "mixolydian"
                            | "lydian"
                            | "phrygian"
                            | "locrian"
                            | "and"
                            | "or"
                            | "to"
                    )
                }) || !trail.is_empty();
                if upper || c != 'a' || musical_after {
                    out.push(format!(
                        "{}{}{}",
                        c.to_ascii_uppercase(),
                        accidental_symbol(next_word),
                        trail
                    ));
                    i += 2;
                    continue;
                }
            }
        }
        out.push(w.to_string());
        i += 1;
    }
    out.join(" ")
}

fn single_letter(w: &str) -> Option<(char, bool)> {
    let mut chars = w.chars();
    let c = chars.next()?;
    if chars.next().is_some() || !matches!(c.to_ascii_lowercase(), 'a'..='g') {
        return None;
    }
    Some((c.to_ascii_lowercase(), c.is_ascii_uppercase()))
}

fn is_accidental_word(w: &str) -> bool {
    matches!(
        w.to_lowercase().as_str(),
        "flat" | "sharp" | "double-flat" | "double-sharp"
    )
}

fn accidental_symbol(w: &str) -> &'static str {
    match w.to_lowercase().as_str() {
        "flat" => "b",
        "sharp" => "#",
        "double-flat" => "bb",
        "double-sharp" => "x",
        _ => "",
    }
}

fn split_trailing_punct(w: &str) -> (&str, &str) {
    let end = w
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_alphanumeric())
        .map(|(i, c)| i + c.len_utf8())
        .unwrap_or(0);
    (&w[..end], &w[end..])
}

/// Lowercases a word and strips the punctuation around it; "7th" reads as "seventh".
fn clean(w: &str) -> String {
    let w = w
        .trim_matches(|c: char| !c.is_alphanumeric() && c != '#')
        .to_lowercase();
    match w.as_str() {
        "6th" => "sixth".to_string(),
        "7th" => "seventh".to_string(),
        "9th" => "ninth".to_string(),
        "11th" => "eleventh".to_string(),
        "13th" => "thirteenth".to_string(),
        _ => w,
    }
}

/// Spoken chord qualities that the dictionary names differently (or not at all), longest first
/// when matched. Values are dictionary symbols.
const QUALITY_PHRASES: &[(&str, &str)] = &[
    ("minor seven flat five", "m7b5"),
    ("minor seventh flat five", "m7b5"),
    ("minor 7 flat 5", "m7b5"),
    ("minor 7 flat five", "m7b5"),
    ("m7 flat 5", "m7b5"),
    ("half diminished seventh", "m7b5"),
    ("half diminished 7", "m7b5"),
    ("half diminished", "m7b5"),
    ("diminished seventh", "dim7"),
    ("diminished seven", "dim7"),
    ("diminished 7", "dim7"),
    ("fully diminished", "dim7"),
    ("minor major seventh", "mMaj7"),
    ("minor major seven", "mMaj7"),
    ("minor major 7", "mMaj7"),
    ("dominant seventh", "7"),
    ("dominant seven", "7"),
    ("dominant 7", "7"),
    ("dominant ninth", "9"),
    ("dominant nine", "9"),
    ("dominant 9", "9"),
    ("dominant thirteenth", "13"),
    ("dominant 13", "13"),
    ("major seventh", "maj7"),
    ("major seven", "maj7"),
    ("major 7", "maj7"),
    ("major 7th", "maj7"),
    ("maj 7", "maj7"),
    ("major ninth", "maj9"),
    ("major nine", "maj9"),
    ("major 9", "maj9"),
    ("major sixth", "6"),
    ("major six", "6"),
    ("major 6", "6"),
    ("minor seventh", "m7"),
    ("minor seven", "m7"),
    ("minor 7", "m7"),
    ("minor 7th", "m7"),
    ("min 7", "m7"),
    ("minor ninth", "m9"),
    ("minor nine", "m9"),
    ("minor 9", "m9"),
    ("minor sixth", "m6"),
    ("minor six", "m6"),
    ("minor 6", "m6"),
    ("minor eleventh", "m11"),
    ("minor 11", "m11"),
    ("suspended fourth", "sus4"),
    ("suspended second", "sus2"),
    ("suspended 4", "sus4"),
    ("suspended 2", "sus2"),
    ("sus four", "sus4"),
    ("sus two", "sus2"),
    ("sus 4", "sus4"),
    ("sus 2", "sus2"),
    ("add nine", "add9"),
    ("add 9", "add9"),
    ("add two", "add9"),
    ("add 2", "add9"),
    ("seven sus four", "7sus4"),
    ("seven sus", "7sus4"),
    ("7 sus 4", "7sus4"),
    ("7 sus", "7sus4"),
    ("suspended", "sus4"),
    ("minor thirteenth", "m13"),
    ("minor thirteen", "m13"),
    ("minor 13", "m13"),
    ("major thirteenth", "maj13"),
    ("major thirteen", "maj13"),
    ("major 13", "maj13"),
    ("dominant eleventh", "11"),
    ("dominant eleven", "11"),
    ("dominant 11", "11"),
    ("minor eleven", "m11"),
    ("power chord", "5"),
    ("seventh", "7"),
    ("seven", "7"),
    ("7th", "7"),
    ("ninth", "9"),
    ("nine", "9"),
    ("eleventh", "11"),
    ("eleven", "11"),
    ("thirteenth", "13"),
    ("thirteen", "13"),
    ("five", "5"),
    ("sixth", "6"),
    ("six", "6"),
    ("augmented", "aug"),
    ("diminished", "dim"),
    ("major", ""),
    ("minor", "m"),
];

/// Longest spoken chord quality at the start of `words` (already cleaned), with words used.
/// Every spoken quality as its words, with its chord type: the phrases first, then the
/// dictionary's names (hyphens as spaces), in the order [`quality_at`] prefers on a tie.
static QUALITY_WORDS: std::sync::LazyLock<Vec<(Vec<String>, usize)>> =
    std::sync::LazyLock::new(|| {
        let dict = &*DICTIONARY;
        let phrases = QUALITY_PHRASES.iter().filter_map(|(phrase, symbol)| {
            let i = dict.chord_by_symbol.get(*symbol).copied()?;
            Some((phrase.split(' ').map(str::to_string).collect(), i))
        });
        let names = dict.chords.iter().filter(|t| !t.name.is_empty()).map(|t| {
            let name = t.name.replace('-', " ");
            (
                name.split_whitespace().map(str::to_string).collect(),
                t.index,
            )
        });
        phrases.chain(names).collect()
    });

fn quality_at(words: &[String]) -> Option<(&'static ChordType, usize)> {
    // The longest quality the words start with; the first listed on a tie. (Lists are made
    // once: this runs on every chord-like word of every lesson ingested.)
    let mut best: Option<(usize, usize)> = None; // (words used, chord type index)
    for (phrase, type_index) in QUALITY_WORDS.iter() {
        let n = phrase.len();
        if n == 0 || n > words.len() || best.is_some_and(|(m, _)| n <= m) {
            continue;
        }
        if phrase.iter().zip(words).all(|(p, w)| p == w) {
            best = Some((n, *type_index));
        }
    }
    best.map(|(n, i)| (&DICTIONARY.chords[i], n))
}

/// A root note at the start of `words` ("Bb", "F#", or a lone letter), case as typed.
fn root_at(word: &str) -> Option<(PitchClass, String)> {
    let w = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '#');
    let (pc, used) = parse_pitch_class_prefix(w)?;
    Some((pc, w[used..].to_string()))
}

/// A chord named at the start of `words`: a symbol ("Bb7", "F#m7b5", "Cmaj13#11"), or a root
/// followed by a spoken quality ("B flat minor seven" after [`normalize_accidentals`], "F#
/// half-diminished", "C major seventh"). A bare root is a major triad. Returns the chord and the
/// number of words used.
///
/// ```
/// use fretwise_theory::chord_in_words;
/// let (c, n) = chord_in_words(&["Bb", "minor", "seven", "flat", "five"]).unwrap();
/// assert_eq!((c.to_string().as_str(), n), ("Bbm7b5", 5));
/// ```
pub fn chord_in_words(words: &[&str]) -> Option<(Chord, usize)> {
    let first = words.first()?;
    // A lowercase single letter is an article or a pronoun, not a root.
    let bare = first.trim_matches(|c: char| !c.is_alphanumeric() && c != '#');
    if bare.chars().next().is_none_or(|c| c.is_ascii_lowercase()) {
        return None;
    }
    let (root, rest) = root_at(first)?;
    if !rest.is_empty() {
        let symbol =
            first.trim_matches(|c: char| !c.is_alphanumeric() && !"#/+°ø()Δ^-".contains(c));
        let symbol = symbol.trim_end_matches(['-', '?', '.', ',']);
        return Chord::parse(symbol).ok().map(|c| (c, 1));
    }
    match chord_quality_in_words(&words[1..]) {
        Some((t, n)) => Some((Chord::from_parts(root, t, None), 1 + n)),
        None => {
            let major = DICTIONARY.chord_by_symbol.get("").copied()?;
            Some((Chord::from_parts(root, &DICTIONARY.chords[major], None), 1))
        }
    }
}

/// The chord quality named at the start of `words`, spoken ("minor seven flat five", "half
/// diminished", "sus two", "7 sus 4") or as a symbol written as its own word ("7", "maj7"), with
/// the number of words used; the longest reading wins. The vocabulary every crate reads spoken
/// chord names with.
///
/// ```
/// use fretwise_theory::chord_quality_in_words;
/// let (t, n) = chord_quality_in_words(&["minor", "seven", "flat", "five", "here"]).unwrap();
/// assert_eq!((t.symbol(), n), ("m7b5", 4));
/// assert_eq!(chord_quality_in_words(&["maj7"]).map(|(t, n)| (t.symbol(), n)), Some(("maj7", 1)));
/// assert!(chord_quality_in_words(&["string"]).is_none());
/// assert!(chord_quality_in_words(&["pedal", "tone"]).is_none());
/// ```
pub fn chord_quality_in_words(words: &[&str]) -> Option<(&'static ChordType, usize)> {
    // "Bb 7", "C maj7": a symbol suffix written as its own word.
    let symbolic = words.first().and_then(|next| {
        let next = next.trim_end_matches(['?', '.', ',', '!', ';', ':']);
        let symbolic = next.chars().any(|c| c.is_ascii_digit()) || next.len() >= 3;
        let i = DICTIONARY.chord_by_symbol.get(next).copied();
        i.filter(|_| symbolic).map(|i| (&DICTIONARY.chords[i], 1))
    });
    let cleaned: Vec<String> = words
        .iter()
        .take(8)
        .flat_map(|w| clean(w).split('-').map(str::to_string).collect::<Vec<_>>())
        .filter(|w| !w.is_empty())
        .collect();
    let spoken = quality_at(&cleaned).map(|(t, n)| {
        // Count the original words consumed (hyphenated words count once).
        let mut used_clean = 0;
        let mut used_words = 0;
        for w in words {
            if used_clean >= n {
                break;
            }
            used_clean += clean(w).split('-').filter(|s| !s.is_empty()).count();
            used_words += 1;
        }
        (t, used_words)
    });
    // A one-note "chord" (the pedal) is no quality: "an E pedal" is a pedal point on E.
    let chordal = |r: &(&'static ChordType, usize)| r.0.intervals.len() >= 2;
    match (symbolic.filter(chordal), spoken.filter(chordal)) {
        (Some(a), Some(b)) if b.1 > a.1 => Some(b),
        (Some(a), _) => Some(a),
        (None, b) => b,
    }
}

/// A chord named after its quality with the root last: "the half-diminished chord on F#", "a
/// minor seventh chord built on D". `words` start at the quality.
pub fn chord_quality_on(words: &[&str]) -> Option<(Chord, usize)> {
    // Hyphenated words ("half-diminished") are matched part by part; `origin` maps each part
    // back to its word.
    let mut parts: Vec<String> = Vec::new();
    let mut origin: Vec<usize> = Vec::new();
    for (wi, w) in words.iter().enumerate().take(8) {
        for p in clean(w).split('-').filter(|p| !p.is_empty()) {
            parts.push(p.to_string());
            origin.push(wi);
        }
    }
    let (t, n) = quality_at(&parts)?;
    let cleaned: Vec<String> = words.iter().map(|w| clean(w)).collect();
    let mut i = origin.get(n - 1).map_or(n, |w| w + 1);
    if cleaned.get(i).is_some_and(|w| w == "chord") {
        i += 1;
    }
    if cleaned.get(i).is_some_and(|w| w == "built") {
        i += 1;
    }
    if !cleaned
        .get(i)
        .is_some_and(|w| matches!(w.as_str(), "on" | "from" | "of" | "in"))
    {
        return None;
    }
    i += 1;
    let (root, rest) = root_at(words.get(i)?)?;
    if !rest.is_empty() {
        return None;
    }
    Some((Chord::from_parts(root, t, None), i + 1))
}

/// A scale named at the start of `words`: tonic then the longest scale name ("A minor
/// pentatonic", "D dorian mode", "G major scale"). Returns the scale and the words used
/// (a trailing "scale" or "mode" included).
pub fn scale_in_words(words: &[&str]) -> Option<(Scale, usize)> {
    let (tonic, rest) = root_at(words.first()?)?;
    if !rest.is_empty() {
        return None;
    }
    let cleaned: Vec<String> = words[1..].iter().map(|w| clean(w)).collect();
    let mut best = None;
    for n in (1..=cleaned.len().min(4)).rev() {
        let name = cleaned[..n].join(" ");
        if let Ok(s) = Scale::new(tonic, &name) {
            best = Some((s, n));
            break;
        }
    }
    let (scale, mut n) = best?;
    if cleaned
        .get(n)
        .is_some_and(|w| matches!(w.as_str(), "scale" | "mode"))
    {
        n += 1;
    }
    Some((scale, 1 + n))
}

/// Whether a scale read by [`scale_in_words`] (tonic first) was named only by a word that is
/// also a chord quality ("Bb half-diminished", "C dominant", "D diminished"): such words name
/// a chord unless "scale" or "mode" follows them.
pub fn scale_named_like_a_chord(words: &[&str], n: usize) -> bool {
    let named: Vec<String> = words
        .iter()
        .take(n)
        .skip(1)
        .map(|w| clean(w))
        .filter(|w| w != "scale" && w != "mode")
        .collect();
    let scale_word = words
        .iter()
        .take(n)
        .skip(1)
        .any(|w| matches!(clean(w).as_str(), "scale" | "mode"));
    !scale_word
        && matches!(
            named.join(" ").as_str(),
            "half-diminished"
                | "half diminished"
                | "halfdiminished"
                | "dominant"
                | "diminished"
                | "augmented"
                | "major"
                | "minor"
        )
}

/// A key at the start of `words`: "E minor", "Bb", "F# harmonic minor", "Am".
pub fn key_in_words(words: &[&str]) -> Option<(Key, usize)> {
    let first = words.first()?;
    let bare = first.trim_matches(|c: char| !c.is_alphanumeric() && c != '#');
    if bare.chars().next().is_none_or(|c| c.is_ascii_lowercase()) {
        return None;
    }
    let (_, rest) = root_at(first)?;
    if !rest.is_empty() {
        // "Am", "Em": a key written as a chord symbol.
        return Key::parse(bare).ok().map(|k| (k, 1));
    }
    let cleaned: Vec<String> = words[1..].iter().map(|w| clean(w)).collect();
    for n in (1..=cleaned.len().min(2)).rev() {
        if let Ok(k) = Key::parse(&format!("{bare} {}", cleaned[..n].join(" "))) {
            return Some((k, 1 + n));
        }
    }
    Key::parse(bare).ok().map(|k| (k, 1))
}

/// An interval said in words ("major third", "perfect fifth", "tritone", "whole step", "half
/// step", "minor 7th", "octave") or written ("m3", "P5") at the start of `words`.
pub fn interval_in_words(words: &[&str]) -> Option<(Interval, usize)> {
    let cleaned: Vec<String> = words.iter().take(3).map(|w| clean(w)).collect();
    let first = cleaned.first()?;
    let two = |a: &str| cleaned.get(1).is_some_and(|w| w == a);
    match first.as_str() {
        "tritone" => return Some((Interval::from_steps(3, 6), 1)),
        "octave" => return Some((Interval::from_steps(7, 12), 1)),
        "unison" => return Some((Interval::from_steps(0, 0), 1)),
        "semitone" | "semitones" => return Some((Interval::from_steps(1, 1), 1)),
        "half" if two("step") || two("steps") || two("tone") => {
            return Some((Interval::from_steps(1, 1), 2));
        }
        "whole" if two("step") || two("steps") || two("tone") => {
            return Some((Interval::from_steps(1, 2), 2));
        }
        _ => {}
    }
    if let Ok(i) = words[0]
        .trim_matches(|c: char| !c.is_alphanumeric())
        .parse::<Interval>()
    {
        return Some((i, 1));
    }
    let quality = match first.as_str() {
        "major" | "maj" => Quality::Major,
        "minor" | "min" => Quality::Minor,
        "perfect" => Quality::Perfect,
        "augmented" | "aug" => Quality::Augmented(1),
        "diminished" | "dim" => Quality::Diminished(1),
        _ => return None,
    };
    // "diminished octave", "augmented unison": named numbers as well as ordinals.
    let number = match cleaned.get(1)?.as_str() {
        "octave" => 8,
        "unison" => 1,
        w => ordinal_number(w)?,
    };
    Interval::new(number, quality).ok().map(|i| (i, 2))
}

/// 2 → "second": the ordinal as a word, 1 to 15 (what [`ordinal_number`] reads back).
pub fn ordinal_word(n: i32) -> Option<&'static str> {
    const WORDS: [&str; 15] = [
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
    ];
    WORDS.get(usize::try_from(n.checked_sub(1)?).ok()?).copied()
}

/// "third" → 3, "5th" → 5, "fifth" → 5.
pub fn ordinal_number(word: &str) -> Option<i32> {
    let w = word.to_lowercase();
    let n = match w.as_str() {
        "first" | "1st" | "one" => 1,
        "second" | "2nd" | "two" => 2,
        "third" | "3rd" | "three" => 3,
        "fourth" | "4th" | "four" => 4,
        "fifth" | "5th" | "five" => 5,
        "sixth" | "6th" | "six" => 6,
        "seventh" | "7th" | "seven" => 7,
        "eighth" | "8th" | "eight" => 8,
        "ninth" | "9th" | "nine" => 9,
        "tenth" | "10th" | "ten" => 10,
        "eleventh" | "11th" | "eleven" => 11,
        "twelfth" | "12th" | "twelve" => 12,
        "thirteenth" | "13th" | "thirteen" => 13,
        "fourteenth" | "14th" | "fourteen" => 14,
        "fifteenth" | "15th" | "fifteen" => 15,
        _ => {
            let digits = w.trim_end_matches(|c: char| c.is_alphabetic());
            return digits.parse().ok();
        }
    };
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chord(s: &str) -> String {
        let n = normalize_accidentals(s);
        let words: Vec<&str> = n.split_whitespace().collect();
        chord_in_words(&words)
            .map(|(c, _)| c.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn spoken_chords() {
        assert_eq!(chord("B flat minor seven"), "Bbm7");
        assert_eq!(chord("F sharp half diminished"), "F#m7b5");
        assert_eq!(chord("F# half-diminished"), "F#m7b5");
        assert_eq!(chord("C major seventh"), "Cmaj7");
        assert_eq!(chord("E minor"), "Em");
        assert_eq!(chord("G"), "G");
        assert_eq!(chord("B♭maj7"), "Bbmaj7");
        assert_eq!(chord("Dm7♭5"), "Dm7b5");
        assert_eq!(chord("D seven"), "D7");
        assert_eq!(chord("A diminished seventh"), "Adim7");
        assert_eq!(chord("E-flat major seventh"), "Ebmaj7");
        assert_eq!(chord("a"), "");
    }

    #[test]
    fn quality_before_root() {
        let w = ["half-diminished", "chord", "on", "F#"];
        let (c, n) = chord_quality_on(&w).unwrap();
        assert_eq!((c.to_string().as_str(), n), ("F#m7b5", 4));
    }

    #[test]
    fn lowercase_a_is_an_article() {
        assert_eq!(normalize_accidentals("a sharp pick"), "a sharp pick");
        assert_eq!(
            normalize_accidentals("a flat major chord"),
            "Ab major chord"
        );
        assert_eq!(normalize_accidentals("e flat?"), "Eb?");
    }

    #[test]
    fn scales_keys_intervals() {
        let (s, n) = scale_in_words(&["A", "minor", "pentatonic", "scale?"]).unwrap();
        assert_eq!((s.note_names().join(" ").as_str(), n), ("A C D E G", 4));
        let (k, n) = key_in_words(&["E", "minor"]).unwrap();
        assert_eq!((k.to_string().as_str(), n), ("E minor", 2));
        let (i, n) = interval_in_words(&["major", "third"]).unwrap();
        assert_eq!((i.semitones(), i.number(), n), (4, 3, 2));
        let (i, _) = interval_in_words(&["whole", "step"]).unwrap();
        assert_eq!(i.semitones(), 2);
    }
}
