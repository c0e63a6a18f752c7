//! Strummed chords for the broadened set (issue 14): progressions of major, minor, dominant
//! seventh, major seventh and minor seventh chords on random roots, each in a voicing the theory
//! engine calls playable, strummed down or up with 8–25 ms between strings, through the three
//! SoundFonts and the recorded guitar notes, under the broadened set's conditions. Labels are
//! exact: each chord from its first string's sound to the next chord's.
//!
//! Split into tuning and held-out clips by the same seed and rule as the clips.
#![allow(dead_code)]

use std::sync::Arc;

use fretwise_theory::{Chord, Tuning, VoicingOptions, voicings};
use rustysynth::SoundFont;

use super::broad::{self, Part, Rng, Source, TruthNote};
use super::recorded::{self, Instrument};
use super::soundfont::{self, Event};

/// The qualities played: (MIREX quality, chord-symbol suffix, weight of being drawn).
const QUALITIES: [(&str, &str, usize); 5] = [
    ("maj", "", 3),
    ("min", "m", 3),
    ("7", "7", 2),
    ("maj7", "maj7", 1),
    ("min7", "m7", 2),
];

/// Progressions per source.
const ROUNDS: u32 = 3;

/// One clip of strummed chords with its labels.
pub struct ChordClip {
    /// Unique and stable ("chords / fluid steel / reverb").
    pub name: String,
    pub condition: &'static str,
    pub part: Part,
    /// Mono at `SR`.
    pub audio: Vec<f32>,
    /// (start s, end s, MIREX label such as "A:min7").
    pub spans: Vec<(f64, f64, String)>,
}

/// Every source with one progression each, under the conditions in turn.
pub fn chord_clips(
    fonts: &[(String, Arc<SoundFont>)],
    instruments: &[Instrument],
) -> Vec<ChordClip> {
    let sources = broad::sources(fonts, instruments);
    let mut out = Vec::new();
    for (s, (source, src)) in sources.iter().enumerate() {
        for round in 0..ROUNDS {
            let mut rng = Rng::new(
                broad::SEED
                    ^ broad::name_hash("chords").rotate_left(round * 11 + 3)
                    ^ broad::name_hash(source),
            );
            let condition =
                broad::CONDITIONS[(s * ROUNDS as usize + round as usize) % broad::CONDITIONS.len()];
            let keys: Option<Vec<u8>> = match src {
                Source::Font(..) => None,
                Source::Recorded(inst) => Some(inst.keys()),
            };
            let Some((events, spans, total)) = progression(&mut rng, keys.as_deref()) else {
                continue;
            };
            let (mut audio, score) = match src {
                Source::Font(sf, program) => soundfont::render(sf, *program, &events, total),
                Source::Recorded(inst) => recorded::render(inst, &events, total),
            };
            let notes: Vec<TruthNote> = TruthNote::from_score(&score);
            // Each chord's label starts where its first string sounds.
            let mut spans = spans;
            let mut k = 0;
            for span in &mut spans {
                span.0 = notes[k].onset;
                k += span.3;
            }
            let spans: Vec<(f64, f64, String)> = spans
                .iter()
                .enumerate()
                .map(|(i, sp)| {
                    let end = spans.get(i + 1).map_or(sp.1, |n| n.0);
                    (sp.0, end, sp.2.clone())
                })
                .collect();
            broad::apply(condition, &mut audio, &notes, &mut rng);
            let name = format!("chords {} / {source} / {condition}", round + 1);
            out.push(ChordClip {
                part: broad::part_of(&name),
                name,
                condition,
                audio,
                spans,
            });
        }
    }
    out
}

/// Six chords, 1.5–2.5 s each: the strum's events, the spans (start, end, label, strings) and
/// the clip's length. `keys` limits the notes to those a recorded instrument has.
#[allow(clippy::type_complexity)]
fn progression(
    rng: &mut Rng,
    keys: Option<&[u8]>,
) -> Option<(Vec<Event>, Vec<(f64, f64, String, usize)>, f64)> {
    let tuning = Tuning::standard();
    let opts = VoicingOptions {
        max_fret: 12,
        ..Default::default()
    };
    let mut events = Vec::new();
    let mut spans = Vec::new();
    let mut t = 0.3;
    let mut tries = 0;
    while spans.len() < 6 && tries < 60 {
        tries += 1;
        let root = rng.below(12) as i32;
        let total: usize = QUALITIES.iter().map(|q| q.2).sum();
        let mut pick = rng.below(total);
        let (mirex, suffix, _) = *QUALITIES
            .iter()
            .find(|q| {
                if pick < q.2 {
                    true
                } else {
                    pick -= q.2;
                    false
                }
            })
            .unwrap_or(&QUALITIES[0]);
        let pc = fretwise_theory::PitchClass::guitar_root(root);
        let Ok(chord) = Chord::parse(&format!("{pc}{suffix}")) else {
            continue;
        };
        let options: Vec<Vec<u8>> = voicings(&chord, &tuning, &opts)
            .iter()
            .take(4)
            .filter_map(|v| {
                let strings = v.frets.len();
                v.frets
                    .iter()
                    .enumerate()
                    .filter_map(|(i, f)| f.map(|f| (strings - i, f)))
                    .map(|(string, fret)| {
                        let m = tuning.note_at(string, fret, true).ok()?.midi()?;
                        u8::try_from(m).ok()
                    })
                    .collect::<Option<Vec<u8>>>()
            })
            .filter(|ms| ms.len() >= 3 && keys.is_none_or(|k| ms.iter().all(|m| k.contains(m))))
            .collect();
        if options.is_empty() {
            continue;
        }
        let mut tones: Vec<u8> = options[rng.below(options.len())].clone();
        // Down-strums low to high, up-strums high to low.
        if rng.below(3) == 0 {
            tones.reverse();
        }
        let dur = rng.range(1.5, 2.5);
        let gap = rng.range(0.008, 0.025);
        let velocity = (rng.range(80.0, 118.0)) as u8;
        for (k, m) in tones.iter().enumerate() {
            let on = t + k as f64 * gap;
            events.push(Event {
                velocity: velocity.saturating_sub(k as u8 * 2),
                ..Event::plain(on, t + dur - on - 0.02, *m)
            });
        }
        spans.push((t, t + dur, format!("{pc}:{mirex}"), tones.len()));
        t += dur;
    }
    (spans.len() >= 4).then_some((events, spans, t + 0.5))
}

/// A MIREX label's root as a pitch class (0–11) and its quality; `None` for "N" or a label
/// that does not parse.
fn root_and_quality(label: &str) -> Option<(i32, &str)> {
    let (root, q) = label.split_once(':')?;
    let pc = root.parse::<fretwise_theory::PitchClass>().ok()?.semitone();
    Some((pc.rem_euclid(12), q))
}

/// A MIREX label reduced to majmin: root and "maj" or "min"; `None` outside the vocabulary
/// (sus, power chords, dim, aug, no chord).
pub fn majmin(label: &str) -> Option<(i32, &'static str)> {
    match root_and_quality(label)? {
        (pc, "maj" | "7" | "maj7") => Some((pc, "maj")),
        (pc, "min" | "min7") => Some((pc, "min")),
        _ => None,
    }
}

/// A MIREX label reduced to sevenths: root and one of maj, min, 7, maj7, min7.
pub fn sevenths(label: &str) -> Option<(i32, &str)> {
    let (pc, q) = root_and_quality(label)?;
    matches!(q, "maj" | "min" | "7" | "maj7" | "min7").then_some((pc, q))
}

/// Weighted overlap of the estimate with the labels on a 10 ms grid: (majmin, sevenths, labelled
/// seconds). An estimate outside a reduction's vocabulary counts as wrong.
pub fn overlap(clip: &ChordClip, est: &[fretwise_audio::ChordSpan]) -> (f64, f64, f64) {
    let (mut total, mut mm, mut sev) = (0.0, 0.0, 0.0);
    for (s, e, label) in &clip.spans {
        let mut t = *s;
        while t < *e {
            if let Some(c) = est.iter().find(|c| c.start_s <= t && t < c.end_s) {
                if majmin(&c.mirex).is_some() && majmin(&c.mirex) == majmin(label) {
                    mm += 0.01;
                }
                if sevenths(&c.mirex).is_some() && sevenths(&c.mirex) == sevenths(label) {
                    sev += 0.01;
                }
            }
            total += 0.01;
            t += 0.01;
        }
    }
    (mm, sev, total)
}
