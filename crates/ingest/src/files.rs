//! Transcript files, folders, and manifests (CSV or JSON) for users without database access.

use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};

use fretwise_catalog::{ChapterRef, CourseRef, InstructorRef, LessonMetadata};
use serde::{Deserialize, Serialize};

use crate::pipeline::QuarantinedItem;
use crate::{IngestError, InputItem, Payload, slug};

/// One manifest row; column names as documented in the README.
#[derive(Debug, Default)]
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
    video_url: Option<String>,
    synthetic: Option<String>,
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

fn is_manifest_name(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
        n.starts_with("manifest.") && (n.ends_with(".csv") || n.ends_with(".json"))
    })
}

/// A symbolic link the folder walk did not follow, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedLink {
    /// The link's path.
    pub path: String,
    /// Why it was not followed.
    pub reason: String,
}

/// What [`discover_sources`] found: items to ingest, rejected rows, links not followed.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Items to ingest, in a stable order.
    pub items: Vec<InputItem>,
    /// Unusable manifest rows, to quarantine.
    pub rejected: Vec<QuarantinedItem>,
    /// Symbolic links that led to a folder or file already read, or nowhere.
    pub skipped_links: Vec<SkippedLink>,
}

/// [`discover_sources`] without the report of skipped links.
pub fn discover(paths: &[PathBuf]) -> Result<(Vec<InputItem>, Vec<QuarantinedItem>), IngestError> {
    let d = discover_sources(paths)?;
    Ok((d.items, d.rejected))
}

/// Expands paths (files, folders, manifests) into items to ingest, in a stable order.
///
/// A folder with a `manifest.csv` or `manifest.json` is read through its manifest; any other
/// folder contributes every `*.json` file beneath it. Each real folder and file is read once
/// however many links lead to it, so link loops end; the links not followed are reported.
/// Unusable manifest rows, unreadable manifests and missing paths come back as quarantined
/// items; only when every path is missing is it an error.
pub fn discover_sources(paths: &[PathBuf]) -> Result<Discovery, IngestError> {
    let mut out = Discovery::default();
    let mut walk = Walk::default();
    let mut missing = 0;
    for path in paths {
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(e) => {
                // One missing or unreadable source does not stop the others.
                missing += 1;
                out.rejected.push(QuarantinedItem {
                    source: path.display().to_string(),
                    reason: match e.kind() {
                        std::io::ErrorKind::NotFound => "no such file or folder".into(),
                        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
                        _ => format!("cannot be read ({e})"),
                    },
                });
                continue;
            }
        };
        if meta.is_dir() {
            let manifest = ["manifest.csv", "manifest.json"]
                .iter()
                .map(|n| path.join(n))
                .find(|p| p.is_file());
            match manifest {
                Some(m) => read_manifest(&m, &mut out.items, &mut out.rejected),
                None => {
                    walk.folder(path)?;
                    let mut files = std::mem::take(&mut walk.found);
                    files.sort();
                    out.items.extend(files.into_iter().map(file_item));
                }
            }
        } else if is_manifest_name(path) || path.extension().is_some_and(|e| e == "csv") {
            read_manifest(path, &mut out.items, &mut out.rejected);
        } else if walk.take_file(path) {
            out.items.push(file_item(path.clone()));
        }
    }
    out.skipped_links = walk.skipped;
    // Every source missing is a mistyped command, not a batch with bad items in it.
    if !paths.is_empty() && missing == paths.len() {
        let first = &out.rejected[0];
        return Err(IngestError::Source {
            path: first.source.clone(),
            message: first.reason.clone(),
        });
    }
    Ok(out)
}

/// A folder walk that reads every real folder and file once: links are followed only after the
/// real tree, and only to folders and files not read yet.
#[derive(Default)]
struct Walk {
    /// Canonical folders already read.
    dirs: HashSet<PathBuf>,
    /// Canonical files already taken.
    files: HashSet<PathBuf>,
    /// Links met in the current folder walk, followed after its real folders.
    links: VecDeque<PathBuf>,
    /// Transcript files found by the current folder walk.
    found: Vec<PathBuf>,
    /// Links not followed, with the reason.
    skipped: Vec<SkippedLink>,
}

fn is_transcript_name(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "json") && !is_manifest_name(p)
}

fn source_err(path: &Path, e: impl std::fmt::Display) -> IngestError {
    IngestError::Source {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

impl Walk {
    /// Whether `path` is a file not taken yet (and takes it).
    fn take_file(&mut self, path: &Path) -> bool {
        match std::fs::canonicalize(path) {
            Ok(c) => self.files.insert(c),
            // Unreadable: the reader reports it with its reason.
            Err(_) => true,
        }
    }

    /// Walks `root`, then the links found under it.
    fn folder(&mut self, root: &Path) -> Result<(), IngestError> {
        let canonical = std::fs::canonicalize(root).map_err(|e| source_err(root, e))?;
        if !self.dirs.insert(canonical) {
            return Ok(());
        }
        self.real_dir(root)?;
        while let Some(link) = self.links.pop_front() {
            self.follow(&link)?;
        }
        Ok(())
    }

    /// Reads `dir` and the real folders under it; links are queued, not followed.
    fn real_dir(&mut self, dir: &Path) -> Result<(), IngestError> {
        let mut entries: Vec<std::fs::DirEntry> = std::fs::read_dir(dir)
            .map_err(|e| source_err(dir, e))?
            .flatten()
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            // file_type does not follow links: only follow() does, and it checks first.
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_symlink() {
                self.links.push_back(path);
            } else if kind.is_dir() {
                let canonical = std::fs::canonicalize(&path).map_err(|e| source_err(&path, e))?;
                if self.dirs.insert(canonical) {
                    self.real_dir(&path)?;
                }
            } else if kind.is_file() && is_transcript_name(&path) && self.take_file(&path) {
                self.found.push(path);
            }
        }
        Ok(())
    }

    /// Follows one link when it leads to a folder or transcript not read yet; records why not.
    fn follow(&mut self, link: &Path) -> Result<(), IngestError> {
        let target = match std::fs::canonicalize(link) {
            Ok(t) => t,
            Err(e) => {
                self.skip(link, format!("a broken link ({e})"));
                return Ok(());
            }
        };
        if target.is_dir() {
            if self.dirs.contains(&target) {
                let inside = link
                    .parent()
                    .and_then(|p| std::fs::canonicalize(p).ok())
                    .is_some_and(|p| p.starts_with(&target));
                let reason = if inside {
                    format!(
                        "a loop: it leads back to {}, a folder it is in",
                        target.display()
                    )
                } else {
                    format!("it leads to {}, a folder already read", target.display())
                };
                self.skip(link, reason);
                return Ok(());
            }
            self.dirs.insert(target);
            return self.real_dir(link);
        }
        if target.is_file() && is_transcript_name(link) {
            if self.files.insert(target.clone()) {
                self.found.push(link.to_path_buf());
            } else {
                let reason = format!("it leads to {}, a file already read", target.display());
                self.skip(link, reason);
            }
        }
        Ok(())
    }

    fn skip(&mut self, link: &Path, reason: String) {
        self.skipped.push(SkippedLink {
            path: link.display().to_string(),
            reason,
        });
    }
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

/// How a manifest is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManifestFormat {
    /// A CSV file with a header row.
    Csv,
    /// A JSON list of lesson objects, or `{"lessons": [...]}`.
    Json,
}

/// Columns a manifest cannot do without.
const REQUIRED_COLUMNS: [&str; 2] = ["lesson_id", "transcript_path"];

/// What a manifest holds: usable items and rejected rows.
#[derive(Debug, Default)]
pub struct ParsedManifest {
    /// Items to ingest, in the manifest's order.
    pub items: Vec<InputItem>,
    /// Rows that cannot be used, each with the reason.
    pub rejected: Vec<QuarantinedItem>,
}

/// Reads a manifest from bytes; `base` is the folder its paths are relative to and
/// `source_name` names it in reasons. A manifest that cannot be read at all (not JSON or CSV,
/// no `transcript_path` column, …) is an error in words; a bad row only rejects that row.
pub fn parse_manifest(
    bytes: &[u8],
    format: ManifestFormat,
    base: &Path,
    source_name: &str,
) -> Result<ParsedManifest, String> {
    let rows = match format {
        ManifestFormat::Json => json_rows(bytes)?,
        ManifestFormat::Csv => csv_rows(bytes)?,
    };
    let mut out = ParsedManifest::default();
    for (i, row) in rows.into_iter().enumerate() {
        let row_no = i + 1;
        match row.and_then(|r| manifest_item(r, base)) {
            Ok(item) => out.items.push(item),
            Err(message) => out.rejected.push(QuarantinedItem {
                source: format!("{source_name}#row={row_no}"),
                reason: format!("manifest row {row_no}: {message}"),
            }),
        }
    }
    Ok(out)
}

/// Rows of a JSON manifest; one row's bad value rejects that row only.
fn json_rows(bytes: &[u8]) -> Result<Vec<Result<ManifestRow, String>>, String> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| format!("the manifest is not valid JSON ({e})"))?;
    let list = match value {
        serde_json::Value::Array(list) => list,
        serde_json::Value::Object(mut o) => match o.remove("lessons") {
            Some(serde_json::Value::Array(list)) => list,
            Some(_) => return Err("the manifest's `lessons` is not a list of lessons".into()),
            None => {
                return Err(
                    "the manifest is a JSON object without a `lessons` list; write a list of \
                     lessons or {\"lessons\": [...]}"
                        .into(),
                );
            }
        },
        _ => {
            return Err("the manifest is not a list of lessons or {\"lessons\": [...]}".into());
        }
    };
    if !list.is_empty() {
        for column in REQUIRED_COLUMNS {
            if !list.iter().any(|r| r.get(column).is_some()) {
                return Err(format!("the manifest has no {column} column"));
            }
        }
    }
    Ok(list.into_iter().map(json_row).collect())
}

/// One JSON lesson object as a row: text, numbers and booleans are read as text; keys that are
/// not manifest columns are ignored.
fn json_row(value: serde_json::Value) -> Result<ManifestRow, String> {
    let serde_json::Value::Object(o) = value else {
        return Err("not a JSON object of lesson fields".into());
    };
    let mut row = ManifestRow::default();
    for (column, value) in o {
        let Some(slot) = row.slot(&column) else {
            continue;
        };
        *slot = match value {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some(s),
            serde_json::Value::Number(n) => Some(n.to_string()),
            serde_json::Value::Bool(b) => Some(b.to_string()),
            _ => return Err(format!("field `{column}` must be text or a number")),
        };
    }
    Ok(row)
}

/// Rows of a CSV manifest with a header row.
fn csv_rows(bytes: &[u8]) -> Result<Vec<Result<ManifestRow, String>>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| {
            format!(
                "the manifest's header row cannot be read ({})",
                csv_reason(&e)
            )
        })?
        .iter()
        .map(str::to_string)
        .collect();
    for column in REQUIRED_COLUMNS {
        if !header.iter().any(|h| h == column) {
            return Err(format!("the manifest has no {column} column"));
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        rows.push(record.map_err(|e| csv_reason(&e)).map(|r| {
            let mut row = ManifestRow::default();
            for (column, value) in header.iter().zip(r.iter()) {
                if let Some(slot) = row.slot(column) {
                    *slot = Some(value.to_string());
                }
            }
            row
        }));
    }
    Ok(rows)
}

/// A CSV error in words (no byte offsets or library types).
fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("has {len} fields; the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "is not UTF-8 text".into(),
        _ => e.to_string(),
    }
}

impl ManifestRow {
    /// The field of manifest column `column` (as documented in the README), if it is one.
    fn slot(&mut self, column: &str) -> Option<&mut Option<String>> {
        Some(match column {
            "lesson_id" => &mut self.lesson_id,
            "title" => &mut self.title,
            "description" => &mut self.description,
            "course" => &mut self.course,
            "course_id" => &mut self.course_id,
            "course_description" => &mut self.course_description,
            "chapter" => &mut self.chapter,
            "chapter_id" => &mut self.chapter_id,
            "instructor" => &mut self.instructor,
            "instructor_id" => &mut self.instructor_id,
            "level" => &mut self.level,
            "style" => &mut self.style,
            "order" => &mut self.order,
            "runtime" => &mut self.runtime,
            "transcript_path" => &mut self.transcript_path,
            "audio_path" => &mut self.audio_path,
            "video_url" => &mut self.video_url,
            "synthetic" => &mut self.synthetic,
            _ => return None,
        })
    }
}

/// Reads the manifest at `path` into `items`; rows that cannot be used, and a manifest that
/// cannot be read at all, are quarantined with the reason (the other sources still ingest).
fn read_manifest(path: &Path, items: &mut Vec<InputItem>, rejected: &mut Vec<QuarantinedItem>) {
    let source_name = path.display().to_string();
    let base = path.parent().unwrap_or(Path::new("."));
    let format = if path.extension().is_some_and(|e| e == "json") {
        ManifestFormat::Json
    } else {
        ManifestFormat::Csv
    };
    let parsed = std::fs::read(path)
        .map_err(|e| format!("the manifest cannot be read ({e})"))
        .and_then(|bytes| parse_manifest(&bytes, format, base, &source_name));
    match parsed {
        Ok(p) => {
            items.extend(p.items);
            rejected.extend(p.rejected);
        }
        Err(reason) => rejected.push(QuarantinedItem {
            source: source_name,
            reason,
        }),
    }
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

/// `value` of manifest column `field` as a path under the manifest's folder `base`.
fn manifest_path(base: &Path, field: &str, value: &str) -> Result<PathBuf, String> {
    crate::join_inside(base, value).map_err(|e| match e {
        crate::Escape::Absolute => format!(
            "field `{field}`: `{value}` is an absolute path; paths are relative to the manifest's folder"
        ),
        crate::Escape::AboveRoot => {
            format!("field `{field}`: `{value}` leads outside the manifest's folder")
        }
    })
}

fn manifest_item(row: ManifestRow, base: &Path) -> Result<InputItem, String> {
    let transcript = non_empty(row.transcript_path).ok_or("field `transcript_path` is empty")?;
    let path = manifest_path(base, "transcript_path", &transcript)?;
    let audio_path = non_empty(row.audio_path)
        .map(|a| manifest_path(base, "audio_path", &a))
        .transpose()?;
    let id = non_empty(row.lesson_id).ok_or("field `lesson_id` is empty")?;
    let video_url = non_empty(row.video_url)
        .map(|v| crate::checked_video_url(&v).map_err(|e| format!("field `video_url`: {e}")))
        .transpose()?;
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
            audio_path: audio_path.map(|a| a.display().to_string()),
            video_url,
            synthetic: non_empty(row.synthetic).is_some_and(|s| s == "true" || s == "1"),
        },
        payload: Payload::File(path),
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn names(d: &Discovery) -> Vec<String> {
        d.items.iter().map(|i| i.id.clone()).collect()
    }

    #[test]
    fn link_loops_end_and_every_real_file_counts_once() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("loop");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("lesson.json"), "{}").unwrap();
        std::fs::write(root.join("sub/second.json"), "{}").unwrap();
        symlink("../loop", root.join("self")).unwrap();
        symlink(".", root.join("dot")).unwrap();
        symlink("..", root.join("sub/up")).unwrap();
        symlink("lesson.json", root.join("alias.json")).unwrap();
        symlink("nowhere", root.join("broken.json")).unwrap();

        let d = discover_sources(std::slice::from_ref(&root)).unwrap();
        assert_eq!(names(&d), ["lesson", "second"]);
        let skipped: Vec<(&str, &str)> = d
            .skipped_links
            .iter()
            .map(|s| {
                let name = s
                    .path
                    .strip_prefix(&format!("{}/", root.display()))
                    .unwrap();
                (name, s.reason.split(':').next().unwrap_or(""))
            })
            .collect();
        assert_eq!(skipped.len(), 5, "{:?}", d.skipped_links);
        for (name, kind) in [("self", "a loop"), ("dot", "a loop"), ("sub/up", "a loop")] {
            assert!(
                skipped.contains(&(name, kind)),
                "{name}: {:?}",
                d.skipped_links
            );
        }
        let reason = |name: &str| {
            d.skipped_links
                .iter()
                .find(|s| s.path.ends_with(name))
                .map(|s| s.reason.clone())
                .unwrap_or_default()
        };
        assert!(reason("alias.json").contains("a file already read"));
        assert!(reason("broken.json").starts_with("a broken link"));
    }

    #[test]
    fn a_link_to_a_folder_outside_is_followed_once() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tmp.path().join("outside");
        let root = tmp.path().join("root");
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(outside.join("elsewhere.json"), "{}").unwrap();
        symlink(&outside, root.join("a")).unwrap();
        symlink(&outside, root.join("b")).unwrap();
        let d = discover_sources(std::slice::from_ref(&root)).unwrap();
        assert_eq!(names(&d), ["elsewhere"]);
        assert_eq!(d.skipped_links.len(), 1, "{:?}", d.skipped_links);
        assert!(d.skipped_links[0].path.ends_with("/b"));
        assert!(d.skipped_links[0].reason.contains("a folder already read"));
        // The same folder named twice is read once.
        let d = discover_sources(&[root.clone(), outside.clone()]).unwrap();
        assert_eq!(names(&d), ["elsewhere"]);
    }
}

#[cfg(test)]
mod manifest_tests {
    use super::*;

    fn parse(text: &str, format: ManifestFormat) -> Result<ParsedManifest, String> {
        parse_manifest(text.as_bytes(), format, Path::new("/corpus"), "m")
    }

    #[test]
    fn a_manifest_that_is_not_a_list_of_lessons_says_so_in_words() {
        let e = parse(r#"{"anything":1}"#, ManifestFormat::Json).unwrap_err();
        assert!(e.contains("without a `lessons` list"), "{e}");
        assert!(!e.contains("untagged"), "{e}");
        let e = parse("[1, 2", ManifestFormat::Json).unwrap_err();
        assert!(e.starts_with("the manifest is not valid JSON"), "{e}");
        let e = parse(r#""text""#, ManifestFormat::Json).unwrap_err();
        assert!(e.contains("not a list of lessons"), "{e}");
    }

    #[test]
    fn a_missing_column_is_one_reason_not_one_per_row() {
        let e = parse("lesson_id,title\nL1,A\nL2,B\n", ManifestFormat::Csv).unwrap_err();
        assert_eq!(e, "the manifest has no transcript_path column");
        let e = parse(
            r#"[{"lesson_id":"L1"},{"lesson_id":"L2"}]"#,
            ManifestFormat::Json,
        )
        .unwrap_err();
        assert_eq!(e, "the manifest has no transcript_path column");
    }

    #[test]
    fn json_numbers_are_read_and_a_bad_row_rejects_only_itself() {
        let m = parse(
            r#"{"lessons":[{"lesson_id":"L1","transcript_path":"a.json","runtime":205.5,"order":3,"synthetic":true},
                "not an object",
                {"lesson_id":"L3","transcript_path":"c.json","title":["x"]}]}"#,
            ManifestFormat::Json,
        )
        .unwrap();
        assert_eq!(m.items.len(), 1, "{m:?}");
        let l = &m.items[0].metadata;
        assert_eq!(l.runtime_s, Some(205.5));
        assert_eq!(l.item_order, Some(3));
        assert!(l.synthetic);
        assert_eq!(m.rejected.len(), 2);
        assert_eq!(m.rejected[0].source, "m#row=2");
        assert!(m.rejected[0].reason.contains("not a JSON object"), "{m:?}");
        assert!(m.rejected[1].reason.contains("field `title`"), "{m:?}");
    }

    #[test]
    fn a_short_csv_row_names_its_field_count() {
        let m = parse(
            "lesson_id,transcript_path,title\nL1,a.json,A\nL2,b.json\n",
            ManifestFormat::Csv,
        )
        .unwrap();
        assert_eq!(m.items.len(), 1);
        assert_eq!(m.rejected.len(), 1);
        assert!(
            m.rejected[0]
                .reason
                .contains("has 2 fields; the header has 3"),
            "{m:?}"
        );
    }

    #[test]
    fn a_bad_manifest_or_missing_path_is_quarantined_and_the_rest_ingests() {
        let tmp = tempfile::tempdir().unwrap();
        let bad = tmp.path().join("bad");
        let good = tmp.path().join("good");
        std::fs::create_dir_all(&bad).unwrap();
        std::fs::create_dir_all(&good).unwrap();
        std::fs::write(bad.join("manifest.json"), r#"{"anything":1}"#).unwrap();
        std::fs::write(good.join("lesson.json"), "{}").unwrap();
        let missing = tmp.path().join("nowhere");
        let d = discover_sources(&[bad.clone(), missing.clone(), good]).unwrap();
        assert_eq!(d.items.len(), 1);
        assert_eq!(d.items[0].id, "lesson");
        assert_eq!(d.rejected.len(), 2, "{:?}", d.rejected);
        assert_eq!(
            d.rejected[0].source,
            bad.join("manifest.json").display().to_string()
        );
        assert!(d.rejected[0].reason.contains("`lessons` list"));
        assert_eq!(d.rejected[1].source, missing.display().to_string());
        assert_eq!(d.rejected[1].reason, "no such file or folder");
        // Nothing but missing paths: a mistyped command, an error naming the path.
        let e = discover_sources(std::slice::from_ref(&missing)).unwrap_err();
        assert!(e.to_string().contains("nowhere"), "{e}");
    }
}
