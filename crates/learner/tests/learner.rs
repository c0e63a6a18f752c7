//! The learner against a real SQLite catalog: students, recorded takes (scored by the audio
//! scorer), practice suggestions, plans, bad input.

use fretwise_audio::{Exercise, Note, Strictness};
use fretwise_catalog::Catalog;
use fretwise_knowledge::{Concept, Ontology};
use fretwise_learner::{
    self as learner, Evidence, LearnerError, Moment, MomentSource, NewStudent, PracticeRequest,
    Preferences,
};

/// Lesson moments from a table (the service answers from its search index; here the moments
/// themselves are not under test, only that plans and suggestions carry them).
struct Table;

impl MomentSource for Table {
    fn moments(&self, c: &Concept, _: Option<u8>, who: Option<&str>, n: usize) -> Vec<Moment> {
        (0..n.min(2))
            .map(|i| Moment {
                lesson_id: format!("lesson-{}-{i}", c.id),
                title: format!("{} lesson {i}", c.name),
                instructor: who.unwrap_or("Anyone").to_string(),
                instructor_id: who.unwrap_or("anyone").to_string(),
                start_s: 30.0 * (i as f64 + 1.0),
                end_s: 30.0 * (i as f64 + 1.0) + 12.0,
                quote: format!("here is how {} works", c.name),
            })
            .collect()
    }
}

async fn catalog(dir: &std::path::Path) -> Catalog {
    Catalog::open(&format!("sqlite://{}", dir.join("c.db").display()))
        .await
        .unwrap()
}

async fn beginner(catalog: &Catalog, ontology: &Ontology) -> learner::Student {
    learner::create_student(
        catalog,
        ontology,
        &NewStudent {
            name: "Ada".into(),
            level: 1,
            goals: vec!["Barre Chords".into()],
            preferences: Preferences::default(),
        },
    )
    .await
    .unwrap()
}

/// An open C chord picked string by string: x32010 → C3 E3 G3 C4 E4, twice.
fn c_arpeggio(id: Option<&str>) -> Exercise {
    let notes: Vec<String> = [48, 52, 55, 60, 64, 48, 52, 55, 60, 64]
        .iter()
        .enumerate()
        .map(|(i, m)| {
            format!(
                r#"{{"beat": {}, "duration_beats": 0.5, "midi": {m}}}"#,
                i as f64 * 0.5
            )
        })
        .collect();
    let id = id.map(|i| format!(r#""id": "{i}","#)).unwrap_or_default();
    Exercise::parse(&format!(
        r#"{{{id} "concept": "open-chords", "tempo_bpm": 60, "notes": [{}]}}"#,
        notes.join(",")
    ))
    .unwrap()
}

/// What the student played: the exercise's pitches at its times, each off by `jitter_ms`
/// (alternating sign), with `wrong` notes a semitone off.
fn played(ex: &Exercise, jitter_ms: f64, wrong: usize, shift: i32) -> Vec<Note> {
    let spb = 60.0 / ex.tempo_bpm;
    ex.notes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let t = n.beat * spb + 0.5 + if i % 2 == 0 { jitter_ms } else { -jitter_ms } / 1000.0;
            let midi = n.midi.unwrap() + shift + i32::from(i < wrong);
            Note {
                onset_s: t,
                onset_pitch_s: None,
                onset_body_s: None,
                offset_s: t + 0.4 * spb,
                midi,
                name: format!("m{midi}"),
                cents: 0.0,
                velocity: 90,
                confidence: 0.95,
                restrikes: Vec::new(),
                other_midi: Vec::new(),
            }
        })
        .collect()
}

fn score(ex: &Exercise, notes: &[Note]) -> fretwise_audio::Score {
    fretwise_audio::score(ex, notes, &[], Strictness::Beginner, 440.0)
}

#[tokio::test]
async fn a_recorded_take_changes_skills_and_history_once() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog(dir.path()).await;
    let ontology = Ontology::builtin();
    let s = beginner(&catalog, &ontology).await;
    assert_eq!(s.goals, ["barre-chords"]);
    let now = 1_800_000_000;
    let ex = c_arpeggio(Some(&format!("{}.open-chords", s.id)));
    let good = score(&ex, &played(&ex, 10.0, 0, 0));
    let before = learner::view(&catalog, &ontology, &s.id, 10, now)
        .await
        .unwrap();
    assert!(before.skills.is_empty() && before.history.is_empty());

    let out = learner::record_take(&catalog, &ontology, &s.id, &ex, &good, "take-1", now)
        .await
        .unwrap();
    assert!(out.recorded);
    assert!(out.skill_after.mean > out.skill_before.mean, "{out:?}");
    assert!(out.skill_after.sd < out.skill_before.sd, "{out:?}");
    assert!(
        matches!(out.rating, learner::Rating::Good | learner::Rating::Easy),
        "{out:?}"
    );
    // A good take pushes the next practice out and raises the target tempo.
    assert!(out.item.due_unix > now + 86_000);
    assert!(out.item.target_tempo > learner::start_tempo(ontology.get("open-chords").unwrap()));
    let after = learner::view(&catalog, &ontology, &s.id, 10, now)
        .await
        .unwrap();
    let oc = after
        .skills
        .iter()
        .find(|k| k.concept == "open-chords")
        .unwrap();
    assert_eq!(oc.evidence, 1);
    assert_eq!(after.history.len(), 1);
    assert_eq!(after.history[0].kind, "take");
    // A good take on open chords is evidence for what they build on.
    assert!(
        after.skills.iter().any(|k| k.concept == "guitar-basics"),
        "{:?}",
        after.skills
    );

    // The same take sent again is seen and counted once.
    let again = learner::record_take(&catalog, &ontology, &s.id, &ex, &good, "take-1", now + 5)
        .await
        .unwrap();
    assert!(!again.recorded);
    let v = learner::view(&catalog, &ontology, &s.id, 10, now)
        .await
        .unwrap();
    assert_eq!(v.history.len(), 1);
    assert_eq!(
        v.skills
            .iter()
            .find(|k| k.concept == "open-chords")
            .unwrap()
            .evidence,
        1
    );

    // A poor take of the same exercise lowers the estimate.
    let poor = score(&ex, &played(&ex, 140.0, 4, 0));
    let out = learner::record_take(
        &catalog,
        &ontology,
        &s.id,
        &ex,
        &poor,
        "take-2",
        now + 86_400 * 3,
    )
    .await
    .unwrap();
    assert!(out.recorded);
    assert!(out.skill_after.mean < out.skill_before.mean, "{out:?}");
    catalog.close().await;
}

#[tokio::test]
async fn takes_that_do_not_match_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog(dir.path()).await;
    let ontology = Ontology::builtin();
    let s = beginner(&catalog, &ontology).await;
    let now = 1_800_000_000;
    let ex = c_arpeggio(None);
    // Another piece: every note a tritone away, none of them in the chord.
    let other = score(&ex, &played(&ex, 0.0, 0, 6));
    let e = learner::record_take(&catalog, &ontology, &s.id, &ex, &other, "x", now)
        .await
        .unwrap_err();
    assert!(matches!(e, LearnerError::Mismatch(_)), "{e}");
    assert!(e.to_string().contains("expected notes"), "{e}");
    // An exercise made for another student.
    let theirs = c_arpeggio(Some("st_someoneelse.open-chords"));
    let good = score(&theirs, &played(&theirs, 0.0, 0, 0));
    let e = learner::record_take(&catalog, &ontology, &s.id, &theirs, &good, "y", now)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("st_someoneelse"), "{e}");
    // An unknown student.
    let e = learner::record_take(&catalog, &ontology, "st_nobody", &ex, &good, "z", now)
        .await
        .unwrap_err();
    assert!(matches!(e, LearnerError::UnknownStudent(_)), "{e}");
    let v = learner::view(&catalog, &ontology, &s.id, 10, now)
        .await
        .unwrap();
    assert!(v.skills.is_empty() && v.history.is_empty() && v.items.is_empty());
    catalog.close().await;
}

#[tokio::test]
async fn bad_input_names_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog(dir.path()).await;
    let ontology = Ontology::builtin();
    let new = |goals: Vec<String>, level: u8, approach: Option<&str>| NewStudent {
        name: "B".into(),
        level,
        goals,
        preferences: Preferences {
            approach: approach.map(str::to_string),
            ..Preferences::default()
        },
    };
    let e = learner::create_student(
        &catalog,
        &ontology,
        &new(vec!["kazoo solos".into()], 1, None),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().starts_with("goals:"), "{e}");
    let e = learner::create_student(&catalog, &ontology, &new(vec![], 1, Some("osmosis")))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("learns"), "{e}");
    let s = beginner(&catalog, &ontology).await;
    for weeks in [0, 500] {
        let e = learner::make_plan(
            &catalog,
            &ontology,
            &[],
            &Table,
            &s.id,
            &learner::PlanAsk {
                goal: "barre chords",
                weeks,
                minutes_per_day: 20,
                now: 0,
            },
        )
        .await
        .unwrap_err();
        assert!(e.to_string().starts_with("weeks:"), "{e}");
    }
    let e = learner::make_plan(
        &catalog,
        &ontology,
        &[],
        &Table,
        &s.id,
        &learner::PlanAsk {
            goal: "world peace",
            weeks: 4,
            minutes_per_day: 20,
            now: 0,
        },
    )
    .await
    .unwrap_err();
    assert!(e.to_string().starts_with("goal:"), "{e}");
    let e = learner::make_plan(
        &catalog,
        &ontology,
        &[],
        &Table,
        "st_nobody",
        &learner::PlanAsk {
            goal: "barre chords",
            weeks: 4,
            minutes_per_day: 20,
            now: 0,
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(e, LearnerError::UnknownStudent(_)), "{e}");
    let e = learner::record_evidence(
        &catalog,
        &ontology,
        &s.id,
        "open chords",
        Evidence::SelfReport { confidence: 9 },
        0,
    )
    .await
    .unwrap_err();
    assert!(e.to_string().starts_with("confidence:"), "{e}");
    catalog.close().await;
}

#[tokio::test]
async fn a_plan_towards_barre_chords_starts_with_open_chords_and_cites_moments() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog(dir.path()).await;
    let ontology = Ontology::builtin();
    let s = beginner(&catalog, &ontology).await;
    let now = 1_800_000_000;
    let p = learner::make_plan(
        &catalog,
        &ontology,
        &[],
        &Table,
        &s.id,
        &learner::PlanAsk {
            goal: "barre",
            weeks: 4,
            minutes_per_day: 20,
            now,
        },
    )
    .await
    .unwrap();
    let order: Vec<&str> = p.concepts.iter().map(|c| c.concept.as_str()).collect();
    let pos = |id: &str| order.iter().position(|c| *c == id).unwrap();
    assert!(pos("open-chords") < pos("power-chords"), "{order:?}");
    assert!(pos("power-chords") < pos("barre-chords"), "{order:?}");
    assert_eq!(order.last(), Some(&"barre-chords"));
    assert_eq!(p.days.len(), 28);
    let first: Vec<&str> = p.days[0].items.iter().map(|i| i.concept.as_str()).collect();
    assert!(!first.contains(&"barre-chords"), "{first:?}");
    let mut seen_barre = false;
    for d in &p.days {
        for i in &d.items {
            assert!(!i.lessons.is_empty() && i.lessons.iter().all(|m| m.start_s > 0.0));
            let ex: Exercise = Exercise::parse(&i.exercise["exercise"].to_string()).unwrap();
            assert_eq!(ex.concept.as_deref(), Some(i.concept.as_str()));
            if i.concept == "barre-chords" {
                seen_barre = true;
            }
            // Open chords are learnt before barre chords in time, too (reviews may come later).
            if i.concept == "open-chords" && i.kind != "review" {
                assert!(
                    !seen_barre,
                    "open chords after barre chords on day {}",
                    d.day
                );
            }
        }
        assert!(d.items.iter().map(|i| i.minutes).sum::<u32>() <= 20);
    }
    assert!(seen_barre, "{:?}", p.note);
    // The plan is stored and shown with the student.
    let v = learner::view(&catalog, &ontology, &s.id, 10, now)
        .await
        .unwrap();
    assert_eq!(v.plan.as_ref().unwrap()["request"]["goal"], "barre-chords");
    assert_eq!(v.history[0].kind, "plan");
    catalog.close().await;
}

#[tokio::test]
async fn a_beginners_practice_for_open_chords_stays_at_their_level() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog(dir.path()).await;
    let ontology = Ontology::builtin();
    let s = beginner(&catalog, &ontology).await;
    let now = 1_800_000_000;
    let (model, items) = learner::load_model(&catalog, &s).await.unwrap();
    let topic = ontology.resolve("open chords").unwrap();
    let list = learner::suggestions(
        &ontology,
        &model,
        &items,
        &PracticeRequest {
            student: Some(&s.id),
            topic: Some(topic),
            goals: &s.goals,
            limit: 20,
            now,
            instructor: None,
        },
        &Table,
    )
    .unwrap();
    assert_eq!(list[0].concept, "open-chords");
    assert_eq!(list[0].reason, "topic");
    for sug in &list {
        let c = ontology.get(&sug.concept).unwrap();
        assert!(
            c.difficulty <= 2,
            "{} has difficulty {}",
            c.id,
            c.difficulty
        );
        assert!(!sug.lessons.is_empty());
        assert_eq!(
            sug.exercise.exercise.id.as_deref(),
            Some(sug.item_id.as_str())
        );
    }
    // A weak, played concept comes back as such, and a due item as due.
    let ex = c_arpeggio(Some(&format!("{}.open-chords", s.id)));
    let poor = score(&ex, &played(&ex, 150.0, 5, 0));
    learner::record_take(&catalog, &ontology, &s.id, &ex, &poor, "p", now)
        .await
        .unwrap();
    let (model, items) = learner::load_model(&catalog, &s).await.unwrap();
    let later = now + 3 * 86_400;
    let list = learner::suggestions(
        &ontology,
        &model,
        &items,
        &PracticeRequest {
            student: Some(&s.id),
            topic: None,
            goals: &s.goals,
            limit: 5,
            now: later,
            instructor: None,
        },
        &Table,
    )
    .unwrap();
    let oc = list.iter().find(|x| x.concept == "open-chords").unwrap();
    assert!(oc.reason == "due" || oc.reason == "weak", "{oc:?}");
    catalog.close().await;
}

#[tokio::test]
async fn a_plan_is_made_again_after_a_take() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog(dir.path()).await;
    let ontology = Ontology::builtin();
    let s = beginner(&catalog, &ontology).await;
    let now = 1_800_000_000;
    let ask = learner::PlanAsk {
        goal: "barre chords",
        weeks: 4,
        minutes_per_day: 20,
        now,
    };
    let before = learner::make_plan(&catalog, &ontology, &[], &Table, &s.id, &ask)
        .await
        .unwrap();
    // Ten days later a strong take on open chords: the new plan starts that day, keeps the
    // weeks left, and gives open chords fewer sessions than before.
    let later = now + 10 * 86_400;
    let ex = c_arpeggio(Some(&format!("{}.open-chords", s.id)));
    let good = score(&ex, &played(&ex, 5.0, 0, 0));
    learner::record_take(&catalog, &ontology, &s.id, &ex, &good, "t", later)
        .await
        .unwrap();
    let after = learner::replan(&catalog, &ontology, &[], &Table, &s.id, later)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.request.start_unix, later);
    assert_eq!(after.request.weeks, 3);
    let sessions = |p: &learner::Plan| {
        p.concepts
            .iter()
            .find(|c| c.concept == "open-chords")
            .map_or(0, |c| c.sessions)
    };
    assert!(
        sessions(&after) < sessions(&before),
        "{} vs {}",
        sessions(&after),
        sessions(&before)
    );
    let v = learner::view(&catalog, &ontology, &s.id, 10, later)
        .await
        .unwrap();
    assert_eq!(v.plan.unwrap()["request"]["start_unix"], later);
    // Re-planning again keeps the end date: 13 days were left, so two weeks.
    let again = learner::replan(&catalog, &ontology, &[], &Table, &s.id, now + 15 * 86_400)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.request.weeks, 2);
    catalog.close().await;
}
