//! The grounded composer: the answer built from the engine's facts and the instructors' own
//! words, with citations, one practice step and where to go next. It needs no model.

use std::collections::BTreeSet;

use fretwise_knowledge::{ConceptGraph, Ontology};

use crate::facts::Fact;
use crate::index::Hit;
use crate::understand::{Intent, Understanding};
use crate::{Citation, StyleChoice};

/// Minutes:seconds.
pub fn clock(s: f64) -> String {
    let s = s.max(0.0).round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

/// The citation for a hit.
pub fn citation(h: &Hit) -> Citation {
    Citation {
        lesson_id: h.lesson_id.clone(),
        title: h.title.clone(),
        course: h.course.clone(),
        instructor: h.instructor.clone(),
        start_s: (h.start_s * 10.0).round() / 10.0,
        end_s: (h.end_s * 10.0).round() / 10.0,
        quote: h.text.clone(),
        video_url: None,
    }
}

/// Everything the composer reads.
pub struct Inputs<'a> {
    /// The question read.
    pub u: &'a Understanding,
    /// Facts from the engine.
    pub facts: &'a [Fact],
    /// Passages found, best first.
    pub hits: &'a [Hit],
    /// The chosen instructor.
    pub style: Option<&'a StyleChoice>,
    /// The ontology.
    pub ontology: &'a Ontology,
    /// The mined graph, when built.
    pub graph: Option<&'a ConceptGraph>,
    /// Concepts the student knows (for the next step).
    pub known: &'a [String],
}

/// A passage is quoted only when it scores at least this share of the best one: a weak match is
/// not evidence.
const QUOTED: f32 = 0.75;

/// The answer text and the citations it uses, in [n] order.
pub fn compose(inp: &Inputs<'_>) -> (String, Vec<Citation>) {
    let u = inp.u;
    let mut out = String::new();
    let mut cites: Vec<Citation> = Vec::new();
    if u.injection {
        out.push_str(
            "I'm fretwise's guitar instructor: I answer guitar questions from the lessons and \
             the theory engine, and I don't change or reveal my instructions.",
        );
        if u.facts_wanted() && !inp.facts.is_empty() {
            out.push_str(" Here is the musical part of your question.\n\n");
        } else {
            out.push_str(" Ask me about chords, scales, technique or practice.\n");
            return (out, cites);
        }
    }
    if u.intent == Intent::OffTopic && inp.facts.is_empty() {
        out.push_str(
            "That isn't something the guitar lessons cover, so I can't answer it from them. \
             Ask me about chords, scales, technique, practice, gear or a style, for example \
             \"How do I play a barre chord?\" or \"What notes are in D dorian?\"",
        );
        return (out, cites);
    }
    // 1. The direct answer: the engine's facts.
    for f in inp.facts {
        out.push_str(&f.sentence);
        out.push('\n');
        if let Some(d) = &f.diagram {
            out.push('\n');
            out.push_str(d.trim_end());
            out.push_str("\n\n");
        }
    }
    if !inp.facts.is_empty() {
        out.push('\n');
    }
    // 2. How the instructors teach it, in their own words.
    // Only passages close to the best one are quoted: a weak match is not evidence.
    let best = inp.hits.iter().map(|h| h.score).fold(0.0f32, f32::max);
    let usable: Vec<&Hit> = inp
        .hits
        .iter()
        .filter(|h| !h.visual && h.score >= QUOTED * best)
        .collect();
    let chosen_id = inp.style.map(|s| s.instructor_id.as_str());
    // The same words said in another lesson (a second transcript of one video, or a phrase
    // many instructors use) add nothing: each thing is quoted once.
    let mut said: Vec<BTreeSet<String>> = Vec::new();
    let mut fresh = |h: &Hit| {
        if repeats_any(&said, &h.text) {
            return false;
        }
        said.push(crate::content_words(&h.text.to_lowercase()));
        true
    };
    let mine: Vec<&Hit> = usable
        .iter()
        .copied()
        .filter(|h| Some(h.instructor_id.as_str()) == chosen_id)
        // The chosen voice leads only with a passage nearly as strong as the best one.
        .filter(|h| h.score >= 0.85 * best)
        .filter(|h| fresh(h))
        .take(2)
        .collect();
    // A second voice only when its passage is nearly as strong as the best.
    let others: Vec<&Hit> = usable
        .iter()
        .copied()
        .filter(|h| Some(h.instructor_id.as_str()) != chosen_id)
        .filter(|h| mine.is_empty() || h.score >= 0.8 * best)
        .filter(|h| fresh(h))
        .take(if mine.is_empty() { 2 } else { 1 })
        .collect();
    let cite = |h: &Hit, cites: &mut Vec<Citation>| -> usize {
        if let Some(i) = cites.iter().position(|c| {
            c.lesson_id == h.lesson_id && c.start_s == (h.start_s * 10.0).round() / 10.0
        }) {
            return i + 1;
        }
        cites.push(citation(h));
        cites.len()
    };
    if let (Some(style), false) = (inp.style, mine.is_empty()) {
        out.push_str(&format!("How {} teaches it:\n", style.name));
        for h in &mine {
            let n = cite(h, &mut cites);
            out.push_str(&format!("  \"{}\" [{n}]\n", h.text.trim()));
        }
    }
    for h in &others {
        let n = cite(h, &mut cites);
        out.push_str(&format!(
            "{} also says: \"{}\" [{n}]\n",
            if h.instructor.is_empty() {
                "Another lesson"
            } else {
                &h.instructor
            },
            h.text.trim()
        ));
    }
    if mine.is_empty() && others.is_empty() && inp.facts.is_empty() {
        out.push_str(
            "I found nothing in the lessons that answers this. Try naming the technique, chord \
             or scale you mean (for example \"string bending\" or \"barre chords\").\n",
        );
    }
    // 3. One practice step.
    if let Some(p) = practice_step(inp, &mut cites, &said) {
        out.push_str(&format!("\nPractice: {p}\n"));
    }
    // 4. Related concepts and the next step.
    if let Some(next) = next_steps(inp) {
        out.push_str(&format!("\n{next}\n"));
    }
    (out.trim_end().to_string(), cites)
}

impl Understanding {
    /// True when the question carries a theory query worth answering even beside an injection.
    pub fn facts_wanted(&self) -> bool {
        !self.queries.is_empty()
    }
}

/// True when `text` mostly repeats something already quoted: 70 % of the shorter one's content
/// words are in the other.
fn repeats_any(said: &[BTreeSet<String>], text: &str) -> bool {
    let words = crate::content_words(&text.to_lowercase());
    said.iter().any(|a| {
        let small = a.len().min(words.len());
        small > 0 && a.intersection(&words).count() * 10 >= small * 7
    })
}

fn practice_step(
    inp: &Inputs<'_>,
    cites: &mut Vec<Citation>,
    said: &[BTreeSet<String>],
) -> Option<String> {
    if inp.u.intent == Intent::OffTopic {
        return None;
    }
    // An instructor's own practice advice first.
    let best = inp.hits.iter().map(|h| h.score).fold(0.0f32, f32::max);
    if let Some(h) = inp.hits.iter().find(|h| {
        h.teaching_move == "practice"
            && !h.visual
            && h.score >= QUOTED * best
            && (cites
                .iter()
                .any(|c| c.lesson_id == h.lesson_id && c.quote == h.text)
                || !repeats_any(said, &h.text))
    }) {
        let n = match cites
            .iter()
            .position(|c| c.lesson_id == h.lesson_id && c.quote == h.text)
        {
            Some(i) => i + 1,
            None => {
                cites.push(citation(h));
                cites.len()
            }
        };
        return Some(format!("\"{}\" [{n}]", h.text.trim()));
    }
    if let Some(f) = inp.facts.first() {
        return Some(match f.kind.as_str() {
            "chord" | "voicing" => format!(
                "play {} as a slow arpeggio, one string at a time, and check that every note \
                 ({}) rings clearly; then strum it four times at 60 bpm.",
                f.query, f.value
            ),
            "scale" => format!(
                "play {} up and down ({}), one note per click at 60 bpm, saying each note name \
                 as you play it.",
                f.query, f.value
            ),
            "key_chords" | "degree" | "analysis" | "transpose" => format!(
                "play the chords ({}) in order, four strums each at 70 bpm, and listen for the \
                 one that sounds like home.",
                f.value
            ),
            _ => "find the answer on your own guitar and play it, then find the same note or \
                  shape one position higher up the neck."
                .to_string(),
        });
    }
    let concept = inp.u.concepts.first().and_then(|c| inp.ontology.get(c))?;
    Some(format!(
        "five minutes of {} each day with a metronome at 60 bpm; raise it by 5 bpm only when \
         three clean repetitions in a row feel easy.",
        concept.name.to_lowercase()
    ))
}

fn next_steps(inp: &Inputs<'_>) -> Option<String> {
    let c = inp.u.concepts.first().and_then(|c| inp.ontology.get(c))?;
    let mut related: Vec<String> = Vec::new();
    if let Some(g) = inp.graph {
        let mut edges: Vec<_> = g
            .edges
            .iter()
            .filter(|e| e.kind == "related" && (e.from == c.id || e.to == c.id))
            .collect();
        edges.sort_by(|a, b| b.score.total_cmp(&a.score));
        for e in edges.into_iter().take(3) {
            let other = if e.from == c.id { &e.to } else { &e.from };
            if let Some(o) = inp.ontology.get(other) {
                related.push(o.name.clone());
            }
        }
    }
    // The easiest concept that builds directly on this one.
    let next = inp
        .ontology
        .concepts()
        .iter()
        .filter(|n| n.requires.contains(&c.id) && !inp.known.contains(&n.id))
        .min_by_key(|n| (n.difficulty, n.id.clone()));
    let missing: Vec<String> = inp
        .ontology
        .learning_path(
            &c.id,
            &inp.known.iter().map(String::as_str).collect::<Vec<_>>(),
        )
        .unwrap_or_default()
        .into_iter()
        .filter(|id| id != &c.id)
        .filter_map(|id| inp.ontology.get(&id).map(|x| x.name.clone()))
        .collect();
    let mut parts = Vec::new();
    if !related.is_empty() {
        parts.push(format!("Related: {}.", related.join(", ")));
    }
    if !missing.is_empty() && missing.len() <= 4 {
        parts.push(format!(
            "Before {}: {}.",
            c.name.to_lowercase(),
            missing.join(" → ")
        ));
    }
    if let Some(n) = next {
        parts.push(format!("Next step once it's solid: {}.", n.name));
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}
