//! The fretboard: tunings, the note at a string and fret, and every position of a note.
//!
//! Strings are numbered the way guitarists count them: 1 is the highest-pitched string.

use serde::Serialize;

use crate::TheoryError;
use crate::note::{Note, PitchClass};

/// A tuning: open-string notes from the lowest string to the highest.
#[derive(Debug, Clone, PartialEq)]
pub struct Tuning {
    /// Name ("standard").
    pub name: String,
    /// Open strings, lowest first.
    pub strings: Vec<Note>,
}

/// A place on the fretboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FretPosition {
    /// String number, 1 = highest.
    pub string: usize,
    /// Fret, 0 = open.
    pub fret: u32,
}

const PRESETS: [(&str, &str); 17] = [
    ("standard", "E2 A2 D3 G3 B3 E4"),
    ("drop d", "D2 A2 D3 G3 B3 E4"),
    ("drop c", "C2 G2 C3 F3 A3 D4"),
    ("double drop d", "D2 A2 D3 G3 B3 D4"),
    ("dadgad", "D2 A2 D3 G3 A3 D4"),
    ("open g", "D2 G2 D3 G3 B3 D4"),
    ("open d", "D2 A2 D3 F#3 A3 D4"),
    ("open e", "E2 B2 E3 G#3 B3 E4"),
    ("open c", "C2 G2 C3 G3 C4 E4"),
    ("open a", "E2 A2 E3 A3 C#4 E4"),
    ("half step down", "Eb2 Ab2 Db3 Gb3 Bb3 Eb4"),
    ("whole step down", "D2 G2 C3 F3 A3 D4"),
    ("seven string", "B1 E2 A2 D3 G3 B3 E4"),
    ("bass", "E1 A1 D2 G2"),
    ("five string bass", "B0 E1 A1 D2 G2"),
    ("ukulele", "G4 C4 E4 A4"),
    ("baritone", "B1 E2 A2 D3 F#3 B3"),
];

impl Tuning {
    /// Standard tuning, E2 A2 D3 G3 B3 E4.
    pub fn standard() -> Tuning {
        // A constant preset that always parses.
        Tuning::named("standard").unwrap_or(Tuning {
            name: String::new(),
            strings: Vec::new(),
        })
    }

    /// Names of the built-in tunings.
    pub fn preset_names() -> Vec<&'static str> {
        PRESETS.iter().map(|(n, _)| *n).collect()
    }

    /// A built-in tuning by name ("drop D", "DADGAD", "open G", "7-string", "ukulele" …),
    /// or a custom one written as notes low to high ("D2 A2 D3 G3 B3 E4" or "DADGBE").
    pub fn named(name: &str) -> Result<Tuning, TheoryError> {
        let key = name
            .trim()
            .to_lowercase()
            .replace(['-', '_'], " ")
            .replace("7 string", "seven string")
            .replace("5 string", "five string")
            .replace("4 string bass", "bass");
        if let Some((n, notes)) = PRESETS.iter().find(|(n, _)| *n == key) {
            return Ok(Tuning {
                name: n.to_string(),
                strings: notes
                    .split_whitespace()
                    .filter_map(|s| s.parse().ok())
                    .collect(),
            });
        }
        Tuning::custom(name)
    }

    /// A custom tuning from notes low to high; notes without octaves get ascending octaves
    /// starting at 2 ("DADGBE").
    pub fn custom(spec: &str) -> Result<Tuning, TheoryError> {
        let err = || {
            TheoryError::Invalid(format!(
                "unknown tuning `{spec}`: use a preset ({}) or notes low to high like \"D2 A2 D3 G3 B3 E4\"",
                PRESETS
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        };
        let tokens: Vec<String> = if spec.contains(char::is_whitespace) {
            spec.split_whitespace().map(String::from).collect()
        } else {
            // "DADGBE", "EbAbDbGbBbEb": split before each capital letter.
            let mut v: Vec<String> = Vec::new();
            for c in spec.chars() {
                if c.is_ascii_uppercase() || v.is_empty() {
                    v.push(c.to_string());
                } else if let Some(last) = v.last_mut() {
                    last.push(c);
                }
            }
            v
        };
        if tokens.len() < 3 || tokens.len() > 12 {
            return Err(err());
        }
        let mut strings = Vec::new();
        let mut prev_midi = i32::MIN;
        let mut octave = 2;
        for t in &tokens {
            let note: Note = t.parse().map_err(|_| err())?;
            let note = match note.octave {
                Some(_) => note,
                None => {
                    let mut n = Note::from_pc(note.pc, octave);
                    while n.midi().unwrap_or(0) <= prev_midi {
                        octave += 1;
                        n = Note::from_pc(note.pc, octave);
                    }
                    n
                }
            };
            prev_midi = note.midi().unwrap_or(prev_midi);
            strings.push(note);
        }
        Ok(Tuning {
            name: "custom".into(),
            strings,
        })
    }

    /// What guitarists call string `string` (1 = highest) of a six-string guitar in standard
    /// tuning: "high E", "B", "G", "D", "A", "low E".
    pub fn standard_string_name(string: usize) -> Option<&'static str> {
        ["high E", "B", "G", "D", "A", "low E"]
            .get(string.checked_sub(1)?)
            .copied()
    }

    /// Number of strings.
    pub fn string_count(&self) -> usize {
        self.strings.len()
    }

    /// The open note of string `string` (1 = highest).
    pub fn open(&self, string: usize) -> Result<Note, TheoryError> {
        let n = self.strings.len();
        if string == 0 || string > n {
            return Err(TheoryError::Invalid(format!(
                "string {string} does not exist: this tuning has strings 1–{n} (1 = highest)"
            )));
        }
        Ok(self.strings[n - string])
    }

    /// The note at a string and fret, spelled with sharps (flats when `prefer_sharps` is false).
    ///
    /// ```
    /// use fretwise_theory::Tuning;
    /// let t = Tuning::standard();
    /// assert_eq!(t.note_at(6, 5, true).unwrap().to_string(), "A2");
    /// ```
    pub fn note_at(
        &self,
        string: usize,
        fret: u32,
        prefer_sharps: bool,
    ) -> Result<Note, TheoryError> {
        if fret > 36 {
            return Err(TheoryError::Invalid(format!(
                "fret {fret} is beyond any guitar (0–36)"
            )));
        }
        let open = self.open(string)?;
        let midi = open.midi().unwrap_or(0) + fret as i32;
        Ok(Note::from_midi(midi, prefer_sharps))
    }

    /// Every position of a pitch class (any octave) or of an exact note (with octave) up to `max_fret`.
    pub fn positions(&self, note: &Note, max_fret: u32) -> Vec<FretPosition> {
        let mut out = Vec::new();
        let n = self.strings.len();
        for (i, open) in self.strings.iter().enumerate() {
            let open_midi = open.midi().unwrap_or(0);
            for fret in 0..=max_fret {
                let m = open_midi + fret as i32;
                let hit = match note.midi() {
                    Some(target) => m == target,
                    None => m.rem_euclid(12) == note.pc.semitone(),
                };
                if hit {
                    out.push(FretPosition {
                        string: n - i,
                        fret,
                    });
                }
            }
        }
        out.sort_by_key(|p| (p.fret, p.string));
        out
    }

    /// Pitch classes of the open strings.
    pub fn pitch_classes(&self) -> Vec<PitchClass> {
        self.strings.iter().map(|n| n.pc).collect()
    }
}
