use std::fmt;
use std::str::FromStr;

use crate::TheoryError;
use crate::interval::Interval;

/// A note letter; `C` is index 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Letter {
    /// C
    C,
    /// D
    D,
    /// E
    E,
    /// F
    F,
    /// G
    G,
    /// A
    A,
    /// B
    B,
}

const NATURAL_SEMITONES: [i32; 7] = [0, 2, 4, 5, 7, 9, 11];
const LETTERS: [Letter; 7] = [
    Letter::C,
    Letter::D,
    Letter::E,
    Letter::F,
    Letter::G,
    Letter::A,
    Letter::B,
];

impl Letter {
    /// Position in C D E F G A B (0–6).
    pub fn index(self) -> i32 {
        self as i32
    }

    /// The letter `steps` letters above (negative: below), wrapping.
    pub fn from_index(i: i32) -> Letter {
        LETTERS[i.rem_euclid(7) as usize]
    }

    /// Semitones above C of the natural note.
    pub fn natural_semitone(self) -> i32 {
        NATURAL_SEMITONES[self as usize]
    }

    /// The letter as a character.
    pub fn as_char(self) -> char {
        ['C', 'D', 'E', 'F', 'G', 'A', 'B'][self as usize]
    }

    fn from_char(c: char) -> Option<Letter> {
        Some(match c.to_ascii_uppercase() {
            'C' => Letter::C,
            'D' => Letter::D,
            'E' => Letter::E,
            'F' => Letter::F,
            'G' => Letter::G,
            'A' => Letter::A,
            'B' => Letter::B,
            _ => return None,
        })
    }
}

/// A spelled pitch class: a letter and any number of sharps (positive) or flats (negative).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PitchClass {
    /// The letter.
    pub letter: Letter,
    /// Sharps (positive) or flats (negative).
    pub accidental: i8,
}

impl PitchClass {
    /// A pitch class from letter and accidental.
    pub const fn new(letter: Letter, accidental: i8) -> Self {
        Self { letter, accidental }
    }

    /// Semitones above C, 0–11.
    pub fn semitone(self) -> i32 {
        (self.letter.natural_semitone() + i32::from(self.accidental)).rem_euclid(12)
    }

    /// True when both name the same sounding pitch class (C# and Db).
    pub fn is_enharmonic(self, other: PitchClass) -> bool {
        self.semitone() == other.semitone()
    }

    /// Transposes by an interval, keeping correct spelling.
    pub fn transpose(self, interval: &Interval) -> PitchClass {
        Note::from_pc(self, 4).transpose(interval).pc
    }

    /// The spelling with the given letter of the same pitch class (None if over ±2 accidentals… never; any count).
    pub fn respell(self, letter: Letter) -> PitchClass {
        let mut acc = self.semitone() - letter.natural_semitone();
        if acc > 6 {
            acc -= 12;
        } else if acc < -6 {
            acc += 12;
        }
        PitchClass::new(letter, acc as i8)
    }

    /// A chord root as guitarists write it: Bb, Eb and Ab flat, the other black keys sharp
    /// (C#, F#, G#… except those three).
    ///
    /// ```
    /// use fretwise_theory::PitchClass;
    /// assert_eq!(PitchClass::guitar_root(10).to_string(), "Bb");
    /// assert_eq!(PitchClass::guitar_root(6).to_string(), "F#");
    /// ```
    pub fn guitar_root(semitone: i32) -> PitchClass {
        PitchClass::from_semitone(semitone, !matches!(semitone.rem_euclid(12), 3 | 8 | 10))
    }

    /// The simplest spelling: naturals, then one sharp or flat as asked.
    pub fn from_semitone(semitone: i32, prefer_sharps: bool) -> PitchClass {
        const SHARPS: [(Letter, i8); 12] = [
            (Letter::C, 0),
            (Letter::C, 1),
            (Letter::D, 0),
            (Letter::D, 1),
            (Letter::E, 0),
            (Letter::F, 0),
            (Letter::F, 1),
            (Letter::G, 0),
            (Letter::G, 1),
            (Letter::A, 0),
            (Letter::A, 1),
            (Letter::B, 0),
        ];
        const FLATS: [(Letter, i8); 12] = [
            (Letter::C, 0),
            (Letter::D, -1),
            (Letter::D, 0),
            (Letter::E, -1),
            (Letter::E, 0),
            (Letter::F, 0),
            (Letter::G, -1),
            (Letter::G, 0),
            (Letter::A, -1),
            (Letter::A, 0),
            (Letter::B, -1),
            (Letter::B, 0),
        ];
        let (l, a) = if prefer_sharps { SHARPS } else { FLATS }[semitone.rem_euclid(12) as usize];
        PitchClass::new(l, a)
    }
}

impl fmt::Display for PitchClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write;
        f.write_char(self.letter.as_char())?;
        let (c, n) = if self.accidental >= 0 {
            ('#', self.accidental)
        } else {
            ('b', -self.accidental)
        };
        for _ in 0..n {
            f.write_char(c)?;
        }
        Ok(())
    }
}

/// Parses letter + accidentals from the start of `s`; returns the pitch class and bytes used.
pub(crate) fn parse_pitch_class_prefix(s: &str) -> Option<(PitchClass, usize)> {
    let mut chars = s.char_indices();
    let (_, first) = chars.next()?;
    let letter = Letter::from_char(first)?;
    let mut acc: i32 = 0;
    let mut used = first.len_utf8();
    for (i, c) in chars {
        let delta = match c {
            '#' | '♯' => 1,
            'x' | '𝄪' => 2,
            'b' | '♭' => -1,
            '𝄫' => -2,
            _ => break,
        };
        // Sharps and flats never mix in one name: "C#b9sus" is C# + b9sus.
        if (acc > 0 && delta < 0) || (acc < 0 && delta > 0) {
            break;
        }
        acc += delta;
        used = i + c.len_utf8();
        if acc.abs() > 4 {
            return None;
        }
    }
    Some((PitchClass::new(letter, acc as i8), used))
}

impl FromStr for PitchClass {
    type Err = TheoryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        match parse_pitch_class_prefix(t) {
            Some((pc, used)) if used == t.len() => Ok(pc),
            _ => Err(TheoryError::Note(s.to_string())),
        }
    }
}

/// A spelled note with an optional octave in scientific pitch notation (C4 = MIDI 60).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Note {
    /// Spelled pitch class.
    pub pc: PitchClass,
    /// Octave, when the note has one.
    pub octave: Option<i32>,
}

impl Note {
    /// A note with an octave.
    pub fn from_pc(pc: PitchClass, octave: i32) -> Self {
        Self {
            pc,
            octave: Some(octave),
        }
    }

    /// A pitch class without octave.
    pub fn pitch_class(pc: PitchClass) -> Self {
        Self { pc, octave: None }
    }

    /// MIDI number (C4 = 60; B#3 = 60; Cb4 = 59), when the note has an octave.
    pub fn midi(&self) -> Option<i32> {
        self.octave.map(|o| {
            12 * (o + 1) + self.pc.letter.natural_semitone() + i32::from(self.pc.accidental)
        })
    }

    /// The sharp-spelled (or flat-spelled) note of a MIDI number.
    pub fn from_midi(midi: i32, prefer_sharps: bool) -> Note {
        let pc = PitchClass::from_semitone(midi, prefer_sharps);
        Note::from_pc(pc, midi.div_euclid(12) - 1)
    }

    /// Frequency in Hz with the given A4 reference (usually 440).
    pub fn frequency(&self, a4: f64) -> Option<f64> {
        self.midi().map(|m| hz_of_midi(f64::from(m), a4))
    }

    /// Transposes by an interval, keeping correct spelling (F#3 up a m3 = A3).
    pub fn transpose(&self, interval: &Interval) -> Note {
        let octave = self.octave.unwrap_or(4);
        let li = self.pc.letter.index() + 7 * octave + interval.steps();
        let letter = Letter::from_index(li);
        let new_octave = li.div_euclid(7);
        let start =
            12 * (octave + 1) + self.pc.letter.natural_semitone() + i32::from(self.pc.accidental);
        let target = start + interval.semitones();
        let natural = 12 * (new_octave + 1) + letter.natural_semitone();
        let pc = PitchClass::new(letter, (target - natural) as i8);
        Note {
            pc,
            octave: self.octave.map(|_| new_octave),
        }
    }
}

/// Cents from `reference_hz` to `hz` (positive = sharp).
#[inline]
pub fn cents(hz: f64, reference_hz: f64) -> f64 {
    1200.0 * (hz / reference_hz).log2()
}

/// Fractional MIDI number of a frequency with A4 tuned to `a4_hz` (A4 = 69.0, C4 = 60.0).
#[inline]
pub fn midi_of_hz(hz: f64, a4_hz: f64) -> f64 {
    69.0 + 12.0 * (hz / a4_hz).log2()
}

/// Frequency of a fractional MIDI number with A4 tuned to `a4_hz`.
#[inline]
pub fn hz_of_midi(midi: f64, a4_hz: f64) -> f64 {
    a4_hz * 2f64.powf((midi - 69.0) / 12.0)
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.pc)?;
        if let Some(o) = self.octave {
            write!(f, "{o}")?;
        }
        Ok(())
    }
}

impl FromStr for Note {
    type Err = TheoryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let err = || TheoryError::Note(s.to_string());
        let (pc, used) = parse_pitch_class_prefix(t).ok_or_else(err)?;
        let rest = &t[used..];
        if rest.is_empty() {
            return Ok(Note::pitch_class(pc));
        }
        let octave: i32 = rest.parse().map_err(|_| err())?;
        if !(-1..=10).contains(&octave) {
            return Err(err());
        }
        Ok(Note::from_pc(pc, octave))
    }
}
