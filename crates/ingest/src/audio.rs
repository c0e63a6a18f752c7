//! The lesson-audio stage: every stored lesson with a recording (`audio_path`) whose bytes or
//! transcript changed since it was last analysed is streamed through the audio crate's lesson
//! analysis (demonstrations between the words, recording quality) and the result is written
//! back, one transaction per lesson. A recording that is missing or unreadable is reported and
//! skipped; it never stops the stage or touches the lesson's other rows.

use std::path::Path;

use fretwise_audio::{LessonAudio, LessonOptions, analyze_lesson};
use fretwise_catalog::{Catalog, DemonstrationRow, LessonAudioRow, Progress};
use fretwise_transcript::Utterance;
use rayon::prelude::*;
use serde::Serialize;

use crate::IngestError;

/// Version of the analysis: stored rows of another version are redone (2: strummed chords;
/// 3: phrases followed under the next words).
pub const AUDIO_VERSION: i64 = 3;

/// Lessons analysed per batch (in parallel, then written).
const BATCH: usize = 8;

/// What the stage did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AudioSummary {
    /// Lessons with a recording.
    pub with_audio: usize,
    /// Analysed now.
    pub analysed: usize,
    /// Unchanged since their last analysis.
    pub unchanged: usize,
    /// Stored analyses removed because their lesson no longer has a recording (or is gone).
    pub removed: usize,
    /// Demonstrations found in the lessons analysed now.
    pub demonstrations: usize,
    /// Seconds of audio analysed now.
    pub audio_s: f64,
    /// Recordings that could not be analysed: lesson, path, reason.
    pub failed: Vec<AudioFailure>,
}

/// A recording that could not be analysed.
#[derive(Debug, Clone, Serialize)]
pub struct AudioFailure {
    /// Lesson id.
    pub lesson_id: String,
    /// The recording's path.
    pub path: String,
    /// Why, in words.
    pub reason: String,
}

/// One recording to analyse.
struct Job {
    id: String,
    path: String,
    key: String,
    utterances: Vec<Utterance>,
}

/// The stored quality JSON: everything but the demonstrations (stored as rows).
#[derive(Serialize)]
struct StoredQuality<'a> {
    duration_s: f64,
    sample_rate: u32,
    #[serde(flatten)]
    quality: &'a fretwise_audio::AudioQuality,
    remarks: &'a [String],
    utterances: &'a [fretwise_audio::UtteranceAudio],
}

/// Analyses the recordings of the stored lessons that changed; reports through `progress`.
pub async fn analyse_lesson_audio(
    catalog: &Catalog,
    progress: &dyn Progress,
) -> Result<AudioSummary, IngestError> {
    let lessons = catalog.lessons_with_audio().await?;
    let states = catalog.audio_states().await?;
    let mut summary = AudioSummary {
        with_audio: lessons.len(),
        ..AudioSummary::default()
    };
    // An analysis whose lesson no longer names a recording describes audio the lesson does not
    // have any more: it would still be exported, filtered on and cited.
    let current: std::collections::HashSet<&str> =
        lessons.iter().map(|(id, _, _)| id.as_str()).collect();
    let mut stale: Vec<String> = states
        .keys()
        .filter(|id| !current.contains(id.as_str()))
        .cloned()
        .collect();
    stale.sort();
    if !stale.is_empty() {
        summary.removed = catalog.delete_lesson_audio(&stale).await? as usize;
    }
    progress.stage("audio", Some(lessons.len() as u64));
    // Which recordings changed: the key is the file's size and modification time (a stat, not a
    // read: re-hashing every recording of a large library on each ingest would read terabytes)
    // and the transcript's hash (the words decide where playing can be).
    let keyed: Vec<(String, String, Result<String, String>)> =
        tokio::task::spawn_blocking(move || {
            lessons
                .into_par_iter()
                .map(|(id, path, content)| {
                    let key = file_key(Path::new(&path)).map(|h| format!("{h}:{content}"));
                    (id, path, key)
                })
                .collect()
        })
        .await
        .map_err(|e| IngestError::Worker(e.to_string()))?;
    let mut todo = Vec::new();
    for (id, path, key) in keyed {
        match key {
            Err(reason) => {
                progress.advance(1);
                summary.failed.push(AudioFailure {
                    lesson_id: id,
                    path,
                    reason,
                });
            }
            Ok(key) if states.get(&id) == Some(&(key.clone(), AUDIO_VERSION)) => {
                progress.advance(1);
                summary.unchanged += 1;
            }
            Ok(key) => todo.push((id, path, key)),
        }
    }
    for batch in todo.chunks(BATCH) {
        let ids: Vec<String> = batch.iter().map(|(id, _, _)| id.clone()).collect();
        let contents = catalog.lesson_timed_texts(&ids, true).await?;
        let work: Vec<Job> = batch
            .iter()
            .zip(contents)
            .map(|((id, path, key), c)| Job {
                id: id.clone(),
                path: path.clone(),
                key: key.clone(),
                utterances: c.utterances,
            })
            .collect();
        let results: Vec<(Job, Result<LessonAudio, String>)> =
            tokio::task::spawn_blocking(move || {
                work.into_par_iter()
                    .map(|job| {
                        let r = analyse_one(Path::new(&job.path), &job.utterances);
                        (job, r)
                    })
                    .collect()
            })
            .await
            .map_err(|e| IngestError::Worker(e.to_string()))?;
        for (job, r) in results {
            progress.advance(1);
            let audio = match r {
                Ok(a) => a,
                Err(reason) => {
                    summary.failed.push(AudioFailure {
                        lesson_id: job.id,
                        path: job.path,
                        reason,
                    });
                    continue;
                }
            };
            summary.analysed += 1;
            summary.demonstrations += audio.demonstrations.len();
            summary.audio_s += audio.duration_s;
            catalog
                .write_lesson_audio(&row(&job.id, &job.key, &audio, &job.utterances))
                .await?;
        }
    }
    Ok(summary)
}

/// The stored row of one analysis.
fn row(id: &str, key: &str, audio: &LessonAudio, utterances: &[Utterance]) -> LessonAudioRow {
    let quality = serde_json::to_string(&StoredQuality {
        duration_s: audio.duration_s,
        sample_rate: audio.sample_rate,
        quality: &audio.quality,
        remarks: &audio.remarks,
        utterances: &audio.utterances,
    })
    .unwrap_or_default();
    LessonAudioRow {
        lesson_id: id.to_string(),
        audio_hash: key.to_string(),
        version: AUDIO_VERSION,
        snr_db: audio.quality.snr_db,
        level_spread_db: audio.quality.level_spread_db,
        clipping_ratio: audio.quality.clipping_ratio,
        quality,
        demonstrations: audio
            .demonstrations
            .iter()
            .enumerate()
            .map(|(i, d)| DemonstrationRow {
                idx: i as i64,
                start_s: d.start_s,
                end_s: d.end_s,
                before_utterance: utterances
                    .iter()
                    .rposition(|u| u.end <= d.start_s + 0.5)
                    .map(|i| i as i64),
                // A phrase that runs on under the next words follows on from them.
                after_utterance: utterances
                    .iter()
                    .position(|u| u.start >= d.end_s - d.under_speech_s - 0.5)
                    .map(|i| i as i64),
                analysis: serde_json::to_string(d).unwrap_or_default(),
            })
            .collect(),
    }
}

/// Streams one recording through the lesson analysis.
fn analyse_one(path: &Path, utterances: &[Utterance]) -> Result<LessonAudio, String> {
    let words: Vec<(f64, f64)> = utterances
        .iter()
        .flat_map(|u| {
            // An utterance without word timings still holds speech from start to end.
            if u.words.is_empty() {
                vec![(u.start, u.end)]
            } else {
                u.words.iter().map(|w| (w.start, w.end)).collect()
            }
        })
        .collect();
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_string);
    let spans: Vec<(f64, f64)> = utterances.iter().map(|u| (u.start, u.end)).collect();
    analyze_lesson(
        Box::new(file),
        ext.as_deref(),
        &words,
        &spans,
        LessonOptions::default(),
    )
    .map_err(|e| e.to_string())
}

/// A file's size and modification time (ns since the epoch), as "SIZE-MTIME".
fn file_key(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot open: {e}"))?;
    if !meta.is_file() {
        return Err("not a file".to_string());
    }
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    Ok(format!("{}-{mtime}", meta.len()))
}
