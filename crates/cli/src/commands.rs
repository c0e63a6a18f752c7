//! Command implementations: parse options, call the library crates, print results.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Args;
use fretwise_catalog::{Catalog, CatalogError, OpenMode};
use fretwise_corpus::CorpusOptions;
use fretwise_ingest::{IngestOptions, IngestReport, MysqlSource};
use fretwise_lexicon::{Lexicon, TermMatcher};
use fretwise_transcript::ReadOptions;

use crate::config::Config;
use crate::output::{Bar, print_json};

/// `fretwise ingest` options.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Transcript files, folders, manifest.csv/manifest.json, or mysql://user:pass@host/db
    #[arg(required = true)]
    sources: Vec<String>,
    #[command(flatten)]
    db: crate::DbArgs,
    /// Print one JSON object: ingested, unchanged, replaced, duplicates, quarantined, flagged.
    #[arg(long)]
    json: bool,
    /// Largest transcript accepted, in bytes (default 64 MiB).
    #[arg(long, env = "FRETWISE_MAX_BYTES")]
    max_bytes: Option<u64>,
    /// Extra lexicon file merged over the built-in one.
    #[arg(long, env = "FRETWISE_LEXICON")]
    lexicon: Option<PathBuf>,
    /// Platform storage folder, for transcript.json files beside transcript_path.
    #[arg(long, env = "FRETWISE_STORAGE_ROOT")]
    storage_root: Option<PathBuf>,
    /// The platform's video URL with `{video}` where a segment's `video` name goes
    /// (https://videos.example.com/{video}); citations then open the lesson's video.
    #[arg(long, env = "FRETWISE_VIDEO_URL_TEMPLATE")]
    video_url_template: Option<String>,
    /// Re-process inputs even when unchanged.
    #[arg(long)]
    force: bool,
    /// Lessons per transaction.
    #[arg(long, default_value_t = 256)]
    chunk_size: usize,
    /// Do not update the knowledge base afterwards (run `fretwise knowledge rebuild` later).
    #[arg(long)]
    no_knowledge: bool,
    /// Do not analyse the lessons' recordings (`audio_path`): no demonstrations, no SNR.
    #[arg(long)]
    no_audio: bool,
}

fn matcher(lexicon: Option<&Path>) -> anyhow::Result<TermMatcher> {
    let mut lex = Lexicon::builtin();
    if let Some(path) = lexicon {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading lexicon {}", path.display()))?;
        lex.merge_text(&text)
            .with_context(|| format!("lexicon {}", path.display()))?;
    }
    Ok(TermMatcher::new(lex)?)
}

/// Opens the existing catalog the flag, environment or config file names (commands that read).
pub(crate) async fn open(cfg: &Config, db: Option<String>) -> anyhow::Result<Catalog> {
    open_with(cfg, db, OpenMode::Existing).await
}

/// Opens the catalog, creating a missing SQLite file (commands that write).
pub(crate) async fn open_for_writing(cfg: &Config, db: Option<String>) -> anyhow::Result<Catalog> {
    open_with(cfg, db, OpenMode::Create).await
}

async fn open_with(cfg: &Config, db: Option<String>, mode: OpenMode) -> anyhow::Result<Catalog> {
    let url = cfg.db(db);
    match Catalog::open_with(&url, mode).await {
        Ok(c) => Ok(c),
        Err(e @ CatalogError::Missing(_)) => {
            bail!("{e}; run `fretwise ingest` first or pass --db")
        }
        Err(
            e @ (CatalogError::NoPath(_)
            | CatalogError::NoFolder { .. }
            | CatalogError::Unreachable { .. }
            | CatalogError::NotSqlite { .. }),
        ) => Err(e.into()),
        // The location, not the URL: a URL may carry a password.
        Err(e) => Err(e).with_context(|| {
            format!(
                "opening catalog {}",
                fretwise_catalog::catalog_location(&url)
            )
        }),
    }
}

/// The knowledge base's per-lesson analysis, run by ingest on each lesson it stores.
pub fn knowledge_analysis() -> Arc<dyn fretwise_catalog::LessonAnalysis> {
    Arc::new(fretwise_knowledge::LessonAnalyzer::builtin())
}

pub async fn ingest(cfg: &Config, args: IngestArgs) -> anyhow::Result<()> {
    let catalog = open_for_writing(cfg, args.db.db.clone()).await?;
    let mut read = ReadOptions::default();
    if let Some(m) = args.max_bytes.or(cfg.max_bytes) {
        read.max_bytes = m;
    }
    let lexicon = args.lexicon.clone().or(cfg.lexicon.clone());
    // The search index is built from the lessons as they are stored (finished beside the
    // knowledge base below).
    let ingest_index = if args.no_knowledge {
        None
    } else {
        let dir = crate::ask::index_dir(cfg, None, &catalog);
        Some(crate::ask::IngestIndex::open(&dir)?)
    };
    let options = IngestOptions {
        read,
        chunk_size: args.chunk_size,
        matcher: Arc::new(matcher(lexicon.as_deref())?),
        force: args.force,
        analysis: (!args.no_knowledge).then(knowledge_analysis),
        sink: ingest_index.as_ref().map(crate::ask::IngestIndex::sink),
    };
    let bar = Bar::new("ingest", args.json);
    let (db_sources, paths): (Vec<_>, Vec<_>) = args
        .sources
        .iter()
        .partition(|s| s.starts_with("mysql://") || s.starts_with("mariadb://"));
    let mut report = IngestReport::default();
    if !paths.is_empty() {
        let paths: Vec<PathBuf> = paths.into_iter().map(PathBuf::from).collect();
        let found = fretwise_ingest::discover_sources(&paths)?;
        let mut r =
            fretwise_ingest::ingest_items(&catalog, found.items, found.rejected, &options, &bar)
                .await?;
        r.skipped_links = found.skipped_links;
        merge(&mut report, r);
    }
    for url in db_sources {
        let url = url.replacen("mariadb://", "mysql://", 1);
        let storage = args.storage_root.clone().or(cfg.storage_root.clone());
        let mut source = MysqlSource::connect(&url, storage)
            .await
            .context("connecting to the platform database")?;
        if let Some(t) = args
            .video_url_template
            .as_ref()
            .or(cfg.video_url_template.as_ref())
        {
            source = source.with_video_url_template(t)?;
        }
        let r = fretwise_ingest::ingest_mysql(&catalog, source, &options, &bar).await?;
        merge(&mut report, r);
    }
    bar.finish();
    // Recordings after transcripts: the words say where the instructor may be playing.
    let audio = if args.no_audio {
        None
    } else {
        let bar = Bar::new("audio", args.json);
        let a = fretwise_ingest::analyse_lesson_audio(&catalog, &bar).await?;
        bar.finish();
        Some(a)
    };
    // The knowledge base and the search index follow the catalog (built side by side).
    let (knowledge, index) = match ingest_index {
        None => (None, None),
        Some(ingest_index) => {
            let (k, i) =
                crate::ask::refresh_after_ingest(&catalog, ingest_index, args.json).await?;
            (Some(k), Some(i))
        }
    };
    catalog.close().await;
    if args.json {
        let mut v = serde_json::to_value(&report)?;
        if let (Some(obj), Some(k)) = (v.as_object_mut(), &knowledge) {
            obj.insert("knowledge".into(), serde_json::to_value(k)?);
        }
        if let (Some(obj), Some(i)) = (v.as_object_mut(), &index) {
            obj.insert("index".into(), serde_json::to_value(i)?);
        }
        if let (Some(obj), Some(a)) = (v.as_object_mut(), &audio) {
            obj.insert("audio".into(), serde_json::to_value(a)?);
        }
        print_json(&v)
    } else {
        print_report(&report);
        if let Some(a) = audio.as_ref().filter(|a| a.with_audio > 0 || a.removed > 0) {
            println!(
                "audio: {} recordings analysed ({:.0} s, {} demonstrations), {} unchanged, {} failed, {} stale analyses removed",
                a.analysed,
                a.audio_s,
                a.demonstrations,
                a.unchanged,
                a.failed.len(),
                a.removed
            );
            for f in &a.failed {
                println!("  {}: {}: {}", f.lesson_id, f.path, f.reason);
            }
        }
        if report.knowledge_analyzed > 0 {
            println!(
                "knowledge: {} lessons analysed while they were ingested",
                report.knowledge_analyzed
            );
        }
        if let Some(k) = &knowledge {
            crate::knowledge::print_rebuild(k);
        }
        if let Some(i) = &index {
            println!(
                "search index: {} lessons, {} passages ({} indexed) in {:.1} s{}",
                i.lessons,
                i.passages,
                i.added,
                i.seconds,
                near_duplicates_note(i.near_duplicates)
            );
        }
        Ok(())
    }
}

/// "; N near-duplicate copies left out" when the index left any out.
fn near_duplicates_note(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => "; 1 near-duplicate transcript of an indexed lesson left out".to_string(),
        n => format!("; {n} near-duplicate transcripts of indexed lessons left out"),
    }
}

fn merge(total: &mut IngestReport, r: IngestReport) {
    total.ingested += r.ingested;
    total.unchanged += r.unchanged;
    total.replaced += r.replaced;
    total.duplicates += r.duplicates;
    total.skipped_no_transcript += r.skipped_no_transcript;
    total.quarantined.extend(r.quarantined);
    total.flagged.extend(r.flagged);
    total.skipped_links.extend(r.skipped_links);
    total.knowledge_analyzed += r.knowledge_analyzed;
}

fn print_report(r: &IngestReport) {
    println!(
        "ingested {}  unchanged {}  replaced {}  exact duplicates {}  flagged {}  quarantined {}",
        r.ingested,
        r.unchanged,
        r.replaced,
        r.duplicates,
        r.flagged.len(),
        r.quarantined.len()
    );
    if r.skipped_no_transcript > 0 {
        println!(
            "{} database lessons have no transcript yet",
            r.skipped_no_transcript
        );
    }
    for l in &r.skipped_links {
        println!("  skipped link {}: {}", l.path, l.reason);
    }
    for q in r.quarantined.iter().take(20) {
        println!("  quarantined {}: {}", q.source, q.reason);
    }
    if r.quarantined.len() > 20 {
        println!(
            "  … and {} more (fretwise quarantine list)",
            r.quarantined.len() - 20
        );
    }
    for f in r.flagged.iter().take(10) {
        println!("  flagged {}: {}", f.lesson_id, f.flags.join(", "));
    }
    if r.flagged.len() > 10 {
        println!(
            "  … and {} more (fretwise lessons list)",
            r.flagged.len() - 10
        );
    }
}

pub async fn quickstart(
    cfg: &Config,
    corpus: &Path,
    instructors: usize,
    lessons: usize,
    db: Option<String>,
    json: bool,
) -> anyhow::Result<()> {
    let manifest = corpus.join("manifest.csv");
    if !manifest.is_file() {
        if !json {
            println!(
                "Generating the synthetic sample corpus ({lessons} lessons by {instructors} fictional instructors) in {} …",
                corpus.display()
            );
        }
        let opts = CorpusOptions {
            instructors,
            lessons,
            seed: 42,
            bad_rate: 0.02,
            audio: None,
        };
        // Generated quietly: the summary below is the human text, `--json` the one object.
        let summary = fretwise_corpus::generate(corpus, &opts)?;
        if !json {
            println!(
                "wrote {} synthetic lessons ({} deliberately bad files) to {}",
                summary.lessons,
                summary.bad_files,
                summary.out.display()
            );
        }
    }
    let catalog = open_for_writing(cfg, db).await?;
    let bar = Bar::new("ingest", json);
    let (items, rejected) = fretwise_ingest::discover(&[corpus.to_path_buf()])?;
    let dir = crate::ask::index_dir(cfg, None, &catalog);
    let ingest_index = crate::ask::IngestIndex::open(&dir)?;
    let options = IngestOptions {
        analysis: Some(knowledge_analysis()),
        sink: Some(ingest_index.sink()),
        ..IngestOptions::default()
    };
    let report = fretwise_ingest::ingest_items(&catalog, items, rejected, &options, &bar).await?;
    bar.finish();
    let (knowledge, index) = crate::ask::refresh_after_ingest(&catalog, ingest_index, json).await?;
    let stats = catalog.stats().await?;
    let url = catalog.url().to_string();
    let location = catalog.location();
    catalog.close().await;
    if json {
        return print_json(
            &serde_json::json!({"catalog": url, "ingest": report, "stats": stats, "knowledge": knowledge, "index": index}),
        );
    }
    print_report(&report);
    crate::knowledge::print_rebuild(&knowledge);
    println!(
        "search index: {} lessons, {} passages in {:.1} s{}",
        index.lessons,
        index.passages,
        index.seconds,
        near_duplicates_note(index.near_duplicates)
    );
    println!();
    print_stats(&stats);
    println!(
        "\nCatalog: {location}\nNext: fretwise ask \"How do I play a barre chord?\" · fretwise lessons list · fretwise profiles · fretwise patterns ID · fretwise concepts related ID · fretwise quarantine list"
    );
    Ok(())
}

pub async fn lessons_list(
    cfg: &Config,
    db: Option<String>,
    json: bool,
    trainable: bool,
) -> anyhow::Result<()> {
    let catalog = open(cfg, db).await?;
    let mut lessons = catalog.lessons().await?;
    catalog.close().await;
    if trainable {
        lessons.retain(|l| l.trainable);
    }
    if json {
        return print_json(&lessons);
    }
    // Ids are never cut (`lessons show ID` needs them whole): the column is as wide as the
    // longest one; titles and instructors may be shortened.
    let id_width = lessons
        .iter()
        .map(|l| l.id.chars().count())
        .max()
        .unwrap_or(0)
        .max(2);
    println!(
        "{:<id_width$} {:>6} {:>5}  {:<28} {:<22} flags",
        "id", "score", "train", "title", "instructor"
    );
    for l in &lessons {
        let mut flags = l.flags.join(",");
        if let Some(d) = &l.duplicate_of {
            flags = format!("duplicate of {d} {flags}");
        }
        println!(
            "{:<id_width$} {:>6.3} {:>5}  {:<28} {:<22} {}",
            l.id,
            l.quality_score,
            if l.trainable { "yes" } else { "no" },
            truncate(l.title.as_deref().unwrap_or("-"), 28),
            truncate(l.instructor.as_deref().unwrap_or("-"), 22),
            flags
        );
    }
    println!("{} lessons", lessons.len());
    Ok(())
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

pub async fn lessons_show(
    cfg: &Config,
    db: Option<String>,
    id: &str,
    json: bool,
) -> anyhow::Result<()> {
    let catalog = open(cfg, db).await?;
    let lesson = catalog.lesson(id).await?;
    let audio = catalog.lesson_audio(&lesson.summary.id).await?;
    catalog.close().await;
    if json {
        let mut v = serde_json::to_value(&lesson)?;
        if let (Some(obj), Some(row)) = (v.as_object_mut(), &audio) {
            let quality: serde_json::Value = serde_json::from_str(&row.quality)?;
            obj.insert(
                "audio".into(),
                serde_json::json!({
                    "quality": quality,
                    "flags": fretwise_quality::recording_flags(&row.recording_quality()),
                    "demonstrations": crate::demos::decode(row)?,
                }),
            );
        }
        return print_json(&v);
    }
    let s = &lesson.summary;
    println!("{}  {}", s.id, s.title.as_deref().unwrap_or("(untitled)"));
    println!("source      {}", s.source);
    println!("instructor  {}", s.instructor.as_deref().unwrap_or("-"));
    println!("course      {}", s.course.as_deref().unwrap_or("-"));
    println!(
        "level/style {} / {}",
        s.level.as_deref().unwrap_or("-"),
        s.style.as_deref().unwrap_or("-")
    );
    println!(
        "quality     {:.3} ({})",
        s.quality_score,
        if s.trainable {
            "trainable"
        } else {
            "not trainable"
        }
    );
    if let Some(d) = &s.duplicate_of {
        println!("duplicate   of {d}");
    }
    if let Some(v) = &lesson.video_url {
        println!("video       {v}");
    }
    for f in &lesson.flag_details {
        println!(
            "flag        {} [{:?}] {}",
            f.code.as_str(),
            f.severity,
            f.detail
        );
    }
    println!(
        "words       {} in {} utterances, {:.1} s",
        s.word_count,
        lesson.utterances.len(),
        s.duration_s
    );
    let mut terms: Vec<&str> = lesson.terms.iter().map(|t| t.term.as_str()).collect();
    terms.sort_unstable();
    terms.dedup();
    println!("terms       {}", terms.join(", "));
    if let Some(row) = &audio {
        crate::demos::print_audio(row, false)?;
    } else if let Some(p) = &lesson.audio_path {
        println!("audio       {p} (not analysed yet)");
    }
    println!();
    for u in lesson.utterances.iter().take(12) {
        println!("[{:>7.2}–{:>7.2}] {}", u.start, u.end, u.text);
    }
    if lesson.utterances.len() > 12 {
        println!(
            "… {} more utterances (--json for everything)",
            lesson.utterances.len() - 12
        );
    }
    Ok(())
}

fn print_stats(s: &fretwise_catalog::CatalogStats) {
    println!(
        "lessons      {} ({} trainable, {} flagged, {} exact duplicates)",
        s.lessons, s.trainable, s.flagged, s.duplicates
    );
    println!("instructors  {}   courses {}", s.instructors, s.courses);
    println!(
        "speech       {} utterances, {} words, {:.1} h",
        s.utterances, s.words, s.hours
    );
    println!("quality      mean {:.3}", s.mean_quality);
    if s.recordings.analysed > 0 {
        println!(
            "recordings   {} analysed, mean SNR {:.1} dB, {} demonstrations",
            s.recordings.analysed, s.recordings.mean_snr_db, s.recordings.demonstrations
        );
    }
    println!("quarantined  {}", s.quarantined);
    let max = s
        .terms_by_category
        .iter()
        .map(|(_, n)| *n)
        .max()
        .unwrap_or(1)
        .max(1);
    println!("terms        {} occurrences", s.term_occurrences);
    for (cat, n) in &s.terms_by_category {
        let bar = "█".repeat(((*n as f64 / max as f64) * 30.0).ceil() as usize);
        println!("  {cat:<20} {n:>8} {bar}");
    }
    for (code, n) in &s.flags_by_code {
        println!("  flag {code:<26} {n}");
    }
}

pub async fn catalog_stats(cfg: &Config, db: Option<String>, json: bool) -> anyhow::Result<()> {
    let catalog = open(cfg, db).await?;
    let stats = catalog.stats().await?;
    catalog.close().await;
    if json {
        return print_json(&stats);
    }
    print_stats(&stats);
    Ok(())
}

pub async fn quarantine_list(cfg: &Config, db: Option<String>, json: bool) -> anyhow::Result<()> {
    let catalog = open(cfg, db).await?;
    let entries = catalog.quarantined().await?;
    catalog.close().await;
    if json {
        return print_json(&entries);
    }
    for e in &entries {
        println!("{}\n    {}", e.source, e.reason);
    }
    println!("{} quarantined", entries.len());
    Ok(())
}

pub fn sample_corpus(
    out: &Path,
    instructors: usize,
    lessons: usize,
    seed: u64,
    bad_rate: f64,
    audio: Option<fretwise_corpus::Font>,
    json: bool,
) -> anyhow::Result<()> {
    let opts = CorpusOptions {
        instructors,
        lessons,
        seed,
        bad_rate,
        audio,
    };
    let bar = Bar::new("generate", json);
    bar.set_len(lessons as u64);
    let summary = fretwise_corpus::generate_with_progress(out, &opts, &|n| bar.inc(n as u64))?;
    bar.finish();
    if json {
        return print_json(&summary);
    }
    println!(
        "wrote {} synthetic lessons by {} fictional instructors ({} deliberately bad files) to {}\nmanifest: {}",
        summary.lessons,
        summary.instructors,
        summary.bad_files,
        summary.out.display(),
        summary.manifest.display()
    );
    if opts.audio.is_some() {
        println!(
            "audio: {} lessons with audio under {}, their truth under {}",
            summary.with_audio,
            summary.out.join("audio").display(),
            summary.out.join("truth").display()
        );
    }
    Ok(())
}

pub fn terms(
    _cfg: &Config,
    text: &str,
    lexicon: Option<PathBuf>,
    json: bool,
) -> anyhow::Result<()> {
    if text.len() > 1_000_000 {
        bail!("text is over 1 MB; ingest it as a transcript instead");
    }
    let m = matcher(lexicon.as_deref())?;
    let found = m.find_in_text(text);
    if json {
        return print_json(&found);
    }
    for o in &found {
        println!("{:<24} {:<20} \"{}\"", o.term, o.category.as_str(), o.text);
    }
    Ok(())
}
