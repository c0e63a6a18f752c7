//! What the learner keeps per student: the student, per-concept skill estimates, practice items,
//! the history of evidence and the current plan. Values are stored as given (numbers and JSON
//! text); `crates/learner` computes and reads them.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::CatalogError;
use crate::store::{Catalog, dialect};

/// A student as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StudentRow {
    /// Id ("st_…").
    pub id: String,
    /// Display name.
    pub name: String,
    /// Level rank: 1 beginner, 2 intermediate, 3 advanced.
    pub level: i64,
    /// Goals, styles and learning preferences (JSON written by the learner).
    pub profile: String,
    /// Created (RFC 3339).
    pub created_at: String,
}

/// One concept's skill estimate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkillRow {
    /// Concept id.
    pub concept: String,
    /// Estimated skill (logit scale).
    pub mean: f64,
    /// Its standard deviation.
    pub sd: f64,
    /// Pieces of evidence behind it.
    pub evidence: i64,
    /// Last update (unix seconds).
    pub updated_unix: i64,
}

/// One spaced-practice item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemRow {
    /// Item id.
    pub item_id: String,
    /// Concept it practises.
    pub concept: String,
    /// Scheduler state (JSON written by the learner).
    pub state: String,
    /// When it is due (unix seconds).
    pub due_unix: i64,
}

/// One piece of history: a take, a question, a self-report, a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRow {
    /// Id; a take's id is derived from its content, so recording it twice is seen.
    pub id: String,
    /// "take", "question", "self_report", "quiz", "plan" or "feedback".
    pub kind: String,
    /// The concept it is about.
    pub concept: Option<String>,
    /// What happened (JSON written by the learner).
    pub payload: String,
    /// When (unix seconds).
    pub created_unix: i64,
}

fn student_row(r: &AnyRow) -> Result<StudentRow, CatalogError> {
    Ok(StudentRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        level: r.try_get("level")?,
        profile: r.try_get("profile")?,
        created_at: r.try_get("created_at")?,
    })
}

impl Catalog {
    /// Stores a new student.
    pub async fn insert_student(&self, s: &StudentRow) -> Result<(), CatalogError> {
        sqlx::query(dialect(
            self.backend,
            "INSERT INTO students (id, name, level, profile, created_at) VALUES ($1, $2, $3, $4, $5)",
        ))
        .bind(s.id.as_str())
        .bind(s.name.as_str())
        .bind(s.level)
        .bind(s.profile.as_str())
        .bind(s.created_at.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Replaces a student's level and profile; false when there is no such student.
    pub async fn update_student(
        &self,
        id: &str,
        level: i64,
        profile: &str,
    ) -> Result<bool, CatalogError> {
        let n = sqlx::query(dialect(
            self.backend,
            "UPDATE students SET level = $1, profile = $2 WHERE id = $3",
        ))
        .bind(level)
        .bind(profile)
        .bind(id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    /// The student with this id.
    pub async fn student(&self, id: &str) -> Result<Option<StudentRow>, CatalogError> {
        sqlx::query(dialect(
            self.backend,
            "SELECT id, name, level, profile, created_at FROM students WHERE id = $1",
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(student_row)
        .transpose()
    }

    /// Every student, oldest first.
    pub async fn students(&self) -> Result<Vec<StudentRow>, CatalogError> {
        sqlx::query(dialect(
            self.backend,
            "SELECT id, name, level, profile, created_at FROM students ORDER BY created_at, id",
        ))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(student_row)
        .collect()
    }

    /// A student's skill estimates, by concept.
    pub async fn student_skills(&self, student: &str) -> Result<Vec<SkillRow>, CatalogError> {
        sqlx::query(dialect(
            self.backend,
            "SELECT concept, mean, sd, evidence, updated_unix FROM student_skills
             WHERE student_id = $1 ORDER BY concept",
        ))
        .bind(student)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(SkillRow {
                concept: r.try_get("concept")?,
                mean: r.try_get("mean")?,
                sd: r.try_get("sd")?,
                evidence: r.try_get("evidence")?,
                updated_unix: r.try_get("updated_unix")?,
            })
        })
        .collect()
    }

    /// A student's practice items, soonest due first.
    pub async fn student_items(&self, student: &str) -> Result<Vec<ItemRow>, CatalogError> {
        sqlx::query(dialect(
            self.backend,
            "SELECT item_id, concept, state, due_unix FROM student_items
             WHERE student_id = $1 ORDER BY due_unix, item_id",
        ))
        .bind(student)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(ItemRow {
                item_id: r.try_get("item_id")?,
                concept: r.try_get("concept")?,
                state: r.try_get("state")?,
                due_unix: r.try_get("due_unix")?,
            })
        })
        .collect()
    }

    /// A student's most recent `limit` events, newest first.
    pub async fn student_events(
        &self,
        student: &str,
        limit: i64,
    ) -> Result<Vec<EventRow>, CatalogError> {
        sqlx::query(dialect(
            self.backend,
            "SELECT id, kind, concept, payload, created_unix FROM student_events
             WHERE student_id = $1 ORDER BY created_unix DESC, id DESC LIMIT $2",
        ))
        .bind(student)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(EventRow {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                concept: r.try_get("concept")?,
                payload: r.try_get("payload")?,
                created_unix: r.try_get("created_unix")?,
            })
        })
        .collect()
    }

    /// Records one piece of evidence with the skill estimates and items it changed, in one
    /// transaction. Returns false (and changes nothing) when an event with this id is already
    /// recorded, so the same take sent twice is counted once.
    pub async fn record_student_evidence(
        &self,
        student: &str,
        event: &EventRow,
        skills: &[SkillRow],
        items: &[ItemRow],
    ) -> Result<bool, CatalogError> {
        let mut tx = self.pool.begin().await?;
        let seen = sqlx::query(dialect(
            self.backend,
            "SELECT id FROM student_events WHERE id = $1",
        ))
        .bind(event.id.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        if seen.is_some() {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query(dialect(
            self.backend,
            "INSERT INTO student_events (id, student_id, kind, concept, payload, created_unix)
             VALUES ($1, $2, $3, $4, $5, $6)",
        ))
        .bind(event.id.as_str())
        .bind(student)
        .bind(event.kind.as_str())
        .bind(event.concept.as_deref())
        .bind(event.payload.as_str())
        .bind(event.created_unix)
        .execute(&mut *tx)
        .await?;
        for s in skills {
            sqlx::query(dialect(
                self.backend,
                "INSERT INTO student_skills (student_id, concept, mean, sd, evidence, updated_unix)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (student_id, concept) DO UPDATE SET mean = excluded.mean,
                 sd = excluded.sd, evidence = excluded.evidence, updated_unix = excluded.updated_unix",
            ))
            .bind(student)
            .bind(s.concept.as_str())
            .bind(s.mean)
            .bind(s.sd)
            .bind(s.evidence)
            .bind(s.updated_unix)
            .execute(&mut *tx)
            .await?;
        }
        for i in items {
            sqlx::query(dialect(
                self.backend,
                "INSERT INTO student_items (student_id, item_id, concept, state, due_unix)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (student_id, item_id) DO UPDATE SET concept = excluded.concept,
                 state = excluded.state, due_unix = excluded.due_unix",
            ))
            .bind(student)
            .bind(i.item_id.as_str())
            .bind(i.concept.as_str())
            .bind(i.state.as_str())
            .bind(i.due_unix)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Stores (or replaces) a student's current plan.
    pub async fn save_student_plan(
        &self,
        student: &str,
        plan: &str,
        created_unix: i64,
    ) -> Result<(), CatalogError> {
        sqlx::query(dialect(
            self.backend,
            "INSERT INTO student_plans (student_id, plan, created_unix) VALUES ($1, $2, $3)
             ON CONFLICT (student_id) DO UPDATE SET plan = excluded.plan,
             created_unix = excluded.created_unix",
        ))
        .bind(student)
        .bind(plan)
        .bind(created_unix)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A student's current plan (JSON) and when it was made.
    pub async fn student_plan(&self, student: &str) -> Result<Option<(String, i64)>, CatalogError> {
        let row = sqlx::query(dialect(
            self.backend,
            "SELECT plan, created_unix FROM student_plans WHERE student_id = $1",
        ))
        .bind(student)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => Ok(Some((r.try_get("plan")?, r.try_get("created_unix")?))),
            None => Ok(None),
        }
    }
}
