//! The musical fact-check: every answer, whoever wrote it, is read for musical claims (chord
//! spellings, scale notes, intervals, "X is the V of Y", capo results, notes at frets, relative
//! keys); each is checked with the theory engine and a wrong one is corrected in place.
//! Quoted instructor words ("…") are left as they were said.

use fretwise_theory::{
    Chord, Interval, Key, KeyMode, Note, PitchClass, Scale, Tuning, capo_shapes_sound_in,
    chord_in_words, interval_in_words, key_in_words, normalize_accidentals, ordinal_number,
    ordinal_word, scale_in_words, scale_named_like_a_chord,
};
use serde::Serialize;

/// One corrected claim.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Correction {
    /// What the claim is about ("Cmaj7", "C major scale").
    pub subject: String,
    /// What the text said.
    pub claimed: String,
    /// What is true.
    pub correct: String,
}

/// One musical claim the check read, right or wrong (what evaluation scores answers by).
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// What the claim is about, as in [`Correction::subject`] ("Cmaj7", "string 5 fret 3").
    pub subject: String,
    /// What the text said.
    pub claimed: String,
    /// The engine agrees.
    pub correct: bool,
}

/// The result of a fact-check.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FactCheck {
    /// Claims found.
    pub claims: usize,
    /// Claims that were right.
    pub verified: usize,
    /// Claims that were wrong, with their corrections (already applied to the text).
    pub corrected: Vec<Correction>,
    /// Every claim read, in text order (not part of the API's answer: the counts and
    /// corrections above say the same for people).
    #[serde(skip)]
    pub checked: Vec<Claim>,
}

impl FactCheck {
    /// Records a wrong claim: the edit that corrects the text and what was claimed against
    /// what is true.
    fn correct(
        &mut self,
        edits: &mut Vec<(usize, usize, String)>,
        edit: (usize, usize, String),
        subject: String,
        claimed: String,
        correct: String,
    ) {
        edits.push(edit);
        self.claims += 1;
        self.checked.push(Claim {
            subject: subject.clone(),
            claimed: claimed.clone(),
            correct: false,
        });
        self.corrected.push(Correction {
            subject,
            claimed,
            correct,
        });
    }

    /// Records a right claim.
    fn verify(&mut self, subject: String, claimed: String) {
        self.claims += 1;
        self.verified += 1;
        self.checked.push(Claim {
            subject,
            claimed,
            correct: true,
        });
    }

    /// Adds another check's findings (a later part of the same answer).
    pub fn add(&mut self, part: FactCheck) {
        self.claims += part.claims;
        self.verified += part.verified;
        self.corrected.extend(part.corrected);
        self.checked.extend(part.checked);
    }
}

/// A word of the text with its byte span.
#[derive(Debug, Clone)]
struct Word<'a> {
    text: &'a str,
    start: usize,
    end: usize,
    quoted: bool,
}

fn words(text: &str) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut quoted = false;
    let mut start = None;
    for (i, c) in text.char_indices() {
        if c == '"' || c == '“' || c == '”' {
            if let Some(s) = start.take() {
                out.push(Word {
                    text: &text[s..i],
                    start: s,
                    end: i,
                    quoted,
                });
            }
            quoted = match c {
                '“' => true,
                '”' => false,
                _ => !quoted,
            };
            continue;
        }
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                out.push(Word {
                    text: &text[s..i],
                    start: s,
                    end: i,
                    quoted,
                });
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push(Word {
            text: &text[s..],
            start: s,
            end: text.len(),
            quoted,
        });
    }
    out
}

fn bare(w: &str) -> &str {
    w.trim_matches(|c: char| {
        matches!(
            c,
            ',' | '.' | ';' | ':' | '!' | '?' | '(' | ')' | '*' | '`' | '–' | '—'
        )
    })
}

fn note_of(w: &str) -> Option<PitchClass> {
    let b = bare(w);
    if !b.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
        return None;
    }
    b.parse::<PitchClass>().ok()
}

/// A run of note names starting at `i` ("C, E, G and B" / "C – E – G"): (notes, end index).
fn note_run(ws: &[Word<'_>], i: usize) -> (Vec<PitchClass>, usize) {
    let mut notes = Vec::new();
    let mut j = i;
    while j < ws.len() {
        let b = bare(ws[j].text);
        if let Some(n) = note_of(ws[j].text) {
            notes.push(n);
            j += 1;
            // A sentence ends the run.
            if ws[j - 1].text.ends_with('.') {
                break;
            }
            continue;
        }
        if matches!(b, "" | "and" | "&" | "-" | "–" | "—" | "then") {
            j += 1;
            continue;
        }
        break;
    }
    // Trailing connectors are not part of the run.
    while j > i && note_of(ws[j - 1].text).is_none() {
        j -= 1;
    }
    (notes, j)
}

const LINKS: &[&str] = &[
    "is", "are", "has", "have", "contains", "contain", "spelled", "spelt", "made", "up", "of",
    "consists", "uses", "notes", "the", "chord", "scale", "includes", "=", "→", "->", "goes",
];

/// One kind of claim: reads it at word `i`, counts it, queues a correction when it is wrong,
/// and returns the word after it.
type Check = fn(
    &[Word<'_>],
    &[&str],
    usize,
    &mut FactCheck,
    &mut Vec<(usize, usize, String)>,
) -> Option<usize>;

/// Checks `text` and corrects wrong claims in place; returns the corrected text and the report.
pub fn check(text: &str) -> (String, FactCheck) {
    check_continuing(text, &mut Context::default())
}

/// What the text so far is about, carried from one sentence to the next.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The last chord named clearly ("the major 3rd is F#" is about it).
    chord: Option<Chord>,
    /// A scale named without its notes and nothing named since ("It consists of …" is about it).
    scale: Option<Scale>,
}

/// Checks `text` as the continuation of a text whose subjects so far are in `context`
/// ("the major 3rd is F#" in one sentence is about the chord the previous one named), and
/// leaves this part's subjects in `context`: a text checked sentence by sentence is checked as
/// it would be whole.
pub fn check_continuing(text: &str, context: &mut Context) -> (String, FactCheck) {
    let norm = normalize_accidentals(text);
    let ws = words(&norm);
    let mut report = FactCheck::default();
    // (byte start, byte end, replacement)
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let strs: Vec<&str> = ws.iter().map(|w| w.text).collect();
    // Words of the scale just named: the chord its name starts with ("E minor" in "E minor
    // pentatonic scale") is not a new subject.
    let mut scale_named_until = 0;
    let mut i = 0;
    while i < ws.len() {
        if ws[i].quoted {
            i += 1;
            continue;
        }
        let rest = &strs[i..];
        // Scale spellings first: "the C major scale is C D E F G A B".
        if let Some((scale, n)) = scale_in_words(rest) {
            let has_scale_word = rest[..n].iter().any(|w| {
                let l = bare(w).to_lowercase();
                l == "scale" || l == "mode"
            }) || !matches!(
                scale.scale_type().name.as_str(),
                "major" | "minor" | "diminished" | "augmented"
            );
            // "Bb half-diminished is spelled …" is a chord (Bbm7b5), not the scale of that name.
            let has_scale_word = has_scale_word && !scale_named_like_a_chord(rest, n);
            if has_scale_word && let Some((start, run, end)) = claim_run(&ws, i + n, 5) {
                Spelled::of_scale(&scale, &run).check(
                    &norm,
                    &ws,
                    (start, end),
                    &mut report,
                    &mut edits,
                );
                context.scale = None;
                i = end;
                continue;
            }
            if has_scale_word {
                // Named without its notes: a following "It consists of E, G, A, B and D" is
                // about this scale.
                context.scale = Some(scale);
                context.chord = None;
                scale_named_until = i + n;
            }
        }
        if let Some(scale) = &context.scale
            && let Some((start, run, end)) = pronoun_claim(&ws, i)
        {
            Spelled::of_scale(scale, &run).check(&norm, &ws, (start, end), &mut report, &mut edits);
            context.scale = None;
            i = end;
            continue;
        }
        if let Some((chord, n)) = chord_in_words(rest)
            && let Some((start, run, end)) = claim_run(&ws, i + n, 3)
            // "(Bb D F Ab)" is a list of notes, not a claim about a Bb chord.
            && !(start == i + n && note_of(ws[i].text).is_some())
        {
            let spelled = Spelled {
                subject: chord.to_string(),
                run: &run,
                want: chord.notes(),
                names: chord.note_names(),
            };
            spelled.check(&norm, &ws, (start, end), &mut report, &mut edits);
            context.chord = Some(chord);
            context.scale = None;
            i = end;
            continue;
        }
        let checks: [Check; 7] = [
            check_scale_identity,
            check_degree,
            check_degree_in_key,
            check_relative,
            check_interval,
            check_capo,
            check_fret,
        ];
        match checks
            .iter()
            .find_map(|c| c(&ws, &strs, i, &mut report, &mut edits))
            .or_else(|| {
                check_chord_tone(
                    &ws,
                    &strs,
                    i,
                    context.chord.as_ref(),
                    &mut report,
                    &mut edits,
                )
            }) {
            Some(step) => i = step,
            None => {
                if let Some(c) = chord_mention(rest)
                    && i >= scale_named_until
                {
                    context.chord = Some(c);
                    context.scale = None;
                }
                i += 1;
            }
        }
    }
    if edits.is_empty() {
        return (text.to_string(), report);
    }
    edits.sort_by_key(|e| e.0);
    let mut out = String::with_capacity(norm.len());
    let mut at = 0;
    for (s, e, r) in edits {
        if s < at {
            continue;
        }
        out.push_str(&norm[at..s]);
        out.push_str(&r);
        at = e;
    }
    out.push_str(&norm[at..]);
    (out, report)
}

/// A claimed spelling (of a chord or scale) and the engine's.
struct Spelled<'a> {
    subject: String,
    run: &'a [PitchClass],
    want: Vec<PitchClass>,
    names: Vec<String>,
}

impl<'a> Spelled<'a> {
    /// The claim that `run` spells `scale`.
    fn of_scale(scale: &Scale, run: &'a [PitchClass]) -> Self {
        Spelled {
            subject: format!("{} {} scale", scale.tonic, scale.scale_type().name),
            run,
            want: scale.notes(),
            names: scale.note_names(),
        }
    }

    /// Counts the claim; a wrong one is corrected in place over words `span`.
    fn check(
        self,
        text: &str,
        ws: &[Word<'_>],
        span: (usize, usize),
        report: &mut FactCheck,
        edits: &mut Vec<(usize, usize, String)>,
    ) {
        if same_spelling(self.run, &self.want) {
            report.verify(self.subject, names(self.run));
            return;
        }
        report.correct(
            edits,
            replacement(text, ws, span.0, span.1, &self.names),
            self.subject,
            names(self.run),
            self.names.join(" "),
        );
    }
}

/// After a subject, up to a few linking words then a note run of at least `min` notes.
fn claim_run(ws: &[Word<'_>], from: usize, min: usize) -> Option<(usize, Vec<PitchClass>, usize)> {
    let mut j = from;
    let mut links = 0;
    while j < ws.len() && links < 6 {
        if note_of(ws[j].text).is_some() {
            break;
        }
        let l = bare(ws[j].text).to_lowercase();
        // "is a chromatic scale with the notes …": whatever the text calls it, the notes that
        // follow are claimed for the subject named before.
        if matches!(l.as_str(), "a" | "an")
            && let Some(k) = described_as(ws, j + 1)
        {
            links += 1;
            j = k;
            continue;
        }
        if !LINKS.contains(&l.as_str()) && !l.is_empty() {
            return None;
        }
        if ws[j].text.ends_with('.') {
            return None;
        }
        links += 1;
        j += 1;
    }
    let (run, end) = note_run(ws, j);
    (run.len() >= min && !ws[j..end].iter().any(|w| w.quoted)).then_some((j, run, end))
}

/// At the start of a sentence, "It", "Its notes", "This scale" or "The scale" and a note run of
/// at least five notes: a claim about the scale named just before.
fn pronoun_claim(ws: &[Word<'_>], i: usize) -> Option<(usize, Vec<PitchClass>, usize)> {
    let starts_sentence = i == 0 || ws[i - 1].text.ends_with(['.', '!', '?', ':']);
    if !starts_sentence || ws[i].quoted {
        return None;
    }
    let first = bare(ws[i].text).to_lowercase();
    let from = match first.as_str() {
        "it" | "its" => i + 1,
        "this" | "the"
            if matches!(
                ws.get(i + 1)
                    .map(|w| bare(w.text).to_lowercase())
                    .as_deref(),
                Some("scale" | "mode")
            ) =>
        {
            i + 2
        }
        _ => return None,
    };
    claim_run(ws, from, 5)
}

/// After "a"/"an" at `from`: up to four describing words, then "scale", "mode", "chord" or
/// "arpeggio" and "with", "containing", "of" or "that has" ("chromatic scale with the notes");
/// the word after that description.
fn described_as(ws: &[Word<'_>], from: usize) -> Option<usize> {
    let noun = (from..(from + 5).min(ws.len())).find(|&k| {
        matches!(
            bare(ws[k].text).to_lowercase().as_str(),
            "scale" | "mode" | "chord" | "arpeggio"
        )
    })?;
    // A clause that ends before the noun or at it ("a mode, with …") is not this description.
    if ws[from..=noun]
        .iter()
        .any(|w| w.text.ends_with(['.', ',', ';', ':']) || note_of(w.text).is_some())
    {
        return None;
    }
    let next = bare(ws.get(noun + 1)?.text).to_lowercase();
    match next.as_str() {
        "with" | "containing" | "of" => Some(noun + 2),
        "that"
            if matches!(
                ws.get(noun + 2)
                    .map(|w| bare(w.text).to_lowercase())
                    .as_deref(),
                Some("has" | "contains" | "uses")
            ) =>
        {
            Some(noun + 3)
        }
        _ => None,
    }
}

fn same_spelling(claimed: &[PitchClass], want: &[PitchClass]) -> bool {
    let mut a: Vec<String> = claimed.iter().map(ToString::to_string).collect();
    let mut b: Vec<String> = want.iter().map(ToString::to_string).collect();
    a.sort();
    a.dedup();
    b.sort();
    b.dedup();
    a == b
}

fn names(ns: &[PitchClass]) -> String {
    ns.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Replaces words `start..end` with `correct`, keeping the separator style and the punctuation
/// after the last note.
fn replacement(
    text: &str,
    ws: &[Word<'_>],
    start: usize,
    end: usize,
    correct: &[String],
) -> (usize, usize, String) {
    let span = &text[ws[start].start..ws[end - 1].end];
    let sep = if span.contains('–') {
        " – "
    } else if span.contains(',') {
        ", "
    } else if span.contains('-') {
        " - "
    } else {
        " "
    };
    let last = ws[end - 1].text;
    let trailing: String = last
        .chars()
        .rev()
        .take_while(|c| matches!(c, ',' | '.' | ';' | ':' | '!' | '?' | ')'))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let body = if sep == ", " && correct.len() > 1 && span.contains(" and ") {
        format!(
            "{} and {}",
            correct[..correct.len() - 1].join(", "),
            correct[correct.len() - 1]
        )
    } else {
        correct.join(sep)
    };
    (
        ws[start].start,
        ws[end - 1].end,
        format!("{body}{trailing}"),
    )
}

/// Where word `i` ends without its trailing punctuation ("major." → after "major").
fn bare_end(ws: &[Word<'_>], i: usize) -> usize {
    let w = ws[i].text;
    let b = bare(w);
    ws[i].start + w.find(b).unwrap_or(0) + b.len()
}

fn replace_word(ws: &[Word<'_>], i: usize, new: &str) -> (usize, usize, String) {
    let w = ws[i].text;
    let b = bare(w);
    let offset = w.find(b).unwrap_or(0);
    let s = ws[i].start + offset;
    (s, s + b.len(), new.to_string())
}

const NUMERALS: &[&str] = &["i", "ii", "iii", "iv", "v", "vi", "vii"];

/// The degree (1–7) a roman numeral names ("V7", "vii°", "ii").
fn numeral_degree(numeral: &str) -> Option<usize> {
    let base = numeral.trim_end_matches('7').trim_end_matches(['°', 'o']);
    Some(NUMERALS.iter().position(|n| *n == base.to_lowercase())? + 1)
}

/// The key's triad (or seventh chord) on `degree`.
fn degree_chord(key: &Key, degree: usize, seventh: bool) -> Option<Chord> {
    let chords = if seventh {
        key.sevenths()
    } else {
        key.triads()
    };
    chords.get(degree.checked_sub(1)?).cloned()
}

/// "G7 is the V7 of C", "Bm is the iii chord in G".
fn check_degree(
    ws: &[Word<'_>],
    strs: &[&str],
    i: usize,
    report: &mut FactCheck,
    edits: &mut Vec<(usize, usize, String)>,
) -> Option<usize> {
    let (chord, n) = chord_in_words(&strs[i..])?;
    let mut j = i + n;
    let lw = |k: usize| strs.get(k).map(|w| bare(w).to_lowercase());
    if lw(j)? != "is" {
        return None;
    }
    j += 1;
    if lw(j)? != "the" {
        return None;
    }
    j += 1;
    let numeral_raw = bare(strs.get(j)?);
    let degree = numeral_degree(numeral_raw)?;
    let numeral_at = j;
    j += 1;
    if lw(j).as_deref() == Some("chord") {
        j += 1;
    }
    if !matches!(lw(j)?.as_str(), "of" | "in") {
        return None;
    }
    j += 1;
    if lw(j).as_deref() == Some("the") && lw(j + 1).as_deref() == Some("key") {
        j += 2;
        if lw(j).as_deref() == Some("of") {
            j += 1;
        }
    }
    let (key, kn) = key_in_words(&strs[j..])?;
    let seventh = chord.chord_type().intervals.len() >= 4;
    let expected = &degree_chord(&key, degree, seventh)?;
    if expected.notes() == chord.notes() {
        report.verify(format!("{chord} in {key}"), numeral_raw.to_string());
    } else {
        let actual = key.analyze(std::slice::from_ref(&chord));
        if let Some(rn) = actual.first() {
            report.correct(
                edits,
                replace_word(ws, numeral_at, &rn.numeral),
                format!("{chord} in {key}"),
                numeral_raw.to_string(),
                rn.numeral.clone(),
            );
        } else {
            // A chord the key cannot name: counted, nothing to correct it to.
            report.claims += 1;
        }
    }
    Some(j + kn)
}

/// "In Ab major the vi chord is Fm", "in the key of D, the V is A7".
fn check_degree_in_key(
    ws: &[Word<'_>],
    strs: &[&str],
    i: usize,
    report: &mut FactCheck,
    edits: &mut Vec<(usize, usize, String)>,
) -> Option<usize> {
    let lw = |k: usize| strs.get(k).map(|w| bare(w).to_lowercase());
    if lw(i)? != "in" {
        return None;
    }
    let mut j = i + 1;
    if lw(j).as_deref() == Some("the") && lw(j + 1).as_deref() == Some("key") {
        j += 2;
        if lw(j).as_deref() == Some("of") {
            j += 1;
        }
    }
    let (key, kn) = key_in_words(&strs[j..])?;
    j += kn;
    if lw(j)? != "the" {
        return None;
    }
    j += 1;
    let numeral_raw = bare(strs.get(j)?);
    let degree = numeral_degree(numeral_raw)?;
    j += 1;
    if lw(j).as_deref() == Some("chord") {
        j += 1;
    }
    if lw(j)? != "is" {
        return None;
    }
    j += 1;
    let (chord, cn) = chord_in_words(&strs[j..])?;
    let seventh = numeral_raw.ends_with('7') || chord.chord_type().intervals.len() >= 4;
    let expected = &degree_chord(&key, degree, seventh)?;
    if expected.notes() == chord.notes() {
        report.verify(format!("{chord} in {key}"), numeral_raw.to_string());
    } else {
        report.correct(
            edits,
            replace_word(ws, j, &expected.to_string()),
            format!("{chord} in {key}"),
            numeral_raw.to_string(),
            format!("{} is the {numeral_raw}", expected),
        );
    }
    Some(j + cn)
}

/// "the relative minor of C major is A minor".
fn check_relative(
    ws: &[Word<'_>],
    strs: &[&str],
    i: usize,
    report: &mut FactCheck,
    edits: &mut Vec<(usize, usize, String)>,
) -> Option<usize> {
    if bare(strs[i]).to_lowercase() != "relative" {
        return None;
    }
    let which = bare(strs.get(i + 1)?).to_lowercase();
    if !matches!(which.as_str(), "minor" | "major") || bare(strs.get(i + 2)?).to_lowercase() != "of"
    {
        return None;
    }
    let (key, kn) = key_in_words(&strs[i + 3..])?;
    let mut j = i + 3 + kn;
    if !matches!(bare(strs.get(j)?).to_lowercase().as_str(), "is" | "=") {
        return None;
    }
    j += 1;
    let (claimed, cn) = key_in_words(&strs[j..])?;
    let truth = key.relative();
    let claimed_tonic = claimed.tonic;
    if claimed_tonic == truth.tonic {
        report.verify(format!("relative {which} of {key}"), claimed.to_string());
    } else {
        report.correct(
            edits,
            replace_word(ws, j, &truth.tonic.to_string()),
            format!("relative {which} of {key}"),
            claimed.to_string(),
            truth.to_string(),
        );
    }
    let _ = KeyMode::Major;
    Some(j + cn)
}

/// "from C to G is a perfect fifth", "C to E is a major third".
fn check_interval(
    ws: &[Word<'_>],
    strs: &[&str],
    i: usize,
    report: &mut FactCheck,
    edits: &mut Vec<(usize, usize, String)>,
) -> Option<usize> {
    let mut j = i;
    if bare(strs[j]).to_lowercase() == "from" {
        j += 1;
    }
    let a: Note = bare(strs.get(j)?).parse().ok()?;
    if !bare(strs.get(j)?)
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_uppercase())
    {
        return None;
    }
    j += 1;
    if bare(strs.get(j)?).to_lowercase() == "up" {
        j += 1;
    }
    if bare(strs.get(j)?).to_lowercase() != "to" {
        return None;
    }
    j += 1;
    let b: Note = bare(strs.get(j)?).parse().ok()?;
    j += 1;
    if bare(strs.get(j)?).to_lowercase() != "is" {
        return None;
    }
    j += 1;
    if matches!(bare(strs.get(j)?).to_lowercase().as_str(), "a" | "an") {
        j += 1;
    }
    let (claimed, n) = interval_in_words(&strs[j..])?;
    let truth = Interval::between(&a, &b);
    if truth.semitones() == claimed.semitones() && truth.steps() == claimed.steps() {
        report.verify(format!("{a} to {b}"), claimed.long_name());
    } else {
        let span_start = ws[j].start;
        let span_end = ws[j + n - 1].start
            + bare(ws[j + n - 1].text).len()
            + ws[j + n - 1]
                .text
                .find(bare(ws[j + n - 1].text))
                .unwrap_or(0);
        report.correct(
            edits,
            (span_start, span_end, truth.long_name()),
            format!("{a} to {b}"),
            claimed.long_name(),
            truth.long_name(),
        );
    }
    Some(j + n)
}

/// A chord named clearly enough to be what the next sentences talk about: more than a bare
/// capital letter ("Am7", "D major seventh", "G chord"), since "A" also starts sentences.
fn chord_mention(words: &[&str]) -> Option<Chord> {
    let (chord, n) = chord_in_words(words)?;
    let first = bare(words.first()?);
    // "G (major 7th)" names a note's function, not a G major seventh chord.
    if words[1..n].iter().any(|w| w.starts_with('(')) {
        return None;
    }
    let clear = n >= 2
        || first.chars().count() > 1
        || words
            .get(1)
            .is_some_and(|w| bare(w).eq_ignore_ascii_case("chord"));
    (clear && first.chars().next().is_some_and(|c| c.is_ascii_uppercase())).then_some(chord)
}

/// A chord tone by its function: "the major 3rd is G", "the perfect fifth of Bdim is F",
/// "G (major 7th)", "F# is the major third", about the chord named explicitly or last. A note
/// in the chord with the wrong function gets the right function; a note not in the chord gets
/// the note at that interval above the root.
fn check_chord_tone(
    ws: &[Word<'_>],
    strs: &[&str],
    i: usize,
    context: Option<&Chord>,
    report: &mut FactCheck,
    edits: &mut Vec<(usize, usize, String)>,
) -> Option<usize> {
    let lower = |k: usize| strs.get(k).map(|w| bare(w).to_lowercase());
    // Words after the interval that make it a relation to another note, not a chord tone.
    let relation = |k: usize| {
        lower(k).is_some_and(|w| {
            matches!(
                w.as_str(),
                "above" | "below" | "from" | "to" | "up" | "down" | "higher" | "lower"
            )
        })
    };
    let skip = |mut k: usize, words: &[&str]| {
        while lower(k).is_some_and(|w| words.contains(&w.as_str())) {
            k += 1;
        }
        k
    };
    // "the major 3rd [of CHORD] is NOTE"
    let form_interval_first = || -> Option<(Interval, usize, usize, Option<Chord>, usize)> {
        let j = skip(i, &["the", "its", "a"]);
        if j == i && !strs[i].starts_with('(') {
            // Only "the/its … is": a bare "major third is" reads too loosely.
            return None;
        }
        let (iv, n) = interval_in_words(&strs[j..])?;
        let mut k = j + n;
        if relation(k) {
            return None;
        }
        let mut of = None;
        if lower(k).as_deref() == Some("of") {
            let (c, cn) = chord_in_words(&strs[k + 1..])?;
            of = Some(c);
            k += 1 + cn;
        }
        if !matches!(lower(k).as_deref(), Some("is" | "=")) {
            return None;
        }
        let note_at = k + 1;
        note_of(strs.get(note_at)?)?;
        Some((iv, j, j + n, of, note_at))
    };
    // "NOTE (major 7th)", "NOTE is the major third [of CHORD]"
    let form_note_first = || -> Option<(Interval, usize, usize, Option<Chord>, usize)> {
        note_of(strs[i])?;
        let j = i + 1;
        let paren = strs.get(j)?.starts_with('(');
        let j2 = skip(j, &["is", "the", "its", "a", "an"]);
        if !paren && j2 == j {
            return None;
        }
        let (iv, n) = interval_in_words(&strs[j2..])?;
        let k = j2 + n;
        if relation(k) {
            return None;
        }
        let of = if lower(k).as_deref() == Some("of") {
            Some(chord_in_words(&strs[k + 1..])?.0)
        } else {
            None
        };
        Some((iv, j2, k, of, i))
    };
    let (iv, iv_from, iv_to, of, note_at) = form_interval_first().or_else(form_note_first)?;
    let chord = of.as_ref().or(context)?;
    let claimed = note_of(strs[note_at])?;
    let tones = chord.notes();
    let root = *tones.first()?;
    let subject = format!("{chord} {}", iv.long_name());
    let expected = root.transpose(&iv);
    let end = iv_to.max(note_at + 1);
    if claimed.is_enharmonic(expected) && claimed.to_string() == expected.to_string() {
        report.verify(subject, format!("{claimed}"));
        return Some(end);
    }
    if let Some(tone) = tones.iter().find(|t| t.is_enharmonic(claimed)) {
        // The note is in the chord: its function was named wrong.
        // Upward from the root within the octave: letter steps and semitones.
        let truth = Interval::from_steps(
            (tone.letter.index() - root.letter.index()).rem_euclid(7),
            (tone.semitone() - root.semitone()).rem_euclid(12),
        );
        if truth.semitones() == iv.semitones() {
            report.verify(subject, format!("{claimed}"));
            return Some(end);
        }
        let last = iv_to - 1;
        let span_end = ws[last].start
            + ws[last].text.find(bare(ws[last].text)).unwrap_or(0)
            + bare(ws[last].text).len();
        let span_start =
            ws[iv_from].start + ws[iv_from].text.find(bare(ws[iv_from].text)).unwrap_or(0);
        report.correct(
            edits,
            (span_start, span_end, truth.long_name()),
            format!("{chord} {claimed}"),
            iv.long_name(),
            truth.long_name(),
        );
        return Some(end);
    }
    report.correct(
        edits,
        replace_word(ws, note_at, &expected.to_string()),
        subject,
        claimed.to_string(),
        expected.to_string(),
    );
    Some(end)
}

/// How a scale-identity claim relates its two scales.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Identity {
    /// "also known as", "the same as": same tonic, same notes.
    Same,
    /// "has the same notes as": same notes, any tonic.
    SameNotes,
    /// "is the 2nd mode of": same notes, tonic on that degree of the other.
    Mode(usize),
    /// "is the relative minor of" (`true`) or "relative major": same notes, the first a natural
    /// minor and the second a major scale, or the other way round.
    Relative(bool),
}

/// The linking words of a scale-identity claim at `k` (after optional "is"/"are"/"which"):
/// the relation and the index of the word after them.
fn identity_link(strs: &[&str], k: usize) -> Option<(Identity, usize)> {
    let lower = |j: usize| strs.get(j).map(|w| bare(w).to_lowercase());
    let mut j = k;
    while matches!(
        lower(j).as_deref(),
        Some("is" | "are" | "which" | "exactly")
    ) {
        j += 1;
    }
    let at = |j: usize, pattern: &[&str]| -> Option<usize> {
        let mut p = j;
        for want in pattern {
            // "exactly the same notes", "just another name for": filler words do not change it.
            while matches!(lower(p).as_deref(), Some("exactly" | "just" | "simply")) {
                p += 1;
            }
            if lower(p).as_deref() != Some(want) {
                return None;
            }
            p += 1;
        }
        Some(p)
    };
    const SAME: &[&[&str]] = &[
        &["also", "known", "as"],
        &["also", "called"],
        &["also", "referred", "to", "as"],
        &["another", "name", "for"],
        &["the", "same", "as"],
        &["the", "same", "scale", "as"],
        &["identical", "to"],
        &["aka"],
        &["a.k.a"],
    ];
    const SAME_NOTES: &[&[&str]] = &[
        &["the", "same", "notes", "as"],
        &["has", "the", "same", "notes", "as"],
        &["have", "the", "same", "notes", "as"],
        &["uses", "the", "same", "notes", "as"],
        &["use", "the", "same", "notes", "as"],
        &["contains", "the", "same", "notes", "as"],
        &["shares", "the", "same", "notes", "as"],
        &["share", "the", "same", "notes", "as"],
        &["shares", "its", "notes", "with"],
        &["shares", "the", "notes", "of"],
        &["made", "of", "the", "same", "notes", "as"],
        &["made", "up", "of", "the", "same", "notes", "as"],
    ];
    if let Some(p) = SAME.iter().find_map(|pat| at(j, pat)) {
        return Some((Identity::Same, p));
    }
    if let Some(p) = SAME_NOTES.iter().find_map(|pat| at(j, pat)) {
        return Some((Identity::SameNotes, p));
    }
    if let Some(p) = at(j, &["the", "relative", "minor", "of"]) {
        return Some((Identity::Relative(true), p));
    }
    if let Some(p) = at(j, &["the", "relative", "major", "of"]) {
        return Some((Identity::Relative(false), p));
    }
    // "the second mode of", "the 5th mode of"
    if lower(j).as_deref() == Some("the")
        && let Some(n) = strs.get(j + 1).and_then(|w| ordinal_number(bare(w)))
        && (1..=12).contains(&n)
        && let Some(p) = at(j + 2, &["mode", "of"])
    {
        return Some((Identity::Mode(n as usize), p));
    }
    None
}

/// A scale named without a tonic ("the dorian mode", "the natural minor scale"), read on C;
/// plain "major"/"minor" only with "scale" or "mode" after them.
fn scale_type_in_words(words: &[&str]) -> Option<(Scale, usize)> {
    let first = bare(words.first()?);
    if first
        .chars()
        .next()
        .is_none_or(|c| c.is_ascii_uppercase() && first.len() <= 2)
    {
        // A capital note letter is a tonic: scale_in_words reads those.
        return None;
    }
    let (scale, n) = scale_in_words(&[&["C"], words].concat())?;
    let n = n - 1;
    let named_by_scale_word = words[..n]
        .iter()
        .any(|w| matches!(bare(w).to_lowercase().as_str(), "scale" | "mode"));
    let plain = matches!(scale.scale_type().name.as_str(), "major" | "minor");
    (named_by_scale_word || !plain).then_some((scale, n))
}

/// "D dorian is the second mode of C major", "A minor has the same notes as C major", "E
/// aeolian is also known as E natural minor", "the aeolian mode is also called the natural minor
/// scale", "A minor is the relative minor of C major".
fn check_scale_identity(
    ws: &[Word<'_>],
    strs: &[&str],
    i: usize,
    report: &mut FactCheck,
    edits: &mut Vec<(usize, usize, String)>,
) -> Option<usize> {
    let (first, n1, toned) = match scale_in_words(&strs[i..]) {
        Some((s, n)) => (s, n, true),
        None => {
            let (s, n) = scale_type_in_words(&strs[i..])?;
            (s, n, false)
        }
    };
    // "… the A minor scale. It is also known as …" is no claim about the scale.
    if strs[i + n1 - 1].ends_with('.') {
        return None;
    }
    let (relation, after) = identity_link(strs, i + n1)?;
    let mut j = after;
    while matches!(
        strs.get(j).map(|w| bare(w).to_lowercase()).as_deref(),
        Some("the" | "a" | "an")
    ) {
        j += 1;
    }
    let (second, n2) = if toned {
        scale_in_words(&strs[j..])?
    } else {
        scale_type_in_words(&strs[j..])?
    };
    let end = j + n2;
    let link = (i + n1, after);
    let name = |s: &Scale| {
        if toned {
            format!("{} {}", s.tonic, s.scale_type().name)
        } else {
            format!("the {} scale", s.scale_type().name)
        }
    };
    let subject = name(&first);
    let claimed_text = |what: &str| format!("{what} {}", name(&second));
    // Replaces the linking words (from just after the first scale) with `with`.
    let relink = |with: &str| {
        let (s, e) = (ws[link.0].start, bare_end(ws, link.1 - 1));
        (s, e, with.to_string())
    };
    match relation {
        Identity::Same => {
            let right = if toned {
                first.same_scale(&second)
            } else {
                first.same_notes(&second)
            };
            let claim = claimed_text("the same scale as");
            if right {
                report.verify(subject, claim);
            } else if toned && first.same_notes(&second) {
                report.correct(
                    edits,
                    relink("has the same notes as"),
                    subject,
                    claim,
                    format!("the same notes as {}, on another tonic", name(&second)),
                );
            } else {
                report.correct(
                    edits,
                    relink("is not the same as"),
                    subject,
                    claim,
                    format!("not the same as {}", name(&second)),
                );
            }
        }
        Identity::SameNotes | Identity::Relative(_) if toned => {
            if let Identity::Relative(minor) = relation {
                let pair = (
                    first.scale_type().name.as_str(),
                    second.scale_type().name.as_str(),
                );
                // Only a natural minor and a major scale are each other's relatives.
                let fits = if minor {
                    pair == ("minor", "major")
                } else {
                    pair == ("major", "minor")
                };
                if !fits {
                    return None;
                }
            }
            let claim = claimed_text("the same notes as");
            if first.same_notes(&second) {
                report.verify(subject, claim);
            } else if let Some(truth) = first.with_notes_of_type(&second) {
                report.correct(
                    edits,
                    replace_word(ws, j, &truth.tonic.to_string()),
                    subject,
                    claim,
                    format!("the same notes as {}", name(&truth)),
                );
            } else {
                report.correct(
                    edits,
                    relink("does not have the same notes as"),
                    subject,
                    claim,
                    format!("no {} has its notes", second.scale_type().name),
                );
            }
        }
        Identity::SameNotes | Identity::Relative(_) => return None,
        Identity::Mode(degree) => {
            let claim = claimed_text(&format!("mode {degree} of"));
            // Without a tonic, "dorian is the second mode of the major scale": the mode is
            // whichever degree of the parent carries the first scale's type.
            let truth: Option<(usize, Scale)> = if toned {
                first
                    .with_notes_of_type(&second)
                    .and_then(|p| Some((first.mode_degree_in(&p)?, p)))
            } else {
                second.notes().into_iter().find_map(|t| {
                    let mode = first.on_tonic(t);
                    Some((mode.mode_degree_in(&second)?, second.clone()))
                })
            };
            match truth {
                Some((d, p)) if d == degree && p.same_scale(&second) => {
                    report.verify(subject, claim);
                }
                Some((d, p)) => {
                    let word = ordinal_word(i32::try_from(d).ok()?)?;
                    let fixed = if p.same_scale(&second) {
                        // Only the degree was wrong: keep the parent as written.
                        (
                            ws[link.0].start,
                            ws[after - 1].end,
                            format!("is the {word} mode of"),
                        )
                    } else {
                        (
                            ws[link.0].start,
                            bare_end(ws, end - 1),
                            format!("is the {word} mode of {}", name(&p)),
                        )
                    };
                    report.correct(
                        edits,
                        fixed,
                        subject,
                        claim,
                        format!("mode {d} of {}", name(&p)),
                    );
                }
                None => {
                    report.correct(
                        edits,
                        relink("is not a mode of"),
                        subject,
                        claim,
                        format!("not a mode of any {} scale", second.scale_type().name),
                    );
                }
            }
        }
    }
    Some(end)
}

/// "with a capo at fret 3, G shapes sound in Bb".
fn check_capo(
    ws: &[Word<'_>],
    strs: &[&str],
    i: usize,
    report: &mut FactCheck,
    edits: &mut Vec<(usize, usize, String)>,
) -> Option<usize> {
    if bare(strs[i]).to_lowercase() != "capo" {
        return None;
    }
    let mut fret = None;
    let mut j = i + 1;
    while j < strs.len() && j < i + 5 {
        let l = bare(strs[j]).to_lowercase();
        if let Some(n) = ordinal_number(&l).or_else(|| l.parse().ok()) {
            fret = u8::try_from(n).ok();
            j += 1;
            break;
        }
        j += 1;
    }
    let fret = fret?;
    // The shape, then "sound(s) in|as|like" and the key.
    let mut shape = None;
    let stop = (j + 8).min(strs.len());
    while j < stop {
        let l = bare(strs[j]).to_lowercase();
        if matches!(l.as_str(), "shape" | "shapes" | "shaped") && j > 0 {
            shape = bare(strs[j - 1])
                .trim_end_matches("-shape")
                .parse::<PitchClass>()
                .ok();
        }
        if let Some(stem) = bare(strs[j]).strip_suffix("-shape") {
            shape = stem.parse::<PitchClass>().ok();
        }
        if matches!(l.as_str(), "sound" | "sounds") {
            let mut k = j + 1;
            if matches!(
                strs.get(k).map(|w| bare(w).to_lowercase()).as_deref(),
                Some("in" | "as" | "like")
            ) {
                k += 1;
            }
            let shape = shape?;
            let claimed = note_of(strs.get(k)?)?;
            let truth = capo_shapes_sound_in(shape, fret);
            if truth.semitone() == claimed.semitone() {
                report.verify(format!("capo {fret} + {shape} shapes"), claimed.to_string());
            } else {
                report.correct(
                    edits,
                    replace_word(ws, k, &truth.to_string()),
                    format!("capo {fret} + {shape} shapes"),
                    claimed.to_string(),
                    truth.to_string(),
                );
            }
            return Some(k + 1);
        }
        j += 1;
    }
    None
}

/// "fret 5 on string 6 is A", "the 5th fret of the low E string is A".
fn check_fret(
    ws: &[Word<'_>],
    strs: &[&str],
    i: usize,
    report: &mut FactCheck,
    edits: &mut Vec<(usize, usize, String)>,
) -> Option<usize> {
    let l = |k: usize| strs.get(k).map(|w| bare(w).to_lowercase());
    let (fret, mut j) = if l(i)? == "fret" {
        (l(i + 1)?.parse::<u32>().ok()?, i + 2)
    } else if l(i + 1)? == "fret" {
        (u32::try_from(ordinal_number(&l(i)?)?).ok()?, i + 2)
    } else {
        return None;
    };
    if !matches!(l(j)?.as_str(), "on" | "of") {
        return None;
    }
    j += 1;
    if l(j).as_deref() == Some("the") {
        j += 1;
    }
    let mut high = false;
    if matches!(l(j).as_deref(), Some("low" | "high")) {
        high = l(j).as_deref() == Some("high");
        j += 1;
    }
    let string = if l(j)? == "string" {
        let s = l(j + 1)?.parse::<usize>().ok()?;
        j += 2;
        s
    } else {
        let name = l(j)?;
        if l(j + 1)? != "string" {
            return None;
        }
        j += 2;
        match (name.as_str(), high) {
            ("e", true) => 1,
            ("e", false) => 6,
            ("b", _) => 2,
            ("g", _) => 3,
            ("d", _) => 4,
            ("a", _) => 5,
            _ => u32::try_from(ordinal_number(&name)?).ok()? as usize,
        }
    };
    // Skip "(open E)".
    while j < strs.len() && (strs[j].starts_with('(') || strs[j].ends_with(')')) {
        j += 1;
    }
    if l(j)? != "is" {
        return None;
    }
    j += 1;
    let claimed = fretted_note(strs.get(j)?)?;
    let truth = Tuning::standard().note_at(string, fret, true).ok()?;
    if truth.pc.semitone() == claimed.semitone() {
        report.verify(format!("string {string} fret {fret}"), claimed.to_string());
    } else {
        report.correct(
            edits,
            replace_word(ws, j, &truth.pc.to_string()),
            format!("string {string} fret {fret}"),
            claimed.to_string(),
            truth.pc.to_string(),
        );
    }
    Some(j + 1)
}

/// The note a fret claim names: "A", "A2", "A#3/Bb3." (the first spelling counts).
fn fretted_note(w: &str) -> Option<PitchClass> {
    let first = bare(w).split('/').next()?;
    note_of(first).or_else(|| first.parse::<Note>().ok().map(|n| n.pc))
}

/// Chords a text spells (used by tests and evaluation).
pub fn chord_claims(text: &str) -> Vec<(Chord, Vec<PitchClass>)> {
    let norm = normalize_accidentals(text);
    let ws = words(&norm);
    let strs: Vec<&str> = ws.iter().map(|w| w.text).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < ws.len() {
        if let Some((chord, n)) = chord_in_words(&strs[i..])
            && let Some((_, run, end)) = claim_run(&ws, i + n, 3)
        {
            out.push((chord, run));
            i = end;
            continue;
        }
        i += 1;
    }
    let _ = Key::parse;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chord_tones_named_by_function_are_checked_against_the_chord() {
        // The local model's slips, from docs/INSTRUCTOR.md: a note outside the chord, and a
        // chord tone given the wrong function.
        let (t, r) = check("The D major seventh chord is D – F# – A – C#. The major 3rd is G.");
        assert_eq!(r.corrected.len(), 1, "{t} {r:?}");
        assert!(t.ends_with("The major 3rd is F#."), "{t}");
        let (t, r) = check("Am7 is A – C – E – G, with G (major 7th) on top.");
        assert_eq!(r.corrected.len(), 1, "{t} {r:?}");
        assert!(t.contains("G (minor seventh) on top"), "{t}");
        // Right ones are counted as verified; an explicit chord wins over the context.
        let (t, r) = check("In a C major chord the perfect fifth is G and the major third is E.");
        assert_eq!((r.claims, r.verified), (2, 2), "{t} {r:?}");
        let (t, r) = check("Play Am7 here. The perfect fifth of Bdim is F.");
        assert_eq!(r.corrected.len(), 1, "{t} {r:?}");
        assert!(t.contains("The diminished fifth of Bdim is F."), "{t}");
        let (_, r) = check("F# is the major third of D.");
        assert_eq!((r.claims, r.verified), (1, 1), "{r:?}");
    }

    #[test]
    fn a_function_without_a_chord_or_against_another_note_is_no_chord_tone_claim() {
        let (_, r) = check("The major third is G.");
        assert_eq!(r.claims, 0, "{r:?}");
        // A sentence-initial "A" is not a chord to talk about.
        let (_, r) = check("A good habit: the major third is G here.");
        assert_eq!(r.claims, 0, "{r:?}");
        // "a major third above C" relates two notes; the interval check reads "C to E" forms.
        let (_, r) = check("Play Cmaj7. E is a major third above C.");
        assert_eq!(r.corrected.len(), 0, "{r:?}");
    }

    #[test]
    fn scale_identities_are_checked_with_the_engine() {
        // Right claims, tonic or not, are verified.
        for text in [
            "D Dorian is the second mode of C major.",
            "E Aeolian is also known as E natural minor.",
            "A minor has the same notes as C major.",
            "A minor is the relative minor of C major.",
            "The Aeolian mode is also called the natural minor scale.",
            "Mixolydian is the fifth mode of the major scale.",
        ] {
            let (t, r) = check(text);
            assert_eq!((r.claims, r.verified), (1, 1), "{text} -> {t} {r:?}");
            assert_eq!(t, text);
        }
        // The wrong parent of a mode: the engine names the right one.
        let (t, r) = check("E Phrygian has the same notes as G major.");
        assert_eq!(r.corrected.len(), 1, "{t} {r:?}");
        assert_eq!(t, "E Phrygian has the same notes as C major.");
        let (t, r) = check("D Dorian is the third mode of C major, so play it over Dm7.");
        assert_eq!(
            t, "D Dorian is the second mode of C major, so play it over Dm7.",
            "{r:?}"
        );
        let (t, r) = check("G Mixolydian is the fifth mode of D major.");
        assert_eq!(t, "G Mixolydian is the fifth mode of C major.", "{r:?}");
        // Same notes on another tonic is not "also known as".
        let (t, r) = check("A minor is also known as C major.");
        assert_eq!(t, "A minor has the same notes as C major.", "{r:?}");
        let (t, r) = check("E Aeolian is also known as E Dorian.");
        assert_eq!(t, "E Aeolian is not the same as E Dorian.", "{r:?}");
        let (t, r) = check("Lydian is the second mode of the major scale.");
        assert_eq!(t, "Lydian is the fourth mode of the major scale.", "{r:?}");
        let (t, r) = check("F# minor is the relative minor of G major.");
        assert_eq!(t, "F# minor is the relative minor of A major.", "{r:?}");
    }

    #[test]
    fn scales_side_by_side_without_a_claim_are_left_alone() {
        for text in [
            "Learn A minor. It is also known as the saddest key.",
            "C major is a good place to start, and A minor has the same feel.",
            "The major scale is the mother of all scales.",
            "Compare the A minor pentatonic with the A blues scale.",
        ] {
            let (t, r) = check(text);
            assert_eq!(r.claims, 0, "{text} -> {t} {r:?}");
        }
    }

    #[test]
    fn corrects_a_wrong_chord_spelling() {
        let (text, r) = check("A C major chord has the notes C, E, G and B.");
        assert_eq!(r.claims, 1);
        assert_eq!(r.corrected.len(), 1);
        assert_eq!(text, "A C major chord has the notes C, E and G.");
    }

    #[test]
    fn notes_after_another_description_are_claimed_for_the_named_subject() {
        let (text, r) =
            check("D phrygian is a chromatic scale with the notes E, F, G, A, Bb, C and D.");
        assert_eq!((r.claims, r.corrected.len()), (1, 1), "{text}");
        assert_eq!(
            text,
            "D phrygian is a chromatic scale with the notes D, Eb, F, G, A, Bb and C."
        );
        let (text, r) =
            check("G minor pentatonic is a minor pentatonic scale containing G A Bb C D E F.");
        assert_eq!((r.claims, r.corrected.len()), (1, 1), "{text}");
        assert!(text.ends_with("containing G Bb C D F."), "{text}");
        let (text, r) = check("Fmaj7 is a chord that has F, A, C and E.");
        assert_eq!((r.claims, r.verified), (1, 1), "{text}");
        // A description that names another scale with its tonic, or a clause that ends first,
        // is not read as the subject's spelling.
        for text in [
            "A minor is a C major scale with the notes C, D, E, F, G, A and B.",
            "E phrygian is a mode, with C, D and E next.",
        ] {
            let (t, r) = check(text);
            assert_eq!(r.corrected.len(), 0, "{text} -> {t} {r:?}");
        }
    }

    #[test]
    fn notes_in_the_sentence_after_a_scale_is_named_are_claimed_for_that_scale() {
        let text = "The E minor pentatonic scale is a favourite of blues players. \
                    It consists of the notes E, G, A, B, D, and C.";
        let (t, r) = check(text);
        assert_eq!((r.claims, r.corrected.len()), (1, 1), "{t}");
        assert!(
            t.ends_with("It consists of the notes E, G, A, B and D."),
            "{t}"
        );
        // Checked sentence by sentence, as a streamed answer is, the result is the same.
        let mut context = Context::default();
        let mut streamed = String::new();
        for part in [
            "The E minor pentatonic scale is a favourite of blues players. ",
            "It consists of the notes E, G, A, B, D, and C.",
        ] {
            streamed.push_str(&check_continuing(part, &mut context).0);
        }
        assert_eq!(streamed, t);
        let (t, r) = check("The A major scale sounds bright. Its notes are A B C# D E F# G#.");
        assert_eq!((r.claims, r.verified), (1, 1), "{t}");
        let (t, r) = check("Learn the D dorian mode first. This mode has D, E, F, G, A, B, C.");
        assert_eq!((r.claims, r.verified), (1, 1), "{t}");
        // A chord named in between, or "it" inside a sentence, is not about the scale.
        for text in [
            "The C major scale is common. Cmaj9 is lush. It has C, E, G, B and D.",
            "The G major scale is common, and it has G A B C D E F.",
        ] {
            let (t, r) = check(text);
            assert_eq!(r.claims, 0, "{text} -> {t} {r:?}");
        }
    }

    #[test]
    fn a_list_of_notes_is_not_a_chord_claim() {
        let (t, r) = check("check that every note (Bb D F Ab) rings clearly");
        assert_eq!(r.claims, 0, "{t}");
    }

    #[test]
    fn keeps_right_claims_and_quotes() {
        let (text, r) = check("Bb7 is spelled Bb – D – F – Ab. \"C major is C E G B\" she said.");
        assert_eq!((r.claims, r.verified), (1, 1));
        assert!(text.contains("\"C major is C E G B\""));
    }

    #[test]
    fn corrects_scales_intervals_degrees_capo_and_frets() {
        let (t, r) = check("The A minor pentatonic scale is A C D E F.");
        assert_eq!(r.corrected.len(), 1, "{t}");
        assert!(t.contains("A C D E G"), "{t}");
        let (t, r) = check("From C to G is a major third.");
        assert_eq!(r.corrected.len(), 1, "{t}");
        assert!(t.contains("perfect fifth"), "{t}");
        let (t, r) = check("D7 is the IV of G.");
        assert_eq!(r.corrected.len(), 1, "{t}");
        assert!(t.contains("V7"), "{t}");
        let (t, r) = check("With a capo at fret 3, G shapes sound in A.");
        assert_eq!(r.corrected.len(), 1, "{t}");
        assert!(t.contains("sound in Bb"), "{t}");
        let (t, r) = check("The 5th fret of the low E string is B.");
        assert_eq!(r.corrected.len(), 1, "{t}");
        assert!(t.ends_with("is A."), "{t}");
        let (t, r) = check("The relative minor of C major is E minor.");
        assert_eq!(r.corrected.len(), 1, "{t}");
        assert!(t.contains("is A minor"), "{t}");
    }

    #[test]
    fn a_half_diminished_chord_is_not_read_as_a_scale() {
        // Found by `fretwise eval`: the composer's own right sentence was "corrected" into
        // the notes of the locrian #2 scale.
        let s = "Bbm7b5 (Bb half-diminished) is spelled Bb – Db – Fb – Ab: Bb (root).";
        let (t, r) = check(s);
        assert!(r.corrected.is_empty(), "{t}");
        assert_eq!(t, s);
        let (_, r) = check("The Bb half-diminished scale is Bb C Db Eb Fb Gb Ab.");
        assert_eq!((r.claims, r.verified), (1, 1));
    }

    #[test]
    fn reads_degrees_said_key_first_and_notes_with_octaves() {
        let (t, r) = check("In Ab major the vi chord is Fm (F – Ab – C).");
        assert_eq!((r.claims, r.verified), (1, 1), "{t}");
        assert_eq!(r.checked[0].subject, "Fm in Ab major");
        let (t, r) = check("In the key of D major, the V chord is G.");
        assert_eq!(r.corrected.len(), 1, "{t}");
        assert!(t.contains("is A."), "{t}");
        let (_, r) = check("In standard tuning, fret 3 on string 3 (open G3) is A#3/Bb3.");
        assert_eq!((r.claims, r.verified), (1, 1));
        let (t, r) = check("fret 5 on string 6 is B2.");
        assert_eq!(r.corrected.len(), 1, "{t}");
        // Every claim is recorded, right or wrong, for evaluation.
        assert_eq!(r.checked.len(), 1);
        assert!(!r.checked[0].correct);
        let (_, r) = check("From D up to Db is a diminished octave.");
        assert_eq!((r.claims, r.verified), (1, 1));
    }
}
