//! The chord and scale vocabularies, read once from the data files in `data/`.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::interval::Interval;

/// A chord type: its intervals from the root and the symbols that name it.
#[derive(Debug, Clone)]
pub struct ChordType {
    /// Descriptive name ("minor seventh"); may be empty.
    pub name: String,
    /// Symbols; the first is the one fretwise prints ("" for a major triad).
    pub symbols: Vec<String>,
    /// Intervals from the root in chord-tone order.
    pub intervals: Vec<Interval>,
    /// Pitch-class set relative to the root, as a 12-bit mask.
    pub mask: u16,
    /// Position in the file (used to rank common types first).
    pub index: usize,
}

impl ChordType {
    /// The symbol fretwise prints after the root.
    pub fn symbol(&self) -> &str {
        self.symbols.first().map(String::as_str).unwrap_or("")
    }
}

/// A scale type.
#[derive(Debug, Clone)]
pub struct ScaleType {
    /// Name ("dorian").
    pub name: String,
    /// Other names ("super locrian").
    pub aliases: Vec<String>,
    /// Intervals from the tonic, ascending within one octave.
    pub intervals: Vec<Interval>,
    /// Pitch-class set relative to the tonic.
    pub mask: u16,
}

pub(crate) struct Dictionary {
    pub chords: Vec<ChordType>,
    pub chord_by_symbol: HashMap<String, usize>,
    pub scales: Vec<ScaleType>,
    pub scale_by_name: HashMap<String, usize>,
}

fn mask(intervals: &[Interval]) -> u16 {
    intervals
        .iter()
        .fold(0u16, |m, i| m | 1 << i.semitones().rem_euclid(12))
}

fn parse_intervals(s: &str) -> Vec<Interval> {
    s.split_whitespace()
        .filter_map(|i| i.parse::<Interval>().ok())
        .collect()
}

pub(crate) static DICTIONARY: LazyLock<Dictionary> = LazyLock::new(|| {
    let mut chords = Vec::new();
    let mut chord_by_symbol = HashMap::new();
    for line in include_str!("../data/chords.txt").lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut parts = line.splitn(3, '|');
        let intervals = parse_intervals(parts.next().unwrap_or(""));
        let name = parts.next().unwrap_or("").trim().to_string();
        let symbols: Vec<String> = parts
            .next()
            .unwrap_or("")
            .split(';')
            .map(|s| s.trim().to_string())
            .enumerate()
            .filter(|(i, s)| *i == 0 || !s.is_empty())
            .map(|(_, s)| s)
            .collect();
        let index = chords.len();
        for s in &symbols {
            chord_by_symbol.entry(s.clone()).or_insert(index);
        }
        chords.push(ChordType {
            mask: mask(&intervals),
            name,
            symbols,
            intervals,
            index,
        });
    }
    let mut scales = Vec::new();
    let mut scale_by_name = HashMap::new();
    for line in include_str!("../data/scales.txt").lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut parts = line.splitn(3, '|');
        let intervals = parse_intervals(parts.next().unwrap_or(""));
        let name = parts.next().unwrap_or("").trim().to_string();
        let aliases: Vec<String> = parts
            .next()
            .unwrap_or("")
            .split(';')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let index = scales.len();
        for n in std::iter::once(&name).chain(aliases.iter()) {
            scale_by_name.entry(n.to_lowercase()).or_insert(index);
        }
        scales.push(ScaleType {
            mask: mask(&intervals),
            name,
            aliases,
            intervals,
        });
    }
    // Everyday names guitarists use that the reference vocabulary spells differently.
    for (alias, target) in [
        ("natural minor", "minor"),
        ("aeolian", "minor"),
        ("pentatonic major", "major pentatonic"),
        ("pentatonic minor", "minor pentatonic"),
        ("minor blues", "minor blues"),
        ("blues", "minor blues"),
        ("jazz minor", "melodic minor"),
        ("whole-tone", "whole tone"),
        ("diminished whole-half", "diminished"),
        ("diminished half-whole", "half-whole diminished"),
        ("bebop dominant", "bebop"),
        ("superlocrian", "altered"),
        ("phrygian major", "phrygian dominant"),
    ] {
        if let Some(&i) = scale_by_name.get(target) {
            scale_by_name.entry(alias.to_string()).or_insert(i);
        }
    }
    Dictionary {
        chords,
        chord_by_symbol,
        scales,
        scale_by_name,
    }
});

/// All chord types, common ones first.
pub fn chord_types() -> &'static [ChordType] {
    &DICTIONARY.chords
}

/// All scale types.
pub fn scale_types() -> &'static [ScaleType] {
    &DICTIONARY.scales
}
