//! `fretwise eval`: the guitar-instruction benchmark against the grounded instructor or a model.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use fretwise_eval::items::Sizes;
use fretwise_eval::{Backend, Category, Context, Report, RunOptions, evaluate, generate};
use fretwise_instructor::{Generation, Instructor};

use crate::DbArgs;
use crate::ask::{LlmArgs, index_dir, index_options};
use crate::config::Config;
use crate::output::{Bar, print_json};

/// What answers the benchmark's questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendArg {
    /// The grounded composer: lesson passages and the theory engine, no model.
    Grounded,
    /// The model given with --llm, with retrieval (passages, engine facts, fact-check).
    Llm,
    /// The model given with --llm alone: the question only, no passages or engine facts.
    LlmAlone,
}

/// `fretwise eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// What answers: grounded, llm (with retrieval) or llm-alone.
    #[arg(long, value_enum, default_value_t = BackendArg::Grounded)]
    pub backend: BackendArg,
    /// Item seed; it also picks the export split whose test lessons grounded items come from
    /// (the same split as `fretwise export --seed`).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Only these categories (comma-separated): theory, fretboard, tab, grounded, style,
    /// safety, progression, feedback.
    #[arg(long, value_delimiter = ',')]
    pub categories: Vec<String>,
    /// At most N items per category (a quick run of a slow model).
    #[arg(long, value_name = "N")]
    pub per_category: Option<usize>,
    /// Also print why each failed tuning item failed (held-out items never say).
    #[arg(long)]
    pub failures: bool,
    /// Write the report as JSON to this file too.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Index folder.
    #[arg(long, env = "FRETWISE_INDEX")]
    pub index: Option<PathBuf>,
    #[command(flatten)]
    pub model: LlmArgs,
    #[command(flatten)]
    pub db: DbArgs,
    /// Print the report as one JSON object.
    #[arg(long)]
    pub json: bool,
}

pub async fn eval(cfg: &Config, args: EvalArgs) -> anyhow::Result<()> {
    let only = args
        .categories
        .iter()
        .filter(|c| !c.trim().is_empty())
        .map(|c| Category::parse(c))
        .collect::<Result<Vec<_>, _>>()
        .context("--categories")?;
    let llm =
        match args.backend {
            BackendArg::Grounded => None,
            _ => Some(args.model.load(cfg).await?.context(
                "--backend llm and llm-alone need a model: give --llm URL or local:PATH",
            )?),
        };
    let catalog = crate::commands::open(cfg, args.db.db.clone()).await?;
    let dir = index_dir(cfg, args.index.clone(), &catalog);
    let bar = Bar::new("index", args.json);
    let instructor = Instructor::open_with(&catalog, &dir, &index_options(cfg, None), &bar)
        .await
        .context("opening the instructor")?;
    bar.finish();
    let ctx = Context::load(&catalog, instructor.ontology().clone(), args.seed)
        .await
        .context("reading the held-out lessons")?;
    let sizes = args.per_category.map_or_else(Sizes::default, Sizes::capped);
    let items = generate(&ctx, args.seed, &sizes, &only);
    anyhow::ensure!(
        !items.is_empty(),
        "no items: the catalog has nothing to ask about"
    );
    let backend = match &llm {
        None => Backend::Grounded,
        Some(m) => Backend::Model {
            llm: m.as_ref(),
            retrieval: args.backend == BackendArg::Llm,
            generation: Generation {
                max_tokens: args.model.llm_max_tokens.max(1),
                ..Generation::default()
            },
        },
    };
    let bar = Bar::new("eval", args.json);
    bar.set_len(items.len() as u64);
    let progress = |_: usize, _: usize| bar.inc(1);
    let results = evaluate(
        &instructor,
        &catalog,
        &ctx,
        &items,
        &backend,
        &RunOptions {
            progress: Some(&progress),
        },
    )
    .await;
    bar.finish();
    catalog.close().await;
    let mut report = Report::new(&backend.name(), args.seed, &results);
    if let Some(path) = &args.out {
        let text = serde_json::to_string_pretty(&report)?;
        // Only a report this command wrote before is replaced.
        crate::learn::save_file(path, text.as_bytes(), |old| {
            old.contains("\"citation_precision\"") && old.contains("\"categories\"")
        })?;
    }
    if !args.failures {
        report.tuning_failures.clear();
    }
    if args.json {
        return print_json(&report);
    }
    print!("{}", report.markdown());
    for f in &report.tuning_failures {
        println!("  {f}");
    }
    Ok(())
}
