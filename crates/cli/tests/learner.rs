//! The learner as a user runs it: create a student, get practice with saved exercises, play one
//! (a synthesised take of its notes) into `analyze --expected … --student`, see the skill change
//! in `student show`, make a plan; bad input gets clear errors.

use std::path::Path;
use std::process::Command;

fn fretwise(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_fretwise"))
        .args(args)
        .current_dir(cwd)
        .env_remove("FRETWISE_DB")
        .env_remove("FRETWISE_INDEX")
        .env_remove("FRETWISE_CONFIG")
        .env_remove("FRETWISE_LLM")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(args: &[&str], cwd: &Path) -> String {
    let (code, out, err) = fretwise(args, cwd);
    assert_eq!(code, 0, "fretwise {args:?}: {err}");
    out
}

/// A WAV of the exercise's notes as plucked tones, starting 0.5 s in.
fn take(exercise: &serde_json::Value) -> Vec<u8> {
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

#[test]
fn student_practice_take_and_plan_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(
        &[
            "sample-corpus",
            "--out",
            "corpus",
            "--lessons",
            "60",
            "--instructors",
            "6",
            "--json",
        ],
        d,
    );
    ok(&["ingest", "corpus", "--json"], d);

    // Bad input: a goal that is not a concept, an unknown student, a plan of 0 or 500 weeks.
    let (code, _, err) = fretwise(
        &[
            "student",
            "create",
            "--name",
            "Ada",
            "--goals",
            "kazoo solos",
        ],
        d,
    );
    assert_ne!(code, 0);
    assert!(err.contains("goals:"), "{err}");
    let (code, _, err) = fretwise(&["student", "show", "st_nobody"], d);
    assert_ne!(code, 0);
    assert!(err.contains("no student with id `st_nobody`"), "{err}");

    let s: serde_json::Value = serde_json::from_str(&ok(
        &[
            "student",
            "create",
            "--name",
            "Ada",
            "--level",
            "beginner",
            "--goals",
            "barre chords",
            "--json",
        ],
        d,
    ))
    .unwrap();
    let id = s["id"].as_str().unwrap().to_string();
    assert_eq!(s["goals"][0], "barre-chords");
    assert!(ok(&["student", "list"], d).contains(&id));
    for weeks in ["0", "500"] {
        let (code, _, err) = fretwise(
            &[
                "plan",
                "--student",
                &id,
                "--goal",
                "barre chords",
                "--weeks",
                weeks,
            ],
            d,
        );
        assert_ne!(code, 0);
        assert!(err.contains("weeks:"), "{err}");
    }

    // Practice with the exercises saved for analyze.
    let p: serde_json::Value = serde_json::from_str(&ok(
        &[
            "practice",
            "--student",
            &id,
            "--topic",
            "open chords",
            "--save",
            "ex",
            "--json",
        ],
        d,
    ))
    .unwrap();
    let first = &p["suggestions"][0];
    assert_eq!(first["concept"], "open-chords", "{p}");
    let item = first["item_id"].as_str().unwrap();
    let ex_path = d.join("ex").join(format!("{item}.json"));
    let exercise: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&ex_path).unwrap()).unwrap();
    assert!(d.join("ex").join(format!("{item}.tab")).is_file());
    // Saving again rewrites fretwise's own files but never someone else's.
    ok(
        &[
            "practice",
            "--student",
            &id,
            "--topic",
            "open chords",
            "--save",
            "ex",
        ],
        d,
    );
    std::fs::write(&ex_path, "my notes").unwrap();
    let (code, _, err) = fretwise(
        &[
            "practice",
            "--student",
            &id,
            "--topic",
            "open chords",
            "--save",
            "ex",
        ],
        d,
    );
    assert_ne!(code, 0);
    assert!(err.contains("not overwriting"), "{err}");
    assert_eq!(std::fs::read_to_string(&ex_path).unwrap(), "my notes");
    std::fs::write(&ex_path, exercise.to_string()).unwrap();

    // Play it: the take is recorded and the skill moves.
    std::fs::write(d.join("take.wav"), take(&exercise)).unwrap();
    let a: serde_json::Value = serde_json::from_str(&ok(
        &[
            "analyze",
            "take.wav",
            "--expected",
            ex_path.to_str().unwrap(),
            "--strictness",
            "beginner",
            "--student",
            &id,
            "--json",
        ],
        d,
    ))
    .unwrap();
    assert_eq!(a["recorded"]["recorded"], true, "{}", a["recorded"]);
    let out = ok(
        &[
            "analyze",
            "take.wav",
            "--expected",
            ex_path.to_str().unwrap(),
            "--student",
            &id,
        ],
        d,
    );
    assert!(out.contains("already recorded"), "{out}");
    let v: serde_json::Value =
        serde_json::from_str(&ok(&["student", "show", &id, "--json"], d)).unwrap();
    let oc = v["skills"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["concept"] == "open-chords")
        .unwrap_or_else(|| panic!("{v}"));
    assert_eq!(oc["evidence"], 1);
    assert_eq!(v["history"][0]["kind"], "take");

    // Instructors ranked by fit with reasons, best first; a liked instructor comes first.
    let m: serde_json::Value = serde_json::from_str(&ok(
        &[
            "student",
            "match",
            &id,
            "--concept",
            "open chords",
            "--json",
        ],
        d,
    ))
    .unwrap();
    let ranked = m.as_array().unwrap();
    assert!(ranked.len() >= 2, "{m}");
    let scores: Vec<f64> = ranked
        .iter()
        .map(|r| r["score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert!(!ranked[0]["reasons"].as_array().unwrap().is_empty(), "{m}");
    let last = ranked.last().unwrap()["name"].as_str().unwrap().to_string();
    let fan: serde_json::Value = serde_json::from_str(&ok(
        &[
            "student",
            "create",
            "--name",
            "Fan",
            "--instructors",
            &last,
            "--json",
        ],
        d,
    ))
    .unwrap();
    let m: serde_json::Value = serde_json::from_str(&ok(
        &["student", "match", fan["id"].as_str().unwrap(), "--json"],
        d,
    ))
    .unwrap();
    assert_eq!(m[0]["name"], last, "{m}");

    // A question asked as the student, and a quiz answer, join the history.
    ok(
        &["ask", "How do I play a barre chord?", "--student", &id],
        d,
    );
    ok(
        &[
            "student",
            "report",
            &id,
            "--concept",
            "power chords",
            "--quiz",
            "wrong",
        ],
        d,
    );
    let v: serde_json::Value =
        serde_json::from_str(&ok(&["student", "show", &id, "--json"], d)).unwrap();
    let kinds: Vec<&str> = v["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"question") && kinds.contains(&"quiz"),
        "{kinds:?}"
    );

    // A plan towards barre chords, with lesson moments, stored with the student.
    let plan: serde_json::Value = serde_json::from_str(&ok(
        &[
            "plan",
            "--student",
            &id,
            "--goal",
            "barre",
            "--weeks",
            "2",
            "--json",
        ],
        d,
    ))
    .unwrap();
    let concepts: Vec<&str> = plan["concepts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["concept"].as_str().unwrap())
        .collect();
    assert_eq!(concepts.last(), Some(&"barre-chords"), "{concepts:?}");
    assert!(
        plan["days"][0]["items"][0]["lessons"][0]["start_s"].is_number(),
        "{}",
        plan["days"][0]
    );
    let text = ok(&["student", "show", &id], d);
    assert!(text.contains("plan: towards Barre chords"), "{text}");
    // The text plan reads as days of items.
    let text = ok(
        &["plan", "--student", &id, "--goal", "barre", "--weeks", "1"],
        d,
    );
    assert!(text.contains("day   1"), "{text}");
}
