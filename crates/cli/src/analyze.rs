//! `fretwise analyze FILE`: what fretwise hears in a recording of guitar playing.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::output::print_json;

/// `fretwise analyze` arguments.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Audio file: WAV, FLAC, MP3, OGG Vorbis, M4A/AAC.
    file: PathBuf,
    /// Longest recording accepted, in seconds.
    #[arg(long, default_value_t = 1800.0)]
    max_seconds: f64,
    /// Print the full analysis as JSON (pitch track, notes, onsets, features).
    #[arg(long)]
    json: bool,
}

pub fn run(args: AnalyzeArgs) -> anyhow::Result<()> {
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let ext = args.file.extension().and_then(|e| e.to_str());
    let a = fretwise_audio::analyze_bytes(&bytes, ext, args.max_seconds)
        .with_context(|| format!("{}", args.file.display()))?;
    if args.json {
        return print_json(&a);
    }
    println!(
        "{}: {:.1} s at {} Hz, tuned to A4 = {:.1} Hz, {} notes, {} onsets, SNR ≈ {:.0} dB",
        args.file.display(),
        a.duration_s,
        a.sample_rate,
        a.tuning_ref_hz,
        a.notes.len(),
        a.onsets_s.len(),
        a.features.snr_db
    );
    for r in &a.remarks {
        println!("note: {r}");
    }
    for n in &a.notes {
        println!(
            "{:>8.3} – {:>8.3} s  {:<4} {:>+5.0} cents  velocity {:>3}  confidence {:.2}",
            n.onset_s, n.offset_s, n.name, n.cents, n.velocity, n.confidence
        );
    }
    Ok(())
}
