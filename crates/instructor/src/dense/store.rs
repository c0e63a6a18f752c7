//! The stored passage embeddings: one flat little-endian f32 file (rows × dimensions) and a
//! JSON map of which lesson owns which rows, beside the tantivy index; searched by brute force.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::DenseError;

/// Bump when the stored layout changes: an older store is rebuilt.
const STORE_VERSION: u32 = 1;
/// The map of rows; the vectors file it names is the commit point's other half.
const META: &str = "dense.json";

/// The rows of one lesson: its passages in order (row i is the lesson's passage i).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DenseLesson {
    /// Lesson id.
    pub id: String,
    /// Content hash of the version embedded.
    pub content_hash: String,
    /// Its passages (rows).
    pub rows: usize,
    /// Level rank 1–3 (0: unknown, passes every level filter).
    pub level_rank: u8,
    /// Style, lowercase.
    pub style: String,
    /// Instructor id.
    pub instructor_id: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Meta {
    version: u32,
    /// BLAKE3 of the weights that made the vectors.
    model: String,
    dim: usize,
    /// Bumped on every save; names the vectors file.
    generation: u64,
    rows: usize,
    lessons: Vec<DenseLesson>,
}

/// Which lessons a dense search may return (the same filters BM25 applies).
#[derive(Debug, Clone, Copy, Default)]
pub struct DenseFilter<'a> {
    /// Only lessons at or below this level; unknown levels always pass.
    pub max_level: Option<u8>,
    /// Only this style (lowercase).
    pub style: Option<&'a str>,
    /// Only this instructor id.
    pub instructor_id: Option<&'a str>,
}

impl DenseFilter<'_> {
    fn keeps(&self, l: &DenseLesson) -> bool {
        self.max_level
            .is_none_or(|m| l.level_rank == 0 || l.level_rank <= m)
            && self.style.is_none_or(|s| l.style == s)
            && self.instructor_id.is_none_or(|i| l.instructor_id == i)
    }
}

/// Passage embeddings of the indexed lessons, in memory.
#[derive(Debug)]
pub struct Store {
    model: String,
    dim: usize,
    generation: u64,
    lessons: Vec<DenseLesson>,
    vectors: Vec<f32>,
}

fn store_err(path: &Path, detail: impl std::fmt::Display) -> DenseError {
    DenseError::Store {
        path: path.to_path_buf(),
        detail: detail.to_string(),
    }
}

fn vectors_file(dir: &Path, generation: u64) -> PathBuf {
    dir.join(format!("dense-{generation}.f32"))
}

impl Store {
    /// An empty store for a model.
    pub fn empty(model: &str, dim: usize) -> Store {
        Store {
            model: model.to_string(),
            dim,
            generation: 0,
            lessons: Vec::new(),
            vectors: Vec::new(),
        }
    }

    /// Reads the store in `dir`; one made by another model, of another layout, or damaged
    /// comes back empty (to be rebuilt).
    pub fn load(dir: &Path, model: &str, dim: usize) -> Store {
        match Store::read(dir, model, dim) {
            Ok(Some(s)) => s,
            Ok(None) => Store::empty(model, dim),
            Err(e) => {
                tracing::warn!("{e}; the passage embeddings will be rebuilt");
                Store::empty(model, dim)
            }
        }
    }

    fn read(dir: &Path, model: &str, dim: usize) -> Result<Option<Store>, DenseError> {
        let meta_path = dir.join(META);
        let Ok(text) = std::fs::read_to_string(&meta_path) else {
            return Ok(None);
        };
        let meta: Meta = serde_json::from_str(&text).map_err(|e| store_err(&meta_path, e))?;
        if meta.version != STORE_VERSION || meta.model != model || meta.dim != dim {
            // Another model's vectors (or layout) mean nothing to this one.
            return Ok(None);
        }
        let rows: usize = meta.lessons.iter().map(|l| l.rows).sum();
        if rows != meta.rows {
            return Err(store_err(&meta_path, "row counts disagree"));
        }
        let path = vectors_file(dir, meta.generation);
        let bytes = std::fs::read(&path).map_err(|e| store_err(&path, e))?;
        if bytes.len() != rows * dim * 4 {
            return Err(store_err(
                &path,
                format!("{} bytes, expected {}", bytes.len(), rows * dim * 4),
            ));
        }
        let vectors = bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        Ok(Some(Store {
            model: meta.model,
            dim,
            generation: meta.generation,
            lessons: meta.lessons,
            vectors,
        }))
    }

    /// Writes the store atomically: a new vectors file, then the map that names it (the
    /// commit), then older vectors files are removed. A reader sees the old store or the new.
    pub fn save(&mut self, dir: &Path) -> Result<(), DenseError> {
        let generation = self.generation + 1;
        let path = vectors_file(dir, generation);
        let mut bytes = Vec::with_capacity(self.vectors.len() * 4);
        for x in &self.vectors {
            bytes.extend_from_slice(&x.to_le_bytes());
        }
        std::fs::write(&path, &bytes).map_err(|e| store_err(&path, e))?;
        let meta = Meta {
            version: STORE_VERSION,
            model: self.model.clone(),
            dim: self.dim,
            generation,
            rows: self.rows(),
            lessons: self.lessons.clone(),
        };
        let meta_path = dir.join(META);
        let tmp = dir.join(format!("{META}.tmp"));
        let body = serde_json::to_vec(&meta).map_err(|e| store_err(&meta_path, e))?;
        std::fs::write(&tmp, body).map_err(|e| store_err(&tmp, e))?;
        std::fs::rename(&tmp, &meta_path).map_err(|e| store_err(&meta_path, e))?;
        self.generation = generation;
        // Committed: vectors files of other generations are garbage now.
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                if name.starts_with("dense-")
                    && name.ends_with(".f32")
                    && e.path() != path
                    && let Err(err) = std::fs::remove_file(e.path())
                {
                    tracing::warn!("removing {}: {err}", e.path().display());
                }
            }
        }
        Ok(())
    }

    /// The model (weights hash) the vectors come from.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// The lessons held, in row order.
    pub fn lessons(&self) -> &[DenseLesson] {
        &self.lessons
    }

    /// Rows (passages) held.
    pub fn rows(&self) -> usize {
        self.vectors.len() / self.dim.max(1)
    }

    /// Keeps only the lessons `keep` accepts; returns how many were dropped.
    pub fn retain(&mut self, mut keep: impl FnMut(&DenseLesson) -> bool) -> usize {
        let dim = self.dim;
        let mut vectors = Vec::with_capacity(self.vectors.len());
        let mut lessons = Vec::with_capacity(self.lessons.len());
        let mut at = 0;
        for l in self.lessons.drain(..) {
            let end = at + l.rows * dim;
            if keep(&l) {
                vectors.extend_from_slice(&self.vectors[at..end]);
                lessons.push(l);
            }
            at = end;
        }
        let dropped = self.vectors.len() / dim.max(1) - vectors.len() / dim.max(1);
        self.vectors = vectors;
        self.lessons = lessons;
        dropped
    }

    /// Adds a lesson's passage vectors (one per passage, in order).
    pub fn push(&mut self, lesson: DenseLesson, vectors: &[Vec<f32>]) -> Result<(), DenseError> {
        if vectors.len() != lesson.rows || vectors.iter().any(|v| v.len() != self.dim) {
            return Err(DenseError::Model(format!(
                "lesson {}: {} vectors for {} passages",
                lesson.id,
                vectors.len(),
                lesson.rows
            )));
        }
        for v in vectors {
            self.vectors.extend_from_slice(v);
        }
        self.lessons.push(lesson);
        Ok(())
    }

    /// The `k` passages most similar to `query` (cosine: both are unit length) among the
    /// lessons the filter keeps: (lesson id, passage number in the lesson, similarity), best
    /// first. Brute force over every row.
    pub fn search(
        &self,
        query: &[f32],
        filter: &DenseFilter<'_>,
        k: usize,
    ) -> Vec<(&str, usize, f32)> {
        if query.len() != self.dim || k == 0 {
            return Vec::new();
        }
        let mut scored: Vec<(f32, u32, u32)> = Vec::new();
        let mut row = 0usize;
        for (li, l) in self.lessons.iter().enumerate() {
            if filter.keeps(l) {
                for p in 0..l.rows {
                    let v = &self.vectors[(row + p) * self.dim..(row + p + 1) * self.dim];
                    let dot: f32 = v.iter().zip(query).map(|(a, b)| a * b).sum();
                    scored.push((dot, li as u32, p as u32));
                }
            }
            row += l.rows;
        }
        let by_score = |a: &(f32, u32, u32), b: &(f32, u32, u32)| {
            b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2))
        };
        if scored.len() > k {
            scored.select_nth_unstable_by(k - 1, by_score);
            scored.truncate(k);
        }
        scored.sort_by(by_score);
        scored
            .into_iter()
            .map(|(s, li, p)| (self.lessons[li as usize].id.as_str(), p as usize, s))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lesson(id: &str, rows: usize, level: u8, style: &str) -> DenseLesson {
        DenseLesson {
            id: id.to_string(),
            content_hash: format!("h-{id}"),
            rows,
            level_rank: level,
            style: style.to_string(),
            instructor_id: format!("i-{id}"),
        }
    }

    #[test]
    fn store_round_trips_filters_and_drops_lessons() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::empty("m1", 2);
        s.push(
            lesson("a", 2, 1, "blues"),
            &[vec![1.0, 0.0], vec![0.0, 1.0]],
        )
        .unwrap();
        s.push(lesson("b", 1, 3, "jazz"), &[vec![0.8, 0.6]])
            .unwrap();
        assert!(s.push(lesson("c", 2, 1, ""), &[vec![1.0, 0.0]]).is_err());
        s.save(dir.path()).unwrap();
        s.save(dir.path()).unwrap();
        // One vectors file: the older generation was removed after the commit.
        let files: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".f32"))
            .collect();
        assert_eq!(files.len(), 1);

        let back = Store::load(dir.path(), "m1", 2);
        assert_eq!(back.rows(), 3);
        let hits = back.search(&[1.0, 0.0], &DenseFilter::default(), 2);
        assert_eq!(hits[0], ("a", 0, 1.0));
        assert_eq!((hits[1].0, hits[1].1), ("b", 0));
        let easy = back.search(
            &[1.0, 0.0],
            &DenseFilter {
                max_level: Some(2),
                ..DenseFilter::default()
            },
            5,
        );
        assert!(easy.iter().all(|h| h.0 == "a"), "{easy:?}");
        let jazz = back.search(
            &[1.0, 0.0],
            &DenseFilter {
                style: Some("jazz"),
                ..DenseFilter::default()
            },
            5,
        );
        assert_eq!(jazz.len(), 1);

        // Another model's vectors are not used.
        assert_eq!(Store::load(dir.path(), "m2", 2).rows(), 0);

        let mut s = back;
        assert_eq!(s.retain(|l| l.id != "a"), 2);
        assert_eq!(s.rows(), 1);
        assert_eq!(s.search(&[0.0, 1.0], &DenseFilter::default(), 1)[0].0, "b");
    }

    #[test]
    fn a_damaged_vectors_file_reads_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::empty("m", 2);
        s.push(lesson("a", 1, 0, ""), &[vec![1.0, 0.0]]).unwrap();
        s.save(dir.path()).unwrap();
        std::fs::write(dir.path().join("dense-1.f32"), [0u8; 5]).unwrap();
        assert_eq!(Store::load(dir.path(), "m", 2).rows(), 0);
    }
}
