//! Lesson pairs without a model: answers that stand alone (sentences that only make sense with
//! the video dropped or rewritten) and questions built from what the passage's sentences say.

use std::collections::HashMap;

use fretwise_catalog::LessonCuration;
use fretwise_knowledge::{TeachingClassifier, TeachingMove, TimedText, sentences};
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::examples::Passage;

/// Fewest words an answer keeps after cleaning; shorter ones make no pair.
pub const MIN_ANSWER_WORDS: usize = 20;
/// Most times one question may be asked in an export.
pub const MAX_QUESTION_REPEATS: usize = 5;

/// A passage's text made to stand alone.
#[derive(Debug, Clone, PartialEq)]
pub struct Standalone {
    /// The kept sentences, joined.
    pub text: String,
    /// Kept sentences with their teaching move.
    pub sentences: Vec<(TeachingMove, String)>,
    /// Sentences dropped because they only make sense with the video.
    pub dropped: usize,
    /// Sentences rewritten so they no longer point at the video.
    pub rewritten: usize,
    /// Sentences left out because the passage already said them.
    pub dropped_repeats: usize,
}

/// Sentence openings that point at the screen, rewritten to the thing itself
/// ("If you look at the tab, …" → "In the tab, …").
const LOOK_OPENINGS: [&str; 4] = [
    "if you look at ",
    "if you watch ",
    "when you look at ",
    "looking at ",
];
/// Leading clauses that only point at the video; the rest of the sentence stays.
const POINTING_CLAUSES: [&str; 8] = [
    "as you can see",
    "as you can hear",
    "you can see that",
    "you can hear that",
    "you can see",
    "you can hear",
    "as you see",
    "as i showed you",
];
/// Phrases that point at what the camera shows; a sentence with one is dropped.
const POINTING: [&str; 22] = [
    " like this ",
    " like so ",
    " right here ",
    " over here ",
    " up here ",
    " down here ",
    " in here ",
    " to here ",
    " it here ",
    " hand here ",
    " finger here ",
    " fingers here ",
    " this way ",
    " on the screen ",
    " on screen ",
    " in the video ",
    " this video ",
    " watch my ",
    " watch me ",
    " watch how ",
    " see how i ",
    " see how my ",
];
/// Greetings that open a lesson; an answer never starts by saying hello.
const GREETINGS: [&str; 5] = ["hi", "hey", "hello", "welcome", "howdy"];

/// Lowercase words of `s`, wrapped in spaces ("Don't!" → " don't ").
fn words(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(' ');
    for w in s.split_whitespace() {
        let start = out.len();
        for c in w.chars() {
            let c = if c == '\u{2019}' { '\'' } else { c };
            if c.is_alphanumeric() || c == '\'' || c == '-' {
                if c.is_ascii() {
                    out.push(c.to_ascii_lowercase());
                } else {
                    out.extend(c.to_lowercase());
                }
            }
        }
        if out.len() > start {
            out.push(' ');
        }
    }
    out
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        // "I", "I'm" and names stay as they are.
        Some(f) if s.starts_with("I ") || s.starts_with("I'") => f.to_string() + c.as_str(),
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

fn word_count(s: &str) -> usize {
    s.split_whitespace().count()
}

/// What to do with one sentence so the answer stands alone.
enum Fate {
    Keep,
    Drop,
    Rewrite(String),
}

/// `hay` is `words(sentence)`.
fn fate(sentence: &str, hay: &str, kind: TeachingMove, cue: Option<&str>) -> Fate {
    // A demonstration cue ("listen to this", "let me play it slowly first") is the video's, not
    // the reader's; "listen for …" is advice and stays.
    if kind == TeachingMove::Demonstration && cue != Some("listen for") {
        return Fate::Drop;
    }
    if kind == TeachingMove::Introduction
        && GREETINGS.iter().any(|g| {
            hay.strip_prefix(' ')
                .and_then(|h| h.strip_prefix(g))
                .is_some_and(|h| h.starts_with(' '))
        })
    {
        return Fate::Drop;
    }
    let lower = sentence.to_lowercase();
    for opening in LOOK_OPENINGS {
        if let Some(rest) = lower.strip_prefix(opening)
            && let Some((thing, after)) = rest.split_once(", ")
            && word_count(thing) <= 4
            && !thing.contains("my ")
            && word_count(after) >= 4
        {
            let start = sentence.len() - after.len();
            let thing = thing.trim_start_matches("the ");
            return Fate::Rewrite(format!("In the {thing}, {}", &sentence[start..]));
        }
    }
    for clause in POINTING_CLAUSES {
        if let Some(rest) = lower.strip_prefix(clause) {
            let rest = rest.trim_start_matches([',', ' ']);
            if word_count(rest) >= 4 {
                let start = sentence.len() - rest.len();
                return Fate::Rewrite(capitalize(&sentence[start..]));
            }
            return Fate::Drop;
        }
    }
    if POINTING.iter().any(|p| hay.contains(p)) {
        return Fate::Drop;
    }
    Fate::Keep
}

/// The passage's sentences, cleaned so the answer stands alone.
pub fn standalone(text: &str, classifier: &TeachingClassifier) -> Standalone {
    let timed = [TimedText {
        start_s: 0.0,
        end_s: 0.0,
        text,
    }];
    let mut out = Standalone {
        text: String::new(),
        sentences: Vec::new(),
        dropped: 0,
        rewritten: 0,
        dropped_repeats: 0,
    };
    let mut kept = std::collections::HashSet::new();
    for (_, _, _, s) in sentences(&timed) {
        // A sentence said twice in one passage is answered once.
        let hay = words(&s);
        if kept.contains(&hay) {
            out.dropped_repeats += 1;
            continue;
        }
        // Position 0.5: a passage's place in its lesson says nothing about one sentence.
        let (kind, cue) = classifier.classify(&s, 0.5);
        let fate = fate(&s, &hay, kind, cue);
        kept.insert(hay);
        match fate {
            Fate::Keep => out.sentences.push((kind, s)),
            Fate::Drop => out.dropped += 1,
            Fate::Rewrite(r) => {
                out.rewritten += 1;
                let (kind, _) = classifier.classify(&r, 0.5);
                out.sentences.push((kind, r));
            }
        }
    }
    out.text = out
        .sentences
        .iter()
        .map(|(_, s)| s.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    out
}

/// Terms that read without an article ("vibrato", "DADGAD"); others take "the".
const BARE: [&str; 14] = [
    "vibrato",
    "legato",
    "swing",
    "syncopation",
    "dynamics",
    "timing",
    "bluegrass",
    "call and response",
    "subdivision",
    "phrasing",
    "melody",
    "transposition",
    "fingering",
    "p i m a",
];
/// Adjectives the lexicon keeps as terms, with the noun they stand for.
const ADJECTIVES: [(&str, &str); 3] = [
    ("chromatic", "chromatic notes"),
    ("diatonic", "diatonic notes"),
    ("percussive", "percussive sounds"),
];

/// How a term reads in a question: "the shuffle", "palm muting", "double stops", "the G chord".
pub fn noun_phrase(term: &str, category: &str) -> String {
    let t = term.trim();
    if let Some((_, n)) = ADJECTIVES.iter().find(|(a, _)| *a == t) {
        return (*n).to_string();
    }
    let last = t.rsplit(' ').next().unwrap_or(t);
    let upper = t.chars().next().is_some_and(|c| c.is_uppercase());
    let bare = BARE.contains(&t)
        || last.ends_with("ing")
        || (last.ends_with('s') && !last.ends_with("ss") && !last.ends_with("us"))
        || t.starts_with("drop ")
        || t.starts_with("open ")
        || t.chars().all(|c| c.is_ascii_uppercase())
        || category == "genres_styles";
    if category == "chords" && upper && word_count(t) == 1 {
        return format!("the {t} chord");
    }
    if bare {
        t.to_string()
    } else {
        format!("the {t}")
    }
}

/// A passage term that can be asked about: its noun phrase and category rank.
#[derive(Debug, Clone)]
struct Focus {
    term: String,
    phrase: String,
    /// The term's words as [`names`] looks for them.
    needle: String,
}

/// Category priority for questions; instruction and counting terms are never the subject.
const ASKABLE: [&str; 12] = [
    "playing_techniques",
    "chords",
    "scales_modes",
    "music_theory",
    "notation_tablature",
    "genres_styles",
    "effects_equipment",
    "guitar_types",
    "maintenance_setup",
    "common_variations",
    "guitar_parts",
    "notes",
];

/// Terms too general to be what a question is about ("the key", "the pick").
const GENERIC: [&str; 19] = [
    "key",
    "chord",
    "chords",
    "note",
    "notes",
    "scale",
    "string",
    "strings",
    "fret",
    "frets",
    "pick",
    "guitar",
    "song",
    "classical guitar",
    "neck",
    "fretboard",
    "fretting hand",
    "picking hand",
    "thumb",
];

fn passage_foci(p: &Passage) -> Vec<Focus> {
    let mut counts: HashMap<&str, (usize, usize)> = HashMap::new();
    for t in &p.terms {
        if GENERIC.contains(&t.term.to_lowercase().as_str()) {
            continue;
        }
        let Some(rank) = ASKABLE.iter().position(|c| *c == t.category) else {
            continue;
        };
        let e = counts.entry(t.term.as_str()).or_insert((rank, 0));
        e.1 += 1;
    }
    let mut v: Vec<(&str, (usize, usize))> = counts.into_iter().collect();
    v.sort_by(|a, b| a.1.0.cmp(&b.1.0).then(b.1.1.cmp(&a.1.1)).then(a.0.cmp(b.0)));
    v.into_iter()
        .filter_map(|(term, _)| {
            let cat = p.terms.iter().find(|t| t.term == term)?.category.as_str();
            Some(Focus {
                term: term.to_string(),
                phrase: noun_phrase(term, cat),
                needle: words(&term.replace('-', " ")),
            })
        })
        .collect()
}

/// Whether the sentence names the focus's term (whole words, hyphens as spaces):
/// `sentence_words` is the sentence's [`words`] with hyphens as spaces.
fn names(sentence_words: &str, focus: &Focus) -> bool {
    sentence_words.contains(focus.needle.as_str())
}

/// Pronouns turned from the instructor's "you" to the student's "I".
fn to_student(s: &str) -> String {
    let mut out = Vec::new();
    for w in s.split_whitespace() {
        let (core, tail) = match w.find([',', '.', '!', '?', ';', ':']) {
            Some(i) => (&w[..i], &w[i..]),
            None => (w, ""),
        };
        let swapped = match core.to_lowercase().as_str() {
            "you" => "I",
            "your" => "my",
            "yours" => "mine",
            "yourself" => "myself",
            "you're" => "I'm",
            "you've" => "I've",
            "you'll" => "I'll",
            "you'd" => "I'd",
            _ => core,
        };
        out.push(format!("{swapped}{tail}"));
    }
    out.join(" ")
}

/// The part of a sentence before its first clause break (", that", ", then", " and you'll" …).
fn first_clause(s: &str) -> &str {
    let lower = s.to_lowercase();
    let mut end = s.len();
    for cut in [
        ", that",
        ", then",
        ", and then",
        ", so ",
        " and you'll",
        " and i'll",
        " and i'm",
        ", if ",
        ", or ",
    ] {
        if let Some(i) = lower.find(cut) {
            end = end.min(i);
        }
    }
    s[..end].trim_end_matches(['.', '!', '?', ',', ' '])
}

/// Imperative openings a student can ask back as "should I …?".
const IMPERATIVES: [&str; 34] = [
    "keep", "start", "try", "practice", "practise", "loop", "spend", "record", "count", "use",
    "move", "think", "hold", "put", "rest", "place", "focus", "add", "relax", "pick", "strum",
    "mute", "bend", "slide", "aim", "stay", "work", "set", "let", "play", "begin", "go", "take",
    "make",
];

/// A sentence's demonstratives ("this", "it", "the whole thing") replaced by the subject.
fn with_subject(vp: &str, subject: &str) -> String {
    let mut out = Vec::new();
    let mut replaced = false;
    let ws: Vec<&str> = vp.split_whitespace().collect();
    let mut i = 0;
    while i < ws.len() {
        let w = ws[i];
        let l = w.to_lowercase();
        if !replaced && i > 0 && (l == "this" || l == "it" || l == "that") {
            // "this section", "this shape" keep their noun: only a bare "this" is replaced.
            let next_is_noun = ws.get(i + 1).is_some_and(|n| {
                ![
                    "slowly", "with", "ten", "on", "out", "until", "up", "and", "a", "at", "in",
                    "for", "before", "again", "over",
                ]
                .contains(&n.to_lowercase().as_str())
            });
            if !next_is_noun || l == "it" {
                out.push(subject.to_string());
                replaced = true;
                i += 1;
                continue;
            }
        }
        if !replaced
            && l == "the"
            && ws.get(i + 1).is_some_and(|n| *n == "whole")
            && ws.get(i + 2).is_some_and(|n| n.starts_with("thing"))
        {
            out.push(subject.to_string());
            replaced = true;
            i += 3;
            continue;
        }
        out.push(w.to_string());
        i += 1;
    }
    out.join(" ")
}

/// One thing a sentence says that a student could ask about: the question clause (no capital, no
/// question mark) and its weight (specific sentences first).
#[derive(Debug, Clone)]
struct Aspect {
    clause: String,
    weight: u8,
}

const STYLES: [&str; 12] = [
    "blues",
    "rock",
    "jazz",
    "fingerstyle",
    "country",
    "metal",
    "classical",
    "acoustic",
    "funk",
    "folk",
    "pop",
    "bluegrass",
];

/// Whether `hay` contains `" {word}{then}"` (`then` starts with a space).
fn said_before(hay: &str, word: &str, then: &str) -> bool {
    hay.match_indices(word)
        .any(|(i, _)| hay[..i].ends_with(' ') && hay[i + word.len()..].starts_with(then))
}

fn number_before(hay: &str, unit: &str) -> Option<String> {
    let i = hay.find(unit)?;
    hay[..i]
        .split_whitespace()
        .last()
        .filter(|w| w.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_string)
}

fn ordinal_fret(hay: &str) -> Option<String> {
    let ws: Vec<&str> = hay.split_whitespace().collect();
    ws.windows(2)
        .find(|w| {
            w[1] == "fret"
                && (w[0].ends_with("th")
                    || ["first", "second", "third"].contains(&w[0])
                    || w[0].chars().all(|c| c.is_ascii_digit()))
        })
        .map(|w| w[0].to_string())
}

fn string_name(hay: &str) -> Option<String> {
    let ws: Vec<&str> = hay.split_whitespace().collect();
    for (i, w) in ws.iter().enumerate() {
        if *w == "string" && i > 0 {
            let prev = ws[i - 1];
            if ["e", "a", "d", "g", "b"].contains(&prev) {
                let name = prev.to_uppercase();
                return Some(match ws.get(i.wrapping_sub(2)).copied() {
                    Some(s @ ("low" | "high")) if i >= 2 => format!("{s} {name} string"),
                    _ => format!("{name} string"),
                });
            }
        }
    }
    None
}

/// What a student could ask about one kept sentence.
fn aspects(sentence: &str, kind: TeachingMove, foci: &[Focus], topic: &str) -> Vec<Aspect> {
    let hay = words(sentence);
    let lower = sentence.to_lowercase();
    let spaced = hay.replace('-', " ");
    let here: Vec<&Focus> = foci.iter().filter(|f| names(&spaced, f)).collect();
    let subject = here
        .first()
        .copied()
        .or(foci.first())
        .map(|f| f.phrase.clone())
        .unwrap_or_else(|| topic.to_string());
    // "Once you've got that, try adding X": "that" is what came before, not X.
    let before = foci
        .iter()
        .find(|f| !names(&spaced, f))
        .map(|f| f.phrase.clone())
        .unwrap_or_else(|| "that".to_string());
    let mut out = Vec::new();
    let mut add = |clause: String, weight: u8| out.push(Aspect { clause, weight });
    let first = hay.split_whitespace().next().unwrap_or("");

    if let Some(bpm) =
        number_before(&hay, " beats per minute").or_else(|| number_before(&hay, " bpm"))
    {
        add(
            format!("what metronome tempo should I use for {subject}"),
            5,
        );
        add(
            format!("is {bpm} beats per minute a good practice tempo for {subject}"),
            4,
        );
    }
    if let Some(i) = hay.find(" key of ") {
        let key = hay[i + 8..]
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_uppercase();
        if !key.is_empty() && key.len() <= 2 {
            add(
                format!("which chords do I need in the key of {key} for {subject}"),
                5,
            );
        }
    }
    if let Some(fret) = ordinal_fret(&hay) {
        let on = string_name(&hay)
            .map(|s| format!(" on the {s}"))
            .unwrap_or_default();
        if hay.contains(" start ") || hay.contains(" first note ") {
            add(format!("where on the neck does {subject} start"), 4);
            add(format!("does {subject} start at the {fret} fret{on}"), 4);
        } else if hay.contains(" move ") {
            add(format!("when should I move {subject} up the neck"), 4);
            add(format!("how far up the neck should I take {subject}"), 3);
        } else {
            add(
                format!("what happens at the {fret} fret{on} in {subject}"),
                3,
            );
        }
    }
    // "Don't squeeze the neck too hard" → "what happens if I squeeze the neck too hard".
    if let Some(rest) = lower.strip_prefix("don't ") {
        add(
            format!("what happens if I {}", to_student(first_clause(rest))),
            5,
        );
    }
    if let Some(rest) = lower
        .strip_prefix("make sure you're not ")
        .or_else(|| lower.strip_prefix("make sure you aren't "))
    {
        add(
            format!("what's wrong with {}", to_student(first_clause(rest))),
            5,
        );
    }
    for crowd in [
        "a lot of students ",
        "a lot of players ",
        "a lot of people ",
        "many students ",
    ] {
        if let Some(rest) = lower.strip_prefix(crowd) {
            let clause = first_clause(rest);
            let clause = clause.split(" and ").next().unwrap_or(clause);
            add(format!("what happens if I {}", to_student(clause)), 5);
        }
    }
    if let Some(rest) = lower.strip_prefix("watch out for ") {
        let thing = first_clause(rest);
        add(format!("what can go wrong with {}", to_student(thing)), 5);
    }
    if lower.contains("common mistake") || lower.contains("mistake") {
        let on = string_name(&hay)
            .map(|s| format!(" on the {s}"))
            .unwrap_or_default();
        add(format!("what's a common mistake with {subject}{on}"), 4);
        add(format!("what mistake do students make with {subject}"), 3);
    }
    if let Some(rest) = lower
        .strip_prefix("once you've got that, ")
        .or_else(|| lower.strip_prefix("once you've got it, "))
        .or_else(|| lower.strip_prefix("once you have that, "))
    {
        add(
            format!(
                "once I've got {before}, should I {}",
                to_student(first_clause(rest))
            ),
            5,
        );
    }
    if let Some(rest) = lower
        .strip_prefix("when that feels comfortable, ")
        .or_else(|| lower.strip_prefix("when it feels comfortable, "))
    {
        let rest = with_subject(first_clause(rest), "it");
        add(
            format!(
                "when {before} feels comfortable, should I {}",
                to_student(&rest)
            ),
            5,
        );
    }
    if let Some(rest) = lower.strip_prefix("next, ") {
        add(
            format!(
                "after {before}, should I {}",
                to_student(first_clause(rest))
            ),
            3,
        );
        add(format!("what's the next step after {before}"), 3);
    }
    if let Some(rest) = lower.strip_prefix("i like to ") {
        let rest = with_subject(first_clause(rest), &subject);
        add(format!("how do you like to {}", rest.trim()), 4);
    }
    if let Some(rest) = lower.strip_prefix("what you want is ") {
        add(
            format!(
                "what am I aiming for with {subject}: is it {}",
                to_student(first_clause(rest))
            ),
            3,
        );
        add(format!("what sound should I aim for with {subject}"), 4);
    }
    if let Some(rest) = lower.strip_prefix("think of ") {
        add(
            format!("how should I think of {}", to_student(first_clause(rest))),
            4,
        );
    }
    if IMPERATIVES.contains(&first) && !hay.starts_with(" let's ") && !hay.starts_with(" let me ") {
        let clause = first_clause(sentence);
        let clause = with_subject(&lowercase_first(clause), &subject);
        if word_count(&clause) >= 3 && word_count(&clause) <= 18 {
            add(format!("should I {}", to_student(&clause)), 4);
        }
    }
    if here.len() >= 2 && here[0].term != here[1].term {
        add(
            format!("how does {} connect to {}", here[0].phrase, here[1].phrase),
            3,
        );
    }
    if let Some(style) = STYLES
        .iter()
        .find(|s| said_before(&hay, s, " playing ") || said_before(&hay, s, " guitar "))
        && !subject.contains(*style)
    {
        add(
            format!("why does {subject} matter so much in {style} playing"),
            4,
        );
        add(format!("how common is {subject} in {style} playing"), 3);
    }
    if hay.contains(" picking hand ") && hay.contains(" fretting hand ") {
        add(format!("which hand does the work in {subject}"), 4);
    }
    if hay.contains(" tab ") {
        add(format!("how do I read the tab for {subject}"), 3);
    }
    if hay.contains(" count ") || hay.contains(" one and two ") {
        add(format!("how do I count {subject}"), 4);
    }
    if hay.contains(" light touch ") || hay.contains(" ring together ") {
        add(format!("how hard should I press when I play {subject}"), 3);
    }
    if hay.contains(" break it down ") || hay.contains(" first two beats ") {
        add(
            format!("how do I break {subject} down into smaller parts"),
            3,
        );
    }
    if hay.contains(" idea behind ") {
        add(format!("what's the idea behind {subject}"), 3);
    }
    if hay.contains(" make sense ") {
        add(
            format!("where does {subject} start to make sense musically"),
            3,
        );
    }
    if hay.contains(" relaxed ") || hay.contains(" tension ") {
        add(format!("how do I stay relaxed while playing {subject}"), 3);
    }
    if hay.contains(" clean ") || hay.contains(" even ") {
        add(format!("how do I keep {subject} clean and even"), 3);
    }
    // Whatever the move says, as a fallback.
    let fallback = match kind {
        TeachingMove::Practice => vec![
            format!("how should I practise {subject}"),
            format!("what's a good practice routine for {subject}"),
        ],
        TeachingMove::ErrorCorrection => vec![
            format!("what should I avoid when I play {subject}"),
            format!("how do I fix problems with {subject}"),
        ],
        TeachingMove::SkillBuilding => vec![
            format!("how do I build on {subject}"),
            format!("what comes after {subject}"),
        ],
        TeachingMove::Reinforcement => vec![
            format!("what should I remember about {subject}"),
            format!("what's the main takeaway on {subject}"),
        ],
        TeachingMove::Introduction => vec![
            format!("what does this lesson on {topic} cover"),
            format!("what will I learn about {topic}"),
        ],
        _ => vec![
            format!("can you explain {subject}"),
            format!("how does {subject} work"),
        ],
    };
    for f in fallback {
        add(f, 1);
    }
    out
}

/// A lesson pair before its question is chosen.
#[derive(Debug, Clone)]
pub struct LessonPair {
    /// The answer: the passage's sentences that stand alone.
    pub answer: String,
    /// Question candidates, best first (seeded order within equal weight).
    pub questions: Vec<String>,
    /// Sentences dropped for pointing at the video.
    pub dropped: usize,
    /// Sentences rewritten.
    pub rewritten: usize,
    /// Sentences left out because the passage said them already.
    pub dropped_repeats: usize,
}

/// A lesson pair whose question candidates are phrased when asked for ([`Questions`]); the
/// export's form of [`LessonPair`].
#[derive(Debug, Clone)]
pub struct LazyLessonPair {
    /// The answer: the passage's sentences that stand alone.
    pub answer: String,
    /// Question candidates, best first (seeded order within equal weight).
    pub questions: Questions,
    /// Sentences dropped for pointing at the video.
    pub dropped: usize,
    /// Sentences rewritten.
    pub rewritten: usize,
    /// Sentences left out because the passage said them already.
    pub dropped_repeats: usize,
}

/// A pair's question candidates, phrased when asked for: a pair takes one of them, usually one of
/// the first, so the hundred-odd phrasings of a passage are not all built.
///
/// The candidates, in order: one question about two clauses of different sentences (among the six
/// best clauses) with a lead, then every clause with every lead; rotated left by a seeded amount;
/// a phrasing that comes twice counts once (at its first place).
#[derive(Debug, Clone, Default)]
pub struct Questions {
    /// Distinct clauses, best first, with the sentence each comes from.
    clauses: Vec<(usize, String)>,
    /// Leads ("", "In \"Title\", ", …).
    leads: Vec<String>,
    /// Lead indices in their seeded order.
    lead_order: Vec<usize>,
    /// Two-clause questions: indices into `clauses`.
    twos: Vec<(u8, u8)>,
    /// The seeded rotation.
    rotate: usize,
}

impl Questions {
    /// Candidates, counting a phrasing that comes twice each time.
    fn raw_len(&self) -> usize {
        self.twos.len() + self.clauses.len() * self.leads.len()
    }

    /// Writes the candidate at position `i` (before rotation) into `out`.
    fn raw_into(&self, i: usize, out: &mut String) {
        let n = self.lead_order.len();
        if let Some(&(a, b)) = self.twos.get(i) {
            let lead = &self.leads[self.lead_order[i % n]];
            phrase_into(
                out,
                lead,
                &self.clauses[a as usize].1,
                Some(&self.clauses[b as usize].1),
            );
        } else {
            let m = i - self.twos.len();
            let lead = &self.leads[self.lead_order[m % n]];
            phrase_into(out, lead, &self.clauses[m / n].1, None);
        }
    }

    /// Calls `f` with each candidate in order (phrasings that come again included) until it
    /// returns true; returns whether one did.
    fn any(&self, mut f: impl FnMut(&str) -> bool) -> bool {
        let len = self.raw_len();
        let mut buf = String::new();
        (0..len).any(|i| {
            self.raw_into((i + self.rotate) % len, &mut buf);
            f(&buf)
        })
    }

    /// The first candidate, the one a pair takes unless it was asked already.
    pub fn first(&self) -> Option<String> {
        let mut first = None;
        self.any(|q| {
            first = Some(q.to_string());
            true
        });
        first
    }

    /// Every distinct candidate, best first.
    pub fn to_vec(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        self.any(|q| {
            if seen.insert(q.to_string()) {
                out.push(q.to_string());
            }
            false
        });
        out
    }
}

/// `lead` + the clause(s) + "?", capitalised after an empty lead or one that ends a sentence.
fn phrase_into(out: &mut String, lead: &str, a: &str, b: Option<&str>) {
    out.clear();
    out.push_str(lead);
    let body = out.len();
    out.push_str(a);
    if let Some(b) = b {
        out.push_str(", and ");
        out.push_str(b);
    }
    if (lead.is_empty() || lead.ends_with(". "))
        && let Some(f) = out[body..].chars().next()
    {
        let mut upper = [0u8; 16];
        let mut n = 0;
        for c in f.to_uppercase() {
            n += c.encode_utf8(&mut upper[n..]).len();
        }
        if let Ok(u) = std::str::from_utf8(&upper[..n]) {
            out.replace_range(body..body + f.len_utf8(), u);
        }
    }
    out.push('?');
    if out.contains("??") {
        *out = out.replace("??", "?");
    }
}

/// The lesson's topic from its title: "Power Chord Riffs (Part 3)" → "power chord riffs".
fn topic_of(info: &LessonCuration) -> String {
    let title = info.title.clone().unwrap_or_default();
    let t = match title.rfind(" (") {
        Some(i) if title.ends_with(')') => &title[..i],
        _ => title.as_str(),
    };
    let t = t.trim();
    if t.is_empty() {
        "this lesson".to_string()
    } else {
        // Titles keep their capitals in quotes; as a topic they read lowercase ("the twelve-bar …").
        t.split_whitespace()
            .map(|w| {
                if w.chars().skip(1).any(|c| c.is_uppercase()) || w.len() <= 1 {
                    w.to_string()
                } else {
                    w.to_lowercase()
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The pair for a passage: a standalone answer and ranked question candidates; `None` when too
/// little stands alone.
pub fn lesson_pair(
    p: &Passage,
    info: &LessonCuration,
    classifier: &TeachingClassifier,
    rng: &mut ChaCha8Rng,
) -> Option<LessonPair> {
    lazy_lesson_pair(p, info, classifier, rng).map(|lp| LessonPair {
        questions: lp.questions.to_vec(),
        answer: lp.answer,
        dropped: lp.dropped,
        rewritten: lp.rewritten,
        dropped_repeats: lp.dropped_repeats,
    })
}

/// [`lesson_pair`] with its question candidates phrased when asked for (same candidates, same
/// use of `rng`).
pub fn lazy_lesson_pair(
    p: &Passage,
    info: &LessonCuration,
    classifier: &TeachingClassifier,
    rng: &mut ChaCha8Rng,
) -> Option<LazyLessonPair> {
    let clean = standalone(&p.text, classifier);
    if word_count(&clean.text) < MIN_ANSWER_WORDS {
        return None;
    }
    let foci = passage_foci(p);
    let topic = topic_of(info);
    let per_sentence: Vec<Vec<Aspect>> = clean
        .sentences
        .iter()
        .map(|(kind, s)| aspects(s, *kind, &foci, &topic))
        .collect();
    // Best aspects first; equal weights in a seeded order.
    let mut order: Vec<usize> = (0..per_sentence.len()).collect();
    order.shuffle(rng);
    let mut ranked: Vec<(u8, usize, &str)> = Vec::new();
    for &si in &order {
        for a in &per_sentence[si] {
            ranked.push((a.weight, si, a.clause.as_str()));
        }
    }
    ranked.sort_by_key(|r| std::cmp::Reverse(r.0));
    let mut seen = std::collections::HashSet::new();
    ranked.retain(|r| seen.insert(r.2));
    let clauses: Vec<(usize, String)> = ranked
        .iter()
        .map(|&(_, si, c)| (si, c.to_string()))
        .collect();
    let title = info.title.clone().unwrap_or_else(|| topic.clone());
    let level = info.level.clone().map(|l| l.to_lowercase());
    let style = info.style.clone().map(|s| s.to_lowercase());
    let leads: Vec<String> = {
        let mut v = vec![
            String::new(),
            format!("In \"{title}\", "),
            format!("About {topic}: "),
        ];
        if let Some(l) = &level {
            let a = if l.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            v.push(format!("I'm {a} {l} player working on {topic}. "));
        }
        if let Some(s) = &style {
            v.push(format!("For {s} guitar, "));
        }
        v
    };
    let lead_order: Vec<usize> = {
        let mut v: Vec<usize> = (0..leads.len()).collect();
        v.shuffle(rng);
        v
    };
    // One question about two different sentences, with a lead, then simpler forms.
    let top = clauses.len().min(6);
    let mut twos = Vec::new();
    for i in 0..top {
        for j in i + 1..top {
            if clauses[i].0 != clauses[j].0 {
                twos.push((i as u8, j as u8));
            }
        }
    }
    let mut questions = Questions {
        clauses,
        leads,
        lead_order,
        twos,
        rotate: 0,
    };
    // A seeded rotation keeps the first choice from always being the same shape.
    let len = questions.raw_len();
    let k = rng.random_range(0..len.clamp(1, 3));
    questions.rotate = k.min(len.saturating_sub(1));
    Some(LazyLessonPair {
        answer: clean.text,
        questions,
        dropped: clean.dropped,
        rewritten: clean.rewritten,
        dropped_repeats: clean.dropped_repeats,
    })
}

/// Picks each pair's question so that no question is asked more than [`MAX_QUESTION_REPEATS`]
/// times: the first candidate not asked yet, else the least-asked one under the limit.
#[derive(Debug, Default)]
pub struct QuestionPicker {
    asked: HashMap<String, usize>,
}

impl QuestionPicker {
    /// Chooses from `candidates` (best first); `None` when all are used up.
    pub fn pick(&mut self, candidates: &[String]) -> Option<String> {
        let choice = candidates
            .iter()
            .find(|q| !self.asked.contains_key(q.as_str()))
            .or_else(|| {
                candidates
                    .iter()
                    .filter(|q| {
                        self.asked
                            .get(q.as_str())
                            .is_some_and(|n| *n < MAX_QUESTION_REPEATS)
                    })
                    .min_by_key(|q| self.asked.get(q.as_str()).copied().unwrap_or(0))
            })?
            .clone();
        *self.asked.entry(choice.clone()).or_default() += 1;
        Some(choice)
    }

    /// [`QuestionPicker::pick`] over a pair's candidates, phrasing only as many as it reads.
    pub fn pick_question(&mut self, questions: &Questions) -> Option<String> {
        let mut choice: Option<String> = None;
        // The first candidate not asked yet (a phrasing that comes again was asked if its first
        // place was, so repeats need no skipping).
        questions.any(|q| {
            if self.asked.contains_key(q) {
                return false;
            }
            choice = Some(q.to_string());
            true
        });
        if choice.is_none() {
            // The least-asked one under the limit; the first such in candidate order.
            let mut best: Option<(usize, String)> = None;
            questions.any(|q| {
                if let Some(&n) = self.asked.get(q)
                    && n < MAX_QUESTION_REPEATS
                    && best.as_ref().is_none_or(|(b, _)| n < *b)
                {
                    best = Some((n, q.to_string()));
                }
                false
            });
            choice = best.map(|(_, q)| q);
        }
        let choice = choice?;
        *self.asked.entry(choice.clone()).or_default() += 1;
        Some(choice)
    }

    /// Distinct questions asked so far.
    pub fn distinct(&self) -> usize {
        self.asked.len()
    }

    /// The most any question was asked.
    pub fn max_repeats(&self) -> usize {
        self.asked.values().copied().max().unwrap_or(0)
    }
}
