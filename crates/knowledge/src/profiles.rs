//! Instructor expertise profiles, derived from the catalog's lessons and the concept ontology.
//! Every claim lists lessons that support it.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::mine::g2;
use crate::{LessonContribution, Ontology, TeachingMove};

/// What a profile is computed from, per lesson (the catalog's facts and the lesson's knowledge).
#[derive(Debug, Clone)]
pub struct ProfileInput {
    /// Lesson id.
    pub id: String,
    /// Instructor id.
    pub instructor_id: String,
    /// Instructor name.
    pub instructor: String,
    /// Style.
    pub style: Option<String>,
    /// Level.
    pub level: Option<String>,
    /// Seconds of lesson covered by the transcript.
    pub duration_s: f64,
    /// Seconds of speech (union of utterances).
    pub speech_s: f64,
    /// Words spoken.
    pub words: usize,
    /// Distinct lowercased words / words.
    pub vocabulary_richness: f64,
    /// Concepts, teaching moves and structure (see [`crate::analyze_lesson`]).
    pub summary: LessonContribution,
}

/// A phrase an instructor uses significantly more than the rest of the library.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignaturePhrase {
    /// The phrase (lowercased words).
    pub phrase: String,
    /// The instructor's lessons that use it.
    pub lessons: usize,
    /// Share of the instructor's lessons that use it.
    pub share: f64,
    /// Share of the other instructors' lessons that use it habitually (see docs/KNOWLEDGE.md).
    pub library_share: f64,
    /// Log-likelihood ratio G² (3.84 ≈ p < 0.05, 10.83 ≈ p < 0.001).
    pub g2: f64,
}

/// Expertise: styles, level focus, techniques and theory taught.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Expertise {
    /// Styles of most of the instructor's lessons.
    pub primary_styles: Vec<String>,
    /// Other styles taught.
    pub secondary_styles: Vec<String>,
    /// The level most lessons are for.
    pub skill_level_focus: String,
    /// Technique concepts taught, most taught first.
    pub techniques_taught: Vec<String>,
    /// Theory, chord and scale concepts taught.
    pub theory_concepts: Vec<String>,
}

/// How the instructor teaches.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TeachingCharacteristics {
    /// Mean vocabulary richness of the lessons, 0–1.
    pub vocabulary_complexity: f64,
    /// Guitar terms per 100 words / 10, capped at 1.
    pub technical_density: f64,
    /// "demonstration-heavy" (playing over 40 % of the time), "explanation-heavy" or "balanced".
    pub explanation_style: String,
    /// "slow" (< 130 wpm), "moderate" or "fast" (> 170 wpm).
    pub pacing: String,
    /// The instructor's most used three-word phrases (each in at least two lessons).
    pub common_phrases: Vec<String>,
    /// Share of sentences per teaching move.
    pub teaching_moves: BTreeMap<String, f64>,
    /// Lessons per structure type.
    pub lesson_structures: BTreeMap<String, usize>,
}

/// Counts over the instructor's lessons.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LessonStatistics {
    /// Number of lessons (the platform calls them segments).
    pub total_segments: usize,
    /// Mean lesson duration in seconds.
    pub avg_segment_duration: f64,
    /// Guitar terms per minute of lesson.
    pub guitar_terms_per_minute: f64,
    /// Lessons per level.
    pub student_skill_levels: BTreeMap<String, usize>,
}

/// A concept the instructor teaches more than the library does, with evidence.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DistinctiveConcept {
    /// Concept id.
    pub concept: String,
    /// Smoothed log-odds ratio against the whole library (higher = more distinctive).
    pub log_odds: f64,
    /// Lessons where it occurs (up to five).
    pub lessons: Vec<String>,
}

/// One instructor's profile.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Profile {
    /// Instructor id.
    pub instructor_id: String,
    /// Name.
    pub name: String,
    /// Expertise.
    pub expertise: Expertise,
    /// Teaching characteristics.
    pub teaching_characteristics: TeachingCharacteristics,
    /// Lesson statistics.
    pub lesson_statistics: LessonStatistics,
    /// Concepts taught distinctly more than the library average.
    pub distinctive_concepts: Vec<DistinctiveConcept>,
    /// Words per minute of speech.
    pub speaking_rate_wpm: f64,
    /// Share of lesson time without speech (playing and demonstration), 0–1.
    pub demonstration_ratio: f64,
    /// Phrases used significantly more than by other instructors (G² ≥ 10.83), strongest first.
    pub signature_phrases: Vec<SignaturePhrase>,
    /// Lessons supporting each taught concept (up to five per concept).
    pub evidence: BTreeMap<String, Vec<String>>,
}

fn top_keys(counts: &HashMap<String, usize>, n: usize) -> Vec<String> {
    let mut v: Vec<(&String, &usize)> = counts.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    v.into_iter().take(n).map(|(k, _)| k.clone()).collect()
}

/// Signature phrases of one instructor against the pools of all instructors.
fn signature_phrases(
    mine: &[(String, usize)],
    my_lessons: usize,
    library: &HashMap<&str, usize>,
    library_lessons: usize,
    name: &str,
) -> Vec<SignaturePhrase> {
    let others = library_lessons.saturating_sub(my_lessons) as f64;
    let n = my_lessons as f64;
    // Saying one's own name is distinctive but says nothing about how one teaches.
    let name_words: Vec<String> = fretwise_transcript::normalized_tokens(name)
        .filter(|w| w.len() > 2 && w != "fictional")
        .collect();
    let mut out: Vec<SignaturePhrase> = mine
        .iter()
        .filter(|(_, a)| *a >= 3)
        .filter(|(p, _)| !p.split(' ').any(|w| name_words.iter().any(|n| n == w)))
        .filter_map(|(p, a)| {
            let a = *a as f64;
            let c = (library.get(p.as_str()).copied().unwrap_or(0) as f64 - a).max(0.0);
            if others <= 0.0 || a / n <= c / others {
                return None;
            }
            let g = g2(a, n - a, c, others - c);
            (g >= 10.83).then(|| SignaturePhrase {
                phrase: p.clone(),
                lessons: a as usize,
                share: (a / n * 1e3).round() / 1e3,
                library_share: (c / others * 1e4).round() / 1e4,
                g2: (g * 10.0).round() / 10.0,
            })
        })
        .collect();
    out.sort_by(|x, y| y.g2.total_cmp(&x.g2).then_with(|| x.phrase.cmp(&y.phrase)));
    out.truncate(5);
    out
}

/// Profiles for every instructor, ordered by instructor id. `pools` holds each instructor's
/// habitual phrases ([`crate::phrase_pool`]).
pub fn profiles(
    lessons: &[ProfileInput],
    pools: &HashMap<String, Vec<(String, usize)>>,
    ontology: &Ontology,
) -> Vec<Profile> {
    // Library-wide concept counts for log-odds.
    let mut library: HashMap<String, usize> = HashMap::new();
    let per_lesson_concepts: Vec<&Vec<(String, usize)>> =
        lessons.iter().map(|l| &l.summary.concepts).collect();
    for l in lessons {
        for (k, n) in &l.summary.concepts {
            *library.entry(k.clone()).or_default() += n;
        }
    }
    let mut phrase_library: HashMap<&str, usize> = HashMap::new();
    for pool in pools.values() {
        for (p, n) in pool {
            *phrase_library.entry(p.as_str()).or_default() += n;
        }
    }
    let library_total: usize = library.values().sum();
    let vocab = library.len().max(1) as f64;

    let mut by_instructor: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, l) in lessons.iter().enumerate() {
        by_instructor
            .entry(l.instructor_id.as_str())
            .or_default()
            .push(i);
    }
    let mut out = Vec::new();
    for (id, idx) in by_instructor {
        let ls: Vec<&ProfileInput> = idx.iter().map(|&i| &lessons[i]).collect();
        let mut styles: HashMap<String, usize> = HashMap::new();
        let mut levels: BTreeMap<String, usize> = BTreeMap::new();
        for l in &ls {
            if let Some(s) = &l.style {
                *styles.entry(s.to_lowercase()).or_default() += 1;
            }
            *levels
                .entry(
                    l.level
                        .clone()
                        .unwrap_or_else(|| "unknown".into())
                        .to_lowercase(),
                )
                .or_default() += 1;
        }
        let style_order = top_keys(&styles, styles.len());
        let n = ls.len();
        let primary: Vec<String> = style_order
            .iter()
            .filter(|s| styles[*s] * 3 >= n)
            .cloned()
            .collect();
        let mut secondary: Vec<String> = style_order
            .iter()
            .filter(|s| !primary.contains(s))
            .cloned()
            .collect();

        let mut concepts: HashMap<String, usize> = HashMap::new();
        let mut evidence: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for &i in &idx {
            for (c, k) in per_lesson_concepts[i] {
                *concepts.entry(c.clone()).or_default() += k;
                let e = evidence.entry(c.clone()).or_default();
                if e.len() < 5 {
                    e.push(lessons[i].id.clone());
                }
            }
        }
        let by_kind = |kinds: &[&str]| -> Vec<String> {
            let filtered: HashMap<String, usize> = concepts
                .iter()
                .filter(|(c, _)| {
                    ontology
                        .get(c)
                        .is_some_and(|x| kinds.contains(&x.kind.as_str()))
                })
                .map(|(c, n)| (c.clone(), *n))
                .collect();
            top_keys(&filtered, 8)
        };
        let techniques_taught = by_kind(&["technique"]);
        // Without style metadata, the style concepts the lessons talk about stand in.
        let mut primary = primary;
        if primary.is_empty() {
            let spoken: Vec<String> = by_kind(&["style"])
                .into_iter()
                .filter_map(|c| ontology.get(&c).map(|x| x.name.to_lowercase()))
                .collect();
            if let Some((first, rest)) = spoken.split_first() {
                primary.push(first.clone());
                secondary.extend(rest.iter().cloned());
            }
        }
        let theory_concepts = by_kind(&["theory", "chords", "scales", "reading", "rhythm"]);

        // Smoothed log-odds of each concept for this instructor against the library.
        let mine_total: usize = concepts.values().sum();
        let mut distinctive: Vec<DistinctiveConcept> = concepts
            .iter()
            .map(|(c, &k)| {
                let p_mine = (k as f64 + 0.5) / (mine_total as f64 + 0.5 * vocab);
                let p_lib = (library[c] as f64 + 0.5) / (library_total as f64 + 0.5 * vocab);
                DistinctiveConcept {
                    concept: c.clone(),
                    log_odds: ((p_mine / (1.0 - p_mine)) / (p_lib / (1.0 - p_lib))).ln(),
                    lessons: evidence.get(c).cloned().unwrap_or_default(),
                }
            })
            .filter(|d| d.log_odds > 0.0)
            .collect();
        distinctive.sort_by(|a, b| {
            b.log_odds
                .total_cmp(&a.log_odds)
                .then_with(|| a.concept.cmp(&b.concept))
        });
        distinctive.truncate(8);

        let duration: f64 = ls.iter().map(|l| l.duration_s).sum();
        let speech: f64 = ls.iter().map(|l| l.speech_s).sum();
        let words: usize = ls.iter().map(|l| l.words).sum();
        let term_count: usize = ls.iter().map(|l| l.summary.terms).sum();
        let wpm = if speech > 0.0 {
            words as f64 / (speech / 60.0)
        } else {
            0.0
        };
        let demo = if duration > 0.0 {
            (1.0 - speech / duration).clamp(0.0, 1.0)
        } else {
            0.0
        };

        let pool: &[(String, usize)] = pools.get(id).map(Vec::as_slice).unwrap_or(&[]);
        let common_phrases: Vec<String> = pool.iter().take(5).map(|(p, _)| p.clone()).collect();
        let name = ls.first().map(|l| l.instructor.clone()).unwrap_or_default();
        let signature = signature_phrases(pool, n, &phrase_library, lessons.len(), &name);
        let mut moves: BTreeMap<TeachingMove, usize> = BTreeMap::new();
        let mut structures: BTreeMap<String, usize> = BTreeMap::new();
        for l in &ls {
            for (m, k) in &l.summary.moves {
                *moves.entry(*m).or_default() += k;
            }
            *structures.entry(l.summary.structure.clone()).or_default() += 1;
        }
        let sentences: usize = moves.values().sum();
        let teaching_moves: BTreeMap<String, f64> = moves
            .iter()
            .map(|(m, k)| {
                (
                    m.as_str().to_string(),
                    (*k as f64 / sentences.max(1) as f64 * 1e3).round() / 1e3,
                )
            })
            .collect();

        let skill_level_focus = levels
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
            .map(|(l, _)| l.clone())
            .unwrap_or_default();
        out.push(Profile {
            instructor_id: id.to_string(),
            name,
            expertise: Expertise {
                primary_styles: primary,
                secondary_styles: secondary,
                skill_level_focus,
                techniques_taught,
                theory_concepts,
            },
            teaching_characteristics: TeachingCharacteristics {
                vocabulary_complexity: ls.iter().map(|l| l.vocabulary_richness).sum::<f64>()
                    / n.max(1) as f64,
                technical_density: if words > 0 {
                    (100.0 * term_count as f64 / words as f64 / 10.0).min(1.0)
                } else {
                    0.0
                },
                explanation_style: if demo > 0.4 {
                    "demonstration-heavy"
                } else if demo < 0.2 {
                    "explanation-heavy"
                } else {
                    "balanced"
                }
                .to_string(),
                pacing: if wpm < 130.0 {
                    "slow"
                } else if wpm > 170.0 {
                    "fast"
                } else {
                    "moderate"
                }
                .to_string(),
                common_phrases,
                teaching_moves,
                lesson_structures: structures,
            },
            lesson_statistics: LessonStatistics {
                total_segments: n,
                avg_segment_duration: duration / n.max(1) as f64,
                guitar_terms_per_minute: if duration > 0.0 {
                    term_count as f64 / (duration / 60.0)
                } else {
                    0.0
                },
                student_skill_levels: levels,
            },
            distinctive_concepts: distinctive,
            speaking_rate_wpm: wpm,
            demonstration_ratio: demo,
            signature_phrases: signature,
            evidence,
        });
    }
    out
}
