//! Near-duplicate lessons in the search index: the same video transcribed twice (a WhisperX run
//! and a plain Whisper run, in other words and with drifting times) is quoted from one copy only.
//! Exact copies are caught at ingest by their text; these are caught here by MinHash signatures
//! of the normalised text (the export's own near-duplicate test), kept in a file beside the
//! index so an update signs only the lessons it reads anyway.

use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};
use std::path::Path;

use fretwise_catalog::LessonCuration;
use fretwise_dataset::curate::{DedupNormalizer, MinHasher, PERMUTATIONS, near_duplicate_clusters};
use fretwise_lexicon::Lexicon;
use fretwise_transcript::Utterance;

use crate::index::IndexError;

/// The file beside the index that holds the signatures.
pub(crate) const FILE: &str = "near-duplicates.bin";
const MAGIC: &[u8] = b"fretwise near-duplicate signatures, version 1\n";
/// Estimated Jaccard similarity of 5-word shingles at which two lessons are one (the export's
/// default near-duplicate threshold).
pub(crate) const THRESHOLD: f64 = 0.8;

/// Each signed lesson's content hash and signature.
#[derive(Debug, Default)]
pub(crate) struct Signatures {
    map: HashMap<String, (String, Vec<u32>)>,
}

impl Signatures {
    /// The stored signatures; none when the file is missing or not one fretwise wrote (they are
    /// then computed again, never trusted half-read).
    pub(crate) fn load(dir: &Path) -> Signatures {
        let mut bytes = Vec::new();
        let read = std::fs::File::open(dir.join(FILE)).and_then(|mut f| f.read_to_end(&mut bytes));
        if read.is_err() {
            return Signatures::default();
        }
        parse(&bytes).unwrap_or_default()
    }

    /// Writes the signatures atomically (a temporary file, then a rename).
    pub(crate) fn save(&self, dir: &Path) -> Result<(), IndexError> {
        let path = dir.join(FILE);
        let tmp = dir.join(format!("{FILE}.tmp"));
        // Streamed to the file: at 100K lessons the bytes would be another 60 MB in memory.
        let write = |p: &Path| -> std::io::Result<()> {
            let mut out = std::io::BufWriter::new(std::fs::File::create(p)?);
            out.write_all(MAGIC)?;
            out.write_all(&(self.map.len() as u64).to_le_bytes())?;
            let mut ids: Vec<&String> = self.map.keys().collect();
            ids.sort();
            for id in ids {
                let (hash, sig) = &self.map[id];
                for s in [id, hash] {
                    out.write_all(&(s.len() as u32).to_le_bytes())?;
                    out.write_all(s.as_bytes())?;
                }
                for v in sig {
                    out.write_all(&v.to_le_bytes())?;
                }
            }
            out.into_inner().map_err(|e| e.into_error())?.sync_all()
        };
        write(&tmp).map_err(|source| IndexError::Io {
            path: tmp.clone(),
            source,
        })?;
        std::fs::rename(&tmp, &path).map_err(|source| IndexError::Io { path, source })
    }

    /// Keeps only the signatures of `lessons` at their current content.
    pub(crate) fn retain(&mut self, lessons: &HashMap<&str, &LessonCuration>) {
        self.map.retain(|id, (hash, _)| {
            lessons
                .get(id.as_str())
                .is_some_and(|i| &i.content_hash == hash)
        });
    }

    /// True when lesson `id` is signed at content `hash`.
    pub(crate) fn has(&self, id: &str, hash: &str) -> bool {
        self.map.get(id).is_some_and(|(h, _)| h == hash)
    }

    /// Records lesson `id`'s signature at content `hash`.
    pub(crate) fn insert(&mut self, id: &str, hash: &str, sig: Vec<u32>) {
        self.map.insert(id.to_string(), (hash.to_string(), sig));
    }

    /// The lessons to leave out of the index: in every group of near duplicates among
    /// `lessons` (all signed), each copy but the best. The best is the platform's WhisperX
    /// output (word timings and scores) over other formats, then the higher quality score, then
    /// the smaller id, so the choice does not depend on the order lessons came in.
    pub(crate) fn losers(&self, lessons: &HashMap<&str, &LessonCuration>) -> BTreeSet<String> {
        let mut ids: Vec<&str> = lessons
            .keys()
            .copied()
            .filter(|id| self.map.contains_key(*id))
            .collect();
        ids.sort_unstable();
        let sigs: Vec<&[u32]> = ids.iter().map(|id| self.map[*id].1.as_slice()).collect();
        let clusters = near_duplicate_clusters(&sigs, THRESHOLD);
        let mut groups: HashMap<usize, Vec<&str>> = HashMap::new();
        for (id, c) in ids.iter().zip(&clusters) {
            groups.entry(*c).or_default().push(id);
        }
        let mut out = BTreeSet::new();
        for members in groups.values().filter(|m| m.len() > 1) {
            let rank = |id: &&str| {
                let l = lessons[*id];
                (
                    l.format != "whisperx",
                    std::cmp::Reverse(ordered(l.quality_score)),
                    l.id.clone(),
                )
            };
            let best = members.iter().min_by_key(|id| rank(id)).copied();
            out.extend(
                members
                    .iter()
                    .filter(|m| Some(**m) != best)
                    .map(|m| m.to_string()),
            );
        }
        out
    }
}

/// A quality score as an orderable integer (scores are 0–1; NaN sorts lowest).
fn ordered(score: f64) -> i64 {
    if score.is_finite() {
        (score * 1e6).round() as i64
    } else {
        i64::MIN
    }
}

fn parse(bytes: &[u8]) -> Option<Signatures> {
    let mut rest = bytes.strip_prefix(MAGIC)?;
    let mut take = |n: usize| -> Option<&[u8]> {
        if rest.len() < n {
            return None;
        }
        let (head, tail) = rest.split_at(n);
        rest = tail;
        Some(head)
    };
    let count = u64::from_le_bytes(take(8)?.try_into().ok()?);
    let mut map = HashMap::new();
    for _ in 0..count {
        let mut text = || -> Option<String> {
            let n = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
            String::from_utf8(take(n)?.to_vec()).ok()
        };
        let (id, hash) = (text()?, text()?);
        let sig: Vec<u32> = take(PERMUTATIONS * 4)?
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        map.insert(id, (hash, sig));
    }
    Some(Signatures { map })
}

/// Signs lessons by their whole text.
pub(crate) struct Signer {
    normalizer: DedupNormalizer,
    hasher: MinHasher,
}

impl Signer {
    /// A signer with the built-in lexicon's joined spellings ("finger style" = "fingerstyle").
    pub(crate) fn new() -> Self {
        Self {
            normalizer: DedupNormalizer::new(&Lexicon::builtin()),
            hasher: MinHasher::new(),
        }
    }

    /// The MinHash signature of a lesson's utterances.
    pub(crate) fn sign(&self, utterances: &[Utterance]) -> Vec<u32> {
        let text: Vec<&str> = utterances.iter().map(|u| u.text.as_str()).collect();
        self.hasher
            .signature(&self.normalizer.tokens(&text.join(" ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_survive_a_save_and_a_damaged_file_reads_as_none() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut s = Signatures::default();
        s.insert("a", "h1", (0..PERMUTATIONS as u32).collect());
        s.insert("b", "h2", vec![7; PERMUTATIONS]);
        s.save(dir.path()).expect("save");
        let back = Signatures::load(dir.path());
        assert!(back.has("a", "h1") && back.has("b", "h2"));
        assert!(!back.has("a", "h2"), "another content is not signed");
        assert_eq!(
            back.map["a"].1,
            (0..PERMUTATIONS as u32).collect::<Vec<_>>()
        );
        let bytes = std::fs::read(dir.path().join(FILE)).expect("read");
        std::fs::write(dir.path().join(FILE), &bytes[..bytes.len() - 3]).expect("write");
        assert!(Signatures::load(dir.path()).map.is_empty());
    }
}
