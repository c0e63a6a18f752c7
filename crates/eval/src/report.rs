//! The benchmark's figures: per category and part, citations, the fact-check, latency; as JSON
//! and as a Markdown table.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::items::{Category, Part};
use crate::run::ItemResult;

/// Items and accuracy.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Score {
    /// Items.
    pub n: usize,
    /// Share right (None without items).
    pub accuracy: Option<f64>,
}

impl Score {
    fn of<'a>(
        rs: impl Iterator<Item = &'a ItemResult>,
        right: impl Fn(&ItemResult) -> bool,
    ) -> Score {
        let (mut n, mut ok) = (0, 0);
        for r in rs {
            n += 1;
            ok += usize::from(right(r));
        }
        Score {
            n,
            accuracy: ratio(ok, n),
        }
    }
}

fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| ((a as f64 / b as f64) * 10_000.0).round() / 10_000.0)
}

/// One category's figures.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CategoryFigures {
    /// Items.
    pub n: usize,
    /// Share right, as the student reads the answer.
    pub accuracy: Option<f64>,
    /// Share right before the fact-check corrected anything.
    pub accuracy_without_fact_check: Option<f64>,
    /// The tuning part.
    pub tuning: Score,
    /// The held-out third.
    pub held_out: Score,
}

/// Citation figures.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Citations {
    /// Citations given in grounded and style answers.
    pub given: usize,
    /// Of those, of the passage asked about or of the asked instructor or style.
    pub relevant: usize,
    /// Citations anywhere whose quote is not what the lesson says there.
    pub invalid: usize,
    /// Precision of grounded answers alone (style answers excluded).
    pub precision_grounded: Option<f64>,
    /// Precision on the tuning part / held-out third.
    pub precision_tuning: Option<f64>,
    /// Precision on the held-out third.
    pub precision_held_out: Option<f64>,
    /// Recall on the tuning part (grounded items whose passage was cited).
    pub recall_tuning: Option<f64>,
    /// Recall on the held-out third.
    pub recall_held_out: Option<f64>,
}

/// What the fact-check read and fixed.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct FactCheckFigures {
    /// Musical claims read in answers.
    pub claims: usize,
    /// Claims corrected.
    pub corrected: usize,
    /// Theory and fretboard accuracy as shown (after the check).
    pub accuracy_with: Option<f64>,
    /// The same before the check.
    pub accuracy_without: Option<f64>,
}

/// Latency of asked items (ms).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Latency {
    /// Items timed.
    pub n: usize,
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Slowest.
    pub max: f64,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// What answered.
    pub backend: String,
    /// Item seed.
    pub seed: u64,
    /// Items run.
    pub items: usize,
    /// Per category.
    pub categories: BTreeMap<String, CategoryFigures>,
    /// All categories, tuning part and held-out third.
    pub parts: BTreeMap<String, Score>,
    /// Citation precision over grounded and style answers (both parts).
    pub citation_precision: Option<f64>,
    /// Citation recall: grounded items whose passage was cited (both parts).
    pub citation_recall: Option<f64>,
    /// Citation details.
    pub citations: Citations,
    /// The fact-check.
    pub fact_check: FactCheckFigures,
    /// Latency of asked items.
    pub latency_ms: Latency,
    /// Tuning-part failures with why (never held-out ones).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tuning_failures: Vec<String>,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    (sorted[i.min(sorted.len() - 1)] * 100.0).round() / 100.0
}

impl Report {
    /// Sums item results.
    pub fn new(backend: &str, seed: u64, results: &[ItemResult]) -> Report {
        let mut categories = BTreeMap::new();
        for cat in Category::ALL {
            let rs: Vec<&ItemResult> = results.iter().filter(|r| r.category == cat).collect();
            if rs.is_empty() {
                continue;
            }
            let all = Score::of(rs.iter().copied(), |r| r.correct);
            let raw = Score::of(rs.iter().copied(), |r| r.correct_without_fact_check);
            categories.insert(
                cat.as_str().to_string(),
                CategoryFigures {
                    n: all.n,
                    accuracy: all.accuracy,
                    accuracy_without_fact_check: raw.accuracy,
                    tuning: Score::of(rs.iter().copied().filter(|r| r.part == Part::Tuning), |r| {
                        r.correct
                    }),
                    held_out: Score::of(
                        rs.iter().copied().filter(|r| r.part == Part::HeldOut),
                        |r| r.correct,
                    ),
                },
            );
        }
        let mut parts = BTreeMap::new();
        for (name, part) in [("tuning", Part::Tuning), ("held_out", Part::HeldOut)] {
            parts.insert(
                name.to_string(),
                Score::of(results.iter().filter(|r| r.part == part), |r| r.correct),
            );
        }
        let cited = |r: &&ItemResult| matches!(r.category, Category::Grounded | Category::Style);
        let sum = |part: Option<Part>, f: fn(&ItemResult) -> usize| -> usize {
            results
                .iter()
                .filter(cited)
                .filter(|r| part.is_none_or(|p| r.part == p))
                .map(f)
                .sum()
        };
        let recall = |part: Option<Part>| {
            let g: Vec<&ItemResult> = results
                .iter()
                .filter(|r| r.category == Category::Grounded)
                .filter(|r| part.is_none_or(|p| r.part == p))
                .collect();
            ratio(
                g.iter().filter(|r| r.passage_cited == Some(true)).count(),
                g.len(),
            )
        };
        let citations = Citations {
            given: sum(None, |r| r.citations),
            relevant: sum(None, |r| r.citations_relevant),
            invalid: results.iter().map(|r| r.citations_invalid).sum(),
            precision_grounded: {
                let g = results.iter().filter(|r| r.category == Category::Grounded);
                let (rel, all) = g.fold((0, 0), |(s, a), r| {
                    (s + r.citations_relevant, a + r.citations)
                });
                ratio(rel, all)
            },
            precision_tuning: ratio(
                sum(Some(Part::Tuning), |r| r.citations_relevant),
                sum(Some(Part::Tuning), |r| r.citations),
            ),
            precision_held_out: ratio(
                sum(Some(Part::HeldOut), |r| r.citations_relevant),
                sum(Some(Part::HeldOut), |r| r.citations),
            ),
            recall_tuning: recall(Some(Part::Tuning)),
            recall_held_out: recall(Some(Part::HeldOut)),
        };
        let facts: Vec<&ItemResult> = results
            .iter()
            .filter(|r| matches!(r.category, Category::Theory | Category::Fretboard))
            .collect();
        let fact_check = FactCheckFigures {
            claims: results.iter().map(|r| r.claims).sum(),
            corrected: results.iter().map(|r| r.corrected).sum(),
            accuracy_with: ratio(facts.iter().filter(|r| r.correct).count(), facts.len()),
            accuracy_without: ratio(
                facts
                    .iter()
                    .filter(|r| r.correct_without_fact_check)
                    .count(),
                facts.len(),
            ),
        };
        let mut lat: Vec<f64> = results
            .iter()
            .filter(|r| r.category.asks())
            .map(|r| r.latency_ms)
            .collect();
        lat.sort_by(f64::total_cmp);
        let latency_ms = Latency {
            n: lat.len(),
            mean: if lat.is_empty() {
                0.0
            } else {
                (lat.iter().sum::<f64>() / lat.len() as f64 * 100.0).round() / 100.0
            },
            p50: percentile(&lat, 0.5),
            p95: percentile(&lat, 0.95),
            max: lat.last().copied().unwrap_or(0.0),
        };
        Report {
            backend: backend.to_string(),
            seed,
            items: results.len(),
            categories,
            parts,
            citation_precision: ratio(citations.relevant, citations.given),
            citation_recall: recall(None),
            citations,
            fact_check,
            latency_ms,
            tuning_failures: results
                .iter()
                .filter_map(|r| r.why.as_ref().map(|w| format!("{}: {w}", r.id)))
                .collect(),
        }
    }

    /// A Markdown table of the categories, then the cross-cutting figures.
    pub fn markdown(&self) -> String {
        let f = |x: Option<f64>| x.map_or("–".to_string(), |v| format!("{v:.3}"));
        let mut out = format!(
            "Backend: **{}** · seed {} · {} items\n\n| category | items | accuracy | tuning | held-out | before fact-check |\n|---|---:|---:|---:|---:|---:|\n",
            self.backend, self.seed, self.items
        );
        for (name, c) in &self.categories {
            out.push_str(&format!(
                "| {name} | {} | {} | {} ({}) | {} ({}) | {} |\n",
                c.n,
                f(c.accuracy),
                f(c.tuning.accuracy),
                c.tuning.n,
                f(c.held_out.accuracy),
                c.held_out.n,
                f(c.accuracy_without_fact_check)
            ));
        }
        let t = self.parts.get("tuning").cloned().unwrap_or_default();
        let h = self.parts.get("held_out").cloned().unwrap_or_default();
        out.push_str(&format!(
            "| **all** | {} | | {} ({}) | {} ({}) | |\n\n",
            self.items,
            f(t.accuracy),
            t.n,
            f(h.accuracy),
            h.n
        ));
        let c = &self.citations;
        out.push_str(&format!(
            "- Citation precision {} (tuning {}, held-out {}; grounded answers alone {}); recall {} (tuning {}, held-out {}); {} of {} citations relevant; {} citations whose quote the lesson does not say.\n",
            f(self.citation_precision),
            f(c.precision_tuning),
            f(c.precision_held_out),
            f(c.precision_grounded),
            f(self.citation_recall),
            f(c.recall_tuning),
            f(c.recall_held_out),
            c.relevant,
            c.given,
            c.invalid
        ));
        out.push_str(&format!(
            "- Fact-check: {} musical claims read, {} corrected; theory and fretboard accuracy {} as shown, {} before the check.\n",
            self.fact_check.claims,
            self.fact_check.corrected,
            f(self.fact_check.accuracy_with),
            f(self.fact_check.accuracy_without)
        ));
        out.push_str(&format!(
            "- Latency of {} asked items: mean {:.1} ms, p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms.\n",
            self.latency_ms.n,
            self.latency_ms.mean,
            self.latency_ms.p50,
            self.latency_ms.p95,
            self.latency_ms.max
        ));
        out
    }
}
