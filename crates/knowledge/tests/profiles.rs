//! Profiles have the contract's shape and say what the lessons teach.

use std::collections::HashMap;

use fretwise_knowledge::{
    LessonContribution, Ontology, ProfileInput, TeachingClassifier, TimedText, analyze_lesson,
    phrase_pool, profiles,
};
use fretwise_lexicon::TermMatcher;
use fretwise_testkit::transcript_fixture;
use fretwise_transcript::{ReadOptions, parse_transcript};

fn facts(
    id: &str,
    instructor: &str,
    style: Option<&str>,
    text_source: &fretwise_transcript::Transcript,
) -> ProfileInput {
    let utts = TimedText::from_utterances(&text_source.utterances);
    let terms = TermMatcher::builtin().find(text_source);
    let k = analyze_lesson(
        &Ontology::builtin(),
        &TeachingClassifier::builtin(),
        &utts,
        &terms,
        text_source.speech_end(),
    );
    ProfileInput {
        id: id.into(),
        instructor_id: instructor.to_lowercase().replace(' ', "-"),
        instructor: instructor.into(),
        style: style.map(String::from),
        level: Some("beginner".into()),
        duration_s: text_source.speech_end(),
        speech_s: text_source.utterances.iter().map(|u| u.duration()).sum(),
        words: text_source.word_count(),
        vocabulary_richness: 0.45,
        summary: k.summary,
    }
}

/// A lesson with only a summary and its text (for phrase tests).
fn plain(id: &str, instructor: &str) -> ProfileInput {
    ProfileInput {
        id: id.into(),
        instructor_id: instructor.into(),
        instructor: if instructor == "a" {
            "Zed Quill".into()
        } else {
            format!("{instructor} Name")
        },
        style: None,
        level: None,
        duration_s: 60.0,
        speech_s: 30.0,
        words: 100,
        vocabulary_richness: 0.5,
        summary: LessonContribution::default(),
    }
}

#[test]
fn signature_phrases_are_significant_not_just_frequent() {
    // Ten instructors with ten lessons each; everyone says "you want to"; only "a" says
    // "let it breathe"; "a" says its own name in every lesson.
    let mut lessons = Vec::new();
    let mut pools = HashMap::new();
    for who in ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"] {
        let texts: Vec<Vec<String>> = (0..10)
            .map(|k| {
                let mut t = vec![format!("So you want to play lesson {k} now.")];
                if who == "a" && k < 6 {
                    t.push("Just let it breathe.".into());
                }
                if who == "a" {
                    t.push("Hi I'm Zed Quill.".into());
                }
                t
            })
            .collect();
        pools.insert(
            who.to_string(),
            phrase_pool(texts.iter().map(|t| t.iter().map(String::as_str).collect())),
        );
        for k in 0..10 {
            lessons.push(plain(&format!("{who}-{k}"), who));
        }
    }
    let ps = profiles(&lessons, &pools, &Ontology::builtin());
    let a = &ps[0];
    assert_eq!(a.instructor_id, "a");
    let sig: Vec<&str> = a
        .signature_phrases
        .iter()
        .map(|s| s.phrase.as_str())
        .collect();
    assert!(sig.contains(&"let it breathe"), "{sig:?}");
    assert!(!sig.iter().any(|p| p.contains("want to")), "{sig:?}");
    assert!(
        !sig.iter().any(|p| p.contains("name")),
        "own name excluded: {sig:?}"
    );
    let breathe = a
        .signature_phrases
        .iter()
        .find(|s| s.phrase == "let it breathe")
        .unwrap();
    assert_eq!(breathe.lessons, 6);
    assert!(breathe.g2 >= 10.83 && breathe.library_share == 0.0);
    // The frequent phrase is still a common phrase, just not a signature one.
    assert!(
        a.teaching_characteristics
            .common_phrases
            .iter()
            .any(|p| p.contains("want to"))
    );
    assert!(
        ps[1].signature_phrases.is_empty(),
        "{:?}",
        ps[1].signature_phrases
    );
}

#[test]
fn real_lesson_profile_names_fingerstyle_and_the_alternating_thumb() {
    let Some(path) = transcript_fixture("whisperx_fingerstyle_intro.json") else {
        return;
    };
    let t = parse_transcript(&std::fs::read(path).unwrap(), &ReadOptions::default()).unwrap();
    let ps = profiles(
        &[facts("intro", "Muriel Anderson", None, &t)],
        &HashMap::new(),
        &Ontology::builtin(),
    );
    assert_eq!(ps.len(), 1);
    let p = &ps[0];
    let v = serde_json::to_value(p).unwrap();
    for path in [
        "/instructor_id",
        "/name",
        "/expertise/primary_styles",
        "/expertise/secondary_styles",
        "/expertise/skill_level_focus",
        "/expertise/techniques_taught",
        "/expertise/theory_concepts",
        "/teaching_characteristics/vocabulary_complexity",
        "/teaching_characteristics/technical_density",
        "/teaching_characteristics/explanation_style",
        "/teaching_characteristics/pacing",
        "/teaching_characteristics/common_phrases",
        "/lesson_statistics/total_segments",
        "/lesson_statistics/avg_segment_duration",
        "/lesson_statistics/guitar_terms_per_minute",
        "/lesson_statistics/student_skill_levels",
    ] {
        assert!(v.pointer(path).is_some(), "missing {path}");
    }
    assert!(
        p.expertise
            .primary_styles
            .iter()
            .any(|s| s.contains("fingerstyle")),
        "{:?}",
        p.expertise
    );
    assert!(
        p.expertise
            .techniques_taught
            .contains(&"travis-picking".to_string()),
        "{:?}",
        p.expertise
    );
    assert!(
        p.expertise
            .techniques_taught
            .contains(&"fingerpicking".to_string())
    );
    assert!(p.evidence["travis-picking"].contains(&"intro".to_string()));
    assert_eq!(p.lesson_statistics.total_segments, 1);
    for x in [
        p.teaching_characteristics.vocabulary_complexity,
        p.teaching_characteristics.technical_density,
        p.demonstration_ratio,
    ] {
        assert!((0.0..=1.0).contains(&x));
    }
}
