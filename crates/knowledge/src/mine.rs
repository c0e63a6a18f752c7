//! Edges mined from the lessons: `related` (lesson co-occurrence, NPMI with a G² significance
//! test), `prerequisite` (A reliably taught before B in course order, never creating a cycle),
//! `applies_to` (a technique used on a chord/scale/theory concept in the same sentences, lift),
//! `style_association` (concept over-represented in a style's lessons, lift) and `progression`
//! (one difficulty step within a kind, confirmed by the lessons' levels).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::{Edge, LessonContribution, Ontology};

/// One lesson as the miner sees it.
#[derive(Debug, Clone, Copy)]
pub struct MiningLesson<'a> {
    /// Lesson id.
    pub id: &'a str,
    /// Course id.
    pub course: Option<&'a str>,
    /// Position in the course.
    pub order: Option<i64>,
    /// 1 beginner, 2 intermediate, 3 advanced.
    pub level: Option<u8>,
    /// Style from the lesson's metadata (lowercase).
    pub style: Option<&'a str>,
    /// The lesson's knowledge summary.
    pub summary: &'a LessonContribution,
}

/// Thresholds (defaults documented in docs/KNOWLEDGE.md).
#[derive(Debug, Clone, Copy)]
pub struct MiningOptions {
    /// A lesson teaches a concept when it mentions it at least this often.
    pub min_mentions: usize,
    /// `related`: lessons teaching both.
    pub min_together: usize,
    /// `related`: lowest NPMI.
    pub min_npmi: f64,
    /// `related`, `prerequisite`: significance threshold on G² / the sign test.
    pub min_g2: f64,
    /// `prerequisite`: courses where A comes first.
    pub min_courses: usize,
    /// `prerequisite`: share of ordered courses where A comes first.
    pub min_order_share: f64,
    /// `applies_to`: sentences naming both.
    pub min_sentences: usize,
    /// `applies_to`: lowest lift.
    pub min_applies_lift: f64,
    /// `style_association`: lessons of the style teaching the concept.
    pub min_style_lessons: usize,
    /// `style_association`: lowest lift.
    pub min_style_lift: f64,
}

impl Default for MiningOptions {
    fn default() -> Self {
        Self {
            min_mentions: 2,
            min_together: 5,
            min_npmi: 0.1,
            min_g2: 10.83,
            min_courses: 5,
            min_order_share: 0.8,
            min_sentences: 5,
            min_applies_lift: 2.0,
            min_style_lessons: 10,
            min_style_lift: 1.5,
        }
    }
}

/// The level a lesson's metadata names, 1–3.
pub fn level_rank(level: &str) -> Option<u8> {
    let l = level.to_lowercase();
    if l.contains("begin") || l.contains("easy") || l.contains("novice") {
        Some(1)
    } else if l.contains("inter") || l.contains("medium") {
        Some(2)
    } else if l.contains("adv")
        || l.contains("expert")
        // "pro" only as a word: "improver" is not advanced.
        || l
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| w == "pro" || w == "professional")
    {
        Some(3)
    } else {
        None
    }
}

/// Log-likelihood ratio G² of a 2×2 contingency table [[a, b], [c, d]].
pub(crate) fn g2(a: f64, b: f64, c: f64, d: f64) -> f64 {
    let n = a + b + c + d;
    if n <= 0.0 {
        return 0.0;
    }
    let term = |o: f64, e: f64| {
        if o > 0.0 && e > 0.0 {
            o * (o / e).ln()
        } else {
            0.0
        }
    };
    let (r1, r2, c1, c2) = (a + b, c + d, a + c, b + d);
    2.0 * (term(a, r1 * c1 / n)
        + term(b, r1 * c2 / n)
        + term(c, r2 * c1 / n)
        + term(d, r2 * c2 / n))
}

/// One-sided sign test: P(X ≥ k) for X ~ Binomial(n, 1/2).
fn sign_test(k: usize, n: usize) -> f64 {
    let mut p = 0.0;
    let mut coef = 1.0f64; // C(n, 0)
    let half_n = 0.5f64.powi(n as i32);
    for i in 0..=n {
        if i >= k {
            p += coef * half_n;
        }
        coef = coef * (n - i) as f64 / (i + 1) as f64;
    }
    p.min(1.0)
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

/// Mined edges, in a stable order (kind, then from, then to).
pub fn mine_edges(
    lessons: &[MiningLesson<'_>],
    ontology: &Ontology,
    opts: &MiningOptions,
) -> Vec<Edge> {
    let taught: Vec<BTreeSet<&str>> = lessons
        .iter()
        .map(|l| {
            l.summary
                .concepts
                .iter()
                .filter(|(_, n)| *n >= opts.min_mentions)
                .map(|(c, _)| c.as_str())
                .collect()
        })
        .collect();
    let mut edges = Vec::new();
    let levels = level_totals(lessons, &taught);
    let related = related_edges(lessons, &taught, opts);
    let mut prereqs = prerequisite_edges(lessons, &taught, &levels, ontology, opts);
    edges.extend(applies_to_edges(lessons, ontology, opts));
    edges.extend(style_edges(lessons, &taught, ontology, opts));
    edges.extend(progression_edges(&levels, ontology, &related, &prereqs));
    edges.extend(related);
    edges.append(&mut prereqs);
    edges.sort_by(|a, b| {
        (a.kind.as_str(), a.from.as_str(), a.to.as_str()).cmp(&(
            b.kind.as_str(),
            b.from.as_str(),
            b.to.as_str(),
        ))
    });
    edges
}

fn related_edges(
    lessons: &[MiningLesson<'_>],
    taught: &[BTreeSet<&str>],
    opts: &MiningOptions,
) -> Vec<Edge> {
    let n = lessons.len() as f64;
    let mut single: HashMap<&str, usize> = HashMap::new();
    let mut pair: BTreeMap<(&str, &str), (usize, Vec<&str>)> = BTreeMap::new();
    for (l, set) in lessons.iter().zip(taught) {
        let v: Vec<&str> = set.iter().copied().collect();
        for (i, a) in v.iter().enumerate() {
            *single.entry(a).or_default() += 1;
            for b in &v[i + 1..] {
                let e = pair.entry((a, b)).or_default();
                e.0 += 1;
                if e.1.len() < 5 {
                    e.1.push(l.id);
                }
            }
        }
    }
    let mut out = Vec::new();
    for ((a, b), (k, support)) in pair {
        if k < opts.min_together {
            continue;
        }
        let (na, nb, k) = (single[a] as f64, single[b] as f64, k as f64);
        let pxy = k / n;
        let npmi = if pxy >= 1.0 {
            1.0
        } else {
            (pxy / ((na / n) * (nb / n))).ln() / -pxy.ln()
        };
        let g = g2(k, na - k, nb - k, n - na - nb + k);
        if npmi >= opts.min_npmi && g >= opts.min_g2 {
            out.push(Edge {
                from: a.to_string(),
                to: b.to_string(),
                kind: "related".into(),
                evidence: format!(
                    "taught together in {k} lessons; NPMI {npmi:.2}, G² {g:.1}",
                    k = k as usize
                ),
                score: round(npmi, 3),
                support: support.into_iter().map(str::to_string).collect(),
            });
        }
    }
    out
}

fn reaches(adj: &HashMap<String, Vec<String>>, from: &str, to: &str) -> bool {
    let mut stack = vec![from.to_string()];
    let mut seen = BTreeSet::new();
    while let Some(x) = stack.pop() {
        if x == to {
            return true;
        }
        if seen.insert(x.clone()) {
            stack.extend(adj.get(&x).into_iter().flatten().cloned());
        }
    }
    false
}

/// (sum of levels, lessons with a level) of the lessons teaching each concept.
type LevelTotals<'a> = HashMap<&'a str, (f64, usize)>;

fn level_totals<'a>(lessons: &[MiningLesson<'_>], taught: &[BTreeSet<&'a str>]) -> LevelTotals<'a> {
    let mut totals: LevelTotals = HashMap::new();
    for (l, set) in lessons.iter().zip(taught) {
        if let Some(lv) = l.level {
            for c in set {
                let e = totals.entry(c).or_default();
                e.0 += f64::from(lv);
                e.1 += 1;
            }
        }
    }
    totals
}

fn prerequisite_edges(
    lessons: &[MiningLesson<'_>],
    taught: &[BTreeSet<&str>],
    levels: &LevelTotals<'_>,
    ontology: &Ontology,
    opts: &MiningOptions,
) -> Vec<Edge> {
    // First position of each concept per course.
    let mut courses: BTreeMap<&str, BTreeMap<&str, (i64, &str)>> = BTreeMap::new();
    for (l, set) in lessons.iter().zip(taught) {
        let (Some(course), Some(order)) = (l.course, l.order) else {
            continue;
        };
        let firsts = courses.entry(course).or_default();
        for c in set {
            let e = firsts.entry(c).or_insert((order, l.id));
            if order < e.0 {
                *e = (order, l.id);
            }
        }
    }
    let mut before: BTreeMap<(&str, &str), (usize, Vec<&str>)> = BTreeMap::new();
    for firsts in courses.values() {
        let v: Vec<(&str, i64, &str)> = firsts.iter().map(|(c, (o, id))| (*c, *o, *id)).collect();
        for (i, a) in v.iter().enumerate() {
            for b in &v[i + 1..] {
                let (x, y) = match a.1.cmp(&b.1) {
                    std::cmp::Ordering::Less => (a, b),
                    std::cmp::Ordering::Greater => (b, a),
                    std::cmp::Ordering::Equal => continue,
                };
                let e = before.entry((x.0, y.0)).or_default();
                e.0 += 1;
                if e.1.len() < 5 {
                    e.1.push(y.2);
                }
            }
        }
    }
    let mean_level = |c: &str| levels.get(c).map(|(s, n)| s / *n as f64);
    // (share, courses first, from, to, courses the other way, supporting lessons)
    type Candidate<'a> = (f64, usize, &'a str, &'a str, usize, Vec<&'a str>);
    let mut candidates: Vec<Candidate> = Vec::new();
    for (&(a, b), (k, support)) in &before {
        let back = before.get(&(b, a)).map(|x| x.0).unwrap_or(0);
        let total = k + back;
        let share = *k as f64 / total as f64;
        if *k < opts.min_courses || share < opts.min_order_share || sign_test(*k, total) > 0.01 {
            continue;
        }
        // Never against the levels: B must not be taught at lower levels than A.
        if let (Some(la), Some(lb)) = (mean_level(a), mean_level(b))
            && lb + 0.1 < la
        {
            continue;
        }
        candidates.push((share, *k, a, b, back, support.clone()));
    }
    candidates.sort_by(|x, y| {
        y.0.total_cmp(&x.0)
            .then_with(|| y.1.cmp(&x.1))
            .then_with(|| (x.2, x.3).cmp(&(y.2, y.3)))
    });
    // Curated edges first; a mined edge that would close a cycle is dropped.
    let mut adj: HashMap<String, Vec<String>> = HashMap::new();
    for c in ontology.concepts() {
        for r in &c.requires {
            adj.entry(r.clone()).or_default().push(c.id.clone());
        }
    }
    let mut out = Vec::new();
    for (share, k, a, b, back, support) in candidates {
        let curated = ontology
            .get(b)
            .is_some_and(|c| c.requires.iter().any(|r| r == a));
        // A prerequisite is never harder than what it leads to.
        let harder = match (ontology.get(a), ontology.get(b)) {
            (Some(x), Some(y)) => x.difficulty > y.difficulty,
            _ => false,
        };
        if curated || harder || reaches(&adj, b, a) {
            continue;
        }
        adj.entry(a.to_string()).or_default().push(b.to_string());
        out.push(Edge {
            from: a.to_string(),
            to: b.to_string(),
            kind: "prerequisite".into(),
            evidence: format!(
                "mined: taught first in {k} of {} courses teaching both",
                k + back
            ),
            score: round(share, 3),
            support: support.into_iter().map(str::to_string).collect(),
        });
    }
    out
}

fn applies_to_edges(
    lessons: &[MiningLesson<'_>],
    ontology: &Ontology,
    opts: &MiningOptions,
) -> Vec<Edge> {
    let mut sentences = 0usize;
    let mut single: HashMap<&str, usize> = HashMap::new();
    let mut pair: BTreeMap<(&str, &str), (usize, Vec<&str>)> = BTreeMap::new();
    for l in lessons {
        sentences += l.summary.sentences;
        for (c, n) in &l.summary.sentence_concepts {
            *single.entry(c.as_str()).or_default() += n;
        }
        for (a, b, n) in &l.summary.sentence_pairs {
            let e = pair.entry((a.as_str(), b.as_str())).or_default();
            e.0 += n;
            if e.1.len() < 5 {
                e.1.push(l.id);
            }
        }
    }
    let kind = |c: &str| ontology.get(c).map(|x| x.kind.as_str());
    let mut out = Vec::new();
    for ((a, b), (k, support)) in pair {
        // A technique applies to a chord, scale, theory or rhythm concept.
        let (t, x) = match (kind(a), kind(b)) {
            (Some("technique"), Some("chords" | "scales" | "theory" | "rhythm")) => (a, b),
            (Some("chords" | "scales" | "theory" | "rhythm"), Some("technique")) => (b, a),
            _ => continue,
        };
        if k < opts.min_sentences {
            continue;
        }
        let lift = k as f64 * sentences as f64 / (single[t] as f64 * single[x] as f64);
        if lift >= opts.min_applies_lift {
            out.push(Edge {
                from: t.to_string(),
                to: x.to_string(),
                kind: "applies_to".into(),
                evidence: format!("named in the same sentence {k} times; lift {lift:.1}"),
                score: round(lift, 2),
                support: support.into_iter().map(str::to_string).collect(),
            });
        }
    }
    out
}

/// The node a metadata style maps to: the ontology's style concept when there is one.
fn style_node(ontology: &Ontology, style: &str) -> String {
    let id = format!("style-{style}");
    if ontology.get(&id).is_some() || ontology.get(style).is_none() {
        id
    } else {
        style.to_string()
    }
}

fn style_edges(
    lessons: &[MiningLesson<'_>],
    taught: &[BTreeSet<&str>],
    ontology: &Ontology,
    opts: &MiningOptions,
) -> Vec<Edge> {
    let n = lessons.len() as f64;
    let mut per_style: HashMap<&str, usize> = HashMap::new();
    let mut per_concept: HashMap<&str, usize> = HashMap::new();
    let mut both: BTreeMap<(&str, &str), (usize, Vec<&str>)> = BTreeMap::new();
    for (l, set) in lessons.iter().zip(taught) {
        for c in set {
            *per_concept.entry(c).or_default() += 1;
        }
        let Some(style) = l.style else { continue };
        *per_style.entry(style).or_default() += 1;
        for c in set {
            let e = both.entry((c, style)).or_default();
            e.0 += 1;
            if e.1.len() < 5 {
                e.1.push(l.id);
            }
        }
    }
    let mut out = Vec::new();
    for ((c, style), (k, support)) in both {
        let node = style_node(ontology, style);
        if k < opts.min_style_lessons || node == c {
            continue;
        }
        let lift = k as f64 * n / (per_concept[c] as f64 * per_style[style] as f64);
        if lift >= opts.min_style_lift {
            out.push(Edge {
                from: c.to_string(),
                to: node,
                kind: "style_association".into(),
                evidence: format!(
                    "{k} of {} {style} lessons teach it; lift {lift:.2}",
                    per_style[style]
                ),
                score: round(lift, 3),
                support: support.into_iter().map(str::to_string).collect(),
            });
        }
    }
    out
}

fn progression_edges(
    levels: &LevelTotals<'_>,
    ontology: &Ontology,
    related: &[Edge],
    mined_prereqs: &[Edge],
) -> Vec<Edge> {
    let mean = |c: &str| {
        levels
            .get(c)
            .filter(|(_, n)| *n >= 5)
            .map(|(s, n)| s / *n as f64)
    };
    // Linked pairs: curated or mined prerequisites, and significant co-teaching.
    let mut linked: BTreeSet<(String, String)> = BTreeSet::new();
    for c in ontology.concepts() {
        for r in &c.requires {
            linked.insert((r.clone(), c.id.clone()));
        }
    }
    for e in mined_prereqs.iter().chain(related) {
        linked.insert((e.from.clone(), e.to.clone()));
        if e.kind == "related" {
            linked.insert((e.to.clone(), e.from.clone()));
        }
    }
    let mut out = Vec::new();
    for (a, b) in linked {
        let (Some(ca), Some(cb)) = (ontology.get(&a), ontology.get(&b)) else {
            continue;
        };
        if ca.kind != cb.kind || cb.difficulty != ca.difficulty + 1 {
            continue;
        }
        let (la, lb) = (mean(&a), mean(&b));
        if let (Some(la), Some(lb)) = (la, lb)
            && lb < la
        {
            continue;
        }
        let levels = match (la, lb) {
            (Some(la), Some(lb)) => format!("; mean lesson level {la:.2} → {lb:.2}"),
            _ => String::new(),
        };
        out.push(Edge {
            from: a.clone(),
            to: b.clone(),
            kind: "progression".into(),
            evidence: format!(
                "{} difficulty {} → {}{levels}",
                ca.kind, ca.difficulty, cb.difficulty
            ),
            score: 1.0,
            support: Vec::new(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn improver_is_not_advanced() {
        assert_eq!(level_rank("Improver"), None);
        assert_eq!(level_rank("Pro"), Some(3));
        assert_eq!(level_rank("Advanced"), Some(3));
        assert_eq!(level_rank("beginner"), Some(1));
    }

    #[test]
    fn sign_test_matches_the_binomial() {
        assert!((sign_test(5, 5) - 1.0 / 32.0).abs() < 1e-12);
        assert!((sign_test(0, 4) - 1.0).abs() < 1e-12);
        assert!((sign_test(9, 10) - 11.0 / 1024.0).abs() < 1e-12);
    }

    fn summary(concepts: &[&str]) -> LessonContribution {
        LessonContribution {
            concepts: concepts.iter().map(|c| (c.to_string(), 3)).collect(),
            ..Default::default()
        }
    }

    /// Courses of two lessons each: `first` taught in lesson 1, `second` in lesson 2.
    fn courses(first: &str, second: &str, n: usize) -> Vec<(String, LessonContribution)> {
        (0..n)
            .flat_map(|i| {
                [
                    (format!("c{i}"), summary(&[first])),
                    (format!("c{i}"), summary(&[second])),
                ]
            })
            .collect()
    }

    fn mine(data: &[(String, LessonContribution)]) -> Vec<Edge> {
        let ids: Vec<String> = (0..data.len()).map(|i| format!("l{i}")).collect();
        let lessons: Vec<MiningLesson> = data
            .iter()
            .enumerate()
            .map(|(i, (course, s))| MiningLesson {
                id: &ids[i],
                course: Some(course),
                order: Some((i % 2) as i64 + 1),
                level: Some(1),
                style: None,
                summary: s,
            })
            .collect();
        mine_edges(&lessons, &Ontology::builtin(), &MiningOptions::default())
    }

    #[test]
    fn reliable_course_order_becomes_a_prerequisite() {
        let e = mine(&courses("vibrato", "harmonics", 8));
        let p: Vec<&Edge> = e.iter().filter(|e| e.kind == "prerequisite").collect();
        assert_eq!(p.len(), 1, "{e:?}");
        assert_eq!(
            (p[0].from.as_str(), p[0].to.as_str()),
            ("vibrato", "harmonics")
        );
        assert!(p[0].evidence.contains("8 of 8 courses"));
        assert_eq!(p[0].support.len(), 5);
        // Too few courses: no edge.
        let few = mine(&courses("vibrato", "harmonics", 3));
        assert!(!few.iter().any(|e| e.kind == "prerequisite"));
        // Order split both ways: no edge.
        let mut mixed = courses("vibrato", "harmonics", 6);
        mixed.extend(
            courses("harmonics", "vibrato", 6)
                .into_iter()
                .map(|(c, s)| (format!("x{c}"), s)),
        );
        assert!(!mine(&mixed).iter().any(|e| e.kind == "prerequisite"));
    }

    #[test]
    fn mined_edges_never_contradict_the_curated_ones() {
        // Courses that teach barre chords before open chords: the reverse of a curated edge
        // (and a harder concept first) is not mined.
        let e = mine(&courses("barre-chords", "open-chords", 10));
        assert!(!e.iter().any(|e| e.kind == "prerequisite"), "{e:?}");
    }

    #[test]
    fn g2_is_zero_for_independence() {
        assert!(g2(10.0, 10.0, 10.0, 10.0).abs() < 1e-9);
        assert!(g2(20.0, 0.0, 0.0, 20.0) > 50.0);
    }
}
