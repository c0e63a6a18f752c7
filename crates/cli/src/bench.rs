//! `fretwise bench`: end-to-end throughput on a generated corpus (figures go to docs/PERFORMANCE.md).

use std::path::PathBuf;
use std::time::Instant;

use clap::Subcommand;
use fretwise_catalog::Catalog;
use fretwise_corpus::CorpusOptions;
use fretwise_ingest::IngestOptions;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Generate N lessons, then ingest them (parse, metrics, terms, catalog write), build the
    /// knowledge base and the search index, and time each step
    Ingest {
        /// Lessons to generate and ingest.
        #[arg(long, default_value_t = 10_000)]
        lessons: usize,
        /// Fictional instructors.
        #[arg(long, default_value_t = 100)]
        instructors: usize,
        /// Catalog to ingest into (default: a fresh SQLite file in a temporary folder).
        #[arg(long)]
        db: Option<String>,
        /// Reuse or keep the corpus in this folder instead of a temporary one.
        #[arg(long)]
        corpus: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Lesson audio: analyse one long recording of generated lessons back to back (speech,
    /// playing, room noise) on one core, decoding included
    LessonAudio {
        /// Minutes of audio.
        #[arg(long, default_value_t = 60.0)]
        minutes: f64,
        /// Seed of the generated lessons.
        #[arg(long, default_value_t = 5)]
        seed: u64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Simulated students under the learner's planner, a fixed and a random curriculum:
    /// practice to mastery, estimate error, off-level sessions (docs/LEARNER.md)
    Simulate {
        /// First seed (one student per seed).
        #[arg(long, default_value_t = 20_001)]
        from: u64,
        /// Students.
        #[arg(long, default_value_t = 60)]
        students: u64,
        /// Days simulated at most.
        #[arg(long, default_value_t = 120)]
        days: u32,
        /// Minutes practised a day.
        #[arg(long, default_value_t = 20)]
        minutes_per_day: u32,
        /// Print JSON (with every student).
        #[arg(long)]
        json: bool,
    },
}

fn lesson_audio(minutes: f64, seed: u64, json: bool) -> anyhow::Result<()> {
    if !(minutes > 0.0 && minutes <= 600.0) {
        anyhow::bail!("--minutes must be between 0 and 600");
    }
    let font = fretwise_corpus::Font::find()?;
    let t0 = Instant::now();
    let long = fretwise_corpus::long_lesson(&font, seed, minutes * 60.0);
    let tmp = tempfile::tempdir()?;
    let path = tmp.path().join("lesson.wav");
    std::fs::write(&path, fretwise_corpus::wav(&long.samples))?;
    let generate_s = t0.elapsed().as_secs_f64();
    let audio_s = long.samples.len() as f64 / f64::from(fretwise_corpus::AUDIO_RATE);
    drop(long.samples);
    // One thread: the analysis of one recording is sequential; this is its cost per core.
    let t1 = Instant::now();
    let got = fretwise_audio::analyze_lesson(
        Box::new(std::fs::File::open(&path)?),
        Some("wav"),
        &long.words,
        &long.utterances,
        fretwise_audio::LessonOptions::default(),
    )?;
    let analyse_s = t1.elapsed().as_secs_f64();
    let out = serde_json::json!({
        "audio_s": (audio_s * 10.0).round() / 10.0,
        "utterances": long.utterances.len(),
        "demonstrations_played": long.demonstrations,
        "demonstrations_found": got.demonstrations.len(),
        "generate_s": (generate_s * 100.0).round() / 100.0,
        "analyse_s": (analyse_s * 100.0).round() / 100.0,
        "times_real_time": (audio_s / analyse_s * 10.0).round() / 10.0,
        "seconds_per_hour": (analyse_s / audio_s * 3600.0 * 100.0).round() / 100.0,
    });
    if json {
        return crate::output::print_json(&out);
    }
    println!(
        "lesson audio: {:.1} min ({} utterances, {} demonstrations played, {} found) analysed in {:.2} s on one core = {:.0}x real time, {:.1} s per hour (generated in {:.1} s)",
        audio_s / 60.0,
        long.utterances.len(),
        long.demonstrations,
        got.demonstrations.len(),
        analyse_s,
        audio_s / analyse_s,
        analyse_s / audio_s * 3600.0,
        generate_s
    );
    Ok(())
}

fn simulate(from: u64, students: u64, days: u32, minutes: u32, json: bool) -> anyhow::Result<()> {
    use fretwise_learner::sim::{Policy, SimConfig, run};
    let ontology = fretwise_knowledge::Ontology::builtin();
    let cfg = SimConfig {
        max_days: days.clamp(1, 3650),
        minutes_per_day: minutes.clamp(5, 240),
        ..SimConfig::default()
    };
    let seeds = from..from.saturating_add(students.clamp(1, 100_000));
    let mut out = Vec::new();
    for p in [Policy::Planner, Policy::Fixed, Policy::Random] {
        let t = Instant::now();
        let (summary, runs) = run(&ontology, seeds.clone(), p, &cfg)?;
        if !json {
            println!(
                "{:<8} mastered {:>3}/{:<3} median {:>5.0} min  mean {:>6.1} min  estimate RMSE {:.2} (prior {:.2})  off-level {:>4.1} %  [{:.1} s]",
                p.as_str(),
                summary.mastered,
                summary.students,
                summary.median_minutes,
                summary.mean_minutes,
                summary.estimate_rmse,
                summary.prior_rmse,
                100.0 * summary.off_level_rate,
                t.elapsed().as_secs_f64()
            );
        }
        out.push(serde_json::json!({"summary": summary, "students": runs}));
    }
    if json {
        crate::output::print_json(
            &serde_json::json!({"config": cfg, "seeds": [seeds.start, seeds.end], "policies": out}),
        )?;
    } else {
        println!(
            "seeds {}..{} ({} students), {} days at {} minutes a day",
            seeds.start,
            seeds.end - 1,
            seeds.end - seeds.start,
            cfg.max_days,
            cfg.minutes_per_day
        );
    }
    Ok(())
}

/// Peak resident memory of this process in MiB (Linux; 0 elsewhere).
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

pub async fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    let (lessons, instructors, db, corpus, json) = match cmd {
        BenchCommand::Ingest {
            lessons,
            instructors,
            db,
            corpus,
            json,
        } => (lessons, instructors, db, corpus, json),
        BenchCommand::LessonAudio {
            minutes,
            seed,
            json,
        } => {
            return tokio::task::spawn_blocking(move || lesson_audio(minutes, seed, json)).await?;
        }
        BenchCommand::Simulate {
            from,
            students,
            days,
            minutes_per_day,
            json,
        } => {
            return tokio::task::spawn_blocking(move || {
                simulate(from, students, days, minutes_per_day, json)
            })
            .await?;
        }
    };
    let tmp = tempfile::tempdir()?;
    let corpus_dir = corpus.unwrap_or_else(|| tmp.path().join("corpus"));
    let t0 = Instant::now();
    if !corpus_dir.join("manifest.csv").is_file() {
        fretwise_corpus::generate(
            &corpus_dir,
            &CorpusOptions {
                instructors,
                lessons,
                seed: 7,
                bad_rate: 0.01,
                audio: None,
            },
        )?;
    }
    let generate_s = t0.elapsed().as_secs_f64();
    let db = db.unwrap_or_else(|| format!("sqlite://{}", tmp.path().join("bench.db").display()));
    let catalog = Catalog::open(&db).await?;
    let t1 = Instant::now();
    let (items, rejected) = fretwise_ingest::discover(std::slice::from_ref(&corpus_dir))?;
    let n = items.len() + rejected.len();
    // As `fretwise ingest` runs it: each lesson's knowledge computed while it is in memory,
    // and the search index fed the lessons as they are stored.
    let ingest_index = crate::ask::IngestIndex::open(&tmp.path().join("bench.index"))?;
    let options = IngestOptions {
        analysis: Some(crate::commands::knowledge_analysis()),
        sink: Some(ingest_index.sink()),
        ..IngestOptions::default()
    };
    let report = fretwise_ingest::ingest_items(&catalog, items, rejected, &options, &()).await?;
    let ingest_s = t1.elapsed().as_secs_f64();
    // What `fretwise ingest` does after the lessons are stored: the knowledge base and the
    // rest of the instructor's search index, side by side.
    let tr = Instant::now();
    let (rebuilt, indexed) = crate::ask::refresh_after_ingest(&catalog, ingest_index, true).await?;
    let refresh_s = tr.elapsed().as_secs_f64();
    let (knowledge_s, index_s) = (rebuilt.seconds, indexed.seconds);
    let end_to_end_s = ingest_s + refresh_s;
    let t2 = Instant::now();
    let (items, rejected) = fretwise_ingest::discover(&[corpus_dir])?;
    let options = IngestOptions {
        sink: None,
        ..options
    };
    let rerun = fretwise_ingest::ingest_items(&catalog, items, rejected, &options, &()).await?;
    let rerun_s = t2.elapsed().as_secs_f64();
    catalog.close().await;
    let result = serde_json::json!({
        "lessons": n,
        "generate_s": generate_s,
        "ingest_s": ingest_s,
        "lessons_per_s": n as f64 / ingest_s,
        "knowledge_s": knowledge_s,
        "index_s": index_s,
        "knowledge_and_index_s": refresh_s,
        "index_passages": indexed.passages,
        "end_to_end_s": end_to_end_s,
        "end_to_end_lessons_per_s": n as f64 / end_to_end_s,
        "rerun_unchanged_s": rerun_s,
        "rerun_unchanged": rerun.unchanged,
        "ingested": report.ingested,
        "quarantined": report.quarantined.len(),
        "flagged": report.flagged.len(),
        "peak_rss_mib": peak_rss_mib(),
        "cpus": available_cpus(),
    });
    if json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        println!(
            "{n} lessons: generated in {generate_s:.2} s; ingested in {ingest_s:.2} s = {:.0} lessons/s \
             ({} stored, {} quarantined, {} flagged); knowledge {knowledge_s:.2} s and search index \
             {index_s:.2} s ({} passages) side by side in {refresh_s:.2} s; end to end {end_to_end_s:.2} s = {:.0} lessons/s; \
             unchanged rerun {rerun_s:.2} s; peak RSS {:.0} MiB",
            n as f64 / ingest_s,
            report.ingested,
            report.quarantined.len(),
            report.flagged.len(),
            indexed.passages,
            n as f64 / end_to_end_s,
            peak_rss_mib()
        );
    }
    Ok(())
}

/// CPUs this process may use (what the worker pools size themselves by).
fn available_cpus() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}
