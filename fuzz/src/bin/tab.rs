//! Fuzzes ASCII tab: the theory reader and the exercise built from it.
fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let _ = fretwise_theory::Tab::parse(text);
        let _ = fretwise_audio::Exercise::from_tab(text, 90.0);
    });
}
