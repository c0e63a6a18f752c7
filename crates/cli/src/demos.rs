//! `fretwise demos`: what the instructor plays in a lesson (found at ingest in its recording),
//! and a picture of one demonstration.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use fretwise_audio::Demonstration;
use fretwise_catalog::LessonAudioRow;

use crate::config::Config;
use crate::output::print_json;

/// Arguments of `fretwise demos`.
#[derive(Debug, Args)]
pub struct DemosArgs {
    /// Lesson id.
    id: String,
    #[command(flatten)]
    db: crate::DbArgs,
    /// Draw a demonstration (pitch, notes, onsets) to this file (.png or .svg).
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Which demonstration to draw, from 1.
    #[arg(long, default_value_t = 1)]
    number: usize,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// The stored demonstrations of a row, decoded.
pub(crate) fn decode(row: &LessonAudioRow) -> anyhow::Result<Vec<Demonstration>> {
    row.demonstrations
        .iter()
        .map(|d| {
            serde_json::from_str(&d.analysis).with_context(|| {
                format!(
                    "the catalog's demonstration {} of lesson {} is not readable (re-run ingest)",
                    d.idx + 1,
                    row.lesson_id
                )
            })
        })
        .collect()
}

fn clock(s: f64) -> String {
    let s = s.max(0.0);
    format!("{}:{:04.1}", (s / 60.0).floor() as u64, s % 60.0)
}

/// The lines `lessons show` and `demos` print about a lesson's recording.
pub(crate) fn print_audio(row: &LessonAudioRow, detail: bool) -> anyhow::Result<()> {
    let q: serde_json::Value = serde_json::from_str(&row.quality).unwrap_or_default();
    let num = |k: &str| q.get(k).and_then(|v| v.as_f64()).unwrap_or(f64::NAN);
    println!(
        "audio       {:.1} s, SNR {:.1} dB, level spread {:.1} dB, clipping {:.4} %",
        num("duration_s"),
        row.snr_db,
        row.level_spread_db,
        row.clipping_ratio * 100.0
    );
    for f in fretwise_quality::recording_flags(&row.recording_quality()) {
        println!(
            "flag        {} [{:?}] {}",
            f.code.as_str(),
            f.severity,
            f.detail
        );
    }
    if let Some(remarks) = q.get("remarks").and_then(|r| r.as_array()) {
        for r in remarks.iter().filter_map(|r| r.as_str()) {
            println!("            {r}");
        }
    }
    let demos = decode(row)?;
    println!("demos       {}", demos.len());
    for (i, d) in demos.iter().enumerate() {
        let names: Vec<&str> = d.notes.iter().map(|n| n.name.as_str()).collect();
        let shown = if detail { names.len() } else { 12 };
        println!(
            "  {}. {}–{}  {}{}{}{}, {} notes: {}{}",
            i + 1,
            clock(d.start_s),
            clock(d.end_s),
            d.scale.as_deref().or(d.key.as_deref()).unwrap_or("no key"),
            if d.tempo_bpm > 0.0 {
                format!(" at {:.0} bpm", d.tempo_bpm)
            } else {
                String::new()
            },
            if d.under_speech_s > 0.0 {
                format!(", the last {:.1} s under the words", d.under_speech_s)
            } else {
                String::new()
            },
            if d.techniques.is_empty() {
                String::new()
            } else {
                format!(
                    ", {} technique{}",
                    d.techniques.len(),
                    if d.techniques.len() == 1 { "" } else { "s" }
                )
            },
            d.notes.len(),
            names
                .iter()
                .take(shown)
                .copied()
                .collect::<Vec<_>>()
                .join(" "),
            if names.len() > shown { " …" } else { "" }
        );
        if detail {
            let chords: Vec<&str> = d
                .chords
                .iter()
                .map(|c| c.label.as_str())
                .filter(|l| *l != "N")
                .collect();
            if !chords.is_empty() {
                println!("     chords: {}", chords.join(" "));
            }
            for t in &d.techniques {
                println!("     {}", serde_json::to_string(t)?);
            }
            let r = &row.demonstrations[i];
            println!(
                "     between utterances {} and {}",
                r.before_utterance
                    .map_or("-".to_string(), |u| (u + 1).to_string()),
                r.after_utterance
                    .map_or("-".to_string(), |u| (u + 1).to_string())
            );
        }
    }
    Ok(())
}

/// Runs `fretwise demos`.
pub async fn run(cfg: &Config, args: DemosArgs) -> anyhow::Result<()> {
    let plot_png = args
        .plot
        .as_deref()
        .map(crate::output::plot_is_png)
        .transpose()?;
    let catalog = crate::commands::open(cfg, args.db.db.clone()).await?;
    let lesson = catalog.lesson(&args.id).await?;
    let row = catalog.lesson_audio(&lesson.summary.id).await?;
    catalog.close().await;
    let Some(row) = row else {
        anyhow::bail!(
            "lesson {}: {}",
            lesson.summary.id,
            match &lesson.audio_path {
                Some(p) => format!(
                    "its recording ({p}) has not been analysed; run `fretwise ingest` again (without --no-audio)"
                ),
                None => "it has no recording (no audio_path in its source)".to_string(),
            }
        );
    };
    let demos = decode(&row)?;
    if let (Some(p), Some(png)) = (&args.plot, plot_png) {
        let d = demos.get(args.number.wrapping_sub(1)).with_context(|| {
            format!(
                "--number {}: lesson {} has {} demonstrations",
                args.number,
                lesson.summary.id,
                demos.len()
            )
        })?;
        let path = lesson
            .audio_path
            .as_deref()
            .context("the lesson's recording path is not stored")?;
        let file = std::fs::File::open(path).with_context(|| format!("opening {path}"))?;
        let ext = std::path::Path::new(path)
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_string);
        let a = fretwise_audio::analyze_span(
            Box::new(file),
            ext.as_deref(),
            d.start_s - 0.2,
            d.end_s + 0.2,
            6.0 * 3600.0,
        )
        .with_context(|| path.to_string())?;
        let bytes = if png {
            fretwise_audio::png(&a).map_err(|e| anyhow::anyhow!("drawing {}: {e}", p.display()))?
        } else {
            fretwise_audio::svg(&a).into_bytes()
        };
        std::fs::write(p, bytes).with_context(|| format!("writing {}", p.display()))?;
        if !args.json {
            println!(
                "drew demonstration {} ({}–{}) to {}",
                args.number,
                clock(d.start_s),
                clock(d.end_s),
                p.display()
            );
        }
    }
    if args.json {
        let q: serde_json::Value = serde_json::from_str(&row.quality).unwrap_or_default();
        return print_json(&serde_json::json!({
            "lesson_id": lesson.summary.id,
            "quality": q,
            "demonstrations": demos,
        }));
    }
    println!(
        "{}  {}",
        lesson.summary.id,
        lesson.summary.title.as_deref().unwrap_or("(untitled)")
    );
    print_audio(&row, true)
}
