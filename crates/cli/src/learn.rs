//! `fretwise student`, `fretwise practice`, `fretwise plan`: the learner on the command line,
//! and recording a take for `fretwise analyze --student`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use fretwise_catalog::Catalog;
use fretwise_instructor::Instructor;
use fretwise_knowledge::Ontology;
use fretwise_learner::{self as learner, Evidence, NewStudent, Preferences};

use crate::DbArgs;
use crate::config::Config;
use crate::output::{Bar, print_json};

/// `fretwise student …`.
#[derive(Debug, Subcommand)]
pub enum StudentCommand {
    /// Add a student; prints their id
    Create {
        /// Name.
        #[arg(long)]
        name: String,
        /// beginner, intermediate or advanced.
        #[arg(long, default_value = "beginner")]
        level: String,
        /// Goals: concepts by id, name or alias (comma-separated or repeated).
        #[arg(long, value_delimiter = ',')]
        goals: Vec<String>,
        /// Styles they play (blues, rock …).
        #[arg(long, value_delimiter = ',')]
        styles: Vec<String>,
        /// How they like to learn: tab-first, theory-first or by-ear.
        #[arg(long)]
        learns: Option<String>,
        /// short or long explanations.
        #[arg(long)]
        explanations: Option<String>,
        /// Instructors they like (ids or names).
        #[arg(long, value_delimiter = ',')]
        instructors: Vec<String>,
        #[command(flatten)]
        db: DbArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// A student's skills (with uncertainty), due practice, history and plan
    Show {
        /// Student id.
        id: String,
        /// History entries to show.
        #[arg(long, default_value_t = 20)]
        history: i64,
        #[command(flatten)]
        db: DbArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Every student
    List {
        #[command(flatten)]
        db: DbArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Record how well the student thinks they play a concept (1 cannot … 5 easy), or a quiz
    /// answer on it (--quiz right|wrong)
    Report {
        /// Student id.
        id: String,
        /// Concept (id, name or alias).
        #[arg(long)]
        concept: String,
        /// 1 (cannot play it) to 5 (easy).
        #[arg(long, required_unless_present = "quiz", conflicts_with = "quiz")]
        confidence: Option<u8>,
        /// A quiz answer on the concept: right or wrong.
        #[arg(long, value_parser = ["right", "wrong"])]
        quiz: Option<String>,
        #[command(flatten)]
        db: DbArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Instructors ranked by fit for the student, with reasons
    Match {
        /// Student id.
        id: String,
        /// For this concept (id, name or alias).
        #[arg(long)]
        concept: Option<String>,
        /// Search index folder.
        #[arg(long, env = "FRETWISE_INDEX")]
        index: Option<PathBuf>,
        #[command(flatten)]
        db: DbArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `fretwise practice`.
#[derive(Debug, Args)]
pub struct PracticeArgs {
    /// The student (their skills, due items and goals decide).
    #[arg(long, conflicts_with = "level")]
    student: Option<String>,
    /// Without a student: beginner, intermediate or advanced.
    #[arg(long)]
    level: Option<String>,
    /// What you work on (concept id, name or alias).
    #[arg(long)]
    topic: Option<String>,
    /// How many suggestions (1–20).
    #[arg(long, default_value_t = 5)]
    limit: usize,
    /// Also write each exercise to DIR/ITEM.json (for `analyze --expected`) and DIR/ITEM.tab.
    #[arg(long, value_name = "DIR")]
    save: Option<PathBuf>,
    /// Search index folder.
    #[arg(long, env = "FRETWISE_INDEX")]
    index: Option<PathBuf>,
    #[command(flatten)]
    db: DbArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// `fretwise plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The student.
    #[arg(long)]
    student: String,
    /// The concept to reach (id, name or alias).
    #[arg(long)]
    goal: String,
    /// Weeks (1–52).
    #[arg(long, default_value_t = 4)]
    weeks: u32,
    /// Minutes of practice a day (5–240).
    #[arg(long, default_value_t = 20)]
    minutes_per_day: u32,
    /// Search index folder.
    #[arg(long, env = "FRETWISE_INDEX")]
    index: Option<PathBuf>,
    #[command(flatten)]
    db: DbArgs,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

async fn instructor(
    cfg: &Config,
    index: Option<PathBuf>,
    catalog: &Catalog,
) -> anyhow::Result<Instructor> {
    let dir = crate::ask::index_dir(cfg, index, catalog);
    let bar = Bar::new("index", false);
    let i = Instructor::open(catalog, &dir, &bar)
        .await
        .context("opening the lesson index")?;
    bar.finish();
    Ok(i)
}

fn level(s: &str) -> anyhow::Result<u8> {
    fretwise_knowledge::parse_level(s).map_err(|e| anyhow::anyhow!("--level: {e}"))
}

/// Runs `fretwise student …`.
pub async fn student(cfg: &Config, command: StudentCommand) -> anyhow::Result<()> {
    let ontology = Ontology::builtin();
    match command {
        StudentCommand::Create {
            name,
            level: lvl,
            goals,
            styles,
            learns,
            explanations,
            instructors,
            db,
            json,
        } => {
            let catalog = crate::commands::open_for_writing(cfg, db.db).await?;
            let new = NewStudent {
                name,
                level: level(&lvl)?,
                goals,
                preferences: Preferences {
                    styles,
                    approach: learns,
                    explanations,
                    instructors,
                },
            };
            let s = learner::create_student(&catalog, &ontology, &new).await?;
            catalog.close().await;
            if json {
                return print_json(&s);
            }
            println!("{}  {} ({})", s.id, s.name, s.level_name);
            Ok(())
        }
        StudentCommand::Show {
            id,
            history,
            db,
            json,
        } => {
            let catalog = crate::commands::open(cfg, db.db).await?;
            let v = learner::view(
                &catalog,
                &ontology,
                &id,
                history.clamp(0, 10_000),
                learner::now_unix(),
            )
            .await?;
            catalog.close().await;
            if json {
                return print_json(&v);
            }
            println!(
                "{}  {} ({})",
                v.student.id, v.student.name, v.student.level_name
            );
            if !v.student.goals.is_empty() {
                println!("goals: {}", v.student.goals.join(", "));
            }
            if v.skills.is_empty() {
                println!(
                    "skills: none measured yet (record a take with `fretwise analyze TAKE --expected EX.json --student {}`)",
                    v.student.id
                );
            } else {
                println!("skills (chance of playing the concept's exercise well, 90 % interval):");
                for s in &v.skills {
                    println!(
                        "  {:<22} {:>3.0} %  [{:>3.0}–{:>3.0} %]  {} take(s){}",
                        s.name,
                        100.0 * s.p_success,
                        100.0 * s.p_interval[0],
                        100.0 * s.p_interval[1],
                        s.evidence,
                        if s.mastered { "  mastered" } else { "" }
                    );
                }
            }
            if !v.due.is_empty() {
                let due: Vec<&str> = v.due.iter().map(|i| i.concept.as_str()).collect();
                println!("due now: {}", due.join(", "));
            }
            for h in v.history.iter().take(10) {
                println!(
                    "  {}  {:<11} {}",
                    h.at,
                    h.kind,
                    h.concept.as_deref().unwrap_or("")
                );
            }
            if let Some(p) = &v.plan {
                println!(
                    "plan: towards {} ({} week(s))",
                    p["goal_name"].as_str().unwrap_or("?"),
                    p["request"]["weeks"]
                );
            }
            Ok(())
        }
        StudentCommand::List { db, json } => {
            let catalog = crate::commands::open(cfg, db.db).await?;
            let all = learner::list_students(&catalog).await?;
            catalog.close().await;
            if json {
                return print_json(&all);
            }
            if all.is_empty() {
                println!("no students yet (fretwise student create --name NAME --level beginner)");
            }
            for s in all {
                println!("{}  {:<24} {}", s.id, s.name, s.level_name);
            }
            Ok(())
        }
        StudentCommand::Report {
            id,
            concept,
            confidence,
            quiz,
            db,
            json,
        } => {
            let evidence = match (confidence, quiz.as_deref()) {
                (Some(confidence), _) => Evidence::SelfReport { confidence },
                (None, Some(q)) => Evidence::Quiz {
                    correct: q == "right",
                },
                (None, None) => anyhow::bail!("give --confidence 1-5 or --quiz right|wrong"),
            };
            let catalog = crate::commands::open(cfg, db.db).await?;
            let est = learner::record_evidence(
                &catalog,
                &ontology,
                &id,
                &concept,
                evidence,
                learner::now_unix(),
            )
            .await?;
            catalog.close().await;
            if json {
                return print_json(&est);
            }
            println!(
                "recorded; estimated success now {:.0} % (± {:.2} logit)",
                100.0 * est.p_success(),
                est.sd
            );
            Ok(())
        }
        StudentCommand::Match {
            id,
            concept,
            index,
            db,
            json,
        } => {
            let catalog = crate::commands::open(cfg, db.db).await?;
            let s = learner::load_student(&catalog, &id).await?;
            let concept = concept
                .as_deref()
                .map(|c| learner::resolve(&ontology, "--concept", c))
                .transpose()?;
            let inst = instructor(cfg, index, &catalog).await?;
            catalog.close().await;
            let ranked = learner::match_instructors(
                inst.profiles(),
                s.level,
                &s.preferences,
                concept.map(|c| c.id.as_str()),
            );
            if json {
                return print_json(&ranked);
            }
            for m in ranked.iter().take(10) {
                println!("{:.2}  {:<28} {}", m.score, m.name, m.reasons.join("; "));
            }
            Ok(())
        }
    }
}

/// Writes `bytes` to `path` unless a file there was not written by fretwise for this item.
pub(crate) fn save_file(
    path: &Path,
    bytes: &[u8],
    ours: impl Fn(&str) -> bool,
) -> anyhow::Result<()> {
    if path.exists() {
        let old = std::fs::read_to_string(path).unwrap_or_default();
        if !ours(&old) {
            anyhow::bail!(
                "{} exists and is not an exercise fretwise wrote for this item; not overwriting it",
                path.display()
            );
        }
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("writing in {}", dir.display()))?;
    std::io::Write::write_all(&mut tmp, bytes)?;
    tmp.persist(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Runs `fretwise practice`.
pub async fn practice(cfg: &Config, args: PracticeArgs) -> anyhow::Result<()> {
    let ontology = Ontology::builtin();
    let catalog = crate::commands::open(cfg, args.db.db.clone()).await?;
    let topic = args
        .topic
        .as_deref()
        .map(|t| learner::resolve(&ontology, "--topic", t))
        .transpose()?;
    let level = args.level.as_deref().map(level).transpose()?.unwrap_or(1);
    let inst = instructor(cfg, args.index.clone(), &catalog).await?;
    let answer = learner::practice_for(
        &catalog,
        &ontology,
        inst.profiles(),
        &inst,
        &learner::PracticeAsk {
            student: args.student.as_deref(),
            level,
            topic,
            limit: args.limit,
            now: learner::now_unix(),
        },
    )
    .await?;
    catalog.close().await;
    let list = &answer.suggestions;
    if let Some(dir) = &args.save {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        for s in list {
            let file = s.item_id.replace(['/', '\\'], "_");
            let json = serde_json::to_string_pretty(&s.exercise.exercise)?;
            let id = s.item_id.clone();
            save_file(&dir.join(format!("{file}.json")), json.as_bytes(), |old| {
                fretwise_audio::Exercise::parse(old)
                    .is_ok_and(|e| e.id.as_deref() == Some(id.as_str()))
            })?;
            let tab_path = dir.join(format!("{file}.tab"));
            let header = format!("# fretwise exercise {}\n", s.item_id);
            save_file(
                &tab_path,
                format!("{header}{}\n", s.exercise.tab).as_bytes(),
                |old| old.starts_with(&header),
            )?;
        }
    }
    if args.json {
        return print_json(&answer);
    }
    if let Some(n) = &answer.note {
        println!("note: {n}");
    }
    for (i, s) in list.iter().enumerate() {
        println!(
            "{}. {} (difficulty {}) — {}",
            i + 1,
            s.name,
            s.difficulty,
            s.why
        );
        println!(
            "   {} at {:.0} bpm",
            s.exercise.title, s.exercise.exercise.tempo_bpm
        );
        for m in &s.lessons {
            println!(
                "   ▸ {} — {} at {}",
                m.title,
                m.instructor,
                fretwise_instructor::compose::clock(m.start_s)
            );
        }
        if let Some(dir) = &args.save {
            println!(
                "   exercise: {}",
                dir.join(format!("{}.json", s.item_id.replace(['/', '\\'], "_")))
                    .display()
            );
        }
    }
    Ok(())
}

/// Runs `fretwise plan`.
pub async fn plan(cfg: &Config, args: PlanArgs) -> anyhow::Result<()> {
    let ontology = Ontology::builtin();
    let catalog = crate::commands::open(cfg, args.db.db.clone()).await?;
    let inst = instructor(cfg, args.index.clone(), &catalog).await?;
    let p = learner::make_plan(
        &catalog,
        &ontology,
        inst.profiles(),
        &inst,
        &args.student,
        &learner::PlanAsk {
            goal: &args.goal,
            weeks: args.weeks,
            minutes_per_day: args.minutes_per_day,
            now: learner::now_unix(),
        },
    )
    .await?;
    catalog.close().await;
    if args.json {
        return print_json(&p);
    }
    println!(
        "plan towards {} over {} week(s), {} minutes a day",
        p.goal_name, p.request.weeks, p.request.minutes_per_day
    );
    if let Some(i) = &p.instructor {
        println!(
            "lessons from {} first ({})",
            i["name"].as_str().unwrap_or("?"),
            i["reasons"]
                .as_array()
                .map(|r| r
                    .iter()
                    .filter_map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join("; "))
                .unwrap_or_default()
        );
    }
    let path: Vec<String> = p
        .concepts
        .iter()
        .map(|c| format!("{} ({} sessions)", c.name, c.sessions))
        .collect();
    println!("path: {}", path.join(" → "));
    if let Some(n) = &p.note {
        println!("note: {n}");
    }
    for d in p.days.iter().filter(|d| !d.items.is_empty()).take(14) {
        let items: Vec<String> = d
            .items
            .iter()
            .map(|i| format!("{} {} @{:.0}", i.kind, i.name, i.tempo_bpm))
            .collect();
        println!("  day {:>3} {}  {}", d.day, d.date, items.join(", "));
    }
    if p.days.len() > 14 {
        println!("  … {} days in all (--json for every day)", p.days.len());
    }
    Ok(())
}

/// Records a scored take for `--student` (analyze) and re-plans; returns what to print.
pub async fn record_take(
    cfg: &Config,
    db: Option<String>,
    student: &str,
    exercise: &fretwise_audio::Exercise,
    score: &fretwise_audio::Score,
    audio: &[u8],
) -> anyhow::Result<learner::TakeOutcome> {
    let ontology = Ontology::builtin();
    let catalog = crate::commands::open(cfg, db).await?;
    let hash = blake3_hex(audio);
    let now = learner::now_unix();
    let outcome =
        learner::record_take(&catalog, &ontology, student, exercise, score, &hash, now).await?;
    if outcome.recorded && catalog.student_plan(student).await?.is_some() {
        let inst = instructor(cfg, None, &catalog).await?;
        learner::replan(&catalog, &ontology, inst.profiles(), &inst, student, now).await?;
    }
    catalog.close().await;
    Ok(outcome)
}

fn blake3_hex(bytes: &[u8]) -> String {
    fretwise_learner::content_hash(bytes)
}
