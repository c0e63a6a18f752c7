//! The learner: a per-student, per-concept skill estimate (Glicko-style rating with its
//! uncertainty) updated from graded takes, quiz answers and self-reports; practice items
//! scheduled with FSRS; exercises generated from the theory engine; practice suggestions,
//! lesson plans along the concept graph's prerequisites and instructor matching; and the
//! simulation that measures all of it against fixed and random curricula.
//!
//! Pure parts (`model`, `rating`, `schedule`, `exercise`, `practice`, `plan`, `matching`,
//! `sim`) do no I/O; `store` reads and writes students through the catalog's public API.

pub mod exercise;
pub mod matching;
pub mod model;
pub mod plan;
pub mod practice;
pub mod rating;
pub mod schedule;
pub mod sim;
pub mod store;

pub use exercise::{GeneratedExercise, exercise_for, start_tempo};
pub use matching::{InstructorMatch, Preferences, match_instructors};
pub use model::{Evidence, MASTERY, SOLID, SkillEstimate, SkillModel};
pub use plan::{Plan, PlanConcept, PlanDay, PlanInputs, PlanItem, PlanRequest, plan};
pub use practice::{PracticeRequest, Suggestion, suggestions, topic_note};
pub use rating::{Performance, Rating};
pub use schedule::{PracticeItem, Scheduler};
pub use store::{
    HistoryEntry, NewStudent, PlanAsk, PracticeAnswer, PracticeAsk, SkillView, Student,
    StudentView, TakeOutcome, create_student, list_students, load_model, load_student, make_plan,
    now_unix, practice_for, record_evidence, record_note, record_question, record_take, replan,
    resolve, view,
};

/// A lesson moment that teaches a concept (found by the caller's search index).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Moment {
    /// Lesson id.
    pub lesson_id: String,
    /// Title.
    pub title: String,
    /// Instructor name.
    pub instructor: String,
    /// Instructor id.
    pub instructor_id: String,
    /// Start (s).
    pub start_s: f64,
    /// End (s).
    pub end_s: f64,
    /// What the instructor says there.
    pub quote: String,
}

/// Finds lesson moments for a concept; the service and the CLI answer it from the instructor's
/// passage index, so the learner itself needs no search engine.
pub trait MomentSource: Sync {
    /// Up to `n` moments teaching `concept`, at or below level `max_level` (1–3) when given,
    /// the instructor `instructor_id`'s first when given.
    fn moments(
        &self,
        concept: &fretwise_knowledge::Concept,
        max_level: Option<u8>,
        instructor_id: Option<&str>,
        n: usize,
    ) -> Vec<Moment>;
}

/// Errors from the learner.
#[derive(Debug, thiserror::Error)]
pub enum LearnerError {
    /// A field a caller gave is out of range or unknown; the message names it.
    #[error("{0}")]
    Invalid(String),
    /// No student with this id.
    #[error("no student with id `{0}` (fretwise student list shows them)")]
    UnknownStudent(String),
    /// A concept name that is not in the ontology.
    #[error("{field}: {message}")]
    UnknownConcept {
        /// The field it was given in.
        field: String,
        /// What is wrong, with a suggestion.
        message: String,
    },
    /// A take that does not match its exercise.
    #[error("the take does not match the exercise: {0}; nothing was recorded")]
    Mismatch(String),
    /// The theory engine refused something the generator asked for (a bug in the generator).
    #[error("exercise generation: {0}")]
    Theory(String),
    /// The catalog failed.
    #[error(transparent)]
    Catalog(#[from] fretwise_catalog::CatalogError),
    /// A stored learner value could not be read back.
    #[error("corrupt stored learner value in {0}")]
    Corrupt(String),
}

/// A content hash (hex) of a recording's bytes: the same take gets the same id.
pub fn content_hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

/// Hardest concept difficulty (1–5) practised at a level rank (1–3): beginners 1–2,
/// intermediate players up to 3, advanced players everything.
pub fn max_difficulty(rank: u8) -> u8 {
    match rank {
        1 => 2,
        2 => 3,
        _ => 5,
    }
}

/// The level's name for a rank (1 beginner, 2 intermediate, 3 advanced).
pub fn level_name(rank: u8) -> &'static str {
    match rank {
        1 => "beginner",
        2 => "intermediate",
        _ => "advanced",
    }
}
