//! Precision and recall of term matching against hand labels: the whole real lesson plus 306
//! sentences written and labelled for fretwise (see `tests/data/`). Figures go to
//! docs/QUALITY.md; run with `--nocapture` to see them.

use std::collections::HashMap;

use fretwise_lexicon::TermMatcher;
use fretwise_testkit::transcript_fixture;
use fretwise_transcript::{ReadOptions, parse_transcript};

#[derive(Default, Debug, Clone, Copy)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Counts {
    fn add(&mut self, o: Counts) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
    }
    fn precision(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }
    fn recall(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_).max(1) as f64
    }
}

/// Multiset comparison of expected and found term names; prints the differences.
fn compare(context: &str, expected: &[String], found: &[String], verbose: bool) -> Counts {
    let mut want: HashMap<&str, usize> = HashMap::new();
    for e in expected {
        *want.entry(e).or_default() += 1;
    }
    let mut c = Counts::default();
    let mut extra = Vec::new();
    for f in found {
        match want.get_mut(f.as_str()) {
            Some(n) if *n > 0 => {
                *n -= 1;
                c.tp += 1;
            }
            _ => {
                c.fp += 1;
                extra.push(f.as_str());
            }
        }
    }
    let missed: Vec<&str> = want
        .iter()
        .flat_map(|(k, &n)| std::iter::repeat_n(*k, n))
        .collect();
    c.fn_ = missed.len();
    if verbose && (!extra.is_empty() || !missed.is_empty()) {
        eprintln!("  {context}\n      false+ {extra:?}  missed {missed:?}");
    }
    c
}

fn labels(line: &str) -> Vec<String> {
    line.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

#[test]
fn term_matching_precision_and_recall() {
    let matcher = TermMatcher::builtin();
    let verbose = std::env::var("FRETWISE_PR_VERBOSE").is_ok();
    let data = include_str!("data/labeled_sentences.tsv");
    let mut split = "dev";
    let mut per_split: HashMap<&str, Counts> = HashMap::new();
    let mut sentences = 0;
    for line in data.lines() {
        if let Some(name) = line.strip_prefix("## ") {
            split = if name.trim() == "heldout" {
                "heldout"
            } else {
                "dev"
            };
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (sentence, expected) = line.split_once('\t').unwrap_or((line, ""));
        let found: Vec<String> = matcher
            .find_in_text(sentence)
            .into_iter()
            .map(|o| o.term)
            .collect();
        let c = compare(sentence, &labels(expected), &found, verbose);
        per_split.entry(split).or_default().add(c);
        sentences += 1;
    }
    assert!(sentences >= 300, "only {sentences} labelled sentences");

    if let Some(path) = transcript_fixture("whisperx_fingerstyle_intro.json") {
        let t = parse_transcript(&std::fs::read(path).unwrap(), &ReadOptions::default()).unwrap();
        let mut expected: HashMap<usize, Vec<String>> = HashMap::new();
        for line in include_str!("data/real_lesson_labels.tsv").lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let (idx, terms) = line.split_once('\t').unwrap();
            expected.insert(idx.parse().unwrap(), labels(terms));
        }
        let mut found: HashMap<usize, Vec<String>> = HashMap::new();
        for o in matcher.find(&t) {
            found.entry(o.utterance).or_default().push(o.term);
        }
        let mut c = Counts::default();
        for i in 0..t.utterances.len() {
            let e = expected.get(&i).cloned().unwrap_or_default();
            let f = found.get(&i).cloned().unwrap_or_default();
            c.add(compare(
                &format!("real lesson utterance {i}"),
                &e,
                &f,
                verbose,
            ));
        }
        per_split.insert("real lesson", c);
    }

    let mut total = Counts::default();
    eprintln!(
        "{:<12} {:>5} {:>5} {:>5} {:>9} {:>7}",
        "set", "tp", "fp", "fn", "precision", "recall"
    );
    for name in ["real lesson", "dev", "heldout"] {
        if let Some(c) = per_split.get(name) {
            total.add(*c);
            eprintln!(
                "{name:<12} {:>5} {:>5} {:>5} {:>9.3} {:>7.3}",
                c.tp,
                c.fp,
                c.fn_,
                c.precision(),
                c.recall()
            );
        }
    }
    eprintln!(
        "{:<12} {:>5} {:>5} {:>5} {:>9.3} {:>7.3}",
        "all",
        total.tp,
        total.fp,
        total.fn_,
        total.precision(),
        total.recall()
    );
    assert!(
        total.precision() >= 0.85,
        "precision {:.3}",
        total.precision()
    );
    assert!(total.recall() >= 0.80, "recall {:.3}", total.recall());
}
