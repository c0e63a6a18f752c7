//! `fretwise concepts …`: the concept ontology and learning paths.

use anyhow::{Context, bail};
use clap::Subcommand;
use fretwise_knowledge::Ontology;

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
        /// Concept id (see `fretwise concepts list`).
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Concepts taught together with this one more than chance predicts (NPMI over the catalog)
    Related {
        /// Concept id.
        id: String,
        /// Catalog (sqlite://PATH or postgres://…).
        #[arg(long, env = "FRETWISE_DB")]
        db: Option<String>,
        /// Lessons that must teach both.
        #[arg(long, default_value_t = 3)]
        min_together: usize,
        /// Lowest NPMI.
        #[arg(long, default_value_t = 0.1)]
        min_npmi: f64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The concept graph as JSON, GraphML, DOT or an SVG picture
    Export {
        /// json, graphml, dot or svg.
        #[arg(long, default_value = "json")]
        format: String,
        /// Write here instead of stdout.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// A learning path to a concept, respecting every prerequisite
    Path {
        /// Target concept id.
        target: String,
        /// Concepts the student already knows, comma-separated.
        #[arg(long, value_delimiter = ',')]
        known: Vec<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(cfg: &crate::config::Config, cmd: ConceptsCommand) -> anyhow::Result<()> {
    let o = Ontology::builtin();
    match cmd {
        ConceptsCommand::Related {
            id,
            db,
            min_together,
            min_npmi,
            json,
        } => {
            if o.get(&id).is_none() {
                bail!("no concept `{id}` (see fretwise concepts list)");
            }
            let catalog = crate::commands::open(cfg, db).await?;
            let ids: Vec<String> = catalog
                .lesson_infos()
                .await?
                .into_iter()
                .filter(|i| i.trainable && i.duplicate_of.is_none())
                .map(|i| i.id)
                .collect();
            let mut sets = Vec::with_capacity(ids.len());
            for chunk in ids.chunks(500) {
                for c in catalog.lesson_contents(chunk, false).await? {
                    let concepts = o
                        .concepts_in(&c.terms)
                        .into_iter()
                        .map(|(id, _)| id)
                        .collect();
                    sets.push((c.id, concepts));
                }
            }
            catalog.close().await;
            let rel = fretwise_knowledge::related(&sets, &id, min_together, min_npmi);
            if json {
                return print_json(
                    &serde_json::json!({"concept": id, "lessons": sets.len(), "related": rel}),
                );
            }
            if rel.is_empty() {
                println!(
                    "nothing co-occurs with {id} in at least {min_together} of {} lessons with NPMI ≥ {min_npmi}",
                    sets.len()
                );
            }
            for r in &rel {
                println!(
                    "{:<22} NPMI {:>5.2}  together in {:>5} lessons  e.g. {}",
                    r.concept,
                    r.npmi,
                    r.together,
                    r.lessons.first().cloned().unwrap_or_default()
                );
            }
        }
        ConceptsCommand::List { json } => {
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
        }
        ConceptsCommand::Show { id, json } => {
            let c = o
                .get(&id)
                .with_context(|| format!("no concept `{id}` (see fretwise concepts list)"))?;
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
        }
        ConceptsCommand::Export { format, out } => {
            let g = fretwise_knowledge::ConceptGraph::new(&o, &Default::default(), Vec::new());
            let text = match format.as_str() {
                "json" => serde_json::to_string_pretty(&g)? + "\n",
                "graphml" => g.graphml(),
                "dot" => g.dot(),
                "svg" => g.svg(),
                other => bail!("unknown format `{other}` (json, graphml, dot, svg)"),
            };
            match out {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("writing {}", path.display()))?,
                None => print!("{text}"),
            }
        }
        ConceptsCommand::Path {
            target,
            known,
            json,
        } => {
            let known: Vec<&str> = known.iter().map(String::as_str).collect();
            for k in &known {
                if o.get(k).is_none() {
                    bail!("unknown concept `{k}` in --known");
                }
            }
            let path = o
                .learning_path(&target, &known)
                .with_context(|| format!("no concept `{target}` (see fretwise concepts list)"))?;
            if json {
                return print_json(&serde_json::json!({"target": target, "path": path}));
            }
            for (i, id) in path.iter().enumerate() {
                let c = o
                    .get(id)
                    .map(|c| (c.name.as_str(), c.difficulty))
                    .unwrap_or((id.as_str(), 0));
                println!("{:>2}. {:<40} {}", i + 1, c.0, "★".repeat(c.1 as usize));
            }
        }
    }
    Ok(())
}
