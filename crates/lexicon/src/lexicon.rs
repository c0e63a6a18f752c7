use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The built-in lexicon file.
const BUILTIN: &str = include_str!("../data/guitar_terms.txt");

/// Term category: the platform's twelve, plus three for spoken expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Parts of the instrument.
    GuitarParts,
    /// Playing techniques.
    PlayingTechniques,
    /// Music theory.
    MusicTheory,
    /// Chords and chord names.
    Chords,
    /// Scales and modes.
    ScalesModes,
    /// Effects and equipment.
    EffectsEquipment,
    /// Kinds of guitar.
    GuitarTypes,
    /// Notation and tablature.
    NotationTablature,
    /// Maintenance and setup.
    MaintenanceSetup,
    /// Genres and styles.
    GenresStyles,
    /// Tunings and common variations.
    CommonVariations,
    /// Teaching and practice vocabulary.
    InstructionTerms,
    /// Spoken note names ("B flat").
    Notes,
    /// Spoken frets and strings ("fifth fret", "low E string").
    FretboardPositions,
    /// Counting and rhythm syllables in context ("one and two and three").
    RhythmCounting,
}

impl Category {
    /// All categories in display order.
    pub const ALL: [Category; 15] = [
        Self::GuitarParts,
        Self::PlayingTechniques,
        Self::MusicTheory,
        Self::Chords,
        Self::ScalesModes,
        Self::EffectsEquipment,
        Self::GuitarTypes,
        Self::NotationTablature,
        Self::MaintenanceSetup,
        Self::GenresStyles,
        Self::CommonVariations,
        Self::InstructionTerms,
        Self::Notes,
        Self::FretboardPositions,
        Self::RhythmCounting,
    ];

    /// The snake_case name used in files and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GuitarParts => "guitar_parts",
            Self::PlayingTechniques => "playing_techniques",
            Self::MusicTheory => "music_theory",
            Self::Chords => "chords",
            Self::ScalesModes => "scales_modes",
            Self::EffectsEquipment => "effects_equipment",
            Self::GuitarTypes => "guitar_types",
            Self::NotationTablature => "notation_tablature",
            Self::MaintenanceSetup => "maintenance_setup",
            Self::GenresStyles => "genres_styles",
            Self::CommonVariations => "common_variations",
            Self::InstructionTerms => "instruction_terms",
            Self::Notes => "notes",
            Self::FretboardPositions => "fretboard_positions",
            Self::RhythmCounting => "rhythm_counting",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Category {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| format!("unknown category `{s}`"))
    }
}

/// One canonical term with the spellings that denote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    /// Canonical name.
    pub canonical: String,
    /// Category.
    pub category: Category,
    /// Spellings matched, including the canonical one; a leading `=` marks a case-sensitive one.
    pub spellings: Vec<String>,
}

/// Error reading a lexicon file.
#[derive(Debug, thiserror::Error)]
#[error("lexicon line {line}: {message}")]
pub struct LexiconError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// A set of terms by category.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    terms: Vec<Term>,
}

impl Lexicon {
    /// The lexicon shipped with fretwise.
    pub fn builtin() -> Self {
        // The built-in file is part of the source tree and covered by tests.
        Self::parse(BUILTIN).unwrap_or_default()
    }

    /// Parses a lexicon file (format described at the top of `data/guitar_terms.txt`).
    pub fn parse(text: &str) -> Result<Self, LexiconError> {
        let mut lexicon = Self::default();
        lexicon.merge_text(text)?;
        Ok(lexicon)
    }

    /// Merges a user file over this lexicon: adds terms, extends spellings, `-name` removes.
    pub fn merge_text(&mut self, text: &str) -> Result<(), LexiconError> {
        let mut index: HashMap<String, usize> = self
            .terms
            .iter()
            .enumerate()
            .map(|(i, t)| (key(&t.canonical), i))
            .collect();
        let mut category = None;
        let mut removed = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim();
            let err = |message: String| LexiconError {
                line: n + 1,
                message,
            };
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                category = Some(Category::from_str(name.trim()).map_err(err)?);
                continue;
            }
            if let Some(name) = line.strip_prefix('-') {
                removed.push(key(name.trim()));
                continue;
            }
            let Some(category) = category else {
                return Err(err("term before any [category] header".into()));
            };
            let mut parts = line.splitn(2, '|');
            let canonical = parts.next().unwrap_or("").trim();
            if canonical.trim_start_matches('=').is_empty() {
                return Err(err("empty canonical term".into()));
            }
            let mut spellings = vec![canonical.to_string()];
            if let Some(aliases) = parts.next() {
                spellings.extend(
                    aliases
                        .split(';')
                        .map(str::trim)
                        .filter(|a| !a.is_empty())
                        .map(String::from),
                );
            }
            let canonical_name = canonical.trim_start_matches('=').to_string();
            match index.get(&key(&canonical_name)) {
                Some(&i) => {
                    let term = &mut self.terms[i];
                    for s in spellings {
                        if !term.spellings.contains(&s) {
                            term.spellings.push(s);
                        }
                    }
                }
                None => {
                    index.insert(key(&canonical_name), self.terms.len());
                    self.terms.push(Term {
                        canonical: canonical_name,
                        category,
                        spellings,
                    });
                }
            }
        }
        if !removed.is_empty() {
            self.terms.retain(|t| !removed.contains(&key(&t.canonical)));
        }
        Ok(())
    }

    /// All terms.
    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// Number of canonical terms.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// True when there are no terms.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Number of canonical terms per category.
    pub fn counts(&self) -> Vec<(Category, usize)> {
        Category::ALL
            .iter()
            .map(|&c| (c, self.terms.iter().filter(|t| t.category == c).count()))
            .filter(|&(_, n)| n > 0)
            .collect()
    }
}

fn key(s: &str) -> String {
    s.trim_start_matches('=').to_lowercase()
}
