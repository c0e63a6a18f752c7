//! Writes the broadened evaluation set (issue 14, `tests/common/broad.rs`) for
//! `scripts/audio-eval/compare_broad.py`: one WAV per clip and one truth JSON with its part
//! (`tuning` / `held-out`), material, condition, source, tempo, notes
//! (`[[onset_s, end_s, midi], ...]`, a bent note at its starting pitch) and the reference pitch
//! every 10 ms (`ref_f0`: Hz, 0 where no note is labelled or within 30 ms of a note's edge).
//!
//! `cargo run --release -p fretwise-audio --example render_broad -- OUT_DIR`

#[path = "../tests/common/mod.rs"]
mod common;

use common::broad::{self, Part};
use common::{SR, midi_hz, recorded, wav};

/// Seconds between reference pitch values.
const REF_HOP_S: f64 = 0.01;

fn main() {
    let Some(out) = std::env::args().nth(1) else {
        eprintln!("usage: render_broad OUT_DIR");
        std::process::exit(2);
    };
    let out = std::path::PathBuf::from(out);
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("{}: {e}", out.display());
        std::process::exit(1);
    }
    let fonts = broad::load_fonts();
    let instruments = recorded::instruments();
    if fonts.len() < broad::FONTS.len() || instruments.is_empty() {
        eprintln!(
            "the broadened set needs {:?} and the recorded guitar notes (scripts/audio-eval/fetch_guitar_samples.sh); found {} SoundFonts and {} instruments",
            broad::FONTS,
            fonts.len(),
            instruments.len()
        );
        std::process::exit(1);
    }
    let clips = broad::clips(&fonts, &instruments);
    for (i, clip) in clips.iter().enumerate() {
        let seconds = clip.audio.len() as f64 / f64::from(SR);
        let frames = (seconds / REF_HOP_S) as usize;
        let mut f0 = vec![0.0f64; frames];
        for n in &clip.notes {
            let first = ((n.onset + 0.03) / REF_HOP_S).ceil().max(0.0) as usize;
            let last = ((n.end - 0.03) / REF_HOP_S).floor();
            if last < first as f64 {
                continue;
            }
            for (k, v) in f0
                .iter_mut()
                .enumerate()
                .take(last as usize + 1)
                .skip(first)
            {
                *v = midi_hz(n.midi_at(k as f64 * REF_HOP_S));
            }
        }
        let notes: Vec<[f64; 3]> = clip
            .notes
            .iter()
            .map(|n| [n.onset, n.end, n.midi])
            .collect();
        let json = serde_json::json!({
            "name": clip.name,
            "part": if clip.part == Part::HeldOut { "held-out" } else { "tuning" },
            "material": clip.material,
            "condition": clip.condition,
            "source": clip.source,
            "tempo_bpm": clip.tempo_bpm,
            "notes": notes,
            "ref_hop_s": REF_HOP_S,
            "ref_f0": f0,
        });
        let stem = format!("clip{i:03}");
        std::fs::write(out.join(format!("{stem}.wav")), wav(&clip.audio, SR))
            .and_then(|()| std::fs::write(out.join(format!("{stem}.json")), json.to_string()))
            .unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    }
    println!("{} clips written to {}", clips.len(), out.display());
}
