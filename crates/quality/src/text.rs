//! Token-level analysis shared by metrics and flags (computed once per transcript).
//!
//! Tokens are interned to integer ids so n-gram counting hashes integers, not strings.

use std::borrow::Cow;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use fretwise_transcript::Transcript;
use rustc_hash::FxHashMap as HashMap;

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

const SINGLE_FILLERS: [&str; 11] = [
    "um", "uh", "uhm", "umm", "uhh", "ah", "er", "erm", "hmm", "mm", "mhm",
];
const PHRASE_FILLERS: [[&str; 2]; 4] = [
    ["you", "know"],
    ["i", "mean"],
    ["sort", "of"],
    ["kind", "of"],
];

static STOCK: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostLongest)
        .build(STOCK_PHRASES)
        .ok()
});

pub(crate) struct TextAnalysis {
    /// Token ids in text order.
    pub ids: Vec<u32>,
    /// Distinct lowercased tokens, indexed by id.
    pub vocab: Vec<String>,
    /// Filler tokens (single-word fillers plus both words of two-word fillers).
    pub filler_tokens: usize,
    pub sentence_lengths: Vec<usize>,
    pub replacement_chars: usize,
    pub mojibake_tokens: usize,
    pub stock_phrase_hits: Vec<(&'static str, usize)>,
    stock_phrase_tokens: usize,
    garbled_tokens: usize,
    pub distinct_trigram_ratio: f64,
    /// Share of tokens covered by the single most repeated bigram.
    pub top_bigram_share: f64,
    pub top_bigram: Option<(String, usize)>,
    /// The most frequent token, its count and its share of all tokens.
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
        let ascii = full.is_ascii();

        let mut index: HashMap<Cow<'_, str>, u32> =
            HashMap::with_capacity_and_hasher(full.len() / 8, Default::default());
        let mut vocab: Vec<String> = Vec::new();
        let mut counts: Vec<u32> = Vec::new();
        let mut ids = Vec::with_capacity(full.len() / 5);
        let mut sentence_lengths = Vec::new();
        let mut in_sentence = 0usize;
        let mut mojibake_tokens = 0;
        let mut garbled_tokens = 0;
        for raw in full.split_whitespace() {
            in_sentence += 1;
            if raw.ends_with(['.', '!', '?']) {
                sentence_lengths.push(in_sentence);
                in_sentence = 0;
            }
            if !ascii && is_mojibake(raw) {
                mojibake_tokens += 1;
            }
            let trimmed = raw.trim_matches(|c: char| !c.is_alphanumeric());
            if trimmed.is_empty() {
                continue;
            }
            if !ascii && trimmed.contains('\u{FFFD}') {
                garbled_tokens += 1;
            }
            let key: Cow<'_, str> = if trimmed.chars().any(char::is_uppercase) {
                Cow::Owned(trimmed.to_lowercase())
            } else {
                Cow::Borrowed(trimmed)
            };
            let id = match index.get(&key) {
                Some(&id) => id,
                None => {
                    let id = vocab.len() as u32;
                    vocab.push(key.to_string());
                    counts.push(0);
                    index.insert(key, id);
                    id
                }
            };
            counts[id as usize] += 1;
            ids.push(id);
        }
        if in_sentence > 0 {
            sentence_lengths.push(in_sentence);
        }
        let replacement_chars = if ascii {
            0
        } else {
            full.chars().filter(|&c| c == '\u{FFFD}').count()
        };

        let mut stock_counts = [0usize; STOCK_PHRASES.len()];
        if let Some(ac) = STOCK.as_ref() {
            for m in ac.find_iter(&full) {
                stock_counts[m.pattern().as_usize()] += 1;
            }
        }
        let mut stock_phrase_hits = Vec::new();
        let mut stock_phrase_tokens = 0;
        for (i, &n) in stock_counts.iter().enumerate() {
            if n > 0 {
                stock_phrase_hits.push((STOCK_PHRASES[i], n));
                stock_phrase_tokens += n * STOCK_PHRASES[i].split_whitespace().count();
            }
        }

        let mut trigrams: HashMap<u64, u32> =
            HashMap::with_capacity_and_hasher(ids.len(), Default::default());
        for w in ids.windows(3) {
            let key = (u64::from(w[0]) << 42) | (u64::from(w[1]) << 21) | u64::from(w[2]);
            *trigrams.entry(key).or_default() += 1;
        }
        let total_tri = ids.len().saturating_sub(2);
        let distinct_trigram_ratio = if total_tri == 0 {
            0.0
        } else {
            trigrams.len() as f64 / total_tri as f64
        };
        let mut bigrams: HashMap<u64, u32> =
            HashMap::with_capacity_and_hasher(ids.len(), Default::default());
        for w in ids.windows(2) {
            *bigrams
                .entry((u64::from(w[0]) << 32) | u64::from(w[1]))
                .or_default() += 1;
        }
        let bigram_words = |k: u64| ([(k >> 32) as u32, k as u32, 0], 2usize);
        let trigram_words = |k: u64| {
            (
                [
                    (k >> 42) as u32,
                    ((k >> 21) & 0x1F_FFFF) as u32,
                    (k & 0x1F_FFFF) as u32,
                ],
                3usize,
            )
        };
        let phrase = |(words, n): &([u32; 3], usize)| {
            words[..*n]
                .iter()
                .map(|&i| vocab[i as usize].as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let cmp_words = |a: &([u32; 3], usize), b: &([u32; 3], usize)| {
            let wa = a.0[..a.1].iter().map(|&i| vocab[i as usize].as_str());
            let wb = b.0[..b.1].iter().map(|&i| vocab[i as usize].as_str());
            wa.cmp(wb)
        };
        // Ties are broken by the words so output does not depend on hash order.
        let mut ranked: Vec<(usize, ([u32; 3], usize))> = bigrams
            .iter()
            .filter(|(_, v)| **v > 1)
            .map(|(&k, &v)| (v as usize, bigram_words(k)))
            .chain(
                trigrams
                    .iter()
                    .filter(|(_, v)| **v > 1)
                    .map(|(&k, &v)| (v as usize, trigram_words(k))),
            )
            .collect();
        ranked.sort_unstable_by(|a, b| b.0.cmp(&a.0).then_with(|| cmp_words(&a.1, &b.1)));
        let repeated_phrases: Vec<(String, usize)> = ranked
            .iter()
            .take(10)
            .map(|(c, words)| (phrase(words), *c))
            .collect();
        let top_bigram = ranked
            .iter()
            .find(|(_, w)| w.1 == 2)
            .map(|(c, w)| (phrase(w), *c));
        let top_bigram_share = match &top_bigram {
            Some((_, n)) if !ids.is_empty() => ((2 * n) as f64 / ids.len() as f64).min(1.0),
            _ => 0.0,
        };
        let id = |w: &str| index.get(w).copied();
        let mut filler_tokens: usize = SINGLE_FILLERS
            .iter()
            .filter_map(|w| id(w))
            .map(|i| counts[i as usize] as usize)
            .sum();
        for [a, b] in PHRASE_FILLERS {
            if let (Some(a), Some(b)) = (id(a), id(b)) {
                let n = bigrams
                    .get(&((u64::from(a) << 32) | u64::from(b)))
                    .copied()
                    .unwrap_or(0);
                filler_tokens += 2 * n as usize;
            }
        }
        let top_token = counts
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| vocab[b.0].cmp(&vocab[a.0])))
            .map(|(i, &c)| (vocab[i].clone(), c as usize, c as f64 / ids.len() as f64));

        Self {
            ids,
            vocab,
            filler_tokens,
            sentence_lengths,
            replacement_chars,
            mojibake_tokens,
            stock_phrase_hits,
            stock_phrase_tokens,
            garbled_tokens,
            distinct_trigram_ratio,
            top_bigram_share,
            top_bigram,
            top_token,
            repeated_phrases,
        }
    }

    /// Number of word tokens.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Share of tokens that are stock phrases or garbled.
    pub fn junk_token_share(&self) -> f64 {
        if self.ids.is_empty() {
            return 1.0;
        }
        ((self.stock_phrase_tokens + self.garbled_tokens + self.mojibake_tokens) as f64
            / self.ids.len() as f64)
            .min(1.0)
    }
}
