//! Writes the SoundFont evaluation set: one WAV and one truth JSON per take
//! (`{"notes": [[onset_s, duration_s, hz], ...]}`), for `scripts/audio-eval/compare.py`.
//!
//! `cargo run -p fretwise-audio --example render_eval -- OUT_DIR` (SoundFonts as in
//! `tests/common/soundfont.rs`).

#[path = "../tests/common/mod.rs"]
mod common;

use common::soundfont::{GUITARS, degrade, load, melodies, render, soundfonts};
use common::{SR, wav};

fn main() {
    let Some(out) = std::env::args().nth(1) else {
        eprintln!("usage: render_eval OUT_DIR");
        std::process::exit(2);
    };
    let out = std::path::PathBuf::from(out);
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("{}: {e}", out.display());
        std::process::exit(1);
    }
    let fonts = soundfonts();
    if fonts.is_empty() {
        eprintln!("no SoundFont found (apt install timgm6mb-soundfont fluid-soundfont-gm)");
        std::process::exit(1);
    }
    let mut count = 0;
    for (font_name, path) in fonts {
        let font = load(&path);
        for (guitar, program) in GUITARS {
            for (melody, events, total) in melodies() {
                let (mut audio, t) = render(&font, program, &events, total);
                let stem = format!("{font_name} {guitar} {melody}").replace(' ', "_");
                let write = |name: String, audio: &[f32]| {
                    let notes: Vec<[f64; 3]> = t.iter().map(|n| [n.0, n.1, n.2]).collect();
                    let json = serde_json::json!({ "notes": notes });
                    std::fs::write(out.join(format!("{name}.wav")), wav(audio, SR))
                        .and_then(|()| {
                            std::fs::write(out.join(format!("{name}.json")), json.to_string())
                        })
                        .unwrap_or_else(|e| panic!("{}: {e}", out.display()));
                };
                write(stem.clone(), &audio);
                degrade(&mut audio, &events, 30.0, u64::from(program));
                write(format!("{stem}_noisy"), &audio);
                count += 2;
            }
        }
    }
    println!("{count} takes written to {}", out.display());
}
