//! Measures an export's instruction data (issue 18 B): distinct questions, repeats, repeated
//! question–answer pairs, answers that point at a video, and exact or near-duplicate text across
//! splits. Shared by `tests/pair_quality.rs` and `examples/pair_quality.rs`.
//!
//! The video detector below was written from the issue's description ("answers point at a video
//! the reader cannot see: watch my picking hand here, check this out, let me play it slowly")
//! before the export's generation was changed, and is independent of the export's own cleaning.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

/// Phrases (lowercase, whole words) that make a sentence point at something only the video shows.
pub const VIDEO_PHRASES: &[&str] = &[
    // Looking.
    "watch my",
    "watch me",
    "watch this",
    "watch that",
    "watch how",
    "watch what",
    "watch closely",
    "watch the video",
    "look at my",
    "look at this",
    "look at that",
    "look at the",
    "look at how",
    "take a look",
    "have a look",
    "as you can see",
    "you can see",
    "you'll see",
    "you see how",
    "see how i",
    "see how my",
    "see what i",
    "see here",
    "on the screen",
    "on screen",
    "in the video",
    "this video",
    // Listening.
    "listen to this",
    "listen to that",
    "listen to how",
    "listen to me",
    "have a listen",
    "hear this",
    "hear that",
    "hear how",
    "here's how it sounds",
    "here's what it sounds",
    "here's how that sounds",
    "this is how it sounds",
    "this is what it sounds",
    "sounds like this",
    "check this out",
    "check it out",
    "check that out",
    // Playing or showing.
    "let me play",
    "let me show",
    "let me demonstrate",
    "i'll play",
    "i'll show",
    "i'll demonstrate",
    "i'm going to play",
    "i'm going to show",
    "i'm gonna play",
    "i'm gonna show",
    "here it is",
    "here we go",
    // Pointing.
    "like this",
    "like so",
    "right here",
    "over here",
    "up here",
    "down here",
    "in here",
    "to here",
    "it here",
    "hand here",
    "finger here",
    "fingers here",
];

/// Lowercase words of `text` (letters, digits, apostrophes), wrapped in spaces.
fn words(text: &str) -> String {
    let mut s = String::from(" ");
    for w in text.split_whitespace() {
        let w: String = w
            .chars()
            .map(|c| if c == '\u{2019}' { '\'' } else { c })
            .filter(|c| c.is_alphanumeric() || *c == '\'')
            .flat_map(char::to_lowercase)
            .collect();
        let w = w.trim_matches('\'');
        if !w.is_empty() {
            s.push_str(w);
            s.push(' ');
        }
    }
    s
}

/// Whether a text has a phrase that points at the video.
pub fn points_at_video(text: &str) -> bool {
    let hay = words(text);
    VIDEO_PHRASES
        .iter()
        .any(|p| hay.contains(&format!(" {p} ")))
}

/// One question–answer example of a chat format.
#[derive(Debug, Clone)]
pub struct ChatExample {
    /// train / validation / test.
    pub split: String,
    /// Instructor named in the system prompt (none for theory pairs).
    pub instructor: Option<String>,
    /// The user turn.
    pub question: String,
    /// The assistant turn.
    pub answer: String,
}

/// The chat formats.
pub const CHAT_FORMATS: [&str; 3] = ["openai", "alpaca", "sharegpt"];
/// The splits.
pub const SPLITS: [&str; 3] = ["train", "validation", "test"];

fn read_jsonl(path: &Path) -> Vec<serde_json::Value> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// The instructor a system prompt names ("… teaches like NAME, specialising …" or "… like NAME.").
fn instructor_of(system: &str) -> Option<String> {
    let rest = system.split_once("teaches like ")?.1;
    let end = rest
        .find(", specialising")
        .or_else(|| rest.find(". "))
        .unwrap_or(rest.len());
    Some(rest[..end].trim_end_matches('.').to_string())
}

/// Reads one chat format's examples from an export folder.
pub fn read_chat(dir: &Path, format: &str) -> Vec<ChatExample> {
    let mut out = Vec::new();
    for split in SPLITS {
        for v in read_jsonl(&dir.join(format!("{format}/{split}.jsonl"))) {
            let s = |x: &serde_json::Value| x.as_str().unwrap_or_default().to_string();
            let (system, question, answer) = match format {
                "openai" => {
                    let m = &v["messages"];
                    (
                        s(&m[0]["content"]),
                        s(&m[1]["content"]),
                        s(&m[2]["content"]),
                    )
                }
                "alpaca" => (s(&v["system"]), s(&v["instruction"]), s(&v["output"])),
                _ => {
                    let c = &v["conversations"];
                    (s(&c[0]["value"]), s(&c[1]["value"]), s(&c[2]["value"]))
                }
            };
            out.push(ChatExample {
                split: split.to_string(),
                instructor: instructor_of(&system),
                question,
                answer,
            });
        }
    }
    out
}

/// Which half of the generated corpus's instructors an instructor is in: tuning (true) or held out.
pub fn in_tuning_half(instructor: &str, seed: u64) -> bool {
    let mut h = blake3::Hasher::new();
    h.update(&seed.to_le_bytes());
    h.update(instructor.as_bytes());
    h.finalize().as_bytes()[0].is_multiple_of(2)
}

/// Figures for a set of chat examples.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Figures {
    /// Examples measured.
    pub examples: usize,
    /// Examples whose question no other example asks.
    pub unique_questions: usize,
    /// Share of examples with a distinct question (asked once).
    pub distinct_question_share: f64,
    /// Distinct question strings / examples.
    pub question_variety: f64,
    /// The most any question is asked.
    pub max_question_repeats: usize,
    /// The most asked question.
    pub most_asked: String,
    /// Examples whose (question, answer) another example repeats.
    pub repeated_qa_pairs: usize,
    /// Answers with a phrase that points at the video.
    pub video_answers: usize,
    /// Their share.
    pub video_share: f64,
}

/// Computes the figures; `questions_in` counts repeats across `all` (the whole format).
pub fn figures(set: &[&ChatExample], all: &[ChatExample]) -> Figures {
    let mut asked: HashMap<&str, usize> = HashMap::new();
    let mut qa: HashMap<(&str, &str), usize> = HashMap::new();
    for e in all {
        *asked.entry(e.question.as_str()).or_default() += 1;
        *qa.entry((e.question.as_str(), e.answer.as_str()))
            .or_default() += 1;
    }
    let unique = set
        .iter()
        .filter(|e| asked[e.question.as_str()] == 1)
        .count();
    let distinct: HashSet<&str> = set.iter().map(|e| e.question.as_str()).collect();
    let (most_asked, max) = set
        .iter()
        .map(|e| (e.question.as_str(), asked[e.question.as_str()]))
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .unwrap_or(("", 0));
    let repeated = set
        .iter()
        .filter(|e| qa[&(e.question.as_str(), e.answer.as_str())] > 1)
        .count();
    let video = set.iter().filter(|e| points_at_video(&e.answer)).count();
    let n = set.len().max(1) as f64;
    Figures {
        examples: set.len(),
        unique_questions: unique,
        distinct_question_share: unique as f64 / n,
        question_variety: distinct.len() as f64 / n,
        max_question_repeats: max,
        most_asked: most_asked.to_string(),
        repeated_qa_pairs: repeated,
        video_answers: video,
        video_share: video as f64 / n,
    }
}

/// Figures of one chat format: all, tuning half, held-out half (generated instructors only, split
/// by `seed`), real fixture lessons and theory pairs.
pub fn chat_report(dir: &Path, format: &str, seed: u64) -> BTreeMap<String, Figures> {
    let all = read_chat(dir, format);
    let generated = |e: &&ChatExample| {
        e.instructor
            .as_deref()
            .is_some_and(|i| i.ends_with("(fictional)"))
    };
    let mut out = BTreeMap::new();
    out.insert("all".into(), figures(&all.iter().collect::<Vec<_>>(), &all));
    let pick = |f: &dyn Fn(&&ChatExample) -> bool| all.iter().filter(f).collect::<Vec<_>>();
    out.insert(
        "tuning".into(),
        figures(
            &pick(&|e| generated(e) && in_tuning_half(e.instructor.as_deref().unwrap_or(""), seed)),
            &all,
        ),
    );
    out.insert(
        "held_out".into(),
        figures(
            &pick(&|e| {
                generated(e) && !in_tuning_half(e.instructor.as_deref().unwrap_or(""), seed)
            }),
            &all,
        ),
    );
    out.insert(
        "real".into(),
        figures(&pick(&|e| e.instructor.is_some() && !generated(e)), &all),
    );
    out.insert(
        "theory".into(),
        figures(&pick(&|e| e.instructor.is_none()), &all),
    );
    out
}

/// Every text of every format with its split: (format, split, text).
pub fn split_texts(dir: &Path) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for f in CHAT_FORMATS {
        for e in read_chat(dir, f) {
            out.push((format!("{f}:answer"), e.split.clone(), e.answer.clone()));
            out.push((
                format!("{f}:pair"),
                e.split,
                format!("{}\n{}", e.question, e.answer),
            ));
        }
    }
    for split in SPLITS {
        for v in read_jsonl(&dir.join(format!("multimodal/{split}.jsonl"))) {
            let t = v["text"].as_str().unwrap_or_default().to_string();
            out.push(("multimodal".into(), split.into(), t));
        }
        for v in read_jsonl(&dir.join(format!("conversational/{split}.jsonl"))) {
            let t = v["conversations"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|m| m["instructor_message"].as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default();
            out.push(("conversational".into(), split.into(), t));
        }
        let shard = dir.join(format!("hf/data/{split}-00000-of-00001.parquet"));
        for t in parquet_texts(&shard) {
            out.push(("hf".into(), split.into(), t));
        }
    }
    for v in read_jsonl(&dir.join("langchain/documents.jsonl")) {
        let split = v["metadata"]["split"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let t = v["page_content"].as_str().unwrap_or_default().to_string();
        out.push(("langchain".into(), split, t));
    }
    out
}

fn parquet_texts(path: &Path) -> Vec<String> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let Ok(file) = std::fs::File::open(path) else {
        return Vec::new();
    };
    let Ok(reader) = SerializedFileReader::new(file) else {
        return Vec::new();
    };
    let Ok(rows) = reader.get_row_iter(None) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for row in rows.flatten() {
        for (name, field) in row.get_column_iter() {
            if name == "text"
                && let parquet::record::Field::Str(s) = field
            {
                out.push(s.clone());
            }
        }
    }
    out
}

/// Lowercase word tokens.
fn tokens(text: &str) -> Vec<String> {
    words(text).split_whitespace().map(str::to_string).collect()
}

fn shingles(tokens: &[String]) -> HashSet<u64> {
    let k = 5.min(tokens.len().max(1));
    tokens
        .windows(k)
        .map(|w| {
            let mut h = blake3::Hasher::new();
            for t in w {
                h.update(t.as_bytes());
                h.update(b" ");
            }
            u64::from_le_bytes(h.finalize().as_bytes()[..8].try_into().unwrap_or([0; 8]))
        })
        .collect()
}

fn jaccard(a: &HashSet<u64>, b: &HashSet<u64>) -> f64 {
    let inter = a.intersection(b).count() as f64;
    let union = (a.len() + b.len()) as f64 - inter;
    if union == 0.0 { 1.0 } else { inter / union }
}

/// Text shared across splits within one format.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CrossSplit {
    /// Format (chat formats: `:answer` or `:pair`).
    pub format: String,
    /// Texts whose normalised words appear in two splits.
    pub exact: usize,
    /// Pairs of texts in different splits with 5-word-shingle Jaccard ≥ the threshold (exact
    /// duplicates not counted again).
    pub near: usize,
    /// Up to three examples: (split, split, Jaccard, start of text).
    pub samples: Vec<(String, String, f64, String)>,
}

/// Exact and near-duplicate text across splits per format (near: exact 5-word-shingle Jaccard ≥
/// `threshold`, candidates from an own MinHash with 20 bands × 5 rows).
pub fn cross_split(dir: &Path, threshold: f64) -> Vec<CrossSplit> {
    let texts = split_texts(dir);
    let mut by_format: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (f, s, t) in texts {
        by_format.entry(f).or_default().push((s, t));
    }
    let mut out = Vec::new();
    for (format, docs) in by_format {
        let mut exact_splits: HashMap<String, BTreeSet<&str>> = HashMap::new();
        for (s, t) in &docs {
            exact_splits.entry(words(t)).or_default().insert(s.as_str());
        }
        let mut samples = Vec::new();
        let mut exact = 0;
        for (s, t) in &docs {
            if exact_splits[&words(t)].len() > 1 {
                exact += 1;
                if samples.len() < 3 {
                    samples.push((s.clone(), "other".into(), 1.0, t.chars().take(80).collect()));
                }
            }
        }
        let sets: Vec<HashSet<u64>> = docs.iter().map(|(_, t)| shingles(&tokens(t))).collect();
        let sigs: Vec<Vec<u64>> = sets.iter().map(minhash).collect();
        let mut seen: HashSet<(usize, usize)> = HashSet::new();
        let mut near = 0;
        for band in 0..BANDS {
            let mut buckets: HashMap<&[u64], Vec<usize>> = HashMap::new();
            for (i, s) in sigs.iter().enumerate() {
                if !sets[i].is_empty() {
                    buckets
                        .entry(&s[band * ROWS..(band + 1) * ROWS])
                        .or_default()
                        .push(i);
                }
            }
            for members in buckets.values() {
                for (x, &i) in members.iter().enumerate() {
                    for &j in &members[x + 1..] {
                        if docs[i].0 == docs[j].0 || words(&docs[i].1) == words(&docs[j].1) {
                            continue;
                        }
                        if !seen.insert((i.min(j), i.max(j))) {
                            continue;
                        }
                        let jac = jaccard(&sets[i], &sets[j]);
                        if jac >= threshold {
                            near += 1;
                            if samples.len() < 6 {
                                samples.push((
                                    docs[i].0.clone(),
                                    docs[j].0.clone(),
                                    jac,
                                    docs[i].1.chars().take(80).collect(),
                                ));
                            }
                        }
                    }
                }
            }
        }
        out.push(CrossSplit {
            format,
            exact,
            near,
            samples,
        });
    }
    out
}

const BANDS: usize = 20;
const ROWS: usize = 5;

fn minhash(set: &HashSet<u64>) -> Vec<u64> {
    (0..BANDS * ROWS)
        .map(|i| {
            let (a, b) = (
                0x9E37_79B9_7F4A_7C15u64.wrapping_mul(2 * i as u64 + 1) | 1,
                0xC2B2_AE3D_27D4_EB4Fu64.wrapping_mul(i as u64 + 7),
            );
            set.iter()
                .map(|&x| a.wrapping_mul(x ^ b).rotate_left(31))
                .min()
                .unwrap_or(u64::MAX)
        })
        .collect()
}
