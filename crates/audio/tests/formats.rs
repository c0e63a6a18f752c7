//! Compressed formats decode to the same notes: FLAC (stereo, folded to mono), OGG Vorbis at
//! 48 kHz (resampled), MP3 and AAC-LC in M4A. The files are fretwise's own synthesized notes, written by
//! scripts/audio-eval/make_format_fixtures.py.

use fretwise_audio::{AudioError, DecodeOptions, analyze_bytes, analyze_bytes_with};

fn check(name: &str, rate: u32) {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap();
    let ext = name.rsplit('.').next();
    let a = analyze_bytes(&bytes, ext, 600.0).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(a.sample_rate, rate, "{name}");
    let names: Vec<&str> = a.notes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["A2", "E3"], "{name}: {:?}", a.notes);
    // Onsets within 30 ms of 0.1 s and 0.8 s (MP3 adds its encoder delay).
    assert!(
        (a.notes[0].onset_s - 0.1).abs() < 0.03,
        "{name}: {:?}",
        a.notes[0]
    );
    assert!(
        (a.notes[1].onset_s - 0.8).abs() < 0.03,
        "{name}: {:?}",
        a.notes[1]
    );
    assert!((a.duration_s - 1.6).abs() < 0.1, "{name}: {}", a.duration_s);
}

#[test]
fn flac_stereo() {
    check("a2_e3_stereo_44k.flac", 44_100);
}

#[test]
fn ogg_vorbis_48k() {
    check("a2_e3_48k.ogg", 48_000);
}

#[test]
fn mp3() {
    check("a2_e3_44k.mp3", 44_100);
}

#[test]
fn a_truncated_flac_is_an_error_that_says_how_much_is_missing() {
    let path = format!(
        "{}/tests/data/a2_e3_stereo_44k.flac",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap();
    // Cut inside the header: not audio, or corrupt; never a panic.
    let e = analyze_bytes(&bytes[..10], Some("flac"), 600.0).unwrap_err();
    assert!(
        matches!(e, AudioError::NotAudio(_) | AudioError::Corrupt(_)),
        "{e}"
    );
    // Cut inside the audio: a truncation error with both lengths, not a short analysis.
    for cut in [
        100,
        bytes.len() * 3 / 10,
        bytes.len() / 2,
        bytes.len() * 9 / 10,
    ] {
        match analyze_bytes(&bytes[..cut], Some("flac"), 600.0) {
            Err(AudioError::Truncated(t)) => {
                let declared = t.declared_s.expect("FLAC declares its length");
                assert!((declared - 1.6).abs() < 0.01, "{cut}: {t}");
                assert!(t.decoded_s < declared - 0.1, "{cut}: {t}");
                let text = t.to_string();
                assert!(
                    text.contains("truncated") && text.contains("1.6 s"),
                    "{text}"
                );
            }
            other => panic!("cut at {cut} of {}: {other:?}", bytes.len()),
        }
        // Asked for explicitly, the part before the cut is analysed and labelled.
        let options = DecodeOptions {
            max_seconds: 600.0,
            allow_partial: true,
        };
        let a = analyze_bytes_with(&bytes[..cut], Some("flac"), options).unwrap();
        let t = a.truncated.expect("a partial analysis is marked");
        assert!(a.duration_s < 1.5 && (a.duration_s - t.decoded_s).abs() < 0.05);
        assert!(
            a.remarks[0].starts_with("PARTIAL ANALYSIS"),
            "{:?}",
            a.remarks
        );
    }
    // The whole file is not partial.
    let whole = analyze_bytes_with(
        &bytes,
        Some("flac"),
        DecodeOptions {
            max_seconds: 600.0,
            allow_partial: true,
        },
    )
    .unwrap();
    assert!(whole.truncated.is_none());
}

#[test]
fn m4a_aac_stereo() {
    check("a2_e3_stereo_44k.m4a", 44_100);
}

#[test]
fn other_truncated_formats_are_errors_too() {
    for name in ["a2_e3_48k.ogg", "a2_e3_44k.mp3", "a2_e3_stereo_44k.m4a"] {
        let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(&path).unwrap();
        let ext = name.rsplit('.').next();
        for cut in [bytes.len() * 3 / 10, bytes.len() * 9 / 10] {
            let e = analyze_bytes(&bytes[..cut], ext, 600.0).unwrap_err();
            // MP3 decodes up to the cut and compares with its header; OGG and M4A cannot be
            // opened without their end (the OGG length, the M4A moov atom).
            let said = e.to_string();
            assert!(
                matches!(e, AudioError::Truncated(_))
                    || said.contains("ends early")
                    || said.contains("moov"),
                "{name} cut at {cut}: {said}"
            );
        }
    }
}

#[test]
fn a_file_whose_header_declares_hours_is_refused_before_decoding() {
    // A WAV header declaring 10 hours of 44.1 kHz mono, followed by one second of silence.
    let rate = 44_100u32;
    let declared: u32 = rate * 2 * 36_000;
    let mut b = Vec::new();
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + declared).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&(rate * 2).to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&declared.to_le_bytes());
    b.extend(std::iter::repeat_n(0u8, rate as usize * 2));
    let options = DecodeOptions {
        max_seconds: 600.0,
        allow_partial: true,
    };
    match analyze_bytes_with(&b, Some("wav"), options) {
        Err(AudioError::TooLong { seconds, limit }) => {
            assert!((seconds - 36_000.0).abs() < 1.0, "{seconds}");
            assert_eq!(limit, 600.0);
        }
        other => panic!("expected TooLong from the header, got {other:?}"),
    }
}

/// Found by fuzzing (scripts/fuzz.sh audio): a WAV header claiming 65,281 channels made the
/// WAV reader's block-align arithmetic overflow and panic (in builds with overflow checks, as
/// the tests are). It is a corrupt file, reported as such.
#[test]
fn a_forged_wav_channel_count_is_a_corrupt_file_not_a_panic() {
    let path = format!(
        "{}/tests/data/fuzz_wav_channel_overflow.wav",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap();
    for ext in [Some("wav"), None] {
        match analyze_bytes(&bytes, ext, 600.0) {
            Err(AudioError::Corrupt(_) | AudioError::NotAudio(_) | AudioError::Unsupported(_)) => {}
            other => panic!("{ext:?}: {other:?}"),
        }
    }
}

/// Found by fuzzing: a WAV header claiming a sample rate of 4,043,317,056 Hz made resampling
/// 800 samples run for over 20 s (a request that ties up a worker). Rates outside 4–768 kHz are
/// refused before any resampling, naming the rate.
#[test]
fn a_forged_gigahertz_sample_rate_is_refused() {
    let path = format!(
        "{}/tests/data/fuzz_wav_gigahertz_rate.wav",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap();
    match analyze_bytes(&bytes, Some("wav"), 600.0) {
        Err(AudioError::Unsupported(m)) => assert!(m.contains("4043317056 Hz"), "{m}"),
        other => panic!("{other:?}"),
    }
}
