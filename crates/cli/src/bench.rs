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
    let BenchCommand::Ingest {
        lessons,
        instructors,
        db,
        corpus,
        json,
    } = cmd;
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
            },
        )?;
    }
    let generate_s = t0.elapsed().as_secs_f64();
    let db = db.unwrap_or_else(|| format!("sqlite://{}", tmp.path().join("bench.db").display()));
    let catalog = Catalog::open(&db).await?;
    let t1 = Instant::now();
    let (items, rejected) = fretwise_ingest::discover(std::slice::from_ref(&corpus_dir))?;
    let n = items.len() + rejected.len();
    let report =
        fretwise_ingest::ingest_items(&catalog, items, rejected, &IngestOptions::default(), &())
            .await?;
    let ingest_s = t1.elapsed().as_secs_f64();
    // What `fretwise ingest` does after the lessons are stored: the knowledge base, then the
    // instructor's search index.
    let tk = Instant::now();
    fretwise_knowledge::rebuild(&catalog, false, &fretwise_knowledge::NoProgress).await?;
    let knowledge_s = tk.elapsed().as_secs_f64();
    let ti = Instant::now();
    let index_dir = tmp.path().join("bench.index");
    let mut index = fretwise_instructor::PassageIndex::open(&index_dir)?;
    let indexed = index.update(&catalog, &()).await?;
    let index_s = ti.elapsed().as_secs_f64();
    let end_to_end_s = ingest_s + knowledge_s + index_s;
    let t2 = Instant::now();
    let (items, rejected) = fretwise_ingest::discover(&[corpus_dir])?;
    let rerun =
        fretwise_ingest::ingest_items(&catalog, items, rejected, &IngestOptions::default(), &())
            .await?;
    let rerun_s = t2.elapsed().as_secs_f64();
    catalog.close().await;
    let result = serde_json::json!({
        "lessons": n,
        "generate_s": generate_s,
        "ingest_s": ingest_s,
        "lessons_per_s": n as f64 / ingest_s,
        "knowledge_s": knowledge_s,
        "index_s": index_s,
        "index_passages": indexed.passages,
        "end_to_end_s": end_to_end_s,
        "end_to_end_lessons_per_s": n as f64 / end_to_end_s,
        "rerun_unchanged_s": rerun_s,
        "rerun_unchanged": rerun.unchanged,
        "ingested": report.ingested,
        "quarantined": report.quarantined.len(),
        "flagged": report.flagged.len(),
        "peak_rss_mib": peak_rss_mib(),
        "threads": rayon_threads(),
    });
    if json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        println!(
            "{n} lessons: generated in {generate_s:.2} s; ingested in {ingest_s:.2} s = {:.0} lessons/s \
             ({} stored, {} quarantined, {} flagged); knowledge {knowledge_s:.2} s; search index \
             {index_s:.2} s ({} passages); end to end {end_to_end_s:.2} s = {:.0} lessons/s; \
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

fn rayon_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}
