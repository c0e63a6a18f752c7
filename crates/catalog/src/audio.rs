//! Storage for lesson media: each analysed recording's quality (one row per lesson), its
//! demonstrations (one row each, with their times and the passages around them). The catalog
//! stores the analysis as JSON text; `crates/audio` computes it and `crates/ingest` runs it.

use std::collections::HashMap;

use sqlx::{FromRow, Row};

use crate::CatalogError;
use crate::model::RecordingStats;
use crate::store::{Catalog, ROWS_PER_STATEMENT, dialect, now, placeholders};

/// A lesson's analysed recording, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct LessonAudioRow {
    /// Lesson id.
    pub lesson_id: String,
    /// What identified the recording and transcript when it was analysed (the file's size and
    /// modification time, the transcript's hash; stale when it differs).
    pub audio_hash: String,
    /// Version of the analysis code (stale when it differs).
    pub version: i64,
    /// Speech-to-noise ratio, dB (also inside `quality`; a column so it can be filtered on).
    pub snr_db: f64,
    /// Standard deviation of the speech level, dB (also inside `quality`).
    pub level_spread_db: f64,
    /// Share of samples at full scale (also inside `quality`).
    pub clipping_ratio: f64,
    /// JSON: duration, sample rate, quality and remarks.
    pub quality: String,
    /// The demonstrations in time order.
    pub demonstrations: Vec<DemonstrationRow>,
}

/// One demonstration, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct DemonstrationRow {
    /// Position in the lesson, from 0.
    pub idx: i64,
    /// Start, seconds.
    pub start_s: f64,
    /// End, seconds.
    pub end_s: f64,
    /// The utterance that introduces it (the last one ending before it), when there is one.
    pub before_utterance: Option<i64>,
    /// The utterance that follows it, when there is one.
    pub after_utterance: Option<i64>,
    /// JSON analysis (notes, key, scale, tempo, chords, techniques, features, embedding).
    pub analysis: String,
}

impl Catalog {
    /// (lesson id, audio path, content hash) of every lesson with a recording, by id: a scan of
    /// three columns, so a library without recordings pays next to nothing.
    pub async fn lessons_with_audio(&self) -> Result<Vec<(String, String, String)>, CatalogError> {
        sqlx::query(
            "SELECT id, audio_path, content_hash FROM lessons WHERE audio_path IS NOT NULL AND audio_path <> '' ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("audio_path")?, r.try_get("content_hash")?)))
        .collect()
    }

    /// (audio hash, version) of every lesson whose recording was analysed.
    pub async fn audio_states(&self) -> Result<HashMap<String, (String, i64)>, CatalogError> {
        let mut out = HashMap::new();
        for r in sqlx::query("SELECT lesson_id, audio_hash, version FROM lesson_audio")
            .fetch_all(&self.pool)
            .await?
        {
            out.insert(
                r.try_get("lesson_id")?,
                (r.try_get("audio_hash")?, r.try_get("version")?),
            );
        }
        Ok(out)
    }

    /// Writes (or replaces) one lesson's audio analysis and demonstrations in one transaction.
    pub async fn write_lesson_audio(&self, row: &LessonAudioRow) -> Result<(), CatalogError> {
        let mut tx = self.pool.begin().await?;
        for table in ["lesson_audio", "demonstrations"] {
            let sql = format!("DELETE FROM {table} WHERE lesson_id = $1");
            sqlx::query(dialect(self.backend, &sql))
                .bind(row.lesson_id.as_str())
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(dialect(
            self.backend,
            "INSERT INTO lesson_audio (lesson_id, audio_hash, version, snr_db, quality, analysed_at, level_spread_db, clipping_ratio) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        ))
        .bind(row.lesson_id.as_str())
        .bind(row.audio_hash.as_str())
        .bind(row.version)
        .bind(row.snr_db)
        .bind(row.quality.as_str())
        .bind(now())
        .bind(row.level_spread_db)
        .bind(row.clipping_ratio)
        .execute(&mut *tx)
        .await?;
        for d in &row.demonstrations {
            sqlx::query(dialect(
                self.backend,
                "INSERT INTO demonstrations (lesson_id, idx, start_s, end_s, before_utterance, after_utterance, analysis) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            ))
            .bind(row.lesson_id.as_str())
            .bind(d.idx)
            .bind(d.start_s)
            .bind(d.end_s)
            .bind(d.before_utterance)
            .bind(d.after_utterance)
            .bind(d.analysis.as_str())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deletes the audio analyses (quality row and demonstrations) of the given lessons, in one
    /// transaction; returns how many lessons had one.
    pub async fn delete_lesson_audio(&self, ids: &[String]) -> Result<u64, CatalogError> {
        let mut tx = self.pool.begin().await?;
        let mut removed = 0;
        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
            let list = placeholders(chunk.len());
            for table in ["demonstrations", "lesson_audio"] {
                let sql = format!("DELETE FROM {table} WHERE lesson_id IN ({list})");
                let mut q = sqlx::query(dialect(self.backend, &sql));
                for id in chunk {
                    q = q.bind(id.as_str());
                }
                let done = q.execute(&mut *tx).await?;
                if table == "lesson_audio" {
                    removed += done.rows_affected();
                }
            }
        }
        tx.commit().await?;
        Ok(removed)
    }

    /// The audio analyses of the given lessons that have one, by lesson id.
    pub async fn lesson_audio_many(
        &self,
        ids: &[String],
    ) -> Result<HashMap<String, LessonAudioRow>, CatalogError> {
        let mut out: HashMap<String, LessonAudioRow> = HashMap::new();
        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
            let list = placeholders(chunk.len());
            let sql = format!(
                "SELECT lesson_id, audio_hash, version, snr_db, quality, level_spread_db, clipping_ratio FROM lesson_audio WHERE lesson_id IN ({list})"
            );
            let mut q = sqlx::query(dialect(self.backend, &sql));
            for id in chunk {
                q = q.bind(id.as_str());
            }
            for r in q.fetch_all(&self.pool).await? {
                let id: String = r.try_get("lesson_id")?;
                out.insert(id.clone(), LessonAudioRow::from_row(id, &r)?);
            }
            let sql = format!(
                "SELECT lesson_id, idx, start_s, end_s, before_utterance, after_utterance, analysis FROM demonstrations WHERE lesson_id IN ({list}) ORDER BY lesson_id, idx"
            );
            let mut q = sqlx::query(dialect(self.backend, &sql));
            for id in chunk {
                q = q.bind(id.as_str());
            }
            for d in q.fetch_all(&self.pool).await? {
                let id: String = d.try_get("lesson_id")?;
                if let Some(row) = out.get_mut(&id) {
                    row.demonstrations.push(DemonstrationRow::from_row(&d)?);
                }
            }
        }
        Ok(out)
    }

    /// Every stored demonstration: (lesson id, its row), by lesson and time.
    pub async fn all_demonstrations(
        &self,
    ) -> Result<Vec<(String, DemonstrationRow)>, CatalogError> {
        sqlx::query(
            "SELECT lesson_id, idx, start_s, end_s, before_utterance, after_utterance, analysis FROM demonstrations ORDER BY lesson_id, idx",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|d| {
            Ok((
                d.try_get("lesson_id")?,
                DemonstrationRow::from_row(d)?,
            ))
        })
        .collect()
    }

    /// The platform video of each given lesson that has one, by lesson id.
    pub async fn video_urls(
        &self,
        ids: &[String],
    ) -> Result<HashMap<String, String>, CatalogError> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
            let list = placeholders(chunk.len());
            let sql = format!(
                "SELECT id, video_url FROM lessons WHERE id IN ({list}) AND video_url IS NOT NULL AND video_url <> ''"
            );
            let mut q = sqlx::query(dialect(self.backend, &sql));
            for id in chunk {
                q = q.bind(id.as_str());
            }
            for r in q.fetch_all(&self.pool).await? {
                out.insert(r.try_get("id")?, r.try_get("video_url")?);
            }
        }
        Ok(out)
    }

    /// The recordings' totals and how many raise each recording flag.
    pub(crate) async fn recording_summary(
        &self,
    ) -> Result<(RecordingStats, Vec<(String, i64)>), CatalogError> {
        let mut stats = RecordingStats::default();
        let mut flags: HashMap<&'static str, i64> = HashMap::new();
        let mut snr_sum = 0.0;
        // The JSON only for rows analysed before migration 8, which lack the columns.
        for r in sqlx::query(
            "SELECT snr_db, level_spread_db, clipping_ratio,
                    CASE WHEN level_spread_db IS NULL OR clipping_ratio IS NULL THEN quality ELSE NULL END AS old_quality
             FROM lesson_audio",
        )
        .fetch_all(&self.pool)
        .await?
        {
            let snr_db: f64 = r.try_get("snr_db")?;
            let (level_spread_db, clipping_ratio) = match (
                r.try_get::<Option<f64>, _>("level_spread_db")?,
                r.try_get::<Option<f64>, _>("clipping_ratio")?,
            ) {
                (Some(l), Some(c)) => (l, c),
                _ => measures_in_json(
                    &r.try_get::<Option<String>, _>("old_quality")?
                        .unwrap_or_default(),
                ),
            };
            stats.analysed += 1;
            snr_sum += snr_db;
            let q = fretwise_quality::RecordingQuality {
                snr_db,
                level_spread_db,
                clipping_ratio,
            };
            for f in fretwise_quality::recording_flags(&q) {
                *flags.entry(f.code.as_str()).or_default() += 1;
            }
        }
        if stats.analysed > 0 {
            stats.mean_snr_db = snr_sum / stats.analysed as f64;
        }
        stats.demonstrations = sqlx::query("SELECT COUNT(*) AS n FROM demonstrations")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        Ok((
            stats,
            flags.into_iter().map(|(k, n)| (k.to_string(), n)).collect(),
        ))
    }

    /// One lesson's audio analysis, if its recording was analysed.
    pub async fn lesson_audio(
        &self,
        lesson_id: &str,
    ) -> Result<Option<LessonAudioRow>, CatalogError> {
        let Some(r) = sqlx::query(dialect(
            self.backend,
            "SELECT audio_hash, version, snr_db, quality, level_spread_db, clipping_ratio FROM lesson_audio WHERE lesson_id = $1",
        ))
        .bind(lesson_id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let demonstrations = sqlx::query(dialect(
            self.backend,
            "SELECT idx, start_s, end_s, before_utterance, after_utterance, analysis FROM demonstrations WHERE lesson_id = $1 ORDER BY idx",
        ))
        .bind(lesson_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|d| Ok(DemonstrationRow::from_row(d)?))
        .collect::<Result<Vec<_>, CatalogError>>()?;
        let mut row = LessonAudioRow::from_row(lesson_id.to_string(), &r)?;
        row.demonstrations = demonstrations;
        Ok(Some(row))
    }
}

impl FromRow<'_, sqlx::any::AnyRow> for DemonstrationRow {
    fn from_row(r: &sqlx::any::AnyRow) -> Result<Self, sqlx::Error> {
        Ok(DemonstrationRow {
            idx: r.try_get("idx")?,
            start_s: r.try_get("start_s")?,
            end_s: r.try_get("end_s")?,
            before_utterance: r.try_get("before_utterance")?,
            after_utterance: r.try_get("after_utterance")?,
            analysis: r.try_get("analysis")?,
        })
    }
}

impl LessonAudioRow {
    /// Decodes a `lesson_audio` row (without its demonstrations).
    fn from_row(lesson_id: String, r: &sqlx::any::AnyRow) -> Result<Self, CatalogError> {
        let quality: String = r.try_get("quality")?;
        let (level_spread_db, clipping_ratio) = match (
            r.try_get::<Option<f64>, _>("level_spread_db")?,
            r.try_get::<Option<f64>, _>("clipping_ratio")?,
        ) {
            (Some(l), Some(c)) => (l, c),
            // Analysed before migration 8: the figures are in the JSON.
            _ => measures_in_json(&quality),
        };
        Ok(LessonAudioRow {
            lesson_id,
            audio_hash: r.try_get("audio_hash")?,
            version: r.try_get("version")?,
            snr_db: r.try_get("snr_db")?,
            level_spread_db,
            clipping_ratio,
            quality,
            demonstrations: Vec::new(),
        })
    }

    /// The recording's quality measures, for its flags.
    pub fn recording_quality(&self) -> fretwise_quality::RecordingQuality {
        fretwise_quality::RecordingQuality {
            snr_db: self.snr_db,
            level_spread_db: self.level_spread_db,
            clipping_ratio: self.clipping_ratio,
        }
    }
}

/// (level spread, clipping ratio) from a stored quality JSON; NaN where it has none.
fn measures_in_json(quality: &str) -> (f64, f64) {
    let v: serde_json::Value = serde_json::from_str(quality).unwrap_or_default();
    let num = |k: &str| v.get(k).and_then(|x| x.as_f64()).unwrap_or(f64::NAN);
    (num("level_spread_db"), num("clipping_ratio"))
}
