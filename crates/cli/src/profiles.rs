//! `fretwise profiles`: instructor expertise profiles from the catalog.

use anyhow::bail;

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
    let all = crate::knowledge::stored_profiles(&catalog, json).await?;
    catalog.close().await;
    let ps: Vec<_> = all
        .into_iter()
        .filter(|p| {
            instructor
                .as_ref()
                .is_none_or(|want| &p.instructor_id == want)
        })
        .collect();
    if ps.is_empty() {
        match instructor {
            Some(id) => bail!("no usable lessons by instructor `{id}` in {url}"),
            None => bail!("no usable lessons with an instructor in {url}"),
        }
    }
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
        if !p.signature_phrases.is_empty() {
            let sig: Vec<String> = p
                .signature_phrases
                .iter()
                .map(|s| {
                    format!(
                        "\"{}\" ({}/{} lessons, G² {:.0})",
                        s.phrase, s.lessons, p.lesson_statistics.total_segments, s.g2
                    )
                })
                .collect();
            println!("  signature   {}", sig.join(", "));
        }
        let moves: Vec<String> = t
            .teaching_moves
            .iter()
            .filter(|(_, v)| **v >= 0.01)
            .map(|(k, v)| format!("{k} {:.0}%", 100.0 * v))
            .collect();
        println!("  moves       {}", moves.join(", "));
    }
    Ok(())
}
