//! `POST /api/ai-instructor/analyze-playing`: a played take's analysis, score and feedback, each
//! feedback item linked to the lesson moments that teach the fix.

use axum::Json;
use axum::extract::{Multipart, State};
use fretwise_audio::{DecodeOptions, Exercise, Strictness};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ApiResult};

/// The multipart form (documentation only: the handler reads the parts as they stream in).
#[derive(Debug, Deserialize, ToSchema)]
pub struct AnalyzeForm {
    /// The recording: WAV, FLAC, MP3, OGG or M4A.
    #[schema(format = Binary, value_type = String)]
    pub audio: Vec<u8>,
    /// The exercise as JSON (`{"tempo_bpm": 80, "notes": [...]}`).
    pub exercise: Option<String>,
    /// The exercise as ASCII tab (needs `tempo`).
    pub tab: Option<String>,
    /// Tempo of the tab, beats per minute.
    pub tempo: Option<f64>,
    /// beginner, intermediate (default) or advanced.
    pub strictness: Option<String>,
    /// The student.
    pub student_id: Option<String>,
}

fn text(field: &str, bytes: &[u8]) -> ApiResult<String> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| ApiError::field(field, format!("{field}: not UTF-8 text")))
}

/// Analyses a take; with an exercise (JSON, or tab + tempo) also scores it.
#[utoipa::path(post, path = "/api/ai-instructor/analyze-playing", tag = "instructor",
    request_body(content = AnalyzeForm, content_type = "multipart/form-data"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Analysis (notes, onsets, tuning, chords) and, with an exercise, `score` with `feedback` items each carrying `lessons`", body = Object),
        (status = 400, description = "A part is missing or wrong", body = crate::error::ErrorBody),
        (status = 413, description = "The audio is too large or too long", body = crate::error::ErrorBody)))]
pub async fn analyze_playing(
    State(state): State<AppState>,
    mut form: Multipart,
) -> ApiResult<Json<serde_json::Value>> {
    // The upload's bytes as they arrived: analysis reads them in place.
    let mut audio: Option<(axum::body::Bytes, Option<String>)> = None;
    let mut exercise = None;
    let mut tab = None;
    let mut tempo = None;
    let mut strictness = Strictness::Intermediate;
    let mut student_id: Option<String> = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return Err(ApiError::new(
                    e.status(),
                    "invalid_multipart",
                    format!("reading the form: {}", e.body_text()),
                ));
            }
        };
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = field.bytes().await.map_err(|e| {
            ApiError::new(
                e.status(),
                "invalid_multipart",
                format!("{name}: {}", e.body_text()),
            )
        })?;
        match name.as_str() {
            "audio" => {
                let ext = file_name
                    .as_deref()
                    .and_then(|f| std::path::Path::new(f).extension())
                    .and_then(|e| e.to_str())
                    .map(str::to_ascii_lowercase);
                audio = Some((bytes, ext));
            }
            "exercise" => exercise = Some(text("exercise", &bytes)?),
            "tab" => tab = Some(text("tab", &bytes)?),
            "tempo" => {
                let t: f64 = text("tempo", &bytes)?
                    .trim()
                    .parse()
                    .map_err(|_| ApiError::field("tempo", "tempo: beats per minute, e.g. 80"))?;
                tempo = Some(t);
            }
            "strictness" => {
                let s = text("strictness", &bytes)?;
                strictness = Strictness::parse(&s).ok_or_else(|| {
                    ApiError::field(
                        "strictness",
                        "strictness: beginner, intermediate or advanced",
                    )
                })?;
            }
            "student_id" => {
                let id = text("student_id", &bytes)?;
                if !id.trim().is_empty() {
                    student_id = Some(id.trim().chars().take(200).collect());
                }
            }
            other => {
                return Err(ApiError::field(
                    other,
                    format!(
                        "unknown part `{}` (audio, exercise, tab, tempo, strictness, student_id)",
                        other.chars().take(40).collect::<String>()
                    ),
                ));
            }
        }
    }
    let Some((bytes, ext)) = audio else {
        return Err(ApiError::field(
            "audio",
            "audio: attach the recording as the `audio` part",
        ));
    };
    let exercise = match (exercise, tab, tempo) {
        (Some(json), _, _) => {
            Some(Exercise::parse(&json).map_err(|e| ApiError::field("exercise", e.to_string()))?)
        }
        (None, Some(tab), Some(tempo)) => Some(
            Exercise::from_tab(&tab, tempo).map_err(|e| ApiError::field("tab", e.to_string()))?,
        ),
        (None, Some(_), None) => {
            return Err(ApiError::field("tempo", "tempo: a tab needs its tempo"));
        }
        _ => None,
    };
    if student_id.is_some() && exercise.is_none() {
        return Err(ApiError::field(
            "exercise",
            "exercise: a take is recorded for a student only when it is scored (send exercise, or tab and tempo)",
        ));
    }
    // An unknown student is refused before any audio work.
    if let Some(id) = &student_id {
        fretwise_learner::load_student(&state.catalog, id).await?;
    }
    let take_hash = student_id
        .as_ref()
        .map(|_| fretwise_learner::content_hash(&bytes));
    let recorded_exercise = exercise.clone();
    let options = DecodeOptions {
        max_seconds: state.opts.max_audio_seconds,
        allow_partial: false,
    };
    // A permit per core: the semaphore is fair, so takes are analysed in the order they came.
    let queued = std::time::Instant::now();
    let slot = state
        .analysis_slots
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| ApiError::internal("waiting for an analysis slot", e))?;
    metrics::histogram!("fretwise_analysis_queue_seconds").record(queued.elapsed().as_secs_f64());
    let analysed = tokio::task::spawn_blocking(move || {
        // Held until the work ends, even when the client has gone and the request is dropped.
        let _slot = slot;
        let mut a = fretwise_audio::analyze_bytes_with(&bytes, ext.as_deref(), options)?;
        if let Some(ex) = &exercise {
            a.score = Some(fretwise_audio::score(
                ex,
                &a.notes,
                &a.techniques,
                strictness,
                a.tuning_ref_hz,
            ));
        }
        Ok::<_, fretwise_audio::AudioError>(a)
    })
    .await
    .map_err(|e| ApiError::internal("analysing the audio", e))?;
    let a = match analysed {
        Ok(a) => a,
        Err(fretwise_audio::AudioError::TooLong { .. }) => {
            return Err(ApiError::new(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "audio_too_long",
                format!(
                    "audio: longer than this service accepts ({} s)",
                    state.opts.max_audio_seconds
                ),
            ));
        }
        Err(e) => return Err(ApiError::field("audio", format!("audio: {e}"))),
    };
    metrics::counter!("fretwise_audio_seconds_analysed_total")
        .increment(a.duration_s.max(0.0).round() as u64);
    let recorded = match (&student_id, &recorded_exercise, &a.score, &take_hash) {
        (Some(id), Some(ex), Some(score), Some(hash)) => {
            let now = fretwise_learner::now_unix();
            let outcome = fretwise_learner::record_take(
                &state.catalog,
                &state.ontology,
                id,
                ex,
                score,
                hash,
                now,
            )
            .await?;
            if outcome.recorded {
                let k = state.knowledge()?;
                fretwise_learner::replan(
                    &state.catalog,
                    &state.ontology,
                    &k.profiles,
                    &k.instructor,
                    id,
                    now,
                )
                .await?;
            }
            Some(outcome)
        }
        _ => None,
    };
    let mut v =
        serde_json::to_value(&a).map_err(|e| ApiError::internal("writing the analysis", e))?;
    if let Some(r) = recorded {
        v["recorded"] =
            serde_json::to_value(r).map_err(|e| ApiError::internal("writing the analysis", e))?;
    }
    if let Some(score) = &a.score {
        let k = state.knowledge()?;
        let items: Vec<serde_json::Value> = score
            .feedback
            .iter()
            .map(|f| {
                let lessons: Vec<_> = f
                    .concepts
                    .iter()
                    .filter_map(|id| state.ontology.get(id))
                    .flat_map(|c| crate::routes::learn::moments(&k, c, None, 2))
                    .collect();
                serde_json::json!({"message": f.message, "concepts": f.concepts, "lessons": lessons})
            })
            .collect();
        if let Some(s) = v.get_mut("score") {
            s["feedback"] = serde_json::Value::Array(items);
        }
    }
    Ok(Json(v))
}
