//! Question understanding: what the student asks about (concepts), what kind of answer they
//! want (intent), and every theory query inside the question in plain words.

use fretwise_knowledge::Ontology;
use fretwise_lexicon::{Category, TermMatcher};
use fretwise_theory::{
    Chord, Interval, Key, Note, PitchClass, Scale, Tuning, chord_in_words, chord_quality_on,
    interval_in_words, key_in_words, normalize_accidentals, ordinal_number, scale_in_words,
    scale_named_like_a_chord,
};
use serde::Serialize;

/// Questions longer than this are cut (characters) before they are read.
pub const MAX_QUESTION_CHARS: usize = 2_000;

/// What kind of answer the student wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// A fact of music theory (chord spelling, scale, interval, key …).
    Theory,
    /// How to play something.
    Technique,
    /// What or how to practise.
    Practice,
    /// Guitars, strings, amps, effects, setup.
    Gear,
    /// A style, a genre or a song.
    Style,
    /// Feedback on the student's own playing.
    Feedback,
    /// Not about guitar.
    OffTopic,
}

impl Intent {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::Theory => "theory",
            Intent::Technique => "technique",
            Intent::Practice => "practice",
            Intent::Gear => "gear",
            Intent::Style => "style",
            Intent::Feedback => "feedback",
            Intent::OffTopic => "off_topic",
        }
    }
}

/// One theory question found in the student's words, answered by the theory engine.
#[derive(Debug, Clone)]
pub enum TheoryQuery {
    /// The notes of a chord.
    Chord(Chord),
    /// How to play a chord (voicings).
    Voicing(Chord),
    /// The notes of a scale.
    Scale(Scale),
    /// The interval between two notes.
    Interval(Note, Note),
    /// The note an interval above (or below) a note.
    IntervalFrom(Note, Interval, bool),
    /// A progression moved by an interval.
    Transpose(Vec<Chord>, Interval),
    /// The diatonic chords of a key.
    KeyChords(Key),
    /// The sharps or flats of a key.
    KeySignature(Key),
    /// The major key with this many sharps (positive) or flats (negative).
    KeyWithAccidentals(i32),
    /// The relative major or minor.
    Relative(Key),
    /// The chord on a degree of a key ("the V of D").
    Degree(usize, Key, bool),
    /// Roman-numeral analysis of a progression in a key.
    Analyze(Vec<Chord>, Key),
    /// The key chord shapes sound in with a capo.
    Capo(u8, PitchClass),
    /// Where to put the capo to sound in a key with given shapes.
    CapoFor(PitchClass, PitchClass),
    /// The shapes to play with a capo to sound in a key.
    CapoShapes(PitchClass, u8),
    /// The note at a string (1 = high E) and fret in standard tuning.
    FretNote(usize, u32),
    /// The strings of a tuning.
    Tuning(Tuning),
    /// The chord a set of notes makes.
    Identify(Vec<PitchClass>),
    /// The notes an ASCII tab plays, in standard tuning.
    TabNotes(fretwise_theory::Tab),
}

/// What the question is about.
#[derive(Debug, Clone)]
pub struct Understanding {
    /// The question as read (trimmed, cut to [`MAX_QUESTION_CHARS`]).
    pub question: String,
    /// With accidentals normalised ("B flat" → "Bb").
    pub normalized: String,
    /// The kind of answer wanted.
    pub intent: Intent,
    /// Concept ids, strongest first.
    pub concepts: Vec<String>,
    /// Guitar terms found (canonical term, category).
    pub terms: Vec<(String, Category)>,
    /// Theory queries.
    pub queries: Vec<TheoryQuery>,
    /// The question tries to override the instructor's instructions.
    pub injection: bool,
    /// Words worth searching for.
    pub search_text: String,
    /// Phrases in quotes (a lesson's title, as students name one: `In "Blues Turnarounds", …`).
    pub quoted: Vec<String>,
}

const INJECTION: &[&str] = &[
    "ignore your instructions",
    "ignore all previous",
    "ignore previous instructions",
    "ignore the above",
    "disregard your instructions",
    "disregard previous",
    "system prompt",
    "your instructions",
    "you are now",
    "pretend you are",
    "jailbreak",
    "developer mode",
    "reveal your prompt",
];

const GUITAR_WORDS: &[&str] = &[
    "guitar",
    "chord",
    "chords",
    "scale",
    "scales",
    "fret",
    "frets",
    "string",
    "strings",
    "pick",
    "picking",
    "strum",
    "strumming",
    "play",
    "playing",
    "riff",
    "solo",
    "note",
    "notes",
    "key",
    "tab",
    "capo",
    "tuning",
    "tune",
    "amp",
    "pedal",
    "practice",
    "practise",
    "lesson",
    "song",
    "music",
    "rhythm",
    "tempo",
    "metronome",
    "finger",
    "fingers",
    "interval",
    "mode",
    "blues",
    "jazz",
    "rock",
    "lick",
    "licks",
    "bend",
    "bending",
    "vibrato",
    "melody",
    "harmony",
    "bass",
    "acoustic",
    "electric",
    "progression",
    "arpeggio",
    "sharp",
    "flat",
    "semitone",
    "semitones",
];

/// Lexicon terms (effects and equipment) that make a question one about gear.
const GEAR_TERMS: &[&str] = &[
    "amplifier",
    "tube amp",
    "solid state amp",
    "modeling amp",
    "amp head",
    "speaker cabinet",
    "distortion",
    "overdrive",
    "fuzz",
    "compressor",
    "reverb",
    "delay",
    "flanger",
    "phaser",
    "tremolo effect",
    "wah",
    "octave pedal",
    "pitch shifter",
    "looper",
    "noise gate",
    "equalizer",
    "volume pedal",
    "pedalboard",
    "effects pedal",
    "multi-effects",
    "effects loop",
    "true bypass",
    "string gauge",
    "flatwound strings",
    "roundwound strings",
    "coated strings",
    "audio interface",
    "DI box",
    "attenuator",
    "acoustic pickup",
    "preamp",
];

/// Words left out when looking for concept names said with words inside them.
const FILLERS: &[&str] = &["between", "the", "my", "your", "our"];

/// Reads a question.
pub fn understand(question: &str, ontology: &Ontology, matcher: &TermMatcher) -> Understanding {
    let question: String = question.trim().chars().take(MAX_QUESTION_CHARS).collect();
    // A tab in the question is read as a tab; its lines are not words ("B|--" is no chord).
    let (prose, tab) = split_tab(&question);
    let normalized = normalize_accidentals(&prose.replace(['\n', '\t'], " "));
    let lower = normalized.to_lowercase();
    let injection = INJECTION.iter().any(|p| lower.contains(p));

    let found = matcher.find_in_text(&normalized);
    let terms: Vec<(String, Category)> =
        found.iter().map(|o| (o.term.clone(), o.category)).collect();
    let mut named = ontology.mention_phrases(&normalized);
    // People put small words inside names: "switching between chords" is "switching chords".
    let condensed: Vec<&str> = normalized
        .split_whitespace()
        .filter(|w| !FILLERS.contains(&w.to_lowercase().as_str()))
        .collect();
    for (c, phrase) in ontology.mention_phrases(&condensed.join(" ")) {
        if !named.iter().any(|(n, _)| n.id == c.id) {
            named.push((c, phrase));
        }
    }
    let mut concepts: Vec<String> = Vec::new();
    for (c, _) in &named {
        if !concepts.contains(&c.id) {
            concepts.push(c.id.clone());
        }
    }
    // A lexicon term inside a longer concept name belongs to that name: "shapes" in "the CAGED
    // shapes" is not the open-chords term "chord shape".
    let inside_a_name = |o: &fretwise_lexicon::TermOccurrence| {
        let spoken: Vec<String> = o
            .text
            .split_whitespace()
            .map(|w| {
                w.trim_matches(|c: char| !c.is_alphanumeric())
                    .to_lowercase()
            })
            .filter(|w| !w.is_empty())
            .collect();
        !spoken.is_empty()
            && named.iter().any(|(_, phrase)| {
                let words: Vec<&str> = phrase.split(' ').collect();
                words.len() > spoken.len() && spoken.iter().all(|s| words.contains(&s.as_str()))
            })
    };
    let free: Vec<fretwise_lexicon::TermOccurrence> = found
        .iter()
        .filter(|o| !inside_a_name(o))
        .cloned()
        .collect();
    for (id, _) in ontology.concepts_in(&free) {
        if !concepts.contains(&id) {
            concepts.push(id);
        }
    }
    // Concepts that everything mentions ("string", "fret") say little: keep them last.
    concepts.sort_by_key(|c| c == "guitar-basics");

    let mut queries = theory_queries(&normalized);
    if let Some(tab) = tab {
        queries.insert(0, TheoryQuery::TabNotes(tab));
    }
    // Amps, pedals and effects make a question about gear even beside a technique ("does a
    // compressor help fingerstyle?"). A list, not the whole category: "chorus", "vibe", "gain"
    // and "combo" are also plain words, and a pick or a capo is what a technique is played with.
    let names_gear = terms
        .iter()
        .any(|(t, c)| *c == Category::EffectsEquipment && GEAR_TERMS.contains(&t.as_str()));
    let intent = classify(
        &lower,
        &queries,
        &concepts,
        ontology,
        !terms.is_empty(),
        names_gear,
    );
    // Only the words that carry the topic are searched: "how do I … guitar" matches everything.
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let content: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !crate::STOP.contains(w))
        .collect();
    let search_text = if content.is_empty() { words } else { content }.join(" ");
    let quoted = quoted(&question);
    Understanding {
        question,
        normalized,
        intent,
        concepts,
        terms,
        queries,
        injection,
        search_text,
        quoted,
    }
}

/// The phrases between straight or curly double quotes, 3–200 characters, in order.
pub fn quoted(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut open: Option<usize> = None;
    for (i, c) in text.char_indices() {
        match (c, open) {
            ('"' | '\u{201c}', None) => open = Some(i + c.len_utf8()),
            ('"' | '\u{201d}', Some(start)) => {
                let phrase = text[start..i].trim();
                if (3..=200).contains(&phrase.chars().count()) {
                    out.push(phrase.to_string());
                }
                open = None;
            }
            _ => {}
        }
    }
    out
}

fn has_word(lower: &str, words: &[&str]) -> bool {
    lower
        .split(|c: char| !c.is_alphanumeric() && c != '-' && c != '\'')
        .any(|w| words.contains(&w))
}

fn classify(
    lower: &str,
    queries: &[TheoryQuery],
    concepts: &[String],
    ontology: &Ontology,
    has_terms: bool,
    names_gear: bool,
) -> Intent {
    let kinds: Vec<&str> = concepts
        .iter()
        .filter_map(|c| ontology.get(c))
        .map(|c| c.kind.as_str())
        .collect();
    let guitar =
        has_terms || !concepts.is_empty() || !queries.is_empty() || has_word(lower, GUITAR_WORDS);
    if !guitar {
        return Intent::OffTopic;
    }
    if has_word(
        lower,
        &["my playing", "recording", "recorded", "take", "feedback"],
    ) || lower.contains("my playing")
        || lower.contains("how did i")
        || lower.contains("am i playing")
        || lower.contains("i keep")
        || lower.contains("sounds buzzy")
        || lower.contains("buzzing when i")
    {
        return Intent::Feedback;
    }
    if !queries.is_empty() && !queries.iter().all(|q| matches!(q, TheoryQuery::Voicing(_))) {
        return Intent::Theory;
    }
    if has_word(
        lower,
        &[
            "practice",
            "practise",
            "practicing",
            "practising",
            "exercise",
            "exercises",
            "routine",
            "drill",
            "drills",
            "warm-up",
            "warmup",
        ],
    ) {
        return Intent::Practice;
    }
    if names_gear
        || kinds.contains(&"gear")
            && !kinds
                .iter()
                .any(|k| matches!(*k, "technique" | "chords" | "scales" | "theory"))
        || has_word(
            lower,
            &[
                "amp",
                "amps",
                "pedal",
                "pedals",
                "gauge",
                "gauges",
                "pickup",
                "pickups",
                "buy",
                "strings?",
                "action",
                "truss",
                "intonation",
                "effects",
                "distortion",
            ],
        )
    {
        return Intent::Gear;
    }
    if kinds.contains(&"style")
        || has_word(lower, &["song", "songs", "style", "genre", "sound like"])
    {
        return Intent::Style;
    }
    if queries.iter().any(|q| matches!(q, TheoryQuery::Voicing(_)))
        || kinds
            .iter()
            .any(|k| matches!(*k, "technique" | "chords" | "rhythm"))
    {
        return Intent::Technique;
    }
    if kinds
        .iter()
        .any(|k| matches!(*k, "theory" | "scales" | "reading"))
    {
        return Intent::Theory;
    }
    Intent::Technique
}

/// Words with trailing punctuation removed, original case kept.
fn words_of(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.trim_end_matches(['?', '.', ',', '!', ':', ';', ')'])
                .trim_start_matches(['(', '"', '\''])
                .trim_end_matches(['"', '\''])
                .to_string()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

fn lower_words(words: &[String]) -> Vec<String> {
    words.iter().map(|w| w.to_lowercase()).collect()
}

/// A note name token ("C", "F#", "Bb", "C4").
fn note_token(w: &str) -> Option<Note> {
    if !w.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
        return None;
    }
    w.parse::<Note>().ok()
}

fn pitch_token(w: &str) -> Option<PitchClass> {
    if !w.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
        return None;
    }
    w.parse::<PitchClass>().ok()
}

fn number_token(w: &str) -> Option<u32> {
    let w = w.to_lowercase();
    if let Some(n) = ordinal_number(&w) {
        return u32::try_from(n).ok();
    }
    w.parse().ok()
}

/// Chords written as symbols from `start` on (a progression), stopping at the first word that
/// is not one.
fn chord_run(words: &[String], start: usize) -> (Vec<Chord>, usize) {
    let mut out = Vec::new();
    let mut i = start;
    while i < words.len() {
        let w = words[i].trim_matches(|c: char| matches!(c, ',' | '|' | '-'));
        if w.is_empty() || w == "-" || w == "|" {
            i += 1;
            continue;
        }
        if !w.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
            break;
        }
        match Chord::parse(w) {
            Ok(c) => out.push(c),
            Err(_) => break,
        }
        i += 1;
    }
    (out, i)
}

/// Finds "in (the key of) X" after position `from`; returns the key.
fn key_after(words: &[String], lw: &[String], from: usize) -> Option<Key> {
    for i in from..words.len() {
        if matches!(lw[i].as_str(), "in" | "of" | "for" | "with") {
            let mut j = i + 1;
            if lw.get(j).is_some_and(|w| w == "the") {
                j += 1;
            }
            if lw.get(j).is_some_and(|w| w == "key") {
                j += 1;
                if lw.get(j).is_some_and(|w| w == "of") {
                    j += 1;
                }
            }
            let rest: Vec<&str> = words[j.min(words.len())..]
                .iter()
                .map(String::as_str)
                .collect();
            if let Some((k, _)) = key_in_words(&rest) {
                return Some(k);
            }
        }
    }
    None
}

const DEGREE_WORDS: &[(&str, usize)] = &[
    ("i", 1),
    ("ii", 2),
    ("iii", 3),
    ("iv", 4),
    ("v", 5),
    ("vi", 6),
    ("vii", 7),
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("1", 1),
    ("2", 2),
    ("3", 3),
    ("4", 4),
    ("5", 5),
    ("6", 6),
    ("7", 7),
];

fn degree_token(w: &str) -> Option<(usize, bool)> {
    let lw = w.to_lowercase();
    let base = lw
        .trim_end_matches('7')
        .trim_end_matches("°")
        .trim_end_matches('o');
    let base = if base.is_empty() { lw.as_str() } else { base };
    let seventh = lw.len() > base.len() && lw.ends_with('7');
    DEGREE_WORDS
        .iter()
        .find(|(n, _)| *n == base)
        .map(|(_, d)| (*d, seventh))
}

/// The question without its tab lines, and the tab they make (when they hold notes).
fn split_tab(question: &str) -> (String, Option<fretwise_theory::Tab>) {
    let Ok(tab) = fretwise_theory::Tab::parse(question) else {
        return (question.to_string(), None);
    };
    if tab.events.iter().all(|e| e.fret.is_none()) {
        return (question.to_string(), None);
    }
    // Tab lines: a string label, a bar or colon, then dashes and frets.
    let is_tab_line = |l: &str| {
        let t = l.trim();
        t.find(['|', ':'])
            .is_some_and(|i| i <= 3 && t[i..].matches('-').count() >= 2)
    };
    let prose: Vec<&str> = question.lines().filter(|l| !is_tab_line(l)).collect();
    (prose.join("\n"), Some(tab))
}

/// Every theory query in the (accidental-normalised) question, in a fixed order of kinds.
pub fn theory_queries(text: &str) -> Vec<TheoryQuery> {
    let words = words_of(text);
    let lw = lower_words(&words);
    let mut out = Vec::new();
    let lower = lw.join(" ");
    let has = |w: &str| lw.iter().any(|x| x == w);

    // --- Fretboard: "the 5th fret of the low E string", "string 6 fret 3", "open A string".
    let mut fret: Option<u32> = None;
    let mut string: Option<usize> = None;
    for i in 0..lw.len() {
        if lw[i] == "fret" || lw[i] == "frets" {
            if i > 0 {
                fret = fret.or_else(|| number_token(&lw[i - 1]));
            }
            if fret.is_none() {
                fret = lw.get(i + 1).and_then(|w| number_token(w));
            }
        }
        if lw[i] == "string" {
            let prev = if i > 0 { Some(&words[i - 1]) } else { None };
            let next = lw.get(i + 1);
            string = string
                .or_else(|| prev.and_then(|p| string_number(p, i.checked_sub(2).map(|j| &lw[j]))))
                .or_else(|| {
                    next.and_then(|n| number_token(n))
                        .map(|n| n as usize)
                        .filter(|n| (1..=6).contains(n))
                });
            if i > 0 && lw[i - 1].len() == 1 && i >= 2 && lw[i - 2] == "open" {
                fret = fret.or(Some(0));
            }
        }
    }
    let capo_mentioned = has("capo");
    if let (Some(f), Some(s)) = (fret, string)
        && !capo_mentioned
    {
        out.push(TheoryQuery::FretNote(s, f));
    }

    // --- Capo.
    if capo_mentioned {
        let mut capo_fret: Option<u8> = None;
        let mut shape: Option<PitchClass> = None;
        let mut target: Option<PitchClass> = None;
        for i in 0..lw.len() {
            if lw[i] == "capo"
                && let Some(n) = lw.iter().skip(i + 1).take(4).find_map(|w| number_token(w))
            {
                capo_fret = u8::try_from(n).ok();
            }
            if (lw[i] == "fret" || lw[i] == "frets") && capo_fret.is_none() && i > 0 {
                capo_fret = number_token(&lw[i - 1]).and_then(|n| u8::try_from(n).ok());
            }
            if lw[i] == "shape" || lw[i] == "shapes" || lw[i] == "form" || lw[i] == "forms" {
                let mut j = i.saturating_sub(1);
                if lw[j] == "chord" && j > 0 {
                    j -= 1;
                }
                shape = shape.or_else(|| pitch_token(&words[j]).or_else(|| key_root(&words[j])));
            }
            if (lw[i] == "playing" || lw[i] == "play" || lw[i] == "using")
                && let Some(w) = words.get(i + 1)
            {
                let w2 = if lw[i + 1] == "a" || lw[i + 1] == "an" || lw[i + 1] == "the" {
                    words.get(i + 2)
                } else {
                    Some(w)
                };
                if let Some(w2) = w2 {
                    let next_is_key = lw.get(i + 1).is_some_and(|x| x == "in");
                    if !next_is_key {
                        shape = shape.or_else(|| pitch_token(w2).or_else(|| key_root(w2)));
                    }
                }
            }
            if (lw[i] == "in" || lw[i] == "sound" || lw[i] == "sounds")
                && target.is_none()
                && !(i + 1 < lw.len()
                    && lw[i + 1] == "the"
                    && lw.get(i + 2).is_some_and(|w| w != "key"))
            {
                let mut j = i + 1;
                while j < lw.len() && matches!(lw[j].as_str(), "the" | "key" | "of" | "in" | "like")
                {
                    j += 1;
                }
                if let Some(w) = words.get(j) {
                    target = pitch_token(w).or_else(|| key_root(w));
                }
            }
        }
        match (capo_fret, shape, target) {
            (Some(f), Some(s), _) => out.push(TheoryQuery::Capo(f, s)),
            (None, Some(s), Some(t)) => out.push(TheoryQuery::CapoFor(t, s)),
            (Some(f), None, Some(t)) => out.push(TheoryQuery::CapoShapes(t, f)),
            _ => {}
        }
    }

    // --- Intervals.
    if has("interval") || has("semitones") || has("steps") || lower.contains("half steps") {
        // "between C and G", "from E to G", or just "C to F#".
        let start = lw
            .iter()
            .position(|w| w == "between" || w == "from")
            .map_or(0, |p| p + 1);
        let mut found = None;
        for i in start..words.len() {
            if let (Some(a), Some(link), Some(b)) = (
                note_token(&words[i]),
                lw.get(i + 1),
                words.get(i + 2).and_then(|w| note_token(w)),
            ) && matches!(link.as_str(), "to" | "and")
            {
                found = Some((a, b));
                break;
            }
            // "from G up to Eb", "from E down to C"
            if let (Some(a), Some(dir), Some(_), Some(b)) = (
                note_token(&words[i]),
                lw.get(i + 1),
                lw.get(i + 2).filter(|w| *w == "to"),
                words.get(i + 3).and_then(|w| note_token(w)),
            ) && matches!(dir.as_str(), "up" | "down")
            {
                found = Some(if dir == "up" { (a, b) } else { (b, a) });
                break;
            }
        }
        // "How far is F# above Db?": the interval from the lower note up.
        if found.is_none() {
            for i in 0..words.len() {
                if let (Some(a), Some(link), Some(b)) = (
                    note_token(&words[i]),
                    lw.get(i + 1),
                    words.get(i + 2).and_then(|w| note_token(w)),
                ) && matches!(link.as_str(), "above" | "below")
                {
                    found = Some(if link == "above" { (b, a) } else { (a, b) });
                    break;
                }
            }
        }
        if let Some((a, b)) = found {
            out.push(TheoryQuery::Interval(a, b));
        }
    }
    for (i, w) in lw.iter().enumerate() {
        if matches!(w.as_str(), "above" | "below" | "up" | "down") && i > 0 {
            let below = w == "below" || w == "down";
            // "a major third above E", "a perfect fifth up from A"
            let mut j = i + 1;
            if lw.get(j).is_some_and(|x| x == "from") {
                j += 1;
            }
            let Some(note) = words.get(j).and_then(|x| note_token(x)) else {
                continue;
            };
            let start = i.saturating_sub(3);
            for s in start..i {
                let slice: Vec<&str> = words[s..i].iter().map(String::as_str).collect();
                if let Some((iv, n)) = interval_in_words(&slice)
                    && s + n == i
                {
                    out.push(TheoryQuery::IntervalFrom(note, iv, below));
                    break;
                }
            }
        }
    }

    // --- Keys: relative, signature, chords, degrees, analysis.
    if has("relative") {
        if let Some(k) = key_after(&words, &lw, 0) {
            out.push(TheoryQuery::Relative(k));
        } else if let Some(i) = lw.iter().position(|w| w == "relative") {
            // "A minor's relative major"
            let slice: Vec<&str> = words[..i].iter().map(String::as_str).collect();
            for s in 0..slice.len() {
                if let Some((k, n)) = key_in_words(&slice[s..])
                    && s + n >= slice.len().saturating_sub(1)
                {
                    out.push(TheoryQuery::Relative(k));
                    break;
                }
            }
        }
    }
    let sharps_flats = has("sharps") || has("flats") || has("sharp") || has("flat");
    if (sharps_flats && lower.contains("how many")) || has("signature") {
        // "in A major", "of D minor", or the key as the subject: "does E major have".
        let key = key_after(&words, &lw, 0).or_else(|| {
            let d = lw.iter().position(|w| w == "does" || w == "has")?;
            let rest: Vec<&str> = words[d + 1..].iter().map(String::as_str).collect();
            key_in_words(&rest).map(|(k, _)| k)
        });
        if let Some(k) = key {
            out.push(TheoryQuery::KeySignature(k));
        }
    }
    if (lower.contains("what key") || lower.contains("which key"))
        && sharps_flats
        && let Some(i) = lw
            .iter()
            .position(|w| w == "sharps" || w == "sharp" || w == "flats" || w == "flat")
        && i > 0
        && let Some(n) = number_token(&lw[i - 1])
    {
        let n = n as i32;
        out.push(TheoryQuery::KeyWithAccidentals(
            if lw[i].starts_with("sharp") { n } else { -n },
        ));
    }
    let progression_start = lw
        .iter()
        .position(|w| w == "progression" || w == "analyze" || w == "analyse" || w == "numerals");
    if let Some(p) = progression_start {
        let mut found = None;
        for s in p..words.len() {
            let (chords, end) = chord_run(&words, s);
            if chords.len() >= 2 {
                found = Some((chords, end));
                break;
            }
        }
        if let Some((chords, end)) = found
            && !has("transpose")
            && let Some(k) = key_after(&words, &lw, end)
        {
            out.push(TheoryQuery::Analyze(chords, k));
        }
    }
    // "what's the iii in D": a roman numeral right before its key needs no "chord".
    if !has("chord") && !has("chords") {
        for (i, w) in words.iter().enumerate() {
            let roman = w.chars().all(|c| "IViv°o7".contains(c)) && w.len() > 1 || w == "V";
            if roman
                && i > 0
                && lw[i - 1] == "the"
                && lw.get(i + 1).is_some_and(|n| n == "in" || n == "of")
                && let Some((d, seventh)) = degree_token(w)
                && let Some(k) = key_after(&words, &lw, i + 1)
            {
                out.push(TheoryQuery::Degree(d, k, seventh));
                break;
            }
        }
    }
    if has("chord") || has("chords") {
        for (i, w) in words.iter().enumerate() {
            if let Some((d, seventh)) = degree_token(w) {
                // "the V chord in D", "the five of G", "what's the ii in F"
                let next = lw.get(i + 1).map(String::as_str);
                let prev = if i > 0 {
                    Some(lw[i - 1].as_str())
                } else {
                    None
                };
                let numeral_like = w.chars().all(|c| "IViv°o7".contains(c));
                let ok = matches!(prev, Some("the") | Some("a"))
                    && (numeral_like || matches!(next, Some("chord")));
                // "In the key of Ab, what's the VII chord?": the key may come first.
                if ok
                    && let Some(k) =
                        key_after(&words, &lw, i + 1).or_else(|| key_after(&words, &lw, 0))
                {
                    out.push(TheoryQuery::Degree(d, k, seventh));
                    break;
                }
            }
        }
        if out
            .iter()
            .all(|q| !matches!(q, TheoryQuery::Degree(..) | TheoryQuery::Analyze(..)))
            && (has("diatonic")
                || lower.contains("chords in")
                || lower.contains("chords of")
                || lower.contains("chords are in")
                || lower.contains("chords for the key")
                || lower.contains("chords go with"))
            && let Some(k) = key_after(&words, &lw, 0)
        {
            out.push(TheoryQuery::KeyChords(k));
        }
    }

    // --- Transposing.
    if let Some(t) = lw
        .iter()
        .position(|w| w == "transpose" || w == "transposed" || w == "move")
    {
        let mut chords = Vec::new();
        let mut after = t + 1;
        for s in t + 1..words.len() {
            let (c, end) = chord_run(&words, s);
            if !c.is_empty() {
                chords = c;
                after = end;
                break;
            }
        }
        if !chords.is_empty() {
            let mut interval = None;
            for i in after..lw.len() {
                if lw[i] == "up" || lw[i] == "down" {
                    let down = lw[i] == "down";
                    let mut j = i + 1;
                    if lw
                        .get(j)
                        .is_some_and(|w| w == "a" || w == "an" || w == "by")
                    {
                        j += 1;
                    }
                    let rest: Vec<&str> = words[j.min(words.len())..]
                        .iter()
                        .map(String::as_str)
                        .collect();
                    let iv = interval_in_words(&rest).map(|(iv, _)| iv).or_else(|| {
                        let n = rest.first().and_then(|w| number_token(w))?;
                        let unit = rest.get(1).map(|w| w.to_lowercase()).unwrap_or_default();
                        if unit.starts_with("semitone")
                            || unit.starts_with("half")
                            || unit.starts_with("fret")
                        {
                            semitone_interval(n as i32)
                        } else if unit.starts_with("whole")
                            || unit.starts_with("step")
                            || unit.starts_with("tone")
                        {
                            semitone_interval(2 * n as i32)
                        } else {
                            None
                        }
                    });
                    if let Some(iv) = iv {
                        interval = Some(if down { negate(iv) } else { iv });
                    }
                    break;
                }
                if lw[i] == "to" {
                    let mut j = i + 1;
                    while j < lw.len() && matches!(lw[j].as_str(), "the" | "key" | "of") {
                        j += 1;
                    }
                    let rest: Vec<&str> = words[j.min(words.len())..]
                        .iter()
                        .map(String::as_str)
                        .collect();
                    if let Some((k, _)) = key_in_words(&rest) {
                        let from = chords[0].root;
                        let iv = Interval::between(
                            &Note::pitch_class(from),
                            &Note::pitch_class(k.tonic),
                        );
                        interval = Some(iv);
                    }
                    break;
                }
            }
            if let Some(iv) = interval {
                out.push(TheoryQuery::Transpose(chords, iv));
            }
        }
    }

    // --- Tunings.
    // "DADGAD" and "drop D" name nothing but tunings; "open G" may be a chord.
    if has("tuning") || has("tuned") || has("dadgad") || lower.contains("drop d") {
        for name in [
            "drop d",
            "drop c",
            "dadgad",
            "open g",
            "open d",
            "open e",
            "open c",
            "open a",
            "half step down",
            "whole step down",
            "standard",
        ] {
            if lower.contains(name) {
                if let Ok(t) = Tuning::named(name) {
                    out.push(TheoryQuery::Tuning(t));
                }
                break;
            }
        }
    }

    // --- Identify: "what chord is C E G", "what chord has the notes E, G and C".
    if (lower.contains("what chord")
        || lower.contains("which chord")
        || lower.contains("name this chord")
        || lower.contains("name the chord")
        || lower.contains("identify the chord")
        || lower.contains("identify this chord"))
        && !lower.contains("chord is in")
    {
        let notes: Vec<PitchClass> = words.iter().filter_map(|w| pitch_token(w)).collect();
        if notes.len() >= 3 {
            out.push(TheoryQuery::Identify(notes));
        }
    }

    let structured = !out.is_empty();

    // --- Scales.
    let scale_context = has("scale") || has("scales") || has("mode") || has("modes");
    let mut scale_found = false;
    for i in 0..words.len() {
        let rest: Vec<&str> = words[i..].iter().map(String::as_str).collect();
        if let Some((s, n)) = scale_in_words(&rest) {
            let name = s.scale_type().name.to_lowercase();
            let ambiguous = matches!(
                name.as_str(),
                "major" | "minor" | "diminished" | "augmented"
            );
            let named_scale = n >= 2
                && (!ambiguous
                    || lw
                        .get(i + n - 1)
                        .is_some_and(|w| w == "scale" || w == "mode"));
            // "F# dominant 7th chord" names a chord, not the dominant (mixolydian) scale.
            let chordish = lw.get(i + n).is_some_and(|w| {
                matches!(
                    w.as_str(),
                    "chord"
                        | "chords"
                        | "7th"
                        | "7"
                        | "seventh"
                        | "seven"
                        | "triad"
                        | "9th"
                        | "ninth"
                )
            });
            // "up a whole tone", "down a half step": an amount to move by, not a scale.
            // The "a" may itself read as the tonic A.
            let moved_by = |k: usize| matches!(lw[k].as_str(), "up" | "down" | "by");
            let amount = (i >= 1 && lw[i] == "a" && moved_by(i - 1))
                || (i >= 2 && matches!(lw[i - 1].as_str(), "a" | "one") && moved_by(i - 2));
            if rest.len() > 1
                && !chordish
                && !amount
                && !scale_named_like_a_chord(&rest, n)
                && (named_scale || (scale_context && n >= 2))
                && !structured_key_word(&lw, i)
            {
                out.push(TheoryQuery::Scale(s));
                scale_found = true;
                break;
            }
        }
    }

    // --- Chords.
    if !structured && !scale_found {
        let how_to_play = lower.contains("how do i play")
            || lower.contains("how to play")
            || lower.contains("how do you play")
            || lower.contains("way to play")
            || lower.contains("fingering")
            || has("voicing")
            || has("voicings")
            || lower.contains("chord shape")
            || lower.contains("shape for")
            || lower.contains("diagram");
        let mut i = 0;
        while i < words.len() {
            let rest: Vec<&str> = words[i..].iter().map(String::as_str).collect();
            // "the half-diminished chord on F#"
            if let Some((c, n)) = chord_quality_on(&rest) {
                out.push(TheoryQuery::Chord(c.clone()));
                if how_to_play {
                    out.push(TheoryQuery::Voicing(c));
                }
                i += n;
                continue;
            }
            if let Some((c, n)) = chord_in_words(&rest) {
                let bare = n == 1
                    && words[i].len() <= 2
                    && Chord::parse(&words[i]).is_ok_and(|c| c.chord_type().symbol().is_empty());
                let prev = if i > 0 { lw[i - 1].as_str() } else { "" };
                let next = lw.get(i + n).map(String::as_str).unwrap_or("");
                let accept = if bare {
                    i > 0
                        && (matches!(next, "chord" | "shape" | "major" | "triad")
                            || matches!(
                                prev,
                                "play"
                                    | "spell"
                                    | "of"
                                    | "for"
                                    | "an"
                                    | "a"
                                    | "in"
                                    | "is"
                                    | "the"
                                    | "up"
                            ))
                        && !matches!(next, "string" | "strings" | "note" | "key" | "shape?")
                        && !(prev == "the" && next == "string")
                } else {
                    // "A minor" needs its own context when it is not a symbol.
                    !matches!(next, "key" | "string" | "pentatonic" | "scale" | "mode")
                };
                // "Do", "Go" (a letter and "o", diminished) and "Am I" are English words,
                // unless the question calls them a chord.
                let english = n == 1
                    && next != "chord"
                    && (matches!(lw[i].as_str(), "do" | "go")
                        || (lw[i] == "am" && matches!(next, "i" | "i'm")));
                let accept = accept && !english;
                // A bare letter is a chord only where the question asks about chords.
                let chord_question = how_to_play
                    || lower.contains("notes")
                    || lower.contains("spell")
                    || next == "chord"
                    || lower.contains("what's in")
                    || lower.contains("what is in");
                if accept && (!bare || chord_question) {
                    out.push(TheoryQuery::Chord(c.clone()));
                    if how_to_play {
                        out.push(TheoryQuery::Voicing(c));
                    }
                }
                i += n;
                continue;
            }
            i += 1;
        }
    }
    dedupe(out)
}

/// "in the key of E minor" — a key phrase, not a scale question.
fn structured_key_word(lw: &[String], i: usize) -> bool {
    i >= 2 && lw[i - 1] == "of" && lw[i - 2] == "key"
}

fn key_root(w: &str) -> Option<PitchClass> {
    Key::parse(w).ok().map(|k| k.tonic)
}

fn string_number(prev: &str, before: Option<&String>) -> Option<usize> {
    let lp = prev.to_lowercase();
    if let Some(n) = ordinal_number(&lp).filter(|n| (1..=6).contains(n)) {
        return usize::try_from(n).ok();
    }
    let high = before.is_some_and(|b| b == "high" || b == "thin" || b == "top");
    match lp.as_str() {
        "e" if high => Some(1),
        "e" => Some(6),
        "b" => Some(2),
        "g" => Some(3),
        "d" => Some(4),
        "a" => Some(5),
        _ => None,
    }
}

fn semitone_interval(n: i32) -> Option<Interval> {
    // Half steps as the plain interval names guitarists use (1 = m2, 2 = M2 …, 6 = tritone).
    const STEPS: [i32; 12] = [0, 1, 1, 2, 2, 3, 3, 4, 5, 5, 6, 6];
    if !(0..=24).contains(&n) {
        return None;
    }
    let octaves = n / 12;
    let r = (n % 12) as usize;
    Some(Interval::from_steps(STEPS[r] + 7 * octaves, n))
}

fn negate(iv: Interval) -> Interval {
    Interval::from_steps(-iv.steps(), -iv.semitones())
}

fn dedupe(qs: Vec<TheoryQuery>) -> Vec<TheoryQuery> {
    let mut seen = std::collections::HashSet::new();
    qs.into_iter()
        .filter(|q| seen.insert(format!("{q:?}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_phrases_are_read_in_straight_and_curly_quotes() {
        assert_eq!(
            quoted("In \"Blues Turnarounds (Part 5)\", how do I end?"),
            vec!["Blues Turnarounds (Part 5)".to_string()]
        );
        assert_eq!(
            quoted("In \u{201c}Travis Picking\u{201d} and \"Hi\" and \"unclosed"),
            vec!["Travis Picking".to_string()]
        );
        assert!(quoted("no quotes here").is_empty());
    }

    #[test]
    fn effects_beside_a_technique_make_a_gear_question() {
        let u = |t: &str| understand(t, &Ontology::builtin(), &TermMatcher::builtin()).intent;
        assert_eq!(u("Does overdrive make legato easier?"), Intent::Gear);
        assert_eq!(u("Is a noise gate useful for palm muting?"), Intent::Gear);
        // Plain words that are also effects, and the tools a technique is played with.
        assert_ne!(
            u("How do I play the chorus of a song with hammer-ons?"),
            Intent::Gear
        );
        assert_ne!(
            u("How do I hold the pick when I play legato?"),
            Intent::Gear
        );
        assert_ne!(u("How do I use a capo with barre chords?"), Intent::Gear);
    }

    #[test]
    fn concept_names_said_with_small_words_inside_are_found() {
        let u = |t: &str| understand(t, &Ontology::builtin(), &TermMatcher::builtin()).concepts;
        assert!(
            u("How do I get faster at switching between chords?")
                .contains(&"chord-changes".to_string())
        );
        assert!(!u("How do I hold the pick?").contains(&"chord-changes".to_string()));
    }

    #[test]
    fn reads_phrasings_found_missing_in_a_second_hand_written_batch() {
        // Each was read as nothing (or as something else) before; the pairs must agree.
        assert_eq!(
            q("interval from G up to E flat"),
            q("What is the interval between G and Eb?")
        );
        assert_eq!(
            q("interval from E down to C"),
            q("What is the interval between C and E?")
        );
        assert_eq!(
            q("how many sharps does E major have"),
            q("How many sharps are in E major?")
        );
        assert_eq!(q("what's the iii in D"), q("What's the iii chord in D?"));
        assert_eq!(
            q("what are the notes of DADGAD"),
            q("What is DADGAD tuning?")
        );
        assert_eq!(q("name the chord A C E"), q("What chord is A C E?"));
        // "down a whole tone" is how far to move, not the whole-tone scale.
        let moved = q("Transpose Am F C G down a whole tone");
        assert_eq!(moved.len(), 1, "{moved:?}");
        assert!(moved[0].starts_with("Transpose("), "{moved:?}");
        // A pronoun is not a degree, and "open G" alone stays a chord question.
        assert!(q("what's the I in the song about").is_empty());
        assert!(
            !q("notes of an open G")
                .iter()
                .any(|x| x.starts_with("Tuning"))
        );
    }

    fn q(text: &str) -> Vec<String> {
        theory_queries(&normalize_accidentals(text))
            .iter()
            .map(|q| format!("{q:?}"))
            .collect()
    }

    #[test]
    fn reads_tabs_intervals_above_and_keys_said_first() {
        let u = |t: &str| understand(t, &Ontology::builtin(), &TermMatcher::builtin());
        let tab = u(
            "What notes does this tab play?\ne|-----|\nB|-1---|\nG|---2-|\nD|-----|\nA|3----|\nE|-----|",
        );
        assert!(
            matches!(tab.queries.first(), Some(TheoryQuery::TabNotes(t)) if t.events.len() == 3)
        );
        // The tab's "B|" line is not a B chord.
        assert_eq!(tab.queries.len(), 1, "{:?}", tab.queries);
        assert_eq!(
            q("How far is F# above Db, as an interval?"),
            q("What interval is it from Db to F#?")
        );
        assert!(q("In the key of Ab major, what's the VII chord?")[0].starts_with("Degree(7"));
        assert!(q("Which notes make up Ab half-diminished?")[0].starts_with("Chord("));
    }

    #[test]
    fn a_term_inside_a_longer_concept_name_adds_no_concept() {
        let u = |t: &str| understand(t, &Ontology::builtin(), &TermMatcher::builtin()).concepts;
        // "shapes" inside "the CAGED shapes" is not the open-chords term "chord shape" …
        assert_eq!(u("How do I practice the CAGED shapes?"), ["caged"]);
        // … but on its own it still is.
        assert!(
            u("Which chord shapes should a beginner learn first?")
                .contains(&"open-chords".to_string())
        );
    }

    #[test]
    fn english_words_that_spell_chords_are_not_chords() {
        assert!(q("Do the fingerstyle lessons include hammer-ons and pull-offs?").is_empty());
        assert!(q("Go slowly: which notes are in it?").is_empty());
        assert!(q("Am I holding the pick right?").is_empty());
        // Said as a chord, they are still read.
        assert!(q("What notes are in a Do chord?")[0].starts_with("Chord("));
        assert!(q("What notes are in Am?")[0].starts_with("Chord("));
    }

    #[test]
    fn finds_chords_said_many_ways() {
        for text in [
            "what's in a Bb7?",
            "What notes are in a B flat 7 chord?",
            "spell B♭7 for me",
        ] {
            let found = theory_queries(&normalize_accidentals(text));
            assert!(
                found
                    .iter()
                    .any(|q| matches!(q, TheoryQuery::Chord(c) if c.to_string() == "Bb7")),
                "{text}: {found:?}"
            );
        }
        let found = theory_queries(&normalize_accidentals(
            "what is the half-diminished chord on F sharp",
        ));
        assert!(
            found
                .iter()
                .any(|q| matches!(q, TheoryQuery::Chord(c) if c.to_string() == "F#m7b5")),
            "{found:?}"
        );
    }

    #[test]
    fn finds_fretboard_and_capo() {
        assert!(
            q("What note is on the 5th fret of the low E string?")[0].contains("FretNote(6, 5)")
        );
        assert!(q("capo on 3 playing G shapes, what key am I in?")[0].starts_with("Capo(3"));
    }

    #[test]
    fn no_theory_in_plain_questions() {
        assert!(q("How do I get better at bending?").is_empty());
        assert!(q("A good way to practice strumming?").is_empty());
        assert!(q("I want to play faster").is_empty());
    }
}
