use std::fmt;

use serde::Serialize;

use crate::TheoryError;
use crate::dictionary::{ChordType, DICTIONARY};
use crate::interval::{Interval, Quality};
use crate::note::{PitchClass, parse_pitch_class_prefix};

/// A chord: root, type and optional bass note (slash chord).
#[derive(Debug, Clone)]
pub struct Chord {
    /// Root.
    pub root: PitchClass,
    /// Index into [`crate::chord_types`].
    type_index: usize,
    /// Bass note of a slash chord.
    pub bass: Option<PitchClass>,
}

/// One chord tone and its function.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChordTone {
    /// The spelled note.
    pub note: String,
    /// Interval from the root, number-then-quality ("3m").
    pub interval: String,
    /// Function in words ("minor 3rd", "root", "flat 9th").
    pub function: String,
}

/// Guitarists' everyday chord types, most common first; identification ranks by this.
const COMMON: [&str; 40] = [
    "", "m", "7", "m7", "maj7", "5", "sus4", "sus2", "dim", "aug", "m7b5", "dim7", "6", "m6",
    "7sus4", "add9", "9", "m9", "maj9", "mMaj7", "6/9", "madd9", "11", "m11", "13", "m13", "maj13",
    "7b9", "7#9", "7#11", "7b13", "7#5", "7b5", "maj7#11", "maj7#5", "9sus4", "7alt", "m6/9",
    "7no5", "add11",
];

fn rank(t: &ChordType) -> usize {
    COMMON
        .iter()
        .position(|c| t.symbols.iter().any(|s| s == c))
        .unwrap_or(COMMON.len() + t.index)
}

/// "1st", "2nd", "3rd", "11th", …: how degrees and beats are named.
pub fn ordinal(n: i32) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn function_name(iv: &Interval) -> String {
    let n = iv.number();
    if n == 1 {
        return "root".into();
    }
    let q = match iv.quality() {
        Quality::Perfect => "perfect",
        Quality::Major => "major",
        Quality::Minor => {
            if n > 8 {
                "flat"
            } else {
                "minor"
            }
        }
        Quality::Augmented(_) => {
            if n > 8 {
                "sharp"
            } else {
                "augmented"
            }
        }
        Quality::Diminished(_) => "diminished",
    };
    format!("{q} {}", ordinal(n))
}

fn normalize_suffix(s: &str) -> String {
    // Typographic accidentals are accepted in the suffix as they are in the root ("Dm7♭5").
    s.chars()
        .filter(|c| !matches!(c, '(' | ')' | ' ' | ','))
        .map(|c| match c {
            '♭' => 'b',
            '♯' => '#',
            c => c,
        })
        .collect()
}

impl Chord {
    /// Parses a chord symbol: `C`, `C#m7`, `Bbmaj7#11`, `F#m7b5`, `CΔ7`, `Cø7`, `C°7`, `C6/9`,
    /// `G7/B`, `D/C`, `C7(b9)`.
    ///
    /// ```
    /// let c = fretwise_theory::Chord::parse("G7/B").unwrap();
    /// assert_eq!(c.note_names(), ["B", "D", "F", "G"]);
    /// ```
    pub fn parse(symbol: &str) -> Result<Chord, TheoryError> {
        let err = || TheoryError::Chord(symbol.to_string());
        let s = symbol.trim();
        let (root, used) = parse_pitch_class_prefix(s).ok_or_else(err)?;
        let rest = &s[used..];
        let dict = &*DICTIONARY;
        let lookup = |suffix: &str| -> Option<usize> {
            dict.chord_by_symbol.get(suffix).copied().or_else(|| {
                let n = normalize_suffix(suffix);
                dict.chord_by_symbol.get(n.as_str()).copied()
            })
        };
        if let Some(i) = lookup(rest) {
            return Ok(Chord {
                root,
                type_index: i,
                bass: None,
            });
        }
        if let Some(slash) = rest.rfind('/') {
            let (suffix, bass) = (&rest[..slash], &rest[slash + 1..]);
            let i = lookup(suffix).ok_or_else(err)?;
            let bass: PitchClass = bass.parse().map_err(|_| err())?;
            return Ok(Chord {
                root,
                type_index: i,
                bass: Some(bass),
            });
        }
        Err(err())
    }

    /// A chord from parts.
    pub fn from_parts(root: PitchClass, chord_type: &ChordType, bass: Option<PitchClass>) -> Chord {
        Chord {
            root,
            type_index: chord_type.index,
            bass,
        }
    }

    /// The chord type.
    pub fn chord_type(&self) -> &'static ChordType {
        &DICTIONARY.chords[self.type_index]
    }

    /// Chord tones in chord-tone order, root first (ignores the bass).
    pub fn tones(&self) -> Vec<PitchClass> {
        self.chord_type()
            .intervals
            .iter()
            .map(|i| self.root.transpose(i))
            .collect()
    }

    /// Notes as sounded: for a slash chord the bass first, then the remaining chord tones in
    /// chord order starting after the bass (a bass outside the chord is added below it).
    pub fn notes(&self) -> Vec<PitchClass> {
        let tones = self.tones();
        match self.bass {
            None => tones,
            Some(b) => match tones.iter().position(|t| *t == b) {
                Some(p) => tones[p..].iter().chain(&tones[..p]).copied().collect(),
                None => std::iter::once(b).chain(tones).collect(),
            },
        }
    }

    /// Note names as strings (`["C#", "E", "G#", "B"]`).
    pub fn note_names(&self) -> Vec<String> {
        self.notes().iter().map(ToString::to_string).collect()
    }

    /// Each chord tone with its function.
    pub fn tone_functions(&self) -> Vec<ChordTone> {
        self.chord_type()
            .intervals
            .iter()
            .map(|i| ChordTone {
                note: self.root.transpose(i).to_string(),
                interval: i.to_string(),
                function: function_name(i),
            })
            .collect()
    }

    /// Transposes root and bass.
    pub fn transpose(&self, interval: &Interval) -> Chord {
        Chord {
            root: self.root.transpose(interval),
            type_index: self.type_index,
            bass: self.bass.map(|b| b.transpose(interval)),
        }
    }
}

/// Prints the fretwise symbol: root, preferred type symbol, `/bass`.
impl fmt::Display for Chord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.root, self.chord_type().symbol())?;
        if let Some(b) = self.bass {
            write!(f, "/{b}")?;
        }
        Ok(())
    }
}

/// A chord that fits a set of notes, with why.
#[derive(Debug, Clone, Serialize)]
pub struct ChordCandidate {
    /// Symbol ("C/E").
    pub symbol: String,
    /// Descriptive name of the type.
    pub name: String,
    /// Lower is better.
    pub score: u32,
    /// Chord tones absent from the notes (e.g. the omitted fifth).
    pub omitted: Vec<String>,
}

/// Names the chords a set of notes can be, best first. The first note is the bass.
/// Exact matches beat ones with an omitted fifth; common chord types and root-position
/// readings rank first.
///
/// ```
/// use fretwise_theory::{PitchClass, identify};
/// let notes: Vec<PitchClass> = ["E", "G", "C"].iter().map(|n| n.parse().unwrap()).collect();
/// assert_eq!(identify(&notes)[0].symbol, "C/E");
/// ```
pub fn identify(notes: &[PitchClass]) -> Vec<ChordCandidate> {
    let Some(&bass) = notes.first() else {
        return Vec::new();
    };
    let mut distinct: Vec<PitchClass> = Vec::new();
    for n in notes {
        if !distinct.iter().any(|d| d.semitone() == n.semitone()) {
            distinct.push(*n);
        }
    }
    let mut out: Vec<ChordCandidate> = Vec::new();
    for &root in &distinct {
        let set = distinct.iter().fold(0u16, |m, n| {
            m | 1 << (n.semitone() - root.semitone()).rem_euclid(12)
        });
        for t in DICTIONARY.chords.iter().filter(|t| t.intervals.len() >= 2) {
            let (exact, omitted_fifth) = (t.mask == set, {
                let fifth = 1u16 << 7;
                t.mask & fifth != 0 && t.intervals.len() >= 3 && (t.mask & !fifth) == set
            });
            if !exact && !omitted_fifth {
                continue;
            }
            let chord = Chord::from_parts(
                root,
                t,
                (bass.semitone() != root.semitone()).then_some(bass),
            );
            // Spell the chord from the given root; if the given spelling of a tone differs
            // (G# given, Ab spelled), the reading is less likely.
            let tones = chord.tones();
            let misspelled = distinct.iter().filter(|n| !tones.contains(n)).count() as u32;
            let mut score = rank(t) as u32 * 10;
            if chord.bass.is_some() {
                score += 100;
            }
            if omitted_fifth {
                score += 25;
            }
            score += misspelled * 40;
            let omitted = if omitted_fifth {
                vec![root.transpose(&Interval::from_steps(4, 7)).to_string()]
            } else {
                Vec::new()
            };
            let symbol = chord.to_string();
            if out.iter().any(|c| c.symbol == symbol) {
                continue;
            }
            out.push(ChordCandidate {
                symbol,
                name: t.name.clone(),
                score,
                omitted,
            });
        }
    }
    out.sort_by(|a, b| a.score.cmp(&b.score).then_with(|| a.symbol.cmp(&b.symbol)));
    out
}
