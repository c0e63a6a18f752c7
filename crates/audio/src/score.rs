//! Scoring played notes against an exercise: alignment tolerant of a late start and tempo drift,
//! a status per expected note, a summary, and feedback in words about the pattern of errors.
//! Tolerances per strictness level are published in docs/AUDIO.md.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::notes::Note;
use crate::techniques::Technique;

/// An exercise: what the student was asked to play.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    /// Id of the practice item it was generated for (`fretwise practice`), so a take played
    /// to it is recorded against that item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Concept it trains (an ontology id), when generated for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concept: Option<String>,
    /// Tempo in beats per minute.
    pub tempo_bpm: f64,
    /// "4/4" (beats per bar is the numerator); `[4, 4]` is read the same way; default 4/4.
    #[serde(default, deserialize_with = "time_signature")]
    pub time_signature: Option<String>,
    /// Notes in time order.
    pub notes: Vec<ExerciseNote>,
}

/// Reads a time signature written as "3/4" or as [3, 4] into "3/4".
fn time_signature<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Text(String),
        Pair([u32; 2]),
    }
    match Option::<Written>::deserialize(d) {
        Ok(None) => Ok(None),
        Ok(Some(Written::Pair([beats, unit]))) => Ok(Some(format!("{beats}/{unit}"))),
        Ok(Some(Written::Text(t))) => {
            let valid = t.split_once('/').is_some_and(|(b, u)| {
                b.trim().parse::<u32>().is_ok_and(|b| b > 0)
                    && u.trim().parse::<u32>().is_ok_and(|u| u > 0)
            });
            if valid {
                Ok(Some(t))
            } else {
                Err(serde::de::Error::custom(
                    "a time signature like \"3/4\" or [3, 4]",
                ))
            }
        }
        Err(_) => Err(serde::de::Error::custom(
            "a time signature like \"3/4\" or [3, 4]",
        )),
    }
}

/// A tempo a take can be scored at: finite, above 0 and below 400 bpm.
fn check_tempo(tempo_bpm: f64) -> Result<(), ExerciseError> {
    if tempo_bpm.is_finite() && tempo_bpm > 0.0 && tempo_bpm < 400.0 {
        Ok(())
    } else {
        Err(ExerciseError::Invalid(format!(
            "tempo_bpm must be between 0 and 400, not {tempo_bpm}"
        )))
    }
}

/// One expected note: `midi`, a `note` name ("E2"), or `string` + `fret` (standard tuning).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExerciseNote {
    /// Start in beats from the beginning.
    pub beat: f64,
    /// Length in beats.
    #[serde(default = "one")]
    pub duration_beats: f64,
    /// MIDI number.
    #[serde(default)]
    pub midi: Option<i32>,
    /// Note name with octave.
    #[serde(default)]
    pub note: Option<String>,
    /// A technique to play it with (bend, bend_release, hammer_on, pull_off, slide, vibrato).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub technique: Option<ExpectedTechnique>,
    /// For a bend: how far, in semitones (a whole step is 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bend_semitones: Option<f64>,
    /// String, 1 = high E … 6 = low E.
    #[serde(default)]
    pub string: Option<usize>,
    /// Fret.
    #[serde(default)]
    pub fret: Option<u32>,
}

/// Longest exercise accepted (the alignment is quadratic in notes).
pub const MAX_EXERCISE_NOTES: usize = 2000;

/// A technique an exercise note asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectedTechnique {
    /// Bent up (to `bend_semitones`) and held.
    Bend,
    /// Bent up and let back down.
    BendRelease,
    /// Sounded by hammering on from the note before.
    HammerOn,
    /// Sounded by pulling off from the note before.
    PullOff,
    /// Slid into from the note before.
    Slide,
    /// Held with vibrato.
    Vibrato,
}

impl ExpectedTechnique {
    fn words(self) -> &'static str {
        match self {
            ExpectedTechnique::Bend => "bend",
            ExpectedTechnique::BendRelease => "bend and release",
            ExpectedTechnique::HammerOn => "hammer-on",
            ExpectedTechnique::PullOff => "pull-off",
            ExpectedTechnique::Slide => "slide",
            ExpectedTechnique::Vibrato => "vibrato",
        }
    }

    fn concept(self) -> &'static str {
        match self {
            ExpectedTechnique::Bend | ExpectedTechnique::BendRelease => "bending",
            ExpectedTechnique::HammerOn | ExpectedTechnique::PullOff => "legato",
            ExpectedTechnique::Slide => "slides",
            ExpectedTechnique::Vibrato => "vibrato",
        }
    }
}

/// Whether an expected technique was heard on its note.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TechniqueResult {
    /// What the exercise asked for.
    pub expected: ExpectedTechnique,
    /// Heard on this note.
    pub heard: bool,
    /// For bends: how far it went against the target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

fn one() -> f64 {
    1.0
}

/// Problems with an exercise.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ExerciseError {
    /// Not valid exercise JSON.
    #[error("exercise: {0}")]
    Invalid(String),
}

/// How forgiving the scoring is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Strictness {
    /// ±100 ms, 30 cents.
    Beginner,
    /// ±50 ms, 20 cents.
    Intermediate,
    /// ±20 ms, 15 cents.
    Advanced,
}

impl Strictness {
    /// Parses "beginner", "intermediate" or "advanced".
    pub fn parse(s: &str) -> Option<Strictness> {
        match s.to_lowercase().as_str() {
            "beginner" => Some(Strictness::Beginner),
            "intermediate" => Some(Strictness::Intermediate),
            "advanced" => Some(Strictness::Advanced),
            _ => None,
        }
    }

    /// Timing tolerance in milliseconds.
    pub fn timing_ms(self) -> f64 {
        match self {
            Strictness::Beginner => 100.0,
            Strictness::Intermediate => 50.0,
            Strictness::Advanced => 20.0,
        }
    }

    /// Intonation tolerance in cents.
    pub fn cents(self) -> f64 {
        match self {
            Strictness::Beginner => 30.0,
            Strictness::Intermediate => 20.0,
            Strictness::Advanced => 15.0,
        }
    }
}

/// An expected note resolved to a time and pitch.
#[derive(Debug, Clone, PartialEq)]
struct Expected {
    time_s: f64,
    duration_s: f64,
    beat: f64,
    midi: i32,
    string: Option<usize>,
    fret: Option<u32>,
    technique: Option<ExpectedTechnique>,
    /// Semitones of an expected bend.
    bend: Option<f64>,
}

impl Expected {
    /// Whether a played MIDI number is this note (or, for a bend, the bent-to note).
    fn pitch_matches(&self, midi: i32) -> bool {
        midi == self.midi
            || self
                .bend
                .is_some_and(|b| midi == self.midi + b.round() as i32)
    }
}

/// Result for one expected note.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoteResult {
    /// Index in the exercise.
    pub index: usize,
    /// ok, wrong_pitch, missed, late or early.
    pub status: String,
    /// Played minus expected onset (after aligning start and tempo), ms.
    pub timing_error_ms: Option<f64>,
    /// The note played for it.
    pub played_midi: Option<i32>,
    /// Expected MIDI.
    pub expected_midi: i32,
    /// Cents off pitch of the played note (relative to the recording's tuning).
    pub cents: Option<f64>,
    /// The technique asked for and whether it was heard.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub technique: Option<TechniqueResult>,
    /// When the note was due in the recording (after aligning start and tempo), seconds.
    pub expected_time_s: Option<f64>,
    /// How long it was due, seconds.
    pub expected_duration_s: f64,
}

/// Summary figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Expected notes played at the right pitch / expected notes.
    pub pitch_accuracy: f64,
    /// Mean absolute timing error of the matched notes, ms.
    pub timing_mae_ms: f64,
    /// Standard deviation of the timing errors, ms (lower = steadier).
    pub timing_consistency_ms: f64,
    /// Tempo the student played at, bpm.
    pub played_tempo_bpm: f64,
    /// Played tempo change over the exercise, percent of the written tempo.
    pub tempo_drift_percent: f64,
    /// How late the student started, seconds.
    pub start_offset_s: f64,
    /// Notes per status.
    pub counts: BTreeMap<String, usize>,
    /// Overall 0–100.
    pub score: f64,
    /// The strictness used.
    pub strictness: Strictness,
    /// Notes that ask for a technique.
    pub techniques_expected: usize,
    /// Of those, the ones whose technique was heard.
    pub techniques_heard: usize,
}

/// A remark about a pattern of errors, with the concepts it is about.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Feedback {
    /// The remark.
    pub message: String,
    /// Concept ids (the knowledge base's ontology) that teach the fix.
    pub concepts: Vec<String>,
}

/// The score of a performance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    /// Summary.
    pub summary: Summary,
    /// One entry per expected note.
    pub per_note: Vec<NoteResult>,
    /// Played notes that match nothing expected.
    pub extra_notes: Vec<Note>,
    /// Feedback in words, most important first.
    pub feedback: Vec<Feedback>,
}

impl Exercise {
    /// Parses exercise JSON, naming the field at fault.
    pub fn parse(text: &str) -> Result<Exercise, ExerciseError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let e: Exercise = serde_path_to_error::deserialize(de)
            .map_err(|e| ExerciseError::Invalid(format!("{} at `{}`", e.inner(), e.path())))?;
        check_tempo(e.tempo_bpm)?;
        if e.notes.is_empty() {
            return Err(ExerciseError::Invalid(
                "notes: the exercise has no notes".into(),
            ));
        }
        if e.notes.len() > MAX_EXERCISE_NOTES {
            return Err(ExerciseError::Invalid(format!(
                "notes: {} notes; an exercise has at most {MAX_EXERCISE_NOTES}",
                e.notes.len()
            )));
        }
        e.expected()?;
        Ok(e)
    }

    /// An exercise from ASCII tab (bar lines give the timing) and a tempo.
    pub fn from_tab(text: &str, tempo_bpm: f64) -> Result<Exercise, ExerciseError> {
        // Checked first: a tab at tempo 0 or NaN would time every note at infinity.
        check_tempo(tempo_bpm)?;
        let tab = fretwise_theory::Tab::parse(text)
            .map_err(|e| ExerciseError::Invalid(format!("tab: {e}")))?;
        let n = tab.labels.len();
        let mut notes = Vec::new();
        for ev in &tab.events {
            let Some(fret) = ev.fret else { continue };
            // Without bar lines, columns stand for eighth notes.
            let beat = ev.beat.unwrap_or(ev.column as f64 / 2.0);
            use fretwise_theory::Technique as Tab;
            let technique = match ev.technique {
                Tab::Bend => Some(ExpectedTechnique::Bend),
                Tab::BendRelease => Some(ExpectedTechnique::BendRelease),
                Tab::HammerOn => Some(ExpectedTechnique::HammerOn),
                Tab::PullOff => Some(ExpectedTechnique::PullOff),
                Tab::SlideUp | Tab::SlideDown => Some(ExpectedTechnique::Slide),
                Tab::Picked | Tab::Dead => ev.vibrato.then_some(ExpectedTechnique::Vibrato),
            };
            let bend_semitones = ev
                .target_fret
                .filter(|_| matches!(ev.technique, Tab::Bend | Tab::BendRelease))
                .map(|t| f64::from(t) - f64::from(fret));
            notes.push(ExerciseNote {
                beat,
                duration_beats: 0.5,
                midi: None,
                note: None,
                technique,
                bend_semitones,
                // Tab lines are listed top (highest string) first; string 1 = top.
                string: Some(ev.string.min(n.max(1))),
                fret: Some(fret),
            });
        }
        let e = Exercise {
            id: None,
            concept: None,
            tempo_bpm,
            time_signature: None,
            notes,
        };
        if e.notes.is_empty() {
            return Err(ExerciseError::Invalid("tab: no fretted notes".into()));
        }
        if e.notes.len() > MAX_EXERCISE_NOTES {
            return Err(ExerciseError::Invalid(format!(
                "tab: {} notes; an exercise has at most {MAX_EXERCISE_NOTES}",
                e.notes.len()
            )));
        }
        e.expected()?;
        Ok(e)
    }

    fn beats_per_bar(&self) -> f64 {
        self.time_signature
            .as_deref()
            .and_then(|t| t.split('/').next())
            .and_then(|n| n.trim().parse::<f64>().ok())
            .filter(|n| *n > 0.0)
            .unwrap_or(4.0)
    }

    fn expected(&self) -> Result<Vec<Expected>, ExerciseError> {
        let tuning = fretwise_theory::Tuning::standard();
        let spb = 60.0 / self.tempo_bpm;
        let mut out = Vec::new();
        for (i, n) in self.notes.iter().enumerate() {
            if !n.beat.is_finite() || n.beat < 0.0 {
                return Err(ExerciseError::Invalid(format!(
                    "notes[{i}].beat must be a number ≥ 0"
                )));
            }
            let midi = match (&n.midi, &n.note, n.string, n.fret) {
                (Some(m), _, _, _) => *m,
                (None, Some(name), _, _) => name
                    .parse::<fretwise_theory::Note>()
                    .ok()
                    .and_then(|x| x.midi())
                    .ok_or_else(|| {
                        ExerciseError::Invalid(format!(
                            "notes[{i}].note: `{name}` is not a note with an octave (e.g. E2)"
                        ))
                    })?,
                (None, None, Some(s), Some(f)) => tuning
                    .note_at(s, f, true)
                    .ok()
                    .and_then(|x| x.midi())
                    .ok_or_else(|| {
                        ExerciseError::Invalid(format!(
                            "notes[{i}]: string {s} fret {f} is not on a six-string guitar"
                        ))
                    })?,
                _ => {
                    return Err(ExerciseError::Invalid(format!(
                        "notes[{i}] needs `midi`, `note`, or `string` and `fret`"
                    )));
                }
            };
            if !(0..=127).contains(&midi) {
                return Err(ExerciseError::Invalid(format!(
                    "notes[{i}]: MIDI {midi} is out of range"
                )));
            }
            let bend = match (n.technique, n.bend_semitones) {
                (_, Some(b)) if !(b.is_finite() && (0.25..=4.0).contains(&b)) => {
                    return Err(ExerciseError::Invalid(format!(
                        "notes[{i}].bend_semitones must be between 0.25 and 4, not {b}"
                    )));
                }
                (Some(ExpectedTechnique::Bend | ExpectedTechnique::BendRelease), b) => {
                    Some(b.unwrap_or(2.0))
                }
                (_, Some(_)) => {
                    return Err(ExerciseError::Invalid(format!(
                        "notes[{i}].bend_semitones is only for a `bend` or `bend_release` technique"
                    )));
                }
                _ => None,
            };
            out.push(Expected {
                time_s: n.beat * spb,
                duration_s: n.duration_beats.max(0.0) * spb,
                beat: n.beat,
                midi,
                string: n.string,
                fret: n.fret,
                technique: n.technique,
                bend,
            });
        }
        out.sort_by(|a, b| a.time_s.total_cmp(&b.time_s));
        Ok(out)
    }
}

/// Dynamic-programming alignment of expected and played notes given a time map; returns pairs
/// (expected index, played index).
fn align(
    exp: &[Expected],
    played: &[Note],
    map: impl Fn(f64) -> f64,
    window: f64,
    limit: &dyn Fn(usize) -> f64,
) -> Vec<(usize, usize)> {
    let (n, m) = (exp.len(), played.len());
    // cost[i][j]: best cost aligning the first i expected with the first j played.
    let skip = 1.0;
    let mut cost = vec![vec![f64::INFINITY; m + 1]; n + 1];
    let mut from = vec![vec![0u8; m + 1]; n + 1];
    cost[0][0] = 0.0;
    for i in 0..=n {
        for j in 0..=m {
            let c = cost[i][j];
            if !c.is_finite() {
                continue;
            }
            if i < n && c + skip < cost[i + 1][j] {
                cost[i + 1][j] = c + skip; // missed
                from[i + 1][j] = 1;
            }
            if j < m && c + skip < cost[i][j + 1] {
                cost[i][j + 1] = c + skip; // extra
                from[i][j + 1] = 2;
            }
            if i < n && j < m {
                let dt = (played[j].onset_s - map(exp[i].time_s)).abs();
                if dt <= window.min(limit(i)) {
                    let pitch = if exp[i].pitch_matches(played[j].midi) {
                        0.0
                    } else {
                        0.6
                    };
                    let v = c + dt / window * 0.5 + pitch;
                    if v < cost[i + 1][j + 1] {
                        cost[i + 1][j + 1] = v;
                        from[i + 1][j + 1] = 3;
                    }
                }
            }
        }
    }
    let (mut i, mut j) = (n, m);
    let mut pairs = Vec::new();
    while i > 0 || j > 0 {
        match from[i][j] {
            3 => {
                pairs.push((i - 1, j - 1));
                i -= 1;
                j -= 1;
            }
            1 => i -= 1,
            2 => j -= 1,
            _ => break,
        }
    }
    pairs.reverse();
    pairs
}

/// How far from a candidate beat line a note may lie and still count for it, seconds (the
/// tightest strictness's timing tolerance); a note farther off costs the line no more.
const BEAT_BAND_S: f64 = 0.020;
/// Most notes whose pairs are tried as beat lines.
const MAX_BEAT_ANCHORS: usize = 64;

/// The line played = a + b · expected that the notes follow most closely: the lines through two
/// notes (of at most [`MAX_BEAT_ANCHORS`] spread over the take) are tried, the one with the
/// least sum of squared distances, each at most [`BEAT_BAND_S`]², wins, and least squares over
/// the notes within the band gives the result. Notes a student played off the beat, however
/// many on one side, do not pull it; and seven notes within 3 ms of a line beat eight spread
/// over 20 ms of another (counting the notes alone picked the eight).
fn robust_fit(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    let band = BEAT_BAND_S;
    let mut best: Option<(f64, (f64, f64))> = None;
    let mut consider = |line: (f64, f64)| {
        let cost: f64 = points
            .iter()
            .map(|p| (p.1 - line.0 - line.1 * p.0).powi(2).min(band * band))
            .sum();
        if best.is_none_or(|(bc, _)| cost < bc) {
            best = Some((cost, line));
        }
    };
    consider(fit(points)?);
    // Lines through pairs of at most 64 notes spread over the take (a long take would otherwise
    // cost the cube of its length).
    let stride = points.len().div_ceil(MAX_BEAT_ANCHORS).max(1);
    let anchors: Vec<(f64, f64)> = points.iter().step_by(stride).copied().collect();
    for (i, p) in anchors.iter().enumerate() {
        for q in &anchors[i + 1..] {
            let dx = q.0 - p.0;
            if dx.abs() < 1e-9 {
                continue;
            }
            let b = ((q.1 - p.1) / dx).clamp(0.5, 2.0);
            consider((p.1 - b * p.0, b));
        }
    }
    let (_, line) = best?;
    let inliers: Vec<(f64, f64)> = points
        .iter()
        .filter(|p| (p.1 - line.0 - line.1 * p.0).abs() <= band)
        .copied()
        .collect();
    fit(&inliers).or(Some(line))
}

/// Least-squares line played = a + b · expected.
fn fit(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    if points.len() < 2 {
        return points.first().map(|(x, y)| (y - x, 1.0));
    }
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if sxx <= 1e-9 {
        return Some((my - mx, 1.0));
    }
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let b = (sxy / sxx).clamp(0.5, 2.0);
    Some((my - b * mx, b))
}

/// Scores played notes against an exercise.
pub fn score(
    exercise: &Exercise,
    played: &[Note],
    techniques: &[Technique],
    strictness: Strictness,
    tuning_ref_hz: f64,
) -> Score {
    let exp = exercise.expected().unwrap_or_default();
    let tol = strictness.timing_ms() / 1000.0;
    let spb = 60.0 / exercise.tempo_bpm;
    let offset = start_offset(&exp, played, spb);
    let window = (spb / 2.0).max(3.0 * tol);
    let map = fit_time_map(&exp, played, offset, window);
    // A played note is judged against a written note only within half the gap to that note's
    // nearest neighbour (never under two tolerances): farther off, it lies nearer another
    // note's slot than this one's (a note played a whole sixteenth early is not that note
    // early). The time map above keeps the whole window, so a drifting take is still followed.
    let slots = slot_halves(&exp, map.scale);
    let limit = |i: usize| slots[i].max(2.0 * tol);
    let split = split_at_restrikes(&exp, played, map, &limit);
    let played: &[Note] = &split;
    let pairs = align(&exp, played, |t| map.at(t), window, &limit);
    let (mut per_note, mut used) = note_verdicts(&exp, played, &pairs, map, tol);
    claim_bend_notes(&exp, played, &pairs, map, tol, &mut used);
    let claimed = judge_techniques(&exp, &mut per_note, techniques, map, tol);
    let extra_notes: Vec<Note> = played
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(n, _)| n.clone())
        .collect();
    let summary = summarize(
        exercise,
        exp.len(),
        &per_note,
        extra_notes.len(),
        map,
        tol,
        strictness,
    );
    let feedback = feedback(
        exercise,
        &exp,
        &per_note,
        &extra_notes,
        &summary,
        tuning_ref_hz,
        technique_feedback(&unclaimed(techniques, &claimed)),
    );
    Score {
        summary,
        per_note,
        extra_notes,
        feedback,
    }
}

/// Where an expected time falls in the recording: `offset + scale · t`.
#[derive(Debug, Clone, Copy)]
struct TimeMap {
    /// Seconds the take starts late.
    offset: f64,
    /// Played length per written length (above 1: slower than written).
    scale: f64,
}

impl TimeMap {
    /// The recording time of expected time `t`.
    fn at(self, t: f64) -> f64 {
        self.offset + self.scale * t
    }
}

/// Per written note: half the time (recording seconds, at `scale`) to the nearest written note
/// that starts at another time; infinite for a note alone.
fn slot_halves(exp: &[Expected], scale: f64) -> Vec<f64> {
    // `exp` is in time order: the neighbours are found by bisection.
    let times: Vec<f64> = exp.iter().map(|e| e.time_s).collect();
    times
        .iter()
        .map(|&t| {
            let before = times[..times.partition_point(|x| *x < t - 1e-6)]
                .last()
                .map_or(f64::INFINITY, |x| t - x);
            let after = times[times.partition_point(|x| *x <= t + 1e-6)..]
                .first()
                .map_or(f64::INFINITY, |x| x - t);
            before.min(after) * scale / 2.0
        })
        .collect()
}

/// The played notes, each split where it holds a restrike (its wave starting over at the same
/// pitch) within a written note's reach of that note's time, the written note of its pitch
/// and not its start: a ringing string picked again that the attacks did not hear. A restrike
/// is weak evidence (a chorus's sweep dips too), so it counts only where the exercise asks for
/// that very pitch again.
fn split_at_restrikes(
    exp: &[Expected],
    played: &[Note],
    map: TimeMap,
    limit: &dyn Fn(usize) -> f64,
) -> Vec<Note> {
    let mut out = Vec::with_capacity(played.len());
    for n in played {
        let mut cuts: Vec<f64> = n
            .restrikes
            .iter()
            .copied()
            .filter(|&r| {
                exp.iter().enumerate().any(|(i, e)| {
                    let at = map.at(e.time_s);
                    e.pitch_matches(n.midi)
                        && (r - at).abs() <= limit(i)
                        && (n.onset_s - at).abs() > limit(i)
                })
            })
            .collect();
        cuts.sort_by(f64::total_cmp);
        let mut piece = n.clone();
        for r in cuts {
            let rest = Note {
                onset_s: r,
                onset_pitch_s: None,
                onset_body_s: None,
                restrikes: Vec::new(),
                ..piece.clone()
            };
            piece.offset_s = r;
            piece.restrikes.clear();
            out.push(std::mem::replace(&mut piece, rest));
        }
        out.push(piece);
    }
    out
}

/// The start offset: the shift that lines up the most notes of the same pitch.
fn start_offset(exp: &[Expected], played: &[Note], spb: f64) -> f64 {
    let mut best = (0usize, f64::INFINITY, 0.0f64);
    for p in played.iter().take(8) {
        for e in exp.iter().take(8) {
            let off = p.onset_s - e.time_s;
            let hits = exp
                .iter()
                .filter(|x| {
                    played.iter().any(|q| {
                        q.midi == x.midi && (q.onset_s - x.time_s - off).abs() <= spb / 4.0
                    })
                })
                .count();
            let spread: f64 = exp
                .iter()
                .filter_map(|x| {
                    played
                        .iter()
                        .map(|q| (q.onset_s - x.time_s - off).abs())
                        .min_by(f64::total_cmp)
                })
                .sum();
            if hits > best.0 || (hits == best.0 && spread < best.1) {
                best = (hits, spread, off);
            }
        }
    }
    best.2
}

/// The time map from offset and tempo scale fitted to the same-pitch matches of the alignment.
fn fit_time_map(exp: &[Expected], played: &[Note], offset: f64, window: f64) -> TimeMap {
    // Align, fit, and repeat: each round lets later notes of a drifting performance fall
    // inside the window.
    let (mut a, mut b) = (offset, 1.0);
    for _ in 0..4 {
        let pairs = align(exp, played, |t| a + b * t, window, &|_| f64::INFINITY);
        let matched: Vec<(f64, f64)> = pairs
            .iter()
            .filter(|(i, j)| exp[*i].pitch_matches(played[*j].midi))
            .map(|(i, j)| (exp[*i].time_s, played[*j].onset_s))
            .collect();
        match robust_fit(&matched) {
            Some(f) if (f.0 - a).abs() < 1e-6 && (f.1 - b).abs() < 1e-9 => break,
            Some(f) => (a, b) = f,
            None => break,
        }
    }
    TimeMap {
        offset: a,
        scale: b,
    }
}

/// A result per expected note (ok, wrong_pitch, late, early or missed) and which played notes
/// the alignment used.
fn note_verdicts(
    exp: &[Expected],
    played: &[Note],
    pairs: &[(usize, usize)],
    map: TimeMap,
    tol: f64,
) -> (Vec<NoteResult>, Vec<bool>) {
    let mut per_note: Vec<NoteResult> = exp
        .iter()
        .enumerate()
        .map(|(i, e)| NoteResult {
            index: i,
            status: "missed".into(),
            timing_error_ms: None,
            played_midi: None,
            expected_midi: e.midi,
            cents: None,
            technique: e.technique.map(|t| TechniqueResult {
                expected: t,
                heard: false,
                detail: None,
            }),
            expected_time_s: Some((map.at(e.time_s) * 1000.0).round() / 1000.0),
            expected_duration_s: (e.duration_s * map.scale * 1000.0).round() / 1000.0,
        })
        .collect();
    let mut used = vec![false; played.len()];
    for &(i, j) in pairs {
        used[j] = true;
        // Two readings of the start (the attack's and the note's own partials', and for a
        // note out of silence a third at its body): the one
        // nearer the beat, so that a start misread under noise or chorus does not make an
        // on-time note late or early. A note truly off the beat is off in both.
        let at = map.at(exp[i].time_s);
        let err = std::iter::once(played[j].onset_s)
            .chain(played[j].onset_pitch_s)
            .chain(played[j].onset_body_s)
            .map(|t| t - at)
            .min_by(|a, b| a.abs().total_cmp(&b.abs()))
            .unwrap_or(played[j].onset_s - at);
        // A note whose harmonics say its pitch may have been read an octave or a twelfth off:
        // where the exercise asks for that other note, that is what was played.
        let midi = played[j]
            .other_midi
            .iter()
            .copied()
            .find(|m| !exp[i].pitch_matches(played[j].midi) && exp[i].pitch_matches(*m))
            .unwrap_or(played[j].midi);
        let r = &mut per_note[i];
        r.timing_error_ms = Some((err * 10_000.0).round() / 10.0);
        r.played_midi = Some(midi);
        r.cents = Some(played[j].cents);
        r.status = if exp[i].pitch_matches(midi) {
            timing_status(err, tol)
        } else {
            "wrong_pitch"
        }
        .into();
    }
    (per_note, used)
}

/// "late", "early" or "ok" for a note `err` seconds off its time.
fn timing_status(err: f64, tol: f64) -> &'static str {
    if err > tol {
        "late"
    } else if err < -tol {
        "early"
    } else {
        "ok"
    }
}

/// Marks as used the played notes that are a matched bend's top or release.
fn claim_bend_notes(
    exp: &[Expected],
    played: &[Note],
    pairs: &[(usize, usize)],
    map: TimeMap,
    tol: f64,
    used: &mut [bool],
) {
    // A bend's top (and its release) reads as notes of their own: they belong to the bend.
    for &(i, j) in pairs {
        if exp[i].bend.is_none() {
            continue;
        }
        let end = played[j].onset_s + exp[i].duration_s * map.scale + tol;
        for (k, q) in played.iter().enumerate().skip(j + 1) {
            if q.onset_s > end {
                break;
            }
            if !used[k] && exp[i].pitch_matches(q.midi) {
                used[k] = true;
            }
        }
    }
}

/// Fills in whether each played note's asked-for technique was heard; returns which of the
/// heard techniques were claimed by a note.
fn judge_techniques(
    exp: &[Expected],
    per_note: &mut [NoteResult],
    techniques: &[Technique],
    map: TimeMap,
    tol: f64,
) -> Vec<bool> {
    // Heard when one of the right kind overlaps the note (for a move into the note, its
    // arrival).
    let mut claimed = vec![false; techniques.len()];
    for (e, r) in exp.iter().zip(per_note.iter_mut()) {
        let (Some(want), Some(result)) = (e.technique, r.technique.as_mut()) else {
            continue;
        };
        if r.status == "missed" {
            continue;
        }
        let start = map.at(e.time_s);
        let reach = tol.max(0.1);
        let span = match want {
            ExpectedTechnique::HammerOn | ExpectedTechnique::PullOff | ExpectedTechnique::Slide => {
                (start - reach, start + reach)
            }
            _ => (
                start - reach,
                start + (e.duration_s * map.scale).max(0.2) + reach,
            ),
        };
        let heard = techniques.iter().position(|t| {
            let (s, en) = t.span();
            is_kind(want, t) && s <= span.1 && en >= span.0
        });
        result.heard = heard.is_some();
        if let Some(k) = heard {
            claimed[k] = true;
            // A slide is played on time when it leaves on the beat; its note arrives after the
            // slide's travel.
            if want == ExpectedTechnique::Slide
                && let Some(arrival) = r.timing_error_ms
            {
                let left = techniques[k].span().0 - start;
                if left.abs() * 1000.0 < arrival.abs() {
                    r.timing_error_ms = Some((left * 10_000.0).round() / 10.0);
                    if matches!(r.status.as_str(), "ok" | "late" | "early") {
                        r.status = timing_status(left, tol).into();
                    }
                }
            }
        }
        if let (Some(Technique::Bend { cents, .. }), Some(semis)) =
            (heard.map(|k| &techniques[k]), e.bend)
        {
            result.detail = Some(bend_detail(*cents, semis));
        }
    }
    claimed
}

/// Whether a heard technique is the kind asked for.
fn is_kind(want: ExpectedTechnique, t: &Technique) -> bool {
    matches!(
        (want, t),
        (ExpectedTechnique::Bend, Technique::Bend { .. })
            | (
                ExpectedTechnique::BendRelease,
                Technique::Bend { released: true, .. }
            )
            | (ExpectedTechnique::HammerOn, Technique::HammerOn { .. })
            | (ExpectedTechnique::PullOff, Technique::PullOff { .. })
            | (ExpectedTechnique::Slide, Technique::Slide { .. })
            | (ExpectedTechnique::Vibrato, Technique::Vibrato { .. })
    )
}

/// How far a heard bend went against the `semis` asked for, in words.
fn bend_detail(cents: f64, semis: f64) -> String {
    let off = cents - semis * 100.0;
    if off.abs() <= 20.0 {
        format!("reached: {cents:.0} of {:.0} cents", semis * 100.0)
    } else if off < 0.0 {
        format!(
            "{:.0} cents short ({cents:.0} of {:.0})",
            -off,
            semis * 100.0
        )
    } else {
        format!("{off:.0} cents over ({cents:.0} of {:.0})", semis * 100.0)
    }
}

/// The summary figures: accuracy, timing, tempo, start and the overall score.
fn summarize(
    exercise: &Exercise,
    expected: usize,
    per_note: &[NoteResult],
    extra: usize,
    map: TimeMap,
    tol: f64,
    strictness: Strictness,
) -> Summary {
    let b = map.scale;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for r in per_note {
        *counts.entry(r.status.clone()).or_default() += 1;
    }
    let right_pitch = per_note
        .iter()
        .filter(|r| matches!(r.status.as_str(), "ok" | "late" | "early"))
        .count();
    let (mae, sd) = timing_spread(per_note);
    let penalty = 0.5 * extra as f64;
    let score_value = (100.0 * (credit(per_note, tol) - penalty).max(0.0) / expected.max(1) as f64)
        .clamp(0.0, 100.0);
    Summary {
        pitch_accuracy: (right_pitch as f64 / expected.max(1) as f64 * 1000.0).round() / 1000.0,
        timing_mae_ms: (mae * 10.0).round() / 10.0,
        timing_consistency_ms: (sd * 10.0).round() / 10.0,
        played_tempo_bpm: (exercise.tempo_bpm / b * 10.0).round() / 10.0,
        tempo_drift_percent: ((1.0 / b - 1.0) * 1000.0).round() / 10.0,
        start_offset_s: (map.offset * 1000.0).round() / 1000.0,
        counts,
        score: (score_value * 10.0).round() / 10.0,
        strictness,
        techniques_expected: per_note.iter().filter(|r| r.technique.is_some()).count(),
        techniques_heard: per_note
            .iter()
            .filter(|r| r.technique.as_ref().is_some_and(|t| t.heard))
            .count(),
    }
}

/// Mean absolute timing error and its standard deviation over the notes at the right pitch, ms.
fn timing_spread(per_note: &[NoteResult]) -> (f64, f64) {
    let errors: Vec<f64> = per_note
        .iter()
        .filter(|r| r.status != "wrong_pitch")
        .filter_map(|r| r.timing_error_ms)
        .collect();
    let mae = errors.iter().map(|e| e.abs()).sum::<f64>() / errors.len().max(1) as f64;
    let mean = errors.iter().sum::<f64>() / errors.len().max(1) as f64;
    let sd = (errors.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / errors.len().max(1) as f64)
        .sqrt();
    (mae, sd)
}

/// The notes' summed credit towards the score.
fn credit(per_note: &[NoteResult], tol: f64) -> f64 {
    // On time 1, off by up to three tolerances fading to 0.3, wrong pitch 0.1.
    per_note
        .iter()
        .map(|r| match (r.status.as_str(), r.timing_error_ms) {
            ("ok", _) => 1.0,
            ("late" | "early", Some(e)) => {
                (1.0 - (e.abs() / 1000.0 - tol) / (3.0 * tol)).clamp(0.3, 1.0)
            }
            ("wrong_pitch", _) => 0.1,
            _ => 0.0,
        })
        .sum()
}

/// The techniques left to remark on by themselves.
fn unclaimed(techniques: &[Technique], claimed: &[bool]) -> Vec<Technique> {
    // Vibrato rate and depth, and bends the exercise did not ask for: those it asked for are
    // judged against their own target.
    techniques
        .iter()
        .zip(claimed)
        .filter(|(t, c)| !(**c && matches!(t, Technique::Bend { .. })))
        .map(|(t, _)| t.clone())
        .collect()
}

fn string_name(s: usize) -> &'static str {
    fretwise_theory::Tuning::standard_string_name(s).unwrap_or("?")
}

fn feedback(
    exercise: &Exercise,
    exp: &[Expected],
    per_note: &[NoteResult],
    extra: &[Note],
    summary: &Summary,
    tuning_ref_hz: f64,
    played_technique_remarks: Vec<Feedback>,
) -> Vec<Feedback> {
    let strictness = summary.strictness;
    let mut out = Vec::new();
    let say = |m: String, c: &[&str]| Feedback {
        message: m,
        concepts: c.iter().map(|s| s.to_string()).collect(),
    };
    let name = |midi: i32| fretwise_theory::Note::from_midi(midi, true).to_string();
    // Overall tuning.
    let off = fretwise_theory::cents(tuning_ref_hz, 440.0);
    if off.abs() >= 10.0 {
        out.push(say(
            format!(
                "your guitar is tuned about {:.0} cents {} (A4 = {:.1} Hz): tune up before you practise",
                off.abs(),
                if off < 0.0 { "flat" } else { "sharp" },
                tuning_ref_hz
            ),
            &["tuning"],
        ));
    }
    // Beats consistently rushed or dragged.
    let bpb = exercise.beats_per_bar();
    let mut by_beat: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
    for (r, e) in per_note.iter().zip(exp) {
        if r.status == "wrong_pitch" {
            continue;
        }
        if let Some(t) = r.timing_error_ms {
            let beat_in_bar = (e.beat.rem_euclid(bpb)).floor() as usize + 1;
            by_beat.entry(beat_in_bar).or_default().push(t);
        }
    }
    let tol = strictness.timing_ms();
    for (beat, errs) in &by_beat {
        if errs.len() < 2 {
            continue;
        }
        let mean = errs.iter().sum::<f64>() / errs.len() as f64;
        let same_side = errs
            .iter()
            .filter(|e| e.signum() == mean.signum() && e.abs() > tol / 2.0)
            .count();
        if mean.abs() > tol && same_side * 3 >= errs.len() * 2 {
            out.push(say(
                format!(
                    "you {} beat {beat} by about {:.0} ms",
                    if mean < 0.0 { "rush" } else { "drag" },
                    (mean.abs() / 10.0).round() * 10.0
                ),
                &["timing"],
            ));
        }
    }
    if summary.tempo_drift_percent.abs() >= 5.0 {
        out.push(say(
            format!(
                "you played at {:.0} bpm instead of {:.0}: practise with a metronome",
                summary.played_tempo_bpm, exercise.tempo_bpm
            ),
            &["timing"],
        ));
    }
    // Intonation of individual notes (relative to the recording's own tuning).
    for (r, e) in per_note.iter().zip(exp) {
        let Some(c) = r.cents else { continue };
        if matches!(r.status.as_str(), "ok" | "late" | "early") && c.abs() > strictness.cents() {
            let place = match (e.string, e.fret) {
                (Some(s), Some(f)) => format!(
                    " {} fret on the {} string",
                    fretwise_theory::ordinal(f as i32),
                    string_name(s)
                ),
                _ => String::new(),
            };
            out.push(say(
                format!(
                    "the{place} {} is {:.0} cents {}: check your fretting pressure{}",
                    name(e.midi),
                    c.abs(),
                    if c < 0.0 { "flat" } else { "sharp" },
                    if c > 0.0 {
                        " (pressing too hard or pushing the string sideways bends it sharp)"
                    } else {
                        ""
                    }
                ),
                &["guitar-basics", "tuning"],
            ));
        }
    }
    let wrong: Vec<String> = per_note
        .iter()
        .zip(exp)
        .filter(|(r, _)| r.status == "wrong_pitch")
        .map(|(r, e)| {
            format!(
                "{} instead of {} (note {})",
                r.played_midi.map(name).unwrap_or_default(),
                name(e.midi),
                r.index + 1
            )
        })
        .collect();
    if !wrong.is_empty() {
        out.push(say(
            format!("wrong notes: you played {}", wrong.join(", ")),
            &["note-names", "reading-tab"],
        ));
    }
    let missed = per_note.iter().filter(|r| r.status == "missed").count();
    if missed > 0 {
        out.push(say(
            format!(
                "{missed} note{} not heard: play every note clearly, slower if needed",
                if missed == 1 { " was" } else { "s were" }
            ),
            &["picking-basics"],
        ));
    }
    // Techniques asked for: not heard, or a bend that misses its target.
    for (e, r) in exp.iter().zip(per_note) {
        let Some(t) = &r.technique else { continue };
        if r.status == "missed" {
            continue;
        }
        let what = t.expected.words();
        let note = name(e.midi + e.bend.map_or(0, |b| b.round() as i32));
        let how = match t.expected {
            ExpectedTechnique::HammerOn => {
                "fret it hard and fast right behind the fret, without picking"
            }
            ExpectedTechnique::PullOff => {
                "pull the finger off slightly downwards so it plucks the string"
            }
            ExpectedTechnique::Slide => "keep the finger pressed while it travels to the new fret",
            ExpectedTechnique::Vibrato => {
                "rock or bend the string evenly, about 5–7 times a second"
            }
            ExpectedTechnique::Bend | ExpectedTechnique::BendRelease => {
                "push the string until it sounds the target note"
            }
        };
        if !t.heard {
            out.push(say(
                format!(
                    "note {} ({note}) asks for a {what}, which was not heard: {how}",
                    r.index + 1
                ),
                &[t.expected.concept()],
            ));
        } else if let Some(d) = t.detail.as_deref().filter(|d| !d.starts_with("reached")) {
            out.push(say(
                format!(
                    "the {what} on note {} (to {note}) is {d}: {how}",
                    r.index + 1
                ),
                &[t.expected.concept()],
            ));
        }
    }
    if !extra.is_empty() {
        out.push(say(
            format!(
                "{} extra note{} (other strings ringing or a slip): mute what you are not playing",
                extra.len(),
                if extra.len() == 1 { "" } else { "s" }
            ),
            &["muting"],
        ));
    }
    out.extend(played_technique_remarks);
    if out.is_empty() {
        out.push(say(
            format!("clean take: every note on time within {tol:.0} ms and in tune"),
            &[],
        ));
    }
    out
}

/// Feedback on how techniques were played: bends short of (or past) their target, vibrato too
/// slow, too fast or too wide.
pub fn technique_feedback(techniques: &[crate::Technique]) -> Vec<Feedback> {
    let step = |c: f64| match c.round() as i64 {
        100 => "a half step".to_string(),
        200 => "a whole step".to_string(),
        300 => "a step and a half".to_string(),
        n => format!("{n} cents"),
    };
    let mut out = Vec::new();
    for t in techniques {
        match t {
            crate::Technique::Bend {
                from,
                cents,
                target_cents,
                off_by_cents,
                ..
            } if off_by_cents.abs() > 20.0 => out.push(Feedback {
                message: if *off_by_cents < 0.0 {
                    format!(
                        "the bend on {from} stops {:.0} cents short of {} ({cents:.0} of {target_cents:.0} cents): push until it sounds the target note",
                        -off_by_cents,
                        step(*target_cents)
                    )
                } else {
                    format!(
                        "the bend on {from} goes {off_by_cents:.0} cents past {}: stop at the target note",
                        step(*target_cents)
                    )
                },
                concepts: vec!["bending".to_string()],
            }),
            crate::Technique::Vibrato {
                start_s,
                rate_hz,
                depth_cents,
                ..
            } => {
                let issue = if *rate_hz < 4.0 {
                    Some(format!("slow ({rate_hz:.1} Hz)"))
                } else if *rate_hz > 8.0 {
                    Some(format!("fast and nervous ({rate_hz:.1} Hz)"))
                } else if *depth_cents > 60.0 {
                    Some(format!("wide (±{depth_cents:.0} cents)"))
                } else {
                    None
                };
                if let Some(issue) = issue {
                    out.push(Feedback {
                        message: format!(
                            "the vibrato at {start_s:.1} s is {issue}: aim for an even 5–7 Hz within about ±40 cents"
                        ),
                        concepts: vec!["vibrato".to_string()],
                    });
                }
            }
            _ => {}
        }
    }
    out
}
