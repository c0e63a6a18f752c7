//! The skill model: one Glicko-style rating per student and concept — a mean on the logit scale
//! and its standard deviation — updated from graded takes, quiz answers and self-reports, with
//! uncertainty growing while a concept is not practised and good evidence on a concept raising
//! its prerequisites ("a solid barre chord implies open chords").
//!
//! `σ(mean − b)` is the performance score (0–1, [`crate::rating`]) expected on an exercise of
//! difficulty `b` relative to the concept's reference exercise (0 at the start tempo; faster is
//! harder); the outcome of each update is the take's performance score. docs/LEARNER.md says why this
//! model fits and gives the constants.

use std::collections::BTreeMap;

use fretwise_knowledge::{Concept, Ontology};
use serde::Serialize;

/// Skill (logit) a student of each level rank (1–3) is assumed to have on a difficulty-1
/// concept before any evidence; each difficulty step above costs `PRIOR_STEP`.
const PRIOR_ABILITY: [f64; 3] = [0.5, 2.0, 3.5];
/// Prior skill lost per difficulty step.
const PRIOR_STEP: f64 = 1.0;
/// Prior standard deviation (wide: a level says little about one concept).
pub const PRIOR_SD: f64 = 1.5;
/// Smallest standard deviation (evidence never makes the model certain).
const MIN_SD: f64 = 0.25;
/// Uncertainty growth per day without evidence (Glicko's c²: variance added per day).
const DRIFT_PER_DAY: f64 = 0.01;
/// Skill at which a concept counts as mastered: a Good take (performance 0.7) expected on its
/// reference exercise.
pub const MASTERY: f64 = 0.847;
/// Skill at which a concept counts as known well enough to build on: performance 0.6 expected.
pub const SOLID: f64 = 0.405;
/// Logit cost of playing an exercise faster than its start tempo, per doubling of tempo.
pub const TEMPO_COST: f64 = 1.5;

/// The logistic function.
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Difficulty of an exercise at `tempo` for a concept whose reference exercise is at `start`.
pub fn tempo_difficulty(tempo: f64, start: f64) -> f64 {
    if tempo > 0.0 && start > 0.0 {
        TEMPO_COST * (tempo / start).log2()
    } else {
        0.0
    }
}

/// One concept's estimate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SkillEstimate {
    /// Skill on the logit scale.
    pub mean: f64,
    /// Standard deviation of the estimate.
    pub sd: f64,
    /// Pieces of evidence behind it (0 = the level's prior).
    pub evidence: u32,
    /// Last update (unix seconds; 0 = never).
    pub updated_unix: i64,
}

impl SkillEstimate {
    /// Performance score expected on the concept's reference exercise (0–1).
    pub fn p_success(&self) -> f64 {
        sigmoid(self.mean)
    }

    /// The estimate as it stands at `now`: its uncertainty grown by the days without evidence.
    pub fn at(&self, now: i64) -> SkillEstimate {
        if self.updated_unix <= 0 || now <= self.updated_unix {
            return *self;
        }
        let days = (now - self.updated_unix) as f64 / 86_400.0;
        let var = (self.sd * self.sd + DRIFT_PER_DAY * days).min(PRIOR_SD * PRIOR_SD);
        SkillEstimate {
            sd: var.sqrt().max(self.sd),
            ..*self
        }
    }

    /// Glicko's update against an exercise of known difficulty `b` with outcome `s` in [0, 1],
    /// counted with `weight` (1 = a graded take).
    pub fn update(&self, b: f64, s: f64, weight: f64, now: i64) -> SkillEstimate {
        let cur = self.at(now);
        let e = sigmoid(cur.mean - b);
        let info = (e * (1.0 - e)).max(1e-6) * weight;
        let var = 1.0 / (1.0 / (cur.sd * cur.sd) + info);
        let mean = cur.mean + var * weight * (s.clamp(0.0, 1.0) - e);
        SkillEstimate {
            mean,
            sd: var.sqrt().max(MIN_SD),
            evidence: self.evidence + 1,
            updated_unix: now.max(self.updated_unix),
        }
    }
}

/// A piece of evidence about one concept.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    /// A graded take: its performance score (0–1) on an exercise of difficulty `b`.
    Take {
        /// Performance (0–1), see [`crate::rating`].
        score: f64,
        /// Exercise difficulty relative to the concept's reference exercise.
        b: f64,
    },
    /// A quiz answer (theory questions): right or wrong.
    Quiz {
        /// Whether it was right.
        correct: bool,
    },
    /// The student's own rating of the concept, 1 (cannot) to 5 (easy).
    SelfReport {
        /// 1–5.
        confidence: u8,
    },
}

impl Evidence {
    /// (difficulty, outcome, weight) for the update: a quiz counts half a take, a self-report
    /// a quarter (people misjudge themselves).
    fn terms(self) -> (f64, f64, f64) {
        match self {
            Evidence::Take { score, b } => (b, score, 1.0),
            Evidence::Quiz { correct } => (0.0, if correct { 1.0 } else { 0.0 }, 0.5),
            Evidence::SelfReport { confidence } => {
                let c = f64::from(confidence.clamp(1, 5));
                (0.0, (c - 1.0) / 4.0, 0.25)
            }
        }
    }
}

/// A student's skill estimates over the ontology.
#[derive(Debug, Clone)]
pub struct SkillModel {
    level: u8,
    skills: BTreeMap<String, SkillEstimate>,
}

impl SkillModel {
    /// A model for a student of level rank 1–3 with the given stored estimates.
    pub fn new(level: u8, skills: BTreeMap<String, SkillEstimate>) -> SkillModel {
        SkillModel {
            level: level.clamp(1, 3),
            skills,
        }
    }

    /// The level rank.
    pub fn level(&self) -> u8 {
        self.level
    }

    /// The level's prior for a concept.
    pub fn prior(&self, concept: &Concept) -> SkillEstimate {
        let ability = PRIOR_ABILITY[usize::from(self.level - 1)];
        SkillEstimate {
            mean: ability - PRIOR_STEP * f64::from(concept.difficulty.saturating_sub(1)),
            sd: PRIOR_SD,
            evidence: 0,
            updated_unix: 0,
        }
    }

    /// The estimate for a concept at `now` (the prior when there is no evidence).
    pub fn estimate(&self, concept: &Concept, now: i64) -> SkillEstimate {
        match self.skills.get(&concept.id) {
            Some(s) => s.at(now),
            None => self.prior(concept),
        }
    }

    /// Stored estimates (concepts with evidence).
    pub fn stored(&self) -> &BTreeMap<String, SkillEstimate> {
        &self.skills
    }

    /// Whether the concept is mastered (80 % success on its reference exercise).
    pub fn mastered(&self, concept: &Concept, now: i64) -> bool {
        self.estimate(concept, now).mean >= MASTERY
    }

    /// Applies evidence on `concept` and, when it shows the concept going well, on its
    /// prerequisites (half the weight per step back, raising only). Returns the concepts whose
    /// estimate changed.
    pub fn observe(
        &mut self,
        ontology: &Ontology,
        concept: &Concept,
        evidence: Evidence,
        now: i64,
    ) -> Vec<String> {
        let (b, s, w) = evidence.terms();
        let before = self.estimate(concept, now);
        let after = before.update(b, s, w, now);
        self.skills.insert(concept.id.clone(), after);
        let mut changed = vec![concept.id.clone()];
        // Success on a concept is evidence for what it builds on; failure says little about
        // the prerequisites (the new part may be what failed), so it is not propagated.
        if s >= 0.7 {
            let mut frontier: Vec<(String, u32)> =
                concept.requires.iter().map(|r| (r.clone(), 1)).collect();
            while let Some((id, hops)) = frontier.pop() {
                if changed.contains(&id) || hops > 3 {
                    continue;
                }
                let Some(p) = ontology.get(&id) else { continue };
                let est = self.estimate(p, now);
                // The prerequisite was exercised as part of a harder piece: it is at least as
                // easy as this exercise.
                let pw = w * 0.5f64.powi(hops as i32);
                if sigmoid(est.mean - b) < s {
                    self.skills.insert(p.id.clone(), est.update(b, s, pw, now));
                    changed.push(p.id.clone());
                }
                frontier.extend(p.requires.iter().map(|r| (r.clone(), hops + 1)));
            }
        }
        changed
    }
}
