//! Scales and chords mapped onto the fretboard: every scale note in a fret range, fingering
//! patterns (two notes per string for pentatonic boxes, three notes per string otherwise),
//! and the five CAGED shapes of a major or minor chord.

use serde::Serialize;

use crate::chord::Chord;
use crate::guitar::Tuning;
use crate::note::PitchClass;
use crate::scale::Scale;
use crate::voicing::Voicing;

/// One scale note on the fretboard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MappedNote {
    /// String, 1 = highest.
    pub string: usize,
    /// Fret.
    pub fret: u32,
    /// Spelled note.
    pub note: String,
    /// Scale degree, 1 = tonic.
    pub degree: usize,
}

/// Every note of `scale` between `from` and `to` frets, low string first.
pub fn scale_map(scale: &Scale, tuning: &Tuning, from: u32, to: u32) -> Vec<MappedNote> {
    let notes = scale.notes();
    let n = tuning.strings.len();
    let mut out = Vec::new();
    for (i, open) in tuning.strings.iter().enumerate() {
        let open_midi = open.midi().unwrap_or(0);
        for fret in from..=to {
            let s = (open_midi + fret as i32).rem_euclid(12);
            if let Some(d) = notes.iter().position(|p| p.semitone() == s) {
                out.push(MappedNote {
                    string: n - i,
                    fret,
                    note: notes[d].to_string(),
                    degree: d + 1,
                });
            }
        }
    }
    out
}

/// A fingering pattern of a scale: the notes in ascending pitch, string by string.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScalePattern {
    /// Degree (1 = tonic) the pattern starts on, on the lowest string.
    pub start_degree: usize,
    /// Notes per string.
    pub notes_per_string: usize,
    /// The notes, lowest first.
    pub notes: Vec<MappedNote>,
    /// Largest fret stretch on one string.
    pub stretch: u32,
}

/// Patterns starting on each degree of the scale on the lowest string: two notes per string for
/// scales of five notes or fewer (the pentatonic "boxes"), three notes per string otherwise.
///
/// ```
/// use fretwise_theory::{Scale, Tuning, scale_patterns};
/// let boxes = scale_patterns(&Scale::parse("A minor pentatonic").unwrap(), &Tuning::standard());
/// let box1 = boxes.iter().find(|b| b.start_degree == 1).unwrap();
/// let frets: Vec<u32> = box1.notes.iter().map(|n| n.fret).collect();
/// assert_eq!(frets, [5, 8, 5, 7, 5, 7, 5, 7, 5, 8, 5, 8]);
/// ```
pub fn scale_patterns(scale: &Scale, tuning: &Tuning) -> Vec<ScalePattern> {
    let notes = scale.notes();
    let size = notes.len();
    if size == 0 || tuning.strings.is_empty() {
        return Vec::new();
    }
    let per_string = if size <= 5 { 2 } else { 3 };
    let n = tuning.strings.len();
    let low = tuning.strings[0].midi().unwrap_or(0);
    let mut out = Vec::new();
    for start in 0..size {
        // Lowest fret of this degree on the lowest string, at or above the nut.
        let offset = (notes[start].semitone() - low).rem_euclid(12);
        let first_pitch = low + offset;
        // Ascending scale pitches from there.
        let mut pitches = Vec::new();
        let mut degree = start;
        let mut pitch = first_pitch;
        while pitches.len() < per_string * n {
            pitches.push((pitch, degree));
            let next = (degree + 1) % size;
            let step = (notes[next].semitone() - notes[degree].semitone()).rem_euclid(12);
            pitch += if step == 0 { 12 } else { step };
            degree = next;
        }
        let mut mapped = Vec::new();
        let mut stretch = 0;
        for (si, chunk) in pitches.chunks(per_string).enumerate() {
            let open = tuning.strings[si].midi().unwrap_or(0);
            let frets: Vec<u32> = chunk
                .iter()
                .map(|&(p, _)| (p - open).max(0) as u32)
                .collect();
            stretch =
                stretch.max(frets.iter().max().unwrap_or(&0) - frets.iter().min().unwrap_or(&0));
            for (&(_, d), &f) in chunk.iter().zip(&frets) {
                mapped.push(MappedNote {
                    string: n - si,
                    fret: f,
                    note: notes[d].to_string(),
                    degree: d + 1,
                });
            }
        }
        out.push(ScalePattern {
            start_degree: start + 1,
            notes_per_string: per_string,
            notes: mapped,
            stretch,
        });
    }
    out.sort_by_key(|p| p.notes.first().map(|n| n.fret).unwrap_or(0));
    out
}

/// The five CAGED shapes (C, A, G, E, D) of a major or minor chord in standard tuning, ordered
/// up the neck. Each is an open-position shape moved so its root lands on `chord.root`.
///
/// ```
/// use fretwise_theory::{Chord, caged_shapes};
/// let shapes: Vec<(String, String)> = caged_shapes(&Chord::parse("C").unwrap())
///     .into_iter().map(|(n, v)| (n, v.shape())).collect();
/// assert!(shapes.contains(&("A".to_string(), "x35553".to_string())));
/// ```
pub fn caged_shapes(chord: &Chord) -> Vec<(String, Voicing)> {
    let minor = match chord.chord_type().symbol() {
        "" => false,
        "m" => true,
        _ => return Vec::new(),
    };
    // (shape, open-position frets low→high, string index of the root, root fret in the template)
    let templates: [(&str, [i32; 6], usize, i32); 5] = if minor {
        [
            ("C", [-1, 3, 1, 0, 1, -1], 1, 3),
            ("A", [-1, 0, 2, 2, 1, 0], 1, 0),
            ("G", [3, 1, 0, 0, 3, 3], 0, 3),
            ("E", [0, 2, 2, 0, 0, 0], 0, 0),
            ("D", [-1, -1, 0, 2, 3, 1], 2, 0),
        ]
    } else {
        [
            ("C", [-1, 3, 2, 0, 1, 0], 1, 3),
            ("A", [-1, 0, 2, 2, 2, 0], 1, 0),
            ("G", [3, 2, 0, 0, 0, 3], 0, 3),
            ("E", [0, 2, 2, 1, 0, 0], 0, 0),
            ("D", [-1, -1, 0, 2, 3, 2], 2, 0),
        ]
    };
    let tuning = Tuning::standard();
    let tones = chord.tones();
    let mut out: Vec<(String, Voicing)> = Vec::new();
    for (name, frets, root_string, root_fret) in templates {
        let open = tuning.strings[root_string].midi().unwrap_or(0);
        let root_at = (chord.root.semitone() - open).rem_euclid(12);
        let shift = (root_at - root_fret).rem_euclid(12);
        let moved: Vec<Option<u32>> = frets
            .iter()
            .map(|&f| (f >= 0).then(|| (f + shift) as u32))
            .collect();
        let fretted: Vec<u32> = moved.iter().flatten().copied().collect();
        let min = fretted.iter().min().copied().unwrap_or(0);
        // Moved shapes put the index finger across the old nut: a barre when more than four
        // notes must be fretted.
        let (fingers, barre) = crate::voicing::fingers_for(&moved)
            .unwrap_or_else(|| (moved.iter().map(|f| f.map(|_| 0)).collect(), None));
        let notes = moved
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                f.map(|f| {
                    let m = tuning.strings[i].midi().unwrap_or(0) + f as i32;
                    let pc = tones
                        .iter()
                        .find(|t| t.semitone() == m.rem_euclid(12))
                        .copied()
                        .unwrap_or_else(|| PitchClass::from_semitone(m, true));
                    format!("{pc}{}", m.div_euclid(12) - 1)
                })
            })
            .collect();
        out.push((
            name.to_string(),
            Voicing {
                fingers,
                frets: moved,
                barre,
                notes,
                difficulty: f64::from(min) * 0.1 + if shift > 0 { 1.5 } else { 0.0 },
                kind: if shift == 0 { "open" } else { "barre" }.to_string(),
            },
        ));
    }
    out.sort_by_key(|(_, v)| v.frets.iter().flatten().min().copied().unwrap_or(0));
    out
}

/// The five CAGED positions of a scale: for each CAGED shape of the chord on the scale's
/// tonic (major, or minor for minor-third scales), the scale notes within one fret of the shape.
///
/// ```
/// use fretwise_theory::{Scale, caged_scale_positions};
/// let positions = caged_scale_positions(&Scale::parse("C major").unwrap());
/// assert_eq!(positions.len(), 5);
/// assert!(positions.iter().all(|(_, notes)| notes.iter().all(|n| !n.note.contains('#'))));
/// ```
pub fn caged_scale_positions(scale: &Scale) -> Vec<(String, Vec<MappedNote>)> {
    let minor_third =
        scale.scale_type().mask & (1 << 3) != 0 && scale.scale_type().mask & (1 << 4) == 0;
    let symbol = format!("{}{}", scale.tonic, if minor_third { "m" } else { "" });
    let Ok(chord) = Chord::parse(&symbol) else {
        return Vec::new();
    };
    let tuning = Tuning::standard();
    caged_shapes(&chord)
        .into_iter()
        .map(|(name, v)| {
            let frets: Vec<u32> = v.frets.iter().flatten().copied().collect();
            let lo = frets.iter().min().copied().unwrap_or(0).saturating_sub(1);
            let hi = frets.iter().max().copied().unwrap_or(0) + 1;
            (name, scale_map(scale, &tuning, lo, hi))
        })
        .collect()
}
