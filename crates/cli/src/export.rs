//! `fretwise export` and `fretwise dataset stats`.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use fretwise_dataset::curate::{Filters, SplitShares};
use fretwise_dataset::examples::ChunkOptions;
use fretwise_dataset::{ExportOptions, Format};

use crate::config::Config;
use crate::output::{Bar, print_json};

/// `fretwise export` options.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Output folder: created, or replaced if it is an earlier fretwise export (marked by its
    /// .fretwise-export file); any other existing folder is refused.
    #[arg(long, required_unless_present = "dry_run")]
    out: Option<PathBuf>,
    #[command(flatten)]
    db: crate::DbArgs,
    /// Formats, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "hf,openai,langchain,conversational,multimodal,alpaca,sharegpt"
    )]
    formats: Vec<String>,
    /// TOML file with filter settings (flags override it).
    #[arg(long)]
    filters: Option<PathBuf>,
    /// Lowest mean recogniser confidence.
    #[arg(long)]
    min_confidence: Option<f64>,
    /// Speech-activity range, e.g. 0.05-1.0.
    #[arg(long)]
    speech_activity: Option<String>,
    /// Highest filler ratio.
    #[arg(long)]
    max_filler_ratio: Option<f64>,
    /// Lowest guitar terms per 100 words.
    #[arg(long)]
    min_term_density: Option<f64>,
    /// Lowest speech-to-noise ratio of a lesson's recording, dB (only lessons whose recording
    /// was analysed at ingest are judged on it).
    #[arg(long)]
    min_snr_db: Option<f64>,
    /// Near-duplicate Jaccard threshold.
    #[arg(long)]
    near_duplicate_threshold: Option<f64>,
    /// Lowest lesson quality score (0–1).
    #[arg(long)]
    min_quality_score: Option<f64>,
    /// Seed for splits and sampling.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Shares of lessons for train/validation/test, dealt by whole instructors.
    #[arg(long, default_value = "70/15/15", value_parser = SplitShares::parse)]
    split: SplitShares,
    /// Stop after this many passages.
    #[arg(long)]
    max_examples: Option<usize>,
    /// Styles held out entirely for the test split, comma-separated.
    #[arg(long, value_delimiter = ',')]
    test_styles: Vec<String>,
    /// Also hold out lessons whose main concept is advanced (difficulty 4–5) for test.
    #[arg(long)]
    test_advanced_concepts: bool,
    /// Target words per passage.
    #[arg(long, default_value_t = 120)]
    passage_words: usize,
    /// Theory pairs per lesson pair.
    #[arg(long, default_value_t = 0.1)]
    theory_rate: f64,
    /// Show what filters, dedup and splits would do; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print the manifest as JSON.
    #[arg(long)]
    json: bool,
}

/// `fretwise dataset …`.
#[derive(Debug, Subcommand)]
pub enum DatasetCommand {
    /// Counts, token distributions and coverage of an export, with a small chart
    Stats {
        /// Export folder.
        dir: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn filters(args: &ExportArgs) -> anyhow::Result<Filters> {
    let mut f = match &args.filters {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            toml::from_str(&text)
                .with_context(|| format!("{} is not a valid filter file", p.display()))?
        }
        None => Filters::default(),
    };
    if let Some(v) = args.min_confidence {
        f.min_confidence = v;
    }
    if let Some(r) = &args.speech_activity {
        let (lo, hi) = r
            .split_once('-')
            .context("--speech-activity takes a range like 0.05-1.0")?;
        f.min_speech_activity = lo.trim().parse().context("--speech-activity lower bound")?;
        f.max_speech_activity = hi.trim().parse().context("--speech-activity upper bound")?;
    }
    if let Some(v) = args.max_filler_ratio {
        f.max_filler_ratio = v;
    }
    if let Some(v) = args.min_term_density {
        f.min_term_density = v;
    }
    if let Some(v) = args.min_snr_db {
        f.min_snr_db = v;
    }
    if let Some(v) = args.near_duplicate_threshold {
        anyhow::ensure!(
            (0.0..=1.0).contains(&v),
            "--near-duplicate-threshold must be within 0–1"
        );
        f.near_duplicate_threshold = v;
    }
    if let Some(v) = args.min_quality_score {
        f.min_quality_score = v;
    }
    f.check().map_err(anyhow::Error::msg)?;
    Ok(f)
}

pub async fn export(cfg: &Config, args: ExportArgs) -> anyhow::Result<()> {
    let catalog = crate::commands::open(cfg, args.db.db.clone()).await?;
    let formats = args
        .formats
        .iter()
        .map(|f| Format::parse(f))
        .collect::<Result<Vec<_>, _>>()?;
    let opts = ExportOptions {
        out: args.out.clone().unwrap_or_else(|| PathBuf::from("dataset")),
        formats,
        filters: filters(&args)?,
        seed: args.seed,
        max_examples: args.max_examples,
        split_shares: args.split,
        test_styles: args.test_styles.clone(),
        test_advanced_concepts: args.test_advanced_concepts,
        chunk: ChunkOptions {
            target_words: args.passage_words.max(10),
            ..Default::default()
        },
        theory_rate: args.theory_rate.max(0.0),
        created_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        source: catalog.url().to_string(),
    };
    let progress = Bar::new("export", args.json);
    if args.dry_run {
        let (plan, _) = fretwise_dataset::plan(&catalog, &opts, &progress).await?;
        progress.finish();
        if args.json {
            return print_json(&plan.summary());
        }
        print_plan(&plan);
        return Ok(());
    }
    let manifest = fretwise_dataset::export(&catalog, &opts, &progress).await?;
    progress.finish();
    catalog.close().await;
    if args.json {
        return print_json(&manifest);
    }
    println!("wrote {}", opts.out.display());
    println!("{:<22} {:>8}", "removed by", "lessons");
    if let Some(removed) = manifest["filters"]["removed"].as_object() {
        for (why, n) in removed {
            println!("{why:<22} {:>8}", n.as_u64().unwrap_or(0));
        }
    }
    println!("{:<12} {:>12} {:>8}", "split", "instructors", "lessons");
    for split in ["train", "validation", "test"] {
        let sp = &manifest["splits"][split];
        let n = |k: &str| sp[k].as_u64().unwrap_or(0);
        println!("{split:<12} {:>12} {:>8}", n("instructors"), n("lessons"));
    }
    println!("examples per format: {}", manifest["counts"]);
    println!("details: fretwise dataset stats {}", opts.out.display());
    Ok(())
}

fn print_plan(plan: &fretwise_dataset::Plan) {
    println!("{} lessons in the catalog", plan.lessons_in_catalog);
    println!("{:<22} {:>8}", "removed by", "lessons");
    for (why, n) in &plan.removed {
        println!("{:<22} {:>8}", why.as_str(), n);
    }
    println!("{:<12} {:>12} {:>8}", "split", "instructors", "lessons");
    for (s, (i, l)) in &plan.split_counts {
        println!("{:<12} {:>12} {:>8}", s.as_str(), i, l);
    }
}

pub fn dataset(cmd: DatasetCommand) -> anyhow::Result<()> {
    let DatasetCommand::Stats { dir, json } = cmd;
    let fretwise_dataset::ExportSummary {
        manifest: m,
        coverage,
    } = fretwise_dataset::read_summary(&dir)?;
    if json {
        let cov: serde_json::Map<String, serde_json::Value> = coverage
            .iter()
            .map(|(s, c)| {
                let v = serde_json::json!({"instructors": c.instructors.len(), "levels": c.levels,
                    "styles": c.styles, "distinct_terms": c.terms.len()});
                (s.clone(), v)
            })
            .collect();
        return print_json(
            &serde_json::json!({"counts": m["counts"], "splits": m["splits"], "tokens": m["tokens"], "coverage": cov}),
        );
    }
    println!(
        "export {} (seed {}, created {})",
        dir.display(),
        m["seed"],
        m["created_at"].as_str().unwrap_or("?")
    );
    let passages = &m["tokens"]["passages"];
    let max = ["train", "validation", "test"]
        .iter()
        .map(|s| passages[s]["examples"].as_u64().unwrap_or(0))
        .max()
        .unwrap_or(1)
        .max(1);
    println!(
        "{:<11} {:>9} {:>12} {:>8} {:>8} {:>8}  passages",
        "split", "passages", "tokens", "min", "mean", "max"
    );
    for s in ["train", "validation", "test"] {
        let p = &passages[s];
        let n = p["examples"].as_u64().unwrap_or(0);
        let bar = "█".repeat(((n as f64 / max as f64) * 30.0).ceil() as usize);
        let num = |k: &str| p[k].as_u64().unwrap_or(0);
        let mean = num("tokens") as f64 / n.max(1) as f64;
        println!(
            "{s:<11} {n:>9} {:>12} {:>8} {mean:>8.1} {:>8}  {bar}",
            num("tokens"),
            num("min"),
            num("max")
        );
    }
    for (s, c) in &coverage {
        println!(
            "{s:<11} {} instructors, levels {:?}, {} styles, {} distinct terms",
            c.instructors.len(),
            c.levels,
            c.styles.len(),
            c.terms.len()
        );
    }
    println!("formats: {}", m["counts"]);
    Ok(())
}
