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
    /// Score against an exercise: JSON {"tempo_bpm", "time_signature", "notes": [{"beat",
    /// "duration_beats", "midi" | "note" | "string"+"fret"}]}.
    #[arg(long, conflicts_with = "tab")]
    expected: Option<PathBuf>,
    /// Score against ASCII tab (bar lines give the timing); needs --tempo.
    #[arg(long, requires = "tempo")]
    tab: Option<PathBuf>,
    /// Tempo of the tab in beats per minute.
    #[arg(long)]
    tempo: Option<f64>,
    /// beginner, intermediate or advanced (tolerances in docs/AUDIO.md).
    #[arg(long, default_value = "intermediate")]
    strictness: String,
    /// Draw the loudness, the pitch track and the notes against the expected ones, errors
    /// marked: OUT.png or OUT.svg.
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Print the full analysis as JSON (pitch track, notes, onsets, features, score).
    #[arg(long)]
    json: bool,
    /// Analyse what precedes the cut of a truncated file (labelled partial) instead of failing.
    #[arg(long)]
    allow_partial: bool,
    /// Record the scored take for this student (needs --expected or --tab): their skills,
    /// practice schedule and history are updated; the same take is counted once.
    #[arg(long)]
    student: Option<String>,
    #[command(flatten)]
    db: crate::DbArgs,
}

pub async fn run(cfg: &crate::config::Config, args: AnalyzeArgs) -> anyhow::Result<()> {
    if args.student.is_some() && args.expected.is_none() && args.tab.is_none() {
        anyhow::bail!(
            "--student records a scored take: give the exercise with --expected or --tab"
        );
    }
    let strictness = fretwise_audio::Strictness::parse(&args.strictness).with_context(|| {
        format!(
            "unknown strictness `{}` (beginner, intermediate, advanced)",
            args.strictness
        )
    })?;
    // The exercise is read first: a bad exercise fails before any audio work.
    let read = |path: &PathBuf| {
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
    };
    let exercise = match (&args.expected, &args.tab, args.tempo) {
        (Some(path), _, _) => Some(
            fretwise_audio::Exercise::parse(&read(path)?)
                .with_context(|| format!("{}", path.display()))?,
        ),
        (None, Some(path), Some(tempo)) => Some(
            fretwise_audio::Exercise::from_tab(&read(path)?, tempo)
                .with_context(|| format!("{}", path.display()))?,
        ),
        _ => None,
    };
    // The plot's format is checked before any audio work.
    let plot_png = args
        .plot
        .as_deref()
        .map(crate::output::plot_is_png)
        .transpose()?;
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let ext = args.file.extension().and_then(|e| e.to_str());
    let options = fretwise_audio::DecodeOptions {
        max_seconds: args.max_seconds,
        allow_partial: args.allow_partial,
    };
    let mut a = match fretwise_audio::analyze_bytes_with(&bytes, ext, options) {
        Ok(a) => a,
        Err(e @ fretwise_audio::AudioError::Truncated(_)) => anyhow::bail!(
            "{}: {e} (--allow-partial analyses what is there)",
            args.file.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("{}", args.file.display())),
    };
    if let Some(ex) = &exercise {
        a.score = Some(fretwise_audio::score(
            ex,
            &a.notes,
            &a.techniques,
            strictness,
            a.tuning_ref_hz,
        ));
    }
    if let (Some(p), Some(png)) = (&args.plot, plot_png) {
        let bytes = if png {
            fretwise_audio::png(&a).map_err(|e| anyhow::anyhow!("drawing {}: {e}", p.display()))?
        } else {
            fretwise_audio::svg(&a).into_bytes()
        };
        std::fs::write(p, bytes).with_context(|| format!("writing {}", p.display()))?;
    }
    let recorded = match (&args.student, &exercise, &a.score) {
        (Some(student), Some(ex), Some(score)) => Some(
            crate::learn::record_take(cfg, args.db.db.clone(), student, ex, score, &bytes)
                .await
                .with_context(|| format!("recording the take for {student}"))?,
        ),
        _ => None,
    };
    if args.json {
        if let Some(r) = &recorded {
            let mut v = serde_json::to_value(&a)?;
            if let Some(o) = v.as_object_mut() {
                o.insert("recorded".into(), serde_json::to_value(r)?);
            }
            return print_json(&v);
        }
        return print_json(&a);
    }
    if let Some(r) = &recorded {
        if r.recorded {
            println!(
                "recorded {} for {}: {} (performance {:.2}); skill {:.0} % → {:.0} %; next practice in {} day(s) at {:.0} bpm",
                r.take_id,
                r.concept,
                r.rating.as_str(),
                r.score,
                100.0 * r.skill_before.p_success(),
                100.0 * r.skill_after.p_success(),
                ((r.item.due_unix - fretwise_learner::now_unix()).max(0) + 43_200) / 86_400,
                r.item.target_tempo
            );
        } else {
            println!("{} was already recorded; nothing changed", r.take_id);
        }
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
    if a.tempo_bpm > 0.0 {
        println!(
            "tempo ≈ {:.0} bpm (confidence {:.2}), {} beats",
            a.tempo_bpm,
            a.tempo_confidence,
            a.beats_s.len()
        );
    }
    let chords: Vec<String> = a
        .chords
        .iter()
        .filter(|c| c.label != "N")
        .map(|c| format!("{} {:.2}–{:.2} s", c.label, c.start_s, c.end_s))
        .collect();
    if !chords.is_empty() {
        println!("chords: {}", chords.join(", "));
    }
    for t in &a.techniques {
        // A technique read from a pitch the tracker was unsure of is a guess, and says so.
        let doubt = match a.technique_confidence(t) {
            Some(c) if c < fretwise_audio::LOW_CONFIDENCE => {
                format!("  (uncertain: pitch confidence {c:.2})")
            }
            _ => String::new(),
        };
        println!("technique: {}{doubt}", describe(t));
    }
    if let Some(s) = &a.score {
        let m = &s.summary;
        println!(
            "score {:.0}/100 ({:?}): pitch accuracy {:.0}%, timing error {:.0} ms (spread {:.0} ms), tempo {:.0} bpm, started {:.2} s in",
            m.score,
            m.strictness,
            100.0 * m.pitch_accuracy,
            m.timing_mae_ms,
            m.timing_consistency_ms,
            m.played_tempo_bpm,
            m.start_offset_s
        );
        if m.techniques_expected > 0 {
            println!(
                "techniques asked for: {} of {} heard",
                m.techniques_heard, m.techniques_expected
            );
        }
        for f in &s.feedback {
            println!("  • {}", f.message);
        }
        for r in s.per_note.iter().filter(|r| r.status != "ok") {
            println!(
                "  note {:>3}: {:<11} {}",
                r.index + 1,
                r.status,
                r.timing_error_ms
                    .map(|t| format!("{t:+.0} ms"))
                    .unwrap_or_default()
            );
        }
        return Ok(());
    }
    let uncertain = a.notes.iter().filter(|n| n.is_uncertain()).count();
    if uncertain > 0 {
        println!(
            "{uncertain} of {} notes are uncertain (confidence under {:.1}): guesses, not findings{}",
            a.notes.len(),
            fretwise_audio::LOW_CONFIDENCE,
            if chords.is_empty() {
                ""
            } else {
                "; several strings at once read as chords above"
            }
        );
    }
    for n in &a.notes {
        println!(
            "{:>8.3} – {:>8.3} s  {:<4} {:>+5.0} cents  velocity {:>3}  confidence {:.2}{}",
            n.onset_s,
            n.offset_s,
            n.name,
            n.cents,
            n.velocity,
            n.confidence,
            if n.is_uncertain() { "  uncertain" } else { "" }
        );
    }
    Ok(())
}

/// One line for a technique.
fn describe(t: &fretwise_audio::Technique) -> String {
    use fretwise_audio::Technique as T;
    match t {
        T::Bend {
            start_s,
            from,
            cents,
            target_cents,
            reached,
            released,
            ..
        } => format!(
            "{start_s:.2} s bend from {from}: {cents:.0} of {target_cents:.0} cents{}{}",
            if *reached { "" } else { " (short)" },
            if *released { ", released" } else { "" }
        ),
        T::Vibrato {
            start_s,
            end_s,
            rate_hz,
            depth_cents,
        } => format!("{start_s:.2}–{end_s:.2} s vibrato {rate_hz:.1} Hz, ±{depth_cents:.0} cents"),
        T::Slide {
            start_s, from, to, ..
        } => format!("{start_s:.2} s slide {from} → {to}"),
        T::HammerOn {
            start_s, from, to, ..
        } => format!("{start_s:.2} s hammer-on {from} → {to}"),
        T::PullOff {
            start_s, from, to, ..
        } => format!("{start_s:.2} s pull-off {from} → {to}"),
        T::Muted { start_s, .. } => format!("{start_s:.2} s muted (dead) note"),
    }
}
