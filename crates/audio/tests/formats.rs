//! Compressed formats decode to the same notes: FLAC (stereo, folded to mono), OGG Vorbis at
//! 48 kHz (resampled), MP3 and AAC-LC in M4A. The files are fretwise's own synthesized notes, written by
//! scripts/audio-eval/make_format_fixtures.py.

use fretwise_audio::analyze_bytes;

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
fn a_truncated_flac_gives_an_error_or_what_was_decoded() {
    let path = format!(
        "{}/tests/data/a2_e3_stereo_44k.flac",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap();
    for cut in [10, 100, bytes.len() / 2] {
        // Never a panic: an error naming the problem, or the audio before the cut.
        if let Ok(a) = analyze_bytes(&bytes[..cut], Some("flac"), 600.0) {
            assert!(a.duration_s < 1.6);
        }
    }
}

#[test]
fn m4a_aac_stereo() {
    check("a2_e3_stereo_44k.m4a", 44_100);
}
