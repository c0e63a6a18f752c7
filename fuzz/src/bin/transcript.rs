//! Fuzzes the transcript reader (WhisperX, plain Whisper and the platform's JSON).
fn main() {
    let options = fretwise_transcript::ReadOptions::default();
    afl::fuzz!(|data: &[u8]| {
        if let Ok(t) = fretwise_transcript::parse_transcript(data, &options) {
            // What ingest does next with a transcript that parsed.
            let _ = t.full_text();
            let _ = t.normalized_text_hash();
            let _ = t.speech_end();
        }
    });
}
