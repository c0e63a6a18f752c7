use aho_corasick::{AhoCorasick, AhoCorasickKind, Anchored, Input, MatchKind, StartKind};
use fretwise_transcript::{Transcript, Utterance};
use serde::{Deserialize, Serialize};

use crate::expressions;
use crate::lexicon::{Category, Lexicon, LexiconError};
use crate::tokens::{Scratch, normalize_phrase};

/// Where an occurrence came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchSource {
    /// A lexicon term or alias.
    Lexicon,
    /// A spoken musical expression (chord, note, fret, string, counting).
    Expression,
}

/// One occurrence of a term in a transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TermOccurrence {
    /// Canonical term ("hammer-on", "Em7", "fret 5").
    pub term: String,
    /// Category.
    pub category: Category,
    /// Lexicon or spoken expression.
    pub source: MatchSource,
    /// Index of the utterance.
    pub utterance: usize,
    /// First word index within the utterance (None when the utterance has no word timings).
    pub first_word: Option<usize>,
    /// Last word index within the utterance, inclusive.
    pub last_word: Option<usize>,
    /// Start time in seconds.
    pub start_s: f64,
    /// End time in seconds.
    pub end_s: f64,
    /// The words as spoken.
    pub text: String,
}

enum Candidate {
    Expression(expressions::Expr),
    Lexicon(usize),
}

#[derive(Debug, Clone, Copy)]
struct PatternInfo {
    term: u32,
    tokens: u32,
}

/// Finds lexicon terms and spoken expressions on word boundaries.
#[derive(Debug, Clone)]
pub struct TermMatcher {
    lexicon: Lexicon,
    folded: AhoCorasick,
    folded_info: Vec<PatternInfo>,
    exact: AhoCorasick,
    exact_info: Vec<PatternInfo>,
    /// True when every case-sensitive spelling starts with a capital or digit (a prefilter).
    exact_starts_capital: bool,
}

impl TermMatcher {
    /// Builds a matcher for `lexicon`; fails only if the automaton would exceed its size limits.
    pub fn new(lexicon: Lexicon) -> Result<Self, LexiconError> {
        let mut folded = Vec::new();
        let mut folded_info = Vec::new();
        let mut exact = Vec::new();
        let mut exact_info = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (ti, term) in lexicon.terms().iter().enumerate() {
            for spelling in &term.spellings {
                let case_sensitive = spelling.starts_with('=');
                let phrase = normalize_phrase(spelling.trim_start_matches('='), case_sensitive);
                if phrase.is_empty() || !seen.insert((phrase.clone(), case_sensitive)) {
                    continue;
                }
                let info = PatternInfo {
                    term: ti as u32,
                    tokens: phrase.split(' ').count() as u32,
                };
                let pattern = format!("{phrase} ");
                if case_sensitive {
                    exact.push(pattern);
                    exact_info.push(info);
                } else {
                    folded.push(pattern);
                    folded_info.push(info);
                }
            }
        }
        let build = |patterns: &[String]| {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .start_kind(StartKind::Anchored)
                .kind(Some(AhoCorasickKind::DFA))
                .build(patterns)
        };
        let too_big = |e: aho_corasick::BuildError| LexiconError {
            line: 0,
            message: format!("cannot build the term automaton: {e}"),
        };
        let exact_starts_capital = exact
            .iter()
            .all(|p| p.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit()));
        let folded = build(&folded).map_err(too_big)?;
        let exact = build(&exact).map_err(too_big)?;
        Ok(Self {
            lexicon,
            folded,
            folded_info,
            exact,
            exact_info,
            exact_starts_capital,
        })
    }

    /// A matcher for the built-in lexicon.
    pub fn builtin() -> Self {
        #[allow(clippy::expect_used)]
        Self::new(Lexicon::builtin()).expect("the built-in lexicon builds (covered by tests)")
    }

    /// The lexicon this matcher uses.
    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// All occurrences in a transcript, in utterance order.
    pub fn find(&self, transcript: &Transcript) -> Vec<TermOccurrence> {
        let mut out = Vec::new();
        let mut scratch = Scratch::default();
        for (ui, u) in transcript.utterances.iter().enumerate() {
            self.find_in_utterance(ui, u, &mut scratch, &mut out);
        }
        out
    }

    /// All occurrences in a plain sentence (no timings).
    pub fn find_in_text(&self, text: &str) -> Vec<TermOccurrence> {
        let u = Utterance {
            start: 0.0,
            end: 0.0,
            text: text.to_string(),
            words: Vec::new(),
            confidence: None,
            avg_logprob: None,
            compression_ratio: None,
            no_speech_prob: None,
        };
        let mut out = Vec::new();
        self.find_in_utterance(0, &u, &mut Scratch::default(), &mut out);
        out
    }

    fn find_in_utterance(
        &self,
        ui: usize,
        u: &Utterance,
        scratch: &mut Scratch,
        out: &mut Vec<TermOccurrence>,
    ) {
        scratch.fill(u);
        let tokens = scratch.tokens();
        if tokens.is_empty() {
            return;
        }
        let mut i = 0;
        while i < tokens.len() {
            // Longest wins; on a tie the expression (exact chord spelling) is kept.
            let mut best: Option<(usize, Candidate)> =
                expressions::match_at(&tokens, i).map(|(e, len)| (len, Candidate::Expression(e)));
            // Every case-sensitive spelling starts with a capital or a digit.
            let exact_possible = !self.exact_starts_capital
                || tokens[i]
                    .orig
                    .starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit());
            for (ac, info, buf, offset) in [
                (
                    &self.exact,
                    &self.exact_info,
                    &scratch.orig,
                    scratch.orig_start(i),
                ),
                (
                    &self.folded,
                    &self.folded_info,
                    &scratch.norm,
                    scratch.norm_start(i),
                ),
            ] {
                if std::ptr::eq(ac, &self.exact) && !exact_possible {
                    continue;
                }
                let input = Input::new(buf.as_str())
                    .range(offset..)
                    .anchored(Anchored::Yes);
                if let Some(m) = ac.find(input) {
                    let p = info[m.pattern().as_usize()];
                    let len = p.tokens as usize;
                    if best.as_ref().is_none_or(|b| len > b.0) {
                        best = Some((len, Candidate::Lexicon(p.term as usize)));
                    }
                }
            }
            let best = best.map(|(len, c)| match c {
                Candidate::Expression(e) => (len, e.name, e.category, MatchSource::Expression),
                Candidate::Lexicon(t) => {
                    let term = &self.lexicon.terms()[t];
                    (
                        len,
                        term.canonical.clone(),
                        term.category,
                        MatchSource::Lexicon,
                    )
                }
            });
            match best {
                Some((len, term, category, source)) => {
                    let span = &tokens[i..i + len];
                    let (first, last) = (&span[0], &span[len - 1]);
                    out.push(TermOccurrence {
                        term,
                        category,
                        source,
                        utterance: ui,
                        first_word: first.word,
                        last_word: last.word,
                        start_s: first.start_s,
                        end_s: last.end_s,
                        text: span.iter().map(|t| t.orig).collect::<Vec<_>>().join(" "),
                    });
                    i += len;
                }
                None => i += 1,
            }
        }
    }
}
