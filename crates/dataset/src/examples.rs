//! Examples built from lessons: passages, instruction pairs, theory pairs, conversations.

use fretwise_catalog::{LessonContent, LessonInfo};
use fretwise_knowledge::Ontology;
use fretwise_lexicon::Category;
use fretwise_theory::{Chord, Key, Note, Scale, Tuning, capo_shapes_sound_in};
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
pub fn passages(content: &LessonContent, opts: &ChunkOptions, ontology: &Ontology) -> Vec<Passage> {
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
}

const CATEGORY_ORDER: [Category; 15] = [
    Category::PlayingTechniques,
    Category::Chords,
    Category::ScalesModes,
    Category::MusicTheory,
    Category::NotationTablature,
    Category::FretboardPositions,
    Category::GenresStyles,
    Category::EffectsEquipment,
    Category::GuitarParts,
    Category::MaintenanceSetup,
    Category::CommonVariations,
    Category::GuitarTypes,
    Category::Notes,
    Category::RhythmCounting,
    Category::InstructionTerms,
];

/// The passage's most teachable term: by category priority, then frequency, then name.
fn salient_term(p: &Passage) -> Option<(String, String)> {
    let mut counts: std::collections::BTreeMap<(usize, String), (usize, String)> =
        Default::default();
    for t in &p.terms {
        let rank = CATEGORY_ORDER
            .iter()
            .position(|c| c.as_str() == t.category)
            .unwrap_or(CATEGORY_ORDER.len());
        if t.category == "instruction_terms" || t.category == "rhythm_counting" {
            continue;
        }
        let e = counts
            .entry((rank, t.term.clone()))
            .or_insert((0, t.category.clone()));
        e.0 += 1;
    }
    counts
        .into_iter()
        .min_by(|a, b| {
            a.0.0
                .cmp(&b.0.0)
                .then(b.1.0.cmp(&a.1.0))
                .then(a.0.1.cmp(&b.0.1))
        })
        .map(|((_, term), (_, cat))| (term, cat))
}

/// The system prompt naming the instructor's style and the student's level.
pub fn system_prompt(info: &LessonInfo) -> String {
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

/// A student-style question about what the passage teaches, built only from its terms and the
/// lesson's title (never from facts the passage lacks), with the instructor's words as answer.
pub fn instruction_pair(p: &Passage, info: &LessonInfo, rng: &mut ChaCha8Rng) -> Pair {
    let title = info.title.clone().unwrap_or_else(|| "this lesson".into());
    let question = match salient_term(p) {
        Some((term, cat)) => {
            let templates: &[&str] = match cat.as_str() {
                "playing_techniques" => &[
                    "How do I get {t} to sound clean?",
                    "Can you walk me through {t}?",
                    "What should I focus on when practising {t}?",
                ],
                "chords" => &[
                    "How do I use {t} in this lesson?",
                    "What should I know about {t} here?",
                ],
                "scales_modes" => &[
                    "How do I use the {t} in this lesson?",
                    "What's the idea behind the {t} here?",
                ],
                "music_theory" | "notation_tablature" | "notes" => &[
                    "Can you explain {t} as it comes up in \"{title}\"?",
                    "What does {t} mean for my playing here?",
                ],
                "fretboard_positions" => {
                    &["What happens around the {t} in this part of \"{title}\"?"]
                }
                _ => &[
                    "What do you say about {t} in \"{title}\"?",
                    "How does {t} fit into this lesson?",
                ],
            };
            let tpl = templates[rng.random_range(0..templates.len())];
            tpl.replace("{t}", &term).replace("{title}", &title)
        }
        None => format!("What should I take away from this part of \"{title}\"?"),
    };
    Pair {
        id: format!("{}:qa", p.id),
        source: "lesson".into(),
        system: system_prompt(info),
        question,
        answer: p.text.clone(),
        segment_id: Some(p.lesson_id.clone()),
    }
}

const ROOTS: [&str; 12] = [
    "C", "G", "D", "A", "E", "B", "F#", "F", "Bb", "Eb", "Ab", "Db",
];
const CHORDS: [&str; 10] = [
    "", "m", "7", "maj7", "m7", "m7b5", "dim7", "sus4", "9", "add9",
];
const SCALES: [&str; 8] = [
    "major",
    "minor",
    "dorian",
    "mixolydian",
    "minor pentatonic",
    "major pentatonic",
    "harmonic minor",
    "blues",
];

/// Generates one theory question whose answer the theory engine computes.
pub fn theory_pair(index: usize, rng: &mut ChaCha8Rng) -> Option<Pair> {
    let root = ROOTS[rng.random_range(0..ROOTS.len())];
    let system = "You are a guitar instructor. Answer music-theory questions exactly.".to_string();
    let (question, answer) = match rng.random_range(0..6) {
        0 => {
            let sym = format!("{root}{}", CHORDS[rng.random_range(0..CHORDS.len())]);
            let c = Chord::parse(&sym).ok()?;
            let tones = c.tone_functions();
            let desc = tones
                .iter()
                .map(|t| format!("{} ({})", t.note, t.function))
                .collect::<Vec<_>>()
                .join(", ");
            (
                format!("What notes are in a {c} chord?"),
                format!("{c} is spelled {}: {desc}.", c.note_names().join(" ")),
            )
        }
        1 => {
            let name = SCALES[rng.random_range(0..SCALES.len())];
            let s = Scale::parse(&format!("{root} {name}")).ok()?;
            (
                format!("What are the notes of the {root} {name} scale?"),
                format!("The {root} {name} scale is {}.", s.note_names().join(" ")),
            )
        }
        2 => {
            let key = Key::parse(&format!("{root} major")).ok()?;
            let triads: Vec<String> = key.triads().iter().map(|c| c.to_string()).collect();
            (
                format!("Which chords are in the key of {root} major?"),
                format!(
                    "The diatonic triads of {root} major are {} (I ii iii IV V vi vii°).",
                    triads.join(", ")
                ),
            )
        }
        3 => {
            let t = Tuning::standard();
            let string = rng.random_range(1..=6usize);
            let fret = rng.random_range(0..=12u32);
            let n = t.note_at(string, fret, true).ok()?;
            let names = ["", "high E", "B", "G", "D", "A", "low E"];
            (
                format!(
                    "What note is at fret {fret} on the {} string in standard tuning?",
                    names[string]
                ),
                format!("Fret {fret} on the {} string is {n}.", names[string]),
            )
        }
        4 => {
            let capo = rng.random_range(1..=7u8);
            let shapes = ["C", "G", "D", "A", "E"][rng.random_range(0..5)];
            let pc = shapes.parse().ok()?;
            let k = capo_shapes_sound_in(pc, capo);
            (
                format!(
                    "If I put a capo on fret {capo} and play {shapes}-shape chords, what key am I in?"
                ),
                format!("With a capo on fret {capo}, {shapes} shapes sound in {k}."),
            )
        }
        _ => {
            let a: Note = format!("{root}4").parse().ok()?;
            let iv = ["m3", "M3", "P4", "P5", "M6", "m7"][rng.random_range(0..6)];
            let i: fretwise_theory::Interval = iv.parse().ok()?;
            let b = a.transpose(&i);
            (
                format!("What note is a {} above {}?", i.long_name(), a.pc),
                format!("A {} above {} is {}.", i.long_name(), a.pc, b.pc),
            )
        }
    };
    Some(Pair {
        id: format!("theory:{index}"),
        source: "theory".into(),
        system,
        question,
        answer,
        segment_id: None,
    })
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
