//! `fretwise profiles`: instructor expertise profiles from the catalog.

use anyhow::{Context, bail};
use fretwise_catalog::Catalog;
use fretwise_knowledge::{LessonFacts, Ontology, profiles};

use crate::config::Config;
use crate::output::print_json;

fn speech_seconds(u: &[fretwise_transcript::Utterance]) -> f64 {
    let mut iv: Vec<(f64, f64)> = u.iter().map(|u| (u.start, u.end)).collect();
    iv.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut total = 0.0;
    let mut cur: Option<(f64, f64)> = None;
    for (s, e) in iv {
        cur = match cur {
            Some((cs, ce)) if s <= ce => Some((cs, ce.max(e))),
            Some((cs, ce)) => {
                total += ce - cs;
                Some((s, e))
            }
            None => Some((s, e)),
        };
    }
    total + cur.map_or(0.0, |(s, e)| e - s)
}

pub async fn run(
    cfg: &Config,
    db: Option<String>,
    instructor: Option<String>,
    json: bool,
) -> anyhow::Result<()> {
    let url = cfg.db(db);
    let catalog = Catalog::open(&url)
        .await
        .with_context(|| format!("opening catalog {url}"))?;
    let infos: Vec<_> = catalog
        .lesson_infos()
        .await?
        .into_iter()
        .filter(|i| i.trainable && i.duplicate_of.is_none() && i.instructor_id.is_some())
        .filter(|i| {
            instructor
                .as_ref()
                .is_none_or(|want| i.instructor_id.as_deref() == Some(want))
        })
        .collect();
    if infos.is_empty() {
        match instructor {
            Some(id) => bail!("no usable lessons by instructor `{id}` in {url}"),
            None => bail!("no usable lessons with an instructor in {url}"),
        }
    }
    let mut facts = Vec::with_capacity(infos.len());
    for chunk in infos.chunks(500) {
        let ids: Vec<String> = chunk.iter().map(|i| i.id.clone()).collect();
        for (info, content) in chunk
            .iter()
            .zip(catalog.lesson_contents(&ids, false).await?)
        {
            let texts: Vec<String> = content.utterances.iter().map(|u| u.text.clone()).collect();
            let tokens: Vec<String> = texts
                .iter()
                .flat_map(|t| fretwise_transcript::normalized_tokens(t).collect::<Vec<_>>())
                .collect();
            let distinct: std::collections::HashSet<&String> = tokens.iter().collect();
            facts.push(LessonFacts {
                id: info.id.clone(),
                instructor_id: info.instructor_id.clone().unwrap_or_default(),
                instructor: info.instructor.clone().unwrap_or_default(),
                style: info.style.clone(),
                level: info.level.clone(),
                duration_s: info.duration_s,
                speech_s: speech_seconds(&content.utterances),
                words: tokens.len(),
                vocabulary_richness: distinct.len() as f64 / tokens.len().max(1) as f64,
                terms: content.terms,
                texts,
            });
        }
    }
    catalog.close().await;
    let ps = profiles(&facts, &Ontology::builtin());
    if json {
        return print_json(&ps);
    }
    for p in &ps {
        let e = &p.expertise;
        let t = &p.teaching_characteristics;
        let s = &p.lesson_statistics;
        println!("{} ({})", p.name, p.instructor_id);
        println!(
            "  styles      {} (also {})",
            e.primary_styles.join(", "),
            if e.secondary_styles.is_empty() {
                "-".into()
            } else {
                e.secondary_styles.join(", ")
            }
        );
        println!(
            "  level focus {}   lessons {}   avg {:.0} s",
            e.skill_level_focus, s.total_segments, s.avg_segment_duration
        );
        println!("  techniques  {}", e.techniques_taught.join(", "));
        println!("  theory      {}", e.theory_concepts.join(", "));
        println!(
            "  teaching    {} · {} pacing ({:.0} wpm) · {:.0}% playing · {:.1} terms/min",
            t.explanation_style,
            t.pacing,
            p.speaking_rate_wpm,
            100.0 * p.demonstration_ratio,
            s.guitar_terms_per_minute
        );
        let distinct: Vec<String> = p
            .distinctive_concepts
            .iter()
            .take(4)
            .map(|d| d.concept.clone())
            .collect();
        println!("  distinctive {}", distinct.join(", "));
        if !t.common_phrases.is_empty() {
            println!("  phrases     \"{}\"", t.common_phrases.join("\", \""));
        }
    }
    Ok(())
}
