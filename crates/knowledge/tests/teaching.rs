//! Teaching-move classifier against the hand-labelled sentences (tests/data) and the real lesson.
//! `cargo test -p fretwise-knowledge --test teaching -- --nocapture` prints the tables that
//! docs/KNOWLEDGE.md reports.

use std::collections::BTreeMap;

use fretwise_knowledge::{TeachingClassifier, TeachingMove, TimedText, lesson_patterns, sentences};

fn fixture(name: &str) -> Option<fretwise_transcript::Transcript> {
    let path = fretwise_testkit::transcript_fixture(name)?;
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Some(
        fretwise_transcript::parse_transcript(&bytes, &fretwise_transcript::ReadOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e}")),
    )
}

struct Labelled {
    gold: TeachingMove,
    source: String,
    heldout: bool,
    text: String,
    position: f64,
}

fn labelled_file() -> Vec<Labelled> {
    let mut out = Vec::new();
    let mut heldout = false;
    for line in include_str!("data/teaching_sentences.tsv").lines() {
        if line.starts_with("## heldout") {
            heldout = true;
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut f = line.splitn(3, '\t');
        let (Some(label), Some(source), Some(text)) = (f.next(), f.next(), f.next()) else {
            panic!("bad line: {line}");
        };
        out.push(Labelled {
            gold: TeachingMove::parse(label).unwrap_or_else(|| panic!("bad label {label}")),
            source: source.to_string(),
            heldout,
            text: text.to_string(),
            // Sentences out of context sit in the middle of a lesson: no position prior.
            position: 0.5,
        });
    }
    out
}

fn real_lesson() -> Option<Vec<Labelled>> {
    let t = fixture("whisperx_fingerstyle_intro.json")?;
    let labels: BTreeMap<String, TeachingMove> = include_str!("data/real_lesson_teaching.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (s, m) = l.split_once('\t').expect("start<TAB>label");
            (s.to_string(), TeachingMove::parse(m).expect("known label"))
        })
        .collect();
    let utts = TimedText::from_utterances(&t.utterances);
    let end = t.utterances.last().map(|u| u.end).unwrap_or(0.0);
    let sents = sentences(&utts);
    assert_eq!(sents.len(), labels.len(), "every real sentence is labelled");
    Some(
        sents
            .into_iter()
            .map(|(_, start, _, text)| {
                let key = format!("{:.1}", (start * 10.0).round() / 10.0);
                Labelled {
                    gold: *labels
                        .get(&key)
                        .unwrap_or_else(|| panic!("no label for sentence at {key}: {text}")),
                    source: "real".into(),
                    heldout: true,
                    position: start / end,
                    text,
                }
            })
            .collect(),
    )
}

/// (per-class precision, recall, support) and accuracy.
fn evaluate(
    c: &TeachingClassifier,
    items: &[&Labelled],
    show_errors: bool,
) -> (BTreeMap<TeachingMove, (f64, f64, usize)>, f64) {
    let mut tp: BTreeMap<TeachingMove, usize> = BTreeMap::new();
    let mut predicted: BTreeMap<TeachingMove, usize> = BTreeMap::new();
    let mut gold: BTreeMap<TeachingMove, usize> = BTreeMap::new();
    let mut correct = 0;
    for it in items {
        let (p, cue) = c.classify(&it.text, it.position);
        *predicted.entry(p).or_default() += 1;
        *gold.entry(it.gold).or_default() += 1;
        if p == it.gold {
            *tp.entry(p).or_default() += 1;
            correct += 1;
        } else if show_errors {
            println!(
                "  {:<8} gold {:<16} got {:<16} ({:?}) {}",
                it.source,
                it.gold.as_str(),
                p.as_str(),
                cue,
                it.text
            );
        }
    }
    let mut table = BTreeMap::new();
    for m in TeachingMove::ALL {
        let t = tp.get(&m).copied().unwrap_or(0) as f64;
        let pr = predicted.get(&m).copied().unwrap_or(0);
        let g = gold.get(&m).copied().unwrap_or(0);
        table.insert(
            m,
            (
                if pr > 0 { t / pr as f64 } else { 0.0 },
                if g > 0 { t / g as f64 } else { 0.0 },
                g,
            ),
        );
    }
    (table, correct as f64 / items.len().max(1) as f64)
}

fn print(name: &str, table: &BTreeMap<TeachingMove, (f64, f64, usize)>, acc: f64, n: usize) {
    println!("{name}: {n} sentences, accuracy {acc:.3}");
    println!("  | move | precision | recall | support |");
    for (m, (p, r, g)) in table {
        println!("  | {} | {p:.3} | {r:.3} | {g} |", m.as_str());
    }
}

#[test]
fn labelled_sentences_meet_the_floor() {
    let c = TeachingClassifier::builtin();
    let mut all = labelled_file();
    assert!(all.len() >= 300, "at least 300 labelled sentences");
    if let Some(real) = real_lesson() {
        all.extend(real);
    }
    let dev: Vec<&Labelled> = all.iter().filter(|l| !l.heldout).collect();
    let held: Vec<&Labelled> = all.iter().filter(|l| l.heldout).collect();
    let real: Vec<&Labelled> = all.iter().filter(|l| l.source == "real").collect();
    let every: Vec<&Labelled> = all.iter().collect();
    println!("errors (held out):");
    let (th, ah) = evaluate(&c, &held, true);
    let (td, ad) = evaluate(&c, &dev, false);
    let (tr, ar) = evaluate(&c, &real, false);
    let (ta, aa) = evaluate(&c, &every, false);
    print("all", &ta, aa, every.len());
    print("dev", &td, ad, dev.len());
    print("held out", &th, ah, held.len());
    print("real lesson (held out)", &tr, ar, real.len());
    // Floors a little under the measured figures (docs/KNOWLEDGE.md): a regression fails.
    assert!(aa >= 0.80, "overall accuracy {aa:.3}");
    assert!(ah >= 0.75, "held-out accuracy {ah:.3}");
    // 0.514 measured (docs/KNOWLEDGE.md): low, and asserted so that it cannot silently get worse.
    if !real.is_empty() {
        assert!(ar >= 0.48, "real-lesson accuracy {ar:.3}");
    }
    for (m, (p, r, g)) in &ta {
        if *g >= 10 {
            assert!(*p >= 0.6 && *r >= 0.5, "{}: P {p:.2} R {r:.2}", m.as_str());
        }
    }
}

#[test]
fn cues_match_whole_words_only() {
    let c = TeachingClassifier::builtin();
    // "rush" is an error-correction cue; "brush" must not trigger it.
    assert_eq!(
        c.classify("Use a brush on the snare.", 0.5).0,
        TeachingMove::Explanation
    );
    assert_eq!(
        c.classify("Don't rush the third beat.", 0.5).0,
        TeachingMove::ErrorCorrection
    );
    // The platform matched "so" inside "songs"; here a cue is a word sequence.
    assert_eq!(
        c.classify("Listen to this.", 0.5),
        (TeachingMove::Demonstration, Some("listen to this"))
    );
    // Anchored cues only at the start.
    assert_eq!(
        c.classify("Hey everybody, welcome back.", 0.0).0,
        TeachingMove::Introduction
    );
}

#[test]
fn sentences_cross_utterance_boundaries_and_carry_times() {
    let u = [
        TimedText {
            start_s: 0.0,
            end_s: 4.0,
            text: "So the idea is that",
        },
        TimedText {
            start_s: 4.0,
            end_s: 8.0,
            text: "the thumb alternates. Listen to this.",
        },
    ];
    let s = sentences(&u);
    assert_eq!(s.len(), 2);
    assert_eq!(s[0].0, 0);
    assert_eq!(s[0].3, "So the idea is that the thumb alternates.");
    assert!((s[0].1 - 0.0).abs() < 1e-9);
    assert!(
        s[1].1 > 5.5 && s[1].1 < 7.0,
        "interpolated start {}",
        s[1].1
    );
    assert_eq!(s[1].3, "Listen to this.");
    // Decimal numbers do not end a sentence.
    let d = [TimedText {
        start_s: 0.0,
        end_s: 2.0,
        text: "Play it at 1.5 times the speed. Then stop.",
    }];
    assert_eq!(sentences(&d).len(), 2);
}

#[test]
fn structure_of_real_fixtures() {
    let c = TeachingClassifier::builtin();
    let check = |name: &str| {
        let t = fixture(name)?;
        let utts = TimedText::from_utterances(&t.utterances);
        Some(lesson_patterns(&c, &utts, 0.0))
    };
    let Some(real) = check("whisperx_fingerstyle_intro.json") else {
        return;
    };
    // The course introduction is an overview (the platform agrees), with teaching moves in order.
    assert_eq!(real.structure.primary, "overview", "{:?}", real.structure);
    assert_eq!(
        real.sentences.first().map(|s| s.kind),
        Some(TeachingMove::Introduction)
    );
    assert!(
        real.sentences
            .windows(2)
            .all(|w| w[0].start_s <= w[1].start_s)
    );
    // The platform calls the single word "you" an overview (0.65); we refuse to call it anything.
    let single = check("whisperx_single_word.json").expect("fixture present");
    assert_eq!(single.structure.primary, "insufficient_speech");
}
