//! Fuzzes chord, key and scale names as people type them: symbols (`Cmaj13#11`, `Dm7♭5`) and
//! words (`the half-diminished chord on F sharp`, `B flat minor`).
use fretwise_theory::{
    Chord, Key, Scale, chord_in_words, chord_quality_on, interval_in_words, key_in_words,
    normalize_accidentals, scale_in_words,
};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        if let Ok(c) = Chord::parse(text) {
            // Everything the CLI and the instructor print for a parsed chord.
            let _ = c.to_string();
            let _ = c.notes();
        }
        if let Ok(k) = Key::parse(text) {
            let _ = k.to_string();
        }
        if let Ok(s) = Scale::parse(text) {
            let _ = s.notes();
        }
        let normalized = normalize_accidentals(text);
        let words: Vec<&str> = normalized.split_whitespace().collect();
        for start in 0..words.len() {
            let w = &words[start..];
            let _ = chord_in_words(w);
            let _ = chord_quality_on(w);
            let _ = scale_in_words(w);
            let _ = key_in_words(w);
            let _ = interval_in_words(w);
        }
    });
}
