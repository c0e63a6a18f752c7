//! What the HTTP service keeps in the catalog so that every replica sees it: API keys (hashed),
//! browser sessions, students' feedback and background jobs.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::CatalogError;
use crate::store::{Catalog, dialect, now};

/// A stored API key (never the key itself: only its hash).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiKeyRecord {
    /// Public id ("key_…").
    pub id: String,
    /// Who or what it is for.
    pub name: String,
    /// "student" or "staff".
    pub scope: String,
    /// Requests per minute (0 = unlimited).
    pub rate_limit: i64,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

/// A student's rating of an answer or of a played take's feedback.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedbackRecord {
    /// Id ("fb_…").
    pub id: String,
    /// The key that sent it.
    pub key_id: Option<String>,
    /// The student, when given.
    pub student_id: Option<String>,
    /// The question rated.
    pub question: Option<String>,
    /// The take rated.
    pub take_id: Option<String>,
    /// 1–5.
    pub rating: i64,
    /// Free text.
    pub comment: Option<String>,
    /// When (RFC 3339).
    pub created_at: String,
}

/// A background job (dataset generation) any replica can run or report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobRecord {
    /// Id ("job_…").
    pub id: String,
    /// What it does ("generate-dataset").
    pub kind: String,
    /// Its parameters (JSON).
    pub params: String,
    /// queued, running, done, failed or cancelled.
    pub status: String,
    /// 0–1.
    pub progress: f64,
    /// What it is doing, or why it failed.
    pub message: String,
    /// Its result (JSON), when done.
    pub result: Option<String>,
    /// A cancel was asked for.
    pub cancel_requested: bool,
    /// The replica running it.
    pub worker: Option<String>,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
}

const KEY_COLS: &str = "id, name, scope, rate_limit, created_at, revoked_at";
const JOB_COLS: &str = "id, kind, params, status, progress, message, result, cancel_requested, worker, created_at, updated_at";

fn key_row(r: &AnyRow) -> Result<ApiKeyRecord, CatalogError> {
    Ok(ApiKeyRecord {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        scope: r.try_get("scope")?,
        rate_limit: r.try_get("rate_limit")?,
        created_at: r.try_get("created_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

fn job_row(r: &AnyRow) -> Result<JobRecord, CatalogError> {
    Ok(JobRecord {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        params: r.try_get("params")?,
        status: r.try_get("status")?,
        progress: r.try_get("progress")?,
        message: r.try_get("message")?,
        result: r.try_get("result")?,
        cancel_requested: r.try_get::<i64, _>("cancel_requested")? != 0,
        worker: r.try_get("worker")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

impl Catalog {
    /// Stores a new API key under the hash of its secret.
    pub async fn insert_api_key(
        &self,
        key: &ApiKeyRecord,
        key_hash: &str,
    ) -> Result<(), CatalogError> {
        sqlx::query(dialect(
            self.backend,
            "INSERT INTO api_keys (id, name, scope, key_hash, rate_limit, created_at, revoked_at)
             VALUES ($1, $2, $3, $4, $5, $6, NULL)",
        ))
        .bind(key.id.as_str())
        .bind(key.name.as_str())
        .bind(key.scope.as_str())
        .bind(key_hash)
        .bind(key.rate_limit)
        .bind(key.created_at.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The unrevoked key whose secret hashes to `key_hash`.
    pub async fn api_key_by_hash(
        &self,
        key_hash: &str,
    ) -> Result<Option<ApiKeyRecord>, CatalogError> {
        let sql =
            format!("SELECT {KEY_COLS} FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL");
        sqlx::query(dialect(self.backend, &sql))
            .bind(key_hash)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(key_row)
            .transpose()
    }

    /// Every key, oldest first, revoked ones included.
    pub async fn api_keys(&self) -> Result<Vec<ApiKeyRecord>, CatalogError> {
        let sql = format!("SELECT {KEY_COLS} FROM api_keys ORDER BY created_at, id");
        sqlx::query(dialect(self.backend, &sql))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(key_row)
            .collect()
    }

    /// Revokes a key (and its browser sessions); false when no unrevoked key has this id.
    pub async fn revoke_api_key(&self, id: &str) -> Result<bool, CatalogError> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(dialect(
            self.backend,
            "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        ))
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query(dialect(
            self.backend,
            "DELETE FROM web_sessions WHERE key_id = $1",
        ))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done > 0)
    }

    /// Stores a browser session for a key until `expires_unix` (seconds).
    pub async fn insert_web_session(
        &self,
        token_hash: &str,
        key_id: &str,
        expires_unix: i64,
    ) -> Result<(), CatalogError> {
        sqlx::query(dialect(
            self.backend,
            "INSERT INTO web_sessions (token_hash, key_id, created_at, expires_unix) VALUES ($1, $2, $3, $4)",
        ))
        .bind(token_hash)
        .bind(key_id)
        .bind(now())
        .bind(expires_unix)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The unrevoked key behind an unexpired browser session.
    pub async fn web_session_key(
        &self,
        token_hash: &str,
        now_unix: i64,
    ) -> Result<Option<ApiKeyRecord>, CatalogError> {
        let sql = "SELECT k.id AS id, k.name AS name, k.scope AS scope, k.rate_limit AS rate_limit,
                    k.created_at AS created_at, k.revoked_at AS revoked_at
             FROM web_sessions s JOIN api_keys k ON k.id = s.key_id
             WHERE s.token_hash = $1 AND s.expires_unix > $2 AND k.revoked_at IS NULL";
        sqlx::query(dialect(self.backend, sql))
            .bind(token_hash)
            .bind(now_unix)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(key_row)
            .transpose()
    }

    /// Stores a student's feedback.
    pub async fn insert_feedback(&self, f: &FeedbackRecord) -> Result<(), CatalogError> {
        sqlx::query(dialect(
            self.backend,
            "INSERT INTO feedback (id, key_id, student_id, question, take_id, rating, comment, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        ))
        .bind(f.id.as_str())
        .bind(f.key_id.as_deref())
        .bind(f.student_id.as_deref())
        .bind(f.question.as_deref())
        .bind(f.take_id.as_deref())
        .bind(f.rating)
        .bind(f.comment.as_deref())
        .bind(f.created_at.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// All feedback, oldest first.
    pub async fn feedback(&self) -> Result<Vec<FeedbackRecord>, CatalogError> {
        sqlx::query(
            "SELECT id, key_id, student_id, question, take_id, rating, comment, created_at
             FROM feedback ORDER BY created_at, id",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(FeedbackRecord {
                id: r.try_get("id")?,
                key_id: r.try_get("key_id")?,
                student_id: r.try_get("student_id")?,
                question: r.try_get("question")?,
                take_id: r.try_get("take_id")?,
                rating: r.try_get("rating")?,
                comment: r.try_get("comment")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
    }

    /// Queues a background job.
    pub async fn insert_job(&self, id: &str, kind: &str, params: &str) -> Result<(), CatalogError> {
        let at = now();
        sqlx::query(dialect(
            self.backend,
            "INSERT INTO jobs (id, kind, params, status, progress, message, result, cancel_requested, worker, created_at, updated_at)
             VALUES ($1, $2, $3, 'queued', 0, 'queued', NULL, 0, NULL, $4, $5)",
        ))
        .bind(id)
        .bind(kind)
        .bind(params)
        .bind(at.as_str())
        .bind(at.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A job by id.
    pub async fn job(&self, id: &str) -> Result<Option<JobRecord>, CatalogError> {
        let sql = format!("SELECT {JOB_COLS} FROM jobs WHERE id = $1");
        sqlx::query(dialect(self.backend, &sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(job_row)
            .transpose()
    }

    /// Takes the oldest queued job for `worker`; None when none is waiting. Two replicas never
    /// take the same job: the status change is conditional on the job still being queued.
    pub async fn claim_job(&self, worker: &str) -> Result<Option<JobRecord>, CatalogError> {
        loop {
            let Some(id) = sqlx::query::<sqlx::Any>(
                "SELECT id FROM jobs WHERE status = 'queued' ORDER BY created_at, id LIMIT 1",
            )
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get::<String, _>("id"))
            .transpose()?
            else {
                return Ok(None);
            };
            let taken = sqlx::query(dialect(
                self.backend,
                "UPDATE jobs SET status = 'running', worker = $1, message = 'started', updated_at = $2
                 WHERE id = $3 AND status = 'queued'",
            ))
            .bind(worker)
            .bind(now())
            .bind(id.as_str())
            .execute(&self.pool)
            .await?
            .rows_affected();
            if taken == 1 {
                return self.job(&id).await;
            }
            // Another replica took it between the read and the update: look again.
        }
    }

    /// Records a running job's progress; returns whether a cancel was asked for.
    pub async fn job_progress(
        &self,
        id: &str,
        progress: f64,
        message: &str,
    ) -> Result<bool, CatalogError> {
        sqlx::query(dialect(
            self.backend,
            "UPDATE jobs SET progress = $1, message = $2, updated_at = $3 WHERE id = $4 AND status = 'running'",
        ))
        .bind(progress)
        .bind(message)
        .bind(now())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(self.job(id).await?.is_some_and(|j| j.cancel_requested))
    }

    /// Ends a job: `status` is done, failed or cancelled.
    pub async fn finish_job(
        &self,
        id: &str,
        status: &str,
        message: &str,
        result: Option<&str>,
    ) -> Result<(), CatalogError> {
        // A finished job shows full progress; a failed or cancelled one keeps how far it got.
        let sql = if status == "done" {
            "UPDATE jobs SET status = $1, message = $2, result = $3, progress = 1, updated_at = $4 WHERE id = $5"
        } else {
            "UPDATE jobs SET status = $1, message = $2, result = $3, updated_at = $4 WHERE id = $5"
        };
        sqlx::query(dialect(self.backend, sql))
            .bind(status)
            .bind(message)
            .bind(result)
            .bind(now())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Asks a job to stop: a queued job is cancelled at once, a running one at its next
    /// progress report. False when no such unfinished job exists.
    pub async fn cancel_job(&self, id: &str) -> Result<bool, CatalogError> {
        let at = now();
        let queued = sqlx::query(dialect(
            self.backend,
            "UPDATE jobs SET status = 'cancelled', cancel_requested = 1, message = 'cancelled', updated_at = $1
             WHERE id = $2 AND status = 'queued'",
        ))
        .bind(at.as_str())
        .bind(id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        let running = sqlx::query(dialect(
            self.backend,
            "UPDATE jobs SET cancel_requested = 1, updated_at = $1 WHERE id = $2 AND status = 'running'",
        ))
        .bind(at.as_str())
        .bind(id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(queued + running > 0)
    }

    /// Puts jobs a replica was running when it stopped back in the queue (run at start-up by
    /// the replica with this worker name).
    pub async fn requeue_jobs_of(&self, worker: &str) -> Result<u64, CatalogError> {
        Ok(sqlx::query(dialect(
            self.backend,
            "UPDATE jobs SET status = 'queued', worker = NULL, message = 'requeued after a restart', updated_at = $1
             WHERE worker = $2 AND status = 'running'",
        ))
        .bind(now())
        .bind(worker)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }
}
