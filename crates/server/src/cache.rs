//! The /ask answer cache, keyed by the normalised question, its context and the catalog's
//! change marker (so an ingest invalidates it): in this process, and in Redis when the service
//! has `--redis`, so replicas share it.

use std::collections::HashMap;
use std::sync::Mutex;

use redis::AsyncCommands;
use redis::aio::ConnectionManager;

/// Answers kept in memory before the oldest half is dropped.
const MEMORY_ENTRIES: usize = 20_000;
/// How long Redis keeps an answer.
const REDIS_TTL_S: u64 = 3600;

/// Lock stripes that let one request compose an answer while others asking the same wait.
const COMPOSE_STRIPES: usize = 64;

/// Cached answers (JSON).
pub struct AnswerCache {
    memory: Mutex<HashMap<String, (u64, std::sync::Arc<str>)>>,
    redis: Option<ConnectionManager>,
    tick: std::sync::atomic::AtomicU64,
    composing: Vec<tokio::sync::Mutex<()>>,
}

fn stripes() -> Vec<tokio::sync::Mutex<()>> {
    (0..COMPOSE_STRIPES)
        .map(|_| tokio::sync::Mutex::new(()))
        .collect()
}

/// The cache key of a question in its context at a catalog version.
pub fn key(question: &str, context: &str, marker: &str) -> String {
    let normalised: String = question
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let normalised = normalised.trim_end_matches(['?', '!', '.']).trim();
    let h = blake3::hash(format!("{normalised}\u{1}{context}\u{1}{marker}").as_bytes());
    format!("fretwise:answer:{}", &h.to_hex()[..32])
}

impl AnswerCache {
    /// In memory only.
    pub fn memory() -> AnswerCache {
        AnswerCache {
            memory: Mutex::new(HashMap::new()),
            redis: None,
            tick: Default::default(),
            composing: stripes(),
        }
    }

    /// In memory and in Redis at `url`.
    pub async fn redis(url: &str) -> Result<AnswerCache, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let conn = ConnectionManager::new(client).await?;
        Ok(AnswerCache {
            memory: Mutex::new(HashMap::new()),
            redis: Some(conn),
            tick: Default::default(),
            composing: stripes(),
        })
    }

    /// Held while the answer of `key` is composed, so that concurrent askers of one uncached
    /// question (a popular one after an ingest, or a burst of clients) compose it once.
    pub async fn composing(&self, key: &str) -> tokio::sync::MutexGuard<'_, ()> {
        let stripe = key.bytes().fold(0usize, |h, b| {
            h.wrapping_mul(31).wrapping_add(usize::from(b))
        }) % COMPOSE_STRIPES;
        self.composing[stripe].lock().await
    }

    /// A cached answer.
    pub async fn get(&self, key: &str) -> Option<std::sync::Arc<str>> {
        if let Ok(m) = self.memory.lock()
            && let Some((_, v)) = m.get(key)
        {
            return Some(v.clone());
        }
        let mut conn = self.redis.clone()?;
        match conn.get::<_, Option<String>>(key).await {
            Ok(Some(v)) => {
                let v: std::sync::Arc<str> = v.into();
                self.put_memory(key, v.clone());
                Some(v)
            }
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(error = %e, "Redis answer cache unavailable");
                None
            }
        }
    }

    /// Stores an answer.
    pub async fn put(&self, key: &str, value: std::sync::Arc<str>) {
        self.put_memory(key, value.clone());
        if let Some(mut conn) = self.redis.clone()
            && let Err(e) = conn
                .set_ex::<_, _, ()>(key, value.as_ref(), REDIS_TTL_S)
                .await
        {
            tracing::warn!(error = %e, "Redis answer cache unavailable");
        }
    }

    fn put_memory(&self, key: &str, value: std::sync::Arc<str>) {
        let t = self.tick.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Ok(mut m) = self.memory.lock() {
            if m.len() >= MEMORY_ENTRIES {
                // Drop the older half: cheap, and keeps what is asked now.
                let cut = t.saturating_sub(MEMORY_ENTRIES as u64 / 2);
                m.retain(|_, (at, _)| *at >= cut);
            }
            m.insert(key.to_string(), (t, value));
        }
    }

    /// Forgets the answers held in this process (the catalog changed; Redis entries carry the
    /// catalog marker in their key, so they stop matching by themselves).
    pub fn clear_memory(&self) {
        if let Ok(mut m) = self.memory.lock() {
            m.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ignore_case_spacing_and_final_punctuation_but_not_context_or_catalog() {
        let a = key("How do I bend?", "beginner", "1");
        assert_eq!(a, key("  how do   i BEND ", "beginner", "1"));
        assert_ne!(a, key("How do I bend?", "advanced", "1"));
        assert_ne!(a, key("How do I bend?", "beginner", "2"));
    }
}
