use fretwise_transcript::Utterance;

/// One matchable token of an utterance, tied back to the word it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// Lowercased form.
    pub norm: String,
    /// Original-case form (same characters as `norm` otherwise).
    pub orig: String,
    /// Index of the word in the utterance's `words`, when the utterance has word timings.
    pub word: Option<usize>,
    /// Start time in seconds (interpolated over the utterance when there are no word timings).
    pub start_s: f64,
    /// End time in seconds.
    pub end_s: f64,
}

/// Splits a piece of text into token strings: letters, digits, `#` and `+` are kept, apostrophes
/// dropped ("rock 'n' roll" → rock n roll), anything else separates ("hammer-on" → hammer on).
pub(crate) fn split_pieces(text: &str, mut emit: impl FnMut(&str)) {
    let mut cur = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() || c == '#' || c == '+' || c == '♯' || c == '♭' {
            match c {
                '♯' => cur.push('#'),
                '♭' => cur.push('b'),
                _ => cur.push(c),
            }
        } else if c == '\'' || c == '’' {
            continue;
        } else if !cur.is_empty() {
            emit(&cur);
            cur.clear();
        }
    }
    if !cur.is_empty() {
        emit(&cur);
    }
}

/// Normalises a lexicon spelling to the token string it must match ("Hammer-On" → "hammer on").
pub(crate) fn normalize_phrase(text: &str, keep_case: bool) -> String {
    let mut out = String::new();
    split_pieces(text, |p| {
        if !out.is_empty() {
            out.push(' ');
        }
        if keep_case {
            out.push_str(p);
        } else {
            out.push_str(&p.to_lowercase());
        }
    });
    out
}

/// Tokens of one utterance, from its aligned words when present, else from its text.
pub fn tokenize(u: &Utterance) -> Vec<Token> {
    let mut out = Vec::with_capacity(u.words.len() + 4);
    if !u.words.is_empty() {
        for (wi, w) in u.words.iter().enumerate() {
            split_pieces(&w.text, |p| {
                out.push(Token {
                    norm: p.to_lowercase(),
                    orig: p.to_string(),
                    word: Some(wi),
                    start_s: w.start,
                    end_s: w.end,
                })
            });
        }
        return out;
    }
    split_pieces(&u.text, |p| {
        out.push(Token {
            norm: p.to_lowercase(),
            orig: p.to_string(),
            word: None,
            start_s: 0.0,
            end_s: 0.0,
        })
    });
    let n = out.len().max(1) as f64;
    let dur = u.end - u.start;
    for (i, t) in out.iter_mut().enumerate() {
        t.start_s = u.start + dur * i as f64 / n;
        t.end_s = u.start + dur * (i + 1) as f64 / n;
    }
    out
}
