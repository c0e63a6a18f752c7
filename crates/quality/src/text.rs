//! Token-level analysis shared by metrics and flags (computed once per transcript).

use rustc_hash::FxHashMap as HashMap;

use fretwise_transcript::{Transcript, normalized_tokens};

/// Stock phrases speech recognisers emit on music, silence or credits.
pub(crate) const STOCK_PHRASES: [&str; 16] = [
    "thanks for watching",
    "thank you for watching",
    "we'll be right back",
    "we will be right back",
    "applause",
    "subtitles by",
    "subtitled by",
    "captions by",
    "transcribed by",
    "please subscribe",
    "like and subscribe",
    "don't forget to subscribe",
    "see you in the next video",
    "amara.org",
    "[music]",
    "(music)",
];

pub(crate) struct TextAnalysis {
    pub tokens: Vec<String>,
    pub sentence_lengths: Vec<usize>,
    pub replacement_chars: usize,
    pub mojibake_tokens: usize,
    pub stock_phrase_hits: Vec<(&'static str, usize)>,
    stock_phrase_tokens: usize,
    pub distinct_trigram_ratio: f64,
    /// Share of tokens covered by the single most repeated bigram.
    pub top_bigram_share: f64,
    pub top_bigram: Option<(String, usize)>,
    /// The most frequent token and its share of all tokens.
    pub top_token: Option<(String, usize, f64)>,
    pub repeated_phrases: Vec<(String, usize)>,
}

fn is_mojibake(token: &str) -> bool {
    // UTF-8 read as Latin-1/Windows-1252 leaves these pairs behind.
    ["Ã", "â€", "Â", "Ä", "Å"].iter().any(|m| token.contains(m))
}

impl TextAnalysis {
    pub fn new(t: &Transcript) -> Self {
        let full = t.full_text();
        let tokens: Vec<String> = normalized_tokens(&full).collect();
        let mut sentence_lengths = Vec::new();
        for s in full.split(['.', '!', '?']) {
            let n = s.split_whitespace().count();
            if n > 0 {
                sentence_lengths.push(n);
            }
        }
        let replacement_chars = full.chars().filter(|&c| c == '\u{FFFD}').count();
        let mojibake_tokens = full.split_whitespace().filter(|w| is_mojibake(w)).count();
        let lower = full.to_lowercase();
        let mut stock_phrase_hits = Vec::new();
        let mut stock_phrase_tokens = 0;
        for phrase in STOCK_PHRASES {
            let n = lower.matches(phrase).count();
            if n > 0 {
                stock_phrase_hits.push((phrase, n));
                stock_phrase_tokens += n * phrase.split_whitespace().count();
            }
        }

        let mut trigrams: HashMap<(&str, &str, &str), u32> = HashMap::default();
        for w in tokens.windows(3) {
            *trigrams.entry((&w[0], &w[1], &w[2])).or_default() += 1;
        }
        let total_tri = tokens.len().saturating_sub(2);
        let distinct_trigram_ratio = if total_tri == 0 {
            0.0
        } else {
            trigrams.len() as f64 / total_tri as f64
        };
        let mut bigrams: HashMap<(&str, &str), u32> = HashMap::default();
        for w in tokens.windows(2) {
            *bigrams.entry((&w[0], &w[1])).or_default() += 1;
        }
        let top = bigrams
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
            .map(|(k, &v)| (format!("{} {}", k.0, k.1), v as usize));
        let top_bigram_share = match &top {
            Some((_, n)) if !tokens.is_empty() => (2 * n) as f64 / tokens.len() as f64,
            _ => 0.0,
        };

        let mut unigrams: HashMap<&str, usize> = HashMap::default();
        for t in &tokens {
            *unigrams.entry(t).or_default() += 1;
        }
        let top_token = unigrams
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
            .map(|(k, &v)| (k.to_string(), v, v as f64 / tokens.len() as f64));

        // Rank first, format only the ten reported.
        let mut ranked: Vec<(usize, Vec<&str>)> = bigrams
            .iter()
            .filter(|(_, v)| **v > 1)
            .map(|(k, &v)| (v as usize, vec![k.0, k.1]))
            .chain(
                trigrams
                    .iter()
                    .filter(|(_, v)| **v > 1)
                    .map(|(k, &v)| (v as usize, vec![k.0, k.1, k.2])),
            )
            .collect();
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let mut repeated: Vec<(String, usize)> = ranked
            .into_iter()
            .take(10)
            .map(|(c, words)| (words.join(" "), c))
            .collect();
        repeated.truncate(10);

        Self {
            sentence_lengths,
            replacement_chars,
            mojibake_tokens,
            stock_phrase_hits,
            stock_phrase_tokens,
            distinct_trigram_ratio,
            top_bigram_share: top_bigram_share.min(1.0),
            top_bigram: top,
            top_token,
            repeated_phrases: repeated,
            tokens,
        }
    }

    /// Share of tokens that are stock phrases or garbled.
    pub fn junk_token_share(&self) -> f64 {
        if self.tokens.is_empty() {
            return 1.0;
        }
        let garbled = self
            .tokens
            .iter()
            .filter(|t| t.contains('\u{FFFD}'))
            .count();
        ((self.stock_phrase_tokens + garbled + self.mojibake_tokens) as f64
            / self.tokens.len() as f64)
            .min(1.0)
    }
}
