//! The overall score separates the real lesson from the real failures.

use fretwise_lexicon::TermMatcher;
use fretwise_quality::{FlagCode, QualityReport, Severity, analyze};
use fretwise_testkit::transcript_fixture;
use fretwise_transcript::{ReadOptions, parse_transcript};

fn report(name: &str) -> Option<QualityReport> {
    let path = transcript_fixture(name)?;
    let t = parse_transcript(&std::fs::read(path).unwrap(), &ReadOptions::default()).unwrap();
    Some(analyze(&t, &TermMatcher::builtin()).1)
}

fn codes(r: &QualityReport) -> Vec<FlagCode> {
    r.flags.iter().map(|f| f.code).collect()
}

#[test]
fn real_lesson_scores_far_above_both_failures() {
    let (Some(good), Some(halluc), Some(single), Some(plain)) = (
        report("whisperx_fingerstyle_intro.json"),
        report("whisperx_hallucination_music_only.json"),
        report("whisperx_single_word.json"),
        report("whisper_plain_fingerstyle_intro.json"),
    ) else {
        return;
    };
    eprintln!("good {:.3} {:?}", good.score, codes(&good));
    eprintln!("plain {:.3} {:?}", plain.score, codes(&plain));
    eprintln!("halluc {:.3} {:?}", halluc.score, halluc.flags);
    eprintln!("single {:.3} {:?}", single.score, single.flags);

    assert!(good.trainable, "{:#?}", good.flags);
    assert!(plain.trainable, "{:#?}", plain.flags);
    assert!(good.score >= 0.8, "good lesson scored {}", good.score);
    // The platform separates these by 0.03–0.16; we require at least 0.5.
    assert!(
        good.score - halluc.score >= 0.5,
        "{} vs {}",
        good.score,
        halluc.score
    );
    assert!(
        good.score - single.score >= 0.5,
        "{} vs {}",
        good.score,
        single.score
    );

    assert!(!halluc.trainable);
    assert!(!single.trainable);
    for code in [
        FlagCode::RepetitiveText,
        FlagCode::ReplacementCharacters,
        FlagCode::StockAsrPhrase,
        FlagCode::TimestampsBackwards,
    ] {
        assert!(
            codes(&halluc).contains(&code),
            "hallucination lacks {code:?}: {:?}",
            codes(&halluc)
        );
    }
    assert!(codes(&single).contains(&FlagCode::SingleWord));
    assert!(good.flags.iter().all(|f| f.severity != Severity::Failure));
}

#[test]
fn every_score_is_a_unit_interval_value() {
    for name in [
        "whisperx_fingerstyle_intro.json",
        "whisperx_hallucination_music_only.json",
        "whisperx_single_word.json",
        "whisper_plain_fingerstyle_intro.json",
    ] {
        let Some(r) = report(name) else { return };
        let m = &r.metrics;
        for (field, v) in [
            ("score", r.score),
            (
                "speech_activity_ratio",
                m.speech_activity.speech_activity_ratio,
            ),
            ("word_coverage_ratio", m.speech_activity.word_coverage_ratio),
            ("vocabulary_richness", m.content_quality.vocabulary_richness),
            ("filler_word_ratio", m.content_quality.filler_word_ratio),
            (
                "technical_content_score",
                m.content_quality.technical_content_score,
            ),
            (
                "distinct_trigram_ratio",
                m.content_quality.distinct_trigram_ratio,
            ),
            ("timing_consistency", m.temporal_patterns.timing_consistency),
            (
                "overall_confidence",
                m.confidence_patterns.overall_confidence,
            ),
            ("grammar_score", m.linguistic_quality.grammar_score),
            ("readability_score", m.linguistic_quality.readability_score),
            (
                "educational_content_score",
                m.linguistic_quality.educational_content_score,
            ),
            (
                "terminology_diversity",
                m.linguistic_quality.terminology_diversity,
            ),
        ] {
            assert!((0.0..=1.0).contains(&v), "{name}: {field} = {v}");
        }
    }
}

#[test]
fn real_lesson_metrics_fix_the_platform_defects() {
    let Some(r) = report("whisperx_fingerstyle_intro.json") else {
        return;
    };
    let m = &r.metrics;
    // Overlapping utterances are counted once, so speech never exceeds the total.
    assert!(m.speech_activity.speech_duration_seconds <= m.speech_activity.total_duration_seconds);
    assert_eq!(m.speech_activity.segment_count, 48);
    // "well", "like" and "actually" are not fillers; this lesson has almost none.
    assert!(
        m.content_quality.filler_word_count <= 2,
        "{}",
        m.content_quality.filler_word_count
    );
    // Repetition is measured differently from richness (the platform's two were identical).
    assert_ne!(
        m.content_quality.distinct_trigram_ratio,
        m.content_quality.vocabulary_richness
    );
    assert!(m.content_quality.term_count >= 20);
}
