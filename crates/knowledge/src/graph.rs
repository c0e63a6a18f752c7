//! The concept graph as data: nodes, typed edges with evidence, and exports (JSON, GraphML, DOT,
//! and a layered SVG picture, easiest concepts on the left).

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::Ontology;

/// A typed edge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    /// From concept id.
    pub from: String,
    /// To concept id.
    pub to: String,
    /// "prerequisite" (from must come before to), "part_of", "related", "applies_to",
    /// "style_association" or "progression".
    pub kind: String,
    /// Why the edge exists ("curated", or the statistic that supports it).
    pub evidence: String,
    /// The edge's strength (NPMI, lift, share of courses; 1 for curated edges).
    pub score: f64,
    /// Lessons that support it (up to five; none for curated edges).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub support: Vec<String>,
}

/// The graph: concepts and edges.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConceptGraph {
    /// Concepts with lesson counts (0 when no catalog was used).
    pub nodes: Vec<Node>,
    /// Edges.
    pub edges: Vec<Edge>,
}

/// A node.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Node {
    /// Concept id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// Difficulty 1–5.
    pub difficulty: u8,
    /// Lessons that teach it.
    pub lessons: usize,
}

impl ConceptGraph {
    /// The curated graph: prerequisite and part-of edges, plus any extra (mined) edges.
    pub fn new(
        ontology: &Ontology,
        lesson_counts: &BTreeMap<String, usize>,
        extra: Vec<Edge>,
    ) -> Self {
        let nodes = ontology
            .concepts()
            .iter()
            .map(|c| Node {
                id: c.id.clone(),
                name: c.name.clone(),
                kind: c.kind.clone(),
                difficulty: c.difficulty,
                lessons: lesson_counts.get(&c.id).copied().unwrap_or(0),
            })
            .collect();
        let mut edges = Vec::new();
        for c in ontology.concepts() {
            for r in &c.requires {
                edges.push(Edge {
                    from: r.clone(),
                    to: c.id.clone(),
                    kind: "prerequisite".into(),
                    evidence: "curated".into(),
                    score: 1.0,
                    support: Vec::new(),
                });
            }
            if let Some(p) = &c.parent {
                edges.push(Edge {
                    from: c.id.clone(),
                    to: p.clone(),
                    kind: "part_of".into(),
                    evidence: "curated".into(),
                    score: 1.0,
                    support: Vec::new(),
                });
            }
        }
        let mut nodes: Vec<Node> = nodes;
        // Mined edges may name styles from lesson metadata that the ontology lacks.
        for e in &extra {
            for id in [&e.from, &e.to] {
                if ontology.get(id).is_none() && !nodes.iter().any(|n| &n.id == id) {
                    nodes.push(Node {
                        id: id.clone(),
                        name: id.trim_start_matches("style-").to_string(),
                        kind: "style".into(),
                        difficulty: 1,
                        lessons: lesson_counts.get(id).copied().unwrap_or(0),
                    });
                }
            }
        }
        edges.extend(extra);
        Self { nodes, edges }
    }

    /// The concept, its neighbours by any edge, and the edges among them.
    pub fn neighbourhood(&self, id: &str) -> Option<ConceptGraph> {
        if !self.nodes.iter().any(|n| n.id == id) {
            return None;
        }
        let mut keep: std::collections::BTreeSet<&str> = [id].into_iter().collect();
        for e in &self.edges {
            if e.from == id {
                keep.insert(e.to.as_str());
            }
            if e.to == id {
                keep.insert(e.from.as_str());
            }
        }
        Some(ConceptGraph {
            nodes: self
                .nodes
                .iter()
                .filter(|n| keep.contains(n.id.as_str()))
                .cloned()
                .collect(),
            edges: self
                .edges
                .iter()
                .filter(|e| keep.contains(e.from.as_str()) && keep.contains(e.to.as_str()))
                .cloned()
                .collect(),
        })
    }

    /// GraphML for Gephi, yEd, NetworkX.
    pub fn graphml(&self) -> String {
        let mut s = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n",
        );
        for (id, target, name, ty) in [
            ("name", "node", "name", "string"),
            ("kind", "node", "kind", "string"),
            ("difficulty", "node", "difficulty", "int"),
            ("lessons", "node", "lessons", "int"),
            ("edge_kind", "edge", "kind", "string"),
            ("evidence", "edge", "evidence", "string"),
            ("score", "edge", "score", "double"),
        ] {
            let _ = writeln!(
                s,
                "  <key id=\"{id}\" for=\"{target}\" attr.name=\"{name}\" attr.type=\"{ty}\"/>"
            );
        }
        s.push_str("  <graph id=\"concepts\" edgedefault=\"directed\">\n");
        for n in &self.nodes {
            let _ = writeln!(
                s,
                "    <node id=\"{}\"><data key=\"name\">{}</data><data key=\"kind\">{}</data><data key=\"difficulty\">{}</data><data key=\"lessons\">{}</data></node>",
                xml(&n.id),
                xml(&n.name),
                xml(&n.kind),
                n.difficulty,
                n.lessons
            );
        }
        for (i, e) in self.edges.iter().enumerate() {
            let _ = writeln!(
                s,
                "    <edge id=\"e{i}\" source=\"{}\" target=\"{}\"><data key=\"edge_kind\">{}</data><data key=\"evidence\">{}</data><data key=\"score\">{}</data></edge>",
                xml(&e.from),
                xml(&e.to),
                xml(&e.kind),
                xml(&e.evidence),
                e.score
            );
        }
        s.push_str("  </graph>\n</graphml>\n");
        s
    }

    /// Graphviz DOT.
    pub fn dot(&self) -> String {
        let mut s =
            String::from("digraph concepts {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n");
        for n in &self.nodes {
            let _ = writeln!(
                s,
                "  \"{}\" [label=\"{}\\n{}\"];",
                dot(&n.id),
                dot(&n.name),
                "*".repeat(n.difficulty as usize)
            );
        }
        for e in &self.edges {
            let style = match e.kind.as_str() {
                "prerequisite" => "solid",
                "part_of" => "dotted",
                _ => "dashed",
            };
            let _ = writeln!(
                s,
                "  \"{}\" -> \"{}\" [style={style}, label=\"{}\"];",
                dot(&e.from),
                dot(&e.to),
                dot(&e.kind)
            );
        }
        s.push_str("}\n");
        s
    }

    /// A picture: one column per difficulty, prerequisite arrows left to right.
    pub fn svg(&self) -> String {
        let (w, h, gap_x, gap_y) = (225.0, 26.0, 260.0, 34.0);
        let mut columns: BTreeMap<u8, Vec<&Node>> = BTreeMap::new();
        for n in &self.nodes {
            columns.entry(n.difficulty).or_default().push(n);
        }
        let mut pos: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
        let mut height: f64 = 0.0;
        for (d, ns) in &columns {
            for (i, n) in ns.iter().enumerate() {
                let (x, y) = (
                    20.0 + gap_x * f64::from(d.max(&1) - 1),
                    50.0 + gap_y * i as f64,
                );
                pos.insert(n.id.as_str(), (x, y));
                height = height.max(y + h + 20.0);
            }
        }
        let width = 20.0 + gap_x * 5.0;
        let height = height + 24.0; // legend
        let mut s = String::new();
        let _ = write!(
            s,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"11\">"
        );
        for d in 1..=5u8 {
            let _ = write!(
                s,
                "<text x=\"{}\" y=\"28\" font-size=\"14\">difficulty {d}</text>",
                20.0 + gap_x * f64::from(d - 1)
            );
        }
        // Small graphs (a neighbourhood) show every edge kind; the whole graph only the
        // prerequisites, which is what its layout is for.
        let every_kind = self.nodes.len() <= 40;
        let colour = |kind: &str| match kind {
            "prerequisite" => Some(("#64748b", "")),
            "progression" if every_kind => Some(("#ea580c", "")),
            "related" if every_kind => Some(("#2563eb", " stroke-dasharray=\"5 3\"")),
            "applies_to" if every_kind => Some(("#16a34a", " stroke-dasharray=\"2 2\"")),
            "style_association" if every_kind => Some(("#9333ea", " stroke-dasharray=\"1 3\"")),
            "part_of" if every_kind => Some(("#cbd5e1", " stroke-dasharray=\"1 2\"")),
            _ => None,
        };
        for e in &self.edges {
            let Some((stroke, dash)) = colour(&e.kind) else {
                continue;
            };
            if let (Some(a), Some(b)) = (pos.get(e.from.as_str()), pos.get(e.to.as_str())) {
                let _ = write!(
                    s,
                    "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{stroke}\" stroke-width=\"1.2\"{dash}><title>{} {} → {}: {}</title></line>",
                    a.0 + w,
                    a.1 + h / 2.0,
                    b.0,
                    b.1 + h / 2.0,
                    xml(&e.kind),
                    xml(&e.from),
                    xml(&e.to),
                    xml(&e.evidence)
                );
            }
        }
        if every_kind {
            for (i, kind) in [
                "prerequisite",
                "progression",
                "related",
                "applies_to",
                "style_association",
            ]
            .iter()
            .enumerate()
            {
                if let Some((stroke, dash)) = colour(kind) {
                    let x = 20.0 + 170.0 * i as f64;
                    let _ = write!(
                        s,
                        "<line x1=\"{x}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{stroke}\" stroke-width=\"2\"{dash}/><text x=\"{}\" y=\"{}\">{kind}</text>",
                        height - 4.0,
                        x + 30.0,
                        height - 4.0,
                        x + 36.0,
                        height
                    );
                }
            }
        }
        for n in &self.nodes {
            if let Some(&(x, y)) = pos.get(n.id.as_str()) {
                let fill = match n.kind.as_str() {
                    "technique" => "#dbeafe",
                    "chords" => "#dcfce7",
                    "scales" => "#fef9c3",
                    "theory" => "#fae8ff",
                    "rhythm" => "#ffedd5",
                    "style" => "#e0e7ff",
                    _ => "#f1f5f9",
                };
                let _ = write!(
                    s,
                    "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" rx=\"6\" fill=\"{fill}\" stroke=\"#475569\"/><text x=\"{}\" y=\"{}\">{}</text>",
                    x + 6.0,
                    y + 17.0,
                    xml(&n.name)
                );
            }
        }
        s.push_str("</svg>\n");
        s
    }
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn dot(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// A concept that co-occurs with another more than chance predicts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Related {
    /// The related concept.
    pub concept: String,
    /// Normalised pointwise mutual information, −1 … 1.
    pub npmi: f64,
    /// Lessons teaching both.
    pub together: usize,
    /// Some of those lessons.
    pub lessons: Vec<String>,
}

/// Concepts related to `target` by co-occurrence in lessons: NPMI over lesson-level concept sets,
/// kept when at least `min_together` lessons teach both and NPMI ≥ `min_npmi`, strongest first.
pub fn related(
    lessons: &[(String, std::collections::BTreeSet<String>)],
    target: &str,
    min_together: usize,
    min_npmi: f64,
) -> Vec<Related> {
    let n = lessons.len() as f64;
    if n == 0.0 {
        return Vec::new();
    }
    let mut single: BTreeMap<&str, usize> = BTreeMap::new();
    let mut pair: BTreeMap<&str, (usize, Vec<String>)> = BTreeMap::new();
    for (id, set) in lessons {
        for c in set {
            *single.entry(c.as_str()).or_default() += 1;
        }
        if set.contains(target) {
            for c in set.iter().filter(|c| c.as_str() != target) {
                let e = pair.entry(c.as_str()).or_default();
                e.0 += 1;
                if e.1.len() < 5 {
                    e.1.push(id.clone());
                }
            }
        }
    }
    let Some(&t) = single.get(target) else {
        return Vec::new();
    };
    let mut out: Vec<Related> = pair
        .into_iter()
        .filter(|(_, (k, _))| *k >= min_together)
        .map(|(c, (k, ls))| {
            let pxy = k as f64 / n;
            let px = t as f64 / n;
            let py = single[c] as f64 / n;
            let npmi = if pxy >= 1.0 {
                1.0
            } else {
                (pxy / (px * py)).ln() / -pxy.ln()
            };
            Related {
                concept: c.to_string(),
                npmi,
                together: k,
                lessons: ls,
            }
        })
        .filter(|r| r.npmi >= min_npmi)
        .collect();
    out.sort_by(|a, b| {
        b.npmi
            .total_cmp(&a.npmi)
            .then_with(|| a.concept.cmp(&b.concept))
    });
    out
}
