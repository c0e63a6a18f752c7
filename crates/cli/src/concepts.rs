//! `fretwise concepts …`: the concept ontology and learning paths.

use anyhow::{Context, bail};
use clap::Subcommand;
use fretwise_knowledge::{Ontology, parse_level};

use crate::output::print_json;

/// `fretwise concepts` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConceptsCommand {
    /// Every concept with its kind and difficulty
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// One concept: prerequisites, what it leads to, the terms that signal it
    Show {
        /// Concept id, name or alias, e.g. "barre chords" (see `fretwise concepts list`).
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Every edge of the mined graph at this concept: related, prerequisites, applies-to,
    /// style associations, progressions, each with its evidence
    Related {
        /// Concept id, name or alias.
        id: String,
        /// Catalog (sqlite://PATH or postgres://…).
        #[arg(long, env = "FRETWISE_DB")]
        db: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Lessons that teach a concept (optionally at one level), with timestamps
    Lessons {
        /// Concept id, name or alias.
        id: String,
        /// beginner, intermediate or advanced.
        #[arg(long)]
        level: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Catalog (sqlite://PATH or postgres://…).
        #[arg(long, env = "FRETWISE_DB")]
        db: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The concept graph as JSON, GraphML, DOT or an SVG picture (mined from the catalog)
    Export {
        /// json, graphml, dot or svg.
        #[arg(long, default_value = "json")]
        format: String,
        /// Only this concept (id, name or alias) and its neighbours.
        #[arg(long)]
        around: Option<String>,
        /// The curated ontology only (no catalog needed).
        #[arg(long)]
        curated: bool,
        /// Catalog (sqlite://PATH or postgres://…).
        #[arg(long, env = "FRETWISE_DB")]
        db: Option<String>,
        /// Write here instead of stdout.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// A learning path to a concept, respecting every prerequisite, with a lesson for each step
    Path {
        /// Target concept: id, name or alias ("barre chords", "string bending").
        target: String,
        /// Concepts the student already knows (ids, names or aliases), comma-separated.
        #[arg(long, value_delimiter = ',')]
        known: Vec<String>,
        /// The student's level (beginner, intermediate, advanced): concepts easier than the
        /// level are taken as known, and lessons are suggested at the level.
        #[arg(long)]
        level: Option<String>,
        /// Catalog for lesson suggestions (sqlite://PATH or postgres://…).
        #[arg(long, env = "FRETWISE_DB")]
        db: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Opens the catalog when one exists (a missing SQLite file is not created).
async fn existing_catalog(
    cfg: &crate::config::Config,
    db: Option<String>,
) -> anyhow::Result<Option<fretwise_catalog::Catalog>> {
    let url = cfg.db(db);
    match fretwise_catalog::Catalog::open_with(&url, fretwise_catalog::OpenMode::Existing).await {
        Ok(c) => Ok(Some(c)),
        Err(fretwise_catalog::CatalogError::Missing(_)) => Ok(None),
        Err(e) => Err(e).with_context(|| format!("opening catalog {url}")),
    }
}

/// Lessons teaching `concept` (at level rank `want`, when given), best first, as JSON.
async fn lessons_for(
    catalog: &fretwise_catalog::Catalog,
    concept: &str,
    want: Option<u8>,
    limit: usize,
) -> anyhow::Result<Vec<serde_json::Value>> {
    fretwise_knowledge::lessons_teaching(catalog, concept, want, limit)
        .await?
        .iter()
        .map(|l| serde_json::to_value(l).map_err(anyhow::Error::from))
        .collect()
}

pub async fn run(cfg: &crate::config::Config, cmd: ConceptsCommand) -> anyhow::Result<()> {
    let o = Ontology::builtin();
    match cmd {
        ConceptsCommand::Related { id, db, json } => show_related(cfg, &o, id, db, json).await,
        ConceptsCommand::Lessons {
            id,
            level,
            limit,
            db,
            json,
        } => show_lessons(cfg, &o, id, level, limit, db, json).await,
        ConceptsCommand::List { json } => list_concepts(&o, json).await,
        ConceptsCommand::Show { id, json } => show_concept(&o, id, json).await,
        ConceptsCommand::Export {
            format,
            around,
            curated,
            db,
            out,
        } => export_graph(cfg, &o, format, around, curated, db, out).await,
        ConceptsCommand::Path {
            target,
            known: known_names,
            level,
            db,
            json,
        } => show_path(cfg, &o, target, known_names, level, db, json).await,
    }
}

/// `fretwise concepts related`.
async fn show_related(
    cfg: &crate::config::Config,
    o: &Ontology,
    id: String,
    db: Option<String>,
    json: bool,
) -> anyhow::Result<()> {
    let id = o.resolve(&id)?.id.clone();
    let catalog = crate::commands::open(cfg, db).await?;
    let graph = crate::knowledge::stored_graph(&catalog, json).await?;
    catalog.close().await;
    let edges: Vec<&fretwise_knowledge::Edge> = graph
        .edges
        .iter()
        .filter(|e| e.kind != "part_of" && (e.from == id || e.to == id))
        .collect();
    if json {
        return print_json(&serde_json::json!({"concept": id, "edges": edges}));
    }
    if edges.is_empty() {
        println!("no edges at {id} in the catalog's graph (too few lessons teach it)");
    }
    for e in edges {
        let (arrow, other) = if e.from == id {
            ("→", &e.to)
        } else {
            ("←", &e.from)
        };
        println!(
            "{:<18} {arrow} {:<22} {}{}",
            e.kind,
            other,
            e.evidence,
            e.support
                .first()
                .map(|l| format!("  e.g. {l}"))
                .unwrap_or_default()
        );
    }
    Ok(())
}

/// `fretwise concepts lessons`.
async fn show_lessons(
    cfg: &crate::config::Config,
    o: &Ontology,
    id: String,
    level: Option<String>,
    limit: usize,
    db: Option<String>,
    json: bool,
) -> anyhow::Result<()> {
    let id = o.resolve(&id)?.id.clone();
    // Checked before the catalog is opened: a typo is not a reason to wait.
    let rank = level.as_deref().map(parse_level).transpose()?;
    let catalog = crate::commands::open(cfg, db).await?;
    crate::knowledge::ensure(&catalog, json).await?;
    let lessons = lessons_for(&catalog, &id, rank, limit).await?;
    catalog.close().await;
    if json {
        return print_json(&serde_json::json!({"concept": id, "level": level, "lessons": lessons}));
    }
    if lessons.is_empty() {
        println!(
            "no lesson teaches {id}{}",
            level.map(|l| format!(" at level {l}")).unwrap_or_default()
        );
    }
    for l in &lessons {
        let at: Vec<String> = l["at_s"]
            .as_array()
            .map(|v| {
                v.iter()
                    .take(4)
                    .filter_map(|x| x.as_f64())
                    .map(|s| format!("{}:{:02}", (s / 60.0) as u64, (s % 60.0) as u64))
                    .collect()
            })
            .unwrap_or_default();
        println!(
            "{:<16} {:<12} {:<48} at {}",
            l["lesson_id"].as_str().unwrap_or(""),
            l["level"].as_str().unwrap_or("-"),
            l["title"].as_str().unwrap_or(""),
            at.join(", ")
        );
    }
    Ok(())
}

/// `fretwise concepts list`.
async fn list_concepts(o: &Ontology, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(&o.concepts());
    }
    for c in o.concepts() {
        println!(
            "{:<20} {:<10} {}  {}",
            c.id,
            c.kind,
            "★".repeat(c.difficulty as usize),
            c.name
        );
    }
    Ok(())
}

/// `fretwise concepts show`.
async fn show_concept(o: &Ontology, id: String, json: bool) -> anyhow::Result<()> {
    let c = o.resolve(&id)?;
    let leads_to: Vec<&str> = o
        .concepts()
        .iter()
        .filter(|x| x.requires.contains(&c.id))
        .map(|x| x.id.as_str())
        .collect();
    if json {
        return print_json(&serde_json::json!({"concept": c, "leads_to": leads_to}));
    }
    println!(
        "{} ({}), {}, difficulty {}/5",
        c.name, c.id, c.kind, c.difficulty
    );
    if let Some(p) = &c.parent {
        println!("part of   {p}");
    }
    println!(
        "requires  {}",
        if c.requires.is_empty() {
            "-".to_string()
        } else {
            c.requires.join(", ")
        }
    );
    println!(
        "leads to  {}",
        if leads_to.is_empty() {
            "-".to_string()
        } else {
            leads_to.join(", ")
        }
    );
    println!("terms     {}", c.terms.join(", "));
    Ok(())
}

/// `fretwise concepts export`.
async fn export_graph(
    cfg: &crate::config::Config,
    o: &Ontology,
    format: String,
    around: Option<String>,
    curated: bool,
    db: Option<String>,
    out: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    let around = around
        .map(|a| o.resolve(&a).map(|c| c.id.clone()))
        .transpose()?;
    let catalog = if curated {
        None
    } else {
        existing_catalog(cfg, db).await?
    };
    let mut g = match catalog {
        Some(c) => {
            let g = crate::knowledge::stored_graph(&c, true).await?;
            c.close().await;
            g
        }
        None => {
            if !curated {
                eprintln!("note: no catalog found, exporting the curated ontology only");
            }
            fretwise_knowledge::ConceptGraph::new(o, &Default::default(), Vec::new())
        }
    };
    if let Some(id) = around {
        g = g
            .neighbourhood(&id)
            .with_context(|| format!("no concept `{id}` in the graph"))?;
    }
    let text = match format.as_str() {
        "json" => serde_json::to_string_pretty(&g)? + "\n",
        "graphml" => g.graphml(),
        "dot" => g.dot(),
        "svg" => g.svg(),
        other => bail!("unknown format `{other}` (json, graphml, dot, svg)"),
    };
    match out {
        Some(path) => {
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?
        }
        None => print!("{text}"),
    }
    Ok(())
}

/// `fretwise concepts path`.
async fn show_path(
    cfg: &crate::config::Config,
    o: &Ontology,
    target: String,
    known_names: Vec<String>,
    level: Option<String>,
    db: Option<String>,
    json: bool,
) -> anyhow::Result<()> {
    let target = o.resolve(&target)?.id.clone();
    let mut known: Vec<&str> = Vec::new();
    for k in known_names.iter().filter(|k| !k.trim().is_empty()) {
        let c = o.resolve(k).with_context(|| format!("in --known `{k}`"))?;
        known.push(c.id.as_str());
    }
    // A level means the easier concepts are known: intermediate knows difficulty 1–2,
    // advanced 1–3.
    let rank = level.as_deref().map(parse_level).transpose()?;
    if let Some(r) = rank {
        known.extend(o.known_at_level(r).into_iter().filter(|c| *c != target));
    }
    let path = o
        .learning_path(&target, &known)
        .with_context(|| format!("no concept `{target}` (see fretwise concepts list)"))?;
    let catalog = existing_catalog(cfg, db).await?;
    let mut suggestions = Vec::new();
    if let Some(c) = &catalog {
        crate::knowledge::ensure(c, json).await?;
        for id in &path {
            let mut l = lessons_for(c, id, rank, 1).await?;
            if l.is_empty() && rank.is_some() {
                l = lessons_for(c, id, None, 1).await?;
            }
            suggestions.push(l.into_iter().next());
        }
    }
    if let Some(c) = catalog {
        c.close().await;
    }
    if json {
        let steps: Vec<serde_json::Value> = path
            .iter()
            .enumerate()
            .map(|(i, id)| serde_json::json!({"concept": id, "lesson": suggestions.get(i).cloned().flatten()}))
            .collect();
        return print_json(
            &serde_json::json!({"target": target, "level": level, "path": path, "steps": steps}),
        );
    }
    for (i, id) in path.iter().enumerate() {
        let c = o
            .get(id)
            .map(|c| (c.name.as_str(), c.difficulty))
            .unwrap_or((id.as_str(), 0));
        let lesson = suggestions
            .get(i)
            .cloned()
            .flatten()
            .map(|l| {
                format!(
                    "  → {} {}",
                    l["lesson_id"].as_str().unwrap_or(""),
                    l["title"].as_str().unwrap_or("")
                )
            })
            .unwrap_or_default();
        println!(
            "{:>2}. {:<40} {:<5}{lesson}",
            i + 1,
            c.0,
            "★".repeat(c.1 as usize)
        );
    }
    Ok(())
}
