//! Transcript files, folders, and manifests (CSV or JSON) for users without database access.

use std::path::{Path, PathBuf};

use fretwise_catalog::{ChapterRef, CourseRef, InstructorRef, LessonMetadata};
use serde::Deserialize;

use crate::pipeline::QuarantinedItem;
use crate::{IngestError, InputItem, Payload, slug};

/// A manifest row that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{source_name} row {row}: {message}")]
pub struct ManifestError {
    /// Manifest path.
    pub source_name: String,
    /// 1-based data row.
    pub row: usize,
    /// What is wrong.
    pub message: String,
}

/// One manifest row; column names as documented in the README.
#[derive(Debug, Default, Deserialize)]
struct ManifestRow {
    lesson_id: Option<String>,
    title: Option<String>,
    description: Option<String>,
    course: Option<String>,
    course_id: Option<String>,
    course_description: Option<String>,
    chapter: Option<String>,
    chapter_id: Option<String>,
    instructor: Option<String>,
    instructor_id: Option<String>,
    level: Option<String>,
    style: Option<String>,
    order: Option<String>,
    runtime: Option<String>,
    transcript_path: Option<String>,
    audio_path: Option<String>,
    synthetic: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ManifestJson {
    List(Vec<ManifestRow>),
    Wrapped { lessons: Vec<ManifestRow> },
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

fn is_manifest_name(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
        n.starts_with("manifest.") && (n.ends_with(".csv") || n.ends_with(".json"))
    })
}

/// Expands paths (files, folders, manifests) into items to ingest, in a stable order.
///
/// A folder with a `manifest.csv` or `manifest.json` is read through its manifest; any other
/// folder contributes every `*.json` file beneath it. Unusable manifest rows come back as
/// quarantined items.
pub fn discover(paths: &[PathBuf]) -> Result<(Vec<InputItem>, Vec<QuarantinedItem>), IngestError> {
    let mut items = Vec::new();
    let mut rejected = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| IngestError::Source {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        if meta.is_dir() {
            let manifest = ["manifest.csv", "manifest.json"]
                .iter()
                .map(|n| path.join(n))
                .find(|p| p.is_file());
            match manifest {
                Some(m) => read_manifest(&m, &mut items, &mut rejected)?,
                None => {
                    let mut files = Vec::new();
                    walk_json(path, &mut files)?;
                    files.sort();
                    items.extend(files.into_iter().map(file_item));
                }
            }
        } else if is_manifest_name(path) || path.extension().is_some_and(|e| e == "csv") {
            read_manifest(path, &mut items, &mut rejected)?;
        } else {
            items.push(file_item(path.clone()));
        }
    }
    Ok((items, rejected))
}

fn walk_json(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), IngestError> {
    let entries = std::fs::read_dir(dir).map_err(|e| IngestError::Source {
        path: dir.display().to_string(),
        message: e.to_string(),
    })?;
    for entry in entries.flatten() {
        let p = entry.path();
        if p.is_dir() {
            walk_json(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "json") && !is_manifest_name(&p) {
            out.push(p);
        }
    }
    Ok(())
}

fn file_item(path: PathBuf) -> InputItem {
    let id = path
        .file_stem()
        .and_then(|s| s.to_str())
        .map(slug)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "lesson".to_string());
    InputItem {
        source: path.display().to_string(),
        id,
        metadata: LessonMetadata::default(),
        payload: Payload::File(path),
    }
}

fn read_manifest(
    path: &Path,
    items: &mut Vec<InputItem>,
    rejected: &mut Vec<QuarantinedItem>,
) -> Result<(), IngestError> {
    let source_name = path.display().to_string();
    let io_err = |e: String| IngestError::Source {
        path: source_name.clone(),
        message: e,
    };
    let base = path.parent().unwrap_or(Path::new("."));
    let rows: Vec<Result<ManifestRow, String>> = if path.extension().is_some_and(|e| e == "json") {
        let bytes = std::fs::read(path).map_err(|e| io_err(e.to_string()))?;
        let parsed: ManifestJson = serde_json::from_slice(&bytes)
            .map_err(|e| io_err(format!("invalid manifest JSON: {e}")))?;
        let list = match parsed {
            ManifestJson::List(l) | ManifestJson::Wrapped { lessons: l } => l,
        };
        list.into_iter().map(Ok).collect()
    } else {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .trim(csv::Trim::All)
            .from_path(path)
            .map_err(|e| io_err(e.to_string()))?;
        reader
            .deserialize::<ManifestRow>()
            .map(|r| r.map_err(|e| e.to_string()))
            .collect()
    };
    for (i, row) in rows.into_iter().enumerate() {
        let row_no = i + 1;
        let row_source = format!("{source_name}#row={row_no}");
        match row.and_then(|r| manifest_item(r, base)) {
            Ok(item) => items.push(item),
            Err(message) => rejected.push(QuarantinedItem {
                source: row_source,
                reason: format!("manifest row {row_no}: {message}"),
            }),
        }
    }
    Ok(())
}

fn parse_num<T: std::str::FromStr>(field: &str, v: Option<String>) -> Result<Option<T>, String> {
    match non_empty(v) {
        None => Ok(None),
        Some(s) => s
            .parse::<T>()
            .map(Some)
            .map_err(|_| format!("field `{field}`: `{s}` is not a number")),
    }
}

fn manifest_item(row: ManifestRow, base: &Path) -> Result<InputItem, String> {
    let transcript = non_empty(row.transcript_path).ok_or("field `transcript_path` is empty")?;
    let path = base.join(&transcript);
    let id = non_empty(row.lesson_id).ok_or("field `lesson_id` is empty")?;
    let runtime: Option<f64> = parse_num("runtime", row.runtime)?;
    if runtime.is_some_and(|r| !r.is_finite() || r < 0.0) {
        return Err("field `runtime`: must be a non-negative number of seconds".into());
    }
    let instructor = non_empty(row.instructor).map(|name| InstructorRef {
        id: non_empty(row.instructor_id.clone()).unwrap_or_else(|| slug(&name)),
        name,
    });
    let course = non_empty(row.course).map(|title| CourseRef {
        id: non_empty(row.course_id.clone()).unwrap_or_else(|| slug(&title)),
        title,
        description: non_empty(row.course_description),
    });
    let chapter = non_empty(row.chapter).map(|title| ChapterRef {
        id: non_empty(row.chapter_id.clone()).unwrap_or_else(|| {
            format!(
                "{}/{}",
                course.as_ref().map(|c| c.id.as_str()).unwrap_or(""),
                slug(&title)
            )
        }),
        title,
    });
    Ok(InputItem {
        source: path.display().to_string(),
        id,
        metadata: LessonMetadata {
            title: non_empty(row.title),
            description: non_empty(row.description),
            instructor,
            course,
            chapter,
            level: non_empty(row.level),
            style: non_empty(row.style),
            item_order: parse_num("order", row.order)?,
            runtime_s: runtime,
            audio_path: non_empty(row.audio_path).map(|a| base.join(a).display().to_string()),
            synthetic: non_empty(row.synthetic).is_some_and(|s| s == "true" || s == "1"),
        },
        payload: Payload::File(path),
    })
}
