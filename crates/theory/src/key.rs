use std::fmt;

use serde::Serialize;

use crate::TheoryError;
use crate::chord::Chord;
use crate::dictionary::DICTIONARY;
use crate::interval::Interval;
use crate::note::{PitchClass, parse_pitch_class_prefix};
use crate::scale::Scale;

/// Major or one of the three minors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyMode {
    /// Major.
    Major,
    /// Natural minor.
    Minor,
    /// Harmonic minor.
    HarmonicMinor,
    /// Melodic minor (ascending).
    MelodicMinor,
}

impl KeyMode {
    fn scale_name(self) -> &'static str {
        match self {
            Self::Major => "major",
            Self::Minor => "minor",
            Self::HarmonicMinor => "harmonic minor",
            Self::MelodicMinor => "melodic minor",
        }
    }
}

/// A key: tonic and mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// Tonic.
    pub tonic: PitchClass,
    /// Mode.
    pub mode: KeyMode,
}

/// One chord of a progression analysed in a key.
#[derive(Debug, Clone, Serialize)]
pub struct RomanNumeral {
    /// The chord symbol as given.
    pub chord: String,
    /// Roman numeral ("ii7", "V7/V", "bVII").
    pub numeral: String,
    /// True when every chord tone belongs to the key.
    pub diatonic: bool,
    /// Harmonic function: tonic, subdominant, dominant, or other.
    pub function: String,
}

const NUMERALS: [&str; 7] = ["I", "II", "III", "IV", "V", "VI", "VII"];

fn find_symbol(mask: u16, candidates: &[&str]) -> Option<usize> {
    candidates.iter().find_map(|s| {
        DICTIONARY
            .chord_by_symbol
            .get(*s)
            .copied()
            .filter(|&i| DICTIONARY.chords[i].mask == mask)
    })
}

impl Key {
    /// Parses "Bb major", "C# minor", "C# harmonic minor", "A melodic minor", "Am", "E".
    pub fn parse(text: &str) -> Result<Key, TheoryError> {
        let t = text.trim();
        let err = || TheoryError::Key(text.to_string());
        let (tonic, used) = parse_pitch_class_prefix(t).ok_or_else(err)?;
        let rest = t[used..].trim().to_lowercase();
        let mode = match rest.as_str() {
            "" | "major" | "maj" | "ionian" => KeyMode::Major,
            "m" | "minor" | "min" | "natural minor" | "aeolian" => KeyMode::Minor,
            "harmonic minor" => KeyMode::HarmonicMinor,
            "melodic minor" => KeyMode::MelodicMinor,
            _ => return Err(err()),
        };
        Ok(Key { tonic, mode })
    }

    /// The key's scale.
    pub fn scale(&self) -> Scale {
        // The four names are in the built-in vocabulary.
        Scale::new(self.tonic, self.mode.scale_name())
            .unwrap_or_else(|_| unreachable!("built-in scale names"))
    }

    fn stacked(&self, size: usize, symbols: &[&str]) -> Vec<Chord> {
        let notes = self.scale().notes();
        (0..7)
            .map(|i| {
                let root = notes[i];
                let mask = (0..size).fold(0u16, |m, k| {
                    let n = notes[(i + 2 * k) % 7];
                    m | 1 << (n.semitone() - root.semitone()).rem_euclid(12)
                });
                let t = find_symbol(mask, symbols)
                    .map(|ti| &DICTIONARY.chords[ti])
                    .unwrap_or(&DICTIONARY.chords[0]);
                Chord::from_parts(root, t, None)
            })
            .collect()
    }

    /// The seven diatonic triads.
    pub fn triads(&self) -> Vec<Chord> {
        self.stacked(3, &["", "m", "dim", "aug"])
    }

    /// The seven diatonic seventh chords.
    pub fn sevenths(&self) -> Vec<Chord> {
        self.stacked(4, &["maj7", "m7", "7", "m7b5", "dim7", "mMaj7", "maj7#5"])
    }

    /// Key signature: sharps (positive) or flats (negative), counted on the major key with the
    /// same signature.
    pub fn signature(&self) -> i32 {
        let major = match self.mode {
            KeyMode::Major => self.tonic,
            _ => self.relative().tonic,
        };
        Scale::new(major, "major")
            .map(|s| s.notes().iter().map(|n| i32::from(n.accidental)).sum())
            .unwrap_or(0)
    }

    /// The accidentals of the signature in order (F# C# G# … or Bb Eb Ab …).
    pub fn signature_notes(&self) -> Vec<String> {
        let n = self.signature();
        let sharps = ["F#", "C#", "G#", "D#", "A#", "E#", "B#"];
        let flats = ["Bb", "Eb", "Ab", "Db", "Gb", "Cb", "Fb"];
        if n >= 0 {
            sharps
                .iter()
                .take(n as usize)
                .map(|s| s.to_string())
                .collect()
        } else {
            flats
                .iter()
                .take((-n) as usize)
                .map(|s| s.to_string())
                .collect()
        }
    }

    /// The major or minor key that best fits a pitch-class weighting (index 0 = C; weights are
    /// e.g. note durations), with its score: the Pearson correlation with Krumhansl and
    /// Kessler's probe-tone profile, less the share of the weight on notes outside the key's
    /// scale (major; natural minor with the raised seventh). The profile alone prefers E major
    /// for a phrase on E, A and B with a short G; the G rules it out. The tonic is spelled
    /// with the fewer accidentals (Bb minor, not A# minor). `None` when every weight is zero.
    ///
    /// ```
    /// use fretwise_theory::Key;
    /// // A C D E G with A held longest and first and last: A minor pentatonic.
    /// let mut w = [0.0; 12];
    /// for (pc, d) in [(9, 3.0), (0, 1.0), (2, 1.0), (4, 1.5), (7, 1.0)] { w[pc] = d; }
    /// assert_eq!(Key::estimate(&w).map(|(k, _)| k.to_string()).as_deref(), Some("A minor"));
    /// ```
    pub fn estimate(weights: &[f64; 12]) -> Option<(Key, f64)> {
        const MAJOR: [f64; 12] = [
            6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88,
        ];
        const MINOR: [f64; 12] = [
            6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17,
        ];
        if weights.iter().all(|w| *w <= 0.0) || weights.iter().any(|w| !w.is_finite()) {
            return None;
        }
        let corr = |profile: &[f64; 12], tonic: usize| {
            let mx = weights.iter().sum::<f64>() / 12.0;
            let my = profile.iter().sum::<f64>() / 12.0;
            let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
            for (pc, w) in weights.iter().enumerate() {
                let x = w - mx;
                let y = profile[(pc + 12 - tonic) % 12] - my;
                sxy += x * y;
                sxx += x * x;
                syy += y * y;
            }
            if sxx <= 0.0 {
                0.0
            } else {
                sxy / (sxx * syy).sqrt()
            }
        };
        // Scale steps above the tonic, as bit masks.
        const MAJOR_SCALE: u16 = 0b1010_1011_0101;
        const MINOR_SCALE: u16 = 0b1101_1010_1101;
        let total: f64 = weights.iter().sum();
        let outside = |mask: u16, tonic: usize| {
            weights
                .iter()
                .enumerate()
                .filter(|(pc, _)| mask & (1 << ((pc + 12 - tonic) % 12)) == 0)
                .map(|(_, w)| w)
                .sum::<f64>()
                / total
        };
        let mut best: Option<(Key, f64)> = None;
        for tonic in 0..12 {
            for (profile, scale, mode) in [
                (&MAJOR, MAJOR_SCALE, KeyMode::Major),
                (&MINOR, MINOR_SCALE, KeyMode::Minor),
            ] {
                let r = corr(profile, tonic) - outside(scale, tonic);
                if best.as_ref().is_none_or(|(_, b)| r > *b + 1e-12) {
                    best = Some((Key::simplest(tonic as i32, mode), r));
                }
            }
        }
        best
    }

    /// The key on a semitone with the fewer accidentals in its signature (sharps on a tie).
    pub fn simplest(semitone: i32, mode: KeyMode) -> Key {
        let sharp = Key {
            tonic: PitchClass::from_semitone(semitone, true),
            mode,
        };
        let flat = Key {
            tonic: PitchClass::from_semitone(semitone, false),
            mode,
        };
        if flat.signature().abs() < sharp.signature().abs() {
            flat
        } else {
            sharp
        }
    }

    /// Relative key (C major ↔ A minor).
    pub fn relative(&self) -> Key {
        match self.mode {
            KeyMode::Major => Key {
                tonic: self.tonic.transpose(&Interval::from_steps(5, 9)),
                mode: KeyMode::Minor,
            },
            _ => Key {
                tonic: self.tonic.transpose(&Interval::from_steps(2, 3)),
                mode: KeyMode::Major,
            },
        }
    }

    /// Parallel key (C major ↔ C minor).
    pub fn parallel(&self) -> Key {
        Key {
            tonic: self.tonic,
            mode: if self.mode == KeyMode::Major {
                KeyMode::Minor
            } else {
                KeyMode::Major
            },
        }
    }

    /// The fifteen major keys around the circle of fifths, from Cb (7 flats) to C# (7 sharps).
    pub fn circle_of_fifths() -> Vec<Key> {
        let mut out = Vec::new();
        let mut k: PitchClass = PitchClass::new(crate::Letter::C, -1);
        for _ in 0..15 {
            out.push(Key {
                tonic: k,
                mode: KeyMode::Major,
            });
            k = k.transpose(&Interval::from_steps(4, 7));
        }
        out
    }

    /// Roman-numeral analysis of each chord ("Dm7 G7 Cmaj7" in C = ii7 V7 Imaj7).
    pub fn analyze(&self, chords: &[Chord]) -> Vec<RomanNumeral> {
        let scale = self.scale().notes();
        let all_minor: Vec<Vec<PitchClass>> = if self.mode == KeyMode::Major {
            vec![scale.clone()]
        } else {
            ["minor", "harmonic minor", "melodic minor"]
                .iter()
                .filter_map(|n| Scale::new(self.tonic, n).ok())
                .map(|s| s.notes())
                .collect()
        };
        let triads = self.triads();
        chords
            .iter()
            .map(|c| {
                let notes = c.tones();
                let diatonic = all_minor
                    .iter()
                    .any(|s| notes.iter().all(|n| s.contains(n)));
                let numeral = numeral_for(c, &scale);
                let secondary = if !diatonic {
                    secondary_dominant(c, &scale, &triads)
                } else {
                    None
                };
                let degree = scale
                    .iter()
                    .position(|n| n.letter == c.root.letter)
                    .unwrap_or(0);
                let function = match (diatonic, degree) {
                    (true, 0 | 2 | 5) => "tonic",
                    (true, 1 | 3) => "subdominant",
                    (true, 4 | 6) => "dominant",
                    (false, _) if secondary.is_some() => "secondary dominant",
                    _ => "chromatic",
                };
                RomanNumeral {
                    chord: c.to_string(),
                    numeral: secondary.unwrap_or(numeral),
                    diatonic,
                    function: function.to_string(),
                }
            })
            .collect()
    }
}

fn quality_suffix(c: &Chord) -> (bool, String) {
    let sym = c.chord_type().symbol();
    let mask = c.chord_type().mask;
    let minor_third = mask & (1 << 3) != 0 && mask & (1 << 4) == 0;
    let (lower, suffix) = match sym {
        "" | "5" => (false, String::new()),
        "m" => (true, String::new()),
        "dim" => (true, "°".to_string()),
        "aug" => (false, "+".to_string()),
        "m7b5" => (true, "ø7".to_string()),
        "dim7" => (true, "°7".to_string()),
        "mMaj7" => (true, "maj7".to_string()),
        s if minor_third => (true, s.strip_prefix('m').unwrap_or(s).to_string()),
        s => (false, s.to_string()),
    };
    (lower, suffix)
}

fn numeral_for(c: &Chord, scale: &[PitchClass]) -> String {
    let (degree, acc) = match scale.iter().position(|n| n.letter == c.root.letter) {
        Some(d) => (d, c.root.accidental - scale[d].accidental),
        None => (0, 0),
    };
    let prefix = match acc {
        0 => String::new(),
        a if a > 0 => "#".repeat(a as usize),
        a => "b".repeat((-a) as usize),
    };
    let (lower, suffix) = quality_suffix(c);
    let base = NUMERALS[degree];
    let base = if lower {
        base.to_lowercase()
    } else {
        base.to_string()
    };
    let bass = c.bass.map(|b| format!("/{b}")).unwrap_or_default();
    format!("{prefix}{base}{suffix}{bass}")
}

fn secondary_dominant(c: &Chord, scale: &[PitchClass], triads: &[Chord]) -> Option<String> {
    let sym = c.chord_type().symbol();
    if !matches!(sym, "" | "7" | "9" | "7b9" | "dim7" | "dim") {
        return None;
    }
    let is_leading_tone = matches!(sym, "dim7" | "dim");
    // Target: a fifth below a dominant; a half step above a leading-tone chord.
    let target = if is_leading_tone {
        c.root.transpose(&Interval::from_steps(1, 1))
    } else {
        c.root.transpose(&Interval::from_steps(-4, -7))
    };
    let degree = scale.iter().position(|n| *n == target)?;
    if degree == 0 && !is_leading_tone {
        return None;
    }
    let t = &triads[degree];
    let (lower, _) = quality_suffix(t);
    if t.chord_type().symbol() == "dim" {
        return None;
    }
    let base = if lower {
        NUMERALS[degree].to_lowercase()
    } else {
        NUMERALS[degree].to_string()
    };
    let own = if is_leading_tone {
        format!("vii{}", if sym == "dim7" { "°7" } else { "°" })
    } else {
        format!("V{}", if sym.is_empty() { "" } else { sym })
    };
    Some(format!("{own}/{base}"))
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.tonic, self.mode.scale_name())
    }
}

/// Parses a progression ("Dm7 G7 Cmaj7" or "Dm7 - G7 | Cmaj7") and analyses it in `key`.
pub fn analyze_progression(progression: &str, key: &Key) -> Result<Vec<RomanNumeral>, TheoryError> {
    let chords = parse_progression(progression)?;
    Ok(key.analyze(&chords))
}

fn parse_progression(progression: &str) -> Result<Vec<Chord>, TheoryError> {
    progression
        .split(|c: char| c.is_whitespace() || matches!(c, '|' | ',' | '-'))
        .filter(|s| !s.is_empty())
        .map(Chord::parse)
        .collect()
}

/// Transposes every chord of a progression by an interval, keeping spellings correct.
pub fn transpose_progression(
    progression: &str,
    interval: &Interval,
) -> Result<Vec<Chord>, TheoryError> {
    Ok(parse_progression(progression)?
        .iter()
        .map(|c| c.transpose(interval))
        .collect())
}

/// The key that chord shapes in `shape_key` sound in with a capo at `fret`, spelled the way
/// its key signature is simplest ("capo 3, G shapes" → Bb, not A#).
///
/// ```
/// use fretwise_theory::{PitchClass, capo_shapes_sound_in};
/// let g: PitchClass = "G".parse().unwrap();
/// assert_eq!(capo_shapes_sound_in(g, 3).to_string(), "Bb");
/// ```
pub fn capo_shapes_sound_in(shape_key: PitchClass, fret: u8) -> PitchClass {
    let semis = i32::from(fret % 12);
    let candidates: Vec<PitchClass> = (0..7)
        .map(|steps| shape_key.transpose(&Interval::from_steps(steps, semis)))
        .filter(|p| p.accidental.abs() <= 1)
        .collect();
    candidates
        .into_iter()
        .min_by_key(|p| {
            let sig = Key {
                tonic: *p,
                mode: KeyMode::Major,
            }
            .signature()
            .abs();
            (sig, p.accidental.abs())
        })
        .unwrap_or(shape_key)
}

/// The capo fret at which chord shapes in `shape_key` sound in `target` (0–11).
///
/// ```
/// use fretwise_theory::{PitchClass, capo_fret_for};
/// let (c, eb): (PitchClass, PitchClass) = ("C".parse().unwrap(), "Eb".parse().unwrap());
/// assert_eq!(capo_fret_for(c, eb), 3);
/// ```
pub fn capo_fret_for(shape_key: PitchClass, target: PitchClass) -> u8 {
    // rem_euclid(12) is in 0..12, so the cast cannot truncate.
    (target.semitone() - shape_key.semitone()).rem_euclid(12) as u8
}

/// The chord shapes to play with a capo at `fret` so that they sound in `target`, spelled the
/// way its key signature is simplest ("sound in A with capo 2" → G shapes).
pub fn capo_shapes_for(target: PitchClass, fret: u8) -> PitchClass {
    capo_shapes_sound_in(target, (12 - fret % 12) % 12)
}
