//! The learner over HTTP on the sample corpus: a student is created, gets level-appropriate
//! practice, plays the suggested exercise (a synthesised take of its notes) into
//! analyze-playing, and the take changes their skills and history once; a plan towards barre
//! chords starts with open chords and cites lesson moments from the search index.

mod common;

use std::time::Duration;

use fretwise_server::auth::Scope;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn json_of(r: reqwest::Response) -> (StatusCode, Value) {
    let status = r.status();
    let text = r.text().await.unwrap();
    let v = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    (status, v)
}

/// A mono 16-bit WAV playing the exercise's notes (plucked tones with a few harmonics),
/// starting 0.5 s in.
fn take(exercise: &Value) -> Vec<u8> {
    let spb = 60.0 / exercise["tempo_bpm"].as_f64().unwrap();
    let notes: Vec<(f64, f64, f64)> = exercise["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["midi"].as_f64().unwrap(),
                0.5 + n["beat"].as_f64().unwrap() * spb,
                n["duration_beats"].as_f64().unwrap_or(1.0) * spb,
            )
        })
        .collect();
    fretwise_testkit::wav_pcm16(&fretwise_testkit::plucked_take(&notes, 1.0), 44_100)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_students_takes_practice_and_plan_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = common::corpus(dir.path(), "corpus", 80, 7);
    let url = format!("sqlite://{}", dir.path().join("c.db").display());
    let catalog = fretwise_catalog::Catalog::open(&url).await.unwrap();
    common::ingest(&catalog, &[corpus]).await;
    catalog.close().await;
    let svc = common::start(&url, &dir.path().join("index"), None).await;
    let key = svc.key(Scope::Student, 0).await;
    let c = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let post = |path: &str, body: Value| c.post(svc.url(path)).bearer_auth(&key).json(&body).send();

    // Bad input first: a goal that is not a concept, an unknown student.
    let (s, v) = json_of(
        post("/api/students", json!({"name": "Ada", "goals": ["kazoo"]}))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("goals")),
        "{v}"
    );
    let (s, v) = json_of(
        c.get(svc.url("/api/ai-instructor/practice-suggestions?student_id=st_nobody"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");

    let (s, student) = json_of(
        post(
            "/api/students",
            json!({"name": "Ada", "level": "beginner", "goals": ["barre chords"], "styles": ["blues"], "learns": "by-ear"}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{student}");
    let id = student["id"].as_str().unwrap().to_string();

    // Practice for open chords at the beginner level.
    let (s, v) = json_of(
        c.get(svc.url(&format!(
            "/api/ai-instructor/practice-suggestions?student_id={id}&current_topic=open%20chords"
        )))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let ontology = fretwise_knowledge::Ontology::builtin();
    let list = v["suggestions"].as_array().unwrap();
    assert_eq!(list[0]["concept"], "open-chords", "{v}");
    for sug in list {
        let d = ontology
            .get(sug["concept"].as_str().unwrap())
            .unwrap()
            .difficulty;
        assert!(d < 4, "{sug}");
    }
    assert!(
        list.iter()
            .any(|s| !s["lessons"].as_array().unwrap().is_empty()),
        "no lesson moments: {v}"
    );
    let exercise = list[0]["exercise"]["exercise"].clone();
    assert_eq!(
        exercise["id"].as_str(),
        Some(format!("{id}.open-chords").as_str())
    );

    // Play it into analyze-playing for the student.
    let audio = take(&exercise);
    let send = |audio: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .part(
                "audio",
                reqwest::multipart::Part::bytes(audio).file_name("take.wav"),
            )
            .text("exercise", exercise.to_string())
            .text("strictness", "beginner")
            .text("student_id", id.clone());
        c.post(svc.url("/api/ai-instructor/analyze-playing"))
            .bearer_auth(&key)
            .multipart(form)
            .send()
    };
    let (s, v) = json_of(send(audio.clone()).await.unwrap()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let rec = &v["recorded"];
    assert_eq!(rec["recorded"], true, "{rec}");
    assert_eq!(rec["concept"], "open-chords");
    assert!(
        rec["score"].as_f64().unwrap() > 0.5,
        "a clean take scored {}: {}",
        rec["score"],
        v["score"]["summary"]
    );
    let (_, shown) = json_of(
        c.get(svc.url(&format!("/api/students/{id}")))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let skill = shown["skills"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["concept"] == "open-chords")
        .cloned()
        .unwrap_or_else(|| panic!("{shown}"));
    assert_eq!(skill["evidence"], 1);
    assert!(skill["p_success"].as_f64().unwrap() > 0.62, "{skill}");
    assert_eq!(shown["history"][0]["kind"], "take");
    // The same take again is counted once.
    let (s, v) = json_of(send(audio).await.unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["recorded"]["recorded"], false, "{}", v["recorded"]);

    // A plan towards barre chords: open chords first, lesson moments cited.
    let (s, plan) = json_of(
        c.get(svc.url(&format!(
            "/api/ai-instructor/lesson-plan?student_id={id}&goal=barre_chords&weeks=3&minutes_per_day=20"
        )))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{plan}");
    let order: Vec<&str> = plan["concepts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["concept"].as_str().unwrap())
        .collect();
    assert_eq!(order.last(), Some(&"barre-chords"), "{order:?}");
    let first_open = order.iter().position(|c| *c == "open-chords");
    if let Some(p) = first_open {
        assert!(p < order.len() - 1);
    }
    let cited: Vec<f64> = plan["days"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["items"].as_array().unwrap().iter())
        .flat_map(|i| i["lessons"].as_array().unwrap().iter())
        .map(|m| m["start_s"].as_f64().unwrap())
        .collect();
    assert!(!cited.is_empty(), "no moments cited: {plan}");
    for (field, q) in [
        ("weeks", "weeks=0"),
        ("weeks", "weeks=500"),
        ("goal", "goal=kazoo"),
    ] {
        let (s, v) = json_of(
            c.get(svc.url(&format!(
                "/api/ai-instructor/lesson-plan?student_id={id}&{q}"
            )))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(
            (s, v["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some(field)),
            "{q}: {v}"
        );
    }
    // Questions, ratings and quiz answers join the history; a quiz answer moves the skill.
    let (s, v) = json_of(
        post(
            "/api/ai-instructor/ask",
            json!({"question": "How do I play a barre chord?", "context": {"student_id": id}}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = json_of(
        post(
            "/api/ai-instructor/feedback",
            json!({"student_id": id, "question": "How do I play a barre chord?", "rating": 4}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = json_of(
        post(
            &format!("/api/students/{id}/self-report"),
            json!({"concept": "power chords", "correct": true}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["p_success"].as_f64().unwrap() > 0.0);
    let (s, v) = json_of(
        post(
            &format!("/api/students/{id}/self-report"),
            json!({"concept": "power chords"}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(
        (s, v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("confidence")),
        "{v}"
    );
    let (_, shown) = json_of(
        c.get(svc.url(&format!("/api/students/{id}")))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let kinds: Vec<&str> = shown["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["kind"].as_str().unwrap())
        .collect();
    for k in ["quiz", "feedback", "question", "plan", "take"] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    let (s, _) = json_of(
        post(
            "/api/ai-instructor/feedback",
            json!({"student_id": "st_nobody", "question": "q", "rating": 4}),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // A take of another piece is refused and records nothing.
    let mut other = exercise.clone();
    for n in other["notes"].as_array_mut().unwrap() {
        n["midi"] = json!(n["midi"].as_i64().unwrap() + 6);
    }
    let form = reqwest::multipart::Form::new()
        .part(
            "audio",
            reqwest::multipart::Part::bytes(take(&other)).file_name("other.wav"),
        )
        .text("exercise", exercise.to_string())
        .text("student_id", id.clone());
    let (s, v) = json_of(
        c.post(svc.url("/api/ai-instructor/analyze-playing"))
            .bearer_auth(&key)
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    svc.stop().await;
}
