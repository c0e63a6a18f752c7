use std::collections::HashMap;
use std::sync::Arc;

use fretwise_catalog::{
    Catalog, CourseRef, InstructorRef, LessonAnalysis, LessonColumns, LessonKnowledgeRow,
    LessonRecord, LessonSink, Progress, WriteOutcome,
};
use fretwise_lexicon::TermMatcher;
use fretwise_quality::Severity;
use fretwise_transcript::{ReadOptions, parse_transcript};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::mysql::MysqlSource;
use crate::{IngestError, InputItem, Payload, slug};

/// How to ingest.
#[derive(Clone)]
pub struct IngestOptions {
    /// Reader limits.
    pub read: ReadOptions,
    /// Items per transaction.
    pub chunk_size: usize,
    /// Term matcher (built-in lexicon or a user's).
    pub matcher: Arc<TermMatcher>,
    /// Re-process inputs even when their content hash is unchanged.
    pub force: bool,
    /// Per-lesson knowledge computed on the worker pool and stored with each lesson (the
    /// knowledge base's analysis; None: the knowledge rebuild reads the lessons back later).
    pub analysis: Option<Arc<dyn LessonAnalysis>>,
    /// Receives each committed batch of lessons (the search index built while ingest runs).
    pub sink: Option<Arc<dyn LessonSink>>,
}

impl std::fmt::Debug for IngestOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IngestOptions")
            .field("read", &self.read)
            .field("chunk_size", &self.chunk_size)
            .field("force", &self.force)
            .field("analysis", &self.analysis.is_some())
            .field("sink", &self.sink.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for IngestOptions {
    fn default() -> Self {
        Self {
            read: ReadOptions::default(),
            chunk_size: 256,
            matcher: Arc::new(TermMatcher::builtin()),
            force: false,
            analysis: None,
            sink: None,
        }
    }
}

/// A rejected input and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuarantinedItem {
    /// File path or database row.
    pub source: String,
    /// Reason, naming the field where possible.
    pub reason: String,
}

/// A stored lesson with failure flags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlaggedLesson {
    /// Lesson id.
    pub lesson_id: String,
    /// Failure flag codes.
    pub flags: Vec<String>,
}

/// What an ingest run did (the `--json` contract).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IngestReport {
    /// New lessons stored.
    pub ingested: usize,
    /// Inputs skipped because their content hash is unchanged.
    pub unchanged: usize,
    /// Lessons whose input changed and were replaced atomically.
    pub replaced: usize,
    /// Stored lessons that duplicate another lesson's text exactly.
    pub duplicates: usize,
    /// Inputs rejected this run, with reasons.
    pub quarantined: Vec<QuarantinedItem>,
    /// Stored lessons carrying failure flags (not trainable).
    pub flagged: Vec<FlaggedLesson>,
    /// Database rows without any transcript yet (not an error; nothing to ingest).
    pub skipped_no_transcript: usize,
    /// Symbolic links in ingested folders that were not followed (loops, already read, broken).
    #[serde(default)]
    pub skipped_links: Vec<crate::SkippedLink>,
    /// Stored lessons whose knowledge was computed and stored during the ingest (with
    /// `IngestOptions::analysis`; the knowledge rebuild then has none of them left to analyse).
    #[serde(default)]
    pub knowledge_analyzed: usize,
}

enum Processed {
    Unchanged,
    /// A lesson to store, its columns encoded, with its knowledge when the options ask for it.
    Record(
        Box<LessonRecord>,
        Box<LessonColumns>,
        Option<Box<LessonKnowledgeRow>>,
    ),
    Rejected(QuarantinedItem, Option<String>),
    NoTranscript,
}

pub(crate) trait ChunkSource {
    async fn next_chunk(&mut self, n: usize) -> Result<Option<Vec<InputItem>>, IngestError>;
}

struct VecSource(std::vec::IntoIter<InputItem>);

impl ChunkSource for VecSource {
    async fn next_chunk(&mut self, n: usize) -> Result<Option<Vec<InputItem>>, IngestError> {
        let chunk: Vec<_> = self.0.by_ref().take(n).collect();
        Ok(if chunk.is_empty() { None } else { Some(chunk) })
    }
}

/// Ingests items found by [`crate::discover`]; `pre_rejected` are already-quarantined rows.
pub async fn ingest_items(
    catalog: &Catalog,
    items: Vec<InputItem>,
    pre_rejected: Vec<QuarantinedItem>,
    options: &IngestOptions,
    progress: &dyn Progress,
) -> Result<IngestReport, IngestError> {
    progress.stage("ingest", Some((items.len() + pre_rejected.len()) as u64));
    let mut report = IngestReport::default();
    for q in pre_rejected {
        catalog.quarantine(&q.source, &q.reason, None).await?;
        report.quarantined.push(q);
        progress.advance(1);
    }
    run(
        catalog,
        VecSource(items.into_iter()),
        options,
        progress,
        report,
    )
    .await
}

/// Ingests every lesson of the platform database behind `source`, streaming.
pub async fn ingest_mysql(
    catalog: &Catalog,
    source: MysqlSource,
    options: &IngestOptions,
    progress: &dyn Progress,
) -> Result<IngestReport, IngestError> {
    progress.stage("ingest", source.count().await.ok());
    let stream = source.stream();
    run(catalog, stream, options, progress, IngestReport::default()).await
}

async fn run(
    catalog: &Catalog,
    mut source: impl ChunkSource,
    options: &IngestOptions,
    progress: &dyn Progress,
    mut report: IngestReport,
) -> Result<IngestReport, IngestError> {
    let mut known: HashMap<String, String> = catalog.source_hashes().await?;
    for (src, hash) in catalog.quarantine_hashes().await? {
        if let Some(h) = hash {
            known.entry(src).or_insert(h);
        }
    }
    let known = Arc::new(known);
    let opts = Arc::new(options.clone());

    let spawn = |chunk: Vec<InputItem>| {
        let known = Arc::clone(&known);
        let opts = Arc::clone(&opts);
        tokio::task::spawn_blocking(move || {
            chunk
                .into_par_iter()
                .map(|item| process(item, &known, &opts))
                .collect::<Vec<_>>()
        })
    };

    // Chunks N+1 and N+2 are processed on the worker threads while chunk N is written: with
    // one chunk ahead, the pool sat idle whenever it finished before the writer did.
    const AHEAD: usize = 2;
    let mut pending = std::collections::VecDeque::with_capacity(AHEAD);
    while pending.len() < AHEAD {
        match source.next_chunk(options.chunk_size.max(1)).await? {
            Some(chunk) => pending.push_back(spawn(chunk)),
            None => break,
        }
    }
    while let Some(handle) = pending.pop_front() {
        let processed = handle
            .await
            .map_err(|e| IngestError::Worker(e.to_string()))?;
        if let Some(next) = source.next_chunk(options.chunk_size.max(1)).await? {
            pending.push_back(spawn(next));
        }
        let n = processed.len() as u64;
        let mut records = Vec::new();
        let mut columns = Vec::new();
        let mut knowledge = Vec::new();
        for p in processed {
            match p {
                Processed::Unchanged => report.unchanged += 1,
                Processed::NoTranscript => report.skipped_no_transcript += 1,
                Processed::Rejected(q, hash) => {
                    catalog
                        .quarantine(&q.source, &q.reason, hash.as_deref())
                        .await?;
                    report.quarantined.push(q);
                }
                Processed::Record(r, c, k) => {
                    records.push(*r);
                    columns.push(*c);
                    knowledge.push(k);
                }
            }
        }
        if !records.is_empty() {
            let outcomes = catalog.write_encoded(&records, &columns).await?;
            drop(columns);
            // The knowledge rows follow their lessons (under the ids the catalog gave them). A
            // crash between the two writes leaves lessons without knowledge: stale, so the next
            // rebuild computes it.
            let rows: Vec<LessonKnowledgeRow> = knowledge
                .into_iter()
                .zip(&outcomes)
                .filter_map(|(k, outcome)| {
                    let mut k = *k?;
                    k.lesson_id = match outcome {
                        WriteOutcome::Inserted { id, .. } | WriteOutcome::Replaced { id, .. } => {
                            id.clone()
                        }
                    };
                    Some(k)
                })
                .collect();
            catalog.write_lesson_knowledge(&rows, true).await?;
            report.knowledge_analyzed += rows.len();
            let mut ids = Vec::with_capacity(records.len());
            for (rec, outcome) in records.iter().zip(outcomes) {
                let (id, dup) = match outcome {
                    WriteOutcome::Inserted { id, duplicate_of } => {
                        report.ingested += 1;
                        (id, duplicate_of)
                    }
                    WriteOutcome::Replaced { id, duplicate_of } => {
                        report.replaced += 1;
                        (id, duplicate_of)
                    }
                };
                if dup.is_some() {
                    report.duplicates += 1;
                }
                let failures: Vec<String> = rec
                    .quality
                    .flags
                    .iter()
                    .filter(|f| f.severity == Severity::Failure)
                    .map(|f| f.code.as_str().to_string())
                    .collect();
                if !failures.is_empty() {
                    report.flagged.push(crate::FlaggedLesson {
                        lesson_id: id.clone(),
                        flags: failures,
                    });
                }
                ids.push(id);
            }
            if let Some(sink) = &options.sink {
                sink.stored(ids.into_iter().zip(records).collect());
            }
        }
        progress.advance(n);
    }
    Ok(report)
}

fn content_hash(bytes: &[u8], item: &InputItem) -> String {
    let mut h = blake3::Hasher::new();
    h.update(bytes);
    h.update(b"\0");
    h.update(item.id.as_bytes());
    h.update(b"\0");
    // Metadata serialises deterministically (struct field order).
    h.update(
        serde_json::to_string(&item.metadata)
            .unwrap_or_default()
            .as_bytes(),
    );
    h.finalize().to_hex()[..32].to_string()
}

fn process(item: InputItem, known: &HashMap<String, String>, opts: &IngestOptions) -> Processed {
    let bytes = match &item.payload {
        Payload::Pending => return Processed::NoTranscript,
        Payload::Missing(reason) => {
            return Processed::Rejected(
                QuarantinedItem {
                    source: item.source.clone(),
                    reason: reason.clone(),
                },
                None,
            );
        }
        Payload::Bytes(b) => std::borrow::Cow::Borrowed(b.as_slice()),
        Payload::File(path) => {
            let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            if size > opts.read.max_bytes {
                return Processed::Rejected(
                    QuarantinedItem {
                        source: item.source.clone(),
                        reason: format!(
                            "input is {size} bytes, over the limit of {} bytes (raise --max-bytes to accept it)",
                            opts.read.max_bytes
                        ),
                    },
                    None,
                );
            }
            match std::fs::read(path) {
                Ok(b) => std::borrow::Cow::Owned(b),
                Err(e) => {
                    return Processed::Rejected(
                        QuarantinedItem {
                            source: item.source.clone(),
                            reason: format!("cannot read file: {e}"),
                        },
                        None,
                    );
                }
            }
        }
    };
    let hash = content_hash(&bytes, &item);
    if !opts.force && known.get(&item.source) == Some(&hash) {
        return Processed::Unchanged;
    }
    let transcript = match parse_transcript(&bytes, &opts.read) {
        Ok(t) => t,
        Err(e) => {
            return Processed::Rejected(
                QuarantinedItem {
                    source: item.source,
                    reason: e.to_string(),
                },
                Some(hash),
            );
        }
    };
    let mut metadata = item.metadata;
    if let Some(ctx) = &transcript.template_context {
        if metadata.instructor.is_none()
            && let Some(name) = ctx
                .instructor_name
                .as_ref()
                .filter(|n| !n.trim().is_empty())
        {
            metadata.instructor = Some(InstructorRef {
                id: slug(name),
                name: name.trim().to_string(),
            });
        }
        if metadata.course.is_none()
            && let Some(title) = ctx.course_title.as_ref().filter(|n| !n.trim().is_empty())
        {
            metadata.course = Some(CourseRef {
                id: slug(title),
                title: title.trim().to_string(),
                description: None,
            });
        }
        if metadata.title.is_none() {
            metadata.title = ctx.segment_title.clone();
        }
    }
    let (terms, quality) = fretwise_quality::analyze(&transcript, &opts.matcher);
    let record = LessonRecord {
        id: item.id,
        source: item.source,
        content_hash: hash,
        metadata,
        transcript,
        terms,
        quality,
    };
    // Encoded here, on the worker pool, so the single writer only binds and executes.
    let columns = match LessonColumns::encode(&record) {
        Ok(c) => c,
        Err(e) => {
            return Processed::Rejected(
                QuarantinedItem {
                    source: record.source,
                    reason: e.to_string(),
                },
                Some(record.content_hash),
            );
        }
    };
    let knowledge = opts.analysis.as_ref().map(|a| Box::new(a.analyse(&record)));
    Processed::Record(Box::new(record), Box::new(columns), knowledge)
}

impl ChunkSource for crate::mysql::MysqlStream {
    async fn next_chunk(&mut self, n: usize) -> Result<Option<Vec<InputItem>>, IngestError> {
        self.next_items(n).await
    }
}
