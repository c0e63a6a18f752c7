use std::fmt;
use std::str::FromStr;

use crate::TheoryError;
use crate::note::Note;

/// Interval quality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quality {
    /// Perfect (unison, 4th, 5th, octave).
    Perfect,
    /// Major.
    Major,
    /// Minor.
    Minor,
    /// Augmented n times.
    Augmented(u8),
    /// Diminished n times.
    Diminished(u8),
}

/// A musical interval: a number of letter steps and a number of semitones, both signed
/// (negative = descending). `steps` 2 with 4 semitones is a major third.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interval {
    steps: i32,
    semitones: i32,
}

const REFERENCE: [i32; 7] = [0, 2, 4, 5, 7, 9, 11];

fn is_perfect_type(simple_steps: i32) -> bool {
    matches!(simple_steps, 0 | 3 | 4)
}

impl Interval {
    /// An interval from letter steps and semitones (both signed, same direction or zero).
    pub fn from_steps(steps: i32, semitones: i32) -> Self {
        Self { steps, semitones }
    }

    /// From number (1 = unison) and quality, ascending.
    pub fn new(number: i32, quality: Quality) -> Result<Self, TheoryError> {
        if number < 1 {
            return Err(TheoryError::Interval(format!("{number}")));
        }
        let steps = number - 1;
        let simple = steps % 7;
        let base = REFERENCE[simple as usize] + 12 * (steps / 7);
        let offset = match (is_perfect_type(simple), quality) {
            (true, Quality::Perfect) => 0,
            (false, Quality::Major) => 0,
            (false, Quality::Minor) => -1,
            (_, Quality::Augmented(n)) => i32::from(n),
            (true, Quality::Diminished(n)) => -i32::from(n),
            (false, Quality::Diminished(n)) => -1 - i32::from(n),
            _ => {
                return Err(TheoryError::Interval(format!(
                    "a {number} cannot be {}",
                    if quality == Quality::Perfect {
                        "perfect"
                    } else {
                        "major or minor"
                    }
                )));
            }
        };
        Ok(Self {
            steps,
            semitones: base + offset,
        })
    }

    /// Letter steps (signed): a third is 2.
    pub fn steps(&self) -> i32 {
        self.steps
    }

    /// Semitones (signed).
    pub fn semitones(&self) -> i32 {
        self.semitones
    }

    /// True when descending.
    pub fn is_descending(&self) -> bool {
        self.steps < 0 || (self.steps == 0 && self.semitones < 0)
    }

    /// The same interval upward.
    pub fn abs(&self) -> Interval {
        if self.is_descending() {
            Interval {
                steps: -self.steps,
                semitones: -self.semitones,
            }
        } else {
            *self
        }
    }

    /// Interval number: 1 = unison, 3 = third, 9 = ninth.
    pub fn number(&self) -> i32 {
        self.steps.abs() + 1
    }

    /// Quality.
    pub fn quality(&self) -> Quality {
        let up = self.abs();
        let simple = up.steps % 7;
        let base = REFERENCE[simple as usize] + 12 * (up.steps / 7);
        let diff = up.semitones - base;
        if is_perfect_type(simple) {
            match diff {
                0 => Quality::Perfect,
                d if d > 0 => Quality::Augmented(d as u8),
                d => Quality::Diminished((-d) as u8),
            }
        } else {
            match diff {
                0 => Quality::Major,
                -1 => Quality::Minor,
                d if d > 0 => Quality::Augmented(d as u8),
                d => Quality::Diminished((-d - 1) as u8),
            }
        }
    }

    fn quality_str(&self) -> String {
        match self.quality() {
            Quality::Perfect => "P".into(),
            Quality::Major => "M".into(),
            Quality::Minor => "m".into(),
            Quality::Augmented(n) => "A".repeat(n as usize),
            Quality::Diminished(n) => "d".repeat(n as usize),
        }
    }

    /// Quality first: `P5`, `m3`, `-M2`.
    pub fn short_name(&self) -> String {
        let sign = if self.is_descending() { "-" } else { "" };
        format!("{sign}{}{}", self.quality_str(), self.number())
    }

    /// Words: "perfect fifth", "minor third", "augmented fourth".
    pub fn long_name(&self) -> String {
        let q = match self.quality() {
            Quality::Perfect => "perfect".to_string(),
            Quality::Major => "major".to_string(),
            Quality::Minor => "minor".to_string(),
            Quality::Augmented(1) => "augmented".to_string(),
            Quality::Diminished(1) => "diminished".to_string(),
            Quality::Augmented(n) => format!("{n}× augmented"),
            Quality::Diminished(n) => format!("{n}× diminished"),
        };
        const NAMES: [&str; 15] = [
            "unison",
            "second",
            "third",
            "fourth",
            "fifth",
            "sixth",
            "seventh",
            "octave",
            "ninth",
            "tenth",
            "eleventh",
            "twelfth",
            "thirteenth",
            "fourteenth",
            "double octave",
        ];
        let n = self.number() as usize;
        let name = NAMES
            .get(n - 1)
            .map(|s| s.to_string())
            .unwrap_or_else(|| format!("{n}th"));
        let dir = if self.is_descending() { " down" } else { "" };
        format!("{q} {name}{dir}")
    }

    /// Inversion of the simple interval (M3 ↔ m6, P4 ↔ P5, A4 ↔ d5, P1 ↔ P8).
    pub fn invert(&self) -> Interval {
        let up = self.abs();
        let steps = up.steps % 7;
        let semis = up.semitones - 12 * (up.steps / 7);
        Interval {
            steps: 7 - steps,
            semitones: 12 - semis,
        }
    }

    /// The interval from `a` up (or down) to `b`. With octaves on both notes the direction and
    /// size are exact; otherwise it is measured upward within an octave.
    pub fn between(a: &Note, b: &Note) -> Interval {
        match (a.midi(), b.midi(), a.octave, b.octave) {
            (Some(ma), Some(mb), Some(oa), Some(ob)) => {
                let steps = (b.pc.letter.index() + 7 * ob) - (a.pc.letter.index() + 7 * oa);
                Interval {
                    steps,
                    semitones: mb - ma,
                }
            }
            _ => {
                let steps = (b.pc.letter.index() - a.pc.letter.index()).rem_euclid(7);
                let mut semis = (b.pc.letter.natural_semitone() + i32::from(b.pc.accidental))
                    - (a.pc.letter.natural_semitone() + i32::from(a.pc.accidental));
                let mut steps = steps;
                if b.pc.letter.index() < a.pc.letter.index() {
                    semis += 12;
                }
                // Upward within an octave: C to Cb is a diminished octave, not a falling unison.
                if semis < 0 {
                    steps += 7;
                    semis += 12;
                }
                Interval {
                    steps,
                    semitones: semis,
                }
            }
        }
    }

    /// Adds two intervals (M3 + m3 = P5).
    pub fn add(&self, other: &Interval) -> Interval {
        Interval {
            steps: self.steps + other.steps,
            semitones: self.semitones + other.semitones,
        }
    }
}

/// Number then quality, as tonal writes it: `5P`, `3m`, `-2M`.
impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.is_descending() { "-" } else { "" };
        write!(f, "{sign}{}{}", self.number(), self.quality_str())
    }
}

fn parse_quality(q: &str) -> Option<Quality> {
    match q {
        "P" => Some(Quality::Perfect),
        "M" => Some(Quality::Major),
        "m" => Some(Quality::Minor),
        _ if !q.is_empty() && q.len() <= 4 && q.chars().all(|c| c == 'A') => {
            Some(Quality::Augmented(q.len() as u8))
        }
        _ if !q.is_empty() && q.len() <= 4 && q.chars().all(|c| c == 'd') => {
            Some(Quality::Diminished(q.len() as u8))
        }
        _ => None,
    }
}

/// Accepts `m3`, `3m`, `P5`, `5P`, `A4`, `dd7`, `-3m`, `M9`.
impl FromStr for Interval {
    type Err = TheoryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let err = || TheoryError::Interval(s.to_string());
        let (neg, body) = match t.strip_prefix('-') {
            Some(b) => (true, b),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let digits_first = body.starts_with(|c: char| c.is_ascii_digit());
        let split = if digits_first {
            body.find(|c: char| !c.is_ascii_digit()).ok_or_else(err)?
        } else {
            body.find(|c: char| c.is_ascii_digit()).ok_or_else(err)?
        };
        let (a, b) = body.split_at(split);
        let (num, q) = if digits_first { (a, b) } else { (b, a) };
        let number: i32 = num.parse().map_err(|_| err())?;
        if !(1..=50).contains(&number) {
            return Err(err());
        }
        let quality = parse_quality(q).ok_or_else(err)?;
        let iv = Interval::new(number, quality).map_err(|_| err())?;
        Ok(if neg {
            Interval {
                steps: -iv.steps,
                semitones: -iv.semitones,
            }
        } else {
            iv
        })
    }
}
