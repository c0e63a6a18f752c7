//! Training-data export: passages, instruction and theory pairs, conversations and multimodal
//! records from the catalog, curated (quality filters, exact and near-duplicate removal) and
//! split by instructor, written as Hugging Face Parquet, OpenAI chat, LangChain, Alpaca,
//! ShareGPT, conversational and multimodal JSON Lines.
//!
//! Output is deterministic for a catalog, options and seed (apart from `created_at`).

pub mod curate;
pub mod examples;
pub mod outdir;
pub mod pairs;
mod summary;
pub mod write;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

pub use fretwise_catalog::Progress;
use fretwise_catalog::{Catalog, LessonCuration};
use fretwise_knowledge::Ontology;
use fretwise_lexicon::Lexicon;
use rand::Rng;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;
pub use summary::{ExportSummary, SplitCoverage, read_summary};

use crate::curate::{
    DedupNormalizer, Exclusion, Filters, MinHasher, NearDuplicateIndex, Split, SplitShares,
    assign_splits, filter, near_duplicate_clusters,
};
use crate::examples::{
    ChunkOptions, Citation, passages, rng_for, system_prompt, theory_items, theory_pairs,
};
use crate::pairs::{LazyLessonPair, QuestionPicker, lazy_lesson_pair};
use crate::write::{HfRow, Jsonl, ParquetShard, card};

/// Errors from export.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// The catalog failed.
    #[error(transparent)]
    Catalog(#[from] fretwise_catalog::CatalogError),
    /// Writing failed.
    #[error("{path}: {message}")]
    Io {
        /// File.
        path: String,
        /// Cause.
        message: String,
    },
    /// Parquet encoding failed.
    #[error("parquet: {0}")]
    Parquet(String),
    /// Bad options.
    #[error("{0}")]
    Invalid(String),
    /// The output folder exists and is not one an export may replace.
    #[error("will not replace {path}: {reason}; choose another output folder")]
    Refused {
        /// The folder.
        path: String,
        /// Why it is kept.
        reason: String,
    },
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Hugging Face Parquet + dataset card.
    Hf,
    /// OpenAI chat fine-tuning JSONL.
    Openai,
    /// LangChain documents.
    Langchain,
    /// Conversational (instructor messages with context).
    Conversational,
    /// Text with word timings and audio features.
    Multimodal,
    /// Alpaca instruction/input/output.
    Alpaca,
    /// ShareGPT conversations.
    Sharegpt,
}

impl Format {
    /// All formats.
    pub const ALL: [Format; 7] = [
        Format::Hf,
        Format::Openai,
        Format::Langchain,
        Format::Conversational,
        Format::Multimodal,
        Format::Alpaca,
        Format::Sharegpt,
    ];

    /// Name used on the command line and in the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Hf => "hf",
            Format::Openai => "openai",
            Format::Langchain => "langchain",
            Format::Conversational => "conversational",
            Format::Multimodal => "multimodal",
            Format::Alpaca => "alpaca",
            Format::Sharegpt => "sharegpt",
        }
    }

    /// Parses a name.
    pub fn parse(s: &str) -> Result<Format, DatasetError> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s.trim())
            .ok_or_else(|| DatasetError::Invalid(format!("unknown format `{s}` (use hf, openai, langchain, conversational, multimodal, alpaca, sharegpt)")))
    }
}

/// Export settings.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// Output folder.
    pub out: PathBuf,
    /// Formats to write.
    pub formats: Vec<Format>,
    /// Filters.
    pub filters: Filters,
    /// Seed for splits and sampling.
    pub seed: u64,
    /// Stop after this many passages.
    pub max_examples: Option<usize>,
    /// Shares of lessons per split, dealt by whole instructors.
    pub split_shares: SplitShares,
    /// Styles held out entirely for test.
    pub test_styles: Vec<String>,
    /// Hold out lessons whose main concept is advanced (difficulty 4–5) for test.
    pub test_advanced_concepts: bool,
    /// Passage chunking.
    pub chunk: ChunkOptions,
    /// Theory pairs per lesson pair.
    pub theory_rate: f64,
    /// Timestamp for the manifest (the only field allowed to differ between identical runs).
    pub created_at: String,
    /// Catalog URL for the manifest.
    pub source: String,
}

/// What curation decided, before anything is written.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// Lessons in the catalog.
    pub lessons_in_catalog: usize,
    /// Lessons removed per reason.
    pub removed: BTreeMap<Exclusion, usize>,
    /// Kept lessons and their split, by id.
    pub splits: BTreeMap<String, Split>,
    /// Instructors and lessons per split.
    pub split_counts: BTreeMap<Split, (usize, usize)>,
    /// Which kept lesson each near duplicate was folded into.
    pub near_duplicates: BTreeMap<String, String>,
}

impl Plan {
    /// The dry-run table as JSON: lessons in the catalog, removed per reason, instructors and
    /// lessons per split, near duplicates folded (not the per-lesson lists).
    pub fn summary(&self) -> serde_json::Value {
        json!({
            "lessons_in_catalog": self.lessons_in_catalog,
            "removed": self.removed,
            "kept": self.splits.len(),
            "splits": splits_json(self),
            "near_duplicates_folded": self.near_duplicates.len(),
        })
    }
}

/// The copy to keep among duplicates: the platform's WhisperX output (forced-aligned word
/// timings, service metrics) over plain Whisper, then the higher quality score, then the lower id.
/// Quality scores are not comparable across formats: Whisper's probabilities run higher.
fn better(a: &LessonCuration, b: &LessonCuration) -> bool {
    let rank = |i: &LessonCuration| u8::from(i.format == "whisperx");
    (rank(a), a.quality_score, std::cmp::Reverse(&a.id))
        > (rank(b), b.quality_score, std::cmp::Reverse(&b.id))
}

/// Runs the filters, dedup and splits.
pub async fn plan(
    catalog: &Catalog,
    opts: &ExportOptions,
    progress: &dyn Progress,
) -> Result<(Plan, Vec<LessonCuration>), DatasetError> {
    opts.filters.check().map_err(DatasetError::Invalid)?;
    opts.split_shares
        .check()
        .map_err(|e| DatasetError::Invalid(format!("split shares: {e}")))?;
    let infos = catalog.lesson_curations().await?;
    let mut removed: BTreeMap<Exclusion, usize> = BTreeMap::new();
    let mut kept: Vec<&LessonCuration> = Vec::new();
    let mut marked_duplicates = 0;
    for i in &infos {
        // The catalog's exact duplicates are stored as not trainable; they are left out as
        // duplicates, not as flagged lessons, unless a failure flag says more.
        if i.duplicate_of.is_some() && i.failure_flags.is_empty() && i.word_count > 0 {
            marked_duplicates += 1;
        } else if curate::unusable(i) {
            *removed.entry(Exclusion::Flagged).or_default() += 1;
        } else {
            kept.push(i);
        }
    }
    // Exact duplicates: one copy per normalised text.
    let mut best_by_hash: HashMap<&str, &LessonCuration> = HashMap::new();
    for i in &kept {
        let e = best_by_hash.entry(i.text_hash.as_str()).or_insert(i);
        if better(i, e) {
            *e = i;
        }
    }
    let before = kept.len();
    kept.retain(|i| {
        best_by_hash
            .get(i.text_hash.as_str())
            .is_some_and(|b| b.id == i.id)
    });
    removed.insert(
        Exclusion::ExactDuplicate,
        marked_duplicates + before - kept.len(),
    );

    // Near duplicates: MinHash over normalised text, verified LSH candidates.
    progress.stage("dedup", Some(kept.len() as u64));
    let normalizer = DedupNormalizer::new(&Lexicon::builtin());
    let hasher = MinHasher::new();
    let mut signatures = Vec::with_capacity(kept.len());
    let ids: Vec<String> = kept.iter().map(|i| i.id.clone()).collect();
    for chunk in ids.chunks(500) {
        let texts = catalog.lesson_texts(chunk).await?;
        signatures.extend(
            texts
                .par_iter()
                .map(|text| hasher.signature(&normalizer.tokens(text)))
                .collect::<Vec<_>>(),
        );
        progress.advance(chunk.len() as u64);
    }
    let clusters = near_duplicate_clusters(&signatures, opts.filters.near_duplicate_threshold);
    let mut best_in_cluster: HashMap<usize, usize> = HashMap::new();
    for (i, &c) in clusters.iter().enumerate() {
        let e = best_in_cluster.entry(c).or_insert(i);
        if better(kept[i], kept[*e]) {
            *e = i;
        }
    }
    let mut near_duplicates = BTreeMap::new();
    let mut survivors = Vec::new();
    for (i, &c) in clusters.iter().enumerate() {
        let b = best_in_cluster[&c];
        if b == i {
            survivors.push(kept[i]);
        } else {
            near_duplicates.insert(kept[i].id.clone(), kept[b].id.clone());
        }
    }
    removed.insert(Exclusion::NearDuplicate, near_duplicates.len());
    // Threshold filters on the copies that survived dedup.
    survivors.retain(|i| match filter(i, &opts.filters) {
        Some(e) => {
            *removed.entry(e).or_default() += 1;
            false
        }
        None => true,
    });
    let mut splits = assign_splits(&survivors, opts.seed, opts.split_shares, &opts.test_styles);
    if opts.test_advanced_concepts {
        // A lesson whose strongest concept is advanced goes to test: unseen difficulty.
        let ontology = Ontology::builtin();
        let ids: Vec<String> = survivors.iter().map(|s| s.id.clone()).collect();
        for chunk in ids.chunks(500) {
            for c in catalog.lesson_timed_texts(chunk, false).await? {
                let top = ontology.concepts_in(&c.terms).into_iter().next();
                if top
                    .and_then(|(id, _)| ontology.get(&id).map(|x| x.difficulty))
                    .is_some_and(|d| d >= 4)
                {
                    splits.insert(c.id.clone(), Split::Test);
                }
            }
        }
    }
    let mut per_split: BTreeMap<Split, (std::collections::BTreeSet<String>, usize)> =
        BTreeMap::new();
    for s in &survivors {
        let split = splits[&s.id];
        let e = per_split.entry(split).or_default();
        e.0.insert(s.instructor_id.clone().unwrap_or_default());
        e.1 += 1;
    }
    let split_counts = Split::ALL
        .into_iter()
        .map(|s| {
            let (ins, n) = per_split.remove(&s).unwrap_or_default();
            (s, (ins.len(), n))
        })
        .collect();
    let plan = Plan {
        lessons_in_catalog: infos.len(),
        removed,
        splits,
        split_counts,
        near_duplicates,
    };
    Ok((plan, infos))
}

/// A passage made ready off the writer: everything that does not depend on what was written
/// before it.
struct PreparedPassage {
    /// Passage id.
    id: String,
    key: [u8; 32],
    /// MinHash of the passage, for near duplicates across lessons.
    signature: Vec<u32>,
    tokens: u64,
    /// The Parquet row, when that format is written.
    hf: Option<HfRow>,
    /// The LangChain document's line, when written.
    langchain: Option<Vec<u8>>,
    /// The multimodal record's line, when written.
    multimodal: Option<Vec<u8>>,
    /// The lesson pair; none when too little stands alone.
    pair: Option<PreparedPair>,
}

/// A lesson pair before its question is chosen, with what writing it needs.
struct PreparedPair {
    pair: LazyLessonPair,
    /// MinHash of the answer.
    signature: Vec<u32>,
    /// cl100k tokens of the answer.
    answer_tokens: u64,
    /// The first question candidate and its tokens (the one usually taken).
    first_question: Option<(String, u64)>,
    citation: Citation,
}

struct Prepared {
    id: String,
    split: Split,
    system: String,
    system_tokens: u64,
    items: Vec<PreparedPassage>,
    /// The conversational record's line, when written.
    conversational: Option<Vec<u8>>,
}

/// What preparing a chunk of lessons needs; shared by the pool's threads.
struct Prep<'a> {
    opts: &'a ExportOptions,
    by_id: &'a HashMap<&'a str, &'a LessonCuration>,
    splits: &'a BTreeMap<String, Split>,
    ontology: &'a Ontology,
    classifier: &'a fretwise_knowledge::TeachingClassifier,
    normalizer: &'a DedupNormalizer,
    hasher: &'a MinHasher,
    count: &'a (dyn Fn(&str) -> u64 + Sync),
}

impl Prep<'_> {
    /// Chunking, pairs, MinHash, token counts and the JSON lines of a chunk, on every core; the
    /// lessons stay in order.
    fn chunk(
        &self,
        (contents, audio): (
            Vec<fretwise_catalog::LessonText>,
            HashMap<String, fretwise_catalog::LessonAudioRow>,
        ),
    ) -> Vec<Prepared> {
        contents
            .into_par_iter()
            .filter_map(|content| {
                let sound = audio.get(&content.id).map(LessonSound::of);
                self.lesson(content, sound.as_ref())
            })
            .collect()
    }

    fn lesson(
        &self,
        content: fretwise_catalog::LessonText,
        sound: Option<&LessonSound>,
    ) -> Option<Prepared> {
        let info = *self.by_id.get(content.id.as_str())?;
        let split = *self.splits.get(&content.id)?;
        let opts = self.opts;
        let count = self.count;
        let has = |f: Format| opts.formats.contains(&f);
        let mut rng = rng_for(opts.seed, &content.id);
        let system = system_prompt(info);
        let system_tokens = count(&system);
        let items = passages(&content, &opts.chunk, self.ontology)
            .into_iter()
            .map(|p| {
                let pair = lazy_lesson_pair(&p, info, self.classifier, &mut rng).map(|lp| {
                    let signature = self.hasher.signature(&self.normalizer.tokens(&lp.answer));
                    let answer_tokens = count(&lp.answer);
                    let first_question = lp.questions.first().map(|q| {
                        let n = count(&q);
                        (q, n)
                    });
                    PreparedPair {
                        pair: lp,
                        signature,
                        answer_tokens,
                        first_question,
                        citation: Citation {
                            passage_id: p.id.clone(),
                            start_s: p.start_s,
                            end_s: p.end_s,
                            text: p.text.clone(),
                        },
                    }
                });
                let langchain = has(Format::Langchain).then(|| {
                    json_line(&LangchainDoc {
                        metadata: LangchainMeta {
                            chapter: &info.chapter,
                            concepts: &p.concepts,
                            course: &info.course,
                            end_s: p.end_s,
                            guitar_terms: p.terms.iter().map(|t| t.term.as_str()).collect(),
                            instructor: &info.instructor,
                            instructor_id: &info.instructor_id,
                            quality_score: info.quality_score,
                            segment_id: &p.lesson_id,
                            skill_level: &info.level,
                            source: &info.source,
                            split: split.as_str(),
                            start_s: p.start_s,
                            style: &info.style,
                            title: &info.title,
                        },
                        page_content: &p.text,
                    })
                });
                let multimodal = has(Format::Multimodal).then(|| {
                    let (audio_features, demonstrations) = match sound {
                        Some(s) => s.passage(&content.utterances, p.start_s, p.end_s),
                        None => (None, Vec::new()),
                    };
                    json_line(&MultimodalRecord {
                        audio_features,
                        audio_path: &info.audio_path,
                        demonstrations,
                        end_s: p.end_s,
                        id: &p.id,
                        segment_id: &p.lesson_id,
                        start_s: p.start_s,
                        text: &p.text,
                        words: Words(&p.words),
                    })
                });
                let key = passage_key(&p.text);
                let signature = self.hasher.signature(&self.normalizer.tokens(&p.text));
                let tokens = count(&p.text);
                let id = p.id.clone();
                let hf = has(Format::Hf).then(|| HfRow {
                    id: p.id,
                    text: p.text,
                    instructor: info.instructor.clone(),
                    course: info.course.clone(),
                    chapter: info.chapter.clone(),
                    segment_id: p.lesson_id,
                    start_s: p.start_s,
                    end_s: p.end_s,
                    guitar_terms: p.terms,
                    concepts: p.concepts,
                    skill_level: info.level.clone(),
                    style: info.style.clone(),
                    quality_score: info.quality_score,
                    token_count: tokens as i64,
                });
                PreparedPassage {
                    id,
                    key,
                    signature,
                    tokens,
                    hf,
                    langchain,
                    multimodal,
                    pair,
                }
            })
            .collect();
        let conversational = if has(Format::Conversational) {
            conversation_line(&content, info, &system)
        } else {
            None
        };
        Some(Prepared {
            id: content.id,
            split,
            system,
            system_tokens,
            items,
            conversational,
        })
    }
}

/// The conversational record of a lesson: its non-empty utterances with their context; none
/// when it has none.
fn conversation_line(
    content: &fretwise_catalog::LessonText,
    info: &LessonCuration,
    system: &str,
) -> Option<Vec<u8>> {
    let utts = &content.utterances;
    let mut terms: Vec<Vec<&str>> = vec![Vec::new(); utts.len()];
    for t in &content.terms {
        if let Some(v) = terms.get_mut(t.utterance) {
            v.push(t.term.as_str());
        }
    }
    let turns: Vec<Turn> = utts
        .iter()
        .zip(terms)
        .enumerate()
        .filter(|(_, (u, _))| !u.text.trim().is_empty())
        .map(|(i, (u, guitar_terms))| Turn {
            context: TurnContext {
                course: &info.course,
                lesson: &info.title,
                level: &info.level,
                preceding_utterances: utts[i.saturating_sub(2)..i]
                    .iter()
                    .map(|x| x.text.as_str())
                    .collect(),
                style: &info.style,
            },
            end_s: u.end,
            guitar_terms,
            instructor_message: &u.text,
            start_s: u.start,
        })
        .collect();
    if turns.is_empty() {
        return None;
    }
    Some(json_line(&Conversation {
        conversations: turns,
        instructor: &info.instructor,
        segment_id: &content.id,
        system,
    }))
}

/// One compact JSON object. The record types below list their keys in sorted order, the order
/// the `json!` objects they replace were written in.
fn json_line<T: Serialize>(value: &T) -> Vec<u8> {
    // Serializing these types (strings, numbers, options, sequences) cannot fail.
    serde_json::to_vec(value).unwrap_or_default()
}

#[derive(Serialize)]
struct LangchainDoc<'a> {
    metadata: LangchainMeta<'a>,
    page_content: &'a str,
}

#[derive(Serialize)]
struct LangchainMeta<'a> {
    chapter: &'a Option<String>,
    concepts: &'a [String],
    course: &'a Option<String>,
    end_s: f64,
    guitar_terms: Vec<&'a str>,
    instructor: &'a Option<String>,
    instructor_id: &'a Option<String>,
    quality_score: f64,
    segment_id: &'a str,
    skill_level: &'a Option<String>,
    source: &'a str,
    split: &'a str,
    start_s: f64,
    style: &'a Option<String>,
    title: &'a Option<String>,
}

#[derive(Serialize)]
struct MultimodalRecord<'a> {
    audio_features: Option<fretwise_audio::Features>,
    audio_path: &'a Option<String>,
    demonstrations: Vec<DemoRecord>,
    end_s: f64,
    id: &'a str,
    segment_id: &'a str,
    start_s: f64,
    text: &'a str,
    words: Words<'a>,
}

/// A demonstration as the multimodal export writes it (keys sorted).
#[derive(Serialize)]
struct DemoRecord {
    chords: Vec<String>,
    embedding: Vec<f32>,
    end_s: f64,
    key: Option<String>,
    notes: Vec<String>,
    /// "introduced": the passage announces it and ends there; "follows": the passage comes right
    /// after it; "within": the passage holds the words before and after it.
    relation: &'static str,
    scale: Option<String>,
    start_s: f64,
    techniques: Vec<&'static str>,
    tempo_bpm: f64,
}

/// A lesson's analysed recording, read back from the catalog for the multimodal export.
struct LessonSound {
    utterances: Vec<fretwise_audio::UtteranceAudio>,
    demos: Vec<(
        fretwise_catalog::DemonstrationRow,
        fretwise_audio::Demonstration,
    )>,
}

impl LessonSound {
    /// Parses the stored analysis; parts that do not parse are left out (the export still runs).
    fn of(row: &fretwise_catalog::LessonAudioRow) -> LessonSound {
        #[derive(serde::Deserialize)]
        struct Stored {
            #[serde(default)]
            utterances: Vec<fretwise_audio::UtteranceAudio>,
        }
        let utterances = serde_json::from_str::<Stored>(&row.quality)
            .map(|s| s.utterances)
            .unwrap_or_default();
        let demos = row
            .demonstrations
            .iter()
            .filter_map(|d| Some((d.clone(), serde_json::from_str(&d.analysis).ok()?)))
            .collect();
        LessonSound { utterances, demos }
    }

    /// The passage's audio features (its utterances' combined) and the demonstrations it
    /// introduces or follows.
    fn passage(
        &self,
        utterances: &[fretwise_transcript::Utterance],
        start_s: f64,
        end_s: f64,
    ) -> (Option<fretwise_audio::Features>, Vec<DemoRecord>) {
        let inside = |i: i64| {
            utterances
                .get(i as usize)
                .is_some_and(|u| u.start >= start_s - 0.01 && u.end <= end_s + 0.01)
        };
        let parts: Vec<&fretwise_audio::Features> = self
            .utterances
            .iter()
            .filter(|u| u.start_s >= start_s - 0.01 && u.end_s <= end_s + 0.01)
            .map(|u| &u.features)
            .collect();
        let demos = self
            .demos
            .iter()
            .filter_map(|(row, d)| {
                let relation = match (
                    row.before_utterance.is_some_and(inside),
                    row.after_utterance.is_some_and(inside),
                ) {
                    (true, true) => "within",
                    (true, false) => "introduced",
                    (false, true) => "follows",
                    (false, false) => return None,
                };
                let mut chords: Vec<String> = Vec::new();
                for c in d.chords.iter().filter(|c| c.label != "N") {
                    if chords.last() != Some(&c.label) {
                        chords.push(c.label.clone());
                    }
                }
                Some(DemoRecord {
                    chords,
                    embedding: d.embedding.clone(),
                    end_s: d.end_s,
                    key: d.key.clone(),
                    notes: d.notes.iter().map(|n| n.name.clone()).collect(),
                    relation,
                    scale: d.scale.clone(),
                    start_s: d.start_s,
                    techniques: d.techniques.iter().map(|t| t.kind()).collect(),
                    tempo_bpm: d.tempo_bpm,
                })
            })
            .collect();
        (fretwise_audio::combine_features(&parts), demos)
    }
}

/// Timed words with their keys sorted.
struct Words<'a>(&'a [examples::TimedWord]);

#[derive(Serialize)]
struct WordRecord<'a> {
    end: f64,
    score: Option<f64>,
    start: f64,
    word: &'a str,
}

impl Serialize for Words<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|w| WordRecord {
            end: w.end,
            score: w.score,
            start: w.start,
            word: &w.word,
        }))
    }
}

#[derive(Serialize)]
struct Conversation<'a> {
    conversations: Vec<Turn<'a>>,
    instructor: &'a Option<String>,
    segment_id: &'a str,
    system: &'a str,
}

#[derive(Serialize)]
struct Turn<'a> {
    context: TurnContext<'a>,
    end_s: f64,
    guitar_terms: Vec<&'a str>,
    instructor_message: &'a str,
    start_s: f64,
}

#[derive(Serialize)]
struct TurnContext<'a> {
    course: &'a Option<String>,
    lesson: &'a Option<String>,
    level: &'a Option<String>,
    preceding_utterances: Vec<&'a str>,
    style: &'a Option<String>,
}

/// A chat example as the three chat formats write it.
struct PairView<'a> {
    id: &'a str,
    source: &'a str,
    system: &'a str,
    question: &'a str,
    answer: &'a str,
    citation: Option<&'a Citation>,
}

/// A citation with its keys sorted.
#[derive(Serialize)]
struct CitationRecord<'a> {
    end_s: f64,
    passage_id: &'a str,
    start_s: f64,
    text: &'a str,
}

impl<'a> CitationRecord<'a> {
    fn of(c: &'a Citation) -> Self {
        CitationRecord {
            end_s: c.end_s,
            passage_id: &c.passage_id,
            start_s: c.start_s,
            text: &c.text,
        }
    }
}

#[derive(Serialize)]
struct ChatMessage<'a> {
    content: &'a str,
    role: &'a str,
}

#[derive(Serialize)]
struct OpenaiRecord<'a> {
    messages: [ChatMessage<'a>; 3],
}

#[derive(Serialize)]
struct AlpacaRecord<'a> {
    citation: Option<CitationRecord<'a>>,
    input: &'a str,
    instruction: &'a str,
    output: &'a str,
    source: &'a str,
    system: &'a str,
}

#[derive(Serialize)]
struct ShareGptMessage<'a> {
    from: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
struct ShareGptRecord<'a> {
    citation: Option<CitationRecord<'a>>,
    conversations: [ShareGptMessage<'a>; 3],
    id: &'a str,
    source: &'a str,
}

/// Aborts the catalog reader when the export ends early.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The writer: decides duplicates and questions in lesson order and writes every format.
struct Sink<'a> {
    w: Writers,
    splits: &'a BTreeMap<String, Split>,
    max_examples: Option<usize>,
    count: &'a (dyn Fn(&str) -> u64 + Sync),
    progress: &'a dyn Progress,
    passage_tokens: BTreeMap<Split, TokenStats>,
    chat_tokens: BTreeMap<Split, TokenStats>,
    lesson_pairs: usize,
    seen_passages: std::collections::HashSet<[u8; 32]>,
    duplicate_passages: usize,
    passages_written: usize,
    pair_counts: BTreeMap<(String, Split), usize>,
    near_passages: NearDuplicateIndex,
    near_answers: NearDuplicateIndex,
    near_duplicate_passages: usize,
    picker: QuestionPicker,
    stats: PairStats,
}

impl<'a> Sink<'a> {
    /// A writer over `w` with nothing written yet.
    fn new(
        w: Writers,
        splits: &'a BTreeMap<String, Split>,
        opts: &ExportOptions,
        count: &'a (dyn Fn(&str) -> u64 + Sync),
        progress: &'a dyn Progress,
    ) -> Sink<'a> {
        // Near duplicates across lessons: a passage (or a pair's answer) that is a near duplicate
        // of one already written is left out, so none can sit in two splits.
        // Verified 0.1 below the threshold: the MinHash estimate is ±0.035 near 0.8, and a pair
        // just under the threshold in estimate must not be one just over it in fact.
        let near_threshold = (opts.filters.near_duplicate_threshold - 0.1).max(0.0);
        Sink {
            w,
            splits,
            max_examples: opts.max_examples,
            count,
            progress,
            passage_tokens: BTreeMap::new(),
            chat_tokens: BTreeMap::new(),
            lesson_pairs: 0,
            seen_passages: std::collections::HashSet::new(),
            duplicate_passages: 0,
            passages_written: 0,
            pair_counts: BTreeMap::new(),
            near_passages: NearDuplicateIndex::new(near_threshold),
            near_answers: NearDuplicateIndex::new(near_threshold),
            near_duplicate_passages: 0,
            picker: QuestionPicker::default(),
            stats: PairStats::default(),
        }
    }

    /// Writes the theory pairs, `theory_rate` of the lesson pairs in number.
    fn write_theory_pairs(&mut self, opts: &ExportOptions) -> Result<TheoryCounts, DatasetError> {
        // Generated and checked by the theory engine, each item once, dealt 70/15/15.
        let requested = (opts.theory_rate * self.lesson_pairs as f64).round() as usize;
        let mut rng = rng_for(opts.seed, "theory");
        let theory = theory_pairs(requested, &mut rng);
        let written = theory.len();
        let count = self.count;
        for (family, pair) in theory {
            let split = theory_split(opts.seed, &family, opts.split_shares);
            let pair_tokens = count(&pair.system) + count(&pair.question) + count(&pair.answer);
            write_pair(
                &mut self.w,
                split,
                &PairView {
                    id: &pair.id,
                    source: &pair.source,
                    system: &pair.system,
                    question: &pair.question,
                    answer: &pair.answer,
                    citation: pair.citation.as_ref(),
                },
                pair_tokens,
                &mut self.chat_tokens,
            )?;
            *self
                .pair_counts
                .entry(("theory".into(), split))
                .or_default() += 1;
            if self
                .picker
                .pick(std::slice::from_ref(&pair.question))
                .is_none()
            {
                return Err(DatasetError::Invalid(format!(
                    "theory question asked too often: {}",
                    pair.question
                )));
            }
        }
        Ok(TheoryCounts { requested, written })
    }
}

impl Sink<'_> {
    /// Writes a chunk of lessons; false once `max_examples` passages are written.
    fn write(&mut self, chunk: Vec<Prepared>) -> Result<bool, DatasetError> {
        for lesson in chunk {
            if !self.lesson(lesson)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn lesson(&mut self, lesson: Prepared) -> Result<bool, DatasetError> {
        let Prepared {
            id,
            split,
            system,
            system_tokens,
            items,
            conversational,
        } = lesson;
        debug_assert_eq!(self.splits.get(&id), Some(&split));
        for PreparedPassage {
            id: passage_id,
            key,
            signature,
            tokens,
            hf,
            langchain,
            multimodal,
            pair,
        } in items
        {
            if self
                .max_examples
                .is_some_and(|m| self.passages_written >= m)
            {
                return Ok(false);
            }
            // Different lessons can still share a passage word for word (a stock intro):
            // the first one, in lesson-id order, is kept.
            if !self.seen_passages.insert(key) {
                self.duplicate_passages += 1;
                continue;
            }
            if self.near_passages.find(&signature).is_some() {
                self.near_duplicate_passages += 1;
                continue;
            }
            self.near_passages.insert(signature);
            self.passages_written += 1;
            self.passage_tokens.entry(split).or_default().add(tokens);
            let w = &mut self.w;
            if let (Some(shard), Some(row)) = (w.hf.get_mut(&split), hf) {
                shard.push(row)?;
            }
            if let (Some(lc), Some(line)) = (w.langchain.as_mut(), langchain) {
                lc.write_line(&line)?;
            }
            if let (Some(mm), Some(line)) =
                (w.jsonl.get_mut(&(Format::Multimodal, split)), multimodal)
            {
                mm.write_line(&line)?;
            }
            let Some(PreparedPair {
                pair: lp,
                signature: answer_sig,
                answer_tokens,
                first_question,
                citation,
            }) = pair
            else {
                self.stats.too_short += 1;
                continue;
            };
            self.stats.dropped += lp.dropped;
            self.stats.rewritten += lp.rewritten;
            self.stats.repeats += lp.dropped_repeats;
            if self.near_answers.find(&answer_sig).is_some() {
                self.stats.near_duplicate_answer += 1;
                continue;
            }
            let Some(question) = self.picker.pick_question(&lp.questions) else {
                self.stats.no_question += 1;
                continue;
            };
            self.near_answers.insert(answer_sig);
            let question_tokens = match first_question {
                Some((q, n)) if q == question => n,
                _ => (self.count)(&question),
            };
            let pair_tokens = system_tokens + question_tokens + answer_tokens;
            self.lesson_pairs += 1;
            let pair_id = format!("{passage_id}:qa");
            write_pair(
                &mut self.w,
                split,
                &PairView {
                    id: &pair_id,
                    source: "lesson",
                    system: &system,
                    question: &question,
                    answer: &lp.answer,
                    citation: Some(&citation),
                },
                pair_tokens,
                &mut self.chat_tokens,
            )?;
            *self
                .pair_counts
                .entry(("lesson".into(), split))
                .or_default() += 1;
        }
        if let (Some(conv), Some(line)) = (
            self.w.jsonl.get_mut(&(Format::Conversational, split)),
            conversational,
        ) {
            conv.write_line(&line)?;
        }
        self.progress.advance(1);
        Ok(true)
    }
}

#[derive(Default)]
struct Writers {
    hf: BTreeMap<Split, ParquetShard>,
    jsonl: BTreeMap<(Format, Split), Jsonl>,
    langchain: Option<Jsonl>,
}

impl Writers {
    /// Creates the file of every asked-for format and split in `tmp`.
    fn open(tmp: &Path, formats: &[Format]) -> Result<Writers, DatasetError> {
        let mut w = Writers::default();
        for split in Split::ALL {
            if formats.contains(&Format::Hf) {
                w.hf.insert(
                    split,
                    ParquetShard::create(tmp.join(outdir::parquet_path(split)))?,
                );
            }
            for f in [
                Format::Openai,
                Format::Conversational,
                Format::Multimodal,
                Format::Alpaca,
                Format::Sharegpt,
            ] {
                if formats.contains(&f) {
                    w.jsonl.insert(
                        (f, split),
                        Jsonl::create(tmp.join(outdir::jsonl_path(f, split)))?,
                    );
                }
            }
        }
        if formats.contains(&Format::Langchain) {
            w.langchain = Some(Jsonl::create(tmp.join(outdir::LANGCHAIN_DOCUMENTS))?);
        }
        Ok(w)
    }

    /// Finishes every file; returns the lines written per format and split, and the Parquet
    /// rows in all.
    fn finish(&mut self, tmp: &Path) -> Result<(FormatCounts, usize), DatasetError> {
        let mut counts: FormatCounts = BTreeMap::new();
        let mut hf_rows = 0;
        for (split, shard) in std::mem::take(&mut self.hf) {
            let n = shard.finish()?;
            hf_rows += n;
            counts
                .entry("hf".into())
                .or_default()
                .insert(split.as_str().into(), n);
            if n == 0 {
                // An empty shard would make `load_dataset` fail on that split; the card omits it.
                let path = tmp.join(outdir::parquet_path(split));
                std::fs::remove_file(&path).map_err(|e| DatasetError::Io {
                    path: path.display().to_string(),
                    message: e.to_string(),
                })?;
            }
        }
        for ((f, split), j) in std::mem::take(&mut self.jsonl) {
            let n = j.finish()?;
            counts
                .entry(f.as_str().into())
                .or_default()
                .insert(split.as_str().into(), n);
        }
        if let Some(lc) = self.langchain.take() {
            let n = lc.finish()?;
            counts
                .entry("langchain".into())
                .or_default()
                .insert("all".into(), n);
        }
        Ok((counts, hf_rows))
    }
}

#[derive(Default, Serialize, Clone)]
struct TokenStats {
    examples: usize,
    tokens: u64,
    min: u64,
    max: u64,
}

impl TokenStats {
    fn add(&mut self, n: u64) {
        if self.examples == 0 || n < self.min {
            self.min = n;
        }
        self.max = self.max.max(n);
        self.examples += 1;
        self.tokens += n;
    }
}

/// Exports the catalog to `opts.out`; returns the manifest that was written.
pub async fn export(
    catalog: &Catalog,
    opts: &ExportOptions,
    progress: &dyn Progress,
) -> Result<serde_json::Value, DatasetError> {
    if opts.formats.is_empty() {
        return Err(DatasetError::Invalid("no output format selected".into()));
    }
    // Refused before any work: the same check runs again just before the folder is replaced.
    outdir::check_replaceable(&opts.out, true)?;
    let (plan, infos) = plan(catalog, opts, progress).await?;
    let by_id: HashMap<&str, &LessonCuration> = infos.iter().map(|i| (i.id.as_str(), i)).collect();
    let tmp = outdir::partial_dir(&opts.out)?;
    let bpe =
        tiktoken_rs::cl100k_base().map_err(|e| DatasetError::Invalid(format!("tokenizer: {e}")))?;
    let count = |s: &str| bpe.encode_ordinary(s).len() as u64;

    let ontology = Ontology::builtin();
    let classifier = fretwise_knowledge::TeachingClassifier::builtin();
    let normalizer = DedupNormalizer::new(&Lexicon::builtin());
    let hasher = MinHasher::new();
    let w = Writers::open(&tmp, &opts.formats)?;

    let kept: Vec<String> = plan.splits.keys().cloned().collect();
    progress.stage("export", Some(kept.len() as u64));
    let mut sink = Sink::new(w, &plan.splits, opts, &count, progress);
    let prep = Prep {
        opts,
        by_id: &by_id,
        splits: &plan.splits,
        ontology: &ontology,
        classifier: &classifier,
        normalizer: &normalizer,
        hasher: &hasher,
        count: &count,
    };
    write_lessons(catalog, opts, &infos, kept, &prep, &mut sink).await?;
    let theory = sink.write_theory_pairs(opts)?;
    let (counts, hf_rows) = sink.w.finish(&tmp)?;
    let manifest = manifest(opts, &plan, &sink, counts, theory);
    write_card_and_manifest(&tmp, opts, &manifest, hf_rows)?;
    outdir::commit_dir(&tmp, &opts.out)?;
    Ok(manifest)
}

/// One batch of lessons read from the catalog: their contents and their recordings' analyses.
type LessonBatch = (
    Vec<fretwise_catalog::LessonText>,
    HashMap<String, fretwise_catalog::LessonAudioRow>,
);

/// Lines (or rows) written per format name and split name.
type FormatCounts = BTreeMap<String, BTreeMap<String, usize>>;

/// Runs the kept lessons through reading, preparing and writing.
async fn write_lessons(
    catalog: &Catalog,
    opts: &ExportOptions,
    infos: &[LessonCuration],
    kept: Vec<String>,
    prep: &Prep<'_>,
    sink: &mut Sink<'_>,
) -> Result<(), DatasetError> {
    // Three stages overlap: a task reads the next lessons from the catalog, the pool prepares
    // one chunk (chunking, pairs, MinHash, token counts, JSON lines) while the chunk before it is
    // written, in lesson order, by the one writer that decides duplicates and questions.
    let (reader, mut rx) = spawn_reader(catalog, opts, infos, kept);
    let mut pending: Option<Vec<Prepared>> = None;
    loop {
        let next = match rx.recv().await {
            Some(contents) => Some(contents?),
            None => None,
        };
        if next.is_none() && pending.is_none() {
            break;
        }
        let (prepared, more) = rayon::join(
            || next.map(|contents| prep.chunk(contents)),
            || match pending.take() {
                Some(chunk) => sink.write(chunk),
                None => Ok(true),
            },
        );
        if !more? {
            break;
        }
        pending = prepared;
    }
    drop(reader);
    Ok(())
}

/// Starts the task that reads the kept lessons from the catalog, 256 at a time.
fn spawn_reader(
    catalog: &Catalog,
    opts: &ExportOptions,
    infos: &[LessonCuration],
    kept: Vec<String>,
) -> (
    AbortOnDrop,
    tokio::sync::mpsc::Receiver<Result<LessonBatch, fretwise_catalog::CatalogError>>,
) {
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    let catalog = catalog.clone();
    // Recordings are read only for the multimodal format, and only where one was analysed.
    let multimodal = opts.formats.contains(&Format::Multimodal);
    let by_snr: HashMap<String, Option<f64>> = infos
        .iter()
        .map(|i| (i.id.clone(), i.audio_snr_db))
        .collect();
    let reader = AbortOnDrop(tokio::spawn(async move {
        for chunk in kept.chunks(256) {
            let with_audio: Vec<String> = chunk
                .iter()
                .filter(|id| {
                    multimodal
                        && by_snr
                            .get(id.as_str())
                            .is_some_and(|snr: &Option<f64>| snr.is_some())
                })
                .cloned()
                .collect();
            let contents = match catalog.lesson_timed_texts(chunk, true).await {
                Ok(c) => match catalog.lesson_audio_many(&with_audio).await {
                    Ok(a) => Ok((c, a)),
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            };
            let failed = contents.is_err();
            if tx.send(contents).await.is_err() || failed {
                break;
            }
        }
    }));
    (reader, rx)
}

/// How many theory pairs were asked for and how many were written.
struct TheoryCounts {
    requested: usize,
    written: usize,
}

/// The split a theory item family is dealt to, in the export's split shares.
fn theory_split(seed: u64, family: &str, shares: SplitShares) -> Split {
    // Dealt by family, so questions that differ only in a root share a split.
    let r = f64::from(rng_for(seed, &format!("theory family {family}")).random::<u32>())
        / f64::from(u32::MAX);
    let train = shares.fraction(Split::Train);
    if r < train {
        Split::Train
    } else if r < train + shares.fraction(Split::Validation) {
        Split::Validation
    } else {
        Split::Test
    }
}

/// The manifest's `splits`: instructors and lessons per split.
fn splits_json(plan: &Plan) -> serde_json::Value {
    Split::ALL
        .into_iter()
        .map(|s| {
            let (ins, les) = plan.split_counts.get(&s).copied().unwrap_or((0, 0));
            (
                s.as_str().to_string(),
                json!({"instructors": ins, "lessons": les}),
            )
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// The manifest: settings, curation, splits, counts, tokens and how pairs were made.
fn manifest(
    opts: &ExportOptions,
    plan: &Plan,
    sink: &Sink<'_>,
    counts: FormatCounts,
    theory: TheoryCounts,
) -> serde_json::Value {
    let stats = &sink.stats;
    json!({
        "tool_version": env!("CARGO_PKG_VERSION"),
        "created_at": opts.created_at,
        "seed": opts.seed,
        "source": opts.source,
        "formats": opts.formats.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
        "filters": {
            "settings": opts.filters,
            "lessons_in_catalog": plan.lessons_in_catalog,
            "removed": plan.removed,
        },
        "dedup": {
            "exact_removed": plan.removed.get(&Exclusion::ExactDuplicate).copied().unwrap_or(0),
            "near_removed": plan.removed.get(&Exclusion::NearDuplicate).copied().unwrap_or(0),
            "near_duplicates": plan.near_duplicates,
            "exact_duplicate_passages_removed": sink.duplicate_passages,
            "near_duplicate_passages_removed": sink.near_duplicate_passages,
            "method": "exact: blake3 of lowercased punctuation-free text; near: MinHash of 5-word shingles (128 permutations), LSH 16x8, every candidate pair in a bucket verified at the Jaccard threshold and grouped with union-find, best quality copy kept; passages (and pair answers) that are near duplicates of one already written, in any lesson (LSH 32x4, verified at the threshold minus 0.1), are left out",
        },
        "splits": splits_json(plan),
        "split_settings": {
            "shares": opts.split_shares,
            "test_styles": opts.test_styles,
            "test_advanced_concepts": opts.test_advanced_concepts,
        },
        "counts": counts,
        "pairs": sink.pair_counts.iter().map(|((src, sp), n)| json!({"source": src, "split": sp.as_str(), "count": n})).collect::<Vec<_>>(),
        "tokens": {
            "tokenizer": "cl100k_base",
            "passages": sink.passage_tokens.iter().map(|(s, t)| (s.as_str().to_string(), json!(t))).collect::<serde_json::Map<_, _>>(),
            "chat_examples": sink.chat_tokens.iter().map(|(s, t)| (s.as_str().to_string(), json!(t))).collect::<serde_json::Map<_, _>>(),
        },
        "question_generation": QUESTION_GENERATION,
        "pair_generation": {
            "method": "templates (no language model)",
            "lesson_answers": LESSON_ANSWERS,
            "theory": THEORY_PAIRS,
            "lesson_pairs": sink.lesson_pairs,
            "passages_without_pair": {
                "too_short_after_cleaning": stats.too_short,
                "near_duplicate_answer": stats.near_duplicate_answer,
                "no_question_left": stats.no_question,
            },
            "sentences_dropped_pointing_at_video": stats.dropped,
            "sentences_rewritten": stats.rewritten,
            "sentences_said_twice_dropped": stats.repeats,
            "distinct_questions": sink.picker.distinct(),
            "max_question_repeats": sink.picker.max_repeats(),
            "theory_pairs": {
                "requested": theory.requested,
                "written": theory.written,
                "distinct_items": theory_items().len(),
            },
        },
    })
}

/// Writes the dataset card (when Hugging Face output was asked for) and the manifest into the
/// unfinished folder.
fn write_card_and_manifest(
    tmp: &Path,
    opts: &ExportOptions,
    manifest: &serde_json::Value,
    hf_rows: usize,
) -> Result<(), DatasetError> {
    if opts.formats.contains(&Format::Hf) {
        let path = tmp.join(outdir::HF_CARD);
        std::fs::write(&path, card(manifest, hf_rows)).map_err(|e| DatasetError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
    }
    let path = tmp.join(outdir::MANIFEST);
    let text =
        serde_json::to_string_pretty(manifest).map_err(|e| DatasetError::Invalid(e.to_string()))?;
    std::fs::write(&path, text + "\n").map_err(|e| DatasetError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

/// How lesson questions are made (the manifest's `question_generation`).
const QUESTION_GENERATION: &str = "Lesson pairs: the question is built by templates from what the passage's kept sentences say: their teaching move (fretwise's teaching-cue classifier), the guitar terms they name, and details they state (tempo, key, fret, string, what to avoid, what comes next), sometimes led by the lesson title, topic, level or style; candidates are ranked and seeded, and each pair takes the first question not asked yet (no question more than 5 times). Nothing the passage does not say is asked. Theory pairs: questions and answers generated and checked by fretwise's theory engine (source \"theory\").";
/// How lesson answers are made (the manifest's `pair_generation.lesson_answers`).
const LESSON_ANSWERS: &str = "The instructor's own sentences from the passage, minus those that only make sense with the video (demonstration cues such as \"listen to this\" or \"let me play it slowly first\", pointing such as \"like this\" or \"right here\", greetings); a few openings are rewritten (\"If you look at the tab, ...\" -> \"In the tab, ...\"; \"As you can see, ...\" loses its opening). The passage itself is kept as the citation (alpaca and sharegpt `citation`: passage id, start_s, end_s, text). Passages with fewer than 20 words left, or whose answer is a near duplicate of one already written, make no pair.";
/// How theory pairs are made (the manifest's `pair_generation.theory`).
const THEORY_PAIRS: &str = "Each theory item (chord spelling, scale, key chords, key signature, relative key, fretboard note, capo key, interval) at most once per export, in a seeded order, phrased by a seeded template; the answer is computed by fretwise-theory. Item families (items that differ only in their root, string or shape) are dealt to train/validation/test in the export's split shares (70/15/15 by default), so no item and no near-identical question is in two splits.";

/// What happened to lesson pairs, for the manifest.
#[derive(Default)]
struct PairStats {
    too_short: usize,
    near_duplicate_answer: usize,
    no_question: usize,
    dropped: usize,
    rewritten: usize,
    repeats: usize,
}

/// Hash of a passage's lowercased letters and digits, words separated by one space.
fn passage_key(text: &str) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    let mut buf = [0u8; 4];
    let mut gap = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if gap {
                h.update(b" ");
                gap = false;
            }
            for l in c.to_lowercase() {
                h.update(l.encode_utf8(&mut buf).as_bytes());
            }
        } else if c.is_whitespace() {
            gap = true;
        }
    }
    *h.finalize().as_bytes()
}

fn write_pair(
    w: &mut Writers,
    split: Split,
    pair: &PairView,
    tokens: u64,
    chat_tokens: &mut BTreeMap<Split, TokenStats>,
) -> Result<(), DatasetError> {
    if let Some(o) = w.jsonl.get_mut(&(Format::Openai, split)) {
        o.write(&OpenaiRecord {
            messages: [
                ChatMessage {
                    content: pair.system,
                    role: "system",
                },
                ChatMessage {
                    content: pair.question,
                    role: "user",
                },
                ChatMessage {
                    content: pair.answer,
                    role: "assistant",
                },
            ],
        })?;
        chat_tokens.entry(split).or_default().add(tokens);
    }
    if let Some(a) = w.jsonl.get_mut(&(Format::Alpaca, split)) {
        a.write(&AlpacaRecord {
            citation: pair.citation.map(CitationRecord::of),
            input: "",
            instruction: pair.question,
            output: pair.answer,
            source: pair.source,
            system: pair.system,
        })?;
    }
    if let Some(s) = w.jsonl.get_mut(&(Format::Sharegpt, split)) {
        s.write(&ShareGptRecord {
            citation: pair.citation.map(CitationRecord::of),
            conversations: [
                ShareGptMessage {
                    from: "system",
                    value: pair.system,
                },
                ShareGptMessage {
                    from: "human",
                    value: pair.question,
                },
                ShareGptMessage {
                    from: "gpt",
                    value: pair.answer,
                },
            ],
            id: pair.id,
            source: pair.source,
        })?;
    }
    Ok(())
}
