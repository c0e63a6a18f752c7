//! The sentence-embedding model: all-MiniLM-L6-v2 (BERT, 6 layers, 384 dimensions) read from a
//! folder and run on the CPU with candle.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy};

use super::DenseError;

/// Dimensions of an all-MiniLM-L6-v2 embedding.
pub const EMBEDDING_DIM: usize = 384;
/// Longest input in tokens; longer text is cut (the model's `max_seq_length`).
pub const MAX_TOKENS: usize = 256;
/// Sentences run through the model together.
const BATCH: usize = 32;

/// A loaded sentence-embedding model.
pub struct Embedder {
    model: BertModel,
    tokenizer: Tokenizer,
    device: Device,
    model_id: String,
    dim: usize,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("model_id", &self.model_id)
            .field("dim", &self.dim)
            .finish()
    }
}

fn bad(path: &Path, detail: impl std::fmt::Display) -> DenseError {
    DenseError::BadFile {
        path: path.to_path_buf(),
        detail: detail.to_string(),
    }
}

impl Embedder {
    /// Loads `model.safetensors`, `tokenizer.json` and `config.json` from `dir`.
    pub fn load(dir: &Path) -> Result<Embedder, DenseError> {
        if !dir.is_dir() {
            return Err(bad(dir, "not a folder"));
        }
        let file = |name: &'static str| -> Result<PathBuf, DenseError> {
            let p = dir.join(name);
            if p.is_file() {
                Ok(p)
            } else {
                Err(DenseError::Missing {
                    dir: dir.to_path_buf(),
                    file: name,
                })
            }
        };
        let config_path = file("config.json")?;
        let tokenizer_path = file("tokenizer.json")?;
        let weights_path = file("model.safetensors")?;

        let text = std::fs::read_to_string(&config_path).map_err(|e| bad(&config_path, e))?;
        let config: Config = serde_json::from_str(&text)
            .map_err(|e| bad(&config_path, format!("not a BERT config: {e}")))?;
        if config.hidden_size == 0 {
            return Err(bad(&config_path, "hidden_size is 0"));
        }

        let mut tokenizer = Tokenizer::from_file(&tokenizer_path)
            .map_err(|e| bad(&tokenizer_path, format!("not a tokenizer: {e}")))?;
        // The file pads every input to 128 tokens; batches are padded here, to their longest.
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
                direction: TruncationDirection::Right,
            }))
            .map_err(|e| bad(&tokenizer_path, e))?;

        let bytes = std::fs::read(&weights_path).map_err(|e| bad(&weights_path, e))?;
        // The model's identity: stored embeddings made by other weights are rebuilt.
        let model_id = blake3::hash(&bytes).to_hex().to_string();
        let device = Device::Cpu;
        let vb = VarBuilder::from_buffered_safetensors(bytes, DType::F32, &device)
            .map_err(|e| bad(&weights_path, format!("not a safetensors file: {e}")))?;
        let model = BertModel::load(vb, &config).map_err(|e| {
            bad(
                &weights_path,
                format!("not BERT weights for config.json: {e}"),
            )
        })?;
        Ok(Embedder {
            model,
            tokenizer,
            device,
            model_id,
            dim: config.hidden_size,
        })
    }

    /// The BLAKE3 hash of the weights file (hex).
    pub fn model_id(&self) -> &str {
        &self.model_id
    }

    /// Dimensions of an embedding.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Embeds one text.
    pub fn embed_one(&self, text: &str) -> Result<Vec<f32>, DenseError> {
        let mut v = self.embed(&[text])?;
        v.pop()
            .ok_or_else(|| DenseError::Model("no embedding came back".to_string()))
    }

    /// Embeds texts: mean of the token vectors (padding left out), L2-normalised; batched by
    /// similar length.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, DenseError> {
        let model_err = |e: candle_core::Error| DenseError::Model(e.to_string());
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| DenseError::Model(format!("tokenizer: {e}")))?;
        // Similar lengths together: less padding to compute.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(encodings[i].get_ids().len()));
        let mut out: Vec<Vec<f32>> = vec![Vec::new(); texts.len()];
        for group in order.chunks(BATCH) {
            let len = group
                .iter()
                .map(|&i| encodings[i].get_ids().len())
                .max()
                .unwrap_or(0)
                .max(1);
            let mut ids = vec![0u32; group.len() * len];
            let mut mask = vec![0u32; group.len() * len];
            for (row, &i) in group.iter().enumerate() {
                for (col, &id) in encodings[i].get_ids().iter().enumerate() {
                    ids[row * len + col] = id;
                    mask[row * len + col] = 1;
                }
            }
            let shape = (group.len(), len);
            let ids = Tensor::from_vec(ids, shape, &self.device).map_err(model_err)?;
            let mask = Tensor::from_vec(mask, shape, &self.device).map_err(model_err)?;
            let types = ids.zeros_like().map_err(model_err)?;
            let hidden = self
                .model
                .forward(&ids, &types, Some(&mask))
                .map_err(model_err)?;
            let pooled = mean_pool_normalised(&hidden, &mask).map_err(model_err)?;
            let rows: Vec<Vec<f32>> = pooled.to_vec2().map_err(model_err)?;
            for (row, &i) in group.iter().enumerate() {
                out[i] = rows[row].clone();
            }
        }
        Ok(out)
    }
}

/// Mean over the tokens the mask keeps, then unit length (as sentence-transformers' Pooling
/// and Normalize modules do for this model).
fn mean_pool_normalised(hidden: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
    let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
    let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
    let counts = mask.sum(1)?.clamp(1e-9f32, f32::MAX)?;
    let mean = summed.broadcast_div(&counts)?;
    let norm = mean
        .sqr()?
        .sum_keepdim(1)?
        .sqrt()?
        .clamp(1e-12f32, f32::MAX)?;
    mean.broadcast_div(&norm)
}
