//! Per-key rate limits: a token bucket per key holding a minute's worth of requests, refilled
//! continuously. In memory by default; in Redis (one atomic script per request) when the service
//! is given `--redis`, so that every replica draws from the same bucket.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use redis::aio::ConnectionManager;

/// The bucket script: refills by elapsed time (Redis's own clock, so replicas' clocks do not
/// matter), takes one token or says how many milliseconds until one is there.
const BUCKET_LUA: &str = r#"
local rate = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1])
local at = tonumber(b[2])
if tokens == nil or at == nil then
  tokens = rate
  at = now
end
local per_ms = rate / 60000
tokens = math.min(rate, tokens + math.max(0, now - at) * per_ms)
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) / per_ms)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], 120000)
return {allowed, wait}
"#;

/// Where the buckets live.
pub enum RateLimiter {
    /// This process only.
    Memory(MemoryBuckets),
    /// Shared by every replica.
    Redis {
        /// The connection (reconnects by itself).
        conn: ConnectionManager,
        /// The bucket script.
        script: redis::Script,
        /// Used while Redis cannot be reached, so limits still hold per replica.
        fallback: MemoryBuckets,
    },
}

/// Buckets in this process.
#[derive(Default)]
pub struct MemoryBuckets {
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl MemoryBuckets {
    fn check(&self, key: &str, per_minute: u64) -> Result<(), u64> {
        let rate = per_minute as f64;
        let per_s = rate / 60.0;
        let Ok(mut map) = self.buckets.lock() else {
            return Ok(());
        };
        let now = Instant::now();
        let (tokens, at) = map.entry(key.to_string()).or_insert((rate, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * per_s).min(rate);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / per_s).ceil().max(1.0) as u64)
        }
    }
}

impl RateLimiter {
    /// In-memory buckets.
    pub fn memory() -> RateLimiter {
        RateLimiter::Memory(MemoryBuckets::default())
    }

    /// Buckets in Redis at `url`.
    pub async fn redis(url: &str) -> Result<RateLimiter, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let conn = ConnectionManager::new(client).await?;
        Ok(RateLimiter::Redis {
            conn,
            script: redis::Script::new(BUCKET_LUA),
            fallback: MemoryBuckets::default(),
        })
    }

    /// Takes one request from `key`'s bucket, or returns the seconds until one is allowed.
    pub async fn check(&self, key: &str, per_minute: u64) -> Result<(), u64> {
        match self {
            RateLimiter::Memory(m) => m.check(key, per_minute),
            RateLimiter::Redis {
                conn,
                script,
                fallback,
            } => {
                let mut conn = conn.clone();
                let r: Result<(i64, i64), _> = script
                    .key(format!("fretwise:rate:{key}"))
                    .arg(per_minute)
                    .invoke_async(&mut conn)
                    .await;
                match r {
                    Ok((1, _)) => Ok(()),
                    Ok((_, wait_ms)) => Err(((wait_ms.max(1) as u64).div_ceil(1000)).max(1)),
                    Err(e) => {
                        tracing::warn!(error = %e, "Redis rate limit unavailable; limiting in this replica");
                        fallback.check(key, per_minute)
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_rate_then_refuses_with_a_wait() {
        let b = MemoryBuckets::default();
        for _ in 0..3 {
            assert_eq!(b.check("k", 3), Ok(()));
        }
        let wait = b.check("k", 3).unwrap_err();
        // One token a 20 s at 3 a minute.
        assert!((1..=20).contains(&wait), "{wait}");
        // Another key has its own bucket.
        assert_eq!(b.check("other", 3), Ok(()));
    }
}
