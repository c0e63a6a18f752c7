//! `fretwise knowledge rebuild` and `fretwise patterns`, plus the helper that brings stored
//! knowledge up to date before a command reads it.

use anyhow::Context;
use fretwise_catalog::Catalog;
use fretwise_knowledge::{
    ConceptGraph, Profile, RebuildReport, TeachingClassifier, TeachingSentence, TimedText,
    lesson_patterns, rebuild,
};

use crate::config::Config;
use crate::output::{Bar, print_json};

/// Incrementally rebuilds the catalog's knowledge (only what changed), with a progress bar.
pub async fn ensure(catalog: &Catalog, quiet: bool) -> anyhow::Result<RebuildReport> {
    let bar = Bar::new("knowledge", quiet);
    let report = rebuild(catalog, false, &bar)
        .await
        .context("building the knowledge base")?;
    bar.finish();
    Ok(report)
}

/// Stored profiles (after an incremental rebuild).
pub async fn stored_profiles(catalog: &Catalog, quiet: bool) -> anyhow::Result<Vec<Profile>> {
    ensure(catalog, quiet).await?;
    let (body, _) = catalog
        .artifact("profiles")
        .await?
        .context("no profiles stored")?;
    serde_json::from_str(&body).context("reading stored profiles")
}

/// The stored concept graph (after an incremental rebuild).
pub async fn stored_graph(catalog: &Catalog, quiet: bool) -> anyhow::Result<ConceptGraph> {
    ensure(catalog, quiet).await?;
    let (body, _) = catalog
        .artifact("graph")
        .await?
        .context("no concept graph stored")?;
    serde_json::from_str(&body).context("reading the stored concept graph")
}

pub async fn rebuild_command(
    cfg: &Config,
    db: Option<String>,
    full: bool,
    json: bool,
) -> anyhow::Result<()> {
    let catalog = crate::commands::open_for_writing(cfg, db).await?;
    let bar = Bar::new("knowledge", json);
    let report = rebuild(&catalog, full, &bar).await?;
    bar.finish();
    catalog.close().await;
    if json {
        return print_json(&report);
    }
    print_rebuild(&report);
    Ok(())
}

/// One line about a rebuild.
pub fn print_rebuild(r: &RebuildReport) {
    let edges: Vec<String> = r.edges.iter().map(|(k, n)| format!("{n} {k}")).collect();
    println!(
        "knowledge: {} of {} lessons analysed, {} instructors' phrases recomputed{} in {:.1} s",
        r.lessons_analyzed,
        r.lessons,
        r.instructors_repooled,
        if r.aggregated {
            format!(
                "; {} profiles; graph edges: {}",
                r.profiles,
                if edges.is_empty() {
                    "none".to_string()
                } else {
                    edges.join(", ")
                }
            )
        } else {
            "; nothing changed".to_string()
        },
        r.seconds
    );
}

fn clock(s: f64) -> String {
    let s = s.max(0.0);
    format!("{}:{:04.1}", (s / 60.0).floor() as u64, s % 60.0)
}

pub async fn patterns(
    cfg: &Config,
    db: Option<String>,
    id: &str,
    json: bool,
) -> anyhow::Result<()> {
    let catalog = crate::commands::open(cfg, db).await?;
    let detail = catalog.lesson(id).await?;
    let stored = catalog.lesson_knowledge(id).await?;
    let fresh = stored
        .as_ref()
        .is_some_and(|k| k.version == fretwise_knowledge::KNOWLEDGE_VERSION);
    let content = catalog.lesson_timed_texts(&[id.to_string()], false).await?;
    let utts = content
        .first()
        .map(|c| TimedText::from_utterances(&c.utterances))
        .unwrap_or_default();
    let computed = lesson_patterns(
        &TeachingClassifier::builtin(),
        &utts,
        detail.summary.duration_s,
    );
    // The stored timeline when it is up to date (what other commands cite), else the one just
    // computed (nothing is written).
    let sentences: Vec<TeachingSentence> = match (&stored, fresh) {
        (Some(k), true) => {
            serde_json::from_str(&k.timeline).context("reading the stored timeline")?
        }
        _ => computed.sentences,
    };
    let structure = computed.structure;
    catalog.close().await;
    let mut counts = std::collections::BTreeMap::new();
    for s in &sentences {
        *counts.entry(s.kind.as_str()).or_insert(0usize) += 1;
    }
    if json {
        return print_json(&serde_json::json!({
            "lesson_id": id,
            "structure": structure,
            "counts": counts,
            "sentences": sentences,
        }));
    }
    println!(
        "{} — {}",
        id,
        detail
            .summary
            .title
            .clone()
            .unwrap_or_else(|| "(untitled)".into())
    );
    let scores: Vec<String> = structure
        .scores
        .iter()
        .map(|(k, v)| format!("{k} {v:.2}"))
        .collect();
    println!(
        "structure: {}  ({})  speech {:.0}%  talk/play cycles {}",
        structure.primary,
        scores.join(", "),
        100.0 * structure.speech_ratio,
        structure.cycles
    );
    let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
    println!("moves: {}\n", parts.join(", "));
    for s in &sentences {
        println!(
            "{:>7}  {:<16} {}",
            clock(s.start_s),
            s.kind.as_str(),
            s.text
        );
    }
    Ok(())
}
