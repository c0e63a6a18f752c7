//! Profiles have the contract's shape and say what the lessons teach.

use fretwise_knowledge::{LessonFacts, Ontology, profiles};
use fretwise_lexicon::TermMatcher;
use fretwise_testkit::transcript_fixture;
use fretwise_transcript::{ReadOptions, parse_transcript};

fn facts(
    id: &str,
    instructor: &str,
    style: Option<&str>,
    text_source: &fretwise_transcript::Transcript,
) -> LessonFacts {
    let texts: Vec<String> = text_source
        .utterances
        .iter()
        .map(|u| u.text.clone())
        .collect();
    LessonFacts {
        id: id.into(),
        instructor_id: instructor.to_lowercase().replace(' ', "-"),
        instructor: instructor.into(),
        style: style.map(String::from),
        level: Some("beginner".into()),
        duration_s: text_source.speech_end(),
        speech_s: text_source.utterances.iter().map(|u| u.duration()).sum(),
        words: text_source.word_count(),
        vocabulary_richness: 0.45,
        terms: TermMatcher::builtin().find(text_source),
        texts,
    }
}

#[test]
fn real_lesson_profile_names_fingerstyle_and_the_alternating_thumb() {
    let Some(path) = transcript_fixture("whisperx_fingerstyle_intro.json") else {
        return;
    };
    let t = parse_transcript(&std::fs::read(path).unwrap(), &ReadOptions::default()).unwrap();
    let ps = profiles(
        &[facts("intro", "Muriel Anderson", None, &t)],
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
