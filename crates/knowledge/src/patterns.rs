//! Teaching patterns: sentences with timestamps classified into teaching moves, and the lesson's
//! overall structure (the platform's four types, computed without its defects).
//!
//! Cues are whole-word phrases from `data/teaching_cues.toml` matched with one Aho-Corasick pass
//! per sentence; docs/KNOWLEDGE.md defines the classes and reports precision/recall.

use std::collections::{BTreeMap, HashMap};

use aho_corasick::{AhoCorasick, MatchKind};
use serde::{Deserialize, Serialize};

/// A teaching move a sentence makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TeachingMove {
    /// Greeting, who is teaching, what the lesson or course covers.
    Introduction,
    /// A cue that the instructor plays or shows something ("listen to this").
    Demonstration,
    /// Explains a concept or says how to play something (the default).
    Explanation,
    /// How to practise: repetitions, tempo, routines, play-alongs.
    Practice,
    /// A common mistake, a warning, or a fix.
    ErrorCorrection,
    /// The next step once the current one works ("once you've got that, try …").
    SkillBuilding,
    /// Recap, encouragement, closing.
    Reinforcement,
}

impl TeachingMove {
    /// Every move, in a fixed order.
    pub const ALL: [TeachingMove; 7] = [
        TeachingMove::Introduction,
        TeachingMove::Demonstration,
        TeachingMove::Explanation,
        TeachingMove::Practice,
        TeachingMove::ErrorCorrection,
        TeachingMove::SkillBuilding,
        TeachingMove::Reinforcement,
    ];

    /// The snake_case name used in files and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            TeachingMove::Introduction => "introduction",
            TeachingMove::Demonstration => "demonstration",
            TeachingMove::Explanation => "explanation",
            TeachingMove::Practice => "practice",
            TeachingMove::ErrorCorrection => "error_correction",
            TeachingMove::SkillBuilding => "skill_building",
            TeachingMove::Reinforcement => "reinforcement",
        }
    }

    /// Parses a snake_case name.
    pub fn parse(s: &str) -> Option<TeachingMove> {
        TeachingMove::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// One sentence of a lesson with its move.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeachingSentence {
    /// Index of the utterance the sentence starts in.
    pub utterance: usize,
    /// Start in seconds (interpolated inside the utterance by character position).
    pub start_s: f64,
    /// End in seconds.
    pub end_s: f64,
    /// The move.
    #[serde(rename = "move")]
    pub kind: TeachingMove,
    /// The cue that decided it (none for the default, explanation).
    pub cue: Option<String>,
    /// Sentence text.
    pub text: String,
}

#[derive(Deserialize)]
struct CueSection {
    cues: Vec<String>,
    #[serde(default)]
    weights: HashMap<String, f64>,
}

/// The sentence classifier (cue phrases with weights plus a position prior).
#[derive(Debug, Clone)]
pub struct TeachingClassifier {
    matcher: AhoCorasick,
    /// Per pattern: move, weight, cue as written.
    cues: Vec<(TeachingMove, f64, String)>,
}

/// Problems in a cue file.
#[derive(Debug, thiserror::Error)]
pub enum CueError {
    /// Not valid TOML, unknown move, or an unbuildable matcher.
    #[error("teaching cue file: {0}")]
    Invalid(String),
}

/// Lowercased words with punctuation dropped, wrapped as " ^ w1 w2 … $ " so that cues match
/// whole words and `^` anchors to the start.
fn haystack(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 8);
    s.push_str(" ^ ");
    for w in text.split_whitespace() {
        // Trimming before the curly apostrophe becomes a straight one trims the same: neither
        // is alphanumeric (and no word is copied: this runs on every sentence ingested).
        let t = w.trim_matches(|c: char| !c.is_alphanumeric());
        if t.is_empty() {
            continue;
        }
        for c in t.chars() {
            let c = if c == '\u{2019}' { '\'' } else { c };
            if c.is_alphanumeric() || c == '\'' || c == '-' {
                s.extend(c.to_lowercase());
            } else {
                s.push(' ');
            }
        }
        s.push(' ');
    }
    s.push_str("$ ");
    s
}

impl TeachingClassifier {
    /// The classifier shipped with fretwise.
    pub fn builtin() -> TeachingClassifier {
        #[allow(clippy::expect_used)]
        TeachingClassifier::parse(include_str!("../data/teaching_cues.toml"))
            .expect("the built-in cue file is valid (tested)")
    }

    /// Parses a cue file.
    pub fn parse(text: &str) -> Result<TeachingClassifier, CueError> {
        let sections: BTreeMap<String, CueSection> =
            toml::from_str(text).map_err(|e| CueError::Invalid(e.to_string()))?;
        let mut cues = Vec::new();
        let mut patterns = Vec::new();
        for (name, section) in sections {
            let kind = TeachingMove::parse(&name)
                .ok_or_else(|| CueError::Invalid(format!("unknown move `{name}`")))?;
            for w in section.weights.keys() {
                if !section.cues.contains(w) {
                    return Err(CueError::Invalid(format!(
                        "[{name}] weight for `{w}`, which is not a cue"
                    )));
                }
            }
            for cue in section.cues {
                let weight = section.weights.get(&cue).copied().unwrap_or(1.0);
                let mut p = haystack(&cue.replace('^', "CUESTART"));
                // haystack() wraps in " ^ … $ "; keep only the words, re-anchor if asked.
                p = p
                    .trim_start_matches(" ^")
                    .trim_end_matches("$ ")
                    .replace("cuestart", "^");
                patterns.push(p);
                cues.push((kind, weight, cue));
            }
        }
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .map_err(|e| CueError::Invalid(e.to_string()))?;
        Ok(TeachingClassifier { matcher, cues })
    }

    /// The move of one sentence; `position` is where it starts in the lesson, 0–1.
    pub fn classify(&self, text: &str, position: f64) -> (TeachingMove, Option<&str>) {
        let hay = haystack(text);
        let mut score = [0.0f64; 7];
        let mut best_cue: [Option<(f64, usize)>; 7] = [None; 7];
        let mut seen = Vec::new();
        for m in self.matcher.find_overlapping_iter(&hay) {
            let p = m.pattern().as_usize();
            if seen.contains(&p) {
                continue;
            }
            seen.push(p);
            let (kind, w, _) = &self.cues[p];
            let k = *kind as usize;
            score[k] += w;
            if best_cue[k].is_none_or(|(bw, _)| *w > bw) {
                best_cue[k] = Some((*w, p));
            }
        }
        // Position prior: lessons open with introductions and close with recaps.
        let intro = TeachingMove::Introduction as usize;
        let recap = TeachingMove::Reinforcement as usize;
        if score[intro] > 0.0 && position < 0.2 {
            score[intro] += 0.5;
        }
        if score[recap] > 0.0 && position > 0.8 {
            score[recap] += 0.5;
        }
        let (k, s) = score
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1).then_with(|| b.0.cmp(&a.0)))
            .map(|(k, s)| (k, *s))
            .unwrap_or((TeachingMove::Explanation as usize, 0.0));
        if s < 1.0 {
            return (TeachingMove::Explanation, None);
        }
        let cue = best_cue[k].map(|(_, p)| self.cues[p].2.as_str());
        (TeachingMove::ALL[k], cue)
    }
}

/// An utterance as the pattern analysis needs it.
#[derive(Debug, Clone, Copy)]
pub struct TimedText<'a> {
    /// Start in seconds.
    pub start_s: f64,
    /// End in seconds.
    pub end_s: f64,
    /// Text.
    pub text: &'a str,
}

impl<'a> TimedText<'a> {
    /// One per transcript utterance, borrowing its text.
    pub fn from_utterances(utterances: &'a [fretwise_transcript::Utterance]) -> Vec<TimedText<'a>> {
        utterances
            .iter()
            .map(|u| TimedText {
                start_s: u.start,
                end_s: u.end,
                text: &u.text,
            })
            .collect()
    }
}

/// Splits utterances into sentences (ASR segments often cut sentences in two; sentences end at
/// `.`, `?` or `!`), with times interpolated by character position inside each utterance.
/// Returns (utterance index, start, end, text).
pub fn sentences(utterances: &[TimedText<'_>]) -> Vec<(usize, f64, f64, String)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, f64, f64, String)> = None;
    for (ui, u) in utterances.iter().enumerate() {
        let text = u.text.trim();
        let n = text.chars().count().max(1) as f64;
        let at = |i: usize| u.start_s + (u.end_s - u.start_s).max(0.0) * (i as f64 / n);
        let mut piece_start = 0usize; // char index where the current piece began
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            // "1.5" stays inside a sentence: the mark must be followed by a space or the end.
            let ends =
                matches!(c, '.' | '?' | '!') && chars.get(i + 1).is_none_or(|n| n.is_whitespace());
            if ends {
                let piece: String = chars[piece_start..=i].iter().collect();
                let (uidx, start, _, mut acc) =
                    current
                        .take()
                        .unwrap_or((ui, at(piece_start), 0.0, String::new()));
                if !acc.is_empty() {
                    acc.push(' ');
                }
                acc.push_str(piece.trim());
                if !acc.trim().is_empty() {
                    out.push((uidx, start, at(i + 1), acc));
                }
                piece_start = i + 1;
                while piece_start < chars.len() && chars[piece_start].is_whitespace() {
                    piece_start += 1;
                }
                i = piece_start;
                continue;
            }
            i += 1;
        }
        if piece_start < chars.len() {
            let piece: String = chars[piece_start..].iter().collect();
            let piece = piece.trim();
            if !piece.is_empty() {
                match current.as_mut() {
                    Some((_, _, end, acc)) => {
                        acc.push(' ');
                        acc.push_str(piece);
                        *end = u.end_s;
                    }
                    None => current = Some((ui, at(piece_start), u.end_s, piece.to_string())),
                }
            }
        }
    }
    if let Some(c) = current {
        out.push(c);
    }
    out
}

/// The platform's four lesson types with their scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LessonStructure {
    /// The highest-scoring type, or "insufficient_speech" when there is too little to judge.
    pub primary: String,
    /// Score per type, 0–1.
    pub scores: BTreeMap<String, f64>,
    /// Share of the lesson covered by speech (union of utterances / lesson length).
    pub speech_ratio: f64,
    /// Talk → play → talk alternations (a gap ≥ 5 s between talk blocks ≥ 3 s).
    pub cycles: usize,
    /// Words spoken.
    pub words: usize,
}

/// A lesson's teaching patterns: the sentence timeline, move counts and structure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LessonPatterns {
    /// Sentences in order.
    pub sentences: Vec<TeachingSentence>,
    /// Sentences per move.
    pub counts: BTreeMap<TeachingMove, usize>,
    /// Lesson-level structure.
    pub structure: LessonStructure,
}

/// Fewer words than this, or less than this many seconds of speech, is not enough to call a
/// structure (the platform calls a single "you" an overview).
const MIN_WORDS: usize = 20;
const MIN_SPEECH_S: f64 = 10.0;

/// Teaching patterns of one lesson; `duration_s` is the lesson length (0 = last utterance end).
pub fn lesson_patterns(
    classifier: &TeachingClassifier,
    utterances: &[TimedText<'_>],
    duration_s: f64,
) -> LessonPatterns {
    let end = utterances
        .iter()
        .map(|u| u.end_s)
        .fold(0.0f64, f64::max)
        .max(duration_s);
    let mut sents = Vec::new();
    let mut counts: BTreeMap<TeachingMove, usize> = BTreeMap::new();
    for (u, start, stop, text) in sentences(utterances) {
        let position = if end > 0.0 { start / end } else { 0.0 };
        let (kind, cue) = classifier.classify(&text, position);
        *counts.entry(kind).or_default() += 1;
        sents.push(TeachingSentence {
            utterance: u,
            start_s: (start * 10.0).round() / 10.0,
            end_s: (stop * 10.0).round() / 10.0,
            kind,
            cue: cue.map(str::to_string),
            text,
        });
    }
    let structure = structure(utterances, end, &counts);
    LessonPatterns {
        sentences: sents,
        counts,
        structure,
    }
}

/// Merged talk intervals (utterances closer than 1.5 s joined).
fn talk_blocks(utterances: &[TimedText<'_>]) -> Vec<(f64, f64)> {
    let mut iv: Vec<(f64, f64)> = utterances
        .iter()
        .filter(|u| u.end_s > u.start_s && !u.text.trim().is_empty())
        .map(|u| (u.start_s, u.end_s))
        .collect();
    iv.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out: Vec<(f64, f64)> = Vec::new();
    for (s, e) in iv {
        match out.last_mut() {
            Some(last) if s <= last.1 + 1.5 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

fn structure(
    utterances: &[TimedText<'_>],
    end: f64,
    counts: &BTreeMap<TeachingMove, usize>,
) -> LessonStructure {
    let words: usize = utterances
        .iter()
        .map(|u| u.text.split_whitespace().count())
        .sum();
    let blocks = talk_blocks(utterances);
    // Speech is measured on utterances (not blocks) so pauses inside talk count as playing time.
    let mut iv: Vec<(f64, f64)> = utterances
        .iter()
        .filter(|u| u.end_s > u.start_s)
        .map(|u| (u.start_s, u.end_s))
        .collect();
    iv.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut speech = 0.0;
    let mut reach = f64::NEG_INFINITY;
    for (s, e) in iv {
        let s = s.max(reach);
        if e > s {
            speech += e - s;
        }
        reach = reach.max(e);
    }
    let speech_ratio = if end > 0.0 {
        (speech / end).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let cycles = blocks
        .windows(2)
        .filter(|w| w[1].0 - w[0].1 >= 5.0 && w[0].1 - w[0].0 >= 3.0 && w[1].1 - w[1].0 >= 3.0)
        .count();
    let total: usize = counts.values().sum::<usize>().max(1);
    let share = |m: TeachingMove| counts.get(&m).copied().unwrap_or(0) as f64 / total as f64;
    let playing = 1.0 - speech_ratio;
    let ramp = |x: f64, lo: f64, hi: f64| ((x - lo) / (hi - lo)).clamp(0.0, 1.0);
    // Moves that ask the student to do something; "explanation" is the classifier's default, so
    // it alone does not make a lesson instructional.
    let actionable = share(TeachingMove::Practice)
        + share(TeachingMove::ErrorCorrection)
        + share(TeachingMove::SkillBuilding)
        + share(TeachingMove::Demonstration);
    let explanation = share(TeachingMove::Explanation);
    let framing = share(TeachingMove::Introduction) + share(TeachingMove::Reinforcement);
    let demo_cues = share(TeachingMove::Demonstration);

    let mut scores = BTreeMap::new();
    // Performance: mostly playing, and what little talk there is frames rather than teaches.
    scores.insert(
        "performance".to_string(),
        0.7 * ramp(playing, 0.6, 0.85) + 0.3 * (1.0 - ramp(actionable + explanation, 0.2, 0.7)),
    );
    // Demonstration: much playing, interleaved with talk, with demonstration cues.
    scores.insert(
        "demonstration".to_string(),
        0.5 * ramp(playing, 0.35, 0.6)
            + 0.3 * ramp(cycles as f64, 0.0, 3.0)
            + 0.2 * ramp(demo_cues, 0.0, 0.1),
    );
    // Instructional: talk dominates or alternates with playing, and it tells the student what to
    // do (practice, fixes, next steps, demonstrations), not only what the course is.
    scores.insert(
        "instructional".to_string(),
        0.3 * ramp(speech_ratio, 0.3, 0.6)
            + 0.3 * ramp(actionable, 0.0, 0.15)
            + 0.2 * ramp(explanation, 0.3, 0.7)
            + 0.2 * ramp(cycles as f64, 0.0, 3.0),
    );
    // Overview: talk about what is covered (introduction, recap) with nothing to do yet.
    scores.insert(
        "overview".to_string(),
        0.3 * ramp(speech_ratio, 0.4, 0.7)
            + 0.4 * ramp(framing, 0.1, 0.3)
            + 0.3 * (1.0 - ramp(actionable, 0.0, 0.15)),
    );
    let primary = if words < MIN_WORDS || speech < MIN_SPEECH_S {
        "insufficient_speech".to_string()
    } else {
        scores
            .iter()
            .max_by(|a, b| a.1.total_cmp(b.1).then_with(|| b.0.cmp(a.0)))
            .map(|(k, _)| k.clone())
            .unwrap_or_default()
    };
    for v in scores.values_mut() {
        *v = (*v * 1000.0).round() / 1000.0;
    }
    LessonStructure {
        primary,
        scores,
        speech_ratio: (speech_ratio * 1000.0).round() / 1000.0,
        cycles,
        words,
    }
}
