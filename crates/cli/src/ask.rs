//! `fretwise ask` and `fretwise index`: the instructor on the command line.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use fretwise_catalog::Catalog;
use fretwise_instructor::{
    Answer, AskOptions, IndexOptions, Instructor, Level, PassageIndex, compose::clock,
    default_index_dir,
};

use crate::DbArgs;
use crate::config::Config;
use crate::output::{Bar, print_json};

/// The model that writes answers (`ask` and `serve`).
#[derive(Debug, Clone, Args)]
pub struct LlmArgs {
    /// A model to write the answer: an OpenAI-compatible server URL (vLLM, llama.cpp,
    /// Ollama, OpenAI), an Anthropic URL or `anthropic:`, or `local:PATH` to a GGUF chat model
    /// run in-process. Without one (or when it fails) the grounded composer answers.
    #[arg(long, env = "FRETWISE_LLM", value_name = "URL|local:PATH")]
    pub llm: Option<String>,
    /// The model name the server knows (required for Anthropic).
    #[arg(long, env = "FRETWISE_LLM_MODEL", value_name = "MODEL")]
    pub llm_model: Option<String>,
    /// The server's API key.
    #[arg(
        long,
        env = "FRETWISE_LLM_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    pub llm_key: Option<String>,
    /// Most tokens the model may write.
    #[arg(long, default_value_t = 256, value_name = "N")]
    pub llm_max_tokens: usize,
}

impl LlmArgs {
    /// The model: flags and FRETWISE_LLM* (merged by clap) before fretwise.toml; None for
    /// the grounded composer.
    pub async fn load(
        &self,
        cfg: &Config,
    ) -> anyhow::Result<Option<Box<dyn fretwise_instructor::llm::Llm>>> {
        let spec = self.llm.clone().or_else(|| cfg.llm.clone());
        let Some(spec) = spec.filter(|s| !s.trim().is_empty()) else {
            return Ok(None);
        };
        let model = self.llm_model.clone().or_else(|| cfg.llm_model.clone());
        let key = self.llm_key.clone().or_else(|| cfg.llm_key.clone());
        // Loading a local model reads ~100 MB: off the async threads.
        let llm = tokio::task::spawn_blocking(move || {
            fretwise_instructor::llm::from_spec(&spec, model.as_deref(), key.as_deref())
        })
        .await
        .context("loading the model")?
        .context("--llm")?;
        Ok(Some(llm))
    }
}

/// `fretwise ask`.
#[derive(Debug, Args)]
pub struct AskArgs {
    /// The question, in plain words ("How do I bend a string?", "What's in a Bb7?").
    pub question: String,
    /// Your level: beginner, intermediate or advanced.
    #[arg(long)]
    pub level: Option<String>,
    /// Answer in this style (blues, jazz, rock …).
    #[arg(long)]
    pub style: Option<String>,
    /// Answer in this instructor's style (id or name).
    #[arg(long)]
    pub instructor: Option<String>,
    /// The student asking: their level and learning preferences shape the answer, and the
    /// question joins their history.
    #[arg(long)]
    pub student: Option<String>,
    /// Search index folder (default: beside a SQLite catalog, else in the cache folder).
    #[arg(long, env = "FRETWISE_INDEX")]
    pub index: Option<PathBuf>,
    /// all-MiniLM-L6-v2 folder (model.safetensors, tokenizer.json, config.json): retrieval
    /// fuses BM25 with dense retrieval; passages not embedded yet are embedded first.
    #[arg(long, env = "FRETWISE_EMBEDDINGS", value_name = "DIR")]
    pub embeddings: Option<PathBuf>,
    #[command(flatten)]
    pub model: LlmArgs,
    #[command(flatten)]
    pub db: DbArgs,
    /// Print the answer as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// `fretwise index …`.
#[derive(Debug, Subcommand)]
pub enum IndexCommand {
    /// Bring the search index in step with the catalog (ingest does this after every run)
    Update {
        /// Build it again from scratch.
        #[arg(long)]
        full: bool,
        /// Index folder.
        #[arg(long, env = "FRETWISE_INDEX")]
        index: Option<PathBuf>,
        /// all-MiniLM-L6-v2 folder: also embed the passages for dense retrieval (only new
        /// and changed lessons; all of them when the model changed).
        #[arg(long, env = "FRETWISE_EMBEDDINGS", value_name = "DIR")]
        embeddings: Option<PathBuf>,
        #[command(flatten)]
        db: DbArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Search the lesson passages directly
    Search {
        /// Words to search for.
        query: String,
        /// Passages to show.
        #[arg(long, default_value_t = 5)]
        limit: usize,
        /// Index folder.
        #[arg(long, env = "FRETWISE_INDEX")]
        index: Option<PathBuf>,
        #[command(flatten)]
        db: DbArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// The index folder: flag, else `FRETWISE_INDEX`, else `index` in fretwise.toml, else the
/// default for the catalog URL.
pub fn index_dir(cfg: &Config, flag: Option<PathBuf>, catalog: &Catalog) -> PathBuf {
    flag.or_else(|| std::env::var_os("FRETWISE_INDEX").map(PathBuf::from))
        .or_else(|| cfg.index.clone())
        .unwrap_or_else(|| default_index_dir(catalog.url()))
}

/// The embeddings model folder: flag, else `FRETWISE_EMBEDDINGS` (both through clap), else
/// `embeddings` in fretwise.toml; none turns dense retrieval off.
pub fn index_options(cfg: &Config, flag: Option<PathBuf>) -> IndexOptions {
    IndexOptions {
        embeddings: flag
            .or_else(|| cfg.embeddings.clone())
            .filter(|p| !p.as_os_str().is_empty()),
    }
}

/// The search index of an ingest: opened before it, fed the lessons as ingest stores them.
pub struct IngestIndex {
    index: PassageIndex,
    feed: std::sync::Arc<fretwise_instructor::IndexFeed>,
}

impl IngestIndex {
    /// Opens the index at `dir` and starts its feed.
    pub fn open(dir: &std::path::Path) -> anyhow::Result<Self> {
        let index = PassageIndex::open_with(dir, &IndexOptions::default())?;
        let feed = index.feed().context("starting the search index")?;
        Ok(Self { index, feed })
    }

    /// What ingest hands the stored lessons to.
    pub fn sink(&self) -> std::sync::Arc<dyn fretwise_catalog::LessonSink> {
        self.feed.clone()
    }
}

/// After an ingest: the knowledge base and the search index brought up to date together (with
/// progress bars unless `quiet`).
pub async fn refresh_after_ingest(
    catalog: &Catalog,
    ingest_index: IngestIndex,
    quiet: bool,
) -> anyhow::Result<(
    fretwise_knowledge::RebuildReport,
    fretwise_instructor::IndexReport,
)> {
    let IngestIndex { mut index, feed } = ingest_index;
    let fed = feed.finish().context("updating the search index")?;
    let knowledge_bar = std::sync::Arc::new(Bar::new("knowledge", quiet));
    let index_bar = Bar::new("index", quiet);
    let done = fretwise_instructor::refresh(
        catalog,
        &mut index,
        Some(fed),
        knowledge_bar.clone(),
        &index_bar,
    )
    .await;
    knowledge_bar.finish();
    index_bar.finish();
    Ok(done?)
}

/// Brings the index up to date (with a progress bar unless `quiet`); an embeddings model in
/// `opts` embeds the passages too.
pub async fn update_index_with(
    catalog: &Catalog,
    dir: &std::path::Path,
    opts: &IndexOptions,
    quiet: bool,
) -> anyhow::Result<fretwise_instructor::IndexReport> {
    let mut index = PassageIndex::open_with(dir, opts).context("--embeddings")?;
    let bar = Bar::new("index", quiet);
    let report = index
        .update(catalog, &bar)
        .await
        .context("updating the search index")?;
    bar.finish();
    Ok(report)
}

pub async fn ask(cfg: &Config, args: AskArgs) -> anyhow::Result<()> {
    let catalog = crate::commands::open(cfg, args.db.db.clone()).await?;
    let level = args.level.as_deref().map(Level::parse).transpose()?;
    let dir = index_dir(cfg, args.index.clone(), &catalog);
    let bar = Bar::new("index", args.json);
    let opts = index_options(cfg, args.embeddings.clone());
    let instructor = Instructor::open_with(&catalog, &dir, &opts, &bar)
        .await
        .context("opening the instructor")?;
    bar.finish();
    let mut opts = AskOptions {
        level,
        style: args.style.clone(),
        instructor: args.instructor.clone(),
        passages: 5,
        preferences: None,
    };
    if let Some(id) = &args.student {
        let s = fretwise_learner::load_student(&catalog, id).await?;
        if opts.level.is_none() {
            opts.level = Level::parse(&s.level_name).ok();
        }
        opts.preferences = Some(s.preferences.clone());
        let concepts: Vec<String> = instructor.understand(&args.question).concepts.clone();
        fretwise_learner::record_question(
            &catalog,
            &s.id,
            &args.question,
            &concepts,
            fretwise_learner::now_unix(),
        )
        .await?;
    }
    let Some(llm) = args.model.load(cfg).await? else {
        let mut answer = instructor.ask(&args.question, &opts)?;
        fretwise_instructor::link_videos(&catalog, &mut answer.citations).await?;
        if args.json {
            return print_json(&answer);
        }
        print_answer(&answer, false);
        return Ok(());
    };
    let limits = fretwise_instructor::Generation {
        max_tokens: args.model.llm_max_tokens.max(1),
        ..Default::default()
    };
    if args.json {
        let mut answer = instructor
            .ask_with_limits(&args.question, &opts, Some(llm.as_ref()), &limits, None)
            .await?;
        fretwise_instructor::link_videos(&catalog, &mut answer.citations).await?;
        return print_json(&answer);
    }
    // Text mode shows each checked sentence as soon as it is ready.
    let mut show = |piece: &str| {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(piece.as_bytes());
        let _ = out.flush();
    };
    let mut answer = instructor
        .ask_with_limits(
            &args.question,
            &opts,
            Some(llm.as_ref()),
            &limits,
            Some(&mut show),
        )
        .await?;
    fretwise_instructor::link_videos(&catalog, &mut answer.citations).await?;
    println!();
    print_answer(&answer, true);
    Ok(())
}

/// Prints an answer; `streamed` when its content is already on the screen.
fn print_answer(a: &Answer, streamed: bool) {
    if !streamed {
        println!("{}", a.content);
    }
    if !a.citations.is_empty() {
        println!("\nSources:");
        for (i, c) in a.citations.iter().enumerate() {
            let who = if c.instructor.is_empty() {
                String::new()
            } else {
                format!("{} — ", c.instructor)
            };
            let what = match (c.course.is_empty(), c.title.is_empty()) {
                (false, false) => format!("{} ({})", c.course, c.title),
                (false, true) => c.course.clone(),
                (true, false) => c.title.clone(),
                (true, true) => c.lesson_id.clone(),
            };
            println!(
                "  [{}] {who}{what}, {}–{}  ({})",
                i + 1,
                clock(c.start_s),
                clock(c.end_s),
                c.lesson_id
            );
            if let Some(v) = &c.video_url {
                println!("      video: {v}");
            }
        }
    }
    if let Some(s) = &a.instructor_style {
        println!("\nStyle: {} ({})", s.name, s.why);
    }
    if !a.fact_check.corrected.is_empty() {
        println!(
            "\nFact-check: corrected {} of {} musical claims.",
            a.fact_check.corrected.len(),
            a.fact_check.claims
        );
    }
    if a.backend != "grounded" {
        println!("\nWritten by {}.", a.backend);
    }
    if let Some(why) = &a.fallback {
        eprintln!("note: answered from the lessons without the model ({why})");
    }
}

pub async fn index(cfg: &Config, command: IndexCommand) -> anyhow::Result<()> {
    match command {
        IndexCommand::Update {
            full,
            index,
            embeddings,
            db,
            json,
        } => {
            let catalog = crate::commands::open(cfg, db.db).await?;
            let dir = index_dir(cfg, index, &catalog);
            if full {
                // Without its summary the index reads as outdated, and PassageIndex::open
                // rebuilds a folder it marked as its own.
                let summary = dir.join("summary.json");
                if summary.exists() {
                    std::fs::remove_file(&summary)
                        .with_context(|| format!("removing {}", summary.display()))?;
                }
            }
            let opts = index_options(cfg, embeddings);
            let report = update_index_with(&catalog, &dir, &opts, json).await?;
            catalog.close().await;
            if json {
                return print_json(&report);
            }
            println!(
                "index {}: {} lessons, {} passages ({} indexed, {} removed) in {:.1} s",
                dir.display(),
                report.lessons,
                report.passages,
                report.added,
                report.removed,
                report.seconds
            );
            if report.embedded > 0 {
                println!(
                    "embedded {} passages of {} lessons in {:.1} s ({:.0} passages/s)",
                    report.embedded_passages,
                    report.embedded,
                    report.embed_seconds,
                    report.embedded_passages as f64 / report.embed_seconds.max(1e-9)
                );
            }
            Ok(())
        }
        IndexCommand::Search {
            query,
            limit,
            index,
            db,
            json,
        } => {
            let catalog = crate::commands::open(cfg, db.db).await?;
            let dir = index_dir(cfg, index, &catalog);
            let instructor = Instructor::open(&catalog, &dir, &()).await?;
            catalog.close().await;
            let u = instructor.understand(&query);
            let hits = instructor.retrieve(
                &u,
                &AskOptions {
                    passages: limit,
                    preferences: None,
                    ..AskOptions::default()
                },
                None,
                None,
            )?;
            if json {
                return print_json(&hits);
            }
            for h in hits {
                println!(
                    "{:.2}  {} {}–{}  {}\n      {}",
                    h.score,
                    h.lesson_id,
                    clock(h.start_s),
                    clock(h.end_s),
                    h.instructor,
                    h.text
                );
            }
            Ok(())
        }
    }
}
