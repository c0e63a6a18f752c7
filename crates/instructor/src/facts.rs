//! Theory queries answered by the theory engine: each fact has a kind, the query as the engine
//! read it, its value, a sentence for the answer and, for voicings, a chord diagram.

use fretwise_theory::{
    Chord, Key, KeyMode, Note, Tuning, VoicingOptions, capo_fret_for, capo_shapes_for,
    capo_shapes_sound_in, diagram_text, identify, voicings,
};
use serde::Serialize;

use crate::understand::TheoryQuery;

/// One musical fact, computed by the theory engine.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fact {
    /// chord, voicing, scale, interval, transpose, key_chords, key_signature, relative_key,
    /// degree, analysis, capo, fret_note, tuning or identify.
    pub kind: String,
    /// The query as read ("Bb7", "D dorian", "capo 3 + G shapes").
    pub query: String,
    /// The answer ("Bb D F Ab").
    pub value: String,
    /// The answer as a sentence.
    #[serde(skip)]
    pub sentence: String,
    /// A chord diagram, for voicings.
    #[serde(skip)]
    pub diagram: Option<String>,
}

fn fact(kind: &str, query: String, value: String, sentence: String) -> Fact {
    Fact {
        kind: kind.to_string(),
        query,
        value,
        sentence,
        diagram: None,
    }
}

fn joined<T: ToString>(xs: &[T]) -> String {
    xs.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

fn list(xs: &[String]) -> String {
    match xs.len() {
        0 => String::new(),
        1 => xs[0].clone(),
        n => format!("{} and {}", xs[..n - 1].join(", "), xs[n - 1]),
    }
}

fn chord_name(c: &Chord) -> String {
    let t = c.chord_type();
    if t.name.is_empty() {
        c.to_string()
    } else {
        format!("{} ({} {})", c, c.root, t.name)
    }
}

/// Answers one query.
pub fn answer(q: &TheoryQuery) -> Option<Fact> {
    Some(match q {
        TheoryQuery::Chord(c) => {
            let notes = c.note_names();
            let functions: Vec<String> = c
                .tone_functions()
                .iter()
                .map(|t| format!("{} ({})", t.note, t.function))
                .collect();
            fact(
                "chord",
                c.to_string(),
                notes.join(" "),
                format!(
                    "{} is spelled {}: {}.",
                    chord_name(c),
                    notes.join(" – "),
                    list(&functions)
                ),
            )
        }
        TheoryQuery::Voicing(c) => {
            let tuning = Tuning::standard();
            let opts = VoicingOptions {
                limit: 3,
                ..VoicingOptions::default()
            };
            let vs = voicings(c, &tuning, &opts);
            let first = vs.first()?;
            let shapes: Vec<String> = vs.iter().map(|v| v.shape()).collect();
            let mut f = fact(
                "voicing",
                c.to_string(),
                shapes.join(" "),
                format!(
                    "A playable {} shape (low E to high E): {} ({}); other shapes: {}.",
                    c,
                    first.shape(),
                    first.kind,
                    if shapes.len() > 1 {
                        shapes[1..].join(", ")
                    } else {
                        "none nearby".to_string()
                    }
                ),
            );
            f.diagram = Some(diagram_text(&c.to_string(), first, &tuning));
            f
        }
        TheoryQuery::Scale(s) => {
            let notes = s.note_names();
            let name = s.scale_type().name.as_str();
            // A church mode is also named by its parent major scale ("parent scale of A
            // mixolydian?", "is D dorian C major?"): the engine says which and on which degree.
            let parent = matches!(
                name,
                "dorian" | "phrygian" | "lydian" | "mixolydian" | "locrian"
            )
            .then(|| fretwise_theory::Scale::new(s.tonic, "major").ok())
            .flatten()
            .and_then(|major| s.with_notes_of_type(&major))
            .and_then(|p| Some((s.mode_degree_in(&p)?, p)))
            .map(|(degree, p)| {
                format!(
                    " {} {name} is the {} mode of {}: the same notes, starting on {}.",
                    s.tonic,
                    fretwise_theory::ordinal(degree as i32),
                    p,
                    s.tonic
                )
            })
            .unwrap_or_default();
            fact(
                "scale",
                format!("{} {name}", s.tonic),
                notes.join(" "),
                format!(
                    "The {} {name} scale is {}.{parent}",
                    s.tonic,
                    notes.join(" – ")
                ),
            )
        }
        TheoryQuery::Interval(a, b) => {
            let i = fretwise_theory::Interval::between(a, b);
            fact(
                "interval",
                format!("{a} to {b}"),
                format!("{} ({} semitones)", i, i.semitones()),
                format!(
                    "From {a} up to {b} is a {} ({}, {} semitones).",
                    i.long_name(),
                    i,
                    i.semitones()
                ),
            )
        }
        TheoryQuery::IntervalFrom(n, iv, below) => {
            let iv = if *below {
                fretwise_theory::Interval::from_steps(-iv.steps(), -iv.semitones())
            } else {
                *iv
            };
            let r = n.transpose(&iv);
            fact(
                "interval",
                format!("{n} {} {}", if *below { "down" } else { "up" }, iv.abs()),
                r.to_string(),
                format!(
                    "A {} {} {n} is {r}.",
                    iv.abs().long_name(),
                    if *below { "below" } else { "above" }
                ),
            )
        }
        TheoryQuery::Transpose(chords, iv) => {
            let moved: Vec<Chord> = chords.iter().map(|c| c.transpose(iv)).collect();
            let dir = if iv.semitones() < 0 { "down" } else { "up" };
            fact(
                "transpose",
                format!("{} {dir} {}", joined(chords), iv.abs()),
                joined(&moved),
                format!(
                    "{} moved {dir} a {} ({} semitones) is {}.",
                    joined(chords),
                    iv.abs().long_name(),
                    iv.semitones().abs(),
                    joined(&moved)
                ),
            )
        }
        TheoryQuery::KeyChords(k) => {
            let triads = joined(&k.triads());
            let sevenths = joined(&k.sevenths());
            fact(
                "key_chords",
                k.to_string(),
                triads.clone(),
                format!("The chords of {k} are {triads}; as seventh chords: {sevenths}."),
            )
        }
        TheoryQuery::KeySignature(k) => {
            let n = k.signature();
            let notes = k.signature_notes();
            let what = match n {
                0 => "no sharps or flats".to_string(),
                n if n > 0 => format!("{n} sharp{}: {}", plural(n), notes.join(" ")),
                n => format!("{} flat{}: {}", -n, plural(n), notes.join(" ")),
            };
            fact(
                "key_signature",
                k.to_string(),
                what.clone(),
                format!("{k} has {what}."),
            )
        }
        TheoryQuery::KeyWithAccidentals(n) => {
            let k = Key::circle_of_fifths()
                .into_iter()
                .find(|k| k.signature() == *n)?;
            let minor = k.relative();
            let what = match *n {
                0 => "no sharps or flats".to_string(),
                n if n > 0 => format!("{n} sharp{}", plural(n)),
                n => format!("{} flat{}", -n, plural(n)),
            };
            fact(
                "key_signature",
                what.clone(),
                format!("{k} / {minor}"),
                format!("The key with {what} is {k} (relative minor: {minor})."),
            )
        }
        TheoryQuery::Relative(k) => {
            let r = k.relative();
            let which = if matches!(k.mode, KeyMode::Major) {
                "minor"
            } else {
                "major"
            };
            fact(
                "relative_key",
                k.to_string(),
                r.to_string(),
                format!("The relative {which} of {k} is {r} (same key signature)."),
            )
        }
        TheoryQuery::Degree(d, k, seventh) => {
            let chords = if *seventh { k.sevenths() } else { k.triads() };
            let c = chords.get(d.checked_sub(1)?)?;
            let numeral = k.analyze(std::slice::from_ref(c)).first()?.numeral.clone();
            fact(
                "degree",
                format!("{numeral} in {k}"),
                c.to_string(),
                format!(
                    "In {k} the {numeral} chord is {c} ({}).",
                    c.note_names().join(" – ")
                ),
            )
        }
        TheoryQuery::Analyze(chords, k) => {
            let numerals: Vec<String> = k.analyze(chords).into_iter().map(|r| r.numeral).collect();
            fact(
                "analysis",
                format!("{} in {k}", joined(chords)),
                numerals.join(" "),
                format!("In {k}, {} is {}.", joined(chords), numerals.join(" – ")),
            )
        }
        TheoryQuery::Capo(fret, shape) => {
            let sounds = capo_shapes_sound_in(*shape, *fret);
            fact(
                "capo",
                format!("capo {fret} + {shape} shapes"),
                sounds.to_string(),
                format!(
                    "With a capo at fret {fret}, {shape}-shape chords sound in {sounds} ({shape} major shapes sound as {sounds} major)."
                ),
            )
        }
        TheoryQuery::CapoFor(target, shape) => {
            let fret = capo_fret_for(*shape, *target);
            fact(
                "capo",
                format!("{shape} shapes sounding in {target}"),
                format!("fret {fret}"),
                format!("To sound in {target} with {shape} shapes, put the capo at fret {fret}."),
            )
        }
        TheoryQuery::CapoShapes(target, fret) => {
            let shape = capo_shapes_for(*target, *fret);
            fact(
                "capo",
                format!("capo {fret} sounding in {target}"),
                format!("{shape} shapes"),
                format!("With a capo at fret {fret}, play {shape} shapes to sound in {target}."),
            )
        }
        TheoryQuery::FretNote(string, fret) => {
            let t = Tuning::standard();
            let n = t.note_at(*string, *fret, true).ok()?;
            let flat = t.note_at(*string, *fret, false).ok()?;
            let open = t.open(*string).ok()?;
            let value = if flat == n {
                n.to_string()
            } else {
                format!("{n}/{flat}")
            };
            fact(
                "fret_note",
                format!("string {string} ({open}) fret {fret}"),
                value.clone(),
                format!(
                    "In standard tuning, fret {fret} on string {string} (open {open}) is {value}."
                ),
            )
        }
        TheoryQuery::Tuning(t) => {
            let notes: Vec<String> = t.strings.iter().map(Note::to_string).collect();
            fact(
                "tuning",
                t.name.clone(),
                notes.join(" "),
                format!(
                    "{} tuning, low to high: {}.",
                    capitalise(&t.name),
                    notes.join(" ")
                ),
            )
        }
        TheoryQuery::TabNotes(tab) => return tab_fact(tab),
        TheoryQuery::Identify(pcs) => {
            let found = identify(pcs);
            let best = found.first()?;
            let others: Vec<String> = found
                .iter()
                .skip(1)
                .take(2)
                .map(|c| c.symbol.clone())
                .collect();
            fact(
                "identify",
                joined(pcs),
                best.symbol.clone(),
                format!(
                    "{} make {}{}.",
                    joined(pcs),
                    best.symbol,
                    if others.is_empty() {
                        String::new()
                    } else {
                        format!(" (also readable as {})", others.join(" or "))
                    }
                ),
            )
        }
    })
}

/// The notes of a tab in standard tuning, with strings, frets and the hand position.
fn tab_fact(tab: &fretwise_theory::Tab) -> Option<Fact> {
    let tuning = Tuning::standard();
    let mut notes = Vec::new();
    let mut places = Vec::new();
    for (e, n) in tab.events.iter().zip(tab.notes(&tuning)) {
        let (Some(fret), Some(n)) = (e.fret, n) else {
            continue;
        };
        notes.push(n.to_string());
        places.push(format!("string {} fret {fret}", e.string));
    }
    if notes.is_empty() {
        return None;
    }
    let fretted: Vec<u32> = tab
        .events
        .iter()
        .filter_map(|e| e.fret)
        .filter(|f| *f > 0)
        .collect();
    let position = match (fretted.iter().min(), fretted.iter().max()) {
        (Some(lo), Some(hi)) if hi - lo <= 3 => format!(
            ", in position {lo} (the index finger at fret {lo}, every note within four frets)"
        ),
        (Some(lo), Some(hi)) => format!(", moving between frets {lo} and {hi}"),
        _ => ", all open strings".to_string(),
    };
    Some(fact(
        "tab",
        format!("tab of {} notes", notes.len()),
        notes.join(" "),
        format!(
            "In standard tuning the tab plays {} ({}){position}.",
            notes.join(", "),
            places.join(", ")
        ),
    ))
}

fn plural(n: i32) -> &'static str {
    if n.abs() == 1 { "" } else { "s" }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scale_sentence(name: &str) -> String {
        let s = fretwise_theory::Scale::parse(name).expect("a scale name");
        answer(&TheoryQuery::Scale(s)).expect("a fact").sentence
    }

    #[test]
    fn a_church_mode_names_its_parent_major_scale() {
        let t = scale_sentence("A mixolydian");
        assert!(t.contains("A mixolydian is the 5th mode of D major"), "{t}");
        let t = scale_sentence("F# locrian");
        assert!(t.contains("F# locrian is the 7th mode of G major"), "{t}");
        // The fact-check reads the sentence and agrees with it.
        let (checked, report) = crate::factcheck::check(&t);
        assert_eq!(checked, t);
        assert!(
            report.corrected.is_empty() && report.verified >= 2,
            "{report:?}"
        );
        // Scales that are no mode of a major scale say nothing more.
        let t = scale_sentence("A minor pentatonic");
        assert!(!t.contains("mode of"), "{t}");
    }
}
