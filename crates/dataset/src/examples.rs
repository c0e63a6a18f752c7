//! Examples built from lessons: passages, instruction pairs, theory pairs, conversations.

use fretwise_catalog::{LessonCuration, LessonText};
use fretwise_knowledge::Ontology;
use fretwise_theory::{Chord, Key, Note, Scale, Tuning, capo_shapes_sound_in};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// A guitar term inside a passage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PassageTerm {
    /// Canonical term.
    pub term: String,
    /// Category.
    pub category: String,
    /// Start, seconds from lesson start.
    pub start_s: f64,
    /// End, seconds.
    pub end_s: f64,
}

/// A word with timing, for multimodal records.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimedWord {
    /// Word.
    pub word: String,
    /// Start, seconds.
    pub start: f64,
    /// End, seconds.
    pub end: f64,
    /// Recogniser score.
    pub score: Option<f64>,
}

/// A chunk of a lesson's speech on utterance boundaries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Passage {
    /// `lesson-id#chunk`.
    pub id: String,
    /// Lesson id.
    pub lesson_id: String,
    /// The instructor's words.
    pub text: String,
    /// Start, seconds.
    pub start_s: f64,
    /// End, seconds.
    pub end_s: f64,
    /// Terms with timestamps.
    pub terms: Vec<PassageTerm>,
    /// Words with timings.
    pub words: Vec<TimedWord>,
    /// Index of the first utterance.
    pub first_utterance: usize,
    /// Concepts the passage teaches, strongest first (from the concept ontology).
    pub concepts: Vec<String>,
}

/// Chunking settings.
#[derive(Debug, Clone)]
pub struct ChunkOptions {
    /// Target words per passage.
    pub target_words: usize,
    /// Utterances repeated at the start of the next passage.
    pub overlap_utterances: usize,
    /// Passages shorter than this are merged or dropped ("Okay." fragments).
    pub min_words: usize,
}

impl Default for ChunkOptions {
    fn default() -> Self {
        Self {
            target_words: 120,
            overlap_utterances: 1,
            min_words: 25,
        }
    }
}

fn word_count(s: &str) -> usize {
    s.split_whitespace().count()
}

/// Splits a lesson into passages on utterance boundaries.
pub fn passages(content: &LessonText, opts: &ChunkOptions, ontology: &Ontology) -> Vec<Passage> {
    let u = &content.utterances;
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    while start < u.len() {
        let mut end = start;
        let mut words = 0;
        while end < u.len() && (words < opts.target_words || end == start) {
            words += word_count(&u[end].text);
            end += 1;
        }
        ranges.push((start, end));
        if end >= u.len() {
            break;
        }
        start = end.saturating_sub(opts.overlap_utterances).max(start + 1);
    }
    // A short tail joins the passage before it.
    if ranges.len() >= 2 {
        let (s, e) = ranges[ranges.len() - 1];
        let w: usize = u[s..e].iter().map(|x| word_count(&x.text)).sum();
        if w < opts.min_words {
            ranges.pop();
            if let Some(last) = ranges.last_mut() {
                last.1 = e;
            }
        }
    }
    ranges
        .into_iter()
        .enumerate()
        .filter_map(|(k, (s, e))| {
            let slice = &u[s..e];
            let text = slice
                .iter()
                .map(|x| x.text.trim())
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            if word_count(&text) < opts.min_words {
                return None;
            }
            let start_s = slice.iter().map(|x| x.start).fold(f64::INFINITY, f64::min);
            let end_s = slice.iter().map(|x| x.end).fold(0.0, f64::max);
            let inside: Vec<fretwise_lexicon::TermOccurrence> = content
                .terms
                .iter()
                .filter(|t| (s..e).contains(&t.utterance))
                .cloned()
                .collect();
            let concepts = ontology
                .concepts_in(&inside)
                .into_iter()
                .map(|(id, _)| id)
                .collect();
            let terms = inside
                .iter()
                .map(|t| PassageTerm {
                    term: t.term.clone(),
                    category: t.category.as_str().to_string(),
                    start_s: t.start_s,
                    end_s: t.end_s,
                })
                .collect();
            let words = slice
                .iter()
                .flat_map(|x| x.words.iter())
                .map(|w| TimedWord {
                    word: w.text.clone(),
                    start: w.start,
                    end: w.end,
                    score: w.score,
                })
                .collect();
            Some(Passage {
                id: format!("{}#{k}", content.id),
                lesson_id: content.id.clone(),
                text,
                start_s: if start_s.is_finite() { start_s } else { 0.0 },
                end_s,
                terms,
                words,
                first_utterance: s,
                concepts,
            })
        })
        .collect()
}

/// Where a lesson pair's answer comes from: the passage, kept verbatim as the citation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Citation {
    /// Passage id (`lesson-id#chunk`).
    pub passage_id: String,
    /// Start, seconds from lesson start.
    pub start_s: f64,
    /// End, seconds.
    pub end_s: f64,
    /// The passage as the instructor said it.
    pub text: String,
}

/// A question/answer example.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pair {
    /// Example id.
    pub id: String,
    /// "lesson" (the instructor's words) or "theory" (generated and checked by the theory engine).
    pub source: String,
    /// System prompt.
    pub system: String,
    /// Student question.
    pub question: String,
    /// Answer.
    pub answer: String,
    /// Lesson id for lesson pairs.
    pub segment_id: Option<String>,
    /// The passage a lesson pair's answer was made from.
    pub citation: Option<Citation>,
}

/// The system prompt naming the instructor's style and the student's level.
pub fn system_prompt(info: &LessonCuration) -> String {
    let who = match &info.instructor {
        Some(name) => format!("You are a guitar instructor who teaches like {name}"),
        None => "You are a guitar instructor".to_string(),
    };
    let style = info
        .style
        .as_ref()
        .map(|s| format!(", specialising in {}", s.to_lowercase()))
        .unwrap_or_default();
    let level = match &info.level {
        Some(l) => format!(" The student is at the {} level.", l.to_lowercase()),
        None => " Adapt to the student's level.".to_string(),
    };
    format!(
        "{who}{style}.{level} Explain clearly, describe what to listen for, and give practical practice advice."
    )
}

const ROOTS: [&str; 12] = [
    "C", "G", "D", "A", "E", "B", "F#", "F", "Bb", "Eb", "Ab", "Db",
];
const CHORDS: [&str; 22] = [
    "", "m", "5", "7", "maj7", "m7", "m7b5", "dim", "dim7", "aug", "sus2", "sus4", "7sus4", "6",
    "m6", "9", "m9", "maj9", "add9", "13", "7b9", "7#9",
];
const SCALES: [&str; 13] = [
    "major",
    "minor",
    "dorian",
    "phrygian",
    "lydian",
    "mixolydian",
    "locrian",
    "minor pentatonic",
    "major pentatonic",
    "harmonic minor",
    "melodic minor",
    "blues",
    "major blues",
];
const INTERVALS: [&str; 11] = [
    "m2", "M2", "m3", "M3", "P4", "A4", "P5", "m6", "M6", "m7", "M7",
];
const SHAPES: [&str; 5] = ["C", "G", "D", "A", "E"];

/// One theory question the engine can answer; every item is distinct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TheoryItem {
    /// Chord spelling with tone functions: root index, chord suffix index.
    Chord(usize, usize),
    /// Scale notes: root, scale.
    Scale(usize, usize),
    /// Diatonic triads of a major (false) or minor (true) key.
    KeyTriads(usize, bool),
    /// Diatonic seventh chords of a major or minor key.
    KeySevenths(usize, bool),
    /// Key signature of a major or minor key.
    Signature(usize, bool),
    /// Relative key.
    Relative(usize, bool),
    /// Note at string (1–6), fret (0–15) in standard tuning.
    Fret(usize, u32),
    /// Key of shapes under a capo: fret (1–9), shape.
    Capo(u8, usize),
    /// Interval above a root.
    Interval(usize, usize),
}

impl TheoryItem {
    /// Items that differ only in their root (or string) share a family and so a split: their
    /// questions read almost alike.
    pub fn family(&self) -> String {
        match *self {
            TheoryItem::Chord(_, c) => format!("chord {c}"),
            TheoryItem::Scale(_, s) => format!("scale {s}"),
            TheoryItem::KeyTriads(_, m) => format!("triads {m}"),
            TheoryItem::KeySevenths(_, m) => format!("sevenths {m}"),
            TheoryItem::Signature(_, m) => format!("signature {m}"),
            TheoryItem::Relative(_, m) => format!("relative {m}"),
            TheoryItem::Fret(_, f) => format!("fret {f}"),
            TheoryItem::Capo(c, _) => format!("capo {c}"),
            TheoryItem::Interval(_, i) => format!("interval {i}"),
        }
    }
}

/// Every theory item, in a fixed order.
pub fn theory_items() -> Vec<TheoryItem> {
    let mut v = Vec::new();
    for r in 0..ROOTS.len() {
        v.extend((0..CHORDS.len()).map(|c| TheoryItem::Chord(r, c)));
        v.extend((0..SCALES.len()).map(|s| TheoryItem::Scale(r, s)));
        for minor in [false, true] {
            v.push(TheoryItem::KeyTriads(r, minor));
            v.push(TheoryItem::KeySevenths(r, minor));
            v.push(TheoryItem::Signature(r, minor));
            v.push(TheoryItem::Relative(r, minor));
        }
        v.extend((0..INTERVALS.len()).map(|i| TheoryItem::Interval(r, i)));
    }
    for s in 1..=6 {
        v.extend((0..=15).map(|f| TheoryItem::Fret(s, f)));
    }
    for capo in 1..=9 {
        v.extend((0..SHAPES.len()).map(|s| TheoryItem::Capo(capo, s)));
    }
    v
}

fn key_name(r: usize, minor: bool) -> String {
    format!("{} {}", ROOTS[r], if minor { "minor" } else { "major" })
}

/// The question and answer for an item, computed by the theory engine; `variant` picks a phrasing.
pub fn theory_question(item: TheoryItem, variant: usize) -> Option<(String, String)> {
    let pick = |forms: &[String]| forms[variant % forms.len()].clone();
    Some(match item {
        TheoryItem::Chord(r, c) => {
            let c = Chord::parse(&format!("{}{}", ROOTS[r], CHORDS[c])).ok()?;
            let desc = c
                .tone_functions()
                .iter()
                .map(|t| format!("{} ({})", t.note, t.function))
                .collect::<Vec<_>>()
                .join(", ");
            (
                pick(&[
                    format!("What notes are in a {c} chord?"),
                    format!("How is {c} spelled?"),
                    format!("Which notes make up {c}, and what does each one do?"),
                ]),
                format!("{c} is spelled {}: {desc}.", c.note_names().join(" ")),
            )
        }
        TheoryItem::Scale(r, s) => {
            let (root, name) = (ROOTS[r], SCALES[s]);
            let sc = Scale::parse(&format!("{root} {name}")).ok()?;
            (
                pick(&[
                    format!("What are the notes of the {root} {name} scale?"),
                    format!("Can you spell the {root} {name} scale?"),
                    format!("Which notes do I play in {root} {name}?"),
                ]),
                format!("The {root} {name} scale is {}.", sc.note_names().join(" ")),
            )
        }
        TheoryItem::KeyTriads(r, minor) => {
            let name = key_name(r, minor);
            let key = Key::parse(&name).ok()?;
            let triads: Vec<String> = key.triads().iter().map(|c| c.to_string()).collect();
            let numerals = if minor {
                "i ii° III iv v VI VII"
            } else {
                "I ii iii IV V vi vii°"
            };
            (
                pick(&[
                    format!("Which chords are in the key of {name}?"),
                    format!("What are the diatonic triads of {name}?"),
                    format!("If a song is in {name}, which chords belong to the key?"),
                ]),
                format!(
                    "The diatonic triads of {name} are {} ({numerals}).",
                    triads.join(", ")
                ),
            )
        }
        TheoryItem::KeySevenths(r, minor) => {
            let name = key_name(r, minor);
            let key = Key::parse(&name).ok()?;
            let chords: Vec<String> = key.sevenths().iter().map(|c| c.to_string()).collect();
            (
                pick(&[
                    format!("What are the seventh chords in {name}?"),
                    format!("Which four-note diatonic chords does {name} have?"),
                ]),
                format!(
                    "The diatonic seventh chords of {name} are {}.",
                    chords.join(", ")
                ),
            )
        }
        TheoryItem::Signature(r, minor) => {
            let name = key_name(r, minor);
            let key = Key::parse(&name).ok()?;
            let notes = key.signature_notes();
            let answer = match notes.len() {
                0 => format!("{name} has no sharps or flats."),
                n => {
                    let kind = if key.signature() > 0 { "sharp" } else { "flat" };
                    let s = if n == 1 { "" } else { "s" };
                    format!("{name} has {n} {kind}{s}: {}.", notes.join(" "))
                }
            };
            (
                pick(&[
                    format!("What's the key signature of {name}?"),
                    format!("How many sharps or flats does {name} have?"),
                ]),
                answer,
            )
        }
        TheoryItem::Relative(r, minor) => {
            let name = key_name(r, minor);
            let key = Key::parse(&name).ok()?;
            let rel = key.relative();
            let which = if minor { "major" } else { "minor" };
            (
                pick(&[
                    format!("What is the relative {which} of {name}?"),
                    format!("Which {which} key shares its notes with {name}?"),
                ]),
                format!("The relative {which} of {name} is {rel}."),
            )
        }
        TheoryItem::Fret(string, fret) => {
            let n = Tuning::standard().note_at(string, fret, true).ok()?;
            let s = Tuning::standard_string_name(string)?;
            (
                pick(&[
                    format!("What note is at fret {fret} on the {s} string in standard tuning?"),
                    format!(
                        "In standard tuning, which note do I get at the {} fret of the {s} string?",
                        fretwise_theory::ordinal(fret as i32)
                    ),
                ]),
                format!("Fret {fret} on the {s} string is {n}."),
            )
        }
        TheoryItem::Capo(capo, shape) => {
            let shapes = SHAPES[shape];
            let k = capo_shapes_sound_in(shapes.parse().ok()?, capo);
            (
                pick(&[
                    format!(
                        "If I put a capo on fret {capo} and play {shapes}-shape chords, what key am I in?"
                    ),
                    format!("With a capo at fret {capo}, what key do {shapes} shapes sound in?"),
                ]),
                format!("With a capo on fret {capo}, {shapes} shapes sound in {k}."),
            )
        }
        TheoryItem::Interval(r, i) => {
            let a: Note = format!("{}4", ROOTS[r]).parse().ok()?;
            let iv: fretwise_theory::Interval = INTERVALS[i].parse().ok()?;
            let b = a.transpose(&iv);
            let name = iv.long_name();
            (
                pick(&[
                    format!("What note is a {name} above {}?", a.pc),
                    format!("Going up a {name} from {}, which note do I land on?", a.pc),
                ]),
                format!("A {name} above {} is {}.", a.pc, b.pc),
            )
        }
    })
}

/// `n` distinct theory pairs (fewer when the items run out), in a seeded order, each with its
/// item's family.
pub fn theory_pairs(n: usize, rng: &mut ChaCha8Rng) -> Vec<(String, Pair)> {
    let mut items = theory_items();
    items.shuffle(rng);
    let system = "You are a guitar instructor. Answer music-theory questions exactly.".to_string();
    items
        .into_iter()
        .filter_map(|item| {
            let variant = rng.random_range(0..6);
            theory_question(item, variant).map(|qa| (item.family(), qa))
        })
        .take(n)
        .enumerate()
        .map(|(i, (family, (question, answer)))| {
            (
                family,
                Pair {
                    id: format!("theory:{i}"),
                    source: "theory".into(),
                    system: system.clone(),
                    question,
                    answer,
                    segment_id: None,
                    citation: None,
                },
            )
        })
        .collect()
}

/// A seeded generator for one example stream.
pub fn rng_for(seed: u64, stream: &str) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(
        seed ^ u64::from_le_bytes(
            blake3::hash(stream.as_bytes()).as_bytes()[..8]
                .try_into()
                .unwrap_or([0; 8]),
        ),
    )
}
