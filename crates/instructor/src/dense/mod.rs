//! Dense retrieval: sentence embeddings of the passages (all-MiniLM-L6-v2 run with candle's
//! BERT, mean pooled and L2-normalised as sentence-transformers does), stored beside the
//! tantivy index, searched by brute-force cosine and fused with BM25 by reciprocal rank fusion.
//!
//! Opt-in: only an index given a model folder ([`crate::IndexOptions::embeddings`]) embeds
//! passages and fuses; without one retrieval is BM25 alone, exactly as before.

mod model;
mod store;

use std::path::PathBuf;

pub use model::{EMBEDDING_DIM, Embedder, MAX_TOKENS};
pub use store::{DenseFilter, DenseLesson, Store};

/// The constant of reciprocal rank fusion (the usual 60).
pub const RRF_K: f64 = 60.0;

/// Errors of the embedding model and its stored vectors.
#[derive(Debug, thiserror::Error)]
pub enum DenseError {
    /// A file the model needs is not there.
    #[error(
        "the embeddings model folder {dir} has no {file} (expected all-MiniLM-L6-v2: model.safetensors, tokenizer.json, config.json)"
    )]
    Missing {
        /// The folder given.
        dir: PathBuf,
        /// The missing file's name.
        file: &'static str,
    },
    /// A model file cannot be read or is not what it should be.
    #[error("embeddings model file {path}: {detail}")]
    BadFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The model failed while embedding.
    #[error("the embeddings model failed: {0}")]
    Model(String),
    /// The stored vectors cannot be read or written.
    #[error("stored embeddings at {path}: {detail}")]
    Store {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
}

/// Reciprocal rank fusion of ranked lists: each item scores Σ 1 / (k + rank), rank from 1;
/// the result is sorted by that score (ties keep the first list's order).
pub fn rrf<K: Clone + Eq + std::hash::Hash>(lists: &[Vec<K>], k: f64) -> Vec<(K, f64)> {
    let mut score: std::collections::HashMap<K, (f64, usize)> = std::collections::HashMap::new();
    let mut order = 0usize;
    for list in lists {
        for (rank, key) in list.iter().enumerate() {
            let e = score.entry(key.clone()).or_insert_with(|| {
                order += 1;
                (0.0, order)
            });
            e.0 += 1.0 / (k + rank as f64 + 1.0);
        }
    }
    let mut out: Vec<(K, f64, usize)> = score.into_iter().map(|(k, (s, o))| (k, s, o)).collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.2.cmp(&b.2)));
    out.into_iter().map(|(k, s, _)| (k, s)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rrf_rewards_agreement_and_keeps_single_list_items() {
        let bm25 = vec!["a", "b", "c"];
        let dense = vec!["c", "d", "a"];
        let fused = rrf(&[bm25, dense], RRF_K);
        let keys: Vec<&str> = fused.iter().map(|(k, _)| *k).collect();
        // a: 1/61 + 1/63; c: 1/63 + 1/61 — equal, a first (first seen); then b (1/62), d (1/62).
        assert_eq!(keys, ["a", "c", "b", "d"]);
        assert!((fused[0].1 - (1.0 / 61.0 + 1.0 / 63.0)).abs() < 1e-12);
        assert!((fused[2].1 - 1.0 / 62.0).abs() < 1e-12);
    }
}
