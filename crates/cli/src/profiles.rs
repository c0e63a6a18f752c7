//! `fretwise profiles`: instructor expertise profiles from the catalog.

use anyhow::bail;
use fretwise_knowledge::{LessonFacts, Ontology, profiles};

use crate::config::Config;
use crate::output::print_json;

pub async fn run(
    cfg: &Config,
    db: Option<String>,
    instructor: Option<String>,
    json: bool,
) -> anyhow::Result<()> {
    let catalog = crate::commands::open(cfg, db).await?;
    let url = catalog.url().to_string();
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
            facts.push(LessonFacts {
                id: info.id.clone(),
                instructor_id: info.instructor_id.clone().unwrap_or_default(),
                instructor: info.instructor.clone().unwrap_or_default(),
                style: info.style.clone(),
                level: info.level.clone(),
                duration_s: info.duration_s,
                speech_s: info.speech_s,
                words: info.word_count.max(0) as usize,
                vocabulary_richness: info.vocabulary_richness,
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
