//! The simulation that measures the learner: simulated students with hidden per-concept skills
//! and learning rates "play" the exercises a policy gives them; their takes are generated from
//! hidden skill against exercise difficulty and graded through the same performance mapping
//! as real takes. Skill grows most from practice at a desirable difficulty, with spacing, when
//! the prerequisites are in place, and decays without practice.
//!
//! Policies: the learner's planner (re-planned every day from the model, with FSRS reviews),
//! a fixed curriculum (the level's path, a fixed number of sessions per concept) and a random
//! one (a random concept of the path each session). Figures: practice minutes to mastery of a
//! goal, the error of the skill estimates against the hidden truth, and how often a session was
//! far above or below the student's level. docs/LEARNER.md reports them with the seeds.

use std::collections::BTreeMap;

use fretwise_knowledge::{Concept, Ontology};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::exercise::start_tempo;
use crate::matching::Preferences;
use crate::model::{Evidence, SkillModel, sigmoid, tempo_difficulty};
use crate::plan::{ITEM_MINUTES, PlanInputs, PlanRequest, plan};
use crate::rating::{Performance, Rating};
use crate::schedule::{PracticeItem, Scheduler};
use crate::{LearnerError, Moment, MomentSource};

/// How a simulated student learns (the simulation's own constants; the model does not see them).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct SimConfig {
    /// Days simulated at most (time to mastery is censored here).
    pub max_days: u32,
    /// Minutes practised a day.
    pub minutes_per_day: u32,
    /// Mean learning rate (skill gained by a session at the ideal difficulty).
    pub learning_rate: f64,
    /// Skill lost per day without practice, above the starting skill.
    pub decay_per_day: f64,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            max_days: 120,
            minutes_per_day: 20,
            learning_rate: 0.5,
            decay_per_day: 0.02,
        }
    }
}

/// A curriculum policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// The learner: daily plans from the skill model, FSRS reviews, adaptive tempo.
    Planner,
    /// The level's prerequisite path in order, six sessions per concept, no reviews.
    Fixed,
    /// A random concept of the path each session.
    Random,
}

impl Policy {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Planner => "planner",
            Policy::Fixed => "fixed",
            Policy::Random => "random",
        }
    }
}

/// Hidden skill at which the simulated student has mastered a concept: 80 % chance of playing
/// its reference exercise well.
const HIDDEN_MASTERY: f64 = 1.386;

/// Hidden skill on a prerequisite at which it halves what practice of a concept built on it
/// gains (the simulated world's own constant, not the model's).
const HIDDEN_PREREQ_HALF: f64 = 0.6;

/// Sessions per concept in the fixed curriculum (a typical syllabus: a week of practice).
const FIXED_SESSIONS: u32 = 6;

/// One simulated student's outcome under one policy.
#[derive(Debug, Clone, Serialize)]
pub struct StudentRun {
    /// Seed.
    pub seed: u64,
    /// Level rank.
    pub level: u8,
    /// Goal concept.
    pub goal: String,
    /// Practice minutes until the hidden skill on the goal reached mastery (None: not within
    /// `max_days`).
    pub minutes_to_mastery: Option<u32>,
    /// Root-mean-square error of the model's expected performance (0–1) against the hidden
    /// student's, over the concepts of the goal's path, at the end.
    pub estimate_rmse: f64,
    /// The same error of the level's prior alone (no evidence), for comparison.
    pub prior_rmse: f64,
    /// Sessions played.
    pub sessions: u32,
    /// Sessions far above the student (hidden success chance < 0.3).
    pub too_hard: u32,
    /// Sessions far below (hidden success chance > 0.95).
    pub too_easy: u32,
}

/// Aggregate over students.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Policy.
    pub policy: Policy,
    /// Students.
    pub students: usize,
    /// Students who reached mastery within the horizon.
    pub mastered: usize,
    /// Median practice minutes to mastery (the horizon's minutes counted for those who did
    /// not get there).
    pub median_minutes: f64,
    /// Mean of the same.
    pub mean_minutes: f64,
    /// Mean estimate RMSE.
    pub estimate_rmse: f64,
    /// Mean prior RMSE.
    pub prior_rmse: f64,
    /// Share of sessions far above or below the student's level.
    pub off_level_rate: f64,
}

struct NoMoments;

impl MomentSource for NoMoments {
    fn moments(&self, _: &Concept, _: Option<u8>, _: Option<&str>, _: usize) -> Vec<Moment> {
        Vec::new()
    }
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box–Muller.
    let u1: f64 = rng.random::<f64>().max(1e-12);
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// The goals simulated per level: what students of that level commonly work towards.
fn goals(level: u8) -> &'static [&'static str] {
    match level {
        1 => &[
            "barre-chords",
            "blues-form",
            "fingerpicking",
            "alternate-picking",
        ],
        2 => &["lead-playing", "arpeggios", "travis-picking", "keys"],
        _ => &[
            "improvisation",
            "sweep-picking",
            "chord-melody",
            "modal-soloing",
        ],
    }
}

/// A take by a student whose chance of playing the exercise well is `p`: pitch accuracy
/// around `p`, timing error growing as `p` falls, the tempo held only above even chances.
fn take_of(p: f64, rng: &mut ChaCha8Rng) -> Performance {
    let pitch = (p + 0.08 * normal(rng)).clamp(0.0, 1.0);
    let mae = (15.0 + 110.0 * (1.0 - p) + 10.0 * normal(rng)).max(3.0);
    let tempo_ratio = if p > 0.5 {
        1.0
    } else {
        (0.8 + 0.4 * p + 0.03 * normal(rng)).clamp(0.5, 1.0)
    };
    Performance {
        pitch_accuracy: pitch,
        timing_mae_ms: mae,
        timing_consistency_ms: 0.6 * mae,
        tempo_ratio,
        techniques_heard: None,
    }
}

struct Hidden {
    skill: BTreeMap<String, f64>,
    start: BTreeMap<String, f64>,
    last: BTreeMap<String, u32>,
    rate: f64,
}

impl Hidden {
    fn new(ontology: &Ontology, level: u8, rng: &mut ChaCha8Rng, cfg: &SimConfig) -> Hidden {
        let ability = [0.3, 1.8, 3.3][usize::from(level.clamp(1, 3) - 1)] + 0.6 * normal(rng);
        let mut skill = BTreeMap::new();
        // Concepts in prerequisite order, so a concept is never far ahead of what it needs.
        for c in ontology.concepts() {
            let base =
                ability - 1.1 * f64::from(c.difficulty.saturating_sub(1)) + 0.8 * normal(rng);
            skill.insert(c.id.clone(), base);
        }
        for _ in 0..3 {
            for c in ontology.concepts() {
                let cap = c
                    .requires
                    .iter()
                    .filter_map(|r| skill.get(r))
                    .fold(f64::INFINITY, |a, &b| a.min(b));
                if let Some(s) = skill.get_mut(&c.id)
                    && cap.is_finite()
                {
                    *s = s.min(cap + 0.5);
                }
            }
        }
        let rate = cfg.learning_rate * (0.35 * normal(rng)).exp();
        Hidden {
            start: skill.clone(),
            skill,
            last: BTreeMap::new(),
            rate,
        }
    }

    fn get(&self, id: &str) -> f64 {
        self.skill.get(id).copied().unwrap_or(-3.0)
    }

    /// Plays an exercise: a graded take's performance, and learning from it.
    fn play(
        &mut self,
        ontology: &Ontology,
        c: &Concept,
        tempo: f64,
        day: u32,
        rng: &mut ChaCha8Rng,
    ) -> (Performance, f64) {
        let b = tempo_difficulty(tempo, start_tempo(c));
        let p = sigmoid(self.get(&c.id) - b);
        let perf = take_of(p, rng);
        // Learning: most at a desirable difficulty (p near 0.5–0.7), more after a gap than
        // in a second session the same day, and only as far as the prerequisites allow.
        let desirability = 4.0 * p * (1.0 - p);
        let spacing = match self.last.get(&c.id) {
            None => 1.0,
            Some(&l) => 1.0 - (-(f64::from(day - l) + 0.3) / 1.5).exp(),
        };
        let prereq = c
            .requires
            .iter()
            .map(|r| sigmoid(2.0 * (self.get(r) - HIDDEN_PREREQ_HALF)))
            .fold(1.0, f64::min);
        let gain = self.rate * desirability * spacing * prereq;
        if let Some(s) = self.skill.get_mut(&c.id) {
            *s += gain;
        }
        for r in &c.requires {
            if let Some(s) = self.skill.get_mut(r) {
                *s += 0.25 * gain;
            }
        }
        self.last.insert(c.id.clone(), day);
        let _ = ontology;
        (perf, p)
    }

    /// A day passes: skill above the start decays for concepts not practised today.
    fn end_day(&mut self, day: u32, decay: f64) {
        for (id, s) in self.skill.iter_mut() {
            if self.last.get(id) != Some(&day) {
                let floor = self.start.get(id).copied().unwrap_or(*s);
                if *s > floor {
                    *s = (*s - decay).max(floor);
                }
            }
        }
    }
}

/// Runs one simulated student (seeded) under a policy.
pub fn run_student(
    ontology: &Ontology,
    seed: u64,
    policy: Policy,
    cfg: &SimConfig,
) -> Result<StudentRun, LearnerError> {
    // The student (level, goal, hidden skills) depends on the seed only, so every policy
    // meets the same students; the takes' noise is seeded per policy.
    let mut srng = ChaCha8Rng::seed_from_u64(seed);
    let level = 1 + (seed % 3) as u8;
    let gs = goals(level);
    let goal_id = gs[srng.random_range(0..gs.len())];
    let goal = ontology
        .get(goal_id)
        .ok_or_else(|| LearnerError::Invalid(format!("simulation goal {goal_id} missing")))?;
    let mut hidden = Hidden::new(ontology, level, &mut srng, cfg);
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_0000 ^ (policy as u64 + 1) << 40);
    let student = format!("sim{seed}");
    let mut model = SkillModel::new(level, BTreeMap::new());
    let prior_model = SkillModel::new(level, BTreeMap::new());
    let sched = Scheduler::new();
    let mut items: Vec<PracticeItem> = Vec::new();
    let fixed_path: Vec<String> = ontology
        .learning_path(&goal.id, &ontology.known_at_level(level))
        .unwrap_or_default();
    let per_day = (cfg.minutes_per_day / ITEM_MINUTES).max(1) as usize;
    let (mut sessions, mut too_hard, mut too_easy) = (0u32, 0u32, 0u32);
    let mut fixed_pos = (0usize, 0u32);
    let mut reached = None;
    let day_secs = 86_400i64;
    for day in 0..cfg.max_days {
        if hidden.get(&goal.id) >= HIDDEN_MASTERY {
            reached = Some(sessions * ITEM_MINUTES);
            break;
        }
        let now = i64::from(day) * day_secs + 1;
        // What to play today: (concept, tempo).
        let today: Vec<(&Concept, f64)> = match policy {
            Policy::Planner => {
                let p = plan(
                    &PlanInputs {
                        ontology,
                        model: &model,
                        items: &items,
                        profiles: &[],
                        prefs: &Preferences::default(),
                        student: Some(&student),
                        moments: &NoMoments,
                    },
                    &PlanRequest {
                        goal: goal.id.clone(),
                        weeks: 1,
                        minutes_per_day: cfg.minutes_per_day,
                        start_unix: now,
                    },
                )?;
                let mut v: Vec<(&Concept, f64)> = p
                    .days
                    .first()
                    .map(|d| {
                        d.items
                            .iter()
                            .filter_map(|i| ontology.get(&i.concept).map(|c| (c, i.tempo_bpm)))
                            .collect()
                    })
                    .unwrap_or_default();
                if v.is_empty() {
                    // The model thinks the path is done: keep the goal itself in practice.
                    let t = items
                        .iter()
                        .find(|i| i.concept == goal.id)
                        .map_or_else(|| start_tempo(goal), |i| i.target_tempo);
                    v.push((goal, t));
                }
                v
            }
            Policy::Fixed => {
                let mut v = Vec::new();
                while v.len() < per_day {
                    let Some(id) = fixed_path.get(fixed_pos.0) else {
                        // Past the end of the syllabus: keep practising the goal.
                        v.push((goal, start_tempo(goal)));
                        continue;
                    };
                    let Some(c) = ontology.get(id) else { break };
                    let tempo = (start_tempo(c) * 1.05f64.powi(fixed_pos.1 as i32)).round();
                    v.push((c, tempo));
                    fixed_pos.1 += 1;
                    if fixed_pos.1 >= FIXED_SESSIONS {
                        fixed_pos = (fixed_pos.0 + 1, 0);
                    }
                }
                v
            }
            Policy::Random => (0..per_day)
                .filter_map(|_| {
                    let id = fixed_path.get(rng.random_range(0..fixed_path.len().max(1)))?;
                    ontology.get(id).map(|c| (c, start_tempo(c)))
                })
                .collect(),
        };
        for (c, tempo) in today {
            let (perf, p) = hidden.play(ontology, c, tempo, day, &mut rng);
            sessions += 1;
            if p < 0.3 {
                too_hard += 1;
            } else if p > 0.95 {
                too_easy += 1;
            }
            let s = perf.score();
            let b = tempo_difficulty(tempo, start_tempo(c));
            model.observe(ontology, c, Evidence::Take { score: s, b }, now);
            let item = items
                .iter()
                .position(|i| i.concept == c.id)
                .unwrap_or_else(|| {
                    items.push(PracticeItem::new(&student, &c.id, start_tempo(c), now));
                    items.len() - 1
                });
            items[item] = sched.review(&items[item], Rating::from_score(s), Some(&perf), now)?;
        }
        hidden.end_day(day, cfg.decay_per_day);
    }
    if reached.is_none() && hidden.get(&goal.id) >= HIDDEN_MASTERY {
        reached = Some(sessions * ITEM_MINUTES);
    }
    let end = i64::from(cfg.max_days) * day_secs;
    let path: Vec<&Concept> = ontology
        .learning_path(&goal.id, &[])
        .unwrap_or_default()
        .iter()
        .filter_map(|id| ontology.get(id))
        .collect();
    // The hidden truth on the model's own scale: the performance score this student would be
    // expected to get on each concept's reference exercise now (mean of 32 seeded draws).
    let mut erng = ChaCha8Rng::seed_from_u64(seed ^ 0xe57);
    let truth: Vec<f64> = path
        .iter()
        .map(|c| {
            let p = sigmoid(hidden.get(&c.id));
            (0..32).map(|_| take_of(p, &mut erng).score()).sum::<f64>() / 32.0
        })
        .collect();
    let rmse = |m: &SkillModel| {
        let se: f64 = path
            .iter()
            .zip(&truth)
            .map(|(c, t)| (m.estimate(c, end).p_success() - t).powi(2))
            .sum();
        (se / path.len().max(1) as f64).sqrt()
    };
    Ok(StudentRun {
        seed,
        level,
        goal: goal.id.clone(),
        minutes_to_mastery: reached,
        estimate_rmse: rmse(&model),
        prior_rmse: rmse(&prior_model),
        sessions,
        too_hard,
        too_easy,
    })
}

/// Runs students `seeds` under a policy and sums them up.
pub fn run(
    ontology: &Ontology,
    seeds: std::ops::Range<u64>,
    policy: Policy,
    cfg: &SimConfig,
) -> Result<(Summary, Vec<StudentRun>), LearnerError> {
    let runs = seeds
        .map(|s| run_student(ontology, s, policy, cfg))
        .collect::<Result<Vec<_>, _>>()?;
    let cap = cfg.max_days * cfg.minutes_per_day;
    let mut minutes: Vec<f64> = runs
        .iter()
        .map(|r| f64::from(r.minutes_to_mastery.unwrap_or(cap)))
        .collect();
    minutes.sort_by(f64::total_cmp);
    let n = runs.len().max(1) as f64;
    let median = if minutes.is_empty() {
        0.0
    } else if minutes.len() % 2 == 1 {
        minutes[minutes.len() / 2]
    } else {
        (minutes[minutes.len() / 2 - 1] + minutes[minutes.len() / 2]) / 2.0
    };
    let sessions: u32 = runs.iter().map(|r| r.sessions).sum();
    let off: u32 = runs.iter().map(|r| r.too_hard + r.too_easy).sum();
    Ok((
        Summary {
            policy,
            students: runs.len(),
            mastered: runs
                .iter()
                .filter(|r| r.minutes_to_mastery.is_some())
                .count(),
            median_minutes: median,
            mean_minutes: minutes.iter().sum::<f64>() / n,
            estimate_rmse: runs.iter().map(|r| r.estimate_rmse).sum::<f64>() / n,
            prior_rmse: runs.iter().map(|r| r.prior_rmse).sum::<f64>() / n,
            off_level_rate: if sessions > 0 {
                f64::from(off) / f64::from(sessions)
            } else {
                0.0
            },
        },
        runs,
    ))
}
