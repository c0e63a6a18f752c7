//! Fuzzes audio decoding: the first byte picks the file-name extension given as a hint.
fn main() {
    const HINTS: [Option<&str>; 6] = [
        None,
        Some("wav"),
        Some("flac"),
        Some("mp3"),
        Some("ogg"),
        Some("m4a"),
    ];
    // `fuzz_nohook!`: decoding catches panics inside the third-party format readers on purpose
    // (they become corrupt-file errors); a panic that escapes `decode` still aborts, a crash.
    afl::fuzz_nohook!(|data: &[u8]| {
        let Some((first, rest)) = data.split_first() else {
            return;
        };
        let hint = HINTS[usize::from(*first) % HINTS.len()];
        // 30 s bounds the work per input, as `--max-seconds` does for users.
        let _ = fretwise_audio::decode(rest, hint, 30.0);
    });
}
