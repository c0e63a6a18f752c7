//! From a graded take to the numbers the learner uses: a performance score in [0, 1] (the
//! skill model's outcome) and an FSRS rating (Again/Hard/Good/Easy). The mapping is published in
//! docs/LEARNER.md; the constants live here only.

use fretwise_audio::Summary;
use serde::Serialize;

/// Mean absolute timing error (ms) at which timing counts half: beginners' strums are
/// commonly 40–60 ms off, a steady player is under 25 ms.
const TIMING_HALF_MS: f64 = 80.0;
/// Share of pitch-correct notes below which a take is taken to be another piece altogether.
pub const MIN_MATCH: f64 = 0.2;

/// The four FSRS ratings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    /// Failed: practise again soon.
    Again = 1,
    /// Passed with real trouble.
    Hard = 2,
    /// Passed.
    Good = 3,
    /// Passed easily.
    Easy = 4,
}

impl Rating {
    /// The rating for a performance score: Again < 0.5 ≤ Hard < 0.7 ≤ Good < 0.9 ≤ Easy.
    pub fn from_score(s: f64) -> Rating {
        if s < 0.5 {
            Rating::Again
        } else if s < 0.7 {
            Rating::Hard
        } else if s < 0.9 {
            Rating::Good
        } else {
            Rating::Easy
        }
    }

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Again => "again",
            Rating::Hard => "hard",
            Rating::Good => "good",
            Rating::Easy => "easy",
        }
    }
}

/// What a take measured, as the learner reads it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Performance {
    /// Expected notes played at the right pitch / expected notes.
    pub pitch_accuracy: f64,
    /// Mean absolute timing error, ms.
    pub timing_mae_ms: f64,
    /// Standard deviation of the timing errors, ms.
    pub timing_consistency_ms: f64,
    /// Played tempo / the exercise's tempo.
    pub tempo_ratio: f64,
    /// Share of the asked-for techniques that were heard (None when none was asked for).
    pub techniques_heard: Option<f64>,
}

impl Performance {
    /// Reads a scored take's summary; `target_bpm` is the exercise's tempo.
    pub fn from_summary(s: &Summary, target_bpm: f64) -> Performance {
        let finite = |x: f64, default: f64| if x.is_finite() { x } else { default };
        Performance {
            pitch_accuracy: finite(s.pitch_accuracy, 0.0).clamp(0.0, 1.0),
            timing_mae_ms: finite(s.timing_mae_ms, 1_000.0).max(0.0),
            timing_consistency_ms: finite(s.timing_consistency_ms, 1_000.0).max(0.0),
            tempo_ratio: if target_bpm > 0.0 {
                finite(s.played_tempo_bpm / target_bpm, 0.0).max(0.0)
            } else {
                1.0
            },
            techniques_heard: (s.techniques_expected > 0)
                .then(|| s.techniques_heard as f64 / s.techniques_expected as f64),
        }
    }

    /// The performance score in [0, 1]: pitch accuracy × timing quality × tempo reached ×
    /// techniques heard. Timing quality is 1 / (1 + (e / 80 ms)²) of the effective error
    /// e = 0.7 · mean error + 0.3 · spread; tempo reached is min(1, ratio)²; techniques count
    /// half (0.5 + 0.5 · share heard).
    pub fn score(&self) -> f64 {
        let e = 0.7 * self.timing_mae_ms + 0.3 * self.timing_consistency_ms;
        let timing = 1.0 / (1.0 + (e / TIMING_HALF_MS).powi(2));
        let tempo = self.tempo_ratio.min(1.0).powi(2);
        let tech = self.techniques_heard.map_or(1.0, |h| 0.5 + 0.5 * h);
        (self.pitch_accuracy * timing * tempo * tech).clamp(0.0, 1.0)
    }

    /// The FSRS rating of this performance.
    pub fn rating(&self) -> Rating {
        Rating::from_score(self.score())
    }

    /// Whether the take was played at (95 % of) the exercise's tempo or faster.
    pub fn at_tempo(&self) -> bool {
        self.tempo_ratio >= 0.95
    }
}
