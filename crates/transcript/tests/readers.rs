//! Readers against the real fixtures and against hostile input.

use fretwise_testkit::transcript_fixture;
use fretwise_transcript::{ReadOptions, SourceFormat, TranscriptError, parse_transcript};

fn read_fixture(name: &str) -> Option<Vec<u8>> {
    let path = transcript_fixture(name)?;
    Some(std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display())))
}

fn parse(json: &str) -> Result<fretwise_transcript::Transcript, TranscriptError> {
    parse_transcript(json.as_bytes(), &ReadOptions::default())
}

#[test]
fn real_whisperx_lesson_reads_completely() {
    let Some(bytes) = read_fixture("whisperx_fingerstyle_intro.json") else {
        return;
    };
    let t = parse_transcript(&bytes, &ReadOptions::default()).unwrap();
    assert_eq!(t.format, SourceFormat::Whisperx);
    assert_eq!(t.utterances.len(), 48);
    assert_eq!(t.word_count(), 452);
    let metrics: serde_json::Value =
        serde_json::from_str(t.source_metrics.as_ref().unwrap()).unwrap();
    assert!(metrics.get("speech_activity").is_some());
    assert_eq!(t.service_terms.len(), 8);
    assert_eq!(t.service_terms[0].normalized, "fingerstyle");
    let ctx = t.template_context.as_ref().unwrap();
    assert_eq!(ctx.instructor_name.as_deref(), Some("Muriel Anderson"));
    assert_eq!(
        ctx.course_title.as_deref(),
        Some("1-2-3 Fingerstyle Guitar")
    );
    let first = &t.utterances[0].words[0];
    assert_eq!(first.text, "Hi,");
    assert_eq!(first.start, 3.76);
    assert_eq!(first.score, Some(0.838));
    assert!(t.full_text().starts_with("Hi, I'm Muriel Anderson"));
}

#[test]
fn rerun_has_the_same_normalized_text() {
    let (Some(a), Some(b)) = (
        read_fixture("whisperx_fingerstyle_intro.json"),
        read_fixture("whisperx_fingerstyle_intro_rerun.json"),
    ) else {
        return;
    };
    let a = parse_transcript(&a, &ReadOptions::default()).unwrap();
    let b = parse_transcript(&b, &ReadOptions::default()).unwrap();
    assert_eq!(a.normalized_text_hash(), b.normalized_text_hash());
}

#[test]
fn plain_whisper_reads_with_probabilities() {
    let Some(bytes) = read_fixture("whisper_plain_fingerstyle_intro.json") else {
        return;
    };
    let t = parse_transcript(&bytes, &ReadOptions::default()).unwrap();
    assert_eq!(t.format, SourceFormat::WhisperVerbose);
    assert_eq!(t.word_count(), 463);
    assert_eq!(t.language.as_deref(), Some("en"));
    assert!(t.utterances[0].no_speech_prob.is_some());
    assert_eq!(t.utterances[0].words[0].score, Some(0.86));
}

#[test]
fn failures_are_read_not_rejected() {
    let (Some(h), Some(s)) = (
        read_fixture("whisperx_hallucination_music_only.json"),
        read_fixture("whisperx_single_word.json"),
    ) else {
        return;
    };
    let h = parse_transcript(&h, &ReadOptions::default()).unwrap();
    assert_eq!(h.utterances.len(), 7);
    assert!(h.utterances.windows(2).any(|w| w[1].start < w[0].start));
    let s = parse_transcript(&s, &ReadOptions::default()).unwrap();
    assert_eq!(s.full_text(), "you");
    assert_eq!(s.word_count(), 0);
}

#[test]
fn invalid_json_names_line_and_column() {
    let err = parse(r#"{"segments": [{"start": 1.0, "end": 2.0,"#).unwrap_err();
    assert!(
        matches!(err, TranscriptError::Json { line: 1, .. }),
        "{err}"
    );
}

#[test]
fn nan_is_explained() {
    let err = parse(
        "{\"task\":\"transcribe\",\"segments\":[{\"start\": NaN, \"end\": 2.0, \"text\":\"hi\"}]}",
    )
    .unwrap_err();
    assert!(err.to_string().contains("NaN"), "{err}");
}

#[test]
fn wrong_type_names_the_field_path() {
    let err = parse(
        r#"{"task":"transcribe","segments":[{"start":0,"end":1,"text":"a",
            "words":[{"word":"a","start":"zero","end":1,"probability":0.5}]}]}"#,
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("segments[0].words[0].start"), "{msg}");
}

#[test]
fn negative_and_backwards_timestamps_are_rejected() {
    let err =
        parse(r#"{"task":"transcribe","segments":[{"start":-1,"end":1,"text":"a"}]}"#).unwrap_err();
    assert!(err.to_string().contains("segments[0].start"), "{err}");
    assert!(err.to_string().contains("negative"), "{err}");
    let err =
        parse(r#"{"task":"transcribe","segments":[{"start":5,"end":4,"text":"a"}]}"#).unwrap_err();
    assert!(err.to_string().contains("segments[0].end"), "{err}");
    let err = parse(
        r#"{"task":"transcribe","segments":[{"start":0,"end":2,"text":"a b",
            "words":[{"word":"a","start":1.5,"end":1.0,"probability":0.5}]}]}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("words[0].end"), "{err}");
}

#[test]
fn words_outside_their_utterance_are_rejected() {
    let err = parse(
        r#"{"task":"transcribe","segments":[{"start":0,"end":2,"text":"a",
            "words":[{"word":"a","start":30,"end":31,"probability":0.5}]}]}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("outside its utterance"), "{err}");
}

#[test]
fn scores_must_be_probabilities() {
    let err = parse(
        r#"{"task":"transcribe","segments":[{"start":0,"end":2,"text":"a",
            "words":[{"word":"a","start":0,"end":1,"probability":1.7}]}]}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("outside [0, 1]"), "{err}");
}

#[test]
fn invalid_utf8_and_empty_and_huge_are_rejected() {
    let mut bytes = br#"{"task":"transcribe","segments":[{"start":0,"end":2,"text":"caf"#.to_vec();
    bytes.push(0xE9);
    bytes.extend_from_slice(br#""}]}"#);
    let err = parse_transcript(&bytes, &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, TranscriptError::InvalidUtf8 { .. }), "{err}");

    let err =
        parse(r#"{"task":"transcribe","segments":[{"start":0,"end":2,"text":"  "}]}"#).unwrap_err();
    assert_eq!(err, TranscriptError::Empty);
    let err = parse(r#"{"task":"transcribe","segments":[]}"#).unwrap_err();
    assert_eq!(err, TranscriptError::Empty);

    let opts = ReadOptions {
        max_bytes: 10,
        ..Default::default()
    };
    let err = parse_transcript(b"{\"segments\": []}", &opts).unwrap_err();
    assert!(matches!(err, TranscriptError::TooLarge { .. }));
}

#[test]
fn unknown_shapes_are_rejected() {
    assert_eq!(parse("{}").unwrap_err(), TranscriptError::UnknownFormat);
    assert_eq!(
        parse(r#"{"segments":[{"start":0,"end":1,"text":"x"}]}"#).unwrap_err(),
        TranscriptError::UnknownFormat
    );
    assert!(matches!(
        parse("[1,2]").unwrap_err(),
        TranscriptError::Field { .. }
    ));
    assert!(matches!(
        parse("").unwrap_err(),
        TranscriptError::Json { .. }
    ));
}

#[test]
fn hostile_strings_do_not_panic() {
    let long = "a".repeat(100_000);
    let doc = format!(
        r#"{{"task":"transcribe","segments":[{{"start":0,"end":2,"text":"{long} \u202e DROP TABLE lessons; -- ' \" 🎸"}}]}}"#
    );
    let t = parse(&doc).unwrap();
    assert!(t.utterances[0].text.contains("DROP TABLE"));
    let err =
        parse(r#"{"task":"transcribe","segments":[{"start":0,"end":2,"text":"bell\u0007"}]}"#)
            .unwrap_err();
    assert!(err.to_string().contains("control character"), "{err}");
}
