//! Fuzzes exercise JSON (what `analyze --exercise` and the service's upload read).
fn main() {
    afl::fuzz!(|data: &[u8]| {
        if let Ok(text) = std::str::from_utf8(data) {
            let _ = fretwise_audio::Exercise::parse(text);
        }
    });
}
