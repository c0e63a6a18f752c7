//! `/api/theory/{chord,scale,interval,voicings}`: the theory engine over HTTP.

use axum::Json;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use fretwise_theory::{
    Chord, Interval, Note, Scale, Tuning, VoicingOptions, diagram_svg, voicings,
};
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;

use crate::error::{ApiError, ApiResult};
use crate::extract::ApiQuery;

/// `?symbol=`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ChordQuery {
    /// A chord symbol (Cmaj7, F#m7b5, Bb7, G7/B).
    pub symbol: String,
}

/// A chord's notes, tones and name.
#[utoipa::path(get, path = "/api/theory/chord", tag = "theory", params(ChordQuery), security(("bearer" = [])), responses(
    (status = 200, description = "Spelling", body = Object),
    (status = 400, description = "Not a chord symbol", body = crate::error::ErrorBody)))]
pub async fn chord(ApiQuery(q): ApiQuery<ChordQuery>) -> ApiResult<Json<serde_json::Value>> {
    let c =
        Chord::parse(&q.symbol).map_err(|e| ApiError::field("symbol", format!("symbol: {e}")))?;
    let t = c.chord_type();
    Ok(Json(json!({
        "symbol": c.to_string(), "name": t.name, "notes": c.note_names(),
        "bass": c.bass.map(|b| b.to_string()), "tones": c.tone_functions(), "aliases": t.symbols,
    })))
}

/// `?name=`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ScaleQuery {
    /// Tonic and scale ("D dorian", "A minor pentatonic").
    pub name: String,
}

/// A scale's notes, intervals and the chords that fit it.
#[utoipa::path(get, path = "/api/theory/scale", tag = "theory", params(ScaleQuery), security(("bearer" = [])), responses(
    (status = 200, description = "Spelling", body = Object),
    (status = 400, description = "Not a scale", body = crate::error::ErrorBody)))]
pub async fn scale(ApiQuery(q): ApiQuery<ScaleQuery>) -> ApiResult<Json<serde_json::Value>> {
    let s = Scale::parse(&q.name).map_err(|e| ApiError::field("name", format!("name: {e}")))?;
    let chords: Vec<String> = s.fitting_chords().iter().map(|c| c.to_string()).collect();
    let intervals: Vec<String> = s
        .scale_type()
        .intervals
        .iter()
        .map(|i| i.to_string())
        .collect();
    Ok(Json(json!({
        "tonic": s.tonic.to_string(), "name": s.scale_type().name, "notes": s.note_names(),
        "intervals": intervals, "chords": chords,
    })))
}

/// `?from=&to=`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct IntervalQuery {
    /// From (C4, or C without an octave).
    pub from: String,
    /// To.
    pub to: String,
}

/// The interval between two notes.
#[utoipa::path(get, path = "/api/theory/interval", tag = "theory", params(IntervalQuery), security(("bearer" = [])), responses(
    (status = 200, description = "Interval", body = Object),
    (status = 400, description = "Not a note", body = crate::error::ErrorBody)))]
pub async fn interval(ApiQuery(q): ApiQuery<IntervalQuery>) -> ApiResult<Json<serde_json::Value>> {
    let a: Note = q
        .from
        .parse()
        .map_err(|e| ApiError::field("from", format!("from: {e}")))?;
    let b: Note =
        q.to.parse()
            .map_err(|e| ApiError::field("to", format!("to: {e}")))?;
    let i = Interval::between(&a, &b);
    Ok(Json(json!({
        "from": a.to_string(), "to": b.to_string(), "interval": i.to_string(), "name": i.long_name(),
        "semitones": i.semitones(), "inversion": i.invert().to_string(),
    })))
}

/// `?symbol=&tuning=&limit=&format=`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct VoicingsQuery {
    /// Chord symbol.
    pub symbol: String,
    /// Tuning name (standard, drop d, dadgad, open g …).
    pub tuning: Option<String>,
    /// How many voicings (1–50, default 8).
    pub limit: Option<u32>,
    /// json (default) or svg (the best voicing as a chord diagram).
    pub format: Option<String>,
}

/// Playable voicings of a chord, easiest first; `format=svg` draws the first one.
#[utoipa::path(get, path = "/api/theory/voicings", tag = "theory", params(VoicingsQuery), security(("bearer" = [])), responses(
    (status = 200, description = "Voicings (JSON) or a chord diagram (SVG)", body = Object),
    (status = 400, description = "Bad field", body = crate::error::ErrorBody),
    (status = 404, description = "No playable voicing", body = crate::error::ErrorBody)))]
pub async fn voicings_route(ApiQuery(q): ApiQuery<VoicingsQuery>) -> ApiResult<Response> {
    let c =
        Chord::parse(&q.symbol).map_err(|e| ApiError::field("symbol", format!("symbol: {e}")))?;
    let t = Tuning::named(q.tuning.as_deref().unwrap_or("standard"))
        .map_err(|e| ApiError::field("tuning", format!("tuning: {e}")))?;
    let limit = q.limit.unwrap_or(8);
    if !(1..=50).contains(&limit) {
        return Err(ApiError::field("limit", "limit: between 1 and 50"));
    }
    let svg = match q.format.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("json") => false,
        Some("svg") => true,
        Some(_) => return Err(ApiError::field("format", "format: json or svg")),
    };
    let vs = voicings(
        &c,
        &t,
        &VoicingOptions {
            limit: limit as usize,
            ..Default::default()
        },
    );
    if svg {
        let Some(v) = vs.first() else {
            return Err(ApiError::not_found(format!(
                "no playable voicing of {c} within a four-fret stretch in {}",
                t.name
            )));
        };
        return Ok((
            [(header::CONTENT_TYPE, "image/svg+xml")],
            diagram_svg(&c.to_string(), v),
        )
            .into_response());
    }
    let list: Vec<_> = vs
        .iter()
        .map(|v| json!({"shape": v.shape(), "voicing": v}))
        .collect();
    Ok(Json(json!({"chord": c.to_string(), "tuning": t.name, "voicings": list})).into_response())
}
