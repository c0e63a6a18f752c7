//! `fretwise`: turns a guitar-lesson library into an AI guitar instructor.
//!
//! This binary only parses arguments and wires the library crates together.

mod analyze;
mod ask;
mod bench;
mod commands;
mod concepts;
mod config;
mod demos;
mod eval;
mod export;
mod knowledge;
mod learn;
mod output;
mod profiles;
mod serve;
mod stream;
mod theory;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// fretwise turns a guitar-lesson video library into an AI guitar instructor: it ingests lesson
/// transcripts into a catalog, builds a knowledge base of what each lesson teaches, knows music
/// theory exactly, listens to recorded playing, and answers students' questions from the lessons.
#[derive(Debug, Parser)]
#[command(name = "fretwise", version, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Options shared by every command that touches the catalog.
#[derive(Debug, Clone, Args)]
pub(crate) struct DbArgs {
    /// Catalog database: sqlite://PATH (default ./fretwise.db) or postgres://…
    #[arg(long, env = "FRETWISE_DB", global = true)]
    pub(crate) db: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Main job on the embedded default: generate the sample corpus and ingest it into ./fretwise.db
    Quickstart {
        /// Where to write the sample corpus.
        #[arg(long, default_value = "sample-corpus")]
        corpus: PathBuf,
        /// Fictional instructors in the sample corpus.
        #[arg(long, default_value_t = 12)]
        instructors: usize,
        /// Lessons in the sample corpus.
        #[arg(long, default_value_t = 240)]
        lessons: usize,
        #[command(flatten)]
        db: DbArgs,
        /// Print one JSON object instead of a summary.
        #[arg(long)]
        json: bool,
    },
    /// Run the HTTP service (API, docs, metrics); builds the sample corpus first on an empty catalog
    Serve(serve::ServeArgs),
    /// API keys for the HTTP service
    Keys {
        #[command(subcommand)]
        command: serve::KeysCommand,
    },
    /// Ask the instructor: an answer grounded in the lessons, with timestamped citations
    Ask(ask::AskArgs),
    /// The guitar-instruction benchmark: theory, fretboard, tab, grounded, style, safety,
    /// progression and feedback items, scored per category (docs/EVAL.md)
    Eval(eval::EvalArgs),
    /// The lesson search index behind `ask` (kept up to date by ingest)
    Index {
        #[command(subcommand)]
        command: ask::IndexCommand,
    },
    /// Ingest transcripts: files, folders, manifests (CSV/JSON), or the platform DB (mysql://…)
    Ingest(commands::IngestArgs),
    /// Browse ingested lessons
    Lessons {
        #[command(subcommand)]
        command: LessonsCommand,
    },
    /// Catalog-wide figures
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// Inputs that were rejected, with reasons
    Quarantine {
        #[command(subcommand)]
        command: QuarantineCommand,
    },
    /// Generate the synthetic sample corpus (fictional instructors, platform format)
    SampleCorpus {
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// Number of fictional instructors.
        #[arg(long, default_value_t = 12)]
        instructors: usize,
        /// Number of lessons.
        #[arg(long, default_value_t = 240)]
        lessons: usize,
        /// Seed (same seed, same bytes).
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Share of deliberately bad files (hallucinated, empty, truncated).
        #[arg(long, default_value_t = 0.02)]
        bad_rate: f64,
        /// Also write each lesson's audio (speech, playing through a SoundFont, room noise)
        /// and its truth (demonstrations, notes, keys, tempos, SNR) under `audio/` and `truth/`.
        #[arg(long)]
        audio: bool,
        /// The SoundFont the playing is rendered through (default: FRETWISE_SOUNDFONT, then
        /// Debian's FluidR3_GM or TimGM6mb).
        #[arg(long, requires = "audio")]
        soundfont: Option<PathBuf>,
        /// Print one JSON object instead of a summary.
        #[arg(long)]
        json: bool,
    },
    /// What the instructor plays in a lesson (demonstrations found in its recording)
    Demos(demos::DemosArgs),
    /// Find guitar terms in a sentence (what ingest would tag)
    Terms {
        /// The text to scan.
        text: String,
        /// Extra lexicon file merged over the built-in one.
        #[arg(long, env = "FRETWISE_LEXICON")]
        lexicon: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Export training data: Hugging Face Parquet, OpenAI, LangChain, conversational, multimodal, Alpaca, ShareGPT
    Export(export::ExportArgs),
    /// Inspect an export
    Dataset {
        #[command(subcommand)]
        command: export::DatasetCommand,
    },
    /// Instructor expertise profiles (styles, concepts, teaching characteristics, evidence)
    Profiles {
        /// Only this instructor id.
        #[arg(long)]
        instructor: Option<String>,
        #[command(flatten)]
        db: DbArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The knowledge base stored in the catalog (rebuilt incrementally after every ingest)
    Knowledge {
        #[command(subcommand)]
        command: KnowledgeCommand,
    },
    /// A lesson's teaching patterns: sentence timeline with teaching moves, lesson structure
    Patterns {
        /// Lesson id.
        id: String,
        #[command(flatten)]
        db: DbArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The concept ontology and graph: list, show, related, lessons, path, export
    Concepts {
        #[command(subcommand)]
        command: concepts::ConceptsCommand,
    },
    /// Students: create, show (skills with uncertainty, due practice, history, plan), list,
    /// self-reports, instructor matching
    Student {
        #[command(subcommand)]
        command: learn::StudentCommand,
    },
    /// What to practise next: level-appropriate exercises with the lessons that teach them
    Practice(learn::PracticeArgs),
    /// A lesson plan towards a goal: days of exercises along the prerequisites, with lessons
    Plan(learn::PlanArgs),
    /// Analyse a recording of guitar playing: pitch track, notes, onsets, tuning, features
    Analyze(analyze::AnalyzeArgs),
    /// Live analysis of raw mono audio on standard input: a tuner or practice-mode notes, one
    /// JSON line per reading (e.g. `arecord -f FLOAT_LE -c 1 -r 44100 | fretwise stream`)
    Stream(stream::StreamArgs),
    /// Music theory: chords, scales, intervals, keys, voicings, fretboard, tab (or --batch)
    Theory(theory::TheoryArgs),
    /// Measure throughput (see docs/PERFORMANCE.md)
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

#[derive(Debug, Subcommand)]
enum LessonsCommand {
    /// One line per lesson
    List {
        #[command(flatten)]
        db: DbArgs,
        /// Print a JSON array.
        #[arg(long)]
        json: bool,
        /// Only lessons usable for training.
        #[arg(long)]
        trainable: bool,
    },
    /// Everything stored about one lesson
    Show {
        /// Lesson id.
        id: String,
        #[command(flatten)]
        db: DbArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum KnowledgeCommand {
    /// Bring concepts, teaching patterns, profiles and the concept graph up to date
    Rebuild {
        /// Recompute everything, not only what changed.
        #[arg(long)]
        full: bool,
        #[command(flatten)]
        db: DbArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum CatalogCommand {
    /// Totals, quality and terminology counts
    Stats {
        #[command(flatten)]
        db: DbArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum QuarantineCommand {
    /// Rejected inputs and why
    List {
        #[command(flatten)]
        db: DbArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

// Ingest, export and the service allocate many short strings and rows on every thread; glibc's
// allocator spent about a sixth of an ingest run in malloc and free (perf, session 16).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // Behave like other Unix tools when the reader of stdout goes away (`fretwise … | head`).
    #[cfg(unix)]
    // SAFETY: resetting SIGPIPE to its default before any thread starts is sound.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    // The service logs every request as one JSON line; commands log warnings only, as text.
    let serving = matches!(cli.command, Command::Serve(_));
    let filter = tracing_subscriber::EnvFilter::try_from_env("FRETWISE_LOG").unwrap_or_else(|_| {
        // Commands report their own errors in words; libraries' logs (sqlx retrying a file
        // that is not a database, symphonia probing a text file) stay off stderr unless
        // FRETWISE_LOG asks for them. The service logs every request; sqlx warns about every
        // statement over 1 s, and whole-catalog reads take longer.
        tracing_subscriber::EnvFilter::new(if serving {
            "warn,fretwise_server=info,sqlx::query=error"
        } else {
            "off,fretwise=warn"
        })
    });
    let log = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    if serving && std::env::var("FRETWISE_LOG_FORMAT").as_deref() != Ok("text") {
        log.json().init();
    } else {
        log.init();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli));
    // The command's work is done and committed. Dropping the runtime would wait for every
    // task to yield, and a database pool's maintenance task left behind can spin without
    // yielding (seen in CI: `fretwise ingest` finished its work, then hung at 100 % CPU in
    // sqlx's `try_acquire` while the runtime was dropped). Give tasks a moment, then exit.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let cfg = config::Config::load()?;
    match cli.command {
        Command::Quickstart {
            corpus,
            instructors,
            lessons,
            db,
            json,
        } => commands::quickstart(&cfg, &corpus, instructors, lessons, db.db, json).await,
        Command::Ingest(args) => commands::ingest(&cfg, args).await,
        Command::Serve(args) => serve::serve(&cfg, args).await,
        Command::Keys { command } => serve::keys(&cfg, command).await,
        Command::Ask(args) => ask::ask(&cfg, args).await,
        Command::Eval(args) => eval::eval(&cfg, args).await,
        Command::Index { command } => ask::index(&cfg, command).await,
        Command::Lessons { command } => match command {
            LessonsCommand::List {
                db,
                json,
                trainable,
            } => commands::lessons_list(&cfg, db.db, json, trainable).await,
            LessonsCommand::Show { id, db, json } => {
                commands::lessons_show(&cfg, db.db, &id, json).await
            }
        },
        Command::Catalog {
            command: CatalogCommand::Stats { db, json },
        } => commands::catalog_stats(&cfg, db.db, json).await,
        Command::Quarantine {
            command: QuarantineCommand::List { db, json },
        } => commands::quarantine_list(&cfg, db.db, json).await,
        Command::SampleCorpus {
            out,
            instructors,
            lessons,
            seed,
            bad_rate,
            audio,
            soundfont,
            json,
        } => {
            let font = match (audio, soundfont) {
                (false, _) => None,
                (true, Some(p)) => Some(fretwise_corpus::Font::load(&p)?),
                (true, None) => Some(fretwise_corpus::Font::find()?),
            };
            commands::sample_corpus(&out, instructors, lessons, seed, bad_rate, font, json)
        }
        Command::Terms {
            text,
            lexicon,
            json,
        } => commands::terms(&cfg, &text, lexicon.or(cfg.lexicon.clone()), json),
        Command::Theory(args) => theory::run(args),
        Command::Analyze(args) => analyze::run(&cfg, args).await,
        Command::Student { command } => learn::student(&cfg, command).await,
        Command::Practice(args) => learn::practice(&cfg, args).await,
        Command::Plan(args) => learn::plan(&cfg, args).await,
        Command::Stream(args) => stream::run(args),
        Command::Demos(args) => demos::run(&cfg, args).await,
        Command::Concepts { command } => concepts::run(&cfg, command).await,
        Command::Profiles {
            instructor,
            db,
            json,
        } => profiles::run(&cfg, db.db, instructor, json).await,
        Command::Knowledge {
            command: KnowledgeCommand::Rebuild { full, db, json },
        } => knowledge::rebuild_command(&cfg, db.db, full, json).await,
        Command::Patterns { id, db, json } => knowledge::patterns(&cfg, db.db, &id, json).await,
        Command::Export(args) => export::export(&cfg, args).await,
        Command::Dataset { command } => export::dataset(command),
        Command::Bench { command } => bench::run(command).await,
    }
}
