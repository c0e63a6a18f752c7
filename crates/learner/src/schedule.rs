//! Spaced practice: one practice item per student and concept, scheduled by FSRS (the `fsrs`
//! crate, the reference implementation) from the rating of each take; the item's target tempo
//! rises after Good or Easy takes played at tempo and falls after a failed one.

use fsrs::{FSRS, MemoryState};
use serde::{Deserialize, Serialize};

use crate::LearnerError;
use crate::rating::{Performance, Rating};

/// Retention FSRS schedules for: an item comes back when the chance of still playing it
/// well has dropped to 90 %.
pub const DESIRED_RETENTION: f32 = 0.9;
/// Tempo step after a Good take at tempo (Easy takes step twice as far).
const TEMPO_STEP: f64 = 1.05;
/// Fastest target tempo the scheduler sets, as a multiple of the start tempo.
const MAX_TEMPO_FACTOR: f64 = 2.0;

/// A spaced-practice item: a concept practised with one exercise family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PracticeItem {
    /// Id ("{student}.{concept}").
    pub id: String,
    /// Concept id.
    pub concept: String,
    /// FSRS stability (days), after the first take.
    pub stability: Option<f32>,
    /// FSRS difficulty (1–10), after the first take.
    pub difficulty: Option<f32>,
    /// When it is due (unix seconds).
    pub due_unix: i64,
    /// Last take (unix seconds).
    pub last_unix: Option<i64>,
    /// Takes recorded.
    pub reps: u32,
    /// Takes rated Again.
    pub lapses: u32,
    /// Tempo the next exercise is written at (bpm).
    pub target_tempo: f64,
    /// The concept's start tempo (bpm).
    pub start_tempo: f64,
    /// Which exercise variant comes next (another key, chord set or position).
    pub variant: u32,
}

impl PracticeItem {
    /// A new item, due now, at the concept's start tempo.
    pub fn new(student: &str, concept: &str, start_tempo: f64, now: i64) -> PracticeItem {
        PracticeItem {
            id: item_id(student, concept),
            concept: concept.to_string(),
            stability: None,
            difficulty: None,
            due_unix: now,
            last_unix: None,
            reps: 0,
            lapses: 0,
            target_tempo: start_tempo,
            start_tempo,
            variant: 0,
        }
    }

    /// Whether it is due at `now`.
    pub fn is_due(&self, now: i64) -> bool {
        self.due_unix <= now
    }
}

/// The item id of a student's practice of a concept.
pub fn item_id(student: &str, concept: &str) -> String {
    format!("{student}.{concept}")
}

/// The FSRS scheduler with the reference default parameters.
pub struct Scheduler {
    fsrs: FSRS,
}

impl Default for Scheduler {
    fn default() -> Self {
        Scheduler::new()
    }
}

impl Scheduler {
    /// The scheduler with FSRS's default parameters (fit to the average learner).
    pub fn new() -> Scheduler {
        Scheduler {
            fsrs: FSRS::default(),
        }
    }

    /// The item after a take rated `rating` at `now`, played as `perf`.
    pub fn review(
        &self,
        item: &PracticeItem,
        rating: Rating,
        perf: Option<&Performance>,
        now: i64,
    ) -> Result<PracticeItem, LearnerError> {
        let memory = match (item.stability, item.difficulty) {
            (Some(stability), Some(difficulty)) => Some(MemoryState {
                stability,
                difficulty,
            }),
            _ => None,
        };
        let elapsed = item
            .last_unix
            .map_or(0, |l| ((now - l).max(0) / 86_400) as u32);
        let next = self
            .fsrs
            .next_states(memory, DESIRED_RETENTION, elapsed)
            .map_err(|e| LearnerError::Invalid(format!("scheduling {}: {e}", item.id)))?;
        let state = match rating {
            Rating::Again => next.again,
            Rating::Hard => next.hard,
            Rating::Good => next.good,
            Rating::Easy => next.easy,
        };
        let days = f64::from(state.interval).round().max(1.0);
        let mut out = item.clone();
        out.stability = Some(state.memory.stability);
        out.difficulty = Some(state.memory.difficulty);
        out.due_unix = now + (days * 86_400.0) as i64;
        out.last_unix = Some(now);
        out.reps += 1;
        let at_tempo = perf.is_none_or(Performance::at_tempo);
        match rating {
            Rating::Again => {
                out.lapses += 1;
                out.target_tempo = (item.target_tempo / TEMPO_STEP).max(item.start_tempo * 0.75);
            }
            Rating::Hard => {}
            Rating::Good if at_tempo => {
                out.target_tempo =
                    (item.target_tempo * TEMPO_STEP).min(item.start_tempo * MAX_TEMPO_FACTOR);
            }
            Rating::Easy if at_tempo => {
                out.target_tempo = (item.target_tempo * TEMPO_STEP * TEMPO_STEP)
                    .min(item.start_tempo * MAX_TEMPO_FACTOR);
                // An easy take earns a fresh variant (another key or position) next time.
                out.variant += 1;
            }
            _ => {}
        }
        out.target_tempo = out.target_tempo.round();
        Ok(out)
    }

    /// Days until the next review of an item just rated Good for the first time (used to lay
    /// out reviews in plans).
    pub fn good_intervals(&self, reviews: usize) -> Vec<u32> {
        let mut memory = None;
        let mut out = Vec::new();
        let mut elapsed = 0;
        for _ in 0..reviews {
            let Ok(next) = self.fsrs.next_states(memory, DESIRED_RETENTION, elapsed) else {
                break;
            };
            let days = next.good.interval.round().max(1.0) as u32;
            out.push(days);
            memory = Some(next.good.memory);
            elapsed = days;
        }
        out
    }
}
