use crate::TheoryError;
use crate::chord::Chord;
use crate::dictionary::{DICTIONARY, ScaleType};
use crate::note::{PitchClass, parse_pitch_class_prefix};

/// A scale: tonic and type.
#[derive(Debug, Clone)]
pub struct Scale {
    /// Tonic.
    pub tonic: PitchClass,
    type_index: usize,
}

impl std::fmt::Display for Scale {
    /// "A minor pentatonic".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.tonic, self.scale_type().name)
    }
}

impl Scale {
    /// Parses "D dorian", "F# harmonic minor", "Bb major pentatonic", "A blues".
    ///
    /// ```
    /// let s = fretwise_theory::Scale::parse("D dorian").unwrap();
    /// assert_eq!(s.note_names(), ["D", "E", "F", "G", "A", "B", "C"]);
    /// ```
    pub fn parse(text: &str) -> Result<Scale, TheoryError> {
        let t = text.trim();
        let (tonic, used) =
            parse_pitch_class_prefix(t).ok_or_else(|| TheoryError::Scale(text.to_string()))?;
        Scale::new(tonic, t[used..].trim())
    }

    /// A scale from tonic and type name (case-insensitive; aliases accepted).
    pub fn new(tonic: PitchClass, name: &str) -> Result<Scale, TheoryError> {
        let key = name.trim().to_lowercase();
        let key = key.strip_suffix(" scale").unwrap_or(&key).to_string();
        let key = if key.is_empty() {
            "major".to_string()
        } else {
            key
        };
        let i = DICTIONARY
            .scale_by_name
            .get(&key)
            .or_else(|| {
                DICTIONARY
                    .scale_by_name
                    .get(key.strip_suffix(" mode").unwrap_or(&key))
            })
            .copied()
            .ok_or_else(|| TheoryError::Scale(name.to_string()))?;
        Ok(Scale {
            tonic,
            type_index: i,
        })
    }

    /// The scale type.
    pub fn scale_type(&self) -> &'static ScaleType {
        &DICTIONARY.scales[self.type_index]
    }

    /// Notes ascending from the tonic, one octave.
    pub fn notes(&self) -> Vec<PitchClass> {
        self.scale_type()
            .intervals
            .iter()
            .map(|i| self.tonic.transpose(i))
            .collect()
    }

    /// Note names as strings.
    pub fn note_names(&self) -> Vec<String> {
        self.notes().iter().map(ToString::to_string).collect()
    }

    /// The scale's pitch classes as a 12-bit set (bit 0 = C).
    fn pitch_set(&self) -> u16 {
        self.notes()
            .iter()
            .fold(0, |m, n| m | 1 << n.semitone().rem_euclid(12))
    }

    /// Whether both scales hold the same pitch classes ("D dorian" and "C major").
    ///
    /// ```
    /// use fretwise_theory::Scale;
    /// let dorian = Scale::parse("D dorian").unwrap();
    /// assert!(dorian.same_notes(&Scale::parse("C major").unwrap()));
    /// assert!(!dorian.same_notes(&Scale::parse("D minor").unwrap()));
    /// ```
    pub fn same_notes(&self, other: &Scale) -> bool {
        self.pitch_set() == other.pitch_set()
    }

    /// Whether both name the same scale: same tonic (enharmonics allowed) and same notes
    /// ("E aeolian" and "E natural minor").
    pub fn same_scale(&self, other: &Scale) -> bool {
        self.tonic.is_enharmonic(other.tonic) && self.same_notes(other)
    }

    /// The scale of `like`'s type that holds this scale's notes, its tonic spelled as in this
    /// scale ("D dorian" like any major scale → C major); `None` when no tonic does.
    ///
    /// ```
    /// use fretwise_theory::Scale;
    /// let parent = Scale::parse("E phrygian").unwrap().with_notes_of_type(&Scale::parse("G major").unwrap());
    /// assert_eq!(parent.unwrap().to_string(), "C major");
    /// ```
    pub fn with_notes_of_type(&self, like: &Scale) -> Option<Scale> {
        self.notes()
            .into_iter()
            .map(|tonic| Scale {
                tonic,
                type_index: like.type_index,
            })
            .find(|s| s.same_notes(self))
    }

    /// Which mode of `parent` this scale is (1 = the parent itself): the degree of its tonic
    /// in the parent when both hold the same notes ("D dorian" in C major → 2).
    pub fn mode_degree_in(&self, parent: &Scale) -> Option<usize> {
        if !self.same_notes(parent) {
            return None;
        }
        parent
            .notes()
            .iter()
            .position(|n| n.is_enharmonic(self.tonic))
            .map(|i| i + 1)
    }

    /// This scale's type on another tonic.
    pub fn on_tonic(&self, tonic: PitchClass) -> Scale {
        Scale {
            tonic,
            type_index: self.type_index,
        }
    }

    /// True when every sounding pitch of `chord` is in the scale.
    pub fn contains_chord(&self, chord: &Chord) -> bool {
        let mask = self.scale_type().mask;
        chord
            .notes()
            .iter()
            .all(|n| mask & (1 << (n.semitone() - self.tonic.semitone()).rem_euclid(12)) != 0)
    }

    /// Common chords (triads, sevenths, sus, 6, add9) on each scale note that fit the scale,
    /// spelled from the scale's own notes.
    pub fn fitting_chords(&self) -> Vec<Chord> {
        const TYPES: [&str; 14] = [
            "", "m", "dim", "aug", "7", "maj7", "m7", "m7b5", "dim7", "mMaj7", "sus2", "sus4", "6",
            "m6",
        ];
        let mut out = Vec::new();
        for root in self.notes() {
            for sym in TYPES {
                if let Some(&i) = DICTIONARY.chord_by_symbol.get(sym) {
                    let c = Chord::from_parts(root, &DICTIONARY.chords[i], None);
                    let notes = c.notes();
                    let scale_notes = self.notes();
                    if notes.iter().all(|n| scale_notes.contains(n)) {
                        out.push(c);
                    }
                }
            }
        }
        out
    }

    /// Scales (from `root` of the chord) that contain every tone of the chord, smallest first.
    pub fn fitting_scales(chord: &Chord) -> Vec<Scale> {
        let root = chord.root;
        let chord_mask = chord.chord_type().mask;
        let mut out: Vec<(usize, Scale)> = DICTIONARY
            .scales
            .iter()
            .enumerate()
            .filter(|(_, s)| s.mask & chord_mask == chord_mask)
            .map(|(i, s)| {
                (
                    s.intervals.len(),
                    Scale {
                        tonic: root,
                        type_index: i,
                    },
                )
            })
            .collect();
        out.sort_by_key(|(n, s)| (*n, s.type_index));
        out.into_iter().map(|(_, s)| s).collect()
    }
}
