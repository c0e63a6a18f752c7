//! Instructor matching: instructors ranked by how well their teaching fits a student — styles,
//! level focus, explanation style and pacing against the student's preferences, and whether
//! they teach the concept at hand — each with the reasons in words.

use fretwise_knowledge::Profile;
use serde::{Deserialize, Serialize};

use crate::LearnerError;

/// How a student likes to learn.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Preferences {
    /// Styles they play ("blues", "rock").
    #[serde(default)]
    pub styles: Vec<String>,
    /// "tab-first", "theory-first" or "by-ear".
    #[serde(default)]
    pub approach: Option<String>,
    /// "short" or "long" explanations.
    #[serde(default)]
    pub explanations: Option<String>,
    /// Instructors they like (ids or names).
    #[serde(default)]
    pub instructors: Vec<String>,
}

/// The learning approaches a student can name.
pub const APPROACHES: [&str; 3] = ["tab-first", "theory-first", "by-ear"];
/// The explanation lengths a student can name.
pub const EXPLANATIONS: [&str; 2] = ["short", "long"];

impl Preferences {
    /// Checks the named choices, naming the field at fault.
    pub fn validate(&self) -> Result<(), LearnerError> {
        if let Some(a) = &self.approach
            && !APPROACHES.contains(&a.as_str())
        {
            return Err(LearnerError::Invalid(format!(
                "learns: `{a}` is not one of {}",
                APPROACHES.join(", ")
            )));
        }
        if let Some(e) = &self.explanations
            && !EXPLANATIONS.contains(&e.as_str())
        {
            return Err(LearnerError::Invalid(format!(
                "explanations: `{e}` is not one of {}",
                EXPLANATIONS.join(", ")
            )));
        }
        Ok(())
    }
}

/// One instructor's fit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstructorMatch {
    /// Instructor id.
    pub instructor_id: String,
    /// Name.
    pub name: String,
    /// Fit, 0–1 (1.2 at most with a stated preference for the instructor).
    pub score: f64,
    /// Why, strongest first.
    pub reasons: Vec<String>,
}

fn norm(s: &str) -> String {
    s.trim().to_lowercase().replace(['_', ' '], "-")
}

/// Instructors ranked by fit for a student of level rank `level` with `prefs`, for `concept`
/// when given; ties go to the instructor with more lessons, then by id.
pub fn match_instructors(
    profiles: &[Profile],
    level: u8,
    prefs: &Preferences,
    concept: Option<&str>,
) -> Vec<InstructorMatch> {
    let level_word = crate::level_name(level);
    let styles: Vec<String> = prefs
        .styles
        .iter()
        .map(|s| norm(s).trim_start_matches("style-").to_string())
        .collect();
    let mut out: Vec<(InstructorMatch, usize)> = profiles
        .iter()
        .map(|p| {
            let mut score = 0.0;
            let mut reasons: Vec<(f64, String)> = Vec::new();
            let primary: Vec<String> = p.expertise.primary_styles.iter().map(|s| norm(s)).collect();
            let secondary: Vec<String> = p
                .expertise
                .secondary_styles
                .iter()
                .map(|s| norm(s))
                .collect();
            if !styles.is_empty() {
                let hit = styles
                    .iter()
                    .map(|s| {
                        if primary.iter().any(|x| x.contains(s.as_str())) {
                            1.0
                        } else if secondary.iter().any(|x| x.contains(s.as_str())) {
                            0.5
                        } else {
                            0.0
                        }
                    })
                    .fold(0.0, f64::max);
                if hit > 0.0 {
                    reasons.push((0.35 * hit, format!("teaches {}", styles.join("/"))));
                }
                score += 0.35 * hit;
            }
            let focus = norm(&p.expertise.skill_level_focus);
            let level_fit = if focus == level_word {
                1.0
            } else if focus == "mixed" || focus == "all" || focus.is_empty() {
                0.5
            } else {
                0.0
            };
            if level_fit >= 1.0 {
                reasons.push((0.25, format!("focuses on {level_word} players")));
            }
            score += 0.25 * level_fit;
            let style = p.teaching_characteristics.explanation_style.as_str();
            let approach_fit = match prefs.approach.as_deref() {
                Some("by-ear") => match style {
                    "demonstration-heavy" => 1.0,
                    "balanced" => 0.5,
                    _ => 0.0,
                },
                Some("theory-first") => match style {
                    "explanation-heavy" => 1.0,
                    "balanced" => 0.5,
                    _ => 0.0,
                },
                // Tab readers want the notes shown and named: balanced lessons fit best.
                Some(_) => match style {
                    "balanced" => 1.0,
                    _ => 0.5,
                },
                None => 0.5,
            };
            if approach_fit >= 1.0 {
                reasons.push((0.2, format!("{style} lessons suit how you learn")));
            }
            score += 0.2 * approach_fit;
            let pacing = p.teaching_characteristics.pacing.as_str();
            let want = match prefs.explanations.as_deref() {
                Some("short") => "fast",
                Some("long") => "slow",
                // Beginners follow slower speech more easily.
                _ if level == 1 => "slow",
                _ => "moderate",
            };
            let pace_fit = if pacing == want {
                1.0
            } else if pacing == "moderate" || want == "moderate" {
                0.5
            } else {
                0.0
            };
            if pace_fit >= 1.0 {
                reasons.push((0.1, format!("{pacing} pacing")));
            }
            score += 0.1 * pace_fit;
            if let Some(c) = concept {
                let n = p.evidence.get(c).map_or(0, Vec::len);
                if n > 0 {
                    reasons.push((0.1, format!("teaches {c} in {n} lesson(s)")));
                }
                score += 0.1 * (n.min(3) as f64 / 3.0);
            } else {
                score += 0.05;
            }
            let liked = prefs.instructors.iter().any(|i| {
                i.eq_ignore_ascii_case(&p.instructor_id) || i.eq_ignore_ascii_case(&p.name)
            });
            if liked {
                score += 0.2;
                reasons.push((1.0, "one of your preferred instructors".to_string()));
            }
            reasons.sort_by(|a, b| b.0.total_cmp(&a.0));
            let lessons = p.lesson_statistics.total_segments;
            (
                InstructorMatch {
                    instructor_id: p.instructor_id.clone(),
                    name: p.name.clone(),
                    score: (score * 1000.0).round() / 1000.0,
                    reasons: reasons.into_iter().map(|(_, r)| r).collect(),
                },
                lessons,
            )
        })
        .collect();
    out.sort_by(|a, b| {
        b.0.score
            .total_cmp(&a.0.score)
            .then_with(|| b.1.cmp(&a.1))
            .then_with(|| a.0.instructor_id.cmp(&b.0.instructor_id))
    });
    out.into_iter().map(|(m, _)| m).collect()
}
