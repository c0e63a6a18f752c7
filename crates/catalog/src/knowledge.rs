//! Storage for derived knowledge: per-lesson concepts and teaching patterns, instructor phrase
//! pools, and whole-library artifacts (profiles, the concept graph). The catalog stores and
//! returns these as plain rows and JSON text; `crates/knowledge` computes and interprets them.

use std::collections::HashMap;

use sqlx::Row;

use crate::CatalogError;
use crate::store::{Catalog, ROWS_PER_STATEMENT, dialect, now, placeholders, values_placeholders};

/// One lesson's derived knowledge, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct LessonKnowledgeRow {
    /// Lesson id.
    pub lesson_id: String,
    /// The lesson's content hash when this was computed (stale when it differs).
    pub content_hash: String,
    /// Version of the code that computed it (stale when it differs).
    pub version: i64,
    /// Lesson structure type.
    pub structure: String,
    /// JSON summary (concept counts, move counts, structure scores).
    pub summary: String,
    /// JSON sentence timeline.
    pub timeline: String,
    /// Concepts taught, with weights and where they occur.
    pub concepts: Vec<LessonConceptRow>,
}

/// One lesson's knowledge computed while ingest holds the lesson in memory (on its worker
/// pool) and stored with it, so that the knowledge rebuild need not read the lesson back.
/// Implemented by the knowledge base; ingest knows only this trait.
pub trait LessonAnalysis: Send + Sync {
    /// The knowledge row of `record`, stored under `record.id` at its content hash.
    fn analyse(&self, record: &crate::LessonRecord) -> LessonKnowledgeRow;
}

/// Lessons handed on by ingest once a batch of them is committed, under the ids the catalog
/// gave them, so that a reader above the catalog (the search index) can build from the lessons
/// in memory instead of reading them back. Implemented above the catalog; ingest knows only
/// this trait.
pub trait LessonSink: Send + Sync {
    /// `lessons` (catalog id, record) were committed.
    fn stored(&self, lessons: Vec<(String, crate::LessonRecord)>);
}

/// A concept in a lesson.
#[derive(Debug, Clone, PartialEq)]
pub struct LessonConceptRow {
    /// Concept id.
    pub concept: String,
    /// Share of the lesson's concept-bearing terms, 0–1.
    pub weight: f64,
    /// Term occurrences signalling it.
    pub mentions: i64,
    /// JSON list of occurrences (utterance, start, end, term).
    pub occurrences: String,
}

/// A lesson that teaches a concept.
#[derive(Debug, Clone, PartialEq)]
pub struct ConceptLesson {
    /// Lesson id.
    pub lesson_id: String,
    /// Weight of the concept in the lesson.
    pub weight: f64,
    /// Mentions.
    pub mentions: i64,
    /// JSON occurrences.
    pub occurrences: String,
}

impl Catalog {
    /// (content hash, version) of every lesson's stored knowledge.
    pub async fn knowledge_states(&self) -> Result<HashMap<String, (String, i64)>, CatalogError> {
        let mut out = HashMap::new();
        for r in sqlx::query("SELECT lesson_id, content_hash, version FROM lesson_knowledge")
            .fetch_all(&self.pool)
            .await?
        {
            out.insert(
                r.try_get("lesson_id")?,
                (r.try_get("content_hash")?, r.try_get("version")?),
            );
        }
        Ok(out)
    }

    /// Deletes every lesson's stored knowledge (before a full rebuild).
    pub async fn clear_lesson_knowledge(&self) -> Result<(), CatalogError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM lesson_concepts")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM lesson_knowledge")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Writes the knowledge of the given lessons in one transaction, replacing earlier rows when
    /// `replace` (false only right after [`Catalog::clear_lesson_knowledge`]).
    pub async fn write_lesson_knowledge(
        &self,
        rows: &[LessonKnowledgeRow],
        replace: bool,
    ) -> Result<(), CatalogError> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        let built = now();
        for chunk in rows.chunks(ROWS_PER_STATEMENT).filter(|_| replace) {
            let ids = placeholders(chunk.len());
            for table in ["lesson_knowledge", "lesson_concepts"] {
                let sql = format!("DELETE FROM {table} WHERE lesson_id IN ({ids})");
                let mut q = sqlx::query(dialect(self.backend, &sql));
                for r in chunk {
                    q = q.bind(r.lesson_id.as_str());
                }
                q.execute(&mut *tx).await?;
            }
        }
        for chunk in rows.chunks(ROWS_PER_STATEMENT / 7) {
            let sql = format!(
                "INSERT INTO lesson_knowledge (lesson_id, content_hash, version, structure, summary, timeline, built_at) VALUES {}",
                values_placeholders(7, chunk.len())
            );
            let mut q = sqlx::query(dialect(self.backend, &sql));
            for r in chunk {
                q = q
                    .bind(r.lesson_id.as_str())
                    .bind(r.content_hash.as_str())
                    .bind(r.version)
                    .bind(r.structure.as_str())
                    .bind(r.summary.as_str())
                    .bind(r.timeline.as_str())
                    .bind(built.as_str());
            }
            q.execute(&mut *tx).await?;
        }
        let concepts: Vec<(&str, &LessonConceptRow)> = rows
            .iter()
            .flat_map(|r| r.concepts.iter().map(move |c| (r.lesson_id.as_str(), c)))
            .collect();
        for chunk in concepts.chunks(ROWS_PER_STATEMENT / 5) {
            let sql = format!(
                "INSERT INTO lesson_concepts (lesson_id, concept, weight, mentions, occurrences) VALUES {}",
                values_placeholders(5, chunk.len())
            );
            let mut q = sqlx::query(dialect(self.backend, &sql));
            for (id, c) in chunk {
                q = q
                    .bind(*id)
                    .bind(c.concept.as_str())
                    .bind(c.weight)
                    .bind(c.mentions)
                    .bind(c.occurrences.as_str());
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deletes knowledge of lessons that no longer exist; returns how many lessons it removed.
    pub async fn delete_orphan_knowledge(&self) -> Result<u64, CatalogError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM lesson_concepts WHERE lesson_id NOT IN (SELECT id FROM lessons)")
            .execute(&mut *tx)
            .await?;
        let n = sqlx::query(
            "DELETE FROM lesson_knowledge WHERE lesson_id NOT IN (SELECT id FROM lessons)",
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(n)
    }

    /// Every lesson's knowledge summary JSON, ordered by lesson id.
    pub async fn knowledge_summaries(&self) -> Result<Vec<(String, String)>, CatalogError> {
        let mut out = Vec::new();
        for r in sqlx::query("SELECT lesson_id, summary FROM lesson_knowledge ORDER BY lesson_id")
            .fetch_all(&self.pool)
            .await?
        {
            out.push((r.try_get("lesson_id")?, r.try_get("summary")?));
        }
        Ok(out)
    }

    /// One lesson's stored knowledge (without concepts), if built.
    pub async fn lesson_knowledge(
        &self,
        lesson_id: &str,
    ) -> Result<Option<LessonKnowledgeRow>, CatalogError> {
        let row = sqlx::query(dialect(
            self.backend,
            "SELECT lesson_id, content_hash, version, structure, summary, timeline FROM lesson_knowledge WHERE lesson_id = $1",
        ))
        .bind(lesson_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        let mut concepts = Vec::new();
        for c in sqlx::query(dialect(
            self.backend,
            "SELECT concept, weight, mentions, occurrences FROM lesson_concepts WHERE lesson_id = $1 ORDER BY weight DESC, concept",
        ))
        .bind(lesson_id)
        .fetch_all(&self.pool)
        .await?
        {
            concepts.push(LessonConceptRow {
                concept: c.try_get("concept")?,
                weight: c.try_get("weight")?,
                mentions: c.try_get("mentions")?,
                occurrences: c.try_get("occurrences")?,
            });
        }
        Ok(Some(LessonKnowledgeRow {
            lesson_id: r.try_get("lesson_id")?,
            content_hash: r.try_get("content_hash")?,
            version: r.try_get("version")?,
            structure: r.try_get("structure")?,
            summary: r.try_get("summary")?,
            timeline: r.try_get("timeline")?,
            concepts,
        }))
    }

    /// Lessons that teach a concept, strongest first.
    pub async fn concept_lessons(&self, concept: &str) -> Result<Vec<ConceptLesson>, CatalogError> {
        let mut out = Vec::new();
        for r in sqlx::query(dialect(
            self.backend,
            "SELECT lesson_id, weight, mentions, occurrences FROM lesson_concepts WHERE concept = $1
             ORDER BY weight DESC, mentions DESC, lesson_id",
        ))
        .bind(concept)
        .fetch_all(&self.pool)
        .await?
        {
            out.push(ConceptLesson {
                lesson_id: r.try_get("lesson_id")?,
                weight: r.try_get("weight")?,
                mentions: r.try_get("mentions")?,
                occurrences: r.try_get("occurrences")?,
            });
        }
        Ok(out)
    }

    /// Stored phrase pools: instructor id → (lessons key, pool JSON).
    pub async fn phrase_pools(&self) -> Result<HashMap<String, (String, String)>, CatalogError> {
        let mut out = HashMap::new();
        for r in sqlx::query("SELECT instructor_id, lessons_key, pool FROM instructor_phrases")
            .fetch_all(&self.pool)
            .await?
        {
            out.insert(
                r.try_get("instructor_id")?,
                (r.try_get("lessons_key")?, r.try_get("pool")?),
            );
        }
        Ok(out)
    }

    /// Replaces phrase pools (instructor id, lessons key, pool JSON) and drops the pools of
    /// instructors not in `keep`.
    pub async fn write_phrase_pools(
        &self,
        pools: &[(String, String, String)],
        keep: &[String],
    ) -> Result<(), CatalogError> {
        let mut tx = self.pool.begin().await?;
        for (id, key, pool) in pools {
            sqlx::query(dialect(
                self.backend,
                "INSERT INTO instructor_phrases (instructor_id, lessons_key, pool) VALUES ($1, $2, $3)
                 ON CONFLICT (instructor_id) DO UPDATE SET lessons_key = excluded.lessons_key, pool = excluded.pool",
            ))
            .bind(id.as_str())
            .bind(key.as_str())
            .bind(pool.as_str())
            .execute(&mut *tx)
            .await?;
        }
        let existing: Vec<String> = sqlx::query("SELECT instructor_id FROM instructor_phrases")
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get("instructor_id"))
            .collect::<Result<_, _>>()?;
        let keep: std::collections::HashSet<&str> = keep.iter().map(String::as_str).collect();
        for id in existing.iter().filter(|id| !keep.contains(id.as_str())) {
            sqlx::query(dialect(
                self.backend,
                "DELETE FROM instructor_phrases WHERE instructor_id = $1",
            ))
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Stores a whole-library artifact (e.g. "profiles", "graph") under a name.
    pub async fn put_artifact(&self, name: &str, body: &str) -> Result<(), CatalogError> {
        sqlx::query(dialect(
            self.backend,
            "INSERT INTO knowledge_artifacts (name, body, built_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET body = excluded.body, built_at = excluded.built_at",
        ))
        .bind(name)
        .bind(body)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A cheap value that changes when lessons are added or removed or the knowledge base is
    /// rebuilt after a change (lesson count and when the profiles were last built): readers
    /// with their own derived copy (a search index) compare it before a full check.
    pub async fn change_marker(&self) -> Result<String, CatalogError> {
        let count: i64 = sqlx::query("SELECT COUNT(*) AS n FROM lessons")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        let built: Option<String> =
            sqlx::query("SELECT built_at FROM knowledge_artifacts WHERE name = 'profiles'")
                .fetch_optional(&self.pool)
                .await?
                .map(|r| r.try_get("built_at"))
                .transpose()?;
        Ok(format!("{count}:{}", built.unwrap_or_default()))
    }

    /// A stored artifact with the time it was built.
    pub async fn artifact(&self, name: &str) -> Result<Option<(String, String)>, CatalogError> {
        let r = sqlx::query(dialect(
            self.backend,
            "SELECT body, built_at FROM knowledge_artifacts WHERE name = $1",
        ))
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match r {
            Some(r) => Some((r.try_get("body")?, r.try_get("built_at")?)),
            None => None,
        })
    }
}
