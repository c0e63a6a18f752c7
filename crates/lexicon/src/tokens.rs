use std::ops::Range;

use fretwise_transcript::Utterance;

/// One matchable token of an utterance, tied back to the word it came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Token<'a> {
    /// Lowercased form.
    pub norm: &'a str,
    /// Original-case form (same characters as `norm` otherwise).
    pub orig: &'a str,
    /// Index of the word in the utterance's `words`, when the utterance has word timings.
    pub word: Option<usize>,
    /// Start time in seconds (interpolated over the utterance when there are no word timings).
    pub start_s: f64,
    /// End time in seconds.
    pub end_s: f64,
}

#[derive(Debug, Clone)]
struct Span {
    norm: Range<usize>,
    orig: Range<usize>,
    word: Option<usize>,
    start_s: f64,
    end_s: f64,
}

/// Reused per-utterance buffers: tokens joined by single spaces (each followed by one), so the
/// automaton can match whole phrases anchored at a token start.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    pub norm: String,
    pub orig: String,
    spans: Vec<Span>,
}

#[inline]
fn keep(c: char) -> Option<char> {
    if c.is_ascii_alphanumeric() {
        return Some(c);
    }
    match c {
        '♯' => Some('#'),
        '♭' => Some('b'),
        c if c.is_alphanumeric() || c == '#' || c == '+' => Some(c),
        _ => None,
    }
}

/// Splits text into token pieces: letters, digits, `#` and `+` are kept, apostrophes dropped
/// ("rock 'n' roll" → rock n roll), anything else separates ("hammer-on" → hammer on).
/// Calls `emit(start_of_piece, char)` for each kept character and `end()` after each piece.
fn pieces(text: &str, mut push: impl FnMut(char, bool)) {
    let mut in_piece = false;
    for c in text.chars() {
        if let Some(k) = keep(c) {
            push(k, !in_piece);
            in_piece = true;
        } else if c == '\'' || c == '’' {
            continue;
        } else {
            in_piece = false;
        }
    }
}

/// Normalises a lexicon spelling to the token string it must match ("Hammer-On" → "hammer on").
pub(crate) fn normalize_phrase(text: &str, keep_case: bool) -> String {
    let mut out = String::new();
    pieces(text, |c, starts| {
        if starts && !out.is_empty() {
            out.push(' ');
        }
        if keep_case {
            out.push(c);
        } else {
            out.extend(c.to_lowercase());
        }
    });
    out
}

impl Scratch {
    fn push_text(&mut self, text: &str, word: Option<usize>, start_s: f64, end_s: f64) {
        let Self { norm, orig, spans } = self;
        let mut open = false;
        pieces(text, |c, starts| {
            if starts {
                if open && let Some(last) = spans.last_mut() {
                    last.norm.end = norm.len();
                    last.orig.end = orig.len();
                    norm.push(' ');
                    orig.push(' ');
                }
                spans.push(Span {
                    norm: norm.len()..norm.len(),
                    orig: orig.len()..orig.len(),
                    word,
                    start_s,
                    end_s,
                });
                open = true;
            }
            orig.push(c);
            if c.is_ascii() {
                norm.push(c.to_ascii_lowercase());
            } else {
                norm.extend(c.to_lowercase());
            }
        });
        if open && let Some(last) = spans.last_mut() {
            last.norm.end = norm.len();
            last.orig.end = orig.len();
            norm.push(' ');
            orig.push(' ');
        }
    }

    /// Fills the buffers from an utterance (its aligned words when present, else its text).
    pub fn fill(&mut self, u: &Utterance) {
        self.norm.clear();
        self.orig.clear();
        self.spans.clear();
        if !u.words.is_empty() {
            for (wi, w) in u.words.iter().enumerate() {
                self.push_text(&w.text, Some(wi), w.start, w.end);
            }
            return;
        }
        self.push_text(&u.text, None, 0.0, 0.0);
        let n = self.spans.len().max(1) as f64;
        let dur = u.end - u.start;
        for (i, s) in self.spans.iter_mut().enumerate() {
            s.start_s = u.start + dur * i as f64 / n;
            s.end_s = u.start + dur * (i + 1) as f64 / n;
        }
    }

    /// Byte offset in `norm` where token `i` starts.
    pub fn norm_start(&self, i: usize) -> usize {
        self.spans[i].norm.start
    }

    /// Byte offset in `orig` where token `i` starts.
    pub fn orig_start(&self, i: usize) -> usize {
        self.spans[i].orig.start
    }

    /// The tokens, borrowing the buffers.
    pub fn tokens(&self) -> Vec<Token<'_>> {
        self.spans
            .iter()
            .map(|s| Token {
                norm: &self.norm[s.norm.clone()],
                orig: &self.orig[s.orig.clone()],
                word: s.word,
                start_s: s.start_s,
                end_s: s.end_s,
            })
            .collect()
    }
}
