//! Building the knowledge base into the catalog: per-lesson knowledge for new or changed lessons,
//! phrase pools for instructors whose lessons changed, then the library-wide profiles and
//! concept graph. A full rebuild recomputes everything.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

use fretwise_catalog::{
    Catalog, CatalogError, LessonConceptRow, LessonCuration, LessonKnowledgeRow, Progress,
};
use rayon::prelude::*;
use serde::Serialize;

use crate::mine::{MiningLesson, MiningOptions, level_rank, mine_edges};
use crate::{
    ConceptGraph, KNOWLEDGE_VERSION, LessonContribution, Ontology, Profile, ProfileInput,
    TeachingClassifier, TimedText, analyze_lesson, phrase_pool, profiles,
};

/// Errors while building knowledge.
#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    /// The catalog failed.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// A stored knowledge value could not be read back.
    #[error("corrupt stored knowledge for {what}: {message}")]
    Corrupt {
        /// Which row.
        what: String,
        /// What went wrong.
        message: String,
    },
}

/// What a rebuild did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RebuildReport {
    /// Lessons in the catalog.
    pub lessons: usize,
    /// Lessons whose knowledge was (re)computed.
    pub lessons_analyzed: usize,
    /// Lessons whose stored knowledge was removed (the lesson is gone).
    pub lessons_removed: u64,
    /// Instructors with usable lessons.
    pub instructors: usize,
    /// Instructors whose phrase pools were recomputed.
    pub instructors_repooled: usize,
    /// Whether profiles and the graph were recomputed.
    pub aggregated: bool,
    /// Profiles stored.
    pub profiles: usize,
    /// Graph edges per kind.
    pub edges: BTreeMap<String, usize>,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// Lessons read and analysed per step (instructors are never split across steps).
const CHUNK: usize = 512;

fn usable(i: &LessonCuration) -> bool {
    i.trainable && i.duplicate_of.is_none() && i.instructor_id.is_some()
}

/// FNV-1a over the instructor's (lesson id, content hash) pairs in id order.
fn lessons_key(lessons: &[&LessonCuration]) -> String {
    let h = crate::lesson::fnv1a(lessons.iter().flat_map(|l| {
        l.id.bytes()
            .chain([0u8])
            .chain(l.content_hash.bytes())
            .chain([0u8])
    }));
    format!("{h:016x}-{}", lessons.len())
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> KnowledgeError {
    KnowledgeError::Corrupt {
        what: what.to_string(),
        message: e.to_string(),
    }
}

/// Brings the stored knowledge up to date: only new or changed lessons and the instructors they
/// belong to are recomputed, unless `full`. Profiles and the graph are recomputed whenever
/// anything changed (or they are missing).
pub async fn rebuild(
    catalog: &Catalog,
    full: bool,
    progress: &dyn Progress,
) -> Result<RebuildReport, KnowledgeError> {
    rebuild_from(catalog, full, progress, None).await
}

/// [`rebuild`] from the catalog's lesson list already read (`infos`: what
/// `Catalog::lesson_curations` returned; None: read it here).
pub async fn rebuild_from(
    catalog: &Catalog,
    full: bool,
    progress: &dyn Progress,
    infos: Option<std::sync::Arc<Vec<LessonCuration>>>,
) -> Result<RebuildReport, KnowledgeError> {
    let started = Instant::now();
    let t = Instant::now();
    let ontology = Ontology::builtin();
    let classifier = TeachingClassifier::builtin();
    let infos = match infos {
        Some(infos) => infos,
        None => std::sync::Arc::new(catalog.lesson_curations().await?),
    };
    let states = if full {
        HashMap::new()
    } else {
        catalog.knowledge_states().await?
    };
    tracing::info!(seconds = t.elapsed().as_secs_f64(), "lesson list read");
    let stale: HashSet<&str> = infos
        .iter()
        .filter(|i| {
            states
                .get(&i.id)
                .is_none_or(|(h, v)| h != &i.content_hash || *v != KNOWLEDGE_VERSION)
        })
        .map(|i| i.id.as_str())
        .collect();

    let mut by_instructor: BTreeMap<&str, Vec<&LessonCuration>> = BTreeMap::new();
    for i in infos.iter().filter(|i| usable(i)) {
        if let Some(id) = i.instructor_id.as_deref() {
            by_instructor.entry(id).or_default().push(i);
        }
    }
    let stored_pools = if full {
        HashMap::new()
    } else {
        catalog.phrase_pools().await?
    };
    let keys: BTreeMap<&str, String> = by_instructor
        .iter()
        .map(|(id, ls)| (*id, lessons_key(ls)))
        .collect();
    let affected: Vec<&str> = keys
        .iter()
        .filter(|(id, key)| stored_pools.get(**id).is_none_or(|(k, _)| k != *key))
        .map(|(id, _)| *id)
        .collect();

    // Steps: whole affected instructors (their texts are needed for phrase pools), then the
    // remaining stale lessons.
    let mut steps: Vec<(Vec<&LessonCuration>, Vec<&str>)> = Vec::new();
    let mut current: (Vec<&LessonCuration>, Vec<&str>) = (Vec::new(), Vec::new());
    let mut covered: HashSet<&str> = HashSet::new();
    for id in &affected {
        let ls = &by_instructor[id];
        current.0.extend(ls.iter().copied());
        current.1.push(id);
        covered.extend(ls.iter().map(|l| l.id.as_str()));
        if current.0.len() >= CHUNK {
            steps.push(std::mem::take(&mut current));
        }
    }
    for i in infos
        .iter()
        .filter(|i| stale.contains(i.id.as_str()) && !covered.contains(i.id.as_str()))
    {
        current.0.push(i);
        if current.0.len() >= CHUNK {
            steps.push(std::mem::take(&mut current));
        }
    }
    if !current.0.is_empty() {
        steps.push(current);
    }

    let mut report = RebuildReport {
        lessons: infos.len(),
        instructors: by_instructor.len(),
        instructors_repooled: affected.len(),
        ..Default::default()
    };
    let total: usize = steps.iter().map(|s| s.0.len()).sum();
    progress.stage("analysing lessons", Some(total as u64));
    if full {
        catalog.clear_lesson_knowledge().await?;
    }
    // Reading step i (own connection), analysing step i−1 (blocking pool, in parallel) and
    // writing step i−2 overlap: the database and the CPUs are busy at the same time.
    let reader = catalog.second_handle().await?;
    let shared = std::sync::Arc::new((ontology.clone(), classifier));
    let mut new_pools: Vec<(String, String, String)> = Vec::new();
    let mut analysing: Option<tokio::task::JoinHandle<StepOutput>> = None;
    let mut writing: Option<tokio::task::JoinHandle<Result<(), CatalogError>>> = None;
    let (mut read_s, mut wait_s) = (0.0, 0.0);
    for (lessons, instructors) in &steps {
        let ids: Vec<String> = lessons.iter().map(|l| l.id.clone()).collect();
        let t = Instant::now();
        // Lessons whose knowledge ingest already stored are read only for their instructor's
        // phrase pool: the texts, without times and terms.
        let contents = if lessons.iter().any(|l| stale.contains(l.id.as_str())) {
            StepText::Full(reader.lesson_timed_texts(&ids, false).await?)
        } else {
            StepText::Texts(reader.lesson_utterance_texts(&ids).await?)
        };
        read_s += t.elapsed().as_secs_f64();
        let position: HashMap<&str, usize> = lessons
            .iter()
            .enumerate()
            .map(|(i, l)| (l.id.as_str(), i))
            .collect();
        let input = StepInput {
            lessons: lessons
                .iter()
                .map(|l| StepLesson {
                    id: l.id.clone(),
                    content_hash: l.content_hash.clone(),
                    duration_s: l.duration_s,
                    stale: stale.contains(l.id.as_str()),
                })
                .collect(),
            pools: instructors
                .iter()
                .map(|id| {
                    (
                        id.to_string(),
                        keys[id].clone(),
                        by_instructor[id]
                            .iter()
                            .map(|l| position[l.id.as_str()])
                            .collect(),
                    )
                })
                .collect(),
            contents,
        };
        let t = Instant::now();
        if let Some(out) = finish(analysing.take(), &mut writing).await? {
            report.lessons_analyzed += out.rows.len();
            new_pools.extend(out.pools);
            progress.advance(out.lessons as u64);
            let writer = catalog.clone();
            writing = Some(tokio::spawn(async move {
                writer.write_lesson_knowledge(&out.rows, !full).await
            }));
        }
        wait_s += t.elapsed().as_secs_f64();
        let shared = shared.clone();
        analysing = Some(tokio::task::spawn_blocking(move || {
            analyze_step(input, &shared.0, &shared.1)
        }));
    }
    if let Some(out) = finish(analysing.take(), &mut writing).await? {
        report.lessons_analyzed += out.rows.len();
        new_pools.extend(out.pools);
        progress.advance(out.lessons as u64);
        catalog.write_lesson_knowledge(&out.rows, !full).await?;
    }
    reader.close().await;
    tracing::info!(
        read_s,
        wait_s,
        "lessons analysed (wait = analysis and writing not hidden)"
    );
    let keep: Vec<String> = by_instructor.keys().map(|s| s.to_string()).collect();
    let pools_changed = !new_pools.is_empty() || stored_pools.len() != keep.len();
    catalog.write_phrase_pools(&new_pools, &keep).await?;
    report.lessons_removed = catalog.delete_orphan_knowledge().await?;

    let changed = report.lessons_analyzed > 0 || report.lessons_removed > 0 || pools_changed;
    let missing =
        catalog.artifact("profiles").await?.is_none() || catalog.artifact("graph").await?.is_none();
    if changed || missing || full {
        progress.stage("profiles and concept graph", Some(1));
        let t = Instant::now();
        let (profiles, graph) = aggregate(catalog, &infos, &ontology).await?;
        tracing::info!(seconds = t.elapsed().as_secs_f64(), "profiles and graph");
        report.profiles = profiles.len();
        for e in &graph.edges {
            *report.edges.entry(e.kind.clone()).or_default() += 1;
        }
        catalog
            .put_artifact(
                "profiles",
                &serde_json::to_string(&profiles).map_err(|e| corrupt("profiles", e))?,
            )
            .await?;
        catalog
            .put_artifact(
                "graph",
                &serde_json::to_string(&graph).map_err(|e| corrupt("graph", e))?,
            )
            .await?;
        report.aggregated = true;
        progress.advance(1);
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Waits for the analysis of the previous step and for the write before it.
async fn finish(
    analysing: Option<tokio::task::JoinHandle<StepOutput>>,
    writing: &mut Option<tokio::task::JoinHandle<Result<(), CatalogError>>>,
) -> Result<Option<StepOutput>, KnowledgeError> {
    let out = match analysing {
        Some(h) => Some(h.await.map_err(|e| corrupt("analysis task", e))?),
        None => None,
    };
    if let Some(w) = writing.take() {
        w.await.map_err(|e| corrupt("write task", e))??;
    }
    Ok(out)
}

struct StepLesson {
    id: String,
    content_hash: String,
    duration_s: f64,
    stale: bool,
}

/// One step's lessons with their contents, and the instructors whose pools it completes
/// (id, lessons key, positions of their lessons in `contents`).
struct StepInput {
    lessons: Vec<StepLesson>,
    pools: Vec<(String, String, Vec<usize>)>,
    contents: StepText,
}

/// What was read of a step's lessons, in step order.
enum StepText {
    /// Everything the analysis needs (some lesson is stale).
    Full(Vec<fretwise_catalog::LessonText>),
    /// Utterance texts alone (no lesson is stale: only phrase pools are computed).
    Texts(Vec<Vec<String>>),
}

impl StepText {
    fn texts(&self, position: usize) -> Vec<&str> {
        match self {
            StepText::Full(c) => c
                .get(position)
                .map(|c| c.utterances.iter().map(|u| u.text.as_str()).collect())
                .unwrap_or_default(),
            StepText::Texts(t) => t
                .get(position)
                .map(|t| t.iter().map(String::as_str).collect())
                .unwrap_or_default(),
        }
    }
}

struct StepOutput {
    lessons: usize,
    rows: Vec<LessonKnowledgeRow>,
    pools: Vec<(String, String, String)>,
}

fn analyze_step(
    input: StepInput,
    ontology: &Ontology,
    classifier: &TeachingClassifier,
) -> StepOutput {
    let full: &[fretwise_catalog::LessonText] = match &input.contents {
        StepText::Full(c) => c,
        StepText::Texts(_) => &[],
    };
    let rows: Vec<LessonKnowledgeRow> = input
        .lessons
        .par_iter()
        .zip(full.par_iter())
        .filter(|(l, _)| l.stale)
        .map(|(l, content)| {
            knowledge_row(
                ontology,
                classifier,
                &l.id,
                &l.content_hash,
                &content.utterances,
                &content.terms,
                l.duration_s,
            )
        })
        .collect();
    let pools = input
        .pools
        .par_iter()
        .map(|(id, key, positions)| {
            let texts = positions.iter().map(|&p| input.contents.texts(p));
            let pool = phrase_pool(texts);
            (
                id.clone(),
                key.clone(),
                serde_json::to_string(&pool).unwrap_or_default(),
            )
        })
        .collect();
    StepOutput {
        lessons: input.lessons.len(),
        rows,
        pools,
    }
}

/// One lesson's stored knowledge row.
fn knowledge_row(
    ontology: &Ontology,
    classifier: &TeachingClassifier,
    id: &str,
    content_hash: &str,
    utterances: &[fretwise_transcript::Utterance],
    terms: &[fretwise_lexicon::TermOccurrence],
    duration_s: f64,
) -> LessonKnowledgeRow {
    let utts = TimedText::from_utterances(utterances);
    let k = analyze_lesson(ontology, classifier, &utts, terms, duration_s);
    LessonKnowledgeRow {
        lesson_id: id.to_string(),
        content_hash: content_hash.to_string(),
        version: KNOWLEDGE_VERSION,
        structure: k.patterns.structure.primary.clone(),
        summary: serde_json::to_string(&k.summary).unwrap_or_default(),
        timeline: serde_json::to_string(&k.patterns.sentences).unwrap_or_default(),
        concepts: k
            .concepts
            .iter()
            .map(|c| LessonConceptRow {
                concept: c.concept.clone(),
                weight: c.weight,
                mentions: c.mentions as i64,
                occurrences: serde_json::to_string(&c.occurrences).unwrap_or_default(),
            })
            .collect(),
    }
}

/// The per-lesson analysis that ingest runs on each lesson while it holds it (the same row a
/// rebuild computes from the stored lesson: the same utterances, terms and stored duration).
pub struct LessonAnalyzer {
    ontology: Ontology,
    classifier: TeachingClassifier,
}

impl LessonAnalyzer {
    /// With the built-in ontology and teaching cues (what `rebuild` uses).
    pub fn builtin() -> Self {
        Self {
            ontology: Ontology::builtin(),
            classifier: TeachingClassifier::builtin(),
        }
    }
}

impl fretwise_catalog::LessonAnalysis for LessonAnalyzer {
    fn analyse(&self, record: &fretwise_catalog::LessonRecord) -> LessonKnowledgeRow {
        knowledge_row(
            &self.ontology,
            &self.classifier,
            &record.id,
            &record.content_hash,
            &record.transcript.utterances,
            &record.terms,
            record.duration_s(),
        )
    }
}

/// Profiles and the full concept graph from the stored per-lesson knowledge and phrase pools.
async fn aggregate(
    catalog: &Catalog,
    infos: &[LessonCuration],
    ontology: &Ontology,
) -> Result<(Vec<Profile>, ConceptGraph), KnowledgeError> {
    let raw = catalog.knowledge_summaries().await?;
    let parsed: Vec<(String, LessonContribution)> = raw
        .into_par_iter()
        .map(|(id, json)| {
            serde_json::from_str::<LessonContribution>(&json)
                .map(|s| (id.clone(), s))
                .map_err(|e| corrupt(&format!("lesson {id}"), e))
        })
        .collect::<Result<_, _>>()?;
    let summaries: HashMap<String, LessonContribution> = parsed.into_iter().collect();
    let mut pools: HashMap<String, Vec<(String, usize)>> = HashMap::new();
    for (id, (_, json)) in catalog.phrase_pools().await? {
        let pool =
            serde_json::from_str(&json).map_err(|e| corrupt(&format!("phrase pool of {id}"), e))?;
        pools.insert(id, pool);
    }
    // The graph first, borrowing the summaries; the profiles then take them (one copy of every
    // lesson's summary in memory, not two: at 100K lessons that is hundreds of MB).
    // The graph is mined over every usable lesson (instructor or not).
    let styles: Vec<Option<String>> = infos
        .iter()
        .map(|i| i.style.as_ref().map(|s| s.to_lowercase()))
        .collect();
    let mining: Vec<MiningLesson> = infos
        .iter()
        .zip(&styles)
        .filter(|(i, _)| i.trainable && i.duplicate_of.is_none())
        .filter_map(|(i, style)| {
            Some(MiningLesson {
                id: &i.id,
                course: i.course_id.as_deref(),
                order: i.item_order,
                level: i.level.as_deref().and_then(level_rank),
                style: style.as_deref(),
                summary: summaries.get(&i.id)?,
            })
        })
        .collect();
    let opts = MiningOptions::default();
    let edges = mine_edges(&mining, ontology, &opts);
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for l in &mining {
        for (c, n) in &l.summary.concepts {
            if *n >= opts.min_mentions {
                *counts.entry(c.clone()).or_default() += 1;
            }
        }
    }
    drop(mining);
    let graph = ConceptGraph::new(ontology, &counts, edges);
    let mut summaries = summaries;
    let facts: Vec<ProfileInput> = infos
        .iter()
        .filter(|i| usable(i))
        .filter_map(|i| {
            let summary = summaries.remove(&i.id)?;
            Some(ProfileInput {
                id: i.id.clone(),
                instructor_id: i.instructor_id.clone().unwrap_or_default(),
                instructor: i.instructor.clone().unwrap_or_default(),
                style: i.style.clone(),
                level: i.level.clone(),
                duration_s: i.duration_s,
                speech_s: i.speech_s,
                words: i.word_count.max(0) as usize,
                vocabulary_richness: i.vocabulary_richness,
                summary,
            })
        })
        .collect();
    drop(summaries);
    let ps = profiles(&facts, &pools, ontology);
    Ok((ps, graph))
}
