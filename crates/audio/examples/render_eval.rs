//! Writes the evaluation set of sampled guitars: one WAV and one truth JSON per take
//! (`{"notes": [[onset_s, duration_s, hz], ...]}`), for `scripts/audio-eval/compare.py`: the
//! SoundFont takes (`tests/common/soundfont.rs`) and, where the recordings are on this machine,
//! the melodies of real recorded notes (`tests/common/recorded.rs`).
//!
//! `cargo run -p fretwise-audio --example render_eval -- OUT_DIR`

#[path = "../tests/common/mod.rs"]
mod common;

use common::soundfont::{GUITARS, degrade, load, melodies, render, soundfonts};
use common::{SR, Score, recorded, wav};

/// Writes one take and its truth.
fn write(out: &std::path::Path, name: &str, audio: &[f32], truth: &Score) {
    let notes: Vec<[f64; 3]> = truth.iter().map(|n| [n.0, n.1, n.2]).collect();
    let json = serde_json::json!({ "notes": notes });
    std::fs::write(out.join(format!("{name}.wav")), wav(audio, SR))
        .and_then(|()| std::fs::write(out.join(format!("{name}.json")), json.to_string()))
        .unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}

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
    let instruments = recorded::instruments();
    if fonts.is_empty() && instruments.is_empty() {
        eprintln!(
            "no SoundFont (apt install timgm6mb-soundfont fluid-soundfont-gm) and no recorded samples (scripts/audio-eval/fetch_guitar_samples.sh)"
        );
        std::process::exit(1);
    }
    let mut count = 0;
    for inst in &instruments {
        for (melody, events, total) in recorded::melodies(inst) {
            let (mut audio, t) = recorded::render(inst, &events, total);
            let stem = format!("recorded {} {melody}", inst.name).replace(' ', "_");
            write(&out, &stem, &audio, &t);
            degrade(&mut audio, &t, 30.0, u64::from(events[0].key));
            write(&out, &format!("{stem}_noisy"), &audio, &t);
            count += 2;
        }
    }
    for (font_name, path) in fonts {
        let font = load(&path);
        for (guitar, program) in GUITARS {
            for (melody, events, total) in melodies() {
                let (mut audio, t) = render(&font, program, &events, total);
                let stem = format!("{font_name} {guitar} {melody}").replace(' ', "_");
                write(&out, &stem, &audio, &t);
                degrade(&mut audio, &t, 30.0, u64::from(program));
                write(&out, &format!("{stem}_noisy"), &audio, &t);
                count += 2;
            }
        }
    }
    println!("{count} takes written to {}", out.display());
}
