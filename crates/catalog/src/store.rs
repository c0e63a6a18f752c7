use std::collections::HashMap;
use std::path::{Path, PathBuf};

use fretwise_lexicon::{MatchSource, TermOccurrence};
use fretwise_quality::Flag;
use fretwise_transcript::{Utterance, Word};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, FromRow, Row};

use crate::CatalogError;
use crate::model::{
    CatalogStats, LessonCuration, LessonDetail, LessonListing, LessonRecord, LessonText,
    QuarantineEntry, WriteOutcome,
};
use crate::rows::{CURATION_SELECT, DecodedTerm, DecodedUtterance, LISTING_SELECT, flag};
use crate::schema::MIGRATIONS;

/// Which database a catalog lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the catalog database.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
    url: String,
}

/// Whether opening a catalog may create it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Create a missing SQLite catalog file (commands that write: ingest, rebuilds).
    Create,
    /// Refuse a SQLite catalog file that does not exist (commands that only read).
    Existing,
}

/// Turns what a user typed (`fretwise.db`, `sqlite://x.db`, `postgres://…`) into a sqlx URL.
pub fn normalize_db_url(input: &str) -> Result<String, CatalogError> {
    if input.starts_with("postgres://") || input.starts_with("postgresql://") {
        return Ok(input.to_string());
    }
    let path = if let Some(rest) = input.strip_prefix("sqlite://") {
        rest
    } else if let Some(rest) = input.strip_prefix("sqlite:") {
        rest
    } else if input.contains("://") {
        return Err(CatalogError::UnsupportedUrl(input.to_string()));
    } else {
        input
    };
    // An empty path would open a private in-memory database: everything written is lost.
    if path.split('?').next().unwrap_or("").trim().is_empty() {
        return Err(CatalogError::NoPath(input.to_string()));
    }
    if path.contains('?') {
        Ok(format!("sqlite://{path}"))
    } else {
        Ok(format!("sqlite://{path}?mode=rwc"))
    }
}

/// The file a normalised SQLite URL names; `None` for PostgreSQL.
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://")?;
    Some(PathBuf::from(rest.split('?').next().unwrap_or(rest)))
}

/// Where a normalised catalog URL points, as a person reads it: the SQLite file
/// (`./fretwise.db`, no `sqlite://` or `?mode=rwc`), or the PostgreSQL URL without its password.
pub fn catalog_location(url: &str) -> String {
    if let Some(path) = sqlite_file(url) {
        return shown(&path);
    }
    // postgres://user:secret@host/db → postgres://user:***@host/db: locations get printed.
    if let Some((scheme, rest)) = url.split_once("://") {
        let authority_end = rest.find('/').unwrap_or(rest.len());
        if let Some(at) = rest[..authority_end].rfind('@')
            && let Some(colon) = rest[..at].find(':')
        {
            return format!("{scheme}://{}:***{}", &rest[..colon], &rest[at..]);
        }
    }
    url.to_string()
}

/// A path as the user should read it: relative paths start with `./`.
fn shown(path: &Path) -> String {
    if path.is_relative() && !path.starts_with(".") && !path.starts_with("..") {
        format!("./{}", path.display())
    } else {
        path.display().to_string()
    }
}

/// Refuses, before connecting, a SQLite catalog that `mode` may not create or cannot be created.
fn check_sqlite_file(path: &Path, mode: OpenMode) -> Result<(), CatalogError> {
    if path.exists() {
        // A file that is not a SQLite database is said so at once, instead of the pool
        // retrying its connection until the acquire timeout (30 s) runs out. An empty file
        // is what SQLite itself creates before the first write, so it passes.
        use std::io::Read;
        let mut head = [0u8; 16];
        let n = std::fs::File::open(path)
            .and_then(|mut f| f.read(&mut head))
            .map_err(|e| CatalogError::NotSqlite {
                path: shown(path),
                message: e.to_string(),
            })?;
        if n > 0 && head[..n] != b"SQLite format 3\0"[..n] {
            return Err(CatalogError::NotSqlite {
                path: shown(path),
                message: "the file is not a SQLite database".to_string(),
            });
        }
        return Ok(());
    }
    match mode {
        OpenMode::Existing => Err(CatalogError::Missing(shown(path))),
        OpenMode::Create => {
            let folder = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            if folder.is_dir() {
                Ok(())
            } else {
                Err(CatalogError::NoFolder {
                    path: shown(path),
                    folder: shown(folder),
                })
            }
        }
    }
}

pub(crate) fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

fn corrupt(column: &str, e: impl std::fmt::Display) -> CatalogError {
    CatalogError::Corrupt {
        column: column.to_string(),
        message: e.to_string(),
    }
}

/// `($1,$2,$3),($4,$5,$6)` for `rows` rows of `cols` columns.
pub(crate) fn values_placeholders(cols: usize, rows: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    let mut n = 1;
    for r in 0..rows {
        if r > 0 {
            s.push(',');
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push(',');
            }
            s.push('$');
            s.push_str(&n.to_string());
            n += 1;
        }
        s.push(')');
    }
    s
}

/// Short stable suffix for making an id unique per source.
fn short_hash(s: &str) -> String {
    // FNV-1a: tiny, stable across platforms and releases.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    format!("{:08x}", h as u32)
}

fn words_json(words: &[Word]) -> String {
    // Compact rows: [text, start, end, score].
    let rows: Vec<(&str, f64, f64, Option<f64>)> = words
        .iter()
        .map(|w| (w.text.as_str(), w.start, w.end, w.score))
        .collect();
    serde_json::to_string(&rows).unwrap_or_else(|_| "[]".to_string())
}

pub(crate) fn parse_words(json: &str) -> Result<Vec<Word>, CatalogError> {
    let rows: Vec<(String, f64, f64, Option<f64>)> =
        serde_json::from_str(json).map_err(|e| corrupt("utterances.words", e))?;
    Ok(rows
        .into_iter()
        .map(|(text, start, end, score)| Word {
            text,
            start,
            end,
            score,
            original_score: None,
        })
        .collect())
}

const UTTERANCE_COLS: usize = 8;
const TERM_COLS: usize = 11;
pub(crate) const ROWS_PER_STATEMENT: usize = 500;

/// Set on every SQLite connection.
const SQLITE_PRAGMAS: &[&str] = &[
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA busy_timeout = 10000",
    // A multi-row insert keeps a statement journal (to undo itself alone); past 64 KiB SQLite
    // spills it to a temporary file, read and written back on every batch: kept in memory.
    "PRAGMA temp_store = MEMORY",
    // An ingest batch writes several MB; checkpointing after each commit (at the default 4 MB
    // of WAL) copied the B-tree pages every batch touches again and again. 40 MB of WAL between
    // checkpoints writes each once.
    "PRAGMA wal_autocheckpoint = 10000",
];

impl Catalog {
    /// Opens (creating if needed) the catalog at `url` and applies pending migrations.
    pub async fn open(url: &str) -> Result<Self, CatalogError> {
        Self::open_with(url, OpenMode::Create).await
    }

    /// Opens the catalog at `url`, creating a missing SQLite file only in [`OpenMode::Create`],
    /// and applies pending migrations.
    pub async fn open_with(url: &str, mode: OpenMode) -> Result<Self, CatalogError> {
        sqlx::any::install_default_drivers();
        let url = normalize_db_url(url)?;
        if let Some(path) = sqlite_file(&url) {
            check_sqlite_file(&path, mode)?;
        }
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        let mut options = AnyPoolOptions::new();
        if backend == Backend::Sqlite {
            options = options.max_connections(1).after_connect(|conn, _| {
                Box::pin(async move {
                    for pragma in SQLITE_PRAGMAS {
                        sqlx::query(*pragma).execute(&mut *conn).await?;
                    }
                    Ok(())
                })
            });
        } else {
            // A server that is not there fails at once with what was wrong, instead of
            // the pool retrying connections until its acquire timeout runs out.
            let probe = tokio::time::timeout(
                std::time::Duration::from_secs(10),
                <AnyConnection as sqlx::Connection>::connect(&url),
            )
            .await;
            match probe {
                Ok(Ok(conn)) => {
                    let _ = sqlx::Connection::close(conn).await;
                }
                Ok(Err(e)) => {
                    return Err(CatalogError::Unreachable {
                        url: catalog_location(&url),
                        message: e.to_string(),
                    });
                }
                Err(_) => {
                    return Err(CatalogError::Unreachable {
                        url: catalog_location(&url),
                        message: "no answer within 10 s".to_string(),
                    });
                }
            }
            options = options
                .max_connections(4)
                .acquire_timeout(std::time::Duration::from_secs(10));
        }
        let pool = options.connect(&url).await?;
        let catalog = Self { pool, backend, url };
        catalog.migrate().await?;
        Ok(catalog)
    }

    /// Another handle with its own connections, so that reads can run while this one writes
    /// (SQLite in WAL mode allows one writer beside any number of readers).
    pub async fn second_handle(&self) -> Result<Catalog, CatalogError> {
        Catalog::open(&self.url).await
    }

    /// The normalised URL this catalog was opened with.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Where the catalog is, for people: the SQLite file or the PostgreSQL URL without password.
    pub fn location(&self) -> String {
        catalog_location(&self.url)
    }

    async fn migrate(&self) -> Result<(), CatalogError> {
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS fretwise_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)",
        )
        .execute(&self.pool)
        .await?;
        for (version, statements) in MIGRATIONS {
            let mut tx = self.pool.begin().await?;
            let applied = sqlx::query("SELECT version FROM fretwise_migrations WHERE version = $1")
                .bind(*version)
                .fetch_optional(&mut *tx)
                .await?;
            if applied.is_some() {
                continue;
            }
            for sql in *statements {
                sqlx::query(AssertSqlSafe(*sql)).execute(&mut *tx).await?;
            }
            sqlx::query("INSERT INTO fretwise_migrations (version, applied_at) VALUES ($1, $2)")
                .bind(*version)
                .bind(now())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Content hash of every stored source, for skipping unchanged input.
    pub async fn source_hashes(&self) -> Result<HashMap<String, String>, CatalogError> {
        let mut out = HashMap::new();
        for row in sqlx::query("SELECT source, content_hash FROM lessons")
            .fetch_all(&self.pool)
            .await?
        {
            out.insert(row.try_get("source")?, row.try_get("content_hash")?);
        }
        Ok(out)
    }

    /// Content hash of every quarantined source (None when the input could not be read at all).
    pub async fn quarantine_hashes(&self) -> Result<HashMap<String, Option<String>>, CatalogError> {
        let mut out = HashMap::new();
        for row in sqlx::query("SELECT source, content_hash FROM quarantine")
            .fetch_all(&self.pool)
            .await?
        {
            out.insert(row.try_get("source")?, row.try_get("content_hash")?);
        }
        Ok(out)
    }

    /// Stores a batch of lessons in one transaction; each replaces any lesson from the same source.
    pub async fn write_batch(
        &self,
        records: &[LessonRecord],
    ) -> Result<Vec<WriteOutcome>, CatalogError> {
        let columns = records
            .iter()
            .map(LessonColumns::encode)
            .collect::<Result<Vec<_>, _>>()?;
        self.write_encoded(records, &columns).await
    }

    /// [`Catalog::write_batch`] with each lesson's columns already encoded
    /// ([`LessonColumns::encode`], one per record, in the same order).
    pub async fn write_encoded(
        &self,
        records: &[LessonRecord],
        columns: &[LessonColumns],
    ) -> Result<Vec<WriteOutcome>, CatalogError> {
        let mut tx = self.pool.begin().await?;
        let outcomes = write_records(&mut tx, self.backend, records, columns).await?;
        tx.commit().await?;
        Ok(outcomes)
    }

    /// Records a rejected input (replacing an earlier entry for the same source).
    pub async fn quarantine(
        &self,
        source: &str,
        reason: &str,
        content_hash: Option<&str>,
    ) -> Result<(), CatalogError> {
        sqlx::query(
            "INSERT INTO quarantine (source, reason, content_hash, quarantined_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (source) DO UPDATE SET reason = excluded.reason,
                 content_hash = excluded.content_hash, quarantined_at = excluded.quarantined_at",
        )
        .bind(source)
        .bind(reason)
        .bind(content_hash.map(str::to_string))
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// All quarantined inputs, by source.
    pub async fn quarantined(&self) -> Result<Vec<QuarantineEntry>, CatalogError> {
        Ok(
            sqlx::query_as("SELECT source, reason, quarantined_at FROM quarantine ORDER BY source")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Flag codes per lesson, sorted (only failures when `failures_only`).
    async fn flag_codes(
        &self,
        failures_only: bool,
    ) -> Result<HashMap<String, Vec<String>>, CatalogError> {
        let sql = if failures_only {
            "SELECT lesson_id, code FROM flags WHERE severity = 'failure' ORDER BY lesson_id, code"
        } else {
            "SELECT lesson_id, code FROM flags ORDER BY lesson_id, code"
        };
        let mut codes: HashMap<String, Vec<String>> = HashMap::new();
        for row in sqlx::query(sql).fetch_all(&self.pool).await? {
            codes
                .entry(row.try_get("lesson_id")?)
                .or_default()
                .push(row.try_get("code")?);
        }
        Ok(codes)
    }

    /// Summaries of all lessons, ordered by id.
    pub async fn lessons(&self) -> Result<Vec<LessonListing>, CatalogError> {
        let mut flags = self.flag_codes(false).await?;
        let mut rows: Vec<LessonListing> =
            sqlx::query_as(AssertSqlSafe(format!("{LISTING_SELECT} ORDER BY l.id")))
                .fetch_all(&self.pool)
                .await?;
        for r in &mut rows {
            r.flags = flags.remove(&r.id).unwrap_or_default();
        }
        Ok(rows)
    }

    /// Everything stored about one lesson.
    pub async fn lesson(&self, id: &str) -> Result<LessonDetail, CatalogError> {
        let mut summary: LessonListing =
            sqlx::query_as(AssertSqlSafe(format!("{LISTING_SELECT} WHERE l.id = $1")))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
                .ok_or_else(|| CatalogError::NotFound(id.to_string()))?;
        let flag_rows = sqlx::query(
            "SELECT code, severity, detail FROM flags WHERE lesson_id = $1 ORDER BY code",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let mut flag_details = Vec::new();
        for r in &flag_rows {
            let code: String = r.try_get("code")?;
            let severity: String = r.try_get("severity")?;
            flag_details.push(Flag {
                code: serde_json::from_value(serde_json::Value::String(code))
                    .map_err(|e| corrupt("flags.code", e))?,
                severity: serde_json::from_value(serde_json::Value::String(severity))
                    .map_err(|e| corrupt("flags.severity", e))?,
                detail: r.try_get("detail")?,
            });
        }
        summary.flags = flag_details
            .iter()
            .map(|f| f.code.as_str().to_string())
            .collect();

        let extra = sqlx::query(
            "SELECT description, format, content_hash, audio_path, video_url, synthetic, source_metrics, ingested_at,
                    (SELECT title FROM chapters c WHERE c.id = l.chapter_id) AS chapter
             FROM lessons l WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        let report: String = sqlx::query("SELECT report FROM quality_reports WHERE lesson_id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?
            .try_get("report")?;
        let source_metrics: Option<String> = extra.try_get("source_metrics")?;
        let utterances: Vec<DecodedUtterance> = sqlx::query_as(
            "SELECT start_s, end_s, text, confidence, words FROM utterances WHERE lesson_id = $1 ORDER BY idx",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let terms: Vec<DecodedTerm> = sqlx::query_as(
            "SELECT term, category, match_source, utterance_idx, first_word, last_word, start_s, end_s, text
             FROM term_occurrences WHERE lesson_id = $1 ORDER BY idx",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(LessonDetail {
            summary,
            description: extra.try_get("description")?,
            format: extra.try_get("format")?,
            content_hash: extra.try_get("content_hash")?,
            audio_path: extra.try_get("audio_path")?,
            video_url: extra.try_get("video_url")?,
            synthetic: flag(&extra, "synthetic")?,
            chapter: extra.try_get("chapter")?,
            ingested_at: extra.try_get("ingested_at")?,
            flag_details,
            quality: serde_json::from_str(&report)
                .map_err(|e| corrupt("quality_reports.report", e))?,
            source_metrics: source_metrics
                .map(|s| serde_json::from_str(&s))
                .transpose()
                .map_err(|e| corrupt("lessons.source_metrics", e))?,
            terms: terms.into_iter().map(|t| t.0).collect(),
            utterances: utterances.into_iter().map(|u| u.0).collect(),
        })
    }

    /// Curation facts for every lesson, ordered by id (one pass, no text).
    pub async fn lesson_curations(&self) -> Result<Vec<LessonCuration>, CatalogError> {
        let mut failures = self.flag_codes(true).await?;
        let mut rows: Vec<LessonCuration> =
            sqlx::query_as(AssertSqlSafe(format!("{CURATION_SELECT} ORDER BY l.id")))
                .fetch_all(&self.pool)
                .await?;
        for r in &mut rows {
            r.failure_flags = failures.remove(&r.id).unwrap_or_default();
        }
        Ok(rows)
    }

    /// Each lesson's utterance texts joined by spaces, in `ids` order (one row per lesson).
    pub async fn lesson_texts(&self, ids: &[String]) -> Result<Vec<String>, CatalogError> {
        let mut out = vec![String::new(); ids.len()];
        let index: HashMap<&str, usize> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        let agg = match self.backend {
            Backend::Sqlite => "group_concat(text, ' ' ORDER BY idx)",
            Backend::Postgres => "string_agg(text, ' ' ORDER BY idx)",
        };
        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
            let list = placeholders(chunk.len());
            let sql = format!(
                "SELECT lesson_id, {agg} AS text FROM utterances WHERE lesson_id IN ({list}) GROUP BY lesson_id"
            );
            let mut q = sqlx::query(dialect(self.backend, &sql));
            for id in chunk {
                q = q.bind(id.as_str());
            }
            for r in q.fetch_all(&self.pool).await? {
                let id: String = r.try_get("lesson_id")?;
                if let Some(&i) = index.get(id.as_str()) {
                    out[i] = r.try_get::<Option<String>, _>("text")?.unwrap_or_default();
                }
            }
        }
        Ok(out)
    }

    /// Utterances (with words when `with_words`) and terms of the given lessons, in `ids` order.
    pub async fn lesson_timed_texts(
        &self,
        ids: &[String],
        with_words: bool,
    ) -> Result<Vec<LessonText>, CatalogError> {
        let mut out: Vec<LessonText> = ids
            .iter()
            .map(|id| LessonText {
                id: id.clone(),
                utterances: Vec::new(),
                terms: Vec::new(),
            })
            .collect();
        let index: HashMap<&str, usize> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        if self.backend == Backend::Sqlite && !with_words {
            self.packed_timed_texts(ids, &index, &mut out).await?;
            return Ok(out);
        }
        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
            let list = placeholders(chunk.len());
            let cols = if with_words { "words" } else { "'[]' AS words" };
            let sql = format!(
                "SELECT lesson_id, start_s, end_s, text, confidence, {cols} FROM utterances
                 WHERE lesson_id IN ({list}) ORDER BY lesson_id, idx"
            );
            let mut q = sqlx::query(dialect(self.backend, &sql));
            for id in chunk {
                q = q.bind(id.as_str());
            }
            for r in q.fetch_all(&self.pool).await? {
                let id: String = r.try_get("lesson_id")?;
                if let Some(&i) = index.get(id.as_str()) {
                    out[i].utterances.push(DecodedUtterance::from_row(&r)?.0);
                }
            }
            let sql = format!(
                "SELECT lesson_id, term, category, match_source, utterance_idx, first_word, last_word, start_s, end_s, text
                 FROM term_occurrences WHERE lesson_id IN ({list}) ORDER BY lesson_id, idx"
            );
            let mut q = sqlx::query(dialect(self.backend, &sql));
            for id in chunk {
                q = q.bind(id.as_str());
            }
            for r in q.fetch_all(&self.pool).await? {
                let id: String = r.try_get("lesson_id")?;
                if let Some(&i) = index.get(id.as_str()) {
                    out[i].terms.push(DecodedTerm::from_row(&r)?.0);
                }
            }
        }
        Ok(out)
    }

    /// The texts of each lesson's utterances in order, one list per id in `ids` (empty for an
    /// unknown id): what phrase statistics need, without times, words or terms.
    pub async fn lesson_utterance_texts(
        &self,
        ids: &[String],
    ) -> Result<Vec<Vec<String>>, CatalogError> {
        let mut out: Vec<Vec<String>> = vec![Vec::new(); ids.len()];
        let index: HashMap<&str, usize> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
            let list = placeholders(chunk.len());
            let sql = if self.backend == Backend::Sqlite {
                crate::packed::TEXTS.replace("{list}", &list)
            } else {
                format!(
                    "SELECT lesson_id, text FROM utterances WHERE lesson_id IN ({list}) ORDER BY lesson_id, idx"
                )
            };
            let mut q = sqlx::query(dialect(self.backend, &sql));
            for id in chunk {
                q = q.bind(id.as_str());
            }
            for r in q.fetch_all(&self.pool).await? {
                let id: String = r.try_get("lesson_id")?;
                let Some(&i) = index.get(id.as_str()) else {
                    continue;
                };
                if self.backend == Backend::Sqlite {
                    let packed: String = r.try_get("packed")?;
                    out[i] = crate::packed::texts(&packed)?;
                } else {
                    out[i].push(r.try_get("text")?);
                }
            }
        }
        Ok(out)
    }

    /// [`Catalog::lesson_timed_texts`] without words on SQLite: one packed row per lesson and
    /// table (see `packed`), decoded here.
    async fn packed_timed_texts(
        &self,
        ids: &[String],
        index: &HashMap<&str, usize>,
        out: &mut [LessonText],
    ) -> Result<(), CatalogError> {
        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
            let list = placeholders(chunk.len());
            for (table, sql) in [
                ("utterances", crate::packed::UTTERANCES),
                ("terms", crate::packed::TERMS),
            ] {
                let sql = sql.replace("{list}", &list);
                let mut q = sqlx::query(dialect(self.backend, &sql));
                for id in chunk {
                    q = q.bind(id.as_str());
                }
                for r in q.fetch_all(&self.pool).await? {
                    let id: String = r.try_get("lesson_id")?;
                    let packed: String = r.try_get("packed")?;
                    if let Some(&i) = index.get(id.as_str()) {
                        if table == "utterances" {
                            out[i].utterances = crate::packed::utterances(&packed)?;
                        } else {
                            out[i].terms = crate::packed::terms(&packed)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Catalog totals.
    pub async fn stats(&self) -> Result<CatalogStats, CatalogError> {
        let count = |sql: &'static str| async move {
            let row = sqlx::query(sql).fetch_one(&self.pool).await?;
            Ok::<i64, CatalogError>(row.try_get("n")?)
        };
        let agg = sqlx::query(
            "SELECT COUNT(*) AS lessons, CAST(COALESCE(SUM(trainable), 0) AS BIGINT) AS trainable,
                    CAST(COALESCE(SUM(CASE WHEN duplicate_of IS NULL THEN 0 ELSE 1 END), 0) AS BIGINT)
                        AS duplicates,
                    CAST(COALESCE(SUM(word_count), 0) AS BIGINT) AS words,
                    CAST(COALESCE(AVG(quality_score), 0.0) AS DOUBLE PRECISION) AS mean_quality,
                    CAST(COALESCE(SUM(duration_s), 0.0) AS DOUBLE PRECISION) AS seconds
             FROM lessons",
        )
        .fetch_one(&self.pool)
        .await?;
        let mut terms_by_category = Vec::new();
        for r in sqlx::query(
            "SELECT category, COUNT(*) AS n FROM term_occurrences GROUP BY category ORDER BY COUNT(*) DESC, category",
        )
        .fetch_all(&self.pool)
        .await?
        {
            terms_by_category.push((r.try_get("category")?, r.try_get("n")?));
        }
        let mut flags_by_code = Vec::new();
        for r in sqlx::query(
            "SELECT code, COUNT(*) AS n FROM flags GROUP BY code ORDER BY COUNT(*) DESC, code",
        )
        .fetch_all(&self.pool)
        .await?
        {
            flags_by_code.push((r.try_get("code")?, r.try_get("n")?));
        }
        let (recordings, recording_flags) = self.recording_summary().await?;
        flags_by_code.extend(recording_flags);
        flags_by_code.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let seconds: f64 = agg.try_get("seconds")?;
        Ok(CatalogStats {
            lessons: agg.try_get("lessons")?,
            trainable: agg.try_get("trainable")?,
            duplicates: agg.try_get("duplicates")?,
            words: agg.try_get("words")?,
            mean_quality: agg.try_get("mean_quality")?,
            hours: seconds / 3600.0,
            flagged: count(
                "SELECT COUNT(DISTINCT lesson_id) AS n FROM flags WHERE severity = 'failure'",
            )
            .await?,
            instructors: count("SELECT COUNT(*) AS n FROM instructors").await?,
            courses: count("SELECT COUNT(*) AS n FROM courses").await?,
            utterances: count("SELECT COUNT(*) AS n FROM utterances").await?,
            term_occurrences: count("SELECT COUNT(*) AS n FROM term_occurrences").await?,
            quarantined: count("SELECT COUNT(*) AS n FROM quarantine").await?,
            terms_by_category,
            flags_by_code,
            recordings,
        })
    }

    /// Closes the pool (flushing SQLite's WAL).
    pub async fn close(self) {
        self.pool.close().await;
    }

    /// True when this catalog is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.backend == Backend::Postgres
    }
}

/// `$1,$2,…,$n`: the parameters of an `IN (…)` list of `n` values.
pub(crate) fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Rewrites `$1, $2 …` to `?` for SQLite: sqlx resolves named parameters one by one through
/// `sqlite3_bind_parameter_name`, which is quadratic in the number of parameters, while
/// anonymous ones bind directly. Every statement here uses each parameter once, in order.
pub(crate) fn dialect(backend: Backend, sql: &str) -> AssertSqlSafe<String> {
    if backend == Backend::Postgres {
        return AssertSqlSafe(sql.to_string());
    }
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
            while chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                chars.next();
            }
            out.push('?');
        } else {
            out.push(c);
        }
    }
    AssertSqlSafe(out)
}

/// (lesson_id, idx, utterance, its encoded extra and words) of `utterances`.
type UtteranceRow<'a> = (&'a str, i64, &'a Utterance, &'a EncodedUtterance);

/// Child rows of a batch, inserted together after the lesson rows; borrowed from the batch.
#[derive(Default)]
struct BatchRows<'a> {
    utterances: Vec<UtteranceRow<'a>>,
    terms: Vec<(&'a str, i64, &'a TermOccurrence)>,
    flags: Vec<(&'a str, &'static str, &'static str, &'a str)>,
    reports: Vec<(&'a str, i64, f64, &'a str)>,
    instructors: std::collections::BTreeMap<&'a str, &'a str>,
    courses: std::collections::BTreeMap<&'a str, (&'a str, Option<&'a str>, Option<&'a str>)>,
    chapters: std::collections::BTreeMap<&'a str, (&'a str, Option<&'a str>)>,
    sources: Vec<&'a str>,
}

/// One utterance's encoded columns: `extra` (the decoder's scores, when any) and `words`.
type EncodedUtterance = (Option<String>, String);

/// A lesson's text columns encoded for the catalog (its text hash and JSON columns), made apart
/// from the write so that many can be made at once on worker threads while one writer writes.
#[derive(Debug, Clone)]
pub struct LessonColumns {
    text_hash: String,
    service_terms: String,
    report: String,
    utterances: Vec<EncodedUtterance>,
}

impl LessonColumns {
    /// Encodes `record`'s text hash, service terms, quality report and utterance columns.
    pub fn encode(record: &LessonRecord) -> Result<Self, CatalogError> {
        let t = &record.transcript;
        let utterances = t
            .utterances
            .iter()
            .map(|u| {
                let extra = (u.avg_logprob.is_some()
                    || u.compression_ratio.is_some()
                    || u.no_speech_prob.is_some())
                .then(|| {
                    serde_json::json!({
                        "avg_logprob": u.avg_logprob,
                        "compression_ratio": u.compression_ratio,
                        "no_speech_prob": u.no_speech_prob,
                    })
                    .to_string()
                });
                (extra, words_json(&u.words))
            })
            .collect();
        Ok(Self {
            text_hash: t.normalized_text_hash(),
            service_terms: serde_json::to_string(&t.service_terms)
                .map_err(|e| corrupt("service_terms", e))?,
            report: serde_json::to_string(&record.quality)
                .map_err(|e| corrupt("quality_reports.report", e))?,
            utterances,
        })
    }
}

/// Inserts `rows` with one multi-row statement per `ROWS_PER_STATEMENT`, binding via `bind`.
async fn insert_rows<T>(
    conn: &mut AnyConnection,
    backend: Backend,
    head: &str,
    cols: usize,
    tail: &str,
    rows: &[T],
    bind: impl for<'q> Fn(
        sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
        &'q T,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
) -> Result<(), CatalogError> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "{head} VALUES {} {tail}",
            values_placeholders(cols, chunk.len())
        );
        let mut query = sqlx::query(dialect(backend, &sql));
        for row in chunk {
            query = bind(query, row);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// What the catalog holds for one batch's sources, ids and texts: read with one statement per
/// few hundred records, then kept current as the batch replaces and inserts lessons, so that each
/// record sees what a query of its own at that moment would have returned.
#[derive(Default)]
struct BatchView {
    /// Stored lessons by id: their source.
    by_id: HashMap<String, String>,
    /// Stored lessons by source: their id.
    by_source: HashMap<String, String>,
    /// Stored lessons that duplicate nothing, by text hash (ids in byte order).
    originals: HashMap<String, std::collections::BTreeSet<String>>,
}

impl BatchView {
    async fn load(
        conn: &mut AnyConnection,
        backend: Backend,
        records: &[LessonRecord],
        columns: &[LessonColumns],
    ) -> Result<Self, CatalogError> {
        let mut view = BatchView::default();
        for chunk in records.chunks(ROWS_PER_STATEMENT) {
            let n = chunk.len();
            let ids = (n + 1..=2 * n)
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(",");
            let sql = format!(
                "SELECT id, source FROM lessons WHERE source IN ({}) OR id IN ({ids})",
                placeholders(n)
            );
            let mut query = sqlx::query(dialect(backend, &sql));
            for rec in chunk {
                query = query.bind(rec.source.as_str());
            }
            for rec in chunk {
                query = query.bind(rec.id.as_str());
            }
            for row in query.fetch_all(&mut *conn).await? {
                let id: String = row.try_get("id")?;
                let source: String = row.try_get("source")?;
                view.by_source.insert(source.clone(), id.clone());
                view.by_id.insert(id, source);
            }
        }
        let mut distinct: Vec<&str> = columns.iter().map(|c| c.text_hash.as_str()).collect();
        distinct.sort_unstable();
        distinct.dedup();
        for chunk in distinct.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "SELECT id, text_hash FROM lessons WHERE duplicate_of IS NULL AND text_hash IN ({})",
                placeholders(chunk.len())
            );
            let mut query = sqlx::query(dialect(backend, &sql));
            for h in chunk {
                query = query.bind(*h);
            }
            for row in query.fetch_all(&mut *conn).await? {
                let id: String = row.try_get("id")?;
                let hash: String = row.try_get("text_hash")?;
                view.originals.entry(hash).or_default().insert(id);
            }
        }
        Ok(view)
    }

    /// The id stored for `source`, and whether `id` is taken by another source.
    fn lookup(&self, source: &str, id: &str) -> (Option<String>, bool) {
        let existing = self.by_source.get(source).cloned();
        let taken = self.by_id.get(id).is_some_and(|s| s != source);
        (existing, taken)
    }

    /// Forgets a lesson the batch deletes to replace it.
    fn remove(&mut self, id: &str) {
        if let Some(source) = self.by_id.remove(id) {
            self.by_source.remove(&source);
        }
        for ids in self.originals.values_mut() {
            ids.remove(id);
        }
    }

    /// The first stored lesson other than `id` that holds `text_hash` and duplicates nothing.
    fn first_original(&self, text_hash: &str, id: &str) -> Option<String> {
        self.originals
            .get(text_hash)?
            .iter()
            .find(|other| *other != id)
            .cloned()
    }

    /// Records a lesson the batch inserts.
    fn insert(&mut self, id: &str, source: &str, text_hash: &str, original: bool) {
        self.by_id.insert(id.to_string(), source.to_string());
        self.by_source.insert(source.to_string(), id.to_string());
        if original {
            self.originals
                .entry(text_hash.to_string())
                .or_default()
                .insert(id.to_string());
        }
    }
}

/// A `lessons` row of a batch: the record with what the catalog decided for it.
struct LessonRow<'a> {
    id: &'a str,
    rec: &'a LessonRecord,
    cols: &'a LessonColumns,
    trainable: bool,
    duplicate_of: Option<&'a str>,
}

const LESSON_COLS: usize = 27;

async fn write_records(
    conn: &mut AnyConnection,
    backend: Backend,
    records: &[LessonRecord],
    columns: &[LessonColumns],
) -> Result<Vec<WriteOutcome>, CatalogError> {
    if records.len() != columns.len() {
        return Err(CatalogError::Mismatch(format!(
            "{} lessons but {} encoded column sets",
            records.len(),
            columns.len()
        )));
    }
    // Each record's id, the lesson it duplicates, and whether it replaces a stored lesson.
    let mut decided: Vec<(String, Option<String>, bool)> = Vec::with_capacity(records.len());
    let mut batch_text_hashes: HashMap<&str, String> = HashMap::new();
    // Two lookups per record (is this source known, is the id taken, which lesson holds this
    // text) were most of a batch's statements; the view answers them from one read.
    let mut view = BatchView::load(conn, backend, records, columns).await?;
    let mut deleted: Vec<String> = Vec::new();
    for (rec, cols) in records.iter().zip(columns) {
        let text_hash = cols.text_hash.as_str();
        let (existing, taken) = view.lookup(&rec.source, &rec.id);
        let replaced = existing.is_some();
        let id = match existing {
            Some(id) => {
                view.remove(&id);
                deleted.push(id.clone());
                id
            }
            None if taken => format!("{}-{}", rec.id, short_hash(&rec.source)),
            None => rec.id.clone(),
        };

        let duplicate_of = match batch_text_hashes.get(text_hash) {
            Some(first) if *first != id => Some(first.clone()),
            _ => view.first_original(text_hash, &id),
        };
        if duplicate_of.is_none() {
            batch_text_hashes
                .entry(text_hash)
                .or_insert_with(|| id.clone());
        }
        view.insert(&id, &rec.source, text_hash, duplicate_of.is_none());
        decided.push((id, duplicate_of, replaced));
    }

    let mut rows = BatchRows::default();
    let mut lessons: Vec<LessonRow<'_>> = Vec::with_capacity(records.len());
    for ((rec, cols), (id, duplicate_of, _)) in records.iter().zip(columns).zip(&decided) {
        let id = id.as_str();
        let m = &rec.metadata;
        if let Some(i) = &m.instructor {
            rows.instructors.insert(&i.id, &i.name);
        }
        if let Some(c) = &m.course {
            rows.courses.insert(
                &c.id,
                (
                    &c.title,
                    c.description.as_deref(),
                    m.instructor.as_ref().map(|i| i.id.as_str()),
                ),
            );
        }
        if let Some(ch) = &m.chapter {
            rows.chapters.insert(
                &ch.id,
                (&ch.title, m.course.as_ref().map(|c| c.id.as_str())),
            );
        }
        let q = &rec.quality;
        lessons.push(LessonRow {
            id,
            rec,
            cols,
            // An exact duplicate is not trainable: one copy of a text is enough, and every
            // reader that lists "trainable" lessons would otherwise show it twice (the quality
            // report keeps the verdict on the text itself).
            trainable: q.trainable && duplicate_of.is_none(),
            duplicate_of: duplicate_of.as_deref(),
        });
        for (i, (u, enc)) in rec
            .transcript
            .utterances
            .iter()
            .zip(&cols.utterances)
            .enumerate()
        {
            rows.utterances.push((id, i as i64, u, enc));
        }
        for (i, o) in rec.terms.iter().enumerate() {
            rows.terms.push((id, i as i64, o));
        }
        for f in &q.flags {
            rows.flags.push((
                id,
                f.code.as_str(),
                match f.severity {
                    fretwise_quality::Severity::Failure => "failure",
                    fretwise_quality::Severity::Warning => "warning",
                },
                &f.detail,
            ));
        }
        rows.reports
            .push((id, i64::from(q.metrics_version), q.score, &cols.report));
        rows.sources.push(&rec.source);
    }
    // Replaced lessons go first, children before the lesson rows, as the ids are reused.
    for table in [
        "utterances",
        "quality_reports",
        "term_occurrences",
        "flags",
        "lessons",
    ] {
        let column = if table == "lessons" {
            "id"
        } else {
            "lesson_id"
        };
        for chunk in deleted.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "DELETE FROM {table} WHERE {column} IN ({})",
                placeholders(chunk.len())
            );
            let mut query = sqlx::query(dialect(backend, &sql));
            for id in chunk {
                query = query.bind(id.as_str());
            }
            query.execute(&mut *conn).await?;
        }
    }
    let ingested_at = now();
    insert_rows(
        conn,
        backend,
        "INSERT INTO lessons (id, source, content_hash, text_hash, format, title, description, instructor_id,
            course_id, chapter_id, level, style, item_order, runtime_s, audio_path, synthetic, language,
            duration_s, word_count, utterance_count, quality_score, trainable, duplicate_of, service_terms,
            source_metrics, ingested_at, video_url)",
        LESSON_COLS,
        "",
        &lessons,
        |q, l| {
            let (rec, m, t) = (l.rec, &l.rec.metadata, &l.rec.transcript);
            q.bind(l.id)
                .bind(rec.source.as_str())
                .bind(rec.content_hash.as_str())
                .bind(l.cols.text_hash.as_str())
                .bind(t.format.as_str())
                .bind(m.title.as_deref())
                .bind(m.description.as_deref())
                .bind(m.instructor.as_ref().map(|i| i.id.as_str()))
                .bind(m.course.as_ref().map(|c| c.id.as_str()))
                .bind(m.chapter.as_ref().map(|c| c.id.as_str()))
                .bind(m.level.as_deref())
                .bind(m.style.as_deref())
                .bind(m.item_order)
                .bind(m.runtime_s)
                .bind(m.audio_path.as_deref())
                .bind(i64::from(m.synthetic))
                .bind(t.language.as_deref())
                .bind(rec.duration_s())
                .bind(t.word_count() as i64)
                .bind(t.utterances.len() as i64)
                .bind(rec.quality.score)
                .bind(i64::from(l.trainable))
                .bind(l.duplicate_of)
                .bind(l.cols.service_terms.as_str())
                .bind(t.source_metrics.as_deref())
                .bind(ingested_at.as_str())
                .bind(m.video_url.as_deref())
        },
    )
    .await?;
    write_rows(conn, backend, &rows).await?;
    Ok(decided
        .into_iter()
        .map(|(id, duplicate_of, replaced)| {
            if replaced {
                WriteOutcome::Replaced { id, duplicate_of }
            } else {
                WriteOutcome::Inserted { id, duplicate_of }
            }
        })
        .collect())
}

async fn write_rows(
    conn: &mut AnyConnection,
    backend: Backend,
    rows: &BatchRows<'_>,
) -> Result<(), CatalogError> {
    let instructors: Vec<_> = rows.instructors.iter().collect();
    insert_rows(
        conn,
        backend,
        "INSERT INTO instructors (id, name)",
        2,
        "ON CONFLICT (id) DO UPDATE SET name = excluded.name",
        &instructors,
        |q, (id, name)| q.bind(**id).bind(**name),
    )
    .await?;
    let courses: Vec<_> = rows.courses.iter().collect();
    insert_rows(conn, backend, "INSERT INTO courses (id, title, description, instructor_id)", 4,
        "ON CONFLICT (id) DO UPDATE SET title = excluded.title, description = excluded.description, instructor_id = excluded.instructor_id",
        &courses,
        |q, (id, (title, desc, ins))| q.bind(**id).bind(*title).bind(*desc).bind(*ins)).await?;
    let chapters: Vec<_> = rows.chapters.iter().collect();
    insert_rows(
        conn,
        backend,
        "INSERT INTO chapters (id, title, course_id)",
        3,
        "ON CONFLICT (id) DO UPDATE SET title = excluded.title, course_id = excluded.course_id",
        &chapters,
        |q, (id, (title, course))| q.bind(**id).bind(*title).bind(*course),
    )
    .await?;
    insert_rows(
        conn,
        backend,
        "INSERT INTO utterances (lesson_id, idx, start_s, end_s, text, confidence, extra, words)",
        UTTERANCE_COLS,
        "",
        &rows.utterances,
        |q, u| {
            let (id, idx, u, (extra, words)) = u;
            q.bind(*id)
                .bind(*idx)
                .bind(u.start)
                .bind(u.end)
                .bind(u.text.as_str())
                .bind(u.confidence)
                .bind(extra.as_deref())
                .bind(words.as_str())
        },
    )
    .await?;
    insert_rows(conn, backend,
        "INSERT INTO term_occurrences (lesson_id, idx, term, category, match_source, utterance_idx, first_word, last_word, start_s, end_s, text)",
        TERM_COLS, "", &rows.terms,
        |q, (id, idx, o)| q.bind(*id).bind(*idx).bind(o.term.as_str()).bind(o.category.as_str())
            .bind(match o.source { MatchSource::Lexicon => "lexicon", MatchSource::Expression => "expression" })
            .bind(o.utterance as i64).bind(o.first_word.map(|v| v as i64)).bind(o.last_word.map(|v| v as i64))
            .bind(o.start_s).bind(o.end_s).bind(o.text.as_str())).await?;
    insert_rows(
        conn,
        backend,
        "INSERT INTO flags (lesson_id, code, severity, detail)",
        4,
        "",
        &rows.flags,
        |q, f| q.bind(f.0).bind(f.1).bind(f.2).bind(f.3),
    )
    .await?;
    insert_rows(
        conn,
        backend,
        "INSERT INTO quality_reports (lesson_id, metrics_version, score, report)",
        4,
        "",
        &rows.reports,
        |q, r| q.bind(r.0).bind(r.1).bind(r.2).bind(r.3),
    )
    .await?;
    for chunk in rows.sources.chunks(ROWS_PER_STATEMENT) {
        let list = placeholders(chunk.len());
        let mut query = sqlx::query(dialect(
            backend,
            &format!("DELETE FROM quarantine WHERE source IN ({list})"),
        ));
        for s in chunk {
            query = query.bind(*s);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

#[cfg(test)]
mod location_tests {
    use super::catalog_location;

    #[test]
    fn locations_read_as_paths_and_hide_passwords() {
        assert_eq!(
            catalog_location("sqlite://fretwise.db?mode=rwc"),
            "./fretwise.db"
        );
        assert_eq!(catalog_location("sqlite:///tmp/x.db?mode=rwc"), "/tmp/x.db");
        assert_eq!(
            catalog_location("postgres://me:secret@db.local:5432/fw"),
            "postgres://me:***@db.local:5432/fw"
        );
        assert_eq!(
            catalog_location("postgres://db.local/fw"),
            "postgres://db.local/fw"
        );
    }
}

#[cfg(test)]
mod migration_tests {
    use super::{Catalog, OpenMode};

    #[tokio::test]
    async fn duplicates_stored_as_trainable_by_older_versions_are_corrected() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("c.db").display());
        let c = Catalog::open_with(&url, OpenMode::Create).await.unwrap();
        // Two rows as fretwise wrote them before migration 3: the duplicate was trainable.
        for (id, duplicate_of) in [("a", None), ("b", Some("a"))] {
            sqlx::query(
                "INSERT INTO lessons (id, source, content_hash, text_hash, format, synthetic,
                    duration_s, word_count, utterance_count, quality_score, trainable,
                    duplicate_of, service_terms, ingested_at)
                 VALUES ($1, $1, 'h', 't', 'whisperx', 0, 1.0, 10, 1, 0.9, 1, $2, '[]', 'now')",
            )
            .bind(id)
            .bind(duplicate_of)
            .execute(&c.pool)
            .await
            .unwrap();
        }
        sqlx::query("DELETE FROM fretwise_migrations WHERE version = 3")
            .execute(&c.pool)
            .await
            .unwrap();
        c.close().await;

        let c = Catalog::open_with(&url, OpenMode::Existing).await.unwrap();
        let lessons = c.lessons().await.unwrap();
        let trainable: Vec<(&str, bool)> = lessons
            .iter()
            .map(|l| (l.id.as_str(), l.trainable))
            .collect();
        assert_eq!(trainable, [("a", true), ("b", false)]);
        assert_eq!(lessons[1].duplicate_of.as_deref(), Some("a"));
        c.close().await;
    }
}
