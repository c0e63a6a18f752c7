//! Prints the instruction-data figures of an export folder (issue 18 B):
//! `cargo run -p fretwise-dataset --example pair_quality -- OUT [--split-seed N] [--json]`.

#[path = "../tests/support/pair_quality.rs"]
mod pair_quality;

use std::path::PathBuf;

/// The seed that splits the generated corpus's instructors into a tuning and a held-out half.
const DEFAULT_SPLIT_SEED: u64 = 18;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut dir = None;
    let mut seed = DEFAULT_SPLIT_SEED;
    let mut json = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--split-seed" => {
                seed = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(DEFAULT_SPLIT_SEED)
            }
            "--json" => json = true,
            _ => dir = Some(PathBuf::from(a)),
        }
    }
    let Some(dir) = dir else {
        eprintln!("usage: pair_quality OUT [--split-seed N] [--json]");
        std::process::exit(2);
    };
    let mut report = serde_json::Map::new();
    for f in pair_quality::CHAT_FORMATS {
        let r = pair_quality::chat_report(&dir, f, seed);
        if !json {
            println!("{f}");
            println!(
                "  {:<9} {:>8} {:>9} {:>8} {:>7} {:>9} {:>7}  most asked",
                "part", "examples", "distinct", "variety", "max rep", "rep QA", "video"
            );
            for (part, x) in &r {
                println!(
                    "  {:<9} {:>8} {:>8.1}% {:>7.1}% {:>7} {:>9} {:>6.1}%  {}",
                    part,
                    x.examples,
                    100.0 * x.distinct_question_share,
                    100.0 * x.question_variety,
                    x.max_question_repeats,
                    x.repeated_qa_pairs,
                    100.0 * x.video_share,
                    x.most_asked
                );
            }
        }
        report.insert(f.into(), serde_json::to_value(&r).unwrap_or_default());
    }
    let cross = pair_quality::cross_split(&dir, 0.8);
    if !json {
        println!("across splits (exact texts, near pairs at 5-shingle Jaccard >= 0.8)");
        for c in &cross {
            println!(
                "  {:<18} exact {:>5}  near {:>5}",
                c.format, c.exact, c.near
            );
            for s in &c.samples {
                println!("      {} / {} {:.2} {:?}", s.0, s.1, s.2, s.3);
            }
        }
    }
    report.insert(
        "cross_split".into(),
        serde_json::to_value(&cross).unwrap_or_default(),
    );
    if json {
        println!("{}", serde_json::Value::Object(report));
    }
}
