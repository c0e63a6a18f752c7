//! The AI guitar instructor: answers grounded in the lessons, with timestamped citations, exact
//! theory from the engine, an instructor's style, and a musical fact-check of every answer.
//!
//! The plan's four steps: [`understand`] the question (concepts, intent, theory queries),
//! retrieve what the instructors said ([`index`]), choose the instructor style, and compose
//! ([`compose`]) — then [`factcheck`] whatever was composed. Any chat model can write the
//! prose instead of the composer ([`llm`]: OpenAI-compatible, Anthropic, an embedded GGUF
//! model, through [`Instructor::ask_with`]); its text is fact-checked and its citations
//! checked the same way, and a failing model falls back to the composer. With an embeddings
//! model ([`IndexOptions`]), retrieval fuses BM25 with dense retrieval ([`dense`]).
//!
//! ```no_run
//! # async fn run(catalog: &fretwise_catalog::Catalog) -> Result<(), fretwise_instructor::AskError> {
//! use fretwise_instructor::{AskOptions, Instructor};
//! let dir = fretwise_instructor::default_index_dir(catalog.url());
//! let instructor = Instructor::open(catalog, &dir, &()).await?;
//! let answer = instructor.ask("What notes are in a Bb7?", &AskOptions::default())?;
//! println!("{}", answer.content);
//! # Ok(()) }
//! ```

pub mod compose;
pub mod dense;
pub mod eval;
pub mod factcheck;
pub mod facts;
pub mod index;
pub mod llm;
mod near;
pub mod refresh;
pub mod understand;

use std::path::Path;
use std::time::Instant;

pub use fretwise_catalog::Progress;
use fretwise_catalog::{Catalog, CatalogError};
use fretwise_knowledge::{ConceptGraph, Ontology, Profile};
use fretwise_lexicon::{Category, TermMatcher};
use serde::Serialize;

pub use factcheck::{Correction, FactCheck};
pub use facts::Fact;
pub use index::{
    Fed, Hit, IndexError, IndexFeed, IndexOptions, IndexReport, PassageIndex, SearchRequest,
    default_index_dir,
};
pub use refresh::{RefreshError, refresh};
pub use understand::{Intent, TheoryQuery, Understanding, understand};

/// Errors while answering.
#[derive(Debug, thiserror::Error)]
pub enum AskError {
    /// The question is empty.
    #[error("the question is empty: ask something about guitar, e.g. \"How do I bend a string?\"")]
    Empty,
    /// A filter names something that does not exist.
    #[error("{0}")]
    Unknown(String),
    /// The index failed.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// The catalog failed.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

/// A student's level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// First lessons.
    Beginner,
    /// Knows the basics.
    Intermediate,
    /// Plays well.
    Advanced,
}

impl Level {
    /// Parses "beginner", "Intermediate", "adv", "1"…"3".
    pub fn parse(s: &str) -> Result<Level, AskError> {
        // The one level parser every command uses.
        match fretwise_knowledge::parse_level(s) {
            Ok(1) => Ok(Level::Beginner),
            Ok(2) => Ok(Level::Intermediate),
            Ok(_) => Ok(Level::Advanced),
            Err(e) => Err(AskError::Unknown(e.to_string())),
        }
    }

    /// 1–3.
    pub fn rank(self) -> u8 {
        match self {
            Level::Beginner => 1,
            Level::Intermediate => 2,
            Level::Advanced => 3,
        }
    }

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Beginner => "beginner",
            Level::Intermediate => "intermediate",
            Level::Advanced => "advanced",
        }
    }
}

/// What the student tells us besides the question.
#[derive(Debug, Clone, Default)]
pub struct AskOptions {
    /// The student's level.
    pub level: Option<Level>,
    /// A style to answer in ("blues").
    pub style: Option<String>,
    /// An instructor, by id or name.
    pub instructor: Option<String>,
    /// Passages to retrieve.
    pub passages: usize,
    /// The student's learning preferences (styles, approach, explanation length, liked
    /// instructors): the style choice favours the instructors that fit them.
    pub preferences: Option<fretwise_learner::Preferences>,
}

/// A cited lesson moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Citation {
    /// Lesson id.
    pub lesson_id: String,
    /// Lesson title.
    pub title: String,
    /// Course.
    pub course: String,
    /// Instructor name.
    pub instructor: String,
    /// Start (s).
    pub start_s: f64,
    /// End (s).
    pub end_s: f64,
    /// The whole sentences quoted.
    pub quote: String,
    /// The lesson's video at this moment (`URL#t=START`), when the catalog knows the video
    /// ([`link_videos`]); else the moment opens in the transcript.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_url: Option<String>,
}

/// A video URL opened at `start_s` seconds (a W3C media fragment, `#t=41.2`, replacing any
/// fragment the URL had).
pub fn video_at(url: &str, start_s: f64) -> String {
    let base = url.split('#').next().unwrap_or(url);
    format!("{base}#t={:.1}", start_s.max(0.0))
}

/// Points each citation whose lesson has a known video at its moment (one catalog query).
pub async fn link_videos(catalog: &Catalog, citations: &mut [Citation]) -> Result<(), AskError> {
    if citations.is_empty() {
        return Ok(());
    }
    let mut ids: Vec<String> = citations.iter().map(|c| c.lesson_id.clone()).collect();
    ids.sort();
    ids.dedup();
    let urls = catalog.video_urls(&ids).await?;
    for c in citations {
        c.video_url = urls.get(&c.lesson_id).map(|u| video_at(u, c.start_s));
    }
    Ok(())
}

/// A guitar term in the question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuitarTerm {
    /// Canonical term.
    pub term: String,
    /// Lexicon category.
    pub category: String,
}

/// The instructor whose style the answer follows, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StyleChoice {
    /// Instructor id.
    pub instructor_id: String,
    /// Name.
    pub name: String,
    /// Why this instructor.
    pub why: String,
}

/// An answer.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    /// The answer text.
    pub content: String,
    /// Facts from the theory engine.
    pub facts: Vec<Fact>,
    /// Lesson moments cited as [n] in `content`, in order.
    pub citations: Vec<Citation>,
    /// Guitar terms in the question.
    pub guitar_terms: Vec<GuitarTerm>,
    /// Concepts of the question.
    pub concepts: Vec<String>,
    /// What kind of question it was.
    pub intent: Intent,
    /// The instructor style chosen.
    pub instructor_style: Option<StyleChoice>,
    /// The musical fact-check of `content`.
    pub fact_check: FactCheck,
    /// "grounded", "openai:MODEL", "anthropic:MODEL" or "local:NAME".
    pub backend: String,
    /// Why a model that was asked for did not write this answer (it failed, timed out, its
    /// circuit is open, or the question was not one to hand to a model).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
    /// Time to answer.
    pub latency_ms: f64,
}

/// Words that carry no topic in a guitar question.
pub(crate) const STOP: &[&str] = &[
    "a", "about", "all", "am", "an", "and", "any", "are", "as", "at", "be", "better", "but", "by",
    "can", "could", "do", "does", "doing", "for", "from", "get", "give", "good", "guitar", "have",
    "how", "i", "if", "in", "into", "is", "it", "its", "just", "like", "make", "me", "more", "my",
    "no", "not", "of", "on", "one", "or", "play", "playing", "should", "so", "some", "that", "the",
    "their", "them", "then", "there", "these", "this", "to", "up", "use", "want", "was", "way",
    "we", "what", "whats", "when", "where", "which", "who", "why", "will", "with", "would", "you",
    "your", "s", "tips", "really", "good", "learn", "start", "thing", "things",
];

/// Lowercase content words, crudely stemmed ("bends" → "bend", "picking" → "pick").
pub(crate) fn content_words(text: &str) -> std::collections::BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 1 && !STOP.contains(w))
        .map(|w| {
            let w = w.to_lowercase();
            for suffix in ["ing", "ed", "es", "s"] {
                if w.len() > suffix.len() + 3
                    && let Some(stem) = w.strip_suffix(suffix)
                {
                    return stem.to_string();
                }
            }
            w
        })
        .filter(|w| !STOP.contains(&w.as_str()))
        .collect()
}

/// Limits on what a model generates for one answer.
#[derive(Debug, Clone)]
pub struct Generation {
    /// Most new tokens.
    pub max_tokens: usize,
    /// Sampling temperature; 0 is greedy (the same question gives the same answer).
    pub temperature: f64,
    /// Sampling seed.
    pub seed: u64,
}

impl Default for Generation {
    fn default() -> Self {
        Generation {
            max_tokens: 256,
            temperature: 0.0,
            seed: 0,
        }
    }
}

/// Steps 1–3 done: what any composer, grounded or model, works from.
#[derive(Clone)]
struct Prepared {
    u: Understanding,
    facts: Vec<Fact>,
    hits: Vec<Hit>,
    choice: Option<StyleChoice>,
    known: Vec<String>,
}

/// The engine's fact sentences (with any chord diagrams), as the grounded answer opens.
fn facts_text(facts: &[Fact]) -> String {
    let mut out = String::new();
    for f in facts {
        out.push_str(&f.sentence);
        out.push('\n');
        if let Some(d) = &f.diagram {
            out.push('\n');
            out.push_str(d.trim_end());
            out.push_str("\n\n");
        }
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// The instructor: ontology, lexicon, the passage index and the instructors' profiles.
pub struct Instructor {
    ontology: Ontology,
    matcher: TermMatcher,
    index: PassageIndex,
    profiles: Vec<Profile>,
    graph: Option<ConceptGraph>,
    /// What the teachers play in their lessons (from the recordings analysed at ingest), by
    /// lesson id, in time order.
    demos: std::collections::HashMap<String, Vec<DemoSummary>>,
    /// Lesson moments found per (concept, level, instructor, count): the index does not change
    /// under an open instructor (the service opens a new one when the catalog changes), and
    /// practice and plans ask for the same concepts over and over.
    moments: std::sync::Mutex<MomentCache>,
}

/// A demonstration as the instructor mentions it.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoSummary {
    /// Start, seconds into the lesson.
    pub start_s: f64,
    /// End, seconds.
    pub end_s: f64,
    /// "A minor pentatonic" (or the key when no common scale holds every note).
    pub scale: Option<String>,
    /// Tempo in bpm (0 without a pulse).
    pub tempo_bpm: f64,
    /// The notes played, spelled in the key (at most [`DEMO_NOTES`]).
    pub notes: Vec<String>,
}

/// Most notes named when the instructor says what a teacher played.
pub const DEMO_NOTES: usize = 12;

type MomentCache = std::collections::HashMap<
    (String, Option<u8>, Option<String>, usize),
    Vec<fretwise_learner::Moment>,
>;

impl Instructor {
    /// Opens the index at `index_dir`, bringing it in step with the catalog first when the
    /// catalog changed since it was built, and reads the stored profiles and concept graph.
    pub async fn open(
        catalog: &Catalog,
        index_dir: &Path,
        progress: &dyn Progress,
    ) -> Result<Instructor, AskError> {
        Instructor::open_with(catalog, index_dir, &IndexOptions::default(), progress).await
    }

    /// [`Instructor::open`] with index options: with an embeddings model, the passages are
    /// embedded (what is missing, on first use) and retrieval fuses BM25 with dense retrieval.
    pub async fn open_with(
        catalog: &Catalog,
        index_dir: &Path,
        opts: &IndexOptions,
        progress: &dyn Progress,
    ) -> Result<Instructor, AskError> {
        let mut index = PassageIndex::open_with(index_dir, opts)?;
        // The marker check reads two numbers; only a changed catalog costs a full comparison.
        if !index.seems_current(catalog).await? || !index.dense_current() {
            index.update(catalog, progress).await?;
        }
        let profiles: Vec<Profile> = match catalog.artifact("profiles").await? {
            Some((body, _)) => serde_json::from_str(&body).unwrap_or_default(),
            None => Vec::new(),
        };
        let graph = match catalog.artifact("graph").await? {
            Some((body, _)) => serde_json::from_str(&body).ok(),
            None => None,
        };
        let mut demos: std::collections::HashMap<String, Vec<DemoSummary>> =
            std::collections::HashMap::new();
        for (lesson, row) in catalog.all_demonstrations().await? {
            // A row that does not parse (written by another version) is left out, not fatal.
            let Ok(d) = serde_json::from_str::<fretwise_audio::Demonstration>(&row.analysis) else {
                continue;
            };
            demos.entry(lesson).or_default().push(DemoSummary {
                start_s: d.start_s,
                end_s: d.end_s,
                scale: d.scale.or(d.key),
                tempo_bpm: d.tempo_bpm,
                notes: d
                    .notes
                    .into_iter()
                    .take(DEMO_NOTES)
                    .map(|n| n.name)
                    .collect(),
            });
        }
        let mut me = Instructor::from_parts(index, profiles, graph);
        me.demos = demos;
        Ok(me)
    }

    /// An instructor over an open index, with the given profiles and graph.
    pub fn from_parts(
        index: PassageIndex,
        profiles: Vec<Profile>,
        graph: Option<ConceptGraph>,
    ) -> Instructor {
        Instructor {
            ontology: Ontology::builtin(),
            matcher: TermMatcher::builtin(),
            index,
            profiles,
            graph,
            demos: std::collections::HashMap::new(),
            moments: std::sync::Mutex::new(MomentCache::new()),
        }
    }

    /// What the teacher plays during or within 3 s after each cited moment, as a paragraph that
    /// names the citation: "[2] At 1:32 Ana plays A minor pentatonic at about 90 bpm: A3 C4 D4
    /// E4 G4 A4." At most two; empty when no cited lesson's recording holds playing there.
    pub fn demonstrations_for(&self, citations: &[Citation]) -> String {
        let mut lines = Vec::new();
        for (n, c) in citations.iter().enumerate() {
            let Some(demos) = self.demos.get(&c.lesson_id) else {
                continue;
            };
            // Played right after the quoted words ("listen to this"), or inside the moment.
            let Some(d) = demos
                .iter()
                .find(|d| d.start_s >= c.start_s - 0.5 && d.start_s <= c.end_s + 3.0)
            else {
                continue;
            };
            let what = d.scale.as_deref().unwrap_or("a phrase");
            let tempo = if d.tempo_bpm > 0.0 {
                format!(" at about {:.0} bpm", d.tempo_bpm)
            } else {
                String::new()
            };
            lines.push(format!(
                "[{}] At {} {} plays {what}{tempo}: {}.",
                n + 1,
                compose::clock(d.start_s),
                if c.instructor.is_empty() {
                    "the teacher"
                } else {
                    c.instructor.as_str()
                },
                d.notes.join(" ")
            ));
            if lines.len() == 2 {
                break;
            }
        }
        if lines.is_empty() {
            String::new()
        } else {
            format!("\n\nWhat the teacher plays:\n{}", lines.join("\n"))
        }
    }

    /// The ontology.
    pub fn ontology(&self) -> &Ontology {
        &self.ontology
    }

    /// The passage index.
    pub fn index(&self) -> &PassageIndex {
        &self.index
    }

    /// Switches dense retrieval on or off (it needs an embeddings model; see
    /// [`Instructor::open_with`]).
    pub fn set_dense(&mut self, on: bool) {
        self.index.set_dense(on);
    }

    /// The instructor profiles the styles come from.
    pub fn profiles(&self) -> &[Profile] {
        &self.profiles
    }

    /// Reads a question (step 1).
    pub fn understand(&self, question: &str) -> Understanding {
        understand(question, &self.ontology, &self.matcher)
    }

    /// An instructor by id or name (case-insensitive; a unique part of a name is enough).
    pub fn find_instructor(&self, name: &str) -> Result<&Profile, AskError> {
        let n = name.trim().to_lowercase();
        if let Some(p) = self
            .profiles
            .iter()
            .find(|p| p.instructor_id.to_lowercase() == n || p.name.to_lowercase() == n)
        {
            return Ok(p);
        }
        let partial: Vec<&Profile> = self
            .profiles
            .iter()
            .filter(|p| p.name.to_lowercase().contains(&n))
            .collect();
        match partial.as_slice() {
            [one] => Ok(one),
            [] => Err(AskError::Unknown(format!(
                "no instructor `{}` (see `fretwise profiles`)",
                name.chars().take(80).collect::<String>()
            ))),
            many => Err(AskError::Unknown(format!(
                "`{}` matches {} instructors ({}…): give more of the name or the id",
                name.chars().take(80).collect::<String>(),
                many.len(),
                many.iter()
                    .take(3)
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// Answers a question with the grounded composer.
    pub fn ask(&self, question: &str, opts: &AskOptions) -> Result<Answer, AskError> {
        let started = Instant::now();
        let p = self.prepare(question, opts)?;
        Ok(self.composed(&p, started, None))
    }

    /// Answers a question with `llm` writing the prose (the grounded composer without one),
    /// calling `on_text` with each checked sentence as it is ready. A model that fails, times
    /// out or is skipped by its circuit breaker never fails the question: the grounded answer
    /// comes back instead, with `fallback` saying why.
    pub async fn ask_with(
        &self,
        question: &str,
        opts: &AskOptions,
        llm: Option<&dyn llm::Llm>,
        on_text: Option<llm::OnText<'_>>,
    ) -> Result<Answer, AskError> {
        self.ask_with_limits(question, opts, llm, &Generation::default(), on_text)
            .await
    }

    /// [`Instructor::ask_with`] with explicit generation limits.
    pub async fn ask_with_limits(
        &self,
        question: &str,
        opts: &AskOptions,
        llm: Option<&dyn llm::Llm>,
        generation: &Generation,
        mut on_text: Option<llm::OnText<'_>>,
    ) -> Result<Answer, AskError> {
        let started = Instant::now();
        let p = self.prepare(question, opts)?;
        let Some(model) = llm else {
            let a = self.composed(&p, started, None);
            if let Some(f) = on_text.as_mut() {
                f(&a.content);
            }
            return Ok(a);
        };
        // Off-topic questions and injection attempts get the composer's fixed answer: there is
        // nothing for a model to add, and nothing an attacker should reach.
        let not_for_model = if p.u.injection {
            Some("the question reads as an attempt to change the instructions")
        } else if p.u.intent == Intent::OffTopic {
            Some("the question is not about guitar")
        } else {
            None
        };
        if let Some(why) = not_for_model {
            let a = self.composed(
                &p,
                started,
                Some(format!("{} was not asked: {why}", model.name())),
            );
            if let Some(f) = on_text.as_mut() {
                f(&a.content);
            }
            return Ok(a);
        }
        // Passages that lean on the video are not instructions; the model never sees them.
        let passages: Vec<Hit> = p.hits.iter().filter(|h| !h.visual).cloned().collect();
        let req = llm::prompt::request(
            &llm::prompt::Grounding {
                question: &p.u.question,
                facts: &p.facts,
                passages: &passages,
                style: p.choice.as_ref(),
                level: opts.level,
            },
            generation.max_tokens,
        );
        let req = llm::Request {
            temperature: generation.temperature,
            seed: generation.seed,
            ..req
        };
        // The engine states the facts; the model explains around them.
        let facts_text = facts_text(&p.facts);
        let (facts_text, facts_check) = factcheck::check(&facts_text);
        let mut writer = llm::prompt::Writer::new(&passages);
        let mut shown = false;
        let result = {
            let mut sink = |piece: &str| {
                let sentences = writer.push(piece);
                if let Some(f) = on_text.as_mut() {
                    for s in sentences {
                        // The facts go first, but only once the model has started to answer,
                        // so a model that never answers leaves nothing half-shown.
                        if !shown && !facts_text.is_empty() {
                            f(&facts_text);
                        }
                        shown = true;
                        f(&s);
                    }
                }
            };
            model.generate(&req, &mut sink).await
        };
        let failure = match result {
            Ok(_) => {
                let last = writer.finish();
                if writer.text().trim().is_empty() {
                    Some(llm::LlmError::Empty)
                } else {
                    if let (Some(f), Some(s)) = (on_text.as_mut(), last) {
                        if !shown && !facts_text.is_empty() {
                            f(&facts_text);
                        }
                        f(&s);
                    }
                    None
                }
            }
            Err(e) => Some(e),
        };
        if let Some(e) = failure {
            let reason = format!("{} failed: {e}", model.name());
            tracing::warn!("{reason}; answering from the lessons instead");
            let a = self.composed(&p, started, Some(reason));
            if let Some(f) = on_text.as_mut() {
                if shown {
                    f("\n\n(The model stopped; here is the answer from the lessons instead.)\n\n");
                }
                f(&a.content);
            }
            return Ok(a);
        }
        let mut fact_check = facts_check;
        llm::prompt::add(&mut fact_check, writer.report().clone());
        let mut content = format!("{facts_text}{}", writer.text().trim_start())
            .trim_end()
            .to_string();
        let citations = writer.citations();
        let played = self.demonstrations_for(&citations);
        if let Some(f) = on_text.as_mut().filter(|_| !played.is_empty()) {
            f(&played);
        }
        content.push_str(&played);
        Ok(Answer {
            content,
            citations,
            fact_check,
            backend: model.name(),
            latency_ms: (started.elapsed().as_secs_f64() * 1e5).round() / 100.0,
            ..self.answer_parts(p)
        })
    }

    /// Steps 1–3: the question read, its facts, passages and style.
    fn prepare(&self, question: &str, opts: &AskOptions) -> Result<Prepared, AskError> {
        if question.trim().is_empty() {
            return Err(AskError::Empty);
        }
        let u = self.understand(question);
        let facts: Vec<Fact> = u.queries.iter().filter_map(facts::answer).collect();
        let instructor = match &opts.instructor {
            Some(name) => Some(self.find_instructor(name)?),
            None => None,
        };
        let style = opts.style.as_ref().map(|s| s.trim().to_lowercase());
        let hits = if u.intent == Intent::OffTopic || (u.injection && u.queries.is_empty()) {
            Vec::new()
        } else {
            self.retrieve(&u, opts, style.as_deref(), instructor)?
        };
        let choice = self.choose_style(&u, &hits, opts, style.as_deref(), instructor);
        let known: Vec<String> = opts
            .level
            .map(|l| {
                self.ontology
                    .known_at_level(l.rank())
                    .into_iter()
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Prepared {
            u,
            facts,
            hits,
            choice,
            known,
        })
    }

    /// Step 4 without a model: the grounded composer, fact-checked.
    fn composed(&self, p: &Prepared, started: Instant, fallback: Option<String>) -> Answer {
        let (content, citations) = compose::compose(&compose::Inputs {
            u: &p.u,
            facts: &p.facts,
            hits: &p.hits,
            style: p.choice.as_ref(),
            ontology: &self.ontology,
            graph: self.graph.as_ref(),
            known: &p.known,
        });
        let (mut content, fact_check) = factcheck::check(&content);
        // What the teacher plays at a cited moment comes from the recording's analysis, after
        // the fact-check: it reports what was heard.
        content.push_str(&self.demonstrations_for(&citations));
        Answer {
            content,
            citations,
            fact_check,
            backend: "grounded".to_string(),
            fallback,
            latency_ms: (started.elapsed().as_secs_f64() * 1e5).round() / 100.0,
            ..self.answer_parts(p.clone())
        }
    }

    /// The parts of an answer that do not depend on who wrote its text.
    fn answer_parts(&self, p: Prepared) -> Answer {
        Answer {
            content: String::new(),
            facts: p.facts,
            citations: Vec::new(),
            guitar_terms: p
                .u
                .terms
                .iter()
                .map(|(t, c)| GuitarTerm {
                    term: t.clone(),
                    category: c.as_str().to_string(),
                })
                .collect(),
            concepts: p.u.concepts.clone(),
            intent: p.u.intent,
            instructor_style: p.choice,
            fact_check: FactCheck::default(),
            backend: String::new(),
            fallback: None,
            latency_ms: 0.0,
        }
    }

    /// Step 2: the passages, at the student's level when any are, else at any level.
    pub fn retrieve(
        &self,
        u: &Understanding,
        opts: &AskOptions,
        style: Option<&str>,
        instructor: Option<&Profile>,
    ) -> Result<Vec<Hit>, AskError> {
        let terms: Vec<String> = u.terms.iter().map(|(t, _)| t.clone()).collect();
        let req = SearchRequest {
            text: &u.search_text,
            concepts: &u.concepts,
            terms: &terms,
            max_level: opts.level.map(Level::rank),
            style,
            instructor_id: instructor.map(|p| p.instructor_id.as_str()),
            limit: 2 * if opts.passages == 0 { 5 } else { opts.passages },
            question: &u.question,
            lesson_ids: &[],
        };
        let limit = req.limit / 2;
        // A lesson named by its title in quotes is where the student wants the answer from.
        let mut titled: Vec<String> = Vec::new();
        for phrase in &u.quoted {
            titled.extend(self.index.lessons_titled(phrase)?);
        }
        let mut hits = Vec::new();
        if !titled.is_empty() {
            hits = self.grounded_search(
                u,
                SearchRequest {
                    lesson_ids: &titled,
                    ..req
                },
            )?;
        }
        if hits.is_empty() {
            hits = self.grounded_search(u, req)?;
        }
        hits.truncate(limit);
        Ok(hits)
    }

    /// The grounded passages for a request, at its level when any are, else at any level.
    fn grounded_search(
        &self,
        u: &Understanding,
        req: SearchRequest<'_>,
    ) -> Result<Vec<Hit>, AskError> {
        let hits = self.grounded(u, self.index.search(&req)?);
        if !hits.is_empty() || req.max_level.is_none() {
            return Ok(hits);
        }
        let any_level = SearchRequest {
            max_level: None,
            ..req
        };
        Ok(self.grounded(u, self.index.search(&any_level)?))
    }

    /// Keeps only passages that share a concept with the question or at least two of its
    /// content words: a passage that merely ranks first is not evidence.
    fn grounded(&self, u: &Understanding, hits: Vec<Hit>) -> Vec<Hit> {
        let specific: Vec<&String> = u
            .concepts
            .iter()
            .filter(|c| c.as_str() != "guitar-basics")
            .collect();
        let words = content_words(&u.search_text);
        // A question that names a concept is answered by passages about it; without the
        // concept, a passage must share more of the question's words to count.
        let need = if !specific.is_empty() {
            3.min(words.len()).max(1)
        } else {
            2.min(words.len()).max(1)
        };
        // A gear question is answered by a passage about that gear, not by one about the
        // style it names ("pedals for blues" is not answered by the blues scale).
        let gear: Vec<&String> = specific
            .iter()
            .copied()
            .filter(|c| self.ontology.get(c).is_some_and(|c| c.kind == "gear"))
            .collect();
        let gear_question = u.intent == Intent::Gear;
        // A gear question that names no gear concept ("humbucker pickups for metal") is
        // answered only by a passage naming the gear it asks about, never by its other concepts.
        let gear_terms: Vec<&str> = if gear_question && gear.is_empty() {
            u.terms
                .iter()
                .filter(|(_, c)| {
                    matches!(
                        c,
                        Category::EffectsEquipment
                            | Category::MaintenanceSetup
                            | Category::GuitarParts
                    )
                })
                .map(|(t, _)| t.as_str())
                .collect()
        } else {
            Vec::new()
        };
        let specific = if gear_question && !gear.is_empty() {
            gear
        } else if gear_question {
            Vec::new()
        } else {
            specific
        };
        hits.into_iter()
            .filter(|h| {
                let concept = specific.iter().any(|c| {
                    h.concepts.contains(c)
                        || self.ontology.mentions(&h.text).iter().any(|m| &&m.id == c)
                });
                if !gear_terms.is_empty() {
                    return self
                        .matcher
                        .find_in_text(&h.text)
                        .iter()
                        .any(|o| gear_terms.contains(&o.term.as_str()));
                }
                let text = content_words(&h.text.to_lowercase());
                let shared = words.iter().filter(|w| text.contains(*w)).count();
                concept || shared >= need
            })
            .collect()
    }

    /// Step 3: the requested instructor, else the one whose profile and passages best fit the
    /// question's concepts, the requested style and the student's level.
    fn choose_style(
        &self,
        u: &Understanding,
        hits: &[Hit],
        opts: &AskOptions,
        style: Option<&str>,
        instructor: Option<&Profile>,
    ) -> Option<StyleChoice> {
        if let Some(p) = instructor {
            return Some(StyleChoice {
                instructor_id: p.instructor_id.clone(),
                name: p.name.clone(),
                why: "you asked for this instructor".to_string(),
            });
        }
        let mut best: Option<(f64, &str, String, Vec<String>)> = None;
        let top = hits.first().map(|h| h.score).unwrap_or(1.0).max(1e-6);
        // The learner's instructor matching, for a student who told us how they like to learn.
        let fit: Vec<fretwise_learner::InstructorMatch> = match &opts.preferences {
            Some(prefs) => fretwise_learner::match_instructors(
                &self.profiles,
                opts.level.map_or(1, Level::rank),
                prefs,
                u.concepts.first().map(String::as_str),
            ),
            None => Vec::new(),
        };
        let mut seen: Vec<&str> = Vec::new();
        for h in hits.iter().filter(|h| !h.visual) {
            if h.instructor_id.is_empty() || seen.contains(&h.instructor_id.as_str()) {
                continue;
            }
            seen.push(&h.instructor_id);
            let mut score = f64::from(h.score / top);
            let mut why = Vec::new();
            let share = hits
                .iter()
                .filter(|x| x.instructor_id == h.instructor_id)
                .count();
            why.push(if score >= 0.999 {
                "theirs is the passage that best answers the question".to_string()
            } else {
                format!("{share} of the {} passages found are theirs", hits.len())
            });
            if let Some(m) = fit.iter().find(|m| m.instructor_id == h.instructor_id) {
                score += 0.3 * m.score;
                if let Some(r) = m.reasons.first() {
                    why.push(format!("fits how you learn: {r}"));
                }
            }
            if let Some(p) = self
                .profiles
                .iter()
                .find(|p| p.instructor_id == h.instructor_id)
            {
                for c in &u.concepts {
                    // The profile breaks near-ties; the passages' own strength decides.
                    if let Some(ev) = p.evidence.get(c) {
                        score += 0.1 * (ev.len().min(3) as f64 / 3.0);
                        if let Some(name) = self.ontology.get(c).map(|x| x.name.to_lowercase()) {
                            why.push(format!("teaches {name} in {} lessons", ev.len()));
                        }
                    }
                    if p.distinctive_concepts.iter().any(|d| &d.concept == c) {
                        score += 0.1;
                        why.push("it is one of their specialities".to_string());
                    }
                }
                if let Some(l) = opts.level
                    && p.expertise.skill_level_focus.to_lowercase() == l.as_str()
                {
                    score += 0.05;
                    why.push(format!("mostly teaches {} students", l.as_str()));
                }
                if let Some(s) = style
                    && p.expertise
                        .primary_styles
                        .iter()
                        .any(|x| x.to_lowercase() == s)
                {
                    score += 0.1;
                    why.push(format!("{s} is their main style"));
                }
            }
            if best.as_ref().is_none_or(|b| score > b.0) {
                best = Some((score, &h.instructor_id, h.instructor.clone(), why));
            }
        }
        best.map(|(_, id, name, why)| StyleChoice {
            instructor_id: id.to_string(),
            name,
            why: why.join("; "),
        })
    }
}

impl fretwise_learner::MomentSource for Instructor {
    fn moments(
        &self,
        concept: &fretwise_knowledge::Concept,
        max_level: Option<u8>,
        instructor_id: Option<&str>,
        n: usize,
    ) -> Vec<fretwise_learner::Moment> {
        let key = (
            concept.id.clone(),
            max_level,
            instructor_id.map(str::to_string),
            n,
        );
        if let Some(hit) = self.moments.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return hit;
        }
        let found = self.find_moments(concept, max_level, instructor_id, n);
        if let Ok(mut c) = self.moments.lock() {
            // Bounded: concepts × levels × instructors; cleared rather than grown past it.
            if c.len() > 50_000 {
                c.clear();
            }
            c.insert(key, found.clone());
        }
        found
    }
}

impl Instructor {
    /// Searches the index for lesson moments teaching `concept` (see [`fretwise_learner::MomentSource`]).
    fn find_moments(
        &self,
        concept: &fretwise_knowledge::Concept,
        max_level: Option<u8>,
        instructor_id: Option<&str>,
        n: usize,
    ) -> Vec<fretwise_learner::Moment> {
        use fretwise_learner::MomentSource;
        let concepts = vec![concept.id.clone()];
        let req = SearchRequest {
            text: &concept.name,
            concepts: &concepts,
            terms: &concept.terms,
            max_level,
            style: None,
            instructor_id,
            limit: n * 3,
            question: "",
            lesson_ids: &[],
        };
        // A failed search leaves the moments out; the suggestion itself still stands.
        let hits = self.index.search(&req).unwrap_or_default();
        let mut out: Vec<fretwise_learner::Moment> = Vec::new();
        let take = |m: fretwise_learner::Moment, out: &mut Vec<fretwise_learner::Moment>| {
            if out.len() < n
                && !out
                    .iter()
                    .any(|o| o.lesson_id == m.lesson_id && o.start_s == m.start_s)
            {
                out.push(m);
            }
        };
        for h in hits {
            if h.visual || !h.concepts.contains(&concept.id) {
                continue;
            }
            take(
                fretwise_learner::Moment {
                    lesson_id: h.lesson_id,
                    title: h.title,
                    instructor: h.instructor,
                    instructor_id: h.instructor_id,
                    start_s: h.start_s,
                    end_s: h.end_s,
                    quote: h.text,
                },
                &mut out,
            );
        }
        // The matched instructor's lessons first, then anyone's (cached on their own, so the
        // service can warm them for every concept when it opens the index).
        if instructor_id.is_some() && out.len() < n {
            for m in self.moments(concept, max_level, None, n) {
                take(m, &mut out);
            }
        }
        out
    }

    /// Finds the lesson moments practice and plans ask for (every concept at every level, and
    /// without a level), so that a student's first request does not wait for the searches.
    pub fn warm_moments(&self) {
        use fretwise_learner::MomentSource;
        for c in self.ontology.concepts() {
            for level in [Some(1), Some(2), Some(3)] {
                self.moments(c, level, None, 3);
            }
            self.moments(c, None, None, 2);
        }
    }
}
