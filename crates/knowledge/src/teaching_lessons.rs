//! The lessons that teach a concept, for `concepts lessons`, paths and the service.

use std::collections::HashMap;

use fretwise_catalog::{Catalog, CatalogError, LessonCuration};
use serde::Serialize;

use crate::{Occurrence, level_rank};

/// A usable lesson that teaches a concept, and where in it.
#[derive(Debug, Clone, Serialize)]
pub struct LessonTeaching {
    /// Lesson id.
    pub lesson_id: String,
    /// Lesson title.
    pub title: Option<String>,
    /// Instructor name.
    pub instructor: Option<String>,
    /// Skill level as the catalog gives it.
    pub level: Option<String>,
    /// Weight of the concept in the lesson.
    pub weight: f64,
    /// How often the concept is mentioned.
    pub mentions: i64,
    /// Start of each mention, in seconds.
    pub at_s: Vec<f64>,
}

/// Lessons teaching `concept` (an ontology id), best first: only usable ones (trainable, not a
/// duplicate), at level rank `level` when given, at most `limit`.
pub async fn lessons_teaching(
    catalog: &Catalog,
    concept: &str,
    level: Option<u8>,
    limit: usize,
) -> Result<Vec<LessonTeaching>, CatalogError> {
    let infos: HashMap<String, LessonCuration> = catalog
        .lesson_curations()
        .await?
        .into_iter()
        .filter(|i| i.trainable && i.duplicate_of.is_none())
        .map(|i| (i.id.clone(), i))
        .collect();
    let mut out = Vec::new();
    for l in catalog.concept_lessons(concept).await? {
        let Some(info) = infos.get(&l.lesson_id) else {
            continue;
        };
        if level.is_some() && info.level.as_deref().and_then(level_rank) != level {
            continue;
        }
        // Occurrences are written by the rebuild; an unreadable row only loses its times.
        let occurrences: Vec<Occurrence> = serde_json::from_str(&l.occurrences).unwrap_or_default();
        out.push(LessonTeaching {
            lesson_id: l.lesson_id,
            title: info.title.clone(),
            instructor: info.instructor.clone(),
            level: info.level.clone(),
            weight: l.weight,
            mentions: l.mentions,
            at_s: occurrences.iter().map(|o| o.start_s).collect(),
        });
        if out.len() >= limit {
            break;
        }
    }
    Ok(out)
}
