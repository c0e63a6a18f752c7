//! Guitar terminology: the lexicon data file and a word-boundary matcher for transcripts.
//!
//! The lexicon lives in `data/guitar_terms.txt` (users extend or override it with their own file
//! in the same format). [`TermMatcher`] finds lexicon terms and spoken musical expressions
//! ("E minor seven", "the four chord", "fifth fret", "low E string", counting) in utterances,
//! keeping the word span and timestamps of each occurrence.

mod expressions;
mod lexicon;
mod matcher;
mod tokens;

pub use lexicon::{Category, Lexicon, LexiconError, Term};
pub use matcher::{MatchSource, TermMatcher, TermOccurrence};
