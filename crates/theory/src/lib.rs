//! Exact music theory for fretwise: every musical fact fretwise states is computed or checked here.
//!
//! Notes keep their spelling (C# is not Db, E# is not F); intervals have a quality and a number;
//! chords and scales are spelled so that each letter appears once per stacked step.
//!
//! ```
//! use fretwise_theory::{Chord, Interval, Note};
//!
//! let c = Chord::parse("C#m7").unwrap();
//! assert_eq!(c.note_names(), ["C#", "E", "G#", "B"]);
//!
//! let f_sharp: Note = "F#3".parse().unwrap();
//! let up = f_sharp.transpose(&"m3".parse::<Interval>().unwrap());
//! assert_eq!(up.to_string(), "A3");
//! ```

mod batch;
mod chord;
mod dictionary;
mod fretboard;
mod guitar;
mod interval;
mod key;
mod note;
mod scale;
mod spoken;
mod tab;
mod voicing;

pub use batch::{answer, run_batch};
pub use chord::{Chord, ChordCandidate, ChordTone, identify, ordinal};
pub use dictionary::{ChordType, ScaleType, chord_types, scale_types};
pub use fretboard::{
    MappedNote, ScalePattern, caged_scale_positions, caged_shapes, scale_map, scale_patterns,
};
pub use guitar::{FretPosition, Tuning};
pub use interval::{Interval, Quality};
pub use key::{
    Key, KeyMode, RomanNumeral, analyze_progression, capo_fret_for, capo_shapes_for,
    capo_shapes_sound_in, transpose_progression,
};
pub use note::{Letter, Note, PitchClass, cents, hz_of_midi, midi_of_hz};
pub use scale::Scale;
pub use spoken::{
    chord_in_words, chord_quality_in_words, chord_quality_on, interval_in_words, key_in_words,
    normalize_accidentals, ordinal_number, ordinal_word, scale_in_words, scale_named_like_a_chord,
};
pub use tab::{Tab, TabEvent, Technique};
pub use voicing::{Voicing, VoicingOptions, diagram_svg, diagram_text, voicings};

/// What was typed, cut to 40 characters: an error never echoes a whole pasted document.
fn shown(input: &str) -> String {
    let mut out: String = input.chars().take(40).collect();
    if input.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// Why a theory query could not be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TheoryError {
    /// Not a note name.
    #[error(
        "not a note: `{}` (expected a letter A–G, optional #/b/x accidentals and an optional octave, e.g. F#3)",
        shown(.0)
    )]
    Note(String),
    /// Not an interval name.
    #[error("not an interval: `{}` (expected e.g. m3, 3m, P5, 5P, A4, d5, M9, -3m)", shown(.0))]
    Interval(String),
    /// Not a chord symbol.
    #[error("not a chord symbol: `{}`", shown(.0))]
    Chord(String),
    /// Unknown scale.
    #[error("unknown scale: `{}`", shown(.0))]
    Scale(String),
    /// Not a key.
    #[error("not a key: `{}` (expected e.g. \"Bb major\", \"C# harmonic minor\")", shown(.0))]
    Key(String),
    /// Anything else that is out of range.
    #[error("{0}")]
    Invalid(String),
}
