//! Students in the catalog: creating and reading them, recording a take (skills, practice item
//! and history in one transaction, counted once however often it is sent), self-reports and
//! questions, and storing plans.

use std::collections::BTreeMap;

use fretwise_audio::{Exercise, Score};
use fretwise_catalog::{Catalog, EventRow, ItemRow, SkillRow, StudentRow};
use fretwise_knowledge::{Concept, Ontology, Profile};
use serde::{Deserialize, Serialize};

use crate::exercise::start_tempo;
use crate::matching::Preferences;
use crate::model::{Evidence, MASTERY, SkillEstimate, SkillModel, tempo_difficulty};
use crate::plan::{Plan, PlanInputs, PlanRequest, plan};
use crate::rating::{MIN_MATCH, Performance, Rating};
use crate::schedule::{PracticeItem, Scheduler};
use crate::{LearnerError, MomentSource};

/// A student.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Student {
    /// Id ("st_…").
    pub id: String,
    /// Name.
    pub name: String,
    /// Level rank: 1 beginner, 2 intermediate, 3 advanced.
    pub level: u8,
    /// Level name.
    pub level_name: String,
    /// Goals (concept ids).
    pub goals: Vec<String>,
    /// How they like to learn.
    pub preferences: Preferences,
    /// Created (RFC 3339).
    pub created_at: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct StoredProfile {
    #[serde(default)]
    goals: Vec<String>,
    #[serde(default)]
    preferences: Preferences,
}

/// What a new student tells us.
#[derive(Debug, Clone, Default)]
pub struct NewStudent {
    /// Name.
    pub name: String,
    /// Level (rank 1–3).
    pub level: u8,
    /// Goals as typed (concept id, name or alias).
    pub goals: Vec<String>,
    /// Preferences.
    pub preferences: Preferences,
}

/// Resolves a concept typed by a person, naming the field on failure.
pub fn resolve<'a>(
    ontology: &'a Ontology,
    field: &str,
    input: &str,
) -> Result<&'a Concept, LearnerError> {
    ontology
        .resolve(input)
        .map_err(|e| LearnerError::UnknownConcept {
            field: field.to_string(),
            message: e.to_string(),
        })
}

fn student_from_row(row: StudentRow) -> Result<Student, LearnerError> {
    let p: StoredProfile = serde_json::from_str(&row.profile)
        .map_err(|e| LearnerError::Corrupt(format!("students.profile of {}: {e}", row.id)))?;
    let level = row.level.clamp(1, 3) as u8;
    Ok(Student {
        id: row.id,
        name: row.name,
        level,
        level_name: crate::level_name(level).to_string(),
        goals: p.goals,
        preferences: p.preferences,
        created_at: row.created_at,
    })
}

fn rfc3339(unix: i64) -> String {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(unix.max(0) as u64);
    humantime::format_rfc3339_seconds(t).to_string()
}

/// Creates a student; goals are resolved to concept ids and preferences checked.
pub async fn create_student(
    catalog: &Catalog,
    ontology: &Ontology,
    new: &NewStudent,
) -> Result<Student, LearnerError> {
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(LearnerError::Invalid(
            "name: 1 to 200 characters, no control characters".to_string(),
        ));
    }
    if !(1..=3).contains(&new.level) {
        return Err(LearnerError::Invalid(
            "level: beginner, intermediate or advanced".to_string(),
        ));
    }
    new.preferences.validate()?;
    let mut goals = Vec::new();
    for g in &new.goals {
        let c = resolve(ontology, "goals", g)?;
        if !goals.contains(&c.id) {
            goals.push(c.id.clone());
        }
    }
    let now = now_unix();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let seed = format!("{name}\u{1f}{nanos}\u{1f}{}", std::process::id());
    let id = format!("st_{}", &blake3::hash(seed.as_bytes()).to_hex()[..10]);
    let profile = serde_json::to_string(&StoredProfile {
        goals: goals.clone(),
        preferences: new.preferences.clone(),
    })
    .map_err(|e| LearnerError::Invalid(format!("profile: {e}")))?;
    let row = StudentRow {
        id,
        name: name.to_string(),
        level: i64::from(new.level),
        profile,
        created_at: rfc3339(now),
    };
    catalog.insert_student(&row).await?;
    student_from_row(row)
}

/// The student with this id.
pub async fn load_student(catalog: &Catalog, id: &str) -> Result<Student, LearnerError> {
    let id = id.trim();
    // Ids are ours ("st_" + hex): anything else cannot name a student, and a control
    // character would not even reach the database (PostgreSQL refuses NUL in text).
    if id.is_empty() || id.len() > 64 || id.chars().any(char::is_control) {
        return Err(LearnerError::UnknownStudent(id.chars().take(40).collect()));
    }
    match catalog.student(id).await? {
        Some(row) => student_from_row(row),
        None => Err(LearnerError::UnknownStudent(id.to_string())),
    }
}

/// Every student, oldest first.
pub async fn list_students(catalog: &Catalog) -> Result<Vec<Student>, LearnerError> {
    catalog
        .students()
        .await?
        .into_iter()
        .map(student_from_row)
        .collect()
}

/// A student's skill model and practice items.
pub async fn load_model(
    catalog: &Catalog,
    student: &Student,
) -> Result<(SkillModel, Vec<PracticeItem>), LearnerError> {
    let skills: BTreeMap<String, SkillEstimate> = catalog
        .student_skills(&student.id)
        .await?
        .into_iter()
        .map(|r| {
            (
                r.concept,
                SkillEstimate {
                    mean: r.mean,
                    sd: r.sd,
                    evidence: r.evidence.max(0) as u32,
                    updated_unix: r.updated_unix,
                },
            )
        })
        .collect();
    let items = catalog
        .student_items(&student.id)
        .await?
        .into_iter()
        .map(|r| {
            serde_json::from_str::<PracticeItem>(&r.state).map_err(|e| {
                LearnerError::Corrupt(format!("student_items.state of {}: {e}", r.item_id))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((SkillModel::new(student.level, skills), items))
}

/// One concept's skill as shown to people.
#[derive(Debug, Clone, Serialize)]
pub struct SkillView {
    /// Concept id.
    pub concept: String,
    /// Name.
    pub name: String,
    /// Difficulty 1–5.
    pub difficulty: u8,
    /// Skill (logit).
    pub mean: f64,
    /// Its standard deviation.
    pub sd: f64,
    /// Estimated success on the concept's reference exercise.
    pub p_success: f64,
    /// 90 % interval of that success.
    pub p_interval: [f64; 2],
    /// Pieces of evidence.
    pub evidence: u32,
    /// Mastered (80 % success).
    pub mastered: bool,
}

/// One history entry.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    /// Event id.
    pub id: String,
    /// Kind.
    pub kind: String,
    /// Concept.
    pub concept: Option<String>,
    /// When (RFC 3339).
    pub at: String,
    /// Details.
    pub details: serde_json::Value,
}

/// Everything about a student.
#[derive(Debug, Clone, Serialize)]
pub struct StudentView {
    /// The student.
    pub student: Student,
    /// Skills with evidence, weakest first.
    pub skills: Vec<SkillView>,
    /// Practice items due now.
    pub due: Vec<PracticeItem>,
    /// All practice items.
    pub items: Vec<PracticeItem>,
    /// Recent history, newest first.
    pub history: Vec<HistoryEntry>,
    /// The current plan.
    pub plan: Option<serde_json::Value>,
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// A student with skills, due items, history (up to `history` entries) and plan.
pub async fn view(
    catalog: &Catalog,
    ontology: &Ontology,
    id: &str,
    history: i64,
    now: i64,
) -> Result<StudentView, LearnerError> {
    let student = load_student(catalog, id).await?;
    let (model, items) = load_model(catalog, &student).await?;
    let mut skills: Vec<SkillView> = model
        .stored()
        .iter()
        .filter_map(|(cid, s)| ontology.get(cid).map(|c| (c, s.at(now))))
        .map(|(c, s)| SkillView {
            concept: c.id.clone(),
            name: c.name.clone(),
            difficulty: c.difficulty,
            mean: round3(s.mean),
            sd: round3(s.sd),
            p_success: round3(s.p_success()),
            p_interval: [
                round3(crate::model::sigmoid(s.mean - 1.645 * s.sd)),
                round3(crate::model::sigmoid(s.mean + 1.645 * s.sd)),
            ],
            evidence: s.evidence,
            mastered: s.mean >= MASTERY,
        })
        .collect();
    skills.sort_by(|a, b| a.p_success.total_cmp(&b.p_success));
    let events = catalog.student_events(&student.id, history).await?;
    let history = events
        .into_iter()
        .map(|e| HistoryEntry {
            details: serde_json::from_str(&e.payload).unwrap_or(serde_json::Value::Null),
            id: e.id,
            kind: e.kind,
            concept: e.concept,
            at: rfc3339(e.created_unix),
        })
        .collect();
    let plan = catalog
        .student_plan(&student.id)
        .await?
        .and_then(|(p, _)| serde_json::from_str(&p).ok());
    Ok(StudentView {
        due: items.iter().filter(|i| i.is_due(now)).cloned().collect(),
        items,
        skills,
        history,
        plan,
        student,
    })
}

/// What recording a take did.
#[derive(Debug, Clone, Serialize)]
pub struct TakeOutcome {
    /// The take's id (from its content: the same take gets the same id).
    pub take_id: String,
    /// False when this take was already recorded (nothing changed).
    pub recorded: bool,
    /// The concept it practised.
    pub concept: String,
    /// What the take measured.
    pub performance: Performance,
    /// Its performance score, 0–1.
    pub score: f64,
    /// Its FSRS rating.
    pub rating: Rating,
    /// The concept's skill before.
    pub skill_before: SkillEstimate,
    /// And after.
    pub skill_after: SkillEstimate,
    /// Concepts whose estimate changed (the concept and prerequisites it raised).
    pub changed: Vec<String>,
    /// The practice item after the take (next due, target tempo).
    pub item: PracticeItem,
}

/// Checks that an exercise can be recorded for `student` and returns its concept.
fn exercise_concept<'a>(
    ontology: &'a Ontology,
    student: &Student,
    exercise: &Exercise,
) -> Result<&'a Concept, LearnerError> {
    let Some(cid) = exercise.concept.as_deref() else {
        return Err(LearnerError::Invalid(
            "concept: the exercise names no concept, so the take cannot be recorded; use an exercise from `fretwise practice` or add \"concept\": \"open-chords\"".into(),
        ));
    };
    let concept = resolve(ontology, "concept", cid)?;
    if let Some(id) = exercise.id.as_deref() {
        let Some((owner, item_concept)) = id.split_once('.') else {
            return Err(LearnerError::Mismatch(format!(
                "the exercise id `{id}` is not a practice item id (student.concept)"
            )));
        };
        if owner != student.id && owner != "anonymous" {
            return Err(LearnerError::Mismatch(format!(
                "the exercise `{id}` was made for student {owner}, not {}",
                student.id
            )));
        }
        if item_concept != concept.id {
            return Err(LearnerError::Mismatch(format!(
                "the exercise `{id}` practises {item_concept}, but it says concept {}",
                concept.id
            )));
        }
    }
    Ok(concept)
}

/// Records a scored take for a student: the concept's skill (and prerequisites it shows), the
/// practice item's schedule and tempo, and the history entry, in one transaction. `take_hash`
/// identifies the recording (e.g. a hash of its bytes): the same take sent again is not
/// counted twice.
pub async fn record_take(
    catalog: &Catalog,
    ontology: &Ontology,
    student_id: &str,
    exercise: &Exercise,
    score: &Score,
    take_hash: &str,
    now: i64,
) -> Result<TakeOutcome, LearnerError> {
    let student = load_student(catalog, student_id).await?;
    let concept = exercise_concept(ontology, &student, exercise)?;
    let expected = score.per_note.len();
    if expected == 0 || score.summary.pitch_accuracy < MIN_MATCH {
        let right = score
            .per_note
            .iter()
            .filter(|n| n.status == "ok" || n.status == "late" || n.status == "early")
            .count();
        return Err(LearnerError::Mismatch(format!(
            "{right} of {expected} expected notes were heard at the right pitch (at least {:.0} % are needed to count it as this exercise)",
            MIN_MATCH * 100.0
        )));
    }
    let (mut model, items) = load_model(catalog, &student).await?;
    let perf = Performance::from_summary(&score.summary, exercise.tempo_bpm);
    let s = perf.score();
    let rating = Rating::from_score(s);
    let start = start_tempo(concept);
    let b = tempo_difficulty(exercise.tempo_bpm, start);
    let before = model.estimate(concept, now);
    let changed = model.observe(ontology, concept, Evidence::Take { score: s, b }, now);
    let after = model.estimate(concept, now);
    let item = items
        .iter()
        .find(|i| i.concept == concept.id)
        .cloned()
        .unwrap_or_else(|| PracticeItem::new(&student.id, &concept.id, start, now));
    let item = Scheduler::new().review(&item, rating, Some(&perf), now)?;
    let exercise_json = serde_json::to_string(exercise)
        .map_err(|e| LearnerError::Invalid(format!("exercise: {e}")))?;
    let take_id = format!(
        "take_{}",
        &blake3::hash(format!("{}\u{1f}{take_hash}\u{1f}{exercise_json}", student.id).as_bytes())
            .to_hex()[..16]
    );
    let payload = serde_json::json!({
        "score": round3(s), "rating": rating, "tempo_bpm": exercise.tempo_bpm,
        "pitch_accuracy": round3(perf.pitch_accuracy), "timing_mae_ms": perf.timing_mae_ms.round(),
        "timing_consistency_ms": perf.timing_consistency_ms.round(),
        "played_tempo_bpm": score.summary.played_tempo_bpm.round(),
        "item_id": item.id, "exercise_id": exercise.id, "overall": score.summary.score,
        "skill_before": round3(before.mean), "skill_after": round3(after.mean),
    });
    let skills = skill_rows(&model, &changed);
    let state =
        serde_json::to_string(&item).map_err(|e| LearnerError::Invalid(format!("item: {e}")))?;
    let recorded = catalog
        .record_student_evidence(
            &student.id,
            &EventRow {
                id: take_id.clone(),
                kind: "take".into(),
                concept: Some(concept.id.clone()),
                payload: payload.to_string(),
                created_unix: now,
            },
            &skills,
            &[ItemRow {
                item_id: item.id.clone(),
                concept: concept.id.clone(),
                state,
                due_unix: item.due_unix,
            }],
        )
        .await?;
    Ok(TakeOutcome {
        take_id,
        recorded,
        concept: concept.id.clone(),
        performance: perf,
        score: round3(s),
        rating,
        skill_before: before,
        skill_after: if recorded { after } else { before },
        changed: if recorded { changed } else { Vec::new() },
        item,
    })
}

/// Records a student's own rating of a concept (1 cannot … 5 easy) or a quiz answer.
pub async fn record_evidence(
    catalog: &Catalog,
    ontology: &Ontology,
    student_id: &str,
    concept: &str,
    evidence: Evidence,
    now: i64,
) -> Result<SkillEstimate, LearnerError> {
    if let Evidence::SelfReport { confidence } = evidence
        && !(1..=5).contains(&confidence)
    {
        return Err(LearnerError::Invalid(
            "confidence: 1 (cannot play it) to 5 (easy)".into(),
        ));
    }
    let student = load_student(catalog, student_id).await?;
    let concept = resolve(ontology, "concept", concept)?;
    let (mut model, _) = load_model(catalog, &student).await?;
    let changed = model.observe(ontology, concept, evidence, now);
    let skills = skill_rows(&model, &changed);
    let kind = match evidence {
        Evidence::Quiz { .. } => "quiz",
        Evidence::SelfReport { .. } => "self_report",
        Evidence::Take { .. } => "take",
    };
    let id = event_id(kind, &student.id, &concept.id);
    catalog
        .record_student_evidence(
            &student.id,
            &EventRow {
                id,
                kind: kind.into(),
                concept: Some(concept.id.clone()),
                payload: serde_json::to_string(&evidence).unwrap_or_default(),
                created_unix: now,
            },
            &skills,
            &[],
        )
        .await?;
    Ok(model.estimate(concept, now))
}

/// Adds an entry to a student's history that changes no skill: a question they asked
/// (`kind` "question") or a rating they gave (`kind` "feedback").
pub async fn record_note(
    catalog: &Catalog,
    student_id: &str,
    kind: &str,
    concept: Option<&str>,
    payload: serde_json::Value,
    now: i64,
) -> Result<(), LearnerError> {
    let student = load_student(catalog, student_id).await?;
    let id = event_id(kind, &student.id, &payload.to_string());
    catalog
        .record_student_evidence(
            &student.id,
            &EventRow {
                id,
                kind: kind.into(),
                concept: concept.map(str::to_string),
                payload: payload.to_string(),
                created_unix: now,
            },
            &[],
            &[],
        )
        .await?;
    Ok(())
}

/// Adds a question the student asked to their history (no skill changes).
pub async fn record_question(
    catalog: &Catalog,
    student_id: &str,
    question: &str,
    concepts: &[String],
    now: i64,
) -> Result<(), LearnerError> {
    let q: String = question.chars().take(500).collect();
    record_note(
        catalog,
        student_id,
        "question",
        concepts.first().map(String::as_str),
        serde_json::json!({"question": q, "concepts": concepts}),
        now,
    )
    .await
}

/// What a plan is asked for, as typed.
#[derive(Debug, Clone)]
pub struct PlanAsk<'a> {
    /// Goal concept (id, name or alias).
    pub goal: &'a str,
    /// Weeks, 1–52.
    pub weeks: u32,
    /// Minutes a day, 5–240.
    pub minutes_per_day: u32,
    /// First day (unix seconds).
    pub now: i64,
}

/// Makes a plan for a student, stores it as their current plan and notes it in the history.
pub async fn make_plan(
    catalog: &Catalog,
    ontology: &Ontology,
    profiles: &[Profile],
    moments: &dyn MomentSource,
    student_id: &str,
    ask: &PlanAsk<'_>,
) -> Result<Plan, LearnerError> {
    let PlanAsk {
        goal,
        weeks,
        minutes_per_day,
        now,
    } = *ask;
    let student = load_student(catalog, student_id).await?;
    let goal = resolve(ontology, "goal", goal)?;
    let req = PlanRequest {
        goal: goal.id.clone(),
        weeks,
        minutes_per_day,
        start_unix: now,
    };
    req.validate()?;
    let p = plan_and_store(catalog, ontology, profiles, moments, &student, &req, None).await?;
    catalog
        .record_student_evidence(
            &student.id,
            &EventRow {
                id: event_id("plan", &student.id, &goal.id),
                kind: "plan".into(),
                concept: Some(goal.id.clone()),
                payload: serde_json::json!({"goal": goal.id, "weeks": weeks, "minutes_per_day": minutes_per_day, "note": p.note}).to_string(),
                created_unix: now,
            },
            &[],
            &[],
        )
        .await?;
    Ok(p)
}

/// Plans for a student from their stored model and stores the plan as their current one;
/// `ends` keeps an earlier plan's end date.
async fn plan_and_store(
    catalog: &Catalog,
    ontology: &Ontology,
    profiles: &[Profile],
    moments: &dyn MomentSource,
    student: &Student,
    req: &PlanRequest,
    ends: Option<i64>,
) -> Result<Plan, LearnerError> {
    let (model, items) = load_model(catalog, student).await?;
    let mut p = plan(
        &PlanInputs {
            ontology,
            model: &model,
            items: &items,
            profiles,
            prefs: &student.preferences,
            student: Some(&student.id),
            moments,
        },
        req,
    )?;
    if let Some(end) = ends {
        p.ends_unix = end;
    }
    let text =
        serde_json::to_string(&p).map_err(|e| LearnerError::Invalid(format!("plan: {e}")))?;
    catalog
        .save_student_plan(&student.id, &text, req.start_unix)
        .await?;
    Ok(p)
}

/// Re-plans after a take: the stored plan's goal, from today to the day it was to end.
/// Returns the new plan, or None when the student has no plan.
pub async fn replan(
    catalog: &Catalog,
    ontology: &Ontology,
    profiles: &[Profile],
    moments: &dyn MomentSource,
    student_id: &str,
    now: i64,
) -> Result<Option<Plan>, LearnerError> {
    let Some((text, _)) = catalog.student_plan(student_id).await? else {
        return Ok(None);
    };
    let Ok(old) = serde_json::from_str::<Plan>(&text) else {
        return Ok(None);
    };
    // The end date stays where it was; the weeks left are counted up to it.
    let end = if old.ends_unix > 0 {
        old.ends_unix
    } else {
        old.request.start_unix + i64::from(old.request.weeks) * 7 * 86_400
    };
    let weeks = ((end - now).max(1) as f64 / (7.0 * 86_400.0)).ceil() as u32;
    let student = load_student(catalog, student_id).await?;
    let req = PlanRequest {
        start_unix: now,
        weeks: weeks.clamp(1, 52),
        ..old.request
    };
    let p = plan_and_store(
        catalog,
        ontology,
        profiles,
        moments,
        &student,
        &req,
        Some(end),
    )
    .await?;
    Ok(Some(p))
}

/// The stored rows of the concepts whose estimates changed.
fn skill_rows(model: &SkillModel, changed: &[String]) -> Vec<SkillRow> {
    changed
        .iter()
        .filter_map(|id| model.stored().get(id).map(|s| (id, s)))
        .map(|(id, s)| SkillRow {
            concept: id.clone(),
            mean: s.mean,
            sd: s.sd,
            evidence: i64::from(s.evidence),
            updated_unix: s.updated_unix,
        })
        .collect()
}

/// A history event id: the kind and a hash of the student, a detail and the time.
fn event_id(kind: &str, student: &str, detail: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let seed = format!("{student}\u{1f}{detail}\u{1f}{nanos}");
    format!("{kind}_{}", &blake3::hash(seed.as_bytes()).to_hex()[..16])
}

/// Now, in unix seconds.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// What practice is asked for: a student (their level, skills, items and goals), or a level.
#[derive(Debug, Clone)]
pub struct PracticeAsk<'a> {
    /// The student's id.
    pub student: Option<&'a str>,
    /// The level rank without a student (1–3).
    pub level: u8,
    /// What they work on.
    pub topic: Option<&'a Concept>,
    /// How many suggestions (1–20).
    pub limit: usize,
    /// Now (unix seconds).
    pub now: i64,
}

/// Practice suggestions with what they were made for.
#[derive(Debug, Clone, Serialize)]
pub struct PracticeAnswer {
    /// The student.
    pub student_id: Option<String>,
    /// Their level.
    pub skill_level: String,
    /// The hardest difficulty suggested at that level.
    pub max_difficulty: u8,
    /// The topic asked about.
    pub current_topic: Option<String>,
    /// A note when the topic is above the level.
    pub note: Option<String>,
    /// The instructor whose lessons are cited first, and why.
    pub instructor: Option<crate::InstructorMatch>,
    /// The suggestions.
    pub suggestions: Vec<crate::Suggestion>,
}

/// Practice suggestions for a student (or a level), with the best-matched instructor's lessons
/// first.
pub async fn practice_for(
    catalog: &Catalog,
    ontology: &Ontology,
    profiles: &[Profile],
    moments: &dyn MomentSource,
    ask: &PracticeAsk<'_>,
) -> Result<PracticeAnswer, LearnerError> {
    let student = match ask.student {
        Some(id) => Some(load_student(catalog, id).await?),
        None => None,
    };
    let (model, items) = match &student {
        Some(s) => load_model(catalog, s).await?,
        None => (SkillModel::new(ask.level, BTreeMap::new()), Vec::new()),
    };
    let goals = student
        .as_ref()
        .map(|s| s.goals.clone())
        .unwrap_or_default();
    let matched = student.as_ref().and_then(|s| {
        crate::match_instructors(
            profiles,
            s.level,
            &s.preferences,
            ask.topic.map(|t| t.id.as_str()),
        )
        .into_iter()
        .next()
    });
    let req = crate::PracticeRequest {
        student: student.as_ref().map(|s| s.id.as_str()),
        topic: ask.topic,
        goals: &goals,
        limit: ask.limit,
        now: ask.now,
        instructor: matched.as_ref().map(|m| m.instructor_id.as_str()),
    };
    let suggestions = crate::suggestions(ontology, &model, &items, &req, moments)?;
    Ok(PracticeAnswer {
        student_id: student.as_ref().map(|s| s.id.clone()),
        skill_level: crate::level_name(model.level()).to_string(),
        max_difficulty: crate::max_difficulty(model.level()),
        current_topic: ask.topic.map(|t| t.id.clone()),
        note: ask.topic.and_then(|t| crate::topic_note(t, model.level())),
        instructor: matched,
        suggestions,
    })
}
