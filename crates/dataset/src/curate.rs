//! Curation: quality filters, exact and near-duplicate removal (MinHash + LSH), and
//! instructor-held-out splits.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use fretwise_catalog::LessonCuration;
use fretwise_lexicon::Lexicon;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Filter thresholds (CLI flags or a TOML filter file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Filters {
    /// Lowest mean recogniser confidence.
    pub min_confidence: f64,
    /// Lowest speech-activity ratio.
    pub min_speech_activity: f64,
    /// Highest speech-activity ratio.
    pub max_speech_activity: f64,
    /// Highest filler-word ratio.
    pub max_filler_ratio: f64,
    /// Lowest guitar-term occurrences per 100 words.
    pub min_term_density: f64,
    /// Lowest speech-to-noise ratio of a lesson's recording, dB; lessons whose recording was
    /// not analysed are not judged on it.
    pub min_snr_db: f64,
    /// Near-duplicate Jaccard threshold.
    pub near_duplicate_threshold: f64,
    /// Lowest lesson quality score (0–1, ingest's composite score).
    pub min_quality_score: f64,
}

impl Default for Filters {
    fn default() -> Self {
        Self {
            min_confidence: 0.8,
            min_speech_activity: 0.05,
            max_speech_activity: 1.0,
            max_filler_ratio: 0.1,
            min_term_density: 0.5,
            min_snr_db: 10.0,
            near_duplicate_threshold: 0.8,
            min_quality_score: 0.0,
        }
    }
}

impl Filters {
    /// Refuses settings no lesson could be judged by; the message names the field.
    pub fn check(&self) -> Result<(), String> {
        let fields = [
            ("min_confidence", self.min_confidence),
            ("min_speech_activity", self.min_speech_activity),
            ("max_speech_activity", self.max_speech_activity),
            ("max_filler_ratio", self.max_filler_ratio),
            ("min_term_density", self.min_term_density),
            ("min_snr_db", self.min_snr_db),
            ("near_duplicate_threshold", self.near_duplicate_threshold),
            ("min_quality_score", self.min_quality_score),
        ];
        for (name, v) in fields {
            if !v.is_finite() {
                return Err(format!("{name}: must be a number, not {v}"));
            }
        }
        for (name, v) in [
            ("near_duplicate_threshold", self.near_duplicate_threshold),
            ("min_quality_score", self.min_quality_score),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(format!("{name}: must be within 0–1, not {v}"));
            }
        }
        if self.min_speech_activity > self.max_speech_activity {
            return Err(format!(
                "min_speech_activity ({}) is above max_speech_activity ({})",
                self.min_speech_activity, self.max_speech_activity
            ));
        }
        Ok(())
    }
}

/// Why a lesson was left out; in the order the checks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Exclusion {
    /// A failure flag (hallucination, near-empty, …) or not trainable.
    Flagged,
    /// Mean confidence below the minimum.
    LowConfidence,
    /// Speech activity outside the range.
    SpeechActivity,
    /// Too many fillers.
    Fillers,
    /// Too little guitar terminology.
    TermDensity,
    /// The recording is too noisy (only lessons whose recording was analysed).
    LowSnr,
    /// Quality score below the minimum.
    LowQuality,
    /// Same normalised text as a better copy.
    ExactDuplicate,
    /// Near-duplicate of a better copy.
    NearDuplicate,
}

impl Exclusion {
    /// The snake_case name the export manifest and `--json` use (`low_confidence`).
    pub fn as_str(self) -> &'static str {
        match self {
            Exclusion::Flagged => "flagged",
            Exclusion::LowConfidence => "low_confidence",
            Exclusion::SpeechActivity => "speech_activity",
            Exclusion::Fillers => "fillers",
            Exclusion::TermDensity => "term_density",
            Exclusion::LowSnr => "low_snr",
            Exclusion::LowQuality => "low_quality",
            Exclusion::ExactDuplicate => "exact_duplicate",
            Exclusion::NearDuplicate => "near_duplicate",
        }
    }
}

impl std::fmt::Display for Exclusion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Lessons never exported: failure flags, not trainable, or no words.
pub fn unusable(info: &LessonCuration) -> bool {
    !info.trainable || !info.failure_flags.is_empty() || info.word_count == 0
}

/// Applies the threshold filters (after dedup, so a duplicate group is judged by its best copy).
pub fn filter(info: &LessonCuration, f: &Filters) -> Option<Exclusion> {
    if unusable(info) {
        return Some(Exclusion::Flagged);
    }
    if info.confidence < f.min_confidence {
        return Some(Exclusion::LowConfidence);
    }
    if info.speech_activity_ratio < f.min_speech_activity
        || info.speech_activity_ratio > f.max_speech_activity
    {
        return Some(Exclusion::SpeechActivity);
    }
    if info.filler_word_ratio > f.max_filler_ratio {
        return Some(Exclusion::Fillers);
    }
    if info.terms_per_100_words < f.min_term_density {
        return Some(Exclusion::TermDensity);
    }
    // Lessons without an analysed recording are not judged on audio.
    if info.audio_snr_db.is_some_and(|snr| snr < f.min_snr_db) {
        return Some(Exclusion::LowSnr);
    }
    if info.quality_score < f.min_quality_score {
        return Some(Exclusion::LowQuality);
    }
    None
}

/// Turns ASR text into the tokens duplicates are compared on: lowercase, no punctuation, number
/// words as digits, and split lexicon terms joined ("finger style" = "fingerstyle").
#[derive(Debug, Clone)]
pub struct DedupNormalizer {
    joined: HashSet<String>,
}

const NUMBERS: [&str; 13] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve",
];

impl DedupNormalizer {
    /// Builds the join table from the lexicon's one-word spellings.
    pub fn new(lexicon: &Lexicon) -> Self {
        let mut joined = HashSet::new();
        for t in lexicon.terms() {
            for s in &t.spellings {
                // Only spellings that are one word ("fingerstyle", "hammeron"): two recognised
                // words are joined when together they spell one of these.
                let s = s.trim_start_matches('=').to_lowercase();
                if !s.is_empty() && s.chars().all(|c| c.is_alphanumeric()) {
                    joined.insert(s);
                }
            }
        }
        Self { joined }
    }

    /// Normalised tokens of `text`.
    pub fn tokens(&self, text: &str) -> Vec<String> {
        let mut raw: Vec<String> = text
            .split(|c: char| c.is_whitespace() || c == '-')
            .map(|w| {
                let mut t: String = w
                    .chars()
                    .filter(|c| c.is_alphanumeric() || *c == '\'')
                    .collect();
                if t.is_ascii() {
                    t.make_ascii_lowercase();
                    t
                } else {
                    t.to_lowercase()
                }
            })
            .filter(|w| !w.is_empty())
            .map(|w| match NUMBERS.iter().position(|n| *n == w) {
                Some(i) => i.to_string(),
                None => w,
            })
            .collect();
        let mut out = Vec::with_capacity(raw.len());
        let mut pair = String::new();
        let mut i = 0;
        while i < raw.len() {
            if i + 1 < raw.len() {
                pair.clear();
                pair.push_str(&raw[i]);
                pair.push_str(&raw[i + 1]);
                if self.joined.contains(pair.as_str()) {
                    out.push(pair.clone());
                    i += 2;
                    continue;
                }
            }
            out.push(std::mem::take(&mut raw[i]));
            i += 1;
        }
        out
    }
}

/// MinHash signatures of 5-word shingles.
#[derive(Debug, Clone)]
pub struct MinHasher {
    a: Vec<u64>,
    b: Vec<u64>,
}

/// Signature length.
pub const PERMUTATIONS: usize = 128;
const BANDS: usize = 16;
const ROWS: usize = PERMUTATIONS / BANDS;

fn fnv(bytes: &[u8], mut h: u64) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}

impl MinHasher {
    /// Hash family from a fixed seed (signatures are comparable across runs).
    pub fn new() -> Self {
        use rand::Rng;
        let mut rng = ChaCha8Rng::seed_from_u64(0x5eed_f1e7);
        let a = (0..PERMUTATIONS).map(|_| rng.random::<u64>() | 1).collect();
        let b = (0..PERMUTATIONS).map(|_| rng.random::<u64>()).collect();
        Self { a, b }
    }

    /// Signature of a token sequence (texts under 5 tokens hash as one shingle).
    pub fn signature(&self, tokens: &[String]) -> Vec<u32> {
        let mut sig = vec![u32::MAX; PERMUTATIONS];
        let k = 5.min(tokens.len().max(1));
        let shingles: Vec<u64> = tokens
            .windows(k)
            .map(|w| {
                w.iter().fold(0xcbf2_9ce4_8422_2325, |h, t| {
                    fnv(b" ", fnv(t.as_bytes(), h))
                })
            })
            .collect();
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU was just found to have AVX2, all `fold_avx2` asks of it.
            unsafe { fold_avx2(&mut sig, &shingles, &self.a, &self.b) };
            return sig;
        }
        fold(&mut sig, &shingles, &self.a, &self.b);
        sig
    }
}

/// Each permutation's minimum over the shingle hashes, into `sig`. An unconditional min over
/// zipped lanes, so that the compiler keeps it in vector registers.
#[inline(always)]
fn fold(sig: &mut [u32], shingles: &[u64], a: &[u64], b: &[u64]) {
    for &h in shingles {
        for ((s, a), b) in sig.iter_mut().zip(a).zip(b) {
            let v = (a.wrapping_mul(h).wrapping_add(*b) >> 32) as u32;
            *s = (*s).min(v);
        }
    }
}

/// [`fold`] compiled for AVX2 (four 64-bit lanes and an unsigned 32-bit min per instruction):
/// the same integers, about twice as fast as the baseline's two lanes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn fold_avx2(sig: &mut [u32], shingles: &[u64], a: &[u64], b: &[u64]) {
    fold(sig, shingles, a, b);
}

impl Default for MinHasher {
    fn default() -> Self {
        Self::new()
    }
}

/// Estimated Jaccard similarity of two signatures.
pub fn similarity(a: &[u32], b: &[u32]) -> f64 {
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / a.len().max(1) as f64
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Groups near-duplicates with LSH (16 bands × 8 rows), verifying every candidate pair in a bucket
/// by signature similarity ≥ `threshold`, joined with union-find; returns a cluster id per input,
/// memory linear in input.
pub fn near_duplicate_clusters<S: AsRef<[u32]>>(signatures: &[S], threshold: f64) -> Vec<usize> {
    let n = signatures.len();
    let mut parent: Vec<usize> = (0..n).collect();
    for band in 0..BANDS {
        let mut buckets: HashMap<u64, Vec<usize>> = HashMap::new();
        for (i, s) in signatures.iter().enumerate() {
            let s = s.as_ref();
            if s.len() == PERMUTATIONS {
                buckets.entry(band_key(s, band, ROWS)).or_default().push(i);
            }
        }
        for members in buckets.values() {
            if members.len() < 2 {
                continue;
            }
            // Every candidate pair in the bucket is verified: similarity is not transitive, so
            // comparing each member only with the first would miss pairs (issue 18).
            for (k, &a) in members.iter().enumerate() {
                for &b in &members[k + 1..] {
                    let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
                    if ra != rb
                        && similarity(signatures[a].as_ref(), signatures[b].as_ref()) >= threshold
                    {
                        parent[ra.max(rb)] = ra.min(rb);
                    }
                }
            }
        }
    }
    (0..n).map(|i| find(&mut parent, i)).collect()
}

/// Near-duplicate lookup for texts that arrive one at a time (passages and answers across
/// lessons): LSH band keys (32 bands × 4 rows, for recall near the threshold) point at earlier
/// signatures, and every candidate is verified.
#[derive(Debug, Clone)]
pub struct NearDuplicateIndex {
    threshold: f64,
    /// Fewest equal signature slots that reach `threshold` (129: none does).
    need: usize,
    /// Signatures, `PERMUTATIONS` values each, one after another.
    signatures: Vec<u32>,
    /// The low byte of every signature value: slots whose bytes differ differ, so too few equal
    /// bytes rules a candidate out while reading a quarter of the memory.
    sketches: Vec<u8>,
    /// Band key → the latest signature with it.
    heads: HashMap<u64, u32, BuildHasherDefault<KeyHasher>>,
    /// Per signature and band: the previous signature with the same key (`u32::MAX`: none).
    next: Vec<u32>,
    /// Per signature: the lookup that last verified it (skips a candidate met in two bands).
    checked: RefCell<(u32, Vec<u32>)>,
}

/// Band keys are FNV hashes already: the map uses them as they are.
#[derive(Debug, Clone, Copy, Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

fn band_key(sig: &[u32], band: usize, rows: usize) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ band as u64;
    for v in &sig[band * rows..(band + 1) * rows] {
        h = fnv(&v.to_le_bytes(), h);
    }
    h
}

/// Equal slots of two full signatures.
fn equal_slots(a: &[u32; PERMUTATIONS], b: &[u32; PERMUTATIONS]) -> usize {
    a.iter().zip(b).map(|(x, y)| usize::from(x == y)).sum()
}

/// Equal bytes of two sketches.
fn equal_bytes(a: &[u8; PERMUTATIONS], b: &[u8; PERMUTATIONS]) -> usize {
    a.iter().zip(b).map(|(x, y)| usize::from(x == y)).sum()
}

/// Most earlier signatures one band key leads a lookup to (the most recent ones).
const CHAIN_STEPS: usize = 16;

/// Bands of the streaming index (4 rows each).
const STREAM_BANDS: usize = 32;
const STREAM_ROWS: usize = PERMUTATIONS / STREAM_BANDS;

impl NearDuplicateIndex {
    /// An empty index verifying at Jaccard `threshold`.
    pub fn new(threshold: f64) -> Self {
        // The same test as `similarity(a, b) >= threshold`, on the count of equal slots.
        let need = (0..=PERMUTATIONS)
            .find(|&k| k as f64 / PERMUTATIONS as f64 >= threshold)
            .unwrap_or(PERMUTATIONS + 1);
        Self {
            threshold,
            need,
            signatures: Vec::new(),
            sketches: Vec::new(),
            heads: HashMap::default(),
            next: Vec::new(),
            checked: RefCell::new((0, Vec::new())),
        }
    }

    /// The verification threshold.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    fn signature(&self, i: usize) -> Option<&[u32; PERMUTATIONS]> {
        self.signatures
            .get(i * PERMUTATIONS..(i + 1) * PERMUTATIONS)?
            .try_into()
            .ok()
    }

    fn sketch(&self, i: usize) -> Option<&[u8; PERMUTATIONS]> {
        self.sketches
            .get(i * PERMUTATIONS..(i + 1) * PERMUTATIONS)?
            .try_into()
            .ok()
    }

    /// The first earlier signature at least `threshold` similar to `sig`, if any.
    pub fn find(&self, sig: &[u32]) -> Option<usize> {
        let sig: &[u32; PERMUTATIONS] = sig.try_into().ok()?;
        let sketch: [u8; PERMUTATIONS] = std::array::from_fn(|k| sig[k] as u8);
        let mut checked = self.checked.borrow_mut();
        let (epoch, stamps) = &mut *checked;
        *epoch = epoch.wrapping_add(1);
        if *epoch == 0 {
            stamps.fill(0);
            *epoch = 1;
        }
        stamps.resize(self.signatures.len() / PERMUTATIONS, 0);
        for band in 0..STREAM_BANDS {
            let mut at = self.heads.get(&band_key(sig, band, STREAM_ROWS)).copied();
            // Bounded work per lookup: on templated text a 4-row band key is shared by
            // thousands of loosely similar passages, and walking whole chains made the 100K
            // export's lookups quadratic (4 min of CPU and counting). A near duplicate shares
            // most of the 32 band keys, so a long chain in one band is not its only way in.
            let mut steps = 0;
            while let Some(i) = at.filter(|i| *i != u32::MAX && steps < CHAIN_STEPS) {
                steps += 1;
                let i = i as usize;
                if stamps[i] != *epoch {
                    stamps[i] = *epoch;
                    if self
                        .sketch(i)
                        .is_some_and(|s| equal_bytes(s, &sketch) >= self.need)
                        && self
                            .signature(i)
                            .is_some_and(|s| equal_slots(s, sig) >= self.need)
                    {
                        return Some(i);
                    }
                }
                at = self.next.get(i * STREAM_BANDS + band).copied();
            }
        }
        None
    }

    /// Adds a signature.
    pub fn insert(&mut self, sig: Vec<u32>) {
        if sig.len() != PERMUTATIONS {
            return;
        }
        let i = (self.signatures.len() / PERMUTATIONS) as u32;
        for band in 0..STREAM_BANDS {
            let prev = self.heads.insert(band_key(&sig, band, STREAM_ROWS), i);
            self.next.push(prev.unwrap_or(u32::MAX));
        }
        self.signatures.extend_from_slice(&sig);
        self.sketches.extend(sig.iter().map(|v| *v as u8));
    }
}

/// Train / validation / test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    /// Training.
    Train,
    /// Validation (held-out instructors).
    Validation,
    /// Test (held-out instructors, and unseen styles when asked).
    Test,
}

impl Split {
    /// All splits in order.
    pub const ALL: [Split; 3] = [Split::Train, Split::Validation, Split::Test];

    /// File-name form.
    pub fn as_str(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Validation => "validation",
            Split::Test => "test",
        }
    }
}

/// Shares of the lessons each split gets (train / validation / test), dealt by whole instructors.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitShares {
    /// Training share.
    pub train: f64,
    /// Validation share.
    pub validation: f64,
    /// Test share.
    pub test: f64,
}

impl Default for SplitShares {
    fn default() -> Self {
        Self {
            train: 0.70,
            validation: 0.15,
            test: 0.15,
        }
    }
}

impl SplitShares {
    /// Reads `70/15/15` or `0.8/0.1/0.1` (any scale: shares are taken relative to their sum).
    pub fn parse(text: &str) -> Result<Self, String> {
        let parts: Vec<&str> = text.split('/').map(str::trim).collect();
        let [train, validation, test] = parts[..] else {
            return Err(format!(
                "`{text}`: give three shares, train/validation/test, like 70/15/15"
            ));
        };
        let num = |name: &str, v: &str| {
            v.parse::<f64>()
                .map_err(|_| format!("`{text}`: the {name} share `{v}` is not a number"))
        };
        let shares = Self {
            train: num("train", train)?,
            validation: num("validation", validation)?,
            test: num("test", test)?,
        };
        shares.check()?;
        Ok(shares)
    }

    /// Refuses negative or non-finite shares and a zero training share.
    pub fn check(&self) -> Result<(), String> {
        for (name, v) in [
            ("train", self.train),
            ("validation", self.validation),
            ("test", self.test),
        ] {
            if !v.is_finite() || v < 0.0 {
                return Err(format!("the {name} share must be a number ≥ 0, not {v}"));
            }
        }
        if self.train <= 0.0 {
            return Err("the train share must be above 0".to_string());
        }
        Ok(())
    }

    /// The share of `split`, as a fraction of all three.
    pub fn fraction(&self, split: Split) -> f64 {
        let total = self.train + self.validation + self.test;
        let v = match split {
            Split::Train => self.train,
            Split::Validation => self.validation,
            Split::Test => self.test,
        };
        if total > 0.0 { v / total } else { 0.0 }
    }
}

/// Assigns whole instructors to splits for about `shares` of lessons (70/15/15 by default), seeded. Lessons whose style
/// is in `test_styles` go to test. Instructors are dealt style by style so every split sees
/// several styles; no instructor is in both train and validation.
pub fn assign_splits(
    lessons: &[&LessonCuration],
    seed: u64,
    shares: SplitShares,
    test_styles: &[String],
) -> BTreeMap<String, Split> {
    let mut by_instructor: BTreeMap<String, Vec<&LessonCuration>> = BTreeMap::new();
    for l in lessons {
        by_instructor
            .entry(
                l.instructor_id
                    .clone()
                    .unwrap_or_else(|| format!("unknown:{}", l.id)),
            )
            .or_default()
            .push(l);
    }
    let style_of = |ls: &[&LessonCuration]| -> String {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for l in ls {
            *counts
                .entry(l.style.clone().unwrap_or_default().to_lowercase())
                .or_default() += 1;
        }
        counts
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
            .map(|(s, _)| s)
            .unwrap_or_default()
    };
    let mut instructors: Vec<(String, String, usize)> = by_instructor
        .iter()
        .map(|(id, ls)| (id.clone(), style_of(ls), ls.len()))
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    instructors.shuffle(&mut rng);
    // Interleave styles: one instructor of each style in turn.
    let mut by_style: BTreeMap<String, Vec<(String, usize)>> = BTreeMap::new();
    for (id, style, n) in instructors {
        by_style.entry(style).or_default().push((id, n));
    }
    let mut order = Vec::new();
    loop {
        let mut any = false;
        for v in by_style.values_mut() {
            if !v.is_empty() {
                order.push(v.remove(0));
                any = true;
            }
        }
        if !any {
            break;
        }
    }
    let total: usize = order.iter().map(|(_, n)| n).sum();
    let target = |s: Split| shares.fraction(s) * total as f64;
    let mut filled: HashMap<Split, usize> = HashMap::new();
    let mut instructor_split: HashMap<String, Split> = HashMap::new();
    for (id, n) in order {
        // The split furthest below its target (as a share of it) takes the instructor.
        // A split with no share gets no instructor.
        let split = Split::ALL
            .into_iter()
            .filter(|s| shares.fraction(*s) > 0.0)
            .min_by(|a, b| {
                let fa = *filled.get(a).unwrap_or(&0) as f64 / target(*a).max(1.0);
                let fb = *filled.get(b).unwrap_or(&0) as f64 / target(*b).max(1.0);
                fa.total_cmp(&fb)
            })
            .unwrap_or(Split::Train);
        *filled.entry(split).or_default() += n;
        instructor_split.insert(id, split);
    }
    let test_styles: Vec<String> = test_styles
        .iter()
        .map(|s| s.trim().to_lowercase())
        .collect();
    let mut out = BTreeMap::new();
    for l in lessons {
        let key = l
            .instructor_id
            .clone()
            .unwrap_or_else(|| format!("unknown:{}", l.id));
        let style = l.style.clone().unwrap_or_default().to_lowercase();
        let split = if test_styles.contains(&style) {
            Split::Test
        } else {
            instructor_split.get(&key).copied().unwrap_or(Split::Train)
        };
        out.insert(l.id.clone(), split);
    }
    out
}

#[cfg(test)]
mod exclusion_tests {
    use super::Exclusion;

    #[test]
    fn the_printed_name_is_the_manifest_name() {
        for e in [
            Exclusion::Flagged,
            Exclusion::LowConfidence,
            Exclusion::SpeechActivity,
            Exclusion::Fillers,
            Exclusion::TermDensity,
            Exclusion::LowSnr,
            Exclusion::LowQuality,
            Exclusion::ExactDuplicate,
            Exclusion::NearDuplicate,
        ] {
            let json = serde_json::to_string(&e).unwrap();
            assert_eq!(json, format!("\"{e}\""));
        }
        assert_eq!(Exclusion::LowConfidence.to_string(), "low_confidence");
    }
}

#[cfg(test)]
mod share_tests {
    use super::{Split, SplitShares};

    #[test]
    fn shares_read_as_percentages_or_fractions() {
        let a = SplitShares::parse("80/10/10").unwrap();
        let b = SplitShares::parse(" 0.8 / 0.1 / 0.1 ").unwrap();
        for s in Split::ALL {
            assert!((a.fraction(s) - b.fraction(s)).abs() < 1e-12, "{s:?}");
        }
        assert!((a.fraction(Split::Train) - 0.8).abs() < 1e-12);
        assert_eq!(
            SplitShares::parse("90/10/0").unwrap().fraction(Split::Test),
            0.0
        );
    }

    #[test]
    fn bad_shares_say_what_is_wrong() {
        for (text, says) in [
            ("70/30", "three shares"),
            ("70/x/15", "validation share `x`"),
            ("70/-5/15", "validation share must be"),
            ("0/50/50", "train share must be above 0"),
            ("NaN/1/1", "train share must be"),
        ] {
            let e = SplitShares::parse(text).unwrap_err();
            assert!(e.contains(says), "{text}: {e}");
        }
    }
}

#[cfg(test)]
mod minhash_tests {
    use super::*;

    #[test]
    fn the_vector_fold_gives_the_scalar_minima() {
        use rand::Rng;
        let hasher = MinHasher::new();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let shingles: Vec<u64> = (0..500).map(|_| rng.random::<u64>()).collect();
        // The plain loop of the definition: each permutation's minimum, one shingle at a time.
        let mut expected = vec![u32::MAX; PERMUTATIONS];
        for &h in &shingles {
            for (i, e) in expected.iter_mut().enumerate() {
                let v = (hasher.a[i].wrapping_mul(h).wrapping_add(hasher.b[i]) >> 32) as u32;
                if v < *e {
                    *e = v;
                }
            }
        }
        let mut folded = vec![u32::MAX; PERMUTATIONS];
        fold(&mut folded, &shingles, &hasher.a, &hasher.b);
        assert_eq!(folded, expected);
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            let mut wide = vec![u32::MAX; PERMUTATIONS];
            // SAFETY: AVX2 was just detected.
            unsafe { fold_avx2(&mut wide, &shingles, &hasher.a, &hasher.b) };
            assert_eq!(wide, expected);
        }
        // And a whole signature is those minima over its five-word shingles.
        let tokens: Vec<String> = "a b c d e f g".split(' ').map(String::from).collect();
        assert_eq!(hasher.signature(&tokens).len(), PERMUTATIONS);
    }
}
