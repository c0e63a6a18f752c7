//! The AI-training API: exports of guitar tags, instructor knowledge, musical concepts and
//! training data; dataset generation inline (small requests) or as a background job any replica
//! runs (large ones), with progress, cancel and file download.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use fretwise_catalog::LessonCuration;
use fretwise_dataset::curate::{Filters, Split, SplitShares};
use fretwise_dataset::examples::ChunkOptions;
use fretwise_dataset::{ExportOptions, Format};
use serde::Deserialize;
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};

/// Examples answered inline; larger requests become a job.
pub const INLINE_EXAMPLES: usize = 1000;

fn export_options(
    state: &AppState,
    out: std::path::PathBuf,
    formats: Vec<Format>,
    max: Option<usize>,
) -> ExportOptions {
    ExportOptions {
        out,
        formats,
        filters: Filters::default(),
        seed: 42,
        max_examples: max,
        split_shares: SplitShares::default(),
        test_styles: Vec::new(),
        test_advanced_concepts: false,
        chunk: ChunkOptions::default(),
        theory_rate: 0.0,
        created_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        source: state.catalog.url().to_string(),
    }
}

/// The curation the read-only exports use: the default filters and splits.
fn default_curation(state: &AppState) -> ExportOptions {
    export_options(
        state,
        std::path::PathBuf::new(),
        vec![Format::Conversational],
        None,
    )
}

/// Passages of the curated lessons (train split first, then by lesson id), at most `limit`,
/// curated by `opts` (filters, seed, splits).
async fn passages(
    state: &AppState,
    opts: &ExportOptions,
    limit: usize,
) -> ApiResult<Vec<(fretwise_dataset::examples::Passage, LessonCuration)>> {
    let (plan, infos) = fretwise_dataset::plan(&state.catalog, opts, &())
        .await
        .map_err(|e| ApiError::internal("curating the lessons", e))?;
    let by_id: BTreeMap<&str, &LessonCuration> = infos.iter().map(|i| (i.id.as_str(), i)).collect();
    let mut ids: Vec<(&String, Split)> = plan.splits.iter().map(|(id, s)| (id, *s)).collect();
    ids.sort_by(|a, b| (a.1 != Split::Train, a.0).cmp(&(b.1 != Split::Train, b.0)));
    let mut out = Vec::new();
    for chunk in ids.chunks(64) {
        let want: Vec<String> = chunk.iter().map(|(id, _)| (*id).clone()).collect();
        let contents = state.catalog.lesson_timed_texts(&want, true).await?;
        for content in &contents {
            let Some(info) = by_id.get(content.id.as_str()) else {
                continue;
            };
            for p in fretwise_dataset::examples::passages(content, &opts.chunk, &state.ontology) {
                out.push((p, (*info).clone()));
                if out.len() >= limit {
                    return Ok(out);
                }
            }
        }
    }
    Ok(out)
}

fn terms(p: &fretwise_dataset::examples::Passage) -> Vec<serde_json::Value> {
    let mut seen = std::collections::BTreeSet::new();
    p.terms
        .iter()
        .filter(|t| seen.insert(t.term.clone()))
        .map(|t| json!({"term": t.term, "category": t.category}))
        .collect()
}

fn record(p: &fretwise_dataset::examples::Passage, info: &LessonCuration) -> serde_json::Value {
    json!({
        "id": p.id, "lesson_id": p.lesson_id, "text": p.text, "start_s": p.start_s, "end_s": p.end_s,
        "title": info.title, "instructor": info.instructor, "level": info.level, "style": info.style,
        "concepts": p.concepts, "guitar_terms": terms(p),
    })
}

/// `?format=huggingface&limit=10`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct TagsQuery {
    /// huggingface (default) or json.
    pub format: Option<String>,
    /// Records (1–1000, default 100).
    pub limit: Option<u32>,
}

/// Lesson passages with their guitar terms, as Hugging Face-style records (the plan's test 1.1).
#[utoipa::path(get, path = "/api/guitar-tags/export", tag = "training", params(TagsQuery), security(("bearer" = [])), responses(
    (status = 200, description = "`{\"data\": [{…, \"guitar_terms\": [...]}]}`", body = Object),
    (status = 400, description = "Bad field", body = crate::error::ErrorBody),
    (status = 403, description = "Needs a staff key", body = crate::error::ErrorBody)))]
pub async fn guitar_tags(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<TagsQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    match q.format.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("huggingface") | Some("hf") | Some("json") => {}
        Some(_) => return Err(ApiError::field("format", "format: huggingface or json")),
    }
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::field("limit", "limit: between 1 and 1000"));
    }
    let opts = default_curation(&state);
    let data: Vec<_> = passages(&state, &opts, limit as usize)
        .await?
        .iter()
        .map(|(p, i)| record(p, i))
        .collect();
    Ok(Json(json!({"data": data, "count": data.len()})))
}

/// `?limit=`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ExportQuery {
    /// Records for guitar-tags and training-dataset (1–1000, default 100).
    pub limit: Option<u32>,
}

/// guitar-tags, instructor-knowledge, musical-concepts or training-dataset.
#[utoipa::path(get, path = "/api/ai-training/export/{kind}", tag = "training",
    params(("kind" = String, Path, description = "guitar-tags, instructor-knowledge, musical-concepts or training-dataset"), ExportQuery),
    security(("bearer" = [])), responses(
    (status = 200, description = "The export", body = Object),
    (status = 404, description = "Unknown kind", body = crate::error::ErrorBody)))]
pub async fn export_kind(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::field("limit", "limit: between 1 and 1000"));
    }
    match kind.as_str() {
        "guitar-tags" => {
            let opts = default_curation(&state);
            let data: Vec<_> = passages(&state, &opts, limit as usize)
                .await?
                .iter()
                .map(|(p, i)| record(p, i))
                .collect();
            Ok(Json(json!({"kind": kind, "data": data})))
        }
        "instructor-knowledge" => {
            let k = state.knowledge()?;
            Ok(Json(json!({"kind": kind, "data": k.profiles})))
        }
        "musical-concepts" => {
            let k = state.knowledge()?;
            Ok(Json(
                json!({"kind": kind, "data": {"concepts": state.ontology.concepts(), "graph": k.graph}}),
            ))
        }
        "training-dataset" => {
            let opts = default_curation(&state);
            let data = conversations(&state, &opts, limit as usize, false).await?;
            Ok(Json(json!({"kind": kind, "data": data})))
        }
        other => Err(ApiError::not_found(format!(
            "no export `{}` (guitar-tags, instructor-knowledge, musical-concepts, training-dataset)",
            other.chars().take(60).collect::<String>()
        ))),
    }
}

async fn conversations(
    state: &AppState,
    opts: &ExportOptions,
    n: usize,
    audio: bool,
) -> ApiResult<Vec<serde_json::Value>> {
    Ok(passages(state, opts, n)
        .await?
        .iter()
        .map(|(p, i)| {
            let mut c = json!({
                "instructor_message": p.text,
                "context": {
                    "lesson_id": p.lesson_id, "title": i.title, "instructor": i.instructor,
                    "level": i.level, "style": i.style, "start_s": p.start_s, "end_s": p.end_s,
                    "concepts": p.concepts,
                },
                "guitar_terms": terms(p),
            });
            if audio {
                c["word_timings"] = json!(p.words);
            }
            c
        })
        .collect())
}

/// The plan's dataset request, with the export's curation settings.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateRequest {
    /// conversational (default), hf, openai, langchain, multimodal, alpaca or sharegpt.
    pub format: Option<String>,
    /// Add word timings (inline) or the multimodal format (job).
    #[serde(default)]
    pub include_audio_features: bool,
    /// Lowest lesson quality score, 0–1 (sets `filters.min_quality_score`).
    pub quality_threshold: Option<f64>,
    /// Examples wanted (1–1,000,000); over 1,000 runs as a background job.
    pub max_examples: Option<u64>,
    /// Filter thresholds by their names in a filter file (`min_confidence`, `max_filler_ratio`,
    /// `min_term_density`, `min_snr_db`, `near_duplicate_threshold`, …); unset ones keep
    /// their defaults.
    #[schema(value_type = Option<Object>)]
    pub filters: Option<Filters>,
    /// Seed for splits and sampling (default 42).
    pub seed: Option<u64>,
    /// Shares of lessons per split, dealt by whole instructors:
    /// `{"train": 70, "validation": 15, "test": 15}` (relative to their sum).
    #[schema(value_type = Option<Object>)]
    pub split_shares: Option<SplitShares>,
    /// Styles held out entirely for the test split.
    #[serde(default)]
    pub test_styles: Vec<String>,
    /// Also hold out lessons whose main concept is advanced (difficulty 4–5) for test.
    #[serde(default)]
    pub test_advanced_concepts: bool,
    /// Curate only: answer with what filters, dedup and splits would do; nothing is written.
    #[serde(default)]
    pub dry_run: bool,
}

/// The request's curation settings as export options (output folder and formats unset).
fn request_options(state: &AppState, req: &GenerateRequest) -> ApiResult<ExportOptions> {
    let mut opts = export_options(state, std::path::PathBuf::new(), Vec::new(), None);
    if let Some(f) = &req.filters {
        opts.filters = f.clone();
    }
    if let Some(q) = req.quality_threshold {
        if !(0.0..=1.0).contains(&q) {
            return Err(ApiError::field(
                "quality_threshold",
                "quality_threshold: between 0 and 1",
            ));
        }
        opts.filters.min_quality_score = q;
    }
    opts.filters
        .check()
        .map_err(|e| ApiError::field("filters", format!("filters.{e}")))?;
    if let Some(seed) = req.seed {
        opts.seed = seed;
    }
    if let Some(shares) = req.split_shares {
        shares
            .check()
            .map_err(|e| ApiError::field("split_shares", format!("split_shares: {e}")))?;
        opts.split_shares = shares;
    }
    opts.test_styles = req
        .test_styles
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    opts.test_advanced_concepts = req.test_advanced_concepts;
    Ok(opts)
}

/// The curation settings a job carries in its params, so any replica runs it the same way.
fn curation_params(opts: &ExportOptions) -> serde_json::Value {
    json!({
        "filters": opts.filters, "seed": opts.seed, "split_shares": opts.split_shares,
        "test_styles": opts.test_styles, "test_advanced_concepts": opts.test_advanced_concepts,
    })
}

/// Generates training data: small requests inline (`conversations`), large ones as a job (202);
/// `dry_run` answers with the curation table instead.
#[utoipa::path(post, path = "/api/ai-training/generate-dataset", tag = "training", request_body = GenerateRequest,
    security(("bearer" = [])), responses(
    (status = 200, description = "`{\"conversations\": [{\"instructor_message\", \"context\", \"guitar_terms\"}]}`, or with `dry_run` `{\"dry_run\": true, \"lessons_in_catalog\", \"removed\", \"kept\", \"splits\", \"settings\"}`", body = Object),
    (status = 202, description = "Queued as a job: `{\"job_id\", \"status_url\"}`", body = Object),
    (status = 400, description = "Bad field", body = crate::error::ErrorBody)))]
pub async fn generate_dataset(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<GenerateRequest>,
) -> ApiResult<Response> {
    let format = match req.format.as_deref().map(str::trim) {
        None | Some("") | Some("conversational") => Format::Conversational,
        Some("huggingface") => Format::Hf,
        Some(f) => {
            Format::parse(f).map_err(|e| ApiError::field("format", format!("format: {e}")))?
        }
    };
    let n = req.max_examples.unwrap_or(100);
    if !(1..=1_000_000).contains(&n) {
        return Err(ApiError::field(
            "max_examples",
            "max_examples: between 1 and 1,000,000",
        ));
    }
    let mut opts = request_options(&state, &req)?;
    if req.dry_run {
        let (plan, _) = fretwise_dataset::plan(&state.catalog, &opts, &())
            .await
            .map_err(|e| ApiError::internal("curating the lessons", e))?;
        let mut body = plan.summary();
        body["dry_run"] = json!(true);
        body["settings"] = curation_params(&opts);
        return Ok(Json(body).into_response());
    }
    if n as usize <= INLINE_EXAMPLES && format == Format::Conversational {
        opts.formats = vec![Format::Conversational];
        let data = conversations(&state, &opts, n as usize, req.include_audio_features).await?;
        return Ok(Json(json!({"conversations": data, "count": data.len()})).into_response());
    }
    let id = format!(
        "job_{}",
        crate::auth::random_hex(8).map_err(|e| ApiError::internal("queueing the job", e))?
    );
    let mut formats = vec![format];
    if req.include_audio_features && !formats.contains(&Format::Multimodal) {
        formats.push(Format::Multimodal);
    }
    let mut params = curation_params(&opts);
    params["formats"] = json!(formats);
    params["max_examples"] = json!(n);
    state
        .catalog
        .insert_job(&id, "generate-dataset", &params.to_string())
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"job_id": id, "status": "queued", "status_url": format!("/api/jobs/{id}")})),
    )
        .into_response())
}

fn job_json(j: &fretwise_catalog::JobRecord) -> serde_json::Value {
    json!({
        "id": j.id, "kind": j.kind, "status": j.status, "progress": j.progress, "message": j.message,
        "params": serde_json::from_str::<serde_json::Value>(&j.params).unwrap_or_default(),
        "result": j.result.as_deref().and_then(|r| serde_json::from_str::<serde_json::Value>(r).ok()),
        "worker": j.worker, "created_at": j.created_at, "updated_at": j.updated_at,
    })
}

/// A job's status, progress and, when done, its files.
#[utoipa::path(get, path = "/api/jobs/{id}", tag = "training", params(("id" = String, Path, description = "Job id")), security(("bearer" = [])), responses(
    (status = 200, description = "The job", body = Object),
    (status = 404, description = "No such job", body = crate::error::ErrorBody)))]
pub async fn job(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let j = state.catalog.job(&id).await?.ok_or_else(|| {
        ApiError::not_found(format!(
            "no job `{}`",
            id.chars().take(60).collect::<String>()
        ))
    })?;
    Ok(Json(job_json(&j)))
}

/// Cancels a queued or running job.
#[utoipa::path(delete, path = "/api/jobs/{id}", tag = "training", params(("id" = String, Path, description = "Job id")), security(("bearer" = [])), responses(
    (status = 200, description = "Cancel requested", body = Object),
    (status = 404, description = "No unfinished job with this id", body = crate::error::ErrorBody)))]
pub async fn cancel_job(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    if !state.catalog.cancel_job(&id).await? {
        return Err(ApiError::not_found(format!(
            "no queued or running job `{}`",
            id.chars().take(60).collect::<String>()
        )));
    }
    Ok(Json(json!({"id": id, "cancel_requested": true})))
}

/// Downloads a file a finished job wrote.
#[utoipa::path(get, path = "/api/jobs/{id}/files/{name}", tag = "training",
    params(("id" = String, Path, description = "Job id"), ("name" = String, Path, description = "File name as listed in the job's result")),
    security(("bearer" = [])), responses(
    (status = 200, description = "The file", body = String, content_type = "application/octet-stream"),
    (status = 404, description = "No such file", body = crate::error::ErrorBody)))]
pub async fn job_file(
    State(state): State<AppState>,
    Path((id, name)): Path<(String, String)>,
) -> ApiResult<Response> {
    let j = state
        .catalog
        .job(&id)
        .await?
        .filter(|j| j.status == "done")
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "no finished job `{}`",
                id.chars().take(60).collect::<String>()
            ))
        })?;
    let result: serde_json::Value = j
        .result
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or_default();
    // Only files the job listed are served: the name never reaches the file system unchecked.
    let listed = result["files"]
        .as_array()
        .is_some_and(|fs| fs.iter().any(|f| f.as_str() == Some(name.as_str())));
    let dir = result["dir"].as_str().map(std::path::PathBuf::from);
    let (true, Some(dir)) = (listed, dir) else {
        return Err(ApiError::not_found(format!(
            "job {id} wrote no file `{}`",
            name.chars().take(80).collect::<String>()
        )));
    };
    let bytes = tokio::fs::read(dir.join(&name)).await.map_err(|e| {
        ApiError::not_found(format!(
            "{name}: {e} (the files live on the replica that ran the job)"
        ))
    })?;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
}

/// Every file under `dir`, as relative paths with `/`.
fn list_files(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            // Links are not followed: a job only serves what it wrote.
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(p),
                Ok(t) if t.is_file() => {
                    if let Ok(rel) = p.strip_prefix(dir)
                        && let Some(s) = rel.to_str()
                    {
                        out.push(s.replace('\\', "/"));
                    }
                }
                _ => {}
            }
        }
    }
    out.sort();
    out
}

struct JobProgress {
    done: std::sync::atomic::AtomicU64,
    total: std::sync::atomic::AtomicU64,
}

impl fretwise_dataset::Progress for JobProgress {
    fn stage(&self, _name: &str, total: Option<u64>) {
        self.total
            .store(total.unwrap_or(0), std::sync::atomic::Ordering::Relaxed);
        self.done.store(0, std::sync::atomic::Ordering::Relaxed);
    }
    fn advance(&self, n: u64) {
        self.done.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Runs every queued job this replica can take, one at a time.
pub async fn run_queued_jobs(state: &AppState) {
    loop {
        let job = match state.catalog.claim_job(&state.opts.worker).await {
            Ok(Some(j)) => j,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, "looking for queued jobs");
                return;
            }
        };
        tracing::info!(job = %job.id, "running job");
        let (status, message, result) = run_job(state, &job).await;
        if let Err(e) = state
            .catalog
            .finish_job(&job.id, status, &message, result.as_deref())
            .await
        {
            tracing::error!(job = %job.id, error = %e, "recording the end of a job");
        }
    }
}

async fn run_job(
    state: &AppState,
    job: &fretwise_catalog::JobRecord,
) -> (&'static str, String, Option<String>) {
    let params: serde_json::Value = serde_json::from_str(&job.params).unwrap_or_default();
    let formats: Vec<Format> = params["formats"]
        .as_array()
        .map(|fs| {
            fs.iter()
                .filter_map(|f| f.as_str())
                .filter_map(|f| Format::parse(f).ok())
                .collect()
        })
        .unwrap_or_default();
    let max = params["max_examples"].as_u64().map(|n| n as usize);
    let dir = state.opts.jobs_dir.join(&job.id);
    if let Err(e) = std::fs::create_dir_all(&state.opts.jobs_dir) {
        return (
            "failed",
            format!("cannot create {}: {e}", state.opts.jobs_dir.display()),
            None,
        );
    }
    let mut opts = export_options(state, dir.clone(), formats, max);
    // Settings the job was queued with; a job queued before they were recorded keeps the defaults.
    if let Ok(f) = serde_json::from_value::<Filters>(params["filters"].clone()) {
        opts.filters = f;
    }
    if let Some(seed) = params["seed"].as_u64() {
        opts.seed = seed;
    }
    if let Ok(shares) = serde_json::from_value::<SplitShares>(params["split_shares"].clone()) {
        opts.split_shares = shares;
    }
    if let Ok(styles) = serde_json::from_value::<Vec<String>>(params["test_styles"].clone()) {
        opts.test_styles = styles;
    }
    opts.test_advanced_concepts = params["test_advanced_concepts"].as_bool().unwrap_or(false);
    let progress = std::sync::Arc::new(JobProgress {
        done: Default::default(),
        total: Default::default(),
    });
    let catalog = state.catalog.clone();
    let p = progress.clone();
    let task =
        tokio::spawn(async move { fretwise_dataset::export(&catalog, &opts, p.as_ref()).await });
    let abort = task.abort_handle();
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(500));
    let outcome = {
        tokio::pin!(task);
        loop {
            tokio::select! {
                r = &mut task => break Some(r),
                _ = tick.tick() => {
                    let total = progress.total.load(std::sync::atomic::Ordering::Relaxed).max(1);
                    let done = progress.done.load(std::sync::atomic::Ordering::Relaxed).min(total);
                    let frac = (done as f64 / total as f64 * 0.99).min(0.99);
                    if let Ok(true) = state.catalog.job_progress(&job.id, frac, "exporting").await {
                        abort.abort();
                        break None;
                    }
                }
            }
        }
    };
    match outcome {
        None => ("cancelled", "cancelled while running".to_string(), None),
        Some(Err(e)) => ("failed", format!("the export stopped: {e}"), None),
        Some(Ok(Err(e))) => ("failed", e.to_string(), None),
        Some(Ok(Ok(manifest))) => {
            let files = list_files(&dir);
            let result = json!({"dir": dir, "files": files, "manifest": manifest});
            ("done", "done".to_string(), Some(result.to_string()))
        }
    }
}
