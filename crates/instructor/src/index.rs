//! The passage index: whole sentences of usable lessons, grouped into short passages with their
//! start and end times, searched with BM25 (tantivy, English stemming) plus boosts on the
//! question's concepts and terms, filtered by level, style and instructor, and diversified
//! across instructors (MMR).
//!
//! The index lives in its own folder, marked as fretwise's, beside a `state.json` that records
//! which lesson versions it holds; [`PassageIndex::update`] brings it in step with the catalog
//! (only new, changed or removed lessons are touched).
//!
//! With an embeddings model ([`IndexOptions::embeddings`]) the passages are also embedded and
//! stored beside the index ([`crate::dense`]), kept in step the same way, and a search fuses the
//! BM25 ranking with the dense one by reciprocal rank fusion before diversifying.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use fretwise_catalog::{Catalog, CatalogError, LessonCuration, LessonRecord, LessonSink, Progress};
use fretwise_knowledge::{Ontology, TeachingClassifier, TimedText, level_rank, sentences};
use fretwise_lexicon::TermOccurrence;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use tantivy::collector::{Collector, SegmentCollector, TopDocs};
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, QueryParser, TermQuery, Weight};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::tokenizer::TokenStream;
use tantivy::{
    DocAddress, DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentOrdinal,
    SegmentReader, TantivyDocument, Term,
};

use crate::dense::{DenseError, DenseFilter, DenseLesson, Embedder, RRF_K, Store, rrf};

/// Bump when passages or the schema change: an index of another version is rebuilt.
pub const INDEX_VERSION: u32 = 7;

const MARKER: &str = ".fretwise-index";
const STATE: &str = "state.json";
/// Version, marker and counts: read on every `ask`, so it stays small.
const SUMMARY: &str = "summary.json";
/// Lessons read from the catalog per step.
const CHUNK: usize = 512;
/// Lessons embedded per step (their passages are batched together).
const EMBED_CHUNK: usize = 64;
/// Embedding work is saved at least this often (seconds), so a stopped update keeps it.
const EMBED_CHECKPOINT_S: f64 = 60.0;
/// A passage closes once it has this many words…
const PASSAGE_WORDS: usize = 28;
/// …or this many sentences.
const PASSAGE_SENTENCES: usize = 3;
/// Passages read when a question names a lesson's title.
const TITLE_POOL: usize = 400;
/// Weight of a question word found in a passage's lesson title (1 in its text).
const TITLE_BOOST: f32 = 0.5;
/// Weight of a question's concept found among a passage's concepts.
const CONCEPT_BOOST: f32 = 0.4;
/// Weight of a question's lexicon term found among a passage's terms.
const TERM_BOOST: f32 = 0.8;

/// Index errors.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The catalog failed.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// tantivy failed.
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// File system.
    #[error("search index at {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The folder exists and is not a fretwise index: it is never replaced.
    #[error(
        "{0} exists and is not a fretwise search index; fretwise will not touch it (pass --index DIR to use another folder)"
    )]
    NotOurs(PathBuf),
    /// The embeddings model or the stored embeddings failed.
    #[error(transparent)]
    Dense(#[from] DenseError),
    /// A reading task panicked or was cancelled.
    #[error("search index: a reading task stopped: {0}")]
    Task(String),
}

/// How an index is opened.
#[derive(Debug, Clone, Default)]
pub struct IndexOptions {
    /// A folder holding all-MiniLM-L6-v2 (`model.safetensors`, `tokenizer.json`,
    /// `config.json`): passages are embedded and searches fuse BM25 with dense retrieval.
    /// None: BM25 alone, nothing embedded.
    pub embeddings: Option<PathBuf>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> IndexError + '_ {
    move |source| IndexError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Where the index of a catalog lives by default: beside a SQLite file
/// (`fretwise.db` → `fretwise.db.index`), else in the user's cache folder keyed by the URL.
pub fn default_index_dir(catalog_url: &str) -> PathBuf {
    if let Some(rest) = catalog_url.strip_prefix("sqlite://") {
        let path = rest.split('?').next().unwrap_or(rest);
        if !path.is_empty() && path != ":memory:" {
            return PathBuf::from(format!("{path}.index"));
        }
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    // The URL may hold a password: only its hash names the folder.
    let h = blake3::hash(catalog_url.as_bytes()).to_hex();
    base.join("fretwise").join(format!("index-{}", &h[..16]))
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Summary {
    version: u32,
    marker: String,
    lessons: usize,
    passages: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    version: u32,
    /// Lesson id → content hash of the indexed version.
    lessons: BTreeMap<String, String>,
    passages: u64,
    /// The catalog's change marker when the index was last brought in step.
    #[serde(default)]
    marker: String,
    /// Usable lessons left out as near duplicates of an indexed lesson → their content hash.
    #[serde(default)]
    suppressed: BTreeMap<String, String>,
}

/// What an update did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IndexReport {
    /// Lessons in the index.
    pub lessons: usize,
    /// Passages in the index.
    pub passages: u64,
    /// Lessons (re)indexed.
    pub added: usize,
    /// Lessons removed (gone, changed or no longer usable).
    pub removed: usize,
    /// True when the index was built from scratch.
    pub rebuilt: bool,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Lessons whose passages were embedded (dense retrieval on).
    pub embedded: usize,
    /// Passages embedded.
    pub embedded_passages: u64,
    /// Seconds spent embedding.
    pub embed_seconds: f64,
    /// Usable lessons left out as near duplicates of an indexed lesson.
    pub near_duplicates: usize,
}

#[derive(Clone, Copy)]
struct Fields {
    lesson_id: Field,
    text: Field,
    title: Field,
    course: Field,
    instructor_id: Field,
    instructor: Field,
    level: Field,
    level_rank: Field,
    style: Field,
    concepts: Field,
    terms: Field,
    start_s: Field,
    end_s: Field,
    visual: Field,
    teaching_move: Field,
    /// The passage's number in its lesson (its row in the stored embeddings).
    passage: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let stemmed = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("en_stem")
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let f = Fields {
        lesson_id: b.add_text_field("lesson_id", STRING | STORED | FAST),
        text: b.add_text_field("text", stemmed.clone().set_stored()),
        title: b.add_text_field("title", stemmed.clone().set_stored()),
        course: b.add_text_field("course", STORED),
        instructor_id: b.add_text_field("instructor_id", STRING | STORED | FAST),
        instructor: b.add_text_field("instructor", STORED),
        level: b.add_text_field("level", STORED),
        level_rank: b.add_u64_field("level_rank", INDEXED | FAST),
        style: b.add_text_field("style", STRING | STORED),
        // Indexed with frequencies (each concept is added once per passage, so every frequency
        // is 1 and scores are what a plain keyword field gives): a search whose clauses all
        // read frequencies is answered with block-max WAND instead of scoring every match.
        concepts: b.add_text_field(
            "concepts",
            TextOptions::default()
                .set_indexing_options(
                    TextFieldIndexing::default()
                        .set_tokenizer("raw")
                        .set_index_option(IndexRecordOption::WithFreqs),
                )
                .set_stored(),
        ),
        terms: b.add_text_field("terms", stemmed),
        start_s: b.add_f64_field("start_s", STORED),
        end_s: b.add_f64_field("end_s", STORED),
        visual: b.add_u64_field("visual", INDEXED | STORED),
        teaching_move: b.add_text_field("teaching_move", STRING | STORED),
        passage: b.add_u64_field("passage", INDEXED | STORED),
    };
    (b.build(), f)
}

/// A lesson is searchable when it is trainable, not a copy of another, and not a failure.
pub fn usable(i: &LessonCuration) -> bool {
    i.trainable && i.duplicate_of.is_none() && i.failure_flags.is_empty()
}

/// Phrases that only make sense while watching the video.
const VISUAL_CUES: &[&str] = &[
    "watch my",
    "watch this",
    "watch how",
    "as you can see",
    "you can see",
    "look at my",
    "look at this",
    "right here",
    "like this",
    "see how i",
    "on the screen",
    "in the video",
    "this one here",
    "check this out",
    "check it out",
    "listen to this",
    "here's how it sounds",
    "here is how it sounds",
    "sounds like this",
    "let me show you",
    "i'll show you",
    "watch closely",
];

/// True when the sentence leans on the picture ("watch my hand here").
pub fn is_visual(text: &str) -> bool {
    let l = text.to_lowercase();
    VISUAL_CUES.iter().any(|c| l.contains(c))
}

/// One passage of a lesson: consecutive whole sentences.
#[derive(Debug, Clone, PartialEq)]
pub struct Passage {
    /// Start (s).
    pub start_s: f64,
    /// End (s).
    pub end_s: f64,
    /// The sentences.
    pub text: String,
}

/// Groups a lesson's sentences into passages of about [`PASSAGE_WORDS`] words.
pub fn passages(utterances: &[fretwise_transcript::Utterance]) -> Vec<Passage> {
    let timed = TimedText::from_utterances(utterances);
    let mut out = Vec::new();
    let mut cur: Option<(f64, f64, String, usize, usize)> = None;
    for (_, start, end, text) in sentences(&timed) {
        // A sentence that leans on the picture stands alone, so the passages around it quote
        // cleanly without it.
        if is_visual(&text) {
            if let Some((s, e, acc, _, _)) = cur.take() {
                out.push(Passage {
                    start_s: s,
                    end_s: e,
                    text: acc,
                });
            }
            out.push(Passage {
                start_s: start,
                end_s: end,
                text,
            });
            continue;
        }
        let words = text.split_whitespace().count();
        let (s, _, mut acc, mut n, mut count) =
            cur.take().unwrap_or((start, end, String::new(), 0, 0));
        if !acc.is_empty() {
            acc.push(' ');
        }
        acc.push_str(&text);
        n += words;
        count += 1;
        if n >= PASSAGE_WORDS || count >= PASSAGE_SENTENCES {
            out.push(Passage {
                start_s: s,
                end_s: end,
                text: acc,
            });
        } else {
            cur = Some((s, end, acc, n, count));
        }
    }
    if let Some((s, e, acc, _, _)) = cur {
        out.push(Passage {
            start_s: s,
            end_s: e,
            text: acc,
        });
    }
    out
}

/// A passage found by a search.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// Lesson id.
    pub lesson_id: String,
    /// Lesson title.
    pub title: String,
    /// Course title.
    pub course: String,
    /// Instructor id.
    pub instructor_id: String,
    /// Instructor name.
    pub instructor: String,
    /// Lesson level as the catalog names it.
    pub level: String,
    /// Lesson style.
    pub style: String,
    /// Start (s).
    pub start_s: f64,
    /// End (s).
    pub end_s: f64,
    /// The passage.
    pub text: String,
    /// Concepts in the passage.
    pub concepts: Vec<String>,
    /// The passage leans on the video.
    pub visual: bool,
    /// Teaching move of its main sentence.
    pub teaching_move: String,
    /// Search score after diversification.
    pub score: f32,
}

/// What to search for.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest<'a> {
    /// Words of the question.
    pub text: &'a str,
    /// Concept ids to boost.
    pub concepts: &'a [String],
    /// Canonical terms to boost.
    pub terms: &'a [String],
    /// Only lessons at or below this level (1–3); unknown levels always pass.
    pub max_level: Option<u8>,
    /// Only this style (lowercase).
    pub style: Option<&'a str>,
    /// Only this instructor id.
    pub instructor_id: Option<&'a str>,
    /// How many passages.
    pub limit: usize,
    /// The question as asked, embedded for dense retrieval (empty: `text` is).
    pub question: &'a str,
    /// Only these lessons (empty: any).
    pub lesson_ids: &'a [String],
}

/// The passage embeddings of an index and the model that makes them.
struct Dense {
    embedder: Arc<Embedder>,
    store: Store,
    /// Searches fuse dense retrieval in.
    on: bool,
}

/// The passage index.
pub struct PassageIndex {
    dir: PathBuf,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    dense: Option<Dense>,
}

impl PassageIndex {
    /// Opens the index at `dir`, creating an empty one when the folder does not exist (or is an
    /// empty folder, or an index of an older version that fretwise made).
    pub fn open(dir: &Path) -> Result<PassageIndex, IndexError> {
        let (schema, fields) = schema();
        let state = read_summary(dir);
        let ours = dir.join(MARKER).exists();
        let exists = dir.exists();
        let empty = exists && std::fs::read_dir(dir).map_err(io(dir))?.next().is_none();
        if exists && !ours && !empty {
            return Err(IndexError::NotOurs(dir.to_path_buf()));
        }
        let fresh = !exists || empty || state.as_ref().is_none_or(|s| s.version != INDEX_VERSION);
        if fresh {
            if exists && ours {
                // Only a folder fretwise marked as its index is ever cleared.
                std::fs::remove_dir_all(dir).map_err(io(dir))?;
            }
            std::fs::create_dir_all(dir).map_err(io(dir))?;
            std::fs::write(
                dir.join(MARKER),
                format!("fretwise search index, version {INDEX_VERSION}\n"),
            )
            .map_err(io(dir))?;
            Index::create_in_dir(dir, schema.clone())?;
            write_state(
                dir,
                &State {
                    version: INDEX_VERSION,
                    ..State::default()
                },
            )?;
        }
        let index = Index::open_in_dir(dir)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(PassageIndex {
            dir: dir.to_path_buf(),
            index,
            reader,
            fields,
            dense: None,
        })
    }

    /// [`PassageIndex::open`], then loads the embeddings model when one is named.
    pub fn open_with(dir: &Path, opts: &IndexOptions) -> Result<PassageIndex, IndexError> {
        let mut index = PassageIndex::open(dir)?;
        if let Some(model) = &opts.embeddings {
            index.attach_embedder(Arc::new(Embedder::load(model)?));
        }
        Ok(index)
    }

    /// Turns dense retrieval on with this model: its stored passage embeddings are read (those
    /// of another model are dropped); [`PassageIndex::update`] embeds what is missing.
    pub fn attach_embedder(&mut self, embedder: Arc<Embedder>) {
        let store = Store::load(&self.dir, embedder.model_id(), embedder.dim());
        self.dense = Some(Dense {
            embedder,
            store,
            on: true,
        });
    }

    /// Switches dense retrieval on or off for searches (no effect without a model).
    pub fn set_dense(&mut self, on: bool) {
        if let Some(d) = &mut self.dense {
            d.on = on;
        }
    }

    /// True when searches fuse dense retrieval in.
    pub fn dense_active(&self) -> bool {
        self.dense.as_ref().is_some_and(|d| d.on)
    }

    /// The embeddings model, when dense retrieval is configured.
    pub fn embedder(&self) -> Option<&Arc<Embedder>> {
        self.dense.as_ref().map(|d| &d.embedder)
    }

    /// Passages with stored embeddings.
    pub fn dense_rows(&self) -> usize {
        self.dense.as_ref().map_or(0, |d| d.store.rows())
    }

    /// True when there is no model, or the stored embeddings cover exactly the indexed lesson
    /// versions.
    pub fn dense_current(&self) -> bool {
        let Some(d) = &self.dense else {
            return true;
        };
        let Some(state) = read_state(&self.dir) else {
            return false;
        };
        d.store.lessons().len() == state.lessons.len()
            && d.store
                .lessons()
                .iter()
                .all(|l| state.lessons.get(&l.id) == Some(&l.content_hash))
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Lessons and passages indexed.
    pub fn size(&self) -> (usize, u64) {
        read_summary(&self.dir)
            .map(|s| (s.lessons, s.passages))
            .unwrap_or_default()
    }

    /// True when the catalog has not changed since the index was last brought in step with it
    /// (by its change marker; a cheap check, no lesson is read).
    pub async fn seems_current(&self, catalog: &Catalog) -> Result<bool, IndexError> {
        let marker = catalog.change_marker().await?;
        Ok(read_summary(&self.dir).is_some_and(|s| !s.marker.is_empty() && s.marker == marker))
    }

    /// Stamps the catalog's current change marker on an index that holds exactly the catalog's
    /// usable lessons (after an update that ran beside a knowledge rebuild, whose new profiles
    /// change the marker); returns whether it did.
    pub async fn stamp_if_current(&self, catalog: &Catalog) -> Result<bool, IndexError> {
        // Read before the lessons, as `update` does: a later change shows as a new marker.
        let marker = catalog.change_marker().await?;
        let infos = catalog.lesson_curations().await?;
        let Some(mut state) = read_state(&self.dir).filter(|s| holds(s, &infos)) else {
            return Ok(false);
        };
        if state.marker != marker {
            state.marker = marker;
            write_state(&self.dir, &state)?;
        }
        Ok(true)
    }

    /// True when the index holds exactly the usable lessons of `infos` at their current versions.
    pub fn is_current(&self, infos: &[LessonCuration]) -> bool {
        read_state(&self.dir).is_some_and(|state| holds(&state, infos))
    }

    /// Brings the index in step with the catalog: removes lessons that are gone, changed or no
    /// longer usable, and indexes the new and changed ones.
    pub async fn update(
        &mut self,
        catalog: &Catalog,
        progress: &dyn Progress,
    ) -> Result<IndexReport, IndexError> {
        self.update_fed(catalog, progress, None, None).await
    }

    /// Starts indexing lessons as ingest stores them: hand the feed to ingest as its
    /// [`LessonSink`], then its [`IndexFeed::finish`] to [`PassageIndex::update_fed`], which
    /// keeps the fed lessons the catalog agrees with and indexes the rest as `update` does.
    /// Until then nothing is committed: a stopped ingest leaves the index as it was.
    pub fn feed(&self) -> Result<Arc<IndexFeed>, IndexError> {
        let writer = self.writer()?;
        if read_state(&self.dir).is_none_or(|s| s.lessons.is_empty()) {
            // As `update` does for an index without state: start clean.
            writer.delete_all_documents()?;
        }
        let fields = self.fields;
        // Two batches in flight at most: ingest waits rather than holding more lessons.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(2);
        let worker = std::thread::Builder::new()
            .name("index-feed".into())
            .spawn(move || feed_worker(writer, fields, rx))
            .map_err(|e| IndexError::Task(e.to_string()))?;
        Ok(Arc::new(IndexFeed {
            tx: std::sync::Mutex::new(Some(tx)),
            worker: std::sync::Mutex::new(Some(worker)),
        }))
    }

    /// A writer on the index's threads and memory budget.
    fn writer(&self) -> Result<IndexWriter, IndexError> {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 4);
        Ok(self
            .index
            .writer_with_num_threads(threads, 64_000_000 * threads)?)
    }

    /// [`PassageIndex::update`], taking over what a [`PassageIndex::feed`] indexed while
    /// ingest ran: a fed lesson stays where the catalog holds it usable at the same content
    /// and curation; any other is taken out again (and indexed from the catalog if usable).
    /// `read`: the catalog's change marker and then its lesson list, already read (None: read
    /// here).
    pub async fn update_fed(
        &mut self,
        catalog: &Catalog,
        progress: &dyn Progress,
        fed: Option<Fed>,
        read: Option<(String, Arc<Vec<LessonCuration>>)>,
    ) -> Result<IndexReport, IndexError> {
        let started = Instant::now();
        let (marker, infos) = match read {
            Some(read) => read,
            // The marker before the lessons: a change made while this runs shows as a new
            // marker later.
            None => {
                let marker = catalog.change_marker().await?;
                (marker, Arc::new(catalog.lesson_curations().await?))
            }
        };
        let mut state = read_state(&self.dir).unwrap_or(State {
            version: INDEX_VERSION,
            ..State::default()
        });
        let rebuilt = state.lessons.is_empty();
        let want: HashMap<&str, &LessonCuration> = infos
            .iter()
            .filter(|i| usable(i))
            .map(|i| (i.id.as_str(), i))
            .collect();
        let current = |map: &BTreeMap<String, String>, i: &LessonCuration| {
            map.get(&i.id).is_some_and(|h| h == &i.content_hash)
        };
        let mut signatures = crate::near::Signatures::load(&self.dir);
        signatures.retain(&want);
        // Fed lessons first: the state then says which of them need nothing more.
        let mut accepted: HashSet<String> = HashSet::new();
        // Earlier versions of fed lessons: the feed took their passages out.
        let mut replaced = 0;
        let fed_writer = match fed {
            Some(Fed { writer, lessons }) => {
                for (id, f) in lessons {
                    if state.lessons.contains_key(&id) {
                        replaced += 1;
                    }
                    match want.get(id.as_str()) {
                        Some(i)
                            if i.content_hash == f.hash && DocMeta::of(i).digest() == f.meta =>
                        {
                            state.lessons.insert(id.clone(), f.hash.clone());
                            signatures.insert(&id, &f.hash, f.signature);
                            accepted.insert(id);
                        }
                        other => {
                            tracing::debug!(
                                lesson = id.as_str(),
                                usable = other.is_some(),
                                "a fed lesson is indexed again from the catalog"
                            );
                            writer.delete_term(Term::from_field_text(self.fields.lesson_id, &id));
                            state.lessons.remove(&id);
                        }
                    }
                }
                tracing::info!(
                    accepted = accepted.len(),
                    usable = want.len(),
                    "lessons indexed while ingest ran"
                );
                Some(writer)
            }
            None => None,
        };
        let stale: Vec<String> = state
            .lessons
            .iter()
            .filter(|(id, h)| {
                want.get(String::as_str(id))
                    .is_none_or(|i| &i.content_hash != *h)
            })
            .map(|(id, _)| id.clone())
            .collect();
        let mut todo: Vec<&LessonCuration> = want
            .values()
            .filter(|i| !current(&state.lessons, i) && !current(&state.suppressed, i))
            .copied()
            .collect();
        todo.sort_by(|a, b| a.id.cmp(&b.id));
        // Every usable lesson is signed: the ones indexed now while they are read, the others
        // (an index from before signatures, a lost file) by reading them here.
        let signer = crate::near::Signer::new();
        let in_todo: HashSet<&str> = todo
            .iter()
            .map(|i| i.id.as_str())
            .chain(accepted.iter().map(String::as_str))
            .collect();
        let mut unsigned: Vec<String> = want
            .values()
            .filter(|i| !signatures.has(&i.id, &i.content_hash) && !in_todo.contains(i.id.as_str()))
            .map(|i| i.id.clone())
            .collect();
        unsigned.sort();
        for chunk in unsigned.chunks(CHUNK) {
            for content in catalog.lesson_timed_texts(chunk, false).await? {
                if let Some(i) = want.get(content.id.as_str()) {
                    signatures.insert(&i.id, &i.content_hash, signer.sign(&content.utterances));
                }
            }
        }
        let mut report = IndexReport {
            rebuilt,
            removed: stale.len() + replaced,
            added: todo.len() + accepted.len(),
            ..IndexReport::default()
        };
        if stale.is_empty() && todo.is_empty() && fed_writer.is_none() {
            let losers = signatures.losers(&want);
            let unchanged = losers.len() == state.suppressed.len()
                && losers.iter().all(|l| state.suppressed.contains_key(l));
            if unchanged {
                if !unsigned.is_empty() {
                    signatures.save(&self.dir)?;
                }
                if state.marker != marker {
                    state.marker = marker;
                    write_state(&self.dir, &state)?;
                }
                self.sync_dense(catalog, &infos, &state, progress, &mut report)
                    .await?;
                report.lessons = state.lessons.len();
                report.passages = state.passages;
                report.near_duplicates = state.suppressed.len();
                report.seconds = started.elapsed().as_secs_f64();
                return Ok(report);
            }
        }
        progress.stage("index", Some(todo.len() as u64));
        let mut writer = match fed_writer {
            // The feed started clean already where there was no state.
            Some(w) => w,
            None => {
                let w = self.writer()?;
                if rebuilt {
                    // No state: whatever the folder holds is not accounted for, so start clean.
                    w.delete_all_documents()?;
                }
                w
            }
        };
        for id in &stale {
            writer.delete_term(Term::from_field_text(self.fields.lesson_id, id));
            state.lessons.remove(id);
        }
        let ontology = Ontology::builtin();
        let classifier = TeachingClassifier::builtin();
        // The next chunk is read (on the catalog's connection) while this one's documents and
        // signatures are made on the worker pool and tantivy's threads index the last ones.
        let read = |chunk: &[&LessonCuration]| {
            let ids: Vec<String> = chunk.iter().map(|i| i.id.clone()).collect();
            let catalog = catalog.clone();
            tokio::spawn(async move { catalog.lesson_timed_texts(&ids, false).await })
        };
        let chunks: Vec<&[&LessonCuration]> = todo.chunks(CHUNK).collect();
        let mut next = chunks.first().map(|c| read(c));
        for (k, chunk) in chunks.iter().enumerate() {
            let Some(reading) = next.take() else { break };
            let contents = reading
                .await
                .map_err(|e| IndexError::Task(e.to_string()))??;
            next = chunks.get(k + 1).map(|c| read(c));
            let fields = self.fields;
            let built: Vec<(Vec<TantivyDocument>, Vec<u32>)> = chunk
                .par_iter()
                .zip(contents.par_iter())
                .map(|(info, content)| {
                    (
                        catalog_documents(&fields, info, content, &ontology, &classifier),
                        signer.sign(&content.utterances),
                    )
                })
                .collect();
            for (info, (docs, signature)) in chunk.iter().zip(built) {
                for doc in docs {
                    writer.add_document(doc)?;
                }
                signatures.insert(&info.id, &info.content_hash, signature);
                state
                    .lessons
                    .insert(info.id.clone(), info.content_hash.clone());
            }
            progress.advance(chunk.len() as u64);
        }
        // One copy of each near-duplicate group stays: the others leave the index (deleting
        // what this writer added before is allowed: a delete covers every earlier document).
        let losers = signatures.losers(&want);
        for id in &losers {
            if state.lessons.remove(id).is_some() {
                writer.delete_term(Term::from_field_text(self.fields.lesson_id, id));
                if in_todo.contains(String::as_str(id)) {
                    report.added -= 1;
                } else {
                    report.removed += 1;
                }
            }
        }
        // A copy left out before whose better copy is gone now takes its place.
        let mut revived: Vec<String> = state
            .suppressed
            .keys()
            .filter(|id| !losers.contains(*id) && want.contains_key(String::as_str(id)))
            .filter(|id| !state.lessons.contains_key(*id))
            .cloned()
            .collect();
        revived.sort();
        for chunk in revived.chunks(CHUNK) {
            for content in catalog.lesson_timed_texts(chunk, false).await? {
                if let Some(info) = want.get(content.id.as_str()) {
                    for doc in
                        catalog_documents(&self.fields, info, &content, &ontology, &classifier)
                    {
                        writer.add_document(doc)?;
                    }
                    state
                        .lessons
                        .insert(info.id.clone(), info.content_hash.clone());
                    report.added += 1;
                }
            }
        }
        state.suppressed = losers
            .iter()
            .filter_map(|id| {
                want.get(id.as_str())
                    .map(|i| (id.clone(), i.content_hash.clone()))
            })
            .collect();
        report.near_duplicates = state.suppressed.len();
        writer.commit()?;
        signatures.save(&self.dir)?;
        // Committed: the state file now describes what the index holds.
        self.reader.reload()?;
        state.passages = self.reader.searcher().num_docs();
        state.marker = marker;
        write_state(&self.dir, &state)?;
        self.sync_dense(catalog, &infos, &state, progress, &mut report)
            .await?;
        report.lessons = state.lessons.len();
        report.passages = state.passages;
        report.seconds = started.elapsed().as_secs_f64();
        Ok(report)
    }

    /// Every stored passage as JSON, sorted: two indexes holding the same passages give the
    /// same list.
    pub fn documents(&self) -> Result<Vec<String>, IndexError> {
        let searcher = self.reader.searcher();
        let schema = self.index.schema();
        let addrs = searcher.search(
            &tantivy::query::AllQuery,
            &tantivy::collector::DocSetCollector,
        )?;
        let mut out = Vec::with_capacity(addrs.len());
        for addr in addrs {
            let doc: TantivyDocument = searcher.doc(addr)?;
            out.push(tantivy::Document::to_json(&doc, &schema));
        }
        out.sort();
        Ok(out)
    }

    /// Brings the stored embeddings in step with the indexed lessons: drops the rows of
    /// lessons no longer indexed (or indexed at another version) and embeds the passages of
    /// the indexed lessons that have none. Nothing happens without a model.
    async fn sync_dense(
        &mut self,
        catalog: &Catalog,
        infos: &[LessonCuration],
        state: &State,
        progress: &dyn Progress,
        report: &mut IndexReport,
    ) -> Result<(), IndexError> {
        let dir = self.dir.clone();
        let Some(d) = self.dense.as_mut() else {
            return Ok(());
        };
        let dropped = d
            .store
            .retain(|l| state.lessons.get(&l.id) == Some(&l.content_hash));
        let have: HashSet<&str> = d.store.lessons().iter().map(|l| l.id.as_str()).collect();
        let mut todo: Vec<&LessonCuration> = infos
            .iter()
            .filter(|i| {
                state.lessons.get(&i.id) == Some(&i.content_hash) && !have.contains(i.id.as_str())
            })
            .collect();
        todo.sort_by(|a, b| a.id.cmp(&b.id));
        todo.dedup_by(|a, b| a.id == b.id);
        if todo.is_empty() {
            if dropped > 0 {
                d.store.save(&dir)?;
            }
            return Ok(());
        }
        let started = Instant::now();
        let mut saved = Instant::now();
        progress.stage("embed", Some(todo.len() as u64));
        for chunk in todo.chunks(EMBED_CHUNK) {
            let ids: Vec<String> = chunk.iter().map(|i| i.id.clone()).collect();
            let contents = catalog.lesson_timed_texts(&ids, false).await?;
            // The same passages, in the same order, as the tantivy documents got.
            let texts: Vec<Vec<String>> = contents
                .iter()
                .map(|c| {
                    passages(&c.utterances)
                        .into_iter()
                        .map(|p| p.text)
                        .collect()
                })
                .collect();
            let flat: Vec<&str> = texts.iter().flatten().map(String::as_str).collect();
            let vectors = d.embedder.embed(&flat)?;
            let mut at = 0;
            for (info, lesson_texts) in chunk.iter().zip(&texts) {
                let n = lesson_texts.len();
                let level = info.level.as_deref().unwrap_or_default();
                d.store.push(
                    DenseLesson {
                        id: info.id.clone(),
                        content_hash: info.content_hash.clone(),
                        rows: n,
                        level_rank: level_rank(level).unwrap_or(0),
                        style: info.style.as_deref().unwrap_or_default().to_lowercase(),
                        instructor_id: info.instructor_id.clone().unwrap_or_default(),
                    },
                    &vectors[at..at + n],
                )?;
                at += n;
                report.embedded += 1;
                report.embedded_passages += n as u64;
            }
            progress.advance(chunk.len() as u64);
            if saved.elapsed().as_secs_f64() >= EMBED_CHECKPOINT_S {
                d.store.save(&dir)?;
                saved = Instant::now();
            }
        }
        d.store.save(&dir)?;
        report.embed_seconds = started.elapsed().as_secs_f64();
        Ok(())
    }

    /// Passages tagged with a concept.
    pub fn concept_passages(&self, concept: &str) -> Result<usize, IndexError> {
        let q = TermQuery::new(
            Term::from_field_text(self.fields.concepts, concept),
            IndexRecordOption::Basic,
        );
        Ok(self
            .reader
            .searcher()
            .search(&q, &tantivy::collector::Count)?)
    }

    /// The lessons whose title is `title` (case-insensitive), by id; passages of one lesson
    /// share its title, so this reads at most a few hundred stored documents.
    pub fn lessons_titled(&self, title: &str) -> Result<Vec<String>, IndexError> {
        let f = self.fields;
        let want = title.trim().to_lowercase();
        let words = sanitize(&want);
        if words.trim().is_empty() {
            return Ok(Vec::new());
        }
        let parser = QueryParser::for_index(&self.index, vec![f.title]);
        let (query, _) = parser.parse_query_lenient(&format!("\"{}\"", words.trim()));
        let searcher = self.reader.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(TITLE_POOL).order_by_score())?;
        let mut ids: Vec<String> = Vec::new();
        for (_, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let same = doc
                .get_first(f.title)
                .and_then(|v| v.as_str())
                .is_some_and(|t| t.trim().to_lowercase() == want);
            let id = doc.get_first(f.lesson_id).and_then(|v| v.as_str());
            if let (true, Some(id)) = (same, id)
                && !ids.iter().any(|x| x == id)
            {
                ids.push(id.to_string());
            }
        }
        ids.sort();
        Ok(ids)
    }

    /// The best passages for a request, diversified across instructors and lessons.
    pub fn search(&self, req: &SearchRequest<'_>) -> Result<Vec<Hit>, IndexError> {
        let f = self.fields;
        let searcher = self.reader.searcher();
        let pool = (req.limit * 6).max(24);
        let top = self.top(&searcher, req, pool)?;
        let mut candidates = Vec::with_capacity(top.len());
        let mut keys = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let hit = self.hit(&doc, score);
            let passage = doc
                .get_first(f.passage)
                .and_then(|v| v.as_u64())
                .unwrap_or(u64::MAX);
            keys.push((hit.lesson_id.clone(), passage));
            candidates.push(hit);
        }
        // Equal scores come back in index order, which differs between builds of the same
        // catalog (the writer's threads): break ties by lesson and passage so answers repeat.
        let mut ranked: Vec<((String, u64), Hit)> = keys.into_iter().zip(candidates).collect();
        ranked.sort_by(|(ka, a), (kb, b)| b.score.total_cmp(&a.score).then_with(|| ka.cmp(kb)));
        let (keys, mut candidates): (Vec<_>, Vec<_>) = ranked.into_iter().unzip();
        if let Some(d) = self.dense.as_ref().filter(|d| d.on) {
            candidates = self.fuse(d, req, &searcher, keys, candidates, pool)?;
        }
        Ok(diversify(candidates, req.limit))
    }

    /// The `pool` best passages for a request, by BM25 with its boosts, within its filters.
    fn top(
        &self,
        searcher: &tantivy::Searcher,
        req: &SearchRequest<'_>,
        pool: usize,
    ) -> Result<Vec<(Score, DocAddress)>, IndexError> {
        let f = self.fields;
        // One flat disjunction of term queries (the question's words in the text and, at half
        // weight, the title; its concepts; its lexicon terms): tantivy answers that with
        // block-max WAND, skipping blocks that cannot reach the top. The scores are the sums the
        // query parser's nested form gives.
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let term = |field: Field, token: &str, boost: f32| -> (Occur, Box<dyn Query>) {
            let q = Box::new(TermQuery::new(
                Term::from_field_text(field, token),
                IndexRecordOption::WithFreqs,
            ));
            if boost == 1.0 {
                (Occur::Should, q)
            } else {
                (Occur::Should, Box::new(BoostQuery::new(q, boost)))
            }
        };
        for token in self.tokens(f.text, req.text)? {
            should.push(term(f.text, &token, 1.0));
            should.push(term(f.title, &token, TITLE_BOOST));
        }
        for c in req.concepts {
            should.push(term(f.concepts, c, CONCEPT_BOOST));
        }
        for token in self.tokens(f.terms, &sanitize(&req.terms.join(" ")))? {
            should.push(term(f.terms, &token, TERM_BOOST));
        }
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(style) = req.style {
            must.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.style, style),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        if !req.lesson_ids.is_empty() {
            let any: Vec<(Occur, Box<dyn Query>)> = req
                .lesson_ids
                .iter()
                .map(|id| {
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(
                            Term::from_field_text(f.lesson_id, id),
                            IndexRecordOption::Basic,
                        )) as Box<dyn Query>,
                    )
                })
                .collect();
            must.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        if let Some(id) = req.instructor_id {
            must.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.instructor_id, id),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        let query: Box<dyn Query> = if must.is_empty() {
            Box::new(BooleanQuery::new(should))
        } else {
            must.push((Occur::Must, Box::new(BooleanQuery::new(should))));
            Box::new(BooleanQuery::new(must))
        };
        let collector = LevelTop {
            limit: pool,
            max_level: req.max_level.map(u64::from),
            kept: Mutex::new(Best::new(pool)),
        };
        Ok(searcher.search(&query, &collector)?)
    }

    /// Reciprocal rank fusion of the BM25 candidates with the passages nearest the question's
    /// embedding (same filters). Scores are rescaled so the best fused passage keeps the best
    /// BM25 score: what follows (MMR, evidence, quoting) reads them as before.
    fn fuse(
        &self,
        d: &Dense,
        req: &SearchRequest<'_>,
        searcher: &tantivy::Searcher,
        keys: Vec<(String, u64)>,
        candidates: Vec<Hit>,
        pool: usize,
    ) -> Result<Vec<Hit>, IndexError> {
        let text = if req.question.trim().is_empty() {
            req.text
        } else {
            req.question
        };
        if text.trim().is_empty() {
            return Ok(candidates);
        }
        let query = d.embedder.embed_one(text)?;
        let filter = DenseFilter {
            max_level: req.max_level,
            style: req.style,
            instructor_id: req.instructor_id,
        };
        let dense: Vec<(String, u64)> = d
            .store
            .search(&query, &filter, pool)
            .into_iter()
            .map(|(id, p, _)| (id.to_string(), p as u64))
            .collect();
        let scale = candidates
            .first()
            .map(|h| h.score)
            .filter(|s| *s > 0.0)
            .unwrap_or(1.0);
        let mut by_key: HashMap<(String, u64), Hit> =
            keys.iter().cloned().zip(candidates).collect();
        let fused = rrf(&[keys, dense], RRF_K);
        let best = fused.first().map(|(_, s)| *s).unwrap_or(1.0);
        let mut out = Vec::with_capacity(pool);
        for ((lesson_id, passage), s) in fused.into_iter().take(pool) {
            let hit = match by_key.remove(&(lesson_id.clone(), passage)) {
                Some(h) => Some(h),
                None => self.passage_hit(searcher, &lesson_id, passage)?,
            };
            if let Some(mut h) = hit {
                h.score = scale * (s / best) as f32;
                out.push(h);
            }
        }
        Ok(out)
    }

    /// One passage by lesson and number.
    fn passage_hit(
        &self,
        searcher: &tantivy::Searcher,
        lesson_id: &str,
        passage: u64,
    ) -> Result<Option<Hit>, IndexError> {
        let f = self.fields;
        let q = BooleanQuery::new(vec![
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.lesson_id, lesson_id),
                    IndexRecordOption::Basic,
                )) as Box<dyn Query>,
            ),
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_u64(f.passage, passage),
                    IndexRecordOption::Basic,
                )),
            ),
        ]);
        let top = searcher.search(&q, &TopDocs::with_limit(1).order_by_score())?;
        match top.first() {
            Some((_, addr)) => {
                let doc: TantivyDocument = searcher.doc(*addr)?;
                Ok(Some(self.hit(&doc, 0.0)))
            }
            None => Ok(None),
        }
    }

    /// The tokens of each distinct word of `text` in `field` (its analyzer: English stemming
    /// for text fields). A word said twice counts once, as tantivy's query parser has it; two
    /// words with one stem ("chord", "chords") count twice, as there.
    fn tokens(&self, field: Field, text: &str) -> Result<Vec<String>, IndexError> {
        let mut analyzer = self.index.tokenizer_for_field(field)?;
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for word in text.split_whitespace().filter(|w| seen.insert(*w)) {
            let mut stream = analyzer.token_stream(word);
            while let Some(token) = stream.next() {
                out.push(token.text.clone());
            }
        }
        Ok(out)
    }

    fn hit(&self, doc: &TantivyDocument, score: f32) -> Hit {
        let f = self.fields;
        let s = |field: Field| {
            doc.get_first(field)
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        };
        let num = |field: Field| doc.get_first(field).and_then(|v| v.as_f64()).unwrap_or(0.0);
        Hit {
            lesson_id: s(f.lesson_id),
            title: s(f.title),
            course: s(f.course),
            instructor_id: s(f.instructor_id),
            instructor: s(f.instructor),
            level: s(f.level),
            style: s(f.style),
            start_s: num(f.start_s),
            end_s: num(f.end_s),
            text: s(f.text),
            concepts: doc
                .get_all(f.concepts)
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            visual: doc
                .get_first(f.visual)
                .and_then(|v| v.as_u64())
                .is_some_and(|v| v == 1),
            teaching_move: s(f.teaching_move),
            score,
        }
    }
}

/// The best `limit` passages by score at or under a level rank (passages of unknown level
/// pass). The level is read from the fast field as documents are scored, so a disjunction of
/// term queries keeps block-max WAND, which a level clause in the query would rule out.
struct LevelTop {
    limit: usize,
    max_level: Option<u64>,
    /// The best scores kept from the segments searched so far: a segment's search starts
    /// from the weakest of them, so it skips what could not enter the merged top.
    kept: Mutex<Best>,
}

/// The best `limit` scored documents seen, in a min-heap whose top is the weakest kept.
struct Best {
    limit: usize,
    heap: BinaryHeap<Reverse<Ranked>>,
}

impl Best {
    fn new(limit: usize) -> Best {
        Best {
            limit,
            heap: BinaryHeap::with_capacity(limit + 1),
        }
    }

    /// Keeps `r` if it beats the weakest kept (or there is room).
    fn offer(&mut self, r: Ranked) {
        if self.heap.len() < self.limit {
            self.heap.push(Reverse(r));
        } else if self.heap.peek().is_some_and(|Reverse(w)| r > *w) {
            self.heap.pop();
            self.heap.push(Reverse(r));
        }
    }

    /// The score a document must beat to be kept (`Score::MIN` until full).
    fn threshold(&self) -> Score {
        match self.heap.peek() {
            Some(Reverse(weakest)) if self.heap.len() >= self.limit => weakest.score,
            _ => Score::MIN,
        }
    }
}

/// One segment's share of [`LevelTop`].
struct LevelTopSegment {
    segment_ord: SegmentOrdinal,
    max_level: Option<u64>,
    levels: Option<Column<u64>>,
    best: Best,
}

/// A scored document; of equal scores the lower document ranks higher (as in tantivy).
#[derive(PartialEq)]
struct Ranked {
    score: Score,
    doc: DocId,
}

impl Eq for Ranked {}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.score
            .total_cmp(&other.score)
            .then_with(|| other.doc.cmp(&self.doc))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl SegmentCollector for LevelTopSegment {
    type Fruit = Vec<(Score, DocAddress)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if let (Some(max), Some(levels)) = (self.max_level, &self.levels)
            && levels.first(doc).is_some_and(|rank| rank > max)
        {
            return;
        }
        self.best.offer(Ranked { score, doc });
    }

    fn harvest(self) -> Self::Fruit {
        let ord = self.segment_ord;
        self.best
            .heap
            .into_iter()
            .map(|Reverse(r)| (r.score, DocAddress::new(ord, r.doc)))
            .collect()
    }
}

impl Collector for LevelTop {
    type Fruit = Vec<(Score, DocAddress)>;
    type Child = LevelTopSegment;

    fn for_segment(
        &self,
        segment_ord: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<LevelTopSegment> {
        let levels = match self.max_level {
            Some(_) => Some(reader.fast_fields().u64("level_rank")?),
            None => None,
        };
        Ok(LevelTopSegment {
            segment_ord,
            max_level: self.max_level,
            levels,
            best: Best::new(self.limit),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        let mut all: Vec<(Score, DocAddress)> = fruits.into_iter().flatten().collect();
        all.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        all.truncate(self.limit);
        Ok(all)
    }

    // Scored with pruning: the weight skips documents (and blocks of them, for a disjunction
    // of term queries) that cannot beat the weakest passage kept.
    fn collect_segment(
        &self,
        weight: &dyn Weight,
        segment_ord: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Fruit> {
        if self.limit == 0 {
            return Ok(Vec::new());
        }
        let mut segment = self.for_segment(segment_ord, reader)?;
        let alive = reader.alive_bitset();
        // Segments are searched in order, so a passage that only ties the floor ranks after
        // the earlier segment's passage it ties with, and is rightly skipped.
        let floor = self
            .kept
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .threshold();
        weight.for_each_pruning(floor, reader, &mut |doc, score| {
            if alive.is_none_or(|a| a.is_alive(doc)) {
                segment.collect(doc, score);
            }
            segment.best.threshold().max(floor)
        })?;
        let found = segment.harvest();
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        for (score, _) in &found {
            kept.offer(Ranked {
                score: *score,
                doc: 0,
            });
        }
        Ok(found)
    }
}

/// Keeps only characters the query parser reads as words.
pub fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect()
}

/// Maximal marginal relevance over instructors and lessons: each pick lowers the score of the
/// remaining passages from the same instructor (and more from the same lesson), and passages
/// that lean on the video sink.
fn diversify(mut candidates: Vec<Hit>, limit: usize) -> Vec<Hit> {
    let top = candidates.first().map(|h| h.score).unwrap_or(0.0);
    for c in &mut candidates {
        if c.visual {
            c.score -= 0.25 * top;
        }
    }
    let mut out: Vec<Hit> = Vec::with_capacity(limit);
    while out.len() < limit && !candidates.is_empty() {
        let adjusted = |h: &Hit| {
            let same_instructor = out
                .iter()
                .filter(|o| o.instructor_id == h.instructor_id && !h.instructor_id.is_empty())
                .count() as f32;
            let same_lesson = out.iter().filter(|o| o.lesson_id == h.lesson_id).count() as f32;
            h.score - top * (0.08 * same_instructor + 0.04 * same_lesson)
        };
        let (best, _) = candidates
            .iter()
            .enumerate()
            .map(|(i, h)| (i, adjusted(h)))
            .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
            .unwrap_or((0, 0.0));
        let mut h = candidates.remove(best);
        h.score = adjusted(&h);
        out.push(h);
    }
    out
}

/// What a lesson's passages carry besides their text: the catalog's curation fields as the
/// index stores them (compared by digest when lessons fed during ingest are accepted).
#[derive(Debug)]
struct DocMeta {
    id: String,
    title: String,
    course: String,
    instructor_id: String,
    instructor: String,
    level: String,
    style: String,
}

impl DocMeta {
    /// A digest of every field (equal digests: equal metadata).
    fn digest(&self) -> [u8; 32] {
        let mut h = blake3::Hasher::new();
        for f in [
            &self.id,
            &self.title,
            &self.course,
            &self.instructor_id,
            &self.instructor,
            &self.level,
            &self.style,
        ] {
            // Length-prefixed: ("ab", "c") and ("a", "bc") differ.
            h.update(&(f.len() as u64).to_le_bytes());
            h.update(f.as_bytes());
        }
        *h.finalize().as_bytes()
    }

    /// As the catalog describes the lesson.
    fn of(i: &LessonCuration) -> Self {
        Self {
            id: i.id.clone(),
            title: i.title.clone().unwrap_or_default(),
            course: i.course.clone().unwrap_or_default(),
            instructor_id: i.instructor_id.clone().unwrap_or_default(),
            instructor: i.instructor.clone().unwrap_or_default(),
            level: i.level.clone().unwrap_or_default(),
            style: i.style.as_deref().unwrap_or_default().to_lowercase(),
        }
    }

    /// As ingest stored the record under `id` (the catalog may later name its instructor or
    /// course differently: then the curation decides).
    fn of_record(id: &str, r: &LessonRecord) -> Self {
        let m = &r.metadata;
        Self {
            id: id.to_string(),
            title: m.title.clone().unwrap_or_default(),
            course: m
                .course
                .as_ref()
                .map(|c| c.title.clone())
                .unwrap_or_default(),
            instructor_id: m
                .instructor
                .as_ref()
                .map(|i| i.id.clone())
                .unwrap_or_default(),
            instructor: m
                .instructor
                .as_ref()
                .map(|i| i.name.clone())
                .unwrap_or_default(),
            level: m.level.clone().unwrap_or_default(),
            style: m.style.as_deref().unwrap_or_default().to_lowercase(),
        }
    }
}

/// One lesson's passages as index documents.
fn lesson_documents(
    fields: &Fields,
    meta: &DocMeta,
    utterances: &[fretwise_transcript::Utterance],
    terms: &[TermOccurrence],
    ontology: &Ontology,
    classifier: &TeachingClassifier,
) -> Vec<TantivyDocument> {
    let lesson_end = utterances.last().map(|u| u.end).unwrap_or(0.0).max(1e-9);
    let mut docs = Vec::new();
    for (ordinal, p) in passages(utterances).into_iter().enumerate() {
        // Sentence times are interpolated, so a term must also be in the words.
        let lower = p.text.to_lowercase();
        let in_span: Vec<_> = terms
            .iter()
            .filter(|t| t.start_s >= p.start_s - 1.0 && t.start_s <= p.end_s + 1.0)
            .filter(|t| lower.contains(&t.text.trim().to_lowercase()))
            .cloned()
            .collect();
        let mut doc = TantivyDocument::default();
        doc.add_text(fields.lesson_id, &meta.id);
        doc.add_text(fields.text, &p.text);
        doc.add_text(fields.title, &meta.title);
        doc.add_text(fields.course, &meta.course);
        doc.add_text(fields.instructor_id, &meta.instructor_id);
        doc.add_text(fields.instructor, &meta.instructor);
        doc.add_text(fields.level, &meta.level);
        doc.add_u64(
            fields.level_rank,
            u64::from(level_rank(&meta.level).unwrap_or(0)),
        );
        doc.add_text(fields.style, &meta.style);
        let mut seen = HashSet::new();
        for (c, _) in ontology.concepts_in(&in_span) {
            if seen.insert(c.clone()) {
                doc.add_text(fields.concepts, &c);
            }
        }
        let terms: Vec<&str> = in_span.iter().map(|t| t.term.as_str()).collect();
        doc.add_text(fields.terms, terms.join(" "));
        doc.add_f64(fields.start_s, p.start_s);
        doc.add_f64(fields.end_s, p.end_s);
        doc.add_u64(fields.visual, u64::from(is_visual(&p.text)));
        let (mv, _) = classifier.classify(&p.text, p.start_s / lesson_end);
        doc.add_text(fields.teaching_move, mv.as_str());
        doc.add_u64(fields.passage, ordinal as u64);
        docs.push(doc);
    }
    docs
}

/// Documents of a lesson read back from the catalog.
fn catalog_documents(
    fields: &Fields,
    info: &LessonCuration,
    content: &fretwise_catalog::LessonText,
    ontology: &Ontology,
    classifier: &TeachingClassifier,
) -> Vec<TantivyDocument> {
    lesson_documents(
        fields,
        &DocMeta::of(info),
        &content.utterances,
        &content.terms,
        ontology,
        classifier,
    )
}

/// A committed batch of lessons: (catalog id, record).
type Batch = Vec<(String, LessonRecord)>;

/// Indexes lessons as ingest stores them (see [`PassageIndex::feed`]).
pub struct IndexFeed {
    tx: std::sync::Mutex<Option<std::sync::mpsc::SyncSender<Batch>>>,
    worker: std::sync::Mutex<Option<std::thread::JoinHandle<Result<Fed, IndexError>>>>,
}

/// What a feed indexed, uncommitted, for [`PassageIndex::update_fed`].
pub struct Fed {
    writer: IndexWriter,
    lessons: HashMap<String, FedLesson>,
}

struct FedLesson {
    hash: String,
    /// [`DocMeta::digest`] of what its passages carry (100K of them are held until the update).
    meta: [u8; 32],
    signature: Vec<u32>,
}

impl IndexFeed {
    /// Waits for the lessons handed over so far to be indexed (nothing more can be fed).
    pub fn finish(&self) -> Result<Fed, IndexError> {
        drop(self.tx.lock().ok().and_then(|mut t| t.take()));
        let worker = self
            .worker
            .lock()
            .ok()
            .and_then(|mut w| w.take())
            .ok_or_else(|| IndexError::Task("the index feed was finished twice".into()))?;
        worker
            .join()
            .map_err(|_| IndexError::Task("the index feed stopped".into()))?
    }
}

impl LessonSink for IndexFeed {
    fn stored(&self, lessons: Vec<(String, LessonRecord)>) {
        let tx = self.tx.lock().ok().and_then(|t| t.clone());
        // A worker that failed has dropped its end: `finish` reports why.
        if let Some(tx) = tx {
            let _ = tx.send(lessons);
        }
    }
}

fn feed_worker(
    writer: IndexWriter,
    fields: Fields,
    rx: std::sync::mpsc::Receiver<Batch>,
) -> Result<Fed, IndexError> {
    let ontology = Ontology::builtin();
    let classifier = TeachingClassifier::builtin();
    let signer = crate::near::Signer::new();
    let mut lessons = HashMap::new();
    for batch in rx {
        let built: Vec<(String, FedLesson, Vec<TantivyDocument>)> = batch
            .par_iter()
            // What the catalog will not call usable is not worth indexing (the rest is
            // checked against the catalog afterwards).
            .filter(|(_, r)| {
                r.quality.trainable
                    && !r
                        .quality
                        .flags
                        .iter()
                        .any(|f| f.severity == fretwise_quality::Severity::Failure)
            })
            .map(|(id, r)| {
                let meta = DocMeta::of_record(id, r);
                let docs = lesson_documents(
                    &fields,
                    &meta,
                    &r.transcript.utterances,
                    &r.terms,
                    &ontology,
                    &classifier,
                );
                let lesson = FedLesson {
                    hash: r.content_hash.clone(),
                    meta: meta.digest(),
                    signature: signer.sign(&r.transcript.utterances),
                };
                (meta.id, lesson, docs)
            })
            .collect();
        for (id, lesson, docs) in built {
            // An earlier version's passages go; the delete covers only what came before it.
            writer.delete_term(Term::from_field_text(fields.lesson_id, &id));
            for doc in docs {
                writer.add_document(doc)?;
            }
            lessons.insert(id, lesson);
        }
    }
    Ok(Fed { writer, lessons })
}

/// Whether `state` holds exactly the usable lessons of `infos` at their current versions.
fn holds(state: &State, infos: &[LessonCuration]) -> bool {
    // Near duplicates left out at their current content are accounted for.
    let want: BTreeMap<&str, &str> = infos
        .iter()
        .filter(|i| usable(i))
        .filter(|i| state.suppressed.get(&i.id) != Some(&i.content_hash))
        .map(|i| (i.id.as_str(), i.content_hash.as_str()))
        .collect();
    want.len() == state.lessons.len()
        && want
            .iter()
            .all(|(id, h)| state.lessons.get(*id).is_some_and(|s| s == h))
}

fn read_state(dir: &Path) -> Option<State> {
    let text = std::fs::read_to_string(dir.join(STATE)).ok()?;
    serde_json::from_str(&text).ok()
}

fn read_summary(dir: &Path) -> Option<Summary> {
    let text = std::fs::read_to_string(dir.join(SUMMARY)).ok()?;
    serde_json::from_str(&text).ok()
}

fn write_json(dir: &Path, name: &str, value: &impl Serialize) -> Result<(), IndexError> {
    let path = dir.join(name);
    let tmp = dir.join(format!("{name}.tmp"));
    let body = serde_json::to_vec(value).map_err(|e| IndexError::Io {
        path: path.clone(),
        source: std::io::Error::other(e),
    })?;
    std::fs::write(&tmp, body).map_err(io(&tmp))?;
    // Rename is atomic: a reader sees the old file or the new one, never half of one.
    std::fs::rename(&tmp, &path).map_err(io(&path))?;
    Ok(())
}

/// Writes the lesson state, then the summary that readers check (so a reader that sees the
/// new marker also finds the new state).
fn write_state(dir: &Path, state: &State) -> Result<(), IndexError> {
    write_json(dir, STATE, state)?;
    write_json(
        dir,
        SUMMARY,
        &Summary {
            version: state.version,
            marker: state.marker.clone(),
            lessons: state.lessons.len(),
            passages: state.passages,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use fretwise_transcript::Utterance;

    fn utt(start: f64, end: f64, text: &str) -> Utterance {
        Utterance {
            start,
            end,
            text: text.to_string(),
            words: Vec::new(),
            confidence: None,
            avg_logprob: None,
            compression_ratio: None,
            no_speech_prob: None,
        }
    }

    #[test]
    fn passages_are_whole_sentences_and_visual_ones_stand_alone() {
        let us = [
            utt(
                0.0,
                4.0,
                "Keep your thumb behind the neck. Press with the fingertips.",
            ),
            utt(4.0, 6.0, "Watch my hand right here."),
            utt(6.0, 9.0, "Now strum all six strings slowly."),
        ];
        let ps = passages(&us);
        assert_eq!(ps.len(), 3, "{ps:#?}");
        assert_eq!(
            ps[0].text,
            "Keep your thumb behind the neck. Press with the fingertips."
        );
        assert!(is_visual(&ps[1].text));
        assert_eq!((ps[1].start_s, ps[1].end_s), (4.0, 6.0));
        assert_eq!(ps[2].text, "Now strum all six strings slowly.");
    }

    /// The pruned search (one flat disjunction, level read from the fast field, block-max
    /// WAND) returns the passages and scores the query parser's nested query with a level
    /// clause returns, scored exhaustively.
    #[test]
    fn pruned_search_ranks_as_the_full_query() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let idx = PassageIndex::open(&tmp.path().join("index")).expect("index");
        let f = idx.fields;
        let words = [
            "pick",
            "picking",
            "alternate",
            "strum",
            "chord",
            "barre",
            "bend",
            "vibrato",
            "scale",
            "minor",
            "pentatonic",
            "metronome",
            "practice",
            "slowly",
            "thumb",
            "fret",
            "string",
            "buzz",
            "muting",
            "palm",
            "blues",
            "shuffle",
            "capo",
            "tuning",
            "the",
            "and",
            "your",
            "hand",
            "time",
            "note",
        ];
        let concepts = [
            "alternate-picking",
            "barre-chords",
            "bending",
            "vibrato",
            "rhythm",
        ];
        // A fixed linear congruential sequence: the same index on every run.
        let mut state: u64 = 7;
        let mut next = |n: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 33) as usize) % n
        };
        let mut w = idx.writer().expect("writer");
        for i in 0..6_000u64 {
            let mut doc = TantivyDocument::default();
            // Skewed: low word numbers are common, as "the" and "pick" are in lessons.
            let pick_word = |next: &mut dyn FnMut(usize) -> usize| {
                let a = next(words.len());
                words[a.min(next(words.len()))]
            };
            let len = 6 + next(20);
            let text: Vec<&str> = (0..len).map(|_| pick_word(&mut next)).collect();
            let title: Vec<&str> = (0..3).map(|_| pick_word(&mut next)).collect();
            let terms: Vec<&str> = (0..next(4)).map(|_| pick_word(&mut next)).collect();
            doc.add_text(f.lesson_id, format!("lesson-{}", i / 12));
            doc.add_text(f.text, text.join(" "));
            doc.add_text(f.title, title.join(" "));
            doc.add_text(f.terms, terms.join(" "));
            let mut seen = HashSet::new();
            for _ in 0..next(3) {
                let c = concepts[next(concepts.len())];
                if seen.insert(c) {
                    doc.add_text(f.concepts, c);
                }
            }
            doc.add_u64(f.level_rank, next(4) as u64);
            doc.add_u64(f.passage, i % 12);
            w.add_document(doc).expect("add");
        }
        w.commit().expect("commit");
        idx.reader.reload().expect("reload");
        let searcher = idx.reader.searcher();

        /// Question words, concepts, lexicon terms, the student's level.
        type Case<'a> = (&'a str, &'a [&'a str], &'a [&'a str], Option<u8>);
        let cases: [Case; 6] = [
            // Words said twice, and two words with one stem, as questions repeat them.
            (
                "barre chord workout barre chord chords strum barre",
                &["barre-chords"],
                &["barre chord", "chord", "barre chord"],
                Some(2),
            ),
            (
                "practice alternate picking",
                &["alternate-picking"],
                &["alternate picking"],
                Some(2),
            ),
            (
                "barre chord buzz",
                &["barre-chords"],
                &["barre chord"],
                Some(1),
            ),
            ("the blues shuffle", &[], &[], None),
            (
                "vibrato bend",
                &["vibrato", "bending"],
                &["vibrato"],
                Some(3),
            ),
            ("metronome time", &[], &["metronome"], Some(2)),
        ];
        for (text, cs, ts, max_level) in cases {
            let cs: Vec<String> = cs.iter().map(|c| c.to_string()).collect();
            let ts: Vec<String> = ts.iter().map(|t| t.to_string()).collect();
            let req = SearchRequest {
                text,
                concepts: &cs,
                terms: &ts,
                max_level,
                limit: 10,
                ..SearchRequest::default()
            };
            let got = idx.top(&searcher, &req, 60).expect("search");

            // The reference: the nested query the parser builds, the level as a clause.
            let mut parser = QueryParser::for_index(&idx.index, vec![f.text, f.title]);
            parser.set_field_boost(f.title, 0.5);
            let (parsed, _) = parser.parse_query_lenient(text);
            let mut should: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, parsed)];
            for c in &cs {
                let q = TermQuery::new(
                    Term::from_field_text(f.concepts, c),
                    IndexRecordOption::Basic,
                );
                should.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), 0.4))));
            }
            if !ts.is_empty() {
                let tp = QueryParser::for_index(&idx.index, vec![f.terms]);
                let (q, _) = tp.parse_query_lenient(&sanitize(&ts.join(" ")));
                should.push((Occur::Should, Box::new(BoostQuery::new(q, 0.8))));
            }
            let mut must: Vec<(Occur, Box<dyn Query>)> =
                vec![(Occur::Must, Box::new(BooleanQuery::new(should)))];
            for too_hard in max_level.map_or(4, |m| u64::from(m) + 1)..=3 {
                must.push((
                    Occur::MustNot,
                    Box::new(TermQuery::new(
                        Term::from_field_u64(f.level_rank, too_hard),
                        IndexRecordOption::Basic,
                    )),
                ));
            }
            let want = searcher
                .search(
                    &BooleanQuery::new(must),
                    &TopDocs::with_limit(60).order_by_score(),
                )
                .expect("reference");
            assert_eq!(got.len(), want.len(), "{text}");
            assert!(want.len() == 60, "{text}: too few matches to test ranking");
            for (k, ((gs, ga), (ws, wa))) in got.iter().zip(&want).enumerate() {
                assert!(
                    (gs - ws).abs() < 1e-4,
                    "{text}: rank {k}: {gs} against {ws}"
                );
                // Equal scores may come in another order; distinct ones may not.
                let tied = want.iter().filter(|(s, _)| (s - ws).abs() < 1e-4).count() > 1;
                if !tied {
                    assert_eq!(ga, wa, "{text}: rank {k}");
                }
            }
            for (_, a) in &got {
                let rank = searcher
                    .segment_reader(a.segment_ord)
                    .fast_fields()
                    .u64("level_rank")
                    .expect("level column")
                    .first(a.doc_id);
                assert!(
                    max_level.is_none_or(|m| rank.is_none_or(|r| r <= u64::from(m))),
                    "{text}: a passage above the level came back"
                );
            }
        }
    }
}
